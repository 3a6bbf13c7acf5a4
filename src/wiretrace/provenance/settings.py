"""The provenance stage's tunable values, in one place (`Config.provenance`; a TOML file's `[provenance]` table).

Provenance is re-derived from the stored alignments each time a story changes, so nothing stored depends on these.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProvenanceSettings:
    # -- when an aligned article pair is a reuse edge (graph.PairInfo.significant) --
    # Two independent reports of one event share a few loosely similar sentences (BASIL: 2-5 pairs scoring 0.5-0.65,
    # 5-15 % of the shorter text); reuse shows as a large share, or as several close pairs. At least this many pairs:
    min_pairs: int = 2
    # ...covering this share of the shorter article's sentences, enough on its own;
    min_share: float = 0.3
    # ...or `min_strong` close pairs (score >= `strong_score`) covering at least `strong_share`.
    strong_score: float = 0.7
    min_strong: int = 3
    strong_share: float = 0.15
    # A sentence pair whose common words sit mostly (this share) inside quotation marks shares a quote, not a text.
    quote_share: float = 0.6
    # Share of a sentence's letters inside quotation marks that makes it a quotation (statements.sort_pairs).
    quoted: float = 0.5
    # Weighted credits a medium needs to be an article's primary origin: a credit in the title or lead, two
    # credits, or the agency's own dateline. A single passing "X reported" deep in the text makes X a secondary
    # origin of that sentence, not the article's origin.
    min_primary: float = 1.5
    # Two origins that both supplied one article's text rest on each other when their edges into it align at least
    # this share of the smaller edge's sentences of that article: the same sentences cannot come from two independent
    # texts (translations of one original reach its other translations this way). Below it, an article that combines
    # two reports (part from each) leaves them independent.
    same_text_share: float = 0.5


PROVENANCE_DEFAULTS = ProvenanceSettings()  # for public helpers' defaults (benchmarks and tests call them directly)
