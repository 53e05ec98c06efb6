"""The record format, declared once.

Each field of a record is one :class:`Field` in :data:`RECORD_FIELDS`: its name,
a small *spec* object that checks and normalises the value, the kinds of record it
applies to, and its documentation. From that one table we derive validation
(:func:`check_record`), the JSON Schema for editors (:func:`json_schema`), the
field reference for contributors (:func:`field_rows`) and the canonical field order
in which tools write records (:data:`FIELD_ORDER`).

Specs never raise on bad data: they report a located diagnostic and return
:data:`INVALID`, so one file can yield every one of its problems at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import os
import re
import reprlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .diagnostics import Diagnostic, Location, Severity
from .load import KeyPath, YamlDoc
from .model import (
    KINDS,
    Author,
    CodeLink,
    Length,
    Quality,
    Record,
    Taxonomy,
    TaxonomyNode,
    slugify,
)

INVALID: Any = type("Invalid", (), {"__repr__": lambda self: "INVALID"})()

# ---------------------------------------------------------------------------------
# Vocabularies


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

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
SLUG_MAX = 80
# New-style ids (0704.0001 onwards; five digits after the dot from 1501) and
# old-style archive/YYMMNNN ids, each with an optional version.
ARXIV_NEW_RE = re.compile(r"(?P<yy>\d{2})(?P<mm>\d{2})\.(?P<num>\d{4,5})(?:v(?P<v>[1-9]\d*))?\Z")
ARXIV_OLD_RE = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)*)(?:\.[A-Z]{2})?/(?P<yy>\d{2})(?P<mm>\d{2})\d{3}(?:v(?P<v>[1-9]\d*))?\Z"
)
DATE_RE = re.compile(r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?\Z")
LANGUAGE_RE = re.compile(r"[a-z]{2,10}\Z")
TLDR_MAX_CHARS = 450
TLDR_MAX_SENTENCES = 2


# ---------------------------------------------------------------------------------
# Checking context


def local_today() -> dt.date:
    """Today on this machine; ``LONGCTX_TODAY=YYYY-MM-DD`` pins it for reproducible runs and tests."""
    pinned = os.environ.get("LONGCTX_TODAY")
    return dt.date.fromisoformat(pinned) if pinned else dt.date.today()


def latest_today() -> dt.date:
    """The latest date it is anywhere on Earth (UTC+14), so nobody's today counts as the future."""
    if os.environ.get("LONGCTX_TODAY"):
        return local_today()
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date()


@dataclass
class Ctx:
    """What a spec needs to report a problem: the document, today's date, the taxonomy."""

    doc: YamlDoc
    today: dt.date
    taxonomy_ids: Collection[str] | None = None  # a set or dict view: membership is tested per tag
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @functools.cached_property
    def today_iso(self) -> str:
        return self.today.isoformat()

    def report(
        self, kp: KeyPath, code: str, message: str, *, key: bool = False, severity: Severity | None = None
    ) -> Any:
        self.diagnostics.append(Diagnostic.make(self.doc.loc(kp, key=key), code, message, severity))
        return INVALID


_brief_repr = reprlib.Repr()
_brief_repr.maxstring = 40
_brief_repr.maxother = 40


def brief(value: Any) -> str:
    return _brief_repr.repr(value)


def type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def field_label(kp: KeyPath) -> str:
    """``("code", 0, "url")`` -> ``code[0].url``."""
    out = ""
    for part in kp:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "document"


def did_you_mean(word: object, choices: Collection[str]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        close = [c for c in choices if c.lower() == word.lower()]
    return f" — did you mean {close[0]!r}?" if close else ""


# ---------------------------------------------------------------------------------
# Specs: small validators that say what they expected and what they got


class Spec:
    label = "value"

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        return {}

    def _wrong_type(self, value: Any, kp: KeyPath, ctx: Ctx, hint: str = "") -> Any:
        if value is None:
            return ctx.report(kp, "LC106", f"{field_label(kp)} is empty; fill it in or remove the line")
        return ctx.report(
            kp, "LC103", f"{field_label(kp)} must be {self.label}, not {type_name(value)} ({brief(value)}){hint}"
        )


class Str(Spec):
    label = "text"

    def __init__(self, *, single_line: bool = False, max_len: int | None = None) -> None:
        self.single_line = single_line
        self.max_len = max_len

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if not isinstance(value, str):
            hint = "; put it in quotes" if isinstance(value, int | float | dt.date) else ""
            return self._wrong_type(value, kp, ctx, hint)
        text = value.strip()
        if not text:
            return ctx.report(kp, "LC106", f"{field_label(kp)} is empty; fill it in or remove the line")
        if self.single_line and "\n" in text:
            return ctx.report(kp, "LC104", f"{field_label(kp)} must fit on one line; join the lines (longer "
                              "remarks go in notes)")
        if self.max_len and len(text) > self.max_len:
            return ctx.report(kp, "LC104", f"{field_label(kp)} is longer than {self.max_len} characters; shorten it")
        return text

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "minLength": 1}
        if self.max_len:
            schema["maxLength"] = self.max_len
        return schema


class Slug(Spec):
    label = "a slug (lowercase letters, digits and hyphens)"

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if not isinstance(value, str):
            return self._wrong_type(value, kp, ctx)
        if not SLUG_RE.match(value) or len(value) > SLUG_MAX:
            suggestion = slugify(value, SLUG_MAX)
            hint = f" (e.g. {suggestion!r})" if suggestion else ""
            return ctx.report(
                kp,
                "LC111",
                f"{field_label(kp)} {brief(value)} is not a safe slug: use at most {SLUG_MAX} lowercase letters, "
                f"digits and hyphens, starting with a letter or digit{hint}",
            )
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$", "maxLength": SLUG_MAX}


class Choice(Spec):
    def __init__(self, choices: Sequence[str]) -> None:
        self.choices = tuple(choices)
        self.label = "one of " + ", ".join(self.choices)

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if value in self.choices and isinstance(value, str):
            return value
        if not isinstance(value, str):
            return self._wrong_type(value, kp, ctx)
        return ctx.report(
            kp,
            "LC104",
            f"{field_label(kp)} {value!r} is not allowed{did_you_mean(value, self.choices)} "
            f"(choose one of: {', '.join(self.choices)})",
        )

    def json_schema(self) -> dict[str, Any]:
        return {"enum": list(self.choices)}


class Bool(Spec):
    label = "true or false"

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        return value if isinstance(value, bool) else self._wrong_type(value, kp, ctx)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


class Int(Spec):
    label = "a whole number"

    def __init__(self, minimum: int | None = None, unit: str = "") -> None:
        self.minimum = minimum
        self.unit = unit

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            hint = ""
            if isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*[kKmM]\s*", value):
                hint = f"; write the full number of {self.unit or 'units'}, e.g. 128000 rather than '128k'"
            return self._wrong_type(value, kp, ctx, hint)
        if self.minimum is not None and value < self.minimum:
            return ctx.report(kp, "LC104", f"{field_label(kp)} must be at least {self.minimum}, not {value}; "
                              "fix the number or remove the line if it is unknown")
        return value

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        return schema


class Number(Spec):
    label = "a number"

    def __init__(self, minimum: float | None = None) -> None:
        self.minimum = minimum

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self._wrong_type(value, kp, ctx)
        if value != value or value in (float("inf"), float("-inf")):
            return ctx.report(kp, "LC104", f"{field_label(kp)} must be a finite number; write the value, or "
                              "remove the line if it is unknown")
        if self.minimum is not None and value < self.minimum:
            return ctx.report(kp, "LC104", f"{field_label(kp)} must be at least {self.minimum}, not {value}; "
                              "fix the number or remove the line if it is unknown")
        return value

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "number"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        return schema


class Count(Spec):
    """A count as the seed tables print it: ``423`` or ``'13.1K'``; kept as text."""

    label = "a count such as 423 or '13.1K'"
    _re = re.compile(r"\d+(\.\d+)?[KMB]?\Z")

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return str(value)
        if isinstance(value, str) and self._re.match(value.strip()):
            return value.strip()
        if isinstance(value, str):
            return ctx.report(kp, "LC104", f"{field_label(kp)} {brief(value)} must look like 423, '13.1K' or '1.2M'")
        return self._wrong_type(value, kp, ctx)

    def json_schema(self) -> dict[str, Any]:
        return {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": r"^\d+(\.\d+)?[KMB]?$"}]}


class Date(Spec):
    """``YYYY-MM-DD``, ``YYYY-MM`` or (unless ``full``) ``YYYY``; never in the future."""

    def __init__(self, *, full: bool = False) -> None:
        self.full = full
        self.label = "a date YYYY-MM-DD" if full else "a date YYYY-MM-DD or YYYY-MM"

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if isinstance(value, dt.datetime):
            return ctx.report(kp, "LC122", f"{field_label(kp)} must be a date without a time, e.g. 2023-09-01")
        if isinstance(value, dt.date):
            text = value.isoformat()
        elif isinstance(value, int) and not isinstance(value, bool) and not self.full and 1000 <= value <= 9999:
            text = str(value)
        elif isinstance(value, str):
            text = value.strip()
        elif value is None:
            return self._wrong_type(value, kp, ctx)
        else:
            return ctx.report(kp, "LC122", f"{field_label(kp)} must be {self.label}, not {type_name(value)} "
                              f"({brief(value)})")
        match = DATE_RE.match(text)
        precise_enough = match and (match["d"] if self.full else True)
        if not match or not precise_enough:
            example = "2023-08-31" if self.full else "2023-08-31, or 2023-08 when the day is unknown"
            return ctx.report(kp, "LC122", f"{field_label(kp)} {brief(text)} is not {self.label}; write it as "
                              f"{example}")
        year, month, day = int(match["y"]), int(match["m"] or 1), int(match["d"] or 1)
        try:
            dt.date(year, month, day)
        except ValueError:
            return ctx.report(kp, "LC122", f"{field_label(kp)} {text!r} is not a calendar date; check the month "
                              "and the day")
        if text > ctx.today_iso[: len(text)]:
            return ctx.report(
                kp, "LC123", f"{field_label(kp)} {text} is in the future (today is {local_today().isoformat()}); "
                "check the year, or use today's date"
            )
        return text

    def json_schema(self) -> dict[str, Any]:
        pattern = r"^\d{4}-\d{2}-\d{2}$" if self.full else r"^\d{4}(-\d{2}(-\d{2})?)?$"
        return {"type": "string", "pattern": pattern}


def parse_arxiv_id(text: str) -> re.Match[str] | None:
    """Match a well-formed arXiv id (new or old style); month and year are range-checked."""
    match = ARXIV_NEW_RE.match(text) or ARXIV_OLD_RE.match(text)
    if not match:
        return None
    yy, mm = int(match["yy"]), int(match["mm"])
    if not 1 <= mm <= 12:
        return None
    if "num" in match.groupdict() and match["num"] is not None:
        if yy < 7 or (yy == 7 and mm < 4):  # new-style ids start in April 2007
            return None
        if (len(match["num"]) == 5) != (yy >= 15):  # five digits from 2015 on
            return None
    return match


def arxiv_year_month(arxiv_id: str) -> tuple[int, int] | None:
    match = parse_arxiv_id(arxiv_id)
    if not match:
        return None
    yy = int(match["yy"])
    return (2000 + yy if yy < 91 else 1900 + yy), int(match["mm"])


class ArxivId(Spec):
    label = "an arXiv id in quotes, e.g. \"2309.00071\""

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raw = ctx.doc.raw(kp) or str(value)
            return ctx.report(
                kp,
                "LC121",
                f"arXiv id {raw} was read as a number, which can drop trailing zeros; "
                f"quote it: arxiv: \"{raw}\"",
            )
        if not isinstance(value, str):
            return self._wrong_type(value, kp, ctx)
        text = value.strip()
        if text.lower().startswith("arxiv:"):
            return ctx.report(kp, "LC121", f"write the arXiv id without the prefix: arxiv: \"{text[6:].strip()}\"")
        if "arxiv.org" in text:
            return ctx.report(kp, "LC121", "write the arXiv id, not its URL (e.g. \"2309.00071\"); URLs go in links")
        if not parse_arxiv_id(text):
            return ctx.report(
                kp,
                "LC121",
                f"{brief(text)} is not a valid arXiv id; expected YYMM.NNNNN (e.g. \"2309.00071\", optionally "
                "with a version such as v2) or an old-style id such as \"cs/0112017\"",
            )
        return text

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "pattern": r"^(\d{4}\.\d{4,5}|[a-z]+(-[a-z]+)*(\.[A-Z]{2})?/\d{7})(v[1-9]\d*)?$",
        }


_URL_BAD_CHAR = re.compile(r"[\s\x00-\x1f\x7f]")
# Certainly valid: lowercase http(s), a dotted host name, optional port, then a path,
# query or fragment without spaces. Anything else takes the slow path below.
_URL_PLAIN = re.compile(r"https?://(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+(?::\d{1,5})?(?:[/?#][^\s\x00-\x1f\x7f]*)?\Z")


class Url(Spec):
    label = "an http(s) URL"

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if not isinstance(value, str):
            return self._wrong_type(value, kp, ctx)
        text = value.strip()
        if _URL_PLAIN.match(text):  # the common case, without urlsplit's cost
            return text
        if _URL_BAD_CHAR.search(text):
            return ctx.report(kp, "LC131", f"{field_label(kp)} contains spaces or control characters; "
                              "percent-encode them (%20)")
        try:
            parts = urlsplit(text)
        except ValueError as err:
            return ctx.report(kp, "LC131", f"{field_label(kp)} {brief(text)} is not a valid URL: {err}")
        if parts.scheme not in ("http", "https"):
            scheme = f"{parts.scheme}:" if parts.scheme else "no scheme"
            return ctx.report(
                kp, "LC131", f"{field_label(kp)} must start with https:// or http:// (found {scheme}) in {brief(text)}"
            )
        if not parts.hostname or ("." not in parts.hostname and parts.hostname != "localhost"):
            return ctx.report(kp, "LC131", f"{field_label(kp)} {brief(text)} has no valid host name; copy the "
                              "full address from the browser, e.g. https://example.org/page")
        return text

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "uri", "pattern": "^https?://"}


class ListOf(Spec):
    def __init__(self, item: Spec, *, min_items: int = 0, unique: bool = True) -> None:
        self.item = item
        self.min_items = min_items
        self.unique = unique
        self.label = f"a list of {item.label}"

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if not isinstance(value, list):
            hint = f"; write it as a list: [{value}]" if isinstance(value, str) and value else ""
            return self._wrong_type(value, kp, ctx, hint)
        if len(value) < self.min_items:
            return ctx.report(kp, "LC106", f"{field_label(kp)} needs at least {self.min_items} item"
                              f"{'s' if self.min_items > 1 else ''}; add one, or remove the field")
        out: list[Any] = []
        seen: set[Any] = set()
        seen_unhashable: list[Any] = []  # e.g. {url, official} mappings
        ok = True
        for i, item in enumerate(value):
            checked = self.item.check(item, (*kp, i), ctx)
            if checked is INVALID:
                ok = False
                continue
            if self.unique:
                try:
                    repeated = checked in seen
                    seen.add(checked)
                except TypeError:
                    repeated = checked in seen_unhashable
                    seen_unhashable.append(checked)
                if repeated:
                    ctx.report((*kp, i), "LC104", f"{field_label((*kp, i))} repeats {brief(checked)}; list it once")
                    ok = False
                    continue
            out.append(checked)
        return tuple(out) if ok else INVALID

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json_schema()}
        if self.min_items:
            schema["minItems"] = self.min_items
        if self.unique:
            schema["uniqueItems"] = True
        return schema


class MapOf(Spec):
    """A mapping whose keys come from ``keys`` (a Choice, or any Str) and values from ``value``."""

    def __init__(self, keys: Spec, value: Spec) -> None:
        self.keys = keys
        self.value = value
        self.label = f"a mapping of {keys.label} to {value.label}"

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if not isinstance(value, dict):
            return self._wrong_type(value, kp, ctx)
        if not value:
            return ctx.report(kp, "LC106", f"{field_label(kp)} is empty; fill it in or remove it")
        out: dict[str, Any] = {}
        ok = True
        for key, item in value.items():
            if isinstance(self.keys, Choice) and key not in self.keys.choices:
                ctx.report(
                    (*kp, str(key)),
                    "LC101",
                    f"unknown key {key!r} in {field_label(kp)}{did_you_mean(key, self.keys.choices)} "
                    f"(known: {', '.join(self.keys.choices)})",
                    key=True,
                )
                ok = False
                continue
            if not isinstance(key, str) or not key.strip():
                ctx.report((*kp, str(key)), "LC103", f"keys of {field_label(kp)} must be names (text); quote "
                           "the key", key=True)
                ok = False
                continue
            checked = self.value.check(item, (*kp, key), ctx)
            if checked is INVALID:
                ok = False
            else:
                out[key] = checked
        return out if ok else INVALID

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object", "minProperties": 1}
        if isinstance(self.keys, Choice):
            schema["properties"] = {k: self.value.json_schema() for k in self.keys.choices}
            schema["additionalProperties"] = False
        else:
            schema["additionalProperties"] = self.value.json_schema()
        return schema


class Obj(Spec):
    """A nested mapping with fixed keys, e.g. one ``code`` entry ``{url, official}``."""

    def __init__(self, fields: dict[str, tuple[Spec, bool]], label: str) -> None:
        self.fields = fields
        self.label = label

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if not isinstance(value, dict):
            return self._wrong_type(value, kp, ctx)
        out: dict[str, Any] = {}
        ok = True
        for key in value:
            if key not in self.fields:
                ctx.report(
                    (*kp, str(key)),
                    "LC101",
                    f"unknown key {key!r} in {field_label(kp)}{did_you_mean(key, list(self.fields))} "
                    f"(allowed: {', '.join(self.fields)})",
                    key=True,
                )
                ok = False
        for key, (spec, required) in self.fields.items():
            if key in value:
                checked = spec.check(value[key], (*kp, key), ctx)
                if checked is INVALID:
                    ok = False
                else:
                    out[key] = checked
            elif required:
                ctx.report(kp, "LC102", f"{field_label(kp)} is missing {key!r}; add "
                           f"{_OBJ_HINTS.get(key, f'`{key}: ...`')}")
                ok = False
        return out if ok else INVALID

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {k: s.json_schema() for k, (s, _) in self.fields.items()},
            "required": [k for k, (_, req) in self.fields.items() if req],
            "additionalProperties": False,
        }


class StrOrList(Spec):
    """One string or a list of strings (e.g. an author's affiliations)."""

    label = "text or a list of text"

    def __init__(self) -> None:
        self._one = Str(single_line=True)
        self._many = ListOf(self._one, min_items=1)

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if isinstance(value, list):
            return self._many.check(value, kp, ctx)
        checked = self._one.check(value, kp, ctx)
        return checked if checked is INVALID else (checked,)

    def json_schema(self) -> dict[str, Any]:
        return {"anyOf": [self._one.json_schema(), self._many.json_schema()]}


class AuthorSpec(Spec):
    """``"Bowen Peng"`` or ``{name: Bowen Peng, affiliation: Nous Research}``."""

    label = "a name or {name, affiliation}"

    def __init__(self) -> None:
        self._name = Str(single_line=True)
        self._obj = Obj({"name": (self._name, True), "affiliation": (StrOrList(), False)}, self.label)

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if isinstance(value, dict):
            checked = self._obj.check(value, kp, ctx)
            return checked if checked is INVALID else Author(checked["name"], checked.get("affiliation", ()))
        name = self._name.check(value, kp, ctx)
        return name if name is INVALID else Author(name)

    def json_schema(self) -> dict[str, Any]:
        return {"anyOf": [self._name.json_schema(), self._obj.json_schema()]}


class AffiliationEntry(Spec):
    """One item of the parallel ``affiliations`` list: text, a list, or empty when unknown."""

    label = "text, a list of text, or empty"

    def __init__(self) -> None:
        self._inner = StrOrList()

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        return () if value is None else self._inner.check(value, kp, ctx)

    def json_schema(self) -> dict[str, Any]:
        return {"anyOf": [{"type": "null"}, self._inner.json_schema()]}


class TagRef(Slug):
    label = "taxonomy node ids"

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if not isinstance(value, str):
            return self._wrong_type(value, kp, ctx)
        if ctx.taxonomy_ids is not None and value not in ctx.taxonomy_ids:
            suggestion = did_you_mean(value, ctx.taxonomy_ids)
            return ctx.report(
                kp,
                "LC201",
                f"unknown tag {value!r}{suggestion}{' See' if suggestion else '; see'} taxonomy.yaml or run "
                "`longctx tags` for every node id",
            )
        return value


class RecordRef(Slug):
    """The id of another record of ``kind``; resolved after every record is loaded."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.label = f"ids of {kind} records"


class Bibtex(Str):
    label = "one BibTeX entry"

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        text = super().check(value, kp, ctx)
        if text is not INVALID and not re.match(r"@\s*[A-Za-z]+\s*[{(]", text):
            return ctx.report(kp, "LC104", f"{field_label(kp)} must be one BibTeX entry starting with @type{{, "
                              "e.g. @article{{peng2023yarn, ...}}; copy it from the paper's page (arXiv: "
                              "'Export BibTeX Citation') or leave it out")
        return text


class Language(Spec):
    label = "language codes such as en, zh (py for Python code)"

    def check(self, value: Any, kp: KeyPath, ctx: Ctx) -> Any:
        if not isinstance(value, str):
            return self._wrong_type(value, kp, ctx)
        if not LANGUAGE_RE.match(value):
            return ctx.report(kp, "LC104", f"{field_label(kp)} {brief(value)} must be a lowercase code such as "
                              "en or zh (py for Python code)")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": "^[a-z]{2,10}$"}


# ---------------------------------------------------------------------------------
# The record format


@dataclass(frozen=True)
class Field:
    name: str
    spec: Spec
    doc: str
    kinds: tuple[str, ...] = KINDS
    required: bool = False
    example: Any = None


PAPERISH = ("paper", "survey")
# What to write for a missing key of a nested mapping (e.g. a code entry without `official`).
_OBJ_HINTS = {
    "url": "`url: https://...`",
    "official": "`official: true` (false for someone else's implementation)",
    "name": "`name: Full Name`",
}
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
    Field("bibtex", Bibtex(), "The citation as one BibTeX entry, kept verbatim."),
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
FIELD_ORDER: tuple[str, ...] = tuple(FIELDS)


# ---------------------------------------------------------------------------------
# Record checks


_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9\"'(])")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|et al|vs|etc)\Z")


def count_sentences(text: str) -> int:
    """Sentences in ``text``: a full stop, ! or ? followed by a capital starts a new one,
    except after e.g., i.e., et al., vs. and etc."""
    return 1 + sum(1 for m in _SENTENCE_END.finditer(text) if not _ABBREVIATION.search(text, 0, m.start()))


def _month_distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    return abs((a[0] * 12 + a[1]) - (b[0] * 12 + b[1]))


def _required_hint(f: Field, stem: str) -> str:
    """``id: yarn`` / ``tags: [rope-scaling]`` — a line the contributor can paste and edit."""
    if f.name == "id":
        return f"`id: {stem}` (the file name without .yaml)"
    if f.name == "tags":
        return "e.g. `tags: [rope-scaling]` (run `longctx tags` for every node id)"
    if f.example is not None:
        example = f"[{', '.join(map(str, f.example))}]" if isinstance(f.example, list) else f.example
        return f"e.g. `{f.name}: {example}`"
    return f"`{f.name}: ...`"


def check_record(doc: YamlDoc, stem: str, ctx: Ctx) -> Record | None:
    """Check one parsed record file; diagnostics go to ``ctx``. ``None`` when nothing usable."""
    data = doc.data
    if not isinstance(data, dict):
        what = "empty" if data is None else f"{type_name(data)}, not a mapping of fields"
        ctx.report((), "LC005", f"record file is {what}; start with `id: {stem}`")
        return None

    kind = data.get("kind", "paper")
    kind_checked = FIELDS["kind"].spec.check(kind, ("kind",), ctx) if "kind" in data else "paper"
    kind = kind_checked if kind_checked is not INVALID else None

    values: dict[str, Any] = {}
    for key in data:
        if key not in FIELDS:
            ctx.report(
                (str(key),),
                "LC101",
                f"unknown field {key!r}{did_you_mean(key, FIELD_ORDER)} "
                "(run `longctx schema --format markdown` for every field)",
                key=True,
            )
    for name, raw in data.items():
        f = FIELDS.get(name)  # type: ignore[call-overload]
        if f is None or name == "kind":
            continue
        if kind is not None and kind not in f.kinds:
            ctx.report(
                (f.name,),
                "LC105",
                f"field {f.name!r} is for {' / '.join(f.kinds)} records; this record is kind {kind!r}: remove "
                f"the field or fix `kind`",
                key=True,
            )
            continue
        checked = f.spec.check(raw, (f.name,), ctx)
        if checked is not INVALID:
            values[f.name] = checked
    for f in REQUIRED_FIELDS:
        if f.name not in data and (kind is None or kind in f.kinds):
            ctx.report((), "LC102", f"missing required field {f.name!r}; add {_required_hint(f, stem)}")

    if "id" in values and values["id"] != stem:
        ctx.report(("id",), "LC112", f"id {values['id']!r} must equal the file name {stem!r}; rename the file to "
                   f"{values['id']}.yaml or change the id")
    if "title" not in data and "arxiv" not in data:
        ctx.report((), "LC102", "missing field 'title' (it may be left out only when 'arxiv' is set); add "
                   "`title: 'The Paper Title'` or `arxiv: '2309.00071'`")
    _check_affiliations(data, values, ctx)
    _check_arxiv_date(values, ctx)
    _check_prose(data, values, kind, ctx)
    return _build_record(values, kind or "paper", stem, doc.path)


def _check_affiliations(data: dict[Any, Any], values: dict[str, Any], ctx: Ctx) -> None:
    if "affiliations" not in values or "authors" not in values:
        if "affiliations" in data and "authors" not in data:
            ctx.report(("affiliations",), "LC102", "'affiliations' needs an 'authors' list to run parallel to",
                       key=True)
        values.pop("affiliations", None)  # nothing valid to pair them with
        return
    authors, affiliations = values["authors"], values["affiliations"]
    if len(affiliations) != len(authors):
        ctx.report(("affiliations",), "LC104", f"'affiliations' has {len(affiliations)} entries but 'authors' has "
                   f"{len(authors)}; give one entry per author (empty when unknown)", key=True)
        del values["affiliations"]
    elif any(a.affiliations for a in authors):
        ctx.report(("affiliations",), "LC104", "affiliations are given both per author and as a parallel list; "
                   "keep one of the two", key=True)
        del values["affiliations"]


def _check_arxiv_date(values: dict[str, Any], ctx: Ctx) -> None:
    arxiv, date = values.get("arxiv"), values.get("date")
    if not arxiv or not date or len(date) < 7:
        return
    ym = arxiv_year_month(arxiv)
    if ym is None:
        return
    date_ym = (int(date[:4]), int(date[5:7]))
    if _month_distance(ym, date_ym) > 1:
        ctx.report(
            ("date",),
            "LC124",
            f"date {date} is more than a month from arXiv id {arxiv} (posted {ym[0]}-{ym[1]:02d}); "
            "the date should be that of the first public version (v1 on the arXiv abstract page); fix whichever "
            "is wrong",
        )


def _check_prose(data: dict[Any, Any], values: dict[str, Any], kind: str | None, ctx: Ctx) -> None:
    tldr = values.get("tldr")
    if tldr and (len(tldr) > TLDR_MAX_CHARS or count_sentences(tldr) > TLDR_MAX_SENTENCES):
        ctx.report(("tldr",), "LC141", f"the TL;DR runs to {count_sentences(tldr)} sentences / {len(tldr)} "
                   f"characters; keep it to {TLDR_MAX_SENTENCES} sentences under {TLDR_MAX_CHARS} characters and "
                   "move the rest to notes")
    if kind in PAPERISH and "tldr" not in data:
        ctx.report((), "LC142", "no 'tldr'; add one or two sentences, in your own words, on what the work does")
    if "added" not in data:
        ctx.report((), "LC143", f"no 'added' date; add `added: {local_today().isoformat()}`")


def _build_record(values: dict[str, Any], kind: str, stem: str, path: str) -> Record:
    authors: tuple[Author, ...] = values.pop("authors", ())
    affiliations = values.pop("affiliations", None)
    if affiliations:
        authors = tuple(Author(a.name, tuple(aff)) for a, aff in zip(authors, affiliations, strict=True))
    code = tuple(CodeLink(c["url"], c["official"]) for c in values.pop("code", ()))
    length = values.pop("length_kwords", None)
    quality = values.pop("quality", None)
    values.pop("kind", None)
    return Record(
        id=values.pop("id", stem),
        kind=kind,
        authors=authors,
        code=code,
        length_kwords=Length(**length) if length is not None else None,
        quality=Quality(**quality) if quality is not None else None,
        path=path,
        **values,
    )


# ---------------------------------------------------------------------------------
# The taxonomy tree


NODE_FIELDS = {
    "id": "Unique slug; records name the node in their `tags`.",
    "title": "Heading shown on pages and in navigation.",
    "description": "One paragraph introducing the section (markdown).",
    "children": "Sub-nodes, in display order.",
}


def check_taxonomy(doc: YamlDoc) -> tuple[Taxonomy, list[Diagnostic]]:
    """Build the taxonomy tree, reporting every malformed node and duplicate id."""
    diags: list[Diagnostic] = []
    seen: dict[str, Location] = {}
    slug = Slug()
    title_spec = Str(single_line=True)
    text_spec = Str()

    def at(kp: KeyPath, key: bool = False) -> Location:
        return doc.loc(kp, key=key)

    def report(kp: KeyPath, code: str, message: str, key: bool = False) -> None:
        diags.append(Diagnostic.make(at(kp, key), code, message))

    def node_list(value: Any, kp: KeyPath, parent: TaxonomyNode | None) -> list[TaxonomyNode]:
        if not isinstance(value, list):
            report(kp, "LC301", f"{field_label(kp) if kp else 'the taxonomy'} must be a list of nodes "
                   "(`- id: ...`)")
            return []
        nodes = []
        for i, item in enumerate(value):
            node = one_node(item, (*kp, i), parent)
            if node is not None:
                nodes.append(node)
        return nodes

    def one_node(item: Any, kp: KeyPath, parent: TaxonomyNode | None) -> TaxonomyNode | None:
        if not isinstance(item, dict):
            report(kp, "LC301", f"a taxonomy node must be a mapping with id and title, not {type_name(item)}")
            return None
        for key in item:
            if key not in NODE_FIELDS:
                report((*kp, str(key)), "LC301", f"unknown node field {key!r}{did_you_mean(key, list(NODE_FIELDS))} "
                       f"(allowed: {', '.join(NODE_FIELDS)})", key=True)
        sub = Ctx(doc, dt.date.max)
        node_id = slug.check(item["id"], (*kp, "id"), sub) if "id" in item else INVALID
        title = title_spec.check(item["title"], (*kp, "title"), sub) if "title" in item else INVALID
        description = text_spec.check(item["description"], (*kp, "description"), sub) if "description" in item else None
        diags.extend(Diagnostic.make(d.location, "LC301", d.message) for d in sub.diagnostics)
        if "id" not in item:
            report(kp, "LC301", "taxonomy node has no 'id'; add `id: a-short-slug` (records use it in `tags`)")
        if "title" not in item:
            report(kp, "LC301", "taxonomy node has no 'title'; every node needs a non-empty title")
        if node_id is INVALID or title is INVALID:
            return None
        if node_id in seen:
            report((*kp, "id"), "LC302", f"taxonomy node id {node_id!r} is already used at {seen[node_id]}; "
                   "give one of the two nodes another id")
            return None
        seen[node_id] = at((*kp, "id"))
        node = TaxonomyNode(node_id, title, description if description is not INVALID else None, parent=parent)
        if "children" in item:
            node.children = node_list(item["children"], (*kp, "children"), node)
        return node

    # A node containing itself cannot get here: the loader refuses an alias to an
    # ancestor (LC303); a subtree repeated by alias shows up as duplicate ids.
    roots = node_list(doc.data, (), None) if doc.data is not None else []
    if doc.data is None:
        report((), "LC301", "taxonomy.yaml is empty; it must list the top-level nodes")
    return Taxonomy(roots), diags


# ---------------------------------------------------------------------------------
# The metrics matrix (data/metrics.yaml)


def check_metrics(doc: YamlDoc) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """``metrics``: the column names; ``tasks``: task type -> the metrics used for it."""
    ctx = Ctx(doc, dt.date.max)
    spec = Obj(
        {
            "metrics": (ListOf(Str(single_line=True), min_items=1), True),
            "tasks": (MapOf(Choice(tuple(TASK_TYPES)), ListOf(Str(single_line=True))), True),
        },
        "a mapping with 'metrics' and 'tasks'",
    )
    value = spec.check(doc.data, (), ctx)
    data = doc.data if isinstance(doc.data, dict) else {}
    known = data.get("metrics") if isinstance(data.get("metrics"), list) else []
    tasks = data.get("tasks") if isinstance(data.get("tasks"), dict) else {}
    # Checked on the raw data so a bad task name does not hide a bad metric name.
    for task, used in tasks.items():
        for i, metric in enumerate(used if isinstance(used, list) else []):
            if isinstance(metric, str) and metric not in known:
                ctx.report(("tasks", str(task), i), "LC401", f"metric {metric!r} is not in the 'metrics' list"
                           f"{did_you_mean(metric, [k for k in known if isinstance(k, str)])}; add it there or fix "
                           "the name")
    diags = [Diagnostic.make(d.location, "LC401", d.message) for d in ctx.diagnostics]
    return (None if diags else value), diags


# ---------------------------------------------------------------------------------
# Derived artefacts: JSON Schema and the field reference


def json_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for f in RECORD_FIELDS:
        prop = dict(f.spec.json_schema())
        kinds = "" if f.kinds == KINDS else f" (kind: {', '.join(f.kinds)})"
        prop["description"] = f.doc + kinds
        if f.example is not None:
            prop["examples"] = [f.example]
        properties[f.name] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://longctx-catalog.github.io/schema/record.schema.json",
        "title": "longctx-catalog record",
        "description": "One YAML file in papers/: a paper, survey, dataset, model or toolkit.",
        "type": "object",
        "properties": properties,
        "required": [f.name for f in RECORD_FIELDS if f.required and f.kinds == KINDS],
        "additionalProperties": False,
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": "model"}}, "required": ["kind"]},
                "then": {"required": ["max_context"]},
            },
            {"anyOf": [{"required": ["title"]}, {"required": ["arxiv"]}]},
        ],
    }


def field_rows() -> list[dict[str, str]]:
    """One row per field for the contributor documentation."""
    rows = []
    for f in RECORD_FIELDS:
        rows.append(
            {
                "name": f.name,
                "type": f.spec.label,
                "kinds": "all" if f.kinds == KINDS else ", ".join(f.kinds),
                "required": "yes" if f.required else ("unless `arxiv` is set" if f.name == "title" else "no"),
                "doc": f.doc,
            }
        )
    return rows
