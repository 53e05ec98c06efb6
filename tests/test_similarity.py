"""The catalogue's text model (similarity.py) on small catalogues written for each test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import write_catalog
from longctx_catalog import textvec
from longctx_catalog.similarity import Index
from longctx_catalog.textvec import Csr, TfidfVectorizer, normalize
from longctx_catalog.validate import load_catalog


def record(rid: str, title: str, tags: str, tldr: str) -> str:
    return f"id: {rid}\ntitle: {title}\ntags: [{tags}]\ntldr: {tldr}\nadded: 2026-01-01\n"


RECORDS = {
    "rope-a": record("rope-a", "Rotary Position Scaling", "rope-scaling",
                     "Rescales rotary position embeddings so the context window grows."),
    "rope-b": record("rope-b", "Interpolating Rotary Positions", "rope-scaling",
                     "Interpolates rotary positions into the trained range to extend the context window."),
    "hay": record("hay", "A Haystack Benchmark", "datasets", "Hides needles in long documents for retrieval."),
    "window": record("window", "Windowed Attention", "sparse-attention",
                     "Each token attends to a sliding window, so attention cost is linear in sequence length."),
}


def catalogue(tmp_path: Path, records: dict[str, str] = RECORDS):  # type: ignore[no-untyped-def]
    catalog, diags = load_catalog(write_catalog(tmp_path / "c", records))
    assert not [d for d in diags if d.is_error]
    return catalog


def test_tags_are_suggested_best_first_with_confidences(tmp_path: Path) -> None:
    index = Index(catalogue(tmp_path))
    rope, hay, other = index.suggest_tags([
        "Scaling rotary position embeddings to extend the context window",
        "Needles hidden in long documents: a retrieval benchmark",
        "zebra",
    ])
    assert rope[0].node == "rope-scaling" and hay[0].node == "datasets"
    for found in (rope, hay):
        assert 1 <= len(found) <= 3
        confidences = [s.confidence for s in found]
        assert confidences == sorted(confidences, reverse=True) and all(0 < c < 1 for c in confidences)
    assert other == []  # no word the catalogue knows: nothing to suggest


def test_leaving_a_record_out_removes_its_vote(tmp_path: Path) -> None:
    catalog = catalogue(tmp_path)
    text = "A Haystack Benchmark: needles in long documents"
    assert Index(catalog).suggest_tags([text])[0][0].node == "datasets"
    without = Index(catalog, exclude=["hay"])
    assert all(r.id != "hay" for r in without.records)
    # Only the node's own words ("Evaluation › Datasets") are left to vote for it.
    before = {s.node: s.confidence for s in Index(catalog).suggest_tags([text])[0]}
    after = {s.node: s.confidence for s in without.suggest_tags([text])[0]}
    assert after.get("datasets", 0) < before["datasets"]


def test_scope_scores_rank_catalogue_like_texts_first(tmp_path: Path) -> None:
    index = Index(catalogue(tmp_path))
    listing = [
        "Diffusion models for image synthesis",
        "Extending the context window with rotary position interpolation",
        "Reinforcement learning for robot locomotion",
        "Sliding window attention for long sequences",
        "Graph networks for molecules",
    ]
    scores = [a.score for a in index.assess(listing)]
    assert all(0 <= s <= 1 for s in scores)
    on_topic = {1, 3}
    assert set(sorted(range(5), key=lambda i: -scores[i])[:2]) == on_topic
    assert index.assess(listing) == index.assess(listing)  # deterministic
    assert len(index.assess(listing[:1])) == 1 and index.assess([]) == []


def test_on_topic_papers_rank_first_even_when_they_are_a_large_share_of_the_listing(tmp_path: Path) -> None:
    # Five of eleven are on topic: compared with every other paper, "context" and "window"
    # look ordinary and "attention" in a protein paper outranks an on-topic title. The second
    # pass leaves the most catalogue-like share out of the background (fails without it).
    index = Index(catalogue(tmp_path))
    on_topic = ["Extending the context window of rotary position embeddings by interpolation",
                "Rotary position scaling for a longer context window",
                "Sliding window attention makes long sequence attention linear",
                "A haystack benchmark of needles in long documents",
                "Interpolating positions to extend the context window"]
    off_topic = ["Diffusion models for image synthesis", "Robot locomotion by reinforcement learning",
                 "Graph networks for molecules", "Position paper: the window of opportunity for fair machine learning",
                 "Speech recognition with transformers", "Protein folding with attention"]
    scores = [a.score for a in index.assess(on_topic + off_topic)]
    assert min(scores[:5]) > max(scores[5:])


def test_a_title_counts_again_on_its_own(tmp_path: Path) -> None:
    index = Index(catalogue(tmp_path))
    abstract = "We study a method and report results on several tasks with a new model."
    titles = ["Rotary position scaling for a longer context window", "Robot locomotion by reinforcement learning"]
    texts = [f"{t} {abstract}" for t in titles] + ["Graph networks for molecules", "Speech recognition"]
    with_titles = [a.score for a in index.assess(texts, titles=titles + texts[2:])]
    without = [a.score for a in index.assess(texts)]
    # Both papers say the same in their abstracts: counting the titles again widens the gap
    # between the on-topic one and the off-topic one.
    assert with_titles[0] > with_titles[1]
    assert with_titles[0] - with_titles[1] > without[0] - without[1]


def test_related_lists_the_closest_records_and_never_itself(tmp_path: Path) -> None:
    catalog = catalogue(tmp_path)
    index = Index(catalog, abstracts=False)
    related = index.related(catalog.by_id["rope-a"], 3)
    assert related[0].id == "rope-b"
    assert all(r.id != "rope-a" for r in related)
    assert index.all_related(3) == Index(catalog, abstracts=False).all_related(3)


def test_an_empty_catalogue_suggests_nothing_and_does_not_fail(tmp_path: Path) -> None:
    index = Index(catalogue(tmp_path, {}))
    assert index.records == []
    assessed = index.assess(["anything at all"])
    assert len(assessed) == 1 and 0 <= assessed[0].score <= 1
    assert index.all_related(5) == {}


WORDS = ["the", "long", "Context", "window", "attention's", "KV-cache", "RoPE", "rope", "128k", "x", "é", "naïve",
         "über", "2023", "of", "is", "model", "models", "LLMs", "a_b", "ΔΣ", "途径"]
TEXT = st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(TEXT, min_size=1, max_size=8), queries=st.lists(TEXT, max_size=4))
def test_textvec_weighs_words_exactly_as_scikit_learn(texts: list[str], queries: list[str]) -> None:
    """textvec.py writes out scikit-learn's TF-IDF (its import cost each build a second): same columns, same numbers."""
    from sklearn.feature_extraction.text import TfidfVectorizer as Reference

    reference = Reference(sublinear_tf=True, stop_words="english", dtype=np.float64)
    ours = TfidfVectorizer()
    try:
        expected = reference.fit_transform(texts)
    except ValueError:  # no words at all: both refuse
        try:
            ours.fit_transform(texts)
        except ValueError:
            return
        raise AssertionError("textvec fitted texts without words") from None
    assert ours.fit_transform(texts).toarray() == pytest.approx(expected.toarray(), abs=1e-12)
    assert ours.vocabulary_ == reference.vocabulary_
    if queries:
        assert ours.transform(queries).toarray() == pytest.approx(
            reference.transform(queries).toarray(), abs=1e-12)


def _sparse(draw, rows: int, cols: int, dtype: type) -> tuple[Csr, object]:  # type: ignore[no-untyped-def]
    """A random sparse matrix as a Csr and as SciPy's (numpy draws the values: denser than hypothesis would)."""
    from scipy import sparse

    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dense = rng.uniform(0.001, 10.0, (rows, cols)) * (rng.random((rows, cols)) < draw(st.floats(0.0, 1.0)))
    reference = sparse.csr_matrix(dense.astype(dtype))
    ours = Csr(reference.data.copy(), reference.indices.astype(np.int64), reference.indptr.astype(np.int64),
               (rows, cols))
    return ours, reference


@st.composite
def _products(draw, **_: object):  # type: ignore[no-untyped-def]
    rows, inner, cols = draw(st.integers(0, 6)), draw(st.integers(0, 40)), draw(st.integers(0, 6))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return _sparse(draw, rows, inner, dtype), _sparse(draw, cols, inner, dtype)


@settings(max_examples=150, deadline=None)
@given(pair=_products(), pairs_at_once=st.sampled_from([1, 3, 4_000_000]))
def test_csr_sums_are_scipys_bit_for_bit(pair, pairs_at_once: int) -> None:  # type: ignore[no-untyped-def]
    """textvec.Csr stands in for SciPy's sparse matrices (whose import cost every build 0.12 s): every
    operation "Related", tag suggestions and scope scores use gives SciPy's numbers exactly, however
    the product is cut into steps."""
    (a, a_ref), (b, b_ref) = pair
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(textvec, "PAIRS_AT_ONCE", pairs_at_once)
        product = a.dot(b.transpose())
    expected = (a_ref @ b_ref.T).toarray()
    assert product.dtype == expected.dtype and product.tobytes() == expected.tobytes()
    assert np.array_equal(a.toarray(), a_ref.toarray())
    assert normalize(a).toarray().tobytes() == _scipy_normalize(a_ref).toarray().tobytes()
    assert np.array_equal(a.column_counts(), np.asarray((a_ref > 0).sum(axis=0)).ravel())
    weights = np.arange(1.0, a.shape[0] + 1)
    assert a.present().t_dot(weights).tobytes() == np.asarray(
        (a_ref > 0).astype(np.float64).T @ weights).ravel().tobytes()
    keep = np.arange(0, a.shape[1], 2)
    assert np.array_equal(a.columns(keep).toarray(), a_ref[:, keep].toarray())
    if a.shape[0]:
        assert np.array_equal(a.rows(1, a.shape[0]).toarray(), a_ref[1:].toarray())


def _scipy_normalize(matrix):  # type: ignore[no-untyped-def]
    """What textvec.normalize did with SciPy: each row's squares summed by SciPy, then divided."""
    from scipy import sparse

    rows = sparse.csr_matrix(matrix, dtype=np.float64, copy=True)
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    rows.data /= np.repeat(norms, np.diff(rows.indptr))
    return rows
