"""Counted quantities read for number conflicts: the figure before its noun, and the noun before its figure."""

from __future__ import annotations

import pytest

from wiretrace.claims.conflicts import quantities


@pytest.mark.parametrize(
    ("sentence", "value", "nouns"),
    [
        ("Some of the 340,000 people displaced by the clashes could return.", 340_000, {"people", "displaced"}),
        ("The newsletter put the number of people displaced by the 2019 clashes at 210,000.", 210_000,
         {"people", "displaced"}),
        ("The number of people killed stood at 1.2 million.", 1_200_000, {"people", "killed"}),
        ("Officials put the death toll of the shelling at 40, and asked for an inquiry.", 40, {"shelling", "toll"}),
    ],
)
def test_counted_thing_on_either_side_of_its_figure(sentence: str, value: float, nouns: set[str]) -> None:
    assert any(v == value and set(n) == nouns for v, _scale, n, _shown in quantities(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "The number of tourists rose by 5 percent in May.",  # a change, not the count
        "The number of people killed in the quake reached 1,200 on Monday, officials said.",  # clause goes on
    ],
)
def test_figure_that_does_not_close_the_clause_is_not_the_count(sentence: str) -> None:
    assert not any({"tourists"} <= n or {"killed", "people"} == n for _v, _s, n, _shown in quantities(sentence))
