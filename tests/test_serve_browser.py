"""`longctx serve` reloads the open page when any input it watches changes, in Chromium.

One server and one browser page: for each watched input, an edit is made and the test
waits (for the condition, no fixed sleep) until the page has been reloaded by MkDocs'
live-reload script and shows the edit. The page carries a marker set before the edit,
so "reloaded" means a new document, not the old one still matching.

The tool's own templates (watched too) are the repository's files; they are not edited
here. A catalogue-level templates/ folder, which overrides them, is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from browser import needs_chromium, page_opener
from conftest import REPO, make_site_catalogue
from serving import get, serving, wait_for

pytestmark = needs_chromium


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def new_templates(root: Path, work: Path) -> None:
    made = work / "templates"  # made aside and moved in, as a checkout would
    made.mkdir()
    (made / "record.md.j2").write_text((REPO / "templates" / "record.md.j2").read_text(encoding="utf-8")
                                       .replace("read by a curator", "read by the serve test"), encoding="utf-8")
    made.rename(root / "templates")


def new_site_config(root: Path, work: Path) -> None:
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(text.replace("site_name: Long-context LLM catalogue",
                                                  "site_name: Served Catalogue"), encoding="utf-8")


# (watched input, the change, the page to watch, text the page shows after the change)
EDITS: list[tuple[str, Callable[[Path, Path], None], str, str]] = [
    ("papers/", lambda root, _: edit(root / "papers" / "yarn.yaml", "Rescales RoPE frequencies",
                                     "Rescales rotary frequencies"), "papers/yarn/", "Rescales rotary frequencies"),
    ("taxonomy.yaml", lambda root, _: edit(root / "taxonomy.yaml", "title: Scaling Strategies",
                                           "title: Scaling Recipes"), "methodology/extended-rope/rope-scaling/",
     "Scaling Recipes"),
    ("data/", lambda root, _: edit(root / "data" / "arxiv" / "2309.00071.yaml", "We pretend to stretch",
                                   "We claim to stretch"), "papers/yarn/", "We claim to stretch"),
    ("docs/", lambda root, _: edit(root / "docs" / "guide" / "notes.md", "Notes for curators",
                                   "Notes for the served curators"), "guide/notes/", "Notes for the served curators"),
    ("CONTRIBUTING.md", lambda root, _: edit(root / "CONTRIBUTING.md", "Suggest a paper with",
                                             "Propose a paper with"), "about/contributing/", "Propose a paper with"),
    ("templates/", new_templates, "papers/yarn/", "read by the serve test"),
    ("mkdocs.yml", new_site_config, "papers/yarn/", "Served Catalogue"),
]


def test_each_watched_input_reloads_the_open_page(browser: Any, tmp_path: Path) -> None:
    root = make_site_catalogue(tmp_path / "cat")
    assert not (root / "templates").exists() and not (root / "mkdocs.yml").exists()  # both appear while serving
    with serving(root, tmp_path) as served, page_opener(browser, served.base_url) as open_page:
        assert wait_for(lambda: "Rescales RoPE" in get(served.base_url + "papers/yarn/")), served.log()
        seen: list[str] = []
        for name, change, path, shown in EDITS:
            page = open_page(path, wait_until="load")
            assert shown not in page.inner_text("body"), name
            page.evaluate("window.__lcBeforeEdit = true")
            change(root, tmp_path)
            try:
                page.wait_for_function(
                    f"() => !window.__lcBeforeEdit && document.body && "
                    f"document.body.innerText.includes({json.dumps(shown)})", timeout=60_000)
            except Exception as err:  # the log says what the server saw
                pytest.fail(f"{name}: the open page was not reloaded with the change ({err})\n{served.log()}")
            seen.append(name)
            page.close()
        assert seen == [name for name, *_ in EDITS]
        assert served.stop() == 0
    assert "Traceback" not in served.log(), served.log()
    assert list(served.temp.iterdir()) == []
