from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import click

from ._common import EXIT_DATA, EXIT_OK, EnvironmentProblem, State, pass_state

T = TypeVar("T")


def _progress(items: Iterable[T]) -> Iterator[T]:
    items = list(items)
    stderr = sys.stderr
    if len(items) < 200 or not stderr.isatty():  # a bar only where someone watches it
        yield from items
        return
    with click.progressbar(items, label="Reading entries", file=stderr) as bar:
        yield from bar


def _read_bib(path: Path, display: str) -> str:
    """The file's text; a located error (exit 1) when it is not UTF-8."""
    from ..diagnostics import Diagnostic, Location, format_text

    try:
        raw = path.read_bytes()
    except OSError as err:
        raise EnvironmentProblem(f"cannot read {display}: {err.strerror or err}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        before = raw[: err.start].decode("utf-8", "replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        diag = Diagnostic.make(
            Location(display, line, column),
            "LC001",
            "file is not valid UTF-8 (is it a .bib file? save it as UTF-8); nothing imported",
        )
        click.secho(format_text([diag]).rstrip(), fg="red")
        raise SystemExit(EXIT_DATA) from None


@click.command("import-bib")
@click.argument("bib_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="NODE",
    help="Taxonomy node for the new records (repeatable; see `longctx tags`).",
)
@click.option(
    "--tag-map",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="YAML file mapping each entry's `keywords` value (its section in a curated list) to taxonomy "
    "nodes; an entry whose section the map lacks is an error and is skipped.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be created or changed; write nothing.")
@pass_state
def command(state: State, bib_file: Path, tags: tuple[str, ...], tag_map: Path | None, dry_run: bool) -> None:
    """Turn the entries of a BibTeX file into records.

    Each work becomes papers/<id>.yaml with its title, authors, date, venue, arXiv
    id, links and code, the given tags, `status: unread` and `added` = today (the
    citation is generated from these fields; the entry itself is not kept). An
    entry matching an existing record (same arXiv id or title) only fills the
    fields that record lacks; entries repeated in the file are merged. Broken
    entries are reported as `path:line:col` and skipped; the rest is imported,
    all files at once or none. Exit 1 when an entry had to be skipped or nothing
    could be imported.

    With --tag-map, each new record is also tagged with the nodes its entry's
    section (`keywords`) maps to; the map is checked before anything is read.
    Give --tag, --tag-map or both.

    \b
    Examples:
      longctx import-bib survey.bib --tag rope-scaling --dry-run
      longctx import-bib survey.bib --tag rope-scaling --tag sparse-attention
      longctx import-bib lcm.bib --tag-map data/import/lcm-tag-map.yaml
    """
    from ..bibtex.importer import plan_import
    from ..diagnostics import format_text
    from ..schema.context import did_you_mean, local_today
    from ..validate import load_catalog
    from ..write import atomic_write_many

    root = state.root
    if not tags and tag_map is None:
        raise click.UsageError("give --tag NODE, --tag-map FILE or both: new records need a place in the taxonomy")
    catalog, _ = load_catalog(root)
    for tag in tags:
        if tag not in catalog.taxonomy:
            raise click.BadParameter(
                f"{tag!r} is not a taxonomy node{did_you_mean(tag, list(catalog.taxonomy.nodes))}"
                " (run `longctx tags`)",
                param_hint="--tag",
            )
    sections = None
    if tag_map is not None:
        from ..bibtex.tagmap import load_tag_map

        sections, problems = load_tag_map(tag_map, tag_map.as_posix(), catalog.taxonomy.nodes)
        if problems:
            click.secho(format_text(problems).rstrip(), fg="red")
            click.echo("The tag map has errors; nothing imported.", err=True)
            raise SystemExit(EXIT_DATA)
    display = bib_file.as_posix()
    text = _read_bib(bib_file, display)
    plan = plan_import(
        catalog, text, display, list(dict.fromkeys(tags)), local_today(), progress=_progress, tag_map=sections
    )

    for line in format_text(plan.diagnostics).splitlines():
        click.secho(line, fg="red" if ": error: " in line else "yellow")
    verb = {
        "create": "would create" if dry_run else "create",
        "update": "would update" if dry_run else "update",
    }
    for change in plan.changes:
        click.echo(f"{verb[change.action]} {change.display}  ({change.detail})  <- {change.source}")
    for note in plan.notes:
        click.echo(f"unchanged {note}")

    if plan.changes and not dry_run:
        try:
            atomic_write_many({c.path: c.text for c in plan.changes})
        except OSError as err:
            raise EnvironmentProblem(
                f"could not write {getattr(err, 'filename', '') or 'the records'}: "
                f"{err.strerror or err}; nothing was changed"
            ) from None
    skipped = sum(d.is_error for d in plan.diagnostics if d.code != "LC603")
    summary = (
        f"{plan.n_entries} entries: {plan.n_created} new record(s), {plan.n_updated} updated, "
        f"{len(plan.notes)} already complete, {skipped} skipped."
    )
    if dry_run:
        summary += " Dry run: nothing written."
    elif not plan.changes:
        summary += " Nothing written."
    click.echo(summary, err=True)
    raise SystemExit(EXIT_DATA if plan.has_errors else EXIT_OK)
