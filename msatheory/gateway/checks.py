"""Chapter 4's rows of ``msatheory check``: Pattern 4.3.1, every client enters by a gateway;
and, on a cluster with Ingress or HTTPRoute objects, Def 4.1.2 on its routing rules and
Pattern 4.3.1 on what clients reach beside them, which replaces the architecture's view
(there the Ingress backends are the exposed services, and the Ingress is the gateway)."""

from __future__ import annotations

from msatheory.gateway.entry import check_single_entry
from msatheory.gateway.ingress import check_gateway_entry, check_routing
from msatheory.theory import Kind, get
from msatheory.theory.check import Check

__all__ = ["CHECKS"]

_ENTRY = ("Stop exposing the services the witnesses name; route clients to them through the "
          "gateway, where authentication and rate limits apply (lesson 4a).")

CHECKS = (
    Check(get(Kind.PATTERN, "4.3.1"), check_single_entry, ("architecture", "gateways"),
          unless=("routing",), advice=_ENTRY),
    Check(get(Kind.DEFINITION, "4.1.2"), check_routing, ("routing",), advice=(
        "Reorder or narrow the rules the witnesses name, so that each request meets the "
        "rule meant for it and each rule's backend exists (lesson 4a).")),
    Check(get(Kind.PATTERN, "4.3.1"), check_gateway_entry, ("routing",), advice=_ENTRY),
)
