"""TF-IDF vectors of short texts, and the few sparse-matrix sums on them that
:mod:`longctx_catalog.similarity` needs.

Written here rather than imported from scikit-learn and SciPy because of what the
imports cost: scikit-learn takes ~1.2 s against ~0.05 s for numpy alone, and SciPy's
sparse module another ~0.12 s (it pulls in numpy.f2py and numpy.testing); every site
build pays it (record pages' "Related" lists), as does every preview rebuild in
``longctx serve`` (issue 20's latency) and every build the test suite runs.
The weighting is scikit-learn's ``TfidfVectorizer(sublinear_tf=True, stop_words="english")``
exactly (tests/test_similarity.py compares the two on random texts):

- words are runs of two or more word characters, lower-cased, minus the English stop
  words below;
- a term's weight in a text is ``1 + ln(count)`` times its smoothed inverse document
  frequency ``ln((1 + n) / (1 + df)) + 1``; each text's vector has unit length;
- the vocabulary is sorted, so columns (and results) do not depend on text order.

:class:`Csr` adds its values in the order SciPy's compressed-row routines do (one
after another, in row and column order), so results are SciPy's to the last bit
(tests/test_similarity.py checks that too).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"(?u)\b\w\w+\b")

# The "Glasgow Information Retrieval Group" list, as scikit-learn ships it (BSD-3-Clause).
STOP_WORDS = frozenset("""
    a about above across after afterwards again against all almost alone along already also although always am
    among amongst amoungst amount an and another any anyhow anyone anything anyway anywhere are around as at back
    be became because become becomes becoming been before beforehand behind being below beside besides between
    beyond bill both bottom but by call can cannot cant co con could couldnt cry de describe detail do done down
    due during each eg eight either eleven else elsewhere empty enough etc even ever every everyone everything
    everywhere except few fifteen fifty fill find fire first five for former formerly forty found four from front
    full further get give go had has hasnt have he hence her here hereafter hereby herein hereupon hers herself
    him himself his how however hundred i ie if in inc indeed interest into is it its itself keep last latter
    latterly least less ltd made many may me meanwhile might mill mine more moreover most mostly move much must my
    myself name namely neither never nevertheless next nine no nobody none noone nor not nothing now nowhere of
    off often on once one only onto or other others otherwise our ours ourselves out over own part per perhaps
    please put rather re same see seem seemed seeming seems serious several she should show side since sincere six
    sixty so some somehow someone something sometime sometimes somewhere still such system take ten than that the
    their them themselves then thence there thereafter thereby therefore therein thereupon these they thick thin
    third this those though three through throughout thru thus to together too top toward towards twelve twenty
    two un under until up upon us very via was we well were what whatever when whence whenever where whereafter
    whereas whereby wherein whereupon wherever whether which while whither who whoever whole whom whose why will
    with within without would yet you your yours yourself yourselves
""".split())  # noqa: SIM905 — one word per line would be 318 lines


def words(text: str) -> list[str]:
    """The terms of ``text``, in order (stop words left out)."""
    return [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


PAIRS_AT_ONCE = 4_000_000  # products summed per step of Csr.dot (~100 MB of index and value arrays)


def _starts(counts: np.ndarray) -> np.ndarray:
    """Row pointers (``indptr``) from the number of values in each row."""
    return np.concatenate(([0], np.cumsum(counts))).astype(np.int64)


@dataclass(frozen=True)
class Csr:
    """A sparse matrix in compressed rows: row ``i`` holds ``data[indptr[i]:indptr[i + 1]]`` in
    the columns ``indices[indptr[i]:indptr[i + 1]]``, ascending (SciPy's ``csr_matrix`` layout)."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    def row_ids(self) -> np.ndarray:
        """The row of each stored value."""
        return np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))

    def rows(self, start: int, stop: int) -> Csr:
        """Rows ``start`` to ``stop`` (exclusive)."""
        stop = min(stop, self.shape[0])
        lo, hi = self.indptr[start], self.indptr[stop]
        return Csr(self.data[lo:hi], self.indices[lo:hi], self.indptr[start:stop + 1] - lo,
                   (stop - start, self.shape[1]))

    def columns(self, keep: np.ndarray) -> Csr:
        """Only the columns ``keep`` (ascending), renumbered 0, 1, ... in that order."""
        kept = np.zeros(self.shape[1], dtype=bool)
        kept[keep] = True
        mask = kept[self.indices]
        renumber = np.cumsum(kept) - 1
        return self._subset(mask, self.data[mask], renumber[self.indices[mask]], len(keep))

    def astype(self, dtype: type) -> Csr:
        return Csr(self.data.astype(dtype), self.indices, self.indptr, self.shape)

    def present(self) -> Csr:
        """1.0 wherever a value is positive (others dropped)."""
        mask = self.data > 0
        return self._subset(mask, np.ones(int(mask.sum())), self.indices[mask], self.shape[1])

    def _subset(self, mask: np.ndarray, data: np.ndarray, indices: np.ndarray, n_columns: int) -> Csr:
        """The stored values where ``mask`` holds, every row kept (``data``, ``indices``: theirs, in order)."""
        counts = np.bincount(self.row_ids()[mask], minlength=self.shape[0])
        return Csr(data, indices, _starts(counts), (self.shape[0], n_columns))

    def column_counts(self) -> np.ndarray:
        """How many rows hold a positive value in each column."""
        return np.bincount(self.indices[self.data > 0], minlength=self.shape[1])

    def transpose(self) -> Csr:
        """The transposed matrix, in compressed rows (a stable sort keeps each new row's columns ascending)."""
        order = np.argsort(self.indices, kind="stable")
        counts = np.bincount(self.indices, minlength=self.shape[1])
        indptr = _starts(counts)
        return Csr(self.data[order], self.row_ids()[order], indptr, (self.shape[1], self.shape[0]))

    def toarray(self) -> np.ndarray:
        out = np.zeros(self.shape, dtype=self.data.dtype)
        out[self.row_ids(), self.indices] = self.data
        return out

    def dot(self, other: Csr) -> np.ndarray:
        """``self @ other`` as a dense array.

        Each product ``self[i, t] * other[t, j]`` is added to ``out[i, j]`` one after another,
        ``t`` ascending, in the values' own type: SciPy's sparse product sums in that order, so
        the results are equal bit for bit. At most :data:`PAIRS_AT_ONCE` products are formed at
        once, so memory stays bounded whatever the matrices.
        """
        dtype = np.result_type(self.data, other.data)
        n_out = other.shape[1]
        out = np.zeros((self.shape[0], n_out), dtype=dtype)
        flat = out.reshape(-1)
        left, right = self.data.astype(dtype), other.data.astype(dtype)
        row_of = self.row_ids()
        lengths = other.indptr[self.indices + 1] - other.indptr[self.indices]  # products per stored value
        ends = np.cumsum(lengths)
        lo = 0
        while lo < len(lengths):  # stored values of self in groups, in order (each cell's sum keeps its order)
            hi = max(int(np.searchsorted(ends, (ends[lo - 1] if lo else 0) + PAIRS_AT_ONCE, side="right")), lo + 1)
            counts = lengths[lo:hi]
            first = np.cumsum(counts) - counts  # where each stored value's products start
            # the stored value of other in each product: its row's start, plus the product's place in that row
            at = np.arange(int(first[-1] + counts[-1])) + np.repeat(other.indptr[self.indices[lo:hi]] - first, counts)
            cells = np.repeat(row_of[lo:hi] * n_out, counts) + other.indices[at]
            np.add.at(flat, cells, np.repeat(left[lo:hi], counts) * right[at])
            lo = hi
        return out

    def t_dot(self, vector: np.ndarray) -> np.ndarray:
        """``self.T @ vector`` (vector: one value per row), summed in stored order as SciPy does."""
        return np.bincount(self.indices, weights=self.data * vector[self.row_ids()], minlength=self.shape[1])


def normalize(matrix: Csr) -> Csr:
    """``matrix`` with each row scaled to unit length (rows of zeros stay zeros)."""
    data = matrix.data.astype(np.float64)
    norms = np.zeros(matrix.shape[0])
    filled = np.flatnonzero(np.diff(matrix.indptr))
    if len(filled):  # the squares summed as SciPy's row sums sum them (add.reduceat)
        norms[filled] = np.sqrt(np.add.reduceat(data * data, matrix.indptr[filled]))
    norms[norms == 0] = 1.0
    return Csr(data / np.repeat(norms, np.diff(matrix.indptr)), matrix.indices.copy(), matrix.indptr.copy(),
               matrix.shape)


class TfidfVectorizer:
    """Fit a vocabulary and document frequencies on texts, then turn texts into unit TF-IDF rows."""

    def __init__(self) -> None:
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0)

    def fit_transform(self, texts: Sequence[str]) -> Csr:
        """Learn the vocabulary of ``texts`` and return their vectors; ``ValueError`` if they hold no words."""
        counts = [Counter(words(text)) for text in texts]
        terms = sorted(set().union(*counts)) if counts else []
        if not terms:
            raise ValueError("empty vocabulary: the texts hold no words")
        self.vocabulary_ = {term: i for i, term in enumerate(terms)}
        tf = self._counts(counts)
        df = np.bincount(tf.indices, minlength=len(terms))
        self.idf_ = np.log((1 + tf.shape[0]) / (1 + df)) + 1.0
        return self._weigh(tf)

    def transform(self, texts: Iterable[str]) -> Csr:
        """Vectors of ``texts`` in the fitted vocabulary (words it lacks are ignored)."""
        return self._weigh(self._counts([Counter(words(text)) for text in texts]))

    def _counts(self, counts: list[Counter[str]]) -> Csr:
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in counts:
            known = sorted((self.vocabulary_[w], n) for w, n in text.items() if w in self.vocabulary_)
            indices += [i for i, _ in known]
            data += [float(n) for _, n in known]
            indptr.append(len(indices))
        return Csr(np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64),
                   np.asarray(indptr, dtype=np.int64), (len(counts), len(self.vocabulary_)))

    def _weigh(self, tf: Csr) -> Csr:
        return normalize(Csr((np.log(tf.data) + 1.0) * self.idf_[tf.indices], tf.indices, tf.indptr, tf.shape))
