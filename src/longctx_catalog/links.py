"""Find every URL in the records and check it by its shape, without the network.

Offline rules are exact enough to fail a pull request: a malformed URL, a doubled
scheme, a GitHub or Hugging Face URL that names no repository where one is needed, an
arXiv URL that names another paper than the record. Asking the servers is
:mod:`.linkcheck`'s job.

Every URL is located in its YAML file (``path:line:col`` of the URL itself, also inside
``notes`` and ``bibtex`` text), so a finding points where the fix goes.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .diagnostics import Diagnostic, Location, Severity
from .load import KeyPath, YamlDoc, display_path, read_yaml_file, record_files
from .model import strip_arxiv_version
from .schema.specs import parse_arxiv_id

# ---------------------------------------------------------------------------------
# Finding the URLs


@dataclass(frozen=True)
class UrlRef:
    """One URL as written in one record."""

    url: str
    location: Location
    field: str  # "links.paper", "code[0].url", "notes", "bibtex"
    record_id: str
    record_arxiv: str | None  # the record's own arXiv id, when it has a valid one
    record_kind: str = "paper"

    @property
    def in_text(self) -> bool:
        """Found inside prose (notes, bibtex) rather than given as a link field."""
        return self.field in TEXT_FIELDS


TEXT_FIELDS = ("notes", "bibtex")
# Fields whose URL must name one repository: a code link to a GitHub user page is a mistake.
REPO_FIELDS = ("links.github", "links.huggingface")

_TEXT_URL = re.compile(r"https?://[^\s<>\"'`{}|\\^\[\]]+")
_BIB_URL = re.compile(r"\\url\{([^}]*)\}|\burl\s*=\s*(?:\{([^}]*)\}|\"([^\"]*)\")", re.IGNORECASE)
_LATEX_ESCAPE = re.compile(r"\\+([_%#&~$])")


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, c in enumerate(text) if c == "\n")
    return starts


class _Locator:
    """Turns 'this string, somewhere after that value' into a line and column."""

    def __init__(self, doc: YamlDoc, text: str) -> None:
        self.doc = doc
        self.text = text
        self.starts = _line_starts(text)

    def _offset(self, loc: Location) -> int:
        line = min(max(loc.line, 1), len(self.starts))
        return self.starts[line - 1] + loc.column - 1

    def _location(self, offset: int) -> Location:
        line = bisect.bisect_right(self.starts, offset) - 1
        return Location(self.doc.path, line + 1, offset - self.starts[line] + 1)

    def find(self, kp: KeyPath, written: str, after: int | None = None) -> tuple[Location, int | None]:
        """Where ``written`` appears in the value at ``kp`` (falls back to the value's start)."""
        value_loc = self.doc.loc(kp)
        start = self._offset(value_loc) if after is None else after
        found = self.text.find(written, start)
        if found < 0:
            return value_loc, None
        return self._location(found), found + len(written)


def _trim_text_url(url: str) -> str:
    """Drop sentence punctuation and an unbalanced closing bracket after a URL in prose."""
    while url and url[-1] in ".,;:!?*_~":
        url = url[:-1]
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
    return url


def _text_urls(text: str, bibtex: bool) -> Iterator[tuple[str, str]]:
    """``(url, as written)`` pairs found in notes (markdown) or a BibTeX entry."""
    if bibtex:
        for match in _BIB_URL.finditer(text):
            written = next(g for g in match.groups() if g is not None).strip()
            if written:
                yield _LATEX_ESCAPE.sub(r"\1", written), written
        return
    for match in _TEXT_URL.finditer(text):
        written = _trim_text_url(match.group(0))
        yield written, written


def record_urls(doc: YamlDoc, text: str, stem: str) -> list[UrlRef]:
    """Every URL in one parsed record, located in its file."""
    data = doc.data if isinstance(doc.data, dict) else {}
    record_id = data.get("id") if isinstance(data.get("id"), str) else stem
    arxiv = data.get("arxiv")
    arxiv = strip_arxiv_version(arxiv.strip()) if isinstance(arxiv, str) and parse_arxiv_id(arxiv.strip()) else None
    kind = data.get("kind", "paper") if isinstance(data.get("kind", "paper"), str) else "paper"
    locator = _Locator(doc, text)
    refs: list[UrlRef] = []

    def add(url: str, kp: KeyPath, name: str, written: str | None = None, after: int | None = None) -> int | None:
        loc, end = locator.find(kp, written if written is not None else url, after)
        refs.append(UrlRef(url, loc, name, record_id, arxiv, kind))
        return end

    links = data.get("links")
    if isinstance(links, dict):
        for key, value in links.items():
            if isinstance(value, str):
                add(value.strip(), ("links", key), f"links.{key}", value.strip())
    code = data.get("code")
    if isinstance(code, list):
        for i, entry in enumerate(code):
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                add(entry["url"].strip(), ("code", i, "url"), f"code[{i}].url", entry["url"].strip())
    for name in TEXT_FIELDS:
        value = data.get(name)
        if not isinstance(value, str):
            continue
        after: int | None = None
        for url, written in _text_urls(value, bibtex=name == "bibtex"):
            after = add(url, (name,), name, written, after)
    return refs


def collect_urls(root: Path, files: Iterable[Path] | None = None) -> tuple[list[UrlRef], int]:
    """Every URL in the catalogue's records (or in ``files``), and the number of files read.

    Files that do not parse are skipped here: ``longctx validate`` reports them.
    """
    refs: list[UrlRef] = []
    n = 0
    for file in files if files is not None else record_files(root):
        n += 1
        doc, _ = read_yaml_file(file, display_path(file, root))
        if doc is None:
            continue
        try:
            text = file.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        refs.extend(record_urls(doc, text, file.stem))
    return refs, n


# ---------------------------------------------------------------------------------
# Offline rules

GITHUB_HOSTS = ("github.com", "www.github.com")
HF_HOSTS = ("huggingface.co", "www.huggingface.co", "hf.co")
ARXIV_HOSTS = ("arxiv.org", "www.arxiv.org", "export.arxiv.org")
# Hosts that serve https and are linked often enough that a near miss is almost surely a typo.
WELL_KNOWN_HOSTS = (
    "github.com",
    "arxiv.org",
    "huggingface.co",
    "openreview.net",
    "aclanthology.org",
    "proceedings.neurips.cc",
    "proceedings.mlr.press",
    "papers.nips.cc",
    "openaccess.thecvf.com",
    "dl.acm.org",
    "ieeexplore.ieee.org",
    "paperswithcode.com",
    "semanticscholar.org",
    "gitlab.com",
)
# Real hosts that look like near misses of the ones above.
NOT_TYPOS = frozenset({"github.io", "gitee.com", "hf.co", "arxiv.com", "huggingface.com"})
# First path segments of github.com that are site pages, not users or organisations.
GITHUB_RESERVED = frozenset({
    "about", "apps", "codespaces", "collections", "contact", "customer-stories", "enterprise", "events", "explore",
    "features", "issues", "join", "login", "marketplace", "new", "notifications", "orgs", "pricing", "pulls",
    "readme", "search", "security", "settings", "site", "sponsors", "topics", "trending",
})
HF_RESERVED = frozenset({
    "api", "blog", "docs", "join", "learn", "login", "models", "new", "organizations", "papers", "posts", "pricing",
    "settings", "tasks",
})
_GITHUB_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\Z")
_REPO_NAME = re.compile(r"[A-Za-z0-9._-]+\Z")
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)\Z")
_DOUBLED_SCHEME = re.compile(r"(?i)(https?):/*(https?)(:/*|/+)")
_SEPARATOR = re.compile(r"(?i)(https?)(:?[/\\]*)")
_SCHEME_LIKE = re.compile(r"(?i)([a-z]{2,8}):/+")


def diag(ref: UrlRef, code: str, message: str, severity: Severity | None = None) -> Diagnostic:
    """A finding about one written URL, located where it is written and naming its field."""
    return Diagnostic.make(ref.location, code, f"{ref.field}: {message}", severity)


def _typo(ref: UrlRef) -> Diagnostic | None:
    """A doubled, misspelt or half-written scheme: always a mistake, with an obvious fix."""
    url = ref.url
    doubled = _DOUBLED_SCHEME.match(url)
    if doubled:
        fixed = f"{doubled[2].lower()}://" + url[doubled.end():]
        return diag(ref, "LC902", f"{url} repeats the scheme; write {fixed}")
    sep = _SEPARATOR.match(url)
    if sep and sep[2] and sep[2] != "://" and (":" in sep[2] or len(sep[2]) >= 2) and url[sep.end():]:
        fixed = f"{sep[1].lower()}://" + url[sep.end():]
        return diag(ref, "LC902", f"{url} needs '://' after the scheme; write {fixed}")
    scheme = _SCHEME_LIKE.match(url)
    if scheme and scheme[1].lower() not in ("http", "https"):
        close = difflib.get_close_matches(scheme[1].lower(), ["https", "http"], n=1, cutoff=0.6)
        if close:
            fixed = f"{close[0]}://" + url[scheme.end():]
            return diag(ref, "LC902", f"{url} misspells the scheme {scheme[1]!r}; write {fixed}")
    return None


def _syntax(ref: UrlRef) -> tuple[Diagnostic | None, Any]:
    """Basic URL syntax; returns the split URL when it is a usable http(s) URL."""
    url = ref.url
    if not url:
        return diag(ref, "LC901", "the URL is empty; fill it in or remove the line"), None
    if any(c.isspace() or ord(c) < 32 or c == "\x7f" for c in url):
        return diag(ref, "LC901", f"{url!r} contains spaces or control characters; percent-encode them (%20)"), None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as err:
        return diag(ref, "LC901", f"{url} is not a valid URL ({err}); copy it again from the browser"), None
    if parts.scheme.lower() not in ("http", "https"):
        found = f"'{parts.scheme}:'" if parts.scheme else "no scheme"
        return diag(ref, "LC901", f"{url} must start with https:// (found {found})"), None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return diag(ref, "LC901", f"{url} has no host name; it should look like https://example.org/page"), None
    if ":" in host or re.fullmatch(r"[\d.]+", host) or host == "localhost":  # IP addresses
        return None, parts
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return diag(ref, "LC901", f"{url} has an invalid host name {host!r}"), None
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels):
        return diag(ref, "LC901", f"{url} has an invalid host name {host!r}; check for a typo"), None
    return None, parts


def _host_checks(ref: UrlRef, host: str, scheme: str) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    bare = host.removeprefix("www.")
    known = bare in WELL_KNOWN_HOSTS or any(bare.endswith("." + h) for h in (*WELL_KNOWN_HOSTS, *NOT_TYPOS))
    if not known and bare not in NOT_TYPOS:
        close = difflib.get_close_matches(bare, WELL_KNOWN_HOSTS, n=1, cutoff=0.85)
        if close:
            diags.append(diag(ref, "LC903", f"host {host!r} in {ref.url} looks like a typo of {close[0]!r}; "
                               "check the link"))
    if scheme == "http" and (bare in WELL_KNOWN_HOSTS or bare == "hf.co"):
        diags.append(diag(ref, "LC904", f"{ref.url} uses http://; write https://{ref.url.split('://', 1)[1]}"))
    return diags


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _github(ref: UrlRef, path: str, repo_needed: bool) -> Diagnostic | None:
    segs = _segments(path)
    if segs and segs[0].lower() in GITHUB_RESERVED:
        if repo_needed:
            return diag(ref, "LC905", f"{ref.url} is a GitHub site page, not a repository; link "
                         "https://github.com/OWNER/REPO")
        return None
    if len(segs) < 2:
        if repo_needed:
            what = "a user or organisation page" if segs else "GitHub's home page"
            return diag(ref, "LC905", f"{ref.url} is {what}, not a repository; link the repository itself, "
                         "https://github.com/OWNER/REPO")
        if segs and not _GITHUB_OWNER.match(segs[0]):
            return diag(ref, "LC905", f"{ref.url}: {segs[0]!r} is not a valid GitHub user or organisation name")
        return None
    owner, repo = segs[0], segs[1].removesuffix(".git")
    if not _GITHUB_OWNER.match(owner):
        return diag(ref, "LC905", f"{ref.url}: {owner!r} is not a valid GitHub user or organisation name "
                     "(letters, digits and single hyphens)")
    if not _REPO_NAME.match(repo) or repo in (".", ".."):
        return diag(ref, "LC905", f"{ref.url}: {repo!r} is not a valid repository name")
    return None


def _huggingface(ref: UrlRef, path: str, repo_needed: bool) -> Diagnostic | None:
    segs = _segments(path)
    if segs and segs[0] in ("datasets", "spaces", "collections"):
        kind, names = segs[0], segs[1:]
        if len(names) == 1 and kind == "datasets":
            return diag(ref, "LC906", f"{ref.url} names a dataset without its organisation; Hugging Face moved "
                         "such datasets under an organisation: open the link and copy the "
                         "https://huggingface.co/datasets/ORG/NAME address", Severity.WARNING)
        if len(names) < 2 and (repo_needed or names):
            return diag(ref, "LC906", f"{ref.url} names no {kind[:-1]}; link "
                         f"https://huggingface.co/{kind}/ORG/NAME")
        names = names[:2]
    elif segs and segs[0] in HF_RESERVED:
        if repo_needed:
            return diag(ref, "LC906", f"{ref.url} is a Hugging Face site page, not a model, dataset or Space; "
                         "move it to another links key (blog, doc, paper) or link https://huggingface.co/ORG/NAME")
        return None
    else:
        if len(segs) < 2:
            if repo_needed:
                what = "an organisation page" if segs else "Hugging Face's home page"
                return diag(ref, "LC906", f"{ref.url} is {what}, not a model, dataset or Space; link "
                             "https://huggingface.co/ORG/NAME (put organisation pages under links.homepage)")
            return None
        names = segs[:2]
    bad = [n for n in names if not _REPO_NAME.match(n)]
    if bad:
        return diag(ref, "LC906", f"{ref.url}: {bad[0]!r} is not a valid Hugging Face name")
    return None


def arxiv_id_of(path: str) -> str | bool | None:
    """The arXiv id an abs/pdf/html path names; False when it is such a path without a valid id."""
    match = re.match(r"/(abs|pdf|html)/(.+?)/?\Z", path)
    if not match:
        return None
    ident = match[2].removesuffix(".pdf")
    return ident if parse_arxiv_id(ident) else False


def _arxiv(ref: UrlRef, path: str) -> Diagnostic | None:
    ident = arxiv_id_of(path)
    if ident is None:
        return None
    if ident is False:
        return diag(ref, "LC907", f"{ref.url} names no valid arXiv id; it should look like "
                     "https://arxiv.org/abs/2309.00071")
    assert isinstance(ident, str)
    if ref.field == "notes":  # prose may cite other papers
        return None
    base = strip_arxiv_version(ident)
    if ref.record_arxiv and base != ref.record_arxiv:
        return diag(ref, "LC907", f"{ref.url} is arXiv {base} but this record's arxiv is {ref.record_arxiv}; "
                     "fix whichever is wrong (a link to another paper belongs in notes)")
    # Only a paper or survey *is* its arXiv paper; a model or dataset merely links the paper about it.
    if not ref.record_arxiv and ref.field in ("links.paper", "links.pdf") and ref.record_kind in ("paper", "survey"):
        return diag(ref, "LC908", f"the record links arXiv paper {base} but has no arxiv field; add "
                     f"`arxiv: '{base}'` so enrichment can fill in its metadata")
    return None


def _dedupe_key(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}"


def check_offline(refs: Iterable[UrlRef]) -> list[Diagnostic]:
    """Every offline finding for ``refs``; one finding per URL at most for its syntax."""
    diags: list[Diagnostic] = []
    seen: dict[tuple[str, str], UrlRef] = {}
    for ref in refs:
        typo = _typo(ref)
        if typo is not None:
            diags.append(typo)
            continue
        problem, parts = _syntax(ref)
        if problem is not None:
            if not ref.in_text:  # a URL-ish fragment in prose is not worth failing a PR over
                diags.append(problem)
            continue
        host = (parts.hostname or "").rstrip(".").lower()
        diags.extend(_host_checks(ref, host, parts.scheme.lower()))
        repo_needed = ref.field in REPO_FIELDS or ref.field.startswith("code[")
        finding = None
        if host in GITHUB_HOSTS:
            finding = _github(ref, parts.path, repo_needed)
        elif host in HF_HOSTS:
            finding = _huggingface(ref, parts.path, repo_needed)
        elif host in ARXIV_HOSTS:
            finding = _arxiv(ref, parts.path)
        if finding is not None:
            diags.append(finding)
        if ref.in_text:
            continue
        key = (ref.location.path, _dedupe_key(ref.url))
        if key in seen:
            first = seen[key]
            diags.append(diag(ref, "LC909", f"{ref.url} is already given as {first.field} (line "
                               f"{first.location.line}); keep one of the two"))
        else:
            seen[key] = ref
    return diags


def github_repo(url: str) -> tuple[str, str, bool] | None:
    """``(owner, repo, is_repo_root)`` for a github.com repository URL, else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in GITHUB_HOSTS:
        return None
    segs = _segments(parts.path)
    if len(segs) < 2 or segs[0].lower() in GITHUB_RESERVED:
        return None
    owner, repo = segs[0], segs[1].removesuffix(".git")
    if not _GITHUB_OWNER.match(owner) or not _REPO_NAME.match(repo):
        return None
    return owner, repo, len(segs) == 2 and not parts.query
