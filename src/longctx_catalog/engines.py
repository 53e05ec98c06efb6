"""Which program turns the staged folder into the site: MkDocs (the default), ProperDocs or Zensical.

MkDocs 1.6 is the last of its line and Material for MkDocs is in maintenance mode, so
the same staged folder (:mod:`longctx_catalog.staging`) can be built by

- ``mkdocs``: MkDocs 1.x with Material, in-process (:mod:`longctx_catalog.site`);
- ``properdocs``: ProperDocs, a drop-in fork of MkDocs 1.6 that runs Material as it is
  (:mod:`longctx_catalog.properdocs_engine`; the ``properdocs`` extra);
- ``zensical``: Zensical, by Material's authors, experimental
  (:mod:`longctx_catalog.zensical_engine`; the ``zensical`` extra).

The two others run as child processes: ProperDocs redirects every ``mkdocs.*`` import
to itself once loaded, which must not happen inside a process that also runs MkDocs,
and Zensical's compiled core owns its process while it builds. What they share lives
here: the fresh folder beside ``site_dir`` that replaces it only on success, a page
count for the progress bar, and their log lines as located diagnostics.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Protocol

from .site import Built, Locator, ProgressFactory
from .staging import Stage
from .transaction import swap_in, sweep_site_temps

ENGINES = ("mkdocs", "properdocs", "zensical")  # the first is the default (commands/build.py names them too)
# What each engine needs importable, and how to get it.
_NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    "mkdocs": (("mkdocs", "material"), "`pip install -e .` in the catalogue's checkout"),
    "properdocs": (("properdocs", "material"), "`pip install -e '.[properdocs]'`"),
    "zensical": (("zensical",), "`pip install -e '.[zensical]'`"),
}
_NAMES = {"mkdocs": "MkDocs", "properdocs": "ProperDocs", "zensical": "Zensical"}


class BuildSite(Protocol):
    def __call__(self, stage: Stage, site_dir: Path, locate: Locator, *, strict: bool = True,
                 epoch: int | None = None, progress: ProgressFactory | None = None, replace: bool = True) -> Built: ...


def display_name(engine: str) -> str:
    return _NAMES[engine]


def missing(engine: str) -> str | None:
    """None when ``engine`` can run here; else what is missing and how to install it."""
    import importlib.util

    modules, how = _NEEDS[engine]
    absent = [m for m in modules if importlib.util.find_spec(m) is None]
    if not absent:
        return None
    return f"building with {_NAMES[engine]} needs {', '.join(absent)}; install with {how}"


def builder(engine: str) -> BuildSite:
    """The ``build_site`` function of ``engine`` (all take the same arguments and give the same guarantees)."""
    if engine == "properdocs":
        from .properdocs_engine import build_site as properdocs_build

        return properdocs_build
    if engine == "zensical":
        from .zensical_engine import build_site as zensical_build

        return zensical_build
    from .site import build_site as mkdocs_build

    return mkdocs_build


# ---------------------------------------------------------------------------------
# What the child-process engines share


def fresh_folder(site_dir: Path) -> Path:
    """A new empty folder beside ``site_dir`` (same file system, so it can be renamed into place)."""
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    sweep_site_temps(site_dir)  # what killed builds left beside it
    # Named for this process, so a later run knows whether its builder is still alive.
    return Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.new-{os.getpid()}-", dir=site_dir.parent))


def put_in_place(fresh: Path, site_dir: Path) -> None:
    """The new site replaces ``site_dir`` in one rename (the old one is deleted after), as MkDocs' build does."""
    old = swap_in(fresh, site_dir)
    if old != site_dir:
        shutil.rmtree(old, ignore_errors=True)


def finish(built: Built, fresh: Path, site_dir: Path, replace: bool) -> Built:
    """Swap the new site in, or (``replace=False``) hand the fresh folder to the caller to put in place."""
    if not replace:
        built.fresh = fresh  # type: ignore[attr-defined]  # the caller puts it in place with the build's other files
        return built
    put_in_place(fresh, site_dir)
    return built


def move_into(built: Path, fresh: Path) -> None:
    """Move an engine's output folder to ``fresh`` (a rename; a copy across file systems)."""
    try:
        os.replace(built, fresh)  # fresh is empty: a directory may be renamed over it
    except OSError:
        shutil.copytree(built, fresh, dirs_exist_ok=True)
        shutil.rmtree(built, ignore_errors=True)


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text: str) -> str:
    """Terminal colours removed (Zensical colours its report even into a pipe)."""
    return _ANSI.sub("", text)


def run(command: list[str], *, cwd: Path, env: dict[str, str], watch: Path, pages: int,
        progress: ProgressFactory | None) -> tuple[int, str, float]:
    """Run an engine; ``(exit code, its output, seconds)``. The progress bar counts HTML files under ``watch``."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as output, \
            (progress(pages) if progress else contextlib.nullcontext(lambda: None)) as tick:
        child = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                 stderr=subprocess.STDOUT)
        seen = 0
        stop = threading.Event()

        def count() -> None:
            nonlocal seen
            while not stop.wait(0.5):
                now = min(pages, _html_files(watch))
                for _ in range(now - seen):
                    tick()
                seen = max(seen, now)

        counter = threading.Thread(target=count, name="longctx-engine-progress", daemon=True)
        counter.start()
        try:
            code = child.wait()
        except BaseException:
            child.kill()
            child.wait()
            raise
        finally:
            stop.set()
            counter.join()
        for _ in range(pages - seen):
            tick()
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    return code, plain(text), time.perf_counter() - start


def _html_files(folder: Path) -> int:
    total = 0
    for _, _, files in os.walk(folder):
        total += sum(1 for name in files if name.endswith(".html"))
    return total


def child_env(epoch: int | None) -> dict[str, str]:
    """The environment of an engine's process: ours, with the build date pinned like MkDocs' in-process build."""
    env = dict(os.environ)
    if epoch is not None and "SOURCE_DATE_EPOCH" not in env:
        env["SOURCE_DATE_EPOCH"] = str(epoch)
    env.setdefault("NO_COLOR", "1")
    env["PYTHONIOENCODING"] = "utf-8"
    return env
