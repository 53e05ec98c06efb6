"""Has anything the site is built from changed since the last build?

``longctx build`` with no input changed must take about a second, so before loading
anything it hashes every input and compares the digest with the one stored after
the last successful build (``.longctx-cache/site/build-stamp.json``):

- the catalogue: ``taxonomy.yaml``, ``papers/``, ``data/``, ``templates/``, ``docs/``,
  ``mkdocs.yml``, ``CONTRIBUTING.md``, ``README.md``;
- the tool: this package's code and default templates, and the versions of MkDocs,
  Material and the Markdown libraries;
- whatever the site config pulls in (theme overrides, hooks), recorded by the build.

Contents are hashed, not modification times: a checkout or a ``touch`` that changes
no byte does not force a rebuild, and an edit that keeps the size and mtime does.
The output counts too: the site folder must still hold the ``index.html`` the build
wrote. Only the standard library is imported here, so the check costs little more
than reading the files.

A file is not read again while its identity is the one it had when it was last
hashed (:data:`Stats`: device, inode, size, modification and *change* time; the
stamp keeps them between builds). The change time cannot be set back: every write,
rename over or ``touch`` sets it to the present, so an edit that keeps the size and
mtime still changes the identity. As git does with its index, an identity is trusted
only for a file last changed :data:`SETTLED_NS` before it was read: a file changed
again within the same tick of the file system's clock would keep its identity.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__

STAMP_FILE = ".longctx-cache/site/build-stamp.json"
INPUT_FILES = ("taxonomy.yaml", "mkdocs.yml", "CONTRIBUTING.md", "README.md")
INPUT_DIRS = ("papers", "data", "templates", "docs")
LIBRARIES = ("mkdocs", "mkdocs-material", "pymdown-extensions", "markdown", "jinja2", "pyyaml")


def _package_inputs() -> list[Path]:
    """The tool itself: its Python code, its default templates and site config."""
    here = Path(__file__).resolve().parent
    paths = [here]  # in a wheel this holds templates/ and site-default.yml too
    checkout = here.parents[1]
    if (checkout / "pyproject.toml").is_file():  # a source checkout: the defaults live at the top
        paths.extend(p for p in (checkout / "templates", checkout / "mkdocs.yml") if p.exists())
    return paths


# label -> (device, inode, size, mtime_ns, ctime_ns, digest) of files hashed before (see the module docstring)
Stats = dict[str, tuple[int, int, int, int, int, str]]
SETTLED_NS = 2_000_000_000  # far more than a file system's clock tick (ext4, tmpfs: a few ms)


def _walk(path: Path) -> Iterable[tuple[Path, os.stat_result]]:
    """Regular files under ``path``, each with its status (a FIFO or a link to a device is nobody's
    input, and would hang a read)."""
    try:
        top = os.stat(path)
    except OSError:
        return
    if stat.S_ISREG(top.st_mode):
        yield path, top
        return
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", ".git"))
        for name in sorted(filenames):
            if name.endswith((".pyc", ".tmp")):
                continue
            file = os.path.join(dirpath, name)
            try:
                found = os.stat(file)
            except OSError:
                continue
            if stat.S_ISREG(found.st_mode):
                yield Path(file), found


def _file_digest(path: Path) -> str:
    """The content's digest; a file that is not (or no longer) a regular, readable file gets a marker."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return "unreadable"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "not-a-file"
        h = hashlib.blake2b(digest_size=20)
        while chunk := os.read(fd, 1 << 20):
            h.update(chunk)
        return h.hexdigest()
    except OSError:
        return "unreadable"
    finally:
        os.close(fd)


def content_digest(data: bytes) -> str:
    """What :func:`snapshot` records for a file holding ``data``."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def snapshot(root: Path, extra: Iterable[str] = (), known: Stats | None = None,
             stats: Stats | None = None) -> dict[str, str]:
    """Every input of the site (see the module docstring) by label, with its content's digest.

    Taken before the build reads anything and again after it wrote, so an edit made
    while it ran is seen and no stamp is recorded for a mix of old and new inputs.
    A file whose identity is the one ``known`` gives for its label is not read again;
    ``stats``, when given, receives the identities (of settled files) this one saw.
    """
    known = known or {}
    settled = time.time_ns() - SETTLED_NS

    def files(label_of: Callable[[Path], str], base: Path) -> Iterator[tuple[str, str]]:
        for path, found in _walk(base):
            label = label_of(path)
            identity = (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)
            before = known.get(label)
            value = before[5] if before is not None and tuple(before[:5]) == identity else _file_digest(path)
            if stats is not None and found.st_ctime_ns < settled and found.st_mtime_ns < settled:
                stats[label] = (*identity, value)
            yield label, value

    out: dict[str, str] = {"<version>/longctx": __version__}
    for name in LIBRARIES:
        try:
            out[f"<version>/{name}"] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[f"<version>/{name}"] = "-"
    out["<env>/SOURCE_DATE_EPOCH"] = os.environ.get("SOURCE_DATE_EPOCH", "")
    for base in _package_inputs():
        out.update(files(lambda p: f"<pkg>/{p.as_posix()}", base))
    for name in (*INPUT_FILES, *INPUT_DIRS):
        out.update(files(lambda p: p.relative_to(root).as_posix(), root / name))
    for name in extra:
        out.update(files(lambda p: f"<extra>/{p.as_posix()}", Path(name)))
    return out


def digest(files: dict[str, str]) -> str:
    """One digest of a :func:`snapshot`."""
    h = hashlib.blake2b(digest_size=20)
    for label in sorted(files):
        h.update(f"{label}\0{files[label]}\0".encode())
    return h.hexdigest()


def fingerprint(root: Path, extra: Iterable[str] = ()) -> str:
    """One digest of every input of the site (see the module docstring)."""
    return digest(snapshot(root, extra))


def _output_mark(site_dir: Path) -> list[int] | None:
    try:
        st = (site_dir / "index.html").stat()
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


def is_up_to_date(root: Path, seen: dict[str, Any] | None = None) -> bool:
    """Whether the last build's inputs and output are still exactly in place.

    ``seen``, when given, receives the snapshot this took (``extra``: the extra inputs
    it covers, ``files``: the snapshot, ``stats``: the identities it saw), so a build
    that follows need not take it again.
    """
    try:
        stamp = json.loads((root / STAMP_FILE).read_text(encoding="utf-8"))
        site_dir = Path(stamp["site_dir"])
        extra = [str(name) for name in stamp["extra"]]
        if stamp["output"] != _output_mark(site_dir) or stamp["output"] is None:
            return False
        stats: Stats = {}
        files = snapshot(root, extra, known=_known(stamp.get("stats")), stats=stats)
        if seen is not None:
            seen.update(extra=extra, files=files, stats=stats)
        return bool(stamp["fingerprint"] == digest(files))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _known(stored: Any) -> Stats:
    """The identities a stamp holds; anything not shaped as :func:`record_build` writes them is left out."""
    if not isinstance(stored, dict):
        return {}
    return {label: tuple(value) for label, value in stored.items()  # type: ignore[misc]
            if isinstance(value, list) and len(value) == 6 and all(type(v) is int for v in value[:5])
            and isinstance(value[5], str)}


def record_build(root: Path, inputs: str, site_dir: Path, extra: Iterable[str], stats: Stats | None = None) -> None:
    """Remember a successful build of the inputs whose digest is ``inputs`` (and, to read fewer
    files next time, the identities ``stats`` of the files those digests were taken from)."""
    stamp = {"fingerprint": inputs, "site_dir": str(site_dir), "extra": list(extra),
             "output": _output_mark(site_dir), "stats": {label: list(value) for label, value in (stats or {}).items()}}
    from .transaction import replace_file  # imported by the build already; kept out of the no-op check's imports

    # replaced whole: a reader never meets half a stamp
    replace_file(root / STAMP_FILE, (json.dumps(stamp, separators=(",", ":")) + "\n").encode("utf-8"))


def forget_build(root: Path) -> None:
    """Drop the stamp (before a build starts, so a failed build is never taken for a good one)."""
    (root / STAMP_FILE).unlink(missing_ok=True)
