"""Chapter 4's figures: each request's fate through the gateway, the five rate limiters
side by side on the same stream, the tail at scale and what a backend for frontend saves.

Every mark comes from the gateway model: :class:`GatewayDrawing` plots the
:class:`~msatheory.gateway.pipeline.Fate` of each request of a stream (the last stage of
Def 4.1.1's pipeline it reached, coloured by its outcome) above the decisions of the five
limiters of Function 4.2.4 (限流) on that stream
(:func:`~msatheory.gateway.pipeline.compare_limiters`), with each limiter's busiest
window against the limit. On a burst straddling a window boundary, the fixed window's
row shows twice the limit admitted. :func:`draw_precedence` shows Function 4.2.1's two
precedence rules choosing among the routes of a table; :func:`draw_tail_at_scale` plots
Function 4.2.2's ``1 - (1 - p)^n`` against simulated fan-outs, and
:func:`draw_screen_costs` Pattern 4.3.2's costs of each screen under one gateway and
under a backend for frontend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from msatheory.errors import TheoryError
from msatheory.gateway.aggregation import FanOutReport, slow_fraction
from msatheory.gateway.bff import ScreenCost
from msatheory.gateway.pipeline import STAGES, Comparison, Fate
from msatheory.gateway.ratelimit import LIMITERS
from msatheory.gateway.routing import RoutingTable

__all__ = [
    "LIMITER_LABELS",
    "OUTCOME_COLOURS",
    "GatewayDrawing",
    "draw_gateway",
    "draw_precedence",
    "draw_screen_costs",
    "draw_tail_at_scale",
]

#: Each outcome of :attr:`Fate.outcome` as drawn and tabled: every colour reads at a
#: contrast of at least 4.5:1 with white text (WCAG AA).
OUTCOME_COLOURS = MappingProxyType({
    "served": "#0969da", "cached": "#1a7f37", "no route": "#57606a",
    "unauthenticated": "#cf222e", "forbidden": "#8250df", "limited": "#bc4c00",
    "unavailable": "#9a6700",
})
#: The marker of each outcome, so outcomes differ by shape as well as colour.
_MARKERS = MappingProxyType({
    "served": "o", "cached": "s", "no route": "x", "unauthenticated": "v",
    "forbidden": "D", "limited": "^", "unavailable": "P",
})
#: Each limiter's row label.
LIMITER_LABELS = MappingProxyType({
    "fixed-window": "fixed window", "sliding-log": "sliding log",
    "sliding-window-counter": "window counter", "token-bucket": "token bucket",
    "gcra": "GCRA",
})
ADMITTED, REFUSED, BOUNDARY, OVER = "#0969da", "#cf222e", "#8c959f", "#cf222e"


class GatewayDrawing:
    """One figure of a stream, redrawn by :meth:`show` when the controls change.

    Above: one row per stage of :data:`~msatheory.gateway.pipeline.STAGES`, each request
    marked at its time in the row of the last stage it reached, coloured and shaped by
    its outcome (the legend beside it). Below: one row per limiter, each request
    admitted (a blue bar) or refused (a red cross), over dotted lines at the window
    boundaries; at the right, each limiter's busiest window (the most admissions one
    client had in a window) against the limit (the dashed line), red when over it.
    """

    def __init__(self, span: int = 60, *, figsize: tuple[float, float] = (5.6, 5.4),
                 dpi: int = 100, most: int = 20):
        self.span = span
        self.figure = fig = Figure(figsize=figsize, dpi=dpi)
        grid = fig.add_gridspec(2, 2, width_ratios=(3.4, 1), height_ratios=(7, 5),
                                left=0.18, right=0.98, top=1 - 0.3 / figsize[1],
                                bottom=0.45 / figsize[1], hspace=0.2, wspace=0.06)
        self.fates_ax = fates = fig.add_subplot(grid[0, 0])
        self.limits_ax = limits = fig.add_subplot(grid[1, 0], sharex=fates)
        self.busiest_ax = tops = fig.add_subplot(grid[1, 1], sharey=limits)
        self.outcomes = {
            outcome: fates.plot([], [], ls="", marker=_MARKERS[outcome], color=colour,
                                ms=5, mfc=colour if outcome != "no route" else "none")[0]
            for outcome, colour in OUTCOME_COLOURS.items()}
        self.boundaries = LineCollection([], colors=BOUNDARY, linewidths=0.8,
                                         linestyles=":", zorder=0.5)
        limits.add_collection(self.boundaries, autolim=False)
        (self.admitted,) = limits.plot([], [], ls="", marker="|", color=ADMITTED, ms=8)
        (self.refused,) = limits.plot([], [], ls="", marker="x", color=REFUSED, ms=4)
        self.bars = LineCollection([], linewidths=7, capstyle="butt")
        tops.add_collection(self.bars, autolim=False)
        (self.limit,) = tops.plot([], [], color="#1f2328", lw=1.2, ls="--")
        fates.set_yticks(range(len(STAGES)), STAGES)
        fates.set_ylim(len(STAGES) - 0.5, -0.5)
        limits.set_yticks(range(len(LIMITERS)), [LIMITER_LABELS[name] for name in LIMITERS])
        limits.set_ylim(len(LIMITERS) - 0.5, -0.5)
        limits.set_xlim(-1, span + 1)
        tops.set_xlim(-0.5, most + 1)
        tops.set_xticks(range(0, most + 1, 10))
        tops.tick_params(left=False, labelleft=False)
        for ax in (fates, limits, tops):
            ax.tick_params(labelsize=7.5)
        fates.tick_params(labelbottom=False)
        fates.set_title("last stage each request reached", fontsize=8, loc="left")
        limits.set_title("five limiters, one stream (key: client)", fontsize=8, loc="left")
        tops.set_title("busiest", fontsize=8, loc="left")
        limits.set_xlabel("time (s)", fontsize=8)
        tops.set_xlabel("admitted", fontsize=8)
        beside = grid[0, 1].get_position(fig)
        self.legend = fig.legend(handles=[
            Line2D([], [], ls="", marker=_MARKERS[o], color=c, ms=5,
                   mfc=c if o != "no route" else "none", label=o)
            for o, c in OUTCOME_COLOURS.items()
        ] + [Line2D([], [], ls="", marker="|", color=ADMITTED, ms=7, label="admitted"),
             Line2D([], [], ls="", marker="x", color=REFUSED, ms=4, label="refused"),
             Line2D([], [], color="#1f2328", lw=1.2, ls="--", label="limit")],
            loc="upper left", bbox_to_anchor=(beside.x0 + 0.01, beside.y1), ncols=1,
            fontsize=7, frameon=False, handlelength=1.0, borderaxespad=0,
            handletextpad=0.4, labelspacing=0.6)

    @property
    def changing(self) -> list[Artist]:
        """The artists :meth:`show` changes; nothing else ever does."""
        return [*self.outcomes.values(), self.boundaries, self.admitted, self.refused,
                self.bars, self.limit]

    @property
    def fixed(self) -> list[Artist]:
        """The artists that never change: the legend, beside the fates."""
        return [self.legend]

    def show(self, fates: Sequence[Fate], comparison: Comparison) -> None:
        """Draw ``fates`` and ``comparison`` (of the same stream)."""
        if len(comparison.times) != len(fates) or any(
                f.arrival.at != t for f, t in zip(fates, comparison.times, strict=True)):
            raise TheoryError("GatewayDrawing: the fates and the comparison must be of one "
                              "stream")
        for outcome, line in self.outcomes.items():
            points = [(float(f.arrival.at), STAGES.index(f.stage)) for f in fates
                      if f.outcome == outcome]
            line.set_data([t for t, _ in points], [row for _, row in points])
        times = [float(t) for t in comparison.times]
        good = [(t, row) for row, run in enumerate(comparison.runs)
                for t, ok in zip(times, run.admitted, strict=True) if ok]
        bad = [(t, row) for row, run in enumerate(comparison.runs)
               for t, ok in zip(times, run.admitted, strict=True) if not ok]
        for line, points in ((self.admitted, good), (self.refused, bad)):
            line.set_data([t for t, _ in points], [row for _, row in points])
        window = float(comparison.window)
        rows = len(comparison.runs)
        self.boundaries.set_segments([
            [(k * window, -0.4), (k * window, rows - 0.6)]
            for k in range(1, int(self.span // window) + 1)])
        self.bars.set_segments([[(0, row), (run.busiest, row)]
                                for row, run in enumerate(comparison.runs)])
        self.bars.set_color([OVER if run.busiest > comparison.limit else ADMITTED
                             for run in comparison.runs])
        self.limit.set_data([comparison.limit] * 2, [-0.4, rows - 0.6])


def draw_gateway(fates: Sequence[Fate], comparison: Comparison, span: int = 60) -> Figure:
    """Each request's fate, and the five limiters on the same stream, as one figure."""
    drawing = GatewayDrawing(span)
    drawing.show(fates, comparison)
    return drawing.figure


_SHADES = ("#0969da", "#bc4c00", "#1a7f37", "#8250df")


def draw_tail_at_scale(measured: Mapping[tuple[int, float], FanOutReport],
                       largest: int = 1000) -> Figure:
    """Function 4.2.2 (聚合): ``1 - (1 - p)^n`` over fan-outs of 1 to ``largest`` calls
    (log scale), one curve per ``p`` of ``measured``, with each simulated report of
    ``measured`` (keyed by ``(n, p)``) marked on its curve."""
    if not measured:
        raise TheoryError("draw_tail_at_scale: give at least one simulated report, keyed "
                          "by (n, p)")
    chances = sorted({p for _, p in measured})
    if len(chances) > len(_SHADES):
        raise TheoryError(f"draw_tail_at_scale: at most {len(_SHADES)} values of p, not "
                          f"{len(chances)}")
    fig = Figure(figsize=(6.4, 3.4), dpi=100)
    ax = fig.subplots()
    ns = np.unique(np.geomspace(1, largest, 200).round().astype(int))
    for p, colour in zip(chances, _SHADES, strict=False):
        ax.plot(ns, [slow_fraction(int(n), p) for n in ns], color=colour, lw=1.6,
                label=f"1 - (1 - p)^n, p = {p:g}")
        points = sorted((n, r.slow_fraction) for (n, q), r in measured.items() if q == p)
        ax.plot(*zip(*points, strict=True), "o", color=colour, ms=5, mfc="white", mew=1.4)
    ax.plot([], [], "o", color="#57606a", mfc="white", mew=1.4, label="simulated")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("calls in the fan-out, n")
    ax.set_ylabel("requests waiting on a slow call")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def draw_screen_costs(costs: Sequence[ScreenCost]) -> Figure:
    """Pattern 4.3.2 (BFF模式): for each screen, the bytes a client receives and the
    latency it waits, under each design, side by side."""
    costs = list(costs)
    if not costs:
        raise TheoryError("draw_screen_costs: give at least one ScreenCost")
    screens = list(dict.fromkeys(f"{c.client}\n{c.screen}" for c in costs))
    designs = list(dict.fromkeys(c.design for c in costs))
    fig = Figure(figsize=(8, 3.0), dpi=100)
    axes = fig.subplots(1, 2)
    width = 0.8 / len(designs)
    for k, (design, colour) in enumerate(zip(designs, _SHADES, strict=False)):
        mine = {f"{c.client}\n{c.screen}": c for c in costs if c.design == design}
        xs = [i + (k - (len(designs) - 1) / 2) * width for i in range(len(screens))]
        for ax, value in ((axes[0], lambda c: c.received / 1000),
                          (axes[1], lambda c: c.latency * 1000)):
            ax.bar(xs, [value(mine[s]) if s in mine else 0 for s in screens], width,
                   color=colour, label=design)
    for ax, label in ((axes[0], "kB received"), (axes[1], "latency (ms)")):
        ax.set_xticks(range(len(screens)), screens, fontsize=8)
        ax.set_ylabel(label)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def draw_precedence(table: RoutingTable, requests: Sequence[tuple[str, str]]) -> Figure:
    """Function 4.2.1 (路由): for each request (method, path), the routes of ``table`` that
    match it (hollow) and the one each precedence rule chooses (filled): the most specific
    (:meth:`~msatheory.gateway.routing.RoutingTable.match`) and the first listed
    (:meth:`~msatheory.gateway.routing.RoutingTable.first_match`). A route no request
    reaches under a rule has its label in red in that rule's panel."""
    if not isinstance(table, RoutingTable) or not len(table):
        raise TheoryError("draw_precedence: give a RoutingTable with at least one route")
    asked = [(str(method), str(path)) for method, path in requests]
    if not asked:
        raise TheoryError("draw_precedence: give at least one (method, path) request")
    routes = list(table)
    fig = Figure(figsize=(9, 0.45 * len(asked) + 2.6), dpi=100)
    axes = fig.subplots(1, 2, sharey=True)
    rules = (("most specific wins", table.match), ("first match wins", table.first_match))
    for ax, (title, choose) in zip(axes, rules, strict=True):
        reached = set()
        for row, (method, path) in enumerate(asked):
            chosen = choose(method, path)
            for column, route in enumerate(routes):
                if route.matches(method, path):
                    won = route is chosen
                    reached |= {column} if won else set()
                    ax.plot(column, row, "o", ms=11, mew=1.6, color=_SHADES[0],
                            mfc=_SHADES[0] if won else "white")
        ax.set_xticks(range(len(routes)), [str(r) for r in routes], rotation=35,
                      ha="right", fontsize=8)
        for column, label in enumerate(ax.get_xticklabels()):
            if column not in reached:
                label.set_color(REFUSED)
        ax.set_xlim(-0.6, len(routes) - 0.4)
        ax.set_title(title, fontsize=10, loc="left")
        ax.grid(alpha=0.3)
    axes[0].set_yticks(range(len(asked)), [f"{m} {p}" for m, p in asked], fontsize=8)
    axes[0].set_ylim(len(asked) - 0.5, -0.5)
    fig.tight_layout()
    return fig
