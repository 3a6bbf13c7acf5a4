"""Build a large, realistic, labelled corpus for clustering throughput runs (written to /tmp, never the repo).

Stories come from the development data (ECB+ and BASIL articles, story label = gold event). Each story
gets a random number of versions (heavy-tailed, like a real news day):
- re-posts: the same text with page junk (navigation, newsletter box, "Read more" links, comments);
- rewrites: sentences dropped and reordered, a few words changed, a new title;
- unrelated singletons: articles stitched from sentences of different stories with fresh numbers,
  so most of the firehose is noise that must stay apart.
Publication dates: one day per story, versions within +-2 days.

    python benchmarks/make_corpus.py --n 10000 --out /tmp/corpus10k.jsonl

`--stream` builds a different corpus (the default above is unchanged and reproducible): a labelled news *stream*
for whole-pipeline runs (`benchmarks/pipeline.py`), sorted by publication time:
- story sizes are heavy-tailed (discrete Pareto, `--alpha`, minimum 2); `--story-share` of the records (default
  40 %) belong to stories, the rest are singletons stitched from sentences of different stories with fresh numbers
  (noise that must stay apart);
- one story holds `--big-share` of the records (default 4 %, so 2,000 articles at n = 50,000; at least 2) and
  runs over the whole stream (the other stories' sizes are capped at half of it); every other story starts at a random time and grows over 1 to 4 days, most of its
  versions in its first hours (a front-loaded Beta(1, 3) spread);
- the largest stories are built on the real events of ECB+ and BASIL (their independent reports of one event),
  the rest on synthetic seeds (stitched sentences with fresh numbers); a story's versions are verbatim copies
  (10 %, which the pipeline stores once), re-posts with page junk and an outlet suffix on the headline (35 %),
  rewrites (40 %) and follow-ups that mix two reports of the event (15 %);
- the stream covers `--days` days (default 6) from 2024-03-04T00:00Z; `published` is an ISO datetime (UTC,
  minutes); `hour` (0..23) cuts the stream window into 24 equal slices ("stream hours", each `days`/24 real time,
  6 h by default), so feeding hour 0, then hour 1, ... replays the stream in 24 batches with stories growing
  across batches;
- each record: `id` (unique), `title`, `text`, `outlet` (outletNNN, Zipf-distributed: a few big outlets),
  `url` (unique: https://outletNNN.example/YYYY/MM/DD/slug-ID), `published`, `hour`, `label` (gold story:
  the ECB+ event / BASIL triplet, `syn-K` or `noise-K`). Deterministic for a given `--seed`.

    python benchmarks/make_corpus.py --stream --n 2000 --out /tmp/stream2k.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "clustering"

JUNK = [
    "Skip to main content", "Home | World | Business | Sport | Opinion", "Sign up for our newsletter",
    "Read more: the week in pictures", "Advertisement", "Share this article on Facebook Twitter Email",
    "Comments (12) - Log in to comment", "Most read", "Related: what we know so far", "Cookie settings",
]
SWAPS = {"said": "stated", "on": "on", "after": "following", "killed": "left dead", "police": "officers",
         "people": "residents", "major": "significant", "announced": "revealed", "government": "authorities"}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.split()) >= 4]


def repost(rng: random.Random, title: str, sents: list[str]) -> tuple[str, str]:
    junk_top = rng.sample(JUNK, 3)
    junk_end = rng.sample(JUNK, 3)
    return title, "\n".join(junk_top + sents + junk_end)


def rewrite(rng: random.Random, title: str, sents: list[str]) -> tuple[str, str]:
    keep = [s for s in sents if rng.random() > 0.3] or sents[:1]
    if len(keep) > 3:
        head, tail = keep[:2], keep[2:]
        rng.shuffle(tail)
        keep = head + tail
    out = []
    for s in keep:
        out.append(" ".join(SWAPS.get(w, w) if rng.random() < 0.5 else w for w in s.split()))
    words = title.split()
    new_title = " ".join(words[: max(3, len(words) - rng.randint(0, 2))]) + rng.choice(["", " - update", ": report"])
    return new_title, "\n\n".join(out)


def mashup(rng: random.Random, pool: list[list[str]]) -> tuple[str, str]:
    sents = [rng.choice(rng.choice(pool)) for _ in range(rng.randint(5, 15))]
    sents = [re.sub(r"\d+", lambda m: str(rng.randint(2, 9999)), s) for s in sents]
    return sents[0][:80], "\n\n".join(sents)


def build(n: int, seed: int = 0) -> list[dict]:
    from clustering import load  # imports wiretrace; only the default (non-stream) corpus needs it

    rng = random.Random(seed)
    base = []
    for name in ("ecbplus", "basil"):
        arts, gold = load(name)
        for a, g in zip(arts, gold, strict=True):
            sents = sentences(a.text)
            title = a.title or (sents[0][:90] if sents else "untitled")
            base.append((g, title, sents, a.published))
    pool = [b[2] for b in base if b[2]]
    out: list[dict] = []
    noise = n // 2
    story_dates = {g: date(2020, 1, 1) + timedelta(days=rng.randint(0, 700)) for g, *_ in base}
    while len(out) < n - noise:
        g, title, sents, pub = rng.choice(base)
        d0 = date.fromisoformat(pub) if pub else story_dates[g]
        kind = rng.random()
        t, x = (title, "\n\n".join(sents)) if kind < 0.2 else repost(rng, title, sents) if kind < 0.5 else rewrite(
            rng, title, sents)
        out.append({"title": t, "text": x, "label": g, "outlet": f"outlet{rng.randint(1, 400)}",
                    "published": (d0 + timedelta(days=rng.randint(-2, 2))).isoformat()})
    for k in range(noise):
        t, x = mashup(rng, pool)
        out.append({"title": t, "text": x, "label": f"noise-{k}", "outlet": f"outlet{rng.randint(1, 400)}",
                    "published": (date(2020, 1, 1) + timedelta(days=rng.randint(0, 700))).isoformat()})
    rng.shuffle(out)
    return out


STREAM_START = datetime(2024, 3, 4, tzinfo=UTC)
KINDS = (("copy", 0.10), ("repost", 0.35), ("rewrite", 0.40), ("followup", 0.15))


def load_events() -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """Real events straight from the JSONL (no wiretrace import): [(gold label, [(title, sentences), ...])]."""
    events: dict[str, list[tuple[str, list[str]]]] = {}
    for name in ("ecbplus", "basil"):
        path = DATA / f"{name}.jsonl"
        if not path.exists():
            raise SystemExit(f"missing {path}: the stream corpus needs ../shared/data/clustering")
        for line in path.open():
            r = json.loads(line)
            label = r["event_cluster"] if name == "ecbplus" else r["triplet_uuid"]
            sents = sentences(r["text"])
            if not sents:
                continue
            title = r.get("title") or sents[0][:90]
            events.setdefault(label, []).append((title, sents))
    return sorted(events.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def pareto_size(rng: random.Random, alpha: float, cap: int) -> int:
    """Discrete Pareto (minimum 2): P(size >= k) ~ (2/k)**alpha."""
    return min(cap, int(2 * (1 - rng.random()) ** (-1 / alpha)))


def story_sizes(n: int, story_share: float, big_share: float, alpha: float, rng: random.Random) -> list[int]:
    big = max(2, math.ceil(big_share * n))
    total = max(big, round(story_share * n))
    sizes = [big]
    left = total - big
    while left >= 2:
        k = min(pareto_size(rng, alpha, max(2, big // 2)), left)
        if left - k == 1:
            k += 1
        sizes.append(k)
        left -= k
    return sorted(sizes, reverse=True)


def version(rng: random.Random, docs: list[tuple[str, list[str]]], pool: list[list[str]], outlet: str,
            synthetic: bool) -> tuple[str, str]:
    title, sents = rng.choice(docs)
    kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
    if kind == "copy":
        return title, "\n\n".join(sents)
    if kind == "repost":
        t, x = repost(rng, title, sents)
        return f"{t} | {outlet.capitalize()}", x
    if kind == "followup":
        # a later piece: part of one report, part of another report of the same event (or, for a synthetic
        # story, a couple of new sentences: the story develops)
        _, other = rng.choice(docs)
        extra = other[: rng.randint(2, 5)] if not synthetic or len(docs) > 1 else [
            rng.choice(rng.choice(pool)) for _ in range(rng.randint(1, 2))]
        keep = sents[: max(2, len(sents) // 2)]
        return rewrite(rng, title, keep + [e for e in extra if e not in keep])
    return rewrite(rng, title, sents)


def build_stream(n: int, seed: int = 0, days: float = 6.0, story_share: float = 0.4, big_share: float = 0.04,
                 alpha: float = 1.3) -> list[dict]:
    """The labelled news stream described in the module docstring, sorted by publication time."""
    rng = random.Random(seed)
    events = load_events()
    pool = [sents for _, docs in events for _, sents in docs]
    span = days * 86400.0
    outlets = [f"outlet{k:03d}" for k in range(1, 401)]
    outlet_w = [1 / k for k in range(1, 401)]
    rows: list[tuple[float, str, str, str]] = []  # (seconds into the stream, label, title, text)
    for s, size in enumerate(story_sizes(n, story_share, big_share, alpha, rng)):
        if s < len(events):
            label, docs = events[s]
            synthetic = False
        else:
            label, synthetic = f"syn-{s}", True
            t, x = mashup(rng, pool)
            docs = [(t, x.split("\n\n"))]
        if s == 0:
            start, dur = 0.0, span
        else:
            dur = min(span, 86400.0 * rng.uniform(1, 4))
            start = rng.uniform(0, max(0.0, span - dur))
        for _ in range(size):
            outlet = rng.choices(outlets, outlet_w)[0]
            t, x = version(rng, docs, pool, outlet, synthetic)
            rows.append((start + dur * rng.betavariate(1, 3), label, t, x, outlet))
    for k in range(n - len(rows)):
        t, x = mashup(rng, pool)
        rows.append((rng.uniform(0, span), f"noise-{k}", t, x, rng.choices(outlets, outlet_w)[0]))
    rows.sort(key=lambda r: r[0])
    out = []
    for i, (sec, label, title, text, outlet) in enumerate(rows):
        when = STREAM_START + timedelta(seconds=sec)
        slug = "-".join(re.findall(r"[a-z0-9]+", title.lower())[:6]) or "story"
        out.append({
            "id": f"s{seed}-{i:07d}", "title": title, "text": text, "outlet": outlet,
            "url": f"https://{outlet}.example/{when:%Y/%m/%d}/{slug}-{i}",
            "published": when.strftime("%Y-%m-%dT%H:%M:00Z"), "hour": min(23, int(24 * sec / span)),
            "label": label,
        })
    return out


def describe(rows: list[dict]) -> dict:
    """Corpus parameters a results file should quote."""
    from collections import Counter

    sizes = Counter(r["label"] for r in rows)
    story = sorted((v for k, v in sizes.items() if v > 1), reverse=True)
    return {"records": len(rows), "stories": len(story), "largest": story[:5],
            "in_stories": sum(story), "singletons": sum(1 for v in sizes.values() if v == 1),
            "per_hour": [sum(1 for r in rows if r.get("hour") == h) for h in range(24)] if rows and "hour" in rows[0]
            else None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--stream", action="store_true", help="the labelled news stream (see the module docstring)")
    ap.add_argument("--days", type=float, default=6.0, help="with --stream: days the stream covers")
    ap.add_argument("--story-share", type=float, default=0.4, help="with --stream: share of records in stories")
    ap.add_argument("--big-share", type=float, default=0.04, help="with --stream: size of the largest story / n")
    ap.add_argument("--alpha", type=float, default=1.3, help="with --stream: Pareto exponent of story sizes")
    args = ap.parse_args()
    if args.stream:
        rows = build_stream(args.n, args.seed, args.days, args.story_share, args.big_share, args.alpha)
    else:
        rows = build(args.n, args.seed)
    with open(args.out, "w") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    print(f"wrote {len(rows)} articles to {args.out}")
    if args.stream:
        print(json.dumps(describe(rows)))


if __name__ == "__main__":
    main()
