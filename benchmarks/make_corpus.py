"""Build a large, realistic, labelled corpus for clustering throughput runs (written to /tmp, never the repo).

Stories come from the development data (ECB+ and BASIL articles, story label = gold event). Each story
gets a random number of versions (heavy-tailed, like a real news day):
- re-posts: the same text with page junk (navigation, newsletter box, "Read more" links, comments);
- rewrites: sentences dropped and reordered, a few words changed, a new title;
- unrelated singletons: articles stitched from sentences of different stories with fresh numbers,
  so most of the firehose is noise that must stay apart.
Publication dates: one day per story, versions within +-2 days.

    python benchmarks/make_corpus.py --n 10000 --out /tmp/corpus10k.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clustering import load  # noqa: E402

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(args.out, "w") as fh:
        for row in build(args.n, args.seed):
            fh.write(json.dumps(row) + "\n")
    print(f"wrote {args.n} articles to {args.out}")


if __name__ == "__main__":
    main()
