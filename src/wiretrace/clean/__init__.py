"""Clean stage: raw HTML or copied-off-the-page text -> main text + metadata.

`clean_articles` is the stage entry point (see `wiretrace.pipeline`). HTML goes through a replaceable extractor
(`html.py`: trafilatura by default; optionally its candidates judged block by block by a learned classifier,
`blocks.py`, see `CleanSettings.block_classifier`) and then the same line classifier as plain text (`lines.py`),
which removes what the extractor let through (promo lines, "Read more" tails, teaser labels). Metadata comes
from the page, the dateline, credit lines and the text (`meta.py`); cited sources from attribution patterns
(`sources.py`). Never raises on bad input: problems go to `article.metadata["warnings"]`.
"""

from __future__ import annotations

import re

from wiretrace.clean.html import (
    BlockExtractor,
    Extracted,
    HtmlExtractor,
    TrafilaturaExtractor,
    default_extractor,
    extract_html,
)
from wiretrace.clean.lines import TextResult, clean_text, is_simple, norm, split_units, word_count
from wiretrace.clean.meta import (
    credit_bylines,
    detect_language,
    find_dateline,
    relative_date,
    resolve_date,
)
from wiretrace.clean.settings import CLEAN_DEFAULTS, CleanSettings
from wiretrace.clean.sources import extract_cited_sources
from wiretrace.model import LANGUAGE_GUESSED, Article, Removed
from wiretrace.text.media import AGENCIES, CREDIT_LINE, canonical

__all__ = [
    "BlockExtractor", "CleanSettings", "Extracted", "HtmlExtractor", "TrafilaturaExtractor", "clean_article",
    "clean_articles", "extract_cited_sources", "extract_html",
]

_BY_LINE = re.compile(r"^By\s+(?P<names>[A-Z][\w'’\-.]*(?:\s+[A-Z][\w'’\-.]*){0,3}"
                      r"(?:\s*(?:,|and|&)\s*[A-Z][\w'’\-.]*(?:\s+[A-Z][\w'’\-.]*){0,3})*)"
                      r"(?:\s*[|,–—-]\s*(?P<rest>.{0,60}))?$")


def clean_articles(articles: list[Article], ctx=None) -> list[Article]:  # noqa: ANN001
    """Clean a batch, each article on its own: an article's text (hence its id) never depends on the batch.

    (A former rule dropped lines repeated across the batch's articles, so the same article cleaned in two runs
    could get two ids; issue 18. On HTML the block classifier now judges page furniture from the page itself.)
    """
    # The seam: a caller may put another HtmlExtractor in the context's cache under "clean.extractor".
    config = getattr(ctx, "config", None)
    extractor = ctx.cached("clean.extractor", lambda: extractor_for(config)) if ctx is not None else None
    reference = getattr(config, "reference_date", None)
    out = []
    for art in articles:
        try:
            clean_article(art, None, extractor, reference)
        except Exception as exc:  # noqa: BLE001 - one bad article never stops the batch
            art.metadata.setdefault("warnings", []).append(f"cleaning failed: {type(exc).__name__}: {exc}"[:200])
            art.text = art.text or ""
        out.append(art)
    # The per-unit caches only pay off within a batch: do not keep a batch's lines alive after it.
    for cached in (norm, word_count, is_simple):
        cached.cache_clear()
    return out


def extractor_for(config=None) -> HtmlExtractor:  # noqa: ANN001 - wiretrace.config.Config
    """The HTML extractor `config.clean` asks for: trafilatura (default) or the learned block classifier."""
    settings: CleanSettings = config.clean if config is not None else CLEAN_DEFAULTS
    if not settings.block_classifier:
        return default_extractor()
    return BlockExtractor(settings.blocks_weights or None, max_blocks=settings.max_blocks)


def clean_article(art: Article, repeats: set[str] | None = None, extractor: HtmlExtractor | None = None,
                  reference: str | None = None, units: list[str] | None = None) -> Article:
    """Fill text and metadata of one article in place (`units`: `split_units(art.raw_text)` when already done).

    `repeats`: normalised lines known to be boilerplate (e.g. a fixed per-site profile); the stage passes none.
    """
    warnings: list[str] = art.metadata.setdefault("warnings", [])
    if art.text:
        res = TextResult(split_units(art.text), [], art.title, [], None)
        page = Extracted()
    elif art.raw_html is not None:
        page = extract_html(art.raw_html, art.url, extractor)
        warnings.extend(page.warnings)
        res = clean_text(page.text, art.title or page.title, repeats, from_html=True)
        res.removed[:0] = [Removed(t, r) for t, r in page.removed]
        art.metadata["extractor"] = type(extractor or default_extractor()).__name__
    elif art.raw_text is not None:
        page = Extracted()
        res = clean_text(art.raw_text, art.title, repeats, units=units)
    else:
        warnings.append("no input text")
        return art
    paragraphs = res.paragraphs
    removed: list[Removed] = list(res.removed)

    art.title = res.title or page.title

    # "By A and B" line at the top: byline, not text.
    bylines: list[str] = []
    for i, p in enumerate(paragraphs[:4]):
        m = _BY_LINE.match(p)
        if m and len(p) < 120:
            bylines += [n.strip() for n in re.split(r"\s*(?:,|\band\b|&)\s*", m.group("names")) if n.strip()]
            removed.append(Removed(p, "byline line"))
            del paragraphs[i]
            break
    # End-of-article credit lines stay in the text (they mark an agency's own copy) and give bylines.
    for p in paragraphs[-6:]:
        if CREDIT_LINE.match(p):
            bylines += credit_bylines(p)
    bylines += res.bylines
    text = "\n\n".join(paragraphs).strip()
    art.text = text
    art.removed = list(art.removed) + removed

    if not art.byline:
        if page.author:
            bylines = [a.strip() for a in re.split(r";|,|\band\b", page.author) if a.strip()] + bylines
        seen: list[str] = []
        for b in bylines:
            if b not in seen and not re.search(r"\d", b):
                seen.append(b)
        art.byline = seen

    dl = next((d for d in (find_dateline(p) for p in paragraphs[:6]) if d), None)
    agency = canonical(dl["agency"]) if dl and dl["agency"] else None
    if dl:
        art.dateline = art.dateline or dl["place"] or None
        art.metadata["dateline_full"] = dl["full"]
    outlet_given = art.outlet or page.sitename or res.outlet_hint
    if not art.outlet:
        art.outlet = outlet_given or (agency if agency and agency not in AGENCIES else None)
    art.url = art.url or page.url

    if not art.published:
        art.published = _iso(page.date)
    if not art.published and dl and dl["date"]:
        art.published = resolve_date(dl["date"], reference)
    if not art.published:
        art.published = relative_date(text, reference)

    if not art.language:
        guessed = detect_language(text) if text else None
        art.language = guessed or page.language
        if guessed:
            art.metadata[LANGUAGE_GUESSED] = True  # read off the body, not declared by the record or the page

    cited = extract_cited_sources(text, art.metadata.get("dateline_full"))
    credit = any(CREDIT_LINE.match(p) for p in paragraphs[-6:])
    # The page's own outlet is not a cited source, unless its credit line says this is its own agency copy.
    own = {canonical(outlet_given) or outlet_given} if outlet_given else set()
    # An undated signature ("QAMISHLI, Syria (North Press) –") names the outlet itself; a dated one
    # ("PLACE, Sept 15 (Agency) –") is a wire credit.
    if art.outlet and not outlet_given and not (dl and dl["date"]):
        own.add(canonical(art.outlet) or art.outlet)
    art.cited_sources = [c for c in cited if credit or c not in own]
    if not text:
        if not any("no article text" in w for w in warnings):
            warnings.append("no article text left after cleaning")
    return art


def _iso(value: str | None) -> str | None:
    if not value:
        return None
    m = re.match(r"\d{4}-\d{2}-\d{2}", value)
    return m.group(0) if m else None
