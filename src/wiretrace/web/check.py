""""Is this text just a copy?": match a pasted text against the stored articles.

Candidates come from sampled word shingles (an in-memory inverted index over the
store, built once and extended as articles are added), then the align stage's
pairwise alignment measures how much of the text each candidate holds.
"""

from __future__ import annotations

import threading
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from wiretrace.model import Article
from wiretrace.text.shingles import shingles

SAMPLE_MOD = 4  # keep one shingle in four (by hash): same containment estimate, a quarter of the memory
MIN_CONTAINMENT = 0.08
MAX_CANDIDATES = 5


def _hashes(text: str) -> set[int]:
    out = set()
    for sh in shingles(text, 4):
        h = zlib.crc32(" ".join(sh).encode("utf-8"))
        if h % SAMPLE_MOD == 0:
            out.add(h)
    return out


@dataclass
class ShingleIndex:
    """Sampled shingle hash -> article ids; rebuilt lazily when the store holds articles it has not seen."""

    postings: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    ids: list[str] = field(default_factory=list)
    known: set[str] = field(default_factory=set)
    last_rowid: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, article_id: str, text: str) -> None:
        if article_id in self.known:
            return
        self.known.add(article_id)
        n = len(self.ids)
        self.ids.append(article_id)
        for h in _hashes(text):
            self.postings[h].append(n)

    def sync(self, store: Any) -> None:
        """Index the articles stored since the last sync (rowids only grow: articles are never rewritten)."""
        with self.lock:
            rows = store.conn.execute(
                "SELECT rowid, id, json_extract(data, '$.text') FROM articles WHERE rowid > ? ORDER BY rowid",
                (self.last_rowid,),
            )
            for rowid, article_id, text in rows:
                self.add(article_id, text or "")
                self.last_rowid = max(self.last_rowid, int(rowid))

    def candidates(self, text: str) -> list[tuple[str, float]]:
        q = _hashes(text)
        if not q:
            return []
        counts: dict[int, int] = defaultdict(int)
        for h in q:
            for n in self.postings.get(h, ()):
                counts[n] += 1
        ranked = sorted(((self.ids[n], c / len(q)) for n, c in counts.items()), key=lambda x: -x[1])
        return [(aid, share) for aid, share in ranked if share >= MIN_CONTAINMENT][:MAX_CANDIDATES]


def clean_text(text: str, ctx: Any, name: str = "pasted text", html: bool = False) -> Article:
    from wiretrace.pipeline import clean_batch

    art = Article(source=name, raw_html=text if html else None, raw_text=None if html else text)
    return clean_batch([art], ctx, through="cluster.fingerprint")[0]  # no claims parse: a check never reads it


def check_text(text: str, store: Any, index: ShingleIndex, ctx: Any, name: str = "pasted text",
               html: bool = False) -> dict[str, Any]:
    """Clean the text, find stored articles it copies from, and which of its sentences are new.

    Returns {article, sentences, matches[{article_id, title, outlet, story_id, story_title, containment,
    copied_share, verbatim, paraphrase, pairs}], new_sentences[int], copied_share}.
    """
    from wiretrace.align import align_articles
    from wiretrace.analysis import sentence_texts

    art = clean_text(text, ctx, name, html)
    sents = sentence_texts(art)
    # The query keeps its own id even when it equals a stored article's (a pasted copy of it).
    query = Article(source=art.source, text=art.text, id="query", language=art.language, analysis=art.analysis)
    index.sync(store)
    matches = []
    covered: dict[int, str] = {}
    for aid, containment in index.candidates(art.text):
        other = store.get_articles([aid]).get(aid)
        if other is None:
            continue
        # The same pair path as a story (stored sentence vectors of the stored article are reused).
        found, _ = align_articles([query, other], ctx.embedder(), settings=ctx.config.align)
        alignment = found[0] if found else None
        pairs = [] if alignment is None else [
            {"a": p.a, "b": p.b, "label": p.label, "score": round(float(p.score), 4)} for p in alignment.pairs]
        if not pairs and containment < 0.2:
            continue
        for p in pairs:
            if p["label"] == "verbatim" or p["a"] not in covered:
                covered[p["a"]] = p["label"]
        sid = store.story_of(aid)
        story = store.story_report(sid) if sid else None
        matches.append({
            "article_id": aid,
            "title": other.title,
            "outlet": other.outlet,
            "published": other.published,
            "story_id": sid,
            "story_title": story["title"] if story is not None else None,
            "containment": round(containment, 4),
            "copied_share": round(len({p["a"] for p in pairs}) / len(sents), 4) if sents else 0.0,
            "verbatim": sum(1 for p in pairs if p["label"] == "verbatim"),
            "paraphrase": sum(1 for p in pairs if p["label"] != "verbatim"),
            "pairs": pairs,
        })
    matches.sort(key=lambda m: -m["copied_share"])
    return {
        "article": art,
        "sentences": sents,
        "labels": {i: covered.get(i, "") for i in range(len(sents))},
        "matches": matches,
        "new_sentences": [i for i in range(len(sents)) if i not in covered],
        "copied_share": round(len(covered) / len(sents), 4) if sents else 0.0,
    }
