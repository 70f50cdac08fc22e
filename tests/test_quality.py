"""How good a cut is (msatheory.design.quality): measures on generated monoliths and
on the shop."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory import TheoryError
from msatheory.design.boundary import DataModel, Design, Function, ServiceSpec
from msatheory.design.coupling import coupling_graph, entity_node, function_node
from msatheory.design.decomposition import METHODS, decompose, domain_cut
from msatheory.design.examples import shop_design, shop_monolith
from msatheory.design.quality import cut_quality
from msatheory.design.strategies import coupling_weights, monoliths

DETERMINISTIC = settings(max_examples=40)

@DETERMINISTIC
@given(monoliths(), coupling_weights, st.sampled_from(METHODS))
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

# --- the shop (fixtures shop and cuts: tests/conftest.py) ---------------------------------

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
    assert "cohesion of shop" in str(quality)
    assert str(quality).splitlines()[0] == "shop monolith"

# --- validation ------------------------------------------------------------------------

F, E = Function("f", "a"), DataModel("E", "a")

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
        (lambda: "shop", "cut_quality: design must be a Design, not 'shop'"),
    ],
)
def test_cut_quality_wants_a_partition_of_the_monolith(design, message):
    with pytest.raises(TheoryError, match=message):
        cut_quality(shop_monolith(), design())
