"""Chapter 7's errata: the Rust ``DeploymentManager`` of section 7, shown wrong by running it.

Each counterexample is the smallest input a reproducible hypothesis search (strategies in
:mod:`.strategies`) finds that breaks a property of the sketch ported as written
(:mod:`.sketch`); each correction is checked by a search over the same kind of input (a
smaller grid where one example runs a whole release) against the corrected models, which
share :mod:`.release`'s world: Flagger's progression with automatic rollback
(:func:`.canary.flagger`) judged by Kayenta against a baseline (:func:`.judge.judge`),
blue-green with a full green fleet and a bake time (:func:`.bluegreen.blue_green`), and
Kubernetes' rolling update with undo (:func:`.rolling.rolling`).

One root cause is one erratum. How the candidates were merged and split:

* **The canary is judged blind** (``7.canary-blind``). With the theory's getters a check
  passes with probability :func:`~.sketch.check_probability`, a little over 1/20,
  whatever the release does, so a release failing every request is promoted exactly as
  often as a perfect one. That the numbers are random is the declared stub's doing; the
  erratum holds whatever the stub does, because the sketch judges the canary the instant
  its traffic moves: no virtual time passes between ``allocate_traffic`` and
  ``monitor_canary``, so no getter can hold a request the canary served at its new
  weight.
* **No baseline** (``7.canary-no-baseline``) is a root cause of its own: give the sketch
  getters that answer the canary's true error ratio, observed for as long as one likes,
  and it still compares that ratio with a fixed 0.01, so a canary many times worse than
  the old version passes while the old version is healthy, and a canary no worse than
  the old version fails during an incident both share. Mending ``7.canary-blind`` (real
  readings over an interval) leaves this untouched, and mending this (a judge against a
  baseline) leaves the blind judgement untouched: two errata.
* **No rollback** (``7.canary-no-rollback``): whatever a check decides, the failing
  branch is empty, so the canary keeps its 10% or 50% and ``canary_deploy`` returns
  ``Ok``. The search drives the getters with any readings, so it holds whatever the stub
  does.
* **Blue deleted at the switch** (``7.blue-deleted``): nothing to switch back to.
* **Rolling stops half-way** (``7.rolling-half-way``): the first new instance that fails
  ``/health`` ends the update with ``Err``, some instances on each version, and the
  failed new instance left running.
* **Green is one instance** (``7.one-green-instance``): ``create_service_instance``
  starts one instance (``rolling_deploy`` calls it once per instance it replaces), and
  ``blue_green_deploy`` sends all the traffic to it, where Strategy 7.1.1 keeps two
  identical environments. A canary promoted to 100% ends the same way, one instance
  serving and the old ones left idle: the same root cause (nothing brings the new
  version to the service's size), so one erratum; and a different one from
  ``7.blue-deleted``, since keeping blue does not give green its size, nor the reverse.

Not errata: where Rust rejects the sketch (:data:`~.sketch.COMPILE_REJECTIONS`), and the
four getters marked 简化实现 (``STUBS``). A single response time with no percentile is the
stub's, not the sketch's: ``get_response_time`` returns one ``Duration`` the stub may
compute as it likes (a p99 over the last interval, by :mod:`.metrics`, is one choice), and
``monitor_canary`` compares it with 500 ms as an SLO on a percentile would; so it is
stated in the stub's ``stands_for`` rather than counted as a defect. An erratum must hold
whatever the stub does, and "no percentile" would not.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from functools import cache
from itertools import count

from hypothesis import strategies as st

from msatheory.deployment.analysis import JudgeCheck, ThresholdCheck
from msatheory.deployment.bluegreen import blue_green
from msatheory.deployment.canary import flagger
from msatheory.deployment.judge import judge
from msatheory.deployment.release import (
    Latency,
    Service,
    broken,
    erroring,
    good,
)
from msatheory.deployment.release import Version as ReleaseVersion
from msatheory.deployment.rolling import rolling
from msatheory.deployment.sketch import (
    CANARY_SHARES,
    DeploymentError,
    Fleet,
    ReadingMonitoringSystem,
    SketchDeploymentManager,
    Version,
    check_probability,
)
from msatheory.deployment.strategies import (
    RELEASES,
    blue_green_cases,
    comparisons,
    judged_releases,
    readings,
    rolling_cases,
)
from msatheory.errors import (
    TheoryError,
    require_choice,
    require_count,
    require_probability,
    require_seed,
)
from msatheory.theory.erratum import Counterexample, Erratum, Stub, holds_for_all

__all__ = [
    "ERRATA",
    "SERVICE",
    "STUBS",
    "blind_judge_passes",
    "blue_deleted",
    "canary_stays",
    "corrected_release",
    "green_undersized",
    "judged_alone",
    "promotion_frequency",
    "rolling_half_way",
    "run_canary",
    "sketch_release",
    "within_binomial_bound",
]

#: The service every scenario deploys.
SERVICE = "orders"
#: The old version: no errors, 100 ms.
STABLE = Version("v1")

BAD = judged_releases()
#: Bad releases and ten seeds of the corrected canary's traffic.
SEEDED_BAD = judged_releases(most_seed=9)
#: Releases for the corrected canary: error ratios (basis points) and medians (ms) on
#: both sides of Flagger's thresholds.
CORRECTED_READINGS = st.tuples(st.sampled_from((0, 50, 100, 200, 300)),
                               st.sampled_from((50, 200, 499, 500, 999)))
READINGS = readings()
COMPARISONS = comparisons()
BLUE_GREEN = blue_green_cases()
ROLLOUTS = rolling_cases()
#: Seconds the corrected blue-green keeps blue after the switch.
BAKE = 300


def _service(replicas: int) -> Service:
    """The corrected models' service of ``replicas`` pods, each sent 10 requests a second
    (half its capacity), as the default service of 10 pods at 100 requests a second."""
    return Service(replicas=replicas, rps=10.0 * replicas)


def sketch_release(kind: str) -> Version:
    """The new version ``v2`` of a scenario: ``"good"`` (no errors, 100 ms),
    ``"erroring"`` (every request fails) or ``"slow"`` (every request takes 2 s).

    >>> sketch_release("slow")
    Version(name='v2', error_ratio=0, latency_ms=2000, healthy=True)
    """
    chosen = require_choice("sketch_release", "kind", kind, RELEASES)
    return {"good": Version("v2"), "erroring": Version("v2", error_ratio=1),
            "slow": Version("v2", latency_ms=2000)}[chosen]


def _checks(manager: SketchDeploymentManager) -> str:
    return "; ".join(f"error_rate {e:.4g}, response_time {t} ms: {'pass' if v else 'fail'}"
                     for _, _, e, t, v in manager.verdicts)


# -- 7.canary-blind --------------------------------------------------------------------------

def run_canary(kind: str, seed: int = 0, replicas: int = 3
               ) -> tuple[SketchDeploymentManager, Fleet]:
    """``canary_deploy(SERVICE, "v2")`` of the release ``kind`` on a fleet of
    ``replicas`` v1 instances, with the theory's getters seeded by ``seed``."""
    fleet = Fleet(SERVICE, STABLE, replicas, releases=[sketch_release(kind)])
    manager = SketchDeploymentManager(fleet, seed=seed)
    manager.canary_deploy(SERVICE, "v2")
    return manager, fleet


def blind_judge_passes(case: tuple[str, int]) -> bool:
    """Property: a canary that fails every request it serves, or answers every one in
    2 s, never passes ``monitor_canary``, so it never gets more than its first 10%.

    True on a counterexample: the release, with the getters seeded by ``seed``, passes a
    check.
    """
    manager, _ = run_canary(*case)
    return any(verdict for *_, verdict in manager.verdicts)


def promotion_frequency(kind: str, runs: int, seed: int = 0) -> dict[Fraction, int]:
    """Strategy 7.1.2 (金丝雀部署) as the sketch runs it: how often each share of the
    traffic is where a canary ends.

    Parameters
    ----------
    kind : str
        The release: ``"good"``, ``"erroring"`` or ``"slow"`` (:func:`sketch_release`).
    runs : int
        How many ``canary_deploy`` calls, the theory's getters seeded ``seed``,
        ``seed + 1``, ... in turn.
    seed : int
        The first seed.

    Returns
    -------
    dict of Fraction to int
        Each share the canary ended with (1/10, 1/2 or 1) and in how many runs; shares
        no run ended with are left out.

    Raises
    ------
    TheoryError
        An unknown release, ``runs`` under 1 or a seed that is not an integer.

    Examples
    --------
    >>> promotion_frequency("erroring", 40)
    {Fraction(1, 10): 36, Fraction(1, 2): 3, Fraction(1, 1): 1}

    References
    ----------
    The Rust sketch's ``canary_deploy``; :func:`~.sketch.canary_outcome_probabilities`
    gives the exact probabilities these counts estimate.
    """
    require_count("promotion_frequency", "runs", runs, least=1)
    seed = require_seed("promotion_frequency", seed)
    ends: dict[Fraction, int] = dict.fromkeys(CANARY_SHARES, 0)
    for offset in range(runs):
        _, fleet = run_canary(kind, seed + offset)
        ends[fleet.traffic_by_version()["v2"]] += 1
    return {share: count for share, count in ends.items() if count}


def within_binomial_bound(count: int, runs: int, p: Fraction, sigmas: int = 4) -> bool:
    """Whether a seeded frequency agrees with an exact probability: ``count`` successes
    in ``runs`` lie within ``sigmas`` standard deviations of the binomial mean.

    Parameters
    ----------
    count, runs : int
        Successes, and trials (at least 1).
    p : Fraction
        The exact probability of a success.
    sigmas : int
        The allowance in standard deviations, ``sqrt(runs * p * (1 - p))``. At 4, a
        frequency drawn with the true ``p`` falls outside about once in 16,000
        experiments (normal approximation).

    Returns
    -------
    bool
        ``(count - runs * p)**2 <= sigmas**2 * runs * p * (1 - p)``, computed exactly.

    Raises
    ------
    TheoryError
        Counts that are not whole numbers, ``count`` over ``runs``, or ``p`` outside
        [0, 1].

    Examples
    --------
    >>> within_binomial_bound(26, 10_000, Fraction(1, 400))
    True
    >>> within_binomial_bound(60, 10_000, Fraction(1, 400))
    False

    References
    ----------
    W. Feller, *An Introduction to Probability Theory and Its Applications*, vol. 1,
    ch. VII (the normal approximation to the binomial).
    """
    owner = "within_binomial_bound"
    runs = require_count(owner, "runs", runs, least=1)
    count = require_count(owner, "count", count)
    if count > runs:
        raise TheoryError(f"{owner}: count must be at most runs ({runs}), not {count!r}")
    p = Fraction(require_probability(owner, "p", p))
    sigmas = require_count(owner, "sigmas", sigmas, least=1)
    mean = runs * p
    return (count - mean) ** 2 <= sigmas ** 2 * mean * (1 - p)


def _describe_blind(case: tuple[str, int]) -> Counterexample:
    kind, seed = case
    manager, fleet = run_canary(kind, seed)
    p = check_probability()
    return Counterexample(
        f"canary_deploy of a release that is {kind} (the theory's getters seeded {seed})",
        "no check passes: the canary never gets more than its first 10%",
        f"{_checks(manager)}; the canary ends at {fleet.shares()}, {fleet.clock.now:g} s after it "
        f"started: each check passes with probability {float(p):.6f} whatever the "
        f"release does, the deploy is promoted with {float(p * p):.6f}, and both checks "
        "run the instant the traffic moves, before the canary has served a request",
    )


def corrected_release(kind: str) -> ReleaseVersion:
    """The release ``kind`` for the corrected models (:mod:`.release`): ``"good"`` is
    :func:`~.release.good`, ``"erroring"`` fails every request, ``"slow"`` has a median
    of 2 s.

    >>> corrected_release("erroring").error_ratio
    1.0
    """
    chosen = require_choice("corrected_release", "kind", kind, RELEASES)
    return {"good": good("v2"), "erroring": erroring("v2", error_ratio=1.0),
            "slow": ReleaseVersion("v2", latency=Latency(median_ms=2000.0))}[chosen]


def _flagger_promotes(case: tuple[str, int]) -> bool:
    """Flagger's progression judged by Kayenta against a baseline (every interval of
    60 s, rolled back after 5 failed checks) rolls back every erroring or slow canary,
    whatever seed drives its traffic."""
    kind, seed = case
    return flagger(corrected_release(kind), check=JudgeCheck(), seed=seed).outcome \
        != "rolled back"


# -- 7.canary-no-baseline ------------------------------------------------------------------

def _worse(baseline_bp: int, canary_bp: int) -> bool:
    return canary_bp > 2 * baseline_bp and canary_bp - baseline_bp >= 50


def _judged_alone(comparison: tuple[int, int]) -> tuple[Fleet, bool]:
    baseline_bp, canary_bp = comparison
    fleet = Fleet(SERVICE, Version("v1", error_ratio=Fraction(baseline_bp, 10_000)), 3,
                  releases=[Version("v2", error_ratio=Fraction(canary_bp, 10_000))])
    manager = SketchDeploymentManager(fleet, ReadingMonitoringSystem.truthful(fleet))
    manager.canary_deploy(SERVICE, "v2")
    return fleet, fleet.traffic_by_version() == {"v2": 1}


def judged_alone(comparison: tuple[int, int]) -> bool:
    """Property: the canary is judged against the baseline serving the same traffic: a
    canary no worse than the baseline is promoted, and one whose error ratio is more than
    double the baseline's and at least half a percentage point above it is not.

    True on a counterexample: with getters answering each version's true error ratio
    (``(baseline, canary)`` in basis points), the sketch decides otherwise.
    """
    baseline_bp, canary_bp = comparison
    promoted = _judged_alone(comparison)[1]
    return (promoted and _worse(baseline_bp, canary_bp)) or \
        (not promoted and canary_bp <= baseline_bp)


def _percent(bp: int) -> str:
    return f"{bp / 100:g}%"


def _describe_alone(comparison: tuple[int, int]) -> Counterexample:
    baseline_bp, canary_bp = comparison
    fleet, promoted = _judged_alone(comparison)
    worse = _worse(baseline_bp, canary_bp)
    # The other half of the defect: a worse canary promoted, or a no-worse one held back.
    other = (150, 150) if worse else (10, 99)
    other_promoted = _judged_alone(other)[1]
    return Counterexample(
        f"canary_deploy with getters that answer each version's true error ratio: the "
        f"baseline (v1) fails {_percent(baseline_bp)} of requests, the canary (v2) "
        f"{_percent(canary_bp)}",
        "the canary is " + ("kept from full traffic: it is worse than the baseline"
                            if worse else "promoted: it is no worse than the baseline"),
        f"the canary is {'promoted' if promoted else 'not promoted'} ({fleet.shares()}): "
        "monitor_canary compares the canary's error ratio with 0.01 and never looks at "
        f"the baseline; the other way round, a canary at {_percent(other[1])} against "
        f"a baseline at {_percent(other[0])} is {'promoted' if other_promoted else 'held back'}",
    )


def _samples_at(error_bp: int) -> dict[str, list[float]]:
    """Ten intervals around an error ratio (the same spread on both sides) and equal
    latencies: what separates canary from baseline is the ratio alone."""
    spread = [0.9 + 0.02 * i for i in range(10)]
    return {"error_ratio": [error_bp / 10_000 * s for s in spread],
            "latency_p99": [0.1 * s for s in spread]}


def _compared_wrongly(comparison: tuple[int, int]) -> bool:
    """The Kayenta judge, canary against baseline at the drawn error ratios."""
    baseline_bp, canary_bp = comparison
    passed = judge(_samples_at(baseline_bp), _samples_at(canary_bp)).classification == "Pass"
    return (passed and _worse(baseline_bp, canary_bp)) or \
        (not passed and canary_bp <= baseline_bp)


# -- 7.canary-no-rollback ------------------------------------------------------------------

def _run_scripted(script: Sequence[tuple[int, int]]) -> tuple[SketchDeploymentManager, Fleet]:
    fleet = Fleet(SERVICE, STABLE, 3, releases=[sketch_release("good")])
    monitoring = ReadingMonitoringSystem.scripted(
        [(bp / 10_000, ms) for bp, ms in script], clock=fleet.clock)
    manager = SketchDeploymentManager(fleet, monitoring)
    manager.canary_deploy(SERVICE, "v2")
    return manager, fleet


def canary_stays(script: list[tuple[int, int]]) -> bool:
    """Property: a canary deploy that returns Ok leaves one version taking all the
    traffic: promoted, or rolled back when a check fails.

    True on a counterexample: with getters answering ``script`` (error rate in basis
    points, response time in ms, one pair per check), the deploy returns Ok with two
    versions taking traffic.
    """
    return len(_run_scripted(script)[1].traffic_by_version()) > 1


def _describe_stays(script: list[tuple[int, int]]) -> Counterexample:
    manager, fleet = _run_scripted(script)
    return Counterexample(
        "canary_deploy, the getters answering " + ", ".join(
            f"({_percent(bp)}, {ms} ms)" for bp, ms in script),
        "a failed check rolls the canary back: v1 takes 100% again",
        f"{_checks(manager)}; canary_deploy returns Ok with {fleet.shares()} for good: the branch "
        "taken when monitor_canary fails is empty, so nothing rolls back and nothing "
        "reports the failure",
    )


def _corrected_stays(reading: tuple[int, int]) -> bool:
    """Flagger's progression with its built-in checks (success rate at least 99%, p99 at
    most 500 ms) on a release failing ``bp`` basis points of requests with a median
    response time of ``ms``: it ends promoted or rolled back, never part-way, and a
    rollback takes all the traffic off the canary."""
    bp, ms = reading
    new = ReleaseVersion("v2", error_ratio=bp / 10_000, latency=Latency(median_ms=ms))
    report = flagger(new, check=ThresholdCheck())
    return report.outcome == "stuck" or \
        (report.outcome == "rolled back" and report.time_to_rollback is None)


# -- 7.blue-deleted ------------------------------------------------------------------------

def _blue_green(case: tuple[int, int]) -> Fleet:
    replicas, attempt = case
    green_answers = (False,) * (attempt - 1) + (True,)
    fleet = Fleet(SERVICE, STABLE, replicas, releases=[sketch_release("good")],
                  health={f"{SERVICE}-v2-1": green_answers})
    SketchDeploymentManager(fleet).blue_green_deploy(SERVICE, "v2")
    return fleet


def blue_deleted(case: tuple[int, int]) -> bool:
    """Property: after the switch, blue is kept running (for a bake time), so that the
    traffic can go back to it if green proves bad under real load.

    True on a counterexample: a blue-green deploy of ``replicas`` blue instances, green
    healthy at ``/health`` attempt ``attempt``, returns Ok with no v1 instance running.
    """
    return STABLE.name not in _blue_green(case).versions_running()


def _describe_blue(case: tuple[int, int]) -> Counterexample:
    replicas, attempt = case
    fleet = _blue_green(case)
    events = [event for _, event in fleet.log if event.startswith(("delete", "orders-v2"))]
    return Counterexample(
        f"blue_green_deploy on {replicas} blue instance{'s' * (replicas != 1)}; green "
        f"answers /health at attempt {attempt}",
        "blue keeps running after the switch, ready to take the traffic back",
        f"at {fleet.clock.now:g} s: {'; '.join(events)}: cleanup_blue_environment runs "
        f"the moment the traffic switches, so running now is only "
        f"{', '.join(fleet.running)}, and a rollback would have to build v1 anew",
    )


def _corrected_blue(case: tuple[int, int]) -> bool:
    """The corrected blue-green (:func:`~.bluegreen.blue_green`, traffic seeded by
    ``attempt``): blue's ``replicas`` pods run through the bake after the switch, and a
    green that fails its checks there gets the traffic switched back to blue at once."""
    replicas, attempt = case
    service = _service(replicas)
    kept = blue_green(good("v2"), service=service, bake=BAKE, seed=attempt)
    switch = next((step.time for step in kept.timeline if step.weight_new == 1), None)
    back = blue_green(corrected_release("erroring"), service=service, check=ThresholdCheck(),
                      bake=BAKE, seed=attempt)
    return (switch is None
            or any(step.pods_old < replicas for step in kept.timeline
                   if switch <= step.time < switch + BAKE)
            or back.outcome != "rolled back" or back.time_to_rollback != 0)


# -- 7.rolling-half-way --------------------------------------------------------------------

def _rolling(case: tuple[int, int]) -> tuple[Fleet, DeploymentError | None]:
    replicas, failing = case
    fleet = Fleet(SERVICE, STABLE, replicas, releases=[sketch_release("good")],
                  health={f"{SERVICE}-v2-{failing}": (False,)})
    try:
        SketchDeploymentManager(fleet).rolling_deploy(SERVICE, "v2")
    except DeploymentError as error:
        return fleet, error
    return fleet, None


def rolling_half_way(case: tuple[int, int]) -> bool:
    """Property: a rolling update that stops leaves the service on one version: it
    completes, or it rolls back to the old version.

    True on a counterexample: on ``replicas`` instances, the ``failing``-th new instance
    never answers ``/health``, and the update stops with both versions taking traffic.
    """
    return len(_rolling(case)[0].traffic_by_version()) > 1


def _describe_rolling(case: tuple[int, int]) -> Counterexample:
    replicas, failing = case
    fleet, error = _rolling(case)
    return Counterexample(
        f"rolling_deploy on {replicas} instances; new instance {failing} "
        f"({SERVICE}-v2-{failing}) never answers /health",
        "the update completes or rolls back: one version takes all the traffic",
        f"Err({error}) at {fleet.clock.now:g} s with {fleet.shares()} taking traffic, "
        f"{', '.join(fleet.idle()) or 'nothing'} left running unused: nothing undoes the "
        "instances already replaced",
    )


def _corrected_rolling(case: tuple[int, int]) -> bool:
    """Kubernetes' RollingUpdate one pod at a time (maxSurge 1, maxUnavailable 0, as the
    sketch replaces), on ``replicas`` pods, traffic seeded by ``failing``: a build whose
    pods never become ready is undone at the progress deadline, and one that fails every
    request is undone by its check once it serves, part-way through; both end on v1."""
    replicas, failing = case
    service = _service(replicas)
    never_ready = rolling(broken(), service=service, max_surge=1, max_unavailable=0,
                          undo_on_deadline=True, seed=failing)
    failing_requests = rolling(corrected_release("erroring"), service=service, max_surge=1,
                               max_unavailable=0, check=ThresholdCheck(), bake=60,
                               seed=failing)
    return never_ready.outcome != "rolled back" or failing_requests.outcome != "rolled back"


# -- 7.one-green-instance ------------------------------------------------------------------

def green_undersized(case: tuple[int, int]) -> bool:
    """Property: Strategy 7.1.1 keeps two identical environments, so after the switch as
    many instances take the traffic as before it.

    True on a counterexample: a blue-green deploy of ``replicas`` blue instances (green
    healthy at ``/health`` attempt ``attempt``) ends with fewer instances taking traffic.
    """
    return len(_blue_green(case).serving()) < case[0]


@cache
def _promoted_seed() -> int:
    """The least seed of the theory's getters on which a good canary passes both checks
    (each seed does so with probability ``check_probability() ** 2``, about 1/400)."""
    return next(seed for seed in count()
                if run_canary("good", seed)[1].traffic_by_version() == {"v2": 1})


def _describe_green(case: tuple[int, int]) -> Counterexample:
    replicas, attempt = case
    fleet = _blue_green(case)
    serving = [i.id for i in fleet.serving()]
    _, canary = run_canary("good", seed=_promoted_seed(), replicas=replicas)
    return Counterexample(
        f"blue_green_deploy on {replicas} blue instances; green answers /health at "
        f"attempt {attempt}",
        f"green is a copy of blue: {replicas} instances take the traffic after the switch",
        f"{len(serving)} instance ({', '.join(serving)}) takes all of it: "
        "create_service_instance starts one instance (rolling_deploy calls it once per "
        "instance it replaces), and nothing scales green to blue's size; a promoted "
        f"canary ends the same way ({', '.join(i.id for i in canary.serving())} alone "
        f"serving, {len(canary.idle())} v1 instances left running idle)",
    )


def _corrected_green(case: tuple[int, int]) -> bool:
    """The corrected blue-green: green is a full fleet, as many pods as blue, all ready
    at every step it takes the traffic."""
    replicas, attempt = case
    report = blue_green(good("v2"), service=_service(replicas), seed=attempt)
    switched = [step for step in report.timeline if step.weight_new == 1]
    return not switched or any(step.ready_new < replicas for step in switched)


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        key="7.canary-blind",
        concerns="Rust DeploymentManager::canary_deploy and monitor_canary (section 7; "
        "Strategy 7.1.2)",
        wrong="The canary is judged the instant its traffic moves, on readings that owe "
        "nothing to what it served, so a release that fails every request is promoted "
        "exactly as often as a perfect one.",
        search=BAD,
        breaks=blind_judge_passes,
        describe=_describe_blind,
        verify_corrected=lambda: holds_for_all(SEEDED_BAD, _flagger_promotes),
        corrected_by="msatheory.deployment.canary.flagger",
    ),
    Erratum(
        key="7.canary-no-baseline",
        concerns="Rust DeploymentManager::monitor_canary (section 7; Strategy 7.1.2)",
        wrong="The canary's error ratio is compared with a fixed 0.01 and never with the "
        "baseline's, so a canary far worse than the old version passes and one no worse "
        "fails during an incident both share.",
        search=COMPARISONS,
        breaks=judged_alone,
        describe=_describe_alone,
        verify_corrected=lambda: holds_for_all(COMPARISONS, _compared_wrongly),
        corrected_by="msatheory.deployment.judge.judge",
    ),
    Erratum(
        key="7.canary-no-rollback",
        concerns="Rust DeploymentManager::canary_deploy (section 7; Strategy 7.1.2)",
        wrong="A canary that fails its check keeps its 10% or 50% of the traffic for good "
        "and the deploy returns Ok: nothing rolls back.",
        search=READINGS,
        breaks=canary_stays,
        describe=_describe_stays,
        verify_corrected=lambda: holds_for_all(CORRECTED_READINGS, _corrected_stays),
        corrected_by="msatheory.deployment.canary.flagger",
    ),
    Erratum(
        key="7.blue-deleted",
        concerns="Rust DeploymentManager::blue_green_deploy (section 7; Strategy 7.1.1)",
        wrong="Blue is deleted the moment the traffic switches to green, so there is "
        "nothing to switch back to when green proves bad.",
        search=BLUE_GREEN,
        breaks=blue_deleted,
        describe=_describe_blue,
        verify_corrected=lambda: holds_for_all(BLUE_GREEN, _corrected_blue),
        corrected_by="msatheory.deployment.bluegreen.blue_green",
    ),
    Erratum(
        key="7.rolling-half-way",
        concerns="Rust DeploymentManager::rolling_deploy (section 7; Strategy 7.1.3)",
        wrong="A rolling update whose new instance fails its health check stops with some "
        "instances on each version, and nothing rolls the replaced ones back.",
        search=ROLLOUTS,
        breaks=rolling_half_way,
        describe=_describe_rolling,
        verify_corrected=lambda: holds_for_all(ROLLOUTS, _corrected_rolling),
        corrected_by="msatheory.deployment.rolling.rolling",
    ),
    Erratum(
        key="7.one-green-instance",
        concerns="Rust DeploymentManager::blue_green_deploy (section 7; Strategy 7.1.1)",
        wrong="Green is a single instance, not a copy of blue, and it takes all the "
        "traffic at the switch, so the service's capacity falls to one instance.",
        search=BLUE_GREEN,
        breaks=green_undersized,
        describe=_describe_green,
        verify_corrected=lambda: holds_for_all(BLUE_GREEN, _corrected_green),
        corrected_by="msatheory.deployment.bluegreen.blue_green",
    ),
)


def _stub(name: str, draws: str, stands_for: str, model: str) -> Stub:
    return Stub(
        key=f"7.{name.replace('_', '-')}",
        concerns=f"Rust MonitoringSystem::{name}, returning {draws} (section 7.2; Def 7.2.1)",
        declared="简化实现：返回随机值",
        stands_for=stands_for,
        modelled_by=model,
    )


STUBS: tuple[Stub, ...] = (
    _stub("get_cpu_usage", "rand::random::<f64>() * 100.0",
          "It must report the service's CPU utilisation over a stated window, read from "
          "its instances (the U of USE).", "msatheory.deployment.metrics.ResourceMetrics"),
    _stub("get_memory_usage", "rand::random::<f64>() * 100.0",
          "It must report the service's memory utilisation, read from its instances.",
          "msatheory.deployment.metrics.ResourceMetrics"),
    _stub("get_response_time", "Duration::from_millis(rand::random::<u64>() % 1000)",
          "It must report a stated percentile (such as the p99) of the service's response "
          "times over a stated window, from a latency histogram, since one sample or a "
          "mean hides the tail.", "msatheory.deployment.prometheus.histogram_quantile"),
    _stub("get_error_rate", "rand::random::<f64>() * 0.1",
          "It must report the share of the service's requests that failed over a stated "
          "window, from its request and error counters (the E of RED).",
          "msatheory.deployment.metrics.red"),
)
