"""How long `longctx serve` takes from saving an edit to serving the changed page (issue 20).

    python benchmarks/bench_serve.py [--sizes 1000 5000] [--runs 3]

For each size a catalogue is generated (make_catalogue.py, seed 1) and `longctx serve`
started on a free port of 127.0.0.1 (its first build is not timed). Then, ``--runs``
times, one paper's TL;DR is rewritten (bench_build.Edits.tldr) and the paper's page
is fetched over HTTP every 20 ms until it shows the new text: the time from the write
to that answer is what a contributor waits before the preview can reload (MkDocs'
server notices the change by polling the inputs every 0.5 s, then waits 0.1 s for more
changes; both are in the number). The median and the slowest run are printed.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_build import ENV, Edits, longctx  # noqa: E402
from benchlib import BenchError  # noqa: E402
from make_catalogue import make  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # 127.0.0.1 only
            return answer.read().decode("utf-8", "replace")
    except OSError:
        return ""


def wait_for(url: str, text: str, timeout: float, server: subprocess.Popen) -> float:
    """Seconds until ``url`` answers with ``text`` in it (polled every 20 ms)."""
    start = time.perf_counter()
    while text not in fetch(url):
        if server.poll() is not None:
            raise BenchError(f"`longctx serve` exited with {server.returncode}")
        if time.perf_counter() - start > timeout:
            raise BenchError(f"{url} did not show {text!r} within {timeout:.0f} s")
        time.sleep(0.02)
    return time.perf_counter() - start


def measure(n: int, runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / f"cat{n}"
        make(n, root, seed=1)
        edits = Edits(root)
        port = free_port()
        url = f"http://127.0.0.1:{port}/papers/{edits.record.stem}/"
        log = open(Path(tmp) / "serve.log", "wb")  # noqa: SIM115 - closed below
        server = subprocess.Popen(longctx("serve", "-a", f"127.0.0.1:{port}"), cwd=root, env=ENV,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(url, "<html", 1800, server)
            times = []
            for _ in range(runs):
                edits.tldr()
                times.append(wait_for(url, f"change {edits.count}.", 600, server))
                time.sleep(1.0)  # let the server settle (its next poll of the inputs) before the next edit
            return times
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'records':>8} {'median s':>9} {'slowest s':>10}  runs")
    for n in args.sizes:
        try:
            times = measure(n, args.runs)
        except BenchError as err:
            raise SystemExit(str(err)) from None
        print(f"{n:>8} {statistics.median(times):>9.2f} {max(times):>10.2f}  {[round(t, 2) for t in times]}",
              flush=True)


if __name__ == "__main__":
    main()
