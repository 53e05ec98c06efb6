"""Shared fixtures: small, self-contained catalogues built in a temporary folder.

Tests never depend on the shipped catalogue's content (that changes as papers are
added); they build the catalogue they need with :func:`make_catalog`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2026, 11, 22)

MINI_TAXONOMY = """\
- id: methodology
  title: Methodology
  description: Ways to handle long inputs.
  children:
    - id: extended-rope
      title: Extended RoPE
      children:
        - id: rope-scaling
          title: Scaling Strategies
        - id: rope-truncation
          title: Truncation Strategies
    - id: sparse-attention
      title: Sparse Attention
- id: evaluation
  title: Evaluation
  children:
    - id: datasets
      title: Datasets
    - id: baselines
      title: Baselines
- id: toolkits
  title: Toolkits
"""

GOOD_RECORD = """\
id: yarn
title: 'YaRN: Efficient Context Window Extension of Large Language Models'
arxiv: '2309.00071'
authors:
  - Bowen Peng
  - Jeffrey Quesnelle
date: 2023-08-31
venue: ICLR 2024
tags: [rope-scaling]
links:
  paper: https://arxiv.org/abs/2309.00071
code:
  - url: https://github.com/jquesnelle/yarn
    official: true
tldr: Rescales RoPE frequencies so a short fine-tune reaches a much longer window.
status: read
added: 2026-11-20
"""


def write_catalog(root: Path, records: dict[str, str], taxonomy: str = MINI_TAXONOMY,
                  extra: dict[str, str] | None = None) -> Path:
    """Write taxonomy.yaml, papers/<name>.yaml for each record text, and any extra files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "taxonomy.yaml").write_text(taxonomy, encoding="utf-8")
    (root / "papers").mkdir(exist_ok=True)
    for name, text in records.items():
        (root / "papers" / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    for rel, text in (extra or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def make_catalog(tmp_path: Path) -> Callable[..., Path]:
    def make(records: dict[str, str] | None = None, **kwargs: object) -> Path:
        return write_catalog(tmp_path / "catalogue", records if records is not None else {"yarn": GOOD_RECORD},
                             **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture(autouse=True)
def _pinned_today(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make "today" a fixed date so date rules give the same answer every day.

    Tests of the *shipped* catalogue are marked ``real_clock``: its records are added on
    real days, and a record added today must pass pytest exactly as it passes
    ``longctx check`` (a pinned past "today" would call it a future date).
    """
    if request.node.get_closest_marker("real_clock"):
        monkeypatch.delenv("LONGCTX_TODAY", raising=False)
    else:
        monkeypatch.setenv("LONGCTX_TODAY", TODAY.isoformat())


def _is_loopback(host: object) -> bool:
    if host in (None, "", b"", "localhost", b"localhost"):
        return True
    try:
        return ipaddress.ip_address(host.decode() if isinstance(host, bytes) else str(host)).is_loopback
    except ValueError:
        return False


NETGUARD = Path(__file__).parent / "netguard"


@pytest.fixture(autouse=True, scope="session")
def _children_loopback_only() -> Iterator[None]:
    """Every Python a test starts loads tests/netguard/sitecustomize.py: the rule below, in children."""
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), before]))
    yield
    if before is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = before


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No test reaches the network: in this process, looking up or connecting to any host
    that is not loopback fails at once (a lookup would itself send a DNS query).

    Tests must not rely on proxy settings for this (a proxy on 127.0.0.1 would pass a
    loopback check and reach the internet), so tests that make requests also clear the
    proxy variables. The hosts refused are listed in the returned list, for tests that
    want to see that a request was attempted and stopped here.
    """
    refused: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            refused.append(str(host))
            raise socket.gaierror(socket.EAI_NONAME, f"tests reach no network: {host} is not loopback")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            refused.append(str(address[0]))
            raise ConnectionRefusedError(f"tests reach no network: {address[0]} is not loopback")

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return refused


PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                   "no_proxy", "NO_PROXY")


# ---------------------------------------------------------------------------------
# The site, built once per test session (tests/test_site.py and test_site_browser.py)

XSS_TITLE = "<img src=x onerror=alert(1)>"
SITE_EXTRA_FILES = {
    # A record whose title is an HTML injection attempt: it must show as text and run nothing.
    "papers/xss-title.yaml": (
        "id: xss-title\n"
        f"title: '{XSS_TITLE}'\n"
        "authors: [Mallory Quux]\n"
        "date: 2023-05\n"
        "tags: [rope-scaling]\n"
        "tldr: A title that tries to run script in the page.\n"
        "added: 2026-11-02\n"
    ),
    # Enriched metadata for yarn (invented text): the record page shows the abstract, quoted.
    "data/arxiv/2309.00071.yaml": (
        "# Fetched from arXiv by `longctx enrich`; regenerated on refresh. Curate the record in papers/ instead.\n"
        "abstract: We pretend to stretch rotary position embeddings <script>alert(2)</script> and report\n"
        "  numbers for $x$ that nobody measured.\n"
        "authors:\n- name: Bowen Peng\n  affiliations:\n  - Nous Research\n- name: Jeffrey Quesnelle\n"
        "categories:\n- cs.CL\n"
        "id: '2309.00071'\n"
        "primary_category: cs.CL\n"
        "published: '2023-08-31'\n"
        "title: 'YaRN: Efficient Context Window Extension of Large Language Models'\n"
        "updated: '2023-11-01'\n"
        "version: 2\n"
    ),
    # The contributing guide, with the kinds of links a repository's guide has.
    "CONTRIBUTING.md": (
        "# Contributing\n\n"
        "Records live in [`papers/`](papers/); the schema is [here](schema/record.schema.json).\n"
        "Suggest a paper with [the form](../../issues/new?template=suggest-a-paper.yml).\n"
        "Read [the notes](docs/guide/notes.md#why) and [the timeline](docs/timeline.md).\n\n"
        "## Checks\n\nSee [above](#contributing).\n\n"
        "```markdown\n[not a link to fix](papers/)\n```\n"
    ),
    # A hand-written guide next to the generated pages.
    "docs/guide/notes.md": (
        "# Notes for curators\n\n## Why\n\nThe [home page](../index.md) and the "
        "[scaling strategies](../methodology/extended-rope/rope-scaling.md) are generated; "
        "the [taxonomy file](../../taxonomy.yaml) is not part of the site.\n"
    ),
}


def site_env() -> dict[str, str]:
    return {**os.environ, "LONGCTX_TODAY": TODAY.isoformat(), "NO_MKDOCS_2_WARNING": "1"}


def run_longctx(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The real command line, in a subprocess, as a user or CI runs it."""
    return subprocess.run([sys.executable, "-m", "longctx_catalog", "--root", str(root), *args],
                          capture_output=True, text=True, env=site_env(), timeout=timeout)


def make_site_catalogue(root: Path) -> Path:
    """The render fixture catalogue plus the files above: what the site tests build."""
    shutil.copytree(FIXTURES / "render-catalogue", root)
    for rel, text in SITE_EXTRA_FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def build_site_catalogue(root: Path, extra_files: dict[str, str] | None = None) -> Path:
    """``make_site_catalogue`` plus ``extra_files`` (path -> text), built by `longctx build`: the root."""
    make_site_catalogue(root)
    for rel, text in (extra_files or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    result = run_longctx(root, "build")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalogue whose site `longctx build` has built: the root (its site is root / "site")."""
    return build_site_catalogue(tmp_path_factory.mktemp("site") / "catalogue")


# ---------------------------------------------------------------------------------
# The browser tests' fixtures (tests/browser.py has the pieces; each module serves its own
# site as ``base_url``)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: the folder named by LONGCTX_TEST_ARTIFACTS, else pytest's temp folder
    (so a run leaves nothing in the checkout)."""
    from browser import ARTIFACTS_VARIABLE

    chosen = os.environ.get(ARTIFACTS_VARIABLE)
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright, one per test module."""
    from browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def open_page(browser: Any, base_url: str) -> Iterator[Callable[..., Any]]:
    """``open_page(path, viewport=..., color_scheme=..., clipboard=False)`` -> a Playwright page, watched."""
    from browser import page_opener

    with page_opener(browser, base_url) as open_:
        yield open_
