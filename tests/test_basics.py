"""Chapter 1 model and checkers: exact witnesses by hand, properties on generated models."""

from __future__ import annotations

from itertools import pairwise

import networkx as nx
import pytest
from hypothesis import given, settings

from msatheory import TheoryError
from msatheory.basics import (
    Architecture,
    Call,
    Datastore,
    Service,
    blast_radius,
    check_autonomy,
    check_fault_isolation,
    check_independence,
    check_independent_scaling,
    check_technology_diversity,
    dependency_tangles,
    failure_impact,
    shared_datastores,
    single_points_of_failure,
)
from msatheory.basics.features import edges_to_soften
from msatheory.basics.strategies import architectures

CHECKERS = (
    check_independence,
    check_autonomy,
    check_technology_diversity,
    check_fault_isolation,
    check_independent_scaling,
)


def shop(**changes: Service) -> Architecture:
    services = {
        "gateway": Service("gateway", calls=("orders", "catalogue"), exposed=True),
        "catalogue": Service("catalogue", datastores=("catalogue-db",), technology="python"),
        "orders": Service("orders", calls=("payments",), publishes=("placed",),
                          datastores=("orders-db",), technology="java"),
        "payments": Service("payments", datastores=("payments-db",), technology="go"),
        "shipping": Service("shipping", subscribes=("placed",), technology="go"),
    }
    services.update(changes)
    return Architecture(services.values(), [Datastore("orders-db", "postgres")], name="shop")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Architecture([Service("a", calls=("b",))], name="x"),
         "x: service 'a' calls 'b', which is not a service of this architecture"),
        (lambda: Service("a", replicas=-2),
         "service 'a': replicas must be a whole number, 0 or more, not -2"),
        (lambda: Service("a", replicas=1.5), "service 'a': replicas must be a whole number"),
        (lambda: Service("a", replicas=True), "service 'a': replicas must be a whole number"),
        (lambda: Service("a", calls="b"), "calls must be a list of names or Calls, not .b."),
        (lambda: Service("a", calls=("b", "b")), "service 'a': calls lists 'b' twice"),
        (lambda: Service("a", datastores=("",)), "datastores holds '', which is not a name"),
        (lambda: Service("a", calls=("a",)), "service 'a' calls itself"),
        (lambda: Service(""), "service: name must be a non-empty string"),
        (lambda: Architecture([Service("a"), Service("a")], name="x"),
         "x: two services are named 'a'"),
        (lambda: Architecture([], name="x"), "x: an architecture needs at least one service"),
        (lambda: Architecture(["a"], name="x"), "x: each service must be a Service, not 'a'"),
        (lambda: blast_radius(shop(), "billing"), "shop has no service 'billing'"),
    ],
)
def test_bad_input_raises_one_error_type_naming_the_problem(build, message):
    with pytest.raises(TheoryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build()


def test_the_quadruple_and_quintuple_views():
    arch = shop()
    S, _, D, N = arch.microservice
    assert frozenset(arch.services) == S and {"orders-db"} == D["orders"]
    assert set(N.edges) == {("gateway", "orders"), ("gateway", "catalogue"),
                            ("orders", "payments"), ("orders", "shipping")}
    assert N["orders"]["shipping"] == {"sync": False, "hard": False, "topics": ("placed",)}
    S, C, N, D, M = arch.quintuple
    assert [c for c in C if c.mode == "async"] == [("orders", "shipping", "async", "placed")]
    assert arch.datastores["orders-db"].technology == "postgres"
    assert {name: False for name in S} == M
    assert set(arch.call_graph.edges) == set(N.edges) - {("orders", "shipping")}


def test_a_healthy_shop_keeps_the_axiom_and_the_features_except_fault_isolation():
    arch = shop()
    assert [c(arch).holds for c in CHECKERS] == [True, True, True, False, True]
    assert single_points_of_failure(arch) == ["catalogue", "gateway", "orders", "payments"]


def test_independence_names_every_coupling():
    arch = shop(
        payments=Service("payments", calls=("orders",), datastores=("orders-db",)),
        shipping=Service("shipping", subscribes=("placed",), deployment="orders"),
    )
    verdict = check_independence(arch)
    assert [str(w) for w in verdict.witnesses] == [
        "dependency cycle: orders → payments → orders",
        "shared data store: orders-db is used by orders, payments",
        "shared deployment unit: orders, shipping ship together in 'orders': "
        "one cannot be deployed without the others",
    ]
    assert not check_technology_diversity(arch).holds
    assert not check_independent_scaling(arch).holds
    assert [w.involves for w in check_autonomy(arch).witnesses] == [
        ("orders-db", "orders", "payments")]


def test_async_cycles_are_reported_separately():
    arch = shop(shipping=Service("shipping", subscribes=("placed",), calls=("orders",)))
    assert dependency_tangles(arch) == []
    assert [t.cycles for t in dependency_tangles(arch, include_async=True)] == [
        (("orders", "shipping", "orders"),)]


def test_failure_impact_of_a_leaf():
    impact = failure_impact(shop(), "payments")
    assert impact.failed == {"payments", "orders", "gateway"}
    assert impact.system_down and impact.entry_points_up == frozenset()
    two_doors = shop(catalogue=Service("catalogue", exposed=True))
    impact = failure_impact(two_doors, "payments")
    assert impact.entry_points_up == {"catalogue"} and not impact.system_down


def soften(arch: Architecture, edges: list[tuple[str, str]]) -> Architecture:
    """``arch`` with each call ``(caller, callee)`` of ``edges`` given a timeout and a fallback."""
    services = []
    for s in arch.services.values():
        calls = tuple(Call(c.to, timeout=0.5, retries=c.retries, fallback="cached")
                      if (s.name, c.to) in edges and c.kind == "sync" else c for c in s.calls)
        services.append(Service(s.name, calls, s.publishes, s.subscribes, s.interfaces,
                                s.datastores, s.monitors, s.technology, s.replicas,
                                s.healthcheck, s.exposed, s.deployment))
    return Architecture(services, arch.datastores.values(), name=arch.name)


@pytest.mark.parametrize(
    ("call", "hard"),
    [
        (Call("b"), True),
        (Call("b", timeout=0.5), True),  # a timeout alone turns a hang into a failure
        (Call("b", fallback="cached"), True),  # a fallback that never fires is no help
        (Call("b", timeout=0.5, retries=3), True),  # retrying a dead service still fails
        (Call("b", timeout=0.5, fallback="cached"), False),
        (Call("b", kind="async"), False),
        (Call("b", kind="monitoring"), False),
    ],
)
def test_a_call_is_hard_unless_it_has_a_timeout_and_a_fallback_or_is_not_sync(call, hard):
    assert call.hard is hard


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Call("b", kind="rpc"), "call to 'b': kind must be one of sync, async, monitoring"),
        (lambda: Call("b", timeout=0), "call to 'b': timeout must be a positive finite number"),
        (lambda: Call("b", timeout=-1.0), "timeout must be a positive finite number"),
        (lambda: Call("b", retries=-1), "call to 'b': retries must be a whole number"),
        (lambda: Call("b", fallback=" "), "call to 'b': fallback must be a non-empty string"),
        (lambda: Call("b", fallback=3), "call to 'b': fallback must be a"),
        (lambda: Call(""), "call: to must be a non-empty string"),
        (lambda: Service("a", calls=("b", Call("b", kind="async"))), "calls lists 'b' twice"),
        (lambda: Service("a", calls=(Call("a", kind="async"),)), "service 'a' calls itself"),
    ],
)
def test_bad_calls_raise_one_error_naming_the_problem(build, message):
    with pytest.raises(TheoryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build()


def test_a_soft_call_keeps_the_api_dependency_but_stops_the_failure():
    arch = shop(gateway=Service("gateway", exposed=True, calls=(
        "catalogue", Call("orders", timeout=1.0, fallback="orders unavailable"))))
    assert arch.call_graph.has_edge("gateway", "orders")  # still a sync call (Axiom 1.1.1)
    assert not arch.hard_graph.has_edge("gateway", "orders")
    assert blast_radius(arch, "payments") == {"orders"}
    assert not failure_impact(arch, "payments").system_down
    async_arch = shop(gateway=Service("gateway", exposed=True,
                                      calls=("catalogue", Call("orders", kind="async"))))
    assert not async_arch.call_graph.has_edge("gateway", "orders")
    assert ("gateway", "orders", "async", "call") in async_arch.channels
    watched = shop(gateway=Service("gateway", exposed=True,
                                   calls=("catalogue", Call("orders", kind="monitoring"))))
    assert ("gateway", "orders") in watched.monitoring
    assert not watched.network.has_edge("gateway", "orders")


def test_replicas_survive_an_instance_failure_not_a_service_failure():
    arch = shop(orders=Service("orders", calls=("payments",), replicas=3))
    assert failure_impact(arch, "orders", "instance").failed == frozenset()
    assert failure_impact(arch, "orders", "service").failed == {"orders", "gateway"}
    assert failure_impact(arch, "payments", "instance").failed == {"payments", "orders", "gateway"}
    assert blast_radius(arch, "orders", "instance") == frozenset()
    with pytest.raises(TheoryError, match="event must be one of instance, service, not 'zone'"):
        failure_impact(arch, "orders", "zone")


def test_fault_isolation_accepts_the_replicated_only_entry_point_as_a_stated_trade_off():
    soft = [Call(c, timeout=0.5, fallback="cached") for c in ("orders", "catalogue")]
    arch = shop(gateway=Service("gateway", calls=soft, exposed=True, replicas=2),
                orders=Service("orders", calls=(Call("payments", timeout=0.5, fallback="queue"),),
                               publishes=("placed",)))
    verdict = check_fault_isolation(arch)
    assert verdict.holds and single_points_of_failure(arch) == ["gateway"]
    assert "Trade-off (Pattern 4.3.1): gateway, the only entry point" in verdict.summary
    alone = shop(gateway=Service("gateway", calls=soft, exposed=True),
                 orders=arch.services["orders"])
    assert [str(w) for w in check_fault_isolation(alone).witnesses] == [
        "single point of failure: gateway, the only entry point, has 1 replica: one instance "
        "failing stops every client; run 2 or more"]


def test_the_witness_names_the_hard_calls_to_soften_and_softening_them_passes():
    arch = shop(gateway=Service("gateway", calls=("orders", "catalogue"), exposed=True,
                                replicas=2))
    verdict = check_fault_isolation(arch)
    assert [w.detail for w in verdict.witnesses] == [
        "a failure of catalogue (1 replica) reaches every entry point (gateway) by hard calls: "
        "soften gateway → catalogue",
        "a failure of orders (1 replica) reaches every entry point (gateway) by hard calls: "
        "soften gateway → orders",
        "a failure of payments (1 replica) reaches every entry point (gateway) by hard calls: "
        "soften orders → payments",
    ]
    edges = [e for w in verdict.witnesses for e in edges_to_soften(arch, w.involves[0])]
    assert check_fault_isolation(soften(arch, edges)).holds
    assert not check_fault_isolation(soften(arch, edges[:1])).holds


GENERATED = settings(max_examples=150)


@GENERATED
@given(architectures())
def test_blast_radius_grows_towards_callees_off_cycles(arch):
    """R(v) ⊇ R(u) ∪ {u} when u reaches v by hard calls and v does not reach u (u ≠ v)."""
    reach = {s: nx.descendants(arch.hard_graph, s) for s in arch.services}
    for u in arch.services:
        for v in reach[u]:
            radius = blast_radius(arch, v)
            if u not in reach[v]:
                assert radius >= blast_radius(arch, u) | {u}
            else:  # on one cycle: each is in the other's radius, neither in its own
                assert u in radius and v not in radius


@GENERATED
@given(architectures())
def test_every_checker_holds_exactly_when_it_has_no_witnesses(arch):
    for check in CHECKERS:
        verdict = check(arch)
        assert verdict.holds == (not verdict.witnesses)
        assert repr(check(arch)) == repr(verdict)


@GENERATED
@given(architectures())
def test_every_service_on_a_cycle_is_named_with_its_elementary_cycles(arch):
    found = dependency_tangles(arch)
    tangles = [c for c in nx.strongly_connected_components(arch.call_graph) if len(c) > 1]
    assert sorted(t.members for t in found) == sorted(tuple(sorted(t)) for t in tangles)
    on_cycles = {s for c in nx.simple_cycles(arch.call_graph) if len(c) > 1 for s in c}
    assert {s for t in found for s in t.members} == on_cycles
    for tangle in found:
        assert len(tangle.cycles) <= 100
        assert {s for c in tangle.cycles for s in c} <= set(tangle.members)
        for cycle in tangle.cycles:
            assert cycle[0] == cycle[-1] == min(cycle)
            assert all(arch.call_graph.has_edge(u, v) for u, v in pairwise(cycle))
            assert len(set(cycle[:-1])) == len(cycle) - 1
        if tangle.complete:  # all of them: as many as networkx counts
            sub = arch.call_graph.subgraph(tangle.members)
            assert len(tangle.cycles) == sum(1 for _ in nx.simple_cycles(sub))
    assert check_independence(arch).holds == (
        not tangles and not shared_datastores(arch)
        and all(len(m) == 1 for m in arch.deployment_units.values())
    )


@GENERATED
@given(architectures(acyclic=True))
def test_acyclic_architectures_have_no_cycle_witness(arch):
    assert dependency_tangles(arch) == []


@GENERATED
@given(architectures())
def test_blast_radius_is_what_a_breadth_first_search_of_callers_finds(arch):
    for service in arch.services:
        reached, frontier = set(), [service]
        while frontier:
            node = frontier.pop()
            for caller, callee in arch.hard_graph.edges:
                if callee == node and caller not in reached:
                    reached.add(caller)
                    frontier.append(caller)
        assert blast_radius(arch, service) == reached - {service}


@GENERATED
@given(architectures())
def test_a_single_point_of_failure_leaves_no_entry_point_serving(arch):
    for service in arch.services:
        failed = blast_radius(arch, service) | {service}
        spof = all(entry in failed for entry in arch.entry_points)
        assert (service in single_points_of_failure(arch)) == spof
    accepted = [s for s in single_points_of_failure(arch)
                if arch.entry_points == {s} and arch.services[s].replicas >= 2]
    assert check_fault_isolation(arch).holds == (
        not set(single_points_of_failure(arch)) - set(accepted))
    for witness in check_fault_isolation(arch).witnesses:  # soften what it names: it goes
        (service,) = witness.involves
        if arch.entry_points != {service}:
            softened = soften(arch, edges_to_soften(arch, service))
            assert service not in single_points_of_failure(softened)


@GENERATED
@given(architectures())
def test_the_cycle_through_a_call_is_as_short_as_a_shortest_path_back(arch):
    from msatheory.basics.features import _shortest_cycle
    graph = arch.call_graph
    for tangle in nx.strongly_connected_components(graph):
        calls = {s: [t for t in graph.successors(s) if t in tangle] for s in tangle}
        callers = {s: [t for t in graph.predecessors(s) if t in tangle] for s in tangle}
        for caller in sorted(tangle):
            for callee in calls[caller]:
                cycle = _shortest_cycle(calls, callers, caller, callee)
                back = nx.shortest_path_length(graph.subgraph(tangle), callee, caller)
                assert len(cycle) == back + 2  # closed walk: the path back, the call, repeated
                assert len(set(cycle[:-1])) == len(cycle) - 1  # elementary
                assert all(graph.has_edge(u, v) for u, v in pairwise(cycle))
                assert any(cycle[i:i + 2] == (caller, callee) for i in range(len(cycle) - 1))


def test_soften_makes_one_call_soft_and_keeps_everything_else():
    arch = shop()
    softer = arch.soften("orders", "payments", 1.0, "pay later")
    (call,) = [c for c in softer.service("orders").calls if c.to == "payments"]
    assert not call.hard and call.timeout == 1.0 and call.fallback == "pay later"
    assert set(softer.hard_graph.edges) == set(arch.hard_graph.edges) - {("orders", "payments")}
    assert set(softer.call_graph.edges) == set(arch.call_graph.edges)
    assert softer.datastores == arch.datastores and softer.name == arch.name
    with pytest.raises(TheoryError, match="'payments' does not call 'orders'"):
        arch.soften("payments", "orders", 1.0, "x")
    with pytest.raises(TheoryError, match="timeout must be"):
        arch.soften("orders", "payments", -1, "x")


@settings(max_examples=100)
@given(architectures())
def test_softening_a_hard_call_never_grows_a_blast_radius(arch):
    for caller, callee in sorted(arch.hard_graph.edges)[:3]:
        softer = arch.soften(caller, callee, 1.0, "cached answer")
        for name in arch.services:
            assert blast_radius(softer, name) <= blast_radius(arch, name)
