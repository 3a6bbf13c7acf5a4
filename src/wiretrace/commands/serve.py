"""`wiretrace serve`: the web app over a store (stories, provenance graph, compare, check a text)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def serve_command(
    db: Annotated[Path, typer.Option("--db", help="SQLite store written by `wiretrace analyze`.")] = Path("wiretrace.db"),
    host: Annotated[str, typer.Option("--host", help="Interface to listen on (keep 127.0.0.1 unless behind a proxy; "
                                                     "any other address requires a token).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
) -> None:
    """Serve the web app over a store: stories, the provenance graph, side-by-side compare and "check a text".

    Bound beyond loopback (e.g. --host 0.0.0.0) it prints a warning and requires a token on every request
    (WIRETRACE_TOKEN, or one generated and printed). A read-only store is served read-only.

    \b
    Example:
      wiretrace analyze news/ -o report.html --db news.db && wiretrace serve --db news.db
    """
    import secrets

    import uvicorn

    from wiretrace.commands.output import USAGE, error, note, warning
    from wiretrace.commands.settings import run_config
    from wiretrace.store import Store
    from wiretrace.store.repository import StoreError
    from wiretrace.web.app import create_app, is_loopback
    from wiretrace.web.server import server_config

    if not db.exists():
        error(f"{db}: no such store (run `wiretrace analyze ... --db {db}` first)")
        raise typer.Exit(USAGE)
    try:
        with Store(db) as store:
            readonly = store.readonly
            problems = store.check()
    except StoreError as exc:
        error(exc)
        raise typer.Exit(USAGE) from None
    for line in problems:
        warning(f"{line}; pages that meet a damaged part will fail")
    if readonly:
        warning(f"{db}: read-only here; serving it for viewing ('add to store' is off)")
    token = None
    if not is_loopback(host):
        token = run_config().web_token or secrets.token_urlsafe(24)
        shown = "localhost" if host in {"0.0.0.0", "::", ""} else host
        warning(f"serving on {host}, reachable beyond this machine; every request needs the token. "
                f"Open http://{shown}:{port}/?token={token} once (or send 'Authorization: Bearer {token}'); set "
                "WIRETRACE_TOKEN to choose it. There is no TLS: put a proxy with HTTPS in front for real use.")
    try:
        app = create_app(db, host=host, token=token, config=run_config())
    except StoreError as exc:
        error(exc)
        raise typer.Exit(USAGE) from None
    note(f"wiretrace: serving {db} on http://{host}:{port}/")
    uvicorn.Server(server_config(app, host, port)).run()
