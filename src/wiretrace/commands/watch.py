"""`wiretrace watch FEED_OR_SITEMAP... --every 15m --db FILE`: follow feeds over time and say what changed."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from wiretrace.commands.output import (
    CROSSLINGUAL_HELP,
    USAGE,
    error,
    exit_code,
    for_terminal,
    note,
    out,
    warning,
    write_stdout,
)


def _say(report: Any, json_out: bool) -> None:
    if json_out:
        write_stdout(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
        return
    stamp = time.strftime("%H:%M:%S")
    changes = (f"{len(report.new_stories)} new stories, {len(report.grown)} grew, "
               f"{len(report.new_conflicts)} with new conflicts")
    out.print(for_terminal(
        f"poll {report.poll} at {stamp}: {report.listed} items listed, {report.new_urls} new, {report.fetched} "
        f"fetched, {report.articles_new} new articles in {report.seconds:.1f} s; {changes}"))
    for s in report.new_stories:
        out.print(for_terminal(f"  new story {s['id']} ({s['n_articles']} articles): {s['title']}"))
    for s in report.grown:
        out.print(for_terminal(f"  grew {s['id']} {s['was']} -> {s['n_articles']} articles: {s['title']}"))
    for s in report.new_conflicts:
        out.print(for_terminal(f"  conflicts {s['id']} {s['was']} -> {s['n_conflicts']}: {s['title']}"))


def watch_command(
    sources: Annotated[list[str], typer.Argument(metavar="FEED_OR_SITEMAP",
                                                 help="URLs of RSS/Atom feeds, sitemaps or sitemap indexes.",
                                                 show_default=False)],
    db: Annotated[Path, typer.Option("--db", metavar="FILE", help="SQLite store to grow (created if absent).")]
    = Path("wiretrace.db"),
    every: Annotated[str, typer.Option("--every", metavar="DURATION",
                                       help="Time between the starts of two polls: 30s, 15m, 2h.")] = "15m",
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit (for cron).")] = False,
    polls: Annotated[int, typer.Option("--polls", metavar="N", help="Stop after N polls (0: until Ctrl-C).")] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per poll on stdout.")] = False,
    fetch_delay: Annotated[float | None, typer.Option(
        "--fetch-delay", metavar="SECONDS",
        help="Least time between two requests to one host (robots.txt Crawl-delay wins when longer).")] = None,
    singleton_claims: Annotated[bool, typer.Option(
        "--singleton-claims/--no-singleton-claims",
        help="Claims for one-article stories too (off: computed when a story gains a second article).")] = True,
    crosslingual: Annotated[bool, typer.Option("--crosslingual/--no-crosslingual", help=CROSSLINGUAL_HELP)] = True,
) -> None:
    """Follow feeds and sitemaps: fetch new items, analyse them into the store, say what changed.

    Ctrl-C stops after the poll in progress is stored (a second Ctrl-C stops at once; the next run completes
    whatever was left).

    \b
    Examples:
      wiretrace watch https://example.org/rss.xml https://example.com/sitemap.xml --every 15m --db news.db
      wiretrace watch https://example.org/rss.xml --once --db news.db   (from cron)
    """
    from wiretrace.commands.settings import new_context
    from wiretrace.fetch import is_url
    from wiretrace.fetch.watch import Watcher, parse_duration
    from wiretrace.store import Store
    from wiretrace.store.repository import StoreError

    try:
        period = parse_duration(every)
    except ValueError as exc:
        error(f"--every: {exc}")
        raise typer.Exit(USAGE) from None
    bad = [s for s in sources if not is_url(s)]
    if bad:
        error(f"{bad[0]}: not an http(s) URL (watch follows feeds and sitemaps on the web)")
        raise typer.Exit(USAGE)
    ctx = new_context()
    ctx.config.singleton_claims = singleton_claims
    if not crosslingual:
        ctx.config.crosslingual_embedder = "none"
    if fetch_delay is not None:
        ctx.config.fetch.delay = fetch_delay
    try:
        store = Store(db)
    except StoreError as exc:
        error(exc)
        raise typer.Exit(USAGE) from None

    stop = threading.Event()
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if in_main else None

    def on_interrupt(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        note("stopping after this poll is stored (Ctrl-C again to stop now)")

    if in_main:
        signal.signal(signal.SIGINT, on_interrupt)
    listings_ok = failures = 0
    try:
        with store:
            watcher = Watcher(sources, store, ctx)
            while not stop.is_set():
                started = time.monotonic()
                report = watcher.poll()
                for f in report.failures:
                    error(f)
                listings_ok += report.listings_ok
                failures += len(report.failures)
                _say(report, json_out)
                if once or (polls and watcher.polls >= polls):
                    break
                stop.wait(max(0.0, period - (time.monotonic() - started)))
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    if stop.is_set():
        warning(f"stopped by Ctrl-C after {watcher.polls} polls; everything fetched is in {db}")
    raise typer.Exit(exit_code(listings_ok, failures))
