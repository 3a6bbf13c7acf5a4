"""Walk the given paths and dispatch each file to its reader by name and content."""

from __future__ import annotations

import gzip
import io
import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from wiretrace.ingest.decode import decode_bytes, looks_binary
from wiretrace.ingest.errors import DecodeError, ReadError
from wiretrace.ingest.feed import looks_like_feed, read_feed
from wiretrace.ingest.html import read_html
from wiretrace.ingest.jsonl import read_json, read_jsonl
from wiretrace.ingest.text import read_text
from wiretrace.ingest.warc import read_warc
from wiretrace.model import Article

TEXT_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
FEED_SUFFIXES = {".rss", ".atom", ".xml"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
WARC_SUFFIXES = {".warc"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES | WARC_SUFFIXES
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[str, Path] | ReadError]:
    """Files under the paths (directories recursively, sorted), as (name as given, path)."""
    for given in paths:
        p = Path(given)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    full = Path(root) / name
                    if _inner_suffix(full.name) in SUPPORTED:
                        yield str(full), full
        elif p.is_file():
            yield str(given), p
        else:
            yield ReadError(str(given), "no such file or directory")


def _inner_suffix(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return os.path.splitext(lower)[1]


def read_paths(paths: Iterable[str | Path], max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Article | ReadError]:
    for item in iter_files(paths):
        if isinstance(item, ReadError):
            yield item
            continue
        name, path = item
        yield from read_file(name, path, max_bytes)


def read_file(name: str, path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Article | ReadError]:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            yield ReadError(name, f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
            return
        data = path.read_bytes()
    except OSError as exc:
        yield ReadError(name, f"cannot read ({exc.strerror or exc})")
        return
    yield from read_bytes(name, data, max_bytes)


def read_bytes(name: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Article | ReadError]:
    """Dispatch raw bytes by the file name's suffix (and content where names lie)."""
    lower = name.lower()
    if lower.endswith(".gz") or data[:2] == b"\x1f\x8b":
        try:
            data = _gunzip(data, max_bytes)
        except (OSError, EOFError, zlib.error) as exc:
            yield ReadError(name, f"broken or truncated gzip ({exc})")
            return
        except ValueError as exc:
            yield ReadError(name, str(exc))
            return
        if lower.endswith(".gz"):
            lower = lower[:-3]
    suffix = os.path.splitext(lower)[1]
    if suffix in WARC_SUFFIXES:
        if not data.strip():
            yield ReadError(name, "empty file")
            return
        yield from read_warc(data, name)
        return
    try:
        text, _encoding = decode_bytes(data)
    except DecodeError as exc:
        yield ReadError(name, str(exc))
        return
    text = text.replace("\x00", "")
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl(text, name)
    elif suffix in JSON_SUFFIXES:
        yield from read_json(text, name)
    elif suffix in FEED_SUFFIXES or looks_like_feed(text):
        yield from read_feed(text, name)
    elif suffix in HTML_SUFFIXES or _looks_like_html(text):
        yield from read_html(text, name)
    else:
        yield from read_text(text, name)


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:1000].lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in head)


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    out = bytearray()
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            out += chunk
            if len(out) > max_bytes:
                raise ValueError(f"decompressed size over the {max_bytes / 1e6:.0f} MB limit")
    return bytes(out)


__all__ = ["read_paths", "read_file", "read_bytes", "iter_files", "looks_binary"]
