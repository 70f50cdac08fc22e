"""The theory's Rust ``Microservice`` sketch (section 1.2), ported as written, and corrected.

The port keeps the sketch's behaviour, defects included; :class:`Platform` stands
for the machines that ``start_service`` starts instances on, so what the sketch
does to them can be observed. :class:`CorrectedMicroservice` keeps the sketch's
interface, fixes the defect of ``scale`` (erratum ``1.scale``) and models what the
declared stub ``is_healthy`` stands for; :meth:`Platform.start` models the declared stub
``start_service`` (``msatheory.basics.errata.STUBS``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from msatheory.errors import TheoryError, require_count

__all__ = [
    "CorrectedMicroservice",
    "DataStoreType",
    "Deployment",
    "DeploymentStatus",
    "HealthCheck",
    "Instance",
    "Platform",
    "SketchMicroservice",
]


@dataclass
class Instance:
    """A running copy of a service; ``response_time`` is None once it has crashed."""

    id: str
    service: str
    response_time: float | None = 0.01

    @property
    def crashed(self) -> bool:
        """True once the instance has crashed."""
        return self.response_time is None


class Platform:
    """The machines instances run on: start, stop, crash or slow down instances."""

    def __init__(self) -> None:
        self.instances: dict[str, Instance] = {}
        self._started = 0

    def start(self, service: str) -> Instance:
        """Start one more instance of ``service``; ids are numbered in start order."""
        self._started += 1
        instance = Instance(f"{service}-{self._started}", service)
        self.instances[instance.id] = instance
        return instance

    def _get(self, instance_id: str) -> Instance:
        try:
            return self.instances[instance_id]
        except KeyError:
            raise TheoryError(f"no instance {instance_id!r} is on the platform") from None

    def stop(self, instance_id: str) -> None:
        """Stop an instance and remove it."""
        del self.instances[self._get(instance_id).id]

    def crash(self, instance_id: str) -> None:
        """Crash an instance: it stays on the platform but answers nothing."""
        self._get(instance_id).response_time = None

    def slow_down(self, instance_id: str, response_time: float) -> None:
        """Make an instance answer after ``response_time`` seconds."""
        self._get(instance_id).response_time = response_time

    def running(self, service: str) -> list[Instance]:
        """The instances of ``service`` that have not crashed, in start order."""
        return [i for i in self.instances.values() if i.service == service and not i.crashed]

    def probe(self, instance_id: str, timeout: float) -> bool:
        """Call the instance's health endpoint: True when it answers within ``timeout``."""
        instance = self._get(instance_id)
        return instance.response_time is not None and instance.response_time <= timeout


class DataStoreType(Enum):
    """The sketch's ``DataStoreType``."""

    POSTGRESQL = "PostgreSQL"
    MONGODB = "MongoDB"
    REDIS = "Redis"
    ELASTICSEARCH = "Elasticsearch"


class DeploymentStatus(Enum):
    """The sketch's ``DeploymentStatus``."""

    PENDING = "Pending"


@dataclass(frozen=True)
class Deployment:
    """The sketch's ``Deployment`` record."""

    service_id: str
    version: str
    status: DeploymentStatus


@dataclass(frozen=True)
class HealthCheck:
    """The sketch's ``HealthCheck``: endpoint, probe interval and timeout (seconds)."""

    endpoint: str = "/health"
    interval: float = 30.0
    timeout: float = 5.0


@dataclass
class SketchMicroservice:
    """The Rust ``Microservice`` as written (Def 1.1.1 in code), defects included."""

    id: str
    name: str
    version: str
    platform: Platform
    endpoints: list[tuple[str, str, Callable]] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    data_stores: list[tuple[str, DataStoreType, str]] = field(default_factory=list)
    health_check: HealthCheck = field(default_factory=HealthCheck)

    def add_endpoint(self, path: str, method: str, handler: Callable) -> None:
        """``add_endpoint``: append, as written."""
        self.endpoints.append((path, method, handler))

    def add_dependency(self, service_id: str) -> None:
        """``add_dependency``: append, as written."""
        self.dependencies.append(service_id)

    def add_data_store(self, name: str, type_: DataStoreType, connection_string: str) -> None:
        """``add_data_store``: append, as written."""
        self.data_stores.append((name, type_, connection_string))

    def is_healthy(self) -> bool:
        """As written: "简化实现：总是返回true" (simplified: always returns true)."""
        return True

    def deploy(self) -> Deployment:
        """Start one instance and report a deployment that is pending."""
        self.start_service()
        return Deployment(self.id, self.version, DeploymentStatus.PENDING)

    def scale(self, replicas: int) -> None:
        """As written: start ``replicas`` more instances, whatever is running already."""
        for _ in range(replicas):
            self.start_service()

    def start_service(self) -> Instance:
        """Start one instance on the platform."""
        return self.platform.start(self.name)


class CorrectedMicroservice(SketchMicroservice):
    """The sketch with health and scaling corrected.

    ``is_healthy`` probes every running instance's health endpoint with the
    sketch's own timeout; ``scale(n)`` converges: it starts or stops instances
    until exactly ``n`` are running, so calling it twice changes nothing.
    """

    def is_healthy(self) -> bool:
        """True when at least one instance answers its health probe within the timeout."""
        return any(
            self.platform.probe(i.id, self.health_check.timeout)
            for i in self.platform.running(self.name)
        )

    def scale(self, replicas: int) -> None:
        """Reconcile to exactly ``replicas`` running instances (a whole number, 0 or more)."""
        require_count(f"service {self.name!r}", "replicas", replicas)
        for crashed in [i for i in self.platform.instances.values()
                        if i.service == self.name and i.crashed]:
            self.platform.stop(crashed.id)
        running = self.platform.running(self.name)
        for surplus in running[replicas:]:
            self.platform.stop(surplus.id)
        for _ in range(replicas - len(running)):
            self.start_service()
