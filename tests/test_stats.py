"""The statistics page's charts: well-formed SVG with titles, and numbers that match the records."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import FIXTURES
from longctx_catalog.stats import baselines_chart, charts, code_chart, nice_ticks, per_node_chart, per_year_chart
from longctx_catalog.validate import load_catalog

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def catalog(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = Path(shutil.copytree(FIXTURES / "render-catalogue", tmp_path / "catalogue"))
    catalog, diags = load_catalog(root)
    assert not [d for d in diags if d.is_error]
    return catalog


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def shape_titles(root: ET.Element, tag: str) -> list[str]:
    return [el.find(f"{SVG}title").text or "" for el in root.iter(f"{SVG}{tag}") if el.find(f"{SVG}title") is not None]


def test_every_chart_is_an_accessible_svg(catalog) -> None:  # type: ignore[no-untyped-def]
    found = charts(catalog)
    assert [c.id for c in found] == ["lc-chart-years", "lc-chart-nodes", "lc-chart-code", "lc-chart-baselines"]
    for chart in found:
        root = parse(chart.svg)
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None and title.text == chart.title
        assert desc is not None and desc.text == chart.desc and len(chart.desc) > 20
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert re.fullmatch(r"0 0 \d+(\.\d)? \d+(\.\d)?", root.get("viewBox") or "")
        assert chart.table.rows and all(len(row) == len(chart.table.headers) for row in chart.table.rows)
        # series colours come from classes the stylesheet sets per colour scheme
        assert "lc-series-" in chart.svg


def test_records_per_year_adds_up(catalog) -> None:  # type: ignore[no-untyped-def]
    chart = per_year_chart(catalog)
    counts = [int(t.rsplit(": ", 1)[1]) for t in shape_titles(parse(chart.svg), "rect")]
    dated = [r for r in catalog.records if r.year]
    assert sum(counts) == len(dated)
    by_year = {row[0]: int(row[-1]) for row in chart.table.rows}
    assert by_year["2023"] == sum(1 for r in dated if r.year == 2023)
    assert by_year["Undated"] == len(catalog.records) - len(dated)
    assert "undated" in chart.desc


def test_records_per_node_counts_the_subtree(catalog) -> None:  # type: ignore[no-untyped-def]
    chart = per_node_chart(catalog)
    table = {row[0].strip("\u2003"): (int(row[1]), int(row[2])) for row in chart.table.rows}
    taxonomy = catalog.taxonomy
    for node in taxonomy.nodes.values():
        subtree = {n.id for n in node.walk()}
        expected = sum(1 for r in catalog.records if subtree.intersection(r.tags))
        assert table[node.title][0] == expected, node.id
        assert table[node.title][1] == sum(1 for r in catalog.records if node.id in r.tags)
    bars = shape_titles(parse(chart.svg), "rect")
    assert len(bars) == sum(1 for count, _ in table.values() if count)


def test_code_share(catalog) -> None:  # type: ignore[no-untyped-def]
    chart = code_chart(catalog)
    all_row = chart.table.rows[0]
    official = sum(1 for r in catalog.records if any(c.official for c in r.code))
    other = sum(1 for r in catalog.records if r.code and not any(c.official for c in r.code))
    assert all_row[:5] == ["All records", str(len(catalog.records)), str(official), str(other),
                           str(len(catalog.records) - official - other)]
    for row in chart.table.rows:
        assert int(row[2]) + int(row[3]) + int(row[4]) == int(row[1])
    assert f"{official + other} of {len(catalog.records)} records" in chart.desc


def test_baselines_one_dot_per_model(catalog) -> None:  # type: ignore[no-untyped-def]
    chart = baselines_chart(catalog)
    dots = shape_titles(parse(chart.svg), "circle")
    models = [r for r in catalog.records if r.kind == "model"]
    assert len(dots) == len(models) == 2
    assert any(t.startswith("Claude 2: 200k tokens") for t in dots)
    assert "release dates not recorded" in chart.svg  # no model of the fixture has a date


def test_baselines_over_time_places_later_models_further_right(make_catalog) -> None:  # type: ignore[no-untyped-def]
    def model(name: str, date: str | None, tokens: int) -> str:
        return (f"id: {name}\nkind: model\ntitle: {name}\ntags: [baselines]\nmax_context: {tokens}\n"
                + (f"date: {date}\n" if date else "") + "added: 2026-11-01\n")

    root = make_catalog({"a": model("a", "2022-03", 4000), "b": model("b", "2024-01-10", 128000),
                         "c": model("c", None, 32000)})
    catalog, _ = load_catalog(root)
    svg = parse(baselines_chart(catalog).svg)
    dots = {c.find(f"{SVG}title").text.split(":")[0]: c for c in svg.iter(f"{SVG}circle")}
    assert float(dots["b"].get("cx")) > float(dots["a"].get("cx"))
    assert float(dots["b"].get("cy")) < float(dots["a"].get("cy"))  # longer context is higher
    assert float(dots["c"].get("cx")) > float(dots["b"].get("cx"))  # the undated column is last
    assert "undated" in ET.tostring(svg, encoding="unicode")


def test_charts_of_an_almost_empty_catalogue(make_catalog) -> None:  # type: ignore[no-untyped-def]
    root = make_catalog({"t": "id: t\nkind: toolkit\ntitle: T\ntags: [toolkits]\nadded: 2026-11-01\n"})
    catalog, _ = load_catalog(root)
    for chart in charts(catalog):
        parse(chart.svg)
    assert per_year_chart(catalog).desc == "No record has a date yet."
    assert "No baseline model" in baselines_chart(catalog).desc


def test_hostile_titles_are_escaped(make_catalog) -> None:  # type: ignore[no-untyped-def]
    root = make_catalog({"m": "id: m\nkind: model\ntitle: '<b>&</b> \"x\"'\ntags: [baselines]\nmax_context: 8000\n"
                              "added: 2026-11-01\n"})
    catalog, _ = load_catalog(root)
    chart = baselines_chart(catalog)
    svg = parse(chart.svg)  # well-formed despite the markup in the title
    assert [c.find(f"{SVG}title").text for c in svg.iter(f"{SVG}circle")] == ['<b>&</b> "x": 8k tokens']
    assert "<b>" not in chart.svg


def test_charts_are_deterministic(catalog) -> None:  # type: ignore[no-untyped-def]
    again, _ = load_catalog(catalog.root)
    assert [c.svg for c in charts(catalog)] == [c.svg for c in charts(again)]


@pytest.mark.parametrize(("maximum", "last", "step"), [(62, 80, 20), (7, 8, 2), (145, 150, 50), (1, 1, 1), (0, 1, 1)])
def test_nice_ticks(maximum: float, last: float, step: float) -> None:
    ticks = nice_ticks(maximum)
    assert ticks[-1] == last and ticks[1] - ticks[0] == step and ticks[0] == 0
