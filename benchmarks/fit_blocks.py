"""Fit the HTML block classifier (clean/blocks.py) on the development pages, with folds fixed before fitting.

Usage:
    python benchmarks/fit_blocks.py [--data ../shared/data] [--folds 5] [--iters 40] [--cache /tmp/blocks-cache.pkl]

Block labels come from the gold texts: a block is `main` (resp. `related`, `comment`) when most of its word
3-grams (short blocks: the whole normalised text) are in the gold main text (l3s-gn1 labels 1+2, dragnet gold before its
comments marker, Zyte articleBody; resp. l3s-gn1 label 4; l3s-gn1 label 5 and dragnet gold after the marker); everything else is `boilerplate` (l3s-gn1 label 3, supplemental, included:
the benchmark's main text is 1+2 only). Blocks are weighted by sqrt(words) (the metric counts words).

Folds: `fold_of(site)` in benchmarks/extraction.py (crc32 of the page's site mod 5; the site is the URL's host,
or for pages without a URL the most frequent host among the page's absolute links), fixed before any fitting.
Writes clean/weights/blocks.json (fitted on all pages) and clean/weights/cv/fold{k}.json (fitted without fold k),
which `benchmarks/extraction.py --cv` uses to give every page a model that never saw its site.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import pickle
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction import fold_of, load_dragnet, load_l3s, load_zyte, page_site  # noqa: E402
from wiretrace.clean.blocks import LABELS, BlockModel, _norm, _shingles, features, segment  # noqa: E402
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
            pages.append({"set": name, "id": it["id"], "site": site, "fold": fold_of(site), "X": X,
                          "y": np.array([LABELS.index(v) for v in y], dtype=np.int64), "w": np.array([math.sqrt(b.words)
                                                                                      for b in blocks])})
        log.info("%s: %d pages prepared", name, sum(p["set"] == name for p in pages))
    return pages


def fit(pages: list[dict], iters: int) -> BlockModel:
    from sklearn.ensemble import HistGradientBoostingClassifier

    X = np.vstack([p["X"] for p in pages])
    y = np.concatenate([p["y"] for p in pages])
    w = np.concatenate([p["w"] for p in pages])
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
    model = BlockModel.from_sklearn(clf, {"iters": iters, "blocks": int(len(y)), "pages": len(pages)})
    # The numpy evaluator must agree with sklearn's own prediction.
    sample = X[:: max(1, len(X) // 3000)]
    diff = float(np.abs(model.proba(sample) - clf.predict_proba(sample)).max())
    if diff > 1e-4:
        raise AssertionError(f"exported trees disagree with sklearn: max |dp| = {diff}")
    return model


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--iters", type=int, default=40, help="boosting rounds (each: one tree per label)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--cache", default=None, help="pickle of the prepared pages (reused when present)")
    ap.add_argument("--no-write", action="store_true")
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
    (WEIGHTS / "cv").mkdir(parents=True, exist_ok=True)
    # Block-level cross-validated accuracy (word-weighted), a quick check; page figures: extraction.py --cv.
    hit = tot = 0.0
    for k in range(args.folds):
        train = [p for p in pages if p["fold"] != k]
        test = [p for p in pages if p["fold"] == k]
        model = fit(train, args.iters)
        model.meta["fold"] = k
        if not args.no_write:
            (WEIGHTS / "cv" / f"fold{k}.json").write_text(json.dumps(model.to_json()))
        for p in test:
            pred = model.proba(p["X"])[:, 0] >= model.threshold
            gold = p["y"] == 0
            hit += float(((pred == gold) * p["w"]).sum())
            tot += float(p["w"].sum())
        log.info("fold %d: %d train / %d test pages", k, len(train), len(test))
    log.info("cross-validated main-vs-rest block accuracy (sqrt-words weighted): %.4f", hit / tot)
    model = fit(pages, args.iters)
    if not args.no_write:
        (WEIGHTS / "blocks.json").write_text(json.dumps(model.to_json()))
    log.info("done in %.0f s", time.perf_counter() - t)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
