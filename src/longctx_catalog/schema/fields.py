"""The record format: every field a record may have, declared once in :data:`RECORD_FIELDS`.

Each field is one :class:`Field`: its name, a spec (:mod:`.specs`, :mod:`.structures`)
that checks and normalises the value, the kinds of record it applies to, and its
documentation. Validation (:mod:`.checks`), the JSON Schema, the field reference
and the canonical field order (:mod:`.derived`) all read this table; add or change
a field here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import KINDS
from .specs import (
    ArxivId,
    Bibtex,
    Bool,
    Choice,
    Count,
    Date,
    Int,
    Language,
    Number,
    RecordRef,
    Slug,
    Spec,
    Str,
    TagRef,
    Url,
)
from .structures import AffiliationEntry, AuthorSpec, ListOf, MapOf, Obj

LINK_KEYS: dict[str, str] = {
    "paper": "the paper's landing page (arXiv abstract, venue page, OpenReview)",
    "pdf": "a direct link to the PDF",
    "project": "the project page",
    "homepage": "the homepage of a dataset, model or toolkit",
    "blog": "a blog post about the work",
    "doc": "documentation",
    "huggingface": "a Hugging Face model, dataset or Space",
    "github": "a GitHub repository that is not the work's code (e.g. a dataset's repository)",
    "dataset": "where to download the data",
    "demo": "a live demo",
    "video": "a recorded talk or video",
    "slides": "slides",
    "openreview": "the OpenReview discussion",
    "access": "where to sign up for or use a hosted model",
    "leaderboard": "a results leaderboard",
}

TASK_TYPES: dict[str, str] = {
    "LM": "language modelling",
    "MCQA": "multiple-choice question answering",
    "ExtQA": "extractive question answering",
    "Summ": "summarisation",
    "Class": "classification",
    "Match": "matching and retrieval",
    "Math": "mathematical reasoning",
    "Code": "code completion and generation",
    "OpenW": "open-ended writing",
    "MT": "machine translation",
}

MODEL_USAGES = ("base", "chat", "instruct", "code", "math", "gen")
TOOLKIT_TYPES = ("library", "framework", "system", "function", "compiler")
STATUSES = ("read", "unread")
TLDR_MAX_CHARS = 450
TLDR_MAX_SENTENCES = 2


@dataclass(frozen=True)
class Field:
    name: str
    spec: Spec
    doc: str
    kinds: tuple[str, ...] = KINDS
    required: bool = False
    example: Any = None


PAPERISH = ("paper", "survey")
_code_entry = Obj({"url": (Url(), True), "official": (Bool(), True)}, "a {url, official} entry")

RECORD_FIELDS: tuple[Field, ...] = (
    Field("id", Slug(), "Unique id; must equal the file name without `.yaml`.", required=True, example="yarn"),
    Field("kind", Choice(KINDS), "What the record describes; `paper` when omitted.", example="paper"),
    Field(
        "title",
        Str(single_line=True),
        "Title as published. May be left out when `arxiv` is set: enrichment fills it in.",
        example="YaRN: Efficient Context Window Extension of Large Language Models",
    ),
    Field("arxiv", ArxivId(), "arXiv identifier, always quoted, optionally with a version.", example="2309.00071"),
    Field(
        "authors",
        ListOf(AuthorSpec(), min_items=1),
        "Authors in order: each a name, or `{name, affiliation}`.",
        example=["Bowen Peng", {"name": "Jeffrey Quesnelle", "affiliation": "Nous Research"}],
    ),
    Field(
        "affiliations",
        ListOf(AffiliationEntry(), min_items=1, unique=False),
        "Affiliations as a list parallel to `authors` (one entry per author; empty when unknown). "
        "Use this or per-author `affiliation`, not both.",
    ),
    Field("date", Date(), "Date of the first public version: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.", example="2023-08-31"),
    Field("venue", Str(single_line=True), "Where it was published, e.g. `ICLR 2024`.", example="ICLR 2024"),
    Field(
        "tags",
        ListOf(TagRef(), min_items=1),
        "Taxonomy node ids (see `longctx tags`); the record appears on each node's page.",
        required=True,
        example=["rope-scaling"],
    ),
    Field(
        "links",
        MapOf(Choice(tuple(LINK_KEYS)), Url()),
        "Other links by kind: " + ", ".join(f"`{k}`" for k in LINK_KEYS) + ".",
        example={"paper": "https://arxiv.org/abs/2309.00071"},
    ),
    Field(
        "code",
        ListOf(_code_entry, min_items=1),
        "Code repositories, each `{url, official}` (`official: false` for third-party implementations).",
        example=[{"url": "https://github.com/jquesnelle/yarn", "official": True}],
    ),
    Field(
        "tldr",
        Str(),
        "One or two plain sentences, in our own words: what it does and why it matters for long context.",
    ),
    Field("notes", Str(), "Longer remarks in markdown: results, caveats, relations to other work."),
    Field(
        "results",
        Str(max_len=300),
        "Headline results in our own words (e.g. `passkey retrieval at 128k; PPL flat to 64k`); "
        "shown in the technique table's results column.",
        kinds=PAPERISH,
    ),
    Field("status", Choice(STATUSES), "`read` when a curator has read the work, `unread` otherwise."),
    Field("added", Date(full=True), "The day the record joined the catalogue (`YYYY-MM-DD`).", example="2026-11-22"),
    Field(
        "context_length",
        Int(minimum=1, unit="tokens"),
        "Longest context, in tokens, the method is trained or shown to work at.",
        kinds=PAPERISH,
        example=128000,
    ),
    Field(
        "benchmarks",
        ListOf(RecordRef("dataset"), min_items=1),
        "Ids of dataset records this work reports results on.",
        kinds=("paper", "survey", "model"),
        example=["longbench"],
    ),
    Field(
        "bibtex",
        Bibtex(),
        "Only to override the citation: one BibTeX entry, used verbatim instead of the one generated from the "
        "record's fields (leave it out unless the fields cannot describe the work).",
    ),
    Field(
        "language",
        ListOf(Language(), min_items=1),
        "Languages covered (`en`, `zh`, ...; `py` for Python code).",
        kinds=("dataset", "model"),
        example=["en", "zh"],
    ),
    Field(
        "task_types",
        ListOf(Choice(tuple(TASK_TYPES)), min_items=1),
        "Task types covered: " + ", ".join(f"`{k}` ({v})" for k, v in TASK_TYPES.items()) + ".",
        kinds=("dataset",),
    ),
    Field("task_count", Int(minimum=1), "Number of tasks in the dataset.", kinds=("dataset",)),
    Field(
        "length_kwords",
        Obj({k: (Number(minimum=0), False) for k in ("avg", "min", "max")}, "a {avg, min, max} mapping"),
        "Sample length in thousands of words: `{avg, min, max}`.",
        kinds=("dataset",),
    ),
    Field(
        "quality",
        Obj({k: (Bool(), False) for k in ("human_labeled", "model_assisted")}, "a {human_labeled, model_assisted} "
            "mapping"),
        "How the labels were made: `{human_labeled, model_assisted}`.",
        kinds=("dataset",),
    ),
    Field(
        "splits",
        MapOf(Str(single_line=True), Count()),
        "Sample counts per split, e.g. `{train: 322K, test: 13.1K}`.",
        kinds=("dataset",),
    ),
    Field("format", Str(single_line=True), "File format of the released data (`jsonl`, `parquet`, ...).",
          kinds=("dataset",)),
    Field("open_source", Bool(), "Whether the weights are openly released.", kinds=("model",)),
    Field("base", Str(single_line=True), "The model family it is built on.", kinds=("model",)),
    Field("usage", Choice(MODEL_USAGES), "Main use of the model.", kinds=("model",)),
    Field("max_context", Int(minimum=1, unit="tokens"), "Maximum context length (L_max) in tokens.",
          kinds=("model",), required=True, example=32000),
    Field("parameters_b", Number(minimum=0), "Parameters, in billions.", kinds=("model",)),
    Field("memory_gb", Number(minimum=0), "GPU memory to run inference, in GB.", kinds=("model",)),
    Field("disk_gb", Number(minimum=0), "Disk size of the weights, in GB.", kinds=("model",)),
    Field("toolkit_type", Choice(TOOLKIT_TYPES), "What sort of software the toolkit is.", kinds=("toolkit",)),
    Field(
        "utilities",
        MapOf(Str(single_line=True), ListOf(Str(single_line=True), min_items=1)),
        "What it offers for long-context work, by stage (e.g. `Inference: [paged KV cache]`).",
        kinds=("toolkit",),
    ),
)

FIELDS: dict[str, Field] = {f.name: f for f in RECORD_FIELDS}
REQUIRED_FIELDS: tuple[Field, ...] = tuple(f for f in RECORD_FIELDS if f.required)
