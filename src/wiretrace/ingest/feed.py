"""RSS and Atom feeds (feedparser): one article per entry, full content where present."""

from __future__ import annotations

from collections.abc import Iterator
from time import strftime

import feedparser

from wiretrace.ingest.errors import ReadError
from wiretrace.model import Article


def looks_like_feed(text: str) -> bool:
    head = text.lstrip()[:2000].lower()
    return head.startswith("<?xml") and ("<rss" in head or "<feed" in head or "<rdf:rdf" in head) or head.startswith(
        ("<rss", "<feed")
    )


def read_feed(text: str, path: str) -> Iterator[Article | ReadError]:
    parsed = feedparser.parse(text)
    if parsed.bozo and not parsed.entries:
        yield ReadError(path, f"unreadable feed ({parsed.get('bozo_exception')})")
        return
    outlet = (parsed.feed.get("title") or "").strip() or None
    for i, entry in enumerate(parsed.entries):
        source = entry.get("link") or f"{path}#entry{i}"
        content = ""
        if entry.get("content"):
            content = max((c.get("value", "") for c in entry.content), key=len)
        content = content or entry.get("summary", "")
        if not content.strip():
            yield ReadError(f"{path}#entry{i}", "feed entry has no content or summary")
            continue
        published = None
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        if stamp:
            published = strftime("%Y-%m-%d", stamp)
        authors = [a.get("name", "").strip() for a in entry.get("authors", []) if a.get("name")]
        art = Article(
            source=source,
            url=entry.get("link"),
            title=(entry.get("title") or "").strip() or None,
            outlet=outlet,
            byline=authors,
            published=published,
            language=(parsed.feed.get("language") or "")[:2] or None,
            external_id=entry.get("id"),
            metadata={"feed": path},
        )
        if "<" in content and ">" in content:
            art.raw_html = f"<html><body><article>{content}</article></body></html>"
        else:
            art.raw_text = content
        yield art
