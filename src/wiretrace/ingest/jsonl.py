"""JSON and JSON Lines: one article per object.

Known fields: id, url, title, text or html, published, outlet, byline,
language; any other field is kept in `metadata`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from wiretrace.ingest.dates import normalize_date
from wiretrace.ingest.errors import ReadError
from wiretrace.model import Article

_KNOWN = {"id", "url", "title", "text", "html", "published", "date", "outlet", "source_name", "byline", "author",
          "authors", "language", "lang"}


def _clean_strings(value: Any) -> Any:
    """JSON may carry lone surrogates ("\\ud800") that no UTF-8 writer accepts: replace them."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(value) else value
    if isinstance(value, list):
        return [_clean_strings(v) for v in value]
    if isinstance(value, dict):
        return {_clean_strings(k): _clean_strings(v) for k, v in value.items()}
    return value


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def article_from_object(obj: Any, source: str) -> Article | ReadError:
    if not isinstance(obj, dict):
        return ReadError(source, f"expected a JSON object, got {type(obj).__name__}")
    obj = _clean_strings(obj)
    text, html = obj.get("text"), obj.get("html")
    if not (isinstance(text, str) and text.strip()) and not (isinstance(html, str) and html.strip()):
        return ReadError(source, "object has neither a non-empty 'text' nor 'html' field")
    byline = obj.get("byline", obj.get("author", obj.get("authors")))
    if isinstance(byline, str):
        byline = [b.strip() for b in byline.replace(" and ", ",").split(",") if b.strip()]
    elif isinstance(byline, list):
        byline = [str(b).strip() for b in byline if str(b).strip()]
    else:
        byline = []
    ext = obj.get("id")
    raw_published = obj.get("published", obj.get("date"))
    published = normalize_date(raw_published)
    art = Article(
        source=source,
        external_id=str(ext) if ext is not None else None,
        url=obj.get("url") if isinstance(obj.get("url"), str) else None,
        title=str(obj["title"]).strip() if obj.get("title") else None,
        outlet=str(obj.get("outlet") or obj.get("source_name") or "") or None,
        byline=byline,
        published=published,
        language=str(obj.get("language") or obj.get("lang") or "") or None,
        metadata={k: v for k, v in obj.items() if k not in _KNOWN},
    )
    if raw_published and not published:
        art.metadata["published_raw"] = raw_published
        art.metadata.setdefault("warnings", []).append(f"publication date {raw_published!r} is not a full date; ignored")
    if isinstance(html, str) and html.strip() and not (isinstance(text, str) and text.strip()):
        art.raw_html = html
    else:
        art.raw_text = text
    return art


_MAX_INT_DIGITS = 4000  # Python refuses int() of over 4,300 digits (CVE-2020-10735): keep such numbers as text


def _parse_int(digits: str) -> int | str:
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else digits


def _loads(text: str) -> Any:
    """json.loads that keeps an over-long integer as its digits instead of failing the whole record."""
    return json.loads(text, parse_int=_parse_int)


def read_jsonl(text: str, path: str) -> Iterator[Article | ReadError]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        source = f"{path}:{lineno}"
        try:
            obj = _loads(line)
        except json.JSONDecodeError as exc:
            yield ReadError(source, f"malformed JSON ({exc.msg} at column {exc.colno})")
            continue
        except RecursionError:
            yield ReadError(source, "JSON nested too deeply")
            continue
        except ValueError as exc:  # a number json cannot convert (e.g. a float beyond range in some parsers)
            yield ReadError(source, f"unreadable JSON value ({str(exc)[:80]})")
            continue
        yield from _safe_article(obj, source)


def _first_line_is_object(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        return isinstance(_loads(first), dict)
    except (ValueError, RecursionError):
        return False


def read_json(text: str, path: str) -> Iterator[Article | ReadError]:
    """A .json file: one object, a list of objects, or (commonly) JSON Lines."""
    try:
        data = _loads(text)
    except RecursionError:
        yield ReadError(path, "JSON nested too deeply")
        return
    except json.JSONDecodeError as exc:
        if _first_line_is_object(text):  # JSON Lines saved as .json
            yield from read_jsonl(text, path)
            return
        yield ReadError(path, f"malformed JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})")
        return
    except ValueError as exc:
        yield ReadError(path, f"unreadable JSON value ({str(exc)[:80]})")
        return
    if isinstance(data, list):
        for i, obj in enumerate(data):
            yield from _safe_article(obj, f"{path}#{i}")
    elif isinstance(data, dict) and isinstance(data.get("articles"), list):
        for i, obj in enumerate(data["articles"]):
            yield from _safe_article(obj, f"{path}#{i}")
    else:
        yield from _safe_article(data, path)


def _safe_article(obj: Any, source: str) -> Iterator[Article | ReadError]:
    """One record's article, or one error naming the record: an odd value never aborts the file."""
    try:
        yield article_from_object(obj, source)
    except (ValueError, TypeError, RecursionError, AttributeError) as exc:
        yield ReadError(source, f"unusable record ({type(exc).__name__})")
