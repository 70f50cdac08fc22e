"""Pattern 4.3.1 (单点入口): every client request enters through the API gateway.

A service that clients reach directly, without passing a gateway, bypasses the
gateway's routing, authentication and rate limiting. With several gateways (one
per client type, Pattern 4.3.2) each is an entry; anything else exposed is a bypass.
"""

from __future__ import annotations

from collections.abc import Iterable

from msatheory.basics.model import Architecture
from msatheory.errors import TheoryError, require_names
from msatheory.theory import Verdict, Witness, get

__all__ = ["check_single_entry", "exposed_services", "gateway_bypass"]


def exposed_services(arch: Architecture) -> list[str]:
    """The services marked as reachable by clients outside the system."""
    return sorted(name for name, s in arch.services.items() if s.exposed)


def _gateways(arch: Architecture, gateways: Iterable[str]) -> tuple[str, ...]:
    names = require_names(arch.name, "gateways", gateways)
    for name in names:
        if name not in arch.services:
            raise TheoryError(f"{arch.name}: the gateway {name!r} is not one of its services")
    return names


def gateway_bypass(arch: Architecture, gateways: Iterable[str] = ()) -> list[str]:
    """Exposed services that are not gateways.

    With no gateway named, a lone exposed service is the single entry and nothing
    bypasses it; when several are exposed, each is an entry of its own.
    """
    entries = _gateways(arch, gateways)
    exposed = exposed_services(arch)
    if not entries:
        return exposed if len(exposed) > 1 else []
    return [name for name in exposed if name not in entries]


def check_single_entry(arch: Architecture, gateways: Iterable[str] = ()) -> Verdict:
    """Pattern 4.3.1 (单点入口): all client requests pass through the API gateway(s).

    One witness per exposed service that is not a gateway.
    """
    entries = _gateways(arch, gateways)
    exposed = exposed_services(arch)
    if entries:
        summary = f"Gateways: {', '.join(entries)}; exposed services: {len(exposed)}."
        what = "bypasses the gateway"
    elif len(exposed) == 1:
        summary = f"No gateway is named; {exposed[0]}, the only exposed service, is the entry."
    else:
        summary = f"No gateway is named; {len(exposed)} services are exposed."
        what = "exposed without a gateway"
    witnesses = [
        Witness(what, (name,), f"clients reach {name} directly")
        for name in gateway_bypass(arch, entries)
    ]
    return Verdict(get("pattern", "4.3.1"), witnesses, summary)
