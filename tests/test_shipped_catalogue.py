"""Rules the shipped catalogue keeps that need nothing but the repository itself.

These ran only beside the seed corpus once (tests/test_seed_coverage.py skips without it),
so CI never ran them; here they run everywhere. They read the *shipped* catalogue, so
"today" is the real date (``real_clock``): a record added today passes as in ``longctx check``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from longctx_catalog.model import Catalog
from longctx_catalog.validate import load_catalog

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.real_clock


@cache
def shipped() -> tuple[Catalog, tuple[str, ...]]:
    catalog, diagnostics = load_catalog(REPO)
    return catalog, tuple(str(d) for d in diagnostics)


def test_every_record_has_tags() -> None:
    catalog, _ = shipped()
    untagged = sorted(r.path or r.id for r in catalog.records if not r.tags)
    assert not untagged, f"{len(untagged)} records have no tags:\n" + "\n".join(f"  - {u}" for u in untagged)


def test_shipped_catalogue_is_clean() -> None:
    _, diagnostics = shipped()
    assert not diagnostics, f"{len(diagnostics)} validation errors or warnings:\n" + "\n".join(
        f"  {d}" for d in diagnostics
    )


def test_every_record_without_a_tldr_is_status_unread() -> None:
    catalog, _ = shipped()
    # A summary is written only by someone who knows the work; until then the record says so.
    # Baseline models are rows of a table (context length, size, maker), not something to summarise.
    bare = sorted(r.path or r.id for r in catalog.records
                  if r.kind != "model" and not r.tldr and r.status != "unread")
    assert not bare, f"{len(bare)} records have no TL;DR and are not unread:\n" + "\n".join(f"  - {b}" for b in bare)
