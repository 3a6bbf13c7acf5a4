"""The `wiretrace` command line."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from typer.core import TyperArgument, TyperCommand

from wiretrace import __version__
from wiretrace.commands.output import (
    CROSSLINGUAL_HELP,
    OK,
    USAGE,
    err,
    error,
    exit_code,
    for_terminal,
    note,
    out,
    warning,
)

app = typer.Typer(
    name="wiretrace",
    help=(
        "Trace news stories back to their sources: clean text, group articles into stories, find who copied whom, "
        "and count the independent origins behind each claim.\n\n"
        "\b\nExamples:\n  wiretrace analyze articles/ -o report.html\n  wiretrace stories --db wiretrace.db\n"
        "  wiretrace export --db wiretrace.db --format parquet -o tables/\n\n"
        "Exit status: 0 done, 1 some inputs failed (each named on stderr), 2 usage error or nothing could be done."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
DEFAULT_DB = Path("wiretrace.db")


def _version(value: bool) -> None:
    if value:
        out.print(f"wiretrace {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
    config: Annotated[Path | None, typer.Option(
        "--config", metavar="FILE", help="Settings file (TOML): thresholds, candidate counts and weight paths per "
        "stage; docs/settings.example.toml lists every key with its default.")] = None,
) -> None:
    """wiretrace: who copied whom in the news."""
    from wiretrace.commands.settings import use_config_file
    from wiretrace.config import ConfigError

    _log_to_stderr()
    try:
        use_config_file(config)
    except ConfigError as exc:
        error(exc)
        raise typer.Exit(USAGE) from None


def _log_to_stderr() -> None:
    """Stages never print: they log. The command line shows their warnings on stderr, one line each."""
    logger = logging.getLogger("wiretrace")
    if not any(getattr(h, "_wiretrace", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_TerminalFormatter("warning: %(message)s"))
        handler._wiretrace = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)


class _TerminalFormatter(logging.Formatter):
    """Log lines escaped like every other message (a stage may log a file name or URL)."""

    def format(self, record: logging.LogRecord) -> str:
        return for_terminal(super().format(record))


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


def read_url_list(path: Path) -> list[str]:
    """`--urls FILE`: one URL per line; blank lines and `#` comments skipped."""
    lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def run_analyze(paths: list[str], output: Path, db: Path, executor: str = "local", workers: int = 2,
                singleton_claims: bool = True, fetch_options: dict | None = None, crosslingual: bool = True) -> int:
    """Shared by `analyze` and `demo`; returns the exit code (0 all read, 1 some inputs failed, 2 nothing read)."""
    from jsonschema import ValidationError

    from wiretrace.commands.settings import new_context
    from wiretrace.pipeline import analyze as run
    from wiretrace.pipeline import report_parts_for
    from wiretrace.store import Store
    from wiretrace.store.repository import StoreError

    suffix = output.suffix.lower()
    if suffix not in {".json", ".html", ".htm"}:
        error(f"{output}: the report must end in .json or .html")
        return USAGE
    ctx = new_context()
    ctx.config.singleton_claims = singleton_claims
    if not crosslingual:
        ctx.config.crosslingual_embedder = "none"
    for key, value in (fetch_options or {}).items():
        if value is not None:
            setattr(ctx.config.fetch, key, value)
    try:
        store = Store(db)
    except StoreError as exc:
        error(exc)
        return USAGE
    runner = _executor(executor, workers)
    with store:
        bar, update = _progress()
        try:
            with bar:
                result = run(paths, store, ctx, update, runner)
            for e in result.errors:
                error(e)
            for w in result.warnings:
                warning(w)
            report = report_parts_for(store, result, ctx)
            output.parent.mkdir(parents=True, exist_ok=True)
            with store.snapshot():
                report.write(output)  # streamed from the store, checked on the way
        except StoreError as exc:  # the disk filled or a page broke mid-run: what was committed stays; one line
            error(exc)
            return USAGE
        except ValidationError as exc:  # stored results this version cannot report: the run itself is stored
            error(f"{output}: not written: {db} holds results that break the report format: {exc.message}")
            return 1
        finally:
            runner.close()
    counts = report.head["run"]["counts"]
    note(
        f"{counts['articles_read']} articles read ({counts['articles_new']} new), {counts['stories']} stories, "
        f"{counts['errors']} errors; report: {output}; store: {db}"
    )
    return exit_code(len(result.article_ids), len(result.errors))


URL_HELP = "Also read these URLs: a file with one URL per line (# starts a comment)."


@app.command()
def analyze(
    output: Annotated[Path, typer.Option("-o", "--output", metavar="FILE", help="Report file: .json or .html.",
                                         show_default=False)],
    paths: Annotated[list[str] | None, typer.Argument(
        metavar="PATH_OR_URL",
        help="Files, folders or http(s) URLs (.txt .html .json .jsonl .warc .rss .xml, .gz; a URL may be a page or "
             "a feed).", show_default=False)] = None,
    db: Annotated[Path, typer.Option("--db", metavar="FILE", help="SQLite store; a second run extends its stories.")]
    = DEFAULT_DB,
    urls: Annotated[Path | None, typer.Option("--urls", metavar="FILE", help=URL_HELP)] = None,
    executor: Annotated[str, typer.Option(
        "--executor", metavar="NAME",
        help="'local' (this process), 'process' (worker processes) or 'ray' (local Ray cluster).")] = "local",
    workers: Annotated[int, typer.Option("--workers", metavar="N",
                                         help="Worker processes or CPUs for 'process' and 'ray'.")] = 2,
    singleton_claims: Annotated[bool, typer.Option(
        "--singleton-claims/--no-singleton-claims",
        help="Extract claims for one-article stories too; off for a firehose (a story's claims are then computed "
             "when it gains a second article).")] = True,
    crosslingual: Annotated[bool, typer.Option("--crosslingual/--no-crosslingual", help=CROSSLINGUAL_HELP)] = True,
    fetch_delay: Annotated[float | None, typer.Option(
        "--fetch-delay", metavar="SECONDS",
        help="Least time between two requests to one host (robots.txt Crawl-delay wins when longer).")] = None,
    fetch_timeout: Annotated[float | None, typer.Option("--fetch-timeout", metavar="SECONDS",
                                                        help="Give up on a page after this long.")] = None,
) -> None:
    """Read, store and analyse articles; write a JSON or self-contained HTML report.

    Pages named by URL are fetched politely (robots.txt, a delay per host) and kept in the store, so a second
    run never fetches them again.

    \b
    Examples:
      wiretrace analyze news/ more.jsonl -o report.html --db news.db
      wiretrace analyze --urls links.txt https://example.org/story.html -o report.json
      wiretrace analyze day.jsonl -o day.json --executor process --no-singleton-claims   (a feed of thousands)
      wiretrace analyze mixed-feed.jsonl -o day.json --no-crosslingual   (never the multilingual vector)
    """
    inputs = list(paths or [])
    if urls is not None:
        try:
            inputs += read_url_list(urls)
        except OSError as exc:
            error(f"{urls}: cannot read the URL list ({exc.strerror or exc})")
            raise typer.Exit(USAGE) from None
    if not inputs:
        error("give at least one file, folder or URL (or --urls FILE); see wiretrace analyze --help")
        raise typer.Exit(USAGE)
    raise typer.Exit(run_analyze(inputs, output, db, executor, workers, singleton_claims,
                                 {"delay": fetch_delay, "timeout": fetch_timeout}, crosslingual))


@app.command()
def extract(
    files: Annotated[list[str], typer.Argument(metavar="FILE_OR_URL", help="Article files (any supported format) "
                                               "or URLs (fetched politely, not stored).", show_default=False)],
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per article per line.")] = False,
) -> None:
    """Print the cleaned article(s) without storing them.

    Example: wiretrace extract page.html story.txt --json
    """
    from wiretrace.commands.settings import new_context
    from wiretrace.fetch.read import read_inputs
    from wiretrace.ingest import ReadError
    from wiretrace.pipeline import clean_batch

    ctx = new_context()
    n_ok = n_failed = 0
    for item in read_inputs(files, None, ctx.config.fetch, max_bytes=ctx.config.max_file_bytes):
        if isinstance(item, ReadError):
            error(item)
            n_failed += 1
            continue
        art = clean_batch([item], ctx, through="clean")[0]
        for w in art.metadata.get("warnings", []) or []:
            warning(f"{art.source}: {w}")
        n_ok += 1
        if json_out:
            sys.stdout.write(json.dumps(art.to_report(), ensure_ascii=False) + "\n")
        else:
            out.rule(for_terminal(art.source))
            out.print(for_terminal(
                f"title: {art.title}\noutlet: {art.outlet}\nbyline: {', '.join(art.byline)}\n"
                f"dateline: {art.dateline}\npublished: {art.published}\nlanguage: {art.language}\n"
                f"cited sources: {', '.join(art.cited_sources)}\nremoved blocks: {len(art.removed)}\n",
                one_line=False))
            out.print(for_terminal(art.text, one_line=False))
    raise typer.Exit(exit_code(n_ok, n_failed))


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
    if code == OK:
        _print_summary(db, output)
    raise typer.Exit(code)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _print_summary(db: Path, output: Path) -> None:
    from wiretrace.store import Store

    with Store(db) as store:
        for row in store.list_stories():
            story = store.get_story(row["id"])
            parts = [_plural(row["n_articles"], "article")]
            origins = (story.origins if story is not None else None) or []
            if story is not None and story.independent_origins is not None:
                primary = [o.name for o in origins if not o.secondary]
                parts.append(_plural(story.independent_origins, "independent origin") + f" ({', '.join(primary)})")
            media = [o.name for o in origins if o.secondary and o.kind != "statement"]
            statements = [o.name for o in origins if o.secondary and o.kind == "statement"]
            if media:
                parts.append("secondary: " + ", ".join(media))
            if statements:
                parts.append("statements quoted: " + ", ".join(statements))
            if story is not None and story.conflicts is not None:
                parts.append(_plural(len(story.conflicts), "conflict"))
            out.print(for_terminal(f"- {row['title']}  [{'; '.join(parts)}]"))
    out.print(for_terminal(f"HTML report: {output.resolve()}"))


class _Command(TyperCommand):
    """Typer's command with arguments shown the way click shows them: `[PATH]...` in the usage line and the
    metavar alone in the help (Typer would print `{paths}... <list[str]>`)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for param in self.params:
            if isinstance(param, TyperArgument):
                param.metavar = param.metavar or (param.name or "arg").upper()
                usage = param.metavar if param.required else f"[{param.metavar}]"
                usage += "..." if param.nargs != 1 else ""
                param._usage_display_name = lambda usage=usage: usage  # type: ignore[method-assign]
                param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]


def _register_optional() -> None:
    """Commands that live beside their stage, or in commands/ (store tools, watch)."""
    from wiretrace.commands import registered

    for name, func in registered():
        app.command(name)(func)
    for info in app.registered_commands:
        info.cls = _Command


_register_optional()


if __name__ == "__main__":
    app()
