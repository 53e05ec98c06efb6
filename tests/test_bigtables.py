"""A page's long table converted in pieces (bigtables.py) gives the HTML of the whole page,
and an edit to one row re-converts only the piece holding it (pagereuse.py)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import markdown
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, make_site_catalogue, run_longctx
from longctx_catalog import bigtables


def _converter():  # type: ignore[no-untyped-def]
    """Python-Markdown with the shipped site config's extensions and settings."""
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    names, settings_ = [], {}
    for item in config["markdown_extensions"]:
        name, options = next(iter(item.items())) if isinstance(item, dict) else (item, None)
        names.append(name)
        if options:
            settings_[name] = options
    assert bigtables.extension_names(names) <= bigtables.SAFE_EXTENSIONS  # else the site never splits
    return lambda text: markdown.Markdown(extensions=names, extension_configs=settings_).convert(text)


convert = _converter()


def _page(rows: list[str], heading_after: bool = True) -> str:
    after = ["", "</div>", ""] + (["## After the table", "", "See [the guide](guide/notes.md#why).", ""]
                                  if heading_after else [])
    return "\n".join(["# A long table", "", "Some *words* first, and a [link](index.md).", "",
                      '<div class="lc-table" data-lc-table markdown>', "",
                      "| Title | Code | Notes |", "|---|:---:|---|", *rows, *after])


def _row(n: int) -> str:
    return (f'| <a id="row-{n}"></a>[Paper {n}: a `code` title](papers/p{n}.md) | [official](https://x.org/{n}) '
            f"| *note* {n} with an escaped \\| pipe and **bold** |")


def test_the_pieces_of_a_long_table_convert_to_the_whole_page() -> None:
    page = _page([_row(n) for n in range(1000)])
    pieces = bigtables.split(page)
    assert pieces is not None and len(pieces) == 5
    assert bigtables.join([convert(piece) for piece in pieces]) == convert(page)


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(st.lists(st.text(alphabet="ab *_`[]()<>#|\\-:", max_size=12), min_size=3, max_size=3),
                      min_size=4, max_size=14),
       size=st.integers(1, 5), heading_after=st.booleans())
def test_any_rows_convert_the_same_in_pieces(cells: list[list[str]], size: int, heading_after: bool) -> None:
    rows = ["| " + " | ".join(cell.replace("\n", " ") for cell in row) + " |" for row in cells]
    page = _page(rows, heading_after)
    pieces = bigtables.split(page, min_rows=4, piece_rows=size)
    if pieces is None:  # a row that does not read as one (a cell made it a different block)
        return
    joined = bigtables.join([convert(piece) for piece in pieces])
    # join either gives the whole page's HTML or says it cannot (then the page is converted whole)
    assert joined is None or joined == convert(page)


def test_short_fenced_and_odd_tables_are_not_split() -> None:
    assert bigtables.split(_page([_row(n) for n in range(bigtables.MIN_ROWS - 1)])) is None
    fenced = "```\n" + _page([_row(n) for n in range(1000)]) + "\n```\n"
    assert bigtables.split(fenced) is None
    assert bigtables.split(_page([_row(n) for n in range(999)] + ["| a <tbody> in a cell | x | y |"])) is None


def test_pieces_that_do_not_fit_together_are_refused() -> None:
    pieces = [convert(piece) for piece in bigtables.split(_page([_row(n) for n in range(1000)])) or []]
    assert bigtables.join(pieces) is not None
    assert bigtables.join([pieces[0], pieces[1].replace("After the table", "Another heading")]) is None
    assert bigtables.join(["<p>no table</p>", "<p>none here</p>"]) is None


def _render_keys(root: Path) -> set[bytes]:
    with sqlite3.connect(root / ".longctx-cache/site/pages.sqlite") as db:
        return {key for (key,) in db.execute("SELECT key FROM entries WHERE kind = 'render'")}


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_edited_row_reconverts_its_piece_only_and_the_site_is_the_cold_build(tmp_path: Path) -> None:
    root = make_site_catalogue(tmp_path / "catalogue")
    table = root / "docs/guide/table.md"  # a hand-written doc beside guide/notes.md
    page = _page([_row(n) for n in range(1000)])
    table.write_text(page.replace("(guide/notes.md", "(notes.md").replace("(index.md)", "(../index.md)")
                     .replace("(papers/p", "(https://example.org/p"), encoding="utf-8")
    first = run_longctx(root, "build")
    assert first.returncode == 0, first.stderr
    before = _render_keys(root)
    table.write_text(table.read_text(encoding="utf-8").replace("*note* 512 ", "*edited note* 512 "), encoding="utf-8")
    second = run_longctx(root, "build")
    assert second.returncode == 0, second.stderr
    made = _render_keys(root) - before
    assert len(made) == 2  # the page's own entry, and the one piece with row 512 in it
    assert "<em>edited note</em> 512" in (root / "site/guide/table/index.html").read_text(encoding="utf-8")

    cold = tmp_path / "cold"
    shutil.copytree(root, cold, ignore=shutil.ignore_patterns(".longctx-cache", "site"))
    third = run_longctx(cold, "build")
    assert third.returncode == 0, third.stderr
    built, fresh = _tree(root / "site"), _tree(cold / "site")
    assert sorted(built) == sorted(fresh)
    assert [name for name in built if built[name] != fresh[name]] == []


@pytest.mark.parametrize("extension", ["footnotes", "abbr"])
def test_extensions_reaching_across_the_page_turn_pieces_off(extension: str) -> None:
    assert not bigtables.extension_names(["toc", "tables", extension]) <= bigtables.SAFE_EXTENSIONS
