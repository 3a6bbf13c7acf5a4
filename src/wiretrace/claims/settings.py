"""The claims stage's tunable values, in one place (`Config.claims`; a TOML file's `[claims]` table).

Claims are re-derived each time a story changes; the per-article parse is stored, and it records the settings that
shape it (`min_words`, `max_words`, `attribution_weights`) when they differ from the defaults, so an article parsed
with other ones is parsed again rather than mixed in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClaimsSettings:
    # Paraphrase probability two units need to be one claim (or the classifier's own threshold, if higher): MRPC's
    # F1-best threshold favours recall on a set that is two-thirds paraphrases; one claim needs more.
    min_group_score: float = 0.5
    # A statement has this many words at least and at most (with a finite verb): headlines, bylines and page junk
    # are not claims.
    min_words: int = 6
    max_words: int = 90
    # Below this embedding cosine two units are never one claim: no classifier needed.
    cos_floor: float = 0.45
    # Rows of the cosine matrix computed at once: memory stays bounded in a story of thousands.
    block: int = 2048
    # Units clustered together at most; a larger connected group is clustered by distinct text.
    max_dense: int = 3000
    # Bounding every pair of an article's distinct unit texts lexically (~30 us a pair) is cheaper than encoding
    # them (~9 ms a text) up to a few hundred texts; past this many the vectors are computed as before.
    max_bound_texts: int = 200
    # Attribution taggers (claims/attribution_model.py): a folder holding attribution_cue.crfsuite and
    # attribution_span.crfsuite; "" for the shipped claims/weights, "rules" for the dependency rules alone.
    attribution_weights: str = ""
    # Texts spaCy parses in one batch (`parse_articles`): over a few texts its per-call overhead and small matrix
    # products dominate (300 stream articles: 7.4 CPU-s one at a time, 5.0 in batches of 16, 5.5 in batches of 64).
    parse_batch: int = 16


CLAIMS_DEFAULTS = ClaimsSettings()  # for public helpers' defaults (benchmarks and tests call them directly)
