"""Timeline: time expressions resolved against each article's reference date, the story timeline, date conflicts.

The expression sets are our own (tests/data/timeline; conventions in its README). The dev set was looked at while
writing the patterns, so its floor is a regression guard; the held-out set's floor sits below its measured figure
(BENCHMARKS.md). The seeds are read from ../shared/seeds through the real pipeline and store.
"""

from __future__ import annotations

import sys
from pathlib import Path

from wiretrace.analysis import analyse, from_bytes, to_bytes
from wiretrace.clean import clean_article
from wiretrace.model import Article, ArticleTimes, Claim, TimeMention
from wiretrace.timeline import build_timeline, ensure_times, reference_of
from wiretrace.timeline.times import find_times

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
sys.path.insert(0, str(ROOT / "benchmarks"))


def _one(text: str, lang: str, ref: str | None) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(m.text, m.earliest, m.latest, m.precision) for m in find_times(text, [(0, len(text))], lang, ref)]


def test_dev_set_floor():
    from timeline import load, score

    got = score(load("dev"))["all"]
    assert got["expressions"] >= 60
    assert got["resolution_precision"] >= 0.95 and got["resolution_recall"] >= 0.95, got


def test_heldout_set_floor():
    from timeline import load, score

    got = score(load("heldout"))["all"]
    assert got["expressions"] >= 90
    assert got["detection_recall"] >= 0.85 and got["resolution_precision"] >= 0.8, got


def test_test_sets_hold_over_a_hundred_expressions_in_several_languages():
    from timeline import load

    recs = load("all")
    assert sum(len(r["expected"]) for r in recs) >= 100
    assert len({r["lang"] for r in recs}) >= 5


def test_relative_expressions_need_a_reference_and_are_kept_as_text_without_one():
    assert _one("The talks resumed yesterday and last week.", "en", None) == [
        ("yesterday", None, None, None), ("last week", None, None, None)]
    # Written out in full: resolved with no reference at all
    assert _one("It was signed on March 3, 1918.", "en", None) == [("March 3, 1918", "1918-03-03", "1918-03-03", "day")]


def test_a_reference_without_a_year_gives_dates_without_one_and_widens_weekdays():
    got = _one("They met on Friday, just this week, after a visit at the end of August.", "en", "--09-15")
    assert got == [("Friday", "--09-09", "--09-15", "week"), ("this week", "--09-09", "--09-21", "week"),
                   ("the end of August", "--08-25", "--08-31", "week")]
    assert _one("Last year they had not met.", "en", "--09-15") == [("Last year", None, None, None)]


def test_each_language_uses_its_own_words():
    assert _one("Das Treffen fand Ende August statt.", "de", "2019-09-15") == [
        ("Ende August", "2019-08-25", "2019-08-31", "week")]
    assert _one("La reunión fue hace tres días.", "es", "2019-09-15") == [
        ("hace tres días", "2019-09-12", "2019-09-12", "day")]
    # An English article's "fin" is not French
    assert _one("The fin was found.", "en", "2019-09-15") == []


def test_month_names_that_are_words_need_a_time_word_before_them():
    assert _one("May officials speak? He left in May.", "en", "2022-09-15") == [
        ("May", "2022-05-01", "2022-05-31", "month")]


def test_reference_date_published_then_dateline_never_invented():
    a = Article(source="a.txt", raw_text="Title\n\nANKARA, Sept 15 (Reuters) - Talks were held this week in Ankara.")
    clean_article(a)
    assert a.published is None  # clean has no year for the dateline
    assert reference_of(a) == ("--09-15", "dateline")
    b = Article(source="b.txt", raw_text="Title\n\nANKARA, Sept 15, 2022 (Reuters) - Talks were held this week.")
    clean_article(b)
    assert reference_of(b)[0] == "2022-09-15"
    c = Article(source="c.txt", text="Talks were held this week.", published="2021-03-03T10:00:00Z")
    assert reference_of(c) == ("2021-03-03", "published")
    d = Article(source="d.txt", text="Talks were held this week in Ankara.")
    assert reference_of(d) == (None, None)


def test_times_are_computed_once_and_stored_with_the_analysis():
    a = Article(source="a.txt", text="The talks ended on Friday. A deal was signed on Sept. 9.", published="2022-09-15")
    a.compute_id()
    a.analysis = analyse(a)
    ensure_times([a])
    times = a.analysis.times
    assert times is not None and times.reference == "2022-09-15"
    assert [(m.text, m.sentence, m.earliest) for m in times.mentions] == [("Friday", 0, "2022-09-09"),
                                                                         ("Sept. 9", 1, "2022-09-09")]
    back = from_bytes(to_bytes(a.analysis))
    assert back.times == times
    times.mentions.clear()  # a second call keeps what is there
    ensure_times([a])
    assert a.analysis.times.mentions == []


def _claim(cid: str, mentions: list[tuple[str, int]]) -> Claim:
    return Claim(id=cid, text=cid, kind="claim", speaker=None, attributed_to=[],
                 article_ids=list(dict.fromkeys(a for a, _ in mentions)), origins=["O"], independent_origins=1,
                 mentions=[{"article_id": a, "sentence_index": i, "sentence": ""} for a, i in mentions])


def _times(ref: str, *ms: tuple[int, str, str, str]) -> ArticleTimes:
    return ArticleTimes(ref, "published", [TimeMention(0, 1, "x", s, p, lo, hi) for s, lo, hi, p in ms])


def test_timeline_orders_events_and_finds_date_conflicts():
    claims = [_claim("late", [("a", 0), ("b", 0)]), _claim("early", [("a", 1)]), _claim("clash", [("a", 2), ("b", 1)]),
              _claim("undated", [("b", 2)])]
    times = {"a": _times("2022-09-15", (0, "2022-09-12", "2022-09-18", "week"), (1, "2022-08-25", "2022-08-31", "week"),
                         (2, "2022-09-13", "2022-09-13", "day")),
             "b": _times("2022-09-16", (0, "2022-09-14", "2022-09-14", "day"), (1, "2022-09-09", "2022-09-09", "day"))}
    events, conflicts = build_timeline(claims, times, [])
    assert [e.claim_id for e in events] == ["early", "clash", "late"]
    late = events[-1]
    assert (late.earliest, late.latest, late.precision, late.date_conflict) == ("2022-09-14", "2022-09-14", "day", False)
    assert [e.claim_id for e in events if e.date_conflict] == ["clash"]
    assert len(conflicts) == 1 and conflicts[0].kind == "date" and conflicts[0].article_ids == ["a", "b"]
    # A conflict claims' own date rule already reported is not reported twice
    from wiretrace.model import Conflict

    _, again = build_timeline(claims, times, [Conflict("date", ["clash"], ["a", "b"], "")])
    assert again == []


def test_dates_without_a_year_compare_by_month_and_day():
    claims = [_claim("c", [("a", 0), ("b", 0)])]
    times = {"a": _times("--09-15", (0, "--09-09", "--09-21", "week")),
             "b": _times("2022-09-16", (0, "2022-09-15", "2022-09-15", "day"))}
    events, conflicts = build_timeline(claims, times, [])
    assert not conflicts and (events[0].earliest, events[0].latest) == ("2022-09-15", "2022-09-15")


def _story_with(events: list[dict], entities: list[dict] | None = None) -> dict:
    return {"id": "s", "title": "t", "summary": "", "article_ids": ["a", "b"], "stages": ["claims", "timeline"],
            "claims": [], "conflicts": [], "timeline": events, "entities": entities or []}


def _event(cid: str, lo: str, hi: str, text: str = "x", conflict: bool = False) -> dict:
    return {"claim_id": cid, "text": text, "earliest": lo, "latest": hi, "precision": "day", "article_ids": ["a", "b"],
            "origins": ["O"], "independent_origins": 1, "dates": [{"text": "on Friday"}], "date_conflict": conflict}


def test_timeline_chart_places_bars_in_time_order_and_splits_year_less_dates():
    from wiretrace.report.views import TL_LABEL_W, TL_PLOT_W, timeline_chart

    chart = timeline_chart(_story_with([_event("a", "2022-08-25", "2022-08-31"), _event("b", "2022-09-15", "2022-09-15",
                                                                                     conflict=True),
                                        _event("c", "--09-09", "--09-21")]), {})
    assert chart is not None and [p.caption.split()[0] for p in chart.panels] == ["Dated", "Dated"]
    dated, yearless = chart.panels
    first, second = dated.bars
    assert TL_LABEL_W <= first.x < second.x <= TL_LABEL_W + TL_PLOT_W and first.w > second.w
    assert second.conflict and not first.conflict and len(yearless.bars) == 1
    assert timeline_chart({"id": "s", "article_ids": []}, {}) is None  # stage not run: nothing drawn


def test_html_report_draws_the_timeline_and_actors_escaped():
    from wiretrace.report.html_report import render_report

    story = _story_with([_event("a", "2022-09-15", "2022-09-15", text="<script>alert(1)</script> met")],
                        [{"key": "person:x", "label": "<b>X</b>", "kind": "person", "aliases": ["x"],
                          "article_ids": ["a"], "mentions": [{"article_id": "a", "start": 0, "end": 1, "text": "X"}]}])
    report = {"wiretrace_version": "0", "generated": "now", "errors": [], "stories": [story],
              "run": {"id": 1, "inputs": [], "counts": {"articles_read": 2}, "stages": []},
              "articles": [{"id": i, "source": i, "text": "t", "removed": []} for i in ("a", "b")]}
    html = render_report(report)
    assert "<h3>Timeline</h3>" in html and "<h3>Actors</h3>" in html and 'aria-label="Story timeline"' in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<b>X</b>" not in html and "&lt;b&gt;X&lt;/b&gt;" in html
    assert "<script" not in html.split("<body>")[1]  # no script, no CDN


def test_a_mention_that_also_gives_the_shared_time_is_no_date_conflict():
    # "sent back in July, and leaked earlier in September" and a translation where only "September" was read
    # (an inflected month name the tagger missed): they share September, so no conflict; July against September
    # alone is one.
    shared = [_claim("leak", [("en", 0), ("uk", 0)])]
    times = {"en": _times("2018-09-17", (0, "2018-07-01", "2018-07-31", "month"), (0, "2018-09-01", "2018-09-30",
                                                                                     "month")),
             "uk": _times("2018-09-17", (0, "2018-09-01", "2018-09-30", "month"))}
    events, conflicts = build_timeline(shared, times, [])
    assert not conflicts and not events[0].date_conflict
    apart = [_claim("leak", [("en", 1), ("uk", 0)])]
    times["en"].mentions.append(TimeMention(0, 1, "July", 1, "month", "2018-07-01", "2018-07-31"))
    _, conflicts = build_timeline(apart, times, [])
    assert len(conflicts) == 1 and conflicts[0].article_ids == ["en", "uk"]
