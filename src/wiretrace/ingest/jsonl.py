"""JSON and JSON Lines: one article per object.

Known fields: id, url, title, text or html, published, outlet, byline,
language; any other field is kept in `metadata`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from wiretrace.ingest.errors import ReadError
from wiretrace.model import Article

_KNOWN = {"id", "url", "title", "text", "html", "published", "date", "outlet", "source_name", "byline", "author",
          "authors", "language", "lang"}


def article_from_object(obj: Any, source: str) -> Article | ReadError:
    if not isinstance(obj, dict):
        return ReadError(source, f"expected a JSON object, got {type(obj).__name__}")
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
    published = obj.get("published", obj.get("date"))
    art = Article(
        source=source,
        external_id=str(ext) if ext is not None else None,
        url=obj.get("url") if isinstance(obj.get("url"), str) else None,
        title=str(obj["title"]).strip() if obj.get("title") else None,
        outlet=str(obj.get("outlet") or obj.get("source_name") or "") or None,
        byline=byline,
        published=str(published) if published else None,
        language=str(obj.get("language") or obj.get("lang") or "") or None,
        metadata={k: v for k, v in obj.items() if k not in _KNOWN},
    )
    if isinstance(html, str) and html.strip() and not (isinstance(text, str) and text.strip()):
        art.raw_html = html
    else:
        art.raw_text = text
    return art


def read_jsonl(text: str, path: str) -> Iterator[Article | ReadError]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        source = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ReadError(source, f"malformed JSON ({exc.msg} at column {exc.colno})")
            continue
        yield article_from_object(obj, source)


def read_json(text: str, path: str) -> Iterator[Article | ReadError]:
    """A .json file: one object, a list of objects, or (commonly) JSON Lines."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos > 0 and text.lstrip().startswith("{") and "\n" in text.strip():
            yield from read_jsonl(text, path)
            return
        yield ReadError(path, f"malformed JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})")
        return
    if isinstance(data, list):
        for i, obj in enumerate(data):
            yield article_from_object(obj, f"{path}#{i}")
    elif isinstance(data, dict) and isinstance(data.get("articles"), list):
        for i, obj in enumerate(data["articles"]):
            yield article_from_object(obj, f"{path}#{i}")
    else:
        yield article_from_object(data, path)
