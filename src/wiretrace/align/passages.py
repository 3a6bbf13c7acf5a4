"""Merge aligned sentence pairs into passages, so a reader sees blocks, not dots."""

from __future__ import annotations

from wiretrace.model import Passage, SentencePair

MAX_GAP = 1  # one unaligned sentence on either side does not break a passage


def merge_passages(pairs: list[SentencePair]) -> list[Passage]:
    """Runs of pairs moving forward together in both articles, one label per passage."""
    passages: list[Passage] = []
    run: list[SentencePair] = []

    def flush() -> None:
        if run:
            passages.append(
                Passage(
                    a_start=run[0].a,
                    a_end=run[-1].a,
                    b_start=min(p.b for p in run),
                    b_end=max(p.b for p in run),
                    label="verbatim" if all(p.label == "verbatim" for p in run) else "paraphrase",
                    score=round(sum(p.score for p in run) / len(run), 4),
                )
            )

    for p in sorted(pairs, key=lambda p: (p.a, p.b)):
        if run:
            last = run[-1]
            if 0 < p.a - last.a <= MAX_GAP + 1 and 0 < p.b - last.b <= MAX_GAP + 1:
                run.append(p)
                continue
            flush()
        run = [p]
    flush()
    return passages
