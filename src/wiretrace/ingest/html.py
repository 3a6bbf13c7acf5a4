"""HTML pages: kept raw; the clean stage extracts the main text."""

from __future__ import annotations

from collections.abc import Iterator

from wiretrace.model import Article


def read_html(html: str, source: str, url: str | None = None) -> Iterator[Article]:
    yield Article(source=source, raw_html=html, url=url)
