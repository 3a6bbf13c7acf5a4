"""The run configuration every command starts from: defaults, or the TOML file given with `wiretrace --config FILE`.

The file is read once, when the option is parsed (a bad file is one usage error before any work), and each command
builds its `Context` from it, so `analyze`, `watch`, `serve`, `align` and `extract` follow the same settings.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING

from wiretrace.config import Config

if TYPE_CHECKING:
    from wiretrace.pipeline import Context

_loaded: list[Config] = []  # the configuration read from --config for this process (at most one)


def use_config_file(path: Path | None) -> None:
    """Read `path` (ConfigError naming the file and key when it cannot be used); None keeps the defaults."""
    _loaded.clear()
    if path is not None:
        _loaded.append(Config.from_file(path))


def run_config() -> Config:
    """A fresh copy of this run's configuration (a command may change its own copy, e.g. from its flags)."""
    return copy.deepcopy(_loaded[0]) if _loaded else Config()


def new_context() -> Context:
    from wiretrace.pipeline import Context

    return Context(config=run_config())
