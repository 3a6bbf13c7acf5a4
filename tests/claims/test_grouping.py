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


def test_average_linkage_gives_sklearns_partition_without_sklearn():
    """`_average_linkage` replaced sklearn's AgglomerativeClustering (importing sklearn cost ~1 s a run): the same
    partition on random similarity matrices, rounded ones (ties) included."""
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering

    from wiretrace.claims.grouping import _average_linkage

    rng = np.random.default_rng(7)
    for case in range(300):
        n = int(rng.integers(2, 30))
        x = rng.normal(size=(n, int(rng.integers(2, 8))))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        sc = np.round(x @ x.T, 1) if case % 3 == 0 else x @ x.T
        np.fill_diagonal(sc, 1.0)
        threshold = float(rng.choice([0.3, 0.5, 0.7, 0.8]))
        dist = 1.0 - sc
        np.fill_diagonal(dist, 0.0)
        labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                         distance_threshold=1.0 - threshold).fit_predict(dist)
        want: dict[int, list[int]] = {}
        for k, label in enumerate(labels):
            want.setdefault(int(label), []).append(k)
        assert sorted(_average_linkage(sc, threshold)) == sorted(want.values())


def test_a_run_of_the_command_never_imports_sklearn(tmp_path):
    """sklearn (with scipy.stats and pandas) took ~1 s to import, paid by every run of `wiretrace analyze`; it is
    needed to fit models, never to run them."""
    import subprocess
    import sys

    from wiretrace.samples import corpus_path

    code = ("import sys; from wiretrace.cli import app\n"
            f"sys.argv = ['wiretrace', 'analyze', {str(corpus_path())!r}, '--db', {str(tmp_path / 'w.db')!r},"
            f" '-o', {str(tmp_path / 'r.json')!r}]\n"
            "try:\n    app()\nexcept SystemExit as done:\n    assert not done.code, done.code\n"
            "assert 'sklearn' not in sys.modules, 'sklearn was imported'\nprint('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]


def test_a_dense_block_reads_every_pair_as_one_pair_reads():
    """The block's verbatim, conflict and polarity overrides, found through each unit's partners, give what
    `scores[i, j]` gives cell by cell (the definition), whatever the order of `idx` and with a repeated unit."""
    scores = _scores(n_units=300, n_texts=8, max_dense=10_000, seed=3)
    assert scores.forced and scores.zero
    rng = np.random.default_rng(5)
    for idx in (list(range(300)), rng.permutation(300)[:120].tolist(), [4, 5, 4, 7, 6, 9, 8, 1, 0]):
        block = scores.submatrix(idx)
        last = {u: k for k, u in enumerate(idx)}
        for a, u in enumerate(idx):
            for b, v in enumerate(idx):
                if last[u] == a and last[v] == b:  # a repeated unit's overrides land on its last position
                    assert abs(float(block[a, b]) - scores[u, v]) < 1e-6, (u, v)
    scores.set_zero(0, 1)  # a conflict found later still reaches the next block
    assert scores.submatrix([0, 1])[0, 1] == 0.0
    for i in range(300):  # partners: the units of scored texts and the verbatim partners, each read as one pair
        texts = {b if a == scores.text_of[i] else a for a, b in scores.pairs if scores.text_of[i] in (a, b)}
        near = {k for k in range(300) if scores.text_of[k] in texts} | {b if a == i else a for a, b in scores.forced
                                                                        if i in (a, b)}
        assert scores.partners(i, 0.3) == sorted(k for k in near - {i} if scores[i, k] >= 0.3)
