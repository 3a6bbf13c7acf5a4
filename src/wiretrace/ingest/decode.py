"""Bytes -> text with the encoding detected, not assumed."""

from __future__ import annotations

from charset_normalizer import from_bytes

from wiretrace.ingest.errors import DecodeError

_CONTROL = set(range(0, 9)) | {11, 12} | set(range(14, 32))


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the first 8 KiB look like UTF-16 without a BOM (mostly-ASCII text leaves a
    NUL in every other byte), else None."""
    head = data[:8192]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    nul_even, nul_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if nul_odd > 0.4 and nul_even < 0.05:
        return "utf-16-le"
    if nul_even > 0.4 and nul_odd < 0.05:
        return "utf-16-be"
    return None


def looks_binary(data: bytes) -> bool:
    """Many NUL bytes or control characters in the first 8 KiB: not text. A few stray NULs (seen in real exports)
    do not make a text binary; UTF-16, with or without a BOM, is text."""
    head = data[:8192]
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(head):
        return False
    if head.count(0) > max(8, len(head) // 100):
        return True
    controls = sum(1 for b in head if b and b in _CONTROL)
    return controls / len(head) > 0.05


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, encoding). UTF-8 first (most common, and cheap to verify),
    then a declared charset if it decodes cleanly, then charset-normalizer."""
    if not data.strip():
        raise DecodeError("empty file")
    if looks_binary(data):
        raise DecodeError("binary content, not text")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    utf16 = utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace"), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared), declared.lower()
        except (UnicodeDecodeError, LookupError):
            pass
    best = _pick(from_bytes(data[:2_000_000]))
    if best is None or best.encoding is None:
        raise DecodeError("could not detect the text encoding")
    try:
        return data.decode(best.encoding), best.encoding
    except UnicodeDecodeError as exc:
        raise DecodeError(f"undecodable as {best.encoding}: {exc}") from exc


# On a tie, the legacy encodings most common on the web win (WHATWG maps latin-1 to cp1252).
_PREFERRED = ("cp1252", "latin_1", "iso8859_15", "cp1251", "gb18030", "shift_jis", "euc_kr")


def _pick(matches):  # noqa: ANN001, ANN202 - charset_normalizer's CharsetMatches
    best = matches.best()
    if best is None:
        return None
    tied = [m for m in matches if m.chaos <= best.chaos + 0.005 and m.coherence >= best.coherence - 0.01]
    for name in _PREFERRED:
        for m in tied:
            if m.encoding == name:
                return m
    return best
