from __future__ import annotations

import itertools
import sys
import time
from typing import Any

import click

from ._common import DataProblem, EnvironmentProblem, State, allow_quick_exit, pass_state


@click.command("build")
@click.option("--force", is_flag=True, help="Build every page from scratch, even when no input changed since the "
              "last build (the page cache is emptied first).")
@click.option("--timings", is_flag=True, help="Print how long each step took.")
@click.option("--engine", type=click.Choice(["mkdocs", "properdocs", "zensical"]), default="mkdocs",
              show_default=True, help="What builds the site: MkDocs; ProperDocs (its fork, the fallback; the "
              "properdocs extra); Zensical (experimental; the zensical extra). See docs/guide/site-engines.md.")
@pass_state
def command(state: State, force: bool, timings: bool, engine: str) -> None:
    """Render the catalogue and build the static site into site/ (MkDocs + Material).

    First what `longctx render` does (docs/ and the README regions brought up to date),
    then the site: every page rendered again for the web, one page per record, all
    staged in .longctx-cache/site/ and built with MkDocs in strict mode (a broken link
    or anchor is an error). The new site replaces site/ only when the build succeeded.
    When no input changed since the last build (records, taxonomy, templates, data,
    docs, mkdocs.yml, the tool itself), nothing is done; otherwise MkDocs takes every
    page whose inputs did not change from the page cache in .longctx-cache/site/, so
    an edit rebuilds what it touched, and the site is the same as built from scratch.
    Refuses to run while `longctx validate` reports errors.

    \b
    Examples:
      longctx build                       # then open site/index.html, or:
      python -m http.server -d site 8000  # and visit http://127.0.0.1:8000/
      longctx build --force               # rebuild although nothing changed
      longctx build --engine zensical     # the same site built by Zensical (experimental)
      longctx serve                       # preview with live reload while editing
    """
    from ..fingerprint import content_digest, digest, forget_build, is_up_to_date, record_build, snapshot

    root = state.root
    start = time.perf_counter()
    steps: list[tuple[str, float, float]] = []

    def step(name: str) -> None:
        steps.append((name, time.perf_counter(), time.process_time()))

    # The stamp is MkDocs' (the default engine's): another engine always builds, and
    # leaves no stamp, so the next plain `longctx build` builds again.
    stamped = engine == "mkdocs"
    seen: dict[str, Any] = {}  # the inputs as is_up_to_date read them
    if stamped and not force and is_up_to_date(root, seen):
        click.echo("site is up to date: no input changed since the last build (--force to rebuild)", err=True)
        return

    from ._common import load_or_fail, recover_leftovers
    from ._site import need_engine, page_progress, print_problems, stage_site

    need_engine(engine)
    from ..engines import builder, display_name
    from ..outputs import finish, prepare
    from ..parallel import Deferred
    from ..parsecache import cached_parsing
    from ..render import RenderError
    from ..site import Locator, SiteError, date_epoch
    from ..sitecache import cache_file
    from ..siteconfig import extra_inputs, read_site_config
    from ..sitepatch import site_files_note

    step("start")
    recovered = recover_leftovers(root)
    # What the inputs held before anything reads them; compared again at the end, so a
    # file edited while the build runs is never stamped as built.
    config, problems = read_site_config(root)
    if config is None:  # e.g. a site_dir over the catalogue: refused before anything is written
        print_problems(problems)
        raise DataProblem(f"{len(problems)} problem(s); the site was not built")
    extra = extra_inputs(config)
    # The snapshot is_up_to_date just took will do, unless a recovery has changed files since.
    if seen.get("extra") == extra and not recovered:
        read, identities = seen["files"], seen["stats"]
    else:
        identities = {}
        read = snapshot(root, extra, stats=identities)
    with cached_parsing(root):  # unchanged files are not parsed again
        catalog = load_or_fail(state)
    step("load and validate")
    # The committed pages (docs/, README) are worked out in a child process while this
    # one renders and stages the site; any problem with them stops the build before
    # anything is written.
    committed = Deferred(lambda: _committed_pages(catalog, reuse=not force))
    try:
        prepared = stage_site(catalog, parallel=True, reuse=not force)
    except BaseException:
        committed.cancel()
        raise
    step("render and stage the site")
    try:
        changes, diags = committed.result()
    except RenderError as err:
        print_problems(err.diagnostics)
        raise DataProblem("nothing was written; fix the problem above and build again") from None
    if diags:
        print_problems(diags)
        raise DataProblem(f"{len(diags)} problem(s); nothing was written") from None

    step("wait for docs/ (child)")
    forget_build(root)
    # One transaction: the new pages wait in temporary files (a read-only page stops
    # the build here), the site is built beside site/, then both are put in place.
    try:
        transaction = prepare(root, changes)
    except OSError as err:
        raise EnvironmentProblem(f"cannot write {err.filename or 'a generated page'}: {err.strerror or err}; "
                                 "nothing was changed") from None
    added = max((r.added for r in catalog.records if r.added), default=None)
    locate = Locator(root, prepared.stage, prepared.sources, prepared.config.path)
    cache = cache_file(prepared.stage.dir)
    if force:
        cache.unlink(missing_ok=True)
        site_files_note(cache).unlink(missing_ok=True)
    try:
        # The page cache, and writing only the files that changed, are MkDocs'.
        reuse = {"cache": cache, "patch": True} if engine == "mkdocs" else {}
        built = builder(engine)(prepared.stage, prepared.config.site_dir, locate, strict=True,
                                epoch=date_epoch(added), progress=page_progress, replace=False, **reuse)
    except SiteError as err:
        transaction.discard()
        print_problems(err.diagnostics)
        raise DataProblem(f"{len(err.diagnostics)} problem(s) building the site; site/ and docs/ were left as "
                          "they were") from None
    except BaseException as err:
        transaction.discard()
        if isinstance(err, OSError):
            raise EnvironmentProblem(f"cannot write the site: {err}; nothing was changed") from None
        raise

    step(display_name(engine))
    assert built.fresh is not None
    if built.patch is not None:
        transaction.site_patch = built.patch
    else:
        transaction.site = (built.fresh, prepared.config.site_dir)
    try:
        transaction.commit()
    except OSError as err:
        raise EnvironmentProblem(f"cannot write {err.filename or 'the site'}: {err.strerror or err}; site/ and "
                                 "docs/ were put back as they were") from None
    built.remember()
    done = finish(root, changes)
    for change in done:
        verb = {"create": "created", "update": "updated", "remove": "removed"}[change.action]
        click.echo(f"{verb} {change.path}")
    # The stamp names the inputs as read, updated by what the build itself wrote; if
    # anything else changed meanwhile, no stamp: the next build builds again.
    for change in done:
        if change.action == "remove":
            read.pop(change.path, None)
        else:
            read[change.path] = content_digest((change.new or "").encode("utf-8"))
    # Files whose identity is still the one the first snapshot saw are not read again.
    after: dict[str, Any] = {}
    unchanged = snapshot(root, prepared.extra_inputs, known=identities, stats=after) == read
    if stamped and unchanged:  # another engine's build leaves no stamp (see above)
        record_build(root, digest(read), prepared.config.site_dir, prepared.extra_inputs, after)
    elif not unchanged:
        click.echo("an input changed while the site was being built; the next `longctx build` builds again",
                   err=True)
    step("write docs/ and the stamp")
    pages = sum(1 for rel in prepared.plan.docs if rel.endswith(".md"))
    try:
        shown = prepared.config.site_dir.relative_to(root)
    except ValueError:
        shown = prepared.config.site_dir
    click.echo(f"built {shown}/ from {len(catalog.records)} records ({pages} pages) in "
               f"{time.perf_counter() - start:.1f} s ({display_name(engine)} {built.seconds:.1f} s)", err=True)
    if timings:
        click.echo(f"  record pages: {prepared.record_pages_reused} of {len(catalog.by_id)} taken from the last build",
                   err=True)
        click.echo(f"  survey entries: {prepared.entries_reused[0]} of {prepared.entries_reused[1]} taken from the "
                   "last build", err=True)
        click.echo(f"  page cache: {built.reused} results reused, {built.made} made; {built.kept} page files "
                   f"kept unread; {built.shared} pages' results made by children", err=True)
        for (_, before, cpu_before), (name, after, cpu_after) in itertools.pairwise(steps):
            click.echo(f"  {after - before:6.2f} s  ({cpu_after - cpu_before:5.2f} s CPU here)  {name}", err=True)
    sys.stderr.flush()
    allow_quick_exit()


def _committed_pages(catalog, reuse: bool = True):  # type: ignore[no-untyped-def]
    """What `longctx render` would change in docs/ and the README, and its problems.

    ``reuse``: survey entries whose record did not change are taken from the last build
    (:mod:`..rendermemo`, a file of this process's own: it runs in a child)."""
    from ..outputs import plan
    from ..render import render_catalog
    from ..rendermemo import DOCS_MEMO_FILE, RenderMemo
    from ..staging import STAGE_DIR

    memo = RenderMemo(catalog.root / STAGE_DIR, fresh=not reuse, name=DOCS_MEMO_FILE)
    rendered = render_catalog(catalog, memo=memo)
    memo.save(rendered.pages)
    return plan(catalog.root, rendered)
