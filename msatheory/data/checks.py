"""Chapter 6's rows of ``msatheory check``: Def 6.3.1, how many copies of its data each
data store of a compose file or a set of Kubernetes manifests keeps, and the replication
settings that cannot work (:func:`~msatheory.data.storage.check_replication`). A file
with no data store has no ``storage``, and the row is skipped."""

from __future__ import annotations

from msatheory.data.storage import check_replication
from msatheory.theory import Kind, get
from msatheory.theory.check import Check

__all__ = ["CHECKS"]

CHECKS = (
    Check(get(Kind.DEFINITION, "6.3.1"), check_replication, ("storage",), advice=(
        "Make each replicated store's settings able to copy: a replication factor within "
        "the brokers, min.insync.replicas within it, one primary, members that exist "
        "(lesson 6b).")),
)
