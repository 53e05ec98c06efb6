"""What a check needs and how it words a problem: :class:`Ctx`, today's date, value descriptions.

Specs never raise on bad data: they report a located diagnostic through
:meth:`Ctx.report` and return :data:`INVALID`, so one file can yield every one of
its problems at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import os
import reprlib
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from ..diagnostics import Diagnostic, Severity
from ..load import KeyPath, YamlDoc

INVALID: Any = type("Invalid", (), {"__repr__": lambda self: "INVALID"})()


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
