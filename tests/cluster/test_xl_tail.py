"""`XlTail` keeps only the window it is read through, and reads exactly as if it kept every row."""

import numpy as np
import pytest

from wiretrace.cluster.state import XlTail


def _same(a: XlTail, b: XlTail, k: int) -> None:
    ia, ma, la, ha = a.recent(k)
    ib, mb, lb, hb = b.recent(k)
    assert ia.tolist() == ib.tolist() and la == lb and ha.tolist() == hb.tolist()
    assert np.array_equal(ma[ha], mb[hb])
    for me in ("en", "fr", "de"):
        assert a.other_languages(me, k) == b.other_languages(me, k)
        assert a.missing_other(me, k) == b.missing_other(me, k)


def test_a_bounded_tail_reads_like_an_unbounded_one():
    keep = 7
    rng = np.random.default_rng(1)
    bounded, full = XlTail(keep=keep), XlTail(keep=10**9)
    langs = ["en", "en", "en", "fr", None, "de", "en-GB"]
    for i in range(400):
        lang = langs[int(rng.integers(len(langs)))]
        vec = rng.normal(size=8).astype(np.float32) if rng.random() < 0.3 else None
        for t in (bounded, full):
            t.append(i, lang, vec)
        if rng.random() < 0.4:  # a vector computed later, for a recent row or one already gone from the window
            j = int(rng.integers(max(0, i - 2 * keep), i + 1))
            late = rng.normal(size=8).astype(np.float32)
            bounded.set(j, late)
            if j >= bounded.n - keep or j in bounded._pos:  # noqa: SLF001 (what the bounded one still holds)
                full.set(j, late)
            elif full._pos.get(j, -1) >= full.n - keep:  # noqa: SLF001
                pytest.fail("a row inside the window was dropped")
        _same(bounded, full, keep)
        _same(bounded, full, 3)
    assert len(bounded.idx) <= max(64, 4 * keep) and len(bounded.langs) <= max(64, 2 * keep)  # the window, not 400
    assert len(full.idx) >= 400


def test_reading_beyond_what_is_kept_is_refused():
    t = XlTail(keep=5)
    t.append(0, "en", None)
    with pytest.raises(ValueError, match="keeps the last 5"):
        t.recent(6)
