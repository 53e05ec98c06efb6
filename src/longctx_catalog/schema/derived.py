"""What is derived from the field table: the canonical field order, the JSON Schema, the field reference."""

from __future__ import annotations

from typing import Any

from ..model import KINDS
from .fields import FIELDS, RECORD_FIELDS

# The order in which tools write a record's fields: the table's.
FIELD_ORDER: tuple[str, ...] = tuple(FIELDS)



def json_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for f in RECORD_FIELDS:
        prop = dict(f.spec.json_schema())
        kinds = "" if f.kinds == KINDS else f" (kind: {', '.join(f.kinds)})"
        prop["description"] = f.doc + kinds
        if f.example is not None:
            prop["examples"] = [f.example]
        properties[f.name] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://longctx-catalog.github.io/schema/record.schema.json",
        "title": "longctx-catalog record",
        "description": "One YAML file in papers/: a paper, survey, dataset, model or toolkit.",
        "type": "object",
        "properties": properties,
        "required": [f.name for f in RECORD_FIELDS if f.required and f.kinds == KINDS],
        "additionalProperties": False,
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": "model"}}, "required": ["kind"]},
                "then": {"required": ["max_context"]},
            },
            {"anyOf": [{"required": ["title"]}, {"required": ["arxiv"]}]},
        ],
    }


def field_rows() -> list[dict[str, str]]:
    """One row per field for the contributor documentation."""
    rows = []
    for f in RECORD_FIELDS:
        rows.append(
            {
                "name": f.name,
                "type": f.spec.label,
                "kinds": "all" if f.kinds == KINDS else ", ".join(f.kinds),
                "required": "yes" if f.required else ("unless `arxiv` is set" if f.name == "title" else "no"),
                "doc": f.doc,
            }
        )
    return rows
