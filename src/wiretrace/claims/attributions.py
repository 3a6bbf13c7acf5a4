"""Attribution spans (source, cue, content) from a dependency parse.

A cue is a verb whose word form the PolNeAR training split marks as a cue
often enough (the lexicon in `weights/cues.json`, fitted by
`benchmarks/fit_attribution.py`), or the phrase "according to". Source and
content come from the parse around the cue: the subject (or the agent of a
passive, or the antecedent of "who"), and the clausal complement, or the
clause the cue interrupts ("..., X said"). Quotes that continue over the next
sentences of the paragraph are followed to their closing mark, because a
reader takes the whole quote as the speaker's.

Offsets are spaCy's character offsets into the text as given, so they can
be scored against any standoff annotation.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

_WEIGHTS = Path(__file__).parent / "weights" / "cues.json"
_MODEL = Path(__file__).parent / "weights" / "cue_model.json"

# Used only when the fitted lexicon is missing: the core reporting verbs.
_FALLBACK_CUES = {
    "say", "said", "says", "saying", "tell", "told", "tells", "telling", "add", "added", "adds", "adding",
    "report", "reported", "reports", "reveal", "revealed", "reveals", "announce", "announced", "claim", "claimed",
    "note", "noted", "notes", "noting", "state", "stated", "deny", "denied", "denies", "confirm", "confirmed",
    "insist", "insisted", "warn", "warned", "write", "wrote", "writes", "explain", "explained", "argue", "argued",
}
_OPEN_Q = "\"“«‘'`"
_QUOTE_CHARS = "\"“”«»"
_SUBJ = {"nsubj", "nsubjpass", "csubj"}
# "LANDFORD, May 2 (Polaris) – ": a dateline is not part of what anyone said.
_DATELINE = re.compile(r"[A-Z][A-Z .'/-]{2,}(?:,[^\n–—(]{0,40})?\s*(?:\([^)\n]{1,40}\))?\s*[–—-]+\s*")
_REL_PRON = {"who", "that", "which", "whom"}
# PolNeAR's cues take the auxiliaries, negation and adverbs written against the verb ("has also said").
CUE_LEFT_DEPS = {"aux", "auxpass", "neg", "advmod"}
_NOT_ADDRESSEE = {"tell", "told", "tells", "telling", "ask", "asked", "asks", "asking", "inform", "informed"}

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Span:
    start: int
    end: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(slots=True)
class RawAttribution:
    """An attribution found in raw text; spans index the text as given."""

    source: Span | None
    cue: Span | None
    content: Span
    kind: str = "indirect"  # direct | indirect | mixed | according_to
    # What a relative-pronoun source ("who") stands for: "the official" in "the official, who said ...".
    antecedent: Span | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "source": self.source.to_json() if self.source else None,
            "cue": self.cue.to_json() if self.cue else None,
            "content": self.content.to_json(),
            "kind": self.kind,
        }
        if self.antecedent is not None:
            out["antecedent"] = self.antecedent.to_json()
        return out


@lru_cache(maxsize=1)
def cue_lexicon() -> frozenset[str]:
    """Lower-cased cue word forms; the fitted lexicon when shipped, else a core list."""
    try:
        data = json.loads(_WEIGHTS.read_text(encoding="utf-8"))
        return frozenset(data["cues"])
    except (OSError, ValueError, KeyError):
        log.warning("wiretrace.claims: cue lexicon missing, using the built-in reporting verbs")
        return frozenset(_FALLBACK_CUES)


# Only the components the rules read: tagger (VB* tags), parser (deps, sentences); NER when speakers are typed.
NEEDED = ("tok2vec", "tagger", "parser")


def _newline_sents(doc):
    """A line break ends a sentence: copied pages put headings, bylines and paragraphs on their own lines.

    A token starts a sentence when the text between the previous token's start and its own start holds a line break
    (in the previous token's trailing whitespace, or the previous token is whitespace holding one), or when it is itself
    whitespace holding one. Found with array arithmetic over the text: a Python loop over every token cost as much as
    the tagger.
    """
    from spacy.attrs import IDX, IS_SPACE, LENGTH

    n = len(doc)
    if n < 2:
        return doc
    text = _text(doc)
    nl = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32) == 10
    if not nl.any():
        return doc
    before = np.concatenate([[0], np.cumsum(nl)])  # before[k]: line breaks in text[:k]
    arr = doc.to_array([IDX, LENGTH, IS_SPACE]).astype(np.int64)
    start, length, space = arr[:, 0], arr[:, 1], arr[:, 2].astype(bool)
    end = start + length
    prev_span = before[start[1:]] - before[start[:-1]] > 0  # prev token + its whitespace hold a line break
    own = space[1:] & (before[end[1:]] - before[start[1:]] > 0)
    for i in np.flatnonzero(prev_span | own).tolist():
        doc[i + 1].is_sent_start = True
    return doc


def load_nlp(model: str | None = None, ner: bool = False):
    """Load the spaCy pipeline trimmed to what attribution needs (about twice as fast as the full one).

    `model` is a package name or a path; by default the configured one (`WIRETRACE_SPACY`)."""
    import spacy

    from wiretrace.config import Config

    model = model or Config().spacy_model
    from spacy.language import Language

    if not Language.has_factory("wiretrace_newline_sents"):
        Language.component("wiretrace_newline_sents", func=_newline_sents)
    keep = set(NEEDED) | ({"ner"} if ner else set())
    nlp = spacy.load(model, exclude=[n for n in ("lemmatizer", "attribute_ruler") if n not in keep])
    for name in [n for n in nlp.pipe_names if n not in keep]:
        nlp.disable_pipe(name)
    nlp.add_pipe("wiretrace_newline_sents", before="parser")
    return nlp


def load_nlp_or_rules(model: str | None = None, ner: bool = False):
    """`load_nlp`, or False with one warning when the model cannot load (attribution then falls back to rules).
    `Context.nlp` keeps the result, once per process."""
    try:
        return load_nlp(model, ner=ner)
    except Exception as exc:  # noqa: BLE001 - any failure to load falls back to rules
        log.warning("wiretrace.claims: spaCy model %r failed to load (%s); attributions from regex rules only",
                    model, exc)
        return False


def _text(doc) -> str:
    """The document's text, built once: spaCy rebuilds `doc.text` from its tokens on every access."""
    cached = doc.user_data.get("wiretrace_text")
    if cached is None:
        cached = doc.user_data["wiretrace_text"] = doc.text
    return cached


def _span(doc, start_char: int, end_char: int) -> Span:
    return Span(start_char, end_char, _text(doc)[start_char:end_char])


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop spaces, dangling separators and a sentence-final period; keep quote marks (they belong to the quote)."""
    while start < end and text[start] in " \t\r\n,;:—–-.":
        start += 1
    while end > start and text[end - 1] in " \t\r\n,;:—–-":
        end -= 1
    if end - start > 1 and text[end - 1] == "." and text[end - 2] != ".":
        end -= 1
    return start, end


def _balance_quotes(text: str, start: int, end: int, limit: int) -> int:
    """Extend `end` to the closing quote when the content opened one (mixed or multi-sentence quotes)."""
    seg = text[start:end]
    opens = seg.count("“") + seg.count("«")
    closes = seg.count("”") + seg.count("»")
    straight = seg.count('"')
    if opens > closes:
        close = text.find("”", end, limit) if "“" in seg else text.find("»", end, limit)
        if close != -1:
            return close + 1
    elif straight % 2 == 1:
        close = text.find('"', end, limit)
        if close != -1:
            return close + 1
    return end


_QMARK = re.compile(r"“|”|''|\"|``")
_CLOSE_AFTER = re.compile(r"[,.!?]?(?:”|''|\")")


def _open_quote_at(text: str, para_start: int, pos: int) -> int:
    """Where the quotation still open at `pos` opened (-1 if none); '' and " toggle, as in PolNeAR's wire copy."""
    opened = -1
    for m in _QMARK.finditer(text, para_start, pos):
        mark = m.group()
        if mark in ("“", "``"):
            opened = m.start()
        elif mark == "”":
            opened = -1
        else:
            opened = m.start() if opened == -1 else -1
    return opened


def _quote_edges(text: str, cs: int, ce: int, cue_start: int) -> tuple[int, int]:
    """Take the quotation marks of a quoted content with it: PolNeAR spans run from the opening mark to the
    closing one, the comma or period before it included ("“Q,” X said" -> “Q,”)."""
    para_start = text.rfind("\n", 0, cs) + 1
    if _open_quote_at(text, para_start, ce) != -1:
        m = _CLOSE_AFTER.match(text, ce)
        if m:
            ce = m.end()
    if text[ce - 2 : ce] == "''" or text[ce - 1 : ce] in "”\"":
        mark_end = ce - (2 if text[ce - 2 : ce] == "''" else 1)
        opener = _open_quote_at(text, para_start, mark_end)
        if opener != -1 and opener < cs and not opener <= cue_start < cs:
            cs = opener  # never across the cue: a cue inside the quote is the quoted speaker's own verb
    return cs, ce


def _paragraph_end(text: str, pos: int) -> int:
    nl = text.find("\n", pos)
    return len(text) if nl == -1 else nl


def _continued_quote(text: str, end: int) -> int:
    """A quote that closes a sentence and reopens in the next ones of the paragraph: cover them all."""
    para_end = _paragraph_end(text, end)
    pos = end
    while True:
        m = re.match(r"[^\S\n]*[.!?]?[^\S\n]*(“|\"|'')", text[pos:para_end])
        if not m:
            return pos
        open_at = pos + m.start(1)
        mark = m.group(1)
        close_mark = "”" if mark == "“" else mark
        close = text.find(close_mark, open_at + len(mark), para_end)
        if close == -1:
            return pos
        pos = close + len(close_mark)


def _closes_quote(text: str, end: int) -> bool:
    return text[end - 1 : end] in ("”", '"') or text[end - 2 : end] == "''"


def _follow_quote(text: str, end: int, cue_start: int, sent_end: int) -> int:
    """Where a quoted content really ends: "“Q1,” X said. “Q2.”" goes on after the speaker's sentence, and a quote
    that closes and reopens in the paragraph's next sentences covers them (PolNeAR's covering span); NYT copy's
    '' marks as well as “ ” and "."""
    if not _closes_quote(text, end):
        return end
    if end < cue_start:
        # spaCy may leave the reopening mark on the speaker's sentence ("he said. ''"): search from before it.
        k = len(text[:sent_end].rstrip())
        mark = 2 if text[k - 2 : k] == "''" else 1 if text[k - 1 : k] in ("“", '"') else 0
        if mark and k - mark > cue_start:
            k -= mark
        more = _continued_quote(text, k)
        return more if more > k else end
    return _continued_quote(text, end)


def _subtree_chars(tok) -> tuple[int, int]:
    left, right = tok.left_edge, tok.right_edge
    return left.idx, right.idx + len(right.text)


def _as_saying_source(verb):
    """ "Reuters quoted the source as saying ...": the speaker is the quoted object, not Reuters."""
    if verb.dep_ != "pcomp" or verb.head.lower_ != "as":
        return None
    up = verb.head.head
    for _ in range(3):
        obj = next((c for c in up.children if c.dep_ == "dobj"), None)
        if obj is not None:
            return obj
        if up.dep_ == "relcl":
            return up.head
        if up.head.i == up.i:
            break
        up = up.head
    return None


def _source_of(verb):
    """The speaker token of a cue verb: subject, passive agent, relative antecedent, or the governing verb's subject."""
    quoted = _as_saying_source(verb)
    if quoted is not None:
        # Up to the noun only: its relative clause may hold the "as saying" itself.
        return quoted, any(t.i > quoted.i and t.i >= verb.i - 1 for t in quoted.subtree)
    for child in verb.children:
        if child.dep_ == "agent":
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    return pobj, False
    for child in verb.children:
        if child.dep_ in ("nsubj", "csubj"):
            # A relative pronoun ("the official, who said") is the source as written; the antecedent is kept apart.
            return child, False
    # "..., adding that ...", "He spoke and said ..."
    if verb.dep_ in ("advcl", "conj", "xcomp") and verb.head.i != verb.i:
        for child in verb.head.children:
            if child.dep_ in ("nsubj",):
                return child, False
    return None, False


def _source_span(doc, tok, head_only: bool) -> tuple[int, int]:
    if head_only:
        # "the Turkish official, who said ...": the noun phrase up to the noun, not the relative clause.
        return tok.left_edge.idx, tok.idx + len(tok.text)
    start, end = _subtree_chars(tok)
    text = _text(doc)
    m = _DATELINE.match(text, start, end)
    if m:
        start = m.end()  # "WASHINGTON (AFP) – Hillary Clinton said": the dateline is not the speaker
    left = tok.left_edge
    if left.i < tok.i and left.head.i == tok.i and left.dep_ == "advmod" and left.idx >= start:
        start = doc[left.i + 1].idx  # "Even Trump said": the focus adverb is not part of who speaks
    while end > start and text[end - 1].isspace():
        end -= 1  # a no-break space the tokenizer kept on the last word
    # Drop a trailing relative clause set off by a comma ("the official, who ...").
    for child in tok.rights:
        if child.dep_ in ("relcl", "acl") and child.left_edge.i > tok.i:
            prev = doc[child.left_edge.i - 1]
            if prev.text == ",":
                end = prev.idx
                break
    return start, end


def _stem(word: str) -> str:
    """A crude shared stem so "tells", "telling" and "told"'s neighbours share weight (no lemmatizer is loaded)."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def verb_features(doc, verb) -> list[str]:
    """Features of a candidate cue verb in its parse, before any attribution is built around it."""
    head = verb.head
    deps = {c.dep_ for c in verb.children}
    prev = doc[verb.i - 1].lower_ if verb.i > 0 else "<s>"
    nxt = doc[verb.i + 1].lower_ if verb.i + 1 < len(doc) else "</s>"
    stem = _stem(verb.lower_)
    feats = [
        "w=" + verb.lower_, "stem=" + stem, "tag=" + verb.tag_, "dep=" + verb.dep_,
        "w_dep=" + verb.lower_ + "|" + verb.dep_, "head=" + head.lower_, "htag=" + head.tag_,
        "prev=" + prev, "next=" + nxt,
    ]
    feats += ["child=" + d for d in deps if d in ("ccomp", "dobj", "xcomp", "prep", "nsubj", "nsubjpass", "agent", "neg", "dative")]
    if "ccomp" in deps:
        feats.append("stem_ccomp=" + stem)
    return feats


# Prefixes of the features that depend on the attribution the rules build (see `att_features`).
_ATT_GROUPS = ("kind=", "stem_kind=", "len=", "left=", "src=", "src_w=", "src_ent=", "via=", "via_stem=")


def att_features(verb, att: RawAttribution) -> list[str]:
    """Features of the attribution the rules built around a candidate verb: its kind, source, content."""
    src_tok, _ = _source_of(verb)
    n_words = att.content.text.count(" ") + 1
    feats = [
        "kind=" + att.kind, "stem_kind=" + _stem(verb.lower_) + "|" + att.kind,
        "src=" + ("none" if src_tok is None else src_tok.tag_), "len=" + str(min(n_words, 40) // 5),
        "left=" + str(att.content.start < verb.idx),
    ]
    via = _via(verb, att)
    feats += ["via=" + via, "via_stem=" + via + "|" + _stem(verb.lower_)]
    if src_tok is not None:
        feats.append("src_w=" + src_tok.lower_ if src_tok.tag_ == "PRP" else "src_ent=" + src_tok.tag_ + "|" + verb.tag_)
    return feats


def cue_features(doc, verb, att: RawAttribution) -> list[str]:
    """All features of a candidate cue (what the fitted cue model weighs)."""
    return verb_features(doc, verb) + att_features(verb, att)


@lru_cache(maxsize=1)
def cue_model() -> dict[str, Any] | None:
    """The fitted cue classifier (`weights/cue_model.json`), or None to fall back to the lexicon.

    `att_bound` is the most the attribution-dependent features can add (one feature per group at most), so a verb
    whose own features leave it below the threshold even then is skipped before any span is built (exact pruning).
    """
    try:
        model = json.loads(_MODEL.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    model["att_bound"] = sum(
        max([0.0] + [w for f, w in model["weights"].items() if f.startswith(g)]) for g in _ATT_GROUPS
    )
    return model


def _score(feats: list[str], model: dict[str, Any]) -> float:
    w = model["weights"]
    return sum(w.get(f, 0.0) for f in feats)


def cue_score(doc, verb, att: RawAttribution, model: dict[str, Any]) -> float:
    """Logistic-regression margin of the candidate (sum of the fitted weights of its features)."""
    return model["bias"] + _score(cue_features(doc, verb, att), model)


def candidates(doc, lexicon_only: bool = False, model: dict[str, Any] | None = None):
    """(token, attribution, margin) for "according to" (margin inf) and every verb the rules can build an
    attribution around; with a model, verbs that cannot reach its threshold are skipped unbuilt (margin None
    without a model)."""
    lex = cue_lexicon()
    for sent in doc.sents:
        for tok in sent:
            margin = None
            if tok.lower_ == "according" and any(c.lower_ == "to" for c in tok.children):
                att = _according_to(doc, tok)
                margin = float("inf")
            elif (tok.tag_.startswith("VB") and tok.dep_ not in ("aux", "auxpass", "amod")
                  and (not lexicon_only or tok.lower_ in lex)):
                if model is not None:
                    margin = model["bias"] + _score(verb_features(doc, tok), model)
                    if margin + model["att_bound"] < model["threshold"] and not (
                        tok.dep_ == "pcomp" and tok.head.lower_ == "as"
                    ):
                        continue
                att = _verb_cue(doc, sent, tok)
                if att is not None and model is not None:
                    # "quoted X as saying": as unambiguous as "according to", and too rare for the model to learn.
                    margin = float("inf") if _as_saying_source(tok) is not None else margin + _score(
                        att_features(tok, att), model)
            else:
                continue
            if att is not None and att.content.end - att.content.start >= 2:
                yield tok, att, margin


def from_doc(doc, weights: str | None = None) -> list[RawAttribution]:
    """Attributions in a parsed spaCy Doc (offsets into the text it was parsed from).

    By the fitted taggers of `attribution_model` when their weights load (`weights`: a folder, "" or None for the
    shipped ones, "rules" for the rules alone); else, with one warning, by the rules (`rules_from_doc`)."""
    from wiretrace.claims import attribution_model

    models = None if weights == "rules" else attribution_model.load_models(weights or None)
    if models is None:
        return rules_from_doc(doc)
    return attribution_model.from_doc(doc, models)


def rules_from_doc(doc) -> list[RawAttribution]:
    """Attributions in a parsed spaCy Doc by the dependency rules and the fitted cue classifier.

    With the fitted cue model, every verb the rules can attach a source or content to is a candidate and the model
    keeps those PolNeAR's annotators would mark; without it, the lexicon decides."""
    model = cue_model()
    out: list[RawAttribution] = []
    used_content: set[tuple[int, int, int]] = set()
    for _tok, att, margin in candidates(doc, lexicon_only=model is None, model=model):
        if model is not None and margin < model["threshold"]:
            continue
        key = (att.content.start, att.content.end, att.source.start if att.source else -1)
        if key in used_content:
            continue
        used_content.add(key)
        out.append(att)
    return out


def _according_to(doc, tok) -> RawAttribution | None:
    text = _text(doc)
    to = next(c for c in tok.children if c.lower_ == "to")
    pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
    cue = _span(doc, tok.idx, to.idx + len(to.text))
    source = None
    if pobj is not None:
        s, e = _subtree_chars(pobj)
        source = _span(doc, s, e)
    head = tok.head if tok.head.i != tok.i else None
    if head is None:
        return None
    hs, he = _subtree_chars(head)
    ps, pe = tok.left_edge.idx, (pobj.right_edge.idx + len(pobj.right_edge.text)) if pobj is not None else to.idx + 2
    # The content is the clause without the "according to" phrase, on whichever side it sits.
    if ps - hs > he - pe:
        cs, ce = hs, ps
    else:
        cs, ce = pe, he
    cs, ce = _trim(text, cs, ce)
    if ce - cs < 3:
        return None
    ce = _balance_quotes(text, cs, ce, _paragraph_end(text, ce))
    return RawAttribution(source, cue, _span(doc, cs, ce), "according_to")


def _verb_cue(doc, sent, verb) -> RawAttribution | None:
    text = _text(doc)
    cue_end = verb.idx + len(verb.text)
    for child in verb.rights:
        if child.dep_ == "prt" and child.i == verb.i + 1:
            cue_end = child.idx + len(child.text)
    # Auxiliaries, negation and adverbs written against the verb belong to the cue ("is telling", "also said").
    first = verb
    while first.i > 0:
        prev = doc[first.i - 1]
        if prev.head.i == verb.i and prev.dep_ in CUE_LEFT_DEPS and prev.i >= verb.sent.start:
            first = prev
        else:
            break
    cue = _span(doc, first.idx, cue_end)
    content = None
    kind = "indirect"
    comp = next((c for c in verb.children if c.dep_ == "ccomp" and c.i > verb.i), None)
    if comp is None:
        comp = next((c for c in verb.children if c.dep_ == "ccomp"), None)
    if comp is None and verb.lower_ not in _NOT_ADDRESSEE:
        comp = next((c for c in verb.children if c.dep_ in ("dobj", "xcomp") and c.i > verb.i), None)
    if comp is None:
        # "X said in a statement that ...": the clause hangs off the statement.
        for prep in (c for c in verb.children if c.dep_ == "prep" and c.i > verb.i):
            for pobj in (c for c in prep.children if c.dep_ == "pobj"):
                comp = next((c for c in pobj.children if c.dep_ in ("acl", "ccomp", "relcl")
                             and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)), None)
                if comp is not None:
                    break
            if comp is not None:
                break
    subj = next((c for c in verb.children if c.dep_ in _SUBJ), None)
    set_off = verb.left_edge.i > sent.start and doc[verb.left_edge.i - 1].text in (",", "”", '"', "’", "'", "—", "–", "-")
    if comp is not None and any(t.dep_ == "pcomp" and t.head.lower_ == "as" and t.lower_ in cue_lexicon()
                                for t in list(comp.subtree) + [g for c in verb.children if c.lower_ == "as"
                                                               for g in c.children]):
        return None  # "X quoted Y as saying Z": the attribution is the inner one
    if comp is not None:
        cs, ce = _subtree_chars(comp)
        if comp.dep_ == "dobj":
            # "accused Clinton of being influenced", "criticized her judgment in supporting the war": PolNeAR's
            # content runs over the prepositional phrase the verb takes after its object.
            for child in verb.rights:
                if child.dep_ == "prep" and child.i == comp.right_edge.i + 1 and child.lower_ in _TOPIC_PREPS | {"in"}:
                    ce = max(ce, child.right_edge.idx + len(child.right_edge.text))
        # "says he'd do X and tells the crowd Y": a second cue coordinated inside the clause starts a new attribution.
        for c in comp.children:
            if c.dep_ == "conj" and c.i > comp.i and c.lower_ in cue_lexicon() and not any(
                g.dep_ in _SUBJ for g in c.children
            ):
                cut = c.left_edge.i
                while cut - 1 > comp.i and doc[cut - 1].dep_ in ("cc", "punct"):
                    cut -= 1
                ce = min(ce, doc[cut].idx)
                break
        if comp.i < verb.i:
            # "“...,” X said": everything before the speaker, quotes and comma included.
            subj_left = min([verb.left_edge.i] + [c.left_edge.i for c in verb.children if c.dep_ in _SUBJ])
            cs = sent.start_char
            ce = doc[subj_left].idx if subj_left > comp.right_edge.i else ce
    elif verb.dep_ in ("ccomp", "parataxis") and verb.head.i < verb.i and set_off:
        # "..., X said" parsed with the quote as the head clause.
        head = verb.head
        cs = head.left_edge.idx
        ce = verb.left_edge.idx
        if ce <= cs:
            return None
    elif verb.dep_ in ("ccomp", "parataxis") and verb.head.i > verb.i and set_off:
        # "“Q1,” she said, “Q2”": the speaker interrupts the quote; the content covers both halves.
        head = verb.head
        cs, ce = _subtree_chars(head)
        cs = min(cs, sent.start_char) if text[sent.start_char : sent.start_char + 1] in _OPEN_Q else cs
    elif subj is not None and text[sent.start_char : sent.start_char + 1] in _OPEN_Q and subj.i > sent.start:
        # "“Okay,” I said, ...": a quote before the speaker with no clause attached to the verb.
        cs, ce = sent.start_char, subj.left_edge.idx
    else:
        # "“...” X said." / "X said:" with the quote in its own sentence.
        content = _neighbour_quote(doc, sent, verb)
        if content is not None:
            kind = "direct"
        else:
            # PolNeAR also marks what a verb is about ("joked about moving to New Zealand", "applauded by X"):
            # offered as candidates only, the fitted cue model decides.
            topic = _topic_of(verb)
            if topic is None:
                return None
            cs, ce = _subtree_chars(topic)
    if content is None:
        cs, ce = _trim(text, cs, ce)
        m = _DATELINE.match(text, cs, ce)
        if m:
            cs = m.end()
        # A quotation whose marks the parse left on the cue verb: take the marks with it.
        k = cs
        while k > 0 and text[k - 1] == " ":
            k -= 1
        if k > 0 and text[k - 1] in "“\"«":
            cs = k - 1
        elif "“" not in text[cs:ce] and "”" in text[cs:ce]:
            # The quote opened in an earlier sentence of the paragraph: start where it opens.
            para_start = text.rfind("\n", 0, cs) + 1
            opened = text.rfind("“", para_start, cs)
            if opened != -1:
                cs = opened
        if ce - cs < 2:
            return None
        ce = _balance_quotes(text, cs, ce, _paragraph_end(text, ce))
        ce = _follow_quote(text, ce, verb.idx, sent.end_char)
        cs, ce = _quote_edges(text, cs, ce, verb.idx)
        ce = _follow_quote(text, ce, verb.idx, sent.end_char)  # again: the closing mark is known only now
        content = _span(doc, cs, ce)
        seg = content.text.strip()
        if seg[:1] in _OPEN_Q and seg.rstrip(",.")[-1:] in "”\"'’":
            kind = "direct"
        elif any(q in seg for q in _QUOTE_CHARS):
            kind = "mixed"
    src_tok, head_only = _source_of(verb)
    source = None
    antecedent = None
    if src_tok is not None:
        s, e = _source_span(doc, src_tok, head_only)
        # The source must not swallow the cue or the start of the content (a quote may run on past it).
        if not (s <= content.start < e) and not (s <= verb.idx < e) and e > s:
            source = _span(doc, s, e)
        if src_tok.lower_ in _REL_PRON and verb.dep_ == "relcl":
            noun = verb.head
            antecedent = _span(doc, noun.left_edge.idx, noun.idx + len(noun.text))
    return RawAttribution(source, _cue_tail(doc, verb, cue, content), content, kind, antecedent)


def _cue_tail(doc, verb, cue: Span, content: Span) -> Span:
    """PolNeAR's cue runs up to the content: the preposition of a topic ("spoke about X", "criticized him for X")
    and a colon before a quote ("said:") belong to it."""
    text = _text(doc)
    end = cue.end
    if content.start > end:
        for child in verb.children:
            if child.dep_ == "prep" and child.i > verb.i:
                obj = next((c for c in child.children if c.dep_ in ("pobj", "pcomp")), None)
                if obj is not None and obj.left_edge.idx == content.start:
                    end = max(end, child.idx + len(child.text))
                    break
        gap = text[end : content.start]
        if gap.strip() == ":":
            end = end + gap.index(":") + 1
    return cue if end == cue.end else Span(cue.start, end, text[cue.start : end])


_TOPIC_PREPS = {"about", "on", "of", "to", "for", "against", "over", "with"}


def _topic_of(verb):
    """The object of a topic preposition after the verb, or a passive subject: the content of a belief or stance
    cue that takes no clause."""
    for child in verb.children:
        if child.dep_ == "prep" and child.i > verb.i and child.lower_ in _TOPIC_PREPS:
            obj = next((c for c in child.children if c.dep_ in ("pobj", "pcomp")), None)
            if obj is not None:
                return obj
    return next((c for c in verb.children if c.dep_ == "nsubjpass"), None)


def _via(verb, att: RawAttribution) -> str:
    """Which dependent of the cue verb the content came from (ccomp, dobj, prep:about, ...; none when elsewhere)."""
    for child in verb.children:
        if child.left_edge.idx <= att.content.start <= child.right_edge.idx:
            return "prep:" + child.lower_ if child.dep_ == "prep" else child.dep_
    return "none"


def _neighbour_quote(doc, sent, verb) -> Span | None:
    """The quote a bare "X said." or "X said:" sentence points to, in the sentence before or after."""
    text = _text(doc)
    rest = text[verb.idx + len(verb.text) : sent.end_char].strip()
    if rest.endswith(":") and sent.end < len(doc):
        k = sent.end
        while k < len(doc) and doc[k].is_space:
            k += 1
        if k >= len(doc):
            return None
        nxt = doc[k].sent
        s, e = _trim(text, nxt.start_char, nxt.end_char)
        return _span(doc, s, e) if text[s : s + 1] in _OPEN_Q else None
    if len([t for t in sent if not t.is_punct]) > 20 or sent.start == 0:
        return None
    prev = doc[sent.start - 1].sent
    s, e = prev.start_char, prev.end_char
    seg = text[s:e].strip()
    if seg[:1] in _OPEN_Q and seg[-1:] in "”\"":
        s, e = _trim(text, s, e)
        return _span(doc, s, e)
    if seg[-1:] in "”\"" or seg[-2:] == "''":
        # "“A. B. C.” X said.": the quote opened sentences earlier in its paragraph.
        s, e = _trim(text, s, e)
        mark = e - (2 if text[e - 2 : e] == "''" else 1)
        opener = _open_quote_at(text, text.rfind("\n", 0, s) + 1, mark)
        if opener != -1 and opener < s:
            return _span(doc, opener, e)
    return None


def extract_attributions(text: str, nlp=None) -> list[RawAttribution]:
    """Attributions in raw text, spans as character offsets into `text` exactly as given.

    `nlp`: a pipeline from `Context.nlp()` (loaded once per process) or `load_nlp`; None loads the configured one
    for this call only (pass one to extract more than once); False: the regex rules alone."""
    if nlp is None:
        nlp = load_nlp_or_rules()
    if nlp is False:
        return _rules_only(text)
    return from_doc(nlp(text))


def extract_many(texts: list[str], nlp=None, n_process: int = 1, batch_size: int = 16) -> list[list[RawAttribution]]:
    """Batch version of `extract_attributions` (spaCy's pipe, optionally over processes)."""
    if nlp is None:
        nlp = load_nlp_or_rules()
    if nlp is False:
        return [_rules_only(t) for t in texts]
    return [from_doc(doc) for doc in nlp.pipe(texts, n_process=n_process, batch_size=batch_size)]


_RULE_SAID = re.compile(
    r"(?P<content>[“\"][^”\"]{3,}[”\"]),?\s+(?P<cue>said|says|added|told)\s+(?P<source>[^.,;\n]{2,80}?)(?=[.,;\n])"
    r"|(?P<source2>(?:[A-Z][\w’'-]*\s?){1,6}|[Tt]he [\w\s-]{2,40}?)\s+(?P<cue2>said|says|told \w+)\s+(?P<content2>[^\n]{5,}?)(?=\.\s|\.$|\n|$)"
    r"|(?P<cue3>[Aa]ccording to)\s+(?P<source3>[^,.;\n]{2,80}),\s+(?P<content3>[^\n]{5,}?)(?=\.\s|\.$|\n|$)"
)


def _rules_only(text: str) -> list[RawAttribution]:
    """Regex fallback when spaCy cannot load: direct quotes, "X said ...", "according to X, ..."."""
    out: list[RawAttribution] = []
    for m in _RULE_SAID.finditer(text):
        for suffix in ("", "2", "3"):
            if m.group("cue" + suffix):
                def sp(name: str, m=m, suffix=suffix) -> Span:
                    g = name + suffix
                    return Span(m.start(g), m.end(g), m.group(g))

                kind = "direct" if suffix == "" else ("according_to" if suffix == "3" else "indirect")
                out.append(RawAttribution(sp("source"), sp("cue"), sp("content"), kind))
    return out
