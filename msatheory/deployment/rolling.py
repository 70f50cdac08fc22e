"""Strategy 7.1.3 (滚动部署), rolling deployment, as Kubernetes' RollingUpdate runs it.

A Deployment's ``strategy.rollingUpdate`` bounds a rollout by two numbers, each a count or
a percentage of the desired replicas: ``maxSurge`` (pods above the desired count, a
percentage rounded up) and ``maxUnavailable`` (pods below it that may be unavailable, a
percentage rounded down). :func:`rollout_bounds` resolves them exactly as the Deployment
controller does (``ResolveFenceposts`` in ``pkg/controller/deployment/util``); it lives
in the light module :mod:`msatheory.deployment.bounds` and is re-exported here.

:class:`Deployment` is the controller's RollingUpdate as a step function on the pods of
:class:`~msatheory.deployment.release.World`: it scales the new ReplicaSet up within
``max_pods`` and the old ones down within ``min_available``, counting only available
(ready) pods, and marks a rollout that stops progressing for ``progressDeadlineSeconds``.
:func:`rolling` releases a version with it, optionally watched by a check that triggers
``kubectl rollout undo``, and measures the release in a
:class:`~msatheory.deployment.release.ReleaseReport`. The module stops at one
Deployment without autoscaling, ``minReadySeconds`` 0, and no pod disruption.
"""

from __future__ import annotations

from typing import cast

from msatheory.deployment.analysis import Check
from msatheory.deployment.bounds import rollout_bounds
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

__all__ = ["Deployment", "rolling", "rollout_bounds"]


# --- the Deployment controller --------------------------------------------------------------


class Deployment:
    """Strategy 7.1.3 (滚动部署): a Kubernetes Deployment and its controller's RollingUpdate.

    Each revision of the pod template is a ReplicaSet: here, the pods of one
    :class:`~msatheory.deployment.release.Version` in the world's ``group``, created in the
    order the versions were first applied. A ReplicaSet's replicas are its pods, and its
    available replicas its ready pods (``minReadySeconds`` is 0). :meth:`sync` takes one
    action of the controller's ``rolloutRolling``, exactly as written:

    * ``reconcileNewReplicaSet``: the new ReplicaSet grows to
      ``min(max_pods - all pods, replicas - new pods)`` more pods (``NewRSNewReplicas``),
      or shrinks to ``replicas`` if it is above;
    * ``reconcileOldReplicaSets``: with ``maxScaledDown = all pods - min_available - new
      pods not available``, first ``cleanupUnhealthyReplicas`` deletes not-ready pods of
      old ReplicaSets (oldest ReplicaSet first, at most ``maxScaledDown``), then
      ``scaleDownOldReplicaSetsForRollingUpdate`` deletes ``available - min_available``
      more from the old ReplicaSets, oldest first.

    The controller acts on every change within a fraction of a second, so
    :meth:`reconcile` repeats :meth:`sync` until nothing changes. Progress is measured as
    ``DeploymentProgressing`` does (more updated, ready or available replicas, or fewer
    old ones); a rollout that makes none for ``progress_deadline`` seconds is marked
    ``ProgressDeadlineExceeded`` and left as it is, as Kubernetes leaves it.

    Examples
    --------
    >>> from msatheory.deployment.release import World, Service, good
    >>> world = World(Service(replicas=10), good("v1"), good("v2"), seed=0, group="svc")
    >>> d = Deployment(world, "svc")
    >>> d.apply(world.new)
    >>> d.sync(), d.sync(), d.sync()
    ('scaled up v2 to 3', 'scaled down v1 to 8', 'scaled up v2 to 5')
    >>> d.sync() is None, world.count("svc"), d.max_pods, d.min_available
    (True, 13, 13, 8)

    References
    ----------
    kubernetes/kubernetes ``pkg/controller/deployment/rolling.go`` (``rolloutRolling``,
    ``reconcileNewReplicaSet``, ``reconcileOldReplicaSets``, ``cleanupUnhealthyReplicas``,
    ``scaleDownOldReplicaSetsForRollingUpdate``) and ``util/deployment_util.go``
    (``NewRSNewReplicas``, ``DeploymentProgressing``, ``DeploymentTimedOut``).
    """

    def __init__(self, world: World, group: str, *, max_surge: int | str = "25%",
                 max_unavailable: int | str = "25%", progress_deadline: int = 600):
        self.world = require_instance("Deployment", "world", world, World)
        self.group = group
        self.replicas = world.service.replicas
        self.max_pods, self.min_available = rollout_bounds(self.replicas, max_surge,
                                                           max_unavailable)
        self.progress_deadline = require_count("Deployment", "progress_deadline",
                                               progress_deadline, least=1)
        self.revisions: list[Version] = [world.old]
        self.target = world.old
        self._status = self.status()
        self._progressed_at = world.now

    def apply(self, version: Version) -> None:
        """Set the pod template to ``version`` (``kubectl apply``, or ``kubectl rollout
        undo`` with an earlier version): its ReplicaSet becomes the new one."""
        if version not in self.revisions:
            self.revisions.append(version)
        self.target = version
        self._progressed_at = self.world.now

    def _pods(self, version: Version, *, ready: bool = False) -> int:
        return self.world.count(self.group, version=version.name, ready=ready)

    def _old(self) -> list[Version]:
        """The old ReplicaSets with pods, oldest first."""
        return [v for v in self.revisions if v != self.target and self._pods(v)]

    def _scale(self, version: Version, to: int) -> str:
        now = self._pods(version)
        if to > now:
            self.world.spawn(self.group, version, to - now)
        else:
            self.world.delete(self.group, now - to, version)
        return f"scaled {'up' if to > now else 'down'} {version.name} to {to}"

    def _reconcile_new(self) -> str | None:
        new = self._pods(self.target)
        if new == self.replicas:
            return None
        if new > self.replicas:
            return self._scale(self.target, self.replicas)
        total = self.world.count(self.group)
        if total >= self.max_pods:
            return None
        return self._scale(self.target, new + min(self.max_pods - total, self.replicas - new))

    def _reconcile_old(self) -> str | None:
        old = self._old()
        if not old:
            return None
        total = self.world.count(self.group)
        new_unavailable = self._pods(self.target) - self._pods(self.target, ready=True)
        max_scaled_down = total - self.min_available - new_unavailable
        if max_scaled_down <= 0:
            return None
        actions = []
        cleaned = 0
        for version in old:
            if cleaned >= max_scaled_down:
                break
            pods, ready = self._pods(version), self._pods(version, ready=True)
            if pods == ready:
                continue
            count = min(max_scaled_down - cleaned, pods - ready)
            actions.append(self._scale(version, pods - count))
            cleaned += count
        available = self.world.count(self.group, ready=True)
        if available > self.min_available:
            remaining = available - self.min_available
            for version in self._old():
                if remaining <= 0:
                    break
                pods = self._pods(version)
                count = min(pods, remaining)
                actions.append(self._scale(version, pods - count))
                remaining -= count
        return "; ".join(actions) or None

    def sync(self) -> str | None:
        """One action of ``rolloutRolling``: scale the new ReplicaSet up, or else the old
        ones down; return what it did, or None when nothing was to be done."""
        return self._reconcile_new() or self._reconcile_old()

    def reconcile(self) -> tuple[str, ...]:
        """Sync until nothing changes, then update the progress clock; return the
        actions."""
        actions = []
        while (action := self.sync()) is not None:
            actions.append(action)
        status = self.status()
        updated, old_pods, ready, available = status
        before = self._status
        if (updated > before[0] or old_pods < before[1] or ready > before[2]
                or available > before[3]):
            self._progressed_at = self.world.now
        self._status = status
        return tuple(actions)

    def status(self) -> tuple[int, int, int, int]:
        """``(updatedReplicas, old replicas, readyReplicas, availableReplicas)``."""
        updated = self._pods(self.target)
        total = self.world.count(self.group)
        ready = self.world.count(self.group, ready=True)
        return updated, total - updated, ready, ready

    def complete(self) -> bool:
        """``DeploymentComplete``: every replica updated and available, none old."""
        updated, old, _, available = self.status()
        return updated == self.replicas and available == self.replicas and old == 0

    def timed_out(self) -> bool:
        """``DeploymentTimedOut``: no progress for more than ``progress_deadline``."""
        return (not self.complete()
                and self.world.now - self._progressed_at > self.progress_deadline)


def rolling(new: Version, *, old: Version = OLD, service: Service = SERVICE,
            max_surge: int | str = "25%", max_unavailable: int | str = "25%",
            progress_deadline: int = 600, check: Check | None = None, interval: int = 60,
            threshold: int = 1, bake: int = 0, undo_on_deadline: bool = False,
            horizon: int = 3600, seed: int = 0) -> ReleaseReport:
    """Strategy 7.1.3 (滚动部署): release ``new`` by a Kubernetes RollingUpdate.

    At time 0 the Deployment's template becomes ``new``. Every step the controller
    (:class:`Deployment`) reconciles, and the Service spreads the requests over every ready
    pod of either version. Every ``interval`` seconds once new pods serve, until the
    rollout is complete and then for ``bake`` more seconds, ``check`` (if given) reads
    the new pods against the old ones (their last interval, once they are gone); after
    ``threshold`` failed checks the release is rolled back by ``kubectl rollout undo``,
    another rolling update to the old template. A rollout that exceeds
    ``progress_deadline`` stays as it is (outcome ``"stuck"``), or is undone with
    ``undo_on_deadline``.

    Parameters
    ----------
    new, old : Version
        The release and the version running (``OLD``, a good ``"v1"``, by default).
    service : Service
        Replicas, load, capacity and start-up time of the service.
    max_surge, max_unavailable : int or str
        The rolling update's bounds (:func:`rollout_bounds`; Kubernetes' 25% and 25%).
    progress_deadline : int
        ``progressDeadlineSeconds`` (600).
    check : Check, optional
        A :class:`~msatheory.deployment.analysis.Check`; without it nothing watches the
        release.
    interval, threshold : int
        Seconds between checks, and failed checks that trigger the undo.
    bake : int
        Seconds the complete rollout stays watched before it counts as promoted.
    undo_on_deadline : bool
        Undo a rollout that exceeded its deadline (what a pipeline running ``kubectl
        rollout status`` then ``kubectl rollout undo`` does).
    horizon : int
        Seconds after which a release still running ends as ``"stuck"``.
    seed : int
        Seeds the traffic.

    Returns
    -------
    ReleaseReport
        The timeline and the measures; ``extra_pods`` is the surge.

    Raises
    ------
    TheoryError
        Bad bounds (see :func:`rollout_bounds`), counts or durations.

    Examples
    --------
    >>> from msatheory.deployment.analysis import ThresholdCheck
    >>> from msatheory.deployment.release import broken, erroring, good
    >>> report = rolling(good())
    >>> report.outcome, report.time_to_full, report.extra_pods, report.least_capacity
    ('promoted', 60, 3, 1.6)
    >>> stuck = rolling(broken())
    >>> stuck.outcome, stuck.duration, stuck.timeline[-1].pods_new
    ('stuck', 620, 5)
    >>> rolling(erroring(), check=ThresholdCheck()).outcome
    'promoted'
    >>> undone = rolling(erroring(), check=ThresholdCheck(), bake=300)
    >>> undone.outcome, undone.decided_at, undone.time_to_rollback
    ('rolled back', 60, 60)

    References
    ----------
    Strategy 7.1.3. Kubernetes, "Deployments" (Rolling Update Deployment, Rolling Back a
    Deployment, Progress Deadline Seconds); kubernetes/kubernetes
    ``pkg/controller/deployment/rolling.go`` (see :class:`Deployment`).
    """
    owner = "rolling"
    require_instance(owner, "new", new, Version)
    interval = require_count(owner, "interval", interval, least=STEP)
    threshold = require_count(owner, "threshold", threshold, least=1)
    horizon = require_count(owner, "horizon", horizon, least=STEP)
    bake = require_count(owner, "bake", bake)
    require_instance(owner, "undo_on_deadline", undo_on_deadline, bool)
    if check is not None:
        require_instance(owner, "check", check, cast(type, Check))
    world = World(service, old, new, seed=seed, group="service", strategy=owner)
    deployment = Deployment(world, "service", max_surge=max_surge,
                            max_unavailable=max_unavailable,
                            progress_deadline=progress_deadline)
    deployment.apply(new)
    world.note(f"template set to {new.name}")
    failed, last_check, full_at = 0, 0, None
    while world.now < horizon:
        for action in deployment.reconcile():
            world.note(action)
        if deployment.complete():
            if deployment.target == old:
                world.note("rolled back")
                return world.finish("rolled back", {"service": 1.0})
            if full_at is None:
                full_at = world.now
                world.note("rollout complete")
            if world.now - full_at >= bake:
                world.note("promoted")
                return world.finish("promoted", {"service": 1.0}, full_at=full_at)
        if deployment.timed_out():
            world.note("ProgressDeadlineExceeded")
            if not undo_on_deadline or deployment.target == old:
                return world.finish("stuck", {"service": 1.0})
            _undo(world, deployment, "progress deadline exceeded")
        if (check is not None and deployment.target == new
                and world.now - last_check >= interval):
            window = world.window(world.now - interval, ["service"], ["service"])
            if window.new:
                last_check = world.now
                result = check(window)
                failed += not result.passed
                world.decide(result.label)
                if failed >= threshold:
                    _undo(world, deployment, f"{check.name}: {result.detail}")
        world.serve({"service": 1.0})
    return world.finish("stuck", {"service": 1.0})


def _undo(world: World, deployment: Deployment, why: str) -> None:
    """``kubectl rollout undo``: the template goes back to the old version."""
    world.decide(f"undo ({why})", rollback=True)
    deployment.apply(world.old)
    world.note(f"rollout undo to {world.old.name}")
    for action in deployment.reconcile():
        world.note(action)
