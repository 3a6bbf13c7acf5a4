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

import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Mapping
from pathlib import Path

import numpy as np

from wiretrace.align.features import Prepared, family_of, load_classifier, prepare
from wiretrace.align.pairs import (
    Doc,
    align_cross_lingual,
    align_docs,
    candidate_pairs,
    cosine_accept,
    min_cosine,
    multilingual_path,
    one_unread_language,
    xl_floor,
    xl_min_cos,
)
from wiretrace.align.settings import ALIGN_DEFAULTS, AlignSettings
from wiretrace.analysis import ANALYSIS_VERSION, analysis_of, ensure_vectors, sentence_texts, vector_rows
from wiretrace.analysis.language import languages_differ
from wiretrace.model import Alignment, Article, Passage, Sentence, SentencePair, Story

__all__ = ["run", "align_articles", "align_texts", "article_doc", "pair_version", "flip", "AlignSettings", "REQUIRES",
           "ASSIGNS"]

REQUIRES = ("article.analysis",)
ASSIGNS = ("story.alignments", "story.pair_results", "article.analysis.vectors")

# A versioned constant, not a setting: it names the algorithm of stored pair results (a new one is a new version).
ALIGN_VERSION = 3  # 2: alignments are pair-local (one pair's result does not depend on the rest of the story);
# 3: cross-lingual pairs by ratio margin; two articles in one language the
# sentence embedder does not read take the multilingual path
# Settings that only choose which article pairs are computed: a pair's result does not depend on them, so they
# stay out of `pair_version` (any other field, present or future, is in it).
_PAIR_CHOICE = frozenset({"all_pairs_max", "min_shared_trigrams", "trigram_posting_max", "wide_partners"})


def pair_version(embedder_name: str, settings: AlignSettings = ALIGN_DEFAULTS) -> str:
    """What a stored pair result was computed with; another value means it is recomputed.

    Settings that change a pair's result add a short digest of their values (and of the classifier weights file's
    bytes, when one is named), only when they differ from the defaults: stores keep the pair results they hold
    with default settings, and a run with other settings never reuses a pair computed with different ones.
    """
    base = f"a{ANALYSIS_VERSION}.p{ALIGN_VERSION}.{embedder_name}"
    values = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings) if f.name not in _PAIR_CHOICE}
    if values == {k: getattr(ALIGN_DEFAULTS, k) for k in values}:
        return base
    if settings.weights:
        try:
            values["weights"] = hashlib.sha256(Path(settings.weights).read_bytes()).hexdigest()
        except OSError:
            pass  # unreadable: the path names it (loading the classifier will say what is wrong)
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:10]
    return f"{base}.s{digest}"


def article_doc(article: Article, prepared: dict[str, Prepared] | None = None) -> Doc:
    """The align view of one article, from its analysis: sentences and the lexical preparation of usable ones.

    Preparing a sentence (tokens, n-gram sets) takes microseconds; storing it would cost more than recomputing.
    `prepared`, shared by the docs of one story, holds one preparation per distinct sentence text: a preparation
    weighs ~9 KB, and a syndicated story repeats its sentences (the 100k stream's story of 4,000 articles has 30,378
    usable sentences and 278 distinct texts), so its docs weigh what its distinct sentences weigh.
    """
    an = analysis_of(article)
    texts = sentence_texts(article)
    sents = [Sentence(article.id, i, s, e, texts[i]) for i, (s, e) in enumerate(an.sentences)]
    if prepared is None:
        prepared = {}
    ready: dict[int, Prepared] = {}
    for i in an.usable:
        text = texts[i]
        if text not in prepared:
            prepared[text] = prepare(text)
        ready[i] = prepared[text]
    return Doc(article.id, sents, list(an.usable), ready, None, article.language)


def _needs_embedding(x: Doc, y: Doc, settings: AlignSettings) -> tuple[set[int], set[int]]:
    """Sentences of each side sharing at least `settings.min_shared_content` content words with some sentence of
    the other.

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
        hit = [j for j, n in counts.items() if n >= settings.min_shared_content]
        if hit:
            keep_x.add(i)
            keep_y.update(hit)
    return keep_x, keep_y


def candidate_article_pairs(docs: list[Doc], settings: AlignSettings) -> list[tuple[int, int]]:
    """Article pairs worth aligning: all of them in a small story (`settings.all_pairs_max`), else pairs sharing
    `settings.min_shared_trigrams` word trigrams.

    A trigram carried by more than `trigram_posting_max` articles counts only between each carrier and the trigram's
    first `wide_partners` carriers (`docs` are in arrival order): a wire text re-posted by hundreds of outlets gives
    each copy a pair with the first ones, never the square of the story (it used to give none at all, so the widest
    syndication had no copy edge)."""
    n = len(docs)
    if n <= settings.all_pairs_max:
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
        first = ids if len(ids) <= settings.trigram_posting_max else ids[: settings.wide_partners]
        for a in range(len(first)):
            for b in range(a + 1, len(ids)):
                shared[(ids[a], ids[b])] += 1
    return sorted(p for p, k in shared.items() if k >= settings.min_shared_trigrams)


def flip(al: Alignment) -> Alignment:
    """The same alignment seen from the other side."""
    return Alignment(
        a=al.b, b=al.a,
        pairs=sorted((SentencePair(p.b, p.a, p.label, p.score) for p in al.pairs), key=lambda p: (p.a, p.b)),
        passages=[Passage(p.b_start, p.b_end, p.a_start, p.a_end, p.label, p.score) for p in al.passages],
        share_a=al.share_b, share_b=al.share_a,
    )


def align_pair(x: Doc, y: Doc, xa: Article, ya: Article, embedder, clf,
               keep: tuple[Collection[int], Collection[int]],
               multilingual, settings: AlignSettings) -> Alignment:
    """Alignment of one article pair, vectors already ensured for both (`keep`: each side's sentences this pair
    gives a reason to embed, from `_needs_embedding`)."""
    if multilingual is not None and multilingual_path(x, y, settings):
        for d, art in ((x, xa), (y, ya)):
            d.xemb = vector_rows(art, multilingual.name, d.usable, _dim(art, multilingual.name, 512))
        return align_cross_lingual(x, y, xl_min_cos(multilingual.name, settings), settings=settings,
                                   floor=xl_floor(multilingual.name, settings))
    dim = _dim(xa, embedder.name, _dim(ya, embedder.name, 1))
    for d, art, kept in ((x, xa, set(keep[0])), (y, ya, set(keep[1]))):
        d.emb = vector_rows(art, embedder.name, d.usable, dim)
        mask = np.asarray([i in kept for i in d.usable], dtype=bool)
        if len(mask):
            d.emb[~mask] = 0.0  # a sentence this pair gives no reason to embed takes no part in this pair
    cands = candidate_pairs(x, y, min_cosine(embedder), settings=settings)
    return align_docs(x, y, clf, 0.0, cos_accept=cosine_accept(embedder, settings), cands=cands, settings=settings)


def _dim(article: Article, model: str, default: int) -> int:
    v = analysis_of(article).vectors.get(model)
    return int(v.matrix.shape[1]) if v is not None and v.matrix.ndim == 2 and v.matrix.shape[0] else default


def align_articles(members: list[Article], embedder, multilingual=None,
                   known: Mapping[tuple[str, str], Alignment] | None = None, settings: AlignSettings = ALIGN_DEFAULTS,
                   ) -> tuple[list[Alignment], dict[tuple[str, str], Alignment]]:
    """(alignments with at least one pair, in story order; every pair result, known and new).

    `multilingual`: an embedder, or a no-argument function loading one (called only when a pair to compute is
    across languages); None: every pair takes the monolingual path.
    `known`: pair results from earlier runs, keyed (a, b) in either order; only missing candidate pairs are computed
    (they must have been computed with the same `settings`: the driver loads them by `pair_version`).
    """
    known = dict(known or {})
    prepared: dict[str, Prepared] = {}
    docs = [article_doc(a, prepared) for a in members]
    by_id = {a.id: a for a in members}
    cand = candidate_article_pairs(docs, settings)
    todo = [(i, j) for i, j in cand if (docs[i].id, docs[j].id) not in known and (docs[j].id, docs[i].id) not in known]
    if todo:
        xl = {(i, j) for i, j in todo if multilingual is not None and multilingual_path(docs[i], docs[j], settings)}
        if xl and callable(multilingual) and not hasattr(multilingual, "encode"):
            multilingual = multilingual()
        if multilingual is None:
            xl = set()
        want: dict[str, set[int]] = defaultdict(set)
        want_xl: dict[str, set[int]] = defaultdict(set)
        # Each pair's sentences to embed, kept as tuples until the pair is aligned: ~100,000 candidate pairs in one
        # story held as sets weighed ~1 KB a pair.
        keep: dict[tuple[int, int], tuple[tuple[int, ...], tuple[int, ...]]] = {}
        for i, j in todo:
            if (i, j) in xl:
                want_xl[docs[i].id].update(docs[i].usable)
                want_xl[docs[j].id].update(docs[j].usable)
            else:
                kx, ky = _needs_embedding(docs[i], docs[j], settings)
                keep[(i, j)] = tuple(kx), tuple(ky)
                want[docs[i].id].update(kx)
                want[docs[j].id].update(ky)
        ensure_vectors(members, want, embedder)
        if want_xl:
            ensure_vectors(members, want_xl, multilingual)
        clf = load_classifier(family_of(embedder), settings.weights)
        for i, j in todo:
            al = align_pair(docs[i], docs[j], by_id[docs[i].id], by_id[docs[j].id], embedder, clf,
                            keep.get((i, j), ((), ())), multilingual if (i, j) in xl else None, settings)
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
        members, ctx.embedder(), ctx.multilingual_embedder, story.pair_results, ctx.config.align)
    return story


def across_languages(languages: tuple[str | None, str | None], settings: AlignSettings = ALIGN_DEFAULTS) -> bool:
    """Two known, different languages, or one known language the sentence embedder does not read: the pair may take
    the multilingual path (`multilingual_path` decides from the texts), so the multilingual model is worth loading
    (`wiretrace align`, the web app's compare page)."""
    return languages_differ(*languages) or one_unread_language(*languages, settings)


def align_texts(text_a: str, text_b: str, embedder, id_a: str = "a", id_b: str = "b",
                languages: tuple[str | None, str | None] = (None, None), multilingual=None,
                settings: AlignSettings = ALIGN_DEFAULTS) -> tuple[Alignment, list[str], list[str], bool]:
    """Align two raw texts exactly as a story would (`wiretrace align A B`, the web app's compare page).

    Returns (alignment, sentences of a, sentences of b, whether the pair was aligned across languages).
    """
    a = Article(source=id_a, text=text_a, id=id_a, language=languages[0])
    b = Article(source=id_b, text=text_b, id=id_b, language=languages[1])
    cross = multilingual is not None and multilingual_path(article_doc(a), article_doc(b), settings)
    found, _ = align_articles([a, b], embedder, multilingual, settings=settings)
    al = found[0] if found else Alignment(a=id_a, b=id_b)
    return al, sentence_texts(a), sentence_texts(b), cross
