"""What the site is built from: a staged docs folder and the MkDocs config that goes with it.

``longctx build`` never builds ``docs/`` as it is: the committed pages are written
for GitHub, and the site needs more (a page per record, titles that open them,
CONTRIBUTING.md as an about page). So the site stage assembles a folder of its own,
``.longctx-cache/site/`` (git-ignored)::

    .longctx-cache/site/mkdocs.yml   INHERITs the catalogue's mkdocs.yml; adds nav, not_in_nav, paths
    .longctx-cache/site/docs/        site-mode pages, record pages, hand-written docs, about pages, assets
    .longctx-cache/site/overrides/   the theme overrides (templates/site/overrides/, then the config's own)

Only files whose bytes change are rewritten, and files no longer planned are
removed, so a rebuild touches little. Nothing here imports mkdocs (see
:mod:`longctx_catalog.site`), and nothing here writes outside the staging folder.

The navigation lists section-level pages only: the home page, one entry per taxonomy
node, the views and the about pages. Record pages are ``not_in_nav``: MkDocs renders
the whole navigation into every page, so listing 5,000 records would make every page
carry them all and the build quadratic.
"""

from __future__ import annotations

import contextlib
import html
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .diagnostics import Diagnostic, Location
from .doclinks import fix_links, page_relative
from .extras import ASSETS as EXTRA_ASSETS
from .extras import PAGES as EXTRA_PAGES
from .model import Catalog, TaxonomyNode
from .pages import (
    CONTRIBUTING_FILE,
    DOCS_DIR,
    HOME_PAGE,
    RECORDS_DIR,
    SITE_CONTRIBUTING_PAGE,
    TECHNIQUES_PAGE,
    TIMELINE_DIR,
    TIMELINE_PAGE,
    node_page,
)
from .render import is_owned
from .siteconfig import (
    CONFIG_FILE,
    SiteConfig,
    config_extra_css,
    config_extra_javascript,
    extra_inputs,
    read_site_config,
    site_info,
)
from .templating import TEMPLATES_DIR, template_dirs

if TYPE_CHECKING:
    pass

CACHE_DIR = ".longctx-cache"
STAGE_DIR = f"{CACHE_DIR}/site"
SITE_TEMPLATES = "site"  # templates/site/: overrides/ (theme) and assets/ (CSS, images)
ASSETS_DIR = "assets/longctx"  # where templates/site/assets/ lands in the staged docs
STYLESHEET = f"{ASSETS_DIR}/longctx.css"
# The explorer's script and styles, on every page: Material's instant navigation can
# open the explorer without loading a page, so the script must already be there.
EXTRA_STYLESHEETS = [f"{ASSETS_DIR}/{name}" for name in EXTRA_ASSETS if name.endswith(".css")]
SCRIPTS = [f"{ASSETS_DIR}/{name}" for name in EXTRA_ASSETS if name.endswith(".js")]

# Views listed under "Browse", after the taxonomy sections: (title, docs-relative page).
BROWSE_PAGES: list[tuple[str, str]] = [
    ("Timeline", TIMELINE_PAGE.removeprefix(DOCS_DIR + "/")),
    ("Technique table", TECHNIQUES_PAGE.removeprefix(DOCS_DIR + "/")),
    *EXTRA_PAGES,  # the explorer and the statistics (extras.py)
]


# ---------------------------------------------------------------------------------
# The staged files


@dataclass
class Stage:
    """Where the site's inputs are assembled."""

    root: Path

    @property
    def dir(self) -> Path:
        return self.root / STAGE_DIR

    @property
    def docs(self) -> Path:
        return self.dir / "docs"

    @property
    def overrides(self) -> Path:
        return self.dir / "overrides"

    @property
    def config_file(self) -> Path:
        return self.dir / CONFIG_FILE


def site_template_files(root: Path, part: str) -> dict[str, Path]:
    """``templates/site/<part>/**`` by relative path: the catalogue's files over the package's."""
    found: dict[str, Path] = {}
    for base in reversed(template_dirs(root)):  # package first, so the catalogue's win
        folder = base / SITE_TEMPLATES / part
        for file in _files_under(folder):
            found[file.relative_to(folder).as_posix()] = file
    return found


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        out.extend(Path(dirpath, f) for f in sorted(filenames)
                   if not f.startswith(".") and os.path.isfile(os.path.join(dirpath, f)))  # no FIFOs or devices
    return out


def hand_written_docs(root: Path) -> list[str]:
    """Files under ``docs/`` that `render` did not generate (guides, images), relative to ``docs/``."""
    docs = root / DOCS_DIR
    out = []
    for file in _files_under(docs):
        rel = file.relative_to(docs).as_posix()
        if file.suffix == ".md":
            try:
                with file.open("rb") as handle:
                    head = handle.read(4096).decode("utf-8", "replace")
            except OSError:
                continue
            if is_owned(head):
                continue
        out.append(rel)
    return out


@dataclass
class StagePlan:
    docs: dict[str, bytes]  # staged docs path -> content
    overrides: dict[str, bytes]  # staged overrides path -> content
    guides: list[str]  # the hand-written pages, for the navigation (docs-relative)
    contributing: bool  # whether about/contributing.md was staged


def plan_stage(root: Path, catalog: Catalog, site_pages: dict[str, str],
               config: SiteConfig) -> tuple[StagePlan, list[Diagnostic]]:
    """Everything the staged folders should hold, or why they cannot be made."""
    docs: dict[str, bytes] = {}
    owner: dict[str, str] = {}  # staged path -> where it comes from, to report clashes
    diags: list[Diagnostic] = []
    prefix = DOCS_DIR + "/"

    def put(rel: str, data: bytes, source: str) -> None:
        if rel in docs:
            diags.append(Diagnostic.make(
                Location(source), "LC803",
                f"{source} would be the site page {rel}, which {owner[rel]} already makes; rename or move it",
            ))
            return
        docs[rel] = data
        owner[rel] = source

    for path, text in site_pages.items():
        put(path.removeprefix(prefix), text.encode("utf-8"), "longctx build")
    assets = site_template_files(root, "assets")
    for rel, file in assets.items():
        put(f"{ASSETS_DIR}/{rel}", file.read_bytes(), f"{TEMPLATES_DIR}/{SITE_TEMPLATES}/assets/{rel}")
    for name in EXTRA_ASSETS:  # every page loads them: a missing one is a dead explorer, not a detail
        if name not in assets:
            diags.append(Diagnostic.make(Location(f"{TEMPLATES_DIR}/{SITE_TEMPLATES}/assets/{name}"), "LC801",
                                         f"{name} is missing from templates/{SITE_TEMPLATES}/assets/ (the "
                                         "package's and the catalogue's); reinstall longctx-catalog"))
    contributing = root / CONTRIBUTING_FILE
    has_contributing = contributing.is_file()
    if has_contributing:
        text = contributing.read_text(encoding="utf-8", errors="replace")
        put(SITE_CONTRIBUTING_PAGE, fix_links(text, CONTRIBUTING_FILE, config.repo_url).encode("utf-8"),
            CONTRIBUTING_FILE)
    guides = []
    for rel in hand_written_docs(root):
        source = f"{DOCS_DIR}/{rel}"
        data = (root / source).read_bytes()
        if rel.endswith(".md"):
            data = fix_links(data.decode("utf-8", "replace"), source, config.repo_url).encode("utf-8")
            guides.append(rel)
        put(rel, data, source)

    # One link form for every engine: page-relative (Zensical does not resolve /papers/x.md).
    # The rendered pages have theirs already (render_catalog makes them so, in parallel).
    rendered = {path.removeprefix(prefix) for path in site_pages}
    for rel, data in docs.items():
        if rel not in rendered and rel.endswith(".md") and (b"](/" in data or b"]:" in data):
            docs[rel] = page_relative(data.decode("utf-8", "replace"), rel).encode("utf-8")

    overrides: dict[str, bytes] = {}
    for rel, file in site_template_files(root, "overrides").items():
        overrides[rel] = file.read_bytes()
    if config.custom_dir is not None:
        for file in _files_under(config.custom_dir):
            overrides[file.relative_to(config.custom_dir).as_posix()] = file.read_bytes()
    return StagePlan(docs, overrides, guides, has_contributing), diags


def sync_folder(folder: Path, files: dict[str, bytes]) -> int:
    """Make ``folder`` hold exactly ``files``: write what differs, delete the rest. Returns files changed.

    Plain writes, not temp-file-and-rename: this is a cache only the build reads, a
    file left half-written differs from its planned bytes and is rewritten next time,
    and at 5,000 record pages the renames would cost a second.
    """
    written = 0
    made: set[Path] = set()
    for rel, data in files.items():
        target = folder / rel
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                continue
        except OSError:
            pass
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(data)
        written += 1
    keep = set(files)
    for file in _files_under(folder) if folder.is_dir() else []:
        if file.relative_to(folder).as_posix() not in keep:
            file.unlink()
            written += 1
    for dirpath, _, _ in sorted(os.walk(folder), key=lambda item: -len(item[0])) if folder.is_dir() else []:
        if Path(dirpath) != folder:
            with contextlib.suppress(OSError):
                os.rmdir(dirpath)  # only succeeds when empty
    return written


# ---------------------------------------------------------------------------------
# Navigation and the derived config


def _label(title: str) -> str:
    """A navigation label from a taxonomy title: MkDocs themes print config titles as raw HTML."""
    return html.escape(title, quote=False)


def _node_entry(node: TaxonomyNode) -> Any:
    page = node_page(node).removeprefix(DOCS_DIR + "/")
    if not node.children:
        return page  # MkDocs titles it with the page's heading, escaped
    return {_label(node.title): [page, *(_node_entry(child) for child in node.children)]}


def make_nav(catalog: Catalog, plan: StagePlan) -> list[Any]:
    """Home, the taxonomy (a section per node with children), Browse (the views), About."""
    nav: list[Any] = [{"Home": HOME_PAGE.removeprefix(DOCS_DIR + "/")}]
    for node in catalog.taxonomy.roots:
        entry = _node_entry(node)
        nav.append(entry if isinstance(entry, dict) else {_label(node.title): entry})
    nav.append({"Browse": [{title: page} for title, page in BROWSE_PAGES]})
    about: list[Any] = []
    if plan.contributing:
        about.append({"Contributing": SITE_CONTRIBUTING_PAGE})
    about.extend(sorted(plan.guides))
    if about:
        nav.append({"About": about})
    return nav


def derived_config(stage: Stage, config: SiteConfig, nav: list[Any], extra_css: Iterable[str],
                   extra_javascript: Iterable[str] = ()) -> str:
    """The config MkDocs builds with: the catalogue's settings plus what is generated."""
    ours = [STYLESHEET, *EXTRA_STYLESHEETS]
    data: dict[str, Any] = {
        "INHERIT": _relative_or_absolute(config.path, stage.dir),
        "docs_dir": "docs",
        "site_dir": str(config.site_dir),
        "theme": {"name": "material", "custom_dir": "overrides"},
        "extra_css": [*ours, *[c for c in extra_css if c not in ours]],
        "extra_javascript": [*SCRIPTS, *[j for j in extra_javascript if j not in SCRIPTS]],
        "nav": nav,
        # record pages and the timeline's year pages (reached from the timeline) stay out of the nav
        "not_in_nav": f"/{RECORDS_DIR.removeprefix(DOCS_DIR + '/')}/\n/{TIMELINE_DIR.removeprefix(DOCS_DIR + '/')}/\n",
        # Broken links and anchors are errors (with --strict), and the record links the
        # templates write as /papers/<id>.md are checked and made relative.
        "validation": {
            "omitted_files": "warn",
            "absolute_links": "relative_to_docs",
            "unrecognized_links": "warn",
            "anchors": "warn",
        },
    }
    hooks = config.data.get("hooks")
    if isinstance(hooks, list):  # relative to the catalogue's config, not to this one
        data["hooks"] = [str((config.path.parent / str(h)).resolve()) for h in hooks]
    watch = config.data.get("watch")
    if isinstance(watch, list):
        data["watch"] = [str((config.path.parent / str(w)).resolve()) for w in watch]
    header = ("# Generated by `longctx build`; do not edit. The settings people edit are in "
              f"{_relative_or_absolute(config.path, stage.dir)}.\n")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


def _relative_or_absolute(target: Path, start: Path) -> str:
    """``../../mkdocs.yml`` for the catalogue's own config; an absolute path for the package default."""
    try:
        rel = os.path.relpath(target, start)
    except ValueError:  # another drive on Windows
        return str(target)
    return rel if not rel.startswith("../../../") else str(target)


def extra_site_files(catalog: Catalog, config: SiteConfig) -> tuple[dict[str, str] | None, list[Diagnostic]]:
    """The explorer, statistics, feeds and downloads (extras.py) by staged docs path; None with errors."""
    from .enrich.events import load_events
    from .extras import site_extras
    from .render import RenderError

    events, diags = load_events(catalog.root)
    if any(d.is_error for d in diags):
        return None, diags
    try:
        files, warnings = site_extras(catalog, events, site_info(config))
    except RenderError as err:
        return None, err.diagnostics
    return files, [*diags, *warnings]


# ---------------------------------------------------------------------------------
# The whole stage


@dataclass
class Prepared:
    """A staged site, ready for MkDocs."""

    stage: Stage
    config: SiteConfig
    plan: StagePlan
    changed: int  # staged files written or removed
    warnings: list[Diagnostic] = field(default_factory=list)  # worth saying, not worth stopping for
    record_pages_reused: int = 0  # record pages taken from the last build, not rendered (rendermemo.py)
    entries_reused: tuple[int, int] = (0, 0)  # survey entries taken from the last build, of those rendered

    @property
    def sources(self) -> dict[str, str]:
        """Staged docs path -> the hand-written file it came from (for messages)."""
        out = {SITE_CONTRIBUTING_PAGE: CONTRIBUTING_FILE} if self.plan.contributing else {}
        out.update({rel: f"{DOCS_DIR}/{rel}" for rel in self.plan.guides})
        return out

    @property
    def extra_inputs(self) -> list[str]:
        return extra_inputs(self.config)


def catalogue_extras(catalog: Catalog) -> tuple[dict[str, str] | None, list[Diagnostic]]:
    """:func:`extra_site_files` with the catalogue's own site config (for a child to make beforehand)."""
    config, diags = read_site_config(catalog.root)
    if config is None:
        return None, diags
    return extra_site_files(catalog, config)


def prepare_site(catalog: Catalog, site_pages: dict[str, str],
                 extras: tuple[dict[str, str] | None, list[Diagnostic]] | None = None,
                 ) -> tuple[Prepared | None, list[Diagnostic]]:
    """Stage the site rendered as ``site_pages`` (``render_catalog(..., site=True)``); nothing else is written.

    ``extras``: what :func:`catalogue_extras` gave, when it was made already (in a child).
    """
    root = catalog.root
    config, diags = read_site_config(root)
    if config is None:
        return None, diags
    extras, warnings = extras if extras is not None else extra_site_files(catalog, config)
    if extras is None:
        return None, warnings
    site_pages = {**site_pages, **{f"{DOCS_DIR}/{rel}": text for rel, text in extras.items()}}
    plan, diags = plan_stage(root, catalog, site_pages, config)
    if diags:
        return None, diags
    stage = Stage(root)
    nav = make_nav(catalog, plan)
    changed = sync_folder(stage.docs, plan.docs)
    changed += sync_folder(stage.overrides, plan.overrides)
    text = derived_config(stage, config, nav, config_extra_css(config), config_extra_javascript(config))
    target = stage.config_file
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
        changed += 1
    return Prepared(stage, config, plan, changed, warnings), []
