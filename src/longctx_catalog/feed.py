"""Atom 1.0 feeds of what is new in the catalogue: ``feed.xml`` and ``feeds/<branch id>.xml``.

An entry is either an addition (a record, dated by its ``added`` day) or an arXiv
event logged by ``longctx enrich --refresh`` (:mod:`longctx_catalog.enrich.events`:
a new version, a journal reference or a DOI), dated by the day it was noticed. The
newest ``limit`` entries are kept, newest first.

The feeds are deterministic, as everything generated is: every date comes from the
data (``updated`` of the feed is its newest entry's), never from the clock, and the
same catalogue gives the same bytes. Entry ids are ``tag:`` URIs (RFC 4151) that do
not change when the site moves: ``tag:<authority>,<date>:<path>`` with the entry's
own date, and the authority taken from the site's URL, else the repository's URL,
else the reserved ``longctx-catalog.invalid`` (set ``site_url`` in mkdocs.yml). Links
are absolute with a site URL and relative to the feed's own location without one
(Atom resolves them against the feed's URL).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from .enrich.events import ArxivEvent
from .load import CONTROL_CHARACTERS
from .model import Catalog, Record, TaxonomyNode
from .present import author_names

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_FILE = "feed.xml"
BRANCH_FEED_DIR = "feeds"
DEFAULT_LIMIT = 50
FALLBACK_AUTHORITY = "longctx-catalog.invalid"
GENERATOR = "longctx-catalog"

EVENT_TITLES = {
    "new-version": "new arXiv version",
    "journal-ref": "published",
    "doi": "DOI assigned",
}


def branch_feed_path(branch: TaxonomyNode) -> str:
    return f"{BRANCH_FEED_DIR}/{branch.id}.xml"


@dataclass(frozen=True)
class SiteInfo:
    """What the feeds need to know about the site."""

    name: str
    url: str | None = None  # site_url, ending in "/"
    repo_url: str | None = None
    description: str | None = None
    page: str = "papers/{id}/"  # a record's page, relative to the site root

    @property
    def tag_prefix(self) -> tuple[str, str]:
        """(authority, path prefix) for tag: URIs."""
        for url in (self.url, self.repo_url):
            if url:
                parts = urlsplit(url)
                if parts.hostname:
                    path = parts.path.strip("/")
                    return parts.hostname.lower(), f"{path}/" if path else ""
        return FALLBACK_AUTHORITY, ""


@dataclass(frozen=True)
class Entry:
    date: str  # YYYY-MM-DD
    kind: str  # "added" or an event kind
    record: Record
    event: ArxivEvent | None = None

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.date, self.record.date or "", self.record.id, self.kind)


def entries_for(records: Iterable[Record], events: Iterable[ArxivEvent], by_id: dict[str, Record]) -> list[Entry]:
    """Additions and events for ``records``, newest first."""
    wanted = {r.id for r in records}
    out = [Entry(r.added, "added", r) for r in by_id.values() if r.id in wanted and r.added]
    for event in events:
        record = by_id.get(event.record)
        if record is not None and record.id in wanted:
            out.append(Entry(event.date, event.kind, record, event))
    return sorted(out, key=Entry.sort_key, reverse=True)


def _stamp(day: str) -> str:
    return f"{dt.date.fromisoformat(day).isoformat()}T00:00:00Z"


def _entry_title(entry: Entry) -> str:
    title = entry.record.display_title
    if entry.event is None:
        return title
    event = entry.event
    what = EVENT_TITLES.get(event.kind, event.kind)
    if event.kind == "new-version" and event.new:
        what = f"{what} ({event.new})"
    elif event.kind == "journal-ref" and event.new:
        what = f"published in {event.new}"
    return f"{title}: {what}"


def _summary(entry: Entry) -> str:
    record = entry.record
    if entry.event is not None:
        event = entry.event
        if event.kind == "new-version":
            return f"arXiv:{event.arxiv} has a new version, {event.new or '?'} (was {event.old or 'unknown'})."
        if event.kind == "journal-ref":
            return f"arXiv:{event.arxiv} now has a journal reference: {event.new}."
        return f"arXiv:{event.arxiv} now has a DOI: {event.new}."
    return record.tldr or f"New in the catalogue: {record.display_title}."


def _content_html(entry: Entry, taxonomy_titles: list[str]) -> str:
    """A short HTML body (escaped by ElementTree as the text of a type="html" content)."""
    import html

    record = entry.record
    parts = []
    if record.authors:
        parts.append(f"<p>{html.escape(author_names(record, 8))}</p>")
    parts.append(f"<p>{html.escape(_summary(entry))}</p>")
    facts = [record.kind]
    if record.date:
        facts.append(record.date)
    if record.venue:
        facts.append(record.venue)
    if taxonomy_titles:
        facts.append("in " + ", ".join(taxonomy_titles))
    parts.append(f"<p>{html.escape(' · '.join(facts))}</p>")
    return "".join(parts)


def build_feed(
    catalog: Catalog,
    events: list[ArxivEvent],
    site: SiteInfo,
    *,
    path: str = FEED_FILE,
    branch: TaxonomyNode | None = None,
    limit: int = DEFAULT_LIMIT,
) -> str:
    """One Atom feed, for the whole catalogue or for the records under ``branch``, written at ``path``."""
    if branch is None:
        records = catalog.records
        title = f"{site.name}: what is new"
    else:
        subtree = {n.id for n in branch.walk()}
        records = [r for r in catalog.records if subtree.intersection(r.tags)]
        title = f"{site.name}: what is new in {branch.title}"
    entries = entries_for(records, events, catalog.by_id)[:limit]
    authority, prefix = site.tag_prefix
    depth = path.count("/")
    base = site.url or ("../" * depth)

    def link(target: str) -> str:
        return base + target if (base or target) else "./"

    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    newest = max((e.date for e in entries), default=None) or max(
        (r.added for r in catalog.records if r.added), default="1970-01-01")
    first = min((r.added for r in catalog.records if r.added), default=newest)
    sub(feed, "title", title)
    if site.description:
        sub(feed, "subtitle", " ".join(site.description.split()))
    sub(feed, "id", f"tag:{authority},{first}:{prefix}{path}")
    sub(feed, "updated", _stamp(newest))
    sub(feed, "link", rel="self", type="application/atom+xml", href=link(path))
    sub(feed, "link", rel="alternate", type="text/html", href=link(""))
    author = sub(feed, "author")
    sub(author, "name", f"{site.name} contributors")
    sub(feed, "generator", GENERATOR)
    taxonomy = catalog.taxonomy
    for entry in entries:
        record = entry.record
        node = sub(feed, "entry")
        sub(node, "title", _entry_title(entry))
        page = site.page.replace("{id}", record.id)
        if entry.event is None:
            tag_path = f"{prefix}{page}"
        else:
            tag_path = f"{prefix}{page}#{entry.kind}-{quote(entry.event.new or '', safe='')}"
        sub(node, "id", f"tag:{authority},{entry.date}:{tag_path}")
        sub(node, "updated", _stamp(entry.date))
        sub(node, "published", _stamp(entry.date))
        sub(node, "link", rel="alternate", type="text/html", href=link(page))
        titles = []
        for tag in record.tags:
            if tag in taxonomy:
                sub(node, "category", term=tag, label=taxonomy[tag].title)
                titles.append(taxonomy[tag].title)
        sub(node, "summary", _summary(entry), type="text")
        sub(node, "content", _content_html(entry, titles), type="html")
    ET.indent(feed, space="  ")
    text = ET.tostring(feed, encoding="unicode")
    # Validation refuses control characters in records; never emit one XML cannot carry anyway.
    return '<?xml version="1.0" encoding="utf-8"?>\n' + CONTROL_CHARACTERS.sub("", text) + "\n"


def feed_files(catalog: Catalog, events: list[ArxivEvent], site: SiteInfo,
               limit: int = DEFAULT_LIMIT) -> dict[str, str]:
    """``feed.xml`` and one ``feeds/<branch>.xml`` per top-level node, by path relative to the site root."""
    files = {FEED_FILE: build_feed(catalog, events, site, limit=limit)}
    for branch in catalog.taxonomy.roots:
        path = branch_feed_path(branch)
        files[path] = build_feed(catalog, events, site, path=path, branch=branch, limit=limit)
    return files
