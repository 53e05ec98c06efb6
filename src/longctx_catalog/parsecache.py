"""Parsed YAML kept between runs of `build` and `serve`: an edit re-parses only the files it changed.

What is worked out from a parsed file alone (a record's check, an arXiv file's check) is
kept the same way (:func:`derived`), under a key of all it depends on.

Parsing is half of loading a big catalogue (0.65 s of about 1.3 s at 5,000 records).
What :func:`.load.read_yaml_file` makes of a file depends only on the file's bytes,
the path it reports problems under and the parser (this tool's loader, PyYAML), so
it is stored under a digest of those, in one file under ``.longctx-cache/``. Each
entry is pickled on its own, so whatever a later step does to the data it was handed
never reaches the file. A file that does not read back exactly (torn, bit-flipped,
written by another version) counts as empty; entries a run did not use are dropped
when it saves, so the file stays the size of one catalogue.

Only the commands that load the catalogue again and again use it (``build``,
``serve``), through :func:`cached_parsing`; nothing else writes to ``.longctx-cache/``.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from . import __version__
from .cachefile import read_cache, write_cache

PARSE_FILE = ".longctx-cache/parsed.pickle"
FORMAT = 1  # bump when what is stored, or how keys are made, changes

_active: ParseCache | None = None
T = TypeVar("T")


def active() -> ParseCache | None:
    """The cache :func:`cached_parsing` opened, if a command is inside one."""
    return _active


def _versions() -> bytes:
    """What parsing depends on besides the file: a new version of any gives new keys."""
    here = Path(__file__).resolve().parent
    h = hashlib.blake2b(f"longctx {__version__} format {FORMAT}".encode(), digest_size=20)
    for name in ("load.py", "diagnostics.py", "parsecache.py"):
        with contextlib.suppress(OSError):
            h.update(name.encode() + (here / name).read_bytes())
    with contextlib.suppress(metadata.PackageNotFoundError):
        h.update(f"pyyaml {metadata.version('pyyaml')}".encode())
    return h.digest()


class ParseCache:
    """Pickled parse results by key (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._versions = _versions()
        self._stored = self._read()
        self._used: dict[bytes, bytes] = {}

    def _read(self) -> dict[bytes, bytes]:
        stored = read_cache(self.path)
        if not isinstance(stored, tuple) or len(stored) != 2:
            return {}
        versions, entries = stored
        if versions != self._versions or not isinstance(entries, dict):
            return {}
        return entries

    def key(self, *parts: str | bytes) -> bytes:
        h = hashlib.blake2b(self._versions, digest_size=20)
        for part in parts:
            data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
            h.update(len(data).to_bytes(8, "little"))
            h.update(data)
        return h.digest()

    def get(self, key: bytes) -> Any:
        """A fresh copy of what was stored under ``key``, or None."""
        blob = self._used.get(key) or self._stored.get(key)
        if blob is None:
            return None
        try:
            value = pickle.loads(blob)
        except Exception:
            return None
        self._used[key] = blob
        return value

    def put(self, key: bytes, value: Any) -> None:
        self._used[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def save(self) -> None:
        """Keep what this run used, and only that; nothing is written when that is what is stored."""
        if self._used.keys() == self._stored.keys():
            return
        if not write_cache(self.path, (self._versions, self._used)):
            return  # a cache: the next run parses again
        self._stored = dict(self._used)


def derived(parts: tuple[str | bytes, ...], make: Callable[[], T]) -> T:
    """``make()``, or what it gave in an earlier run for the same ``parts``, when a cache is open.

    For what is computed from parsed files alone (a record's check): ``parts`` must name every
    input of ``make`` (the file's text and path, the code, today's date...). The value comes
    back unpickled afresh, so changes a caller makes to it never reach the cache."""
    cache = _active
    if cache is None:
        return make()
    key = cache.key("derived", *parts)
    stored = cache.get(key)
    if isinstance(stored, tuple) and len(stored) == 1:
        return stored[0]  # type: ignore[no-any-return]
    value = make()
    cache.put(key, (value,))
    return value


@contextlib.contextmanager
def cached_parsing(root: Path) -> Iterator[ParseCache]:
    """Inside, :func:`.load.read_yaml_file` takes unchanged files from the catalogue's parse
    cache; it is saved when the block ends without an exception."""
    global _active
    cache = ParseCache(root / PARSE_FILE)
    previous, _active = _active, cache
    try:
        yield cache
    finally:
        _active = previous
    cache.save()
