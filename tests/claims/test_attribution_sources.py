"""Speaker resolution details the attribution taggers exposed (invented phrases, no data needed)."""

from __future__ import annotations

from wiretrace.claims.sources import same_anonymous, source_count, unify_names


def test_a_pair_of_sources_is_not_one_of_its_members():
    pair = "a senior Turkish official and a Turkish security source"
    assert source_count(pair) == 2
    assert source_count("a senior Turkish official") == 1
    assert not same_anonymous(pair, "a senior Turkish official")
    assert same_anonymous("a senior Turkish official", "the senior official")


def test_a_bare_institution_noun_is_not_joined_to_a_longer_name():
    # "the Russian Foreign Ministry" keeps only "ministry" once nationality and title words are dropped.
    out = unify_names({"ministry", "syria information ministry", "erdogan", "recep tayyip erdogan"})
    assert out["ministry"] == "ministry"
    assert out["erdogan"] == "recep tayyip erdogan"
