"""The site's page cache: what MkDocs made of each page last time, so an edit rebuilds only what it touched.

MkDocs spends nearly all of a build on two steps per page: converting its markdown to
HTML, and rendering that HTML into the theme (navigation, header, footer). Both are
pure functions of what they read, so each result is stored under a key that hashes
exactly that:

- ``render``: the page's markdown and front matter, the markdown settings, and every
  other file the page's links were resolved against (recorded while it rendered,
  checked again before a stored result is used: a deleted or moved target misses);
- ``search``: the page's search-index entries, keyed by its render key, URL and title;
- ``page``: the themed HTML, keyed by the render key, the page's place in the site
  (URL, title, neighbours, parents) and a fingerprint of the whole site's shape (the
  config, the theme overrides, the navigation with every title and URL).

A page whose render or theming logged a warning is not stored, so a warning is never
swallowed by a hit. Everything is in one SQLite file beside the staged site; each value
carries a checksum, the file a format version, and anything that does not read back
exactly (a torn write, a bit flip, another version of this tool or of MkDocs) is a
miss or a fresh, empty cache: a damaged cache costs time, never a wrong site.
Entries not used by a successful build are dropped, so the file stays the size of one
site.

Nothing here imports mkdocs (see :mod:`longctx_catalog.site`).
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import sqlite3
import zlib
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__
from .cachefile import unpickle

CACHE_FILE = "pages.sqlite"
# Bump when what is stored, or how keys are made, changes.
FORMAT = 2
LIBRARIES = ("mkdocs", "mkdocs-material", "pymdown-extensions", "markdown", "jinja2", "pyyaml")


def cache_file(stage_dir: Path) -> Path:
    """Where the page cache of the site staged in ``stage_dir`` lives."""
    return stage_dir / CACHE_FILE


def digest(*parts: Any) -> bytes:
    """A key from ``parts``: strings, bytes, or anything with a stable ``repr`` (sorted dicts)."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        if isinstance(part, bytes):
            data = part
        else:
            data = (part if isinstance(part, str) else stable_repr(part)).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.digest()


def stable_repr(value: Any) -> str:
    """``repr`` that is the same in every process: dicts and sets sorted, functions by name."""
    if isinstance(value, Mapping):
        items = sorted((stable_repr(k), stable_repr(v)) for k, v in value.items())
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(stable_repr(v) for v in value) + "]"
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(stable_repr(v) for v in value)) + "}"
    if value is None or isinstance(value, (str, int, float, bool, bytes)):
        return repr(value)
    if callable(value) and hasattr(value, "__qualname__"):
        return f"<{getattr(value, '__module__', '?')}.{value.__qualname__}>"
    text = repr(value)
    if " at 0x" in text:  # an object whose repr is its address: never equal twice, so never a false hit
        return f"<unstable {id(value)} {text}>"
    return text


def tool_versions() -> str:
    """This tool's and the site libraries' versions: a new one of any gives new keys."""
    parts = [f"longctx {__version__}", f"format {FORMAT}"]
    # This module and the MkDocs side of the cache: a changed key recipe must not meet old entries.
    here = Path(__file__).resolve().parent
    for name in ("sitecache.py", "pagereuse.py", "pagekeys.py", "pageshare.py"):
        try:
            parts.append(f"{name} {hashlib.blake2b((here / name).read_bytes(), digest_size=10).hexdigest()}")
        except OSError:
            parts.append(f"{name} -")
    for name in LIBRARIES:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} -")
    return "\n".join(parts)


def files_digest(folder: Path) -> str:
    """Every file under ``folder`` (path and bytes), for the theme overrides."""
    h = hashlib.blake2b(digest_size=20)
    if folder.is_dir():
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            data = file.read_bytes()
            h.update(f"{file.relative_to(folder).as_posix()}\0{len(data)}\0".encode())
            h.update(data)
    return h.hexdigest()


class PageCache:
    """Stored results by (kind, key); see the module docstring. Use as a context manager.

    Reads go straight to the file; writes are kept until :meth:`commit`, which a build
    calls only when it succeeded, together with dropping what that build did not use.
    """

    def __init__(self, path: Path | None, versions: str | None = None) -> None:
        self.path = path
        self.versions = versions if versions is not None else tool_versions()
        self.hits = 0
        self.misses = 0
        self._pending: dict[tuple[str, bytes], bytes] = {}
        self._used: set[tuple[str, bytes]] = set()
        self._read: dict[str, dict[bytes, bytes]] = {}  # kind -> the file's entries (see _stored)
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._open()

    def detached(self) -> PageCache:
        """An empty cache with the same versions and no file: for a forked child, which sends back :meth:`made`."""
        return PageCache(None, self.versions)

    def made(self) -> dict[tuple[str, bytes], bytes]:
        """The entries put since this cache was opened, packed."""
        return dict(self._pending)

    def take(self, entries: dict[tuple[str, bytes], bytes]) -> None:
        """Entries a child made (:meth:`made`), as if put here."""
        self._pending.update(entries)

    def count(self, kind: str) -> int:
        if self._db is None:
            return 0
        try:
            return int(self._db.execute("SELECT count(*) FROM entries WHERE kind = ?", (kind,)).fetchone()[0])
        except sqlite3.DatabaseError:
            return 0

    def has(self, kind: str, key: bytes | None) -> bool:
        """Whether an entry is stored under (kind, key); it may still fail to read back."""
        if key is None:
            return False
        if (kind, key) in self._pending:
            return True
        return key in self._stored(kind)

    def _stored(self, kind: str) -> dict[bytes, bytes]:
        """Every stored entry of ``kind``, read in one query when first asked for: a build looks
        up nearly all of them, and one scan of the file is several times cheaper than a query
        per page."""
        rows = self._read.get(kind)
        if rows is None:
            rows = {}
            if self._db is not None:
                try:
                    # As bytes whatever their type: a value damaged into TEXT that is not UTF-8 would
                    # otherwise fail the whole query, not only its own checksum.
                    rows = {bytes(key): value for key, value in self._db.execute(
                        "SELECT CAST(key AS BLOB), CAST(value AS BLOB) FROM entries WHERE kind = ?", (kind,))}
                except sqlite3.DatabaseError:
                    rows = {}
            self._read[kind] = rows
        return rows

    # -- the file --------------------------------------------------------------------

    def _open(self) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(2):
            try:
                db = sqlite3.connect(self.path, isolation_level=None)
                db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT NOT NULL, key BLOB NOT NULL, "
                           "value BLOB NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID")
                row = db.execute("SELECT value FROM meta WHERE name = 'versions'").fetchone()
                if row is None or row[0] != self.versions:
                    db.execute("DELETE FROM entries")
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('versions', ?)", (self.versions,))
                self._db = db
                return
            except sqlite3.DatabaseError:
                with contextlib.suppress(Exception):
                    db.close()
                if attempt:
                    raise
                self._discard_file()  # not a database, or a damaged one: start again

    def _discard_file(self) -> None:
        if self.path is None:
            return
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        self._read.clear()
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> PageCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- entries ---------------------------------------------------------------------

    def get(self, kind: str, key: bytes) -> Any:
        """The value stored under (kind, key), or None (also for anything that does not read back)."""
        blob = self._pending.get((kind, key))
        if blob is None:
            blob = self._stored(kind).get(key)
        value = _unpack(blob) if blob is not None else None
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        self._used.add((kind, key))
        return value

    def keep(self, kind: str, key: bytes) -> None:
        """Keep the entry under (kind, key), if there is one, without reading it: what it holds is
        in use without being needed now (a page file the site keeps)."""
        if (kind, key) in self._pending or key in self._stored(kind):
            self.hits += 1
            self._used.add((kind, key))

    def put(self, kind: str, key: bytes, value: Any) -> None:
        self._pending[(kind, key)] = _pack(value)
        self._used.add((kind, key))

    def commit(self) -> None:
        """Store what this build made and drop every entry it did not use."""
        if self._db is None:
            return
        db = self._db
        try:
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                           [(kind, key, blob) for (kind, key), blob in self._pending.items()])
            db.execute("CREATE TEMP TABLE IF NOT EXISTS used (kind TEXT, key BLOB, PRIMARY KEY (kind, key))")
            db.execute("DELETE FROM used")
            db.executemany("INSERT OR IGNORE INTO used VALUES (?, ?)", self._used)
            db.execute("DELETE FROM entries WHERE NOT EXISTS "
                       "(SELECT 1 FROM used WHERE used.kind = entries.kind AND used.key = entries.key)")
            db.execute("COMMIT")
        except sqlite3.DatabaseError:
            with contextlib.suppress(sqlite3.DatabaseError):
                db.execute("ROLLBACK")
            # A cache that cannot be written is dropped; the next build starts from nothing.
            self.close()
            self._discard_file()
        self._pending.clear()
        self._read.clear()

    def keys(self, kind: str) -> Iterable[bytes]:
        """The stored keys of ``kind`` (for tests)."""
        if self._db is None:
            return []
        return [row[0] for row in self._db.execute("SELECT key FROM entries WHERE kind = ?", (kind,))]


def _pack(value: Any) -> bytes:
    # Compressed (themed pages repeat the navigation: ~8x smaller), then checksummed.
    data = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
    return hashlib.blake2b(data, digest_size=16).digest() + data


def _unpack(blob: bytes) -> Any:
    check, data = bytes(blob[:16]), bytes(blob[16:])
    if hashlib.blake2b(data, digest_size=16).digest() != check:
        return None
    try:
        return unpickle(zlib.decompress(data))  # our own file, checksummed, never shared
    except Exception:
        return None
