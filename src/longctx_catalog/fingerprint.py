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
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

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


def _walk(path: Path) -> Iterable[Path]:
    if path.is_file():
        yield path
        return
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", ".git"))
        for name in sorted(filenames):
            if not name.endswith((".pyc", ".tmp")):
                yield Path(dirpath, name)


def fingerprint(root: Path, extra: Iterable[str] = ()) -> str:
    """One digest of every input of the site (see the module docstring)."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"longctx {__version__}\0".encode())
    for name in LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{name} {version}\0".encode())
    h.update(f"SOURCE_DATE_EPOCH={os.environ.get('SOURCE_DATE_EPOCH', '')}\0".encode())
    sources: list[tuple[str, Path]] = []
    for base in _package_inputs():
        sources.extend((f"<pkg>/{p.as_posix()}", p) for p in _walk(base))
    for name in (*INPUT_FILES, *INPUT_DIRS):
        path = root / name
        if path.exists():
            sources.extend((p.relative_to(root).as_posix(), p) for p in _walk(path))
    for name in extra:
        path = Path(name)
        if path.exists():
            sources.extend((f"<extra>/{p.as_posix()}", p) for p in _walk(path))
    for label, path in sources:
        try:
            data = path.read_bytes()
        except OSError:
            data = b"\0unreadable"
        h.update(f"{label}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def _output_mark(site_dir: Path) -> list[int] | None:
    try:
        st = (site_dir / "index.html").stat()
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


def is_up_to_date(root: Path) -> bool:
    """Whether the last build's inputs and output are still exactly in place."""
    try:
        stamp = json.loads((root / STAMP_FILE).read_text(encoding="utf-8"))
        site_dir = Path(stamp["site_dir"])
        extra = list(stamp["extra"])
        if stamp["output"] != _output_mark(site_dir) or stamp["output"] is None:
            return False
        return stamp["fingerprint"] == fingerprint(root, extra)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def record_build(root: Path, digest: str, site_dir: Path, extra: Iterable[str]) -> None:
    """Remember a successful build (``digest`` computed before it started, so edits made meanwhile count)."""
    stamp = {"fingerprint": digest, "site_dir": str(site_dir), "extra": list(extra),
             "output": _output_mark(site_dir)}
    path = root / STAMP_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stamp, indent=1) + "\n", encoding="utf-8")


def forget_build(root: Path) -> None:
    """Drop the stamp (before a build starts, so a failed build is never taken for a good one)."""
    (root / STAMP_FILE).unlink(missing_ok=True)
