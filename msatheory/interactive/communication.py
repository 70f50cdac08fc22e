"""Chapter 5's explorer: a circuit breaker and a retry policy through an outage.

Strategy 5.3.2 (熔断器模式) and Strategy 5.3.1 (重试机制) over five minutes of virtual
time: :class:`BreakerExplorer` runs the breaker lab
(:func:`msatheory.communication.lab.run`) on a preset profile whose outages the learner
can make partial or slow, with a breaker and a retry policy of their choice, and draws
the run second by second (:class:`~msatheory.interactive.figures.communication.BreakerDrawing`)
beside its totals: what succeeded, what was rejected fast, how many attempts each request
cost the dependency during the outage, and how long the breaker took to open and to close.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable

import ipywidgets as widgets

from msatheory.communication.lab import (
    BREAKERS,
    PROFILES,
    RETRIES,
    BreakerRun,
    profile,
    run,
)
from msatheory.errors import require_fraction
from msatheory.interactive.explorer import Explorer, choice, report_html, row, whole
from msatheory.interactive.figures.communication import BreakerDrawing, phase_label

__all__ = ["BreakerExplorer"]

#: The latency slider's range, milliseconds.
_LATENCY = (0, 2000)
_OWNER = "BreakerExplorer"

#: What determines a run: profile, failure rate, latency, breaker, retry policy, seed.
_Key = tuple[str, float, int, str, str, int]


class BreakerExplorer(Explorer):
    """Strategies 5.3.1 and 5.3.2 (重试机制, 熔断器模式) by hand: a dependency's outage,
    the breaker that guards it and the retries that hit it, second by second.

    Controls: the ``profile`` (a preset of :data:`~msatheory.communication.lab.PROFILES`;
    choosing one sets the next two controls to its values), the share of attempts that
    fail during the outages (``failure_rate``), the dependency's latency during them
    (``latency_ms``; above the 1000 ms timeout, every attempt times out), the
    ``breaker`` (:data:`~msatheory.communication.lab.BREAKERS`), the ``retry`` policy
    (:data:`~msatheory.communication.lab.RETRIES`) and the ``seed`` of the arrivals,
    failures and jitter. :meth:`set` moves controls by name, checked before anything
    moves, so the explorer is testable without a browser. Runs and pictures are memoised
    by the controls.
    """

    #: The names :meth:`set` accepts.
    CONTROLS = ("profile", "failure_rate", "latency_ms", "breaker", "retry", "seed")

    def __init__(self, profile: str = "outage", *, failure_rate: float | None = None,
                 latency_ms: int | None = None, breaker: str = "consecutive",
                 retry: str = "exponential", seed: int = 0):
        self.profile = widgets.Dropdown(options=list(PROFILES), value="outage",
                                        description="profile", **row())
        self.failure_rate = widgets.FloatSlider(1.0, min=0, max=1, step=0.1,
                                                description="outage fails",
                                                readout_format=".0%", continuous_update=True,
                                                **row())
        self.latency_ms = widgets.IntSlider(50, min=_LATENCY[0], max=_LATENCY[1], step=50,
                                            description="latency (ms)",
                                            continuous_update=True, **row())
        self.breaker = widgets.Dropdown(options=list(BREAKERS), value="consecutive",
                                        description="breaker", **row())
        self.retry = widgets.Dropdown(options=list(RETRIES), value="exponential",
                                      description="retry", **row())
        self.seed = widgets.BoundedIntText(0, min=0, max=10**6, description="seed",
                                           **row(200))
        self.report = widgets.HTML(layout=widgets.Layout(width="330px"))
        self.drawing = BreakerDrawing(compare=False)
        memo = functools.lru_cache(maxsize=64)
        self._run: Callable[[_Key], BreakerRun] = memo(self._compute)
        self._shown: Callable[[_Key], tuple[bytes, str]] = memo(self._render)
        self._mount(self.drawing, (self.profile, self.failure_rate, self.latency_ms,
                                   self.breaker, self.retry, self.seed), self.report)
        values: dict[str, object] = {"profile": profile, "breaker": breaker, "retry": retry,
                                     "seed": seed}
        if failure_rate is not None:
            values["failure_rate"] = failure_rate
        if latency_ms is not None:
            values["latency_ms"] = latency_ms
        self.set(**values)

    def _key(self) -> _Key:
        return (self.profile.value, round(float(self.failure_rate.value), 6),
                int(self.latency_ms.value), self.breaker.value, self.retry.value,
                int(self.seed.value))

    def set(self, **values: object) -> None:
        """Move controls by name, all at once: ``set(breaker="rate", failure_rate=0.3)``.

        Names are :attr:`CONTROLS`. Giving ``profile`` sets ``failure_rate`` and
        ``latency_ms`` to the preset's values, unless they are given too. A value outside
        a control's range or choices raises a :class:`TheoryError` naming what is
        allowed, and nothing moves.
        """
        state = self.controls_after(values)
        if "profile" in values:
            preset = PROFILES[choice(_OWNER, "profile", values["profile"], tuple(PROFILES))]
            state |= {"failure_rate": preset.failure_rate,
                      "latency_ms": round(preset.latency_ms)} | values
        name = choice(_OWNER, "profile", state["profile"], tuple(PROFILES))
        share = require_fraction(_OWNER, "failure_rate", state["failure_rate"])
        latency = whole(_OWNER, "latency_ms", state["latency_ms"], *_LATENCY)
        breaker = choice(_OWNER, "breaker", state["breaker"], tuple(BREAKERS))
        retry = choice(_OWNER, "retry", state["retry"], tuple(RETRIES))
        seed = whole(_OWNER, "seed", state["seed"], 0, self.seed.max)
        with self._moving():
            self.profile.value, self.breaker.value, self.retry.value = name, breaker, retry
            self.failure_rate.value, self.latency_ms.value = share, latency
            self.seed.value = seed
        self._show()

    def run(self) -> BreakerRun:
        """The run the controls describe."""
        return self._run(self._key())

    def describe(self) -> str:
        """The run in four lines: the outages, what became of the requests, the load on
        the dependency during the outages, and the breaker's timing."""
        return self._describe(self._key())

    def _describe(self, key: _Key) -> str:
        name, _, _, breaker, retry, seed = key
        result = self._run(key)
        s = result.summary
        spans = ", ".join(f"{a:g}-{b:g}" for a, b in PROFILES[name].outages)
        outage = next(p for p in result.phases if p.start == PROFILES[name].outages[0][0])
        load = "" if s.load is None else f"; load multiplier in the outages {s.load:g}"
        return (f"{name} (seed {seed}), outages at {spans} s: {phase_label(outage)}\n"
                f"{s.requests} requests: {s.succeeded} succeeded ({s.success_rate:.1%}), "
                f"{s.failed} failed, {s.rejected} rejected fast\n"
                f"{_breaker(breaker)}, {retry}: {s.attempts} attempts, {s.retries} of them "
                f"retries{load}\n{_timing(result)}")

    def _compute(self, key: _Key) -> BreakerRun:
        name, share, latency, breaker, retry, seed = key
        return run(profile(name, share, latency), breaker=breaker, retry=retry, seed=seed)

    def _render(self, key: _Key) -> tuple[bytes, str]:
        self.drawing.show(self._run(key))
        lines = [html.escape(line) for line in self._describe(key).splitlines()]
        return self.canvas.png(), report_html(
            f"<p class='msa-summary'>{'<br>'.join(lines)}</p>")

    def _changed(self, change: dict[str, object]) -> None:
        if self._holding:
            return
        if change.get("owner") is self.profile:
            self.set(profile=change["new"])
        else:
            self._show()

    def _show(self) -> None:
        self.image.value, self.report.value = self._shown(self._key())

    def __repr__(self) -> str:
        name, share, latency, breaker, retry, seed = self._key()
        return (f"BreakerExplorer(profile={name!r}, failure_rate={share:g}, "
                f"latency_ms={latency}, breaker={breaker!r}, retry={retry!r}, seed={seed})")


def _breaker(breaker: str) -> str:
    return "no breaker" if breaker == "none" else f"{breaker} breaker"


def _timing(result: BreakerRun) -> str:
    """The breaker's timing as a sentence."""
    if result.breaker == "none":
        return "without a breaker, every attempt reaches the dependency"
    if not result.transitions:
        return "the breaker never opened"
    detect, close = result.summary.detect, result.summary.close
    opened = ("it did not open during the first outage" if detect is None else
              f"it opened {detect:.3f} s into the first outage")
    closed = ("did not close again" if close is None else
              f"closed {close:.3f} s after the last one ended")
    return f"{opened} and {closed}"
