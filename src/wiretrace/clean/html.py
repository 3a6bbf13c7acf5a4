"""HTML main-text extraction behind a small seam, so the base extractor can be swapped.

`HtmlExtractor` is anything with `extract(html, url) -> Extracted`. The default is trafilatura (the best-measured
open-source extractor on news pages); `guard_html` protects every extractor from pathological input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from wiretrace.clean.settings import CLEAN_DEFAULTS

# A guard against pathological input, like Config.max_html_chars before it; the block classifier's page bound is
# `CleanSettings.max_blocks`.
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
    # Blocks the extractor dropped with its reason ("comment", "related content", ...), when it knows them.
    removed: list[tuple[str, str]] = field(default_factory=list)


class HtmlExtractor(Protocol):
    def extract(self, html: str, url: str | None = None) -> Extracted: ...


_SCRIPT_OPEN = re.compile(r"<(script|style|noscript|svg)\b", re.I)
_SCRIPT_CLOSE = {t: re.compile(rf"</{t}\b[^>]{{0,100}}>?", re.I) for t in ("script", "style", "noscript", "svg")}


def drop_scripts(html: str) -> str:
    """Remove <script>/<style>/<noscript>/<svg> elements in one left-to-right pass.

    Linear time on any input (issue 18: the former `<script\b.*?</script>` regex rescanned to the end of the page
    from every unclosed tag: quadratic, 800,000 unclosed tags never finished). An unclosed element runs to the end
    of the page, as in a browser.
    """
    out: list[str] = []
    i = 0
    while True:
        m = _SCRIPT_OPEN.search(html, i)
        if m is None:
            out.append(html[i:])
            break
        out.append(html[i : m.start()])
        out.append(" ")
        close = _SCRIPT_CLOSE[m.group(1).lower()].search(html, m.end())
        if close is None:
            break
        i = close.end()
    return "".join(out)


def guard_html(html: str) -> tuple[str, list[str]]:
    """Drop NULs, shrink huge pages, and say why when a page cannot hold text."""
    warnings: list[str] = []
    if "\x00" in html:
        html = html.replace("\x00", "")
    if len(html) > MAX_HTML_CHARS:
        html = drop_scripts(html)
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

        # Metadata from our light <head> reader: trafilatura's own (htmldate and friends) costs ~25% of the time.
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=False, include_comments=False, include_tables=True,
            favor_precision=self.favor_precision, deduplicate=False,
        )
        meta = head_metadata(html)
        if doc is None:
            return Extracted(**meta)
        get = (lambda k: getattr(doc, k, None)) if not isinstance(doc, dict) else doc.get
        return Extracted(text=get("text") or "", **meta)


def base_text(tree, url: str | None = None) -> str:  # noqa: ANN001 - lxml tree
    """trafilatura's main text for a parsed page, the candidates the block classifier reads (`fast`: without
    trafilatura's fallback extractors, which cost a fifth of its time; the classifier judges the blocks instead)."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=False, include_tables=True, deduplicate=False,
        fast=True)
    if doc is None:
        return ""
    return (doc.get("text") if isinstance(doc, dict) else getattr(doc, "text", None)) or ""


_REASONS = {"comment": "comment (block classifier)", "related": "related content (block classifier)",
            "boilerplate": "boilerplate (block classifier)"}


class BlockExtractor:
    """trafilatura's candidate text, then the learned block classifier (`blocks.py`) over every DOM text block.

    The page is parsed once (trafilatura works on a copy of the tree). What the classifier drops among the
    blocks trafilatura kept goes to `removed` with its label (comment, related content, boilerplate).
    """

    def __init__(self, weights: str | None = None, mode: str = "classify",
                 max_blocks: int = CLEAN_DEFAULTS.max_blocks) -> None:
        """`weights`: a blocks JSON (None or "": the shipped one); `max_blocks`: pages with more text blocks keep
        trafilatura's text (`CleanSettings`)."""
        from wiretrace.clean.blocks import load_model

        if mode not in ("classify", "filter"):
            raise ValueError(f"unknown block classifier mode {mode!r}: 'classify' or 'filter'")
        self.model = load_model(weights or None)
        self.max_blocks = max_blocks
        # classify: the text is the blocks labelled main; filter: only those trafilatura kept too.
        self.mode = mode
        self.last_variants: dict[str, str] = {}  # both modes' texts of the last page (for benchmarks)

    def extract(self, html: str, url: str | None = None) -> Extracted:
        from trafilatura.utils import load_html

        from wiretrace.clean.blocks import classify, features, segment

        meta = head_metadata(html)
        tree = load_html(html)
        if tree is None:
            return Extracted(**meta)
        base = base_text(tree, url)
        blocks = segment(tree)
        if len(blocks) > self.max_blocks:  # bound the classifier's memory: such a page keeps trafilatura's text
            return Extracted(text=base, warnings=[f"page has more than {self.max_blocks} text blocks: block classifier "
                                                  "skipped"], **meta)
        X = features(blocks, meta["title"], base)
        classify(blocks, X, self.model)
        col = features_col("base_kept")
        self.last_variants = {
            "classify": "\n".join(b.text for b in blocks if b.label == "main"),
            "filter": "\n".join(b.text for b, x in zip(blocks, X, strict=True) if b.label == "main" and x[col] >= 0.5)}
        text = self.last_variants[self.mode]
        # What the classifier took out of trafilatura's text, with its label (the rest was never candidate text).
        removed = [(b.text, _REASONS[b.label]) for b, x in zip(blocks, X, strict=True)
                   if b.label != "main" and x[col] >= 0.5]
        return Extracted(text=text, removed=removed, **meta)


def features_col(name: str) -> int:
    from wiretrace.clean.blocks import DENSE_NAMES

    return DENSE_NAMES.index(name)


# Every repetition is bounded: the head of a hostile page may hold thousands of unclosed tags (issue 18).
_META = re.compile(r"<meta\b[^>]{0,3000}>", re.I)
_ATTR = re.compile(r"""(\w[\w:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_TITLE = re.compile(r"<title[^>]{0,500}>(.{0,2000}?)</title>", re.I | re.S)
_LD = re.compile(r'"(datePublished|author|publisher|headline)"\s*:\s*'
                 r'(\{[^{}]{0,3000}\}|\[[^\]]{0,3000}\]|"[^"]{0,3000}")', re.S)
_KEYS = {
    "title": ("og:title", "twitter:title", "dc.title", "headline"),
    "sitename": ("og:site_name", "application-name", "publisher", "dc.publisher"),
    "date": ("article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
             "date", "dc.date", "dc.date.issued", "sailthru.date", "parsely-pub-date", "publication_date"),
    "author": ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author", "byl"),
    "url": ("og:url",),
}


def head_metadata(html: str) -> dict:
    """Title, site name, date, author, canonical URL and language from <meta>, <title> and JSON-LD."""
    import html as htmlmod

    head = html[:200_000]
    found: dict[str, str] = {}
    for tag in _META.findall(head):
        attrs = {m.group(1).lower(): htmlmod.unescape(m.group(2) or m.group(3) or m.group(4) or "")
                 for m in _ATTR.finditer(tag)}
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        val = attrs.get("content", "").strip()
        if key and val:
            found.setdefault(key, val)
    out: dict = {}
    for field_, keys in _KEYS.items():
        out[field_] = next((found[k] for k in keys if k in found), None)
    for k, v in _LD.findall(head):
        name = re.search(r'"name"\s*:\s*"([^"]+)"', v)
        val = name.group(1) if name else v.strip('"')
        if k == "datePublished":
            out["date"] = out["date"] or val
        elif k == "author" and not out["author"] and val and not val.startswith(("{", "[")):
            out["author"] = val
        elif k == "publisher" and not out["sitename"] and val and not val.startswith(("{", "[")):
            out["sitename"] = val
        elif k == "headline":
            out["title"] = out["title"] or val
    if not out["title"]:
        m = _TITLE.search(head)
        if m:
            t = htmlmod.unescape(re.sub(r"\s+", " ", m.group(1))).strip()
            # "Headline | Site" / "Headline - Site": the site part is the outlet.
            parts = re.split(r"\s+[|–—-]\s+", t)
            if len(parts) > 1 and len(parts[-1]) < 40:
                out["sitename"] = out["sitename"] or parts[-1]
                t = " - ".join(parts[:-1])
            out["title"] = t or None
    lang = re.search(r"<html\b[^>]{0,500}\blang\s*=\s*[\"']?([a-zA-Z]{2})", head, re.I)
    out["language"] = lang.group(1).lower() if lang else None
    if out["author"] and (out["author"].startswith("http") or len(out["author"]) > 80):
        out["author"] = None
    return out


_DEFAULT: HtmlExtractor | None = None


def default_extractor() -> HtmlExtractor:
    """trafilatura, then the line rules (the block classifier is opt-in: `CleanSettings.block_classifier`)."""
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
