"""The two markdown-escaping filters, checked by rendering for real.

Escaped text is rendered by both engines that show our pages — cmark-gfm (GitHub's
own parser, with raw HTML allowed so nothing is hidden by a sanitiser) and
Python-Markdown configured like an mkdocs-material site — and the HTML is parsed:
the text a reader sees must equal the input (whitespace collapsed), and no
element may appear that the input smuggled in.
"""

from __future__ import annotations

import contextlib
import io
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import markdown as pymd
import pytest
from cmarkgfm.cmark import Options
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from longctx_catalog.markdown import (
    Md,
    code_fence,
    escape_cell,
    escape_prose,
    md_url,
    notes_markdown,
    trusted_markdown,
)

REPO = Path(__file__).resolve().parents[1]

HOSTILE = [
    "a | b | c",
    "*emphasis* and **strong** and _under_ and __dunder__",
    "snake_case_name and 2*3*4",
    "`code` and ``double``",
    "[link](https://evil.example) and [ref][1] and ![img](x.png)",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<a href='javascript:alert(1)'>click</a>",
    "line one\nline two\n\n# not a heading\n- not a list\n> not a quote",
    "# heading?",
    "## closing hashes ##",
    "- dash start",
    "+ plus start",
    "1. numbered",
    "12) paren numbered",
    "=== setext?",
    '!!! note "an admonition"',
    "??? warning",
    "???+ tip open",
    "---",
    "***",
    "> quoted",
    "    indented code?",
    "~~strike~~ and ~sub~ and ^sup^ and ==mark== and ++ctrl+alt++",
    "$x^2$ and $$y$$",
    "Title {: onclick=\"alert(1)\" }",
    "Title { #id .class onclick=alert(1) }",
    "&lt;script&gt; &amp; &#124; &copy;",
    "back\\slash\\ and trailing\\",
    "trailing spaces for a hard break  \nnext",
    "tab\tseparated\tvalues",
    "control\x00chars\x07here\x1b[31m",
    "unicode line\u2028separator and\u2029paragraph",
    "https://example.org/a_b_c and www.example.com",
    "<https://autolink.example>",
    "[^1] footnote ref",
    "C# and C++ and F#",
    "LongLoRA: Efficient Fine-tuning of Long-Context LLMs (ICLR'24)",
    "",
]


def expected_text(text: str) -> str:
    kept = "".join(c for c in text if c.isspace() or c.isprintable())
    return " ".join(kept.split())


class _Html(HTMLParser):
    """Collects the element names, attributes and visible text of an HTML fragment.

    A bare URL in the text may be turned into a link by GFM's autolink extension
    (GitHub does the same); such a link shows exactly the URL, so it is allowed and
    left out of ``tags`` — any other link is reported.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self._href: str | None = None
        self._link_text = ""
        self._link_at = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._link_text = ""
            self._link_at = len(self.tags) - 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            text = self._link_text
            if self._href in (text, "http://" + text, "mailto:" + text):
                del self.tags[self._link_at]
                self.attrs.remove(("href", self._href))
            self._href = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._href is not None:
            self._link_text += data


def parse(html: str) -> _Html:
    parser = _Html()
    parser.feed(html)
    parser.close()
    return parser


def gfm(source: str) -> str:
    # No tagfilter and raw HTML allowed: anything the escaping lets through shows up.
    return cmarkgfm.markdown_to_html_with_extensions(
        source, options=Options.CMARK_OPT_UNSAFE, extensions=["table", "strikethrough", "autolink"]
    )


@cache
def site_markdown() -> tuple[list[str], dict[str, dict]]:
    """The Markdown extensions and their settings the site is built with: the repository's
    mkdocs.yml as MkDocs itself reads it (its defaults added), so this test cannot drift from it."""
    from mkdocs.config import load_config

    with contextlib.redirect_stderr(io.StringIO()):
        config = load_config(str(REPO / "mkdocs.yml"))
    return list(config["markdown_extensions"]), dict(config["mdx_configs"])


def mkdocs(source: str) -> str:
    extensions, configs = site_markdown()
    return pymd.Markdown(extensions=extensions, extension_configs=configs).convert(source)


def test_the_site_extensions_are_read_from_mkdocs_yml() -> None:
    import yaml

    extensions, _ = site_markdown()
    listed = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))["markdown_extensions"]
    names = [e if isinstance(e, str) else next(iter(e)) for e in listed]
    assert names and set(names) <= set(extensions)


ENGINES = {"gfm": gfm, "mkdocs": mkdocs}


def without_permalink(html: str) -> str:
    """The heading's own content: the site's toc extension (``permalink: true``) appends a
    ``¶`` link to the heading's id, which is the site's markup, not something the text smuggled in."""
    heading_id = re.search(r'<h\d id="([^"]*)"', html)
    if heading_id is None:
        return html
    link = f'<a class="headerlink" href="#{heading_id.group(1)}" title="Permanent link">&para;</a>'
    return html.replace(link, "", 1) if html.count(link) == 1 else html


def visible(html: str) -> str:
    return " ".join("".join(parse(html).text).split())


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", HOSTILE)
def test_prose_renders_literally_in_a_paragraph(engine: str, text: str) -> None:
    html = ENGINES[engine](f"Before.\n\n**TL;DR:** {escape_prose(text)}\n\nAfter.\n")
    doc = parse(html)
    assert doc.tags == ["p", "p", "strong", "p"], html
    assert not doc.attrs, html
    assert visible(html) == " ".join(f"Before. TL;DR: {expected_text(text)} After.".split())


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", HOSTILE)
def test_prose_renders_literally_as_a_whole_paragraph(engine: str, text: str) -> None:
    escaped = escape_prose(text)
    html = ENGINES[engine](f"{escaped}\n")
    doc = parse(html)
    assert doc.tags in ([], ["p"]), html
    assert not doc.attrs
    assert visible(html) == expected_text(text)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", HOSTILE)
def test_prose_renders_literally_in_headings_list_items_and_link_text(engine: str, text: str) -> None:
    escaped = escape_prose(text) or "x"
    wanted = expected_text(text) or "x"
    heading = parse(without_permalink(ENGINES[engine](f"#### {escaped}\n")))
    assert heading.tags == ["h4"]
    assert [name for name, _ in heading.attrs] in ([], ["id"])  # toc's id only: no attribute injection
    assert " ".join("".join(heading.text).split()) == wanted
    item = parse(ENGINES[engine](f"- {escaped}\n- second\n"))
    assert item.tags == ["ul", "li", "li"]
    assert " ".join("".join(item.text).split()) == f"{wanted} second"
    link = parse(ENGINES[engine](f"[{escaped}]({md_url('https://arxiv.org/abs/2309.00071')})\n"))
    assert link.tags == ["p", "a"]
    assert link.attrs == [("href", "https://arxiv.org/abs/2309.00071")]
    assert " ".join("".join(link.text).split()) == wanted


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", HOSTILE)
def test_cell_stays_one_cell(engine: str, text: str) -> None:
    source = f"| first | second |\n|---|---|\n| {escape_cell(text)} | after |\n"
    html = ENGINES[engine](source)
    doc = parse(html)
    assert doc.tags.count("td") == 2, html
    assert {t for t in doc.tags} <= {"table", "thead", "tbody", "tr", "th", "td"}, html
    assert [a for a in doc.attrs if a[0] != "style"] == []
    cells = _cell_texts(html)
    assert cells == ["first", "second", expected_text(text), "after"], html


def _cell_texts(html: str) -> list[str]:
    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.cells: list[str] = []
            self.inside = False

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag in ("td", "th"):
                self.cells.append("")
                self.inside = True

        def handle_endtag(self, tag: str) -> None:
            if tag in ("td", "th"):
                self.inside = False

        def handle_data(self, data: str) -> None:
            if self.inside:
                self.cells[-1] += data

    parser = Cells()
    parser.feed(html)
    return [" ".join(c.split()) for c in parser.cells]


def test_prose_keeps_pipes_readable_and_cells_escape_them() -> None:
    assert escape_prose("a | b") == "a | b"
    assert escape_cell("a | b") == "a \\| b"


def test_escaping_is_plain_for_ordinary_titles() -> None:
    title = "YaRN: Efficient Context Window Extension of Large Language Models"
    assert escape_prose(title) == title
    assert isinstance(escape_prose(title), Md)
    assert escape_prose(None) == ""


_MARKDOWN_HEAVY = st.lists(
    st.sampled_from(
        [
            *"ab 1.-+=*_`[]()!#|<>&;~^$\\{}:@'\"\n\t/",
            *("&amp;", "&#124;", "<b>", "</b>", "http://x.y/a_b", "www.x.org", "a@b.cd", "<!--", "-->"),
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MARKDOWN_HEAVY)
def test_any_text_renders_literally_in_both_engines(text: str) -> None:
    for render in ENGINES.values():
        para = parse(render(f"x {escape_prose(text)}\n"))
        assert para.tags == ["p"] and not para.attrs
        assert " ".join("".join(para.text).split()) == " ".join(f"x {expected_text(text)}".split())
        cells = _cell_texts(render(f"| h | i |\n|---|---|\n| {escape_cell(text)} | z |\n"))
        assert cells == ["h", "i", expected_text(text), "z"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2309.00071", "https://arxiv.org/abs/2309.00071"),
        ("https://example.org/a(b)c", "https://example.org/a%28b%29c"),
        ("https://example.org/a|b", "https://example.org/a%7Cb"),
        ("https://example.org/a b", "https://example.org/a%20b"),
        ("https://example.org/x?q=1&r=%20", "https://example.org/x?q=1&r=%20"),
        ("https://example.org/<script>", "https://example.org/%3Cscript%3E"),
        ("javascript:alert(1)", ""),
        ("data:text/html,<b>", ""),
        ("ftp://example.org/x", ""),
        (None, ""),
    ],
)
def test_md_url(url: str | None, expected: str) -> None:
    assert md_url(url) == expected


@pytest.mark.parametrize("engine", ENGINES)
def test_url_with_hostile_characters_stays_one_link_in_a_cell(engine: str) -> None:
    url = md_url("https://example.org/a)|b<c>\"d'e")
    html = ENGINES[engine](f"| h |\n|---|\n| [x]({url}) |\n")
    doc = parse(html)
    assert doc.tags.count("td") == 1 and doc.tags.count("a") == 1
    assert ("href", "https://example.org/a%29%7Cb%3Cc%3E%22d%27e") in doc.attrs


@pytest.mark.parametrize("engine", ENGINES)
def test_code_fence_cannot_be_closed_or_escaped_by_its_body(engine: str) -> None:
    body = "@misc{x,\n  title = {```\n<script>alert(1)</script>\n````}\n}"
    html = ENGINES[engine](f"<details><summary>citation</summary>\n\n{code_fence(body, 'bibtex')}\n\n</details>\n")
    doc = parse(html)
    assert "script" not in doc.tags
    assert doc.tags.count("pre") == 1
    assert "<script>alert(1)</script>" in "".join(doc.text)


def test_trusted_markdown_keeps_markdown_but_not_html() -> None:
    out = trusted_markdown("Uses **bold** and <b>tags</b>")
    html = gfm(out)
    assert parse(html).tags == ["p", "strong"]


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=30), st.booleans())
def test_translation_is_skipped_only_when_it_would_change_nothing(text: str, cell: bool) -> None:
    # _escape_str translates only text with a character its tables change (a speed-up),
    # which is the same as translating every text exactly when this holds.
    from longctx_catalog import markdown

    plain = " ".join(text.split())
    table = markdown._CELL_TABLE if cell else markdown._TABLE
    assert (plain.translate(table) != plain) <= bool(markdown._NEEDS_TABLE.search(plain))


# ---------------------------------------------------------------------------------
# notes: inline markdown kept (links, emphasis, code), nothing else


@pytest.mark.parametrize("engine", ENGINES)
def test_notes_keep_links_emphasis_and_code(engine: str) -> None:
    notes = ("Pairs with a [Triton tutorial\nnotebook](https://github.com/a/b/blob/main/tutorial_triton.ipynb),\n"
             "*derivations* and **proofs**; run `pip install x<2`.\n\nSecond paragraph, see https://example.org/a_b.")
    html = ENGINES[engine](notes_markdown(notes) + "\n")
    doc = parse(html)
    # (parse() leaves out a link that shows exactly its URL, like the bare one here)
    assert doc.tags == ["p", "a", "em", "strong", "code", "p"], html
    assert re.findall(r'href="([^"]*)"', html) == [
        "https://github.com/a/b/blob/main/tutorial_triton.ipynb", "https://example.org/a_b"]
    assert visible(html) == ("Pairs with a Triton tutorial notebook, derivations and proofs; run pip install x<2. "
                             "Second paragraph, see https://example.org/a_b.")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", HOSTILE)
def test_notes_let_no_html_images_or_blocks_through(engine: str, text: str) -> None:
    html = ENGINES[engine](notes_markdown(text) + "\n")
    doc = parse(html)
    allowed = {"p", "a", "em", "strong", "code"}
    assert set(doc.tags) <= allowed, html
    assert {name for name, _ in doc.attrs} <= {"href"}, html
    assert all(value and value.startswith(("http://", "https://")) for name, value in doc.attrs), html


@pytest.mark.parametrize("engine", ENGINES)
def test_notes_drop_unsafe_link_targets_and_images(engine: str) -> None:
    html = ENGINES[engine](notes_markdown("[evil](javascript:alert(1)) then ![img](https://x.example/i.png)") + "\n")
    doc = parse(html)
    assert "img" not in doc.tags and ("href", "javascript:alert(1)") not in doc.attrs, html
    assert visible(html) == "evil then ![img](https://x.example/i.png)" or visible(html) == "evil then !img"
