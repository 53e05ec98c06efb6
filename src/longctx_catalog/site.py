"""Build and serve the site with MkDocs and Material: the only module that imports mkdocs.

The staged folder (:mod:`longctx_catalog.staging`) is built in-process, so MkDocs'
warnings become located diagnostics instead of log lines, and pages are counted for
a progress bar. The site is built into a fresh folder beside the target and swapped
in only when the build succeeded: a failed build leaves the previous site as it was.
With ``patch``, a file MkDocs would write that the previous site already holds byte
for byte is not written: the fresh folder gets only what changed, and the update is
a :class:`~.transaction.SitePatch` (an edit rewrites a few files of thousands, instead
of creating and deleting a whole site's folders); :mod:`.sitepatch` has the details, and
how a page file that did not change is kept without being read.

Output is deterministic: MkDocs stamps the sitemap with the build date, so
``SOURCE_DATE_EPOCH`` is set to the catalogue's latest ``added`` date (unless the
environment sets it), and the same inputs give byte-identical files.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import logging
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic, Location
from .sitedir import looks_like_a_site
from .sitepatch import (
    noted_site_files,
    patchable,
    remember_site_files,
    site_files,
    site_files_note,
    to_remove,
    unchanged_not_written,
    written,
)
from .staging import Stage
from .transaction import SitePatch, apply_patch, swap_in, sweep_site_temps

ProgressFactory = Callable[[int], "contextlib.AbstractContextManager[Callable[[], None]]"]


class SiteError(Exception):
    """The site could not be built; ``diagnostics`` say where and why."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass
class Locator:
    """Turns a staged docs path named in an MkDocs warning into the file a person should open."""

    root: Path
    stage: Stage
    sources: dict[str, str] = field(default_factory=dict)  # staged docs path -> source, relative to root
    config: Path | None = None  # the site config people edit (mkdocs.yml)

    def config_location(self, key: str | None = None) -> Location:
        """The site config, at the line where top-level ``key`` is set when it is."""
        path = self.config or self.stage.config_file
        try:
            shown = path.relative_to(self.root).as_posix()
        except ValueError:
            shown = str(path)
        if key:
            try:
                for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    if text.startswith(f"{key}:"):
                        return Location(shown, number, 1)
            except OSError:
                pass
        return Location(shown)

    def __call__(self, staged: str, link: str | None = None) -> Location:
        """Where ``staged`` comes from, at the line holding ``link`` when it can be found."""
        source = self.sources.get(staged)
        path = self.root / source if source else self.stage.docs / staged
        shown = source or path.relative_to(self.root).as_posix()
        if link:
            # The staged copy may have the link rewritten (/guide/x.md for ../guide/x.md):
            # look for it as written, then for its last part.
            last = link.split("#")[0].rstrip("/").rsplit("/", 1)[-1]
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except OSError:
                lines = []
            for needle in (f"({link}", link, last):
                for number, text in enumerate(lines, 1):
                    index = text.find(needle) if needle else -1
                    if index >= 0:
                        return Location(shown, number, index + 1)
        return Location(shown)


class _Collector(logging.Handler):
    """Keeps MkDocs' warnings and errors (they become diagnostics); drops its chatter."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def _mkdocs_logs() -> Iterator[_Collector]:
    """Collect what MkDocs logs (its logger and its plugins' children) instead of printing it."""
    logger = logging.getLogger("mkdocs")
    collector = _Collector()
    propagate, level = logger.propagate, logger.level
    logger.addHandler(collector)
    logger.propagate = False
    logger.setLevel(logging.INFO)  # MkDocs' strict mode counts WARNING records; they must be emitted
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        logger.propagate = propagate
        logger.setLevel(level)


_DOC_FILE = re.compile(r"Doc file '([^']+)'")
_CONFIG_KEY = re.compile(r"Config value '([^'.]+)")
_LINK = re.compile(r"contains (?:a link|an unrecognized relative link|an absolute link) '([^']+)'")


def _diagnostics(records: list[logging.LogRecord], locate: Locator, code: str = "LC801") -> list[Diagnostic]:
    out = []
    for record in records:
        message = record.getMessage()
        match = _DOC_FILE.search(message)
        link = _LINK.search(message)
        if match:
            location = locate(match.group(1), link.group(1) if link else None)
        else:
            key = _CONFIG_KEY.search(message)
            location = locate.config_location(key.group(1) if key else None)
        out.append(Diagnostic.make(location, code, f"MkDocs: {message}"))
    return out


@contextlib.contextmanager
def _source_date(epoch: int | None) -> Iterator[None]:
    """Pin MkDocs' build date (sitemap, footer) unless the environment already does."""
    if epoch is None or "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def date_epoch(day: str | None) -> int | None:
    """``2026-11-22`` -> seconds since the epoch at midnight UTC."""
    if not day:
        return None
    try:
        return calendar.timegm(dt.date.fromisoformat(day).timetuple())
    except ValueError:
        return None


def _load_config(stage: Stage, site_dir: Path, strict: bool, locate: Locator):  # type: ignore[no-untyped-def]
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    with _mkdocs_logs() as logs:
        try:
            config = load_config(config_file=str(stage.config_file), site_dir=str(site_dir), strict=strict)
        except (ConfigurationError, Abort) as err:
            raise SiteError(_diagnostics(logs.records, locate, "LC802") or [
                Diagnostic.make(locate.config_location(), "LC802", f"MkDocs cannot use the site config: {err}")
            ]) from None
    return config


@contextlib.contextmanager
def _kept_pages_not_themed(reuse, utils) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """While MkDocs builds, a page whose file the patched site keeps (pagereuse's ``keep_page``) skips
    MkDocs' theming altogether (its template context, Material's search regex over its HTML, the
    template): only what the plugins do with it happens, and its file is noted as kept."""
    if reuse is None:
        yield
        return
    from mkdocs.commands import build as building

    plain = building._build_page

    def build_page(page, config, doc_files, nav, env, dirty=False, excluded=False):  # type: ignore[no-untyped-def]
        if excluded or not reuse.keep_page(page):
            return plain(page, config, doc_files, nav, env, dirty, excluded)
        config._current_page = page
        try:
            reuse.index_kept(page, config, nav)
            utils.write_file(b"", page.file.abs_dest_path)  # only noted as kept (sitepatch): nothing is written
        finally:
            config._current_page = None
        return None

    building._build_page = build_page
    try:
        yield
    finally:
        building._build_page = plain


def _progress_plugin(tick: Callable[[], None]):  # type: ignore[no-untyped-def]
    from mkdocs.plugins import BasePlugin

    class Progress(BasePlugin):  # type: ignore[type-arg]
        """Counts pages as MkDocs writes them."""

        def on_page_context(self, context, page, config, nav):  # type: ignore[no-untyped-def]
            tick()
            return context

    return Progress()


def _compiled_plugin(root: Path):  # type: ignore[no-untyped-def]
    from mkdocs.plugins import BasePlugin

    from .templating import keep_compiled

    class Compiled(BasePlugin):  # type: ignore[type-arg]
        """Keeps the theme's compiled templates between builds: MkDocs compiles Material's ~45
        templates afresh on every build (a quarter of a second, also for a one-record edit)."""

        def on_env(self, env, config, files):  # type: ignore[no-untyped-def]
            keep_compiled(env, root)
            return env

    return Compiled()


def _reuse_plugin(cache, overrides: Path):  # type: ignore[no-untyped-def]
    from mkdocs.commands.build import get_context
    from mkdocs.plugins import BasePlugin
    from mkdocs.structure.pages import Page

    from .pagereuse import Reuse

    class Reusing(Reuse, BasePlugin):  # type: ignore[type-arg]
        """Takes unchanged pages from the page cache (pagereuse.py)."""

    jobs = int(os.environ.get("LONGCTX_JOBS") or os.cpu_count() or 1)
    if threading.active_count() > 1:
        jobs = 1  # never fork beside other threads (serve's rebuilds): a lock held there stays held in the child
    return Reusing(cache, overrides, Page, get_context, jobs)


@dataclass
class Built:
    seconds: float  # MkDocs' share of the time
    warnings: list[Diagnostic]  # MkDocs' warnings, when not strict
    fresh: Path | None = None  # the built folder, when build_site was told not to put it in place
    reused: int = 0  # cached results used (pages, their HTML, their search entries)
    made: int = 0  # results made afresh
    patch: SitePatch | None = None  # with ``patch`` and ``replace=False``: the update to make (``fresh`` is its)
    # What the page files of this site were made from (see :func:`remember_site_files`), and where to note it.
    site_files: dict[str, tuple[bytes, tuple[int, ...]]] | None = None
    notes: Path | None = None
    kept: int = 0  # page files the site kept as they were, unread (pagereuse's kept pages)
    site: Path | None = None  # the folder the site goes to
    shared: int = 0  # pages whose results forked children made (markdown and themed pages counted apart)

    def remember(self) -> None:
        """Once this site is in place (``replace=False``: after the caller put it there), note what its
        page files were made from, so the next patched build keeps the unchanged ones unread."""
        if self.notes is not None and self.site_files is not None and self.site is not None:
            remember_site_files(self.notes, self.site, self.site_files)


def build_site(
    stage: Stage,
    site_dir: Path,
    locate: Locator,
    *,
    strict: bool = True,
    epoch: int | None = None,
    progress: ProgressFactory | None = None,
    replace: bool = True,
    cache: Path | None = None,
    patch: bool = False,
) -> Built:
    """Build the staged site into ``site_dir``. Raises SiteError (with strict, on any MkDocs warning).

    The build goes to a new folder next to ``site_dir`` and replaces it only on success;
    with ``replace=False`` the new folder is left for the caller (``Built.fresh``) to
    put in place together with other files (:mod:`longctx_catalog.transaction`).
    With ``cache`` (a file), pages whose inputs did not change since a build that used
    the same file are taken from it (:mod:`longctx_catalog.sitecache`), and the file is
    updated when the build succeeded (its entries are keyed by content, so a site that
    is then not put in place leaves nothing wrong in it).
    With ``patch``, when ``site_dir`` holds a site already, only the files that differ
    from it are written (see the module docstring); with ``replace=False`` the caller
    then makes ``Built.patch``.
    """
    from .sitecache import PageCache

    if cache is None:
        return _build_site(stage, site_dir, locate, strict, epoch, progress, replace, None, patch)
    with PageCache(cache) as pages:
        built = _build_site(stage, site_dir, locate, strict, epoch, progress, replace, pages, patch,
                            site_files_note(cache))
        pages.commit()
        built.reused, built.made = pages.hits, pages.misses
    if replace:
        built.remember()
    return built


def _build_site(stage: Stage, site_dir: Path, locate: Locator, strict: bool, epoch: int | None,
                progress: ProgressFactory | None, replace: bool, pages_cache,  # type: ignore[no-untyped-def]
                patch: bool, note: Path | None = None) -> Built:
    from mkdocs import utils
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, BuildError

    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    sweep_site_temps(site_dir)  # what killed builds left beside it
    fresh = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.new-{os.getpid()}-", dir=site_dir.parent))
    start = time.perf_counter()
    try:
        with _source_date(epoch):
            config = _load_config(stage, fresh, strict, locate)
            base = site_dir if patch and patchable(config) and site_dir.is_dir() and looks_like_a_site(site_dir) \
                else None
            pages = sum(1 for _ in stage.docs.rglob("*.md"))
            with (progress(pages) if progress else contextlib.nullcontext(lambda: None)) as tick, \
                    _mkdocs_logs() as logs:
                config.plugins["longctx/progress"] = _progress_plugin(tick)
                config.plugins["longctx/compiled"] = _compiled_plugin(stage.root)
                reuse = None
                if pages_cache is not None:
                    reuse = config.plugins["longctx/reuse"] = _reuse_plugin(pages_cache, stage.overrides)
                    if base is not None and note is not None:
                        reuse.keep_from(base, noted_site_files(note, site_dir))
                try:
                    with unchanged_not_written(fresh, base, reuse.kept if reuse else {}, utils) as (produced, same), \
                            _kept_pages_not_themed(reuse if base is not None else None, utils):
                        build(config)
                except (Abort, BuildError) as err:
                    problems = _diagnostics(logs.records, locate)
                    raise SiteError(problems or [Diagnostic.make(locate.config_location(), "LC801",
                                                                 f"MkDocs: {err}")]) from None
                problems = _diagnostics(logs.records, locate)
                if problems and strict:
                    raise SiteError(problems)
        elapsed = time.perf_counter() - start
        noted = site_files(fresh, reuse.themed, same) if reuse is not None and note is not None else None
        said = {"site_files": noted, "notes": note, "kept": len(reuse.kept) if reuse is not None else 0,
                "site": site_dir, "shared": reuse.shared if reuse is not None else 0}
        if base is not None:
            update = SitePatch(fresh, site_dir, to_remove(site_dir, produced | set(written(fresh))))
            if not replace:
                return Built(elapsed, problems, fresh, patch=update, **said)
            apply_patch(update)
            return Built(elapsed, problems, **said)
        if not replace:
            return Built(elapsed, problems, fresh, **said)
        old = swap_in(fresh, site_dir)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    if old != site_dir:
        shutil.rmtree(old, ignore_errors=True)
    return Built(elapsed, problems, **said)


def serve_site(
    rebuild: Callable[[Path], bool],
    watch: list[Path],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    log: Callable[[str], None] = print,
) -> None:
    """Serve the site with live reload; ``rebuild(folder)`` stages and builds into ``folder``.

    ``watch`` lists the inputs (files or folders); one that does not exist yet is
    watched from when it appears.

    ``rebuild`` must change ``folder`` only when the build succeeded (as :func:`build_site`
    does), so a mistake in a record leaves the last good site on screen while the
    terminal says what is wrong.
    """
    with _sigterm_as_interrupt():
        _serve(rebuild, watch, host, port, open_browser, log)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, a service manager, a closed terminal's job control) stops the
    server as Ctrl+C does, so _serve's clean-up runs instead of leaving its temp folder behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _serve(rebuild: Callable[[Path], bool], watch: list[Path], host: str, port: int, open_browser: bool,
           log: Callable[[str], None]) -> None:
    from mkdocs.livereload import LiveReloadServer

    work = Path(tempfile.mkdtemp(prefix="longctx-serve-"))
    site = work / "site"
    watched: set[Path] = set()
    lock = threading.Lock()
    # Touched when an input that did not exist appears (a new templates/ folder): the
    # server rebuilds on a change to any watched file, and this one is watched.
    appeared = work / "inputs-appeared"
    appeared.write_text("0", encoding="utf-8")

    def watch_inputs() -> bool:
        """Watch every input that exists now; True when one was not watched before."""
        with lock:
            fresh = [path for path in watch if path not in watched and path.exists()]
            for path in fresh:
                server.watch(str(path))
                watched.add(path)
        return bool(fresh)

    def builder() -> None:
        log("a change was seen; rebuilding")
        watch_inputs()
        # Into the same folder: the rebuild touches it only when it succeeded (a patch of the
        # changed files, or a whole new folder swapped in), and the server keeps its root.
        if not rebuild(site):
            log("the previous build stays on screen until the problems above are fixed")

    stop = threading.Event()

    def look_for_new_inputs() -> None:
        while not stop.wait(1.0):
            if watch_inputs():
                appeared.write_text(str(time.monotonic()), encoding="utf-8")

    try:
        built = rebuild(site)
    except KeyboardInterrupt:
        built = None
    if not built:
        shutil.rmtree(work, ignore_errors=True)
        if built is None:
            log("Stopped")
            return
        raise SiteError([])
    server = LiveReloadServer(builder=builder, host=host, port=port, root=str(site))

    def error_page(code: int) -> bytes | None:
        page = Path(server.root) / f"{code}.html"
        return page.read_bytes() if code in (404, 500) and page.is_file() else None

    server.error_handler = error_page
    watch_inputs()
    server.watch(str(appeared))
    threading.Thread(target=look_for_new_inputs, name="longctx-new-inputs", daemon=True).start()
    try:
        log(f"Serving on http://{host}:{port}/ (Ctrl+C to stop)")
        server.serve(open_in_browser=open_browser)
    except KeyboardInterrupt:
        log("Stopped")
    finally:
        stop.set()
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)
