"""Chapter 1 (lessons 1a and 1b)."""

from __future__ import annotations

import networkx as nx
import sympy as sp

from msatheory.basics.availability import Reliability, availability_bound
from msatheory.basics.examples import friday_shop
from msatheory.basics.model import Architecture, Call, Service
from msatheory.basics.sketch import Platform

a, A = sp.symbols("a A", positive=True)
k, d = sp.symbols("k d", positive=True, integer=True)
z = sp.symbols("z", positive=True)


def mended_friday_shop() -> Architecture:
    """The Friday shop with Axiom 1.1.1 and Feature 1.2.3 kept: payments no longer calls
    back into orders (orders passes what payments needs), shipping keeps its own store fed
    by the order-placed topic, cart and catalogue ship apart, the gateway runs two
    replicas and softens its routes, and cart serves cached prices."""
    return Architecture([
        Service("gateway", exposed=True, technology="go", replicas=2,
                calls=[Call("catalogue", timeout=0.5, fallback="cached page"),
                       Call("cart", timeout=0.5, fallback="empty cart"),
                       Call("orders", timeout=2.0, fallback="try again later")]),
        Service("catalogue", datastores=["catalogue-db"], technology="python"),
        Service("cart", calls=[Call("catalogue", timeout=0.3, fallback="cached prices")],
                datastores=["cart-cache"], technology="python"),
        Service("orders", calls=["cart", "payments"], publishes=["order-placed"],
                datastores=["orders-db"], technology="java"),
        Service("payments", datastores=["payments-db"], technology="java"),
        Service("shipping", subscribes=["order-placed"], datastores=["shipping-db"],
                technology="go"),
        Service("email", subscribes=["order-placed"], technology="python"),
    ], name="mended shop")


def _softened_only() -> Architecture:
    """Every route softened, but the cycle and the shared store left in place."""
    shop = friday_shop()
    for caller, callee in [("gateway", "catalogue"), ("gateway", "cart"),
                           ("gateway", "orders"), ("cart", "catalogue")]:
        shop = shop.soften(caller, callee, 0.5, "cached answer")
    return shop


def _everything_soft() -> Architecture:
    """The mended shop, but orders' calls to cart and payments softened too."""
    shop = mended_friday_shop()
    return shop.soften("orders", "cart", 1.0, "retry later").soften(
        "orders", "payments", 1.0, "pay later")


# -- 1.blast-radius ------------------------------------------------------------------------

def blast_radius(arch: Architecture, service: str) -> set[str]:
    """β(s): every service with a path of hard calls to ``service``, found by walking the
    hard calls backwards from it; ``service`` itself is left out, even on a cycle."""
    failed: set[str] = set()
    frontier = [service]
    while frontier:
        callee = frontier.pop()
        for caller in arch.hard_graph.predecessors(callee):
            if caller not in failed and caller != service:
                failed.add(caller)
                frontier.append(caller)
    return failed


def radius_every_call(arch: Architecture, service: str) -> set[str]:
    """Wrong: follows every call, soft and asynchronous ones too (the notebook's starter)."""
    failed: set[str] = set()
    frontier = [service]
    while frontier:
        callee = frontier.pop()
        for caller in arch.services.values():
            if callee in caller.callees and caller.name not in failed:
                failed.add(caller.name)
                frontier.append(caller.name)
    return failed


def radius_direct_callers(arch: Architecture, service: str) -> set[str]:
    """Wrong: the direct hard callers only; their callers fail too and are forgotten."""
    return set(arch.hard_graph.predecessors(service))


def radius_with_itself(arch: Architecture, service: str) -> set[str]:
    """Wrong: the ancestors plus the service itself, which is not in its own radius."""
    return set(nx.ancestors(arch.hard_graph, service)) | {service}


def radius_timeout_is_soft(arch: Architecture, service: str) -> set[str]:
    """Wrong: takes any timeout for a soft call, but a timeout with no fallback still fails
    the caller (Call.hard)."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(arch.services)
    graph.add_edges_from((s.name, c.to) for s in arch.services.values() for c in s.calls
                         if c.kind == "sync" and c.timeout is None)
    return set(nx.ancestors(graph, service))


# -- 1.scale --------------------------------------------------------------------------------

def scale(platform: Platform, service: str, n: int) -> None:
    """Reconcile: count what runs, stop the surplus (the newest), start what is missing.
    Calling it twice with the same n changes nothing."""
    running = platform.running(service)
    for surplus in running[n:]:
        platform.stop(surplus.id)
    for _ in range(n - len(running)):
        platform.start(service)


def scale_as_sketched(platform: Platform, service: str, n: int) -> None:
    """Wrong: the theory's Rust ``scale`` as written, n more whatever runs (erratum 1.scale)."""
    for _ in range(n):
        platform.start(service)


def scale_counting_crashed(platform: Platform, service: str, n: int) -> None:
    """Wrong: counts crashed instances as running, so a crash is never replaced."""
    mine = [i for i in platform.instances.values() if i.service == service]
    for surplus in mine[n:]:
        platform.stop(surplus.id)
    for _ in range(n - len(mine)):
        platform.start(service)


def scale_from_scratch(platform: Platform, service: str, n: int) -> None:
    """Wrong: stops every instance and starts n fresh ones; the count is right but every
    call restarts the whole fleet."""
    for instance in platform.running(service):
        platform.stop(instance.id)
    for _ in range(n):
        platform.start(service)


def scale_up_only(platform: Platform, service: str, n: int) -> None:
    """Wrong: starts what is missing but never stops a surplus."""
    for _ in range(n - len(platform.running(service))):
        platform.start(service)


# -- 1.best-repair --------------------------------------------------------------------------

def best_repair(arch: Architecture, service: str, reliability: dict[str, Reliability]) -> str:
    """Try every halving and keep the one that raises the bound most (the first by name on
    a tie): the bound already knows replicas and which services are critical."""
    def raised(name: str) -> float:
        r = reliability[name]
        return availability_bound(arch, service, {**reliability,
                                                  name: Reliability(r.mttf, r.mttr / 2)})
    return max(sorted(reliability), key=raised)


def repair_weakest_instance(arch: Architecture, service: str,
                            reliability: dict[str, Reliability]) -> str:
    """Wrong: the critical service whose single instance is least available, ignoring that
    replicas make a weak instance matter little (the notebook's starter)."""
    needed = {service} | nx.descendants(arch.hard_graph, service)
    return min(sorted(needed), key=lambda s: reliability[s].availability)


def repair_weakest_anywhere(arch: Architecture, service: str,
                            reliability: dict[str, Reliability]) -> str:
    """Wrong: the least available service of the whole architecture, critical or not."""
    return min(sorted(reliability), key=lambda s: reliability[s].availability)


def repair_longest(arch: Architecture, service: str,
                   reliability: dict[str, Reliability]) -> str:
    """Wrong: the critical service with the longest MTTR, whatever its MTTF and replicas."""
    needed = {service} | nx.descendants(arch.hard_graph, service)
    return max(sorted(needed), key=lambda s: reliability[s].mttr)


SOLUTIONS: dict[str, object] = {
    "1.friday-shop": mended_friday_shop(),
    "1.blast-radius": blast_radius,
    "1.scale": scale,
    "1.replicas": sp.log(1 - A) / sp.log(1 - a),
    "1.extra-nine": (1 - (1 - 10 ** -(k + 1)) ** d) * 10**k,
    "1.zones": 1 - (1 - a * z) ** 2,
    "1.best-repair": best_repair,
}

MUTANTS: dict[str, list[object]] = {
    "1.friday-shop": [friday_shop(), _softened_only(), _everything_soft()],
    "1.replicas": [sp.log(A) / sp.log(a), sp.log(1 - A) / sp.log(a),
                   -sp.log(1 - A) / sp.log(1 - a), sp.log(1 - A) / sp.log(1 - a) + 1],
    "1.blast-radius": [radius_every_call, radius_direct_callers, radius_with_itself,
                       radius_timeout_is_soft],
    "1.scale": [scale_as_sketched, scale_counting_crashed, scale_from_scratch,
                scale_up_only],
    # the first-order rule; the dependencies' unavailability not divided by the budget;
    # dependencies at k nines, not k + 1; the budget multiplied in the wrong place
    "1.extra-nine": [d / 10, 1 - (1 - 10 ** -(k + 1)) ** d,
                     (1 - (1 - 10**-k) ** d) * 10**k, 1 - (1 - 10 ** -(k + 1)) ** d * 10**k],
    # one zone for both (the checkout's incident); the zones taken for replicas of their
    # own; both zones needed; the zones forgotten
    "1.zones": [z * (1 - (1 - a) ** 2), 1 - (1 - a) ** 2 * (1 - z) ** 2,
                z**2 * (1 - (1 - a) ** 2), 1 - (1 - a) ** 2],
    "1.best-repair": [repair_weakest_instance, repair_weakest_anywhere, repair_longest],
}
