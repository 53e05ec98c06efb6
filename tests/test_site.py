"""`longctx build` and `longctx serve`: the MkDocs site, built for real from a fixture catalogue.

The site is built once per session (the ``built_site`` fixture in conftest.py, shared
with test_site_browser.py); tests that change inputs build their own copy.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, XSS_TITLE, build_site_catalogue, make_site_catalogue, run_longctx, site_env
from longctx_catalog.doclinks import fix_links
from longctx_catalog.render import render_catalog
from longctx_catalog.validate import load_catalog
from serving import get, serving, wait_for

RECORD_IDS = [*sorted(p.stem for p in (REPO / "tests/fixtures/render-catalogue/papers").glob("*.yaml")), "xss-title"]


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def page(root: Path, path: str) -> str:
    return (root / "site" / path).read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------
# What the build writes


def test_every_record_has_a_page(built_site: Path) -> None:
    for record_id in RECORD_IDS:
        assert (built_site / "site" / "papers" / record_id / "index.html").is_file(), record_id
    assert (built_site / "site" / "index.html").is_file()
    assert (built_site / "site" / "about" / "contributing" / "index.html").is_file()
    assert (built_site / "site" / "guide" / "notes" / "index.html").is_file()


def test_build_also_renders_the_committed_pages(built_site: Path) -> None:
    assert (built_site / "docs" / "index.md").is_file()
    assert (built_site / "docs" / "timeline.md").is_file()
    assert "<!-- longctx:begin toc -->" in (built_site / "README.md").read_text(encoding="utf-8")
    assert run_longctx(built_site, "render", "--check").returncode == 0


def test_record_pages_are_not_in_the_navigation(built_site: Path) -> None:
    config = yaml.safe_load((built_site / ".longctx-cache/site/mkdocs.yml").read_text(encoding="utf-8"))
    assert "papers/" not in json.dumps(config["nav"])
    assert config["not_in_nav"].split() == ["/papers/", "/timeline/"]
    # Every page carries the navigation; none of it may list record pages.
    for path in ("index.html", "papers/yarn/index.html", "methodology/extended-rope/rope-scaling/index.html"):
        text = page(built_site, path)
        start, end = text.index('class="md-sidebar md-sidebar--primary"'), text.index('md-sidebar--secondary"')
        nav = text[start:end]
        tabs = text[text.index('<nav class="md-tabs"'):]
        tabs = tabs[: tabs.index("</nav>")]
        assert "papers/" not in nav and "papers/" not in tabs, path
        assert "Methodology" in nav and "Methodology" in tabs


def test_navigation_holds_sections_views_and_about(built_site: Path) -> None:
    config = yaml.safe_load((built_site / ".longctx-cache/site/mkdocs.yml").read_text(encoding="utf-8"))
    top = [next(iter(item)) if isinstance(item, dict) else item for item in config["nav"]]
    assert top == ["Home", "Methodology", "Evaluation", "Toolkits", "Browse", "About"]
    flat = json.dumps(config["nav"])
    for target in ("methodology/extended-rope/rope-scaling.md", "timeline.md", "techniques.md",
                   "about/contributing.md", "guide/notes.md", "evaluation/datasets.md"):
        assert target in flat, target


def test_record_page_content(built_site: Path) -> None:
    text = page(built_site, "papers/yarn/index.html")
    article = text[text.index("<article"): text.index("</article>")]
    assert "YaRN: Efficient Context Window Extension of Large Language Models" in article
    assert "Bowen Peng (Nous Research)" in article  # authors with affiliations
    assert "2023-08-31" in article and "ICLR 2024" in article
    assert "Rescales RoPE frequencies unevenly" in article  # TL;DR
    # the arXiv abstract, quoted and escaped
    assert "Abstract, from arXiv (2309.00071v2)" in article
    assert "stretch rotary position embeddings &lt;script&gt;alert(2)&lt;/script&gt;" in article
    assert "<script>alert(2)" not in text
    # links and code
    assert 'href="https://arxiv.org/abs/2309.00071"' in article
    assert 'href="https://arxiv.org/pdf/2309.00071"' in article
    assert 'href="https://github.com/jquesnelle/yarn"' in article
    # tags link to their survey page, on the entry
    assert 'href="../../methodology/extended-rope/rope-scaling/#yarn"' in article
    # BibTeX, in a code block
    assert '<code class="language-bibtex">@article{peng2023yarn,' in article
    # related records, as links to their pages
    related = article[article.index('id="related"'):]
    assert 'href="../position-interpolation/"' in related


def test_record_without_bibtex_gets_a_generated_citation(built_site: Path) -> None:
    text = page(built_site, "papers/longlora/index.html")
    assert re.search(r'<code class="language-bibtex">@\w+\{chen\d{4}longlora,', text)


def test_survey_timeline_and_tables_link_entries_to_record_pages(built_site: Path) -> None:
    survey = page(built_site, "methodology/extended-rope/rope-scaling/index.html")
    assert 'href="../../../papers/yarn/"' in survey
    assert '<a id="yarn"></a>' in survey  # the anchor record pages link to
    assert 'href="2023/"' in page(built_site, "timeline/index.html")  # the index links each year's page
    assert 'href="../../papers/yarn/"' in page(built_site, "timeline/2023/index.html")
    assert 'href="../papers/yarn/"' in page(built_site, "techniques/index.html")
    assert 'href="../../papers/longbench/"' in page(built_site, "evaluation/datasets/index.html")
    assert 'href="../papers/vllm/"' in page(built_site, "toolkits/index.html")


def test_home_page(built_site: Path) -> None:
    text = page(built_site, "index.html")
    assert "Long-context LLM research, mapped" in text
    assert "<strong>13</strong> records" in text
    for section in ("Methodology", "Evaluation", "Toolkits", "Timeline", "Technique table"):
        assert section in text
    latest = text[text.index('id="latest-additions"'):]
    assert 'href="papers/longbench/"' in latest  # newest addition first, linked to its page


def test_hand_written_pages_links_made_right(built_site: Path) -> None:
    contributing = page(built_site, "about/contributing/index.html")
    assert 'href="../../guide/notes/#why"' in contributing
    assert 'href="../../timeline/"' in contributing
    # repository files and GitHub-relative links have no page on the site: the words stay, the link goes
    assert "<code>papers/</code>" in contributing and 'href="papers/' not in contributing
    assert "issues/new" not in contributing
    notes = page(built_site, "guide/notes/index.html")
    assert 'href="../../methodology/extended-rope/rope-scaling/"' in notes
    assert "taxonomy.yaml" not in notes


def test_hostile_title_is_text_in_every_page(built_site: Path) -> None:
    for path in ("papers/xss-title/index.html", "methodology/extended-rope/rope-scaling/index.html",
                 "timeline/2023/index.html", "techniques/index.html", "404.html"):
        text = page(built_site, path)
        assert "<img src=x" not in text and "<img src=\"x\"" not in text, path
    text = page(built_site, "papers/xss-title/index.html")
    assert html.escape(XSS_TITLE, quote=False) in text
    assert "<script>alert(1)</script>" not in page(built_site, "papers/hostile/index.html")


def test_search_finds_records_by_title_author_and_tldr(built_site: Path) -> None:
    index = json.loads(page(built_site, "search/search_index.json"))
    docs = [d for d in index["docs"] if d["location"] == "papers/yarn/"]
    assert docs, "the record page is not in the search index"
    text = " ".join(d["title"] + " " + d["text"] for d in docs)
    assert "YaRN: Efficient Context Window Extension" in text
    assert "Jeffrey Quesnelle" in text
    assert "Rescales RoPE frequencies unevenly" in text
    # survey entries and the views stay out of search: results point at record pages
    assert not [d for d in index["docs"] if d["location"].startswith("timeline/")]
    survey = [d for d in index["docs"] if d["location"].startswith("methodology/extended-rope/rope-scaling/")]
    assert survey and not any("Rescales RoPE" in d["text"] for d in survey)


# ---------------------------------------------------------------------------------
# No third-party requests

# Resource-loading attributes: anything here pointing off-site would make the browser fetch it.
_RESOURCE = re.compile(
    r"""<(?:script|img|iframe|source|audio|video|embed|track|input)\b[^>]*?\s(?:src|srcset)=["']?([^"'\s>]+)""", re.I)
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)|@import\s+["']([^"']+)""", re.I)
_EXTERNAL = re.compile(r"^(?:https?:)?//", re.I)
# Material's script knows these addresses, each behind a feature this site leaves off:
# repository facts from GitHub or GitLab (need data-md-component="source"; our
# source.html drops it), Mermaid diagrams (need a mermaid block) and a ResizeObserver
# polyfill for old browsers. The others are credits in comments, never fetched.
_KNOWN_CONDITIONAL = ("https://api.github.com/", "https://${e}/api/v4/projects/", "https://unpkg.com/mermaid",
                      "https://unpkg.com/resize-observer-polyfill")
_CREDITS = ("https://clipboardjs.com/", "http://lunrjs.com", "http://tartarus.org/", "https://bit.ly/")


def test_no_third_party_resources(built_site: Path) -> None:
    site = built_site / "site"
    scripts: set[Path] = set()
    for file in site.rglob("*"):
        if file.suffix not in (".html", ".css"):
            continue
        text = file.read_text(encoding="utf-8", errors="replace")
        rel = file.relative_to(site).as_posix()
        if file.suffix == ".html":
            for url in _RESOURCE.findall(text):
                assert not _EXTERNAL.match(url), f"{rel} loads {url}"
                if url.endswith(".js"):
                    scripts.add((site / url.lstrip("/") if url.startswith("/") else file.parent / url).resolve())
            for tag in _LINK_TAG.findall(text):
                href = re.search(r"""href=["']?([^"'\s>]+)""", tag)
                assert not (href and _EXTERNAL.match(href.group(1))), f"{rel}: {tag}"
            for url, imported in _CSS_URL.findall(text):
                assert not _EXTERNAL.match(url or imported), f"{rel} styles from {url or imported}"
            worker = re.search(r'"search": "([^"]+)"', text)
            if worker:
                url = worker.group(1)
                scripts.add((site / url.lstrip("/") if url.startswith("/") else file.parent / url).resolve())
            assert 'data-md-component="source"' not in text, rel
            assert 'class="mermaid"' not in text, rel
            assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, rel
        else:
            for url, imported in _CSS_URL.findall(text):
                assert not _EXTERNAL.match(url or imported), f"{rel} loads {url or imported}"
    assert len(scripts) >= 2, scripts  # Material's bundle and its search worker
    for script in scripts:
        assert script.is_file(), script
        for url in re.findall(r"https?://[^\s\"'`)]+", script.read_text(encoding="utf-8")):
            assert url.startswith(_KNOWN_CONDITIONAL + _CREDITS), f"{script.name} knows {url}"


def test_strict_mkdocs_build_of_the_staged_docs_passes(built_site: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", ".longctx-cache/site/mkdocs.yml",
         "-d", str(tmp_path / "out")],
        cwd=built_site, capture_output=True, text=True, env=site_env(), timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "papers" / "yarn" / "index.html").is_file()


# ---------------------------------------------------------------------------------
# Rebuilds, errors, determinism


@pytest.fixture(scope="module")
def second_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the site catalogue for the tests that edit inputs (built once here)."""
    return build_site_catalogue(tmp_path_factory.mktemp("site2") / "catalogue")


def test_same_inputs_give_byte_identical_sites(built_site: Path, second_site: Path) -> None:
    first, second = site_files(built_site / "site"), site_files(second_site / "site")
    assert first.keys() == second.keys()
    differ = [name for name in first if first[name] != second[name]]
    assert differ == []
    # no "now" in the compressed sitemap's header: the build date is the catalogue's latest addition
    stamp = int.from_bytes((built_site / "site" / "sitemap.xml.gz").read_bytes()[4:8], "little")
    assert stamp == 1795305600  # 2026-11-22T00:00:00Z


def test_nothing_changed_means_nothing_done(second_site: Path) -> None:
    index = second_site / "site" / "index.html"
    before = index.stat().st_mtime_ns
    result = run_longctx(second_site, "build")
    assert result.returncode == 0 and "up to date" in result.stderr
    assert index.stat().st_mtime_ns == before


@pytest.mark.parametrize(
    ("path", "edit"),
    [
        ("papers/yarn.yaml", lambda t: t.replace("Rescales RoPE frequencies", "Rescales RoPE bases")),
        ("taxonomy.yaml", lambda t: t.replace("title: Scaling Strategies", "title: Scaling Methods")),
        ("templates/record.md.j2", None),
        ("mkdocs.yml", None),
    ],
    ids=["record", "taxonomy", "template", "site-config"],
)
def test_an_edited_input_rebuilds(second_site: Path, path: str, edit) -> None:  # type: ignore[no-untyped-def]
    target = second_site / path
    if path == "templates/record.md.j2":  # a catalogue-level override of the package template
        target.parent.mkdir(exist_ok=True)
        text = (REPO / "templates" / "record.md.j2").read_text(encoding="utf-8")
        target.write_text(text.replace("✓ read by a curator", "✓ read by us"), encoding="utf-8")
    elif path == "mkdocs.yml":
        text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
        target.write_text(text.replace("site_name: Long-context LLM catalogue", "site_name: Our Catalogue"),
                          encoding="utf-8")
    else:
        target.write_text(edit(target.read_text(encoding="utf-8")), encoding="utf-8")
    result = run_longctx(second_site, "build")
    assert result.returncode == 0, result.stderr
    assert "up to date" not in result.stderr
    yarn = page(second_site, "papers/yarn/index.html")
    expected = {"papers/yarn.yaml": "Rescales RoPE bases", "taxonomy.yaml": "Scaling Methods",
                "templates/record.md.j2": "read by us", "mkdocs.yml": "<title>YaRN: Efficient"}[path]
    assert expected in yarn
    if path == "mkdocs.yml":
        assert "Our Catalogue" in yarn
    assert "up to date" in run_longctx(second_site, "build").stderr


def _snapshot(root: Path) -> dict[str, bytes]:
    out = {}
    for folder in ("site", "docs"):
        out.update({f"{folder}/{k}": v for k, v in site_files(root / folder).items()})
    out["README.md"] = (root / "README.md").read_bytes()
    return out


def test_a_broken_link_fails_with_a_located_error_and_changes_nothing(tmp_path: Path) -> None:
    root = make_site_catalogue(tmp_path / "cat")
    assert run_longctx(root, "build").returncode == 0
    before = _snapshot(root)
    guide = root / "docs" / "guide" / "notes.md"
    guide.write_text(guide.read_text(encoding="utf-8") + "\nSee [the missing page](../nowhere.md).\n",
                     encoding="utf-8")
    (root / "papers" / "yarn.yaml").write_text(
        (root / "papers" / "yarn.yaml").read_text(encoding="utf-8").replace("unevenly", "oddly"), encoding="utf-8")
    result = run_longctx(root, "build")
    assert result.returncode == 1
    assert re.search(r"^docs/guide/notes\.md:7:\d+: error: MkDocs: .*nowhere\.md.* \[LC801 site-build\]$",
                     result.stderr, re.M), result.stderr
    assert "Traceback" not in result.stderr
    after = _snapshot(root)
    after.pop("docs/guide/notes.md")
    before.pop("docs/guide/notes.md")
    assert after == before  # the site and the generated pages are exactly as they were
    assert not [p for p in root.iterdir() if p.name.startswith(".site.")]  # no half-built folder left


def test_build_refuses_a_catalogue_with_errors(tmp_path: Path) -> None:
    root = make_site_catalogue(tmp_path / "cat")
    (root / "papers" / "broken.yaml").write_text("id: broken\ntags: [no-such-node]\n", encoding="utf-8")
    result = run_longctx(root, "build")
    assert result.returncode == 1
    assert "papers/broken.yaml:2:" in result.stderr and "Traceback" not in result.stderr
    assert not (root / "site").exists() and not (root / "docs" / "index.md").exists()


def test_site_config_problems_are_located(tmp_path: Path) -> None:
    root = make_site_catalogue(tmp_path / "cat")
    (root / "mkdocs.yml").write_text("site_name: X\ntheme:\n  name: material\nnav:\n  - index.md\n",
                                     encoding="utf-8")
    result = run_longctx(root, "build")
    assert result.returncode == 1
    assert "mkdocs.yml:4:1: error: `nav` is generated" in result.stderr and "[LC802 site-config]" in result.stderr
    assert not (root / "site").exists()


def test_an_unknown_site_setting_is_a_located_error(tmp_path: Path) -> None:
    root = make_site_catalogue(tmp_path / "cat")
    (root / "mkdocs.yml").write_text("site_name: X\ntheme:\n  name: material\nsite_colour: red\n", encoding="utf-8")
    result = run_longctx(root, "build")
    assert result.returncode == 1
    assert re.search(r"^mkdocs\.yml:4:1: error: MkDocs: .*site_colour.* \[LC802 site-config\]$", result.stderr,
                     re.M), result.stderr
    assert not (root / "site").exists() and "Traceback" not in result.stderr


def test_a_hand_written_file_cannot_take_a_record_pages_place(tmp_path: Path) -> None:
    root = make_site_catalogue(tmp_path / "cat")
    (root / "docs" / "papers").mkdir(parents=True)
    (root / "docs" / "papers" / "yarn.md").write_text("# Mine\n", encoding="utf-8")
    result = run_longctx(root, "build")
    assert result.returncode == 1
    assert "docs/papers/yarn.md:1:1: error:" in result.stderr and "[LC803 site-page-clash]" in result.stderr
    assert not (root / "site").exists()


def test_catalogue_without_contributing_or_config_builds_with_defaults(tmp_path: Path) -> None:
    root = make_site_catalogue(tmp_path / "cat")
    (root / "CONTRIBUTING.md").unlink()
    shutil.rmtree(root / "docs")
    result = run_longctx(root, "build")
    assert result.returncode == 0, result.stderr
    home = page(root, "index.html")
    assert "Long-context LLM catalogue" in home  # the package's default mkdocs.yml
    assert "contributing" not in home.lower().split("<article")[1]
    config = yaml.safe_load((root / ".longctx-cache/site/mkdocs.yml").read_text(encoding="utf-8"))
    assert "About" not in json.dumps(config["nav"])


# ---------------------------------------------------------------------------------
# The command line


def test_build_help_has_an_example() -> None:
    result = subprocess.run([sys.executable, "-m", "longctx_catalog", "build", "--help"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and "longctx build --force" in result.stdout


def test_mkdocs_is_imported_only_when_a_site_is_built(second_site: Path) -> None:
    probe = (
        "import sys\n"
        "from longctx_catalog.cli import main\n"
        "assert 'mkdocs' not in sys.modules, 'importing the CLI loads mkdocs'\n"
        "try:\n"
        f"    main(['--root', {str(second_site)!r}, 'build'])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "print('mkdocs' in sys.modules, 'jinja2' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=site_env(),
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stderr
    assert result.stdout.split() == ["False", "False"]  # a no-op build loads neither MkDocs nor the renderer


def test_serve_rebuilds_when_a_record_changes(tmp_path: Path) -> None:
    root = make_site_catalogue(tmp_path / "cat")
    docs_before = site_files(root / "docs")
    with serving(root, tmp_path) as served:
        url = served.base_url + "papers/yarn/"
        assert wait_for(lambda: "Rescales RoPE frequencies" in get(url)), "the preview never came up\n" + served.log()
        [work] = [p for p in served.temp.iterdir() if p.name.startswith("longctx-serve-")]
        bundle = next((work / "site" / "assets" / "javascripts").glob("bundle.*.js"))
        inode = bundle.stat().st_ino
        record = root / "papers" / "yarn.yaml"
        record.write_text(record.read_text(encoding="utf-8").replace("unevenly", "in a new way"), encoding="utf-8")
        assert wait_for(lambda: "in a new way" in get(url)), "an edited record was not rebuilt"
        assert bundle.stat().st_ino == inode  # the changed files were patched in, not a whole new site written
        # a templates/ folder appears (made aside and moved in, as a checkout would)
        made = tmp_path / "templates"
        made.mkdir()
        (made / "record.md.j2").write_text((REPO / "templates" / "record.md.j2").read_text(encoding="utf-8")
                                           .replace("read by a curator", "read by the curators"), encoding="utf-8")
        made.rename(root / "templates")
        assert wait_for(lambda: "read by the curators" in get(url)), "an edited template was not picked up"
        # A record with an error: a rebuild is attempted (its error is reported, located) and
        # fails, and the last good site stays on screen.
        attempts = served.log().count("a change was seen; rebuilding")
        (root / "papers" / "bad.yaml").write_text("id: bad\ntags: [nowhere]\n", encoding="utf-8")
        assert wait_for(lambda: "the previous build stays on screen" in served.log()), served.log()
        output = served.log()
        assert output.count("a change was seen; rebuilding") > attempts
        assert "papers/bad.yaml:2:" in output and "not rebuilt" in output, output
        page = get(url)
        assert "in a new way" in page and "read by the curators" in page
        # serve builds elsewhere: site/ is never made, docs/ is left exactly as it was
        assert not (root / "site").exists()
        assert site_files(root / "docs") == docs_before
        # SIGTERM (not only Ctrl+C) stops it cleanly, and its temp folder goes with it
        assert served.stop() == 0, served.log()
    assert "Stopped" in served.log()
    assert "Traceback" not in served.log(), served.log()
    assert list(served.temp.iterdir()) == []


# ---------------------------------------------------------------------------------
# Pieces


@pytest.mark.parametrize(
    ("text", "repo", "expected"),
    [
        ("[guide](docs/guide/a.md#x)", None, "[guide](/guide/a.md#x)"),
        ("[dir](papers/)", None, "dir"),
        ("[dir](papers/)", "https://github.com/o/r", "[dir](https://github.com/o/r/tree/HEAD/papers/)"),
        ("[f](schema/a.json)", "https://github.com/o/r", "[f](https://github.com/o/r/blob/HEAD/schema/a.json)"),
        ("[new](../../issues/new?t=1)", "https://github.com/o/r", "[new](https://github.com/o/r/issues/new?t=1)"),
        ("[new](../../issues/new?t=1)", None, "new"),
        ("> [Open an\n> issue](../../issues/new)", "https://github.com/o/r", "> [Open an\n> issue](https://github.com/o/r/issues/new)"),
        ("[web](https://example.org) [here](#top)", None, "[web](https://example.org) [here](#top)"),
        ("`[code](papers/)`", None, "`[code](papers/)`"),
        ("```\n[fenced](papers/)\n```\n", None, "```\n[fenced](papers/)\n```\n"),
        ("[`papers/`](papers/) and ![img](docs/a.png)", None, "`papers/` and ![img](/a.png)"),
        ("[ref]: papers/yarn.yaml", "https://github.com/o/r", "[ref]: https://github.com/o/r/blob/HEAD/papers/yarn.yaml"),
    ],
)
def test_fix_links(text: str, repo: str | None, expected: str) -> None:
    assert fix_links(text, "CONTRIBUTING.md", repo) == expected


def test_links_from_a_page_inside_docs() -> None:
    assert fix_links("[a](../index.md) [b](../../README.md)", "docs/guide/x.md", None) == "[a](/index.md) b"


def test_related_records_are_first_the_ones_whose_words_are_closest(make_catalog) -> None:  # type: ignore[no-untyped-def]
    def record(rid: str, title: str, tldr: str, date: str) -> str:
        return f"id: {rid}\ntitle: {title}\ndate: {date}\ntags: [rope-scaling]\ntldr: {tldr}\nadded: 2026-01-01\n"

    root = make_catalog({
        "yarn": record("yarn", "Rescaling Rotary Frequencies", "Interpolates rotary position frequencies unevenly "
                       "so a short fine-tune reaches a longer window.", "2023-08-31"),
        "pi": record("pi", "Position Interpolation", "Squeezes rotary positions by interpolation into the trained "
                     "range, then fine-tunes briefly.", "2023-06-27"),
        # Newer, same node, nothing else in common: before, these filled the list first.
        **{f"n{i}": record(f"n{i}", f"Memory Study {i}", f"Keeps a cache of summaries number {i}.", f"2024-0{i}-01")
           for i in range(1, 7)},
    })
    catalog, _ = load_catalog(root)
    from longctx_catalog.pages import Views

    related = [r.id for r in Views(catalog).related(catalog.by_id["yarn"])]
    assert related[0] == "pi"
    assert len(related) == 5 and set(related[1:]) <= {f"n{i}" for i in range(1, 7)}  # tags fill up the rest
    assert related[1:] == ["n6", "n5", "n4", "n3"]  # newest first among those sharing only the tag


def test_related_records_share_the_most_specific_tags(make_catalog) -> None:  # type: ignore[no-untyped-def]
    def record(rid: str, tags: str, date: str) -> str:
        return f"id: {rid}\ntitle: Work {rid}\ndate: {date}\ntags: [{tags}]\ntldr: A work.\nadded: 2026-01-01\n"

    root = make_catalog({
        "a": record("a", "rope-scaling, sparse-attention", "2023-01-01"),
        "b": record("b", "rope-scaling, sparse-attention", "2022-01-01"),  # shares both tags
        "c": record("c", "rope-scaling", "2024-01-01"),  # shares the deeper tag, newest
        "d": record("d", "sparse-attention", "2024-06-01"),  # shares the shallower tag
        "e": record("e", "rope-truncation", "2024-07-01"),  # a sibling of rope-scaling
        "f": record("f", "datasets", "2024-08-01"),  # nothing in common
    })
    catalog, diags = load_catalog(root)
    assert not [d for d in diags if d.is_error]
    from longctx_catalog.pages import Views

    views = Views(catalog)
    related = [r.id for r in views.related(catalog.by_id["a"])]
    assert related == ["b", "c", "d", "e"]
    assert [r.id for r in views.related(catalog.by_id["a"], limit=2)] == ["b", "c"]
    assert [r.id for r in views.related(catalog.by_id["f"])] == []
    rendered = render_catalog(catalog, site=True)
    assert "[Work b](b.md)" in rendered.pages["docs/papers/a.md"]  # made page-relative as rendered
