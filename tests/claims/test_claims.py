"""Claims stage: attributions on raw text, speakers, claim grouping with origins, conflicts.

The small story in tests/data/claims/ is invented for these tests (three articles about
fishing talks between two made-up countries).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wiretrace.claims.attributions import extract_attributions
from wiretrace.claims.conflicts import dates, polarity, quantities
from wiretrace.claims.sources import Speaker, acronyms, named_key, resolve_reference, same_anonymous, unify_names
from wiretrace.model import Article, Origin, Story
from wiretrace.pipeline import Context

DATA = Path(__file__).parents[1] / "data" / "claims"


def _one(text: str, nlp, cue: str):
    atts = [a for a in extract_attributions(text, nlp=nlp) if a.cue and a.cue.text == cue]
    assert atts, f"no attribution with cue {cue!r} in {text!r}"
    a = atts[0]
    for span in (a.source, a.cue, a.content):
        if span is not None:
            assert text[span.start : span.end] == span.text
    return a


def test_indirect_speech(nlp):
    a = _one("The mayor said the bridge would reopen on Monday.", nlp, "said")
    assert a.source.text == "The mayor"
    assert a.content.text == "the bridge would reopen on Monday"
    assert a.kind == "indirect"


def test_direct_quote_speaker_after(nlp):
    text = "“We will not give up,” the union leader told reporters."
    a = _one(text, nlp, "told")
    assert a.source.text == "the union leader"
    assert a.content.text.startswith("“We will not give up")
    assert a.kind == "direct"


def test_according_to(nlp):
    a = _one("According to a senior official, the talks will resume next week.", nlp, "According to")
    assert a.source.text == "a senior official"
    assert a.content.text == "the talks will resume next week"
    assert a.kind == "according_to"


def test_quoted_as_saying_names_the_quoted_source(nlp):
    text = "The agency quoted a local source as saying that the two men met in the capital."
    a = _one(text, nlp, "saying")
    assert a.source.text == "a local source"
    assert "met in the capital" in a.content.text
    assert all(x.cue.text != "quoted" for x in extract_attributions(text, nlp=nlp))


def test_quote_continues_over_sentences(nlp):
    text = "“It was a hard week,” Varga said. “We need rest.”\n\nNext paragraph here."
    a = _one(text, nlp, "said")
    assert a.content.text == "“It was a hard week,” Varga said. “We need rest.”"


def test_offsets_follow_text_as_given(nlp):
    text = "Ünal Çelik said café prices rose.\r\nShe added that rents fell."
    for a in extract_attributions(text, nlp=nlp):
        for span in (a.source, a.cue, a.content):
            if span is not None:
                assert text[span.start : span.end] == span.text


def test_rules_fallback_without_spacy():
    text = 'Officials said the port would close. "It is temporary," said the harbour master.'
    atts = extract_attributions(text, nlp=False)
    assert any(a.content.text == '"It is temporary,"' or "temporary" in a.content.text for a in atts)
    for a in atts:
        assert text[a.content.start : a.content.end] == a.content.text


def test_anonymous_sources_match_when_reworded():
    assert same_anonymous("a regional source aligned with Damascus", "a local source close to Damascus")
    assert same_anonymous("the Damascus-allied source", "a regional source aligned with Damascus")
    assert not same_anonymous("a third regional source", "a regional source aligned with Damascus")
    assert not same_anonymous("a senior official", "a regional source")


def test_names_and_acronyms():
    keys = {named_key(t, {}) for t in ("Erdogan", "Erdoğan", "President Recep Tayyip Erdogan")}
    assert unify_names(keys)["erdogan"] == "recep tayyip erdogan"
    al = acronyms(["The head of Turkey's National Intelligence Organization (MIT) said so."])
    assert al == {"MIT": "National Intelligence Organization"}
    assert named_key("Turkey’s MIT", al) == named_key("the National Intelligence Organization", al)


def test_names_unify_the_same_way_whatever_their_order():
    """A short name inside two longer ones of one length goes to the same one in every run (a set's order follows
    the interpreter's string hashing, which changes between runs)."""
    keys = ["bush", "obama reverses bush", "george w bush", "obama"]
    maps = [unify_names(list(order)) for order in (keys, keys[::-1], sorted(keys))]
    assert maps[0] == maps[1] == maps[2]


def test_definite_description_and_pronoun_resolve_to_antecedent():
    official = Speaker("anon:a senior Turkish official", "a senior Turkish official", True)
    minister = Speaker("name:ingrid solberg", "Ingrid Solberg", False)
    earlier = [("Ingrid Solberg", minister), ("a senior Turkish official", official)]
    assert resolve_reference("the official", earlier).key == official.key
    assert resolve_reference("she", [("Ingrid Solberg", minister)]).key == minister.key
    assert resolve_reference("the minister", [("a senior Turkish official", official)]) is None


def test_conflict_signals():
    q = quantities("repatriating some of the 3.7 million Syrian refugees currently in Turkey")
    assert q and q[0][0] == 3_700_000 and {"syrian", "refugees"} <= q[0][2]
    assert quantities("He was elected in 2019.") == []
    assert polarity("The talks had made a lot of progress.") == 1
    assert polarity("The meeting produced unsatisfactory results.") == -1
    assert polarity("The meeting made no progress.") == -1
    assert polarity("Prices made progress.") == 0  # not about talks, meetings or contacts
    assert dates("They met on Sept. 15 in Ankara.") == {"september 15"}


def _story(with_origins: bool):
    arts = {}
    for name in ("wire", "rewrite", "independent"):
        lines = (DATA / f"{name}.txt").read_text(encoding="utf-8").splitlines()
        arts[name] = Article(source=name, title=lines[0], text="\n".join(lines[1:]).strip(), id=name)
    story = Story(id="fish", article_ids=list(arts))
    if with_origins:
        story.origins = [
            Origin("Polaris", "agency", ["wire", "rewrite"], "wire"),
            Origin("Quota talks end", "article", ["independent"], "independent", in_corpus=True),
        ]
    return story, arts


@pytest.fixture(scope="module")
def fish(nlp):
    import wiretrace.claims as claims

    story, arts = _story(with_origins=True)
    return claims.run(story, arts, Context()), arts


def _claim_with(story, words: str):
    found = [c for c in story.claims if words in c.text]
    assert found, f"no claim containing {words!r}"
    return found[0]


def test_attribution_spans_index_article_text(fish):
    story, arts = fish
    assert story.attributions
    for a in story.attributions:
        text = arts[a.article_id].text
        assert text[a.content[0] : a.content[1]] == a.content_text
        if a.source:
            assert text[a.source[0] : a.source[1]] == a.source_text


def test_quote_grouped_with_one_origin_and_unified_speaker(fish):
    story, _ = fish
    c = _claim_with(story, "We want a deal")
    assert c.kind == "quote"
    assert sorted(c.article_ids) == ["rewrite", "wire"]
    assert c.origins == ["Polaris"] and c.independent_origins == 1
    assert c.speaker == "Ingrid Solberg"  # "Solberg" in the rewrite joins the full name
    assert all(m["spans"]["content"] for m in c.mentions)


def test_claim_across_origins_counts_them(fish):
    story, _ = fish
    c = _claim_with(story, "close its ports")
    assert sorted(c.article_ids) == ["independent", "rewrite"]
    assert sorted(c.origins) == ["Polaris", "Quota talks end"] and c.independent_origins == 2


def test_conflicts_name_both_sides(fish):
    story, _ = fish
    kinds = {k.kind: k for k in story.conflicts}
    assert set(kinds) >= {"number", "denial", "assessment"}
    num = kinds["number"]
    assert {s["quantity"].split()[0] for s in num.sides} == {"2,400", "3,100"}
    assert "independent" in num.article_ids and "wire" in num.article_ids
    den = kinds["denial"]
    roles = {(s["article_id"], s["role"]) for s in den.sides}
    assert ("rewrite", "denies") in roles and ("independent", "reports") in roles
    ass = kinds["assessment"]
    assert {(s["article_id"], s["role"]) for s in ass.sides} == {("wire", "positive"), ("independent", "negative")}
    claim_ids = {c.id for c in story.claims}
    for k in story.conflicts:
        assert set(k.claim_ids) <= claim_ids


def test_without_provenance_each_article_counts_and_says_so(nlp):
    import wiretrace.claims as claims

    story, arts = _story(with_origins=False)
    story = claims.run(story, arts, Context())
    c = _claim_with(story, "We want a deal")
    assert c.origins == [] and c.independent_origins == 2
    assert all("provenance not run" in m["evidence"] for m in c.mentions)


def test_place_conflict_between_mentions_of_one_claim():
    from wiretrace.claims.conflicts import find_conflicts
    from wiretrace.claims.grouping import Unit

    a = Unit("a", 0, "The ministers met in Landford on Monday.", 0, 40, "The ministers met", "claim", places={"landford"})
    b = Unit("b", 3, "The ministers met in Portvik on Monday.", 0, 39, "The ministers met", "claim", places={"portvik"})
    c = Unit("c", 1, "The ministers met in Landford, near Portvik.", 0, 44, "The ministers met", "claim",
             places={"landford"})
    out = find_conflicts([a, b], {0: "c1", 1: "c1"}, None, [])
    assert [k.kind for k in out] == ["other"] and set(out[0].article_ids) == {"a", "b"}
    # A sentence that names both places is not a clash.
    assert find_conflicts([c, b], {0: "c1", 1: "c1"}, None, []) == []


def test_stage_falls_back_to_rules_when_spacy_model_is_missing(caplog):
    import wiretrace.claims as claims
    from wiretrace.config import Config

    story, arts = _story(with_origins=True)
    story = claims.run(story, arts, Context(config=Config(spacy_model="no_such_spacy_model")))
    assert "failed to load" in caplog.text  # a warning through logging: the CLI prints it, a stage never prints
    assert story.attributions and story.claims is not None and story.conflicts is not None
    c = _claim_with(story, "We want a deal")
    assert sorted(c.article_ids) == ["rewrite", "wire"]


def test_relative_pronoun_source_keeps_its_antecedent(nlp):
    text = "The harbour master, who said the port would close, resigned on Friday."
    a = _one(text, nlp, "said")
    assert a.source.text == "who"  # the source as written (PolNeAR's convention)
    assert a.antecedent is not None and a.antecedent.text == "The harbour master"
    assert a.to_json()["antecedent"]["text"] == "The harbour master"


def test_independent_origins_skip_derived_ones():
    from wiretrace.claims import derivations, independent
    from wiretrace.model import Evidence

    a = Origin("Polaris", "agency", ["w"], "w")
    b = Origin("Harbour Radio", "outlet", ["x"], "x",
               evidence=[Evidence("derived_from", "Harbour Radio's witness x reuses Polaris's text from w (rewrite, 60%)",
                                  articles=["w", "x"], origins=["Harbour Radio", "Polaris"])])
    c = Origin("Quota talks end", "article", ["y"], "y")
    story = Story(id="s", article_ids=["w", "x", "y"], origins=[a, b, c])
    known = derivations(story)
    assert known == {"Harbour Radio": {"Polaris"}}
    b.evidence[0].detail = "reworded for people"  # code reads the structured fields, never the sentence
    assert derivations(story) == known
    assert independent([a, b, c], known) == 2
    assert independent([b, c], known) == 2  # Polaris itself does not carry the claim: Harbour Radio stands alone
    story.independent_origin_chains = [{"origin": "Quota talks end", "derived_from": "Polaris"}]
    assert independent([a, b, c], derivations(story)) == 1


def test_quote_with_speaker_in_neighbouring_sentence(nlp):
    before = "The minister told reporters:\n\n“We will rebuild the bridge by spring.”\n"
    a = _one(before, nlp, "told")
    assert a.source.text == "The minister" and a.content.text == "“We will rebuild the bridge by spring.”"
    after = "“We will rebuild the bridge by spring.” The minister said."
    b = _one(after, nlp, "said")
    assert b.source.text == "The minister" and b.content.text == "“We will rebuild the bridge by spring.”"
    assert a.kind == b.kind == "direct"


def _claims_digest(story) -> list:
    return [(c.id, c.text, c.kind, c.speaker, [(m["sentence_index"], m["score"]) for m in c.mentions])
            for c in story.claims]


def test_one_article_story_groups_as_with_every_vector(nlp, monkeypatch):
    """A one-article story encodes only the units that could group, and its claims are those computed with every
    unit's vector (a restated quote still groups with its first statement)."""
    import wiretrace.claims as claims
    from wiretrace.analysis import vector_key

    _story_unused, arts = _story(with_origins=False)
    wire = arts["wire"]
    restated = wire.text + ('\n\nThe minister repeated that "we want a deal that protects the fishermen of both '
                            'countries," Solberg said.')
    ctx = Context()
    name = ctx.embedder().name
    digests, encoded = [], []
    for lazy in (True, False):
        if not lazy:
            monkeypatch.setattr(claims, "units_that_can_group", lambda *a, **k: None)
        art = Article(source="wire", title=wire.title, text=restated, id="wire")
        story = claims.run(Story(id="one", article_ids=["wire"]), {"wire": art}, ctx)
        digests.append(_claims_digest(story))
        vecs = art.analysis.vectors
        encoded.append(sum(len(vecs[k].index) for k in (vector_key(name, ""), vector_key(name, "content"))
                           if k in vecs))
    assert digests[0] == digests[1]
    assert any(len(c[4]) == 2 for c in digests[0]), "the restated quote no longer groups with the first"
    assert 0 < encoded[0] < encoded[1]


def test_classifier_bound_holds_for_every_cosine():
    import numpy as np

    from wiretrace.claims.grouping import COS_CEIL, PairScorer
    from wiretrace.claims.settings import ClaimsSettings
    from wiretrace.text.embed import get_embedder

    floor = ClaimsSettings().cos_floor

    scorer = PairScorer(get_embedder())
    lines = [ln for name in ("wire", "rewrite", "independent")
             for ln in (DATA / f"{name}.txt").read_text(encoding="utf-8").splitlines() if len(ln.split()) > 5]
    pairs = [(a, b) for a in lines[:8] for b in lines[:8]]
    bound = scorer.upper_bounds(pairs, floor, COS_CEIL)
    for cos in np.linspace(floor, COS_CEIL, 12):
        exact = np.asarray(scorer.many([(a, b, float(cos)) for a, b in pairs]))
        assert (exact <= bound + 1e-12).all()
