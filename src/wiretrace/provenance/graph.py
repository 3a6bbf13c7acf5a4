"""Reuse edges: which article pairs share enough text, in which direction, and why.

Direction is decided from evidence recorded on the edge: publication
times, one article citing the other's publisher, closeness to the shared
cited origin's house style (its dateline, credit line, first-person
phrases such as "told Reuters" against third-person "Reuters reported"),
and containment asymmetry (a copy holds its source plus additions).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from wiretrace.analysis.language import languages_differ
from wiretrace.model import Alignment, Evidence, ReuseEdge, SentencePair
from wiretrace.provenance.settings import PROVENANCE_DEFAULTS, ProvenanceSettings
from wiretrace.provenance.sources import Profile
from wiretrace.text.quotes import quoted_words

# When a pair is significant, and when it shares a quote: `ProvenanceSettings` (provenance/settings.py).


def is_quote_pair(text_a: str, text_b: str, settings: ProvenanceSettings = PROVENANCE_DEFAULTS) -> bool:
    """Two outlets quoting the same speaker is not reuse of each other's text (`settings.quote_share` of the
    shared words quoted in both)."""
    from wiretrace.text.normalize import words

    shared = set(words(text_a)) & set(words(text_b))
    if not shared:
        return False
    quoted = quoted_words(text_a) & quoted_words(text_b) & shared
    return len(quoted) / len(shared) >= settings.quote_share


@dataclass(slots=True)
class PairInfo:
    """An alignment with the counts provenance needs."""

    alignment: Alignment
    reuse_pairs: list[SentencePair]  # pairs that are not shared quotes
    n_a: int
    n_b: int
    identical: bool = False  # the two texts are the same publication text (another outlet or URL carrying it)

    @property
    def share_min(self) -> float:
        return len(self.reuse_pairs) / max(1, min(self.n_a, self.n_b))

    def significant(self, settings: ProvenanceSettings) -> bool:
        """Enough shared reporting for an edge; an identical text is always a copy, however short."""
        k = len(self.reuse_pairs)
        if self.identical and k:
            return True
        strong = sum(1 for p in self.reuse_pairs if p.score >= settings.strong_score)
        return k >= settings.min_pairs and (self.share_min >= settings.min_share or (
            strong >= settings.min_strong and self.share_min >= settings.strong_share))


_ATTRIBUTION = re.compile(
    r"\baccording\s+to\b|\b(?:said|says|told|reported|reports|revealed|quoted|cited|citing)\b|"
    r"\b(?:a|the|new|recent)\s+(?:[\w\-]+\s+){0,3}(?:study|report|survey|paper|analysis|review|research)\b"
    r"(?:\s+(?:by|in|from|of|published|carried\s+out|led))?|\bresearchers\s+(?:said|say|found|find|report)|"
    r"\b(?:finds|found|suggests|shows|showed|concludes|concluded)\b",
    re.I,
)
_SELF = re.compile(r"\b(?:we|our|this\s+(?:study|analysis|review|paper|trial))\b", re.I)


def attribution_cues(texts: list[str]) -> int:
    """Third-person attribution in a text ("according to", "a new study finds"): the mark of a report on
    someone else's content. First-person wording ("we found", "this study shows") is the source's own voice."""
    n = 0
    for t in texts:
        if _SELF.search(t):
            continue
        n += len(_ATTRIBUTION.findall(t))
    return n


def word_containment(pairs: list[SentencePair], sa: list[str], sb: list[str]) -> tuple[float, float]:
    """Share of a's content words (over aligned sentences) found in b, and the reverse."""
    from wiretrace.align.features import STOPWORDS
    from wiretrace.text.normalize import words

    ta = {w for p in pairs for w in words(sa[p.a]) if w not in STOPWORDS}
    tb = {w for p in pairs for w in words(sb[p.b]) if w not in STOPWORDS}
    if not ta or not tb:
        return 0.0, 0.0
    inter = len(ta & tb)
    return inter / len(ta), inter / len(tb)


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt.replace(tzinfo=None)


def style_score(prof: Profile, origin: str | None) -> float:
    """How much an article reads like `origin`'s own copy (its dateline, credit line, first-person phrases)."""
    if not origin:
        return 0.0
    score = 0.0
    if prof.publisher == origin or prof.outlet == origin:
        score += 3.0
    if prof.credit_line and prof.publisher == origin:
        score += 1.0
    score += 0.5 * min(2, prof.count(origin, {"told", "seen_by"}))
    score -= 0.5 * min(3, prof.count(origin, {"according_to", "report_by", "said_x", "x_reported", "title"}))
    if prof.outlet and prof.outlet != origin and prof.publisher == origin:
        score -= 1.0  # another outlet re-publishing the agency's copy
    return score


def direct(
    info: PairInfo,
    prof_a: Profile,
    prof_b: Profile,
    pub_a: str | None,
    pub_b: str | None,
    origin: str | None,
    lang_a: str | None = None,
    lang_b: str | None = None,
    prior: tuple[str, float, str] | None = None,
    sentences: tuple[list[str], list[str]] | None = None,
) -> ReuseEdge:
    """A directed edge for one significant alignment, with the evidence that set its direction."""
    al = info.alignment
    ev: list[Evidence] = []
    s = 0.0  # > 0: a is the source
    ta, tb = parse_time(pub_a), parse_time(pub_b)
    if ta and tb and ta != tb:
        w = 1.5 if ta < tb else -1.5
        s += w
        first = al.a if ta < tb else al.b
        ev.append(Evidence("time", f"{first} was published first ({min(ta, tb).isoformat()})", w))
    for src, dst, sign in ((prof_a, prof_b, 1.0), (prof_b, prof_a, -1.0)):
        names = {n for n in (src.publisher, src.outlet) if n}
        cited = {c.name for c in dst.credits if c.cue != "dateline"}
        hit = sorted(names & cited - ({dst.publisher} if dst.publisher else set()))
        if hit:
            s += 2.0 * sign
            ev.append(Evidence("citation", f"{dst.article_id} credits {', '.join(hit)}, publisher of {src.article_id}", 2.0 * sign))
    if origin:
        sa, sb = style_score(prof_a, origin), style_score(prof_b, origin)
        if sa != sb:
            w = 0.5 * (sa - sb)
            s += w
            closer = al.a if sa > sb else al.b
            ev.append(Evidence("house_style", f"{closer} is closer to {origin}'s own copy (style {max(sa, sb):+.1f} vs {min(sa, sb):+.1f})", w))
    if prior:
        favoured, w, detail = prior
        w = w if favoured == al.a else -w
        s += w
        ev.append(Evidence("origin_witness", detail, w))
    verbatim = sum(1 for p in info.reuse_pairs if p.label == "verbatim")
    copy = verbatim >= 0.6 * max(1, len(info.reuse_pairs))
    k = len(info.reuse_pairs)
    share_a, share_b = k / max(1, info.n_a), k / max(1, info.n_b)
    if abs(share_a - share_b) > 0.05:
        w = (1.0 if copy else 0.3) * (share_a - share_b)
        s += w
        held = al.a if share_a > share_b else al.b
        ev.append(
            Evidence(
                "containment",
                f"{share_a:.0%} of {al.a} is in {al.b}, {share_b:.0%} of {al.b} is in {al.a}: {held} is held by the other, which adds text",
                round(w, 3),
            )
        )
    if sentences and info.reuse_pairs:
        wa, wb = word_containment(info.reuse_pairs, sentences[0], sentences[1])
        if abs(wa - wb) > 0.05:
            w = 0.5 * (wa - wb)
            s += w
            kept = al.a if wa > wb else al.b
            ev.append(Evidence("word_containment", f"{wa:.0%} of {al.a}'s aligned words recur in {al.b}, {wb:.0%} the "
                               f"other way: {kept}'s wording is kept and extended", round(w, 3)))
    if sentences and info.reuse_pairs:
        ca = attribution_cues([sentences[0][p.a] for p in info.reuse_pairs])
        cb = attribution_cues([sentences[1][p.b] for p in info.reuse_pairs])
        if ca != cb:
            w = 1.0 if cb > ca else -1.0
            s += w
            reporter = al.b if cb > ca else al.a
            ev.append(Evidence("attribution", f"{reporter} attributes the shared content to someone else "
                               f"({max(ca, cb)} attribution cue(s) against {min(ca, cb)})", w))
    if s >= 0:
        source, target, pairs, share = al.a, al.b, info.reuse_pairs, share_b
    else:
        source, target, share = al.b, al.a, share_a
        pairs = [SentencePair(a=p.b, b=p.a, label=p.label, score=p.score) for p in info.reuse_pairs]
        for e in ev:  # weights read as support for the chosen direction
            e.weight = -e.weight
    relation = "copy" if copy else "rewrite"
    if languages_differ(lang_a, lang_b):
        relation = "translation"
    ev.insert(
        0,
        Evidence(
            "alignment",
            f"{k} aligned sentences ({verbatim} verbatim, {k - verbatim} paraphrase); {share:.0%} of {target} comes from {source}",
            round(info.share_min, 3),
        ),
    )
    confidence = round(min(0.99, 1.0 / (1.0 + math.exp(-1.5 * abs(s)))) if s else 0.5, 3)
    return ReuseEdge(
        source=source,
        target=target,
        relation=relation,
        share=round(share, 4),
        confidence=confidence,
        pairs=sorted(pairs, key=lambda p: (p.a, p.b)),
        evidence=ev,
    )
