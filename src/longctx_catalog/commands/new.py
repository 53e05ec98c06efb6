from __future__ import annotations

import sys
from typing import Any

import click

from ..model import KINDS
from ..tagsearch import search_nodes
from ._arxiv import arxiv_api_option
from ._common import EXIT_USAGE, DataProblem, EnvironmentProblem, State, pass_state

NEXT_STEPS = """\
Next steps:
  1. Open {path} and fill in what you know: authors, date, venue, links, code
     (`official: true` for the authors' own repository) and a one- or two-sentence
     `tldr` in your own words.
  2. Run `longctx validate` and fix anything it reports.
  3. Commit the file and open a pull request (see CONTRIBUTING.md)."""


def _note_ancestor(taxonomy: Any, chosen: list[str]) -> None:
    """Say at once when the tag just chosen is an ancestor or descendant of one chosen before."""
    from ..adding import redundant_tags

    for ancestor, tag in redundant_tags(taxonomy, chosen):
        if chosen[-1] in (ancestor, tag):
            click.echo(f"  note: {ancestor} is an ancestor of {tag}; the most specific tag is enough")


def _choose_tags(taxonomy: Any, suggested: list[Any]) -> list[str]:
    chosen: list[str] = []
    click.echo("Tag the record with taxonomy nodes (the most specific that fit). Type words to search; "
               "an empty answer finishes.")
    if suggested:
        click.echo("Most like the title (by similarity to the catalogue):")
        for i, suggestion in enumerate(suggested, 1):
            path = " › ".join(n.title for n in taxonomy[suggestion.node].lineage())
            click.echo(f"  {i}. {suggestion.node}  ({path}; {suggestion.confidence:.2f})")
        pick = click.prompt("number (empty to search instead)", default="", show_default=False)
        if pick.strip().isdigit() and 1 <= int(pick) <= len(suggested):
            chosen.append(suggested[int(pick) - 1].node)
            click.echo(f"  tagged {chosen[-1]}")
    while True:
        query = click.prompt("search the taxonomy" if not chosen else "another tag (empty to finish)",
                             default="", show_default=False)
        if not query.strip():
            if chosen:
                return chosen
            click.echo("At least one tag is needed.")
            continue
        if query.strip() in taxonomy.nodes:
            chosen.append(query.strip())
            _note_ancestor(taxonomy, chosen)
            continue
        matches = search_nodes(query, taxonomy)
        if not matches:
            click.echo("No node matches; try other words, or run `longctx tags` to see the tree.")
            continue
        for i, node in enumerate(matches, 1):
            path = " › ".join(n.title for n in node.lineage())
            click.echo(f"  {i}. {node.id}  ({path})")
        pick = click.prompt("number (empty to search again)", default="", show_default=False)
        if pick.strip().isdigit() and 1 <= int(pick) <= len(matches):
            chosen.append(matches[int(pick) - 1].id)
            click.echo(f"  tagged {chosen[-1]}")
            _note_ancestor(taxonomy, chosen)


def _tags_from_title(catalog: Any, title: str, interactive: bool) -> tuple[str, ...]:
    """Tags for a record given no --tag: chosen from suggestions in a terminal, else the best suggestion."""
    from ..similarity import Index

    suggested = Index(catalog).suggest_tags([title])[0]
    if interactive:
        return tuple(_choose_tags(catalog.taxonomy, suggested))
    if not suggested:
        raise click.UsageError("give at least one --tag NODE (see `longctx tags`): nothing in the catalogue is like "
                               "this title")
    others = ", ".join(f"{s.node} ({s.confidence:.2f})" for s in suggested[1:])
    click.echo(f"no --tag given; tagged {suggested[0].node} ({suggested[0].confidence:.2f}) by similarity to the "
               f"catalogue{'; also close: ' + others if others else ''}", err=True)
    return (suggested[0].node,)


@click.command("new")
@click.option("--arxiv", "arxiv_text", metavar="ID", help="The paper's arXiv id (or abs/pdf URL): fetch its metadata.")
@click.option("--title", help="The title, for a work without an arXiv id (or when arXiv cannot be reached).")
@click.option("--tag", "tags", multiple=True, metavar="NODE", help="Taxonomy node id; repeat for several.")
@click.option("--id", "record_id", metavar="SLUG", help="Record id instead of the one proposed from the title.")
@click.option("--kind", type=click.Choice(KINDS), default=None,
              help="What the record describes (asked in a terminal; else paper).")
@click.option("--interactive/--no-input", default=None,
              help="Ask for what is missing (default: only when run in a terminal).")
@arxiv_api_option
@pass_state
@click.pass_context
def command(ctx: click.Context, state: State, arxiv_text: str | None, title: str | None, tags: tuple[str, ...],
            record_id: str | None, kind: str | None, interactive: bool | None, arxiv_api: str | None) -> None:
    """Start a new record: from an arXiv id (fetched) or from a title (offline).

    In a terminal it asks for what you leave out: the arXiv id or title, the kind of
    record (paper, survey, dataset, model, toolkit) and the tags, found by searching
    the taxonomy with your own words ("benchmark", "KV cache", "rope scaling").
    Otherwise give everything as options. It writes papers/<id>.yaml and prints the
    next steps.

    \b
    Examples:
      longctx new                                   # asks for everything
      longctx new --arxiv 2309.00071 --tag rope-scaling
      longctx new --title "A Blog Post on RoPE" --tag rope-scaling --no-input
      longctx new --title "NeedleBench" --kind dataset --tag datasets --no-input
    """
    from ..adding import Refusal, check_tags, from_title, redundant_tags, write_all
    from ..enrich.add import parse_id_argument
    from ..load import PAPERS_DIR
    from ..schema.context import local_today
    from ..validate import load_catalog
    from . import add

    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
    root = state.root
    catalog, _ = load_catalog(root)
    taxonomy = catalog.taxonomy
    if not taxonomy.nodes:
        raise DataProblem("taxonomy.yaml has no usable nodes; run `longctx validate`")

    if not arxiv_text and not title:
        if not interactive:
            raise click.UsageError("give --arxiv ID or --title TEXT (or run in a terminal to be asked)")
        answer = click.prompt("arXiv id (or URL), or the title of a work without one").strip()
        if parse_id_argument(answer):
            arxiv_text = answer
        else:
            title = answer
    arxiv_id = None
    if arxiv_text:
        arxiv_id = parse_id_argument(arxiv_text)
        if arxiv_id is None:
            raise click.BadParameter(f"{arxiv_text!r} is not an arXiv id (e.g. 2309.00071)", param_hint="--arxiv")
    if kind is None:
        kind = click.prompt("What kind of record is it?", type=click.Choice(KINDS), default="paper") \
            if interactive else "paper"
    if not tags and title and not (arxiv_id and kind in ("paper", "survey")):
        tags = _tags_from_title(catalog, title, interactive)
    elif not tags and interactive:
        tags = tuple(_choose_tags(taxonomy, []))
    # Without --tag, `add` (an arXiv paper) tags by similarity to the title and abstract it fetches.
    tags = tuple(dict.fromkeys(tags))
    try:
        check_tags(taxonomy, tags)
    except Refusal as err:
        raise click.BadParameter(err.message, param_hint="--tag") from None

    if arxiv_id and kind in ("paper", "survey"):
        try:
            ctx.invoke(add.command, arxiv_ids=(arxiv_id,), tags=tags, record_id=record_id, arxiv_api=arxiv_api,
                       kind=kind)
        except SystemExit as exit_:
            # arXiv unreachable: with a title we can still write the record offline.
            if exit_.code != EXIT_USAGE or not title:
                if exit_.code == EXIT_USAGE:
                    click.echo("arXiv could not be reached; give --title too to write the record offline.",
                               err=True)
                raise
            click.echo("arXiv could not be reached; writing the record from the title you gave.", err=True)
            tags = tags or _tags_from_title(catalog, title, interactive)
        else:
            click.echo(NEXT_STEPS.format(path=f"the new file in {PAPERS_DIR}/"), err=True)
            return
    else:
        _warn_redundant(redundant_tags(taxonomy, tags))

    if not title:
        raise click.UsageError("give --title for a record without arXiv metadata")
    try:
        new = from_title(catalog, title, tags, local_today(), arxiv_id=arxiv_id, kind=kind, record_id=record_id)
    except Refusal as err:
        if err.param == "id":
            raise click.BadParameter(err.message, param_hint="--id") from None
        raise DataProblem(err.message + "; nothing was written") from None
    try:
        write_all(new.files)
    except OSError as err:
        raise EnvironmentProblem(f"cannot write {err.filename or new.records[0]}: {err.strerror or err}") from None
    (rel,) = new.records
    click.echo(rel)
    click.echo(NEXT_STEPS.format(path=rel), err=True)


def _warn_redundant(pairs: list[tuple[str, str]]) -> None:
    for ancestor, tag in pairs:
        click.echo(f"warning: {ancestor} is an ancestor of {tag}; the record already shows under {ancestor} "
                   f"through {tag}, so {ancestor} can go", err=True)
