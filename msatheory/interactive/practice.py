"""Chapter 8's explorer: compose one request from alike calls and see its latency and its
availability.

:class:`PatternExplorer` (Patterns 8.1.1 聚合器模式, 8.1.2 代理模式, 8.1.3 链式模式)
composes a request of ``n`` calls as a chain, a fan-out or a chain behind a proxy, each
call exponential with a chosen mean and, with a chosen share, held up by a slow delay
(chapter 4's :class:`~msatheory.gateway.aggregation.Latency`), each service answering
with a chosen availability. It draws
:class:`~msatheory.interactive.figures.practice.PatternDrawing`: the latency's survival
from the closed forms of :mod:`msatheory.practice.composition` beside a seeded run of
:data:`REQUESTS` requests, and the end-to-end availability. Beside it, the mean, p50,
p99 and availability, expected and measured, and what to notice. Closed forms, runs and
pictures are memoised by the controls they depend on.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Callable
from fractions import Fraction
from types import MappingProxyType

import ipywidgets as widgets

from msatheory.communication.patterns import mean_latency
from msatheory.gateway.aggregation import Latency
from msatheory.interactive.explorer import Explorer, choice, one_of, report_html, row, whole
from msatheory.interactive.figures.practice import (
    PATTERNS,
    PatternDrawing,
    PatternView,
)
from msatheory.practice.composition import (
    Curve,
    Expected,
    Measured,
    expected_availability,
    expected_latency,
    latency_curve,
    measure,
)

__all__ = ["AVAILABILITIES", "MEANS_MS", "MOST", "REQUESTS", "SLOW_MS", "SLOW_SHARES",
           "PatternExplorer", "availability_sentence", "latency_sentence"]

#: A fast call's mean latency, milliseconds.
MEANS_MS = (5, 10, 20, 50)
#: The share of calls that are slow, by label.
SLOW_SHARES = MappingProxyType({"0%": 0.0, "0.1%": 0.001, "1%": 0.01, "5%": 0.05})
#: A slow call's extra delay, milliseconds.
SLOW_MS = (100, 200, 500, 1000, 2000)
#: The slow delay a control starts at, and the one a run without slow calls is keyed by.
SLOW_MS_DEFAULT = 1000
#: Each service's availability, by label.
AVAILABILITIES = MappingProxyType({"99%": 0.99, "99.9%": 0.999, "99.99%": 0.9999})
#: The most calls a request makes.
MOST = 20
#: Requests run per setting: enough for a p99 (the 396th of 400), few enough that a
#: handler stays well within 100 ms (a fan-out of 20 runs 8,000 calls).
REQUESTS = 400
_OWNER = "PatternExplorer"
#: The p99's tail: the share of requests slower than it.
_P99_TAIL = Fraction(1, 100)

#: What determines a picture: pattern, n, mean (ms), slow share, slow delay (ms),
#: availability, seed.
_Key = tuple[str, int, int, str, int, str, int]


def _ms(seconds: float) -> str:
    """``seconds`` in milliseconds (seconds from 1 s), three significant figures."""
    if math.isnan(seconds):
        return "none"
    return f"{seconds:.3g} s" if seconds >= 1 else f"{1000 * seconds:.3g} ms"


def _call(mean_ms: int, share: str, slow_ms: int) -> Latency:
    """One call: exponential of mean ``mean_ms``, a share ``share`` of calls ``slow_ms``
    later (no delay without a slow share)."""
    p = SLOW_SHARES[share]
    return Latency(fast=mean_ms / 1000, slow=slow_ms / 1000 if p else 0.0, p=p)


def _slow_requests(count: int, share: str) -> Fraction:
    """The exact share of requests of ``count`` hops that meet a slow call."""
    p = Fraction(share.rstrip("%")) / 100
    return 1 - (1 - p) ** count


def _first_past(share: str) -> int | None:
    """The fewest hops at which more than 1% of requests meet a slow call (None if
    none of the explorer's does)."""
    return next((k for k in range(1, MOST + 2) if _slow_requests(k, share) > _P99_TAIL),
                None)


def latency_sentence(view: PatternView, share: str) -> str:
    """What the latency shows, in a sentence: the tail at scale for a slow share, how a
    chain and a fan-out grow without one."""
    count, m = view.hops, mean_latency(view.call)
    if view.call.p == 0:
        if count == 1:
            return (f"One hop: the request takes one call's time, exponential, so its p99 "
                    f"is ln 100 = {view.expected.p99 / m:.2f} means; add calls to compose "
                    f"them.")
        if view.pattern == "fan-out":
            return (f"Waiting for all {count} calls costs the slowest: the mean is "
                    f"{view.expected.mean / m:.2f} call means (H_n, about ln n), where a "
                    f"chain would take {count}.")
        return (f"A chain adds its {count} hops: the mean is {count} call means, and the "
                f"p99 is {view.expected.p99 / view.expected.mean:.2f} times the mean, a "
                f"ratio that shrinks as hops are added.")
    met = _slow_requests(count, share)
    waits = "waits for" if view.pattern == "fan-out" else "adds"
    fraction = float(met)
    if met > _P99_TAIL:
        return (f"{fraction:.2%} of requests meet a slow call, more than 1% (1 - (1 - p)^n "
                f"with n = {count}), and the request {waits} it: the p99 passes the "
                f"{_ms(view.call.slow)} delay.")
    if met == _P99_TAIL:
        return ("Exactly 1% of requests meet a slow call: the p99 lies on the edge of the "
                "flat stretch of the survival, anywhere from the fast calls' tail to the "
                "slow delay, so the closed form's and the run's p99 may differ widely.")
    first = _first_past(share)
    later = (f"from {first} hops on, 1 - (1 - p)^n > 1% and the p99 passes the "
             f"{_ms(view.call.slow)} delay" if first is not None else
             f"up to {MOST + 1} hops it stays so")
    return (f"Only {fraction:.2%} of requests meet a slow call, under 1%: too few to set "
            f"the p99, which the fast calls set ({_ms(view.expected.p99)}); {later}.")


def availability_sentence(view: PatternView) -> str:
    """What the availability shows, in a sentence."""
    a, count = view.availability, view.hops
    if count == 1:
        return f"One hop: the request is exactly as available as its service, {a:.2%}."
    proxy = (f" The proxy is one more hop: +{_ms(mean_latency(view.call))} to the mean and "
             f"x{a:g} to the availability." if view.pattern == "proxy" else "")
    return (f"Every hop must answer: {a:g}^{count} = {view.end_to_end:.3%}, below any one "
            f"service's {a:.2%}.{proxy}")


def _table(view: PatternView) -> str:
    expected, run = view.expected, view.measured
    rows = (("mean", _ms(expected.mean), _ms(run.mean)),
            ("p50", _ms(expected.p50), _ms(run.p50)),
            ("p99", _ms(expected.p99), _ms(run.p99)),
            ("availability", f"{view.end_to_end:.3%}", f"{run.availability:.3%}"))
    cells = "".join(f"<tr><td>{name}</td><td style='text-align:right'>{form}</td>"
                    f"<td style='text-align:right'>{measured}</td></tr>"
                    for name, form, measured in rows)
    return ("<table class='msa-numbers' style='border-collapse:collapse'><tr><th></th>"
            "<th style='text-align:right'>closed form</th>"
            f"<th style='text-align:right'>run</th></tr>{cells}</table>")


class PatternExplorer(Explorer):
    """Patterns 8.1.1-8.1.3 (聚合器模式, 代理模式, 链式模式) by hand: one request composed
    of alike calls, its latency distribution and its availability, in closed form and
    measured.

    Controls: the ``pattern`` (:data:`~msatheory.interactive.figures.practice.PATTERNS`:
    ``"chain"``, ``"fan-out"`` or ``"proxy"``, a chain behind a proxy that is one more
    alike hop); ``n``, the calls (1 to :data:`MOST`); ``mean_ms``, a fast call's mean
    (one of :data:`MEANS_MS`); ``slow_share``, the share of calls held up (a label of
    :data:`SLOW_SHARES`) by ``slow_ms`` more (one of :data:`SLOW_MS`; ignored without a
    slow share); ``availability``, each service's (a label of :data:`AVAILABILITIES`);
    and the ``seed`` of the run of :data:`REQUESTS` requests. :meth:`set` moves controls
    by name, checked before anything moves.
    """

    #: The names :meth:`set` accepts.
    CONTROLS = ("pattern", "n", "mean_ms", "slow_share", "slow_ms", "availability", "seed")

    def __init__(self, pattern: str = "fan-out", *, n: int = 5, mean_ms: int = 10,
                 slow_share: str = "1%", slow_ms: int = SLOW_MS_DEFAULT,
                 availability: str = "99.9%", seed: int = 0):
        self.pattern = widgets.Dropdown(options=[(v, k) for k, v in PATTERNS.items()],
                                        value="fan-out", description="pattern", **row())
        self.n = widgets.IntSlider(5, min=1, max=MOST, description="n calls",
                                   continuous_update=True, **row())
        self.mean_ms = widgets.SelectionSlider(options=list(MEANS_MS), value=10,
                                               description="mean (ms)",
                                               continuous_update=True, **row())
        self.slow_share = widgets.SelectionSlider(options=list(SLOW_SHARES), value="1%",
                                                  description="slow share",
                                                  continuous_update=True, **row())
        self.slow_ms = widgets.SelectionSlider(options=list(SLOW_MS), value=SLOW_MS_DEFAULT,
                                               description="slow by (ms)",
                                               continuous_update=True, **row())
        self.availability = widgets.SelectionSlider(options=list(AVAILABILITIES),
                                                    value="99.9%",
                                                    description="availability",
                                                    continuous_update=True, **row())
        self.seed = widgets.BoundedIntText(0, min=0, max=10**6, description="seed", **row(200))
        self.report = widgets.HTML(layout=widgets.Layout(width="330px"))
        self.drawing = PatternDrawing(most=MOST + 1)
        memo = functools.lru_cache(maxsize=256)
        self._closed: Callable[[str, int, int, str, int], tuple[Expected, Curve]] = memo(
            self._closed_forms)
        self._run: Callable[[_Key], Measured] = memo(self._measure)
        self._shown: Callable[[_Key], tuple[bytes, str]] = functools.lru_cache(maxsize=128)(
            self._render)
        self._mount(self.drawing, (self.pattern, self.n, self.mean_ms, self.slow_share,
                                   self.slow_ms, self.availability, self.seed), self.report)
        self.set(pattern=pattern, n=n, mean_ms=mean_ms, slow_share=slow_share,
                 slow_ms=slow_ms, availability=availability, seed=seed)

    def _key(self) -> _Key:
        return (self.pattern.value, int(self.n.value), int(self.mean_ms.value),
                self.slow_share.value, int(self.slow_ms.value), self.availability.value,
                int(self.seed.value))

    def set(self, **values: object) -> None:
        """Move controls by name, all at once: ``set(pattern="chain", n=10)``.

        Names are :attr:`CONTROLS`. A value outside a control's range or choices raises
        a :class:`TheoryError` naming what is allowed, and nothing moves.
        """
        state = self.controls_after(values)
        pattern = choice(_OWNER, "pattern", state["pattern"], tuple(PATTERNS))
        n = whole(_OWNER, "n", state["n"], 1, MOST)
        mean_ms = one_of(_OWNER, "mean_ms", state["mean_ms"], MEANS_MS)
        share = choice(_OWNER, "slow_share", state["slow_share"], tuple(SLOW_SHARES))
        slow_ms = one_of(_OWNER, "slow_ms", state["slow_ms"], SLOW_MS)
        availability = choice(_OWNER, "availability", state["availability"],
                              tuple(AVAILABILITIES))
        seed = whole(_OWNER, "seed", state["seed"], 0, self.seed.max)
        with self._moving():
            self.pattern.value, self.n.value, self.mean_ms.value = pattern, n, mean_ms
            self.slow_share.value, self.slow_ms.value = share, slow_ms
            self.availability.value, self.seed.value = availability, seed
            self.slow_ms.disabled = SLOW_SHARES[share] == 0
        self._show()

    def view(self) -> PatternView:
        """What the controls describe, as the figure draws it."""
        return self._view(_model_key(self._key()))

    def describe(self) -> str:
        """The request, its numbers expected and measured, and what to notice, as text."""
        key = _model_key(self._key())
        view = self._view(key)
        run = view.measured
        lines = [self._heading(view),
                 f"mean {_ms(view.expected.mean)} (run {_ms(run.mean)}), "
                 f"p50 {_ms(view.expected.p50)} (run {_ms(run.p50)}), "
                 f"p99 {_ms(view.expected.p99)} (run {_ms(run.p99)})",
                 f"availability {view.end_to_end:.3%} (run {run.availability:.3%}, "
                 f"{run.answered} of {run.requests} answered)",
                 latency_sentence(view, key[3]), availability_sentence(view)]
        return "\n".join(lines)

    @staticmethod
    def _heading(view: PatternView) -> str:
        call = view.call
        slow = (f", {call.p:.1%} of calls {_ms(call.slow)} slower" if call.p else "")
        calls = "1 call" if view.n == 1 else f"{view.n} calls"
        return (f"{PATTERNS[view.pattern]}: {calls}, {view.hops} hops; fast calls "
                f"{_ms(call.fast)} on average{slow}")

    def _closed_forms(self, pattern: str, n: int, mean_ms: int, share: str,
                      slow_ms: int) -> tuple[Expected, Curve]:
        call = _call(mean_ms, share, slow_ms)
        return expected_latency(pattern, n, call), latency_curve(pattern, n, call)

    def _measure(self, key: _Key) -> Measured:
        pattern, n, mean_ms, share, slow_ms, availability, seed = key
        return measure(pattern, n, _call(mean_ms, share, slow_ms),
                       AVAILABILITIES[availability], requests=REQUESTS, seed=seed)

    def _view(self, key: _Key) -> PatternView:
        pattern, n, mean_ms, share, slow_ms, availability, _ = key
        expected, curve = self._closed(pattern, n, mean_ms, share, slow_ms)
        a = AVAILABILITIES[availability]
        return PatternView(pattern, n, _call(mean_ms, share, slow_ms), a, expected, curve,
                           expected_availability(pattern, n, a), self._run(key))

    def _render(self, key: _Key) -> tuple[bytes, str]:
        view = self._view(key)
        self.drawing.show(view)
        body = (f"<p class='msa-summary'>{html.escape(self._heading(view))}; "
                f"{REQUESTS} requests, seed {key[-1]}</p>{_table(view)}"
                f"<p class='msa-notice'>{html.escape(latency_sentence(view, key[3]))}</p>"
                f"<p class='msa-notice'>{html.escape(availability_sentence(view))}</p>")
        return self.canvas.png(), report_html(body)

    def _changed(self, change: dict[str, object]) -> None:
        if self._holding:
            return
        if change.get("owner") is self.slow_share:
            self.set(slow_share=change["new"])  # enables or disables the slow delay
        else:
            self._show()

    def _show(self) -> None:
        self.image.value, self.report.value = self._shown(_model_key(self._key()))

    def __repr__(self) -> str:
        pattern, n, mean_ms, share, slow_ms, availability, seed = self._key()
        return (f"PatternExplorer(pattern={pattern!r}, n={n}, mean_ms={mean_ms}, "
                f"slow_share={share!r}, slow_ms={slow_ms}, availability={availability!r}, "
                f"seed={seed})")


def _model_key(key: _Key) -> _Key:
    """``key`` with the slow delay at its default when no call is slow, so settings
    that differ only there are one."""
    pattern, n, mean_ms, share, slow_ms, availability, seed = key
    return (pattern, n, mean_ms, share, slow_ms if SLOW_SHARES[share] else SLOW_MS_DEFAULT,
            availability, seed)

