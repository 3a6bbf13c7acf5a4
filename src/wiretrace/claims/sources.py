"""Who is speaking: normalise sources within and across a story's articles.

Three kinds of source, three rules:
- named people and organisations: accents and case folded, titles dropped, a
  short name joined to the longest name in the story that contains it
  (Erdogan -> Recep Tayyip Erdogan), an acronym to the expansion printed
  beside it anywhere in the story ("National Intelligence Organization (MIT)");
- anonymous sources: kept with their descriptor, reduced to a signature
  (role noun, ordinal, affiliation words with synonyms merged) so that "a
  regional source aligned with Damascus" and "a local source close to
  Damascus" meet, while "a third regional source" stays apart;
- pronouns and definite descriptions ("he", "the official", "the agency"):
  tied to the nearest earlier source of the same article that fits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wiretrace.text.normalize import fold, words

PRONOUNS = {"he", "she", "they", "it", "we", "i", "him", "her", "them"}
_PLURAL_PRON = {"they", "we", "them"}
ROLE_NOUNS = {
    "source": "source", "sources": "source", "official": "official", "officials": "official",
    "diplomat": "diplomat", "diplomats": "diplomat", "spokesman": "spokesperson", "spokeswoman": "spokesperson",
    "spokesperson": "spokesperson", "person": "person", "people": "person", "insider": "source", "insiders": "source",
    "aide": "aide", "aides": "aide", "analyst": "analyst", "analysts": "analyst", "security": "security",
    "negotiator": "negotiator", "negotiators": "negotiator", "member": "member", "members": "member",
    "delegate": "delegate", "delegates": "delegate", "officer": "officer", "officers": "officer",
    "lawmaker": "lawmaker", "lawmakers": "lawmaker", "adviser": "adviser", "advisers": "adviser",
    "advisor": "adviser", "advisors": "adviser", "witness": "witness", "witnesses": "witness",
}
ORDINALS = {"second", "third", "fourth", "fifth", "another", "other"}
# Words that say on whose side an anonymous source stands; merged so rewordings meet.
_AFFILIATION = {
    "aligned": "aligned", "allied": "aligned", "close": "aligned", "supportive": "aligned", "loyal": "aligned",
    "pro": "aligned", "backed": "aligned", "friendly": "aligned", "near": "aligned",
    "local": "regional", "regional": "regional", "area": "regional",
    "senior": "senior", "high": "senior", "top": "senior", "ranking": "senior",
    "informed": "informed", "knowledgeable": "informed", "familiar": "informed",
}
# Capital and government are the same side for an affiliation ("close to Damascus" / "pro-government").
_SIDE = {"government": "government", "regime": "government", "administration": "government"}
_DROP = {
    "a", "an", "the", "one", "two", "three", "four", "some", "several", "of", "to", "with", "and", "who", "is", "in",
    "on", "by", "that", "his", "her", "their", "its", "said", "condition", "anonymity", "as", "reported", "same",
}
TITLES = {
    "president", "prime", "minister", "foreign", "defense", "defence", "secretary", "head", "chief", "director",
    "spokesman", "spokeswoman", "mr", "mrs", "ms", "dr", "gen", "general", "senator", "sen", "rep", "gov",
    "governor", "king", "queen", "leader", "chairman", "ceo", "former", "deputy", "vice",
    "turkish", "russian", "syrian", "american", "us", "u.s", "reporter", "pollster", "adviser",
}
# Institution nouns that remain of a phrase once nationality and title words are dropped.
_INSTITUTIONS = {"ministry", "government", "office", "agency", "department", "embassy", "army", "military", "police",
                 "council", "parliament", "committee", "administration", "presidency", "commission"}
_ACRONYM_DEF = re.compile(r"((?:[A-Z][\w’'-]*\s+)(?:(?:of|for|and|the|de)\s+|[A-Z][\w’'-]*\s+){0,7}[A-Z][\w’'-]*)\s*\(([A-Z]{2,8})\)")


@dataclass(slots=True)
class Speaker:
    """A resolved source: the key groups mentions, the label is what a reader sees."""

    key: str
    label: str
    anonymous: bool
    members: list[str] = field(default_factory=list)


def acronyms(texts: list[str]) -> dict[str, str]:
    """{acronym: expansion} from "National Intelligence Organization (MIT)" anywhere in the story."""
    out: dict[str, str] = {}
    for text in texts:
        for m in _ACRONYM_DEF.finditer(text):
            exp, acr = m.group(1).strip(), m.group(2)
            toks = [t for t in re.findall(r"[A-Za-z][\w’'-]*", exp)]
            # Keep the trailing words whose initials spell the acronym ("Turkey's National ... (MIT)").
            caps = [t for t in toks if t[0].isupper()]
            for k in range(len(toks)):
                tail = toks[k:]
                initials = "".join(t[0] for t in tail if t[0].isupper())
                if initials.upper() == acr.upper() or initials.upper() == acr.upper()[: len(initials)] == acr.upper():
                    out[acr] = " ".join(tail)
                    break
            else:
                if caps:
                    out.setdefault(acr, " ".join(toks[-len(acr):]))
    return out


def has_role(text: str) -> bool:
    """A role noun (source, official, diplomat ...) in the phrase: a descriptor, not a name."""
    return any(t in ROLE_NOUNS and ROLE_NOUNS[t] != "security" for t in words(text))


def _name_tokens(text: str) -> list[str]:
    toks = [t for t in words(text.replace("’s", "").replace("'s", "")) if t not in _DROP]
    return [t for t in toks if t not in TITLES and t not in ("'s", "s")]


def is_anonymous(text: str) -> bool:
    toks = words(text)
    if not toks:
        return False
    has_role = any(t in ROLE_NOUNS for t in toks)
    has_name = any(w[:1].isupper() and fold(w) not in _DROP and fold(w) not in TITLES and fold(w) not in ROLE_NOUNS
                   for w in re.findall(r"[^\W\d_][\w’'-]*", text)[1:])
    return has_role and not _looks_named(text) or (has_role and not has_name)


def _looks_named(text: str) -> bool:
    """Two capitalised name words in a row (Hakan Fidan) mark a named person, not a descriptor."""
    return re.search(r"\b[A-Z][a-zçğıöşüé’'-]+\s+[A-Z][a-zçğıöşüé’'-]+\b", text) is not None and not any(
        fold(w) in ROLE_NOUNS for w in text.split()[-2:]
    )


def anonymous_signature(text: str) -> tuple[str, str, frozenset[str]]:
    """(role, ordinal, affiliation words) of an anonymous descriptor."""
    toks = words(text.replace("-", " "))
    role = ""
    ordinal = ""
    rest: set[str] = set()
    for t in toks:
        if t in ROLE_NOUNS and not role:
            role = ROLE_NOUNS[t]
        elif t in ROLE_NOUNS and ROLE_NOUNS[t] == "security":
            rest.add("security")
        elif t in ORDINALS:
            ordinal = "other" if t in ("another", "other") else t
        elif t in _AFFILIATION:
            rest.add(_AFFILIATION[t])
        elif t in _SIDE:
            rest.add("side:" + _SIDE[t])
        elif t not in _DROP and t not in ROLE_NOUNS:
            rest.add(t)
    return role, ordinal, frozenset(rest)


def source_count(text: str) -> int:
    """How many sources a phrase names: "a senior official and a security source" names two."""
    parts = re.split(r"\s+(?:and|&)\s+", text)
    return max(1, sum(1 for p in parts if any(t in ROLE_NOUNS for t in words(p))))


def same_anonymous(a: str, b: str, capitals: dict[str, str] | None = None) -> bool:
    """Two anonymous descriptors for the same source: same role and ordinal, affiliations that agree, as many
    sources named (a pair of sources is not one of its members)."""
    if source_count(a) != source_count(b):
        return False
    ra, oa, wa = anonymous_signature(a)
    rb, ob, wb = anonymous_signature(b)
    if ra != rb or oa != ob or not ra:
        return False
    capitals = capitals or {}
    wa = frozenset(capitals.get(w, w) for w in wa)
    wb = frozenset(capitals.get(w, w) for w in wb)
    if not wa or not wb:
        return wa == wb
    small, big = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    return len(small & big) / len(small) >= 0.6


def named_key(text: str, aliases: dict[str, str]) -> str:
    """Folded name without titles; an acronym replaced by its expansion."""
    raw = text.strip()
    for acr, exp in aliases.items():
        if re.fullmatch(rf"(?:the\s+)?(?:[\w’']+[’']s\s+)?{re.escape(acr)}", raw, flags=re.I):
            raw = exp
    toks = _name_tokens(raw)
    return " ".join(toks)


def unify_names(keys: set[str]) -> dict[str, str]:
    """Map every name key to the longest key in the story whose words contain it (Erdogan -> recep tayyip erdogan)."""
    out: dict[str, str] = {}
    # Ties ("bush" in "george w bush" and "obama reverses bush") go the same way in every run, whatever the
    # order of `keys` (a set's order changes with the interpreter's string hashing).
    ordered = sorted(keys, key=lambda k: (-len(k.split()), -len(k), k))
    keys = sorted(keys)
    for k in keys:
        if k in _INSTITUTIONS:
            # "the Russian Foreign Ministry" keeps only "ministry" once titles go: not a name to join to another's.
            out[k] = k
            continue
        toks = set(k.split())
        best = k
        for other in ordered:
            if other != k and toks and toks <= set(other.split()) and len(other.split()) > len(best.split()):
                best = other
                break
        out[k] = best
    return out


def resolve_reference(text: str, earlier: list[tuple[str, Speaker]]) -> Speaker | None:
    """The antecedent of a pronoun or definite description among the article's earlier sources (nearest first)."""
    folded = fold(text).strip()
    toks = words(text)
    if not toks:
        return None
    if folded in PRONOUNS:
        plural = folded in _PLURAL_PRON
        for src_text, sp in reversed(earlier):
            if fold(src_text) in PRONOUNS:
                continue
            if plural == (words(src_text)[-1:] and words(src_text)[-1].endswith("s") or " and " in src_text):
                return sp
            if not plural:
                return sp
        return None
    if toks[0] not in ("the", "this", "that") or _looks_named(text):
        return None
    head = toks[-1]
    want = set(toks[1:-1]) - _DROP
    for src_text, sp in reversed(earlier):
        for part in re.split(r"\s+and\s+", src_text):
            ptoks = words(part)
            if head in ptoks or (head in ROLE_NOUNS and ROLE_NOUNS.get(head) in {ROLE_NOUNS.get(t) for t in ptoks}):
                if want <= set(ptoks) | {_AFFILIATION.get(t, t) for t in ptoks} or not want:
                    return sp if len(re.split(r"\s+and\s+", src_text)) == 1 else Speaker(
                        sp.key + "|" + part, part.strip(), is_anonymous(part), [part.strip()]
                    )
    return None
