"""Chapter 5's figures: a circuit breaker and a retry policy over an outage, second by second.

Every mark comes from the breaker lab (:mod:`msatheory.communication.lab`):
:class:`BreakerDrawing` plots one :class:`~msatheory.communication.lab.BreakerRun` in
four rows sharing the time axis: the share of attempts the dependency fails (timeouts
included) with the outages shaded; the breaker's state as coloured bands (Strategy
5.3.2, 熔断器模式); the calls sent, rejected fast and succeeded each second; and the
attempts the dependency receives each second, first tries and retries stacked (Strategy
5.3.1, 重试机制), with the attempts of the same setting under other retry policies as
lines when they are given. :func:`draw_breaker_timeline` draws a run as a figure, with
every retry policy of :data:`~msatheory.communication.lab.RETRIES` compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

from matplotlib.artist import Artist
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from msatheory.communication.lab import (
    ATTEMPTS,
    RATE,
    RETRIES,
    SPAN,
    TIMEOUT_MS,
    BreakerRun,
    Phase,
    retry_comparison,
)
from msatheory.errors import TheoryError, require_instance, require_items

__all__ = ["STATE_COLOURS", "BreakerDrawing", "draw_breaker_timeline", "phase_label"]

#: Each breaker state as banded; every colour reads at 4.5:1 or more against white
#: (WCAG AA), so text in these colours is readable too.
STATE_COLOURS = MappingProxyType({
    "closed": "#1a7f37", "open": "#cf222e", "half-open": "#9a6700",
})
SENT, REJECTED, SUCCEEDED = "#0969da", "#cf222e", "#1a7f37"
FIRST, RETRIED, OTHER = "#0969da", "#bc4c00", "#57606a"
FAILING, OUTAGE, NONE = "#57606a", "#eaeef2", "#d0d7de"
#: Each retry policy's line style where policies are compared.
_DASHES = MappingProxyType({"no retry": ":", "exponential": "--", "full jitter": "-."})


def phase_label(phase: Phase) -> str:
    """What the dependency does in ``phase``, in a few words.

    Parameters
    ----------
    phase : Phase
        A phase of a profile.

    Returns
    -------
    str
        Its failure rate and latency, or that every attempt times out.

    Raises
    ------
    TheoryError
        If ``phase`` is not a :class:`~msatheory.communication.lab.Phase`.

    Examples
    --------
    >>> phase_label(Phase(60, 1.0, 50))
    'fails 100% of attempts in 50 ms'
    >>> phase_label(Phase(60, 0.0, 2000))
    'answers in 2000 ms: every attempt times out at 1000 ms'
    """
    phase = require_instance("phase_label", "phase", phase, Phase)
    if phase.timed_out:
        return (f"answers in {phase.latency_ms:g} ms: every attempt times out at "
                f"{TIMEOUT_MS:g} ms")
    return f"fails {phase.failure_rate:.0%} of attempts in {phase.latency_ms:g} ms"


def _steps(series: Sequence[int]) -> tuple[list[float], list[float]]:
    """A per-second series as a step line: the value over each second ``[t, t + 1)``."""
    xs = [float(t) for t in range(len(series) + 1)]
    return xs, [*map(float, series), float(series[-1]) if series else 0.0]


def _area(lower: Sequence[int], upper: Sequence[int]) -> list[list[tuple[float, float]]]:
    """The step-shaped area between two per-second series, one polygon."""
    top = [(float(t + dt), float(v)) for t, v in enumerate(upper) for dt in (0, 1)]
    bottom = [(float(t + dt), float(v)) for t, v in enumerate(lower) for dt in (0, 1)]
    return [top + bottom[::-1]] if top else []


class BreakerDrawing:
    """One figure of a :class:`~msatheory.communication.lab.BreakerRun`, redrawn by
    :meth:`show` when the run changes.

    Rows, top to bottom, over ``span`` seconds: the share of attempts the dependency
    fails (grey steps, timeouts included; outages shaded); the breaker's state (green
    closed, red open, amber half-open, each trial marked by an amber triangle; grey
    without a breaker); calls each second, sent to the dependency (blue), rejected fast
    by the breaker (red) and answered successfully (green, filled); attempts on the
    dependency each second, first tries (blue) and retries (orange) stacked, with other
    retry policies' attempts as grey lines (listed in the legend where ``compare``).
    Limits are fixed by ``span`` and ``rate``, so :meth:`show` changes only the
    :attr:`changing` artists, and no text.
    """

    def __init__(self, span: int = SPAN, rate: float = RATE, *, compare: bool = True,
                 figsize: tuple[float, float] = (5.6, 5.4), dpi: int = 100):
        self.span = span
        self.figure = fig = Figure(figsize=figsize, dpi=dpi)
        grid = fig.add_gridspec(4, 1, height_ratios=(2.2, 0.55, 3, 3), left=0.12,
                                right=0.98, top=1 - 0.3 / figsize[1],
                                bottom=0.88 / figsize[1], hspace=0.32)
        self.dependency_ax = dep = fig.add_subplot(grid[0])
        self.state_ax = band = fig.add_subplot(grid[1], sharex=dep)
        self.calls_ax = calls = fig.add_subplot(grid[2], sharex=dep)
        self.attempts_ax = tries = fig.add_subplot(grid[3], sharex=dep)
        self.shades = {ax: PolyCollection([], facecolors=OUTAGE, edgecolors="none",
                                          zorder=0.2)
                       for ax in (dep, calls, tries)}
        for ax, shade in self.shades.items():
            ax.add_collection(shade, autolim=False)
        (self.failing,) = dep.plot([], [], color=FAILING, lw=1.4, drawstyle="steps-post")
        self.bands = PolyCollection([], edgecolors="none")
        band.add_collection(self.bands, autolim=False)
        (self.trials,) = band.plot([], [], ls="", marker="v", ms=4, color=STATE_COLOURS[
            "half-open"], clip_on=False)
        self.succeeded = PolyCollection([], facecolors=SUCCEEDED, edgecolors="none",
                                        alpha=0.35)
        calls.add_collection(self.succeeded, autolim=False)
        (self.sent,) = calls.plot([], [], color=SENT, lw=1.0, drawstyle="steps-post")
        (self.rejected,) = calls.plot([], [], color=REJECTED, lw=1.0, drawstyle="steps-post")
        self.first = PolyCollection([], facecolors=FIRST, edgecolors="none", alpha=0.55)
        self.retried = PolyCollection([], facecolors=RETRIED, edgecolors="none", alpha=0.7)
        tries.add_collection(self.first, autolim=False)
        tries.add_collection(self.retried, autolim=False)
        self.others = {policy: tries.plot([], [], color=OTHER, lw=0.9, ls=_DASHES[policy],
                                          drawstyle="steps-post")[0]
                       for policy in RETRIES}
        top = 2 * ATTEMPTS * rate  # a second's attempts, retries included, stay below
        dep.set_ylim(0, 1.1)
        dep.set_yticks([0, 0.5, 1], ["0", "50%", "100%"])
        dep.set_xlim(0, span)
        band.set_ylim(0, 1)
        band.set_yticks([])
        calls.set_ylim(0, top)
        tries.set_ylim(0, top)
        for ax in (dep, band, calls, tries):
            ax.tick_params(labelsize=7.5)
        for ax in (dep, band, calls):
            ax.tick_params(labelbottom=False)
        dep.set_title("the dependency: attempts failing", fontsize=8, loc="left")
        band.set_ylabel("breaker", fontsize=7.5, rotation=0, ha="right", va="center")
        calls.set_title("calls a second", fontsize=8, loc="left")
        tries.set_title("attempts on the dependency a second", fontsize=8, loc="left")
        tries.set_xlabel("time (s)", fontsize=8)
        handles = [
            Line2D([], [], color=SENT, lw=1.2, label="sent"),
            Line2D([], [], color=REJECTED, lw=1.2, label="rejected fast"),
            Patch(facecolor=SUCCEEDED, alpha=0.35, label="succeeded"),
            Patch(facecolor=FIRST, alpha=0.55, label="first tries"),
            Patch(facecolor=RETRIED, alpha=0.7, label="retries"),
            *([Line2D([], [], color=OTHER, lw=0.9, ls="--", label="other policies")]
              if compare else []),
            *(Patch(facecolor=colour, label=state) for state, colour in STATE_COLOURS.items()),
            Line2D([], [], ls="", marker="v", ms=4, color=STATE_COLOURS["half-open"],
                   label="trial"),
            Patch(facecolor=NONE, label="no breaker"),
            Patch(facecolor=OUTAGE, label="outage"),
        ]
        self.legend = fig.legend(handles=handles, loc="lower left", ncols=6, fontsize=7,
                                 frameon=False, bbox_to_anchor=(0.01, 0.0),
                                 handlelength=1.1, columnspacing=0.7, handletextpad=0.3)

    @property
    def changing(self) -> list[Artist]:
        """The artists :meth:`show` changes (nothing else ever does), and the axes' spines,
        which the changing artists touch and which must stay drawn over them."""
        spines = [spine for ax in self.figure.axes for spine in ax.spines.values()]
        return [*self.shades.values(), self.failing, self.bands, self.trials,
                self.succeeded, self.sent, self.rejected, self.first, self.retried,
                *self.others.values(), *spines]

    @property
    def fixed(self) -> list[Artist]:
        """The artists that never change: the legend, under the plots."""
        return [self.legend]

    def show(self, run: BreakerRun, others: Sequence[BreakerRun] = ()) -> None:
        """Draw ``run``, and as lines the attempts of ``others``: runs of the same
        profile, breaker and seed under other retry policies."""
        run = require_instance("BreakerDrawing", "run", run, BreakerRun)
        compared = require_items("BreakerDrawing", "others", others, BreakerRun)
        for other in compared:
            if (other.phases, other.breaker, other.seed, other.rate, other.span) != (
                    run.phases, run.breaker, run.seed, run.rate, run.span):
                raise TheoryError("BreakerDrawing: the runs compared must share the "
                                  "run's profile, breaker, seed, rate and span")
        end = float(len(run.requests))
        outages = run.outages()
        for ax, shade in self.shades.items():
            low, high = ax.get_ylim()
            shade.set_verts([[(a, low), (b, low), (b, high), (a, high)] for a, b in outages])
        starts = [p.start for p in run.phases] + [end]
        self.failing.set_data(starts, [p.failing for p in run.phases]
                              + [run.phases[-1].failing])
        self._show_states(run, end)
        zero = [0] * len(run.first)
        self.succeeded.set_verts(_area(zero, run.succeeded))
        self.sent.set_data(*_steps(run.sent))
        self.rejected.set_data(*_steps(run.rejected))
        self.first.set_verts(_area(zero, run.first))
        self.retried.set_verts(_area(run.first, run.sent))
        shown = {other.retry: other for other in compared if other.retry != run.retry}
        for policy, line in self.others.items():
            line.set_data(*(_steps(shown[policy].sent) if policy in shown else ([], [])))

    def _show_states(self, run: BreakerRun, end: float) -> None:
        if run.breaker == "none":
            self.bands.set_verts([[(0, 0), (end, 0), (end, 1), (0, 1)]])
            self.bands.set_facecolor([NONE])
            self.trials.set_data([], [])
            return
        moves = [(0.0, "closed"), *run.transitions]
        spans = [(at, moves[k + 1][0] if k + 1 < len(moves) else end, state)
                 for k, (at, state) in enumerate(moves)]
        self.bands.set_verts([[(a, 0), (b, 0), (b, 1), (a, 1)] for a, b, _ in spans])
        self.bands.set_facecolor([STATE_COLOURS[state] for _, _, state in spans])
        trials = [at for at, state in run.transitions if state == "half-open"]
        self.trials.set_data(trials, [1.0] * len(trials))


def draw_breaker_timeline(run: BreakerRun, compare: bool = True) -> Figure:
    """Strategies 5.3.1 and 5.3.2 (重试机制, 熔断器模式): ``run`` over time as one figure
    (see :class:`BreakerDrawing`), with the attempts of the same setting under the other
    retry policies of :data:`~msatheory.communication.lab.RETRIES` where ``compare``.

    Parameters
    ----------
    run : BreakerRun
        A run of :func:`msatheory.communication.lab.run`.
    compare : bool
        Whether to run and draw the other retry policies too.

    Returns
    -------
    Figure
        Four rows over the run's span: the dependency, the breaker's state, the calls
        and the attempts on the dependency.

    Raises
    ------
    TheoryError
        If ``run`` is not a :class:`~msatheory.communication.lab.BreakerRun`.

    Examples
    --------
    >>> from msatheory.communication.lab import run
    >>> figure = draw_breaker_timeline(run("outage", span=60), compare=False)
    >>> [ax.get_title(loc="left") for ax in figure.axes][2:]
    ['calls a second', 'attempts on the dependency a second']

    References
    ----------
    .. [1] Strategies 5.3.1 (重试机制) and 5.3.2 (熔断器模式) of the theory.
    .. [2] M. T. Nygard, *Release It!*, 2nd ed., 2018: Circuit Breaker.
    """
    run = require_instance("draw_breaker_timeline", "run", run, BreakerRun)
    drawing = BreakerDrawing(run.span, run.rate, compare=compare)
    others = retry_comparison(run.phases, breaker=run.breaker, seed=run.seed, rate=run.rate,
                              span=run.span) if compare else ()
    drawing.show(run, others)
    return drawing.figure

