"""How provenance sorts the aligned sentence pairs of a stored report (reporting / statement / quoted report).

    wiretrace analyze ../shared/data/clustering/basil.jsonl --db /tmp/b.db -o /tmp/b.json
    python benchmarks/provenance_pairs.py /tmp/b.json

Prints the pair kinds under the current rules (`provenance.statements.sort_pairs`) and, for comparison, how many
pairs the rule before them (only "both sides quoted" or a shared quote left out) counted as reuse, with the
article pairs closest to the edge gate under each.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

from wiretrace.analysis import analysis_of, sentence_texts
from wiretrace.model import Alignment, Article, SentencePair
from wiretrace.provenance import profiles
from wiretrace.provenance.graph import PairInfo, is_quote_pair
from wiretrace.provenance.settings import ProvenanceSettings
from wiretrace.provenance.statements import sort_pairs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", help="a JSON report written by `wiretrace analyze -o`")
    args = ap.parse_args()
    r = json.load(open(args.report, encoding="utf-8"))
    settings = ProvenanceSettings()
    arts = {a["id"]: Article.from_report(a) for a in r["articles"]}
    kinds: Counter = Counter()
    near: dict[str, list] = {"before": [], "after": []}
    for s in r["stories"]:
        ids = [a for a in s["article_ids"] if a in arts]
        if len(ids) < 2:
            continue
        sents = {a: sentence_texts(arts[a]) for a in ids}
        profs = profiles(ids, arts, sents)
        quoted = {a: analysis_of(arts[a]).quoted for a in ids}
        usable = {a: set(analysis_of(arts[a]).usable) for a in ids}
        for d in s.get("alignments", []):
            al = Alignment(a=d["a"], b=d["b"], pairs=[SentencePair(p["a"], p["b"], p["label"], p["score"])
                                                      for p in d["pairs"]])
            k = sort_pairs(al, sents, quoted, profs, settings)
            kinds["article_pairs"] += 1
            kinds["reporting"] += len(k.reporting)
            kinds["statement"] += len(k.statement)
            kinds["quoted_report"] += len(k.quoted_in_a) + len(k.quoted_in_b)
            old = [p for p in al.pairs
                   if not (quoted[al.a][p.a] >= settings.quoted and quoted[al.b][p.b] >= settings.quoted)
                   and not is_quote_pair(sents[al.a][p.a], sents[al.b][p.b], settings)]
            kinds["reuse_before"] += len(old)
            for key, pairs in (("before", old), ("after", k.reporting)):
                info = PairInfo(al, pairs, len(usable[al.a]), len(usable[al.b]))
                near[key].append((len(pairs), round(info.share_min, 3), info.significant(settings)))
    print(json.dumps({"pairs": dict(kinds),
                      "closest_to_edge_gate (pairs, share of shorter, significant)":
                          {k: sorted(v, reverse=True)[:5] for k, v in near.items()},
                      "significant_article_pairs": {k: sum(x[2] for x in v) for k, v in near.items()}}))


if __name__ == "__main__":
    main()
