"""Pair features and the small paraphrase classifier.

The classifier is a logistic regression over lexical scores (rapidfuzz,
word and n-gram overlap, numbers, names) plus the embedding cosine. Its
weights live in a small JSON file fit by `benchmarks/fit_paraphrase.py` on
MRPC, one weight set per embedder family (MiniLM, the static MiniLM distillation,
lexical fallback), so the stage keeps working, with weaker recall, when the model
is absent. An embedder names its family in a `family` attribute (see `family_of`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from wiretrace.text.normalize import fold, words

WEIGHTS_FILE = Path(__file__).parent / "weights" / "paraphrase.json"

STOPWORDS = frozenset(
    """a an the and or but if of in on at to for from by with as is are was were be been being has have had do does did
    that this these those it its their his her he she they them we our you your i not no so than then there here which who
    whom whose what when where why how also would could should will shall may might can said says say told according
    over under into about after before during while since until up down out off per via just very more most some any all
    each both other such only own same too s t""".split()
)
_NUM = re.compile(r"^\d+(?:[.,]\d+)*$")
_CAP = re.compile(r"\b[A-Z][\w'\-]+")

FEATURE_NAMES = [
    "cos",
    "cos_sq",
    "ratio",
    "token_set",
    "token_sort",
    "partial",
    "jac_words",
    "jac_content",
    "cont_min",
    "cont_max",
    "jac_bigram",
    "jac_trigram",
    "len_ratio",
    "log_len_diff",
    "num_match",
    "num_mismatch",
    "cap_jac",
    "lcs_share",
]


@dataclass(slots=True)
class Prepared:
    """Per-sentence data computed once, reused for every candidate pair."""

    text: str
    folded: str
    toks: list[str]
    tokset: frozenset[str]
    content: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    trigrams: frozenset[tuple[str, str, str]]
    numbers: frozenset[str]
    caps: frozenset[str]


def prepare(text: str) -> Prepared:
    toks = words(text)
    return Prepared(
        text=text,
        folded=" ".join(toks),
        toks=toks,
        tokset=frozenset(toks),
        content=frozenset(t for t in toks if t not in STOPWORDS),
        bigrams=frozenset(zip(toks, toks[1:], strict=False)),
        trigrams=frozenset(zip(toks, toks[1:], toks[2:], strict=False)),
        numbers=frozenset(t for t in toks if _NUM.match(t)),
        caps=frozenset(fold(m.group(0)) for m in _CAP.finditer(text)),
    )


def _jac(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / max(1, len(a | b))


def _lcs_share(a: list[str], b: list[str]) -> float:
    """Longest common token subsequence over the shorter length (rapidfuzz, C++): kept word order."""
    if not a or not b:
        return 0.0
    return LCSseq.similarity(a, b) / min(len(a), len(b))


def pair_features(p: Prepared, q: Prepared, cos: float) -> list[float]:
    """The feature vector of one sentence pair, in FEATURE_NAMES order."""
    la, lb = len(p.toks), len(q.toks)
    inter = len(p.tokset & q.tokset)
    cont_a = inter / max(1, len(p.tokset))
    cont_b = inter / max(1, len(q.tokset))
    nums = p.numbers | q.numbers
    num_match = len(p.numbers & q.numbers) / len(nums) if nums else 1.0
    num_mismatch = 1.0 if (p.numbers and q.numbers and not (p.numbers & q.numbers)) or (
        bool(p.numbers) != bool(q.numbers)
    ) else 0.0
    return [
        cos,
        cos * cos,
        fuzz.ratio(p.folded, q.folded) / 100.0,
        fuzz.token_set_ratio(p.folded, q.folded) / 100.0,
        fuzz.token_sort_ratio(p.folded, q.folded) / 100.0,
        fuzz.partial_ratio(p.folded, q.folded) / 100.0,
        _jac(p.tokset, q.tokset),
        _jac(p.content, q.content),
        min(cont_a, cont_b),
        max(cont_a, cont_b),
        _jac(p.bigrams, q.bigrams),
        _jac(p.trigrams, q.trigrams),
        min(la, lb) / max(1, la, lb),
        math.log1p(abs(la - lb)),
        num_match,
        num_mismatch,
        _jac(p.caps, q.caps),
        _lcs_share(p.toks, q.toks),
    ]


@dataclass(slots=True)
class Classifier:
    """Standardise, dot, sigmoid: the whole model, readable in its JSON."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    names: list[str]

    def proba(self, feats: np.ndarray) -> np.ndarray:
        feats = np.atleast_2d(np.asarray(feats, dtype=np.float64))
        z = ((feats - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


@lru_cache(maxsize=8)
def load_classifier(family: str, path: str = "") -> Classifier:
    """Weights for `family` ('minilm', 'static' or 'lexical') from the shipped JSON, or from the file `path`
    (`AlignSettings.weights`; "" = shipped); an unknown family gets the lexical weights."""
    source = Path(path) if path else WEIGHTS_FILE
    data = json.loads(source.read_text(encoding="utf-8"))
    w = data["models"].get(family) or data["models"]["lexical"]
    if w["features"] != FEATURE_NAMES:
        raise RuntimeError(f"{source} was fit on other features; rerun benchmarks/fit_paraphrase.py")
    return Classifier(
        mean=np.array(w["mean"]),
        scale=np.array(w["scale"]),
        coef=np.array(w["coef"]),
        intercept=float(w["intercept"]),
        threshold=float(w["threshold"]),
        names=list(w["features"]),
    )


def family_of(embedder) -> str:
    """The classifier family whose weights fit `embedder`'s cosines: its `family` attribute when it has one
    ('minilm' for the ONNX transformer, 'static' for the model2vec embedder, 'lexical' for the hashing fallback),
    else 'lexical' for a lexical embedder and 'minilm' for any other."""
    family = getattr(embedder, "family", None)
    if family:
        return str(family)
    return "lexical" if getattr(embedder, "is_lexical", True) else "minilm"
