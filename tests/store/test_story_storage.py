"""Stories are stored and read back as typed `Story` objects; the report is a view of them."""

from __future__ import annotations

import json

from wiretrace.model import Story
from wiretrace.pipeline import Context, analyze, report_for
from wiretrace.samples import corpus_path
from wiretrace.store import Store


def test_stored_stories_come_back_typed_and_serialise_as_stored(tmp_path):
    ctx = Context()
    with Store(tmp_path / "s.db") as store:
        result = analyze([str(corpus_path())], store, ctx)
        report = report_for(store, result, ctx)
        for sid in store.story_ids():
            story = store.get_story(sid)
            assert isinstance(story, Story)
            raw = json.loads(store.conn.execute("SELECT data FROM stories WHERE id=?", (sid,)).fetchone()[0])
            assert story.to_report() == raw  # nothing lost or added by the round trip
            assert store.story_report(sid) == raw  # what the views render without building the objects
            assert story.pair_results is None  # pair results live per article pair, not in the story
            assert story.stages[:2] == ["align", "provenance"]
        rows = {r["id"]: r for r in store.list_stories()}
    wire = max(report["stories"], key=lambda s: len(s["article_ids"]))
    typed = Story.from_report(wire)
    assert typed.reuse and all(isinstance(e.source, str) and e.pairs is not None for e in typed.reuse)
    assert typed.attributions and all(isinstance(a.content, tuple) for a in typed.attributions)
    assert typed.times and all(t.mentions is not None for t in typed.times.values())
    assert rows[wire["id"]]["n_independent"] == wire["independent_origins"]
    published = sorted(a["published"] for a in report["articles"] if a["id"] in wire["article_ids"] and a["published"])
    assert (rows[wire["id"]]["first_published"], rows[wire["id"]]["last_published"]) == (published[0], published[-1])


def test_a_story_from_a_newer_version_loads_what_this_one_knows():
    data = {"id": "s1", "article_ids": ["a"], "title": "T", "stages": ["align"], "a_later_field": [1],
            "origins": [{"name": "Reuters", "kind": "agency", "article_ids": ["a"], "closest_witness": None,
                         "evidence": [{"kind": "credit", "detail": "x", "extra": 1}], "unknown": True}]}
    story = Story.from_report(data)
    assert story.origins[0].name == "Reuters" and story.origins[0].evidence[0].kind == "credit"
    assert "a_later_field" not in story.to_report() and story.to_report()["origins"][0]["secondary"] is False
