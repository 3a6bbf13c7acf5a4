"""A real HTTP server on 127.0.0.1 for the fetch and watch tests (and the fetch benchmark): pages, feeds and
failures set per path, every request logged with its time, so politeness is measured on the server's side."""

from __future__ import annotations

import html
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    sleep: float = 0.0  # seconds before answering (a page that times out)
    chunked: bool = False  # no Content-Length: the body streams until the connection closes


class LocalSite:
    """`with LocalSite() as site: site.routes["/a.html"] = Route(...)`; `site.url("/a.html")`; `site.log`."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[float, str, str]] = []  # (time.monotonic(), path, user agent)
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                with site.lock:
                    site.log.append((time.monotonic(), self.path, self.headers.get("User-Agent", "")))
                route = site.routes.get(self.path)
                if route is None:
                    route = Route(b"<html><body>not here</body></html>", status=404)
                if route.sleep:
                    time.sleep(route.sleep)
                try:
                    self.send_response(route.status)
                    self.send_header("Content-Type", route.content_type)
                    for k, v in route.headers.items():
                        self.send_header(k, v)
                    if not route.chunked:
                        self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    for start in range(0, len(route.body), 65536):
                        self.wfile.write(route.body[start : start + 65536])
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        return sum(1 for _, p, _ in self.log if p == path)

    def __enter__(self) -> LocalSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def article_page(title: str, paragraphs: list[str], outlet: str = "The Test Courier",
                 published: str = "2025-03-04") -> bytes:
    """A saved-page-like article: site chrome around the article, metadata in the head."""
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} | {html.escape(outlet)}</title>
<meta property="og:site_name" content="{html.escape(outlet)}">
<meta property="og:title" content="{html.escape(title)}">
<meta property="article:published_time" content="{published}T10:00:00Z">
</head><body><header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/subscribe">Subscribe</a></nav>
</header><main><article><h1>{html.escape(title)}</h1>
{paras}
</article></main><footer>© {html.escape(outlet)}. All rights reserved. Cookie settings.</footer></body></html>
""".encode()


def text_file_page(path: Path, outlet: str = "The Test Courier") -> bytes:
    """A sample-corpus text file (headline, blank line, paragraphs) as an article page."""
    lines = path.read_text(encoding="utf-8").split("\n\n")
    return article_page(lines[0].strip(), [p.strip() for p in lines[1:] if p.strip()], outlet)


def rss(items: list[tuple[str, str, str]], title: str = "Test Courier") -> bytes:
    """An RSS 2.0 feed of (title, link, description) items."""
    body = "".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(link)}</link><guid>{html.escape(link)}</guid>"
        f"<description>{html.escape(d)}</description></item>" for t, link, d in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{html.escape(title)}</title>'
            f"<link>http://127.0.0.1/</link>{body}</channel></rss>").encode()


def sitemap(urls: list[str]) -> bytes:
    locs = "".join(f"<url><loc>{html.escape(u)}</loc></url>" for u in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{locs}</urlset>").encode()
