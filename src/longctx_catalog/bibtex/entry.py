"""One record -> one BibTeX entry.

:func:`entry_for` is what the render stage shows in every record's citation block,
so it is called for every record on every build. The entry is generated from the
record's curated fields: they are what the catalogue checks and corrects, while
citations copied from elsewhere (Google Scholar's above all) lower-case titles,
cut author lists at "and others" and cite preprints of published work. A verbatim
``bibtex`` field is an explicit override a curator writes for the rare work the
fields cannot describe. Generation is pure string work (no parser, no I/O) and
deterministic: same record, same bytes.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from ..model import Author, Record, script_parts
from .latex import protect_case, to_latex

# Words skipped when picking the title word of a citation key (as Google Scholar does).
_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "on",
        "of",
        "in",
        "for",
        "to",
        "and",
        "with",
        "from",
        "by",
        "at",
        "as",
        "is",
        "are",
        "be",
        "via",
        "towards",
        "toward",
        "how",
        "what",
        "why",
        "when",
        "do",
        "does",
        "can",
        "we",
        "our",
        "your",
        "its",
        "into",
        "over",
        "under",
    }
)
MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# Venue abbreviations the catalogue writes (``ICLR 2024``) -> (entry type, full name for
# booktitle/journal). The abbreviation stays in the name, braced, because it is what
# readers search for.
_KNOWN_VENUES: dict[str, tuple[str, str]] = {
    "NeurIPS": ("inproceedings", "Advances in Neural Information Processing Systems"),
    "ICML": ("inproceedings", "International Conference on Machine Learning"),
    "ICLR": ("inproceedings", "International Conference on Learning Representations"),
    "ACL": ("inproceedings", "Annual Meeting of the Association for Computational Linguistics"),
    "EMNLP": ("inproceedings", "Conference on Empirical Methods in Natural Language Processing"),
    "NAACL": (
        "inproceedings",
        "Conference of the North American Chapter of the Association for Computational Linguistics",
    ),
    "EACL": ("inproceedings", "Conference of the European Chapter of the Association for Computational Linguistics"),
    "COLING": ("inproceedings", "International Conference on Computational Linguistics"),
    "AAAI": ("inproceedings", "AAAI Conference on Artificial Intelligence"),
    "IJCAI": ("inproceedings", "International Joint Conference on Artificial Intelligence"),
    "CVPR": ("inproceedings", "Conference on Computer Vision and Pattern Recognition"),
    "ICCV": ("inproceedings", "International Conference on Computer Vision"),
    "COLM": ("inproceedings", "Conference on Language Modeling"),
    "MLSys": ("inproceedings", "Conference on Machine Learning and Systems"),
    "TACL": ("article", "Transactions of the Association for Computational Linguistics"),
    "JMLR": ("article", "Journal of Machine Learning Research"),
}
_VENUE_YEAR = re.compile(r"^(?P<name>.*?)\s+(?P<year>(?:19|20)\d\d)$")

_CONFERENCE = re.compile(
    r"\b(conference|proceedings|workshop|symposium|meeting|congress|NeurIPS|NIPS|ICLR|ICML|ACL|EMNLP|NAACL|"
    r"COLING|EACL|AACL|AAAI|IJCAI|CVPR|ICCV|ECCV|KDD|SIGIR|WWW|WSDM|CIKM|MLSys|COLM|SOSP|OSDI|NSDI|ISCA|"
    r"MICRO|ASPLOS|PPoPP|SC|HPCA|ICASSP|Interspeech|UAI|AISTATS|COLT|LREC)\b",
    re.IGNORECASE,
)


def _ascii_word(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text`` (accents dropped): ``Łukasz`` -> ``ukasz``."""
    # lower() leaves no ASCII capitals, so "ASCII and alphanumeric" is [a-z0-9] (one C-speed pass)
    return _NOT_ASCII_WORD.sub("", unicodedata.normalize("NFKD", text).lower())


_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]+")


def _last_name(name: str) -> str:
    main = name.split(",", 1)[0].strip()  # "John Smith, Jr." -> "John Smith"
    words = main.split()
    return words[-1] if words else ""


def citation_key(record: Record) -> str:
    """``firstauthorYEARfirstword``: ``peng2023yarn``. ASCII only, never empty.

    Without an author name to use (a dataset, model or toolkit) the key is the record's
    id, the name the catalogue knows it by, rather than an invented ``anon``-something.
    """
    author = _ascii_word(_last_name(record.authors[0].name)) if record.authors else ""
    if not author:
        return record.id
    year = record.date[:4] if record.date else ""
    word = ""
    for token in re.split(r"[\s\-/:]+", record.title or ""):
        candidate = _ascii_word(token)
        if candidate and candidate not in _STOPWORDS:
            word = candidate
            break
    if not word and not record.title:
        word = _ascii_word(record.id.split("-")[0])
    return author + (year or "nd") + word


@functools.lru_cache(maxsize=16384)  # names recur across records
def _bibtex_name(name: str) -> str:
    latex = to_latex(name)
    words = latex.split()
    # One word, a comma, or an "and" inside the name: brace it so BibTeX takes it whole.
    if len(words) < 2 or "," in latex or any(w.lower() == "and" for w in words):
        return "{" + latex + "}"
    return latex


def _author_field(authors: tuple[Author, ...]) -> str:
    return " and ".join(_bibtex_name(author.name) for author in authors)


_URL_UNSAFE = re.compile(r'[{}\\ "]')


def _url(url: str) -> str:
    """Characters that would unbalance or end a braced value, percent-encoded."""
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", url)


def _landing_url(record: Record) -> str | None:
    if record.links.get("paper"):
        return record.links["paper"]
    if record.arxiv:
        return f"https://arxiv.org/abs/{record.arxiv}"
    for key in ("homepage", "blog", "project", "pdf", "doc", "github", "huggingface", "dataset"):
        if record.links.get(key):
            return record.links[key]
    return record.code[0].url if record.code else None


def _title(record: Record) -> str:
    """The title in LaTeX, capitals protected; ``E^2`` as ``E$^{2}$``, as the authors typeset it."""
    if not record.title or ("^" not in record.title and "_" not in record.title):
        return protect_case(to_latex(record.display_title))
    return "".join(
        protect_case(to_latex(text)) if kind == "text" else ("$^{" if kind == "sup" else "$_{") + text + "}$"
        for kind, text in script_parts(record.title)
    )


def venue_fields(venue: str) -> tuple[str, str, str, str | None]:
    """``(entry type, field, value, year)`` for a venue as records write it.

    ``ICLR 2024`` -> ``inproceedings``, ``booktitle``, the conference's full name with
    ``({ICLR})``, ``2024``; an unknown venue is a conference when its name says so
    (``Workshop``, ``Proceedings``, a known acronym) and a journal otherwise, kept as written
    (``TPAMI 2026``: year ``2026``).
    """
    m = _VENUE_YEAR.match(venue.strip())
    name, year = (m.group("name"), m.group("year")) if m else (venue.strip(), None)
    if name in _KNOWN_VENUES:
        entry_type, full = _KNOWN_VENUES[name]
        value = f"{full} ({{{name}}})"
    else:
        entry_type = "inproceedings" if _CONFERENCE.search(venue) else "article"
        value = protect_case(to_latex(venue.strip()))  # as written, its year included
    return entry_type, "booktitle" if entry_type == "inproceedings" else "journal", value, year


def generated_fields(record: Record) -> tuple[str, dict[str, str]]:
    """The entry type and the BibTeX fields (values already in braces, or a bare month macro).

    ``@inproceedings`` or ``@article`` when the record names a venue, else ``@misc``
    (arXiv's own style for preprints: ``eprint``, ``archiveprefix``, ``primaryclass``).
    The year is the venue's when it names one (a paper of August 2023 appears in the
    ICLR 2024 proceedings), else the record's date.
    """
    fields: dict[str, str] = {}
    if record.authors:
        fields["author"] = "{" + _author_field(record.authors) + "}"
    else:  # styles sort and label by `key` when there is no author (and warn without one)
        fields["key"] = "{" + to_latex(record.display_title) + "}"
    fields["title"] = "{" + _title(record) + "}"
    entry_type, year = "misc", record.date[:4] if record.date else None
    if record.venue:
        entry_type, name, value, venue_year = venue_fields(record.venue)
        fields[name] = "{" + value + "}"
        year = venue_year or year
    if year:
        fields["year"] = "{" + year + "}"
        if entry_type == "misc" and record.date and len(record.date) >= 7:  # a preprint's month
            fields["month"] = MONTH_MACROS[int(record.date[5:7]) - 1]
    if record.arxiv:
        fields["eprint"] = "{" + record.arxiv_base + "}"
        fields["archiveprefix"] = "{arXiv}"
        meta = record.arxiv_meta
        if meta is not None and meta.primary_category:
            fields["primaryclass"] = "{" + meta.primary_category + "}"
    doi = record.arxiv_meta.doi if record.arxiv_meta is not None else None
    if doi:
        fields["doi"] = "{" + _url(doi) + "}"
    url = _landing_url(record)
    if url:
        fields["url"] = "{" + _url(url) + "}"
    return entry_type, fields


def format_entry(entry_type: str, key: str, fields: dict[str, str]) -> str:
    """``@type{key,`` then one ``  name = value`` line per field, sorted by name (ignoring case)."""
    body = ",\n".join(f"  {name} = {fields[name]}" for name in sorted(fields, key=str.lower))
    return f"@{entry_type}{{{key},\n{body}\n}}" if body else f"@{entry_type}{{{key}}}"


def generated_entry(record: Record, key: str | None = None) -> str:
    entry_type, fields = generated_fields(record)
    return format_entry(entry_type, key or citation_key(record), fields)


def entry_for(record: Record) -> str:
    """The citation of one record (no trailing newline).

    An entry generated from the record's fields with key ``firstauthorYEARfirstword``,
    fields sorted by name and LaTeX-special characters escaped; the record's own
    ``bibtex``, exactly as written, only when a curator set one as an override.
    """
    if record.bibtex:
        return record.bibtex.strip()
    return generated_entry(record)
