"""Pattern 4.3.2 (BFF模式): a dedicated gateway for each type of client.

One general-purpose gateway (Pattern 4.3.1 alone) exposes each service's resources
whole: a screen calls every resource it shows, one round trip per dependency level over
the client's own network, and receives every field whether it shows it or not. A backend
for frontend (BFF) serves one client type: the screen makes one call, the BFF fans out
over the data centre's network (Function 4.2.2) and returns only the fields the screen
shows. :func:`screen_cost` measures both designs for a :class:`Screen` by calls, round
trips, bytes received against bytes needed (over-fetching) and latency;
:func:`check_backend_for_frontend` checks an architecture against the pattern.

Latency is round trips times the link's round-trip time plus bytes over its bandwidth,
the first-order model of an HTTP exchange (no TCP slow start, no server time), with
every figure a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import networkx as nx

from msatheory.basics.model import Architecture
from msatheory.errors import TheoryError, require_instance, require_name, require_number
from msatheory.theory import Kind, get
from msatheory.theory.verdict import Verdict, Witness

__all__ = [
    "DESIGNS",
    "Link",
    "Resource",
    "Screen",
    "ScreenCost",
    "check_backend_for_frontend",
    "screen_cost",
]

#: The two designs :func:`screen_cost` measures.
DESIGNS = ("one gateway", "backend for frontend")


@dataclass(frozen=True)
class Resource:
    """What one endpoint of ``service`` returns: its ``fields``, each with its size in bytes."""

    name: str
    service: str
    fields: Mapping[str, int]

    def __post_init__(self) -> None:
        owner = f"Resource({self.name!r})"
        require_name(owner, "name", self.name)
        require_name(owner, "service", self.service)
        if not isinstance(self.fields, Mapping) or not self.fields:
            raise TheoryError(f"{owner}: fields must map each field to its size in bytes, "
                              f"not {self.fields!r}")
        for name, size in self.fields.items():
            require_name(owner, "a field", name)
            if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
                raise TheoryError(f"{owner}: the size of {name!r} must be a positive whole "
                                  f"number of bytes, not {size!r}")
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    @property
    def size(self) -> int:
        """Bytes of the whole representation."""
        return sum(self.fields.values())


@dataclass(frozen=True)
class Screen:
    """A client type's screen: the fields it shows of each resource (``shows``), and for
    a resource found through another (an order's items, then their products) the one it
    ``needs`` first."""

    client: str
    name: str
    shows: Mapping[str, tuple[str, ...]]
    needs: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        owner = f"Screen({self.client!r}, {self.name!r})"
        require_name(owner, "client", self.client)
        require_name(owner, "name", self.name)
        if not isinstance(self.shows, Mapping) or not self.shows:
            raise TheoryError(f"{owner}: shows must map each resource to the fields shown, "
                              f"not {self.shows!r}")
        shows = {}
        for resource, fields in self.shows.items():
            if isinstance(fields, str) or not isinstance(fields, Sequence) or not fields:
                raise TheoryError(f"{owner}: the fields shown of {resource!r} must be a "
                                  f"non-empty list of names, not {fields!r}")
            shows[resource] = tuple(fields)
        if not isinstance(self.needs, Mapping):
            raise TheoryError(f"{owner}: needs must map a resource to the one it needs "
                              f"first, not {self.needs!r}")
        graph = nx.DiGraph(list((first, then) for then, first in self.needs.items()))
        for resource in graph:
            if resource not in shows:
                raise TheoryError(f"{owner}: needs names {resource!r}, which the screen "
                                  "does not show")
        if not nx.is_directed_acyclic_graph(graph):
            cycle = " -> ".join(a for a, _ in nx.find_cycle(graph))
            raise TheoryError(f"{owner}: needs goes round in a cycle: {cycle}")
        object.__setattr__(self, "shows", MappingProxyType(shows))
        object.__setattr__(self, "needs", MappingProxyType(dict(self.needs)))

    @property
    def rounds(self) -> int:
        """Sequential round trips to fetch every resource: the longest chain of ``needs``."""
        graph = nx.DiGraph(list((first, then) for then, first in self.needs.items()))
        graph.add_nodes_from(self.shows)
        return nx.dag_longest_path_length(graph) + 1


@dataclass(frozen=True)
class Link:
    """A network path: its round-trip time (s) and bandwidth (bytes/s)."""

    rtt: float
    bandwidth: float

    def __post_init__(self) -> None:
        require_number("Link", "rtt", self.rtt, unit="seconds")
        require_number("Link", "bandwidth", self.bandwidth, positive=True, unit="bytes/s")

    def time(self, rounds: int, size: int) -> float:
        """Seconds to make ``rounds`` sequential round trips carrying ``size`` bytes."""
        return rounds * self.rtt + size / self.bandwidth


@dataclass(frozen=True)
class ScreenCost:
    """What drawing one screen costs its client under one design."""

    screen: str
    client: str
    design: str
    calls: int
    rounds: int
    needed: int
    received: int
    latency: float

    @property
    def over_fetch(self) -> float:
        """The fraction of the bytes received that the screen does not show."""
        return 1 - self.needed / self.received


def screen_cost(screen: Screen, resources: Iterable[Resource], design: str, client: Link,
                internal: Link | None = None) -> ScreenCost:
    """Pattern 4.3.2 (BFF模式): what drawing ``screen`` costs under ``design``.

    Parameters
    ----------
    screen : Screen
        The screen, with the fields it shows of each resource.
    resources : iterable of Resource
        Every resource the services offer.
    design : str
        ``"one gateway"``: the client calls each resource through one general gateway,
        one round trip per level of ``screen.needs``, and receives whole representations.
        ``"backend for frontend"``: the client makes one call to its BFF, which fetches
        the resources over ``internal`` and returns only the fields shown.
    client : Link
        The client's network to the gateway.
    internal : Link, optional
        The data centre's network, from the BFF to the services (required for a BFF).

    Returns
    -------
    ScreenCost
        Calls and round trips the client makes, bytes it needs and receives, latency.

    Raises
    ------
    TheoryError
        For a design not in :data:`DESIGNS`, a resource or field the screen shows that no
        resource offers, or a BFF without an ``internal`` link.

    Examples
    --------
    >>> product = Resource("product", "catalogue", {"name": 40, "price": 8, "specs": 4000})
    >>> page = Screen("mobile", "product", {"product": ["name", "price"]})
    >>> cost = screen_cost(page, [product], "one gateway", Link(0.1, 1e6))
    >>> cost.calls, cost.received, round(cost.over_fetch, 3)
    (1, 4048, 0.988)
    >>> screen_cost(page, [product], "backend for frontend", Link(0.1, 1e6),
    ...             Link(0.001, 1e8)).received
    48

    References
    ----------
    .. [1] Pattern 4.3.2 of the theory (BFF模式).
    .. [2] S. Newman, "Pattern: Backends For Frontends", 2015.
    """
    owner = f"screen_cost({screen.name!r})"
    require_instance(owner, "screen", screen, Screen)
    require_instance(owner, "client", client, Link)
    offered = {}
    for resource in resources:
        require_instance(owner, "a resource", resource, Resource)
        offered[resource.name] = resource
    needed = whole = 0
    for name, fields in screen.shows.items():
        if name not in offered:
            raise TheoryError(f"{owner}: the screen shows {name!r}, which no resource offers")
        missing = [f for f in fields if f not in offered[name].fields]
        if missing:
            raise TheoryError(f"{owner}: {name!r} has no field {missing[0]!r}; its fields are "
                              f"{', '.join(offered[name].fields)}")
        needed += sum(offered[name].fields[f] for f in fields)
        whole += offered[name].size
    calls = len(screen.shows)
    if design == "one gateway":
        return ScreenCost(screen.name, screen.client, design, calls, screen.rounds, needed,
                          whole, client.time(screen.rounds, whole))
    if design == "backend for frontend":
        if internal is None:
            raise TheoryError(f"{owner}: a backend for frontend needs the internal link it "
                              "fetches resources over")
        require_instance(owner, "internal", internal, Link)
        latency = client.time(1, needed) + internal.time(screen.rounds, whole)
        return ScreenCost(screen.name, screen.client, design, 1, 1, needed, needed, latency)
    raise TheoryError(f"{owner}: design must be one of {', '.join(map(repr, DESIGNS))}, "
                      f"not {design!r}")


def check_backend_for_frontend(arch: Architecture, clients: Mapping[str, str]) -> Verdict:
    """Pattern 4.3.2 (BFF模式): each client type has a gateway of its own.

    Parameters
    ----------
    arch : Architecture
        The architecture.
    clients : mapping of str to str
        Each client type (``"web"``, ``"mobile"``) to the gateway it enters by.

    Returns
    -------
    Verdict
        On Pattern 4.3.2, with witnesses (``involves`` names what they concern):

        * ``"shared gateway"``: several client types enter by one gateway;
        * ``"not exposed"``: a client's gateway that clients cannot reach;
        * ``"gateway calls gateway"``: one client type's gateway calls another's, so one
          frontend's release or failure reaches the other's clients.

    Raises
    ------
    TheoryError
        If ``clients`` is empty or names a gateway that is not a service of ``arch``.

    Examples
    --------
    >>> from msatheory.basics.model import Service
    >>> shop = Architecture([Service("web-bff", calls=["orders"], exposed=True),
    ...                      Service("orders")], name="shop")
    >>> for w in check_backend_for_frontend(shop, {"web": "web-bff", "ios": "web-bff"}).witnesses:
    ...     print(w)
    shared gateway: ios and web enter by web-bff

    References
    ----------
    .. [1] Pattern 4.3.2 of the theory (BFF模式): 为不同客户端类型提供专门的网关.
    .. [2] S. Newman, *Building Microservices*, 2nd ed., O'Reilly, 2021, ch. 14:
       one backend per user experience, owned by the team that builds that frontend.
    """
    owner = "check_backend_for_frontend"
    require_instance(owner, "arch", arch, Architecture)
    if not isinstance(clients, Mapping) or not clients:
        raise TheoryError(f"{owner}: clients must map each client type to its gateway, "
                          f"not {clients!r}")
    by_gateway: dict[str, list[str]] = {}
    for client, gateway in clients.items():
        require_name(owner, "a client type", client)
        if gateway not in arch.services:
            raise TheoryError(f"{owner}: client {client!r} enters by {gateway!r}, which is "
                              f"not a service of {arch.name}")
        by_gateway.setdefault(gateway, []).append(client)
    witnesses = []
    for gateway, served in sorted(by_gateway.items()):
        if len(served) > 1:
            names = sorted(served)
            witnesses.append(Witness("shared gateway", (gateway, *names),
                                     f"{', '.join(names[:-1])} and {names[-1]} enter by "
                                     f"{gateway}"))
        if not arch.services[gateway].exposed:
            witnesses.append(Witness("not exposed", (gateway,),
                                     f"{gateway} serves {', '.join(sorted(served))}, but clients "
                                     "cannot reach it"))
        for callee in sorted(set(arch.services[gateway].callees) & set(by_gateway) - {gateway}):
            witnesses.append(Witness("gateway calls gateway", (gateway, callee),
                                     f"{gateway} calls {callee}: a release or failure of "
                                     f"{callee}'s frontend reaches "
                                     f"{', '.join(sorted(served))} clients"))
    summary = (f"{len(clients)} client types, {len(by_gateway)} gateways: "
               + "; ".join(f"{g} for {', '.join(sorted(c))}" for g, c in sorted(by_gateway.items()))
               + ".")
    return Verdict(get(Kind.PATTERN, "4.3.2"), witnesses, summary)
