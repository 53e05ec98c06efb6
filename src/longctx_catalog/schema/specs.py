"""Specs for single values: small validators that say what they expected and what they got.

Each spec checks and normalises one value (text, a slug, a choice, a number, a
date, an arXiv id, a URL, ...) and describes itself as JSON Schema; the nested
ones (lists, mappings, authors) are in :mod:`.structures`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from ..load import KeyPath
from ..model import slugify
from .context import INVALID, Ctx, brief, did_you_mean, field_label, local_today, type_name

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
SLUG_MAX = 80
# New-style ids (0704.0001 onwards; five digits after the dot from 1501) and
# old-style archive/YYMMNNN ids, each with an optional version.
ARXIV_NEW_RE = re.compile(r"(?P<yy>\d{2})(?P<mm>\d{2})\.(?P<num>\d{4,5})(?:v(?P<v>[1-9]\d*))?\Z", re.ASCII)
ARXIV_OLD_RE = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)*)(?:\.[A-Z]{2})?/(?P<yy>\d{2})(?P<mm>\d{2})\d{3}(?:v(?P<v>[1-9]\d*))?\Z",
    re.ASCII,  # \d would take '２３' and Arabic-Indic digits too
)
DATE_RE = re.compile(r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?\Z", re.ASCII)
LANGUAGE_RE = re.compile(r"[a-z]{2,10}\Z")


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
    _re = re.compile(r"\d+(\.\d+)?[KMB]?\Z", re.ASCII)

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
