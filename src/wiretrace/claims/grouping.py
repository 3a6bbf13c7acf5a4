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

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from wiretrace.claims.settings import CLAIMS_DEFAULTS, ClaimsSettings

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
    # In a language the English word lists (denials, assessments) can read: a translation's mention is no evidence
    # that its article repeats a claim "without the denial".
    readable: bool = True


def strip_quotes(text: str) -> str:
    t = text.strip().strip(",.;: ")
    t = t.strip("\"“”«»‘’'").strip(",.;: ")
    if t.lower().startswith("that "):
        t = t[5:]
    return t


def is_statement(sent_tokens, settings: ClaimsSettings = CLAIMS_DEFAULTS) -> bool:
    """Enough words (`settings.min_words` to `max_words`) and a finite verb: headlines, bylines and page junk are
    not claims."""
    n = sum(1 for t in sent_tokens if not t.is_punct and not t.is_space)
    if n < settings.min_words or n > settings.max_words:
        return False
    return any(t.tag_ in _FINITE for t in sent_tokens)


# The cosine floor, block and group sizes are `ClaimsSettings` (claims/settings.py).
COS_CEIL = 1.01  # not a setting: cosines of stored (float16) unit vectors stay below this


class ClaimScores:
    """"Same claim" scores between the units of a story, without a units x units matrix.

    Units with the same text share one vector and one classifier score, so a story of a thousand copies of one
    wire costs what its distinct sentences cost. Only pairs of distinct texts with cosine >= `cos_floor` are scored
    by the classifier (kept in `pairs`); any other pair reads `max(cos, 0) * 0.5`, as if it had been computed. Unit
    pairs align marked verbatim read 1.0; pairs that state different numbers for one thing, or opposite assessments,
    read 0.0 (two versions that disagree are two claims).
    """

    def __init__(self, units: list[Unit], emb: np.ndarray, verbatim: set[tuple[tuple[str, int], tuple[str, int]]],
                 scorer: PairScorer, polarity: list[int] | None = None,
                 settings: ClaimsSettings = CLAIMS_DEFAULTS) -> None:
        self.n = len(units)
        self.max_dense = settings.max_dense
        texts: dict[str, int] = {}
        self.text_of = np.fromiter((texts.setdefault(u.text, len(texts)) for u in units), dtype=np.int64,
                                   count=self.n)
        first = {t: k for k, t in reversed(list(enumerate(self.text_of.tolist())))}
        self.emb = (emb[[first[t] for t in range(len(texts))]].astype(np.float32) if self.n
                    else np.zeros((0, 1), dtype=np.float32))
        self.pol = np.asarray(polarity if polarity is not None else [0] * self.n, dtype=np.int64)
        self.zero: set[tuple[int, int]] = set()
        pos = {(u.article_id, u.index): k for k, u in enumerate(units)}
        self.forced: set[tuple[int, int]] = set()
        for x, y in verbatim:
            i, j = pos.get(x), pos.get(y)
            if i is not None and j is not None and i != j:
                self.forced.add((min(i, j), max(i, j)))
        # classifier scores between distinct texts (a < b) and of a text with itself (a == b, for repeated texts)
        self.pairs: dict[tuple[int, int], float] = {}
        uniq = list(texts)
        todo: list[tuple[int, int, float]] = []
        block = settings.block
        for start in range(0, len(uniq), block):
            cos = self.emb[start : start + block] @ self.emb.T
            rows, cols = np.nonzero(cos >= settings.cos_floor)
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                a = start + r
                if a < c:
                    todo.append((a, c, float(cos[r, c])))
        counts = np.bincount(self.text_of, minlength=len(uniq)) if self.n else np.zeros(0, dtype=np.int64)
        for t in np.flatnonzero(counts > 1).tolist():
            todo.append((t, t, float(self.emb[t] @ self.emb[t])))
        if todo:
            scores = scorer.many([(uniq[a], uniq[b], cos) for a, b, cos in todo])
            self.pairs = {(a, b): float(sc) for (a, b, _), sc in zip(todo, scores, strict=True)}
        self._partners: dict[int, list[int]] | None = None
        self._forced_at: dict[int, list[int]] | None = None
        self._zero_at: dict[int, list[int]] | None = None

    def set_zero(self, i: int, j: int) -> None:
        self.zero.add((min(i, j), max(i, j)))
        self._zero_at = None

    @staticmethod
    def _by_unit(pairs: set[tuple[int, int]]) -> dict[int, list[int]]:
        at: dict[int, list[int]] = {}
        for i, j in pairs:
            at.setdefault(i, []).append(j)
            at.setdefault(j, []).append(i)
        return at

    def _forced_partners(self) -> dict[int, list[int]]:
        """Each unit's verbatim partners: a story of thousands of copies holds ~200,000 forced pairs, and every
        dense block used to walk all of them."""
        if self._forced_at is None:
            self._forced_at = self._by_unit(self.forced)
        return self._forced_at

    def _zero_partners(self) -> dict[int, list[int]]:
        if self._zero_at is None:
            self._zero_at = self._by_unit(self.zero)
        return self._zero_at

    def __getitem__(self, ij: tuple[int, int]) -> float:
        i, j = ij
        if i == j:
            return 1.0
        key = (min(i, j), max(i, j))
        if key in self.zero or self.pol[i] * self.pol[j] < 0:
            return 0.0
        if key in self.forced:
            return 1.0
        a, b = sorted((int(self.text_of[i]), int(self.text_of[j])))
        sc = self.pairs.get((a, b))
        if sc is not None:
            return sc
        return float(max(float(self.emb[a] @ self.emb[b]), 0.0) * 0.5)

    def submatrix(self, idx: list[int]) -> np.ndarray:
        """Dense scores among the units `idx` (rows and columns in that order)."""
        t = self.text_of[idx]
        e = self.emb[t]
        out = e @ e.T  # in place from here: a block of 3,000 units is 36 MB a copy
        np.maximum(out, 0.0, out=out)
        out *= 0.5
        uniq = sorted(set(t.tolist()))
        where: dict[int, np.ndarray] = {u: np.flatnonzero(t == u) for u in uniq}
        for x in range(len(uniq)):
            for y in range(x, len(uniq)):
                sc = self.pairs.get((uniq[x], uniq[y]))
                if sc is not None:
                    rows, cols = where[uniq[x]], where[uniq[y]]
                    out[np.ix_(rows, cols)] = sc
                    out[np.ix_(cols, rows)] = sc
        local = {u: k for k, u in enumerate(idx)}
        self._set_pairs(out, local, self._forced_partners(), 1.0)
        sign = np.sign(self.pol[idx]).astype(np.int8)
        out[np.outer(sign, sign) < 0] = 0.0
        self._set_pairs(out, local, self._zero_partners(), 0.0)
        np.fill_diagonal(out, 1.0)
        return out

    @staticmethod
    def _set_pairs(out: np.ndarray, local: dict[int, int], partners: dict[int, list[int]], value: float) -> None:
        """`value` at both cells of every pair in `partners` whose two units are among the block's (`local`)."""
        for u, k in local.items():
            for v in partners.get(u, ()):
                m = local.get(v)
                if m is not None:
                    out[k, m] = out[m, k] = value

    def medoid(self, idx: list[int], pool: list[int]) -> tuple[int, np.ndarray]:
        """The position in `idx` of the unit of `pool` (positions) whose scores against all of `idx` sum highest,
        and its scores against each of `idx`: the row sums and that row of `submatrix(idx)`. A claim carried by
        more than `max_dense` units (thousands of copies of one wire) is summed by distinct text and polarity
        instead, so its memory follows its distinct texts, not the square of its units."""
        if len(idx) <= self.max_dense:
            sub = self.submatrix(idx)
            sums = sub.sum(axis=1)
            rep = max(pool, key=lambda k: float(sums[k]))
            return rep, sub[rep]
        sums = self._row_sums(idx)
        rep = max(pool, key=lambda k: float(sums[k]))
        unit = idx[rep]
        return rep, np.array([self[unit, j] for j in idx], dtype=np.float64)

    def _row_sums(self, idx: list[int]) -> np.ndarray:
        """`submatrix(idx).sum(axis=1)` from a texts x texts matrix: units of one text and polarity sign have the
        same row but for the diagonal and the verbatim/conflict overrides, which are added back one by one."""
        t = self.text_of[idx]
        sign = np.sign(self.pol[idx])
        texts, inv = np.unique(t, return_inverse=True)
        emb = self.emb[texts].astype(np.float64)
        text_scores = np.maximum(emb @ emb.T, 0.0) * 0.5
        at = {int(x): k for k, x in enumerate(texts.tolist())}
        for (a, b), sc in self.pairs.items():
            if a in at and b in at:
                text_scores[at[a], at[b]] = text_scores[at[b], at[a]] = sc
        counts = np.zeros((3, len(texts)))  # units per (sign + 1, text)
        np.add.at(counts, (sign + 1, inv), 1.0)
        against = {-1: counts[0] + counts[1], 0: counts.sum(axis=0), 1: counts[1] + counts[2]}  # signs not opposite
        by_sign = {s: text_scores @ c for s, c in against.items()}
        sums = np.select([sign < 0, sign > 0], [by_sign[-1][inv], by_sign[1][inv]], by_sign[0][inv])
        sums += 1.0 - text_scores[inv, inv]  # a unit with itself scores 1
        local = {u: k for k, u in enumerate(idx)}

        def base(i: int, j: int) -> float:
            return 0.0 if sign[i] * sign[j] < 0 else float(text_scores[inv[i], inv[j]])

        for a, b in self.forced:
            i, j = local.get(a), local.get(b)
            if i is not None and j is not None and (a, b) not in self.zero and sign[i] * sign[j] >= 0:
                sums[[i, j]] += 1.0 - base(i, j)
        for a, b in self.zero:
            i, j = local.get(a), local.get(b)
            if i is not None and j is not None and i != j:
                now = 0.0 if sign[i] * sign[j] < 0 else (1.0 if (a, b) in self.forced else base(i, j))
                sums[[i, j]] -= now
        return sums

    def partners(self, i: int, min_score: float) -> list[int]:
        """Units scoring at least `min_score` with unit `i` (min_score above `cos_floor` * 0.5: only scored pairs)."""
        if self._partners is None:
            self._partners = {}
            for a, b in self.pairs:
                self._partners.setdefault(a, []).append(b)
                if a != b:
                    self._partners.setdefault(b, []).append(a)
        ti = int(self.text_of[i])
        texts = set(self._partners.get(ti, ()))
        cands = {int(k) for k in np.flatnonzero(np.isin(self.text_of, list(texts)))} if texts else set()
        cands |= set(self._forced_partners().get(i, ()))
        cands.discard(i)
        return sorted(k for k in cands if self[i, k] >= min_score)

    def components(self, threshold: float) -> list[list[int]]:
        """Groups of units that no average-linkage merge at `threshold` can cross (a superset of each claim)."""
        parent = list(range(self.n))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        first_of_text: dict[int, int] = {}
        for u, t in enumerate(self.text_of.tolist()):
            if t in first_of_text:
                if self.pairs.get((t, t), 0.0) >= threshold:
                    parent[find(u)] = find(first_of_text[t])
            else:
                first_of_text[t] = u
        for (a, b), sc in self.pairs.items():
            if a != b and sc >= threshold:
                parent[find(first_of_text[a])] = find(first_of_text[b])
        for i, j in self.forced:
            parent[find(i)] = find(j)
        groups: dict[int, list[int]] = {}
        for u in range(self.n):
            groups.setdefault(find(u), []).append(u)
        return list(groups.values())


class PairScorer:
    """Scores sentence pairs: the align stage's MRPC-fitted classifier when present, else the cosine alone.

    Each text is prepared once and all pairs go through the classifier in one matrix product: a story of
    30 articles has ~20,000 candidate unit pairs, and per-pair preparation dominated the claims stage.
    """

    def __init__(self, embedder, weights: str = "") -> None:
        """`weights`: the paraphrase classifier's weights file (`AlignSettings.weights`; "" = shipped)."""
        self.threshold = 0.8
        self._clf = None
        try:
            from wiretrace.align.features import family_of, load_classifier, pair_features, prepare

            self._clf = load_classifier(family_of(embedder), weights)
            self._pair_features, self._prepare = pair_features, prepare
            self.threshold = float(self._clf.threshold)
        except Exception:  # noqa: BLE001 - align is another stage; its absence must not stop claims
            self._clf = None

    def many(self, pairs: list[tuple[str, str, float]]) -> list[float]:
        if self._clf is None:
            return [cos for _, _, cos in pairs]
        feats = self._features(pairs)
        return [float(p) for p in self._clf.proba(feats)]

    def _features(self, pairs: list[tuple[str, str, float]]) -> np.ndarray:
        prepared: dict[str, Any] = {}
        for x, y, _ in pairs:
            for t in (x, y):
                if t not in prepared:
                    prepared[t] = self._prepare(t)
        return np.array([self._pair_features(prepared[x], prepared[y], cos) for x, y, cos in pairs])

    def upper_bounds(self, pairs: list[tuple[str, str]], lo: float, hi: float) -> np.ndarray | None:
        """The highest score each text pair can get from the classifier for any cosine in [lo, hi], from its
        lexical features alone; None when the score cannot be bounded that way (no classifier: the score is the
        cosine). The model is a sigmoid of a quadratic in the cosine (`cos`, `cos_sq`), so the maximum is at an
        end of the interval or at the vertex."""
        clf = self._clf
        if clf is None or not {"cos", "cos_sq"} <= set(clf.names):
            return None
        if not pairs:
            return np.zeros(0)
        feats = self._features([(x, y, 0.0) for x, y in pairs])  # z at cos = 0; the cosine's part is added below
        ic, iq = clf.names.index("cos"), clf.names.index("cos_sq")
        z0 = ((feats - clf.mean) / clf.scale) @ clf.coef + clf.intercept
        a, b = clf.coef[ic] / clf.scale[ic], clf.coef[iq] / clf.scale[iq]
        points = [lo, hi]
        if b < 0 and lo < -a / (2 * b) < hi:
            points.append(-a / (2 * b))
        z = z0 + max(a * c + b * c * c for c in points)
        return 1.0 / (1.0 + np.exp(-z))


def units_that_can_group(units: list[Unit], scorer: PairScorer, threshold: float,
                         settings: ClaimsSettings = CLAIMS_DEFAULTS) -> set[int] | None:
    """Units of one article that could join another unit at `threshold`, whatever their vectors turn out to be;
    None when that cannot be known without the vectors (too many texts to bound, or no classifier).

    In `ClaimScores` a pair of distinct texts scores the classifier's probability when its cosine is at least
    `settings.cos_floor` and at most `cos_floor * 0.5` otherwise, so a text pair whose classifier score cannot
    reach `threshold` for any cosine in [cos_floor, COS_CEIL] never links. A unit with no such link is a claim of its
    own and is never read by anything else of a one-article story (conflicts across units need two articles),
    so its vector is never needed. The grouping is exactly the one computed with every vector."""
    if threshold <= settings.cos_floor * 0.5:
        return None
    texts = list(dict.fromkeys(u.text for u in units))
    if len(texts) > settings.max_bound_texts:
        return None
    counts = Counter(u.text for u in units)
    pairs = [(texts[i], texts[j]) for i in range(len(texts)) for j in range(i + 1, len(texts))]
    pairs += [(t, t) for t in texts if counts[t] > 1]  # a repeated text is scored against itself
    bounds = scorer.upper_bounds(pairs, settings.cos_floor, COS_CEIL)
    if bounds is None:
        return None
    linked = {t for (x, y), b in zip(pairs, bounds.tolist(), strict=True) if b >= threshold for t in (x, y)}
    return {k for k, u in enumerate(units) if u.text in linked}


def group(units: list[Unit], scores: ClaimScores, threshold: float,
          settings: ClaimsSettings = CLAIMS_DEFAULTS) -> list[list[int]]:
    """Average-linkage clusters of units whose mean pairwise score passes `threshold`.

    Clustered one connected group at a time: average linkage never merges across groups with no pair above the
    threshold, so the clusters are those of the whole matrix. A group of more than `settings.max_dense` units is
    clustered by distinct text.
    """
    if not units:
        return []
    clusters: list[list[int]] = []
    for comp in scores.components(threshold):
        if len(comp) == 1:
            clusters.append(comp)
        elif len(comp) <= settings.max_dense:
            clusters.extend([comp[k] for k in c] for c in _average_linkage(scores.submatrix(comp), threshold))
        else:
            clusters.extend(_by_text(comp, scores, threshold, settings.max_dense))
    return sorted((sorted(c) for c in clusters), key=lambda c: (-len({units[i].article_id for i in c}), c[0]))


def _average_linkage(sc: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-link clusters whose members' mean similarity stays >= `threshold` (merges below the distance
    1 - threshold, in scipy's merge order: the partition sklearn's AgglomerativeClustering with that
    `distance_threshold` gives, without importing sklearn, ~1 s on every run of the command)."""
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import squareform

    n = sc.shape[0]
    if n < 2:
        return [list(range(n))]
    dist = 1.0 - sc
    np.fill_diagonal(dist, 0.0)
    merges = linkage(squareform(dist, checks=False), method="average")
    parent = list(range(2 * n - 1))  # union-find over leaves and the merged nodes scipy numbers n, n+1, ...

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for step, (left, right, height, _size) in enumerate(merges):
        if height >= 1.0 - threshold:
            break  # average linkage's heights never decrease: no later merge is closer
        parent[root(int(left))] = parent[root(int(right))] = n + step
    out: dict[int, list[int]] = {}
    for k in range(n):
        out.setdefault(root(k), []).append(k)
    return list(out.values())


def _by_text(comp: list[int], scores: ClaimScores, threshold: float, max_dense: int) -> list[list[int]]:
    """A connected group too large to cluster unit by unit (thousands of copies): cluster its distinct texts, each
    standing for all its units (text-level scores; the verbatim and conflict overrides are left out here)."""
    texts = sorted({int(scores.text_of[u]) for u in comp})
    reps = [next(u for u in comp if scores.text_of[u] == t) for t in texts]
    if len(reps) > max_dense:
        return [comp]  # nothing sensible left to compute at this size: one group, said plainly by its size
    parts = _average_linkage(scores.submatrix(reps), threshold) if len(reps) > 1 else [[0]]
    members = {t: [u for u in comp if scores.text_of[u] == t] for t in texts}
    return [[u for k in part for u in members[texts[k]]] for part in parts]
