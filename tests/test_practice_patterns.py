"""Patterns 8.1.1-8.1.3 found in architectures: aggregators, pass-through proxies and chains
of synchronous calls, with their verdicts, on the shipped examples, third-party files and
generated architectures."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings

from msatheory.basics.availability import serial
from msatheory.basics.model import Architecture, Call, Service
from msatheory.basics.strategies import architectures
from msatheory.check import EXAMPLES, load
from msatheory.communication.patterns import SERVICE_LATENCY, mean_latency
from msatheory.errors import TheoryError
from msatheory.gateway.aggregation import slow_fraction
from msatheory.practice.detection import (
    AVAILABILITY_TARGET,
    DEPENDENCY_AVAILABILITY,
    SEARCH_LIMIT,
    SERVICE_MEAN,
    SLOW_SHARE,
    TAIL_QUANTILE,
    Aggregator,
    Chain,
    Proxy,
    check_aggregators,
    check_chains,
    check_proxies,
    find_aggregators,
    find_chains,
    find_proxies,
    longest_chain,
)
from msatheory.theory import Kind, get

SHARED = Path(__file__).resolve().parents[2] / "shared" / "examples"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(),
                                  reason=f"the third-party examples are not at {SHARED}")


def example(name: str) -> Architecture:
    return load(EXAMPLES / name).architecture


def gateway_over(k: int) -> Architecture:
    """A gateway that calls ``k`` services."""
    names = [f"s{i}" for i in range(k)]
    return Architecture([Service("gateway", calls=names), *map(Service, names)])


def line(k: int, soft_after: int | None = None) -> Architecture:
    """``k`` services in a row, s0 → s1 → ...; the call out of ``soft_after`` is soft."""
    names = [f"s{i}" for i in range(k)]
    services = []
    for i, (a, b) in enumerate(pairwise(names)):
        call = Call(b, timeout=0.5, fallback="cached") if i == soft_after else Call(b)
        services.append(Service(a, calls=(call,)))
    return Architecture([*services, Service(names[-1])])


# -- the defaults and their sources ----------------------------------------------------------

def test_the_defaults_are_the_published_figures() -> None:
    assert SLOW_SHARE == 0.01 and TAIL_QUANTILE == 0.95  # Dean and Barroso
    # Treynor et al.: dependencies offer one more nine than the service's target
    assert round(-math.log10(1 - DEPENDENCY_AVAILABILITY)) == round(
        -math.log10(1 - AVAILABILITY_TARGET)) + 1
    assert mean_latency(SERVICE_LATENCY) == SERVICE_MEAN  # chapter 5's service latency


# -- the shipped examples --------------------------------------------------------------------

def test_the_shop() -> None:
    shop = example("shop.yaml")
    assert find_aggregators(shop) == (
        Aggregator("api-gateway", ("catalog", "customers", "orders"), entry=True),)
    assert find_proxies(shop) == ()
    chains = find_chains(shop)
    assert [c.services for c in chains] == [("api-gateway", "orders", "catalog"),
                                            ("api-gateway", "catalog"),
                                            ("api-gateway", "customers")]
    longest = chains[0]
    assert longest.length == 3 and longest.loops_to is None
    assert longest.availability == pytest.approx(DEPENDENCY_AVAILABILITY**3)
    assert longest.critical_availability == DEPENDENCY_AVAILABILITY  # every call is soft
    assert longest.mean_latency == pytest.approx(3 * SERVICE_MEAN)
    for verdict in (check_aggregators(shop), check_proxies(shop), check_chains(shop)):
        assert verdict.holds, verdict
    assert "3.0% of its requests wait on a slow one" in check_aggregators(shop).summary
    assert "chains of up to 10 meet 0.999" in check_chains(shop).summary


def test_the_tangled_shop() -> None:
    tangled = example("tangled-shop.yaml")
    assert [(a.service, a.degree, a.entry) for a in find_aggregators(tangled)] == [
        ("api-gateway", 3, True), ("orders", 2, False)]
    # payments is exposed (the card provider's webhook) and forwards to orders, which
    # calls it back: a cycle, not a hop inside
    assert find_proxies(tangled) == (Proxy("payments", "orders", ("orders",), True, True),)
    assert check_proxies(tangled).holds
    looping = [c for c in find_chains(tangled) if c.loops_to]
    assert [(c.services, c.loops_to) for c in looping] == [
        (("api-gateway", "orders", "payments"), "orders")]
    assert "1 chain loops back (see Axiom 1.1.1)" in check_chains(tangled).summary
    assert "Not at an entry point: orders." in check_aggregators(tangled).summary
    # every call is hard: the critical availability is the whole product
    assert all(c.critical_availability == c.availability for c in find_chains(tangled))


def test_the_backends_for_frontends() -> None:
    bff = example("bff.yaml")
    assert [a.service for a in find_aggregators(bff)] == ["web-bff"]
    assert find_proxies(bff) == (Proxy("mobile-bff", "mobile-feed", (), True, True),)
    verdict = check_proxies(bff)
    assert verdict.holds and "at the edge: mobile-bff (the pattern as stated)" in (
        verdict.summary)
    assert find_chains(bff)[0].services == ("web-bff", "videos", "licensing")


@needs_shared
@pytest.mark.parametrize("name", ["robot-shop/docker-compose.yaml",
                                  "sock-shop/docker-compose.yml",
                                  "sock-shop/complete-demo.yaml"])
def test_third_party_files_declare_no_calls_and_the_checkers_say_so(name: str) -> None:
    arch = load(SHARED / name).architecture
    assert find_aggregators(arch) == () and find_proxies(arch) == ()
    assert find_chains(arch) == ()
    assert check_chains(arch).summary == (
        "No entry point calls another service synchronously: no chain.")
    assert check_aggregators(arch).summary == (
        "No service calls two or more services synchronously.")


# -- Pattern 8.1.1 ---------------------------------------------------------------------------

def test_a_fan_out_of_six_has_a_slow_p95_and_five_does_not() -> None:
    assert slow_fraction(5, 0.01) < 0.05 < slow_fraction(6, 0.01)
    assert check_aggregators(gateway_over(5)).holds
    verdict = check_aggregators(gateway_over(6))
    assert verdict.statement == get(Kind.PATTERN, "8.1.1")
    (witness,) = verdict.witnesses
    assert witness.what == "slow tail"
    assert witness.involves == ("gateway", "s0", "s1", "s2", "s3", "s4", "s5")
    assert "5.9% of its requests" in witness.detail
    assert "fan out to 5 or fewer" in witness.detail
    assert check_aggregators(gateway_over(6), quantile=0.9).holds
    assert not check_aggregators(gateway_over(2), p=0.1).holds  # 19% > 5%


def test_only_synchronous_calls_fan_out() -> None:
    arch = Architecture([Service("web", calls=("a", Call("b", kind="async"),
                                               Call("c", kind="monitoring"))),
                         Service("a"), Service("b"), Service("c")])
    assert find_aggregators(arch) == ()
    assert find_aggregators(gateway_over(3), least=4) == ()
    with pytest.raises(TheoryError, match="find_aggregators: least must be a whole number "
                                          "of at least 2, not 1"):
        find_aggregators(arch, least=1)


# -- Pattern 8.1.2 ---------------------------------------------------------------------------

def test_a_relay_inside_is_a_witness() -> None:
    arch = Architecture([Service("web", calls=("relay",), datastores=("sessions",)),
                         Service("admin", calls=("relay",), datastores=("audit",)),
                         Service("relay", calls=(Call("orders", timeout=1.0,
                                                      fallback="try later"),)),
                         Service("orders", datastores=("db",))])
    assert find_proxies(arch) == (Proxy("relay", "orders", ("admin", "web"), False, False),)
    (witness,) = check_proxies(arch).witnesses
    assert witness.involves == ("admin", "web", "relay", "orders")
    assert "let admin and web call orders directly" in witness.detail


@pytest.mark.parametrize("change", [
    {"datastores": ("cache",)}, {"publishes": ("relayed",)}, {"subscribes": ("orders",)},
    {"calls": ("orders", "stock")}, {"calls": (Call("orders", kind="async"),)},
])
def test_a_service_with_a_job_is_no_proxy(change: dict[str, object]) -> None:
    fields: dict[str, object] = {"calls": ("orders",), **change}
    arch = Architecture([Service("web", calls=("relay",), datastores=("sessions",)),
                         Service("relay", **fields),  # type: ignore[arg-type]
                         Service("orders"), Service("stock")])
    assert [p.service for p in find_proxies(arch)] == []


def test_a_relay_no_one_reaches_is_no_proxy() -> None:
    arch = Architecture([Service("web", calls=("orders",), exposed=True,
                                 datastores=("sessions",)),
                         Service("load-generator", calls=("orders",)), Service("orders")])
    assert find_proxies(arch) == ()


# -- Pattern 8.1.3 ---------------------------------------------------------------------------

def test_ten_services_at_four_nines_meet_three_and_eleven_do_not() -> None:
    assert DEPENDENCY_AVAILABILITY**10 >= AVAILABILITY_TARGET > DEPENDENCY_AVAILABILITY**11
    assert check_chains(line(10)).holds
    verdict = check_chains(line(13))
    assert verdict.statement == get(Kind.PATTERN, "8.1.3")
    (witness,) = verdict.witnesses  # the shortest failing prefix, once
    assert witness.what == "chain below target"
    assert witness.involves == tuple(f"s{i}" for i in range(11))
    assert "0.9999^11 = 0.998901" in witness.detail


def test_a_soft_call_ends_the_critical_part() -> None:
    (chain,) = find_chains(line(13, soft_after=5))
    assert chain.critical == 6
    assert chain.critical_availability == pytest.approx(DEPENDENCY_AVAILABILITY**6)
    assert chain.availability == pytest.approx(DEPENDENCY_AVAILABILITY**13)
    assert check_chains(line(13, soft_after=5)).holds


def test_latency_and_length_budgets() -> None:
    arch = line(6)
    verdict = check_chains(arch, latency_budget=0.035, max_length=4)
    assert {(w.what, w.involves) for w in verdict.witnesses} == {
        ("chain over latency budget", ("s0", "s1", "s2", "s3")),
        ("chain too long", ("s0", "s1", "s2", "s3", "s4")),
    }
    assert check_chains(arch, latency_budget=0.06, max_length=6).holds
    slow = {f"s{i}": 0.01 for i in range(6)} | {"s1": 0.5}
    (witness,) = check_chains(arch, latency=slow, latency_budget=0.1).witnesses
    assert witness.involves == ("s0", "s1") and "mean latency 0.51 s" in witness.detail


def test_one_weak_service_in_a_mapping() -> None:
    arch = line(3)
    shares = {"s0": 0.9999, "s1": 0.99, "s2": 0.9999}
    (witness,) = check_chains(arch, availability=shares).witnesses
    assert witness.involves == ("s0", "s1")
    assert "0.9999 × 0.99 = 0.989901" in witness.detail
    assert "chains of up to" not in check_chains(arch, availability=shares).summary
    with pytest.raises(TheoryError, match="check_chains: availability must name every "
                                          "service or be one figure; it lacks s2"):
        check_chains(arch, availability={"s0": 0.9, "s1": 0.9})
    with pytest.raises(TheoryError, match=r"find_chains: availability of 's1' must lie in"):
        find_chains(arch, availability={"s0": 0.9, "s1": 1.5, "s2": 0.9})


def test_cycles_are_cut_where_they_close() -> None:
    ring = Architecture([Service("a", calls=("b",), exposed=True), Service("b", calls=("c",)),
                         Service("c", calls=("a",))])
    (chain,) = find_chains(ring)
    assert (chain.services, chain.critical, chain.loops_to) == (("a", "b", "c"), 3, "a")
    assert isinstance(chain, Chain) and str(chain) == "a → b → c"


def test_the_limit_cuts_the_list_and_says_so() -> None:
    arch = gateway_over(4)
    assert len(find_chains(arch)) == 4 and len(find_chains(arch, limit=2)) == 2
    assert "Cut at 2: a longer chain may exist." in check_chains(arch, limit=2).summary
    with pytest.raises(TheoryError, match="find_chains: limit must be a positive whole"):
        find_chains(arch, limit=0)


def test_the_search_stops_on_a_graph_of_many_paths() -> None:
    layers = [[f"l{i}-{j}" for j in range(3)] for i in range(13)]  # 3^12 maximal paths
    services = [Service(name, calls=tuple(after)) for before, after in pairwise(layers)
                for name in before] + [Service(name) for name in layers[-1]]
    arch = Architecture([Service("web", calls=tuple(layers[0])), *services])
    chains = find_chains(arch, limit=10**6)
    assert 0 < len(chains) * 14 <= SEARCH_LIMIT + 14
    assert all(c.length == 14 for c in chains)
    assert "a longer chain may exist" in check_chains(arch, limit=10**6).summary


def test_finding_chains_and_proxies_loads_no_heavy_library() -> None:
    code = ("import sys; from msatheory.check import EXAMPLES, load; "
            "from msatheory.practice import check_chains, check_proxies, find_aggregators; "
            "a = load(EXAMPLES / 'tangled-shop.yaml').architecture; "
            "check_chains(a); check_proxies(a); find_aggregators(a); "
            "print(sorted(m for m in ('sympy', 'simpy', 'hypothesis', 'scipy', 'numpy') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[1])
    assert ast.literal_eval(done.stdout) == []


@pytest.mark.parametrize("checker", [check_aggregators, check_proxies, check_chains,
                                     find_aggregators, find_proxies, find_chains])
def test_an_architecture_is_required(checker: object) -> None:
    assert callable(checker)
    with pytest.raises(TheoryError, match="arch must be an Architecture, not 'shop'"):
        checker("shop")


# -- properties over generated architectures -------------------------------------------------

def maximal_paths(arch: Architecture) -> set[tuple[str, ...]]:
    """Every maximal simple path of two or more services from an entry point, by networkx."""
    graph = arch.call_graph
    found = set()
    for entry in arch.entry_points:
        for target in graph:
            for path in nx.all_simple_paths(graph, entry, target):
                if len(path) >= 2 and all(c in path for c in graph.successors(target)):
                    found.add(tuple(path))
    return found


@settings(max_examples=60)
@given(arch=architectures(max_services=7))
def test_chains_are_the_maximal_simple_paths_networkx_finds(arch: Architecture) -> None:
    chains = find_chains(arch)
    assert {c.services for c in chains} == maximal_paths(arch)
    lengths = [c.length for c in chains]
    assert lengths == sorted(lengths, reverse=True)
    for chain in chains:
        assert chain.services[0] in arch.entry_points
        assert all(arch.call_graph.has_edge(u, v) for u, v in pairwise(chain.services))
        assert chain.availability == pytest.approx(
            serial([DEPENDENCY_AVAILABILITY] * chain.length))
        assert chain.critical_availability >= chain.availability
        assert chain.mean_latency == pytest.approx(SERVICE_MEAN * chain.length)
        assert (chain.loops_to is None) == all(
            c not in chain.services for c in arch.call_graph.successors(chain.services[-1]))


@settings(max_examples=60)
@given(arch=architectures(max_services=7))
def test_the_checkers_never_raise_and_their_witnesses_are_real(arch: Architecture) -> None:
    aggregators = find_aggregators(arch)
    assert {a.service for a in aggregators} == {
        s for s in arch.call_graph if arch.call_graph.out_degree(s) >= 2}
    for proxy in find_proxies(arch):
        assert list(arch.call_graph.successors(proxy.service)) == [proxy.callee]
        assert not arch.services[proxy.service].datastores
    prefixes = {c.services[:k] for c in find_chains(arch) for k in range(2, c.length + 1)}
    verdict = check_chains(arch, availability=0.999, latency_budget=0.03, max_length=3)
    assert all(w.involves in prefixes for w in verdict.witnesses)
    for w in verdict.witnesses:
        if w.what == "chain over latency budget":
            assert len(w.involves) == 4
    for checker in (check_aggregators, check_proxies):
        assert checker(arch).holds == (not checker(arch).witnesses)


@pytest.mark.parametrize(("availability", "target"), [
    (0.9999, 0.999), (0.999, 0.998), (0.9, 0.5), (0.9, 0.9 * 0.9 * 0.9), (0.99, 0.99)])
def test_the_summary_counts_the_longest_chain_the_witnesses_allow(availability, target):
    most = longest_chain(availability, target)
    summary = check_chains(line(2), availability=availability, target=target).summary
    assert f"chains of up to {most} meet" in summary
    assert check_chains(line(most), availability=availability, target=target).holds
    assert not check_chains(line(most + 1), availability=availability, target=target).holds


def test_past_the_counted_length_the_logarithm_counts():
    assert longest_chain(1 - 1e-7, 0.999) == math.floor(math.log(0.999) / math.log1p(-1e-7))
