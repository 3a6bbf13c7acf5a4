"""Scores shared by the benchmarks (no wiretrace import, so the whole-pipeline benchmark stays import-free)."""

from __future__ import annotations

from collections import defaultdict


def bcubed(pred: list[str], gold: list[str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering `pred` against `gold` (one label per item)."""
    by_p, by_g = defaultdict(set), defaultdict(set)
    for i, (p, g) in enumerate(zip(pred, gold, strict=True)):
        by_p[p].add(i)
        by_g[g].add(i)
    prec = rec = 0.0
    for p, g in zip(pred, gold, strict=True):
        inter = len(by_p[p] & by_g[g])
        prec += inter / len(by_p[p])
        rec += inter / len(by_g[g])
    n = len(pred) or 1
    prec, rec = prec / n, rec / n
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)
