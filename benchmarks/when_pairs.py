"""Can a labelled set test a *when* x *who* signal? Article pairs counted by publication-day gap and shared rare names.

    python benchmarks/when_pairs.py            # BASIL (dated); names' rarity over BASIL + ECB+ openings

A pair model that rewards "published within a few days and naming the same rare people" is only worth fitting on
data where different stories also fall within a few days of each other, as they do on any news day. This counts, for
every article pair of a dated set, same-story and different-story pairs under each (day gap, rare-name score)
condition. The rare-name score is the sum of the five highest relative IDFs, log((n+1)/(df+1)) / log(n+1), among the
names `cluster.features.entities` finds in both openings (title + first 1,500 characters; a name's IDF is its rarest
word's). A condition that holds for many same-story pairs and for no different-story pair says the set's stories are
spread in time, not that the signal works.
"""

from __future__ import annotations

import argparse
import math
import sys
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clustering import load  # noqa: E402
from wiretrace.cluster.features import days, entities  # noqa: E402

OPENING_CHARS = 1500
GAPS = (0, 1, 2, 3, 7, 30)
RARITY = (0.0, 1.5, 2.0, 2.5, 3.0)


def names_of(article) -> set[str]:  # noqa: ANN001 - a wiretrace Article
    return set(entities((article.title or "") + "\n" + article.text[:OPENING_CHARS]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="basil", help="a dated clustering set (basil)")
    ap.add_argument("--rarity-sets", default="basil,ecbplus", help="sets whose openings give the names' IDF")
    args = ap.parse_args()
    corpus = [names_of(a) for name in args.rarity_sets.split(",") for a in load(name)[0]]
    df: dict[str, int] = {}
    for names in corpus:
        for word in {w for name in names for w in name.split()}:
            df[word] = df.get(word, 0) + 1
    n = len(corpus)

    def rarity(name: str) -> float:
        return max(math.log((n + 1) / (df.get(w, 0) + 1)) / math.log(n + 1) for w in name.split())

    arts, gold = load(args.set)
    names = [names_of(a) for a in arts]
    day = [days(a.published) for a in arts]
    rows = []
    for i, j in combinations(range(len(arts)), 2):
        score = sum(sorted((rarity(s) for s in names[i] & names[j]), reverse=True)[:5])
        rows.append((gold[i] == gold[j], score, abs(day[i] - day[j])))
    table = np.asarray(rows, dtype=float)
    same = table[:, 0] == 1
    dated = ~np.isnan(table[:, 2])
    print(f"{args.set}: {len(arts)} articles, {len(set(gold))} stories, {int(same.sum())} same-story pairs, "
          f"{int((~same).sum())} different-story pairs, {int((~dated).sum())} pairs with a side undated")
    known = sorted({int(d) for d in day if not math.isnan(d)})
    if known:
        print(f"publication days: {len(known)} distinct over {(known[-1] - known[0]) / 365.25:.1f} years")
    print("| day gap ≤ | rare names ≥ | same-story pairs | different-story pairs |")
    print("|---|---|---|---|")
    for gap in GAPS:
        for rare in RARITY:
            hit = dated & (table[:, 2] <= gap) & (table[:, 1] >= rare)
            print(f"| {gap} | {rare} | {int((hit & same).sum())} | {int((hit & ~same).sum())} |")


if __name__ == "__main__":
    main()
