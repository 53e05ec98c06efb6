"""Turn a "Suggest a paper" issue into a new record, or into a comment saying what to fix.

GitHub renders an issue form's answers as markdown, one ``### <label>`` heading per
field followed by the answer (``_No response_`` when left empty). :func:`parse_issue_form`
reads that back using the labels of the form itself
(.github/ISSUE_TEMPLATE/suggest-a-paper.yml), so renaming a label cannot silently break
the bot. :func:`suggest` then does what `longctx add` does (the same checks and the same
record, through :mod:`.adding`); when arXiv cannot be reached it writes the record from
the form instead. It writes nothing itself: the caller writes :attr:`Outcome.files`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .adding import Refusal, check_tags, from_arxiv, from_title, redundant_tags
from .duplicates import title_key
from .enrich.add import parse_id_argument
from .enrich.source import Batch
from .model import KINDS, Catalog, Taxonomy
from .schema.context import did_you_mean
from .tagsearch import search_nodes

FORM = ".github/ISSUE_TEMPLATE/suggest-a-paper.yml"
NO_RESPONSE = "_No response_"
_HEADING = re.compile(r"^### (.+?)\s*$", re.M)


class FormError(ValueError):
    """The issue body is not an answer to the form (e.g. the form's headings were deleted)."""


def form_labels(form_text: str) -> dict[str, str]:
    """{label: field id} of an issue form's input fields."""
    form = yaml.safe_load(form_text)
    return {item["attributes"]["label"]: item["id"] for item in form["body"] if item.get("id")}


def parse_issue_form(body: str, labels: dict[str, str]) -> dict[str, str]:
    """{field id: answer} from an issue-form body; an empty answer is ``""``.

    Fields whose heading is missing are left out; headings the form does not have are ignored.
    """
    text = body.replace("\r\n", "\n")
    found = list(_HEADING.finditer(text))
    answers: dict[str, str] = {}
    for i, heading in enumerate(found):
        field_id = labels.get(heading[1])
        if field_id is None:
            continue
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        value = text[heading.end():end].strip()
        answers[field_id] = "" if value == NO_RESPONSE else value
    if not answers:
        raise FormError("the issue does not answer the form: its `### ...` headings are missing")
    return answers


@dataclass
class Outcome:
    """What the bot does: write ``files`` and open a pull request, or post ``comment``."""

    files: dict[Path, str] = field(default_factory=dict)
    record: str = ""  # path of the new record, relative to the catalogue root
    title: str = ""
    comment: str = ""  # what to fix, when nothing is written
    notes: list[str] = field(default_factory=list)  # for the pull request's description

    @property
    def ok(self) -> bool:
        return not self.comment


Fetch = Callable[[list[str]], Iterable[Batch]]


def _tags(text: str, taxonomy: Taxonomy) -> list[str]:
    """Node ids from the "Where it belongs" answer; Refusal naming the nodes that fit when a word is no node."""
    words = [w.strip().strip("`") for w in re.split(r"[,\n]+", text) if w.strip().strip("`")]
    if not words:
        return []  # left to the catalogue's text model (see _suggested_tag)
    unknown = [w for w in words if w not in taxonomy]
    if not unknown:
        return list(dict.fromkeys(words))
    lines = []
    for word in unknown:
        hint = did_you_mean(word, list(taxonomy.nodes)).replace("'", "`")
        matches = [f"`{n.id}` ({n.title})" for n in search_nodes(word, taxonomy, limit=4)]
        if hint or not matches:
            lines.append(f"- `{word}` is not a taxonomy node{hint}")
        else:
            lines.append(f"- `{word}` is not a taxonomy node; nodes matching these words: {', '.join(matches)}")
    raise Refusal("**Where it belongs** must name taxonomy nodes by id (see taxonomy.yaml):\n"
                  + "\n".join(lines) + "\n\nEdit the issue and replace the words with node ids, separated by "
                  "commas.", "tag")


def _suggested_tag(catalog: Catalog, text: str) -> tuple[list[str], str]:
    """The node a form without "Where it belongs" is filed under, as `longctx add` without --tag picks it,
    and the note saying so; Refusal when no node is like the work at all."""
    from .similarity import Index

    found = Index(catalog).suggest_tags([text])[0]
    if not found:
        raise Refusal("**Where it belongs** is empty, and no taxonomy node is like this work's title: give at least "
                      "one taxonomy node id, e.g. `rope-scaling`.", "tag")
    others = ", ".join(f"`{s.node}` ({s.confidence:.2f})" for s in found[1:])
    note = (f"Tagged `{found[0].node}` ({found[0].confidence:.2f}) by similarity to the catalogue, since the form "
            f"named no node{'; also close: ' + others if others else ''}. Reviewers: check the tag.")
    return [found[0].node], note


def suggest(catalog: Catalog, answers: dict[str, str], fetch: Fetch, today: dt.date) -> Outcome:
    """The record the form asks for (same checks and fields as `longctx add`), or the comment to post."""
    try:
        return _suggest(catalog, answers, fetch, today)
    except Refusal as err:
        return Outcome(comment=err.message)


def _suggest(catalog: Catalog, answers: dict[str, str], fetch: Fetch, today: dt.date) -> Outcome:
    raw_id = answers.get("arxiv", "")
    arxiv_id = parse_id_argument(raw_id) if raw_id else None
    if raw_id and arxiv_id is None:
        raise Refusal(f"**arXiv id or link**: `{raw_id}` is not an arXiv id. Write it as `2309.00071` (or an old-style "
                      "`hep-th/9901001`), or paste the abstract link `https://arxiv.org/abs/2309.00071`; leave the "
                      "field empty if the work is not on arXiv.", "arxiv")
    title = " ".join(answers.get("title", "").split())
    kind = answers.get("kind", "") or "paper"
    if kind not in KINDS:
        raise Refusal(f"**Kind** must be one of {', '.join(KINDS)}, not `{kind}`.", "kind")
    check_tags(catalog.taxonomy, [])  # a taxonomy to tag with at all
    tags = _tags(answers.get("tags", ""), catalog.taxonomy)
    check_tags(catalog.taxonomy, tags)
    extra: dict[str, Any] = {}
    if kind != "paper":
        extra["kind"] = kind
    if code := answers.get("code", "").strip():
        extra["code"] = [{"url": code, "official": True}]
    if tldr := " ".join(answers.get("tldr", "").split()):
        extra["tldr"] = tldr
    notes = [f"`{a}` is an ancestor of `{t}`; the most specific tag is enough." for a, t in
             redundant_tags(catalog.taxonomy, tags)]

    if arxiv_id is None and not title:
        raise Refusal("Give the work's **Title** (or its **arXiv id or link**).", "title")
    same = next((r for r in catalog.records if (arxiv_id and r.arxiv_base == arxiv_id)
                 or (title and r.title and title_key(r.title) == title_key(title))), None)
    if same is not None:
        raise Refusal(f"This work is already in the catalogue: `{same.path}` (id `{same.id}`, "
                      f"\"{same.display_title}\"). To add tags, links or a TL;DR, edit that file instead, or say in "
                      "this issue what should change.", "duplicate")

    if arxiv_id and kind in ("paper", "survey"):
        found, failures = {}, []
        for batch in fetch([arxiv_id]):
            found.update(batch.found)
            failures.extend(batch.failures)
        if arxiv_id in found:
            meta = found[arxiv_id]
            if not tags:
                tags, note = _suggested_tag(catalog, f"{meta.title} {meta.abstract or ''}")
                notes.append(note)
            new = from_arxiv(catalog, found, [arxiv_id], tags, None, today, extra=extra)
            notes.append(f"Title, authors and date fetched from arXiv {arxiv_id}.")
            return Outcome(new.files, new.records[0], found[arxiv_id].title, notes=notes)
        (failure,) = failures
        if failure.kind != "fetch":
            raise Refusal(f"**arXiv id or link**: arXiv {arxiv_id}: {failure.reason}. Check the id on the paper's "
                          "abstract page.", "arxiv")
        if not title:
            raise Refusal(f"arXiv could not be reached ({failure.reason}) and the form gives no **Title**; add the "
                          "title and the record will be written from the form.", "title")
        notes.append(f"arXiv could not be reached ({failure.reason}); the record was written from the form. "
                     "`longctx enrich` fills in authors and date later.")
    if not tags:
        tags, note = _suggested_tag(catalog, f"{title} {extra.get('tldr', '')}")
        notes.append(note)
    new = from_title(catalog, title, tags, today, arxiv_id=arxiv_id, kind=kind, extra=extra)
    return Outcome(new.files, new.records[0], title, notes=notes)


def comment_text(outcome: Outcome) -> str:
    """The comment posted on the issue when nothing could be written."""
    return ("Thanks for the suggestion! I could not turn it into a record yet:\n\n" + outcome.comment.strip()
            + "\n\nEdit the issue (the `...` menu → *Edit*) and I will try again.\n")


def pull_request_text(outcome: Outcome, issue: int | None) -> str:
    """The description of the pull request that adds the record."""
    lines = [f"Adds `{outcome.record}`: {outcome.title}", ""]
    if issue is not None:
        lines += [f"Closes #{issue}.", ""]
    lines += [f"- {note}" for note in outcome.notes]
    lines += ["- Reviewers: check the tags, and write or check the TL;DR (our own words, no invented numbers).",
              "", "Opened by the *Suggest a paper* workflow from the issue form. Pull requests opened by a workflow "
              "start no checks: close and reopen this one to run them."]
    return "\n".join(lines) + "\n"
