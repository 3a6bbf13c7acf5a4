"""Bytes -> text with the encoding detected, not assumed."""

from __future__ import annotations

from charset_normalizer import from_bytes

from wiretrace.ingest.errors import DecodeError

_CONTROL = set(range(0, 9)) | {11, 12} | set(range(14, 32))


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KiB: not text."""
    head = data[:8192]
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM is text
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b in _CONTROL)
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
