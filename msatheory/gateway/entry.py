"""Pattern 4.3.1 (单点入口): every client request enters through the API gateway.

A service that clients reach directly, without passing a gateway, bypasses the
gateway's routing, authentication and rate limiting. With several gateways (one
per client type, Pattern 4.3.2) each is an entry; anything else exposed is a bypass.

The pattern is in tension with Feature 1.2.3: one gateway is, by construction, one
service whose failure stops every client. Replicas make it survive an instance
failure, not a service failure (a bad release fails every replica); one gateway per
client type (Pattern 4.3.2) or cells reduce that. ``check_fault_isolation`` accepts
the only entry point when it has two or more replicas and states the trade-off in its
summary.
"""

from __future__ import annotations

from collections.abc import Iterable

from msatheory.basics.model import Architecture
from msatheory.errors import TheoryError, require_names
from msatheory.theory import Kind, get
from msatheory.theory.verdict import Verdict, Witness

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

    Parameters
    ----------
    arch : Architecture
        The architecture; a service with ``exposed=True`` is reachable by clients.
    gateways : iterable of str
        The services clients are meant to enter by (one per client type under
        Pattern 4.3.2). With none named, a lone exposed service is the entry.

    Returns
    -------
    Verdict
        On Pattern 4.3.1, with one ``"bypasses the gateway"`` witness per exposed
        service that is not a gateway (``"exposed without a gateway"`` when no gateway
        is named and several services are exposed); ``involves`` names the service.

    Raises
    ------
    TheoryError
        When a gateway named is not a service of ``arch``.

    Examples
    --------
    >>> from msatheory.basics.model import Architecture, Service
    >>> shop = Architecture([Service("gateway", calls=("orders",), exposed=True),
    ...                      Service("orders", exposed=True)], name="shop")
    >>> for witness in check_single_entry(shop, ["gateway"]).witnesses:
    ...     print(witness)
    bypasses the gateway: clients reach orders directly

    References
    ----------
    .. [1] Pattern 4.3.1 of the theory (单点入口).
    .. [2] C. Richardson, *Microservices Patterns*, Manning, 2018, ch. 8: the API
       gateway pattern.
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
    return Verdict(get(Kind.PATTERN, "4.3.1"), witnesses, summary)
