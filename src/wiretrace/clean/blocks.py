"""A learned block classifier for HTML pages: main text, comments, related content, boilerplate.

Why: hand-written line rules fitted to pages one has read do not generalise (issue 14). The page is cut into DOM
text blocks (boilerpipe/dragnet style: text between block-level tags), each block gets shallow features of itself
and its context (text and link density, tag path, class/id tokens, position, punctuation, sentence shape, distance
to the title, repetition within the page, and whether the base extractor kept it), and a
trees model (gradient boosting) says main / comment / related / boilerplate. The trees are plain JSON (fitted
with scikit-learn by `benchmarks/fit_blocks.py`), the runtime is numpy only.

Written here (not a library) because no maintained Python package ships a block classifier with trainable
weights and a light runtime: dragnet is unmaintained (Python 2 era, Cython), boilerpy3/jusText are fixed rules.
Parsing is lxml's (the same parser trafilatura uses).
"""

from __future__ import annotations

import json
import math
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

LABELS = ("main", "comment", "related", "boilerplate")

# Text between these tags is one block (boilerpipe's rule, with <br> as a boundary: old pages set paragraphs that way).
_BLOCK_TAGS = frozenset("""
p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 td th tr table tbody thead tfoot blockquote pre section article header
footer nav aside main form figure figcaption address center body html br hr caption fieldset legend menu details
summary dialog
""".split())
_SKIP_TAGS = frozenset("script style noscript svg template head iframe select option textarea object embed button "
                       "map canvas math title".split())
_OWNER_TAGS = ("p", "div", "li", "td", "h1", "h2", "h3", "h456", "a", "blockquote", "dd", "pre", "figcaption",
               "span", "other")
_ANCESTOR_TAGS = ("ul", "li", "table", "form", "nav", "header", "footer", "aside", "article", "main", "h", "a",
                  "section", "blockquote", "figure", "p", "font", "strong", "b", "i", "em", "small", "time")
_WORD = re.compile(r"\w+")
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+|(?<=[a-z])(?=[A-Z])")
_SENT_END = re.compile(r"[.!?][\"'”’)]?(?:\s|$)")
_DATEISH = re.compile(r"\b(?:\d{1,2}:\d{2}|\d{4}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?)\b", re.I)
_AGO = re.compile(r"\b(?:ago|posted|reply|replies|comments?|said\.\.\.|wrote|report abuse|permalink|login|log in|"
                  r"sign up|share|tweet|print|e-?mail|subscribe|advertisement|related|more from|read more|"
                  r"recommended|popular|trending|copyright|©|all rights reserved)\b", re.I)
N_HASH = 128  # not a setting: the fitted weights (blocks.json) are laid out for features of this size


@dataclass(slots=True)
class Block:
    """One text block of the page and what the classifier needs to know of its place."""

    text: str
    words: int
    anchor_words: int
    owner: str  # the innermost block-level tag holding the text
    ancestors: tuple[str, ...]  # tag names from the root down
    near_tokens: tuple[str, ...]  # class/id tokens of the 3 nearest ancestors
    far_tokens: tuple[str, ...]  # class/id tokens of the other ancestors
    containers: tuple[int, ...]  # serial numbers of the enclosing elements (container-level text shares)
    label: str = "boilerplate"
    p_main: float = 0.0


def _class_tokens(el) -> list[str]:  # noqa: ANN001 - lxml element
    toks: list[str] = []
    for attr in ("class", "id"):
        v = el.get(attr)
        if v and len(v) < 300:
            toks += [t for t in _TOKEN_SPLIT.split(v.lower() if v.islower() else v) if 1 < len(t) < 30]
    return [t.lower() for t in toks]


def segment(root) -> list[Block]:  # noqa: ANN001 - lxml root element
    """Cut a parsed page into text blocks, in document order (iterative: deep trees cannot overflow the stack)."""
    from lxml import etree

    blocks: list[Block] = []
    stack: list[tuple[str, list[str], int]] = []  # (tag, class/id tokens, serial number)
    buf: list[str] = []
    anchor = [0]  # words inside <a> in the current block
    in_a = [0]
    owner: list[tuple] = [()]  # the stack snapshot when the block's first text arrived
    serial = [0]

    def add(s: str) -> None:
        if not s:
            return
        if s.isspace():  # white space between inline elements separates words; it never starts a block
            if buf:
                buf.append(" ")
            return
        if not buf:
            owner[0] = tuple(stack)
        buf.append(s)
        if in_a[0]:
            anchor[0] += len(_WORD.findall(s))

    def flush() -> None:
        if not buf:
            return
        text = " ".join("".join(buf).split())
        buf.clear()
        a = anchor[0]
        anchor[0] = 0
        if not text:
            return
        snap = owner[0]
        words = len(_WORD.findall(text))
        if words == 0:
            return
        tags = tuple(t for t, _, _ in snap)
        own = next((t for t in reversed(tags) if t in _BLOCK_TAGS), "other")
        near = tuple(tok for _, toks, _ in snap[-3:] for tok in toks)
        far = tuple(tok for _, toks, _ in snap[:-3] for tok in toks)
        blocks.append(Block(text, words, min(a, words), own, tags, near, far, tuple(i for _, _, i in snap)))

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):  # comments, processing instructions
            if event == "end":
                add(el.tail or "")
            continue
        tag = tag.lower()
        if event == "start":
            if tag in _SKIP_TAGS:
                walker.skip_subtree()
                continue
            if tag in _BLOCK_TAGS:
                flush()
            serial[0] += 1  # a serial number, not id(el): lxml's proxies die and their ids get reused
            stack.append((tag, _class_tokens(el), serial[0]))
            if tag == "a":
                in_a[0] += 1
            add(el.text or "")
        else:
            if tag in _SKIP_TAGS:
                add(el.tail or "")
                continue
            if stack:
                stack.pop()
            if tag == "a":
                in_a[0] = max(0, in_a[0] - 1)
            if tag in _BLOCK_TAGS:
                flush()
            add(el.tail or "")
    flush()
    return blocks


@lru_cache(maxsize=65536)
def _hash(tok: str) -> int:
    return zlib.crc32(tok.encode()) % N_HASH


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    toks = _WORD.findall(text.lower())
    return {tuple(toks[i : i + n]) for i in range(max(0, len(toks) - n + 1))}


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


N_DENSE = 0  # set below from the names list
DENSE_NAMES: list[str] = (
    ["log_words", "link_density", "sent_ends_per_word", "words_per_sentence", "commas_per_word", "cap_share",
     "digit_share", "avg_word_len", "ends_terminal", "starts_cap", "rel_pos", "rel_words_before", "log_depth",
     "dateish", "ui_words", "repeat_in_page", "base_kept", "base_kept_exact", "is_title", "title_dist",
     "before_title", "log_title_dist", "container1_share", "container2_share", "container3_share",
     "container1_link", "container2_link", "quote_marks", "has_pipe", "all_caps_share", "one_word"]
    + [f"{side}{k}_{f}" for side in ("prev", "next") for k in (1, 2) for f in ("log_words", "link", "terminal")]
    + [f"owner_{t}" for t in _OWNER_TAGS] + [f"anc_{t}" for t in _ANCESTOR_TAGS]
)
N_DENSE = len(DENSE_NAMES)


@lru_cache(maxsize=4096)
def _tag_columns(owner: str, ancestors: tuple[str, ...]) -> tuple[int, ...]:
    """The owner-tag and ancestor-tag columns a block sets (blocks of one page share a few tag paths)."""
    own = owner if owner in _OWNER_TAGS else ("h456" if owner in ("h4", "h5", "h6") else "other")
    cols = [DENSE_NAMES.index(f"owner_{own}")]
    anc = set(ancestors)
    for tg in _ANCESTOR_TAGS:
        hit = bool(anc & _HEADINGS) if tg == "h" else tg in anc
        if hit:
            cols.append(DENSE_NAMES.index(f"anc_{tg}"))
    return tuple(cols)


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def features(blocks: list[Block], title: str | None, base_text: str | None) -> np.ndarray:
    """One row per block: the dense features (DENSE_NAMES), then hashed class/id tokens (near, far)."""
    n = len(blocks)
    X = np.zeros((n, N_DENSE + 2 * N_HASH), dtype=np.float32)
    if n == 0:
        return X
    total = sum(b.words for b in blocks) or 1
    # Words (and anchor words) under each enclosing element: the share of the page a block's container holds.
    cont_words: dict[int, int] = {}
    cont_anchor: dict[int, int] = {}
    for b in blocks:
        for c in b.containers:
            cont_words[c] = cont_words.get(c, 0) + b.words
            cont_anchor[c] = cont_anchor.get(c, 0) + b.anchor_words
    # Each block's lower-case words, found once: its normalised text, its 3-word shingles and its title overlap.
    words_lc = [_WORD.findall(b.text.lower()) for b in blocks]
    norms = [" ".join(ws) for ws in words_lc]
    counts: dict[str, int] = {}
    for k in norms:
        counts[k] = counts.get(k, 0) + 1
    # Base extractor's output: which blocks it kept (3-word shingles; short blocks by exact line).
    base_sh: set = set()
    base_lines: set[str] = set()
    base_norm = ""
    if base_text:
        base_sh = _shingles(base_text)
        base_lines = {_norm(x) for x in base_text.splitlines()}
        base_norm = " " + _norm(base_text) + " "
    # The title block: the first block sharing most of the title's words.
    title_i = -1
    if title:
        tw = set(_WORD.findall(title.lower()))
        if tw:
            best = 0.0
            for i, b in enumerate(blocks[: min(n, 400)]):
                if b.words > 3 * len(tw) + 5:
                    continue
                bw = set(words_lc[i])
                ov = len(tw & bw) / max(len(tw), len(bw))
                if ov > best and ov >= 0.6:
                    best, title_i = ov, i
    col = {name: j for j, name in enumerate(DENSE_NAMES)}
    link = [b.anchor_words / b.words for b in blocks]
    term = [1.0 if _SENT_END.search(b.text[-3:] + " ") else 0.0 for b in blocks]
    lw = [math.log1p(b.words) for b in blocks]
    # Column numbers as locals: the loop below runs once per block (tens of thousands on a long page).
    container_cols = [(j, col[f"container{j}_share"], col[f"container{j}_link"] if j < 3 else None) for j in (1, 2, 3)]
    neighbour_cols = [(step * k, col[f"{side}{k}_log_words"], col[f"{side}{k}_link"], col[f"{side}{k}_terminal"])
                      for side, step in (("prev", -1), ("next", 1)) for k in (1, 2)]
    (k_all_caps_share, k_avg_word_len, k_base_kept, k_base_kept_exact, k_before_title, k_cap_share,
     k_commas_per_word, k_dateish, k_digit_share, k_ends_terminal, k_has_pipe, k_is_title, k_link_density,
     k_log_depth, k_log_title_dist, k_log_words, k_one_word, k_quote_marks, k_rel_pos, k_rel_words_before,
     k_repeat_in_page, k_sent_ends_per_word, k_starts_cap, k_title_dist, k_ui_words, k_words_per_sentence) = (
        col[name] for name in (
        "all_caps_share", "avg_word_len", "base_kept", "base_kept_exact", "before_title", "cap_share",
        "commas_per_word", "dateish", "digit_share", "ends_terminal", "has_pipe", "is_title", "link_density",
        "log_depth", "log_title_dist", "log_words", "one_word", "quote_marks", "rel_pos", "rel_words_before",
        "repeat_in_page", "sent_ends_per_word", "starts_cap", "title_dist", "ui_words", "words_per_sentence"))
    before = 0
    for i, b in enumerate(blocks):
        t = b.text
        row = [0.0] * N_DENSE  # filled in Python, copied once: numpy scalar writes cost ~10x more
        w = b.words
        ends = len(_SENT_END.findall(t))
        toks = t.split()
        row[k_log_words] = lw[i]
        row[k_link_density] = link[i]
        row[k_sent_ends_per_word] = ends / w
        row[k_words_per_sentence] = min(w / max(ends, 1), 80) / 40
        row[k_commas_per_word] = t.count(",") / w
        row[k_cap_share] = sum(1 for x in toks if x[:1].isupper()) / max(len(toks), 1)
        row[k_all_caps_share] = sum(1 for x in toks if len(x) > 1 and x.isupper()) / max(len(toks), 1)
        row[k_digit_share] = sum(map(str.isdigit, t)) / len(t)
        row[k_avg_word_len] = min(len(t) / max(len(toks), 1), 20) / 10
        row[k_ends_terminal] = term[i]
        row[k_starts_cap] = 1.0 if t[:1].isupper() else 0.0
        row[k_rel_pos] = i / n
        row[k_rel_words_before] = before / total
        before += w
        row[k_log_depth] = math.log1p(len(b.ancestors))
        row[k_dateish] = min(len(_DATEISH.findall(t)), 3) / 3
        row[k_ui_words] = min(len(_AGO.findall(t)), 3) / 3 if w < 60 else 0.0
        row[k_repeat_in_page] = math.log(counts[norms[i]])
        row[k_quote_marks] = min(sum(t.count(q) for q in "\"“”"), 4) / 4
        row[k_has_pipe] = 1.0 if "|" in t or "»" in t else 0.0
        row[k_one_word] = 1.0 if w == 1 else 0.0
        if base_text:
            ws = words_lc[i]
            sh = set(zip(ws, ws[1:], ws[2:], strict=False))
            if sh:
                row[k_base_kept] = len(sh & base_sh) / len(sh)
            k = norms[i]
            row[k_base_kept_exact] = 1.0 if k in base_lines or (k and f" {k} " in base_norm and w >= 3) else 0.0
            if not sh:
                row[k_base_kept] = row[k_base_kept_exact]
        if title_i >= 0:
            d = i - title_i
            row[k_is_title] = 1.0 if d == 0 else 0.0
            row[k_title_dist] = max(-1.0, min(1.0, d / 50))
            row[k_before_title] = 1.0 if d < 0 else 0.0
            row[k_log_title_dist] = math.log1p(abs(d)) / 5
        else:
            row[k_log_title_dist] = 1.0
        cs = b.containers
        for j, k_share, k_link in container_cols:
            if len(cs) > j:
                c = cs[-1 - j]
                row[k_share] = cont_words[c] / total
                if k_link is not None:
                    row[k_link] = cont_anchor[c] / max(cont_words[c], 1)
        for offset, k_words, k_link, k_terminal in neighbour_cols:
            jj = i + offset
            if 0 <= jj < n:
                row[k_words] = lw[jj]
                row[k_link] = link[jj]
                row[k_terminal] = term[jj]
        for j in _tag_columns(b.owner, b.ancestors):
            row[j] = 1.0
        X[i, :N_DENSE] = row
        for tok in set(b.near_tokens):
            X[i, N_DENSE + _hash(tok)] = 1.0
        for tok in set(b.far_tokens):
            X[i, N_DENSE + N_HASH + _hash(tok)] = 1.0
    return X


# The second look (stacking): each block's first-pass probabilities next to those of its neighbours, of the blocks
# built like it (same owner tag, tag path and class/id tokens: a comment thread repeats one template), of its
# enclosing containers, and where it sits relative to the page's main and comment mass. A comment that reads like
# prose on its own is rarely alone; the trees see the thread.
_CTX_WINDOW = 5  # blocks each side for the word-weighted neighbourhood mean
_HEAD_AFTER_WORDS = 50  # words of likely main text after the title before a readers' heading counts as "after it"
_CTX_NEAR = 3  # blocks each side where a repeated short line (a "Reply" link, a "Posted by" line) is looked for
_CTX_NEIGHBOURS = (1, 2, 3)  # neighbours each side whose probabilities are columns of their own
_CTX_CONTAINERS = (1, 2)  # enclosing containers (1 = the nearest above the block's own element) averaged over
_LONG_BLOCK = 10  # words: a block long enough to count as text when main or comment mass is located
_SHORT_LINE = 8  # words: a line short enough to be a "Reply" / "Posted by" line
_HEADING_WORDS = 6  # words: at most this long to be a readers' heading
# A short block that heads a readers' section (many languages): the trees learn what it is worth after it. It also
# matches a comment's own short UI lines ("Report this comment", "3 comments"): the distance feature then measures
# the nearest of those, which is as telling.
_COMMENT_HEAD = re.compile(r"\b(?:\d+\s+)?(?:comments?|reactions?|responses?|replies|discussion|discuss|"
                           r"have your say|leave a (?:reply|comment)|join the (?:conversation|discussion)|"
                           r"readers?'? (?:say|views|comments)|"
                           r"kommentare?|commentaires?|comentarios?|commenti|reacties|reacciones)\b", re.I)
_CTX_RAW = ("log_words", "link_density", "base_kept", "rel_pos", "title_dist", "is_title", "ends_terminal",
            "ui_words", "dateish")
CONTEXT_NAMES: list[str] = (
    [f"p_{lab}" for lab in LABELS]
    + [f"{side}{k}_p_{lab}" for side in ("prev", "next") for k in _CTX_NEIGHBOURS for lab in LABELS]
    + [f"window_p_{lab}" for lab in LABELS]
    + [f"template_p_{lab}" for lab in LABELS] + ["template_log_count", "template_word_share"]
    + [f"container{k}_p_{lab}" for k in _CTX_CONTAINERS for lab in LABELS]
    + ["main_mass_before", "comment_mass_before", "main_after_max", "comment_before_max"]
    + ["comment_head_before", "log_blocks_since_comment_head", "near_repeat_short", "near_ui_lines",
       "comment_head_after_text", "log_blocks_since_head_after_text"]
    + [f"raw_{name}" for name in _CTX_RAW]
)


def context_features(blocks: list[Block], X: np.ndarray, P: np.ndarray) -> np.ndarray:
    """One row per block for the second look (CONTEXT_NAMES), from the first pass's probabilities `P`."""
    n, k = P.shape
    out = np.zeros((n, len(CONTEXT_NAMES)), dtype=np.float32)
    if n == 0:
        return out
    w = np.array([b.words for b in blocks], dtype=np.float64)
    Pw = P * w[:, None]
    col = 0
    out[:, col:col + k] = P
    col += k
    for side in (-1, 1):
        for d in _CTX_NEIGHBOURS:
            shifted = np.full((n, k), -1.0)  # -1: no such neighbour
            if d < n:
                if side < 0:
                    shifted[d:] = P[:-d]
                else:
                    shifted[:-d] = P[d:]
            out[:, col:col + k] = shifted
            col += k
    # Word-weighted mean of the window around the block, the block itself left out.
    cum = np.vstack([np.zeros((1, k)), np.cumsum(Pw, axis=0)])
    cumw = np.concatenate([[0.0], np.cumsum(w)])
    lo = np.clip(np.arange(n) - _CTX_WINDOW, 0, n)
    hi = np.clip(np.arange(n) + _CTX_WINDOW + 1, 0, n)
    ws = cumw[hi] - cumw[lo] - w
    out[:, col:col + k] = np.where(ws[:, None] > 0, (cum[hi] - cum[lo] - Pw) / np.maximum(ws, 1)[:, None], -1.0)
    col += k
    # Blocks built alike: owner tag, tag path, class/id tokens of the nearest ancestors.
    ids: dict[tuple, int] = {}
    tpl = np.array([ids.setdefault((b.owner, b.ancestors, b.near_tokens), len(ids)) for b in blocks])
    g = len(ids)
    gw = np.bincount(tpl, weights=w, minlength=g)
    gcount = np.bincount(tpl, minlength=g)
    for j in range(k):
        out[:, col + j] = (np.bincount(tpl, weights=Pw[:, j], minlength=g) / np.maximum(gw, 1))[tpl]
    col += k
    out[:, col] = np.log(gcount[tpl])
    out[:, col + 1] = gw[tpl] / w.sum()
    col += 2
    # Everything under the block's 1st and 2nd enclosing containers (as in `features`).
    wanted: dict[int, int] = {}
    for b in blocks:
        for d in _CTX_CONTAINERS:
            if len(b.containers) > d:
                wanted.setdefault(b.containers[-1 - d], len(wanted))
    m = len(wanted)
    cont_mass = np.zeros((m, k))
    cont_w = np.zeros(m)
    for i, b in enumerate(blocks):
        for c in b.containers:
            slot = wanted.get(c)
            if slot is not None:
                cont_mass[slot] += Pw[i]
                cont_w[slot] += w[i]
    for d in _CTX_CONTAINERS:
        for i, b in enumerate(blocks):
            if len(b.containers) > d:
                slot = wanted[b.containers[-1 - d]]
                out[i, col:col + k] = cont_mass[slot] / max(cont_w[slot], 1.0)
            else:
                out[i, col:col + k] = -1.0
        col += k
    # Where the block sits against the page's main text and comments.
    main, comment = LABELS.index("main"), LABELS.index("comment")
    for j, which in ((0, main), (1, comment)):
        before = cum[:-1, which]
        total = cum[-1, which]
        out[:, col + j] = before / total if total > 0 else 0.0
    long_enough = w >= _LONG_BLOCK
    pm = np.where(long_enough, P[:, main], 0.0)
    out[:, col + 2] = np.concatenate([np.maximum.accumulate(pm[::-1])[::-1][1:], [0.0]])
    pc = np.where(long_enough, P[:, comment], 0.0)
    out[:, col + 3] = np.concatenate([[0.0], np.maximum.accumulate(pc)[:-1]])
    col += 4
    # A readers' section heading before the block, and short lines repeated around it (one per comment).
    head = np.array([b.words <= _HEADING_WORDS and bool(_COMMENT_HEAD.search(b.text)) for b in blocks])
    idx = np.arange(n)
    last_head = np.maximum.accumulate(np.where(head, idx, -1))
    since = np.concatenate([[-1], last_head[:-1]])  # the nearest heading strictly before
    out[:, col] = since >= 0
    out[:, col + 1] = np.where(since >= 0, np.log1p(idx - since), -1.0)
    short = w < _SHORT_LINE
    rep = np.where(short, X[:, DENSE_NAMES.index("repeat_in_page")], 0.0)
    ui = (X[:, DENSE_NAMES.index("ui_words")] > 0) & short
    near_rep = np.zeros(n)
    near_ui = np.zeros(n)
    for d in range(1, _CTX_NEAR + 1):
        near_rep[d:] = np.maximum(near_rep[d:], rep[:-d])
        near_rep[:-d] = np.maximum(near_rep[:-d], rep[d:])
        near_ui[d:] += ui[:-d]
        near_ui[:-d] += ui[d:]
    out[:, col + 2] = near_rep
    out[:, col + 3] = near_ui
    # The same heading once the article has begun: after the title and after some likely main text (a "Comments"
    # item of the site menu above the article says nothing about what follows the article).
    is_title = X[:, DENSE_NAMES.index("is_title")] > 0
    likely = (P[:, main] >= 0.5) & long_enough
    start = int(np.argmax(is_title)) if is_title.any() else (int(np.argmax(likely)) if likely.any() else n)
    text_before = np.cumsum(np.where(likely & (idx > start), w, 0.0))
    head_late = head & (idx > start) & (text_before >= _HEAD_AFTER_WORDS)
    last_late = np.maximum.accumulate(np.where(head_late, idx, -1))
    since_late = np.concatenate([[-1], last_late[:-1]])
    out[:, col + 4] = since_late >= 0
    out[:, col + 5] = np.where(since_late >= 0, np.log1p(idx - since_late), -1.0)
    col += 6
    for name in _CTX_RAW:
        out[:, col] = X[:, DENSE_NAMES.index(name)]
        col += 1
    assert col == len(CONTEXT_NAMES)
    return out


class BlockModel:
    """Gradient-boosted trees (sklearn's HistGradientBoosting, exported by benchmarks/fit_blocks.py) over the
    features above, evaluated here with numpy: all trees walked at once, one level per step."""

    def __init__(self, d: dict, names: list[str] | None = None, n_hash: int = N_HASH) -> None:
        """`d`: the exported trees; `names`/`n_hash`: the features they were fitted on (the first pass's by
        default; the second look's are CONTEXT_NAMES with no hashed columns). A `context` entry in `d` is the
        second look, fitted on the first pass's out-of-fold probabilities."""
        names = DENSE_NAMES if names is None else names
        if d.get("format") != "wiretrace-blocks-gbt/1" or d.get("dense_names") != names \
                or d.get("n_hash") != n_hash:
            raise ValueError("block classifier weights do not match this code's features (refit with "
                             "benchmarks/fit_blocks.py)")
        self.context: BlockModel | None = BlockModel(d["context"], CONTEXT_NAMES, 0) if d.get("context") else None
        self.labels: tuple[str, ...] = tuple(d["labels"])
        self.threshold = float(d.get("threshold", 0.5))
        self.meta: dict = d.get("meta", {})
        self.baseline = np.asarray(d["baseline"], np.float64)
        self.feat = np.asarray(d["feature"], np.int32)
        self.thr = np.asarray(d["threshold_value"], np.float64)
        self.left = np.asarray(d["left"], np.int32)
        self.right = np.asarray(d["right"], np.int32)
        self.leaf = np.asarray(d["is_leaf"], bool)
        self.value = np.asarray(d["value"], np.float64)
        self.roots = np.asarray(d["roots"], np.int32)
        self.depth = int(d["max_depth"])
        cls = np.asarray(d["tree_class"], np.int32)
        self.onehot = np.zeros((len(self.roots), len(self.labels)))
        self.onehot[np.arange(len(cls)), cls] = 1.0
        self._json = d

    def proba(self, X: np.ndarray) -> np.ndarray:
        n = len(X)
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        rows = np.arange(n)[:, None]
        for _ in range(self.depth):
            go_left = X[rows, self.feat[node]] <= self.thr[node]
            node = np.where(go_left, self.left[node], self.right[node])  # a leaf points at itself
        z = self.value[node] @ self.onehot + self.baseline
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_json(self) -> dict:
        return self._json

    @classmethod
    def from_sklearn(cls, clf, meta: dict, names: list[str] | None = None,  # noqa: ANN001 - sklearn's classifier
                     n_hash: int = N_HASH) -> BlockModel:
        """Export the fitted trees (fit time only: sklearn is not needed to run the model)."""
        names = DENSE_NAMES if names is None else names
        feat, thr, left, right, leaf, value, roots, tree_class = [], [], [], [], [], [], [], []
        depth = 0
        labels = [LABELS[c] for c in clf.classes_]
        for per_class in clf._predictors:
            for k, pred in enumerate(per_class):
                nodes = pred.nodes
                off = len(feat)
                roots.append(off)
                tree_class.append(k)
                for i, nd in enumerate(nodes):
                    is_leaf = bool(nd["is_leaf"])
                    feat.append(0 if is_leaf else int(nd["feature_idx"]))
                    thr.append(0.0 if is_leaf else float(nd["num_threshold"]))
                    left.append(off + i if is_leaf else off + int(nd["left"]))
                    right.append(off + i if is_leaf else off + int(nd["right"]))
                    leaf.append(is_leaf)
                    value.append(round(float(nd["value"]), 6) if is_leaf else 0.0)
                    depth = max(depth, int(nd["depth"]))
        return cls({"format": "wiretrace-blocks-gbt/1", "labels": labels, "threshold": 0.5,
                    "n_dense": len(names), "n_hash": n_hash, "dense_names": names,
                    "baseline": np.asarray(clf._baseline_prediction).ravel().round(6).tolist(),
                    "feature": feat, "threshold_value": thr, "left": left, "right": right, "is_leaf": leaf,
                    "value": value, "roots": roots, "tree_class": tree_class, "max_depth": depth, "meta": meta},
                   names, n_hash)

    def with_context(self, context: BlockModel) -> BlockModel:
        """This first pass with `context` as its second look (one JSON file holds both)."""
        return BlockModel({**self._json, "meta": dict(self.meta), "context": context.to_json()})

    def predict(self, blocks: list[Block], X: np.ndarray) -> np.ndarray:
        """Label probabilities of each block: the first pass, then the second look where the weights hold one."""
        P = self.proba(X)
        if self.context is None or not len(P):
            return P
        second = self.context.proba(context_features(blocks, X, P))
        main = self.context.labels.index("main")  # the second look's columns, in its own label order
        long_blocks = np.array([b.words >= _LONG_BLOCK for b in blocks])
        if not (long_blocks & (second[:, main] >= self.threshold)).any():
            return P  # every page given is an article page: a second look that keeps no text block is overruled
        return second


DEFAULT_WEIGHTS = Path(__file__).with_name("weights") / "blocks.json"


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> BlockModel:
    return BlockModel(json.loads(Path(path or DEFAULT_WEIGHTS).read_text()))


def classify(blocks: list[Block], X: np.ndarray, model: BlockModel) -> None:
    """Label each block in place: main when P(main) passes the threshold, else its likeliest other label."""
    if not blocks:
        return
    P = model.predict(blocks, X)
    main = (model.context or model).labels.index("main")
    for b, p in zip(blocks, P, strict=True):
        b.p_main = float(p[main])
        if p[main] >= model.threshold:
            b.label = "main"
        else:
            q = p.copy()
            q[main] = -1
            b.label = (model.context or model).labels[int(q.argmax())]
