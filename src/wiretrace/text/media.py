"""The one gazetteer of wire agencies and large outlets that stories commonly credit.

Why a list at all: crediting patterns find small and local media on their own, but "AP" must become
"Associated Press" and "told Reuters" must count even when nothing else in the text says Reuters is a medium.
Cleaning (cited sources) and provenance (origins) share this list so that both name an agency the same way.
"""

from __future__ import annotations

# Canonical name -> aliases as written in articles.
AGENCIES: dict[str, tuple[str, ...]] = {
    "Reuters": ("Reuters", "Thomson Reuters"),
    "Associated Press": ("Associated Press", "AP"),
    "AFP": ("AFP", "Agence France-Presse", "Agence France Presse"),
    "Bloomberg": ("Bloomberg", "Bloomberg News"),
    "Sputnik": ("Sputnik",),
    "TASS": ("TASS", "Tass"),
    "RIA Novosti": ("RIA Novosti", "RIA"),
    "Interfax": ("Interfax",),
    "Xinhua": ("Xinhua",),
    "Anadolu Agency": ("Anadolu Agency", "Anadolu"),
    "Kyodo": ("Kyodo", "Kyodo News"),
    "Yonhap": ("Yonhap",),
    "dpa": ("dpa", "DPA", "Deutsche Presse-Agentur"),
    "ANSA": ("ANSA",),
    "EFE": ("EFE",),
    "Europa Press": ("Europa Press",),
    "PTI": ("PTI", "Press Trust of India"),
    "IANS": ("IANS",),
    "UPI": ("UPI", "United Press International"),
    "IRNA": ("IRNA",),
    "SANA": ("SANA",),
    "WAFA": ("WAFA",),
    "Al Jazeera": ("Al Jazeera",),
    "BBC": ("BBC",),
    "CNN": ("CNN",),
}

# Alias (case-folded) -> canonical name.
ALIASES: dict[str, str] = {a.casefold(): canon for canon, aliases in AGENCIES.items() for a in aliases}

# -- the other media facts every stage shares (one home: clean, provenance and claims import them from here) -------
import re  # noqa: E402 - the gazetteer above is plain data; patterns follow it

# Nouns that say a name is a news medium ("the Meridian news agency", "website Intelligence Online").
MEDIA_NOUN = (
    r"(?:news\s+agency|press\s+agency|wire\s+service|news\s+service|agency|website|web\s*site|news\s+site|portal|"
    r"newspaper|newsletter|daily|weekly|outlet|broadcaster|magazine|channel|television|radio|tabloid|publication|"
    r"wire)"
)
# After a name, only nouns that make it an organisation ("Trump television ad", "Latino radio" are not media).
ORG_NOUN = (r"(?:news\s+agency|press\s+agency|wire\s+service|news\s+service|agency|website|web\s*site|news\s+site|"
            r"portal|newspaper|newsletter|daily|broadcaster|outlet|magazine|tabloid)")
# A capitalised descriptor in front of a media noun is not a name: "Spanish-language", "London-based" always
# (COMPOUND_DESCRIPTOR); "American", "Mexican" unless the name is known to be a medium (its ending is no proof:
# "Meridian").
_COMPOUND = r"[A-Z][a-z]+-(?:language|based)"
COMPOUND_DESCRIPTOR = re.compile(rf"^{_COMPOUND}$")
DESCRIPTOR = re.compile(rf"^(?:{_COMPOUND}|[A-Z][a-z]+(?:an|ian|ese|ish|ic|ino|ina|i))$")
# Words that make a name a medium by themselves ("Northgate Times", "Polar Wire").
MEDIA_WORDS: tuple[str, ...] = (
    "News", "Press", "Times", "Post", "Agency", "Wire", "TV", "Radio", "Online", "Daily", "Journal", "Herald",
    "Telegraph", "Gazette", "Tribune", "Network", "Media", "Channel", "Ledger", "Chronicle", "Observer", "Guardian",
    "Express", "Mail", "Monitor", "Courier", "Reporter", "Dispatch", "Bulletin", "Standard", "Independent", "Review",
    "Magazine", "Broadcasting", "Today", "Insider", "Report", "Messenger", "Sentinel",
)
MEDIA_WORD_RX = re.compile(r"\b(?:" + "|".join(MEDIA_WORDS) + r")\b")

# Agency credit lines at the end of a story: "Reporting by A; Editing by B", "(Additional reporting by C)".
CREDIT_LINE_WORDS = r"(?:Additional\s+)?(?:Reporting|Writing|Written|Editing|Edited|Compiled)\s+by\s+[A-Z]"
CREDIT_LINE = re.compile(rf"^\s*\(?\s*{CREDIT_LINE_WORDS}")  # a line (or paragraph) that is a credit line
CREDIT_IN_TEXT = re.compile(rf"\b{CREDIT_LINE_WORDS}")  # a credit line inside a longer text (a sentence)

# Datelines: "ANKARA/BEIRUT, Sept 15 (Reuters) –", "QAMISHLI, Syria (North Press) –", "WASHINGTON (AP) —",
# "(AP) HONOLULU -". Matched at the start of a text only (`match` on its first few hundred characters).
MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
         r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
DATELINE = re.compile(
    rf"^\s*(?P<place>[A-Z][A-Z'’.\-]+(?:[ /][A-Z][A-Z'’.\-]+)*(?:,[ ]+[A-Z][\w.'’\-]+(?:[ ][A-Z][\w.'’\-]+){{0,2}})?)"
    rf"(?:,[ ]+(?P<date>{MONTH}[ ]+\d{{1,2}}(?:,[ ]+\d{{4}})?))?"
    r"[ ]*(?:\((?P<agency>[^()\n]{2,40})\))?[ ]*(?P<dash>[-–—:]{1,2})[ ]*"
)
DATELINE_AGENCY_FIRST = re.compile(r"^\s*\((?P<agency>[^()\n]{2,40})\)[ ]*(?P<place>[A-Z][A-Z'’.\-/ ]{2,40}?)[ ]*[-–—]{1,2}[ ]*")
_W = r"[A-Z][\w.'’\-]*"
DATELINE_MIXED = re.compile(
    rf"^\s*(?:(?P<date0>{MONTH}[ ]+\d{{1,2}})|(?P<place>{_W}(?:[ /]+{_W}){{0,3}}(?:,[ ]+{_W}(?:[ ]{_W}){{0,2}})?))?"
    rf"(?:,?[ ]+(?P<date>{MONTH}[ ]+\d{{1,2}}(?:,[ ]+\d{{4}})?))?"
    r"[ ]*\((?P<agency>[A-Z][\w.&\-]*(?:[ ][A-Z][\w.&\-]*){0,3})\)[ ]*[-–—]{1,2}[ ]*"
)
# The head of a dateline before its credit: "ANKARA/BEIRUT, Sept 15 " (place in capitals, then anything but
# parentheses); each extractor follows it with its own name pattern in parentheses.
DATELINE_HEAD = r"^\s*[A-Z][A-Z .'/\-]{2,}(?:,[^()\n]{0,40})?"

_LEAD_THE = re.compile(r"^(?:the|The)\s+")
# `(?<!\s)`: a run of spaces is tried once, not from each of its positions (linear on hostile input).
_TRAIL_NOUN = re.compile(rf"(?<!\s)\s+{MEDIA_NOUN}$")
_TRAIL_POSS = re.compile(r"['’]s$")
_TRAIL_TLD = re.compile(r"\.(?:com|org|net|co\.uk)$", re.I)


def canonical(name: str) -> str:
    """'the Meridian news agency' -> 'Meridian'; 'AP' -> 'Associated Press'; 'Reuters.com' -> 'Reuters'."""
    name = _LEAD_THE.sub("", name.strip(" .,;:'\"’‘“”()"))
    name = _TRAIL_NOUN.sub("", name)
    name = _TRAIL_POSS.sub("", name)
    name = _TRAIL_TLD.sub("", name)
    return ALIASES.get(name.casefold(), name)
