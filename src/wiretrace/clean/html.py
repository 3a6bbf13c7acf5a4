"""HTML main-text extraction behind a small seam, so the base extractor can be swapped.

`HtmlExtractor` is anything with `extract(html, url) -> Extracted`. The default is trafilatura (the best-measured
open-source extractor on news pages); `guard_html` protects every extractor from pathological input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

MAX_HTML_CHARS = 5_000_000  # larger pages are reduced (scripts/styles dropped, then cut) before extraction


@dataclass(slots=True)
class Extracted:
    text: str = ""
    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    url: str | None = None
    language: str | None = None
    warnings: list[str] = field(default_factory=list)


class HtmlExtractor(Protocol):
    def extract(self, html: str, url: str | None = None) -> Extracted: ...


_SCRIPT = re.compile(r"<(script|style|noscript|svg)\b.*?</\1\s*>", re.I | re.S)


def guard_html(html: str) -> tuple[str, list[str]]:
    """Drop NULs, shrink huge pages, and say why when a page cannot hold text."""
    warnings: list[str] = []
    if "\x00" in html:
        html = html.replace("\x00", "")
    if len(html) > MAX_HTML_CHARS:
        html = _SCRIPT.sub(" ", html)
        if len(html) > MAX_HTML_CHARS:
            warnings.append(f"page larger than {MAX_HTML_CHARS // 1_000_000} M characters: only the start was read")
            html = html[:MAX_HTML_CHARS]
    if html.count("\ufffd") > max(20, len(html) // 200):
        warnings.append("many undecodable characters: the page's charset declaration may be wrong")
    return html, warnings


class TrafilaturaExtractor:
    """trafilatura's `bare_extraction`, comments excluded."""

    def __init__(self, favor_precision: bool = False) -> None:
        self.favor_precision = favor_precision

    def extract(self, html: str, url: str | None = None) -> Extracted:
        import trafilatura

        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=True,
            favor_precision=self.favor_precision, deduplicate=False,
        )
        if doc is None:
            return Extracted()
        get = (lambda k: getattr(doc, k, None)) if not isinstance(doc, dict) else doc.get
        return Extracted(
            text=get("text") or "", title=get("title"), author=get("author"), date=get("date"),
            sitename=get("sitename"), url=get("url"), language=get("language"),
        )


_DEFAULT: HtmlExtractor | None = None


def default_extractor() -> HtmlExtractor:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = TrafilaturaExtractor()
    return _DEFAULT


def extract_html(html: str, url: str | None = None, extractor: HtmlExtractor | None = None) -> Extracted:
    """Guarded extraction: never raises; an unusable page gives empty text and a warning."""
    html, warnings = guard_html(html or "")
    if not re.search(r"<\s*(?:body|p|div|article|main|html)\b", html[:200_000], re.I) and "<" not in html[:1000]:
        warnings.append("input does not look like HTML")
    try:
        out = (extractor or default_extractor()).extract(html, url)
    except Exception as exc:  # noqa: BLE001 - bad pages must never stop a batch
        out = Extracted(warnings=[f"HTML extraction failed: {type(exc).__name__}: {exc}"[:200]])
    out.warnings = warnings + out.warnings
    if not out.text.strip():
        out.warnings.append("no article text found in the page (empty, script-only, or not an article)")
    return out
