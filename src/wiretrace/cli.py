"""The `wiretrace` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from wiretrace import __version__

app = typer.Typer(
    name="wiretrace",
    help=(
        "Trace news stories back to their sources: clean text, group articles into stories, find who copied whom, "
        "and count the independent origins behind each claim.\n\n"
        "Example: wiretrace analyze articles/ -o report.html"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

DEFAULT_DB = Path("wiretrace.db")


def _version(value: bool) -> None:
    if value:
        print(f"wiretrace {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    """wiretrace: who copied whom in the news."""
    _log_to_stderr()


def _log_to_stderr() -> None:
    """Stages never print: they log. The command line shows their warnings on stderr, one line each."""
    import logging

    logger = logging.getLogger("wiretrace")
    if not any(getattr(h, "_wiretrace", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("warning: %(message)s"))
        handler._wiretrace = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)


def _progress() -> tuple[Progress, object]:
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    tasks: dict[str, int] = {}
    labels = {"read": "reading and cleaning", "cluster": "clustering", "stories": "analysing stories"}

    def update(step: str, advance: int, total: int | None) -> None:
        if step not in tasks:
            tasks[step] = bar.add_task(labels.get(step, step), total=total)
        bar.update(tasks[step], advance=advance, total=total)

    return bar, update


def _executor(name: str, workers: int):  # -> Executor
    from wiretrace.executors import LocalExecutor

    if name == "local":
        return LocalExecutor()
    if name == "process":
        from wiretrace.executors.process import ProcessExecutor

        return ProcessExecutor(workers=max(1, workers))
    if name == "ray":
        try:
            from wiretrace.executors.ray import RayExecutor
        except ImportError as exc:
            raise typer.BadParameter(f"Ray is not installed ({exc}); pip install 'wiretrace[scale]'") from exc
        return RayExecutor(num_cpus=workers)
    raise typer.BadParameter(f"unknown executor {name!r}: use 'local', 'process' or 'ray'")


def run_analyze(paths: list[str], output: Path, db: Path, executor: str = "local", workers: int = 2,
                singleton_claims: bool = True) -> int:
    """Shared by `analyze` and `demo`; returns the exit code."""
    from wiretrace.pipeline import Context, report_for
    from wiretrace.pipeline import analyze as run
    from wiretrace.report.html_report import write_html
    from wiretrace.report.json_report import validate, write_json
    from wiretrace.store import Store
    from wiretrace.store.repository import StoreError

    suffix = output.suffix.lower()
    if suffix not in {".json", ".html", ".htm"}:
        err.print(f"error: {output}: the report must end in .json or .html")
        return 2
    ctx = Context()
    ctx.config.singleton_claims = singleton_claims
    try:
        store = Store(db)
    except StoreError as exc:
        err.print(f"error: {exc}")
        return 2
    runner = _executor(executor, workers)
    with store:
        bar, update = _progress()
        try:
            with bar:
                result = run(paths, store, ctx, update, runner)
        finally:
            runner.close()
        for e in result.errors:
            err.print(f"error: {e}", markup=False)
        for w in result.warnings:
            err.print(f"warning: {w}", markup=False)
        report = report_for(store, result, ctx)
    validate(report)
    output.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        write_json(report, output)
    else:
        write_html(report, output)
    counts = report["run"]["counts"]
    err.print(
        f"{counts['articles_read']} articles read ({counts['articles_new']} new), {counts['stories']} stories, "
        f"{counts['errors']} errors; report: {output}; store: {db}",
        markup=False,
    )
    return 0 if result.article_ids else 2


@app.command()
def analyze(
    paths: Annotated[list[str], typer.Argument(help="Files or folders (.txt .html .json .jsonl .warc .rss .xml, .gz).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Report file: .json or .html.")],
    db: Annotated[Path, typer.Option("--db", help="SQLite store; a second run extends its stories.")] = DEFAULT_DB,
    executor: Annotated[str, typer.Option(
        "--executor", help="'local' (this process), 'process' (worker processes) or 'ray' (local Ray cluster).")] = "local",
    workers: Annotated[int, typer.Option("--workers", help="Worker processes or CPUs for 'process' and 'ray'.")] = 2,
    singleton_claims: Annotated[bool, typer.Option(
        "--singleton-claims/--no-singleton-claims",
        help="Extract claims for one-article stories too; off for a firehose (a story's claims are then computed "
             "when it gains a second article).")] = True,
) -> None:
    """Read, store and analyse articles; write a JSON or self-contained HTML report.

    Example: wiretrace analyze news/ more.jsonl -o report.html --db news.db
    Example (a feed of thousands): wiretrace analyze day.jsonl -o day.json --executor process --no-singleton-claims
    """
    raise typer.Exit(run_analyze(paths, output, db, executor, workers, singleton_claims))


@app.command()
def extract(
    files: Annotated[list[str], typer.Argument(help="Article files (any supported format).")],
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per article per line.")] = False,
) -> None:
    """Print the cleaned article(s) without storing them.

    Example: wiretrace extract page.html story.txt --json
    """
    from wiretrace.ingest import ReadError, read_paths
    from wiretrace.pipeline import Context, clean_batch

    ctx = Context()
    n_ok = 0
    for item in read_paths(files, max_bytes=ctx.config.max_file_bytes):
        if isinstance(item, ReadError):
            err.print(f"error: {item}", markup=False)
            continue
        art = clean_batch([item], ctx, through="clean")[0]
        for w in art.metadata.get("warnings", []) or []:
            err.print(f"warning: {art.source}: {w}", markup=False)
        n_ok += 1
        if json_out:
            sys.stdout.write(json.dumps(art.to_report(), ensure_ascii=False) + "\n")
        else:
            out.rule(art.source)
            out.print(f"title: {art.title}\noutlet: {art.outlet}\nbyline: {', '.join(art.byline)}\n"
                      f"dateline: {art.dateline}\npublished: {art.published}\nlanguage: {art.language}\n"
                      f"cited sources: {', '.join(art.cited_sources)}\nremoved blocks: {len(art.removed)}\n",
                      markup=False)
            out.print(art.text, markup=False)
    raise typer.Exit(0 if n_ok else 2)


@app.command()
def demo(
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the HTML report.")] = Path(
        "wiretrace-demo.html"
    ),
    db: Annotated[Path, typer.Option("--db", help="Store for the demo run.")] = Path("wiretrace-demo.db"),
) -> None:
    """Analyse the bundled (fictional) sample corpus and print a short summary.

    Example: wiretrace demo -o demo.html
    """
    from wiretrace.samples import corpus_path

    code = run_analyze([str(corpus_path())], output, db)
    if code == 0:
        _print_summary(db, output)
    raise typer.Exit(code)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _print_summary(db: Path, output: Path) -> None:
    from wiretrace.store import Store

    with Store(db) as store:
        for row in store.list_stories():
            story = store.get_story(row["id"]) or {}
            parts = [_plural(row["n_articles"], "article")]
            if story.get("independent_origins") is not None:
                origins = [o["name"] for o in story.get("origins", []) if not o.get("secondary")]
                parts.append(_plural(story["independent_origins"], "independent origin") + f" ({', '.join(origins)})")
            secondary = [o["name"] for o in story.get("origins", []) if o.get("secondary")]
            if secondary:
                parts.append("secondary: " + ", ".join(secondary))
            if story.get("conflicts") is not None:
                parts.append(_plural(len(story["conflicts"]), "conflict"))
            out.print(f"- {row['title']}  [{'; '.join(parts)}]", markup=False)
    out.print(f"HTML report: {output.resolve()}", markup=False)


def _register_optional() -> None:
    """Commands that live beside their stage."""
    from wiretrace.commands import registered

    for name, func in registered():
        app.command(name)(func)


_register_optional()


if __name__ == "__main__":
    app()
