"""`longctx render`: pages, README regions, ownership, --check, determinism.

Golden files: the fixture catalogue in ``tests/fixtures/render-catalogue`` is
rendered and every output file compared with ``tests/fixtures/golden/<path>``.
After an intended change to templates or rendering, regenerate them with

    LONGCTX_UPDATE_GOLDEN=1 python -m pytest tests/test_render.py -k golden

and review the diff (``git diff tests/fixtures/golden``) before committing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, REPO
from longctx_catalog.model import TaxonomyNode
from longctx_catalog.outputs import apply, plan
from longctx_catalog.pages import node_page, relative, timeline_years
from longctx_catalog.present import sort_newest_first
from longctx_catalog.regions import splice
from longctx_catalog.render import OWNER_LINE, RenderError, is_owned, render_catalog
from longctx_catalog.templating import package_template_dir
from longctx_catalog.validate import load_catalog

FIXTURE = FIXTURES / "render-catalogue"
GOLDEN = FIXTURES / "golden"
UPDATE = os.environ.get("LONGCTX_UPDATE_GOLDEN") == "1"


def copy_fixture(tmp_path: Path) -> Path:
    root = tmp_path / "cat"
    shutil.copytree(FIXTURE, root)
    return root


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command line, in a subprocess, as a user or CI runs it."""
    env = {**os.environ, "LONGCTX_TODAY": "2026-11-22"}
    return subprocess.run(
        [sys.executable, "-m", "longctx_catalog", "--root", str(root), *args],
        capture_output=True, text=True, env=env, timeout=120,
    )


def render_into(root: Path) -> list:
    """Render the catalogue at ``root`` and write the result (what `longctx render` does)."""
    catalog, diags = load_catalog(root)
    assert not [d for d in diags if d.is_error], diags
    changes, problems = plan(root, render_catalog(catalog, parallel=True))
    assert not problems, problems
    return apply(root, changes)


def output_files(root: Path) -> dict[str, bytes]:
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in (root / "docs").rglob("*") if p.is_file()}
    files["README.md"] = (root / "README.md").read_bytes()
    return files


@pytest.fixture(scope="module")
def rendered_fixture(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    root = copy_fixture(tmp_path_factory.mktemp("golden"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LONGCTX_TODAY", "2026-11-22")
        render_into(root)
    files = output_files(root)
    if UPDATE:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in files.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    return files


def golden_files() -> list[str]:
    return sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file())


# ---------------------------------------------------------------------------------
# Golden files: one test per page kind (and per generated file)

PAGE_KINDS = {
    "survey page, node with children": "docs/methodology/index.md",
    "survey page, middle node": "docs/methodology/efficient-attention/index.md",
    "survey page, leaf": "docs/methodology/extended-rope/rope-scaling.md",
    "survey page, deep leaf": "docs/methodology/efficient-attention/local-attention/sliding-window-attention.md",
    "survey page, node with a grandchild": "docs/methodology/efficient-attention/local-attention/index.md",
    "survey page, empty leaf": "docs/methodology/extended-rope/rope-rearrangement.md",
    "timeline": "docs/timeline.md",
    "timeline, a year": "docs/timeline/2023.md",
    "technique table": "docs/techniques.md",
    "datasets table": "docs/evaluation/datasets.md",
    "metrics matrix": "docs/evaluation/metrics.md",
    "baselines table": "docs/evaluation/baselines.md",
    "evaluation overview": "docs/evaluation/index.md",
    "toolkits table": "docs/toolkits.md",
    "README regions": "README.md",
}


@pytest.mark.parametrize("path", list(PAGE_KINDS.values()), ids=list(PAGE_KINDS))
def test_golden_page_kinds(rendered_fixture: dict[str, bytes], path: str) -> None:
    assert path in rendered_fixture, f"{path} was not generated"
    expected = (GOLDEN / path).read_bytes()
    assert rendered_fixture[path].decode() == expected.decode(), (
        f"{path} differs from its golden file; if the change is intended, regenerate with "
        "LONGCTX_UPDATE_GOLDEN=1 python -m pytest tests/test_render.py -k golden"
    )


def test_golden_every_file(rendered_fixture: dict[str, bytes]) -> None:
    assert sorted(rendered_fixture) == golden_files()
    for rel in golden_files():
        assert rendered_fixture[rel] == (GOLDEN / rel).read_bytes(), rel


def test_path_scheme_mirrors_the_taxonomy() -> None:
    root = TaxonomyNode("methodology", "M")
    mid = TaxonomyNode("efficient-attention", "E", parent=root)
    leaf = TaxonomyNode("sparse-attention", "S", parent=mid)
    root.children, mid.children = [mid], [leaf]
    top_leaf = TaxonomyNode("toolkits", "T")
    assert node_page(root) == "docs/methodology/index.md"
    assert node_page(mid) == "docs/methodology/efficient-attention/index.md"
    assert node_page(leaf) == "docs/methodology/efficient-attention/sparse-attention.md"
    assert node_page(top_leaf) == "docs/toolkits.md"
    assert relative("docs/methodology/efficient-attention/index.md", "docs/timeline.md") == "../../timeline.md"
    assert relative("README.md", "docs/toolkits.md") == "docs/toolkits.md"
    assert relative("docs/a/b.md", "docs/a/c/index.md") == "c/index.md"


def test_every_generated_page_is_marked_as_owned(rendered_fixture: dict[str, bytes]) -> None:
    for rel, data in rendered_fixture.items():
        if rel.startswith("docs/"):
            assert data.decode().startswith(OWNER_LINE + "\n"), rel
            assert is_owned(data.decode())
    assert not is_owned(rendered_fixture["README.md"].decode())


def test_entries_newest_first_with_a_stable_tiebreak(make_catalog) -> None:  # type: ignore[no-untyped-def]
    def rec(rid: str, date: str | None) -> str:
        return f"id: {rid}\ntitle: Title {rid}\ntags: [rope-scaling]\ntldr: T.\nadded: 2026-11-01\n" + (
            f"date: '{date}'\n" if date else "")

    records = {"b": rec("b", "2023-05-01"), "a": rec("a", "2023-05-01"), "c": rec("c", "2023"),
               "d": rec("d", None), "e": rec("e", "2024-01"), "f": rec("f", "2023-05")}
    catalog, _ = load_catalog(make_catalog(records))
    assert [r.id for r in sort_newest_first(catalog.records)] == ["e", "a", "b", "f", "c", "d"]
    page = render_catalog(catalog).pages["docs/methodology/extended-rope/rope-scaling.md"]
    positions = [page.index(f'<a id="{rid}">') for rid in ("e", "a", "b", "f", "c", "d")]
    assert positions == sorted(positions)


def test_a_record_with_several_tags_appears_on_each_page(rendered_fixture: dict[str, bytes]) -> None:
    for path in ("docs/methodology/extended-rope/rope-scaling.md",
                 "docs/methodology/efficient-attention/local-attention/sliding-window-attention.md",
                 "docs/methodology/efficient-attention/local-attention/index.md"):
        assert b'<a id="longlora"></a>' in rendered_fixture[path], path
    # On a page listing it under two headings the anchor appears once, so HTML ids stay unique.
    methodology = rendered_fixture["docs/methodology/index.md"].decode()
    assert methodology.count("LongLoRA: Efficient Fine-tuning") == 2
    assert methodology.count('<a id="longlora"></a>') == 1


def test_titles_link_to_the_paper_and_code_is_marked(rendered_fixture: dict[str, bytes]) -> None:
    page = rendered_fixture["docs/methodology/extended-rope/rope-scaling.md"].decode()
    yarn = "[YaRN: Efficient Context Window Extension of Large Language Models](https://arxiv.org/abs/2309.00071)"
    assert yarn in page
    assert "[jquesnelle/yarn](https://github.com/jquesnelle/yarn) (official)" in page
    assert "[someone/longlora-port](https://github.com/someone/longlora-port) (unofficial)" in page
    # links.paper wins over the arXiv abstract; the arXiv link is still offered
    assert "[LongLoRA: Efficient Fine-tuning of Long-Context Large Language Models](https://openreview.net/" in page
    assert "[arXiv](https://arxiv.org/abs/2309.12307)" in page
    # a record without a title yet shows its arXiv id
    truncation = rendered_fixture["docs/methodology/extended-rope/rope-truncation.md"].decode()
    assert "[arXiv:2310.05209](https://arxiv.org/abs/2310.05209)" in truncation


def test_every_entry_has_a_citation_block(rendered_fixture: dict[str, bytes]) -> None:
    page = rendered_fixture["docs/methodology/extended-rope/rope-scaling.md"].decode()
    yarn = page[page.index('<a id="yarn">'):page.index('<a id="position-interpolation">')]
    # a record's own entry is shown verbatim ...
    assert "<details><summary>citation</summary>\n\n```bibtex\n@article{peng2023yarn," in yarn
    # ... and one without gets an entry generated from its fields
    pi = page[page.index('<a id="position-interpolation">'):]
    assert "<details><summary>citation</summary>\n\n```bibtex\n@misc{chen2023extending," in pi
    # backticks inside the BibTeX get a longer fence, so they cannot close it
    assert "````bibtex\n@inproceedings{chen2024longlora," in page


def _html(markdown: str) -> str:
    return cmarkgfm.markdown_to_html_with_extensions(
        markdown, options=Options.CMARK_OPT_UNSAFE, extensions=["table", "strikethrough", "autolink"])


def test_hostile_record_renders_as_text_on_every_page(rendered_fixture: dict[str, bytes]) -> None:
    for rel in ("docs/methodology/efficient-attention/sparse-attention.md", "docs/techniques.md",
                "docs/timeline.md", "docs/methodology/index.md"):
        html = _html(rendered_fixture[rel].decode())
        assert "<script" not in html and "<img" not in html, rel
        assert "<em>not emphasis</em>" not in html and "<code>code</code>" not in html, rel
        assert 'href="https://evil.example"' not in html, rel
    techniques = _html(rendered_fixture["docs/techniques.md"].decode())
    row = next(line for line in techniques.split("<tr>") if "hostile" in line)
    assert row.count("<td>") == 6  # the pipes in title, TL;DR and results stay inside their cells


def test_readme_regions_are_rendered_and_prose_kept(rendered_fixture: dict[str, bytes]) -> None:
    readme = rendered_fixture["README.md"].decode()
    original = (FIXTURE / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# A fixture catalogue\n\nProse *before* the regions, kept byte for byte.   \n")
    assert readme.endswith("Closing prose — ünïcode and trailing spaces stay.  \n")
    assert "this old text is replaced" not in readme
    assert "<!-- longctx:begin example -->\n<!-- longctx:end example -->\n```" in readme  # in a code fence
    assert "**12 records**" in readme and "(docs/methodology/extended-rope/rope-scaling.md#yarn)" in readme
    for line in original.splitlines():
        if "longctx:" in line:
            assert line in readme


# ---------------------------------------------------------------------------------
# README regions


README_CONTENTS = {"toc": "TOC", "latest": "LATEST"}


def test_splice_keeps_everything_outside_markers_byte_for_byte() -> None:
    text = ("Intro \t\r\n<!-- longctx:begin toc -->\r\nold\r\n<!-- longctx:end toc -->\r\nmiddle  \n\n"
            "  <!--longctx:begin latest-->  \nold\n<!-- longctx:end latest -->\nend without newline")
    out, diags = splice(text, "README.md", README_CONTENTS)
    assert not diags
    assert out == ("Intro \t\r\n<!-- longctx:begin toc -->\r\n\r\nTOC\r\n\r\n<!-- longctx:end toc -->\r\nmiddle  \n\n"
                   "  <!--longctx:begin latest-->  \n\nLATEST\n\n<!-- longctx:end latest -->\nend without newline")
    again, diags = splice(out, "README.md", README_CONTENTS)
    assert again == out and not diags


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("a\n<!-- longctx:begin toc -->\nb\n", "README.md:2:1", "region 'toc' is never closed"),
        ("<!-- longctx:end toc -->\n", "README.md:1:1", "has no matching begin"),
        ("<!-- longctx:begin toc -->\n<!-- longctx:begin latest -->\n<!-- longctx:end latest -->\n"
         "<!-- longctx:end toc -->\n", "README.md:2:1", "begins inside region 'toc'"),
        ("<!-- longctx:begin toc -->\n<!-- longctx:end latest -->\n", "README.md:2:1", "closed by an end marker"),
        ("<!-- longctx:begin toc -->\n<!-- longctx:end toc -->\n<!-- longctx:begin toc -->\n"
         "<!-- longctx:end toc -->\n<!-- longctx:begin latest -->\n<!-- longctx:end latest -->\n",
         "README.md:3:1", "appears twice"),
        ("<!-- longctx:begin toc -->\n<!-- longctx:end toc -->\n", "README.md:1:1", "region 'latest' is missing"),
        ("<!-- longctx:begin toc -->\n<!-- longctx:end toc -->\n<!-- longctx:begin latest -->\n"
         "<!-- longctx:end latest -->\n   <!-- longctx:begin news -->\n<!-- longctx:end news -->\n",
         "README.md:5:4", "unknown region 'news'"),
        ("x\n<!-- longctx:begin toc --> trailing text\n", "README.md:2:1", "malformed region marker"),
        ("no markers at all\n", "README.md:1:1", "region 'latest' is missing"),
    ],
    ids=["unclosed", "end-without-begin", "nested", "mismatched", "duplicate", "missing", "unknown", "malformed",
         "none"],
)
def test_marker_problems_are_located_errors_and_change_nothing(text: str, where: str, message: str) -> None:
    out, diags = splice(text, "README.md", README_CONTENTS)
    assert out == text
    assert diags, "expected an error"
    assert any(str(d.location) == where and message in d.message and d.code == "LC701" for d in diags), diags


def test_cli_refuses_a_broken_readme_and_writes_nothing(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    readme = root / "README.md"
    broken = readme.read_text(encoding="utf-8").replace("<!-- longctx:end toc -->\n", "")
    readme.write_text(broken, encoding="utf-8")
    result = run_cli(root, "render")
    assert result.returncode == 1
    assert "README.md:" in result.stderr and "[LC701 readme-region]" in result.stderr
    assert readme.read_text(encoding="utf-8") == broken
    assert not (root / "docs").exists()


# ---------------------------------------------------------------------------------
# Writing, --check, ownership


def test_render_twice_gives_identical_bytes_and_touches_nothing(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    render_into(root)
    first = output_files(root)
    past = 1_000_000_000
    for path in [*(root / "docs").rglob("*.md"), root / "README.md"]:
        os.utime(path, ns=(past, past))
    assert render_into(root) == []
    assert output_files(root) == first
    for path in [*(root / "docs").rglob("*.md"), root / "README.md"]:
        assert path.stat().st_mtime_ns == past, f"{path} was rewritten"
    # and a fresh copy renders to the same bytes (no dependence on time, order of files, or caches)
    other = copy_fixture(tmp_path / "again")
    render_into(other)
    assert output_files(other) == first


@pytest.mark.parametrize("site", [False, True], ids=["docs", "site"])
def test_rendering_in_a_child_gives_the_same_pages_in_the_same_order(site: bool, tmp_path: Path) -> None:
    catalog, _ = load_catalog(copy_fixture(tmp_path))  # a copy: rendering keeps compiled templates in the catalogue
    alone = render_catalog(catalog, site=site)
    split = render_catalog(catalog, site=site, parallel=True)
    assert list(split.pages) == list(alone.pages)
    assert split == alone


def test_check_is_clean_after_render_and_flags_an_edited_record(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    assert run_cli(root, "render").returncode == 0
    clean = run_cli(root, "render", "--check")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    before = output_files(root)

    record = root / "papers" / "yarn.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("a much longer window", "a far longer window"),
                      encoding="utf-8")
    stale = run_cli(root, "render", "--check")
    assert stale.returncode == 1
    assert "docs/methodology/extended-rope/rope-scaling.md: out of date (+1 -1 lines)" in stale.stdout
    assert "docs/timeline/2023.md: out of date" in stale.stdout  # the year page; the index only counts
    assert "docs/techniques.md: out of date" in stale.stdout
    assert "docs/evaluation/datasets.md" not in stale.stdout  # unaffected pages are not listed
    assert "out of date; run `longctx render`" in stale.stderr
    assert output_files(root) == before  # --check writes nothing

    diff = run_cli(root, "render", "--check", "--diff")
    assert "-**TL;DR:** Rescales RoPE frequencies unevenly so a short fine-tune reaches a much longer window." \
        in diff.stdout
    assert run_cli(root, "render").returncode == 0
    assert run_cli(root, "render", "--check").returncode == 0


def test_stale_pages_removed_only_when_owned(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    render_into(root)
    guide = root / "docs" / "guide" / "contributing.md"
    guide.parent.mkdir(parents=True)
    guide.write_text("# How to contribute\n\nHand-written.\n", encoding="utf-8")
    notes = root / "docs" / "methodology" / "efficient-attention" / "local-attention" / "notes.md"
    notes.write_text("# Notes kept by a curator\n", encoding="utf-8")

    # Drop the Local Attention subtree (and the tags that pointed into it).
    taxonomy = root / "taxonomy.yaml"
    text = taxonomy.read_text(encoding="utf-8")
    text = text.replace("""        - id: local-attention
          title: Local Attention
          children:
            - id: sliding-window-attention
              title: Sliding Window Attention
""", "")
    taxonomy.write_text(text, encoding="utf-8")
    for name in ("longlora", "year-only"):
        path = root / "papers" / f"{name}.yaml"
        body = path.read_text(encoding="utf-8")
        body = body.replace("sliding-window-attention, local-attention, ", "").replace(
            "[sliding-window-attention]", "[sparse-attention]")
        path.write_text(body, encoding="utf-8")

    check = run_cli(root, "render", "--check")
    assert check.returncode == 1
    assert ("docs/methodology/efficient-attention/local-attention/sliding-window-attention.md: stale generated "
            "page (would be removed)") in check.stdout
    assert "notes.md" not in check.stdout and "contributing.md" not in check.stdout

    done = {c.path: c.action for c in render_into(root)}
    local = "docs/methodology/efficient-attention/local-attention"
    assert done[f"{local}/index.md"] == "remove"
    assert done[f"{local}/sliding-window-attention.md"] == "remove"
    assert not (root / local / "index.md").exists()
    assert notes.read_text(encoding="utf-8") == "# Notes kept by a curator\n"  # hand-written: kept
    assert guide.read_text(encoding="utf-8") == "# How to contribute\n\nHand-written.\n"
    assert (root / local).is_dir()  # still holds notes.md


def test_empty_folders_left_by_removed_pages_go_too(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    render_into(root)
    taxonomy = root / "taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8").replace("""          children:
            - id: sliding-window-attention
              title: Sliding Window Attention
""", ""), encoding="utf-8")
    year_only = root / "papers" / "year-only.yaml"
    year_only.write_text(year_only.read_text(encoding="utf-8").replace("sliding-window-attention",
                                                                           "local-attention"), encoding="utf-8")
    longlora = root / "papers" / "longlora.yaml"
    longlora.write_text(longlora.read_text(encoding="utf-8").replace("sliding-window-attention, ", ""),
                        encoding="utf-8")
    render_into(root)
    folder = root / "docs" / "methodology" / "efficient-attention" / "local-attention"
    assert not folder.exists()
    assert (root / "docs" / "methodology" / "efficient-attention" / "local-attention.md").is_file()


def test_a_hand_written_file_where_a_page_goes_is_never_overwritten(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    mine = root / "docs" / "toolkits.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("# My own toolkit notes\n", encoding="utf-8")
    result = run_cli(root, "render")
    assert result.returncode == 1
    assert "docs/toolkits.md:1:1: error:" in result.stderr and "LC702" in result.stderr
    assert mine.read_text(encoding="utf-8") == "# My own toolkit notes\n"
    assert sorted(p.name for p in (root / "docs").rglob("*")) == ["toolkits.md"]  # nothing else was written
    check = run_cli(root, "render", "--check")
    assert check.returncode == 1 and "LC702" in check.stderr


def test_render_refuses_when_the_catalogue_has_errors(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    (root / "papers" / "broken.yaml").write_text("id: broken\ntitle: Broken\ntags: [no-such-node]\n",
                                                 encoding="utf-8")
    result = run_cli(root, "render")
    assert result.returncode == 1
    assert "papers/broken.yaml:3:8: error: unknown tag 'no-such-node'" in result.stderr
    assert not (root / "docs").exists()
    assert (root / "README.md").read_bytes() == (FIXTURE / "README.md").read_bytes()


def test_reserved_top_level_id_is_a_located_error(make_catalog) -> None:  # type: ignore[no-untyped-def]
    root = make_catalog({}, taxonomy="- id: methodology\n  title: M\n- id: timeline\n  title: Clash\n")
    catalog, _ = load_catalog(root)
    with pytest.raises(RenderError) as err:
        render_catalog(catalog)
    (diag,) = err.value.diagnostics
    assert str(diag.location) == "taxonomy.yaml:3:7" and diag.code == "LC703"


# ---------------------------------------------------------------------------------
# Templates


def test_catalogue_templates_override_the_defaults(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    (root / "templates").mkdir()
    (root / "templates" / "techniques.md.j2").write_text(
        "# Our own table\n\n{% for r in kinds.paper %}- {{ r.display_title|md }}\n{% endfor %}", encoding="utf-8")
    render_into(root)
    text = (root / "docs" / "techniques.md").read_text(encoding="utf-8")
    assert text.startswith(OWNER_LINE + "\n\n# Our own table\n\n- arXiv:2310.05209\n")
    # the other pages still come from the package's templates
    assert "## Dataset table" in (root / "docs" / "evaluation" / "datasets.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ record_count }}", "UndefinedError: 'record_count' is undefined"),
        ("{% for r in kinds.paper %}{{ r.title }}{% endfor %}", "unescaped value"),
        ("{% if %}", "TemplateSyntaxError"),
    ],
    ids=["undefined", "unescaped", "syntax"],
)
def test_template_problems_are_located_errors(tmp_path: Path, template: str, expected: str) -> None:
    root = copy_fixture(tmp_path)
    (root / "templates").mkdir()
    (root / "templates" / "timeline.md.j2").write_text(f"# Timeline\n\n{template}\n", encoding="utf-8")
    result = run_cli(root, "render")
    assert result.returncode == 1
    assert "templates/timeline.md.j2:3:1: error:" in result.stderr, result.stderr
    assert expected in result.stderr and "[LC704 template-error]" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / "docs").exists()


def test_default_templates_are_found_in_a_checkout() -> None:
    assert package_template_dir() == REPO / "templates"
    assert (REPO / "templates" / "node.md.j2").is_file()


def test_default_templates_and_site_settings_are_shipped_in_the_wheel(tmp_path: Path) -> None:
    # Build the real wheel (offline: the backend is installed with the test extras), install
    # it into a folder, and ask the installed package where its templates and settings are.
    env = {**os.environ, "TMPDIR": str(tmp_path), "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-q", "-w", str(tmp_path / "dist"), str(REPO)],
                           capture_output=True, text=True, env=env, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("longctx_catalog-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    templates = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "templates").rglob("*") if p.is_file())
    assert templates
    missing = [t for t in templates if f"longctx_catalog/{t}" not in names]
    assert not missing, f"not in {wheel.name}: {missing}"
    assert "longctx_catalog/site-default.yml" in names
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target",
                                str(tmp_path / "site-packages"), str(wheel)],
                               capture_output=True, text=True, env=env, timeout=300)
    assert installed.returncode == 0, installed.stderr
    probe = (f"import sys; sys.path.insert(0, {str(tmp_path / 'site-packages')!r}); "
             "from longctx_catalog.templating import package_template_dir; "
             "from longctx_catalog.siteconfig import default_config_file; "
             "print(package_template_dir()); print(default_config_file())")
    where = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True, cwd=tmp_path,
                           timeout=60)
    assert where.returncode == 0, where.stderr
    package = tmp_path / "site-packages" / "longctx_catalog"
    assert where.stdout.splitlines() == [str(package / "templates"), str(package / "site-default.yml")]
    assert (package / "site-default.yml").read_bytes() == (REPO / "mkdocs.yml").read_bytes()


# ---------------------------------------------------------------------------------
# Scale


def test_readme_stays_small_however_big_the_catalogue(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from make_catalogue import make

    root = tmp_path / "big"
    make(1500, root, seed=3)
    catalog, diags = load_catalog(root)
    assert not [d for d in diags if d.is_error]
    rendered = render_catalog(catalog)
    readme, problems = splice((root / "README.md").read_text(encoding="utf-8"), "README.md", rendered.regions)
    assert not problems
    assert len(readme.encode()) < 64 * 1024  # GitHub stops displaying at 512 KB; we stay far below
    # the timeline, the technique table, home, and a timeline page per year
    assert len(rendered.pages) == len(catalog.taxonomy.nodes) + 3 + len(timeline_years(catalog))
    # The timeline and survey pages stay displayable on GitHub (the one-table technique page does not yet).
    sizes = {path: len(text.encode()) for path, text in rendered.pages.items() if path != "docs/techniques.md"}
    assert max(sizes.values()) < 512 * 1024, max(sizes.items(), key=lambda item: item[1])


def test_cli_help_has_an_example() -> None:
    result = subprocess.run([sys.executable, "-m", "longctx_catalog", "render", "--help"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0
    assert "longctx render --check" in result.stdout and "--diff" in result.stdout


def test_fixture_records_are_valid() -> None:
    _, diags = load_catalog(FIXTURE)
    assert diags == []


def test_the_documented_regeneration_command_rewrites_the_reference_files(tmp_path: Path) -> None:
    # Run the command this module's docstring gives, on a copy of tests/ with one golden
    # file edited and one stale file added: it must restore the first and drop the second.
    # (This test's name avoids the word the command selects by, or it would run itself.)
    command = next(line.strip() for line in textwrap.dedent(__doc__ or "").splitlines()
                   if line.strip().startswith("LONGCTX_UPDATE_GOLDEN=1 "))
    env_part, _, argv = command.partition(" ")
    copy = tmp_path / "tests"
    shutil.copytree(Path(__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    golden = copy / "fixtures" / "golden"
    edited = golden / "docs" / "timeline.md"
    edited.write_text("stale\n", encoding="utf-8")
    (golden / "docs" / "gone.md").write_text("stale\n", encoding="utf-8")
    name, _, value = env_part.partition("=")
    env = {**os.environ, name: value, "PYTHONDONTWRITEBYTECODE": "1"}
    args = argv.split()
    assert args[:3] == ["python", "-m", "pytest"], command
    result = subprocess.run([sys.executable, *args[1:], "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:]
    assert " passed" in result.stdout
    assert edited.read_bytes() == (GOLDEN / "docs" / "timeline.md").read_bytes()
    assert not (golden / "docs" / "gone.md").exists()
    assert sorted(p.relative_to(golden).as_posix() for p in golden.rglob("*") if p.is_file()) == golden_files()


def test_compiled_templates_are_reused_and_an_edit_takes_effect(tmp_path: Path) -> None:
    # Compiled templates are cached between runs (templating._bytecode_cache): a second run
    # must load them, an edited template must be compiled afresh, and a failure in a
    # template loaded from the cache must still be located.
    root = copy_fixture(tmp_path)
    (root / "templates").mkdir()
    template = root / "templates" / "timeline.md.j2"
    template.write_text("# Ours\n\n{{ views.ordered|length|plural('work') }}\n", encoding="utf-8")
    for _ in range(2):
        assert run_cli(root, "render").returncode == 0
        assert "# Ours" in (root / "docs" / "timeline.md").read_text(encoding="utf-8")
    template.write_text("# Edited\n\nline\n{{ record_count }}\n", encoding="utf-8")
    for _ in range(2):
        result = run_cli(root, "render")
        assert result.returncode == 1
        assert "templates/timeline.md.j2:4:1: error:" in result.stderr, result.stderr
        assert "'record_count' is undefined" in result.stderr
    template.write_text("# Edited\n", encoding="utf-8")
    assert run_cli(root, "render").returncode == 0
    assert "# Edited" in (root / "docs" / "timeline.md").read_text(encoding="utf-8")


def test_compiled_templates_are_cached_in_the_catalogues_cache_folder_only(tmp_path: Path) -> None:
    # Not in the system temp folder (never pruned, shared between users): under the
    # catalogue's git-ignored .longctx-cache/, one file per template and set of filters.
    root = copy_fixture(tmp_path)
    (root / "templates").mkdir()
    template = root / "templates" / "timeline.md.j2"
    template.write_text("# Ours\n", encoding="utf-8")
    temp = tmp_path / "system-temp"
    temp.mkdir()
    env = {**os.environ, "LONGCTX_TODAY": "2026-11-22", "TMPDIR": str(temp)}

    def render_cli() -> None:
        result = subprocess.run([sys.executable, "-m", "longctx_catalog", "--root", str(root), "render"],
                                capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr

    render_cli()
    cache = root / ".longctx-cache" / "jinja"
    first = sorted(p.name for p in cache.iterdir())
    templates = [*(REPO / "templates").rglob("*.j2"), template]
    by_filters: dict[str, int] = {}
    for name in first:  # __longctx_<filters key>_<template key>.cache
        by_filters[name.split("_")[3]] = by_filters.get(name.split("_")[3], 0) + 1
    # two sets of filters (the committed pages' and the site's), at most one file per template each
    assert 0 < len(by_filters) <= 2 and max(by_filters.values()) <= len(templates), by_filters
    template.write_text("# Edited\n", encoding="utf-8")  # recompiled in place, not added beside
    render_cli()
    render_cli()
    assert sorted(p.name for p in cache.iterdir()) == first
    assert list(temp.iterdir()) == []
    assert {p.name for p in root.iterdir()} == {p.name for p in FIXTURE.iterdir()} | {"docs", "templates",
                                                                                      ".longctx-cache"}


def _tidy_reference(text: str) -> str:
    """tidy as first written (plain replace loops, strip and append): the faster one must agree."""
    for junk in (" \n", "\t\n"):
        while junk in text:
            text = text.replace(junk, "\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip("\n") + "\n"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(["\n", " ", "\t", "a", "#"]), max_size=40))
def test_tidy_agrees_with_its_reference(text: str) -> None:
    from longctx_catalog.render import tidy

    assert tidy(text) == _tidy_reference(text)


def test_compiled_templates_are_not_shared_between_environments_with_other_filters(tmp_path: Path) -> None:
    # Jinja folds `{{ true|flag }}` to the filter's output while compiling; the site's
    # environment has another `flag` filter than the committed pages', so the two must
    # never load each other's compiled code (whichever compiled it first, in any process).
    from longctx_catalog import present, templating

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "flags.md.j2").write_text("{{ true|flag }}/{{ false|flag }}\n", encoding="utf-8")
    outputs = []
    for site in (True, False, True, False):
        env = templating.make_environment(tmp_path, site=site)
        outputs.append(env.get_template("flags.md.j2").render())
    assert outputs[0] == outputs[2] == f"{present.fmt_check(True)}/{present.fmt_check(False)}\n"
    assert outputs[1] == outputs[3] == f"{present.fmt_flag(True)}/{present.fmt_flag(False)}\n"
    assert outputs[0] != outputs[1]
