"""The generated parts of CONTRIBUTING.md, so the guide cannot drift from the code.

CONTRIBUTING.md is prose written by people, with regions between
``<!-- longctx:begin NAME -->`` and ``<!-- longctx:end NAME -->`` markers that are generated:
``example`` (a real record of the catalogue, verbatim), ``fields`` (the record format, from
:mod:`longctx_catalog.schema`), ``tags`` (the taxonomy tree) and ``codes`` (every diagnostic
code in :data:`longctx_catalog.diagnostics.CODES`, with what to do about it). Everything
outside the markers is left byte for byte as it was. A test keeps the committed file fresh;
regenerate it with ``python -m longctx_catalog.contributing``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .diagnostics import CODES
from .load import TAXONOMY_FILE

GUIDE = "CONTRIBUTING.md"
EXAMPLE_RECORD = "papers/yarn.yaml"
_MARKER = re.compile(r"<!-- longctx:(begin|end) ([a-z0-9-]+) -->")

# What a contributor should do about each code. A code without advice (added by another part
# of the tool) is still listed, with its one-line description.
ADVICE: dict[str, str] = {
    "LC001": "Save the file as UTF-8 (any modern editor can; on GitHub's web editor it already is).",
    "LC002": "Fix the YAML at the line shown; the message names the usual cause. Quote any text containing "
    "`: `, and indent with spaces.",
    "LC003": "Delete one of the two lines with the same key, or merge them.",
    "LC004": "Write plain values: no `!!python/...` or other `!tags`, no `<<` merge keys.",
    "LC005": "A record file holds one mapping of fields; start it with `id: <file name>`.",
    "LC101": "Check the spelling against the field reference above (the message suggests the closest field).",
    "LC102": "Add the field; the message shows a line to paste and edit.",
    "LC103": "Write the value in the form the field reference gives (quote arXiv ids; lists in `[...]`).",
    "LC104": "Use one of the allowed values, or remove the repeated item; the message lists what is allowed.",
    "LC105": "Remove the field, or set `kind` to the kind of record it belongs to.",
    "LC106": "Fill the value in, or delete the line.",
    "LC111": "Use lowercase letters, digits and hyphens, e.g. `longlora`; the message proposes one.",
    "LC112": "Rename the file to `<id>.yaml`, or change `id` to the file name.",
    "LC121": "Write the bare id in quotes: `arxiv: '2309.00071'` (no `arXiv:` prefix, no URL).",
    "LC122": "Write dates as `YYYY-MM-DD` (or `YYYY-MM` when the day is unknown).",
    "LC123": "Check the year; `added` is the day you add the record, never later.",
    "LC124": "Use the date of the first arXiv version (v1 on the abstract page), or fix the arXiv id.",
    "LC131": "Copy the full address from the browser's address bar, starting with `https://`.",
    "LC141": "Keep the TL;DR to one or two sentences; move the rest to `notes`.",
    "LC142": "Add a `tldr:` in your own words, or set `status: unread` until someone who has read the work writes one.",
    "LC143": "Add `added: YYYY-MM-DD` with today's date.",
    "LC201": "Pick a node id from `longctx tags` (or the tree above); the message suggests the closest one.",
    "LC202": "Use the id of an existing record of that kind (file name without `.yaml`), or add that record too.",
    "LC211": "One work, one record: merge the two files.",
    "LC212": "The paper is already in the catalogue: add your tags or links to the existing record instead.",
    "LC213": "The paper is probably already in the catalogue under another id: merge the two records.",
    "LC214": "The work is already in the catalogue (the message names the record): add to that record instead.",
    "LC215": "Open the record the message names: if it is the same work, keep one record; if not, tell the two "
             "apart in the titles as published (a reviewer can confirm they differ).",
    "LC301": "Fix `taxonomy.yaml` at the line shown: each node is `- id: ...` with a `title`, and optional "
    "`description` and `children`.",
    "LC302": "Give one of the two taxonomy nodes another id.",
    "LC303": "Write the taxonomy subtree out instead of using a YAML alias that contains itself.",
    "LC401": "Fix the data file at the line shown (e.g. add the metric to the `metrics` list).",
    "LC701": "Put each README region's begin and end markers on lines of their own, once each, with the names the "
    "message lists; then run `longctx render`.",
    "LC702": "Move your hand-written page away from the path `longctx render` needs (the message names it), or "
    "delete it if it is an old copy of a generated page.",
    "LC703": "Rename the taxonomy node: `timeline`, `techniques`, `papers`, `index` and `about` are taken by "
    "generated pages.",
    "LC704": "Fix the template at the line shown: pass record values through `|md` (prose) or `|cell` (tables); "
    "see templates/README.md.",
    "LC705": "Run `longctx render` and commit what it changes in `docs/` and `README.md`: generated pages are "
    "committed so GitHub shows them, and must match the records.",
    "LC801": "Fix the link at the place shown (a page that does not exist, or an anchor that is not on it); "
    "`longctx serve` shows the site while you fix it.",
    "LC802": "Fix `mkdocs.yml` at the line shown; leave out `nav`, `docs_dir` and `not_in_nav`, which the build "
    "generates, and keep `theme: {name: material}`.",
    "LC803": "Rename or move the file under `docs/`: `index.md`, `papers/`, `about/contributing.md` and "
    "`assets/longctx/` are the site's own.",
    "LC901": "Copy the full address from the browser's address bar, starting with `https://`.",
    "LC902": "Apply the fix the message spells out (e.g. remove the doubled `https://`).",
    "LC903": "Check the host name; if it really is right, ignore the warning.",
    "LC904": "Change `http://` to `https://`.",
    "LC905": "Link the repository itself, `https://github.com/OWNER/REPO`; put user or organisation pages under "
    "`links.homepage`.",
    "LC906": "Link the model, dataset or Space itself, `https://huggingface.co/ORG/NAME` (datasets: "
    "`/datasets/ORG/NAME`).",
    "LC907": "Make the arXiv URL and the record's `arxiv` name the same paper; a link to another paper belongs in "
    "`notes`.",
    "LC908": "Add `arxiv: '<id>'` so enrichment can fill in the paper's metadata.",
    "LC909": "Keep the link once, under the key that fits best.",
    "LC911": "Find the page's new address (search its title; an archived copy at web.archive.org will do) or "
    "remove the link.",
    "LC912": "Open the link in a browser. If it works, nothing to do: some servers refuse robots or rate-limit.",
    "LC913": "Replace the URL with the address the message gives.",
    "LC914": "Keep the link if it is still the work's code; say in `notes` that the repository is archived.",
}


def example_region(root: Path) -> str:
    text = (root / EXAMPLE_RECORD).read_text(encoding="utf-8")
    return f"```yaml\n# {EXAMPLE_RECORD}\n{text.rstrip()}\n```"


def fields_region() -> str:
    from .schema.derived import field_rows

    lines = ["| field | type | kinds | required | meaning |", "|---|---|---|---|---|"]
    for row in field_rows():
        cells = [f"`{row['name']}`", row["type"], row["kinds"], row["required"], row["doc"]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def tags_region(root: Path) -> str:
    from .load import read_yaml_file
    from .schema.checks import check_taxonomy

    doc, _ = read_yaml_file(root / TAXONOMY_FILE, TAXONOMY_FILE)
    if doc is None:
        return "_taxonomy.yaml cannot be read; run `longctx validate`._"
    taxonomy, _ = check_taxonomy(doc)
    return "\n".join(f"{'  ' * node.depth}- `{node.id}` — {node.title}"
                     for root_node in taxonomy.roots for node in root_node.walk())


def codes_region() -> str:
    parts = []
    for code, (symbol, severity, description) in CODES.items():
        body = f"### {code} `{symbol}` ({severity})\n\n{description}"
        if code in ADVICE:
            body += f" **What to do:** {ADVICE[code]}"
        parts.append(body)
    return "\n\n".join(parts)


def regions(root: Path) -> dict[str, str]:
    return {
        "example": example_region(root),
        "fields": fields_region(),
        "tags": tags_region(root),
        "codes": codes_region(),
    }


class MarkerError(ValueError):
    pass


def fill(text: str, generated: dict[str, str]) -> str:
    """Replace the body of every ``begin``/``end`` region; refuse unbalanced or unknown markers."""
    out: list[str] = []
    pos = 0
    open_name: str | None = None
    seen: set[str] = set()
    for match in _MARKER.finditer(text):
        kind, name = match.groups()
        line = text.count("\n", 0, match.start()) + 1
        if kind == "begin":
            if open_name is not None:
                raise MarkerError(f"{GUIDE}:{line}: region {name!r} begins inside region {open_name!r}")
            if name not in generated:
                raise MarkerError(f"{GUIDE}:{line}: unknown region {name!r} (known: {', '.join(generated)})")
            out.append(text[pos:match.end()])
            open_name = name
        else:
            if open_name != name:
                raise MarkerError(f"{GUIDE}:{line}: end of region {name!r} without its begin")
            out.append(f"\n{generated[name]}\n")
            seen.add(name)
            open_name = None
        pos = match.start() if kind == "end" else match.end()
    if open_name is not None:
        raise MarkerError(f"{GUIDE}: region {open_name!r} is never closed with <!-- longctx:end {open_name} -->")
    missing = set(generated) - seen
    if missing:
        raise MarkerError(f"{GUIDE}: no region for {', '.join(sorted(missing))}")
    out.append(text[pos:])
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    """``python -m longctx_catalog.contributing [--check] [ROOT]``: regenerate (or check) CONTRIBUTING.md."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    rest = [a for a in args if a != "--check"]
    root = Path(rest[0]) if rest else Path.cwd()
    path = root / GUIDE
    text = path.read_text(encoding="utf-8")
    try:
        fresh = fill(text, regions(root))
    except MarkerError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if fresh == text:
        return 0
    if check:
        print(f"{GUIDE} is stale; run `python -m longctx_catalog.contributing`", file=sys.stderr)
        return 1
    from .write import atomic_write_text

    atomic_write_text(path, fresh)
    print(f"wrote {GUIDE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
