"""Drawings of architectures, computed from the model (Def 1.1.2's network N)."""

from __future__ import annotations

import io
from collections.abc import Collection

import networkx as nx
from matplotlib.figure import Figure

from msatheory.basics.model import Architecture

__all__ = ["COLOURS", "draw_architecture", "figure_png", "layered_positions"]

COLOURS = {
    "service": "#8ecae6",
    "failing": "#cf222e",
    "affected": "#fb8500",
    "datastore": "#d0d7de",
    "edge": "#57606a",
}


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


def draw_architecture(
    arch: Architecture,
    failed: Collection[str] = (),
    failing: str | None = None,
    title: str | None = None,
) -> Figure:
    """Draw services (circles), their calls (solid) and topics (dashed), and data stores (squares).

    ``failing`` is drawn red and the other ``failed`` services orange. The figure is
    not registered with pyplot: show it by making it a cell's value.
    """
    pos = layered_positions(arch)
    fig = Figure(figsize=(8, 5), dpi=100)
    ax = fig.subplots()
    graph = nx.DiGraph()
    graph.add_nodes_from(pos)
    sync = [(f"service:{u}", f"service:{v}") for u, v in arch.call_graph.edges]
    topics = [
        (f"service:{u}", f"service:{v}")
        for u, v, topics in arch.network.edges(data="topics")
        if topics and not arch.network[u][v]["sync"]
    ]
    stores = [
        (f"service:{s}", f"datastore:{d}")
        for s, service in arch.services.items()
        for d in service.datastores
    ]
    curved = {"ax": ax, "arrows": True, "connectionstyle": "arc3,rad=0.12"}
    nx.draw_networkx_edges(graph, pos, edgelist=sync, edge_color=COLOURS["edge"],
                           arrowsize=14, node_size=1600, **curved)
    nx.draw_networkx_edges(graph, pos, edgelist=topics, edge_color=COLOURS["edge"],
                           style="dashed", arrowsize=14, node_size=1600, **curved)
    nx.draw_networkx_edges(graph, pos, edgelist=stores, edge_color="#8c959f", arrowstyle="-",
                           style="dotted", node_size=1600, **curved)

    def colour(name: str) -> str:
        if name == failing:
            return COLOURS["failing"]
        return COLOURS["affected"] if name in failed else COLOURS["service"]

    services = [f"service:{s}" for s in sorted(arch.services)]
    nx.draw_networkx_nodes(graph, pos, nodelist=services, ax=ax, node_size=1600,
                           node_color=[colour(n.split(":", 1)[1]) for n in services])
    datastores = [f"datastore:{d}" for d in sorted(arch.datastores)]
    nx.draw_networkx_nodes(graph, pos, nodelist=datastores, ax=ax, node_shape="s",
                           node_size=900, node_color=COLOURS["datastore"])
    nx.draw_networkx_labels(graph, pos, labels={n: n.split(":", 1)[1] for n in pos}, ax=ax,
                            font_size=8)
    ax.set_title(title if title is not None else arch.name)
    ax.margins(0.15)
    ax.set_axis_off()
    fig.tight_layout()
    return fig


def figure_png(fig: Figure) -> bytes:
    """The figure as PNG bytes, with no timestamp or version in the file."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
