"""Merge aligned sentence pairs into passages, so a reader sees blocks, not dots."""

from __future__ import annotations

from wiretrace.align.settings import ALIGN_DEFAULTS, AlignSettings
from wiretrace.model import Passage, SentencePair


def merge_passages(pairs: list[SentencePair], settings: AlignSettings = ALIGN_DEFAULTS) -> list[Passage]:
    """Runs of pairs moving forward together in both articles, one label per passage (a gap of up to
    `settings.max_gap` unaligned sentences on either side does not break a passage)."""
    gap = settings.max_gap
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
            if 0 < p.a - last.a <= gap + 1 and 0 < p.b - last.b <= gap + 1:
                run.append(p)
                continue
            flush()
        run = [p]
    flush()
    return passages
