"""Chapter 4, the API gateway (API网关): Pattern 4.3.1, the single entry point."""

from msatheory.gateway.checks import CHECKS
from msatheory.gateway.entry import check_single_entry, exposed_services, gateway_bypass

__all__ = ["CHECKS", "check_single_entry", "exposed_services", "gateway_bypass"]
