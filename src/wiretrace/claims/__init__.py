"""Claims stage: who said what, how many independent origins stand behind it, where versions conflict.

`run(story, articles, ctx)` fills `story.attributions`, `story.claims` and
`story.conflicts`; `extract_attributions(text, nlp=None)` works on raw text
(the `wiretrace attributions` command). It runs after provenance: a claim's
origins are the origins of the articles that carry it (a secondary origin
wins for the sentences it covers). Without provenance each article counts as
its own origin, and every mention says so.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from wiretrace.analysis import analysis_of, vector_key
from wiretrace.analysis.language import base_language, languages_differ
from wiretrace.claims.attribution_model import VERSION as ATTRIBUTION_VERSION
from wiretrace.claims.attributions import RawAttribution, extract_attributions, from_doc
from wiretrace.claims.conflicts import find_conflicts, number_clashes, polarity
from wiretrace.claims.grouping import (
    ClaimScores,
    PairScorer,
    Unit,
    group,
    is_statement,
    strip_quotes,
    units_that_can_group,
)
from wiretrace.claims.settings import CLAIMS_DEFAULTS, ClaimsSettings
from wiretrace.claims.sources import (
    ROLE_NOUNS,
    Speaker,
    acronyms,
    has_role,
    is_anonymous,
    named_key,
    resolve_reference,
    same_anonymous,
    unify_names,
)
from wiretrace.model import (
    Article,
    ArticleParse,
    Attribution,
    Claim,
    Origin,
    ParsedAttribution,
    Sentence,
    SpeakerHint,
    Story,
    independent_count,
)
from wiretrace.text.normalize import fold, word_count

__all__ = ["run", "parse_stage", "parse_articles", "extract_attributions", "RawAttribution", "origins_for",
           "independent", "derivations", "ClaimsSettings", "REQUIRES", "ASSIGNS"]

REQUIRES = ("article.analysis", "story.origins", "story.alignments")
ASSIGNS = ("story.attributions", "story.claims", "story.conflicts", "article.analysis.parse")

NO_PROVENANCE = "provenance not run: each article counted as its own origin"


# The attribution parser and statement test are English (spaCy's English model, taggers fit on PolNeAR): an
# article in another language keeps the parse's entities, while its statements are its sentences of enough words
# and it has no attributions of its own; its claims join the English ones through the translation alignment and
# take their speakers from there.
PARSED_LANGUAGES = {"en"}


def parsed_in_full(article: Article) -> bool:
    """Attributions and the statement test apply: the article is English, or its language is unknown."""
    lang = base_language(article.language)
    return lang is None or lang in PARSED_LANGUAGES


def _parser_name(nlp, ctx, article: Article | None = None) -> str:
    """What a stored parse was made with; another value means the article is parsed again. The settings that shape
    the parse add a short digest of their values, only when they differ from the defaults (parses stored with the
    defaults are kept)."""
    name = (ctx.config.spacy_model if nlp else "rules") + f"/attr{ATTRIBUTION_VERSION}"
    if article is not None and not parsed_in_full(article):
        name += "/statements-by-length"
    s = ctx.config.claims
    shape = (s.min_words, s.max_words, s.attribution_weights)
    if shape == (CLAIMS_DEFAULTS.min_words, CLAIMS_DEFAULTS.max_words, CLAIMS_DEFAULTS.attribution_weights):
        return name
    return f"{name}.s{hashlib.sha256(repr(shape).encode()).hexdigest()[:10]}"


def parse_articles(articles: list[Article], ctx) -> None:
    """Claims' per-article part: parse each article once (attributions, statement sentences, places, speaker
    hints) and keep it on the article's analysis, so a story that grows never parses its old articles again."""
    nlp = ctx.nlp(ner=True)
    settings = ctx.config.claims
    # Keyed by object: in the article stages an article has no id yet (ids are computed after them).
    names = {id(a): _parser_name(nlp, ctx, a) for a in articles}
    todo = [a for a in articles if analysis_of(a).parse is None or analysis_of(a).parse.parser != names[id(a)]]
    if not todo:
        return
    texts = [a.text or "" for a in todo]
    docs = list(nlp.pipe(texts, batch_size=settings.parse_batch)) if nlp else [None] * len(todo)
    for art, text, doc in zip(todo, texts, docs, strict=True):
        an = analysis_of(art)
        weights = settings.attribution_weights  # "" = the shipped taggers (from_doc's default)
        full = parsed_in_full(art)
        if not full:
            raws = []
        elif doc is None:
            raws = extract_attributions(text, nlp=False)
        else:
            raws = from_doc(doc, weights) if weights else from_doc(doc)
        parsed = [
            ParsedAttribution(
                source=(r.source.start, r.source.end) if r.source else None,
                cue=(r.cue.start, r.cue.end) if r.cue else None,
                content=(r.content.start, r.content.end),
                kind=r.kind,
                antecedent=(r.antecedent.start, r.antecedent.end) if r.antecedent else None,
                hint=_speaker_hint(r, doc),
            )
            for r in sorted(raws, key=lambda r: r.content.start)
        ]
        statements: list[int] = []
        places: dict[int, list[str]] = {}
        for i, (start, end) in enumerate(an.sentences):
            if not full:  # another language: a sentence of enough words (CJK counted by characters)
                if settings.min_words <= word_count(text[start:end]) <= settings.max_words:
                    statements.append(i)
                continue
            if doc is None:
                if len(text[start:end].split()) >= settings.min_words:
                    statements.append(i)
                continue
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is None or not is_statement(span, settings):
                continue
            statements.append(i)
            found = sorted({fold(e.text) for e in span.ents if e.label_ in ("GPE", "LOC", "FAC") and e.start > 0
                            and doc[e.start - 1].lower_ in ("in", "at")})
            if found:
                places[i] = found
        # The entities stage's per-article part, from the same parse (spaCy runs once per article).
        ents = [] if doc is None else [(e.start_char, e.end_char, e.label_) for e in doc.ents
                                       if e.label_ in _ENTITY_LABELS]
        an.parse = ArticleParse(parser=names[id(art)], attributions=parsed, statements=statements, places=places,
                                entities=ents)
        an.dirty = True


def parse_stage(articles: list[Article], ctx) -> list[Article]:
    """Article stage: the claims parse of each article, computed once with the article and stored with it.

    Where one-article stories get claims (the default) every article needs its parse, so it is made here: spaCy
    runs over the article batch (not one story's one or two texts at a time), and the executor spreads it like the
    other article stages. With singleton claims off a one-article story never needs one, so the parse waits for
    the story stage (`run` parses what is missing).

    The stage is optional (`pipeline.Stage.optional`): an article whose parse fails or overruns the article stages'
    budget goes on unparsed, and the story stage parses it (a failure then marks the story failed, named, as before
    this stage existed), so no article is lost to the parse."""
    if ctx.config.singleton_claims:
        parse_articles([a for a in articles if a.text], ctx)
    return articles


def run(story: Story, articles: Mapping[str, Article], ctx) -> Story:
    settings = ctx.config.claims
    ids = [a for a in story.article_ids if a in articles]
    parse_articles([articles[a] for a in ids], ctx)
    texts = [articles[a].text or "" for a in ids]
    aliases = acronyms(texts + [articles[a].title or "" for a in ids])

    attributions: list[Attribution] = []
    units: list[Unit] = []
    labels_seen: dict[str, list[str]] = {}
    for aid, text in zip(ids, texts, strict=True):
        an = analysis_of(articles[aid])
        parse = an.parse
        assert parse is not None
        sents = [Sentence(aid, i, s, e, text[s:e]) for i, (s, e) in enumerate(an.sentences)]
        earlier: list[tuple[str, Speaker]] = []
        art_atts: list[int] = []
        for pa in parse.attributions:
            source_text = text[pa.source[0] : pa.source[1]] if pa.source else None
            speaker = _speaker_from_hint(pa.hint, earlier, aliases) if pa.source else None
            att = Attribution(
                article_id=aid,
                source=pa.source,
                cue=pa.cue,
                content=pa.content,
                source_text=source_text,
                cue_text=text[pa.cue[0] : pa.cue[1]] if pa.cue else None,
                content_text=text[pa.content[0] : pa.content[1]],
                kind=pa.kind,
                speaker=speaker.key if speaker else None,
                anonymous=speaker.anonymous if speaker else False,
            )
            if speaker is not None and source_text is not None:
                earlier.append((source_text, speaker))
                labels_seen.setdefault(speaker.key, []).append(speaker.label)
            art_atts.append(len(attributions))
            attributions.append(att)
        art_units = _units(aid, sents, parse, attributions, art_atts)
        if not parsed_in_full(articles[aid]):
            for u in art_units:
                u.readable = False
        units.extend(art_units)

    labels = _unify_speakers(attributions, labels_seen)
    for u in units:
        if u.attribution is not None:
            att = attributions[u.attribution]
            u.speaker_key = att.speaker
            u.speaker_label = labels.get(att.speaker or "", att.speaker)
            u.anonymous = att.anonymous

    embedder = ctx.embedder()
    scorer = PairScorer(embedder, ctx.config.align.weights)  # align's paraphrase classifier, as align loads it
    # MRPC's F1-best threshold favours recall on a set that is two-thirds paraphrases; one claim needs more.
    threshold = max(scorer.threshold, settings.min_group_score)
    # One article (most of a firehose): only units that could group need a vector (the same groups; see
    # units_that_can_group); a story of several articles compares every unit across articles.
    only = units_that_can_group(units, scorer, threshold, settings) if len(ids) == 1 else None
    scores = ClaimScores(units, unit_vectors(units, articles, embedder, only), _forced_pairs(story, articles), scorer,
                         [polarity(u.sentence) for u in units], settings)
    # Versions that disagree are two claims, not one: the conflict then names both.
    for i, _qa, j, _qb in number_clashes(units):
        scores.set_zero(i, j)
    clusters = group(units, scores, threshold, settings)
    claims: list[Claim] = []
    unit_claim: dict[int, str] = {}
    for members in clusters:
        claim = _claim(story, [units[i] for i in members], scores, members)
        claims.append(claim)
        for i in members:
            unit_claim[i] = claim.id
    for att in attributions:
        # The report shows one readable name per resolved source (the same for every mention of it).
        if att.speaker:
            att.speaker = labels.get(att.speaker, att.speaker.split(":", 1)[-1])
    story.attributions = attributions
    story.claims = claims
    story.conflicts = find_conflicts(units, unit_claim, scores, claims)
    return story


_NAME_LABELS = ("PERSON", "ORG", "GPE", "NORP", "FAC")
_ENTITY_LABELS = ("PERSON", "ORG", "GPE", "LOC", "FAC")  # kept on the parse for the entities stage
_REL_WORDS = {"which", "that", "who", "whom", "this", "these", "those"}
# Heads whose named part is the speaker: "a report by Reuters", "the website Intelligence Online".
_MEDIA_WORDS = {"report", "reports", "reporting", "statement", "article", "website", "agency", "story", "interview",
                "broadcast", "newspaper", "outlet", "channel", "magazine", "daily", "site"}


def _speaker_hint(raw: RawAttribution, doc=None) -> SpeakerHint | None:
    """The article-only part of resolving who speaks: what the parse says of the source phrase."""
    if raw.source is None:
        return None
    text = raw.source.text.strip()
    src_span = raw.source
    if fold(text) in _REL_WORDS and raw.antecedent is not None:
        # "the Turkish official, who stressed ...": speak for the antecedent.
        src_span = raw.antecedent
        text = raw.antecedent.text.strip()
    if fold(text) in _REL_WORDS:
        return SpeakerHint(text, "relword")
    ents = []
    root = None
    if doc is not None:
        span = doc.char_span(src_span.start, src_span.end, alignment_mode="expand")
        if span is not None:
            root = span.root
            # "Russia's Sputnik": a possessive modifier is not the speaker.
            ents = [e for e in span.ents if e.label_ in _NAME_LABELS and not (e.end < len(doc) and doc[e.end].tag_ == "POS")]
    has_person = any(e.label_ == "PERSON" for e in ents)
    role_head = root is not None and fold(root.text) in ROLE_NOUNS
    if role_head or (not has_person and (is_anonymous(text) or has_role(text))):
        return SpeakerHint(text, "anon")
    if root is not None and ents and root.lower_ not in _MEDIA_WORDS:
        # The speaker is the phrase's head: "the most recent meetings ... by Fidan" is not Fidan.
        ents = [e for e in ents if e.start <= root.i < e.end] or []
    if ents:
        # A person before an organisation before a place.
        rank = {lab: k for k, lab in enumerate(_NAME_LABELS)}
        ent = min(ents, key=lambda e: (rank[e.label_], -len(e.text)))
        name = ent.text.strip()
    else:
        caps = [w for w in text.split()[1:] + text.split()[:1] if w[:1].isupper() and not w.endswith(("’s", "'s"))]
        if root is not None and not root.text[:1].isupper() and root.lower_ not in _MEDIA_WORDS:
            caps = []
        if not caps:
            return SpeakerHint(text, "desc")
        name = " ".join(w for w in text.split() if w in caps)
    return SpeakerHint(text, "name", name)


def _speaker_from_hint(hint: SpeakerHint | None, earlier: list[tuple[str, Speaker]], aliases: dict[str, str]):
    """The story part: an earlier speaker of the same article this phrase refers to, else the hint's speaker."""
    if hint is None:
        return None
    ref = resolve_reference(hint.lookup, earlier)
    if ref is not None:
        return ref
    text = hint.lookup
    if hint.kind == "relword":
        return None
    if hint.kind == "anon":
        return Speaker("anon:" + text, text, True, [text])
    if hint.kind == "desc":
        return Speaker("desc:" + fold(text), text, False, [text])
    key = named_key(hint.name, aliases)
    if not key:
        return None
    return Speaker("name:" + key, hint.name, False, [text])


def _unify_speakers(attributions: list[Attribution], seen: dict[str, list[str]]) -> dict[str, str]:
    """Rewrite speaker keys so one source has one key across the story; return {key: label}."""
    names = {a.speaker[5:] for a in attributions if a.speaker and a.speaker.startswith("name:")}
    name_map = unify_names(names)
    anon = sorted({a.speaker for a in attributions if a.speaker and a.speaker.startswith("anon:")})
    anon_map: dict[str, str] = {}
    for k in anon:
        desc = k[5:].split("|")[-1]
        for rep in dict.fromkeys(anon_map.values()):
            if same_anonymous(desc, rep[5:].split("|")[-1]):
                anon_map[k] = rep
                break
        else:
            anon_map[k] = k
    labels: dict[str, str] = {}
    for a in attributions:
        if not a.speaker:
            continue
        if a.speaker.startswith("name:"):
            forms = seen.get(a.speaker, [])
            a.speaker = "name:" + name_map.get(a.speaker[5:], a.speaker[5:])
            # The fullest surface form seen for the person or organisation ("Recep Tayyip Erdoğan").
            for form in forms + [a.speaker[5:].title()]:
                if len(form) > len(labels.get(a.speaker, "")) and len(form.split()) <= 6:
                    labels[a.speaker] = form
        elif a.speaker.startswith("anon:"):
            a.speaker = anon_map.get(a.speaker, a.speaker)
            desc = a.speaker[5:].split("|")[-1].strip()
            labels.setdefault(a.speaker, re.sub(r"^(?:the|a|an)\s+", "", desc, flags=re.I))
        else:
            labels.setdefault(a.speaker, a.source_text or a.speaker[5:])
    return labels


def _units(aid: str, sents: list[Sentence], parse: ArticleParse, attributions: list[Attribution],
           art_atts: list[int]) -> list[Unit]:
    out: list[Unit] = []
    statements = set(parse.statements)
    for s in sents:
        if s.index not in statements:
            continue
        best = None
        for k in art_atts:
            att = attributions[k]
            if not _speaks(att):
                continue
            anchor = att.cue[0] if att.cue else att.content[0]
            # The attribution whose content opens first carries the sentence's main statement
            # ('"Q," said X, who stressed that R' -> Q; 'X reported A, noting B' -> A).
            if s.start <= anchor < s.end and (best is None or _order(att) < _order(attributions[best])):
                best = k
        # "According to Meridian, a negotiator said X": the claim is X and its speaker the negotiator.
        # A direct quote stays whole: its speaker said all of it.
        seen: set[int] = set()
        while best is not None and best not in seen:
            seen.add(best)
            outer = attributions[best]
            if outer.content_text.lstrip()[:1] in "\"“«":
                break
            inner = [k for k in art_atts if k != best and attributions[k].cue and _speaks(attributions[k])
                     and outer.content[0] <= attributions[k].cue[0] < outer.content[1]
                     and s.start <= attributions[k].cue[0] < s.end]
            if not inner:
                break
            best = min(inner, key=lambda k: _order(attributions[k]))
        if best is None:
            # A quote whose speaker sits in the next sentence: its content lies in this one.
            for k in art_atts:
                att = attributions[k]
                if s.start <= att.content[0] < s.end and att.content[1] <= s.end + 2:
                    best = k
                    break
        unit = Unit(aid, s.index, s.text, s.start, s.end, s.text, "claim")
        unit.places = set(parse.places.get(s.index, ()))
        if best is not None:
            att = attributions[best]
            content = strip_quotes(att.content_text)
            if len(content.split()) >= 4:
                unit.text = content
            unit.attribution = best
            if len(content.split()) >= 4:
                unit.content = best - art_atts[0]  # the article's attributions are contiguous, in parse order
            unit.kind = "quote" if att.kind in ("direct", "mixed") and att.content_text.lstrip()[:1] in "\"“«" else "claim"
            unit.spans = {
                "content": list(att.content),
                "source": list(att.source) if att.source else None,
                "cue": list(att.cue) if att.cue else None,
            }
        out.append(unit)
    return out


def content_texts(article: Article) -> list[str]:
    """The claim text of each parsed attribution's content (quotes and a leading "that" stripped)."""
    text = article.text or ""
    parse = analysis_of(article).parse
    return [strip_quotes(text[a.content[0] : a.content[1]]) for a in (parse.attributions if parse else [])]


def unit_vectors(units: list[Unit], articles: Mapping[str, Article], embedder,
                 only: set[int] | None = None) -> np.ndarray:
    """One embedding per unit, from vectors stored with each article (encoded once, the first time needed).

    `only`: the units whose vectors are read; the others get a zero row (cosine 0 with every unit) and cost
    nothing."""
    from wiretrace.analysis import ensure_vectors

    if not units:
        return np.zeros((0, 1), dtype=np.float32)
    wanted = range(len(units)) if only is None else sorted(only)
    sent: dict[str, set[int]] = {}
    cont: dict[str, set[int]] = {}
    for k in wanted:
        u = units[k]
        (cont if u.content is not None else sent).setdefault(u.article_id, set()).add(
            u.content if u.content is not None else u.index)
    members = [articles[a] for a in dict.fromkeys(u.article_id for u in units)]
    ensure_vectors(members, sent, embedder)
    ensure_vectors(members, cont, embedder, content_texts, kind="content")
    rows: dict[int, np.ndarray] = {}
    for k in wanted:
        u = units[k]
        kind, idx = ("content", u.content) if u.content is not None else ("", u.index)
        rows[k] = np.asarray(analysis_of(articles[u.article_id]).vectors[vector_key(embedder.name, kind)].get(idx),
                             dtype=np.float32)
    dim = len(next(iter(rows.values()))) if rows else 1
    out = np.zeros((len(units), dim), dtype=np.float32)
    for k, v in rows.items():
        out[k] = v
    return out


def _speaks(att: Attribution) -> bool:
    """A person, organisation or anonymous source says it (not "the meetings sought to ..."), or it is a quote."""
    if att.kind in ("direct", "mixed"):
        return True
    return bool(att.speaker) and not att.speaker.startswith("desc:")


def _order(att: Attribution) -> tuple[int, int, int]:
    # A clause before a bare object ("hailed the accord, saying ..."), then the earliest, then the shortest.
    return (len(att.content_text.split()) < 4, att.content[0], att.content[1] - att.content[0])


def _forced_pairs(story: Story, articles: Mapping[str, Article]) -> set[tuple[tuple[str, int], tuple[str, int]]]:
    """Sentence pairs that are one statement whatever their vectors say: those align marked verbatim, and every
    pair align found between articles of two languages (a translation states what its source states; the English
    sentence vectors cannot see it)."""
    out: set[tuple[tuple[str, int], tuple[str, int]]] = set()
    for al in story.alignments or []:
        a, b = articles.get(al.a), articles.get(al.b)
        across = a is not None and b is not None and languages_differ(a.language, b.language)
        for p in al.pairs:
            if across or p.label == "verbatim":
                out.add(((al.a, p.a), (al.b, p.b)))
    return out



def origins_for(story: Story, article_id: str, sentence: int) -> list[Origin]:
    """The origins behind one sentence: a secondary origin covering it wins over the article's primary ones.

    A `statement` origin (a speaker several articles quote) is what the sentence reports, not where the article's
    text comes from: two outlets quoting one statement stay two independent reports of it."""
    origins = [o for o in story.origins or [] if o.kind != "statement"]
    secondary = [o for o in origins if o.secondary and sentence in o.sentences.get(article_id, [])]
    if secondary:
        return secondary
    return [o for o in origins if not o.secondary and article_id in o.article_ids]


def derivations(story: Story) -> dict[str, set[str]]:
    """{origin: origins it rests on}, from provenance's chains and the origins its "derived_from" evidence links."""
    out: dict[str, set[str]] = {}
    for chain in story.independent_origin_chains or []:
        if chain.get("derived_from"):
            out.setdefault(chain["origin"], set()).add(chain["derived_from"])
    names = {o.name for o in story.origins or []}
    for o in story.origins or []:
        for ev in o.evidence:
            if ev.kind in ("derived_from", "same_text"):
                out.setdefault(o.name, set()).update(n for n in ev.origins if n != o.name and n in names)
            if ev.kind == "same_text":  # the same sentences of a third article: each rests on the other
                for n in ev.origins:
                    if n != o.name and n in names:
                        out.setdefault(n, set()).add(o.name)
    return out


def _derived(a: Origin, b: Origin, known: dict[str, set[str]]) -> bool:
    """`a` rests on `b`: provenance says so, or a's witness article is itself one of b's articles."""
    if b.name in known.get(a.name, set()):
        return True
    return a.name != b.name and a.closest_witness is not None and a.kind == "article" and a.closest_witness in b.article_ids


def independent(origins: list[Origin], known: dict[str, set[str]] | None = None) -> int:
    """Distinct origins not derived from another origin of the same set (origins resting on each other count once)."""
    known = known or {}
    uniq = {o.name: o for o in origins}
    rests_on = {o.name: [p.name for p in uniq.values() if p.name != o.name and _derived(o, p, known)]
                for o in uniq.values()}
    return independent_count(uniq, rests_on)


def _claim(story: Story, members: list[Unit], scores: ClaimScores, idx: list[int]) -> Claim:
    # The representative: the mention closest to all others (the medoid), so the claim reads like its group.
    # When most mentions quote the words verbatim, the representative is one of the quotes: a paraphrase that
    # happens to sit closest to all the others would misreport what was said.
    pool = [p for p in range(len(idx)) if members[p].kind == "quote"]
    if len(pool) * 2 < len(members):
        pool = list(range(len(idx)))
    rep_pos, rep_row = scores.medoid(idx, pool)
    rep = members[rep_pos]
    article_ids = list(dict.fromkeys(u.article_id for u in members))
    mentions: list[dict[str, Any]] = []
    all_origins: dict[str, Origin] = {}
    for pos, u in enumerate(members):
        m: dict[str, Any] = {
            # Why this sentence is in the group: its "same claim" score against the representative.
            "score": round(float(rep_row[pos]), 3),
            "article_id": u.article_id,
            "sentence_index": u.index,
            "sentence": u.sentence,
            "spans": {"sentence": [u.start, u.end], **u.spans},
            "speaker": u.speaker_label,
        }
        if story.origins is None:
            m["origins"] = []
            m["evidence"] = NO_PROVENANCE
        else:
            os_ = origins_for(story, u.article_id, u.index)
            m["origins"] = [o.name for o in os_]
            for o in os_:
                all_origins[o.name] = o
        mentions.append(m)
    speakers = [u for u in members if u.speaker_key]
    speaker = None
    attributed: list[str] = []
    if speakers:
        counts: dict[str, int] = {}
        for u in speakers:
            counts[u.speaker_label or u.speaker_key] = counts.get(u.speaker_label or u.speaker_key, 0) + 1
        attributed = sorted(counts, key=lambda k: -counts[k])
        speaker = attributed[0]
    if story.origins is None:
        origins: list[str] = []
        n_independent = len(article_ids)
    else:
        origins = list(all_origins)
        n_independent = independent(list(all_origins.values()), derivations(story))
    kind = "quote" if sum(u.kind == "quote" for u in members) * 2 >= len(members) and rep.kind == "quote" else "claim"
    cid = "c" + hashlib.sha1(f"{story.id}|{rep.article_id}|{rep.index}".encode()).hexdigest()[:10]
    return Claim(
        id=cid,
        text=rep.text,
        kind=kind,
        speaker=speaker,
        attributed_to=attributed,
        article_ids=article_ids,
        origins=origins,
        independent_origins=n_independent,
        mentions=mentions,
    )
