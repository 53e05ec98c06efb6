"""Where each generated page goes, and the indexes over the catalogue its template reads.

Page paths mirror the taxonomy tree under ``docs/``:

- a node with children: ``docs/<ancestor ids>/<id>/index.md``
  (``docs/methodology/efficient-attention/index.md``);
- a leaf node: ``docs/<ancestor ids>/<id>.md``
  (``docs/methodology/efficient-attention/local-attention/block-wise-attention.md``);
- the views: ``docs/timeline.md`` (with ``docs/timeline/<year>.md``) and ``docs/techniques.md``;
- the home page: ``docs/index.md``;
- in site mode, one page per record: ``docs/papers/<id>.md``.

:class:`Views` decides *what* goes on each page (which records, in which order,
grouped how); templates reach it as ``views``.
"""

from __future__ import annotations

import functools
import posixpath
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote

from .markdown import Md, escape_prose
from .model import Catalog, Record, TaxonomyNode
from .present import news_date, sort_latest_added, sort_newest_first

DOCS_DIR = "docs"
TIMELINE_PAGE = f"{DOCS_DIR}/timeline.md"
TIMELINE_DIR = f"{DOCS_DIR}/timeline"  # one page per year: a single page of every work stopped being readable
TECHNIQUES_PAGE = f"{DOCS_DIR}/techniques.md"
HOME_PAGE = f"{DOCS_DIR}/index.md"
RECORDS_DIR = f"{DOCS_DIR}/papers"  # the site's record pages: docs/papers/<id>.md (site mode only)
# Top-level node ids that would clash with the views, the home page, the site's record
# pages (docs/papers/<id>.md), its about pages (docs/about/), or the site's explorer,
# statistics, feeds (feeds/) and downloads (bib/, catalogue.*) (see extras.py).
RESERVED_TOP_LEVEL_IDS = ("timeline", "techniques", "papers", "index", "about", "explorer", "statistics", "feeds",
                          "bib", "catalogue")
RELATED_LIMIT = 5
CONTRIBUTING_FILE = "CONTRIBUTING.md"
SITE_CONTRIBUTING_PAGE = "about/contributing.md"  # where the site shows CONTRIBUTING.md (docs-relative)


# ---------------------------------------------------------------------------------
# Paths


def node_page(node: TaxonomyNode) -> str:
    """The page of a taxonomy node, relative to the catalogue root (see the module docstring)."""
    return _node_page(tuple(n.id for n in node.lineage()), bool(node.children))


def timeline_year_page(year: str) -> str:
    return f"{TIMELINE_DIR}/{year}.md"


def timeline_years(catalog: Catalog) -> list[str]:
    """The years with at least one dated record, newest first: one timeline page each."""
    return sorted({r.date[:4] for r in catalog.records if r.date}, reverse=True)


@lru_cache(maxsize=1 << 12)
def _node_page(ids: tuple[str, ...], has_children: bool) -> str:
    if has_children:
        return "/".join([DOCS_DIR, *ids, "index.md"])
    return "/".join([DOCS_DIR, *ids[:-1], f"{ids[-1]}.md"])


@lru_cache(maxsize=1 << 14)
def relative(from_page: str, to_path: str) -> str:
    """A link from one generated file to another (both relative to the catalogue root, POSIX, no ``..``)."""
    here = _folders(from_page)
    there = to_path.split("/")
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:])


@lru_cache(maxsize=1 << 12)
def _folders(page: str) -> tuple[str, ...]:
    """The folders a page is in, outermost first (a page links from there many times over)."""
    return tuple(posixpath.dirname(page).split("/")) if "/" in page else ()


@lru_cache(maxsize=1 << 14)
def page_link(page: str, path: str) -> Md:
    return Md(quote(relative(page, path), safe="/#.-_~"))


def record_page(record: Record) -> str:
    """The record's page on the site, relative to the catalogue root: ``docs/papers/<id>.md``."""
    return f"{RECORDS_DIR}/{record.id}.md"


# ---------------------------------------------------------------------------------
# What goes where


@dataclass
class Section:
    """One heading on a node page and the records listed under it."""

    node: TaxonomyNode
    level: int  # markdown heading level; 0 = no heading (a leaf page's own records)
    records: list[Record]
    general: bool = False  # the parent's own records, listed before its children


@dataclass
class Views:
    """Indexes over the catalogue that every page shares, computed once."""

    catalog: Catalog
    ordered: list[Record] = field(init=False)
    tagged: dict[str, list[Record]] = field(init=False)
    under: dict[str, list[Record]] = field(init=False)
    order: dict[str, int] = field(init=False)
    pages: dict[str, str] = field(init=False)  # node id -> its page
    position: dict[str, int] = field(init=False)  # record id -> place in `ordered` (newest first)
    _ids: dict[str, frozenset[str]] = field(init=False, default_factory=dict)  # memo for related()
    _trails: dict[tuple[str, str], Md] = field(init=False, default_factory=dict)  # memo for trail()

    def __post_init__(self) -> None:
        taxonomy = self.catalog.taxonomy
        self.order = {node_id: i for i, node_id in enumerate(taxonomy.nodes)}  # document order
        self.pages = {node_id: node_page(node) for node_id, node in taxonomy.nodes.items()}
        self.ordered = sort_newest_first(self.catalog.records)
        self.position = {r.id: i for i, r in enumerate(self.ordered)}
        self.tagged = defaultdict(list)
        self.under = defaultdict(list)
        for record in self.ordered:
            covered: dict[str, None] = {}
            for tag in record.tags:
                if tag not in taxonomy:
                    continue
                self.tagged[tag].append(record)
                for node in taxonomy[tag].lineage():
                    covered[node.id] = None
            for node_id in covered:
                self.under[node_id].append(record)

    # --- helpers for templates -------------------------------------------------

    def of_kind(self, *kinds: str) -> list[Record]:
        return [r for r in self.ordered if r.kind in kinds]

    def datasets_for_task(self, task: str) -> list[Record]:
        return [r for r in self._datasets if task in r.task_types]

    @functools.cached_property
    def _datasets(self) -> list[Record]:
        # Once, not once per task type: ten passes over every record showed at 10,000 records.
        return self.of_kind("dataset")

    def count(self, node: TaxonomyNode) -> int:
        return len(self.under.get(node.id, ()))

    def latest_added(self, kinds: Iterable[str], limit: int, under: str | None = None) -> list[Record]:
        """The newest records of ``kinds`` (and, with ``under``, every record filed under that node)."""
        wanted = set(kinds)
        extra = {r.id for r in self.under.get(under, ())} if under else set()
        return sort_latest_added(r for r in self.catalog.records if r.kind in wanted or r.id in extra)[:limit]

    def news_date(self, record: Record) -> str:
        return news_date(record)

    def home(self, record: Record) -> TaxonomyNode | None:
        """The node whose page an entry is "located" on: its first known tag."""
        taxonomy = self.catalog.taxonomy
        return next((taxonomy[t] for t in record.tags if t in taxonomy), None)

    def route(self, record: Record) -> list[TaxonomyNode]:
        """A record's technique route: the families (second-level nodes) its tags fall in.

        The top level of the taxonomy (Methodology, Evaluation, ...) is too coarse to
        tell techniques apart, so a tag counts for the node just below the top; a tag
        on a top-level node counts for itself. Distinct, in taxonomy order.
        """
        taxonomy = self.catalog.taxonomy
        found: dict[str, TaxonomyNode] = {}
        for tag in record.tags:
            if tag in taxonomy:
                lineage = taxonomy[tag].lineage()
                family = lineage[1] if len(lineage) > 1 else lineage[0]
                found[family.id] = family
        return sorted(found.values(), key=lambda n: self.order[n.id])

    def prepare_related(self) -> None:
        """Compute what :meth:`related` draws on now: a child forked afterwards inherits it instead
        of computing it again (the text model costs ~1 s of CPU at 5,000 records)."""
        self._similar  # noqa: B018 (a cached property: reading it computes it)

    @functools.cached_property
    def _similar(self) -> dict[str, list[Record]]:
        # Only site-mode record pages ask, so plain `longctx render` never loads the text model.
        from .similarity import Index

        return Index(self.catalog, abstracts=False).all_related(RELATED_LIMIT)

    def related(self, record: Record, limit: int = RELATED_LIMIT) -> list[Record]:
        """Up to ``limit`` records most like this one: by their words first, then by the nodes they share.

        The records whose titles and TL;DRs are closest (:meth:`.similarity.Index.all_related`,
        so YaRN lists Position Interpolation) come first. If fewer than ``limit`` are
        found, records sharing taxonomy nodes fill the list: a record sharing a tag
        scores the depth of that node plus one (deeper, more specific nodes count more),
        summed over the tags shared; the highest scores come first. When fewer than
        ``limit`` share a tag, records filed elsewhere under a tag's parent node (below
        the top level) fill the list, deepest parent first. Ties go to the newest, then
        by id, so the list never wobbles.
        """
        taxonomy = self.catalog.taxonomy
        tags = [t for t in dict.fromkeys(record.tags) if t in taxonomy]
        weight = {t: taxonomy[t].depth + 1 for t in tags}
        taken: dict[str, Record] = {}

        def take(candidates: Iterable[Record]) -> None:
            """Add from ``candidates`` (newest first) until the list is full."""
            for other in candidates:
                if len(taken) >= limit:
                    return
                if other.id != record.id and other.id not in taken:
                    taken[other.id] = other

        take(self._similar.get(record.id, []))

        # Every subset of the tags, best score first: members of a subset's
        # intersection that no better subset took share exactly those tags.
        if len(tags) <= 6:
            subsets: list[tuple[int, tuple[str, ...]]] = []
            for mask in range(1, 1 << len(tags)):
                chosen = tuple(t for i, t in enumerate(tags) if mask >> i & 1)
                subsets.append((-sum(weight[t] for t in chosen), chosen))
            subsets.sort(key=lambda item: (item[0], -len(item[1]), [self.order[t] for t in item[1]]))
        else:  # too many for subsets; rank tag by tag
            subsets = sorted(((-weight[t], (t,)) for t in tags), key=lambda item: (item[0], self.order[item[1][0]]))
        for _, chosen in subsets:
            if len(taken) >= limit:
                break
            if len(chosen) == 1:  # the tag's own list is newest first already
                take(self.tagged.get(chosen[0], []))
                continue
            members = self._tagged_ids(chosen[0])
            for tag in chosen[1:]:
                members = members & self._tagged_ids(tag)
            by_id = self.catalog.by_id
            take(sorted((by_id[rid] for rid in members), key=lambda r: self.position[r.id]))
        for tag in sorted(tags, key=lambda t: (-weight[t], self.order[t])):
            if len(taken) >= limit:
                break
            parent = taxonomy[tag].parent
            if parent is not None and parent.parent is not None:  # below the top level only
                take(self.under.get(parent.id, []))
        return list(taken.values())

    def _tagged_ids(self, node_id: str) -> frozenset[str]:
        key = "=" + node_id
        ids = self._ids.get(key)
        if ids is None:
            ids = self._ids[key] = frozenset(r.id for r in self.tagged.get(node_id, ()))
        return ids

    def trail(self, node: TaxonomyNode, page: str) -> Md:
        """``[Methodology](..) › [Extended RoPE](..) › [Scaling Strategies](..)``, linked from ``page``.

        Memoised by the page's folder: every record page shares one, so each node's
        trail is written once however many records are filed under it.
        """
        key = (posixpath.dirname(page), node.id)
        text = self._trails.get(key)
        if text is None:
            text = self._trails[key] = Md(" › ".join(
                f"[{escape_prose(n.title)}]({page_link(page, self.pages[n.id])})" for n in node.lineage()))
        return text

    def months(self, records: Iterable[Record]) -> list[tuple[str, list[Record]]]:
        """Records grouped by ``YYYY-MM`` (or ``YYYY`` when that is all we know), newest group first."""
        groups: dict[str, list[Record]] = {}
        for record in records:
            groups.setdefault((record.date or "")[:7], []).append(record)
        return sorted(groups.items(), key=lambda item: item[0], reverse=True)

    def sections(self, node: TaxonomyNode) -> list[Section]:
        """A node page's headings: its own records, then each child's (grandchildren as sub-headings).

        Deeper descendants are folded into their grandchild's heading so entries keep
        one heading level (####) however deep the tree is.
        """
        if not node.children:
            return [Section(node, 0, self.tagged.get(node.id, []))]
        out: list[Section] = []
        own = self.tagged.get(node.id, [])
        if own:
            out.append(Section(node, 2, own, general=True))
        for child in node.children:
            if not self.under.get(child.id):
                continue
            out.append(Section(child, 2, self.tagged.get(child.id, [])))
            for grandchild in child.children:
                records = self.under.get(grandchild.id, [])
                if records:
                    out.append(Section(grandchild, 3, records))
        return out
