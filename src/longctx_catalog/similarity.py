"""Which records, taxonomy nodes and arXiv listings are alike: one text model fitted on the catalogue.

Everything is fitted from the catalogue as it is on disk — record titles, TL;DRs and
cached arXiv abstracts, taxonomy titles and descriptions — so nothing is downloaded, and
the same inputs give the same numbers.
Three questions are answered here, for three users:

- :meth:`Index.suggest_tags` — which taxonomy nodes a new text belongs to (``discover``,
  ``add`` / ``new`` without ``--tag``). The nearest records vote for their tags,
  weighted by the square of their similarity, and the nodes' own words add a vote, so
  a node with no records yet can still be suggested.
- :meth:`Index.related` — the records most like a record (the "Related" list on its
  page): text similarity first, shared tags as a tie-breaking nudge.
- :meth:`Index.assess` — how far each of a batch of new texts (an arXiv listing) is
  inside the catalogue's scope. Nearest-neighbour similarity is fooled by words every
  paper uses ("large language models"), so this is a naive-Bayes log-odds of each
  word between the catalogue and the listing itself: a listing of arXiv categories is
  mostly *not* long-context work, so it is a fair sample of what is ordinary. Each
  candidate is left out of the background it is compared with, and so, in a second
  pass, is the listing's most catalogue-like fifth (the on-topic papers would
  otherwise make their own words look ordinary). A text is judged by the mean weight
  of its most telling words, and its title, the authors' own one-line statement of
  scope, adds a half weight of its own, squashed into 0–1.

The vectors are scikit-learn's TF-IDF weighting, computed by :mod:`longctx_catalog.textvec`
(scikit-learn's import alone cost every site build a second); fitting and scoring 2,000 ×
2,000 takes a fraction of a second (benchmarks/bench_discover.py); the scoring itself is
a few lines of numpy on top.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .model import Catalog, Record, TaxonomyNode
from .textvec import Csr, TfidfVectorizer, normalize

NEIGHBOURS = 30  # records that vote on a text's tags, each with its similarity squared (the closest count most)
SUGGEST_BLOCK = 1000  # texts scored at once (1,000 x 10,000 records = 80 MB of similarities at most)
NODE_WEIGHT = 0.5  # weight of a node's own words against the records' votes
NO_NODE_VOTE = 0.1  # the votes a text must gather before its best node's confidence nears 1
SHARED_TAG_BONUS = 0.1  # "Related": a shared tag adds this much to the text similarity
RELATED_POOL = 4  # "Related": the tag bonus reranks the 4 x limit records whose texts are closest
RELATED_BLOCK = 500  # rows of the all-pairs product held at once (500 x 5,000 floats = 10 MB)
RELATED_MAX_DF = 0.2  # "Related": words used by more of the records than this share are ignored
SCOPE_SMOOTHING = 2.0  # pseudo-documents for the word log-odds; keeps rare words from dominating
SCOPE_WORDS = 8  # a candidate's whole text (title and abstract) is judged by its most telling words
TITLE_WORDS = 3  # ... and its title by its own most telling few
TITLE_WEIGHT = 0.5  # what the title's judgement adds to the whole text's
SCOPE_HELD_OUT = 0.2  # second pass: the listing's most catalogue-like share is left out of the background


@dataclass(frozen=True)
class Suggestion:
    """A taxonomy node suggested for a text, with its share of the votes (0–1; see NO_NODE_VOTE)."""

    node: str
    confidence: float


@dataclass(frozen=True)
class Assessment:
    """How a new text relates to the catalogue: scope score (0–1) and suggested nodes, best first."""

    score: float
    tags: tuple[Suggestion, ...]


def record_text(record: Record, abstract: bool = True) -> str:
    """What a record says about itself: title, TL;DR and (with ``abstract``) the cached arXiv abstract."""
    abstract = record.arxiv_meta.abstract if abstract and record.arxiv_meta else None
    return " ".join(part for part in (record.title, record.tldr, abstract) if part)


def node_text(node: TaxonomyNode) -> str:
    """A node's words: its own and its ancestors' titles, and its description."""
    titles = " ".join(n.title for n in node.lineage())
    return f"{titles} {node.id.replace('-', ' ')} {node.description or ''}"


class Index:
    """TF-IDF vectors of the catalogue's records and taxonomy nodes, fitted once per run.

    ``exclude`` leaves records out of the fit (leave-one-out measurements). Without
    ``abstracts`` only titles and TL;DRs are read: ten times fewer words, which is what
    page rendering can afford for "Related" at thousands of records.
    """

    def __init__(self, catalog: Catalog, exclude: Iterable[str] = (), *, abstracts: bool = True) -> None:
        skip = set(exclude)
        taxonomy = catalog.taxonomy
        self.records = [r for r in sorted(catalog.records, key=lambda r: r.id) if r.id not in skip]
        self.nodes = list(taxonomy.nodes)
        self.node_order = {node_id: i for i, node_id in enumerate(self.nodes)}
        self._position = {r.id: i for i, r in enumerate(self.records)}
        texts = [record_text(r, abstracts) for r in self.records] + [node_text(n) for n in taxonomy.nodes.values()]
        self.vectorizer: TfidfVectorizer | None = TfidfVectorizer()
        try:
            matrix = self.vectorizer.fit_transform(texts)
        except ValueError:  # no words at all (an empty catalogue): nothing is similar to anything
            self.vectorizer = None
            matrix = None
        self._inside = matrix.column_counts() if matrix is not None else np.zeros(0)
        self._n_inside = len(texts)
        self._records = matrix.rows(0, len(self.records)) if matrix is not None else None
        self._nodes = matrix.rows(len(self.records), matrix.shape[0]) if matrix is not None else None
        # Which nodes each record is tagged with, as a records × nodes matrix (1/len(tags) each,
        # so a record tagged three ways votes as much as one tagged once).
        tags = np.zeros((len(self.records), len(self.nodes)))
        for i, record in enumerate(self.records):
            known = [self.node_order[t] for t in dict.fromkeys(record.tags) if t in self.node_order]
            for j in known:
                tags[i, j] = 1.0 / len(known)
        self._tags = tags
        self._columns: dict[str, Csr] = {}

    def _transposed(self, which: str) -> Csr:
        """The records' or the nodes' vectors as columns (what a product with them reads), made once."""
        if which not in self._columns:
            self._columns[which] = (self._records if which == "records" else self._nodes).transpose()
        return self._columns[which]

    def _vectors(self, texts: Sequence[str]) -> Csr:
        assert self.vectorizer is not None
        return self.vectorizer.transform(list(texts))

    def assess(self, texts: Sequence[str], limit: int = 3, titles: Sequence[str] | None = None) -> list[Assessment]:
        """Scope score and suggested nodes for each text of a listing (see :func:`_scope`).

        ``titles`` (one per text, when the texts are title + abstract) lets each title
        count again on its own: measured on real titles and abstracts, this ranks better
        than either alone (benchmarks/bench_discover.py).
        """
        if self.vectorizer is None or not texts:
            return [Assessment(0.5, ()) for _ in texts]
        queries = self._vectors(texts)
        heads = self._vectors(titles) if titles is not None else None
        scores = _scope(self._inside, self._n_inside, queries, heads)
        tags = self._suggest(queries, limit)
        return [Assessment(score, tuple(t)) for score, t in zip(scores, tags, strict=True)]

    def suggest_tags(self, texts: Sequence[str], limit: int = 3) -> list[list[Suggestion]]:
        """Up to ``limit`` nodes for each text, best first, with their confidence (share of the votes)."""
        if self.vectorizer is None or not self.nodes or not texts:
            return [[] for _ in texts]
        return self._suggest(self._vectors(texts), limit)

    def _suggest(self, queries: Csr, limit: int) -> list[list[Suggestion]]:
        if not self.nodes:
            return [[] for _ in range(queries.shape[0])]
        out: list[list[Suggestion]] = []
        for start in range(0, queries.shape[0], SUGGEST_BLOCK):  # bounded memory for a long listing
            out += self._suggest_block(queries.rows(start, start + SUGGEST_BLOCK), limit)
        return out

    def _suggest_block(self, queries: Csr, limit: int) -> list[list[Suggestion]]:
        votes = NODE_WEIGHT * queries.dot(self._transposed("nodes"))
        if self.records:
            sims = queries.dot(self._transposed("records"))
            k = min(NEIGHBOURS, sims.shape[1])
            # Keep each text's k nearest records (argpartition: linear time; which of several equal
            # sims at the edge is kept follows numpy's fixed selection, so a run repeats exactly).
            if k < sims.shape[1]:
                order = np.argpartition(-sims, k - 1, axis=1)[:, :k]
                near = np.zeros_like(sims)
                rows = np.arange(sims.shape[0])[:, None]
                near[rows, order] = sims[rows, order] ** 2
            else:
                near = sims**2
            votes += near @ self._tags
        # A node's confidence is its share of the votes plus a pseudo-vote for "none of these", so a
        # text that is barely like anything gets low confidences rather than 1.00 for a chance word.
        shares = votes / (votes.sum(axis=1, keepdims=True) + NO_NODE_VOTE)
        # Best first; a stable sort on the negated shares keeps equal ones in taxonomy order.
        best = np.argsort(-shares, axis=1, kind="stable")[:, :limit]
        picked = np.take_along_axis(shares, best, axis=1).round(3)
        return [[Suggestion(self.nodes[j], share) for j, share in zip(row_nodes, row_shares, strict=True)
                 if share > 0]
                for row_nodes, row_shares in zip(best.tolist(), picked.tolist(), strict=True)]

    def related(self, record: Record, limit: int) -> list[Record]:
        """The ``limit`` records most like ``record`` (not itself), best first (see :meth:`all_related`)."""
        return self.all_related(limit).get(record.id, [])

    @functools.lru_cache(maxsize=4)  # noqa: B019 — one Index per run; render asks for every record
    def all_related(self, limit: int) -> dict[str, list[Record]]:
        """For every record, the ``limit`` records most like it, best first, computed in one pass.

        Likeness is the cosine of the TF-IDF vectors over the words that at most
        :data:`RELATED_MAX_DF` of the records use ("model", "context" say nothing about
        which works belong together, and dropping them keeps the all-pairs product
        sparse), plus :data:`SHARED_TAG_BONUS` per shared tag, among the
        :data:`RELATED_POOL` × ``limit`` closest texts. Only records sharing a word are
        listed; ties go by record id.
        """
        matrix = self._records
        n = len(self.records)
        if matrix is None or n < 2 or limit <= 0:
            return {}
        df = matrix.column_counts()
        kept = matrix.columns(np.flatnonzero(df <= max(RELATED_MAX_DF * n, 2)))
        kept = normalize(kept).astype(np.float32)
        transposed = kept.transpose()
        tagged = (self._tags > 0).astype(np.float32)
        m = min(RELATED_POOL * limit, n - 1)  # the closest texts, reranked with the tag bonus
        out: dict[str, list[Record]] = {}
        for start in range(0, n, RELATED_BLOCK):
            stop = min(start + RELATED_BLOCK, n)
            rows = np.arange(stop - start)
            block = kept.rows(start, stop).dot(transposed)
            block[rows, rows + start] = 0.0  # not itself
            pool = np.argpartition(-block, m - 1, axis=1)[:, :m] if m < n - 1 else np.argsort(-block, axis=1)[:, :m]
            sims = np.take_along_axis(block, pool, axis=1)
            shared = np.einsum("rt,rmt->rm", tagged[start:stop], tagged[pool])
            # Rounded so that float noise cannot reorder near-ties; ties then go by record id.
            scores = np.round(sims + SHARED_TAG_BONUS * shared, 5)
            scores[sims <= 0] = -1.0  # no word in common: not listed
            for row, (cols, vals) in enumerate(zip(pool.tolist(), scores.tolist(), strict=True)):
                best = sorted((-v, c) for v, c in zip(vals, cols, strict=True) if v > 0)[:limit]
                if best:
                    out[self.records[start + row].id] = [self.records[c] for _, c in best]
        return out


def _scope(inside: np.ndarray, n_inside: int, listing: Csr, titles: Csr | None = None) -> list[float]:
    """The scope score of each row of ``listing`` (candidates × vocabulary, any positive = present).

    ``inside[w]`` counts the catalogue texts holding word ``w``. A word's weight is the
    log-odds of finding it in a catalogue text rather than in one of the *other*
    candidates (documents counted once, smoothed by :data:`SCOPE_SMOOTHING`). The first
    pass compares with every other candidate; the second leaves the
    :data:`SCOPE_HELD_OUT` share that scored highest out of that background. A text's
    judgement is the mean of its :data:`SCOPE_WORDS` best weights; with ``titles``
    (rows aligned with ``listing``), the mean of each title's :data:`TITLE_WORDS` best
    is added at :data:`TITLE_WEIGHT`. Words the catalogue never uses are not in the
    vocabulary; a text with fewer known words is padded with the weight such a word
    would have at best (seen nowhere else), so a one-word match does not count as many.
    """
    presence = listing.present()
    background = np.ones(presence.shape[0])
    judged = _mean_best(inside, n_inside, presence, background, SCOPE_WORDS)
    if presence.shape[0] > 1:
        cut = np.quantile(judged, 1.0 - SCOPE_HELD_OUT)
        background = (judged < cut).astype(np.float64)
        judged = _mean_best(inside, n_inside, presence, background, SCOPE_WORDS)
    if titles is not None:
        heads = titles.present()
        judged = judged + TITLE_WEIGHT * _mean_best(inside, n_inside, heads, background, TITLE_WORDS)
    return [round(1.0 / (1.0 + math.exp(-value)), 4) for value in judged.tolist()]


def _mean_best(inside: np.ndarray, n_inside: int, presence: Csr, background: np.ndarray, words: int) -> np.ndarray:
    """Each row's mean of its ``words`` highest log-odds weights against the rows in ``background``
    (a 0/1 weight per row; a row is never part of its own background)."""
    outside = presence.t_dot(background)
    a = SCOPE_SMOOTHING
    log_in = np.log((inside + a) / (n_inside + 2 * a))
    out = np.empty(presence.shape[0])
    for row in range(presence.shape[0]):
        own = background[row]
        n_out = background.sum() - own
        unseen = math.log(a / (n_inside + 2 * a)) - math.log(a / (n_out + 2 * a))
        found = presence.indices[presence.indptr[row]:presence.indptr[row + 1]]
        weights = log_in[found] - np.log((outside[found] - own + a) / (n_out + 2 * a))
        best = np.sort(weights)[-words:].tolist()
        best += [unseen] * (words - len(best))
        out[row] = sum(best) / words
    return out
