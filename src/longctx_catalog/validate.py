"""Load the whole catalogue and check it: every file, then every rule across files.

:func:`load_catalog` is the one entry point the later stages (render, site, enrich,
bibtex) use. It never stops at the first problem and never raises on bad data: it
returns the records it could build together with every diagnostic, and the caller
decides what an error means (the CLI exits 1; ``render`` refuses to write).
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from . import parsecache
from .cachefile import code_digest
from .diagnostics import Diagnostic
from .duplicates import Entry as _Loaded
from .duplicates import find_duplicates
from .enrich.cache import merge_arxiv_cache
from .enrich.events import load_events
from .load import TAXONOMY_FILE, KeyPath, YamlDoc, iter_record_docs, read_yaml_file
from .markdown import link_problems
from .model import Catalog, Record, Taxonomy
from .schema.checks import check_metrics, check_record, check_taxonomy
from .schema.context import Ctx, did_you_mean, latest_today, local_today
from .schema.fields import FIELDS
from .schema.specs import RecordRef

METRICS_FILE = "data/metrics.yaml"


def load_taxonomy(root: Path) -> tuple[Taxonomy | None, list[Diagnostic]]:
    doc, diags = read_yaml_file(root / TAXONOMY_FILE, TAXONOMY_FILE, cycle_code="LC303")
    if doc is None:
        return None, diags
    taxonomy, more = check_taxonomy(doc)
    return taxonomy, diags + more + _description_links(doc)


def _description_links(doc: YamlDoc) -> list[Diagnostic]:
    """Descriptions arrive by pull request like records: the same URL rules (no javascript:, no remote images)."""
    out = []
    stack: list[tuple[Any, KeyPath]] = [(doc.data, ())]
    while stack:
        nodes, kp = stack.pop()
        if not isinstance(nodes, list):
            continue
        for index, node in enumerate(nodes):
            if not isinstance(node, dict):
                continue
            description = node.get("description")
            if isinstance(description, str):
                for problem in link_problems(description):
                    out.append(Diagnostic.make(doc.loc((*kp, index, "description")), "LC301",
                                               f"{problem} (links: http(s), mailto or relative; images: "
                                               "files of the site)"))
            stack.append((node.get("children"), (*kp, index, "children")))
    return out


def load_catalog(root: Path, *, on_date: dt.date | None = None) -> tuple[Catalog, list[Diagnostic]]:
    """Load and check every file of the catalogue at ``root``."""
    # Loading builds many objects and frees few; the cyclic garbage collector would
    # rescan them again and again (a third of the run time at 5,000 records).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_catalog(root, on_date or latest_today())
    finally:
        if collecting:
            gc.enable()


# Record ids that cannot have a page of their own: MkDocs serves papers/index.md at papers/.
RESERVED_IDS = frozenset({"index"})


def _load_catalog(root: Path, on_date: dt.date) -> tuple[Catalog, list[Diagnostic]]:
    taxonomy, diags = load_taxonomy(root)
    taxonomy_ids = taxonomy.nodes.keys() if taxonomy is not None else None

    loaded: list[_Loaded] = []
    n_files = 0
    checked = _checked_records(on_date, taxonomy_ids)
    for file, doc, file_diags in iter_record_docs(root):
        n_files += 1
        diags.extend(file_diags)
        if doc is None:
            continue
        ctx = Ctx(doc, on_date, taxonomy_ids)
        record = checked(doc, file.stem, ctx)
        diags.extend(ctx.diagnostics)
        if record is not None and record.id in RESERVED_IDS:
            diags.append(Diagnostic.make(doc.loc(("id",)), "LC104", f"the id {record.id!r} is reserved: its page "
                                         f"papers/{record.id}.md would be the site's papers/ folder page, not its "
                                         "own; choose another id (and rename the file)"))
        if record is not None:
            doc.data = None  # the record holds what is needed; the text stays for positions
            loaded.append(_Loaded(record, doc))

    metrics = None
    if (root / METRICS_FILE).exists():
        doc, file_diags = read_yaml_file(root / METRICS_FILE, METRICS_FILE)
        diags.extend(file_diags)
        if doc is not None:
            metrics, more = check_metrics(doc)
            diags.extend(more)

    # Fetched arXiv metadata (data/arxiv/) fills what records leave out; later stages
    # see enriched records without knowing about the cache.
    diags.extend(merge_arxiv_cache(root, [entry.record for entry in loaded]))
    diags.extend(load_events(root)[1])

    diags.extend(_check_across(loaded, root))
    catalog = Catalog(root, taxonomy or Taxonomy([]), [entry.record for entry in loaded], metrics, n_files)
    return catalog, diags


def _checked_records(on_date: dt.date, taxonomy_ids: Collection[str] | None
                     ) -> Callable[[YamlDoc, str, Ctx], Record | None]:
    """``check_record``, its results kept in the parse cache when one is open (``build``, ``serve``).

    A record's check depends on its file's text and path, today (the latest date on Earth, and
    this machine's, which messages show), the taxonomy's node ids and the code; with all of
    them the same, the stored record and problems are what checking again would give."""
    if parsecache.active() is None:
        return check_record
    shared = (_check_code(), on_date.isoformat(), local_today().isoformat(),
              "-" if taxonomy_ids is None else "\0".join(sorted(taxonomy_ids)))

    def checked(doc: YamlDoc, stem: str, ctx: Ctx) -> Record | None:
        if not doc.text:  # no text kept: nothing to key on
            return check_record(doc, stem, ctx)

        def check() -> tuple[Record | None, list[Diagnostic]]:
            own = Ctx(doc, ctx.today, ctx.taxonomy_ids)
            return check_record(doc, stem, own), own.diagnostics

        record, problems = parsecache.derived(("record check", *shared, doc.path, stem, doc.text), check)
        ctx.diagnostics.extend(problems)
        return record

    return checked


def _check_code() -> bytes:
    return code_digest("schema", "model.py", "validate.py")


def _check_across(loaded: list[_Loaded], root: Path) -> list[Diagnostic]:
    """Rules that need every record at once: uniqueness and references."""
    diags = find_duplicates(loaded, root)

    by_id: dict[str, Record] = {}
    for entry in loaded:
        by_id.setdefault(entry.record.id, entry.record)
    by_kind: dict[str, list[str]] = defaultdict(list)
    for record in by_id.values():
        by_kind[record.kind].append(record.id)
    for name, field in FIELDS.items():
        spec = getattr(field.spec, "item", field.spec)
        if not isinstance(spec, RecordRef):
            continue
        for entry in loaded:
            for i, ref in enumerate(getattr(entry.record, name)):
                target = by_id.get(ref)
                if target is not None and target.kind == spec.kind:
                    continue
                problem = "no record" if target is None else f"a {target.kind} record, not a {spec.kind}"
                diags.append(
                    Diagnostic.make(
                        entry.doc.loc((name, i)),
                        "LC202",
                        f"{name}[{i}] {ref!r} names {problem}{did_you_mean(ref, by_kind[spec.kind])}; "
                        f"add papers/{ref}.yaml with `kind: {spec.kind}` or fix the id",
                    )
                )
    return diags
