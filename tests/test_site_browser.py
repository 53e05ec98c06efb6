"""The built site in a real browser: Debian's Chromium, headless, driven by Playwright.

The site (built once per session by the ``built_site`` fixture) is served on
127.0.0.1 by a thread running ``http.server``. Every page a test opens is watched:
console errors, uncaught exceptions, dialogs (``alert`` from an injected script)
and any request leaving 127.0.0.1 (routed and refused) fail the test. Screenshots
of the home page and a record page, on a desktop and a phone screen, in light and
dark mode, are kept when LONGCTX_TEST_ARTIFACTS names a folder.

Skipped only when ``/usr/bin/chromium`` is missing (CI installs the ``chromium``
package); never with a downloaded browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import DESKTOP, PHONE, OpenPage, needs_chromium, serve, settled
from conftest import XSS_TITLE

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def base_url(built_site: Path) -> Iterator[str]:
    with serve(built_site / "site") as url:
        yield url


def _shot(page: Any, folder: Path, name: str) -> None:
    settled(page)  # Material's fade-ins (tabs, header) finished
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("screen", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_home_page_renders(open_page: OpenPage, artifacts: Path, screen: str, viewport: dict[str, int],
                           scheme: str) -> None:
    page = open_page("", viewport=viewport, color_scheme=scheme)
    assert page.locator("article h1").first.inner_text().startswith("Long-context LLM research, mapped")
    assert page.locator(".longctx-stats").is_visible()
    assert page.locator(".grid.cards").is_visible()
    assert page.locator("article a[href$='/papers/longbench/']").first.is_visible()
    expected = "slate" if scheme == "dark" else "default"
    assert page.locator("body").get_attribute("data-md-color-scheme") == expected
    _shot(page, artifacts, f"site-home-{screen}-{scheme}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("screen", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_record_page_renders(open_page: OpenPage, artifacts: Path, screen: str, viewport: dict[str, int],
                             scheme: str) -> None:
    page = open_page("papers/yarn/", viewport=viewport, color_scheme=scheme)
    article = page.locator("article")
    assert article.locator("h1").inner_text().startswith("YaRN: Efficient Context Window Extension")
    assert "Bowen Peng (Nous Research)" in article.locator(".longctx-authors").inner_text()
    assert article.locator(".admonition.tldr").is_visible()
    assert "<script>alert(2)</script>" in article.locator(".admonition.quote").inner_text()  # shown, not run
    assert article.locator("a.md-button--primary").get_attribute("href") == "https://arxiv.org/abs/2309.00071"
    assert article.locator("code.language-bibtex").inner_text().startswith("@article{peng2023yarn,")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], "the page scrolls sideways"
    _shot(page, artifacts, f"site-record-{screen}-{scheme}")


def test_search_finds_a_paper_by_author_title_and_tldr(open_page: OpenPage) -> None:
    page = open_page("")
    box = page.locator("input.md-search__input")
    for query in ("Quesnelle", "Efficient Context Window", "unevenly"):  # an author, the title, the TL;DR
        box.click()
        box.fill("")
        box.press_sequentially(query, delay=20)  # Material searches as keys are typed
        result = page.locator(".md-search-result__item").filter(has_text="YaRN: Efficient Context Window").first
        result.wait_for(state="visible", timeout=15000)
        assert "/papers/yarn/" in (result.locator("a").first.get_attribute("href") or "")
    result.locator("a").first.click()
    page.wait_for_url("**/papers/yarn/**")
    assert page.locator("article h1").inner_text().startswith("YaRN")


def test_dark_mode_toggle(open_page: OpenPage) -> None:
    page = open_page("papers/yarn/")
    body = page.locator("body")
    assert body.get_attribute("data-md-color-scheme") == "default"
    page.locator("form[data-md-component='palette'] label:not([hidden])").click()
    assert body.get_attribute("data-md-color-scheme") == "slate"
    page.reload(wait_until="load")  # the choice is remembered
    assert body.get_attribute("data-md-color-scheme") == "slate"
    page.locator("form[data-md-component='palette'] label:not([hidden])").click()
    assert body.get_attribute("data-md-color-scheme") == "default"


def test_bibtex_copy_button_copies(open_page: OpenPage) -> None:
    page = open_page("papers/yarn/", clipboard=True)
    block = page.locator("pre:has(code.language-bibtex)")
    block.hover()
    block.locator("button[data-md-type='copy']").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    record = (Path(__file__).parent / "fixtures/render-catalogue/papers/yarn.yaml").read_text(encoding="utf-8")
    expected = "\n".join(line[2:] for line in record.split("bibtex: |-\n", 1)[1].splitlines())
    assert copied.strip() == expected.strip()


def test_a_hostile_title_is_text_and_runs_nothing(open_page: OpenPage, base_url: str) -> None:
    page = open_page("papers/xss-title/")
    heading = page.locator("article h1").evaluate("h => h.firstChild.textContent")
    assert heading == XSS_TITLE
    assert page.title().startswith(XSS_TITLE)
    assert page.locator("img[src='x']").count() == 0
    for path in ("methodology/extended-rope/rope-scaling/", "timeline/", "techniques/", "papers/hostile/"):
        page.goto(base_url + path, wait_until="load")
        assert page.locator("img[src='x']").count() == 0, path
        assert page.locator("article script").count() == 0, path
    # the watcher's dialog check (at teardown) is what proves no onerror ran


def test_navigation_between_pages(open_page: OpenPage) -> None:
    page = open_page("")
    page.locator(".md-tabs__link", has_text="Methodology").click()
    page.wait_for_url("**/methodology/")
    assert page.locator("article h1").inner_text().startswith("Methodology")
    page.locator("article a", has_text="YaRN").first.click()
    page.wait_for_url("**/papers/yarn/")
    page.locator("article a", has_text="Scaling Strategies").first.click()
    page.wait_for_url("**/rope-scaling/**")
    assert page.locator("article h1").inner_text().startswith("Scaling Strategies")
