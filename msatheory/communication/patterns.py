"""Patterns 5.1.1 (同步通信), 5.1.2 (异步通信) and 5.1.3 (事件驱动), compared by simulation.

The three patterns differ in who must be up, and how long a request takes, when services
fail. Each function here runs one seeded SimPy simulation and returns a record that sets
the measurement beside its closed form:

* :func:`synchronous_chain` (Pattern 5.1.1): a request passes a chain of services, each
  answering its share ``availability`` of calls; the request succeeds with the product of
  the shares and takes the sum of the latencies (Treynor et al., chapter 1's
  :func:`~msatheory.basics.availability.serial`);
* :func:`queue_outage` (Pattern 5.1.2): producer, queue, consumer. The producer's message
  is accepted while the queue is up, whether the consumer is up or not; a consumer outage
  of length ``D`` leaves a backlog of about ``λD`` messages that drains in about
  ``λD / (μ - λ)`` once it is back;
* :func:`order_flow` (Pattern 5.1.3): an order passes order, payment, inventory, shipping
  and notification, by orchestration (the order service calls each synchronously) or by
  choreography (the order service publishes an event and each service reacts to the one
  before it). :func:`coupling` builds the graph of who talks to whom, and
  :func:`accept_needs` reads off which services must be up for an order to be accepted.

Conventions: times are in seconds; a service's latency is chapter 4's
:class:`~msatheory.gateway.aggregation.Latency` (exponential, with a share ``p`` held up
by ``slow`` more seconds); a service fails per call, independently, with probability
``1 - availability`` (the share of calls it answers, the same long-run share as its
fraction of time up, without the bursts of failures an outage brings); percentiles are
nearest-rank. All randomness comes from :class:`msatheory.sim.Simulation`'s seeded
generator, so a seed fixes every number.

The module stops at who must be up and how long things take. Retries are Strategy 5.3.1
(:mod:`msatheory.communication.reliability` and :mod:`msatheory.communication.backoff`),
breakers Strategy 5.3.2 (:mod:`msatheory.communication.breaker`), and what a slow
dependency does to its callers is :mod:`msatheory.communication.cascade`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import networkx as nx
import simpy

from msatheory.basics.availability import serial
from msatheory.errors import (
    TheoryError,
    require_count,
    require_fraction,
    require_instance,
    require_items,
    require_name,
    require_number,
    require_seed,
    require_time,
)
from msatheory.gateway.aggregation import Latency
from msatheory.sim import Simulation, nearest_rank

__all__ = [
    "BROKER",
    "ORDER_FLOW",
    "SERVICE_LATENCY",
    "STYLES",
    "SYNCHRONOUS",
    "ChainReport",
    "FlowReport",
    "Hop",
    "QueueOutage",
    "accept_needs",
    "coupling",
    "mean_latency",
    "order_flow",
    "queue_outage",
    "synchronous_chain",
]

#: The two ways of running an order flow of Pattern 5.1.3.
STYLES = ("orchestration", "choreography")

#: The edge kinds of :func:`coupling` whose sender waits for the receiver's answer.
SYNCHRONOUS = frozenset({"call", "publish"})


def _exponential(mean: float) -> Latency:
    return Latency(fast=mean, slow=0.0, p=0.0)


#: A service's latency unless told otherwise: exponential with mean 10 ms.
SERVICE_LATENCY = _exponential(0.010)


def mean_latency(latency: Latency) -> float:
    """The mean of a :class:`~msatheory.gateway.aggregation.Latency`: ``fast + p * slow``.

    >>> mean_latency(Latency(fast=0.01, slow=1.0, p=0.01))
    0.02
    """
    require_instance("mean_latency", "latency", latency, Latency)
    return float(latency.fast) + float(latency.p) * float(latency.slow)


@dataclass(frozen=True)
class Hop:
    """One service a request or an event passes: its ``name``, the share of calls it
    answers (``availability``, in [0, 1]) and its ``latency``.

    >>> Hop("payment", 0.995)
    Hop(name='payment', availability=0.995, latency=Latency(fast=0.01, slow=0.0, p=0.0))
    """

    name: str
    availability: float = 0.999
    latency: Latency = SERVICE_LATENCY

    def __post_init__(self) -> None:
        require_name("Hop", "name", self.name)
        require_fraction(f"Hop {self.name!r}", "availability", self.availability)
        require_instance(f"Hop {self.name!r}", "latency", self.latency, Latency)


def _hops(owner: str, hops: object) -> tuple[Hop, ...]:
    chain = require_items(owner, "services", hops, Hop, distinct=True)
    if not chain:
        raise TheoryError(f"{owner}: services must hold at least one Hop, not {hops!r}")
    return chain


def _answers(sim: Simulation, hop: Hop) -> bool:
    """Whether ``hop`` answers this call (one uniform draw)."""
    return sim.rng.random() < hop.availability


def _took(sim: Simulation, hop: Hop) -> float:
    """How long ``hop`` takes over this call (one uniform draw)."""
    return hop.latency.draw(sim.rng.random())[0]


# -- Pattern 5.1.1: a synchronous chain ----------------------------------------------------

@dataclass(frozen=True)
class ChainReport:
    """What :func:`synchronous_chain` measured beside the closed forms.

    ``availability`` is the share of the ``requests`` that succeeded and
    ``expected_availability`` the product of the services' availabilities;
    ``standard_error`` is that product's binomial standard error over ``requests``, so
    the two differ by a few of it at most. ``mean_latency`` is the mean end-to-end
    latency of the successful requests (seconds), ``expected_latency`` the sum of the
    services' mean latencies, ``p99_latency`` the nearest-rank 99th percentile.
    ``failed_at`` counts, per service in chain order, the requests that failed there.
    """

    services: tuple[str, ...]
    requests: int
    availability: float
    expected_availability: float
    standard_error: float
    mean_latency: float
    expected_latency: float
    p99_latency: float
    failed_at: tuple[tuple[str, int], ...]


def synchronous_chain(services: Sequence[Hop], *, requests: int = 5000,
                      seed: int = 0) -> ChainReport:
    """Pattern 5.1.1 (同步通信): requests through a chain of services, each waiting on the next.

    Each request is a SimPy process that calls the services in order and waits for each
    answer before the next call. A service answers a call with probability
    ``availability`` (independently per call) after a time drawn from its ``latency``; the
    first service that does not answer fails the request. So a request succeeds with
    probability ``a_1 * a_2 * ... * a_n`` and, when it does, takes the sum of the services'
    latencies, mean ``Σ mean_i``. Services have no queue (unlimited capacity), so requests
    do not interact; they are sent one after another.

    Parameters
    ----------
    services : sequence of Hop
        The chain, in call order, with distinct names (at least one).
    requests : int
        Number of requests simulated (positive).
    seed : int
        Seed of the run.

    Returns
    -------
    ChainReport
        Measured and closed-form availability and mean latency, the p99 latency, and
        where the failed requests failed.

    Raises
    ------
    TheoryError
        If ``services`` is empty, holds something other than a :class:`Hop` or repeats a
        name, or ``requests`` or ``seed`` is not valid.

    Examples
    --------
    >>> chain = [Hop("gateway", 0.999), Hop("orders", 0.99), Hop("stock", 0.99)]
    >>> report = synchronous_chain(chain, requests=2000, seed=1)
    >>> round(report.expected_availability, 4), report.availability
    (0.9791, 0.974)
    >>> round(report.expected_latency, 3), round(report.mean_latency, 3)
    (0.03, 0.03)

    References
    ----------
    .. [1] B. Treynor, M. Dahlin, V. Rau and B. Beyer, "The Calculus of Service
       Availability", ACM Queue 15(2), 2017: a service is at most as available as the
       product of its critical dependencies.
    """
    owner = "synchronous_chain"
    chain = _hops(owner, services)
    requests = require_count(owner, "requests", requests, least=1)
    sim = Simulation(require_seed(owner, seed))
    latencies: list[float] = []
    failures = dict.fromkeys((hop.name for hop in chain), 0)

    def request() -> Generator[simpy.Event, Any, None]:
        sent = sim.now
        for hop in chain:
            answered = _answers(sim, hop)
            yield sim.timeout(_took(sim, hop))
            if not answered:
                failures[hop.name] += 1
                return
        latencies.append(sim.now - sent)

    sim.env.run(until=sim.process(_one_after_another(sim, request, requests)))
    expected = float(serial(hop.availability for hop in chain))
    return ChainReport(
        services=tuple(hop.name for hop in chain),
        requests=requests,
        availability=len(latencies) / requests,
        expected_availability=expected,
        standard_error=math.sqrt(expected * (1 - expected) / requests),
        mean_latency=math.fsum(latencies) / len(latencies) if latencies else math.nan,
        expected_latency=math.fsum(mean_latency(hop.latency) for hop in chain),
        p99_latency=nearest_rank(latencies, 99) if latencies else math.nan,
        failed_at=tuple(failures.items()),
    )


# -- Pattern 5.1.2: a queue through a consumer outage --------------------------------------

@dataclass(frozen=True)
class QueueOutage:
    """What :func:`queue_outage` measured through one consumer outage.

    Rates are per second, times in seconds, counts in messages. ``backlog`` is the time
    series ``(t, messages accepted and not yet consumed)`` sampled every ``step``
    seconds, for a figure. ``accepted`` counts every message the producer sent (all were
    accepted: the queue was up); ``lost_if_synchronous`` those sent during the outage,
    which a synchronous call to the consumer would have failed.

    ``backlog_at_recovery`` is the measured backlog when the consumer came back and
    ``fluid_backlog`` its fluid estimate ``λD``. ``drain_time`` is the measured time from
    recovery until the backlog first reached 0 (``None`` if it had not by the horizon),
    ``fluid_drain`` the fluid estimate ``λD / (μ - λ)``, and ``expected_drain`` and
    ``drain_sd`` the exact mean and standard deviation of the drain time of an M/M/1
    queue holding the measured backlog: ``b / (μ - λ)`` and ``sqrt(b (μ + λ) / (μ - λ)³)``.
    ``mean_delay`` and ``max_delay`` are the messages' waits from acceptance to the end of
    their consumption.
    """

    arrival_rate: float
    service_rate: float
    outage_start: float
    outage: float
    accepted: int
    lost_if_synchronous: int
    backlog_at_recovery: int
    fluid_backlog: float
    drain_time: float | None
    fluid_drain: float
    expected_drain: float
    drain_sd: float
    mean_delay: float
    max_delay: float
    backlog: tuple[tuple[float, int], ...]


def queue_outage(arrival_rate: float = 10.0, service_rate: float = 15.0, *,
                 outage_start: float = 30.0, outage: float = 60.0,
                 horizon: float | None = None, step: float = 1.0,
                 seed: int = 0) -> QueueOutage:
    """Pattern 5.1.2 (异步通信): a consumer outage behind a queue, and the backlog it leaves.

    A producer sends messages as a Poisson stream of ``arrival_rate`` (λ) per second to a
    queue that is always up, so every message is accepted at once, whatever the consumer
    does. One consumer takes them in order, each for an exponential time of mean
    ``1 / service_rate`` (μ): an M/M/1 queue. From ``outage_start`` for ``outage`` (D)
    seconds the consumer is down and takes nothing new (a message already in service
    finishes); messages keep arriving, and the
    backlog grows by about ``λD``. After recovery it shrinks at about ``μ - λ`` a second,
    so the fluid estimate of the drain time is ``λD / (μ - λ)``; this needs ``μ > λ``,
    or the backlog never drains.

    The fluid estimate treats arrivals and service as steady flows. In the simulation
    both are Poisson: the backlog at recovery is ``λD`` plus a Poisson error of about
    ``sqrt(λD)`` (plus the few messages queued before the outage, ``ρ / (1 - ρ)`` on
    average with ``ρ = λ / μ``); given that backlog ``b`` the drain time is the sum of
    ``b`` M/M/1 busy periods, whose mean ``b / (μ - λ)`` is exactly the fluid formula
    applied to ``b``, and whose standard deviation is ``sqrt(b (μ + λ) / (μ - λ)³)``.

    Parameters
    ----------
    arrival_rate : float
        λ, messages per second (> 0).
    service_rate : float
        μ, messages per second the consumer can take (> λ).
    outage_start, outage : float
        When the consumer goes down and for how long, seconds (the outage > 0).
    horizon : float, optional
        End of the run, seconds; by default the outage's end plus four fluid drain times.
    step : float
        Sampling period of the backlog series, seconds (> 0).
    seed : int
        Seed of the run.

    Returns
    -------
    QueueOutage
        The backlog series, the measured backlog and drain time beside their estimates,
        and the messages' delays.

    Raises
    ------
    TheoryError
        If a rate or time is not a valid number, ``service_rate <= arrival_rate``, or the
        horizon ends before the outage does.

    Examples
    --------
    >>> run = queue_outage(seed=1)
    >>> run.lost_if_synchronous, run.backlog_at_recovery, run.fluid_backlog
    (577, 577, 600.0)
    >>> round(run.drain_time, 1), run.fluid_drain, round(run.expected_drain, 1)
    (122.7, 120.0, 115.4)
    >>> queue_outage(10.0, 10.0)
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: queue_outage: service_rate must exceed arrival_rate \
(μ > λ, or the backlog never drains), not 10.0 <= 10.0

    References
    ----------
    .. [1] L. Kleinrock, *Queueing Systems, Volume 1: Theory*, Wiley, 1975, section 5.8
       (the M/M/1 busy period).
    .. [2] G. Hohpe and B. Woolf, *Enterprise Integration Patterns*, Addison-Wesley, 2003
       ("Message Channel", "Guaranteed Delivery").
    """
    owner = "queue_outage"
    lam = require_number(owner, "arrival_rate", arrival_rate, positive=True)
    mu = require_number(owner, "service_rate", service_rate, positive=True)
    if mu <= lam:
        raise TheoryError(f"{owner}: service_rate must exceed arrival_rate (μ > λ, or the "
                          f"backlog never drains), not {service_rate!r} <= {arrival_rate!r}")
    start = float(require_time(owner, "outage_start", outage_start))
    length = float(require_time(owner, "outage", outage, positive=True))
    every = float(require_time(owner, "step", step, positive=True))
    recovery = start + length
    fluid_drain = lam * length / (mu - lam)
    end = recovery + 4 * fluid_drain if horizon is None else float(
        require_time(owner, "horizon", horizon, positive=True))
    if end <= recovery:
        raise TheoryError(f"{owner}: horizon must end after the outage (at {recovery!r} s), "
                          f"not {horizon!r}")
    sim = Simulation(require_seed(owner, seed))
    queue: simpy.Store = simpy.Store(sim.env)
    state = {"accepted": 0, "consumed": 0, "during": 0, "at_recovery": 0}
    delays: list[float] = []
    drained: list[float] = []
    series: list[tuple[float, int]] = []

    def backlog() -> int:
        return state["accepted"] - state["consumed"]

    def producer() -> Generator[simpy.Event, Any, None]:
        while True:
            yield sim.timeout(sim.rng.expovariate(lam))
            state["accepted"] += 1
            state["during"] += start <= sim.now < recovery
            queue.put(sim.now)

    def consumer() -> Generator[simpy.Event, Any, None]:
        while True:
            sent = yield queue.get()
            if start <= sim.now < recovery:
                yield sim.timeout(recovery - sim.now)
            yield sim.timeout(sim.rng.expovariate(mu))
            state["consumed"] += 1
            delays.append(sim.now - sent)
            if not drained and sim.now >= recovery and backlog() == 0:
                drained.append(sim.now - recovery)

    def outage_watch() -> Generator[simpy.Event, Any, None]:
        yield sim.timeout(recovery)
        state["at_recovery"] = backlog()

    def sampler() -> Generator[simpy.Event, Any, None]:
        while True:
            series.append((sim.now, backlog()))
            yield sim.timeout(every)

    for process in (outage_watch(), producer(), consumer(), sampler()):
        sim.process(process)
    sim.run(until=end)
    b = state["at_recovery"]
    return QueueOutage(
        arrival_rate=lam,
        service_rate=mu,
        outage_start=start,
        outage=length,
        accepted=state["accepted"],
        lost_if_synchronous=state["during"],
        backlog_at_recovery=b,
        fluid_backlog=lam * length,
        drain_time=drained[0] if drained else None,
        fluid_drain=fluid_drain,
        expected_drain=b / (mu - lam),
        drain_sd=math.sqrt(b * (mu + lam) / (mu - lam) ** 3),
        mean_delay=math.fsum(delays) / len(delays) if delays else math.nan,
        max_delay=max(delays, default=math.nan),
        backlog=tuple(series),
    )


# -- Pattern 5.1.3: orchestration and choreography -----------------------------------------

#: The order flow of Pattern 5.1.3, entry first: each service answers its share of calls
#: and takes 10 ms on average (exponential).
ORDER_FLOW: tuple[Hop, ...] = (
    Hop("order", 0.999),
    Hop("payment", 0.995),
    Hop("inventory", 0.998),
    Hop("shipping", 0.99),
    Hop("notification", 0.98),
)

#: The message broker of the choreography: it accepts a publish with probability
#: ``availability`` and delivers an event after its ``latency`` (5 ms on average).
BROKER = Hop("broker", 0.9995, _exponential(0.005))


def coupling(style: str, services: Sequence[Hop] = ORDER_FLOW,
             broker: Hop = BROKER) -> nx.DiGraph:
    """Pattern 5.1.3 (事件驱动): who sends what to whom in an order flow.

    ``services[0]`` receives the order. By ``"orchestration"`` it calls every other
    service (edge kind ``"call"``: the sender waits for the answer). By
    ``"choreography"`` it publishes an event to the broker (``"publish"``: the sender waits
    for the broker's acknowledgement), the broker delivers it to the next service
    (``"deliver"``: nobody waits), which publishes its own event, and so on down the flow.

    Parameters
    ----------
    style : str
        One of :data:`STYLES`.
    services : sequence of Hop
        The flow in order, entry first (distinct names, at least two).
    broker : Hop
        The broker of the choreography (its name must not be a service's).

    Returns
    -------
    networkx.DiGraph
        Nodes are service names (and the broker's, for a choreography); each edge has a
        ``kind`` and the ``step`` of the flow it serves (1 for the entry's own message).

    Raises
    ------
    TheoryError
        If ``style`` is not one of :data:`STYLES`, or the services or broker are not valid.

    Examples
    --------
    >>> sorted(coupling("orchestration").edges(data="kind"))[:2]
    [('order', 'inventory', 'call'), ('order', 'notification', 'call')]
    >>> sorted(coupling("choreography").edges("order", data="kind"))
    [('order', 'broker', 'publish')]

    References
    ----------
    .. [1] C. Richardson, *Microservices Patterns*, Manning, 2018, chapter 4 (sagas:
       choreography and orchestration).
    """
    owner = "coupling"
    kind = _style(owner, style)
    flow = _hops(owner, services)
    if len(flow) < 2:
        raise TheoryError(f"{owner}: a flow needs its entry and at least one more service, "
                          f"not {[hop.name for hop in flow]!r}")
    require_instance(owner, "broker", broker, Hop)
    if broker.name in {hop.name for hop in flow}:
        raise TheoryError(f"{owner}: the broker's name {broker.name!r} is also a service's")
    graph: nx.DiGraph = nx.DiGraph(style=kind)
    graph.add_nodes_from(hop.name for hop in flow)
    entry = flow[0].name
    if kind == "orchestration":
        for number, hop in enumerate(flow[1:], start=1):
            graph.add_edge(entry, hop.name, kind="call", step=number)
        return graph
    graph.add_node(broker.name)
    for number, (sender, receiver) in enumerate(pairwise(flow), start=1):
        graph.add_edge(sender.name, broker.name, kind="publish", step=number)
        graph.add_edge(broker.name, receiver.name, kind="deliver", step=number)
    return graph


def accept_needs(graph: nx.DiGraph, entry: str) -> frozenset[str]:
    """Pattern 5.1.3 (事件驱动): the services that must be up for ``entry`` to accept an order.

    ``entry`` itself and everything it reaches by edges whose sender waits for an answer
    (kinds ``"call"`` and ``"publish"``): an order is accepted when every such answer
    came. A ``"deliver"`` edge does not count: the broker keeps the event until its
    receiver takes it.

    Examples
    --------
    >>> sorted(accept_needs(coupling("choreography"), "order"))
    ['broker', 'order']
    >>> len(accept_needs(coupling("orchestration"), "order"))
    5
    """
    require_instance("accept_needs", "graph", graph, nx.DiGraph)
    if entry not in graph:
        raise TheoryError(f"accept_needs: entry must be a node of the graph, not {entry!r}")
    waits = nx.subgraph_view(graph, filter_edge=lambda u, v: graph.edges[u, v].get(
        "kind") in SYNCHRONOUS)
    return frozenset({entry} | nx.descendants(waits, entry))


@dataclass(frozen=True)
class FlowReport:
    """What :func:`order_flow` measured for one style, beside the closed forms.

    ``needs`` names (sorted) the services that must be up for an order to be accepted
    (:func:`accept_needs`). ``acceptance`` is the measured share of ``orders`` accepted and
    ``expected_acceptance`` the product of the needed services' availabilities, with
    ``standard_error`` its binomial standard error over ``orders``. Latencies
    are in seconds and averaged over accepted orders: ``accept_latency`` until the client
    has its answer, ``completion_latency`` until the last service has done its part
    (``p99_completion`` its nearest-rank 99th percentile); each has its ``expected_``
    closed form. ``broker_hops`` is the number of events each order sends through the
    broker and ``redeliveries`` the deliveries the broker repeated because the receiver
    was down.
    """

    style: str
    needs: tuple[str, ...]
    orders: int
    acceptance: float
    expected_acceptance: float
    standard_error: float
    accept_latency: float
    expected_accept_latency: float
    completion_latency: float
    expected_completion_latency: float
    p99_completion: float
    broker_hops: int
    redeliveries: int


def order_flow(style: str, services: Sequence[Hop] = ORDER_FLOW, *, broker: Hop = BROKER,
               network: float = 0.001, redelivery: float = 1.0, orders: int = 2000,
               seed: int = 0) -> FlowReport:
    """Pattern 5.1.3 (事件驱动): an order flow run by orchestration or by choreography.

    ``services[0]`` (the order service) takes the order and does its part; then

    * ``"orchestration"``: it calls each other service in turn and waits for its answer
      (``network`` seconds there, the service's latency, ``network`` back). The first
      service that does not answer fails the order, so it is accepted with the product of
      all availabilities, and accepted orders are complete when the client hears back:
      ``mean(order) + Σ (2 network + mean(service))``.
    * ``"choreography"``: it publishes OrderPlaced to the broker and answers the client
      once the broker acknowledges (``2 network``), so an order is accepted with
      ``a(order) * a(broker)``. The broker delivers each event ``network`` plus its own
      latency later; a service that is down for a delivery gets it again ``redelivery``
      seconds later (a geometric number of times, mean ``(1 - a) / a``), then does its
      part and publishes the next event. An accepted order is always completed, after
      ``mean(order) + Σ (network + mean(broker) + mean(service) + redelivery (1 - a) / a)``.
      After the first publish the broker is taken to be up: its outages would only delay.

    Parameters
    ----------
    style : str
        One of :data:`STYLES`.
    services : sequence of Hop
        The flow, entry first (:data:`ORDER_FLOW` by default).
    broker : Hop
        The broker of a choreography (:data:`BROKER`); unused by an orchestration.
    network : float
        One-way network time between two services or a service and the broker, seconds.
    redelivery : float
        Delay before the broker repeats a delivery its receiver missed, seconds.
    orders : int
        Number of orders simulated (positive), each placed when the client of the one
        before has its answer (the services have no queue, so orders do not interact).
    seed : int
        Seed of the run.

    Returns
    -------
    FlowReport
        Who must be up, acceptance and latencies measured and in closed form.

    Raises
    ------
    TheoryError
        If ``style`` is not one of :data:`STYLES` or an argument is not valid.

    Examples
    --------
    >>> orchestrated = order_flow("orchestration", orders=1000, seed=1)
    >>> choreographed = order_flow("choreography", orders=1000, seed=1)
    >>> orchestrated.needs
    ('inventory', 'notification', 'order', 'payment', 'shipping')
    >>> choreographed.needs
    ('broker', 'order')
    >>> round(orchestrated.expected_acceptance, 4), round(choreographed.expected_acceptance, 4)
    (0.9625, 0.9985)
    >>> round(orchestrated.expected_completion_latency, 4)
    0.058
    >>> round(choreographed.expected_accept_latency, 3)
    0.012

    References
    ----------
    .. [1] C. Richardson, *Microservices Patterns*, Manning, 2018, chapter 4 (sagas).
    .. [2] B. Treynor, M. Dahlin, V. Rau and B. Beyer, "The Calculus of Service
       Availability", ACM Queue 15(2), 2017.
    """
    owner = "order_flow"
    graph = coupling(style, services, broker)
    flow = _hops(owner, services)
    hop_time = float(require_time(owner, "network", network))
    again = float(require_time(owner, "redelivery", redelivery))
    orders = require_count(owner, "orders", orders, least=1)
    sim = Simulation(require_seed(owner, seed))
    entry, rest = flow[0], flow[1:]
    by_name = {hop.name: hop for hop in (*flow, broker)}
    needs = accept_needs(graph, entry.name)
    accepted: list[float] = []
    completed: list[float] = []
    repeated = [0]
    choreography = graph.graph["style"] == "choreography"
    never = [hop.name for hop in rest if hop.availability == 0]
    if choreography and never:
        raise TheoryError(f"{owner}: a choreographed order never completes while "
                          f"{', '.join(never)} answers no delivery (availability 0)")

    def orchestrate() -> Generator[simpy.Event, Any, None]:
        placed = sim.now
        for hop in flow:
            answered = _answers(sim, hop)
            yield sim.timeout(_took(sim, hop) + (0.0 if hop is entry else 2 * hop_time))
            if not answered:
                return
        accepted.append(sim.now - placed)
        completed.append(sim.now - placed)

    def choreograph() -> Generator[simpy.Event, Any, None]:
        placed = sim.now
        answered = _answers(sim, entry) and _answers(sim, broker)
        yield sim.timeout(_took(sim, entry))
        if not answered:
            return
        sim.process(events(placed))
        yield sim.timeout(2 * hop_time)
        accepted.append(sim.now - placed)

    def events(placed: float) -> Generator[simpy.Event, Any, None]:
        for hop in rest:
            yield sim.timeout(hop_time + _took(sim, broker))
            while not _answers(sim, hop):
                repeated[0] += 1
                yield sim.timeout(again)
            yield sim.timeout(_took(sim, hop))
        completed.append(sim.now - placed)

    sim.process(_one_after_another(sim, choreograph if choreography else orchestrate, orders))
    sim.env.run()
    entry_mean = mean_latency(entry.latency)
    expected = float(serial(by_name[name].availability for name in sorted(needs)))
    if choreography:
        expected_accept = entry_mean + 2 * hop_time
        expected_complete = entry_mean + math.fsum(
            hop_time + mean_latency(broker.latency) + mean_latency(hop.latency)
            + _expected_redelivery(hop, again) for hop in rest)
    else:
        expected_accept = expected_complete = entry_mean + math.fsum(
            2 * hop_time + mean_latency(hop.latency) for hop in rest)
    return FlowReport(
        style=graph.graph["style"],
        needs=tuple(sorted(needs)),
        orders=orders,
        acceptance=len(accepted) / orders,
        expected_acceptance=expected,
        standard_error=math.sqrt(expected * (1 - expected) / orders),
        accept_latency=_mean(accepted),
        expected_accept_latency=expected_accept,
        completion_latency=_mean(completed),
        expected_completion_latency=expected_complete,
        p99_completion=nearest_rank(completed, 99) if completed else math.nan,
        broker_hops=len(rest) if choreography else 0,
        redeliveries=repeated[0],
    )


def _one_after_another(sim: Simulation, client: Callable[[], Generator[simpy.Event, Any, None]],
                       count: int) -> Generator[simpy.Event, Any, None]:
    """Run ``count`` client processes, each starting when the one before has its answer."""
    for _ in range(count):
        yield sim.process(client())


def _expected_redelivery(hop: Hop, delay: float) -> float:
    """Mean time lost to repeated deliveries to ``hop``: ``delay * (1 - a) / a``."""
    return delay * (1 - hop.availability) / hop.availability


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values) if values else math.nan


def _style(owner: str, style: object) -> str:
    if style not in STYLES:
        raise TheoryError(f"{owner}: style must be one of {', '.join(STYLES)}, not {style!r}")
    assert isinstance(style, str)
    return style
