"""The package's shape (issue 14): small modules, outputs that do not reach into the page renderer,
and one HTTP client stack (requests) instead of a hand-made one."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "src" / "longctx_catalog"
MAX_LINES = 550


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved to ``longctx_catalog.…``."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = f"{base}.{node.module}" if node.level and node.module else (node.module or base)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_no_module_is_too_long_to_read() -> None:
    lengths = {p.relative_to(PACKAGE).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
               for p in _modules()}
    assert len(lengths) > 30
    too_long = {name: n for name, n in lengths.items() if n >= MAX_LINES}
    assert not too_long, f"split these modules (at most {MAX_LINES} lines): {too_long}"


def test_site_outputs_do_not_depend_on_the_page_renderer() -> None:
    for name in ("explore", "feed", "downloads", "stats"):
        imported = _imported(PACKAGE / f"{name}.py")
        assert "longctx_catalog.render" not in imported, name
        assert not any(m.startswith("longctx_catalog.render.") for m in imported), name
    assert "longctx_catalog.present" in _imported(PACKAGE / "explore.py")  # the shared presentation


def test_http_goes_through_requests_only() -> None:
    for path in _modules():
        imported = _imported(path)
        assert not imported & {"urllib.request", "http.client", "urllib.error"}, path
    assert "requests" in _imported(PACKAGE / "linkcheck.py")
