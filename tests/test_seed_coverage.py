"""Every entry of the seed corpus resolves to a record of the shipped catalogue.

The seed corpus (``../shared/seed-corpus/`` next to the repository) holds the facts
extracted from the three paper lists the catalogue was first imported from. This test
checks the import is complete: each paper row is found by its arXiv id, its BibTeX key
or its title, and each dataset, baseline model and toolkit by a record of that kind with
that name as its title. It is skipped where the seed corpus is not checked out, unless
``LONGCTX_SHARED`` names the folder (``.ci/run`` sets it when ``../shared`` is there): then
a missing corpus fails instead of skipping. The rules that need no corpus are in
test_shipped_catalogue.py and run everywhere.
"""

from __future__ import annotations

import csv
import os
import re
from functools import cache
from pathlib import Path

import pytest

from longctx_catalog.model import Catalog, normalise_title, strip_arxiv_version
from longctx_catalog.validate import load_catalog

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LONGCTX_SHARED") or REPO.parent / "shared")
SEED = SHARED / "seed-corpus"
SEEDS = SHARED / "seeds"
# Where CI says the shared folder is, a missing corpus is a broken checkout, not a reason to skip.
REQUIRED = bool(os.environ.get("LONGCTX_SHARED"))

pytestmark = [pytest.mark.skipif(not REQUIRED and not SEED.is_dir(), reason=f"seed corpus not found at {SEED}"),
              pytest.mark.real_clock]

# corpus.tsv entry_kind -> (record kind, the table that lists the entries, its name column)
NAMED_KINDS = {
    "dataset": ("dataset", "datasets.tsv", "name"),
    "baseline_model": ("model", "baselines.tsv", "model"),
    "toolkit": ("toolkit", "toolkits.tsv", "name"),
}

BIBTEX_KEY = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s]+)\s*,")


def read_tsv(name: str) -> list[dict[str, str]]:
    with (SEED / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


@cache
def shipped() -> tuple[Catalog, tuple[str, ...]]:
    catalog, diagnostics = load_catalog(REPO)
    return catalog, tuple(str(d) for d in diagnostics)


def missing_message(what: str, missing: list[str]) -> str:
    return f"{len(missing)} {what} resolve to no record:\n" + "\n".join(f"  - {m}" for m in missing)


def test_seed_papers_resolve() -> None:
    catalog, _ = shipped()
    arxiv_ids = {r.arxiv_base for r in catalog.records if r.arxiv}
    bibtex_keys = {m.group(1) for r in catalog.records if r.bibtex for m in BIBTEX_KEY.finditer(r.bibtex)}
    titles = {normalise_title(r.title) for r in catalog.records if r.title}
    # a seed row whose title Scholar mangled ("gist token") is still found by its landing page
    urls = {url for r in catalog.records for url in (*r.links.values(), *(c.url for c in r.code))}

    missing = []
    for row in read_tsv("corpus.tsv"):
        if row["entry_kind"] != "paper":
            continue
        arxiv = strip_arxiv_version(row["arxiv_id"].strip())
        key = row["bibtex_key"].strip()
        if (arxiv and arxiv in arxiv_ids) or (key and key in bibtex_keys):
            continue
        if normalise_title(row["title"]) in titles or row["primary_url"].strip() in urls:
            continue
        missing.append(
            f"{row['title']!r} (arxiv {arxiv or '-'}, bibtex key {key or '-'}; {row['section_path']})"
        )
    assert not missing, missing_message("seed paper rows", missing)


def test_seed_datasets_models_and_toolkits_resolve() -> None:
    catalog, _ = shipped()
    by_kind: dict[str, set[str]] = {}
    for record in catalog.records:
        if record.title:
            by_kind.setdefault(record.kind, set()).add(normalise_title(record.title))

    wanted: dict[tuple[str, str], str] = {}  # (kind, normalised name) -> where it is listed
    for kind, table, column in NAMED_KINDS.values():
        for row in read_tsv(table):
            wanted.setdefault((kind, normalise_title(row[column])), f"{row[column]!r} ({table})")
    for row in read_tsv("corpus.tsv"):
        if row["entry_kind"] in NAMED_KINDS:
            kind = NAMED_KINDS[row["entry_kind"]][0]
            wanted.setdefault((kind, normalise_title(row["title"])), f"{row['title']!r} (corpus.tsv)")

    missing = [
        f"{kind} {where}"
        for (kind, name), where in sorted(wanted.items())
        if name not in by_kind.get(kind, set())
    ]
    assert not missing, missing_message("seed datasets, models and toolkits", missing)


WORD = re.compile(r"[a-z0-9]+")
# Six words in a row shared with a seed list is where lightly rephrased prose starts to
# show; shorter runs are the ordinary phrases of the field ("the length of the context").
COPIED_RUN = 6


@pytest.mark.skipif(not REQUIRED and not SEEDS.is_dir(), reason=f"seed lists not found at {SEEDS}")
def test_tldrs_are_our_own_words() -> None:
    assert sorted(SEEDS.glob("*.txt")), f"no seed lists in {SEEDS}"
    words = WORD.findall(" ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))).lower())
    seed_runs = {tuple(words[i:i + COPIED_RUN]) for i in range(len(words) - COPIED_RUN + 1)}
    catalog, _ = shipped()
    copied = []
    for record in catalog.records:
        tldr = WORD.findall((record.tldr or "").lower())
        runs = (tuple(tldr[i:i + COPIED_RUN]) for i in range(len(tldr) - COPIED_RUN + 1))
        shared = next((run for run in runs if run in seed_runs), None)
        if shared:
            copied.append(f"{record.path or record.id}: {' '.join(shared)!r}")
    assert not copied, f"{len(copied)} TL;DRs repeat a seed list's words:\n" + "\n".join(f"  - {c}" for c in copied)
