"""Clean stage: the fast paths (bytes tokenisation, gated patterns) give exactly what the plain regexes give.

The speed work on the plain-text path must not change a single output byte: `test_clean_output_pinned` compares a
varied generated batch against outputs recorded before the fast paths went in (tests/data/clean/pinned-output.json),
and the other tests compare each fast path with its plain-regex definition on fuzzed text. Re-recorded once since
(issue 14/18): the batch-repeat rule is gone, so lines the batch shared now stay or go by the other rules; on the
HTML pages nothing changed.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

from wiretrace.clean import clean_articles
from wiretrace.clean import lines as L
from wiretrace.clean import meta as M
from wiretrace.clean import sources as S
from wiretrace.model import Article
from wiretrace.samples import corpus_path

DATA = Path(__file__).parents[1] / "data" / "clean"
PINNED = DATA / "pinned-output.json"
# Characters that exercise the fast paths' edges: joiners, typographic quotes, digits, "_", non-ASCII letters.
_ALPHABET = "aZq'’-‘“”—–… _9.,;:!?()x-'\t\"" + "éÜß―"


def _sample_lines() -> list[str]:
    lines: list[str] = []
    for p in sorted(DATA.glob("*.txt")) + sorted(corpus_path().glob("*.txt")):
        lines += [ln for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return lines


def _fuzz(rnd: random.Random, n: int) -> list[str]:
    return ["".join(rnd.choice(_ALPHABET) for _ in range(rnd.randint(0, 24))) for _ in range(n)]


def _batch() -> list[Article]:
    """A varied batch: shuffled, repeated and altered lines of the sample texts, several outlets, typographic and
    non-ASCII variants, hard-wrapped blocks, and the sample HTML pages."""
    rnd = random.Random(20261124)
    lines = _sample_lines()
    arts: list[Article] = []
    for i in range(60):
        body = rnd.sample(lines, k=min(len(lines), rnd.randint(4, 30)))
        body += rnd.sample(lines[:12], k=3)  # lines shared across the batch: repeated boilerplate
        if i % 5 == 1:
            body = [b.replace("'", "’").replace('"', "“") for b in body]
        if i % 7 == 2:
            body = [b.replace("e", "é", 1) for b in body]
        if i % 6 == 3:
            body.insert(rnd.randint(0, len(body)), " ".join(_fuzz(rnd, 6)))
        sep = "\n\n" if i % 4 == 0 else "\n"
        title = rnd.choice([None, body[0], "25 €", rnd.choice(lines)])
        outlet = rnd.choice([None, "Valley Courier", "Hill Post", "Polar Wire"])
        arts.append(Article(source=f"gen{i}", raw_text=sep.join(body), title=title, outlet=outlet))
    for p in sorted(DATA.glob("*.html")) + sorted(corpus_path().glob("*.html")):
        arts.append(Article(source=p.name, raw_html=p.read_text(encoding="utf-8")))
    return arts


def _outputs(arts: list[Article]) -> list[dict]:
    return [{"text": a.text, "title": a.title, "byline": a.byline, "dateline": a.dateline, "outlet": a.outlet,
             "published": a.published, "language": a.language, "cited": a.cited_sources,
             "removed": [[r.text, r.reason] for r in a.removed]} for a in arts]


def test_clean_output_pinned() -> None:
    got = _outputs(clean_articles(_batch(), None))
    want = json.loads(PINNED.read_text(encoding="utf-8"))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g == w


def test_word_count_equals_regex() -> None:
    rnd = random.Random(1)
    for s in _sample_lines() + _fuzz(rnd, 20000):
        rx = L._ASCII_WORD if L.is_simple(s) else L._WORD
        assert L.word_count.__wrapped__(s) == len(rx.findall(s)), s


def test_gate_tokens_equal_regex_tokens() -> None:
    rnd = random.Random(2)
    words = sorted(S._GATE_WORDS)
    texts = _sample_lines() + _fuzz(rnd, 5000)
    texts += [" ".join(rnd.choice(words + ["x", "Reuters’", "news-agency", "said_", "é", "AP2"]) +
                       rnd.choice(["", ",", "’s", "-", "_"]) for _ in range(8)) for _ in range(3000)]
    for p in texts:
        want = S._GATE_BYTES.intersection(t.encode() for t in re.findall(r"\w+", p))
        assert S._gate_tokens(p) == want, p


def test_stopword_scores_equal_counter() -> None:
    rnd = random.Random(3)
    vocab = "de la le et que não için para the and of der die und het een ve bir çok é Ü _x 9 ’s — The AND".split()
    texts = [" ".join(rnd.choice(vocab) for _ in range(rnd.randint(0, 80))) for _ in range(2000)] + _sample_lines()
    for t in texts:
        words = re.findall(r"\w+", t.lower())
        counts = Counter(words)
        want = {lang: sum(counts.get(w, 0) for w in sw) for lang, sw in M._SW.items()}
        assert M._stopword_scores(t) == (len(words), want), t
