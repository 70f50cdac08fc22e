"""The coupling graph of a monolith (msatheory.design.coupling)."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import pytest
from hypothesis import given, settings

from msatheory import TheoryError
from msatheory.design.coupling import (
    CouplingWeights,
    coupling_graph,
    entity_node,
    function_node,
    modularity,
)
from msatheory.design.examples import shop_monolith
from msatheory.design.monolith import Monolith
from msatheory.design.strategies import coupling_weights, monoliths

DETERMINISTIC = settings(max_examples=40)

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

@DETERMINISTIC
@given(monoliths(), coupling_weights)
def test_coupling_graph_follows_its_definition(monolith, weights):
    graph = coupling_graph(monolith, weights)
    nodes = {function_node(f.name) for f in monolith.functions}
    nodes |= {entity_node(e.name) for e in monolith.entities}
    assert set(graph) == nodes
    assert {frozenset(e): w for *e, w in graph.edges(data="weight")} == expected_edges(
        monolith, weights
    )
    assert all(graph.nodes[n]["element"].name == n[1] for n in graph)

@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: CouplingWeights(write=-1), "coupling weights: write must be .* not -1"),
        (lambda: CouplingWeights(read=float("nan")), "coupling weights: read must be"),
        (lambda: CouplingWeights(call="2"), "coupling weights: call must be .* not '2'"),
        (lambda: coupling_graph("shop"), "coupling_graph: monolith must be a Monolith, not 'shop'"),
        (
            lambda: coupling_graph(shop_monolith(), (3, 1, 2)),
            r"coupling_graph: weights must be a CouplingWeights, not \(3, 1, 2\)",
        ),
        (lambda: modularity(nx.Graph(), [], resolution=0),
         r"modularity: resolution must be a positive finite number, not 0"),
        (lambda: modularity(nx.Graph(), [], resolution=float("inf")), "modularity: resolution"),
    ],
)
def test_bad_input_is_named(build, message):
    with pytest.raises(TheoryError, match=message):
        build()
