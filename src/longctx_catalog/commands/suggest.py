from __future__ import annotations

from pathlib import Path
from typing import IO

import click

from ._arxiv import arxiv_api_option, make_source
from ._common import EXIT_DATA, EnvironmentProblem, State, pass_state


def _write(path: Path | None, text: str, *, append: bool = False) -> None:
    if path is None:
        return
    try:
        with path.open("a" if append else "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as err:
        raise EnvironmentProblem(f"cannot write {path}: {err.strerror or err}") from None


@click.command("suggest")
@click.argument("body_file", type=click.File("r", encoding="utf-8"), metavar="ISSUE_BODY")
@click.option("--issue", type=int, metavar="N", help="The issue's number: the pull request text closes it.")
@click.option("--comment-file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Where to write the comment for the issue when the suggestion cannot be used.")
@click.option("--pr-body-file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Where to write the pull request's description when the record is written.")
@click.option("--github-output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Append `record=` and `title=` lines to this file (GitHub Actions' $GITHUB_OUTPUT).")
@arxiv_api_option
@pass_state
def command(state: State, body_file: IO[str], issue: int | None, comment_file: Path | None,
            pr_body_file: Path | None, github_output: Path | None, arxiv_api: str | None) -> None:
    """Turn a "Suggest a paper" issue into a new record in papers/.

    ISSUE_BODY is the issue's text as GitHub renders the form (`-` reads standard
    input). With an arXiv id, the record is made as `longctx add` makes it; when arXiv
    cannot be reached it is written from the form's title. When the suggestion cannot
    be used (unknown tag, malformed id, a work already catalogued, ...) nothing is
    written, the comment saying what to fix is printed (and written to --comment-file),
    and the exit code is 1. The workflow .github/workflows/suggest.yml calls this.

    \b
    Examples:
      longctx suggest issue.md --issue 42 --comment-file comment.md --pr-body-file pr.md
      gh issue view 42 --json body -q .body | longctx suggest -
    """
    from ..adding import write_all
    from ..schema.context import local_today
    from ..suggest import FORM, FormError, comment_text, form_labels, parse_issue_form, pull_request_text, suggest
    from ..validate import load_catalog

    root = state.root
    try:
        labels = form_labels((root / FORM).read_text(encoding="utf-8"))
    except (OSError, KeyError, TypeError) as err:
        raise EnvironmentProblem(f"cannot read the issue form {FORM}: {err}") from None
    catalog, _ = load_catalog(root)
    try:
        answers = parse_issue_form(body_file.read(), labels)
    except FormError as err:
        answers = None
        problem = str(err)
    if answers is None:
        text = f"Thanks for the suggestion! I could not read it: {problem}. Please open it with the form.\n"
        click.echo(text, nl=False)
        _write(comment_file, text)
        raise SystemExit(EXIT_DATA)

    source = make_source(arxiv_api, on_retry=lambda why, wait: click.echo(
        f"arXiv: {why}; trying again in {wait:g} s", err=True))
    outcome = suggest(catalog, answers, source.fetch, local_today())
    if not outcome.ok:
        text = comment_text(outcome)
        click.echo(text, nl=False)
        _write(comment_file, text)
        raise SystemExit(EXIT_DATA)
    try:
        write_all(outcome.files)
    except OSError as err:
        raise EnvironmentProblem(f"cannot write {err.filename or outcome.record}: {err.strerror or err}") from None
    _write(pr_body_file, pull_request_text(outcome, issue))
    title = " ".join(outcome.title.split())
    _write(github_output, f"record={outcome.record}\ntitle={title}\n", append=True)
    click.echo(outcome.record)
    click.echo(f"wrote {outcome.record}: {title}", err=True)
