"""Chapter 1's rows of ``msatheory check``: Axiom 1.1.1 and Features 1.2.1-1.2.4."""

from __future__ import annotations

from msatheory.basics.features import (
    check_autonomy,
    check_fault_isolation,
    check_independence,
    check_independent_scaling,
    check_technology_diversity,
)
from msatheory.theory import Kind, get
from msatheory.theory.check import Check

__all__ = ["CHECKS"]

CHECKS = (
    Check(get(Kind.AXIOM, "1.1.1"), check_independence),
    Check(get(Kind.FEATURE, "1.2.1"), check_autonomy),
    Check(get(Kind.FEATURE, "1.2.2"), check_technology_diversity),
    Check(get(Kind.FEATURE, "1.2.3"), check_fault_isolation),
    Check(get(Kind.FEATURE, "1.2.4"), check_independent_scaling),
)
