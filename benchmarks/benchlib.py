"""Shared measuring helpers for the benchmark scripts: fresh processes, medians, peak memory.

Every stage is timed the way a user meets it: a new Python process per run, so
imports, caches and the garbage collector start cold each time. A process's peak
memory comes from ``os.wait4``, which reports that one child's resource usage
(``RUSAGE_CHILDREN`` would give the maximum over every child waited for so far).
CPU time (user + system) is kept next to wall time: other work on the machine
stretches wall time, CPU time much less, so ratios of CPU times are a cross-check
that does not depend on the load.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
TODAY = "2026-11-22"  # pinned like the tests, so generated records are never "in the future"


class BenchError(RuntimeError):
    """A measured command failed: the benchmark itself is broken, not merely slow."""


@dataclass(frozen=True)
class Sample:
    """One run of one process."""

    wall: float  # seconds
    cpu: float  # user + system seconds of the child
    rss_mb: float  # peak resident set size of the child, MiB
    returncode: int
    stdout: str = ""
    stderr: str = ""


@dataclass(frozen=True)
class Measure:
    """The medians of several runs of the same thing."""

    wall: float
    cpu: float
    rss_mb: float
    runs: int
    p95: float | None = None  # where a spread matters (explorer latencies)

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Measure:
        if not samples:
            raise ValueError("no samples")
        return cls(
            wall=statistics.median(s.wall for s in samples),
            cpu=statistics.median(s.cpu for s in samples),
            rss_mb=statistics.median(s.rss_mb for s in samples),
            runs=len(samples),
        )


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for measured processes: this checkout's code first, today pinned.

    ``PYTHONDONTWRITEBYTECODE`` is dropped: with it every run compiles the package from
    source again (some 30 ms), which no installed copy does. See :func:`warm_bytecode`.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    env.setdefault("LONGCTX_TODAY", TODAY)
    env.update(extra)
    return env


def warm_bytecode() -> None:
    """Compile the package to ``__pycache__`` once, as installing it does, so no measured run pays for it."""
    import compileall

    compileall.compile_dir(str(SRC / "longctx_catalog"), quiet=1)


def run_process(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    ok: Sequence[int] = (0,),
    timeout: float = 1800,
) -> Sample:
    """Run ``argv`` to completion in a new process and measure it.

    Raises :class:`BenchError` (with the end of its stderr) when the exit code is not in ``ok``.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=err, cwd=cwd, env=env or bench_env())
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait for it again
        out.seek(0)
        err.seek(0)
        sample = Sample(
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            rss_mb=usage.ru_maxrss / 1024,  # KiB on Linux
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )
    if sample.returncode not in ok:
        tail = "\n".join((sample.stderr or sample.stdout).strip().splitlines()[-15:])
        raise BenchError(f"`{' '.join(map(str, argv))}` exited {sample.returncode}:\n{tail}")
    return sample


def run_python(code_or_args: Sequence[str], **kwargs) -> Sample:  # type: ignore[no-untyped-def]
    """:func:`run_process` with this interpreter (the one running the benchmark)."""
    return run_process([sys.executable, *code_or_args], **kwargs)


def longctx(root: Path, *args: str, **kwargs) -> Sample:  # type: ignore[no-untyped-def]
    """One ``longctx --root ROOT ARGS...`` run, as ``python -m longctx_catalog`` from this checkout."""
    return run_python(["-m", "longctx_catalog", "--root", str(root), *args], **kwargs)


def json_result(sample: Sample) -> dict:
    """The JSON object a driver script printed as its last stdout line."""
    lines = sample.stdout.strip().splitlines()
    if not lines:
        raise BenchError(f"no result printed; stderr:\n{sample.stderr[-2000:]}")
    return json.loads(lines[-1])


def repeat(runs: int, once: Callable[[], Sample], setup: Callable[[], None] | None = None) -> Measure:
    """Median of ``runs`` runs of ``once``, calling ``setup`` (not measured) before each."""
    samples = []
    for _ in range(runs):
        if setup is not None:
            setup()
        samples.append(once())
    return Measure.of(samples)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def machine() -> dict[str, str]:
    """What RESULTS.md says about where and when it was measured."""
    return {
        "cpus": str(os.cpu_count()),
        "cpu model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "date": dt.date.today().isoformat(),
        "load average": load_average(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
