"""Read a .bib file into located entries. The one module that imports bibtexparser.

bibtexparser (v2) splits the text into blocks and tells us which blocks failed and
where they start; it is run with an empty parse stack, because we evaluate field
values ourselves: BibTeX's value syntax is small (``{...}``, ``"..."``, numbers,
``@string`` macros, ``#`` concatenation), and doing it here lets us point at the
exact character that is wrong. That matters for the commonest real-world breakage,
a missing comma between two fields, which the splitter silently glues into the
previous value (``primaryClass={cs.LG}\\n url={...}``).

Nothing here knows about records: :mod:`.convert` turns entries into record fields.
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic, Location

# BibTeX's predefined macros; a .bib may redefine them.
MONTH_MACROS = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "may": "May",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}

_IDENT = re.compile(r"[^\s\"#%'(),={}]+")
_FIELD_NAME = re.compile(r"[A-Za-z][\w.:+-]*\Z")
_BRACE = re.compile(r"(?<!\\)[{}]")
# Limits no real bibliography comes near, so hostile input fails with a located error
# instead of exhausting the stack (LaTeX conversion recurses per brace level) or the
# clock (eight levels of ten-fold @string concatenation make 10^8 characters).
MAX_DEPTH = 64  # braces inside braces
MAX_VALUE = 100_000  # characters of one field value or @string, after expansion
# C0 controls other than tab and line breaks, DEL and C1 controls: no field holds them,
# and XML (the feeds) cannot.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_QUOTE_SCAN = re.compile(r'(?<!\\)[{}"]')


@dataclass
class BibField:
    name: str  # lower-case
    value: str  # macros expanded, pieces concatenated, outer delimiters removed; still LaTeX
    location: Location
    used_macros: bool = False  # refers to a macro of the file, or an undefined one (months do not count)


@dataclass
class BibEntry:
    type: str  # lower-case: article, inproceedings, misc, ...
    key: str
    fields: dict[str, BibField]
    raw: str  # the entry exactly as written, from @ to the closing delimiter
    location: Location
    duplicate_of: Location | None = None  # an earlier entry with the same key (ignoring case)
    problems: list[Diagnostic] = field(default_factory=list)  # warnings about this entry

    def get(self, name: str) -> str | None:
        f = self.fields.get(name)
        return f.value if f is not None else None

    @property
    def used_macros(self) -> bool:
        return any(f.used_macros for f in self.fields.values())


class _Lines:
    """Offset -> 1-based line and column, by binary search over line starts."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def loc(self, offset: int) -> Location:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset)
        return Location(self.path, line, offset - self.starts[line - 1] + 1)

    def line_start(self, line0: int) -> int:
        return self.starts[min(max(line0, 0), len(self.starts) - 1)]


class BadValue(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def _matching_brace(raw: str, start: int) -> int:
    depth = 0
    for m in _BRACE.finditer(raw, start):
        depth += 1 if m.group() == "{" else -1
        if depth == 0:
            return m.start()
        if depth > MAX_DEPTH:
            raise BadValue(m.start(), f"braces are nested more than {MAX_DEPTH} deep here")
    raise BadValue(start, "this `{` is never closed")


def _closing_quote(raw: str, start: int) -> int:
    depth = 0
    for m in _QUOTE_SCAN.finditer(raw, start + 1):
        ch = m.group()
        if ch == "{":
            depth += 1
            if depth > MAX_DEPTH:
                raise BadValue(m.start(), f"braces are nested more than {MAX_DEPTH} deep here")
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            return m.start()
    raise BadValue(start, 'this `"` is never closed')


def evaluate(
    raw: str, strings: dict[str, str | None], field_name: str, warn: list[tuple[int, str]]
) -> tuple[str, bool]:
    """Evaluate one field value as BibTeX does; return ``(text, used_macros)``.

    Raises :class:`BadValue` with an offset into ``raw`` when the value is malformed.
    Undefined macros are kept as their name, with a warning in ``warn``.
    """
    parts: list[str] = []
    used = False
    size = 0
    i, n = 0, len(raw)
    control = _CONTROL.search(raw)
    if control:
        raise BadValue(control.start(), f"field '{field_name}' holds the control character "
                       f"U+{ord(control.group()):04X}; delete it")
    while True:
        while i < n and raw[i].isspace():
            i += 1
        if i >= n:
            raise BadValue(
                i,
                f"field '{field_name}' has no value"
                if not parts
                else f"`#` at the end of field '{field_name}' joins nothing",
            )
        ch = raw[i]
        if ch == "{":
            end = _matching_brace(raw, i)
            parts.append(raw[i + 1 : end])
            i = end + 1
        elif ch == '"':
            end = _closing_quote(raw, i)
            parts.append(raw[i + 1 : end])
            i = end + 1
        else:
            m = _IDENT.match(raw, i)
            if not m:
                raise BadValue(i, f"unexpected `{ch}` in the value of field '{field_name}'")
            word = m.group()
            if word.isdigit():
                parts.append(word)
            elif word.casefold() in strings:
                defined = strings[word.casefold()]
                if defined is None:
                    raise BadValue(i, f"field '{field_name}' uses @string {word}, which could not be defined")
                parts.append(defined)
                used = True
            elif word.casefold() in MONTH_MACROS:
                parts.append(MONTH_MACROS[word.casefold()])
            else:
                warn.append(
                    (
                        i,
                        f"'{word}' in field '{field_name}' is not a defined @string macro; "
                        "its name is used as the text (put text in braces: {...})",
                    )
                )
                parts.append(word)
                used = True  # not literal text either: the stored entry spells it out
            i = m.end()
        size += len(parts[-1])
        if size > MAX_VALUE:
            raise BadValue(i, f"field '{field_name}' expands to more than {MAX_VALUE:,} characters")
        while i < n and raw[i].isspace():
            i += 1
        if i >= n:
            return "".join(parts), used
        if raw[i] == "#":
            i += 1
            continue
        rest = raw[i:].split("\n", 1)[0].strip()
        shown = rest if len(rest) <= 30 else rest[:27] + "..."
        hint = " — is a comma missing before it?" if re.match(r"[A-Za-z][\w-]*\s*=", rest) else ""
        raise BadValue(
            i,
            f"expected `,` or the end of the entry after the value of field '{field_name}', "
            f"found `{shown}`{hint}",
        )


def _field_offsets(raw: str, fields: list) -> list[int]:  # type: ignore[type-arg]
    """Offset in ``raw`` of each field's value, found in order after its ``key =``."""
    offsets = []
    cursor = raw.find(",") + 1 if "," in raw else 0
    for f in fields:
        k = raw.find(f.key, cursor)
        eq = raw.find("=", k if k >= 0 else cursor)
        v = raw.find(f.value, eq + 1) if eq >= 0 else -1
        if v < 0:
            v = max(k, cursor)
        offsets.append(v)
        cursor = v + len(f.value)
    return offsets


def parse_bib(text: str, path: str) -> tuple[list[BibEntry], list[Diagnostic]]:
    """Every usable entry of ``text`` plus located diagnostics for the rest.

    Broken entries (bad syntax, malformed values) are left out with an LC601 error;
    repeated keys are kept (``duplicate_of`` says where the key was first used), so
    the caller can decide whether they are the same work.
    """
    import bibtexparser
    from bibtexparser import model as bm

    lines = _Lines(path, text)
    # The splitter logs each failed block; we report them ourselves, with columns.
    splitter_log = logging.getLogger("bibtexparser")
    level = splitter_log.level
    splitter_log.setLevel(logging.CRITICAL)
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
    finally:
        splitter_log.setLevel(level)
    diags: list[Diagnostic] = []
    entries: list[BibEntry] = []
    strings: dict[str, str | None] = {}
    seen_keys: dict[str, Location] = {}

    def block_offset(block: bm.Block) -> int:
        start = lines.line_start(block.start_line or 0)
        found = text.find(block.raw, start) if block.raw else -1
        return found if found >= 0 else start

    for block in library.blocks:
        if isinstance(block, bm.DuplicateFieldKeyBlock):
            entry_block = block.ignore_error_block
            names = ", ".join(sorted(block.duplicate_keys))
            dup_warning = f"field(s) {names} given twice; the first is used, as BibTeX does"
            block = entry_block
        else:
            dup_warning = None
        if isinstance(block, bm.DuplicateBlockKeyBlock):
            block = block.ignore_error_block  # we detect repeated keys ourselves, ignoring case
        if isinstance(block, bm.ParsingFailedBlock):
            diags.append(_failed_block(block, lines, block_offset(block)))
            continue
        if isinstance(block, bm.String):
            offset = block_offset(block)
            warn: list[tuple[int, str]] = []
            value_at = block.raw.find("=") + 1 if block.raw else 0
            raw_value = block.raw[value_at:].rstrip()[:-1] if block.raw else block.value
            try:
                value, _ = evaluate(raw_value, strings, f"@string {block.key}", warn)
            except BadValue as err:
                diags.append(
                    Diagnostic.make(
                        lines.loc(offset + value_at + err.offset),
                        "LC601",
                        f"@string {block.key}: {err.message}; the macro is not defined",
                    )
                )
                strings[block.key.strip().casefold()] = None  # its users fail too, instead of using its name
                continue
            for off, message in warn:
                diags.append(Diagnostic.make(lines.loc(offset + value_at + off), "LC605", message))
            strings[block.key.strip().casefold()] = value
            continue
        if not isinstance(block, bm.Entry):
            continue  # comments, @preamble
        entry = _entry(block, lines, block_offset(block), strings, diags)
        if entry is None:
            continue
        if dup_warning:
            entry.problems.append(Diagnostic.make(entry.location, "LC605", dup_warning))
        folded = entry.key.casefold()
        if folded in seen_keys:
            entry.duplicate_of = seen_keys[folded]
        else:
            seen_keys[folded] = entry.location
        entries.append(entry)
    return entries, diags


def _entry(
    block,
    lines: _Lines,
    offset: int,
    strings: dict[str, str | None],  # type: ignore[no-untyped-def]
    diags: list[Diagnostic],
) -> BibEntry | None:
    location = lines.loc(offset)
    entry_type = block.entry_type.strip().lower()
    key = block.key.strip()
    if not re.fullmatch(r"[A-Za-z]+", entry_type):
        diags.append(
            Diagnostic.make(location, "LC601", f"`@{entry_type}` is not an entry type; entry skipped")
        )
        return None
    if any(c.isspace() for c in key):
        diags.append(
            Diagnostic.make(
                location,
                "LC601",
                f"entry key {key!r} contains spaces — is the comma after the key missing? Entry skipped",
            )
        )
        return None
    raw = block.raw or ""
    control = _CONTROL.search(raw)  # in the key or between fields too: the entry is stored as written
    if control:
        diags.append(Diagnostic.make(lines.loc(offset + control.start()), "LC601",
                                     f"entry {key!r} holds the control character U+{ord(control.group()):04X}; "
                                     "delete it. Entry skipped"))
        return None
    offsets = _field_offsets(raw, block.fields)
    fields: dict[str, BibField] = {}
    problems: list[Diagnostic] = []
    for f, value_offset in zip(block.fields, offsets, strict=True):
        name = f.key.strip()
        if not _FIELD_NAME.match(name):
            shown = name if len(name) <= 40 else name[:37] + "..."
            diags.append(
                Diagnostic.make(
                    lines.loc(offset + max(raw.find(f.key), 0)),
                    "LC601",
                    f"{shown!r} is not a field name (entry '{key}'); entry skipped",
                )
            )
            return None
        warn: list[tuple[int, str]] = []
        try:
            value, used = evaluate(f.value, strings, name.lower(), warn)
        except BadValue as err:
            diags.append(
                Diagnostic.make(
                    lines.loc(offset + value_offset + err.offset),
                    "LC601",
                    f"{err.message} (entry '{key}'); entry skipped",
                )
            )
            return None
        for off, message in warn:
            problems.append(Diagnostic.make(lines.loc(offset + value_offset + off), "LC605", message))
        fields.setdefault(name.lower(), BibField(name.lower(), value, lines.loc(offset + value_offset), used))
    return BibEntry(entry_type, key, fields, raw, location, problems=problems)


def _failed_block(block, lines: _Lines, offset: int) -> Diagnostic:  # type: ignore[no-untyped-def]
    """A located message for a block the splitter gave up on."""
    raw = block.raw or ""
    head = raw.split("\n", 1)[0].strip()
    m = re.match(r"@\s*(\w*)\s*[{(]\s*([^,\s]*)", raw)
    what = f"entry '{m.group(2)}'" if m and m.group(2) else f"`{head[:40]}`"
    reason = getattr(block.error, "abort_reason", None) or str(block.error)
    culprit = _unclosed_value(raw) if "closing" in reason or "end of file" in reason else None
    if culprit is not None:
        where = offset + culprit[0]
        message = f"{what}: {culprit[1]}; entry skipped"
    elif m and m.group(2) and reason.startswith("Expected comma after entry key"):
        where = offset + m.end(2)
        message = f"{what}: a comma must follow the entry key; entry skipped"
    else:
        end = getattr(block.error, "end_index", None)
        where = offset if end is None else max(offset, end - 1)
        message = f"{what} is malformed: {reason.strip()}; entry skipped"
    return Diagnostic.make(lines.loc(where), "LC601", message)


_NEXT_FIELD = re.compile(r"\n[ \t]*([A-Za-z][\w-]*)[ \t]*=")
_FIELD_BEFORE = re.compile(r"([A-Za-z][\w-]*)\s*=\s*$")


def _unclosed_value(raw: str) -> tuple[int, str] | None:
    """Where a missing ``}`` most likely belongs: ``(offset of the unclosed {, explanation)``.

    A braced value that runs into the next ``name =`` line is the usual shape; failing
    that, the outermost brace still open at the end of the block."""
    stack: list[int] = []
    for m in re.finditer(r"(?<!\\)[{}]|\n", raw):
        ch = m.group()
        if ch == "{":
            stack.append(m.start())
        elif ch == "}":
            if stack:
                stack.pop()
        elif len(stack) >= 2:
            nxt = _NEXT_FIELD.match(raw, m.start())
            before = _FIELD_BEFORE.search(raw, 0, stack[1])
            if nxt and before:
                return stack[1], (
                    f"the `{{` opening the value of field '{before.group(1)}' is not closed before the next "
                    f"field '{nxt.group(1)}', so the entry runs on"
                )
    if len(stack) >= 2:
        before = _FIELD_BEFORE.search(raw, 0, stack[1])
        where = f" of field '{before.group(1)}'" if before else ""
        return stack[1], f"the `{{` opening the value{where} is never closed"
    if stack:
        return stack[0], "the `{` opening the entry is never closed"
    return None


def split_names(value: str) -> list[str]:
    """``A and {B and C} and D`` -> ``['A', '{B and C}', 'D']``, as BibTeX splits names."""
    from bibtexparser.middlewares.names import split_multiple_persons_names

    return split_multiple_persons_names(value)
