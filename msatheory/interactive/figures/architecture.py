"""Chapter 1's figure: an architecture as Def 1.1.2's network N, and a failure's blast radius.

Services are circles, layered callers above callees; data stores are grey squares at
the bottom. Hard calls are solid arrows, soft calls (timeout and fallback) dash-dotted,
topics and asynchronous calls dashed, data-store use dotted lines;
entry points have a dark ring. A failing service is red and the services that fail
with it (Feature 1.2.3) orange. The legend names every colour and line style drawn.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import networkx as nx
from matplotlib.artist import Artist
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from msatheory.basics.layout import layered_positions
from msatheory.basics.model import Architecture

__all__ = ["COLOURS", "ArchitectureDrawing", "draw_architecture"]

COLOURS = {
    "service": "#8ecae6",
    "failing": "#cf222e",
    "affected": "#fb8500",
    "datastore": "#d0d7de",
    "edge": "#57606a",
    "store edge": "#8c959f",
    "entry": "#24292f",
    "label": "#1f2328",
}


class ArchitectureDrawing:
    """An architecture drawn once, repainted for each failure by :meth:`paint`.

    Only the service circles and the title change between paintings;
    they are :attr:`changing`, so a :class:`~msatheory.interactive.figures.png.Canvas`
    redraws them alone. ``failures`` puts the failing and failed colours in the legend.
    """

    def __init__(self, arch: Architecture, *, figsize: tuple[float, float] = (8, 5),
                 dpi: int = 100, failures: bool = False):
        self.arch = arch
        pos = layered_positions(arch)
        self.figure = fig = Figure(figsize=figsize, dpi=dpi)
        ax = fig.add_axes((0.01, 0.16, 0.98, 0.74))
        ax.set_axis_off()
        xs = [x for x, _ in pos.values()]
        depth = -min((y for _, y in pos.values()), default=0)
        ax.set_xlim(min(xs, default=0) - 0.7, max(xs, default=0) + 0.7)
        ax.set_ylim(-depth - 0.6, 0.35)
        # circles as large as the spacing allows, with room for the label under each
        width_px, height_px = figsize[0] * dpi * 0.98, figsize[1] * dpi * 0.74
        layer_px = height_px / (depth + 0.95)
        step_px = min(width_px / (max(xs, default=0) - min(xs, default=0) + 1.4), layer_px)
        diameter = max(12.0, min(30.0, 0.42 * step_px * 72 / dpi))  # points
        below = (0.5 * diameter * dpi / 72 + 2) / layer_px  # the radius and a gap, in layers
        size, store_size = diameter**2, (0.75 * diameter) ** 2

        graph: nx.DiGraph = nx.DiGraph()
        graph.add_nodes_from(pos)
        sync = [(f"service:{u}", f"service:{v}") for u, v in arch.hard_graph.edges]
        soft = [(f"service:{u}", f"service:{v}") for u, v in arch.call_graph.edges
                if not arch.hard_graph.has_edge(u, v)]
        topics = [
            (f"service:{u}", f"service:{v}")
            for u, v, data in arch.network.edges(data=True)
            if not data["sync"]
        ]
        stores = [
            (f"service:{s}", f"datastore:{d}")
            for s, service in arch.services.items()
            for d in service.datastores
        ]
        arrows: dict[str, Any] = {"ax": ax, "arrows": True, "arrowsize": 12, "node_size": size,
                  "connectionstyle": "arc3,rad=0.12", "edge_color": COLOURS["edge"]}
        nx.draw_networkx_edges(graph, pos, edgelist=sync, **arrows)
        nx.draw_networkx_edges(graph, pos, edgelist=soft, style="dashdot", **arrows)
        nx.draw_networkx_edges(graph, pos, edgelist=topics, style="dashed", **arrows)
        nx.draw_networkx_edges(graph, pos, edgelist=stores, ax=ax, arrows=True,
                               arrowstyle="-", style="dotted", node_size=size,
                               connectionstyle="arc3,rad=0.12",
                               edge_color=COLOURS["store edge"])
        self.services = sorted(arch.services)
        entry = arch.entry_points
        self.nodes: PathCollection = nx.draw_networkx_nodes(
            graph, pos, nodelist=[f"service:{s}" for s in self.services], ax=ax,
            node_size=size, node_color=COLOURS["service"],
            edgecolors=[COLOURS["entry"] if s in entry else COLOURS["service"]
                        for s in self.services],
            linewidths=[2.2 if s in entry else 0.0 for s in self.services],
        )
        stores_drawn = sorted(arch.datastores)
        nx.draw_networkx_nodes(graph, pos, nodelist=[f"datastore:{d}" for d in stores_drawn],
                               ax=ax, node_shape="s", node_size=store_size,
                               node_color=COLOURS["datastore"])
        font = 7 if diameter < 24 else 8
        for node, (x, y) in sorted(pos.items()):
            ax.text(x, y - below, node.split(":", 1)[1], ha="center", va="top", fontsize=font,
                    color=COLOURS["label"], zorder=1.5,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 0.6})
        self.title: Text = ax.set_title(arch.name, fontsize=10)
        self._legend(fig, failures, bool(stores_drawn), bool(sync), bool(topics), bool(stores),
                     bool(entry), bool(soft))
        self.paint()

    def _legend(self, fig: Figure, failures: bool, datastores: bool, sync: bool, topics: bool,
                stores: bool, entry: bool, soft: bool = False) -> None:
        def dot(colour: str, label: str, marker: str = "o", ring: str | None = None) -> Line2D:
            return Line2D([], [], ls="", marker=marker, ms=9, mfc=colour,
                          mec=ring or colour, mew=2 if ring else 0, label=label)

        handles = [dot(COLOURS["service"], "service")]
        if entry:
            handles.append(dot(COLOURS["service"], "entry point", ring=COLOURS["entry"]))
        if failures:
            handles += [dot(COLOURS["failing"], "failing"),
                        dot(COLOURS["affected"], "fails with it")]
        if datastores:
            handles.append(dot(COLOURS["datastore"], "data store", marker="s"))
        if sync:
            handles.append(Line2D([], [], color=COLOURS["edge"],
                                  label="hard call (waits)" if soft else "calls (waits)"))
        if soft:
            handles.append(Line2D([], [], color=COLOURS["edge"], ls="-.",
                                  label="soft call (fallback)"))
        if topics:
            handles.append(Line2D([], [], color=COLOURS["edge"], ls="--",
                                  label="topic (async)"))
        if stores:
            handles.append(Line2D([], [], color=COLOURS["store edge"], ls=":",
                                  label="uses data store"))
        fig.legend(handles=handles, loc="lower center", ncols=min(5, len(handles)),
                   fontsize=7, frameon=False, handlelength=2.2, columnspacing=1.2,
                   bbox_to_anchor=(0.5, 0.0))

    @property
    def changing(self) -> list[Artist]:
        """The artists :meth:`paint` changes."""
        return [self.nodes, self.title]

    def paint(self, failed: Collection[str] = (), failing: str | None = None,
              title: str | None = None) -> None:
        """Colour ``failing`` red and the other ``failed`` services orange."""
        def colour(name: str) -> str:
            if name == failing:
                return COLOURS["failing"]
            return COLOURS["affected"] if name in failed else COLOURS["service"]

        self.nodes.set_facecolor([colour(s) for s in self.services])
        self.title.set_text(title if title is not None else self.arch.name)


def draw_architecture(
    arch: Architecture,
    failed: Collection[str] = (),
    failing: str | None = None,
    title: str | None = None,
) -> Figure:
    """Draw services (circles), their calls (solid) and topics (dashed), and data stores (squares).

    ``failing`` is drawn red and the other ``failed`` services orange; a legend names
    every colour and line style. The figure is not registered with pyplot: show it by
    making it a cell's value.
    """
    drawing = ArchitectureDrawing(arch, failures=failing is not None or bool(failed))
    drawing.paint(failed, failing, title)
    return drawing.figure
