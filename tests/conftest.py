"""Shared fixtures: small, self-contained catalogues built in a temporary folder.

Tests never depend on the shipped catalogue's content (that changes as papers are
added); they build the catalogue they need with :func:`make_catalog`.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2026, 11, 22)

MINI_TAXONOMY = """\
- id: methodology
  title: Methodology
  description: Ways to handle long inputs.
  children:
    - id: extended-rope
      title: Extended RoPE
      children:
        - id: rope-scaling
          title: Scaling Strategies
        - id: rope-truncation
          title: Truncation Strategies
    - id: sparse-attention
      title: Sparse Attention
- id: evaluation
  title: Evaluation
  children:
    - id: datasets
      title: Datasets
    - id: baselines
      title: Baselines
- id: toolkits
  title: Toolkits
"""

GOOD_RECORD = """\
id: yarn
title: 'YaRN: Efficient Context Window Extension of Large Language Models'
arxiv: '2309.00071'
authors:
  - Bowen Peng
  - Jeffrey Quesnelle
date: 2023-08-31
venue: ICLR 2024
tags: [rope-scaling]
links:
  paper: https://arxiv.org/abs/2309.00071
code:
  - url: https://github.com/jquesnelle/yarn
    official: true
tldr: Rescales RoPE frequencies so a short fine-tune reaches a much longer window.
status: read
added: 2026-11-20
"""


def write_catalog(root: Path, records: dict[str, str], taxonomy: str = MINI_TAXONOMY,
                  extra: dict[str, str] | None = None) -> Path:
    """Write taxonomy.yaml, papers/<name>.yaml for each record text, and any extra files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "taxonomy.yaml").write_text(taxonomy, encoding="utf-8")
    (root / "papers").mkdir(exist_ok=True)
    for name, text in records.items():
        (root / "papers" / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    for rel, text in (extra or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def make_catalog(tmp_path: Path) -> Callable[..., Path]:
    def make(records: dict[str, str] | None = None, **kwargs: object) -> Path:
        return write_catalog(tmp_path / "catalogue", records if records is not None else {"yarn": GOOD_RECORD},
                             **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make "today" a fixed date so date rules give the same answer every day."""
    monkeypatch.setenv("LONGCTX_TODAY", TODAY.isoformat())
