from __future__ import annotations

from pathlib import Path

import click

from ._common import State, load_or_fail, pass_state


@click.command("export-bib")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of standard output.",
)
@click.option("--tag", metavar="NODE", help="Only records tagged with NODE or any node below it.")
@pass_state
def command(state: State, output: Path | None, tag: str | None) -> None:
    """Write the catalogue (or one subtree) as a BibTeX file.

    One entry per record: its own `bibtex` when it has one, laid out uniformly,
    otherwise one generated from its fields. Citation keys are unique
    (`firstauthorYEARfirstword` for generated entries), fields are sorted and
    LaTeX-special characters escaped, so BibTeX and bibtexparser read the file
    cleanly. The same catalogue always gives the same bytes.

    \b
    Examples:
      longctx export-bib -o catalogue.bib
      longctx export-bib --tag rope-scaling > rope.bib
    """
    from ..bibtex.export import export_report
    from ..diagnostics import format_text
    from ..schema.context import did_you_mean
    from ..write import atomic_write_text

    catalog = load_or_fail(state)
    records = catalog.records
    if tag is not None:
        if tag not in catalog.taxonomy:
            raise click.BadParameter(
                f"{tag!r} is not a taxonomy node{did_you_mean(tag, list(catalog.taxonomy.nodes))}"
                " (run `longctx tags`)",
                param_hint="--tag",
            )
        subtree = {node.id for node in catalog.taxonomy[tag].walk()}
        records = [r for r in records if subtree & set(r.tags)]
    text, diagnostics = export_report(records, catalog.root)
    for line in format_text(diagnostics).splitlines():
        click.secho(line, fg="yellow", err=True)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            atomic_write_text(output, text)
        except OSError as err:
            from ._common import EnvironmentProblem

            raise EnvironmentProblem(f"cannot write {output}: {err.strerror or err}") from None
        click.echo(f"{len(records)} entries written to {output}", err=True)
