"""WARC files (warcio): every HTML response record becomes an article."""

from __future__ import annotations

import io
from collections.abc import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from wiretrace.ingest.decode import decode_bytes
from wiretrace.ingest.errors import DecodeError, ReadError
from wiretrace.model import Article


def read_warc(data: bytes, path: str) -> Iterator[Article | ReadError]:
    record_no = 0
    found = 0
    try:
        for record in ArchiveIterator(io.BytesIO(data)):
            record_no += 1
            if record.rec_type != "response":
                continue
            ctype = (record.http_headers.get_header("Content-Type") if record.http_headers else "") or ""
            if "html" not in ctype.lower():
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            source = f"{path}#record{record_no}"
            body = record.content_stream().read()
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
    except (ArchiveLoadFailed, ValueError, EOFError, OSError, AttributeError, KeyError) as exc:  # warcio's parse errors
        # warcio meets malformed headers with AttributeError/KeyError from inside its parser: name the fault, not them.
        detail = "malformed record headers" if isinstance(exc, (AttributeError, KeyError)) else str(exc)
        yield ReadError(f"{path}#record{record_no + 1}", f"broken WARC record ({detail}); later records skipped")
        return
    if not found:
        yield ReadError(path, f"no HTML response records among {record_no} WARC records")
