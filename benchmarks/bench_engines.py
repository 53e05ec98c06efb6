"""How long each site engine takes to build the same catalogue: MkDocs, ProperDocs, Zensical.

    python benchmarks/bench_engines.py [--sizes 1000 5000] [--engines mkdocs zensical properdocs]

For each size a catalogue is generated (make_catalogue.py, seed 1) and `longctx build`
run once with MkDocs to write docs/ and the staging folder. Then, per engine (those
not installed are left out and said so), in fresh processes as a user runs them:

- first:  `longctx build --force --engine E` with the engine's own cache removed
          (Zensical keeps one in .longctx-cache/site/.cache/);
- repeat: the same again, nothing changed (Zensical's cache is warm: the vendor says
          repeat builds are where it is fast);
- engine: the engine's own share of the repeat run, as `longctx build` reports it.

Wall time is what a user waits; CPU time (user + system, child processes included) is
less disturbed by other work on a shared machine. The load average is printed before
and after each size, as other sessions may be running.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from importlib.util import find_spec
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchlib import BenchError, load_average, longctx  # noqa: E402
from make_catalogue import make  # noqa: E402

ENGINES = ("mkdocs", "zensical", "properdocs")
_ENGINE_SHARE = re.compile(r"\((?:MkDocs|ProperDocs|Zensical) ([0-9.]+) s\)")


def _installed(engine: str) -> bool:
    return find_spec({"mkdocs": "mkdocs", "zensical": "zensical", "properdocs": "properdocs"}[engine]) is not None


def measure(size: int, engines: list[str], work: Path) -> list[str]:
    root = work / f"cat-{size}"
    make(size, root, seed=1)
    longctx(root, "build", "--force")
    rows = []
    for engine in engines:
        shutil.rmtree(root / ".longctx-cache" / "site" / ".cache", ignore_errors=True)
        first = longctx(root, "build", "--force", "--engine", engine)
        repeat = longctx(root, "build", "--force", "--engine", engine)
        share = _ENGINE_SHARE.search(repeat.stderr)
        pages = sum(1 for _ in (root / "site").rglob("*.html"))
        rows.append(f"| {size} | {engine} | {first.wall:.1f} s · CPU {first.cpu:.1f} s | "
                    f"{repeat.wall:.1f} s · CPU {repeat.cpu:.1f} s | {share.group(1) if share else '?'} s | "
                    f"{repeat.rss_mb:.0f} MB | {pages} |")
        print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    args = parser.parse_args(argv)
    engines = [e for e in args.engines if _installed(e)]
    for engine in sorted(set(args.engines) - set(engines)):
        print(f"{engine} is not installed: left out", file=sys.stderr)
    print("| records | engine | first build (wall · CPU) | repeat build (wall · CPU) | engine's share "
          "(repeat) | peak RSS | HTML files |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="longctx-engines-") as tmp:
        for size in args.sizes:
            print(f"<!-- {size} records: load average before {load_average()} -->", flush=True)
            try:
                measure(size, engines, Path(tmp))
            except BenchError as err:
                print(f"failed: {err}", file=sys.stderr)
                return 1
            print(f"<!-- {size} records: load average after {load_average()} -->", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
