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

_AMPLIFICATION = ("Retry at one layer of the path only, with a retry budget, so that one "
                  "failure deep down is not tried again at every hop (lesson 5b).")
_INVERSION = ("Give each caller a timeout longer than what its callee may spend on its own "
              "calls, retries included, or shorten the callee's (lesson 5b).")
_UNGUARDED = ("Guard each call with a timeout, and a circuit breaker where the callee can "
              "be slow for long (lesson 5b).")

CHECKS = (
    Check(get(Kind.STRATEGY, "5.3.1"), check_retry_amplification, unless=("resilience",),
          advice=_AMPLIFICATION),
    Check(get(Kind.STRATEGY, "5.3.1"), check_retry_amplification, _MESH,
          advice=_AMPLIFICATION),
    Check(get(Kind.STRATEGY, "5.3.1"), check_timeout_inversion, unless=("resilience",),
          advice=_INVERSION),
    Check(get(Kind.STRATEGY, "5.3.1"), check_timeout_inversion, _MESH, advice=_INVERSION),
    Check(get(Kind.STRATEGY, "5.3.2"), check_unguarded_calls, unless=("resilience",),
          advice=_UNGUARDED),
    Check(get(Kind.STRATEGY, "5.3.2"), check_unguarded_calls, _MESH, advice=_UNGUARDED),
)
