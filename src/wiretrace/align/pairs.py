"""Sentence alignment between the articles of a story.

Candidates come from cheap signals only: the embedding top-k of every
sentence against each other article (one small matrix product per article
pair) plus shared word trigrams from an inverted index. The feature
extraction and classifier run on those candidates alone, so the cost grows
with candidate pairs, not with all sentence pairs; a greedy one-to-one
matching then keeps the best partner of each sentence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from wiretrace.align.features import Classifier, Prepared, family_of, load_classifier, pair_features, prepare
from wiretrace.model import Alignment, Sentence, SentencePair
from wiretrace.text.sentences import split

MIN_WORDS = 4  # shorter fragments ("0 $", "Support SouthFront") are page junk or headings
TOP_K = 3
VERBATIM_RATIO = 95.0  # rapidfuzz ratio on normalised words: a copy with a typo or a changed quote mark


@dataclass(slots=True)
class Doc:
    """An article's sentences with what alignment needs, computed once."""

    id: str
    sentences: list[Sentence]
    usable: list[int]
    prepared: dict[int, Prepared] = field(default_factory=dict)
    emb: np.ndarray | None = None  # rows follow `usable`


def make_doc(article_id: str, text: str) -> Doc:
    sents = split(text, article_id)
    prepared = {s.index: prepare(s.text) for s in sents}
    usable = [i for i, p in prepared.items() if len(p.toks) >= MIN_WORDS]
    return Doc(article_id, sents, usable, prepared)


MIN_PAIR_CONTENT = 2  # content words a candidate pair must share before the classifier looks at it
MIN_SHARED_CONTENT = 3  # a sentence sharing fewer content words than this with every other sentence is never embedded


def needs_embedding(docs: list[Doc]) -> dict[str, set[int]]:
    """Sentences that share at least MIN_SHARED_CONTENT content words with some sentence of another article.

    The model is the expensive step (~100-200 sentences/s on 2 cores); a sentence with no such partner cannot be a
    paraphrase of anything in the story, so it is left out and the cost follows the candidates.
    """
    index: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for d_i, d in enumerate(docs):
        for i in d.usable:
            for w in d.prepared[i].content:
                index[w].append((d_i, i))
    keep: dict[str, set[int]] = {d.id: set() for d in docs}
    for d_i, d in enumerate(docs):
        for i in d.usable:
            counts: dict[tuple[int, int], int] = defaultdict(int)
            for w in d.prepared[i].content:
                for other in index[w]:
                    if other[0] != d_i:
                        counts[other] += 1
            if counts and max(counts.values()) >= MIN_SHARED_CONTENT:
                keep[d.id].add(i)
    return keep


def embed_docs(docs: list[Doc], embedder, prefilter: bool = True) -> None:
    """Embed the usable sentences of the story in one length-sorted batch (less padding).

    Rows of sentences the lexical prefilter leaves out stay zero (cosine 0: never an embedding candidate).
    """
    keep = needs_embedding(docs) if prefilter and len(docs) > 1 else {d.id: set(d.usable) for d in docs}
    texts = sorted({d.sentences[i].text for d in docs for i in d.usable if i in keep[d.id]}, key=len)
    vecs = embedder.encode(texts) if texts else np.zeros((0, 1), dtype=np.float32)
    row = {t: k for k, t in enumerate(texts)}
    dim = vecs.shape[1] if len(texts) else 1
    for d in docs:
        d.emb = np.zeros((len(d.usable), dim), dtype=np.float32)
        for r, i in enumerate(d.usable):
            k = row.get(d.sentences[i].text)
            if k is not None and i in keep[d.id]:
                d.emb[r] = vecs[k]


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


STORY_THRESHOLD = 0.5  # inside a story, precision first: reuse edges are built on these pairs
# A rewrite often keeps a sentence's content but trims or extends it, which MRPC's strict "same meaning" labels
# call a non-paraphrase; with a real sentence model a very close embedding counts too (never with the lexical fallback).
STORY_COS = 0.78
STORY_COS_MIN_PROB = 0.15


def label_pair(
    p: Prepared, q: Prepared, cos: float, clf: Classifier, threshold: float | None = None
) -> tuple[str | None, float]:
    """('verbatim'|'paraphrase'|None, score) for one sentence pair (MRPC-fit threshold unless given)."""
    if p.folded == q.folded or (
        min(len(p.toks), len(q.toks)) >= MIN_WORDS and fuzz.ratio(p.folded, q.folded) >= VERBATIM_RATIO
    ):
        return "verbatim", 1.0
    prob = float(clf.proba(np.array(pair_features(p, q, cos)))[0])
    return ("paraphrase" if prob >= (clf.threshold if threshold is None else threshold) else None), prob


def candidate_pairs(x: Doc, y: Doc, min_cos: float, y_index=None) -> dict[tuple[int, int], float]:
    """Embedding top-k both ways plus trigram hits: {(i, j): cosine}."""
    cands: dict[tuple[int, int], float] = {}
    if not x.usable or not y.usable:
        return cands
    sim = x.emb @ y.emb.T
    k = min(TOP_K, sim.shape[1])
    for r in range(sim.shape[0]):
        for c in np.argpartition(-sim[r], k - 1)[:k]:
            if sim[r, c] >= min_cos:
                cands[(x.usable[r], y.usable[c])] = float(sim[r, c])
    k = min(TOP_K, sim.shape[0])
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
    cands: dict[tuple[int, int], float] | None = None,
) -> Alignment:
    """Alignment of two prepared, embedded documents (`cos_accept`: cosine that also counts as paraphrase)."""
    if cands is None:
        cands = candidate_pairs(x, y, min_cos, y_index)
    scored: list[Scored] = []
    for (i, j), cos in cands.items():
        p, q = x.prepared[i], y.prepared[j]
        if len(p.content & q.content) < MIN_PAIR_CONTENT and p.folded != q.folded:
            continue  # cheap screen: a restatement shares names, numbers or key words
        label, score = label_pair(x.prepared[i], y.prepared[j], cos, clf, max(clf.threshold, STORY_THRESHOLD))
        if label is None and cos_accept is not None and cos >= cos_accept and score >= STORY_COS_MIN_PROB:
            label, score = "paraphrase", max(score, cos * 0.6)
        if label:
            scored.append(Scored(i, j, label, score))
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
        passages=merge_passages(pairs),
        share_a=round(len(pairs) / len(x.usable), 4) if x.usable else 0.0,
        share_b=round(len(pairs) / len(y.usable), 4) if y.usable else 0.0,
    )


def story_candidates(docs: list[Doc], min_cos: float, chunk: int = 2048) -> dict[tuple[int, int], dict]:
    """Candidates for every article pair at once: {(doc i, doc j), i < j: {(sent a, sent b): cosine}}.

    Same rule as `candidate_pairs` (top-k of each sentence within each other article, both ways, plus shared
    trigrams) but computed block-wise over one similarity matrix, so the Python work follows the candidates and not
    the number of article pairs.
    """
    owner = np.array([d_i for d_i, d in enumerate(docs) for _ in d.usable], dtype=np.int64)
    sent = np.array([i for d in docs for i in d.usable], dtype=np.int64)
    out: dict[tuple[int, int], dict] = defaultdict(dict)
    if len(owner) == 0:
        return out
    emb = np.vstack([d.emb for d in docs if len(d.usable)])
    bounds = np.concatenate([[0], np.cumsum([len(d.usable) for d in docs])])

    def add(r: int, c: int, cos: float) -> None:
        di, dj = int(owner[r]), int(owner[c])
        if di < dj:
            out[(di, dj)][(int(sent[r]), int(sent[c]))] = cos
        elif dj < di:
            out[(dj, di)][(int(sent[c]), int(sent[r]))] = cos

    for start in range(0, len(owner), chunk):
        sim = emb[start : start + chunk] @ emb.T
        for j in range(len(docs)):
            lo, hi = int(bounds[j]), int(bounds[j + 1])
            if hi <= lo:
                continue
            block = sim[:, lo:hi]
            k = min(TOP_K, hi - lo)
            top = np.argpartition(-block, k - 1, axis=1)[:, :k]
            vals = np.take_along_axis(block, top, axis=1)
            rows, cols = np.nonzero(vals >= min_cos)
            for r, c in zip(rows, cols, strict=True):
                gr = start + int(r)
                if owner[gr] != j:
                    add(gr, lo + int(top[r, c]), float(vals[r, c]))
    # shared word trigrams: cheap lexical candidates the embedding may rank low
    index: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    row_of = {(int(owner[r]), int(sent[r])): r for r in range(len(owner))}
    for d_i, d in enumerate(docs):
        for i in d.usable:
            for g in d.prepared[i].trigrams:
                index[g].append(row_of[(d_i, i)])
    hits: dict[tuple[int, int], int] = defaultdict(int)
    for rows_ in index.values():
        if len(rows_) > 50:  # a boilerplate trigram says nothing about which sentence is which
            continue
        for x_ in range(len(rows_)):
            for y_ in range(x_ + 1, len(rows_)):
                r, c = rows_[x_], rows_[y_]
                if owner[r] != owner[c]:
                    hits[(r, c)] += 1
    for (r, c), n in hits.items():
        if n >= 2:
            di, dj = int(owner[r]), int(owner[c])
            key = (int(sent[r]), int(sent[c])) if di < dj else (int(sent[c]), int(sent[r]))
            bucket = out[(min(di, dj), max(di, dj))]
            if key not in bucket:
                bucket[key] = float(emb[r] @ emb[c])
    return out


def min_cosine(embedder) -> float:
    """Below this cosine a pair is never a candidate (the lexical fallback scores lower)."""
    return 0.25 if getattr(embedder, "is_lexical", True) else 0.5


def cosine_accept(embedder) -> float | None:
    return None if getattr(embedder, "is_lexical", True) else STORY_COS


def align_texts(text_a: str, text_b: str, embedder, id_a: str = "a", id_b: str = "b") -> tuple[Alignment, Doc, Doc]:
    """Align two raw texts (the `wiretrace align A B` path)."""
    x, y = make_doc(id_a, text_a), make_doc(id_b, text_b)
    embed_docs([x, y], embedder)
    clf = load_classifier(family_of(embedder))
    return align_docs(x, y, clf, min_cosine(embedder), cos_accept=cosine_accept(embedder)), x, y


def score_pair(text_a: str, text_b: str, embedder) -> tuple[str | None, float]:
    """Label and score of two single sentences (the `--pairs` path, MRPC-style)."""
    emb = embedder.encode([text_a, text_b])
    cos = float(emb[0] @ emb[1])
    clf = load_classifier(family_of(embedder))
    return label_pair(prepare(text_a), prepare(text_b), cos, clf)
