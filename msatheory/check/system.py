"""A system as read from a file: the chapter 1 model plus what the file says beyond it.

An architecture file states its calls; a compose file or a set of Kubernetes
manifests does not, so an importer infers them from addresses and says so. A
:class:`System` keeps each inferred edge with its evidence (:class:`Inference`) and
each thing worth a reader's attention that is not a model fact (:class:`Finding`):
a dangling address, a start-up order with no address behind it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from msatheory.basics.model import Architecture
from msatheory.check.source import Position
from msatheory.design.boundary import Design
from msatheory.design.sizing import Bounds

if TYPE_CHECKING:
    from msatheory.communication.istio import Resilience
    from msatheory.data.storage import Storage
    from msatheory.deployment.manifests import Rollouts
    from msatheory.gateway.ingress import Routing

__all__ = ["Deployed", "Finding", "Inference", "System"]

_ARROWS = {"call": "calls", "datastore": "uses data store", "monitoring": "monitors"}


@dataclass(frozen=True, order=True)
class Inference:
    """An edge an importer inferred: ``source`` calls, uses or monitors ``target``.

    ``kind`` is ``"call"``, ``"datastore"`` or ``"monitoring"`` (a health check, a metrics
    scrape or telemetry: reported, never a dependency); ``evidence`` says what in the
    file shows it (``environment variable CART_URL = http://cart:8080``) and ``place``
    where that is (``services.web.environment.CART_URL (line 12)``).
    """

    source: str
    target: str
    kind: str
    evidence: str
    place: str

    def __str__(self) -> str:
        arrow = _ARROWS[self.kind]
        return f"{self.source} {arrow} {self.target}: {self.evidence} at {self.place}"

    def as_dict(self) -> dict[str, str]:
        """A JSON-ready form."""
        return {"source": self.source, "target": self.target, "kind": self.kind,
                "evidence": self.evidence, "place": self.place}


@dataclass(frozen=True, order=True)
class Finding:
    """Something in the file a reader should know that is not an edge of the model.

    ``what`` names the kind (``"dangling address"``, ``"start-up order only"``,
    ``"data store by image"``), ``place`` where it is, ``detail`` says it in words.
    """

    what: str
    place: str
    detail: str

    def __str__(self) -> str:
        return f"{self.what} at {self.place}: {self.detail}"

    def as_dict(self) -> dict[str, str]:
        """A JSON-ready form."""
        return {"what": self.what, "place": self.place, "detail": self.detail}


@dataclass(frozen=True, order=True)
class Deployed:
    """What runs a service or data store: a compose container, or one Kubernetes workload
    behind a Service. ``what`` is ``"container"`` or the workload's kind; ``position``
    where the file declares it, when known."""

    what: str
    name: str
    image: str
    healthcheck: bool
    replicas: int
    place: str
    position: Position | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {"what": self.what, "name": self.name, "image": self.image,
                "healthcheck": self.healthcheck, "replicas": self.replicas,
                "place": self.place}


@dataclass(frozen=True)
class System:
    """What a file, or several files read together, describe, as the checkers see it.

    ``origin`` is ``"architecture"``, ``"docker-compose"`` or ``"kubernetes"``;
    ``gateways`` the services clients are meant to enter by (Pattern 4.3.1);
    ``design`` the chapter 2 view when the file gives functions, else ``None``;
    ``deployed`` what runs each service and data store, when an importer knows;
    ``routing`` the tables of a cluster's Ingress and HTTPRoute objects, else ``None``;
    ``resilience`` the retry, timeout and ejection policies of its Istio VirtualService and
    DestinationRule objects, by destination service, else ``None``;
    ``storage`` each data store's instances and replication settings (Def 6.3.1), when a
    compose file or manifests deploy data stores, else ``None``;
    ``rollouts`` each workload's rollout and each PodDisruptionBudget (Strategy 7.1.3),
    when manifests hold a Deployment, StatefulSet, DaemonSet or PodDisruptionBudget,
    else ``None``; ``declared`` where an architecture file declares each service and data
    store (:meth:`position` also knows what ``deployed`` says); ``files`` the files it
    was read from, when several files or a folder were read as one (else ``(file,)``).
    """

    file: str
    origin: str
    architecture: Architecture
    gateways: tuple[str, ...] = ()
    design: Design | None = None
    bounds: Bounds = field(default_factory=Bounds)
    inferred: tuple[Inference, ...] = ()
    findings: tuple[Finding, ...] = ()
    deployed: dict[str, tuple[Deployed, ...]] = field(default_factory=dict)
    routing: Routing | None = None
    resilience: Resilience | None = None
    storage: Storage | None = None
    rollouts: Rollouts | None = None
    declared: Mapping[str, Position] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        """The files the system was read from."""
        return self.files or (self.file,)

    def position(self, name: str) -> Position | None:
        """Where the files declare the service, data store or workload ``name``, if known."""
        if name in self.declared:
            return self.declared[name]
        return self._workloads.get(name)

    @cached_property
    def _workloads(self) -> dict[str, Position]:
        """Where each deployed service or data store, and each workload that runs one, is
        declared (a Kubernetes Service ``web`` in front of Deployments ``web-a``, ``web-b``)."""
        found: dict[str, Position] = {}
        for name, runs in sorted(self.deployed.items()):
            for d in runs:
                if d.position is not None:
                    found.setdefault(name, d.position)
                    found.setdefault(d.name, d.position)
        return found

    @property
    def containers(self) -> dict[str, tuple[Deployed, ...]] | None:
        """What runs each service and data store (:attr:`deployed`), or None when the
        file does not say (an architecture file)."""
        return self.deployed or None
