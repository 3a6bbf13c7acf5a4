"""How politely and how far wiretrace fetches pages: one config object (`Config.fetch`), no environment reads."""

from __future__ import annotations

from dataclasses import dataclass

from wiretrace import __version__


@dataclass(slots=True)
class FetchConfig:
    # Says who is asking and why, so a site operator can recognise and block it.
    user_agent: str = f"wiretrace/{__version__} (news provenance research tool; respects robots.txt)"
    # Least time between the starts of two requests to one host (scheme, name and port), in seconds; a longer
    # robots.txt Crawl-delay for our agent wins.
    delay: float = 1.0
    # Requests in flight at once: to one host, and in all.
    per_host: int = 2
    concurrency: int = 16
    # A page that has not fully arrived after this many seconds is given up (connect, redirects and body together).
    timeout: float = 20.0
    # Larger pages are refused; the body is read no further than this.
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    robots: bool = True
    # URLs fetched per round before their pages are stored (bounded memory, progress kept on a crash).
    chunk: int = 200
