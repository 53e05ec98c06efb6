"""One value pickled in a checksummed file under ``.longctx-cache/``: what the caches there share.

A cache file is the tool's own, never shared or downloaded, so pickle is safe to read
back; the checksum makes a torn or bit-flipped file read as missing rather than as
wrong data, and the file is replaced whole (temp file, then ``os.replace``), so a
reader never meets half of one. A cache that cannot be written is only slower next time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

from .transaction import write_temp


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
        return pickle.loads(payload)  # our own file, checksummed, never shared
    except Exception:
        return None


def write_cache(path: Path, value: Any) -> bool:
    """Store ``value`` in ``path``, whole or not at all; False when it could not be written."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        temp = write_temp(path, _check(payload) + payload)
    except OSError:
        return False
    try:
        os.replace(temp, path)
    except BaseException as err:
        temp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            return False
        raise
    return True
