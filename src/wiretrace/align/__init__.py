"""Align stage: sentence alignment between the articles of a story.

`run` fills `story.alignments` with one `Alignment` per article pair that
shares at least one sentence: pairs labelled `verbatim` (equal after
normalisation, or a near-identical copy) or `paraphrase` (the classifier
says same content), merged into passages, with the share of each side's
sentences that is aligned. Sentence indexes are those of
`wiretrace.text.sentences.split(article.text)`.
"""

from __future__ import annotations

from collections.abc import Mapping

from wiretrace.align.features import family_of, load_classifier
from wiretrace.align.pairs import (
    Doc,
    align_cross_lingual,
    align_docs,
    cosine_accept,
    embed_docs,
    embed_multilingual,
    is_cross_lingual,
    make_doc,
    min_cosine,
    story_candidates,
)
from wiretrace.model import Alignment, Article, Story

__all__ = ["run", "align_articles", "story_docs"]


def story_docs(story: Story, articles: Mapping[str, Article], ctx) -> dict[str, Doc]:
    """Prepared and embedded sentences of every article, kept on the context for the story in hand only.

    Provenance reuses them right after align; holding one story bounds memory on long runs.
    """
    key = story.id + ":" + ",".join(f"{aid}:{hash(articles[aid].text)}:{articles[aid].language}"
                                    for aid in story.article_ids if aid in articles)
    slot = ctx.cached("align.docs", dict)
    if slot.get("key") != key:
        docs = {aid: make_doc(aid, articles[aid].text or "") for aid in story.article_ids if aid in articles}
        for aid, d in docs.items():
            d.language = articles[aid].language
        embed_docs(list(docs.values()), ctx.embedder())
        slot.clear()
        slot.update(key=key, docs=docs)
    return slot["docs"]


def cross_lingual_pairs(docs: list[Doc]) -> set[tuple[int, int]]:
    """Index pairs (i < j) of documents in different languages."""
    return {(i, j) for i in range(len(docs)) for j in range(i + 1, len(docs)) if is_cross_lingual(docs[i], docs[j])}


def align_articles(
    docs: list[Doc], embedder, multilingual=None, cross: set[tuple[int, int]] | None = None
) -> list[Alignment]:
    """Alignments of every article pair that shares at least one sentence.

    `multilingual`: an embedder for pairs across languages (None: those pairs take the monolingual path).
    `cross`: `cross_lingual_pairs(docs)` when the caller has it already.
    """
    clf = load_classifier(family_of(embedder))
    cos_ok = cosine_accept(embedder)
    xl = (cross if cross is not None else cross_lingual_pairs(docs)) if multilingual is not None else set()
    if xl:
        embed_multilingual([docs[k] for k in sorted({k for p in xl for k in p})], multilingual)
    cands_by_pair = story_candidates(docs, min_cosine(embedder))
    out: list[Alignment] = []
    for i, j in sorted(set(cands_by_pair) | xl):
        if (i, j) in xl:
            al = align_cross_lingual(docs[i], docs[j])
        else:
            al = align_docs(docs[i], docs[j], clf, 0.0, cos_accept=cos_ok, cands=cands_by_pair[(i, j)])
        if al.pairs:
            out.append(al)
    return out


def run(story: Story, articles: Mapping[str, Article], ctx) -> Story:
    docs = story_docs(story, articles, ctx)
    ordered = [docs[a] for a in story.article_ids if a in docs]
    multilingual = None
    cross = cross_lingual_pairs(ordered)
    if cross:  # the multilingual model is loaded only for stories that need it (and cached per process)
        from wiretrace.text.embed import get_multilingual_embedder

        multilingual = get_multilingual_embedder()
    story.alignments = align_articles(ordered, ctx.embedder(), multilingual, cross)
    return story
