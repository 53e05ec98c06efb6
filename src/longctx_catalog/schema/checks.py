"""Checks of whole documents: a record file, the taxonomy, the metrics matrix."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..diagnostics import Diagnostic, Location
from ..load import KeyPath, YamlDoc
from ..model import Author, CodeLink, Length, Quality, Record, Taxonomy, TaxonomyNode
from .context import INVALID, Ctx, did_you_mean, field_label, local_today, type_name
from .derived import FIELD_ORDER
from .fields import FIELDS, PAPERISH, REQUIRED_FIELDS, TASK_TYPES, TLDR_MAX_CHARS, TLDR_MAX_SENTENCES, Field
from .specs import Choice, Slug, Str, arxiv_year_month
from .structures import ListOf, MapOf, Obj

_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9\"'(])")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|et al|vs|etc)\Z")


def count_sentences(text: str) -> int:
    """Sentences in ``text``: a full stop, ! or ? followed by a capital starts a new one,
    except after e.g., i.e., et al., vs. and etc."""
    return 1 + sum(1 for m in _SENTENCE_END.finditer(text) if not _ABBREVIATION.search(text, 0, m.start()))


def _month_distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    return abs((a[0] * 12 + a[1]) - (b[0] * 12 + b[1]))


def _required_hint(f: Field, stem: str) -> str:
    """``id: yarn`` / ``tags: [rope-scaling]`` — a line the contributor can paste and edit."""
    if f.name == "id":
        return f"`id: {stem}` (the file name without .yaml)"
    if f.name == "tags":
        return "e.g. `tags: [rope-scaling]` (run `longctx tags` for every node id)"
    if f.example is not None:
        example = f"[{', '.join(map(str, f.example))}]" if isinstance(f.example, list) else f.example
        return f"e.g. `{f.name}: {example}`"
    return f"`{f.name}: ...`"


def check_record(doc: YamlDoc, stem: str, ctx: Ctx) -> Record | None:
    """Check one parsed record file; diagnostics go to ``ctx``. ``None`` when nothing usable."""
    data = doc.data
    if not isinstance(data, dict):
        what = "empty" if data is None else f"{type_name(data)}, not a mapping of fields"
        ctx.report((), "LC005", f"record file is {what}; start with `id: {stem}`")
        return None

    kind = data.get("kind", "paper")
    kind_checked = FIELDS["kind"].spec.check(kind, ("kind",), ctx) if "kind" in data else "paper"
    kind = kind_checked if kind_checked is not INVALID else None

    values: dict[str, Any] = {}
    for key in data:
        if key not in FIELDS:
            ctx.report(
                (str(key),),
                "LC101",
                f"unknown field {key!r}{did_you_mean(key, FIELD_ORDER)} "
                "(run `longctx schema --format markdown` for every field)",
                key=True,
            )
    for name, raw in data.items():
        f = FIELDS.get(name)  # type: ignore[call-overload]
        if f is None or name == "kind":
            continue
        if kind is not None and kind not in f.kinds:
            ctx.report(
                (f.name,),
                "LC105",
                f"field {f.name!r} is for {' / '.join(f.kinds)} records; this record is kind {kind!r}: remove "
                f"the field or fix `kind`",
                key=True,
            )
            continue
        checked = f.spec.check(raw, (f.name,), ctx)
        if checked is not INVALID:
            values[f.name] = checked
    for f in REQUIRED_FIELDS:
        if f.name not in data and (kind is None or kind in f.kinds):
            ctx.report((), "LC102", f"missing required field {f.name!r}; add {_required_hint(f, stem)}")

    if "id" in values and values["id"] != stem:
        ctx.report(("id",), "LC112", f"id {values['id']!r} must equal the file name {stem!r}; rename the file to "
                   f"{values['id']}.yaml or change the id")
    if "title" not in data and "arxiv" not in data:
        ctx.report((), "LC102", "missing field 'title' (it may be left out only when 'arxiv' is set); add "
                   "`title: 'The Paper Title'` or `arxiv: '2309.00071'`")
    _check_affiliations(data, values, ctx)
    _check_arxiv_date(values, ctx)
    _check_prose(data, values, kind, ctx)
    return _build_record(values, kind or "paper", stem, doc.path)


def _check_affiliations(data: dict[Any, Any], values: dict[str, Any], ctx: Ctx) -> None:
    if "affiliations" not in values or "authors" not in values:
        if "affiliations" in data and "authors" not in data:
            ctx.report(("affiliations",), "LC102", "'affiliations' needs an 'authors' list to run parallel to",
                       key=True)
        values.pop("affiliations", None)  # nothing valid to pair them with
        return
    authors, affiliations = values["authors"], values["affiliations"]
    if len(affiliations) != len(authors):
        ctx.report(("affiliations",), "LC104", f"'affiliations' has {len(affiliations)} entries but 'authors' has "
                   f"{len(authors)}; give one entry per author (empty when unknown)", key=True)
        del values["affiliations"]
    elif any(a.affiliations for a in authors):
        ctx.report(("affiliations",), "LC104", "affiliations are given both per author and as a parallel list; "
                   "keep one of the two", key=True)
        del values["affiliations"]


def _check_arxiv_date(values: dict[str, Any], ctx: Ctx) -> None:
    arxiv, date = values.get("arxiv"), values.get("date")
    if not arxiv or not date or len(date) < 7:
        return
    ym = arxiv_year_month(arxiv)
    if ym is None:
        return
    date_ym = (int(date[:4]), int(date[5:7]))
    if _month_distance(ym, date_ym) > 1:
        ctx.report(
            ("date",),
            "LC124",
            f"date {date} is more than a month from arXiv id {arxiv} (posted {ym[0]}-{ym[1]:02d}); "
            "the date should be that of the first public version (v1 on the arXiv abstract page); fix whichever "
            "is wrong",
        )


def _check_prose(data: dict[Any, Any], values: dict[str, Any], kind: str | None, ctx: Ctx) -> None:
    tldr = values.get("tldr")
    if tldr and (len(tldr) > TLDR_MAX_CHARS or count_sentences(tldr) > TLDR_MAX_SENTENCES):
        ctx.report(("tldr",), "LC141", f"the TL;DR runs to {count_sentences(tldr)} sentences / {len(tldr)} "
                   f"characters; keep it to {TLDR_MAX_SENTENCES} sentences under {TLDR_MAX_CHARS} characters and "
                   "move the rest to notes")
    if kind in PAPERISH and "tldr" not in data and data.get("status") != "unread":
        # `status: unread` says openly that nobody has summarised the work yet: no nagging for it
        ctx.report((), "LC142", "no 'tldr'; add one or two sentences, in your own words, on what the work does")
    if "added" not in data:
        ctx.report((), "LC143", f"no 'added' date; add `added: {local_today().isoformat()}`")


def _build_record(values: dict[str, Any], kind: str, stem: str, path: str) -> Record:
    authors: tuple[Author, ...] = values.pop("authors", ())
    affiliations = values.pop("affiliations", None)
    if affiliations:
        authors = tuple(Author(a.name, tuple(aff)) for a, aff in zip(authors, affiliations, strict=True))
    code = tuple(CodeLink(c["url"], c["official"]) for c in values.pop("code", ()))
    length = values.pop("length_kwords", None)
    quality = values.pop("quality", None)
    values.pop("kind", None)
    return Record(
        id=values.pop("id", stem),
        kind=kind,
        authors=authors,
        code=code,
        length_kwords=Length(**length) if length is not None else None,
        quality=Quality(**quality) if quality is not None else None,
        path=path,
        **values,
    )


# ---------------------------------------------------------------------------------
# The taxonomy tree


NODE_FIELDS = {
    "id": "Unique slug; records name the node in their `tags`.",
    "title": "Heading shown on pages and in navigation.",
    "description": "One paragraph introducing the section (markdown).",
    "children": "Sub-nodes, in display order.",
}


def check_taxonomy(doc: YamlDoc) -> tuple[Taxonomy, list[Diagnostic]]:
    """Build the taxonomy tree, reporting every malformed node and duplicate id."""
    diags: list[Diagnostic] = []
    seen: dict[str, Location] = {}
    slug = Slug()
    title_spec = Str(single_line=True)
    text_spec = Str()

    def at(kp: KeyPath, key: bool = False) -> Location:
        return doc.loc(kp, key=key)

    def report(kp: KeyPath, code: str, message: str, key: bool = False) -> None:
        diags.append(Diagnostic.make(at(kp, key), code, message))

    def node_list(value: Any, kp: KeyPath, parent: TaxonomyNode | None) -> list[TaxonomyNode]:
        if not isinstance(value, list):
            report(kp, "LC301", f"{field_label(kp) if kp else 'the taxonomy'} must be a list of nodes "
                   "(`- id: ...`)")
            return []
        nodes = []
        for i, item in enumerate(value):
            node = one_node(item, (*kp, i), parent)
            if node is not None:
                nodes.append(node)
        return nodes

    def one_node(item: Any, kp: KeyPath, parent: TaxonomyNode | None) -> TaxonomyNode | None:
        if not isinstance(item, dict):
            report(kp, "LC301", f"a taxonomy node must be a mapping with id and title, not {type_name(item)}")
            return None
        for key in item:
            if key not in NODE_FIELDS:
                report((*kp, str(key)), "LC301", f"unknown node field {key!r}{did_you_mean(key, list(NODE_FIELDS))} "
                       f"(allowed: {', '.join(NODE_FIELDS)})", key=True)
        sub = Ctx(doc, dt.date.max)
        node_id = slug.check(item["id"], (*kp, "id"), sub) if "id" in item else INVALID
        title = title_spec.check(item["title"], (*kp, "title"), sub) if "title" in item else INVALID
        description = text_spec.check(item["description"], (*kp, "description"), sub) if "description" in item else None
        diags.extend(Diagnostic.make(d.location, "LC301", d.message) for d in sub.diagnostics)
        if "id" not in item:
            report(kp, "LC301", "taxonomy node has no 'id'; add `id: a-short-slug` (records use it in `tags`)")
        if "title" not in item:
            report(kp, "LC301", "taxonomy node has no 'title'; every node needs a non-empty title")
        if node_id is INVALID or title is INVALID:
            return None
        if node_id in seen:
            report((*kp, "id"), "LC302", f"taxonomy node id {node_id!r} is already used at {seen[node_id]}; "
                   "give one of the two nodes another id")
            return None
        seen[node_id] = at((*kp, "id"))
        node = TaxonomyNode(node_id, title, description if description is not INVALID else None, parent=parent)
        if "children" in item:
            node.children = node_list(item["children"], (*kp, "children"), node)
        return node

    # A node containing itself cannot get here: the loader refuses an alias to an
    # ancestor (LC303); a subtree repeated by alias shows up as duplicate ids.
    roots = node_list(doc.data, (), None) if doc.data is not None else []
    if doc.data is None:
        report((), "LC301", "taxonomy.yaml is empty; it must list the top-level nodes")
    return Taxonomy(roots), diags


# ---------------------------------------------------------------------------------
# The metrics matrix (data/metrics.yaml)


def check_metrics(doc: YamlDoc) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """``metrics``: the column names; ``tasks``: task type -> the metrics used for it;
    ``definitions`` (optional): metric -> what it measures, in our words."""
    ctx = Ctx(doc, dt.date.max)
    spec = Obj(
        {
            "metrics": (ListOf(Str(single_line=True), min_items=1), True),
            "tasks": (MapOf(Choice(tuple(TASK_TYPES)), ListOf(Str(single_line=True))), True),
            "definitions": (MapOf(Str(single_line=True), Str()), False),
        },
        "a mapping with 'metrics', 'tasks' and optional 'definitions'",
    )
    value = spec.check(doc.data, (), ctx)
    data = doc.data if isinstance(doc.data, dict) else {}
    known = data.get("metrics") if isinstance(data.get("metrics"), list) else []
    tasks = data.get("tasks") if isinstance(data.get("tasks"), dict) else {}
    # Checked on the raw data so a bad task name does not hide a bad metric name.
    for task, used in tasks.items():
        for i, metric in enumerate(used if isinstance(used, list) else []):
            if isinstance(metric, str) and metric not in known:
                ctx.report(("tasks", str(task), i), "LC401", f"metric {metric!r} is not in the 'metrics' list"
                           f"{did_you_mean(metric, [k for k in known if isinstance(k, str)])}; add it there or fix "
                           "the name")
    definitions = data.get("definitions") if isinstance(data.get("definitions"), dict) else {}
    for metric in definitions:
        if metric not in known:
            ctx.report(("definitions", str(metric)), "LC401", f"metric {metric!r} is defined but not in the 'metrics' "
                       f"list{did_you_mean(metric, [k for k in known if isinstance(k, str)])}")
    diags = [Diagnostic.make(d.location, "LC401", d.message) for d in ctx.diagnostics]
    return (None if diags else value), diags
