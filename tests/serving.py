"""`longctx serve` run for real in a subprocess, for the tests that watch it rebuild.

Its temp folder goes under the test's own (``TMPDIR``), so a test can check that
nothing is left behind when the server is stopped.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conftest import site_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:  # the loopback server the test started
        return response.read().decode("utf-8")


def wait_for(check: Callable[[], object], timeout: float = 60.0, poll: float = 0.1) -> bool:
    """True as soon as ``check()`` is true (connection errors count as not yet); False after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except OSError:
            pass
        time.sleep(poll)
    return False


@dataclass
class Served:
    process: subprocess.Popen[str]
    base_url: str
    log_file: Path
    temp: Path  # the server's TMPDIR

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


@contextmanager
def serving(root: Path, work: Path) -> Iterator[Served]:
    """`longctx serve` on a free loopback port for the catalogue at ``root``, stopped (SIGTERM) on exit."""
    temp = work / "serve-tmp"
    temp.mkdir(parents=True)
    log_file = work / "serve.log"
    port = free_port()
    env = {**site_env(), "TMPDIR": str(temp), "PYTHONUNBUFFERED": "1"}
    with log_file.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "longctx_catalog", "--root", str(root), "serve", "-a", f"127.0.0.1:{port}"],
            stdout=log, stderr=subprocess.STDOUT, text=True, env=env,
        )
    served = Served(process, f"http://127.0.0.1:{port}/", log_file, temp)
    try:
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
