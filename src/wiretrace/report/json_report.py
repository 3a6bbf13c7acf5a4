"""The JSON report: model objects in the report contract, validated against it.

The contract is documented in docs/report-format.md; fields are only ever added. Each object serialises itself
(`Article.to_report`, `Story.to_report`, the form the store keeps too); this module assembles and checks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Container, Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from wiretrace import __version__
from wiretrace.model import Article, Story

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


def report_head(run: dict[str, Any], errors: list[dict[str, str]]) -> dict[str, Any]:
    """Everything of the report but its articles and stories, in the report's key order."""
    return {
        "wiretrace_version": __version__,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "run": run,
        "errors": errors,
    }


def build_report(
    articles: list[Article],
    stories: list[Story | dict[str, Any]],
    errors: list[dict[str, str]],
    run: dict[str, Any],
) -> dict[str, Any]:
    """The JSON report: articles and stories as the model serialises them (`Article.to_report`, `Story.to_report`);
    a story may come already in that form (`Store.story_report`, what the store keeps)."""
    return {
        **report_head(run, errors),
        "articles": [a.to_report() for a in articles],
        "stories": [s.to_report() if isinstance(s, Story) else s for s in stories],
    }


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _part_schema(part: str) -> dict[str, Any]:
    """The schema of one part: the whole report with empty lists ("head"), one `articles[]`/`stories[]` item, or the
    schema a JSON pointer names (`#/$defs/story/properties/reuse/items`: one item of a story's list)."""
    full = schema()
    if part == "head":
        return full
    ref = part if part.startswith("#/") else f"#/$defs/{part}"  # a pointer: a schema inside another part
    return {"$schema": full["$schema"], "$id": full["$id"], "$defs": full["$defs"], "$ref": ref}


@lru_cache(maxsize=32)
def _compiled(part: str) -> Callable[[Any], Any]:
    import fastjsonschema

    return fastjsonschema.compile(_part_schema(part))


def _check(part: str, value: Any) -> None:
    """Raise jsonschema.ValidationError when `value` breaks its part of the contract.

    Checked by the schema compiled to Python (fastjsonschema: 0.17 s for a 1,000-article report where jsonschema
    takes 2.3 s); only a value it refuses goes through jsonschema, for its clearer message."""
    import fastjsonschema
    import jsonschema

    try:
        _compiled(part)(value)
    except fastjsonschema.JsonSchemaException as exc:
        jsonschema.validate(value, _part_schema(part))
        raise jsonschema.ValidationError(str(exc)) from exc  # jsonschema found nothing: the refusal stands


_LISTS = {"article": "articles", "story": "stories"}


def _named_check(part: str, value: Any, index: int) -> None:
    """`_check` of one article or story; the error names which one (its place in the report and its id)."""
    import jsonschema

    try:
        _check(part, value)
    except jsonschema.ValidationError as exc:
        name = value.get("id") if isinstance(value, dict) else None
        raise jsonschema.ValidationError(f"{_LISTS[part]}[{index}] ({name!r}): {exc.message}") from exc


class ReportChecker:
    """Checks a report part by part as it is written (head, then each article, then each story), so a report too
    large to hold is checked as fully as one held whole: the schema, and every story's articles in the report."""

    def __init__(self, head: dict[str, Any]) -> None:
        _check("head", {**head, "articles": [], "stories": []})
        self.article_ids: set[str] = set()
        self.n_stories = 0

    def article(self, article: dict[str, Any]) -> None:
        _named_check("article", article, len(self.article_ids))
        self.article_ids.add(article["id"])

    def story(self, story: dict[str, Any], known: Container[str] | None = None) -> None:
        """Check a story, and that its articles are in the report: among the articles checked so far, or in
        `known` (a page that shows stories before the article texts checks each against its own articles)."""
        _named_check("story", story, self.n_stories)
        self.members(story["id"], story["article_ids"], known)

    def members(self, story_id: str, article_ids: list[str], known: Container[str] | None = None) -> None:
        """The part of `story` that needs the whole report: its articles are in it (the schema is checked apart)."""
        import jsonschema

        self.n_stories += 1
        known = self.article_ids if known is None else known
        missing = [aid for aid in article_ids if aid not in known]
        if missing:
            raise jsonschema.ValidationError(f"story {story_id} names articles not in the report: {missing}")


# Stories are checked in worker processes when a report holds at least this many: starting a process and compiling
# the schema there costs about a second, which a few thousand stories' checks repay (they are most of the work).
PARALLEL_CHECK_MIN_STORIES = 2000
_CHECK_CHUNK = 200  # stories a worker checks per task
_CHECK_WINDOW = 2  # tasks in flight per worker: bounded look-ahead, so memory stays that of a few chunks


# A stored story text longer than this is checked field by field and item by item (`_check_large_story`): decoded
# whole, the 100 MB text of a story of 4,000 articles took 600 MB while the report was written.
LARGE_STORY_CHARS = 4_000_000


def _check_story_texts(texts: list[str]) -> list[tuple[str, list[str], str | None]]:
    """(id, article ids, what is wrong or None) of each story given as its JSON text."""
    import jsonschema

    out: list[tuple[str, list[str], str | None]] = []
    for text in texts:
        if len(text) > LARGE_STORY_CHARS:
            out.append(_check_large_story(text))
            continue
        story = json.loads(text)
        name = story.get("id") if isinstance(story, dict) else None
        try:
            _check("story", story)
        except jsonschema.ValidationError as exc:
            out.append((str(name), [], exc.message))
            continue
        out.append((story["id"], story["article_ids"], None))
    return out


def _check_large_story(text: str) -> tuple[str, list[str], str | None]:
    """`_check_story_texts` of one story without decoding it whole (`_StoryCheck`)."""
    check = _StoryCheck()
    check.feed(text)
    return check.result()


def _write_checked_pieces(out: Any, story: StoryPieces) -> tuple[str, list[str], str | None]:
    """Write a story stored in parts as one JSON object, checking each field as it passes."""
    check = _StoryCheck()
    out.write("{")
    for k, piece in enumerate(story.pieces()):
        check.feed("{" + piece + "}")
        out.write((", " if k else "") + piece)
    out.write("}")
    return check.result()


class _StoryCheck:
    """The story schema's verdict on a story fed as one or more JSON objects holding its fields: each array field
    whose schema asks only for its items' form is decoded and checked one item at a time against its item
    schema, and the rest of the story (those arrays left empty) against the story schema; the same verdict as
    checking the story decoded whole, in the memory of one item and the small fields."""

    def __init__(self) -> None:
        props = schema()["$defs"]["story"]["properties"]
        self.streamed = {k for k, p in props.items() if p.get("type") == "array" and set(p) == {"type", "items"}}
        self.shell: dict[str, Any] = {}
        self.wrong: str | None = None

    def feed(self, text: str) -> None:
        import jsonschema

        if self.wrong is not None:
            return
        for key, value in _top_level_fields(text, self.streamed):
            if isinstance(value, _Items):
                for k, item in enumerate(value):
                    try:
                        _check(f"#/$defs/story/properties/{key}/items", item)
                    except jsonschema.ValidationError as exc:
                        self.wrong = f"{key}[{k}]: {exc.message}"
                        return
                self.shell[key] = []
            else:
                self.shell[key] = value

    def result(self) -> tuple[str, list[str], str | None]:
        import jsonschema

        name = str(self.shell.get("id"))
        if self.wrong is not None:
            return name, [], self.wrong
        try:
            _check("story", self.shell)
        except jsonschema.ValidationError as exc:
            return name, [], exc.message
        return self.shell["id"], self.shell["article_ids"], None


_SPACE = re.compile(r"[ \t\n\r]*")


def _skip(text: str, i: int) -> int:
    return _SPACE.match(text, i).end()  # type: ignore[union-attr]  # matches the empty string at worst


class _Items:
    """The items of one array inside a JSON text, decoded one at a time as they are read; `end` is where the
    array's text ends once they all have been."""

    def __init__(self, text: str, start: int, decoder: json.JSONDecoder) -> None:
        self.text, self.start, self.decoder = text, start, decoder
        self.end: int | None = None

    def __iter__(self) -> Iterator[Any]:
        text = self.text
        i = _skip(text, self.start + 1)
        if text.startswith("]", i):
            self.end = i + 1
            return
        while True:
            item, i = self.decoder.raw_decode(text, i)
            yield item
            i = _skip(text, i)
            if text.startswith(",", i):
                i = _skip(text, i + 1)
            elif text.startswith("]", i):
                self.end = i + 1
                return
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, i)


def _top_level_fields(text: str, streamed: Container[str]) -> Iterator[tuple[str, Any]]:
    """(key, value) of the JSON object `text`, in order; an array under a key in `streamed` comes as `_Items`
    (read it before the next pair). Raises json.JSONDecodeError where `json.loads` would."""
    decoder = json.JSONDecoder()
    i = _skip(text, 0)
    if not text.startswith("{", i):
        raise json.JSONDecodeError("Expecting a story object", text, i)
    i = _skip(text, i + 1)
    if text.startswith("}", i):
        i += 1
    else:
        while True:
            if not text.startswith('"', i):
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, i)
            key, i = decoder.raw_decode(text, i)
            i = _skip(text, i)
            if not text.startswith(":", i):
                raise json.JSONDecodeError("Expecting ':' delimiter", text, i)
            i = _skip(text, i + 1)
            if key in streamed and text.startswith("[", i):
                items = _Items(text, i, decoder)
                yield key, items
                if items.end is None:
                    for _ in items:
                        pass
                i = items.end  # type: ignore[assignment]  # set once every item has been read
            else:
                value, i = decoder.raw_decode(text, i)
                yield key, value
            i = _skip(text, i)
            if text.startswith(",", i):
                i = _skip(text, i + 1)
            elif text.startswith("}", i):
                i += 1
                break
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
    if _skip(text, i) != len(text):
        raise json.JSONDecodeError("Extra data", text, i)


def _checked_story_texts(texts: Iterable[str | StoryPieces], workers: int,
                         ) -> Iterator[tuple[Any, str, list[str], str | None]]:
    """Each story text with its check (`_check_story_texts`), in order, checked in `workers` processes (spawned:
    the caller may hold model threads that a fork would copy) or in this one; a story in parts passes unchecked."""
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    broken = False  # set when the pool cannot take work: the rest is checked here

    def submitted(pool: ProcessPoolExecutor, chunk: list[str]) -> Future | None:
        nonlocal broken
        if not broken and isinstance(chunk[0], str):
            try:
                return pool.submit(_check_story_texts, chunk)
            except (BrokenProcessPool, RuntimeError):
                broken = True
        return None

    def checked(chunk: list[str], future: Future | None) -> Iterator[tuple[str, str, list[str], str | None]]:
        nonlocal broken
        if not isinstance(chunk[0], str):  # a story in parts, passed on unchecked: the writer checks it
            yield chunk[0], "", [], None
            return
        results = None
        if future is not None:
            try:
                results = future.result()
            except BrokenProcessPool:  # no worker could start (an embedding without a main module, say)
                broken = True
        if results is None:  # checked here instead: the same check, one core
            results = _check_story_texts(chunk)
        for text, one in zip(chunk, results, strict=True):
            yield (text, *one)

    chunks = _chunked(texts, _CHECK_CHUNK)
    if workers <= 1:
        for chunk in chunks:
            yield from checked(chunk, None)
        return
    import multiprocessing

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append((chunk, submitted(pool, chunk)))
            while len(pending) > workers * _CHECK_WINDOW or (pending and pending[0][1] is not None
                                                              and pending[0][1].done()):
                yield from checked(*pending.popleft())
        while pending:
            yield from checked(*pending.popleft())


def _chunked(items: Iterable[str | StoryPieces], size: int) -> Iterator[list[Any]]:
    """Texts `size` at a time; a story in parts is a chunk of its own (the writer checks it as it writes it)."""
    chunk: list[Any] = []
    for item in items:
        if not isinstance(item, str):
            if chunk:
                yield chunk
                chunk = []
            yield [item]
            continue
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def validate(report: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError when the report breaks the contract."""
    checker = ReportChecker({k: v for k, v in report.items() if k not in {"articles", "stories"}})
    for article in report["articles"]:
        checker.article(article)
    for story in report["stories"]:
        checker.story(story)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class StoryPieces(Protocol):
    """A stored story read a field at a time (`store.StoryParts`): its `"key": value` texts in order."""

    def pieces(self) -> Iterator[str]: ...


def write_json_parts(path: Path, head: dict[str, Any], articles: Iterable[dict[str, Any]],
                     stories: Iterable[dict[str, Any] | str | StoryPieces], workers: int = 1) -> tuple[int, int]:
    """Write the report as its parts come (checked on the way), one article or story a line, so a report of any
    size is written in the memory of a few stories; returns (articles, stories) written. A story may come as its
    JSON text (the store's stored form): it is written as it is and only decoded to be checked, in `workers`
    processes when there are several; or as its stored parts (`StoryPieces`), written and checked a field at a
    time.

    The file is the report object the schema describes (`json.load` reads it whole; a line-by-line reader finds
    each article and story on its own line). Written to a temporary file and moved into place only when complete
    and valid: a failed or killed run never leaves a half report under the name."""
    import jsonschema

    checker = ReportChecker(head)
    tmp = path.with_suffix(path.suffix + ".tmp")
    n_articles = n_stories = 0
    texts = (_dumps(s) if isinstance(s, dict) else s for s in stories)
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(_dumps(head)[:-1] + ',\n"articles":[')
            for article in articles:
                checker.article(article)
                out.write((",\n" if n_articles else "\n") + _dumps(article))
                n_articles += 1
            out.write('\n],\n"stories":[')
            for text, story_id, article_ids, wrong in _checked_story_texts(texts, workers):
                out.write(",\n" if n_stories else "\n")
                if not isinstance(text, str):  # stored in parts: checked as it is written
                    story_id, article_ids, wrong = _write_checked_pieces(out, text)
                else:
                    out.write(text)
                if wrong is not None:
                    raise jsonschema.ValidationError(f"stories[{n_stories}] ({story_id!r}): {wrong}")
                checker.members(story_id, article_ids)
                n_stories += 1
            out.write("\n]}\n")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return n_articles, n_stories


def write_json(report: dict[str, Any], path: Path) -> None:
    """Write (and check) a report held whole."""
    head = {k: v for k, v in report.items() if k not in {"articles", "stories"}}
    write_json_parts(path, head, report["articles"], report["stories"])
