"""Strategy 7.1.2 (金丝雀部署), canary release, as Flagger and Argo Rollouts run it.

A canary release sends a small, growing share of the traffic to the new version while a
check watches it, and promotes or rolls back on what the check sees. Two controllers:

* :func:`flagger`: Flagger's schedule, a tick every ``interval``: wait for the canary to
  be ready; roll back once ``threshold`` checks have failed; on the first tick raise the
  weight without analysis; on each later tick run the check, count a failure and hold the
  weight, or raise it by ``step_weight`` (capped at 100, not at ``max_weight``); once the
  weight has reached ``max_weight`` and a check passes, promote: copy the canary's spec to
  the primary (a rolling update of the primary Deployment), route all traffic to the
  primary when it is ready, and scale the canary to zero on the next tick.
  :func:`promotion_time` and :func:`rollback_time` give its times in closed form;
* :func:`argo`: Argo Rollouts' explicit steps, ``("setWeight", percent)`` and ``("pause",
  seconds)``, with the canary ReplicaSet scaled to the weight's share of the replicas and
  an analysis in the background that aborts the rollout (all traffic back to stable) once
  more than ``failure_limit`` measurements fail.

A check is any :class:`~msatheory.deployment.analysis.Check`: Flagger's built-in thresholds
(:class:`~msatheory.deployment.analysis.ThresholdCheck`) or Kayenta's judgement against a
**baseline** (:class:`~msatheory.deployment.analysis.JudgeCheck`). A check that needs a
baseline gets one: fresh pods of the old version, as many as the canary's, receiving the
canary's share of traffic (taken from the primary; both get ``min(w, 100 - w)`` percent
when the canary's weight ``w`` exceeds 50). :func:`compare` runs a good, an erroring and a
slow release under every strategy of the chapter and tables their measures.

The module stops at one service, request traffic only (no mirroring, no A/B matching, no
webhooks or manual gates: an Argo ``pause`` must have a duration).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from msatheory.deployment.analysis import BUILTIN, Check
from msatheory.deployment.bluegreen import blue_green
from msatheory.deployment.release import (
    OLD,
    SERVICE,
    STEP,
    ReleaseReport,
    Service,
    Version,
    World,
    erroring,
    good,
    slow,
)
from msatheory.deployment.rolling import Deployment, rolling
from msatheory.errors import (
    TheoryError,
    require_count,
    require_duration,
    require_instance,
    require_items,
)

__all__ = [
    "ARGO_STEPS",
    "Comparison",
    "argo",
    "compare",
    "flagger",
    "promotion_time",
    "rollback_time",
]

ARGO_STEPS: tuple[tuple[str, int], ...] = (
    ("setWeight", 20), ("pause", 60), ("setWeight", 40), ("pause", 60),
    ("setWeight", 60), ("pause", 60), ("setWeight", 80), ("pause", 60),
)
"""Argo Rollouts' documented canary example, with each pause one minute."""


def _weight(owner: str, what: str, value: object) -> int:
    """A traffic weight in percent, 1 to 100."""
    weight = require_count(owner, what, value, least=1)
    if weight > 100:
        raise TheoryError(f"{owner}: {what} must be a percentage at most 100, not {value!r}")
    return weight


def promotion_time(interval: float, max_weight: int, step_weight: int) -> float:
    """Strategy 7.1.2 (金丝雀部署): Flagger's time from the start of analysis to promotion.

    Flagger's first tick raises the weight to ``step_weight`` without analysis; each later
    tick runs the checks and, when they pass, raises the weight by ``step_weight``
    (capped at 100, not at ``max_weight``), until a tick finds the weight at ``max_weight``
    or above and promotes. With every check passing, promotion comes
    ``ceil(max_weight / step_weight)`` intervals after the start. Flagger documents
    ``interval * max_weight / step_weight``: exact when ``step_weight`` divides
    ``max_weight``; otherwise the last step overshoots ``max_weight`` and the quotient
    rounds up (``maxWeight: 50, stepWeight: 20`` promotes after 3 intervals, at weight 60).

    Parameters
    ----------
    interval : float
        Seconds between Flagger's ticks (``analysis.interval``).
    max_weight, step_weight : int
        ``analysis.maxWeight`` and ``analysis.stepWeight``, percentages 1 to 100.

    Returns
    -------
    float
        Seconds from "Starting canary analysis" to "Copying ... template spec".

    Raises
    ------
    TheoryError
        A non-positive interval or a weight outside 1-100.

    Examples
    --------
    >>> promotion_time(60, 50, 10), promotion_time(60, 50, 2)
    (300.0, 1500.0)
    >>> promotion_time(60, 50, 20)
    180.0

    References
    ----------
    fluxcd/flagger ``pkg/controller/scheduler.go`` (``advanceCanary``, ``runCanary``,
    ``nextStepWeight``, ``maxWeight``); Flagger docs, "Deployment Strategies: Canary
    Release" (``interval * (maxWeight / stepWeight)``; 25 minutes for 1m, 50, 2).
    """
    owner = "promotion_time"
    interval = require_duration(owner, "interval", interval, positive=True)
    max_weight = _weight(owner, "max_weight", max_weight)
    step_weight = _weight(owner, "step_weight", step_weight)
    return interval * -(-max_weight // step_weight)


def rollback_time(interval: float, threshold: int) -> float:
    """Strategy 7.1.2 (金丝雀部署): Flagger's time from the first failed check to rollback.

    A failed check holds the weight and counts one failure; the tick after the
    ``threshold``-th failure rolls back. With every check failing from the first, that is
    ``interval * threshold`` after the first failed check, as Flagger documents, and one
    interval more after the start of analysis (whose first tick runs no check).

    Parameters
    ----------
    interval : float
        Seconds between ticks.
    threshold : int
        ``analysis.threshold``, failed checks before rollback (at least 1).

    Returns
    -------
    float
        Seconds from the first failed check to the rollback.

    Raises
    ------
    TheoryError
        A non-positive interval or threshold.

    Examples
    --------
    >>> rollback_time(60, 5)
    300.0

    References
    ----------
    fluxcd/flagger ``pkg/controller/scheduler.go`` (``advanceCanary``: the threshold test
    before the analysis, ``SetStatusFailedChecks``); Flagger docs, "Deployment
    Strategies" (``interval * threshold``).
    """
    owner = "rollback_time"
    threshold = require_count(owner, "threshold", threshold, least=1)
    return promotion_time(interval, 1, 1) * threshold


# --- the canary's pods and traffic --------------------------------------------------------


class _Canary:
    """The canary's (and baseline's) pods and the traffic weights of a canary release."""

    def __init__(self, world: World, check: Check):
        self.world, self.check = world, check
        self.weight = 0
        self.baseline = check.needs_baseline

    def scale(self, count: int) -> None:
        """Scale the canary, and its baseline while there is one, to ``count`` pods."""
        world = self.world
        groups = [("canary", world.new)]
        if self.baseline:
            groups.append(("baseline", world.old))
        for group, version in groups:
            have = world.count(group)
            if count > have:
                world.spawn(group, version, count - have)
            elif count < have:
                world.delete(group, have - count)

    def ready(self) -> bool:
        """Whether every canary (and baseline) pod is ready."""
        world = self.world
        return all(world.count(g) == world.count(g, ready=True)
                   for g in ("canary", "baseline"))

    def end_analysis(self) -> None:
        """Delete the baseline: the analysis is over."""
        if self.baseline:
            self.world.delete("baseline", self.world.count("baseline"))
            self.baseline = False

    def weights(self) -> dict[str, float]:
        """The share of requests to primary, canary and baseline."""
        canary = self.weight / 100
        baseline = min(canary, 1 - canary) if self.baseline else 0.0
        return {"primary": 1 - canary - baseline, "canary": canary, "baseline": baseline}

    def analyse(self, interval: int) -> bool | None:
        """Run the check on the last ``interval``; None when the canary served nothing."""
        window = self.world.window(self.world.now - interval, ["canary"], ["baseline"])
        if not window.new:
            return None
        result = self.check(window)
        self.world.decide(result.label)
        return result.passed

    def abort(self, why: str) -> None:
        """All traffic back to the primary; canary and baseline scaled to zero."""
        self.world.decide(f"rollback ({why})", rollback=True)
        self.weight = 0
        self.scale(0)
        self.end_analysis()
        self.world.note("rolled back")


def _validate(owner: str, new: Version, check: Check, horizon: int) -> int:
    require_instance(owner, "new", new, Version)
    require_instance(owner, "check", check, cast(type, Check))
    return require_count(owner, "horizon", horizon, least=STEP)


def _interval(owner: str, interval: int) -> int:
    interval = require_count(owner, "interval", interval, least=STEP)
    if interval % STEP:
        raise TheoryError(f"{owner}: interval must be a multiple of {STEP} seconds, not "
                          f"{interval!r}")
    return interval


def flagger(new: Version, *, old: Version = OLD, service: Service = SERVICE,
            interval: int = 60, threshold: int = 5, max_weight: int = 50,
            step_weight: int = 10, check: Check = BUILTIN,
            canary_replicas: int | None = None, progress_deadline: int = 600,
            horizon: int = 3600, seed: int = 0) -> ReleaseReport:
    """Strategy 7.1.2 (金丝雀部署): release ``new`` as Flagger's canary analysis does.

    At time 0 Flagger detects the new revision and scales the canary up (to
    ``canary_replicas``, the service's replicas by default, as the target Deployment keeps
    its replicas). Then every ``interval`` seconds a tick, in the order of Flagger's
    ``advanceCanary``:

    1. during promotion, wait for the primary's rolling update, then route all traffic to
       the primary; after that, scale the canary to zero (``"promoted"``);
    2. wait while the canary is not ready (roll back after ``progress_deadline``);
    3. roll back when the failed checks have reached ``threshold`` (traffic to the
       primary at once, the canary scaled to zero);
    4. at weight 0, start the analysis without a check; otherwise run ``check`` on the
       last interval: a failure is counted and the weight held;
    5. below ``max_weight``, raise the weight by ``step_weight`` (to at most 100);
       at or above it, copy the canary's spec to the primary.

    Parameters
    ----------
    new, old : Version
        The release and the version running.
    service : Service
        Replicas, load, capacity and start-up time.
    interval, threshold, max_weight, step_weight : int
        ``analysis.interval`` (seconds, a multiple of 10), ``threshold``, ``maxWeight``
        and ``stepWeight`` (Flagger's tutorials: 1m, 5, 50, 10).
    check : Check
        Flagger's built-in thresholds by default; a check that needs a baseline gets one.
    canary_replicas : int, optional
        Pods of the canary (and of the baseline).
    progress_deadline : int
        Seconds the canary may take to become ready.
    horizon : int
        Seconds after which a release still running ends as ``"stuck"``.
    seed : int
        Seeds the traffic.

    Returns
    -------
    ReleaseReport
        The timeline and measures; ``time_to_rollback`` is 0, as routing back is at once.

    Raises
    ------
    TheoryError
        Bad weights, counts or durations.

    Examples
    --------
    >>> report = flagger(good())
    >>> report.outcome, report.time_to_full, report.extra_pods
    ('promoted', 420, 13)
    >>> [t for t, event in report.events() if event.startswith(("Starting", "Copying"))]
    [60, 360]
    >>> 360 - 60 == promotion_time(60, 50, 10), report.duration
    (True, 490)
    >>> failed = flagger(erroring())
    >>> failed.outcome, failed.decided_at, failed.time_to_rollback
    ('rolled back', 420, 0)
    >>> first = min(s.time for s in failed.timeline if s.decision == "Fail")
    >>> first, 420 - first == rollback_time(60, 5)
    (120, True)

    References
    ----------
    Strategy 7.1.2. fluxcd/flagger ``pkg/controller/scheduler.go`` (``advanceCanary``,
    ``runCanary``, ``runPromotionTrafficShift``, ``rollback``, ``checkCanaryStatus``);
    Flagger docs, "How it works" and "Deployment Strategies".
    """
    owner = "flagger"
    horizon = _validate(owner, new, check, horizon)
    interval = _interval(owner, interval)
    threshold = require_count(owner, "threshold", threshold, least=1)
    max_weight = _weight(owner, "max_weight", max_weight)
    step_weight = _weight(owner, "step_weight", step_weight)
    deadline = require_count(owner, "progress_deadline", progress_deadline, least=1)
    world = World(service, old, new, seed=seed, group="primary", strategy=owner)
    replicas = service.replicas if canary_replicas is None else require_count(
        owner, "canary_replicas", canary_replicas, least=1)
    primary = Deployment(world, "primary")
    canary = _Canary(world, check)
    world.note("New revision detected! Scaling up canary")
    canary.scale(replicas)
    phase, failed, started, full_at = "Progressing", 0, False, None
    while world.now < horizon:
        for action in primary.reconcile():
            world.note(f"primary {action}")
        if world.now % interval == 0 and world.now > 0:
            if phase == "Finalising":
                canary.scale(0)
                world.note("promoted")
                return world.finish("promoted", {"primary": 1.0}, full_at=full_at)
            if phase == "Promoting":
                if primary.complete():
                    canary.weight, phase, full_at = 0, "Finalising", world.now
                    world.note("Routing all traffic to primary")
            elif not canary.ready():
                if world.now > deadline:
                    canary.abort("canary progress deadline exceeded")
                    return world.finish("rolled back", {"primary": 1.0})
            elif failed >= threshold:
                canary.abort(f"failed checks threshold reached {failed}")
                return world.finish("rolled back", {"primary": 1.0})
            else:
                passed = True
                if started:
                    passed = canary.analyse(interval) is not False
                else:
                    started = True
                    world.note("Starting canary analysis")
                if not passed:
                    failed += 1
                elif canary.weight < max_weight:
                    canary.weight = min(100, canary.weight + step_weight)
                    world.note(f"Advance canary weight {canary.weight}")
                else:
                    primary.apply(new)
                    canary.end_analysis()
                    phase = "Promoting"
                    world.note("Copying canary template spec to primary")
                    for action in primary.reconcile():
                        world.note(f"primary {action}")
        world.serve(canary.weights())
    return world.finish("stuck", canary.weights())


def argo(new: Version, *, old: Version = OLD, service: Service = SERVICE,
         steps: Sequence[tuple[str, int]] = ARGO_STEPS, check: Check = BUILTIN,
         interval: int = 60, failure_limit: int = 0, scale_down_delay: int = 30,
         horizon: int = 3600, seed: int = 0) -> ReleaseReport:
    """Strategy 7.1.2 (金丝雀部署): release ``new`` through Argo Rollouts' canary steps.

    The stable ReplicaSet keeps every replica. ``("setWeight", w)`` scales the canary
    ReplicaSet to ``ceil(w * replicas / 100)`` pods and, once they are available, sends
    them ``w`` percent of the traffic (until then the previous weight holds);
    ``("pause", s)`` waits ``s`` seconds. A background analysis measures the canary every
    ``interval`` seconds once it serves; when more than ``failure_limit`` measurements
    have failed, the rollout aborts: all traffic back to stable, the canary scaled to zero.
    After the last step the canary is scaled to every replica, becomes stable once
    available (all traffic), and the old ReplicaSet is scaled down ``scale_down_delay``
    seconds later.

    Parameters
    ----------
    new, old : Version
        The release and the version running.
    service : Service
        Replicas, load, capacity and start-up time.
    steps : sequence of (str, int)
        ``("setWeight", percent)`` and ``("pause", seconds)``; :data:`ARGO_STEPS` by
        default.
    check : Check
        The analysis; a check that needs a baseline gets one.
    interval, failure_limit : int
        The metric's ``interval`` (seconds, a multiple of 10) and ``failureLimit``
        (Argo's default 0: the first failure aborts).
    scale_down_delay : int
        ``scaleDownDelaySeconds`` (30).
    horizon : int
        Seconds after which a release still running ends as ``"stuck"``.
    seed : int
        Seeds the traffic.

    Returns
    -------
    ReleaseReport
        The timeline and the measures.

    Raises
    ------
    TheoryError
        A step that is not ``setWeight`` or ``pause``, or bad counts.

    Examples
    --------
    >>> report = argo(good())
    >>> report.outcome, report.time_to_full, report.extra_pods
    ('promoted', 390, 10)
    >>> aborted = argo(slow())
    >>> aborted.outcome, aborted.decided_at, aborted.bad_requests < report.bad_requests * 20
    ('rolled back', 60, True)

    References
    ----------
    Strategy 7.1.2. Argo Rollouts docs, "Canary" (``setWeight``, ``pause``, background
    analysis, abort) and "Analysis" (``interval``, ``failureLimit``);
    argoproj/argo-rollouts ``rollout/trafficrouting.go`` (``reconcileTrafficRouting``:
    "Use the previous weight since the new RS is not ready for a new weight") and
    ``utils/replicaset/canary.go`` (``GetDesiredReplicaCountsForCanary``,
    ``AtDesiredReplicaCountsForCanary``).
    """
    owner = "argo"
    horizon = _validate(owner, new, check, horizon)
    interval = _interval(owner, interval)
    plan = _steps(owner, steps)
    failure_limit = require_count(owner, "failure_limit", failure_limit)
    scale_down_delay = require_count(owner, "scale_down_delay", scale_down_delay)
    world = World(service, old, new, seed=seed, group="primary", strategy=owner)
    canary = _Canary(world, check)
    replicas = service.replicas
    index, step_since, failures, last_check = 0, 0, 0, 0
    full_at: int | None = None
    while world.now < horizon:
        if full_at is None and world.now - last_check >= interval and canary.weight:
            last_check = world.now
            if canary.analyse(interval) is False:
                failures += 1
            if failures > failure_limit:
                canary.abort(f"analysis failed {failures} times")
                return world.finish("rolled back", {"primary": 1.0})
        if full_at is not None:
            if world.now - full_at >= scale_down_delay:
                world.delete("primary", replicas)
                world.note(f"scaled down {old.name}; promoted")
                return world.finish("promoted", {"stable": 1.0}, full_at=full_at)
        elif index < len(plan):
            kind, value = plan[index]
            if kind == "setWeight":
                canary.scale(-(-value * replicas // 100))
                if canary.ready():
                    canary.weight = value
                    world.note(f"setWeight {value}")
                    index, step_since = index + 1, world.now
            elif world.now - step_since >= value:
                index, step_since = index + 1, world.now
                continue
        else:
            canary.end_analysis()
            canary.scale(replicas)
            if canary.ready():
                world.move("canary", "stable")
                canary.weight, full_at = 0, world.now
                world.note(f"{new.name} is stable")
        world.serve({"stable": 1.0} if full_at is not None else canary.weights())
    return world.finish("stuck", {"stable": 1.0} if full_at is not None else canary.weights())


def _steps(owner: str, steps: object) -> tuple[tuple[str, int], ...]:
    """Argo steps checked: ``setWeight`` percentages and ``pause`` seconds."""
    if isinstance(steps, str) or not isinstance(steps, Sequence):
        raise TheoryError(f"{owner}: steps must be a list of (kind, value) pairs, not "
                          f"{steps!r}")
    plan = []
    for step in steps:
        if not (isinstance(step, tuple) and len(step) == 2
                and step[0] in ("setWeight", "pause")):
            raise TheoryError(f"{owner}: a step must be ('setWeight', percent) or "
                              f"('pause', seconds), not {step!r}")
        kind, value = step
        plan.append((kind, _weight(owner, "setWeight", value) if kind == "setWeight"
                     else require_count(owner, "pause", value)))
    return tuple(plan)


# --- the comparison -----------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Strategies 7.1.1-7.1.3 (部署策略) side by side: each ``(strategy, release)`` pair's
    :class:`~msatheory.deployment.release.ReleaseReport` in ``reports``."""

    reports: tuple[tuple[str, str, ReleaseReport], ...]

    def report(self, strategy: str, release: str) -> ReleaseReport:
        """The report of ``strategy`` releasing ``release``."""
        for s, r, report in self.reports:
            if (s, r) == (strategy, release):
                return report
        raise TheoryError(f"Comparison: no run of {strategy!r} releasing {release!r}")

    def table(self) -> str:
        """One line per run, under 100 characters a line."""
        def seconds(value: int | None) -> str:
            return "-" if value is None else str(value)
        lines = [f"{'strategy':<11}{'release':<10}{'outcome':<12}{'bad':>6}{'budget':>8}"
                 f"{'capacity':>9}{'extra':>6}{'full s':>7}{'back s':>7}"]
        for strategy, release, r in self.reports:
            lines.append(f"{strategy:<11}{release:<10}{r.outcome:<12}{r.bad_requests:>6}"
                         f"{r.budget_consumed:>8.2%}{r.least_capacity:>9.2f}"
                         f"{r.extra_pods:>6}{seconds(r.time_to_full):>7}"
                         f"{seconds(r.time_to_rollback):>7}")
        return "\n".join(lines)


def compare(check: Check = BUILTIN, *, service: Service = SERVICE,
            releases: Sequence[Version] = (good(), erroring(), slow()),
            seed: int = 0) -> Comparison:
    """Strategies 7.1.1-7.1.3 (部署策略): each release under each strategy, one check.

    Rolling and blue-green are watched by ``check`` every minute (rolling until five
    minutes after its rollout completes, blue-green through its bake), rolling back on
    the first failure; Flagger and Argo run with their defaults.

    Parameters
    ----------
    check : Check
        The check every strategy uses.
    service : Service
        The service released.
    releases : sequence of Version
        The new versions tried (good, erroring and slow by default).
    seed : int
        Seeds every run alike.

    Returns
    -------
    Comparison
        A report per strategy and release, strategies in the order rolling, blue-green,
        flagger, argo.

    Raises
    ------
    TheoryError
        A bad check, service or release.

    Examples
    --------
    >>> table = compare().table().splitlines()
    >>> table[0].split()
    ['strategy', 'release', 'outcome', 'bad', 'budget', 'capacity', 'extra', 'full', 's', \
'back', 's']
    >>> len(table)
    13

    References
    ----------
    Strategies 7.1.1-7.1.3; Google SRE Workbook, "Canarying Releases".
    """
    owner = "compare"
    require_instance(owner, "check", check, cast(type, Check))
    versions = require_items(owner, "releases", releases, Version, distinct=True)
    runs = []
    for version in versions:
        label = version.name.removeprefix("v2-") if version.name != "v2" else "good"
        for strategy, report in (
                ("rolling", rolling(version, service=service, check=check, bake=300,
                                    seed=seed)),
                ("blue-green", blue_green(version, service=service, check=check, seed=seed)),
                ("flagger", flagger(version, service=service, check=check, seed=seed)),
                ("argo", argo(version, service=service, check=check, seed=seed))):
            runs.append((strategy, label, report))
    return Comparison(tuple(runs))

