"""Chapter 7's explorer: release a build by a strategy, watched by a check, and see what
its users get.

:class:`DeploymentExplorer` (Strategies 7.1.1 蓝绿部署, 7.1.2 金丝雀部署, 7.1.3 滚动部署)
runs one release of :mod:`msatheory.deployment` on its virtual clock: a rolling update
(:func:`~msatheory.deployment.rolling.rolling`), blue-green
(:func:`~msatheory.deployment.bluegreen.blue_green`), or a canary as Flagger
(:func:`~msatheory.deployment.canary.flagger`) or Argo Rollouts
(:func:`~msatheory.deployment.canary.argo`) runs it; of one of the builds of
:mod:`msatheory.deployment.release` (:data:`RELEASES`); watched by Flagger's p99 threshold,
a mean-latency threshold, or Kayenta's judge against a baseline (:data:`CHECKS`). It
shows the :class:`~msatheory.deployment.release.ReleaseReport`'s timeline with
:mod:`msatheory.interactive.figures.deployment`, and its measures, decisions and events
beside it. Runs and pictures are memoised by their controls.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from types import MappingProxyType

import ipywidgets as widgets

from msatheory.deployment.analysis import Check, JudgeCheck, ThresholdCheck
from msatheory.deployment.bluegreen import blue_green
from msatheory.deployment.canary import argo, flagger
from msatheory.deployment.release import ReleaseReport, Version, broken, erroring, good, slow
from msatheory.deployment.rolling import rolling
from msatheory.interactive.explorer import Explorer, choice, one_of, report_html, row, whole
from msatheory.interactive.figures.deployment import ReleaseDrawing, ReleaseView

__all__ = ["BAKES", "CHECKS", "HORIZON", "RELEASES", "STEP_WEIGHTS", "STRATEGIES",
           "DeploymentExplorer"]

#: The strategies, by the names :meth:`DeploymentExplorer.set` takes, with their labels.
STRATEGIES = MappingProxyType({
    "rolling": "rolling update (7.1.3)",
    "blue-green": "blue-green (7.1.1)",
    "flagger": "canary, Flagger (7.1.2)",
    "argo": "canary, Argo Rollouts (7.1.2)",
})
#: The builds released (each replaces the good ``v1``).
RELEASES: MappingProxyType[str, Callable[[], Version]] = MappingProxyType({
    "good": good, "erroring": erroring, "slow": slow, "broken": broken})
#: The checks, with their labels: Flagger's built-in thresholds (success rate and p99),
#: the same with the mean latency, and Kayenta's judge against a baseline.
CHECKS: MappingProxyType[str, tuple[str, Check]] = MappingProxyType({
    "p99": ("success ≥ 99%, p99 ≤ 500 ms", ThresholdCheck()),
    "mean": ("success ≥ 99%, mean ≤ 500 ms", ThresholdCheck(statistic="mean")),
    "judge": ("Kayenta: judge vs baseline", JudgeCheck()),
})
#: Seconds a rolling update or blue-green stays watched once complete (0 to 10 minutes).
BAKES = tuple(range(0, 601, 60))
#: Flagger's step weights offered (percent of traffic per interval).
STEP_WEIGHTS = (5, 10, 20, 25, 50)
#: Seconds after which a release still running ends as ``"stuck"`` (the models' default
#: is an hour; at seed 0 every release of the explorer that is not stuck ends within it,
#: the same as in an hour).
HORIZON = 1200

#: What determines a release: strategy, release, check, bake, step weight, seed.
_Key = tuple[str, str, str, int, int, int]


def _report_body(report: ReleaseReport) -> str:
    """The report's measures, its check's decisions and its events, as HTML."""
    lines = "<br>".join(html.escape(line.strip()) for line in report.describe().splitlines())
    decisions = _decisions(report)
    events = "".join(f"<li>{t} s: {html.escape(e)}</li>" for t, e in report.events())
    return (f"<p class='msa-summary'>{lines}</p>"
            f"<p class='msa-decisions'><b>decisions</b>: "
            f"{html.escape(decisions) if decisions else 'none'}</p>"
            f"<p style='margin-bottom:0'><b>events</b></p>"
            f"<ul class='msa-events' style='margin-top:0;padding-left:18px;font-size:90%'>"
            f"{events}</ul>")


class DeploymentExplorer(Explorer):
    """Strategies 7.1.1-7.1.3 (蓝绿部署, 金丝雀部署, 滚动部署) by hand: release a build of
    the service by one strategy, watched by one check, and watch the traffic split, the
    pods, the capacity, the bad requests and the check's decisions until it is promoted,
    rolled back or stuck.

    Controls: the ``strategy`` (:data:`STRATEGIES`: ``"rolling"``, ``"blue-green"``,
    ``"flagger"`` or ``"argo"``); the ``release`` (:data:`RELEASES`: ``"good"``,
    ``"erroring"``, ``"slow"`` or ``"broken"``); the ``check`` (:data:`CHECKS`: ``"p99"``,
    Flagger's built-in thresholds; ``"mean"``, the same with the mean latency; ``"judge"``,
    Kayenta against a baseline); the ``bake``, seconds a rolling update or blue-green
    stays watched once complete (one of :data:`BAKES`; the canaries ignore it); Flagger's
    ``step_weight`` (one of :data:`STEP_WEIGHTS`; the others ignore it); and the ``seed``
    of the traffic. A release still running after :data:`HORIZON` seconds ends as
    ``"stuck"``; every other parameter is the model's default. :meth:`set` moves
    controls by name, checked before anything moves.
    """

    #: The names :meth:`set` accepts.
    CONTROLS = ("strategy", "release", "check", "bake", "step_weight", "seed")

    def __init__(self, strategy: str = "flagger", *, release: str = "erroring",
                 check: str = "p99", bake: int = 300, step_weight: int = 10, seed: int = 0):
        self.strategy = widgets.Dropdown(options=[(v, k) for k, v in STRATEGIES.items()],
                                         value="flagger", description="strategy", **row())
        self.release = widgets.Dropdown(options=list(RELEASES), value="erroring",
                                        description="release", **row())
        self.check = widgets.Dropdown(options=[(label, k) for k, (label, _) in CHECKS.items()],
                                      value="p99", description="check", **row())
        self.bake = widgets.SelectionSlider(options=list(BAKES), value=300,
                                            description="bake (s)", continuous_update=True,
                                            **row())
        self.step_weight = widgets.SelectionSlider(options=list(STEP_WEIGHTS), value=10,
                                                   description="step weight",
                                                   continuous_update=True, **row())
        self.seed = widgets.BoundedIntText(0, min=0, max=10**6, description="seed", **row(200))
        self.report = widgets.HTML(layout=widgets.Layout(width="330px", max_height="330px",
                                                         overflow="auto"))
        self.drawing = ReleaseDrawing(titled=False)  # the report says what a title would
        memo = functools.lru_cache(maxsize=128)
        self._run: Callable[[_Key], ReleaseReport] = memo(self._simulate)
        self._shown: Callable[[_Key], tuple[bytes, str]] = memo(self._render)
        self._mount(self.drawing, (self.strategy, self.release, self.check, self.bake,
                                   self.step_weight, self.seed), self.report)
        self.set(strategy=strategy, release=release, check=check, bake=bake,
                 step_weight=step_weight, seed=seed)

    def _key(self) -> _Key:
        return (self.strategy.value, self.release.value, self.check.value,
                int(self.bake.value), int(self.step_weight.value), int(self.seed.value))

    def set(self, **values: object) -> None:
        """Move controls by name, all at once: ``set(strategy="argo", release="slow")``.

        Names are :attr:`CONTROLS`. A value outside a control's range or choices raises
        a :class:`TheoryError` naming what is allowed, and nothing moves.
        """
        owner = "DeploymentExplorer"
        state = self.controls_after(values)
        strategy = choice(owner, "strategy", state["strategy"], tuple(STRATEGIES))
        release = choice(owner, "release", state["release"], tuple(RELEASES))
        check = choice(owner, "check", state["check"], tuple(CHECKS))
        bake = one_of(owner, "bake", state["bake"], BAKES)
        step_weight = one_of(owner, "step_weight", state["step_weight"], STEP_WEIGHTS)
        seed = whole(owner, "seed", state["seed"], 0, self.seed.max)
        with self._moving():
            self.strategy.value, self.release.value, self.check.value = strategy, release, check
            self.bake.value, self.step_weight.value, self.seed.value = bake, step_weight, seed
            self.bake.disabled = strategy not in ("rolling", "blue-green")
            self.step_weight.disabled = strategy != "flagger"
        self._show()

    def result(self) -> ReleaseReport:
        """The release the controls describe, as the model reports it."""
        return self._run(_model_key(self._key()))

    def view(self) -> ReleaseView:
        """What the controls describe, as the figure draws it."""
        return self._view(self._key())

    def _view(self, key: _Key) -> ReleaseView:
        return ReleaseView(self._run(_model_key(key)), CHECKS[key[2]][0])

    def describe(self) -> str:
        """The release's measures (:meth:`~msatheory.deployment.release.ReleaseReport.describe`)
        and, on a last line, its check's decisions in order."""
        report = self.result()
        return f"{report.describe()}\n  decisions: {_decisions(report) or 'none'}"

    def _simulate(self, key: _Key) -> ReleaseReport:
        strategy, release, check, bake, step_weight, seed = key
        new, watch = RELEASES[release](), CHECKS[check][1]
        if strategy == "rolling":
            return rolling(new, check=watch, bake=bake, horizon=HORIZON, seed=seed)
        if strategy == "blue-green":
            return blue_green(new, check=watch, bake=bake, horizon=HORIZON, seed=seed)
        if strategy == "flagger":
            return flagger(new, check=watch, step_weight=step_weight, horizon=HORIZON,
                           seed=seed)
        return argo(new, check=watch, horizon=HORIZON, seed=seed)

    def _render(self, key: _Key) -> tuple[bytes, str]:
        view = self._view(key)
        if self.drawing.show(view):
            self.canvas.invalidate()
        return self.canvas.png(), report_html(_report_body(view.report))

    def _changed(self, change: dict[str, object]) -> None:
        if self._holding:
            return
        if change.get("owner") is self.strategy:
            self.set(strategy=change["new"])  # enables or disables bake and step weight
        else:
            self._show()

    def _show(self) -> None:
        self.image.value, self.report.value = self._shown(_model_key(self._key()))

    def __repr__(self) -> str:
        strategy, release, check, bake, step_weight, seed = self._key()
        return (f"DeploymentExplorer(strategy={strategy!r}, release={release!r}, "
                f"check={check!r}, bake={bake}, step_weight={step_weight}, seed={seed})")


def _model_key(key: _Key) -> _Key:
    """``key`` with the controls its strategy ignores set to their defaults, so runs
    that differ only there are one run."""
    strategy, release, check, bake, step_weight, seed = key
    return (strategy, release, check, bake if strategy in ("rolling", "blue-green") else 300,
            step_weight if strategy == "flagger" else 10, seed)


def _decisions(report: ReleaseReport) -> str:
    """The check's decisions in order, each with its time."""
    return ", ".join(f"{time} s {decision}" for time, decision in report.decisions())
