"""Time expressions of one article, resolved against the article's own reference date.

Why in two steps: dateparser (already a dependency) knows what a phrase means in some 200 languages ("la semaine
dernière" is one week ago, "vor zwei Wochen" two weeks ago) but its `search_dates` finds phrases badly in running
text (it returns "just this week in" and "20 years, the second" as dates). So the phrases are *found* here, with
patterns built from dateparser's own per-language word lists (months, weekdays, its relative phrases such as "last
week" and "il y a N jours") plus a small hand-written table of what dateparser has no notion of: parts of a period
("end of August", "fin août", "mediados de agosto"), "earlier this week", and "last/next" before or after a weekday.
Each phrase is then *resolved* by dateparser against the reference date, and turned here into inclusive bounds with a
precision (day, week, month, year).

Nothing is invented: an article without a reference date resolves only what is written out ("Sept 15, 2019"); a
reference without a year ("Sept 15" in a dateline) gives dates without a year ("--09-15"), widened where the weekday
matters; what cannot be resolved is kept as text with no bounds.
"""

from __future__ import annotations

import importlib
import logging
import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from wiretrace.model import TimeMention

log = logging.getLogger(__name__)

PROXY_YEAR = 2001  # a year-less reference is computed in a non-leap year, then written without a year
Bounds = tuple[date, date]

# -- the hand-written part: what dateparser's data does not say -------------------------------------------------------
# Per language: part-of-period prefixes (end/start/mid), "earlier/later" before "this week|month|year",
# weekday direction words before (`last Friday`) or after (`vendredi dernier`), and number words for "N weeks ago".
_PARTS: dict[str, dict[str, Any]] = {
    "en": {
        "end": r"(?:the\s+)?(?:end|close)\s+of(?:\s+the)?|late",
        "start": r"(?:the\s+)?(?:beginning|start)\s+of(?:\s+the)?|early",
        "mid": r"(?:the\s+)?middle\s+of(?:\s+the)?|mid-|mid",
        "earlier": r"earlier", "later": r"later",
        "past_before": r"last|past|previous", "next_before": r"next|coming", "this_before": r"this",
        "numbers": "one two three four five six seven eight nine ten eleven twelve",
    },
    "fr": {
        "end": r"(?:à\s+la\s+)?fin(?:\s+(?:de|du|d['’]))?", "start": r"(?:au\s+)?début(?:\s+(?:de|du|d['’]))?",
        "mid": r"(?:à\s+la\s+)?mi-|(?:au\s+)?milieu\s+(?:de|du|d['’])",
        "earlier_after": r"plus\s+tôt", "past_after": r"dernier|passé", "next_after": r"prochain",
        "numbers": "un deux trois quatre cinq six sept huit neuf dix onze douze",
    },
    "de": {
        "end": r"(?:Ende|ende)", "start": r"(?:Anfang|Beginn|anfang)", "mid": r"(?:Mitte|mitte)",
        "past_before": r"(?:am\s+)?(?:letzten|vergangenen)", "next_before": r"(?:am\s+)?(?:nächsten|kommenden)",
        "numbers": "ein zwei drei vier fünf sechs sieben acht neun zehn elf zwölf",
    },
    "es": {
        "end": r"(?:a\s+)?(?:finales|fines)\s+de|(?:al\s+)?final\s+de", "start": r"(?:a\s+)?(?:principios|comienzos|inicios)\s+de",
        "mid": r"(?:a\s+)?mediados\s+de", "past_after": r"pasado|pasada", "next_after": r"próximo|que\s+viene",
        "next_before": r"(?:el\s+)?próximo",
        "numbers": "un dos tres cuatro cinco seis siete ocho nueve diez once doce",
    },
    "it": {
        "end": r"(?:alla\s+)?fine(?:\s+di)?", "start": r"(?:all['’])?inizio(?:\s+di)?", "mid": r"(?:a\s+)?metà",
        "past_after": r"scorso|scorsa", "next_after": r"prossimo|prossima",
        "numbers": "un due tre quattro cinque sei sette otto nove dieci undici dodici",
    },
    "pt": {
        "end": r"(?:no\s+)?final\s+de|(?:em\s+)?fins\s+de", "start": r"(?:no\s+)?início\s+de|(?:em\s+)?princípios\s+de",
        "mid": r"(?:em\s+)?meados\s+de", "past_after": r"passada|passado", "next_after": r"próxima|próximo",
        "numbers": "um dois três quatro cinco seis sete oito nove dez onze doze",
    },
    "nl": {
        "end": r"eind|einde", "start": r"begin", "mid": r"half|medio", "past_before": r"afgelopen|vorige",
        "next_before": r"volgende|komende",
        "numbers": "een twee drie vier vijf zes zeven acht negen tien elf twaalf",
    },
}
_NUM_EXTRA = {"en": {"a": 1, "an": 1}, "fr": {"une": 1}, "es": {"una": 1, "dos": 2}, "it": {"una": 1},
              "pt": {"uma": 1, "duas": 2}, "de": {"einer": 1, "einem": 1}}
# Words that often precede a time expression but are not part of its meaning (stripped before resolving).
_LEAD = re.compile(r"^(?:on|the|le|la|el|am|il|lo|o|a|de|em|op|in)\s+", re.I)
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_YEAR_PREP = {"en": r"in|since|until|by|from|during|before|after|of|early|late|mid-?",
              "fr": r"en|depuis|avant|après|de|jusqu['’]en", "de": r"im\s+Jahr|seit|bis|vor|nach|von|Jahr",
              "es": r"en|desde|hasta|de|del", "it": r"nel|dal|fino\s+al|del", "pt": r"em|desde|até|de",
              "nl": r"in|sinds|tot|van"}
_CAPITALISED_NAMES = {"en", "de"}  # languages that write month and weekday names with a capital


@dataclass(frozen=True)
class _Lexicon:
    lang: str
    pattern: re.Pattern[str]
    months: dict[str, int]
    weekdays: dict[str, int]
    numbers: dict[str, int]
    triggers: frozenset[str]  # a sentence holding none of these words (and no digit) holds no expression


def _names(info: dict, keys: list[str], capital: bool, min_len: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for k, key in enumerate(keys, 1):
        for name in info.get(key, []):
            name = name.strip(".").lower()
            if len(name) >= min_len and name.replace("-", "").isalpha():
                out[name] = k
    return out


def _alt(words: list[str], capital: bool) -> str:
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        esc = re.escape(w)
        parts.append(f"[{w[0].upper()}]{re.escape(w[1:])}" if capital else f"(?i:{esc})")
    return "(?:" + "|".join(parts) + ")"


_MONTH_KEYS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december"]
_WEEKDAY_KEYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@lru_cache(maxsize=32)
def lexicon(lang: str) -> _Lexicon | None:
    """Patterns for one language, from dateparser's data for it (None: a language dateparser does not know)."""
    try:
        info = importlib.import_module(f"dateparser.data.date_translation_data.{lang}").info
    except (ImportError, ValueError):
        return None
    parts = _PARTS.get(lang, {})
    cap = lang in _CAPITALISED_NAMES
    months = _names(info, _MONTH_KEYS, cap, 3)
    # An abbreviation is a name that starts another name of its month ("sept" / "september")
    full_months = {n: m for n, m in months.items()
                   if not any(o != n and o.startswith(n) and mo == m for o, mo in months.items())}
    abbr_months = {n: m for n, m in months.items() if n not in full_months}
    weekdays = _names(info, _WEEKDAY_KEYS, cap, 5)
    numbers = {w: k for k, w in enumerate(parts.get("numbers", "").split(), 1)} | _NUM_EXTRA.get(lang, {})
    for simp in info.get("simplifications", []):
        for word, value in simp.items():
            if isinstance(value, str) and value.isdigit() and word.isalpha():
                numbers.setdefault(word.lower(), int(value))
    num = r"(?:\d{1,3}|" + _alt(list(numbers), False) + ")" if numbers else r"\d{1,3}"

    month_full = _alt(list(full_months), cap)
    # An abbreviation counts only with its dot or next to a day number ("Sept 15", "15 sept.").
    month_abbr = _alt(list(abbr_months), cap) + r"\.?" if abbr_months else None
    month_any = f"(?:{month_full}|{month_abbr})" if month_abbr else month_full
    day = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th|er|º)?"
    day_dot = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th|er|º|\.)?"  # "15. September": the dot before the month
    de = r"(?:\s+de)?" if lang in ("es", "pt") else ""
    comma_year = rf"(?:,?\s+(?:de\s+)?{_YEAR})?"
    absolute = [
        rf"{day_dot}{de}\s+{month_any}{comma_year}(?!\d)",  # 15 September 2019, 15 de septiembre de 2019, 15. September
        rf"{month_any}\.?\s+{day}(?!\d){comma_year}(?!\d)",  # Sept 15, 2019
        rf"{month_full}(?:{de}\s+{_YEAR})?(?!\w)",  # August, August 2019, agosto de 2019
        rf"{month_abbr}(?:\s+{_YEAR})(?!\w)" if month_abbr else None,  # Aug. 2019
        r"\d{4}-\d{2}-\d{2}(?!\d)",
        r"(?:[12]\d|3[01]|0?[1-9])[./](?:1[0-2]|0?[1-9])[./](?:19|20)\d\d(?!\d)",
    ]
    relative: list[str] = []
    for key, phrases in (info.get("relative-type") or {}).items():
        if re.fullmatch(r"(?:in )?[012] (?:day|week|month|year)(?: ago)?|(?:last|this|next) \w+day", key):
            relative += ["(?i:" + re.escape(p).replace(r"\ ", r"\s+") + ")" for p in phrases if len(p) >= 3 and not p.endswith(" mo")
                         and not p.endswith((" wk", " yr", " sem", " ant"))]
    for key, regexes in (info.get("relative-type-regex") or {}).items():
        if re.search(r"(?:day|week|month|year)", key):
            for rx in regexes:
                # The unit written out after the number ("2 weeks", "zwei Wochen"), never "2y" or "in 2d"
                if re.search(r"\\d\*\+\)\s+[^\W\d]{2,}", rx):
                    body = rx.replace(r"(\d++[.,]?\d*+)", f"(?:{num})").replace(" ", r"\s+")
                    if re.search(r"\w{3,}", body.replace("(?:", "").replace("(?i:", "")):
                        relative.append(f"(?i:{body})")
    weekday = _alt(list(weekdays), cap)
    wd_before = "|".join(parts[k] for k in ("past_before", "next_before", "this_before") if k in parts)
    wd_after = "|".join(parts[k] for k in ("past_after", "next_after") if k in parts)
    weekday_expr = (rf"(?:(?i:{wd_before})\s+)?" if wd_before else "") + weekday + (
        rf"(?:,?\s+(?:{day}\s+{month_any}|{month_any}\s+{day})(?!\d){comma_year})?"
    ) + (rf"(?:\s+(?i:{wd_after}))?" if wd_after else "")
    periodic = [p for p in relative if re.search(r"(?i)week|month|year|semaine|mois|année|woche|monat|jahr|semana"
                                                  r"|mes|año|settimana|mese|anno|mês|ano|week|maand|jaar", p)]
    part_words = "|".join(parts[k] for k in ("end", "start", "mid") if k in parts)
    core = "|".join(x for x in absolute + [weekday_expr] + relative if x)
    expr = f"(?:{core})"
    if part_words:
        expr = rf"(?:(?i:{part_words})\s*(?:{expr}|{_YEAR}(?!\d)))|{expr}"
    if "earlier" in parts and periodic:
        expr = rf"(?:(?i:{parts['earlier']}|{parts['later']})\s+(?:{'|'.join(periodic)}))|{expr}"
    if "earlier_after" in parts and periodic:
        expr = rf"(?:(?i:{parts['earlier_after']})\s+(?:{'|'.join(periodic)}))|{expr}"
    year_prep = _YEAR_PREP.get(lang)
    # Lookbehind needs a fixed width: try the year after each preposition separately.
    years = []
    if year_prep:
        for prep in year_prep.split("|"):
            if "\\s" in prep or "?" in prep or "[" in prep:
                continue
            years.append(rf"(?<=\b{prep}\s){_YEAR}(?![\d%]|[.,]\d)")
            if prep != prep.capitalize():  # the same word opening a sentence ("Since 2011, ...")
                years.append(rf"(?<=\b{prep.capitalize()}\s){_YEAR}(?![\d%]|[.,]\d)")
    full = rf"(?<![\w-])(?:{expr}{'|' + '|'.join(years) if years else ''})(?![\w])"
    flags = 0 if cap else re.IGNORECASE
    words = set(months) | set(weekdays)
    for phrase in relative:
        words |= {w.lower() for w in re.findall(r"[^\W\d_]{3,}", phrase.replace("(?i:", "").replace("(?:", ""))}
    words -= set(numbers)
    return _Lexicon(lang, re.compile(full, flags), months, weekdays, numbers, frozenset(words))


# -- reference dates ------------------------------------------------------------------------------------------------
def parse_reference(value: str | None) -> tuple[date, bool] | None:
    """(date, year known) from "2019-09-15" or "--09-15"; None when there is no usable reference."""
    if not value:
        return None
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), True
        except ValueError:
            return None
    m = re.match(r"^--(\d{2})-(\d{2})$", value)
    if m:
        try:
            return date(PROXY_YEAR, int(m.group(1)), int(m.group(2))), False
        except ValueError:
            return None
    return None


def show(d: date, year_known: bool) -> str:
    return d.isoformat() if year_known else d.strftime("--%m-%d")


# -- finding and resolving ------------------------------------------------------------------------------------------
_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"[^\W\d_]+")
def find_times(text: str, sentences: list[tuple[int, int]], language: str | None,
               reference: str | None) -> list[TimeMention]:
    """Every time expression in the article's sentences, resolved against `reference` where it can be."""
    lang = (language or "en").split("-")[0].lower()
    lex = lexicon(lang) or lexicon("en")
    assert lex is not None
    ref = parse_reference(reference)
    out: list[TimeMention] = []
    for i, (s, e) in enumerate(sentences):
        # The pattern is a long alternation: a set lookup first skips the many sentences that cannot hold a match
        if not _DIGIT.search(text, s, e) and lex.triggers.isdisjoint(_TOKEN.findall(text[s:e].lower())):
            continue
        for m in lex.pattern.finditer(text, s, e):
            phrase = m.group(0)
            if not phrase.strip() or _is_noise(phrase, lex, text[max(s, m.start() - 12) : m.start()]):
                continue
            mention = TimeMention(start=m.start(), end=m.end(), text=phrase, sentence=i)
            try:
                resolved = resolve(phrase, lex, ref)
            except Exception as exc:  # noqa: BLE001 - one odd phrase never stops an article
                log.debug("time expression %r not resolved: %s", phrase, exc)
                resolved = None
            if resolved is not None:
                (lo, hi), precision, relative, year_known = resolved
                mention.earliest, mention.latest = show(lo, year_known), show(hi, year_known)
                mention.precision = precision
                mention.relative = relative
            out.append(mention)
    return out


_MONTH_WORD_BEFORE = re.compile(r"(?i)\b(?:in|of|since|until|till|by|early|late|mid|last|next|this|during|from|before|"
                                r"after|end|through|to|and|or)\s+$")


def _is_noise(phrase: str, lex: _Lexicon, before: str) -> bool:
    """An English month name that is also a common word ("May we", "march on") counts only after a word that
    introduces a time ("in May", "since March")."""
    return lex.lang == "en" and phrase.strip().lower() in ("may", "march") and not _MONTH_WORD_BEFORE.search(before)


@lru_cache(maxsize=64)
def _parser(lang: str, base: datetime, prefer: str):
    from dateparser.date import DateDataParser

    return DateDataParser(languages=[lang], settings={
        "RELATIVE_BASE": base, "PREFER_DATES_FROM": prefer, "RETURN_TIME_AS_PERIOD": True,
        "PREFER_DAY_OF_MONTH": "first", "STRICT_PARSING": False})


def _split_part(phrase: str, lex: _Lexicon) -> tuple[str | None, str]:
    parts = _PARTS.get(lex.lang, {})
    for kind in ("earlier", "later", "end", "start", "mid"):
        rx = parts.get(kind)
        if rx:
            m = re.match(rf"(?i)(?:{rx})\s*", phrase)
            if m and m.end() < len(phrase):
                return kind, phrase[m.end():]
    rx = parts.get("earlier_after")
    if rx:
        m = re.match(rf"(?i)(?:{rx})\s+", phrase)
        if m:
            return "earlier", phrase[m.end():]
    return None, phrase


def _weekday_of(core: str, lex: _Lexicon) -> tuple[int, str] | None:
    """(weekday 0-6, direction "past"|"next"|"this"|"") when the phrase is a bare weekday, maybe with last/next."""
    parts = _PARTS.get(lex.lang, {})
    low = core.lower().strip()
    direction = ""
    for key, d in (("past_before", "past"), ("next_before", "next"), ("this_before", "this")):
        rx = parts.get(key)
        if rx and (m := re.match(rf"(?i)(?:{rx})\s+", low)):
            low, direction = low[m.end():], d
    for key, d in (("past_after", "past"), ("next_after", "next")):
        rx = parts.get(key)
        if rx and (m := re.search(rf"(?i)\s+(?:{rx})$", low)):
            low, direction = low[: m.start()], d
    low = _LEAD.sub("", low)
    if low in lex.weekdays:
        return lex.weekdays[low] - 1, direction
    return None


def _numbers_to_digits(core: str, lex: _Lexicon) -> str:
    def one(m: re.Match[str]) -> str:
        w = m.group(0).lower()
        return str(lex.numbers[w]) if w in lex.numbers else m.group(0)

    return re.sub(r"[^\W\d_]+", one, core)


def resolve(phrase: str, lex: _Lexicon, ref: tuple[date, bool] | None
            ) -> tuple[Bounds, str, bool, bool] | None:
    """((earliest, latest), precision, relative, year known) for one phrase; None when it cannot be resolved.
    Cached: a store's articles repeat the same few phrases against the same few dates ("on Friday", "this week")."""
    return _resolve(phrase.strip(), lex.lang, ref)


@lru_cache(maxsize=20000)
def _resolve(phrase: str, lang: str, ref: tuple[date, bool] | None) -> tuple[Bounds, str, bool, bool] | None:
    lex = lexicon(lang)
    assert lex is not None
    part, full = _split_part(phrase.strip(), lex)
    core = _LEAD.sub("", full.strip()).strip()
    has_year = re.search(_YEAR + r"(?!\d)", core) is not None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", core) is not None
    wd = _weekday_of(core, lex)
    wd_date = re.search(r"\d", core) is not None  # "Friday, Sept 15": the date decides, not the weekday
    if wd is not None and not wd_date:
        if ref is None:
            return None
        return _weekday(wd[0], wd[1], ref, part)
    absolute = has_year or _mentions_month(core, lex)
    if not absolute and ref is None:
        return None
    base = ref[0] if ref else date(PROXY_YEAR, 6, 15)
    written = _written_date(core, lex)
    if written is not None:  # day / month / year written out: read here, dateparser is only needed for the rest
        got, period = written
        return _finish(got, period, has_year, True, part, ref)
    parser = _parser(lex.lang, datetime(base.year, base.month, base.day), "past")
    data = None
    for text in dict.fromkeys([_numbers_to_digits(full, lex), _numbers_to_digits(core, lex), core]):
        data = parser.get_date_data(text)
        if data is not None and data.date_obj is not None:
            break
    if data is None or data.date_obj is None:
        return None
    got = data.date_obj.date()
    period = data.period or "day"
    if period not in ("day", "week", "month", "year"):
        period = "day"
    return _finish(got, period, has_year, absolute, part, ref)


_WRITTEN = re.compile(r"^(?:(?P<d1>\d{1,2})(?:st|nd|rd|th|er|º|\.)?\s+(?:de\s+)?)?(?P<m>[^\W\d_][^\W\d_.-]*(?:-[^\W\d_]+)?)\.?"
                      r"(?:\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?)?(?:,?\s+(?:de\s+)?(?P<y>\d{4}))?$|^(?P<y0>\d{4})$")


def _written_date(core: str, lex: _Lexicon) -> tuple[date, str] | None:
    """ "Sept 15, 2019", "15 de septiembre de 2019", "August", "2011": (a date, its period), read with the lexicon."""
    m = _WRITTEN.match(core)
    if not m:
        return None
    if m.group("y0"):
        return date(int(m.group("y0")), 1, 1), "year"
    month = lex.months.get(m.group("m").lower())
    if month is None or (m.group("d1") and m.group("d2")):
        return None
    day = m.group("d1") or m.group("d2")
    year = int(m.group("y")) if m.group("y") else PROXY_YEAR
    try:
        return (date(year, month, int(day)), "day") if day else (date(year, month, 1), "month")
    except ValueError:
        return None


def _finish(got: date, period: str, has_year: bool, absolute: bool, part: str | None,
            ref: tuple[date, bool] | None) -> tuple[Bounds, str, bool, bool] | None:
    year_known = has_year or (ref is not None and ref[1])
    if absolute and not has_year:
        if ref is not None and ref[1]:
            got = _nearest_year(got, ref[0], period)
        elif period == "year":
            return None  # a year-less "year"? nothing to say
    elif not absolute and ref is not None and not ref[1] and period == "year":
        return None  # "last year" against a reference without a year
    bounds = _bounds(got, period, weekday_known=year_known or not _needs_weekday(period))
    precision = period
    if part is not None:
        narrowed = _narrow(bounds, period, part, ref, year_known)
        if narrowed is None:
            return None
        bounds, precision = narrowed
    return bounds, precision, not absolute, year_known


def _mentions_month(core: str, lex: _Lexicon) -> bool:
    low = core.lower()
    return any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", low) for n in lex.months) or bool(
        re.search(r"\d{1,2}[./]\d{1,2}[./]\d{4}", core))


def _needs_weekday(period: str) -> bool:
    return period == "week"


FUTURE_DAYS = 92  # a date without its year is taken in the future only when that is this close (news report the past)


def _nearest_year(got: date, ref: date, period: str) -> date:
    """A date written without its year: the occurrence starting within FUTURE_DAYS after the reference if there is
    one ("in February", written in January), else the latest one that has begun by the reference."""
    cands = []
    for y in (ref.year - 1, ref.year, ref.year + 1):
        try:
            cands.append(got.replace(year=y))
        except ValueError:  # Feb 29 in a common year
            continue
    soon = [c for c in cands if 0 < (_bounds(c, period, True)[0] - ref).days <= FUTURE_DAYS]
    if soon:
        return min(soon)
    begun = [c for c in cands if _bounds(c, period, True)[0] <= ref]
    return max(begun) if begun else got


def _bounds(d: date, period: str, weekday_known: bool) -> Bounds:
    if period == "day":
        return d, d
    if period == "week":
        if not weekday_known:
            return d - timedelta(days=6), d + timedelta(days=6)
        monday = d - timedelta(days=d.weekday())
        return monday, monday + timedelta(days=6)
    if period == "month":
        return d.replace(day=1), d.replace(day=monthrange(d.year, d.month)[1])
    return date(d.year, 1, 1), date(d.year, 12, 31)


def _narrow(bounds: Bounds, period: str, part: str, ref: tuple[date, bool] | None, year_known: bool
            ) -> tuple[Bounds, str] | None:
    lo, hi = bounds
    if part in ("earlier", "later"):
        if ref is None:
            return None
        r = ref[0]
        if not lo <= r <= hi:
            return None
        if period == "week" and not year_known:
            lo, hi = r - timedelta(days=6), r + timedelta(days=6)
        narrowed = (lo, r - timedelta(days=1)) if part == "earlier" else (r + timedelta(days=1), hi)
        if narrowed[0] > narrowed[1]:
            return None
        return narrowed, period
    if period == "month":
        last = hi.day
        if part == "end":
            return (hi - timedelta(days=6), hi), "week"
        if part == "start":
            return (lo, lo + timedelta(days=6)), "week"
        return (lo.replace(day=11), lo.replace(day=min(20, last))), "week"
    if period == "year":
        if part == "end":
            return (date(lo.year, 9, 1), hi), "month"
        if part == "start":
            return (lo, date(lo.year, 4, 30)), "month"
        return (date(lo.year, 5, 1), date(lo.year, 8, 31)), "month"
    return bounds, period


def _weekday(target: int, direction: str, ref: tuple[date, bool], part: str | None
             ) -> tuple[Bounds, str, bool, bool] | None:
    """A weekday named alone: the latest such day up to the reference ("on Friday" in news reports the past),
    the next one after it for "next Friday"; without the reference's year the weekday is unknown, so the
    bounds widen to the seven days it must fall in."""
    if part is not None:
        return None
    r, year_known = ref
    if not year_known:
        if direction == "next":
            return (r + timedelta(days=1), r + timedelta(days=7)), "week", True, False
        if direction == "past":
            return (r - timedelta(days=7), r - timedelta(days=1)), "week", True, False
        return (r - timedelta(days=6), r), "week", True, False
    if direction == "next":
        d = r + timedelta(days=((target - r.weekday()) % 7) or 7)
    elif direction == "this":
        d = r - timedelta(days=r.weekday()) + timedelta(days=target)
    elif direction == "past":
        d = r - timedelta(days=((r.weekday() - target) % 7) or 7)
    else:
        d = r - timedelta(days=(r.weekday() - target) % 7)
    return (d, d), "day", True, True
