"""The ``enrich`` procedure: decide what to ask arXiv, write what came back, name what did not.

Kept apart from the command (argument parsing, printing) and from the fetcher (HTTP),
so its rules read in one place:

- without ``refresh`` only records with no usable cache file are asked about, so a
  second run right after the first sends no request and writes nothing;
- results are written batch by batch, each file atomically, events before the cache
  files they describe: an interrupted run leaves complete files only, and the next
  run asks for exactly what is still missing (an event seen twice is logged once);
- every id that failed becomes a located diagnostic on its record's ``arxiv`` line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Diagnostic, Location
from ..load import read_yaml_file
from ..model import Catalog, Record
from ..write import atomic_write_text
from .cache import cache_file, dump_meta
from .events import ArxivEvent, append_events, changes
from .source import Failure, Source

FAILURE_CODES = {"unknown": "LC511", "rejected": "LC512", "fetch": "LC513"}


@dataclass
class Outcome:
    asked: int = 0
    fetched: int = 0
    written: list[str] = field(default_factory=list)  # files whose content changed
    events: list[ArxivEvent] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def to_fetch(catalog: Catalog, refresh: bool) -> dict[str, Record]:
    """arXiv id -> record for every record to ask about: all with ``refresh``, else the uncached."""
    wanted: dict[str, Record] = {}
    for record in sorted(catalog.records, key=lambda r: r.path):
        base = record.arxiv_base
        if base and (refresh or record.arxiv_meta is None):
            wanted.setdefault(base, record)
    return wanted


def enrich(root: Path, catalog: Catalog, source: Source, *, refresh: bool, today: str,
           existing_events: list[ArxivEvent], progress: Callable[[int], None] | None = None) -> Outcome:
    """Fetch and write; ``catalog`` must come from ``load_catalog`` (it carries the old cache)."""
    wanted = to_fetch(catalog, refresh)
    outcome = Outcome(asked=len(wanted))
    logged = list(existing_events)
    seen = {event.key for event in logged}
    for batch in source.fetch(wanted):
        new_events: list[ArxivEvent] = []
        for arxiv_id, meta in sorted(batch.found.items()):
            record = wanted[arxiv_id]
            for event in changes(record.arxiv_meta, meta, record.id, today):
                if event.key not in seen:  # already logged by a run that stopped before its cache write
                    seen.add(event.key)
                    new_events.append(event)
        if new_events and append_events(root, logged, new_events):
            outcome.written.append("data/arxiv/events.yaml")
        logged.extend(new_events)
        outcome.events.extend(new_events)
        for arxiv_id, meta in sorted(batch.found.items()):
            file = cache_file(root, arxiv_id)
            if atomic_write_text(file, dump_meta(meta)):
                outcome.written.append(file.relative_to(root).as_posix())
        outcome.fetched += len(batch.found)
        for failure in batch.failures:
            outcome.diagnostics.append(_locate(root, wanted[failure.arxiv_id], failure))
        if progress is not None:
            progress(len(batch.asked))
    return outcome


def _locate(root: Path, record: Record, failure: Failure) -> Diagnostic:
    """A diagnostic at the record's ``arxiv`` value, so an editor can jump to it."""
    doc, _ = read_yaml_file(root / record.path, record.path)
    location = doc.loc(("arxiv",)) if doc is not None else Location(record.path)
    advice = {
        "unknown": "check the id on arxiv.org",
        "rejected": "fix the id",
        "fetch": "run `longctx enrich` again later to fetch what is missing",
    }[failure.kind]
    return Diagnostic.make(location, FAILURE_CODES[failure.kind],
                           f"arXiv {failure.arxiv_id}: {failure.reason}; {advice}")
