"""One work, one record: find records that describe the same work, and say so at the new one.

A duplicate is reported at the record that arrived *later* — the file not yet committed
(absent from git's ``HEAD``), else the one with the later ``added`` date, else the one
read later — because that is the file a contributor should fix or delete; the message
names the record that was there first. Besides equal ids, arXiv ids and titles, it
catches the near misses people make: an arXiv id given only as a ``links.paper`` or
``links.pdf`` URL, the same DOI (a ``doi.org`` link or the DOI arXiv reports), a title
that differs only in case, punctuation or plurals (errors), and a very similar title
(a warning: two different works may have close titles).
"""

from __future__ import annotations

import difflib
import re
import subprocess
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .diagnostics import Diagnostic
from .load import PAPERS_DIR, KeyPath, YamlDoc
from .model import Record, normalise_title, strip_arxiv_version
from .schema.specs import parse_arxiv_id

SIMILAR_TITLE = 0.9  # difflib ratio of two title keys above which a warning is given
_ARXIV_HOSTS = ("arxiv.org", "www.arxiv.org", "export.arxiv.org")
_DOI_HOSTS = ("doi.org", "dx.doi.org", "www.doi.org")
_ARXIV_PATH = re.compile(r"/(?:abs|pdf|html)/(.+?)(?:\.pdf)?/?\Z")


@dataclass
class Entry:
    """A checked record together with the parsed file its positions come from."""

    record: Record
    doc: YamlDoc


def title_key(title: str) -> str:
    """The title compared for duplicates: :func:`normalise_title`, plus plural words made singular."""
    return " ".join(_singular(word) for word in normalise_title(title).split())


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def arxiv_in_links(record: Record) -> tuple[str, str] | None:
    """(links key, arXiv id) when a paper or survey without ``arxiv`` links an arXiv abs/pdf page."""
    if record.arxiv or record.kind not in ("paper", "survey"):
        return None
    for key in ("paper", "pdf"):
        url = record.links.get(key)
        parts = urlsplit(url) if url else None
        if parts is None or (parts.hostname or "").lower() not in _ARXIV_HOSTS:
            continue
        match = _ARXIV_PATH.match(parts.path)
        if match and parse_arxiv_id(match[1]):
            return key, strip_arxiv_version(match[1])
    return None


def dois(record: Record) -> list[tuple[KeyPath, str]]:
    """Every DOI the record states, lowercased, with where it is written: doi.org links, and arXiv's DOI."""
    found: list[tuple[KeyPath, str]] = []
    for key, url in record.links.items():
        parts = urlsplit(url)
        if (parts.hostname or "").lower() in _DOI_HOSTS and parts.path.startswith("/10."):
            found.append((("links", key), unquote(parts.path[1:]).rstrip("/").lower()))
    if record.arxiv_meta is not None and record.arxiv_meta.doi:
        found.append((("arxiv",), record.arxiv_meta.doi.strip().lower()))
    return list({doi: (where, doi) for where, doi in reversed(found)}.values())[::-1]


class _Arrival:
    """Orders records by when they joined the catalogue, asking git only once a duplicate is found."""

    def __init__(self, root: Path | None, entries: Sequence[Entry]) -> None:
        self.root = root
        self.index = {id(entry): i for i, entry in enumerate(entries)}

    @cached_property
    def committed(self) -> frozenset[str] | None:
        """Record paths in git's HEAD, or None when the catalogue is not in a git repository."""
        if self.root is None:
            return None
        try:
            result = subprocess.run(["git", "ls-tree", "-r", "--name-only", "HEAD", "--", PAPERS_DIR],
                                    cwd=self.root, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        if result.returncode != 0:
            return None
        return frozenset(result.stdout.splitlines())

    def key(self, entry: Entry) -> tuple[int, str, int]:
        committed = self.committed
        new = 0 if committed is None or entry.record.path in committed else 1
        return new, entry.record.added or "", self.index[id(entry)]


def find_duplicates(entries: Sequence[Entry], root: Path | None = None) -> list[Diagnostic]:
    """Every duplicate and near-duplicate among ``entries``, each reported at the later-arrived record."""
    arrival = _Arrival(root, entries)
    diags: list[Diagnostic] = []

    def report(code: str, keyed: Iterable[tuple[str, Entry, KeyPath, str]]) -> None:
        """``keyed``: (key, entry, where the key is written, what it is). Later arrivals point at the first."""
        groups: dict[str, list[tuple[Entry, KeyPath, str]]] = defaultdict(list)
        for key, entry, where, what in keyed:
            if key and not any(e is entry for e, _, _ in groups[key]):
                groups[key].append((entry, where, what))
        for group in groups.values():
            if len(group) < 2:
                continue
            group.sort(key=lambda item: arrival.key(item[0]))
            first = group[0][0].record
            for entry, where, what in group[1:]:
                diags.append(Diagnostic.make(entry.doc.loc(where), code, _message(code, what, first)))

    report("LC211", ((e.record.id, e, ("id",), "this id") for e in entries))
    report("LC212", _arxiv_keys(entries))
    report("LC214", ((doi, e, where, f"the DOI {doi}") for e in entries for where, doi in dois(e.record)))
    keys = {id(e): title_key(e.record.title) for e in entries if e.record.title}
    report("LC213", ((keys[id(e)], e, ("title",), "this title (ignoring case, punctuation and plurals)")
                     for e in entries if id(e) in keys))
    diags.extend(_similar_titles([e for e in entries if id(e) in keys], keys, arrival.key))
    diags.sort(key=lambda d: (d.location.path, d.location.line, d.location.column))
    return diags


def _arxiv_keys(entries: Sequence[Entry]) -> Iterable[tuple[str, Entry, KeyPath, str]]:
    for entry in entries:
        if entry.record.arxiv_base:
            yield entry.record.arxiv_base, entry, ("arxiv",), "this arXiv id"
        elif (linked := arxiv_in_links(entry.record)) is not None:
            key, arxiv_id = linked
            yield arxiv_id, entry, ("links", key), f"the arXiv paper this link names ({arxiv_id})"


def _message(code: str, what: str, first: Record) -> str:
    fix = ("add your tags, links or TL;DR to that record and delete this file" if code != "LC211"
           else "one work needs one record — merge the two files, or rename this one")
    return f"{what} is also used by {first.path} (id {first.id!r}), which was there first; {fix}"


# Digits, and the Roman numerals that mark a sequel ("Speed Always Wins II"); a lone i, v or x is
# more often a word or a letter than a number, so those are left out.
_NUMBERS = re.compile(r"\d+|\b(?:ii|iii|iv|vi|vii|viii|ix)\b", re.IGNORECASE)


def _similar_titles(entries: list[Entry], keys: dict[int, str], order: Callable[[Entry], tuple[int, str, int]],
                    ) -> list[Diagnostic]:
    """Warn about pairs of titles that are nearly, not exactly, the same.

    Comparing every pair would be quadratic. Two titles that differ in one word (a
    typo, a spelling, an added or dropped word) become equal once that word is left
    out, so each title is filed under itself and under itself with each one of its
    words left out, and only titles filed under a common entry are compared. (Leaving
    out two words would catch two differences too, but costs ~8x more at 5,000 records.) Only paper and survey
    titles of four words or more are compared, and only when they hold the same
    numbers: models and toolkits are named by short names that differ in one letter or
    a size ("CodeLlama-13B", "CodeLlama-34B"), and those are different records.
    """
    entries = [e for e in entries if e.record.kind in ("paper", "survey") and len(keys[id(e)].split()) >= 4]
    filed: dict[tuple[str, ...], list[Entry]] = defaultdict(list)
    for entry in entries:
        for variant in _variants(keys[id(entry)].split()):
            filed[variant].append(entry)
    numbers = {id(e): _NUMBERS.findall(keys[id(e)]) for e in entries}
    diags: list[Diagnostic] = []
    seen: set[tuple[int, int]] = set()
    for group in filed.values():
        for i, entry in enumerate(group):
            for other in group[i + 1:]:
                pair = (min(id(entry), id(other)), max(id(entry), id(other)))
                if other is entry or pair in seen:
                    continue
                seen.add(pair)
                key, other_key = keys[id(entry)], keys[id(other)]
                if key == other_key or numbers[id(entry)] != numbers[id(other)]:
                    continue
                if difflib.SequenceMatcher(None, key, other_key, autojunk=False).ratio() < SIMILAR_TITLE:
                    continue
                later, first = sorted((entry, other), key=order, reverse=True)
                diags.append(Diagnostic.make(
                    later.doc.loc(("title",)), "LC215",
                    f"this title is very like the title of {first.record.path} (id {first.record.id!r}): "
                    f"{first.record.title!r}; if both are the same work, keep one record; if they differ, "
                    "nothing to do"))
    return diags


def _variants(words: list[str]) -> set[tuple[str, ...]]:
    """``words``, and ``words`` with each one of them left out."""
    out = {tuple(words)}
    out.update(tuple(words[:i] + words[i + 1:]) for i in range(len(words)))
    return out
