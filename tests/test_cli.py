"""The `longctx` command as users run it: a subprocess, exit codes and output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GOOD_RECORD, REPO, write_catalog
from longctx_catalog.cli import cli


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LONGCTX_TODAY": "2026-11-22", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "longctx_catalog", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_clean_catalogue_exits_0(tmp_path: Path) -> None:
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD})
    result = run("validate", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "1 record checked: 0 errors, 0 warnings." in result.stderr


def test_errors_exit_1_with_located_lines(tmp_path: Path) -> None:
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD.replace("[rope-scaling]", "[rope-scalng]"),
                                          "broken": "id: broken\ntags: [a\n"})
    result = run("validate", cwd=root / "papers")  # found by walking up
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("papers/broken.yaml:3:1: error: YAML syntax")
    assert lines[1].startswith("papers/yarn.yaml:9:8: error: unknown tag 'rope-scalng' — did you mean 'rope-scaling'?")
    assert "Traceback" not in result.stderr


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD.replace("added: 2026-11-20\n", "")})
    assert run("validate", cwd=root).returncode == 0
    strict = run("validate", "--strict", cwd=root)
    assert strict.returncode == 1
    assert ": warning: " in strict.stdout


def test_json_format_is_machine_readable(tmp_path: Path) -> None:
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD.replace("arxiv: '2309.00071'", "arxiv: 2309.00071")})
    result = run("--root", str(root), "validate", "--format", "json")
    assert result.returncode == 1
    (item,) = json.loads(result.stdout)
    assert item == {
        "path": "papers/yarn.yaml",
        "line": 3,
        "column": 8,
        "severity": "error",
        "code": "LC121",
        "symbol": "bad-arxiv-id",
        "message": item["message"],
    }
    assert 'arxiv: "2309.00071"' in item["message"]


def test_not_a_catalogue_exits_2(tmp_path: Path) -> None:
    result = run("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert "taxonomy.yaml" in result.stderr and "--root" in result.stderr
    result = run("--root", str(tmp_path), "validate")
    assert result.returncode == 2


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("validate", "--format", "xml", cwd=tmp_path).returncode == 2
    assert run("no-such-verb").returncode == 2


def test_unreadable_taxonomy_is_located_not_a_traceback(tmp_path: Path) -> None:
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD}, taxonomy="- id: a\n  title: [unclosed\n")
    result = run("validate", cwd=root)
    assert result.returncode == 1
    assert result.stdout.startswith("taxonomy.yaml:")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_verb_has_help_with_a_description(name: str) -> None:
    result = run(name, "--help")
    assert result.returncode == 0
    assert f"Usage: longctx {name}" in result.stdout
    assert len(cli.commands[name].help or "") > 20


def test_top_level_help_and_version() -> None:
    result = run("--help")
    assert result.returncode == 0 and "Exit codes" in result.stdout
    assert run("--version").stdout.startswith("longctx, version ")


def test_tags_prints_tree_with_counts(tmp_path: Path) -> None:
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD})
    result = run("tags", cwd=root)
    assert result.returncode == 0
    assert "methodology  Methodology  (1)" in result.stdout
    assert "    rope-scaling  Scaling Strategies  (1)" in result.stdout
    assert "  sparse-attention  Sparse Attention  (0)" in result.stdout
    ids = run("tags", "--ids-only", cwd=root).stdout.split()
    assert ids[:3] == ["methodology", "extended-rope", "rope-scaling"]


def test_schema_json_matches_the_committed_file() -> None:
    result = run("schema")
    assert result.returncode == 0
    committed = (REPO / "schema" / "record.schema.json").read_text(encoding="utf-8")
    assert result.stdout == committed, "regenerate with: longctx schema -o schema/record.schema.json"


def test_schema_markdown_lists_every_field() -> None:
    from longctx_catalog.schema.derived import FIELD_ORDER

    out = run("schema", "--format", "markdown").stdout
    for name in FIELD_ORDER:
        assert f"| `{name}` |" in out


# Arguments each verb needs to get as far as looking for the catalogue (a verb not
# listed here is run bare, so a new verb is covered as soon as it exists).
VERB_ARGS = {
    "add": ["2309.00071", "--tag", "rope-scaling"],
    "import-bib": ["refs.bib", "--tag", "rope-scaling"],
    "new": ["--title", "A Study", "--tag", "rope-scaling", "--no-input"],
    "pr-summary": ["--base", "HEAD"],
    "suggest": ["refs.bib"],  # any file: the catalogue is looked for before the body is read
}
NEEDS_NO_CATALOGUE = {"schema"}  # prints the record format, which is the tool's, not a catalogue's


@pytest.mark.parametrize("name", sorted(set(cli.commands) - NEEDS_NO_CATALOGUE))
def test_every_verb_outside_a_catalogue_exits_2_and_writes_nothing(tmp_path: Path, name: str) -> None:
    outside = tmp_path / "not-a-catalogue"
    outside.mkdir()
    (outside / "refs.bib").write_text("@article{peng2023, title={YaRN}, year={2023}}\n", encoding="utf-8")
    for args in ([name, *VERB_ARGS.get(name, [])], ["--root", str(outside), name, *VERB_ARGS.get(name, [])]):
        result = run(*args, cwd=outside)
        assert result.returncode == 2, (args, result.stderr)
        said = "is not a catalogue: it has no taxonomy.yaml" if "--root" in args else "no taxonomy.yaml found in"
        assert said in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
        assert [p.name for p in outside.iterdir()] == ["refs.bib"]


@pytest.mark.parametrize("name", sorted(NEEDS_NO_CATALOGUE))
def test_verbs_that_need_no_catalogue_work_outside_one(tmp_path: Path, name: str) -> None:
    result = run(name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout and list(tmp_path.iterdir()) == []
