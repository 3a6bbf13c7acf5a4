"""Attribution spans by sequence labelling: cues first, then source and content conditioned on each cue.

Two linear-chain CRFs (CRFsuite through `python-crfsuite`), fitted on the
PolNeAR training split by `benchmarks/fit_attribution_crf.py`:

1. the cue tagger labels each sentence's tokens B/I/O for cue spans, so a cue
   is a whole verb group ("has also said", "according to", "quoted ... as
   saying", "said in a statement", a colon or dash) as PolNeAR marks it;
2. for every cue found, the span tagger labels the same sentence's tokens as
   source (S), content (C) or neither, with features relative to that cue
   (side, distance, which dependent of the cue a token hangs from, another cue
   in between, quotation state). A sequence per cue links each source and
   content to its cue and lets attributions nest ("A said B told C that D").

The content is the covering span of its C tokens, so a quote split around its
cue ("X," he said, "Y") is one content, as PolNeAR's covering span is. Quotes
that open before the cue's sentence or run on past it are followed to their
marks by the same helpers the rules use. The CRFs are hand-fed features from
the spaCy parse already computed for the article: no extra model runs.

Why CRFsuite and not a transformer tagger: the per-article budget (≥ 10,000
words/s on 2 cores, spaCy's tagger and parser included) leaves milliseconds
per article; CRFsuite tags a sentence in microseconds from C.
"""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from wiretrace.claims import attributions as rules
from wiretrace.claims.attributions import RawAttribution, Span

log = logging.getLogger(__name__)

# Names the taggers' output: bump it when a change alters the attributions found, so that parses stored with the
# old output are made again (the claims stage's parser name carries it). 2: issue 15's second round.
VERSION = "2"

WEIGHTS_DIR = Path(__file__).parent / "weights"
CUE_FILE = "attribution_cue.crfsuite.gz"  # CRFsuite models, gzipped (a third of the size), read in memory
SPAN_FILE = "attribution_span.crfsuite.gz"
SETTINGS_FILE = "attribution_crf.json"  # the threshold chosen on the development fifth of the training split

_QUOTES = {"“", "”", '"', "''", "``", "«", "»"}
_DIST_BINS = (0, 1, 2, 3, 5, 8, 12, 20)


def _shape(w: str) -> str:
    if w.isdigit():
        return "d"
    if w.isupper() and len(w) > 1:
        return "XX"
    if w[:1].isupper():
        return "Xx"
    if w.isalpha():
        return "x"
    return "p"


def _dist(n: int) -> str:
    for k, b in enumerate(_DIST_BINS):
        if n <= b:
            return str(k)
    return str(len(_DIST_BINS))


@dataclass(slots=True)
class DocFeatures:
    """What every sequence of an article draws on, computed once per article."""

    base: list[list[str]]  # per token: its own features
    heads: list[int]  # per token: its head's index
    deps: list[str]
    lower: list[str]
    inquote: list[bool]  # inside a quotation (marks toggled per paragraph)
    quote_id: list[int]  # which quotation (-1 outside)
    rule_cue: list[str]  # B/I/O of the cues the rules keep (stacked: the taggers weigh the rules' answer)
    rule_atts: list[tuple[tuple[int, int], tuple[int, int] | None, tuple[int, int]]]  # token ranges: cue, source, content


def _tok_range(doc, span: Span | None) -> tuple[int, int] | None:
    if span is None:
        return None
    sp = doc.char_span(span.start, span.end, alignment_mode="expand")
    return None if sp is None or len(sp) == 0 else (sp.start, sp.end)


def quotation_state(doc) -> tuple[list[bool], list[int], list[bool]]:
    """Per token: inside a quotation, which quotation (-1 outside), and whether it starts a paragraph. Marks toggle
    per paragraph ('' and " open and close alike, as in PolNeAR's wire copy). Cached on the Doc: the features and
    the combination both read it."""
    cached = doc.user_data.get("wiretrace_quotes")
    if cached is not None:
        return cached
    text = rules._text(doc)
    toks = list(doc)
    n = len(toks)
    inquote = [False] * n
    quote_id = [-1] * n
    opened = -1
    qid = 0
    para_break = [False] * n
    for i, t in enumerate(toks):
        if "\n" in t.text or (i > 0 and "\n" in text[toks[i - 1].idx + len(toks[i - 1].text) : t.idx]):
            para_break[i] = True
            opened = -1
        w = t.text
        if w in ("“", "``", "«"):
            opened, qid = i, qid + 1
            inquote[i], quote_id[i] = True, qid
            continue
        if w in ("”", "»"):
            inquote[i], quote_id[i] = True, (qid if opened != -1 else -1)
            opened = -1
            continue
        if w in ('"', "''"):
            if opened == -1:
                opened, qid = i, qid + 1
            else:
                inquote[i], quote_id[i] = True, qid
                opened = -1
                continue
        if opened != -1:
            inquote[i], quote_id[i] = True, qid
    doc.user_data["wiretrace_quotes"] = (inquote, quote_id, para_break)
    return inquote, quote_id, para_break


def doc_features(doc, rates: dict[str, float], cue_model: dict | None = None,
                 rule_atts: list[RawAttribution] | None = None) -> DocFeatures:
    """Per-token features of the parse (word, stem, tag, dependency, head, quotation state, cue-word rate, and the
    binned margin the rules' logistic cue model gives a verb from its own features)."""
    toks = list(doc)
    lower = [t.lower_ for t in toks]
    tags = [t.tag_ for t in toks]
    deps = [t.dep_ for t in toks]
    heads = [t.head.i for t in toks]
    n = len(toks)
    inquote, quote_id, para_break = quotation_state(doc)
    child_deps: list[set[str]] = [set() for _ in range(n)]
    for i, h in enumerate(heads):
        if h != i:
            child_deps[h].add(deps[i])
    base: list[list[str]] = []
    for i, t in enumerate(toks):
        w = lower[i]
        hw = lower[heads[i]]
        f = [
            "w=" + w, "st=" + rules._stem(w), "t=" + tags[i], "d=" + deps[i], "sh=" + _shape(t.text),
            "hw=" + rules._stem(hw), "ht=" + tags[heads[i]], "dhw=" + deps[i] + "|" + rules._stem(hw),
            "q=" + ("1" if inquote[i] else "0"),
        ]
        if t.is_sent_start:
            f.append("ss")
        if para_break[i]:
            f.append("pb")
        r = rates.get(w)
        if r is not None:
            f.append("rate=" + str(int(r * 10)))
        if tags[i].startswith("VB") and cue_model is not None and deps[i] not in ("aux", "auxpass"):
            m = cue_model["bias"] + rules._score(rules.verb_features(doc, t), cue_model)
            f.append("lm=" + str(max(-4, min(4, round(m)))))
        if tags[i].startswith("VB"):
            f += ["ch=" + d for d in child_deps[i] if d in ("ccomp", "dobj", "xcomp", "nsubj", "nsubjpass", "agent",
                                                              "dative", "prep", "parataxis")]
        base.append(f)
    rule_cue = ["O"] * n
    ranges = []
    for att in rule_atts or []:
        cue, src, cont = _tok_range(doc, att.cue), _tok_range(doc, att.source), _tok_range(doc, att.content)
        if cue is None or cont is None:
            continue
        ranges.append((cue, src, cont))
        rule_cue[cue[0]] = "B"
        for i in range(cue[0] + 1, cue[1]):
            rule_cue[i] = "I"
    return DocFeatures(base, heads, deps, lower, inquote, quote_id, rule_cue, ranges)


def cue_sequence(df: DocFeatures, start: int, end: int) -> list[list[str]]:
    """Features of one sentence's tokens for the cue tagger: own features, the neighbours' words and tags, and what
    the token governs (its subject, the words of its prepositions: "support for", "criticism of") and how far the
    nearest quotation mark is on each side ("...,” he said")."""
    subj: dict[int, str] = {}
    preps: dict[int, list[str]] = {}
    for j in range(start, end):
        h = df.heads[j]
        if h == j or not (start <= h < end):
            continue
        if df.deps[j] in ("nsubj", "nsubjpass"):
            tag = df.base[j][2][2:]
            subj[h] = df.lower[j] if tag == "PRP" else tag
        elif df.deps[j] in ("prep", "dobj", "ccomp"):
            preps.setdefault(h, []).append(df.deps[j] + ":" + (df.lower[j] if df.deps[j] == "prep" else
                                                                df.base[j][2][2:]))
    marks = [j for j in range(start, end) if df.lower[j] in _QUOTES]
    out = []
    for i in range(start, end):
        f = list(df.base[i])
        for k, name in ((-2, "p2"), (-1, "p1"), (1, "n1"), (2, "n2")):
            j = i + k
            if start <= j < end:
                f.append(name + "w=" + df.lower[j])
                f.append(name + "t=" + df.base[j][2][2:])
                f.append(name + "rc=" + df.rule_cue[j])
            else:
                f.append(name + "w=<b>")
        if start < i:
            f.append("bg=" + df.lower[i - 1] + "|" + df.lower[i])
        if i + 1 < end:
            f.append("fg=" + df.lower[i] + "|" + df.lower[i + 1])
        f.append("rc=" + df.rule_cue[i])
        f.append("rcw=" + df.rule_cue[i] + "|" + df.lower[i])
        if i in subj:
            f.append("sj=" + subj[i])
        f += ["gv=" + g for g in preps.get(i, ())]
        left = [i - j for j in marks if j < i]
        right = [j - i for j in marks if j > i]
        f.append("ql=" + (_dist(min(left)) if left else "-"))
        f.append("qr=" + (_dist(min(right)) if right else "-"))
        out.append(f)
    return out


def _cue_head(df: DocFeatures, cs: int, ce: int) -> int:
    """The cue's head token: the one whose head lies outside the cue (a verb preferred)."""
    cands = [i for i in range(cs, ce) if not (cs <= df.heads[i] < ce) or df.heads[i] == i]
    verbs = [i for i in cands if df.base[i][2].startswith("t=VB")]
    return (verbs or cands or [cs])[0]


def span_sequence(df: DocFeatures, start: int, end: int, cue: tuple[int, int],
                  other_cues: list[tuple[int, int]]) -> list[list[str]]:
    """Features of one sentence's tokens relative to one cue (for the source/content tagger)."""
    cs, ce = cue
    head = _cue_head(df, cs, ce)
    cw = rules._stem(df.lower[head])
    cdep = df.deps[head]
    cue_q = df.quote_id[head]
    # Which dependent of the cue's head each token hangs from ("anc" above it, "-" elsewhere).
    ancestors = set()
    k = head
    for _ in range(40):
        h = df.heads[k]
        if h == k:
            break
        ancestors.add(h)
        k = h
    others = [c for c in other_cues if c != cue]
    # The rules' attribution around the same cue, if any: its source and content as features.
    rule = next((r for r in df.rule_atts if r[0][0] < ce and cs < r[0][1]), None)
    rsrc = rule[1] if rule is not None else None
    rcont = rule[2] if rule is not None else None
    out = []
    for i in range(start, end):
        if cs <= i < ce:
            pos, d = "Q", 0
        elif i < cs:
            pos, d = "L", cs - i
        else:
            pos, d = "R", i - ce + 1
        via = "-"
        if i in ancestors:
            via = "anc"
        elif not (cs <= i < ce):
            k = i
            for _ in range(40):
                h = df.heads[k]
                if h == head:
                    via = df.deps[k]
                    break
                if h == k or cs <= h < ce:
                    via = df.deps[k] if cs <= h < ce else "-"
                    break
                k = h
        dist = _dist(d)
        blk = any((c[0] > i and c[1] <= cs) or (c[0] >= ce and c[0] < i) for c in others)
        f = list(df.base[i])
        f += [
            "pos=" + pos, "pd=" + pos + dist, "via=" + via, "vp=" + via + "|" + pos, "blk=" + str(blk),
            "cw=" + cw + "|" + pos, "cd=" + cdep + "|" + pos, "cvia=" + cw + "|" + via,
            "sq=" + str(df.quote_id[i] == cue_q and cue_q != -1), "dp=" + df.deps[i] + "|" + pos,
            "wp=" + df.lower[i] + "|" + pos,
        ]
        if rule is None:
            f.append("nor")
        else:
            if rsrc is not None and rsrc[0] <= i < rsrc[1]:
                f.append("rs" + ("b" if i == rsrc[0] else "") + ("e" if i == rsrc[1] - 1 else ""))
            if rcont[0] <= i < rcont[1]:
                f.append("rct" + ("b" if i == rcont[0] else "") + ("e" if i == rcont[1] - 1 else ""))
        if i > start:
            f.append("p1w=" + df.lower[i - 1])
        if i + 1 < end:
            f.append("n1w=" + df.lower[i + 1])
        else:
            f.append("last")
        out.append(f)
    return out


def _runs(labels: list[str], tag: str) -> list[tuple[int, int]]:
    out, k = [], 0
    while k < len(labels):
        if labels[k] == tag:
            j = k
            while j < len(labels) and labels[j] == tag:
                j += 1
            out.append((k, j))
            k = j
        else:
            k += 1
    return out


def cue_spans(labels: list[str]) -> list[tuple[int, int]]:
    """Token ranges of the B/I cue labels of one sentence (offsets within it)."""
    out: list[tuple[int, int]] = []
    k = 0
    while k < len(labels):
        if labels[k] in ("B", "I"):
            j = k + 1
            while j < len(labels) and labels[j] == "I":
                j += 1
            out.append((k, j))
            k = j
        else:
            k += 1
    return out


@dataclass(frozen=True, slots=True)
class Combination:
    """How the rules' and the taggers' answers are combined (`attribution_crf.json`, chosen on the development fifth
    of the training split by `benchmarks/fit_attribution_crf.py --dev`); None switches a step off."""

    # The cue confidence a tagger-only attribution needs.
    extra_threshold: float = 0.5
    # Around a cue both found: the span tagger's mean probability of "source" over its own source that replaces a
    # missing source of the rules ...
    source_add: float | None = None
    # ... the probability under which the rules' source is dropped when the tagger gives none ...
    source_drop: float | None = None
    # ... and the margin by which the tagger's source must beat the rules' (same measure) to replace it.
    source_swap: float | None = None
    # Drop a rules' attribution whose cue lies inside a quotation when the cue tagger does not confirm its cue ...
    drop_quoted: bool = False
    # ... and one of those, or a tagger-only one, whose cue lies inside another attribution's content.
    drop_nested: bool = False

    @classmethod
    def from_json(cls, data: dict) -> Combination:
        names = set(cls.__dataclass_fields__)
        return cls(**{k: (v if v is None or isinstance(v, bool) else float(v)) for k, v in data.items() if k in names})


@dataclass(slots=True)
class Models:
    cue: object  # pycrfsuite.Tagger
    span: object
    rates: dict[str, float]
    lexicon_model: dict | None  # the rules' cue classifier, whose verb margin is a feature
    combination: Combination  # attribution_crf.json
    buffers: tuple[bytes, bytes]  # the models' bytes, which the taggers read in place


@lru_cache(maxsize=4)
def load_models(weights_dir: str | None = None) -> Models | None:
    """The fitted taggers, or None (with one warning) when their weights or python-crfsuite are missing."""
    d = Path(weights_dir) if weights_dir else WEIGHTS_DIR
    try:
        import pycrfsuite
    except ImportError:
        log.warning("wiretrace.claims: python-crfsuite not installed; attribution spans from the rules")
        return None
    missing = [f for f in (CUE_FILE, SPAN_FILE) if not (d / f).is_file()]
    if missing:
        log.warning("wiretrace.claims: attribution model weights %s missing in %s (fit them with "
                    "benchmarks/fit_attribution_crf.py); attribution spans from the rules", ", ".join(missing), d)
        return None
    cue, span = pycrfsuite.Tagger(), pycrfsuite.Tagger()
    # CRFsuite reads the model from the buffer without copying it: the buffers live as long as the taggers.
    buffers = (gzip.decompress((d / CUE_FILE).read_bytes()), gzip.decompress((d / SPAN_FILE).read_bytes()))
    cue.open_inmemory(buffers[0])
    span.open_inmemory(buffers[1])
    try:
        rates = json.loads((d / "cues.json").read_text(encoding="utf-8")).get("rates", {})
    except (OSError, ValueError):
        rates = {}
    try:
        combination = Combination.from_json(json.loads((d / SETTINGS_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        combination = Combination()
    return Models(cue, span, rates, rules.cue_model(), combination, buffers)


def _sent_ranges(doc) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in doc.sents]


def _overlaps(a: Span | None, b: Span | None) -> bool:
    return a is not None and b is not None and a.start < b.end and b.start < a.end


@dataclass(slots=True)
class Tagged:
    """One attribution of the taggers, with what the combination weighs: the cue tagger's confidence (the lowest
    marginal of its cue's labels) and the span tagger's per-token probability of "source" over the cue's sentence."""

    att: RawAttribution
    conf: float
    start: int  # the sentence's first token
    p_source: list[float]

    def source_prob(self, doc, span: Span | None) -> float | None:
        """Mean probability of "source" over a span's tokens; None when the span is absent or leaves the sentence."""
        rng = _tok_range(doc, span)
        if rng is None or rng[0] < self.start or rng[1] > self.start + len(self.p_source):
            return None
        ps = self.p_source[rng[0] - self.start : rng[1] - self.start]
        return sum(ps) / len(ps)


def tag_all(doc, models: Models, rule_atts: list[RawAttribution]) -> list[Tagged]:
    """Attributions by the two taggers alone (cue tagger, then source/content per cue), the rules' answer stacked."""
    text = rules._text(doc)
    df = doc_features(doc, models.rates, models.lexicon_model, rule_atts)
    out: list[Tagged] = []
    seen: set[tuple] = set()
    for start, end in _sent_ranges(doc):
        if end - start < 2:
            continue
        labels = models.cue.tag(cue_sequence(df, start, end))
        spans = cue_spans(labels)
        conf = [min(models.cue.marginal(labels[k], k) for k in range(a, b)) for a, b in spans]
        cues = [(start + a, start + b) for a, b in spans]
        for cue, p in zip(cues, conf, strict=True):
            span_labels = models.span.tag(span_sequence(df, start, end, cue, cues))
            att = _build(doc, text, df, start, cue, span_labels)
            if att is None:
                continue
            key = (att.cue.start, att.cue.end, att.content.start, att.content.end)
            if key not in seen:
                seen.add(key)
                p_source = [models.span.marginal("S", k) for k in range(end - start)]
                out.append(Tagged(att, p, start, p_source))
    return out


def tagged(doc, models: Models, rule_atts: list[RawAttribution]) -> list[tuple[RawAttribution, float]]:
    """Attributions by the two taggers alone, each with the cue tagger's confidence (see `tag_all`)."""
    return [(t.att, t.conf) for t in tag_all(doc, models, rule_atts)]


def from_doc(doc, models: Models, combination: Combination | None = None) -> list[RawAttribution]:
    """Attributions in a parsed spaCy Doc: the rules' attributions with the cue tagger's verb group as their cue
    (and the span tagger's source where it is the more probable one), and the taggers' own attributions around the
    cues the rules miss.

    Why this combination: on a development fifth of the training split the taggers alone found more cues, with
    better cue boundaries, but built fewer exact sources than the rules around the cues both found (see
    benchmarks/RESULTS-claims.md); each part is kept where it measured better."""
    rule_atts = rules.rules_from_doc(doc)
    mine = tag_all(doc, models, rule_atts)
    return combine(doc, rule_atts, mine, models.combination if combination is None else combination)


def combine(doc, rule_atts: list[RawAttribution], mine: list[Tagged], comb: Combination) -> list[RawAttribution]:
    """The combination of `from_doc`, apart so that its settings can be swept without running the taggers again."""
    out: list[RawAttribution] = []
    unconfirmed: list[RawAttribution] = []
    inquote = quotation_state(doc)[0] if comb.drop_quoted else []
    for r in rule_atts:
        same = [t for t in mine if _overlaps(t.att.cue, r.cue)]
        if not same:
            if inquote and _quoted(doc, r.cue, inquote):
                # "“I guess that settles it,” he said": a verb inside someone's quotation is rarely an attribution
                # of its own in PolNeAR (107 of 109 on the development fifth were not); the tagger has learnt it.
                continue
            unconfirmed.append(r)
        if len(same) == 1:
            # The rules' spans, the tagger's verb group. (Taking the tagger's covering content for quotes split
            # around their cue measured worse on the development fifth: content exact 0.481 against 0.487.)
            cue = same[0].att.cue
            if not _overlaps(cue, r.content) and not _overlaps(cue, r.source):
                r = replace(r, cue=cue)
            r = _choose_source(doc, r, same[0], comb)
        out.append(r)
    # The taggers' own attributions around cues the rules miss; not one whose cue sits in a source already kept, or
    # whose source runs over a kept cue ("According to an official quoted by AP": "quoted" is no second cue).
    extras = [t.att for t in mine if t.conf >= comb.extra_threshold
              and not any(_overlaps(t.att.cue, r.cue) for r in rule_atts)
              and not any(_overlaps(t.att.cue, o.source) or _overlaps(t.att.source, o.cue) for o in out)
              and not _quotes_as_saying(doc, t.att, rule_atts)]
    out += extras
    if comb.drop_nested:
        # "X said the polls show Y": PolNeAR rarely annotates an attribution inside another's content (on the
        # development fifth 19 of 131 such from the rules alone were annotated, 7 of 31 of the tagger's own). A
        # direct quote before its cue ("“Q,” said X, ..., Y added") is kept: the other's content, run back over
        # the sentence by the rules, is the likelier error (the seeds' "Russia wants ..." quote; dev cost 0.001).
        nested = [r for r in unconfirmed + extras if not (r.kind == "direct" and r.content.end <= r.cue.start)
                  and any(_inside(r.cue, o.content) and not _inside(o.cue, r.content) for o in out if o is not r)]
        out = [o for o in out if not any(o is r for r in nested)]
    return out


def _inside(a: Span | None, b: Span | None) -> bool:
    return a is not None and b is not None and b.start <= a.start and a.end <= b.end


def _quoted(doc, cue: Span | None, inquote: list[bool]) -> bool:
    rng = _tok_range(doc, cue)
    return rng is not None and inquote[rng[0]]


def _choose_source(doc, r: RawAttribution, t: Tagged, comb: Combination) -> RawAttribution:
    """The rules' source or the span tagger's, around one cue both found, by the tagger's probability of "source"
    over each: the rules miss subjects of participles and coordinated verbs ("..., then revealed"), attach datelines
    and relative clauses the annotators leave out, and give a source to "appeared" and "asked", which PolNeAR leaves
    without one."""
    mine = t.att.source
    if mine is not None and (_overlaps(mine, r.content) or _overlaps(mine, r.cue)):
        return r
    if r.source is None:
        p = t.source_prob(doc, mine)
        if comb.source_add is not None and p is not None and p >= comb.source_add:
            return replace(r, source=mine, antecedent=t.att.antecedent)
        return r
    p_rule = t.source_prob(doc, r.source)
    if p_rule is None:
        return r
    if mine is None:
        if comb.source_drop is not None and p_rule < comb.source_drop:
            return replace(r, source=None, antecedent=None)
        return r
    if (mine.start, mine.end) == (r.source.start, r.source.end):
        return r
    p = t.source_prob(doc, mine)
    if comb.source_swap is not None and p is not None and p - p_rule >= comb.source_swap:
        return replace(r, source=mine, antecedent=t.att.antecedent)
    return r


def _quotes_as_saying(doc, att: RawAttribution, rule_atts: list[RawAttribution]) -> bool:
    """ "The agency quoted X as saying Y": the attribution is the inner one (X, saying, Y), found by the rules; the
    outer "quoted" is the rules' convention not to keep."""
    for r in rule_atts:
        if r.cue is not None and att.content.start <= r.cue.start and r.cue.end <= att.content.end:
            sp = doc.char_span(r.cue.start, r.cue.end, alignment_mode="expand")
            if sp is not None and any(rules._as_saying_source(t) is not None for t in sp):
                return True
    return False


def _build(doc, text: str, df: DocFeatures, start: int, cue: tuple[int, int],
           labels: list[str]) -> RawAttribution | None:
    """One attribution from a cue and its S/C labels: the source run nearest the cue, the content's covering span,
    quotation marks followed past the sentence as the rules follow them."""
    content_runs = _runs(labels, "C")
    if not content_runs:
        return None
    cue_s, cue_e = cue[0] - start, cue[1] - start
    # The content: the run nearest the cue, joined with runs separated only by the cue, the source or punctuation.
    def gap(a: int, b: int) -> int:
        return 0 if a < b else a - b

    runs = sorted(content_runs, key=lambda r: min(gap(r[0], cue_e), gap(cue_s, r[1])))
    lo, hi = runs[0]
    for a, b in sorted(content_runs):
        if (a, b) == runs[0]:
            continue
        between = range(min(hi, b), max(lo, a)) if a >= hi or b <= lo else range(0)
        if all(labels[k] != "O" or (cue_s <= k < cue_e) or doc[start + k].is_punct for k in between):
            lo, hi = min(lo, a), max(hi, b)
    first, last = doc[start + lo], doc[start + hi - 1]
    # Separators and a sentence-final period at the edges are not content (PolNeAR's convention, as the rules trim).
    c_start, c_end = rules._trim(text, first.idx, last.idx + len(last.text))
    if c_end - c_start < 2:
        return None
    cue_first, cue_last = doc[cue[0]], doc[cue[1] - 1]
    cue_span = rules._span(doc, cue_first.idx, cue_last.idx + len(cue_last.text))
    # Quotes opened earlier in the paragraph or running on after the sentence (PolNeAR keeps the marks).
    c_end = rules._balance_quotes(text, c_start, c_end, rules._paragraph_end(text, c_end))
    sent_end = doc[start].sent.end_char
    c_end = rules._follow_quote(text, c_end, cue_span.start, sent_end)
    c_start, c_end = rules._quote_edges(text, c_start, c_end, cue_span.start)
    c_end = rules._follow_quote(text, c_end, cue_span.start, sent_end)  # again: the closing mark is known only now
    if c_end - c_start < 2:
        return None
    content = rules._span(doc, c_start, c_end)
    source = None
    antecedent = None
    src_runs = _runs(labels, "S")
    if src_runs:
        a, b = min(src_runs, key=lambda r: min(gap(r[0], cue_e), gap(cue_s, r[1])))
        s_first, s_last = doc[start + a], doc[start + b - 1]
        source = rules._span(doc, s_first.idx, s_last.idx + len(s_last.text))
        if b - a == 1 and s_first.lower_ in rules._REL_PRON:
            head = _cue_head_tok(doc, cue)
            if head.dep_ == "relcl":
                noun = head.head
                antecedent = rules._span(doc, noun.left_edge.idx, noun.idx + len(noun.text))
    seg = content.text.strip()
    if cue_first.lower_ == "according":
        kind = "according_to"
    elif seg[:1] in rules._OPEN_Q and seg.rstrip(",.")[-1:] in "”\"'’":
        kind = "direct"
    elif any(q in seg for q in rules._QUOTE_CHARS):
        kind = "mixed"
    else:
        kind = "indirect"
    return RawAttribution(source, cue_span, content, kind, antecedent)


def _cue_head_tok(doc, cue: tuple[int, int]):
    toks = doc[cue[0] : cue[1]]
    for t in toks:
        if not (cue[0] <= t.head.i < cue[1]) or t.head.i == t.i:
            return t
    return toks[0]
