"""Plain-text articles: first non-empty line is the title."""

from __future__ import annotations

from collections.abc import Iterator

from wiretrace.model import Article


def read_text(text: str, source: str) -> Iterator[Article]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        if line.strip():
            title = line.strip()
            body = "\n".join(lines[i + 1 :])
            yield Article(source=source, title=title, raw_text=body)
            return
