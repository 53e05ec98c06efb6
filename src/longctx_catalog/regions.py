"""Generated regions inside a hand-written file (the README).

A region is everything between two marker lines::

    <!-- longctx:begin toc -->
    ...generated...
    <!-- longctx:end toc -->

Only the lines between the markers are replaced; every byte outside them (the
markers included, and the file's line endings) stays as it was. Anything odd —
a region opened and never closed, closed twice, nested, unknown or missing — is a
located error and nothing is rewritten, because guessing where a region ends
could swallow the prose around it. Marker-like lines inside fenced code blocks
are examples, not markers, and are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .diagnostics import Diagnostic, Location

_MARKER = re.compile(r"[ \t]*<!--[ \t]*longctx:(?P<what>begin|end)[ \t]+(?P<name>[A-Za-z0-9_.-]+)[ \t]*-->[ \t]*")
_MARKER_LIKE = re.compile(r"[ \t]*<!--.*longctx:")
_FENCE = re.compile(r" {0,3}(?P<fence>`{3,}|~{3,})")


@dataclass
class Region:
    name: str
    begin: int  # index of the begin marker line
    end: int  # index of the end marker line


def _marker_help(name: str) -> str:
    return f"`<!-- longctx:begin {name} -->` and `<!-- longctx:end {name} -->`"


def find_regions(lines: list[str], path: str) -> tuple[list[Region], list[Diagnostic]]:
    """Locate the marker pairs in ``lines`` (with their line endings)."""
    regions: list[Region] = []
    diags: list[Diagnostic] = []
    open_region: Region | None = None
    seen: dict[str, int] = {}
    fence: str | None = None

    def error(index: int, column: int, message: str) -> None:
        diags.append(Diagnostic.make(Location(path, index + 1, column), "LC701", message))

    for index, raw in enumerate(lines):
        line = raw.rstrip("\r\n")
        fence_match = _FENCE.match(line)
        if fence_match:
            mark = fence_match.group("fence")
            if fence is None:
                fence = mark
                continue
            if mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip().strip(mark[0]):
                fence = None
                continue
        if fence is not None:
            continue
        match = _MARKER.fullmatch(line)
        column = line.find("<!--") + 1
        if not match:
            if _MARKER_LIKE.match(line):
                error(index, column, "malformed region marker; write it on its own line as "
                      "`<!-- longctx:begin NAME -->` or `<!-- longctx:end NAME -->`")
            continue
        name = match.group("name")
        if match.group("what") == "begin":
            if open_region is not None:
                error(index, column, f"region {name!r} begins inside region {open_region.name!r} (opened at line "
                      f"{open_region.begin + 1}); close that one first with `<!-- longctx:end "
                      f"{open_region.name} -->`")
                continue
            if name in seen:
                error(index, column, f"region {name!r} appears twice (first at line {seen[name] + 1}); "
                      "keep one")
            seen.setdefault(name, index)
            open_region = Region(name, index, -1)
        else:
            if open_region is None:
                error(index, column, f"`<!-- longctx:end {name} -->` has no matching begin marker above it")
            elif open_region.name != name:
                error(index, column, f"region {open_region.name!r} (opened at line {open_region.begin + 1}) is "
                      f"closed by an end marker for {name!r}")
                open_region = None
            else:
                open_region.end = index
                regions.append(open_region)
                open_region = None
    if open_region is not None:
        error(open_region.begin, lines[open_region.begin].find("<!--") + 1,
              f"region {open_region.name!r} is never closed; add `<!-- longctx:end {open_region.name} -->` "
              "on its own line where it should end")
    return regions, diags


def splice(text: str, path: str, contents: dict[str, str]) -> tuple[str, list[Diagnostic]]:
    """``text`` with each region's lines replaced by ``contents[name]``; unchanged text on any error.

    Every name in ``contents`` must have exactly one region and every region must be
    one of those names.
    """
    lines = text.splitlines(keepends=True)
    regions, diags = find_regions(lines, path)
    known = set(contents)
    found = {r.name for r in regions}
    for region in regions:
        if region.name not in known:
            diags.append(Diagnostic.make(
                Location(path, region.begin + 1, lines[region.begin].find("<!--") + 1), "LC701",
                f"unknown region {region.name!r}; the templates define: {', '.join(sorted(known)) or 'none'}",
            ))
    if not diags:
        for name in sorted(known - found):
            diags.append(Diagnostic.make(
                Location(path, 1, 1), "LC701",
                f"region {name!r} is missing; add the lines {_marker_help(name)} where it should go",
            ))
    if diags:
        return text, diags
    out: list[str] = []
    cursor = 0
    for region in sorted(regions, key=lambda r: r.begin):
        begin_line = lines[region.begin]
        newline = "\r\n" if begin_line.endswith("\r\n") else "\n"
        out.extend(lines[cursor: region.begin + 1])
        if not begin_line.endswith(("\n", "\r")):
            out.append(newline)  # cannot happen for a closed region, but never glue lines together
        body = contents[region.name].strip("\n")
        block = f"\n{body}\n\n" if body else "\n"
        out.append(block.replace("\n", newline))
        cursor = region.end
    out.extend(lines[cursor:])
    return "".join(out), []
