"""Attribution spans on PolNeAR: P/R/F1 for source, cue and content, exact and overlap; words per second.

    python benchmarks/attribution.py [--split test|train] [--limit N] [--n-process 2] [--data DIR]

Spans are scored role by role: a predicted span counts as exact when its
offsets equal a gold span's, and as overlap when it shares at least one
character with a gold span not already matched (one-to-one, greedy in text
order). Attributions the annotators left without a source are simply absent
from the source gold.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# --- reading PolNeAR (brat standoff) with a held-out split by file hash; fit_attribution.py uses the same reader ---

DEFAULT_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "attribution" / "polnear" / "train"

Span = tuple[int, int]


@dataclass
class GoldAttribution:
    source: Span | None
    cue: Span | None
    content: Span | None


@dataclass
class Doc:
    name: str
    text: str
    gold: list[GoldAttribution] = field(default_factory=list)


def is_heldout(name: str, buckets: int = 5) -> bool:
    """One file in five is held out, chosen by a hash of its name (stable, not tuned)."""
    return int(hashlib.sha1(name.encode("utf-8")).hexdigest(), 16) % buckets == 0


def _span(spec: str) -> Span:
    # Discontinuous spans ("10 20;25 30") are scored as their covering span.
    parts = [tuple(map(int, p.split())) for p in spec.split(";")]
    return (min(p[0] for p in parts), max(p[1] for p in parts))


def read_ann(path: Path) -> list[GoldAttribution]:
    spans: dict[str, tuple[str, Span]] = {}
    events: list[dict[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or parts[0][:1] not in ("T", "E") or not parts[0][1:].isdigit():
            continue
        if parts[0].startswith("T"):
            typ, _, spec = parts[1].partition(" ")
            spans[parts[0]] = (typ, _span(spec))
        else:
            roles = dict(r.split(":", 1) for r in parts[1].split() if ":" in r)
            events.append(roles)
    out: list[GoldAttribution] = []
    for roles in events:
        found = [spans[roles[r]][1] if roles.get(r) in spans else None for r in ("Source", "Cue", "Content")]
        out.append(GoldAttribution(*found))
    return out


def load(root: Path = DEFAULT_DIR, split: str = "test", limit: int | None = None) -> list[Doc]:
    """split: "test" (held-out fifth), "train" (the rest) or "all"; one annotator per text (first by name)."""
    root = Path(root)
    docs: list[Doc] = []
    seen: set[str] = set()
    for ann in sorted((root / "attributions").glob("*.ann")):
        name = ann.stem.rsplit("_", 1)[0]
        if name in seen:
            continue
        seen.add(name)
        held = is_heldout(name)
        if (split == "test" and not held) or (split == "train" and held):
            continue
        text = (root / "text" / f"{name}.txt").read_bytes().decode("utf-8")
        docs.append(Doc(name, text, read_ann(ann)))
        if limit and len(docs) >= limit:
            break
    return docs


# --- scoring ---

ROLES = ("source", "cue", "content")


def _prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _overlap_tp(pred: list[tuple[int, int]], gold: list[tuple[int, int]]) -> int:
    used: set[int] = set()
    tp = 0
    for ps, pe in sorted(pred):
        for i, (gs, ge) in enumerate(gold):
            if i not in used and ps < ge and gs < pe:
                used.add(i)
                tp += 1
                break
    return tp


def score(docs: list[Doc], preds: list[list]) -> dict[str, dict[str, tuple[float, float, float]]]:
    out: dict[str, dict[str, tuple[float, float, float]]] = {}
    for role in ROLES:
        counts = {"exact": [0, 0, 0], "overlap": [0, 0, 0]}
        for doc, pred in zip(docs, preds, strict=True):
            gold = sorted({getattr(g, role) for g in doc.gold if getattr(g, role) is not None})
            mine = sorted({(s.start, s.end) for s in (getattr(a, role) for a in pred) if s is not None})
            exact = len(set(gold) & set(mine))
            for mode, tp in (("exact", exact), ("overlap", _overlap_tp(mine, gold))):
                counts[mode][0] += tp
                counts[mode][1] += len(mine)
                counts[mode][2] += len(gold)
        out[role] = {mode: _prf(*c) for mode, c in counts.items()}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--split", default="test", choices=["test", "train", "all"])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--n-process", type=int, default=1)
    ap.add_argument("--lexicon", action="store_true", help="gate cues by the lexicon only (the fitted model ignored)")
    args = ap.parse_args()
    if not (args.data / "attributions").is_dir():
        sys.exit(f"PolNeAR not found under {args.data}: nothing to measure")
    from wiretrace.claims import attributions
    from wiretrace.claims.attributions import extract_many, load_nlp

    if args.lexicon:
        attributions.cue_model = lambda: None  # from_doc falls back to weights/cues.json

    docs = load(args.data, split=args.split, limit=args.limit)
    nlp = load_nlp()
    texts = [d.text for d in docs]
    n_words = sum(len(t.split()) for t in texts)
    t0, c0 = time.perf_counter(), time.process_time()
    preds = extract_many(texts, nlp=nlp, n_process=args.n_process)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"PolNeAR {args.split}: {len(docs)} documents, {sum(len(d.gold) for d in docs)} gold attributions, "
          f"{sum(len(p) for p in preds)} predicted")
    print(f"speed: {n_words} words in {elapsed:.1f}s = {n_words / elapsed:,.0f} words/s "
          f"(pipeline {nlp.pipe_names}, n_process={args.n_process}); CPU time of this process {cpu:.1f}s = "
          f"{n_words / cpu:,.0f} words per CPU-second (less telling with n_process > 1)")
    print(f"{'role':8} {'match':8} {'P':>6} {'R':>6} {'F1':>6}")
    for role, modes in score(docs, preds).items():
        for mode, (p, r, f) in modes.items():
            print(f"{role:8} {mode:8} {p:6.3f} {r:6.3f} {f:6.3f}")


if __name__ == "__main__":
    main()
