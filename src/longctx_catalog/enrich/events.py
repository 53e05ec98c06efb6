"""The refresh log, ``data/arxiv/events.yaml``: what changed on arXiv, and when we noticed.

``longctx enrich --refresh`` compares what arXiv says now with the cached metadata
and appends one event per change worth announcing: a new version, a journal
reference or a DOI that appeared (the preprint was published). The site's Atom feed
and the README's "latest news" read the log with :func:`load_events`.

The file is a YAML list, oldest first, each item::

    - date: 2026-11-22        # the day the refresh noticed the change (LONGCTX_TODAY pins it)
      record: yarn            # the record id
      arxiv: '2309.00071'     # the arXiv id, without version
      kind: new-version       # one of EVENT_KINDS
      old: v2                 # the value before (left out when there was none)
      new: v3                 # the value after

It is rewritten whole (sorted, deduplicated, atomically), so the same events give
the same bytes, and an event already logged is never logged twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic
from ..load import read_yaml_file
from ..model import ArxivMeta
from ..schema.context import INVALID, Ctx
from ..schema.specs import ArxivId, Choice, Date, Slug, Str
from ..schema.structures import ListOf, Obj
from ..write import atomic_write_text
from .cache import CACHE_DIR, dump_data

EVENTS_FILE = f"{CACHE_DIR}/events.yaml"

EVENT_KINDS: dict[str, str] = {
    "new-version": "arXiv has a new version of the paper (old and new are v1, v2, ...)",
    "journal-ref": "a journal reference appeared or changed: the preprint was published",
    "doi": "a DOI appeared or changed: the preprint was published",
}

HEADER = (
    "# What `longctx enrich --refresh` noticed on arXiv, oldest first; read by the site's feed and news.\n"
    "# Generated: delete a wrong event if you must, but do not add any by hand.\n"
)

_text = Str(single_line=True)
EVENT_SPEC = ListOf(
    Obj(
        {
            "date": (Date(full=True), True),
            "record": (Slug(), True),
            "arxiv": (ArxivId(), True),
            "kind": (Choice(tuple(EVENT_KINDS)), True),
            "old": (_text, False),
            "new": (_text, False),
        },
        "an event {date, record, arxiv, kind, old, new}",
    ),
    unique=False,
)


@dataclass(frozen=True)
class ArxivEvent:
    date: str  # YYYY-MM-DD
    record: str
    arxiv: str
    kind: str
    old: str | None = None
    new: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """What makes two events the same change, whatever day they were noticed."""
        return (self.record, self.arxiv, self.kind, self.old or "", self.new or "")

    def sort_key(self) -> tuple[str, ...]:
        return (self.date, *self.key)


def load_events(root: Path) -> tuple[list[ArxivEvent], list[Diagnostic]]:
    """Every logged event, oldest first; a damaged file gives located LC502 diagnostics."""
    file = root / EVENTS_FILE
    if not file.exists():
        return [], []
    doc, diags = read_yaml_file(file, EVENTS_FILE)
    diags = [Diagnostic.make(d.location, "LC502", d.message) for d in diags]
    if doc is None:
        return [], diags
    if doc.data is None:  # an empty file is an empty log
        return [], diags
    ctx = Ctx(doc, dt.date.max)
    value = EVENT_SPEC.check(doc.data, (), ctx)
    diags += [Diagnostic.make(d.location, "LC502", d.message) for d in ctx.diagnostics]
    if value is INVALID:
        return [], diags
    events = [ArxivEvent(e["date"], e["record"], e["arxiv"], e["kind"], e.get("old"), e.get("new")) for e in value]
    return sorted(events, key=ArxivEvent.sort_key), diags


def changes(old: ArxivMeta | None, new: ArxivMeta, record_id: str, date: str) -> list[ArxivEvent]:
    """The events between two fetches of one paper; none for a first fetch."""
    if old is None:
        return []
    events = []
    if new.version > old.version:
        events.append(ArxivEvent(date, record_id, new.id, "new-version", f"v{old.version}", f"v{new.version}"))
    if new.journal_ref and new.journal_ref != old.journal_ref:
        events.append(ArxivEvent(date, record_id, new.id, "journal-ref", old.journal_ref, new.journal_ref))
    if new.doi and new.doi != old.doi:
        events.append(ArxivEvent(date, record_id, new.id, "doi", old.doi, new.doi))
    return events


def _event_data(event: ArxivEvent) -> dict[str, Any]:
    data: dict[str, Any] = {
        "date": dt.date.fromisoformat(event.date),
        "record": event.record,
        "arxiv": event.arxiv,
        "kind": event.kind,
        "old": event.old,
        "new": event.new,
    }
    return {k: v for k, v in data.items() if v is not None}


def dump_events(events: Iterable[ArxivEvent]) -> str:
    unique: dict[tuple[str, ...], ArxivEvent] = {}
    for event in sorted(events, key=ArxivEvent.sort_key):
        unique.setdefault(event.key, event)  # the earliest sighting wins
    return HEADER + dump_data([_event_data(e) for e in unique.values()])


def append_events(root: Path, existing: list[ArxivEvent], new: list[ArxivEvent]) -> bool:
    """Rewrite the log with ``new`` added; returns whether the file changed."""
    if not new:
        return False
    return atomic_write_text(root / EVENTS_FILE, dump_events([*existing, *new]))
