"""Entities stage: one name per person, organisation and place across a story's articles.

The mentions come from the parse claims already runs once per article (spaCy's named entities, kept on
`ArticleParse.entities`; spaCy is never run a second time). Here they are normalised:
- accents and case folded, other scripts transliterated (anyascii: "Эрдоган" -> "erdogan"), possessives, leading
  articles and titles dropped ("President Tayyip Erdogan" -> "tayyip erdogan");
- an acronym joined to the expansion printed beside it anywhere in the story ("National Intelligence Organization
  (MIT)"), reusing claims' acronym and name rules (`claims.sources`) so speakers and entities agree;
- a shorter name joined to the longest name of the story whose words contain it ("Erdogan" -> "recep tayyip erdogan").
The key ("person:recep tayyip erdogan") is a pure function of the name, so the same actor gets the same key in every
story of a store; each entity also lists its folded aliases, so a search can meet it by any of them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from wiretrace.analysis import analysis_of
from wiretrace.claims.sources import TITLES, acronyms, unify_names
from wiretrace.model import Article, Entity, Story
from wiretrace.text.normalize import fold

__all__ = ["REQUIRES", "ASSIGNS", "run", "name_key", "story_entities", "KINDS"]

REQUIRES = ("article.analysis.parse",)
ASSIGNS = ("story.entities",)

# spaCy labels -> entity kinds (NORP, dates and numbers are not actors)
KINDS = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place", "FAC": "place"}
_LEADING = re.compile(r"^(?:(?:the|a|an|le|la|les|el|los|las|der|die|das|il|lo)\s+|l['’])", re.I)
_POSSESSIVE = re.compile(r"[’'‘]s$|[’'‘]$")
_ARTICLE_PREFIX = re.compile(r"\b(al|el|ad|ar|as|ash|at|az)-(?=\w)")  # "al-Assad" meets "Assad" and "Bashar al Assad"
# Titles beyond claims' speaker titles that entity mentions carry
_EXTRA_TITLES = {"mr.", "mrs.", "ms.", "dr.", "sheikh", "prof", "professor", "lt", "col", "colonel", "maj", "major",
                 "admiral", "sir", "lord", "lady", "pope", "prince", "princess", "emir", "crown", "minister",
                 "ambassador", "envoy", "commander", "premier", "chancellor", "spokesperson", "mayor", "judge"}


def _translit(text: str) -> str:
    """Latin letters for a name in another script (anyascii, a small table-driven library); Latin text is kept."""
    if all(ord(c) < 0x250 for c in text):
        return text
    try:
        from anyascii import anyascii
    except ImportError:  # pragma: no cover - a declared dependency
        return text
    return anyascii(text)


def name_key(text: str, aliases: Mapping[str, str] | None = None, person: bool = False) -> str:
    """The folded name without articles, possessives (and titles, for a person); an acronym replaced by its
    expansion. Organisations keep their words ("Russian Foreign Ministry" is not "Ministry")."""
    raw = " ".join(text.split()).strip(" .,;:\"“”'’‘()")
    raw = _POSSESSIVE.sub("", raw)
    for acr, exp in (aliases or {}).items():
        if re.fullmatch(rf"(?:the\s+)?(?:[\w’']+[’']s\s+)?{re.escape(acr)}", raw, flags=re.I):
            raw = exp
    raw = _LEADING.sub("", raw)
    folded = fold(_translit(raw)).replace("’", "'").replace("‘", "'")
    toks = [t for t in re.split(r"\s+", _ARTICLE_PREFIX.sub(r"\1 ", folded)) if t]
    # "Turkey's National Intelligence Organization": the owner is not part of the name
    if len(toks) > 1 and any(t.endswith("'s") for t in toks[:-1]):
        toks = toks[max(i for i, t in enumerate(toks[:-1]) if t.endswith("'s")) + 1:]
    if toks and toks[-1].endswith("'s"):
        toks[-1] = toks[-1][:-2]
    if person:
        titles = TITLES | _EXTRA_TITLES
        while len(toks) > 1 and (toks[0] in titles or toks[0].rstrip(".") in titles):
            toks = toks[1:]
    return " ".join(t.strip(".,") for t in toks if t.strip(".,"))


def _label(form: str) -> str:
    """What a reader sees: the written form without a leading article, an owner or a possessive."""
    form = _POSSESSIVE.sub("", " ".join(form.split()))
    owner = re.match(r"^.*?[\w.]+[’'‘]s\s+(?=\w)", form)
    if owner and len(form[owner.end():].split()) > 1:
        form = form[owner.end():]
    return _LEADING.sub("", form) if len(form.split()) > 1 else form


def story_entities(articles: list[Article]) -> list[Entity]:
    """The story's entities, most mentioned first, from each article's stored parse."""
    texts = [a.text or "" for a in articles] + [a.title or "" for a in articles]
    aliases = acronyms(texts)
    found: list[tuple[str, str, str, str, int, int]] = []  # (article id, key, label kind, text, start, end)
    for art in articles:
        parse = analysis_of(art).parse
        if parse is None:
            continue
        text = art.text or ""
        for start, end, label in parse.entities:
            kind = KINDS.get(label)
            surface = text[start:end]
            key = name_key(surface, aliases, person=kind == "person")
            if kind and key and re.search(r"[^\W\d_]", key):
                found.append((art.id, key, kind, surface, start, end))
    kinds: dict[str, Counter] = {}
    for _, k, kind, *_ in found:
        kinds.setdefault(k, Counter())[kind] += 1
    kind_of = {k: c.most_common(1)[0][0] for k, c in kinds.items()}
    # A short name joins the longest name containing it when that is a person (spaCy often calls a bare surname
    # an organisation or a place) or of the same kind ("Intelligence Online" never swallows the place "Online").
    joined = {k: v for k, v in unify_names(set(kind_of)).items() if kind_of[v] == "person" or kind_of[v] == kind_of[k]}
    groups: dict[str, list[tuple[str, str, str, str, int, int]]] = {}
    for row in found:
        groups.setdefault(joined.get(row[1], row[1]), []).append(row)
    out: list[Entity] = []
    for key, rows in groups.items():
        kind = Counter(r[2] for r in rows).most_common(1)[0][0]
        forms = Counter(" ".join(r[3].split()) for r in rows)
        # The fullest form that is itself the name (not an acronym standing for it), then the commonest
        person = kind == "person"
        label = _label(max(forms, key=lambda f: (len(name_key(f, aliases, person).split()), len(_label(f).split()),
                                                 forms[f], len(f))))
        out.append(Entity(
            key=f"{kind}:{key}",
            label=label,
            kind=kind,  # type: ignore[arg-type]
            aliases=sorted({r[1] for r in rows} | {key} | {fold(_label(f)) for f in forms}),
            article_ids=list(dict.fromkeys(r[0] for r in rows)),
            mentions=[{"article_id": r[0], "start": r[4], "end": r[5], "text": r[3]} for r in rows],
        ))
    out.sort(key=lambda e: (-len(e.article_ids), -len(e.mentions), e.key))
    return out


def run(story: Story, articles: Mapping[str, Article], ctx) -> Story:  # noqa: ANN001 - Context (no import cycle)
    story.entities = story_entities([articles[a] for a in story.article_ids if a in articles])
    return story
