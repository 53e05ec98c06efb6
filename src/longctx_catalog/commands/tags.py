from __future__ import annotations

from collections import Counter

import click

from ._common import State, pass_state


@click.command("tags")
@click.option("--ids-only", is_flag=True, help="Print only the node ids, one per line.")
@pass_state
def command(state: State, ids_only: bool) -> None:
    """Print the taxonomy tree: node ids, titles and record counts.

    The count after each node is the number of records tagged with it or with any
    node below it. Use the ids in a record's `tags`.
    """
    from ..validate import load_catalog

    catalog, _ = load_catalog(state.root)
    taxonomy = catalog.taxonomy
    if not taxonomy.roots:
        raise click.ClickException("taxonomy.yaml has no usable nodes; run `longctx validate`")
    under: Counter[str] = Counter()
    for record in catalog.records:
        covered = {node.id for tag in record.tags if tag in taxonomy for node in taxonomy[tag].lineage()}
        under.update(covered)
    for node in (n for root in taxonomy.roots for n in root.walk()):
        if ids_only:
            click.echo(node.id)
            continue
        indent = "  " * node.depth
        click.echo(f"{indent}{click.style(node.id, bold=True)}  {node.title}  ({under[node.id]})")
