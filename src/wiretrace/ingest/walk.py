"""Walk the given paths and dispatch each file to its reader by name and content."""

from __future__ import annotations

import os
import stat
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from wiretrace.config import Config
from wiretrace.ingest.budget import OverBudget, cut_at_sentence, gunzip
from wiretrace.ingest.decode import decode_bytes, looks_binary
from wiretrace.ingest.errors import DecodeError, ReadError, printable
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


def display_name(name: str) -> str:
    """A path as stored and shown: the bytes of a name that is not valid UTF-8 (surrogate escapes) become \\xNN,
    so the store (UTF-8) accepts it and each file keeps its own name."""
    return "".join(f"\\x{ord(ch) - 0xDC00:02x}" if 0xDC80 <= ord(ch) <= 0xDCFF else ch for ch in name)


def _kind(mode: int) -> str:
    for test, word in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK,
                       "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return word
    return "not a regular file"


def _os_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[str, Path] | ReadError]:
    """Regular files under the paths (directories recursively, sorted), as (name as given, path).

    Only regular files are read: a FIFO would block the run and a device such as /dev/zero never ends, so each
    is one error line. Unreadable folders and dangling links are error lines too; folder links are not followed
    (no loops).
    """
    for given in paths:
        p = Path(given)
        name = display_name(str(given))
        try:
            st = p.stat()
        except OSError as exc:
            reason = "no such file or directory" if isinstance(exc, FileNotFoundError) else _os_reason(exc)
            yield ReadError(name, reason)
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(p)
        elif stat.S_ISREG(st.st_mode):
            yield name, p
        else:
            yield ReadError(name, f"{_kind(st.st_mode)}, not a regular file; skipped")


def _walk(top: Path) -> Iterator[tuple[str, Path] | ReadError]:
    failed: list[OSError] = []
    for root, dirs, files in os.walk(top, onerror=failed.append):
        while failed:
            exc = failed.pop(0)
            yield ReadError(display_name(str(exc.filename or root)), f"folder not read ({_os_reason(exc)})")
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for fname in sorted(files):
            if fname.startswith("."):
                continue
            full = Path(root) / fname
            if _inner_suffix(full.name) not in SUPPORTED:
                continue
            shown = display_name(str(full))
            try:
                st = full.stat()
            except OSError as exc:
                yield ReadError(shown, f"cannot read ({_os_reason(exc)}; a dangling link?)")
                continue
            if stat.S_ISREG(st.st_mode):
                yield shown, full
            else:
                yield ReadError(shown, f"{_kind(st.st_mode)}, not a regular file; skipped")
    while failed:
        exc = failed.pop(0)
        yield ReadError(display_name(str(exc.filename or top)), f"folder not read ({_os_reason(exc)})")


def _inner_suffix(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return os.path.splitext(lower)[1]


def read_paths(paths: Iterable[str | Path], max_bytes: int = DEFAULT_MAX_BYTES,
               config: Config | None = None) -> Iterator[Article | ReadError]:
    """Every article in the paths, or one ReadError per bad file or record; never raises on bad input.

    `config` carries the per-input budgets (bytes after decompression, characters per article); `max_bytes` is
    the size on disk (kept as an argument for callers that pass only it).
    """
    limits = Limits.of(config, max_bytes)
    for item in iter_files(paths):
        if isinstance(item, ReadError):
            yield item
            continue
        name, path = item
        yield from read_file(name, path, max_bytes, limits)


@dataclass(frozen=True)
class Limits:
    """The budgets one input is read under (from `Config`)."""

    file_bytes: int = DEFAULT_MAX_BYTES
    input_bytes: int = 128 * 1024 * 1024
    article_chars: int = 100_000
    html_chars: int = 2_000_000

    @classmethod
    def of(cls, config: Config | None, max_bytes: int | None = None) -> Limits:
        if config is None:
            return cls(file_bytes=max_bytes or DEFAULT_MAX_BYTES)
        return cls(max_bytes or config.max_file_bytes, config.max_input_bytes, config.max_article_chars,
                   config.max_html_chars)


def read_file(name: str, path: Path, max_bytes: int = DEFAULT_MAX_BYTES,
              limits: Limits | None = None) -> Iterator[Article | ReadError]:
    """One file's articles. Opened without blocking and checked to be a regular file on the open descriptor (a
    name may be swapped for a FIFO between the walk and the read); never reads more than `max_bytes` + 1."""
    limits = limits or Limits(file_bytes=max_bytes)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        yield ReadError(name, f"cannot read ({_os_reason(exc)})")
        return
    try:
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                yield ReadError(name, f"{_kind(st.st_mode)}, not a regular file; skipped")
                return
            if st.st_size > max_bytes:
                yield ReadError(name, f"file is {st.st_size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
                return
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        yield ReadError(name, f"cannot read ({_os_reason(exc)})")
        return
    if len(data) > max_bytes:
        yield ReadError(name, f"file grew over the {max_bytes / 1e6:.0f} MB limit while read")
        return
    yield from read_bytes(name, data, max_bytes, limits)


def read_bytes(name: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES,
               limits: Limits | None = None) -> Iterator[Article | ReadError]:
    """Dispatch raw bytes by the file name's suffix (and content where names lie); every article within budget."""
    limits = limits or Limits(file_bytes=max_bytes)
    for item in _dispatch(name, data, limits):
        if isinstance(item, Article):
            _bound(item, limits)
        yield item


def _bound(art: Article, limits: Limits) -> None:
    """Cut an over-long raw text (at a sentence end) or page, with a warning on the article."""
    if art.raw_text and len(art.raw_text) > limits.article_chars:
        n = len(art.raw_text)
        art.raw_text = cut_at_sentence(art.raw_text, limits.article_chars)
        art.metadata.setdefault("warnings", []).append(
            f"text of {n} characters cut to {len(art.raw_text)} at a sentence end "
            f"(the per-article budget is {limits.article_chars})")
    if art.raw_html and len(art.raw_html) > limits.html_chars:
        n = len(art.raw_html)
        art.raw_html = art.raw_html[: limits.html_chars]
        art.metadata.setdefault("warnings", []).append(
            f"page of {n} characters cut to {limits.html_chars} (the per-page budget) before extraction")


def _dispatch(name: str, data: bytes, limits: Limits) -> Iterator[Article | ReadError]:
    lower = name.lower()
    gzipped = data[:2] == b"\x1f\x8b"
    if lower.endswith(".gz"):
        lower = lower[:-3]
    suffix = os.path.splitext(lower)[1]
    if suffix in WARC_SUFFIXES or (not gzipped and data[:5] == b"WARC/"):
        if not data.strip():
            yield ReadError(name, "empty file")
            return
        # warcio reads gzip member by member, so a truncated last record keeps the records before it; the
        # budget is applied to each record's decoded body.
        yield from read_warc(data, name, limits.input_bytes)
        return
    warnings: list[str] = []
    if gzipped:
        try:
            unpacked = gunzip(data, limits.input_bytes)
        except OverBudget as exc:
            yield ReadError(name, str(exc))
            return
        except zlib.error as exc:
            yield ReadError(name, f"broken or truncated gzip ({printable(str(exc), 120)})")
            return
        data, warnings = unpacked.data, unpacked.warnings
        if unpacked.truncated:
            complete = data.rfind(b"\n")
            if suffix not in JSONL_SUFFIXES or complete < 0:
                yield ReadError(name, "broken or truncated gzip (the stream ends early)")
                return
            data = data[: complete + 1]
            warnings.append("gzip stream truncated; the complete lines before the cut were read")
        if data[:5] == b"WARC/":
            yield from read_warc(data, name, limits.input_bytes)
            return
    elif len(data) > limits.input_bytes:
        yield ReadError(name, f"over {limits.input_bytes / 1e6:.0f} MB (the per-input budget); not read")
        return
    try:
        text, _encoding = decode_bytes(data)
    except DecodeError as exc:
        yield ReadError(name, str(exc))
        return
    del data
    text = text.replace("\x00", "")
    for item in _parse(text, name, suffix):
        if warnings and isinstance(item, Article):
            item.metadata.setdefault("warnings", []).extend(warnings)
        yield item


def _parse(text: str, name: str, suffix: str) -> Iterator[Article | ReadError]:
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


__all__ = ["Limits", "display_name", "read_paths", "read_file", "read_bytes", "iter_files", "looks_binary"]
