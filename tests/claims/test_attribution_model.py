"""Attribution extractor: the fitted cue model, quotation boundaries, and a small PolNeAR check.

Sentences here are invented; the PolNeAR check reads ../shared/data in place and skips when it is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from wiretrace.claims import attributions as A
from wiretrace.claims.attributions import extract_attributions

POLNEAR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "attribution" / "polnear" / "train"


def _triples(text: str, nlp) -> list[tuple[str | None, str | None, str]]:
    out = []
    for a in extract_attributions(text, nlp=nlp):
        for span in (a.source, a.cue, a.content):
            if span is not None:
                assert text[span.start : span.end] == span.text
        out.append((a.source.text if a.source else None, a.cue.text if a.cue else None, a.content.text))
    return out


def test_cue_model_is_shipped_and_usable():
    model = A.cue_model()
    assert model is not None, "weights/cue_model.json missing or unreadable"
    assert {"weights", "bias", "threshold"} <= set(model)
    w = model["weights"]
    # Fitted on PolNeAR: "said" pulls towards a cue, a verb with no reporting sense does not.
    assert w.get("w=said", 0.0) > 0.5
    assert w.get("w=said", 0.0) > w.get("w=built", 0.0)
    assert model["att_bound"] >= 0.0


def test_belief_verb_with_clause_is_a_cue(nlp):
    # PolNeAR labels beliefs as attributions; the old lexicon-only extractor did not need to.
    assert ("Most voters", "believe", "that the economy is improving") in _triples(
        "Most voters believe that the economy is improving.", nlp
    )


def test_plain_event_sentence_has_no_attribution(nlp):
    assert _triples("The company built a new factory in Ohio last year.", nlp) == []


def test_wire_style_double_apostrophe_quote_keeps_its_marks(nlp):
    text = "''We will win this seat,'' he said on Tuesday."
    assert ("he", "said", "''We will win this seat,''") in _triples(text, nlp)


def test_quote_over_two_sentences_starts_at_its_opening_mark(nlp):
    text = "“We came. We saw the damage,” Smith told reporters."
    assert ("Smith", "told", "“We came. We saw the damage,”") in _triples(text, nlp)


def test_quote_edges_do_not_cross_the_cue():
    text = '"This deal shows that water unites us," the minister said.'
    start = text.index("that")
    end = text.index(" the minister") - 2  # before ',"'
    cs, ce = A._quote_edges(text, start, end, text.index("shows"))
    assert cs == start  # the opening mark lies before the cue "shows": not taken
    assert text[ce - 2 : ce] == ',"'


def test_pruning_is_exact(nlp):
    """Verbs skipped before their spans are built could not have reached the threshold."""
    model = A.cue_model()
    if model is None:
        pytest.skip("no cue model")
    text = (
        "The senator said on Monday that the bill would pass, and aides believe the vote is close. "
        "Critics want it withdrawn, polls show. The company built a factory and hired workers. "
        "“It is a disaster,” one lawmaker told reporters, according to a statement."
    )
    doc = nlp(text)
    kept = [(t.i, m) for t, _a, m in A.candidates(doc, model=model)]
    brute = []
    for t, att, _m in A.candidates(doc, model={**model, "att_bound": float("inf")}):
        margin = float("inf") if att.kind == "according_to" else A.cue_score(doc, t, att, model)
        brute.append((t.i, margin))
    above = [(i, round(m, 6)) for i, m in brute if m >= model["threshold"]]
    assert [(i, round(m, 6)) for i, m in kept if m >= model["threshold"]] == above
    assert len(above) >= 3


def test_lexicon_fallback_without_model(nlp, monkeypatch):
    monkeypatch.setattr(A, "cue_model", lambda: None)
    assert ("The minister", "said", "the talks had failed") in _triples("The minister said the talks had failed.", nlp)


def test_polnear_heldout_sample(nlp):
    """A sample of the held-out fifth (not used in fitting) scores well above chance; full figures in
    benchmarks/RESULTS-claims.md."""
    if not (POLNEAR / "attributions").is_dir():
        pytest.skip("PolNeAR not found under ../shared/data/attribution/polnear/train")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import attribution as bench

    docs = bench.load(POLNEAR, split="test", limit=12)
    preds = A.extract_many([d.text for d in docs], nlp=nlp)
    scores = bench.score(docs, preds)
    assert scores["source"]["exact"][2] > 0.5
    assert scores["content"]["overlap"][2] > 0.55


def test_cue_takes_adverbs_and_topic_preposition(nlp):
    # PolNeAR's cue spans: "also said", "talked about" (the content is the preposition's object).
    assert ("The senator", "also said", "that the bill would pass") in _triples(
        "The senator also said that the bill would pass.", nlp
    )
    assert ("Trump", "talked about", "building a wall on the border") in _triples(
        "Trump talked about building a wall on the border.", nlp
    )


def test_wire_style_quote_reopened_after_the_speaker_is_one_content(nlp):
    # PolNeAR's covering span runs over "X said." to the end of the reopened quote, in NYT copy's '' marks too.
    text = "''We will win this seat,'' he said. ''Nobody can stop us now.''"
    assert ("he", "said", text) in _triples(text, nlp)
    curly = "“We will win this seat,” he said. “Nobody can stop us now.”"
    assert ("he", "said", curly) in _triples(curly, nlp)


def test_follow_quote_marks():
    text = "''A,'' she added. ''B.'' Then more."
    assert A._follow_quote(text, text.index(" she"), text.index("added"), text.index(" ''B")) == text.index(" Then")
    assert A._follow_quote("no quote here", 5, 9, 13) == 5
