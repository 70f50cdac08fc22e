"""Chapter 2's rows of ``msatheory check``: Principle 2.1.1, Theorem 2.1.1 and Principle
2.3.1, run when the file gives each service's functions."""

from __future__ import annotations

from msatheory.design.boundary import check_separation, check_single_responsibility
from msatheory.design.sizing import check_granularity
from msatheory.theory import get
from msatheory.theory.check import Check
from msatheory.theory.statement import Kind

__all__ = ["CHECKS"]

CHECKS = (
    Check(get(Kind.PRINCIPLE, "2.1.1"), check_single_responsibility, ("design",), advice=(
        "Split a service that spans several domains along the domains' boundaries "
        "(lesson 2b).")),
    Check(get(Kind.THEOREM, "2.1.1"), check_separation, ("design",), advice=(
        "Give each function claimed twice to one service; the other calls it or "
        "subscribes to its events (lesson 2a).")),
    Check(get(Kind.PRINCIPLE, "2.3.1"), check_granularity, ("design", "bounds"), advice=(
        "Split a service above the granularity bounds and merge one below them into the "
        "service it calls most (lesson 2b).")),
)
