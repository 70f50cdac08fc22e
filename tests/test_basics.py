"""Chapter 1 model and checkers: exact witnesses by hand, properties on generated models."""

from __future__ import annotations

from itertools import pairwise

import networkx as nx
import pytest
from hypothesis import given, settings

from msatheory import TheoryError
from msatheory.basics import (
    Architecture,
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
        (lambda: Service("a", calls="b"), "calls must be a list of names, not .b."),
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
    assert N["orders"]["shipping"] == {"sync": False, "topics": ("placed",)}
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


GENERATED = settings(max_examples=150)


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
            for caller, callee in arch.call_graph.edges:
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
    assert check_fault_isolation(arch).holds == (not single_points_of_failure(arch))


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
