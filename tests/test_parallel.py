"""parallel.Deferred's failure paths, with real forked children.

Whatever goes wrong in the child must reach the parent as an exception that says what
happened — never a hang, a silent ``None`` or a lost traceback — and the child must be
gone afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from longctx_catalog.parallel import ChildFailed, Deferred, ForkHelper, _can_fork

needs_fork = pytest.mark.skipif(not _can_fork(), reason="no fork on this platform")


class Unpicklable(Exception):
    """An exception that carries a lock, which pickle refuses."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


def finished(deferred: Deferred) -> bool:  # type: ignore[type-arg]
    return deferred._process is None  # the child was joined (no zombie left behind)


@needs_fork
def test_the_result_comes_from_the_child() -> None:
    parent = os.getpid()
    deferred = Deferred(os.getpid)
    assert deferred.result() != parent
    assert finished(deferred)


@needs_fork
def test_an_exception_in_the_child_is_raised_in_the_parent_as_it_was() -> None:
    def fail() -> None:
        raise ValueError("bad record in papers/x.yaml")

    deferred = Deferred(fail)
    with pytest.raises(ValueError, match=r"^bad record in papers/x\.yaml$"):
        deferred.result()
    assert finished(deferred)


@needs_fork
def test_system_exit_in_the_child_comes_back_too() -> None:
    def leave() -> None:
        raise SystemExit(3)

    with pytest.raises(SystemExit) as exc:
        Deferred(leave).result()
    assert exc.value.code == 3


@needs_fork
def test_an_exception_that_does_not_pickle_comes_back_as_its_traceback() -> None:
    def fail() -> None:
        raise Unpicklable("the lock cannot travel")

    with pytest.raises(ChildFailed) as exc:
        Deferred(fail).result()
    text = str(exc.value)
    assert "Unpicklable: the lock cannot travel" in text
    assert "Traceback" in text and "in fail" in text


@needs_fork
def test_a_result_that_does_not_pickle_is_a_child_failure() -> None:
    with pytest.raises(ChildFailed, match=r"<unlocked _thread\.lock object"):
        Deferred(threading.Lock).result()


@needs_fork
@pytest.mark.parametrize("how", ["exit", "signal"])
def test_a_child_that_dies_without_a_result(how: str) -> None:
    def die() -> None:
        if how == "exit":
            os._exit(7)
        os.kill(os.getpid(), signal.SIGKILL)

    deferred = Deferred(die)
    with pytest.raises(ChildFailed, match="ended without a result"):
        deferred.result()
    assert finished(deferred)


@needs_fork
def test_cancel_stops_a_child_that_is_still_working() -> None:
    started = os.pipe()

    def work() -> None:
        os.write(started[1], b"1")
        threading.Event().wait()  # forever, unless stopped

    deferred = Deferred(work)
    assert os.read(started[0], 1) == b"1"  # the child is running
    process = deferred._process
    deferred.cancel()
    assert not process.is_alive() and process.exitcode == -signal.SIGTERM
    assert finished(deferred)
    deferred.cancel()  # twice is harmless
    os.close(started[0])
    os.close(started[1])


def test_without_fork_the_function_runs_in_the_parent_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGCTX_NO_FORK", "1")
    calls: list[int] = []

    def work() -> int:
        calls.append(os.getpid())
        raise KeyError("missing")

    deferred = Deferred(work)
    assert calls == []  # nothing runs until the result is asked for
    with pytest.raises(KeyError):
        deferred.result()
    assert calls == [os.getpid()]
    with pytest.raises(RuntimeError, match="already taken"):
        deferred.result()
    assert len(calls) == 1


# --- the parent dies first (issue 15) -------------------------------------------------------

_DYING_PARENT = """
import os, signal, time
from longctx_catalog.parallel import Deferred

def big():
    time.sleep(0.3)  # the parent is dead by the time the result is ready
    return "x" * 10_000_000  # far more than a pipe holds: writing it blocks while a reader exists

deferred = Deferred(big)
print(deferred._process.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _running(pid: int) -> bool:
    """True while the process exists and has not exited (a zombie waiting for init has exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return False
    return "\nState:\tZ" not in status


@needs_fork
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_the_child_ends_when_the_parent_is_killed() -> None:
    # Not subprocess.run: a blocked orphan would hold the output pipe open, and run() wait for it.
    parent = subprocess.Popen([sys.executable, "-c", _DYING_PARENT], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    assert parent.stdout is not None and parent.stderr is not None
    child = int(parent.stdout.readline())
    assert parent.wait(timeout=60) == -9
    deadline = time.monotonic() + 10
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = _running(child)
    if alive:  # do not leave it behind when the test fails
        os.kill(child, signal.SIGKILL)
    assert not alive, "the forked child is still blocked writing its result to a dead parent"
    assert "Traceback" not in parent.stderr.read()  # the child ends quietly


# --- ForkHelper: forks for a caller beside threads (serve's rebuilds) ----------------------------

_CALLS = 0  # module state a call changes: a fresh fork per call must not see the last call's


def _probe() -> tuple[int, int, int, bool, int]:
    global _CALLS
    _CALLS += 1
    nested = Deferred(os.getpid).result() != os.getpid()  # a fork of its own, as a rebuild's render does
    return os.getpid(), os.getppid(), threading.active_count(), nested, _CALLS


def _fail() -> None:
    raise ValueError("papers/x.yaml: bad")


@needs_fork
def test_the_helper_runs_each_call_in_a_fresh_fork_with_one_thread() -> None:
    stop = threading.Event()
    beside = threading.Thread(target=stop.wait, daemon=True)  # as the HTTP server's threads are
    beside.start()
    try:
        with ForkHelper() as helper:
            first = helper.run(_probe)
            second = helper.run(_probe)
            helper_pid = helper._process.pid
            with pytest.raises(ValueError, match=r"^papers/x\.yaml: bad$"):
                helper.run(_fail)
            assert helper.run(_probe)[1] == helper_pid  # a failed call leaves the helper working
        assert helper._process is None and not _running(helper_pid)
    finally:
        stop.set()
    for pid, parent, threads, nested, calls in (first, second):
        assert pid not in (os.getpid(), helper_pid) and parent == helper_pid
        assert threads == 1 and nested
        assert calls == 1  # started from the helper's state, not the last call's
    assert first[0] != second[0]


_INTERRUPTED_CALLER = """
import functools, signal, threading, time
from longctx_catalog.parallel import ForkHelper

def interrupt(signum, frame):  # as serve does: SIGTERM stops it as Ctrl+C would
    raise KeyboardInterrupt

signal.signal(signal.SIGTERM, interrupt)
helper = ForkHelper()


def tell() -> None:  # and stay: the caller runs beside a thread, as serve does
    time.sleep(0.5)
    print(helper._process.pid, flush=True)
    threading.Event().wait()


threading.Thread(target=tell, daemon=True).start()
try:
    helper.run(functools.partial(time.sleep, 60))
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="utf-8").split()]
    except OSError:
        return []


@needs_fork
@pytest.mark.skipif(not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(), reason="needs /proc")
def test_an_interrupted_caller_leaves_no_call_running() -> None:
    caller = subprocess.Popen([sys.executable, "-c", _INTERRUPTED_CALLER], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    assert caller.stdout is not None and caller.stderr is not None
    helper = int(caller.stdout.readline())
    deadline = time.monotonic() + 30
    while not _children(helper) and time.monotonic() < deadline:
        time.sleep(0.05)
    (call,) = _children(helper)  # the call under way, sleeping
    caller.send_signal(signal.SIGTERM)
    assert caller.wait(timeout=10) == 0  # at once, not when the call is done
    assert caller.stdout.read() == "interrupted\n"
    deadline = time.monotonic() + 10
    while (_running(call) or _running(helper)) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in (call, helper) if _running(pid)]
    for pid in left:  # do not leave them behind when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not left, "the call went on running after its caller was interrupted"
    assert "Traceback" not in caller.stderr.read()
