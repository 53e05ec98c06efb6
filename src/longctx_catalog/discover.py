"""Find new work on arXiv that belongs in the catalogue (``longctx discover``).

The steps, in order, each a function here so the command stays a short adapter:

1. :func:`build_query` — arXiv's ``search_query`` for some categories and a window of
   submission dates (and an optional narrowing query);
2. the listing is read through :meth:`.enrich.arxiv.ArxivSource.search` (same client,
   politeness and settings as ``enrich``);
3. :func:`leave_out_known` — drop what the catalogue already holds, by arXiv id or by
   title compared as the duplicate rule does (:func:`.duplicates.title_key`: case,
   punctuation and plurals ignored);
4. :func:`rank` — score every remaining entry against the catalogue with
   :class:`.similarity.Index` and suggest taxonomy nodes; best first.

No file is read or written here; ``--add`` goes through the code of ``longctx add``.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from .duplicates import title_key
from .model import ArxivMeta, Catalog
from .similarity import Index, Suggestion

DEFAULT_CATEGORIES = ("cs.CL", "cs.LG", "cs.AI", "cs.CV")
DEFAULT_DAYS = 7
DEFAULT_LIMIT = 50

# arXiv's category codes (https://arxiv.org/category_taxonomy), to refuse a typo before asking.
_ARCHIVES = {
    "cs": "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA NE NI OH OS PF PL "
          "RO SC SD SE SI SY",
    "stat": "AP CO ME ML OT TH",
    "eess": "AS IV SP SY",
    "econ": "EM GN TH",
    "math": "AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA RA RT SG SP ST",
    "q-bio": "BM CB GN MN NC OT PE QM SC TO",
    "q-fin": "CP EC GN MF PM PR RM ST TR",
    "physics": "acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an ed-ph flu-dyn gen-ph "
               "geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph space-ph",
    "astro-ph": "CO EP GA HE IM SR",
    "cond-mat": "dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con",
    "nlin": "AO CD CG PS SI",
}
CATEGORIES = frozenset(
    [f"{archive}.{sub}" for archive, subs in _ARCHIVES.items() for sub in subs.split()]
    + ["astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph", "nucl-ex", "nucl-th",
       "quant-ph"]
)


class QueryError(ValueError):
    """A bad category, date or window; the message names it (a usage error)."""


def check_categories(categories: Iterable[str]) -> list[str]:
    """The categories, each once, in the order given; unknown ones raise :class:`QueryError`."""
    chosen = list(dict.fromkeys(c.strip() for c in categories))
    for category in chosen:
        if category not in CATEGORIES:
            close = difflib.get_close_matches(category, sorted(CATEGORIES), n=1)
            hint = f" (did you mean {close[0]}?)" if close else " (e.g. cs.CL, cs.LG, stat.ML)"
            raise QueryError(f"unknown arXiv category {category!r}{hint}")
    return chosen


def window(since: dt.date | None, until: dt.date | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The submission dates asked for, both ends included: by default the last seven days up to today."""
    end = until or today
    start = since or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise QueryError(f"--since {start.isoformat()} is after --until {end.isoformat()}")
    return start, end


def build_query(categories: Iterable[str], start: dt.date, end: dt.date, text: str | None = None) -> str:
    """arXiv's ``search_query``: any of the categories, submitted between the dates, and ``text``.

    ``text`` with a field prefix (``abs:``, ``ti:`` ...) is arXiv query syntax and is
    passed on; plain words are searched as a phrase in every field.
    """
    cats = " OR ".join(f"cat:{c}" for c in categories)
    query = f"({cats}) AND submittedDate:[{start:%Y%m%d}0000 TO {end:%Y%m%d}2359]"
    if text and text.strip():
        words = text.strip()
        if ":" not in words:
            words = 'all:"' + words.replace('"', " ") + '"'
        query += f" AND ({words})"
    return query


def leave_out_known(entries: Iterable[ArxivMeta], catalog: Catalog) -> tuple[list[ArxivMeta], int]:
    """Entries the catalogue does not hold (by arXiv id or title key), each once; and how many were dropped."""
    ids = {r.arxiv_base for r in catalog.records if r.arxiv_base}
    titles = {title_key(t) for r in catalog.records
              for t in (r.title, r.arxiv_meta.title if r.arxiv_meta else None) if t}
    kept: dict[str, ArxivMeta] = {}
    dropped = 0
    for meta in entries:
        if meta.id in ids or title_key(meta.title) in titles:
            dropped += 1
        elif meta.id not in kept:
            kept[meta.id] = meta
    return list(kept.values()), dropped


@dataclass(frozen=True)
class Candidate:
    """A listing entry with its scope score (0–1) and suggested taxonomy nodes, best first."""

    meta: ArxivMeta
    score: float
    suggestions: tuple[Suggestion, ...]

    @property
    def tags(self) -> list[str]:
        return [s.node for s in self.suggestions]


def entry_text(meta: ArxivMeta) -> str:
    return f"{meta.title} {meta.abstract or ''}"


def rank(entries: list[ArxivMeta], catalog: Catalog, index: Index | None = None) -> list[Candidate]:
    """Every entry scored and tagged; best score first, ties newest first, then by id."""
    index = index or Index(catalog)
    assessed = index.assess([entry_text(m) for m in entries], titles=[m.title for m in entries])
    candidates = [Candidate(meta, a.score, a.tags) for meta, a in zip(entries, assessed, strict=True)]
    candidates.sort(key=lambda c: c.meta.id)
    candidates.sort(key=lambda c: c.meta.published, reverse=True)
    candidates.sort(key=lambda c: c.score, reverse=True)
    return candidates
