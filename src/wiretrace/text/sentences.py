"""Sentence splitting with offsets.

blingfire is fast (millions of words/s) but splits after abbreviations
("Mr. / Jones", "Sept. / 15"); we split paragraph by paragraph and glue
those fragments back, which keeps the speed and fixes the common errors.
"""

from __future__ import annotations

import re

import blingfire

from wiretrace.model import Sentence

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "capt",
    "st", "jr", "sr", "no", "vs", "etc", "inc", "corp", "ltd", "co", "u.s", "u.k", "u.n", "e.g",
    "i.e", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mt", "ft", "fig", "approx", "dept", "est", "pres", "rev", "gov't",
}
_LAST_WORD = re.compile(r"([A-Za-z.']+)\.\s*$")
_PARA = re.compile(r"\n\s*\n|\n")


def _is_abbrev_end(fragment: str) -> bool:
    m = _LAST_WORD.search(fragment)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    return word in _ABBREV or (len(word) == 1 and word.isalpha())


def split_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text` (paragraph breaks always split)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for para_match in list(_PARA.finditer(text)) + [None]:
        end = para_match.start() if para_match else len(text)
        para = text[pos:end]
        if para.strip():
            spans.extend(_split_paragraph(para, pos))
        pos = para_match.end() if para_match else len(text)
    return spans


_DANDA = re.compile(r"[।॥]+\s+")  # Devanagari (Hindi, Marathi, Nepali) and Bengali full stops, which blingfire ignores


def _split_paragraph(para: str, offset: int) -> list[tuple[int, int]]:
    if "।" not in para and "॥" not in para:
        return _split_blingfire(para, offset)
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _DANDA.finditer(para):
        stop = m.start() + len(m.group().rstrip())  # the sentence keeps its danda, not the space after it
        out.extend(_split_blingfire(para[pos:stop], offset + pos))
        pos = m.end()
    out.extend(_split_blingfire(para[pos:], offset + pos))
    return out


def _split_blingfire(para: str, offset: int) -> list[tuple[int, int]]:
    if not para.strip():
        return []
    _, offsets = blingfire.text_to_sentences_and_offsets(para)
    merged: list[list[int]] = []
    for start, end in offsets:
        if start >= end:
            continue
        if merged:
            prev = para[merged[-1][0] : merged[-1][1]]
            nxt = para[start:end]
            if _is_abbrev_end(prev) or (nxt[:1].islower() and not prev.rstrip().endswith(("?", "!"))):
                merged[-1][1] = end
                continue
        merged.append([start, end])
    return [(offset + s, offset + e) for s, e in merged if para[s:e].strip()]


def split(text: str, article_id: str = "") -> list[Sentence]:
    return [
        Sentence(article_id=article_id, index=i, start=s, end=e, text=text[s:e])
        for i, (s, e) in enumerate(split_spans(text))
    ]
