"""The catalogue's domain objects: plain dataclasses, no I/O.

The fields of :class:`Record` mirror the record format declared in
:mod:`longctx_catalog.schema` (a test keeps the two in step); everything after the
validation stage works on these objects, never on raw YAML.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("paper", "survey", "dataset", "model", "toolkit")


@dataclass(frozen=True)
class Author:
    name: str
    affiliations: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodeLink:
    url: str
    official: bool


@dataclass(frozen=True)
class Length:
    """Sample length of a dataset in thousands of words, as the seed tables give it."""

    avg: float | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Quality:
    human_labeled: bool | None = None
    model_assisted: bool | None = None


@dataclass(frozen=True)
class ArxivMeta:
    """What arXiv says about a paper, as cached in ``data/arxiv/<id>.yaml`` by ``longctx enrich``.

    Kept apart from the curated record fields so a refresh can never overwrite what a
    person wrote; :mod:`longctx_catalog.enrich.cache` attaches it to ``Record.arxiv_meta``.
    """

    id: str  # without version, e.g. "2309.00071"
    version: int  # latest version arXiv knows
    title: str
    authors: tuple[Author, ...]
    published: str  # YYYY-MM-DD of version 1
    updated: str  # YYYY-MM-DD of the latest version
    abstract: str | None = None
    primary_category: str | None = None
    categories: tuple[str, ...] = ()
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None

    @property
    def versioned_id(self) -> str:
        return f"{self.id}v{self.version}"

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.id}"


@dataclass
class Record:
    """One catalogue entry: a paper, survey, dataset, model or toolkit."""

    id: str
    kind: str = "paper"
    title: str | None = None
    arxiv: str | None = None
    authors: tuple[Author, ...] = ()
    date: str | None = None
    venue: str | None = None
    tags: tuple[str, ...] = ()
    links: dict[str, str] = field(default_factory=dict)
    code: tuple[CodeLink, ...] = ()
    tldr: str | None = None
    notes: str | None = None
    results: str | None = None
    status: str | None = None
    added: str | None = None
    context_length: int | None = None
    benchmarks: tuple[str, ...] = ()
    bibtex: str | None = None
    # datasets and models
    language: tuple[str, ...] = ()
    # datasets
    task_types: tuple[str, ...] = ()
    task_count: int | None = None
    length_kwords: Length | None = None
    quality: Quality | None = None
    splits: dict[str, str] = field(default_factory=dict)
    format: str | None = None
    # models
    open_source: bool | None = None
    base: str | None = None
    usage: str | None = None
    max_context: int | None = None
    parameters_b: float | None = None
    memory_gb: float | None = None
    disk_gb: float | None = None
    # toolkits
    toolkit_type: str | None = None
    utilities: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # provenance, not part of the record format
    path: str = field(default="", compare=False)
    # fetched from arXiv (data/arxiv/), never written by hand; see enrich.cache
    arxiv_meta: ArxivMeta | None = field(default=None, compare=False)

    @property
    def arxiv_base(self) -> str | None:
        """The arXiv id without its version suffix: ``2309.00071v2`` -> ``2309.00071``."""
        return strip_arxiv_version(self.arxiv) if self.arxiv else None

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    @property
    def display_title(self) -> str:
        """The title as readers see it: TeX-style ``E^2`` typeset as ``E²`` (see :func:`typeset_scripts`)."""
        return typeset_scripts(self.title) if self.title else (f"arXiv:{self.arxiv}" if self.arxiv else self.id)


@dataclass
class TaxonomyNode:
    id: str
    title: str
    description: str | None = None
    children: list[TaxonomyNode] = field(default_factory=list)
    parent: TaxonomyNode | None = field(default=None, repr=False, compare=False)

    def walk(self) -> Iterator[TaxonomyNode]:
        """This node and all its descendants, depth first, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def depth(self) -> int:
        return 0 if self.parent is None else self.parent.depth + 1

    def lineage(self) -> list[TaxonomyNode]:
        """Root first, this node last."""
        chain: list[TaxonomyNode] = []
        node: TaxonomyNode | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]


@dataclass
class Taxonomy:
    roots: list[TaxonomyNode] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.nodes: dict[str, TaxonomyNode] = {}
        for root in self.roots:
            for node in root.walk():
                self.nodes.setdefault(node.id, node)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.nodes

    def __getitem__(self, node_id: str) -> TaxonomyNode:
        return self.nodes[node_id]

    def branch(self, node_id: str) -> TaxonomyNode:
        """The top-level node above ``node_id`` (itself if it is top-level)."""
        return self.nodes[node_id].lineage()[0]


@dataclass
class Catalog:
    root: Path
    taxonomy: Taxonomy
    records: list[Record] = field(default_factory=list)
    metrics: dict[str, Any] | None = None
    n_files: int = 0  # record files read, including those too broken to become records

    def __post_init__(self) -> None:
        self.by_id: dict[str, Record] = {}
        for record in self.records:
            self.by_id.setdefault(record.id, record)


_ARXIV_VERSION = re.compile(r"v\d+$", re.ASCII)

# Titles keep arXiv's TeX spelling ("E^2-LLM", "O(n^2)"), which the authors typeset as
# E²-LLM and O(n²). Unicode has super- and subscript forms for digits, signs and a few
# letters: those are shown; anything else (a caret before a word, "long_context") stays
# as written. Plain text, so it reads the same in pages, tables, feeds and JSON.
_SUPERSCRIPT = dict(zip("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ", strict=True))
_SUBSCRIPT = dict(zip("0123456789+-=()aehklmnopstx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕₖₗₘₙₒₚₛₜₓ", strict=True))
_TEX_SCRIPT = re.compile(
    r"(?<=[A-Za-z0-9)\]])(?:\^(?:\{(?P<sup_braced>[^{}]{1,12})\}|(?P<sup>[0-9]+|[ni+-])(?![A-Za-z]))"
    r"|_(?:\{(?P<sub_braced>[^{}]{1,12})\}|(?P<sub>[0-9]+)(?![A-Za-z0-9])))"
)


def script_parts(title: str) -> list[tuple[str, str]]:
    """``title`` as ``(kind, text)`` runs, kind ``text``, ``sup`` or ``sub``: ``E^2-LLM`` ->
    ``[("text", "E"), ("sup", "2"), ("text", "-LLM")]``. Only scripts with Unicode forms are split off."""
    parts: list[tuple[str, str]] = []
    pos = 0
    for match in _TEX_SCRIPT.finditer(title):
        sup = match.group("sup_braced") or match.group("sup")
        kind, text = ("sup", sup) if sup is not None else ("sub", match.group("sub_braced") or match.group("sub"))
        if all(c in (_SUPERSCRIPT if kind == "sup" else _SUBSCRIPT) for c in text):
            parts += [("text", title[pos : match.start()]), (kind, text)]
            pos = match.end()
    parts.append(("text", title[pos:]))
    return [(kind, text) for kind, text in parts if text]


def typeset_scripts(title: str) -> str:
    """``E^2-LLM`` -> ``E²-LLM``, ``x_{1}`` -> ``x₁``; anything without Unicode forms is left alone."""
    if "^" not in title and "_" not in title:
        return title
    tables = {"sup": _SUPERSCRIPT, "sub": _SUBSCRIPT}
    return "".join(text if kind == "text" else "".join(tables[kind][c] for c in text)
                   for kind, text in script_parts(title))


def strip_arxiv_version(arxiv_id: str) -> str:
    return _ARXIV_VERSION.sub("", arxiv_id)


def normalise_title(title: str) -> str:
    """A key under which two spellings of one title compare equal.

    Case, accents, punctuation and spacing are ignored, so "LongNet: Scaling ..." and
    "LONGNET - scaling ..." collide while genuinely different titles do not.
    """
    folded = title.casefold()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_ALNUM.sub(" ", folded).split())


_NOT_ALNUM = re.compile(r"[\W_]+")


_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_len: int = 80) -> str:
    """A record-id-shaped slug: ``"LongLoRA: Efficient ..."`` -> ``"longlora-efficient"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = _SLUG_JUNK.sub("-", ascii_text).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0] or slug[:max_len]
    return slug
