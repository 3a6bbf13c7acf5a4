"""Publication dates given by inputs, normalised to ISO or dropped (never guessed)."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")


def normalize_date(value: object) -> str | None:
    """ISO date (or date-time) for a full date; None for anything without day, month and year."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if _ISO.match(text):
        return text
    try:
        return parsedate_to_datetime(text).date().isoformat()  # RFC 2822, as in feeds and HTTP
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        pass
    import dateparser

    parsed = dateparser.parse(text, settings={"REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DAY_OF_MONTH": "first"})
    return parsed.date().isoformat() if parsed else None
