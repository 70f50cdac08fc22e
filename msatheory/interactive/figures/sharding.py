"""Lesson 6a's figures: what moves when a node joins, how even a ring is, which node is
hot, and where a vertical split cuts the shop's product.

Every mark comes from the chapter's models: :func:`draw_moved_fractions` measures, for
each placement of Def 6.2.1 (数据分片), the keys that move when one node joins
(:func:`~msatheory.data.sharding.movement`) beside ``mod N``'s exact fraction
(:func:`~msatheory.data.sharding.moved_fraction_mod_n`) and the least that must move
(:func:`~msatheory.data.sharding.ideal_moved_fraction`); :func:`draw_imbalance` plots the
rows of :func:`~msatheory.data.sharding.imbalance_table`; :func:`draw_loads` draws each
node's load (:func:`~msatheory.data.sharding.loads`) of Strategy 6.2.1 (水平分片); and
:func:`draw_co_access` the co-access graph of Strategy 6.2.2 (垂直分片)
(:func:`~msatheory.data.vertical.co_access_graph`) with a split's shards and cut.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from msatheory.data.sharding import (
    HashRing,
    ImbalanceRow,
    JumpHash,
    ModN,
    Placement,
    Rendezvous,
    ideal_moved_fraction,
    imbalance,
    moved_fraction_mod_n,
    movement,
)
from msatheory.data.vertical import (
    Query,
    VerticalSplit,
    co_access_graph,
    cross_shard_weight,
    cut_weight,
)
from msatheory.errors import TheoryError, require_count, require_items

__all__ = [
    "SCHEME_COLOURS",
    "SHARD_COLOURS",
    "draw_co_access",
    "draw_imbalance",
    "draw_loads",
    "draw_moved_fractions",
    "schemes",
]

#: Each placement's colour; every colour reads at 4.5:1 or more against white (WCAG AA).
SCHEME_COLOURS = MappingProxyType({
    "mod N": "#cf222e", "ring": "#0969da", "jump hash": "#1a7f37", "rendezvous": "#8250df",
})
#: A vertical split's shards, in order (WCAG AA against white).
SHARD_COLOURS = ("#0969da", "#bc4c00", "#1a7f37", "#8250df", "#57606a")
_MARKERS = {"mod N": "o", "ring": "s", "jump hash": "^", "rendezvous": "D"}
#: The distance between two shards' circles in :func:`draw_co_access`.
SPACING = 3.6
#: How far (radians) each shard's circle is turned against the one before it.
TURN = 0.35
IDEAL, EXPECTED, MEASURED, MEAN, CUT = "#1f2328", "#1f2328", "#0969da", "#cf222e", "#cf222e"


def schemes(vnodes: int = 160) -> dict[str, Callable[[list[str]], Placement]]:
    """The four hash placements of Def 6.2.1 (数据分片) by name, each a function from a
    list of node names to the placement: ``mod N``, the ketama ``ring`` with ``vnodes``
    points per node, ``jump hash`` and ``rendezvous``.

    >>> sorted(schemes())
    ['jump hash', 'mod N', 'rendezvous', 'ring']
    """
    points = require_count("schemes", "vnodes", vnodes, least=1)
    return {"mod N": ModN, "ring": lambda nodes: HashRing(nodes, points),
            "jump hash": JumpHash, "rendezvous": Rendezvous}


def draw_moved_fractions(counts: Iterable[int], keys: Sequence[str],
                         vnodes: int = 160) -> Figure:
    """Def 6.2.1 (数据分片) under growth: for each node count ``N`` in ``counts`` and
    each placement of :func:`schemes`, the fraction of ``keys`` that move when node
    ``node-N`` joins ``node-0`` ... ``node-(N-1)`` (a marker, measured by
    :func:`~msatheory.data.sharding.movement`), with ``mod N``'s exact fraction
    ``N/(N+1)`` (dashed) and the least any placement must move, ``1/(N+1)`` (solid).

    Raises
    ------
    TheoryError
        If ``counts`` holds no positive whole number or ``keys`` no key.
    """
    owner = "draw_moved_fractions"
    ns = sorted({require_count(owner, "a node count", n, least=1)
                 for n in require_items(owner, "counts", counts, int)})
    if not ns:
        raise TheoryError(f"{owner}: counts must hold at least one node count")
    fig = Figure(figsize=(6.4, 3.2), dpi=100)
    ax = fig.subplots()
    for name, make in schemes(vnodes).items():
        fractions = []
        for n in ns:
            before = make([f"node-{i}" for i in range(n)])
            fractions.append(float(movement(before, before.with_node(f"node-{n}"),
                                            keys).fraction))
        ax.plot(ns, fractions, _MARKERS[name], color=SCHEME_COLOURS[name], ms=5,
                label=f"{name} (measured)")
    ax.plot(ns, [float(moved_fraction_mod_n(n, n + 1)) for n in ns], "--",
            color=SCHEME_COLOURS["mod N"], lw=1.2, label="mod N, exact: N/(N+1)")
    ax.plot(ns, [float(ideal_moved_fraction(n, 1)) for n in ns], color=IDEAL, lw=1.2,
            label="least possible: 1/(N+1)")
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("nodes N before one joins")
    ax.set_ylabel(f"keys moved (of {len(keys):,})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center right")
    fig.tight_layout()
    return fig


def draw_imbalance(rows: Sequence[ImbalanceRow]) -> Figure:
    """Def 6.2.1 (数据分片) on a ring: for the rows of
    :func:`~msatheory.data.sharding.imbalance_table`, the imbalance (busiest node over
    the mean) against the virtual nodes per node (log scale): the expectation for random
    points (a line), the mean over rings of their arcs' imbalance, and one ring's
    imbalance on the sampled keys.

    Raises
    ------
    TheoryError
        If ``rows`` holds no :class:`~msatheory.data.sharding.ImbalanceRow`.
    """
    shown = sorted(require_items("draw_imbalance", "rows", rows, ImbalanceRow),
                   key=lambda row: row.vnodes)
    if not shown:
        raise TheoryError("draw_imbalance: give at least one ImbalanceRow")
    fig = Figure(figsize=(6.4, 3.0), dpi=100)
    ax = fig.subplots()
    vnodes = [row.vnodes for row in shown]
    ax.plot(vnodes, [row.expected for row in shown], color=EXPECTED, lw=1.4,
            label="expected, random points")
    ax.plot(vnodes, [row.mean_ring_imbalance for row in shown], "o", color=MEASURED, ms=6,
            label="mean over rings, exact arcs")
    ax.plot(vnodes, [row.imbalance for row in shown], "x", color=MEAN, ms=7,
            label="one ring, sampled keys")
    ax.axhline(1, color="#57606a", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("virtual nodes per node")
    ax.set_ylabel("busiest node / mean")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def draw_loads(panels: Mapping[str, Mapping[str, int]]) -> Figure:
    """Strategy 6.2.1 (水平分片), balanced or not: one panel per entry of ``panels``, a
    bar per node of its load (as :func:`~msatheory.data.sharding.loads` counts it), the
    mean dashed, and the imbalance (busiest over mean) in the title.

    Raises
    ------
    TheoryError
        If ``panels`` is empty, or a panel holds no load or a load that is not a count.
    """
    if not isinstance(panels, Mapping) or not panels:
        raise TheoryError("draw_loads: give at least one panel of loads, by name")
    for name, counts in panels.items():
        if not isinstance(counts, Mapping):
            raise TheoryError(f"draw_loads: panel {name!r} must map nodes to loads, "
                              f"not {counts!r}")
    ratios = {name: imbalance(counts) for name, counts in panels.items()}  # validates
    fig = Figure(figsize=(3.3 * len(panels) + 0.4, 2.8), dpi=100)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (name, counts) in zip(axes, panels.items(), strict=True):
        nodes, values = list(counts), list(counts.values())
        total = sum(values)
        ax.bar(range(len(nodes)), [v / total for v in values], color=MEASURED, width=0.7)
        ax.axhline(1 / len(nodes), color=MEAN, ls="--", lw=1.2)
        ax.set_xticks(range(len(nodes)), nodes, rotation=90, fontsize=7)
        ax.set_title(f"{name}: imbalance {float(ratios[name]):.2f}", fontsize=9, loc="left")
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(alpha=0.3, axis="y")
    axes[0].set_ylabel("share (dashed: the mean)")
    fig.tight_layout()
    return fig


def draw_co_access(splits: Mapping[str, VerticalSplit], queries: Iterable[Query]) -> Figure:
    """Strategy 6.2.2 (垂直分片): one panel per split, titled by its key, of the
    co-access graph of the splits' entity under ``queries``
    (:func:`~msatheory.data.vertical.co_access_graph`). A column is a dot on its shard's
    circle, in the shard's colour, its area its size in bytes; an edge is as thick as
    the log of its weight, and dashed red where the split cuts it. Each panel gives the
    cut weight (the cut edges' weights added) and the cross-shard weight.

    Raises
    ------
    TheoryError
        If ``splits`` is empty, holds something that is not a split, or splits different
        entities; or if a query names a column the entity lacks.
    """
    owner = "draw_co_access"
    if not isinstance(splits, Mapping) or not splits:
        raise TheoryError(f"{owner}: give at least one VerticalSplit, by name")
    shown = require_items(owner, "splits", splits.values(), VerticalSplit)
    if len({split.entity for split in shown}) > 1:
        raise TheoryError(f"{owner}: the splits must split one entity")
    items = require_items(owner, "queries", queries, Query)
    graph = co_access_graph(shown[0].entity, items)
    edges = [(a, b, float(graph.edges[a, b]["weight"])) for a, b in graph.edges]
    heaviest = max((w for _, _, w in edges), default=1.0)
    fig = Figure(figsize=(5.0 * len(shown), 3.4), dpi=100)
    axes = fig.subplots(1, len(shown), squeeze=False)[0]
    for ax, (name, split) in zip(axes, splits.items(), strict=True):
        at = _places(split)
        for a, b, weight in edges:
            cut = split.shard_of(a) != split.shard_of(b)
            (x0, y0), (x1, y1) = at[a], at[b]
            ax.plot([x0, x1], [y0, y1], color=CUT if cut else "#8c959f",
                    ls="--" if cut else "-", zorder=1,
                    lw=0.6 + 2.4 * math.log1p(weight) / math.log1p(heaviest))
        for column, size in split.entity.columns.items():
            colour = SHARD_COLOURS[split.shard_of(column) % len(SHARD_COLOURS)]
            ax.scatter(*at[column], s=20 + 12 * math.sqrt(size), color=colour, zorder=3)
            dx, dy = at[column][0] - SPACING * split.shard_of(column), at[column][1]
            if dx == dy == 0:
                dy = 1.0
            ax.annotate(f"{column} ({size} B)", at[column], xytext=(11 * dx, 11 * dy),
                        textcoords="offset points", fontsize=7.5, color=colour, zorder=4,
                        bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none",
                              "alpha": 0.85},
                        ha="left" if dx > 0.3 else "right" if dx < -0.3 else "center",
                        va="bottom" if dy > 0.3 else "top" if dy < -0.3 else "center")
        ax.set_title(f"{name}\ncut {float(cut_weight(split, items)):g}, cross-shard "
                     f"{float(cross_shard_weight(split, items)):g}", fontsize=9, loc="left")
        ax.set_xlim(-2.2, SPACING * (split.k - 1) + 2.2)
        ax.set_ylim(-1.4, 1.45)
        ax.set_xticks([SPACING * i for i in range(split.k)],
                      [f"shard {i}" for i in range(split.k)], fontsize=8)
        ax.set_yticks([])
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def _places(split: VerticalSplit) -> dict[str, tuple[float, float]]:
    """Each column's place: a shard's columns evenly round a circle centred at
    ``(SPACING * shard, 0)``, the first at the top turned by ``TURN`` per shard, so that
    no edge between shards runs through a column (one column alone at the centre)."""
    places = {}
    for index, fragment in enumerate(split.fragments):
        radius = 0.0 if len(fragment) == 1 else 1.0
        for k, column in enumerate(fragment):
            angle = math.pi / 2 + TURN * index - 2 * math.pi * k / len(fragment)
            places[column] = (SPACING * index + radius * math.cos(angle),
                              radius * math.sin(angle))
    return places
