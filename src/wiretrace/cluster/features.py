"""Cheap per-article features for clustering, computed once when an article arrives.

Everything an article needs for later comparisons is reduced here to a few small
integer/float arrays (hashed terms, entities, numbers, title words, a MinHash digest),
so the state stays compact and comparisons are vectorised numpy, not Python loops.
Terms are hashed with crc32 (stable across processes, unlike `hash()`).
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from wiretrace.model import Article

# Fingerprint sizes are versioned constants, not settings: they shape the per-article fingerprint that is stored and
# reused across runs (analysis/ ANALYSIS_VERSION), so changing one is a new version. Tunable counts: ClusterSettings.
TERM_BITS = 22  # term ids live in [0, 2**22): the document-frequency table is a flat array of that size
TERM_MASK = (1 << TERM_BITS) - 1
TOP_TERMS = 64  # most frequent content words kept per article
MAX_ENTITIES = 40
MAX_NUMBERS = 24
MAX_TITLE = 16
SHINGLE = 3
MAX_SHINGLE_TOKENS = 600  # MinHash over the first 600 words: enough to see a re-post, bounded cost


def _glasgow_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words (the Glasgow IR group's list), read from its own module file: importing
    them the usual way imports sklearn, scipy.stats and pandas (~1 s), a fixed cost on every run of the command."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("sklearn")  # finds the package without running its __init__
    path = Path(spec.origin).parent / "feature_extraction" / "_stop_words.py" if spec and spec.origin else None
    try:
        module_spec = importlib.util.spec_from_file_location("wiretrace_sklearn_stop_words", path) if path else None
        if module_spec and module_spec.loader:
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
            return frozenset(module.ENGLISH_STOP_WORDS)
    except Exception:  # noqa: BLE001 - another sklearn layout: fall back to the package's own import below
        pass
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # the slow, sure way

    return frozenset(ENGLISH_STOP_WORDS)


_STOP = _glasgow_stop_words() | {
    "said", "says", "say", "told", "mr", "mrs", "ms", "year", "years", "new", "also", "like", "just",
    "would", "could", "one", "two", "people", "time", "according", "s", "t", "nt", "ll", "ve", "re",
}
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:['\-.][a-z0-9]+)*")
_WORD = re.compile(r"[^\W_]+(?:['\-.][^\W_]+)*")
XL_LEAD_CHARS = 300  # opening read for the cross-lingual vector: ~100 tokens, one e5 pass an article
MAX_CHARS = 6000  # features read the first 6,000 characters: the event is in the opening, cost stays bounded
_ENTITY = re.compile(r"(?<![\w])[A-Z][\w'\-]*[a-z][\w'\-]*(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w'\-]*)*")
# A number is not part of a word: "76ers", "10News" or "21st" would otherwise add "76", "10", "21".
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?!\w)")
_YEAR_LO, _YEAR_HI = 1950, 2039
# Capitalised words that start sentences or are too generic to identify an event.
_ENTITY_STOP = _STOP | {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "yesterday",
    "advertisement", "read", "share", "click", "subscribe", "photo", "video", "related", "comments",
}


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens with unified quotes/dashes (like `normalize.words`, minus accent
    stripping, which costs more than the whole rest of featurisation and rarely matters here)."""
    if text.isascii():
        return _ASCII_WORD.findall(text.lower().replace(",", ""))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2011", "-").replace("\u2010", "-")
    return _WORD.findall(text.lower().replace(",", ""))


# Memo tables: the same words, names and counts recur across articles, and crc32/np.log/the entity clean-up
# are per-item Python calls. Cached values are the very ones computed before, so decisions are unchanged.
# Bounded: cleared when they grow past _CACHE_MAX entries (a day of news has far fewer distinct words).
_CACHE_MAX = 1 << 20
_TERM_IDS: dict[str, int] = {}
_HASHES: dict[str, int] = {}
_ENTITY_WORDS: dict[str, tuple[str, ...]] = {}
_LOG_TF: dict[int, float] = {}


def term_id(term: str) -> int:
    tid = _TERM_IDS.get(term)
    if tid is None:
        if len(_TERM_IDS) > _CACHE_MAX:
            _TERM_IDS.clear()
        tid = _TERM_IDS[term] = zlib.crc32(term.encode("utf-8")) & TERM_MASK
    return tid


def _hash32(term: str) -> int:
    h = _HASHES.get(term)
    if h is None:
        if len(_HASHES) > _CACHE_MAX:
            _HASHES.clear()
        h = _HASHES[term] = zlib.crc32(term.encode("utf-8"))
    return h


def _hashes(terms: list[str]) -> list[int]:
    get = _HASHES.get
    out = [get(t) for t in terms]
    if None in out:
        out = [_hash32(t) for t in terms]
    return out


def _log_tf(c: int) -> float:
    v = _LOG_TF.get(c)
    if v is None:
        v = _LOG_TF[c] = 1.0 + float(np.log(c))
    return v


def _sorted_unique(values: list[int], limit: int) -> np.ndarray:
    arr = np.unique(np.asarray(values[: limit * 4], dtype=np.int64))
    return arr[:limit] if arr.size > limit else arr


def _entity_words(match: str) -> tuple[str, ...]:
    words_ = _ENTITY_WORDS.get(match)
    if words_ is None:
        if len(_ENTITY_WORDS) > _CACHE_MAX:
            _ENTITY_WORDS.clear()
        words_ = _ENTITY_WORDS[match] = tuple(w for w in match.lower().split() if w not in _ENTITY_STOP)
    return words_


def entities(text: str) -> list[str]:
    """Capitalised word sequences (people, places, organisations), lower-cased; cheap, no tagger."""
    out: list[str] = []
    for match in _ENTITY.findall(text):
        words_ = _entity_words(match)
        if not words_:
            continue
        out.append(" ".join(words_))
        if len(words_) > 1:  # "Sarah Palin" also matches a later bare "Palin"
            out.append(words_[-1])
    return out


# Digits of other scripts (Arabic-Indic, Persian, Devanagari, full-width, ...) -> ASCII, so a number survives
# translation: "۱۹۱۸" in a Persian version and "1918" in the English one hash alike. ASCII text is left untouched.
_DIGITS = {ord(c): str(int(c)) for c in map(chr, range(0x660, 0x10000)) if c.isdecimal()}


# Scripts written without spaces between words (Han, kana, Hangul syllables) attach numbers to their words
# ("在36小时", "1987年", "3명"): such a letter next to a number does not make it part of a word.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def numbers(text: str) -> list[str]:
    if not text.isascii():
        text = _UNSPACED.sub(" ", text.translate(_DIGITS))
    out = []
    for raw in _NUMBER.findall(text):  # no groups in the pattern: findall gives the whole match
        n = raw.replace(",", "").rstrip(".") if "," in raw or raw[-1] == "." else raw
        if len(n) >= 2 or "." in n:  # single digits are too common to tell events apart
            out.append(n)
    return out


def days(published: str | None) -> float:
    """Days since the epoch, or NaN when unknown or unparseable."""
    if not published:
        return float("nan")
    try:
        dt = datetime.fromisoformat(published.strip().replace("Z", "+00:00")[:25])
    except ValueError:
        try:
            dt = datetime.fromisoformat(published.strip()[:10])
        except ValueError:
            return float("nan")
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return (dt - datetime(1970, 1, 1)).total_seconds() / 86400.0


@dataclass(slots=True)
class ArticleFeatures:
    terms: np.ndarray  # sorted unique term ids (int64)
    tf: np.ndarray  # 1 + log(count), aligned with terms (float32)
    ents: np.ndarray  # sorted unique entity hashes
    nums: np.ndarray  # sorted unique number hashes
    title: np.ndarray  # sorted unique title-word hashes
    shingles: list[str]  # word 3-grams for MinHash (not stored)
    day: float
    lead: str  # text for the sentence embedding
    year: float = float("nan")  # the year the opening mentions most (NaN when none)
    xl_lead: str = ""  # text for the cross-lingual document vector (title + opening, shorter: the model is slower)
    lang: str | None = None  # the article's language (its analysis), set by `prepare`/`prepared_from_print`
    xl: np.ndarray | None = None  # cross-lingual document vector of `xl_lead`, when a multilingual model ran


def _is_content(t: str) -> bool:
    return t not in _STOP and len(t) > 1 and not t.isdigit()


def featurize(article: Article) -> ArticleFeatures:
    """Per-article features; pure and independent per article, so a batch may run in any order or in parallel."""
    title = (article.title or "")[:500]
    text = (article.text or "")[:MAX_CHARS]
    # tokens(title + "\n" + text) == tokens(title) + tokens(text): no token spans the newline, and both
    # regexes agree on ASCII text. Tokenising the body once saves a full pass.
    title_toks = tokens(title) if title else []
    body_toks = tokens(text)
    toks = title_toks + body_toks
    # Count all tokens, then filter the distinct ones: same counts and same first-seen order (most_common breaks
    # ties by it) as counting the filtered list, with the filter run once per distinct word.
    stop = _STOP
    counts = Counter(
        {t: c for t, c in Counter(toks).items() if t not in stop and len(t) > 1 and not t.isdigit()}
    ).most_common(TOP_TERMS)
    ids: dict[int, float] = {}
    tget, lget = _TERM_IDS.get, _LOG_TF.get
    for term, c in counts:
        tid = tget(term)
        if tid is None:
            tid = term_id(term)
        v = lget(c)
        if v is None:
            v = _log_tf(c)
        old = ids.get(tid)  # two words rarely share a hashed id: keep the larger weight
        ids[tid] = v if old is None or v > old else old
    order = sorted(ids)
    terms = np.asarray(order, dtype=np.int64)
    tf = np.asarray([ids[t] for t in order], dtype=np.float32)
    # Entities and numbers come from the opening of the article: the lede names the event;
    # the tail is where background and page junk live.
    head = title + "\n" + text[:3000]
    ents = _sorted_unique(_hashes(entities(head)[: MAX_ENTITIES * 4]), MAX_ENTITIES)
    num_list = numbers(head)
    nums = _sorted_unique(_hashes(num_list[: MAX_NUMBERS * 4]), MAX_NUMBERS)
    if title.strip():
        ttoks = title_toks
    else:
        ttoks = []
        for t in toks:  # the first MAX_TITLE content words
            if len(ttoks) == MAX_TITLE:
                break
            if _is_content(t):
                ttoks.append(t)
    tt = _sorted_unique(_hashes([t for t in ttoks if t not in _STOP][: MAX_TITLE * 4]), MAX_TITLE)
    body = (body_toks or toks)[:MAX_SHINGLE_TOKENS]
    if len(body) >= SHINGLE:
        shingles = list(map(" ".join, zip(*(body[i:] for i in range(SHINGLE)), strict=False)))
    else:
        shingles = [" ".join(body)]
    lead = (title + ". " if title else "") + " ".join(text[:700].split())
    xl = xl_lead_of(article)
    return ArticleFeatures(terms, tf, ents, nums, tt, shingles, days(article.published), lead,
                           main_year(num_list), xl, article.language)


def xl_lead_of(article: Article) -> str:
    """The text the cross-lingual document vector reads: title and opening (~100 tokens; the model is slow)."""
    title = (article.title or "")[:500]
    return (title + "\n" if title else "") + " ".join((article.text or "")[:XL_LEAD_CHARS].split())


def main_year(num_list: list[str]) -> float:
    """The most-mentioned plausible year in the opening (ties: first mentioned), NaN when there is none."""
    years = [n for n in num_list if len(n) == 4 and n.isdigit() and _YEAR_LO <= int(n) <= _YEAR_HI]
    return float(Counter(years).most_common(1)[0][0]) if years else float("nan")
