"""What every command shares: finding the catalogue root, exit codes, output options."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from ..diagnostics import Diagnostic, format_github, format_json, format_text, summary
from ..load import TAXONOMY_FILE, RootNotFound, find_root
from ..model import Catalog

EXIT_OK = 0
EXIT_DATA = 1  # the catalogue's data has errors
EXIT_USAGE = 2  # bad command line or environment


class EnvironmentProblem(click.ClickException):
    """Not the data's fault: no catalogue here, a missing tool, an unwritable folder."""

    exit_code = EXIT_USAGE


class DataProblem(click.ClickException):
    """The data is wrong in a way that stops the command; the message says where."""

    exit_code = EXIT_DATA


_QUICK_EXIT = [False]


def allow_quick_exit() -> None:
    """Say that everything this run writes is written and closed, and no child process is
    left: the process may end without tearing down its objects one by one (see :func:`..cli.main`)."""
    _QUICK_EXIT[0] = True


def quick_exit_allowed() -> bool:
    return _QUICK_EXIT[0]


@dataclass
class State:
    root_option: Path | None = None

    @property
    def root(self) -> Path:
        if self.root_option is not None:
            root = self.root_option.resolve()
            if not (root / TAXONOMY_FILE).is_file():
                raise EnvironmentProblem(f"{root} is not a catalogue: it has no {TAXONOMY_FILE}")
            return root
        try:
            return find_root()
        except RootNotFound as err:
            raise EnvironmentProblem(str(err)) from None


pass_state = click.make_pass_decorator(State, ensure=True)

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text: one `path:line:col: severity: message` per line; json: a list of objects for tools; "
    "github: GitHub Actions `::error file=...,line=...` annotations.",
)
strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1 on any).")


def report(diagnostics: list[Diagnostic], fmt: str, n_records: int, *, strict: bool = False) -> int:
    """Print diagnostics and return the exit code they call for."""
    if fmt == "json":
        click.echo(format_json(diagnostics), nl=False)
    elif fmt == "github":
        click.echo(format_github(diagnostics), nl=False)
        click.echo(summary(diagnostics, n_records), err=True)
    else:
        text = format_text(diagnostics)
        for line in text.splitlines():
            colour = "red" if ": error: " in line else "yellow"
            click.secho(line, fg=colour)
        click.echo(summary(diagnostics, n_records), err=True)
    failed = any(d.is_error for d in diagnostics) or (strict and bool(diagnostics))
    return EXIT_DATA if failed else EXIT_OK


def load_or_fail(state: State) -> Catalog:
    """Load the catalogue for a command that needs valid data; print problems and exit 1 otherwise."""
    from ..validate import load_catalog

    catalog, diagnostics = load_catalog(state.root)
    errors = [d for d in diagnostics if d.is_error]
    if errors:
        click.echo(format_text(errors), nl=False, err=True)
        raise DataProblem(f"{len(errors)} error(s) in the catalogue; fix them first (see `longctx validate`)")
    return catalog


def recover_leftovers(root: Path) -> bool:
    """Finish a commit a killed run left halfway and remove its temporary files; say what was
    done, and return whether anything was."""
    from ..transaction import recover

    done = recover(root)
    for line in done:
        click.echo(line, err=True)
    return bool(done)
