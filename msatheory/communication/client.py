"""Strategies 5.3.1 (重试机制) and 5.3.2 (熔断器模式) together: a synchronous client that
does what the theory's ``ServiceCommunication`` meant to do.

:class:`ServiceClient` corrects the sketch (:mod:`.sketch`) point for point:

* one breaker per service called, so a failing service cuts off only itself;
* a per-attempt timeout, so a service that never answers counts as failing;
* only what says the service is unwell counts against it: a 5xx, a timeout, a connection
  failure; a 4xx is the caller's mistake, answered by a healthy service;
* each attempt goes to the next instance in round robin (chapter 3's
  :class:`~msatheory.discovery.balancers.RoundRobin`), a retry to another one;
* the request's own method is sent, and only a request that may be repeated is retried
  (:func:`~msatheory.communication.rest.retry_safe`), after a backoff drawn from a seeded
  generator;
* time is a :class:`~msatheory.sim.VirtualClock`, which never goes backwards, as Rust's
  monotonic ``Instant`` does not.

What the network does is a function of the instance and the request (:data:`Network`):
an :class:`Answer` with a status, or no status (the connection failed), after some seconds.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from msatheory.communication.breaker import Breaker, CircuitBreaker
from msatheory.communication.rest import retry_safe
from msatheory.discovery.balancers import RoundRobin
from msatheory.discovery.registry import Instance
from msatheory.errors import (
    TheoryError,
    require_count,
    require_duration,
    require_instance,
    require_name,
)
from msatheory.sim import VirtualClock, seeded_rng

__all__ = ["Answer", "Attempt", "Network", "Outcome", "ServiceClient", "ServiceRequest"]


@dataclass(frozen=True)
class ServiceRequest:
    """A request to a service: its method, path, body and, for a POST that may be repeated,
    an idempotency key."""

    method: str
    path: str
    body: object = None
    idempotency_key: str | None = None

    def __post_init__(self) -> None:
        require_name("ServiceRequest", "method", self.method)
        require_name("ServiceRequest", "path", self.path)


@dataclass(frozen=True)
class Answer:
    """What one attempt meets: ``status`` after ``seconds``, or no status (the connection
    failed, or nothing answers: ``seconds`` infinite)."""

    status: int | None
    seconds: float = 0.01

    @classmethod
    def never(cls) -> Answer:
        """A service that never answers."""
        return cls(None, math.inf)


class Registry(Protocol):
    """What the client looks instances up in: chapter 3's ``lookup(service)``."""

    def lookup(self, service: str) -> list[Instance]: ...


#: The network: what an attempt at ``instance`` with ``request`` meets.
Network = Callable[[Instance, ServiceRequest], Answer]


@dataclass(frozen=True)
class Attempt:
    """One attempt: where it went, when it started, and how it ended (``"ok"``,
    ``"client error"``, ``"server error"``, ``"timeout"``, ``"connection failed"``)."""

    instance: str
    method: str
    at: float
    status: int | None
    ended: str


@dataclass(frozen=True)
class Outcome:
    """A call's result: ``ok``, the final ``status`` (None without an answer), the
    ``attempts`` made, and ``error`` (``""``, ``"circuit open"``, ``"timeout"``, ...)."""

    ok: bool
    status: int | None
    attempts: tuple[Attempt, ...]
    error: str = ""


def _ended(answer: Answer, timeout: float) -> str:
    if answer.seconds > timeout:
        return "timeout"
    if answer.status is None:
        return "connection failed"
    if answer.status >= 500:
        return "server error"
    if answer.status >= 400:
        return "client error"
    return "ok"


#: Endings that say the service is unwell: the breaker counts them, a retry may help.
UNWELL = frozenset({"server error", "timeout", "connection failed"})


class ServiceClient:
    """Strategies 5.3.1 and 5.3.2 (重试机制, 熔断器模式): calls with timeouts, retries with
    backoff and a breaker per service.

    Parameters
    ----------
    registry : Registry
        What has ``lookup(service) -> list[Instance]`` (chapter 3's registry).
    network : Network
        What each attempt meets.
    clock : VirtualClock
        The client's monotonic time; each attempt and each backoff advances it.
    timeout : float
        Seconds an attempt waits for its answer.
    attempts : int
        Attempts per call, the first included (1: never retry).
    backoff : callable
        ``backoff(n, rng)``: seconds to sleep before retry ``n`` (1, 2, ...).
    breaker : callable
        Makes the breaker of each service called; pybreaker's defaults by default.
    seed : int
        Seeds the backoff's jitter.

    Examples
    --------
    >>> from msatheory.discovery.registry import Registry
    >>> from msatheory.discovery.scenario import fleet
    >>> clock = VirtualClock()
    >>> registry = Registry(clock, ttl=None)
    >>> for instance in fleet(2, "orders"):
    ...     _ = registry.register(instance)
    >>> down = lambda instance, request: Answer(503 if instance.id == "orders-1" else 200)
    >>> client = ServiceClient(registry, down, clock, backoff=lambda n, rng: 0.1)
    >>> outcome = client.call("orders", ServiceRequest("GET", "/orders/7"))
    >>> outcome.ok, [(a.instance, a.status) for a in outcome.attempts]
    (True, [('orders-1', 503), ('orders-2', 200)])

    References
    ----------
    .. [1] Strategies 5.3.1 and 5.3.2 of the theory; they correct its ``ServiceCommunication``.
    .. [2] M. Brooker, "Timeouts, retries, and backoff with jitter", Amazon Builders' Library.
    """

    def __init__(self, registry: Registry, network: Network, clock: VirtualClock, *,
                 timeout: float = 1.0, attempts: int = 3,
                 backoff: Callable[[int, random.Random], float],
                 breaker: Callable[[], Breaker] = CircuitBreaker, seed: int = 0):
        owner = "ServiceClient"
        if not callable(getattr(registry, "lookup", None)):
            raise TheoryError(f"{owner}: registry must have lookup(service), not {registry!r}")
        self.registry = registry
        self.network = network
        self.clock = require_instance(owner, "clock", clock, VirtualClock)
        self.timeout = require_duration(owner, "timeout", timeout, positive=True)
        self.attempts = require_count(owner, "attempts", attempts, least=1)
        self.backoff = backoff
        self.make_breaker = breaker
        self.breakers: dict[str, Breaker] = {}
        self.balancer = RoundRobin()
        self.rng = seeded_rng(seed, owner)

    def breaker(self, service: str) -> Breaker:
        """The breaker guarding calls to ``service``."""
        if service not in self.breakers:
            self.breakers[service] = self.make_breaker()
        return self.breakers[service]

    def call(self, service: str, request: ServiceRequest) -> Outcome:
        """Send ``request`` to ``service``: each attempt through the service's breaker, to
        the next instance, within the timeout; retry what is unwell and may be repeated."""
        require_name("ServiceClient.call", "service", service)
        require_instance("ServiceClient.call", "request", request, ServiceRequest)
        breaker = self.breaker(service)
        repeatable = retry_safe(request.method, request.idempotency_key)
        made: list[Attempt] = []
        for n in range(self.attempts):
            if n:
                self.clock.advance(self.backoff(n, self.rng))
            if not breaker.allow(self.clock.now):
                return Outcome(False, None, tuple(made), "circuit open")
            instance = self.balancer.select(self.registry.lookup(service))
            if instance is None:
                raise TheoryError(f"ServiceClient.call: {service!r} has no instance")
            started = self.clock.now
            answer = self.network(instance, request)
            ended = _ended(answer, self.timeout)
            self.clock.advance(min(answer.seconds, self.timeout))
            breaker.record(ended not in UNWELL, self.clock.now, self.clock.now - started)
            made.append(Attempt(instance.id, request.method, started,
                                None if ended == "timeout" else answer.status, ended))
            if ended not in UNWELL or not repeatable:
                break
        last = made[-1]
        return Outcome(last.ended == "ok", last.status, tuple(made),
                       "" if last.ended == "ok" else last.ended)

    def __repr__(self) -> str:
        return (f"ServiceClient(timeout={self.timeout:g}, attempts={self.attempts}, "
                f"services={sorted(self.breakers)})")
