"""Where versions of the story disagree, with both sides named.

No NLI model installs without downloading weights at run time (see
docs/dependencies), so conflicts come from explicit signals:
- number: the same quantity (same scale word and the same noun after it,
  "3.7 million Syrian refugees" / "3.6 million Syrian refugees") with different
  values in different articles;
- denial: a sentence that refutes, denies or rejects a report or claim, set
  against the articles that repeat that claim without the denial;
- assessment: opposite judgements (progress / unsatisfactory) of the story's
  meetings, talks or contacts in different articles;
- date: mentions of one claim giving different explicit dates;
- other (place): mentions of one claim set in different places.
Each conflict carries both sides: article, sentence, claim id.
"""

from __future__ import annotations

import re
from typing import Any

from wiretrace.claims.grouping import Unit
from wiretrace.model import Claim, Conflict
from wiretrace.text.normalize import fold, words

_SCALES = {"million", "billion", "thousand", "hundred", "percent", "per", "%", "trillion"}
_QTY = re.compile(
    r"(?<![\w.,-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?!-)\s*(million|billion|trillion|thousand|percent|per cent|%)?"
    r"\s+((?:[A-Za-z][\w-]*\s+){0,3}[A-Za-z][\w-]*)"
)
# "the number of people displaced by the clashes at 210,000": the counted words (up to four, stopping before a
# preposition that starts a modifier) and the figure closing the clause.
_QTY_AFTER = re.compile(
    r"\b(?P<head>number|count|toll|total)\s+of\s+((?:[A-Za-z][\w-]*\s+){0,3}?[A-Za-z][\w-]*)"
    r"(?:\s+(?:by|in|from|since|after|during|across|on)(?:\s+[\w-]+){1,5}?)?"
    r"\s+(?:at|to|as|was|is|stood\s+at|reached|of)\s+(?:about\s+|some\s+|around\s+|nearly\s+|almost\s+|over\s+)?"
    r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(million|billion|trillion|thousand|percent|per cent|%)?(?=\s*(?:[;:)]|[.,](?!\d))|\s*$)"
)
_NOUN_STOP = {
    "the", "a", "an", "of", "in", "on", "at", "to", "and", "or", "who", "that", "which", "it", "is", "are", "was",
    "were", "currently", "now", "some", "more", "than", "over", "about", "years", "year", "times", "days", "had",
    "has", "have", "been", "be", "being", "will", "would", "they", "its", "their", "for", "by", "from", "as",
}
_MONTHS = "january february march april may june july august september october november december".split()
_MONTH_ABBR = {m[:3]: m for m in _MONTHS} | {"sept": "september"}
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()

_DENIAL = re.compile(
    r"\b(refut\w*|den(?:y|ies|ied|ial)|reject\w*|dismiss\w*|disput\w*|debunk\w*|untrue|not true|baseless|"
    r"fabricat\w*|fake news|no truth)\b",
    re.I,
)
_ANAPHOR = re.compile(r"\b(these|those|the|such|this|that)\s+(claims?|reports?|allegations?|news|story|stories|"
                      r"accounts?|reporting|statements?)\b|\b(denied|refuted|rejected|dismissed)\s+(it|them)\b", re.I)
_POSITIVE = {
    "progress", "advances", "successful", "success", "positive", "constructive", "fruitful",
    "productive", "breakthrough", "satisfactory", "encouraging", "good",
}
_NEGATIVE = {
    "unsatisfactory", "failed", "failure", "fruitless", "unproductive", "stalled", "deadlock", "deadlocked",
    "disappointing", "setback", "collapsed", "inconclusive", "unsuccessful",
}
_NEGATORS = {"no", "not", "little", "never", "without", "n't", "lack"}
_EVENT = {
    "meeting", "meetings", "talks", "contacts", "negotiations", "results", "result", "discussions", "relations",
    "ties", "dialogue", "rapprochement", "session", "sessions", "summit", "contact",
}


def _side(u: Unit, claim_id: str, role: str) -> dict[str, Any]:
    return {"article_id": u.article_id, "sentence": u.sentence, "claim_id": claim_id, "sentence_index": u.index,
            "role": role}


def _value(num: str, scale: str | None) -> float:
    v = float(num.replace(",", ""))
    mult = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}.get((scale or "").lower(), 1.0)
    return v * mult


def quantities(text: str) -> list[tuple[float, str, frozenset[str], str]]:
    """(value, scale, noun words, matched text) for the counted things in a sentence; years and dates left out."""
    out = []
    for m in _QTY.finditer(text):
        num, scale, tail = m.group(1), (m.group(2) or "").lower(), m.group(3)
        if not scale and re.fullmatch(r"(1[89]|20)\d\d", num):
            continue  # a year
        before = fold(text[max(0, m.start() - 12) : m.start()])
        if any(b in before.split()[-1:] for b in list(_MONTH_ABBR) + _MONTHS):
            continue  # a date ("Sept 15")
        nouns = [w for w in words(tail) if w not in _NOUN_STOP and not w[0].isdigit()]
        if not nouns:
            continue
        tail_words = tail.split()
        while tail_words and fold(tail_words[-1]) in _NOUN_STOP:
            tail_words.pop()
        out.append(_quantity(num, scale, m.group(2), nouns, tail_words))
    # The counted thing named before its figure: "put the number of people displaced at 210,000", "the toll
    # of the dead reached 50". The figure must end its clause, so "the number of X rose by 5 percent" is not read this way.
    for m in _QTY_AFTER.finditer(text):
        num, scale, counted = m.group(3), (m.group(4) or "").lower(), m.group(2)
        nouns = [w for w in words(counted) if w not in _NOUN_STOP and not w[0].isdigit()]
        if m.group("head") == "toll":
            nouns.append("toll")  # "the toll of the shelling": the event is named, the toll is what is counted
        if nouns:
            shown = counted.split()
            while shown and fold(shown[0]) in _NOUN_STOP:
                shown.pop(0)
            out.append(_quantity(num, scale, m.group(4), nouns, shown))
    return out


def _quantity(num: str, scale: str, scale_shown: str | None, nouns: list[str], counted: list[str]):
    """One counted thing: (value, scale, noun words, the text shown for it)."""
    shown = " ".join([num] + ([scale_shown] if scale_shown else []) + counted)
    return (_value(num, scale), "percent" if scale in ("%", "per cent") else scale, frozenset(nouns), shown)


def number_clashes(units: list[Unit]) -> list[tuple[int, tuple, int, tuple]]:
    """Pairs of units (in different articles) giving different values for the same counted thing."""
    found: list[tuple[int, tuple, int, tuple]] = []
    qs = {i: quantities(u.sentence) for i, u in enumerate(units)}
    # Only units sharing a counted word (in the same scale) with another value can clash: block on that, then
    # check each such pair as before, in the same order. Thousands of copies of one figure cost nothing.
    by_key: dict[tuple[str, str], dict[float, set[int]]] = {}
    for i, q in qs.items():
        for value, scale, nouns, _shown in q:
            for noun in nouns:
                by_key.setdefault((scale, noun), {}).setdefault(value, set()).add(i)
    cand: set[tuple[int, int]] = set()
    for values in by_key.values():
        if len(values) < 2:
            continue
        groups = list(values.values())
        for g in range(len(groups)):
            for h in range(g + 1, len(groups)):
                for i in groups[g]:
                    for j in groups[h]:
                        if i != j and units[i].article_id != units[j].article_id:
                            cand.add((min(i, j), max(i, j)))
    for i, j in sorted(cand):
        for qa in qs[i]:
            for qb in qs[j]:
                if qa[1] != qb[1] or qa[0] == qb[0]:
                    continue
                shared = qa[2] & qb[2]
                # The same counted thing: two words in common, or one set holding all of the other's single word.
                if len(shared) >= 2 or (shared and (len(qa[2]) == 1 or len(qb[2]) == 1)):
                    found.append((i, qa, j, qb))
    return found


def opposite_assessments(units: list[Unit]) -> list[tuple[int, int]]:
    pol = {i: polarity(u.sentence) for i, u in enumerate(units)}
    return [(i, j) for i in pol for j in pol if i < j and pol[i] * pol[j] < 0]


def _number_conflicts(units: list[Unit], unit_claim: dict[int, str]) -> list[Conflict]:
    found = number_clashes(units)
    # One conflict per disagreement: units joined by a clash or by carrying the same claim.
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    quantity: dict[int, str] = {}
    for i, qa, j, qb in found:
        parent[find(i)] = find(j)
        quantity[i], quantity[j] = qa[3], qb[3]
    by_claim: dict[str, list[int]] = {}
    for i in quantity:
        by_claim.setdefault(unit_claim[i], []).append(i)
    for members in by_claim.values():
        for k in members[1:]:
            parent[find(k)] = find(members[0])
    groups: dict[int, list[int]] = {}
    for i in quantity:
        groups.setdefault(find(i), []).append(i)
    out = []
    for members in groups.values():
        members.sort(key=lambda k: (units[k].article_id, units[k].index))
        sides = []
        for k in members:
            side = _side(units[k], unit_claim[k], "states")
            side["quantity"] = quantity[k]
            sides.append(side)
        values = {_first_number(s["quantity"]) for s in sides}
        if len(values) < 2:
            continue
        conf = Conflict(
            kind="number",
            claim_ids=[],
            article_ids=[],
            summary="different numbers for the same quantity: "
            + "; ".join(f"{s['article_id']}: {s['quantity']}" for s in sides),
            sides=sides,
        )
        _fill_ids(conf)
        out.append(conf)
    return out


def _first_number(text: str) -> str:
    m = re.search(r"\d[\d,.]*", text)
    return m.group(0).replace(",", "") if m else text


def _denial_conflicts(units: list[Unit], unit_claim: dict[int, str], claims: dict[str, Claim], scores) -> list[Conflict]:
    out: list[Conflict] = []
    by_article: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        by_article.setdefault(u.article_id, []).append(i)
    for i, u in enumerate(units):
        if not _DENIAL.search(u.sentence):
            continue
        if _ANAPHOR.search(u.sentence):
            prior = [k for k in by_article[u.article_id] if units[k].index < u.index]
            if not prior:
                continue
            target = prior[-1]  # the claim the denial points back to
        else:
            continue  # "X denied that ...": the denied content is this unit itself
        denied_claim = unit_claim[target]
        # Only articles whose denials the word list can read can be said to repeat the claim without one.
        others = [k for k, cid in unit_claim.items()
                  if cid == denied_claim and units[k].article_id != u.article_id and units[k].readable]
        if not others:
            # Not grouped: the closest statement elsewhere that the paraphrase score still links.
            cands = [k for k in scores.partners(target, 0.3) if units[k].article_id != u.article_id
                     and units[k].readable]
            others = sorted(cands, key=lambda k: (-scores[target, k], k))[:1]
        if not others:
            continue
        sides = [_side(units[k], unit_claim[k], "reports") for k in others]
        sides.append(_side(units[target], unit_claim[target], "reports"))
        sides.append(_side(u, unit_claim[i], "denies"))
        m = _DENIAL.search(u.sentence)
        conf = Conflict(
            kind="denial",
            claim_ids=[],
            article_ids=[],
            summary=f"{u.article_id} says the claim was {m.group(0) if m else 'denied'} "
            f"(\"{u.sentence.strip()[:120]}\"); {', '.join(sorted({units[k].article_id for k in others}))} "
            "repeat it without the denial",
            sides=sides,
        )
        _fill_ids(conf)
        out.append(conf)
    return out


def polarity(text: str) -> int:
    """+1 positive assessment of a meeting/talks/contacts, -1 negative, 0 none."""
    toks = words(text)
    if not any(t in _EVENT for t in toks):
        return 0
    pos = neg = 0
    for k, t in enumerate(toks):
        negated = any(x in _NEGATORS for x in toks[max(0, k - 2) : k])
        if t in _POSITIVE:
            if negated:
                neg += 1
            else:
                pos += 1
        elif t in _NEGATIVE:
            if negated:
                pos += 1
            else:
                neg += 1
    return (pos > neg) - (neg > pos)


def _assessment_conflicts(units: list[Unit], unit_claim: dict[int, str]) -> list[Conflict]:
    pol = {i: polarity(u.sentence) for i, u in enumerate(units)}
    neg = [i for i, p in pol.items() if p < 0]
    pos = [i for i, p in pol.items() if p > 0]
    out: list[Conflict] = []
    for cid in dict.fromkeys(unit_claim[i] for i in neg):
        negs = [i for i in neg if unit_claim[i] == cid]
        n_articles = {units[i].article_id for i in negs}
        poss = [i for i in pos if units[i].article_id not in n_articles]
        if not poss:
            continue
        sides = [_side(units[i], unit_claim[i], "positive") for i in poss]
        sides += [_side(units[i], unit_claim[i], "negative") for i in negs]
        conf = Conflict(
            kind="assessment",
            claim_ids=[],
            article_ids=[],
            summary="opposite assessments of the talks: "
            + "; ".join(f"{units[i].article_id}: {_assess_words(units[i].sentence)}" for i in poss + negs),
            sides=sides,
        )
        _fill_ids(conf)
        out.append(conf)
    return out


def _assess_words(text: str) -> str:
    toks = words(text)
    hits = [t for t in toks if t in _POSITIVE or t in _NEGATIVE]
    return ", ".join(dict.fromkeys(hits))


def dates(text: str) -> set[str]:
    out = set()
    for m in re.finditer(r"\b([A-Z][a-z]{2,8})\.?\s+(\d{1,2})\b", text):
        mon = _MONTH_ABBR.get(m.group(1).lower()[:4].rstrip(".")) or _MONTH_ABBR.get(m.group(1).lower()[:3])
        if mon and m.group(1).lower() in (mon, mon[:3], "sept"):
            out.add(f"{mon} {int(m.group(2))}")
    for d in _WEEKDAYS:
        if re.search(rf"\b{d}\b", text, re.I):
            out.add(d)
    return out


def _date_conflicts(units: list[Unit], unit_claim: dict[int, str]) -> list[Conflict]:
    out: list[Conflict] = []
    by_claim: dict[str, list[int]] = {}
    for i, cid in unit_claim.items():
        by_claim.setdefault(cid, []).append(i)
    for cid, members in by_claim.items():
        dated = [(i, dates(units[i].sentence)) for i in members]
        dated = [(i, d) for i, d in dated if d]
        if len({units[i].article_id for i, _ in dated}) < 2:
            continue
        all_sets = [d for _, d in dated]
        if any(a & b for k, a in enumerate(all_sets) for b in all_sets[k + 1 :]):
            continue
        conf = Conflict(
            kind="date",
            claim_ids=[],
            article_ids=[],
            summary="different dates for the same claim: "
            + "; ".join(f"{units[i].article_id}: {', '.join(sorted(d))}" for i, d in dated),
            sides=[_side(units[i], cid, "dates") for i, _ in dated],
        )
        _fill_ids(conf)
        out.append(conf)
    return out


def _place_conflicts(units: list[Unit], unit_claim: dict[int, str]) -> list[Conflict]:
    """Mentions of one claim that put it in different places, neither naming the other's place at all."""
    out: list[Conflict] = []
    by_claim: dict[str, list[int]] = {}
    for i, cid in unit_claim.items():
        by_claim.setdefault(cid, []).append(i)
    for cid, members in by_claim.items():
        placed = [i for i in members if units[i].places]
        if len({units[i].article_id for i in placed}) < 2:
            continue
        clash = [
            (i, j) for i in placed for j in placed
            if i < j and units[i].article_id != units[j].article_id
            and not any(p in fold(units[j].sentence) for p in units[i].places)
            and not any(p in fold(units[i].sentence) for p in units[j].places)
        ]
        if not clash:
            continue
        sides_idx = list(dict.fromkeys(k for pair in clash for k in pair))
        conf = Conflict(
            kind="other",
            claim_ids=[],
            article_ids=[],
            summary="different places for the same claim: "
            + "; ".join(f"{units[i].article_id}: {', '.join(sorted(units[i].places))}" for i in sides_idx),
            sides=[_side(units[i], cid, "places") for i in sides_idx],
        )
        _fill_ids(conf)
        out.append(conf)
    return out


def _fill_ids(conf: Conflict) -> None:
    conf.claim_ids = list(dict.fromkeys(s["claim_id"] for s in conf.sides))
    conf.article_ids = list(dict.fromkeys(s["article_id"] for s in conf.sides))


def find_conflicts(units: list[Unit], unit_claim: dict[int, str], scores, claims: list[Claim]) -> list[Conflict]:
    by_id = {c.id: c for c in claims}
    out = _number_conflicts(units, unit_claim)
    out += _denial_conflicts(units, unit_claim, by_id, scores)
    out += _assessment_conflicts(units, unit_claim)
    out += _date_conflicts(units, unit_claim)
    out += _place_conflicts(units, unit_claim)
    return [c for c in out if len(c.article_ids) >= 2]
