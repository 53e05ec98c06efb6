from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ._common import EnvironmentProblem, State, format_option, pass_state, report, strict_option


def _record_files(root: Path, files: tuple[Path, ...]) -> list[Path] | None:
    """The record files named on the command line, checked to lie in the catalogue."""
    if not files:
        return None
    chosen = []
    for file in files:
        path = file.resolve()
        if not path.is_file():
            raise EnvironmentProblem(f"{file}: no such file")
        try:
            path.relative_to(root)
        except ValueError:
            raise EnvironmentProblem(f"{file} is not inside the catalogue at {root}") from None
        chosen.append(path)
    return chosen


@click.command("links")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--online", is_flag=True, help="Also ask every server (HEAD, then GET when HEAD is refused).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Online: requests in flight at once (at most 2 per host).")
@click.option("--timeout", type=click.FloatRange(0.01), default=15.0, show_default=True,
              help="Online: seconds to wait for each request.")
@click.option("--retries", type=click.IntRange(0, 10), default=2, show_default=True,
              help="Online: retries after a 429, 5xx, timeout or network error.")
@click.option("--retry-wait", type=click.FloatRange(0), default=1.0, show_default=True,
              help="Online: seconds before the first retry; doubles each time (a longer Retry-After wins).")
@click.option("--github-api", metavar="URL", envvar="LONGCTX_GITHUB_API", default="https://api.github.com",
              show_default=True, help="Online: GitHub API base, asked whether repositories exist or are archived "
              "(env LONGCTX_GITHUB_API; a token in GITHUB_TOKEN raises its rate limit).")
@format_option
@strict_option
@pass_state
def command(state: State, files: tuple[Path, ...], online: bool, concurrency: int, timeout: float, retries: int,
            retry_wait: float, github_api: str, fmt: str, strict: bool) -> None:
    """Check every URL in the records (links, code, and URLs in notes and bibtex).

    Offline (the default) it checks each URL's shape: syntax and scheme, obvious typos such
    as a doubled https://, GitHub and Hugging Face URLs that must name a repository, arXiv
    URLs that must agree with the record's `arxiv` id, and URLs repeated within a record.

    With --online it also asks each server. Only HTTP 404 and 410 count as dead links
    (errors); 403, 429, 5xx and timeouts are reported as "could not verify" warnings, and
    permanent redirects as a hint to update the URL. arXiv pages of the record's own id are
    not requested (`longctx enrich` checks ids against arXiv).

    Exits 1 when a link is dead or malformed (or on any warning with --strict).

    \b
    Examples:
      longctx links
      longctx links --online
      longctx links --online papers/yarn.yaml --format json
    """
    from ..linkcheck import LinkChecker, online_diagnostics, online_refs
    from ..links import check_offline, collect_urls

    root = state.root
    refs, n_files = collect_urls(root, _record_files(root, files))
    diagnostics = check_offline(refs)
    if online:
        checker = LinkChecker(timeout=timeout, retries=retries, retry_wait=retry_wait, concurrency=concurrency,
                              github_api=github_api, github_token=os.environ.get("GITHUB_TOKEN") or None)
        to_check = online_refs(refs, diagnostics)
        urls = sorted({r.url for r in to_check})
        with click.progressbar(length=len(urls), label=f"Checking {len(urls)} URLs", file=sys.stderr,
                               show_pos=True) as bar:
            outcomes = checker.check_all(urls, progress=bar.update)
        diagnostics += online_diagnostics(to_check, outcomes)
        if checker.api_note:
            click.echo(f"note: {checker.api_note}", err=True)
        click.echo(f"{len(urls)} distinct URLs checked online, {len(refs) - len(to_check)} skipped "
                   "(malformed, or arXiv pages of the record's own id).", err=True)
    raise SystemExit(report(diagnostics, fmt, n_files, strict=strict))
