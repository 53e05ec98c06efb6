"""Links of hand-written pages (CONTRIBUTING.md, the guides in ``docs/``) made right for the site.

Those pages are written for GitHub, where a link is relative to the file; on the
site they are staged elsewhere (CONTRIBUTING.md becomes an about page), so their
links are rewritten as they are staged: see :func:`fix_links`.

Every staged page then gets its docs-absolute links (``/papers/x.md``, what the
templates and :func:`fix_links` write) made relative to the page itself
(:func:`page_relative`): MkDocs resolves both forms to the same URL, but Zensical
resolves only relative ones.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Callable

from .pages import DOCS_DIR, relative

# [text](target "title") and ![alt](src); the target may hold one level of parentheses.
_LINK = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:\\.|[^\]\\]|\[[^\]]*\])*)\]"
    r"\((?P<target><[^>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?P<title>\s+(?:\"[^\"]*\"|'[^']*'))?\)"
)
_REF_DEF = re.compile(r"^(?P<lead> {0,3}\[[^\]]+\]:[ \t]*)(?P<target>\S+)", re.M)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def fix_links(text: str, source: str, repo_url: str | None) -> str:
    """Links of a hand-written page (``source``, relative to the catalogue root) made right for the site.

    Links to pages under ``docs/`` become docs-absolute (``/guide/x.md``), which
    MkDocs checks and makes relative wherever the page is staged. Links to other
    files of the repository (``papers/``, ``schema/...``) and GitHub-relative ones
    (``../../issues/new``) point at the repository when ``repo_url`` is set and are
    reduced to their text otherwise, so the site has no broken link. Code (fenced
    blocks and `spans`) is left alone; a link's text may run over lines.
    """

    def link(match: re.Match[str]) -> str:
        return _fix_link(match, source, repo_url)

    def ref(match: re.Match[str]) -> str:
        target = _site_target(match.group("target"), source, repo_url)
        return match.group(0) if target is None else f"{match.group('lead')}{target}"

    return _rewrite(text, link, ref)


def has_docs_absolute_links(text: str) -> bool:
    """Whether ``text`` may hold a docs-absolute link (a quick look: False means none for sure)."""
    return "](/" in text or "]: /" in text or "]:/" in text


def page_relative(text: str, page: str) -> str:
    """Docs-absolute link targets (``/papers/x.md#a``) in ``text`` made relative to ``page`` (docs-relative).

    Inline links, images and reference definitions; code is left alone. Both site
    engines resolve a relative ``.md`` link to the page it names (MkDocs also checks it).
    """
    if not has_docs_absolute_links(text):
        return text  # most record pages: nothing to do, and no regex pass over them

    def link(match: re.Match[str]) -> str:
        raw = match.group("target")
        target = raw[1:-1] if raw.startswith("<") else raw
        if not _is_docs_absolute(target):
            return match.group(0)
        new = _relative_target(target, page)
        if raw.startswith("<"):
            new = f"<{new}>"
        return f"{match.group('bang')}[{match.group('text')}]({new}{match.group('title') or ''})"

    def ref(match: re.Match[str]) -> str:
        target = match.group("target")
        if not _is_docs_absolute(target):
            return match.group(0)
        return f"{match.group('lead')}{_relative_target(target, page)}"

    return _rewrite(text, link, ref)


def _rewrite(text: str, link: Callable[[re.Match[str]], str], ref: Callable[[re.Match[str]], str]) -> str:
    """``text`` with each inline link or image passed through ``link`` and each reference definition
    through ``ref``; fenced code blocks and links inside `code spans` are left as written (examples)."""
    out = []
    for is_code, chunk in _fenced_chunks(text):
        if is_code:
            out.append(chunk)
            continue
        code = [span.span() for span in _CODE_SPAN.finditer(chunk)]

        def outside_code(match: re.Match[str], code: list[tuple[int, int]] = code) -> str:
            return match.group(0) if _inside(code, match.start()) else link(match)

        out.append(_LINK.sub(outside_code, _REF_DEF.sub(ref, chunk)))
    return "".join(out)


def _inside(spans: list[tuple[int, int]], position: int) -> bool:
    """Whether ``position`` is inside one of ``spans`` (sorted, not overlapping: code spans in order)."""
    i = bisect.bisect_right(spans, (position, float("inf"))) - 1
    return i >= 0 and position < spans[i][1]


def _is_docs_absolute(target: str) -> bool:
    return target.startswith("/") and not target.startswith("//")


def _relative_target(target: str, page: str) -> str:
    """``/papers/x.md?q#a`` from ``papers/index.md`` -> ``x.md?q#a``; ``/`` -> the home page."""
    path, hash_mark, anchor = target[1:].partition("#")
    path, query_mark, query = path.partition("?")
    suffix = query_mark + query + hash_mark + anchor
    if not path or path.endswith("/"):
        path += "index.md"
    return relative(page, path) + suffix


def _fenced_chunks(text: str) -> list[tuple[bool, str]]:
    """The text cut into (is fenced code, chunk) pieces, in order."""
    if "```" not in text and "~~~" not in text:  # no fence at all (most pages): one piece, no line split
        return [(False, text)] if text else []
    chunks: list[tuple[bool, list[str]]] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        match = _FENCE.match(line)
        inside = fence is not None
        if match:
            mark = match.group(1)
            if fence is None:
                fence, inside = mark, True
            elif mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip().strip(mark[0]):
                fence = None
        if not chunks or chunks[-1][0] != inside:
            chunks.append((inside, []))
        chunks[-1][1].append(line)
    return [(inside, "".join(lines)) for inside, lines in chunks]


def _fix_link(match: re.Match[str], source: str, repo_url: str | None) -> str:
    raw = match.group("target")
    target = raw[1:-1] if raw.startswith("<") else raw
    new = _site_target(target, source, repo_url)
    if new is None:
        return match.group(0)
    if new == "":
        return match.group("text")  # nowhere to point on the site: keep the words
    return f"{match.group('bang')}[{match.group('text')}]({new}{match.group('title') or ''})"


def _site_target(target: str, source: str, repo_url: str | None) -> str | None:
    """The target to use on the site; None to leave it as is, "" to drop the link."""
    if not target or target.startswith(("#", "/")) or _SCHEME.match(target):
        return None
    path, sep, rest = target.partition("#")
    path, qsep, query = path.partition("?")
    suffix = (qsep + query if qsep else "") + (sep + rest if sep else "")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), path)) if path else source
    if resolved.startswith("../"):
        # Above the repository: GitHub's blob view is /<owner>/<repo>/blob/<branch>/<file>, so
        # a path climbing out of the repository by two levels lands on /<owner>/<repo>/...
        depth = source.count("/") + 2
        parts = resolved.split("/")
        if repo_url and parts[:depth] == [".."] * depth and len(parts) > depth:
            return f"{repo_url}/{'/'.join(parts[depth:])}{suffix}"
        return ""
    if resolved == DOCS_DIR or resolved.startswith(DOCS_DIR + "/"):
        inside = resolved[len(DOCS_DIR):].lstrip("/")
        return "/" + inside + suffix if inside else "/index.md" + suffix
    if repo_url:
        kind, slash = ("tree", "/") if path.endswith("/") else ("blob", "")
        return f"{repo_url}/{kind}/HEAD/{resolved}{slash}{suffix}"
    return ""
