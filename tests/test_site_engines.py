"""The site built by each engine (issue 21): MkDocs (the default), ProperDocs (the fallback), Zensical.

The site tests' fixture catalogue is built with each engine that is installed (.ci/run
installs all three, and ``test_ci_has_every_engine`` makes sure of it there); the
pages, search, explorer, feeds and downloads are checked for each, and ProperDocs'
site is compared file by file with MkDocs'.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import needs_chromium, serve
from conftest import REPO, XSS_TITLE, make_site_catalogue, run_longctx, site_env
from longctx_catalog.doclinks import page_relative
from longctx_catalog.engines import ENGINES, missing

RECORD_IDS = [*sorted(p.stem for p in (REPO / "tests/fixtures/render-catalogue/papers").glob("*.yaml")), "xss-title"]
PACKAGE = REPO / "src" / "longctx_catalog"
# Files every engine must write, whatever its theme assets: the extras (extras.py) and the pages.
EXTRAS = ("explorer/index.html", "statistics/index.html", "explorer.json", "explorer-bib.json", "feed.xml",
          "feeds/methodology.xml", "catalogue.bib", "bib/evaluation.bib", "catalogue.json",
          "catalogue.schema.json", "assets/longctx/explorer.js", "assets/longctx/explorer.css")


def needs(engine: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(missing(engine) is not None, reason=missing(engine) or "")


def build_with(root: Path, engine: str) -> Path:
    make_site_catalogue(root)
    result = run_longctx(root, "build", "--engine", engine)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return root / "site"


def files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def pages(site: Path) -> set[str]:
    return {p for p in files(site) if p.endswith(".html")}


@pytest.fixture(scope="module")
def properdocs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if missing("properdocs"):
        pytest.skip(missing("properdocs"))
    return build_with(tmp_path_factory.mktemp("properdocs") / "catalogue", "properdocs")


@pytest.fixture(scope="module")
def zensical_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if missing("zensical"):
        pytest.skip(missing("zensical"))
    return build_with(tmp_path_factory.mktemp("zensical") / "catalogue", "zensical")


def test_ci_has_every_engine() -> None:
    """In CI the extras are installed (.ci/run), so no engine's tests are skipped there."""
    if os.environ.get("CI") != "true":
        pytest.skip("only CI promises every engine")
    assert [e for e in ENGINES if missing(e)] == []


def test_each_engine_is_run_by_its_own_module() -> None:
    """site.py alone uses mkdocs (others may only check it is there); the engine modules alone start the others."""
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = path.name
        if re.search(r"^\s*(from mkdocs\b|import mkdocs\.)", text, re.M):
            assert name == "site.py", name
        if '"-m", "properdocs"' in text:
            assert name == "properdocs_engine.py", name
        if '"-m", "zensical"' in text or re.search(r"^\s*(from|import) zensical\b", text, re.M):
            assert name == "zensical_engine.py", name


# ---------------------------------------------------------------------------------
# One link form for every engine


@pytest.mark.parametrize(
    ("text", "page", "expected"),
    [
        ("[a](/papers/x.md)", "index.md", "[a](papers/x.md)"),
        ("[a](/papers/x.md#tldr)", "papers/y.md", "[a](x.md#tldr)"),
        ("[e](/explorer.md?topic=rope)", "methodology/a/b.md", "[e](../../explorer.md?topic=rope)"),
        ("[h](/)", "guide/notes.md", "[h](../index.md)"),
        ("![i](/assets/a.png \"t\")", "guide/notes.md", "![i](../assets/a.png \"t\")"),
        ("[r]: /papers/x.md", "about/contributing.md", "[r]: ../papers/x.md"),
        ("[w](https://x.org/a) [n](//cdn.example/x) [rel](x.md)", "a/b.md",
         "[w](https://x.org/a) [n](//cdn.example/x) [rel](x.md)"),
        ("`[c](/papers/x.md)`\n\n```\n[c](/papers/x.md)\n```\n", "a/b.md",
         "`[c](/papers/x.md)`\n\n```\n[c](/papers/x.md)\n```\n"),
        ("`a` [x](/papers/x.md) ``[c](/papers/y.md)`` [z](/z.md) `b`", "a/b.md",
         "`a` [x](../papers/x.md) ``[c](/papers/y.md)`` [z](../z.md) `b`"),
    ],
)
def test_docs_absolute_links_become_page_relative(text: str, page: str, expected: str) -> None:
    assert page_relative(text, page) == expected


def test_staged_pages_have_no_docs_absolute_links(built_site: Path) -> None:
    docs = built_site / ".longctx-cache" / "site" / "docs"
    staged = list(docs.rglob("*.md"))
    assert len(staged) > len(RECORD_IDS)
    for path in staged:
        assert "](/" not in path.read_text(encoding="utf-8"), path.relative_to(docs)
    # and MkDocs still makes them the same site links (test_site.py checks the pages in depth)
    survey = (built_site / "site" / "methodology/extended-rope/rope-scaling/index.html").read_text(encoding="utf-8")
    assert 'href="../../../papers/yarn/"' in survey


# ---------------------------------------------------------------------------------
# ProperDocs: the same site as MkDocs


_GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')


@needs("properdocs")
def test_properdocs_builds_the_same_site_as_mkdocs(built_site: Path, properdocs_site: Path) -> None:
    ours, theirs = files(built_site / "site"), files(properdocs_site)
    assert sorted(theirs) == sorted(ours)  # the same pages, assets, search index, feeds and downloads
    differ = [rel for rel in ours if ours[rel] != theirs[rel]]
    # Byte-identical but for the generator tag each page carries ("mkdocs-1.6.1" / "mkdocs-ProperDocs 1.6.7").
    assert all(rel.endswith(".html") for rel in differ), differ
    for rel in differ:
        assert _GENERATOR.sub(b"", ours[rel]) == _GENERATOR.sub(b"", theirs[rel]), rel
    assert b"ProperDocs" in theirs["index.html"]


@needs("properdocs")
def test_properdocs_broken_link_is_located_and_changes_nothing(tmp_path: Path) -> None:
    _broken_link_case(tmp_path, "properdocs", "ProperDocs")


# ---------------------------------------------------------------------------------
# Zensical (experimental)


@needs("zensical")
def test_zensical_writes_a_page_per_record_and_every_extra(built_site: Path, zensical_site: Path) -> None:
    for record_id in RECORD_IDS:
        assert (zensical_site / "papers" / record_id / "index.html").is_file(), record_id
    for rel in EXTRAS:
        assert (zensical_site / rel).is_file(), rel
    # the same pages as MkDocs writes, every one (the theme's assets differ)
    assert pages(zensical_site) == pages(built_site / "site")
    # the downloads are the catalogue's, byte for byte: the engine only copies them
    mkdocs_site = built_site / "site"
    for rel in ("catalogue.bib", "catalogue.json", "explorer.json", "feed.xml", "feeds/methodology.xml"):
        assert (zensical_site / rel).read_bytes() == (mkdocs_site / rel).read_bytes(), rel
    assert b"zensical" in (zensical_site / "index.html").read_bytes()


@needs("zensical")
def test_zensical_pages_keep_links_overrides_and_escaping(zensical_site: Path) -> None:
    def page(rel: str) -> str:
        return (zensical_site / rel).read_text(encoding="utf-8")

    survey = page("methodology/extended-rope/rope-scaling/index.html")
    assert 'href="../../../papers/yarn/"' in survey  # record links resolved from page-relative sources
    record = page("papers/yarn/index.html")
    assert "YaRN: Efficient Context Window Extension of Large Language Models" in record
    assert "Rescales RoPE frequencies unevenly" in record
    assert 'href="../../methodology/extended-rope/rope-scaling/#yarn"' in record
    assert '<code class="language-bibtex">@article{peng2023yarn,' in record
    # our overrides ran under MiniJinja: the feed in the head, the escaped title
    assert re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="../../feed.xml"', record)
    hostile = page("papers/xss-title/index.html")
    assert "<img src=x" not in hostile and html.escape(XSS_TITLE, quote=False) in hostile
    contributing = page("about/contributing/index.html")
    assert 'href="../../guide/notes/#why"' in contributing


@needs("zensical")
def test_zensical_pages_load_nothing_from_elsewhere(zensical_site: Path) -> None:
    """Like test_site.py's check for MkDocs: every script, style and image a page names is on the site.

    (Zensical's script knows CDN addresses for Pyodide, Ace, GLightbox and Mermaid, each
    behind a feature the site does not use; the browser test refuses any off-site request.)
    """
    external = re.compile(r"""<(?:script|img|iframe|source|link)\b[^>]*?\s(?:src|href)=["']?(?:https?:)?//""", re.I)
    for file in zensical_site.rglob("*.html"):
        text = file.read_text(encoding="utf-8")
        assert not external.findall(text), file.relative_to(zensical_site)
        assert "fonts.googleapis" not in text and 'data-md-component="source"' not in text


@needs("zensical")
def test_zensical_search_index_finds_records(zensical_site: Path) -> None:
    index = json.loads((zensical_site / "search.json").read_text(encoding="utf-8"))
    items = [d for d in index["items"] if d["location"].startswith("papers/yarn/")]
    text = " ".join(d["title"] + " " + d["text"] for d in items)
    assert "YaRN: Efficient Context Window Extension" in text
    assert "Jeffrey Quesnelle" in text and "Rescales RoPE frequencies unevenly" in text


@needs("zensical")
def test_zensical_same_inputs_give_byte_identical_sites(zensical_site: Path) -> None:
    before = files(zensical_site)
    root = zensical_site.parent
    shutil.rmtree(root / ".longctx-cache" / "site" / ".cache")  # Zensical's cache: a cold build
    result = run_longctx(root, "build", "--engine", "zensical")
    assert result.returncode == 0, result.stderr
    assert files(zensical_site) == before


@needs("zensical")
def test_zensical_broken_link_is_located_and_changes_nothing(tmp_path: Path) -> None:
    _broken_link_case(tmp_path, "zensical", "Zensical")


def test_a_missing_engine_is_named_with_how_to_install_it(tmp_path: Path) -> None:
    root = make_site_catalogue(tmp_path / "cat")
    probe = ("import importlib.util, sys\n"
             "real = importlib.util.find_spec\n"
             "importlib.util.find_spec = lambda name, *a: None if name == 'zensical' else real(name, *a)\n"
             "from longctx_catalog.cli import main\n"
             f"main(['--root', {str(root)!r}, 'build', '--engine', 'zensical'])\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=site_env(),
                            timeout=120)
    assert result.returncode == 2, result.stderr
    assert "pip install -e '.[zensical]'" in result.stderr and "Traceback" not in result.stderr
    assert not (root / "site").exists()


def _broken_link_case(tmp_path: Path, engine: str, name: str) -> None:
    root = make_site_catalogue(tmp_path / "cat")
    first = run_longctx(root, "build", "--engine", engine)
    assert first.returncode == 0, first.stderr
    before = files(root / "site")
    guide = root / "docs" / "guide" / "notes.md"
    guide.write_text(guide.read_text(encoding="utf-8") + "\nSee [the missing page](../nowhere.md).\n",
                     encoding="utf-8")
    result = run_longctx(root, "build", "--engine", engine)
    assert result.returncode == 1
    assert re.search(rf"^docs/guide/notes\.md:7:\d+: error: {name}: .* \[LC801 site-build\]$", result.stderr,
                     re.M), result.stderr
    assert "Traceback" not in result.stderr
    assert files(root / "site") == before  # the previous site is untouched
    assert not [p for p in root.iterdir() if p.name.startswith(".site.")]  # no half-built folder left


# ---------------------------------------------------------------------------------
# The shipped catalogue, built by MkDocs and by the engine that is not MkDocs' code
#
# ProperDocs is MkDocs 1.6's fork: test_properdocs_builds_the_same_site_as_mkdocs compares its
# whole site byte for byte with MkDocs' on the site tests' catalogue, which has every kind of
# page; building the 1,600-record catalogue with it too would add half a minute of the same code.

SHIPPED = ("papers", "taxonomy.yaml", "data", "docs", "templates", "schema", "mkdocs.yml", "CONTRIBUTING.md",
           "README.md")


@pytest.mark.real_clock
def test_the_shipped_catalogue_builds_the_same_pages_with_mkdocs_and_zensical(tmp_path: Path) -> None:
    root = tmp_path / "shipped"
    root.mkdir()
    for name in SHIPPED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.is_file():
            shutil.copy2(source, root / name)
    records = sorted(p.stem for p in (root / "papers").glob("*.yaml"))
    # Each engine builds its own copy, both at once: the two builds are this suite's longest test,
    # and near the end of a run the other worker may have nothing left to do meanwhile.
    env = {k: v for k, v in site_env().items() if k != "LONGCTX_TODAY"}  # the shipped records: today is today
    running = {}
    for engine in [e for e in ENGINES if e != "properdocs" and not missing(e)]:
        copy = tmp_path / engine
        shutil.copytree(root, copy)
        log = (tmp_path / f"{engine}.log").open("w", encoding="utf-8")
        running[engine] = (copy, log, subprocess.Popen(
            [sys.executable, "-m", "longctx_catalog", "--root", str(copy), "build", "--force", "--engine", engine],
            stdout=log, stderr=subprocess.STDOUT, env=env))
    built: dict[str, dict[str, bytes]] = {}
    try:
        for engine, (copy, log, process) in running.items():
            returncode = process.wait(timeout=900)
            log.close()
            output = (tmp_path / f"{engine}.log").read_text(encoding="utf-8")
            assert returncode == 0, f"{engine}: {output[-3000:]}"
            built[engine] = files(copy / "site")
    finally:  # a failed or timed-out wait leaves no build running
        for _, log, process in running.values():
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
    assert "mkdocs" in built
    reference = built["mkdocs"]
    for record_id in records:
        assert f"papers/{record_id}/index.html" in reference, record_id
    for engine, site in built.items():
        assert {p for p in site if p.endswith(".html")} == {p for p in reference if p.endswith(".html")}, engine
        for rel in EXTRAS:
            assert rel in site, (engine, rel)
        for rel in ("catalogue.bib", "catalogue.json", "feed.xml", "explorer.json"):
            assert site[rel] == reference[rel], (engine, rel)
        # every record page has the record's title (our override writes <title>; MiniJinja escapes "/" too)
        for record_id in records:
            page = f"papers/{record_id}/index.html"
            assert _title(site[page]) == _title(reference[page]) != "", (engine, record_id)


def _title(page: bytes) -> str:
    found = re.search(r"<title>(.*?)</title>", page.decode("utf-8"), re.S)
    return html.unescape(found.group(1)) if found else ""


# ---------------------------------------------------------------------------------
# Zensical's explorer, in the browser


@pytest.fixture(scope="module")
def base_url(zensical_site: Path) -> Iterator[str]:
    with serve(zensical_site) as url:
        yield url


@needs_chromium
@needs("zensical")
def test_zensical_explorer_lists_and_filters_records(open_page, zensical_site: Path) -> None:  # type: ignore[no-untyped-def]
    rows = json.loads((zensical_site / "explorer.json").read_text(encoding="utf-8"))["rows"]
    page = open_page("explorer/")
    page.wait_for_selector("[data-lc-explorer].lc-x-ready")
    shown = page.eval_on_selector_all(".lc-x-tbody .lc-x-row", "rows => rows.map(r => r.dataset.id)")
    assert shown == [r["i"] for r in rows]
    page.locator(".lc-x-q").press_sequentially("yarn")
    page.wait_for_function(f"document.querySelectorAll('.lc-x-tbody .lc-x-row').length < {len(rows)}")
    shown = page.eval_on_selector_all(".lc-x-tbody .lc-x-row", "rows => rows.map(r => r.dataset.id)")
    assert "yarn" in shown and len(shown) < len(rows)
