"""The "Suggest a paper" issue form: its body becomes the record `longctx add` would write, or a comment
saying exactly what to fix. The CLI runs in a subprocess against the fake arXiv on 127.0.0.1."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, GOOD_RECORD, REPO, write_catalog
from fake_arxiv import FakeArxiv, running
from longctx_catalog.suggest import FORM, form_labels, parse_issue_form
from longctx_catalog.validate import load_catalog
from test_add import longctx
from test_enrich import changed, snapshot

FORMS = FIXTURES / "issue-forms"


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    with running() as server:
        yield server


def catalogue(path: Path) -> Path:
    root = write_catalog(path, {"yarn": GOOD_RECORD}, taxonomy=(REPO / "taxonomy.yaml").read_text(encoding="utf-8"))
    (root / FORM).parent.mkdir(parents=True)
    shutil.copy(REPO / FORM, root / FORM)
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return catalogue(tmp_path / "c")


def run_suggest(fake: FakeArxiv, root: Path, form: str, **env: str):  # type: ignore[no-untyped-def]
    return longctx(fake, root, "suggest", str(FORMS / form), "--issue", "7", "--comment-file",
                   str(root.parent / "comment.md"), "--pr-body-file", str(root.parent / "pr.md"),
                   "--github-output", str(root.parent / "out.txt"), **env)


def test_the_form_body_is_read_with_the_forms_own_labels() -> None:
    labels = form_labels((REPO / FORM).read_text(encoding="utf-8"))
    answers = parse_issue_form((FORMS / "valid-arxiv.md").read_text(encoding="utf-8"), labels)
    assert answers == {
        "arxiv": "https://arxiv.org/abs/2401.11111v1",
        "title": "Yarnball: Invented Rotary Stretching for Very Long Inputs",
        "kind": "paper",
        "tags": "rope-scaling",
        "code": "https://github.com/example/yarnball",
        "tldr": "Winds positions into a ball so the window can grow;\na short fine-tune is enough.",
        "checks": "- [X] I searched the catalogue and the open issues; this work is not there yet.",
    }
    empty = parse_issue_form((FORMS / "valid-no-arxiv.md").read_text(encoding="utf-8"), labels)
    assert empty["arxiv"] == "" and empty["tldr"] == "" and empty["kind"] == "toolkit"


def test_a_valid_suggestion_makes_the_record_add_makes(fake: FakeArxiv, root: Path, tmp_path: Path) -> None:
    result = run_suggest(fake, root, "valid-arxiv.md")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "papers/yarnball.yaml\n"
    suggested = yaml.safe_load((root / "papers" / "yarnball.yaml").read_text(encoding="utf-8"))
    assert [str(d) for d in load_catalog(root)[1] if d.is_error] == []

    # the same arXiv id through `longctx add`, in a twin catalogue: the same record, plus the form's code and TL;DR
    twin = catalogue(tmp_path / "twin")
    assert longctx(fake, twin, "add", "2401.11111", "--tag", "rope-scaling").returncode == 0
    added = yaml.safe_load((twin / "papers" / "yarnball.yaml").read_text(encoding="utf-8"))
    assert suggested == {**added, "code": [{"url": "https://github.com/example/yarnball", "official": True}],
                         "tldr": "Winds positions into a ball so the window can grow; a short fine-tune is enough."}
    assert (root / "data" / "arxiv" / "2401.11111.yaml").read_bytes() == \
        (twin / "data" / "arxiv" / "2401.11111.yaml").read_bytes()

    pr = (root.parent / "pr.md").read_text(encoding="utf-8")
    assert pr.startswith("Adds `papers/yarnball.yaml`: Yarnball: Invented Rotary Stretching for Very Long Inputs\n")
    assert "Closes #7." in pr and "fetched from arXiv 2401.11111" in pr
    assert (root.parent / "out.txt").read_text(encoding="utf-8") == (
        "record=papers/yarnball.yaml\ntitle=Yarnball: Invented Rotary Stretching for Very Long Inputs\n")
    assert not (root.parent / "comment.md").exists()


def test_arxiv_unreachable_writes_the_record_from_the_form(fake: FakeArxiv, root: Path) -> None:
    fake.always = "503"
    result = run_suggest(fake, root, "valid-arxiv.md", LONGCTX_ARXIV_RETRIES="0")
    assert result.returncode == 0, result.stdout + result.stderr
    record = yaml.safe_load((root / "papers" / "yarnball.yaml").read_text(encoding="utf-8"))
    assert record["title"] == "Yarnball: Invented Rotary Stretching for Very Long Inputs"
    assert record["arxiv"] == "2401.11111" and record["links"] == {"paper": "https://arxiv.org/abs/2401.11111"}
    assert record["tags"] == ["rope-scaling"] and "authors" not in record
    assert "arXiv could not be reached (arXiv answered HTTP 503)" in (root.parent / "pr.md").read_text()
    assert [str(d) for d in load_catalog(root)[1] if d.is_error] == []


def test_a_work_not_on_arxiv(fake: FakeArxiv, root: Path) -> None:
    result = run_suggest(fake, root, "valid-no-arxiv.md")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "papers" / "invented-long-toolkit.yaml").read_text(encoding="utf-8") == (
        "id: invented-long-toolkit\nkind: toolkit\ntitle: Invented Long Toolkit\ntags:\n  - toolkits\ncode:\n"
        "  - url: https://github.com/example/long-toolkit\n    official: true\nadded: 2026-11-22\n")
    assert fake.requests == []


def test_a_form_without_a_node_is_tagged_as_add_without_tag_would(fake: FakeArxiv, root: Path, tmp_path: Path) -> None:
    result = run_suggest(fake, root, "no-tag-arxiv.md")
    assert result.returncode == 0, result.stdout + result.stderr
    suggested = yaml.safe_load((root / "papers" / "yarnball.yaml").read_text(encoding="utf-8"))
    twin = catalogue(tmp_path / "twin")
    assert longctx(fake, twin, "add", "2401.11111").returncode == 0  # no --tag: the text model picks the node
    added = yaml.safe_load((twin / "papers" / "yarnball.yaml").read_text(encoding="utf-8"))
    assert suggested["tags"] == added["tags"] and len(added["tags"]) == 1
    pr = (root.parent / "pr.md").read_text(encoding="utf-8")
    assert f"Tagged `{added['tags'][0]}` (" in pr and "by similarity to the catalogue" in pr
    assert "Reviewers: check the tag." in pr
    assert [str(d) for d in load_catalog(root)[1] if d.is_error] == []


@pytest.mark.parametrize(("form", "expected"), [
    ("unknown-tag.md",
     "**Where it belongs** must name taxonomy nodes by id (see taxonomy.yaml):\n"
     "- `rope-scalng` is not a taxonomy node — did you mean `rope-scaling`?\n"
     "- `KV cache` is not a taxonomy node; nodes matching these words: `internal-memory-cache` (Internal Memory "
     "Cache), `alternate-cache-designs` (Alternate Cache Designs), `kv-cache-management` (KV-Cache Management), "
     "`kv-cache-eviction` (Eviction and Selection)\n\n"
     "Edit the issue and replace the words with node ids, separated by commas."),
    ("malformed-id.md",
     "**arXiv id or link**: `arXiv:2401.1111` is not an arXiv id. Write it as `2309.00071` (or an old-style "
     "`hep-th/9901001`), or paste the abstract link `https://arxiv.org/abs/2309.00071`; leave the field empty if "
     "the work is not on arXiv."),
    ("no-tag-nothing-alike.md",
     "**Where it belongs** is empty, and no taxonomy node is like this work's title: give at least one taxonomy "
     "node id, e.g. `rope-scaling`."),
    ("duplicate.md",
     "This work is already in the catalogue: `papers/yarn.yaml` (id `yarn`, \"YaRN: Efficient Context Window "
     "Extension of Large Language Models\"). To add tags, links or a TL;DR, edit that file instead, or say in this "
     "issue what should change."),
])
def test_bad_input_gets_a_comment_saying_what_to_fix(fake: FakeArxiv, root: Path, form: str, expected: str) -> None:
    before = snapshot(root)
    result = run_suggest(fake, root, form)
    assert result.returncode == 1, result.stdout + result.stderr
    comment = (root.parent / "comment.md").read_text(encoding="utf-8")
    assert comment == ("Thanks for the suggestion! I could not turn it into a record yet:\n\n" + expected
                       + "\n\nEdit the issue (the `...` menu → *Edit*) and I will try again.\n")
    assert result.stdout == comment
    assert changed(before, snapshot(root)) == [] and fake.requests == []
    assert not (root.parent / "pr.md").exists() and "Traceback" not in result.stderr


def test_an_id_arxiv_does_not_know(fake: FakeArxiv, root: Path, tmp_path: Path) -> None:
    body = (FORMS / "valid-arxiv.md").read_text(encoding="utf-8").replace("2401.11111v1", "2410.99999")
    (tmp_path / "unknown.md").write_text(body, encoding="utf-8")
    result = longctx(fake, root, "suggest", str(tmp_path / "unknown.md"))
    assert result.returncode == 1
    assert "arXiv 2410.99999: arXiv has no paper with this id. Check the id" in result.stdout


def test_a_body_that_is_not_the_form(fake: FakeArxiv, root: Path, tmp_path: Path) -> None:
    (tmp_path / "free.md").write_text("please add yarn, thanks\n", encoding="utf-8")
    result = longctx(fake, root, "suggest", str(tmp_path / "free.md"))
    assert result.returncode == 1 and "its `### ...` headings are missing" in result.stdout


def test_the_workflow_is_a_thin_caller() -> None:
    path = REPO / ".github" / "workflows" / "suggest.yml"
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(workflow[True]["issues"]["types"]) == {"opened", "edited"}
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "longctx suggest" in runs
    # the issue text reaches the shell only through the environment, never pasted into the script
    assert not re.search(r"\$\{\{[^}]*issue\.(body|title)", runs)
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    assert "peter-evans/create-pull-request" in uses
    pr = next(step for step in steps if step.get("uses", "").startswith("peter-evans/create-pull-request"))
    assert "pr.md" in pr["with"]["body-path"]
    assert "gh issue comment" in runs
