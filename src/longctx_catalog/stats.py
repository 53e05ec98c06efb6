"""The statistics page's charts: static SVG drawn at build time, each with its data as a table.

No chart library, in Python or in the browser: a chart is a few dozen rectangles
and circles, and SVG written here is deterministic, searchable, printable and
readable with JavaScript off. Each :class:`Chart` carries

- ``svg``: an inline ``<svg role="img">`` whose ``<title>`` and ``<desc>`` name it and
  sum it up for screen readers; every bar and dot has its own ``<title>`` (a tooltip);
- ``table``: the same numbers as rows, shown under the chart as its text alternative.

Colours work in light and dark schemes: text and axes use ``currentColor``; series
carry a class ``lc-series-N`` that the site's stylesheet colours per scheme (with
CSS variables), and a ``fill`` attribute as fallback for the SVG on its own.

Charts:

- records per year, stacked by top-level branch (a record counts once, for the branch
  of its first tag);
- records per taxonomy node (a node counts the records filed under it or below);
- share of records with code, overall and per top-level branch;
- baselines (models) by L_max over time, undated ones in a column of their own.
"""

from __future__ import annotations

import html
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .model import Catalog, Record, TaxonomyNode

# Fallback colours (the site's stylesheet overrides them per colour scheme): the
# Okabe-Ito palette, told apart by people with any common colour-vision deficiency.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#8c6d00", "#7f7f7f")
NEUTRAL = 7  # the grey series: "none", "not stated"
CHAR_W = 6.6  # average width of a 12px sans-serif character, for laying out labels


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)  # right-align these columns


@dataclass
class Chart:
    id: str
    title: str
    desc: str  # one or two sentences summing the chart up: the SVG's <desc> and the caption
    svg: str
    table: Table


# ---------------------------------------------------------------------------------
# Small SVG helpers


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _n(x: float) -> str:
    """A coordinate with at most one decimal: stable text for the same layout."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _series(i: int) -> tuple[str, str]:
    """(class, fallback colour) of the i-th series."""
    i %= len(PALETTE)
    return f"lc-series-{i}", PALETTE[i]


def _svg(chart_id: str, width: float, height: float, title: str, desc: str, body: Iterable[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lc-chart" id="{_e(chart_id)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}" height="{_n(height)}" '
        f'style="max-width: {_n(width * 1.2)}px" role="img" '
        f'aria-labelledby="{_e(chart_id)}-title {_e(chart_id)}-desc" font-size="12" fill="currentColor">'
    )
    return "".join([
        head,
        f'<title id="{_e(chart_id)}-title">{_e(title)}</title>',
        f'<desc id="{_e(chart_id)}-desc">{_e(desc)}</desc>',
        *body,
        "</svg>",
    ])


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``maximum``: steps of 1, 2 or 5 times a power of ten."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1) if maximum >= 1 else step
    ticks = [0.0]
    while ticks[-1] < maximum:
        ticks.append(ticks[-1] + step)
    return ticks


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def tokens_label(value: float) -> str:
    """32000 -> 32k, 131072 -> 128k (k = 1,024, as fmt_tokens), 2000000 -> 2M."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}".removesuffix(".0") + "M"
    if value >= 1024 and value % 1000 and value % 1024 == 0:
        return f"{int(value) // 1024}k"
    if value >= 1000:
        return f"{value / 1000:.0f}k"
    return str(int(value))


def _legend(items: list[tuple[str, int]], x0: float, y0: float, width: float) -> tuple[list[str], float]:
    """Swatches and labels in rows that fit ``width``; returns the parts and the height used."""
    parts: list[str] = []
    x, y = x0, y0
    for label, series in items:
        w = 16 + len(label) * CHAR_W + 18
        if x > x0 and x + w > x0 + width:
            x, y = x0, y + 18
        cls, colour = _series(series)
        faint = ' fill-opacity="0.35"' if series == NEUTRAL else ""
        parts.append(f'<rect class="{cls}" fill="{colour}"{faint} x="{_n(x)}" y="{_n(y - 10)}" width="11" '
                     'height="11" rx="2"/>')
        parts.append(f'<text x="{_n(x + 16)}" y="{_n(y)}">{_e(label)}</text>')
        x += w
    return parts, y - y0 + 18


def _primary_branch(record: Record, catalog: Catalog) -> TaxonomyNode | None:
    taxonomy = catalog.taxonomy
    for tag in record.tags:
        if tag in taxonomy:
            return taxonomy.branch(tag)
    return None


# ---------------------------------------------------------------------------------
# The charts


def per_year_chart(catalog: Catalog) -> Chart:
    branches = catalog.taxonomy.roots
    index = {b.id: i for i, b in enumerate(branches)}
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    undated_by: Counter[int] = Counter()
    for record in catalog.records:
        branch = _primary_branch(record, catalog)
        if branch is None:
            continue
        if record.year is None:
            undated_by[index[branch.id]] += 1
        else:
            counts[record.year][index[branch.id]] += 1
    undated = sum(undated_by.values())
    title = "Records per year, by top-level branch"
    years = list(range(min(counts), max(counts) + 1)) if counts else []
    totals = {y: sum(counts[y].values()) for y in years}
    dated = sum(totals.values())
    if years:
        peak = max(years, key=lambda y: (totals[y], y))
        desc = (f"{dated} dated records from {years[0]} to {years[-1]}; the busiest year is {peak} with "
                f"{totals[peak]}. Each record counts once, for the branch of its first tag"
                + (f"; {undated} undated records are not shown." if undated else "."))
    else:
        desc = "No record has a date yet."
    width, left, right, top = 520.0, 36.0, 8.0, 14.0
    legend, legend_h = _legend([(b.title, i) for i, b in enumerate(branches)], left, top + 10, width - left - right)
    top += legend_h + 8
    plot_h, bottom = 220.0, 26.0
    height = top + plot_h + bottom
    body = list(legend)
    ticks = nice_ticks(max(totals.values(), default=1))
    y_of = _linear(0, ticks[-1], top + plot_h, top)
    for t in ticks:
        y = y_of(t)
        body.append(f'<line x1="{_n(left)}" x2="{_n(width - right)}" y1="{_n(y)}" y2="{_n(y)}" '
                    'stroke="currentColor" stroke-opacity="0.15"/>')
        body.append(f'<text x="{_n(left - 6)}" y="{_n(y + 4)}" text-anchor="end" opacity="0.8">{_fmt(t)}</text>')
    slot = (width - left - right) / max(len(years), 1)
    bar = min(slot * 0.72, 48)
    label_every = max(1, math.ceil(len(years) * 34 / (width - left - right)))
    for j, year in enumerate(years):
        x = left + j * slot + (slot - bar) / 2
        y = top + plot_h
        for i, branch in enumerate(branches):
            n = counts[year][i]
            if not n:
                continue
            h = y_of(0) - y_of(n)
            cls, colour = _series(i)
            body.append(f'<rect class="{cls} lc-bar" fill="{colour}" x="{_n(x)}" y="{_n(y - h)}" '
                        f'width="{_n(bar)}" height="{_n(h)}"><title>{year}, {_e(branch.title)}: {n}</title></rect>')
            y -= h
        if totals[year] and bar >= 14:
            body.append(f'<text x="{_n(x + bar / 2)}" y="{_n(y - 4)}" text-anchor="middle" font-size="10" '
                        f'opacity="0.8">{totals[year]}</text>')
        if j % label_every == 0 or j == len(years) - 1:
            body.append(f'<text x="{_n(x + bar / 2)}" y="{_n(top + plot_h + 17)}" text-anchor="middle">{year}</text>')
    body.append(f'<line x1="{_n(left)}" x2="{_n(width - right)}" y1="{_n(top + plot_h)}" y2="{_n(top + plot_h)}" '
                'stroke="currentColor" stroke-opacity="0.5"/>')
    table = Table(
        ["Year", *(b.title for b in branches), "Total"],
        [[str(y), *(str(counts[y][i]) for i in range(len(branches))), str(totals[y])] for y in years],
        [False, *([True] * (len(branches) + 1))],
    )
    if undated:
        table.rows.append(["Undated", *(str(undated_by[i]) for i in range(len(branches))), str(undated)])
    return Chart("lc-chart-years", title, desc, _svg("lc-chart-years", width, height, title, desc, body), table)


def per_node_chart(catalog: Catalog) -> Chart:
    taxonomy = catalog.taxonomy
    under: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for record in catalog.records:
        covered: set[str] = set()
        for tag in record.tags:
            if tag in taxonomy:
                own[tag] += 1
                covered.update(n.id for n in taxonomy[tag].lineage())
        under.update(covered)
    nodes = list(taxonomy.nodes.values())
    branch_index = {b.id: i for i, b in enumerate(taxonomy.roots)}
    title = "Records per taxonomy node"
    busiest = max((n for n in nodes if n.children == []), key=lambda n: (under[n.id], n.id), default=None)
    desc = (f"How many records each of the {len(nodes)} taxonomy nodes holds, counting the records filed "
            "under it or any node below it.")
    if busiest is not None and under[busiest.id]:
        desc += f" The busiest specific topic is {busiest.title} with {under[busiest.id]}."
    empty = [n for n in nodes if not under[n.id]]
    if empty:
        desc += f" {len(empty)} node{'s have' if len(empty) != 1 else ' has'} no record yet."
    width, right, row, top = 520.0, 34.0, 19.0, 8.0
    label_w = min(250.0, max((12 * n.depth + len(n.title) * CHAR_W for n in nodes), default=100) + 12)
    left = label_w
    height = top + row * len(nodes) + 8
    peak = max((under[n.id] for n in nodes), default=0) or 1
    scale = (width - left - right) / peak
    body = []
    for j, node in enumerate(nodes):
        y = top + j * row
        weight = ' font-weight="bold"' if node.depth == 0 else ""
        label = node.title
        max_chars = int((label_w - 12 - 12 * node.depth) / CHAR_W)
        if len(label) > max_chars:
            label = label[: max(max_chars - 1, 1)] + "…"
        body.append(f'<text x="{_n(4 + 12 * node.depth)}" y="{_n(y + 13)}"{weight}><title>{_e(node.title)}'
                    f'</title>{_e(label)}</text>')
        n = under[node.id]
        cls, colour = _series(branch_index[node.lineage()[0].id])
        w = n * scale
        if n:
            body.append(f'<rect class="{cls} lc-bar" fill="{colour}" x="{_n(left)}" y="{_n(y + 3)}" '
                        f'width="{_n(max(w, 1.5))}" height="{_n(row - 6)}" rx="2"><title>{_e(node.title)}: {n}'
                        '</title></rect>')
        body.append(f'<text x="{_n(left + w + 5)}" y="{_n(y + 13)}" font-size="11" opacity="0.85">{n}</text>')
    body.append(f'<line x1="{_n(left)}" x2="{_n(left)}" y1="{_n(top)}" y2="{_n(height - 8)}" '
                'stroke="currentColor" stroke-opacity="0.4"/>')
    table = Table(
        ["Node", "Records (with those below)", "Tagged with it directly"],
        [["\u2003" * node.depth + node.title, str(under[node.id]), str(own[node.id])] for node in nodes],
        [False, True, True],
    )
    return Chart("lc-chart-nodes", title, desc, _svg("lc-chart-nodes", width, height, title, desc, body), table)


def code_chart(catalog: Catalog) -> Chart:
    groups: list[tuple[str, list[Record]]] = [("All records", list(catalog.records))]
    for branch in catalog.taxonomy.roots:
        subtree = {n.id for n in branch.walk()}
        groups.append((branch.title, [r for r in catalog.records if subtree.intersection(r.tags)]))
    title = "Share of records with code"
    shares = []
    for label, records in groups:
        official = sum(1 for r in records if any(c.official for c in r.code))
        other = sum(1 for r in records if r.code and not any(c.official for c in r.code))
        shares.append((label, len(records), official, other, len(records) - official - other))
    _, total, official, other, _ = shares[0]
    desc = (f"{official + other} of {total} records ({pct(official + other, total)}%) link to code; "
            f"{official} link to official code from the authors. By top-level branch: "
            + "; ".join(f"{label} {pct(o + u, n)}%" for label, n, o, u, _ in shares[1:]) + ".")
    width, right, row, top = 520.0, 58.0, 30.0, 14.0
    names = ["Official code", "Code by others only", "No code"]
    legend, legend_h = _legend([(names[0], 2), (names[1], 5), (names[2], 7)], 8, top + 10, width - 16)
    top += legend_h + 6
    left = min(200.0, max(len(label) * CHAR_W for label, *_ in shares) + 16)
    height = top + row * len(shares) + 6
    plot_w = width - left - right
    body = list(legend)
    for j, (label, n, o, u, none) in enumerate(shares):
        y = top + j * row
        weight = ' font-weight="bold"' if j == 0 else ""
        shown = label if len(label) * CHAR_W + 16 <= left else label[: max(int((left - 16) / CHAR_W) - 1, 1)] + "…"
        body.append(f'<text x="8" y="{_n(y + 18)}"{weight}><title>{_e(label)}</title>{_e(shown)}</text>')
        x = left
        for value, series, name in ((o, 2, names[0]), (u, 5, names[1]), (none, 7, names[2])):
            if not n or not value:
                continue
            w = plot_w * value / n
            cls, colour = _series(series)
            extra = ' fill-opacity="0.35"' if series == NEUTRAL else ""
            body.append(f'<rect class="{cls} lc-bar" fill="{colour}"{extra} x="{_n(x)}" y="{_n(y + 4)}" '
                        f'width="{_n(w)}" height="{_n(row - 8)}"><title>{_e(label)}, {name.lower()}: {value} of {n} '
                        f'({pct(value, n)}%)</title></rect>')
            if w >= 34 and series != NEUTRAL:
                body.append(f'<text x="{_n(x + w / 2)}" y="{_n(y + 19)}" text-anchor="middle" font-size="11" '
                            f'class="lc-on-series">{pct(value, n)}%</text>')
            x += w
        body.append(f'<text x="{_n(width - right + 6)}" y="{_n(y + 19)}" font-size="11" opacity="0.85">'
                    f'n = {n}</text>')
    table = Table(
        ["Group", "Records", "Official code", "Code by others only", "No code", "With code"],
        [[label, str(n), str(o), str(u), str(none), f"{pct(o + u, n)}%"] for label, n, o, u, none in shares],
        [False, True, True, True, True, True],
    )
    return Chart("lc-chart-code", title, desc, _svg("lc-chart-code", width, height, title, desc, body), table)


def pct(part: int, whole: int) -> int:
    """A whole percentage; 0 of nothing is 0%."""
    return round(100 * part / whole) if whole else 0


def _year_fraction(date: str) -> float:
    year = int(date[:4])
    month = int(date[5:7]) if len(date) >= 7 else 7  # mid-year when only the year is known
    day = int(date[8:10]) if len(date) >= 10 else 15
    return year + (month - 1) / 12 + (day - 1) / 365


def baselines_chart(catalog: Catalog) -> Chart:
    models = sorted((r for r in catalog.records if r.kind == "model" and r.max_context),
                    key=lambda r: (r.date or "9999", r.max_context or 0, r.id))
    title = "Baselines by L_max over time"
    dated = [m for m in models if m.date]
    undated = [m for m in models if not m.date]
    if models:
        top_model = max(models, key=lambda m: (m.max_context or 0, m.id))
        desc = (f"{len(models)} baseline models by maximum context length (L_max, log scale)"
                + (f", {len(dated)} placed by release date" if dated else "")
                + (f"; {len(undated)} without a date are in the last column" if undated and dated else "")
                + ("; none has a release date yet, so they are spread by L_max alone" if not dated else "")
                + f". The longest is {top_model.display_title} at {tokens_label(top_model.max_context or 0)} tokens.")
    else:
        desc = "No baseline model with an L_max in the catalogue yet."
    series_names = ["Open weights", "Closed weights", "Not stated"]

    def series_of(m: Record) -> int:
        return 0 if m.open_source else 1 if m.open_source is False else 2

    width, left, right, top = 560.0, 40.0, 10.0, 14.0
    present = sorted({series_of(m) for m in models})
    legend, legend_h = _legend([(series_names[s], (0, 4, 7)[s]) for s in present], left, top + 10,
                               width - left - right)
    top += legend_h + 8
    plot_h, bottom = 240.0, 28.0
    height = top + plot_h + bottom
    body = list(legend)
    values = [m.max_context or 1 for m in models] or [1000, 128000]
    lo_k = math.floor(math.log2(min(values) / 1000)) if min(values) >= 1000 else math.floor(math.log2(min(values)))
    hi_k = math.ceil(math.log2(max(values) / 1000)) if min(values) >= 1000 else math.ceil(math.log2(max(values)))
    unit = 1000 if min(values) >= 1000 else 1
    lo_k, hi_k = min(lo_k, hi_k - 1), max(hi_k, lo_k + 1)
    y_of = _linear(lo_k, hi_k, top + plot_h - 6, top + 6)

    def y_for(value: float) -> float:
        return y_of(math.log2(value / unit))

    # The undated column takes what its widest row of dots needs.
    rows_undated = Counter(m.max_context for m in undated)
    band = 0.0
    if undated and not dated:  # no time axis at all: the undated column is the whole plot
        band = width - right - left - 8
    elif undated:
        band = min(220.0, max(64.0, max(rows_undated.values()) * 9 + 24))
    plot_right = width - right - band - (12 if band else 0)
    step = max(1, math.ceil((hi_k - lo_k) / 10))
    for k in range(lo_k, hi_k + 1, step):
        y = y_of(k)
        body.append(f'<line x1="{_n(left)}" x2="{_n(width - right)}" y1="{_n(y)}" y2="{_n(y)}" '
                    'stroke="currentColor" stroke-opacity="0.15"/>')
        body.append(f'<text x="{_n(left - 6)}" y="{_n(y + 4)}" text-anchor="end" opacity="0.8">'
                    f'{tokens_label(unit * 2 ** k)}</text>')
    if dated:
        x_lo = math.floor(min(_year_fraction(m.date or "") for m in dated))
        x_hi = math.floor(max(_year_fraction(m.date or "") for m in dated)) + 1
        x_of = _linear(x_lo, x_hi, left + 8, plot_right - 8)
        label_every = max(1, math.ceil((x_hi - x_lo) * 40 / max(plot_right - left, 1)))
        for year in range(x_lo, x_hi + 1):
            x = x_of(year)
            body.append(f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{_n(top)}" y2="{_n(top + plot_h)}" '
                        'stroke="currentColor" stroke-opacity="0.08"/>')
            if (year - x_lo) % label_every == 0 and year < x_hi:
                body.append(f'<text x="{_n(x_of(year + 0.5))}" y="{_n(top + plot_h + 18)}" '
                            f'text-anchor="middle">{year}</text>')
        for m in dated:
            body.append(_dot(x_of(_year_fraction(m.date or "")), y_for(m.max_context or 1), m, series_of(m)))
    elif not undated:
        body.append(f'<text x="{_n((left + width) / 2)}" y="{_n(top + plot_h / 2)}" text-anchor="middle" '
                    'opacity="0.8">No baseline model with an L_max yet</text>')
    if undated:
        bx = width - right - band
        body.append(f'<rect x="{_n(bx)}" y="{_n(top)}" width="{_n(band)}" height="{_n(plot_h)}" '
                    'fill="currentColor" fill-opacity="0.05" rx="4"/>')
        label = "undated" if dated else "release dates not recorded"
        body.append(f'<text x="{_n(bx + band / 2)}" y="{_n(top + plot_h + 18)}" text-anchor="middle">{label}</text>')
        placed: Counter[int] = Counter()
        widest = 14.0 if not dated else 9.0
        for m in sorted(undated, key=lambda m: (m.max_context or 0, m.id)):
            n = rows_undated[m.max_context]
            gap = min(widest, (band - 16) / max(n - 1, 1))
            k = placed[m.max_context or 0]
            placed[m.max_context or 0] += 1
            x = bx + band / 2 + (k - (n - 1) / 2) * gap
            body.append(_dot(x, y_for(m.max_context or 1), m, series_of(m)))
    body.append(f'<line x1="{_n(left)}" x2="{_n(left)}" y1="{_n(top)}" y2="{_n(top + plot_h)}" '
                'stroke="currentColor" stroke-opacity="0.4"/>')
    table = Table(
        ["Model", "L_max (tokens)", "Date", "Weights"],
        [[m.display_title, f"{m.max_context:,}", m.date or "—", series_names[series_of(m)]]
         for m in sorted(models, key=lambda m: (-(m.max_context or 0), m.date or "", m.id))],
        [False, True, False, False],
    )
    return Chart("lc-chart-baselines", title, desc, _svg("lc-chart-baselines", width, height, title, desc, body),
                 table)


def _dot(x: float, y: float, model: Record, series: int) -> str:
    cls, colour = _series((0, 4, 7)[series])
    when = f", {model.date}" if model.date else ""
    return (f'<circle class="{cls} lc-dot" fill="{colour}" cx="{_n(x)}" cy="{_n(y)}" r="4.5">'
            f'<title>{_e(model.display_title)}: {tokens_label(model.max_context or 0)} tokens{when}</title></circle>')


def _linear(d0: float, d1: float, r0: float, r1: float):  # type: ignore[no-untyped-def]
    span = (d1 - d0) or 1

    def scale(value: float) -> float:
        return r0 + (value - d0) * (r1 - r0) / span

    return scale


def charts(catalog: Catalog) -> list[Chart]:
    """Every chart of the statistics page, in page order."""
    return [per_year_chart(catalog), per_node_chart(catalog), code_chart(catalog), baselines_chart(catalog)]


@dataclass
class Summary:
    """Headline numbers for the top of the statistics page."""

    records: int
    kinds: list[tuple[str, int]]
    with_code: int
    official_code: int
    first_year: int | None
    last_year: int | None
    latest_added: str | None


def summary(catalog: Catalog) -> Summary:
    from .model import KINDS

    kinds = Counter(r.kind for r in catalog.records)
    years = [r.year for r in catalog.records if r.year is not None]
    added = [r.added for r in catalog.records if r.added]
    return Summary(
        records=len(catalog.records),
        kinds=[(k, kinds[k]) for k in KINDS if kinds[k]],
        with_code=sum(1 for r in catalog.records if r.code),
        official_code=sum(1 for r in catalog.records if any(c.official for c in r.code)),
        first_year=min(years, default=None),
        last_year=max(years, default=None),
        latest_added=max(added, default=None),
    )
