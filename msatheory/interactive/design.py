"""Chapter 2 drawings and the granularity explorer widget (Principle 2.3.1, Theorem 2.1.1).

Everything shown is computed by :mod:`msatheory.design`: the widget only reads its
controls, calls the model and draws the result.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable

import ipywidgets as widgets
import networkx as nx
from matplotlib.figure import Figure

from msatheory.design import (
    Bounds,
    Design,
    check_granularity,
    check_separation,
    check_single_responsibility,
    feasible,
    granularity,
    optimize,
    service_counts,
)
from msatheory.design.decomposition import (
    METHODS,
    CouplingWeights,
    Monolith,
    coupling_graph,
    cut_quality,
    decompose,
    entity_node,
    function_node,
    owners,
)
from msatheory.design.domain import ContextMap, check_context_map
from msatheory.errors import TheoryError
from msatheory.interactive.draw import figure_png
from msatheory.interactive.explorer import Explorer
from msatheory.theory import Verdict

__all__ = [
    "GranularityExplorer",
    "cluster_positions",
    "draw_context_map",
    "draw_cut",
    "draw_feasibility",
]

#: One colour per service, cycled (matplotlib's tab10, colour-blind safe order).
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")


_BOUNDS, _WEIGHTS = Bounds(), CouplingWeights()


def _clusters(design: Design) -> list[tuple[float, float, float]]:
    """Centre and radius of each service's circle, placed round a ring without overlap."""
    radii = [0.3 + 0.13 * len(s.functions + s.data_models) for s in design.services]
    if len(radii) == 1:
        return [(0.0, 0.0, radii[0])]
    spans = [2 * r + 0.8 for r in radii]  # each circle's share of the ring, with a gap
    ring = sum(spans) / (2 * math.pi)
    centres, swept = [], 0.0
    for r, span in zip(radii, spans, strict=True):
        angle = 2 * math.pi * (swept + span / 2) / sum(spans)
        swept += span
        centres.append((ring * math.cos(angle), ring * math.sin(angle), r))
    return centres


def cluster_positions(design: Design) -> dict[tuple[str, str], tuple[float, float]]:
    """Each service's functions and entities on its own circle; the circles round a ring."""
    pos: dict[tuple[str, str], tuple[float, float]] = {}
    for spec, (cx, cy, radius) in zip(design.services, _clusters(design), strict=True):
        members = [function_node(f.name) for f in spec.functions]
        members += [entity_node(d.name) for d in spec.data_models]
        for j, node in enumerate(members):
            a = 2 * math.pi * j / len(members)
            pos[node] = (cx + radius * math.cos(a), cy + radius * math.sin(a))
    return pos


def draw_cut(monolith: Monolith, design: Design, weights: CouplingWeights = _WEIGHTS,
             title: str | None = None) -> Figure:
    """The coupling graph with nodes grouped and coloured by service: functions as
    circles, entities as squares; coupling inside a service grey, across services red,
    line width growing with the weight."""
    graph = coupling_graph(monolith, weights)
    owner = owners(monolith, design)
    pos = cluster_positions(design)
    colour = {s.name: PALETTE[i % len(PALETTE)] for i, s in enumerate(design.services)}
    fig = Figure(figsize=(9, 8), dpi=100)
    ax = fig.subplots()
    edges = sorted(graph.edges(data="weight"))
    top = max((w for *_, w in edges), default=1.0) or 1.0
    for crossing in (False, True):
        chosen = [(u, v, w) for u, v, w in edges if (owner[u] != owner[v]) is crossing]
        nx.draw_networkx_edges(
            graph, pos, ax=ax, edgelist=[(u, v) for u, v, _ in chosen],
            width=[0.5 + 2.5 * w / top for *_, w in chosen],
            edge_color="#cf222e" if crossing else "#afb8c1", alpha=0.8 if crossing else 0.6,
        )
    for kind, shape in (("function", "o"), ("entity", "s")):
        nodes = sorted(n for n in pos if n[0] == kind)
        nx.draw_networkx_nodes(graph, pos, ax=ax, nodelist=nodes, node_shape=shape,
                               node_size=260 if kind == "function" else 200,
                               node_color=[colour[owner[n]] for n in nodes],
                               edgecolors="#24292f", linewidths=0.6)
    nx.draw_networkx_labels(graph, {n: (x, y - 0.22) for n, (x, y) in pos.items()},
                            labels={n: n[1] for n in pos}, ax=ax, font_size=6)
    for spec, (cx, cy, _) in zip(design.services, _clusters(design), strict=True):
        ax.text(cx, cy, f"{spec.name}\nG={granularity(spec)}", ha="center", va="center",
                fontsize=8, fontweight="bold", color=colour[spec.name])
    ax.set_title(title if title is not None else f"{monolith.name}: {len(design.services)} "
                 "services (red: coupling across services)")
    ax.margins(0.12)
    ax.set_aspect("equal")
    ax.set_axis_off()
    fig.tight_layout()
    return fig


def draw_feasibility(bounds: Iterable[Bounds], largest: int = 45) -> Figure:
    """For each domain size W up to ``largest``, the service counts k that cut it within
    bounds (a bar from the fewest to the most); a red cross where no k does."""
    chosen = list(bounds)
    fig = Figure(figsize=(8, 2.6 * len(chosen)), dpi=100)
    axes = fig.subplots(len(chosen), 1, squeeze=False)[:, 0]
    for ax, b in zip(axes, chosen, strict=True):
        sizes = range(1, largest + 1)
        for w in sizes:
            counts = service_counts(w, b)
            if counts:
                ax.vlines(w, counts.start - 0.3, counts.stop - 1 + 0.3, colors="#0969da", lw=4)
        bad = [w for w in sizes if not feasible(w, b)]
        ax.plot(bad, [0] * len(bad), "x", color="#cf222e", label="no cut within bounds")
        ax.set_title(f"bounds [{b.merge_below}, {b.split_above}]: services k with "
                     f"k·{b.merge_below} ≤ W ≤ k·{b.split_above}", fontsize=10)
        ax.set_xlabel("W, elements in the domain")
        ax.set_ylabel("k")
        ax.set_xlim(0, largest + 1)
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


_PATTERN_LABELS = {
    "partnership": "P", "shared kernel": "SK", "customer-supplier": "C/S",
    "conformist": "CF", "anticorruption layer": "ACL", "open host service": "OHS/PL",
    "separate ways": "SW",
}


def draw_context_map(context_map: ContextMap, title: str | None = None) -> Figure:
    """Contexts as boxes, upstream above downstream; each relationship labelled with its
    pattern, red where :func:`~msatheory.design.domain.check_context_map` has a witness."""
    graph = context_map.graph
    condensed = nx.condensation(graph)
    pos: dict[str, tuple[float, float]] = {}
    for depth, generation in enumerate(nx.topological_generations(condensed)):
        layer = sorted(n for c in generation for n in condensed.nodes[c]["members"])
        for i, node in enumerate(layer):
            # alternate layers shift by half a step, so an edge that skips a layer
            # does not run through the boxes between
            pos[node] = (1.6 * (i - (len(layer) - 1) / 2) + 0.5 * (depth % 2), -depth)
    flagged = {tuple(w.involves[:2]) for w in check_context_map(context_map).witnesses}
    fig = Figure(figsize=(9, 6.5), dpi=100)
    ax = fig.subplots()
    box = {"node_size": 2300, "node_shape": "s"}
    for (u, v), pattern in sorted(nx.get_edge_attributes(graph, "pattern").items()):
        nx.draw_networkx_edges(
            graph, pos, ax=ax, edgelist=[(u, v)], arrows=True, arrowsize=14,
            edge_color="#cf222e" if (u, v) in flagged else "#57606a",
            style="dotted" if str(pattern) == "separate ways" else "solid",
            connectionstyle="arc3,rad=0.15", **box,
        )
    nx.draw_networkx_edge_labels(
        graph, pos, ax=ax, font_size=7, connectionstyle="arc3,rad=0.15",
        edge_labels={(u, v): _PATTERN_LABELS[str(p)] for u, v, p in graph.edges(data="pattern")},
    )
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_color="#ddf4ff", edgecolors="#0969da", **box)
    nx.draw_networkx_labels(graph, pos, ax=ax, font_size=8)
    ax.set_title(title if title is not None else
                 f"{context_map.name}: upstream above downstream (red: a witness)")
    ax.margins(0.12)
    ax.set_axis_off()
    fig.tight_layout()
    return fig


def _verdict_html(verdicts: Iterable[Verdict]) -> str:
    return "".join(v._repr_html_() for v in verdicts)


class GranularityExplorer(Explorer):
    """Decompose a monolith by community detection, then optimize granularity within
    bounds; the drawing, metrics and verdicts follow the controls.

    :meth:`set` does what moving the controls does, so it is testable without a browser.
    """

    def __init__(self, monolith: Monolith, bounds: Bounds = _BOUNDS,
                 weights: CouplingWeights = _WEIGHTS, method: str = "greedy_modularity"):
        self.monolith = monolith
        slider = {"continuous_update": False, "style": {"description_width": "initial"}}
        self.merge_below = widgets.IntSlider(bounds.merge_below, 1, 20,
                                             description="merge below", **slider)
        self.split_above = widgets.IntSlider(bounds.split_above, 1, 40,
                                             description="split above", **slider)
        self.write = widgets.FloatSlider(weights.write, min=0, max=5, step=0.5,
                                         description="write weight", **slider)
        self.read = widgets.FloatSlider(weights.read, min=0, max=5, step=0.5,
                                        description="read weight", **slider)
        self.call = widgets.FloatSlider(weights.call, min=0, max=5, step=0.5,
                                        description="call weight", **slider)
        self.method = widgets.Dropdown(options=list(METHODS), value=method,
                                       description="method")
        self.message = widgets.HTML()
        self.report = widgets.HTML()
        self.image = widgets.Image(format="png")
        controls = [self.merge_below, self.split_above, self.write, self.read, self.call,
                    self.method]
        for control in controls:
            control.observe(lambda _change: self._show(), names="value")
        self.widget = widgets.VBox([
            widgets.HBox([widgets.VBox([*controls[:2], self.method]),
                          widgets.VBox(controls[2:5])]),
            self.message, self.report, self.image,
        ])
        self._show()

    @property
    def bounds(self) -> Bounds:
        """The thresholds the sliders set."""
        return Bounds(self.merge_below.value, self.split_above.value)

    @property
    def weights(self) -> CouplingWeights:
        """The coupling weights the sliders set."""
        return CouplingWeights(write=self.write.value, read=self.read.value, call=self.call.value)

    def set(self, **values: object) -> None:
        """Move controls by name: ``set(split_above=8, method="louvain")``."""
        for name, value in values.items():
            control = getattr(self, name, None)
            if not isinstance(control, widgets.ValueWidget):
                raise TheoryError(f"GranularityExplorer has no control {name!r}")
            control.value = value

    def design(self) -> Design:
        """The cut shown: the community cut, then :func:`~msatheory.design.optimize`."""
        cut = decompose(self.monolith, self.weights, self.method.value).design
        return optimize(cut, self.bounds)

    def verdicts(self, design: Design) -> list[Verdict]:
        """Theorem 2.1.1, Principle 2.1.1 and Principle 2.3.1 on ``design``."""
        return [check_separation(design), check_single_responsibility(design),
                check_granularity(design, self.bounds)]

    def describe(self) -> str:
        """The shown cut in one line: services, granularities and quality."""
        return self._describe(self.design())

    def _describe(self, design: Design) -> str:
        quality = cut_quality(self.monolith, design, self.weights)
        sizes = ", ".join(f"{s.name} {granularity(s)}" for s in design.services)
        return (f"{len(design.services)} services (G: {sizes}); modularity "
                f"{quality.modularity:.3f}, cohesion {quality.cohesion:.2f}, "
                f"coupling {quality.coupling:g}")

    def _show(self) -> None:
        if self.merge_below.value > self.split_above.value:
            self.message.value = (
                "<p style='color:#cf222e'>merge below must not exceed split above: "
                "no service could be within bounds.</p>"
            )
            return
        self.message.value = ""
        design = self.design()
        self.report.value = (f"<p>{html.escape(self._describe(design))}</p>"
                             + _verdict_html(self.verdicts(design)))
        self.image.value = figure_png(draw_cut(self.monolith, design, self.weights))

    def __repr__(self) -> str:
        b, w = self.bounds, self.weights
        return (f"GranularityExplorer({self.monolith.name!r}, bounds=[{b.merge_below}, "
                f"{b.split_above}], weights=(write={w.write:g}, read={w.read:g}, "
                f"call={w.call:g}), method={self.method.value!r})")
