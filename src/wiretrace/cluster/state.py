"""The clustering state: what later batches need, and nothing they can recompute.

`StateView` is what `incremental.assign` reads and updates. Two implementations give the same decisions:
`ClusterState` here holds everything in memory (benchmarks, tests, and the single-blob format older stores
kept), and `wiretrace.store.cluster_index.ClusterIndex` reads from indexed SQLite tables only what a batch's
articles need and writes back only what changed.

Per article we keep only small arrays (hashed top terms with their log term
frequency, entity/number/title hashes, a 64-value MinHash digest, the day it was
published and, when a real model ran, a float16 sentence embedding). Global state
is the document-frequency table (a flat array indexed by hashed term id), a
rensa MinHash LSH index (serialised with rensa's own byte state, no pickle) and the
story membership. The inverted index for TF-IDF candidates is rebuilt on load
from the per-article terms, so it is not stored twice.
"""

from __future__ import annotations

import io
import json
from array import array
from operator import itemgetter
from typing import Any, Protocol

import numpy as np
from rensa import RMinHashLSH

from wiretrace.analysis.language import base_language as base_lang
from wiretrace.cluster.features import TERM_BITS

# Stored-format constants, not settings (the tunable counts are `ClusterSettings`): stored digests, LSH buckets and
# state rows are laid out by these, and the store (store/cluster_index.py) keeps and reads them, so a change is a
# new format version (or, for the two tails, a rebuild of the store's tables), never a per-run setting.
NUM_PERM = 64
LSH_BANDS = 16
LSH_THRESHOLD = 0.5
EMB_DIM = 384
FORMAT = 2  # 2 added the main year per article; format 1 still loads
POSTING_TAIL = 256  # candidates read only the most recent articles of each term's posting list

XL_TAIL = 4000  # cross-lingual candidates come from the most recent articles holding a multilingual vector
# One candidate's stored features, as `StateView.gather` returns them column-wise.
ROW_FIELDS = ("terms", "tf", "ents", "nums", "title", "digest", "emb", "day", "year", "lang", "xl")


class XlTail:
    """The most recent articles' cross-lingual document vectors as one matrix (nearest-neighbour candidates for
    a translation, which shares no terms or shingles with its source). Every article takes a row, with its language,
    whether or not its vector was computed yet (`has`): a vector is computed only where it can decide (see
    `incremental.LazyXl`) and filled in later with `set`. Only the last `keep` rows are ever read, so rows older
    than that are dropped when the arrays would grow: memory follows the window, not the run (a 100,000-article
    run kept every row, ~200 MB of vectors). Row numbers are absolute (`n` counts every row appended); `_off` is
    the absolute number of the first row still held."""

    def __init__(self, keep: int = XL_TAIL) -> None:
        self.keep = keep
        self.idx = np.zeros(0, dtype=np.int64)
        self.mat = np.zeros((0, 0), dtype=np.float32)
        self.has = np.zeros(0, dtype=bool)
        self.langs: list[str | None] = []
        self.n = 0
        self._off = 0  # absolute row number of held row 0
        self._pos: dict[int, int] = {}  # article index -> absolute row
        self.last_row: dict[str | None, int] = {}  # base language -> its latest absolute row
        self.missing: set[int] = set()  # absolute rows without a vector (pruned as they leave the window)

    def _drop_old(self) -> None:
        """Forget rows that can no longer be read (older than the last `keep`), in place."""
        cut = self.n - self.keep - self._off  # held rows to drop
        if cut <= 0:
            return
        held = self.n - self._off
        self.idx[: held - cut] = self.idx[cut:held]
        self.has[: held - cut] = self.has[cut:held]
        if self.mat.shape[1]:
            self.mat[: held - cut] = self.mat[cut:held]
        gone_to = self._off + cut
        for i in list(self._pos):
            if self._pos[i] < gone_to:
                del self._pos[i]
        del self.langs[:cut]
        self.missing = {r for r in self.missing if r >= gone_to}
        self.last_row = {lang: r for lang, r in self.last_row.items() if r >= gone_to}
        self._off = gone_to

    def _fit(self, rows: int, dim: int) -> None:
        """Room for `rows` rows (absolute count) and vectors of width `dim` (0: keep the width)."""
        if rows - self._off > len(self.idx) and self.n - self._off >= 2 * self.keep:
            self._drop_old()  # amortised: at most once per `keep` rows appended
        held = rows - self._off
        if held <= len(self.idx) and (dim == 0 or dim == self.mat.shape[1]):
            return
        cap = max(64, 2 * (self.n - self._off), held)
        width = dim or self.mat.shape[1]
        idx = np.zeros(cap, dtype=np.int64)
        mat = np.zeros((cap, width), dtype=np.float32)
        has = np.zeros(cap, dtype=bool)
        now = self.n - self._off
        if now:
            idx[:now], has[:now] = self.idx[:now], self.has[:now]
            if self.mat.shape[1] == width:
                mat[:now] = self.mat[:now]
        self.idx, self.mat, self.has = idx, mat, has

    def _usable(self, vec: np.ndarray | None) -> np.ndarray | None:
        # a vector of another model's size (a store written with another model) is never compared
        return None if vec is None or (self.mat.shape[1] and vec.shape[0] != self.mat.shape[1]) else vec

    def append(self, i: int, lang: str | None, vec: np.ndarray | None) -> None:
        vec = self._usable(vec)
        self._fit(self.n + 1, 0 if vec is None or self.mat.shape[1] else vec.shape[0])
        row = self.n
        held = row - self._off
        self.idx[held] = i
        if vec is not None:
            self.mat[held], self.has[held] = vec, True
        else:
            self.has[held] = False
            self.missing.add(row)
        self.langs.append(lang)
        self._pos[i] = row
        self.last_row[base_lang(lang)] = row
        self.n += 1

    def set(self, i: int, vec: np.ndarray) -> None:
        """Fill article `i`'s vector (computed later than its row); a row already dropped is ignored."""
        row = self._pos.get(i)
        vec = self._usable(vec)
        if row is None or vec is None:
            return
        self._fit(self.n, 0 if self.mat.shape[1] else vec.shape[0])
        held = row - self._off
        self.mat[held], self.has[held] = vec, True
        self.missing.discard(row)

    def _window(self, k: int) -> int:
        if k > self.keep:
            raise ValueError(f"this XlTail keeps the last {self.keep} rows, not {k}")
        return max(self._off, self.n - k)

    def recent(self, k: int = XL_TAIL) -> tuple[np.ndarray, np.ndarray, list[str | None], np.ndarray]:
        lo, hi = self._window(k) - self._off, self.n - self._off
        return self.idx[lo:hi], self.mat[lo:hi], self.langs[lo:hi], self.has[lo:hi]

    def other_languages(self, me: str, k: int = XL_TAIL) -> bool:
        """Whether the last `k` rows hold an article whose base language is known and not `me`."""
        lo = self._window(k)
        return any(row >= lo for lang, row in self.last_row.items() if lang is not None and lang != me)

    def missing_other(self, me: str, k: int = XL_TAIL) -> list[int]:
        """Article indexes in the last `k` rows, of a known base language other than `me`, without a vector yet."""
        lo = self._window(k)
        gone = [row for row in self.missing if row < lo]
        self.missing.difference_update(gone)  # the window only moves forward
        off = self._off
        return [int(self.idx[row - off]) for row in sorted(self.missing)
                if (b := base_lang(self.langs[row - off])) is not None and b != me]


def _gather(values: Any, idx: list[int]) -> list:
    """`[values[i] for i in idx]`, at C speed (itemgetter returns a bare item for one index)."""
    if len(idx) == 1:
        return [values[idx[0]]]
    return list(itemgetter(*idx)(values)) if idx else []


class StateView(Protocol):
    """What `assign` reads and updates. Article and story indexes are dense, in arrival order, never reused."""

    def __len__(self) -> int: ...  # articles known

    def known(self, ids: list[str]) -> set[str]: ...  # which of `ids` are already clustered

    def df_of(self, terms: np.ndarray) -> np.ndarray: ...  # document frequencies of hashed term ids

    def posting_tails(self, terms: list[int]) -> list[np.ndarray]: ...  # last POSTING_TAIL articles per term

    def lsh_query(self, minhash: Any, digest: np.ndarray) -> Any: ...  # MinHash LSH hits (indexes, no repeats)

    def gather(self, ci: list[int]) -> tuple[list, ...]: ...  # ROW_FIELDS columns for articles `ci`

    def xl_tail(self) -> XlTail: ...  # recent articles' cross-lingual vectors (this run's included)

    def set_xl(self, i: int, vec: np.ndarray) -> None: ...  # article i's cross-lingual vector, computed later

    def prefetch(self, preps: list[Any]) -> None: ...  # a hint: these articles come next (may read ahead)

    def stories_of(self, ci: list[int]) -> list[int]: ...

    def story_size(self, s: int) -> int: ...

    def first_member(self, s: int) -> int: ...  # the story's earliest article (lowest index): what it is about

    def story_id(self, s: int) -> str: ...

    def article_id(self, i: int) -> str: ...

    def new_story(self, first_article_id: str) -> int: ...

    def relabel(self, gone: list[int], keep: int) -> list[str]: ...  # move members; their article ids

    def add(self, aid: str, feats: Any, digest: np.ndarray, minhash: Any, emb: np.ndarray | None,
            story: int) -> int: ...


class ClusterState:
    """Everything needed to extend clustering later without recomputing the past."""

    def __init__(self, config: Any = None) -> None:
        self.ids: list[str] = []
        self.index: dict[str, int] = {}
        self.terms: list[np.ndarray] = []
        self.tf: list[np.ndarray] = []
        self.ents: list[np.ndarray] = []
        self.nums: list[np.ndarray] = []
        self.title: list[np.ndarray] = []
        self.day: array = array("d")
        self.year: array = array("d")
        self.digests: list[np.ndarray] = []
        self.emb: list[np.ndarray | None] = []
        self.lang: list[str | None] = []
        self.xl: list[np.ndarray | None] = []
        self._xl_tail = XlTail()
        self.story_of: array = array("i")
        self.story_ids: list[str] = []
        self.members: list[list[int]] = []
        self.df = np.zeros(1 << TERM_BITS, dtype=np.int32)
        self.postings: dict[int, array] = {}
        self.lsh = RMinHashLSH(LSH_THRESHOLD, NUM_PERM, LSH_BANDS)

    @classmethod
    def empty(cls, config: Any = None) -> ClusterState:
        return cls(config)

    def __len__(self) -> int:
        return len(self.ids)

    # -- the StateView reads --------------------------------------------------
    def known(self, ids: list[str]) -> set[str]:
        index = self.index
        return {a for a in ids if a in index}

    def df_of(self, terms: np.ndarray) -> np.ndarray:
        return self.df[terms]

    def posting_tails(self, terms: list[int]) -> list[np.ndarray]:
        return [np.frombuffer(self.postings[t], dtype=np.int32)[-POSTING_TAIL:] for t in terms]

    def lsh_query(self, minhash: Any, digest: np.ndarray) -> Any:
        return self.lsh.query(minhash)

    def prefetch(self, preps: list[Any]) -> None:
        return None

    def gather(self, ci: list[int]) -> tuple[list, ...]:
        return (_gather(self.terms, ci), _gather(self.tf, ci), _gather(self.ents, ci), _gather(self.nums, ci),
                _gather(self.title, ci), _gather(self.digests, ci), _gather(self.emb, ci), _gather(self.day, ci),
                _gather(self.year, ci), _gather(self.lang, ci), _gather(self.xl, ci))

    def xl_tail(self) -> XlTail:
        return self._xl_tail

    def set_xl(self, i: int, vec: np.ndarray) -> None:
        self.xl[i] = np.asarray(vec, dtype=np.float16)
        self._xl_tail.set(i, self.xl[i].astype(np.float32))

    def stories_of(self, ci: list[int]) -> list[int]:
        return _gather(self.story_of, ci)

    def story_size(self, s: int) -> int:
        return len(self.members[s])

    def first_member(self, s: int) -> int:
        return min(self.members[s])  # indexes follow arrival; a merge appends the absorbed members

    def story_id(self, s: int) -> str:
        return self.story_ids[s]

    def article_id(self, i: int) -> str:
        return self.ids[i]

    def relabel(self, gone: list[int], keep: int) -> list[str]:
        moved: list[str] = []
        for s in gone:
            for i in self.members[s]:
                self.story_of[i] = keep
                moved.append(self.ids[i])
            self.members[keep].extend(self.members[s])
            self.members[s] = []
        return moved

    # -- growth -------------------------------------------------------------
    def add(self, aid: str, feats: Any, digest: np.ndarray, minhash: Any, emb: np.ndarray | None, story: int) -> int:
        i = len(self.ids)
        self.ids.append(aid)
        self.index[aid] = i
        self.terms.append(feats.terms)
        self.tf.append(feats.tf)
        self.ents.append(feats.ents)
        self.nums.append(feats.nums)
        self.title.append(feats.title)
        self.day.append(feats.day)
        self.year.append(feats.year)
        self.digests.append(digest)
        self.emb.append(None if emb is None else emb.astype(np.float16))
        xl = getattr(feats, "xl", None)
        self.lang.append(getattr(feats, "lang", None))
        self.xl.append(None if xl is None else xl.astype(np.float16))
        self._xl_tail.append(i, self.lang[-1], None if xl is None else self.xl[-1].astype(np.float32))
        self.story_of.append(story)
        self.members[story].append(i)
        self._index_terms(i, feats.terms)
        self.lsh.insert(i, minhash)
        return i

    def _index_terms(self, i: int, terms: np.ndarray) -> None:
        self.df[terms] += 1
        for t in terms.tolist():
            post = self.postings.get(t)
            if post is None:
                self.postings[t] = array("i", (i,))
            else:
                post.append(i)

    def new_story(self, first_article_id: str) -> int:
        self.story_ids.append("s-" + first_article_id)
        self.members.append([])
        return len(self.story_ids) - 1

    # -- persistence --------------------------------------------------------
    def to_bytes(self) -> bytes:
        def flat(arrs: list[np.ndarray], dtype: Any) -> tuple[np.ndarray, np.ndarray]:
            lens = np.fromiter((a.size for a in arrs), dtype=np.int64, count=len(arrs))
            data = np.concatenate(arrs).astype(dtype) if arrs else np.zeros(0, dtype=dtype)
            return data, lens

        out: dict[str, np.ndarray] = {}
        for name, dtype in (("terms", np.int32), ("tf", np.float32), ("ents", np.uint32), ("nums", np.uint32),
                            ("title", np.uint32)):
            out[name], out[name + "_len"] = flat(getattr(self, name), dtype)
        n = len(self.ids)
        out["digests"] = np.stack(self.digests).astype(np.uint32) if n else np.zeros((0, NUM_PERM), np.uint32)
        has = np.array([e is not None for e in self.emb], dtype=bool)
        out["emb_has"] = has
        out["emb"] = np.stack([e for e in self.emb if e is not None]) if has.any() else np.zeros((0, EMB_DIM), np.float16)
        out["day"] = np.frombuffer(self.day, dtype=np.float64) if n else np.zeros(0)
        out["year"] = np.frombuffer(self.year, dtype=np.float64) if n else np.zeros(0)
        out["story_of"] = np.frombuffer(self.story_of, dtype=np.int32) if n else np.zeros(0, np.int32)
        nz = np.flatnonzero(self.df)
        out["df_idx"], out["df_val"] = nz.astype(np.int32), self.df[nz]
        out["lsh"] = np.frombuffer(self.lsh.__getstate__(), dtype=np.uint8)
        xl_has = np.array([v is not None for v in self.xl], dtype=bool)
        if xl_has.any():
            out["xl_has"], out["xl"] = xl_has, np.stack([v for v in self.xl if v is not None])
        meta = {"format": FORMAT, "ids": self.ids, "story_ids": self.story_ids, "lang": self.lang}
        out["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
        buf = io.BytesIO()
        np.savez(buf, **out)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ClusterState:
        z = np.load(io.BytesIO(data), allow_pickle=False)
        meta = json.loads(bytes(z["meta"]).decode("utf-8"))
        if meta.get("format") not in (1, FORMAT):
            raise ValueError(f"unsupported cluster state format {meta.get('format')!r}")
        st = cls()
        st.ids = list(meta["ids"])
        st.index = {a: i for i, a in enumerate(st.ids)}
        st.story_ids = list(meta["story_ids"])

        def unflat(name: str, dtype: Any) -> list[np.ndarray]:
            data_, lens = z[name].astype(dtype), z[name + "_len"]
            return np.split(data_, np.cumsum(lens)[:-1]) if lens.size else []

        st.terms = unflat("terms", np.int64)
        st.tf = unflat("tf", np.float32)
        st.ents, st.nums, st.title = unflat("ents", np.int64), unflat("nums", np.int64), unflat("title", np.int64)
        st.digests = list(z["digests"])
        has, embs = z["emb_has"], iter(z["emb"])
        st.emb = [next(embs) if h else None for h in has]
        st.lang = list(meta.get("lang") or [None] * len(st.ids))  # older blobs: no languages, no vectors
        st.xl = [None] * len(st.ids)
        if "xl_has" in z:
            vecs = iter(z["xl"])
            st.xl = [next(vecs) if h else None for h in z["xl_has"]]
        for i, (lang, v) in enumerate(zip(st.lang, st.xl, strict=True)):
            st._xl_tail.append(i, lang, None if v is None else v.astype(np.float32))
        st.day = array("d", z["day"].tolist())
        # format 1 has no years: unknown for those articles (the year features then read 0, as for undated text)
        st.year = array("d", z["year"].tolist() if "year" in z else [float("nan")] * len(st.ids))
        st.story_of = array("i", z["story_of"].tolist())
        st.members = [[] for _ in st.story_ids]
        for i, s in enumerate(st.story_of):
            st.members[s].append(i)
        st.df[z["df_idx"]] = z["df_val"]
        for i, t in enumerate(st.terms):
            for tid in t.tolist():
                post = st.postings.get(tid)
                if post is None:
                    st.postings[tid] = array("i", (i,))
                else:
                    post.append(i)
        st.lsh = RMinHashLSH.__new__(RMinHashLSH, LSH_THRESHOLD, NUM_PERM, LSH_BANDS)
        st.lsh.__setstate__(bytes(z["lsh"]))
        return st
