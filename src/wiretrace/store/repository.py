"""SQLite repository for articles, runs, stories and stage state.

Every write that must stay consistent (a batch of articles; a cluster state
together with the story assignments it implies) happens in one transaction,
so a run killed half-way leaves the store as it was before that step and
the next run picks up what is missing.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wiretrace.ingest.errors import printable
from wiretrace.model import Alignment, Article, Passage, SentencePair, Story, json_object
from wiretrace.store.pages import PagesMixin
from wiretrace.store.schema import MIGRATIONS

if TYPE_CHECKING:
    from wiretrace.store.cluster_index import ClusterIndex


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine (signal 0 checks without sending anything)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


class StoreError(RuntimeError):
    """A store that cannot be used as asked: one line, naming the file, for the command line to print."""


SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_BUSY_SECONDS = 120.0


def _operational(exc: BaseException) -> bool:
    """A failure of the file or the machine (disk full, corrupt page, read-only, lock), not of the program (an
    integrity error is a bug and stays one)."""
    return isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError


def describe_error(exc: sqlite3.Error) -> str:
    """One clear phrase for the SQLite failures an operator meets."""
    text = str(exc).lower()
    if "disk is full" in text or "database or disk is full" in text:
        return "the disk is full (nothing of this step was written; free space and run again)"
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return f"the file is corrupt ({exc}); restore it from a copy or start a new store"
    if "readonly" in text or "read-only" in text:
        return "the store is read-only here (viewing works; writing needs write permission on it and its folder)"
    if "locked" in text or "busy" in text:
        return "another process kept the store locked too long (a second run or the web app writing); try again"
    return str(exc)


@functools.cache
def _expected_columns() -> dict[str, list[str]]:
    """Every table and its columns as the migrations create them (checked on open: a damaged store says so)."""
    conn = sqlite3.connect(":memory:")
    try:
        for migration in MIGRATIONS:
            conn.executescript(migration)
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables
                if not t.startswith("sqlite_")}
    finally:
        conn.close()


# A story whose report form passes this many characters is stored a field a row (schema migration 7).
STORY_PART_CHARS = 2_000_000


def _drop_story_parts(c: sqlite3.Connection, story_id: str) -> None:
    """Forget a story's stored parts: every write of its results, reset, invalidation or deletion goes through here,
    so no part outlives the text it belonged to."""
    c.execute("DELETE FROM story_parts WHERE story_id=?", (story_id,))


class StoryParts:
    """A story stored in parts: its `"key": value` texts in order (`pieces`, read a row at a time), or joined
    into the story's JSON text (`text`, the same text as stored whole)."""

    def __init__(self, conn: sqlite3.Connection, story_id: str) -> None:
        self.conn, self.story_id = conn, story_id

    def pieces(self) -> Iterator[str]:
        seq = -1
        while row := self.conn.execute("SELECT seq, data FROM story_parts WHERE story_id=? AND seq>? ORDER BY seq "
                                       "LIMIT 1", (self.story_id, seq)).fetchone():
            seq = row[0]
            yield row[1]

    def text(self) -> str:
        return json_object(self.pieces())


class Store(PagesMixin):
    """A wiretrace database file. Use as a context manager or call close().

    Opening never modifies a file that is not a wiretrace store (foreign SQLite file, other file, corrupt or
    unreadable): it raises `StoreError` with one line naming the file. `readonly=None` opens read-only when the
    file or its folder is not writable (viewing commands and `serve` work on such a store); `True` always does.
    Schema creation and migrations happen in one write transaction (`BEGIN IMMEDIATE`, waiting up to
    `busy_seconds` for another writer), so two first runs on a new file are safe.
    """

    def __init__(self, path: str | Path, readonly: bool | None = None, busy_seconds: float = DEFAULT_BUSY_SECONDS):
        self.path = Path(path)
        self.readonly = bool(readonly)
        exists = self.path.exists()
        if exists and not self.path.is_file():
            raise StoreError(f"{self.path}: not a file")
        if exists:
            self._check_header()
        if readonly is None:
            self.readonly = exists and not (os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK))
        if not exists:
            if readonly:
                raise StoreError(f"{self.path}: no such store")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.path}: cannot create the store's folder ({exc.strerror or exc})") from exc
        self.conn = self._connect(busy_seconds)
        try:
            self._check_and_migrate()
            if not self.readonly:
                self._set_wal()
            self.conn.execute("PRAGMA foreign_keys=ON")
            if not self.readonly:
                self.conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise StoreError(f"{self.path}: {describe_error(exc)}") from exc
        except StoreError:
            self.conn.close()
            raise
        self.conn.row_factory = sqlite3.Row

    def _check_header(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(100)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot read the store ({exc.strerror or exc})") from exc
        if head and not head.startswith(SQLITE_HEADER):
            raise StoreError(f"{self.path}: not a wiretrace store (not a SQLite database at all); left untouched")

    def _connect(self, busy_seconds: float) -> sqlite3.Connection:
        try:
            if not self.readonly:
                return sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                       timeout=busy_seconds)
            uri = self.path.resolve().as_uri()
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, check_same_thread=False,
                                   timeout=busy_seconds)
            try:
                conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                return conn
            except sqlite3.OperationalError:
                # A WAL store in a folder we cannot write: SQLite cannot make its -shm file; read it as immutable.
                conn.close()
                return sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None,
                                       check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the store ({describe_error(exc)})") from exc

    def _set_wal(self) -> None:
        """WAL lets readers (the web app's pages) go on while a run writes. Set only on a checked wiretrace store."""
        for attempt in range(50):
            try:
                self.conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc).lower() or attempt == 49:
                    raise
                time.sleep(0.1)

    def _tables(self, c: sqlite3.Connection | None = None) -> set[str]:
        rows = (c or self.conn).execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        return {r[0] for r in rows if not r[0].startswith("sqlite_")}

    def _version_of(self, c: sqlite3.Connection) -> int:
        """The stored schema version; 0 for an empty file; StoreError for anything that is not a wiretrace store."""
        tables = self._tables(c)
        if not tables:
            return 0
        if "meta" not in tables:
            raise StoreError(f"{self.path}: not a wiretrace store (a SQLite database with other tables: "
                             f"{', '.join(sorted(tables)[:5])}); left untouched")
        row = c.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            if tables == {"meta"}:
                return 0  # a first run killed right after creating meta, before its commit is impossible; harmless
            raise StoreError(f"{self.path}: not a wiretrace store (its meta table has no schema_version); "
                             "left untouched")
        try:
            return int(str(row[0]).strip())
        except ValueError:
            raise StoreError(f"{self.path}: unreadable schema version {str(row[0])[:40]!r} (a damaged or foreign "
                             "store); left untouched") from None

    def _check_and_migrate(self) -> None:
        current = self._version_of(self.conn)
        if current > len(MIGRATIONS):
            raise StoreError(f"{self.path}: schema version {current} is newer than this wiretrace "
                             f"({len(MIGRATIONS)}); upgrade wiretrace")
        if current < len(MIGRATIONS):
            if self.readonly:
                raise StoreError(f"{self.path}: the store needs an upgrade (schema {current} -> {len(MIGRATIONS)}) "
                                 "but is read-only here; open it once with write permission")
            self._migrate()
        self._check_columns()

    def _check_columns(self) -> None:
        have = self._tables()
        for table, columns in _expected_columns().items():
            if table not in have:
                raise StoreError(f"{self.path}: table {table!r} is missing (a damaged or hand-edited store)")
            found = {r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")}
            lost = [c for c in columns if c not in found]
            if lost:
                raise StoreError(f"{self.path}: table {table!r} lacks column(s) {', '.join(lost)} "
                                 "(a damaged or hand-edited store)")

    def check(self, max_problems: int = 5) -> list[str]:
        """SQLite's quick_check, as lines for an operator; [] when the file is sound. Reads every page (seconds on
        a large store), so `serve` runs it once at start and viewing goes on with a warning."""
        try:
            rows = [r[0] for r in self.conn.execute(f"PRAGMA quick_check({int(max_problems)})")]
        except sqlite3.DatabaseError as exc:
            return [f"{self.path}: {describe_error(exc)}"]
        if rows == ["ok"]:
            return []
        return [f"{self.path}: the file is corrupt ({printable(r, 200)}); restore it from a copy or start a new store"
                for r in rows]

    # -- lifecycle -----------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (`BEGIN IMMEDIATE`: the write lock is taken up front, so what is read inside is
        what is written over). Nested use joins the outer transaction. SQLite failures (disk full, corruption,
        a read-only file, a lock held too long) roll back and become one `StoreError` line."""
        if self.conn.in_transaction:
            yield self.conn
            return
        if self.readonly:
            raise StoreError(f"{self.path}: {describe_error(sqlite3.OperationalError('readonly'))}")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {describe_error(exc)}") from exc
        try:
            yield self.conn
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if _operational(exc):
                raise StoreError(f"{self.path}: {describe_error(exc)}") from exc
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise StoreError(f"{self.path}: {describe_error(exc)}") from exc

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: everything read inside sees the store as it was when it began, even while another
        run writes (WAL), so a report read over many queries is one consistent state. Joins an open transaction."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")  # nothing was written: ending the read is all this does

    def _rows_in(self, sql: str, ids: list[str], size: int = 500) -> Iterator[tuple]:
        """Rows of `sql`, whose `{marks}` is an `IN (...)` list, over `ids` a chunk at a time (SQLite's variable
        limit; a report's thousands of ids)."""
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            yield from self.conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)

    def schema_version(self) -> int:
        try:
            row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        """Every missing migration in one write transaction; the version is read again under the write lock, so
        a concurrent first run that got there first leaves nothing to do."""
        with self.transaction() as c:
            current = self._version_of(c)
            for version in range(current + 1, len(MIGRATIONS) + 1):
                for statement in MIGRATIONS[version - 1].split(";"):
                    if statement.strip():
                        c.execute(statement)
                c.execute(
                    "INSERT INTO meta(key, value) VALUES('schema_version', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                    (str(version),),
                )

    # -- runs ----------------------------------------------------------------------
    def start_run(self, inputs: list[str]) -> int:
        """Record a run (with this process's id and host) and mark as `interrupted` the runs still `running` whose
        process is gone (killed, or the machine stopped): the runs table never claims a dead run is running."""
        with self.transaction() as c:
            self._mark_interrupted(c)
            cur = c.execute("INSERT INTO runs(started, inputs, pid, host) VALUES(?, ?, ?, ?)",
                            (_now(), json.dumps(inputs), os.getpid(), socket.gethostname()))
            return int(cur.lastrowid)

    @staticmethod
    def _mark_interrupted(c: sqlite3.Connection) -> None:
        host = socket.gethostname()
        for row in c.execute("SELECT id, pid, host FROM runs WHERE status='running'").fetchall():
            run_id, pid, run_host = row[0], row[1], row[2]
            if pid is not None and run_host != host:
                continue  # another machine's run: its liveness cannot be checked from here
            if pid is not None and _alive(int(pid)):
                continue
            c.execute("UPDATE runs SET status='interrupted', finished=? WHERE id=?", (_now(), run_id))

    def finish_run(
        self, run_id: int, status: str, counts: dict[str, Any], errors: list[str], timings: dict[str, float]
    ) -> None:
        with self.transaction() as c:
            c.execute(
                "UPDATE runs SET finished=?, status=?, counts=?, errors=?, timings=? WHERE id=?",
                (_now(), status, json.dumps(counts), json.dumps(errors), json.dumps(timings), run_id),
            )

    def runs(self) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM runs ORDER BY id").fetchall()
        out = []
        for r in rows:
            d = dict(r)
            for key in ("inputs", "counts", "errors", "timings"):
                d[key] = json.loads(d[key])
            out.append(d)
        return out

    # -- articles ------------------------------------------------------------------
    def add_articles(self, articles: Iterable[Article], run_id: int | None) -> list[str]:
        """Store articles in one transaction; return the ids that were new.

        One row per publication (`Article.publication`): an article whose publication is stored already takes the
        stored id (its input is recorded, nothing else changes); so does one matching a row stored before
        publication identity by the old title+text id, when URL and outlet agree (the row then gets its key).
        """
        new: list[str] = []
        with self.transaction() as c:
            for art in articles:
                if not art.id:
                    art.compute_id()
                elif not art.publication:  # an id given by the caller is kept; the row still gets its key
                    art.publication = art.publication_key()
                known = self._known_publication(c, art)
                if known is None:
                    data = art.to_report()
                    data.pop("inputs", None)  # kept in article_sources
                    c.execute(
                        "INSERT INTO articles(id, source, external_id, url, title, outlet, published, language,"
                        " data, first_run, added, publication) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            art.id, art.source, art.external_id, art.url, art.title, art.outlet, art.published,
                            art.language, json.dumps(data, ensure_ascii=False), run_id, _now(), art.publication,
                        ),
                    )
                    new.append(art.id)
                else:
                    art.id = known
                if art.analysis is not None:
                    self._put_analysis(c, art.id, art.analysis, only_if_outdated=known is not None)
                c.execute(
                    "INSERT OR IGNORE INTO article_sources(article_id, source, run_id) VALUES(?,?,?)",
                    (art.id, art.source, run_id),
                )
        return new

    @staticmethod
    def _known_publication(c: sqlite3.Connection, art: Article) -> str | None:
        """The stored id of `art`'s publication, or None when it is new."""
        from wiretrace.model import normalise_url

        row = c.execute("SELECT id FROM articles WHERE publication=?", (art.publication,)).fetchone()
        if row:
            return str(row[0])
        legacy = art.legacy_id()
        row = c.execute("SELECT url, outlet FROM articles WHERE id=? AND publication=?",
                        (legacy, "legacy " + legacy)).fetchone()
        if row is None:
            return None
        same_outlet = " ".join((row[1] or "").casefold().split()) == " ".join((art.outlet or "").casefold().split())
        if normalise_url(row[0]) != normalise_url(art.url) or not same_outlet:
            return None  # the same text from another outlet or URL: another publication
        c.execute("UPDATE articles SET publication=? WHERE id=?", (art.publication, legacy))
        return legacy

    def article_inputs(self, ids: Iterable[str]) -> dict[str, list[str]]:
        """Every input where each article was seen, in the order first seen."""
        out: dict[str, list[str]] = {}
        for aid, source in self._rows_in("SELECT article_id, source FROM article_sources WHERE article_id IN "
                                         "({marks}) ORDER BY COALESCE(run_id, 0), rowid", list(ids)):
            out.setdefault(aid, []).append(source)
        return out

    # -- per-article analyses ------------------------------------------------------------------------------------
    @staticmethod
    def _put_analysis(c: sqlite3.Connection, article_id: str, analysis: Any, only_if_outdated: bool = False) -> None:
        from wiretrace.analysis import to_bytes

        where = " WHERE article_analysis.version != excluded.version" if only_if_outdated else ""
        c.execute(
            "INSERT INTO article_analysis(article_id, version, data) VALUES(?,?,?) "
            "ON CONFLICT(article_id) DO UPDATE SET version=excluded.version, data=excluded.data" + where,
            (article_id, analysis.version, to_bytes(analysis)),
        )
        analysis.dirty = False

    def save_analyses(self, articles: Iterable[Article]) -> None:
        """Write back analyses that gained something (vectors, a parse, a fingerprint), in one transaction."""
        with self.transaction() as c:
            for art in articles:
                if art.analysis is not None:
                    self._put_analysis(c, art.id, art.analysis)

    def _attach_analyses(self, articles: dict[str, Article]) -> None:
        from wiretrace.analysis import ANALYSIS_VERSION, from_bytes

        ids = list(articles)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT article_id, data FROM article_analysis WHERE version=? AND article_id IN ({marks})",
                [ANALYSIS_VERSION, *chunk],
            ):
                try:
                    articles[row[0]].analysis = from_bytes(bytes(row[1]))
                except ValueError:
                    continue  # an unreadable record is recomputed on first need and written over

    def analysed_publications(self, keys: Iterable[str]) -> set[str]:
        """Those of the publication `keys` stored with an analysis of the current version (nothing to redo)."""
        from wiretrace.analysis import ANALYSIS_VERSION

        sql = ("SELECT a.publication FROM articles a JOIN article_analysis x ON x.article_id = a.id"
               f" WHERE x.version = {int(ANALYSIS_VERSION)} AND a.publication IN ({{marks}})")
        return {row[0] for row in self._rows_in(sql, list(dict.fromkeys(keys)))}

    def analysis_counts(self) -> dict[str, int]:
        """Stored articles with a current analysis, and without one (older schema or another version)."""
        from wiretrace.analysis import ANALYSIS_VERSION

        total = self.count_articles()
        current = int(self.conn.execute("SELECT COUNT(*) FROM article_analysis WHERE version=?",
                                        (ANALYSIS_VERSION,)).fetchone()[0])
        return {"current": current, "missing_or_outdated": total - current}

    # -- article-pair alignments ---------------------------------------------------------------------------------
    def load_pair_results(self, ids: list[str], version: str) -> dict[tuple[str, str], Alignment]:
        """Stored alignments between any two of `ids` computed with `version`, keyed (a, b) as stored."""
        wanted = set(ids)
        out: dict[tuple[str, str], Alignment] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT a, b, data FROM pair_alignments WHERE version=? AND a IN ({marks})", [version, *chunk]
            ):
                if row[1] in wanted:
                    out[(row[0], row[1])] = _alignment_from_json(json.loads(row[2]))
        return out

    def count_pair_results(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM pair_alignments").fetchone()[0])

    def has_article(self, article_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM articles WHERE id=?", (article_id,)).fetchone() is not None

    def get_article(self, article_id: str) -> Article | None:
        return self.get_articles([article_id], analyses=False).get(article_id)

    def get_articles(self, ids: Iterable[str], analyses: bool = True) -> dict[str, Article]:
        """Articles by id, each with its stored analysis attached when current (`analyses=False`: text only)."""
        out: dict[str, Article] = {}
        for aid, data, publication in self._rows_in("SELECT id, data, publication FROM articles WHERE id IN ({marks})",
                                                    list(ids)):
            out[aid] = art = Article.from_report(json.loads(data))
            art.publication = publication or ""
        for aid, inputs in self.article_inputs(out).items():
            out[aid].inputs = inputs
        if analyses and out:
            self._attach_analyses(out)
        return out

    def iter_articles(self) -> Iterator[Article]:
        for row in self.conn.execute("SELECT data FROM articles ORDER BY rowid"):
            yield Article.from_report(json.loads(row[0]))

    def count_articles(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def unassigned_article_ids(self) -> list[str]:
        """Stored articles not yet in any story (new, or left by an interrupted run)."""
        rows = self.conn.execute(
            "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM story_articles) ORDER BY rowid"
        )
        return [r[0] for r in rows]

    # -- clustering ----------------------------------------------------------------
    def load_state(self, name: str) -> bytes | None:
        """A stage's state blob. Clustering keeps no blob any more (see `cluster_index`); an old store's blob is
        read here once, to import it."""
        row = self.conn.execute("SELECT value FROM stage_state WHERE name=?", (name,)).fetchone()
        return bytes(row[0]) if row else None

    def cluster_index(self, name: str = "cluster") -> ClusterIndex:
        """The clustering state, read from its indexed tables only as far as a run needs (`assign` takes it).

        A store written before the tables existed kept the state as one blob (stage_state `name`): on first use
        that blob is imported into the tables and deleted, in one transaction, and the returned index says how
        many articles came in (`.imported`); the blob is never read again. Posting tails kept for another
        `POSTING_TAIL` are rebuilt from the stored articles (once, also in one transaction).
        """
        from wiretrace.cluster.state import POSTING_TAIL
        from wiretrace.store import cluster_index as ci

        imported = 0
        m = ci.meta(self.conn)
        if m is None and self.conn.execute("SELECT 1 FROM stage_state WHERE name=?", (name,)).fetchone():
            with self.transaction() as c:
                if ci.meta(c) is None:  # checked again under the write lock
                    blob = self.load_state(name)
                    if blob:
                        imported = ci.import_blob(c, blob)
                    c.execute("DELETE FROM stage_state WHERE name=?", (name,))
        elif m is not None and m[2] != POSTING_TAIL:
            with self.transaction() as c:
                ci.rebuild_postings(c)
        return ci.ClusterIndex(self.conn, imported=imported)

    def apply_clustering(
        self,
        run_id: int | None,
        state_name: str,
        state: bytes | ClusterIndex,
        assignments: dict[str, str],
        events: list[dict[str, Any]],
    ) -> set[str]:
        """Save the cluster state and the assignments it implies, atomically.

        `state`: the `ClusterIndex` the run assigned into (its changes are written to the index tables), or a
        blob kept under `state_name` (the format before the index). Everything is written in one transaction:
        a run killed before the commit leaves the index, the assignments and the events as they were.
        Returns the ids of stories that changed (gained, lost or swapped articles); their stored
        results are reset so the next analysis step recomputes them.
        """
        touched: set[str] = set()
        with self.transaction() as c:
            if isinstance(state, bytes | bytearray | memoryview):
                c.execute(
                    "INSERT INTO stage_state(name, value, run_id) VALUES(?,?,?) "
                    "ON CONFLICT(name) DO UPDATE SET value=excluded.value, run_id=excluded.run_id",
                    (state_name, bytes(state), run_id),
                )
            else:
                state.write(c)
            for article_id, story_id in assignments.items():
                old = c.execute("SELECT story_id FROM story_articles WHERE article_id=?", (article_id,)).fetchone()
                if old and old[0] == story_id:
                    continue
                if old:
                    touched.add(old[0])
                touched.add(story_id)
                c.execute(
                    "INSERT INTO stories(id, created_run, updated_run) VALUES(?,?,?) ON CONFLICT(id) DO NOTHING",
                    (story_id, run_id, run_id),
                )
                c.execute(
                    "INSERT INTO story_articles(article_id, story_id) VALUES(?,?) "
                    "ON CONFLICT(article_id) DO UPDATE SET story_id=excluded.story_id",
                    (article_id, story_id),
                )
            for event in events:
                c.execute(
                    "INSERT INTO story_events(run_id, kind, data) VALUES(?,?,?)",
                    (run_id, str(event.get("kind", "event")), json.dumps(event, default=str)),
                )
            # Stories left empty by a merge disappear; their ids live on in story_events.
            for sid in list(touched):
                n = c.execute("SELECT COUNT(*) FROM story_articles WHERE story_id=?", (sid,)).fetchone()[0]
                if n == 0:
                    _drop_story_parts(c, sid)
                    c.execute("DELETE FROM stories WHERE id=?", (sid,))
                    touched.discard(sid)
                else:
                    # Results are reset in the same transaction: a run that dies right after this
                    # leaves the story marked for analysis, never stale.
                    c.execute("UPDATE stories SET n_articles=?, updated_run=?, data='{}', failed=NULL WHERE id=?",
                              (n, run_id, sid))
                    _drop_story_parts(c, sid)
        return touched

    def story_of(self, article_id: str) -> str | None:
        row = self.conn.execute("SELECT story_id FROM story_articles WHERE article_id=?", (article_id,)).fetchone()
        return row[0] if row else None

    def story_events(self) -> list[dict[str, Any]]:
        return [
            {"run_id": r["run_id"], "kind": r["kind"], **json.loads(r["data"])}
            for r in self.conn.execute("SELECT * FROM story_events ORDER BY id")
        ]

    # -- stories -------------------------------------------------------------------
    def story_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM stories ORDER BY rowid")]

    def existing_stories(self, story_ids: Iterable[str]) -> set[str]:
        """Which of `story_ids` are stored stories (a merge deletes the stories it absorbs)."""
        rows = self.conn.execute("SELECT id FROM stories WHERE id IN (SELECT value FROM json_each(?))",
                                 (json.dumps(sorted(story_ids)),))
        return {r[0] for r in rows}

    def story_article_ids(self, story_id: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT sa.article_id FROM story_articles sa JOIN articles a ON a.id = sa.article_id "
            "WHERE sa.story_id=? ORDER BY a.rowid",
            (story_id,),
        )
        return [r[0] for r in rows]

    def stories_needing_analysis(self) -> list[str]:
        """Stories whose stage results are missing (new, changed, or an interrupted run). A story whose stages
        failed is left out until it changes (`mark_story_failed`), so it never blocks later runs."""
        rows = self.conn.execute("SELECT id FROM stories WHERE data = '{}' AND failed IS NULL ORDER BY rowid")
        return [r[0] for r in rows]

    def mark_story_failed(self, story_id: str, reason: str, run_id: int | None) -> None:
        """Keep why a story's stages failed; it is retried when clustering changes it (which clears the mark)."""
        with self.transaction() as c:
            c.execute("UPDATE stories SET failed=?, updated_run=? WHERE id=?", (reason[:500], run_id, story_id))

    def failed_stories(self) -> dict[str, str]:
        """story id -> why its stages failed."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT id, failed FROM stories WHERE failed IS NOT NULL")}

    def invalidate_stories(self, story_ids: Iterable[str]) -> None:
        with self.transaction() as c:
            for sid in story_ids:
                c.execute("UPDATE stories SET data='{}', failed=NULL WHERE id=?", (sid,))
                _drop_story_parts(c, sid)

    def save_story(self, story: Story, run_id: int | None) -> None:
        """Store one story (its report form) and the summary columns listings read."""
        with self.transaction() as c:
            self._save_story(c, story, run_id)

    @staticmethod
    def _save_story(c: sqlite3.Connection, story: Story, run_id: int | None) -> None:
        first, last = c.execute(
            "SELECT MIN(a.published), MAX(a.published) FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
            " WHERE sa.story_id=? AND a.published IS NOT NULL AND a.published != ''", (story.id,)).fetchone()
        # Whole in `data` while small; past STORY_PART_CHARS every field is a row of `story_parts` as it is made,
        # and `data` is '' (`iter_story_entries` reads either form).
        _drop_story_parts(c, story.id)
        fields: list[str] = []
        size = n_parts = 0
        for text in story.json_fields():
            fields.append(text)
            size += len(text)
            if n_parts or size > STORY_PART_CHARS:
                for piece in fields:
                    c.execute("INSERT INTO story_parts(story_id, seq, data) VALUES(?,?,?)", (story.id, n_parts, piece))
                    n_parts += 1
                fields = []
        data = "" if n_parts else json_object(fields)
        c.execute(
            "UPDATE stories SET title=?, summary=?, n_articles=?, n_independent=?, n_conflicts=?,"
            " first_published=?, last_published=?, data=?, updated_run=? WHERE id=?",
            (
                story.title,
                story.summary,
                len(story.article_ids),
                story.independent_origins,
                len(story.conflicts) if story.conflicts is not None else None,
                first,
                last,
                data,
                run_id,
                story.id,
            ),
        )

    def save_story_results(self, story: Story, run_id: int | None,
                           new_pairs: dict[tuple[str, str], Alignment], version: str,
                           analyses: dict[str, Any]) -> None:
        """A story's results, the pair alignments it computed and the analyses it extended, in one transaction.

        The story's results are written only if its members are still those they were computed for: a concurrent
        run that changed the story meanwhile has reset it and computes it again (stale results would otherwise
        stay for good). Pair alignments and analyses hold whatever the membership."""
        with self.transaction() as c:
            members = {r[0] for r in c.execute("SELECT article_id FROM story_articles WHERE story_id=?",
                                                (story.id,))}
            if members == set(story.article_ids):
                self._save_story(c, story, run_id)
            for (a, b), al in new_pairs.items():
                c.execute(
                    "INSERT INTO pair_alignments(a, b, version, data) VALUES(?,?,?,?) "
                    "ON CONFLICT(a, b) DO UPDATE SET version=excluded.version, data=excluded.data",
                    (a, b, version, json.dumps(_alignment_to_json(al), separators=(",", ":"))),
                )
            for aid, analysis in analyses.items():
                self._put_analysis(c, aid, analysis)

    def get_story(self, story_id: str) -> Story | None:
        """The stored story, typed; None when there is none or its stages have not run (yet, or since it changed)."""
        data = self.story_report(story_id)
        return Story.from_report(data) if data is not None else None

    def story_report(self, story_id: str) -> dict[str, Any] | None:
        """The stored story in its report form, `Story.to_report()` as saved, for views that render it (the web
        pages, export, the JSON report): the same dict `get_story(...).to_report()` gives, without building the
        objects and serialising them again (three times the JSON parse on a large story)."""
        return next(self.iter_story_reports([story_id]), None)

    def stories_with_results(self, story_ids: Iterable[str]) -> list[str]:
        """The given stories that have stored results, in the order given, each once (a story still pending after
        an interrupted run is left out)."""
        wanted = list(dict.fromkeys(story_ids))
        done = {r[0] for r in self._rows_in("SELECT id FROM stories WHERE id IN ({marks}) AND data != '{{}}'", wanted)}
        return [sid for sid in wanted if sid in done]

    def iter_story_reports(self, story_ids: list[str], chunk: int = 100) -> Iterator[dict[str, Any]]:
        """Stored stories in their report form (`story_report`), in the order given, read a chunk of rows at a
        time: a report over a large store never holds every story at once. Stories without results are skipped."""
        for text in self.iter_story_texts(story_ids, chunk):
            yield json.loads(text)

    def iter_story_texts(self, story_ids: list[str], chunk: int = 100) -> Iterator[str]:
        """`iter_story_reports` as the stored JSON text (a large story's parts joined)."""
        for entry in self.iter_story_entries(story_ids, chunk):
            yield entry if isinstance(entry, str) else entry.text()

    def iter_story_entries(self, story_ids: list[str], chunk: int = 100) -> Iterator[str | StoryParts]:
        """Stored stories in the order given, each as its JSON text or, when stored in parts, as `StoryParts`
        (read a field at a time: how a report writes a story of thousands of articles). Stories without results
        are skipped."""
        for start in range(0, len(story_ids), chunk):
            part = story_ids[start : start + chunk]
            rows = dict(self._rows_in("SELECT id, data FROM stories WHERE id IN ({marks})", part))
            for sid in part:
                text = rows.get(sid)
                if text == "":
                    yield StoryParts(self.conn, sid)
                elif text and text != "{}":
                    yield text

    def story_member_ids(self, story_ids: list[str]) -> list[str]:
        """The articles of these stories: story by story in the order given, each story's in the order it lists
        them (`story_article_ids`: by arrival), each article once."""
        members: dict[str, list[str]] = {}
        for aid, sid in self._rows_in(
            "SELECT sa.article_id, sa.story_id FROM story_articles sa JOIN articles a ON a.id = sa.article_id "
            "WHERE sa.story_id IN ({marks}) ORDER BY a.rowid", story_ids
        ):
            members.setdefault(sid, []).append(aid)
        return list(dict.fromkeys(aid for sid in story_ids for aid in members.get(sid, ())))

    def iter_articles_by_id(self, ids: list[str], chunk: int = 500) -> Iterator[Article]:
        """Articles (text only, with their inputs) in the order given, read a chunk at a time; unknown ids skipped."""
        for start in range(0, len(ids), chunk):
            part = self.get_articles(ids[start : start + chunk], analyses=False)
            yield from (part[aid] for aid in ids[start : start + chunk] if aid in part)

    def story_summaries(self, story_ids: list[str]) -> list[dict[str, Any]]:
        """The listing columns (id, title, n_articles, n_conflicts) of these stories, in the order given, without
        reading the stories themselves (a report's table of contents)."""
        rows = {r[0]: {"id": r[0], "title": r[1] or "", "n_articles": r[2], "n_conflicts": r[3] or 0}
                for r in self._rows_in("SELECT id, title, n_articles, n_conflicts FROM stories WHERE id IN ({marks})",
                                       story_ids)}
        return [rows[sid] for sid in story_ids if sid in rows]

    def list_stories(self) -> list[dict[str, Any]]:
        """Summary rows for every story (for listings; full data via get_story)."""
        rows = self.conn.execute(
            "SELECT id, title, summary, n_articles, n_independent, n_conflicts, first_published, last_published,"
            " updated_run FROM stories ORDER BY rowid"
        )
        return [dict(r) for r in rows]


def _alignment_to_json(al: Alignment) -> dict[str, Any]:
    return {
        "a": al.a, "b": al.b, "share_a": al.share_a, "share_b": al.share_b,
        "pairs": [[p.a, p.b, p.label, p.score] for p in al.pairs],
        "passages": [[p.a_start, p.a_end, p.b_start, p.b_end, p.label, p.score] for p in al.passages],
    }


def _alignment_from_json(d: dict[str, Any]) -> Alignment:
    return Alignment(
        a=d["a"], b=d["b"], share_a=d["share_a"], share_b=d["share_b"],
        pairs=[SentencePair(*p) for p in d["pairs"]],
        passages=[Passage(*p) for p in d["passages"]],
    )
