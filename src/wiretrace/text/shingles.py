"""Word shingles and the overlap measures built on them."""

from __future__ import annotations

from collections.abc import Iterable

from wiretrace.text.normalize import words


def shingles(text: str | list[str], n: int = 4) -> set[tuple[str, ...]]:
    tokens = words(text) if isinstance(text, str) else text
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def jaccard(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def containment(a: set, b: set) -> float:
    """Share of `a` found in `b`."""
    if not a:
        return 0.0
    return len(a & b) / len(a)


def shingle_prf(predicted: str, gold: str, n: int = 4) -> tuple[float, float]:
    """Precision and recall of word n-gram shingles (the extraction metric)."""
    p, g = shingles(predicted, n), shingles(gold, n)
    if not p and not g:
        return 1.0, 1.0
    if not p:
        return 0.0, 0.0
    if not g:
        return 0.0, 1.0
    inter = len(p & g)
    return inter / len(p), inter / len(g)


def join_tokens(parts: Iterable[str]) -> str:
    return " ".join(parts)
