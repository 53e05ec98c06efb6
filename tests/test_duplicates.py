"""One work, one record: duplicates and near-duplicates are reported at the new file, naming the old one."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import GOOD_RECORD, write_catalog
from longctx_catalog.duplicates import title_key
from longctx_catalog.validate import load_catalog

# GOOD_RECORD (papers/yarn.yaml, added 2026-11-20): title on line 2, arxiv on 3, links.paper on 11.
OTHER = """\
id: {id}
title: '{title}'
{arxiv}authors: [Ada Lovelace]
date: 2024-01-02
tags: [rope-scaling]
links:
  {link}
tldr: Some other work.
added: {added}
"""


def other(id_: str, title: str = "A Different Work on Position Interpolation", arxiv: str = "'2401.00001'",
          link: str = "homepage: https://example.org/x", added: str = "2026-11-21") -> str:
    return OTHER.format(id=id_, title=title, arxiv=f"arxiv: {arxiv}\n" if arxiv else "", link=link, added=added)


def lines(root: Path) -> list[str]:
    """The duplicate diagnostics (LC21x) of the catalogue at ``root``."""
    _, diags = load_catalog(root)
    return [f"{d.location}: {d.severity}: [{d.code}] {d.message}" for d in diags if d.code.startswith("LC21")]


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x.org"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, timeout=60)


def test_a_new_file_not_yet_in_git_is_the_one_reported(tmp_path: Path) -> None:
    # "a-yarn" is read before "yarn" and has the older `added` date, but yarn.yaml is committed and a-yarn is not
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD})
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "main")
    (root / "papers" / "a-yarn.yaml").write_text(other("a-yarn", arxiv="'2309.00071v2'", added="2026-01-01"),
                                                 encoding="utf-8")
    (found,) = lines(root)
    assert found.startswith("papers/a-yarn.yaml:3:8: error: [LC212] this arXiv id is also used by papers/yarn.yaml "
                            "(id 'yarn'), which was there first; add your tags"), found

    # once both are committed, the later `added` date tells which one is new
    git(root, "add", "-A")
    git(root, "commit", "-qm", "second")
    (found,) = lines(root)
    assert found.startswith("papers/yarn.yaml:3:8: error: [LC212] this arXiv id is also used by "
                            "papers/a-yarn.yaml (id 'a-yarn')"), found


def test_without_git_the_later_added_record_is_reported(tmp_path: Path) -> None:
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD.replace("added: 2026-11-20", "added: 2026-11-22"),
                                          "zz-yarn": other("zz-yarn", arxiv="'2309.00071'", added="2026-11-01")})
    (found,) = lines(root)
    assert found.startswith("papers/yarn.yaml:3:8: error: [LC212] this arXiv id is also used by "
                            "papers/zz-yarn.yaml (id 'zz-yarn')"), found


def test_an_arxiv_id_given_only_in_links(tmp_path: Path) -> None:
    for key, url, col in (("paper", "https://arxiv.org/abs/2309.00071v3", 10),
                          ("pdf", "https://arxiv.org/pdf/2309.00071.pdf", 8)):
        root = write_catalog(tmp_path / key, {"yarn": GOOD_RECORD,
                                              "stretch": other("stretch", arxiv="", link=f"{key}: {url}")})
        found = [line for line in lines(root) if "[LC212]" in line]
        assert found == [f"papers/stretch.yaml:7:{col}: error: [LC212] the arXiv paper this link names (2309.00071) is "
                         "also used by papers/yarn.yaml (id 'yarn'), which was there first; add your tags, links or "
                         "TL;DR to that record and delete this file"], found


def test_the_same_doi(tmp_path: Path) -> None:
    first = other("routing", arxiv="'2003.05997'", link="paper: https://doi.org/10.1162/TACL_a_00353",
                  added="2026-11-01")
    second = other("routing-again", title="Content-Based Sparse Attention", arxiv="",
                   link="paper: https://dx.doi.org/10.1162/tacl_a_00353/", added="2026-11-21")
    root = write_catalog(tmp_path / "c", {"routing": first, "routing-again": second})
    found = [line for line in lines(root) if "[LC214]" in line]
    assert found == ["papers/routing-again.yaml:7:10: error: [LC214] the DOI 10.1162/tacl_a_00353 is also used by "
                     "papers/routing.yaml (id 'routing'), which was there first; add your tags, links or TL;DR to "
                     "that record and delete this file"], found


def test_titles_equal_after_case_punctuation_and_plurals(tmp_path: Path) -> None:
    assert title_key("YaRN: Efficient Context-Window Extensions of Large Language Model") == \
        title_key("yarn - efficient context window extension of large language models")
    assert title_key("Memories for Transformers") == title_key("memory for transformer")
    twin = other("yarn-copy", title="YARN - efficient context-window extensions of large language model",
                 arxiv="'2401.00001'")
    root = write_catalog(tmp_path / "c", {"yarn": GOOD_RECORD, "yarn-copy": twin})
    found = [line for line in lines(root) if "[LC213]" in line]
    assert found == ["papers/yarn-copy.yaml:2:8: error: [LC213] this title (ignoring case, punctuation and plurals) "
                     "is also used by papers/yarn.yaml (id 'yarn'), which was there first; add your tags, links or "
                     "TL;DR to that record and delete this file"], found


def test_a_very_similar_title_is_a_warning_naming_the_other_record(tmp_path: Path) -> None:
    for title in ("YaRN: Efficient Context Window Extension of Large Langauge Models",  # a typo
                  "YaRN: Efficient Context Window Extension of Language Models",  # a dropped word
                  "YaRN: Efficient Context Window Extension for Large Language Models"):  # another word
        typo = other("yarn-typo", title=title)
        root = write_catalog(tmp_path / str(len(title)), {"yarn": GOOD_RECORD, "yarn-typo": typo})
        assert lines(root) == [
            "papers/yarn-typo.yaml:2:8: warning: [LC215] this title is very like the title of papers/yarn.yaml "
            "(id 'yarn'): 'YaRN: Efficient Context Window Extension of Large Language Models'; if both are the same "
            "work, keep one record; if they differ, nothing to do"], title


def test_close_names_of_different_models_and_versions_are_not_flagged(tmp_path: Path) -> None:
    model = "id: {0}\nkind: model\ntitle: {1}\nmax_context: 16384\ntags: [rope-scaling]\nadded: 2026-11-01\n"
    root = write_catalog(tmp_path / "c", {
        "yarn": GOOD_RECORD,
        "codellama-13b": model.format("codellama-13b", "CodeLlama-13B"),
        "codellama-34b": model.format("codellama-34b", "CodeLlama-34B"),
        "v2": other("v2", title="YaRN 2: Efficient Context Window Extension of Large Language Models"),
        "yarn-ii": other("yarn-ii", title="YaRN II: Efficient Context Window Extension of Large Language Models",
                         arxiv="'2401.00002'"),  # a sequel, numbered in Roman
    })
    assert lines(root) == []
