"""Plan the import of a .bib file into a catalogue; nothing is written here.

:func:`plan_import` reads the entries, folds entries describing the same work into
one (same arXiv id or same normalised title, whether or not they share a key),
matches each work against the catalogue's records (by arXiv id, or by the normalised
title of the record or of the BibTeX entry it stores), and returns a :class:`Plan`:
the files to create or update, with their full new text, and every diagnostic.
The command then writes the plan all-or-nothing (:func:`~longctx_catalog.write.atomic_write_many`).

Existing records are curated by hand, so a match only *adds* fields the record
lacks (never overwrites, never re-dumps): each missing field's YAML is inserted as
text at its canonical place, before the first later field, and the result is
re-parsed to prove that every value that was there is unchanged. When that cannot
be done safely (a flow-style or indented document, a record file that does not
parse), the record is left alone and the fields it would have gained are reported.
Tags of existing records are never changed; a missing import tag is reported.
New records get the ``--tag`` nodes plus, with a tag map, the nodes of every section
their entries are filed under (:mod:`.tagmap`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic, Location
from ..load import YamlDoc, display_path, parse_yaml, read_yaml_file, record_files
from ..model import Catalog, Record, normalise_title, slugify
from ..schema.checks import check_record
from ..schema.context import Ctx, latest_today
from ..schema.derived import FIELD_ORDER
from ..write import dump_record_fast, dump_yaml
from .convert import Converted, convert, slug_candidates
from .latex import to_text
from .parse import BibEntry, parse_bib
from .tagmap import TagMap

FILLABLE = ("title", "arxiv", "authors", "date", "venue", "links", "code")


@dataclass
class Change:
    path: Path
    display: str
    text: str
    action: str  # "create" or "update"
    detail: str  # what is created or added, for the report
    source: Location


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # matched works with nothing to add
    n_entries: int = 0

    @property
    def n_created(self) -> int:
        return sum(c.action == "create" for c in self.changes)

    @property
    def n_updated(self) -> int:
        return sum(c.action == "update" for c in self.changes)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


@dataclass
class _Work:
    first: Converted
    fields: dict[str, Any]
    sources: list[Converted]
    tags: list[str] = field(default_factory=list)  # the union of its entries' tags, in order

    @property
    def location(self) -> Location:
        return self.first.entry.location


def _merge_into(fields: dict[str, Any], more: dict[str, Any]) -> list[str]:
    """Fill what ``fields`` lacks from ``more``; return the names filled."""
    added = []
    for name, value in more.items():
        if name not in fields:
            fields[name] = value
            added.append(name)
        elif name == "links":
            for key, url in value.items():
                fields["links"].setdefault(key, url)
        elif name == "code":
            known = {c["url"] for c in fields["code"]}
            fields["code"].extend(c for c in value if c["url"] not in known)
    return added


def _fold_works(
    converted: list[Converted], entry_tags: dict[int, list[str]], diags: list[Diagnostic]
) -> list[_Work]:
    works: list[_Work] = []
    by_arxiv: dict[str, _Work] = {}
    by_title: dict[str, _Work] = {}
    for conv in converted:
        entry = conv.entry
        work = (by_arxiv.get(conv.arxiv) if conv.arxiv else None) or (
            by_title.get(conv.title_key) if conv.title_key else None
        )
        if work is not None and conv.arxiv and work.fields.get("arxiv") not in (None, conv.arxiv):
            work = None  # same title, different arXiv ids: two works
        if entry.duplicate_of is not None:
            outcome = (
                "the same work, merged"
                if work is not None
                else "a different work, imported as its own record"
            )
            diags.append(
                Diagnostic.make(
                    entry.location,
                    "LC602",
                    f"repeated key '{entry.key}' (first used at line {entry.duplicate_of.line}): {outcome}",
                )
            )
        elif work is not None:
            why = "arXiv id" if conv.arxiv and work.fields.get("arxiv") == conv.arxiv else "title"
            diags.append(
                Diagnostic.make(
                    entry.location,
                    "LC606",
                    f"entry '{entry.key}' is the same work (same "
                    f"{why}) as entry '{work.first.entry.key}' at line {work.location.line}; "
                    "merged",
                )
            )
        if work is None:
            work = _Work(
                conv,
                {
                    k: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
                    for k, v in conv.fields.items()
                },
                [conv],
            )
            works.append(work)
        else:
            _merge_into(work.fields, conv.fields)
            work.sources.append(conv)
        work.tags.extend(t for t in entry_tags[id(conv)] if t not in work.tags)
        if work.fields.get("arxiv"):
            by_arxiv.setdefault(work.fields["arxiv"], work)
        if work.fields.get("title"):
            by_title.setdefault(conv.title_key or work.first.title_key, work)
    return works


def insert_fields(text: str, doc: YamlDoc, additions: dict[str, Any]) -> str | None:
    """``text`` with each added field's YAML inserted at its canonical place; None if unsafe."""
    if not isinstance(doc.data, dict) or text.lstrip().startswith(("{", "[")):
        return None
    top = doc.top_level_keys()
    if any(col != 1 for _, col in top.values()):
        return None
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    inserts: dict[int, list[str]] = {}
    for name in FIELD_ORDER:
        if name not in additions:
            continue
        later = [
            line
            for key, (line, _) in top.items()
            if key in FIELD_ORDER and FIELD_ORDER.index(key) > FIELD_ORDER.index(name)
        ]
        index = min(later) - 1 if later else len(lines)
        while index > 0 and lines[index - 1].startswith("#"):  # keep a key's comment above it
            index -= 1
        inserts.setdefault(index, []).append(dump_yaml({name: additions[name]}))
    out: list[str] = []
    for i in range(len(lines) + 1):
        out.extend(inserts.get(i, []))
        if i < len(lines):
            out.append(lines[i])
    new_text = "".join(out)
    new_doc, diags = parse_yaml(new_text, doc.path)
    if new_doc is None or any(d.is_error for d in diags) or not isinstance(new_doc.data, dict):
        return None
    if {k: v for k, v in new_doc.data.items() if k not in additions} != doc.data:
        return None
    return new_text


def _unique_id(candidates: list[str], work: _Work, taken: set[str]) -> str:
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    base = candidates[-1]
    year = str(work.fields.get("date", ""))[:4]
    more = [f"{base}-{year}"] if year else []
    authors = work.fields.get("authors") or []
    last = slugify(authors[0].split(",")[0].split()[-1]) if authors and authors[0].split() else ""
    if last:
        more.append(f"{base}-{last}" + (f"-{year}" if year else ""))
    for candidate in more:
        if candidate not in taken:
            return candidate
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _record_fields(work: _Work, record_id: str, today: dt.date) -> dict[str, Any]:
    fields = dict(work.fields)
    kind = fields.pop("kind", "paper")
    out: dict[str, Any] = {"id": record_id}
    if kind != "paper":
        out["kind"] = kind
    out.update(fields)
    out["tags"] = list(work.tags)
    out["status"] = "unread"
    out["added"] = today
    return out


def plan_import(
    catalog: Catalog,
    bib_text: str,
    bib_display: str,
    tags: list[str],
    today: dt.date,
    progress: Callable[[list[BibEntry]], Iterable[BibEntry]] | None = None,
    tag_map: TagMap | None = None,
) -> Plan:
    """What importing ``bib_text`` into ``catalog`` with ``tags`` (and ``tag_map``) would change."""
    plan = Plan()
    entries, diags = parse_bib(bib_text, bib_display)
    plan.diagnostics.extend(diags)
    plan.n_entries = len(entries) + sum(d.code == "LC601" for d in diags)

    converted: list[Converted] = []
    entry_tags: dict[int, list[str]] = {}
    for entry in progress(entries) if progress else entries:
        mapped: list[str] = []
        if tag_map is not None:
            found, problem = tag_map.tags_for(entry)
            if problem is not None and not (tags and entry.fields.get("keywords") is None):
                plan.diagnostics.append(problem)
                continue
            mapped = found or []
        conv = convert(entry, latest_today())
        plan.diagnostics.extend(conv.problems)
        if "title" not in conv.fields and "arxiv" not in conv.fields:
            plan.diagnostics.append(
                Diagnostic.make(
                    entry.location,
                    "LC604",
                    f"entry '{entry.key}' has no title and no arXiv id, so it names no work; entry skipped",
                )
            )
            continue
        converted.append(conv)
        entry_tags[id(conv)] = list(dict.fromkeys([*tags, *mapped]))
    if not converted:
        where = _first_content(bib_text, bib_display)
        found = "no BibTeX entry" if not entries and not diags else "no usable BibTeX entry"
        plan.diagnostics.append(
            Diagnostic.make(
                where,
                "LC603",
                f"{found} in this file (an entry looks like "
                "`@article{key, title = {...}, ...}`); nothing imported",
            )
        )
        return plan

    works = _fold_works(converted, entry_tags, plan.diagnostics)
    root = catalog.root
    by_arxiv = {r.arxiv_base: r for r in catalog.records if r.arxiv_base}
    by_title: dict[str, Record] = {}
    for record in catalog.records:
        for title in (record.title, _stored_title(record.bibtex)):
            if title:
                by_title.setdefault(normalise_title(title), record)
    taken = {r.id for r in catalog.records} | {p.stem for p in record_files(root)}
    updates: dict[str, tuple[Record, dict[str, Any], list[_Work]]] = {}

    taxonomy_ids = list(catalog.taxonomy.nodes)
    matches = [by_arxiv.get(w.fields.get("arxiv") or "") or by_title.get(w.first.title_key) for w in works]
    candidates = [slug_candidates(w.fields, w.first.entry.key) for w in works]
    # A name shared by several new works (a blog series "Roadmap: 7. ...", "Roadmap: 12. ...")
    # identifies none of them: those works get ids from their full titles.
    heads = Counter(c[0] for c, m in zip(candidates, matches, strict=True) if m is None)
    candidates = [c[1:] if len(c) > 1 and heads[c[0]] > 1 else c for c in candidates]

    for work, record, names in zip(works, matches, candidates, strict=True):
        if record is None:
            record_id = _unique_id(names, work, taken)
            taken.add(record_id)
            fields = _record_fields(work, record_id, today)
            text = dump_record_fast(fields)
            display = f"papers/{record_id}.yaml"
            problems = _check_new(display, fields, taxonomy_ids)
            if problems:
                plan.diagnostics.extend(
                    Diagnostic.make(
                        work.location,
                        "LC610",
                        f"entry '{work.first.entry.key}' "
                        f"would make an invalid record ({d.message}); entry skipped",
                    )
                    for d in problems
                )
                continue
            parts = [
                p for p in ("title", "arxiv", "authors", "date", "venue", "code") if p in fields
            ]
            plan.changes.append(
                Change(root / display, display, text, "create", ", ".join(parts), work.location)
            )
            continue
        if not set(work.tags) & set(record.tags):
            plan.diagnostics.append(
                Diagnostic.make(
                    work.location,
                    "LC608",
                    f"entry '{work.first.entry.key}' is {record.path} (id {record.id!r}), "
                    f"which is not tagged {', '.join(work.tags)}; tags of existing records are not changed — "
                    "add it by hand if it belongs there",
                )
            )
        pending = updates.setdefault(record.id, (record, {}, []))
        for name in FILLABLE:
            if name in work.fields and getattr(record, name) in (None, (), {}, ""):
                value = work.fields[name]
                if name == "code":  # a repository the record already links (links.github) is not new code
                    value = [c for c in value if c["url"] not in record.links.values()]
                if value:
                    pending[1].setdefault(name, value)
        pending[2].append(work)

    for record, additions, matched in updates.values():
        keys = ", ".join(f"'{w.first.entry.key}'" for w in matched)
        if not additions:
            plan.notes.append(f"{record.path}: already has everything in entry {keys}")
            continue
        path = root / record.path
        doc, _ = read_yaml_file(path, display_path(path, root))
        text = path.read_text(encoding="utf-8") if doc is not None else None
        new_text = insert_fields(text, doc, additions) if doc is not None and text is not None else None
        if new_text is None:
            plan.diagnostics.append(
                Diagnostic.make(
                    matched[0].location,
                    "LC607",
                    f"entry {keys} matches {record.path}, which lacks "
                    f"{', '.join(additions)}; the file's layout cannot be extended safely, so it is left "
                    "as is — add the fields by hand",
                )
            )
            continue
        plan.changes.append(
            Change(path, record.path, new_text, "update", "+ " + ", ".join(additions), matched[0].location)
        )
    plan.changes.sort(key=lambda c: c.display)
    return plan


_STORED_TITLE = re.compile(r"^\s*title\s*=\s*[{\"](.*?)[}\"]?\s*,?\s*$", re.IGNORECASE | re.MULTILINE)


def _stored_title(bibtex: str | None) -> str | None:
    """The title of the entry a record stores: a dataset record named ``MuLD`` that keeps its
    paper's entry is the work ``MuLD: The Multitask Long Document Benchmark`` too."""
    m = _STORED_TITLE.search(bibtex or "")
    return to_text(m.group(1).strip("{}")) if m else None


def _check_new(display: str, fields: dict[str, Any], taxonomy_ids: list[str]) -> list[Diagnostic]:
    """Errors the validator would raise on a new record: a safety net, we never write an invalid one.

    The fields are checked as YAML will read them back (lists, a date for ``added``);
    the file's text comes from :func:`~longctx_catalog.write.dump_record_fast`, whose
    bytes are those of ``dump_record``.
    """
    doc = YamlDoc(display, {k: v for k, v in fields.items() if v not in (None, "", [], {}, ())})
    ctx = Ctx(doc, latest_today(), taxonomy_ids)
    check_record(doc, Path(display).stem, ctx)
    return [d for d in ctx.diagnostics if d.is_error]


def _first_content(text: str, display: str) -> Location:
    for i, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        if stripped:
            return Location(display, i, len(line) - len(stripped) + 1)
    return Location(display, 1, 1)
