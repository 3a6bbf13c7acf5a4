"""Every pattern the media facts and provenance run on article text is linear on hostile input (issue 18 §2: a
43 KB text took 345 s and a 40,000-letter word 114 s in provenance's media-name search)."""

from __future__ import annotations

import importlib
import random
import re
import time

import pytest

from wiretrace.model import Article

MODULES = ["wiretrace.text.media", "wiretrace.text.quotes", "wiretrace.provenance.sources",
           "wiretrace.provenance.graph", "wiretrace.provenance.origins", "wiretrace.provenance.statements"]
LIMIT = 5.0  # seconds; linear code takes well under 0.5 s per text here, the old patterns took minutes


def _hostile() -> dict[str, str]:
    rng = random.Random(7)
    words = ["Alpha", "Beta", "Reuters", "said", "the", "Agency", "told", "according", "to", "of", "news", "agency"]
    return {
        "40,000-letter word": "A" * 40_000,
        "40,000-letter word, capital first": "A" + "b" * 39_999,
        "20,000 initials": "A." * 20_000,
        "hyphenated run": "-".join(["Abc"] * 10_000),
        "40,000 spaces": "A" + " " * 40_000 + "b",
        "43 KB of cue words": " ".join(rng.choice(words) for _ in range(8_000))[:43_000],
        "43 KB of capitalised words": " ".join(rng.choice(words[:2]) for _ in range(8_000))[:43_000],
        "20,000 open quotes": "“a " * 14_000,
        "20,000 single open quotes": "‘a " * 14_000,
        "long apostrophes": "A'" * 20_000,
    }


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for name in MODULES:
        mod = importlib.import_module(name)
        for attr, value in vars(mod).items():
            if isinstance(value, re.Pattern):
                out.append((f"{name}.{attr}", value))
            elif isinstance(value, list):
                out.extend((f"{name}.{attr}[{i}]", v[-1] if isinstance(v, tuple) else v) for i, v in enumerate(value)
                           if isinstance(v, re.Pattern) or (isinstance(v, tuple) and isinstance(v[-1], re.Pattern)))
    return out


@pytest.mark.parametrize("label,rx", _patterns(), ids=[p[0] for p in _patterns()])
def test_every_pattern_is_linear_on_hostile_text(label, rx):
    for kind, text in _hostile().items():
        t0 = time.perf_counter()
        for _ in rx.finditer(text):
            pass
        assert time.perf_counter() - t0 < LIMIT, f"{label} on {kind}"


def test_media_name_search_and_profiles_are_fast_on_hostile_text():
    from wiretrace.provenance.sources import profile_article, sentence_credits, story_agency_names, story_media_names
    from wiretrace.provenance.statements import attribution
    from wiretrace.text.media import canonical
    from wiretrace.text.quotes import quoted_words

    for kind, text in _hostile().items():
        t0 = time.perf_counter()
        known = story_media_names([text])
        story_agency_names([text])
        sentence_credits(text, 0, known)
        art = Article(source="x", id="x", text=text, title=text[:5_000], byline=[text], dateline=text[:300])
        profile_article(art, [text], known)
        attribution(text)
        canonical(text)
        quoted_words(text)
        assert time.perf_counter() - t0 < LIMIT, kind


def test_linear_patterns_keep_their_answers():
    """The same names as the backtracking patterns found (checked against them before the change)."""
    from wiretrace.provenance.sources import dateline_credit, sentence_credits, story_media_names

    known = story_media_names(["the French website Gazette Nord", "Russia's Sputnik news agency",
                               "the Polar Wire agency reported"])
    assert {"Gazette Nord", "Sputnik", "Polar Wire"} <= known
    assert dateline_credit("ANKARA, Sept 15 (Agence France-Presse) – Officials said") == "AFP"
    assert dateline_credit("PARIS (AT&T Wire) – Officials said") == "AT&T Wire"
    creds = sentence_credits("Officials told Reuters. Agence France-Presse reported the same.", 0, set())
    assert [c.name for c in creds] == ["Reuters", "AFP"]


def test_one_canonical_name_for_clean_and_provenance():
    """One home (text/media.py): provenance used to keep "Reuters.com", "Sputnik's" and quote marks."""
    from wiretrace.clean import sources as clean_sources
    from wiretrace.provenance import sources as prov_sources
    from wiretrace.text.media import canonical

    assert clean_sources.canonical is canonical and prov_sources.canonical is canonical
    assert [canonical(n) for n in ("the Guardian newspaper", "Reuters.com", "Sputnik's", "“AP”")] == [
        "Guardian", "Reuters", "Sputnik", "Associated Press"]
