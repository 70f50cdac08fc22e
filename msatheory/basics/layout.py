"""Where to draw an architecture's services and data stores, for every picture of it.

Chapter 1's figure (:mod:`msatheory.interactive.figures.architecture`) and the page
``msatheory check --format html`` writes both place nodes with :func:`layered_positions`,
so a system looks the same in a notebook and in a report.
"""

from __future__ import annotations

import networkx as nx

from msatheory.basics.model import Architecture

__all__ = ["layered_positions"]


def layered_positions(arch: Architecture) -> dict[str, tuple[float, float]]:
    """Callers above callees, data stores at the bottom; the same picture on every run.

    Services are layered by the topological generations of the call graph's
    condensation (a cycle shares one layer). The top layer is in name order; each
    lower layer, and the data stores, sit under the mean position of their callers
    or users (a one-pass barycentre ordering), which keeps crossings few.
    """
    condensed = nx.condensation(arch.call_graph)
    layers = [
        [f"service:{n}" for c in generation for n in condensed.nodes[c]["members"]]
        for generation in nx.topological_generations(condensed)
    ]
    layers.append([f"datastore:{d}" for d in arch.datastores])
    above = {
        f"service:{n}": [f"service:{p}" for p in arch.call_graph.predecessors(n)]
        for n in arch.services
    }
    above.update({f"datastore:{d}": [f"service:{u}" for u in users]
                  for d, users in arch.data_layer.items()})
    pos: dict[str, tuple[float, float]] = {}
    for depth, layer in enumerate(layers):
        def barycentre(node: str) -> tuple[float, str]:
            xs = [pos[p][0] for p in above[node] if p in pos]
            return (sum(xs) / len(xs) if xs else 0.0, node)

        ordered = sorted(layer, key=barycentre if depth else str)
        for i, node in enumerate(ordered):
            pos[node] = (i - (len(ordered) - 1) / 2, -depth)
    return pos
