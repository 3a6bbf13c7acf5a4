"""The store as a product: `wiretrace stories`, `wiretrace report` and `wiretrace export`, over a store written by
`analyze` or `watch`, without re-running anything."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from wiretrace.commands.output import OK, USAGE, error, for_terminal, note, out, write_stdout

DB_HELP = "SQLite store written by `wiretrace analyze` or `wiretrace watch`."
SORTS = ("recent", "size", "conflicts", "independent")


def open_existing(db: Path):  # -> Store
    """The store at `db`, or a usage error: a read command never creates an empty store by mistake."""
    from wiretrace.store import Store
    from wiretrace.store.repository import StoreError

    if not db.is_file():
        error(f"{db}: no such store (run `wiretrace analyze ... --db {db}` first)")
        raise typer.Exit(USAGE)
    try:
        return Store(db)
    except StoreError as exc:
        error(exc)
        raise typer.Exit(USAGE) from None


def select_stories(store, words: str = "", entity: str = "", since: str = "", until: str = "",
                   min_articles: int = 1, sort: str = "recent") -> list[dict[str, Any]]:
    """The store's story rows kept by the filters, found and sorted as the web app's listing finds them
    (`report.views`: one home for both)."""
    from wiretrace.report import views

    rows = [r for r in store.list_stories() if (r["n_articles"] or 0) >= min_articles]
    if since:
        rows = [r for r in rows if (r["last_published"] or "") >= since]
    if until:
        rows = [r for r in rows if r["first_published"] and r["first_published"][: len(until)] <= until]
    keep = views.stories_with_entity(views.entity_index(store), entity) if entity.strip() else None
    return views.select_stories(rows, words, keep, sort)


def _dates(row: dict[str, Any]) -> str:
    first, last = row["first_published"] or "", row["last_published"] or ""
    return first if first == last else f"{first}…{last[5:] if last[:5] == first[:5] else last}"


def _n(value: Any) -> str:
    return "–" if value is None else str(value)


def stories_command(
    db: Annotated[Path, typer.Option("--db", metavar="FILE", help=DB_HELP)] = Path("wiretrace.db"),
    words: Annotated[str, typer.Option("--words", "-q", metavar="WORDS",
                                       help="Words that must all appear in the title or summary.")] = "",
    entity: Annotated[str, typer.Option("--entity", metavar="NAME",
                                        help="A person, place or organisation the story names.")] = "",
    since: Annotated[str, typer.Option("--since", metavar="DATE",
                                       help="Stories with an article published on or after DATE (YYYY-MM-DD).")] = "",
    until: Annotated[str, typer.Option("--until", metavar="DATE",
                                       help="Stories with an article published on or before DATE.")] = "",
    min_articles: Annotated[int, typer.Option("--min-articles", metavar="N",
                                              help="Stories of at least N articles.")] = 1,
    sort: Annotated[str, typer.Option("--sort", metavar="ORDER",
                                      help="recent | size | conflicts | independent.")] = "recent",
    limit: Annotated[int, typer.Option("--limit", metavar="N", help="Show at most N stories (0: all).")] = 50,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per story per line.")] = False,
) -> None:
    """List the stories in a store: size, independent origins, conflicts, dates, title.

    \b
    Examples:
      wiretrace stories --db news.db --sort size
      wiretrace stories --db news.db --entity "Petra Halvorsen" --since 2024-05-01 --min-articles 3
      wiretrace stories --db news.db -q "dam talks" --json
    """
    if sort not in SORTS:
        error(f"--sort {sort}: use one of {', '.join(SORTS)}")
        raise typer.Exit(USAGE)
    with open_existing(db) as store:
        rows = select_stories(store, words, entity, since, until, min_articles, sort)
    total = len(rows)
    if limit > 0:
        rows = rows[:limit]
    if json_out:
        for r in rows:
            write_stdout(json.dumps(r, ensure_ascii=False) + "\n")
        raise typer.Exit(OK)
    from rich.table import Table

    table = Table(show_lines=False, header_style="bold", pad_edge=False)
    table.add_column("story", no_wrap=True)
    table.add_column("articles", justify="right")
    table.add_column("independent", justify="right")
    table.add_column("conflicts", justify="right")
    table.add_column("published", no_wrap=True)
    table.add_column("title", overflow="fold")
    for r in rows:
        table.add_row(r["id"], str(r["n_articles"]), _n(r["n_independent"]), _n(r["n_conflicts"]), _dates(r),
                      for_terminal(r["title"] or ""))
    out.print(table)
    note(f"{len(rows)} of {total} stories" + (f" (--limit {limit})" if total > len(rows) else "") + f" in {db}")
    raise typer.Exit(OK)


def report_command(
    output: Annotated[Path, typer.Option("-o", "--output", metavar="FILE", help="Report file: .json or .html.",
                                         show_default=False)],
    db: Annotated[Path, typer.Option("--db", metavar="FILE", help=DB_HELP)] = Path("wiretrace.db"),
    story: Annotated[list[str] | None, typer.Option("--story", metavar="ID",
                                                    help="Only this story (repeat for more); default: every story.")]
    = None,
) -> None:
    """Write the JSON or HTML report of a store's stories as stored, without re-running anything.

    \b
    Examples:
      wiretrace report --db news.db -o news.html
      wiretrace report --db news.db --story 3f2a9c1d0b7e4a55 -o story.json
    """
    from jsonschema import ValidationError

    from wiretrace.pipeline import StoredReport, story_stages

    suffix = output.suffix.lower()
    if suffix not in {".json", ".html", ".htm"}:
        error(f"{output}: the report must end in .json or .html")
        raise typer.Exit(USAGE)
    with open_existing(db) as store, store.snapshot():
        ids = store.story_ids()
        if story:
            unknown = [s for s in story if s not in set(ids)]
            if unknown:
                error(f"{db}: no story {', '.join(unknown)} (see `wiretrace stories --db {db}`)")
                raise typer.Exit(USAGE)
            ids = list(story)
        runs = store.runs()
        run = {"id": runs[-1]["id"] if runs else None,
               "inputs": [i for r in runs for i in r["inputs"]][:1000],
               "counts": {"articles_read": 0, "articles_new": 0, "errors": 0},
               "stages": ["clean", "cluster"] + [st.name for st in story_stages()], "embedder": None}
        report = StoredReport(store, ids, run)
        run["counts"]["articles_read"] = len(report.article_ids)
        output.parent.mkdir(parents=True, exist_ok=True)
        try:
            n_articles, n_stories = report.write(output)  # streamed from the store, checked on the way
        except ValidationError as exc:
            error(f"{output}: not written: {db} holds results that break the report format: {exc.message}")
            raise typer.Exit(1) from None
    pending = len(dict.fromkeys(ids)) - n_stories
    note(f"{n_stories} stories, {n_articles} articles; report: {output}")
    if pending:
        error(f"{pending} stories have no stored results yet (an interrupted run): run `wiretrace analyze` "
              f"again on {db} to finish them")
        raise typer.Exit(1)
    raise typer.Exit(OK)


def export_command(
    output: Annotated[Path, typer.Option("-o", "--output", metavar="DIR", help="Folder for the tables.",
                                         show_default=False)],
    db: Annotated[Path, typer.Option("--db", metavar="FILE", help=DB_HELP)] = Path("wiretrace.db"),
    fmt: Annotated[str, typer.Option("--format", metavar="FORMAT", help="csv | jsonl | parquet.")] = "csv",
) -> None:
    """Export a store as tables: articles, stories, reuse_edges, origins, claims, conflicts (docs/export.md).

    \b
    Examples:
      wiretrace export --db news.db --format parquet -o tables/
      duckdb -c "SELECT relation, count(*) FROM 'tables/reuse_edges.parquet' GROUP BY 1"
    """
    from wiretrace.export import ExportError, check_format, export_store

    try:
        check_format(fmt)
    except ExportError as exc:
        error(exc)
        raise typer.Exit(USAGE) from None
    t0 = time.perf_counter()
    with open_existing(db) as store:
        written = export_store(store, fmt, output)
    for name, (path, n) in written.items():
        note(f"{name}: {n} rows -> {path}")
    note(f"exported {db} as {fmt} in {time.perf_counter() - t0:.1f} s")
    raise typer.Exit(OK)
