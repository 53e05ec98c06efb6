"""Record pages taken from the last build (recordmemo.py): rendered again exactly when what they show changed.

Each test edits one thing a record page shows without touching the record itself (another
record's title in its "Related" list or its "Evaluated on" line), builds, and compares the
whole site with a cold build; a catalogue with its own record template reuses nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2.meta
import pytest

from conftest import REPO, run_longctx
from longctx_catalog import recordmemo
from longctx_catalog.templating import make_environment
from test_incremental import _assert_same_sites, _build, _cold_copy, _replace, _start, base  # noqa: F401

STAGED = ".longctx-cache/site/docs/papers"


def _reused(stderr: str) -> tuple[int, int]:
    match = re.search(r"record pages: (\d+) of (\d+) taken from the last build", stderr)
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
        memo = root / ".longctx-cache" / "site" / recordmemo.MEMO_FILE
        memo.write_bytes(memo.read_bytes()[:-100] + b"x" * 100)
        result = run_longctx(root, "build", "--timings")
    else:
        result = run_longctx(root, "build", "--force", "--timings")
    assert result.returncode == 0, result.stderr
    assert _reused(result.stderr)[0] == 0
    _assert_same_sites(root / "site", _cold_copy(root, tmp_path / "cold") / "site")


def test_the_key_covers_what_the_shipped_record_template_reads(tmp_path: Path) -> None:
    """recordmemo.py keys a page on what record.md.j2 reads today: a template that reads more
    (another global, another view) must come with a key that covers it."""
    source = (REPO / "templates" / "record.md.j2").read_text(encoding="utf-8")
    env = make_environment(tmp_path, site=True)  # the package's templates and filters (tmp_path has none)
    names = jinja2.meta.find_undeclared_variables(env.parse(source))
    assert names <= recordmemo.READS, names - recordmemo.READS
    assert set(re.findall(r"\bviews\.(\w+)", source)) <= recordmemo.VIEWS_READ
    assert set(re.findall(r"\bcatalog\.(\w+)", source)) <= recordmemo.CATALOG_READ
    assert not re.search(r"{%-?\s*(include|import|from|extends)\b", source)  # no other template's text
