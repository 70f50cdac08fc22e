"""Chapter 8's figures: the latency and availability of one request composed by Patterns
8.1.1-8.1.3.

Every number comes from :mod:`msatheory.practice.composition` and the models it builds
on. A request calls ``n`` alike services in one of three :data:`PATTERNS`: a chain
(Pattern 8.1.3, 链式模式), an aggregator's fan-out (Pattern 8.1.1, 聚合器模式), or the
same chain behind a proxy (Pattern 8.1.2, 代理模式), which is one more alike hop in front
(:func:`~msatheory.practice.composition.proxied`), so ``n + 1`` hops.

* :func:`expected_latency` gives the closed forms' mean, p50 and p99 and
  :func:`expected_availability` the product of the availabilities;
* :func:`latency_curve` traces the survival ``P(latency > t)`` by asking the closed forms
  (:func:`~msatheory.practice.composition.chain_latency`,
  :func:`~msatheory.practice.composition.fan_out_latency`) for the quantile at each tail
  level of :data:`TAILS`, plus levels either side of each plateau a slow share makes;
* :func:`measure` runs seeded requests and keeps every answered request's latency, so
  that a p50 and the measured survival can be drawn: the same draws, in the same order,
  as :func:`~msatheory.practice.composition.simulate_composition` (a fan-out through
  chapter 4's :func:`~msatheory.gateway.aggregation.fan_out`, a chain hop by hop through
  :meth:`~msatheory.gateway.aggregation.Latency.draw`), so its mean, p99 and count of
  answered requests are that function's;
* :class:`PatternDrawing` draws a :class:`PatternView`: the survival on log axes with
  p50 and p99 marked, expected and measured, and the end-to-end availability against
  the services a request needs, beside the per-service one. :func:`draw_pattern` is that
  figure for one view.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullLocator

from msatheory.basics.availability import serial
from msatheory.communication.patterns import mean_latency
from msatheory.errors import (
    require_choice,
    require_count,
    require_fraction,
    require_instance,
    require_seed,
)
from msatheory.gateway.aggregation import Call, Latency, fan_out
from msatheory.practice.composition import chain_latency, fan_out_latency, proxied
from msatheory.sim import nearest_rank, seeded_rng

__all__ = [
    "AVAILABILITIES",
    "EXPECTED",
    "INK",
    "MEASURED",
    "PATTERNS",
    "SLOW",
    "SPAN",
    "TAILS",
    "Curve",
    "Expected",
    "Measured",
    "PatternDrawing",
    "PatternView",
    "draw_pattern",
    "expected_availability",
    "expected_latency",
    "hops",
    "latency_curve",
    "measure",
    "pattern_view",
]

#: The three compositions, by name, with their labels.
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
#: The survival levels the closed-form curve passes through: from 0.999 down to 1/1000,
#: two or three a decade (a chain's quantile costs a millisecond or more), among them the
#: p50's 1/2 and the p99's 1/100, so both are points of the curve.
TAILS = (0.999, 0.9, 0.7, 0.5, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)
#: The survival panel's lowest level: below it a run of a few hundred requests says
#: nothing.
_FLOOR = 0.001
#: The availability panel's top: an unavailability of 1/20,000 (up is more available).
_TOP = 5e-5
#: How far either side of a plateau's level the curve is asked for (relative).
_EDGE = 0.02
#: Layers: marks over lines over the grid.
_LINES, _MARKS = 3.0, 3.5


def _pattern(owner: str, pattern: object) -> str:
    return require_choice(owner, "pattern", pattern, tuple(PATTERNS))


def hops(pattern: str, n: int) -> int:
    """The services a request of ``pattern`` over ``n`` calls needs: ``n``, or ``n + 1``
    behind a proxy.

    >>> hops("fan-out", 5), hops("proxy", 5)
    (5, 6)
    """
    pattern = _pattern("hops", pattern)
    n = require_count("hops", "n", n, least=1)
    return n + 1 if pattern == "proxy" else n


def _quantile(pattern: str, n: int, call: Latency, q: float) -> float:
    """The closed form's ``q``-quantile; a chain behind a proxy is the chain one hop
    longer, so both share one memo."""
    if pattern == "fan-out":
        return _closed_quantile("fan-out", n, call, q)
    return _closed_quantile("chain", hops(pattern, n), call, q)


@functools.lru_cache(maxsize=4096)
def _closed_quantile(shape: str, count: int, call: Latency, q: float) -> float:
    """:func:`~msatheory.practice.composition.fan_out_latency` or
    :func:`~msatheory.practice.composition.chain_latency` at ``q``, memoised: a chain's
    quantile inverts a sum of incomplete gamma functions, a millisecond or more."""
    latency = fan_out_latency if shape == "fan-out" else chain_latency
    return float(latency(count, call, q=q))


@dataclass(frozen=True)
class Expected:
    """A request's latency in closed form (seconds): its ``mean``, ``p50`` and ``p99``."""

    mean: float
    p50: float
    p99: float


def _args(owner: str, pattern: object, n: object, call: object) -> tuple[str, int, Latency]:
    return (_pattern(owner, pattern), require_count(owner, "n", n, least=1),
            require_instance(owner, "call", call, Latency))


def expected_latency(pattern: str, n: int, call: Latency) -> Expected:
    """Patterns 8.1.1-8.1.3 (聚合器模式, 代理模式, 链式模式): a request's mean, p50 and p99
    latency in closed form.

    A chain takes :func:`~msatheory.practice.composition.chain_latency`, a fan-out
    :func:`~msatheory.practice.composition.fan_out_latency`; behind a proxy the chain's
    mean is :func:`~msatheory.practice.composition.proxied`'s (the proxy one more alike
    hop) and its quantiles the chain of ``n + 1`` hops'.

    Parameters
    ----------
    pattern : str
        One of :data:`PATTERNS`.
    n : int
        Calls the request makes (positive).
    call : Latency
        Each call's latency.

    Returns
    -------
    Expected
        Mean, p50 and p99, in seconds.

    Raises
    ------
    TheoryError
        If an argument is not valid.

    Examples
    --------
    >>> wide = expected_latency("fan-out", 5, Latency(fast=0.010, slow=0.0, p=0.0))
    >>> round(wide.mean, 5), round(wide.p99, 4)
    (0.02283, 0.0621)
    >>> round(expected_latency("proxy", 4, Latency(fast=0.010, slow=0.0, p=0.0)).mean, 3)
    0.05

    References
    ----------
    .. [1] Patterns 8.1.1, 8.1.2 and 8.1.3 of the theory.
    """
    pattern, n, call = _args("expected_latency", pattern, n, call)
    if pattern == "fan-out":
        mean = float(fan_out_latency(n, call))
    elif pattern == "chain":
        mean = float(chain_latency(n, call))
    else:  # availabilities are expected_availability's: 1 here, only latencies add
        mean = float(proxied(chain_latency(n, call), 1.0, mean_latency(call), 1.0).latency)
    return Expected(mean, _quantile(pattern, n, call, 0.5), _quantile(pattern, n, call, 0.99))


def expected_availability(pattern: str, n: int, availability: float) -> float:
    """Patterns 8.1.1-8.1.3: the share of requests that succeed, every hop answering.

    The product of the calls' availabilities
    (:func:`~msatheory.basics.availability.serial`), times the proxy's behind one
    (:func:`~msatheory.practice.composition.proxied`).

    Parameters
    ----------
    pattern : str
        One of :data:`PATTERNS`.
    n : int
        Calls the request makes (positive).
    availability : float
        Each service's availability, in [0, 1].

    Returns
    -------
    float
        ``availability ** hops(pattern, n)``, multiplied out.

    Raises
    ------
    TheoryError
        If an argument is not valid.

    Examples
    --------
    >>> round(expected_availability("chain", 5, 0.999), 6)
    0.99501
    >>> round(expected_availability("proxy", 5, 0.999), 6)
    0.994015

    References
    ----------
    .. [1] B. Treynor, M. Dahlin, V. Rau and B. Beyer, "The Calculus of Service
       Availability", ACM Queue 15(2), 2017.
    """
    owner = "expected_availability"
    pattern = _pattern(owner, pattern)
    n = require_count(owner, "n", n, least=1)
    share = require_fraction(owner, "availability", availability)
    calls = float(serial([share] * n))
    if pattern == "proxy":
        return float(proxied(0.0, calls, 0.0, share).availability)
    return calls


class Curve(NamedTuple):
    """Points of the survival ``P(latency > t)``: ``times`` (seconds, rising) and the
    ``tails`` (falling) at them."""

    times: tuple[float, ...]
    tails: tuple[float, ...]


def _plateaus(pattern: str, n: int, call: Latency) -> list[float]:
    """The levels at which a slow share holds the survival flat while the slow calls
    are on their way: ``P(at least k slow calls)`` for a chain (``k = 1, 2, ...``),
    ``P(at least one)`` for a fan-out; only those inside the drawn levels."""
    p = float(call.p)
    if p == 0 or call.slow == 0:
        return []
    count = hops(pattern, n)
    most = 1 if pattern == "fan-out" else count
    levels = [1 - math.fsum(math.comb(count, j) * p**j * (1 - p) ** (count - j)
                            for j in range(k)) for k in range(1, most + 1)]
    return [level for level in levels if _FLOOR < level < TAILS[0]]


def latency_curve(pattern: str, n: int, call: Latency) -> Curve:
    """Patterns 8.1.1-8.1.3: the survival of a request's latency, from the closed forms.

    At each tail level ``s`` of :data:`TAILS`, and just above and below each level where
    a slow share holds the survival flat, the time is the closed form's
    ``(1 - s)``-quantile: a curve through exact points (the model exposes quantiles,
    not the survival itself).

    Parameters
    ----------
    pattern : str
        One of :data:`PATTERNS`.
    n : int
        Calls the request makes (positive).
    call : Latency
        Each call's latency.

    Returns
    -------
    Curve
        Times (seconds) and the survival at them.

    Raises
    ------
    TheoryError
        If an argument is not valid.

    Examples
    --------
    >>> curve = latency_curve("chain", 1, Latency(fast=0.010, slow=0.0, p=0.0))
    >>> curve.tails[:3], [round(t, 5) for t in curve.times[:3]]
    ((0.999, 0.9, 0.7), [1e-05, 0.00105, 0.00357])

    References
    ----------
    .. [1] Patterns 8.1.1 and 8.1.3 of the theory.
    """
    pattern, n, call = _args("latency_curve", pattern, n, call)
    levels = set(TAILS)
    for level in _plateaus(pattern, n, call):
        levels |= {level * (1 + _EDGE), level * (1 - _EDGE)}
    tails = tuple(sorted((s for s in levels if _FLOOR <= s <= TAILS[0]), reverse=True))
    return Curve(tuple(_quantile(pattern, n, call, 1 - s) for s in tails), tails)


@dataclass(frozen=True)
class Measured:
    """What :func:`measure` ran: of ``requests`` seeded requests over ``hops`` services,
    the ``latencies`` (seconds, rising) of those that succeeded."""

    requests: int
    hops: int
    latencies: tuple[float, ...]

    @property
    def answered(self) -> int:
        """Requests that succeeded."""
        return len(self.latencies)

    @property
    def availability(self) -> float:
        """The share of requests that succeeded."""
        return self.answered / self.requests

    @property
    def mean(self) -> float:
        """Mean latency of the answered requests (NaN when none answered)."""
        return math.fsum(self.latencies) / self.answered if self.answered else math.nan

    def percentile(self, percent: int) -> float:
        """Nearest-rank ``percent``-th percentile of the answered requests' latency
        (NaN when none answered)."""
        return nearest_rank(self.latencies, percent) if self.answered else math.nan

    @property
    def p50(self) -> float:
        """The median latency."""
        return self.percentile(50)

    @property
    def p99(self) -> float:
        """The 99th percentile latency."""
        return self.percentile(99)


def measure(pattern: str, n: int, call: Latency, availability: float, *,
            requests: int = 500, seed: int = 0) -> Measured:
    """Patterns 8.1.1-8.1.3 measured: ``requests`` seeded requests, every latency kept.

    The draws are :func:`~msatheory.practice.composition.simulate_composition`'s, in its
    order: a fan-out runs :func:`~msatheory.gateway.aggregation.fan_out` once per request
    with a seed from one generator seeded by ``seed``, then draws from it whether each
    call answers; a chain draws, hop by hop, whether the hop answers and how long it
    takes, and ends at the first hop that does not answer, as chapter 5's
    :func:`~msatheory.communication.patterns.synchronous_chain` does (without its SimPy
    clock: the latency is the sum of the hops' times). Behind a proxy the chain has
    ``n + 1`` hops.

    Parameters
    ----------
    pattern : str
        One of :data:`PATTERNS`.
    n : int
        Calls the request makes (positive).
    call : Latency
        Each call's latency.
    availability : float
        Each service's availability, in [0, 1].
    requests : int
        Requests run (positive).
    seed : int
        Seed of the run.

    Returns
    -------
    Measured
        The latencies of the requests that succeeded, rising.

    Raises
    ------
    TheoryError
        If an argument is not valid.

    Examples
    --------
    >>> run = measure("fan-out", 5, Latency(fast=0.010, slow=0.0, p=0.0), 0.999,
    ...               requests=2000, seed=1)
    >>> run.answered, round(run.p99, 4)  # simulate_composition's numbers
    (1992, 0.0606)

    References
    ----------
    .. [1] Patterns 8.1.1 and 8.1.3 of the theory.
    .. [2] J. Dean and L. A. Barroso, "The Tail at Scale", Communications of the ACM
       56(2), 2013, pp. 74-80.
    """
    owner = "measure"
    pattern, n, call = _args(owner, pattern, n, call)
    share = require_fraction(owner, "availability", availability)
    requests = require_count(owner, "requests", requests, least=1)
    rng = seeded_rng(require_seed(owner, seed), owner)
    count = hops(pattern, n)
    latencies: list[float] = []
    if pattern == "fan-out":
        calls = [Call(f"service-{k}", call) for k in range(1, n + 1)]
        for _ in range(requests):
            reply = fan_out(calls, seed=rng.getrandbits(32))
            if all(rng.random() < share for _ in range(n)):
                latencies.append(reply.latency)
    else:
        for _ in range(requests):
            took, answered = 0.0, True
            for _ in range(count):
                answered = rng.random() < share
                took += call.draw(rng.random())[0]
                if not answered:
                    break
            if answered:
                latencies.append(took)
    return Measured(requests, count, tuple(sorted(latencies)))


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

