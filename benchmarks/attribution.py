"""Attribution spans on PolNeAR: P/R/F1 for source, cue and content, exact and overlap; words per second.

    python benchmarks/attribution.py [--split test|train] [--limit N] [--n-process 2] [--data DIR]
        [--methods rules,model,lexicon] [--weights DIR]

Every method scores the same parsed documents in one run (side by side).

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


def _worker(args: tuple[list[str], str]) -> int:
    """One process of the end-to-end speed run: parse and extract its share of the texts."""
    texts, weights = args
    from wiretrace.claims.attributions import from_doc, load_nlp

    nlp = load_nlp()
    return sum(len(from_doc(d, weights)) for d in nlp.pipe(texts, batch_size=16))


def speed(texts: list[str], weights: str, n_process: int) -> tuple[float, int]:
    """Wall seconds to parse and extract all texts over n_process worker processes (each loads spaCy first:
    the load is timed apart, as a long-running worker pays it once)."""
    from multiprocessing import get_context

    chunks = [texts[k::n_process] for k in range(n_process)]
    with get_context("spawn").Pool(n_process) as pool:
        pool.map(_worker, [(t[:2], weights) for t in chunks])  # warm-up: imports and model loads
        t0 = time.perf_counter()
        n = sum(pool.map(_worker, [(t, weights) for t in chunks]))
        return time.perf_counter() - t0, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--split", default="test", choices=["test", "train", "all"])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--n-process", type=int, default=0, help="also time parse+extract end to end over N processes")
    ap.add_argument("--methods", default="rules,model", help="rules (dependency rules + cue classifier), "
                    "model (the CRF taggers, shipped weights), lexicon (rules gated by the cue lexicon only)")
    ap.add_argument("--weights", default="", help="folder of the CRF taggers (default: the shipped ones)")
    args = ap.parse_args()
    if not (args.data / "attributions").is_dir():
        sys.exit(f"PolNeAR not found under {args.data}: nothing to measure")
    from wiretrace.claims import attribution_model, attributions
    from wiretrace.claims.attributions import from_doc, load_nlp, rules_from_doc

    docs = load(args.data, split=args.split, limit=args.limit)
    nlp = load_nlp()
    texts = [d.text for d in docs]
    n_words = sum(len(t.split()) for t in texts)
    t0, c0 = time.perf_counter(), time.process_time()
    sdocs = list(nlp.pipe(texts, batch_size=16))
    parse_s, parse_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"PolNeAR {args.split}: {len(docs)} documents, {n_words} words, {sum(len(d.gold) for d in docs)} gold "
          f"attributions; spaCy {nlp.pipe_names} parse {parse_s:.1f}s = {n_words / parse_s:,.0f} words/s "
          f"(CPU {parse_cpu:.1f}s)")
    print(f"{'method':8} {'role':8} {'match':8} {'P':>6} {'R':>6} {'F1':>6}")
    for method in args.methods.split(","):
        if method == "model":
            if attribution_model.load_models(args.weights or None) is None:
                print("model: weights missing (see the warning above); skipped")
                continue

            def run(d, w=args.weights):
                return from_doc(d, w)
        elif method == "lexicon":
            saved = attributions.cue_model

            def run(d, saved=saved):
                attributions.cue_model = lambda: None  # rules_from_doc falls back to weights/cues.json
                try:
                    return rules_from_doc(d)
                finally:
                    attributions.cue_model = saved
        else:
            run = rules_from_doc
        t0, c0 = time.perf_counter(), time.process_time()
        preds = [run(d) for d in sdocs]
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        for role, modes in score(docs, preds).items():
            for mode, (p, r, f) in modes.items():
                print(f"{method:8} {role:8} {mode:8} {p:6.3f} {r:6.3f} {f:6.3f}")
        print(f"{method:8} {sum(len(p) for p in preds)} predicted; extraction alone {elapsed:.1f}s = "
              f"{n_words / elapsed:,.0f} words/s (CPU {cpu:.1f}s); with the parse, one process: "
              f"{n_words / (elapsed + parse_s):,.0f} words/s; per CPU-second with the parse "
              f"{n_words / (cpu + parse_cpu):,.0f} words (a machine's cores each give that much when idle)")
        if args.n_process:
            wall, n = speed(texts, "rules" if method != "model" else args.weights, args.n_process)
            print(f"{method:8} end to end over {args.n_process} processes: {n_words} words in {wall:.1f}s = "
                  f"{n_words / wall:,.0f} words/s ({n} attributions)")


if __name__ == "__main__":
    main()
