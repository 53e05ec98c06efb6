"""Run one function in a forked child process while the parent goes on with other work.

``longctx build`` renders the committed pages (for GitHub) and the site's pages from
the same loaded catalogue; the two renders are independent, so on a machine with a
second core the first runs in a child while the parent renders and builds the site.
A forked child shares the loaded catalogue without copying or pickling it; only the
result comes back, pickled through a pipe.

:class:`ForkHelper` gives the same to a caller that runs beside threads (``serve``),
where forking is unsafe: each call runs in a fork of a single-threaded helper process.

Where ``fork`` is not available (Windows, or ``LONGCTX_NO_FORK=1``) the function
simply runs in the parent when the result is asked for, with the same result.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ChildFailed(RuntimeError):
    """The child raised something that could not be sent back as it was."""


class Deferred(Generic[T]):
    """The result of ``fn()``, computed in a child started now; :meth:`result` waits for it."""

    def __init__(self, fn: Callable[[], T], *, daemon: bool = True) -> None:
        self._fn: Callable[[], T] | None = fn
        self._process: Any = None
        self._conn: Any = None
        if _can_fork():
            context = multiprocessing.get_context("fork")
            receive, send = context.Pipe(duplex=False)
            # A daemon is ended if this process exits first, but may start no child of its own.
            self._process = context.Process(target=_child, args=(fn, send, receive), daemon=daemon)
            self._process.start()
            send.close()
            self._conn = receive

    def result(self) -> T:
        if self._process is None:
            fn, self._fn = self._fn, None
            if fn is None:
                raise RuntimeError("result() already taken")
            return fn()
        try:
            status, value = self._conn.recv()
        except EOFError:
            status, value = "crash", "the child process ended without a result"
        except BaseException:  # Ctrl+C, or SIGTERM made one: the child's work is wanted no more
            self._process.terminate()
            raise
        finally:
            self._conn.close()
            self._process.join()
            self._process = None
        return _outcome(status, value)  # type: ignore[no-any-return]

    def cancel(self) -> None:
        """Stop the child if the parent no longer needs its result."""
        if self._process is not None:
            self._process.terminate()
            self._process.join()
            self._conn.close()
            self._process = None


def _can_fork() -> bool:
    return (hasattr(os, "fork") and sys.platform != "win32" and os.environ.get("LONGCTX_NO_FORK") != "1"
            and "fork" in multiprocessing.get_all_start_methods())


def _child(fn: Callable[[], Any], conn: Any, parents_end: Any) -> None:
    # The fork gave this process a copy of the pipe's read end too. Closed, the parent's
    # is the only one: if the parent dies, writing the result fails (EPIPE) at once,
    # instead of blocking forever on a full pipe that this process itself keeps open.
    parents_end.close()
    try:
        message: tuple[str, Any] = ("ok", fn())
    except BaseException as err:  # everything goes back to the parent, which decides
        message = ("raise", err)
    try:
        _send(conn, message)
    finally:
        conn.close()


def _send(conn: Any, message: tuple[str, Any]) -> bool:
    """Send ("ok", value) or ("raise", exception) back; False when the other end is gone."""
    try:
        conn.send(message)
    except OSError:  # the parent is gone (EPIPE): nobody wants the result
        return False
    except Exception:  # the value or the exception would not pickle: send its description
        detail = message[1]
        text = "".join(traceback.format_exception(detail)) if isinstance(detail, BaseException) else repr(detail)
        conn.send(("crash", text))
    return True


def _outcome(status: str, value: Any) -> Any:
    """What a child sent back, as the caller sees it: the value, or the exception raised here."""
    if status == "ok":
        return value
    if status == "raise":
        raise value
    raise ChildFailed(value)


class ForkHelper:
    """Runs each ``fn`` in a fresh fork of a helper process that has one thread.

    For a caller that runs beside threads (``serve``'s rebuilds, next to the HTTP
    server): ``fork`` there would copy locks the other threads hold, so that work had to
    stay serial. The helper is started once with ``spawn`` (a new interpreter: no thread,
    no lock copied), imports ``preload`` then, and forks a child per call, which may fork
    in turn (:class:`Deferred`) and starts from the same clean state every time. ``fn``
    must pickle (a module-level function, or a partial of one). Where processes cannot
    be forked, ``fn()`` runs here.
    """

    def __init__(self, preload: Sequence[str] = ()) -> None:
        self._preload = tuple(preload)
        self._process: Any = None
        self._conn: Any = None

    def run(self, fn: Callable[[], T]) -> T:
        if not _can_fork() or "spawn" not in multiprocessing.get_all_start_methods():
            return fn()
        if self._process is None or not self._process.is_alive():
            self._start()
        try:
            self._conn.send(fn)
            # Waiting in short spells: should the kernel hand a signal to another thread, its
            # handler runs here only when this thread is back in Python, not after the call.
            while not self._conn.poll(0.2):
                pass
            status, value = self._conn.recv()
        except (EOFError, OSError):
            self.close()
            raise ChildFailed("the helper process ended without a result") from None
        except BaseException:  # Ctrl+C, or SIGTERM made one: the helper stops its child and goes
            self.close()
            raise
        return _outcome(status, value)  # type: ignore[no-any-return]

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=_helper, args=(theirs, self._preload), daemon=True)
        self._process.start()
        theirs.close()

    def close(self) -> None:
        """Stop the helper (and the child it runs, if any)."""
        if self._process is not None:
            self._process.terminate()
            self._process.join()
            self._conn.close()
            self._process = self._conn = None

    def __enter__(self) -> ForkHelper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _helper(conn: Any, preload: tuple[str, ...]) -> None:
    import importlib
    import signal

    running: list[int] = []  # the pid of the call under way, if any

    def stop(signum: int, frame: object) -> None:
        """SIGTERM (the caller's close): the call under way goes too, at once."""
        for pid in running:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        os._exit(1)

    # Ctrl+C reaches every process of the terminal: the caller decides, and stops this
    # one with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stop)
    # The caller ends this process at its exit (it is its daemon); its calls here are not
    # daemons, as they start children of their own (Deferred), which a daemon may not.
    multiprocessing.current_process().daemon = False
    for name in preload:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    while True:
        try:
            fn = conn.recv()
        except EOFError:  # the caller is gone
            return
        # SIGTERM waits while the call starts, so its pid is known when stop() runs.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        call = Deferred(functools.partial(_call, fn), daemon=False)
        running[:] = [call._process.pid]
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        try:
            message: tuple[str, Any] = ("ok", call.result())
        except BaseException as err:
            message = ("raise", err)
        running.clear()
        if not _send(conn, message):
            return


def _call(fn: Callable[[], T]) -> T:
    """A call in a fork of the helper: SIGTERM ends it at once (see _helper)."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    return fn()
