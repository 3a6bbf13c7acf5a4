"""cluster stage: incremental story clustering (see `incremental` for the method)."""

from wiretrace.cluster.describe import describe_story
from wiretrace.cluster.incremental import ClusterUpdate, assign
from wiretrace.cluster.state import ClusterState

__all__ = ["ClusterState", "ClusterUpdate", "assign", "describe_story"]
