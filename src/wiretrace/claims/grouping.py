"""Claim units per sentence, grouped across the story's articles.

A unit is a sentence that states something (it has a finite verb and enough
words); when an attribution covers it, the unit's text is the attributed
content and its speaker the resolved source, so "X said Y" and "Y, according
to Z" group on Y. Units group by average-linkage clustering on the
paraphrase probability of the align stage's MRPC-fitted classifier (cosine
plus lexical features), raised to 1 for pairs align already marked
verbatim; average linkage keeps one loose pair from chaining two claims.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

MIN_WORDS = 6
MAX_WORDS = 90
_FINITE = {"VBD", "VBZ", "VBP", "MD"}


@dataclass(slots=True)
class Unit:
    """One sentence of one article, as a candidate claim."""

    article_id: str
    index: int  # sentence index from wiretrace.text.sentences.split
    sentence: str
    start: int
    end: int
    text: str  # the claim as stated: the attributed content or the sentence
    kind: str  # claim | quote
    speaker_key: str | None = None
    speaker_label: str | None = None
    anonymous: bool = False
    attribution: int | None = None  # index into story.attributions
    spans: dict[str, Any] = field(default_factory=dict)
    places: set[str] = field(default_factory=set)  # folded places the sentence puts the event "in" or "at"
    content: int | None = None  # index of the article's parsed attribution whose content is `text` (else the sentence)


def strip_quotes(text: str) -> str:
    t = text.strip().strip(",.;: ")
    t = t.strip("\"“”«»‘’'").strip(",.;: ")
    if t.lower().startswith("that "):
        t = t[5:]
    return t


def is_statement(sent_tokens) -> bool:
    """Enough words and a finite verb: headlines, bylines and page junk are not claims."""
    n = sum(1 for t in sent_tokens if not t.is_punct and not t.is_space)
    if n < MIN_WORDS or n > MAX_WORDS:
        return False
    return any(t.tag_ in _FINITE for t in sent_tokens)


COS_FLOOR = 0.45  # below this embedding cosine two units are never one claim: no classifier needed


def pair_scores(
    units: list[Unit], emb: np.ndarray, verbatim: set[tuple[tuple[str, int], tuple[str, int]]],
    scorer: PairScorer,
) -> np.ndarray:
    """Symmetric matrix of "same claim" scores in [0, 1] between units (`emb`: one unit vector per row)."""
    n = len(units)
    out = np.zeros((n, n), dtype=np.float32)
    if n == 0:
        return out
    emb = emb.astype(np.float32)
    cos = emb @ emb.T
    out[:] = np.maximum(cos, 0.0) * 0.5
    rows, cols = np.nonzero(np.triu(cos >= COS_FLOOR, k=1))
    pos = {(u.article_id, u.index): k for k, u in enumerate(units)}
    forced: set[tuple[int, int]] = set()
    for x, y in verbatim:
        i, j = pos.get(x), pos.get(y)
        if i is not None and j is not None and i != j:
            forced.add((min(i, j), max(i, j)))
    todo = [(i, j) for i, j in zip(rows.tolist(), cols.tolist(), strict=True) if (i, j) not in forced]
    if todo:
        texts = [u.text for u in units]
        scores = scorer.many([(texts[i], texts[j], float(cos[i, j])) for i, j in todo])
        ii = np.fromiter((i for i, _ in todo), dtype=np.int64, count=len(todo))
        jj = np.fromiter((j for _, j in todo), dtype=np.int64, count=len(todo))
        out[ii, jj] = scores
    for i, j in forced:
        out[i, j] = 1.0
    upper = np.triu(out, k=1)
    out = upper + upper.T
    np.fill_diagonal(out, 1.0)
    return out


class PairScorer:
    """Scores sentence pairs: the align stage's MRPC-fitted classifier when present, else the cosine alone.

    Each text is prepared once and all pairs go through the classifier in one matrix product: a story of
    30 articles has ~20,000 candidate unit pairs, and per-pair preparation dominated the claims stage.
    """

    def __init__(self, embedder) -> None:
        self.threshold = 0.8
        self._clf = None
        try:
            from wiretrace.align.features import family_of, load_classifier, pair_features, prepare

            self._clf = load_classifier(family_of(embedder))
            self._pair_features, self._prepare = pair_features, prepare
            self.threshold = float(self._clf.threshold)
        except Exception:  # noqa: BLE001 - align is another stage; its absence must not stop claims
            self._clf = None

    def many(self, pairs: list[tuple[str, str, float]]) -> list[float]:
        if self._clf is None:
            return [cos for _, _, cos in pairs]
        prepared: dict[str, Any] = {}
        for x, y, _ in pairs:
            for t in (x, y):
                if t not in prepared:
                    prepared[t] = self._prepare(t)
        feats = np.array([self._pair_features(prepared[x], prepared[y], cos) for x, y, cos in pairs])
        return [float(p) for p in self._clf.proba(feats)]


def group(units: list[Unit], scores: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-linkage clusters of units whose mean pairwise score passes `threshold`."""
    n = len(units)
    if n == 0:
        return []
    if n == 1:
        return [[0]]
    from sklearn.cluster import AgglomerativeClustering

    dist = 1.0 - scores
    np.fill_diagonal(dist, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=1.0 - threshold
    )
    labels = model.fit_predict(dist)
    clusters: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        clusters.setdefault(int(lab), []).append(i)
    return sorted(clusters.values(), key=lambda c: (-len({units[i].article_id for i in c}), c[0]))
