"""Cluster stage speed-ups must not change anything: the optimised featurisation equals the plain one, and
precomputed (parallel) `featurize_batch` output gives the same stories and events as letting `assign` do it."""

from __future__ import annotations

import json
import zlib
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from wiretrace.cluster import ClusterState, assign, featurize_batch
from wiretrace.cluster import features as F
from wiretrace.config import Config
from wiretrace.model import Article
from wiretrace.pipeline import Context

DATA = Path(__file__).parents[1] / "data" / "cluster" / "stories.jsonl"


def corpus() -> list[Article]:
    arts = []
    for k, line in enumerate(DATA.read_text().splitlines()):
        r = json.loads(line)
        a = Article(source=f"t{k}", title=r["title"], text=r["text"], published=r["published"], outlet=r["outlet"])
        a.compute_id()
        arts.append(a)
    return arts


def edge_cases() -> list[Article]:
    return [
        Article(source="e1", title="", text="Only a body, 1,250 people in Zürich; Maria Lopez said 3.5 percent."),
        Article(source="e2", title="Título con acentos: São Paulo", text="Short ascii body."),
        Article(source="e3", title="Two words", text=""),
        Article(source="e4", title="   ", text="a b"),
        Article(source="e5", title=None, text="The the the Smith-Jones don’t won't 12 12 12 Dr. Who of the Year."),
        Article(source="e6", title="76ers fire Cheeks", text="In 2008 the 76ers fired Cheeks, hired in 2005. 10News: "
                "2008 was a bad 21st season; 1999 and 1949 too, 12,000 fans."),
    ]


def reference_featurize(article: Article) -> F.ArticleFeatures:
    """The plain (pre-optimisation) featurisation, kept here as the specification."""
    crc = lambda s: zlib.crc32(s.encode("utf-8"))  # noqa: E731
    title = (article.title or "")[:500]
    text = (article.text or "")[: F.MAX_CHARS]
    toks = F.tokens(title + "\n" + text)
    content = [t for t in toks if t not in F._STOP and len(t) > 1 and not t.isdigit()]
    ids: dict[int, float] = {}
    for term, c in Counter(content).most_common(F.TOP_TERMS):
        tid = crc(term) & F.TERM_MASK
        ids[tid] = max(ids.get(tid, 0.0), 1.0 + float(np.log(c)))
    order = sorted(ids)
    head = title + "\n" + text[:3000]
    ents_raw = []
    for m in F._ENTITY.finditer(head):
        w = [x for x in m.group(0).lower().split() if x not in F._ENTITY_STOP]
        if w:
            ents_raw.append(" ".join(w))
            if len(w) > 1:
                ents_raw.append(w[-1])
    nums_raw = [n for n in (m.group(0).replace(",", "").rstrip(".") for m in F._NUMBER.finditer(head))
                if len(n) >= 2 or "." in n]
    ttoks = F.tokens(title) if title.strip() else content[: F.MAX_TITLE]
    body = (F.tokens(text) or toks)[: F.MAX_SHINGLE_TOKENS]
    return F.ArticleFeatures(
        np.asarray(order, dtype=np.int64), np.asarray([ids[t] for t in order], dtype=np.float32),
        F._sorted_unique([crc(e) for e in ents_raw], F.MAX_ENTITIES),
        F._sorted_unique([crc(n) for n in nums_raw], F.MAX_NUMBERS),
        F._sorted_unique([crc(t) for t in ttoks if t not in F._STOP], F.MAX_TITLE),
        [" ".join(body[i : i + F.SHINGLE]) for i in range(max(1, len(body) - F.SHINGLE + 1))],
        F.days(article.published), (title + ". " if title else "") + " ".join(text[:700].split()),
        float(Counter(y for y in nums_raw if len(y) == 4 and y.isdigit() and 1950 <= int(y) <= 2039)
              .most_common(1)[0][0]) if any(len(y) == 4 and y.isdigit() and 1950 <= int(y) <= 2039
                                            for y in nums_raw) else float("nan"),
    )


@pytest.mark.parametrize("art", corpus() + edge_cases(), ids=lambda a: a.source)
def test_featurize_equals_plain_reference(art: Article) -> None:
    got, ref = F.featurize(art), reference_featurize(art)
    for name in ("terms", "tf", "ents", "nums", "title"):
        assert np.array_equal(getattr(got, name), getattr(ref, name)), name
    assert got.shingles == ref.shingles
    assert got.lead == ref.lead
    assert got.day == ref.day or (np.isnan(got.day) and np.isnan(ref.day))
    assert got.year == ref.year or (np.isnan(got.year) and np.isnan(ref.year))


def test_body_and_title_tokenised_apart_equal_tokenised_together() -> None:
    for title, text in [("Quake hits São Paulo", "It's 5.5 - the U.S. said"), ("plain", "naïve café’s end."),
                        ("end-", "-start x"), ("", "body")]:
        assert F.tokens(title) + F.tokens(text) == F.tokens(title + "\n" + text)


def test_parallel_prepared_features_give_identical_stories_and_events() -> None:
    ctx = Context(Config(embedder="lexical"))
    arts = corpus()
    plain = assign(arts, ClusterState.empty(ctx.config), ctx)
    with ProcessPoolExecutor(2) as pool:
        chunks = list(pool.map(featurize_batch, [arts[: len(arts) // 2], arts[len(arts) // 2 :]]))
    prepared = chunks[0] + chunks[1]
    fast = assign(arts, ClusterState.empty(ctx.config), ctx, prepared=prepared)
    assert fast.assignments == plain.assignments
    assert fast.events == plain.events
    assert fast.state.to_bytes() == plain.state.to_bytes()
    with pytest.raises(ValueError):
        assign(arts, ClusterState.empty(ctx.config), ctx, prepared=prepared[:-1])


def test_numbers_are_not_word_parts_and_main_year_is_the_most_mentioned() -> None:
    assert F.numbers("76ers 10News 21st 2,045 fans 3.5 9-14 2012.") == ["2045", "3.5", "14", "2012"]
    f = F.featurize(Article(source="y", title="", text="In 2008 the 76ers fired Cheeks, hired in 2005; 2008 again."))
    assert f.year == 2008.0
    assert np.isnan(F.featurize(Article(source="z", title="", text="Cheeks hired with 1,200 fans.")).year)
