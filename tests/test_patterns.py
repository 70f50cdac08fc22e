"""Chapter 3 discovery patterns: client-side (3.3.1) against server-side (3.3.2) in simulation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.discovery.patterns import (
    CLIENT_SIDE,
    PATTERNS,
    SERVER_SIDE,
    ClientSideDiscovery,
    DiscoverySetup,
    Network,
    ServerSideDiscovery,
    compare,
    simulate,
    staleness_bound,
)
from msatheory.discovery.registry import NoHealthyInstance, Registry
from msatheory.discovery.scenario import SCENARIOS, Scenario, crash, fleet, partition
from msatheory.errors import TheoryError

GENERATED = settings(max_examples=30)
THOROUGH = settings(GENERATED, max_examples=100)


def steady(horizon: float = 60.0, n: int = 3) -> Scenario:
    """A fleet with no outages and no partitions."""
    return Scenario("steady", fleet(n), horizon)


def test_default_crash_comparison_shows_the_trade_off():
    client, server = compare(crash())
    assert (client.pattern, server.pattern) == (CLIENT_SIDE, SERVER_SIDE)
    assert client.requests == server.requests > 50_000  # same seed: the same traffic
    # One hop there and back, or two; registry queries add a little on top.
    assert 2 < client.mean_hops < 2.05 and 4 < server.mean_hops < 4.05
    hop = Network()
    assert client.added_latency_ms < 0.05
    assert server.added_latency_ms >= 1000 * (2 * hop.hop + hop.balancer)
    # Every holder of a cache refreshes it 20 times in 600 s with a 30 s TTL:
    # 20 clients against 2 balancers.
    assert (client.lookups, server.lookups) == (400, 40)
    assert client.lookups_per_second == pytest.approx(10 * server.lookups_per_second)
    for result in (client, server):
        assert result.failed == result.stale > 0 and result.unlisted == 0
        assert result.bound == 60.0
        # The registry keeps the dead instance at least lease - heartbeat after the crash.
        assert 30 - 10 < result.staleness <= result.bound
        assert result.last_stale == pytest.approx(100.0 + result.staleness)


def test_same_seed_same_result_and_other_seeds_other_traffic():
    setup = DiscoverySetup(SERVER_SIDE, clients=5, rate=3.0, seed=7)
    scenario = crash(n=3, at=20.0, horizon=120.0)
    first, again = simulate(setup, scenario), simulate(setup, scenario)
    assert first == again and str(first) == str(again)
    counts = {simulate(DiscoverySetup(SERVER_SIDE, clients=5, rate=3.0, seed=s), scenario).requests
              for s in range(5)}
    assert len(counts) > 1


@GENERATED
@given(
    pattern=st.sampled_from(PATTERNS),
    clients=st.integers(1, 12),
    balancers=st.integers(1, 4),
    rate=st.floats(0.5, 10.0),
    cache_ttl=st.floats(0.0, 90.0),
    heartbeat=st.floats(1.0, 10.0),
)
def test_without_outages_nothing_fails_and_hops_and_latency_are_exact(
    pattern, clients, balancers, rate, cache_ttl, heartbeat
):
    net = Network(hop=0.001, balancer=0.0003, registry=0.002)
    setup = DiscoverySetup(pattern, clients=clients, rate=rate, cache_ttl=cache_ttl,
                           balancers=balancers, heartbeat=heartbeat, lease=3 * heartbeat,
                           network=net, seed=3)
    result = simulate(setup, steady())
    assert result.failed == result.stale == result.unlisted == 0
    assert result.last_stale is None and result.staleness is None
    assert result.requests > 0
    share = result.lookups / result.requests
    base_hops, base_latency = (4, 2 * net.hop + net.balancer) if pattern == SERVER_SIDE else (2, 0)
    assert result.mean_hops == pytest.approx(base_hops + 2 * share)
    assert result.added_latency_ms == pytest.approx(1000 * (base_latency + net.registry * share))
    if cache_ttl == 0:
        assert result.lookups == result.requests  # every request asks the registry


@GENERATED
@given(clients=st.integers(1, 40), balancers=st.integers(1, 6))
def test_registry_load_scales_with_clients_or_with_balancers(clients, balancers):
    # A cache that outlives the run: each holder looks up exactly once.
    horizon = 20.0
    client, server = compare(steady(horizon), clients=clients, rate=5.0, cache_ttl=2 * horizon,
                             balancers=balancers)
    assert client.lookups == clients
    assert server.lookups == min(clients, balancers)  # a balancer with no client never asks
    assert client.lookups_per_second == clients / horizon
    assert server.lookups_per_second == min(clients, balancers) / horizon
    assert client.mean_hops == pytest.approx(2 + 2 * clients / client.requests)
    assert server.mean_hops == pytest.approx(4 + 2 * server.lookups / server.requests)


@GENERATED
@given(clients=st.integers(1, 10), balancers=st.integers(1, 4), cache_ttl=st.floats(1.0, 30.0))
def test_a_cache_is_refreshed_at_most_once_per_ttl(clients, balancers, cache_ttl):
    horizon = 60.0
    client, server = compare(steady(horizon), clients=clients, rate=4.0, cache_ttl=cache_ttl,
                             balancers=balancers)
    most = math.floor(horizon / cache_ttl) + 1  # lookup times in [0, horizon), >= ttl apart
    assert client.lookups <= clients * most
    assert server.lookups <= min(clients, balancers) * most
    assert client.lookups >= clients  # every client sent something in 60 s at 4 req/s


@THOROUGH
@given(
    lease=st.floats(1.0, 60.0),
    heartbeat=st.floats(0.5, 30.0),
    cache_ttl=st.floats(0.0, 60.0),
    at=st.floats(1.0, 100.0),
    pattern=st.sampled_from(PATTERNS),
)
def test_a_crashed_instance_gets_no_request_after_the_staleness_bound(
    lease, heartbeat, cache_ttl, at, pattern
):
    bound = staleness_bound(lease, heartbeat, cache_ttl)
    scenario = crash(n=3, at=at, horizon=at + bound + 10.0)  # traffic goes on past the bound
    setup = DiscoverySetup(pattern, clients=4, rate=3.0, cache_ttl=cache_ttl, balancers=2,
                           heartbeat=heartbeat, lease=lease, seed=11)
    result = simulate(setup, scenario)
    assert result.bound == bound
    if result.staleness is not None:
        assert result.last_stale == pytest.approx(at + result.staleness)
        assert result.staleness <= bound
        assert result.last_stale < at + bound


def test_without_a_cache_staleness_is_the_lease_left_after_the_last_heartbeat():
    lease, heartbeat = 30.0, 10.0
    for pattern in PATTERNS:
        setup = DiscoverySetup(pattern, clients=10, rate=10.0, cache_ttl=0.0,
                               heartbeat=heartbeat, lease=lease)
        result = simulate(setup, crash(at=100.0, horizon=200.0))
        assert lease - heartbeat - 1 < result.staleness < lease


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_named_scenario_stays_within_the_bound(name):
    for result in compare(SCENARIOS[name], clients=4):
        assert result.requests == result.served + result.failed
        assert result.staleness is None or result.staleness <= result.bound


def test_a_partition_fails_requests_as_unlisted_not_stale():
    # The registry loses every lease for a while; the instances themselves keep serving.
    for result in compare(partition(n=3, start=20.0, length=60.0, horizon=120.0), clients=4,
                          cache_ttl=5.0):
        assert result.unlisted > 0 and result.stale == 0
        assert 0 < result.failure_fraction < 1


def test_staleness_bound_in_closed_form():
    assert staleness_bound(30, 10, 30) == 60.0
    assert staleness_bound(30, 1, 30) == staleness_bound(30, 29, 30)  # heartbeat drops out
    assert staleness_bound(30, 10, 0) == 30.0
    assert staleness_bound(30, 10, math.inf) == math.inf
    assert DiscoverySetup(CLIENT_SIDE, lease=20, cache_ttl=5).bound == 25.0


def test_results_print_compactly():
    result = simulate(DiscoverySetup(CLIENT_SIDE, clients=2, rate=1.0),
                      crash(n=2, at=10.0, horizon=60.0))
    text = str(result)
    assert text.startswith("client-side on crash: ") and "\n" not in text
    assert "hops" in text and "lookups/s" in text and "bound 60 s" in text
    quiet = simulate(DiscoverySetup(SERVER_SIDE, clients=2, rate=1.0), steady())
    assert "0 failed" in str(quiet) and "staleness none" in str(quiet)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: DiscoverySetup("mesh"), "pattern must be one of .* not 'mesh'"),
        (lambda: DiscoverySetup(CLIENT_SIDE, clients=0), "clients must be .* not 0"),
        (lambda: DiscoverySetup(CLIENT_SIDE, clients=2.5), "clients must be .* not 2.5"),
        (lambda: DiscoverySetup(CLIENT_SIDE, balancers=True), "balancers must be .* not True"),
        (lambda: DiscoverySetup(CLIENT_SIDE, rate=0), "rate must be a positive .* not 0"),
        (lambda: DiscoverySetup(CLIENT_SIDE, rate=math.inf), "rate must be .* not inf"),
        (lambda: DiscoverySetup(CLIENT_SIDE, cache_ttl=-1), "cache_ttl must be .* not -1"),
        (lambda: DiscoverySetup(CLIENT_SIDE, heartbeat=0), "heartbeat must be .* not 0"),
        (lambda: DiscoverySetup(CLIENT_SIDE, lease=math.nan), "lease must be .* not nan"),
        (lambda: DiscoverySetup(CLIENT_SIDE, network="fast"),
         "^DiscoverySetup: network must be an? Network, not 'fast'$"),
        (lambda: DiscoverySetup(CLIENT_SIDE, seed="x"), "seed must be an integer, not 'x'"),
        (lambda: Network(hop=-0.001),
         "^Network: hop must be a non-negative finite number of seconds, not -0.001$"),
        (lambda: Network(registry="1ms"), "Network: registry must be .* not '1ms'"),
        (lambda: staleness_bound(0, 10, 30), "staleness_bound: lease .* not 0"),
        (lambda: staleness_bound(30, -1, 30), "staleness_bound: heartbeat .* not -1"),
        (lambda: simulate(DiscoverySetup(CLIENT_SIDE), "crash"),
         "^simulate: scenario must be an? Scenario, not 'crash'$"),
        (lambda: simulate("client-side", crash()),
         "^simulate: setup must be an? DiscoverySetup, not 'client-side'$"),
        (lambda: ServerSideDiscovery("fast"),
         "^ServerSideDiscovery: network must be an? Network, not 'fast'$"),
    ],
)
def test_bad_input_is_named(build, message):
    with pytest.raises(TheoryError, match=message):
        build()


def test_discovery_patterns_count_requests_when_nothing_is_registered_yet():
    client, server = compare(partition(start=0, length=60, horizon=200))
    assert client.unlisted > 0 and server.unlisted > 0 and client.requests == server.requests


def test_a_holder_asks_the_registry_once_per_cache_ttl_and_caches_no_failure():
    registry = Registry(ttl=None)
    for instance in fleet(2):
        registry.register(instance)
    client = ClientSideDiscovery()
    picks = [client.discover(registry, "orders", now, cache_ttl=10.0) for now in (0, 5, 10)]
    assert [(i.id, looked) for i, looked in picks] == [
        ("orders-1", True), ("orders-2", False), ("orders-1", True)]
    for instance in fleet(2):
        registry.set_status("orders", instance.id, "critical")
    with pytest.raises(NoHealthyInstance):
        client.discover(registry, "orders", 20.0, cache_ttl=10.0)
    assert client.instances is None and client.stale(20.0, 10.0)
    balancer = ServerSideDiscovery(Network(hop=0.001, balancer=0.0003))
    assert (balancer.hops, balancer.latency) == (4, 0.0023)


def test_the_setup_predicts_registry_load_and_added_latency_as_measured():
    client, server = compare(crash())
    for result, pattern in ((client, "client-side"), (server, "server-side")):
        setup = DiscoverySetup(pattern)
        assert result.lookups_per_second == pytest.approx(setup.registry_load, rel=0.02)
        assert result.added_latency_ms == pytest.approx(1000 * setup.added_latency, abs=0.01)
    assert DiscoverySetup("client-side").added_latency == 0
    assert DiscoverySetup("server-side", cache_ttl=0, clients=4, rate=2).registry_load == 8
