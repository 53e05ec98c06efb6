"""How long `longctx build` takes, against a bare `mkdocs build` of the same staged docs.

    python benchmarks/bench_build.py [--sizes 1000 5000] [--runs 3]

For each size a catalogue is generated (make_catalogue.py, seed 1) and built once
(which writes docs/, the staging folder .longctx-cache/site/ and site/). Then, as
the median of --runs runs, each a fresh process as a user would run it:

- build:    `longctx build --force` (load and validate, render docs/ in a child
            process, render and stage the site, MkDocs in-process, swap site/ in);
- cold:     the same from nothing: no staging folder, no site/ (one run);
- bare:     `mkdocs build -f .longctx-cache/site/mkdocs.yml` on the same staged
            docs into the same site/ folder: the floor our build is measured against;
- ratio:    build / bare (the target is at most about 1.15 at 5,000 records), of the
            medians and of the fastest runs (on a shared machine the fastest run is the
            one least disturbed by others' work);
- no-op:    `longctx build` when no input changed (the target is about a second);
            site/ must be the one the last `longctx build` wrote, so one build runs first.

Build and bare runs alternate, so a slow spell of the machine hits both. Wall time is
what a user waits; CPU time (user + system, the build's forked child included) is
shown too, as it is less disturbed by other work on a shared machine. The last line
compares seconds per record across sizes (linear growth keeps it flat).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchlib import BenchError, bench_env, run_process  # noqa: E402
from make_catalogue import make  # noqa: E402

ENV = bench_env(NO_MKDOCS_2_WARNING="1")


CPU: dict[float, float] = {}  # wall time of a run -> its CPU time


def timed(args: list[str], cwd: Path) -> float:
    """Wall seconds of one run (its CPU seconds, forked child included, are kept in CPU)."""
    sample = run_process(args, cwd=cwd, env=ENV)
    CPU[sample.wall] = sample.cpu
    return sample.wall


def cpu(runs: list[float]) -> float:
    return statistics.median(CPU[t] for t in runs)


def longctx(*args: str) -> list[str]:
    return [sys.executable, "-m", "longctx_catalog", *args]


def bare_mkdocs() -> list[str]:
    return [sys.executable, "-m", "mkdocs", "build", "-q", "-f", ".longctx-cache/site/mkdocs.yml"]


class Edits:
    """The changes an incremental build is measured after (issue 20), each a real change every time.

    ``tldr`` edits one paper's TL;DR; ``add`` writes a new paper and ``delete`` removes
    it again; ``taxonomy`` renames a taxonomy node (every page's navigation shows it).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0
        texts = {p: p.read_text(encoding="utf-8") for p in sorted((root / "papers").glob("*.yaml"))[:50]}
        self.record = next(p for p, text in texts.items() if "\ntldr: " in text and "kind:" not in text)
        import yaml

        self.tag = yaml.safe_load(texts[self.record])["tags"][0]

    def tldr(self) -> None:
        self.count += 1
        lines = self.record.read_text(encoding="utf-8").splitlines(keepends=True)
        lines = [f"tldr: Edited for the benchmark, change {self.count}.\n" if line.startswith("tldr: ") else line
                 for line in lines]
        self.record.write_text("".join(lines), encoding="utf-8")

    def add(self) -> None:
        self.count += 1
        (self.root / "papers" / "bench-added.yaml").write_text(
            f"id: bench-added\ntitle: A Work Added by the Benchmark, Number {self.count}\nauthors: [Ada Example]\n"
            f"date: 2024-05\ntags: [{self.tag}]\ntldr: Added to time an incremental build.\nadded: 2026-11-01\n",
            encoding="utf-8")

    def delete(self) -> None:
        (self.root / "papers" / "bench-added.yaml").unlink(missing_ok=True)

    def taxonomy(self) -> None:
        path = self.root / "taxonomy.yaml"
        text = path.read_text(encoding="utf-8")
        marker = " (renamed)"
        first = text.index("\n  title: ") + len("\n  title: ")
        end = text.index("\n", first)
        title = text[first:end]
        title = title[: -len(marker)] if title.endswith(marker) else title + marker
        path.write_text(text[:first] + title + text[end:], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    try:
        rows = measure(args.sizes, args.runs)
    except BenchError as err:
        raise SystemExit(str(err)) from None
    report(rows, args.runs)


def measure(sizes: list[int], runs: int) -> list[tuple]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            root = Path(tmp) / f"cat{n}"
            make(n, root, seed=1)
            timed(longctx("build"), root)  # docs/, the staging folder and site/ exist from here on
            builds, bares, noops = [], [], []
            for _ in range(runs):
                builds.append(timed(longctx("build", "--force"), root))
                bares.append(timed(bare_mkdocs(), root))
            timed(longctx("build"), root)  # the bare runs rewrote site/, so this one builds again
            for _ in range(runs):
                noops.append(timed(longctx("build"), root))
            shutil.rmtree(root / ".longctx-cache")
            shutil.rmtree(root / "site")
            cold = timed(longctx("build"), root)
            build, bare = statistics.median(builds), statistics.median(bares)
            rows.append((n, build, cold, bare, build / bare, min(builds) / min(bares), statistics.median(noops),
                         cpu(builds), cpu(bares)))
            print(f"{n} records: build {[round(t, 1) for t in builds]}, bare {[round(t, 1) for t in bares]}, "
                  f"no-op {[round(t, 2) for t in noops]}, cold {cold:.1f}", file=sys.stderr)
    return rows


def report(rows: list[tuple], runs: int) -> None:
    print(f"{'records':>8} {'build s':>8} {'cold s':>7} {'bare s':>7} {'ratio':>6} {'best':>6} {'no-op s':>8} "
          f"{'build cpu':>10} {'bare cpu':>9} {'cpu ratio':>10}")
    for n, build, cold, bare, ratio, best, noop, build_cpu, bare_cpu in rows:
        print(f"{n:>8} {build:>8.1f} {cold:>7.1f} {bare:>7.1f} {ratio:>6.3f} {best:>6.3f} {noop:>8.2f} "
              f"{build_cpu:>10.1f} {bare_cpu:>9.1f} {build_cpu / bare_cpu:>10.3f}")
    if len(rows) > 1:
        per = [f"{n}: {build / n * 1000:.1f} ms" for n, build, *_ in rows]
        print("build time per record: " + ", ".join(per))
    print(f"(seconds: median of {runs} runs; best: fastest build / fastest bare; "
          f"python {sys.version.split()[0]}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
