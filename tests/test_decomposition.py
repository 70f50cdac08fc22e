"""Cutting a monolith into services (msatheory.design.decomposition): properties on
generated monoliths, numbers on the shop."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory import TheoryError
from msatheory.design.boundary import (
    DataModel,
    Design,
    Function,
    check_separation,
    check_single_responsibility,
)
from msatheory.design.coupling import (
    CouplingWeights,
    coupling_graph,
    entity_node,
    function_node,
    modularity,
)
from msatheory.design.decomposition import (
    METHODS,
    _best_girvan_newman,
    decompose,
    domain_cut,
    edge_betweenness,
)
from msatheory.design.examples import SHOP_DOMAINS, shop_monolith
from msatheory.design.monolith import Monolith
from msatheory.design.quality import cut_quality
from msatheory.design.strategies import coupling_weights, monoliths

DETERMINISTIC = settings(max_examples=40)

def owners(design: Design) -> dict[tuple[str, str], list[str]]:
    held: dict[tuple[str, str], list[str]] = {}
    for spec in design.services:
        for f in spec.functions:
            held.setdefault(function_node(f.name), []).append(spec.name)
        for e in spec.data_models:
            held.setdefault(entity_node(e.name), []).append(spec.name)
        for i in spec.interfaces:
            held.setdefault(("interface", i.name), []).append(spec.name)
    return held

@DETERMINISTIC
@given(monoliths(), coupling_weights, st.sampled_from(METHODS))
def test_every_method_cuts_a_partition(monolith, weights, method):
    cut = decompose(monolith, weights, method)
    held = owners(cut.design)
    for f in monolith.functions:
        assert len(held.pop(function_node(f.name))) == 1
    for e in monolith.entities:
        assert len(held.pop(entity_node(e.name))) == 1
    for interface, function in monolith.exposes.items():
        service = held.pop(("interface", interface))
        assert service == [cut.owner[function_node(function)]]
    assert held == {}
    assert check_separation(cut.design).holds
    assert all(spec.functions for spec in cut.design.services)
    assert nx.community.is_partition(cut.graph, list(cut.partition.values()))
    assert set(cut.partition) == {s.name for s in cut.design.services}
    for spec in cut.design.services:  # named after a majority domain of its functions
        counts = Counter(f.domain for f in spec.functions)
        assert counts[spec.name.split("-")[0]] == max(counts.values())

@DETERMINISTIC
@given(monoliths(), coupling_weights, st.sampled_from(METHODS))
def test_decomposition_is_deterministic(monolith, weights, method):
    first, second = decompose(monolith, weights, method), decompose(monolith, weights, method)
    assert first == second
    assert first.design == second.design
    assert dict(first.partition) == dict(second.partition)

@DETERMINISTIC
@given(monoliths())
def test_domain_cut_gives_one_single_minded_service_per_domain(monolith):
    design = domain_cut(monolith)
    assert [s.name for s in design.services] == list(monolith.domains)
    assert check_single_responsibility(design).holds
    assert check_separation(design).holds
    assert all(s.domains == {s.name} for s in design.services)
    assert cut_quality(monolith, design).services == len(monolith.domains)

@DETERMINISTIC
@given(monoliths(), st.data())
def test_girvan_newman_stops_at_the_asked_number_of_services(monolith, data):
    graph = coupling_graph(monolith)
    functional = sum(
        any(n[0] == "function" for n in part) for part in nx.connected_components(graph)
    )
    services = data.draw(st.integers(functional, len(monolith.functions)))
    cut = decompose(monolith, method="girvan_newman", services=services)
    assert len(cut.design.services) == services
    with pytest.raises(TheoryError, match="services must be between"):
        decompose(monolith, method="girvan_newman", services=len(monolith.functions) + 1)

@DETERMINISTIC
@given(monoliths(), coupling_weights, st.sampled_from(METHODS))
def test_entities_only_clusters_join_their_heaviest_user(monolith, weights, method):
    services = len(monolith.functions) if method == "girvan_newman" else None
    cut = decompose(monolith, weights, method, services=services)
    graph = cut.graph
    home = {s: set(nodes) for s, nodes in cut.partition.items()}
    for part in cut.communities:
        if any(n[0] == "function" for n in part):
            continue
        entities = {n[1] for n in part}
        for s in home:
            home[s] -= part

        def use(service: str, part=part, entities=entities) -> tuple[float, int]:
            weight = sum(w for u, v, w in graph.edges(part, data="weight") if v in home[service])
            accesses = sum(
                a.entity in entities and function_node(a.function) in home[service]
                for a in monolith.accesses
            )
            return weight, accesses

        owner = cut.owner[min(part)]
        assert all(cut.owner[n] == owner for n in part)
        assert use(owner) == max(use(s) for s in home)

def _numbered(monolith, weights):
    graph = nx.convert_node_labels_to_integers(coupling_graph(monolith, weights))
    for _, _, data in graph.edges(data=True):
        data["distance"] = 1.0 / data["weight"]
    return graph


@settings(max_examples=150)
@given(monoliths(), coupling_weights)
def test_edge_betweenness_is_networkx_s_counted_both_ways(monolith, weights):
    graph = _numbered(monolith, weights)
    ours = edge_betweenness(graph)
    theirs = nx.edge_betweenness_centrality(graph, weight="distance", normalized=False)
    assert set(ours) == {(min(e), max(e)) for e in theirs}
    assert all(ours[(min(e), max(e))] == pytest.approx(2 * b, rel=1e-12, abs=1e-12)
               for e, b in theirs.items())


@settings(max_examples=150)
@given(monoliths(), coupling_weights, st.sampled_from((0.5, 1.0, 2.0)))
def test_girvan_newman_stopping_early_finds_the_most_modular_level(monolith, weights, resolution):
    """The cut equals the best of every level of networkx's own Girvan–Newman run, with
    networkx's betweenness: the bound that stops the search early loses nothing."""
    graph = _numbered(monolith, weights)
    functions = set(range(graph.number_of_nodes()))
    found = _best_girvan_newman(graph, functions, resolution, None)
    if graph.number_of_edges() == 0:
        return

    def most_valuable_edge(g):
        betweenness = nx.edge_betweenness_centrality(g, weight="distance")
        return max(betweenness, key=lambda e: (betweenness[e], -min(e), -max(e)))

    levels = [[set(c) for c in nx.connected_components(graph)]]
    levels += [[set(c) for c in level]
               for level in nx.community.girvan_newman(graph, most_valuable_edge)]
    best = max(modularity(graph, level, resolution) for level in levels)
    assert modularity(graph, found, resolution) == pytest.approx(best, abs=1e-12)


def test_a_trivial_graph_is_cut_whole():
    lone = Monolith("lone", [Function("f", "a")], [DataModel("E", "b")])
    for method in METHODS:
        cut = decompose(lone, method=method)
        assert [s.name for s in cut.design.services] == ["a"]
        assert cut.design.services[0].data_models == (DataModel("E", "b"),)

# --- the shop (fixtures shop and cuts: tests/conftest.py) ---------------------------------

def test_label_propagation_splits_the_shop_finely_with_numbered_names(cuts):
    names = [s.name for s in cuts["label_propagation"].design.services]
    assert names[:3] == ["catalog", "catalog-2", "catalog-3"]
    assert {name.split("-")[0] for name in names} == set(SHOP_DOMAINS)
    catalog2 = cuts["label_propagation"].design.service("catalog-2")
    assert [f.name for f in catalog2.functions] == [
        "check availability",
        "search products",
        "view product",
    ]
    assert catalog2.data_models == ()

def test_greedy_cut_of_the_shop_follows_the_hot_calls(shop, cuts):
    cut = cuts["greedy_modularity"]
    names = {s.name: {f.name for f in s.functions} for s in cut.design.services}
    assert sorted(names) == sorted(SHOP_DOMAINS)
    # search calls the stock check five times a request, so it lands in the catalog;
    # cart and checkout quote shipping, and order views track it, so ordering takes both.
    assert "check availability" in names["catalog"]
    assert {"quote shipping", "track shipment"} <= names["ordering"]
    assert "list orders" in names["customer"]
    assert cut.design != domain_cut(shop)
    assert not check_single_responsibility(cut.design).holds
    assert cut.design.service("ordering").interfaces == tuple(
        sorted(i for i in shop.interfaces if shop.exposes[i.name] in names["ordering"])
    )

def test_resolution_moves_the_grain(shop):
    coarse = decompose(shop, resolution=0.5)
    fine = decompose(shop, resolution=2.0)
    assert len(coarse.design.services) < 6 < len(fine.design.services)

def test_decomposition_ignores_the_hash_seed():
    script = (
        "from msatheory.design.decomposition import METHODS, decompose\n"
        "from msatheory.design.examples import shop_monolith\n"
        "m = shop_monolith()\n"
        "for method in METHODS:\n"
        "    cut = decompose(m, method=method)\n"
        "    print(sorted((s, sorted(n)) for s, n in cut.partition.items()))\n"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1

def test_an_entities_only_cluster_joins_its_heaviest_user():
    monolith = Monolith(
        "m",
        [Function("f0", "x"), Function("f1", "y")],
        [DataModel("E0", "z"), DataModel("E1", "z")],
        accesses=[
            ("f0", "E0", "read"),
            ("f0", "E1", "read"),
            ("f1", "E0", "read"),
            ("f1", "E1", "write"),
        ],
        calls=[("f0", "f1")],
    )
    cut = decompose(monolith, method="girvan_newman", services=2)
    assert frozenset({entity_node("E1")}) in cut.communities  # cut loose from both
    assert cut.owner[entity_node("E1")] == "y"  # f1 writes it (3), f0 only reads it (1)
    assert [len(s.data_models) for s in cut.design.services] == [0, 2]

def test_without_weight_an_entity_joins_its_most_frequent_user_then_its_domain():
    monolith = Monolith(
        "m",
        [Function("a", "x"), Function("b", "y")],
        [DataModel("Lone", "z"), DataModel("Used", "z")],
        accesses=[("a", "Used", "read"), ("b", "Used", "read"), ("b", "Used", "write")],
    )
    cut = decompose(monolith, CouplingWeights(write=0, read=0, call=0))
    assert cut.graph.number_of_edges() == 0
    assert cut.communities == tuple(frozenset({n}) for n in sorted(cut.graph))
    assert cut.owner[entity_node("Used")] == "y"  # b accesses it twice, a once
    assert cut.owner[entity_node("Lone")] == "x"  # nobody uses it: the first name
    kin = Monolith(
        "m",
        [Function("a", "x"), Function("b", "z")],
        [DataModel("E", "z")],
        accesses=[("a", "E", "read"), ("b", "E", "read")],
    )
    cut = decompose(kin, CouplingWeights(write=0, read=0, call=0))
    assert cut.owner[entity_node("E")] == "z"  # equal use: the service of E's domain

# --- validation ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: decompose(shop_monolith(), method="kmeans"),
            "decompose: method must be one of greedy_modularity, louvain, "
            "label_propagation, girvan_newman, not 'kmeans'",
        ),
        (
            lambda: decompose(shop_monolith(), resolution=0),
            "decompose: resolution must be a positive finite number, not 0",
        ),
        (
            lambda: decompose(shop_monolith(), seed="x"),
            "decompose: seed must be an integer, not 'x'",
        ),
        (
            lambda: decompose(shop_monolith(), services=3),
            "decompose: services only applies to method 'girvan_newman', "
            "not to 'greedy_modularity'",
        ),
        (
            lambda: decompose(shop_monolith(), method="girvan_newman", services=2.5),
            "decompose: services must be a positive whole number, not 2.5",
        ),
        (
            lambda: decompose(shop_monolith(), method="girvan_newman", services=0),
            "decompose: services must be a positive whole number, not 0",
        ),
        (
            lambda: decompose(shop_monolith(), method="girvan_newman", services=32),
            r"decompose: services must be between 1 .* and 31 .*, not 32",
        ),
    ],
)
def test_bad_input_is_named(build, message):
    with pytest.raises(TheoryError, match=message):
        build()
