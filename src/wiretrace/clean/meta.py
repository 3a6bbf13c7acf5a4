"""Metadata found in the text itself: dateline, credit-line bylines, dates, language."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

from wiretrace.clean.lines import is_simple
from wiretrace.text.media import DATELINE, DATELINE_AGENCY_FIRST, DATELINE_MIXED

_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}

_CREDIT_PART = re.compile(
    r"(?:Additional\s+)?(?P<role>reporting|writing|written|editing|edited|compiled)\s+by\s+(?P<names>[^;]+)", re.I
)
_NAME_WORD = r"[A-Z][\w'’\-.]*"
PERSON = re.compile(rf"^(?:{_NAME_WORD}\s+){{1,3}}{_NAME_WORD}$")


def find_dateline(text: str) -> dict[str, str] | None:
    """The dateline opening the text: place, agency, month-day, the matched span."""
    head = text[:300]
    m = DATELINE.match(head)
    if m and (m.group("agency") or m.group("date")) and m.group("dash"):
        place = m.group("place").strip()
        if len(place) >= 2 and not place.isdigit():
            return {"place": place, "agency": (m.group("agency") or "").strip(), "date": m.group("date") or "",
                    "full": m.group(0).strip()}
    m = DATELINE_MIXED.match(head)
    if m:
        return {"place": (m.group("place") or "").strip(), "agency": m.group("agency").strip(),
                "date": m.group("date0") or m.group("date") or "", "full": m.group(0).strip()}
    m = DATELINE_AGENCY_FIRST.match(head)
    if m:
        return {"place": m.group("place").strip(), "agency": m.group("agency").strip(), "date": "",
                "full": m.group(0).strip()}
    return None


def credit_bylines(line: str) -> list[str]:
    """Writers/reporters named in "Reporting by A in X and B; editing by C" (editors are not bylines)."""
    out: list[str] = []
    for m in _CREDIT_PART.finditer(line):
        if m.group("role").lower().startswith("edit"):
            continue
        for part in re.split(r",\s*|\s+and\s+|\s*&\s*", m.group("names")):
            part = re.sub(r"\s+(?:in|at|from)\s+[A-Z].*$", "", part.strip(" .;:()"))
            part = re.sub(r"^(?:and|by)\s+", "", part)
            if PERSON.match(part) and part not in out:
                out.append(part)
    return out


def resolve_date(day: str, reference: str | None, published_year: int | None = None) -> str | None:
    """'Sept 15' -> ISO date when a year is known (from the reference date); never invented otherwise."""
    m = re.match(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:,\s+(\d{4}))?", day)
    if not m:
        return None
    month = _MONTHS.get(m.group(1)[:3].lower())
    year = int(m.group(3)) if m.group(3) else published_year
    if year is None and reference:
        try:
            ref = date.fromisoformat(reference[:10])
        except ValueError:
            return None
        year = ref.year
        try:
            if date(year, month or 1, int(m.group(2))) > ref + timedelta(days=2):
                year -= 1
        except ValueError:
            return None
    if not (month and year):
        return None
    try:
        return date(year, month, int(m.group(2))).isoformat()
    except ValueError:
        return None


_RELATIVE = re.compile(r"\b(today|yesterday|on (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))\b", re.I)
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def relative_date(text: str, reference: str | None) -> str | None:
    """Publication date from the first relative word, only when a reference date is set."""
    if not reference:
        return None
    try:
        ref = date.fromisoformat(reference[:10])
    except ValueError:
        return None
    m = _RELATIVE.search(text[:600])
    if not m:
        return None
    word = m.group(1).lower()
    if word == "today":
        return ref.isoformat()
    if word == "yesterday":
        return (ref - timedelta(days=1)).isoformat()
    # "on Thursday" in a news story: the most recent such day up to the reference date.
    back = (ref.weekday() - _WEEKDAYS.index(m.group(2).lower())) % 7
    return (ref - timedelta(days=back)).isoformat()


_STOPWORDS = {
    "en": "the and of to in is that for it was on with as by said are at from",
    "fr": "le la les et des du une est que pour dans qui pas sur au",
    "de": "der die und das ist nicht mit den von zu sich auf ein eine",
    "es": "el la los las que de y en por para una con del se",
    "it": "il di che la per non una con sono gli della del le",
    "pt": "que os não uma com para por mais das dos como foi",
    "nl": "de het een van en dat niet zijn op met voor ook",
    "tr": "ve bir bu için ile de da olarak çok daha gibi",
}
_SW = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}


_TOKENS = re.compile(r"\w+")
# Stop word -> the languages that list it (as str, and as ASCII bytes for the bytes tokens of simple text).
_LANGS_OF = {w: tuple(lang for lang, sw in _SW.items() if w in sw) for w in frozenset().union(*_SW.values())}
_LANGS_OF_B = {w.encode(): langs for w, langs in _LANGS_OF.items() if w.isascii()}
# Lower-cased simple text as ASCII bytes: [a-z0-9_] kept, every other byte -> " " (its non-ASCII characters, typographic
# quotes/dashes/ellipsis, are not word characters and become "?" when encoded).
_LOW_TOK_TABLE = bytes(c if (chr(c).isalnum() and chr(c).islower() or chr(c).isdigit()) and c < 128 or c == ord("_")
                       else ord(" ") for c in range(256))


def _stopword_scores(sample: str) -> tuple[int, dict[str, int]]:
    r"""Number of `\w+` tokens of the lower-cased sample, and per language the count of its stop-word tokens."""
    low = sample.lower()
    if is_simple(sample):
        # On simple text \w+ is [a-z0-9_]+ after lower(): tokenised on bytes, only stop words are counted.
        words = low.encode("ascii", "replace").translate(_LOW_TOK_TABLE).split()
        langs_of = _LANGS_OF_B
    else:
        words = _TOKENS.findall(low)
        langs_of = _LANGS_OF
    scores = dict.fromkeys(_SW, 0)
    for w, c in Counter(filter(langs_of.__contains__, words)).items():
        for lang in langs_of[w]:
            scores[lang] += c
    return len(words), scores


def detect_language(text: str) -> str | None:
    """ISO 639-1 code: py3langid (model shipped in the package) when installed, else a stop-word profile."""
    sample = text[:2000]
    n_words, scores = _stopword_scores(sample)
    if n_words < 3:
        return None
    # Fast path: clear English (the common case) needs no model.
    en = scores["en"]
    if n_words >= 40 and en >= 0.12 * n_words and all(v < en / 3 for lang, v in scores.items() if lang != "en"):
        return "en"
    try:
        import py3langid

        lang, _ = py3langid.classify(sample[:800])
        return str(lang)
    except Exception:  # noqa: BLE001 - optional dependency; fall back to stop words
        best = max(scores, key=scores.get)
        return best if scores[best] >= 2 else None
