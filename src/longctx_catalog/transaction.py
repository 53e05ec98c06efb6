"""Change many files (and the site folder) as one: all of them, or none, as far as the filesystem allows.

`render` and `build` change several files at once (docs/ pages, README.md, the site
folder). Done one by one, a read-only page or a ``kill -9`` halfway would leave old
and new pages mixed. So a change goes in three steps:

1. :meth:`Transaction.prepare`: every target is checked for writing and every new
   content written to a temporary file beside it. Nothing visible has changed yet; a
   failure removes the temporary files.
2. :meth:`Transaction.commit`: a journal naming every rename is written to
   ``.longctx-cache/journal/<pid>.json``, then the renames are made (each one atomic),
   then the journal is deleted. A failure midway puts back what was renamed (the old
   contents are kept until then) and re-raises.
3. If the process is killed during the renames, the journal survives it. The next
   `render` or `build` (:func:`recover`) finds the journal of a process that is no
   longer running and completes the renames: every temporary file was complete
   before the journal was written, so the result is the whole new set.

A site update is either a whole new folder swapped in (two renames) or, when only
some of its files changed, a :class:`SitePatch`: the new and changed files renamed
into the site folder one by one and the files no build makes any more moved out,
each old file kept aside (``.site.old-<pid>``) until the end so a failure puts it back.

Temporary names carry the writer's process id (``.page.md.<pid>-xxxx.tmp``,
``.site.new-<pid>-xxxx``), so :func:`recover` removes what dead processes left behind
without touching the files of a run still going. Commits hold a lock (``flock`` on the root folder), so two runs
at once never interleave their renames.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

JOURNAL_DIR = ".longctx-cache/journal"
# Folders whose stray temporary files recover() removes; the stage is rewritten by every build.
SWEPT_DIRS = ("docs", "papers", "data")
_TEMP = re.compile(r"^\..+\.(?:(?P<pid>\d+)-)?[A-Za-z0-9_]{6,}\.tmp$")
_SITE_TEMP = re.compile(r"^\..+\.(?:new|old)-(?:(?P<pid>\d+)(?:-[A-Za-z0-9_]+)?|[A-Za-z0-9_]+)$")
_PIDLESS_AGE = 3600.0  # a temporary file named without a pid (older versions) is stale after an hour


def temp_prefix(path: Path) -> str:
    """The prefix of a temporary file written for ``path``: hidden, and naming this process."""
    return f".{path.name}.{os.getpid()}-"


def write_temp(path: Path, data: bytes) -> Path:
    """``data`` in a new temporary file beside ``path`` (mode 0644); the caller renames or removes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def replace_file(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` afterwards, whole (a temporary file renamed over it); on failure
    ``path`` is as it was, no temporary file is left, and the error is raised."""
    temp = write_temp(path, data)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@dataclass
class _Step:
    target: Path
    temp: Path | None  # None: the target is removed
    old: bytes | None  # what the target held, to put back


@dataclass
class SitePatch:
    """A site update as files: ``fresh`` holds the new and changed files (``site_dir``'s
    layout); ``remove`` names what to take out of ``site_dir`` first (files and whole
    folders no build makes now, or in the way of a new file): ``site_dir`` then holds
    exactly the built site."""

    fresh: Path
    site_dir: Path
    remove: list[str]

    def backup(self) -> Path:
        """Where the old files wait until the update is through (swept if the run dies)."""
        return self.site_dir.with_name(f".{self.site_dir.name}.old-{os.getpid()}")


def _patch_moves(patch: SitePatch, backup: Path) -> Iterator[tuple[Path, Path]]:
    """The renames of ``patch``, in order, as they are about to be made (made lazily: the
    fresh files are listed after the removals)."""
    for rel in patch.remove:
        yield patch.site_dir / rel, backup / rel
    for rel in _files(patch.fresh):
        target = patch.site_dir / rel
        if os.path.lexists(target):
            yield target, backup / rel
        yield patch.fresh / rel, target


def _files(folder: Path) -> list[str]:
    """Every file (not folder) under ``folder``, relative, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        rel = os.path.relpath(dirpath, folder)
        out.extend(name if rel == "." else os.path.join(rel, name) for name in sorted(filenames))
    return out


def _move(source: Path, target: Path, made: list[Path]) -> None:
    """Rename ``source`` to ``target``, making its folders (noted in ``made``, outermost first)."""
    missing = []
    folder = target.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        folder.mkdir()
        made.append(folder)
    os.replace(source, target)


def apply_patch(patch: SitePatch) -> None:
    """Make the site update of ``patch``, or (on an error) none of it; re-raises after putting back."""
    backup = patch.backup()
    shutil.rmtree(backup, ignore_errors=True)
    done: list[tuple[Path, Path]] = []
    made: list[Path] = []
    try:
        for source, target in _patch_moves(patch, backup):
            _move(source, target, made)
            done.append((source, target))
    except BaseException:
        for source, target in reversed(done):
            with contextlib.suppress(OSError):
                os.replace(target, source)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    finally:
        shutil.rmtree(backup, ignore_errors=True)
    shutil.rmtree(patch.fresh, ignore_errors=True)


@dataclass
class Transaction:
    """A prepared set of changes under ``root``; see the module docstring."""

    root: Path
    steps: list[_Step] = field(default_factory=list)
    site: tuple[Path, Path] | None = None  # (the freshly built folder, the site folder it replaces)
    site_patch: SitePatch | None = None  # or the site's changed files only

    @classmethod
    def prepare(cls, root: Path, changes: Mapping[Path, bytes | None]) -> Transaction:
        """Check every target can be written and write the new contents to temporary files.

        ``changes`` maps a path to its new bytes, or to None to remove it. Raises
        OSError (naming the file) with nothing changed.
        """
        txn = cls(root)
        try:
            for path, data in sorted(changes.items()):
                old = _read_existing(path)
                _check_writable(path)
                temp = write_temp(path, data) if data is not None else None
                txn.steps.append(_Step(path, temp, old))
        except BaseException:
            txn.discard()
            raise
        return txn

    def discard(self) -> None:
        """Give up: remove the temporary files and the fresh site."""
        for step in self.steps:
            if step.temp is not None:
                step.temp.unlink(missing_ok=True)
        if self.site is not None:
            shutil.rmtree(self.site[0], ignore_errors=True)
        if self.site_patch is not None:
            shutil.rmtree(self.site_patch.fresh, ignore_errors=True)

    def commit(self) -> None:
        """Make every change, or (on an error) none; re-raises the error after putting things back."""
        if not self.steps and self.site is None and self.site_patch is None:
            return  # nothing to do: no journal, no lock, no cache folder
        journal = self.root / JOURNAL_DIR / f"{os.getpid()}.json"
        with _locked(self.root):
            _write_journal(journal, self)
            done: list[_Step] = []
            swapped: Path | None = None
            patched = False
            try:
                if self.site is not None:
                    swapped = swap_in(*self.site)
                for step in self.steps:
                    if step.temp is not None:
                        os.replace(step.temp, step.target)
                    else:
                        step.target.unlink(missing_ok=True)
                    done.append(step)
                if self.site_patch is not None:  # last: it puts itself back when it fails
                    apply_patch(self.site_patch)
                    patched = True
            except BaseException:
                assert not patched
                for step in reversed(done):
                    _put_back(step)
                if self.site is not None and swapped is not None:
                    _swap_back(self.site[1], swapped, self.site[0])
                self.discard()
                _drop_journal(journal)
                raise
            _drop_journal(journal)
        if swapped is not None and swapped != self.site[1]:  # type: ignore[index]
            shutil.rmtree(swapped, ignore_errors=True)


def _read_existing(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _check_writable(path: Path) -> None:
    """Refuse before anything changes: a read-only (or immutable) target or folder is named now."""
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if path.exists() and not os.access(path, os.W_OK):
        raise PermissionError(13, "the file is read-only", str(path))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(13, "its folder is read-only", str(path))


def _put_back(step: _Step) -> None:
    if step.old is None:
        step.target.unlink(missing_ok=True)
        return
    with contextlib.suppress(OSError):  # as far as the filesystem allows
        os.replace(write_temp(step.target, step.old), step.target)


def swap_in(fresh: Path, site_dir: Path) -> Path:
    """Put ``fresh`` in place of ``site_dir``; returns where the old site went (``site_dir`` if none)."""
    old = site_dir
    if site_dir.exists():
        old = site_dir.with_name(f".{site_dir.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(site_dir, old)
    try:
        os.replace(fresh, site_dir)
    except BaseException:
        if old != site_dir:
            os.replace(old, site_dir)
        raise
    os.chmod(site_dir, 0o755)  # mkdtemp makes 0700; the site is for everyone to read
    return old


def _swap_back(site_dir: Path, old: Path, fresh: Path) -> None:
    with contextlib.suppress(OSError):
        os.replace(site_dir, fresh)
        if old != site_dir:
            os.replace(old, site_dir)


def _write_journal(journal: Path, txn: Transaction) -> None:
    patch = txn.site_patch
    data = {
        "site": [str(p) for p in txn.site] if txn.site else None,
        "patch": [str(patch.fresh), str(patch.site_dir), patch.remove] if patch else None,
        "steps": [[str(s.target), str(s.temp) if s.temp else None] for s in txn.steps],
    }
    journal.parent.mkdir(parents=True, exist_ok=True)
    temp = write_temp(journal, json.dumps(data).encode())
    os.replace(temp, journal)


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """An exclusive lock on the catalogue's commits: ``flock`` on the root folder itself (no lock file left)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock; each rename is still atomic
        yield
        return
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _drop_journal(journal: Path) -> None:
    """Delete a finished journal, and its folders when that leaves them empty (render leaves no cache)."""
    journal.unlink(missing_ok=True)
    for folder in (journal.parent, journal.parent.parent):
        try:
            folder.rmdir()
        except OSError:
            return


# ---------------------------------------------------------------------------------
# After a crash


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but is somebody else's
        return True
    return True


def _stale(path: Path, pid: str | None) -> bool:
    if pid is not None:
        return not _alive(int(pid))
    try:
        return time.time() - path.lstat().st_mtime > _PIDLESS_AGE
    except OSError:
        return False


def recover(root: Path) -> list[str]:
    """Finish what a killed run was committing, and remove what dead runs left; returns what was done."""
    done: list[str] = []
    journals = root / JOURNAL_DIR
    _sweep(journals, recursive=False)  # a journal being written when the run was killed
    if journals.is_dir():
        with _locked(root):
            for journal in sorted(journals.glob("*.json")):
                if journal.stem.isdigit() and not _alive(int(journal.stem)):
                    done.extend(_roll_forward(journal))
    for name in SWEPT_DIRS:
        done.extend(_sweep(root / name, recursive=True))
    done.extend(_sweep(root, recursive=False))
    return done


def _roll_forward(journal: Path) -> list[str]:
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        site = data["site"]
        patch = data.get("patch")
        steps = [(Path(t), Path(p) if p else None) for t, p in data["steps"]]
    except (OSError, ValueError, KeyError, TypeError):
        journal.unlink(missing_ok=True)
        return []
    done = []
    if site:
        fresh, site_dir = Path(site[0]), Path(site[1])
        if fresh.is_dir():
            with contextlib.suppress(OSError):
                old = swap_in(fresh, site_dir)
                if old != site_dir:
                    shutil.rmtree(old, ignore_errors=True)
                done.append(f"completed the interrupted site update of {site_dir}")
    if patch:
        done.extend(_finish_patch(SitePatch(Path(patch[0]), Path(patch[1]), list(patch[2]))))
    for target, temp in steps:
        with contextlib.suppress(OSError):
            if temp is None:
                target.unlink(missing_ok=True)
            elif temp.exists():
                os.replace(temp, target)
            else:
                continue
            done.append(f"completed the interrupted update of {target}")
    _drop_journal(journal)
    return done


def _finish_patch(patch: SitePatch) -> list[str]:
    """Complete a site patch a killed run had begun: every fresh file was complete before the
    journal was written, and both kinds of step can be redone (a moved file is gone from
    where it was)."""
    if not patch.fresh.is_dir():
        return []
    with contextlib.suppress(OSError):
        for rel in patch.remove:
            path = patch.site_dir / rel
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif os.path.lexists(path):
                path.unlink()
        for rel in _files(patch.fresh):
            target = patch.site_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(patch.fresh / rel, target)
        shutil.rmtree(patch.fresh, ignore_errors=True)
        return [f"completed the interrupted site update of {patch.site_dir}"]
    return []


def _sweep(folder: Path, *, recursive: bool) -> list[str]:
    """Remove temporary files of dead runs under ``folder``."""
    if not folder.is_dir():
        return []
    found = []
    walker = os.walk(folder) if recursive else [(str(folder), [], os.listdir(folder))]
    for dirpath, dirnames, filenames in walker:
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
        for name in filenames:
            match = _TEMP.match(name)
            path = Path(dirpath, name)
            if match and _stale(path, match.group("pid")):
                path.unlink(missing_ok=True)
                found.append(f"removed {path}, left by an interrupted run")
    return found


def sweep_site_temps(site_dir: Path) -> None:
    """Remove ``.site.new-*`` / ``.site.old-*`` folders beside ``site_dir`` left by dead runs."""
    parent = site_dir.parent
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith((f".{site_dir.name}.new-", f".{site_dir.name}.old-")):
            continue
        match = _SITE_TEMP.match(entry.name)
        if match and entry.is_dir(follow_symlinks=False) and _stale(Path(entry.path), match.group("pid")):
            shutil.rmtree(entry.path, ignore_errors=True)
