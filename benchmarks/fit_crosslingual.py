"""Fit clustering's cross-lingual pair model (`cluster/weights/cluster.json`, key "crosslingual") on the NTREX
development half only (`multilingual.halves`, fixed before fitting: stories ordered by sha1 of their id).

The training rows are exactly the pairs the clusterer scores: the development articles are fed in file order
through the article stages (clean, analyse, fingerprint: language and e5 document vector included) into an
in-memory `ClusterState`, and for each article its cross-lingual candidates (the `xl_candidates` nearest recent
articles in other languages) give one row of `XL_FEATURES` each, labelled same story or not. A logistic
regression (sklearn) is fit on them; the threshold is the one with the best pair F1 on those rows (looked-at
data: the development half); `min_cos` (the candidate floor) is the lowest document cosine of a true pair there,
minus 0.05. The held-out half is never read here.

    python benchmarks/fit_crosslingual.py            # writes the weights
    python benchmarks/fit_crosslingual.py --dry-run  # prints them

`--align` chooses align's ratio-margin path for cross-lingual sentence pairs (`AlignSettings.xl_floor_e5`,
`xl_margin`) on the same development half: every pair of development articles in different languages is aligned
as the align stage would (`align_cross_lingual`) under each (floor, margin) of a grid; a pair of one story (a
translation and its original, or two translations of one original) should align, a pair of two stories never.
The grid point kept aligns the most same-story pairs with no cross-story pair, ties to the higher floor, then the
lower margin. It prints the table; the settings are written into `align/settings.py` by hand, with the figures.

    python benchmarks/fit_crosslingual.py --align
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from multilingual import halves, load  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "src" / "wiretrace" / "cluster" / "weights" / "cluster.json"


def rows_of(dev: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    from wiretrace.cluster.incremental import XL_FEATURES, candidates, pair_features, prepared_from_print
    from wiretrace.cluster.state import ClusterState
    from wiretrace.model import Article
    from wiretrace.pipeline import Context, clean_batch

    ctx = Context()
    arts = clean_batch([Article(source=r["id"], title=r["title"], raw_text=r["text"], external_id=r["id"]) for r in dev],
                       ctx, through="cluster.fingerprint")
    gold = {a.id: r["story"] for a, r in zip(arts, dev, strict=True)}
    state = ClusterState()
    weights = {"crosslingual": {"min_cos": -1.0}}
    xs, ys = [], []
    for a in arts:
        pr = prepared_from_print(a.analysis.cluster)
        f = pr.features
        cand = candidates(state, f, pr.minhash, pr.digest, weights)
        out: list = []
        pair_features(state, f, pr.digest, None, cand, out)
        for rows, xr in out:
            for k, row in zip(rows.tolist(), xr, strict=True):
                xs.append(row)
                ys.append(gold[state.article_id(int(cand[k]))] == gold[a.id])
        state.add(a.id, f, pr.digest, pr.minhash, None, state.new_story(a.id))
    x = np.asarray(xs, dtype=np.float64).reshape(-1, len(XL_FEATURES))
    return x, np.asarray(ys, dtype=bool)


def fit(x: np.ndarray, y: np.ndarray) -> dict:
    from sklearn.linear_model import LogisticRegression

    from wiretrace.cluster.incremental import XL_FEATURES

    # Standardised for fitting (cosines live in a narrow band), then folded back so the stored model reads raw rows.
    mu, sd = x.mean(axis=0), np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    clf = LogisticRegression(C=1.0, max_iter=1000).fit((x - mu) / sd, y)
    coef = clf.coef_[0] / sd
    intercept = float(clf.intercept_[0] - (clf.coef_[0] * mu / sd).sum())
    p = 1.0 / (1.0 + np.exp(-(x @ coef + intercept)))
    best, best_f = 0.5, -1.0
    for t in np.round(np.arange(0.1, 0.95, 0.01), 2):
        tp = float(((p >= t) & y).sum())
        fp = float(((p >= t) & ~y).sum())
        fn = float(((p < t) & y).sum())
        f = 2 * tp / max(1.0, 2 * tp + fp + fn)
        if f > best_f:
            best, best_f = float(t), f
    tp = int(((p >= best) & y).sum())
    return {
        "features": XL_FEATURES,
        "coef": [round(float(c), 5) for c in coef],
        "intercept": round(intercept, 5),
        "threshold": best,
        "min_cos": round(float(x[y, 0].min()) - 0.05, 3) if y.any() else 0.8,
        "fit": {"data": "NTREX development half (multilingual.halves, 32 stories)", "rows": int(len(y)),
                "positives": int(y.sum()), "pair_f1_in_sample": round(best_f, 4), "true_pos": tp,
                "false_pos": int(((p >= best) & ~y).sum())},
    }


def align_grid(dev: list[dict]) -> dict:
    """Same-story and cross-story pairs aligned under each (floor, margin); see the module's docstring."""
    import dataclasses

    from wiretrace.align import article_doc
    from wiretrace.align.pairs import align_cross_lingual, xl_min_cos
    from wiretrace.analysis import ensure_vectors, vector_rows
    from wiretrace.analysis.language import languages_differ
    from wiretrace.model import Article
    from wiretrace.pipeline import Context, clean_batch

    ctx = Context()
    ml = ctx.multilingual_embedder()
    arts = clean_batch([Article(source=r["id"], title=r["title"], raw_text=r["text"], external_id=r["id"]) for r in dev],
                       ctx, through="cluster.fingerprint")
    gold = {a.id: r["story"] for a, r in zip(arts, dev, strict=True)}
    docs = {a.id: article_doc(a) for a in arts}
    ensure_vectors(arts, {a.id: set(docs[a.id].usable) for a in arts}, ml)
    for a in arts:
        docs[a.id].xemb = vector_rows(a, ml.name, docs[a.id].usable, 384)
    pairs = [(a, b) for i, a in enumerate(arts) for b in arts[i + 1:] if languages_differ(a.language, b.language)]
    base = ctx.config.align
    table = []
    off = dataclasses.replace(base, xl_margin=99.0)
    grid = [(None, 99.0)] + [(f, m) for f in (0.78, 0.8, 0.82) for m in (1.02, 1.04, 1.06)]
    for floor, margin in grid:
        st = off if floor is None else dataclasses.replace(base, xl_margin=margin)
        same = cross = same_total = 0
        for a, b in pairs:
            one = gold[a.id] == gold[b.id]
            same_total += one
            al = align_cross_lingual(docs[a.id], docs[b.id], xl_min_cos(ml.name, st), settings=st, floor=floor)
            if al.pairs:
                same += one
                cross += not one
        table.append({"floor": floor, "margin": None if margin > 10 else margin,
                      "same_story_aligned": same, "same_story_pairs": same_total, "cross_story_aligned": cross})
        print(json.dumps(table[-1]), flush=True)
    ok = [t for t in table[1:] if t["cross_story_aligned"] == 0]
    best = max(ok, key=lambda t: (t["same_story_aligned"], t["floor"], -t["margin"])) if ok else None
    return {"model": ml.name, "absolute_threshold_only": table[0], "chosen": best, "cross_language_pairs": len(pairs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--align", action="store_true", help="choose align's cross-lingual margin (prints; writes nothing)")
    args = ap.parse_args()
    from wiretrace.pipeline import Context

    dev = halves(load())["dev"]
    if args.align:
        print(json.dumps(align_grid(dev), indent=1))
        return
    x, y = rows_of(dev)
    w = fit(x, y)
    w["model"] = Context().config.crosslingual_embedder
    print(json.dumps(w, indent=1))
    if not args.dry_run:
        weights = json.loads(WEIGHTS.read_text())
        weights["crosslingual"] = w
        WEIGHTS.write_text(json.dumps(weights, indent=1) + "\n")  # as fit_cluster.py writes it


if __name__ == "__main__":
    main()
