from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import click

from ._arxiv import arxiv_api_option, make_source
from ._common import EXIT_USAGE, DataProblem, State, pass_state


class _Date(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a date like 2026-11-23", param, ctx)


@click.command("discover")
@click.option("--since", type=_Date(), help="First submission date to list (default: six days before --until).")
@click.option("--until", type=_Date(), help="Last submission date to list (default: today).")
@click.option("--category", "categories", multiple=True, metavar="C",
              help="arXiv category to list; repeat for several (default: cs.CL, cs.LG, cs.AI, cs.CV).")
@click.option("--query", "text", metavar="TEXT", help="Narrow the listing: arXiv query syntax (abs:\"long context\") "
              "or plain words, searched as a phrase in every field.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="Show at most this many candidates, best first.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
              help="text: a table; json: a list of objects; markdown: a triage list with checkboxes.")
@click.option("--add", "add", is_flag=True,
              help="Instead of listing, write records for the ARXIV_IDs given (first suggested node as tag, "
              "status: unread, arXiv metadata cached), as `longctx add` does.")
@click.argument("add_ids", nargs=-1, metavar="[ARXIV_ID...]")
@arxiv_api_option
@pass_state
def command(state: State, since: dt.date | None, until: dt.date | None, categories: tuple[str, ...],
            text: str | None, limit: int, fmt: str, add: bool, add_ids: tuple[str, ...], arxiv_api: str | None) -> None:
    """Find new long-context work on arXiv, ranked by closeness to the catalogue.

    Lists the papers submitted in a window of dates (default: the last seven days)
    in some arXiv categories, leaves out what the catalogue already holds (by arXiv
    id or title), and ranks the rest by a score from 0 to 1: how much more their
    telling words belong to the catalogue's papers than to the rest of the listing.
    Each candidate gets up to three suggested taxonomy nodes with a confidence.
    The model is fitted on the catalogue itself (titles, TL;DRs, cached abstracts,
    taxonomy) each run; nothing is downloaded but the listing. Listing changes no file.

    arXiv is asked 200 entries per request, one request every $LONGCTX_ARXIV_DELAY
    seconds (default 3), as `enrich` does; if arXiv cannot be read, nothing is
    printed on stdout and the command exits 2.

    \b
    Examples:
      longctx discover
      longctx discover --since 2026-11-01 --until 2026-11-30 --category cs.CL --limit 20
      longctx discover --query 'abs:"long context"' --format json
      longctx discover --format markdown > triage.md
      longctx discover --add 2611.01234 2611.04321
    """
    from ..discover import DEFAULT_CATEGORIES, QueryError, build_query, check_categories, leave_out_known, rank, window
    from ..schema.context import local_today
    from ..validate import load_catalog

    try:
        chosen = check_categories(categories or DEFAULT_CATEGORIES)
        start, end = window(since, until, local_today())
    except QueryError as err:
        raise click.UsageError(str(err)) from None
    root = state.root
    if add_ids and not add:
        raise click.UsageError("ARXIV_IDs are for --add: `longctx discover --add ID ...`")
    if add:
        if not add_ids:
            raise click.UsageError("--add needs the arXiv ids to add: `longctx discover --add ID ...`")
        _add(state, add_ids, arxiv_api)
        return
    source = make_source(arxiv_api, on_retry=lambda why, wait: click.echo(  # settings errors before any work
        f"arXiv: {why}; trying again in {wait:g} s", err=True))
    catalog, _ = load_catalog(root)
    if not catalog.taxonomy.nodes:
        raise DataProblem("taxonomy.yaml has no usable nodes; run `longctx validate`")
    query = build_query(chosen, start, end, text)
    entries, skipped = _listing(source, query)
    new, known = leave_out_known(entries, catalog)
    ranked = rank(new, catalog)[:limit]
    click.echo(f"arXiv: {len(entries)} entries submitted {start} to {end} in {', '.join(chosen)} "
               f"({source.requests_sent} request(s)); {known} already in the catalogue"
               + (f", {skipped} without title or authors" if skipped else "")
               + f"; showing {len(ranked)} of {len(new)}.", err=True)
    if fmt == "json":
        click.echo(json.dumps([_as_json(c) for c in ranked], ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(_as_markdown(ranked, start, end, chosen), nl=False)
    else:
        click.echo(_as_table(ranked), nl=False)


def _listing(source: Any, query: str) -> tuple[list[Any], int]:
    """Every entry of the listing, with a progress bar; on failure, say so and exit 2 having printed nothing."""
    from ..enrich.arxiv import SearchFailed

    entries: list[Any] = []
    skipped = 0
    bar = None
    try:
        for page in source.search(query):
            if bar is None and page.total > len(page.entries):
                bar = click.progressbar(length=page.total, label="arXiv listing", show_pos=True,
                                        show_percent=False, file=sys.stderr)
                bar.__enter__()
            entries.extend(page.entries)
            skipped += page.skipped
            if bar is not None:
                bar.update(len(page.entries) + page.skipped)
    except SearchFailed as err:
        click.echo(f"error: the arXiv listing could not be read: {err}. Nothing was written.", err=True)
        raise SystemExit(EXIT_USAGE) from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    return entries, skipped


def _add(state: State, add_ids: tuple[str, ...], arxiv_api: str | None) -> None:
    """``--add``: fetch the papers by id and write them as ``add`` does, tagged as suggested, unread."""
    from ..adding import Refusal, check_not_present, check_tags, from_arxiv
    from ..schema.context import local_today
    from ..validate import load_catalog
    from .add import fetch_all, parse_ids, suggested_tags, write_records

    ids = parse_ids(add_ids)
    catalog, _ = load_catalog(state.root)
    try:
        check_tags(catalog.taxonomy, ())
        check_not_present(catalog, ids)
    except Refusal as err:
        if not err.param:
            raise DataProblem(err.message) from None
        raise click.BadParameter(err.message, param_hint="ARXIV_ID") from None
    found = fetch_all(make_source(arxiv_api), ids)
    tags_for = suggested_tags(catalog, [found[i] for i in ids])
    try:
        new = from_arxiv(catalog, found, ids, tags_for, None, local_today(), extra={"status": "unread"})
    except Refusal as err:
        raise DataProblem(err.message + "; nothing was written") from None
    write_records(new, found, ids)
    click.echo("Check the suggested tags, then write a `tldr` in your own words in the new file(s).", err=True)


def _as_json(candidate: Any) -> dict[str, Any]:
    meta = candidate.meta
    return {
        "arxiv": meta.id,
        "title": meta.title,
        "authors": [a.name for a in meta.authors],
        "published": meta.published,
        "primary_category": meta.primary_category,
        "url": meta.abs_url,
        "score": candidate.score,
        "tags": candidate.tags,
        "confidence": [s.confidence for s in candidate.suggestions],
    }


def _suggested(candidate: Any) -> str:
    return ", ".join(f"{s.node} ({s.confidence:.2f})" for s in candidate.suggestions) or "-"


def _authors(meta: Any, limit: int = 3) -> str:
    names = [a.name for a in meta.authors]
    return ", ".join(names[:limit]) + (" et al." if len(names) > limit else "")


def _as_table(ranked: list[Any]) -> str:
    if not ranked:
        return "No new candidates.\n"
    rows = [("score", "arXiv", "published", "suggested nodes", "title")]
    rows += [(f"{c.score:.2f}", c.meta.id, c.meta.published, _suggested(c), c.meta.title) for c in ranked]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "".join("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True)) + "  " + row[4] + "\n"
                   for row in rows)


def _as_markdown(ranked: list[Any], start: dt.date, end: dt.date, categories: list[str]) -> str:
    from ..markdown import escape_prose

    lines = [f"## Long-context candidates submitted {start} to {end} ({', '.join(categories)})", ""]
    if not ranked:
        return "\n".join([*lines, "No new candidates this time.", ""])
    lines += ["Tick the papers that belong in the catalogue, then run `longctx discover --add ID ...` with their "
              "ids, separated by spaces (each is tagged with its first suggested node and filed as unread).", ""]
    for c in ranked:
        meta = c.meta
        nodes = ", ".join(f"`{s.node}` ({s.confidence:.2f})" for s in c.suggestions) or "none"
        lines.append(f"- [ ] **{escape_prose(meta.title)}** · [arXiv {meta.id}]({meta.abs_url}) · {meta.published}"
                     f" · score {c.score:.2f} · suggested: {nodes}  ")
        lines.append(f"  {escape_prose(_authors(meta))}")
    return "\n".join([*lines, ""])
