"""Measure the whole pipeline at 1k / 5k / 10k records against its floors and targets.

    python benchmarks/run.py                          # 1,000, 5,000 and 10,000 records, 3 runs each
    python benchmarks/run.py --sizes 1000,5000 --runs 5
    python benchmarks/run.py --smoke                  # 200 records, 1 run: do the scripts still work?

For every size a synthetic catalogue is generated (make_catalogue.py, seed 1) and each
stage is run as a user runs it, in a fresh process, several times; the table shows the
median wall time and the median peak memory (RSS) of each:

- `longctx validate`, and its floor: a bare ``yaml.load(..., CSafeLoader)`` of the same
  files in a fresh process (drivers.py yaml-floor);
- `longctx render` into an empty docs/, and the render stage alone (render + write,
  timed inside the process after loading: drivers.py render-stage);
- `longctx build --force`, its floor (a bare `mkdocs build` of the same staged docs)
  and a no-op `longctx build` — bench_build.py's commands, once the site has landed;
- incremental builds (issue 20): `longctx build` after one TL;DR edit, one record added,
  that record deleted, one taxonomy title changed (bench_build.Edits, made untimed);
- `longctx import-bib` of an N-entry .bib (bench_import_bib.generate) into an empty catalogue;
- the explorer's filter latency per keystroke in headless Chromium at 5,000 records
  (bench_explorer.py, once the explorer has landed).

Runs are interleaved (run 1 of every stage, then run 2, ...), so a stage and its floor see
the same load from whatever else the machine is doing. Ratios are given for wall and CPU
time; CPU time hardly depends on that load.

The full run writes benchmarks/RESULTS.md: only the part between its
``<!-- bench:begin results -->`` and ``<!-- bench:end results -->`` lines, so the
hand-written analysis around it stays. ``--smoke`` prints the table and writes nothing
unless ``--results`` is given; it exits non-zero when a script or a command breaks,
never because a target is missed.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from bench_import_bib import generate as generate_bib  # noqa: E402
from benchlib import (  # noqa: E402
    BenchError,
    Measure,
    Sample,
    json_result,
    load_average,
    longctx,
    machine,
    median,
    run_process,
    run_python,
    warm_bytecode,
)
from make_catalogue import make  # noqa: E402

try:  # the site helper's benchmark: build from clean, the bare-mkdocs floor, no-op build
    import bench_build
except ImportError:
    bench_build = None
try:  # the explorer helper's benchmark: keystroke latency in headless Chromium
    import bench_explorer
except ImportError:
    bench_explorer = None

RESULTS = HERE / "RESULTS.md"
BEGIN, END = "<!-- bench:begin results -->", "<!-- bench:end results -->"
DRIVERS = str(HERE / "drivers.py")
IMPORT_TAG = "methodology"


@dataclass
class Stage:
    """One thing measured per run: ``setup`` (untimed) then ``once`` (a fresh process)."""

    key: str
    once: Callable[[], Sample]
    setup: Callable[[], None] | None = None


@dataclass
class SizeResult:
    n: int
    measures: dict[str, Measure] = field(default_factory=dict)
    load_before: str = ""
    load_after: str = ""


# ---------------------------------------------------------------------------------
# Stages


def core_stages(work: Path, n: int) -> list[Stage]:
    """validate, its floor, render (CLI and stage alone) and import-bib on catalogue ``work/cat``."""
    root = work / "cat"
    readme = (root / "README.md").read_text(encoding="utf-8")

    def fresh_docs() -> None:  # every render run starts from an empty docs/ and the README as generated
        shutil.rmtree(root / "docs", ignore_errors=True)
        (root / "README.md").write_text(readme, encoding="utf-8")

    def render_stage() -> Sample:
        sample = run_python([DRIVERS, "render-stage", str(root)])
        timing = json_result(sample)
        return Sample(timing["wall"], timing["cpu"], sample.rss_mb, sample.returncode)

    bib = work / "import.bib"
    bib.write_text(generate_bib(n, broken=False), encoding="utf-8")
    target = work / "import"
    (target / "papers").mkdir(parents=True)
    shutil.copy(root / "taxonomy.yaml", target / "taxonomy.yaml")

    def empty_target() -> None:
        shutil.rmtree(target / "papers")
        (target / "papers").mkdir()

    return [
        Stage("validate", lambda: longctx(root, "validate")),
        Stage("yaml_floor", lambda: run_python([DRIVERS, "yaml-floor", str(root)])),
        Stage("render", lambda: longctx(root, "render"), fresh_docs),
        Stage("render_stage", render_stage, fresh_docs),
        Stage("import_bib", lambda: longctx(target, "import-bib", str(bib), "--tag", IMPORT_TAG), empty_target),
    ]


def build_stages(work: Path, n: int) -> list[Stage]:
    """`longctx build --force`, a no-op `longctx build`, and the floor: bare MkDocs on the same staged docs.

    The commands are bench_build.py's (the site helper's benchmark), so both scripts
    measure the same thing. One untimed build first writes docs/, the staging folder
    and site/. The order within a run matters: the no-op build must follow a
    `longctx build` (the bare MkDocs run rewrites site/, which makes the next build
    a real one).
    """
    if bench_build is None:
        return []
    root = work / "cat"
    def run(argv: list[str]) -> Sample:
        return run_process(argv, cwd=root, env=bench_build.ENV)

    run(bench_build.longctx("build"))
    edits = bench_build.Edits(root)
    build = bench_build.longctx("build")
    return [
        Stage("build", lambda: run(bench_build.longctx("build", "--force"))),
        Stage("noop_build", lambda: run(build)),
        Stage("mkdocs_floor", lambda: run(bench_build.bare_mkdocs())),
        # Incremental builds (issue 20): one change made (untimed), then `longctx build`.
        Stage("edit_build", lambda: run(build), edits.tldr),
        Stage("add_build", lambda: run(build), edits.add),
        Stage("delete_build", lambda: run(build), edits.delete),
        Stage("taxonomy_build", lambda: run(build), edits.taxonomy),
    ]


def explorer_measure(work: Path, n: int, runs: int) -> Measure | None:
    """Keystroke-to-paint latency of the explorer's text filter in headless Chromium (bench_explorer.py).

    bench_explorer builds a site holding the explorer page of this catalogue, serves it
    on 127.0.0.1 and types its queries ``runs`` times; the median and p95 over every
    keystroke are kept (in ``wall`` and ``p95``).
    """
    if bench_explorer is None:
        return None
    mkdocs_log = logging.getLogger("mkdocs")
    level = mkdocs_log.level
    mkdocs_log.setLevel(logging.ERROR)  # a page-only site has links to pages it leaves out; that is expected
    try:
        site = bench_explorer.build_mini(work / "cat", work / "explorer-site")
    finally:
        mkdocs_log.setLevel(level)
    server, base = bench_explorer.serve(site)
    try:
        latencies = bench_explorer.measure(base + "explorer/", runs)["keystroke"]
    finally:
        server.shutdown()
    if not latencies:
        raise BenchError("the explorer benchmark recorded no keystrokes")
    seconds = [ms / 1000 for ms in latencies]
    return Measure(wall=median(seconds), cpu=float("nan"), rss_mb=0.0, runs=len(seconds),
                   p95=bench_explorer.percentile(seconds, 95))


# ---------------------------------------------------------------------------------
# Measuring


def measure_size(n: int, runs: int, explorer_at: int | None, log: Callable[[str], None],
                 only: set[str] | None = None) -> SizeResult:
    result = SizeResult(n, load_before=load_average())
    with tempfile.TemporaryDirectory(prefix=f"longctx-bench-{n}-") as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        make(n, work / "cat", seed=1)
        log(f"{n:,} records: catalogue generated in {time.perf_counter() - start:.1f} s")
        stages = [stage for stage in core_stages(work, n) + build_stages(work, n)
                  if only is None or stage.key in only]
        samples: dict[str, list[Sample]] = {stage.key: [] for stage in stages}
        for run in range(runs):
            for stage in stages:
                if stage.setup is not None:
                    stage.setup()
                sample = stage.once()
                samples[stage.key].append(sample)
                log(f"{n:,} records, run {run + 1}/{runs}: {stage.key} {sample.wall:.2f} s, "
                    f"{sample.rss_mb:.0f} MB")
        result.measures = {key: Measure.of(values) for key, values in samples.items()}
        if explorer_at == n and (only is None or "explorer" in only):
            measure = explorer_measure(work, n, runs)
            if measure is not None:
                result.measures["explorer"] = measure
                log(f"{n:,} records: explorer {measure.wall * 1000:.1f} ms per keystroke")
    result.load_after = load_average()
    return result


# ---------------------------------------------------------------------------------
# Reporting


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    target: str = ""
    # (size, measure) -> met?; None when the target does not apply at that size
    check: Callable[[int, Measure], bool | None] | None = None
    floor: str | None = None  # for ratio rows: the key of the denominator
    unit: str = "s"
    growth: bool = True  # growth ratios shown and held to "close to linear"
    cpu: bool = False  # show the CPU time too (the incremental builds: short, and the load stretches them)


def _at_5k(limit: float) -> Callable[[int, Measure], bool | None]:
    return lambda n, m: (m.wall <= limit) if n == 5000 else None


ROWS = (
    Row("validate", "`longctx validate`"),
    Row("yaml_floor", "floor: bare `yaml.load` of the same files", growth=False),
    Row("validate", "validate ÷ floor (wall; CPU)", "≤ 1.5×", lambda n, m: m.wall <= 1.5, floor="yaml_floor"),
    Row("render", "`longctx render` into an empty docs/"),
    Row("render_stage", "render stage alone (render + write)", "≤ ~1 s at 5k", _at_5k(1.1)),
    Row("build", "`longctx build --force` (everything rebuilt)"),
    Row("mkdocs_floor", "floor: bare `mkdocs build` of the staged docs", growth=False),
    Row("build", "build ÷ floor (wall; CPU)", "≤ 1.15×", lambda n, m: m.wall <= 1.15, floor="mkdocs_floor"),
    Row("noop_build", "no-op `longctx build`", "≤ ~1 s", lambda n, m: m.wall <= 1.1),
    Row("edit_build", "`longctx build` after one TL;DR edit (wall · CPU · RSS)", "≤ 2 s at 5k", _at_5k(2.0), cpu=True),
    Row("add_build", "`longctx build` after one record added", cpu=True),
    Row("delete_build", "`longctx build` after one record deleted", cpu=True),
    Row("taxonomy_build", "`longctx build` after one taxonomy title changed", cpu=True),
    Row("import_bib", "`longctx import-bib`, N entries"),
    Row("explorer", "explorer: filter per keystroke (Chromium)", "≤ 50 ms at 5k", lambda n, m: (
        m.wall <= 0.050) if n == 5000 else None, unit="ms", growth=False),
)
GROWTH_SLACK = 1.1  # "close to linear": 10k/5k <= 2.2


def _short(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def _ratio(results: SizeResult, row: Row) -> Measure | None:
    top, bottom = results.measures.get(row.key), results.measures.get(row.floor or "")
    if top is None or bottom is None:
        return None
    return Measure(top.wall / bottom.wall, top.cpu / bottom.cpu, 0.0, top.runs)


def _cell(row: Row, measure: Measure | None) -> str:
    if measure is None:
        return "—"
    if row.floor:
        return f"{measure.wall:.2f}×; {measure.cpu:.2f}×"
    if row.unit == "ms":
        p95 = f" (p95 {measure.p95 * 1000:.0f} ms)" if measure.p95 is not None else ""
        return f"{measure.wall * 1000:.1f} ms{p95}"
    if row.cpu:
        return f"{measure.wall:.2f} s · {measure.cpu:.2f} s CPU · {measure.rss_mb:.0f} MB"
    return f"{measure.wall:.2f} s · {measure.rss_mb:.0f} MB"


def table(results: list[SizeResult]) -> tuple[str, list[str]]:
    """The markdown table, and a line per missed target."""
    pairs = list(itertools.pairwise(results))
    head = ["measure", *[f"{r.n:,}" for r in results], *[f"{_short(b.n)}/{_short(a.n)}" for a, b in pairs],
            "target", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    missed: list[str] = []
    for row in ROWS:
        cells = [(r.n, _ratio(r, row) if row.floor else r.measures.get(row.key)) for r in results]
        if all(m is None for _, m in cells):
            why = {"build": "site", "mkdocs_floor": "site", "noop_build": "site", "explorer": "explorer",
                   "edit_build": "site", "add_build": "site", "delete_build": "site", "taxonomy_build": "site"}
            if row.key in why:
                lines.append("| " + " | ".join([row.label, *["not measured"] * len(cells), *[""] * len(pairs),
                                                row.target, f"— ({why[row.key]} not merged yet)"]) + " |")
                continue
        verdicts: list[bool] = []
        for n, measure in cells:
            if measure is not None and row.check is not None:
                ok = row.check(n, measure)
                if ok is not None:
                    verdicts.append(ok)
                    if not ok:
                        missed.append(f"{row.label} at {n:,}: {_cell(row, measure)} (target {row.target})")
        growth_cells = []
        for a, b in pairs:
            ma, mb = a.measures.get(row.key), b.measures.get(row.key)
            if row.floor or not row.growth or ma is None or mb is None:
                growth_cells.append("")
                continue
            wall, cpu, linear = mb.wall / ma.wall, mb.cpu / ma.cpu, b.n / a.n
            ok = cpu <= linear * GROWTH_SLACK  # CPU time: what the code does, not what the machine's load did
            if not ok:
                missed.append(f"{row.label}: growth {_short(b.n)}/{_short(a.n)} = {wall:.2f} wall, {cpu:.2f} CPU "
                              f"(linear {linear:.1f}, limit {linear * GROWTH_SLACK:.1f})")
            growth_cells.append(f"{wall:.2f}; {cpu:.2f}" + ("" if ok else " ✗"))
        met = "" if not verdicts else ("yes" if all(verdicts) else "**no**")
        lines.append("| " + " | ".join([row.label, *[_cell(row, m) for _, m in cells], *growth_cells,
                                        row.target, met]) + " |")
    return "\n".join(lines) + "\n", missed


def report(results: list[SizeResult], runs: int) -> tuple[str, list[str]]:
    info = machine()
    text, missed = table(results)
    loads = "; ".join(f"{r.n:,}: {r.load_before} → {r.load_after}" for r in results)
    body = [
        f"Measured {info['date']} on {info['cpus']} CPUs ({info['cpu model']}), Python {info['python']}, "
        f"{info['platform']}; median of {runs} run(s), each in a fresh process; cells are wall time · peak RSS.",
        f"Load average (1, 5, 15 min) before → after each size: {loads}.",
        "",
        text,
        "Ratio rows and growth columns give two ratios: of wall times; of CPU times (user + system, the "
        "process and its children). Growth is held to 1.1 × linear (10k/5k ≤ 2.2) on CPU time, which other "
        "work on the machine disturbs far less than wall time.",
    ]
    if missed:
        body += ["", "Missed:", *[f"- {m}" for m in missed]]
    else:
        body += ["", "Every measured target is met."]
    return "\n".join(body) + "\n", missed


def write_results(path: Path, block: str) -> None:
    region = f"{BEGIN}\n\n{block}\n{END}"
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            before, rest = text.split(BEGIN, 1)
            after = rest.split(END, 1)[1]
            path.write_text(before + region + after, encoding="utf-8")
            return
    path.write_text(f"# Benchmark results\n\nWritten by `python benchmarks/run.py`.\n\n{region}\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,5000,10000", help="comma-separated record counts")
    parser.add_argument("--runs", type=int, default=3, help="runs per stage and size (the median is shown)")
    parser.add_argument("--smoke", action="store_true", help="200 records, 1 run, write nothing: CI's check")
    parser.add_argument("--only", help="comma-separated stage keys to run (e.g. build,mkdocs_floor,edit_build); "
                        "prints the table and writes nothing unless --results is given")
    parser.add_argument("--explorer-at", type=int, default=5000, help="size to measure the explorer at")
    parser.add_argument("--results", type=Path, help=f"where to write the results (default {RESULTS.name}, "
                        "not with --smoke)")
    args = parser.parse_args(argv)
    sizes = [200] if args.smoke else sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s})
    runs = 1 if args.smoke else args.runs
    explorer_at = sizes[-1] if args.smoke else args.explorer_at
    results_file = args.results or (None if args.smoke or args.only else RESULTS)
    only = set(args.only.split(",")) if args.only else None
    os.environ.setdefault("LONGCTX_TODAY", "2026-11-22")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    missing = [name for name, module in (("bench_build.py (site)", bench_build),
                                         ("bench_explorer.py (explorer)", bench_explorer)) if module is None]
    if missing:
        log(f"not measured yet: {', '.join(missing)} not present")
    warm_bytecode()
    try:
        results = [measure_size(n, runs, explorer_at, log, only) for n in sizes]
    except BenchError as err:
        log(f"benchmark broken: {err}")
        return 1
    block, _missed = report(results, runs)
    print(block)
    if results_file is not None:
        write_results(results_file, block)
        log(f"wrote {results_file}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
