"""A stand-in for arXiv's query API on 127.0.0.1, so tests run the real ``arxiv`` client offline.

It answers ``id_list`` queries, and the ``search_query`` listings ``discover`` asks for
(categories, a window of submission dates, a phrase; paged by ``start`` and
``max_results`` with ``totalResults``), the way export.arxiv.org does: Atom feeds with the
``arxiv:`` and ``opensearch:`` extensions, the latest version for an id without
version, ids it does not know left out while ``totalResults`` still counts every id
asked (the behaviour behind lukasschwab/arxiv.py#82), and HTTP 400 with an error
feed for a malformed id. Tests script faults per request and read back every request.
The papers it knows come from ``fixtures/arxiv/papers.yaml``; all of them are invented.
"""

from __future__ import annotations

import contextlib
import copy
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import yaml

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
ERROR_FEED = (FIXTURES / "error-400.xml").read_text(encoding="utf-8")
# What this fake accepts as an id; tests add stricter refusals with FakeArxiv.reject.
ID_SHAPE = re.compile(r"(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?\Z")


@dataclass
class Paper:
    id: str
    title: str
    authors: list[dict]
    abstract: str
    primary: str
    categories: list[str]
    versions: list[str]  # submission time of v1, v2, ...
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None


def load_papers() -> dict[str, Paper]:
    data = yaml.safe_load((FIXTURES / "papers.yaml").read_text(encoding="utf-8"))
    return {p["id"]: Paper(**p) for p in data}


def load_listing() -> list[Paper]:
    """Invented papers of one week (2026-11-16 to 2026-11-22), long-context work mixed with other ML work.

    Each carries ``on_topic`` in the fixture so tests can check the ranking; the server ignores it.
    """
    data = yaml.safe_load((FIXTURES / "listing.yaml").read_text(encoding="utf-8"))
    return [Paper(**{k: v for k, v in p.items() if k != "on_topic"}) for p in data]


def on_topic_ids() -> set[str]:
    data = yaml.safe_load((FIXTURES / "listing.yaml").read_text(encoding="utf-8"))
    return {p["id"] for p in data if p["on_topic"]}


def generated_paper(n: int) -> Paper:
    """Invented paper number ``n`` (id 2501.NNNNN), for tests that need many."""
    return Paper(
        id=f"2501.{n:05d}",
        title=f"Invented Long-Context Study Number {n}",
        authors=[{"name": f"Author {n}"}, {"name": "Shared Coauthor", "affiliations": ["Test Lab"]}],
        abstract=f"Invented abstract {n}.",
        primary="cs.CL",
        categories=["cs.CL"],
        versions=["2025-01-06T10:00:00Z"],
    )


@dataclass
class Request:
    path: str
    params: dict[str, str]
    at: float  # time.monotonic() when it arrived

    @property
    def ids(self) -> list[str]:
        raw = self.params.get("id_list", "")
        return raw.split(",") if raw else []


def entry_xml(paper: Paper, version: int) -> str:
    def el(tag: str, text: str | None) -> str:
        return f"    <{tag}>{escape(text)}</{tag}>\n" if text else ""

    vid = f"{paper.id}v{version}"
    authors = "".join(
        "    <author>\n      <name>" + escape(a["name"]) + "</name>\n"
        + "".join(f"      <arxiv:affiliation>{escape(x)}</arxiv:affiliation>\n" for x in a.get("affiliations", []))
        + "    </author>\n"
        for a in paper.authors
    )
    categories = "".join(f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>\n'
                         for c in paper.categories)
    return (
        "  <entry>\n"
        f"    <id>http://arxiv.org/abs/{vid}</id>\n"
        + el("title", paper.title)
        + el("updated", paper.versions[version - 1])
        + f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>\n'
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>\n'
        + el("summary", paper.abstract)
        + categories
        + el("published", paper.versions[0])
        + el("arxiv:comment", paper.comment)
        + el("arxiv:journal_ref", paper.journal_ref)
        + f'    <arxiv:primary_category term="{paper.primary}"/>\n'
        + authors
        + el("arxiv:doi", paper.doi)
        + "  </entry>\n"
    )


def feed_xml(entries: list[str], total: int, start: int, per_page: int) -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom"'
        ' xmlns="http://www.w3.org/2005/Atom">\n'
        "  <id>https://arxiv.org/api/fake</id>\n"
        "  <title>arXiv Query: fake</title>\n"
        "  <updated>2026-11-22T00:00:00Z</updated>\n"
        f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
        + "".join(entries)
        + "</feed>\n"
    ).encode()


@dataclass
class FakeArxiv:
    papers: dict[str, Paper] = field(default_factory=load_papers)
    requests: list[Request] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)  # one per request, first first; then normal answers
    always: str | None = None  # a fault for every request
    reject: set[str] = field(default_factory=set)  # ids answered with HTTP 400, as arXiv does for malformed ones
    fail_when_asked: set[str] = field(default_factory=set)  # batches holding one of these ids get HTTP 503
    verbatim: bytes | None = None  # serve this body for every normal answer
    hang: float = 1.5  # seconds the "timeout" fault waits before answering
    trickle: float = 0.1  # seconds between the bytes of the "trickle" fault
    edit_entry: Callable[[str], str] | None = None  # rewrites each entry's XML (a server's broken entries)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/query"

    def add_listing(self) -> list[str]:
        papers = load_listing()
        self.papers.update({p.id: p for p in papers})
        return [p.id for p in papers]

    def add_generated(self, count: int) -> list[str]:
        papers = [generated_paper(n) for n in range(1, count + 1)]
        self.papers.update({p.id: p for p in papers})
        return [p.id for p in papers]

    def new_version(self, arxiv_id: str, at: str, **changes: str) -> None:
        paper = copy.deepcopy(self.papers[arxiv_id])
        paper.versions.append(at)
        for key, value in changes.items():
            setattr(paper, key, value)
        self.papers[arxiv_id] = paper

    # -- answering --------------------------------------------------------------------

    def search(self, query: str) -> list[Paper]:
        """The papers a ``search_query`` of discover's shape matches, newest submission first.

        Understands what discover sends: ``cat:`` terms (any of them),
        ``submittedDate:[YYYYMMDDHHMM TO YYYYMMDDHHMM]`` and one ``all:``/``abs:``/``ti:``
        phrase (case-insensitive substring).
        """
        cats = set(re.findall(r"cat:([\w.-]+)", query))
        dates = re.search(r"submittedDate:\[(\d{12}) TO (\d{12})\]", query)
        phrase = re.search(r'\b(all|abs|ti):"([^"]*)"', query)
        found = []
        for paper in self.papers.values():
            stamp = re.sub(r"\D", "", paper.versions[0])[:12]
            if cats and not cats & set(paper.categories):
                continue
            if dates and not dates[1] <= stamp <= dates[2]:
                continue
            if phrase:
                both = f"{paper.title} {paper.abstract}"
                if phrase[2].lower() not in {"ti": paper.title, "abs": paper.abstract}.get(phrase[1], both).lower():
                    continue
            found.append(paper)
        return sorted(found, key=lambda p: (p.versions[0], p.id), reverse=True)

    def answer(self, params: dict[str, str]) -> tuple[int, dict[str, str], bytes, str | None]:
        """(status, headers, body, fault) for one request."""
        fault = self.faults.pop(0) if self.faults else self.always
        ids = [i for i in params.get("id_list", "").split(",") if i]
        if fault is None and self.fail_when_asked & {_split(i)[0] for i in ids}:
            fault = "503"
        if fault == "503":
            return 503, {"Content-Type": "text/html"}, b"<html><body>Service Unavailable</body></html>", None
        if fault == "429":
            return 429, {"Retry-After": "0"}, b"Rate exceeded.", None
        bad = [i for i in ids if not ID_SHAPE.match(i) or i in self.reject]
        if bad:
            return 400, {"Content-Type": "application/atom+xml"}, ERROR_FEED.replace("{bad_id}", bad[0]).encode(), None
        if self.verbatim is not None:
            body = self.verbatim
        elif params.get("search_query"):
            matches = self.search(params["search_query"])
            start = int(params.get("start", "0"))
            per_page = int(params.get("max_results", "10"))
            page = [entry_xml(p, len(p.versions)) for p in matches[start:start + per_page]]
            body = feed_xml(page, len(matches), start, per_page)
        else:
            entries = []
            for asked in ids:
                base, version = _split(asked)
                paper = self.papers.get(base)
                if paper is None:
                    continue
                number = version or len(paper.versions)
                if number <= len(paper.versions):
                    entry = entry_xml(paper, number)
                    entries.append(self.edit_entry(entry) if self.edit_entry else entry)
            entries.reverse()  # arXiv's order is not the order asked: callers must match by id
            start = int(params.get("start", "0"))
            per_page = int(params.get("max_results", "10"))
            body = feed_xml(entries[start:start + per_page], len(ids), start, per_page)
        return 200, {"Content-Type": "application/atom+xml; charset=utf-8"}, body, fault


def _split(arxiv_id: str) -> tuple[str, int | None]:
    match = re.match(r"(.*?)(?:v(\d+))?\Z", arxiv_id)
    assert match
    return match[1], int(match[2]) if match[2] else None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        fake.requests.append(Request(parts.path, params, time.monotonic()))
        status, headers, body, fault = fake.answer(params)
        if fault == "timeout":
            time.sleep(fake.hang)
        elif fault == "malformed":
            body = b"<html><body><h1>Gateway says hello</h1></body></html>"
        elif fault == "garbage":
            body = b"\x00\x01 this is not XML at all"
        elif fault == "truncated":  # a feed cut in the middle, with a matching Content-Length
            body = body[: len(body) // 2]
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if fault == "endless":  # an answer that never ends (and announces no length)
                self.send_header("Connection", "close")
                self.end_headers()
                feed_start = body[: body.index(b"<entry>")] if b"<entry>" in body else body[:200]
                self.wfile.write(feed_start)
                filler = b"<!-- " + b"x" * (1 << 20) + b" -->\n"
                for _ in range(4096):  # 4 GB at most: the client must hang up long before
                    self.wfile.write(filler)
                return
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if fault == "trickle":  # every byte arrives within the read timeout, the whole never does
                for index in range(len(body)):
                    self.wfile.write(body[index:index + 1])
                    self.wfile.flush()
                    time.sleep(fake.trickle)
                return
            if fault == "short-body":  # announce the whole feed, send half, hang up
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout fault)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # do not wait for a handler still sleeping in a timeout fault
    fake: FakeArxiv


@contextlib.contextmanager
def running(fake: FakeArxiv | None = None) -> Iterator[FakeArxiv]:
    fake = fake or FakeArxiv()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connection refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env_for(url: str) -> dict[str, str]:
    """Environment for a fast, offline run against the fake: no delay, short backoff."""
    return {
        "LONGCTX_ARXIV_API": url,
        "LONGCTX_ARXIV_DELAY": "0",
        "LONGCTX_ARXIV_RETRIES": "2",
        "LONGCTX_ARXIV_BACKOFF": "0.01",
        "LONGCTX_ARXIV_TIMEOUT": "5",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
