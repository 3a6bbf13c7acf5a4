"""Fit the cue classifier on the PolNeAR training split (never the held-out fifth).

Every verb the rules can build an attribution around is a candidate
(`attributions.candidates`); it is a positive when the annotators marked a cue
over the verb. A logistic regression over `attributions.cue_features` (word,
crude stem, tag, dependency, head, neighbours, the kind of attribution the
rules built, its source's tag, ...) scores the candidates. The decision
threshold is chosen on out-of-fold scores (5 folds grouped by document, train
split only) to maximise the mean of source exact F1 and content overlap F1,
the two figures issue 6 sets goals for. Writes
src/wiretrace/claims/weights/cue_model.json (feature -> weight, bias,
threshold); inference is a dictionary sum, no scikit-learn needed at run time.

    python benchmarks/fit_attribution_cues.py [--cache /tmp/polnear-train.spacy] [--limit N] [--c 0.3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import attribution as polnear  # noqa: E402 - the PolNeAR reader, split and scorer live in attribution.py

OUT = Path(__file__).resolve().parents[1] / "src" / "wiretrace" / "claims" / "weights" / "cue_model.json"


def parsed(docs, cache: Path | None):
    """spaCy Docs for the training texts, from a DocBin cache when one is given and present."""
    from spacy.tokens import DocBin

    from wiretrace.claims.attributions import load_nlp

    nlp = load_nlp()
    if cache is not None and cache.exists():
        out = list(DocBin().from_disk(cache).get_docs(nlp.vocab))
        if len(out) == len(docs):
            return out
    out = list(nlp.pipe([d.text for d in docs], batch_size=16))
    if cache is not None:
        db = DocBin()
        for d in out:
            db.add(d)
        db.to_disk(cache)
    return out


def select(cands, margins, threshold: float):
    """The attributions from_doc would keep at this threshold (same dedupe)."""
    out, used = [], set()
    for (_tok, att), m in zip(cands, margins, strict=True):
        if att.kind != "according_to" and m < threshold:
            continue
        key = (att.content.start, att.content.end, att.source.start if att.source else -1)
        if key not in used:
            used.add(key)
            out.append(att)
    return out


def objective(scores) -> float:
    return (scores["source"]["exact"][2] + scores["content"]["overlap"][2]) / 2


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=polnear.DEFAULT_DIR)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--cache", type=Path, default=None, help="DocBin of the parsed training split (made if absent)")
    ap.add_argument("--c", type=float, default=0.3, help="inverse L2 strength of the logistic regression")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--min-weight", type=float, default=0.1, help="weights smaller than this are not shipped")
    args = ap.parse_args()
    if not (args.data / "attributions").is_dir():
        sys.exit(f"PolNeAR not found under {args.data}")
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    from wiretrace.claims import attributions as A

    t0 = time.time()
    docs = polnear.load(args.data, split="train", limit=args.limit)
    sdocs = parsed(docs, args.cache)
    print(f"{len(docs)} training documents parsed in {time.time() - t0:.0f}s")
    cands, feats, labels, groups = [], [], [], []
    for gi, (d, sd) in enumerate(zip(docs, sdocs, strict=True)):
        gold_cues = [g.cue for g in d.gold if g.cue is not None]
        mine = [(tok, att) for tok, att, _m in A.candidates(sd)]
        cands.append(mine)
        for tok, att in mine:
            feats.append(dict.fromkeys(A.cue_features(sd, tok, att), 1))
            labels.append(int(any(s <= tok.idx < e for s, e in gold_cues)))
            groups.append(gi)
    print(f"{len(labels)} candidates, {sum(labels)} positive")
    vec = DictVectorizer()
    x = vec.fit_transform(feats).tocsr()
    x.indices = x.indices.astype("int32")  # liblinear refuses int64 sparse indices
    x.indptr = x.indptr.astype("int32")

    def model():
        return LogisticRegression(C=args.c, max_iter=3000, solver="liblinear")

    oof = [0.0] * len(labels)
    for tr, te in GroupKFold(n_splits=5).split(x, labels, groups):
        clf = model().fit(x[tr], [labels[i] for i in tr])
        for i, m in zip(te, clf.decision_function(x[te]), strict=True):
            oof[i] = float(m)
    # Per-document margins in candidate order, then the threshold sweep on the out-of-fold margins.
    per_doc, k = [], 0
    for mine in cands:
        per_doc.append(oof[k : k + len(mine)])
        k += len(mine)
    best = (-1.0, 0.0)
    for thr in [x / 4 for x in range(-12, 9)]:
        preds = [select(c, m, thr) for c, m in zip(cands, per_doc, strict=True)]
        sc = polnear.score(docs, preds)
        print(f"threshold {thr:5.2f}: source exact F1 {sc['source']['exact'][2]:.3f}  "
              f"content overlap F1 {sc['content']['overlap'][2]:.3f}  cue exact F1 {sc['cue']['exact'][2]:.3f}")
        if objective(sc) > best[0]:
            best = (objective(sc), thr)
    clf = model().fit(x, labels)
    weights = {f: round(float(w), 4) for f, w in zip(vec.get_feature_names_out(), clf.coef_[0], strict=True)
               if abs(w) >= args.min_weight}
    args.out.write_text(
        json.dumps(
            {
                "fitted_on": "PolNeAR train, files not held out by benchmarks/attribution.is_heldout",
                "documents": len(docs),
                "model": f"sklearn LogisticRegression(C={args.c}, liblinear) over attributions.cue_features",
                "threshold": best[1],
                "oof_objective": round(best[0], 4),
                "bias": round(float(clf.intercept_[0]), 4),
                "weights": dict(sorted(weights.items())),
            },
            indent=None,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"threshold {best[1]} (out-of-fold objective {best[0]:.3f}); {len(weights)} weights in "
          f"{time.time() - t0:.0f}s -> {args.out}")


if __name__ == "__main__":
    main()
