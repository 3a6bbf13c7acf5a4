"""Timeline benchmarks: time expressions on our own labelled set, and ECB+'s two events per topic.

    python benchmarks/timeline.py expressions [--set dev|heldout|all]
    python benchmarks/timeline.py ecbplus

expressions: `tests/data/timeline/{dev,heldout}.jsonl` — sentences with a reference date (ISO, "--MM-DD" or none)
and the expressions a reader finds in them, each with its expected inclusive bounds and precision (None: it must be
kept as text, unresolved). A found expression matches an expected one when their spans overlap. Reported:
- detection precision / recall (spans);
- resolution precision = correctly resolved / resolved by the system; recall = correctly resolved / expected
  resolvable ("correct": both bounds equal). Expressions expected unresolved count as correct when left unresolved.
The dev set was looked at while writing the patterns; the held-out set was written before it was ever run.

ecbplus: ECB+ pairs two events of one kind per topic (e.g. two earthquakes); its documents carry no publication date,
so time expressions written in full ("Sept. 3, 2009", "2008") are the only dates. For each topic, the documents of
each of its two sub-corpora (ecb / ecbplus) give the dates their sentences mention (the most frequent resolved
date-or-month per document); reported: how often the two events of a topic get different dates.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wiretrace.text.sentences import split_spans  # noqa: E402
from wiretrace.timeline.times import find_times  # noqa: E402

DATA = ROOT / "tests" / "data" / "timeline"
ECBPLUS = ROOT.parent / "shared" / "data" / "clustering" / "ecbplus.jsonl"


def load(name: str) -> list[dict]:
    names = ["dev", "heldout"] if name == "all" else [name]
    return [json.loads(line) for n in names for line in (DATA / f"{n}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def score(records: list[dict]) -> dict:
    """Counts and rates for detection and resolution, per language and overall."""
    c: Counter = Counter()
    by_lang: dict[str, Counter] = defaultdict(Counter)
    errors: list[str] = []
    for r in records:
        text = r["text"]
        found = find_times(text, [(0, len(text))], r["lang"], r["reference"])
        expected = []
        for etext, lo, hi, prec, *nth in r["expected"]:
            start = -1
            for _ in range((nth[0] if nth else 0) + 1):  # an optional 5th field: which occurrence (0 = first)
                start = text.find(etext, start + 1)
            assert start >= 0, f"{r['id']}: {etext!r} not in its text"
            expected.append((start, start + len(etext), lo, hi, prec, etext))
        used: set[int] = set()
        for s, e, lo, hi, prec, etext in expected:
            match = next((m for j, m in enumerate(found) if j not in used and m.start < e and s < m.end), None)
            for cc in (c, by_lang[r["lang"]]):
                cc["expected"] += 1
                cc["expected_resolvable"] += lo is not None
            if match is None:
                errors.append(f"{r['id']} missed {etext!r}")
                continue
            used.add(found.index(match))
            ok = (match.earliest, match.latest) == (lo, hi)
            for cc in (c, by_lang[r["lang"]]):
                cc["detected_expected"] += 1
                cc["correct"] += ok
                cc["correct_resolved"] += ok and lo is not None
            if not ok:
                errors.append(f"{r['id']} {etext!r}: got {match.earliest}..{match.latest} ({match.precision}), "
                              f"expected {lo}..{hi} ({prec})")
        for j, m in enumerate(found):
            for cc in (c, by_lang[r["lang"]]):
                cc["found"] += 1
                cc["resolved"] += m.earliest is not None
                cc["spurious"] += j not in used
                cc["spurious_resolved"] += j not in used and m.earliest is not None
            if j not in used:
                errors.append(f"{r['id']} spurious {m.text!r}")

    def rates(x: Counter) -> dict:
        return {
            "expressions": x["expected"],
            "detection_precision": round((x["found"] - x["spurious"]) / max(1, x["found"]), 3),
            "detection_recall": round(x["detected_expected"] / max(1, x["expected"]), 3),
            "resolution_precision": round(x["correct_resolved"] / max(1, x["resolved"]), 3),
            "resolution_recall": round(x["correct_resolved"] / max(1, x["expected_resolvable"]), 3),
            "kept_as_text_correctly": x["correct"] - x["correct_resolved"],
        }

    return {"all": rates(c), "by_language": {k: rates(v) for k, v in sorted(by_lang.items())}, "errors": errors}


def _detokenise(text: str) -> str:
    """ECB+ texts are tokenised ("August 8 , 2012"): glue punctuation back so dates read as written."""
    text = re.sub(r"\s+([,.;:!?%)])", r"\1", text)
    return re.sub(r"([($])\s+", r"\1", text).replace(" ’ s", "’s").replace(" 's", "'s")


def ecbplus(path: Path = ECBPLUS) -> dict:
    """Per topic: the date the timeline's expressions give each of its two events; how often the two differ.

    A document's reference date is the date in its URL (/2012/08/08/) when it has one (ECB+ gives no publication
    date; the original ECB documents have no URL), else none. Its date is the first day/week/month-precise time
    expression its text resolves to; an event's date is the bounds most of its documents give. Two events "differ"
    when their bounds do not overlap (without a year on either side, by month and day)."""
    from wiretrace.timeline import overlap

    per_event: dict[str, Counter] = defaultdict(Counter)
    doc_dates: dict[str, list[tuple[str, str]]] = defaultdict(list)
    topic_of: dict[str, int] = {}
    docs = dated_docs = with_ref = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        text = _detokenise(d["text"])
        docs += 1
        m = re.search(r"/(20\d\d|19\d\d)/(\d\d)/(\d\d)/", d.get("source_url_sentence0") or "")
        ref = f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None
        with_ref += ref is not None
        ms = [t for t in find_times(text, split_spans(text), "en", ref) if t.earliest
              and t.precision in ("day", "week", "month")]
        topic_of[d["event_cluster"]] = d["topic"]
        if not ms:
            continue
        dated_docs += 1
        per_event[d["event_cluster"]][(ms[0].earliest, ms[0].latest)] += 1
        doc_dates[d["event_cluster"]].append((ms[0].earliest, ms[0].latest))
    events_of: dict[int, list[str]] = defaultdict(list)
    for ev, topic in topic_of.items():
        events_of[topic].append(ev)
    both = differ = 0
    for _topic, evs in sorted(events_of.items()):
        dated = [per_event[e].most_common(1)[0][0] for e in evs if per_event.get(e)]
        if len(evs) == 2 and len(dated) == 2:
            both += 1
            differ += not overlap(dated[0], dated[1])
    # A control: documents of one event should agree more often than documents of the topic's two events
    same = [overlap(a, b) for ds in doc_dates.values() for i, a in enumerate(ds) for b in ds[i + 1:]]
    cross = [overlap(a, b) for evs in events_of.values() if len(evs) == 2
             for a in doc_dates.get(evs[0], []) for b in doc_dates.get(evs[1], [])]
    return {"documents": docs, "documents_with_a_url_date": with_ref, "documents_dated": dated_docs,
            "topics": len(events_of), "topics_with_both_events_dated": both,
            "topics_whose_two_events_get_different_dates": differ,
            "share_of_dated_topics": round(differ / max(1, both), 3),
            "share_of_all_topics": round(differ / max(1, len(events_of)), 3),
            "document_pairs_agreeing_same_event": round(sum(same) / max(1, len(same)), 3),
            "document_pairs_agreeing_across_the_two_events": round(sum(cross) / max(1, len(cross)), 3),
            "pairs": [len(same), len(cross)]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["expressions", "ecbplus"])
    ap.add_argument("--set", default="all", choices=["dev", "heldout", "all"])
    ap.add_argument("--errors", action="store_true")
    args = ap.parse_args()
    if args.what == "expressions":
        out = score(load(args.set))
        if not args.errors:
            out.pop("errors")
    else:
        out = ecbplus()
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
