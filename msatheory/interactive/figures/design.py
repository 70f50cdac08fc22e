"""Chapter 2's figures: a cut of a monolith, the feasible service counts, a context map.

:class:`CutDrawing` draws Theorem 2.1.1's partition and Principle 2.3.1's granularity:
each service is a column headed by its name and G(s), listing its functions (circles)
and entities (squares) in its own colour; coupling inside a service is a grey arc
beside the column, coupling across services a red line, its width growing with the
weight. Labels are outlines in data units, so they never overlap whatever the layout,
and moving them costs no text rendering.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx
import numpy as np
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D, IdentityTransform

from msatheory.design.boundary import Design, ServiceSpec
from msatheory.design.context_map import ContextMap, check_context_map
from msatheory.design.coupling import DEFAULT_WEIGHTS, CouplingWeights, Node, coupling_graph
from msatheory.design.monolith import Monolith
from msatheory.design.quality import owners
from msatheory.design.sizing import Bounds, feasible, granularity, service_counts

__all__ = [
    "CROSSING",
    "PALETTE",
    "CutDrawing",
    "cluster_positions",
    "draw_context_map",
    "draw_cut",
    "draw_feasibility",
]

#: One colour per service, cycled: Tableau 10 without its red and pink, which would read
#: as :data:`CROSSING`.
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#edc948", "#b07aa1", "#9c755f",
           "#bab0ac")
#: Coupling across services.
CROSSING = "#cf222e"
#: Coupling inside a service.
INSIDE = "#8c959f"
_INK = "#1f2328"

# Layout units: one row per element. A column is an arc zone, the node, then the label.
_ROW, _HEADER, _GAP, _ARCS, _TO_LABEL, _PAD = 1.0, 1.5, 0.8, 1.3, 0.45, 0.9
_LABEL_SIZE, _HEADER_SIZE = 0.62, 0.7
_LARGEST_LABEL = 8.5  # points
_BOLD = FontProperties(family="DejaVu Sans", weight="bold")
_REGULAR = FontProperties(family="DejaVu Sans")


@lru_cache(maxsize=4096)
def _text(text: str, bold: bool = False) -> tuple[np.ndarray, np.ndarray, float]:
    """Outline of ``text`` in layout units, its baseline raised to centre it on y = 0:
    vertices, codes and width."""
    size = _HEADER_SIZE if bold else _LABEL_SIZE
    path = TextPath((0, 0), text, size=size, prop=_BOLD if bold else _REGULAR)
    vertices = path.vertices - np.array((0.0, 0.36 * size))
    # the outline's right end (control points included: exact extents cost 10 ms a label)
    return vertices, path.codes, float(vertices[:, 0].max()) if len(vertices) else 0.0


def _members(design: Design) -> list[list[Node]]:
    """Each service's nodes, functions first, in the order the spec keeps them."""
    return [[("function", f.name) for f in spec.functions]
            + [("entity", d.name) for d in spec.data_models] for spec in design.services]


@dataclass(frozen=True)
class _Layout:
    """Where everything of a cut goes, in layout units (y grows upwards)."""

    pos: dict[Node, tuple[float, float]]
    headers: list[tuple[float, float]]  # left end of each service's header
    width: float
    height: float


def _layout(design: Design, aspect: float) -> _Layout:
    """Columns packed row by row, as many per row as makes the picture largest in a
    frame of width/height ``aspect``."""
    members = _members(design)
    names = [spec.name for spec in design.services]
    widths = [_ARCS + _TO_LABEL + _PAD + max(
        [_text(n[1])[2] for n in nodes] + [_text(header(spec), True)[2] - _ARCS])
        for spec, nodes in zip(design.services, members, strict=True)]
    heights = [_HEADER + _ROW * len(nodes) + _GAP for nodes in members]

    def pack(per_row: int) -> tuple[float, float, list[float], list[float]]:
        rows = [range(i, min(i + per_row, len(names))) for i in range(0, len(names), per_row)]
        col_w = [max((widths[r[0] + c] for r in rows if c < len(r)), default=0.0)
                 for c in range(per_row)]
        row_h = [max(heights[i] for i in r) for r in rows]
        return sum(col_w), sum(row_h), col_w, row_h

    def scale(per_row: int) -> float:
        w, h, _, _ = pack(per_row)
        return min(aspect / w, 1 / h)

    per_row = max(range(1, len(names) + 1), key=lambda k: (scale(k), -k), default=1)
    width, height, col_w, row_h = pack(per_row)
    pos: dict[Node, tuple[float, float]] = {}
    headers: list[tuple[float, float]] = []
    for i, nodes in enumerate(members):
        row, col = divmod(i, per_row)
        x = sum(col_w[:col]) + _ARCS
        top = height - sum(row_h[:row])
        headers.append((x - 0.3, top - _HEADER / 2))
        for j, node in enumerate(nodes):
            pos[node] = (x, top - _HEADER - _ROW * (j + 0.5))
    return _Layout(pos, headers, width, height)


def header(spec: ServiceSpec) -> str:
    """A service's column header: its name and granularity G(s) (Def 2.3.1)."""
    return f"{spec.name}  G={granularity(spec)}"


def cluster_positions(design: Design) -> dict[Node, tuple[float, float]]:
    """Each function and entity of ``design`` in its service's column (layout units)."""
    return dict(_layout(design, 1.0).pos)


def _arc(a: tuple[float, float], b: tuple[float, float], points: int = 12) -> np.ndarray:
    """A quadratic curve from ``a`` to ``b`` bulging to the left of their column."""
    (x, y0), (_, y1) = a, b
    bulge = min(_ARCS - 0.2, 0.25 + 0.11 * abs(y1 - y0))
    t = np.linspace(0.0, 1.0, points)[:, None]
    p0, p1, p2 = np.array(a), np.array((x - 2 * bulge, (y0 + y1) / 2)), np.array(b)
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2


def _placed(text: str, x: float, y: float, bold: bool = False) -> Path:
    """The outline of ``text`` starting at ``x``, centred on ``y``."""
    vertices, codes, _ = _text(text, bold)
    return Path(vertices + np.array((x, y)), codes)


def _box(text: str, x: float, y: float, bold: bool = False) -> Path:
    """The white box behind ``text`` placed as :func:`_placed` places it: lines pass
    under a label, not through it."""
    width, half = _text(text, bold)[2], 0.42 if bold else 0.36
    return Path.unit_rectangle().transformed(
        Affine2D().scale(width + 0.2, 2 * half).translate(x - 0.1, y - half))


class CutDrawing:
    """The coupling graph of ``monolith`` grouped by the services of a design.

    One figure, redrawn by :meth:`show` for each design and weights; every artist it
    changes is in :attr:`changing` (for a :class:`~msatheory.interactive.figures.png.Canvas`).
    """

    def __init__(self, monolith: Monolith, *, figsize: tuple[float, float] = (6.4, 6.0),
                 dpi: int = 100):
        self.monolith = monolith
        self.figure = fig = Figure(figsize=figsize, dpi=dpi)
        legend_h = 0.5 / figsize[1]
        self.ax = ax = fig.add_axes((0.01, legend_h + 0.01, 0.98, 0.93 - legend_h))
        ax.set_axis_off()
        self.title: Text = fig.text(0.5, 0.985, "", ha="center", va="top", fontsize=10)
        none = np.zeros((0, 2))
        self.inside = LineCollection([], colors=INSIDE, alpha=0.7, zorder=1)
        self.across = LineCollection([], colors=CROSSING, alpha=0.55, zorder=1.5)
        self.functions = ax.scatter(none[:, 0], none[:, 1], marker="o", zorder=2,
                                    edgecolors=_INK, linewidths=0.5)
        self.entities = ax.scatter(none[:, 0], none[:, 1], marker="s", zorder=2,
                                   edgecolors=_INK, linewidths=0.5)
        text = {"transform": ax.transData}
        self.halo = PathCollection([], facecolors="white", edgecolors="none", alpha=0.85,
                                   zorder=3, **text)
        self.labels = PathCollection([], facecolors=_INK, linewidths=0, zorder=4, **text)
        self.headers = PathCollection([], linewidths=0, zorder=4, **text)
        for collection in (self.inside, self.across, self.halo, self.labels, self.headers):
            ax.add_collection(collection, autolim=False)
        fig.legend(handles=[
            Line2D([], [], ls="", marker="o", mfc="white", mec=_INK, label="function"),
            Line2D([], [], ls="", marker="s", mfc="white", mec=_INK, label="entity"),
            Line2D([], [], color=INSIDE, lw=2, label="coupling inside a service"),
            Line2D([], [], color=CROSSING, lw=2, label="coupling across services"),
        ], loc="lower center", ncols=4, fontsize=7, frameon=False, bbox_to_anchor=(0.5, 0),
            title="line width: coupling weight", title_fontsize=7, columnspacing=1.0,
            handlelength=1.6)
        for collection in (self.functions, self.entities, self.halo, self.labels, self.headers):
            collection.set_offset_transform(IdentityTransform())
            collection.set_transform(ax.transData)
        self.functions.set_transform(IdentityTransform())
        self.entities.set_transform(IdentityTransform())
        self.functions.set_offset_transform(ax.transData)
        self.entities.set_offset_transform(ax.transData)

    #: No artist is pasted from the first frame: the background is drawn once, whole.
    fixed: tuple[Artist, ...] = ()

    @property
    def changing(self) -> list[Artist]:
        """The artists :meth:`show` changes."""
        return [self.inside, self.across, self.functions, self.entities, self.halo,
                self.labels, self.headers, self.title]

    def show(self, design: Design, weights: CouplingWeights = DEFAULT_WEIGHTS,
             title: str | None = None) -> None:
        """Draw ``design``'s services over the coupling graph under ``weights``."""
        graph = coupling_graph(self.monolith, weights)
        owner = owners(self.monolith, design)
        colour = {s.name: PALETTE[i % len(PALETTE)] for i, s in enumerate(design.services)}
        bbox = self.ax.get_position()
        fig_w, fig_h = self.figure.get_size_inches()
        layout = _layout(design, bbox.width * fig_w / (bbox.height * fig_h))
        pos = layout.pos
        # fill the axes, same scale on both axes, the layout centred
        units = max(layout.width / (bbox.width * fig_w), layout.height / (bbox.height * fig_h),
                    _LABEL_SIZE * 72 / _LARGEST_LABEL)  # a roomy figure: labels stop growing
        half_w, half_h = bbox.width * fig_w * units / 2, bbox.height * fig_h * units / 2
        self.ax.set_xlim(layout.width / 2 - half_w, layout.width / 2 + half_w)
        self.ax.set_ylim(layout.height / 2 - half_h, layout.height / 2 + half_h)
        points_per_unit = 72 / units  # figure inches per unit is 1/units

        edges: list[tuple[Node, Node, float]] = sorted(graph.edges(data="weight"))
        top = max((w for *_, w in edges), default=1.0) or 1.0
        inside = [(u, v, w) for u, v, w in edges if owner[u] == owner[v]]
        across = [(u, v, w) for u, v, w in edges if owner[u] != owner[v]]
        self.inside.set_segments([_arc(pos[u], pos[v]) for u, v, _ in inside])
        self.inside.set_linewidth([0.4 + 1.8 * w / top for *_, w in inside])
        self.across.set_segments([np.array([pos[u], pos[v]]) for u, v, _ in across])
        self.across.set_linewidth([0.5 + 2.5 * w / top for *_, w in across])

        node_area = (0.5 * points_per_unit) ** 2
        for collection, kind in ((self.functions, "function"), (self.entities, "entity")):
            nodes = sorted(n for n in pos if n[0] == kind)
            collection.set_offsets(np.array([pos[n] for n in nodes]).reshape(-1, 2))
            collection.set_sizes([node_area * (1.0 if kind == "function" else 0.8)])
            collection.set_facecolor([colour[owner[n]] for n in nodes])
        labels = [(n[1], x + _TO_LABEL, y, False) for n, (x, y) in sorted(pos.items())]
        headers = [(header(spec), x, y, True)
                   for spec, (x, y) in zip(design.services, layout.headers, strict=True)]
        self.halo.set_paths([_box(*label) for label in labels + headers])
        self.labels.set_paths([_placed(*label) for label in labels])
        self.headers.set_paths([_placed(*h) for h in headers])
        self.headers.set_facecolor([_darker(colour[s.name]) for s in design.services])
        self.title.set_text(title if title is not None else f"{self.monolith.name}: "
                            f"{len(design.services)} services")


def _darker(colour: str, by: float = 0.72) -> tuple[float, float, float]:
    """The colour scaled towards black, so a header in it reads on white."""
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return (r * by, g * by, b * by)


def draw_cut(monolith: Monolith, design: Design, weights: CouplingWeights = DEFAULT_WEIGHTS,
             title: str | None = None) -> Figure:
    """The coupling graph with nodes grouped and coloured by service: each service a
    column of its functions (circles) and entities (squares) under its name and G;
    coupling inside a service grey, across services red, line width growing with the
    weight."""
    drawing = CutDrawing(monolith)
    drawing.show(design, weights, title)
    return drawing.figure


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
        ax.plot(bad, [0] * len(bad), "x", color=CROSSING, label="no cut within bounds")
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
    pattern, red where :func:`~msatheory.design.context_map.check_context_map` has a
    witness."""
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
    box_size = 2300
    patterns: dict[tuple[str, str], object] = nx.get_edge_attributes(graph, "pattern")
    for (u, v), pattern in sorted(patterns.items()):
        nx.draw_networkx_edges(
            graph, pos, ax=ax, edgelist=[(u, v)], arrows=True, arrowsize=14,
            edge_color=CROSSING if (u, v) in flagged else "#57606a",
            style="dotted" if str(pattern) == "separate ways" else "solid",
            connectionstyle="arc3,rad=0.15", node_size=box_size, node_shape="s",
        )
    nx.draw_networkx_edge_labels(
        graph, pos, ax=ax, font_size=7, connectionstyle="arc3,rad=0.15",
        edge_labels={edge: _PATTERN_LABELS[str(p)] for edge, p in patterns.items()},
    )
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_color="#ddf4ff", edgecolors="#0969da",
                           node_size=box_size, node_shape="s")
    nx.draw_networkx_labels(graph, pos, ax=ax, font_size=8)
    ax.set_title(title if title is not None else
                 f"{context_map.name}: upstream above downstream (red: a witness)")
    ax.margins(0.12)
    ax.set_axis_off()
    fig.tight_layout()
    return fig
