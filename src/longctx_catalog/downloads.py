"""The catalogue as files to download: BibTeX for everything and per top-level branch, and JSON.

- ``catalogue.bib``: every record's entry (:mod:`longctx_catalog.bibtex.export`);
- ``bib/<branch id>.bib``: the records filed under one top-level taxonomy node. The
  entries are cut from the whole catalogue's export, so a work has the same citation
  key in every file and two branch files can be used together;
- ``catalogue.json``: the taxonomy and every record in the record format
  (``{"format": 1, "taxonomy": [...], "records": [...]}``), described by
  ``catalogue.schema.json`` (JSON Schema 2020-12; each record also validates against
  ``schema/record.schema.json``).

Everything is deterministic: records in id order, fields in the schema's order.
"""

from __future__ import annotations

import json
from typing import Any

from .diagnostics import Diagnostic
from .model import Catalog, Record, TaxonomyNode
from .schema.derived import FIELD_ORDER, json_schema

FORMAT = 1
CATALOGUE_BIB = "catalogue.bib"
CATALOGUE_JSON = "catalogue.json"
CATALOGUE_SCHEMA = "catalogue.schema.json"
BRANCH_BIB_DIR = "bib"


def branch_bib_path(branch: TaxonomyNode) -> str:
    return f"{BRANCH_BIB_DIR}/{branch.id}.bib"


def records_under(catalog: Catalog, node: TaxonomyNode) -> list[Record]:
    """Records tagged with ``node`` or any node below it, in id order."""
    subtree = {n.id for n in node.walk()}
    return sorted((r for r in catalog.records if subtree.intersection(r.tags)), key=lambda r: r.id)


def bib_files(catalog: Catalog, entries: dict[str, str] | None = None) -> tuple[dict[str, str], list[Diagnostic]]:
    """``catalogue.bib`` and one ``bib/<branch>.bib`` per top-level node, by path.

    ``entries``: the catalogue's :func:`~longctx_catalog.bibtex.export.export_entries`, if already made.
    """
    from .bibtex.export import bib_file, export_entries

    diags: list[Diagnostic] = []
    if entries is None:
        entries, diags = export_entries(catalog.records, catalog.root)
    files = {CATALOGUE_BIB: bib_file(entries.values())}
    for branch in catalog.taxonomy.roots:
        files[branch_bib_path(branch)] = bib_file(entries[r.id] for r in records_under(catalog, branch))
    return files, diags


# ---------------------------------------------------------------------------------
# JSON


def record_data(record: Record) -> dict[str, Any]:
    """A record as data in the record format (what its YAML file says, after enrichment filled gaps)."""
    values: dict[str, Any] = {}
    for name in FIELD_ORDER:
        if name == "affiliations":  # written per author below
            continue
        value = getattr(record, name, None)
        if name == "authors":
            value = [_author(a.name, a.affiliations) for a in record.authors]
        elif name == "code":
            value = [{"url": c.url, "official": c.official} for c in record.code]
        elif name in ("length_kwords", "quality") and value is not None:
            value = {k: v for k, v in vars(value).items() if v is not None}
        elif name == "utilities":
            value = {k: list(v) for k, v in record.utilities.items()}
        elif isinstance(value, tuple):
            value = list(value)
        if value is None or value == [] or value == {}:
            continue
        values[name] = value
    return values


def _author(name: str, affiliations: tuple[str, ...]) -> Any:
    if not affiliations:
        return name
    return {"name": name, "affiliation": affiliations[0] if len(affiliations) == 1 else list(affiliations)}


def _node_data(node: TaxonomyNode) -> dict[str, Any]:
    data: dict[str, Any] = {"id": node.id, "title": node.title}
    if node.description:
        data["description"] = node.description
    if node.children:
        data["children"] = [_node_data(child) for child in node.children]
    return data


def catalogue_data(catalog: Catalog) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "taxonomy": [_node_data(root) for root in catalog.taxonomy.roots],
        "records": [record_data(r) for r in sorted(catalog.records, key=lambda r: r.id)],
    }


def catalogue_json(catalog: Catalog) -> str:
    """``catalogue.json``: indented one level per record so it reads (and diffs) well."""
    data = catalogue_data(catalog)
    records = data.pop("records")
    head = json.dumps(data, ensure_ascii=False, separators=(",", ":"))[:-1]
    body = ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records)
    return f'{head},"records":[\n{body}\n]}}\n'


def catalogue_schema() -> dict[str, Any]:
    """The JSON Schema of ``catalogue.json``; the record part is the record format's own schema."""
    record = {k: v for k, v in json_schema().items() if k not in ("$schema", "$id")}
    node: dict[str, Any] = {
        "type": "object",
        "description": "A taxonomy node, as in taxonomy.yaml: records name nodes by id in their tags.",
        "properties": {
            "id": {"type": "string", "description": "Unique slug; records name the node in their `tags`."},
            "title": {"type": "string", "description": "Heading shown on pages and in navigation."},
            "description": {"type": "string", "description": "One paragraph introducing the section (markdown)."},
            "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
        },
        "required": ["id", "title"],
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://longctx-catalog.github.io/schema/catalogue.schema.json",
        "title": "longctx-catalog catalogue",
        "description": (
            "Every record of the catalogue with its taxonomy, as published on the site (catalogue.json). "
            "Records are in id order and use the record format of papers/*.yaml; dates are strings."
        ),
        "type": "object",
        "properties": {
            "format": {"const": FORMAT, "description": "Version of this file's layout."},
            "taxonomy": {
                "type": "array",
                "description": "The top-level taxonomy nodes, each with its children.",
                "items": {"$ref": "#/$defs/node"},
            },
            "records": {
                "type": "array",
                "description": "Every record, in id order.",
                "items": {"$ref": "#/$defs/record"},
            },
        },
        "required": ["format", "taxonomy", "records"],
        "additionalProperties": False,
        "$defs": {"node": node, "record": record},
    }


def catalogue_schema_json() -> str:
    return json.dumps(catalogue_schema(), ensure_ascii=False, indent=2) + "\n"


def download_files(catalog: Catalog, entries: dict[str, str] | None = None) -> tuple[dict[str, str], list[Diagnostic]]:
    """Every download by its path relative to the site root."""
    files, diags = bib_files(catalog, entries)
    files[CATALOGUE_JSON] = catalogue_json(catalog)
    files[CATALOGUE_SCHEMA] = catalogue_schema_json()
    return files, diags
