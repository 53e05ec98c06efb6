from __future__ import annotations

from typing import Any

import click

from ._arxiv import arxiv_api_option, failure_exit_code, make_source
from ._common import DataProblem, EnvironmentProblem, State, pass_state


@click.command("add")
@click.argument("arxiv_ids", nargs=-1, required=True, metavar="ARXIV_ID...")
@click.option("--tag", "tags", multiple=True, metavar="NODE",
              help="Taxonomy node id for the new record(s) (see `longctx tags`); repeat for several. "
              "Without it, each record gets the node its title and abstract are most like (said on stderr).")
@click.option("--id", "record_id", metavar="SLUG",
              help="Record id (and file name) instead of the one proposed from the title; only with one ARXIV_ID.")
@click.option("--kind", type=click.Choice(["paper", "survey"]), default="paper", show_default=True,
              help="A research paper, or a survey of others.")
@arxiv_api_option
@pass_state
def command(state: State, arxiv_ids: tuple[str, ...], tags: tuple[str, ...], record_id: str | None,
            arxiv_api: str | None, kind: str = "paper") -> None:
    """Add papers by arXiv id: fetch them and write new records to papers/.

    Each record gets title, authors (with affiliations when arXiv has them), the date
    of version 1, links, the tags given and today's `added` date; its id is proposed
    from the title (`YaRN: ...` -> `yarn`) unless --id is given. arXiv's full
    metadata (abstract, categories, ...) is cached in data/arxiv/. All ids are fetched
    in one request; if any fails, nothing is written. An id already in the catalogue
    is refused, naming the record that has it.

    \b
    Examples:
      longctx add 2309.00071 --tag rope-scaling
      longctx add 2309.00071 2306.15595 --tag extended-rope --tag rope-scaling
      longctx add https://arxiv.org/abs/2309.00071v2 --tag rope-scaling --id yarn
      longctx add 2309.00071                     # tagged by similarity to the catalogue
    """
    from ..adding import Refusal, check_not_present, check_record_id, check_tags, from_arxiv, redundant_tags
    from ..schema.context import local_today
    from ..validate import load_catalog

    # Everything that can be checked without the network is checked first.
    ids = parse_ids(arxiv_ids)
    tags = tuple(dict.fromkeys(tags))
    if record_id is not None and len(ids) > 1:
        raise click.BadParameter("--id names one record; give a single ARXIV_ID with it", param_hint="--id")
    catalog, _ = load_catalog(state.root)
    hints = {"tag": "--tag", "id": "--id", "arxiv": "ARXIV_ID"}
    try:
        check_tags(catalog.taxonomy, tags)
        check_not_present(catalog, ids)
        check_record_id(catalog, record_id)
    except Refusal as err:
        if not err.param:
            raise DataProblem(err.message) from None
        raise click.BadParameter(err.message, param_hint=hints[err.param]) from None
    for ancestor, tag in redundant_tags(catalog.taxonomy, tags):
        click.echo(f"warning: --tag {ancestor} is an ancestor of --tag {tag}; the record already shows under "
                   f"{ancestor} through {tag}, so {ancestor} can go", err=True)

    source = make_source(arxiv_api, on_retry=lambda why, wait: click.echo(
        f"arXiv: {why}; trying again in {wait:g} s", err=True))
    click.echo(f"Asking arXiv ({source.settings.api}) for {', '.join(ids)} ...", err=True)
    title = "TITLE" if len(ids) == 1 else "TITLE (one at a time)"
    found = fetch_all(source, ids, unreachable=(
        f"arXiv cannot be reached. To write the record without it, give the title: "
        f"longctx new --arxiv {ids[0]} --title \"{title}\" " + " ".join(f"--tag {t}" for t in tags) + " --no-input"))

    tags_for = tags or suggested_tags(catalog, [found[i] for i in ids])
    try:
        new = from_arxiv(catalog, found, ids, tags_for, record_id, local_today(),
                         extra={"kind": kind} if kind != "paper" else None)
    except Refusal as err:
        raise DataProblem(err.message + "; nothing was written") from None
    write_records(new, found, ids)
    click.echo("Now write a `tldr` in your own words (and check the authors) in the new file(s).", err=True)


def suggested_tags(catalog: Any, metas: list[Any]) -> dict[str, list[str]]:
    """The best taxonomy node for each paper by the catalogue's text model, said on stderr with the runners-up.

    Shared by ``add`` without --tag and ``discover --add``.
    """
    from ..similarity import Index

    suggestions = Index(catalog).suggest_tags([f"{m.title} {m.abstract or ''}" for m in metas])
    out: dict[str, list[str]] = {}
    for meta, found in zip(metas, suggestions, strict=True):
        if not found:
            raise DataProblem(f"no taxonomy node is like arXiv {meta.id}; give the tag: "
                              f"longctx add {meta.id} --tag NODE")
        out[meta.id] = [found[0].node]
        others = ", ".join(f"{s.node} ({s.confidence:.2f})" for s in found[1:])
        click.echo(f"arXiv {meta.id}: tagged {found[0].node} ({found[0].confidence:.2f}) by similarity to the "
                   f"catalogue{'; also close: ' + others if others else ''}", err=True)
    return out


# The steps `add` shares with `discover --add`: ids from the command line, one fetch, the writes.


def parse_ids(texts: tuple[str, ...]) -> list[str]:
    """The arXiv ids named on the command line (URLs and versions allowed), each once, in order."""
    from ..enrich.add import parse_id_argument

    parsed = {text: parse_id_argument(text) for text in texts}
    bad = [text for text, arxiv_id in parsed.items() if arxiv_id is None]
    if bad:
        raise click.BadParameter(f"not a valid arXiv id: {', '.join(bad)} (expected e.g. 2309.00071 or "
                                 "hep-th/9901001)", param_hint="ARXIV_ID")
    return list(dict.fromkeys(a for a in parsed.values() if a))


def fetch_all(source: Any, ids: list[str], unreachable: str | None = None) -> dict[str, Any]:
    """Every paper of ``ids`` from arXiv, or each failure said and exit with its code, nothing written.

    ``unreachable`` is said too when arXiv could not be reached at all (what to do without it).
    """
    from ..enrich.run import FAILURE_CODES

    found: dict[str, Any] = {}
    failures = []
    for batch in source.fetch(ids):
        found.update(batch.found)
        failures.extend(batch.failures)
    if failures:
        for failure in failures:
            click.echo(f"error: arXiv {failure.arxiv_id}: {failure.reason}", err=True)
        click.echo("Nothing was written.", err=True)
        if unreachable and any(f.kind == "fetch" for f in failures):
            click.echo(unreachable, err=True)
        raise SystemExit(failure_exit_code({FAILURE_CODES[f.kind] for f in failures}))
    return found


def write_records(new: Any, found: dict[str, Any], ids: list[str]) -> None:
    """Write every file of ``new`` or none (if one write fails, what was there is put back), and list the records."""
    from ..adding import write_all

    try:
        write_all(new.files)
    except OSError as err:
        raise EnvironmentProblem(f"cannot write {err.filename or 'a file'}: {err.strerror or err}; "
                                 "nothing was added") from None
    for rel, arxiv_id in zip(new.records, ids, strict=True):
        meta = found[arxiv_id]
        click.echo(f"{rel}: {meta.title} (arXiv {meta.versioned_id}, {meta.published})")
