"""Check URLs against their servers: cautious online checks for ``longctx links --online``.

Only HTTP 404 and 410 prove a page is gone; 403, 429, 5xx and timeouts say only that the
server would not tell us, so they are warnings. Requests go through ``requests`` with
urllib3's :class:`~urllib3.util.retry.Retry` doing the retries (backoff, ``Retry-After``);
redirects are followed here, hop by hop, so permanent moves can be reported. Finding the
URLs and the offline rules are :mod:`.links`.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import __version__
from .diagnostics import Diagnostic
from .links import ARXIV_HOSTS, UrlRef, arxiv_id_of, diag, github_repo
from .model import strip_arxiv_version


@dataclass
class Outcome:
    """What the server said about one URL."""

    status: str  # "ok", "dead", "unverified"
    detail: str = ""
    moved_to: str | None = None  # where a leading run of permanent redirects ends
    archived: bool = False
    requests: int = 0


_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
MAX_REDIRECTS = 10


@dataclass
class _Answer:
    status: int | None = None
    headers: Any = None
    body: bytes = b""
    error: str | None = None  # a network failure: no HTTP status at all


# Retries made for the request in flight on this thread (urllib3 retries inside one call).
_retried = threading.local()


class _Retry(Retry):
    """urllib3's Retry with our waits, counted: ``backoff_factor`` doubling from the first retry,
    at least what ``Retry-After`` asks (seconds or an HTTP date), at most ``backoff_max``, slept
    with the checker's ``sleep`` (tests pass their own)."""

    wait: Callable[[float], None] = staticmethod(time.sleep)  # type: ignore[assignment]

    def new(self, **kw: Any) -> _Retry:
        retry = super().new(**kw)
        retry.wait = self.wait
        return retry

    def get_backoff_time(self) -> float:
        return self.backoff_factor * 2 ** max(len(self.history) - 1, 0)

    def sleep(self, response: Any = None) -> None:
        _retried.count = getattr(_retried, "count", 0) + 1
        wait = self.get_backoff_time()
        if response is not None:
            try:
                after = self.get_retry_after(response)
            except urllib3.exceptions.InvalidHeader:
                after = None
            if after:
                wait = max(wait, after)
        self.wait(min(wait, self.backoff_max))


def causes(err: BaseException) -> list[BaseException]:
    """``err`` and what it wraps: requests wraps urllib3's errors, which wrap the socket's."""
    chain: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        if isinstance(current, urllib3.exceptions.MaxRetryError) and current.reason is not None:
            current = current.reason
        elif isinstance(current, urllib3.exceptions.ProxyError):
            current = current.original_error
        elif isinstance(current, requests.RequestException) and current.args and isinstance(
                current.args[0], BaseException):
            current = current.args[0]
        else:
            current = current.__cause__ or current.__context__
    return chain


def _reason(err: BaseException) -> str:
    """A short, human description of a network failure."""
    chain = causes(err)
    if any(isinstance(e, (socket.gaierror, urllib3.exceptions.NameResolutionError)) for e in chain):
        return "host name not found"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    tls = next((e for e in reversed(chain) if isinstance(e, ssl.SSLError)), None)
    if tls is not None:
        return f"TLS error ({tls.reason or tls})"
    if any(isinstance(e, (TimeoutError, urllib3.exceptions.ReadTimeoutError)) for e in chain):
        return "timed out"
    text = str(chain[-1]) or type(chain[-1]).__name__
    return text[:120]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


@dataclass
class LinkChecker:
    """Checks URLs against their servers, politely and without drawing conclusions it cannot prove.

    One HEAD per hop (GET when HEAD is refused or answered with a client error), redirects
    followed by hand so permanent moves can be reported, retries with exponential backoff on
    429/5xx/timeouts, at most ``concurrency`` requests at once and ``per_host`` per host.
    GitHub repository URLs are asked of the GitHub API (``github_api``), which also says
    whether a repository is archived; when the API is unavailable the page itself is fetched.
    """

    timeout: float = 15.0
    retries: int = 2
    retry_wait: float = 1.0
    max_wait: float = 30.0
    concurrency: int = 8
    per_host: int = 2
    github_api: str = "https://api.github.com"
    github_token: str | None = None
    user_agent: str = f"longctx-catalog/{__version__} (link checker)"
    sleep: Callable[[float], None] = time.sleep
    _host_locks: dict[str, threading.Semaphore] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _api_usable: bool = field(default=True, repr=False)
    api_note: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        retry = _Retry(
            total=self.retries,
            redirect=False,  # followed here, hop by hop
            allowed_methods=frozenset({"HEAD", "GET"}),
            status_forcelist=_RETRY_STATUSES,
            backoff_factor=self.retry_wait,
            backoff_max=self.max_wait,
            raise_on_status=False,  # the last answer is the result
            respect_retry_after_header=False,  # honoured in _Retry.sleep, only for the statuses above
        )
        retry.wait = self.sleep
        self._session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=max(1, self.concurrency))
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    # -- one request

    def _host_slot(self, url: str) -> threading.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            return self._host_locks.setdefault(host, threading.Semaphore(self.per_host))

    def _request(self, method: str, url: str, headers: dict[str, str] | None = None,
                 read_body: bool = False) -> tuple[_Answer, int]:
        """One request, retried by urllib3: the last answer and how many requests it took."""
        _retried.count = 0
        with self._host_slot(url):
            try:
                with self._session.request(method, url, headers={"User-Agent": self.user_agent, **(headers or {})},
                                           timeout=self.timeout, allow_redirects=False, stream=True) as response:
                    body = response.raw.read(1 << 20, decode_content=True) if read_body else b""
                    answer = _Answer(response.status_code, response.headers, body)
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, ValueError) as err:
                answer = _Answer(error=_reason(err))
        return answer, 1 + _retried.count

    def _hop(self, url: str) -> tuple[_Answer, int]:
        answer, n = self._request("HEAD", url)
        # Many servers refuse HEAD (405, 501) or answer it wrongly with 4xx; GET is the real test.
        if answer.status is not None and (answer.status == 501 or (400 <= answer.status < 500
                                                                   and answer.status != 429)):
            answer, m = self._request("GET", url)
            n += m
        return answer, n

    # -- one URL

    def _follow(self, url: str, hop: Callable[[str], tuple[_Answer, int]]) -> tuple[_Answer, str | None, str, int]:
        """Follow redirects from ``url``: the last answer, where permanent moves lead, final URL, requests."""
        seen = {url}
        current = url
        moved_to: str | None = None
        permanent_run = True
        total = 0
        for _ in range(MAX_REDIRECTS + 1):
            answer, n = hop(current)
            total += n
            if answer.status not in _REDIRECTS:
                return answer, moved_to, current, total
            location = answer.headers.get("Location") if answer.headers is not None else None
            if not location:
                return _Answer(error=f"HTTP {answer.status} redirect without a Location"), moved_to, current, total
            target = urljoin(current, location.strip())
            if answer.status in _PERMANENT and permanent_run:
                moved_to = target
            else:
                permanent_run = False
            if target in seen:
                return _Answer(error="redirect loop"), moved_to, current, total
            seen.add(target)
            current = target
        return _Answer(error=f"more than {MAX_REDIRECTS} redirects"), moved_to, current, total

    def _github_api(self, owner: str, repo: str) -> tuple[dict[str, Any] | None, int | None, int]:
        """The API's repository object (or None) and the final HTTP status; None status = no answer."""
        if not self._api_usable:
            return None, None, 0
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if self.github_token:
            headers["Authorization"] = f"Bearer {self.github_token}"
        url = f"{self.github_api.rstrip('/')}/repos/{quote(owner)}/{quote(repo)}"
        answer, _, _, n = self._follow(url, lambda u: self._request("GET", u, headers, read_body=True))
        if answer.status == 200:
            try:
                data = json.loads(answer.body)
            except ValueError:
                return None, None, n
            return (data if isinstance(data, dict) else None), 200, n
        if answer.status in (403, 429) or answer.error is not None:
            # Rate limited or unreachable: stop asking for the rest of this run.
            self._api_usable = False
            self.api_note = (f"the GitHub API at {self.github_api} did not answer "
                             f"({answer.error or f'HTTP {answer.status}'}); archived repositories were not "
                             "checked (set GITHUB_TOKEN for a higher rate limit)")
            return None, None, n
        return None, answer.status, n

    def check(self, url: str) -> Outcome:
        """Check one URL; never raises for anything the network does."""
        requests = 0
        archived = False
        repo = github_repo(url)
        if repo is not None:
            owner, name, is_root = repo
            data, status, requests = self._github_api(owner, name)
            if data is not None:
                archived = bool(data.get("archived"))
                full_name = data.get("full_name")
                if is_root:
                    moved = None
                    if isinstance(full_name, str) and full_name.lower() != f"{owner}/{name}".lower():
                        moved = f"https://github.com/{full_name}"
                    return Outcome("ok", "", moved, archived, requests)
            elif status == 404 and is_root:
                return Outcome("dead", "the GitHub repository does not exist (HTTP 404 from the GitHub API)",
                               requests=requests)
        answer, moved_to, _, n = self._follow(url, self._hop)
        requests += n
        if answer.error is not None:
            return Outcome("unverified", answer.error, moved_to, archived, requests)
        assert answer.status is not None
        detail = f"HTTP {answer.status} {_phrase(answer.status)}".strip()
        if answer.status in (404, 410):
            return Outcome("dead", detail, moved_to, archived, requests)
        if 200 <= answer.status < 300:
            return Outcome("ok", detail, moved_to, archived, requests)
        return Outcome("unverified", detail, moved_to, archived, requests)

    def check_all(self, urls: Iterable[str], progress: Callable[[int], None] | None = None) -> dict[str, Outcome]:
        """Check each distinct URL once, ``concurrency`` at a time."""
        unique = sorted(set(urls))
        results: dict[str, Outcome] = {}
        if not unique:
            return results
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            futures = {pool.submit(self.check, url): url for url in unique}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if progress is not None:
                    progress(1)
        return results


def online_refs(refs: Iterable[UrlRef], offline: Iterable[Diagnostic]) -> list[UrlRef]:
    """The references worth a request: not malformed offline, and not :func:`skip_online`."""
    malformed = {d.location for d in offline if d.code in ("LC901", "LC902")}
    return [r for r in refs if r.location not in malformed and not skip_online(r)]


def skip_online(ref: UrlRef) -> bool:
    """URLs not worth a request: arXiv pages of the record's own id (ids are permanent, and
    ``enrich`` confirms them against the arXiv API), and anything that is not http(s)."""
    try:
        parts = urlsplit(ref.url)
    except ValueError:
        return True
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return True
    if (parts.hostname or "").lower() in ARXIV_HOSTS:
        ident = arxiv_id_of(parts.path)
        return isinstance(ident, str) and strip_arxiv_version(ident) == ref.record_arxiv
    return False


def online_diagnostics(refs: Iterable[UrlRef], outcomes: dict[str, Outcome]) -> list[Diagnostic]:
    """Turn the servers' answers into located findings, one set per place the URL is written."""
    diags: list[Diagnostic] = []
    for ref in refs:
        outcome = outcomes.get(ref.url)
        if outcome is None:
            continue
        if outcome.status == "dead":
            diags.append(diag(ref, "LC911", f"{ref.url} is gone ({outcome.detail}); replace it with the page's "
                               "new address (or an archived copy) or remove it"))
        elif outcome.status == "unverified":
            diags.append(diag(ref, "LC912", f"could not verify {ref.url} ({outcome.detail}); open it in a browser "
                               "to check"))
        if outcome.moved_to and outcome.status != "dead":
            diags.append(diag(ref, "LC913", f"{ref.url} has moved permanently; link {outcome.moved_to}"))
        if outcome.archived:
            diags.append(diag(ref, "LC914", f"{ref.url} is an archived (read-only) GitHub repository; keep the "
                               "link if it is still the work's code, and mention it in notes"))
    return diags
