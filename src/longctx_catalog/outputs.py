"""Bring the files on disk in line with what was rendered, or say how far they are from it.

:func:`plan` compares the rendered pages and README regions with the files under
the catalogue root and lists the changes; it refuses (with located errors) to
overwrite a file that `render` does not own. Nothing is touched until
:func:`apply`, which changes all the files or none. Only files carrying the
owner line (see :data:`longctx_catalog.render.OWNER_MARK`) are ever rewritten or
deleted: hand-written pages in ``docs/`` are safe.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic, Location
from .load import read_regular_file
from .pages import DOCS_DIR
from .regions import splice
from .render import Rendered, is_owned
from .transaction import Transaction

README = "README.md"


@dataclass
class Change:
    path: str  # relative to the catalogue root
    action: str  # "create", "update" or "remove"
    old: str | None
    new: str | None

    def summary(self) -> str:
        """``docs/x.md: out of date (+3 -1 lines)`` and the like."""
        if self.action == "create":
            return f"{self.path}: missing (would be created, {_count_lines(self.new)} lines)"
        if self.action == "remove":
            return f"{self.path}: stale generated page (would be removed)"
        added = removed = 0
        for line in difflib.unified_diff((self.old or "").splitlines(), (self.new or "").splitlines(), n=0,
                                         lineterm=""):
            if line.startswith("+") and not line.startswith("+++"):
                added += 1
            elif line.startswith("-") and not line.startswith("---"):
                removed += 1
        return f"{self.path}: out of date (+{added} -{removed} lines)"

    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            (self.old or "").splitlines(keepends=True), (self.new or "").splitlines(keepends=True),
            fromfile=f"a/{self.path}", tofile=f"b/{self.path}",
        ))


def _count_lines(text: str | None) -> int:
    return (text or "").count("\n")


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0


def _read(path: Path) -> str | None:
    try:
        return read_regular_file(path).decode("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return ""  # unreadable or not UTF-8: certainly not what we would write, and not ours


def plan(root: Path, rendered: Rendered) -> tuple[Plan, list[Diagnostic]]:
    """The changes that would make the files match ``rendered``, or the reasons we must not make them."""
    result = Plan()
    diags: list[Diagnostic] = []
    for rel in sorted(rendered.pages):
        new = rendered.pages[rel]
        target = root / rel
        if target.is_dir():
            diags.append(Diagnostic.make(Location(rel), "LC702", f"{rel} is a folder; render needs to write a "
                                         "page there: move the folder"))
            continue
        old = _read(target)
        if old is None:
            result.changes.append(Change(rel, "create", None, new))
        elif old == new:
            result.unchanged += 1
        elif not is_owned(old):
            diags.append(Diagnostic.make(
                Location(rel), "LC702",
                f"{rel} was not written by `longctx render` (it has no generated-file line), so it is not "
                "overwritten; move it elsewhere or delete it, then render again",
            ))
        else:
            result.changes.append(Change(rel, "update", old, new))

    readme = root / README
    if readme.is_file():
        old = _read(readme)
        if old == "" and readme.stat().st_size:
            diags.append(Diagnostic.make(Location(README), "LC001", "README.md is not readable UTF-8 text"))
        elif old is not None:
            new, problems = splice(old, README, rendered.regions)
            diags.extend(problems)
            if not problems:
                if new == old:
                    result.unchanged += 1
                else:
                    result.changes.append(Change(README, "update", old, new))

    docs = root / DOCS_DIR
    if docs.is_dir():
        for file in sorted(docs.rglob("*.md")):
            rel = file.relative_to(root).as_posix()
            if rel in rendered.pages or not file.is_file():
                continue
            text = _read(file)
            if text and is_owned(text):
                result.changes.append(Change(rel, "remove", text, None))
    return result, diags


def prepare(root: Path, result: Plan) -> Transaction:
    """The plan's new contents in temporary files, ready to commit together (OSError: nothing changed)."""
    return Transaction.prepare(root, {
        root / change.path: None if change.action == "remove" else (change.new or "").encode("utf-8")
        for change in result.changes
    })


def finish(root: Path, result: Plan) -> list[Change]:
    """After the commit: remove folders emptied by removed pages; return the changes made."""
    for change in result.changes:
        if change.action == "remove":
            _prune_empty_dirs((root / change.path).parent, root / DOCS_DIR)
    return list(result.changes)


def apply(root: Path, result: Plan) -> list[Change]:
    """Carry out the plan, all of it or none of it (see :mod:`longctx_catalog.transaction`).

    Returns the changes made; unchanged files are not in the plan and keep their mtime.
    """
    prepare(root, result).commit()
    return finish(root, result)


def _prune_empty_dirs(folder: Path, stop: Path) -> None:
    """Remove folders emptied by removing stale pages, up to (not including) ``stop``."""
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
