from __future__ import annotations

import click

from ._arxiv import arxiv_api_option, failure_exit_code, make_source, progressbar
from ._common import EXIT_DATA, DataProblem, State, pass_state


@click.command("enrich")
@click.option("--refresh", is_flag=True, help="Ask arXiv again about every record and log new versions, journal "
              "references and DOIs to data/arxiv/events.yaml.")
@click.option("--check", is_flag=True, help="Make no request: list records whose arXiv metadata is not cached "
              "(or is damaged) and exit 1 if there are any. For CI: builds use only what is committed.")
@arxiv_api_option
@pass_state
def command(state: State, refresh: bool, check: bool, arxiv_api: str | None) -> None:
    """Fetch arXiv metadata for records that have an arXiv id.

    Metadata goes to data/arxiv/<id>.yaml (committed, so builds stay offline); the
    record files are never written. When the catalogue is loaded, arXiv's title,
    authors and date fill only what a record leaves out: curated fields win.

    Without --refresh, only records with no cached metadata are fetched, so a second
    run makes no request. Ids are asked 100 per request, one request every
    $LONGCTX_ARXIV_DELAY seconds (default 3). Ids that fail are named with the
    reason, the command exits non-zero (1: arXiv does not know or accept an id;
    2: arXiv could not be reached), and a re-run fetches only what is missing.

    \b
    Examples:
      longctx enrich
      longctx enrich --refresh
      longctx enrich --check
      LONGCTX_ARXIV_DELAY=5 longctx enrich --arxiv-api https://mirror.example.org/api/query
    """
    from ..diagnostics import format_text
    from ..enrich.events import load_events
    from ..enrich.run import enrich, to_fetch
    from ..schema.context import local_today
    from ..validate import load_catalog

    if check and refresh:
        raise click.UsageError("--check makes no request; it cannot be combined with --refresh")
    root = state.root
    source = None if check else make_source(arxiv_api)  # settings errors before any work
    catalog, diagnostics = load_catalog(root)
    if check:
        missing = to_fetch(catalog, refresh=False)
        for arxiv_id, record in missing.items():
            click.echo(f"{record.path}: arXiv {arxiv_id} has no cached metadata; run `longctx enrich`")
        click.echo(f"{len(missing)} record(s) with an arXiv id lack cached metadata.", err=True)
        raise SystemExit(EXIT_DATA if missing else 0)
    assert source is not None
    events, event_diags = load_events(root)
    if refresh and event_diags:
        click.echo(format_text(event_diags), nl=False, err=True)
        raise DataProblem("data/arxiv/events.yaml is damaged; fix it (or restore it from git) before --refresh, "
                          "which appends to it")
    total = len(to_fetch(catalog, refresh))
    with_arxiv = sum(1 for r in catalog.records if r.arxiv)
    if total == 0:
        click.echo(f"Nothing to fetch: all {with_arxiv} records with an arXiv id have cached metadata "
                   "(use --refresh to ask again).", err=True)
        return
    with progressbar(total, "arXiv ids") as bar:
        outcome = enrich(root, catalog, source, refresh=refresh, today=local_today().isoformat(),
                         existing_events=events, progress=bar.update)
    if outcome.diagnostics:
        click.echo(format_text(outcome.diagnostics), nl=False)
    n_events = f", {len(outcome.events)} new event(s) logged" if refresh else ""
    click.echo(
        f"arXiv: {outcome.fetched} of {total} ids fetched in {source.requests_sent} request(s); "
        f"{len(outcome.written)} file(s) changed{n_events}; {len(outcome.diagnostics)} failed.",
        err=True,
    )
    other_errors = [d for d in diagnostics if d.is_error and not d.code.startswith("LC5")]
    if other_errors:
        click.echo(f"note: the catalogue has {len(other_errors)} other error(s); run `longctx validate`.", err=True)
    code = failure_exit_code({d.code for d in outcome.diagnostics})
    if code:
        raise SystemExit(code)
