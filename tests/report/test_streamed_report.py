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
