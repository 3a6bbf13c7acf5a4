"""What the cluster step costs per run as a store grows: the single state blob (before) vs the indexed tables.

Two measurements on a `make_corpus.py` corpus (read-only; fingerprints and lead vectors computed once up front,
as the pipeline stores them, so only the state handling and `assign` are timed; `--embedder fake384` gives every
article a 384-d lead vector as a default MiniLM run does, without the model's cost):

- `--sizes 10000,50000 --run 1000`: a store already holding N clustered articles gets one more run of `--run`
  articles. Before: load the blob + `ClusterState.from_bytes`, `assign`, `to_bytes`, write the blob (with the
  assignments, one transaction). After: `Store.cluster_index`, `assign` on it, `apply_clustering` (index rows,
  assignments, one transaction). Also the one-off import of the N-article blob into the tables.
- `--hours PATH`: a `make_corpus.py --stream` corpus fed as its 24 `hour` batches into one store, both ways,
  each batch's cluster step timed; the final assignments of both ways are compared.

Decisions are compared in every case (they must be identical).

    python benchmarks/make_corpus.py --n 50000 --out /tmp/c50k.jsonl
    python benchmarks/cluster_store.py --corpus /tmp/c50k.jsonl --sizes 10000,50000 --run 1000
    python benchmarks/make_corpus.py --stream --n 48000 --out /tmp/s48k.jsonl
    python benchmarks/cluster_store.py --hours /tmp/s48k.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wiretrace.cluster import ClusterState, assign, featurize_batch  # noqa: E402
from wiretrace.config import Config  # noqa: E402
from wiretrace.model import Article  # noqa: E402
from wiretrace.pipeline import Context  # noqa: E402
from wiretrace.store import Store  # noqa: E402


def read(path: str, limit: int | None = None) -> tuple[list[Article], list[dict]]:
    rows = [json.loads(line) for line in open(path)][:limit]
    arts = []
    for k, r in enumerate(rows):
        a = Article(source=f"c{k}", title=r["title"], text=r["text"], published=r.get("published"),
                    outlet=r.get("outlet"))
        a.compute_id()
        arts.append(a)
    return arts, rows


class FakeEmbedder:
    """384-d unit vectors from hashed words (fast, deterministic): stands in for MiniLM so the state carries the
    float16 lead vectors a default run stores (state size and the embedding path), without the model's cost."""

    is_lexical = False
    name = "fake384"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for r, t in enumerate(texts):
            ids = [zlib.crc32(w.encode()) % 384 for w in t.lower().split()]
            np.add.at(out[r], ids, 1.0)
        out[:, 0] += 1e-3
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def context(embedder: str) -> Context:
    ctx = Context(Config(embedder=embedder))
    if embedder == "fake384":
        ctx._cache["embedder"] = FakeEmbedder()
    return ctx


def prepare_all(arts: list[Article], ctx: Context) -> list:
    """Fingerprints (and lead vectors) computed once, as the pipeline stores them before clustering."""
    t = time.perf_counter()
    prep = featurize_batch(arts)
    emb = ctx.embedder()
    if not getattr(emb, "is_lexical", True):
        for lo in range(0, len(prep), 1000):
            vecs = emb.encode([p.features.lead for p in prep[lo : lo + 1000]])
            for p, v in zip(prep[lo : lo + 1000], vecs, strict=True):
                p.emb, p.emb_model = v, emb.name
    print(f"featurised {len(arts)} in {time.perf_counter() - t:.1f}s ({emb.name})", flush=True)
    return prep


def db_bytes(path: str) -> int:
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def run_old(store: Store, arts: list[Article], prep: list, ctx: Context) -> tuple[dict, dict[str, float]]:
    c0 = time.process_time()
    t0 = time.perf_counter()
    blob = store.load_state("cluster")
    state = ClusterState.from_bytes(blob) if blob else ClusterState.empty()
    t1 = time.perf_counter()
    upd = assign(arts, state, ctx, prepared=prep)
    t2 = time.perf_counter()
    data = upd.state.to_bytes()
    t3 = time.perf_counter()
    store.apply_clustering(None, "cluster", data, upd.assignments, upd.events)
    t4 = time.perf_counter()
    return upd.assignments, {"load": t1 - t0, "assign": t2 - t1, "save": t4 - t2, "serialise": t3 - t2,
                             "total": t4 - t0, "cpu": time.process_time() - c0, "blob_mb": len(data) / 1e6}


def run_new(store: Store, arts: list[Article], prep: list, ctx: Context) -> tuple[dict, dict[str, float]]:
    c0 = time.process_time()
    t0 = time.perf_counter()
    index = store.cluster_index("cluster")
    t1 = time.perf_counter()
    upd = assign(arts, index, ctx, prepared=prep)
    t2 = time.perf_counter()
    store.apply_clustering(None, "cluster", index, upd.assignments, upd.events)
    t3 = time.perf_counter()
    return upd.assignments, {"load": t1 - t0, "assign": t2 - t1, "save": t3 - t2, "total": t3 - t0,
                             "cpu": time.process_time() - c0, **{f"read_{k}": v for k, v in index.reads.items()}}


def fmt(d: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in d.items())


def sizes(args: argparse.Namespace, ctx: Context) -> None:
    ns = [int(x) for x in args.sizes.split(",")]
    arts, _ = read(args.corpus, max(ns) + args.run)
    if len(arts) < max(ns) + args.run:
        raise SystemExit(f"{args.corpus} has {len(arts)} records; --sizes/--run need {max(ns) + args.run}")
    prep = prepare_all(arts, ctx)
    state, done = ClusterState.empty(), 0
    for n in ns:
        state = assign(arts[done:n], state, ctx, prepared=prep[done:n]).state
        done = n
        run = slice(n, n + args.run)
        with tempfile.TemporaryDirectory(dir=args.tmp) as d:
            old_db, new_db, work = os.path.join(d, "old.db"), os.path.join(d, "new.db"), os.path.join(d, "work.db")
            blob = state.to_bytes()
            for path in (old_db, new_db):
                with Store(path) as s:
                    with s.transaction() as c:
                        c.execute("INSERT INTO stage_state(name, value) VALUES('cluster', ?)", (blob,))
                    s.add_articles(arts[: n + args.run], None)  # merges may relabel any stored article
                    if path == new_db:
                        t = time.perf_counter()
                        index = s.cluster_index("cluster")  # the one-off import of the old blob
                        imp = time.perf_counter() - t
                        assert index.imported == len(state)
                    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            print(f"N={n} run={args.run} blob={len(blob) / 1e6:.1f}MB (old store {db_bytes(old_db) / 1e6:.0f}MB) "
                  f"import={imp:.1f}s (new store {db_bytes(new_db) / 1e6:.0f}MB)", flush=True)
            got: dict[str, list[dict]] = {"before": [], "after": []}
            for rep in range(args.repeat):  # alternated, each on a fresh copy of its store
                for name, src, fn in (("before", old_db, run_old), ("after", new_db, run_new)):
                    shutil.copy(src, work)
                    with Store(work) as s:
                        a, m = fn(s, arts[run], prep[run], ctx)
                    os.remove(work)
                    got[name].append(m)
                    if rep == 0:
                        got[name + "_assignments"] = a
                    print(f"  {name:6s} {fmt(m)}", flush=True)
            same = got["before_assignments"] == got["after_assignments"]
            print(f"  identical assignments: {same}")
            for name in ("before", "after"):
                best = {k: min(m[k] for m in got[name]) for k in ("load", "assign", "save", "total", "cpu")}
                print(f"  {name} min of {args.repeat}: {fmt(best)}", flush=True)
            assert same


def hours(args: argparse.Namespace, ctx: Context) -> None:
    arts, rows = read(args.hours)
    prep = prepare_all(arts, ctx)
    batches = [[k for k, r in enumerate(rows) if r["hour"] == h] for h in range(24)]
    with tempfile.TemporaryDirectory(dir=args.tmp) as d:
        old, new = Store(os.path.join(d, "old.db")), Store(os.path.join(d, "new.db"))
        final_old: dict[str, str] = {}
        final_new: dict[str, str] = {}
        per: list[tuple[int, int, dict, dict]] = []
        for h, ks in enumerate(batches):
            if not ks:
                continue
            part, pp = [arts[k] for k in ks], [prep[k] for k in ks]
            old.add_articles(part, None)
            new.add_articles(part, None)
            a_old, m_old = run_old(old, part, pp, ctx)
            a_new, m_new = run_new(new, part, pp, ctx)
            final_old.update(a_old)
            final_new.update(a_new)
            per.append((h, len(ks), m_old, m_new))
            print(f"hour {h:2d} +{len(ks):5d} before {fmt(m_old)} | after {fmt(m_new)}", flush=True)
        print(f"identical final assignments: {final_old == final_new} ({len(final_old)} articles)")
        print("hour  articles  before: wall ms/art  cpu ms/art  (load+save s) | after: wall ms/art  cpu ms/art  (save s)")
        for h, n, mo, mn in per:
            print(f"{h:4d} {n:9d}  {1e3 * mo['total'] / n:17.2f} {1e3 * mo['cpu'] / n:11.2f}  "
                  f"({mo['load'] + mo['save']:.2f}) | {1e3 * mn['total'] / n:17.2f} {1e3 * mn['cpu'] / n:11.2f}  "
                  f"({mn['save']:.2f})")
        first, last = per[0], per[-1]
        for name, k in (("before", 2), ("after", 3)):
            f_ = first[k]["cpu"] / first[1]
            l_ = last[k]["cpu"] / last[1]
            print(f"{name}: last/first CPU per article {l_ / f_:.2f}x")
        for s in (old, new):
            s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            print(f"{s.path.name}: {db_bytes(str(s.path)) / 1e6:.1f} MB")
            s.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus")
    ap.add_argument("--sizes", default="10000,50000")
    ap.add_argument("--run", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3, help="with --sizes: runs per way (fresh store copies)")
    ap.add_argument("--hours", default=None, help="a make_corpus.py --stream corpus: 24 hourly runs, both ways")
    ap.add_argument("--embedder", default="lexical", help="lexical, fake384 (hashed 384-d vectors) or a model name")
    ap.add_argument("--tmp", default=None)
    args = ap.parse_args()
    ctx = context(args.embedder)
    if args.hours:
        hours(args, ctx)
    else:
        sizes(args, ctx)


if __name__ == "__main__":
    main()
