"""Chapter 7's rows of ``msatheory check``: Strategy 7.1.3 (滚动部署) on Kubernetes
manifests. Each Deployment's, StatefulSet's and DaemonSet's rollout, with its capacity
bounds and the rollouts that leave no pod available or count unready pods as available
(:func:`~msatheory.deployment.manifests.check_rollouts`); and each PodDisruptionBudget,
with those that block every eviction or protect nothing
(:func:`~msatheory.deployment.manifests.check_budgets`). A system with no rollout has no
``rollouts``, and both rows are skipped."""

from __future__ import annotations

from msatheory.deployment.manifests import check_budgets, check_rollouts
from msatheory.theory import Kind, get
from msatheory.theory.check import Check

__all__ = ["CHECKS"]

CHECKS = (
    Check(get(Kind.STRATEGY, "7.1.3"), check_rollouts, ("rollouts",)),
    Check(get(Kind.STRATEGY, "7.1.3"), check_budgets, ("rollouts",)),
)
