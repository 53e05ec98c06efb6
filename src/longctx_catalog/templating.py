"""The one Jinja environment every page is rendered with.

Templates are looked up in the catalogue's own ``templates/`` folder first, then in
the package's defaults, so a catalogue can restyle any page without touching code.
Python decides *what* goes on each page (:mod:`.pages`); the templates decide *how
it looks*, with the filters registered here (mostly :mod:`.present`'s).

A node page uses ``node-<id>.md.j2`` when such a template exists (that is how the
``datasets``, ``metrics``, ``baselines`` and ``toolkits`` nodes become tables) and
``node.md.j2`` otherwise. README regions come from ``readme-<name>.md.j2``.

Every value from a record must pass through an escaping filter (see
:mod:`longctx_catalog.markdown`): the environment refuses to output a plain string,
so a template cannot forget.
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import MutableMapping
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import pass_context

from .diagnostics import Diagnostic, Location
from .fragments import PerRecord
from .markdown import Md, code_fence, escape_cell, escape_prose, md_url, notes_markdown, trusted_markdown
from .model import Record, TaxonomyNode
from .pages import CONTRIBUTING_FILE, SITE_CONTRIBUTING_PAGE, node_page, page_link, record_page
from .present import (
    all_links,
    anchor_html,
    citation,
    fmt_authors,
    fmt_check,
    fmt_flag,
    fmt_number,
    fmt_tokens,
    main_link,
    month_label,
    other_links,
    plural,
    record_url,
    repo_name,
    site_title_href,
    title_href,
    title_url,
)
from .schema.fields import TASK_TYPES

LABELS_TEMPLATE = "_labels.md.j2"
TEMPLATES_DIR = "templates"


def package_template_dir() -> Path:
    """The default templates: inside the package in a wheel, the repo's ``templates/`` in a checkout."""
    here = Path(__file__).resolve().parent
    shipped = here / TEMPLATES_DIR
    return shipped if shipped.is_dir() else here.parents[1] / TEMPLATES_DIR


def template_dirs(root: Path) -> list[Path]:
    dirs = [root / TEMPLATES_DIR, package_template_dir()]
    unique: list[Path] = []
    for d in dirs:
        if d.is_dir() and all(d.resolve() != u.resolve() for u in unique):
            unique.append(d)
    return unique


def _strict_output(value: Any) -> Any:
    """Jinja ``finalize``: only escaped markdown and numbers may reach a page."""
    cls = value.__class__
    if cls is Md or cls is int or cls is float or isinstance(value, Md):
        return value
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    raise TypeError(
        f"unescaped value {value!r:.60} reaches the page: pass it through |md, |cell, |url or "
        "(for the template's own markdown) |raw"
    )


# Compiled templates live with the catalogue's other derived files (git-ignored), not in
# the system temp folder, where nothing would ever prune them and other users share them.
BYTECODE_DIR = ".longctx-cache/jinja"


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs, so a run does not compile them again (~90 ms a run).

    Jinja's own file cache, in the catalogue's ``.longctx-cache/jinja/``: an entry is keyed
    by the template's path (so the folder holds at most one file per template and set of
    filters) and checked against its source, so an edited template is compiled afresh. A
    cache that cannot be read or written (a read-only checkout) is only slower, never an error.
    """

    def load_bytecode(self, bucket: Any) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError):  # unreadable or truncated: compile instead
            bucket.reset()

    def dump_bytecode(self, bucket: Any) -> None:
        with suppress(OSError):
            Path(self.directory).mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)


@lru_cache(maxsize=8)
def _bytecode_cache(directory: str, key: str) -> jinja2.BytecodeCache:
    """The cache in ``directory`` for environments whose filters and tests make ``key``.

    Compiled code is not the template alone: Jinja folds constant expressions while
    compiling, so ``{{ true|flag }}`` is compiled to the text the environment's ``flag``
    filter returns (which differs between the committed pages and the site). Each
    set of filters therefore gets its own files.
    """
    return _BytecodeCache(directory, pattern=f"__longctx_{key}_%s.cache")


def keep_compiled(env: jinja2.Environment, root: Path) -> None:
    """Keep ``env``'s compiled templates in the catalogue at ``root`` between runs (call it once
    every filter is in place). Also used for the site theme's environment (site.py)."""
    env.bytecode_cache = _bytecode_cache(str(root / BYTECODE_DIR), _filters_key(env))


def _filters_key(env: jinja2.Environment) -> str:
    """A short digest of which function each filter and test name is bound to."""
    names = [f"{kind}:{name}={getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', repr(fn))}"
             for kind, table in (("filter", env.filters), ("test", env.tests)) for name, fn in table.items()]
    return hashlib.sha1("\n".join(sorted(names)).encode()).hexdigest()[:16]


class _Environment(jinja2.Environment):
    """Jinja's environment with each template's globals in a plain dict.

    Jinja chains a template's globals onto the environment's (a ``ChainMap``) and
    copies them into every render's context; copying a ``ChainMap`` goes key by key
    in Python, a quarter of the cost of rendering a survey entry, and entries are
    rendered once per record. Our globals are all set in :func:`make_environment`
    before any page template loads, so a snapshot is the same thing, only faster.
    """

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


def make_environment(root: Path, *, site: bool = False) -> jinja2.Environment:
    """The one Jinja environment: catalogue templates first, then the package's; strict everywhere.

    ``site`` selects the mode (see the module docstring): it sets the global ``site``
    and decides where ``record|title_href`` points and what ``record|link_list`` holds.
    """
    env = _Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(root)]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # HTML escaping is wrong for markdown; the filters below do markdown's
        finalize=_strict_output,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        extensions=[PerRecord],
    )
    env.filters.update(
        # escaping: every record value goes through one of these
        md=escape_prose,
        cell=escape_cell,
        url=md_url,
        raw=Md,
        trusted=trusted_markdown,
        notes=notes_markdown,
        fence=code_fence,
        # formatting
        num=fmt_number,
        tokens=fmt_tokens,
        flag=fmt_check if site else fmt_flag,
        month=month_label,
        plural=plural,
        repo=repo_name,
        authors=fmt_authors,
        # records and links (filters, not functions: Jinja calls filters directly,
        # functions through a slower context.call, and these run 100,000 times)
        title_url=title_url,
        other_links=other_links,
        title_href=site_title_href if site else title_href,
        link_list=all_links if site else other_links,
        record_url=record_url,
        main_link=main_link,
        citation=citation,
        anchor=anchor_html,
        link=_link_filter,
        node_url=_node_url_filter,
        record_link=_record_link_filter,
    )
    env.globals.update(task_types=TASK_TYPES, node_page=node_page, site=site)
    # The contributing guide, when the catalogue has one: a repo file on GitHub, an about page on the site.
    if (root / CONTRIBUTING_FILE).is_file():
        env.globals["contributing_page"] = "/" + SITE_CONTRIBUTING_PAGE if site else CONTRIBUTING_FILE
    else:
        env.globals["contributing_page"] = None
    # Words shown for link and record kinds live in a template, so a catalogue can
    # change them; what it sets becomes a global of every template (read once here,
    # not imported per entry, which would cost a module per render).
    # Only now, with every filter in place: the compiled code depends on them (see _bytecode_cache).
    keep_compiled(env, root)
    labels = env.get_template(LABELS_TEMPLATE).module
    env.globals.update({k: v for k, v in vars(labels).items() if not k.startswith("_")})
    return env


@pass_context
def _link_filter(context: Any, path: str) -> Md:
    """``path|link``: a root-relative path as a link destination from the page being rendered."""
    return page_link(context["page"], path)


@pass_context
def _node_url_filter(context: Any, node: TaxonomyNode) -> Md:
    """``node|node_url``: a link destination to a taxonomy node's page from the page being rendered."""
    return page_link(context["page"], context["views"].pages[node.id])


@pass_context
def _record_link_filter(context: Any, record: Record) -> Md:
    """``record|record_link``: a link destination to the record's site page from the page being rendered.

    What ``record|record_url`` gives once made page-relative; a page whose links are all written
    so needs no pass of :func:`.doclinks.page_relative` (~0.8 s of CPU over 5,000 record pages).
    """
    return page_link(context["page"], record_page(record))


def readme_region_names(env: jinja2.Environment) -> list[str]:
    """The README regions the templates define: one per ``readme-<name>.md.j2``."""
    names = {
        name[len("readme-"): -len(".md.j2")]
        for name in env.list_templates(filter_func=lambda n: n.startswith("readme-") and n.endswith(".md.j2"))
    }
    return sorted(names)


def template_problem(err: BaseException, root: Path) -> Diagnostic:
    """A template failure as a located diagnostic: the template file and line that failed."""
    filename: str | None = None
    line = 1
    if isinstance(err, jinja2.TemplateSyntaxError):
        filename, line = err.filename, err.lineno or 1
    else:
        for frame in reversed(traceback.extract_tb(err.__traceback__)):
            if frame.filename.endswith(".j2"):
                filename, line = frame.filename, frame.lineno or 1
                break
    if isinstance(err, jinja2.TemplateNotFound):
        message = f"template not found: {err.name}"
    else:
        message = f"{type(err).__name__}: {err}"
    shown = filename or TEMPLATES_DIR
    if filename:
        try:
            shown = Path(filename).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            shown = filename
    return Diagnostic.make(Location(shown, line, 1), "LC704", message)
