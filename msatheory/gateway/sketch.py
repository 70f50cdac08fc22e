"""The theory's Go ``APIGateway`` (section 4.3), ported as written.

Method for method, with the sketch's behaviour kept so that running it shows what it
does. Go itself rejects the sketch as printed, and the port fills each gap with the least
it can, named here:

* ``RateLimitPolicy.Apply`` locks ``rlp.mu``, a field the struct does not declare (the
  port needs no lock: it is single-threaded);
* ``applyPolicy`` calls ``policy.Name()``, which the ``Policy`` interface does not declare
  (each ported policy has a ``name``);
* ``HandleRequest`` reads ``ag.serviceRegistry``, which ``APIGateway`` does not declare
  (the port takes a ``registry`` with chapter 3's ``lookup(service)``);
* ``Request``, ``Response``, ``Cache`` and ``SecurityManager`` are never defined, nor are
  ``request.Key()`` and ``AuthenticationPolicy.validateJWT`` (the port's :class:`Request`
  has the fields the sketch reads, its key is ``"METHOD:path"``, and the token validator
  is passed in).

What the sketch does, as ported:

* routes live in a map keyed by the exact string ``"METHOD:path"``, so a route added for
  ``/orders/{id}`` matches only the literal path ``/orders/{id}``;
* ``RateLimitPolicy`` keeps one ``lastReset`` for every client and resets every counter
  when more than ``window`` has passed since it, and it counts requests by ``ClientIP``;
* policies run in the order the route lists them, each stopping the request with an
  error;
* every response is stored in the cache for five minutes under the request's key, whatever
  its method or status, and nothing reads the cache;
* ``Timeout`` (30 s) and ``Retries`` (3) are set on every route, and ``Retries`` is never
  read: one failed forward fails the request.

Go's ``time.Now()`` becomes a :class:`~msatheory.sim.VirtualClock`; the HTTP call of
``forwardRequest`` becomes a function the environment supplies for each service; the
round robin is chapter 3's :class:`~msatheory.discovery.sketch.SketchRoundRobin`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from msatheory.discovery.registry import Instance
from msatheory.errors import TheoryError, require_count, require_duration, require_name
from msatheory.sim import VirtualClock

__all__ = [
    "CACHE_TTL",
    "GatewayError",
    "Request",
    "Response",
    "SketchAPIGateway",
    "SketchAuthenticationPolicy",
    "SketchCache",
    "SketchRateLimitPolicy",
    "SketchRoute",
]

#: ``time.Minute*5``: how long ``HandleRequest`` caches every response.
CACHE_TTL = 300


class GatewayError(Exception):
    """The ``error`` a Go method of the sketch returns, with the sketch's own message."""


@dataclass
class Request:
    """The fields of the sketch's undefined ``Request`` that its code reads."""

    method: str
    path: str
    client_ip: str = "203.0.113.1"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    context: dict[str, object] = field(default_factory=dict)

    def key(self) -> str:
        """``request.Key()``, which the sketch calls and never defines: ``"METHOD:path"``,
        the key its route map uses."""
        return f"{self.method}:{self.path}"


@dataclass(frozen=True)
class Response:
    """``&Response{StatusCode, Headers, Body}``."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class SketchRoute:
    """``type Route struct``: what ``AddRoute`` stores."""

    path: str
    method: str
    service: str
    policies: list[str]
    timeout: float = 30.0
    retries: int = 3


class Policy(Protocol):
    """``type Policy interface { Apply(request *Request) error }``, with the ``Name()``
    that ``applyPolicy`` calls."""

    name: str

    def apply(self, request: Request) -> None: ...


class SketchRateLimitPolicy:
    """``RateLimitPolicy`` as written: one ``lastReset`` for all clients, counts by IP.

    Go's zero ``time.Time`` makes the first request reset the counters; the port starts
    ``last_reset`` at minus infinity to the same effect.
    """

    name = "rate-limit"

    def __init__(self, limit: int, window: float, clock: VirtualClock):
        self.limit = require_count("SketchRateLimitPolicy", "limit", limit)
        self.window = require_duration("SketchRateLimitPolicy", "window", window, positive=True)
        self.clock = clock
        self.counter: dict[str, int] = {}
        self.last_reset = -math.inf

    def apply(self, request: Request) -> None:
        """``if time.Since(rlp.lastReset) > rlp.window`` reset; refuse at ``limit``."""
        if self.clock.now - self.last_reset > self.window:
            self.counter = {}
            self.last_reset = self.clock.now
        count = self.counter.get(request.client_ip, 0)
        if count >= self.limit:
            raise GatewayError("rate limit exceeded")
        self.counter[request.client_ip] = count + 1


class SketchAuthenticationPolicy:
    """``AuthenticationPolicy`` as written: any non-empty ``Authorization`` header goes to
    ``validateJWT`` (undefined in the sketch: passed in here), whose claims are put in the
    request's context."""

    name = "authenticate"

    def __init__(self, validate: Callable[[str], Mapping[str, object]]):
        self.validate = validate

    def apply(self, request: Request) -> None:
        token = request.headers.get("Authorization", "")
        if token == "":
            raise GatewayError("missing authorization token")
        try:
            claims = self.validate(token)
        except Exception as error:
            raise GatewayError(f"invalid token: {error}") from None
        request.context["user"] = claims


class SketchCache:
    """The sketch's undefined ``Cache``, with the one method it calls, ``Set``: entries
    expire after their TTL, and nothing ever gets one back."""

    def __init__(self, clock: VirtualClock):
        self.clock = clock
        self.entries: dict[str, tuple[Response, float]] = {}

    def set(self, key: str, response: Response, ttl: float) -> None:
        self.entries[key] = (response, self.clock.now + ttl)

    def live(self) -> int:
        """How many entries have not expired: memory the cache holds."""
        return sum(expiry > self.clock.now for _, expiry in self.entries.values())


class Registry(Protocol):
    """What ``ag.serviceRegistry.Lookup`` needs: chapter 3's ``lookup(service)``."""

    def lookup(self, service: str) -> list[Instance]: ...


class Balancer(Protocol):
    def select(self, instances: Sequence[Instance]) -> Instance | None: ...


Service = Callable[[Instance, Request], Response]


class SketchAPIGateway:
    """``APIGateway`` as written: ``AddRoute`` and ``HandleRequest``.

    ``services`` maps each service to what answering a forwarded request means (the HTTP
    call of ``forwardRequest``); it may raise :class:`GatewayError` for a failed call.
    """

    def __init__(self, policies: Sequence[Policy], balancer: Balancer, registry: Registry,
                 services: Mapping[str, Service], clock: VirtualClock):
        self.routes: dict[str, SketchRoute] = {}
        self.policies = list(policies)
        self.balancer = balancer
        self.registry = registry
        self.services = dict(services)
        self.clock = clock
        self.cache = SketchCache(clock)

    def add_route(self, path: str, method: str, service: str, policies: Sequence[str]) -> None:
        """``ag.routes[fmt.Sprintf("%s:%s", method, path)] = &Route{...}``."""
        for what, value in (("path", path), ("method", method), ("service", service)):
            require_name("AddRoute", what, value)
        self.routes[f"{method}:{path}"] = SketchRoute(path, method, service, list(policies))

    def handle_request(self, request: Request) -> Response:
        """Look the route up by ``"METHOD:path"``, apply its policies in order, look the
        service up, select an instance, forward, cache the response, return it."""
        route_key = f"{request.method}:{request.path}"
        route = self.routes.get(route_key)
        if route is None:
            raise GatewayError(f"route not found: {route_key}")
        for policy_name in route.policies:
            self._apply_policy(policy_name, request)
        instances = self.registry.lookup(route.service)
        selected = self.balancer.select(instances)
        if selected is None:  # Go's zero ServiceInstance{}: a request to an empty URL
            raise GatewayError(f'Get "{request.path}": unsupported protocol scheme ""')
        response = self._forward(request, selected, route)
        self.cache.set(request.key(), response, CACHE_TTL)
        return response

    def _apply_policy(self, policy_name: str, request: Request) -> None:
        for policy in self.policies:
            if policy.name == policy_name:
                policy.apply(request)
                return
        raise GatewayError(f"policy not found: {policy_name}")

    def _forward(self, request: Request, instance: Instance, route: SketchRoute) -> Response:
        """``forwardRequest``: one call; ``route.Retries`` is never read."""
        try:
            service = self.services[route.service]
        except KeyError:
            raise TheoryError(f"SketchAPIGateway: no behaviour given for service "
                              f"{route.service!r}") from None
        return service(instance, request)
