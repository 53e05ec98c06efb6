"""Turn fetched arXiv metadata into a new record (``longctx add``).

``add`` snapshots title, authors and first-version date into the record so the file
reads on its own and a curator can correct it; from then on the record is curated
and ``enrich`` never writes to it (refreshes go to the cache only).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Container
from typing import Any

from ..model import ArxivMeta, slugify, strip_arxiv_version
from ..schema.specs import SLUG_MAX, parse_arxiv_id

# Words that make an id longer without making it more recognisable.
_FILLER = frozenset(("a", "an", "and", "are", "as", "at", "by", "for", "from", "how", "in", "into", "is", "it",
                     "of", "on", "or", "over", "the", "to", "toward", "towards", "via", "what", "when", "where",
                     "which", "why", "with", "without", "your", "we", "our"))
_ID_WORDS = 4
_PREFIX_WORDS = 3  # "YaRN: ..." -> "yarn"; a longer text before the colon is a sentence, not a name
_URL_ID = re.compile(r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(?P<id>.+?)(?:\.pdf)?/?$", re.I)


def parse_id_argument(text: str) -> str | None:
    """An arXiv id from what people paste: ``2309.00071``, ``arXiv:2309.00071v2``, an abs/pdf URL.

    Returns the id without its version, or None when it is not a valid arXiv id.
    """
    candidate = text.strip()
    url = _URL_ID.match(candidate)
    if url:
        candidate = url["id"]
    elif candidate.lower().startswith("arxiv:"):
        candidate = candidate[6:].strip()
    if not parse_arxiv_id(candidate):
        return None
    return strip_arxiv_version(candidate)


def propose_id(title: str, year: str, taken: Container[str]) -> str:
    """A short, readable record id from a title, not in ``taken``.

    ``"YaRN: Efficient Context Window Extension ..."`` -> ``yarn``; without a short
    name before a colon, the first few words that carry meaning:
    ``"Extending Context Window of Large Language Models via ..."`` ->
    ``extending-context-window-large``. On a clash the year is appended, then a number.
    """
    head, colon, _ = title.partition(":")
    if colon and 1 <= len(head.split()) <= _PREFIX_WORDS and slugify(head):
        base = slugify(head, 40)
    else:
        words = [w for w in slugify(title, SLUG_MAX).split("-") if w and w not in _FILLER]
        base = "-".join(words[:_ID_WORDS]) or slugify(title, 40) or "paper"
    candidates = [base, f"{base}-{year}"] + [f"{base}-{year}-{n}" for n in range(2, 1000)]
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    raise ValueError(f"no free id for {title!r}")  # a thousand papers named alike: not a real case


def record_fields(meta: ArxivMeta, record_id: str, tags: list[str], today: dt.date) -> dict[str, Any]:
    """The new record's fields, for :func:`longctx_catalog.write.dump_record`."""
    authors: list[Any] = []
    for author in meta.authors:
        if author.affiliations:
            affiliation: Any = author.affiliations[0] if len(author.affiliations) == 1 else list(author.affiliations)
            authors.append({"name": author.name, "affiliation": affiliation})
        else:
            authors.append(author.name)
    return {
        "id": record_id,
        "title": meta.title,
        "arxiv": meta.id,
        "authors": authors,
        "date": dt.date.fromisoformat(meta.published),
        "tags": list(tags),
        "links": {"paper": meta.abs_url, "pdf": meta.pdf_url},
        "added": today,
    }
