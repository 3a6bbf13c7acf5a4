"""End-to-end checks with the configured embedder: the five seeds form one story; the fictional sample
corpus keeps its unrelated story apart. Nothing here is tuned on; these are acceptance checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from wiretrace.cluster import ClusterState, assign
from wiretrace.model import Article
from wiretrace.pipeline import Context

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
SAMPLES = ROOT / "src" / "wiretrace" / "samples" / "corpus"


def stories_of(state: ClusterState, arts: list[Article]) -> list[str]:
    return [state.story_ids[state.story_of[state.index[a.id]]] for a in arts]


def test_seeds_form_one_story() -> None:
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.exists() else []
    if len(files) < 5:
        pytest.skip(f"seed articles not found under {SEEDS}")
    arts = []
    for f in files:
        lines = f.read_text(encoding="utf-8").splitlines()
        k = next(i for i, line in enumerate(lines) if line.strip())
        a = Article(source=f.name, title=lines[k].strip(), text="\n".join(lines[k + 1 :]))
        a.compute_id()
        arts.append(a)
    ctx = Context()
    upd = assign(arts, ClusterState.empty(ctx.config), ctx)
    assert len(set(stories_of(upd.state, arts))) == 1


def test_sample_corpus_keeps_unrelated_story_apart() -> None:
    if not (SAMPLES / "port-sella-festival.txt").exists():
        pytest.skip(f"sample corpus not found under {SAMPLES}")
    from wiretrace.clean import clean_articles
    from wiretrace.ingest.walk import read_paths
    from wiretrace.model import Article as A

    ctx = Context()
    arts = [a for a in read_paths([SAMPLES]) if isinstance(a, A) and not a.source.endswith("README.md")]
    arts = clean_articles(arts, ctx)
    for a in arts:
        a.id or a.compute_id()
    upd = assign(arts, ClusterState.empty(ctx.config), ctx)
    pred = dict(zip([a.source for a in arts], stories_of(upd.state, arts), strict=True))
    festival = [s for src, s in pred.items() if "port-sella-festival" in src]
    others = {s for src, s in pred.items() if "port-sella-festival" not in src}
    assert festival and festival[0] not in others
    assert len(others) == 1, pred  # the five versions of the dam story belong together
