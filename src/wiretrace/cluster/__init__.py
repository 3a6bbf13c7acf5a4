"""cluster stage: incremental story clustering (see `incremental` for the method).

The names below load on first use: `wiretrace.config` imports `cluster.settings`, and importing this package must
not load the clustering code (its features import scikit-learn, about a second).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wiretrace.cluster.describe import describe_story
    from wiretrace.cluster.features import xl_lead_of
    from wiretrace.cluster.incremental import (
        ClusterUpdate,
        Prepared,
        assign,
        featurize_batch,
        fingerprint_articles,
        prepared_from_print,
    )
    from wiretrace.cluster.settings import ClusterSettings
    from wiretrace.cluster.state import ClusterState

_HOME = {
    "describe_story": "describe",
    "xl_lead_of": "features",
    "ClusterUpdate": "incremental",
    "Prepared": "incremental",
    "assign": "incremental",
    "featurize_batch": "incremental",
    "fingerprint_articles": "incremental",
    "prepared_from_print": "incremental",
    "ClusterSettings": "settings",
    "ClusterState": "state",
}

__all__ = ["ClusterSettings", "ClusterState", "ClusterUpdate", "Prepared", "assign", "featurize_batch",
           "fingerprint_articles", "prepared_from_print", "describe_story", "xl_lead_of"]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
