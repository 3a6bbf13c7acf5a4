"""Where quotation marks put words, for the stages that must tell a shared quote from a shared text."""

from __future__ import annotations

# Opening marks and the marks that close them. Any of `_ANY_CLOSE` also closes whatever is open (a text that mixes
# styles, as re-posts do). „…“ is German, Polish, Czech; «…» French, Russian, Ukrainian, Persian; 「…」 Chinese and
# Japanese. A closing mark with nothing open is left alone.
_OPENERS = {"“": "”", "„": "“”", "«": "»", "「": "」", "『": "』"}
_ANY_CLOSE = "”»\""
_STRAIGHT = '"'


def _opens(text: str, i: int) -> bool:
    """A straight quote opens a quotation only where an opening mark stands: after a space, a bracket or the line's
    start, before a word ('said "yes'), never after a letter ('the Lakers" site': a stray or misused mark)."""
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isalnum() and not after.isspace()


def quoted_mask(text: str) -> bytearray:
    """1 for every character inside quotation marks (the marks included). A quotation ends at its closing mark or
    at the line's end (a quote of several paragraphs reopens each of them); one linear scan."""
    inside = bytearray(len(text))
    closer = ""  # the marks that close the open quotation; "" when none is open
    for i, ch in enumerate(text):
        if ch == "\n":
            closer = ""
        elif closer:
            inside[i] = 1
            if ch in closer or ch in _ANY_CLOSE:
                closer = ""
        elif ch in _OPENERS:
            inside[i] = 1
            closer = _OPENERS[ch]
        elif ch == _STRAIGHT and _opens(text, i):
            inside[i] = 1
            closer = _STRAIGHT
    return inside


def quoted_words(text: str) -> set[str]:
    """The words inside quotation marks."""
    from wiretrace.text.normalize import words

    mask = quoted_mask(text)
    return set(words("".join(ch if m else " " for ch, m in zip(text, mask, strict=True))))


def quoted_fractions(text: str, spans: list[tuple[int, int]]) -> list[float]:
    """Per sentence, the share of its letters inside quotation marks, following quotes across sentences.

    A quotation of several sentences leaves the middle ones without any quote mark of their own; scanning the
    paragraph keeps them marked as quoted.
    """
    inside = quoted_mask(text)
    out = []
    for start, end in spans:
        letters = [k for k in range(start, end) if text[k].isalnum()]
        out.append(sum(inside[k] for k in letters) / len(letters) if letters else 0.0)
    return out
