"""Fixtures shared by several test modules: the seed articles (read from ../shared, never copied) and spaCy."""

from __future__ import annotations

from pathlib import Path

import pytest

from wiretrace.model import Article

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


def load_seed_articles() -> dict[str, Article]:
    """The five seeds as plain-text articles keyed '000'..'004' (title = first non-empty line); skip when absent."""
    files = sorted(SEEDS.glob("*.txt"))
    if len(files) != 5:
        pytest.skip(f"seeds not found in {SEEDS}")
    arts = {}
    for f in files:
        lines = f.read_text(encoding="utf-8").split("\n")
        first = next(i for i, line in enumerate(lines) if line.strip())
        a = Article(source=str(f), title=lines[first].strip(), text="\n".join(lines[first + 1 :]))
        a.id = f.name[:3]
        arts[a.id] = a
    return arts


@pytest.fixture(scope="module")
def nlp():
    """The configured spaCy pipeline, trimmed for attribution; skip when the model cannot load."""
    from wiretrace.claims.attributions import load_nlp

    try:
        return load_nlp()
    except Exception as exc:  # noqa: BLE001 - any load failure means the model is not usable here
        pytest.skip(f"spaCy model not loadable: {exc}")
