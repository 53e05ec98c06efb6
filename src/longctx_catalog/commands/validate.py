from __future__ import annotations

import click

from ._common import State, format_option, pass_state, report, strict_option


@click.command("validate")
@format_option
@strict_option
@pass_state
def command(state: State, fmt: str, strict: bool) -> None:
    """Check every record, the taxonomy and the data files.

    Reports every problem at once as `path:line:col: severity: message`. Exits 0 when
    there are no errors (warnings allowed unless --strict), 1 otherwise.

    \b
    Examples:
      longctx validate
      longctx validate --strict --format json
    """
    from ..validate import load_catalog

    catalog, diagnostics = load_catalog(state.root)
    raise SystemExit(report(diagnostics, fmt, catalog.n_files, strict=strict))
