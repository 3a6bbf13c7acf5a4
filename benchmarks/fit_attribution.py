"""Fit the cue lexicon on the PolNeAR training split (never the held-out fifth).

For every verb form we count how often the annotators marked it as the head
of a cue and how often it appears at all; we keep the forms whose cue rate
passes the threshold that maximises cue F1 on the training split itself.
Writes src/wiretrace/claims/weights/cues.json.

    python benchmarks/fit_attribution.py [--data DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import attribution as polnear  # noqa: E402 - the PolNeAR reader and split live in attribution.py

OUT = Path(__file__).resolve().parents[1] / "src" / "wiretrace" / "claims" / "weights" / "cues.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=polnear.DEFAULT_DIR)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--threshold", type=float, default=None, help="cue-rate threshold (default: best verb-cue F1)")
    args = ap.parse_args()
    if not (args.data / "attributions").is_dir():
        sys.exit(f"PolNeAR not found under {args.data}")
    from wiretrace.claims.attributions import load_nlp

    nlp = load_nlp()
    docs = polnear.load(args.data, split="train", limit=args.limit)
    cue_n: Counter[str] = Counter()
    all_n: Counter[str] = Counter()
    t0 = time.time()
    for d, doc in zip(docs, nlp.pipe([d.text for d in docs], batch_size=16), strict=True):
        heads: set[int] = set()
        for g in d.gold:
            if g.cue is None:
                continue
            toks = [t for t in doc if g.cue[0] <= t.idx < g.cue[1]]
            inside = {t.i for t in toks}
            for t in toks:
                if t.tag_.startswith("VB") and (t.head.i == t.i or t.head.i not in inside):
                    heads.add(t.i)
        for t in doc:
            if t.tag_.startswith("VB") and t.dep_ not in ("aux", "auxpass"):
                all_n[t.lower_] += 1
                if t.i in heads:
                    cue_n[t.lower_] += 1
    total_gold = sum(cue_n.values())
    best = (0.0, 0.0)
    for thr in [x / 100 for x in range(5, 95, 5)]:
        kept = [w for w in cue_n if cue_n[w] >= args.min_count and cue_n[w] / all_n[w] >= thr]
        tp = sum(cue_n[w] for w in kept)
        fp = sum(all_n[w] - cue_n[w] for w in kept)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / total_gold if total_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        print(f"threshold {thr:.2f}: {len(kept)} forms, verb-cue P {p:.3f} R {r:.3f} F1 {f:.3f}")
        if f > best[1]:
            best = (thr, f)
    thr = best[0] if args.threshold is None else args.threshold
    kept = sorted(w for w in cue_n if cue_n[w] >= args.min_count and cue_n[w] / all_n[w] >= thr)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "fitted_on": "PolNeAR train, files not held out by benchmarks/attribution.is_heldout",
                "documents": len(docs),
                "threshold": thr,
                "min_count": args.min_count,
                "cues": kept,
                # Every form seen as a cue at least min_count times, so another threshold can be tried
                # without refitting (wiretrace reads "cues" only).
                "rates": {w: round(cue_n[w] / all_n[w], 3) for w in sorted(cue_n) if cue_n[w] >= args.min_count},
            },
            indent=1,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"kept {len(kept)} cue forms at threshold {thr} in {time.time() - t0:.0f}s -> {OUT}")


if __name__ == "__main__":
    main()
