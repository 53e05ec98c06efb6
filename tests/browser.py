"""The browser harness the site and explorer tests share.

A built site is served on 127.0.0.1 by a thread running ``http.server`` and opened in
Debian's headless Chromium through Playwright (never a downloaded browser). Every page
a test opens is watched: console errors, uncaught exceptions, dialogs (an injected
script running) and requests leaving 127.0.0.1 (routed and refused) fail the test when
its pages close. The ``browser`` and ``open_page`` fixtures (in conftest.py) are built
from these pieces; a test module provides ``base_url``, the site it serves.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS_VARIABLE = "LONGCTX_TEST_ARTIFACTS"  # a folder to keep the screenshots in, for a person to look at
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium; CI does)",
)

OpenPage = Callable[..., Any]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # the requests are not worth a line each
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # a page closed while a file was on its way
            return
        super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on a free port of 127.0.0.1; yields its base URL (ending in ``/``)."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, launched through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watched:
    """What pages did that they must not: each list must stay empty."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)

    def check(self) -> None:
        assert self.dialogs == [], "a dialog opened: injected script ran"
        assert self.outside_requests == [], "requests left 127.0.0.1"
        assert self.page_errors == []
        assert self.console_errors == []


@contextlib.contextmanager
def page_opener(browser: Any, base_url: str) -> Iterator[OpenPage]:
    """``open_(path, viewport=..., color_scheme=..., clipboard=False, wait_until="load")`` -> a watched page.

    On exit every page's context is closed and what the pages did wrong fails the test.
    """
    watched = Watched()
    contexts = []

    def route(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            watched.outside_requests.append(route.request.url)
            route.abort()

    def open_(path: str, *, viewport: dict[str, int] = DESKTOP, color_scheme: str = "light",
              clipboard: bool = False, wait_until: str = "load") -> Any:
        context = browser.new_context(viewport=viewport, color_scheme=color_scheme, device_scale_factor=1,
                                      accept_downloads=True)
        contexts.append(context)
        if clipboard:
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: watched.console_errors.append(f"{m.text} ({m.location.get('url')})")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: watched.page_errors.append(str(e)))
        page.on("dialog", lambda d: (watched.dialogs.append(d.message), d.dismiss()))
        # "load": the page and its scripts are in; tests then wait for what they need (the
        # explorer's ready class, a search result), not for the network to fall idle, which
        # costs 500 ms a page and never comes while a live-reload poll is open.
        page.goto(base_url + path, wait_until=wait_until)  # type: ignore[arg-type]
        return page

    yield open_
    for context in contexts:
        context.close()
    watched.check()


# Material fades its header and tabs in; a screenshot waits until no animation or transition runs.
ANIMATIONS_DONE = "() => document.getAnimations().every(a => a.playState !== 'running')"


def settled(page: Any) -> Any:
    """``page`` once every CSS animation and transition on it has finished."""
    page.wait_for_function(ANIMATIONS_DONE)
    return page
