"""What a pull request changes in the catalogue, as markdown for the job summary of the PR workflow.

The records added, changed and removed are found with git (the pull request's files
against its base branch, plus files not yet committed, so it also works locally); each
title links to the record's page in the preview of the site built for the pull request.
The problems `longctx validate` reports in those files follow, errors and warnings.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .diagnostics import Diagnostic
from .load import PAPERS_DIR, RECORD_SUFFIXES
from .markdown import code_fence, escape_prose, md_url
from .model import Catalog

PAGE = "papers/{id}/"  # a record's page in the built site (as explore.DEFAULT_PAGE_PATTERN)


class GitError(RuntimeError):
    """git could not answer (not a repository, unknown base ref); the message says which."""


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)  # record paths, relative to the catalogue root
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _git(root: Path, *args: str) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=60)
    except OSError as err:
        raise GitError(f"cannot run git: {err}") from None
    if result.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {result.stderr.strip() or 'failed'}")
    return result.stdout


def _is_record(path: str) -> bool:
    return path.startswith(f"{PAPERS_DIR}/") and path.endswith(RECORD_SUFFIXES)


def record_changes(root: Path, base: str) -> Changes:
    """Record files added, changed and removed in the working tree compared with the commit ``base``."""
    _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    changes = Changes()
    lines = _git(root, "diff", "--name-status", "--no-renames", "--relative", base, "--", PAPERS_DIR).splitlines()
    for line in lines:
        status, _, path = line.partition("\t")
        if not _is_record(path):
            continue
        {"A": changes.added, "D": changes.removed}.get(status[:1], changes.changed).append(path)
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "--", PAPERS_DIR).splitlines()
    changes.added.extend(p for p in untracked if _is_record(p))
    for paths in (changes.added, changes.changed, changes.removed):
        paths.sort()
    return changes


def old_title(root: Path, base: str, path: str) -> str:
    """The title a removed record had at ``base`` (its id when it had none or cannot be read)."""
    stem = Path(path).stem
    try:
        data = yaml.safe_load(_git(root, "show", f"{base}:./{path}"))
    except (GitError, yaml.YAMLError):
        return stem
    title = data.get("title") if isinstance(data, dict) else None
    return str(title) if title else stem


def summary(catalog: Catalog, diagnostics: list[Diagnostic], changes: Changes, old_title: Callable[[str], str],
            link: Callable[[str], str | None], preface: str = "") -> str:
    """The job summary: the records added, changed and removed, linked, then their problems.

    ``link(record id)`` is the URL of a record's preview page, or None when there is no preview;
    ``preface`` is a paragraph put first (e.g. where the preview is).
    """
    by_path = {record.path: record for record in catalog.records}
    out = ["## Catalogue changes", ""]
    if preface:
        out += [preface, ""]

    def item(path: str, removed: bool = False) -> str:
        record = None if removed else by_path.get(path)
        title = escape_prose(old_title(path) if record is None else record.display_title)
        url = None if record is None else link(record.id)
        shown = f"[{title}]({md_url(url)})" if url else title
        return f"- {shown} — `{path}`"

    total = len(changes.added) + len(changes.changed) + len(changes.removed)
    if not total:
        out += ["No record was added, changed or removed.", ""]
    for heading, paths in (("Added", changes.added), ("Changed", changes.changed), ("Removed", changes.removed)):
        if paths:
            out += [f"### {heading} ({len(paths)})", ""]
            out += [item(path, removed=heading == "Removed") for path in paths]
            out.append("")
    touched = set(changes.added) | set(changes.changed)
    mine = [d for d in diagnostics if d.location.path in touched]
    others = len(diagnostics) - len(mine)
    errors = sum(d.is_error for d in mine)
    out += [f"### Problems in these records: {errors} errors, {len(mine) - errors} warnings", ""]
    if mine:  # as the CLI prints them, in a code block: a message may hold any character
        out += [code_fence("".join(f"{d}\n" for d in mine), "text").rstrip("\n"), ""]
    if others:
        out += [f"{others} more in files this pull request does not touch (see the check's log).", ""]
    if not mine and not others:
        out += ["None.", ""]
    return "\n".join(out)
