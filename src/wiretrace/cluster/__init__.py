"""cluster stage: incremental story clustering (see `incremental` for the method)."""

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
from wiretrace.cluster.state import ClusterState

__all__ = ["ClusterState", "ClusterUpdate", "Prepared", "assign", "featurize_batch", "fingerprint_articles",
           "prepared_from_print", "describe_story", "xl_lead_of"]
