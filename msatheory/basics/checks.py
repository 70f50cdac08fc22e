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
    Check(get(Kind.AXIOM, "1.1.1"), check_independence, advice=(
        "Break each cycle of synchronous calls: turn one call into an event, or merge the "
        "services that cannot work apart (lesson 1a).")),
    Check(get(Kind.FEATURE, "1.2.1"), check_autonomy, advice=(
        "Give each shared data store one owner; the others read through the owner's API "
        "or keep a copy fed by its events (lesson 1a).")),
    Check(get(Kind.FEATURE, "1.2.2"), check_technology_diversity, advice=(
        "Ship each service in a deployment unit of its own, so that it can change its "
        "stack without releasing the others (lesson 1a).")),
    Check(get(Kind.FEATURE, "1.2.3"), check_fault_isolation, advice=(
        "Soften the hard calls the witness names (a timeout and a fallback, or an "
        "event), and run the only entry point with two or more replicas (lesson 1b).")),
    Check(get(Kind.FEATURE, "1.2.4"), check_independent_scaling, advice=(
        "Ship each service in a deployment unit of its own, so that its replicas can be "
        "added alone (lesson 1a).")),
)
