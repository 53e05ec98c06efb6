"""Convert a page's one long table in pieces, so an edit re-converts only the piece it touched.

The technique table lists every paper in one Markdown table (4,000 rows at 5,000 records):
Python-Markdown converts it in about 1.5 s, and any TL;DR edit, addition or deletion
changed it. :func:`split` cuts such a page into pieces that are each the whole page with
only a run of the table's rows (the text before and after the table is in every piece, so
each piece converts exactly as the page does around its rows); :func:`join` puts the
pieces' HTML back together: the shared head, every piece's rows, the shared tail.
:mod:`longctx_catalog.pagereuse` caches each piece like a page.

Pieces convert like the whole only where nothing in one row depends on another part of
the page; that holds for table rows with the extensions of :data:`SAFE_EXTENSIONS` (no
footnotes, abbreviations or snippets, whose definitions reach across the page). Anything
unexpected makes :func:`split` or :func:`join` answer None, and the page is converted whole.
"""

from __future__ import annotations

import re

MIN_ROWS = 400  # a table shorter than this converts in well under 0.2 s: not worth the pieces
PIECE_ROWS = 200  # rows per piece: an edit re-converts about this many

SAFE_EXTENSIONS = frozenset({
    "toc", "tables", "fenced_code", "attr_list", "md_in_html", "admonition",
    "pymdownx.details", "pymdownx.highlight", "pymdownx.superfences",
})

_SEPARATOR = re.compile(r"^\|?(\s*:?-+:?\s*\|)+\s*(:?-+:?\s*)?$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def extension_names(extensions: list[object]) -> set[str]:
    """The names of the configured Markdown extensions (instances by their module)."""
    names = set()
    for extension in extensions:
        if isinstance(extension, str):
            names.add(extension.removeprefix("markdown.extensions."))
        else:
            names.add(type(extension).__module__.removeprefix("markdown.extensions."))
    return names


def split(markdown: str, min_rows: int = MIN_ROWS, piece_rows: int = PIECE_ROWS) -> list[str] | None:
    """The page cut into pieces around its longest table's rows, or None when it has no long table."""
    lines = markdown.split("\n")
    best: tuple[int, int] | None = None  # first row, end of the table (exclusive)
    fenced = False
    index = 0
    while index < len(lines):
        line = lines[index]
        if _FENCE.match(line):
            fenced = not fenced
        elif (not fenced and line.startswith("|") and index + 1 < len(lines) and _SEPARATOR.match(lines[index + 1])
              and (index == 0 or not lines[index - 1].strip())):
            end = index + 2
            while end < len(lines) and lines[end].strip():
                end += 1
            rows = (index + 2, end)
            if all(lines[row].startswith("|") for row in range(*rows)) and (
                    best is None or rows[1] - rows[0] > best[1] - best[0]):
                best = rows
            index = end
            continue
        index += 1
    if best is None or best[1] - best[0] < min_rows:
        return None
    first, end = best
    if any("tbody" in lines[row] for row in range(first, end)):
        return None  # join finds the rows by the table's <tbody>: a row must not say it
    before, after = lines[:first], lines[end:]
    return ["\n".join(before + lines[start:min(start + piece_rows, end)] + after)
            for start in range(first, end, piece_rows)]


def join(pieces: list[str]) -> str | None:
    """The HTML of the whole page from its pieces' HTML, or None when they do not fit together."""
    if len(pieces) < 2:
        return pieces[0] if pieces else None
    first, second = pieces[0], pieces[1]
    common = 0
    limit = min(len(first), len(second))
    while common < limit and first[common] == second[common]:
        common += 1
    head_end = first.rfind("<tbody>\n", 0, common)
    if head_end < 0:
        return None
    head = first[:head_end + len("<tbody>\n")]
    common = 0
    while common < limit and first[-1 - common] == second[-1 - common]:
        common += 1
    tail_start = first.find("</tbody>", len(first) - common)
    if tail_start < 0:
        return None
    tail = first[tail_start:]
    rows = []
    for piece in pieces:
        if not (piece.startswith(head) and piece.endswith(tail)) or len(piece) < len(head) + len(tail):
            return None
        rows.append(piece[len(head):len(piece) - len(tail)])
    return head + "".join(rows) + tail
