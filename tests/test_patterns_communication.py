"""Patterns 5.1.1-5.1.3: a synchronous chain, a queue through an outage, an order flow."""

from __future__ import annotations

import math
import statistics

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.communication.patterns import (
    BROKER,
    ORDER_FLOW,
    STYLES,
    Hop,
    accept_needs,
    coupling,
    mean_latency,
    order_flow,
    queue_outage,
    synchronous_chain,
)
from msatheory.errors import TheoryError
from msatheory.gateway.aggregation import Latency

Z = 4.0  # a 4-sigma bound: a correct model fails it with probability < 1e-4


def fixed(seconds: float) -> Latency:
    """A latency of ``seconds`` plus at most about a nanosecond: slow always, fast tiny."""
    return Latency(fast=1e-12, slow=seconds, p=1.0)


# -- Pattern 5.1.1: the synchronous chain --------------------------------------------------

@pytest.mark.parametrize("shares", [(0.999, 0.99, 0.99), (0.9, 0.8), (0.5,),
                                    (0.99, 0.99, 0.99, 0.99, 0.99)])
def test_chain_availability_is_the_product_within_a_binomial_bound(
        shares: tuple[float, ...]) -> None:
    chain = [Hop(f"s{k}", a) for k, a in enumerate(shares)]
    report = synchronous_chain(chain, requests=4000, seed=3)
    assert report.expected_availability == pytest.approx(math.prod(shares))
    assert report.standard_error == pytest.approx(
        math.sqrt(math.prod(shares) * (1 - math.prod(shares)) / 4000))
    assert abs(report.availability - report.expected_availability) <= Z * report.standard_error


def test_chain_latency_is_the_sum_of_the_means_within_its_standard_error() -> None:
    chain = [Hop("gateway", 1.0, Latency(0.002, 0.0, 0.0)),
             Hop("orders", 1.0, Latency(0.01, 0.5, 0.02)),
             Hop("stock", 1.0, Latency(0.03, 0.0, 0.0))]
    report = synchronous_chain(chain, requests=4000, seed=4)
    assert report.availability == 1.0
    assert report.expected_latency == pytest.approx(0.002 + (0.01 + 0.02 * 0.5) + 0.03)
    # variance of each hop: an exponential's mean² plus the mixture's p (1 - p) slow²
    variance = 0.002**2 + 0.01**2 + 0.02 * 0.98 * 0.5**2 + 0.03**2
    bound = Z * math.sqrt(variance / 4000)
    assert abs(report.mean_latency - report.expected_latency) <= bound
    assert report.p99_latency > 0.5  # 2% of requests wait on a slow orders call


def test_a_chain_of_fixed_latencies_takes_exactly_their_sum() -> None:
    chain = [Hop("a", 1.0, fixed(0.25)), Hop("b", 1.0, fixed(0.5)), Hop("c", 1.0, fixed(1.0))]
    report = synchronous_chain(chain, requests=50, seed=0)
    assert report.mean_latency == pytest.approx(1.75, abs=1e-9)
    assert report.p99_latency == pytest.approx(1.75, abs=1e-9)


def test_failures_are_counted_where_they_happen() -> None:
    chain = [Hop("up", 1.0), Hop("down", 0.0), Hop("never-reached", 1.0)]
    report = synchronous_chain(chain, requests=100, seed=0)
    assert report.failed_at == (("up", 0), ("down", 100), ("never-reached", 0))
    assert report.availability == 0.0 and math.isnan(report.mean_latency)


@settings(max_examples=40)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=5), st.integers(0, 10**6))
def test_every_request_succeeds_or_fails_at_one_service(shares: list[float], seed: int) -> None:
    chain = [Hop(f"s{k}", a) for k, a in enumerate(shares)]
    report = synchronous_chain(chain, requests=60, seed=seed)
    failed = sum(count for _, count in report.failed_at)
    assert round(report.availability * 60) + failed == 60
    assert report.services == tuple(f"s{k}" for k in range(len(shares)))
    for (name, count), share in zip(report.failed_at, shares, strict=True):
        if share == 1.0:
            assert count == 0, name


def test_the_chain_is_fixed_by_its_seed() -> None:
    chain = list(ORDER_FLOW)
    assert synchronous_chain(chain, requests=300, seed=5) == synchronous_chain(
        chain, requests=300, seed=5)
    assert synchronous_chain(chain, requests=300, seed=5) != synchronous_chain(
        chain, requests=300, seed=6)


def test_mean_latency_of_a_mixture() -> None:
    assert mean_latency(Latency(0.01, 1.0, 0.01)) == pytest.approx(0.02)
    assert mean_latency(Latency(0.01, 0.0, 0.0)) == 0.01


# -- Pattern 5.1.2: the queue through a consumer outage ------------------------------------

def test_the_outage_builds_a_backlog_of_the_messages_sent_during_it() -> None:
    run = queue_outage(seed=1)
    start = dict(run.backlog)[run.outage_start]
    # nothing new is consumed during the outage: at most the message already in service
    grown = run.backlog_at_recovery - start
    assert run.lost_if_synchronous - 1 <= grown <= run.lost_if_synchronous
    assert run.fluid_backlog == 600.0 and run.fluid_drain == 120.0
    assert run.expected_drain == pytest.approx(run.backlog_at_recovery / 5)
    assert run.drain_sd == pytest.approx(math.sqrt(run.backlog_at_recovery * 25 / 125))
    assert abs(run.backlog_at_recovery - run.fluid_backlog) <= Z * math.sqrt(600) + 10


def test_drain_time_averages_to_the_busy_period_mean() -> None:
    runs = [queue_outage(seed=seed) for seed in range(20)]
    errors = [run.drain_time - run.expected_drain for run in runs if run.drain_time]
    assert len(errors) == 20
    sd = statistics.mean(run.drain_sd for run in runs)
    assert abs(statistics.mean(errors)) <= Z * sd / math.sqrt(20)
    backlogs = [run.backlog_at_recovery for run in runs]
    assert abs(statistics.mean(backlogs) - 600) <= Z * math.sqrt(600 / 20) + 2


def test_the_backlog_series_grows_through_the_outage_and_drains_after() -> None:
    run = queue_outage(8.0, 12.0, outage_start=10.0, outage=30.0, seed=2)
    times = [t for t, _ in run.backlog]
    assert times[:3] == [0.0, 1.0, 2.0] and times == sorted(times)
    inside = [b for t, b in run.backlog if 11.0 <= t <= 40.0]
    assert inside == sorted(inside)
    assert run.drain_time is not None
    after = [b for t, b in run.backlog if t >= 40.0 + run.drain_time + 1]
    assert max(after) < run.backlog_at_recovery / 4
    assert run.max_delay > 29.0  # a message sent as the outage began waited it out
    assert run.accepted > run.lost_if_synchronous


def test_a_short_horizon_leaves_the_backlog_undrained() -> None:
    run = queue_outage(outage_start=5.0, outage=20.0, horizon=26.0, seed=0)
    assert run.drain_time is None
    assert run.backlog_at_recovery > 100


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    ((10.0, 10.0), {}, "service_rate must exceed arrival_rate"),
    ((10.0, 5.0), {}, "μ > λ"),
    ((0, 5.0), {}, "arrival_rate must be a positive"),
    ((1.0, 2.0), {"outage": 0}, "outage must be a positive"),
    ((1.0, 2.0), {"outage_start": 10, "outage": 5, "horizon": 15}, "horizon must end after"),
    ((1.0, 2.0), {"step": -1}, "step must be a positive"),
    ((1.0, 2.0), {"seed": 1.5}, "seed must be an integer"),
])
def test_queue_outage_refuses_bad_input(args: tuple[float, float], kwargs: dict[str, object],
                                        message: str) -> None:
    with pytest.raises(TheoryError, match=message):
        queue_outage(*args, **kwargs)  # type: ignore[arg-type]


def test_the_queue_is_fixed_by_its_seed() -> None:
    assert queue_outage(seed=4) == queue_outage(seed=4)
    assert queue_outage(seed=4) != queue_outage(seed=5)


# -- Pattern 5.1.3: orchestration and choreography -----------------------------------------

def test_coupling_graphs() -> None:
    orchestrated = coupling("orchestration")
    assert set(orchestrated.edges) == {("order", s.name) for s in ORDER_FLOW[1:]}
    assert set(nx.get_edge_attributes(orchestrated, "kind").values()) == {"call"}
    choreographed = coupling("choreography")
    assert choreographed.number_of_edges() == 8
    deliveries = sorted((d["step"], v) for _, v, d in choreographed.edges(data=True)
                        if d["kind"] == "deliver")
    assert [v for _, v in deliveries] == ["payment", "inventory", "shipping", "notification"]
    assert nx.has_path(choreographed, "order", "notification")


def test_accept_needs_follows_only_the_edges_whose_sender_waits() -> None:
    assert accept_needs(coupling("orchestration"), "order") == {s.name for s in ORDER_FLOW}
    assert accept_needs(coupling("choreography"), "order") == {"order", "broker"}
    assert accept_needs(coupling("choreography"), "shipping") == {"shipping", "broker"}
    graph: nx.DiGraph = nx.DiGraph()
    graph.add_edge("a", "b", kind="call")
    graph.add_edge("b", "c", kind="deliver")
    graph.add_edge("c", "d", kind="call")
    assert accept_needs(graph, "a") == {"a", "b"}
    with pytest.raises(TheoryError, match="entry must be a node"):
        accept_needs(graph, "z")


@pytest.mark.parametrize("style", STYLES)
def test_acceptance_is_the_product_of_the_needed_services(style: str) -> None:
    report = order_flow(style, orders=4000, seed=2)
    needs = {s.name: s.availability for s in (*ORDER_FLOW, BROKER)}
    assert report.expected_acceptance == pytest.approx(
        math.prod(needs[name] for name in report.needs))
    assert abs(report.acceptance - report.expected_acceptance) <= Z * report.standard_error


def test_orchestration_needs_everyone_choreography_the_entry_and_the_broker() -> None:
    orchestrated = order_flow("orchestration", seed=0)
    choreographed = order_flow("choreography", seed=0)
    assert orchestrated.needs == ("inventory", "notification", "order", "payment", "shipping")
    assert choreographed.needs == ("broker", "order")
    assert orchestrated.expected_acceptance == pytest.approx(
        0.999 * 0.995 * 0.998 * 0.99 * 0.98)
    assert choreographed.expected_acceptance == pytest.approx(0.999 * 0.9995)
    assert choreographed.accept_latency < orchestrated.accept_latency
    assert choreographed.completion_latency > orchestrated.completion_latency
    assert (orchestrated.broker_hops, choreographed.broker_hops) == (0, 4)
    assert orchestrated.redeliveries == 0 < choreographed.redeliveries


def test_fixed_latencies_give_the_closed_forms_exactly() -> None:
    flow = [Hop("order", 1.0, fixed(0.1)), Hop("pay", 1.0, fixed(0.2)),
            Hop("ship", 1.0, fixed(0.4))]
    broker = Hop("bus", 1.0, fixed(0.05))
    orchestrated = order_flow("orchestration", flow, broker=broker, network=0.01, orders=20)
    assert orchestrated.acceptance == 1.0
    assert orchestrated.expected_completion_latency == pytest.approx(0.1 + 0.22 + 0.42)
    assert orchestrated.completion_latency == pytest.approx(0.74, abs=1e-9)
    assert orchestrated.accept_latency == pytest.approx(0.74, abs=1e-9)
    choreographed = order_flow("choreography", flow, broker=broker, network=0.01, orders=20)
    assert choreographed.accept_latency == pytest.approx(0.12, abs=1e-9)
    assert choreographed.expected_accept_latency == pytest.approx(0.12)
    assert choreographed.completion_latency == pytest.approx(0.1 + 0.26 + 0.46, abs=1e-9)
    assert choreographed.expected_completion_latency == pytest.approx(0.82)
    assert choreographed.p99_completion == pytest.approx(0.82, abs=1e-9)


def test_redeliveries_add_their_geometric_mean() -> None:
    flow = [Hop("order", 1.0, fixed(0.0)), Hop("flaky", 0.5, fixed(0.0))]
    broker = Hop("bus", 1.0, fixed(0.0))
    report = order_flow("choreography", flow, broker=broker, network=0.0, redelivery=1.0,
                        orders=4000, seed=1)
    # a geometric number of misses with mean (1 - a) / a = 1 and variance (1 - a) / a² = 2
    assert report.expected_completion_latency == pytest.approx(1.0, abs=1e-9)
    assert abs(report.completion_latency - 1.0) <= Z * math.sqrt(2 / 4000)
    assert report.redeliveries == pytest.approx(report.completion_latency * 4000, abs=1e-3)
    assert report.acceptance == 1.0


@settings(max_examples=30)
@given(st.lists(st.floats(0.05, 1), min_size=2, max_size=5), st.sampled_from(STYLES),
       st.integers(0, 10**6))
def test_accepted_orders_complete_and_needs_come_from_the_graph(
        shares: list[float], style: str, seed: int) -> None:
    flow = [Hop(f"s{k}", a, fixed(0.01)) for k, a in enumerate(shares)]
    report = order_flow(style, flow, orders=40, seed=seed)
    assert set(report.needs) == accept_needs(coupling(style, flow), "s0")
    assert 0.0 <= report.acceptance <= 1.0
    if report.acceptance:
        assert report.completion_latency >= report.accept_latency - 0.003
    if style == "choreography":
        assert set(report.needs) == {"s0", BROKER.name}


@pytest.mark.parametrize(("call", "message"), [
    (lambda: order_flow("pipeline"), "style must be one of orchestration, choreography"),
    (lambda: coupling("choreography", [Hop("broker")]), "at least one more service"),
    (lambda: coupling("choreography", [Hop("a"), Hop("broker")]), "also a service's"),
    (lambda: order_flow("choreography", [Hop("a"), Hop("b", 0.0)]), "never completes"),
    (lambda: order_flow("orchestration", [Hop("a"), Hop("a")]), "lists 'a' twice"),
    (lambda: order_flow("orchestration", ["order", "payment"]),  # type: ignore[list-item]
     "not a Hop"),
    (lambda: order_flow("orchestration", network=-1), "network must be a non-negative"),
    (lambda: order_flow("orchestration", orders=0), "orders must be a positive"),
    (lambda: Hop("x", 1.5), "availability must lie in"),
    (lambda: Hop("", 0.5), "name must be a non-empty"),
    (lambda: synchronous_chain([]), "at least one Hop"),
    (lambda: synchronous_chain([Hop("a")], requests=0), "requests must be a positive"),
])
def test_bad_input_is_refused(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(TheoryError, match=message):
        call()


def test_an_orchestration_with_a_dead_service_accepts_nothing() -> None:
    report = order_flow("orchestration", [Hop("a"), Hop("b", 0.0)], orders=50)
    assert report.acceptance == 0.0 and report.expected_acceptance == 0.0
    assert math.isnan(report.completion_latency)


def test_the_flow_is_fixed_by_its_seed() -> None:
    for style in STYLES:
        assert order_flow(style, orders=200, seed=8) == order_flow(style, orders=200, seed=8)
        assert order_flow(style, orders=200, seed=8) != order_flow(style, orders=200, seed=9)
