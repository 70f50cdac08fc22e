"""Chapter 6's figures: where the keys go when a node joins or leaves, and what a quorum
setting buys in freshness and costs in latency.

Every mark comes from the data models. :class:`ShardingDrawing` draws one
:class:`ShardingView` (Def 6.2.1, 数据分片; Strategy 6.2.1, 水平分片): the keys each node
holds after the change, relative to the mean (:func:`~msatheory.data.sharding.loads`),
split into the keys it kept and the keys that moved to it
(:func:`~msatheory.data.sharding.movement`); each node's share of skewed requests
(:func:`~msatheory.data.sharding.zipf_requests`) with the hot node marked; and the
fraction of keys that moved against the least possible
(:func:`~msatheory.data.sharding.ideal_moved_fraction`). :class:`QuorumDrawing` draws one
:class:`QuorumView` (Strategies 6.1.1 and 6.1.2, 最终一致性 / 强一致性): the probability
of a consistent read against the time since the write committed
(:func:`~msatheory.data.quorum.consistency_curve`), the read and write latency percentiles
(:func:`~msatheory.data.quorum.quorum_latency`) and the exact k-staleness
(:func:`~msatheory.data.quorum.stale_probability`) for k = 1 to 5.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from matplotlib.artist import Artist
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from msatheory.data.quorum import QuorumLatency
from msatheory.data.sharding import HotSpot, Movement
from msatheory.errors import TheoryError, require_instance

__all__ = [
    "KEPT",
    "MOVED_IN",
    "QuorumDrawing",
    "QuorumView",
    "ShardingDrawing",
    "ShardingView",
]

#: Colours of marks and text: each reads at 4.5:1 or more against white (WCAG AA).
KEPT, MOVED_IN, LEFT, HOT, FAIR = "#0969da", "#bc4c00", "#57606a", "#cf222e", "#1f2328"
READ, WRITE, STALE = "#0969da", "#bc4c00", "#8250df"
#: The depths of k-staleness not chosen: a light shade of STALE (no text on it).
OTHER_DEPTH = "#c4a8f0"

#: The node slots drawn, ``node-0`` to ``node-{SLOTS - 1}``.
SLOTS = 11
#: The load axis's top, in multiples of the mean; a taller bar is cut there and labelled.
LOAD_TOP = 3.5
#: The time axis of the consistency curve, ms (log scale).
CURVE_SPAN = (0.01, 10_000.0)
#: The latency axis, ms (log scale).
LATENCY_SPAN = (0.1, 1_000.0)
#: The layers of what is drawn every frame: above every static artist (grid, spines,
#: ticks), so a frame drawn over the cached background is the figure drawn afresh.
_MARKS, _LINES, _TEXT = 3.0, 3.5, 4.0
#: The depths of k-staleness drawn.
DEPTHS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class ShardingView:
    """What :class:`ShardingDrawing` draws, all from :mod:`msatheory.data.sharding`:
    the nodes ``before`` and ``after`` the change, the ``movement`` between them, the
    keys each node holds ``before`` and ``after`` (``loads_before``, ``loads_after``),
    the requests each node serves after (``requests``), the ``hot`` node, and the
    least fraction of keys that could have moved (``ideal``)."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    movement: Movement
    loads_before: Mapping[str, int]
    loads_after: Mapping[str, int]
    requests: Mapping[str, int]
    hot: HotSpot
    ideal: Fraction


@dataclass(frozen=True)
class QuorumView:
    """What :class:`QuorumDrawing` draws, all from :mod:`msatheory.data.quorum`: for
    ``n`` replicas and quorums ``r`` and ``w``, the probability of a consistent read at
    each of ``times`` (ms after commit) and at commit (``at_commit``), the exact
    ``stale`` probability for each k of :data:`DEPTHS`, the chosen depth ``k``, and the
    ``latency`` percentiles."""

    n: int
    r: int
    w: int
    times: tuple[float, ...]
    consistent: tuple[float, ...]
    at_commit: float
    stale: tuple[Fraction, ...]
    k: int
    latency: QuorumLatency


def _slot(name: str) -> int:
    """The slot of ``node-i``: ``i``."""
    index = name.rsplit("-", 1)[-1]
    if not index.isdigit() or int(index) >= SLOTS:
        raise TheoryError(f"ShardingDrawing: nodes must be named node-0 to node-{SLOTS - 1}, "
                          f"not {name!r}")
    return int(index)


def _rect(x: float, bottom: float, height: float, width: float = 0.7) -> list[tuple[float, float]]:
    left = x - width / 2
    return [(left, bottom), (left + width, bottom), (left + width, bottom + height),
            (left, bottom + height)]


def _bars(ax: object, **style: object) -> PolyCollection:
    bars = PolyCollection([], zorder=_MARKS, **style)  # type: ignore[arg-type]
    ax.add_collection(bars, autolim=False)  # type: ignore[attr-defined]
    return bars


class ShardingDrawing:
    """One figure of a placement's change, redrawn by :meth:`show`.

    Top: each node's keys after the change over the mean (the dashed line at 1), the
    keys it kept (blue) under the keys that moved to it (orange); a node that left is
    an outline of what it held. The tallest bar's height is the imbalance (max/mean).
    Middle: each node's share of the requests after the change, the hot node in red,
    the fair share 1/N dashed. Bottom: the fraction of keys that moved beside the
    least that must move.
    """

    def __init__(self, *, figsize: tuple[float, float] = (5.6, 5.2), dpi: int = 100):
        self.figure = fig = Figure(figsize=figsize, dpi=dpi)
        grid = fig.add_gridspec(3, 1, height_ratios=(5, 4, 1.3), left=0.17, right=0.97,
                                top=0.9, bottom=0.08, hspace=0.45)
        self.load_ax = load = fig.add_subplot(grid[0])
        self.request_ax = asked = fig.add_subplot(grid[1], sharex=load)
        self.moved_ax = moved = fig.add_subplot(grid[2])
        self.kept = _bars(load, facecolors=KEPT)
        self.arrived = _bars(load, facecolors=MOVED_IN)
        self.left = _bars(load, facecolors="none", edgecolors=LEFT, linewidths=1.2,
                          linestyles="--")
        self.cut = [load.text(0, LOAD_TOP, "", ha="center", va="top", fontsize=7,
                              color="#ffffff", zorder=_TEXT) for _ in range(SLOTS)]
        self.imbalance = load.text(0.99, 0.97, "", transform=load.transAxes, ha="right",
                                   va="top", fontsize=8, zorder=_TEXT)
        self.mean = load.axhline(1, color=FAIR, lw=1, ls="--", zorder=_LINES)
        self.served = _bars(asked, facecolors=KEPT)
        (self.fair,) = asked.plot([], [], color=FAIR, lw=1, ls="--", zorder=_LINES)
        self.hot = asked.text(0.99, 0.95, "", transform=asked.transAxes, ha="right",
                              va="top", fontsize=8, zorder=_TEXT)
        self.fractions = _bars(moved, facecolors=[MOVED_IN, LEFT])
        self.fraction_labels = [moved.text(0, row, "", va="center", fontsize=7.5,
                                           zorder=_TEXT)
                                for row in range(2)]
        load.set_ylim(0, LOAD_TOP)
        load.set_xlim(-0.6, SLOTS - 0.4)
        load.set_ylabel("keys ÷ mean", fontsize=8)
        load.set_title("keys held after the change", fontsize=8, loc="left")
        asked.set_ylim(0, 100)
        asked.set_ylabel("% of requests", fontsize=8)
        asked.set_title("requests served after the change", fontsize=8, loc="left")
        asked.set_xticks(range(SLOTS), [str(i) for i in range(SLOTS)])
        asked.set_xlabel("node (node-0 to node-10)", fontsize=8)
        load.tick_params(labelbottom=False)
        moved.set_xlim(0, 100)
        moved.set_ylim(1.6, -0.6)
        moved.set_yticks([0, 1], ["moved", "least possible"])
        moved.set_xlabel("% of keys", fontsize=8)
        for ax in (load, asked, moved):
            ax.tick_params(labelsize=7.5)
            ax.set_axisbelow(True)  # grid under the bars, which are drawn every frame
            ax.grid(axis="x" if ax is moved else "y", alpha=0.3)
        self.legend = fig.legend(handles=[
            Patch(color=KEPT, label="kept"), Patch(color=MOVED_IN, label="moved in"),
            Patch(facecolor="none", edgecolor=LEFT, ls="--", label="left"),
            Line2D([], [], color=FAIR, lw=1, ls="--", label="mean / fair share"),
            Patch(color=HOT, label="hot node")],
            loc="upper left", bbox_to_anchor=(0.16, 1.0), ncols=5, fontsize=7,
            frameon=False, handlelength=1.2, columnspacing=1.0)

    @property
    def changing(self) -> list[Artist]:
        """The artists drawn on every frame: those :meth:`show` changes (nothing else
        ever does) and the mean line, which lies over the bars."""
        return [self.kept, self.arrived, self.left, *self.cut, self.imbalance, self.mean,
                self.served, self.fair, self.hot, self.fractions, *self.fraction_labels]

    @property
    def fixed(self) -> list[Artist]:
        """The artists that never change: the legend, above the plots."""
        return [self.legend]

    def show(self, view: ShardingView) -> None:
        """Draw ``view``."""
        view = require_instance("ShardingDrawing", "view", view, ShardingView)
        mean = sum(view.loads_after.values()) / len(view.after)
        arrived = {name: 0 for name in view.after}
        for _, _, new in view.movement.moved:
            arrived[new] += 1
        kept, came, gone = [], [], []
        for label in self.cut:
            label.set_visible(False)
        for name in view.after:
            x, held = _slot(name), view.loads_after[name] / mean
            stayed = (view.loads_after[name] - arrived[name]) / mean
            kept.append(_rect(x, 0, min(stayed, LOAD_TOP)))
            came.append(_rect(x, stayed, max(0.0, min(held, LOAD_TOP) - stayed)))
            if held > LOAD_TOP:
                self.cut[x].set_position((x, LOAD_TOP - 0.05))
                self.cut[x].set_text(f"{held:.1f}")
                self.cut[x].set_visible(True)
        for name in view.before:
            if name not in view.after:
                gone.append(_rect(_slot(name), 0,
                                  min(view.loads_before[name] / mean, LOAD_TOP)))
        self.kept.set_verts(kept)
        self.arrived.set_verts(came)
        self.left.set_verts(gone)
        busiest = max(view.loads_after.values())
        self.imbalance.set_text(f"imbalance (max/mean) {busiest / mean:.3f}")
        total = sum(view.requests.values())
        self.served.set_verts([_rect(_slot(n), 0, 100 * view.requests[n] / total)
                               for n in view.after])
        self.served.set_facecolor([HOT if n == view.hot.node else KEPT for n in view.after])
        fair = 100 / len(view.after)
        self.fair.set_data([-0.6, SLOTS - 0.4], [fair, fair])
        self.hot.set_text(f"{view.hot.node}: {float(view.hot.request_share):.1%} of "
                          f"requests, {float(view.hot.key_share):.1%} of keys")
        shares = (100 * float(view.movement.fraction), 100 * float(view.ideal))
        self.fractions.set_verts([[(0, row - 0.35), (share, row - 0.35), (share, row + 0.35),
                                   (0, row + 0.35)] for row, share in enumerate(shares)])
        for row, (label, share) in enumerate(zip(self.fraction_labels, shares, strict=True)):
            inside = share > 80  # no room to the right: white on the bar
            label.set_position((share - 1 if inside else share + 1, row))
            label.set_horizontalalignment("right" if inside else "left")
            label.set_color("#ffffff" if inside else FAIR)
            label.set_text(f"{share:.1f}%")


class QuorumDrawing:
    """One figure of a quorum setting, redrawn by :meth:`show`.

    Top: the probability that a read starting ``t`` ms after the write commits returns
    it, on a log time axis, with the value at commit marked at the left edge and
    ``1 - p_s`` (the read quorum meets the write quorum, ignoring propagation) dashed,
    and whether the quorum is strict (``R + W > N``) or partial.
    Bottom left: read and write latency, p50 to p99 (log ms). Bottom right: the
    exact probability that a read misses the last k writes, k = 1 to 5, the chosen k
    darker.
    """

    def __init__(self, *, figsize: tuple[float, float] = (5.6, 4.8), dpi: int = 100):
        self.figure = fig = Figure(figsize=figsize, dpi=dpi)
        grid = fig.add_gridspec(2, 2, height_ratios=(5, 3), width_ratios=(3, 2), left=0.12,
                                right=0.97, top=0.9, bottom=0.1, hspace=0.5, wspace=0.3)
        self.curve_ax = curve = fig.add_subplot(grid[0, :])
        self.latency_ax = cost = fig.add_subplot(grid[1, 0])
        self.stale_ax = stale = fig.add_subplot(grid[1, 1])
        (self.curve,) = curve.plot([], [], color=READ, lw=1.8, zorder=_LINES)
        (self.commit,) = curve.plot([], [], ls="", marker="o", color=READ, ms=6,
                                    mfc="white", mew=1.6, clip_on=False, zorder=_TEXT)
        (self.overlap,) = curve.plot([], [], color=STALE, lw=1, ls="--", zorder=_MARKS)
        self.marks = {
            what: cost.plot([], [], marker=shape, color=colour, ms=6, lw=1.2,
                            zorder=_LINES)[0]
            for what, shape, colour in (("read", "o", READ), ("write", "s", WRITE))}
        self.depths = _bars(stale, facecolors=STALE)
        self.kind = curve.text(0.99, 0.05, "", transform=curve.transAxes, ha="right",
                               va="bottom", fontsize=8, zorder=_TEXT)
        curve.set_xscale("log")
        curve.set_xlim(*CURVE_SPAN)
        curve.set_ylim(0, 1.03)
        curve.set_xlabel("ms after the write commits", fontsize=8)
        curve.set_ylabel("P(read is consistent)", fontsize=8)
        curve.set_title("consistent reads over time (t-visibility)", fontsize=8, loc="left")
        cost.set_xscale("log")
        cost.set_xlim(*LATENCY_SPAN)
        cost.set_ylim(1.6, -0.6)
        cost.set_yticks([0, 1], ["read", "write"])
        cost.set_xlabel("latency (ms), p50 to p99", fontsize=8)
        stale.set_xlim(0.4, len(DEPTHS) + 0.6)
        stale.set_ylim(0, 1)
        stale.set_xticks(DEPTHS)
        stale.set_xlabel("k", fontsize=8)
        stale.set_title("P(miss the last k writes)", fontsize=8, loc="left")
        for ax in (curve, cost, stale):
            ax.tick_params(labelsize=7.5)
            ax.set_axisbelow(True)  # grid under the marks, which are drawn every frame
            ax.grid(alpha=0.3)
        self.legend = fig.legend(handles=[
            Line2D([], [], color=READ, lw=1.8, label="simulated (WARS)"),
            Line2D([], [], ls="", marker="o", color=READ, mfc="white", mew=1.6,
                   label="at commit"),
            Line2D([], [], color=STALE, lw=1, ls="--", label="1 - p_s (quorums alone)")],
            loc="upper left", bbox_to_anchor=(0.11, 1.0), ncols=3, fontsize=7,
            frameon=False, handlelength=1.6)

    @property
    def changing(self) -> list[Artist]:
        """The artists :meth:`show` changes; nothing else ever does."""
        return [self.curve, self.commit, self.overlap, *self.marks.values(), self.depths,
                self.kind]

    @property
    def fixed(self) -> list[Artist]:
        """The artists that never change: the legend, above the plots."""
        return [self.legend]

    def show(self, view: QuorumView) -> None:
        """Draw ``view``."""
        view = require_instance("QuorumDrawing", "view", view, QuorumView)
        if len(view.stale) != len(DEPTHS) or view.k not in DEPTHS:
            raise TheoryError(f"QuorumDrawing: give the stale probability for each k of "
                              f"{DEPTHS} and a k among them, not {view.stale!r}, k={view.k!r}")
        self.kind.set_text(f"strict quorum: R + W = {view.r + view.w} > N = {view.n}"
                           if view.r + view.w > view.n else
                           f"partial quorum: R + W = {view.r + view.w} <= N = {view.n}")
        self.curve.set_data(view.times, view.consistent)
        self.commit.set_data([CURVE_SPAN[0]], [view.at_commit])
        overlap = 1 - float(view.stale[0])
        self.overlap.set_data(CURVE_SPAN, [overlap, overlap])
        cost = view.latency
        for row, (what, values) in enumerate((("read", (cost.read_p50, cost.read_p99)),
                                               ("write", (cost.write_p50, cost.write_p99)))):
            self.marks[what].set_data(_within(values, LATENCY_SPAN), [row] * 2)
        self.depths.set_verts([_rect(k, 0, float(p)) for k, p in zip(DEPTHS, view.stale,
                                                                     strict=True)])
        self.depths.set_facecolor([STALE if k == view.k else OTHER_DEPTH for k in DEPTHS])


def _within(values: Sequence[float], span: tuple[float, float]) -> list[float]:
    """``values`` kept inside a log axis's ``span`` (a latency of 0 sits at its left)."""
    return [min(max(v, span[0]), span[1]) for v in values]
