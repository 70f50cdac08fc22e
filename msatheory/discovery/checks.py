"""Chapter 3's row of ``msatheory check``: Algorithm 3.2.2's precondition, that every
service declares a health check."""

from __future__ import annotations

from msatheory.discovery.coverage import check_health_coverage
from msatheory.theory import Kind, get
from msatheory.theory.check import Check

__all__ = ["CHECKS"]

CHECKS = (Check(get(Kind.ALGORITHM, "3.2.2"), check_health_coverage, advice=(
    "Declare a health check for every service, so that the registry stops sending it "
    "requests when it cannot serve them (lesson 3a).")),)
