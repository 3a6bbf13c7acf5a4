"""Provenance stage: who reused whom, the origins behind a story, and what each version added.

`run` needs `story.alignments` (the align stage runs first) and the articles'
analyses, and fills `story.reuse`, `story.origins`,
`story.independent_origins`, `story.independent_origin_chains` and
`story.additions`. Every decision carries its evidence.

Aligned sentences are first sorted (`statements.sort_pairs`): quotations two articles share are evidence of a
statement (an origin of kind `statement`, secondary, never counted as independent), one article quoting another's
report and naming it `cites` it, and copy/rewrite edges rest on the shared reporting that is left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wiretrace.analysis import analysis_of, sentence_texts
from wiretrace.model import Alignment, Article, Evidence, Origin, ReuseEdge, Story, independent_count
from wiretrace.provenance.graph import PairInfo, direct
from wiretrace.provenance.origins import additions, prune_edges, resolve, secondary_origins
from wiretrace.provenance.settings import ProvenanceSettings
from wiretrace.provenance.sources import Profile, profile_article, story_agency_names, story_media_names
from wiretrace.provenance.statements import PairKinds, quoted_report_edges, sort_pairs, statement_origins
from wiretrace.text.normalize import comparable

__all__ = ["run", "profiles", "ProvenanceSettings", "REQUIRES", "ASSIGNS"]

REQUIRES = ("article.analysis", "story.alignments")
ASSIGNS = ("story.reuse", "story.origins", "story.independent_origins", "story.independent_origin_chains",
           "story.additions")


def profiles(ids: list[str], articles: Mapping[str, Article], sentences: dict[str, list[str]]) -> dict[str, Profile]:
    known = story_media_names(
        [articles[a].text or "" for a in ids] + [articles[a].title or "" for a in ids]
        + [articles[a].dateline or "" for a in ids]
    )
    return {a: profile_article(articles[a], sentences[a], known) for a in ids}


def _label(article: Article) -> str:
    return article.outlet or article.title or article.id


def run(story: Story, articles: Mapping[str, Article], ctx) -> Story:
    if story.alignments is None:
        raise RuntimeError(f"story {story.id}: provenance requires story.alignments (run the align stage first)")
    settings = ctx.config.provenance
    ids = [a for a in story.article_ids if a in articles]
    sentences = {a: sentence_texts(articles[a]) for a in ids}
    usable = {a: set(analysis_of(articles[a]).usable) for a in ids}
    profs = profiles(ids, articles, sentences)

    quoted = {a: analysis_of(articles[a]).quoted for a in ids}
    infos: dict[frozenset, PairInfo] = {}
    kinds: dict[frozenset, PairKinds] = {}
    aligned: dict[frozenset, Alignment] = {}
    for al in story.alignments or []:
        if al.a not in usable or al.b not in usable:
            continue
        # two outlets quoting one speaker share the speaker's words, not each other's text: reuse rests on reporting
        key = frozenset((al.a, al.b))
        kinds[key], aligned[key] = sort_pairs(al, sentences, quoted, profs, settings), al
        same = comparable(articles[al.a].text or "") == comparable(articles[al.b].text or "")
        infos[key] = PairInfo(al, kinds[key].reporting, len(usable[al.a]), len(usable[al.b]), identical=same)

    labels = {a: _label(articles[a]) for a in ids}
    agencies = story_agency_names([articles[a].text or "" for a in ids] + [articles[a].dateline or "" for a in ids])
    origin_of, groups = resolve(ids, profs, infos, labels, agencies, settings)

    edges = []
    for info in infos.values():
        if not info.significant(settings):
            continue
        a, b = info.alignment.a, info.alignment.b
        shared = origin_of[a] if origin_of[a] == origin_of[b] else None
        g = groups.get(shared) if shared else None
        named = g is not None and g.kind != "article"
        prior = None
        if named and g.witness in (a, b):
            # inside one origin group the closest witness is upstream of the rest
            prior = (g.witness, 2.0, f"{g.witness} is the closest witness of {shared}, which both credit")
        edges.append(direct(info, profs[a], profs[b], articles[a].published, articles[b].published,
                            shared if named else None, articles[a].language, articles[b].language, prior,
                            (sentences[a], sentences[b])))
    edges, dropped = prune_edges(edges, groups, origin_of, infos)
    quoting = quoted_report_edges(kinds, aligned, profs, usable)
    have = {frozenset((e.source, e.target)) for e in edges}
    edges.extend(e for e in quoting if frozenset((e.source, e.target)) not in have)
    edges.extend(_citation_edges(ids, profs, infos, edges, groups))
    edges.sort(key=lambda e: (-e.share, e.source, e.target))

    aligned_to_witness: dict[str, set[int]] = {}
    for aid in ids:
        g = groups[origin_of[aid]]
        if g.witness and g.witness != aid:
            info = infos.get(frozenset((aid, g.witness)))
            if info:
                aligned_to_witness[aid] = {p.a for p in info.alignment.pairs} if info.alignment.a == aid else {
                    p.b for p in info.alignment.pairs}

    derived = _derived_groups(groups, origin_of, edges)
    same_text = _same_text(groups, origin_of, edges, derived, settings)
    rests_on: dict[str, set[str]] = {name: {up} for name, (up, _e) in derived.items()}
    same_text_of: dict[str, list[SameText]] = {}
    for link in same_text:
        rests_on.setdefault(link.origin, set()).add(link.other)
        rests_on.setdefault(link.other, set()).add(link.origin)
        same_text_of.setdefault(link.origin, []).append(link)
    origins: list[Origin] = []
    chains = []
    for name, g in sorted(groups.items(), key=lambda kv: (-len(kv[1].members), kv[0])):
        in_corpus = g.kind == "article" or (g.witness is not None and _published_by(articles[g.witness], name))
        ev = list(g.evidence)
        for m in g.members:
            p = profs[m]
            if p.primary(settings.min_primary) == name:
                ev.append(Evidence("credit", f"{m} credits {name} ({p.weights[name]:.1f} weighted mentions)",
                                   float(p.weights[name])))
            elif g.kind != "article":
                ev.append(Evidence("inherited", f"{m} credits no medium and reuses text from {name}'s group", 0.5))
        if name in derived:
            up, e = derived[name]
            ev.append(Evidence("derived_from", f"{name}'s witness {e.target} reuses {up}'s text from {e.source} "
                               f"({e.relation}, {e.share:.0%})", e.confidence, articles=[e.source, e.target],
                               origins=[name, up]))
        for link in same_text_of.get(name, []):
            e, first = link.edge, link.other_edge
            ev.append(Evidence("same_text", f"{e.target} carries the same {link.shared} sentences from {e.source} "
                               f"({name}) and from {first.source} ({link.other}): the two are not independent",
                               e.confidence, articles=[e.source, first.source, e.target], origins=[name, link.other]))
        origins.append(Origin(name=name, kind=g.kind, article_ids=list(g.members), closest_witness=g.witness,
                              evidence=ev, in_corpus=in_corpus))
        chains.append(_chain(g, edges))
    origins.extend(secondary_origins(ids, profs, origin_of, groups, aligned_to_witness, sentences, usable,
                                     agencies))
    shared_quotes = [(aligned[k], p) for k, kd in kinds.items() for p in kd.statement]
    origins.extend(statement_origins(shared_quotes, sentences, {o.name for o in origins}))

    story.reuse = edges
    story.origins = origins
    for c in chains:
        if c["origin"] in derived:
            up, e = derived[c["origin"]]
            c["derived_from"] = up
            c["links"].insert(0, {"from": e.source, "to": e.target, "relation": e.relation, "share": e.share})
        shares = sorted(rests_on.get(c["origin"], set()) - {derived.get(c["origin"], (None,))[0]})
        if shares:
            c["same_text_as"] = shares  # origins it rests on through the same sentences of a third (`same_text` evidence)
    story.independent_origins = independent_count(groups, rests_on)
    story.independent_origin_chains = chains
    story.additions = additions(groups, infos, sentences, usable)
    for c in chains:  # edges left out because the common origin explains them, kept for the reader
        c["explained_edges"] = [d for d in dropped if origin_of.get(d["from"]) == c["origin"]]
    return story


def _published_by(article: Article, name: str) -> bool:
    """Metadata (outlet, url host) says the article is the origin's own publication, not a re-post.

    A dateline alone does not: re-posts keep the agency's dateline (seeds/003), so the origin then stays
    "not in corpus" with the article as its closest witness. A byline naming an agency does not either: a
    re-publishing outlet credits the agency in its byline.
    """
    from urllib.parse import urlparse

    from wiretrace.text.media import canonical

    key = "".join(ch for ch in name.casefold() if ch.isalnum())
    if article.outlet and canonical(article.outlet) == name:
        return True
    host = urlparse(article.url or "").hostname or ""
    return bool(key) and key in host.replace(".", "").replace("-", "")


REUSE_RELATIONS = ("copy", "rewrite", "translation")


def _derived_groups(groups, origin_of, edges) -> dict:
    """Origins resting on another: their closest witness reuses (copy/rewrite) a member of another origin.

    Returns {origin name: (upstream origin name, edge)}; the strongest edge decides, and an edge that would close a
    cycle (an origin resting, through others, on itself) is skipped, so the relation is a forest.
    """
    out: dict = {}
    for e in sorted(edges, key=lambda e: -e.confidence):
        if e.relation not in REUSE_RELATIONS:
            continue
        x, y = origin_of.get(e.target), origin_of.get(e.source)
        if not x or not y or x == y or x in out or _rests_on(y, x, out):
            continue
        if groups[x].witness == e.target:
            out[x] = (y, e)
    return out


def _rests_on(name: str, other: str, derived: dict) -> bool:
    """`name` rests on `other` through the derivations found so far."""
    seen = set()
    while name in derived and name not in seen:
        seen.add(name)
        name = derived[name][0]
        if name == other:
            return True
    return False


@dataclass(frozen=True, slots=True)
class SameText:
    """`origin`'s `edge` and `other`'s `other_edge` bring the same `shared` sentences into one witness."""

    origin: str
    other: str
    edge: ReuseEdge
    other_edge: ReuseEdge
    shared: int


def _same_text(groups, origin_of, edges, derived, settings: ProvenanceSettings) -> list[SameText]:
    """Pairs of origins that supplied the same sentences of one derived origin's witness.

    A derived origin keeps one upstream (its strongest edge). Another origin's edge into the same witness over the same
    sentences (at least `min_pairs` of them, and `same_text_share` of the smaller edge) means those two texts share
    them too, whichever way they went: they are not independent. An edge over other sentences (an article combining
    two reports) says nothing about the two.
    """
    out = []
    for e in edges:
        if e.relation not in REUSE_RELATIONS:
            continue
        x, y = origin_of.get(e.target), origin_of.get(e.source)
        if x not in derived or not y or y == x or groups[x].witness != e.target:
            continue
        upstream, first = derived[x]
        if y == upstream or e is first:
            continue
        mine, theirs = {p.b for p in e.pairs}, {p.b for p in first.pairs}
        shared = len(mine & theirs)  # one sentence is not reuse between two texts (`min_pairs`), nor through a third
        if shared >= settings.min_pairs and shared >= settings.same_text_share * min(len(mine), len(theirs)):
            out.append(SameText(y, upstream, e, first, shared))
    return out


def _citation_edges(ids, profs, infos, edges, groups) -> list:
    """`cites` edges: an article credits another's publisher without reusing enough of its text.

    When the credited name is an origin with a closest witness, only that witness stands for it.
    """
    from wiretrace.model import ReuseEdge

    have = {frozenset((e.source, e.target)) for e in edges}
    out = []
    for a in ids:
        pa = profs[a]
        names = {n for n in (pa.publisher, pa.outlet) if n and not (n in groups and groups[n].witness not in (None, a))}
        if not names:
            continue
        for b in ids:
            if a == b or frozenset((a, b)) in have:
                continue
            pb = profs[b]
            hit = sorted(names & {c.name for c in pb.credits if c.cue != "dateline"} - {pb.publisher, pb.outlet})
            if hit:
                info = infos.get(frozenset((a, b)))
                k = len(info.reuse_pairs) if info else 0
                n_b = (info.n_b if info.alignment.b == b else info.n_a) if info else 1
                out.append(ReuseEdge(source=a, target=b, relation="cites", share=round(k / max(1, n_b), 4),
                                     confidence=0.6, evidence=[Evidence("citation", f"{b} credits {', '.join(hit)}, "
                                                                        f"publisher of {a}", 1.0)]))
    return out


def _chain(g, edges) -> dict:
    links = []
    if g.kind != "article" and g.witness:
        links.append({"from": g.name, "to": g.witness, "relation": "closest_witness"})
    into = {e.target: e for e in edges if e.relation != "cites"}
    for m in g.members:
        if m == g.witness:
            continue
        e = into.get(m)
        if e is not None:
            links.append({"from": e.source, "to": m, "relation": e.relation, "share": e.share})
        else:
            links.append({"from": g.name, "to": m, "relation": "cites"})
    return {"origin": g.name, "kind": g.kind, "closest_witness": g.witness, "articles": list(g.members), "links": links}
