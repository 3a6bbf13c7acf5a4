"""The one error type readers yield."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class ReadError:
    """`source` is the file as given (plus `:LINE` or `#record N` where known)."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


class DecodeError(ValueError):
    pass
