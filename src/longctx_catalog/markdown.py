"""Markdown escaping: make record text render as the literal text it is.

Record fields are plain text written by many hands. Placed into a markdown page
unescaped, a title with ``*`` starts emphasis, a ``|`` splits a table row, a
newline starts a new block and ``<script>`` becomes HTML. Jinja's HTML autoescape
does not help: it knows nothing of markdown syntax. So every value that reaches a
template goes through one of the filters here:

- :func:`escape_prose` for running text (paragraphs, list items, headings, link text);
- :func:`escape_cell` for table cells (prose rules plus ``|``);
- :func:`md_url` for link destinations.

The output must read literally in the two renderers that show our pages: GitHub
(cmark-gfm) and mkdocs (Python-Markdown with the usual extensions: tables,
fenced_code, toc, attr_list, md_in_html and the pymdownx inline extensions). So
we use backslash escapes only for characters both treat as escapable, and numeric
entities for the rest (Python-Markdown shows ``\\<`` or ``\\~`` with the backslash).
Whitespace, newlines included, collapses to single spaces: a field never becomes
more than one line of markdown.

Escaped text is returned as :class:`Md`, a ``str`` subclass that marks "safe to
place in markdown"; the render environment refuses to output anything else.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import quote


class Md(str):
    """Text that is already valid markdown and may be placed into a page as is."""

    __slots__ = ()


# Backslash escapes understood by both CommonMark and Python-Markdown.
_BACKSLASH = "\\`*_{}[]#"
_TABLE: dict[int, str | None] = {ord(c): "\\" + c for c in _BACKSLASH}
_TABLE.update(
    {
        ord("&"): "&amp;",  # first of all: entities in the data stay literal
        ord("<"): "&lt;",  # no raw HTML, no autolinks
        ord(">"): "&gt;",  # no blockquotes
        ord("~"): "&#126;",  # GFM / pymdownx.tilde strikethrough and subscript
        ord("^"): "&#94;",  # pymdownx.caret superscript and insert
        ord("$"): "&#36;",  # GitHub and arithmatex maths
    }
)
# Control characters other than whitespace carry nothing a reader can see.
_TABLE.update({c: None for c in (*range(0, 9), 0x0B, *range(0x0E, 0x1C), 0x7F)})
_CELL_TABLE = {**_TABLE, ord("|"): "\\|"}
# Any character either table changes. Most titles and TL;DRs have none, and finding
# that out with a regex is several times cheaper than str.translate's per-character lookups.
_NEEDS_TABLE = re.compile("[" + re.escape("".join(map(chr, _CELL_TABLE))) + "]")

# Runs that only optional extensions treat as markup (pymdownx.mark, pymdownx.keys).
_DOUBLES = (("==", "&#61;&#61;"), ("++", "&#43;&#43;"))
# What starts a block when it opens a line: list bullets, ordered-list numbers,
# setext underlines, and the site's admonitions and collapsible blocks (``!!! note``,
# ``??? note``). (Headings, quotes, fences and HTML are escaped everywhere.)
_BLOCK_START = re.compile(r"([-+=])|(\d{1,9})([.)])|(!!!|\?\?\?)")
# GFM turns bare URLs and e-mail addresses into links, scanning the *source* text,
# so backslash escapes inside them would show. Breaking the trigger with an entity
# keeps them plain, literal text in both renderers.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|xmpp):|(www)\.|@(?=\S*\.)")


def _no_autolink(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1) + "&#58;"
    if match.group(2):
        return match.group(2) + "&#46;"
    return "&#64;"


# A catalogue page repeats the same titles, names and TL;DRs many times (a record
# is listed on every ancestor's page, the timeline and the technique table), so
# escaping is memoised: rendering 5,000 records then costs ~50,000 escapes, not 200,000.
@lru_cache(maxsize=1 << 17)
def _escape_str(text: str, cell: bool, line_start: bool) -> Md:
    out = " ".join(text.split())  # whitespace runs -> one space
    if _NEEDS_TABLE.search(out):
        out = out.translate(_CELL_TABLE if cell else _TABLE)
    for pair, entity in _DOUBLES:
        if pair in out:
            out = out.replace(pair, entity)
    if "//" in out or "@" in out or "ww" in out.lower():  # cheap test before the regex
        out = _AUTOLINK.sub(_no_autolink, out)
    match = _BLOCK_START.match(out) if line_start else None
    if match:
        if match.group(4):
            out = ("&#33;" if out[0] == "!" else "&#63;") + out[1:]  # no \? escape in Python-Markdown
        elif match.group(1) == "=":
            out = "&#61;" + out[1:]  # Python-Markdown has no \\= escape
        elif match.group(1):
            out = "\\" + out
        else:
            out = f"{match.group(2)}\\{match.group(3)}{out[match.end():]}"
    return Md(out)


def escape_prose(text: object) -> Md:
    """``text`` as one line of markdown that renders literally (paragraph, list item, heading)."""
    return Md("") if text is None else _escape_str(str(text), False, True)


def escape_cell(text: object) -> Md:
    """``text`` as the content of one markdown table cell: prose escaping plus ``|``.

    A cell is inline content, so what only matters at the start of a line (``1.``,
    ``-``) is left alone: ``1.2M`` stays readable.
    """
    return Md("") if text is None else _escape_str(str(text), True, False)


# Characters left as they are in a link destination: URL syntax and existing
# percent-escapes. Everything else (spaces, quotes, parentheses, angle brackets,
# backslashes, pipes that would split a table row, non-ASCII) is percent-encoded.
_URL_SAFE = ":/?#[]@!$&*+,;=%-._~"


def md_url(url: object) -> Md:
    """An http(s) URL made safe as a markdown link destination, even inside a table cell.

    Anything that is not an http(s) URL (``javascript:``, ``data:``) yields an empty
    string; templates treat that as "no link".
    """
    return _md_url(url) if isinstance(url, str) else Md("")


@lru_cache(maxsize=1 << 16)
def _md_url(url: str) -> Md:
    text = url.strip()
    if not text[:8].lower().startswith(("http://", "https://")):
        return Md("")
    return Md(quote(text, safe=_URL_SAFE))


def trusted_markdown(text: object) -> Md:
    """Curator-written markdown (taxonomy descriptions): kept as markdown, but with no raw HTML.

    Links keep the rules record URLs follow: a link that is not http(s), mailto or
    relative, and any image that is not a file of the site, is reduced to its text
    (validation reports them too; see :func:`link_problems`).
    """
    if text is None:
        return Md("")
    safe = _LINK.sub(lambda m: m.group(0) if _link_problem(m) is None else m.group("text"), str(text).strip())
    safe = _REF_DEF.sub(lambda m: m.group(0) if _target_problem(m.group("target"), False) is None else "", safe)
    return Md(safe.replace("<", "&lt;"))


# [text](target "title") and ![alt](src), one level of parentheses in the target; and
# reference definitions ``[name]: target``.
_LINK = re.compile(r"(?P<bang>!?)\[(?P<text>(?:\\.|[^\]\\])*)\]\(\s*(?P<target><[^>\n]*>|(?:[^()\s]|\([^()\s]*\))*)"
                   r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*(?P<target><[^>\n]*>|\S+).*$", re.M)
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:")
_LINK_SCHEMES = ("http:", "https:", "mailto:")


def _target_problem(target: str, image: bool) -> str | None:
    # What a browser would see: entities decoded, and the spaces and controls it ignores dropped.
    seen = re.sub(r"[\x00-\x20]", "", html.unescape(target.strip("<>"))).lower()
    scheme = _SCHEME.match(seen)
    if image and (scheme or seen.startswith("//")):
        return f"the image {target[:60]!r} is not a file of the site; the site makes no third-party requests"
    if scheme and scheme.group() not in _LINK_SCHEMES:
        return f"the link {target[:60]!r} is not an http(s) or mailto URL"
    return None


def _link_problem(match: re.Match[str]) -> str | None:
    return _target_problem(match.group("target"), bool(match.group("bang")))


def link_problems(text: str) -> list[str]:
    """What is wrong with the links and images of curator-written markdown, as messages."""
    problems = [p for m in _LINK.finditer(text) if (p := _link_problem(m))]
    problems += [p for m in _REF_DEF.finditer(text) if (p := _target_problem(m.group("target"), False))]
    return problems


def code_fence(body: str, info: str = "") -> Md:
    """A fenced code block that ``body`` cannot close: the fence is longer than any backtick run in it."""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0) if "`" in body else 0
    fence = "`" * max(3, longest + 1)
    return Md(f"{fence}{info}\n{body.rstrip()}\n{fence}")


# A record's `notes`: markdown a contributor wrote, of which only the inline part is
# kept — links (http/https), emphasis, strong emphasis and code — one paragraph per
# blank-line-separated block. Everything else is escaped like any record text, so
# raw HTML, headings, lists, images and `javascript:` links show as the text they are.
_NOTES_INLINE = re.compile(
    r"(?P<code>(?P<ticks>`+)(?P<code_text>.+?)(?P=ticks))"
    r"|\[(?P<link_text>[^\[\]\n]+)\]\((?P<link_url>[^()\s]+(?:\([^()\s]*\)[^()\s]*)*)\)"
    r"|(?P<bare>https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"])"
    r"|\*\*(?P<strong>[^*\n]+?)\*\*"
    r"|(?<![\w*])\*(?P<em>[^*\s](?:[^*\n]*?[^*\s])?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<em_>[^_\s](?:[^_\n]*?[^_\s])?)_(?![\w_])"
)


def _plain(text: str, line_start: bool) -> str:
    """Escaped text that keeps its outer spaces (one each), so it joins the markup around it."""
    if not text:
        return ""
    core = _escape_str(text, False, line_start) if text.strip() else ""
    return (" " if text[:1].isspace() else "") + core + (" " if text[-1:].isspace() and core else "")


def _notes_inline(text: str, line_start: bool) -> str:
    out: list[str] = []
    pos = 0
    for m in _NOTES_INLINE.finditer(text):
        out.append(_plain(text[pos : m.start()], line_start and pos == 0))
        if out[-1].endswith("!"):  # "![...](...)" would be an image: the "!" stays text
            out[-1] = out[-1][:-1] + "&#33;"
        if m.group("code") is not None:
            body = m.group("code_text")
            fence = "`" * (max((len(r) for r in re.findall(r"`+", body)), default=0) + 1)
            pad = " " if body.startswith("`") or body.endswith("`") else ""
            out.append(f"{fence}{pad}{body}{pad}{fence}")
        elif m.group("link_text") is not None:
            url = md_url(m.group("link_url"))
            label = _notes_inline(m.group("link_text"), False)
            out.append(f"[{label}]({url})" if url else label)
        elif m.group("bare") is not None:
            url = md_url(m.group("bare"))
            out.append(f"[{escape_prose(m.group('bare'))}]({url})" if url else escape_prose(m.group("bare")))
        elif m.group("strong") is not None:
            out.append(f"**{_notes_inline(m.group('strong'), False)}**")
        else:
            out.append(f"*{_notes_inline(m.group('em') or m.group('em_'), False)}*")
        pos = m.end()
    out.append(_plain(text[pos:], line_start and pos == 0))
    return "".join(out).strip()


def notes_markdown(text: object) -> Md:
    """A record's ``notes`` as markdown paragraphs: links, emphasis and code kept, nothing else."""
    if text is None:
        return Md("")
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", str(text))]
    return Md("\n\n".join(_notes_inline(p, True) for p in paragraphs if p))
