"""Origins, independent origins, secondary origins and additions.

1. Each article's primary origin is the medium it credits most (its lead
   and title weigh more); an agency's own copy credits itself through its
   dateline. An article that credits no medium inherits the origin of the
   article it was reused from, or is an origin itself (kind "article").
2. The closest witness of an origin is the member that reads most like the
   origin's own copy (style) and holds most of the other members' shared text.
3. Edges inside one origin group run from the witness to the others; an
   edge between two other members is kept only when their shared text is
   not explained by the witness (both derived from the same origin).
4. A medium an article credits besides its primary origin, for sentences
   that are not aligned to the primary origin's witness, is a secondary
   origin of those sentences (plus the sentences that continue them).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from wiretrace.model import Addition, Alignment, Evidence, Origin, ReuseEdge
from wiretrace.provenance.graph import PairInfo, style_score
from wiretrace.provenance.settings import ProvenanceSettings
from wiretrace.provenance.sources import AGENCIES, Profile

_CONTINUES = re.compile(
    r"\b(?:the|these|this|that)\s+(?:sources?|reports?|claims?|agency|website|outlet|statement|official)\b|"
    r"\badded\b|^\s*(?:It|He|She|They)\b",
    re.I,
)


@dataclass(slots=True)
class Group:
    name: str
    kind: str
    members: list[str] = field(default_factory=list)
    witness: str | None = None
    evidence: list[Evidence] = field(default_factory=list)


def aligned_map(al: Alignment, side: str) -> set[int]:
    return {p.a for p in al.pairs} if side == "a" else {p.b for p in al.pairs}


def origin_kind(name: str, prof_by_id: dict[str, Profile], agencies: set[str] | None = None) -> str:
    if name in AGENCIES or name in (agencies or set()):
        return "agency"
    return "agency" if any(p.publisher == name for p in prof_by_id.values()) else "outlet"


def choose_witness(group: Group, profs: dict[str, Profile], infos: dict[frozenset, PairInfo]) -> tuple[str, list[Evidence]]:
    """The member closest to the origin's own copy, holding most of the others' shared text."""
    best: tuple[float, str] | None = None
    detail: dict[str, tuple[float, float]] = {}
    for m in group.members:
        style = style_score(profs[m], group.name)
        cover = 0.0
        others = [o for o in group.members if o != m]
        for o in others:
            info = infos.get(frozenset((m, o)))
            if info:
                n_o = info.n_a if info.alignment.a == o else info.n_b
                cover += len(info.reuse_pairs) / max(1, n_o)
        cover = cover / len(others) if others else 0.0
        score = style + 4.0 * cover
        detail[m] = (style, cover)
        if best is None or score > best[0] + 1e-9:
            best = (score, m)
    w = best[1]
    style, cover = detail[w]
    ev = [Evidence("closest_witness", f"{w} reads most like {group.name}'s own copy (style {style:+.1f}) and holds "
                   f"{cover:.0%} of the other members' text on average", round(best[0], 3))]
    return w, ev


def resolve(
    ids: list[str],
    profs: dict[str, Profile],
    infos: dict[frozenset, PairInfo],
    labels: dict[str, str],
    agencies: set[str] | None,
    settings: ProvenanceSettings,
) -> tuple[dict[str, str], dict[str, Group]]:
    """Article id -> origin name, and the groups."""
    origin_of: dict[str, str] = {}
    groups: dict[str, Group] = {}
    for aid in ids:
        prim = profs[aid].primary(settings.min_primary)
        if prim:
            origin_of[aid] = prim
            groups.setdefault(prim, Group(prim, origin_kind(prim, profs, agencies))).members.append(aid)
    # Articles crediting no medium: inherit through their strongest reuse link, else stand alone.
    pending = [a for a in ids if a not in origin_of]
    changed = True
    while changed and pending:
        changed = False
        for aid in list(pending):
            best: tuple[float, str] | None = None
            for other in ids:
                if other == aid or other not in origin_of:
                    continue
                info = infos.get(frozenset((aid, other)))
                if info and info.significant(settings):
                    if best is None or info.share_min > best[0]:
                        best = (info.share_min, other)
            if best:
                name = origin_of[best[1]]
                origin_of[aid] = name
                groups[name].members.append(aid)
                pending.remove(aid)
                changed = True
    for aid in pending:
        own = next((n for n in (profs[aid].publisher, profs[aid].outlet) if n and n in groups), None)
        if own and groups[own].kind != "article":
            origin_of[aid] = own  # the origin's own outlet publishing it without crediting anyone
            groups[own].members.append(aid)
            continue
        name = labels[aid]
        if name in groups:
            name = f"{name} ({aid})"
        origin_of[aid] = name
        groups[name] = Group(name, "article", [aid], aid)
    for g in groups.values():
        if g.kind != "article":
            g.witness, g.evidence = choose_witness(g, profs, infos)
    return origin_of, groups


def secondary_origins(
    ids: list[str],
    profs: dict[str, Profile],
    origin_of: dict[str, str],
    groups: dict[str, Group],
    aligned_to_witness: dict[str, set[int]],
    sentences: dict[str, list[str]],
    usable: dict[str, set[int]],
    agencies: set[str] | None = None,
) -> list[Origin]:
    """Media credited for part of an article's text, besides its primary origin."""
    found: dict[str, dict[str, list[int]]] = defaultdict(dict)
    ev: dict[str, list[Evidence]] = defaultdict(list)
    for aid in ids:
        prof = profs[aid]
        primary = origin_of[aid]
        own = {n for n in (prof.publisher, prof.outlet) if n}
        for name in sorted({c.name for c in prof.credits if c.sentence >= 0 and c.cue != "dateline"}):
            if name == primary or name in own:
                continue
            idx = [i for i in prof.sentences_crediting(name) if i not in aligned_to_witness.get(aid, set())]
            if not idx:
                continue
            sents = set(idx)
            for i in idx:  # follow the passage while it keeps reporting the same source
                j = i + 1
                while j < len(sentences[aid]) and j not in aligned_to_witness.get(aid, set()):
                    other = {c.name for c in prof.credits if c.sentence == j}
                    if other - {name} or not _CONTINUES.search(sentences[aid][j]):
                        break
                    sents.add(j)
                    j += 1
            found[name][aid] = sorted(s for s in sents if s in usable[aid])
            ev[name].append(Evidence("credit", f"{aid} credits {name} for sentence(s) {sorted(sents)}, which are not in "
                                     f"its primary origin {primary}'s witness", float(len(sents))))
    out = []
    for name, by_article in sorted(found.items()):
        witness = max(by_article, key=lambda a: (len(by_article[a]), a))
        out.append(
            Origin(
                name=name,
                kind=origin_kind(name, profs, agencies),
                article_ids=sorted(by_article),
                closest_witness=witness,
                evidence=ev[name],
                secondary=True,
                sentences=by_article,
                in_corpus=any(profs[a].publisher == name and origin_of[a] == name for a in ids),
            )
        )
    return out


def prune_edges(edges: list[ReuseEdge], groups: dict[str, Group], origin_of: dict[str, str],
                infos: dict[frozenset, PairInfo]) -> tuple[list[ReuseEdge], list[dict]]:
    """Drop edges between two members of one origin whose shared text the witness explains."""
    kept, dropped = [], []
    for e in edges:
        g = groups.get(origin_of.get(e.source, ""))
        same = g is not None and origin_of.get(e.target) == g.name and g.kind != "article"
        if same and g.witness not in (e.source, e.target):
            wi_s = infos.get(frozenset((g.witness, e.source)))
            wi_t = infos.get(frozenset((g.witness, e.target)))
            s_in_w = _side(wi_s, e.source) if wi_s else set()
            t_in_w = _side(wi_t, e.target) if wi_t else set()
            explained = sum(1 for p in e.pairs if p.a in s_in_w or p.b in t_in_w)
            if explained >= 0.5 * len(e.pairs):
                dropped.append({"from": e.source, "to": e.target, "reason": f"shared text explained by {g.name} via "
                                f"{g.witness} ({explained}/{len(e.pairs)} pairs)"})
                continue
        kept.append(e)
    return kept, dropped


def _side(info: PairInfo, aid: str) -> set[int]:
    return {p.a for p in info.reuse_pairs} if info.alignment.a == aid else {p.b for p in info.reuse_pairs}


def additions(
    groups: dict[str, Group],
    infos: dict[frozenset, PairInfo],
    sentences: dict[str, list[str]],
    usable: dict[str, set[int]],
) -> list[Addition]:
    """Per derived article: what it adds beyond its origin's closest witness, and what it leaves out."""
    out = []
    for g in groups.values():
        if g.kind == "article" or not g.witness:
            continue
        w = g.witness
        for m in g.members:
            if m == w:
                continue
            info = infos.get(frozenset((m, w)))
            m_al = set()
            w_al = set()
            if info:
                al = info.alignment
                m_al = aligned_map(al, "a" if al.a == m else "b")
                w_al = aligned_map(al, "b" if al.a == m else "a")
            added = sorted(usable[m] - m_al)
            dropped = sorted(usable[w] - w_al)
            out.append(
                Addition(
                    article_id=m,
                    origin=g.name,
                    added=added,
                    dropped=[sentences[w][i] for i in dropped],
                    added_text=[sentences[m][i] for i in added],
                )
            )
    return out
