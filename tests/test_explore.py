"""The explorer's data files: explorer.json (rows and facet vocabularies) and explorer-bib.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bibtexparser
import pytest

from conftest import FIXTURES
from longctx_catalog.bibtex.export import bib_file
from longctx_catalog.explore import explorer_bib_json, explorer_json, venue_series
from longctx_catalog.model import KINDS
from longctx_catalog.validate import load_catalog


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "render-catalogue", tmp_path / "catalogue"))


@pytest.mark.parametrize(
    ("venue", "series"),
    [
        ("NeurIPS 2023", "NeurIPS"),
        ("ICLR 2024", "ICLR"),
        ("EMC2 Workshop at NeurIPS 2019", "EMC2 Workshop at NeurIPS"),
        ("ACL 2023 (Findings)", "ACL (Findings)"),
        ("TACL", "TACL"),
        ("2021", "2021"),  # nothing but a year: keep it
        ("NeurIPS'23", "NeurIPS'23"),  # a two-digit year is not taken for one
    ],
)
def test_venue_series(venue: str, series: str) -> None:
    assert venue_series(venue) == series


def test_rows_carry_every_record_newest_first(catalogue: Path) -> None:
    catalog, _ = load_catalog(catalogue)
    data = json.loads(explorer_json(catalog))
    assert data["format"] == 1
    assert data["kinds"] == list(KINDS)
    rows = data["rows"]
    assert sorted(r["i"] for r in rows) == sorted(r.id for r in catalog.records)
    dates = [r.get("d", "") for r in rows]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=True)
    assert dates.index(dated[-1]) < min((i for i, d in enumerate(dates) if not d), default=len(dates))


def test_row_fields_and_vocabularies(catalogue: Path) -> None:
    catalog, _ = load_catalog(catalogue)
    data = json.loads(explorer_json(catalog))
    rows = {r["i"]: r for r in data["rows"]}
    nodes = data["nodes"]
    yarn = rows["yarn"]
    assert yarn["t"] == "YaRN: Efficient Context Window Extension of Large Language Models"
    assert yarn["a"].startswith("Bowen Peng, Jeffrey Quesnelle")
    assert yarn["d"] == "2023-08-31"
    assert data["kinds"][yarn["k"]] == "paper"
    assert yarn["v"] == "ICLR 2024" and data["venues"][yarn["s"]] == "ICLR"
    assert [nodes[j][0] for j in yarn["n"]] == ["rope-scaling"]
    assert yarn["c"] == 2
    assert yarn["u"] == "https://arxiv.org/abs/2309.00071"
    assert yarn["x"].startswith("Rescales RoPE")
    # models: L_max; records without code, venue or date leave the keys out
    claude = rows["claude-2"]
    assert claude["l"] == 200000 and data["kinds"][claude["k"]] == "model"
    assert not {"c", "v", "s", "d"} & set(claude)
    # the taxonomy as [id, title, parent]: parents come first and point at the right node
    index = {n[0]: j for j, n in enumerate(nodes)}
    assert nodes[index["rope-scaling"]][2] == index["extended-rope"]
    assert nodes[index["extended-rope"]][2] == index["methodology"]
    assert nodes[index["methodology"]][2] == -1
    assert all(parent < j for j, (_, _, parent) in enumerate(nodes))


def test_hostile_text_is_data_not_markup(catalogue: Path) -> None:
    catalog, _ = load_catalog(catalogue)
    text = explorer_json(catalog)
    assert "</script>" not in text  # "</" is escaped, so the JSON could sit in a <script>
    rows = {r["i"]: r for r in json.loads(text)["rows"]}
    assert rows["hostile"]["t"].endswith("<script>alert(1)</script>")  # kept verbatim; the page sets textContent


def test_page_pattern_and_determinism(catalogue: Path) -> None:
    catalog, _ = load_catalog(catalogue)
    assert json.loads(explorer_json(catalog, "papers/{id}.html"))["page"] == "papers/{id}.html"
    assert explorer_json(catalog) == explorer_json(load_catalog(catalogue)[0])


def test_bib_companion_gives_any_selection_as_a_valid_file(catalogue: Path) -> None:
    catalog, _ = load_catalog(catalogue)
    text, _ = explorer_bib_json(catalog)
    entries = json.loads(text)["entries"]
    assert sorted(entries) == sorted(r.id for r in catalog.records)
    pick = [entries[i] for i in sorted(entries)[::2]]
    library = bibtexparser.parse_string(bib_file(pick))
    assert library.failed_blocks == []
    assert len(library.entries) == len(pick)
    keys = [e.key.casefold() for e in bibtexparser.parse_string(bib_file(entries.values())).entries]
    assert len(set(keys)) == len(keys) == len(entries)
