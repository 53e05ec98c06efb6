"""One value pickled in a checksummed file under ``.longctx-cache/``, and the digest of the code that
computed it: what the caches there share.

A cache file is the tool's own, never shared or downloaded, so pickle is safe to read
back; the checksum makes a torn or bit-flipped file read as missing rather than as
wrong data, and the file is replaced whole (temp file, then ``os.replace``), so a
reader never meets half of one. A cache that cannot be written is only slower next time.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import pickle
import sys
from pathlib import Path
from typing import Any

from .transaction import replace_file


def _check(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=16).digest()


def read_cache(path: Path) -> Any:
    """The value :func:`write_cache` stored in ``path``, or None when it is missing or damaged."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    check, payload = blob[:16], blob[16:]
    if _check(payload) != check:
        return None
    try:
        return unpickle(payload)  # our own file, checksummed, never shared
    except Exception:
        return None


def unpickle(data: bytes) -> Any:
    """``pickle.loads`` with the cyclic garbage collector paused: unpickling makes many objects and
    frees none, so the collections their allocations set off find nothing. Unpacking the 5,000
    page-cache entries of a 5k site alone: 0.76 s -> 0.39 s; inside a build, where collections
    fall differently, the gain is smaller (~0.1 s, within this machine's noise)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    finally:
        if was_enabled:
            gc.enable()


@functools.cache
def code_digest(*names: str) -> bytes:
    """A digest of this package's files ``names`` (paths relative to it; a folder means every .py under
    it, "." the whole package) and of Python's version: what a cached result was computed by (the
    checks lean on the standard library too: URL parsing, dates)."""
    here = Path(__file__).resolve().parent
    paths: list[Path] = []
    for name in names:
        path = here / name
        paths.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    h = hashlib.blake2b(sys.version.encode(), digest_size=20)
    for path in paths:
        with contextlib.suppress(OSError):
            h.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes())
    return h.digest()


def write_cache(path: Path, value: Any) -> bool:
    """Store ``value`` in ``path``, whole or not at all; False when it could not be written."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        replace_file(path, _check(payload) + payload)
    except OSError:
        return False
    return True
