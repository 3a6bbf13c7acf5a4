"""The seeds through the real pipeline and store (read from ../shared/seeds, never copied): the timeline's weeks,
one entity per actor across the five articles, and the answers that must not change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="module")
def seeds_report(tmp_path_factory):
    if len(list(SEEDS.glob("*.txt"))) != 5:
        pytest.skip("seeds not found")
    from wiretrace import pipeline
    from wiretrace.pipeline import Context
    from wiretrace.report.json_report import validate
    from wiretrace.store import Store

    ctx = Context()
    with Store(tmp_path_factory.mktemp("seeds") / "w.db") as store:
        result = pipeline.analyze([str(SEEDS)], store, ctx)
        report = pipeline.report_for(store, result, ctx)
    validate(report)
    return report


def test_seeds_this_week_and_end_of_august_resolve_to_their_weeks(seeds_report):
    story = seeds_report["stories"][0]
    by_name = {Path(a["source"]).name[:3]: a["id"] for a in seeds_report["articles"]}
    t003 = story["times"][by_name["003"]]
    assert (t003["reference"], t003["reference_source"]) == ("--09-15", "dateline")
    week = [m for m in t003["mentions"] if m["text"] == "this week"]
    assert week and week[0]["precision"] == "week" and week[0]["earliest"] <= "--09-15" <= week[0]["latest"]
    ends = [m for a in story["times"].values() for m in a["mentions"] if "August" in m["text"] and m["precision"] == "week"]
    assert ends and all((m["earliest"], m["latest"]) == ("--08-25", "--08-31") for m in ends)
    # The events of the meeting and of Fidan's visit are on the timeline, in that order of time
    texts = [(e["earliest"], e["text"]) for e in story["timeline"]]
    visit = next(i for i, (_, t) in enumerate(texts) if "two-day visit" in t)
    meeting = next(i for i, (d, t) in enumerate(texts) if "Mamlouk" in t and d.startswith("--09"))
    assert visit < meeting


def test_seeds_keep_their_answers(seeds_report):
    story = seeds_report["stories"][0]
    assert story["independent_origins"] == 2 and len(story["conflicts"]) == 3
    assert json.dumps(story["timeline"])  # serialisable, validated above


def test_seeds_erdogan_fidan_mamlouk_mit_are_one_entity_each(seeds_report):
    story = seeds_report["stories"][0]
    ents = story["entities"]
    all_ids = set(story["article_ids"])
    for surname in ("erdogan", "fidan", "mamlouk"):
        hits = [e for e in ents if any(surname in a.split() for a in e["aliases"])]
        assert len(hits) == 1, (surname, [e["key"] for e in hits])
        assert hits[0]["kind"] == "person" and set(hits[0]["article_ids"]) == all_ids
    erdogan = next(e for e in ents if "erdogan" in e["key"])
    assert erdogan["label"] == "Recep Tayyip Erdogan"
    assert {"erdogan", "tayyip erdogan", "recep tayyip erdogan"} <= set(erdogan["aliases"])
    mit = [e for e in ents if "mit" in e["aliases"] or "national intelligence organization" in e["aliases"]]
    assert len(mit) == 1 and mit[0]["kind"] == "organisation"
    with_mit = {Path(a["source"]).name[:3] for a in seeds_report["articles"] if "MIT" in a["text"]
                or "National Intelligence Organization" in a["text"]}
    by_id = {a["id"]: Path(a["source"]).name[:3] for a in seeds_report["articles"]}
    assert {by_id[i] for i in mit[0]["article_ids"]} == with_mit
