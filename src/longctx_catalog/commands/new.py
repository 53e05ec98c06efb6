from __future__ import annotations

import difflib
import sys
from typing import Any

import click

from ._arxiv import arxiv_api_option
from ._common import EXIT_USAGE, DataProblem, EnvironmentProblem, State, pass_state

NEXT_STEPS = """\
Next steps:
  1. Open {path} and fill in what you know: authors, date, venue, links, code
     (`official: true` for the authors' own repository) and a one- or two-sentence
     `tldr` in your own words.
  2. Run `longctx validate` and fix anything it reports.
  3. Commit the file and open a pull request (see CONTRIBUTING.md)."""


def search_nodes(query: str, taxonomy: Any, limit: int = 8) -> list[Any]:
    """Taxonomy nodes best matching ``query`` (id or title), best first, ties in tree order.

    Substring matches come first (so "rope" finds every RoPE node), then fuzzy ones
    (so "sliding windw" still finds sliding-window-attention).
    """
    q = query.strip().lower()
    if not q:
        return []
    scored = []
    for order, node in enumerate(taxonomy.nodes.values()):
        haystacks = (node.id, node.title.lower())
        if any(q in h for h in haystacks):
            score = 2.0 + (1.0 if any(h.startswith(q) for h in haystacks) else 0.0)
        else:
            score = max(difflib.SequenceMatcher(None, q, h).ratio() for h in haystacks)
        if score >= 0.6:
            scored.append((-score, order, node))
    return [node for _, _, node in sorted(scored, key=lambda t: (t[0], t[1]))[:limit]]


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
@click.option("--kind", type=click.Choice(["paper", "survey", "dataset", "model", "toolkit"]), default="paper",
              show_default=True, help="What the record describes.")
@click.option("--interactive/--no-input", default=None,
              help="Ask for what is missing (default: only when run in a terminal).")
@arxiv_api_option
@pass_state
@click.pass_context
def command(ctx: click.Context, state: State, arxiv_text: str | None, title: str | None, tags: tuple[str, ...],
            record_id: str | None, kind: str, interactive: bool | None, arxiv_api: str | None) -> None:
    """Start a new record: from an arXiv id (fetched) or from a title (offline).

    In a terminal it asks for what you leave out, with a fuzzy search over the
    taxonomy for tags; otherwise give everything as options. It writes
    papers/<id>.yaml and prints the next steps.

    \b
    Examples:
      longctx new                                   # asks for everything
      longctx new --arxiv 2309.00071 --tag rope-scaling
      longctx new --title "A Blog Post on RoPE" --tag rope-scaling --no-input
    """
    from ..enrich.add import parse_id_argument, propose_id
    from ..load import PAPERS_DIR, parse_yaml, record_files
    from ..model import normalise_title
    from ..schema.checks import check_record
    from ..schema.context import Ctx, did_you_mean, latest_today, local_today
    from ..schema.specs import SLUG_MAX, SLUG_RE
    from ..validate import load_catalog
    from ..write import atomic_write_text, dump_record
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
    if not tags and title and not (arxiv_id and kind in ("paper", "survey")):
        tags = _tags_from_title(catalog, title, interactive)
    elif not tags and interactive:
        tags = tuple(_choose_tags(taxonomy, []))
    # Without --tag, `add` (an arXiv paper) tags by similarity to the title and abstract it fetches.
    tags = tuple(dict.fromkeys(tags))
    for tag in tags:
        if tag not in taxonomy:
            raise click.BadParameter(f"unknown taxonomy node {tag!r}{did_you_mean(tag, list(taxonomy.nodes))}"
                                     " (run `longctx tags` for every node id)", param_hint="--tag")

    if arxiv_id and kind in ("paper", "survey"):
        try:
            ctx.invoke(add.command, arxiv_ids=(arxiv_id,), tags=tags, record_id=record_id, arxiv_api=arxiv_api)
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

    if not title:
        raise click.UsageError("give --title for a record without arXiv metadata")
    same = {normalise_title(r.title): r for r in catalog.records if r.title}.get(normalise_title(title))
    if same is not None:
        raise DataProblem(f"{same.path} (id {same.id!r}) already has this title; one work needs one record")
    if arxiv_id:
        present = next((r for r in catalog.records if r.arxiv_base == arxiv_id), None)
        if present is not None:
            raise DataProblem(f"arXiv {arxiv_id} is already in the catalogue: {present.path} (id {present.id!r})")
    taken = set(catalog.by_id) | {p.stem for p in record_files(root)}
    if record_id is not None:
        if not SLUG_RE.match(record_id) or len(record_id) > SLUG_MAX:
            raise click.BadParameter(f"{record_id!r} is not a record id: use lowercase letters, digits and "
                                     "hyphens", param_hint="--id")
        if record_id in taken:
            raise click.BadParameter(f"id {record_id!r} is already used", param_hint="--id")
    new_id = record_id or propose_id(title, str(local_today().year), taken)
    fields: dict[str, Any] = {"id": new_id, "title": title.strip(), "arxiv": arxiv_id, "tags": list(tags),
                              "added": local_today()}
    if kind != "paper":
        fields["kind"] = kind
    if arxiv_id:
        fields["links"] = {"paper": f"https://arxiv.org/abs/{arxiv_id}"}
    rel = f"{PAPERS_DIR}/{new_id}.yaml"
    text = dump_record(fields)
    doc, diags = parse_yaml(text, rel)
    if doc is not None:
        check = Ctx(doc, latest_today(), list(taxonomy.nodes))
        check_record(doc, new_id, check)
        diags += check.diagnostics
    errors = [d for d in diags if d.is_error]
    if doc is None or errors:
        click.echo("".join(f"{d}\n" for d in errors), nl=False, err=True)
        raise DataProblem("the new record does not validate; nothing was written")
    try:
        atomic_write_text(root / rel, text)
    except OSError as err:
        raise EnvironmentProblem(f"cannot write {rel}: {err.strerror or err}") from None
    click.echo(rel)
    click.echo(NEXT_STEPS.format(path=rel), err=True)
