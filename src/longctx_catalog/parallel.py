"""Run one function in a forked child process while the parent goes on with other work.

``longctx build`` renders the committed pages (for GitHub) and the site's pages from
the same loaded catalogue; the two renders are independent, so on a machine with a
second core the first runs in a child while the parent renders and builds the site.
A forked child shares the loaded catalogue without copying or pickling it; only the
result comes back, pickled through a pipe.

Where ``fork`` is not available (Windows, or ``LONGCTX_NO_FORK=1``) the function
simply runs in the parent when the result is asked for, with the same result.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ChildFailed(RuntimeError):
    """The child raised something that could not be sent back as it was."""


class Deferred(Generic[T]):
    """The result of ``fn()``, computed in a child started now; :meth:`result` waits for it."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn: Callable[[], T] | None = fn
        self._process: Any = None
        self._conn: Any = None
        if _can_fork():
            context = multiprocessing.get_context("fork")
            receive, send = context.Pipe(duplex=False)
            self._process = context.Process(target=_child, args=(fn, send, receive), daemon=True)
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
        finally:
            self._conn.close()
            self._process.join()
            self._process = None
        if status == "ok":
            return value  # type: ignore[no-any-return]
        if status == "raise":
            raise value
        raise ChildFailed(value)

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
        conn.send(message)
    except OSError:  # the parent is gone (EPIPE): nobody wants the result
        pass
    except Exception:  # the value or the exception would not pickle: send its description
        detail = message[1]
        text = "".join(traceback.format_exception(detail)) if isinstance(detail, BaseException) else repr(detail)
        conn.send(("crash", text))
    finally:
        conn.close()
