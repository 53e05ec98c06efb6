"""`longctx check`: one verb that catches every kind of broken pull request, with one summary."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import make_site_catalogue, run_longctx


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fixture catalogue whose committed pages are up to date (as a green main branch is)."""
    root = make_site_catalogue(tmp_path_factory.mktemp("check") / "catalogue")
    assert run_longctx(root, "render").returncode == 0
    return root


@pytest.fixture
def pr(rendered: Path, tmp_path: Path) -> Path:
    """A fresh copy of the green catalogue for one pull request to break."""
    root = tmp_path / "pr"
    shutil.copytree(rendered, root)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".longctx-cache" not in p.parts}


def test_a_good_catalogue_passes_and_check_writes_nothing(pr: Path) -> None:
    before = snapshot(pr)
    result = run_longctx(pr, "check")
    assert result.returncode == 0, result.stderr
    assert "records (longctx validate --strict): ok" in result.stderr
    assert "generated pages (rendered in memory): ok" in result.stderr
    assert "site (strict MkDocs build in a temporary folder): ok" in result.stderr
    assert "check passed" in result.stderr
    assert snapshot(pr) == before
    assert not (pr / "site").exists()


def test_a_bad_record_fails_and_says_what_to_do(pr: Path) -> None:
    record = pr / "papers" / "yarn.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("rope-scaling", "extended-rop"), encoding="utf-8")
    result = run_longctx(pr, "check")
    assert result.returncode == 1
    assert re.search(r"^papers/yarn\.yaml:\d+:\d+: error: unknown tag 'extended-rop' — did you mean "
                     r"'extended-rope'\?.*longctx tags", result.stdout, re.M), result.stdout
    assert "records (longctx validate --strict): FAILED (1 errors, 0 warnings)" in result.stderr
    assert "generated pages (rendered in memory): skipped" in result.stderr
    assert "check failed" in result.stderr


def test_a_warning_fails_too(pr: Path) -> None:
    record = pr / "papers" / "yarn.yaml"
    text = record.read_text(encoding="utf-8")
    record.write_text(re.sub(r"(?m)^added: .*\n", "", text), encoding="utf-8")
    result = run_longctx(pr, "check", "--no-site")
    assert result.returncode == 1
    assert ": warning: no 'added' date" in result.stdout


def test_an_edited_record_without_re_rendering_passes_but_not_with_fresh(pr: Path) -> None:
    """A pull request carries records only; main regenerates the pages after the merge."""
    record = pr / "papers" / "yarn.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("unevenly", "oddly"), encoding="utf-8")
    before = snapshot(pr)
    result = run_longctx(pr, "check", "--no-site")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"generated pages \(rendered in memory\): ok \(\d+ pages; [1-9]\d* committed file\(s\) differ, "
                     r"regenerated on main after the merge\)", result.stderr), result.stderr
    assert snapshot(pr) == before
    assert run_longctx(pr, "render", "--check").returncode == 1  # freshness is still checked where it matters

    result = run_longctx(pr, "check", "--no-site", "--fresh")
    assert result.returncode == 1
    assert re.search(r"^docs/\S+\.md:\d+:1: error: generated file out of date .*run `longctx render`.*"
                     r"\[LC705 stale-output\]$", result.stdout, re.M), result.stdout


def test_a_stale_readme_fails_at_the_first_changed_line(pr: Path) -> None:
    readme = pr / "README.md"
    lines = readme.read_text(encoding="utf-8").splitlines(keepends=True)
    begin = next(i for i, line in enumerate(lines) if line.startswith("<!-- longctx:begin totals"))
    lines.insert(begin + 1, "a line somebody typed inside a generated region\n")
    readme.write_text("".join(lines), encoding="utf-8")
    result = run_longctx(pr, "check", "--no-site", "--fresh")
    assert result.returncode == 1
    assert f"README.md:{begin + 2}:1: error: generated file out of date" in result.stdout


def test_a_broken_internal_link_fails_the_site_step(pr: Path) -> None:
    guide = pr / "docs" / "guide" / "notes.md"
    guide.write_text(guide.read_text(encoding="utf-8") + "\nSee [the missing page](../nowhere.md).\n",
                     encoding="utf-8")
    result = run_longctx(pr, "check")
    assert result.returncode == 1
    assert re.search(r"^docs/guide/notes\.md:\d+:\d+: error: MkDocs: .*nowhere\.md", result.stdout, re.M), (
        result.stdout + result.stderr)
    assert "site (strict MkDocs build in a temporary folder): FAILED" in result.stderr


def test_github_format_gives_annotations(pr: Path) -> None:
    record = pr / "papers" / "yarn.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("rope-scaling", "extended-rop"), encoding="utf-8")
    result = run_longctx(pr, "check", "--format", "github", "--no-site")
    assert result.returncode == 1
    assert re.search(r"^::error file=papers/yarn\.yaml,line=\d+,col=\d+,title=LC201 unknown-tag::"
                     r"papers/yarn\.yaml:\d+:\d+: unknown tag",
                     result.stdout, re.M), result.stdout


JSON_KEYS = ["path", "line", "column", "severity", "code", "symbol", "message"]


def check_json(root: Path, *args: str) -> tuple[int, list[dict[str, object]], str]:
    """`longctx check --format json`: exit code, the parsed list (stdout must be only JSON), stderr."""
    result = run_longctx(root, "check", "--format", "json", *args)
    return result.returncode, json.loads(result.stdout), result.stderr


def test_json_format_is_an_empty_list_when_clean(pr: Path) -> None:
    code, items, stderr = check_json(pr, "--no-site")
    assert code == 0 and items == []
    assert "check passed" in stderr  # the summary stays on stderr, out of the JSON


def test_json_format_locates_record_errors(pr: Path) -> None:
    record = pr / "papers" / "yarn.yaml"
    text = record.read_text(encoding="utf-8").replace("rope-scaling", "extended-rop")
    record.write_text(text, encoding="utf-8")
    code, items, stderr = check_json(pr, "--no-site")
    assert code == 1 and "check failed" in stderr
    (item,) = items
    assert list(item) == JSON_KEYS
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "extended-rop" in t)
    column = text.splitlines()[line - 1].index("extended-rop") + 1
    assert (item["path"], item["line"], item["column"]) == ("papers/yarn.yaml", line, column)
    assert (item["severity"], item["code"], item["symbol"]) == ("error", "LC201", "unknown-tag")
    assert "did you mean 'extended-rope'" in str(item["message"])


def test_json_format_carries_stale_pages(pr: Path) -> None:
    record = pr / "papers" / "yarn.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("unevenly", "oddly"), encoding="utf-8")
    code, items, _ = check_json(pr, "--no-site", "--fresh")
    assert code == 1 and items
    assert all(list(i) == JSON_KEYS and i["code"] == "LC705" and i["severity"] == "error" for i in items)
    assert all(str(i["path"]).startswith("docs/") or i["path"] == "README.md" for i in items)


def test_json_format_carries_warnings(pr: Path) -> None:
    record = pr / "papers" / "yarn.yaml"
    record.write_text(re.sub(r"(?m)^added: .*\n", "", record.read_text(encoding="utf-8")), encoding="utf-8")
    code, items, _ = check_json(pr, "--no-site")
    assert code == 1  # a warning fails check too
    assert [(i["path"], i["severity"]) for i in items] == [("papers/yarn.yaml", "warning")]
