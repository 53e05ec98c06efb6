"""Where the site may go: never onto, into or above anything the catalogue or its repository holds.

A build replaces its site folder wholesale. MkDocs obeys any ``site_dir``, so
``site_dir: papers`` would delete every record and ``site_dir: .`` the checkout with
its ``.git``. Before anything is written, the folder the config names must

- not be the catalogue's root or any folder above it;
- not be, contain or sit inside an input of the catalogue (the folders and files
  ``longctx`` reads, the stage, ``.git``, the config's theme overrides and hooks), even
  one that does not exist yet (``site_dir: data`` would become the data next time);
- if it exists, be a folder a site build made (``index.html`` beside ``sitemap.xml`` or
  ``404.html``) or an empty one: anything else is somebody's files.

Only the standard library is used; the answer is a message, located by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

# What a catalogue (and a checkout of this tool) holds at its top level; ``site_dir``
# must keep clear of each, existing or not.
PROTECTED = (
    "taxonomy.yaml", "mkdocs.yml", "README.md", "CONTRIBUTING.md", "pyproject.toml",
    "papers", "data", "templates", "docs", "schema", "src", "tests", "benchmarks",
    ".git", ".github", ".ci", ".venv", ".longctx-cache",
)
SITE_MARKS = ("sitemap.xml", "404.html")  # besides index.html: what every MkDocs + Material build writes


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def looks_like_a_site(folder: Path) -> bool:
    """An empty folder, or one holding what a site build writes."""
    try:
        names = {entry.name for entry in folder.iterdir()}
    except OSError:
        return False
    return not names or ("index.html" in names and any(mark in names for mark in SITE_MARKS))


def site_dir_problem(root: Path, site_dir: Path, inputs: Iterable[Path] = ()) -> str | None:
    """Why ``site_dir`` must not be the site folder of the catalogue at ``root``; None when it may.

    Both paths are resolved (symbolic links followed); ``inputs`` adds the config's
    own inputs (theme overrides, hooks).
    """
    root = root.resolve()
    site = site_dir.resolve()
    if _inside(root, site):
        where = "is the catalogue's folder" if site == root else "contains the catalogue"
        return (f"site_dir {site} {where}: building would replace it and delete every file in it; "
                "use a folder of its own such as `site`")
    for path in [*(root / name for name in PROTECTED), *(Path(p).resolve() for p in inputs)]:
        if _inside(site, path) or _inside(path, site):
            shown = path.relative_to(root).as_posix() if _inside(path, root) else str(path)
            relation = "is" if site == path else ("is inside" if _inside(site, path) else "contains")
            return (f"site_dir {site} {relation} {shown}, which the catalogue reads or the repository holds: "
                    "building would replace it; use a folder of its own such as `site`")
    if site.exists() and not site.is_dir():
        return f"site_dir {site} is not a folder; building would replace it"
    if site.is_dir() and not looks_like_a_site(site):
        return (f"site_dir {site} holds files that are not a built site (no index.html with sitemap.xml or "
                "404.html): building would delete them; empty it, or choose another folder")
    return None
