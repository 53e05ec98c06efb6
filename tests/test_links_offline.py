"""`longctx links` without the network: each offline rule, located at the URL itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import GOOD_RECORD
from longctx_catalog.cli import cli
from longctx_catalog.diagnostics import CODES, Diagnostic
from longctx_catalog.links import check_offline, collect_urls


def where(root: Path, name: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """Line and column (1-based) of the ``nth`` occurrence of ``needle`` in papers/<name>.yaml."""
    text = (root / "papers" / f"{name}.yaml").read_text(encoding="utf-8")
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def record(rid: str, *, arxiv: str | None = "2309.00071", kind: str = "paper", links: str = "", code: str = "",
           extra: str = "") -> str:
    """A minimal valid record; ``links``/``code`` are YAML lines indented under their keys."""
    lines = [f"id: {rid}", f"title: Title of {rid}"]
    if kind != "paper":
        lines.append(f"kind: {kind}")
    if arxiv:
        lines.append(f"arxiv: '{arxiv}'")
    lines.append("tags: [rope-scaling]")
    if links:
        lines.append("links:\n" + links.rstrip("\n"))
    if code:
        lines.append("code:\n" + code.rstrip("\n"))
    if kind == "model":
        lines.append("max_context: 32000")
    lines.append("tldr: A record made for a link test.")
    lines.append("added: 2026-11-20")
    return "\n".join(lines) + "\n" + extra


def findings(root: Path) -> list[Diagnostic]:
    refs, _ = collect_urls(root)
    return check_offline(refs)


def only(diags: list[Diagnostic], path: str) -> list[tuple[int, int, str, str]]:
    return sorted((d.location.line, d.location.column, d.code, str(d.severity))
                  for d in diags if d.location.path == path)


def test_the_good_record_has_no_findings(make_catalog) -> None:
    root = make_catalog({"yarn": GOOD_RECORD})
    refs, n = collect_urls(root)
    assert n == 1
    assert {r.url for r in refs} == {"https://arxiv.org/abs/2309.00071", "https://github.com/jquesnelle/yarn"}
    assert findings(root) == []


@pytest.mark.parametrize(
    ("url", "fixed"),
    [
        ("https://https://github.com/a/b", "https://github.com/a/b"),
        ("https://http//github.com/a/b", "http://github.com/a/b"),
        ("https:/github.com/a/b", "https://github.com/a/b"),
        ("https:///github.com/a/b", "https://github.com/a/b"),
        ("http//github.com/a/b", "http://github.com/a/b"),
        ("htps://github.com/a/b", "https://github.com/a/b"),
        ("htttps://github.com/a/b", "https://github.com/a/b"),
    ],
)
def test_obvious_typos_are_errors_that_say_the_fix(make_catalog, url: str, fixed: str) -> None:
    root = make_catalog({"r": record("r", code=f"  - url: {url}\n    official: true\n")})
    (diag,) = findings(root)
    assert diag.code == "LC902" and diag.is_error
    assert (diag.location.line, diag.location.column) == where(root, "r", url)
    assert diag.message.endswith(f"write {fixed}")
    assert diag.message.startswith("code[0].url: ")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://example.org/file", "must start with https://"),
        ("example.org/page", "must start with https://"),
        ("https://exa mple.org/x", "spaces"),
        ("https://example.org:99999/x", "not a valid URL"),
        ("https:///", "no host name"),
        ("https://exa_mple.org/x", "invalid host name"),
        ("https://localhost-only/x", "invalid host name"),
    ],
)
def test_malformed_urls_are_errors(make_catalog, url: str, words: str) -> None:
    root = make_catalog({"r": record("r", links=f"  blog: '{url}'\n")})
    (diag,) = findings(root)
    assert diag.code == "LC901" and diag.is_error, diag
    assert words in diag.message
    line, col = where(root, "r", url)
    assert (diag.location.line, diag.location.column) == (line, col)  # inside the quotes, at the URL


def test_github_urls_must_name_a_repository_where_one_is_needed(make_catalog) -> None:
    root = make_catalog({
        "r": record("r", links="  github: https://github.com/sponsors/someone\n"
                               "  blog: https://github.com/someone\n"
                               "  doc: https://github.com/someone/repo/blob/main/README.md\n",
                    code="  - url: https://github.com/jquesnelle\n    official: true\n"
                         "  - url: https://github.com/-bad-/repo\n    official: false\n"
                         "  - url: https://github.com/good/repo.git\n    official: false\n"),
    })
    diags = findings(root)
    assert only(diags, "papers/r.yaml") == sorted([
        (*where(root, "r", "https://github.com/sponsors"), "LC905", "error"),
        (*where(root, "r", "https://github.com/jquesnelle"), "LC905", "error"),
        (*where(root, "r", "https://github.com/-bad-"), "LC905", "error"),
    ])
    by_line = {d.location.line: d.message for d in diags}
    assert "GitHub site page" in by_line[where(root, "r", "sponsors")[0]]
    assert "user or organisation page" in by_line[where(root, "r", "github.com/jquesnelle")[0]]
    assert "'-bad-' is not a valid GitHub user" in by_line[where(root, "r", "-bad-")[0]]


def test_huggingface_urls(make_catalog) -> None:
    root = make_catalog({
        "m": record("m", kind="model", arxiv=None,
                    links="  huggingface: https://huggingface.co/THUDM\n"
                          "  homepage: https://huggingface.co/codellama\n"
                          "  doc: https://huggingface.co/docs/transformers\n"),
        "d": record("d", kind="dataset", arxiv=None, links="  huggingface: https://huggingface.co/datasets/squad\n"),
        "e": record("e", kind="dataset", arxiv=None,
                    links="  huggingface: https://huggingface.co/datasets/org/name\n"
                          "  demo: https://huggingface.co/spaces/org/app\n"),
        "b": record("b", arxiv=None, links="  huggingface: https://huggingface.co/blog/long-context\n"),
    })
    diags = findings(root)
    assert only(diags, "papers/m.yaml") == [(*where(root, "m", "https://huggingface.co/THUDM"), "LC906", "error")]
    assert "organisation page" in next(d.message for d in diags if d.location.path == "papers/m.yaml")
    # a dataset without its organisation still redirects: a warning, not a failure
    assert only(diags, "papers/d.yaml") == [(*where(root, "d", "https://"), "LC906", "warning")]
    assert only(diags, "papers/e.yaml") == []
    assert only(diags, "papers/b.yaml") == [(*where(root, "b", "https://"), "LC906", "error")]


def test_arxiv_urls_must_agree_with_the_record(make_catalog) -> None:
    bib = ("bibtex: |-\n  @misc{x,\n    title={X},\n    url={https://arxiv.org/abs/2310.06825}\n  }\n")
    notes = "notes: Builds on [ALiBi](https://arxiv.org/abs/2108.12409) and more.\n"
    root = make_catalog({
        "r": record("r", arxiv="2309.00071v2",
                    links="  paper: https://arxiv.org/abs/2309.00071v3\n"
                          "  pdf: https://arxiv.org/pdf/2309.00072.pdf\n"
                          "  slides: https://arxiv.org/abs/2309.0007\n",
                    extra=bib + notes),
    })
    diags = findings(root)
    assert only(diags, "papers/r.yaml") == sorted([
        (*where(root, "r", "https://arxiv.org/pdf/2309.00072"), "LC907", "error"),
        (*where(root, "r", "https://arxiv.org/abs/2309.0007\n"), "LC907", "error"),
        (*where(root, "r", "https://arxiv.org/abs/2310.06825"), "LC907", "error"),
    ])
    messages = " ".join(d.message for d in diags)
    assert "is arXiv 2309.00072 but this record's arxiv is 2309.00071" in messages
    assert "names no valid arXiv id" in messages
    assert "bibtex: https://arxiv.org/abs/2310.06825" in messages  # the bibtex URL, located in the block


def test_a_paper_linking_arxiv_without_an_arxiv_field_is_told_to_add_it(make_catalog) -> None:
    root = make_catalog({
        "p": record("p", arxiv=None, links="  paper: https://arxiv.org/abs/2309.00071\n"),
        # a model links the paper about it; it is not that paper, so no advice to copy the id
        "m": record("m", kind="model", arxiv=None, links="  paper: https://arxiv.org/abs/2309.00071\n"),
    })
    diags = findings(root)
    (diag,) = diags
    assert diag.code == "LC908" and not diag.is_error and diag.location.path == "papers/p.yaml"
    assert "arxiv: '2309.00071'" in diag.message


def test_duplicates_within_a_record(make_catalog) -> None:
    root = make_catalog({
        "r": record("r", links="  paper: https://arxiv.org/abs/2309.00071\n"
                               "  project: https://example.org/yarn\n"
                               "  blog: https://www.example.org/yarn/\n",
                    code="  - url: https://github.com/a/b\n    official: true\n"),
        # the same URL in two *different* records is fine
        "s": record("s", arxiv="2310.06825", links="  project: https://example.org/yarn\n"),
    })
    (diag,) = findings(root)
    assert diag.code == "LC909" and diag.location.path == "papers/r.yaml"
    assert (diag.location.line, diag.location.column) == where(root, "r", "https://www.example.org")
    assert "already given as links.project (line 7)" in diag.message


def test_host_typos_and_plain_http_are_warnings(make_catalog) -> None:
    root = make_catalog({
        "r": record("r", links="  blog: https://githib.com/a/b\n"
                               "  project: https://someone.github.io/yarn\n"
                               "  doc: http://arxiv.org/abs/2309.00071\n"
                               "  demo: http://example.org/demo\n"),
    })
    got = only(findings(root), "papers/r.yaml")
    assert got == sorted([
        (*where(root, "r", "https://githib"), "LC903", "warning"),
        (*where(root, "r", "http://arxiv"), "LC904", "warning"),
    ])


def test_text_urls_are_found_and_unescaped(make_catalog) -> None:
    extra = ('notes: |-\n  See [the thread](https://example.org/a_(b)) and https://example.org/c.\n'
             'bibtex: |-\n  @misc{x,\n    howpublished = "\\url{https://example.org/d\\_e}"\n  }\n')
    root = make_catalog({"r": record("r", extra=extra)})
    refs, _ = collect_urls(root)
    text_refs = {(r.field, r.url): (r.location.line, r.location.column) for r in refs if r.in_text}
    assert text_refs == {
        ("notes", "https://example.org/a_(b)"): where(root, "r", "https://example.org/a_"),
        ("notes", "https://example.org/c"): where(root, "r", "https://example.org/c"),
        ("bibtex", "https://example.org/d_e"): where(root, "r", "https://example.org/d"),
    }


def test_unparseable_records_are_skipped_not_fatal(make_catalog) -> None:
    root = make_catalog({"yarn": GOOD_RECORD, "broken": "id: broken\ntags: [a\n"})
    refs, n = collect_urls(root)
    assert n == 2 and len(refs) == 2


def test_new_codes_are_in_the_shared_table() -> None:
    links_codes = [c for c in CODES if c.startswith("LC9")]
    assert links_codes == ["LC901", "LC902", "LC903", "LC904", "LC905", "LC906", "LC907", "LC908", "LC909",
                           "LC911", "LC912", "LC913", "LC914"]
    assert len({CODES[c][0] for c in CODES}) == len(CODES)  # symbols unique


# -- the command


def invoke(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--root", str(root), "links", *args], catch_exceptions=False)


def test_cli_exit_codes_and_formats(make_catalog) -> None:
    root = make_catalog({
        "bad": record("bad", code="  - url: https://https://github.com/a/b\n    official: true\n"),
        "warn": record("warn", arxiv="2310.06825", links="  doc: http://arxiv.org/abs/2310.06825\n"),
    })
    result = invoke(root)
    assert result.exit_code == 1
    line, col = where(root, "bad", "https://https")
    assert result.stdout.splitlines()[0].startswith(f"papers/bad.yaml:{line}:{col}: error: code[0].url: ")
    assert "2 records checked: 1 error, 1 warning." in result.stderr

    data = json.loads(invoke(root, "--format", "json").stdout)
    assert [(d["path"], d["code"], d["severity"]) for d in data] == [
        ("papers/bad.yaml", "LC902", "error"), ("papers/warn.yaml", "LC904", "warning")]

    gh = invoke(root, "--format", "github").stdout.splitlines()
    assert gh[0].startswith(f"::error file=papers/bad.yaml,line={line},col={col},title=LC902 link-typo::")
    assert gh[1].startswith("::warning file=papers/warn.yaml,")

    only_warn = invoke(root, str(root / "papers" / "warn.yaml"))
    assert only_warn.exit_code == 0 and "1 record checked: 0 errors, 1 warning." in only_warn.stderr
    assert invoke(root, "--strict", str(root / "papers" / "warn.yaml")).exit_code == 1


def test_cli_refuses_files_outside_the_catalogue(make_catalog, tmp_path: Path) -> None:
    root = make_catalog()
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("id: x\n", encoding="utf-8")
    result = invoke(root, str(outside))
    assert result.exit_code == 2 and "not inside the catalogue" in result.output
    assert invoke(root, str(root / "papers" / "nope.yaml")).exit_code == 2
