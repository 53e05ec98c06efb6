"""The committed arXiv cache: one YAML file per paper under ``data/arxiv/``.

Why a cache beside the records instead of fields written into them: a record file is
written by a person, with comments, wording and order that matter to them. If
``enrich`` wrote into it, a refresh could clobber a corrected title or reflow a
hand-written file. So fetched metadata goes to ``data/arxiv/<id>.yaml`` (a file only
tools write), and :func:`merge_arxiv_cache` joins the two when the catalogue is
loaded: the cache fills ``Record.arxiv_meta`` and, only where the record is silent,
``title``, ``authors`` and ``date``. What a person wrote always wins.

Files are written deterministically (sorted keys, fixed line width, no timestamps),
so a refresh that learns nothing changes no byte, and a diff shows exactly what arXiv
changed. This module does no network I/O; render and site only ever read.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from .. import parsecache
from ..cachefile import code_digest
from ..diagnostics import Diagnostic
from ..load import YamlDoc, read_yaml_file
from ..model import ArxivMeta, Author, Record, strip_arxiv_version
from ..schema.context import INVALID, Ctx
from ..schema.specs import ArxivId, Date, Int, Str
from ..schema.structures import ListOf, Obj

CACHE_DIR = "data/arxiv"
HEADER = "# Fetched from arXiv by `longctx enrich`; regenerated on refresh. Curate the record in papers/ instead.\n"

_line = Str(single_line=True)
_AUTHOR = Obj({"name": (_line, True), "affiliations": (ListOf(_line, min_items=1, unique=False), False)},
              "a {name, affiliations} entry")
# The shape of one cache file, checked with the same specs as records so a damaged
# file (a bad merge, a hand edit) gets a located message instead of a traceback.
CACHE_SPEC = Obj(
    {
        "id": (ArxivId(), True),
        "version": (Int(minimum=1), True),
        "title": (_line, True),
        "authors": (ListOf(_AUTHOR, min_items=1, unique=False), True),
        "published": (Date(full=True), True),
        "updated": (Date(full=True), True),
        "abstract": (Str(), False),
        "primary_category": (_line, False),
        "categories": (ListOf(_line, min_items=1), False),
        "comment": (Str(), False),
        "journal_ref": (Str(), False),
        "doi": (_line, False),
    },
    "a mapping of arXiv metadata",
)


def cache_file(root: Path, arxiv_id: str) -> Path:
    """``data/arxiv/2309.00071.yaml``; old-style ``hep-th/9901001`` becomes ``hep-th_9901001.yaml``."""
    return root / CACHE_DIR / cache_name(arxiv_id)


def cache_name(arxiv_id: str) -> str:
    """The cache file's name for ``arxiv_id`` (any version): ``2309.00071.yaml``."""
    return strip_arxiv_version(arxiv_id).replace("/", "_") + ".yaml"


class _Dumper(yaml.SafeDumper):
    """Block style with indented lists, like hand-written records."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def dump_data(data: Any) -> str:
    """Deterministic YAML for generated files: mappings in the order given, lines wrapped at 100."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)


def meta_to_data(meta: ArxivMeta) -> dict[str, Any]:
    """Top-level keys sorted (so a diff lines up across papers); each author as name, then affiliations."""
    authors = []
    for author in meta.authors:
        entry: dict[str, Any] = {"name": author.name}
        if author.affiliations:
            entry["affiliations"] = list(author.affiliations)
        authors.append(entry)
    data: dict[str, Any] = {
        "id": meta.id,
        "version": meta.version,
        "title": meta.title,
        "authors": authors,
        "published": meta.published,
        "updated": meta.updated,
        "abstract": meta.abstract,
        "primary_category": meta.primary_category,
        "categories": list(meta.categories),
        "comment": meta.comment,
        "journal_ref": meta.journal_ref,
        "doi": meta.doi,
    }
    return {key: data[key] for key in sorted(data) if data[key] not in (None, "", [])}


def dump_meta(meta: ArxivMeta) -> str:
    """The file's text: equal metadata gives equal bytes."""
    return HEADER + dump_data(meta_to_data(meta))


def data_to_meta(value: dict[str, Any]) -> ArxivMeta:
    return ArxivMeta(
        id=value["id"],
        version=value["version"],
        title=value["title"],
        authors=tuple(Author(a["name"], tuple(a.get("affiliations", ()))) for a in value["authors"]),
        published=value["published"],
        updated=value["updated"],
        abstract=value.get("abstract"),
        primary_category=value.get("primary_category"),
        categories=tuple(value.get("categories", ())),
        comment=value.get("comment"),
        journal_ref=value.get("journal_ref"),
        doi=value.get("doi"),
    )


def check_meta(doc: YamlDoc, arxiv_id: str) -> tuple[ArxivMeta | None, list[Diagnostic]]:
    """Check one parsed cache file against :data:`CACHE_SPEC` and the id it is filed under."""
    ctx = Ctx(doc, dt.date.max)
    value = CACHE_SPEC.check(doc.data, (), ctx)
    if value is not INVALID and value["id"] != strip_arxiv_version(arxiv_id):
        ctx.report(("id",), "LC501", f"this file holds arXiv {value['id']!r} but is named for {arxiv_id!r}")
        value = INVALID
    hint = "; run `longctx enrich` to fetch it again"
    diags = [Diagnostic.make(d.location, "LC501", d.message + hint) for d in ctx.diagnostics]
    if value is INVALID:
        return None, diags
    return data_to_meta(value), diags


def read_meta(root: Path, arxiv_id: str) -> tuple[ArxivMeta | None, list[Diagnostic]]:
    """The cached metadata for ``arxiv_id``: ``(None, [])`` when not cached yet."""
    file = cache_file(root, arxiv_id)
    if not file.exists():
        return None, []
    return _read_meta_file(file, file.relative_to(root).as_posix(), arxiv_id)


def _read_meta_file(file: Path | str, display: str, arxiv_id: str) -> tuple[ArxivMeta | None, list[Diagnostic]]:
    doc, diags = read_yaml_file(file, display)
    if doc is None or diags:  # unreadable, or readable but damaged (a repeated key, a control character)
        return None, [Diagnostic.make(d.location, "LC501", d.message + "; run `longctx enrich` to fetch it again")
                      for d in diags]
    if not doc.text:
        return check_meta(doc, arxiv_id)
    # Kept in the parse cache when one is open (`build`, `serve`): the check reads nothing else.
    return parsecache.derived(("arxiv check", code_digest("schema", "model.py", "enrich/cache.py"),
                               display, arxiv_id, doc.text), lambda: check_meta(doc, arxiv_id))


def fill_from_meta(record: Record, meta: ArxivMeta) -> None:
    """Attach ``meta`` and fill only what the record leaves out: curated fields win."""
    record.arxiv_meta = meta
    if record.title is None:
        record.title = meta.title
    if not record.authors:
        record.authors = meta.authors
    if record.date is None:
        record.date = meta.published


def merge_arxiv_cache(root: Path, records: Iterable[Record]) -> list[Diagnostic]:
    """Enrich loaded records from the cache; a damaged cache file is a diagnostic, never a crash."""
    diags: list[Diagnostic] = []
    # The folder is listed once: asking the file system about each of thousands of
    # records (through pathlib) cost more than reading the files that exist.
    folder = os.path.join(root, CACHE_DIR)
    try:
        present = {entry.name for entry in os.scandir(folder)}
    except OSError:
        return diags
    for record in records:
        if not record.arxiv:
            continue
        name = cache_name(record.arxiv)
        if name not in present:
            continue
        meta, more = _read_meta_file(os.path.join(folder, name), f"{CACHE_DIR}/{name}", record.arxiv)
        diags.extend(more)
        if meta is not None:
            fill_from_meta(record, meta)
    return diags
