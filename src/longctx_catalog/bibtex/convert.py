"""One BibTeX entry -> the fields of one record.

Only the fields a record shows are decoded (title, author names, venue); URLs and
identifiers are read as written. The rules, in one place:

- **authors**: BibTeX's own name grammar (``Last, First``, ``First von Last``,
  ``Last, Jr, First``) -> ``First von Last``; ``and others`` is dropped.
- **arxiv**: ``eprint`` (with ``archivePrefix``/``eprinttype`` arXiv, or on its own
  when it is a valid id), ``journal = {arXiv preprint arXiv:…}`` / ``CoRR abs/…``,
  an arxiv.org URL in ``url``/``howpublished``/``note``, or an arXiv DOI; stored
  without its version.
- **date**: ``date``, or ``year`` + ``month``; the arXiv id's month replaces it
  unless the entry gives a day (the catalogue dates the first public version).
- **venue**: ``journal``/``booktitle``, or ``howpublished`` when it is not a URL;
  never a plain "arXiv preprint". Well-known venues are shortened (``NeurIPS 2023``).
- **links/code**: github.com URLs become ``code`` (``official: true``: the entry's
  own URL points at the work); arXiv gives ``links.paper``; other URLs are sorted
  into ``blog``/``openreview``/``huggingface``/``pdf``/``paper`` by host.

The entry itself is not kept: its facts are in the fields, and the citation is
generated from them (:mod:`.entry`), so a lower-cased title or an author list cut at
"and others" in the source .bib does not outlive the import. A record's ``bibtex``
field is for a curator's explicit override only.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..diagnostics import Diagnostic
from ..model import normalise_title, slugify, strip_arxiv_version
from ..schema.specs import arxiv_year_month, parse_arxiv_id
from .latex import to_text
from .parse import BibEntry, split_names

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv[:\s.]\s*|abs/|10\.48550/arxiv\.)"
    r"(?P<id>\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)",
    re.IGNORECASE | re.ASCII,
)
_PREPRINT_VENUE = re.compile(
    r"^\s*(arxiv|corr|preprint|biorxiv|medrxiv|ssrn)\b|arxiv preprint", re.IGNORECASE
)
_URL = re.compile(r"https?://[^\s{}\"<>\\]+(?:\\[_%#&~][^\s{}\"<>\\]*)*", re.IGNORECASE)
_NOT_A_VENUE = re.compile(
    r"^\s*(github|online|blog|website|web page|webpage|url|preprint|software|"
    r"technical report|tech\. report|manuscript|unpublished)\s*\.?\s*$",
    re.IGNORECASE,
)
_BLOG_HOSTS = (
    "spaces.ac.cn",
    "kexue.fm",
    "reddit.com",
    "medium.com",
    "substack.com",
    "lmsys.org",
    "blogspot.com",
    "wordpress.com",
    "zhihu.com",
    "twitter.com",
    "x.com",
)
_SURVEY = re.compile(r"\bsurvey\b", re.IGNORECASE)

# (pattern, short name) — first match wins, so specific names come before general ones.
_VENUES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), short)
    for p, short in (
        (
            r"findings of the association for computational linguistics:?\s*emnlp|findings of emnlp",
            "Findings of EMNLP",
        ),
        (
            r"findings of the association for computational linguistics:?\s*naacl|findings of naacl",
            "Findings of NAACL",
        ),
        (r"findings of the association for computational linguistics|findings of acl", "Findings of ACL"),
        (r"transactions of the association for computational linguistics|^tacl$", "TACL"),
        (r"empirical methods in natural language processing|\bemnlp\b", "EMNLP"),
        (r"north american chapter of the association for computational linguistics|\bnaacl\b", "NAACL"),
        (r"european chapter of the association for computational linguistics|\beacl\b", "EACL"),
        (r"annual meeting of the association for computational linguistics|^acl$|\bacl \d{4}\b", "ACL"),
        (r"international conference on computational linguistics|\bcoling\b", "COLING"),
        (r"neural information processing systems|\bneurips\b|\bnips\b", "NeurIPS"),
        (r"international conference on machine learning|\bicml\b", "ICML"),
        (r"international conference on learning representations|\biclr\b", "ICLR"),
        (r"aaai conference on artificial intelligence|\baaai\b", "AAAI"),
        (r"international joint conference on artificial intelligence|\bijcai\b", "IJCAI"),
        (r"conference on computer vision and pattern recognition|\bcvpr\b", "CVPR"),
        (r"international conference on computer vision|\biccv\b", "ICCV"),
        (r"conference on language modeling|\bcolm\b", "COLM"),
        (r"conference on machine learning and systems|^mlsys$|\bmlsys \d{4}\b", "MLSys"),
        (r"journal of machine learning research|^jmlr$", "JMLR"),
        (r"^acm computing surveys", "ACM Computing Surveys"),
    )
)


@dataclass
class Converted:
    """Record fields read from one entry, plus what did not survive the reading."""

    entry: BibEntry
    fields: dict[str, Any] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def arxiv(self) -> str | None:
        return self.fields.get("arxiv")

    @functools.cached_property
    def title_key(self) -> str:
        return normalise_title(self.fields.get("title", ""))


def convert(entry: BibEntry, today: dt.date) -> Converted:
    out = Converted(entry)
    warn = out.problems.append

    title = to_text(entry.get("title") or "")
    if title:
        out.fields["title"] = title
        if _SURVEY.search(title):
            out.fields["kind"] = "survey"

    arxiv = _find_arxiv(entry, out)
    if arxiv:
        out.fields["arxiv"] = arxiv

    authors = _authors(entry, out)
    if authors:
        out.fields["authors"] = authors

    date = _date(entry, arxiv, today, out)
    if date:
        out.fields["date"] = date

    venue = _venue(entry)
    if venue:
        out.fields["venue"] = venue

    links, code = _links(entry, arxiv, out)
    if links:
        out.fields["links"] = links
    if code:
        out.fields["code"] = code

    for problem in entry.problems:
        warn(problem)
    return out


def _problem(out: Converted, name: str, message: str) -> None:
    f = out.entry.fields.get(name)
    location = f.location if f is not None else out.entry.location
    out.problems.append(Diagnostic.make(location, "LC605", f"{message} (entry '{out.entry.key}')"))


def _find_arxiv(entry: BibEntry, out: Converted) -> str | None:
    eprint = (entry.get("eprint") or "").strip()
    prefix = (entry.get("archiveprefix") or entry.get("eprinttype") or "").strip().lower()
    if eprint and prefix in ("", "arxiv"):
        candidate = re.sub(r"^arxiv:\s*", "", eprint, flags=re.IGNORECASE)
        if parse_arxiv_id(candidate):
            return strip_arxiv_version(candidate)
        if prefix == "arxiv":
            _problem(out, "eprint", f"eprint {eprint!r} is not a valid arXiv id; ignored")
    for name in ("journal", "volume", "url", "howpublished", "note", "doi", "booktitle"):
        value = entry.get(name)
        if not value:
            continue
        if name == "volume" and not re.match(r"\s*(corr|arxiv)", entry.get("journal") or "", re.IGNORECASE):
            continue
        for m in _ARXIV_IN_TEXT.finditer(value.replace("\\_", "_")):
            candidate = m.group("id")
            if parse_arxiv_id(candidate):
                return strip_arxiv_version(candidate)
            _problem(
                out, name, f"{candidate!r} in field '{name}' looks like an arXiv id but is not valid; ignored"
            )
            break
    return None


def _authors(entry: BibEntry, out: Converted) -> list[str]:
    raw = entry.get("author")
    if not raw:
        return []
    names: list[str] = []
    for part in split_names(raw):
        if part.strip().lower() == "others":
            continue
        name = display_name(part)
        if not name:
            continue
        if name in names:
            _problem(out, "author", f"author {name!r} is listed twice; kept once")
            continue
        names.append(name)
    return names


_COMMA_OR_BRACE = re.compile(r"(?<!\\)[{},]")


@functools.lru_cache(maxsize=65536)  # names recur across a bibliography
def display_name(name: str) -> str:
    """One BibTeX name as people write it: ``van der Maaten, Laurens`` -> ``Laurens van der Maaten``.

    BibTeX's three forms are ``First von Last``, ``von Last, First`` and ``von Last, Jr,
    First`` (commas inside braces do not count). Shown in reading order, the words are
    First + von + Last (+ ", Jr"), which needs only the top-level commas, not the case
    rules that separate First from von.
    """
    sections: list[str] = []
    depth, start = 0, 0
    for m in _COMMA_OR_BRACE.finditer(name):
        ch = m.group()
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            sections.append(name[start:m.start()])
            start = m.end()
    sections.append(name[start:])
    parts = [to_text(section) for section in sections]
    if len(parts) == 1:
        return parts[0]
    last, first = parts[0], " ".join(p for p in parts[2:] if p) if len(parts) > 2 else parts[1]
    jr = parts[1] if len(parts) > 2 else ""
    text = f"{first} {last}".strip()
    return f"{text}, {jr}" if jr else text


def _date(entry: BibEntry, arxiv: str | None, today: dt.date, out: Converted) -> str | None:
    bib_date = None
    biblatex = (entry.get("date") or "").strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", biblatex)
    if m:
        bib_date = biblatex
    elif biblatex:
        _problem(out, "date", f"date {biblatex!r} is not YYYY, YYYY-MM or YYYY-MM-DD; ignored")
    year_text = to_text(entry.get("year") or "")
    if bib_date is None and year_text:
        y = re.fullmatch(r"(\d{4})", year_text)
        if y:
            bib_date = y.group(1)
            month = _month(to_text(entry.get("month") or ""))
            if month is None and entry.get("month"):
                _problem(out, "month", f"month {entry.get('month')!r} is not a month; ignored")
            elif month is not None:
                bib_date += f"-{month:02d}"
        else:
            _problem(out, "year", f"year {year_text!r} is not a four-digit year; ignored")
    if bib_date is not None:
        try:
            parts = [int(p) for p in bib_date.split("-")]
            dt.date(parts[0], *[*parts[1:], 1, 1][:2])
        except ValueError:
            _problem(out, "date", f"{bib_date} is not a calendar date; ignored")
            bib_date = None
    ym = arxiv_year_month(arxiv) if arxiv else None
    if ym is not None and (bib_date is None or len(bib_date) < 10):
        bib_date = f"{ym[0]:04d}-{ym[1]:02d}"
    if bib_date is not None and bib_date > today.isoformat()[: len(bib_date)]:
        _problem(out, "year", f"date {bib_date} lies in the future; ignored")
        return None
    return bib_date


def _month(text: str) -> int | None:
    text = text.strip().rstrip(".").lower()
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    return _MONTHS.get(text[:3]) if len(text) >= 3 and (text[:3] in _MONTHS) else None


def _venue(entry: BibEntry) -> str | None:
    for name in ("journal", "booktitle", "howpublished"):
        raw = entry.get(name)
        if not raw:
            continue
        if name == "howpublished" and ("\\url" in raw or "http" in raw or "www." in raw):
            continue
        text = to_text(raw)
        if not text or _PREPRINT_VENUE.search(text) or _NOT_A_VENUE.match(text):
            continue
        year = (to_text(entry.get("year") or "").strip() or "")[:4]
        year = year if year.isdigit() else ""
        if not year:  # "ICLR 2024 Oral" without a year field: the venue's own year is kept
            named = re.search(r"\b(?:19|20)\d{2}\b", text)
            year = named.group(0) if named else ""
        if "workshop" not in text.lower():
            for pattern, short in _VENUES:
                if pattern.search(text):
                    return f"{short} {year}".strip()
        if year and not re.search(r"\b(19|20)\d{2}\b", text):
            return f"{text} {year}"
        return text
    return None


def _urls(entry: BibEntry) -> list[str]:
    urls: list[str] = []
    for name in ("url", "howpublished", "note", "pdf"):
        value = entry.get(name)
        if not value:
            continue
        value = re.sub(r"\\+([_%#&~$])", r"\1", value)  # \_ and Google Scholar's \\_ in URLs
        for m in _URL.finditer(value):
            url = m.group().rstrip(".,;)}")
            if url not in urls:
                urls.append(url)
    doi = (entry.get("doi") or "").strip()
    if doi and not doi.lower().startswith("10.48550/"):
        urls.append(doi if doi.startswith("http") else "https://doi.org/" + doi)
    return urls


def _links(entry: BibEntry, arxiv: str | None, out: Converted) -> tuple[dict[str, str], list[dict[str, Any]]]:
    links: dict[str, str] = {}
    code: list[dict[str, Any]] = []
    if arxiv:
        links["paper"] = f"https://arxiv.org/abs/{arxiv}"
    for url in _urls(entry):
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.")
        if not host or "." not in host:
            _problem(out, "url", f"{url!r} is not a usable URL; ignored")
            continue
        if host == "arxiv.org":
            continue  # already read as the arXiv id
        if host == "github.com":
            repo = url.removesuffix("/").removesuffix(".git")
            if all(c["url"] != repo for c in code):
                code.append({"url": repo, "official": True})
            continue
        if host == "openreview.net":
            key = "openreview"
        elif host == "huggingface.co" and not parts.path.startswith("/blog"):
            key = "huggingface"
        elif host.endswith(_BLOG_HOSTS) or "/blog" in parts.path or host.startswith("blog."):
            key = "blog"
        elif parts.path.lower().endswith(".pdf"):
            key = "pdf"
        else:
            key = "paper"
        links.setdefault(key, url)
    return links, code


_GENERIC_HEADS = frozenset(
    {
        "position",
        "survey",
        "review",
        "tutorial",
        "perspective",
        "overview",
        "introduction",
        "note",
        "report",
        "technical-report",
        "letter",
        "editorial",
        "poster",
        "abstract",
    }
)
_LEADING_ARTICLES = ("a", "an", "the")


def slug_candidates(fields: dict[str, Any], key: str) -> list[str]:
    """Readable ids, best first: the name before a title's colon (``yarn``), then its first words."""
    title = fields.get("title") or ""
    out: list[str] = []
    if ":" in title:
        head = title.split(":", 1)[0].strip()
        lost = any(not c.isascii() and not unicodedata.decomposition(c) for c in head)  # ∞, CJK ...
        slug = slugify(head)
        if 1 <= len(head.split()) <= 4 and len(slug) >= 3 and not lost and slug not in _GENERIC_HEADS:
            out.append(slug)
    words = slugify(title, max_len=200).split("-") if title else []
    while len(words) > 1 and words[0] in _LEADING_ARTICLES:
        words = words[1:]
    slug = ""
    for word in words:
        if slug and len(slug) + 1 + len(word) > 48:
            break
        slug = f"{slug}-{word}" if slug else word
    slug = slug[:80].strip("-")
    if not slug:
        slug = "arxiv-" + slugify(fields["arxiv"]) if fields.get("arxiv") else (slugify(key) or "entry")
    if slug not in out:
        out.append(slug)
    return out
