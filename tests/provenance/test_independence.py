"""Independent origins: derivations form a forest, and origins that supplied the same sentences rest on each other."""

from __future__ import annotations

from wiretrace.model import ReuseEdge, SentencePair, independent_count
from wiretrace.provenance import _derived_groups, _same_text
from wiretrace.provenance.origins import Group
from wiretrace.provenance.settings import PROVENANCE_DEFAULTS


def _edge(source: str, target: str, target_sentences: list[int], confidence: float = 0.8) -> ReuseEdge:
    pairs = [SentencePair(a=i, b=j, label="paraphrase", score=0.9) for i, j in enumerate(target_sentences)]
    return ReuseEdge(source=source, target=target, relation="translation", share=0.8, confidence=confidence,
                     pairs=pairs)


def _article_groups(*names: str) -> tuple[dict[str, Group], dict[str, str]]:
    return {n: Group(n, "article", [n], n) for n in names}, {n: n for n in names}


def _independent(groups, origin_of, edges) -> int:
    derived = _derived_groups(groups, origin_of, edges)
    rests_on = {name: {up} for name, (up, _e) in derived.items()}
    for link in _same_text(groups, origin_of, edges, derived, PROVENANCE_DEFAULTS):
        rests_on.setdefault(link.origin, set()).add(link.other)
        rests_on.setdefault(link.other, set()).add(link.origin)
    return independent_count(groups, rests_on)


def test_independent_count_counts_a_cycle_once():
    assert independent_count("abc", {}) == 3
    assert independent_count("abc", {"a": ["b"], "b": ["c"], "c": ["a"]}) == 1
    assert independent_count("abcd", {"a": ["b"], "b": ["a"], "c": ["a"]}) == 2
    assert independent_count("xab", {"x": ["a", "b"]}) == 2  # x combines two texts that stay independent
    assert independent_count([], {}) == 0


def test_translation_directions_that_go_round_leave_one_origin():
    """Three versions whose pairwise directions form a cycle: one origin, not none (the old count gave 0)."""
    groups, origin_of = _article_groups("en", "es", "ur")
    edges = [_edge("en", "es", [0, 1, 2], 0.9), _edge("es", "ur", [0, 1, 2], 0.8), _edge("ur", "en", [0, 1, 2], 0.7)]
    derived = _derived_groups(groups, origin_of, edges)
    assert len(derived) == 2 and "en" not in derived  # the weakest edge would close the cycle
    assert _independent(groups, origin_of, edges) == 1


def test_two_upstreams_of_the_same_sentences_are_one_origin():
    """es takes its text from zh (strongest edge) and the same sentences from fr: fr and zh share them."""
    groups, origin_of = _article_groups("zh", "fr", "es")
    edges = [_edge("zh", "es", [0, 1, 2, 3], 0.9), _edge("fr", "es", [0, 1, 2], 0.8)]
    assert _independent(groups, origin_of, edges) == 1
    same = _same_text(groups, origin_of, edges, _derived_groups(groups, origin_of, edges), PROVENANCE_DEFAULTS)
    assert [(link.origin, link.other, link.shared) for link in same] == [("fr", "zh", 3)]


def test_an_article_combining_two_reports_leaves_them_independent():
    """Different sentences of one article from two texts: the two stay independent."""
    groups, origin_of = _article_groups("wire", "paper", "digest")
    edges = [_edge("wire", "digest", [0, 1, 2, 3], 0.9), _edge("paper", "digest", [6, 7, 8], 0.8)]
    assert _independent(groups, origin_of, edges) == 2


def test_one_shared_sentence_through_a_third_article_is_not_reuse():
    groups, origin_of = _article_groups("a", "b", "c")
    edges = [_edge("a", "c", [0, 1, 2, 3], 0.9), _edge("b", "c", [3, 7], 0.8)]  # one sentence in common
    assert _independent(groups, origin_of, edges) == 2
