"""Rendered text kept from the last site build: what an edit did not change is not rendered again.

At 5,000 records a site build renders 5,000 record pages, 5,000 survey entries (listed on
the topic pages), a row per record on the timeline and the technique table, and rewrites the
links of every topic page (:func:`.doclinks.page_relative`), though one edited record changes
a handful of each. Four tables keep the last build's text, each under a key of everything it
was made from:

- **record pages** (``record.md.j2``), by path. The key: the record itself (its ``repr``:
  every field, its arXiv metadata included), and the same of each record the page names
  (its benchmarks and its "Related" list: titles, authors, dates appear on the page); for
  each node it is filed under, whether that node's page holds the record's entry (the "see
  the entry" link); the taxonomy (titles, ancestry and page of every node: trails and
  links), the template globals it reads, the templates' text and this package's code.
  That list is what the *shipped* ``record.md.j2`` reads (tests/test_rendermemo.py checks
  the template against it). A catalogue with its own ``record.md.j2`` or ``_labels.md.j2``
  could read anything (the number of records, another record's notes), so for it no record
  page is reused: every one is rendered, as without this module.
- **survey entries** (``entry.md.j2``): an entry is rendered with the record alone and the
  environment's globals (see render.py's ``_EntryCache``), so its key is the record's
  ``repr``, the text of every template the environment can load, its globals and the code.
- **page-relative links**: :func:`.doclinks.page_relative` is a function of the page's text
  and path alone; its result is kept under a digest of both.
- **per-record fragments** of the pages listing every record (``{% per_record %}``, see
  :mod:`.fragments`): keyed like entries, plus the page, the tag's place and the taxonomy.
  These pages are rendered in a forked child, which sends what it used back
  (:meth:`RenderMemo.fragments_used`, :meth:`RenderMemo.take_fragments`).

Each record's ``repr`` is digested once per build and shared by the tables. Entries and
link rewrites are kept only by the process that opened the memo: a forked child makes its
own as if there were none (what it would store would not come back); fragments come back
with the child's pages. The committed pages (``docs/``, README; their entries
carry a citation block) are rendered by `build` in a child of their own, which opens and
saves its own memo file (``DOCS_MEMO_FILE``). Everything lives in one checksummed pickle under
``.longctx-cache/site/`` (:mod:`.cachefile`); a damaged or foreign file counts as empty, and
each save keeps only what this build used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2

from . import __version__
from .cachefile import code_digest, read_cache, write_cache
from .doclinks import has_docs_absolute_links, page_relative
from .model import Catalog, Record
from .sitecache import digest, stable_repr
from .templating import package_template_dir

MEMO_FILE = "rendered.pickle"
DOCS_MEMO_FILE = "rendered-docs.pickle"  # the committed pages' entries (build renders them in a child)
OLD_FILES = ("record-pages.pickle",)  # what earlier versions kept here: removed on save
FORMAT = 3  # bump when what is stored, or how keys are made, changes
TEMPLATES = ("record.md.j2", "_labels.md.j2")  # what a record page's text comes from
# The names the shipped record.md.j2 reads, and what it reads of them: the key covers these.
READS = {"record", "views", "catalog", "taxonomy", "anchors", "page", "kind_labels", "link_labels", "task_types",
         "contributing_page"}
VIEWS_READ = {"home", "trail", "pages", "related"}
CATALOG_READ = {"by_id"}
TABLES = ("records", "entries", "relative", "fragments")


@lru_cache(maxsize=1)
def _code() -> bytes:
    """This package's code and the template libraries' versions: filters and views live there."""
    parts = [f"longctx {__version__} format {FORMAT}", code_digest(".")]
    for name in ("jinja2", "markupsafe"):
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} -")
    return digest(*parts)


def shared_key(env: jinja2.Environment, catalog: Catalog, views: Any) -> bytes | None:
    """What every record page depends on, or None when the catalogue has its own record template."""
    sources = []
    for name in TEMPLATES:
        try:
            source = env.loader.get_source(env, name)[0] if env.loader else None
        except jinja2.TemplateNotFound:
            return None
        default = package_template_dir() / name
        try:
            if source is None or default.read_text(encoding="utf-8") != source:
                return None
        except OSError:
            return None
        sources.append(source)
    nodes = [(n.id, n.title, [a.id for a in n.lineage()], views.pages.get(n.id))
             for n in catalog.taxonomy.nodes.values()]
    used = {name: env.globals.get(name) for name in sorted(READS) if name in env.globals}
    return digest(_code(), *sources, repr(nodes), repr(sorted(used.items())))


def entry_key(env: jinja2.Environment) -> bytes | None:
    """What every survey entry depends on besides its record: every template the environment can
    load (an entry template may include others), its globals and the code; None if one cannot be read."""
    if env.loader is None:
        return None
    parts: list[Any] = [_code()]
    try:
        for name in sorted(env.list_templates()):
            parts += [name, env.loader.get_source(env, name)[0]]
    except (jinja2.TemplateNotFound, OSError, UnicodeDecodeError):
        return None
    return digest(*parts, stable_repr(env.globals))


def fragment_key(entries: bytes | None, catalog: Catalog, views: Any) -> bytes | None:
    """What every per-record fragment depends on besides its record, page and place: what an
    entry does (``entries``: :func:`entry_key`) and the taxonomy (ids, titles, ancestry, pages)."""
    if entries is None:
        return None
    nodes = [(n.id, n.title, [a.id for a in n.lineage()], views.pages.get(n.id))
             for n in catalog.taxonomy.nodes.values()]
    return digest(entries, "fragments", repr(nodes))


class RenderMemo:
    """The text of the last build's record pages, entries, link rewrites and fragments (see the module docstring)."""

    def __init__(self, folder: Path, *, fresh: bool = False, name: str = MEMO_FILE) -> None:
        self.folder = folder
        self.path = folder / name
        self._stored: dict[str, dict[Any, Any]] = {table: {} for table in TABLES} if fresh else self._read()
        self._used: dict[str, dict[Any, Any]] = {table: {} for table in TABLES}
        self._record_keys: dict[str, bytes] = {}  # record page path -> its key, this build
        self._digests: dict[int, bytes] = {}  # id(record) -> digest of its repr, this build
        self._pid = os.getpid()
        self.reused = 0  # record pages taken
        self.entries_reused = 0
        self.entries_asked = 0  # survey entries asked for in this process (each once per build)
        self.links_reused = 0  # link rewrites taken
        self.fragment_base: bytes | None = None  # fragment_key of this render; None: fragments are not kept

    def _read(self) -> dict[str, dict[Any, Any]]:
        stored = read_cache(self.path)
        if (not isinstance(stored, tuple) or len(stored) != 2 or stored[0] != FORMAT
                or not isinstance(stored[1], dict)
                or not all(isinstance(stored[1].get(table), dict) for table in TABLES)):
            return {table: {} for table in TABLES}
        return stored[1]

    def _here(self) -> bool:
        """Whether this is the process that opened the memo (not a forked child)."""
        return os.getpid() == self._pid

    def record_digest(self, record: Record) -> bytes:
        """A digest of the record's ``repr``, made once per build."""
        found = self._digests.get(id(record))
        if found is None:
            text = repr(record)
            # an address in a repr is never the same twice: such a record just always misses
            found = self._digests[id(record)] = digest(text) if " at 0x" not in text else os.urandom(20)
        return found

    # -- survey entries and links -----------------------------------------------------

    def entry(self, base: bytes | None, record: Record, render: Callable[[], str]) -> str:
        """The survey entry of ``record`` (``render()`` makes it), from the last build when its key is the same.

        ``base``: :func:`entry_key` of the environment (None: always rendered)."""
        if not self._here():
            return render()
        self.entries_asked += 1
        if base is None:
            return render()
        key = digest(base, self.record_digest(record))
        text = self._stored["entries"].get(key)
        if text is None:
            text = render()
        else:
            self.entries_reused += 1
        self._used["entries"][key] = text
        return text

    def relative(self, text: str, page: str) -> str:
        """:func:`.doclinks.page_relative` of ``text`` on ``page``, from the last build when both are the same."""
        if not has_docs_absolute_links(text) or not self._here():
            return page_relative(text, page)
        key = digest(page, text)
        out = self._stored["relative"].get(key)
        if out is None:
            out = page_relative(text, page)
        else:
            self.links_reused += 1
        self._used["relative"][key] = out
        return out

    def fragment(self, parts: tuple[str, ...], record: Record, render: Callable[[], str]) -> str:
        """A per-record fragment (``render()`` makes it) from the last build when its key is the same;
        in any process (a child sends its fragments back: :meth:`fragments_used`)."""
        if self.fragment_base is None:
            return render()
        key = digest(self.fragment_base, *parts, self.record_digest(record))
        text = self._stored["fragments"].get(key)
        if text is None:
            text = render()
        self._used["fragments"][key] = text
        return text

    def fragments_used(self) -> dict[bytes, str]:
        """The fragments this process used: a forked child returns them with its pages."""
        return dict(self._used["fragments"])

    def take_fragments(self, used: dict[bytes, str]) -> None:
        """Fragments a child used (:meth:`fragments_used`), as if used here."""
        self._used["fragments"].update(used)

    # -- record pages -----------------------------------------------------------------

    def fill(self, shared: bytes, pages: Iterable[Any], views: Any, catalog: Catalog,
             anchors: dict[str, set[str]], out: dict[str, str]) -> None:
        """Key each record page (``pages``: render.Page); put those whose stored key matches into ``out``."""
        of = self.record_digest
        taxonomy = catalog.taxonomy
        stored = self._stored["records"]
        for page in pages:
            record = page.context["record"]
            filed = [(tag, record.id in anchors.get(views.pages[tag], ())) for tag in record.tags if tag in taxonomy]
            named = [of(catalog.by_id[b]) if b in catalog.by_id else b"-" for b in record.benchmarks]
            related = [of(other) for other in views.related(record)]
            key = digest(shared, page.path, of(record), repr(filed), *named, b"|", *related)
            self._record_keys[page.path] = key
            kept = stored.get(page.path)
            if kept is not None and kept[0] == key:
                out[page.path] = kept[1]
                self.reused += 1

    def save(self, out: dict[str, str]) -> None:
        """Keep what this build used (record pages as ``out`` holds them now); nothing is written when
        nothing changed."""
        records = {path: (key, out[path]) for path, key in self._record_keys.items() if path in out}
        tables = {"records": records, **{table: self._used[table] for table in TABLES if table != "records"}}
        for old in OLD_FILES:
            (self.folder / old).unlink(missing_ok=True)
        if tables == self._stored:
            return
        if not write_cache(self.path, (FORMAT, tables)):
            return  # a cache: the next build renders again
        self._stored = tables
