"""`wiretrace serve`: the web app over a store (stories, provenance graph, compare, check a text)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def serve_command(
    db: Annotated[Path, typer.Option("--db", help="SQLite store written by `wiretrace analyze`.")] = Path("wiretrace.db"),
    host: Annotated[str, typer.Option("--host", help="Interface to listen on (keep 127.0.0.1 unless behind a proxy).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
) -> None:
    """Serve the web app over a store: stories, the provenance graph, side-by-side compare and "check a text".

    \b
    Example:
      wiretrace analyze news/ -o report.html --db news.db && wiretrace serve --db news.db
    """
    import uvicorn

    from wiretrace.commands.output import USAGE, error, note
    from wiretrace.web.app import create_app

    if not db.exists():
        error(f"{db}: no such store (run `wiretrace analyze ... --db {db}` first)")
        raise typer.Exit(USAGE)
    note(f"wiretrace: serving {db} on http://{host}:{port}/")
    uvicorn.run(create_app(db), host=host, port=port, log_level="warning")
