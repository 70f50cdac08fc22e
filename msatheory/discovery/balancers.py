"""Algorithm 3.2.1 (服务发现算法): look a service up, then let a load balancer choose.

:func:`discover` is the algorithm; what it leaves open is ``loadBalancer.select``, the
:class:`Balancer`. :class:`RoundRobin` is the correction of the theory's Go round robin
(ported as written in :mod:`.sketch`); :class:`Random`, :class:`WeightedRoundRobin`,
:class:`LeastOutstanding` and :class:`PowerOfTwoChoices` are the balancers found in the
field (Envoy, nginx, Finagle), and :data:`BALANCERS` lists them by name.

The module stops at choosing: how the balancers spread load over a simulated fleet is
:mod:`.spread`, and the balls-into-bins result behind the power of two choices is
:mod:`.choices`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from msatheory.discovery.registry import Instance, NoHealthyInstance, Registry
from msatheory.errors import TheoryError, require_distinct, require_instance, require_items
from msatheory.sim import seeded_rng

__all__ = [
    "BALANCERS",
    "Balancer",
    "LeastOutstanding",
    "PowerOfTwoChoices",
    "Random",
    "RoundRobin",
    "WeightedRoundRobin",
    "candidates",
    "discover",
    "weight",
]


def discover(registry: Registry, service: str, balancer: Balancer) -> Instance:
    """Algorithm 3.2.1 (服务发现算法): ``balancer.select(registry.lookup(service))``.

    Parameters
    ----------
    registry : Registry
        The service registry to ask.
    service : str
        The name of the service to reach.
    balancer : Balancer
        The ``loadBalancer``: anything with ``select(instances)``.

    Returns
    -------
    Instance
        The instance the balancer chose among those the lookup returned (live lease,
        not critical).

    Raises
    ------
    ServiceNotFound
        If no instance of ``service`` is registered: the algorithm's
        ``error("Service not found")``.
    NoHealthyInstance
        If instances are registered but none may receive traffic.
    TheoryError
        If ``registry`` is not a :class:`Registry` or ``balancer`` has no ``select``.

    Examples
    --------
    >>> registry = Registry(ttl=None)
    >>> for k in (1, 2, 3):
    ...     _ = registry.register(Instance(f"orders-{k}", "orders", f"http://orders-{k}:8080"))
    >>> balancer = RoundRobin()
    >>> [discover(registry, "orders", balancer).id for _ in range(4)]
    ['orders-1', 'orders-2', 'orders-3', 'orders-1']
    >>> registry.set_status("orders", "orders-2", "critical")
    >>> [discover(registry, "orders", balancer).id for _ in range(2)]
    ['orders-3', 'orders-1']
    >>> discover(registry, "cart", balancer)
    Traceback (most recent call last):
        ...
    msatheory.discovery.registry.ServiceNotFound: no service 'cart' is registered
    (registered: orders)

    See Also
    --------
    RoundRobin, Registry.lookup, ClientSideDiscovery, ServerSideDiscovery

    References
    ----------
    .. [1] Algorithm 3.2.1 of the theory (服务发现算法); Pattern 3.3.1 runs it in the
       client and Pattern 3.3.2 in a load balancer (:mod:`.patterns`).
    """
    require_instance("discover", "registry", registry, Registry)
    if not callable(getattr(balancer, "select", None)):
        raise TheoryError(f"discover: balancer must be a load balancer (with a select "
                          f"method), not {balancer!r}")
    return balancer.select(registry.lookup(service))


def candidates(owner: str, instances: Sequence[Instance]) -> tuple[Instance, ...]:
    """What a balancer chooses among: ``instances`` in id order, each a distinct
    :class:`Instance` of one service; :class:`NoHealthyInstance` if there is none.

    >>> [i.id for i in candidates("RoundRobin", [Instance("b", "orders", "http://b"),
    ...                                          Instance("a", "orders", "http://a")])]
    ['a', 'b']
    """
    items = require_items(owner, "instances", instances, Instance)
    if not items:
        raise NoHealthyInstance(f"{owner}: no instance to choose from")
    require_distinct(owner, "instances", (i.id for i in items))
    services = sorted({i.service for i in items})
    if len(services) > 1:
        raise TheoryError(
            f"{owner}: instances must be of one service, not of {', '.join(map(repr, services))}"
        )
    return tuple(sorted(items, key=lambda i: i.id))


class Balancer:
    """The ``loadBalancer`` of Algorithm 3.2.1 (服务发现算法): picks one of the instances
    the registry returned.

    ``select`` chooses; ``release`` is told that a request to an instance finished (the
    load-aware balancers count requests in flight). ``name`` is how tables and figures
    call the balancer. A subclass overrides ``select``, choosing among
    :func:`candidates`.

    References
    ----------
    .. [1] Algorithm 3.2.1 of the theory (服务发现算法): ``loadBalancer.select(instances)``.
    """

    name: str = "balancer"

    def select(self, instances: Sequence[Instance]) -> Instance:
        """One of ``instances`` (an error if there is none)."""
        raise NotImplementedError

    def release(self, instance: Instance) -> None:
        """A request sent to ``instance`` has finished (nothing to do by default)."""
        require_instance(type(self).__name__, "instance", instance, Instance)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class RoundRobin(Balancer):
    """Algorithm 3.2.1's balancer (服务发现算法), corrected: per service, the next id after
    the one chosen last.

    It remembers, for each service, the id it chose last and picks the first instance
    in id order whose id is greater, wrapping around. On a fixed list of n instances
    any n consecutive calls choose each once; when the list changes it never fails,
    and an instance still listed is never passed over twice in a row.

    Examples
    --------
    >>> orders = [Instance(f"orders-{k}", "orders", f"http://orders-{k}") for k in (1, 2, 3)]
    >>> balancer = RoundRobin()
    >>> [balancer.select(orders).id for _ in range(2)]
    ['orders-1', 'orders-2']
    >>> balancer.select(orders[:1]).id  # the list shrank: no panic, unlike the Go sketch
    'orders-1'

    See Also
    --------
    msatheory.discovery.sketch.SketchRoundRobin : the Go sketch as written.

    References
    ----------
    .. [1] Algorithm 3.2.1 of the theory (服务发现算法); it corrects the Go
       ``RoundRobinBalancer`` of section 4.3's gateway (errata ``3.rr-shrink`` and
       ``3.rr-shared``).
    """

    name = "round robin"

    def __init__(self) -> None:
        self.last: dict[str, str] = {}

    def select(self, instances: Sequence[Instance]) -> Instance:
        """The first instance whose id follows the last one chosen for its service."""
        ordered = candidates("RoundRobin", instances)
        service = ordered[0].service
        last = self.last.get(service)
        chosen = next((i for i in ordered if last is not None and i.id > last), ordered[0])
        self.last[service] = chosen.id
        return chosen

    def __repr__(self) -> str:
        return f"RoundRobin(last={dict(sorted(self.last.items()))})"


class Random(Balancer):
    """A balancer for Algorithm 3.2.1 (服务发现算法): a uniform choice among the instances
    (in id order), with a generator seeded by ``seed``.

    Examples
    --------
    >>> orders = [Instance(f"orders-{k}", "orders", f"http://orders-{k}") for k in (1, 2, 3)]
    >>> balancer = Random(seed=0)
    >>> [balancer.select(orders).id for _ in range(4)]
    ['orders-2', 'orders-2', 'orders-1', 'orders-2']

    References
    ----------
    .. [1] Envoy's ``RANDOM`` and nginx's ``random`` load balancers.
    """

    name = "random"

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.rng = seeded_rng(seed, "Random")

    def select(self, instances: Sequence[Instance]) -> Instance:
        """An instance drawn uniformly at random."""
        return self.rng.choice(candidates("Random", instances))

    def __repr__(self) -> str:
        return f"Random(seed={self.seed})"


_POSITIVE_INTEGER = re.compile(r"[0-9]+")


def weight(instance: Instance) -> int:
    """``instance.metadata["weight"]``, a positive integer written as a string (default 1).

    >>> weight(Instance("a", "orders", "http://a", {"weight": "3"}))
    3
    """
    text = instance.metadata.get("weight", "1")
    if not _POSITIVE_INTEGER.fullmatch(text) or int(text) < 1:
        raise TheoryError(
            f"instance {instance.id!r}: weight must be a positive integer, not {text!r}"
        )
    return int(text)


class WeightedRoundRobin(Balancer):
    """A balancer for Algorithm 3.2.1 (服务发现算法): smooth weighted round robin, as nginx
    does it.

    Each pick adds every instance's weight (:func:`weight`) to its ``current``, chooses
    the largest ``current`` and subtracts the total weight from it. Ties go to the
    instance given first: nginx walks its peers in configuration order and replaces the
    best only on a strictly larger ``current``, and ``instances`` stand for that order
    here (not their ids). Over sum(weights) picks each instance is chosen weight times,
    interleaved: weights 5, 1, 1 given as a, b, c give a a b a c a a, and given as c, b,
    a with c weighing 5, c c b c a c c. State is kept per service by instance id; ids
    no longer listed are forgotten, and new ones start at 0.

    Examples
    --------
    >>> fleet = [Instance(i, "orders", f"http://{i}", {"weight": w})
    ...          for i, w in (("a", "5"), ("b", "1"), ("c", "1"))]
    >>> balancer = WeightedRoundRobin()
    >>> "".join(balancer.select(fleet).id for _ in range(7))
    'aabacaa'
    >>> fleet = [Instance(i, "orders", f"http://{i}", {"weight": w})
    ...          for i, w in (("c", "5"), ("b", "1"), ("a", "1"))]
    >>> balancer = WeightedRoundRobin()
    >>> "".join(balancer.select(fleet).id for _ in range(7))
    'ccbcacc'

    References
    ----------
    .. [1] nginx's smooth weighted round robin: ``ngx_http_upstream_get_peer`` in
       ``src/http/ngx_http_upstream_round_robin.c`` (``peer->current_weight >
       best->current_weight`` over the peer list in configuration order).
    """

    name = "weighted round robin"

    def __init__(self) -> None:
        self.current: dict[str, dict[str, int]] = {}

    def select(self, instances: Sequence[Instance]) -> Instance:
        """The instance with the largest current weight after adding every weight; the
        first of ``instances`` among equals."""
        service = candidates("WeightedRoundRobin", instances)[0].service
        given = tuple(instances)
        weights = {i.id: weight(i) for i in given}
        old = self.current.get(service, {})
        current = {i: old.get(i, 0) + w for i, w in weights.items()}
        best = max(given, key=lambda i: current[i.id])  # the first maximum: given first
        current[best.id] -= sum(weights.values())
        self.current[service] = current
        return best

    def __repr__(self) -> str:
        return f"WeightedRoundRobin(current={self.current})"


class _Outstanding(Balancer):
    """A balancer that counts the requests in flight to each instance."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.rng = seeded_rng(seed, type(self).__name__)
        self._outstanding: dict[tuple[str, str], int] = {}

    def outstanding(self, instance: Instance) -> int:
        """How many requests sent to ``instance`` have not been released."""
        return self._outstanding.get((instance.service, instance.id), 0)

    def _take(self, instance: Instance) -> Instance:
        key = (instance.service, instance.id)
        self._outstanding[key] = self._outstanding.get(key, 0) + 1
        return instance

    def release(self, instance: Instance) -> None:
        """One request to ``instance`` has finished; an error if none was outstanding."""
        super().release(instance)
        key = (instance.service, instance.id)
        if self._outstanding.get(key, 0) == 0:
            raise TheoryError(
                f"{type(self).__name__}: instance {instance.id!r} of {instance.service!r} has "
                "no outstanding request to release"
            )
        self._outstanding[key] -= 1
        if self._outstanding[key] == 0:
            del self._outstanding[key]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(seed={self.seed}, outstanding={len(self._outstanding)})"


class LeastOutstanding(_Outstanding):
    """A balancer for Algorithm 3.2.1 (服务发现算法): the instance with the fewest requests
    in flight (ties: a seeded random pick).

    Examples
    --------
    >>> orders = [Instance(f"orders-{k}", "orders", f"http://orders-{k}") for k in (1, 2, 3)]
    >>> balancer = LeastOutstanding(seed=0)
    >>> first, second = balancer.select(orders), balancer.select(orders)
    >>> balancer.release(first)
    >>> balancer.select(orders).id, [balancer.outstanding(i) for i in orders]
    ('orders-1', [1, 0, 1])

    References
    ----------
    .. [1] nginx's ``least_conn`` and Envoy's ``LEAST_REQUEST`` balancers.
    """

    name = "least outstanding"

    def select(self, instances: Sequence[Instance]) -> Instance:
        """An instance with the fewest outstanding requests; it now has one more."""
        ordered = candidates("LeastOutstanding", instances)
        fewest = min(self.outstanding(i) for i in ordered)
        return self._take(self.rng.choice([i for i in ordered if self.outstanding(i) == fewest]))


class PowerOfTwoChoices(_Outstanding):
    """A balancer for Algorithm 3.2.1 (服务发现算法): two distinct instances sampled at
    random; the one with fewer requests in flight wins.

    Ties go to the first sampled; a single instance is chosen outright.

    Examples
    --------
    >>> orders = [Instance(f"orders-{k}", "orders", f"http://orders-{k}") for k in (1, 2, 3)]
    >>> balancer = PowerOfTwoChoices(seed=0)
    >>> [balancer.select(orders).id for _ in range(4)]
    ['orders-2', 'orders-1', 'orders-3', 'orders-2']

    References
    ----------
    .. [1] M. Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing",
       IEEE TPDS 12(10), 2001 (:mod:`.choices`).
    .. [2] Envoy's ``LEAST_REQUEST`` balancer (two choices by default) and Finagle's
       ``P2CLeastLoaded``.
    """

    name = "power of two choices"

    def select(self, instances: Sequence[Instance]) -> Instance:
        """The less loaded of two random instances; it now has one more outstanding."""
        ordered = candidates("PowerOfTwoChoices", instances)
        if len(ordered) == 1:
            return self._take(ordered[0])
        first, second = self.rng.sample(ordered, 2)
        return self._take(second if self.outstanding(second) < self.outstanding(first) else first)


#: The corrected and field balancers by name, each a zero-argument factory (seed 0).
BALANCERS: Mapping[str, Callable[[], Balancer]] = MappingProxyType({
    RoundRobin.name: RoundRobin,
    Random.name: lambda: Random(0),
    WeightedRoundRobin.name: WeightedRoundRobin,
    LeastOutstanding.name: lambda: LeastOutstanding(0),
    PowerOfTwoChoices.name: lambda: PowerOfTwoChoices(0),
})
