"""The page cache's misses shared out to forked children (:class:`.pagereuse.Reuse` is a :class:`Sharing`).

When many pages miss (a cold build, a renamed taxonomy node), forked children make the
cache entries of their share of the pages: the markdown once the navigation exists, the
themed pages once every page is read. MkDocs, in the main process, then finds them as
hits. Each child starts from this process's state, so what it makes is what this process
would have made; a child that fails only leaves its pages to be made here. Which pages to
share is a guess that steers the work, never what the site holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .parallel import Deferred
from .sitecache import PageCache

FAN_OUT = 64  # misses worth forking for (below this, a child costs more than it saves)


class Sharing:
    """The children's side of :class:`.pagereuse.Reuse` (whose ``__init__`` sets these)."""

    cache: PageCache
    jobs: int
    shared: int
    get_context: Callable[..., Any] | None
    _children: dict[str, Deferred[dict[tuple[str, bytes], bytes]]]
    _recording: Any
    _nav: Any

    def _stop_children(self) -> None:
        for child in set(self._children.values()):
            child.cancel()
        self._children.clear()

    def _fan_out(self, missing: list[Any], work: Callable[[list[Any]], dict[tuple[str, bytes], bytes]]) -> None:
        """Children make the cache entries of all but the first share of ``missing`` while MkDocs goes on."""
        if len(missing) < FAN_OUT:
            return
        size = -(-len(missing) // self.jobs)
        for start in range(size, len(missing), size):
            share = missing[start:start + size]
            child = Deferred(lambda share=share: work(share))
            self.shared += len(share)
            for file in share:
                self._children[file.src_uri] = child

    def _await(self, src_uri: str) -> None:
        """Take in the entries of the child that made ``src_uri``'s, if one did and it has not been heard yet."""
        child = self._children.pop(src_uri, None)
        if child is None:
            return
        try:
            made = child.result()
        except Exception:
            made = {}  # the pages are made here instead
        self._children = {uri: other for uri, other in self._children.items() if other is not child}
        self.cache.take(made)

    def _render_share(self, share: list[Any], config: Any, files: Any) -> dict[tuple[str, bytes], bytes]:
        """In a child: what ``_populate_page`` does for ``share``, keeping only the cache entries."""
        self.cache = self.cache.detached()
        for file in share:
            page = file.page
            try:
                config._current_page = page
                page.read_source(config)
                page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
                page.render(config, files)
                config.plugins.on_page_content(page.content, page=page, config=config, files=files)
            except Exception:
                self._recording = None  # this page is made in the parent, which reports the problem
        return self.cache.made()

    def _theme_share(self, share: list[Any], env: Any, config: Any, files: Any) -> dict[tuple[str, bytes], bytes]:
        """In a child: what ``_build_page`` does for ``share`` up to the template, keeping the cache entries."""
        self.cache = self.cache.detached()
        doc_files = files.documentation_pages()
        for file in share:
            page = file.page
            try:
                config._current_page = page
                page.active = True
                context = self.get_context(self._nav, doc_files, config, page)
                template = env.get_template(page.meta.get("template", "main.html"))
                for name, plugin in config.plugins.items():  # search indexes the page here; not our progress bar
                    hook = getattr(plugin, "on_page_context", None)
                    if hook is not None and not name.startswith("longctx/"):
                        context = hook(context, page=page, config=config, nav=self._nav) or context
                template.render(context)
            except Exception:
                pass  # made in the parent, which reports the problem
            finally:
                page.active = False
        return self.cache.made()

    def _restaged(self, files: list[Any]) -> list[Any]:
        """The ``files`` written after the page cache was last written."""
        try:
            since = os.stat(self.cache.path).st_mtime_ns if self.cache.path is not None else None
        except OSError:
            since = None
        if since is None:
            return files
        out = []
        for file in files:
            try:
                if os.stat(file.abs_src_path).st_mtime_ns > since:
                    out.append(file)
            except OSError:
                out.append(file)
        return out
