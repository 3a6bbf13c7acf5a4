"""Entities: one name per person, organisation and place across a story's articles.

Mentions come from the spaCy parse claims keeps per article (run once; here through `claims.parse_articles` with the
configured model, skipped when it cannot load); normalisation is tested on names of our own.
"""

from __future__ import annotations

import pytest

from wiretrace.analysis import analyse, from_bytes, to_bytes
from wiretrace.entities import name_key, story_entities
from wiretrace.model import Article, ArticleParse


def test_name_key_folds_accents_case_titles_and_possessives():
    assert name_key("Erdoğan", person=True) == name_key("ERDOGAN", person=True) == "erdogan"
    assert name_key("President Tayyip Erdogan's", person=True) == "tayyip erdogan"
    assert name_key("the Russian Foreign Ministry") == "russian foreign ministry"  # an organisation keeps its words
    assert name_key("Turkey's National Intelligence Organization") == "national intelligence organization"
    assert name_key("MIT", {"MIT": "National Intelligence Organization"}) == "national intelligence organization"
    assert name_key("Bashar al-Assad", person=True) == "bashar al assad"


def test_name_key_transliterates_other_scripts():
    assert name_key("Эрдоган", person=True) == "erdogan"
    assert name_key("Ερντογάν", person=True) == "erntogan"  # Greek spells the d as nt: kept apart, not guessed


def _article(aid: str, text: str, ents: list[tuple[str, str]]) -> Article:
    """An article whose parse holds the given (surface, label) entities at their first positions."""
    a = Article(source=aid, text=text)
    a.id = aid
    a.analysis = analyse(a)
    spans, pos = [], 0
    for surface, label in ents:
        start = text.index(surface, pos)
        spans.append((start, start + len(surface), label))
        pos = start + len(surface)
    a.analysis.parse = ArticleParse(parser="test", entities=spans)
    return a


def test_story_entities_join_short_names_acronyms_and_scripts():
    arts = [
        _article("a", "Turkey's National Intelligence Organization (MIT) chief Hakan Fidan met President Recep "
                      "Tayyip Erdoğan in Ankara.",
                 [("National Intelligence Organization", "ORG"), ("MIT", "ORG"), ("Hakan Fidan", "PERSON"),
                  ("Recep Tayyip Erdoğan", "PERSON"), ("Ankara", "GPE")]),
        _article("b", "Erdogan said MIT had met Syria's intelligence chief. Fidan declined to comment.",
                 [("Erdogan", "PERSON"), ("MIT", "ORG"), ("Syria", "GPE"), ("Fidan", "ORG")]),
        _article("c", "Эрдоган встретился с Путиным.", [("Эрдоган", "PERSON"), ("Путиным", "PERSON")]),
    ]
    ents = {e.key: e for e in story_entities(arts)}
    erdogan = ents["person:recep tayyip erdogan"]
    assert erdogan.label == "Recep Tayyip Erdoğan" and erdogan.article_ids == ["a", "b", "c"]
    assert ents["organisation:national intelligence organization"].article_ids == ["a", "b"]
    fidan = ents["person:hakan fidan"]  # spaCy called the bare surname an organisation: it joins the person
    assert fidan.article_ids == ["a", "b"] and len(fidan.mentions) == 2
    assert "place:ankara" in ents and "place:syria" in ents
    assert [m["text"] for m in erdogan.mentions] == ["Recep Tayyip Erdoğan", "Erdogan", "Эрдоган"]


def test_parse_entities_survive_storage():
    a = _article("a", "Hakan Fidan met Ali Mamlouk.", [("Hakan Fidan", "PERSON"), ("Ali Mamlouk", "PERSON")])
    back = from_bytes(to_bytes(a.analysis))
    assert back.parse is not None and back.parse.entities == [(0, 11, "PERSON"), (16, 27, "PERSON")]


def test_entities_come_from_the_claims_parse():
    from wiretrace.claims import parse_articles
    from wiretrace.pipeline import Context

    ctx = Context()
    if not ctx.nlp():
        pytest.skip("spaCy model not loadable")
    a = Article(source="a", text="Turkish President Tayyip Erdogan met Vladimir Putin in Sochi on Friday, "
                                 "the Kremlin said.")
    a.id = "a"
    a.analysis = analyse(a)
    parse_articles([a], ctx)
    labels = {a.text[s:e]: lab for s, e, lab in a.analysis.parse.entities}
    assert labels.get("Tayyip Erdogan") == "PERSON" and labels.get("Sochi") == "GPE"
    keys = {e.key for e in story_entities([a])}
    assert "person:tayyip erdogan" in keys and "place:sochi" in keys
