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


def test_a_large_story_is_stored_a_field_a_row_and_reads_back_the_same(tmp_path, monkeypatch):
    """Past `STORY_PART_CHARS` a story's report form is stored one field a row (a story of 4,000 articles is
    ~100 MB of JSON): read back it is the same text and the same report; writing its results again, resetting
    them or a merge that deletes the story drops the parts."""
    from wiretrace.store import repository

    ctx = Context()
    with Store(tmp_path / "s.db") as store:
        analyze([str(corpus_path())], store, ctx)
        wire = max(store.story_ids(), key=lambda sid: len(store.story_article_ids(sid)))
        story = store.get_story(wire)
        whole = store.story_report(wire)
        assert story.to_json() == json.dumps(whole, ensure_ascii=False)  # field by field, the same text
        monkeypatch.setattr(repository, "STORY_PART_CHARS", 500)
        store.save_story(story, None)
        data, = store.conn.execute("SELECT data FROM stories WHERE id=?", (wire,)).fetchone()
        parts = store.conn.execute("SELECT COUNT(*) FROM story_parts WHERE story_id=?", (wire,)).fetchone()[0]
        assert data == "" and parts == len(whole)  # every field a row, once the first ones pass the limit
        assert next(store.iter_story_texts([wire])) == story.to_json()
        assert store.story_report(wire) == whole and store.get_story(wire).to_report() == whole
        assert store.stories_with_results([wire]) == [wire] and wire not in store.stories_needing_analysis()
        store.invalidate_stories([wire])
        assert store.conn.execute("SELECT COUNT(*) FROM story_parts").fetchone()[0] == 0
        assert wire in store.stories_needing_analysis()
        store.save_story(story, None)
        monkeypatch.setattr(repository, "STORY_PART_CHARS", 10**9)
        store.save_story(story, None)  # saved whole again: the parts go
        assert store.conn.execute("SELECT COUNT(*) FROM story_parts").fetchone()[0] == 0
        assert store.story_report(wire) == whole
