"""Def 7.3.1 (日志聚合) and Def 7.3.2 (链路追踪): the shop's requests, the workload both observe.

Logs and traces record the same thing, requests travelling between services, so both are
measured on one workload. :func:`request_path` reads the path of a request from an
architecture: which services a request reaches, by which call or topic, in what order;
:func:`checkout` is the shop's checkout (chapter 1's :func:`msatheory.basics.examples.shop`),
``gateway -> orders -> cart -> catalogue`` then ``orders -> payments``, and
``order-placed`` delivered to ``shipping`` and ``email`` at once. :func:`run_requests`
times a seeded workload on that path in virtual microseconds (:class:`Visit` trees: work,
network hops, faults, timeouts and fallbacks). :mod:`msatheory.deployment.logs` writes
each visit's log lines and :mod:`msatheory.deployment.tracing` its spans.

Times are whole microseconds of virtual time (Jaeger's unit). The module stops at one
request path per run: no queueing (a service serves requests in parallel) and no retries;
it imports no OpenTelemetry.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from msatheory.basics.examples import shop
from msatheory.basics.model import Architecture, Call
from msatheory.errors import (
    TheoryError,
    require_count,
    require_fraction,
    require_instance,
    require_name,
    require_names,
    require_number,
)
from msatheory.sim import seeded_rng

__all__ = ["STATUSES", "Hop", "Visit", "checkout", "request_path", "run_requests"]

#: How a request ends at a service: ``ok``; ``degraded`` (a soft call failed and its
#: fallback answered); ``error`` (the service's own work failed, or a hard call did).
STATUSES = ("ok", "degraded", "error")


# --- the request path -----------------------------------------------------------------------


@dataclass(frozen=True)
class Hop:
    """Def 7.3.2 (链路追踪): one step of a request's path, and the steps it causes.

    ``via`` is ``"entry"`` for the service the request enters, ``"call"`` for a
    synchronous call (``call`` holds it: its timeout and fallback), or the topic's name for
    a message delivered to a subscriber. ``stage`` orders the calls of one caller: calls
    of a lower stage finish before a higher one starts, calls of one stage run at the same
    time. ``name`` is the operation: the request's name at the entry, the callee's first
    interface for a call (its name if it has none), the topic for a message.
    """

    service: str
    via: str
    name: str
    stage: int = 0
    call: Call | None = None
    children: tuple[Hop, ...] = ()

    @property
    def hard(self) -> bool:
        """True for a call whose failure fails the caller (:attr:`Call.hard`)."""
        return self.call is not None and self.call.hard

    def walk(self) -> Iterator[Hop]:
        """This hop and every hop below it, depth first, in the path's order."""
        yield self
        for child in self.children:
            yield from child.walk()


def _hops(arch: Architecture, service: str, callees: Sequence[str], parallel: frozenset[str],
          branch: tuple[str, ...]) -> tuple[Hop, ...]:
    """The hops a request at ``service`` causes: its calls to ``callees``, then a message
    to every subscriber of each topic it publishes."""
    if service in branch:
        raise TheoryError(f"request_path: {' -> '.join((*branch, service))} is a cycle of "
                          f"calls, so a request would never end")
    here = (*branch, service)
    calls = [c for c in arch.services[service].calls if c.to in callees and c.kind == "sync"]
    hops: list[Hop] = []
    for index, call in enumerate(calls):
        callee = arch.services[call.to]
        hops.append(Hop(call.to, "call", callee.interfaces[0] if callee.interfaces else call.to,
                        0 if service in parallel else index, call,
                        _hops(arch, call.to, callee.callees, parallel, here)))
    after = (1 if calls else 0) if service in parallel else len(calls)
    for topic in arch.services[service].publishes:
        for subscriber in arch.services.values():
            if topic in subscriber.subscribes:
                hops.append(Hop(subscriber.name, topic, topic, after, None,
                                _hops(arch, subscriber.name, subscriber.callees, parallel, here)))
    return tuple(hops)


def request_path(architecture: Architecture, entry: str, calls: Iterable[str] | None = None,
                 *, parallel: Iterable[str] = (), name: str = "") -> Hop:
    """Def 7.3.2 (链路追踪): the path a request takes from ``entry`` through ``architecture``.

    Each synchronous call becomes a hop, made in the order the architecture lists a
    service's calls, one after another (the caller waits for each answer) unless the
    caller is named in ``parallel`` (it sends them all at once). After its calls, a service
    publishes each of its topics, and every subscriber of a topic receives the message at
    the same time. ``async`` and ``monitoring`` calls are not on a request's path.

    Parameters
    ----------
    architecture : Architecture
        The system (Def 1.1.2), such as :func:`msatheory.basics.examples.shop`.
    entry : str
        The service the request enters.
    calls : list of str, optional
        The callees of ``entry`` this request uses (all of them by default): a gateway
        routes each request to one backend.
    parallel : list of str
        Services that make their calls concurrently.
    name : str
        The request's operation name; ``entry`` by default.

    Returns
    -------
    Hop
        The entry's hop (``via="entry"``), holding the path below it.

    Raises
    ------
    TheoryError
        An unknown service, a callee ``entry`` does not call, or a cycle of calls.

    Examples
    --------
    >>> from msatheory.basics.examples import shop
    >>> path = request_path(shop(), "gateway", ["orders"])
    >>> [(hop.service, hop.via, hop.stage) for hop in path.walk()][1:4]
    [('orders', 'call', 0), ('cart', 'call', 0), ('catalogue', 'call', 0)]
    >>> [(hop.service, hop.via, hop.stage) for hop in path.children[0].children]
    [('cart', 'call', 0), ('payments', 'call', 1), ('shipping', 'order-placed', 2), \
('email', 'order-placed', 2)]

    References
    ----------
    Def 7.3.2. Sigelman et al., "Dapper, a Large-Scale Distributed Systems Tracing
    Infrastructure", Google Technical Report dapper-2010-1, section 2 (the trace tree).
    """
    owner = "request_path"
    arch = require_instance(owner, "architecture", architecture, Architecture)
    require_name(owner, "entry", entry)
    if entry not in arch.services:
        raise TheoryError(f"{owner}: entry must be a service of {arch.name!r}, not {entry!r}")
    known = arch.services[entry].callees
    chosen = known if calls is None else require_names(owner, "calls", calls)
    for callee in chosen:
        if callee not in known:
            raise TheoryError(f"{owner}: {entry!r} does not call {callee!r}")
    fan_out = require_names(owner, "parallel", parallel)
    for service in fan_out:
        if service not in arch.services:
            raise TheoryError(f"{owner}: parallel names {service!r}, not a service")
    return Hop(entry, "entry", name or entry, 0, None,
               _hops(arch, entry, chosen, frozenset(fan_out), ()))


def checkout(parallel: Iterable[str] = ()) -> Hop:
    """Def 7.3.2 (链路追踪): the path of a checkout through chapter 1's shop.

    The gateway routes ``POST /checkout`` to ``orders``, which calls ``cart`` (which calls
    ``catalogue`` for prices) and then ``payments``, and publishes ``order-placed`` to
    ``shipping`` and ``email``.

    Parameters
    ----------
    parallel : list of str
        Services that make their calls at once: ``("orders",)`` sends ``cart`` and
        ``payments`` together.

    Returns
    -------
    Hop
        :func:`request_path` of :func:`msatheory.basics.examples.shop` from ``gateway``
        through ``orders``.

    Raises
    ------
    TheoryError
        If ``parallel`` names a service the shop does not have.

    Examples
    --------
    >>> [hop.service for hop in checkout().walk()]
    ['gateway', 'orders', 'cart', 'catalogue', 'payments', 'shipping', 'email']

    References
    ----------
    Def 7.3.2; the shop of lesson 1a (:func:`msatheory.basics.examples.shop`).
    """
    return request_path(shop(), "gateway", ["orders"], parallel=parallel,
                        name="POST /checkout")


# --- timing a request -----------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """Def 7.3.2 (链路追踪): one hop of one request, timed in virtual microseconds.

    ``sent`` is when the caller sends (for a message, when the publisher starts to publish)
    and ``received`` when the caller has the answer or stops waiting at the call's timeout
    (for a message, when the broker has it). ``start`` and ``end`` bound the work at the
    service. ``fault`` is whether the service's own work failed; ``status`` is one of
    :data:`STATUSES`; ``timed_out`` whether the caller stopped waiting before the answer
    came back.
    """

    hop: Hop
    sent: int
    start: int
    end: int
    received: int
    fault: bool
    status: str
    children: tuple[Visit, ...] = ()
    timed_out: bool = False

    @property
    def failed(self) -> bool:
        """True when the caller did not get a good answer: an error or a timeout."""
        return self.hop.via == "call" and (self.status == "error" or self.timed_out)

    def walk(self) -> Iterator[Visit]:
        """This visit and every visit below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class _Timing:
    """What one run draws from: mean work per service and the one-way network delay (µs),
    and each service's probability of a fault."""

    rng: random.Random
    work: Mapping[str, float]
    hop: int
    failure: Mapping[str, float]

    def draw(self, service: str) -> tuple[int, bool]:
        """The work (µs, at least 1) and whether it fails, drawn in this order."""
        work = max(1, round(self.rng.expovariate(1 / self.work[service])))
        return work, self.rng.random() < self.failure.get(service, 0.0)


def _visit(hop: Hop, sent: int, timing: _Timing) -> Visit:
    """Time ``hop``, sent at ``sent``: its work, then its calls stage by stage, then its
    messages, then the answer."""
    if hop.via == "entry":
        start = received_by = sent
    elif hop.via == "call":
        start = received_by = sent + timing.hop
    else:
        received_by = sent + timing.hop
        start = received_by + timing.hop
    work, fault = timing.draw(hop.service)
    now, status, children = start + work, "error" if fault else "ok", []
    if not fault:
        for stage in sorted({child.stage for child in hop.children if child.via == "call"}):
            group = [_visit(c, now, timing) for c in hop.children
                     if c.via == "call" and c.stage == stage]
            children += group
            now = max(v.received for v in group)
            if any(v.failed and v.hop.hard for v in group):
                status = "error"
                break
            if any(v.failed for v in group):
                status = "degraded"
        if status != "error":
            topics = dict.fromkeys(c.via for c in hop.children if c.via != "call")
            for topic in topics:
                children += [_visit(c, now, timing) for c in hop.children if c.via == topic]
                now += timing.hop
    end, late = now, False
    if hop.via == "call":
        received = end + timing.hop
        timeout = hop.call.timeout if hop.call else None
        if timeout is not None and received > sent + round(timeout * 1e6):
            received, late = sent + round(timeout * 1e6), True
    else:
        received = end if hop.via == "entry" else received_by
    return Visit(hop, sent, start, end, received, fault, status, tuple(children), late)


def _means(owner: str, path: Hop, work_ms: float | Mapping[str, float]) -> dict[str, float]:
    """Each service's mean work in microseconds."""
    services = dict.fromkeys(hop.service for hop in path.walk())
    if isinstance(work_ms, Mapping):
        missing = [s for s in services if s not in work_ms]
        if missing:
            raise TheoryError(f"{owner}: work_ms gives no mean for {', '.join(missing)}")
        return {s: require_number(owner, f"work_ms[{s!r}]", work_ms[s], positive=True) * 1000
                for s in services}
    mean = require_number(owner, "work_ms", work_ms, positive=True) * 1000
    return dict.fromkeys(services, mean)


def run_requests(path: Hop, count: int = 1, *, rate: float = 10.0, seed: int = 0,
                 work_ms: float | Mapping[str, float] = 5.0, hop_ms: float = 0.5,
                 failure: Mapping[str, float] | None = None) -> tuple[Visit, ...]:
    """Def 7.3.2 (链路追踪): ``count`` requests along ``path``, timed on a virtual clock.

    Requests arrive as a Poisson process of ``rate`` per second (the first at time 0).
    Each visit works for an exponential time of mean ``work_ms`` (per service, if a
    mapping), then makes its calls stage by stage, then publishes; every message crosses
    the network in ``hop_ms``. A visit fails its own work with probability
    ``failure[service]``, then calls no one. A failed call (an error, or no answer within
    the call's timeout) makes the caller answer with its fallback when the call is soft
    (``degraded``) and fail when it is hard (``error``), skipping its later calls.

    Parameters
    ----------
    path : Hop
        From :func:`request_path` or :func:`checkout`.
    count : int
        How many requests.
    rate : float
        Arrivals per second of virtual time.
    seed : int
        Seeds arrivals, work and faults.
    work_ms : float or mapping of str to float
        Mean work per visit, in milliseconds.
    hop_ms : float
        One-way network delay, in milliseconds.
    failure : mapping of str to float, optional
        The probability that a visit to a service fails its own work.

    Returns
    -------
    tuple of Visit
        One per request, the entry's visit, in arrival order.

    Raises
    ------
    TheoryError
        A bad count, rate, seed, mean, delay or probability, or a failure given for a
        service not on the path.

    Examples
    --------
    >>> [visit] = run_requests(checkout(), seed=1)
    >>> visit.start, visit.end, visit.status
    (0, 21621, 'ok')
    >>> [v.hop.service for v in visit.walk() if v.end > visit.end]
    ['shipping', 'email']

    References
    ----------
    Def 7.3.2. Dapper, section 2.1 (a span's client and server times; RPCs as tree edges).
    """
    owner = "run_requests"
    require_instance(owner, "path", path, Hop)
    require_count(owner, "count", count)
    gap = 1 / require_number(owner, "rate", rate, positive=True)
    rng = seeded_rng(seed, owner)
    odds = dict(failure or {})
    services = {hop.service for hop in path.walk()}
    for service, p in odds.items():
        if service not in services:
            raise TheoryError(f"{owner}: failure names {service!r}, not a service on the path")
        require_fraction(owner, f"failure[{service!r}]", p)
    timing = _Timing(rng, _means(owner, path, work_ms),
                     round(require_number(owner, "hop_ms", hop_ms) * 1000), odds)
    visits, now = [], 0.0
    for index in range(count):
        if index:
            now += rng.expovariate(1 / gap)
        visits.append(_visit(path, round(now * 1e6), timing))
    return tuple(visits)
