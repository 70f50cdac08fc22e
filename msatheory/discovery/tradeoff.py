"""Algorithm 3.2.2 under failure: the five detectors scored against the ground truth.

:func:`run` drives one detector of :mod:`.detectors` through a
:class:`~msatheory.discovery.scenario.Scenario`, second by second of virtual time, and
scores what a lookup would have returned against what was true:

* **dead served**: instance-seconds during which a down instance was listed;
* **healthy lost**: instance-seconds during which an up instance was not listed;
* **time to detect**: from the start of an outage to the first second the instance is
  no longer listed, over outages that begin while it is listed (those that end first
  are *undetected*);
* **lost for good**: instances up at the end that the registry has forgotten.

:func:`trade_off` scores every detector in every scenario, and :func:`check_health`
turns the same score into a verdict on Algorithm 3.2.2 (健康检查算法) for a
:class:`~.health.CheckPolicy` of your own.

The module stops at scoring: the detectors are :mod:`.detectors`, the checker they run
is :mod:`.health`, and the static check that every service declares a health check is
:mod:`.coverage`.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from msatheory.discovery.detectors import DETECTORS, Checks, Detector, detector_named
from msatheory.discovery.health import CheckPolicy
from msatheory.discovery.scenario import SCENARIOS, GroundTruth, Outage, Scenario
from msatheory.errors import require_duration, require_instance, require_items
from msatheory.theory import Kind, get
from msatheory.theory.render import grid
from msatheory.theory.verdict import Verdict, Witness

__all__ = [
    "Outcome",
    "check_health",
    "detections",
    "run",
    "trade_off",
    "trade_off_table",
]


@dataclass(frozen=True)
class Outcome:
    """How one detector fared in one scenario; ``listed[t]``/``up[t]`` count instances,
    ``served[id][t]`` says whether a lookup returned the instance at second ``t``."""

    detector: str
    scenario: str
    dead_served: int
    healthy_lost: int
    detect: float | None
    undetected: int
    lost_for_good: int
    up: tuple[int, ...]
    served: Mapping[str, tuple[bool, ...]] = field(repr=False)

    @property
    def listed(self) -> tuple[int, ...]:
        """How many instances a lookup returned at each second."""
        return tuple(map(sum, zip(*self.served.values(), strict=True)))

    def row(self) -> tuple[str, ...]:
        """The outcome as table cells."""
        detect = "-" if self.detect is None else f"{self.detect:g}"
        return (self.scenario, self.detector, str(self.dead_served), str(self.healthy_lost),
                detect, str(self.undetected), str(self.lost_for_good))


def run(detector: str | Callable[[GroundTruth, int], Detector], scenario: Scenario,
        seed: int = 0) -> Outcome:
    """Drive a detector through ``scenario`` second by second and score it.

    ``detector`` is a name of :data:`~.detectors.DETECTORS` or a factory of one
    (``lambda truth, seed: Checks(truth, seed, policy=...)``).

    >>> outcome = run("leases", SCENARIOS["crash"])
    >>> outcome.detect, outcome.dead_served, outcome.lost_for_good
    (77.0, 77, 0)
    """
    require_instance("run", "scenario", scenario, Scenario)
    if isinstance(detector, str) or not callable(detector):
        detector = detector_named(detector)
    d = detector(scenario, seed)
    d.start()
    s, ids = scenario, [i.id for i in scenario.instances]
    dead = lost = 0
    up_counts = []
    seen_listed: dict[str, list[bool]] = {i: [] for i in ids}
    for t in range(int(s.horizon)):
        if t:
            d.advance()
        else:
            d.step()
        listed = d.listed()
        up = {i for i in ids if s.up(i, t)}
        dead += len(listed - up)
        lost += len(up - listed)
        up_counts.append(len(up))
        for i in ids:
            seen_listed[i].append(i in listed)
    detect, undetected = _detection(s, seen_listed)
    forgotten = len({i for i in ids if s.up(i, s.horizon - 1)} - d.registered())
    return Outcome(d.name, s.name, dead, lost, detect, undetected, forgotten,
                   tuple(up_counts),
                   MappingProxyType({i: tuple(v) for i, v in seen_listed.items()}))


def detections(s: Scenario, served: Mapping[str, Sequence[bool]]
               ) -> Iterator[tuple[str, Outage, float | None]]:
    """For each outage whose instance was served when it began: the instance, the outage,
    and the seconds until the instance was first not served (None: not while it lasted)."""
    for i, outages in s.outages.items():
        for o in outages:
            if not served[i][int(o.start)]:
                continue
            end = int(min(o.end, s.horizon))
            first = next((t for t in range(int(o.start), end) if not served[i][t]), None)
            yield i, o, (None if first is None else first - o.start)


def _detection(s: Scenario, served: Mapping[str, Sequence[bool]]) -> tuple[float | None, int]:
    """Mean time to detect over the detected outages, and how many went undetected."""
    delays = [d for _, _, d in detections(s, served)]
    times = [d for d in delays if d is not None]
    return (statistics.fmean(times) if times else None), delays.count(None)


def trade_off(scenarios: Iterable[Scenario], detectors: Iterable[str] = tuple(DETECTORS),
              seed: int = 0) -> list[Outcome]:
    """Every detector (by name) in every scenario, scenario by scenario."""
    detectors = list(detectors)
    return [run(d, s, seed) for s in scenarios for d in detectors]


def check_health(policy: CheckPolicy, scenarios: Iterable[Scenario] | None = None,
                 detect_within: float = 30.0, seed: int = 0) -> Verdict:
    """Algorithm 3.2.2 (健康检查算法) with ``policy``, judged over failure scenarios.

    A central prober runs :class:`~.health.HealthChecker` with ``policy`` through each
    scenario (the ``Checks`` detector of :mod:`.detectors`), scored as :func:`run` scores
    it.

    Parameters
    ----------
    policy : CheckPolicy
        The thresholds, reaping and self-preservation to judge.
    scenarios : iterable of Scenario, optional
        The ground truths to run; by default the four of
        :data:`~msatheory.discovery.scenario.SCENARIOS` (crash, flapping, partition, mass
        restart).
    detect_within : float, default 30
        Seconds within which an outage longer than this must be detected.
    seed : int, default 0
        Seeds the heartbeat phases.

    Returns
    -------
    Verdict
        On Algorithm 3.2.2. It holds when every outage longer than ``detect_within`` s is
        detected within that time and no instance that is up at the end has been
        forgotten. A "late detection" witness involves the scenario and the instance and
        says when the outage began, how long it lasted and when (or whether) it was
        detected; a "lost for good" witness involves the scenario and says how many live
        instances the registry forgot.

    Raises
    ------
    TheoryError
        If ``policy`` is not a CheckPolicy, ``scenarios`` holds something other than a
        Scenario, or ``detect_within`` is not a number of seconds.

    Examples
    --------
    >>> check_health(CheckPolicy()).holds
    True
    >>> check_health(CheckPolicy(interval=25, self_preservation=False),
    ...              [SCENARIOS["crash"], SCENARIOS["partition"]])
    Algorithm 3.2.2 Health check (健康检查算法): violated. 2 scenario(s); outages over 30 s
    must be detected within 30 s and no live instance forgotten.
      - late detection: crash: orders-1 down from t=100 s for 500 s, detected after 50 s
      - lost for good: partition: 5 live instance(s) deregistered and never registered again

    See Also
    --------
    run, trade_off
    msatheory.discovery.check_health_coverage : whether every service declares a check.

    References
    ----------
    .. [1] Algorithm 3.2.2 of the theory (健康检查算法).
    .. [2] Consul's check thresholds and Eureka's self-preservation, the parts of a
       :class:`~.health.CheckPolicy`.
    """
    owner = "check_health"
    require_instance(owner, "policy", policy, CheckPolicy)
    require_duration(owner, "detect_within", detect_within)
    scenarios = require_items(owner, "scenarios",
                              SCENARIOS.values() if scenarios is None else scenarios, Scenario)
    witnesses = []
    for s in scenarios:
        outcome = run(lambda truth, sd: Checks(truth, sd, policy=policy), s, seed)
        witnesses += _late(s, outcome, detect_within)
        if outcome.lost_for_good:
            witnesses.append(Witness(
                "lost for good", (s.name,),
                f"{s.name}: {outcome.lost_for_good} live instance(s) deregistered and never "
                f"registered again"))
    summary = (f"{len(scenarios)} scenario(s); outages over {detect_within:g} s must be "
               f"detected within {detect_within:g} s and no live instance forgotten.")
    return Verdict(get(Kind.ALGORITHM, "3.2.2"), witnesses, summary)


def _late(s: Scenario, outcome: Outcome, within: float) -> list[Witness]:
    """Witnesses for long outages detected late or never."""
    found = []
    for i, o, delay in detections(s, outcome.served):
        length = min(o.end, s.horizon) - o.start
        if length > within and (delay is None or delay > within):
            when = "never" if delay is None else f"after {delay:g} s"
            found.append(Witness(
                "late detection", (s.name, i),
                f"{s.name}: {i} down from t={o.start:g} s for {length:g} s, detected {when}"))
    return found


def trade_off_table(outcomes: Iterable[Outcome]) -> str:
    """The outcomes as a fixed-width text table."""
    header = ("scenario", "detector", "dead served (inst-s)", "healthy lost (inst-s)",
              "detect (s)", "undetected", "lost for good")
    return grid(header, [o.row() for o in outcomes])
