"""Instruction counts (valgrind's callgrind) of validate and its floor: a load-independent cross-check.

    python benchmarks/instructions.py [N] [--root DIR]

Wall and even CPU times move with whatever else the machine runs; the number of
instructions a program executes hardly does. This runs `longctx validate` and the
bare yaml.load floor (drivers.py yaml-floor) once each under callgrind on a catalogue
of N records (default 1,000; make_catalogue.py, seed 1) and prints both counts and
their ratio. Instructions are not time (cache misses and page faults cost time without
instructions), so this complements run.py's medians rather than replacing them.
It needs valgrind and runs the real interpreter binary, not a pyenv shim.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchlib import REPO, BenchError, bench_env, run_process  # noqa: E402
from make_catalogue import make  # noqa: E402


def real_python() -> str:
    """The interpreter binary itself: under a shim or venv link valgrind would count the wrapper."""
    return os.path.realpath(getattr(sys, "_base_executable", sys.executable))


def instructions(argv: list[str]) -> int:
    """Instructions executed by ``argv`` and its children, as callgrind counts them."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise BenchError("valgrind is not installed (apt-get install valgrind)")
    sample = run_process([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
                         env=bench_env(PYTHONPATH=str(REPO / "src")))
    match = re.search(r"Collected\s*:\s*(\d+)", sample.stderr)
    if match is None:
        raise BenchError(f"no instruction count in callgrind's output:\n{sample.stderr[-1000:]}")
    return int(match.group(1))


def measure(root: Path) -> dict[str, int]:
    python = real_python()
    return {
        "validate": instructions([python, "-m", "longctx_catalog", "--root", str(root), "validate"]),
        "yaml_floor": instructions([python, str(HERE / "drivers.py"), "yaml-floor", str(root)]),
        "python_startup": instructions([python, "-c", "pass"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("--root", type=Path, help="an existing catalogue instead of a generated one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="longctx-callgrind-") as tmp:
        root = args.root
        if root is None:
            root = Path(tmp) / "cat"
            make(args.n, root, seed=1)
        counts = measure(root)
    v, f = counts["validate"], counts["yaml_floor"]
    print(f"validate {v:,} instructions; floor {f:,}; ratio {v / f:.3f} "
          f"(interpreter start-up, {counts['python_startup']:,}, is in both)")


if __name__ == "__main__":
    main()
