"""Where quotation marks put words, for the stages that must tell a shared quote from a shared text."""

from __future__ import annotations

import re

# The words between two quotation marks (a mark closes at the next mark, as the lazy `.+?` did), scanned once:
# the run stops at the next mark or line end, so a page of unclosed marks is linear, not quadratic.
_QUOTED = re.compile(r"[\"“”«»]([^\"“”«»\n]++)[\"“”«»]|‘([^‘’\n]++)’")


def quoted_words(text: str) -> set[str]:
    from wiretrace.text.normalize import words

    out: set[str] = set()
    for m in _QUOTED.finditer(text):
        out.update(words(m.group(1) or m.group(2) or ""))
    return out


_OPEN, _CLOSE, _BOTH = "“«„", "”»", '"'


def quoted_fractions(text: str, spans: list[tuple[int, int]]) -> list[float]:
    """Per sentence, the share of its letters inside quotation marks, following quotes across sentences.

    A quotation of several sentences leaves the middle ones without any quote mark of their own; scanning the
    paragraph keeps them marked as quoted.
    """
    inside = bytearray(len(text))
    state = False
    for i, ch in enumerate(text):
        if ch == "\n":
            state = False
        elif ch in _OPEN:
            state = True
        elif ch in _CLOSE:
            inside[i] = 1
            state = False
            continue
        elif ch == _BOTH:
            state = not state
        if state:
            inside[i] = 1
    out = []
    for start, end in spans:
        letters = [k for k in range(start, end) if text[k].isalnum()]
        out.append(sum(inside[k] for k in letters) / len(letters) if letters else 0.0)
    return out


