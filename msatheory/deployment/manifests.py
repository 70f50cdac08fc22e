"""Strategy 7.1.3 (滚动部署) read from Kubernetes manifests: each workload's rollout, with its
capacity bounds, and each PodDisruptionBudget, with what it lets an eviction take.

Strategy 7.1.3 updates a service's instances one at a time *keeping the service
available*. Kubernetes states both halves in a workload's manifest:

* the **rollout** (``spec.strategy`` of a Deployment, ``spec.updateStrategy`` of a
  StatefulSet or DaemonSet) says how far a rollout may go above the desired replicas
  and below them. :func:`read_rollouts` resolves it as the controllers do, defaults
  included, into the most pods and the fewest available pods of a rollout
  (:func:`~msatheory.deployment.bounds.rollout_bounds` for a Deployment);
* the **PodDisruptionBudget** keeps the service available through *voluntary*
  disruptions, the evictions of a node drain or a cluster upgrade: an eviction is
  refused when it would leave fewer healthy pods than the budget wants. Ours: this is the
  theory's "keep the service available" for the disruptions a rollout does not cause.
  A rollout itself ignores budgets; a budget only limits evictions.

:func:`check_rollouts` and :func:`check_budgets` report the reading and witness what
breaks it: a rollout that leaves no pod available, a rolling update whose pods count as
available the moment they run (no readiness probe), a budget that blocks every eviction
or protects nothing, and any value the API server would refuse. :data:`PEERS` compares
these checks with the documented checks of kube-score and kube-linter.

**What is read**, each field as the API documents it:

* Deployment ``spec.strategy``: ``type`` ``RollingUpdate`` (the default) or ``Recreate``;
  ``rollingUpdate.maxSurge`` and ``maxUnavailable``, counts or percentages, 25% each by
  default, resolved by :func:`~msatheory.deployment.bounds.rollout_bounds`. ``Recreate``
  stops every old pod before starting a new one: the fewest available is 0.
* StatefulSet ``spec.updateStrategy``: ``RollingUpdate`` (the default) replaces pods with
  no surge, ``maxUnavailable`` at a time (default 1; a percentage rounded down, then at
  least 1, as ``getStatefulSetMaxUnavailable`` does; clusters without the
  ``MaxUnavailableStatefulSet`` feature replace one at a time whatever is written);
  ``OnDelete`` replaces a pod only when someone deletes it.
* DaemonSet ``spec.updateStrategy``: ``maxSurge`` (default 0) and ``maxUnavailable``
  (default 1) count nodes, which manifests do not state: the values are checked, the
  bounds are not computed.
* ``spec.replicas`` (1 when omitted), or the ``minReplicas`` (default 1) of a
  HorizontalPodAutoscaler whose ``scaleTargetRef`` names the workload: the fewest pods
  it runs, when a rollout is most fragile.
* a container's ``readinessProbe``: a pod is ready when every container is, and a
  container without a probe is ready as soon as it runs.
* a PodDisruptionBudget's ``minAvailable`` or ``maxUnavailable`` and its ``selector``
  (``matchLabels``, ``matchExpressions``; omitted, it selects nothing; empty, every pod of
  its namespace), over the pods of every workload the selector matches.

This module reads records the importer builds (:class:`Workload`, :class:`Autoscaler`,
:class:`DisruptionBudget`, each value as written with its place); which file and line
they come from is :mod:`msatheory.check.kubernetes`'.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from msatheory.deployment.bounds import rollout_bounds
from msatheory.errors import TheoryError, require_instance, require_items
from msatheory.theory import Kind, get
from msatheory.theory.render import counted
from msatheory.theory.verdict import Verdict, Witness

__all__ = [
    "BLOCKS",
    "DOWN",
    "NOTHING",
    "PEERS",
    "REFUSED",
    "UNCOVERED",
    "UNREADY",
    "Autoscaler",
    "Budget",
    "DisruptionBudget",
    "Peer",
    "Rollout",
    "Rollouts",
    "Selector",
    "Workload",
    "Written",
    "check_budgets",
    "check_rollouts",
    "read_rollouts",
]

#: The witnesses of :func:`check_rollouts` and :func:`check_budgets`, by their ``what``.
DOWN = "rollout takes the service down"
UNREADY = "rolling update without readiness probe"
REFUSED = "refused by the API server"
BLOCKS = "budget blocks every eviction"
NOTHING = "budget protects nothing"

#: What each workload kind's update strategy is called, its types, and its defaults
#: (type, maxSurge, maxUnavailable), as the API server fills them in.
_STRATEGIES: dict[str, tuple[str, tuple[str, ...], tuple[str, object, object]]] = {
    "Deployment": ("spec.strategy", ("RollingUpdate", "Recreate"),
                   ("RollingUpdate", "25%", "25%")),
    "StatefulSet": ("spec.updateStrategy", ("RollingUpdate", "OnDelete"),
                    ("RollingUpdate", None, 1)),
    "DaemonSet": ("spec.updateStrategy", ("RollingUpdate", "OnDelete"),
                  ("RollingUpdate", 0, 1)),
}
_SCALED = ("Deployment", "StatefulSet", "ReplicaSet")
#: Rollouts a verdict's summary lists one by one; beyond, it counts them.
_LISTED = 3
_PERCENT = re.compile(r"[0-9]+%")


# -- what the manifests say -------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """A field as a manifest writes it: ``value`` (None when omitted) and ``place``
    (``spec.strategy.rollingUpdate.maxSurge (line 14)``)."""

    value: object = None
    place: str = ""

    @property
    def given(self) -> bool:
        """Whether the manifest writes the field."""
        return self.value is not None


@dataclass(frozen=True)
class Selector:
    """A label selector: ``labels`` (``matchLabels``) and ``expressions``
    (``matchExpressions`` as ``(key, operator, values)``). An empty selector selects
    every pod of its namespace (``policy/v1``)."""

    labels: Mapping[str, str] = field(default_factory=dict)
    expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether pods carrying ``labels`` are selected (``In``, ``NotIn``, ``Exists``,
        ``DoesNotExist``, as ``metav1.LabelSelectorAsSelector`` reads them)."""
        if any(labels.get(k) != v for k, v in self.labels.items()):
            return False
        tests = {"In": lambda key, values: labels.get(key) in values,
                 "NotIn": lambda key, values: labels.get(key) not in values,
                 "Exists": lambda key, values: key in labels,
                 "DoesNotExist": lambda key, values: key not in labels}
        return all(tests[op](key, values) if op in tests else False
                   for key, op, values in self.expressions)


@dataclass(frozen=True)
class Workload:
    """What a workload's manifest says about its rollout: its ``kind`` (Deployment,
    StatefulSet, DaemonSet; ReplicaSet and Pod are read for budgets only), ``name``,
    ``namespace`` and ``place``; its pod template's ``labels``; ``replicas`` (None when
    omitted); ``strategy`` (the type), ``rolling`` (the ``rollingUpdate`` mapping, its
    place when written), ``max_surge`` and ``max_unavailable`` as written; its
    ``containers`` (written at ``containers_place``) and those of them with a
    ``readiness`` probe."""

    kind: str
    name: str
    namespace: str
    place: str
    labels: Mapping[str, str] = field(default_factory=dict)
    replicas: Written = Written()
    strategy: Written = Written()
    rolling: Written = Written()
    max_surge: Written = Written()
    max_unavailable: Written = Written()
    containers: tuple[str, ...] = ()
    readiness: tuple[str, ...] = ()
    containers_place: str = ""


@dataclass(frozen=True)
class Autoscaler:
    """A HorizontalPodAutoscaler: it scales workload ``kind``/``target`` of its
    namespace between ``min_replicas`` (Kubernetes' default 1) and its maximum."""

    name: str
    namespace: str
    kind: str
    target: str
    min_replicas: int
    place: str


@dataclass(frozen=True)
class DisruptionBudget:
    """A PodDisruptionBudget as written: ``min_available`` and ``max_unavailable``
    (counts or percentages) and its ``selector`` (None when omitted: it selects no pod)."""

    name: str
    namespace: str
    place: str
    min_available: Written = Written()
    max_unavailable: Written = Written()
    selector: Selector | None = None
    selector_place: str = ""


# -- what they mean ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rollout:
    """Strategy 7.1.3 (滚动部署): one workload's rollout as the controller runs it.

    ``strategy`` is the type in force (defaults applied); ``replicas`` the pods it keeps
    (None for a DaemonSet: one per node, which the manifests do not say), and
    ``replicas_from`` where that number comes from; ``max_surge`` and ``max_unavailable``
    the values in force, as written or defaulted; ``max_pods`` and ``min_available`` the
    capacity bounds of a rollout (None when not known); ``probed`` whether a container
    has a readiness probe; ``refused`` why the API server would refuse the manifest
    (``""`` when it would not); ``reading`` all of it in words; ``where`` the place of
    the field that decides the bounds (the object's when all are defaults);
    ``probes_at`` that of the containers whose probes decide readiness; and ``declared``
    that of the first strategy field the manifest writes (its type or rollingUpdate
    settings), ``""`` when it writes none and the API server's defaults decide.
    """

    kind: str
    name: str
    namespace: str
    place: str
    strategy: str
    replicas: int | None
    replicas_from: str
    max_surge: str
    max_unavailable: str
    max_pods: int | None
    min_available: int | None
    probed: bool
    refused: str
    reading: str
    where: str = ""
    probes_at: str = ""
    declared: str = ""

    @property
    def rolling(self) -> bool:
        """Whether the controller replaces pods itself, a few at a time."""
        return self.strategy == "RollingUpdate" and not self.refused

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {"kind": self.kind, "name": self.name, "namespace": self.namespace,
                "place": self.place, "strategy": self.strategy, "replicas": self.replicas,
                "replicas_from": self.replicas_from, "max_surge": self.max_surge,
                "max_unavailable": self.max_unavailable, "max_pods": self.max_pods,
                "min_available": self.min_available, "readiness_probe": self.probed,
                "refused": self.refused, "reading": self.reading, "where": self.where,
                "probes_at": self.probes_at, "declared": self.declared}


@dataclass(frozen=True)
class Budget:
    """A PodDisruptionBudget as the disruption controller computes it.

    ``policy`` is the field written (``minAvailable 2``, ``""`` for none); ``selects``
    the workloads it matches (``Deployment carts``); ``pods`` the pods it expects (the
    sum of their replicas; None when a DaemonSet's pods count); ``healthy`` how many must
    stay healthy (``desiredHealthy``) and ``allowed`` how many evictions it allows when
    every pod is healthy (``disruptionsAllowed``), None when not known; ``refused`` why
    the API server would refuse it; ``reading`` all of it in words; ``where`` the place
    of the field that decides it (its policy, else its selector, else the object).
    """

    name: str
    namespace: str
    place: str
    policy: str
    selects: tuple[str, ...]
    pods: int | None
    healthy: int | None
    allowed: int | None
    refused: str
    reading: str
    where: str = ""

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {"name": self.name, "namespace": self.namespace, "place": self.place,
                "where": self.where,
                "policy": self.policy, "selects": list(self.selects), "pods": self.pods,
                "desired_healthy": self.healthy, "disruptions_allowed": self.allowed,
                "refused": self.refused, "reading": self.reading}


@dataclass(frozen=True)
class Rollouts:
    """Every rollout (:class:`Rollout`) and disruption budget (:class:`Budget`) of a
    system, in the order of the files."""

    rollouts: tuple[Rollout, ...]
    budgets: tuple[Budget, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {"rollouts": [r.as_dict() for r in self.rollouts],
                "budgets": [b.as_dict() for b in self.budgets]}


# -- reading ----------------------------------------------------------------------------------


def read_rollouts(workloads: Iterable[Workload], autoscalers: Iterable[Autoscaler] = (),
                  budgets: Iterable[DisruptionBudget] = ()) -> Rollouts | None:
    """Strategy 7.1.3 (滚动部署): each workload's rollout and each disruption budget.

    Parameters
    ----------
    workloads : iterable of Workload
        The workloads of the manifests; Deployments, StatefulSets and DaemonSets have a
        rollout, and every kind counts towards the budgets that select it.
    autoscalers : iterable of Autoscaler
        HorizontalPodAutoscalers: a workload one of them scales keeps ``minReplicas``
        pods at the least, and that is the number its bounds are computed for.
    budgets : iterable of DisruptionBudget
        The PodDisruptionBudgets.

    Returns
    -------
    Rollouts or None
        None when there is neither a rollout nor a budget.

    Raises
    ------
    TheoryError
        When an item is not of the record its argument names.

    Examples
    --------
    >>> web = Workload("Deployment", "web", "shop", "web.yaml", {"app": "web"},
    ...                replicas=Written(4, "spec.replicas (line 6)"), readiness=("web",))
    >>> found = read_rollouts([web])
    >>> rollout = found.rollouts[0]
    >>> rollout.max_surge, rollout.max_unavailable, rollout.max_pods, rollout.min_available
    ('25% (default)', '25% (default)', 5, 3)

    References
    ----------
    Kubernetes, "Deployments" (``.spec.strategy``), "StatefulSets" (update strategies),
    "Perform a Rolling Update on a DaemonSet", and "HorizontalPodAutoscaler"
    (``minReplicas``, default 1).
    """
    owner = "read_rollouts"
    workloads = require_items(owner, "workloads", workloads, Workload)
    autoscalers = require_items(owner, "autoscalers", autoscalers, Autoscaler)
    budgets = require_items(owner, "budgets", budgets, DisruptionBudget)
    scaled = {(a.namespace, a.kind, a.target): a for a in autoscalers}
    rollouts = tuple(_rollout(w, scaled.get((w.namespace, w.kind, w.name)))
                     for w in workloads if w.kind in _STRATEGIES)
    pods = {id(w): _pods(w, scaled.get((w.namespace, w.kind, w.name))) for w in workloads}
    found = tuple(_budget(b, workloads, pods) for b in budgets)
    return Rollouts(rollouts, found) if rollouts or found else None


def _pods(w: Workload, autoscaler: Autoscaler | None) -> tuple[int | None, str]:
    """How many pods a workload keeps, and where the number comes from."""
    if w.kind == "DaemonSet":
        return None, "one pod per node"
    if w.kind not in _SCALED:
        return 1, "a bare pod"
    if autoscaler is not None:
        return autoscaler.min_replicas, (f"HorizontalPodAutoscaler {autoscaler.name}'s "
                                         f"minReplicas ({autoscaler.place})")
    if w.replicas.given:
        return int(str(w.replicas.value)), "spec.replicas"
    return 1, "spec.replicas omitted: Kubernetes' default of 1"


def _shown(written: Written, default: object) -> tuple[object, str]:
    """The value in force and how it reads: ``25%`` or ``25% (default)``."""
    if written.given:
        return written.value, f"{written.value!r}" if _odd(written.value) else f"{written.value}"
    return default, f"{default} (default)"


def _odd(value: object) -> bool:
    """Whether a value is neither a count nor a percentage (then shown quoted)."""
    return not (isinstance(value, int) and not isinstance(value, bool)) and not (
        isinstance(value, str) and _PERCENT.fullmatch(value))


def _rollout(w: Workload, autoscaler: Autoscaler | None) -> Rollout:
    section, types, (default_type, default_surge, default_unavailable) = _STRATEGIES[w.kind]
    replicas, replicas_from = _pods(w, autoscaler)
    # The API server defaults an empty type as an omitted one (SetDefaults_Deployment).
    strategy = str(w.strategy.value) if w.strategy.value not in (None, "") else default_type
    surge, surge_text = _shown(w.max_surge, default_surge)
    unavailable, unavailable_text = _shown(w.max_unavailable, default_unavailable)
    refused = ""
    bounds: tuple[int, int] | None = None
    if strategy not in types:
        refused = (f"{section}.type is {w.strategy.value!r}, not "
                   f"{' or '.join(types)} ({w.strategy.place})")
    elif strategy != "RollingUpdate" and w.rolling.given:
        refused = (f"{section}.rollingUpdate may not be given when the type is "
                   f"{strategy} ({w.rolling.place})")
    elif strategy == "Recreate":
        bounds = (replicas or 0, 0)
    elif strategy == "OnDelete":
        bounds = (replicas, replicas) if replicas is not None else None
    else:
        refused, bounds = _rolling_bounds(w, replicas, surge, unavailable)
    if strategy != "RollingUpdate":
        surge_text = unavailable_text = "-"
    elif w.kind == "StatefulSet":  # a StatefulSet never surges
        surge_text = "-"
    max_pods, least = bounds if bounds is not None else (None, None)
    rollout = Rollout(w.kind, w.name, w.namespace, w.place, strategy, replicas,
                      replicas_from, surge_text, unavailable_text, max_pods, least,
                      bool(w.readiness), refused, "", _deciding(w, strategy),
                      w.containers_place or w.place, _declared(w))
    return replace(rollout, reading=_reading(rollout, w))


def _declared(w: Workload) -> str:
    """The place of the first rollout strategy field ``w`` writes, else ``""``."""
    fields = (w.strategy, w.rolling, w.max_surge, w.max_unavailable)
    return next((f.place for f in fields if f.given), "")


def _deciding(w: Workload, strategy: str) -> str:
    """The place of the field that decides a rollout's bounds."""
    fields = (w.strategy,) if strategy != "RollingUpdate" else (
        w.max_unavailable, w.max_surge, w.replicas, w.strategy)
    return next((f.place for f in fields if f.given), w.place)


def _rolling_bounds(w: Workload, replicas: int | None, surge: object,
                    unavailable: object) -> tuple[str, tuple[int, int] | None]:
    """Why the API server refuses a RollingUpdate (``""`` if it accepts it), and the
    bounds the controller keeps."""
    try:
        if w.kind == "StatefulSet":
            return "", _statefulset_bounds(replicas or 0, unavailable)
        # A DaemonSet's pods are one per node: rollout_bounds only validates its values.
        bounds = rollout_bounds(replicas or 0, surge, unavailable)  # type: ignore[arg-type]
    except TheoryError as error:
        reason = str(error).split(": ", 1)[1]
        reason = reason.replace("max_surge", "maxSurge").replace("max_unavailable",
                                                                 "maxUnavailable")
        places = [p.place for p in (w.max_surge, w.max_unavailable) if p.given]
        return f"{reason} ({'; '.join(places) or w.place})", None
    return "", bounds if w.kind == "Deployment" else None


def _statefulset_bounds(replicas: int, unavailable: object) -> tuple[int, int]:
    """A StatefulSet's rollout: no surge, and ``maxUnavailable`` (default 1) a count of 1
    or more or a percentage of 1% to 100% rounded down, then raised to at least 1
    (``getStatefulSetMaxUnavailable``)."""
    owner = "StatefulSet"
    if isinstance(unavailable, str):
        if not _PERCENT.fullmatch(unavailable) or not 0 < int(unavailable[:-1]) <= 100:
            raise TheoryError(f"{owner}: maxUnavailable must be a count of 1 or more or a "
                              f"percentage from 1% to 100%, not {unavailable!r}")
        down = max(1, int(unavailable[:-1]) * replicas // 100)
    elif isinstance(unavailable, bool) or not isinstance(unavailable, int) or unavailable < 1:
        raise TheoryError(f"{owner}: maxUnavailable must be a count of 1 or more or a "
                          f"percentage from 1% to 100%, not {unavailable!r}")
    else:
        down = unavailable
    return replicas, replicas - min(down, replicas)


def _reading(r: Rollout, w: Workload) -> str:
    head = f"{r.kind} {r.name}: {r.strategy}"
    if r.refused:
        return f"{head}: refused by the API server: {r.refused}"
    pods = (f" of {counted(r.replicas, 'replica')}" if r.replicas is not None
            else " (one pod per node)")
    if r.replicas_from.startswith("Horizontal"):
        pods += " (its autoscaler's minReplicas)"
    elif r.kind != "DaemonSet" and not w.replicas.given:
        pods += " (default)"
    if r.strategy == "Recreate":
        return f"{head}{pods}: every old pod stops before a new one starts (0 available)"
    if r.strategy == "OnDelete":
        return f"{head}{pods}: pods are replaced only when deleted by hand"
    limits = (f", maxUnavailable {r.max_unavailable}" if r.kind == "StatefulSet" else
              f", maxSurge {r.max_surge}, maxUnavailable {r.max_unavailable}")
    if r.max_pods is None:
        return f"{head}{pods}{limits}: per node, on nodes the manifests do not count"
    return (f"{head}{pods}{limits}: at most {counted(r.max_pods, 'pod')}, at least "
            f"{r.min_available} available")


def _budget(b: DisruptionBudget, workloads: tuple[Workload, ...],
            pods: Mapping[int, tuple[int | None, str]]) -> Budget:
    """A budget's expected pods, desired healthy pods and allowed disruptions, as
    ``getExpectedPodCount`` and ``updatePdbStatus`` compute them."""
    selected = [w for w in workloads if b.selector is not None and w.namespace == b.namespace
                and b.selector.matches(w.labels)]
    names = tuple(f"{w.kind} {w.name}" for w in selected)
    counts = [pods[id(w)][0] for w in selected]
    expected = None if None in counts else sum(c for c in counts if c is not None)
    policy, refused = _policy(b)
    healthy = allowed = None
    if not refused and not policy:  # the controller expects 0 pods: no eviction
        healthy = allowed = 0
    elif not refused and expected is not None:
        healthy = _healthy(b, expected)
        allowed = max(0, expected - healthy) if expected > 0 else 0
    where = next((f.place for f in (b.min_available, b.max_unavailable) if f.given),
                 "") if names else b.selector_place
    budget = Budget(b.name, b.namespace, b.place, policy, names, expected, healthy,
                    allowed, refused, "", where or b.place)
    return replace(budget, reading=_budget_reading(budget))


def _policy(b: DisruptionBudget) -> tuple[str, str]:
    """The policy written (``minAvailable 50%``) and why the API server refuses it."""
    given = [(name, w) for name, w in (("minAvailable", b.min_available),
                                       ("maxUnavailable", b.max_unavailable)) if w.given]
    if not given:
        return "", ""
    policy = ", ".join(f"{name} {w.value}" for name, w in given)
    if len(given) == 2:
        return policy, (f"minAvailable and maxUnavailable may not both be set "
                        f"({b.min_available.place})")
    name, w = given[0]
    value = w.value
    if isinstance(value, str) and _PERCENT.fullmatch(value):
        if int(value[:-1]) > 100:
            return policy, f"{name} must not be greater than 100%, not {value!r} ({w.place})"
        return policy, ""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return policy, (f"{name} must be a count of 0 or more or a percentage such as "
                        f"'50%', not {value!r} ({w.place})")
    return policy, ""


def _healthy(b: DisruptionBudget, expected: int) -> int:
    """``desiredHealthy`` of a budget with one policy: percentages of the expected pods
    rounded up, for ``minAvailable`` and ``maxUnavailable`` alike."""
    if b.max_unavailable.given:
        return max(0, expected - _scaled(b.max_unavailable.value, expected))
    return _scaled(b.min_available.value, expected)


def _scaled(value: object, total: int) -> int:
    """``intstr.GetScaledValueFromIntOrPercent(value, total, roundUp=true)``."""
    if isinstance(value, str):
        return -(-int(value[:-1]) * total // 100)
    return int(str(value))


def _budget_reading(b: Budget) -> str:
    head = f"PodDisruptionBudget {b.name}"
    if b.refused:
        return f"{head}: refused by the API server: {b.refused}"
    if not b.selects:
        return f"{head} ({b.policy or 'no policy'}): selects no workload"
    which = ", ".join(b.selects)
    if not b.policy:
        return (f"{head} sets neither minAvailable nor maxUnavailable: the controller "
                f"expects 0 pods and allows no eviction of {which}")
    if b.pods is None:
        return f"{head} ({b.policy}) over {which}: the pods per node are not in the files"
    return (f"{head} ({b.policy}) over {which}: {b.healthy} of {counted(b.pods, 'pod')} "
            f"must stay healthy, {counted(b.allowed or 0, 'eviction')} allowed at once")


# -- checking ---------------------------------------------------------------------------------


def check_rollouts(rollouts: Rollouts) -> Verdict:
    """Strategy 7.1.3 (滚动部署): each rollout's capacity bounds, and the rollouts that do
    not keep the service available.

    Ours: a rolling deployment keeps the service available when, throughout the
    rollout, at least one pod is available and a pod counts as available only once it
    can serve. The summary gives every rollout's bounds (the most pods and the fewest
    available, with Kubernetes' rounding); a witness is a rollout that breaks this.

    Parameters
    ----------
    rollouts : Rollouts
        As :func:`read_rollouts` read them.

    Returns
    -------
    Verdict
        On Strategy 7.1.3. Witnesses, each ``involves`` naming the workload:
        ``"rollout takes the service down"`` (a Recreate strategy, or a rolling update
        whose fewest available pods is 0: maxUnavailable 100%, or a single replica with
        ``maxSurge: 0``; a single replica with the defaults holds, as its surge pod comes
        up first), ``"rolling update without readiness probe"`` (no container has a
        readiness probe, so each new pod is available, and receives traffic, as soon as it
        runs) and ``"refused by the API server"``. Workloads scaled to zero are not
        witnesses.

    Raises
    ------
    TheoryError
        When ``rollouts`` is not a :class:`Rollouts`.

    Examples
    --------
    >>> web = Workload("Deployment", "web", "shop", "web.yaml (line 3)", {"app": "web"},
    ...                max_unavailable=Written("100%", "maxUnavailable (line 9)"),
    ...                replicas=Written(3, "spec.replicas (line 6)"), readiness=("web",))
    >>> verdict = check_rollouts(read_rollouts([web]))
    >>> for witness in verdict.witnesses:
    ...     print(witness.what, "|", witness.detail[:53])
    rollout takes the service down | Deployment web: RollingUpdate of 3 replicas, maxSurge

    References
    ----------
    .. [1] Strategy 7.1.3 of the theory (滚动部署).
    .. [2] Kubernetes, ``ResolveFenceposts`` and ``MaxUnavailable`` in
       ``pkg/controller/deployment/util/deployment_util.go``; ``getStatefulSetMaxUnavailable``
       in ``pkg/controller/statefulset/stateful_set_utils.go``; "Configure Liveness,
       Readiness and Startup Probes".
    """
    require_instance("check_rollouts", "rollouts", rollouts, Rollouts)
    witnesses = [w for r in rollouts.rollouts for w in _rollout_witnesses(r)]
    return Verdict(get(Kind.STRATEGY, "7.1.3"), witnesses, _summary(rollouts.rollouts))


def _summary(rollouts: tuple[Rollout, ...]) -> str:
    """Each reading for up to :data:`_LISTED` rollouts; counts for more."""
    if len(rollouts) <= _LISTED:
        return "; ".join(r.reading for r in rollouts) + "." if rollouts else \
            "No Deployment, StatefulSet or DaemonSet."
    known = [r for r in rollouts if r.min_available is not None]
    serving = sum(r.min_available > 0 or r.replicas == 0 for r in known
                  if r.min_available is not None)
    rolling = [r for r in rollouts if r.rolling]
    return (f"{len(rollouts)} rollouts; {serving} of the {len(known)} with known bounds "
            f"keep a pod available throughout; {sum(r.probed for r in rolling)} of "
            f"{len(rolling)} rolling updates wait for a readiness probe.")


def _rollout_witnesses(r: Rollout) -> list[Witness]:
    if r.refused:
        return [Witness(REFUSED, (r.name,), f"{r.kind} {r.name}: {r.refused}")]
    if r.replicas == 0:
        return []
    found = []
    if r.min_available == 0:
        found.append(Witness(DOWN, (r.name,), f"{r.reading}: no pod serves while it runs "
                                              f"({r.where})"))
    if r.rolling and not r.probed:
        found.append(Witness(UNREADY, (r.name,),
                             f"{r.kind} {r.name}: no container has a readiness probe, so "
                             "each new pod counts as available, and receives traffic, as "
                             f"soon as it runs ({r.probes_at})"))
    return found


def check_budgets(rollouts: Rollouts) -> Verdict:
    """Strategy 7.1.3 (滚动部署): each PodDisruptionBudget, and those that cannot keep the
    service available through voluntary evictions.

    Ours: the theory's "keep the service available" also covers the disruptions a
    rollout does not cause, such as a node drain, which a PodDisruptionBudget limits. A
    budget that allows no eviction blocks every drain (an operator then deletes pods by
    hand, and the budget protects nothing); one that allows every pod to go, or selects
    no workload, protects nothing. Percentages round up, for ``minAvailable`` and
    ``maxUnavailable`` alike, and the pods of every workload the selector matches count.

    Parameters
    ----------
    rollouts : Rollouts
        As :func:`read_rollouts` read them.

    Returns
    -------
    Verdict
        On Strategy 7.1.3. Witnesses, each ``involves`` naming the budget:
        ``"budget blocks every eviction"`` (``maxUnavailable`` 0, ``minAvailable`` at or
        above the pods, ``100%``, or no policy at all), ``"budget protects nothing"``
        (``minAvailable`` 0, ``maxUnavailable`` at or above the pods, or a selector
        matching no workload) and ``"refused by the API server"``.

    Raises
    ------
    TheoryError
        When ``rollouts`` is not a :class:`Rollouts`.

    Examples
    --------
    >>> db = Workload("StatefulSet", "db", "shop", "db.yaml (line 3)", {"app": "db"},
    ...               replicas=Written(3, "spec.replicas (line 6)"), readiness=("db",))
    >>> pdb = DisruptionBudget("db", "shop", "pdb.yaml (line 3)",
    ...                        min_available=Written("67%", "minAvailable (line 6)"),
    ...                        selector=Selector({"app": "db"}))
    >>> verdict = check_budgets(read_rollouts([db], budgets=[pdb]))
    >>> print(verdict.summary[:64])
    PodDisruptionBudget db (minAvailable 67%) over StatefulSet db: 3
    >>> budget = read_rollouts([db], budgets=[pdb]).budgets[0]
    >>> budget.pods, budget.healthy, budget.allowed
    (3, 3, 0)
    >>> [w.what for w in verdict.witnesses]
    ['budget blocks every eviction']

    References
    ----------
    .. [1] Strategy 7.1.3 of the theory (滚动部署).
    .. [2] Kubernetes, ``getExpectedPodCount``, ``getExpectedScale`` and
       ``updatePdbStatus`` in ``pkg/controller/disruption/disruption.go``
       (``intstr.GetScaledValueFromIntOrPercent(..., roundUp=true)``); "Specifying a
       Disruption Budget for your Application"; ``checkAndDecrement`` in
       ``pkg/registry/core/pod/storage/eviction.go`` (no eviction while
       ``disruptionsAllowed`` is 0).
    """
    require_instance("check_budgets", "rollouts", rollouts, Rollouts)
    witnesses = [w for b in rollouts.budgets for w in _budget_witnesses(b)]
    summary = "; ".join(b.reading for b in rollouts.budgets) or (
        "no PodDisruptionBudget: nothing limits how many pods a node drain evicts at once")
    return Verdict(get(Kind.STRATEGY, "7.1.3"), witnesses, summary + ".")


def _budget_witnesses(b: Budget) -> list[Witness]:
    detail = f"{b.reading} ({b.where})"
    if b.refused:
        return [Witness(REFUSED, (b.name,), detail)]
    if not b.selects:
        return [Witness(NOTHING, (b.name,), detail)]
    if not b.policy:
        return [Witness(BLOCKS, (b.name,), detail)]
    if b.pods is None:
        return _unscaled_witnesses(b, detail)
    if b.pods > 0 and b.allowed == 0:
        return [Witness(BLOCKS, (b.name,), f"{detail}: a node drain waits for ever")]
    if b.pods > 0 and b.healthy == 0:
        return [Witness(NOTHING, (b.name,), f"{detail}: a drain may evict every pod")]
    return []


def _unscaled_witnesses(b: Budget, detail: str) -> list[Witness]:
    """What a budget over pods of unknown number says whatever that number is."""
    blocks = {"maxUnavailable 0", "maxUnavailable 0%", "minAvailable 100%"}
    nothing = {"minAvailable 0", "minAvailable 0%", "maxUnavailable 100%"}
    if b.policy in blocks:
        return [Witness(BLOCKS, (b.name,), f"{detail}: a node drain waits for ever")]
    if b.policy in nothing:
        return [Witness(NOTHING, (b.name,), f"{detail}: a drain may evict every pod")]
    return []


# -- the peers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Peer:
    """One check of ours beside the documented checks of kube-score and kube-linter
    that look at the same thing (their check IDs), and how they differ. ``own`` marks a
    check no peer makes: the theory's own."""

    ours: str
    kube_score: tuple[str, ...]
    kube_linter: tuple[str, ...]
    own: bool
    difference: str


#: Our checks (:func:`check_rollouts`, :func:`check_budgets`; ``"capacity bounds"`` is the
#: fact every rollout reports) beside kube-score's and kube-linter's.
PEERS = (
    Peer("capacity bounds", (), (), True,
         "The most pods and the fewest available of each rollout, maxSurge rounded up and "
         "maxUnavailable down as the Deployment controller resolves them; neither tool "
         "computes them."),
    Peer(DOWN, ("deployment-strategy", "deployment-replicas"),
         ("no-rolling-update-strategy", "minimum-three-replicas"), True,
         "The peers flag the Recreate strategy and fewer than 2 (kube-score) or 3 "
         "(kube-linter, off by default) replicas by rule; ours computes the fewest "
         "available pods, so one replica with the default surge holds and ten replicas "
         "with maxUnavailable 100% fail, which no peer catches."),
    Peer(UNREADY, ("pod-probes",), ("no-readiness-probe",), False,
         "kube-score asks for a readiness probe on some container of each pod a Service "
         "targets, kube-linter (off by default) on every container; ours asks it of the "
         "pods a rolling update replaces, where an unready pod counts as available."),
    Peer(BLOCKS, ("poddisruptionbudget-has-policy",),
         ("pdb-max-unavailable", "pdb-min-available"), False,
         "kube-linter compares minAvailable with each matching workload's replicas "
         "alone; ours sums the pods of every workload the selector matches, as the "
         "disruption controller does, and counts a budget with no policy (kube-score's "
         "check) as blocking, which is what the controller makes of it."),
    Peer(NOTHING, ("deployment-has-poddisruptionbudget",
                   "statefulset-has-poddisruptionbudget"), (), True,
         "kube-score flags a workload of 2 or more replicas with no budget; ours flags "
         "budgets that exist but limit nothing (minAvailable 0, maxUnavailable at or "
         "above the pods, a selector matching no workload), which no peer reports."),
    Peer(REFUSED, (), ("pdb-min-available",), False,
         "kube-linter reports an unreadable minAvailable; ours reports every value the "
         "API server refuses (maxUnavailable above 100%, both zero, both budget fields "
         "set, a percentage written without %), where the peers parse with the API's "
         "types and stop."),
)

#: Peer checks on the same objects that we do not make, and why.
UNCOVERED = (
    ("kube-score", "pod-probes-identical",
     "a readiness probe equal to the liveness probe: a probe's content, not the rollout"),
    ("kube-score", "deployment-has-host-podantiaffinity",
     "replicas on one node fail together: placement (chapter 1's blast radius), not the "
     "rollout"),
    ("kube-linter", "no-anti-affinity", "the same, for kube-linter"),
    ("kube-score", "deployment-targeted-by-hpa-does-not-have-replicas-configured",
     "a static replica count fights the autoscaler; ours reads the autoscaler's "
     "minReplicas as the pods a rollout keeps"),
    ("kube-score", "horizontalpodautoscaler-replicas",
     "an autoscaler's minimum below 2: the replica count, not the rollout"),
    ("kube-linter", "hpa-minimum-three-replicas", "the same, for kube-linter"),
    ("kube-linter", "pdb-unhealthy-pod-eviction-policy",
     "whether unhealthy pods may be evicted: a field with no effect on healthy capacity"),
)
