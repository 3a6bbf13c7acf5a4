"""Clean stage: raw HTML or copied-off-the-page text -> main text + metadata.

`clean_articles` is the stage entry point (see `wiretrace.pipeline`).
"""

from __future__ import annotations

from wiretrace.model import Article


def clean_articles(articles: list[Article], ctx) -> list[Article]:  # noqa: ANN001
    """First implementation: trafilatura for HTML, raw text kept as is."""
    import trafilatura

    out = []
    for art in articles:
        if art.raw_html is not None and not art.text:
            doc = trafilatura.bare_extraction(art.raw_html, with_metadata=True, include_comments=False)
            if doc is not None:
                art.text = doc.text or ""
                art.title = art.title or doc.title
                art.outlet = art.outlet or doc.sitename
                art.published = art.published or doc.date
                if doc.author and not art.byline:
                    art.byline = [a.strip() for a in doc.author.split(";") if a.strip()]
        elif art.raw_text is not None and not art.text:
            art.text = art.raw_text.strip()
        out.append(art)
    return out
