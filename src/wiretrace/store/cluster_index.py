"""The clustering state as indexed SQLite tables: a run reads what its new articles need, writes what changed.

`ClusterIndex` is a `wiretrace.cluster.state.StateView`, so `cluster.assign` runs on it unchanged and takes
exactly the decisions it takes on an in-memory `ClusterState` holding the same articles:

- `cluster_articles(idx, article_id, story, features)`: one row per clustered article, `idx` in arrival order;
  `features` packs what a pair comparison reads (hashed terms with their weights, entity/number/title hashes,
  the MinHash digest, day, year, the float16 lead embedding). Read only for an article's candidates.
- `cluster_df(term, n)`: document frequency per hashed term; read for the terms a batch's articles and their
  candidates hold.
- `cluster_postings(term, tail)`: the last `POSTING_TAIL` article indexes per term (int32), the only part of a
  posting list the candidate step ever reads; rebuilt from `cluster_articles` if that constant changes.
- `cluster_lsh(band, key, idx)`: the MinHash LSH buckets. `key` is rensa's own band hash
  (`utils::calculate_band_hash`, FxHasher over each band's four u32 values packed in two u64 words), so a lookup
  returns the set `RMinHashLSH(0.5, 64, 16).query` returns, hash collisions included.
- `cluster_stories(idx, story_id)` and the one-row `cluster_meta` (counts, posting tail length, a generation).

Within a run everything the batch adds or changes (new articles, df increments, posting and LSH entries, new
stories, stories merged) lives in an overlay, so each article sees the previous ones exactly as in memory;
`write` puts the overlay into the tables inside the caller's transaction (`Store.apply_clustering`), after
checking that no other run wrote the index meanwhile (the generation).
"""

from __future__ import annotations

import json
import sqlite3
import struct
from array import array
from collections import deque
from typing import Any

import numpy as np

from wiretrace.cluster.features import TERM_BITS
from wiretrace.cluster.state import LSH_BANDS, NUM_PERM, POSTING_TAIL, XL_TAIL, ClusterState, XlTail

BAND = NUM_PERM // LSH_BANDS
_FX_K = np.uint64(0xF1357AEA2E62A9C5)
_HEAD = struct.Struct("<dd5I")  # day, year; counts of terms, entities, numbers, title words, embedding values
ROW_CACHE = 50_000  # stored rows kept per run (a run's candidates recur; the cache is cleared past this)
BUCKET_CACHE = 200_000  # stored LSH buckets kept per run (likewise)


class ClusterIndexConflict(RuntimeError):
    """Another run wrote the cluster index after this one read it; nothing of this run was written."""


def band_keys(digests: np.ndarray) -> np.ndarray:
    """rensa's LSH band hashes of MinHash digests (..., NUM_PERM) -> int64 (..., LSH_BANDS), as SQLite stores them.

    Mirrors rensa's `calculate_band_hash` (x86-64): FxHasher state `h = (h + word) * K` over each band's values
    packed two u32 per u64 word (a leftover u32 is added alone), finished with `rotate_left(26)`.
    """
    d = np.asarray(digests, dtype=np.uint64)
    d = d.reshape(*d.shape[:-1], LSH_BANDS, BAND)
    h = np.zeros(d.shape[:-1], dtype=np.uint64)
    s32 = np.uint64(32)
    j = 0
    while j + 4 <= BAND:
        h = (h + (d[..., j] | (d[..., j + 1] << s32))) * _FX_K
        h = (h + (d[..., j + 2] | (d[..., j + 3] << s32))) * _FX_K
        j += 4
    for r in range(j, BAND):
        h = (h + d[..., r]) * _FX_K
    h = (h << np.uint64(26)) | (h >> np.uint64(38))
    return h.view(np.int64)


def encode_row(terms: np.ndarray, tf: np.ndarray, ents: np.ndarray, nums: np.ndarray, title: np.ndarray,
               digest: np.ndarray, emb: np.ndarray | None, day: float, year: float, lang: str | None = None,
               xl: np.ndarray | None = None) -> bytes:
    e = b"" if emb is None else np.asarray(emb, dtype=np.float16).tobytes()
    head = _HEAD.pack(day, year, len(terms), len(ents), len(nums), len(title), len(e) // 2)
    body = np.concatenate([np.asarray(terms, dtype=np.uint32), np.asarray(tf, dtype=np.float32).view(np.uint32),
                           np.asarray(ents, dtype=np.uint32), np.asarray(nums, dtype=np.uint32),
                           np.asarray(title, dtype=np.uint32), np.asarray(digest, dtype=np.uint32)])
    return head + body.tobytes() + e + _encode_xl(lang, xl)


# Cross-lingual part, appended after the embedding (rows written before it simply end there): language code and
# the float16 multilingual document vector.
_XL_HEAD = struct.Struct("<8sH")


def _encode_xl(lang: str | None, xl: np.ndarray | None) -> bytes:
    if lang is None and xl is None:
        return b""
    v = b"" if xl is None else np.asarray(xl, dtype=np.float16).tobytes()
    return _XL_HEAD.pack((lang or "").encode("ascii", "replace")[:8], len(v) // 2) + v


def _half(v: np.ndarray | None) -> np.ndarray | None:
    return None if v is None else np.asarray(v, dtype=np.float16)


def _decode_xl(b: bytes, offset: int) -> tuple[str | None, np.ndarray | None]:
    if len(b) < offset + _XL_HEAD.size:
        return None, None
    code, n = _XL_HEAD.unpack_from(b, offset)
    lang = code.rstrip(b"\0").decode("ascii") or None
    xl = np.frombuffer(b, dtype=np.float16, offset=offset + _XL_HEAD.size, count=n) if n else None
    return lang, xl


def decode_row(b: bytes) -> tuple:
    """The `ROW_FIELDS` of one stored article (terms int32, tf float32, hashes and digest uint32, emb float16)."""
    day, year, nt, ne, nn, nti, nemb = _HEAD.unpack_from(b, 0)
    u = np.frombuffer(b, dtype=np.uint32, offset=_HEAD.size, count=2 * nt + ne + nn + nti + NUM_PERM)
    o1 = 2 * nt
    o2 = o1 + ne
    o3 = o2 + nn
    o4 = o3 + nti
    emb = np.frombuffer(b, dtype=np.float16, offset=_HEAD.size + 4 * u.size, count=nemb) if nemb else None
    lang, xl = _decode_xl(b, _HEAD.size + 4 * u.size + 2 * nemb)
    return (u[:nt].view(np.int32), u[nt:o1].view(np.float32), u[o1:o2], u[o2:o3], u[o3:o4], u[o4:], emb, day, year,
            lang, xl)


def _ints(values: Any) -> str:
    return json.dumps(values if isinstance(values, list) else np.asarray(values).tolist())


def meta(conn: sqlite3.Connection) -> tuple[int, int, int, int] | None:
    """(articles, stories, posting tail, generation) of the index, None while nothing was ever written."""
    row = conn.execute("SELECT articles, stories, tail, generation FROM cluster_meta WHERE id=1").fetchone()
    return None if row is None else (int(row[0]), int(row[1]), int(row[2]), int(row[3]))


def _put_meta(c: sqlite3.Connection, articles: int, stories: int, generation: int) -> None:
    c.execute(
        "INSERT INTO cluster_meta(id, articles, stories, tail, generation) VALUES(1,?,?,?,?) "
        "ON CONFLICT(id) DO UPDATE SET articles=excluded.articles, stories=excluded.stories, tail=excluded.tail, "
        "generation=excluded.generation",
        (articles, stories, POSTING_TAIL, generation),
    )


def import_state(c: sqlite3.Connection, st: ClusterState) -> int:
    """Write an in-memory state into empty index tables (the one-off move from the single-blob format, or a
    benchmark's store). Returns the number of articles written."""
    if meta(c) is not None:
        raise ClusterIndexConflict("the cluster index already holds articles; import_state needs empty tables")
    n = len(st)
    c.executemany("INSERT INTO cluster_stories(idx, story_id) VALUES(?,?)", enumerate(st.story_ids))
    c.executemany(
        "INSERT INTO cluster_articles(idx, article_id, story, features) VALUES(?,?,?,?)",
        ((i, st.ids[i], st.story_of[i],
          encode_row(st.terms[i], st.tf[i], st.ents[i], st.nums[i], st.title[i], st.digests[i], st.emb[i],
                     st.day[i], st.year[i], st.lang[i], st.xl[i])) for i in range(n)),
    )
    nz = np.flatnonzero(st.df)
    c.executemany("INSERT INTO cluster_df(term, n) VALUES(?,?)", zip(nz.tolist(), st.df[nz].tolist(), strict=True))
    c.executemany(
        "INSERT INTO cluster_postings(term, tail) VALUES(?,?)",
        ((t, np.frombuffer(p, dtype=np.int32)[-POSTING_TAIL:].tobytes()) for t, p in st.postings.items()),
    )
    for lo in range(0, n, 10_000):
        keys = band_keys(np.stack(st.digests[lo : lo + 10_000]))
        c.executemany(
            "INSERT INTO cluster_lsh(band, key, idx) VALUES(?,?,?)",
            ((b, k, lo + r) for r, row in enumerate(keys.tolist()) for b, k in enumerate(row)),
        )
    _put_meta(c, n, len(st.story_ids), 1)
    return n


def import_blob(c: sqlite3.Connection, blob: bytes) -> int:
    """Import a `ClusterState.to_bytes()` blob (what stores kept before the index); returns its article count."""
    return import_state(c, ClusterState.from_bytes(blob))


def rebuild_postings(c: sqlite3.Connection) -> None:
    """Recompute every term's posting tail from the stored articles (after a change of `POSTING_TAIL`)."""
    tails: dict[int, deque] = {}
    for idx, feats in c.execute("SELECT idx, features FROM cluster_articles ORDER BY idx"):
        for t in decode_row(bytes(feats))[0].tolist():
            q = tails.get(t)
            if q is None:
                q = tails[t] = deque(maxlen=POSTING_TAIL)
            q.append(idx)
    c.execute("DELETE FROM cluster_postings")
    c.executemany("INSERT INTO cluster_postings(term, tail) VALUES(?,?)",
                  ((t, np.asarray(q, dtype=np.int32).tobytes()) for t, q in tails.items()))
    c.execute("UPDATE cluster_meta SET tail=? WHERE id=1", (POSTING_TAIL,))


class ClusterIndex:
    """A `StateView` over the index tables plus this run's overlay; see the module docstring.

    `imported`: articles moved in from an old single-blob state when the store opened it (0 when none).
    """

    def __init__(self, conn: sqlite3.Connection, imported: int = 0) -> None:
        self.conn = conn
        self.imported = imported
        m = meta(conn)
        if m is not None and m[2] != POSTING_TAIL:
            raise ClusterIndexConflict("posting tails were stored for another POSTING_TAIL; open the index through "
                                       "Store.cluster_index, which rebuilds them")
        self.fresh = m is None
        self.base_n, self.base_stories, _, self.generation = m or (0, 0, POSTING_TAIL, 0)
        # this run's overlay
        self._new_ids: list[str] = []
        self._new_index: dict[str, int] = {}
        self._new_rows: list[tuple] = []
        self._new_story: list[int] = []
        self._new_keys: list[list[int]] = []
        self._new_story_ids: list[str] = []
        self._story_over: dict[int, int] = {}  # stored article -> story, for members of stories merged this run
        self._moved_in: dict[int, list[int]] = {}  # story -> stored articles moved into it this run
        self._new_members: dict[int, list[int]] = {}  # story -> this run's articles in it
        self._touched: set[int] = set()
        self._lsh_new: dict[tuple[int, int], list[int]] = {}
        # read caches (stored values; they do not change during the run)
        self._df = np.zeros(1 << TERM_BITS, dtype=np.int32)  # overlay increments applied on top
        self._df_loaded = np.zeros(1 << TERM_BITS, dtype=bool)
        self._tails: dict[int, array] = {}  # term -> stored tail, then this run's articles appended
        self._lsh_base: dict[tuple[int, int], list[int]] = {}
        self._rows: dict[int, tuple] = {}
        self._aid: dict[int, str] = {}
        self._base_story: dict[int, int] = {}
        self._members_base: dict[int, list[tuple[int, str]]] = {}
        self._story_ids: dict[int, str] = {}
        self._keys_of: tuple[Any, np.ndarray] = (None, np.zeros(0, dtype=np.int64))
        self._xl: XlTail | None = None  # loaded on first use
        self._xl_set: dict[int, tuple] = {}  # stored article -> its row with a cross-lingual vector computed this run
        self._done = False
        self.reads = {"rows": 0, "df": 0, "tails": 0, "lsh": 0}  # rows read from the store (diagnostics)

    def __len__(self) -> int:
        return self.base_n + len(self._new_ids)

    # -- reads -------------------------------------------------------------------------------------------------
    def known(self, ids: list[str]) -> set[str]:
        out = {a for a in ids if a in self._new_index}
        if self.base_n and ids:
            rows = self.conn.execute(
                "SELECT article_id FROM cluster_articles WHERE article_id IN (SELECT value FROM json_each(?))",
                (json.dumps(list(ids)),),
            )
            out.update(r[0] for r in rows)
        return out

    def df_of(self, terms: np.ndarray) -> np.ndarray:
        if not self.base_n:
            return self._df[terms]
        loaded = self._df_loaded[terms]
        if not loaded.all():
            miss = np.unique(terms[~loaded])
            rows = self.conn.execute("SELECT term, n FROM cluster_df WHERE term IN (SELECT value FROM json_each(?))",
                                     (_ints(miss),)).fetchall()
            if rows:
                tn = np.asarray(rows, dtype=np.int64)
                self._df[tn[:, 0]] = tn[:, 1]
                self.reads["df"] += len(rows)
            self._df_loaded[miss] = True
        return self._df[terms]

    def _load_tails(self, terms: list[int]) -> None:
        tails = self._tails
        miss = [t for t in terms if t not in tails]
        if not miss:
            return
        for t in miss:
            tails[t] = array("i")
        if self.base_n:
            for t, tail in self.conn.execute(
                "SELECT term, tail FROM cluster_postings WHERE term IN (SELECT value FROM json_each(?))", (_ints(miss),)
            ):
                tails[t].frombytes(tail)
                self.reads["tails"] += 1

    def posting_tails(self, terms: list[int]) -> list[np.ndarray]:
        self._load_tails(terms)
        tails = self._tails
        # copies: the arrays grow as articles are added, which a live numpy view would forbid
        return [np.frombuffer(tails[t], dtype=np.int32)[-POSTING_TAIL:].copy() for t in terms]

    def _load_buckets(self, keys: np.ndarray) -> None:
        """Stored LSH buckets for band keys (n x LSH_BANDS), cached for the run (stored buckets do not change)."""
        if not self.base_n:
            return
        cache = self._lsh_base
        for b in range(LSH_BANDS):
            miss = [k for k in dict.fromkeys(keys[:, b].tolist()) if (b, k) not in cache]
            if not miss:
                continue
            for k in miss:
                cache[(b, k)] = []
            rows = self.conn.execute(
                "SELECT key, idx FROM cluster_lsh WHERE band=? AND key IN (SELECT value FROM json_each(?))",
                (b, json.dumps(miss)),
            ).fetchall()
            for k, i in rows:
                cache[(b, k)].append(i)
            self.reads["lsh"] += len(rows)

    def _band_keys(self, digest: np.ndarray) -> np.ndarray:
        if digest is not self._keys_of[0]:  # `assign` queries, then adds, the same digest
            self._keys_of = (digest, band_keys(digest))
        return self._keys_of[1]

    def lsh_query(self, minhash: Any, digest: np.ndarray) -> set[int]:
        keys = self._band_keys(digest)
        self._load_buckets(keys[None, :])
        found: set[int] = set()
        base, new = self._lsh_base.get, self._lsh_new.get
        for b, k in enumerate(keys.tolist()):
            hit = base((b, k))
            if hit:
                found.update(hit)
            hit = new((b, k))
            if hit:
                found.update(hit)
        return found

    def prefetch(self, preps: list[Any]) -> None:
        """Read what the next articles (their `Prepared`) will look up, a few queries for many articles: the
        stored frequencies and posting tails of their terms and their LSH buckets."""
        if not self.base_n or not preps:
            return
        if len(self._lsh_base) > BUCKET_CACHE:
            self._lsh_base.clear()
        terms = np.unique(np.concatenate([p.features.terms for p in preps]))
        self.df_of(terms)
        self._load_tails(terms.tolist())  # the query terms' tails, and the ones `add` appends to
        self._load_buckets(band_keys(np.stack([p.digest for p in preps])))

    def _load_rows(self, ci: list[int]) -> None:
        base_n, rows = self.base_n, self._rows
        miss = [i for i in ci if i < base_n and i not in rows]
        if not miss:
            return
        if len(rows) + len(miss) > ROW_CACHE:
            rows.clear()
            miss = [i for i in ci if i < base_n]
        for idx, aid, story, feats in self.conn.execute(
            "SELECT idx, article_id, story, features FROM cluster_articles WHERE idx IN (SELECT value FROM json_each(?))",
            (_ints(miss),),
        ):
            rows[idx] = self._xl_set.get(idx) or decode_row(feats)
            self._aid[idx] = aid
            self._base_story[idx] = story
        self.reads["rows"] += len(miss)

    def gather(self, ci: list[int]) -> tuple[list, ...]:
        if not ci:
            return tuple([] for _ in range(11))
        self._load_rows(ci)
        base_n, rows, new = self.base_n, self._rows, self._new_rows
        return tuple(zip(*[rows[i] if i < base_n else new[i - base_n] for i in ci]))  # noqa: B905 (all 11 long)

    def xl_tail(self) -> XlTail:
        """The last XL_TAIL stored articles' cross-lingual vectors (read once per run), then this run's."""
        if self._xl is None:
            tail = XlTail()
            for idx, feats in self.conn.execute(
                "SELECT idx, features FROM cluster_articles WHERE idx >= ? ORDER BY idx", (self.base_n - XL_TAIL,)
            ):
                row = self._xl_set.get(int(idx)) or decode_row(feats)
                tail.append(int(idx), row[9], None if row[10] is None else row[10].astype(np.float32))
            for k, row in enumerate(self._new_rows):
                tail.append(self.base_n + k, row[9], None if row[10] is None else row[10].astype(np.float32))
            self._xl = tail
        return self._xl

    def set_xl(self, i: int, vec: np.ndarray) -> None:
        """Article `i`'s cross-lingual vector, computed after its row was written (kept in the row from now on)."""
        self._check_open()
        half = _half(vec)
        if i >= self.base_n:
            k = i - self.base_n
            self._new_rows[k] = self._new_rows[k][:10] + (half,)
        else:
            self._load_rows([i])  # the row as stored, or as this run already changed it
            self._xl_set[i] = self._rows[i] = self._rows[i][:10] + (half,)
        if self._xl is not None:
            self._xl.set(i, half.astype(np.float32))

    def stories_of(self, ci: list[int]) -> list[int]:
        base_n, base, over, new = self.base_n, self._base_story, self._story_over, self._new_story
        miss = [i for i in ci if i < base_n and i not in base]
        if miss:
            for idx, aid, story in self.conn.execute(
                "SELECT idx, article_id, story FROM cluster_articles WHERE idx IN (SELECT value FROM json_each(?))",
                (_ints(miss),),
            ):
                self._aid[idx], base[idx] = aid, story
        return [new[i - base_n] if i >= base_n else over.get(i, base[i]) if over else base[i] for i in ci]

    def _stored_members(self, s: int) -> list[int]:
        """Stored members of story `s` that no merge of this run moved elsewhere."""
        if s >= self.base_stories:
            return []
        base = self._members_base.get(s)
        if base is None:
            base = self._members_base[s] = self.conn.execute(
                "SELECT idx, article_id FROM cluster_articles WHERE story=? ORDER BY idx", (s,)).fetchall()
            for i, aid in base:
                self._aid[i], self._base_story[i] = aid, s
        over = self._story_over
        return [i for i, _ in base if i not in over] if over else [i for i, _ in base]

    def _members(self, s: int) -> list[int]:
        return self._stored_members(s) + self._moved_in.get(s, []) + self._new_members.get(s, [])

    def story_size(self, s: int) -> int:
        return len(self._members(s))

    def first_member(self, s: int) -> int:
        return min(self._members(s))  # indexes follow arrival, whatever order the overlays list them in

    def story_id(self, s: int) -> str:
        if s >= self.base_stories:
            return self._new_story_ids[s - self.base_stories]
        sid = self._story_ids.get(s)
        if sid is None:
            row = self.conn.execute("SELECT story_id FROM cluster_stories WHERE idx=?", (s,)).fetchone()
            if row is None:
                raise KeyError(f"story {s} is not in the cluster index")
            sid = self._story_ids[s] = row[0]
        return sid

    def article_id(self, i: int) -> str:
        if i >= self.base_n:
            return self._new_ids[i - self.base_n]
        aid = self._aid.get(i)
        if aid is None:
            self.stories_of([i])
            aid = self._aid[i]
        return aid

    # -- updates (overlay) --------------------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._done:
            raise ClusterIndexConflict("this ClusterIndex was written; open a new one from the store for the next run")

    def new_story(self, first_article_id: str) -> int:
        self._check_open()
        self._new_story_ids.append("s-" + first_article_id)
        return self.base_stories + len(self._new_story_ids) - 1

    def relabel(self, gone: list[int], keep: int) -> list[str]:
        self._check_open()
        moved: list[int] = []
        into = self._moved_in.setdefault(keep, [])
        new_into = self._new_members.setdefault(keep, [])
        for s in gone:
            stored = self._stored_members(s) + self._moved_in.pop(s, [])
            for i in stored:
                self._story_over[i] = keep
            into.extend(stored)
            new = self._new_members.pop(s, [])
            for i in new:
                self._new_story[i - self.base_n] = keep
            new_into.extend(new)
            moved += stored + new
        return [self.article_id(i) for i in moved]

    def add(self, aid: str, feats: Any, digest: np.ndarray, minhash: Any, emb: np.ndarray | None, story: int) -> int:
        self._check_open()
        i = len(self)
        terms = feats.terms
        self.df_of(terms)  # stored frequencies first, then this article's increment
        self._df[terms] += 1
        tl = terms.tolist()
        self._touched.update(tl)
        self._load_tails(tl)
        tails = self._tails
        for t in tl:
            tail = tails[t]
            tail.append(i)
            if len(tail) > 2 * POSTING_TAIL:  # only the tail is ever read or written
                del tail[:-POSTING_TAIL]
        keys = self._band_keys(digest).tolist()
        for b, k in enumerate(keys):
            self._lsh_new.setdefault((b, k), []).append(i)
        self._new_keys.append(keys)
        self._new_ids.append(aid)
        self._new_index[aid] = i
        self._new_rows.append((feats.terms, feats.tf, feats.ents, feats.nums, feats.title, digest,
                               None if emb is None else emb.astype(np.float16), feats.day, feats.year,
                               getattr(feats, "lang", None), _half(getattr(feats, "xl", None))))
        if self._xl is not None:
            row = self._new_rows[-1]
            self._xl.append(i, row[9], None if row[10] is None else row[10].astype(np.float32))
        self._new_story.append(story)
        self._new_members.setdefault(story, []).append(i)
        return i

    def write(self, c: sqlite3.Connection) -> dict[str, int]:
        """Put this run's changes into the tables (inside the caller's transaction); returns row counts."""
        self._check_open()
        m = meta(c)
        if (m is None) != self.fresh or (m is not None and m[3] != self.generation):
            raise ClusterIndexConflict("another run clustered into this store after this run read its index; "
                                       "nothing of this run was written (run again)")
        base_n, base_s = self.base_n, self.base_stories
        c.executemany("INSERT INTO cluster_stories(idx, story_id) VALUES(?,?)",
                      ((base_s + k, sid) for k, sid in enumerate(self._new_story_ids)))
        c.executemany(
            "INSERT INTO cluster_articles(idx, article_id, story, features) VALUES(?,?,?,?)",
            ((base_n + k, aid, self._new_story[k], encode_row(*self._new_rows[k]))
             for k, aid in enumerate(self._new_ids)),
        )
        c.executemany("UPDATE cluster_articles SET features=? WHERE idx=?",
                      ((encode_row(*row), i) for i, row in sorted(self._xl_set.items())))
        moved = [(t, i) for i, t in self._story_over.items() if t != self._base_story[i]]
        c.executemany("UPDATE cluster_articles SET story=? WHERE idx=?", moved)
        touched = sorted(self._touched)
        c.executemany(
            "INSERT INTO cluster_df(term, n) VALUES(?,?) ON CONFLICT(term) DO UPDATE SET n=excluded.n",
            zip(touched, self._df[touched].tolist(), strict=True),
        )
        c.executemany(
            "INSERT INTO cluster_postings(term, tail) VALUES(?,?) ON CONFLICT(term) DO UPDATE SET tail=excluded.tail",
            ((t, np.frombuffer(self._tails[t], dtype=np.int32)[-POSTING_TAIL:].tobytes()) for t in touched),
        )
        c.executemany("INSERT INTO cluster_lsh(band, key, idx) VALUES(?,?,?)",
                      ((b, k, base_n + r) for r, keys in enumerate(self._new_keys) for b, k in enumerate(keys)))
        _put_meta(c, len(self), base_s + len(self._new_story_ids), self.generation + 1)
        self._done = True
        return {"articles": len(self._new_ids), "stories": len(self._new_story_ids), "relabelled": len(moved),
                "terms": len(touched)}
