"""What the keys of themed pages are made of (:mod:`.pagereuse`): the site's shape as every page shows it.

A themed page depends on far more than its own HTML: every setting the theme can read,
the whole navigation, the page's neighbours, and (when a template can show it) the build
date. These functions put each in a stable form (:func:`.sitecache.stable_repr`), without
importing mkdocs: they read the objects MkDocs hands to plugin events.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .sitecache import stable_repr


def templates_mention(dirs: list[str], words: tuple[str, ...]) -> bool:
    """Whether any theme template (``.html``, ``.xml``) under ``dirs`` contains one of ``words``."""
    for folder in dirs:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]  # Material's .icons: thousands of SVGs
            for name in filenames:
                if name.endswith((".html", ".xml")) and name != "sitemap.xml":  # made afresh every build
                    try:
                        text = Path(dirpath, name).read_text(encoding="utf-8", errors="replace")
                    except OSError:
                        return True  # unreadable: assume the worst
                    if any(word in text for word in words):
                        return True
    return False


def neighbour(item: Any) -> Any:
    if item is None:
        return None
    return (type(item).__name__, getattr(item, "title", None), getattr(item, "url", None))


def config_shape(config: Any) -> str:
    """Every setting the theme can read, in a stable form; plugins by name and settings."""
    shape: dict[str, Any] = {}
    for name, value in config.items():
        if name == "site_dir":
            continue
        if name == "plugins":
            value = {key: getattr(plugin, "config", None) for key, plugin in value.items()
                     if not key.startswith("longctx/")}
        elif name == "theme":
            value = {"name": value.name, "dirs": list(value.dirs), "static": sorted(value.static_templates),
                     "settings": dict(value.items())}
        shape[name] = value
    return stable_repr(shape)


def nav_shape(nav: Any) -> str:
    """The navigation as every page shows it: each entry's kind, title, URL, page settings."""

    def item(entry: Any) -> Any:
        out = [type(entry).__name__, entry.title, getattr(entry, "url", None)]
        page_file = getattr(entry, "file", None)
        if page_file is not None:
            out += [page_file.src_uri, stable_repr(getattr(entry, "meta", None)), entry.is_index]
        children = getattr(entry, "children", None)
        if children:
            out.append([item(child) for child in children])
        return out

    if nav is None:
        return "<no nav>"
    return stable_repr([item(entry) for entry in nav.items])
