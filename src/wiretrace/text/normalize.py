"""Normalisation used wherever two texts are compared, so that curly quotes,
dashes, accents and case never hide a verbatim copy."""

from __future__ import annotations

import re
import unicodedata

_PUNCT_MAP = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2026": "...",
    }
)
_WORD_RE = re.compile(r"[^\W_]+(?:['\-.][^\W_]+)*", re.UNICODE)
_SPACE_RE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip accents and unify punctuation (Erdoğan == erdogan)."""
    if text.isascii():  # nothing to translate or decompose: the same result, without a pass per character
        return text.casefold()
    text = text.translate(_PUNCT_MAP)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def normalize_space(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """Folded word tokens; numbers kept whole ("3.7", "2,000" -> "2000")."""
    folded = fold(text).replace(",", "")
    return _WORD_RE.findall(folded)


# Han ideographs and kana: Chinese and Japanese write no spaces, so `words` finds whole phrases there.
HAN = "\u4e00-\u9fff\u3400-\u4dbf"
KANA = "\u3040-\u30ff"
CJK = re.compile(f"[{KANA}{HAN}\uf900-\ufaff]")
CJK_CHARS_PER_WORD = 1.5  # a Chinese word averages about one and a half characters
# A Han, kana or Hangul character carries about what three letters of an alphabetic script carry (a Chinese version
# of an English article has about a third of its characters).
DENSE_CHAR_WEIGHT = 3


def word_count(text: str) -> float:
    """Words in `text`, counting a run of CJK characters as its length / CJK_CHARS_PER_WORD words."""
    n_cjk = len(CJK.findall(text))
    if not n_cjk:
        return len(words(text))
    return len(words(CJK.sub(" ", text))) + n_cjk / CJK_CHARS_PER_WORD


def text_length(text: str) -> int:
    """Characters, a CJK ideograph or kana counting DENSE_CHAR_WEIGHT: comparable across scripts."""
    return len(text) + (DENSE_CHAR_WEIGHT - 1) * len(CJK.findall(text))


def comparable(text: str) -> str:
    """The form two sentences must share to count as verbatim copies."""
    return " ".join(words(text))
