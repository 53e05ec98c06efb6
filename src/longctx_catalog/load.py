"""Read YAML files into plain data while remembering where every value came from.

PyYAML's ``CSafeLoader`` is fast but forgets positions and silently keeps the last of
two duplicate keys. So we let libyaml *compose* the node tree (in C), walk it once in
Python to record line/column of every key and value, catch duplicate keys and
non-data tags, and only then *construct* plain Python objects from the same tree.
Nothing here knows the record format: that is :mod:`longctx_catalog.schema`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, Location

TAXONOMY_FILE = "taxonomy.yaml"
PAPERS_DIR = "papers"
RECORD_SUFFIXES = (".yaml", ".yml")

# Plain data types only. Anything else (``!!python/object``, ``!!binary``, custom
# ``!tags``) is refused before construction, so loading can never run code.
_TAG = "tag:yaml.org,2002:"
SAFE_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map"))

KeyPath = tuple[str | int, ...]


@dataclass
class YamlDoc:
    """One parsed file: its data plus the position of each key and value."""

    path: str  # as shown to users: relative to the catalogue root, POSIX separators
    data: Any
    key_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    value_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    raw_scalars: dict[KeyPath, str] = field(default_factory=dict)

    def loc(self, keypath: KeyPath = (), *, key: bool = False) -> Location:
        """Where ``keypath`` is written; falls back to the nearest enclosing value."""
        marks = self.key_marks if key else self.value_marks
        kp = keypath
        while kp:
            if kp in marks:
                line, col = marks[kp]
                return Location(self.path, line, col)
            marks = self.value_marks
            kp = kp[:-1]
        return Location(self.path, 1, 1)

    def raw(self, keypath: KeyPath) -> str | None:
        """The scalar exactly as written in the file (e.g. ``2310.05210`` before it became a float)."""
        return self.raw_scalars.get(keypath)


def _mark_location(path: str, text: str, err: yaml.YAMLError) -> Location:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    if "quoted scalar" in str(getattr(err, "context", "")) and getattr(err, "context_mark", None) is not None:
        mark = err.context_mark  # type: ignore[attr-defined]  # where the unclosed quote opens, not end of file
    if mark is not None:
        return Location(path, mark.line + 1, mark.column + 1)
    position = getattr(err, "position", None)
    if isinstance(position, int):
        return _offset_location(path, text, position)
    return Location(path, 1, 1)


def _offset_location(path: str, text: str, offset: int) -> Location:
    before = text[:offset]
    line = before.count("\n") + 1
    return Location(path, line, offset - (before.rfind("\n") + 1) + 1)


# libyaml's words for the mistakes newcomers make most, and what to do about each.
_YAML_HINTS = (
    ("mapping values are not allowed", "a value containing ': ' must be quoted (e.g. title: 'YaRN: Efficient "
     "...'), or this line is indented deeper than it should be"),
    ("tab character", "indent with spaces, not tabs"),
    ("'\\t'", "indent with spaces, not tabs"),
    ("quoted scalar, found unexpected end", "a quote is never closed; add the closing quote"),
    ("expected ',' or ']'", "a [list] is not closed; add ']' at its end (and ',' between items)"),
    ("expected ',' or '}'", "a {mapping} is not closed; add '}' at its end"),
    ("could not find expected ':'", "a line lacks ':' after its key, or a quote is not closed"),
    ("expected '-' indicator", "every item of a list must start with '- ' at the same indentation"),
    ("did not find expected key", "check the indentation: fields line up at the left, list items under their key"),
    ("expected <block end>", "check the indentation: fields line up at the left, list items under their key"),
    ("cannot start any token", "a value starting with @, ` or % must be quoted"),
)


def _yaml_problem(err: yaml.YAMLError) -> str:
    problem = getattr(err, "problem", None)
    context = getattr(err, "context", None)
    if not problem:
        return str(err).splitlines()[0]
    text = f"{context}, {problem}" if context else problem
    hint = next((h for words, h in _YAML_HINTS if words in text), None)
    return f"{text} — {hint}" if hint else text


class _Walker:
    """Records positions and refuses what we do not want, in one pass over the node tree."""

    def __init__(self, doc: YamlDoc, cycle_code: str) -> None:
        self.doc = doc
        self.cycle_code = cycle_code
        self.diagnostics: list[Diagnostic] = []
        self.safe = True
        self._visited: set[int] = set()
        self.timestamps: list[tuple[str, yaml.Mark]] = []  # to locate an impossible date such as 2023-02-30

    def _at(self, mark: yaml.Mark) -> Location:
        return Location(self.doc.path, mark.line + 1, mark.column + 1)

    def walk(self, node: yaml.Node, path: KeyPath, ancestors: frozenset[int] = frozenset()) -> None:
        if id(node) in ancestors:
            self.safe = False
            self.diagnostics.append(
                Diagnostic.make(
                    self._at(node.start_mark), self.cycle_code, "a YAML alias refers to its own ancestor, which "
                    "would make an endless loop; write the value out instead"
                )
            )
            return
        if node.tag not in SAFE_TAGS:
            self.safe = False
            self.diagnostics.append(
                Diagnostic.make(
                    self._at(node.start_mark),
                    "LC004",
                    f"YAML tag {node.tag.replace(_TAG, '!!')!r} is not allowed; records hold plain "
                    "strings, numbers, dates, lists and mappings only",
                )
            )
            return
        self.doc.value_marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if id(node) in self._visited:  # an alias: already walked; skip to stay linear
            return
        self._visited.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            self.doc.raw_scalars[path] = node.value
            if node.tag == _TAG + "timestamp":
                self.timestamps.append((node.value, node.start_mark))
            return
        inner = ancestors | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.walk(item, (*path, i), inner)
            return
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self.safe = False
                self.diagnostics.append(
                    Diagnostic.make(
                        self._at(key_node.start_mark), "LC004", "YAML merge keys ('<<') are not supported; "
                        "write the fields out in full"
                    )
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.safe = False
                self.diagnostics.append(
                    Diagnostic.make(self._at(key_node.start_mark), "LC103", "a mapping key must be a plain name")
                )
                continue
            key = key_node.value
            if key in seen:
                self.diagnostics.append(
                    Diagnostic.make(
                        self._at(key_node.start_mark),
                        "LC003",
                        f"duplicate key {key!r} (first at line {seen[key]}); YAML would silently keep only "
                        "the last one, so delete or merge one of them",
                    )
                )
            else:
                seen[key] = key_node.start_mark.line + 1
            self.doc.key_marks.setdefault((*path, key), (key_node.start_mark.line + 1, key_node.start_mark.column + 1))
            self.walk(value_node, (*path, key), inner)


def parse_yaml(text: str, path: str, *, cycle_code: str = "LC004") -> tuple[YamlDoc | None, list[Diagnostic]]:
    """Parse one YAML document. Returns ``(None, diagnostics)`` when there is nothing usable.

    ``cycle_code`` is the diagnostic for an alias that contains itself (the taxonomy
    reports it as a cycle in the tree).
    """
    doc = YamlDoc(path=path, data=None)
    loader = yaml.CSafeLoader(text)
    walker = _Walker(doc, cycle_code)
    try:
        node = loader.get_single_node()
        if node is None:
            return doc, []
        walker.walk(node, ())
        if not walker.safe:
            return None, walker.diagnostics
        doc.data = loader.construct_document(node)
        return doc, walker.diagnostics
    except yaml.YAMLError as err:
        return None, [Diagnostic.make(_mark_location(path, text, err), "LC002", f"YAML syntax: {_yaml_problem(err)}")]
    except (ValueError, TypeError, OverflowError, RecursionError) as err:
        # Constructors can still fail on well-formed text: an impossible timestamp such
        # as 2023-02-30, or an alias graph too deep to build.
        for value, mark in walker.timestamps:
            try:
                yaml.SafeLoader("").construct_yaml_timestamp(yaml.ScalarNode(_TAG + "timestamp", value))
            except ValueError as bad:
                return None, [Diagnostic.make(Location(path, mark.line + 1, mark.column + 1), "LC002",
                                              f"{value} is not a calendar date ({bad}); check the month and day")]
        return None, [Diagnostic.make(Location(path), "LC002", f"YAML value cannot be read: {err}")]
    finally:
        loader.dispose()


def read_yaml_file(file: Path, display: str, *, cycle_code: str = "LC004") -> tuple[YamlDoc | None, list[Diagnostic]]:
    """Read and parse a file; every failure becomes one located diagnostic."""
    try:
        raw = file.read_bytes()
    except OSError as err:
        return None, [Diagnostic.make(Location(display), "LC001", f"cannot read file: {err.strerror or err}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        before = raw[: err.start].decode("utf-8", "replace")
        loc = _offset_location(display, before, len(before))
        return None, [Diagnostic.make(loc, "LC001", "file is not valid UTF-8; save it with UTF-8 encoding")]
    return parse_yaml(text, display, cycle_code=cycle_code)


def display_path(file: Path, root: Path) -> str:
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return file.as_posix()


def record_files(root: Path) -> list[Path]:
    """Every record file under ``papers/``, in a stable order."""
    base = root / PAPERS_DIR
    if not base.is_dir():
        return []
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(Path(dirpath, f) for f in filenames if f.endswith(RECORD_SUFFIXES) and not f.startswith("."))
    return sorted(found, key=lambda p: p.relative_to(base).as_posix())


def iter_record_docs(root: Path) -> Iterator[tuple[Path, YamlDoc | None, list[Diagnostic]]]:
    for file in record_files(root):
        doc, diags = read_yaml_file(file, display_path(file, root))
        yield file, doc, diags


class RootNotFound(Exception):
    pass


def find_root(start: Path | None = None) -> Path:
    """Walk up from ``start`` (default: the working directory) to the folder holding taxonomy.yaml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / TAXONOMY_FILE).is_file():
            return folder
    raise RootNotFound(
        f"no {TAXONOMY_FILE} found in {here} or any parent folder; run inside a catalogue or pass --root DIR"
    )
