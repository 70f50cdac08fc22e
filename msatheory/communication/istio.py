"""Strategies 5.3.1 and 5.3.2 on Kubernetes: what Istio's VirtualService and DestinationRule
objects say about retries, timeouts and ejection.

In an Istio mesh the sidecar proxy, not the application, retries and times out calls, and
it does so per destination: a ``VirtualService`` HTTP route (``spec.http[]``) sends
requests to the hosts of its ``route[].destination.host`` with a retry policy
(``retries.attempts``, ``retries.perTryTimeout``, ``retries.retryOn``) and an overall
``timeout``; a ``DestinationRule`` for a host (``spec.host``) may eject failing
instances with ``trafficPolicy.outlierDetection``, which fails calls fast once every
instance is ejected: the mesh's circuit breaker. :func:`read_virtualservice` and
:func:`read_destinationrule` read them into :class:`Policy` and :class:`Ejection`
records; the Kubernetes importer (:mod:`msatheory.check.kubernetes`) names the service
each host reaches and gathers them in a :class:`Resilience`, one per cluster, which
:mod:`msatheory.communication.resilience` checks.

**Why a record of its own**, not the calls' ``timeout``, ``retries`` and ``breaker``: a
call of the architecture has one timeout, which bounds each attempt. Istio has two, the
per-try timeout and the route's overall timeout, and the overall one caps the retries
(with ``timeout: 1s``, ``attempts: 3`` and ``perTryTimeout: 1s`` the caller waits 1 s,
not 4 s); several routes may reach one destination with different policies. Folded into
one call, either would be lost.

**Istio's rules, as its reference states them.** ``attempts`` counts retries: at most
``1 + attempts`` requests. A route without ``retries`` gets the mesh's default policy,
``attempts: 2`` on ``connect-failure,refused-stream,unavailable,cancelled,
retriable-status-codes`` (:data:`DEFAULT_ATTEMPTS`, :data:`DEFAULT_RETRY_ON`: the
``VirtualService`` reference lists the first four conditions, ``MeshConfig``'s
``defaultHttpRetryPolicy`` and the proxy configuration Istio generates all five).
``retries`` without ``attempts``, or with ``attempts: 0``, disables the retry policy, its
per-try timeout included. The per-try timeout defaults to the route's timeout, and the
route's timeout to none. Durations are
written as Go and CEL write them (``2s``, ``100ms``, ``1m30s``, ``0.5s``; units ``h``,
``m``, ``s``, ``ms``, ``us``, ``ns``) and must be at least 1 ms. ``outlierDetection``
counts ``consecutive5xxErrors`` (default 5; 0 turns it off) and
``consecutiveGatewayErrors`` (default 0, off), sweeps every ``interval`` (10 s) and ejects
for ``baseEjectionTime`` (30 s) at most ``maxEjectionPercent`` (10) per cent of the
instances.

**Hosts** are resolved as Istio resolves them: a name without a dot is a Service of the
rule's own namespace (``reviews``), ``reviews.prod.svc.cluster.local`` is Service
``reviews`` of namespace ``prod``, and any other name with a dot (``reviews.prod``, an
external ``api.example.com``) is taken as written, so it names no Service of the files and
is a finding. A VirtualService bound to ingress ``gateways`` and not to ``mesh`` shapes
only what enters the cluster, not calls between services, and is a finding too.

This module reads what a :class:`~msatheory.check.source.Reader` gives it; which workload
a Service runs is the importer's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from msatheory.errors import TheoryError

if TYPE_CHECKING:
    from msatheory.check.source import Location, Reader

__all__ = [
    "DEFAULT_ATTEMPTS",
    "DEFAULT_RETRY_ON",
    "GROUP",
    "Ejection",
    "Note",
    "Policy",
    "Resilience",
    "parse_duration",
    "read_destinationrule",
    "read_virtualservice",
    "service_of_host",
]

#: The API group of VirtualService and DestinationRule (v1alpha3, v1beta1 and v1 alike).
GROUP = "networking.istio.io/"
#: Retries of Istio's default HTTP retry policy, for a route that names none.
DEFAULT_ATTEMPTS = 2
#: The conditions it retries on (``retriable-status-codes``: 503).
DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"
#: A finding: what kind, where, and the detail (the importer makes it a ``Finding``).
Note = tuple[str, str, str]
_INT32 = 2**31 - 1
_UINT32 = 2**32 - 1
_UNITS = {"h": Fraction(3600), "m": Fraction(60), "s": Fraction(1), "ms": Fraction(1, 1000),
          "us": Fraction(1, 10**6), "µs": Fraction(1, 10**6), "μs": Fraction(1, 10**6),
          "ns": Fraction(1, 10**9)}
_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_LEAST = Fraction(1, 1000)
_CLUSTER = ".svc.cluster.local"


def parse_duration(text: str) -> Fraction | None:
    """The seconds a Go duration (``"2s"``, ``"100ms"``, ``"1m30s"``) stands for, exactly;
    None when ``text`` is not one (no sign, no bare number).

    >>> parse_duration("100ms"), parse_duration("1m30s"), parse_duration("2")
    (Fraction(1, 10), Fraction(90, 1), None)
    """
    if not text:
        return None
    total, at = Fraction(0), 0
    while at < len(text):
        part = _PART.match(text, at)
        if part is None:
            return None
        total += Fraction(part[1]) * _UNITS[part[2]]
        at = part.end()
    return total


@dataclass(frozen=True)
class Policy:
    """Strategy 5.3.1 (重试机制) in a mesh: what one VirtualService HTTP route does to the
    requests it sends to a destination.

    ``attempts`` is Istio's: the retries after the first try (:data:`DEFAULT_ATTEMPTS`
    when the route names no ``retries``, and then ``default`` is true);
    ``per_try_timeout`` and ``timeout`` are seconds (None: none given); ``source`` names
    the route (``VirtualService reviews http[0]``) and ``place`` where it is written.
    """

    attempts: int
    per_try_timeout: Fraction | None
    timeout: Fraction | None
    retry_on: str
    source: str
    place: str
    default: bool = False

    @property
    def per_try(self) -> Fraction | None:
        """The seconds each attempt may take: the per-try timeout, else the route's."""
        return self.per_try_timeout if self.per_try_timeout is not None else self.timeout

    @property
    def total(self) -> Fraction | None:
        """The seconds the caller may wait in all, backoff pauses aside: the route's
        timeout, capped by every attempt taking its whole per-try timeout; None when
        nothing bounds it."""
        per_try = self.per_try
        if per_try is None:
            return None
        every = (self.attempts + 1) * per_try
        return every if self.timeout is None else min(self.timeout, every)


@dataclass(frozen=True)
class Ejection:
    """Strategy 5.3.2 (熔断器模式) in a mesh: a DestinationRule's ``outlierDetection``.

    An instance that answers ``consecutive_5xx`` 5xx errors in a row (or
    ``consecutive_gateway`` 502, 503 or 504 errors; 0 turns a count off) is ejected for
    ``base_ejection_time`` seconds times the number of its ejections; the sweep runs every
    ``interval`` seconds, and at most ``max_ejection_percent`` per cent of the instances
    are out at once. ``source`` names the rule, ``place`` where it is written.
    """

    consecutive_5xx: int
    consecutive_gateway: int
    interval: Fraction
    base_ejection_time: Fraction
    max_ejection_percent: int
    source: str
    place: str

    @property
    def enabled(self) -> bool:
        """Whether some error count ejects an instance."""
        return self.consecutive_5xx > 0 or self.consecutive_gateway > 0


@dataclass(frozen=True)
class Resilience:
    """What a cluster's Istio objects say, by the service (as the architecture names it)
    each destination host reaches: the ``policies`` of every route to it, and the
    ``ejections`` of its DestinationRule."""

    policies: Mapping[str, tuple[Policy, ...]]
    ejections: Mapping[str, Ejection]


def service_of_host(host: str, namespace: str) -> tuple[str, str] | None:
    """The ``(namespace, Service)`` an Istio host names from a rule in ``namespace``, or
    None when it names no Kubernetes Service (a name with a dot that is not
    ``name.namespace.svc.cluster.local``, a wildcard, an address).

    >>> service_of_host("reviews", "shop"), service_of_host("reviews.prod.svc.cluster.local", "x")
    (('shop', 'reviews'), ('prod', 'reviews'))
    >>> service_of_host("reviews.prod", "shop") is None
    True
    """
    if "." not in host:
        return None if host == "*" else (namespace, host)
    if host.endswith(_CLUSTER):
        parts = host[: -len(_CLUSTER)].split(".")
        if len(parts) == 2 and all(parts):
            return parts[1], parts[0]
    return None


def _label(kind: str, name: str, namespace: str) -> str:
    """``VirtualService reviews``, or ``VirtualService shop/reviews`` outside default."""
    return f"{kind} {name}" if namespace == "default" else f"{kind} {namespace}/{name}"


class _Fields:
    """Typed reading of one Istio object's fields: a bad value is a TheoryError naming
    the object, the field and its place."""

    def __init__(self, read: Reader, source: str):
        self.read, self.source = read, source

    def fail(self, path: Location, what: str, value: object) -> TheoryError:
        from msatheory.check.source import kind_of  # msatheory.check imports this module

        return self.read.fail(path, f"{self.source}: {what}, not {kind_of(value)}")

    def duration(self, value: object, path: Location) -> Fraction | None:
        if value is None:
            return None
        seconds = parse_duration(value) if isinstance(value, str) else None
        if seconds is None or seconds < _LEAST:
            raise self.fail(path, "must be a duration of at least 1ms, such as '2s', '100ms' "
                                  "or '1m30s'", value)
        return seconds

    def whole(self, value: object, path: Location, default: int, most: int) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
            raise self.fail(path, f"must be a whole number from 0 to {most}", value)
        return value


def _applies_to_mesh(read: Reader, spec: dict[str, object], at: Location) -> bool:
    gateways = [read.name(g, (*at, "spec", "gateways", i)) for i, g in enumerate(
        read.items(spec.get("gateways"), (*at, "spec", "gateways")))]
    return not gateways or "mesh" in gateways


def read_virtualservice(read: Reader, at: Location, body: dict[str, object], name: str,
                        namespace: str) -> tuple[list[tuple[str, str, Policy]], list[Note]]:
    """The policy of each HTTP route of VirtualService ``name`` (its document ``body`` at
    ``at``) toward each destination, as ``(namespace, Service, Policy)``, and findings.

    A value of the wrong type or out of range is a ``TheoryError`` naming the object, the
    field and its place; a host that names no Service, and a VirtualService that applies
    only at ingress gateways, are findings.

    >>> from msatheory.check.source import Reader, parse
    >>> source = parse('''
    ... kind: VirtualService
    ... metadata: {name: ratings}
    ... spec:
    ...   hosts: [ratings]
    ...   http:
    ...   - route: [{destination: {host: ratings, subset: v1}}]
    ...     retries: {attempts: 3, perTryTimeout: 2s}
    ...     timeout: 10s
    ... ''', "bookinfo.yaml")
    >>> ((namespace, service, policy),), notes = read_virtualservice(
    ...     Reader(source), (), source.documents[0], "ratings", "default")
    >>> service, policy.attempts, policy.per_try, policy.total
    ('ratings', 3, Fraction(2, 1), Fraction(8, 1))
    """
    source = _label("VirtualService", name, namespace)
    fields = _Fields(read, source)
    spec = read.mapping(body.get("spec"), (*at, "spec"))
    placed: list[tuple[str, str, Policy]] = []
    notes: list[Note] = []
    if not _applies_to_mesh(read, spec, at):
        notes.append(("policy not applied", read.place((*at, "spec", "gateways")),
                      f"{source} is bound to ingress gateways, not to mesh: its retries and "
                      "timeouts shape requests entering the cluster, not calls between "
                      "services"))
        return placed, notes
    for i, item in enumerate(read.items(spec.get("http"), (*at, "spec", "http"))):
        route_at: Location = (*at, "spec", "http", i)
        route = read.mapping(item, route_at)
        timeout = fields.duration(route.get("timeout"), (*route_at, "timeout"))
        if route.get("retries") is None:
            attempts, per_try, retry_on, default = DEFAULT_ATTEMPTS, None, DEFAULT_RETRY_ON, True
        else:
            retries_at: Location = (*route_at, "retries")
            retries = read.mapping(route["retries"], retries_at)
            attempts = fields.whole(retries.get("attempts"), (*retries_at, "attempts"), 0,
                                    _INT32)
            per_try = fields.duration(retries.get("perTryTimeout"),
                                      (*retries_at, "perTryTimeout"))
            retry_on = read.text(retries.get("retryOn"), (*retries_at, "retryOn")) or \
                DEFAULT_RETRY_ON
            default = False
            if attempts == 0:  # Istio drops the whole retry policy, per-try timeout too
                per_try = None
        policy = Policy(attempts, per_try, timeout, retry_on, f"{source} http[{i}]",
                        read.place(route_at), default)
        for j, target in enumerate(read.items(route.get("route"), (*route_at, "route"))):
            where: Location = (*route_at, "route", j, "destination")
            destination = read.mapping(read.mapping(target, (*route_at, "route", j))
                                       .get("destination"), where)
            host = read.name(destination.get("host"), (*where, "host"))
            found = _service(read, host, namespace, source, (*where, "host"), notes)
            if found is not None:
                placed.append((*found, policy))
    return placed, notes


def _service(read: Reader, host: str, namespace: str, source: str, at: Location,
             notes: list[Note]) -> tuple[str, str] | None:
    found = service_of_host(host, namespace)
    if found is None:
        parts = host.split(".")
        hint = (f" (did you mean {parts[0]}.{parts[1]}{_CLUSTER}?)"
                if len(parts) == 2 or (len(parts) == 3 and parts[2] == "svc") else "")
        notes.append(("host not resolved", read.place(at),
                      f"{source} names host {host}, which Istio takes as written: it names no "
                      f"Service of these files{hint}"))
    return found


def read_destinationrule(read: Reader, at: Location, body: dict[str, object], name: str,
                         namespace: str) -> tuple[list[tuple[str, str, Ejection]], list[Note]]:
    """The outlier detection of DestinationRule ``name`` for its host, as ``(namespace,
    Service, Ejection)`` (none when its top-level ``trafficPolicy`` has none), and
    findings: a host that names no Service, detection that ejects nothing, and detection
    set only for a subset or a port, which this reading leaves out.

    >>> from msatheory.check.source import Reader, parse
    >>> source = parse('''
    ... kind: DestinationRule
    ... metadata: {name: reviews}
    ... spec:
    ...   host: reviews
    ...   trafficPolicy: {outlierDetection: {consecutive5xxErrors: 7, interval: 5m}}
    ... ''', "bookinfo.yaml")
    >>> ((_, service, ejection),), _ = read_destinationrule(
    ...     Reader(source), (), source.documents[0], "reviews", "default")
    >>> service, ejection.consecutive_5xx, ejection.interval, ejection.base_ejection_time
    ('reviews', 7, Fraction(300, 1), Fraction(30, 1))
    """
    source = _label("DestinationRule", name, namespace)
    fields = _Fields(read, source)
    spec = read.mapping(body.get("spec"), (*at, "spec"))
    notes: list[Note] = []
    host = read.name(spec.get("host"), (*at, "spec", "host"))
    for i, subset in enumerate(read.items(spec.get("subsets"), (*at, "spec", "subsets"))):
        subset_at: Location = (*at, "spec", "subsets", i)
        policy = read.mapping(read.mapping(subset, subset_at).get("trafficPolicy"),
                              (*subset_at, "trafficPolicy"))
        if policy.get("outlierDetection") is not None:
            notes.append(("policy not applied", read.place((*subset_at, "trafficPolicy")),
                          f"{source} sets outlierDetection for subset {i} only: calls are "
                          "read per service, so it is left out"))
    policy_at: Location = (*at, "spec", "trafficPolicy")
    policy = read.mapping(spec.get("trafficPolicy"), policy_at)
    if any(read.mapping(item, (*policy_at, "portLevelSettings", i)).get("outlierDetection")
           is not None for i, item in enumerate(read.items(policy.get("portLevelSettings"),
                                                          (*policy_at, "portLevelSettings")))):
        notes.append(("policy not applied", read.place((*policy_at, "portLevelSettings")),
                      f"{source} sets outlierDetection for single ports: calls are read per "
                      "service, so it is left out"))
    if policy.get("outlierDetection") is None:
        return [], notes
    od_at: Location = (*policy_at, "outlierDetection")
    od = read.mapping(policy["outlierDetection"], od_at)
    legacy = fields.whole(od.get("consecutiveErrors"), (*od_at, "consecutiveErrors"), 0,
                          _INT32)
    ejection = Ejection(
        consecutive_5xx=fields.whole(od.get("consecutive5xxErrors"),
                                     (*od_at, "consecutive5xxErrors"), 5, _UINT32),
        consecutive_gateway=fields.whole(od.get("consecutiveGatewayErrors"),
                                         (*od_at, "consecutiveGatewayErrors"), legacy, _UINT32),
        interval=fields.duration(od.get("interval"), (*od_at, "interval")) or Fraction(10),
        base_ejection_time=fields.duration(od.get("baseEjectionTime"),
                                           (*od_at, "baseEjectionTime")) or Fraction(30),
        max_ejection_percent=fields.whole(od.get("maxEjectionPercent"),
                                          (*od_at, "maxEjectionPercent"), 10, 100),
        source=source, place=read.place(od_at))
    if not ejection.enabled:
        notes.append(("policy not applied", read.place(od_at),
                      f"{source} sets consecutive5xxErrors and consecutiveGatewayErrors to 0: "
                      "its outlier detection ejects nothing"))
    found = _service(read, host, namespace, source, (*at, "spec", "host"), notes)
    return ([(*found, ejection)] if found is not None else []), notes
