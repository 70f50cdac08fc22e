"""Chapter 8's figures: the latency and availability of one request composed by Patterns
8.1.1-8.1.3.

Every number comes from :mod:`msatheory.practice.composition`, which this module only
draws (and re-exports, for the explorer). A request calls ``n`` alike services in one of
three :data:`PATTERNS`: a chain (Pattern 8.1.3, 链式模式), an aggregator's fan-out
(Pattern 8.1.1, 聚合器模式), or the same chain behind a proxy (Pattern 8.1.2, 代理模式),
which is one more alike hop in front, so ``n + 1`` hops.

:class:`PatternDrawing` draws a :class:`PatternView`: the survival
(:func:`~msatheory.practice.composition.latency_curve`) on log axes with p50 and p99
marked, expected (:func:`~msatheory.practice.composition.expected_latency`) and measured
(a :class:`~msatheory.practice.composition.Measured` run, such as
:func:`~msatheory.practice.composition.measure`'s), and the end-to-end availability
(:func:`~msatheory.practice.composition.expected_availability`) against the services a
request needs, beside the per-service one. :func:`draw_pattern` is that figure for one
view.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullLocator

from msatheory.errors import require_instance
from msatheory.gateway.aggregation import Latency
from msatheory.practice.composition import (
    TAILS,
    Curve,
    Expected,
    Measured,
    expected_availability,
    expected_latency,
    hops,
    latency_curve,
    measure,
)

__all__ = [
    "AVAILABILITIES",
    "EXPECTED",
    "INK",
    "MEASURED",
    "PATTERNS",
    "SLOW",
    "SPAN",
    "PatternDrawing",
    "PatternView",
    "draw_pattern",
    "pattern_view",
]

#: The three compositions (:data:`msatheory.practice.composition.PATTERNS`), with their
#: labels.
PATTERNS = MappingProxyType({
    "chain": "chain (8.1.3)",
    "fan-out": "fan-out, aggregator (8.1.1)",
    "proxy": "chain behind a proxy (8.1.2)",
})
#: The per-service availabilities the availability panel draws as lines.
AVAILABILITIES = (0.99, 0.999, 0.9999)
#: Colours of marks and text: each reads at 4.5:1 or more against white (WCAG AA).
EXPECTED, MEASURED, SLOW, GREY, INK = "#0969da", "#bc4c00", "#cf222e", "#6e7781", "#1f2328"
#: The survival panel's time axis (seconds): from 1 ms to 20 s, on a log scale.
SPAN = (0.001, 20.0)
#: The survival panel's lowest level, the curve's last (:data:`TAILS`).
_FLOOR = TAILS[-1]
#: The availability panel's top: an unavailability of 1/20,000 (up is more available).
_TOP = 5e-5
#: Layers: marks over lines over the grid.
_LINES, _MARKS = 3.0, 3.5


@dataclass(frozen=True)
class PatternView:
    """What :class:`PatternDrawing` draws: a request of ``pattern`` over ``n`` calls of
    latency ``call``, each service answering with ``availability``; its closed forms
    (``expected``, ``curve``, ``end_to_end`` availability) and its ``measured`` run."""

    pattern: str
    n: int
    call: Latency
    availability: float
    expected: Expected
    curve: Curve
    end_to_end: float
    measured: Measured

    @property
    def hops(self) -> int:
        """Services a request needs."""
        return hops(self.pattern, self.n)


def pattern_view(pattern: str, n: int, call: Latency, availability: float, *,
                 requests: int = 500, seed: int = 0) -> PatternView:
    """Everything :class:`PatternDrawing` draws for one request's composition:
    :func:`expected_latency`, :func:`latency_curve`, :func:`expected_availability` and
    :func:`measure` with these arguments.

    >>> view = pattern_view("chain", 3, Latency(fast=0.010, slow=1.0, p=0.01), 0.999)
    >>> view.hops, round(view.expected.mean, 3), view.measured.requests
    (3, 0.06, 500)
    """
    return PatternView(pattern, n, call, availability, expected_latency(pattern, n, call),
                       latency_curve(pattern, n, call),
                       expected_availability(pattern, n, availability),
                       measure(pattern, n, call, availability, requests=requests, seed=seed))


def _survival_steps(latencies: Sequence[float]) -> tuple[list[float], list[float]]:
    """The measured survival as steps: after the ``i``-th smallest of ``m`` latencies,
    ``(m - i) / m`` are still running (the last step, 0, is off the log axis)."""
    m = len(latencies)
    return list(latencies[:-1]), [(m - i) / m for i in range(1, m)]


def _percent(unavailable: float) -> str:
    availability = 100 * (1 - unavailable)
    return f"{availability:.{max(0, round(-math.log10(unavailable)) - 2)}f}%"


class PatternDrawing:
    """One figure of a request's composition, redrawn by :meth:`show`.

    Above: the survival ``P(latency > t)`` on log axes, from the closed forms (a line)
    and measured (steps), with the p50 and p99 of each marked where the survival crosses
    1/2 and 1/100, and a slow call's delay as a dashed line. Below: the end-to-end
    unavailability against the services a request needs (log scale, labelled as
    availability), for each per-service availability of :data:`AVAILABILITIES`, the
    chosen one in colour with the request's point, expected and measured (with two
    standard errors), and the per-service level dashed.
    """

    def __init__(self, *, figsize: tuple[float, float] = (5.6, 5.6), dpi: int = 100,
                 most: int = 21):
        """A drawing of ``figsize`` inches at ``dpi``; the availability panel runs from 1
        to ``most`` hops."""
        self.most = most
        self.figure = fig = Figure(figsize=figsize, dpi=dpi)
        grid = fig.add_gridspec(2, 1, height_ratios=(3, 2), left=0.72 / figsize[0],
                                right=1 - 0.45 / figsize[0], top=1 - 0.42 / figsize[1],
                                bottom=0.48 / figsize[1], hspace=0.42)
        self.latency_ax = top = fig.add_subplot(grid[0])
        self.availability_ax = low = fig.add_subplot(grid[1])
        (self.curve,) = top.plot([], [], color=EXPECTED, lw=1.8, zorder=_LINES)
        (self.steps,) = top.plot([], [], color=MEASURED, lw=1.1, drawstyle="steps-post",
                                 zorder=_LINES)
        (self.slow,) = top.plot([], [], color=SLOW, lw=1.0, ls="--", zorder=_LINES)
        (self.expected_marks,) = top.plot([], [], ls="", marker="o", ms=6, mfc="white",
                                          mec=EXPECTED, mew=1.6, zorder=_MARKS)
        (self.measured_marks,) = top.plot([], [], ls="", marker="x", ms=7, color=MEASURED,
                                          mew=1.6, zorder=_MARKS)
        (self.chosen,) = low.plot([], [], color=EXPECTED, lw=1.8, zorder=_LINES)
        (self.per_service,) = low.plot([], [], color=INK, lw=0.9, ls="--", zorder=_LINES)
        (self.expected_point,) = low.plot([], [], ls="", marker="o", ms=6, mfc="white",
                                          mec=EXPECTED, mew=1.6, zorder=_MARKS)
        (self.measured_point,) = low.plot([], [], ls="", marker="x", ms=7, color=MEASURED,
                                          mew=1.6, zorder=_MARKS)
        (self.error_bar,) = low.plot([], [], color=MEASURED, lw=1.2, zorder=_MARKS)
        self._latency_axes(top)
        self._availability_axes(low, most)
        self.legend = fig.legend(handles=[
            Line2D([], [], color=EXPECTED, lw=1.8, label="closed form"),
            Line2D([], [], color=MEASURED, lw=1.1, label="measured"),
            Line2D([], [], ls="", marker="o", ms=6, mfc="white", mec=EXPECTED, mew=1.6,
                   label="p50, p99 (form)"),
            Line2D([], [], ls="", marker="x", ms=7, color=MEASURED, mew=1.6,
                   label="p50, p99 (run)"),
            Line2D([], [], color=SLOW, lw=1.0, ls="--", label="slow delay")],
            loc="upper left", bbox_to_anchor=(0.5 / figsize[0], 1 - 0.02 / figsize[1]),
            ncols=3, fontsize=7, frameon=False, handlelength=1.4, columnspacing=0.9,
            handletextpad=0.4, borderaxespad=0.1, borderpad=0.1)

    @staticmethod
    def _latency_axes(ax: Axes) -> None:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(*SPAN)
        ax.set_ylim(_FLOOR, 1.0)
        ticks = [0.001, 0.01, 0.1, 1.0, 10.0]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.set_xticklabels(["1 ms", "10 ms", "100 ms", "1 s", "10 s"])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_locator(FixedLocator([0.001, 0.01, 0.1, 0.5, 1.0]))
        ax.set_yticklabels(["0.001", "0.01", "0.1", "0.5", "1"])
        ax.yaxis.set_minor_locator(NullLocator())
        for level, label in ((0.5, "p50"), (0.01, "p99")):
            ax.axhline(level, color=GREY, lw=0.8, ls=":", zorder=2)
            ax.text(1.01, level, label, transform=ax.get_yaxis_transform(), fontsize=7.5,
                    va="center", color=INK)
        ax.set_ylabel("P(latency > t)", fontsize=8)
        ax.set_xlabel("t, one request's latency", fontsize=8)
        ax.tick_params(labelsize=7.5)
        ax.grid(alpha=0.3)
        ax.set_axisbelow(True)

    @staticmethod
    def _availability_axes(ax: Axes, most: int) -> None:
        counts = list(range(1, most + 1))
        for availability in AVAILABILITIES:
            ax.plot(counts, [1 - availability**k for k in counts], color=GREY, lw=0.8,
                    zorder=2)
            ax.text(most + 0.4, 1 - availability**most, _percent(1 - availability),
                    fontsize=7, va="center", color=INK)
        ax.set_yscale("log")
        ax.set_ylim(1.0, _TOP)  # up is more available
        levels = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
        ax.yaxis.set_major_locator(FixedLocator(levels))
        ax.set_yticklabels([_percent(u) if u < 1 else "0%" for u in levels])
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_xlim(0.5, most + 0.5)
        ax.set_xticks([1, 5, 10, 15, 20])
        ax.set_xlabel("services a request needs (hops)", fontsize=8)
        ax.set_ylabel("request succeeds", fontsize=8)
        ax.set_title("end-to-end availability (per-service: dashed)", fontsize=8, loc="left")
        ax.tick_params(labelsize=7.5)
        ax.grid(alpha=0.3)
        ax.set_axisbelow(True)

    @property
    def changing(self) -> list[Artist]:
        """The artists :meth:`show` changes; nothing else ever does."""
        return [self.curve, self.steps, self.slow, self.expected_marks, self.measured_marks,
                self.chosen, self.per_service, self.expected_point, self.measured_point,
                self.error_bar]

    @property
    def fixed(self) -> list[Artist]:
        """The artists that never change: the legend, above the plots."""
        return [self.legend]

    def show(self, view: PatternView) -> None:
        """Draw ``view``."""
        view = require_instance("PatternDrawing", "view", view, PatternView)
        self.curve.set_data(view.curve.times, view.curve.tails)
        run = view.measured
        self.steps.set_data(*_survival_steps(run.latencies))
        self.slow.set_visible(view.call.p > 0 and view.call.slow > 0)
        self.slow.set_data([view.call.slow] * 2, [_FLOOR, 1.0])
        self.expected_marks.set_data([view.expected.p50, view.expected.p99], [0.5, 0.01])
        self.measured_marks.set_data([run.p50, run.p99] if run.answered else [],
                                     [0.5, 0.01] if run.answered else [])
        self._show_availability(view)

    def _show_availability(self, view: PatternView) -> None:
        counts = list(range(1, self.most + 1))
        a, k = view.availability, view.hops
        self.chosen.set_data(counts, [max(1 - a**j, _TOP) for j in counts])
        self.per_service.set_data([0.5, self.most + 0.5], [max(1 - a, _TOP)] * 2)
        self.expected_point.set_data([k], [max(1 - view.end_to_end, _TOP)])
        failed = 1 - view.measured.availability
        self.measured_point.set_visible(failed > 0)
        self.measured_point.set_data([k], [failed])
        error = 2 * math.sqrt(view.end_to_end * (1 - view.end_to_end) / view.measured.requests)
        low = max(1 - view.end_to_end - error, _TOP)  # an interval that reaches 0 runs off the top
        self.error_bar.set_data([k, k], [low, 1 - view.end_to_end + error])


def draw_pattern(view: PatternView) -> Figure:
    """Patterns 8.1.1-8.1.3 (聚合器模式, 代理模式, 链式模式): one request's composition, as
    :class:`PatternDrawing` draws it.

    Raises
    ------
    TheoryError
        If ``view`` is not a :class:`PatternView`.
    """
    drawing = PatternDrawing()
    drawing.show(require_instance("draw_pattern", "view", view, PatternView))
    return drawing.figure

