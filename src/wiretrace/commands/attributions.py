"""`wiretrace attributions FILE... [--json]`: who said what in each file, with character spans.

Offsets index the file's text exactly as read (UTF-8 decoded, nothing
cleaned or normalised), so they can be scored against standoff annotations
such as PolNeAR's. Register with `app.command("attributions")(attributions_command)`.
"""

from __future__ import annotations

import json
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
    from wiretrace.commands.output import error, exit_code, for_terminal, out, write_stdout
    from wiretrace.commands.settings import new_context

    nlp = new_context().nlp(ner=False)
    n_ok = n_failed = 0
    for path in files:
        try:
            # newline="" semantics: bytes decoded as UTF-8, no newline translation, so offsets match the file.
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            error(f"{path}: cannot read as UTF-8 text ({exc})")
            n_failed += 1
            continue
        n_ok += 1
        atts = extract_attributions(text, nlp=nlp)
        if json_out:
            record = {"file": str(path), "attributions": [a.to_json() for a in atts]}
            write_stdout(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            out.print(for_terminal(f"{path}: {len(atts)} attributions"))
            for a in atts:
                src = a.source.text if a.source else "(no source)"
                cue = a.cue.text if a.cue else ""
                out.print(for_terminal(f"  {src} | {cue} | {a.content.text}"))
    code = exit_code(n_ok, n_failed)
    if code:
        raise typer.Exit(code)
