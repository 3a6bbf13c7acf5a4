"""The read step for inputs that are URLs: stored page if there is one, else fetched (and stored), then handed to
the same readers as a file (`ingest.walk.read_bytes`). Files and folders go to `ingest.read_paths` unchanged."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wiretrace.fetch import is_url
from wiretrace.fetch.settings import FetchConfig
from wiretrace.ingest import ReadError, read_paths
from wiretrace.model import Article

if TYPE_CHECKING:
    from wiretrace.config import Config

log = logging.getLogger(__name__)


def read_inputs(inputs: Iterable[str | Path], store: Any | None, config: FetchConfig | None = None,
                max_bytes: int | None = None, budgets: Config | None = None) -> Iterator[Article | ReadError]:
    """Articles (or one ReadError per failure) from files, folders and URLs, in the order given; `budgets` carries
    the per-input limits files are read under (bytes after decompression, characters per article)."""
    config = config or FetchConfig()
    for url_run, group in itertools.groupby(inputs, key=is_url):
        if url_run:
            yield from read_urls([str(u) for u in group], store, config, max_bytes)
        elif max_bytes is None:
            yield from read_paths(group, config=budgets)
        else:
            yield from read_paths(group, max_bytes=max_bytes, config=budgets)


def pages_for(urls: list[str], store: Any | None, config: FetchConfig) -> Iterator[tuple[str, Any]]:
    """(url, page dict or FetchError) for each URL, in order: stored pages first, the rest fetched politely in
    chunks, each chunk stored in one transaction before it is read (a crash keeps what was fetched)."""
    from wiretrace.fetch.client import Fetcher, FetchError

    fetcher = Fetcher(config)
    chunk = max(1, config.chunk)
    for start in range(0, len(urls), chunk):
        part = urls[start : start + chunk]
        stored = store.get_pages(part) if store is not None else {}
        missing = list(dict.fromkeys(u for u in part if u not in stored))
        fresh: dict[str, Any] = {}
        if missing:
            results = fetcher.fetch_many(missing)
            pages = [r for r in results if not isinstance(r, FetchError)]
            if store is not None and pages:
                store.put_pages(pages)
            for u, r in zip(missing, results, strict=True):
                fresh[u] = r if isinstance(r, FetchError) else _as_dict(r)
        for u in part:
            yield u, stored.get(u) or fresh[u]


def _as_dict(page: Any) -> dict[str, Any]:
    return {"url": page.url, "final_url": page.final_url, "status": page.status, "content_type": page.content_type,
            "redirects": list(page.redirects), "fetched": page.fetched, "body": page.body}


def read_urls(urls: list[str], store: Any | None, config: FetchConfig,
              max_bytes: int | None = None) -> Iterator[Article | ReadError]:
    from wiretrace.fetch.client import FetchError
    from wiretrace.ingest.walk import read_bytes

    for url, page in pages_for(urls, store, config):
        if isinstance(page, FetchError):
            yield ReadError(url, page.reason)
            continue
        final = page["final_url"]
        items = read_bytes(final, page["body"]) if max_bytes is None else read_bytes(final, page["body"], max_bytes)
        fetch_meta = {"url": url, "final_url": final, "status": page["status"], "redirects": page["redirects"],
                      "fetched": page["fetched"]}
        for item in items:
            if isinstance(item, ReadError):
                yield ReadError(url if item.source == final else item.source, item.reason)
                continue
            if item.source == final:  # the page itself (not a feed entry or a record inside it)
                item.source = url
                item.url = final
            item.metadata["fetch"] = fetch_meta
            yield item
