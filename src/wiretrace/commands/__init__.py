"""CLI commands that live beside their stage; registered in wiretrace.cli.

A command whose module does not exist yet is simply not offered; an import
error inside an existing module is raised, never hidden.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable

_COMMANDS = [
    ("align", "wiretrace.commands.align", "align_command"),
    ("attributions", "wiretrace.commands.attributions", "attributions_command"),
    ("serve", "wiretrace.commands.serve", "serve_command"),
    ("stories", "wiretrace.commands.store", "stories_command"),
    ("report", "wiretrace.commands.store", "report_command"),
    ("export", "wiretrace.commands.store", "export_command"),
    ("watch", "wiretrace.commands.watch", "watch_command"),
]


def registered() -> list[tuple[str, Callable[..., object]]]:
    out = []
    for name, module_name, func_name in _COMMANDS:
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        out.append((name, getattr(module, func_name)))
    return out
