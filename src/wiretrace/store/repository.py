"""SQLite repository for articles, runs, stories and stage state.

Every write that must stay consistent (a batch of articles; a cluster state
together with the story assignments it implies) happens in one transaction,
so a run killed half-way leaves the store as it was before that step and
the next run picks up what is missing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wiretrace.model import Alignment, Article, Passage, SentencePair
from wiretrace.store.schema import MIGRATIONS

if TYPE_CHECKING:
    from wiretrace.store.cluster_index import ClusterIndex


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StoreError(RuntimeError):
    pass


class Store:
    """A wiretrace database file. Use as a context manager or call close()."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a wiretrace database ({exc})") from exc
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.row_factory = sqlite3.Row
        self._migrate()

    # -- lifecycle -----------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def schema_version(self) -> int:
        try:
            row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        current = self.schema_version()
        if current > len(MIGRATIONS):
            raise StoreError(f"{self.path}: schema version {current} is newer than this wiretrace ({len(MIGRATIONS)})")
        for version in range(current + 1, len(MIGRATIONS) + 1):
            with self.transaction() as c:
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
        with self.transaction() as c:
            cur = c.execute("INSERT INTO runs(started, inputs) VALUES(?, ?)", (_now(), json.dumps(inputs)))
            return int(cur.lastrowid)

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
        ids = list(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT article_id, source FROM article_sources WHERE article_id IN ({marks}) "
                "ORDER BY COALESCE(run_id, 0), rowid", chunk
            ):
                out.setdefault(row[0], []).append(row[1])
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
        ids = list(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(f"SELECT id, data, publication FROM articles WHERE id IN ({marks})", chunk):
                out[row[0]] = art = Article.from_report(json.loads(row[1]))
                art.publication = row[2] or ""
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
                    c.execute("DELETE FROM stories WHERE id=?", (sid,))
                    touched.discard(sid)
                else:
                    # Results are reset in the same transaction: a run that dies right after this
                    # leaves the story marked for analysis, never stale.
                    c.execute("UPDATE stories SET n_articles=?, updated_run=?, data='{}' WHERE id=?", (n, run_id, sid))
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

    def story_article_ids(self, story_id: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT sa.article_id FROM story_articles sa JOIN articles a ON a.id = sa.article_id "
            "WHERE sa.story_id=? ORDER BY a.rowid",
            (story_id,),
        )
        return [r[0] for r in rows]

    def stories_needing_analysis(self) -> list[str]:
        """Stories whose stage results are missing (new, changed, or an interrupted run)."""
        rows = self.conn.execute("SELECT id FROM stories WHERE data = '{}' ORDER BY rowid")
        return [r[0] for r in rows]

    def invalidate_stories(self, story_ids: Iterable[str]) -> None:
        with self.transaction() as c:
            for sid in story_ids:
                c.execute("UPDATE stories SET data='{}' WHERE id=?", (sid,))

    def save_story(self, story: dict[str, Any], run_id: int | None) -> None:
        """Store one story's report entry (the JSON report's `stories[]` item)."""
        with self.transaction() as c:
            self._save_story(c, story, run_id)

    @staticmethod
    def _save_story(c: sqlite3.Connection, story: dict[str, Any], run_id: int | None) -> None:
        published = [p for p in story.get("_published", []) if p]
        c.execute(
            "UPDATE stories SET title=?, summary=?, n_articles=?, n_independent=?, n_conflicts=?,"
            " first_published=?, last_published=?, data=?, updated_run=? WHERE id=?",
            (
                story.get("title", ""),
                story.get("summary", ""),
                len(story.get("article_ids", [])),
                story.get("independent_origins"),
                len(story["conflicts"]) if story.get("conflicts") is not None else None,
                min(published) if published else None,
                max(published) if published else None,
                json.dumps({k: v for k, v in story.items() if not k.startswith("_")}, ensure_ascii=False),
                run_id,
                story["id"],
            ),
        )

    def save_story_results(self, story: dict[str, Any], run_id: int | None,
                           new_pairs: dict[tuple[str, str], Alignment], version: str,
                           analyses: dict[str, Any]) -> None:
        """A story's results, the pair alignments it computed and the analyses it extended, in one transaction."""
        with self.transaction() as c:
            self._save_story(c, story, run_id)
            for (a, b), al in new_pairs.items():
                c.execute(
                    "INSERT INTO pair_alignments(a, b, version, data) VALUES(?,?,?,?) "
                    "ON CONFLICT(a, b) DO UPDATE SET version=excluded.version, data=excluded.data",
                    (a, b, version, json.dumps(_alignment_to_json(al), separators=(",", ":"))),
                )
            for aid, analysis in analyses.items():
                self._put_analysis(c, aid, analysis)

    def get_story(self, story_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT data FROM stories WHERE id=?", (story_id,)).fetchone()
        if not row:
            return None
        data = json.loads(row[0])
        return data or None

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
