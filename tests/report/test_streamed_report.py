"""The report is written from the store as a stream: the same report as one held whole, checked part by part, in
the memory of one story, one consistent state of the store, and never half-written under its name."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import jsonschema
import pytest

from wiretrace.pipeline import Context, StoredReport, analyze
from wiretrace.report.html_report import render_report
from wiretrace.report.json_report import report_head, write_json_parts
from wiretrace.samples import corpus_path
from wiretrace.store import Store


def RUN() -> dict:  # noqa: N802 - a fresh run record each time (StoredReport fills its counts)
    return {"id": None, "inputs": [], "counts": {}, "stages": []}


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("stream") / "s.db"
    with Store(db) as store:
        analyze([str(corpus_path())], store, Context())
    return db


def _without_time(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "generated" not in line)


def test_streamed_json_and_html_equal_the_report_held_whole(store_path, tmp_path):
    with Store(store_path) as store:
        report = StoredReport(store, store.story_ids(), RUN())
        whole = report.as_dict()
        assert len(whole["stories"]) == 2 and len(whole["articles"]) == 6
        assert report.write(tmp_path / "r.json") == (6, 2)
        assert report.write(tmp_path / "r.html") == (6, 2)
    text = (tmp_path / "r.json").read_text(encoding="utf-8")
    assert json.loads(text) == whole
    lines = text.splitlines()
    assert sum(line.startswith('{"id":') for line in lines) == 8  # each article and story on its own line
    assert _without_time((tmp_path / "r.html").read_text(encoding="utf-8")) == _without_time(render_report(whole))


def test_a_stored_story_that_breaks_the_format_is_named_and_nothing_is_written(store_path, tmp_path):
    db = tmp_path / "broken.db"
    db.write_bytes(store_path.read_bytes())
    out = tmp_path / "r.json"
    out.write_text("the previous report")
    with Store(db) as store:
        sid = store.story_ids()[0]
        data = store.story_report(sid)
        data["article_ids"] = "not a list"
        store.conn.execute("UPDATE stories SET data=? WHERE id=?", (json.dumps(data), sid))
        for name in ("r.json", "r.html"):
            with pytest.raises(jsonschema.ValidationError, match=sid):
                StoredReport(store, store.story_ids(), RUN()).write(tmp_path / name)
    assert out.read_text() == "the previous report"  # the old report stays whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.db", "r.json"]  # no half file, no .tmp left


def test_the_report_is_one_state_of_the_store_while_another_run_writes(store_path, tmp_path):
    db = tmp_path / "busy.db"
    db.write_bytes(store_path.read_bytes())
    with Store(db) as reader, Store(db) as writer:
        ids = reader.story_ids()
        with reader.snapshot():
            report = StoredReport(reader, ids, RUN())
            writer.invalidate_stories(ids)  # another run resets every story while the report is being read
            report.write(tmp_path / "r.json")
        assert StoredReport(reader, ids, RUN()).as_dict()["stories"] == []  # after the snapshot: reset
    assert len(json.loads((tmp_path / "r.json").read_text())["stories"]) == 2


def test_the_writer_holds_one_article_at_a_time(tmp_path):
    text = "A sentence of the article. " * 400  # ~10 KB an article, 40 MB for the 4,000

    def articles():
        for i in range(4000):
            yield {"id": f"{i:016x}", "source": f"in:{i}", "external_id": None, "url": None, "title": None,
                   "outlet": None, "byline": [], "dateline": None, "published": None, "language": "en",
                   "text": text + str(i), "cited_sources": [], "removed": [], "metadata": {}, "inputs": [f"in:{i}"]}

    head = report_head(RUN(), [])
    tracemalloc.start()
    try:
        assert write_json_parts(tmp_path / "big.json", head, articles(), []) == (4000, 0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (tmp_path / "big.json").stat().st_size > 40_000_000
    assert peak < 5_000_000, peak  # held whole, the articles alone would be 40 MB


def test_stories_checked_in_worker_processes_give_the_same_file(store_path, tmp_path):
    with Store(store_path) as store:
        report = StoredReport(store, store.story_ids(), RUN())
        texts = list(store.iter_story_texts(report.story_ids))
        one = write_json_parts(tmp_path / "one.json", report.head, report.articles(), texts, workers=1)
        two = write_json_parts(tmp_path / "two.json", report.head, report.articles(), texts, workers=2)
        broken = json.loads(texts[1])
        broken["claims"] = "not a list"
        with pytest.raises(jsonschema.ValidationError, match=r"stories\[1\]"):
            write_json_parts(tmp_path / "bad.json", report.head, report.articles(), [texts[0], json.dumps(broken)],
                             workers=2)
    assert one == two == (6, 2)
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()
    assert not (tmp_path / "bad.json").exists()


def test_a_story_stored_in_parts_is_written_and_checked_a_field_at_a_time(store_path, tmp_path, monkeypatch):
    from wiretrace.report import json_report
    from wiretrace.store import repository

    db = tmp_path / "parts.db"
    db.write_bytes(store_path.read_bytes())
    with Store(db) as store:
        ids = store.story_ids()
        (tmp_path / "whole.json").write_text("")
        StoredReport(store, ids, RUN()).write(tmp_path / "whole.json")
        monkeypatch.setattr(repository, "STORY_PART_CHARS", 500)
        for sid in ids:
            store.save_story(store.get_story(sid), None)
        assert any(not isinstance(e, str) for e in store.iter_story_entries(ids))
        StoredReport(store, ids, RUN()).write(tmp_path / "parts.json")
        monkeypatch.setattr(json_report, "LARGE_STORY_CHARS", 100)  # whole texts checked field by field too
        texts = list(store.iter_story_texts(ids))
        report = StoredReport(store, ids, RUN())
        write_json_parts(tmp_path / "streamed.json", report.head, report.articles(), texts)
        # A wrong item inside a part is found and named, and nothing is written.
        sid = ids[-1]
        bad = json.loads(texts[-1])
        bad["reuse"].append({"source": 1})
        store.conn.execute("UPDATE story_parts SET data=? WHERE story_id=? AND seq=(SELECT seq FROM story_parts "
                           "WHERE story_id=? AND data LIKE '\"reuse\":%')",
                           ('"reuse": ' + json.dumps(bad["reuse"]), sid, sid))
        with pytest.raises(jsonschema.ValidationError, match=rf"stories\[1\] \('{sid}'\): reuse\[{len(bad['reuse']) - 1}\]"):
            StoredReport(store, ids, RUN()).write(tmp_path / "bad.json")
        for wrong in (dict(bad, reuse=bad["reuse"][:-1], title=7), dict(bad, reuse=bad["reuse"][:-1], article_ids=[])):
            with pytest.raises(jsonschema.ValidationError):  # the small fields too, as the whole check finds them
                write_json_parts(tmp_path / "bad.json", report.head, report.articles(), [texts[0], json.dumps(wrong)])
    whole = (tmp_path / "whole.json").read_text(encoding="utf-8")
    assert _without_time((tmp_path / "parts.json").read_text(encoding="utf-8")) == _without_time(whole)
    assert _without_time((tmp_path / "streamed.json").read_text(encoding="utf-8")) == _without_time(whole)
    assert not (tmp_path / "bad.json").exists()


@pytest.mark.parametrize("text", ['{"id": "s", "title": "t", "article_ids": ["a"], "reuse": [{}, ]}',
                                  '{"id": "s", "title": "t", "article_ids": ["a"]} x', '{"id": "s"',
                                  '{"id": "s", "title": "t" "article_ids": ["a"]}'])
def test_a_story_text_that_is_not_json_is_refused_field_by_field_as_whole(text):
    from wiretrace.report.json_report import _check_large_story

    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    try:
        verdict = _check_large_story(text)
    except json.JSONDecodeError:
        return
    assert verdict[2] is not None  # or refused by the schema before the bad text is reached
