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
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .diagnostics import Diagnostic, Location
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
    TIMELINE_PAGE,
    node_page,
)
from .render import is_owned
from .templating import TEMPLATES_DIR, template_dirs

if TYPE_CHECKING:
    from .feed import SiteInfo

CACHE_DIR = ".longctx-cache"
STAGE_DIR = f"{CACHE_DIR}/site"
CONFIG_FILE = "mkdocs.yml"
DEFAULT_SITE_DIR = "site"
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
# The catalogue's mkdocs.yml


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml as data, keeping MkDocs' own tags (``!ENV``, ``!relative``, ``!!python/name:``) as text.

    MkDocs resolves them itself when it reads the derived config (which INHERITs the
    file); here we only need a few plain keys, so an unknown tag must not stop us.
    """


def _unknown_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return f"!{suffix} {loader.construct_scalar(node)}"
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_ConfigLoader.add_multi_constructor("", _unknown_tag)


def default_config_file() -> Path:
    """The package's default mkdocs.yml: inside the package in a wheel, the repo's own in a checkout."""
    here = Path(__file__).resolve().parent
    shipped = here / "site-default.yml"
    return shipped if shipped.is_file() else here.parents[1] / CONFIG_FILE


@dataclass
class SiteConfig:
    """The catalogue's site settings, as far as staging needs them."""

    path: Path  # the mkdocs.yml the derived config inherits
    data: dict[str, Any]
    site_dir: Path
    custom_dir: Path | None  # the config's own theme overrides, if it names some
    repo_url: str | None


def read_site_config(root: Path) -> tuple[SiteConfig | None, list[Diagnostic]]:
    """The catalogue's ``mkdocs.yml`` (or the package default when it has none), checked for what we need."""
    path = root / CONFIG_FILE
    if not path.is_file():
        path = default_config_file()
    shown = CONFIG_FILE if path.parent == root else str(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_ConfigLoader)  # a SafeLoader subclass
    except (OSError, UnicodeDecodeError) as err:
        return None, [Diagnostic.make(Location(shown), "LC802", f"cannot read the site config: {err}")]
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        loc = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
        return None, [Diagnostic.make(loc, "LC802", f"the site config is not valid YAML: {err}")]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, [Diagnostic.make(Location(shown), "LC802", "the site config must be a mapping of settings")]
    problems = []
    for key in ("nav", "docs_dir", "not_in_nav"):
        if key in data:
            problems.append(Diagnostic.make(
                Location(shown, _key_line(path, key), 1), "LC802",
                f"`{key}` is generated by `longctx build` from the taxonomy; remove it from {CONFIG_FILE}",
            ))
    theme = data.get("theme")
    theme_name = theme.get("name") if isinstance(theme, dict) else theme
    if theme_name != "material":
        problems.append(Diagnostic.make(
            Location(shown, _key_line(path, "theme"), 1), "LC802",
            "the site is built for the Material theme: set `theme: {name: material}`",
        ))
    if problems:
        return None, problems
    base = path.parent if path.parent == root else root  # the package default's paths are the catalogue's
    site_dir = data.get("site_dir") or DEFAULT_SITE_DIR
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    repo_url = data.get("repo_url")
    return SiteConfig(
        path=path,
        data=data,
        site_dir=(base / str(site_dir)).resolve(),
        custom_dir=(base / str(custom)).resolve() if isinstance(custom, str) and custom else None,
        repo_url=repo_url.rstrip("/") if isinstance(repo_url, str) and repo_url.startswith("http") else None,
    ), []


def _key_line(path: Path, key: str) -> int:
    """The line where a top-level key is written (1 when not found)."""
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith(f"{key}:"):
                return number
    except OSError:
        pass
    return 1


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
        out.extend(Path(dirpath, f) for f in sorted(filenames) if not f.startswith("."))
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
    for rel, file in site_template_files(root, "assets").items():
        put(f"{ASSETS_DIR}/{rel}", file.read_bytes(), f"{TEMPLATES_DIR}/{SITE_TEMPLATES}/assets/{rel}")
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
# Links in hand-written pages

# [text](target "title") and ![alt](src); the target may hold one level of parentheses.
_LINK = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:\\.|[^\]\\]|\[[^\]]*\])*)\]"
    r"\((?P<target><[^>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?P<title>\s+(?:\"[^\"]*\"|'[^']*'))?\)"
)
_REF_DEF = re.compile(r"^(?P<lead> {0,3}\[[^\]]+\]:[ \t]*)(?P<target>\S+)", re.M)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def fix_links(text: str, source: str, repo_url: str | None) -> str:
    """Links of a hand-written page (``source``, relative to the catalogue root) made right for the site.

    Links to pages under ``docs/`` become docs-absolute (``/guide/x.md``), which
    MkDocs checks and makes relative wherever the page is staged. Links to other
    files of the repository (``papers/``, ``schema/...``) and GitHub-relative ones
    (``../../issues/new``) point at the repository when ``repo_url`` is set and are
    reduced to their text otherwise, so the site has no broken link. Code (fenced
    blocks and `spans`) is left alone; a link's text may run over lines.
    """
    out = []
    for is_code, chunk in _fenced_chunks(text):
        if is_code:
            out.append(chunk)
            continue
        code = [span.span() for span in _CODE_SPAN.finditer(chunk)]

        def fix(match: re.Match[str], code: list[tuple[int, int]] = code) -> str:
            if any(start <= match.start() < end for start, end in code):
                return match.group(0)  # a link written inside `code` is an example, not a link
            return _fix_link(match, source, repo_url)

        def fix_ref(match: re.Match[str]) -> str:
            target = _site_target(match.group("target"), source, repo_url)
            return match.group(0) if target is None else f"{match.group('lead')}{target}"

        out.append(_LINK.sub(fix, _REF_DEF.sub(fix_ref, chunk)))
    return "".join(out)


def _fenced_chunks(text: str) -> list[tuple[bool, str]]:
    """The text cut into (is fenced code, chunk) pieces, in order."""
    chunks: list[tuple[bool, list[str]]] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        match = _FENCE.match(line)
        inside = fence is not None
        if match:
            mark = match.group(1)
            if fence is None:
                fence, inside = mark, True
            elif mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip().strip(mark[0]):
                fence = None
        if not chunks or chunks[-1][0] != inside:
            chunks.append((inside, []))
        chunks[-1][1].append(line)
    return [(inside, "".join(lines)) for inside, lines in chunks]


def _fix_link(match: re.Match[str], source: str, repo_url: str | None) -> str:
    raw = match.group("target")
    target = raw[1:-1] if raw.startswith("<") else raw
    new = _site_target(target, source, repo_url)
    if new is None:
        return match.group(0)
    if new == "":
        return match.group("text")  # nowhere to point on the site: keep the words
    return f"{match.group('bang')}[{match.group('text')}]({new}{match.group('title') or ''})"


def _site_target(target: str, source: str, repo_url: str | None) -> str | None:
    """The target to use on the site; None to leave it as is, "" to drop the link."""
    if not target or target.startswith(("#", "/")) or _SCHEME.match(target):
        return None
    path, sep, rest = target.partition("#")
    path, qsep, query = path.partition("?")
    suffix = (qsep + query if qsep else "") + (sep + rest if sep else "")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), path)) if path else source
    if resolved.startswith("../"):
        # Above the repository: GitHub's blob view is /<owner>/<repo>/blob/<branch>/<file>, so
        # a path climbing out of the repository by two levels lands on /<owner>/<repo>/...
        depth = source.count("/") + 2
        parts = resolved.split("/")
        if repo_url and parts[:depth] == [".."] * depth and len(parts) > depth:
            return f"{repo_url}/{'/'.join(parts[depth:])}{suffix}"
        return ""
    if resolved == DOCS_DIR or resolved.startswith(DOCS_DIR + "/"):
        inside = resolved[len(DOCS_DIR):].lstrip("/")
        return "/" + inside + suffix if inside else "/index.md" + suffix
    if repo_url:
        kind, slash = ("tree", "/") if path.endswith("/") else ("blob", "")
        return f"{repo_url}/{kind}/HEAD/{resolved}{slash}{suffix}"
    return ""


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
        "not_in_nav": f"/{RECORDS_DIR.removeprefix(DOCS_DIR + '/')}/\n",
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


def config_extra_css(config: SiteConfig) -> list[str]:
    extra = config.data.get("extra_css")
    return [str(e) for e in extra] if isinstance(extra, list) else []


def config_extra_javascript(config: SiteConfig) -> list[str]:
    """The config's own scripts, as paths (an entry may also be a mapping with a ``path``)."""
    extra = config.data.get("extra_javascript")
    if not isinstance(extra, list):
        return []
    return [str(e.get("path")) if isinstance(e, dict) else str(e) for e in extra]


def site_info(config: SiteConfig) -> SiteInfo:
    """What the feeds and the explorer need to know of the site: its name, URLs and page addresses."""
    from .feed import SiteInfo

    data = config.data
    url = data.get("site_url")
    url = str(url) if isinstance(url, str) and url.startswith(("http://", "https://")) else None
    if url and not url.endswith("/"):
        url += "/"
    description = data.get("site_description")
    directory_urls = data.get("use_directory_urls", True) is not False
    return SiteInfo(
        name=str(data.get("site_name") or "Catalogue"),
        url=url,
        repo_url=config.repo_url,
        description=str(description) if isinstance(description, str) else None,
        page="papers/{id}/" if directory_urls else "papers/{id}.html",
    )


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

    @property
    def sources(self) -> dict[str, str]:
        """Staged docs path -> the hand-written file it came from (for messages)."""
        out = {SITE_CONTRIBUTING_PAGE: CONTRIBUTING_FILE} if self.plan.contributing else {}
        out.update({rel: f"{DOCS_DIR}/{rel}" for rel in self.plan.guides})
        return out

    @property
    def extra_inputs(self) -> list[str]:
        return extra_inputs(self.config)


def extra_inputs(config: SiteConfig) -> list[str]:
    """Files outside the catalogue's usual folders that the site config pulls in (for the input digest)."""
    extra = [str(config.path)]
    if config.custom_dir is not None:
        extra.append(str(config.custom_dir))
    for key in ("hooks", "watch"):
        value = config.data.get(key)
        if isinstance(value, list):
            extra.extend(str((config.path.parent / str(v)).resolve()) for v in value)
    return extra


def prepare_site(catalog: Catalog, site_pages: dict[str, str]) -> tuple[Prepared | None, list[Diagnostic]]:
    """Stage the site rendered as ``site_pages`` (``render_catalog(..., site=True)``); nothing else is written."""
    root = catalog.root
    config, diags = read_site_config(root)
    if config is None:
        return None, diags
    extras, warnings = extra_site_files(catalog, config)
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
