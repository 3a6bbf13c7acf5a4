"""Fit the attribution taggers (cue CRF, source/content CRF) on the PolNeAR training split only.

The held-out fifth (`attribution.is_heldout`) is never read. `--dev` holds out
a further fifth of the training split (a second hash, by article) to compare
feature sets and regularisation without looking at the held-out fifth; the
shipped weights are then fitted on the whole training split.

Labels come from the gold standoff: cue tokens B/I (a token overlapping a gold
cue), and per gold attribution, over its cue's sentence, S for tokens of its
source and C for tokens of its content (the source wins where a split quote's
covering span holds it). Writes src/wiretrace/claims/weights/attribution_cue.crfsuite
and attribution_span.crfsuite.

    python benchmarks/fit_attribution_crf.py [--cache-dir /tmp/attr] [--dev] [--c1 0.05 --c2 0.01]
    python benchmarks/fit_attribution_crf.py --cache-dir /tmp/attr --score FOLDER  # re-sweep the combination
        settings (weights/attribution_crf.json) with development taggers already fitted (--dev prints the folder)
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import attribution as polnear  # noqa: E402 - the PolNeAR reader, split and scorer live in attribution.py

OUT = Path(__file__).resolve().parents[1] / "src" / "wiretrace" / "claims" / "weights"


def parsed(docs, cache: Path | None, nlp):
    """spaCy Docs for the texts, from a DocBin cache when one is given and matches."""
    from spacy.tokens import DocBin

    if cache is not None and cache.exists():
        out = list(DocBin().from_disk(cache).get_docs(nlp.vocab))
        if len(out) == len(docs) and all(o.text == d.text for o, d in zip(out, docs, strict=True)):
            return out
    out = list(nlp.pipe([d.text for d in docs], batch_size=16))
    if cache is not None:
        db = DocBin(store_user_data=False)
        for d in out:
            db.add(d)
        db.to_disk(cache)
    return out


def is_dev(name: str) -> bool:
    """A fifth of the training split by a second hash (never the held-out fifth, which is excluded before)."""
    return int(hashlib.md5(name.encode("utf-8")).hexdigest(), 16) % 5 == 0


def _tokens_in(doc, span) -> list[int]:
    s, e = span
    return [t.i for t in doc if t.idx < e and s < t.idx + len(t.text)]


def sequences(d, sd, rates, lexicon_model=None, cues_only: bool = False):
    """(cue sequences, span sequences) with their labels for one training document."""
    from wiretrace.claims import attribution_model as M
    from wiretrace.claims.attributions import rules_from_doc

    df = M.doc_features(sd, rates, lexicon_model, rules_from_doc(sd))
    sents = [(s.start, s.end) for s in sd.sents]
    sent_of = {}
    for k, (a, b) in enumerate(sents):
        for i in range(a, b):
            sent_of[i] = k
    cue_tokens: list[tuple[int, int]] = []
    for g in d.gold:
        if g.cue is None:
            continue
        toks = _tokens_in(sd, g.cue)
        if toks:
            cue_tokens.append((toks[0], toks[-1] + 1))
    cue_seqs = []
    for a, b in sents:
        if b - a < 2:
            continue
        labels = ["O"] * (b - a)
        for cs, ce in cue_tokens:
            if a <= cs < b:
                labels[cs - a] = "B"
                for i in range(cs + 1, min(ce, b)):
                    labels[i - a] = "I"
        cue_seqs.append((M.cue_sequence(df, a, b), labels))
    span_seqs = []
    for g in [] if cues_only else d.gold:
        if g.cue is None or g.content is None:
            continue
        toks = _tokens_in(sd, g.cue)
        if not toks:
            continue
        cue = (toks[0], toks[-1] + 1)
        a, b = sents[sent_of[cue[0]]]
        if cue[1] > b:
            continue
        labels = ["O"] * (b - a)
        for i in _tokens_in(sd, g.content):
            if a <= i < b and not (cue[0] <= i < cue[1]):
                labels[i - a] = "C"
        if g.source is not None:
            for i in _tokens_in(sd, g.source):
                if a <= i < b and not (cue[0] <= i < cue[1]):
                    labels[i - a] = "S"
        others = [c for c in cue_tokens if a <= c[0] < b]
        span_seqs.append((M.span_sequence(df, a, b, cue, others), labels))
    return cue_seqs, span_seqs


def train(seqs, path: Path, c1: float, c2: float, iters: int, minfreq: int = 1) -> None:
    """Fit one CRF and write it gzipped to `path` (CRFsuite's model file compresses threefold)."""
    import gzip

    import pycrfsuite

    tr = pycrfsuite.Trainer(verbose=False)
    for x, y in seqs:
        tr.append(x, y)
    tr.set_params({"c1": c1, "c2": c2, "max_iterations": iters, "feature.possible_transitions": True,
                   "feature.minfreq": minfreq})
    raw = path.with_suffix("")  # name.crfsuite
    tr.train(str(raw))
    path.write_bytes(gzip.compress(raw.read_bytes(), 9))
    raw.unlink()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=polnear.DEFAULT_DIR)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--cache-dir", type=Path, default=None, help="keeps DocBins of the parsed split (made if absent)")
    ap.add_argument("--dev", action="store_true", help="fit on 4/5 of train, score on the other fifth; ship nothing")
    ap.add_argument("--c1", type=float, default=0.05)
    ap.add_argument("--c2", type=float, default=0.01)
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--minfreq", type=int, default=1, help="drop features seen fewer times (smaller weights)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--only", choices=["cue", "span"], default=None, help="refit one tagger, keep the other from --reuse")
    ap.add_argument("--reuse", type=Path, default=None, help="folder holding the tagger not refitted")
    ap.add_argument("--score", type=Path, default=None,
                    help="fit nothing: score the development fifth with the taggers already in this folder")
    args = ap.parse_args()
    if not (args.data / "attributions").is_dir():
        sys.exit(f"PolNeAR not found under {args.data}")
    from wiretrace.claims import attribution_model as M
    from wiretrace.claims import attributions as A
    from wiretrace.claims.attributions import load_nlp

    t0 = time.time()
    nlp = load_nlp()
    docs = polnear.load(args.data, split="train", limit=args.limit)
    cache = args.cache_dir / "train.spacy" if args.cache_dir else None
    sdocs = parsed(docs, cache, nlp)
    if args.score is not None:
        dev_report(docs, sdocs, str(args.score))
        return
    import json

    rates = json.loads((OUT / "cues.json").read_text(encoding="utf-8"))["rates"]
    fit_idx = [k for k, d in enumerate(docs) if not (args.dev and is_dev(d.name))]
    cue_seqs, span_seqs = [], []
    for k in fit_idx:
        c, s = sequences(docs[k], sdocs[k], rates, A.cue_model(), args.only == "cue")
        cue_seqs += c
        span_seqs += s
    print(f"{len(fit_idx)} documents: {len(cue_seqs)} sentences, {len(span_seqs)} attributions; features in "
          f"{time.time() - t0:.0f}s", flush=True)
    out = Path(tempfile.mkdtemp(prefix="wiretrace-crf-")) if args.dev else args.out
    import shutil

    for kind, name, seqs in (("cue", M.CUE_FILE, cue_seqs), ("span", M.SPAN_FILE, span_seqs)):
        if args.only and args.only != kind:
            shutil.copy(args.reuse / name, out / name)
            continue
        train(seqs, out / name, args.c1, args.c2, args.iters, args.minfreq)
        print(f"{name} fitted ({time.time() - t0:.0f}s)", flush=True)
    if args.dev:
        shutil.copy(OUT / "cues.json", out / "cues.json")
        print(f"development taggers kept in {out}", flush=True)
        dev_report(docs, sdocs, str(out))


def dev_report(docs, sdocs, folder: str) -> None:
    """Score the development fifth with the taggers in `folder`: the rules, then the combination with each setting
    of `attribution_model.Combination` swept one at a time around the shipped ones (the best of each is what
    attribution_crf.json should hold)."""
    import json
    from dataclasses import replace

    from wiretrace.claims import attribution_model as M
    from wiretrace.claims import attributions as A

    models = M.load_models(folder)
    dev = [k for k, d in enumerate(docs) if is_dev(d.name)]
    gold = [docs[k] for k in dev]
    rule_atts = {k: A.rules_from_doc(sdocs[k]) for k in dev}
    tags = {k: M.tag_all(sdocs[k], models, rule_atts[k]) for k in dev}  # the taggers run once per document

    def combined(comb: M.Combination) -> list:
        return [M.combine(sdocs[k], rule_atts[k], tags[k], comb) for k in dev]

    def line(name: str, preds: list) -> float:
        sc = polnear.score(gold, preds)
        print(f"dev ({len(dev)} train documents) {name:24}: " + "  ".join(
            f"{r} {m} {sc[r][m][2]:.3f}" for r in polnear.ROLES for m in ("exact", "overlap")), flush=True)
        return sc["source"]["exact"][2]

    line("rules", [rule_atts[k] for k in dev])
    shipped = M.Combination.from_json(json.loads((OUT / M.SETTINGS_FILE).read_text(encoding="utf-8")))
    best = shipped
    line("shipped settings", combined(shipped))
    sweeps = {"extra_threshold": (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01), "source_add": (None, 0.5, 0.7, 0.9),
              "source_drop": (None, 0.05, 0.1, 0.2), "source_swap": (None, 0.3, 0.5, 0.7), "drop_quoted": (False, True),
              "drop_nested": (False, True)}
    for name, values in sweeps.items():
        scores = [(line(f"{name}={v}", combined(replace(best, **{name: v}))), v) for v in values]
        best = replace(best, **{name: max(scores, key=lambda sv: sv[0])[1]})
    print(f"best on dev for source exact F1 (one setting at a time): {best}; ship it in {OUT / M.SETTINGS_FILE}")


if __name__ == "__main__":
    main()
