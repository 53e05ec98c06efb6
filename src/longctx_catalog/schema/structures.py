"""Specs for nested values: lists, mappings, objects with known keys, authors."""

from __future__ import annotations

from typing import Any

from ..load import KeyPath
from ..model import Author
from .context import INVALID, Ctx, brief, did_you_mean, field_label
from .specs import Choice, Spec, Str

# What to write for a missing key of a nested mapping (e.g. a code entry without `official`).
_OBJ_HINTS = {
    "url": "`url: https://...`",
    "official": "`official: true` (false for someone else's implementation)",
    "name": "`name: Full Name`",
}


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
