"""How long `longctx render` takes on synthetic catalogues of 1k and 5k records.

    python benchmarks/bench_render.py [--sizes 1000 5000] [--runs 5] [--profile]

For each size a catalogue is generated (make_catalogue.py, seed 1) and loaded once;
then, as the median of --runs runs:

- render:   every page and README region rendered to text (render_catalog);
- first:    render + compare with disk + write, into an empty docs/;
- no-op:    render + compare when every file is already up to date (what CI's
            `render --check` and a re-run cost);
- load:     load_catalog (parse and validate), for scale; not part of the target.

The target is about one second for the render stage at 5,000 records on the
project's 2-core machine.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from make_catalogue import make  # noqa: E402

from longctx_catalog.outputs import apply, plan  # noqa: E402
from longctx_catalog.render import clear_caches, render_catalog  # noqa: E402
from longctx_catalog.validate import load_catalog  # noqa: E402


def median_time(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    """Median wall time of ``fn``; memo caches are cleared first, so each run is as cold as a CLI run."""
    times = []
    for _ in range(runs):
        clear_caches()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one render at the largest size")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            root = Path(tmp) / f"cat{n}"
            make(n, root, seed=1)
            catalog, diags = load_catalog(root)
            errors = [d for d in diags if d.is_error]
            if errors:
                raise SystemExit(f"generated catalogue has errors: {errors[:3]}")
            load = median_time(lambda root=root: load_catalog(root), max(1, args.runs // 2))
            render = median_time(lambda catalog=catalog: render_catalog(catalog), args.runs)

            def first(catalog=catalog, root=root) -> None:  # type: ignore[no-untyped-def]
                shutil.rmtree(root / "docs", ignore_errors=True)
                changes, problems = plan(root, render_catalog(catalog))
                assert not problems, problems
                apply(root, changes)

            first_write = median_time(first, args.runs)

            def noop(catalog=catalog, root=root) -> None:  # type: ignore[no-untyped-def]
                changes, problems = plan(root, render_catalog(catalog))
                assert not problems and not changes.changes, "re-render should change nothing"

            no_op = median_time(noop, args.runs)
            rendered = render_catalog(catalog)
            size = sum(len(t.encode()) for t in rendered.pages.values())
            readme = len((root / "README.md").read_bytes())
            rows.append((n, len(rendered.pages), size, readme, render, first_write, no_op, load))
            if args.profile and n == max(args.sizes):
                profiler = cProfile.Profile()
                profiler.runcall(render_catalog, catalog)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)

    print(f"{'records':>8} {'pages':>6} {'docs MB':>8} {'README KB':>10} {'render s':>9} {'first s':>8} "
          f"{'no-op s':>8} {'load s':>7}")
    for n, pages, size, readme, render, first_write, no_op, load in rows:
        print(f"{n:>8} {pages:>6} {size / 1e6:>8.1f} {readme / 1024:>10.1f} {render:>9.3f} {first_write:>8.3f} "
              f"{no_op:>8.3f} {load:>7.3f}")
    print(f"(median of {args.runs} runs; python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
