"""Timeline stage: what happened when, across a story's versions.

Per article (computed once, kept on its analysis like claims' parse): a reference date (the publication date, else
the dateline's date, else none) and every time expression of its sentences, resolved against it (`times.py`).

Per story (re-derived when the story changes, from stored analyses): each claim whose mentions carry a resolved time
becomes an event, placed at the bounds its mentions share and ordered in time, with its articles and independent
origins (from claims). When versions put the same claim at times that cannot both hold (bounds that do not overlap),
the event is marked and a `date` conflict joins the story's conflicts — unless claims' own date rule already
reported that claim.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from wiretrace.analysis import analysis_of
from wiretrace.model import Article, ArticleTimes, Claim, Conflict, Story, TimelineEvent, TimeMention
from wiretrace.timeline.times import PROXY_YEAR, find_times, parse_reference, show

__all__ = ["REQUIRES", "ASSIGNS", "run", "ensure_times", "reference_of", "find_times", "build_timeline"]

REQUIRES = ("article.analysis", "story.claims")
ASSIGNS = ("story.timeline", "story.times", "story.conflicts", "article.analysis.times")


def reference_of(article: Article) -> tuple[str | None, str | None]:
    """(reference date, where it came from): the publication date, else the dateline's date ("--09-15" when the
    dateline has no year), else (None, None). Never guessed from anything else."""
    if article.published and re.match(r"\d{4}-\d{2}-\d{2}", article.published):
        return article.published[:10], "published"
    full = (article.metadata or {}).get("dateline_full")
    if full:
        from wiretrace.clean.meta import find_dateline, resolve_date

        dl = find_dateline(str(full))
        day = (dl or {}).get("date") or ""
        if day:
            if re.search(r"\d{4}", day):
                iso = resolve_date(day, None)
                if iso:
                    return iso, "dateline"
            else:
                # Month and day only: computed in a stand-in year, written without one.
                iso = resolve_date(day, None, PROXY_YEAR)
                if iso:
                    return "--" + iso[5:], "dateline"
    return None, None


def ensure_times(articles: list[Article]) -> None:
    """Timeline's per-article part: the reference date and the article's time expressions, computed once and kept
    on its analysis (marked dirty so the driver stores it)."""
    for art in articles:
        an = analysis_of(art)
        if an.times is not None:
            continue
        ref, source = reference_of(art)
        mentions = find_times(art.text or "", an.sentences, an.language or art.language, ref)
        an.times = ArticleTimes(reference=ref, reference_source=source, mentions=mentions)  # type: ignore[arg-type]
        an.dirty = True


def run(story: Story, articles: Mapping[str, Article], ctx) -> Story:  # noqa: ANN001 - Context (no import cycle)
    members = [articles[a] for a in story.article_ids if a in articles]
    ensure_times(members)
    times = {a.id: analysis_of(a).times for a in members}
    events, conflicts = build_timeline(story.claims or [], times, story.conflicts or [])
    story.timeline = events
    story.times = {aid: t for aid, t in times.items() if t is not None}
    if story.conflicts is not None:
        story.conflicts = list(story.conflicts) + conflicts
    return story


# -- the story part ---------------------------------------------------------------------------------------------------
def _day(value: str) -> tuple[date, bool]:
    parsed = parse_reference(value)
    assert parsed is not None
    return parsed


def _comparable(a: tuple[str, str], b: tuple[str, str]) -> tuple[tuple[date, date], tuple[date, date]]:
    """Two bounds on one calendar: with a year each when both have one, else month and day only."""
    (a0, ya), (a1, _) = _day(a[0]), _day(a[1])
    (b0, yb), (b1, _) = _day(b[0]), _day(b[1])
    if ya and yb:
        return (a0, a1), (b0, b1)

    def proxy(d: date, d_end: date) -> tuple[date, date]:
        lo = d.replace(year=PROXY_YEAR) if not (d.month == 2 and d.day == 29) else date(PROXY_YEAR, 2, 28)
        hi = d_end.replace(year=PROXY_YEAR) if not (d_end.month == 2 and d_end.day == 29) else date(PROXY_YEAR, 2, 28)
        return (lo, hi) if lo <= hi else (lo, date(PROXY_YEAR, 12, 31))

    return proxy(a0, a1), proxy(b0, b1)


def overlap(a: tuple[str, str], b: tuple[str, str]) -> bool:
    (a0, a1), (b0, b1) = _comparable(a, b)
    return a0 <= b1 and b0 <= a1


def _width(m: TimeMention) -> int:
    (lo, _), (hi, _) = _day(m.earliest or ""), _day(m.latest or "")
    return (hi - lo).days


def _sentence_times(claim: Claim, times: Mapping[str, ArticleTimes | None]
                    ) -> list[tuple[dict, list[TimeMention]]]:
    """Each mention of the claim with every resolved time of its sentence, in the order written."""
    out: list[tuple[dict, list[TimeMention]]] = []
    for m in claim.mentions:
        at = times.get(m["article_id"])
        if at is None:
            continue
        sent = sorted((t for t in at.mentions if t.sentence == m["sentence_index"] and t.earliest and t.latest),
                      key=lambda t: t.start)
        if sent:
            out.append((m, sent))
    return out


def sort_key(earliest: str) -> tuple[int, int, int, int]:
    """Dates with a year first (in order), then those without one, by month and day."""
    d, year_known = _day(earliest)
    return (0 if year_known else 1, d.year if year_known else 0, d.month, d.day)


def build_timeline(claims: list[Claim], times: Mapping[str, ArticleTimes | None], existing: list[Conflict]
                   ) -> tuple[list[TimelineEvent], list[Conflict]]:
    """Events ordered in time, and the date conflicts that claims' own rule did not already report."""
    already = {cid for c in existing if c.kind == "date" for cid in c.claim_ids}
    events: list[TimelineEvent] = []
    conflicts: list[Conflict] = []
    for claim in claims:
        all_times = _sentence_times(claim, times)
        dated = [(m, sent[0]) for m, sent in all_times]
        if not dated:
            continue
        rows = [{"article_id": m["article_id"], "sentence_index": m["sentence_index"], "text": t.text,
                 "span": [t.start, t.end], "earliest": t.earliest, "latest": t.latest, "precision": t.precision,
                 "relative": t.relative} for m, t in dated]
        # The bounds most mentions agree on: start from the first, keep the mentions that overlap it.
        base = (dated[0][1].earliest or "", dated[0][1].latest or "")
        agree = [t for _, t in dated if overlap(base, (t.earliest or "", t.latest or ""))]
        # A mention contradicts the first only when no time of its sentence meets a time of the first one's (as
        # claims' own date rule compares the sets): its first time may be another event's, or the only one a time
        # tagger read where it missed the shared one (an inflected month name in a translation).
        base_times = [(t.earliest or "", t.latest or "") for t in all_times[0][1]]
        clash = [(m, sent[0]) for m, sent in all_times
                 if not any(overlap(b, (t.earliest or "", t.latest or "")) for b in base_times for t in sent)]
        clash_articles = {m["article_id"] for m, _ in clash} - {dated[0][0]["article_id"]}
        lo, hi = _intersection(agree)
        narrowest = min(agree, key=_width)
        conflict = bool(clash_articles)
        events.append(TimelineEvent(
            claim_id=claim.id, text=claim.text, earliest=lo or narrowest.earliest or "",
            latest=hi or narrowest.latest or "", precision=narrowest.precision or "day",
            article_ids=list(claim.article_ids), origins=list(claim.origins),
            independent_origins=claim.independent_origins, dates=rows, date_conflict=conflict,
        ))
        if conflict and claim.id not in already:
            sides = [{"article_id": m["article_id"], "sentence": m.get("sentence", ""), "claim_id": claim.id,
                      "sentence_index": m["sentence_index"], "role": "dates",
                      "date": f"{t.earliest}..{t.latest}", "time_text": t.text} for m, t in dated]
            summary = "different dates for the same event: " + "; ".join(
                f"{s['article_id']}: {s['time_text']} ({s['date']})" for s in sides)
            conflicts.append(Conflict(kind="date", claim_ids=[claim.id],
                                      article_ids=list(dict.fromkeys(s["article_id"] for s in sides)),
                                      summary=summary, sides=sides))
    events.sort(key=lambda e: (sort_key(e.earliest), e.latest, e.claim_id))
    return events, conflicts


def _intersection(ms: list[TimeMention]) -> tuple[str | None, str | None]:
    """The bounds `ms` share: over those with a year when there are any (a year-less mention that overlaps them
    only confirms them), else by month and day, written without a year."""
    if not ms:
        return None, None
    with_year = [m for m in ms if _day(m.earliest or "")[1]]
    pool = with_year or ms
    lo = max(_day(m.earliest or "")[0] for m in pool)
    hi = min(_day(m.latest or "")[0] for m in pool)
    if lo > hi:
        return None, None
    return show(lo, bool(with_year)), show(hi, bool(with_year))
