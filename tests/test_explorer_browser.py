"""The explorer, statistics page and feeds of the built site, in Debian's headless Chromium.

The site is served on 127.0.0.1 by a thread running ``http.server``; every page a
test opens is watched: console errors, uncaught exceptions, dialogs (an injected
script running) and requests leaving 127.0.0.1 (refused) fail the test.
Screenshots of the explorer and the statistics page, on a desktop and a phone, go
to the folder LONGCTX_TEST_ARTIFACTS names (else pytest's temp folder).

Skipped only when ``/usr/bin/chromium`` is missing (CI installs the ``chromium``
package); never with a downloaded browser.
"""

from __future__ import annotations

import base64
import csv
import io
import itertools
import json
import re
import unicodedata
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import bibtexparser
import pytest

from browser import DESKTOP, PHONE, OpenPage, needs_chromium, serve, settled
from conftest import build_site_catalogue

ATOM = "{http://www.w3.org/2005/Atom}"

pytestmark = needs_chromium


# ---------------------------------------------------------------------------------
# The site and the browser


EVENTS = """\
- date: 2026-11-23
  record: yarn
  arxiv: '2309.00071'
  kind: new-version
  old: v2
  new: v3
"""


# For relevance: "rope" inside a title word (LongRoPE) and inside a venue word (European).
LONGROPE = """\
id: longrope
title: 'LongRoPE: Extending LLM Context Window Beyond 2 Million Tokens'
arxiv: '2402.13753'
authors: [Yiran Ding]
date: 2024-02-21
tags: [rope-scaling]
tldr: Searches for uneven rescaling factors per dimension and extends the window in stages.
status: read
added: 2026-11-22
"""
ROPE_TITLED = """\
id: rope-scaling-laws
title: Scaling Laws of RoPE-based Extrapolation
authors: [Xiaoran Liu]
date: 2023-10-08
tags: [rope-scaling]
tldr: Relates the rotary base and the tuning length to how far a model extrapolates.
status: read
added: 2026-11-22
"""
EUROPEAN = """\
id: european-venue
title: Hierarchical Summaries of Long Documents
authors: [Ada Example]
date: 2024-03
venue: European Chapter of the ACL 2024
tags: [sparse-attention]
tldr: Summarises each section, then the summaries.
status: read
added: 2026-11-22
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site tests' catalogue, with an arXiv event and two records for relevance, built by `longctx build`."""
    root = build_site_catalogue(tmp_path_factory.mktemp("explorer") / "catalogue",
                                {"data/arxiv/events.yaml": EVENTS, "papers/longrope.yaml": LONGROPE,
                                 "papers/rope-scaling-laws.yaml": ROPE_TITLED,
                                 "papers/european-venue.yaml": EUROPEAN})
    return root / "site"


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve(site) as url:
        yield url


# ---------------------------------------------------------------------------------
# Helpers


def explorer_data(site: Path) -> dict[str, Any]:
    return json.loads((site / "explorer.json").read_text(encoding="utf-8"))


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


# The explorer's relevance rules, written again here from their description (explorer.js):
# title 10, TL;DR 4, authors 2, venue 2; whole word 4, word start 3, inside a word 1 (title
# and TL;DR only); every word must match somewhere; best first, then the data's order.
FIELDS = (("t", 10, True), ("x", 4, True), ("a", 2, False), ("v", 2, False))
WORD = r"[a-z0-9\u0080-\U0010ffff]"


def how(text: str, term: str) -> int:
    t = re.escape(term)
    if re.search(rf"(?<!{WORD}){t}(?!{WORD})", text):
        return 4
    if re.search(rf"(?<!{WORD}){t}", text):
        return 3
    return 1 if term in text else 0


def relevance(row: dict[str, Any], terms: list[str]) -> int:
    total = 0
    for term in terms:
        points = 0
        for key, weight, inside in FIELDS:
            h = how(fold(row.get(key, "")), term)
            points += weight * (0 if h == 1 and not inside else h)
        if not points:
            return 0
        total += points
    return total


def matching(site: Path, words: str) -> list[str]:
    """Ids of the rows a text filter should keep, computed here from the data, best match first."""
    terms = fold(words).split()
    rows = explorer_data(site)["rows"]
    scored = [(relevance(row, terms), n, row["i"]) for n, row in enumerate(rows)]
    return [i for score, n, i in sorted(scored, key=lambda x: (-x[0], x[1])) if score]


def under(site: Path, node_id: str) -> set[str]:
    data = explorer_data(site)
    nodes = data["nodes"]
    index = {n[0]: j for j, n in enumerate(nodes)}

    def inside(j: int) -> bool:
        while j >= 0:
            if j == index[node_id]:
                return True
            j = nodes[j][2]
        return False

    return {r["i"] for r in data["rows"] if any(inside(j) for j in r.get("n", []))}


def ready(page: Any) -> Any:
    page.wait_for_selector("[data-lc-explorer].lc-x-ready")
    return page


def shown_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all(".lc-x-tbody .lc-x-row", "rows => rows.map(r => r.dataset.id)")


def settle(page: Any, shows: str) -> None:
    """Wait until the address bar has caught up with the view (it is updated a moment later)."""
    page.wait_for_function(f"() => location.search.includes({json.dumps(shows)})")


# ---------------------------------------------------------------------------------
# The explorer


def test_explorer_lists_every_record(open_page: OpenPage, site: Path) -> None:
    page = ready(open_page("explorer/"))
    rows = explorer_data(site)["rows"]
    assert shown_ids(page) == [r["i"] for r in rows]  # newest first, as the data is ordered
    assert page.text_content(".lc-x-status") == f"{len(rows)} records"


def test_typing_filters_rows(open_page: OpenPage, site: Path) -> None:
    page = ready(open_page("explorer/"))
    page.locator(".lc-x-q").press_sequentially("rope")
    expected = matching(site, "rope")
    assert 0 < len(expected) < len(explorer_data(site)["rows"])
    page.wait_for_function(f"document.querySelectorAll('.lc-x-tbody .lc-x-row').length === {len(expected)}")
    assert shown_ids(page) == expected
    page.locator(".lc-x-q").press_sequentially(" peng")  # every word must match, authors included
    expected = matching(site, "rope peng")
    page.wait_for_function(f"document.querySelectorAll('.lc-x-tbody .lc-x-row').length === {len(expected)}")
    assert shown_ids(page) == expected and "yarn" in expected
    for _ in " peng":  # deleting brings rows back, in their places
        page.locator(".lc-x-q").press("Backspace")
    assert shown_ids(page) == matching(site, "rope")
    page.locator(".lc-x-q").fill("no such words anywhere")
    page.wait_for_selector(".lc-x-empty:not([hidden])")
    assert shown_ids(page) == []
    page.locator(".lc-x-q").fill("")
    assert shown_ids(page) == [r["i"] for r in explorer_data(site)["rows"]]


@pytest.mark.parametrize(("viewport", "scheme"), [(DESKTOP, "light"), (PHONE, "dark")], ids=["desktop", "phone"])
def test_relevance_ranks_title_words_first_and_skips_inner_venue_matches(
        open_page: OpenPage, site: Path, viewport: dict[str, int], scheme: str) -> None:
    page = ready(open_page("explorer/", viewport=viewport, color_scheme=scheme))
    page.locator(".lc-x-q").fill("rope")
    expected = matching(site, "rope")
    page.wait_for_function(f"document.querySelectorAll('.lc-x-tbody .lc-x-row').length === {len(expected)}")
    shown = shown_ids(page)
    assert shown == expected
    # LongRoPE is found, below every work with RoPE as a word of its title; "European" is no match
    titled = [r["i"] for r in explorer_data(site)["rows"] if re.search(r"\brope\b", fold(r["t"]))]
    assert titled and "longrope" in shown and all(shown.index(i) < shown.index("longrope") for i in titled)
    assert "european-venue" not in shown
    # relevance is the order only while a word is typed, and only until a column is chosen
    assert page.get_attribute('[data-sort="date"]', "aria-sort") is None
    if viewport == DESKTOP:
        page.locator('[data-sort="date"] button').click()
    else:  # phones sort with the menu
        page.locator(".lc-x-sort").select_option("-date")
    dates = page.eval_on_selector_all(".lc-x-tbody .lc-x-c-date", "cells => cells.map(c => c.textContent)")
    assert [d for d in dates if d != "—"] == sorted((d for d in dates if d != "—"), reverse=True)
    assert sorted(shown_ids(page)) == sorted(expected)
    page.locator(".lc-x-sort").select_option("rank")
    page.locator(".lc-x-q").fill("")
    assert shown_ids(page) == [r["i"] for r in explorer_data(site)["rows"]]  # no words: newest first
    assert page.get_attribute('[data-sort="date"]', "aria-sort") == "descending"


def test_a_facet_narrows_rows_and_counts_follow(open_page: OpenPage, site: Path) -> None:
    page = ready(open_page("explorer/"))
    total = len(shown_ids(page))
    item = page.locator(".lc-x-tree li", has_text="Extended RoPE")
    expected = under(site, "extended-rope")
    assert item.locator(".lc-x-count").text_content() == str(len(expected))
    item.locator("input").check()
    assert set(shown_ids(page)) == expected and len(expected) < total
    # a second facet narrows further: official code only
    page.locator('[data-facet="code"] .lc-x-chip', has_text="Official code").click()
    data = {r["i"]: r for r in explorer_data(site)["rows"]}
    assert set(shown_ids(page)) == {i for i in expected if data[i].get("c") == 2}
    assert page.locator(".lc-x-toggle").text_content() == "Filters (2)"
    page.locator(".lc-x-head .lc-x-clear").click()
    assert len(shown_ids(page)) == total


def test_sorting_by_date_orders_rows(open_page: OpenPage, site: Path) -> None:
    page = ready(open_page("explorer/"))
    data = {r["i"]: r for r in explorer_data(site)["rows"]}

    def dates() -> list[str]:
        return [data[i].get("d", "") for i in shown_ids(page)]

    newest_first = dates()
    dated = [d for d in newest_first if d]
    assert dated == sorted(dated, reverse=True)
    page.locator('[data-sort="date"] button').click()  # the column is sorted newest first: now oldest first
    assert page.get_attribute('[data-sort="date"]', "aria-sort") == "ascending"
    oldest_first = dates()
    dated = [d for d in oldest_first if d]
    assert dated == sorted(dated) and dated[0] < dated[-1]
    assert oldest_first[len(dated):] == [""] * (len(oldest_first) - len(dated))  # undated stay last
    page.locator('[data-sort="title"] button').click()
    titles = [data[i]["t"].casefold() for i in shown_ids(page)]
    assert titles[0] <= titles[-1]


def test_three_clicks_from_a_survey_page_then_one_to_cite(open_page: OpenPage, site: Path) -> None:
    """Issue 5's yardstick: every extended-RoPE work since 2023 with official code, then its BibTeX."""
    page = open_page("methodology/extended-rope/")
    page.locator(".md-content a", has_text="cite them in the explorer").click()  # 1
    ready(page)
    page.locator('[data-facet="year"] .lc-x-chip', has_text="Since 2023").click()  # 2
    page.locator('[data-facet="code"] .lc-x-chip', has_text="Official code").click()  # 3
    rows = {r["i"]: r for r in explorer_data(site)["rows"]}
    expected = [i for i in rows if i in under(site, "extended-rope") and rows[i].get("c") == 2
                and rows[i].get("d", "0")[:4] >= "2023"]
    assert expected and shown_ids(page) == expected
    with page.expect_download() as info:
        page.locator('[data-download="bib"]').click()  # cite
    library = bibtexparser.parse_string(Path(info.value.path()).read_text(encoding="utf-8"))
    assert len(library.entries) == len(expected) and library.failed_blocks == []


def test_a_shared_url_restores_the_view(open_page: OpenPage, site: Path) -> None:
    page = ready(open_page("explorer/"))
    page.locator(".lc-x-q").press_sequentially("context")
    page.locator(".lc-x-tree li", has_text="Methodology").first.locator("input").check()
    page.locator('[data-facet="year"] .lc-x-chip', has_text="Since 2023").click()
    page.locator('[data-sort="title"] button').click()
    settle(page, "sort=title")  # the last change made
    url = page.url
    query = parse_qs(urlsplit(url).query)
    assert query == {"text": ["context"], "topic": ["methodology"], "from": ["2023"], "sort": ["title"]}
    view = shown_ids(page)
    assert view
    again = ready(open_page(url.split("/", 3)[3]))  # a new tab opening the shared link
    assert shown_ids(again) == view
    assert again.input_value(".lc-x-q") == "context"
    assert again.locator(".lc-x-tree li", has_text="Methodology").first.locator("input").is_checked()
    assert again.get_attribute('[data-sort="title"]', "aria-sort") == "ascending"
    assert again.locator('[data-facet="year"] .lc-x-chip[aria-pressed="true"]').text_content().startswith(
        "Since 2023")
    again.reload()
    ready(again)
    assert shown_ids(again) == view


def test_filtered_bib_download_holds_exactly_the_visible_records(open_page: OpenPage, site: Path) -> None:
    page = ready(open_page("explorer/"))
    page.locator(".lc-x-tree li", has_text="Methodology").first.locator("input").check()
    visible = shown_ids(page)
    assert 1 < len(visible) < len(explorer_data(site)["rows"])
    with page.expect_download() as info:
        page.locator('[data-download="bib"]').click()
    download = info.value
    assert download.suggested_filename.endswith(".bib")
    text = Path(download.path()).read_text(encoding="utf-8")
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    entries = json.loads((site / "explorer-bib.json").read_text(encoding="utf-8"))["entries"]
    expected = [bibtexparser.parse_string(entries[i]).entries[0].key for i in visible]
    assert [e.key for e in library.entries] == expected


def test_filtered_csv_download(open_page: OpenPage, site: Path) -> None:
    page = ready(open_page("explorer/?kind=model"))
    visible = shown_ids(page)
    assert visible and len(visible) < len(explorer_data(site)["rows"])
    with page.expect_download() as info:
        page.locator('[data-download="csv"]').click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == visible
    assert all(r["kind"] == "model" for r in rows)
    assert all(r["page"].startswith("http://127.0.0.1:") and r["page"].endswith(f"/papers/{r['id']}/")
               for r in rows)


def test_hostile_title_shows_as_text(open_page: OpenPage) -> None:
    page = ready(open_page("explorer/?text=alert"))
    titles = page.eval_on_selector_all(".lc-x-tbody a.lc-x-title", "links => links.map(a => a.textContent)")
    assert any("<script>alert(1)</script>" in t for t in titles)
    assert page.locator(".lc-x-tbody script, .lc-x-tbody img").count() == 0


def test_explorer_starts_after_instant_navigation(open_page: OpenPage) -> None:
    page = open_page("")
    page.locator(".md-content a[href$='explorer/']").first.click()  # Material's instant navigation: no page load
    ready(page)
    assert len(shown_ids(page)) > 1
    page.locator(".md-content a[href$='statistics/']").first.click()
    page.wait_for_selector("svg.lc-chart")
    page.go_back()
    ready(page)
    assert len(shown_ids(page)) > 1


def test_phone_layout_does_not_overflow(open_page: OpenPage) -> None:
    page = ready(open_page("explorer/", viewport=PHONE))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator(".lc-x-facets").is_hidden()  # behind the Filters button
    page.locator(".lc-x-toggle").click()
    assert page.locator(".lc-x-facets").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# ---------------------------------------------------------------------------------
# Statistics, feeds, downloads


def test_statistics_charts_have_titles(open_page: OpenPage) -> None:
    page = open_page("statistics/")
    charts = page.locator("svg.lc-chart")
    assert charts.count() == 4
    for i in range(4):
        chart = charts.nth(i)
        assert chart.get_attribute("role") == "img"
        title = chart.locator(":scope > title").text_content()
        assert title and chart.locator(":scope > desc").text_content()
        assert chart.bounding_box()["width"] > 300
    assert page.locator("details.lc-numbers table").count() == 4
    # series colours follow the colour scheme when the reader switches it
    fill = "e => getComputedStyle(e).fill"
    light = page.eval_on_selector(".lc-chart .lc-series-0", fill)
    page.locator("form[data-md-component='palette'] label:not([hidden])").click()
    page.wait_for_selector("body[data-md-color-scheme='slate']")
    dark = page.eval_on_selector(".lc-chart .lc-series-0", fill)
    assert light == "rgb(0, 114, 178)" and dark == "rgb(86, 180, 233)"


def test_every_page_announces_the_feed(open_page: OpenPage, base_url: str, site: Path) -> None:
    for path in ("", "explorer/", "statistics/", "papers/yarn/"):
        page = open_page(path)
        href = page.get_attribute('head link[rel="alternate"][type="application/atom+xml"]', "href")
        assert href, path
        assert page.evaluate(f"new URL({json.dumps(href)}, location.href).href") == base_url + "feed.xml"


def test_feed_parses_and_carries_the_newest_record(base_url: str, site: Path) -> None:
    with urllib.request.urlopen(base_url + "feed.xml") as response:
        feed = ET.fromstring(response.read())
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{tag}") is not None, tag
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    newest = max(json.loads((site / "catalogue.json").read_text(encoding="utf-8"))["records"],
                 key=lambda r: (r.get("added", ""), r.get("date", ""), r["id"]))
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert newest["title"] in titles
    for entry in entries:
        link = entry.find(f"{ATOM}link").get("href")
        with urllib.request.urlopen(base_url + link) as page:  # every entry links to a real page
            assert page.status == 200


def test_downloads_are_linked_and_served(open_page: OpenPage, base_url: str) -> None:
    page = open_page("explorer/")
    hrefs = page.eval_on_selector_all(".md-content a[href$='.bib'], .md-content a[href$='.json'], "
                                      ".md-content a[href$='.xml']", "links => links.map(a => a.href)")
    names = {h.rsplit("/", 1)[1] for h in hrefs}
    assert {"catalogue.bib", "catalogue.json", "catalogue.schema.json", "feed.xml", "explorer.json"} <= names
    for href in hrefs:
        with urllib.request.urlopen(href) as response:
            assert response.status == 200, href
    with urllib.request.urlopen(base_url + "catalogue.bib") as response:
        assert bibtexparser.parse_string(response.read().decode("utf-8")).failed_blocks == []


# ---------------------------------------------------------------------------------
# Screenshots


# The pixels a screenshot holds, measured in the page itself (no image library needed):
# its size, mean luminance (0-255) and how many distinct colours (4 bits a channel) it has.
PIXELS_JS = """async (b64) => {
  const img = new Image();
  img.src = "data:image/png;base64," + b64;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.width; canvas.height = img.height;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, img.width, img.height).data;
  let sum = 0; const colours = new Set();
  for (let i = 0; i < d.length; i += 4) {
    sum += 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
    colours.add(((d[i] >> 4) << 8) | ((d[i + 1] >> 4) << 4) | (d[i + 2] >> 4));
  }
  return {width: img.width, height: img.height, mean: sum / (d.length / 4), colours: colours.size};
}"""


def pixels(page: Any, png: bytes) -> dict[str, float]:
    return page.evaluate(PIXELS_JS, base64.b64encode(png).decode("ascii"))


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not displayed"
    return found


SCREENS = [
    ("explorer-desktop", "explorer/", DESKTOP, "light"),
    ("explorer-desktop-dark", "explorer/?topic=extended-rope&from=2023&code=official", DESKTOP, "dark"),
    ("explorer-phone", "explorer/", PHONE, "light"),
    ("statistics-desktop", "statistics/", DESKTOP, "light"),
    ("statistics-desktop-dark", "statistics/", DESKTOP, "dark"),
    ("statistics-phone", "statistics/", PHONE, "light"),
]


@pytest.mark.parametrize(("name", "path", "viewport", "scheme"), SCREENS, ids=[s[0] for s in SCREENS])
def test_screenshots(open_page: OpenPage, site: Path, artifacts: Path, name: str, path: str, viewport: dict[str, int],
                     scheme: str) -> None:
    page = open_page(path, viewport=viewport, color_scheme=scheme)
    width = viewport["width"]
    # layout facts the screenshot must show
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sticks out sideways
    if path.startswith("explorer"):
        ready(page)
        rows = shown_ids(page)
        if "?" in path:  # the view in the address: extended RoPE, from 2023, official code
            data = {r["i"]: r for r in explorer_data(site)["rows"]}
            expected = [i for i in data if i in under(site, "extended-rope") and data[i].get("c") == 2
                        and int(data[i].get("d", "0")[:4]) >= 2023]
            assert 0 < len(rows) < len(data) and rows == expected
        else:
            assert rows == [r["i"] for r in explorer_data(site)["rows"]]
        table = box(page, ".lc-x-table")
        assert table["x"] >= 0 and table["x"] + table["width"] <= width and table["height"] > 0
        if viewport is DESKTOP:  # the filters beside the table, side by side
            facets = box(page, ".lc-x-facets")
            assert facets["x"] + facets["width"] <= table["x"] and facets["y"] < table["y"] + table["height"]
        else:  # on a phone the filters wait behind their button
            assert page.locator(".lc-x-facets").is_hidden() and page.locator(".lc-x-toggle").is_visible()
        shot = pixels(page, page.locator(".lc-x-tbody .lc-x-row").first.screenshot())
        assert shot["colours"] >= 4, "the first row shows nothing"
    else:
        charts = page.locator("svg.lc-chart")
        assert charts.count() == 4
        boxes = [charts.nth(i).bounding_box() for i in range(4)]
        for i, b in enumerate(boxes):
            assert b is not None and b["x"] >= 0 and b["x"] + b["width"] <= width and b["height"] > 50, i
            chart = pixels(page, charts.nth(i).screenshot())
            assert chart["colours"] >= 4, f"chart {i} is blank"
        for upper, lower in itertools.pairwise(boxes):
            assert upper["y"] + upper["height"] <= lower["y"] or upper["x"] + upper["width"] <= lower["x"]
    settled(page)
    png = page.screenshot(path=str(artifacts / f"{name}.png"), full_page=path.startswith("statistics"))
    whole = pixels(page, png)
    assert whole["width"] == width and whole["height"] >= viewport["height"]
    assert whole["colours"] >= 16
    # the colour scheme asked for is the one painted: white paper or Material's dark slate
    if scheme == "light":
        assert whole["mean"] > 200, whole
    else:
        assert whole["mean"] < 80, whole
