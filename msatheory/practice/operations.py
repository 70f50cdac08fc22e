"""Practice 8.2.3 (部署运维): containers, automated deployment and monitoring, as files show them.

The practice has three parts, and each is checked on what a compose file or a set of
Kubernetes manifests says:

1. *Deploy in containers* (使用容器化部署): :func:`check_containers`. Every service and
   data store runs from an image that names its version: a tag other than ``latest``, or a
   digest. An image without a tag, or tagged ``latest``, names whatever was pushed last, so
   two nodes pulling at different times run different code under one name, and a rollback
   to "the previous image" has nothing to roll back to.
2. *Automate deployment* (实现自动化部署): :func:`check_automated_rollouts`. Every
   workload rolls out by a strategy its manifest declares, and one the controller runs by
   itself: a StatefulSet or DaemonSet with ``OnDelete`` replaces a pod only when someone
   deletes it.
3. *Build thorough monitoring* (建立完善的监控): :func:`check_monitoring`. The system runs
   something that collects metrics, something that collects traces and something that
   alerts (Def 7.2.1, Def 7.3.2 and Def 7.2.2), recognised by the images of the tools
   (:data:`SIGNALS`). Health checks and readiness probes are Algorithm 3.2.2's and
   Strategy 7.1.3's checks.

The module stops at what the files show. Monitoring deployed by other files (a cluster's
Prometheus operator, a hosted tracing service) is invisible here: read those files together
with the system's (``msatheory check app.yaml monitoring.yaml``) to count it. A tag is a
version name, not a guarantee: a registry lets it be pushed again, which only a digest
rules out.
"""

from __future__ import annotations

from collections.abc import Mapping

from msatheory.check.system import Deployed
from msatheory.check.technologies import monitoring_tool
from msatheory.deployment.manifests import Rollouts
from msatheory.errors import TheoryError, require_instance, require_name
from msatheory.theory import Kind, get
from msatheory.theory.render import counted
from msatheory.theory.verdict import Verdict, Witness

__all__ = [
    "SIGNALS",
    "check_automated_rollouts",
    "check_containers",
    "check_monitoring",
    "image_version",
]

#: Witness kinds of :func:`check_containers`.
UNPINNED, NO_IMAGE, INCOMPLETE = "image not pinned", "no image", "image name incomplete"
#: Witness kinds of :func:`check_automated_rollouts`.
MANUAL, UNDECLARED = "manual rollout", "rollout strategy not declared"

#: What each monitoring tool (:data:`msatheory.check.technologies.MONITORING_REPOSITORIES`)
#: collects or does: ``metrics`` (Def 7.2.1), ``traces`` (Def 7.3.2), ``logs`` (Def 7.3.1)
#: or ``alerts`` (Def 7.2.2). Grafana alerts on its own (Grafana Alerting, on by default
#: since Grafana 9); the agents and the OpenTelemetry Collector receive all three kinds of
#: telemetry and export them.
SIGNALS: dict[str, tuple[str, ...]] = {
    "Prometheus": ("metrics",),
    "Prometheus Pushgateway": ("metrics",),
    "an exporter": ("metrics",),
    "Telegraf": ("metrics",),
    "StatsD": ("metrics",),
    "Alertmanager": ("alerts",),
    "Grafana": ("alerts",),
    "Grafana Agent": ("metrics", "logs", "traces"),
    "Grafana Alloy": ("metrics", "logs", "traces"),
    "the OpenTelemetry Collector": ("metrics", "logs", "traces"),
    "the Datadog Agent": ("metrics", "logs", "traces"),
    "Grafana Tempo": ("traces",),
    "Zipkin": ("traces",),
    "Jaeger": ("traces",),
    "Grafana Loki": ("logs",),
    "Seq": ("logs",),
    "HealthChecks UI": (),
}

#: The signals Practice 8.2.3's monitoring needs, with the definition each serves.
NEEDED = (("metrics", "Def 7.2.1"), ("traces", "Def 7.3.2"), ("alerts", "Def 7.2.2"))


def image_version(image: str) -> tuple[str, str, str]:
    """``(repository, tag, digest)`` of an image reference, each ``""`` when absent.

    The tag follows the last ``:`` of the last path component (a ``:`` before the first
    ``/`` is a registry's port); the digest follows ``@``.

    >>> image_version("registry:5000/shop/orders:2.1.3")
    ('registry:5000/shop/orders', '2.1.3', '')
    >>> image_version("redis@sha256:0123abcd")
    ('redis', '', 'sha256:0123abcd')
    """
    name, _, digest = image.strip().partition("@")
    head, slash, last = name.rpartition("/")
    last, colon, tag = last.partition(":")
    return f"{head}{slash}{last}", tag if colon else "", digest


def _pinning(name: str, deployed: Deployed) -> Witness | None:
    what = f"{name} runs {deployed.image}" if deployed.image else name
    if not deployed.image:
        return Witness(NO_IMAGE, (name,), f"{name} names no image: it is built where it is "
                                          f"deployed, so no name says what runs "
                                          f"({deployed.place})")
    repository, tag, digest = image_version(deployed.image)
    if digest:
        return None
    if not repository.rpartition("/")[2] or deployed.image.rstrip().endswith(":"):
        return Witness(INCOMPLETE, (name,), f"{name} runs {deployed.image!r} once the "
                                            f"file's variables are filled in: its name or "
                                            f"tag is empty ({deployed.place})")
    if tag in ("", "latest"):
        said = "tagged latest" if tag else "without a tag, which means latest"
        return Witness(UNPINNED, (name,), f"{what}, {said}: whatever was pushed last, so "
                                          f"two pulls can run different code "
                                          f"({deployed.place})")
    return None


def check_containers(containers: Mapping[str, tuple[Deployed, ...]]) -> Verdict:
    """Practice 8.2.3 (部署运维), part 1: every service and data store runs from an image
    pinned to a version.

    Parameters
    ----------
    containers : mapping of str to tuple of Deployed
        What runs each service and data store (:attr:`msatheory.check.System.containers`).

    Returns
    -------
    Verdict
        On Practice 8.2.3; its summary counts the images pinned by tag and by digest.
        Witnesses, each ``involves`` naming the service or data store: ``"image not
        pinned"`` (no tag, or ``latest``), ``"image name incomplete"`` (an empty name or
        tag once variables are filled in) and ``"no image"`` (built where it is deployed).

    Raises
    ------
    TheoryError
        When ``containers`` is not a mapping of names to :class:`Deployed` tuples.

    Examples
    --------
    >>> from msatheory.check.system import Deployed
    >>> web = Deployed("container", "web", "shop/web:latest", False, 1, "services.web")
    >>> db = Deployed("container", "db", "postgres:16.4", False, 1, "services.db")
    >>> print(check_containers({"web": (web,), "db": (db,)}))
    Practice 8.2.3 Deployment and operations (部署运维): violated. 1 of 2 images is pinned \
(1 by tag, 0 by digest).
      - image not pinned: web runs shop/web:latest, tagged latest: whatever was pushed \
last, so two pulls can run different code (services.web)

    References
    ----------
    .. [1] Practice 8.2.3 of the theory (部署运维).
    .. [2] Kubernetes, "Images": "avoid using the :latest tag when deploying containers in
       production", and image pull by digest.
    """
    running = _containers("check_containers", containers)
    witnesses = [w for name, deployed in running for w in [_pinning(name, deployed)] if w]
    digests = sum(bool(image_version(d.image)[2]) for _, d in running)
    pinned = len(running) - len(witnesses)
    return Verdict(get(Kind.PRACTICE, "8.2.3"), witnesses,
                   f"{pinned} of {counted(len(running), 'image')} "
                   f"{'is' if pinned == 1 else 'are'} pinned ({pinned - digests} by tag, "
                   f"{digests} by digest).")


def check_automated_rollouts(rollouts: Rollouts) -> Verdict:
    """Practice 8.2.3 (部署运维), part 2: every workload rolls out by a declared strategy
    that its controller runs by itself.

    Parameters
    ----------
    rollouts : Rollouts
        The workloads' rollouts, as :func:`msatheory.deployment.manifests.read_rollouts`
        read them.

    Returns
    -------
    Verdict
        On Practice 8.2.3. Witnesses, each ``involves`` naming the workload: ``"manual
        rollout"`` (``OnDelete``: a pod is replaced only when someone deletes it) and
        ``"rollout strategy not declared"`` (no strategy field is written, so the API
        server's defaults decide how fast the rollout goes and how much capacity it
        takes). Workloads the API server refuses are Strategy 7.1.3's witnesses.

    Raises
    ------
    TheoryError
        When ``rollouts`` is not a :class:`~msatheory.deployment.manifests.Rollouts`.

    Examples
    --------
    >>> from msatheory.deployment.manifests import Workload, Written, read_rollouts
    >>> db = Workload("StatefulSet", "db", "shop", "db.yaml (line 3)", {"app": "db"},
    ...               strategy=Written("OnDelete", "spec.updateStrategy.type (line 8)"))
    >>> for witness in check_automated_rollouts(read_rollouts([db])).witnesses:
    ...     print(witness.what, "|", witness.detail)
    manual rollout | StatefulSet db: pods are replaced only when deleted by hand \
(spec.updateStrategy.type (line 8))

    References
    ----------
    .. [1] Practice 8.2.3 of the theory (部署运维).
    .. [2] Kubernetes, "StatefulSets: Update strategies" (``OnDelete``) and "Deployments:
       Strategy" (the defaults of ``RollingUpdate``).
    """
    require_instance("check_automated_rollouts", "rollouts", rollouts, Rollouts)
    witnesses = []
    for r in rollouts.rollouts:
        if r.refused:
            continue
        if r.strategy == "OnDelete":
            witnesses.append(Witness(MANUAL, (r.name,), f"{r.kind} {r.name}: pods are "
                                     f"replaced only when deleted by hand ({r.declared})"))
        elif not r.declared:
            witnesses.append(Witness(UNDECLARED, (r.name,), f"{r.kind} {r.name} writes no "
                                     f"strategy; the API server's defaults decide: "
                                     f"{r.reading} ({r.place})"))
    declared = sum(bool(r.declared) for r in rollouts.rollouts)
    return Verdict(get(Kind.PRACTICE, "8.2.3"), witnesses,
                   f"{declared} of {counted(len(rollouts.rollouts), 'workload')} "
                   f"{'declares its' if declared == 1 else 'declare their'} rollout "
                   f"strategy.")


def check_monitoring(containers: Mapping[str, tuple[Deployed, ...]]) -> Verdict:
    """Practice 8.2.3 (部署运维), part 3: the system collects metrics and traces and alerts.

    Parameters
    ----------
    containers : mapping of str to tuple of Deployed
        What runs each service and data store (:attr:`msatheory.check.System.containers`).

    Returns
    -------
    Verdict
        On Practice 8.2.3; its summary names the monitoring tools found and what each
        signal comes from. One witness per signal nothing collects: ``"no metrics"`` (Def
        7.2.1), ``"no traces"`` (Def 7.3.2), ``"no alerts"`` (Def 7.2.2); ``involves`` is
        empty, as the absence concerns the whole system.

    Raises
    ------
    TheoryError
        When ``containers`` is not a mapping of names to :class:`Deployed` tuples.

    Examples
    --------
    >>> from msatheory.check.system import Deployed
    >>> prom = Deployed("container", "prom", "prom/prometheus:v2.53.0", False, 1, "p")
    >>> for witness in check_monitoring({"prom": (prom,)}).witnesses:
    ...     print(witness.what)
    no alerts
    no traces

    References
    ----------
    .. [1] Practice 8.2.3 of the theory (部署运维); Defs 7.2.1, 7.2.2 and 7.3.2.
    .. [2] B. Beyer et al., *Site Reliability Engineering*, O'Reilly 2016, chapter 6,
       "Monitoring Distributed Systems".
    """
    running = _containers("check_monitoring", containers)
    tools = sorted({(tool, name) for name, d in running
                    if (tool := monitoring_tool(d.image)) is not None})
    sources = {signal: sorted({f"{tool} ({name})" for tool, name in tools
                               if signal in SIGNALS.get(tool, ())})
               for signal, _ in NEEDED}
    witnesses = [Witness(f"no {signal}", (), f"nothing in the files collects {signal} "
                                             f"({ref}): no container runs "
                                             f"{_tools_for(signal)}")
                 for signal, ref in NEEDED if not sources[signal]]
    found = "; ".join(f"{signal} from {', '.join(names)}"
                      for signal, names in sources.items() if names)
    return Verdict(get(Kind.PRACTICE, "8.2.3"), witnesses,
                   f"{found}." if found else "No monitoring tool runs in the files.")


def _tools_for(signal: str) -> str:
    """The tools that collect ``signal``: the first three, then how many more."""
    names = sorted(tool for tool, signals in SIGNALS.items() if signal in signals)
    if len(names) > 3:
        return f"{', '.join(names[:3])} or {counted(len(names) - 3, 'other tool')}"
    return ", ".join(names[:-1]) + f" or {names[-1]}"


def _containers(owner: str, containers: object) -> list[tuple[str, Deployed]]:
    """``containers`` as ``(name, Deployed)`` pairs in name order, checked."""
    if not isinstance(containers, Mapping):
        raise TheoryError(f"{owner}: containers must be a mapping of names to Deployed "
                          f"tuples, not {type(containers).__name__}")
    pairs = []
    for name in sorted(require_name(owner, "a name in containers", n) for n in containers):
        for deployed in require_instance(owner, f"containers[{name!r}]", containers[name],
                                         tuple):
            require_instance(owner, f"containers[{name!r}]", deployed, Deployed)
            pairs.append((name, deployed))
    return pairs
