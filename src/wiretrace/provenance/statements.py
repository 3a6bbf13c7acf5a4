"""Quoted material is evidence of a statement, not of copying.

Two outlets that quote one speaker share the speaker's words, not each other's text. Every aligned sentence pair is
sorted into one of three kinds before any reuse edge is built, by general rules (no fitted thresholds):

- **statement**: both sentences are quotations (half their letters inside quotation marks, or their shared words
  sit mostly inside quotation marks in both), or both report what a third party said in their own words (a speech
  cue such as "said", "wrote", "according to" with no news medium credited in the sentence, aligned as a
  paraphrase). A *verbatim* pair outside quotation marks is the writer's own wording and stays reporting: two
  independent writers do not produce the same sentence around a statement, a copy does.
- **quoted report**: one side quotes words the other side carries as its own text. When the quoting article names
  the other's publisher, it cites that report (a `cites` edge); otherwise both carry the words of a third party
  (a statement).
- **reporting**: everything else. Copy/rewrite edges rest on these pairs only.

Statement pairs that link sentences of two or more articles become one origin of kind `statement` per connected
group of sentences, named after the speaker found in them (a person, organisation or document), with the quote as
evidence. Statement origins are `secondary` (they back sentences, not articles) and never count as independent
origins: two outlets quoting one statement are two independent reports of it.

Every pattern here runs in linear time on hostile text (possessive quantifiers, starts only at word starts).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from wiretrace.model import Alignment, Evidence, Origin, ReuseEdge, SentencePair
from wiretrace.provenance.graph import is_quote_pair
from wiretrace.provenance.settings import ProvenanceSettings
from wiretrace.provenance.sources import Profile
from wiretrace.text.normalize import fold

# What makes a sentence a quotation (`quoted`, `quote_share`): `ProvenanceSettings` (provenance/settings.py).

_CUE_VERBS = (r"said|says|say|told|tells|wrote|writes|posted|tweeted|added|adds|stated|states|announced|declared|"
              r"insisted|argued|explained|claimed|warned|promised|noted|acknowledged|vowed|urged|asked|replied")
_CUE = re.compile(rf"\b(?:{_CUE_VERBS})\b|\baccording\s++to\b", re.I)
# A capitalised run of up to four words, starting only where a word starts (so a 40,000-letter word is one try).
_NAME = r"(?<![\w'’.\-])[A-Z][\w'’.\-]*+(?:[ ]++[A-Z][\w'’.\-]*+){0,3}"
_APPOSITIVE = r"(?:,[ ]++(?:who|which|the|a|an|his|her|its|their)\b[^,\n]{1,80}+,)?"  # ", who leads Clean Harbour,"
_SPEAKER = [
    # "Quell said", "Orla Penrith, who leads Clean Harbour, told", "Mary Cheney wrote on Facebook"
    re.compile(rf"(?P<name>{_NAME}){_APPOSITIVE}[ ]++(?:also[ ]++|later[ ]++|then[ ]++)?(?:{_CUE_VERBS})\b"),
    # '"...," said Quell.' (the inverted order only at the end of a clause)
    re.compile(rf"[,”\"’][ ]*+(?:said|says|wrote|writes|added|adds)[ ]++(?P<name>{_NAME})(?=[ ]*+(?:[.,;:]|$))"),
    re.compile(rf"\baccording[ ]++to[ ]++(?:the[ ]++)?(?P<name>{_NAME})"),
]
# Unnamed speakers: "the source said", "said the Turkish official", "according to a senior official"
_ROLES = (r"sources?|officials?|diplomats?|spokes(?:man|woman|person)|aides?|analysts?|witness(?:es)?|"
          r"residents?|advisers?|insiders?|lawmakers?|officers?|people")
_ROLE = [
    re.compile(rf"\b(?P<role>{_ROLES})[ ]++(?:also[ ]++)?(?:{_CUE_VERBS})\b"),
    re.compile(rf"\b(?:{_CUE_VERBS}|according[ ]++to)[ ]++(?:the|a|an|one|two|three)[ ]++(?:[\w\-’']++[ ]++){{0,3}}"
               rf"(?P<role>{_ROLES})\b"),
]
_NOT_NAMES = frozenset({"he", "she", "it", "they", "we", "i", "the", "this", "that", "but", "and", "in", "on", "a",
                        "an", "officials", "police", "sources", "yesterday", "today", "earlier", "later", "mr", "mrs",
                        "ms", "dr"})
# A capitalised run right after these words is a place or an object, not the speaker ("a source in the Middle East
# said", "said in Ankara").
_BEFORE_NOT_SPEAKER = frozenset({"in", "of", "from", "at", "on", "to", "for", "with", "by", "near", "about", "into",
                                 "across", "over", "under", "between", "against", "outside", "inside"})
_LAST_WORDS = re.compile(r"([\w’']++)[ ]*+(?:the[ ]++)?$")


@dataclass(slots=True)
class PairKinds:
    """One alignment's sentence pairs sorted by what they are evidence of."""

    reporting: list[SentencePair] = field(default_factory=list)
    statement: list[SentencePair] = field(default_factory=list)
    quoted_in_a: list[SentencePair] = field(default_factory=list)  # a quotes what b carries as its own text
    quoted_in_b: list[SentencePair] = field(default_factory=list)


def attribution(sentence: str) -> tuple[str | None, str | None]:
    """(name, role) of the third party a sentence reports, from its first attribution: ("Dara Quell", None) for
    "Transport Minister Dara Quell announced ...", (None, "official") for "The official said Russia asked ..."."""
    best: tuple[int, str | None, str | None] | None = None
    for rx in _SPEAKER:
        for m in rx.finditer(sentence):
            if best is not None and m.start() >= best[0]:
                break
            before = _LAST_WORDS.search(sentence, max(0, m.start("name") - 40), m.start("name"))
            if before and before.group(1).casefold() in _BEFORE_NOT_SPEAKER:
                continue
            parts = [p.strip(".,;:'’\"") for p in m.group("name").split()]
            parts = [p for p in parts if p]
            while parts and parts[0].casefold() in _NOT_NAMES:
                parts = parts[1:]
            if parts:
                best = (m.start(), " ".join(parts), None)
                break
    for rx in _ROLE:
        m = rx.search(sentence)
        if m and (best is None or m.start() < best[0]):
            role = m.group("role").casefold()
            best = (m.start(), None, {"people": "person", "witnesses": "witness"}.get(role, role.removesuffix("s")))
    return (best[1], best[2]) if best else (None, None)


def speaker(sentence: str) -> str | None:
    """The named third party a sentence reports, if its first attribution names one."""
    return attribution(sentence)[0]


def unnamed_role(sentence: str) -> str | None:
    """The role of an unnamed speaker ("official" in "said the Turkish official"), singular."""
    return attribution(sentence)[1]


def _credited(prof: Profile) -> set[int]:
    """Sentences in which the article credits a news medium (its dateline aside)."""
    return {c.sentence for c in prof.credits if c.cue != "dateline"}


def reports_third_party(sentence: str, index: int, credited: set[int]) -> bool:
    """A speech cue with no news medium credited in the sentence: the writer reports someone else's statement."""
    return index not in credited and _CUE.search(sentence) is not None


def sort_pairs(al: Alignment, sentences: dict[str, list[str]], quoted: dict[str, list[float]],
               profs: dict[str, Profile], settings: ProvenanceSettings) -> PairKinds:
    """Sort an alignment's pairs into reporting, statement and quoted-report pairs (see the module's rules)."""
    out = PairKinds()
    sa, sb = sentences[al.a], sentences[al.b]
    ca, cb = _credited(profs[al.a]), _credited(profs[al.b])
    a_names_b = bool(names_publisher(profs[al.a], profs[al.b]))
    b_names_a = bool(names_publisher(profs[al.b], profs[al.a]))
    for p in al.pairs:
        qa, qb = quoted[al.a][p.a] >= settings.quoted, quoted[al.b][p.b] >= settings.quoted
        if (qa and qb) or is_quote_pair(sa[p.a], sb[p.b], settings):
            out.statement.append(p)
        elif qa and a_names_b:
            out.quoted_in_a.append(p)
        elif qb and b_names_a:
            out.quoted_in_b.append(p)
        elif qa != qb and p.a not in ca and p.b not in cb:
            out.statement.append(p)  # one quotes, the other carries the same words: a third party's, neither's
        elif (p.label == "paraphrase" and reports_third_party(sa[p.a], p.a, ca)
              and reports_third_party(sb[p.b], p.b, cb)):
            out.statement.append(p)
        else:
            out.reporting.append(p)
    return out


def names_publisher(quoting: Profile, quoted: Profile) -> list[str]:
    """The quoted article's publisher or outlet, when the quoting article credits it by name."""
    names = {n for n in (quoted.publisher, quoted.outlet) if n}
    credited = {c.name for c in quoting.credits if c.cue != "dateline"}
    return sorted(names & credited - {n for n in (quoting.publisher, quoting.outlet) if n})


def quoted_report_edges(kinds: dict[frozenset, PairKinds], alignments: dict[frozenset, Alignment],
                        profs: dict[str, Profile], usable: dict[str, set[int]]) -> list[ReuseEdge]:
    """`cites` edges: an article quotes sentences of another's text and names that article's publisher."""
    edges: list[ReuseEdge] = []
    for key, k in kinds.items():
        al = alignments[key]
        for quoting, quoted, pairs in ((al.a, al.b, k.quoted_in_a), (al.b, al.a, k.quoted_in_b)):
            if not pairs:
                continue
            named = names_publisher(profs[quoting], profs[quoted])
            oriented = [p if quoted == al.a else SentencePair(a=p.b, b=p.a, label=p.label, score=p.score) for p in pairs]
            share = len(pairs) / max(1, len(usable.get(quoting, ())))
            edges.append(ReuseEdge(
                source=quoted, target=quoting, relation="cites", share=round(min(1.0, share), 4), confidence=0.8,
                pairs=sorted(oriented, key=lambda p: (p.a, p.b)),
                evidence=[Evidence("quoted_report", f"{quoting} quotes {len(pairs)} sentence(s) of {quoted}'s text and "
                                   f"names its publisher ({', '.join(named)})", float(len(pairs)),
                                   articles=[quoted, quoting])],
            ))
    return edges


def statement_origins(pairs: list[tuple[Alignment, SentencePair]], sentences: dict[str, list[str]],
                      taken: set[str]) -> list[Origin]:
    """One `statement` origin per speaker whose words two or more articles share as quotations.

    Shared sentences are joined into groups (connected through the pairs); groups naming the same speaker are one
    statement; a group naming none stays a statement of its own ("unnamed speaker").
    """
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for al, p in pairs:
        ra, rb = find((al.a, p.a)), find((al.b, p.b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    components: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    for node in list(parent):
        components[find(node)].append(node)
    full = _full_names([t for aid in sorted({a for a, _ in parent}) for t in sentences[aid]])
    by_speaker: dict[str, list[tuple[str, int]]] = defaultdict(list)
    labels: dict[str, str] = {}
    for root, nodes in sorted(components.items()):
        found = Counter(full.get(fold(n.split()[-1]), n) for n in (speaker(sentences[a][i]) for a, i in nodes) if n)
        if found:  # one named speaker: every group naming them is one statement
            label = key = min(found, key=lambda n: (-found[n], n))
        else:  # an unnamed speaker stays one statement per group of sentences
            roles = Counter(r for r in (unnamed_role(sentences[a][i]) for a, i in nodes) if r)
            role = min(roles, key=lambda r: (-roles[r], r)) if roles else "speaker"
            a, i = min(nodes)
            label, key = f"unnamed {role}: “{_opening(sentences[a][i])}”", f"\0{root[0]}:{root[1]}"
        labels[key] = label
        by_speaker[key].extend(nodes)
    out: list[Origin] = []
    names_used = set(taken)
    for key, nodes in sorted(by_speaker.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        by_article: dict[str, set[int]] = defaultdict(set)
        for aid, i in nodes:
            by_article[aid].add(i)
        if len(by_article) < 2 or key.startswith("\0"):
            continue  # an unnamed speaker is no origin anyone can check: the words stay statement evidence only
        name = base = labels[key]
        k = 2
        while name in names_used:
            name, k = f"{base} (statement {k})", k + 1
        names_used.add(name)
        witness = max(sorted(by_article), key=lambda a: len(by_article[a]))
        first = sentences[witness][min(by_article[witness])]
        ids = sorted(by_article)
        out.append(Origin(
            name=name, kind="statement", article_ids=ids, closest_witness=witness,
            evidence=[Evidence("quote", f"{len(ids)} articles carry {len(nodes)} sentences quoting or reporting "
                               f"{base}, e.g. “{first[:160]}”", float(len(nodes)), articles=ids, origins=[name])],
            secondary=True, sentences={a: sorted(v) for a, v in sorted(by_article.items())},
        ))
    return out


def _opening(sentence: str, n: int = 6) -> str:
    words = sentence.strip(" \"“”‘’'").split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


def _full_names(texts: list[str]) -> dict[str, str]:
    """Last name -> the longest form the texts give the speaker, titles left out ("Quell" -> "Dara Quell")."""
    out: dict[str, str] = {}
    for t in texts:
        name = speaker(t)
        if not name:
            continue
        parts = name.split()
        form = " ".join(parts[-2:])  # "Transport Minister Dara Quell" -> "Dara Quell"
        have = out.get(fold(parts[-1]))
        if have is None or len(form.split()) > len(have.split()):
            out[fold(parts[-1])] = form
    return out
