from __future__ import annotations

import sys

import click

from ._common import DataProblem, EnvironmentProblem, State, load_or_fail, pass_state, recover_leftovers


@click.command("render")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing every generated file that is out of date.")
@click.option("--diff", "show_diff", is_flag=True, help="With --check, also print a unified diff of each change.")
@pass_state
def command(state: State, check: bool, show_diff: bool) -> None:
    """Generate the survey pages, views, evaluation tables and README regions.

    Writes one page per taxonomy node under docs/ (docs/<parent ids>/<id>/index.md for
    nodes with children, docs/<parent ids>/<id>.md for leaves), docs/timeline.md,
    docs/techniques.md, and the README regions between `<!-- longctx:begin NAME -->`
    and `<!-- longctx:end NAME -->` lines. Files that would not change are left alone;
    generated pages whose node is gone are removed; hand-written files are never touched.
    Refuses to run while `longctx validate` reports errors.

    \b
    Examples:
      longctx render            # bring docs/ and README.md up to date
      longctx render --check    # in CI: fail when a record changed without re-rendering
      longctx render --check --diff
    """
    from ..diagnostics import format_text
    from ..outputs import apply, plan
    from ..render import RenderError, render_catalog

    if not check:
        recover_leftovers(state.root)
    catalog = load_or_fail(state)
    root = catalog.root

    def progress(pages):  # type: ignore[no-untyped-def]
        with click.progressbar(pages, label="Rendering pages", file=sys.stderr) as bar:
            yield from bar

    try:
        rendered = render_catalog(catalog, progress=progress, parallel=True)
    except RenderError as err:
        click.echo(format_text(err.diagnostics), nl=False, err=True)
        raise DataProblem("nothing was written; fix the problem above and render again") from None
    changes, diags = plan(root, rendered)
    if diags:
        click.echo(format_text(diags), nl=False, err=True)
        raise DataProblem(f"{len(diags)} problem(s); nothing was written") from None

    total = len(rendered.pages) + (1 if (root / "README.md").is_file() else 0)
    if check:
        for change in changes.changes:
            click.echo(change.summary())
            if show_diff and change.action != "remove":
                click.echo(change.diff(), nl=False)
        if changes.changes:
            click.secho(f"{len(changes.changes)} of {total} generated file(s) out of date; run `longctx render`",
                        fg="red", err=True)
            raise SystemExit(1)
        click.echo(f"all {total} generated files are up to date", err=True)
        return

    try:
        done = apply(root, changes)
    except OSError as err:
        raise EnvironmentProblem(f"cannot write {err.filename or 'a generated file'}: {err.strerror or err}; "
                                 "nothing was changed — fix the cause and render again") from None
    for change in done:
        verb = {"create": "created", "update": "updated", "remove": "removed"}[change.action]
        click.echo(f"{verb} {change.path}")
    click.echo(f"{total} files rendered: {len(done)} changed, {changes.unchanged} unchanged", err=True)
