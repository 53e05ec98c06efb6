"""Fetch paper metadata from the arXiv API: batched, polite, and honest about failures.

The only module that imports ``arxiv`` (and ``requests``, which it uses). We follow
the library's split: ``arxiv.Search`` says *what* to fetch, ``arxiv.Client`` builds
the URL and parses the Atom feed into ``arxiv.Result`` objects. Around it we add what
the catalogue needs and arxiv 4.0.2 does not do:

- **A configurable endpoint.** ``Client.query_url_format`` is a documented public
  attribute; we set it on our client instance for ``--arxiv-api`` /
  ``LONGCTX_ARXIV_API`` (tests, mirrors). No patching.
- **One request per batch.** ``Client.results`` pages whenever a feed's
  ``totalResults`` exceeds the entries it holds, which arXiv reports for ids it does
  not know (lukasschwab/arxiv.py#82: the extra page repeats papers). Our transport
  allows each attempt exactly one request and ends the iteration there; whatever did
  not come back is reported by name.
- **A timeout, spacing and honest feeds.** The client calls ``requests`` without a
  timeout, stamps its delay only after a *successful* response, and parses with
  lxml's ``recover=True``, which turns a truncated feed into fewer (or cut-short)
  entries without a word. So the client gets our :class:`_Transport` session: a
  default timeout, at least ``delay`` seconds between any two requests (failed ones
  included), and a well-formedness check before the client sees the feed. Swapping
  ``Client._session`` is the one private attribute we touch; ``test_enrich`` fails
  loudly if a new arxiv release renames it.
- **Retries with backoff.** The client's own retries recurse with a fixed delay and
  also retry hopeless answers (HTTP 400); we set ``num_retries=0`` and retry here:
  429/5xx, timeouts and broken connections, waiting ``backoff * 2**n`` seconds
  (or the server's ``Retry-After``), and saying so through ``on_retry``. A host name
  that does not resolve or a network that is unreachable is not retried: offline,
  waiting does not help, and the person should hear so in seconds.
- **Isolating a bad id.** arXiv answers HTTP 400 for a whole batch when one id is
  malformed. Ids are checked locally first; if arXiv still refuses a batch we split
  it in halves until the id it refuses is alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import arxiv
import requests
import urllib3

from ..linkcheck import causes
from ..load import CONTROL_CHARACTERS
from ..model import ArxivMeta, Author, strip_arxiv_version
from ..schema.specs import parse_arxiv_id
from .source import Batch, Failure

DEFAULT_API = "https://export.arxiv.org/api/query"
BATCH_SIZE = 100  # ids per request: arXiv serves up to this many entries per page without fuss
ARXIV_MIN_DELAY = 3.0  # arXiv's terms of use: no more than one request every three seconds
MAX_WAIT = 120.0  # cap on backoff and on a server's Retry-After
# A feed of 100 entries is a few hundred KB and an abstract at most ~2,000 characters:
# anything far beyond is a broken server, refused before it fills memory.
MAX_RESPONSE = 16 * 1024 * 1024
MAX_FIELD = 100_000  # characters in any one element of an entry
MAX_VERSION_DIGITS = 6
_ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"
_TOTAL_RESULTS = "{http://a9.com/-/spec/opensearch/1.1/}totalResults"
SEARCH_PAGE = 200  # listing entries per request (arXiv allows up to 2,000; big pages time out more often)
MAX_LISTING = 10_000  # entries one search reads at most (arXiv refuses to page much further)


class SettingsError(ValueError):
    """A bad ``--arxiv-api`` or ``LONGCTX_ARXIV_*`` value; the message names it."""


@dataclass(frozen=True)
class Settings:
    """How to talk to arXiv. Every value can be set from the environment (see :meth:`from_env`)."""

    api: str = DEFAULT_API
    delay: float = ARXIV_MIN_DELAY  # seconds between requests
    timeout: float = 30.0  # seconds to wait for the server at each step of a request
    retries: int = 3  # extra attempts after a failed one
    backoff: float = 5.0  # wait before the first retry; doubles each time
    deadline: float = 90.0  # seconds a whole request may take, however steadily the server trickles bytes

    @classmethod
    def from_env(cls, api: str | None = None, env: Mapping[str, str] | None = None) -> Settings:
        """Read ``LONGCTX_ARXIV_API`` (``api`` wins), ``_DELAY``, ``_TIMEOUT``, ``_RETRIES``, ``_BACKOFF``,
        ``_DEADLINE``."""
        env = os.environ if env is None else env
        url = api or env.get("LONGCTX_ARXIV_API") or DEFAULT_API
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingsError(f"the arXiv API URL {url!r} must be an http(s) URL such as {DEFAULT_API}")

        def number(name: str, default: float, *, minimum: float, integer: bool = False) -> Any:
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                return default
            try:
                value = int(raw) if integer else float(raw)
            except ValueError:
                value = None
            if value is None or not math.isfinite(value) or value < minimum:
                kind = "a whole number" if integer else "a number of seconds"
                raise SettingsError(f"{name}={raw!r} must be {kind} of at least {minimum:g}")
            return value

        delay = number("LONGCTX_ARXIV_DELAY", cls.delay, minimum=0)
        host = parts.hostname.lower()
        if host == "arxiv.org" or host.endswith(".arxiv.org"):
            delay = max(delay, ARXIV_MIN_DELAY)  # never below arXiv's terms against arXiv itself
        return cls(
            api=url,
            delay=delay,
            timeout=number("LONGCTX_ARXIV_TIMEOUT", cls.timeout, minimum=0.001),
            retries=number("LONGCTX_ARXIV_RETRIES", cls.retries, minimum=0, integer=True),
            backoff=number("LONGCTX_ARXIV_BACKOFF", cls.backoff, minimum=0),
            deadline=number("LONGCTX_ARXIV_DEADLINE", cls.deadline, minimum=0.001),
        )


def normalise_ids(ids: Iterable[str]) -> list[str]:
    """Ids without versions, each once, in first-seen order."""
    out: dict[str, None] = {}
    for arxiv_id in ids:
        out.setdefault(strip_arxiv_version(arxiv_id.strip()), None)
    return list(out)


class MalformedFeed(Exception):
    """The server said 200 but sent something that is not a complete Atom feed."""


class SearchFailed(Exception):
    """A search listing could not be read to the end; the message says why."""


@dataclass
class Page:
    """One answer to a search: entries ``start`` onwards of ``total``."""

    start: int
    total: int
    entries: list[ArxivMeta]
    skipped: int = 0  # entries without a title or authors


class _OnePageOnly(Exception):
    """Raised by the transport when the client tries to page past the one request allowed."""


class _GaveUp(Exception):
    """Every attempt at a batch failed; the message says how."""


class _Rejected(Exception):
    """arXiv answered HTTP 400: something in the batch is not an id it accepts."""


class _Deadline(requests.Timeout):
    """The whole answer did not arrive within ``Settings.deadline``."""


class _Transport(requests.Session):
    """The HTTP session handed to ``arxiv.Client``: timeout, spacing, one page, well-formed XML."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.timeout = settings.timeout
        self.deadline = settings.deadline
        self._started = 0.0
        self.delay = settings.delay
        self.count = 0  # requests sent
        self.allowed: int | None = None  # requests left for the current attempt; None = unlimited
        self.retry_after: float | None = None
        self.total_results: int | None = None  # the last feed's opensearch:totalResults
        self._last: float | None = None

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if self.allowed is not None:
            if self.allowed <= 0:
                raise _OnePageOnly(url)
            self.allowed -= 1
        if self._last is not None:
            wait = self._last + self.delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        kwargs.setdefault("timeout", self.timeout)
        kwargs["stream"] = True  # the body is read here, in capped chunks (see _read_capped)
        self.count += 1
        self.retry_after = None
        try:
            response = self._within_deadline(lambda: self._fetch(method, url, *args, **kwargs))
        finally:
            self._last = time.monotonic()  # after failures too: a refused connection still counts
        self.retry_after = _retry_after(response.headers.get("Retry-After"))
        if response.status_code == 200:
            self.total_results = _check_feed(response.content)
        return response

    def _fetch(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        response = super().request(method, url, *args, **kwargs)
        try:
            response._content = _read_capped(response, self._started + self.deadline)  # what .content returns
        finally:
            response.close()
        return response

    def _within_deadline(self, fetch: Any) -> requests.Response:
        """``fetch()`` in a worker thread, given up after ``deadline`` seconds in all.

        The per-read timeout restarts at every byte, so a server trickling one byte a
        second would never time out; and a slow status line or headers cannot be cut
        short from inside the read. The worker also stops reading the body at the
        deadline, and its socket's own timeout ends it soon after.
        """
        self._started = time.monotonic()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["response"] = fetch()
            except BaseException as err:  # handed to the caller's thread
                outcome["error"] = err

        worker = threading.Thread(target=work, name="longctx-arxiv-request", daemon=True)
        worker.start()
        worker.join(self.deadline)
        if worker.is_alive():
            raise _Deadline(f"no complete answer within {self.deadline:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["response"]  # type: ignore[no-any-return]


def _read_capped(response: requests.Response, deadline: float) -> bytes:
    """The body, refused past :data:`MAX_RESPONSE` bytes or past ``deadline`` (a monotonic time)."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_RESPONSE:
            raise MalformedFeed(f"arXiv's answer is larger than {MAX_RESPONSE // (1024 * 1024)} MB; it was "
                                "refused unread")
        if time.monotonic() > deadline:
            raise _Deadline("the answer was still arriving at the deadline")
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    try:
        return min(max(float(value), 0.0), MAX_WAIT) if value is not None else None
    except ValueError:  # an HTTP date: rare enough to fall back on our own backoff
        return None


def _check_feed(content: bytes) -> int | None:
    """Refuse a response that is not one complete Atom document (e.g. cut off mid-way).

    Returns the feed's ``opensearch:totalResults`` (None when it has none), which the
    client parses but does not tell its caller; a search pages by it.

    The standard library's expat (2.4+) refuses entity-expansion bombs and never
    fetches external entities, so this check is safe on untrusted bytes.
    """
    try:
        root = ET.fromstring(content)
    except ET.ParseError as err:
        raise MalformedFeed(f"arXiv sent a malformed feed ({err})") from None
    if root.tag != _ATOM_FEED:
        raise MalformedFeed(f"arXiv sent a <{root.tag.rpartition('}')[2]}> document where an Atom feed was expected")
    for entry in root.iterfind(_ATOM + "entry"):
        _check_entry(entry)
    total = root.findtext(_TOTAL_RESULTS)
    try:
        return int(total) if total is not None else None
    except ValueError:
        raise MalformedFeed(f"arXiv sent a feed whose totalResults is not a number ({total!r})") from None


_ATOM = "{http://www.w3.org/2005/Atom}"
_VERSION = re.compile(r"v(\d+)\Z", re.ASCII)


def _check_entry(entry: ET.Element) -> None:
    """Refuse an entry the client would drop or choke on: the server's fault, never "no such paper".

    arxiv 4.0.2 silently skips an entry without ``<id>``, ``<published>`` or
    ``<updated>`` (the paper then looks unknown), raises ValueError on a date it cannot
    read, and we would on a version number too long to convert.
    """
    entry_id = (entry.findtext(_ATOM + "id") or "").strip()
    if not entry_id:
        raise MalformedFeed("arXiv sent an entry without an <id>")
    version = _VERSION.search(entry_id)
    if version and len(version.group(1)) > MAX_VERSION_DIGITS:
        raise MalformedFeed(f"arXiv sent an entry whose version number has {len(version.group(1))} digits")
    for tag in ("published", "updated"):
        text = entry.findtext(_ATOM + tag)
        if text is None or not text.strip():
            raise MalformedFeed(f"arXiv sent the entry {entry_id[:100]} without <{tag}>")
        try:
            dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            raise MalformedFeed(f"arXiv sent the entry {entry_id[:100]} with <{tag}> {text[:40]!r}, which is not "
                                "a date") from None
    for element in entry.iter():
        if element.text and len(element.text) > MAX_FIELD:
            raise MalformedFeed(f"arXiv sent the entry {entry_id[:100]} with a <{element.tag.rpartition('}')[2]}> "
                                f"of {len(element.text):,} characters")


def _query_url_format(api: str) -> str:
    """``Client.query_url_format`` for ``api``: the client appends the encoded query at ``{}``."""
    escaped = api.replace("{", "{{").replace("}", "}}")
    return escaped + ("&{}" if "?" in api else "?{}")


def _clean(text: str | None) -> str | None:
    """Collapse arXiv's hard line wraps and indentation into single spaces."""
    if text is None:
        return None
    cleaned = " ".join(CONTROL_CHARACTERS.sub("", text).split())  # XML lets C1 controls through
    return cleaned or None


def to_meta(result: arxiv.Result) -> ArxivMeta | None:
    """Our record of one ``arxiv.Result``; None when the entry lacks what every paper has."""
    short = result.get_short_id()
    base = strip_arxiv_version(short)
    version = int(short[len(base) + 1:]) if short != base else 1
    title = _clean(result.title)
    authors = tuple(
        Author(name, tuple(a for a in (_clean(x) for x in author.affiliation) if a))
        for author in result.authors
        if (name := _clean(author.name))
    )
    if not title or not authors:
        return None
    return ArxivMeta(
        id=base,
        version=version,
        title=title,
        authors=authors,
        published=result.published.date().isoformat(),
        updated=result.updated.date().isoformat(),
        abstract=_clean(result.summary),
        primary_category=_clean(result.primary_category),
        categories=tuple(dict.fromkeys(c for c in (_clean(c) for c in result.categories) if c)),
        comment=_clean(result.comment),
        journal_ref=_clean(result.journal_ref),
        doi=_clean(result.doi),
    )


class ArxivSource:
    """Fetches metadata for arXiv ids. Reuse one per run: it keeps the spacing between requests."""

    def __init__(self, settings: Settings, on_retry: Callable[[str, float], None] | None = None) -> None:
        self.settings = settings
        self.on_retry = on_retry  # told (problem, seconds to wait) before each retry
        self.transport = _Transport(settings)
        # delay_seconds=0 and num_retries=0: the transport spaces requests and
        # _request_batch retries (see the module docstring for why).
        self.client = arxiv.Client(page_size=BATCH_SIZE, delay_seconds=0, num_retries=0)
        self.client.query_url_format = _query_url_format(settings.api)
        if not isinstance(getattr(self.client, "_session", None), requests.Session):
            raise RuntimeError("this arxiv release no longer keeps its HTTP session in Client._session")
        self.client._session = self.transport

    @property
    def requests_sent(self) -> int:
        return self.transport.count

    def fetch(self, ids: Iterable[str]) -> Iterator[Batch]:
        """Metadata for ``ids`` (versions ignored), one :class:`Batch` per request of up to 100 ids.

        Malformed ids fail at once, without asking. Every id asked appears in exactly
        one batch, either in ``found`` or in ``failures``.
        """
        wanted = normalise_ids(ids)
        bad = [i for i in wanted if not parse_arxiv_id(i)]
        if bad:
            yield Batch(bad, failures=[Failure(i, "rejected", "not a valid arXiv id (expected e.g. 2309.00071)")
                                       for i in bad])
        good = [i for i in wanted if i not in bad]
        for start in range(0, len(good), BATCH_SIZE):
            yield self._ask(good[start:start + BATCH_SIZE])

    def _ask(self, ids: list[str]) -> Batch:
        batch = Batch(list(ids))
        try:
            results = self._request_batch(ids)
        except _Rejected:
            if len(ids) == 1:
                batch.failures.append(Failure(ids[0], "rejected", "arXiv refused the id as malformed (HTTP 400)"))
                return batch
            half = len(ids) // 2
            for part in (self._ask(ids[:half]), self._ask(ids[half:])):
                batch.found.update(part.found)
                batch.failures.extend(part.failures)
            return batch
        except _GaveUp as err:
            batch.failures.extend(Failure(i, "fetch", str(err)) for i in ids)
            return batch
        asked = set(ids)
        for result in results:
            meta = to_meta(result)
            if meta is not None and meta.id in asked:
                batch.found.setdefault(meta.id, meta)
        for arxiv_id in ids:
            if arxiv_id not in batch.found:
                incomplete = any(strip_arxiv_version(r.get_short_id()) == arxiv_id for r in results)
                reason = ("arXiv's entry lacks a title or authors" if incomplete
                          else "arXiv has no paper with this id")
                batch.failures.append(Failure(arxiv_id, "fetch" if incomplete else "unknown", reason))
        return batch

    def search(self, query: str, *, page_size: int = SEARCH_PAGE, limit: int = MAX_LISTING) -> Iterator[Page]:
        """The entries matching an arXiv ``search_query``, newest submission first, one :class:`Page` per request.

        Pages follow the feed's ``totalResults``; each request is retried like a batch
        of ids. Raises :class:`SearchFailed` (naming the cause and how many entries had
        come back) when a page cannot be had; an empty result is one empty page.
        """
        search = arxiv.Search(query=query, max_results=None, sort_by=arxiv.SortCriterion.SubmittedDate,
                              sort_order=arxiv.SortOrder.Descending)
        start = 0
        while True:
            try:
                results = self._retrying(functools.partial(self._one_page, search, start, page_size))
            except (_GaveUp, _Rejected) as err:
                problem = str(err) or "arXiv refused the query as malformed (HTTP 400)"
                raise SearchFailed(f"{problem}; {start} entries had come back") from None
            total = self.transport.total_results or 0
            entries = [meta for meta in (to_meta(r) for r in results) if meta is not None]
            yield Page(start=start, total=total, entries=entries, skipped=len(results) - len(entries))
            start += len(results)
            if not results or start >= min(total, limit):
                return

    def _one_page(self, search: arxiv.Search, start: int, page_size: int) -> list[arxiv.Result]:
        self.client.page_size = page_size
        results: list[arxiv.Result] = []
        try:
            for result in self.client.results(search, offset=start):
                results.append(result)
        except _OnePageOnly:
            pass  # the next page is the next call's request
        finally:
            self.client.page_size = BATCH_SIZE
        if not results and start < (self.transport.total_results or 0):
            # arXiv sometimes serves an empty page inside a listing; asking again usually helps.
            raise MalformedFeed(f"arXiv sent an empty page at entry {start} of {self.transport.total_results}")
        return results

    def _request_batch(self, ids: list[str]) -> list[arxiv.Result]:
        """One request for ``ids``, retried with backoff; raises _Rejected or _GaveUp."""
        search = arxiv.Search(id_list=list(ids), max_results=len(ids))

        def once() -> list[arxiv.Result]:
            results: list[arxiv.Result] = []
            try:
                for result in self.client.results(search):
                    results.append(result)
            except _OnePageOnly:
                pass  # arXiv claimed more entries than it sent: the missing ids are unknown to it
            return results

        return self._retrying(once)

    def _retrying(self, once: Callable[[], list[arxiv.Result]]) -> list[arxiv.Result]:
        """``once()`` with one request per attempt, retried with backoff; raises _Rejected or _GaveUp."""
        attempt = 0
        while True:
            attempt += 1
            retryable = True
            self.transport.allowed = 1
            try:
                return once()
            except arxiv.HTTPError as err:
                if err.status == 400:
                    raise _Rejected() from None
                retryable = err.status == 429 or err.status >= 500
                problem = f"arXiv answered HTTP {err.status}"
            except _Deadline:
                problem = f"arXiv did not finish answering within {self.settings.deadline:g} s"
            except requests.Timeout:
                problem = f"arXiv did not answer within {self.settings.timeout:g} s"
            except requests.ConnectionError as err:
                cause = _root_cause(err)
                retryable = cause not in _OFFLINE
                problem = f"cannot connect to {self.settings.api}: {cause}"
            except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                    requests.exceptions.MissingSchema) as err:
                retryable = False
                problem = f"bad arXiv API URL {self.settings.api}: {err}"
            except requests.RequestException as err:
                problem = f"the answer from arXiv broke off: {_root_cause(err)}"
            except MalformedFeed as err:
                problem = str(err)
            except arxiv.ArxivError as err:
                problem = f"arXiv client error: {err.message}"
            except (ValueError, TypeError, LookupError) as err:  # whatever else the client cannot read
                problem = f"arXiv sent a feed the client cannot read ({str(err)[:200]})"
            finally:
                self.transport.allowed = None
            if not retryable or attempt > self.settings.retries:
                tries = f" (after {attempt} attempts)" if attempt > 1 else ""
                raise _GaveUp(problem + tries)
            wait = min(self.settings.backoff * 2 ** (attempt - 1), MAX_WAIT)
            if self.transport.retry_after is not None:
                wait = max(wait, self.transport.retry_after)
            if self.on_retry is not None:
                self.on_retry(problem, wait)
            time.sleep(wait)


_CAUSES = (
    ("Connection refused", "connection refused"),
    ("Connection reset", "connection reset by the server"),
    ("Connection aborted", "connection closed by the server"),
    ("RemoteDisconnected", "connection closed by the server"),
    ("IncompleteRead", "the feed ended before its announced length"),
    ("No route to host", "no route to host"),
    ("Network is unreachable", "network unreachable"),
)
# Causes that mean "no network here": retrying will not help.
_OFFLINE = frozenset(("host name not found", "no route to host", "network unreachable"))


def _root_cause(err: BaseException) -> str:
    """A short reason ("connection refused") instead of urllib3's nested repr."""
    # By type first: a failed lookup's wording depends on the resolver and the C library.
    chain = causes(err)
    if any(isinstance(e, (socket.gaierror, urllib3.exceptions.NameResolutionError)) for e in chain):
        return "host name not found"
    text = str(err)
    for marker, says in _CAUSES:
        if marker in text:
            return says
    return text if len(text) <= 200 else text[:200] + "..."
