"""Fuzz suite, bounded for CI: Hypothesis on the readers and the budgets, then our own hostile files (generated here,
small sizes; benchmarks/stress.py runs the large ones) through the whole pipeline beside good articles."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiretrace.ingest import ReadError
from wiretrace.ingest.budget import cut_at_sentence, gunzip
from wiretrace.ingest.errors import printable
from wiretrace.ingest.walk import Limits, read_bytes
from wiretrace.model import Article

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from hostile import good_articles, make_cases  # noqa: E402

FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
SUFFIXES = [".txt", ".html", ".json", ".jsonl", ".xml", ".rss", ".warc", ".txt.gz", ".warc.gz", ".jsonl.gz"]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SMALL = Limits(file_bytes=1 << 20, input_bytes=1 << 20, article_chars=5_000, html_chars=50_000)


def _check(items: list) -> None:
    for it in items:
        assert isinstance(it, Article | ReadError)
        if isinstance(it, ReadError):
            assert not CONTROL.search(str(it)) and len(str(it)) < 1000
        else:
            assert len(it.raw_text or "") <= SMALL.article_chars and len(it.raw_html or "") <= SMALL.html_chars
            (it.raw_text or it.raw_html or "").encode("utf-8")  # storable


@FAST
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES), name=st.text(max_size=20))
def test_any_bytes_under_any_name_never_raise(data: bytes, suffix: str, name: str) -> None:
    _check(list(read_bytes(f"{name}{suffix}", data, limits=SMALL)))


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
                    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
                    max_leaves=20)


@FAST
@given(records=st.lists(st.one_of(JSON, st.fixed_dictionaries({"title": st.text(max_size=30), "text": JSON})),
                        max_size=5))
def test_any_json_records_never_raise(records: list) -> None:
    data = "\n".join(json.dumps(r) for r in records).encode()
    _check(list(read_bytes("x.jsonl", data, limits=SMALL)))
    _check(list(read_bytes("x.json", json.dumps(records).encode(), limits=SMALL)))


@FAST
@given(text=st.text(max_size=3000), limit=st.integers(1, 2000))
def test_cut_is_a_prefix_within_the_limit(text: str, limit: int) -> None:
    cut = cut_at_sentence(text, limit)
    assert len(cut) <= limit and text.startswith(cut)
    if len(text) <= limit:
        assert cut == text


@FAST
@given(text=st.text(max_size=400))
def test_printable_has_no_control_characters(text: str) -> None:
    out = printable(text)
    assert not CONTROL.search(out) and not re.search(r"[\ud800-\udfff]", out)


@FAST
@given(data=st.binary(max_size=2048), limit=st.integers(1, 4096))
def test_gunzip_of_any_bytes_is_bounded_or_refused(data: bytes, limit: int) -> None:
    import gzip
    import zlib

    from wiretrace.ingest.budget import OverBudget

    for blob in (data, gzip.compress(data), gzip.compress(data)[: max(1, len(data) // 2)]):
        try:
            got = gunzip(blob, limit)
        except (OverBudget, zlib.error):
            continue
        assert len(got.data) <= limit


# -- our own hostile files, beside good articles, through the whole pipeline ----------------------------------------

def _small_ctx():  # noqa: ANN202
    from wiretrace.pipeline import Context

    ctx = Context()
    ctx.config.embedder = "lexical"
    ctx.config.multilingual_embedder = "none"
    ctx.config.max_input_bytes = 16 << 20
    ctx.config.max_article_chars = 20_000
    ctx.config.max_input_seconds = 20.0
    ctx.config.max_story_seconds = 120.0
    return ctx


def test_hostile_files_beside_good_articles_through_analyze(tmp_path: Path) -> None:
    from wiretrace.pipeline import analyze
    from wiretrace.store import Store

    hostile = make_cases(tmp_path / "in" / "hostile", "f")
    markers = good_articles(tmp_path / "in" / "good", "f", 6)
    t = time.perf_counter()
    with Store(tmp_path / "w.db") as store:
        result = analyze([str(tmp_path / "in")], store, _small_ctx())
        stored = " ".join(f"{a.title} {a.text}" for a in store.iter_articles())
    elapsed = time.perf_counter() - t
    lines = [str(e) for e in result.errors] + result.warnings
    assert not [ln for ln in lines if CONTROL.search(ln)]  # no terminal escapes reach the terminal
    lost = [m for m in markers if m not in stored]
    assert not lost
    for case in hostile:
        named = any(case.name.split("\x1b")[0][:8] in ln for ln in lines)
        in_errors = any(case.name.split("\x1b")[0][:8] in str(e) for e in result.errors)
        if case.expect in {"good", "mixed"} or (case.expect == "named" and case.marker):
            assert case.marker in stored, case.kind
        if case.expect in {"error", "mixed"}:
            assert in_errors, case.kind
        if case.expect == "named":
            assert named, case.kind
    assert "root:x:" not in stored  # the XXE entity was never resolved
    assert elapsed < 600


@pytest.mark.parametrize("n", [1])
def test_hypothesis_free_mutants_never_crash_extract(tmp_path: Path, n: int) -> None:
    """Random mutations of good files (seeded) through reading and cleaning only: fast, and never a crash."""
    import random

    from wiretrace.ingest import read_paths
    from wiretrace.pipeline import clean_batch

    ctx = _small_ctx()
    for seed in range(n):
        folder = tmp_path / f"m{seed}"
        make_cases(folder, f"m{seed}", rng=random.Random(seed))
        for item in read_paths([folder], config=ctx.config):
            if isinstance(item, Article):
                clean_batch([item], ctx, through="bound")
