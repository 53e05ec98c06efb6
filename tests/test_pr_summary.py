"""`longctx pr-summary`: the PR workflow's job summary, from a real git repository."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from conftest import GOOD_RECORD, REPO, run_longctx, write_catalog

LONGLORA = GOOD_RECORD.replace("yarn", "longlora").replace("YaRN: Efficient Context Window Extension",
                                                            "LongLoRA: Efficient Fine-tuning").replace(
    "2309.00071", "2309.12307").replace("2023-08-31", "2023-09-21")


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x.org"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, timeout=60)


def test_added_changed_removed_linked_to_the_preview_with_warnings(tmp_path: Path) -> None:
    old = "id: old-one\ntitle: 'An Old [Bracketed] Work'\ntags: [rope-scaling]\nadded: 2026-11-01\n"
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD, "longlora": LONGLORA, "old-one": old})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-q", "-b", "pr")
    (root / "papers" / "old-one.yaml").unlink()
    (root / "papers" / "yarn.yaml").write_text(GOOD_RECORD.replace("a much longer", "a far longer"), encoding="utf-8")
    (root / "papers" / "alpha.yaml").write_text(
        "id: alpha\ntitle: 'Alpha: A New Study'\ntags: [rope-scaling]\ntldr: Studies things.\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "pr")
    (root / "papers" / "beta.yaml").write_text(  # not committed yet: still part of the change
        "id: beta\ntitle: Beta\ntags: [rope-scaling]\nadded: 2026-11-21\n", encoding="utf-8")

    result = run_longctx(root, "pr-summary", "--base", "main", "--site-url", "https://preview.example.org/pr-3/")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "## Catalogue changes\n\n"
        "### Added (2)\n\n"
        "- [Alpha: A New Study](https://preview.example.org/pr-3/papers/alpha/) — `papers/alpha.yaml`\n"
        "- [Beta](https://preview.example.org/pr-3/papers/beta/) — `papers/beta.yaml`\n\n"
        "### Changed (1)\n\n"
        "- [YaRN: Efficient Context Window Extension of Large Language Models]"
        "(https://preview.example.org/pr-3/papers/yarn/) — `papers/yarn.yaml`\n\n"
        "### Removed (1)\n\n"
        "- An Old \\[Bracketed\\] Work — `papers/old-one.yaml`\n\n"
        "### Problems in these records: 0 errors, 2 warnings\n\n"
        "```text\n"
        "papers/alpha.yaml:1:1: warning: no 'added' date; add `added: 2026-11-22` [LC143 missing-added]\n"
        "papers/beta.yaml:1:1: warning: no 'tldr'; add one or two sentences, in your own words, on what the work "
        "does [LC142 missing-tldr]\n"
        "```\n"
    ), result.stdout


def test_no_change_and_the_artifact_preview(tmp_path: Path) -> None:
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    result = run_longctx(root, "pr-summary", "--base", "main", "--artifact-url", "https://gh.example/a/1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "## Catalogue changes\n\n"
        "Preview: download [the built site](https://gh.example/a/1), unzip it and open the record's page, "
        "`papers/<id>/index.html`.\n\n"
        "No record was added, changed or removed.\n\n"
        "### Problems in these records: 0 errors, 0 warnings\n\nNone.\n")


def test_an_unknown_base_is_a_clear_error(tmp_path: Path) -> None:
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD})
    git(root, "init", "-q", "-b", "main")
    result = run_longctx(root, "pr-summary", "--base", "origin/main")
    assert result.returncode == 2
    assert "fetch-depth: 0" in result.stderr and "Traceback" not in result.stderr


def test_the_pr_workflow_uploads_the_preview_and_writes_the_summary() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "pr.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["check"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "site"
    summary = next(s for s in steps if "pr-summary" in s.get("run", ""))
    assert '>> "$GITHUB_STEP_SUMMARY"' in summary["run"] and "--artifact-url" in summary["run"]
    assert summary["env"]["ARTIFACT_URL"] == "${{ steps.preview.outputs.artifact-url }}"
