"""Language identification that holds for short and non-Latin texts (a title, one sentence, a Chinese line).

Clean's `detect_language` looks at the body only and needs three `\\w+` tokens, so a Chinese headline (one token
between punctuation marks) or a title-only record gets no language, and py3langid over all of its 97 languages
reads a short English title as Maltese or Kinyarwanda. Here the writing system decides first (Han without kana is
Chinese, Hebrew script is Hebrew, Hangul Korean, kana Japanese, Greek, Thai, Georgian, Armenian), and py3langid
(its model ships inside the PyPI package) then chooses only among the news languages written in that script, so
Arabic script is one of Arabic, Persian, Urdu, Pashto; Cyrillic one of Russian, Ukrainian, Bulgarian, Serbian,
Macedonian, Belarusian, Kazakh, Mongolian; and so on. Measured on NTREX (`benchmarks/multilingual.py --lid`).
"""

from __future__ import annotations

import re
from functools import cache

from wiretrace.text.normalize import DENSE_CHAR_WEIGHT, HAN, KANA

__all__ = ["NEWS_LANGUAGES", "base_language", "identify", "script_of"]

# py3langid codes, grouped by the script they are written in. Languages outside these groups are left out on
# purpose: on short texts they are where the full model's mistakes went (mt, rw, eo, la, vo, ...).
NEWS_LANGUAGES: dict[str, tuple[str, ...]] = {
    "latin": ("en", "fr", "de", "es", "it", "pt", "nl", "pl", "tr", "sv", "da", "no", "fi", "cs", "sk", "hu", "ro",
              "hr", "sl", "lt", "lv", "et", "ca", "id", "ms", "vi", "az", "sq", "tl", "sw", "af", "is", "ga",
              "eu", "gl"),
    "cyrillic": ("ru", "uk", "bg", "sr", "mk", "be", "kk", "mn", "ky"),
    "arabic": ("ar", "fa", "ur", "ps"),
    "devanagari": ("hi", "mr", "ne"),
}
# Scripts one news language owns.
_OWN = {"han": "zh", "kana": "ja", "hangul": "ko", "hebrew": "he", "greek": "el", "thai": "th", "georgian": "ka",
        "armenian": "hy", "bengali": "bn", "tamil": "ta", "gurmukhi": "pa", "gujarati": "gu", "amharic": "am",
        "khmer": "km", "lao": "lo", "sinhala": "si", "telugu": "te", "kannada": "kn", "malayalam": "ml"}
_SCRIPTS = {
    "latin": r"A-Za-z\u00C0-\u024F\u1E00-\u1EFF",
    "cyrillic": r"\u0400-\u04FF",
    "arabic": r"\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF",
    "devanagari": r"\u0900-\u097F",
    "han": HAN,
    "kana": KANA,
    "hangul": r"\uAC00-\uD7AF\u1100-\u11FF",
    "hebrew": r"\u0590-\u05FF",
    "greek": r"\u0370-\u03FF",
    "thai": r"\u0E00-\u0E7F",
    "georgian": r"\u10A0-\u10FF",
    "armenian": r"\u0530-\u058F",
    "bengali": r"\u0980-\u09FF",
    "gurmukhi": r"\u0A00-\u0A7F",
    "gujarati": r"\u0A80-\u0AFF",
    "tamil": r"\u0B80-\u0BFF",
    "telugu": r"\u0C00-\u0C7F",
    "kannada": r"\u0C80-\u0CFF",
    "malayalam": r"\u0D00-\u0D7F",
    "sinhala": r"\u0D80-\u0DFF",
    "lao": r"\u0E80-\u0EFF",
    "khmer": r"\u1780-\u17FF",
    "amharic": r"\u1200-\u137F",
}
_SCRIPT_RE = {name: re.compile(f"[{chars}]") for name, chars in _SCRIPTS.items()}
# Orthography inside the Arabic script: Urdu alone writes ٹ ڈ ڑ ں ے; Persian and Urdu write ی ک (and add پ چ ژ گ)
# where Arabic writes ي ك; only Arabic writes ة. A short text shows these long before a model's n-grams settle.
_URDU_ONLY = frozenset("\u0679\u0688\u0691\u06ba\u06d2\u06d3")
_PERSIAN_URDU = frozenset("\u067e\u0686\u0698\u06af\u06cc\u06a9")
_ARABIC_ONLY = frozenset("\u064a\u0643\u0629\u0649")
SAMPLE_CHARS = 600  # title + opening: enough for the model, and the cost stays a few ms an article
# A sample the model reads with less confidence than this (its probability normalised over the script's languages)
# gets no language: a five-word heading ("Greek austerity : British views" -> de, 0.85; "Obama signs bill" -> lt)
# is a guess, and a wrong language costs more downstream (a cross-lingual comparison of two English texts, and
# every later article in the window paying for a multilingual vector) than none. A round value, chosen after
# looking at NTREX's titles (`benchmarks/multilingual.py --lid`, which counts abstentions apart from errors).
MIN_CONFIDENCE = 0.95
# In a script with letter case, a sample also needs this many distinct words that start lower-case: names are the
# same in every language, so a line of names ("Texas convict Arcade Joseph Comeaux Jr .", read as French at 0.97;
# "OBAMA SIGNS BILL") gives the model nothing to go by but their spelling. One such English record in a
# 100,000-article stream made the next 4,000 articles compute the multilingual vector (issue 19, stop 34).
MIN_PLAIN_WORDS = 3
_CASED = frozenset({"latin", "cyrillic"})
_WORD = re.compile(r"(?<!\w)[^\W\d_]\w+")  # a word of two or more characters, starting with a letter


def base_language(lang: str | None) -> str | None:
    """'en-GB' -> 'en', 'EN_us' -> 'en'; None or '' -> None."""
    return (lang or "").replace("_", "-").split("-")[0].strip().lower() or None


def languages_differ(a: str | None, b: str | None) -> bool:
    """Both languages known and different ('en-GB' and 'en' are one): a pair across languages."""
    la, lb = base_language(a), base_language(b)
    return bool(la and lb and la != lb)


def script_of(sample: str) -> str | None:
    """The writing system most of the sample's letters belong to (None: no letters)."""
    counts = {name: len(rx.findall(sample)) for name, rx in _SCRIPT_RE.items()}
    for dense in ("han", "kana", "hangul"):  # one such character carries about what three letters carry
        counts[dense] *= DENSE_CHAR_WEIGHT
    if counts["kana"]:  # Japanese mixes kana with Han; Chinese has no kana
        counts["kana"] += counts["han"]
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else None


@cache
def _identifier(script: str):
    """A py3langid identifier restricted to the news languages of one script (loaded once per process)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(NEWS_LANGUAGES[script]))
    return ident


def identify(title: str | None, text: str | None, min_confidence: float = MIN_CONFIDENCE) -> str | None:
    """ISO 639-1 code of `title` + the opening of `text`, or None when there are no letters to go by or the
    model's reading of them is less sure than `min_confidence` (see MIN_CONFIDENCE)."""
    sample = ((title or "").strip() + "\n" + (text or "")[:SAMPLE_CHARS]).strip()
    script = script_of(sample)
    if script is None:
        return None
    if script in _OWN:
        return _OWN[script]
    if script == "arabic":
        letters = set(sample)
        if letters & _URDU_ONLY:
            return "ur"
        if not letters & _PERSIAN_URDU:
            toks = sample.split()
            al = sum(t.startswith("\u0627\u0644") for t in toks) / max(1, len(toks))
            if letters & _ARABIC_ONLY or al >= 0.2:
                return "ar"  # Arabic letters or the article al- on many words, and nothing Persian or Urdu add
    if script in _CASED and len({w for w in _WORD.findall(sample) if w.islower()}) < MIN_PLAIN_WORDS:
        return None
    lang, confidence = _identifier(script).classify(sample)
    return str(lang) if confidence >= min_confidence else None
