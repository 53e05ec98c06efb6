"""The MkDocs side of the page cache (:mod:`longctx_catalog.sitecache`): which events reuse what.

:class:`Reuse` is a set of MkDocs plugin events; :mod:`longctx_catalog.site` (the only
module that imports mkdocs) registers it for a build. MkDocs still runs every step of
its build in its own order — reading every page, building the navigation, copying the
theme, writing every file, the sitemap, the search index and the check of every link
and anchor — and only the two costly steps per page are taken from the cache when
their inputs are the same:

- ``Page.render`` (markdown to HTML): skipped for a hit, and the page gets the stored
  HTML, table of contents, title and anchors instead. Its key is the page's markdown,
  front matter and the markdown settings; the other files its links were resolved
  against are recorded while it renders and looked up again before the entry is used.
  A page with one long table (the technique table) is converted in pieces of rows
  (:mod:`longctx_catalog.bigtables`), each cached the same way, so an edit to one row
  re-converts only its piece.
- the theme template (navigation, header, footer around the HTML): the stored output
  is returned for a hit. Its key is the page's content key, its place in the site and
  the site's shape (config, theme overrides, every navigation entry with its title).
- the search index: the entries a page added are stored and added again for a hit.
- when the build patches an existing site (``site.py``'s patch mode), a page whose
  themed output the site already holds is not even restored: the previous build noted
  which key each page file was made from and the file's identity (device, inode, size,
  modification time), and a page with the same key over a file that is still the same
  is left as it is (:meth:`Reuse.keep_from`); its cached output stays unread.

The cache is only used when every plugin of the build is known (search and ours): a
hook or another plugin could change a page in ways no key here sees.

**Many cores.** When many pages miss (a cold build, a renamed taxonomy node), forked
children make a share of the entries: see :mod:`.pageshare`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import bigtables
from .pagekeys import config_shape, nav_shape, neighbour, templates_mention
from .pageshare import FAN_OUT, Sharing
from .parallel import Deferred
from .sitecache import PageCache, digest, files_digest, stable_repr
from .sitepatch import file_identity

KNOWN_PLUGINS = ("search", "material/search")


@dataclass
class _Rendered:
    """What ``Page.render`` leaves on a page, and what it depended on."""

    content: str
    toc: Any
    title: str | None
    anchors: set[str]
    links: dict[str, dict[str, str]] | None  # target src_uri -> {anchor: link as written}
    lookups: tuple[tuple[str, Any], ...]  # (path looked up, what it found) in order


class _Warnings(logging.Handler):
    """Counts MkDocs' warnings, so a page that logged one is not stored."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _found(file: Any) -> Any:
    """What a link lookup found, as far as the rendered HTML and its checks depend on it."""
    if file is None:
        return None
    return (file.src_uri, file.url, file.dest_uri, bool(file.inclusion.is_excluded()))


class Reuse(Sharing):
    """MkDocs plugin events that take unchanged pages from ``cache`` (see the module docstring)."""

    def __init__(self, cache: PageCache, overrides: Path, page_class: Any = None,
                 get_context: Callable[..., Any] | None = None, jobs: int | None = None) -> None:
        self.cache = cache
        self.overrides = overrides
        self.page_class = page_class  # MkDocs' Page and get_context, for the children's share
        self.get_context = get_context
        self.jobs = jobs if jobs is not None else (os.cpu_count() or 1)
        self._children: dict[str, Deferred[dict[tuple[str, bytes], bytes]]] = {}  # src_uri -> its child
        self.enabled = False
        self.render_base = b""
        self.in_pieces = False  # whether long tables may be converted in pieces (bigtables.py)
        self.site_key: bytes | None = None
        self.content_keys: dict[str, bytes] = {}  # src_uri -> key of what the page's HTML was made from
        self._nav: Any = None
        self._found_files: Any = None
        self._lookup_memo: dict[str, Any] = {}  # path -> what a lookup finds in _found_files
        self._file_memo: dict[str, Any] = {}  # src_uri -> the file of _found_files it names
        self._page_keys: dict[tuple[str, str], bytes | None] = {}  # (src_uri, template) -> page_key, once on_env ran
        self._recording: tuple[Any, bytes, list[tuple[str, Any]], int] | None = None
        self._warnings = _Warnings()
        self._site: Path | None = None  # the site being patched, when its files may be kept
        self._site_files: Mapping[str, tuple[bytes, tuple[int, ...]]] = {}  # dest_uri -> (page key, file identity)
        self.kept: dict[str, tuple[int, ...]] = {}  # dest_uri -> identity of each page file the site keeps
        self.themed: dict[str, bytes] = {}  # dest_uri -> page key of what its file holds after this build
        self.shared = 0  # pages handed to children (markdown and themed pages counted apart)
        self._logger = logging.getLogger("mkdocs")

    # -- build start -----------------------------------------------------------------

    def on_config(self, config: Any) -> Any:
        names = [name for name in config.plugins if not name.startswith("longctx/")]
        self.enabled = all(name in KNOWN_PLUGINS for name in names)
        self.render_base = digest(self.cache.versions, "render", stable_repr({
            "markdown_extensions": config["markdown_extensions"],
            "mdx_configs": config["mdx_configs"],
            "validation": config["validation"],
            "use_directory_urls": config["use_directory_urls"],
        }))
        self.in_pieces = bigtables.extension_names(config["markdown_extensions"]) <= bigtables.SAFE_EXTENSIONS
        if self._warnings not in self._logger.handlers:
            self._logger.addHandler(self._warnings)
        return config

    def on_post_build(self, config: Any) -> None:
        self._logger.removeHandler(self._warnings)
        self._stop_children()

    def on_build_error(self, error: Exception) -> None:
        self._logger.removeHandler(self._warnings)
        self._stop_children()

    # -- markdown to HTML ------------------------------------------------------------

    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Any) -> str:
        if not self.enabled:
            return markdown
        file = page.file
        self._await(file.src_uri)
        key = self._render_key(page, markdown)
        entry = self.cache.get("render", key)
        links = self._restored_links(entry, page, files) if isinstance(entry, _Rendered) else False
        if isinstance(entry, _Rendered) and links is not False:
            self.content_keys[file.src_uri] = digest(key, repr(entry.lookups))  # tuples of str, bool, None

            def restore(config: Any, files: Any) -> None:
                del page.render  # back to the class's method
                page.content = entry.content
                page.toc = entry.toc
                page._title_from_render = entry.title
                page.present_anchor_ids = set(entry.anchors)
                page.links_to_anchors = links

            page.render = restore
            return markdown
        # A miss: record every file the links look up while MkDocs renders the page.
        lookups: list[tuple[str, Any]] = []
        plain = type(files).get_file_from_path

        def get_file_from_path(path: str) -> Any:
            found = plain(files, path)
            lookups.append((path, _found(found)))
            return found

        files.get_file_from_path = get_file_from_path
        self._recording = (page, key, lookups, self._warnings.count)
        pieces = bigtables.split(markdown) if self.in_pieces else None
        if pieces:
            def render_pieces(config: Any, files: Any) -> None:
                del page.render  # back to the class's method
                self._render_pieces(page, markdown, pieces, lookups, config, files)

            page.render = render_pieces
        return markdown

    def _render_pieces(self, page: Any, markdown: str, pieces: list[str], lookups: list[tuple[str, Any]],
                       config: Any, files: Any) -> None:
        """``page.render`` for a page with a long table: each piece from the cache or converted alone."""
        begin = len(lookups)
        parts: list[_Rendered] = []
        for piece in pieces:
            key = self._render_key(page, piece)
            entry = self.cache.get("render", key)
            if isinstance(entry, _Rendered) and self._restored_links(entry, page, files) is not False:
                lookups.extend(entry.lookups)
                parts.append(entry)
                continue
            start = len(lookups)
            page.markdown = piece
            try:
                with _held_logs() as held:
                    page.render(config, files)
            finally:
                page.markdown = markdown
            if held:
                break  # the whole page is converted below, so each warning is said once
            links = None
            if page.links_to_anchors is not None:
                links = {target.src_uri: dict(anchors) for target, anchors in page.links_to_anchors.items()}
            entry = _Rendered(page.content, page.toc, page._title_from_render, set(page.present_anchor_ids or ()),
                              links, tuple(lookups[start:]))
            self.cache.put("render", key, entry)
            parts.append(entry)
        whole = _joined(parts) if len(parts) == len(pieces) else None
        links = self._restored_links(whole, page, files) if whole is not None else False
        if whole is None or links is False:
            del lookups[begin:]
            page.render(config, files)
            return
        page.content = whole.content
        page.toc = whole.toc
        page._title_from_render = whole.title
        page.present_anchor_ids = set(whole.anchors)
        page.links_to_anchors = links

    def on_page_content(self, html: str, page: Any, config: Any, files: Any) -> str:
        if self._recording is None or self._recording[0] is not page:
            return html
        _, key, lookups, warnings = self._recording
        self._recording = None
        del files.get_file_from_path  # back to the class's method
        recorded = tuple(lookups)
        self.content_keys[page.file.src_uri] = digest(key, repr(recorded))
        if self._warnings.count != warnings:
            return html  # not stored: a hit would hide the warning
        links = None
        if page.links_to_anchors is not None:
            links = {target.src_uri: dict(anchors) for target, anchors in page.links_to_anchors.items()}
        self.cache.put("render", key, _Rendered(html, page.toc, page._title_from_render,
                                                set(page.present_anchor_ids or ()), links, recorded))
        return html

    def _render_key(self, page: Any, markdown: str) -> bytes:
        file = page.file
        return digest(self.render_base, file.src_uri, file.dest_uri, file.url, str(file.inclusion),
                      markdown, stable_repr(page.meta))

    def _restored_links(self, entry: _Rendered, page: Any, files: Any) -> Any:
        """The entry's links to anchors, by target file as they are now; False when a lookup finds otherwise."""
        plain = type(files).get_file_from_path
        if self._found_files is not files:  # the files are fixed once the build has read them: look each up once
            self._found_files, self._lookup_memo, self._file_memo = files, {}, {}
        memo, file_memo = self._lookup_memo, self._file_memo
        for path, found in entry.lookups:
            now = memo.get(path, memo)
            if now is memo:
                now = memo[path] = _found(plain(files, path))
            if now != found:
                return False
        if entry.links is None:
            return None
        links = {}
        for uri, anchors in entry.links.items():
            if uri == page.file.src_uri:
                target = page.file
            else:
                target = file_memo.get(uri, file_memo)
                if target is file_memo:
                    target = file_memo[uri] = plain(files, uri)
            if target is None:
                return False
            links[target] = dict(anchors)
        return links

    # -- theme and search ------------------------------------------------------------

    def on_env(self, env: Any, config: Any, files: Any) -> Any:
        if not self.enabled:
            return env
        # Paths inside the staging folder are named relative to it: a moved checkout keeps its cache.
        shape = config_shape(config).replace(str(self.overrides.parent), "<stage>")
        # The build date, when a theme template can show it (the catalogue's latest `added` date pins it, so
        # adding or deleting the newest record would otherwise re-theme every page): pinned by
        # SOURCE_DATE_EPOCH, otherwise now (then nothing themed hits).
        date = ""
        if templates_mention(config.theme.dirs, ("build_date", "update_date")):
            date = os.environ.get("SOURCE_DATE_EPOCH") or f"unpinned {time.time_ns()} {os.getpid()}"
        self.site_key = digest(self.cache.versions, "site", shape, date,
                               files_digest(self.overrides), nav_shape(self._nav))
        self._page_keys = {}
        for plugin in config.plugins.values():
            index = getattr(plugin, "search_index", None)
            if index is not None and isinstance(getattr(index, "entries", getattr(index, "_entries", None)), list):
                self._wrap_search(plugin, index)
        wrapped = _Env(env, self)
        if self.jobs > 1 and self.get_context is not None:
            pages = [file.page for file in files.documentation_pages() if file.page is not None]
            missing = [page.file for page in pages if not self._themed_already(page)]
            self._fan_out(missing, lambda share: self._theme_share(share, wrapped, config, files))
        return wrapped

    def _themed_already(self, page: Any) -> bool:
        key = self.page_key(page, page.meta.get("template", "main.html"))
        if key is None:
            return False
        noted = self._site_files.get(page.file.dest_uri)
        return (noted is not None and noted[0] == key) or self.cache.has("page", key)

    def on_nav(self, nav: Any, config: Any, files: Any) -> Any:
        self._nav = nav  # for _nav_shape, in on_env, once every page has its title
        if self.enabled and self.jobs > 1 and self.page_class is not None:
            pages = list(files.documentation_pages())
            # Knowing which pages miss would mean reading them all twice: share out a cold build's
            # pages, else those staged since the cache was last written (a renamed taxonomy node
            # changes every record page). A guess only steers the work: whatever a child makes is
            # what this process would have made.
            if self.cache.count("render") >= len(pages) // 2:
                pages = self._restaged(pages)
            if len(pages) >= FAN_OUT:
                for file in pages:
                    if file.page is None:  # as MkDocs makes a page for a file outside the navigation
                        self.page_class(None, file, config)
                self._fan_out(pages, lambda share: self._render_share(share, config, files))
        return nav

    def keep_from(self, site: Path, files: Mapping[str, tuple[bytes, tuple[int, ...]]]) -> None:
        """Let the pages ``site`` already holds stay as they are: ``files`` is what the last build
        noted (dest_uri -> page key, file identity; see :func:`file_identity`). Only for a build
        that writes nothing for a kept page (site.py's patch mode)."""
        self._site, self._site_files = site, files

    def keeps(self, page: Any, key: bytes) -> bool:
        """Whether ``page``, themed under ``key``, is the file the site holds already."""
        if self._site is None:
            return False
        rel = page.file.dest_uri
        noted = self._site_files.get(rel)
        if noted is None or noted[0] != key:
            return False
        try:
            st = os.lstat(self._site / rel)
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode) or file_identity(st) != tuple(noted[1]):
            return False
        self.kept[rel] = noted[1]
        return True

    def keep_page(self, page: Any) -> bool:
        """Whether ``page``'s file stays as the site holds it (:meth:`keeps`, under the key of its
        themed page); if so, it counts as themed under that key."""
        key = self.page_key(page, page.meta.get("template", "main.html"))
        if key is None or not self.keeps(page, key):
            return False
        self.cache.keep("page", key)
        self.themed[page.file.dest_uri] = key
        return True

    def index_kept(self, page: Any, config: Any, nav: Any) -> None:
        """For a kept page that MkDocs does not theme, what the plugins do when it does (every one is
        known, or nothing is kept): search adds the page's entries (from the cache, see
        :meth:`_wrap_search`); ours count it."""
        for name, plugin in config.plugins.items():
            if name in KNOWN_PLUGINS:
                if getattr(plugin.config, "enabled", True) is not False:
                    plugin.search_index.add_entry_from_context(page)
            elif name.startswith("longctx/") and hasattr(plugin, "on_page_context"):
                plugin.on_page_context({"page": page}, page=page, config=config, nav=nav)

    def page_key(self, page: Any, template: str) -> bytes | None:
        """The key of ``page`` themed with ``template``: its content, its place in the site, the site's shape.

        Asked twice per page (which pages miss, then the page's theming) with the same answer: every
        input is fixed once ``on_env`` has run, so the first answer is kept.
        """
        memo = (page.file.src_uri, template)
        key = self._page_keys.get(memo, self._page_keys)
        if key is self._page_keys:
            key = self._page_keys[memo] = self._page_key(page, template)
        return key

    def _page_key(self, page: Any, template: str) -> bytes | None:
        content = self.content_keys.get(page.file.src_uri)
        if content is None or self.site_key is None:
            return None
        return digest(self.site_key, content, template, page.url, page.title, page.canonical_url, page.edit_url,
                      page.is_homepage, neighbour(page.previous_page), neighbour(page.next_page),
                      [neighbour(p) for p in page.ancestors])

    def _wrap_search(self, plugin: Any, index: Any) -> None:
        entries_attr = "entries" if isinstance(getattr(index, "entries", None), list) else "_entries"
        plain = index.add_entry_from_context
        base = digest(self.cache.versions, "search", type(plugin).__qualname__, stable_repr(plugin.config))

        def add_entry_from_context(page: Any) -> None:
            self._await(page.file.src_uri)
            entries: list[Any] = getattr(index, entries_attr)
            content = self.content_keys.get(page.file.src_uri)
            key = digest(base, content, page.url, page.title) if content is not None else None
            stored = self.cache.get("search", key) if key is not None else None
            if isinstance(stored, list):
                entries.extend(stored)
                return
            before, warnings = len(entries), self._warnings.count
            plain(page)
            if key is not None and self._warnings.count == warnings:
                self.cache.put("search", key, entries[before:])

        index.add_entry_from_context = add_entry_from_context

    def warnings_seen(self) -> int:
        return self._warnings.count


def _joined(parts: list[_Rendered]) -> _Rendered | None:
    """The pieces of one page as one page; None when they do not agree on what they share."""
    content = bigtables.join([part.content for part in parts])
    first = parts[0]
    if content is None or any(str(part.toc) != str(first.toc) or part.title != first.title for part in parts):
        return None
    links: dict[str, dict[str, str]] | None = None
    for part in parts:
        if part.links is not None:
            links = links if links is not None else {}
            for uri, anchors in part.links.items():
                mine = links.setdefault(uri, {})
                for anchor, written in anchors.items():
                    mine.setdefault(anchor, written)
    return _Rendered(content, first.toc, first.title, set().union(*(part.anchors for part in parts)), links,
                     tuple(lookup for part in parts for lookup in part.lookups))


@contextlib.contextmanager
def _held_logs() -> Iterator[list[logging.LogRecord]]:
    """Hold back what MkDocs logs while a piece converts (the caller converts the page whole if anything was)."""
    logger = logging.getLogger("mkdocs")
    held: list[logging.LogRecord] = []

    class Hold(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            held.append(record)

    handlers, propagate = logger.handlers[:], logger.propagate
    logger.handlers, logger.propagate = [Hold(logging.WARNING)], False
    try:
        yield held
    finally:
        logger.handlers, logger.propagate = handlers, propagate


class _Env:
    """The theme's Jinja environment, whose page templates answer from the cache."""

    def __init__(self, env: Any, reuse: Reuse) -> None:
        self._env = env
        self._reuse = reuse

    def __getattr__(self, name: str) -> Any:
        return getattr(self._env, name)

    def get_template(self, name: Any, *args: Any, **kwargs: Any) -> Any:
        return _Template(self._env.get_template(name, *args, **kwargs), self._reuse, str(name))


class _Template:
    def __init__(self, template: Any, reuse: Reuse, name: str) -> None:
        self._template = template
        self._reuse = reuse
        self._name = name  # as the page asked for it

    def __getattr__(self, name: str) -> Any:
        return getattr(self._template, name)

    def render(self, *args: Any, **kwargs: Any) -> str:
        context = args[0] if args and isinstance(args[0], Mapping) else kwargs
        page = context.get("page")
        key = None
        if page is not None and not kwargs:
            self._reuse._await(page.file.src_uri)
            key = self._reuse.page_key(page, self._name)
        reuse = self._reuse
        if key is not None:
            stored = reuse.cache.get("page", key)
            if isinstance(stored, str):
                reuse.themed[page.file.dest_uri] = key
                return stored
        warnings = reuse.warnings_seen()
        output: str = self._template.render(*args, **kwargs)
        if key is not None and reuse.warnings_seen() == warnings:
            reuse.cache.put("page", key, output)
            reuse.themed[page.file.dest_uri] = key
        return output
