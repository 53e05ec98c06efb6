"""How a record is shown to a reader: its links, names, numbers, anchor and order.

Everything that turns a :class:`~longctx_catalog.model.Record` into what a reader
sees lives here, once: where a title links (:func:`title_url`, :func:`main_link`),
the other links beside it, the record's page on the site, authors, context
lengths, yes/no marks, month headings, the citation block, and the order records
are listed in. The pages and record pages (as Jinja filters, see :mod:`.templating`),
the explorer and the feeds all use these, so a work looks and sorts the same
wherever it appears; none of them reaches into the page renderer. Functions returning
:class:`~longctx_catalog.markdown.Md` give escaped markdown; the others give
plain text for outputs that escape for themselves (JSON, XML).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote, urlsplit

from .bibtex import entry_for
from .markdown import Md, escape_prose, md_url
from .model import Author, Record
from .schema.fields import LINK_KEYS

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def citation(record: Record) -> str:
    """The BibTeX shown in an entry's citation block: the single source of citation text.

    Generated from the record's fields (a curator's ``bibtex`` override wins), so
    every entry can be cited in one click.
    """
    return entry_for(record)


def title_url(record: Record) -> str | None:
    """Where an entry's title links: the paper itself, else the work's main page, else its code."""
    return main_link(record)[1]


def main_link(record: Record) -> tuple[str, str | None]:
    """``(kind, url)`` of a work's main link (see :func:`title_url`); kind ``code`` for a code link."""
    links = record.links
    if "paper" in links:
        return "paper", links["paper"]
    if record.arxiv:
        return "arxiv", f"https://arxiv.org/abs/{record.arxiv}"
    for key in ("homepage", "project", "huggingface", "github", "doc", "access", "dataset"):
        if key in links:
            return key, links[key]
    if record.code:
        return "code", record.code[0].url
    return next(iter(links.items()), ("paper", None))


def title_href(record: Record) -> Md:
    """Where a title links on GitHub: the work itself (empty when it has no link)."""
    return md_url(title_url(record))


def site_title_href(record: Record) -> Md:
    """Where a title links on the site: the record's own page."""
    return record_url(record)


def record_url(record: Record) -> Md:
    """The record's page on the site as a docs-absolute link (MkDocs validates it and makes it relative)."""
    return _record_url(record.id)


@lru_cache(maxsize=1 << 14)
def _record_url(record_id: str) -> Md:
    return Md("/papers/" + quote(record_id, safe="") + ".md")


def all_links(record: Record) -> list[tuple[str, str]]:
    """Every link of a work, the main one first: what the site shows beside a title that opens the record page.

    A code link as the main link is left out (code is listed on its own).
    """
    kind, url = main_link(record)
    rest = other_links(record)
    return rest if url is None or kind == "code" else [(kind, url), *rest]


def other_links(record: Record) -> list[tuple[str, str]]:
    """``(kind, url)`` for every link but the title's, in the schema's order; arXiv first when not the title."""
    main = title_url(record)
    out: list[tuple[str, str]] = []
    if record.arxiv:
        abs_url = f"https://arxiv.org/abs/{record.arxiv}"
        if abs_url != main and record.links.get("paper") != abs_url:
            out.append(("arxiv", abs_url))
    for key in LINK_KEYS:
        url = record.links.get(key)
        if url and url != main:
            out.append((key, url))
    return out


@lru_cache(maxsize=1 << 14)
def repo_name(url: str) -> Md:
    """``https://github.com/jquesnelle/yarn`` -> ``jquesnelle/yarn``; other hosts keep their host name."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host in ("github.com", "gitlab.com", "huggingface.co", "bitbucket.org") and len(segments) >= 2:
        return escape_prose("/".join(segments[:2]))
    return escape_prose("/".join([host, *segments[:2]]))


def fmt_number(value: float | int | None) -> Md:
    if value is None:
        return Md("")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return Md(str(value))


def fmt_tokens(value: int | None) -> Md:
    """A context length in tokens the way people say it: 32000 -> 32k, 131072 -> 128k, 2000000 -> 2M.

    Windows sized in multiples of 1,024 are counted in k = 1,024 tokens, as the field (and
    the survey's baseline table) does: 32,768 tokens is "32k", not "32.8k"; 128,000 stays "128k".
    """
    if value is None:
        return Md("")
    if value >= 1_000_000:
        return Md(f"{value / 1_000_000:.1f}".removesuffix(".0") + "M")
    if value % 1000 and value % 1024 == 0:
        return Md(f"{value // 1024}k")
    if value >= 1000:
        return Md(f"{value / 1000:.1f}".removesuffix(".0") + "k")
    return Md(str(value))


def plural(count: int, word: str, words: str = "") -> Md:
    """``3|plural("work")`` -> ``3 works``; ``1|plural("survey")`` -> ``1 survey``."""
    return Md(f"{count} {word if count == 1 else (words or word + 's')}")


def fmt_flag(value: bool | None) -> Md:
    return Md("" if value is None else "✅" if value else "❌")


def fmt_check(value: bool | None) -> Md:
    """The site's yes/no marks: text glyphs every font has, where emoji may show as empty boxes."""
    return Md("" if value is None else "✓" if value else "✗")


def month_label(key: str) -> Md:
    """A timeline group key as a heading: ``2023-08`` -> ``August 2023``; ``2023`` -> ``2023``."""
    if not key:
        return Md("Undated")
    if len(key) >= 7:
        return Md(f"{MONTHS[int(key[5:7]) - 1]} {key[:4]}")
    return Md(f"{key} (month unknown)")


def fmt_authors(record: Record, limit: int = 0, affiliations: bool = False) -> Md:
    """``A, B, C`` (``et al.`` after ``limit`` names), optionally with ``(affiliation)`` after each."""
    return _authors(record.authors, limit, affiliations)


def author_names(record: Record, limit: int = 0) -> str:
    """Plain-text ``A, B, C`` (``et al.`` after ``limit`` names), for outputs that escape for themselves (feeds)."""
    authors = record.authors
    shown = authors[:limit] if limit and len(authors) > limit else authors
    text = ", ".join(a.name for a in shown)
    return text + " et al." if len(shown) < len(authors) else text


# Not memoised: each record's list is formatted about once per way it is shown (an
# entry is rendered once and reused), so a cache only paid for hashing every Author.
def _authors(authors: tuple[Author, ...], limit: int, affiliations: bool) -> Md:
    shown = authors[:limit] if limit and len(authors) > limit else authors
    names = []
    for author in shown:
        name = escape_prose(author.name)
        if affiliations and author.affiliations:
            name = Md(f"{name} ({escape_prose('; '.join(author.affiliations))})")
        names.append(name)
    text = ", ".join(names)
    if len(shown) < len(authors):
        text += " et al."
    return Md(text)



def anchor_html(record_id: str) -> Md:
    """The HTML anchor that marks a record on a page: links to ``<page>#<record-id>`` land on it.

    The site's per-record pages (``docs/papers/<id>.md``) can link back the same way.
    """
    return Md(f'<a id="{html.escape(record_id, quote=True)}"></a>')


# ---------------------------------------------------------------------------------
# Order


def sort_newest_first(records: Iterable[Record]) -> list[Record]:
    """Newest ``date`` first; undated last; ties (and equal dates) broken by id so order never wobbles."""
    by_id = sorted(records, key=lambda r: r.id)
    return sorted(by_id, key=lambda r: r.date or "", reverse=True)


def sort_by_name(records: Iterable[Record]) -> list[Record]:
    return sorted(records, key=lambda r: (r.display_title.casefold(), r.id))


def news_date(record: Record) -> str:
    """When a work was news: its first public date, or the day it was added if that came first.

    A bulk import adds hundreds of old works on one day; ordering by ``added`` alone would
    make that day's alphabet the "latest" list. A work added the day it appeared keeps its day.
    """
    if record.date and record.added:
        return min(record.date, record.added)
    return record.date or record.added or ""


def sort_latest_added(records: Iterable[Record]) -> list[Record]:
    """Dated works by news date, newest first, then undated ones by ``added``; ties by id."""
    by_id = sorted(records, key=lambda r: r.id)
    return sorted(by_id, key=lambda r: (r.date is not None, news_date(r)), reverse=True)
