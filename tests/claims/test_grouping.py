"""Claim scores over a claim carried by thousands of units: the representative and its scores as the dense
matrix gives them, in memory that follows the distinct texts, not the square of the units."""

from __future__ import annotations

import tracemalloc

import numpy as np

from wiretrace.claims.grouping import ClaimScores, PairScorer, Unit
from wiretrace.claims.settings import ClaimsSettings


def _scores(n_units: int, n_texts: int, max_dense: int, seed: int = 0) -> ClaimScores:
    rng = np.random.default_rng(seed)
    text_vectors = rng.normal(size=(n_texts, 16))
    text_vectors /= np.linalg.norm(text_vectors, axis=1, keepdims=True)
    text_vectors[1] = text_vectors[0] * 0.9 + text_vectors[1] * 0.1  # two near texts: scored by the classifier
    text_vectors /= np.linalg.norm(text_vectors, axis=1, keepdims=True)
    which = rng.integers(0, n_texts, size=n_units)
    units = [Unit(article_id=f"a{k % 97}", index=k, sentence=f"s{w}", start=0, end=2, text=f"text {w}", kind="claim")
             for k, w in enumerate(which.tolist())]
    emb = text_vectors[which].astype(np.float32)
    verbatim = {((units[k].article_id, k), (units[k + 1].article_id, k + 1)) for k in range(0, min(n_units, 60), 3)}
    polarity = rng.choice([-1, 0, 0, 1], size=n_units).tolist()
    scores = ClaimScores(units, emb, verbatim, PairScorer(None), polarity,  # no classifier: the cosine scores pairs
                         settings=ClaimsSettings(max_dense=max_dense))
    for k in range(0, min(n_units, 90), 7):
        scores.set_zero(k, k + 2)
    return scores


def test_summed_by_text_equals_the_dense_matrix():
    scores = _scores(n_units=600, n_texts=6, max_dense=10)
    assert scores.pairs and scores.forced and scores.zero  # every override is exercised
    idx = list(range(0, 600, 2)) + list(range(1, 120, 2))
    dense = scores.submatrix(idx)
    np.testing.assert_allclose(scores._row_sums(idx), dense.sum(axis=1), rtol=1e-5, atol=1e-3)
    pool = list(range(len(idx)))
    rep, row = scores.medoid(idx, pool)
    best = dense.sum(axis=1)
    assert best[rep] >= best.max() - 1e-3
    np.testing.assert_allclose(row, dense[rep], atol=1e-6)
    small = _scores(n_units=600, n_texts=6, max_dense=10_000)  # within max_dense: the dense matrix itself
    rep_dense, row_dense = small.medoid(idx, pool)
    assert best[rep_dense] == best.max() and np.allclose(row_dense, dense[rep_dense], atol=1e-6)


def test_a_claim_of_twenty_thousand_copies_stays_small():
    scores = _scores(n_units=20_000, n_texts=3, max_dense=3000)
    idx = list(range(20_000))
    tracemalloc.start()
    try:
        rep, row = scores.medoid(idx, idx)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(row) == 20_000 and 0 <= rep < 20_000
    assert peak < 50_000_000, peak  # the dense matrix alone would take 1.6 GB
