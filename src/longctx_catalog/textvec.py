"""TF-IDF vectors of short texts: what :mod:`longctx_catalog.similarity` reads.

Written here rather than imported from scikit-learn because of what the import costs:
scikit-learn takes ~1.2 s to import against ~0.3 s for numpy and scipy.sparse, and every
site build pays it (record pages' "Related" lists), as does every preview rebuild in
``longctx serve`` (issue 20's latency) — on a small catalogue that was 40 % of the build.
The weighting is scikit-learn's ``TfidfVectorizer(sublinear_tf=True, stop_words="english")``
exactly (tests/test_similarity.py compares the two on random texts):

- words are runs of two or more word characters, lower-cased, minus the English stop
  words below;
- a term's weight in a text is ``1 + ln(count)`` times its smoothed inverse document
  frequency ``ln((1 + n) / (1 + df)) + 1``; each text's vector has unit length;
- the vocabulary is sorted, so columns (and results) do not depend on text order.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

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


def normalize(matrix: sparse.spmatrix) -> sparse.csr_matrix:
    """``matrix`` with each row scaled to unit length (rows of zeros stay zeros)."""
    rows = sparse.csr_matrix(matrix, dtype=np.float64, copy=True)
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    rows.data /= np.repeat(norms, np.diff(rows.indptr))
    return rows


class TfidfVectorizer:
    """Fit a vocabulary and document frequencies on texts, then turn texts into unit TF-IDF rows."""

    def __init__(self) -> None:
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0)

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
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

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        """Vectors of ``texts`` in the fitted vocabulary (words it lacks are ignored)."""
        return self._weigh(self._counts([Counter(words(text)) for text in texts]))

    def _counts(self, counts: list[Counter[str]]) -> sparse.csr_matrix:
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in counts:
            known = sorted((self.vocabulary_[w], n) for w, n in text.items() if w in self.vocabulary_)
            indices += [i for i, _ in known]
            data += [float(n) for _, n in known]
            indptr.append(len(indices))
        return sparse.csr_matrix((np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64),
                                  np.asarray(indptr, dtype=np.int64)), shape=(len(counts), len(self.vocabulary_)))

    def _weigh(self, tf: sparse.csr_matrix) -> sparse.csr_matrix:
        tf.data = (np.log(tf.data) + 1.0) * self.idf_[tf.indices]
        return normalize(tf)
