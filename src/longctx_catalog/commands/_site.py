"""What `build` and `serve` share: rendering the site's pages and staging them, with clear errors."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import click

from ._common import DataProblem, EnvironmentProblem

if TYPE_CHECKING:
    from ..model import Catalog
    from ..staging import Prepared


def need_mkdocs() -> None:
    """MkDocs and Material must be importable; say how to get them otherwise (exit 2)."""
    try:
        import material  # noqa: F401
        import mkdocs  # noqa: F401
    except ImportError as err:
        raise EnvironmentProblem(f"the site needs MkDocs and Material ({err}); install them with "
                                 "`pip install -e .` in the catalogue's checkout") from None


def need_engine(engine: str) -> None:
    """The site engine must be installed; say how to get it otherwise (exit 2)."""
    from ..engines import missing

    if engine == "mkdocs":
        need_mkdocs()
    elif problem := missing(engine):
        raise EnvironmentProblem(problem) from None


def print_problems(diagnostics: list) -> None:  # type: ignore[type-arg]
    from ..diagnostics import format_text

    if diagnostics:
        click.echo(format_text(diagnostics), nl=False, err=True)


def stage_site(catalog: Catalog, *, quiet: bool = False, parallel: bool = False, reuse: bool = True) -> Prepared:
    """Render the site-mode pages and record pages, and stage them; DataProblem (exit 1) on any problem.

    ``parallel``: render in forked children too (:func:`..render.render_catalog`); never beside threads.
    ``reuse``: take the record pages, entries and link rewrites whose inputs did not change from the last
    build (:mod:`..rendermemo`).
    """
    from ..parallel import Deferred
    from ..render import RenderError, render_catalog
    from ..rendermemo import RenderMemo
    from ..staging import STAGE_DIR, catalogue_extras, prepare_site

    def progress(pages):  # type: ignore[no-untyped-def]
        with click.progressbar(pages, label="Rendering site pages", file=sys.stderr) as bar:
            yield from bar

    # The explorer's data, the feeds and the downloads need no page: a child makes them meanwhile.
    extras = Deferred(lambda: catalogue_extras(catalog)) if parallel else None
    memo = RenderMemo(catalog.root / STAGE_DIR, fresh=not reuse)
    try:
        rendered = render_catalog(catalog, site=True, progress=None if quiet else progress, parallel=parallel,
                                  memo=memo)
    except BaseException as err:
        if extras:
            extras.cancel()
        if not isinstance(err, RenderError):
            raise
        print_problems(err.diagnostics)
        raise DataProblem("the site was not built; fix the problem above") from None
    memo.save(rendered.pages)
    prepared, diags = prepare_site(catalog, rendered.pages, extras.result() if extras else None)
    if prepared is None:
        print_problems(diags)
        raise DataProblem(f"{len(diags)} problem(s); the site was not built") from None
    print_problems(prepared.warnings)
    prepared.record_pages_reused = memo.reused
    prepared.entries_reused = (memo.entries_reused, memo.entries_asked)
    return prepared


@contextlib.contextmanager
def page_progress(total: int) -> Iterator[Callable[[], None]]:
    """A progress bar over the pages MkDocs writes; yields the function that advances it."""
    with click.progressbar(length=total, label="Building site pages", file=sys.stderr) as bar:
        yield lambda: bar.update(1)
