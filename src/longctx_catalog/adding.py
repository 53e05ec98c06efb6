"""Adding new records: the checks and the files behind `longctx add`, `longctx new` and the issue form.

Everything here decides and prepares; nothing prints. A problem is a :class:`Refusal`
whose message says what to fix, so each caller shows it its own way (a click error,
a comment on an issue). Files are written only by :func:`write_all`, all or none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .duplicates import title_key
from .load import PAPERS_DIR, parse_yaml, record_files
from .model import ArxivMeta, Catalog, Taxonomy
from .schema.checks import check_record
from .schema.context import Ctx, did_you_mean, latest_today
from .schema.specs import SLUG_MAX, SLUG_RE
from .write import atomic_write_text, dump_record


class Refusal(Exception):
    """The request cannot be carried out as given; ``param`` names what to change (``tag``, ``id``, ...)."""

    def __init__(self, message: str, param: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.param = param


@dataclass
class NewFiles:
    """The files one addition writes (record and arXiv cache), and the new records' paths."""

    files: dict[Path, str] = field(default_factory=dict)
    records: list[str] = field(default_factory=list)  # paths relative to the catalogue root


def redundant_tags(taxonomy: Taxonomy, tags: Sequence[str]) -> list[tuple[str, str]]:
    """(ancestor, descendant) pairs among ``tags``: the ancestor adds nothing, the page of the descendant
    already shows under it."""
    pairs = []
    for tag in tags:
        if tag not in taxonomy:
            continue
        for node in taxonomy[tag].lineage()[:-1]:
            if node.id in tags:
                pairs.append((node.id, tag))
    return pairs


def check_tags(taxonomy: Taxonomy, tags: Iterable[str]) -> None:
    if not taxonomy.nodes:
        raise Refusal("taxonomy.yaml has no usable nodes; run `longctx validate`")
    for tag in tags:
        if tag not in taxonomy:
            raise Refusal(f"unknown taxonomy node {tag!r}{did_you_mean(tag, list(taxonomy.nodes))} (run "
                          "`longctx tags` or see taxonomy.yaml for every node id)", "tag")


def taken_ids(catalog: Catalog) -> set[str]:
    return set(catalog.by_id) | {p.stem for p in record_files(catalog.root)}


def check_record_id(catalog: Catalog, record_id: str | None) -> None:
    if record_id is None:
        return
    if not SLUG_RE.match(record_id) or len(record_id) > SLUG_MAX:
        raise Refusal(f"{record_id!r} is not a record id: use lowercase letters, digits and hyphens", "id")
    if record_id in taken_ids(catalog):
        raise Refusal(f"id {record_id!r} is already used by {PAPERS_DIR}/{record_id}.yaml", "id")


def check_not_present(catalog: Catalog, arxiv_ids: Iterable[str] = (), title: str | None = None) -> None:
    """Refuse a work the catalogue already has, naming the record that has it."""
    present = {r.arxiv_base: r for r in catalog.records if r.arxiv_base}
    clashes = [f"{i} is already in the catalogue: {present[i].path} (id {present[i].id!r})" for i in arxiv_ids
               if i in present]
    if clashes:
        raise Refusal("; ".join(clashes) + "; add your tags or links to that record instead", "arxiv")
    if title:
        same = {title_key(r.title): r for r in catalog.records if r.title}.get(title_key(title))
        if same is not None:
            raise Refusal(f"{same.path} (id {same.id!r}) already has this title; one work needs one record — "
                          "add to that record instead", "title")


def validated_text(catalog: Catalog, fields: dict[str, Any]) -> str:
    """The record file for ``fields``, checked with the rules `validate` uses; Refusal when it would not pass."""
    rel = f"{PAPERS_DIR}/{fields['id']}.yaml"
    text = dump_record(fields)
    doc, diags = parse_yaml(text, rel)
    if doc is not None:
        ctx = Ctx(doc, latest_today(), list(catalog.taxonomy.nodes))
        check_record(doc, fields["id"], ctx)
        diags += ctx.diagnostics
    errors = [d for d in diags if d.is_error]
    if doc is None or errors:
        raise Refusal("the new record does not validate: " + "; ".join(str(d) for d in errors))
    return text


def from_arxiv(catalog: Catalog, found: dict[str, ArxivMeta], ids: Sequence[str],
               tags: Sequence[str] | Mapping[str, Sequence[str]], record_id: str | None, today: dt.date,
               extra: dict[str, Any] | None = None) -> NewFiles:
    """Records (and cache files) for fetched arXiv metadata, as `longctx add` writes them.

    ``tags`` are the same for every paper, or given per arXiv id (``discover --add``).
    """
    from .enrich.add import propose_id, record_fields
    from .enrich.cache import cache_file, dump_meta

    taken = taken_ids(catalog)
    out = NewFiles()
    for arxiv_id in ids:
        meta = found[arxiv_id]
        same = {title_key(r.title): r for r in catalog.records if r.title}.get(title_key(meta.title))
        if same is not None:
            raise Refusal(f"arXiv {arxiv_id} has the same title as {same.path} (id {same.id!r}); one work needs one "
                          "record — add the arXiv id to that record instead", "arxiv")
        new_id = record_id or propose_id(meta.title, meta.published[:4], taken)
        taken.add(new_id)
        paper_tags = tags[arxiv_id] if isinstance(tags, Mapping) else tags
        fields = {**record_fields(meta, new_id, list(paper_tags), today), **(extra or {})}
        try:
            text = validated_text(catalog, fields)
        except Refusal as err:
            raise Refusal(f"the record made for arXiv {arxiv_id} does not validate ({err.message})") from None
        out.files[cache_file(catalog.root, arxiv_id)] = dump_meta(meta)
        out.files[catalog.root / PAPERS_DIR / f"{new_id}.yaml"] = text
        out.records.append(f"{PAPERS_DIR}/{new_id}.yaml")
    return out


def from_title(catalog: Catalog, title: str, tags: Sequence[str], today: dt.date, *, arxiv_id: str | None = None,
               kind: str = "paper", record_id: str | None = None, extra: dict[str, Any] | None = None) -> NewFiles:
    """A record written from what the person knows, without asking arXiv (offline, or not on arXiv)."""
    from .enrich.add import propose_id

    check_not_present(catalog, [arxiv_id] if arxiv_id else [], title)
    check_record_id(catalog, record_id)
    new_id = record_id or propose_id(title, str(today.year), taken_ids(catalog))
    fields: dict[str, Any] = {"id": new_id, "title": " ".join(title.split())}
    if kind != "paper":
        fields["kind"] = kind
    if arxiv_id:
        fields["arxiv"] = arxiv_id
    fields["tags"] = list(tags)
    if arxiv_id:
        fields["links"] = {"paper": f"https://arxiv.org/abs/{arxiv_id}"}
    fields.update(extra or {})
    fields["added"] = today
    rel = f"{PAPERS_DIR}/{new_id}.yaml"
    return NewFiles({catalog.root / rel: validated_text(catalog, fields)}, [rel])


def write_all(files: dict[Path, str]) -> None:
    """Write every file or none: if one write fails, put back what was there before (OSError propagates)."""
    before = {path: path.read_bytes() if path.exists() else None for path in files}
    done: list[Path] = []
    try:
        for path, text in files.items():
            atomic_write_text(path, text)
            done.append(path)
    except OSError:
        for path in done:
            old = before[path]
            if old is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(old)
        raise
