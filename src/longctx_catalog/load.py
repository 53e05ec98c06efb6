"""Read YAML files into plain data while remembering where every value came from.

PyYAML's ``CSafeLoader`` is fast but forgets positions, silently keeps the last of two
duplicate keys and accepts tags such as ``!!binary`` and ``!!set``. We subclass it:
libyaml composes the node tree in C, and a constructor restricted to plain data builds
each value in one step, noting duplicate keys and refusing other tags, recursive
aliases and merge keys as it goes. The node tree is kept so a position is looked up
only when a problem is reported, which keeps loading a few thousand files close to
the cost of a bare ``yaml.load``. Nothing here knows the record format: that is
:mod:`longctx_catalog.schema`.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from . import parsecache
from .diagnostics import Diagnostic, Location

TAXONOMY_FILE = "taxonomy.yaml"
PAPERS_DIR = "papers"
RECORD_SUFFIXES = (".yaml", ".yml")

_TAG = "tag:yaml.org,2002:"

KeyPath = tuple[str | int, ...]


@dataclass
class YamlDoc:
    """One parsed file: its data, plus its text to find positions in when a problem is reported.

    The node tree is composed again only on the first position lookup: keeping every
    file's nodes alive would cost memory and garbage-collector time for the many files
    that have nothing to report.
    """

    path: str  # as shown to users: relative to the catalogue root, POSIX separators
    data: Any
    text: str = ""
    _node: yaml.Node | None = field(default=None, repr=False, compare=False)
    # Per mapping node, its keys -> (key node, value node): built on the first lookup, so
    # reporting every key of a 20,000-key mapping costs linear time, not quadratic.
    _keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = field(default_factory=dict, repr=False,
                                                                     compare=False)

    @property
    def node(self) -> yaml.Node | None:
        if self._node is None and self.text:
            self._node = yaml.compose(self.text, Loader=yaml.CSafeLoader)
        return self._node

    def _find(self, keypath: KeyPath) -> tuple[yaml.Node | None, yaml.Node | None, bool]:
        """(key node, value node, found all the way) for the deepest part of ``keypath`` in the tree."""
        node, key_node = self.node, None
        for part in keypath:
            if isinstance(node, yaml.MappingNode):
                match = self._mapping_keys(node).get(str(part))
                if match is None:
                    return key_node, node, False
                key_node, node = match
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                key_node, node = None, node.value[part]
            else:
                return key_node, node, False
        return key_node, node, True

    def _mapping_keys(self, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """A mapping's keys as written and as the data holds them (``true:`` is ``True``); the last one wins."""
        index = self._keys.get(id(node))
        if index is None:
            index = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    index[k.value] = (k, v)
                    if k.tag != _STR:
                        index.setdefault(_key_as_data(k), (k, v))
            self._keys[id(node)] = index
        return index

    def loc(self, keypath: KeyPath = (), *, key: bool = False) -> Location:
        """Where ``keypath`` is written (its key with ``key=True``); else the nearest enclosing value."""
        if self.node is None:
            return Location(self.path, 1, 1)
        key_node, node, found = self._find(keypath)
        target = key_node if (key and found and key_node is not None) else node
        if target is None or not keypath:
            return Location(self.path, 1, 1)
        return Location(self.path, target.start_mark.line + 1, target.start_mark.column + 1)

    def raw(self, keypath: KeyPath) -> str | None:
        """The scalar exactly as written in the file (e.g. ``2310.05210`` before it became a float)."""
        _, node, found = self._find(keypath)
        return node.value if found and isinstance(node, yaml.ScalarNode) else None

    def top_level_keys(self) -> dict[str, tuple[int, int]]:
        """Each top-level key's (line, column), 1-based, in file order."""
        if not isinstance(self.node, yaml.MappingNode):
            return {}
        return {k.value: (k.start_mark.line + 1, k.start_mark.column + 1) for k, _ in self.node.value
                if isinstance(k, yaml.ScalarNode)}


def _key_as_data(node: yaml.ScalarNode) -> str:
    """``str()`` of the value a plain key becomes (``true`` -> ``True``, ``null`` -> ``None``)."""
    try:
        return str(SafeConstructor().construct_object(node))
    except (ValueError, TypeError, yaml.YAMLError):
        return node.value


class _Refused(yaml.MarkedYAMLError):
    """Well-formed YAML that records may not contain; carries its diagnostic code."""

    def __init__(self, code: str, message: str, mark: yaml.Mark) -> None:
        super().__init__(problem=message, problem_mark=mark)
        self.code = code


_STR, _SEQ, _MAP = _TAG + "str", _TAG + "seq", _TAG + "map"
_SCALAR = yaml.ScalarNode
# First characters for which PyYAML's implicit resolvers might give a plain scalar a
# tag other than str (bool, int, float, null, timestamp, merge, ...); any other plain
# scalar, like every quoted one, is a string.
_RESOLVABLE = frozenset(key for key in yaml.CSafeLoader.yaml_implicit_resolvers if key)
_RESOLVED_MAX = 50_000  # entries kept in the resolver's memo: short plain values repeat across files


class _Loader(yaml.CSafeLoader):
    """``CSafeLoader`` that builds plain data only and notes duplicate keys.

    libyaml composes the node tree in C but calls back into Python to resolve every
    scalar's tag and to build every value. Both callbacks are replaced with lean ones
    (a record has some 40 nodes, a catalogue hundreds of thousands): tags come from a
    memo and a first-character test, and :meth:`construct_document` walks the tree in
    one recursive function instead of PyYAML's general-purpose machinery. The result
    is the same data ``yaml.load(text, CSafeLoader)`` gives, with non-data tags refused.
    """

    _resolved: ClassVar[dict[str, str]] = {}  # shared by every file loaded in this process

    def __init__(self, text: str, path: str) -> None:
        super().__init__(text)
        self.path = path
        self.duplicates: list[Diagnostic] = []

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:  # type: ignore[override]
        if kind is yaml.ScalarNode:
            if not implicit[0] or (value and value[0] not in _RESOLVABLE):
                return _STR  # quoted, or a plain scalar no implicit resolver applies to
            tag = self._resolved.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(value) <= 32 and len(self._resolved) < _RESOLVED_MAX:
                    self._resolved[value] = tag
            return tag
        return super().resolve(kind, value, implicit)

    # No path resolvers are registered: skip the per-node bookkeeping for them.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def construct_document(self, node: yaml.Node) -> Any:
        """The node tree as plain data, like PyYAML's constructor but in one pass (see :func:`_build`)."""
        return _build(node, self, {}, set())

    def _note_duplicates(self, node: yaml.MappingNode) -> None:
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            key = key_node.value
            if key in seen:
                mark = key_node.start_mark
                self.duplicates.append(Diagnostic.make(
                    Location(self.path, mark.line + 1, mark.column + 1),
                    "LC003",
                    f"duplicate key {key!r} (first at line {seen[key]}); YAML would silently keep only the last "
                    "one, so delete or merge one of them",
                ))
            else:
                seen[key] = key_node.start_mark.line + 1


def _build(node: yaml.Node, loader: _Loader, built: dict[int, Any], active: set[int]) -> Any:
    """``node`` as plain data.

    Collections are built once and shared when an alias repeats them (so an alias bomb
    stays cheap); a collection that contains itself is refused as recursive, as PyYAML
    does; scalars tagged other than str go through the loader's restricted constructor
    table. A plain function, not a closure: a closure that calls itself is a reference
    cycle, and with the garbage collector paused while loading (validate.py) every
    file's data would stay in memory.
    """
    kind, tag = node.__class__, node.tag
    if kind is _SCALAR:
        return node.value if tag == _STR else loader.yaml_constructors.get(tag, _refuse_tag)(loader, node)
    ident = id(node)
    if ident in built:
        return built[ident]
    if ident in active:
        raise ConstructorError(None, None, "found unconstructable recursive node", node.start_mark)
    active.add(ident)
    if kind is yaml.SequenceNode and tag == _SEQ:
        value: Any = [item.value if item.__class__ is _SCALAR and item.tag == _STR
                      else _build(item, loader, built, active) for item in node.value]
    elif kind is yaml.MappingNode and tag == _MAP:
        value = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is _SCALAR and key_node.tag == _STR:
                key = key_node.value
            else:
                key = _build(key_node, loader, built, active)
                if isinstance(key, (list, dict)):  # the only unhashable values plain data has
                    raise ConstructorError("while constructing a mapping", node.start_mark,
                                           "found unhashable key", key_node.start_mark)
            value[key] = (value_node.value if value_node.__class__ is _SCALAR and value_node.tag == _STR
                          else _build(value_node, loader, built, active))
        if len(value) != len(node.value):
            loader._note_duplicates(node)  # only when a key was repeated: files without pay nothing
    else:
        value = loader.yaml_constructors.get(tag, _refuse_tag)(loader, node)
    active.discard(ident)
    built[ident] = value
    return value


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        return SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as err:
        raise _Refused("LC002", f"{node.value} is not a calendar date ({err}); check the month and day",
                       node.start_mark) from None


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        return SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:
        digits = sum(c.isdigit() for c in node.value)
        problem = (f"a number of {digits:,} digits is too long to read" if digits > 4000
                   else f"{node.value[:40]!r} is tagged !!int but is not a whole number")
        raise _Refused("LC002", f"{problem}; quote it if it is text", node.start_mark) from None


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        return SafeConstructor.construct_yaml_float(loader, node)
    except ValueError:
        raise _Refused("LC002", f"{node.value[:40]!r} is tagged !!float but is not a number; quote it if it is "
                       "text", node.start_mark) from None


def _wrong_kind(loader: _Loader, node: yaml.Node) -> Any:
    """``!!map [1, 2]``, ``!!seq {a: 1}``: a collection tagged as the other kind (or a scalar as either)."""
    raise ConstructorError(None, None, f"a {node.id} cannot be tagged {node.tag.replace(_TAG, '!!')}",
                           node.start_mark)


def _refuse_tag(loader: _Loader, node: yaml.Node) -> Any:
    if node.tag == _TAG + "merge":
        raise _Refused("LC004", "YAML merge keys ('<<') are not supported; write the fields out in full",
                       node.start_mark)
    raise _Refused("LC004", f"YAML tag {node.tag.replace(_TAG, '!!')!r} is not allowed; records hold plain "
                   "strings, numbers, dates, lists and mappings only", node.start_mark)


# Plain data types only. Anything else (``!!python/object``, ``!!binary``, ``!!set``,
# custom ``!tags``) is refused, so loading can never run code or surprise a check.
_Loader.yaml_constructors = {
    _TAG + "null": SafeConstructor.construct_yaml_null,
    _TAG + "bool": SafeConstructor.construct_yaml_bool,
    _TAG + "int": _construct_int,
    _TAG + "float": _construct_float,
    _TAG + "str": SafeConstructor.construct_yaml_str,
    _TAG + "timestamp": _construct_timestamp,
    _TAG + "seq": _wrong_kind,  # a sequence or mapping node with its own tag never gets here
    _TAG + "map": _wrong_kind,
    None: _refuse_tag,
}
_Loader.yaml_multi_constructors = {}


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


# Characters no text field may hold: C0 controls but tab and line breaks, DEL, C1
# controls and the non-characters U+FFFE/U+FFFF. Feeds (XML) cannot carry them, and in
# a title or a .bib they are invisible damage. libyaml refuses them written raw; only a
# double-quoted escape ("\x01", "\0", "\N") gets them into a value.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def _control_characters(node: yaml.Node, path: str) -> list[Diagnostic]:
    """A located error for every scalar (key or value) holding a control character."""
    out = []
    stack = [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:  # aliases share nodes
            continue
        seen.add(id(current))
        if isinstance(current, yaml.ScalarNode):
            found = CONTROL_CHARACTERS.search(current.value) if current.style == '"' else None
            if found:
                mark = current.start_mark
                out.append(Diagnostic.make(
                    Location(path, mark.line + 1, mark.column + 1), "LC104",
                    f"the text holds the control character U+{ord(found.group()):04X}, which no field may "
                    "contain (feeds and BibTeX cannot carry it); delete the escape",
                ))
        elif isinstance(current, yaml.MappingNode):
            stack.extend(part for pair in current.value for part in pair)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return out


def parse_yaml(text: str, path: str, *, cycle_code: str = "LC004") -> tuple[YamlDoc | None, list[Diagnostic]]:
    """Parse one YAML document. Returns ``(None, diagnostics)`` when there is nothing usable.

    ``cycle_code`` is the diagnostic for an alias that contains itself (the taxonomy
    reports it as a cycle in the tree).
    """
    loader = _Loader(text, path)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDoc(path, None), []
        data = loader.construct_document(node)
        problems = loader.duplicates
        if "\\" in text and '"' in text:  # only a double-quoted escape can make a control character
            problems = [*problems, *_control_characters(node, path)]
        return YamlDoc(path, data, text), sorted(problems, key=lambda d: d.location)
    except _Refused as err:
        return None, [Diagnostic.make(_mark_location(path, text, err), err.code, str(err.problem))]
    except ConstructorError as err:
        if "recursive" in str(err.problem):
            return None, [Diagnostic.make(_mark_location(path, text, err), cycle_code, "a YAML alias refers to its "
                                          "own ancestor, which would make an endless loop; write the value out "
                                          "instead")]
        if "unhashable" in str(err.problem):
            return None, [Diagnostic.make(_mark_location(path, text, err), "LC103", "a mapping key must be a plain "
                                          "name")]
        return None, [Diagnostic.make(_mark_location(path, text, err), "LC002", f"YAML: {_yaml_problem(err)}")]
    except yaml.YAMLError as err:
        return None, [Diagnostic.make(_mark_location(path, text, err), "LC002", f"YAML syntax: {_yaml_problem(err)}")]
    except (ValueError, TypeError, OverflowError, RecursionError) as err:
        # Constructors can still fail on well-formed text: a structure nested too deeply to build.
        return None, [Diagnostic.make(Location(path), "LC002", f"YAML value cannot be read: {err}")]
    finally:
        loader.dispose()


def read_yaml_file(file: Path | str, display: str, *, cycle_code: str = "LC004",
                   ) -> tuple[YamlDoc | None, list[Diagnostic]]:
    """Read and parse a file; every failure becomes one located diagnostic."""
    try:
        raw = read_regular_file(file)
    except OSError as err:
        return None, [Diagnostic.make(Location(display), "LC001", f"cannot read file: {err.strerror or err}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        before = raw[: err.start].decode("utf-8", "replace")
        loc = _offset_location(display, before, len(before))
        return None, [Diagnostic.make(loc, "LC001", "file is not valid UTF-8; save it with UTF-8 encoding")]
    cache = parsecache.active()
    if cache is None:
        return parse_yaml(text, display, cycle_code=cycle_code)
    key = cache.key(display, cycle_code, raw)
    stored = cache.get(key)
    if stored is not None:  # (whether there is a document, whether it keeps the text, data, problems)
        has_doc, keeps_text, data, diagnostics = stored
        return (YamlDoc(display, data, text if keeps_text else "") if has_doc else None), diagnostics
    doc, diagnostics = parse_yaml(text, display, cycle_code=cycle_code)
    cache.put(key, (doc is not None, bool(doc and doc.text), doc.data if doc else None, diagnostics))
    return doc, diagnostics


def read_regular_file(file: Path | str) -> bytes:
    """The bytes of a regular file; OSError for anything else.

    Opened without blocking and checked before reading: a FIFO would hang the read
    forever, and a link to ``/dev/zero`` would fill memory.
    """
    fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a FIFO, device or socket)", str(file))
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def display_path(file: Path, root: Path) -> str:
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return file.as_posix()


def record_files(root: Path) -> list[Path]:
    """Every record file under ``papers/``, in a stable order (by path below papers/)."""
    return [Path(path) for _, path, problem in _record_entries(root) if problem is None]


def _record_entries(root: Path) -> list[tuple[str, str, str | None]]:
    """(path below papers/, file path, why it is not a record or None) of every record file, sorted.

    Only regular files inside the catalogue are records: a FIFO, a link to a device, a
    link out of the catalogue or a link to a folder (``ln -s . papers/loop``) is named
    with the reason, never read or followed. Plain strings, as pathlib is slow for
    thousands of files.
    """
    base = root / PAPERS_DIR
    found: list[tuple[str, str, str | None]] = []
    real_root = os.path.realpath(root)

    def scan(folder: str, rel: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    scan(entry.path, f"{rel}{entry.name}/")
                    continue
                link = entry.is_symlink()
                regular = entry.is_file()  # follows a link; False for FIFOs, devices, loops, dangling links
                is_folder = link and entry.is_dir()
            except OSError:
                link, regular, is_folder = True, False, False
            if not (entry.name.endswith(RECORD_SUFFIXES) or is_folder):
                continue
            problem = None
            if is_folder:
                problem = "a link to a folder; records are regular files under papers/, and links are not followed"
            elif not regular:
                problem = "not a regular file (a FIFO, device, socket or broken link); records are plain text files"
            elif link and os.path.commonpath([real_root, os.path.realpath(entry.path)]) != real_root:
                problem = "a link to a file outside the catalogue; records must live in the repository"
            found.append((f"{rel}{entry.name}", entry.path, problem))

    if base.is_dir():
        scan(str(base), "")
    return sorted(found)


def iter_record_docs(root: Path) -> Iterator[tuple[Path, YamlDoc | None, list[Diagnostic]]]:
    for rel, path, problem in _record_entries(root):
        display = f"{PAPERS_DIR}/{rel}"
        if problem is not None:
            yield Path(path), None, [Diagnostic.make(Location(display), "LC001", f"{display} is {problem}")]
            continue
        doc, diags = read_yaml_file(path, display)
        yield Path(path), doc, diags


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
