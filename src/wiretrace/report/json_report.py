"""The JSON report: model objects in the report contract, validated against it.

The contract is documented in docs/report-format.md; fields are only ever added. Each object serialises itself
(`Article.to_report`, `Story.to_report`, the form the store keeps too); this module assembles and checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

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
    """The schema of one part: the whole report with empty lists ("head"), or one `articles[]`/`stories[]` item."""
    full = schema()
    if part == "head":
        return full
    return {"$schema": full["$schema"], "$id": full["$id"], "$defs": full["$defs"], "$ref": f"#/$defs/{part}"}


@lru_cache(maxsize=4)
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


def _check_story_texts(texts: list[str]) -> list[tuple[str, list[str], str | None]]:
    """(id, article ids, what is wrong or None) of each story given as its JSON text."""
    import jsonschema

    out: list[tuple[str, list[str], str | None]] = []
    for text in texts:
        story = json.loads(text)
        name = story.get("id") if isinstance(story, dict) else None
        try:
            _check("story", story)
        except jsonschema.ValidationError as exc:
            out.append((str(name), [], exc.message))
            continue
        out.append((story["id"], story["article_ids"], None))
    return out


def _checked_story_texts(texts: Iterable[str], workers: int) -> Iterator[tuple[str, str, list[str], str | None]]:
    """Each story text with its check (`_check_story_texts`), in order, checked in `workers` processes (spawned:
    the caller may hold model threads that a fork would copy) or in this one."""
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    broken = False  # set when the pool cannot take work: the rest is checked here

    def submitted(pool: ProcessPoolExecutor, chunk: list[str]) -> Future | None:
        nonlocal broken
        if not broken:
            try:
                return pool.submit(_check_story_texts, chunk)
            except (BrokenProcessPool, RuntimeError):
                broken = True
        return None

    def checked(chunk: list[str], future: Future | None) -> Iterator[tuple[str, str, list[str], str | None]]:
        nonlocal broken
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


def _chunked(items: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
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


def write_json_parts(path: Path, head: dict[str, Any], articles: Iterable[dict[str, Any]],
                     stories: Iterable[dict[str, Any] | str], workers: int = 1) -> tuple[int, int]:
    """Write the report as its parts come (checked on the way), one article or story a line, so a report of any
    size is written in the memory of a few stories; returns (articles, stories) written. A story may come as its
    JSON text (the store's stored form): it is written as it is and only decoded to be checked, in `workers`
    processes when there are several.

    The file is the report object the schema describes (`json.load` reads it whole; a line-by-line reader finds
    each article and story on its own line). Written to a temporary file and moved into place only when complete
    and valid: a failed or killed run never leaves a half report under the name."""
    import jsonschema

    checker = ReportChecker(head)
    tmp = path.with_suffix(path.suffix + ".tmp")
    n_articles = n_stories = 0
    texts = (s if isinstance(s, str) else _dumps(s) for s in stories)
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(_dumps(head)[:-1] + ',\n"articles":[')
            for article in articles:
                checker.article(article)
                out.write((",\n" if n_articles else "\n") + _dumps(article))
                n_articles += 1
            out.write('\n],\n"stories":[')
            for text, story_id, article_ids, wrong in _checked_story_texts(texts, workers):
                if wrong is not None:
                    raise jsonschema.ValidationError(f"stories[{n_stories}] ({story_id!r}): {wrong}")
                checker.members(story_id, article_ids)
                out.write((",\n" if n_stories else "\n") + text)
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
