"""The `longctx` command line: a click group whose verbs live in :mod:`.commands`."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import click

from . import __version__
from .commands import COMMAND_MODULES
from .commands._common import State


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="The catalogue folder (holding taxonomy.yaml). Default: found by walking up from here.",
)
@click.version_option(__version__, prog_name="longctx")
@click.pass_context
def cli(ctx: click.Context, root: Path | None) -> None:
    """longctx — build and maintain the long-context LLM paper catalogue.

    \b
    Exit codes: 0 fine, 1 the data has errors, 2 usage or environment error.
    Run `longctx COMMAND --help` for any command.
    """
    ctx.obj = State(root_option=root)


for _name in COMMAND_MODULES:
    cli.add_command(importlib.import_module(f".commands.{_name}", __package__).command)


def main(argv: list[str] | None = None) -> None:
    """The console script. After a command that allowed it (a build: ~1 s at 5,000 records, the
    interpreter freeing the loaded catalogue and site object by object), the process ends at once."""
    try:
        cli.main(args=argv, prog_name="longctx")
    except SystemExit as done:
        import multiprocessing

        from .commands._common import quick_exit_allowed

        if done.code in (0, None) and quick_exit_allowed() and not multiprocessing.active_children():
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        raise
