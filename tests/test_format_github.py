"""`--format github`: diagnostics as GitHub Actions annotations (no comments posted)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from conftest import GOOD_RECORD, write_catalog
from longctx_catalog.cli import cli
from longctx_catalog.diagnostics import Diagnostic, Location, format_github


def test_annotations_point_at_path_line_col_and_escape_what_github_would_misread() -> None:
    diags = [
        Diagnostic.make(Location("papers/b.yaml", 3, 8), "LC143", "no 'added' date"),
        Diagnostic.make(Location("papers/a,b:c.yaml", 9, 1), "LC201", "100% wrong\nsecond line"),
    ]
    lines = format_github(diags).splitlines()
    assert lines == [
        "::error file=papers/a%2Cb%3Ac.yaml,line=9,col=1,title=LC201 unknown-tag::"
        "papers/a,b:c.yaml:9:1: 100%25 wrong%0Asecond line",
        "::warning file=papers/b.yaml,line=3,col=8,title=LC143 missing-added::papers/b.yaml:3:8: no 'added' date",
    ]


def test_validate_format_github_end_to_end(tmp_path: Path) -> None:
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD.replace("[rope-scaling]", "[rope-scalng]")})
    result = CliRunner().invoke(cli, ["--root", str(root), "validate", "--format", "github"])
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("::error file=papers/yarn.yaml,line=9,col=8,title=LC201 unknown-tag::papers/yarn.yaml:9:8: "
                           "unknown tag 'rope-scalng'")
    assert "1 record checked: 1 error, 0 warnings." in result.stderr
