"""The pipeline in one place: which stages run, in what order, on what, and where the results go.

    read (driver) ─► article stages, mapped by the executor: clean ─► bound ─► analyse ─► cluster.fingerprint
                     ─► claims.parse
                 ─► store (articles + their analyses, one transaction per batch)
                 ─► cluster (sequential over the persisted state, from stored fingerprints)
                 ─► story stages for each changed story, mapped by the executor: align ─► provenance ─► claims
                 ─► store (the story, the new article-pair results, analyses that gained vectors or a parse)
                 ─► report (a view of what is stored)

Stages are pure: they take model objects and a `Context` and return model objects; they never touch the store,
files or the terminal, so the same stage runs in-process, in a test or inside a Ray task. Each stage declares what
it requires and what it assigns (like spaCy's `Language.factory(requires=…, assigns=…)`); `check_order` refuses an
order in which a stage would read what no earlier stage fills. Executors only map.

The driver keeps no progress in memory: it asks the store for unassigned articles and for stories whose results are
missing, so a run killed at any point is completed by the next one. Each step commits on its own.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wiretrace.config import Config
from wiretrace.executors import Executor, LocalExecutor
from wiretrace.ingest import ReadError
from wiretrace.ingest.errors import printable
from wiretrace.model import Article, Story
from wiretrace.store.repository import StoreError

ArticleStage = Callable[[list[Article], "Context"], list[Article]]
StoryStage = Callable[[Story, Mapping[str, Article], "Context"], Story]

CLUSTER_STATE = "cluster"
BATCH = 64  # articles per article-stage task (clean looks at lines repeated across one batch)
CLUSTER_CHUNK = 2000  # stored articles read into memory at once by the cluster step (decisions do not depend on it)
CLUSTER_COMMIT = 10_000  # articles the cluster step assigns per committed transaction (nor do they depend on this)
INPUTS = ("article.raw", "story.article_ids")  # what the driver itself provides


@dataclass
class Context:
    """Config plus lazily loaded models, loaded once per process (each Ray worker loads its own)."""

    config: Config = field(default_factory=Config)
    _cache: dict[str, Any] = field(default_factory=dict)

    def embedder(self):  # -> Embedder
        if "embedder" not in self._cache:
            from wiretrace.text.embed import get_embedder

            self._cache["embedder"] = get_embedder(self.config.embedder, self.config.device)
        return self._cache["embedder"]

    def multilingual_embedder(self):  # -> Embedder | None
        if "multilingual" not in self._cache:
            from wiretrace.text.embed import get_multilingual_embedder

            self._cache["multilingual"] = get_multilingual_embedder(self.config.multilingual_embedder)
        return self._cache["multilingual"]

    def nlp(self, ner: bool = True):  # -> spacy.Language | False
        """The spaCy pipeline named by `config.spacy_model`, trimmed for attribution (`ner`: with entities), loaded
        once per process; False, with one warning, when it cannot load (attribution then falls back to rules)."""
        from wiretrace.claims.attributions import load_nlp_or_rules

        model = self.config.spacy_model
        return self.cached(f"spacy:{model}:{'ner' if ner else 'no-ner'}", lambda: load_nlp_or_rules(model, ner))

    def cached(self, key: str, factory: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]

    def __getstate__(self) -> dict[str, Any]:
        # Models are loaded inside each worker, never pickled.
        return {"config": self.config, "_cache": {}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # An executor pickles the context with every task: a worker keeps one model cache per configuration, so
        # each worker loads spaCy and the taggers once, not once per task (a story task of ~50 ms paid ~0.2 s).
        # One slot: a worker that meets another configuration drops the models of the previous one.
        global _WORKER_CACHE
        key = repr(state["config"])
        if _WORKER_CACHE[0] != key:
            _WORKER_CACHE = (key, {})
        self.config = state["config"]
        self._cache = _WORKER_CACHE[1]


_WORKER_CACHE: tuple[str, dict[str, Any]] = ("", {})  # in a worker process: (configuration, its loaded models)


@dataclass(frozen=True)
class Stage:
    """One pipeline stage: its function and the model fields it reads and fills."""

    name: str
    fn: Callable[..., Any]
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    applies: Callable[[Story, Context], bool] | None = None  # story stages: whether it runs on this story
    # Article stages: work a story stage also does where it is missing, so an article on which this stage fails or
    # overruns keeps its place, without it, instead of being failed.
    optional: bool = False


def _analyse(batch: list[Article], ctx: Context) -> list[Article]:
    from wiretrace.analysis import analyse

    for art in batch:
        art.analysis = analyse(art)
        art.language = art.analysis.language  # short and non-Latin texts: the analysis reads it better than clean
    return batch


def _bound_text(batch: list[Article], ctx: Context) -> list[Article]:
    """Cut a cleaned text over the per-article budget at its last sentence end before the limit, with a warning.

    Here, before any per-article or story work, so that no later stage meets a text a library refuses (spaCy's
    E088 over 1,000,000 characters) or one whose cost grows past the per-input budget."""
    from wiretrace.ingest.budget import cut_at_sentence

    limit = ctx.config.max_article_chars
    for art in batch:
        if len(art.text) > limit:
            n = len(art.text)
            art.text = cut_at_sentence(art.text, limit)
            art.metadata.setdefault("warnings", []).append(
                f"text of {n} characters cut to {len(art.text)} at a sentence end (the per-article budget is "
                f"{limit} characters)")
    return batch


def article_stages() -> list[Stage]:
    from wiretrace import claims, cluster
    from wiretrace.clean import clean_articles

    return [
        Stage("clean", clean_articles, ("article.raw",), ("article.text", "article.metadata", "article.language")),
        Stage("bound", _bound_text, ("article.text",), ("article.text",)),
        Stage("analyse", _analyse, ("article.text", "article.language"), ("article.analysis", "article.language")),
        Stage("cluster.fingerprint", cluster.fingerprint_articles, ("article.analysis",),
              ("article.analysis.cluster",)),
        Stage("claims.parse", claims.parse_stage, ("article.analysis",), ("article.analysis.parse",), optional=True),
    ]


def story_stages() -> list[Stage]:
    from wiretrace import align, claims, entities, provenance, timeline

    return [
        Stage("align", align.run, align.REQUIRES, align.ASSIGNS),
        Stage("provenance", provenance.run, provenance.REQUIRES, provenance.ASSIGNS),
        Stage("claims", claims.run, claims.REQUIRES, claims.ASSIGNS,
              applies=lambda story, ctx: ctx.config.singleton_claims or len(story.article_ids) > 1),
        # Both read what claims leaves (claims, the stored parse), so they run where claims ran.
        Stage("timeline", timeline.run, timeline.REQUIRES, timeline.ASSIGNS,
              applies=lambda story, ctx: ctx.config.singleton_claims or len(story.article_ids) > 1),
        Stage("entities", entities.run, entities.REQUIRES, entities.ASSIGNS,
              applies=lambda story, ctx: ctx.config.singleton_claims or len(story.article_ids) > 1),
    ]


def check_order(stages: list[Stage], given: Iterable[str] = INPUTS) -> None:
    """Refuse an order in which a stage requires a field that no earlier stage assigns."""
    have = set(given)
    for st in stages:
        missing = [r for r in st.requires if not any(r == h or r.startswith(h + ".") for h in have)]
        if missing:
            raise RuntimeError(f"stage {st.name!r} requires {', '.join(missing)}, which no earlier stage assigns")
        have.update(st.assigns)


def pipeline_order() -> list[Stage]:
    """Every stage in the order the driver runs them (clustering between article and story stages)."""
    from wiretrace import cluster

    return article_stages() + [Stage("cluster", cluster.assign, ("article.analysis.cluster",),
                                     ("story.article_ids",))] + story_stages()


# -- per-item work, mapped by the executor --------------------------------------------------------------------------
FAILED = "wiretrace.failed"  # article.metadata key: why an article stage failed on this article (the driver reports it)


READ_STAGES = ("clean", "bound")  # after these an article's publication (its id) is known; the rest analyse it


def clean_batch(batch: list[Article], ctx: Context, through: str | None = None) -> list[Article]:
    """Article stages over one batch (clean, bound, analyse, fingerprint, claims' parse), or up to and including
    `through` (callers that never read claims stop at "cluster.fingerprint").

    Ids name the publication (`Article.compute_id`): the URL (given, or the page's own), else the outlet and
    content as read, so an id never depends on what else is in the batch. A stage that raises on the batch is run
    again on each article alone: the one that fails is marked (`metadata[FAILED]`, its text emptied) and skipped by
    later stages; the others go on."""
    read = read_batch(batch, ctx, through=through)
    if through in READ_STAGES:
        return read
    return analyse_read(ReadBatch(read), ctx, through=through)


def read_batch(batch: list[Article], ctx: Context, through: str | None = None) -> list[Article]:
    """The read stages (clean, bound) over one batch, then ids (see `clean_batch`); failed articles come last."""
    as_read = {id(art): art.as_read() for art in batch}
    failed: list[Article] = []
    batch = _run_stages([st for st in article_stages() if st.name in READ_STAGES], batch, ctx, failed, through)
    for art in batch + failed:
        art.compute_id(as_read.get(id(art)))
        art.raw_html = art.raw_text = None  # read: never needed again, and not carried back and forth by executors
    return batch + failed


@dataclass
class ReadBatch:
    """A read batch on its way to the analysis stages, with the publications the store holds analysed already:
    those are not analysed again (a feed read every hour repeats most of its items; `add_articles` would keep the
    stored analysis and drop the new one anyway)."""

    articles: list[Article]
    stored: frozenset[str] = frozenset()  # publication keys stored with an analysis of the current version


def analyse_read(item: ReadBatch, ctx: Context, through: str | None = None) -> list[Article]:
    """The analysis stages over a read batch's articles that need them, in the batch's order."""
    todo = [a for a in item.articles if not a.metadata.get(FAILED) and a.publication not in item.stored]
    sent = {id(a) for a in todo}
    failed: list[Article] = []
    todo = _run_stages([st for st in article_stages() if st.name not in READ_STAGES], todo, ctx, failed, through)
    back = {id(a) for a in todo}
    # The batch's order: skipped and read-failed articles as they were, analysed ones as the stages returned them
    # (in place when a stage kept the object, after the batch when it returned another), failed ones last.
    return ([a for a in item.articles if id(a) not in sent or id(a) in back]
            + [a for a in todo if id(a) not in sent] + failed)


def _run_stages(stages: list[Stage], batch: list[Article], ctx: Context, failed: list[Article],
                through: str | None) -> list[Article]:
    """`stages` in order over one batch, stopping after `through` when it is one of them."""
    for st in stages:
        batch = _run_article_stage(st, batch, ctx, failed)
        if st.name == through:
            break
    return batch


class OverTime(BaseException):  # noqa: N818 - like KeyboardInterrupt: stage code's `except Exception` must not eat it
    """An input or a story ran past its wall-clock budget (raised by `deadline`)."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise `OverTime` in this code if it runs over `seconds` of wall-clock time.

    SIGALRM interrupts Python code and the regex engine alike (a backtracking pattern on hostile text is the usual
    culprit), so one input never holds a batch for ever. Only the main thread receives signals: elsewhere (the web
    app's worker threads) and on platforms without setitimer this does nothing."""
    if (not seconds or seconds <= 0 or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return

    def fire(_signum: int, _frame: Any) -> None:
        raise OverTime(f"over {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _fail(art: Article, failed: list[Article], reason: str) -> list[Article]:
    art.metadata[FAILED] = reason
    art.text = ""
    failed.append(art)
    return []


def _last_line() -> str:
    """The exception being handled as one short line: its type and the first sentence of its message."""
    import sys

    exc = sys.exc_info()[1]
    text = " ".join(str(exc).split())
    first = text.split(". ")[0]
    return printable(f"{type(exc).__name__}: {first if len(first) >= 20 else text}", 200)


def _run_article_stage(st: Stage, batch: list[Article], ctx: Context, failed: list[Article]) -> list[Article]:
    """One stage over a batch, within the wall-clock budget; on a failure or overrun, again article by article (an
    article an optional stage cannot do goes on without it)."""
    if not batch:
        return batch
    per_input = ctx.config.max_input_seconds
    # A batch gets the budget of one input plus a little per article; a batch that overruns (one slow input, or a
    # slow machine) is rerun article by article, each with the budget of one input.
    allowed = per_input + 0.5 * len(batch) if len(batch) > 1 else per_input
    try:
        with deadline(allowed):
            return st.fn(batch, ctx)
    except OverTime:
        if len(batch) == 1:
            return batch if st.optional else _fail(batch[0], failed, f"{st.name} stage took over {per_input:.0f} s "
                                                   "(the per-input budget)")
    except Exception:  # noqa: BLE001 - find the article that broke it; the rest of the batch goes on
        if len(batch) == 1:
            return batch if st.optional else _fail(batch[0], failed, f"{st.name} stage failed: {_last_line()}")
    out: list[Article] = []
    for art in batch:
        out.extend(_run_article_stage(st, [art], ctx, failed))
    return out


@dataclass
class StoryWork:
    """What one story task needs: its members (with analyses) and the pair results stored so far."""

    story_id: str
    article_ids: list[str]
    articles: dict[str, Article]
    pair_results: dict[tuple[str, str], Any]


@dataclass
class StoryResult:
    """What one story task gives back to the driver to store."""

    story: Story | None  # the story with its stages' results (None when they failed)
    new_pairs: dict[tuple[str, str], Any]
    analyses: dict[str, Any]  # article id -> ArticleAnalysis that changed (new vectors, a parse)
    story_id: str = ""
    error: str | None = None  # the story stages failed: why (the story is marked, never retried until it changes)


def run_story_stages(story: Story, articles: Mapping[str, Article], ctx: Context) -> tuple[Story, list[str]]:
    """The story with every applicable story stage run, and the names of those that ran."""
    ran: list[str] = []
    for st in story_stages():
        if st.applies is None or st.applies(story, ctx):
            story = st.fn(story, articles, ctx)
            ran.append(st.name)
    return story, ran


def analyse_story(work: StoryWork, ctx: Context) -> StoryResult:
    """Pure: the story stages on one story; returns its report entry and what must be stored, or the failure
    (one line naming the stage's exception) so that one story never stops the others."""
    seconds = ctx.config.max_story_seconds
    try:
        with deadline(seconds):
            return _analyse_story(work, ctx)
    except OverTime:
        return StoryResult(None, {}, {}, story_id=work.story_id,
                           error=f"story stages took over {seconds:.0f} s (the per-story budget)")
    except Exception:  # noqa: BLE001 - a failed story is reported and marked, the run goes on
        return StoryResult(None, {}, {}, story_id=work.story_id, error=f"story stages failed: {_last_line()}")


def _analyse_story(work: StoryWork, ctx: Context) -> StoryResult:
    from wiretrace import cluster

    members = [work.articles[i] for i in work.article_ids if i in work.articles]
    title, summary = cluster.describe_story(members)
    story = Story(id=work.story_id, article_ids=[a.id for a in members], title=title, summary=summary,
                  pair_results=dict(work.pair_results))
    story, ran = run_story_stages(story, work.articles, ctx)
    story.stages = ran
    new_pairs = {k: v for k, v in (story.pair_results or {}).items() if k not in work.pair_results}
    changed = {a.id: a.analysis for a in members if a.analysis is not None and a.analysis.dirty}
    story.pair_results = None  # stored per article pair (new_pairs), never with the story
    return StoryResult(story, new_pairs, changed, story_id=work.story_id)


# -- the driver -----------------------------------------------------------------------------------------------------
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


def _batches(paths: Iterable[str | Path], ctx: Context, result: AnalyzeResult, store=None) -> Iterator[list[Article]]:
    from wiretrace.fetch.read import read_inputs  # URLs: the stored page, else fetched politely and stored

    batch: list[Article] = []
    for item in read_inputs(paths, store, ctx.config.fetch, max_bytes=ctx.config.max_file_bytes, budgets=ctx.config):
        if isinstance(item, ReadError):
            result.errors.append(item)
            continue
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def ingest(paths: Iterable[str | Path], store, run_id: int, ctx: Context, result: AnalyzeResult,
           progress: Progress, executor: Executor) -> None:
    """Read on the driver, run the article stages through the executor, store each batch in one transaction."""
    def to_analyse(read: Iterator[list[Article]]) -> Iterator[ReadBatch]:  # on the driver, between the two maps
        for arts in read:
            yield ReadBatch(arts, frozenset(store.analysed_publications(
                [a.publication for a in arts if a.publication and not a.metadata.get(FAILED)])))

    seen: set[str] = set()
    read = executor.map(read_batch, _batches(paths, ctx, result, store), ctx)
    for cleaned in executor.map(analyse_read, to_analyse(read), ctx):
        keep: list[Article] = []
        for art in cleaned:
            warnings = list(art.metadata.get("warnings", []) or [])
            failed = art.metadata.get(FAILED)
            if not failed and not art.text.strip():
                # One line: the error, with clean's own reasons (they say why no text is left) in it.
                result.errors.append(ReadError(art.source, "; ".join(warnings) or "no article text found after cleaning"))
                continue
            for warning in warnings:
                result.warnings.append(printable(f"{art.source}: {warning}", 500))
            if failed:
                result.errors.append(ReadError(art.source, str(failed)))
                continue
            keep.append(art)
        result.new_article_ids.extend(store.add_articles(keep, run_id))
        for art in keep:
            if art.id not in seen:
                seen.add(art.id)
                result.article_ids.append(art.id)
        progress("read", len(cleaned), None)


def cluster_pending(store, run_id: int, ctx: Context, progress: Progress, executor: Executor | None = None,
                    result: AnalyzeResult | None = None) -> set[str]:
    """Assign every unassigned stored article to a story; return the stories that changed.

    The clustering state lives in indexed store tables (`Store.cluster_index`): a step reads only what its
    articles need (their terms' frequencies and posting tails, their LSH buckets, their candidates' features) and
    writes only what changed, with the assignments and events, in one transaction (which also holds the reads, so
    concurrent runs serialise here). A step takes at most `CLUSTER_COMMIT` articles, in arrival order, and the
    next step reads the state the last one wrote: the decisions are those of one step over all of them (`assign`
    gives the same on a stored or an in-memory state), while what a run holds in memory follows the step, not the
    run (one 100,000-article step held ~8 KB an article). A run killed between steps keeps the steps it
    committed; the next run assigns the rest, with the same decisions. A store from before the tables kept the
    state as one blob; it is moved into the tables on first use (said in `result.warnings`).
    """
    executor = executor or LocalExecutor()
    touched: set[str] = set()
    tried: set[str] = set()  # ids a step already took: one that stays unassigned (unreadable) is not retried
    total: int | None = None
    while True:
        # One write transaction from reading the state to writing it back: a second run (or the web app's "add")
        # waits for it instead of assigning into the same state and overwriting this one's (a story silently split).
        with store.transaction():
            pending = [i for i in store.unassigned_article_ids() if i not in tried]
            if not pending:
                return store.existing_stories(touched)  # not those a later step's merge absorbed
            if total is None:
                total = len(pending)
            step = pending[:CLUSTER_COMMIT]
            tried.update(step)
            touched |= _cluster_step(store, step, run_id, ctx, progress, executor, result, total)


def _cluster_step(store, ids: list[str], run_id: int, ctx: Context, progress: Progress, executor: Executor,
                  result: AnalyzeResult | None, total: int) -> set[str]:
    from wiretrace import cluster

    index = store.cluster_index(CLUSTER_STATE)
    if index.imported and result is not None:
        result.warnings.append(f"{store.path}: the clustering state of {index.imported} articles was moved from one "
                               "blob into indexed tables (once; runs now read only what their articles need)")
    def xl_texts(ids: list[str]) -> list[str]:  # stored articles' cross-lingual leads, when clustering needs them
        found = store.get_articles(ids, analyses=False)
        return [cluster.xl_lead_of(found[i]) if i in found else "" for i in ids]

    # Articles are read and assigned a chunk at a time, in order: `assign` decides one article after another over
    # the same index, so the decisions are those of one call, while only a chunk of articles (texts and whole
    # analyses) is in memory; reading all 50,000 of a big first run at once took 3 GB.
    assignments: dict[str, str] = {}
    events: list[dict] = []
    for k in range(0, len(ids), CLUSTER_CHUNK):
        chunk = ids[k : k + CLUSTER_CHUNK]
        articles = store.get_articles(chunk)
        new = [articles[i] for i in chunk if i in articles]
        del articles
        missing = [a for a in new if a.analysis is None or a.analysis.cluster is None]
        if missing:  # a store written before fingerprints were kept, or a model change: fingerprint them once
            done = {a.id: a for part in executor.map(cluster.fingerprint_articles,
                                                     [missing[i : i + 500] for i in range(0, len(missing), 500)], ctx)
                    for a in part}
            new = [done.get(a.id, a) for a in new]
            store.save_analyses(list(done.values()))
        prepared = [cluster.prepared_from_print(a.analysis.cluster) for a in new]
        update = cluster.assign(new, index, ctx, prepared=prepared, xl_texts=xl_texts)
        assignments.update(update.assignments)  # in order: a later merge relabels an earlier chunk's articles
        events.extend(update.events)
        progress("cluster", len(chunk), total)
    return store.apply_clustering(run_id, CLUSTER_STATE, index, assignments, events)


def analyse_pending(store, run_id: int, ctx: Context, progress: Progress, executor: Executor,
                    result: AnalyzeResult | None = None) -> None:
    """Run the story stages on every story whose results are missing; store what each computed."""
    from wiretrace.align import pair_version

    todo = store.stories_needing_analysis()
    version = pair_version(ctx.embedder().name, ctx.config.align)
    outdated = 0

    def items() -> Iterator[StoryWork]:
        nonlocal outdated
        for sid in todo:
            ids = store.story_article_ids(sid)
            arts = store.get_articles(ids)
            outdated += sum(1 for a in arts.values() if a.analysis is None)
            yield StoryWork(sid, ids, arts, store.load_pair_results(ids, version))

    for res in executor.map(analyse_story, items(), ctx):
        if res.error is not None or res.story is None:
            store.mark_story_failed(res.story_id, res.error or "no result", run_id)
            if result is not None:
                result.errors.append(ReadError(f"story {res.story_id}", res.error or "no result"))
        else:
            store.save_story_results(res.story, run_id, res.new_pairs, version, res.analyses)
        progress("stories", 1, len(todo))
    if outdated and result is not None:
        result.warnings.append(f"{store.path}: {outdated} stored articles had no current analysis (a store from an "
                               "earlier wiretrace, or another analysis version): analysed now and stored")


def analyze(paths: list[str], store, ctx: Context | None = None, progress: Progress | None = None,
            executor: Executor | None = None) -> AnalyzeResult:
    """The whole job: read, article stages, store, cluster, story stages; one run recorded in the store."""
    ctx = ctx or Context()
    executor = executor or LocalExecutor()
    progress = progress or _no_progress
    check_order(pipeline_order())
    run_id = store.start_run([str(p) for p in paths])
    result = AnalyzeResult(run_id=run_id)
    status = "failed"
    try:
        t0 = time.perf_counter()
        ingest(paths, store, run_id, ctx, result, progress, executor)
        release_after_article_stages()
        t1 = time.perf_counter()
        cluster_pending(store, run_id, ctx, progress, executor, result)
        t2 = time.perf_counter()
        analyse_pending(store, run_id, ctx, progress, executor, result)
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
        try:
            store.finish_run(
                run_id,
                status,
                {"articles_read": len(result.article_ids), "articles_new": len(result.new_article_ids),
                 "errors": len(result.errors), "stories": len(result.story_ids)},
                [str(e) for e in result.errors],
                result.timings,
            )
        except StoreError:
            if status != "failed":
                raise
            # The step that failed (a full disk, say) is the error to show; the run stays `running` until the
            # next run marks it `interrupted`.
    return result


def release_after_article_stages() -> None:
    """What only the article stages read (the embedders' text caches) is dropped before clustering and the
    story stages, and the freed pages go back to the system: with the local executor the article stages ran in
    this process (issue 19: a 100,000-article run carried ~1.7 GB into clustering)."""
    from wiretrace.memory import return_free_memory
    from wiretrace.text.embed import release_caches

    release_caches()
    return_free_memory()


def report_for(store, result: AnalyzeResult, ctx: Context) -> dict[str, Any]:
    """The JSON report for the stories holding this run's articles, held whole (small runs, tests)."""
    return report_parts_for(store, result, ctx).as_dict()


def report_parts_for(store, result: AnalyzeResult, ctx: Context) -> StoredReport:
    """The report for the stories holding this run's articles, read from the store as it is written."""
    run = {
        "id": result.run_id,
        "inputs": next((r["inputs"] for r in store.runs() if r["id"] == result.run_id), []),
        "counts": {"articles_read": len(result.article_ids), "articles_new": len(result.new_article_ids),
                   "errors": len(result.errors)},
        "timings": result.timings,
        "stages": ["clean", "cluster"] + [st.name for st in story_stages()],
        "embedder": ctx.embedder().name,
    }
    return StoredReport(store, result.story_ids, run, [{"source": e.source, "reason": e.reason}
                                                       for e in result.errors])


def stored_report(store, story_ids: Iterable[str], run: dict[str, Any],
                  errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The JSON report for some stored stories, as stored (nothing re-run), held whole."""
    return StoredReport(store, story_ids, run, errors).as_dict()


class StoredReport:
    """The report over some stored stories, as stored (nothing re-run), read from the store part by part while it
    is written: a report over a 100,000-article store is written in the memory of one chunk of stories. Stories
    without stored results (pending after an interrupted run) are left out; `run["counts"]["stories"]` is filled.
    Read inside `store.snapshot()` when another run may write meanwhile."""

    def __init__(self, store, story_ids: Iterable[str], run: dict[str, Any],
                 errors: list[dict[str, str]] | None = None) -> None:
        from wiretrace.report.json_report import report_head

        self.store = store
        self.story_ids = store.stories_with_results(story_ids)
        run.setdefault("counts", {})["stories"] = len(self.story_ids)
        self.head = report_head(run, errors or [])
        self._article_ids: list[str] | None = None

    @property
    def article_ids(self) -> list[str]:
        """Every article of the stories, story by story, each once."""
        if self._article_ids is None:
            self._article_ids = self.store.story_member_ids(self.story_ids)
        return self._article_ids

    def stories(self) -> Iterator[dict[str, Any]]:
        return self.store.iter_story_reports(self.story_ids)

    def articles(self) -> Iterator[dict[str, Any]]:
        return (a.to_report() for a in self.store.iter_articles_by_id(self.article_ids))

    def stories_with_articles(self, chunk: int = 100) -> Iterator[tuple[dict[str, Any], dict[str, dict[str, Any]]]]:
        """Each story with its own articles (what one story's view reads), a chunk of stories at a time."""
        for start in range(0, len(self.story_ids), chunk):
            stories = list(self.store.iter_story_reports(self.story_ids[start : start + chunk]))
            ids = list(dict.fromkeys(aid for s in stories for aid in s["article_ids"]))
            articles = {a.id: a.to_report() for a in self.store.iter_articles_by_id(ids)}
            for story in stories:
                yield story, {aid: articles[aid] for aid in story["article_ids"] if aid in articles}

    def as_dict(self) -> dict[str, Any]:
        return {**self.head, "articles": list(self.articles()), "stories": list(self.stories())}

    def write(self, path: Path) -> tuple[int, int]:
        """Write the report to `path` (.json, else HTML), checked against the report's schema on the way (a
        report that breaks it raises `jsonschema.ValidationError` and nothing is written); returns (articles,
        stories) written."""
        from wiretrace.report.html_report import render_parts, write_html_parts
        from wiretrace.report.json_report import PARALLEL_CHECK_MIN_STORIES, ReportChecker, write_json_parts

        if path.suffix.lower() == ".json":
            workers = min(os.cpu_count() or 1, 4) if len(self.story_ids) >= PARALLEL_CHECK_MIN_STORIES else 1
            return write_json_parts(path, self.head, self.articles(), self.store.iter_story_entries(self.story_ids),
                                    workers)
        checker = ReportChecker(self.head)
        counts = [0, 0]

        def stories() -> Iterator[tuple[dict[str, Any], dict[str, dict[str, Any]]]]:
            for story, articles in self.stories_with_articles():
                checker.story(story, known=articles)
                counts[1] += 1
                yield story, articles

        def texts() -> Iterator[dict[str, Any]]:
            for article in self.articles():
                checker.article(article)
                counts[0] += 1
                yield article

        nav = self.store.story_summaries(self.story_ids)  # the rows `nav_row` makes, read without the stories
        write_html_parts(path, render_parts(self.head, nav, stories(), texts()))
        return counts[0], counts[1]
