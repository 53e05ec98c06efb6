from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._arxiv import arxiv_api_option, failure_exit_code, make_source
from ._common import DataProblem, EnvironmentProblem, State, pass_state


@click.command("add")
@click.argument("arxiv_ids", nargs=-1, required=True, metavar="ARXIV_ID...")
@click.option("--tag", "tags", multiple=True, metavar="NODE",
              help="Taxonomy node id for the new record(s) (see `longctx tags`); repeat for several. "
              "Without it, each record gets the node its title and abstract are most like (said on stderr).")
@click.option("--id", "record_id", metavar="SLUG",
              help="Record id (and file name) instead of the one proposed from the title; only with one ARXIV_ID.")
@arxiv_api_option
@pass_state
def command(state: State, arxiv_ids: tuple[str, ...], tags: tuple[str, ...], record_id: str | None,
            arxiv_api: str | None) -> None:
    """Add papers by arXiv id: fetch them and write new records to papers/.

    Each record gets title, authors (with affiliations when arXiv has them), the date
    of version 1, links, the tags given and today's `added` date; its id is proposed
    from the title (`YaRN: ...` -> `yarn`) unless --id is given. arXiv's full
    metadata (abstract, categories, ...) is cached in data/arxiv/. All ids are fetched
    in one request; if any fails, nothing is written. An id already in the catalogue
    is refused, naming the record that has it.

    \b
    Examples:
      longctx add 2309.00071 --tag rope-scaling
      longctx add 2309.00071 2306.15595 --tag extended-rope --tag rope-scaling
      longctx add https://arxiv.org/abs/2309.00071v2 --tag rope-scaling --id yarn
      longctx add 2309.00071                     # tagged by similarity to the catalogue
    """
    from ..enrich.add import parse_id_argument
    from ..enrich.run import FAILURE_CODES
    from ..load import PAPERS_DIR, record_files
    from ..schema.context import did_you_mean
    from ..schema.specs import SLUG_MAX, SLUG_RE
    from ..validate import load_catalog

    # Everything that can be checked without the network is checked first.
    parsed = {text: parse_id_argument(text) for text in arxiv_ids}
    bad = [text for text, arxiv_id in parsed.items() if arxiv_id is None]
    if bad:
        raise click.BadParameter(f"not a valid arXiv id: {', '.join(bad)} (expected e.g. 2309.00071 or "
                                 "hep-th/9901001)", param_hint="ARXIV_ID")
    ids = list(dict.fromkeys(a for a in parsed.values() if a))
    tags = tuple(dict.fromkeys(tags))
    if record_id is not None:
        if len(ids) > 1:
            raise click.BadParameter("--id names one record; give a single ARXIV_ID with it", param_hint="--id")
        if not SLUG_RE.match(record_id) or len(record_id) > SLUG_MAX:
            raise click.BadParameter(f"{record_id!r} is not a record id: use lowercase letters, digits and hyphens",
                                     param_hint="--id")
    root = state.root
    catalog, _ = load_catalog(root)
    if not catalog.taxonomy.nodes:
        raise DataProblem("taxonomy.yaml has no usable nodes; run `longctx validate`")
    for tag in tags:
        if tag not in catalog.taxonomy:
            raise click.BadParameter(f"unknown taxonomy node {tag!r}{did_you_mean(tag, list(catalog.taxonomy.nodes))}"
                                     " (run `longctx tags` for every node id)", param_hint="--tag")
    present = {r.arxiv_base: r for r in catalog.records if r.arxiv_base}
    clashes = [f"{i} is already in the catalogue: {present[i].path} (id {present[i].id!r})" for i in ids
               if i in present]
    if clashes:
        raise click.BadParameter("; ".join(clashes), param_hint="ARXIV_ID")
    taken = set(catalog.by_id) | {p.stem for p in record_files(root)}
    if record_id is not None and record_id in taken:
        raise click.BadParameter(f"id {record_id!r} is already used by {PAPERS_DIR}/{record_id}.yaml",
                                 param_hint="--id")

    source = make_source(arxiv_api)
    found = {}
    failures = []
    for batch in source.fetch(ids):
        found.update(batch.found)
        failures.extend(batch.failures)
    if failures:
        for failure in failures:
            click.echo(f"error: arXiv {failure.arxiv_id}: {failure.reason}", err=True)
        click.echo("Nothing was written.", err=True)
        raise SystemExit(failure_exit_code({FAILURE_CODES[f.kind] for f in failures}))

    if not tags:
        tags_for = suggested_tags(catalog, [found[i] for i in ids])
    else:
        tags_for = {arxiv_id: list(tags) for arxiv_id in ids}
    write_records(root, catalog, [found[i] for i in ids], tags_for, record_id=record_id)
    click.echo("Now write a `tldr` in your own words (and check the authors) in the new file(s).", err=True)


def suggested_tags(catalog: Any, metas: list[Any]) -> dict[str, list[str]]:
    """The best taxonomy node for each paper by the catalogue's text model, said on stderr with the runners-up."""
    from ..similarity import Index

    suggestions = Index(catalog).suggest_tags([f"{m.title} {m.abstract or ''}" for m in metas])
    out: dict[str, list[str]] = {}
    for meta, found in zip(metas, suggestions, strict=True):
        if not found:
            raise click.UsageError(f"no taxonomy node could be suggested for arXiv {meta.id}; give --tag NODE")
        out[meta.id] = [found[0].node]
        others = ", ".join(f"{s.node} ({s.confidence:.2f})" for s in found[1:])
        click.echo(f"arXiv {meta.id}: no --tag given; tagged {found[0].node} ({found[0].confidence:.2f}) "
                   f"by similarity to the catalogue{'; also close: ' + others if others else ''}", err=True)
    return out


def write_records(root: Path, catalog: Any, metas: list[Any], tags_for: dict[str, list[str]], *,
                  record_id: str | None = None, status: str | None = None) -> list[str]:
    """Write one record (and its arXiv cache file) per paper, all or none; returns the record paths.

    Shared by ``add`` and ``discover --add``. Raises :class:`DataProblem` when a title
    is already in the catalogue or a made record does not validate, before anything is written.
    """
    from ..enrich.add import propose_id, record_fields
    from ..enrich.cache import cache_file, dump_meta
    from ..load import PAPERS_DIR, parse_yaml, record_files
    from ..model import normalise_title
    from ..schema.checks import check_record
    from ..schema.context import Ctx, latest_today, local_today
    from ..write import dump_record

    titles = {normalise_title(r.title): r for r in catalog.records if r.title}
    taxonomy_ids = list(catalog.taxonomy.nodes)
    taken = set(catalog.by_id) | {p.stem for p in record_files(root)}
    files: dict[Path, str] = {}
    written = []
    for meta in metas:
        arxiv_id = meta.id
        same = titles.get(normalise_title(meta.title))
        if same is not None:
            raise DataProblem(f"arXiv {arxiv_id} has the same title as {same.path} (id {same.id!r}); "
                              "one work needs one record — add the arXiv id to that record instead")
        new_id = record_id or propose_id(meta.title, meta.published[:4], taken)
        taken.add(new_id)
        rel = f"{PAPERS_DIR}/{new_id}.yaml"
        fields = record_fields(meta, new_id, tags_for[arxiv_id], local_today())
        if status is not None:
            fields["status"] = status
        text = dump_record(fields)
        # Validate the record before anything is written, with the rules `validate` uses.
        doc, diags = parse_yaml(text, rel)
        if doc is not None:
            ctx = Ctx(doc, latest_today(), taxonomy_ids)
            check_record(doc, new_id, ctx)
            diags += ctx.diagnostics
        errors = [d for d in diags if d.is_error]
        if doc is None or errors:
            click.echo("".join(f"{d}\n" for d in errors), nl=False, err=True)
            raise DataProblem(f"the record made for arXiv {arxiv_id} does not validate; nothing was written")
        files[cache_file(root, arxiv_id)] = dump_meta(meta)
        files[root / rel] = text
        written.append((rel, meta))
    _write_all(files)
    for rel, meta in written:
        click.echo(f"{rel}: {meta.title} (arXiv {meta.versioned_id}, {meta.published})")
    return [rel for rel, _ in written]


def _write_all(files: dict[Path, str]) -> None:
    """Write every file or none: if one write fails, put back what was there before."""
    from ..write import atomic_write_text

    before = {path: path.read_bytes() if path.exists() else None for path in files}
    done: list[Path] = []
    try:
        for path, text in files.items():
            atomic_write_text(path, text)
            done.append(path)
    except OSError as err:
        for path in done:
            old = before[path]
            if old is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(old)
        raise EnvironmentProblem(f"cannot write {err.filename or 'a file'}: {err.strerror or err}; "
                                 "nothing was added") from None
