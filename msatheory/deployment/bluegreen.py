"""Strategy 7.1.1 (蓝绿部署), blue-green deployment: two full fleets, one switch.

The old version (*blue*) keeps serving while a full fleet of the new one (*green*) starts
beside it. When every green pod is ready, all traffic switches to green at once. Blue stays
up, idle, for a *bake* time during which a check may switch all traffic back at once;
after the bake, blue is retired. The price is a second fleet: 100% extra pods from the
moment green is created until blue is retired. A green fleet that never becomes ready
within the progress deadline is abandoned before any user reaches it.

:func:`blue_green` runs it in the shared world of :mod:`msatheory.deployment.release`
and measures it in the same :class:`~msatheory.deployment.release.ReleaseReport` as the
other strategies. The check compares green with blue's last minute before the switch
(blue serves nothing afterwards). The module stops at a single switch (no pre-promotion
analysis on a preview service, no manual promotion).
"""

from __future__ import annotations

from typing import cast

from msatheory.deployment.analysis import Check
from msatheory.deployment.release import (
    OLD,
    SERVICE,
    STEP,
    ReleaseReport,
    Service,
    Version,
    World,
)
from msatheory.errors import require_count, require_instance

__all__ = ["blue_green"]


def blue_green(new: Version, *, old: Version = OLD, service: Service = SERVICE,
               check: Check | None = None, interval: int = 60, threshold: int = 1,
               bake: int = 300, progress_deadline: int = 600, horizon: int = 3600,
               seed: int = 0) -> ReleaseReport:
    """Strategy 7.1.1 (蓝绿部署): release ``new`` by standing up green and switching to it.

    Parameters
    ----------
    new, old : Version
        The release (green) and the version running (blue).
    service : Service
        Replicas, load, capacity and start-up time; green gets as many replicas as blue.
    check : Check, optional
        Read every ``interval`` seconds during the bake, green against blue's last
        interval before the switch; after ``threshold`` failures all traffic switches back
        to blue at once.
    interval, threshold : int
        Seconds between checks and failures that switch back.
    bake : int
        Seconds blue is kept after the switch (Argo Rollouts' ``scaleDownDelaySeconds``
        defaults to 30; a bake long enough for checks is ours).
    progress_deadline : int
        Seconds green may take to become ready before it is abandoned.
    horizon : int
        Seconds after which a release still running ends as ``"stuck"``.
    seed : int
        Seeds the traffic.

    Returns
    -------
    ReleaseReport
        The timeline and measures: ``extra_pods`` is the whole fleet, and
        ``time_to_rollback`` 0, as switching back is at once.

    Raises
    ------
    TheoryError
        Bad counts or durations.

    Examples
    --------
    >>> from msatheory.deployment.analysis import ThresholdCheck
    >>> from msatheory.deployment.release import erroring, good
    >>> report = blue_green(good())
    >>> report.outcome, report.time_to_full, report.extra_resources, report.duration
    ('promoted', 30, 1.0, 340)
    >>> back = blue_green(erroring(), check=ThresholdCheck())
    >>> back.outcome, back.decided_at, back.time_to_rollback
    ('rolled back', 90, 0)

    References
    ----------
    Strategy 7.1.1. Martin Fowler, "BlueGreenDeployment" (2010); Argo Rollouts docs,
    "BlueGreen Deployment Strategy" (``activeService``, ``scaleDownDelaySeconds``,
    ``postPromotionAnalysis``, abort).
    """
    owner = "blue_green"
    require_instance(owner, "new", new, Version)
    if check is not None:
        require_instance(owner, "check", check, cast(type, Check))
    interval = require_count(owner, "interval", interval, least=STEP)
    threshold = require_count(owner, "threshold", threshold, least=1)
    bake = require_count(owner, "bake", bake)
    deadline = require_count(owner, "progress_deadline", progress_deadline, least=1)
    horizon = require_count(owner, "horizon", horizon, least=STEP)
    world = World(service, old, new, seed=seed, group="blue", strategy=owner)
    world.spawn("green", new, service.replicas)
    world.note("green created")
    switched: int | None = None
    failed, last_check = 0, 0
    while world.now < horizon:
        if switched is None:
            if world.count("green", ready=True) == service.replicas:
                switched = last_check = world.now
                world.note("switched all traffic to green")
            elif world.now > deadline:
                world.decide("abandon green (progress deadline exceeded)", rollback=True)
                world.delete("green", service.replicas)
                return world.finish("rolled back", {"blue": 1.0})
        elif world.now - switched >= bake:
            world.delete("blue", service.replicas)
            world.note("blue retired; promoted")
            return world.finish("promoted", {"green": 1.0}, full_at=switched)
        elif check is not None and world.now - last_check >= interval:
            last_check = world.now
            result = check(world.window(world.now - interval, ["green"], ["blue"]))
            failed += not result.passed
            world.decide(result.label)
            if failed >= threshold:
                world.decide(f"switch back ({check.name}: {result.detail})", rollback=True)
                world.delete("green", service.replicas)
                world.note("switched all traffic to blue; green deleted")
                return world.finish("rolled back", {"blue": 1.0})
        world.serve({"green": 1.0} if switched is not None else {"blue": 1.0})
    return world.finish("stuck", {"green": 1.0} if switched is not None else {"blue": 1.0})
