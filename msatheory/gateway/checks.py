"""Chapter 4's row of ``msatheory check``: Pattern 4.3.1, every client enters by a gateway."""

from __future__ import annotations

from msatheory.gateway.entry import check_single_entry
from msatheory.theory import Kind, get
from msatheory.theory.check import Check

__all__ = ["CHECKS"]

CHECKS = (Check(get(Kind.PATTERN, "4.3.1"), check_single_entry, ("architecture", "gateways")),)
