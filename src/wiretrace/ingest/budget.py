"""Per-input budgets: streamed decompression with a size cap, and long texts cut at a sentence end.

Written here rather than taken from a library because the cap must hold while streaming (gzip.decompress and
warcio read to the end first) and the cut must land on a sentence boundary without a parser: spaCy itself refuses
texts over its `max_length`, which is what the cut protects.
"""

from __future__ import annotations

import collections
import re
import zlib
from dataclasses import dataclass, field

_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*\s")
_LOOK_BACK = 20_000  # characters before the limit searched for a boundary (keeps the search bounded)


class OverBudget(ValueError):
    """An input expanded past its budget; the message names the budget."""


def cut_at_sentence(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at the last sentence end (else line break, else space) before it."""
    if len(text) <= limit:
        return text
    start = max(0, limit - _LOOK_BACK)
    window = text[start:limit]
    last = collections.deque(_SENTENCE_END.finditer(window), maxlen=1)
    if last:
        return text[: start + last[0].end()].rstrip()
    for sep in ("\n", " "):
        at = window.rfind(sep)
        if at > 0:
            return text[: start + at].rstrip()
    return text[:limit]


@dataclass
class Gunzipped:
    data: bytes
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False  # the last member ended early (or turned corrupt): `data` is what came before


def gunzip(data: bytes, limit: int) -> Gunzipped:
    """Decompress every gzip member of `data`, stopping with `OverBudget` once the output passes `limit` bytes.

    Trailing bytes that are not another gzip member (padding, garbage) are a warning, not an error: what
    decompressed is good data. A truncated or corrupt last member sets `truncated` (the caller decides whether a
    prefix is usable: complete JSON lines are, half an article is not). Raises zlib.error when nothing decompresses.
    """
    out = bytearray()
    warnings: list[str] = []
    truncated = False
    rest = data
    while rest:
        if rest[:2] != b"\x1f\x8b":
            if rest.strip(b"\x00"):
                warnings.append(f"{len(rest)} bytes of trailing data after the gzip stream ignored")
            break
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        pos = 0
        try:
            while pos < len(rest) and not d.eof:
                piece = rest[pos : pos + 65536]
                pos += len(piece)
                out += d.decompress(piece, limit + 1 - len(out))
                while d.unconsumed_tail and len(out) <= limit:
                    out += d.decompress(d.unconsumed_tail, limit + 1 - len(out))
                if len(out) > limit:
                    raise OverBudget(f"expands to over {limit / 1e6:.0f} MB (the per-input budget); not read")
        except zlib.error:
            if not out:
                raise
            truncated = True
            break
        if not d.eof:
            if not out:
                raise zlib.error("truncated gzip stream, nothing readable")
            truncated = True
            break
        rest = d.unused_data + rest[pos:]
    return Gunzipped(bytes(out), warnings, truncated)
