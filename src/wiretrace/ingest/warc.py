"""WARC files (warcio): every HTML response record becomes an article.

A record's body is read through warcio's decoding stream (chunked transfer, Content-Encoding gzip/deflate/br) at
most `max_bytes` + 1 at a time, so a compressed body that expands without end stops at the budget; the input as a
whole has the same budget. warcio reads a .warc.gz member by member: records before a truncated or broken one
are kept.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from wiretrace.ingest.decode import decode_bytes
from wiretrace.ingest.errors import DecodeError, ReadError, printable
from wiretrace.model import Article

DEFAULT_MAX_BYTES = 128 * 1024 * 1024


def read_warc(data: bytes, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Article | ReadError]:
    record_no = 0
    found = 0
    total = 0
    iterator = ArchiveIterator(io.BytesIO(data))
    try:
        for record in iterator:
            record_no += 1
            if record.rec_type != "response":
                continue
            ctype = (record.http_headers.get_header("Content-Type") if record.http_headers else "") or ""
            if "html" not in ctype.lower():
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            source = f"{path}#record{record_no}"
            left = max_bytes - total
            body = record.content_stream().read(left + 1)
            total += len(body)
            if len(body) > left:
                yield ReadError(source, f"body expands to over {max_bytes / 1e6:.0f} MB (the per-input budget); "
                                        "this and later records not read")
                return
            missing = getattr(record.raw_stream, "limit", 0)
            if isinstance(missing, int) and missing > 0:  # the file ends inside this record's declared length
                kept = f"; the {found} records before it were kept" if found else ""
                yield ReadError(source, f"truncated WARC record ({missing} bytes missing){kept}")
                return
            declared = None
            if "charset=" in ctype.lower():
                declared = ctype.lower().split("charset=", 1)[1].split(";")[0].strip() or None
            try:
                html, _enc = decode_bytes(body, declared)
            except DecodeError as exc:
                yield ReadError(source, str(exc))
                continue
            found += 1
            yield Article(source=url or source, raw_html=html, url=url, metadata={"warc": source})
    except (ArchiveLoadFailed, ValueError, EOFError, OSError, AttributeError, KeyError, IndexError,
            UnicodeError, TypeError) as exc:  # warcio's parse errors
        # warcio meets malformed headers with AttributeError/KeyError from inside its parser, and its own messages
        # dump raw header bytes: name the fault, briefly and escaped.
        if isinstance(exc, ArchiveLoadFailed):
            detail = "not a WARC record where one should start"
        elif isinstance(exc, (AttributeError, KeyError, IndexError, TypeError, UnicodeError)):
            detail = "malformed record headers"
        elif isinstance(exc, EOFError) or "truncat" in str(exc).lower() or "compressed" in str(exc).lower():
            detail = "truncated or corrupt compressed data"
        else:
            detail = printable(str(exc), 80)
        kept = f"; the {found} records before it were kept" if found else ""
        yield ReadError(f"{path}#record{record_no + 1}", f"broken WARC record ({detail}){kept}; later records skipped")
        return
    # warcio ends quietly at a truncated gzip member: bytes left after the last record it read are a broken record.
    end = getattr(iterator, "offset", None)
    if isinstance(end, int) and data[end:].strip(b"\x00\r\n \t"):
        kept = f"; the {found} records before it were kept" if found else ""
        yield ReadError(f"{path}#record{record_no + 1}",
                        f"truncated or broken WARC record ({len(data) - end} bytes){kept}")
    if not found:
        yield ReadError(path, f"no HTML response records among {record_no} WARC records")
