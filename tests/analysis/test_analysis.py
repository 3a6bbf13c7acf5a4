"""Per-article analysis computed once: stored with the article, read back by every stage, never recomputed;
pair results stored per article pair, so a story that grows pays only for its new pairs."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import wiretrace.claims as claims_mod
from wiretrace.analysis import ANALYSIS_VERSION, analyse, from_bytes, to_bytes
from wiretrace.analysis.codec import pack, unpack
from wiretrace.model import Article, ArticleParse, ParsedAttribution, SentenceVectors, SpeakerHint
from wiretrace.pipeline import Context, analyze
from wiretrace.samples import corpus_path
from wiretrace.store import Store


def test_record_round_trip_keeps_every_field():
    art = Article(source="x", id="x", language="en",
                  text="Dock workers ended a strike on Friday, the union said.\n\n“We won,” said Ana Ruiz.")
    from wiretrace.cluster import fingerprint_articles

    fingerprint_articles([art], Context())
    a = art.analysis
    a.vectors["m"] = SentenceVectors(np.array([0, 1], dtype=np.int32), np.ones((2, 4), dtype=np.float16))
    a.parse = ArticleParse("rules", [ParsedAttribution((0, 3), (4, 8), (9, 20), "direct", None,
                                                       SpeakerHint("the union", "anon"))], [0, 1], {1: ["tollan"]})
    b = from_bytes(to_bytes(a))
    assert (b.version, b.language, b.sentences, b.usable) == (ANALYSIS_VERSION, "en", a.sentences, a.usable)
    assert b.quoted == pytest.approx(a.quoted)
    assert b.parse == a.parse
    assert np.array_equal(b.vectors["m"].matrix, a.vectors["m"].matrix) and b.vectors["m"].get(1) is not None
    for name in ("terms", "tf", "ents", "nums", "title", "digest"):
        assert np.array_equal(getattr(b.cluster, name), getattr(a.cluster, name))
    assert b.cluster.minhash == a.cluster.minhash
    assert np.allclose(b.cluster.lead_vector, a.cluster.lead_vector)


def test_record_refuses_foreign_and_truncated_bytes():
    with pytest.raises(ValueError, match="not a wiretrace analysis"):
        unpack(b"PK\x03\x04 a zip file")
    data = pack({"k": 1}, {"v": np.arange(10, dtype=np.int64)})
    with pytest.raises(ValueError, match="runs past the end"):
        unpack(data[:-8])
    with pytest.raises(ValueError, match="not storable"):
        pack({}, {"o": np.array([object()])})


def test_usable_sentences_need_four_words():
    a = analyse(Article(source="x", text="Home | News\n\nThe port of Tollan reopened on Monday after talks."))
    assert len(a.sentences) == 2 and a.usable == [1]


def _copy_corpus(tmp_path: Path, names: list[str]) -> Path:
    out = tmp_path / ("part-" + str(len(list(tmp_path.glob("part-*")))))
    out.mkdir()
    for n in names:
        shutil.copy(corpus_path() / n, out / n)
    return out


def _shape(store: Store) -> dict:
    stories = {}
    for sid in store.story_ids():
        data = store.get_story(sid).to_report()
        edges = sorted((e["from"], e["to"], e["relation"], round(e["share"], 3)) for e in data.get("reuse", []))
        als = sorted((a["a"], a["b"], tuple((p["a"], p["b"], p["label"]) for p in a["pairs"]))
                     for a in data.get("alignments", []))
        stories[frozenset(data["article_ids"])] = (edges, als, data.get("independent_origins"))
    return stories


def test_two_batches_compute_only_new_work_and_equal_one_batch(tmp_path, monkeypatch):
    files = sorted(p.name for p in corpus_path().iterdir() if p.name != "README.md")
    first, second = files[:3], files[3:]
    ctx = Context()
    with Store(tmp_path / "once.db") as once:
        analyze([str(corpus_path())], once, ctx)
        expected = _shape(once)
        pairs_once = once.count_pair_results()

    parsed: list[int] = []
    real_from_doc = claims_mod.from_doc
    monkeypatch.setattr(claims_mod, "from_doc", lambda doc: parsed.append(1) or real_from_doc(doc))
    with Store(tmp_path / "twice.db") as twice:
        analyze([str(_copy_corpus(tmp_path, first))], twice, ctx)
        pairs_first = twice.count_pair_results()
        parsed_first = len(parsed)
        analyze([str(_copy_corpus(tmp_path, second))], twice, ctx)
        assert _shape(twice) == expected
        assert twice.count_pair_results() == pairs_once
        assert twice.analysis_counts() == {"current": 6, "missing_or_outdated": 0}
    # Each article is parsed once, whichever run first needed it; a pair is aligned once, whichever run.
    assert len(parsed) == 6 and parsed_first <= 3
    assert 0 < pairs_first < pairs_once


def test_a_store_without_analyses_is_completed_lazily(tmp_path):
    """A store from the previous schema (or another analysis version) gets its analyses recomputed when needed."""
    db = tmp_path / "w.db"
    with Store(db) as store:
        analyze([str(_copy_corpus(tmp_path, ["meridian-wire.txt", "northgate-rewrite.txt"]))], store, Context())
    conn = sqlite3.connect(db)
    conn.execute("UPDATE article_analysis SET version = version - 100")
    conn.execute("DELETE FROM pair_alignments")
    conn.commit()
    conn.close()
    with Store(db) as store:
        assert store.analysis_counts()["missing_or_outdated"] == 2
        result = analyze([str(_copy_corpus(tmp_path, ["harbour-daily-repost.html"]))], store, Context())
        assert any("2 stored articles had no current analysis" in w for w in result.warnings)
        assert store.analysis_counts() == {"current": 3, "missing_or_outdated": 0}
        assert store.count_pair_results() == 3
