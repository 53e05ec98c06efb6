"""Rendered text taken from the last build (rendermemo.py): made again exactly when what it shows changed.

Record pages: each test edits one thing a record page shows without touching the record
itself (another record's title in its "Related" list or its "Evaluated on" line), builds,
and compares the whole site with a cold build; a catalogue with its own record template
reuses nothing. Survey entries: an edited record's entry alone is rendered again, and an
entry template's included template is part of every entry's key. Link rewrites: kept per
page and text.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2.meta
import pytest

from conftest import REPO, run_longctx
from longctx_catalog import rendermemo
from longctx_catalog.doclinks import page_relative
from longctx_catalog.templating import make_environment
from test_incremental import _assert_same_sites, _build, _cold_copy, _replace, _start, base  # noqa: F401

STAGED = ".longctx-cache/site/docs/papers"
TOPIC = ".longctx-cache/site/docs/methodology/extended-rope/rope-scaling.md"  # lists yarn's entry


def _reused(stderr: str) -> tuple[int, int]:
    match = re.search(r"record pages: (\d+) of (\d+) taken from the last build", stderr)
    assert match, stderr
    return int(match.group(1)), int(match.group(2))


def _entries(stderr: str) -> tuple[int, int]:
    match = re.search(r"survey entries: (\d+) of (\d+) taken from the last build", stderr)
    assert match, stderr
    return int(match.group(1)), int(match.group(2))


def _staged(root: Path, record_id: str) -> str:
    return (root / STAGED / f"{record_id}.md").read_text(encoding="utf-8")


def _related(page: str) -> list[str]:
    """The record ids a staged record page lists under "Related"."""
    section = page.split("## Related", 1)[1] if "## Related" in page else ""
    return re.findall(r"^- \[.*?\]\(([^)/]+)\.md\)", section, flags=re.M)


def test_an_edit_renders_again_only_the_pages_that_show_it(base: Path, tmp_path: Path) -> None:  # noqa: F811
    root = _start(base, tmp_path)
    _replace(root / "papers" / "vllm.yaml", r"^title: .*$", "title: 'vLLM, Retitled by the Test'")
    reused, total = _reused(_build(root))
    listing = [rid for rid in (p.stem for p in (root / STAGED).glob("*.md")) if "vllm" in _related(_staged(root, rid))]
    assert total - 1 - len(listing) <= reused < total, (reused, total, listing)
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


def test_a_retitled_record_is_renamed_in_every_related_list(base: Path, tmp_path: Path) -> None:  # noqa: F811
    root = _start(base, tmp_path)
    pairs = [(rid, other) for rid in sorted(p.stem for p in (root / STAGED).glob("*.md"))
             for other in _related(_staged(root, rid))]
    assert pairs, "no record page of the fixture lists another"
    page, shown = pairs[0]
    _replace(root / "papers" / f"{shown}.yaml", r"^title: .*$", "title: 'A Title Only the Related List Shows'")
    _build(root)
    assert "A Title Only the Related List Shows" in _staged(root, page).split("## Related", 1)[1]
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


def test_a_retitled_benchmark_is_renamed_where_it_was_evaluated_on(base: Path, tmp_path: Path) -> None:  # noqa: F811
    root = _start(base, tmp_path)
    _replace(root / "papers" / "yarn.yaml", r"^tags: ", "benchmarks: [longbench]\ntags: ")
    _build(root)
    assert "Evaluated on" in _staged(root, "yarn")
    _replace(root / "papers" / "longbench.yaml", r"^title: .*$", "title: 'A Benchmark Renamed by the Test'")
    _build(root)
    assert "A Benchmark Renamed by the Test" in _staged(root, "yarn")
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


def test_a_catalogues_own_record_template_reuses_nothing(base: Path, tmp_path: Path) -> None:  # noqa: F811
    """Its pages may show anything (here: how many records there are), so nothing is taken from the memo."""
    root = _start(base, tmp_path)
    own = root / "templates" / "record.md.j2"
    own.parent.mkdir(exist_ok=True)
    text = (REPO / "templates" / "record.md.j2").read_text(encoding="utf-8")
    own.write_text(text.replace("{ .longctx-meta }", "{ .longctx-meta }\n\nOne of {{ catalog.records|length }} works.",
                                1), encoding="utf-8")
    _build(root)
    (root / "papers" / "added-record.yaml").write_text(
        "id: added-record\ntitle: A Record Added by the Test\ntags: [rope-scaling]\nadded: 2026-11-01\n",
        encoding="utf-8")
    reused, total = _reused(_build(root))
    assert reused == 0 and f"One of {total} works." in _staged(root, "yarn")
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


@pytest.mark.parametrize("how", ["--force", "damaged memo"])
def test_force_or_a_damaged_memo_renders_every_page(base: Path, tmp_path: Path, how: str) -> None:  # noqa: F811
    root = _start(base, tmp_path)
    _replace(root / "papers" / "yarn.yaml", r"^tldr: .*$", "tldr: Rewritten for this test.")
    if how == "damaged memo":
        memo = root / ".longctx-cache" / "site" / rendermemo.MEMO_FILE
        memo.write_bytes(memo.read_bytes()[:-100] + b"x" * 100)
        result = run_longctx(root, "build", "--timings")
    else:
        result = run_longctx(root, "build", "--force", "--timings")
    assert result.returncode == 0, result.stderr
    assert _reused(result.stderr)[0] == 0
    assert _entries(result.stderr)[0] == 0
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


def test_the_key_covers_what_the_shipped_record_template_reads(tmp_path: Path) -> None:
    """rendermemo.py keys a page on what record.md.j2 reads today: a template that reads more
    (another global, another view) must come with a key that covers it."""
    source = (REPO / "templates" / "record.md.j2").read_text(encoding="utf-8")
    env = make_environment(tmp_path, site=True)  # the package's templates and filters (tmp_path has none)
    names = jinja2.meta.find_undeclared_variables(env.parse(source))
    assert names <= rendermemo.READS, names - rendermemo.READS
    assert set(re.findall(r"\bviews\.(\w+)", source)) <= rendermemo.VIEWS_READ
    assert set(re.findall(r"\bcatalog\.(\w+)", source)) <= rendermemo.CATALOG_READ
    assert not re.search(r"{%-?\s*(include|import|from|extends)\b", source)  # no other template's text


# ---------------------------------------------------------------------------------
# Survey entries and link rewrites


def test_an_edited_tldr_renders_only_its_entry_again_and_reaches_every_page_that_shows_it(
        base: Path, tmp_path: Path) -> None:  # noqa: F811
    """Its survey entry alone is rendered again; the topic page, the technique table's row (a
    fragment) and the committed pages (kept by the docs/ child in a memo of its own: they must be
    what `longctx render` makes from scratch, which uses no memo) all show the new text."""
    root = _start(base, tmp_path)
    assert (root / ".longctx-cache" / "site" / rendermemo.DOCS_MEMO_FILE).is_file()
    _replace(root / "papers" / "yarn.yaml", r"^tldr: .*$", "tldr: A TL;DR only this test writes.")
    reused, asked = _entries(_build(root))
    assert asked > 1 and reused == asked - 1, (reused, asked)
    assert "A TL;DR only this test writes." in (root / TOPIC).read_text(encoding="utf-8")
    table = (root / ".longctx-cache" / "site" / "docs" / "techniques.md").read_text(encoding="utf-8")
    assert "A TL;DR only this test writes." in table
    checked = run_longctx(root, "render", "--check", "--diff")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    topic = root / "docs" / "methodology" / "extended-rope" / "rope-scaling.md"
    assert "A TL;DR only this test writes." in topic.read_text(encoding="utf-8")
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


def test_a_template_the_entry_template_includes_is_in_every_entrys_key(base: Path, tmp_path: Path) -> None:  # noqa: F811
    """A catalogue's own entry.md.j2 may include another template: editing only that one renders every entry again."""
    root = _start(base, tmp_path)
    templates = root / "templates"
    templates.mkdir(exist_ok=True)
    entry = (REPO / "templates" / "entry.md.j2").read_text(encoding="utf-8")
    (templates / "entry.md.j2").write_text(entry + '\n{% include "entry-extra.md.j2" %}\n', encoding="utf-8")
    (templates / "entry-extra.md.j2").write_text("Included line one.\n", encoding="utf-8")
    _build(root)
    (templates / "entry-extra.md.j2").write_text("Included line two.\n", encoding="utf-8")
    stderr = _build(root)
    assert _entries(stderr)[0] == 0, stderr
    topic = (root / TOPIC).read_text(encoding="utf-8")
    assert "Included line two." in topic and "Included line one." not in topic
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


def test_link_rewrites_are_kept_per_page_and_text(tmp_path: Path) -> None:
    text = "See [YaRN](/papers/yarn.md#cite) and [home](/index.md).\n"
    memo = rendermemo.RenderMemo(tmp_path)
    top, deep = memo.relative(text, "index.md"), memo.relative(text, "position/rope-scaling.md")
    assert top != deep
    memo.save({})
    again = rendermemo.RenderMemo(tmp_path)
    assert again.relative(text, "position/rope-scaling.md") == deep == page_relative(text, "position/rope-scaling.md")
    assert again.relative(text, "index.md") == top == page_relative(text, "index.md")
    assert again.links_reused == 2
    other = text.replace("#cite", "#related")
    assert again.relative(other, "index.md") == page_relative(other, "index.md")
    assert again.links_reused == 2




# ---------------------------------------------------------------------------------
# Per-record fragments ({% per_record %}: the technique table's rows, the timeline's)


def test_a_retitled_family_is_renamed_in_every_row_that_shows_it(base: Path, tmp_path: Path) -> None:  # noqa: F811
    """Rows show taxonomy titles (the technique table's route, the committed timeline's "Filed under"):
    the taxonomy is in every fragment's key."""
    root = _start(base, tmp_path)
    _replace(root / "taxonomy.yaml", r"^(\s+title: )Extended RoPE$", r"\1Rotary Stretching")
    _build(root)
    table = (root / ".longctx-cache" / "site" / "docs" / "techniques.md").read_text(encoding="utf-8")
    assert "[Rotary Stretching]" in table
    checked = run_longctx(root, "render", "--check", "--diff")  # docs/: what a render without memo makes
    assert checked.returncode == 0, checked.stdout + checked.stderr
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")
