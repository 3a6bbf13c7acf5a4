"""The HTML block classifier (clean/blocks.py): segmentation, features, the shipped trees, and the stage's use of it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_clean import BAD_HTML
from trafilatura.utils import load_html

from wiretrace.clean import blocks, clean_articles, extractor_for
from wiretrace.clean.html import BlockExtractor, TrafilaturaExtractor
from wiretrace.clean.settings import CleanSettings
from wiretrace.config import Config
from wiretrace.model import Article
from wiretrace.pipeline import Context

DATA = Path(__file__).parents[1] / "data" / "clean"


def test_segment_blocks_and_link_density() -> None:
    tree = load_html("<html><body><div class='nav'><a href='/'>Home</a> <a href='/x'>News</a></div>"
                     "<p>First paragraph, with <b>bold</b> words and a <a href='#'>link</a>.</p>"
                     "<p>Line one<br>Line two</p><script>var x = '<p>not text</p>';</script></body></html>")
    got = blocks.segment(tree)
    assert [b.text for b in got] == ["Home News", "First paragraph, with bold words and a link.", "Line one",
                                     "Line two"]
    assert got[0].anchor_words == 2 and got[0].near_tokens == ("nav",)
    assert got[1].anchor_words == 1 and got[1].owner == "p"


def test_segment_survives_deep_nesting() -> None:
    tree = load_html("<html><body>" + "<div>" * 200 + "<p>Deep text here.</p>" + "</div>" * 200 + "</body></html>")
    assert [b.text for b in blocks.segment(tree)] == ["Deep text here."]
    # Deeper than libxml2 keeps (it drops what lies below its limit): no recursion, no crash.
    tree = load_html("<html><body>" + "<div>" * 50_000 + "x" + "</div>" * 50_000 + "</body></html>")
    assert isinstance(blocks.segment(tree), list)


def test_exported_trees_match_sklearn() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, blocks.N_DENSE + 2 * blocks.N_HASH)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + 2 * (X[:, 1] > 0.5).astype(int)
    clf = HistGradientBoostingClassifier(max_iter=15, max_depth=4, random_state=0).fit(X, y)
    model = blocks.BlockModel.from_sklearn(clf, {})
    assert np.abs(model.proba(X) - clf.predict_proba(X)).max() < 1e-5
    again = blocks.BlockModel(json.loads(json.dumps(model.to_json())))  # through JSON, as shipped
    assert np.abs(again.proba(X) - clf.predict_proba(X)).max() < 1e-5


def test_shipped_weights_load_and_match_the_features() -> None:
    model = blocks.load_model()
    assert model.labels == blocks.LABELS
    assert model.proba(np.zeros((3, blocks.N_DENSE + 2 * blocks.N_HASH), np.float32)).shape == (3, 4)


def test_page_article_kept_comments_related_and_menus_removed_with_reasons() -> None:
    page = (DATA / "blocks-page.html").read_text()
    art = clean_articles([Article(source="blocks-page.html", raw_html=page)],
                         Context(Config(clean=CleanSettings(block_classifier=True))))[0]
    for kept in ("voted on Monday to build a new pier", "listened to every objection",
                 "no spawning grounds within the area", "begin in September"):
        assert kept in art.text
    for gone in ("I have waited for the ferry", "They never asked us", "Ferry company orders two larger",
                 "Storm closes old jetty", "Privacy policy", "Sport"):
        assert gone not in art.text
    assert art.title == "Harbour board approves new pier after long dispute"
    by_classifier = [r for r in art.removed if r.reason.endswith("(block classifier)")]
    assert all(r.text not in art.text for r in by_classifier)
    assert {r.reason for r in by_classifier} <= {"comment (block classifier)", "related content (block classifier)",
                                                 "boilerplate (block classifier)"}
    assert art.metadata["extractor"] == "BlockExtractor"


def test_config_selects_the_extractor(tmp_path: Path) -> None:
    assert isinstance(extractor_for(Config()), TrafilaturaExtractor)
    assert isinstance(extractor_for(Config(clean=CleanSettings(block_classifier=True))), BlockExtractor)
    bad = tmp_path / "w.json"
    bad.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ValueError, match="refit"):
        extractor_for(Config(clean=CleanSettings(block_classifier=True, blocks_weights=str(bad))))


def test_page_with_too_many_blocks_keeps_base_text() -> None:
    from wiretrace.clean import html as clean_html

    body = "".join(f"<p>Paragraph {i} of a long report on the harbour works and what they cost.</p>"
                   for i in range(200))
    out = clean_html.extract_html(f"<html><body><article>{body}</article></body></html>", None,
                                  BlockExtractor(max_blocks=50))
    assert any("block classifier skipped" in w for w in out.warnings)
    assert "Paragraph 10 of a long report" in out.text


@pytest.mark.parametrize(
    "html",
    [*BAD_HTML, "<html><body>" + "<script>" * 800_000],
)
def test_bad_html_with_the_classifier_never_crashes(html: str) -> None:
    ctx = Context(Config(clean=CleanSettings(block_classifier=True)))
    art = clean_articles([Article(source="bad.html", raw_html=html)], ctx)[0]
    assert isinstance(art.text, str)
    if not art.text:
        assert art.metadata["warnings"], "an empty result must say why"


def test_comments_in_the_article_template_are_removed_by_the_second_look(tmp_path: Path) -> None:
    """Readers' comments set in the article's own paragraph template after a "Comments" heading (old newspaper
    CMSs): each reads like prose on its own; the second look sees the heading and the repeated "Posted by" and
    "Report this comment" lines around them. The first pass alone keeps them."""
    page = (DATA / "blocks" / "thread-page.html").read_text()
    model = blocks.load_model()
    assert model.context is not None, "the shipped weights hold the second look"
    out = BlockExtractor().extract(page)
    for kept in ("postponed a vote on repairing the old river bridge", "rather wait four weeks",
                 "vote would follow at its next full meeting"):
        assert kept in out.text
    comments = ("Just get on with it", "lost a third of its customers", "take a year to organise",
                "Testing the supports properly")
    for gone in comments:
        assert gone not in out.text
    assert any("Just get on with it" in text and reason.startswith("comment") for text, reason in out.removed)
    first_only = tmp_path / "first-pass.json"
    first_only.write_text(json.dumps({k: v for k, v in model.to_json().items() if k != "context"}))
    alone = BlockExtractor(str(first_only)).extract(page)
    assert any(c in alone.text for c in comments)


def test_second_look_rows() -> None:
    """Each column of the second look's rows holds what its name says (neighbours, window, before/after)."""
    tree = load_html((DATA / "blocks" / "thread-page.html").read_text())
    found = blocks.segment(tree)
    n = len(found)
    X = blocks.features(found, "Council delays vote on river bridge repairs", None)
    P = np.zeros((n, len(blocks.LABELS)))
    P[:, 0] = np.arange(n) / n  # P(main) rises down the page, so each column's source can be told apart
    P[:, 1] = 1 - P[:, 0]
    C = blocks.context_features(found, X, P)
    col = {name: j for j, name in enumerate(blocks.CONTEXT_NAMES)}
    assert C.shape == (n, len(blocks.CONTEXT_NAMES))
    assert C[5, col["prev1_p_main"]] == pytest.approx(4 / n) and C[5, col["next2_p_main"]] == pytest.approx(7 / n)
    assert C[0, col["prev1_p_main"]] == -1 and C[n - 1, col["next1_p_main"]] == -1
    words = np.array([b.words for b in found], dtype=float)
    near = [j for j in range(max(0, 10 - 5), min(n, 10 + 6)) if j != 10]
    assert C[10, col["window_p_main"]] == pytest.approx((P[near, 0] * words[near]).sum() / words[near].sum())
    long_after = [j for j in range(11, n) if found[j].words >= 10]
    assert C[10, col["main_after_max"]] == pytest.approx(P[long_after, 0].max())  # strictly after the block
    heading = next(i for i, b in enumerate(found) if b.text == "Comments")
    assert C[heading, col["comment_head_before"]] == 0 and C[heading + 1, col["comment_head_before"]] == 1
    likely_main = blocks.context_features(found, X, np.tile([0.9, 0.05, 0.0, 0.05], (n, 1)))
    after_text = col["comment_head_after_text"]  # the heading follows the title and 50+ words of likely article
    assert likely_main[heading + 1, after_text] == 1 and likely_main[heading, after_text] == 0
    assert C[heading + 1, after_text] == 0  # ... which the rising P(main) above does not provide
    one = blocks.context_features(found[:1], X[:1], P[:1])
    assert one.shape == (1, len(blocks.CONTEXT_NAMES)) and one[0, col["prev1_p_main"]] == -1
    assert blocks.context_features([], X[:0], P[:0]).shape == (0, len(blocks.CONTEXT_NAMES))


def test_a_second_look_that_keeps_no_text_block_is_overruled() -> None:
    """Every page handed to the extractor is an article page: when the second look keeps no block of ten words or
    more, the first pass's answer stands; otherwise the second look's."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    page = (DATA / "blocks" / "thread-page.html").read_text()
    found = blocks.segment(load_html(page))
    X = blocks.features(found, "Council delays vote on river bridge repairs", None)
    first = blocks.BlockModel({k: v for k, v in blocks.load_model().to_json().items() if k != "context"})
    rng = np.random.default_rng(0)
    rows = rng.random((800, len(blocks.CONTEXT_NAMES))).astype(np.float32)

    def second_look(main_when_p_main_below: float) -> blocks.BlockModel:
        y = 1 + (np.arange(len(rows)) % 3)  # comment, related, boilerplate
        y[rows[:, 0] < main_when_p_main_below] = 0  # main only below a first-pass P(main)
        clf = HistGradientBoostingClassifier(max_iter=10, max_depth=3, random_state=0).fit(rows, y)
        return blocks.BlockModel.from_sklearn(clf, {}, blocks.CONTEXT_NAMES, 0)

    rows[:100, 0] = -1.0  # P(main) never goes below 0: this second look never says main
    never = first.with_context(second_look(-0.5))
    assert np.array_equal(never.predict(found, X), first.proba(X))
    rows[:100, 0] = rng.random(100)
    often = first.with_context(second_look(0.9))
    answer = often.predict(found, X)
    assert not np.array_equal(answer, first.proba(X))
    assert np.allclose(answer, often.context.proba(blocks.context_features(found, X, first.proba(X))))
