"""How every command speaks and exits: one home for stderr messages and exit codes.

Results go to stdout (or a file); everything meant for a person about the run (errors, warnings, a summary) goes to
stderr through `error`, `warning` and `note`, one line each. File names, URLs and article text can hold terminal
control sequences (an ANSI escape in a file name repaints the terminal), so every message passes `for_terminal`.

Exit codes (docs/cli.md):
    0  OK            everything asked for was done
    1  SOME_FAILED   the command ran, but some inputs failed (each named on stderr); the rest was done
    2  USAGE         a usage error, or nothing could be done (no input readable, no such store, bad option)
"""

from __future__ import annotations

import sys

from rich.console import Console

from wiretrace.ingest.errors import printable

OK = 0
SOME_FAILED = 1
USAGE = 2

err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)
out = Console(highlight=False, soft_wrap=True, markup=False, emoji=False)

def for_terminal(text: object, one_line: bool = True) -> str:
    """`text` with control characters shown as `\\xNN` escapes (line breaks too when `one_line`), so a
    hostile file name or URL cannot move the cursor, recolour the screen or split one message into two."""
    return printable(text, limit=None, one_line=one_line)


def error(message: object) -> None:
    """One line `error: ...` on stderr."""
    err.print("error: " + for_terminal(message))


def warning(message: object) -> None:
    """One line `warning: ...` on stderr."""
    err.print("warning: " + for_terminal(message))


def note(message: object) -> None:
    """One line about the run (a summary, where a file went) on stderr, so stdout stays for results."""
    err.print(for_terminal(message))


def exit_code(n_ok: int, n_failed: int) -> int:
    """The one rule: nothing done -> USAGE, something failed -> SOME_FAILED, else OK."""
    if n_ok == 0:
        return USAGE
    return SOME_FAILED if n_failed else OK


def write_stdout(line: str) -> None:
    """A result line (JSON Lines etc.) written as is: machine output is not escaped."""
    sys.stdout.write(line)


# Option help shared by `analyze` and `watch` (one wording for one switch).
CROSSLINGUAL_HELP = ("Find the same story across languages: a multilingual vector per article (about 60 ms of CPU "
                     "each), computed only once articles of another language are in reach (a one-language feed "
                     "pays nothing). Off: never computed, so translations are found by names and numbers alone.")
