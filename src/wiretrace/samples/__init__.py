"""The bundled sample corpus: invented articles, marked fictional, for the demo and the tests."""

from __future__ import annotations

from pathlib import Path


def corpus_path() -> Path:
    return Path(__file__).with_name("corpus")
