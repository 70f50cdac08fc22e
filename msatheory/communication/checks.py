"""Chapter 5's rows of ``msatheory check``: Strategy 5.3.1, retries that do not multiply
along a path of calls and timeouts no shorter than the callee's own retries, and Strategy
5.3.2, synchronous calls guarded by a timeout or a circuit breaker. On a cluster with
Istio VirtualService or DestinationRule objects, each is checked on the sidecar's
policies (``resilience``), which replaces the calls' own view: there the proxy, not the
manifest, retries and times out the calls."""

from __future__ import annotations

from msatheory.communication.resilience import (
    check_retry_amplification,
    check_timeout_inversion,
    check_unguarded_calls,
)
from msatheory.theory import Kind, get
from msatheory.theory.check import Check

__all__ = ["CHECKS"]

_MESH = ("architecture", "resilience")

CHECKS = (
    Check(get(Kind.STRATEGY, "5.3.1"), check_retry_amplification, unless=("resilience",)),
    Check(get(Kind.STRATEGY, "5.3.1"), check_retry_amplification, _MESH),
    Check(get(Kind.STRATEGY, "5.3.1"), check_timeout_inversion, unless=("resilience",)),
    Check(get(Kind.STRATEGY, "5.3.1"), check_timeout_inversion, _MESH),
    Check(get(Kind.STRATEGY, "5.3.2"), check_unguarded_calls, unless=("resilience",)),
    Check(get(Kind.STRATEGY, "5.3.2"), check_unguarded_calls, _MESH),
)
