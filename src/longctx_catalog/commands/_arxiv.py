"""What the two arXiv verbs (``add``, ``enrich``) share: the endpoint option, the source, exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from ._common import EXIT_DATA, EXIT_OK, EXIT_USAGE, EnvironmentProblem

if TYPE_CHECKING:
    from ..enrich.arxiv import ArxivSource

arxiv_api_option = click.option(
    "--arxiv-api",
    metavar="URL",
    help="The arXiv API query endpoint (default: $LONGCTX_ARXIV_API, else https://export.arxiv.org/api/query). "
    "Requests are spaced by $LONGCTX_ARXIV_DELAY seconds (default 3, never less against arxiv.org).",
)


def make_source(arxiv_api: str | None, on_retry: Callable[[str, float], None] | None = None) -> ArxivSource:
    from ..enrich.arxiv import ArxivSource, Settings, SettingsError

    try:
        return ArxivSource(Settings.from_env(arxiv_api), on_retry)
    except SettingsError as err:
        raise EnvironmentProblem(str(err)) from None


def failure_exit_code(codes: set[str]) -> int:
    """2 when arXiv could not be reached or answered badly (environment), 1 for bad or unknown ids (data)."""
    if "LC513" in codes:
        return EXIT_USAGE
    return EXIT_DATA if codes else EXIT_OK


def progressbar(total: int, label: str) -> Any:
    """Ids done / total, on stderr so standard output stays clean for diagnostics."""
    return click.progressbar(length=total, label=label, show_pos=True, show_percent=False,
                             file=sys.stderr)
