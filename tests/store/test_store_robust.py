"""The store under careless operators: concurrent first runs, foreign and damaged files, read-only files, a full
disk, killed runs, a story whose stages fail. Real SQLite files and real processes throughout."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wiretrace.model import Article, Story
from wiretrace.pipeline import Context, analyze
from wiretrace.samples import corpus_path
from wiretrace.store import Store
from wiretrace.store.repository import StoreError


def lexical_ctx() -> Context:
    ctx = Context()
    ctx.config.embedder = "lexical"
    ctx.config.multilingual_embedder = "none"
    ctx.config.singleton_claims = False
    return ctx


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- two writers ------------------------------------------------------------------------------------------------------

def _race_worker(warm_db: str, dbs: list[str], paths: list[str], barrier, out) -> None:  # noqa: ANN001
    """One writer in its own spawned interpreter: models load once (a warm-up run on a private store), then each race
    starts at the barrier so both writers open the same new store at the same moment."""
    try:
        ctx = lexical_ctx()
        with Store(warm_db) as store:
            analyze(paths, store, ctx)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        out.put(("warm-up", "error", f"{type(exc).__name__}: {exc}"))
        return
    for db in dbs:
        try:
            barrier.wait(120)
            with Store(db) as store:
                res = analyze(paths, store, ctx)
            out.put((db, "ok", sorted(res.article_ids)))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            out.put((db, "error", f"{type(exc).__name__}: {exc}"))


@pytest.mark.skipif(sys.platform != "linux", reason="real processes on one machine")
def test_two_concurrent_first_runs_on_a_new_store_both_succeed(tmp_path):
    files = sorted(str(p) for p in corpus_path().iterdir() if p.suffix in {".txt", ".html", ".jsonl"})
    halves = [files[::2], files[1::2]]
    dbs = [str(tmp_path / f"race{attempt}.db") for attempt in range(4)]
    # Spawned, not forked: forking a process whose ONNX/BLAS thread pools are running can deadlock the child, and a
    # hung non-daemon child keeps the test session from ever exiting.
    spawn = multiprocessing.get_context("spawn")
    barrier, out = spawn.Barrier(2), spawn.Queue()
    procs = [
        spawn.Process(target=_race_worker, args=(str(tmp_path / f"warm{i}.db"), dbs, half, barrier, out), daemon=True)
        for i, half in enumerate(halves)
    ]
    for p in procs:
        p.start()
    try:
        results = [out.get(timeout=300) for _ in range(len(dbs) * len(procs))]
    finally:
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
    assert all(status == "ok" for _, status, _ in results), results
    for db in dbs:
        ids = {i for got_db, _, got in results if got_db == db for i in got}
        with Store(db) as store:
            assert {a.id for a in store.iter_articles()} == ids  # nothing lost
            assert store.unassigned_article_ids() == []
            n_clustered = store.conn.execute("SELECT COUNT(*) FROM cluster_articles").fetchone()[0]
            assert n_clustered == len(ids)  # the clustering state holds every article once
            assert [r["status"] for r in store.runs()] == ["ok", "ok"]
            assert store.stories_needing_analysis() == []


# -- files that are not (usable) wiretrace stores ---------------------------------------------------------------------

def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE users(name TEXT); INSERT INTO users VALUES ('ann');")
    conn.close()


def test_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path):
    db = tmp_path / "other.db"
    _foreign(db)
    before = digest(db)
    with pytest.raises(StoreError, match="not a wiretrace store .*users.*left untouched"):
        Store(db)
    assert digest(db) == before
    assert not (tmp_path / "other.db-wal").exists()
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    db = tmp_path / "notes.db"
    db.write_text("my notes, not a database\n" * 10)
    before = digest(db)
    with pytest.raises(StoreError, match="not a SQLite database"):
        Store(db)
    assert digest(db) == before


def _store_with(tmp_path: Path, sql: str) -> Path:
    db = tmp_path / "w.db"
    with Store(db) as store:
        store.add_articles([Article(source="a", text="Alpha text.", title="A")], None)
    conn = sqlite3.connect(db)
    conn.executescript(sql)
    conn.close()
    return db


@pytest.mark.parametrize("sql, message", [
    ("DROP TABLE meta;", "not a wiretrace store"),
    ("DELETE FROM meta;", "no schema_version"),
    ("UPDATE meta SET value='three' WHERE key='schema_version';", "unreadable schema version 'three'"),
    ("UPDATE meta SET value='999' WHERE key='schema_version';", "newer than this wiretrace"),
    ("ALTER TABLE articles DROP COLUMN outlet;", "lacks column\\(s\\) outlet"),
    ("DROP TABLE story_events;", "table 'story_events' is missing"),
])
def test_damaged_store_is_one_clear_message_and_never_modified(tmp_path, sql, message):
    db = _store_with(tmp_path, sql)
    before = digest(db)
    with pytest.raises(StoreError, match=message):
        Store(db)
    assert digest(db) == before


def test_corrupt_page_is_reported_by_check_and_by_the_write_that_meets_it(tmp_path):
    db = tmp_path / "w.db"
    with Store(db) as store:
        store.add_articles([Article(source=f"s{i}", text=f"Text number {i}. " * 200, title=f"T{i}")
                            for i in range(200)], None)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = store.conn.execute("PRAGMA page_size").fetchone()[0]
        n_pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    raw = bytearray(db.read_bytes())
    for p in range(n_pages // 2, n_pages - 1):  # scribble over the second half of the pages (not the header)
        raw[p * page : p * page + 64] = b"\xff" * 64
    db.write_bytes(bytes(raw))
    with Store(db) as store:
        problems = store.check()
        assert problems and "corrupt" in problems[0]
        with pytest.raises(StoreError, match="corrupt"):
            store.add_articles([Article(source=f"n{i}", text=f"New text {i}. " * 300, title=f"N{i}")
                                for i in range(300)], None)


def test_read_only_store_opens_for_viewing_and_refuses_writes_clearly(tmp_path):
    db = tmp_path / "w.db"
    with Store(db) as store:
        store.add_articles([Article(source="a", text="Alpha text.", title="A")], None)
    before = digest(db)
    with Store(db, readonly=True) as store:
        assert store.readonly and store.count_articles() == 1
        with pytest.raises(StoreError, match="read-only"):
            store.start_run(["x"])
    assert digest(db) == before


def test_full_disk_is_one_message_and_the_store_is_unchanged(tmp_path):
    db = tmp_path / "w.db"
    with Store(db) as store:
        store.add_articles([Article(source="a", text="Alpha text.", title="A")], None)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count={pages + 2}")  # the disk is "full" two pages on
        big = [Article(source=f"b{i}", text=f"Big text {i}. " * 2000, title=f"B{i}") for i in range(20)]
        with pytest.raises(StoreError, match="disk is full"):
            store.add_articles(big, None)
        assert store.count_articles() == 1


def test_killed_run_is_marked_interrupted_by_the_next(tmp_path):
    db = tmp_path / "w.db"
    Store(db).close()
    code = ("import sys, time; from wiretrace.store import Store; s = Store(sys.argv[1]); s.start_run(['x']); "
            "print('started', flush=True); time.sleep(60)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().strip() == "started"
    with Store(db) as store:
        assert [r["status"] for r in store.runs()] == ["running"]
        store.start_run(["y"])  # the first run is still alive: left alone
        assert [r["status"] for r in store.runs()] == ["running", "running"]
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    with Store(db) as store:
        store.start_run(["z"])
        statuses = [r["status"] for r in store.runs()]
    assert statuses[0] == "interrupted" and statuses[1:] == ["running", "running"]  # ours are alive


# -- a story whose stages fail ----------------------------------------------------------------------------------------

def test_failed_story_is_marked_and_never_blocks_later_runs(tmp_path):
    """The E088 crash itself, with the budget turned off: the story fails, the run goes on, later runs too."""
    long_dir, good_dir = tmp_path / "long", tmp_path / "good"
    long_dir.mkdir()
    good_dir.mkdir()
    sentence = "The council said the harbour bridge would reopen on Monday after repairs costing millions. "
    (long_dir / "long.txt").write_text("A very long report\n\n" + sentence * 11_200)  # over 1,000,000 characters
    shutil.copy(corpus_path() / "meridian-wire.txt", good_dir)
    ctx = lexical_ctx()
    ctx.config.singleton_claims = True
    ctx.config.max_article_chars = 2_000_000  # budget off: spaCy meets the whole text
    db = tmp_path / "w.db"
    with Store(db) as store:
        first = analyze([str(long_dir)], store, ctx)
        assert len(first.errors) == 1 and first.errors[0].source.startswith("story ")
        assert "E088" in first.errors[0].reason and len(str(first.errors[0])) < 300
        assert len(store.failed_stories()) == 1
        t = time.perf_counter()
        second = analyze([str(good_dir)], store, lexical_ctx())
        assert not second.errors and second.story_ids
        assert store.get_story(second.story_ids[0]) is not None
        assert time.perf_counter() - t < 120
        assert [r["status"] for r in store.runs()] == ["ok", "ok"]


def test_results_for_a_story_changed_meanwhile_are_not_kept(tmp_path):
    """Run A analyses story s1 = {a}; run B adds b to s1 (and resets it); A's late save must not leave s1 stale."""
    a = Article(source="a", text="Alpha text.", title="A")
    b = Article(source="b", text="Beta text.", title="B")
    with Store(tmp_path / "w.db") as store:
        store.add_articles([a, b], None)
        store.apply_clustering(None, "cluster", b"v1", {a.id: "s1"}, [])
        story_of_a = Story("s1", [a.id], title="A", conflicts=[])
        store.apply_clustering(None, "cluster", b"v2", {b.id: "s1"}, [])  # run B, meanwhile
        store.save_story_results(story_of_a, None, {}, "v", {})  # run A's late save
        assert store.stories_needing_analysis() == ["s1"]
        store.save_story_results(Story("s1", [a.id, b.id], title="A", conflicts=[]), None, {}, "v", {})
        assert store.stories_needing_analysis() == []
