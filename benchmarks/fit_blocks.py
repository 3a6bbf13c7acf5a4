"""Fit the HTML block classifier (clean/blocks.py) on the development pages, with folds fixed before fitting.

Usage:
    python benchmarks/fit_blocks.py --context [--data ../shared/data] [--iters 40] [--cache /tmp/blocks-cache.pkl]
        [--first-cache /tmp/blocks-first.pkl] [--out FOLDER]

Block labels come from the gold texts: a block is `main` (resp. `related`, `comment`) when most of its word
3-grams (short blocks: the whole normalised text) are in the gold main text (l3s-gn1 labels 1+2, dragnet gold before its
comments marker, Zyte articleBody; resp. l3s-gn1 label 4; l3s-gn1 label 5 and dragnet gold after the marker); everything else is `boilerplate` (l3s-gn1 label 3, supplemental, included:
the benchmark's main text is 1+2 only). Blocks are weighted by sqrt(words) (the metric counts words).

Folds: `fold_of(site)` in benchmarks/extraction.py (crc32 of the page's site mod 5; the site is the URL's host,
or for pages without a URL the most frequent host among the page's absolute links), fixed before any fitting.
Writes clean/weights/blocks.json (fitted on all pages) and clean/weights/cv/fold{k}.json (fitted without fold k),
which `benchmarks/extraction.py --cv` uses to give every page a model that never saw its site.

--context adds the second look (clean/blocks.py `context_features`), stacked on first-pass probabilities that are
out of fold: the shipped one on each page's cross-validated first pass; fold k's on first passes fitted without
fold k and the training page's own fold (10 pair fits), so fold k's figures stay cross-validated.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction import fold_of, load_dragnet, load_l3s, load_zyte, page_site  # noqa: E402
from wiretrace.clean.blocks import (  # noqa: E402
    CONTEXT_NAMES,
    DENSE_NAMES,
    LABELS,
    N_HASH,
    BlockModel,
    _norm,
    _shingles,
    context_features,
    features,
    segment,
)
from wiretrace.clean.html import base_text, head_metadata  # noqa: E402

WEIGHTS = Path(__file__).resolve().parents[1] / "src" / "wiretrace" / "clean" / "weights"
log = logging.getLogger("fit_blocks")
_MARK = "!@#$%^&*()  COMMENTS"


def block_labels(blocks, golds: dict[str, str]) -> list[str]:  # noqa: ANN001
    """Label each block by the gold text holding most of it (see the module docstring)."""
    sh = {k: _shingles(v) for k, v in golds.items()}
    padded = {k: " " + _norm(v) + " " for k, v in golds.items()}
    out = []
    for b in blocks:
        s = _shingles(b.text)
        best, lab = 0.0, "boilerplate"
        for k in ("main", "comment", "related"):
            if k not in golds:
                continue
            if s:
                cov = len(s & sh[k]) / len(s)
            else:
                cov = 1.0 if f" {_norm(b.text)} " in padded[k] else 0.0
            if cov > best:
                best, lab = cov, k
        out.append(lab if best >= 0.5 else "boilerplate")
    return out


def prepare(data: Path, limit: int | None) -> list[dict]:
    from trafilatura.utils import load_html

    ex = data / "extraction"
    pages = []
    for name, folder, loader in (("zyte", "zyte", load_zyte), ("l3s", "l3s-gn1", load_l3s),
                                 ("dragnet", "dragnet_data", load_dragnet)):
        if not (ex / folder).exists():
            log.warning("skip: %s is absent", ex / folder)
            continue
        for it in loader(ex / folder, limit):
            tree = load_html(it["html"])
            if tree is None:
                continue
            meta = head_metadata(it["html"])
            base = base_text(tree, it["url"])
            blocks = segment(tree)
            X = features(blocks, meta["title"], base)
            golds = {"main": it["gold"]}
            if name == "dragnet" and _MARK in it["gold"]:  # dragnet's gold: the article, the marker, comments
                golds = dict(zip(("main", "comment"), it["gold"].split(_MARK, 1), strict=True))
            if name == "l3s":
                golds |= {"related": it["leak4"], "comment": it["leak5"]}
            y = block_labels(blocks, golds)
            site = page_site(it)
            pages.append({"set": name, "id": it["id"], "site": site, "fold": fold_of(site), "X": X, "blocks": blocks,
                          "y": np.array([LABELS.index(v) for v in y], dtype=np.int64), "w": np.array([math.sqrt(b.words)
                                                                                      for b in blocks])})
        log.info("%s: %d pages prepared", name, sum(p["set"] == name for p in pages))
    return pages


def fit(pages: list[dict], iters: int, key: str = "X", names: list[str] = DENSE_NAMES, n_hash: int = N_HASH,
        balance: bool = False) -> BlockModel:
    """Trees over the pages' rows `key` (the first pass's features, or the second look's under "C"); `balance`:
    weigh each set of pages alike."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    X = np.vstack([p[key] for p in pages])
    y = np.concatenate([p["y"] for p in pages])
    w = np.concatenate([p["w"] for p in pages])
    if balance:  # every set weighs as much as the others in all (681 dragnet blog pages against 90 Zyte pages)
        per_set = {s: sum(p["set"] == s for p in pages) for s in {p["set"] for p in pages}}
        w = w * np.concatenate([np.full(len(p["y"]), len(pages) / (len(per_set) * per_set[p["set"]]))
                                for p in pages])
    # Boilerplate blocks are 3/4 of all: fit on a fixed 25 % of them, weighted up (fitting time on 2 shared cores).
    bp = LABELS.index("boilerplate")
    keep = (y != bp) | (np.random.default_rng(0).random(len(y)) < 0.25)
    w = np.where(y == bp, w / 0.25, w)
    X, y, w = X[keep], y[keep], w[keep]
    clf = HistGradientBoostingClassifier(max_iter=iters, learning_rate=0.2, max_depth=5, max_leaf_nodes=15,
                                         min_samples_leaf=40, l2_regularization=1.0, early_stopping=False,
                                         random_state=0)
    clf.fit(X, y, sample_weight=w)
    if len(clf.classes_) != len(LABELS):
        raise ValueError(f"training pages lack a label: {clf.classes_}")
    model = BlockModel.from_sklearn(clf, {"iters": iters, "blocks": int(len(y)), "pages": len(pages)}, names, n_hash)
    # The numpy evaluator must agree with sklearn's own prediction.
    sample = X[:: max(1, len(X) // 3000)]
    diff = float(np.abs(model.proba(sample) - clf.predict_proba(sample)).max())
    if diff > 1e-4:
        raise AssertionError(f"exported trees disagree with sklearn: max |dp| = {diff}")
    return model


def fit_context(rows: list[dict], iters: int) -> BlockModel:
    """The second look over the pages' "C" rows, each set of pages weighing alike."""
    return fit(rows, iters, "C", CONTEXT_NAMES, 0, balance=True)


def with_context_rows(pages: list[dict], first: dict[tuple[str, str], BlockModel]) -> list[dict]:
    """The pages with their second-look rows "C", from the first-pass model `first[page id]` (one that never saw
    the page's fold: stacking on in-sample probabilities would teach the second look to trust them)."""
    return [{**p, "C": context_features(p["blocks"], p["X"], first[_key(p)].proba(p["X"]))} for p in pages]


def _key(page: dict) -> tuple[str, str]:
    return page["set"], str(page["id"])


def block_scores(pages: list[dict], predict: Callable[[dict], np.ndarray], threshold: float = 0.5) -> dict:
    """Word-counted block figures: main precision / recall, and the share of comment / related words kept."""
    main, com, rel = LABELS.index("main"), LABELS.index("comment"), LABELS.index("related")
    tp = fp = fn = kept_c = all_c = kept_r = all_r = 0.0
    for p in pages:
        words = np.array([b.words for b in p["blocks"]], dtype=np.float64)
        pred = predict(p)[:, main] >= threshold
        gold = p["y"] == main
        tp += words[pred & gold].sum()
        fp += words[pred & ~gold].sum()
        fn += words[~pred & gold].sum()
        kept_c += words[pred & (p["y"] == com)].sum()
        all_c += words[p["y"] == com].sum()
        kept_r += words[pred & (p["y"] == rel)].sum()
        all_r += words[p["y"] == rel].sum()
    prec, rec = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return {"P": round(prec, 4), "R": round(rec, 4), "F1": round(2 * prec * rec / max(prec + rec, 1e-9), 4),
            "comment_kept": round(kept_c / max(all_c, 1), 4), "related_kept": round(kept_r / max(all_r, 1), 4)}


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--iters", type=int, default=40, help="boosting rounds (each: one tree per label)")
    ap.add_argument("--cache", default=None, help="pickle of the prepared pages (reused when present)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--out", default=str(WEIGHTS), help="folder for blocks.json and cv/ (default: the shipped)")
    ap.add_argument("--first-cache", default=None,
                    help="pickle of the fitted first-pass models (reused when present: refit only the second look)")
    ap.add_argument("--balance-first", action="store_true",
                    help="weigh each set of pages alike in the first pass too (the second look always does)")
    ap.add_argument("--context", action="store_true",
                    help="fit the second look too (stacked on out-of-fold first-pass probabilities)")
    args = ap.parse_args()
    t = time.perf_counter()
    if args.cache and Path(args.cache).exists():
        pages = pickle.loads(Path(args.cache).read_bytes())
        for p in pages:
            p["y"] = p["y"].astype(np.int64)
    else:
        pages = prepare(Path(args.data), args.limit)
        if args.cache:
            Path(args.cache).write_bytes(pickle.dumps(pages))
    log.info("prepared %d pages in %.0f s", len(pages), time.perf_counter() - t)
    if not pages:
        log.warning("no data: nothing fitted")
        return 0
    counts = np.bincount(np.concatenate([p["y"] for p in pages]), minlength=len(LABELS))
    log.info("block labels: %s", dict(zip(LABELS, counts.tolist(), strict=True)))
    out = Path(args.out)
    (out / "cv").mkdir(parents=True, exist_ok=True)
    folds = sorted({p["fold"] for p in pages})
    # First pass: without each fold (its cross-validated model), and, for the second look's own cross-validation,
    # without each pair of folds (the first-pass probabilities a fold-k second look trains on must come from
    # models that saw neither the training page's fold nor fold k).
    t1 = time.perf_counter()
    cache = Path(args.first_cache) if args.first_cache else None
    # What the cached first passes were fitted on: a cache of other pages, folds, settings or features is refitted.
    stamp = {"iters": args.iters, "context": args.context, "dense_names": DENSE_NAMES, "n_hash": N_HASH,
             "balance_first": args.balance_first,
             "pages": sorted((p["set"], str(p["id"]), p["fold"]) for p in pages)}
    cached = pickle.loads(cache.read_bytes()) if cache and cache.exists() else None
    if cached and cached.get("stamp") == stamp:
        first_wo, first_wo_pair, first_all = cached["models"]
    else:
        if cached:
            log.warning("%s was fitted on other pages or settings: refitting", cache)
        first_wo = {k: fit([p for p in pages if p["fold"] != k], args.iters, balance=args.balance_first)
                    for k in folds}
        first_wo_pair = {}
        if args.context:
            for i, j in ((i, j) for i in folds for j in folds if i < j):
                first_wo_pair[i, j] = first_wo_pair[j, i] = fit([p for p in pages if p["fold"] not in (i, j)],
                                                                args.iters, balance=args.balance_first)
        first_all = fit(pages, args.iters, balance=args.balance_first)
        if cache:
            cache.write_bytes(pickle.dumps({"stamp": stamp, "models": (first_wo, first_wo_pair, first_all)}))
    log.info("first-pass fits: %.0f s", time.perf_counter() - t1)
    cv_first = {_key(p): first_wo[p["fold"]] for p in pages}
    first_scores = block_scores(pages, lambda p: cv_first[_key(p)].proba(p["X"]))
    log.info("cross-validated blocks, first pass: %s", first_scores)
    shipped_cv = dict(first_wo)
    if args.context:
        for k in folds:
            train = [p for p in pages if p["fold"] != k]
            rows = with_context_rows(train, {_key(p): first_wo_pair[p["fold"], k] for p in train})
            shipped_cv[k] = first_wo[k].with_context(fit_context(rows, args.iters))
        log.info("cross-validated blocks, with the second look: %s",
                 block_scores(pages, lambda p: shipped_cv[p["fold"]].predict(p["blocks"], p["X"])))
    if not args.no_write:
        for k, model in shipped_cv.items():
            model.meta["fold"] = k
            (out / "cv" / f"fold{k}.json").write_text(json.dumps(model.to_json()))
    model = first_all
    if args.context:  # the shipped second look: every page's first-pass probabilities out of fold
        model = model.with_context(fit_context(with_context_rows(pages, cv_first), args.iters))
    if not args.no_write:
        (out / "blocks.json").write_text(json.dumps(model.to_json()))
    log.info("done in %.0f s", time.perf_counter() - t)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
