"""Patch mode: a build that writes only what differs from the site it replaces.

When ``site/`` holds a site already, MkDocs builds into a fresh folder beside it but a file
the site already holds byte for byte is not written there (:func:`unchanged_not_written`):
the fresh folder gets only what changed, and the update is a :class:`~.transaction.SitePatch`.

After each such build the page cache's folder gets a note (:func:`remember_site_files`): for
every page file of the site, the key of the themed page it holds (:mod:`.pagereuse`) and the
file's identity. The next build leaves a page whose key is the same over a file whose identity
is the same as it is, without restoring its themed HTML or reading the file: at 5,000 pages,
128 MB neither unpacked from the cache nor read back. A file written since has another identity
(a rewrite renames a new file in: another inode; an edit in place: another modification time),
so it is compared as before, and put right.

Nothing here imports mkdocs (``site.py`` hands over ``mkdocs.utils``).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .cachefile import unpickle
from .transaction import replace_file


def file_identity(st: os.stat_result) -> tuple[int, int, int, int]:
    """What tells a file apart from any other written since: a rewrite (a new file renamed in)
    changes the inode; an edit in place changes the modification time."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


# Beside the page cache: which page key each page file of the last site built was made from,
# and that file's identity (file_identity), for the next patched build to keep.
SITE_FILES_NOTE = "site-files.pickle"
_NOTE_FORMAT = 1


def site_files_note(cache: Path) -> Path:
    """Where the builds that use the page cache ``cache`` note their site's page files."""
    return cache.with_name(SITE_FILES_NOTE)


def remember_site_files(note: Path, site_dir: Path, files: dict[str, tuple[bytes, tuple[int, ...]]]) -> None:
    """Write the note for the site in ``site_dir`` (atomically: a half-written note would be read as none)."""
    data = pickle.dumps({"format": _NOTE_FORMAT, "site": str(site_dir.resolve()), "files": files},
                        protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError):  # a note is an optimisation: without one, every page is checked
        replace_file(note, data)


def noted_site_files(note: Path, site_dir: Path) -> dict[str, tuple[bytes, tuple[int, ...]]]:
    """The note for the site in ``site_dir``, or nothing when it is missing, damaged, of another
    format or about another folder (`serve` builds elsewhere, with the same page cache)."""
    try:
        data = unpickle(note.read_bytes())  # our own file in the catalogue's cache folder
        mine = isinstance(data, dict) and data.get("format") == _NOTE_FORMAT and data.get("site") == str(site_dir)
        files = data["files"] if mine else {}
        return {rel: (key, tuple(ident)) for rel, (key, ident) in files.items()
                if isinstance(rel, str) and isinstance(key, bytes) and len(ident) == 4
                and all(isinstance(n, int) for n in ident)}
    except Exception:
        return {}


def site_files(fresh: Path, themed: dict[str, bytes], same: dict[str, tuple[int, ...]],
               ) -> dict[str, tuple[bytes, tuple[int, ...]]]:
    """Each page file's key and identity as the site will hold it: a file written into ``fresh``
    keeps its identity when it is moved into place (a rename), one the site keeps has its own
    (``same``, taken when it was found to hold the page)."""
    out: dict[str, tuple[bytes, tuple[int, ...]]] = {}
    for rel, key in themed.items():
        ident = same.get(rel)
        if ident is None:
            try:
                st = os.lstat(fresh / rel)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            ident = file_identity(st)
        out[rel] = (key, ident)
    return out


# What may run during a patched build: these write every file through mkdocs.utils (or
# into the fresh folder, where it is found) and read nothing back from the site folder.
# A hook or another plugin might read a file the patch did not write: a full build then.
PATCH_SAFE_PLUGINS = {"search", "material/search"}


def patchable(config) -> bool:  # type: ignore[no-untyped-def]
    return all(name in PATCH_SAFE_PLUGINS or name.startswith("longctx/") for name in config.plugins) \
        and not config.get("hooks")


@contextlib.contextmanager
def unchanged_not_written(fresh: Path, base: Path | None, kept: dict[str, tuple[int, ...]], utils: Any,
                          ) -> Iterator[tuple[set[str], dict[str, tuple[int, ...]]]]:
    """While MkDocs builds into ``fresh``, a file that ``base`` already holds byte for byte
    is only noted (in the set yielded), not written; with no ``base``, nothing changes.

    ``kept``: files that ``base`` holds as they should be, known without reading them
    (relative path -> file identity; pagereuse's kept pages, filled while MkDocs builds):
    whatever MkDocs writes there is not even compared. The dict yielded beside the set
    gives the identity of every file ``base`` keeps. ``utils`` is ``mkdocs.utils``, whose
    ``write_file`` and ``copy_file`` are replaced meanwhile.
    """
    produced: set[str] = set()
    same: dict[str, tuple[int, ...]] = {}
    if base is None:
        yield produced, same
        return
    write, copy = utils.write_file, utils.copy_file
    prefix = str(fresh) + os.sep

    def unchanged(output_path: str, content: Callable[[], bytes]) -> bool:
        path = os.path.abspath(output_path)
        if not path.startswith(prefix):
            return False
        rel = path[len(prefix):]
        produced.add(rel)
        ident = kept.get(rel)
        if ident is None:
            ident = _holds(base / rel, content)
        if ident is None:
            return False
        same[rel] = ident
        return True

    def write_file(content: bytes, output_path: str) -> None:
        if not unchanged(output_path, lambda: content):
            write(content, output_path)

    def copy_file(source_path: str, output_path: str) -> None:
        if os.path.isdir(output_path) or not unchanged(output_path, Path(source_path).read_bytes):
            copy(source_path, output_path)

    utils.write_file, utils.copy_file = write_file, copy_file
    try:
        yield produced, same
    finally:
        utils.write_file, utils.copy_file = write, copy


def _holds(path: Path, content: Callable[[], bytes]) -> tuple[int, ...] | None:
    """The identity of ``path`` (:func:`file_identity`) if it is a regular file holding
    ``content()`` (sizes compared first), else None. Taken before reading: a file changed
    after that has another identity, so it is never noted as holding what it no longer holds."""
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            return None
        data = content()
        return file_identity(st) if st.st_size == len(data) and path.read_bytes() == data else None
    except OSError:
        return None


def written(folder: Path) -> Iterator[str]:
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            yield os.path.relpath(os.path.join(dirpath, name), folder)


def to_remove(site_dir: Path, produced: set[str]) -> list[str]:
    """What ``site_dir`` holds that the site built as ``produced`` (relative file paths) does
    not: files, whole folders, and anything where a produced file or folder must go."""
    folders = {os.path.dirname(rel) for rel in produced}
    for rel in list(folders):
        while rel:
            rel = os.path.dirname(rel)
            folders.add(rel)
    out: list[str] = []

    def walk(folder: str) -> None:
        with os.scandir(site_dir / folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                rel = os.path.join(folder, entry.name) if folder else entry.name
                if entry.is_dir(follow_symlinks=False):
                    if rel in folders:
                        walk(rel)
                    else:
                        out.append(rel)
                elif rel not in produced:
                    out.append(rel)

    walk("")
    return out
