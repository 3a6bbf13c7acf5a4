"""The static (model2vec) sentence embedder distilled from all-MiniLM-L6-v2 and shipped in text/models/minilm-static."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from wiretrace.text import embed

SENTS = [
    "The fire destroyed the historic church on Friday night, officials said.",
    "Officials said a blaze gutted the historic church late on Friday.",
    "Shares of the carmaker fell sharply in Tokyo trading after the profit warning.",
    "Police arrested a 34-year-old man in connection with the shooting.",
]


@pytest.fixture(scope="module")
def static():
    pytest.importorskip("model2vec")
    return embed.StaticEmbedder(embed.STATIC_MODEL_DIR, embed.STATIC_MODEL, embed._STATIC_SHA256)


def test_loads_offline_without_torch(tmp_path):
    pytest.importorskip("model2vec")
    code = (
        "import sys; from wiretrace.text.embed import get_static_embedder; e = get_static_embedder(); "
        "assert not e.is_lexical, e; assert e.encode(['hello world']).shape == (1, 256); "
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules; print(e.name)"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path)}  # an empty hub cache, no hub access
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "minilm-static"
    assert "warning" not in out.stderr


def test_interface(static):
    assert static.name == "minilm-static"
    assert static.is_lexical is False
    assert static.dim == 256
    assert static.encode([]).shape == (0, 256)


def test_deterministic_and_normalised(static):
    a = static.encode(SENTS)
    b = static.encode(list(reversed(SENTS)))[::-1]
    assert a.dtype == np.float32 and a.shape == (len(SENTS), 256)
    np.testing.assert_array_equal(a, b)  # batch order does not matter
    np.testing.assert_array_equal(a[:1], static.encode(SENTS[:1]))
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


def test_text_without_known_tokens_is_a_zero_row(static):
    v = static.encode(["", SENTS[0]])
    assert not v[0].any()
    assert np.linalg.norm(v[1]) == pytest.approx(1.0, abs=1e-5)


def test_paraphrase_scores_above_unrelated(static):
    v = static.encode(SENTS)
    para = float(v[0] @ v[1])
    unrelated = max(float(v[0] @ v[2]), float(v[0] @ v[3]), float(v[1] @ v[2]))
    assert para > 0.5
    assert para > unrelated + 0.3


def test_selectable_by_name_and_cached(monkeypatch):
    pytest.importorskip("model2vec")
    monkeypatch.setattr(embed, "_LOADED", {})
    monkeypatch.setattr(embed, "_WARNED", set())
    e = embed.get_static_embedder()
    assert isinstance(e, embed.StaticEmbedder)
    assert embed.get_embedder("minilm-static") is e
    assert embed.get_static_embedder() is e


def test_model2vec_folder_by_path(monkeypatch):
    pytest.importorskip("model2vec")
    monkeypatch.setattr(embed, "_LOADED", {})
    e = embed.get_embedder(str(embed.STATIC_MODEL_DIR))
    assert isinstance(e, embed.StaticEmbedder)
    assert e.encode(SENTS[:1]).shape == (1, 256)


def test_tampered_model_is_refused(tmp_path):
    pytest.importorskip("model2vec")
    for f in ("model.safetensors", "tokenizer.json", "config.json"):
        (tmp_path / f).write_bytes((embed.STATIC_MODEL_DIR / f).read_bytes())
    raw = bytearray((tmp_path / "model.safetensors").read_bytes())
    raw[-1] ^= 1
    (tmp_path / "model.safetensors").write_bytes(bytes(raw))
    with pytest.raises(RuntimeError, match="sha256"):
        embed.StaticEmbedder(tmp_path, "x", embed._STATIC_SHA256)


def test_missing_model_falls_back_and_warns_once(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(embed, "STATIC_MODEL_DIR", tmp_path / "absent")
    monkeypatch.setattr(embed, "_LOADED", {})
    monkeypatch.setattr(embed, "_WARNED", set())
    first = embed.get_static_embedder()
    second = embed.get_static_embedder()
    assert isinstance(first, embed.HashingEmbedder) and first.is_lexical
    assert second is first
    err = [r for r in caplog.records if r.name == "wiretrace.text.embed"]
    assert len(err) == 1  # logged once (the command line prints it as one "warning: ..." line)
    assert err[0].levelname == "WARNING" and "minilm-static" in err[0].getMessage() and "lexical" in err[0].getMessage()
    v = first.encode(SENTS)  # callers keep working
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_onnx_device_defaults_to_cpu_and_refuses_unknown_names():
    from wiretrace.text.embed import onnx_providers

    assert onnx_providers("cpu") == ["CPUExecutionProvider"]
    assert onnx_providers("auto")[-1] == "CPUExecutionProvider"  # CUDA first only where the build has it
    with pytest.raises(ValueError, match="unknown device"):
        onnx_providers("tpu")
