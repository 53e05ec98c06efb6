"""What a reader sees, in Debian's headless Chromium: the wide tables, contrast, record pages.

The site is the site tests' catalogue plus three records (notes written in markdown, a
title in TeX, a work nobody has summarised), built by `longctx build` and served on
127.0.0.1; every page is watched as in the other browser tests (tests/browser.py).
Contrast is computed in the page (tests/contrast.js: WCAG 2 ratios of every visible
text against the background it is drawn on). Screenshots of the tables are kept in the
folder LONGCTX_TEST_ARTIFACTS names (else pytest's temp folder).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import DESKTOP, PHONE, OpenPage, needs_chromium, serve, settled
from conftest import build_site_catalogue

pytestmark = needs_chromium

CONTRAST_JS = (Path(__file__).parent / "contrast.js").read_text(encoding="utf-8")

NOTES = """\
id: notes-in-markdown
title: Notes Written in Markdown
authors: [Ada Example]
date: 2024-02
tags: [rope-scaling]
tldr: A record whose notes use links, emphasis and code.
notes: |-
  Pairs with a [tutorial notebook](https://example.org/tutorial_notebook.ipynb), *worth reading*, and
  `pip install x<2`. <script>alert(3)</script> stays text.

  A second paragraph.
added: 2026-11-22
"""
TEX_TITLE = """\
id: e2-llm
title: 'E^2-LLM: Efficient and Extreme Length Extension of Large Language Models'
authors: [Jiaheng Liu]
date: 2024-01-13
tags: [rope-scaling]
tldr: Trains once with varied scale factors so one model serves many lengths.
added: 2026-11-22
"""
UNSUMMARISED = """\
id: unsummarised
title: A Work Nobody Has Summarised Yet
authors: [Ada Example]
date: 2024-03
tags: [rope-scaling]
added: 2026-11-22
"""

# Two more rows with numbers for the tables to sort (the site tests' catalogue has one each).
QASPER = """\
id: qasper
kind: dataset
title: Qasper
tags: [datasets]
added: 2026-11-22
language: [en]
task_types: [ExtQA]
length_kwords: {avg: 3.6, min: 1.2, max: 21.2}
format: json
"""
GIRAFFE = """\
id: giraffe-13b
kind: model
title: Giraffe-13B-32k
tags: [baselines]
links:
  huggingface: https://huggingface.co/abacusai/Giraffe-13b-32k-v3
added: 2026-11-22
language: [en]
open_source: true
base: Llama2
usage: instruct
max_context: 32000
parameters_b: 13
"""

SCREENS = [("desktop", DESKTOP), ("phone", PHONE)]
SCHEMES = ["light", "dark"]
TABLE_PAGES = ["evaluation/datasets/", "evaluation/baselines/", "techniques/"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_site_catalogue(
        tmp_path_factory.mktemp("reader") / "catalogue",
        {"papers/notes-in-markdown.yaml": NOTES, "papers/e2-llm.yaml": TEX_TITLE,
         "papers/unsummarised.yaml": UNSUMMARISED, "papers/qasper.yaml": QASPER, "papers/giraffe-13b.yaml": GIRAFFE},
    )
    return root / "site"


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve(site) as url:
        yield url


def table_ready(page: Any) -> Any:
    page.wait_for_selector("[data-lc-table].lc-table-ready")
    return page


def column(page: Any, name: str) -> list[str]:
    """The text of the cells under the header ``name``, in the order shown."""
    return page.evaluate(
        """name => {
          const table = document.querySelector('[data-lc-table] table');
          const j = [...table.tHead.rows[0].cells].findIndex(th => th.textContent.trim() === name);
          return [...table.tBodies[0].rows].map(tr => tr.cells[j].textContent.trim());
        }""",
        name,
    )


# ---------------------------------------------------------------------------------
# The wide tables


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("path", TABLE_PAGES)
def test_desktop_tables_fill_the_page_and_sort(open_page: OpenPage, artifacts: Path, path: str, scheme: str) -> None:
    page = table_ready(open_page(path, viewport=DESKTOP, color_scheme=scheme))
    box = page.locator("[data-lc-table] .md-typeset__scrollwrap").bounding_box()
    assert box["width"] >= DESKTOP["width"] - 80  # the page's whole width, not Material's 61rem column
    heads = page.locator("[data-lc-table] thead th")
    for k in range(heads.count()):  # every column sorts, by a button
        assert heads.nth(k).locator("button.lc-table-sort").count() == 1
    # a numeric column sorts highest first, then lowest first, then back to the page's order
    name = {"evaluation/datasets/": "Avg len", "evaluation/baselines/": "Parameters (B)",
            "techniques/": "Date"}[path]
    header = page.locator("[data-lc-table] thead th", has_text=name).first
    before = column(page, name)
    header.locator("button").click()
    if name == "Date":  # 2023.08: newest first, like numbers
        assert header.get_attribute("aria-sort") == "descending"
        shown = [d for d in column(page, name) if d]
        assert shown == sorted(shown, reverse=True)
    else:
        assert header.get_attribute("aria-sort") == "descending"
        values = [float(v) for v in column(page, name) if v]
        assert values == sorted(values, reverse=True) and len(values) >= 2
        assert column(page, name)[len(values):] == [""] * (len(before) - len(values))  # blanks last
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"  # the other way round
    shown = [v for v in column(page, name) if v]
    assert shown == sorted(shown, key=float) and len(shown) >= 2
    header.locator("button").click()
    assert header.get_attribute("aria-sort") is None and column(page, name) == before
    page.screenshot(path=str(artifacts / f"table-{path.strip('/').replace('/', '-')}-desktop-{scheme}.png"))


def test_header_row_and_first_column_stay_in_view(open_page: OpenPage) -> None:
    page = table_ready(open_page("techniques/", viewport={"width": 900, "height": 520}))
    scroller = page.locator("[data-lc-table] .md-typeset__scrollwrap")
    scroller.scroll_into_view_if_needed()
    size = scroller.evaluate("s => [s.scrollHeight > s.clientHeight, s.scrollWidth > s.clientWidth]")
    assert size == [True, True], "the table should scroll both ways inside its box at this size"
    box = scroller.bounding_box()
    assert box["height"] <= 520  # no taller than the window: its horizontal scrollbar is on screen
    scroller.evaluate("s => { s.scrollTop = s.scrollHeight; s.scrollLeft = s.scrollWidth; }")
    page.wait_for_timeout(100)
    head = page.locator("[data-lc-table] thead th").first.bounding_box()
    assert abs(head["y"] - box["y"]) < 3 and abs(head["x"] - box["x"]) < 3  # the corner cell stays put
    last = page.locator("[data-lc-table] tbody tr").last.locator("td").first.bounding_box()
    assert abs(last["x"] - box["x"]) < 3  # the first column stays at the left edge


def test_column_chooser_hides_and_shows_a_group(open_page: OpenPage) -> None:
    page = table_ready(open_page("evaluation/datasets/"))
    toggle = page.locator(".lc-table-btn", has_text="Columns")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    lm = page.locator("[data-lc-table] thead th", has_text="LM").first
    assert lm.is_visible()
    group = page.locator(".lc-table-choices label", has_text="Task types").locator("input")
    group.uncheck()
    assert not lm.is_visible()
    visible = page.eval_on_selector_all("[data-lc-table] thead th", "ths => ths.filter(t => t.offsetParent).length")
    assert visible == 21 - 10
    group.check()
    assert lm.is_visible()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("path", TABLE_PAGES)
def test_phone_tables_are_cards(open_page: OpenPage, artifacts: Path, path: str, scheme: str) -> None:
    page = table_ready(open_page(path, viewport=PHONE, color_scheme=scheme))
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]  # nothing sideways
    assert not page.locator("[data-lc-table] thead").is_visible()
    rows = page.locator("[data-lc-table] tbody tr")
    assert rows.count() >= 2
    card = rows.first
    assert card.evaluate("tr => getComputedStyle(tr).display") == "block"
    assert card.bounding_box()["width"] <= PHONE["width"]
    cells = card.locator("td")
    labels = cells.evaluate_all(
        "tds => tds.filter(td => td.offsetParent).slice(1).map(td => getComputedStyle(td, '::before').content)")
    assert labels and all(label not in ("none", '""') for label in labels)  # each value says what it is
    # blank cells are left out of the card
    assert cells.evaluate_all("tds => tds.filter(td => td.hasAttribute('data-blank') && td.offsetParent).length") == 0
    select = page.locator(".lc-table-sortby select")
    assert select.is_visible()
    first_header = page.locator("[data-lc-table] thead th").first.text_content().strip()
    select.select_option(label=f"{first_header} (A–Z)")
    names = column(page, first_header)
    collated = page.evaluate(
        "names => names.slice().sort(new Intl.Collator('en', {numeric: true, sensitivity: 'base'}).compare)", names)
    assert names == collated and len(names) >= 2
    page.screenshot(path=str(artifacts / f"table-{path.strip('/').replace('/', '-')}-phone-{scheme}.png"))


# ---------------------------------------------------------------------------------
# Contrast, type size, record pages


# Material's palette: its scheme names, by the colour scheme the reader's system asks for
PALETTE = {"light": "default", "dark": "slate"}
PALETTE_TOGGLE = "form[data-md-component=palette] label:not([hidden])"


@pytest.mark.parametrize("path", ["", "papers/yarn/", "papers/unsummarised/", "papers/notes-in-markdown/",
                                  "explorer/", *TABLE_PAGES])
def test_text_meets_aa_contrast(open_page: OpenPage, path: str) -> None:
    """Both screen sizes in both colour schemes, in one page per path: loaded as the system's light
    scheme asks, then switched with the palette toggle and resized as a reader would, each change
    checked to have taken effect before the contrast is measured (the page loaded in the dark
    scheme is measured below, in test_the_contrast_check_catches_low_contrast)."""
    page = open_page(path, viewport=DESKTOP, color_scheme="light")
    if path == "explorer/":
        page.wait_for_selector("[data-lc-explorer].lc-x-ready")
    # as loaded, the toggle, a phone's width, the toggle again: each screen size in each scheme
    steps = [(DESKTOP, "light", False), (DESKTOP, "dark", True), (PHONE, "dark", False), (PHONE, "light", True)]
    failing = {}
    for viewport, scheme, toggle in steps:
        if toggle:
            # The colours the reader ends with: transitions off (those of rows the explorer skips
            # while off screen, content-visibility: auto, stay frozen at their start until shown).
            page.add_style_tag(content="*, *::before, *::after { transition: none !important }")
            page.locator(PALETTE_TOGGLE).click()
        page.set_viewport_size(viewport)
        page.wait_for_function(f"window.innerWidth === {viewport['width']}")
        page.wait_for_function(f"document.body.dataset.mdColorScheme === '{PALETTE[scheme]}'")
        settled(page)  # fade-ins finish
        screen = next(name for name, size in SCREENS if size == viewport)
        failing[screen, scheme] = page.evaluate(CONTRAST_JS, ".md-content")
        if path == "papers/yarn/":  # the outline "Code" button was among the texts measured
            assert page.evaluate("document.querySelectorAll('.md-content .md-button').length") >= 2
    assert sorted(failing) == sorted((s, c) for s, _ in SCREENS for c in SCHEMES)
    assert all(found == [] for found in failing.values()), failing


def test_the_contrast_check_catches_low_contrast(open_page: OpenPage) -> None:
    page = open_page("papers/yarn/", color_scheme="dark")
    page.add_style_tag(content=".md-typeset .md-button:not(.md-button--primary) { color: #4051b5 !important }")
    settled(page)  # Material's buttons fade between colours
    failing = page.evaluate(CONTRAST_JS, ".md-content")
    assert "Code" in [f["text"] for f in failing]
    assert all(f["cls"] == "md-button" and f["ratio"] < 3 for f in failing), failing  # Material's indigo on slate


@pytest.mark.parametrize(("screen", "viewport"), SCREENS)
def test_tldr_is_body_size(open_page: OpenPage, screen: str, viewport: dict[str, int]) -> None:
    page = open_page("papers/yarn/", viewport=viewport)
    tldr = page.locator(".admonition.tldr p:not(.admonition-title)").first
    body = page.locator("article.md-typeset")
    size = tldr.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
    assert size == body.evaluate("a => parseFloat(getComputedStyle(a).fontSize)")
    meta = page.locator(".longctx-meta").evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
    assert size >= meta


def test_notes_render_as_markdown_and_run_nothing(open_page: OpenPage) -> None:
    page = open_page("papers/notes-in-markdown/")
    notes = page.locator("article p", has_text="Notes.")
    link = notes.locator("a", has_text="tutorial notebook")
    assert link.get_attribute("href") == "https://example.org/tutorial_notebook.ipynb"
    assert notes.locator("em").inner_text() == "worth reading"
    assert notes.locator("code").inner_text() == "pip install x<2"
    assert "<script>alert(3)</script> stays text." in notes.inner_text()
    assert "[tutorial" not in notes.inner_text()
    assert page.locator("article p", has_text="A second paragraph.").count() == 1


def test_a_tex_title_is_shown_typeset(open_page: OpenPage) -> None:
    page = open_page("papers/e2-llm/")
    assert page.locator("article h1").inner_text().startswith("E²-LLM: Efficient")
    assert "^" not in page.title()


def test_a_page_without_summary_asks_for_one(open_page: OpenPage) -> None:
    page = open_page("papers/unsummarised/")
    wanted = page.locator(".admonition", has_text="Summary wanted")
    assert wanted.is_visible()
    assert wanted.locator("a", has_text="contributing guide").count() == 1
    assert page.locator(".admonition.tldr").count() == 0
    # headings that follow each have content: no empty sections
    empty = page.evaluate("""() => [...document.querySelectorAll('article h2')].filter(h => {
        const next = h.nextElementSibling; return !next || /^H[12]$/.test(next.tagName); }).map(h => h.textContent)""")
    assert empty == []
    summarised = open_page("papers/yarn/")
    assert summarised.locator(".admonition", has_text="Summary wanted").count() == 0

