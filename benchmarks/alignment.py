"""Alignment and provenance benchmarks (run on demand, not in the test suite).

    python benchmarks/alignment.py mrpc       # held-out paraphrase accuracy/F1 through `align --pairs` code path
    python benchmarks/alignment.py basil      # copy/rewrite edges between independent Fox/NYT/HuffPost versions (want ~0)
    python benchmarks/alignment.py insciout   # direction paper -> press release, both input orders
    python benchmarks/alignment.py speed      # a 20-article story (ECB+ topic) through align + provenance
    python benchmarks/alignment.py crosslingual  # en->fr/de/es matching on the small self-written parallel set

Data is read from ../shared/data/ and never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from wiretrace.model import Article, Story
from wiretrace.pipeline import Context

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _need(path: Path) -> None:
    if not path.exists():
        print(f"missing {path}: skipping", file=sys.stderr)
        raise SystemExit(2)


def bench_mrpc(_args) -> None:
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    from fit_paraphrase import load_mrpc
    from wiretrace.commands.align import pairs_jsonl

    path = DATA / "paraphrase" / "mrpc_train.tsv"
    _need(path)
    a, b, y = load_mrpc(path)
    _, te = train_test_split(np.arange(len(y)), test_size=0.2, stratify=y, random_state=13)
    lines = [f"{a[i]}\t{b[i]}" for i in te]
    ctx = Context()
    t0 = time.time()
    rows = pairs_jsonl(lines, ctx.embedder())
    pred = np.array([r["paraphrase"] for r in rows])
    gold = y[te]
    print(json.dumps({"embedder": ctx.embedder().name, "pairs": len(te), "accuracy": round(accuracy_score(gold, pred), 4),
                      "f1": round(f1_score(gold, pred), 4), "f1_always_yes": round(f1_score(gold, np.ones(len(te))), 4),
                      "seconds": round(time.time() - t0, 1)}))


def _run_story(arts: list[Article], ctx: Context) -> Story:
    import wiretrace.align as align
    import wiretrace.provenance as provenance

    story = Story(id="bench-" + arts[0].id, article_ids=[a.id for a in arts])
    amap = {a.id: a for a in arts}
    story = align.run(story, amap, ctx)
    return provenance.run(story, amap, ctx)


def bench_basil(args) -> None:
    path = DATA / "clustering" / "basil.jsonl"
    _need(path)
    by_event: dict[str, list[dict]] = defaultdict(list)
    for line in path.open(encoding="utf-8"):
        d = json.loads(line)
        by_event[d["triplet_uuid"]].append(d)
    ctx = Context()
    if args.as_cross_lingual:
        # Stress test of the cross-lingual matcher: the first outlet of each event is called 'en', the others 'xx',
        # and the "both read as English" guard is off, so independent English reports go through the multilingual
        # cosine path. Same-language cosines run higher than cross-language ones: a pessimistic proxy for
        # independent reports of one event in two languages.
        from dataclasses import replace

        # 'xx' counts as a language the sentence embedder reads: two 'xx' articles stay on the English model, as
        # two English reports would (else they would take the multilingual path, which is for two articles in one
        # language MiniLM cannot read, and this test would measure that path on English instead).
        ctx.config.align = replace(ctx.config.align, english_share=2.0, embedder_languages="en,xx")
    n_edges = defaultdict(int)
    t0 = time.time()
    shown = []
    near: list[tuple[int, float, str, str]] = []
    from wiretrace.text.sentences import split

    for k, (uuid, docs) in enumerate(sorted(by_event.items())):
        if args.limit and k >= args.limit:
            break
        arts = [Article(source=d["source"], id=f"{d['source']}-{uuid[:8]}", title=d.get("title"), text=d["text"],
                        outlet=d["source"], published=d.get("date")) for d in docs]
        if args.as_cross_lingual:
            for n, a in enumerate(arts):
                a.language = "en" if n == 0 else "xx"
        story = _run_story(arts, ctx)
        for al in story.alignments or []:
            near.append((len(al.pairs), round(len(al.pairs) / max(1, min(len(split(x.text)) for x in arts
                                                                         if x.id in (al.a, al.b))), 3), al.a, al.b))
        for e in story.reuse or []:
            n_edges[e.relation] += 1
            if e.relation in ("copy", "rewrite"):
                amap = {a.id: a for a in arts}
                sa, sb = split(amap[e.source].text), split(amap[e.target].text)
                shown.append({"event": uuid, "edge": f"{e.source} -> {e.target}", "relation": e.relation,
                              "share": e.share, "pairs": [(sa[p.a].text[:160], sb[p.b].text[:160], p.label, p.score)
                                                          for p in e.pairs]})
    near.sort(reverse=True)
    print(json.dumps({"events": min(len(by_event), args.limit or len(by_event)), "edges": dict(n_edges),
                      "article_pairs_with_aligned_sentences": len(near),
                      "most_aligned_pairs (pairs, share of shorter, a, b)": near[:5],
                      "seconds": round(time.time() - t0, 1)}))
    for s in shown:
        print(json.dumps(s, ensure_ascii=False, indent=1))


def bench_insciout(_args) -> None:
    from wiretrace.align import align_texts
    from wiretrace.analysis import MIN_WORDS
    from wiretrace.model import SentencePair
    from wiretrace.provenance.graph import PairInfo, direct
    from wiretrace.provenance.sources import Profile
    from wiretrace.text.normalize import words
    from wiretrace.text.sentences import split

    path = DATA / "reuse" / "insciout_train.jsonl"
    _need(path)
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    ctx = Context()
    emb = ctx.embedder()
    correct = both = aligned = 0
    for r in rows:
        paper, release = r["abstract_conclusion"], r["press_release_conclusion"]
        votes = []
        for first_is_paper in (True, False):
            ta, tb = (paper, release) if first_is_paper else (release, paper)
            al, sa, sb, _ = align_texts(ta, tb, emb, "A", "B")
            pairs = al.pairs or [SentencePair(0, 0, "paraphrase", 0.0)]  # the data says they are a rewrite
            if first_is_paper and al.pairs:
                aligned += 1
            n_a, n_b = (sum(len(words(t)) >= MIN_WORDS for t in side) for side in (sa, sb))
            info = PairInfo(al, pairs, max(1, n_a), max(1, n_b))
            e = direct(info, Profile("A"), Profile("B"), None, None, None,
                       sentences=([s.text for s in split(ta)], [s.text for s in split(tb)]))
            votes.append((e.source == "A") == first_is_paper)
        correct += sum(votes)
        both += all(votes)
    n = len(rows)
    print(json.dumps({"pairs": n, "direction_correct_share": round(correct / (2 * n), 4),
                      "correct_in_both_orders": round(both / n, 4), "aligned_by_classifier": round(aligned / n, 4)}))


def bench_speed(args) -> None:
    """ECB+: the largest topic (short articles); BASIL: the first events' articles (long ones) as one story."""
    path = DATA / "clustering" / ("basil.jsonl" if args.corpus == "basil" else "ecbplus.jsonl")
    _need(path)
    by_topic: dict[str, list[dict]] = defaultdict(list)
    for line in path.open(encoding="utf-8"):
        d = json.loads(line)
        by_topic["all" if args.corpus == "basil" else str(d.get("topic"))].append(d)
    topic, docs = max(by_topic.items(), key=lambda kv: len(kv[1]))
    docs = docs[: args.articles]
    arts = [Article(source="ecb", id=f"ecb{i}", text=d["text"], title=d.get("title")) for i, d in enumerate(docs)]
    ctx = Context()
    ctx.embedder().encode(["warm up"])
    import wiretrace.align as align
    import wiretrace.provenance as provenance
    from wiretrace.analysis import analysis_of

    amap = {a.id: a for a in arts}
    story = Story(id="speed", article_ids=list(amap))
    t1 = time.time()
    story = align.run(story, amap, ctx)
    t_align = time.time() - t1
    t2 = time.time()
    provenance.run(story, amap, ctx)
    t_prov = time.time() - t2
    usable = {a: len(analysis_of(art).usable) for a, art in amap.items()}
    embedded = sum(len(v.index) for art in arts for v in analysis_of(art).vectors.values())
    ids = list(amap)
    all_pairs = sum(usable[a] * usable[b] for i, a in enumerate(ids) for b in ids[i + 1 :])
    print(json.dumps({"topic": topic, "articles": len(arts), "sentences": sum(usable.values()),
                      "sentences_embedded": embedded, "all_sentence_pairs": all_pairs,
                      "aligned_sentence_pairs": sum(len(al.pairs) for al in story.alignments or []),
                      "align_s": round(t_align, 2), "provenance_s": round(t_prov, 2),
                      "total_s": round(t_align + t_prov, 2)}))


def load_parallel(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header names (id, en, fr, ...) and rows of tests/data/align/crosslingual.tsv ('#' lines are comments)."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    rows = [ln.split("\t") for ln in lines]
    return rows[0], rows[1:]


def bench_crosslingual(_args) -> None:
    """Precision/recall of cross-lingual sentence matching: every English sentence against every sentence of the
    other language (true translations plus same-topic sentences with no counterpart), one-to-one, per threshold."""
    from wiretrace.align.features import prepare
    from wiretrace.align.pairs import Doc, align_cross_lingual, embed_multilingual, xl_min_cos
    from wiretrace.model import Sentence
    from wiretrace.text.embed import get_multilingual_embedder

    head, rows = load_parallel(Path(__file__).resolve().parents[1] / "tests" / "data" / "align" / "crosslingual.tsv")
    ml = get_multilingual_embedder(getattr(_args, "model", None))
    if ml is None:
        raise SystemExit(2)

    def doc(lang: str, col: int) -> Doc:
        sents = [Sentence(lang, i, 0, len(r[col]), r[col]) for i, r in enumerate(rows)]
        return Doc(lang, sents, list(range(len(rows))), {i: prepare(r[col]) for i, r in enumerate(rows)}, language=lang)

    en = doc("en", head.index("en"))
    true = {i for i, r in enumerate(rows) if not r[0].startswith("x-")}
    out = {"model": ml.name, "sentences_per_language": len(rows), "true_pairs_per_language": len(true),
           "chosen_threshold": xl_min_cos(ml.name), "by_threshold": {}}
    t0 = time.process_time()
    docs = [en] + [doc(lang, head.index(lang)) for lang in head[2:]]
    embed_multilingual(docs, ml)
    out["encode_cpu_s_per_sentence"] = round((time.process_time() - t0) / (len(rows) * len(docs)), 4)
    for t in (0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90):
        per = {}
        for other in docs[1:]:
            al = align_cross_lingual(en, other, t)
            tp = sum(1 for p in al.pairs if p.a == p.b and p.a in true)
            per[other.id] = {"P": round(tp / max(1, len(al.pairs)), 3), "R": round(tp / len(true), 3),
                             "predicted": len(al.pairs)}
        out["by_threshold"][str(t)] = per
    print(json.dumps({k: v for k, v in out.items() if k != "by_threshold"}))
    for t, per in out["by_threshold"].items():
        print(f"  threshold {t}: " + json.dumps(per))


def main() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["mrpc", "basil", "insciout", "speed", "crosslingual"])
    ap.add_argument("--model", default=None, help="crosslingual: the multilingual model (default: USE v3)")
    ap.add_argument("--limit", type=int, default=0, help="basil: first N events only")
    ap.add_argument("--articles", type=int, default=20)
    ap.add_argument("--as-cross-lingual", action="store_true",
                    help="basil: send independent reports through the cross-lingual matcher (false-alignment stress)")
    ap.add_argument("--corpus", choices=["ecbplus", "basil"], default="ecbplus", help="speed: which articles")
    args = ap.parse_args()
    {"mrpc": bench_mrpc, "basil": bench_basil, "insciout": bench_insciout, "speed": bench_speed,
     "crosslingual": bench_crosslingual}[args.what](args)


if __name__ == "__main__":
    main()
