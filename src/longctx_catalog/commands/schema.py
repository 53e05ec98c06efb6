from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("schema")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "markdown"]),
    default="json",
    show_default=True,
    help="json: a JSON Schema for editors; markdown: the field reference for contributors.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of "
              "standard output.")
def command(fmt: str, output: Path | None) -> None:
    """Print the record format, derived from its one definition.

    \b
    Point your editor at the JSON Schema for completion and checks as you type, e.g.
    with the YAML language server:  # yaml-language-server: $schema=../schema/record.schema.json
    """
    from ..schema.derived import field_rows, json_schema

    if fmt == "json":
        text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    else:
        lines = ["| field | type | kinds | required | meaning |", "|---|---|---|---|---|"]
        for row in field_rows():
            cells = [f"`{row['name']}`", row["type"], row["kinds"], row["required"], row["doc"]]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        text = "\n".join(lines) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        from ..write import atomic_write_text
        from ._common import EnvironmentProblem

        try:
            atomic_write_text(output, text)
        except OSError as err:
            raise EnvironmentProblem(f"cannot write {output}: {err.strerror or err}") from None
