"""Fetch pages with httpx, politely: robots.txt, a delay and a concurrency limit per host, a total timeout, a size
limit, redirects followed one hop at a time (each hop checked against its host's robots.txt) and recorded.

Written here rather than taken from trafilatura's fetcher because that one has no per-host politeness, no robots.txt
and no record of the redirect chain; the parts that are standard come from libraries (httpx for HTTP,
`urllib.robotparser` for robots.txt). Every failure is a `FetchError` naming the URL and the reason; the batch goes on.
"""

from __future__ import annotations

import asyncio
import time
import urllib.robotparser
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from wiretrace.fetch.settings import FetchConfig
from wiretrace.ingest.errors import printable

REDIRECTS = {301, 302, 303, 307, 308}
TEXT_TYPES = ("text/", "application/xhtml", "application/xml", "application/rss", "application/atom",
              "application/json", "application/x-ndjson", "application/warc", "application/gzip",
              "application/x-gzip", "application/octet-stream")


@dataclass(slots=True)
class Page:
    """A fetched page: `url` as asked for, `final_url` after redirects, the body as bytes (decoded from any
    Content-Encoding, not from its charset: the readers sniff that)."""

    url: str
    final_url: str
    status: int
    content_type: str | None
    body: bytes
    redirects: list[str] = field(default_factory=list)  # every URL before the final one, in order
    fetched: str = ""


@dataclass(slots=True)
class FetchError:
    url: str
    reason: str

    def __str__(self) -> str:
        return f"{printable(self.url)}: {printable(self.reason)}"


class _Refused(Exception):
    pass


def host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


@dataclass
class _Host:
    """Politeness state of one host: its robots.txt, its slot times and its in-flight limit."""

    sem: asyncio.Semaphore
    gate: asyncio.Lock = field(default_factory=asyncio.Lock)
    robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0
    robots: urllib.robotparser.RobotFileParser | None = None
    robots_done: bool = False
    robots_at: float = 0.0
    delay: float = 0.0


class Fetcher:
    """Fetch many URLs at once, politely; `fetch_many` keeps the input order."""

    ROBOTS_TTL = 24 * 3600.0  # robots.txt is read again after a day (RFC 9309, 2.4)

    def __init__(self, config: FetchConfig | None = None):
        self.config = config or FetchConfig()
        self.requests: list[tuple[float, str]] = []  # (monotonic start, url): what this fetcher asked for
        # What one fetch_many learnt of each host (robots.txt, the next allowed start) carries over to the next,
        # so a long-lived fetcher (`watch`) stays polite across calls; locks are made anew per event loop.
        self._known: dict[str, tuple[urllib.robotparser.RobotFileParser | None, bool, float, float, float]] = {}

    def fetch_many(self, urls: Iterable[str]) -> list[Page | FetchError]:
        urls = list(urls)
        if not urls:
            return []
        return asyncio.run(self._fetch_all(urls))

    async def _fetch_all(self, urls: list[str]) -> list[Page | FetchError]:
        import httpx

        cfg = self.config
        hosts: dict[str, _Host] = {}
        overall = asyncio.Semaphore(max(1, cfg.concurrency))
        limits = httpx.Limits(max_connections=max(1, cfg.concurrency), max_keepalive_connections=max(1, cfg.concurrency))
        async with httpx.AsyncClient(headers={"User-Agent": cfg.user_agent, "Accept": "text/html,application/xhtml+xml,"
                                              "application/xml;q=0.9,*/*;q=0.8"},
                                     timeout=httpx.Timeout(cfg.timeout), limits=limits, follow_redirects=False,
                                     trust_env=False) as client:

            async def one(url: str) -> Page | FetchError:
                try:
                    return await self._fetch(client, hosts, overall, url)
                except TimeoutError:
                    return FetchError(url, f"timed out after {cfg.timeout:g} s")
                except httpx.TimeoutException:
                    return FetchError(url, f"timed out after {cfg.timeout:g} s")
                except _Refused as exc:
                    return FetchError(url, str(exc))
                except httpx.HTTPError as exc:
                    return FetchError(url, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)

            try:
                return list(await asyncio.gather(*(one(u) for u in urls)))
            finally:
                for key, h in hosts.items():
                    self._known[key] = (h.robots, h.robots_done, h.robots_at, h.next_start, h.delay)

    def _host(self, hosts: dict[str, _Host], url: str) -> _Host:
        key = host_key(url)
        if key not in hosts:
            host = hosts[key] = _Host(sem=asyncio.Semaphore(max(1, self.config.per_host)), delay=self.config.delay)
            if key in self._known:
                host.robots, host.robots_done, host.robots_at, host.next_start, host.delay = self._known[key]
                if time.monotonic() - host.robots_at > self.ROBOTS_TTL:
                    host.robots_done, host.delay = False, self.config.delay
        return hosts[key]

    @asynccontextmanager
    async def _turn(self, host: _Host) -> AsyncIterator[None]:
        """This host's turn: wait until its next start time; the next turn opens `delay` after this request's
        answer began to arrive (not after it was sent), so the server sees requests at least `delay` apart however
        slow the network or the server is. With no delay the turn is free and only `per_host` limits the host."""
        if host.delay <= 0:
            yield
            return
        async with host.gate:
            now = time.monotonic()
            if host.next_start > now:
                await asyncio.sleep(host.next_start - now)
            try:
                yield
            finally:
                host.next_start = time.monotonic() + host.delay

    async def _robots(self, client, hosts: dict[str, _Host], url: str) -> _Host:
        host = self._host(hosts, url)
        if not self.config.robots or host.robots_done:
            return host
        async with host.robots_lock:
            if host.robots_done:
                return host
            robots_url = host_key(url) + "/robots.txt"
            parser = urllib.robotparser.RobotFileParser(robots_url)
            async with self._turn(host):
                asked = time.monotonic()
                self.requests.append((asked, robots_url))
                try:
                    resp = await client.get(robots_url, follow_redirects=True)
                    status, text = resp.status_code, resp.text[:512_000]
                except Exception:  # noqa: BLE001 - failing to reach robots.txt: RFC 9309 says treat as unreachable
                    status, text = 599, ""
            if status >= 500:  # unreachable: assume the site allows nothing for now (RFC 9309, 2.3.1.4)
                parser.disallow_all = True
            elif status >= 400:  # no robots.txt (RFC 9309, 2.3.1.3): everything allowed
                parser.allow_all = True
            else:
                parser.parse(text.splitlines())
                crawl_delay = parser.crawl_delay(self.config.user_agent)  # whole seconds (urllib.robotparser)
                if crawl_delay:
                    host.delay = max(host.delay, float(crawl_delay))
                    host.next_start = max(host.next_start, time.monotonic() + host.delay)
            host.robots = parser
            host.robots_done = True
            host.robots_at = asked
        return host

    async def _fetch(self, client, hosts: dict[str, _Host], overall: asyncio.Semaphore, url: str) -> Page:
        """One URL, hop by hop. Waiting for the host's turn does not count against the timeout; each request does
        (from its first byte sent to its last byte read)."""
        cfg = self.config
        current = url
        chain: list[str] = []
        for _hop in range(cfg.max_redirects + 1):
            scheme = urlsplit(current).scheme.lower()
            if scheme not in ("http", "https"):
                raise _Refused(f"redirected to a non-web URL ({current})" if chain else "not an http(s) URL")
            host = await self._robots(client, hosts, current)
            if host.robots is not None and not host.robots.can_fetch(cfg.user_agent, current):
                raise _Refused(f"forbidden by robots.txt ({current})" if chain else "forbidden by robots.txt")
            async with host.sem:
                async with self._turn(host), overall:
                    deadline = asyncio.get_running_loop().time() + cfg.timeout
                    self.requests.append((time.monotonic(), current))
                    async with asyncio.timeout_at(deadline):
                        resp = await client.send(client.build_request("GET", current), stream=True)
                try:
                    async with asyncio.timeout_at(deadline):
                        if resp.status_code in REDIRECTS and resp.headers.get("location"):
                            chain.append(current)
                            current = urljoin(current, resp.headers["location"])
                            continue
                        return await self._read(resp, url, chain)
                finally:
                    await resp.aclose()
        raise _Refused(f"more than {cfg.max_redirects} redirects")

    async def _read(self, resp, url: str, chain: list[str]) -> Page:
        """The body of a final (non-redirect) answer, refused when it is an error, not text, or too large."""
        cfg = self.config
        if resp.status_code >= 400:
            raise _Refused(f"HTTP {resp.status_code} {resp.reason_phrase}".rstrip())
        ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower() or None
        if ctype and not ctype.startswith(TEXT_TYPES):
            raise _Refused(f"not a text page ({ctype})")
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cfg.max_bytes:
            raise _Refused(f"page is {int(declared) / 1e6:.1f} MB, over the {cfg.max_bytes / 1e6:g} MB limit")
        body = bytearray()
        async for chunk in resp.aiter_bytes():
            body += chunk
            if len(body) > cfg.max_bytes:
                raise _Refused(f"page over the {cfg.max_bytes / 1e6:g} MB limit (stopped reading)")
        return Page(url=url, final_url=str(resp.url), status=resp.status_code, content_type=ctype, body=bytes(body),
                    redirects=chain, fetched=datetime.now(UTC).isoformat(timespec="seconds"))
