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
from wiretrace.align.pairs import Doc, align_docs, cosine_accept, embed_docs, make_doc, min_cosine, story_candidates
from wiretrace.model import Alignment, Article, Story

__all__ = ["run", "align_articles", "story_docs"]


def story_docs(story: Story, articles: Mapping[str, Article], ctx) -> dict[str, Doc]:
    """Prepared and embedded sentences of every article, kept on the context for the story in hand only.

    Provenance reuses them right after align; holding one story bounds memory on long runs.
    """
    key = story.id + ":" + ",".join(f"{aid}:{hash(articles[aid].text)}" for aid in story.article_ids if aid in articles)
    slot = ctx.cached("align.docs", dict)
    if slot.get("key") != key:
        docs = {aid: make_doc(aid, articles[aid].text or "") for aid in story.article_ids if aid in articles}
        embed_docs(list(docs.values()), ctx.embedder())
        slot.clear()
        slot.update(key=key, docs=docs)
    return slot["docs"]


def align_articles(docs: list[Doc], embedder) -> list[Alignment]:
    """Alignments of every article pair that shares at least one sentence."""
    clf = load_classifier(family_of(embedder))
    cos_ok = cosine_accept(embedder)
    out: list[Alignment] = []
    for (i, j), cands in sorted(story_candidates(docs, min_cosine(embedder)).items()):
        al = align_docs(docs[i], docs[j], clf, 0.0, cos_accept=cos_ok, cands=cands)
        if al.pairs:
            out.append(al)
    return out


def run(story: Story, articles: Mapping[str, Article], ctx) -> Story:
    docs = story_docs(story, articles, ctx)
    story.alignments = align_articles([docs[a] for a in story.article_ids if a in docs], ctx.embedder())
    return story
