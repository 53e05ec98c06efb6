from __future__ import annotations

import difflib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._common import EXIT_DATA, EXIT_OK, State, format_option, pass_state

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic
    from ..model import Catalog
    from ..outputs import Change


@dataclass
class Step:
    name: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    detail: str = ""
    skipped: str = ""  # why the step did not run

    @property
    def failed(self) -> bool:
        return bool(self.diagnostics) or bool(self.skipped)


def _first_difference(change: Change) -> int:
    """1-based line of the first difference between the file and what render would write."""
    if change.old is None or change.new is None:
        return 1
    matcher = difflib.SequenceMatcher(None, change.old.splitlines(), change.new.splitlines(), autojunk=False)
    for tag, i1, _, _, _ in matcher.get_opcodes():
        if tag != "equal":
            return i1 + 1
    return 1


def _stale(change: Change) -> Diagnostic:
    from ..diagnostics import Diagnostic, Location

    what = change.summary().split(": ", 1)[1]
    return Diagnostic.make(
        Location(change.path, _first_difference(change)),
        "LC705",
        f"generated file {what}: a record, the taxonomy or a template changed without re-rendering; run "
        "`longctx render` and commit docs/ and README.md",
    )


def _validate(root: Path) -> tuple[Catalog, Step]:
    from ..validate import load_catalog

    catalog, diagnostics = load_catalog(root)
    return catalog, Step("records (longctx validate --strict)", diagnostics, f"{catalog.n_files} record files")


RENDER_STEP = "generated pages (rendered in memory)"
FRESH_STEP = "generated pages (rendered, compared with docs/ and README.md)"


def _render(catalog: Catalog, fresh: bool) -> Step:
    """Render every page in memory; with ``fresh``, also fail on committed files that differ.

    Without ``fresh`` a pull request that adds only a record passes: the committed pages
    are regenerated on main after the merge (see .github/workflows/pages.yml), so they
    are allowed to be stale in a branch. The render itself must still succeed.
    """
    from ..outputs import plan
    from ..render import RenderError, render_catalog

    step = Step(FRESH_STEP if fresh else RENDER_STEP)
    try:
        rendered = render_catalog(catalog, parallel=True)
    except RenderError as err:
        step.diagnostics = err.diagnostics
        return step
    changes, diagnostics = plan(catalog.root, rendered)
    step.diagnostics = diagnostics + ([_stale(c) for c in changes.changes] if fresh else [])
    step.detail = f"{len(rendered.pages)} pages"
    if not fresh and changes.changes:
        step.detail += f"; {len(changes.changes)} committed file(s) differ, regenerated on main after the merge"
    return step


def _site(catalog: Catalog) -> Step:
    from ..render import RenderError, render_catalog
    from ..site import Locator, SiteError, build_site
    from ..staging import prepare_site
    from ._site import need_mkdocs

    step = Step("site (strict MkDocs build in a temporary folder)")
    need_mkdocs()
    try:
        rendered = render_catalog(catalog, site=True)
    except RenderError as err:
        step.diagnostics = err.diagnostics
        return step
    prepared, diagnostics = prepare_site(catalog, rendered.pages)
    if prepared is None:
        step.diagnostics = diagnostics
        return step
    locate = Locator(catalog.root, prepared.stage, prepared.sources, prepared.config.path)
    with tempfile.TemporaryDirectory(prefix="longctx-check-") as tmp:
        try:
            build_site(prepared.stage, Path(tmp) / "site", locate, strict=True)
        except SiteError as err:
            step.diagnostics = err.diagnostics
            return step
    step.detail = f"{sum(1 for rel in prepared.plan.docs if rel.endswith('.md'))} pages"
    return step


@click.command("check")
@format_option
@click.option("--no-site", is_flag=True, help="Skip the site build (the slowest step).")
@click.option("--fresh", is_flag=True,
              help="Also fail when the committed docs/ or README regions differ from a new render "
              "(as `longctx render --check`); for main, not for pull requests.")
@pass_state
def command(state: State, fmt: str, no_site: bool, fresh: bool) -> None:
    """Run everything a pull request must pass, and print one summary.

    1. every record, the taxonomy and the data files, strictly (warnings fail too);
    2. every generated page (docs/, README regions) renders; the committed copies may
       be stale, since main regenerates them after each merge (--fresh fails on that);
    3. the site builds with MkDocs in strict mode (no broken link or anchor), into a
       temporary folder: site/ is not touched.
    Every problem is printed as `path:line:col: severity: message`, saying what to do.
    Exits 1 when anything fails. Nothing is written.

    \b
    Examples:
      longctx check
      longctx check --format github     # in GitHub Actions: problems as annotations
      longctx check --fresh             # on main: the committed pages must be current
    """
    from ..diagnostics import format_github, format_json, format_text

    catalog, validated = _validate(state.root)
    steps = [validated]
    blocked = any(d.is_error for d in validated.diagnostics)
    reason = "skipped: fix the record errors first"
    steps.append(Step(FRESH_STEP if fresh else RENDER_STEP, skipped=reason) if blocked else _render(catalog, fresh))
    if not no_site:
        steps.append(Step("site (strict MkDocs build in a temporary folder)", skipped=reason) if blocked
                     else _site(catalog))

    everything = [d for step in steps for d in step.diagnostics]
    if fmt == "json":
        click.echo(format_json(everything), nl=False)
    elif fmt == "github":
        click.echo(format_github(everything), nl=False)
    else:
        for step in steps:
            for line in format_text(step.diagnostics).splitlines():
                click.secho(line, fg="red" if ": error: " in line else "yellow")
    for step in steps:
        if step.skipped:
            status = click.style("skipped", fg="yellow") + f" ({step.skipped.removeprefix('skipped: ')})"
        elif step.diagnostics:
            errors = sum(d.is_error for d in step.diagnostics)
            status = click.style("FAILED", fg="red") + f" ({errors} errors, {len(step.diagnostics) - errors} warnings)"
        else:
            status = click.style("ok", fg="green") + (f" ({step.detail})" if step.detail else "")
        click.echo(f"{step.name}: {status}", err=True)
    failed = any(step.failed for step in steps)
    click.echo("check failed: fix the problems above (each line says where and how)" if failed else
               "check passed: ready for a pull request", err=True)
    raise SystemExit(EXIT_DATA if failed else EXIT_OK)
