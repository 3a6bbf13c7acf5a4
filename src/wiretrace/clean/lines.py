"""Plain-text cleaner: remove page junk from text that was copied off a page and lost its HTML.

Each line (or paragraph) is classified from features that hold across sites: word count, sentence punctuation,
position in the text, link/widget-like shapes, comment-thread structure (short UI lines, "N days ago",
"Last edited ... by", "Reply"), runs of headlines glued into one line, call-to-action lines, label lines
("Read next: ...") followed by a headline, image credits, the repeated title, and lines repeated across the batch.
The rules lean towards keeping: a line that ends like a sentence and reads like prose is only dropped by a
structural rule (inside a detected comment thread or a teaser footer). Every dropped line is returned with its reason.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from wiretrace.model import Removed
from wiretrace.text.media import CREDIT_LINE as _CREDIT_LINE
from wiretrace.text.media import MEDIA_WORD_RX

_TERMINAL_RX = re.compile(r"[.!?…:;]['\"’”»)\]]*$")


class _Terminal:
    """`search(s)`: does s end like a sentence? Checks only the tail (a `$`-anchored search scans the whole line)."""

    @staticmethod
    def search(s: str) -> bool:
        return bool(_TERMINAL_RX.search(s[-12:]))


_TERMINAL = _Terminal()
_SENT_INSIDE = re.compile(r"[a-z0-9)\"”’][.!?]['\"’”]?\s+[A-Z\"“‘]")
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_URLISH = re.compile(r"(?:https?://|www\.|\b[\w\-]+\.(?:com|org|net|co|io|info|ly|me|news|tv)\b)", re.I)
_TIME_AGO = re.compile(r"\b\d+\s+(?:sec|second|min|minute|hr|hour|day|week|month|year)s?\s+ago\b", re.I)
_EDITED_BY = re.compile(r"^(?:Last\s+)?[Ee]dited\b.{0,40}\bby\b", re.I)
# Generic web UI vocabulary (not lifted from any page): comment-thread controls.
_COMMENT_UI = re.compile(
    r"^(?:reply|report|flag|like|share|quote|permalink|\d+\s+(?:comments?|replies|responses)|"
    r"(?:view|show|load|see)\s+(?:all|more)\s+(?:comments|replies)|(?:leave|add|post)\s+a\s+(?:comment|reply)|"
    r"notify\s+of.*|newest|oldest|most\s+voted|sort\s+by.*|log\s*in\s+to\s+(?:comment|reply).*|"
    r".{0,40}\b(?:says|wrote|said):|.{0,40}\bcomments?(?:\.x)?)$",
    re.I,
)
_CTA = re.compile(
    r"^(?:join|subscribe|sign\s+up|sign\s+in|log\s+in|register|support|donate|back|pledge|contribute|follow|download|click|tap|share|"
    r"watch|listen|read|continue\s+reading|become|upgrade|unlock|advertise|"
    r"contact\s+us|like\s+us|help\s+us)\b",
    re.I,
)
# Page furniture that survives copy-paste on any site: accessibility skip links, ad slot labels, most-read and
# trending box headers, menu and search buttons. Whole short lines only (the caller bounds the words, no sentence end).
_PAGE_UI = re.compile(
    r"^\W*(?:skip\s+(?:to|navigation)\b.*|jump\s+to\s+(?:main\s+)?(?:content|navigation)|"
    r"(?:story\s+continues\s+below\s+)?advertisements?|advert|ad(?:vertisement)?\s+feature|sponsored(?:\s+content)?|"
    r"most\s+(?:read|popular|viewed|shared|commented|watched)(?:\s+(?:stories|articles|today|now))?|"
    r"trending(?:\s+(?:now|stories|today))?|top\s+stories|main\s+menu|menu|search|close|toggle\s+navigation)"
    r"\W*$",
    re.I,
)
_LABEL = re.compile(r"^(?P<label>[A-Z][\w’' ]{1,24}?):\s+(?P<rest>\S.*)$")
_NAV_WORD = re.compile(r"\b(?:read|see|related|more|also|next|watch|listen|recommended|trending|popular|latest|"
                       r"top|previous|editor'?s?|must|don't|miss|explore|further|story|stories|video|photos?)\b", re.I)
_LEGAL = re.compile(r"(?:©|\(c\)\s*\d{4}|\bcopyright\b|\ball rights reserved\b|\bterms of (?:use|service)\b|"
                    r"\bprivacy policy\b|\bnot responsible for the content of external\b|\bcookies?\b.{0,40}\b(?:use|policy|consent|accept|settings|experience)\b)", re.I)
_LEGAL_HINTS = ("©", "(c)", "copyright", "all rights reserved", "terms of", "privacy policy", "cookie",
                "not responsible for the content of external")


def _maybe_legal(t: str) -> bool:
    """Cheap necessary condition for `_LEGAL` on simple text (where lower() is exact case folding); else True."""
    if not is_simple(t):
        return True
    low = t.lower()
    return any(h in low for h in _LEGAL_HINTS)


_OUR_LABEL = re.compile(r"^Our\s+\w+(?:\s+\w+)?:\s", re.I)
_READ_MORE_TAIL = re.compile(r"(?<=[.!?'\"’”)])\s*(?P<tail>(?:Read|Continue reading|See|Learn)\s+more\s*[.…>»]*"
                             r"|\(?more\)?|Full story\s*[.…>»]*)\s*$", re.I)
# "(flickr)", "(AFP)", "(Photo: Jane Roe)": one token, or a credit label; the line itself has no comma.
_CREDIT_PAREN = re.compile(r"^[^,]*\((?:(?:photo|image|picture|file|credit|via|source)\s*:?\s*[\w.&/\- ]{1,30}|[\w.&/\-]+)\)"
                           r"\s*\.?$", re.I)
_CREDIT_LABEL = re.compile(r"^(?:photo|image|picture|pic|credit|file photo|photograph|illustration|video)\b\s*[:/|]", re.I)
_SPAM = re.compile(r"={2,}>+|-{2,}>{2,}|>{3,}|[\U0001D400-\U0001D7FF]{3,}")
_SPAM_MATH = "\U0001D400"


def _maybe_spam(t: str) -> bool:
    """Cheap necessary condition for `_SPAM`: an arrow '>' or a mathematical alphanumeric character."""
    return ">" in t or (not is_simple(t) and max(t) >= _SPAM_MATH)


_BULLET = re.compile(r"^\s*(?:[•●▪◦·\-–*]|\d+[.)])\s+")
_ABOUT = re.compile(r"^About\s+(?:the\s+author\s*)?(?:[A-Z][\w'’\-.]*\s*){1,4}$")


@dataclass(slots=True)
class Line:
    text: str
    index: int
    words: int = 0
    terminal: bool = False
    keep: bool = True
    reason: str = ""


# "Simple" text: ASCII plus typographic quotes, dashes and the ellipsis (most English news). Its only letters are
# ASCII, NFKC changes nothing but "…" -> "..." (not word characters), and casefold is lower(): so `_WORD` equals the
# much cheaper `_ASCII_WORD` on it, and its `norm` key has exactly `word_count` words.
_NOT_SIMPLE = re.compile(r"[^\x00-\x7f’‘“”—–…]")
_ASCII_WORD = re.compile(r"[A-Za-z]+(?:['’\-][A-Za-z]+)*")


@functools.lru_cache(maxsize=8192)
def is_simple(s: str) -> bool:
    """ASCII plus typographic quotes/dashes/ellipsis only (see `_NOT_SIMPLE`). Cached: asked several times per unit."""
    return s.isascii() or not _NOT_SIMPLE.search(s)


@functools.lru_cache(maxsize=8192)
def norm(s: str) -> str:
    """Comparison key: case- and punctuation-insensitive.

    Cached: the batch-repeat pass and the line classifier key the same units of a batch.
    """
    if is_simple(s):
        return " ".join(_ASCII_WORD.findall(s.lower()))
    s = unicodedata.normalize("NFKC", s).casefold()
    return " ".join(_WORD.findall(s))


# Simple text as ASCII bytes (other characters -> "?"), then letters -> "a", the joiners ' and - (and ’, mapped to '
# before encoding) -> "'", everything else -> " ". An `_ASCII_WORD` match starts at each run of letters that is not
# joined to the previous one by a single joiner: after " ", " '", "''" or at the start. bytes.count finds these.
_WC_TABLE = bytes(ord("a") if chr(c).isascii() and chr(c).isalpha() else ord("'") if chr(c) in "'-" else ord(" ")
                  for c in range(256))


@functools.lru_cache(maxsize=8192)
def word_count(s: str) -> int:
    """Words in `s` (`_WORD` matches). Cached: the batch-repeat pass and the line classifier count the same units.

    Simple text (most units) is counted on translated bytes, several times faster than the regex.
    """
    if not is_simple(s):
        return len(_WORD.findall(s))
    b = (s if s.isascii() else s.replace("’", "'")).encode("ascii", "replace").translate(_WC_TABLE)
    return b.count(b" a") + b.count(b" 'a") + b.count(b"''a") + (b[:1] == b"a" or b[:2] == b"'a")


_THREE_LETTERS = re.compile(r"[^\W\d_][^a-zA-Z]*?[^\W\d_][\s\S]*?[^\W\d_]")


def _letters(s: str) -> int:
    """Letters in `s`, counted up to 3 (all the rules need)."""
    return 3 if _THREE_LETTERS.search(s) else sum(ch.isalpha() for ch in s)


def is_headline_like(s: str) -> bool:
    """A title: 3-25 words, letters, no sentence inside, not a call to action."""
    n = len(_WORD.findall(s))
    return (3 <= n <= 25 and not _SENT_INSIDE.search(s) and not s.rstrip().endswith((".", "…", ":"))
            and not _CTA.match(s))


_SENT_END = re.compile(r"[.!?]['\"’”]?(?:\s|$)")


def _glued_headlines(s: str, n_words: int) -> bool:
    """Many headlines run together: long, no sentence punctuation, many lower->Upper word boundaries."""
    if n_words < 14 or "," in s or _SENT_END.search(s):
        return False
    if _TERMINAL.search(s):
        return False
    toks = s.split()
    bounds = sum(1 for a, b in zip(toks, toks[1:], strict=False)
                 if a[:1].islower() and a[-1:].isalpha() and b[:1].isupper() and len(b) > 1 and not b.startswith("I'"))
    return bounds >= 3 and bounds >= len(toks) / 10



_TRUNC = re.compile(r"\w(?:\.\.\.|…)\s*$")


def _related_block(kept: list[Line]) -> list[Line] | None:
    """Lines from a related-content label to the end, or None.

    Structure only: a short label line in the last two thirds, then >= 4 lines that are all headline-like, short
    labels or single sentences (<= 45 words), with >= 2 teasers cut off mid-word ("...running a...") and cut-off
    teasers plus headlines making up >= 80 % of them. Multi-sentence paragraphs (article sections) never qualify.
    """
    n = len(kept)
    for j in range(max(1, n // 3), n - 4):
        if not _ui_short(kept[j]):
            continue
        rest = kept[j + 1 :]
        if any(r.words > 45 or _BULLET.match(r.text) or _SENT_INSIDE.search(r.text) for r in rest):
            continue
        trunc = sum(1 for r in rest if _TRUNC.search(r.text))
        heads = sum(1 for r in rest if _ui_short(r) or is_headline_like(r.text))
        singles = sum(1 for r in rest if r.terminal)
        # Headlines alone are not enough: event listings, recipes and CJK text (few "words") look the same.
        if trunc >= 2 and trunc + heads >= 0.8 * len(rest) and trunc + heads + singles >= len(rest):
            return kept[j:]
    return None

def _ui_short(ln: Line) -> bool:
    return ln.words <= 4 and not ln.terminal and len(ln.text) <= 40


def split_units(raw: str) -> list[str]:
    """Paragraph units: lines, or blank-separated blocks when the text is hard-wrapped."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    blocks = [b for b in re.split(r"\n\s*\n", raw) if b.strip()]
    multi = [b for b in blocks if b.strip().count("\n") >= 1]
    if blocks and len(multi) >= max(1, len(blocks) // 2):
        # Hard-wrapped prose: join lines that do not end a sentence with the next one.
        lines = []
        for b in blocks:
            parts = [p.strip() for p in b.split("\n") if p.strip()]
            wrapped = sum(1 for p in parts[:-1] if not _TERMINAL.search(p) and len(p) > 40)
            if len(parts) > 1 and wrapped >= (len(parts) - 1) * 0.6:
                lines.append(" ".join(parts))
            else:
                lines.extend(parts)
        return lines
    return [ln.strip() for ln in raw.split("\n") if ln.strip()]


@dataclass(slots=True)
class TextResult:
    paragraphs: list[str]
    removed: list[Removed]
    title: str | None
    bylines: list[str]
    outlet_hint: str | None


def clean_text(raw: str, title: str | None, batch_repeats: set[str] | None = None, from_html: bool = False,
               units: list[str] | None = None) -> TextResult:
    """Classify each unit of `raw`; return kept paragraphs, removed units with reasons, and hints.

    `from_html`: the text is an HTML extractor's output (title known, short lines near the top are subheads).
    `units`: `split_units(raw)` when the caller already has it (the batch-repeat pass splits every text).
    """
    units = split_units(raw) if units is None else units
    if from_html:  # trafilatura renders layout tables as "| cell | cell |": keep the cells' text
        # (Only units holding a "|" can change: the regex backtracks over every space of the others.)
        units = [u2 for u2 in ((_TABLE_EDGE.sub("", u) if "|" in u else u).strip() for u in units) if u2.strip("| ")]
    removed: list[Removed] = []
    if from_html:
        units = _cut_inline_comments(units, removed)
    lines = []
    for i, u in enumerate(units):
        lines.append(Line(u, i, word_count(u), _TERMINAL_RX.search(u[-12:]) is not None))
    n = len(lines)

    # Title: the reader's first line may itself be junk (a widget amount): pick a real one.
    junk_title = title is not None and (_letters(title) < 3 or len(_WORD.findall(title)) < 2 and bool(_CTA.match(title)))
    if junk_title:
        removed.append(Removed(title, "title line is page junk (no words)"))
        title = None
    if junk_title and not from_html:
        counts: dict[str, int] = {}
        for ln in lines:
            counts[norm(ln.text)] = counts.get(norm(ln.text), 0) + 1
        cand = [ln for ln in lines[: max(8, n // 3)] if is_headline_like(ln.text) and ln.words >= 4]
        rep = [ln for ln in cand if counts[norm(ln.text)] >= 2]
        pick = (rep or cand or [None])[0]
        if pick is not None:
            title = pick.text
            pick.keep, pick.reason = False, "title"
    tkey = norm(title) if title else ""
    # A simple line's key has exactly `words` words (see `is_simple`): lines of another length need no key.
    tkey_words = len(tkey.split())

    bylines: list[str] = []
    outlet_hint: str | None = None
    # Last line of prose: later short lines are footer material.
    prose_idx = [ln.index for ln in lines if ln.words >= 12 and ln.terminal and not _ellipsis(ln.text)]
    first_prose = prose_idx[0] if prose_idx else n
    last_prose = prose_idx[-1] if prose_idx else -1

    for ln in lines:
        if not ln.keep:
            continue
        t = ln.text
        # (Cheap necessary conditions go first: >= 3 words hold >= 3 letters; a label's colon is in the first 26
        # characters; a glued-headline run has no comma.)
        if ln.words < 3 and not from_html and _letters(t) < 3:
            ln.keep, ln.reason = False, "widget-like line (no words)"
        elif tkey and ln.index < 8 and (ln.words == tkey_words or not is_simple(t)) and norm(t) == tkey:  # a title repeated in the page head, not a line of the body
            ln.keep, ln.reason = False, "repeated title"
        elif ln.words <= 80 and _maybe_spam(t) and _SPAM.search(t):
            ln.keep, ln.reason = False, "spam (link arrows or styled link text)"
        elif ln.words <= 12 and _EDITED_BY.match(t):
            ln.keep, ln.reason = False, "comment-thread edit note"
        elif ln.words <= 6 and _TIME_AGO.search(t):
            ln.keep, ln.reason = False, "comment-thread timestamp"
        elif ln.words >= 14 and "," not in t and _glued_headlines(t, ln.words) and not _CREDIT_LINE.match(t):
            ln.keep, ln.reason = False, "run of related headlines glued into one line"
        elif ln.words <= 25 and _maybe_legal(t) and _LEGAL.search(t):
            ln.keep, ln.reason = False, "legal/cookie/copyright line"
        elif ln.words <= 12 and _OUR_LABEL.match(t):
            ln.keep, ln.reason = False, "publisher policy line"
        elif ":" in t[:26] and (m := _LABEL.match(t)) and _NAV_WORD.search(m.group("label")) \
                and is_headline_like(m.group("rest")):
            ln.keep, ln.reason = False, "teaser link (label + headline)"
        elif ln.words <= 14 and _CTA.match(t) and (not ln.terminal or _URLISH.search(t)) and not _SENT_INSIDE.search(t):
            ln.keep, ln.reason = False, "call to action / promo / paywall"
        elif ln.words <= 10 and not _BULLET.match(t) and (_CREDIT_LABEL.match(t) or (
                _CREDIT_PAREN.search(t) and ln.words <= 8 and not _SENT_INSIDE.search(t))):
            ln.keep, ln.reason = False, "image caption/credit"
        elif ln.words <= 3 and _URLISH.search(t) and (not ln.terminal or _URLISH.fullmatch(t.strip())) \
                or "/" in t and _URL_LINE.match(t):
            ln.keep, ln.reason = False, "bare link"
        elif ln.words <= 15 and ":" in t and (m := _RUNNING_TIME.search(t)) and not _HAS_DIGIT.search(t, 0, m.start()):
            ln.keep, ln.reason = False, "video/audio link (running time)"
        elif ln.words <= 6 and not ln.terminal and _PAGE_UI.match(t):
            ln.keep, ln.reason = False, "page furniture (skip link, ad label, most-read box)"
        elif ln.words <= 16 and not ln.terminal and _link_list(t):
            ln.keep, ln.reason = False, "list of links (separator-joined)"
        elif batch_repeats and not (ln.terminal and ln.words >= 8) and (ln.words <= 30 or not is_simple(t)) \
                and norm(t) in batch_repeats:  # batch keys have <= 30 words
            ln.keep, ln.reason = False, "repeated across articles of the batch"
        elif ln.words <= 8 and not ln.terminal and _COMMENT_UI.match(t):
            ln.keep, ln.reason = False, "comment-thread control"

    # Comment thread: after the article's prose, a run of short UI lines followed by comment markers.
    start = _comment_start(lines, n)
    signed = _signed_thread_start(lines, n)
    if signed is not None and (start is None or signed < start):
        start = signed
    if start is not None:
        for ln in lines[start:]:
            if ln.keep:
                ln.keep, ln.reason = False, "comment thread"

    # Related-content block: a short label, then only headlines and one-sentence or cut-off teasers to the end.
    rel = _related_block([ln for ln in lines if ln.keep])
    if rel:
        for k, ln in enumerate(rel):
            ln.keep, ln.reason = False, "related-content label" if k == 0 else "related-content teaser"

    # Footer after the last prose line: author box, "Check also"-style label + teaser, lone author name.
    kept_after = [ln for ln in lines if ln.keep and ln.index > last_prose] if last_prose >= 0 else []
    for j, ln in enumerate(kept_after):
        t = ln.text
        rest = kept_after[j + 1 :]
        if _ABOUT.match(t):
            ln.keep, ln.reason = False, "author box"
        elif _ui_short(ln) and rest and all((not r.terminal or _ellipsis(r.text)) and r.words <= 40
                                            and not _BULLET.match(r.text) for r in rest) \
                and (any(_ellipsis(r.text) for r in rest)
                     or (len(rest) <= 3 and all(is_headline_like(r.text) and r.text[:1].isupper() for r in rest))):
            ln.keep, ln.reason = False, "related-content label"
            for r in rest:
                if r.keep:
                    r.keep, r.reason = False, "related-content teaser"
            break
    tail = [ln for ln in lines if ln.keep]
    if tail and tail[-1].index > last_prose and tail[-1].words <= 8 and not tail[-1].terminal:
        sig = _signature(tail[-1].text)
        if sig is not None:
            names, outlet = sig
            tail[-1].keep, tail[-1].reason = False, "signature (author/outlet name on the last line)"
            bylines.extend(names)
            outlet_hint = outlet

    # Masthead: a short Title-Case line near the top, before the prose gets going.
    for ln in [] if from_html else lines:
        if ln.index > first_prose + 2:
            break
        if ln.keep and _ui_short(ln) and ln.index <= 4 and re.fullmatch(r"(?:[A-Z][\w'’&.\-]*\s?){1,4}", ln.text):
            ln.keep, ln.reason = False, "masthead / outlet name"
            outlet_hint = outlet_hint or ln.text.strip()

    paragraphs: list[str] = []
    for ln in lines:
        if not ln.keep:
            removed.append(Removed(ln.text, ln.reason))
            continue
        t = _BULLET.sub("", ln.text) if _BULLET.match(ln.text) and ln.words >= 3 else ln.text
        # The tail holds "more" or "full story" (any case: casefold also maps the long s that re.I matches to "s").
        tail40 = t[-40:].casefold()
        m = _READ_MORE_TAIL.search(t, max(0, len(t) - 40)) if "more" in tail40 or "full story" in tail40 else None
        if m and ln.words > m.group("tail").count(" ") + 4:
            removed.append(Removed(m.group("tail").strip(), "read-more link at paragraph end"))
            t = t[: m.start("tail")].rstrip()
        paragraphs.append(t)
    return TextResult(paragraphs, removed, title, bylines, outlet_hint)


def _signature(line: str) -> tuple[list[str], str | None] | None:
    """'Ana Petrova, The Valley Ledger' -> (['Ana Petrova'], 'The Valley Ledger'); None when not a signature."""
    parts = [p.strip() for p in re.split(r",\s*|\s+[|–—-]\s+|\s+and\s+", line.strip()) if p.strip()]
    names: list[str] = []
    outlet = None
    for p in parts:
        if not PERSON_LINE.match(p):
            return None
        if MEDIA_WORD_RX.search(p) and outlet is None:
            outlet = p
        else:
            names.append(re.sub(r"^By\s+", "", p))
    return names, outlet


_INLINE_MARK = re.compile(r"\b(?:Posted|Submitted|Written) by:?\s+\S.{0,60}?\b(?:on|at)\s+\S|\bReport (?:this comment|abuse)\b|"
                          r"\bReply to this comment\b")
_COMMENTS_WORD = re.compile(r"\b(?:\d+\s+)?(?:Comments|Reader comments|Your comments|Have your say)\b")


def _cut_inline_comments(units: list[str], removed: list[Removed]) -> list[str]:
    """A layout table can flatten a comment thread into the article's line: cut it at the thread's start.

    Needs >= 2 comment markers ("Posted by X on ...", "Report this comment") in one long line; the cut is at the
    last "Comments" heading before the first marker, else at the sentence before the first marker.
    """
    out: list[str] = []
    for k, u in enumerate(units):
        marks = list(_INLINE_MARK.finditer(u)) if len(u) >= 400 else []
        if len(marks) < 2:
            out.append(u)
            continue
        first = marks[0].start()
        heads = [m.start() for m in _COMMENTS_WORD.finditer(u, 0, first)]
        cut = heads[-1] if heads and first - heads[-1] < 3000 else None
        if cut is None:
            dots = [m.end() for m in re.finditer(r"[.!?]\s", u[:first])]
            cut = dots[-2] if len(dots) >= 2 else first
        head, tail = u[:cut].rstrip(), u[cut:].strip()
        if head:
            out.append(head)
        removed.append(Removed(tail, "comment thread (inline)"))
        removed.extend(Removed(x, "comment thread (inline)") for x in units[k + 1 :])
        return out
    return out


# A comment's signature line: "Posted by: Jane of Leeds 9:49pm January 08, 2008", "Submitted by X on 12/01/08".
_COMMENT_SIG = re.compile(r"^(?:Posted|Submitted|Written|Commented|Added)\s+by\s*:?\s+\S.{0,80}$", re.I)
_HAS_DIGIT = re.compile(r"\d")


def _signed_thread_start(lines: list[Line], n: int) -> int | None:
    """First line of a signed comment thread, or None.

    Structure only: after the first third of the text, >= 2 short signature lines ("Posted by ..." with a date or
    time) no more than 6 lines apart. The thread is cut from the first signature on: where signatures follow their
    comments, the first comment's body is left in (the article's last paragraph cannot be told from it).
    """
    sigs = [ln.index for ln in lines[n // 3 :] if ln.words <= 16 and _COMMENT_SIG.match(ln.text)
            and _HAS_DIGIT.search(ln.text)]
    for a, b in zip(sigs, sigs[1:], strict=False):
        if b - a <= 6:
            return a
    return None


_URL_LINE = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.I)
# A media link's running time at the end, the line's only number: "(1:29)", "(Runs: 1:29)", "(Duration: 02:15)".
_RUNNING_TIME = re.compile(r"\((?:[A-Za-z]+:\s*)?\d{1,2}:\d{2}(?::\d{2})?\)\s*$")
_LINK_SEP = re.compile(r"\s+[•·]\s+")
_PIPE_SEP = re.compile(r"\s+[|¦]\s+")


def _link_list(t: str) -> bool:
    """Three or more short items joined by bullets ("All About X • Y • Z") or pipes ("Home | World | Sport"): topic
    or navigation links. Pipe-joined items must be capitalised and carry no digits, so that a flattened table row
    ("Turkey | 3.6 million | 2023") stays."""
    if "•" in t or "·" in t:
        parts = _LINK_SEP.split(t.strip())
        return len(parts) >= 3 and all(0 < len(p.split()) <= 5 for p in parts)
    if "|" in t or "¦" in t:
        parts = _PIPE_SEP.split(t.strip())
        return len(parts) >= 3 and not _HAS_DIGIT.search(t) and all(
            0 < len(p.split()) <= 4 and p[:1].isupper() for p in parts)
    return False


_COMMENT_COUNT = re.compile(r"^\s*\d+\s+(?:comments?|replies|responses)\s*$", re.I)
_TABLE_EDGE = re.compile(r"^(?:\|\s*)+|(?:\s*\|)+$")


def _ellipsis(s: str) -> bool:
    return s.rstrip().endswith(("…", "..."))


PERSON_LINE = re.compile(r"^(?:By\s+)?[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-.]*){1,3}$")


def _comment_start(lines: list[Line], n: int) -> int | None:
    """Index where a comment thread begins, or None.

    A thread is recognised by structure: in the second half of the text, a run of >= 2 short UI-like lines, and
    after it at least one comment marker (timestamp, "edited ... by", a reply/comments control).
    """
    if n < 6:
        return None
    markers = [i for i, ln in enumerate(lines)
               if _EDITED_BY.match(ln.text) or (ln.words <= 8 and _TIME_AGO.search(ln.text))
               or (ln.words <= 8 and not ln.terminal and _COMMENT_UI.match(ln.text))]
    if not markers:
        return None
    i = n // 3
    while i < n:
        run = 0
        j = i
        while j < n and (_ui_short(lines[j]) or (not lines[j].keep and lines[j].words <= 8)):
            run += 1
            j += 1
        if run >= 2 and any(m >= i for m in markers):
            ui = sum(1 for k in range(i, j) if _COMMENT_UI.match(lines[k].text) or _EDITED_BY.match(lines[k].text)
                     or _TIME_AGO.search(lines[k].text))
            # A lone "N comments" count is post metadata (blog headers carry it), not a thread by itself.
            counts = sum(1 for k in range(i, j) if _COMMENT_COUNT.match(lines[k].text))
            if (ui >= 2 or (ui >= 1 and counts == 0)) and any(i <= m <= j + 15 for m in markers):
                return i
        i = j + 1 if j > i else i + 1
    return None
