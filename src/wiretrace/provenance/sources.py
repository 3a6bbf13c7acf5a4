"""Who an article credits, sentence by sentence, and which names are news media.

Attribution phrases ("told Reuters", "X reported", "according to a report
by X", "(Reuters) –" datelines, "Reporting by ..." credit lines) are matched
with regular expressions. Only names that are news media count as origins:
a short gazetteer of wire agencies, any name the story itself describes
as an agency/website/newspaper, and dateline credits. Persons ("Erdogan
said") never become origins that way.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from wiretrace.text.media import AGENCIES, COMPOUND_DESCRIPTOR, CREDIT_IN_TEXT, DATELINE_HEAD, MEDIA_NOUN, canonical

_MEDIA_NOUN = MEDIA_NOUN
# Names: capitalised words. Every quantifier is possessive and a name starts only where a word starts, so a
# search is linear in the text even on hostile input (a 40,000-letter word, a page of capitalised words).
_START = r"(?<![\w&.\-])"
_NAME_TOKEN = r"[A-Z](?:\w|[&.\-](?=\w))*+"  # "Reuters", "AT&T", "U.S", "Agence France-Presse"
NAME = rf"{_START}(?:The\s++)?{_NAME_TOKEN}(?:\s++(?:of\s++|de\s++|for\s++)?{_NAME_TOKEN}){{0,4}}"
_POSS = rf"(?:{_START}[A-Z][\w\-]*+['’]s\s++)?"  # "Russia's Sputnik"

_TAIL = r"(?P<tail>[^.;:!?\n]{1,90})"  # the credited name is the first medium named in what follows the cue
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("told", re.compile(rf"\btold\s+{_TAIL}")),
    ("seen_by", re.compile(rf"\b(?:seen|obtained|reviewed|emailed|contacted|interviewed)\s+by\s+{_TAIL}")),
    (
        "according_to",
        re.compile(rf"\b(?:according\s+to|reported\s+by|as\s+reported\s+by|cited\s+by|quoted\s+by|citing)\s+{_TAIL}"),
    ),
    (
        "report_by",
        re.compile(rf"\b(?:report|reporting|article|story|dispatch|interview)\s+(?:published\s+|carried\s+)?(?:by|in|with|from)\s+{_TAIL}"),
    ),
    ("said_x", re.compile(rf"\b(?:said|reported|wrote|added)\s+(?:the\s+)?{_POSS}(?P<name>{NAME})\s*[.,;]")),
    (
        "x_reported",
        re.compile(
            rf"(?P<name>{NAME})(?:\s+{_MEDIA_NOUN})?\s+(?:has\s+|had\s+)?"
            rf"(?:reported|reports|revealed|reveals|quoted|cited|wrote|writes|said|says|learned|learnt|added)\b"
        ),
    ),
]
_NAME_RX = re.compile(NAME)
_TAIL_STOP = re.compile(r"\b(?:that|who|which|as|on|in|at|when|after|before|about|of)\b\s")
_MEDIA_AFTER = re.compile(rf"{_POSS}(?P<name>{NAME})\s+{_MEDIA_NOUN}\b")
_MEDIA_BEFORE = re.compile(rf"\b{_MEDIA_NOUN}\s+(?P<name>{NAME})")
_DATELINE = re.compile(rf"{DATELINE_HEAD}\((?P<name>{NAME})\)\s*[-–—:]")
_CREDIT_LINE = CREDIT_IN_TEXT
_THIRD_PERSON = {"according_to", "report_by", "said_x", "x_reported"}
_FIRST_PERSON = {"told", "seen_by"}
_STOP_NAMES = {
    "the", "he", "she", "it", "they", "we", "i", "this", "that", "officials", "sources", "source", "reuters.com",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "report",
}


@dataclass(slots=True)
class Credit:
    """One attribution of a sentence's content to a named source."""

    name: str
    cue: str  # told | seen_by | according_to | report_by | said_x | x_reported | dateline | title
    sentence: int


def story_media_names(texts: Iterable[str]) -> set[str]:
    """Names the texts themselves describe as media ("the Polar Wire agency", "website Intelligence Online")."""
    found: set[str] = set()
    for text in texts:
        for rx in (_MEDIA_AFTER, _MEDIA_BEFORE, _DATELINE):
            for m in rx.finditer(text):
                name = canonical(m.group("name"))
                if name.casefold() not in _STOP_NAMES and len(name) > 1 and not COMPOUND_DESCRIPTOR.match(name):
                    found.add(name)
    return found


_AGENCY_AFTER = re.compile(rf"{_POSS}(?P<name>{NAME})\s+(?:news\s+|press\s+)?agency\b")
_AGENCY_BEFORE = re.compile(rf"\b(?:news|press)\s+agency\s+(?P<name>{NAME})")


def story_agency_names(texts: Iterable[str]) -> set[str]:
    """Names described as an agency, or credited in a dateline (an agency's house style)."""
    found: set[str] = set()
    for text in texts:
        for rx in (_AGENCY_AFTER, _AGENCY_BEFORE, _DATELINE):
            for m in rx.finditer(text):
                found.add(canonical(m.group("name")))
    return found


def is_media(name: str, known: set[str]) -> bool:
    return name in AGENCIES or name in known


_DATELINE_FIELD = re.compile(rf"\((?P<name>{NAME})\)\s*[-–—:]?\s*$")


def dateline_credit(text: str, field_only: bool = False) -> str | None:
    """The agency credited in a dateline: 'ANKARA, Sept 15 (Reuters) –' -> 'Reuters'.

    `field_only`: `text` is the cleaner's `dateline` field, where the dash after the credit may be gone.
    """
    m = (_DATELINE_FIELD if field_only else _DATELINE).search(text)
    return canonical(m.group("name")) if m else None


def has_credit_line(texts: Iterable[str]) -> bool:
    """Agency credit lines ("Reporting by ...; Editing by ...") mark an agency's own copy."""
    return any(_CREDIT_LINE.search(t) for t in texts)


def sentence_credits(text: str, index: int, known: set[str]) -> list[Credit]:
    """Media credited by one sentence (names that are not media are dropped)."""
    out: list[Credit] = []
    seen: set[str] = set()
    for cue, rx in _PATTERNS:
        for m in rx.finditer(text):
            if "tail" in rx.groupindex:
                tail = m.group("tail")
                cut = _TAIL_STOP.search(tail, 1)  # "told Reuters that ...": stop at the clause
                tail = tail[: cut.start()] if cut else tail
                name = next((n for n in (_best_media_prefix(x.group(0), known) for x in _NAME_RX.finditer(tail)) if n),
                            None)
            else:
                name = _best_media_prefix(m.group("name"), known)
            if name and name not in seen:
                seen.add(name)
                out.append(Credit(name, cue, index))
    return out


def _best_media_prefix(raw: str, known: set[str]) -> str | None:
    """The longest leading run of capitalised words that is a media name ("Reuters On Thursday" -> "Reuters")."""
    parts = raw.split()
    for k in range(len(parts), 0, -1):
        name = canonical(" ".join(parts[:k]))
        if name.casefold() in _STOP_NAMES:
            continue
        if is_media(name, known):
            return name
    return None


def extra_cited(text: str) -> list[str]:
    """Names from the clean stage's per-sentence extractor, when that helper exists."""
    try:
        from wiretrace import clean
    except Exception:  # noqa: BLE001 - the clean stage is optional here
        return []
    fn = getattr(clean, "extract_cited_sources", None)
    if fn is None:
        return []
    try:
        names = fn(text) or []
    except Exception:  # noqa: BLE001 - never let a helper's bug break provenance
        return []
    return [canonical(n if isinstance(n, str) else str(getattr(n, "name", n))) for n in names]


@dataclass(slots=True)
class Profile:
    """What one article says about where its text comes from."""

    article_id: str
    publisher: str | None = None  # dateline credit, byline or outlet: who put this text out
    outlet: str | None = None
    credits: list[Credit] = field(default_factory=list)
    weights: Counter = field(default_factory=Counter)
    credit_line: bool = False

    def primary(self, min_primary: float) -> str | None:
        """The most-credited medium (ties: the one credited earliest).

        It needs `min_primary` weighted credits (`ProvenanceSettings.min_primary`): a credit in the title or lead,
        two credits, or the agency's own dateline. A single passing "X reported" deep in the text makes X a
        secondary origin of that sentence, not the article's origin.
        """
        if not self.weights or max(self.weights.values()) < min_primary:
            return None
        first = {}
        for c in self.credits:
            first.setdefault(c.name, c.sentence)
        return max(self.weights, key=lambda n: (self.weights[n], -first.get(n, 10**6), n))

    def sentences_crediting(self, name: str) -> list[int]:
        return sorted({c.sentence for c in self.credits if c.name == name and c.sentence >= 0})

    def count(self, name: str, cues: set[str]) -> int:
        return sum(1 for c in self.credits if c.name == name and c.cue in cues)


def profile_article(article, sentences: list[str], known: set[str]) -> Profile:
    """Credits of every sentence, the title and the metadata of one article."""
    prof = Profile(article.id, outlet=article.outlet)
    pub = dateline_credit(article.dateline or "", field_only=True) or next(
        (dateline_credit(s) for s in sentences[:8] if dateline_credit(s)), None
    )
    if pub is None:
        for b in article.byline or []:
            name = canonical(re.sub(r"(?<!\s)\s+(?:staff|Staff|reporters|Reporters|newsroom)$", "",
                                    str(b).removeprefix("By ").removeprefix("by ")))
            if is_media(name, known):
                pub = name
                break
    prof.publisher = pub
    if pub:
        prof.credits.append(Credit(pub, "dateline", 0))
    for i, s in enumerate(sentences):
        creds = sentence_credits(s, i, known)
        names = {c.name for c in creds}
        for extra in extra_cited(s):
            if extra not in names and is_media(extra, known):
                creds.append(Credit(extra, "cited", i))
        prof.credits.extend(creds)
    if article.title:
        for c in sentence_credits(article.title, -1, known):
            prof.credits.append(Credit(c.name, "title", -1))
        for name in _title_suffix_credit(article.title, known):
            if not any(c.cue == "title" and c.name == name for c in prof.credits):
                prof.credits.append(Credit(name, "title", -1))
    for name in article.cited_sources or []:
        cname = canonical(str(name))
        if is_media(cname, known):
            prof.weights[cname] += 0.5
    for c in prof.credits:
        if c.cue == "dateline":
            continue
        w = 2.0 if c.cue == "title" else 1.0
        if 0 <= c.sentence <= 1:
            w += 0.5  # the lead names the story's source
        prof.weights[c.name] += w
    if pub and pub not in prof.weights and prof.outlet in (None, pub):
        prof.weights[pub] += 2.0  # an agency's own copy credits itself through its dateline
    prof.credit_line = has_credit_line(sentences)
    return prof


def _title_suffix_credit(title: str, known: set[str]) -> list[str]:
    """'Turkey and Syria step up contacts: Reuters' / '... – Reuters' credit the agency."""
    m = re.search(r"[:\-–—|]\s*(?P<name>[^:\-–—|]{2,40})\s*$", title)
    if not m:
        return []
    name = canonical(m.group("name"))
    return [name] if is_media(name, known) else []
