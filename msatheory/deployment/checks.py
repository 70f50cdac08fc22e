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
    Check(get(Kind.STRATEGY, "7.1.3"), check_rollouts, ("rollouts",), advice=(
        "Choose maxSurge and maxUnavailable so that a pod stays available throughout, and "
        "give a container a readiness probe for the rollout to wait on (lesson 7a).")),
    Check(get(Kind.STRATEGY, "7.1.3"), check_budgets, ("rollouts",), advice=(
        "Set each PodDisruptionBudget so that it allows at least one eviction and keeps "
        "at least one pod, over a selector that matches the workload (lesson 7a).")),
)
