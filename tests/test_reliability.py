"""The faults an outside audit found (issue 15): each one is a test here or beside its module's tests.

Hostile settings and interrupted builds must lose nothing: every test snapshots the
files it could harm and compares them afterwards.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import make_site_catalogue
from longctx_catalog.cli import cli


def _invoke(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--root", str(root), *args])


def _tree(folder: Path) -> dict[str, str]:
    """Every file and link under ``folder`` by relative path, with a digest of its content."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            path = Path(dirpath, name)
            rel = path.relative_to(folder).as_posix()
            out[rel] = os.readlink(path) if path.is_symlink() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


# --- site_dir may never be, hold or sit inside what the catalogue reads ---------------------


@pytest.mark.parametrize("site_dir", [
    "papers", ".", "..", "docs", "data", "templates", "src", ".git", "papers/new", "docs/site",
    "'.longctx-cache/site/docs'", "/", "mine", "site/..", "../catalogue",
])
def test_a_site_dir_over_the_catalogue_is_refused_and_nothing_is_touched(tmp_path: Path, site_dir: str) -> None:
    root = make_site_catalogue(tmp_path / "catalogue")
    for name in ("templates", "src", ".git", "mine"):  # a checkout has these; "mine" is somebody's folder
        (root / name).mkdir(exist_ok=True)
        (root / name / "keep.txt").write_text(f"{name} is precious\n", encoding="utf-8")
    (tmp_path / "beside.txt").write_text("the parent's files count too\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(f"site_name: X\ntheme:\n  name: material\nsite_dir: {site_dir}\n",
                                     encoding="utf-8")
    before = _tree(tmp_path)
    result = _invoke(root, "build")
    assert result.exit_code == 1, result.output
    assert "mkdocs.yml:4:11: error: site_dir " in result.output, result.output
    assert "[LC802 site-config]" in result.output
    assert _tree(tmp_path) == before  # nothing written, nothing deleted
    assert not result.exception or isinstance(result.exception, SystemExit)


def test_a_site_dir_of_its_own_is_built_and_rebuilt(tmp_path: Path) -> None:
    root = make_site_catalogue(tmp_path / "catalogue")
    (root / "mkdocs.yml").write_text("site_name: X\ntheme:\n  name: material\nsite_dir: ../public\n",
                                     encoding="utf-8")
    assert _invoke(root, "build").exit_code == 0
    assert (tmp_path / "public" / "index.html").is_file()
    result = _invoke(root, "build", "--force")  # the folder it made is a site now: replacing it is fine
    assert result.exit_code == 0, result.output
