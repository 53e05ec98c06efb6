"""The explorer's data: every record as one compact row, plus the vocabularies its facets offer.

The site's explorer page (``templates/explorer.md.j2`` and
``templates/site/assets/explorer.js``) loads ``explorer.json`` once and filters,
sorts and exports in the browser. The file is small because rows use short keys,
leave out empty values and point into shared vocabularies by index. Its shape
(``FORMAT`` 1)::

    {
      "format": 1,
      "page": "papers/{id}/",          # a record's page, relative to the site root
      "kinds": ["paper", ...],         # KINDS, in order; rows give an index
      "nodes": [["methodology", "Methodology", -1], ...],
                                       # the taxonomy in document order: [id, title, parent index or -1]
      "venues": ["ICLR", "NeurIPS", ...],
                                       # venue series (the venue without its year), sorted; rows give an index
      "rows": [                        # newest first (date, then id), undated last
        {"i": "yarn",                  # record id (always)
         "t": "YaRN: ...",             # title (always)
         "a": "Bowen Peng, ...",       # authors, comma-separated
         "d": "2023-08-31",            # date: YYYY-MM-DD, YYYY-MM or YYYY
         "k": 0,                       # kind, index into "kinds" (always)
         "v": "ICLR 2024",             # venue as written
         "s": 3,                       # venue series, index into "venues"
         "n": [12],                    # tags, indexes into "nodes" (unknown tags left out)
         "c": 2,                       # code: 1 some (unofficial only), 2 official; absent when none
         "l": 128000,                  # L_max in tokens: a model's max_context, else context_length
         "u": "https://arxiv.org/...", # the work's own main link
         "x": "Rescales RoPE ..."}     # TL;DR
      ]
    }

``explorer-bib.json`` is its companion, fetched only when a reader downloads a
``.bib``: ``{"format": 1, "entries": {record id: BibTeX entry}}``, the entries of
:func:`longctx_catalog.bibtex.export.export_entries`, whose keys are unique across
the catalogue so any selection of them is a valid file.

Both are deterministic: the same catalogue gives the same bytes (no build dates,
fixed orders), and unicode is written as is, not as ``\\u`` escapes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .diagnostics import Diagnostic
from .model import KINDS, Catalog, Record
from .present import sort_newest_first, title_url

FORMAT = 1
DATA_FILE = "explorer.json"
BIB_FILE = "explorer-bib.json"
DEFAULT_PAGE_PATTERN = "papers/{id}/"

_YEAR = re.compile(r"(?:^|[\s,'’(])(?:19|20)\d{2}\b\)?")


def venue_series(venue: str) -> str:
    """The venue without its year, so "NeurIPS 2020" and "NeurIPS 2023" share one facet value."""
    series = " ".join(_YEAR.sub(" ", venue).split()).strip(" ,-")
    return series or venue.strip()


def code_level(record: Record) -> int:
    """0 no code, 1 code by others only, 2 official code."""
    if not record.code:
        return 0
    return 2 if any(c.official for c in record.code) else 1


def context_tokens(record: Record) -> int | None:
    """L_max: a model's maximum context, else the longest context a work reports."""
    return record.max_context if record.kind == "model" else record.context_length


def explorer_rows(catalog: Catalog) -> dict[str, Any]:
    """The explorer data for ``catalog`` as a JSON-ready dict (see the module docstring)."""
    taxonomy = catalog.taxonomy
    node_index = {node_id: i for i, node_id in enumerate(taxonomy.nodes)}
    nodes = []
    for node in taxonomy.nodes.values():
        parent = node_index[node.parent.id] if node.parent is not None else -1
        nodes.append([node.id, node.title, parent])
    venues = sorted({venue_series(r.venue) for r in catalog.records if r.venue}, key=lambda v: (v.casefold(), v))
    venue_index = {v: i for i, v in enumerate(venues)}
    kind_index = {k: i for i, k in enumerate(KINDS)}
    rows = []
    for record in sort_newest_first(catalog.records):
        row: dict[str, Any] = {"i": record.id, "t": record.display_title}
        if record.authors:
            row["a"] = ", ".join(a.name for a in record.authors)
        if record.date:
            row["d"] = record.date
        row["k"] = kind_index.get(record.kind, 0)
        if record.venue:
            row["v"] = record.venue
            row["s"] = venue_index[venue_series(record.venue)]
        tags = [node_index[t] for t in record.tags if t in node_index]
        if tags:
            row["n"] = tags
        level = code_level(record)
        if level:
            row["c"] = level
        tokens = context_tokens(record)
        if tokens:
            row["l"] = tokens
        url = title_url(record)  # the work's own main link, as on the survey pages
        if url:
            row["u"] = url
        if record.tldr:
            row["x"] = " ".join(record.tldr.split())
        rows.append(row)
    return {
        "format": FORMAT,
        "page": DEFAULT_PAGE_PATTERN,
        "kinds": list(KINDS),
        "nodes": nodes,
        "venues": venues,
        "rows": rows,
    }


def explorer_json(catalog: Catalog, page_pattern: str = DEFAULT_PAGE_PATTERN) -> str:
    """``explorer.json``: compact (no spaces), one line per row so diffs of the file stay readable."""
    data = explorer_rows(catalog)
    data["page"] = page_pattern
    rows = data.pop("rows")
    head = _dumps(data)[:-1]  # without the closing brace
    body = ",\n".join(_dumps(row) for row in rows)
    return f'{head},"rows":[\n{body}\n]}}\n'


def explorer_bib_json(catalog: Catalog, entries: dict[str, str] | None = None) -> tuple[str, list[Diagnostic]]:
    """``explorer-bib.json``: every record's BibTeX entry by id, keys unique across the catalogue.

    ``entries`` are :func:`~longctx_catalog.bibtex.export.export_entries`' for the
    catalogue when the caller has them already (they take a while at thousands of records).
    """
    diags: list[Diagnostic] = []
    if entries is None:
        from .bibtex.export import export_entries

        entries, diags = export_entries(catalog.records, catalog.root)
    body = ",\n".join(f"{_dumps(rid)}:{_dumps(entries[rid])}" for rid in sorted(entries))
    return f'{{"format":{FORMAT},"entries":{{\n{body}\n}}}}\n', diags


def _dumps(value: Any) -> str:
    # ensure_ascii=False keeps titles readable and small; "</" is escaped so the JSON could
    # even be inlined in a <script> element without ending it.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
