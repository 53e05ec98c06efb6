"""Many records -> one .bib file that BibTeX and bibtexparser read without complaint.

Each record contributes :func:`~.entry.entry_for`'s citation, laid out uniformly:
fields sorted by name, one per line, every value in braces. A verbatim entry keeps
its type, key and field values, with bare ``&``, ``%``, ``#`` and ``_`` escaped in
text fields (legal in a .bib file, fatal when LaTeX typesets the bibliography). A
verbatim entry that cannot stand alone (broken, several entries, an undefined
``@string`` macro, braces BibTeX would count differently) is replaced by the
generated one and reported. Citation keys are made unique across the file,
ignoring case as BibTeX does, in record-id order, so the output is deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ..diagnostics import Diagnostic, Location
from ..load import CONTROL_CHARACTERS
from ..model import Record
from .entry import MONTH_MACROS, citation_key, format_entry, generated_fields

# Fields holding identifiers or URLs, not text: never escaped.
_LITERAL_FIELDS = frozenset(
    {
        "url",
        "doi",
        "eprint",
        "file",
        "pdf",
        "urldate",
        "archiveprefix",
        "primaryclass",
        "eprinttype",
        "eprintclass",
        "isbn",
        "issn",
        "keywords",
        "date",
    }
)
_MONTH_NAMES = {
    name: MONTH_MACROS[i]
    for i, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        )
    )
}
_SAFE_KEY = re.compile(r"[A-Za-z0-9_:./+-]+\Z")
_BARE = re.compile(r"\\[A-Za-z]+|\\.|\$|[&%#_]")
_URL_MACROS = frozenset({"\\url", "\\href", "\\path", "\\nolinkurl", "\\doi"})


def escape_bare_specials(value: str) -> str:
    """Escape ``&``, ``%``, ``#`` and ``_`` that are not escaped already, outside math and \\url{}."""
    if not any(c in value for c in "&%#_"):
        return value
    out: list[str] = []
    pos = 0
    math = False
    skip_until = -1
    for m in _BARE.finditer(value):
        if m.start() < skip_until:
            continue
        token = m.group()
        out.append(value[pos : m.start()])
        pos = m.end()
        if token in _URL_MACROS:  # copy the braced argument(s) untouched
            end = m.end()
            for _ in range(2 if token == "\\href" else 1):
                end = _skip_group(value, end)
            out.append(value[m.start() : end])
            pos = skip_until = end
        elif token == "$":
            math = not math
            out.append(token)
        elif token in "&%#_" and not math:
            out.append("\\" + token)
        else:
            out.append(token)
    out.append(value[pos:])
    return "".join(out)


def _skip_group(value: str, i: int) -> int:
    while i < len(value) and value[i].isspace():
        i += 1
    if i >= len(value) or value[i] != "{":
        return i
    depth = 0
    for j in range(i, len(value)):
        if value[j] == "{" and value[j - 1 : j] != "\\":
            depth += 1
        elif value[j] == "}" and value[j - 1 : j] != "\\":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(value)


def _bibtex_balanced(value: str) -> bool:
    """Balanced as BibTeX counts: every brace, escaped or not."""
    depth = 0
    for c in value:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def normalised_verbatim(bibtex: str) -> tuple[str, str, dict[str, str]] | str:
    """``(type, key, fields)`` of a stand-alone verbatim entry, or why it cannot be used."""
    from .parse import parse_bib

    entries, diags = parse_bib(bibtex, "bibtex")
    if diags:
        return diags[0].message
    if len(entries) != 1:
        return "it holds no entry" if not entries else f"it holds {len(entries)} entries, not one"
    [entry] = entries
    if entry.problems:
        return entry.problems[0].message
    fields: dict[str, str] = {}
    for name, f in entry.fields.items():
        value = f.value
        if name == "month" and value.strip().lower() in _MONTH_NAMES:
            fields[name] = _MONTH_NAMES[value.strip().lower()]
            continue
        if name not in _LITERAL_FIELDS:
            value = escape_bare_specials(value)
        if not _bibtex_balanced(value):
            return f"field '{name}' has braces BibTeX would count as unbalanced (an escaped \\{{ or \\}})"
        value = value.strip() if name in _LITERAL_FIELDS else " ".join(value.split())
        fields[name] = "{" + value + "}"
    return entry.type, entry.key, fields


def _unique(key: str, used: set[str]) -> str:
    """``key``, or ``key`` + b, c, ... aa, ab ... : the first spelling not yet used (ignoring case)."""
    if key.casefold() not in used:
        used.add(key.casefold())
        return key
    n = 1
    while True:
        suffix = ""
        k = n
        while True:
            suffix = chr(ord("a") + k % 26) + suffix
            k = k // 26 - 1
            if k < 0:
                break
        candidate = key + suffix
        if candidate.casefold() not in used:
            used.add(candidate.casefold())
            return candidate
        n += 1


def _bibtex_location(record: Record, root: Path | None) -> Location:
    if root is not None and record.path:
        try:
            for i, line in enumerate((root / record.path).read_text(encoding="utf-8").splitlines(), 1):
                if line.startswith("bibtex:"):
                    return Location(record.path, i, 1)
        except OSError:
            pass
    return Location(record.path or record.id, 1, 1)


def export_report(records: Iterable[Record], root: Path | None = None) -> tuple[str, list[Diagnostic]]:
    """The .bib text for ``records`` and a warning for each verbatim entry that had to be regenerated."""
    entries, diags = export_entries(records, root)
    return bib_file(entries.values()), diags


def bib_file(chunks: Iterable[str]) -> str:
    """Entries (from :func:`export_entries`) as one .bib file with its header line."""
    chunks = list(chunks)
    header = f"% {len(chunks)} entries exported by longctx-catalog (longctx export-bib)\n"
    # Validation refuses control characters in records; never write one into a .bib anyway.
    return header + CONTROL_CHARACTERS.sub("", "".join("\n" + chunk + "\n" for chunk in chunks))


def export_entries(records: Iterable[Record], root: Path | None = None) -> tuple[dict[str, str], list[Diagnostic]]:
    """Each record's entry by record id (in id order), keys unique across all of them, plus warnings.

    Any subset of the entries, joined by :func:`bib_file`, is a valid .bib with unique
    keys: the site's explorer relies on it for its filtered downloads.
    """
    used: set[str] = set()
    chunks: dict[str, str] = {}
    diags: list[Diagnostic] = []
    for record in sorted(records, key=lambda r: r.id):
        parsed = normalised_verbatim(record.bibtex) if record.bibtex else None
        if isinstance(parsed, tuple) and _SAFE_KEY.match(parsed[1]):
            entry_type, key, fields = parsed
        else:
            if isinstance(parsed, str):
                diags.append(
                    Diagnostic.make(
                        _bibtex_location(record, root),
                        "LC609",
                        f"the bibtex field of {record.id!r} cannot be exported as written "
                        f"({parsed}); a generated entry is exported instead",
                    )
                )
            elif isinstance(parsed, tuple):
                diags.append(
                    Diagnostic.make(
                        _bibtex_location(record, root),
                        "LC609",
                        f"the citation key {parsed[1]!r} of {record.id!r} is not plain ASCII; "
                        "a generated key is exported instead",
                    )
                )
                parsed = (parsed[0], citation_key(record), parsed[2])
            if isinstance(parsed, tuple):
                entry_type, key, fields = parsed
            else:
                key = citation_key(record)
                entry_type, fields = generated_fields(record)
        chunks[record.id] = format_entry(entry_type, _unique(key, used), fields)
    return chunks, diags


def export(records: Iterable[Record]) -> str:
    """One .bib text for ``records``: unique keys, fields sorted, values escaped."""
    return export_report(records)[0]
