"""The SQLite store: migrations, idempotent inserts, atomic clustering writes."""

from __future__ import annotations

import sqlite3

import pytest

from wiretrace.model import Article, Removed, Story
from wiretrace.store import Store
from wiretrace.store.repository import StoreError
from wiretrace.store.schema import MIGRATIONS


def make(text: str, title: str = "T", source: str = "x.txt") -> Article:
    art = Article(source=source, title=title, text=text, byline=["A B"], removed=[Removed("Subscribe!", "promo")])
    art.compute_id()
    return art


def test_schema_version_and_wal(tmp_path):
    with Store(tmp_path / "w.db") as store:
        assert store.schema_version() == len(MIGRATIONS)
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_articles_keyed_by_content(tmp_path):
    with Store(tmp_path / "w.db") as store:
        a = make("Same words here.", source="one.txt")
        b = make("Same  words\nhere.", source="two.txt")  # whitespace differs only
        c = make("Other words.", source="three.txt")
        assert b.id == a.id
        assert store.add_articles([a, c], run_id=None) == [a.id, c.id]
        assert store.add_articles([b, a], run_id=None) == []
        assert store.count_articles() == 2
        back = store.get_article(a.id)
        assert back.text == "Same words here." and back.removed == [Removed("Subscribe!", "promo")]
        sources = store.conn.execute("SELECT source FROM article_sources WHERE article_id=?", (a.id,)).fetchall()
        assert sorted(s[0] for s in sources) == ["one.txt", "two.txt"]


def test_clustering_write_is_atomic(tmp_path):
    with Store(tmp_path / "w.db") as store:
        a, b = make("Alpha."), make("Beta.")
        store.add_articles([a, b], None)
        with pytest.raises(sqlite3.IntegrityError):
            # an unknown article id violates the foreign key: nothing of this call may stay
            store.apply_clustering(None, "cluster", b"state", {a.id: "s1", "missing": "s1"}, [{"kind": "new"}])
        assert store.load_state("cluster") is None
        assert store.story_ids() == []
        assert store.unassigned_article_ids() == [a.id, b.id]
        touched = store.apply_clustering(None, "cluster", b"v1", {a.id: "s1", b.id: "s2"}, [])
        assert touched == {"s1", "s2"}
        # a merge moves b into s1; s2 disappears and the event is kept
        touched = store.apply_clustering(None, "cluster", b"v2", {b.id: "s1"}, [{"kind": "merge", "into": "s1"}])
        assert touched == {"s1"}
        assert store.story_ids() == ["s1"]
        assert store.story_article_ids("s1") == [a.id, b.id]
        assert store.load_state("cluster") == b"v2"
        assert store.story_events()[-1]["kind"] == "merge"


def test_story_results_and_invalidation(tmp_path):
    with Store(tmp_path / "w.db") as store:
        a = make("Alpha.")
        store.add_articles([a], None)
        store.apply_clustering(None, "cluster", b"v", {a.id: "s1"}, [])
        assert store.stories_needing_analysis() == ["s1"]
        store.save_story(Story("s1", [a.id], title="Alpha", conflicts=[]), None)
        assert store.stories_needing_analysis() == []
        assert store.get_story("s1").title == "Alpha"
        store.invalidate_stories(["s1"])
        assert store.stories_needing_analysis() == ["s1"]


def test_runs_recorded(tmp_path):
    with Store(tmp_path / "w.db") as store:
        rid = store.start_run(["a", "b"])
        store.finish_run(rid, "ok", {"articles_read": 2}, ["x: bad"], {"read": 0.1})
        run = store.runs()[0]
        assert run["inputs"] == ["a", "b"] and run["errors"] == ["x: bad"] and run["status"] == "ok"


def test_not_a_database(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="junk.db"):
        Store(path)


def test_newer_schema_refused(tmp_path):
    path = tmp_path / "w.db"
    with Store(path) as store:
        store.conn.execute("UPDATE meta SET value='999' WHERE key='schema_version'")
    with pytest.raises(StoreError, match="newer"):
        Store(path)


def test_clustering_resets_results_in_the_same_transaction(tmp_path):
    with Store(tmp_path / "w.db") as store:
        a, b = make("Alpha."), make("Beta.")
        store.add_articles([a, b], None)
        store.apply_clustering(None, "cluster", b"v1", {a.id: "s1"}, [])
        store.save_story(Story("s1", [a.id], title="Alpha"), None)
        assert store.stories_needing_analysis() == []
        # b joins s1: its old results must be gone as soon as the assignment commits
        store.apply_clustering(None, "cluster", b"v2", {b.id: "s1"}, [])
        assert store.stories_needing_analysis() == ["s1"]
