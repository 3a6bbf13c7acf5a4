"""Cited sources: the news organisations an article credits or quotes as its source.

Why patterns and not a list: the agencies that matter for a story are often small or local ("North Press",
"Intelligence Online"), so a name counts as a medium when a *strong* cue shows it is one (a dateline credit
"(X) –", a media noun "the French website X", "a report by X", "X reported", "X contributed to this report").
Weak cues ("told X", "according to X", "X said") only confirm names already known to be media: from a short list
of agencies (needed to canonicalise "AP" -> "Associated Press") or from a strong cue elsewhere in the same text.
"""

from __future__ import annotations

import functools
import re

from wiretrace.text.media import (
    AGENCIES,
    ALIASES,
    DATELINE_HEAD,
    DESCRIPTOR,
    MEDIA_NOUN,
    MEDIA_WORD_RX,
    MEDIA_WORDS,
    ORG_NOUN,
    canonical,
)

_ALIAS = ALIASES

_MEDIA_NOUN = MEDIA_NOUN
_ORG_NOUN = ORG_NOUN
_DESCRIPTOR = DESCRIPTOR
_TOK = r"(?:[A-Z][\w&.\-’']*[\w]|[A-Z]{2,})"
_ADJ = rf"(?![ ]+(?:[a-z][\w\-]*[ ]+){{1,3}}{_MEDIA_NOUN}[ ]+[A-Z])"  # "French" in "the French news website X"
_NAME = rf"(?P<name>{_TOK}(?:[ ]+(?:of[ ]+|de[ ]+|for[ ]+)?{_TOK}){{0,4}})\b{_ADJ}"
_POSS = r"(?:[A-Z][\w\-]*['’]s\s+)?"
_DESC = r"(?:(?:the|a|an)\s+)?(?:[a-z][\w\-]*\s+){0,3}"

# Strong cues: the name is a medium because of how it is mentioned.
_STRONG = [
    re.compile(rf"{DATELINE_HEAD}\s*\({_NAME}\)\s*[-–—:]"),  # ANKARA, Sept 15 (X) –
    re.compile(rf"^\s*\({_NAME}\)\s*[-–—]?\s*[A-Z]"),  # (AP) HONOLULU -
    re.compile(rf"\b{_MEDIA_NOUN}\s+{_NAME}"),  # the French intelligence website Intelligence Online
    # (?=[A-Zt]): every match starts with a capital or "the"; the look-ahead only makes other positions fail fast.
    re.compile(rf"(?=[A-Zt]){_POSS}(?:\bthe\s+)?{_NAME}\s+{_ORG_NOUN}\b"),  # Russia's Sputnik news agency
    # "Additional reporting by <person>" is a credit, and "reporting from <place>" a location.
    re.compile(rf"(?<![Aa]dditional )\b(?:report|article|story|interview)\s+(?:published\s+|carried\s+)?"
               rf"(?:by|in|from)\s+(?:the\s+)?{_POSS}{_NAME}"),
    re.compile(rf"(?<![Aa]dditional )(?<!\()\breporting\s+(?:by|in)\s+(?:the\s+)?{_POSS}{_NAME}"),
    re.compile(rf"\b(?:reported|quoted|cited|carried|broadcast|published)\s+by\s+(?:the\s+)?{_POSS}{_NAME}"),
    re.compile(rf"{_NAME}\s+(?:has\s+|had\s+)?(?:reported|reports)(?=\s+(?:that|on|in|last|earlier|this|late)\b|\s*[.,;])"),
    re.compile(rf"\b(?:reported|reports)\s+(?:the\s+)?{_NAME}\s*[.,;]"),
    re.compile(rf"\b{_NAME}\s+(?:cited|quoted)\s+(?:an?\s+|the\s+)?(?:[a-z][\w\-]*\s+){{0,4}}(?:source|official)"),
]
# Weak cues: accepted only for names known to be media.
_WEAK = [
    re.compile(rf"\btold\s+(?:the\s+)?{_POSS}{_NAME}"),
    # "<person> contributed to this report" is a staff credit: only media names count
    re.compile(rf"{_NAME}\s+(?:has\s+|had\s+)?(?:contributed|quoted)\b"),
    re.compile(rf"\baccording\s+to\s+(?:the\s+)?{_POSS}{_NAME}"),
    re.compile(rf"\b(?:citing|via)\s+(?:the\s+)?{_POSS}{_NAME}"),
    re.compile(rf"\b(?:said|wrote|added)\s+(?:the\s+)?{_NAME}\s*[.,;]"),
    re.compile(rf"\b{_NAME}\s+(?:has\s+|had\s+)?(?:said|says|revealed|reveals|wrote|writes|learned|cited|added)\b"),
    re.compile(rf"\b(?:emailed|sent|seen|obtained|reviewed)\s+(?:to\s+|by\s+)(?:the\s+)?{_NAME}"),
]
_STOP = {
    "the", "he", "she", "it", "they", "we", "i", "this", "that", "a", "an", "officials", "sources", "source",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "report", "reports", "reporters",
    "but", "and", "in", "on", "at", "as", "if", "when", "while", "after", "before", "today", "yesterday", "last",
    "your", "our", "his", "her", "their", "its", "my", "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
    "earlier", "president", "minister", "police", "state", "government", "us", "u.s", "un",
}


# Cue words per pattern (each is a whole `\w+` token wherever its pattern matches): a paragraph without any of
# them cannot match, so the pattern is not run on it. `None`: anchored patterns, cheap enough to always run.
_MEDIA_FIRST = frozenset({"news", "press", "wire", "agency", "website", "web", "portal", "newspaper", "daily", "weekly",
                          "outlet", "broadcaster", "magazine", "channel", "television", "radio", "tabloid",
                          "publication"})
_ORG_FIRST = frozenset({"news", "press", "wire", "agency", "website", "web", "portal", "newspaper", "daily",
                        "broadcaster", "outlet", "magazine", "tabloid"})
_STRONG_REQ: list[frozenset[str] | None] = [
    None, None, _MEDIA_FIRST, _ORG_FIRST, frozenset({"report", "article", "story", "interview"}), frozenset({"reporting"}),
    frozenset({"reported", "quoted", "cited", "carried", "broadcast", "published"}), frozenset({"reported", "reports"}),
    frozenset({"reported", "reports"}), frozenset({"cited", "quoted"}),
]
_WEAK_REQ: list[frozenset[str]] = [
    frozenset({"told"}), frozenset({"contributed", "quoted"}), frozenset({"according"}), frozenset({"citing", "via"}),
    frozenset({"said", "wrote", "added"}),
    frozenset({"said", "says", "revealed", "reveals", "wrote", "writes", "learned", "cited", "added"}),
    frozenset({"emailed", "sent", "seen", "obtained", "reviewed"}),
]
# A strong cue anywhere in a paragraph: "(" or one of these words (the old `_STRONG_CUE` screen, as a token test).
_STRONG_CUE_WORDS = _MEDIA_FIRST | {"report", "reporting", "article", "story", "dispatch", "interview", "reported",
                                    "reports", "quoted", "cited", "carried", "broadcast", "published", "contributed"}
_KNOWN_RX = re.compile(r"\b(?:" + "|".join(sorted((re.escape(a) for al in AGENCIES.values() for a in al), key=len, reverse=True)) + r")\b"
                       r"|" + MEDIA_WORD_RX.pattern)
# First word of every known name: a paragraph holding none of them as a token cannot match `_KNOWN_RX`.
_KNOWN_FIRST = frozenset({re.match(r"\w+", a).group(0) for al in AGENCIES.values() for a in al}
                         | set(MEDIA_WORDS))
_TOKENS = re.compile(r"\w+")
_GATE_WORDS = frozenset(_STRONG_CUE_WORDS | _KNOWN_FIRST | frozenset().union(*_WEAK_REQ)
                        | frozenset().union(*(r for r in _STRONG_REQ if r is not None)))
_ALWAYS_STRONG = tuple(i for i, r in enumerate(_STRONG_REQ) if r is None)


# Known names that are one `\w+` token: such a token in a paragraph is itself a `_KNOWN_RX` match.
_KNOWN_ONE_TOKEN = frozenset(a for al in AGENCIES.values() for a in al if re.fullmatch(r"\w+", a)) | frozenset(
    MEDIA_WORDS)


def _gate_info(word: str) -> tuple[int, int, bool, int]:
    """Bit masks of the strong and weak patterns `word` enables; is it a strong cue; known: 0 no, 1 the first word
    of a known name, 2 a whole known name (no `_KNOWN_RX` search needed)."""
    strong = sum(1 << i for i, r in enumerate(_STRONG_REQ) if r is not None and word in r)
    weak = sum(1 << i for i, r in enumerate(_WEAK_REQ) if word in r)
    known = 2 if word in _KNOWN_ONE_TOKEN else 1 if word in _KNOWN_FIRST else 0
    return strong, weak, word in _STRONG_CUE_WORDS, known


# Gate words as ASCII bytes (all are ASCII): simple paragraphs are tokenised on bytes (see `_gate_tokens`).
_GATE = {w.encode(): _gate_info(w) for w in _GATE_WORDS}
_GATE_BYTES = frozenset(_GATE)
# `\w` on ASCII is [A-Za-z0-9_]: everything else -> " " (non-ASCII characters of simple text are "?" after encoding).
_TOK_TABLE = bytes(c if chr(c).isalnum() and c < 128 or c == ord("_") else ord(" ") for c in range(256))
_NOT_SIMPLE = re.compile(r"[^\x00-\x7f’‘“”—–…]")
_TOK_TABLE_NL = _TOK_TABLE[:10] + b"\n" + _TOK_TABLE[11:]  # the same, newlines kept


def _gate_tokens(para: str) -> set:
    r"""The gate words among `para`'s `\w+` tokens (as bytes): on simple text, by bytes.translate + split.

    Simple text (ASCII plus typographic quotes/dashes/ellipsis, none of them word characters) has exactly the
    `\w+` tokens of its ASCII bytes with every non-[A-Za-z0-9_] byte turned into a space.
    """
    if para.isascii() or not _NOT_SIMPLE.search(para):
        return _GATE_BYTES.intersection(para.encode("ascii", "replace").translate(_TOK_TABLE).split())
    return _GATE_BYTES.intersection(t.encode() for t in _TOKENS.findall(para))


def _names_regex(extra: set[str]) -> re.Pattern[str] | None:
    """A small pattern for this article's strong names; the big known-name pattern is compiled once, separately."""
    return _names_regex_cached(frozenset(extra)) if extra else None


@functools.lru_cache(maxsize=4096)
def _names_regex_cached(extra: frozenset[str]) -> re.Pattern[str]:
    alts = "|".join(sorted((re.escape(n) for n in extra), key=len, reverse=True))
    return re.compile(rf"\b(?:{alts})\b")


def _clean_name(raw: str) -> str | None:
    """Trim leading stop words and trailing lower-case words; None for non-names."""
    parts = raw.split()
    while parts and parts[0].casefold().strip(".,") in _STOP:
        parts = parts[1:]
    # "Reuters On" (sentence run-on): cut at the first stop word.
    for i, p in enumerate(parts):
        if i and p.casefold() in _STOP:
            parts = parts[:i]
            break
    if not parts:
        return None
    name = canonical(" ".join(parts))
    if len(name) < 2 or name.casefold() in _STOP:
        return None
    return name


def _is_known(name: str) -> bool:
    return name.casefold() in _ALIAS or name in AGENCIES or bool(MEDIA_WORD_RX.search(name))


def _best_prefix(raw: str, ok) -> str | None:  # noqa: ANN001
    """Longest leading run of words that passes `ok` ("Reuters Thursday" -> "Reuters")."""
    parts = raw.split()
    for k in range(len(parts), 0, -1):
        name = _clean_name(" ".join(parts[:k]))
        if name and ok(name):
            return name
    return None


def extract_cited_sources(text: str, dateline: str | None = None) -> list[str]:
    """Canonical names of the news organisations `text` credits as its source, in order of first mention.

    A "Reporting by ..." credit line implies the agency of the dateline (an agency's own copy).
    """
    if not text:
        return []
    found: list[tuple[int, str]] = []
    strong: set[str] = set()
    # Patterns run only on paragraphs holding a cue word (cheap screen; most paragraphs have none): each gate word
    # found as a token enables the patterns that need it (bit masks, see `_gate_info`).
    paras = []
    # Simple text is tokenised in one pass (bytes lines align with the text's lines: one byte per character).
    simple = text.isascii() or not _NOT_SIMPLE.search(text)
    blines = text.encode("ascii", "replace").translate(_TOK_TABLE_NL).split(b"\n") if simple else None
    next_off = 0
    for k, para in enumerate(text.split("\n")):
        off, next_off = next_off, next_off + len(para) + 1
        if not para:  # the paragraphs are the maximal runs of non-newline characters
            continue
        smask = wmask = known = 0
        cue = False
        for tok in (_GATE_BYTES.intersection(blines[k].split()) if blines is not None else _gate_tokens(para)):
            s_, w_, c_, k_ = _GATE[tok]
            smask |= s_
            wmask |= w_
            cue = cue or c_
            known = max(known, k_)
        paras.append((off, para, smask, wmask, known))
        if not cue and "(" not in para:
            continue
        for i, rx in enumerate(_STRONG):
            if not (smask >> i) & 1 and i not in _ALWAYS_STRONG:
                continue
            for m2 in rx.finditer(para):
                name = _clean_name(m2.group("name"))
                if not name:
                    continue
                # A strong cue on a multi-word run: prefer the longest known-medium prefix when there is one.
                known_name = _best_prefix(m2.group("name"), _is_known)
                name = known_name or name
                if (_looks_like_person_or_place(name) or _DESCRIPTOR.match(name)) and not known_name:
                    continue
                strong.add(name)
                found.append((off + m2.start("name"), name))
    extra_rx = _names_regex(strong)
    for off, para, _smask, wmask, known in paras:
        if not wmask or not (known == 2 or (known and _KNOWN_RX.search(para))
                             or (extra_rx is not None and extra_rx.search(para))):
            continue
        for i, rx in enumerate(_WEAK):
            if not (wmask >> i) & 1:
                continue
            for m in rx.finditer(para):
                name = _best_prefix(m.group("name"), lambda n: n in strong or _is_known(n))
                if name:
                    found.append((off + m.start("name"), name))
    if dateline:  # the dateline credit: the agency whose copy this is (a "Reporting by" line confirms it)
        m = re.search(r"\(([^)]{2,40})\)", dateline)
        if m:
            name = _clean_name(m.group(1))
            if name:
                found.append((-1, name))
    out: list[str] = []
    for _, name in sorted(found, key=lambda x: x[0]):
        if name not in out:
            out.append(name)
    return out


_NON_MEDIA_HEAD = re.compile(
    r"^(?:Mr|Mrs|Ms|Dr|President|Minister|Prime|Secretary|General|Gen|Senator|Sen|Rep|Governor|Gov|King|Queen|"
    r"Prince|Judge|Justice|Chief|Officer|Spokesman|Spokeswoman)\b"
)


def _looks_like_person_or_place(name: str) -> bool:
    """Titles mark people ("President Erdogan reported")."""
    return bool(_NON_MEDIA_HEAD.match(name))
