from __future__ import annotations

import click

from ._common import EnvironmentProblem, State, pass_state


@click.command("pr-summary")
@click.option("--base", required=True, metavar="REF",
              help="The git commit or branch the pull request goes into, e.g. origin/main.")
@click.option("--site-url", metavar="URL",
              help="Where the pull request's site preview is served: titles link to URL/papers/<id>/.")
@click.option("--artifact-url", metavar="URL",
              help="The download link of the built site (the PR workflow's artifact): titles link to it, and "
              "each line names the page inside it.")
@pass_state
def command(state: State, base: str, site_url: str | None, artifact_url: str | None) -> None:
    """Print a markdown summary of what a pull request changes in the catalogue.

    Lists the records added, changed and removed compared with --base (files not yet
    committed count too), each title linked to its page in the site preview, then the
    errors and warnings in those records. The PR workflow appends it to the job summary.

    \b
    Examples:
      longctx pr-summary --base origin/main
      longctx pr-summary --base origin/main --site-url https://preview.example.org/pr-12
    """
    from ..prsummary import PAGE, GitError, old_title, record_changes, summary
    from ..validate import load_catalog

    if site_url and artifact_url:
        raise click.UsageError("give --site-url or --artifact-url, not both")
    root = state.root
    try:
        changes = record_changes(root, base)
    except GitError as err:
        raise EnvironmentProblem(f"{err} (run inside the catalogue's git repository; with "
                                 "actions/checkout, fetch the base branch: fetch-depth: 0)") from None
    catalog, diagnostics = load_catalog(root)
    preface = ""
    if site_url:
        def link(record_id: str) -> str | None:
            return f"{site_url.rstrip('/')}/{PAGE.format(id=record_id)}"
    elif artifact_url:
        def link(record_id: str) -> str | None:
            return artifact_url
        preface = (f"Preview: download [the built site]({artifact_url}), unzip it and open the record's page, "
                   f"`{PAGE.format(id='<id>')}index.html`.")
    else:
        def link(record_id: str) -> str | None:
            return None
    click.echo(summary(catalog, diagnostics, changes, lambda path: old_title(root, base, path), link, preface),
               nl=False)
