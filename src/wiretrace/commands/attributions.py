"""`wiretrace attributions FILE... [--json]`: who said what in each file, with character spans.

Offsets index the file's text exactly as read (UTF-8 decoded, nothing
cleaned or normalised), so they can be scored against standoff annotations
such as PolNeAR's. Register with `app.command("attributions")(attributions_command)`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer


def attributions_command(
    files: Annotated[list[Path], typer.Argument(help="Text files to read (UTF-8, read as is).", exists=True,
                                                dir_okay=False, readable=True)],
    json_out: Annotated[bool, typer.Option("--json", help="One JSON line per file.")] = False,
) -> None:
    """Print the attributions (source, cue, content spans) found in each file.

    Example: wiretrace attributions story.txt --json
    """
    from wiretrace.claims.attributions import extract_attributions

    failed = False
    for path in files:
        try:
            # newline="" semantics: bytes decoded as UTF-8, no newline translation, so offsets match the file.
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            typer.echo(f"{path}: cannot read as UTF-8 text ({exc})", err=True)
            failed = True
            continue
        atts = extract_attributions(text)
        if json_out:
            record = {"file": str(path), "attributions": [a.to_json() for a in atts]}
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            typer.echo(f"{path}: {len(atts)} attributions")
            for a in atts:
                src = a.source.text if a.source else "(no source)"
                cue = a.cue.text if a.cue else ""
                typer.echo(f"  {src} | {cue} | {a.content.text}")
    if failed:
        raise typer.Exit(1)
