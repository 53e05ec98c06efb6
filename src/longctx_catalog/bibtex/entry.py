"""One record -> one BibTeX entry.

:func:`entry_for` is what the render stage shows in every record's citation block,
so it is called for every record on every build: the verbatim ``bibtex`` field
when the record has one (a curator's or the original bibliography's citation wins),
otherwise an entry generated from the record's fields. Generation is pure string
work (no parser, no I/O) and deterministic: same record, same bytes.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from ..model import Author, Record
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


def generated_fields(record: Record) -> tuple[str, dict[str, str]]:
    """The entry type and the BibTeX fields (values already in braces, or a bare month macro)."""
    fields: dict[str, str] = {}
    if record.authors:
        fields["author"] = "{" + _author_field(record.authors) + "}"
    fields["title"] = "{" + protect_case(to_latex(record.display_title)) + "}"
    if record.date:
        fields["year"] = "{" + record.date[:4] + "}"
        if len(record.date) >= 7:
            fields["month"] = MONTH_MACROS[int(record.date[5:7]) - 1]
    entry_type = "misc"
    if record.venue:
        venue = "{" + to_latex(record.venue) + "}"
        if _CONFERENCE.search(record.venue):
            entry_type, fields["booktitle"] = "inproceedings", venue
        else:
            entry_type, fields["journal"] = "article", venue
    if record.arxiv:
        fields["eprint"] = "{" + record.arxiv + "}"
        fields["archiveprefix"] = "{arXiv}"
    url = _landing_url(record)
    if url:
        fields["url"] = "{" + _url(url) + "}"
    return entry_type, fields


def format_entry(entry_type: str, key: str, fields: dict[str, str]) -> str:
    """``@type{key,`` then one ``  name = value`` line per field, sorted by name."""
    body = ",\n".join(f"  {name} = {fields[name]}" for name in sorted(fields))
    return f"@{entry_type}{{{key},\n{body}\n}}" if body else f"@{entry_type}{{{key}}}"


def generated_entry(record: Record, key: str | None = None) -> str:
    entry_type, fields = generated_fields(record)
    return format_entry(entry_type, key or citation_key(record), fields)


def entry_for(record: Record) -> str:
    """The citation of one record (no trailing newline).

    The record's own ``bibtex`` when it has one, exactly as written; otherwise an
    entry generated from its fields with key ``firstauthorYEARfirstword``, fields
    sorted by name and LaTeX-special characters escaped.
    """
    if record.bibtex:
        return record.bibtex.strip()
    return generated_entry(record)
