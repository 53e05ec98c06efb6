"""Everything the site serves beyond the survey and record pages, as files by their path on the site.

- ``explorer.md`` (``templates/explorer.md.j2``), with ``explorer.json`` and
  ``explorer-bib.json`` (:mod:`.explore`); its script and styles are site assets
  (``templates/site/assets/explorer.js`` and ``explorer.css``);
- ``statistics.md`` (``templates/statistics.md.j2``) with the charts of :mod:`.stats`;
- ``feed.xml`` and ``feeds/<branch>.xml`` (:mod:`.feed`);
- ``catalogue.bib``, ``bib/<branch>.bib``, ``catalogue.json``, ``catalogue.schema.json``
  (:mod:`.downloads`).

:func:`site_extras` only computes text; the site build stages and writes it. Paths are
relative to the site root (the staged docs folder), POSIX style.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import jinja2

from .diagnostics import Diagnostic
from .downloads import CATALOGUE_BIB, CATALOGUE_JSON, CATALOGUE_SCHEMA, branch_bib_path, download_files
from .enrich.events import ArxivEvent
from .explore import BIB_FILE, DATA_FILE, explorer_bib_json, explorer_json
from .feed import FEED_FILE, SiteInfo, branch_feed_path, feed_files
from .markdown import Md
from .model import Catalog, TaxonomyNode
from .render import RenderError
from .stats import charts, summary
from .templating import make_environment, template_problem

EXPLORER_PAGE = "explorer.md"
STATISTICS_PAGE = "statistics.md"
EXPLORER_TEMPLATE = "explorer.md.j2"
STATISTICS_TEMPLATE = "statistics.md.j2"
# Site assets on every page (under templates/site/assets/, staged with the others), scripts in
# this order: common.js (what the other two share), the explorer's script and styles, and
# tables.js, which sorts the wide tables and lays them out as cards on phones.
ASSETS = ("common.js", "explorer.js", "explorer.css", "tables.js")
# Views the site lists under "Browse": (title, page).
PAGES = (("Explorer", EXPLORER_PAGE), ("Statistics", STATISTICS_PAGE))


def _html(value: Any) -> Md:
    """``|html``: text placed inside raw HTML on a markdown page (markdown leaves HTML blocks alone)."""
    return Md(html.escape(str(value), quote=True))


@dataclass
class Branch:
    node: TaxonomyNode
    bib: str
    feed: str


def page_environment(catalog: Catalog) -> jinja2.Environment:
    env = make_environment(catalog.root, site=True)
    env.filters["html"] = _html
    return env


def render_pages(catalog: Catalog, env: jinja2.Environment | None = None) -> dict[str, str]:
    """``explorer.md`` and ``statistics.md``. Raises RenderError (located at the template) on a template fault."""
    env = env or page_environment(catalog)
    branches = [Branch(b, branch_bib_path(b), branch_feed_path(b)) for b in catalog.taxonomy.roots]
    files = {"bib": CATALOGUE_BIB, "json": CATALOGUE_JSON, "schema": CATALOGUE_SCHEMA, "feed": FEED_FILE,
             "data": DATA_FILE, "bib_data": BIB_FILE}
    context = {"catalog": catalog, "branches": branches, "files": files, "page": EXPLORER_PAGE}
    try:
        explorer = env.get_template(EXPLORER_TEMPLATE).render(context)
        statistics = env.get_template(STATISTICS_TEMPLATE).render(
            {**context, "page": STATISTICS_PAGE, "summary": summary(catalog), "charts": charts(catalog)})
    except jinja2.TemplateError as err:
        raise RenderError([template_problem(err, catalog.root)]) from None
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as err:
        raise RenderError([template_problem(err, catalog.root)]) from None
    return {EXPLORER_PAGE: _tidy(explorer), STATISTICS_PAGE: _tidy(statistics)}


def _tidy(text: str) -> str:
    from .render import tidy

    return tidy(text)


def site_extras(catalog: Catalog, events: list[ArxivEvent], site: SiteInfo) -> tuple[dict[str, str], list[Diagnostic]]:
    """Every extra file of the site by path, and warnings (verbatim BibTeX that had to be regenerated)."""
    from .bibtex.export import export_entries

    files = render_pages(catalog)
    files[DATA_FILE] = explorer_json(catalog, site.page)
    entries, diags = export_entries(catalog.records, catalog.root)  # once, for the explorer and the downloads
    files[BIB_FILE], _ = explorer_bib_json(catalog, entries)
    downloads, _ = download_files(catalog, entries)
    files.update(downloads)
    files.update(feed_files(catalog, events, site))
    return files, diags
