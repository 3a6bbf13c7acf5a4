"""Align stage: sentence alignment between the articles of a story, one article pair at a time, computed once.

`run` fills `story.alignments` with one `Alignment` per article pair that shares at least one sentence: pairs
labelled `verbatim` (equal after normalisation, or a near-identical copy) or `paraphrase` (the classifier says same
content), merged into passages, with the share of each side's sentences that is aligned. Sentence indexes are those
of the article's analysis (`wiretrace.text.sentences.split(article.text)`).

An alignment depends on its two articles only (candidates, which sentences are embedded, the classifier), so a pair
result never changes when the story around it grows: `story.pair_results` arrives holding the pairs computed by
earlier runs (the driver loads them from the store), and only the missing candidate pairs are computed here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from wiretrace.align.features import family_of, load_classifier, prepare
from wiretrace.align.pairs import (
    MIN_SHARED_CONTENT,
    Doc,
    align_cross_lingual,
    align_docs,
    candidate_pairs,
    cosine_accept,
    is_cross_lingual,
    min_cosine,
    xl_min_cos,
)
from wiretrace.analysis import ANALYSIS_VERSION, analysis_of, ensure_vectors, sentence_texts, vector_rows
from wiretrace.model import Alignment, Article, Passage, Sentence, SentencePair, Story

__all__ = ["run", "align_articles", "align_texts", "article_doc", "pair_version", "flip", "REQUIRES", "ASSIGNS"]

REQUIRES = ("article.analysis",)
ASSIGNS = ("story.alignments", "story.pair_results", "article.analysis.vectors")

ALIGN_VERSION = 2  # 2: alignments are pair-local (one pair's result does not depend on the rest of the story)
ALL_PAIRS_MAX = 40  # stories up to this size compare every article pair; larger ones only candidate pairs
MIN_SHARED_TRIGRAMS = 2  # a candidate article pair shares at least this many word trigrams (some sentence reused)
TRIGRAM_POSTING_MAX = 50  # a trigram in more articles than this pairs each of them with its first carriers only
# A text carried by more than TRIGRAM_POSTING_MAX articles (a wire story syndicated widely) links each carrier to the
# first WIDE_PARTNERS articles of the story that carry it (arrival order): the copies get their edges, and the
# pairs grow with the story, not with its square.
WIDE_PARTNERS = 3


def pair_version(embedder_name: str) -> str:
    """What a stored pair result was computed with; another value means it is recomputed."""
    return f"a{ANALYSIS_VERSION}.p{ALIGN_VERSION}.{embedder_name}"


def article_doc(article: Article) -> Doc:
    """The align view of one article, from its analysis: sentences and the lexical preparation of usable ones.

    Preparing a sentence (tokens, n-gram sets) takes microseconds; storing it would cost more than recomputing.
    """
    an = analysis_of(article)
    texts = sentence_texts(article)
    sents = [Sentence(article.id, i, s, e, texts[i]) for i, (s, e) in enumerate(an.sentences)]
    return Doc(article.id, sents, list(an.usable), {i: prepare(texts[i]) for i in an.usable}, None, article.language)


def _needs_embedding(x: Doc, y: Doc) -> tuple[set[int], set[int]]:
    """Sentences of each side sharing at least MIN_SHARED_CONTENT content words with some sentence of the other.

    The transformer is the expensive step; a sentence with no such partner cannot be a paraphrase of anything in the
    other article, so it is never encoded for this pair.
    """
    index: dict[str, list[int]] = defaultdict(list)
    for j in y.usable:
        for w in y.prepared[j].content:
            index[w].append(j)
    keep_x: set[int] = set()
    keep_y: set[int] = set()
    for i in x.usable:
        counts: dict[int, int] = defaultdict(int)
        for w in x.prepared[i].content:
            for j in index.get(w, ()):
                counts[j] += 1
        hit = [j for j, n in counts.items() if n >= MIN_SHARED_CONTENT]
        if hit:
            keep_x.add(i)
            keep_y.update(hit)
    return keep_x, keep_y


def candidate_article_pairs(docs: list[Doc]) -> list[tuple[int, int]]:
    """Article pairs worth aligning: all of them in a small story, else pairs sharing word trigrams.

    A trigram carried by more than TRIGRAM_POSTING_MAX articles counts only between each carrier and the trigram's
    first WIDE_PARTNERS carriers (`docs` are in arrival order): a wire text re-posted by hundreds of outlets gives
    each copy a pair with the first ones, never the square of the story (it used to give none at all, so the widest
    syndication had no copy edge)."""
    n = len(docs)
    if n <= ALL_PAIRS_MAX:
        return [(i, j) for i in range(n) for j in range(i + 1, n)]
    postings: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for d_i, d in enumerate(docs):
        for s in d.usable:
            for g in d.prepared[s].trigrams:
                postings[g].add(d_i)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for owners in postings.values():
        if len(owners) < 2:
            continue
        ids = sorted(owners)
        first = ids if len(ids) <= TRIGRAM_POSTING_MAX else ids[:WIDE_PARTNERS]
        for a in range(len(first)):
            for b in range(a + 1, len(ids)):
                shared[(ids[a], ids[b])] += 1
    return sorted(p for p, k in shared.items() if k >= MIN_SHARED_TRIGRAMS)


def flip(al: Alignment) -> Alignment:
    """The same alignment seen from the other side."""
    return Alignment(
        a=al.b, b=al.a,
        pairs=sorted((SentencePair(p.b, p.a, p.label, p.score) for p in al.pairs), key=lambda p: (p.a, p.b)),
        passages=[Passage(p.b_start, p.b_end, p.a_start, p.a_end, p.label, p.score) for p in al.passages],
        share_a=al.share_b, share_b=al.share_a,
    )


def align_pair(x: Doc, y: Doc, xa: Article, ya: Article, embedder, clf, keep: tuple[set[int], set[int]],
               multilingual=None) -> Alignment:
    """Alignment of one article pair, vectors already ensured for both (`keep`: each side's sentences this pair
    gives a reason to embed, from `_needs_embedding`)."""
    if multilingual is not None and is_cross_lingual(x, y):
        for d, art in ((x, xa), (y, ya)):
            d.xemb = vector_rows(art, multilingual.name, d.usable, _dim(art, multilingual.name, 512))
        return align_cross_lingual(x, y, xl_min_cos(multilingual.name))
    dim = _dim(xa, embedder.name, _dim(ya, embedder.name, 1))
    for d, art, kept in ((x, xa, keep[0]), (y, ya, keep[1])):
        d.emb = vector_rows(art, embedder.name, d.usable, dim)
        mask = np.asarray([i in kept for i in d.usable], dtype=bool)
        if len(mask):
            d.emb[~mask] = 0.0  # a sentence this pair gives no reason to embed takes no part in this pair
    cands = candidate_pairs(x, y, min_cosine(embedder))
    return align_docs(x, y, clf, 0.0, cos_accept=cosine_accept(embedder), cands=cands)


def _dim(article: Article, model: str, default: int) -> int:
    v = analysis_of(article).vectors.get(model)
    return int(v.matrix.shape[1]) if v is not None and v.matrix.ndim == 2 and v.matrix.shape[0] else default


def align_articles(members: list[Article], embedder, multilingual=None,
                   known: Mapping[tuple[str, str], Alignment] | None = None,
                   ) -> tuple[list[Alignment], dict[tuple[str, str], Alignment]]:
    """(alignments with at least one pair, in story order; every pair result, known and new).

    `multilingual`: an embedder, or a no-argument function loading one (called only when a pair to compute is
    across languages); None: every pair takes the monolingual path.
    `known`: pair results from earlier runs, keyed (a, b) in either order; only missing candidate pairs are computed.
    """
    known = dict(known or {})
    docs = [article_doc(a) for a in members]
    by_id = {a.id: a for a in members}
    cand = candidate_article_pairs(docs)
    todo = [(i, j) for i, j in cand if (docs[i].id, docs[j].id) not in known and (docs[j].id, docs[i].id) not in known]
    if todo:
        xl = {(i, j) for i, j in todo if multilingual is not None and is_cross_lingual(docs[i], docs[j])}
        if xl and callable(multilingual) and not hasattr(multilingual, "encode"):
            multilingual = multilingual()
        if multilingual is None:
            xl = set()
        want: dict[str, set[int]] = defaultdict(set)
        want_xl: dict[str, set[int]] = defaultdict(set)
        keep: dict[tuple[int, int], tuple[set[int], set[int]]] = {}
        for i, j in todo:
            if (i, j) in xl:
                want_xl[docs[i].id].update(docs[i].usable)
                want_xl[docs[j].id].update(docs[j].usable)
            else:
                keep[(i, j)] = kx, ky = _needs_embedding(docs[i], docs[j])
                want[docs[i].id].update(kx)
                want[docs[j].id].update(ky)
        ensure_vectors(members, want, embedder)
        if want_xl:
            ensure_vectors(members, want_xl, multilingual)
        clf = load_classifier(family_of(embedder))
        for i, j in todo:
            al = align_pair(docs[i], docs[j], by_id[docs[i].id], by_id[docs[j].id], embedder, clf,
                            keep.get((i, j), (set(), set())), multilingual if (i, j) in xl else None)
            known[(docs[i].id, docs[j].id)] = al
    out: list[Alignment] = []
    for i, j in cand:
        a, b = docs[i].id, docs[j].id
        al = known[(a, b)] if (a, b) in known else known[(b, a)]
        if al.a != a:  # stored the other way round (the pair's articles arrived in another order)
            al = flip(al)
        if al.pairs:
            out.append(al)
    return out, known


def run(story: Story, articles: Mapping[str, Article], ctx) -> Story:
    members = [articles[a] for a in story.article_ids if a in articles]
    # The multilingual model is loaded only when a pair across languages must be computed (cached per process).
    story.alignments, story.pair_results = align_articles(
        members, ctx.embedder(), ctx.multilingual_embedder, story.pair_results)
    return story


def align_texts(text_a: str, text_b: str, embedder, id_a: str = "a", id_b: str = "b",
                languages: tuple[str | None, str | None] = (None, None), multilingual=None,
                ) -> tuple[Alignment, list[str], list[str], bool]:
    """Align two raw texts exactly as a story would (`wiretrace align A B`, the web app's compare page).

    Returns (alignment, sentences of a, sentences of b, whether the pair was aligned across languages).
    """
    a = Article(source=id_a, text=text_a, id=id_a, language=languages[0])
    b = Article(source=id_b, text=text_b, id=id_b, language=languages[1])
    cross = multilingual is not None and is_cross_lingual(article_doc(a), article_doc(b))
    found, _ = align_articles([a, b], embedder, multilingual)
    al = found[0] if found else Alignment(a=id_a, b=id_b)
    return al, sentence_texts(a), sentence_texts(b), cross
