"""Following feeds and sitemaps over time: each poll fetches the listings afresh, fetches the items not seen before
(politely, through one long-lived `Fetcher`), stores the pages, runs the incremental analysis on them and says what
changed (new stories, stories that grew, new conflicts)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from wiretrace.fetch.client import Fetcher, FetchError, Page

log = logging.getLogger(__name__)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)


def parse_duration(text: str) -> float:
    """'15m', '30s', '2h', '1d' or plain seconds -> seconds; ValueError otherwise."""
    m = _DURATION.match(text or "")
    if not m:
        raise ValueError(f"{text!r} is not a duration (examples: 30s, 15m, 2h)")
    unit = (m.group(2) or "s").lower()[0]
    return float(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


def listing_urls(body: bytes, base_url: str) -> tuple[list[str], list[str]]:
    """(item URLs, child sitemap URLs) of an RSS/Atom feed, a sitemap or a sitemap index; ValueError when the body is
    none of these."""
    head = body[:2048].lstrip().lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        from lxml import etree

        try:
            root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True,
                                                                 huge_tree=False, recover=True))
        except etree.XMLSyntaxError as exc:
            raise ValueError(f"unreadable sitemap ({exc})") from exc
        if root is None:
            raise ValueError("unreadable sitemap")
        locs = [urljoin(base_url, (el.text or "").strip()) for el in root.iter("{*}loc") if (el.text or "").strip()]
        if etree.QName(root).localname == "sitemapindex":
            return [], locs
        return locs, []
    import feedparser

    parsed = feedparser.parse(body)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        raise ValueError("neither a feed nor a sitemap")
    urls = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if link:
            urls.append(urljoin(base_url, link))
    return urls, []


@dataclass
class PollReport:
    """What one poll did and what changed in the store."""

    poll: int
    listed: int = 0
    new_urls: int = 0
    fetched: int = 0
    articles_new: int = 0
    failures: list[str] = field(default_factory=list)
    new_stories: list[dict[str, Any]] = field(default_factory=list)
    grown: list[dict[str, Any]] = field(default_factory=list)
    new_conflicts: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    listings_ok: int = 0

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("poll", "listed", "new_urls", "fetched", "articles_new", "failures",
                                              "new_stories", "grown", "new_conflicts", "seconds", "timings")}


class Watcher:
    """Polls `sources` into `store`. Pages that failed for good (4xx, robots.txt) are not asked for again during the
    session; timeouts and server errors are retried at the next poll."""

    def __init__(self, sources: Iterable[str], store: Any, ctx: Any, executor: Any = None):
        self.sources = list(dict.fromkeys(sources))
        self.store = store
        self.ctx = ctx
        self.executor = executor
        self.fetcher = Fetcher(ctx.config.fetch)
        self.given_up: set[str] = set()
        self.polls = 0

    def _listings(self, report: PollReport) -> list[str]:
        items: list[str] = []
        todo, seen = list(self.sources), set(self.sources)
        while todo:
            results = self.fetcher.fetch_many(todo)
            children: list[str] = []
            for url, res in zip(todo, results, strict=True):
                if isinstance(res, FetchError):
                    report.failures.append(str(res))
                    continue
                try:
                    found, nested = listing_urls(res.body, res.final_url)
                except ValueError as exc:
                    report.failures.append(f"{url}: {exc}")
                    continue
                report.listings_ok += 1
                items.extend(found)
                children.extend(u for u in nested if u not in seen)
                seen.update(nested)
            todo = children
        return list(dict.fromkeys(items))

    def poll(self) -> PollReport:
        from wiretrace.pipeline import analyze

        self.polls += 1
        report = PollReport(poll=self.polls)
        t0 = time.perf_counter()
        items = self._listings(report)
        report.listed = len(items)
        known = self.store.known_urls(items)
        new = [u for u in items if u not in known and u not in self.given_up]
        report.new_urls = len(new)
        t1 = time.perf_counter()
        ok: list[str] = []
        chunk = max(1, self.ctx.config.fetch.chunk)
        for start in range(0, len(new), chunk):
            part = new[start : start + chunk]
            results = self.fetcher.fetch_many(part)
            pages = [r for r in results if isinstance(r, Page)]
            self.store.put_pages(pages)
            ok.extend(p.url for p in pages)
            for r in results:
                if isinstance(r, FetchError):
                    report.failures.append(str(r))
                    if r.reason.startswith(("HTTP 4", "forbidden by robots.txt", "not a text page")):
                        self.given_up.add(r.url)
        report.fetched = len(ok)
        t2 = time.perf_counter()
        if ok:
            before = {r["id"]: r for r in self.store.list_stories()}
            result = analyze(ok, self.store, self.ctx, executor=self.executor)
            report.articles_new = len(result.new_article_ids)
            report.failures.extend(str(e) for e in result.errors)
            report.timings.update(result.timings)
            for row in self.store.list_stories():
                old = before.get(row["id"])
                brief = {"id": row["id"], "title": row["title"], "n_articles": row["n_articles"],
                         "n_conflicts": row["n_conflicts"]}
                if old is None:
                    report.new_stories.append(brief)
                elif (row["n_articles"] or 0) > (old["n_articles"] or 0):
                    report.grown.append({**brief, "was": old["n_articles"]})
                was_conflicts = (old or {}).get("n_conflicts") or 0
                if (row["n_conflicts"] or 0) > was_conflicts:
                    report.new_conflicts.append({**brief, "was": was_conflicts})
        t3 = time.perf_counter()
        report.timings.update({"listings": t1 - t0, "fetch": t2 - t1, "analyse": t3 - t2})
        report.seconds = t3 - t0
        return report
