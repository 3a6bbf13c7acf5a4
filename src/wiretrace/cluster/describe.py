"""Extractive story title and one-line summary."""

from __future__ import annotations

from collections import Counter

from wiretrace.cluster.features import _STOP, tokens
from wiretrace.model import Article
from wiretrace.text.sentences import split


def _content(text: str) -> set[str]:
    return {t for t in tokens(text) if t not in _STOP and len(t) > 1}


def describe_story(articles: list[Article]) -> tuple[str, str]:
    """(title, summary) taken from the article most typical of the story.

    The representative article is the one whose title and lede share the most words
    with the other articles' (the words most versions repeat are the event, not an
    outlet's angle); its title is the story title and its first real sentence the summary.
    """
    if not articles:
        return "", ""
    docs = [_content((a.title or "") + " " + (a.text or "")[:1500]) for a in articles]
    freq = Counter(w for d in docs for w in d)
    best = max(range(len(articles)), key=lambda i: (sum(freq[w] - 1 for w in docs[i]) / (len(docs[i]) or 1) ** 0.5, -i))
    art = articles[best]
    summary = ""
    for s in split(art.text or "", art.id or "x"):
        text = " ".join(s.text.split())
        if len(text.split()) >= 6 and text != (art.title or "").strip():
            summary = text
            break
    if len(summary) > 240:
        summary = summary[:237].rsplit(" ", 1)[0] + "..."
    title = " ".join((art.title or "").split()) or (summary[:80].rsplit(" ", 1)[0] if summary else "")
    return title, summary
