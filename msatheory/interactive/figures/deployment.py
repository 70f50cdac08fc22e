"""Chapter 7's figures: one release on its virtual clock, and every strategy side by side.

Every mark comes from a :class:`~msatheory.deployment.release.ReleaseReport` of
:mod:`msatheory.deployment`. :class:`ReleaseDrawing` draws one :class:`ReleaseView`,
the report's timeline in four panels sharing the time axis (Strategies 7.1.1 蓝绿部署,
7.1.2 金丝雀部署, 7.1.3 滚动部署): the share of requests the new version served with the
check's decisions above it, the pods of each version and how many are ready, the
capacity over demand, and the bad requests of each step, with the decision to roll back
and the outcome marked across all four. :func:`release_timeline` is that figure for one
report; :func:`strategy_comparison` draws the table of
:func:`~msatheory.deployment.canary.compare`, strategies by releases.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib import rcParams
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from matplotlib.ticker import (
    FuncFormatter,
    LogLocator,
    NullFormatter,
    NullLocator,
    StrMethodFormatter,
)

from msatheory.deployment.canary import Comparison
from msatheory.deployment.release import STEP, ReleaseReport, Step
from msatheory.errors import TheoryError, require_instance, require_name

__all__ = [
    "BAD",
    "CAPACITY",
    "CAPACITY_TOP",
    "FAIL",
    "INK",
    "NEW",
    "OLD",
    "PASS",
    "SPANS",
    "ReleaseDrawing",
    "ReleaseView",
    "release_timeline",
    "span_for",
    "strategy_comparison",
]

#: Colours of marks and text: each reads at 4.5:1 or more against white (WCAG AA).
NEW, OLD, PASS, FAIL, CAPACITY, BAD, INK = ("#0969da", "#bc4c00", "#1a7f37", "#cf222e",
                                            "#8250df", "#57606a", "#1f2328")
#: The time axis's lengths (s): a release is drawn on the shortest that holds it, so
#: runs of similar length share one axis.
SPANS = (120, 240, 360, 480, 600, 720, 900, 1260, 1800, 2700, 3720)
#: Labels of a decision that passes a check (Kayenta's ``Marginal`` lets a release go on)
#: and that fails one; any other decision is a strategy's decision to roll back.
PASSED, FAILED = ("Pass", "Marginal"), ("Fail",)
#: The capacity axis's top (times the demand), unless a release goes higher.
CAPACITY_TOP = 6
#: The minutes between the time axis's labels: the first that gives at most _TICKS.
_EVERY = (1, 2, 5, 10, 15, 20, 30, 60, 120, 240, 480, 720, 1440)
#: Each outcome's colour.
_OUTCOME_COLOURS = {"promoted": PASS, "rolled back": FAIL, "stuck": INK}
#: The most minute labels the time axis draws.
_TICKS = 8
#: The layers of what is drawn every frame: above the grid and spines.
_GRID, _MARKS, _LINES, _TEXT = 2.5, 3.0, 3.5, 4.0
#: Where the decision marks sit on the traffic panel (percent).
_DECISION_Y = 108.0


@dataclass(frozen=True)
class ReleaseView:
    """What :class:`ReleaseDrawing` draws: one ``report`` and the ``check`` that watched
    it (a name for the title)."""

    report: ReleaseReport
    check: str


def span_for(duration: int) -> int:
    """The time axis's length for a release of ``duration`` seconds: the shortest of
    :data:`SPANS` that holds it, or the duration rounded up to a minute beyond them.

    >>> span_for(70), span_for(490), span_for(3610), span_for(4000)
    (120, 600, 3720, 4020)
    """
    return next((span for span in SPANS if span >= duration), -(-duration // 60) * 60)


def _steps(timeline: Sequence[Step], values: Sequence[float]) -> tuple[list[float],
                                                                        list[float]]:
    """A step curve: each value held from its step's start to the next step's."""
    xs = [float(s.time) for s in timeline]
    if timeline:
        xs.append(float(timeline[-1].time + STEP))
    return xs, [*values, *values[-1:]]


def _bars(timeline: Sequence[Step]) -> Path:
    """One path of a bar per step with bad requests, as tall as their count (one path,
    not a collection: the bad requests' axis is not linear, and one path is transformed
    in one go)."""
    vertices: list[tuple[float, float]] = []
    for s in timeline:
        if s.bad:
            left, right = s.time + 0.1 * STEP, s.time + 0.9 * STEP
            vertices += [(left, 0.0), (right, 0.0), (right, s.bad), (left, s.bad), (left, 0.0)]
    if not vertices:
        return Path(np.empty((0, 2)))
    codes = [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
    return Path(vertices, codes * (len(vertices) // 5))


def _minute_ticks(span: int) -> list[int]:
    """Whole minutes (in seconds) from 0 to ``span``: at most :data:`_TICKS` of them."""
    minutes = max(1, span // 60)
    every = next((m for m in _EVERY if minutes / m <= _TICKS - 1),
                 math.ceil(minutes / (_TICKS - 1)))
    return list(range(0, span + 1, 60 * every))


def _vline(ax: Axes, colour: str, style: str) -> Line2D:
    return ax.axvline(0, color=colour, lw=1.2, ls=style, zorder=_LINES, visible=False)


class ReleaseDrawing:
    """One figure of a release's timeline, redrawn by :meth:`show`.

    From the top: the share of requests the new version served (percent), with each
    check's decision above it (a green circle passes, a red cross fails, a red triangle
    decides to roll back); the pods of the old and new version, solid, and the ready
    ones, dashed, against the desired replicas; the capacity of the routed pods over
    the demand sent to them (below 1, requests are dropped); and the bad requests of
    each step (failed or slower than the SLO), on a scale linear to 1 and logarithmic
    above. A dashed red line marks the decision to roll back, a solid line the outcome
    (green promoted, red rolled back). The time axis is in minutes. With ``titled``
    the release, its check and its outcome are written above the plots (an explorer
    that says them beside the figure leaves them out: text is the dearest thing to
    draw on every frame).
    """

    def __init__(self, *, titled: bool = True, figsize: tuple[float, float] = (5.7, 5.6),
                 dpi: int = 100):
        self.figure = fig = Figure(figsize=figsize, dpi=dpi)
        grid = fig.add_gridspec(4, 1, height_ratios=(3, 3, 2.2, 2.2),
                                left=0.68 / figsize[0], right=1 - 0.12 / figsize[0],
                                top=1 - (0.66 if titled else 0.24) / figsize[1],
                                bottom=0.5 / figsize[1], hspace=0.42)
        self.traffic_ax = traffic = fig.add_subplot(grid[0])
        self.pods_ax = pods = fig.add_subplot(grid[1], sharex=traffic)
        self.capacity_ax = capacity = fig.add_subplot(grid[2], sharex=traffic)
        self.bad_ax = bad = fig.add_subplot(grid[3], sharex=traffic)
        self.axes = (traffic, pods, capacity, bad)
        (self.weight,) = traffic.plot([], [], color=NEW, lw=1.8, drawstyle="steps-post",
                                      zorder=_LINES)
        self.passes, self.fails, self.rollbacks = (
            traffic.plot([], [], ls="", marker=shape, color=colour, ms=ms, mew=1.6,
                         clip_on=False, zorder=_TEXT)[0]
            for shape, colour, ms in (("o", PASS, 5), ("x", FAIL, 6), ("v", FAIL, 6)))
        self.pods = {
            key: pods.plot([], [], color=colour, lw=lw, ls=style, drawstyle="steps-post",
                           zorder=_LINES)[0]
            for key, colour, lw, style in (("old", OLD, 3.2, "-"), ("new", NEW, 1.6, "-"),
                                           ("ready_old", OLD, 1.2, "--"),
                                           ("ready_new", NEW, 1.2, "--"))}
        (self.replicas,) = pods.plot([], [], color=INK, lw=0.8, ls=":", zorder=_MARKS)
        (self.capacity,) = capacity.plot([], [], color=CAPACITY, lw=1.6,
                                         drawstyle="steps-post", zorder=_LINES)
        self.bad = PathPatch(Path(np.empty((0, 2))), facecolor=BAD, edgecolor="none",
                             zorder=_MARKS)
        bad.add_patch(self.bad)
        self.grids = [ax.plot([], [], color=rcParams["grid.color"], alpha=0.3,
                              lw=rcParams["grid.linewidth"], zorder=_GRID,
                              transform=ax.get_xaxis_transform())[0] for ax in self.axes]
        self.ticks = [bad.text(0, -0.06, "", transform=bad.get_xaxis_transform(), ha="center",
                               va="top", fontsize=7.5, color=INK, zorder=_TEXT)
                      for _ in range(_TICKS)]
        self.decided = [_vline(ax, FAIL, "--") for ax in self.axes]
        self.ended = [_vline(ax, PASS, "-") for ax in self.axes]
        self.title = fig.text(0.68 / figsize[0], 1 - 0.06 / figsize[1], "", ha="left",
                              va="top", fontsize=8.5, color=INK, zorder=_TEXT)
        self.outcome = fig.text(0.68 / figsize[0], 1 - 0.24 / figsize[1], "", ha="left",
                                va="top", fontsize=8.5, zorder=_TEXT)
        self.title.set_visible(titled)
        self.outcome.set_visible(titled)
        traffic.set_ylim(0, 115)
        traffic.set_yticks([0, 50, 100])
        traffic.set_ylabel("% to new", fontsize=8)
        pods.set_ylabel("pods", fontsize=8)
        capacity.axhline(1, color=INK, lw=0.8, ls=":", zorder=_MARKS)
        capacity.set_ylabel("capacity\n÷ demand", fontsize=8)
        bad.set_yscale("symlog", linthresh=1)
        bad.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
        bad.yaxis.set_minor_locator(NullLocator())
        bad.set_ylabel("bad\nrequests", fontsize=8)
        bad.set_xlabel("time since the release started (min)", fontsize=8, labelpad=13)
        for ax in self.axes:
            ax.tick_params(labelsize=7.5)
            ax.set_axisbelow(True)
            ax.grid(axis="y", alpha=0.3)
            ax.tick_params(axis="x", bottom=False, labelbottom=False)
        self.legends = [
            ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(-0.01, 0.99),
                      ncols=len(handles), fontsize=7, frameon=False, handlelength=1.4,
                      columnspacing=0.9, handletextpad=0.4, borderaxespad=0.1,
                      borderpad=0.1)
            for ax, handles in (
                (traffic, [Line2D([], [], color=NEW, lw=1.8, label="share to the new version"),
                           Line2D([], [], ls="", marker="o", color=PASS, label="check passed"),
                           Line2D([], [], ls="", marker="x", color=FAIL, mew=1.6,
                                  label="check failed"),
                           Line2D([], [], ls="", marker="v", color=FAIL, label="roll back")]),
                (pods, [Line2D([], [], color=OLD, lw=3.2, label="old pods"),
                        Line2D([], [], color=NEW, lw=1.6, label="new pods"),
                        Line2D([], [], color=INK, lw=1.2, ls="--", label="ready"),
                        Line2D([], [], color=INK, lw=0.8, ls=":", label="replicas")]),
                (capacity, [Line2D([], [], color=CAPACITY, lw=1.6, label="routed capacity"),
                            Line2D([], [], color=INK, lw=0.8, ls=":", label="demand")]),
                (bad, [Patch(color=BAD, label="bad per step"),
                       Line2D([], [], color=FAIL, lw=1.2, ls="--", label="rollback decided"),
                       Line2D([], [], color=PASS, lw=1.2, label="outcome")]))]
        self._limits: tuple[int, int, float, float] | None = None

    @property
    def changing(self) -> list[Artist]:
        """The artists :meth:`show` changes on every frame."""
        return [*self.grids, *self.ticks, self.weight, self.passes, self.fails,
                self.rollbacks, *self.pods.values(), self.replicas, self.capacity, self.bad,
                *self.decided, *self.ended,
                self.title, self.outcome]

    @property
    def fixed(self) -> list[Artist]:
        """The artists that never change: the legends, above each plot."""
        return list(self.legends)

    def limits(self, report: ReleaseReport) -> tuple[int, int, float, float]:
        """The axes' limits for ``report``: the time span (:func:`span_for`), the pods'
        top (room for three fleets: primary, canary and baseline), the capacity's top
        (:data:`CAPACITY_TOP` unless the report goes higher) and the bad requests' top
        (every request of a step)."""
        service = report.service
        top = max((s.capacity for s in report.timeline), default=1.0)
        return (span_for(report.duration), 3 * service.replicas + 1,
                max(CAPACITY_TOP, math.ceil(top)), service.rps * STEP)

    def show(self, view: ReleaseView) -> bool:
        """Draw ``view``; return whether the background changed (a pods', capacity or
        bad requests' axis moved: then call
        :meth:`~msatheory.interactive.figures.png.Canvas.invalidate`). The time axis is
        drawn every frame (its gridlines and minutes), so a release of another length
        redraws nothing else."""
        view = require_instance("ReleaseDrawing", "view", view, ReleaseView)
        report = view.report
        timeline = report.timeline
        if not timeline:
            raise TheoryError("ReleaseDrawing: the report has an empty timeline")
        limits = self.limits(report)
        changed = self._set_limits(limits)
        self.weight.set_data(*_steps(timeline, [100 * s.weight_new for s in timeline]))
        for key in ("old", "new"):
            self.pods[key].set_data(*_steps(timeline, [getattr(s, f"pods_{key}")
                                                       for s in timeline]))
            self.pods[f"ready_{key}"].set_data(*_steps(timeline, [getattr(s, f"ready_{key}")
                                                                  for s in timeline]))
        self.replicas.set_data([0, limits[0]], [report.service.replicas] * 2)
        self.capacity.set_data(*_steps(timeline, [s.capacity for s in timeline]))
        self.bad.set_path(_bars(timeline))
        decided = report.decisions()
        for line, labels in ((self.passes, PASSED), (self.fails, FAILED)):
            times = [t for t, label in decided if label in labels]
            line.set_data(times, [_DECISION_Y] * len(times))
        others = [t for t, label in decided if label not in PASSED + FAILED]
        self.rollbacks.set_data(others, [_DECISION_Y] * len(others))
        self._mark(self.decided, report.decided_at, FAIL)
        # a release that ends settles in its last step; a stuck one has not ended
        ended = None if report.outcome == "stuck" else timeline[-1].time
        self._mark(self.ended, ended, _OUTCOME_COLOURS[report.outcome])
        self.title.set_text(f"{report.strategy}: {report.old.name} → {report.new.name}, "
                            f"checked by {view.check}")
        self.outcome.set_text(f"{report.outcome} after {report.duration} s")
        self.outcome.set_color(_OUTCOME_COLOURS[report.outcome])
        return changed

    def _mark(self, lines: list[Line2D], time: int | None, colour: str) -> None:
        for line in lines:
            line.set_visible(time is not None)
            line.set_color(colour)
            if time is not None:
                line.set_xdata([time, time])

    def _set_limits(self, limits: tuple[int, int, float, float]) -> bool:
        if limits == self._limits:
            return False
        span, pods, capacity, bad = limits
        if self._limits is None or span != self._limits[0]:
            self._time_axis(span)
        background = self._limits is None or limits[1:] != self._limits[1:]
        if background:
            self.pods_ax.set_ylim(0, pods)
            self.capacity_ax.set_ylim(0, capacity)
            self.bad_ax.set_ylim(0, bad)
            self.bad_ax.set_yticks([y for y in (0, 1, 10, 100, 1000, 10_000) if y <= bad])
        self._limits = limits
        return background

    def _time_axis(self, span: int) -> None:
        """The time axis from 0 to ``span`` seconds: its limits, gridlines and minutes
        (artists drawn every frame, so the cached background stays valid)."""
        self.axes[0].set_xlim(0, span)
        ticks = _minute_ticks(span)
        xs = [x for t in ticks for x in (t, t, math.nan)]
        for grid_lines in self.grids:
            grid_lines.set_data(xs, [0.0, 1.0, math.nan] * len(ticks))
        for label, t in zip(self.ticks, [*ticks, *[None] * (_TICKS - len(ticks))],
                            strict=True):
            label.set_visible(t is not None)
            if t is not None:
                label.set_x(t)
                label.set_text(f"{t // 60}")


def release_timeline(report: ReleaseReport, check: str = "its check") -> Figure:
    """Strategies 7.1.1-7.1.3 (部署策略): the timeline of one release, as
    :class:`ReleaseDrawing` draws it, titled with the ``check`` that watched it.

    Raises
    ------
    TheoryError
        If ``report`` is not a :class:`~msatheory.deployment.release.ReleaseReport` or
        ``check`` is not a name.
    """
    drawing = ReleaseDrawing()
    drawing.show(ReleaseView(require_instance("release_timeline", "report", report,
                                              ReleaseReport),
                             require_name("release_timeline", "check", check)))
    return drawing.figure


#: The measures :func:`strategy_comparison` draws: title, how to read one off a report.
_MEASURES: tuple[tuple[str, str], ...] = (
    ("bad requests", "bad_requests"),
    ("extra pods (peak)", "extra_pods"),
    ("time to full or to roll back (s)", "time"),
)


def _measure(report: ReleaseReport, what: str) -> float:
    if what != "time":
        return float(getattr(report, what))
    if report.outcome == "promoted" and report.time_to_full is not None:
        return float(report.time_to_full)
    if report.outcome == "rolled back" and report.decided_at is not None:
        return float(report.decided_at + (report.time_to_rollback or 0))
    return float(report.duration)


#: How the time panel fills a bar by the release's outcome.
_HATCHES = {"promoted": None, "rolled back": "///", "stuck": "xxx"}


def strategy_comparison(comparison: Comparison) -> Figure:
    """Strategies 7.1.1-7.1.3 (部署策略) side by side: for each release of
    :func:`~msatheory.deployment.canary.compare`'s table, one bar per strategy of its bad
    requests, its peak of extra pods, and the seconds until the new version served
    everything (promoted: solid) or nothing again (rolled back: from the start to the
    end of the rollback, hatched), or the whole run (stuck: cross-hatched), on a log
    scale.

    Raises
    ------
    TheoryError
        If ``comparison`` is not a :class:`~msatheory.deployment.canary.Comparison` or
        holds no run.
    """
    comparison = require_instance("strategy_comparison", "comparison", comparison,
                                  Comparison)
    if not comparison.reports:
        raise TheoryError("strategy_comparison: the comparison holds no run")
    strategies = list(dict.fromkeys(s for s, _, _ in comparison.reports))
    releases = list(dict.fromkeys(r for _, r, _ in comparison.reports))
    colours = dict(zip(strategies, (NEW, OLD, CAPACITY, PASS, BAD, INK), strict=False))
    fig = Figure(figsize=(9, 3.2), dpi=100)
    axes = fig.subplots(1, len(_MEASURES))
    width = 0.8 / len(strategies)
    for ax, (title, what) in zip(axes, _MEASURES, strict=True):
        for i, strategy in enumerate(strategies):
            for j, release in enumerate(releases):
                report = comparison.report(strategy, release)
                value = _measure(report, what)
                hatch = _HATCHES[report.outcome] if what == "time" else None
                x = j + (i - (len(strategies) - 1) / 2) * width
                ax.bar(x, value, width * 0.9, color="white" if hatch else colours[strategy],
                       edgecolor=colours[strategy], hatch=hatch,
                       gid=f"{strategy} {release}")
        if what == "time":
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xticks(range(len(releases)), releases)
        ax.set_title(title, fontsize=9, loc="left")
        ax.tick_params(labelsize=8)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    fig.legend(handles=[Patch(color=colours[s], label=s) for s in strategies]
               + [Patch(facecolor="white", edgecolor=INK, hatch=_HATCHES[outcome],
                        label=outcome) for outcome in ("rolled back", "stuck")],
               loc="upper center", ncols=len(strategies) + 2, fontsize=7.5, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return fig
