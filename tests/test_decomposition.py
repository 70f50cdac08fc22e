"""Decomposition of a monolith: properties on generated monoliths, numbers on the shop."""

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
    Interface,
    ServiceSpec,
    check_separation,
    check_single_responsibility,
)
from msatheory.design.decomposition import (
    METHODS,
    Access,
    Call,
    CouplingWeights,
    Monolith,
    coupling_graph,
    cut_quality,
    decompose,
    domain_cut,
    entity_node,
    function_node,
)
from msatheory.design.examples import SHOP_DOMAINS, shop_design, shop_monolith

DETERMINISTIC = settings(max_examples=40, derandomize=True, database=None, deadline=None)


@st.composite
def monoliths(draw: st.DrawFn) -> Monolith:
    """Small monoliths: 1-7 functions and 0-4 entities over three domains, random coupling."""
    domains = st.sampled_from(("billing", "sales", "stock"))
    functions = [Function(f"f{i}", draw(domains)) for i in range(draw(st.integers(1, 7)))]
    entities = [DataModel(f"E{i}", draw(domains)) for i in range(draw(st.integers(0, 4)))]
    pairs = [(f.name, e.name) for f in functions for e in entities]
    used = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    accesses = [
        Access(f, e, mode)
        for f, e in used
        for mode in draw(st.sampled_from((("read",), ("write",), ("read", "write"))))
    ]
    ordered = [(a.name, b.name) for a in functions for b in functions if a != b]
    linked = draw(st.lists(st.sampled_from(ordered), unique=True)) if ordered else []
    calls = [Call(a, b, draw(st.integers(1, 4))) for a, b in linked]
    exposed = draw(st.lists(st.sampled_from(functions), max_size=3))
    interfaces = [Interface(f"i{k}", f.domain) for k, f in enumerate(exposed)]
    exposes = {f"i{k}": f.name for k, f in enumerate(exposed)}
    return Monolith("m", functions, entities, interfaces, accesses, calls, exposes)


weights_strategy = st.builds(
    CouplingWeights,
    write=st.sampled_from((0, 0.5, 3.0)),
    read=st.sampled_from((0, 1.0, 1.5)),
    call=st.sampled_from((0, 2.0, 0.25)),
)


def expected_edges(monolith: Monolith, weights: CouplingWeights) -> dict[frozenset, float]:
    """The coupling graph's edge weights, straight from the definition."""
    edges: Counter[frozenset] = Counter()
    modes: dict[tuple[str, str], set[str]] = {}
    for a in monolith.accesses:
        modes.setdefault((a.function, a.entity), set()).add(a.mode)
    for (f, e), used in modes.items():
        edges[frozenset({function_node(f), entity_node(e)})] = (
            weights.write if "write" in used else weights.read
        )
    for c in monolith.calls:
        edges[frozenset({function_node(c.caller), function_node(c.callee)})] += (
            weights.call * c.frequency
        )
    return {edge: w for edge, w in edges.items() if w > 0}


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


# --- properties on generated monoliths ---------------------------------------------------


@DETERMINISTIC
@given(monoliths(), weights_strategy)
def test_coupling_graph_follows_its_definition(monolith, weights):
    graph = coupling_graph(monolith, weights)
    nodes = {function_node(f.name) for f in monolith.functions}
    nodes |= {entity_node(e.name) for e in monolith.entities}
    assert set(graph) == nodes
    assert {frozenset(e): w for *e, w in graph.edges(data="weight")} == expected_edges(
        monolith, weights
    )
    assert all(graph.nodes[n]["element"].name == n[1] for n in graph)


@DETERMINISTIC
@given(monoliths(), weights_strategy, st.sampled_from(METHODS))
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
@given(monoliths(), weights_strategy, st.sampled_from(METHODS))
def test_decomposition_is_deterministic(monolith, weights, method):
    first, second = decompose(monolith, weights, method), decompose(monolith, weights, method)
    assert first == second
    assert first.design == second.design
    assert dict(first.partition) == dict(second.partition)


@DETERMINISTIC
@given(monoliths(), weights_strategy, st.sampled_from(METHODS))
def test_cut_quality_measures(monolith, weights, method):
    cut = decompose(monolith, weights, method)
    quality = cut.quality()
    graph = coupling_graph(monolith, weights)
    owner = cut.owner
    assert 0 <= quality.cohesion <= 1
    assert all(0 <= c <= 1 for c in quality.service_cohesion.values())
    crossing = sum(w for u, v, w in graph.edges(data="weight") if owner[u] != owner[v])
    assert quality.coupling == pytest.approx(crossing)
    total = graph.size(weight="weight")
    if total:
        assert quality.cohesion == pytest.approx(1 - crossing / total)
        expected = nx.community.modularity(graph, list(cut.partition.values()), weight="weight")
        assert quality.modularity == pytest.approx(expected)
    else:
        assert (quality.cohesion, quality.modularity) == (1.0, 0.0)
    assert quality.cross_calls == sum(
        owner[function_node(c.caller)] != owner[function_node(c.callee)] for c in monolith.calls
    )
    assert len(quality.foreign_accesses) == sum(
        owner[function_node(a.function)] != owner[entity_node(a.entity)] for a in monolith.accesses
    )
    for fa in quality.foreign_accesses:
        assert fa.owner == owner[entity_node(fa.entity)] != fa.service
        assert fa.service == owner[function_node(fa.function)]


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
@given(monoliths(), weights_strategy, st.sampled_from(METHODS))
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


def test_a_trivial_graph_is_cut_whole():
    lone = Monolith("lone", [Function("f", "a")], [DataModel("E", "b")])
    for method in METHODS:
        cut = decompose(lone, method=method)
        assert [s.name for s in cut.design.services] == ["a"]
        assert cut.design.services[0].data_models == (DataModel("E", "b"),)


# --- the shop --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shop() -> Monolith:
    return shop_monolith()


@pytest.fixture(scope="module")
def cuts(shop):
    return {method: decompose(shop, method=method) for method in METHODS}


def test_shop_size(shop):
    assert (len(shop.functions), len(shop.entities), len(shop.interfaces)) == (31, 12, 13)
    assert (len(shop.accesses), len(shop.calls)) == (59, 13)
    assert set(shop.domains) == set(SHOP_DOMAINS)
    graph = coupling_graph(shop)
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (43, 72)
    assert graph.size(weight="weight") == 141


def test_shop_domain_cut_numbers(shop):
    quality = cut_quality(shop, domain_cut(shop))
    assert quality.services == 6
    assert quality.modularity == pytest.approx(0.4895, abs=1e-4)
    assert quality.cohesion == pytest.approx(94 / 141)
    assert (quality.coupling, quality.cross_calls, len(quality.foreign_accesses)) == (47, 11, 15)
    assert ("Order", "ordering", "mark delivered", "shipping", "write") in quality.foreign_accesses
    assert quality.service_cohesion["payment"] == pytest.approx(17 / 24)


@pytest.mark.parametrize(
    ("method", "services", "modularity", "coupling", "cross_calls", "foreign"),
    [
        ("greedy_modularity", 6, 0.5970, 31, 6, 17),
        ("louvain", 6, 0.6075, 31, 6, 17),
        ("label_propagation", 15, 0.5160, 57, 7, 35),
        ("girvan_newman", 5, 0.5090, 38, 3, 16),
    ],
)
def test_shop_cut_numbers(cuts, method, services, modularity, coupling, cross_calls, foreign):
    quality = cuts[method].quality()
    assert quality.services == services
    assert quality.modularity == pytest.approx(modularity, abs=1e-4)
    assert quality.cohesion == pytest.approx(1 - coupling / 141)
    assert (quality.coupling, quality.cross_calls) == (coupling, cross_calls)
    assert len(quality.foreign_accesses) == foreign


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


def test_modularity_cuts_beat_the_domain_cut_on_the_shop(shop, cuts):
    by_domain = cut_quality(shop, domain_cut(shop))
    for method in ("greedy_modularity", "louvain"):
        quality = cuts[method].quality()
        assert quality.modularity > by_domain.modularity
        assert quality.coupling < by_domain.coupling
        # ... yet they leave more entities read across a boundary: they trade reads for calls.
        assert len(quality.foreign_accesses) > len(by_domain.foreign_accesses)


def test_the_shop_as_one_service(shop):
    quality = cut_quality(shop, shop_design())
    assert (quality.services, quality.coupling, quality.cross_calls) == (1, 0, 0)
    assert (quality.cohesion, quality.modularity, quality.foreign_accesses) == (1.0, 0.0, ())
    assert "cohesion of shop" in quality.table()
    assert str(quality).splitlines()[0] == "shop monolith"


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


def shop_with(**changes) -> Monolith:
    shop = shop_monolith()
    parts = {
        "name": shop.name,
        "functions": shop.functions,
        "entities": shop.entities,
        "interfaces": shop.interfaces,
        "accesses": shop.accesses,
        "calls": shop.calls,
        "exposes": dict(shop.exposes),
    }
    return Monolith(**{**parts, **changes})


F, E = Function("f", "a"), DataModel("E", "a")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Monolith("", [F]), "monolith: name must be a non-empty string"),
        (lambda: Monolith("m", []), "monolith 'm': has no functions"),
        (lambda: Monolith("m", "f"), "monolith 'm': functions must be a list of Functions"),
        (lambda: Monolith("m", [F, E]), r"monolith 'm': functions holds DataModel\(name='E'"),
        (lambda: Monolith("m", [F, F]), "monolith 'm': functions lists 'f' twice"),
        (lambda: Monolith("m", [F], [E, E]), "monolith 'm': entities lists 'E' twice"),
        (
            lambda: Monolith("m", [F], interfaces=[Interface("i", "a")] * 2, exposes={"i": "f"}),
            "monolith 'm': interfaces lists 'i' twice",
        ),
        (
            lambda: Monolith("m", [F], [E], accesses=[("g", "E", "read")]),
            "monolith 'm': access of 'g' to 'E': there is no function 'g'",
        ),
        (
            lambda: Monolith("m", [F], [E], accesses=[("f", "X", "write")]),
            "monolith 'm': access of 'f' to 'X': there is no entity 'X'",
        ),
        (
            lambda: Monolith("m", [F], [E], accesses=[("f", "E", "delete")]),
            "monolith 'm': access of 'f' to 'E': mode must be 'read' or 'write', not 'delete'",
        ),
        (
            lambda: Monolith("m", [F], [E], accesses=[("f", "E")] * 2),
            "monolith 'm': access .*'f'.*'E'.* is listed twice",
        ),
        (
            lambda: Monolith("m", [F], [E], accesses=[("f",)]),
            r"monolith 'm': accesses holds \('f',\), not an? Access",
        ),
        (lambda: Monolith("m", [F], accesses=["f"]), "monolith 'm': accesses holds 'f'"),
        (
            lambda: Monolith("m", [F], calls=[("f", "f")]),
            "monolith 'm': call 'f' -> 'f': a function does not call itself",
        ),
        (
            lambda: Monolith("m", [F], calls=[("f", "g")]),
            "monolith 'm': call 'f' -> 'g': there is no function 'g'",
        ),
        (
            lambda: Monolith("m", [F, Function("g", "a")], calls=[("f", "g", 0)]),
            "monolith 'm': call 'f' -> 'g': frequency must be a positive number, not 0",
        ),
        (
            lambda: Monolith("m", [F, Function("g", "a")], calls=[("f", "g", True)]),
            "frequency must be a positive number, not True",
        ),
        (
            lambda: Monolith("m", [F, Function("g", "a")], calls=[("f", "g", 1), ("f", "g", 2)]),
            "monolith 'm': call 'f' -> 'g' is listed twice",
        ),
        (lambda: Call("f", "g", -1.5), "call 'f' -> 'g': frequency must be a positive"),
        (lambda: Access("f", "E", "write!"), "access of 'f' to 'E': mode must be"),
        (
            lambda: Monolith("m", [F], interfaces=[Interface("i", "a")]),
            "monolith 'm': interface 'i' exposes no function",
        ),
        (
            lambda: Monolith("m", [F], exposes={"j": "f"}),
            "monolith 'm': exposes names 'j', which is no interface",
        ),
        (
            lambda: Monolith("m", [F], interfaces=[Interface("i", "a")], exposes={"i": "g"}),
            "monolith 'm': interface 'i' exposes 'g', which is no function",
        ),
        (
            lambda: Monolith("m", [F], exposes=[("i", "f")]),
            "monolith 'm': exposes must map interface names to function names",
        ),
        (lambda: shop_with(calls=[("place order", "pay", 1)]), "there is no function 'pay'"),
        (lambda: CouplingWeights(write=-1), "coupling weights: write must be .* not -1"),
        (lambda: CouplingWeights(read=float("nan")), "coupling weights: read must be"),
        (lambda: CouplingWeights(call="2"), "coupling weights: call must be .* not '2'"),
        (lambda: coupling_graph("shop"), "expected a Monolith, not 'shop'"),
        (lambda: coupling_graph(shop_monolith(), (3, 1, 2)), "weights must be CouplingWeights"),
        (
            lambda: decompose(shop_monolith(), method="kmeans"),
            "unknown method 'kmeans': expected one of greedy_modularity, louvain, "
            "label_propagation, girvan_newman",
        ),
        (lambda: decompose(shop_monolith(), resolution=0), "resolution must be a positive"),
        (lambda: decompose(shop_monolith(), seed="x"), "seed must be an integer, not 'x'"),
        (
            lambda: decompose(shop_monolith(), services=3),
            "services= only applies to girvan_newman, not to greedy_modularity",
        ),
        (
            lambda: decompose(shop_monolith(), method="girvan_newman", services=2.5),
            "services must be a whole number, not 2.5",
        ),
        (
            lambda: decompose(shop_monolith(), method="girvan_newman", services=0),
            r"services must be between 1 .* and 31 .*, not 0",
        ),
        (lambda: shop_monolith().function("pay"), "monolith 'shop' has no function 'pay'"),
        (lambda: shop_monolith().entity("Invoice"), "monolith 'shop' has no entity 'Invoice'"),
    ],
)
def test_bad_input_is_named(build, message):
    with pytest.raises(TheoryError, match=message):
        build()


def dropped(design: Design, service: str, function: str) -> Design:
    specs = [
        ServiceSpec(
            s.name, [f for f in s.functions if f.name != function], s.interfaces, s.data_models
        )
        if s.name == service
        else s
        for s in design.services
    ]
    return Design(specs, name=design.name)


@pytest.mark.parametrize(
    ("design", "message"),
    [
        (
            lambda: dropped(domain_cut(shop_monolith()), "payment", "capture payment"),
            "design 'shop cut by domain': function 'capture payment' is in no service",
        ),
        (
            lambda: Design(
                [
                    *domain_cut(shop_monolith()).services,
                    ServiceSpec("extra", [shop_monolith().function("sign in")]),
                ],
                "d",
            ),
            "design 'd': function 'sign in' is in services 'customer', 'extra'",
        ),
        (
            lambda: Design([*shop_design().services, ServiceSpec("x", [], [], [E])], "d"),
            "design 'd': service 'x' holds entity 'E', which monolith 'shop' does not have",
        ),
        (
            lambda: Design([ServiceSpec("x", [Function("sign in", "sales")])], "d"),
            "design 'd': service 'x' holds Function.*'sign in'.*'sales'.*but monolith 'shop' "
            "declares",
        ),
        (lambda: "shop", "expected a Design, not 'shop'"),
    ],
)
def test_cut_quality_wants_a_partition_of_the_monolith(design, message):
    with pytest.raises(TheoryError, match=message):
        cut_quality(shop_monolith(), design())
