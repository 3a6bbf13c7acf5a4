"""The store's fetched pages (schema migration 4), kept apart from repository.py so the two change independently."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any


class PagesMixin:
    """Fetched pages (wiretrace/fetch): the raw bytes kept by the URL asked for, so a re-analysis never refetches."""

    conn: sqlite3.Connection

    def get_pages(self, urls: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Stored pages by the URL asked for (or by their final URL): {url: {final_url, status, content_type,
        redirects, fetched, body}}."""
        out: dict[str, dict[str, Any]] = {}
        urls = list(dict.fromkeys(urls))
        for start in range(0, len(urls), 400):
            chunk = urls[start : start + 400]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT url, final_url, status, content_type, redirects, fetched, body FROM fetched_pages "
                f"WHERE url IN ({marks}) OR final_url IN ({marks})", chunk + chunk
            ):
                page = {"url": row[0], "final_url": row[1], "status": row[2], "content_type": row[3],
                        "redirects": json.loads(row[4]), "fetched": row[5], "body": bytes(row[6])}
                for key in (row[0], row[1]):
                    if key in chunk:
                        out.setdefault(key, page)
        return out

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Which of `urls` were fetched already (as asked for or as a final URL)."""
        return set(self.get_pages(urls))

    def put_pages(self, pages: Iterable[Any]) -> None:
        """Store fetched pages (`fetch.client.Page`) in one transaction; a page fetched again replaces the old."""
        with self.transaction() as c:  # type: ignore[attr-defined]
            for p in pages:
                c.execute(
                    "INSERT INTO fetched_pages(url, final_url, status, content_type, redirects, fetched, body) "
                    "VALUES(?,?,?,?,?,?,?) ON CONFLICT(url) DO UPDATE SET final_url=excluded.final_url, "
                    "status=excluded.status, content_type=excluded.content_type, redirects=excluded.redirects, "
                    "fetched=excluded.fetched, body=excluded.body",
                    (p.url, p.final_url, p.status, p.content_type, json.dumps(p.redirects), p.fetched, p.body),
                )
