"""The one error type readers yield, and the one way a file or record name is shown."""

from __future__ import annotations

import re
from dataclasses import dataclass

# C0 controls but tab and newline, DEL, C1 controls (ESC starts terminal escape sequences), the bidi overrides that
# reorder what a line shows, and the lone surrogates that stand for the bytes of a file name that is not valid UTF-8
# (os.fsdecode's surrogateescape).
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a raw byte of a non-UTF-8 file name
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, limit: int | None = 300, one_line: bool = True) -> str:
    """`text` safe for a terminal, a log line and a UTF-8 store: controls, bidi overrides and undecodable bytes as
    \\xNN escapes; with `one_line`, line breaks as visible `\\n` and tabs as spaces; cut to `limit` characters (None: no cut). The one
    place text from inputs is made safe to show (the CLI's `commands.output.for_terminal` is this)."""
    text = str(text)
    if one_line:
        text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", " ")
    text = _UNPRINTABLE.sub(_escape, text)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


@dataclass(slots=True)
class ReadError:
    """`source` is the file as given (plus `:LINE` or `#record N` where known)."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{printable(self.source)}: {printable(self.reason)}"


class DecodeError(ValueError):
    pass
