"""The clustering stage's tunable values, in one place (`Config.cluster`; a TOML file's `[cluster]` table).

The fitted model's weights and its join/merge thresholds stay together in one JSON (`weights`). What stays a module
constant shapes stored data: the fingerprint's feature sizes (`cluster/features.py`), the MinHash and LSH layout and
the posting and cross-lingual tails the store keeps (`cluster/state.py`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    # Nearest other-language articles (by document vector) added to an article's candidates, and the neighbourhood
    # whose mean cosine the cross-lingual margin is measured against.
    xl_candidates: int = 8
    # An article's highest TF-IDF terms looked up in the inverted index...
    query_terms: int = 24
    # ...and the best-scoring articles found through them kept as candidates.
    term_candidates: int = 40
    # Most recent MinHash LSH near-duplicates kept as candidates.
    lsh_candidates: int = 20
    # Articles whose store reads a state may batch ahead (`StateView.prefetch`; no effect on decisions).
    prefetch: int = 256
    # Merge two stories only when they also match on their own members (`incremental._confirmed`: one story's first
    # article against the other's first article or the member that made the arriving article match it, P >= the
    # join threshold), not only on one arriving article that matches both. On by default since stop 32: it keeps
    # round-ups, digests and articles stitched from several events from chaining unrelated stories (a 50,000-article
    # stream: B3 F1 0.751 -> 0.793, the stories' own records 0.706 -> 0.826; NTREX's held-out half 0.951 -> 0.971;
    # ECB+ and BASIL identical), at a price: two parts of one story that share too little text stay apart when a
    # later article tells both (a 2,000 stream: 0.918 -> 0.917; benchmarks/RESULTS-cluster.md, "Merges on one
    # article's word"). Judged with the sentence-embedding model only: on the lexical fallback the check refused
    # right merges alone (ECB+ 0.924 -> 0.916, BASIL 0.964 -> 0.947), so there merges go as before. Off: every merge
    # the arriving article's scores call for.
    merge_check: bool = True
    # The fitted pair model with its join and merge thresholds (a JSON written by benchmarks/fit_cluster.py);
    # "" = the shipped cluster/weights/cluster.json.
    weights: str = ""


CLUSTER_DEFAULTS = ClusterSettings()  # for public helpers' defaults (benchmarks and tests call them directly)
