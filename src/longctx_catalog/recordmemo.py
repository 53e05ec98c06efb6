"""Record pages kept from the last site build: a page is rendered again only when what it shows changed.

A site has one page per record (``record.md.j2``); at 5,000 records rendering them all
cost about 2 s of CPU on every build, though an edit changes a handful. Each page is
stored with a key of everything it shows, and reused while the key is the same:

- the record itself (its ``repr``: every field, its arXiv metadata included), and the
  same of each record it names: its benchmarks and its "Related" list (titles, authors,
  dates appear on the page);
- for each node it is filed under, whether that node's page holds the record's entry
  (the "see the entry" link);
- the taxonomy (titles, ancestry and page of every node: trails and links), the
  template globals it reads, the templates' text and this package's code.

That list is what the *shipped* ``record.md.j2`` reads (tests/test_recordmemo.py checks
the template against it). A catalogue with its own ``record.md.j2`` or ``_labels.md.j2``
could read anything (the number of records, another record's notes), so for it nothing
is reused: every page is rendered, as without this module.

The pages live in one checksummed pickle under ``.longctx-cache/site/`` (:mod:`.cachefile`); a damaged or
foreign file counts as empty, and each save keeps only the current pages.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2

from . import __version__
from .cachefile import read_cache, write_cache
from .model import Catalog, Record
from .sitecache import digest
from .templating import package_template_dir

MEMO_FILE = "record-pages.pickle"
FORMAT = 1  # bump when what is stored, or how keys are made, changes
TEMPLATES = ("record.md.j2", "_labels.md.j2")  # what a record page's text comes from
# The names the shipped record.md.j2 reads, and what it reads of them: the key covers these.
READS = {"record", "views", "catalog", "taxonomy", "anchors", "page", "kind_labels", "link_labels", "task_types",
         "contributing_page"}
VIEWS_READ = {"home", "trail", "pages", "related"}
CATALOG_READ = {"by_id"}


@lru_cache(maxsize=1)
def _code() -> bytes:
    """This package's code and the template libraries' versions: filters and views live there."""
    here = Path(__file__).resolve().parent
    h = hashlib.blake2b(f"longctx {__version__} format {FORMAT}".encode(), digest_size=20)
    for path in sorted(here.rglob("*.py")):
        h.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes())
    for name in ("jinja2", "markupsafe"):
        try:
            h.update(f"{name} {metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name} -".encode())
    return h.digest()


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


class RecordPageMemo:
    """The record pages of the last build by path, each with its key (see the module docstring)."""

    def __init__(self, folder: Path, *, fresh: bool = False) -> None:
        self.path = folder / MEMO_FILE
        self._stored = {} if fresh else self._read()
        self._keys: dict[str, bytes] = {}
        self.reused = 0

    def _read(self) -> dict[str, tuple[bytes, str]]:
        stored = read_cache(self.path)
        if not isinstance(stored, tuple) or len(stored) != 2 or stored[0] != FORMAT or not isinstance(stored[1], dict):
            return {}
        return stored[1]

    def fill(self, shared: bytes, pages: Iterable[Any], views: Any, catalog: Catalog,
             anchors: dict[str, set[str]], out: dict[str, str]) -> None:
        """Key each record page (``pages``: render.Page); put those whose stored key matches into ``out``."""
        records: dict[int, bytes] = {}

        def of(record: Record) -> bytes:
            found = records.get(id(record))
            if found is None:
                text = repr(record)
                # an address in a repr is never the same twice: such a record just always misses
                found = records[id(record)] = digest(text) if " at 0x" not in text else os.urandom(20)
            return found

        taxonomy = catalog.taxonomy
        for page in pages:
            record = page.context["record"]
            filed = [(tag, record.id in anchors.get(views.pages[tag], ())) for tag in record.tags if tag in taxonomy]
            named = [of(catalog.by_id[b]) if b in catalog.by_id else b"-" for b in record.benchmarks]
            related = [of(other) for other in views.related(record)]
            key = digest(shared, page.path, of(record), repr(filed), *named, b"|", *related)
            self._keys[page.path] = key
            stored = self._stored.get(page.path)
            if stored is not None and stored[0] == key:
                out[page.path] = stored[1]
                self.reused += 1

    def save(self, out: dict[str, str]) -> None:
        """Keep the keyed pages as ``out`` holds them now; nothing is written when nothing changed."""
        pages = {path: (key, out[path]) for path, key in self._keys.items() if path in out}
        if pages == self._stored:
            return
        if not write_cache(self.path, (FORMAT, pages)):
            return  # a cache: the next build renders again
        self._stored = pages
