"""The section -> tags map of ``import-bib --tag-map``.

Curated lists file each work under a section of their own (the ``keywords`` field of
their BibTeX, e.g. ``3.1 Eviction / Selection``). A committed YAML file maps each such
value to taxonomy node ids::

    "3.1 Eviction / Selection": [kv-cache-eviction]
    "2.1 Sparse Attention": sparse-attention

The whole ``keywords`` value is one key (section names contain commas), compared after
LaTeX decoding and whitespace folding. A value the map does not name is an error at
the entry's ``keywords`` field, never a guess: a new section in the list needs a
decision about where it belongs in our tree.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Diagnostic, Location
from ..load import read_yaml_file
from ..schema.context import did_you_mean
from .latex import to_text
from .parse import BibEntry


def section_key(value: str) -> str:
    """``value`` as the map compares it: plain text, runs of whitespace as one space."""
    return re.sub(r"\s+", " ", to_text(value)).strip()


@dataclass
class TagMap:
    path: str  # as shown to users
    sections: dict[str, list[str]] = field(default_factory=dict)

    def tags_for(self, entry: BibEntry) -> tuple[list[str] | None, Diagnostic | None]:
        """The entry's tags from its section, or (None, the error saying why there are none)."""
        raw = entry.fields.get("keywords")
        if raw is None or not section_key(raw.value):
            return None, Diagnostic.make(
                entry.location,
                "LC611",
                f"entry '{entry.key}' has no `keywords` (its section), so the tag map "
                f"{self.path} cannot place it; add keywords or pass --tag; entry skipped",
            )
        key = section_key(raw.value)
        tags = self.sections.get(key)
        if tags is None:
            return None, Diagnostic.make(
                raw.location,
                "LC611",
                f"section {key!r} of entry '{entry.key}' is not in the tag map {self.path}"
                f"{did_you_mean(key, self.sections)}; add it there with the taxonomy nodes it belongs to; "
                "entry skipped",
            )
        return tags, None


def load_tag_map(file: Path, display: str, taxonomy_ids: Collection[str]) -> tuple[TagMap, list[Diagnostic]]:
    """Read and check the map; every problem is located in the map file."""
    tag_map = TagMap(display)
    doc, diags = read_yaml_file(file, display)
    if doc is None or any(d.is_error for d in diags):
        return tag_map, [Diagnostic.make(d.location, "LC612", d.message) for d in diags]
    problems: list[Diagnostic] = []
    if not isinstance(doc.data, dict) or not doc.data:
        return tag_map, [
            Diagnostic.make(
                Location(display, 1, 1),
                "LC612",
                "a tag map is a mapping of sections to taxonomy node ids, e.g. "
                "`\"2.1 Sparse Attention\": [sparse-attention]`",
            )
        ]
    seen: dict[str, str] = {}
    for section, value in doc.data.items():
        if not isinstance(section, str) or not section_key(section):
            problems.append(Diagnostic.make(doc.loc((section,), key=True), "LC612",
                                            f"section {section!r} is not text; quote it"))
            continue
        key = section_key(section)
        if key in seen:
            problems.append(Diagnostic.make(doc.loc((section,), key=True), "LC612",
                                            f"section {key!r} is mapped twice"))
            continue
        ids = [value] if isinstance(value, str) else value
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            problems.append(Diagnostic.make(doc.loc((section,)), "LC612",
                                            f"section {key!r} must map to a node id or a list of node ids"))
            continue
        for i, node in enumerate(ids):
            if node not in taxonomy_ids:
                where = doc.loc((section, i) if isinstance(value, list) else (section,))
                problems.append(Diagnostic.make(where, "LC612", f"{node!r} is not a taxonomy node"
                                                f"{did_you_mean(node, taxonomy_ids)} (run `longctx tags`)"))
        seen[key] = section
        tag_map.sections[key] = list(dict.fromkeys(ids))
    return tag_map, problems
