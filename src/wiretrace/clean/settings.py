"""The clean stage's tunable values, in one place (`Config.clean`; a TOML file's `[clean]` table)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CleanSettings:
    # HTML extraction: trafilatura's text then the line rules (default), or the learned block classifier
    # (clean/blocks.py; off by default: better main-text F1 on L3S-GN1 and dragnet, worse on Zyte and more comment
    # leak on L3S-GN1, cross-validated; benchmarks/RESULTS-clean.md).
    block_classifier: bool = False
    # The block classifier's weights: "" = the shipped clean/weights/blocks.json, or a file written by
    # benchmarks/fit_blocks.py.
    blocks_weights: str = ""
    # Pages with more text blocks skip the block classifier and keep trafilatura's text (its features hold ~1 KB
    # per block, so this bounds its memory).
    max_blocks: int = 30_000


CLEAN_DEFAULTS = CleanSettings()  # for public helpers' defaults (benchmarks and tests call them directly)
