"""Located, coded diagnostics and their two output formats.

Every problem the tool reports about the catalogue's data is a :class:`Diagnostic`
with a file, a 1-based line and column, a severity, a stable code and a message
that says what to do. Checks return lists of them; only the CLI decides what an
error means for the exit code (the way mkdocs' ``Config.validate`` returns
``(errors, warnings)`` and leaves aborting to its caller).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


# code -> (symbol, default severity, one-line description). The table is the
# single list of checks: docs and tests iterate over it.
CODES: dict[str, tuple[str, Severity, str]] = {
    "LC001": ("unreadable-file", Severity.ERROR, "The file cannot be read or is not UTF-8."),
    "LC002": ("yaml-syntax", Severity.ERROR, "The file is not valid YAML."),
    "LC003": ("duplicate-key", Severity.ERROR, "A mapping names the same key twice."),
    "LC004": ("unsafe-tag", Severity.ERROR, "A YAML tag other than the plain data types is used."),
    "LC005": ("not-a-mapping", Severity.ERROR, "The document is empty or not a mapping of fields."),
    "LC101": ("unknown-field", Severity.ERROR, "A field the record format does not define."),
    "LC102": ("missing-field", Severity.ERROR, "A required field is absent."),
    "LC103": ("wrong-type", Severity.ERROR, "A field holds a value of the wrong type."),
    "LC104": ("invalid-value", Severity.ERROR, "A field's value is outside what it allows."),
    "LC105": ("field-not-for-kind", Severity.ERROR, "A kind-specific field on a record of another kind."),
    "LC106": ("empty-value", Severity.ERROR, "A field is present but empty."),
    "LC111": ("bad-id", Severity.ERROR, "The record id is not a safe slug."),
    "LC112": ("id-mismatch", Severity.ERROR, "The record id differs from the file name."),
    "LC121": ("bad-arxiv-id", Severity.ERROR, "The arXiv identifier is malformed or not a string."),
    "LC122": ("bad-date", Severity.ERROR, "A date is malformed or not a calendar date."),
    "LC123": ("future-date", Severity.ERROR, "A date lies in the future."),
    "LC124": ("date-arxiv-mismatch", Severity.WARNING, "The date disagrees with the arXiv id's month."),
    "LC131": ("bad-url", Severity.ERROR, "A link is not an http(s) URL."),
    "LC141": ("long-tldr", Severity.WARNING, "The TL;DR is longer than two sentences should be."),
    "LC142": ("missing-tldr", Severity.WARNING, "A paper or survey has no TL;DR and is not marked unread."),
    "LC143": ("missing-added", Severity.WARNING, "The record does not say when it was added."),
    "LC201": ("unknown-tag", Severity.ERROR, "A tag names no taxonomy node."),
    "LC202": ("unknown-reference", Severity.ERROR, "A reference names no record of the right kind."),
    "LC211": ("duplicate-id", Severity.ERROR, "Two records share an id."),
    "LC212": ("duplicate-arxiv", Severity.ERROR, "Two records share an arXiv id."),
    "LC213": ("duplicate-title", Severity.ERROR, "Two records share a normalised title."),
    "LC214": ("duplicate-doi", Severity.ERROR, "Two records share a DOI."),
    "LC215": ("similar-title", Severity.WARNING, "Two records have very similar titles."),
    "LC301": ("taxonomy-invalid", Severity.ERROR, "The taxonomy tree is malformed."),
    "LC302": ("taxonomy-duplicate-id", Severity.ERROR, "Two taxonomy nodes share an id."),
    "LC303": ("taxonomy-cycle", Severity.ERROR, "A taxonomy node contains itself."),
    "LC401": ("data-file-invalid", Severity.ERROR, "A catalogue data file is malformed."),
    "LC501": ("arxiv-cache-invalid", Severity.ERROR, "A cached arXiv metadata file is malformed."),
    "LC502": ("arxiv-events-invalid", Severity.ERROR, "The arXiv events file is malformed."),
    "LC511": ("arxiv-unknown-id", Severity.ERROR, "arXiv does not know a record's arXiv id."),
    "LC512": ("arxiv-rejected-id", Severity.ERROR, "arXiv rejected a record's arXiv id as malformed."),
    "LC513": ("arxiv-fetch-failed", Severity.ERROR, "A record's arXiv metadata could not be fetched."),
    # BibTeX import and export
    "LC601": ("bib-syntax", Severity.ERROR, "A BibTeX entry is malformed; it is skipped."),
    "LC602": ("bib-repeated-key", Severity.WARNING, "Two BibTeX entries share a citation key."),
    "LC603": ("bib-no-entries", Severity.ERROR, "The .bib file has no usable entry."),
    "LC604": ("bib-no-title", Severity.ERROR, "A BibTeX entry has neither a title nor an arXiv id."),
    "LC605": ("bib-field-ignored", Severity.WARNING, "A BibTeX field could not be used as written."),
    "LC606": ("bib-same-work", Severity.WARNING, "Two BibTeX entries describe the same work; merged."),
    "LC607": ("bib-record-not-updated", Severity.WARNING, "A record matching an entry was left as is."),
    "LC608": ("bib-tag-not-added", Severity.WARNING, "A record matching an entry lacks the import tag."),
    "LC609": ("bib-entry-unusable", Severity.WARNING, "A record's bibtex field cannot be exported as is."),
    "LC610": ("bib-invalid-record", Severity.ERROR, "An entry would make an invalid record; it is skipped."),
    "LC611": ("bib-unmapped-section", Severity.ERROR, "An entry's section is not in the tag map; it is skipped."),
    "LC612": ("bib-tag-map-invalid", Severity.ERROR, "The import's tag map is malformed; nothing is imported."),
    # render
    "LC701": ("readme-region", Severity.ERROR, "A README region marker is missing, unbalanced or unknown."),
    "LC702": ("not-owned-output", Severity.ERROR, "render would overwrite a file it did not generate."),
    "LC703": ("page-path-clash", Severity.ERROR, "A taxonomy node's page would clash with another page."),
    "LC704": ("template-error", Severity.ERROR, "A page template failed to compile or render."),
    "LC705": ("stale-output", Severity.ERROR, "A generated page is out of date: run `longctx render`."),
    # site (`longctx build`, `longctx serve`)
    "LC801": ("site-build", Severity.ERROR, "MkDocs reported a problem building the site (a broken link or anchor)."),
    "LC802": ("site-config", Severity.ERROR, "The site config (mkdocs.yml) cannot be used."),
    "LC803": ("site-page-clash", Severity.ERROR, "A hand-written file would take the place of a generated site page."),
    # links (`longctx links`): LC90x found offline from the URL's shape, LC91x by asking the server.
    "LC901": ("bad-link", Severity.ERROR, "A URL is malformed or not an http(s) URL."),
    "LC902": ("link-typo", Severity.ERROR, "A URL has an obvious typo, such as a doubled or misspelt scheme."),
    "LC903": ("host-typo", Severity.WARNING, "A host name is a near miss of a well-known host."),
    "LC904": ("insecure-link", Severity.WARNING, "An http:// URL for a host that serves https://."),
    "LC905": ("github-link", Severity.ERROR, "A GitHub URL does not name an owner/repository."),
    "LC906": ("huggingface-link", Severity.ERROR, "A Hugging Face URL does not name an organisation/repository."),
    "LC907": ("arxiv-link-mismatch", Severity.ERROR, "An arXiv URL names another paper than the record's arxiv id."),
    "LC908": ("arxiv-id-missing", Severity.WARNING, "The record links an arXiv paper but has no arxiv field."),
    "LC909": ("duplicate-link", Severity.WARNING, "The same URL appears twice in one record."),
    "LC911": ("dead-link", Severity.ERROR, "The server says the page is gone (HTTP 404 or 410)."),
    "LC912": ("unverified-link", Severity.WARNING, "The link could not be verified (403, 429, 5xx, timeout, ...)."),
    "LC913": ("moved-link", Severity.WARNING, "The URL redirects permanently; link the new address."),
    "LC914": ("archived-repo", Severity.WARNING, "The GitHub repository is archived (read-only)."),
}

@dataclass(frozen=True, order=True)
class Location:
    """A place in a file; line and column are 1-based, as editors count."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    location: Location
    code: str
    message: str
    severity: Severity

    @classmethod
    def make(cls, location: Location, code: str, message: str, severity: Severity | None = None) -> Diagnostic:
        return cls(location, code, message, severity or CODES[code][1])

    @property
    def symbol(self) -> str:
        return CODES[self.code][0]

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message} [{self.code} {self.symbol}]"

    def as_dict(self) -> dict[str, object]:
        loc = asdict(self.location)
        return {
            "path": loc["path"],
            "line": loc["line"],
            "column": loc["column"],
            "severity": str(self.severity),
            "code": self.code,
            "symbol": self.symbol,
            "message": self.message,
        }


def sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return (d.location.path, d.location.line, d.location.column, d.code, d.message)


def format_text(diagnostics: Iterable[Diagnostic]) -> str:
    return "".join(f"{d}\n" for d in sorted(diagnostics, key=sort_key))


def format_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([d.as_dict() for d in sorted(diagnostics, key=sort_key)], indent=2, ensure_ascii=False) + "\n"


def _gh_escape(text: str, *, prop: bool = False) -> str:
    """Escape for a GitHub Actions workflow command (``%``, CR and LF; also ``:`` and ``,`` in properties)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def format_github(diagnostics: Iterable[Diagnostic]) -> str:
    """GitHub Actions workflow commands: each diagnostic becomes an annotation on its file and line.

    The runner turns ``::error file=...,line=...,col=...::message`` into an annotation on the
    pull request's diff, so CI points at ``path:line`` without posting a comment. The location
    is repeated in the message because the raw log shows only the message.
    """
    lines = []
    for d in sorted(diagnostics, key=sort_key):
        level = "error" if d.is_error else "warning"
        props = ",".join(
            f"{name}={_gh_escape(str(value), prop=True)}"
            for name, value in (
                ("file", d.location.path),
                ("line", d.location.line),
                ("col", d.location.column),
                ("title", f"{d.code} {d.symbol}"),
            )
        )
        lines.append(f"::{level} {props}::{_gh_escape(f'{d.location}: {d.message}')}\n")
    return "".join(lines)


def summary(diagnostics: list[Diagnostic], n_records: int) -> str:
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return f"{plural(n_records, 'record')} checked: {plural(errors, 'error')}, {plural(warnings, 'warning')}."
