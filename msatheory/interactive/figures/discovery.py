"""Chapter 3's figures: detectors against the truth, balancers' spread, discovery patterns,
and the registry lab's history.

Every mark comes from the discovery model: :func:`draw_tradeoff` plots Algorithm 3.2.2's
detectors on a scenario, :func:`draw_spread` Algorithm 3.2.1's balancers, and
:func:`draw_patterns` Pattern 3.3.1 against Pattern 3.3.2. :class:`LabDrawing` shows a
:class:`~msatheory.discovery.lab.RegistryLab` as it runs: what a lookup serves against
what is up, and where each request went, over the ground truth (outages red, partitions
grey).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from msatheory.discovery.lab import RegistryLab
from msatheory.discovery.patterns import DiscoveryResult
from msatheory.discovery.scenario import Scenario
from msatheory.discovery.spread import Spread
from msatheory.discovery.tradeoff import Outcome
from msatheory.errors import TheoryError

__all__ = ["LabDrawing", "draw_lab", "draw_patterns", "draw_spread", "draw_tradeoff"]

UP, LISTED, DEAD, FAILED = "#57606a", "#0969da", "#cf222e", "#6e7781"
OUTAGE, PARTITION = "#ffd8d3", "#d0d7de"


def _shade_down(ax: Axes, up: Sequence[int], listed: Sequence[int]) -> None:
    ts = range(len(up))
    ax.step(ts, up, where="post", color=UP, lw=1.2, label="instances up (truth)")
    ax.step(ts, listed, where="post", color=LISTED, lw=1.8, label="instances served (lookup)")


def draw_tradeoff(outcomes: Sequence[Outcome], scenario: Scenario | None = None) -> Figure:
    """For one scenario, each detector's served count against the up count over time;
    the scenario's partitions shaded grey when it is given."""
    outcomes = list(outcomes)
    if not outcomes or len({o.scenario for o in outcomes}) != 1:
        raise TheoryError("draw_tradeoff: give the outcomes of one scenario")
    if scenario is not None and scenario.name != outcomes[0].scenario:
        raise TheoryError(f"draw_tradeoff: the outcomes are of {outcomes[0].scenario!r}, "
                          f"not of {scenario.name!r}")
    fig = Figure(figsize=(9, 1.45 * len(outcomes) + 0.5), dpi=100)
    axes = fig.subplots(len(outcomes), 1, sharex=True, squeeze=False)[:, 0]
    top = max(max(o.up) for o in outcomes) + 1
    for ax, o in zip(axes, outcomes, strict=True):
        for p in scenario.partitions if scenario is not None else ():
            ax.axvspan(p.start, min(p.end, len(o.up)), color=PARTITION, lw=0)
        _shade_down(ax, o.up, o.listed)
        ax.set_ylim(-0.3, top)
        ax.set_title(f"{o.detector}: dead served {o.dead_served} instance-s, healthy lost "
                     f"{o.healthy_lost} instance-s", loc="left", fontsize=9)
    fig.suptitle(f"scenario: {outcomes[0].scenario}", fontsize=10)
    axes[-1].legend(loc="lower right", fontsize=7, ncols=2)
    axes[-1].set_xlabel("time (s)")
    fig.tight_layout()
    return fig


def draw_spread(spreads: Sequence[Spread]) -> Figure:
    """Requests per instance (bars) and p99 latency (log scale) for each balancer."""
    spreads = list(spreads)
    if not spreads:
        raise TheoryError("draw_spread: give at least one Spread")
    fig = Figure(figsize=(9, 3.2), dpi=100)
    counts_ax, latency_ax = fig.subplots(1, 2, width_ratios=(3, 2))
    ids = list(spreads[0].counts)
    width = 0.8 / len(spreads)
    for k, s in enumerate(spreads):
        counts_ax.bar([i + k * width for i in range(len(ids))], list(s.counts.values()),
                      width, label=s.balancer)
    counts_ax.set_xticks([i + 0.4 - width / 2 for i in range(len(ids))], ids, fontsize=8)
    counts_ax.set_ylabel("requests")
    counts_ax.set_title("requests per instance", fontsize=10)
    counts_ax.set_ylim(0, 1.45 * max(max(s.counts.values()) for s in spreads))
    counts_ax.legend(fontsize=7, loc="upper center", ncols=3)
    latency_ax.barh([s.balancer for s in spreads], [s.p99_latency for s in spreads],
                    color="#fb8500")
    latency_ax.set_xscale("log")
    latency_ax.set_xlabel("p99 latency (s, log scale)")
    latency_ax.tick_params(labelsize=8)
    fig.tight_layout()
    return fig


def draw_patterns(results: Sequence[DiscoveryResult]) -> Figure:
    """Client- against server-side discovery: hops, added latency, registry load, failures."""
    results = list(results)
    measures = [
        ("mean hops per request", [r.mean_hops for r in results]),
        ("added latency (ms)", [r.added_latency_ms for r in results]),
        ("registry lookups per second", [r.lookups_per_second for r in results]),
        ("failed requests (%)", [100 * r.failure_fraction for r in results]),
    ]
    fig = Figure(figsize=(9, 2.4), dpi=100)
    for ax, (title, values) in zip(fig.subplots(1, 4), measures, strict=True):
        ax.bar([r.pattern for r in results], values, color=["#0969da", "#8250df"])
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
    fig.tight_layout()
    return fig


def horizon(now: float) -> int:
    """The time axis shown at ``now``: whole minutes, so it grows a minute at a time."""
    return 60 * max(1, math.ceil(now / 60))


def _bands(spans: Sequence[tuple[float, float]], low: float, high: float) -> list[np.ndarray]:
    return [np.array([(a, low), (b, low), (b, high), (a, high)]) for a, b in spans]


class LabDrawing:
    """A registry lab's history, one figure redrawn by :meth:`show` as the lab runs.

    Above: instances served by a lookup against instances up. Below: one row per
    instance, each request routed at its time (a tick when the instance was up, a red
    cross when it was down, a triangle under the rows when the lookup failed), over the
    instance's outages (red bands) and the registry's partitions (grey). The legend
    sits above the plots, clear of every row.
    """

    def __init__(self, *, figsize: tuple[float, float] = (8, 4), dpi: int = 100):
        self.figure = fig = Figure(figsize=figsize, dpi=dpi)
        top = 1 - 0.62 / figsize[1]
        bottom = 0.42 / figsize[1]
        self.counts_ax, self.picks_ax = fig.subplots(
            2, 1, sharex=True, height_ratios=(1, 1.5),
            gridspec_kw={"left": 0.13, "right": 0.98, "top": top, "bottom": bottom,
                         "hspace": 0.12})
        self.title = fig.text(0.5, 1 - 0.04 / figsize[1], "", ha="center", va="top",
                              fontsize=10)
        counts, picks = self.counts_ax, self.picks_ax
        self.partitions = [PolyCollection([], facecolors=PARTITION, linewidths=0, zorder=0,
                                          transform=ax.get_xaxis_transform())
                           for ax in (counts, picks)]
        for ax, shading in zip((counts, picks), self.partitions, strict=True):
            ax.add_collection(shading, autolim=False)
        self.outages = PolyCollection([], facecolors=OUTAGE, linewidths=0, zorder=0.5)
        picks.add_collection(self.outages, autolim=False)
        (self.up,) = counts.step([], [], where="post", color=UP, lw=1.2)
        (self.served,) = counts.step([], [], where="post", color=LISTED, lw=1.8)
        (self.good,) = picks.plot([], [], "|", color=LISTED, ms=6)
        (self.dead,) = picks.plot([], [], "x", color=DEAD, ms=5)
        (self.failed,) = picks.plot([], [], "v", color=FAILED, ms=4)
        counts.set_ylabel("instances", fontsize=8)
        counts.tick_params(labelsize=8)
        picks.tick_params(labelsize=8)
        picks.set_xlabel("time (s)", fontsize=8)
        self.legend = fig.legend(handles=[
            Line2D([], [], color=UP, lw=1.2, label="up (truth)"),
            Line2D([], [], color=LISTED, lw=1.8, label="served (lookup)"),
            Line2D([], [], ls="", marker="|", color=LISTED, label="request served"),
            Line2D([], [], ls="", marker="x", color=DEAD, label="sent to a dead instance"),
            Line2D([], [], ls="", marker="v", color=FAILED, label="lookup failed"),
            Patch(facecolor=OUTAGE, label="instance down"),
            Patch(facecolor=PARTITION, label="registry partitioned"),
        ], loc="upper center", bbox_to_anchor=(0.5, 1 - 0.22 / figsize[1]), ncols=4,
            fontsize=7, frameon=False, handlelength=1.5, columnspacing=1.0,
            borderaxespad=0, handletextpad=0.4)
        self._static: tuple[object, ...] = ()

    @property
    def changing(self) -> list[Artist]:
        """The artists :meth:`show` changes at every step; the axes change only when
        :meth:`show` says so."""
        return [*self.partitions, self.outages, self.up, self.served, self.good, self.dead,
                self.failed, self.title]

    @property
    def fixed(self) -> list[Artist]:
        """The artists that never change: the legend, above the plots."""
        return [self.legend]

    def show(self, lab: RegistryLab) -> bool:
        """Draw ``lab`` as it is now; True when the axes or their ticks changed too."""
        now, ids = lab.now, lab.fleet.ids()
        row = {instance: k for k, instance in enumerate(ids)}
        ts = [t for t, _, _ in lab.trace]
        self.up.set_data(ts, [u for _, _, u in lab.trace])
        self.served.set_data(ts, [n for _, n, _ in lab.trace])
        good = [(p.t, row[p.instance]) for p in lab.picks if p.instance is not None and p.up]
        dead = [(p.t, row[p.instance]) for p in lab.picks
                if p.instance is not None and not p.up]
        for line, points in ((self.good, good), (self.dead, dead)):
            line.set_data([t for t, _ in points], [r for _, r in points])
        failed = [p.t for p in lab.picks if p.instance is None]
        self.failed.set_data(failed, [-1] * len(failed))
        partitions = [(p.start, min(p.end, now)) for p in lab.fleet.partitions
                      if p.start < min(p.end, now)]
        for shading in self.partitions:
            shading.set_verts(_bands(partitions, 0, 1))
        self.outages.set_verts([
            band for instance in ids
            for band in _bands([(o.start, min(o.end, now)) for o in lab.fleet.outages[instance]
                                if o.start < min(o.end, now)],
                               row[instance] - 0.4, row[instance] + 0.4)])

        self.title.set_text(f"{lab.detector_name} detector, {lab.balancer_name}")
        key = (tuple(ids), horizon(now))
        if key == self._static:
            return False
        self._static = key
        end = horizon(now)
        for ax in (self.counts_ax, self.picks_ax):
            ax.set_xlim(-1, end + 1)
        self.counts_ax.set_ylim(-0.3, len(ids) + 0.8)
        self.counts_ax.set_yticks(range(0, len(ids) + 1, max(1, len(ids) // 4)))
        self.picks_ax.set_yticks([-1, *row.values()], ["(none)", *ids])
        self.picks_ax.set_ylim(-1.6, len(ids) - 0.4)
        return True


def draw_lab(lab: RegistryLab) -> Figure:
    """The lab's history: served against up instances, and every routed request."""
    drawing = LabDrawing()
    drawing.show(lab)
    return drawing.figure
