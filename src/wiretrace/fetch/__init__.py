"""Reading the web: pages fetched politely (robots.txt, a delay and a concurrency limit per host, timeouts, size
limits, redirects recorded), kept in the store so a re-analysis never fetches them again; feeds and sitemaps polled
by `wiretrace watch`.

Imports stay light here: `wiretrace.config` imports `FetchConfig`; httpx is loaded only when something is fetched.
"""

from __future__ import annotations

from wiretrace.fetch.settings import FetchConfig


def is_url(value: object) -> bool:
    """An input naming an http(s) URL rather than a file."""
    s = str(value)
    return s[:8].lower().startswith(("http://", "https://"))


__all__ = ["FetchConfig", "is_url"]
