"""Which records, taxonomy nodes and arXiv listings are alike: one text model fitted on the catalogue.

The only module that imports scikit-learn. Everything is fitted from the catalogue as
it is on disk — record titles, TL;DRs and cached arXiv abstracts, taxonomy titles and
descriptions — so nothing is downloaded, and the same inputs give the same numbers.
Three questions are answered here, for three users:

- :meth:`Index.suggest_tags` — which taxonomy nodes a new text belongs to (``discover``,
  ``add`` / ``new`` without ``--tag``). The nearest records vote for their tags,
  weighted by similarity, and the nodes' own words add a vote, so a node with no
  records yet can still be suggested.
- :meth:`Index.related` — the records most like a record (the "Related" list on its
  page): text similarity first, shared tags as a tie-breaking nudge.
- :meth:`Index.assess` — how far each of a batch of new texts (an arXiv listing) is
  inside the catalogue's scope. Nearest-neighbour similarity is fooled by words every
  paper uses ("large language models"), so this is a naive-Bayes log-odds of each
  word between the catalogue and the listing itself: a listing of arXiv categories is
  mostly *not* long-context work, so it is a fair sample of what is ordinary. Each
  candidate is left out of the background it is compared with, and the score is the
  mean of its three most telling words, squashed into 0–1.

Why scikit-learn: its vectorisers give tokenising, stop words, n-grams, TF-IDF and
sparse matrices in one well-kept dependency, fast enough for 2,000 × 2,000 in a
fraction of a second (benchmarks/bench_discover.py); the scoring itself is a few
lines of numpy on top.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .model import Catalog, Record, TaxonomyNode

NEIGHBOURS = 10  # records that vote on a text's tags
NODE_WEIGHT = 0.5  # weight of a node's own words against the records' votes
SHARED_TAG_BONUS = 0.05  # "Related": a shared tag adds this much to the text similarity
SCOPE_SMOOTHING = 2.0  # pseudo-documents for the word log-odds; keeps rare words from dominating
SCOPE_WORDS = 3  # a candidate is judged by its most telling words


@dataclass(frozen=True)
class Suggestion:
    """A taxonomy node suggested for a text, with its share of the votes (0–1)."""

    node: str
    confidence: float


@dataclass(frozen=True)
class Assessment:
    """How a new text relates to the catalogue: scope score (0–1) and suggested nodes, best first."""

    score: float
    tags: tuple[Suggestion, ...]


def record_text(record: Record) -> str:
    """What a record says about itself: title, TL;DR and the cached arXiv abstract."""
    abstract = record.arxiv_meta.abstract if record.arxiv_meta else None
    return " ".join(part for part in (record.title, record.tldr, abstract) if part)


def node_text(node: TaxonomyNode) -> str:
    """A node's words: its own and its ancestors' titles, and its description."""
    titles = " ".join(n.title for n in node.lineage())
    return f"{titles} {node.id.replace('-', ' ')} {node.description or ''}"


def _tfidf() -> TfidfVectorizer:
    return TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float64)


class Index:
    """TF-IDF vectors of the catalogue's records and taxonomy nodes, fitted once per run.

    ``exclude`` leaves records out of the fit (leave-one-out measurements).
    """

    def __init__(self, catalog: Catalog, exclude: Iterable[str] = ()) -> None:
        skip = set(exclude)
        taxonomy = catalog.taxonomy
        self.records = [r for r in sorted(catalog.records, key=lambda r: r.id) if r.id not in skip]
        self.nodes = list(taxonomy.nodes)
        self.node_order = {node_id: i for i, node_id in enumerate(self.nodes)}
        self._position = {r.id: i for i, r in enumerate(self.records)}
        texts = [record_text(r) for r in self.records] + [node_text(n) for n in taxonomy.nodes.values()]
        self.vectorizer = _tfidf()
        try:
            matrix = self.vectorizer.fit_transform(texts)
        except ValueError:  # no words at all (an empty catalogue): nothing is similar to anything
            self.vectorizer = None
            matrix = None
        self._inside = np.asarray((matrix > 0).sum(axis=0)).ravel() if matrix is not None else np.zeros(0)
        self._n_inside = len(texts)
        self._records = matrix[: len(self.records)] if matrix is not None else None
        self._nodes = matrix[len(self.records):] if matrix is not None else None
        # Which nodes each record is tagged with, as a records × nodes matrix (1/len(tags) each,
        # so a record tagged three ways votes as much as one tagged once).
        tags = np.zeros((len(self.records), len(self.nodes)))
        for i, record in enumerate(self.records):
            known = [self.node_order[t] for t in dict.fromkeys(record.tags) if t in self.node_order]
            for j in known:
                tags[i, j] = 1.0 / len(known)
        self._tags = tags

    def _vectors(self, texts: Sequence[str]) -> Any:
        assert self.vectorizer is not None
        return self.vectorizer.transform(list(texts))

    def assess(self, texts: Sequence[str], limit: int = 3) -> list[Assessment]:
        """Scope score and suggested nodes for each text of a listing (see :func:`_scope`)."""
        if self.vectorizer is None or not texts:
            return [Assessment(0.5, ()) for _ in texts]
        queries = self._vectors(texts)
        scores = _scope(self._inside, self._n_inside, queries)
        tags = self._suggest(queries, limit)
        return [Assessment(score, tuple(t)) for score, t in zip(scores, tags, strict=True)]

    def suggest_tags(self, texts: Sequence[str], limit: int = 3) -> list[list[Suggestion]]:
        """Up to ``limit`` nodes for each text, best first; confidences are shares of all votes."""
        if self.vectorizer is None or not self.nodes or not texts:
            return [[] for _ in texts]
        return self._suggest(self._vectors(texts), limit)

    def _suggest(self, queries: Any, limit: int) -> list[list[Suggestion]]:
        if not self.nodes:
            return [[] for _ in range(queries.shape[0])]
        votes = NODE_WEIGHT * (queries @ self._nodes.T).toarray()
        if self.records:
            sims = (queries @ self._records.T).toarray()
            k = min(NEIGHBOURS, sims.shape[1])
            # Keep each text's k nearest records; argsort is stable, so equal sims go by record id.
            # (argpartition picks them in linear time; which of several equal sims at the edge is kept
            # follows numpy's deterministic selection, so the same input always gives the same votes).
            order = np.argpartition(-sims, k - 1, axis=1)[:, :k] if k < sims.shape[1] else None
            if order is None:
                near = sims
            else:
                near = np.zeros_like(sims)
                rows = np.arange(sims.shape[0])[:, None]
                near[rows, order] = sims[rows, order]
            votes += near @ self._tags
        totals = votes.sum(axis=1, keepdims=True)
        shares = np.divide(votes, totals, out=np.zeros_like(votes), where=totals > 0)
        # Best first; a stable sort on the negated shares keeps equal ones in taxonomy order.
        best = np.argsort(-shares, axis=1, kind="stable")[:, :limit]
        picked = np.take_along_axis(shares, best, axis=1).round(3)
        return [[Suggestion(self.nodes[j], share) for j, share in zip(row_nodes, row_shares, strict=True)
                 if share > 0]
                for row_nodes, row_shares in zip(best.tolist(), picked.tolist(), strict=True)]

    def related(self, record: Record, limit: int) -> list[Record]:
        """The ``limit`` records most like ``record`` (not itself), best first; ties by id."""
        i = self._position.get(record.id)
        if i is None or self._records is None or limit <= 0:
            return []
        sims = (self._records @ self._records[i].T).toarray().ravel()
        sims += SHARED_TAG_BONUS * ((self._tags > 0) @ (self._tags[i] > 0))
        sims[i] = -math.inf
        order = np.argsort(-sims, kind="stable")[:limit]
        return [self.records[j] for j in order if sims[j] > 0]


def _scope(inside: np.ndarray, n_inside: int, listing: Any) -> list[float]:
    """The scope score of each row of ``listing`` (candidates × vocabulary, any positive = present).

    ``inside[w]`` counts the catalogue texts holding word ``w``. A word's weight is the
    log-odds of finding it in a catalogue text rather than in one of the *other*
    candidates (documents counted once, smoothed by :data:`SCOPE_SMOOTHING`). Words the
    catalogue never uses are not in the vocabulary; a candidate with fewer than
    :data:`SCOPE_WORDS` known words is padded with the weight such a word would have at
    best (seen nowhere else), so a one-word match does not count as three.
    """
    presence = (listing > 0).astype(np.float64).tocsr()
    outside = np.asarray(presence.sum(axis=0)).ravel()
    n_out = max(presence.shape[0] - 1, 0)  # each candidate is judged against the others
    a = SCOPE_SMOOTHING
    log_in = np.log((inside + a) / (n_inside + 2 * a))
    unseen = math.log(a / (n_inside + 2 * a)) - math.log(a / (n_out + 2 * a))
    scores = []
    for row in range(presence.shape[0]):
        words = presence.indices[presence.indptr[row]:presence.indptr[row + 1]]
        weights = log_in[words] - np.log((outside[words] - 1 + a) / (n_out + 2 * a))
        best = np.sort(weights)[-SCOPE_WORDS:].tolist()
        best += [unseen] * (SCOPE_WORDS - len(best))
        scores.append(round(1.0 / (1.0 + math.exp(-sum(best) / SCOPE_WORDS)), 4))
    return scores
