"""Run the pipeline (in this process, or through an executor such as Ray): read -> clean -> store -> cluster -> story stages -> store.

This is the only place (with the CLI and the web app) that wires stages to
the store. Each step commits on its own, so an interrupted run leaves the
store consistent and the next run picks up what is missing: unassigned
articles are clustered, stories without results are analysed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wiretrace.executors import Executor, LocalExecutor
from wiretrace.ingest import ReadError, read_paths
from wiretrace.model import Article, Story
from wiretrace.pipeline import Context, article_stages, run_story_stages, story_stages
from wiretrace.report.json_report import build_report, story_to_report
from wiretrace.store import Store

CLUSTER_STATE = "cluster"
BATCH = 64
FEATURIZE_CHUNK = 500  # articles per featurisation task: large enough to amortise a Ray task

# progress(step, advance, total): the CLI maps it to Rich progress bars.
Progress = Callable[[str, int, int | None], None]


def _no_progress(step: str, advance: int, total: int | None) -> None:
    return None


@dataclass
class AnalyzeResult:
    run_id: int
    article_ids: list[str] = field(default_factory=list)  # every article read in this run (new or known)
    new_article_ids: list[str] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    story_ids: list[str] = field(default_factory=list)  # stories holding this run's articles
    timings: dict[str, float] = field(default_factory=dict)


def clean_batch(batch: list[Article], ctx: Context) -> list[Article]:
    for _name, stage in article_stages():
        batch = stage(batch, ctx)
    for art in batch:
        art.compute_id()
    return batch


def _batches(paths: Iterable[str | Path], ctx: Context, result: AnalyzeResult) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for item in read_paths(paths, max_bytes=ctx.config.max_file_bytes):
        if isinstance(item, ReadError):
            result.errors.append(item)
            continue
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def ingest(
    paths: Iterable[str | Path],
    store: Store,
    run_id: int,
    ctx: Context,
    result: AnalyzeResult,
    progress: Progress,
    executor: Executor,
) -> None:
    """Read on the driver, clean through the executor, store each batch in one transaction."""
    seen: set[str] = set()
    for cleaned in executor.map(clean_batch, _batches(paths, ctx, result), ctx):
        keep: list[Article] = []
        for art in cleaned:
            for warning in art.metadata.get("warnings", []) or []:
                result.warnings.append(f"{art.source}: {warning}")
            if not art.text.strip():
                result.errors.append(ReadError(art.source, "no article text found after cleaning"))
                continue
            keep.append(art)
        result.new_article_ids.extend(store.add_articles(keep, run_id))
        for art in keep:
            if art.id not in seen:
                seen.add(art.id)
                result.article_ids.append(art.id)
        progress("read", len(cleaned), None)


def _featurize_chunk(chunk: list[Article], ctx: Context) -> list[Any]:
    from wiretrace import cluster

    return cluster.featurize_batch(chunk, ctx)


def cluster_pending(
    store: Store, run_id: int, ctx: Context, progress: Progress, executor: Executor | None = None
) -> set[str]:
    """Assign every unassigned stored article to a story; return the stories that changed.

    The per-article featurisation (no shared state) is mapped over the executor in chunks, so a Ray run spreads
    it over the workers; the assignment itself is sequential by design (arrival order decides ties).
    """
    from wiretrace import cluster

    pending = store.unassigned_article_ids()
    if not pending:
        return set()
    blob = store.load_state(CLUSTER_STATE)
    state = cluster.ClusterState.from_bytes(blob) if blob else cluster.ClusterState.empty(ctx.config)
    articles = store.get_articles(pending)
    new = [articles[i] for i in pending if i in articles]
    executor = executor or LocalExecutor()
    chunks = [new[i : i + FEATURIZE_CHUNK] for i in range(0, len(new), FEATURIZE_CHUNK)]
    prepared = [p for part in executor.map(_featurize_chunk, chunks, ctx) for p in part]
    update = cluster.assign(new, state, ctx, prepared=prepared)
    progress("cluster", len(pending), len(pending))
    return store.apply_clustering(run_id, CLUSTER_STATE, update.state.to_bytes(), update.assignments, update.events)


def analyse_story(story_id: str, article_ids: list[str], articles: dict[str, Article], ctx: Context) -> dict[str, Any]:
    """Pure: run the story stages on one story and return its report entry."""
    from wiretrace import cluster

    members = [articles[i] for i in article_ids if i in articles]
    title, summary = cluster.describe_story(members)
    story = Story(id=story_id, article_ids=[a.id for a in members], title=title, summary=summary)
    story = run_story_stages(story, articles, ctx)
    return story_to_report(story, [name for name, _ in story_stages()], articles)


def _analyse_item(item: tuple[str, list[str], dict[str, Article]], ctx: Context) -> dict[str, Any]:
    return analyse_story(item[0], item[1], item[2], ctx)


def analyse_pending(store: Store, run_id: int, ctx: Context, progress: Progress, executor: Executor) -> None:
    todo = store.stories_needing_analysis()

    def items() -> Iterator[tuple[str, list[str], dict[str, Article]]]:
        for sid in todo:
            ids = store.story_article_ids(sid)
            yield sid, ids, store.get_articles(ids)

    for story in executor.map(_analyse_item, items(), ctx):
        store.save_story(story, run_id)
        progress("stories", 1, len(todo))


def analyze(
    paths: list[str],
    store: Store,
    ctx: Context | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> AnalyzeResult:
    ctx = ctx or Context()
    executor = executor or LocalExecutor()
    progress = progress or _no_progress
    run_id = store.start_run([str(p) for p in paths])
    result = AnalyzeResult(run_id=run_id)
    status = "failed"
    try:
        t0 = time.perf_counter()
        ingest(paths, store, run_id, ctx, result, progress, executor)
        t1 = time.perf_counter()
        cluster_pending(store, run_id, ctx, progress, executor)
        t2 = time.perf_counter()
        analyse_pending(store, run_id, ctx, progress, executor)
        t3 = time.perf_counter()
        result.timings = {"read_clean_store": t1 - t0, "cluster": t2 - t1, "story_stages": t3 - t2}
        story_ids: list[str] = []
        for aid in result.article_ids:
            sid = store.story_of(aid)
            if sid and sid not in story_ids:
                story_ids.append(sid)
        result.story_ids = story_ids
        status = "ok" if result.article_ids else "no-articles"
    finally:
        store.finish_run(
            run_id,
            status,
            {"articles_read": len(result.article_ids), "articles_new": len(result.new_article_ids),
             "errors": len(result.errors), "stories": len(result.story_ids)},
            [str(e) for e in result.errors],
            result.timings,
        )
    return result


def report_for(store: Store, result: AnalyzeResult, ctx: Context) -> dict[str, Any]:
    """The JSON report for the stories holding this run's articles."""
    stories = []
    article_ids: list[str] = []
    for sid in result.story_ids:
        data = store.get_story(sid)
        if data:
            stories.append(data)
            article_ids.extend(i for i in data["article_ids"] if i not in article_ids)
    articles = store.get_articles(article_ids)
    run = {
        "id": result.run_id,
        "inputs": next((r["inputs"] for r in store.runs() if r["id"] == result.run_id), []),
        "counts": {"articles_read": len(result.article_ids), "articles_new": len(result.new_article_ids),
                   "errors": len(result.errors), "stories": len(stories)},
        "timings": result.timings,
        "stages": ["clean", "cluster"] + [name for name, _ in story_stages()],
        "embedder": ctx.embedder().name,
    }
    return build_report(
        [articles[i] for i in article_ids if i in articles],
        stories,
        [{"source": e.source, "reason": e.reason} for e in result.errors],
        run,
    )
