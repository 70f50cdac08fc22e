"""The theory's Rust ``DeploymentManager`` and ``MonitoringSystem`` (section 7, for
Strategies 7.1.1-7.1.3 and Def 7.2.1), ported as written.

Method for method, with the sketch's behaviour kept so that chapter 7's errata
(:mod:`.errata`) can run it. Each method's docstring names the Rust lines it ports.

**Readings the port takes.** ``monitor_canary`` calls
``self.monitoring.metrics.get_error_rate(service.id)``, but ``MetricsCollector`` defines
no getters; only ``MonitoringSystem`` does. The port reads the call as
``self.monitoring.get_error_rate(service.id)`` (and the same for ``get_response_time``):
the getters the section defines. They are marked 简化实现 and draw from ``rand::random``
exactly as written, over a seeded generator (:class:`RustRand`): an ``f64`` is rand 0.8's
``Standard`` float, ``(next_u64() >> 11) * 2**-53``, uniform on the 2**53 multiples of
2**-53 in [0, 1); a ``u64`` is 64 random bits, so ``% 1000`` keeps its modulo bias. A
``Duration`` is held as whole milliseconds. The sketch's ``0.1``/``0.5``/``1.0`` traffic
shares are kept as the exact fractions 1/10, 1/2 and 1.

**What the sketch leaves undefined** is modelled over a :class:`Fleet`, the world a
scenario sets: ``Service`` is :class:`SketchService` (``id``, ``name``, ``version``,
``url``); ``create_service_instance`` starts one instance of the version (one: the
rolling update calls it once per instance it replaces); ``health_check``'s ``GET
{url}/health`` is the instance's next answer in the scenario's plan; ``switch_traffic``
gives the instance all the traffic; ``allocate_traffic`` gives it the share asked for,
the other serving instances keeping the rest in proportion; ``cleanup_blue_environment``
deletes every instance that no longer takes traffic; ``replace_instance`` puts the new
instance in the old one's place and deletes the old; ``get_service_instances`` lists the
instances taking traffic. A returned ``Err`` is a raised :class:`DeploymentError`. The
sleeps (``tokio::time::sleep``, 5 s and 30 s) advance the fleet's
:class:`~msatheory.sim.VirtualClock`.

What the sketch does, as ported:

* ``canary_deploy`` judges the canary the instant its traffic moves (no time passes
  between ``allocate_traffic`` and ``monitor_canary``), against absolute thresholds
  (error rate below 0.01, response time below 500 ms) with no baseline; with the
  theory's getters one check passes with probability :func:`check_probability`, a little
  over 1/20, whatever the release does. A failed check leaves the canary's 10% or 50%
  in place and returns ``Ok``;
* ``blue_green_deploy`` starts one green instance, switches all traffic to it and
  deletes blue at once;
* ``rolling_deploy`` stops at the first new instance that fails ``/health``, leaving the
  instances already replaced on the new version, the rest on the old, and the failed new
  instance running;
* ``health_check`` sleeps 5 s after each failed attempt, the third too: a failing check
  takes 15 s;
* ``services`` and ``strategies`` are kept and never read; ``collect_metrics`` is never
  called by the deployment code.

Where Rust rejects the sketch as printed is recorded in :data:`COMPILE_REJECTIONS`; those
are not errata.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from msatheory.errors import (
    TheoryError,
    require_choice,
    require_count,
    require_instance,
    require_items,
    require_name,
    require_number,
    require_probability,
)
from msatheory.sim import VirtualClock, seeded_rng

__all__ = [
    "CANARY_SHARES",
    "COMPILE_REJECTIONS",
    "ERROR_RATE_LIMIT",
    "HEALTH_ATTEMPTS",
    "HEALTH_RETRY_SLEEP",
    "RESPONSE_TIME_LIMIT_MS",
    "STABILISE_SLEEP",
    "CompileRejection",
    "DeploymentError",
    "DeploymentStrategy",
    "Fleet",
    "ReadingMonitoringSystem",
    "RustRand",
    "SketchAlertManager",
    "SketchDeploymentManager",
    "SketchLogAggregator",
    "SketchMetric",
    "SketchMetricsCollector",
    "SketchMonitoringSystem",
    "SketchService",
    "Version",
    "canary_outcome_probabilities",
    "check_probability",
    "error_check_probability",
    "latency_check_probability",
]

#: ``error_rate < 0.01`` in ``monitor_canary``.
ERROR_RATE_LIMIT = 0.01
#: ``response_time < Duration::from_millis(500)`` in ``monitor_canary``.
RESPONSE_TIME_LIMIT_MS = 500
#: ``for _ in 0..3`` in ``health_check``, sleeping 5 s after each failed attempt.
HEALTH_ATTEMPTS, HEALTH_RETRY_SLEEP = 3, 5
#: ``tokio::time::sleep(Duration::from_secs(30))`` after each replaced instance.
STABILISE_SLEEP = 30
#: The canary's traffic shares, ``0.1``, ``0.5`` and ``1.0``, as exact fractions.
CANARY_SHARES = (Fraction(1, 10), Fraction(1, 2), Fraction(1))

_F64_BITS, _F64_PRECISION = 64, 53


@dataclass(frozen=True)
class CompileRejection:
    """Where ``rustc`` rejects the sketch as printed: the error ``code``, the code at
    fault (``where``), rustc's ``message``, and what the port does instead."""

    code: str
    where: str
    message: str
    port: str

    def __str__(self) -> str:
        return f"error[{self.code}] in {self.where}: {self.message}"


COMPILE_REJECTIONS: tuple[CompileRejection, ...] = (
    CompileRejection(
        "E0728", "blue_green_deploy, canary_deploy, rolling_deploy (`pub fn`, not `async`)",
        "`await` is only allowed inside `async` functions and blocks",
        "the three methods run their awaits to completion, as `async fn` would"),
    CompileRejection(
        "E0599", "monitor_canary: `self.monitoring.metrics.get_error_rate(...)`",
        "no method named `get_error_rate` found for struct `MetricsCollector` (and none "
        "named `get_response_time`)",
        "reads MonitoringSystem's getters, `self.monitoring.get_error_rate(...)`"),
    CompileRejection(
        "E0308", "monitor_canary: `get_error_rate(service.id)`",
        "mismatched types: expected `&str`, found `String` (an id is a String, as every "
        "name in the section is)",
        "passes the id, as `&service.id` would"),
    CompileRejection(
        "E0277", "monitor_canary: `get_error_rate(...).await?`",
        "the `?` operator can only be applied to values that implement `Try`: the getters "
        "return `f64` and `Duration`, not `Result`",
        "uses the values, as the same line without `?` would"),
    CompileRejection(
        "E0412", "DeploymentManager, MonitoringSystem, health_check",
        "cannot find type `Service`, `DeploymentError`, `AlertManager` or `LogAggregator` "
        "in this scope (nor `HashMap`, `SystemTime`, `Duration`: no `use` lines)",
        "defines the least each needs: SketchService, DeploymentError, SketchAlertManager, "
        "SketchLogAggregator"),
    CompileRejection(
        "E0599", "DeploymentManager: create_service_instance, switch_traffic, "
        "cleanup_blue_environment, allocate_traffic, get_service_instances, "
        "replace_instance; MetricsCollector::record_metric",
        "no method named ... found for struct `DeploymentManager`",
        "models each over a Fleet that the scenario sets"),
)


class DeploymentError(Exception):
    """``DeploymentError``: the sketch names one variant, ``HealthCheckFailed``.

    >>> str(DeploymentError("HealthCheckFailed"))
    'HealthCheckFailed'
    """

    VARIANTS = ("HealthCheckFailed",)

    def __init__(self, variant: str):
        self.variant = require_choice("DeploymentError", "variant", variant, self.VARIANTS)
        super().__init__(variant)


class DeploymentStrategy(Enum):
    """``enum DeploymentStrategy``: Strategies 7.1.1 (蓝绿部署), 7.1.2 (金丝雀部署) and
    7.1.3 (滚动部署)."""

    BLUE_GREEN = "BlueGreen"
    CANARY = "Canary"
    ROLLING = "Rolling"


class RustRand:
    """``rand::random::<f64>()`` and ``rand::random::<u64>()`` over a seeded generator.

    >>> rand = RustRand(seeded_rng(0))
    >>> 0 <= rand.f64() < 1, rand.u64() < 2 ** 64
    (True, True)
    """

    def __init__(self, rng: random.Random):
        self._rng = require_instance("RustRand", "rng", rng, random.Random)

    def u64(self) -> int:
        """``rng.next_u64()``: 64 random bits."""
        return self._rng.getrandbits(64)

    def f64(self) -> float:
        """rand 0.8's ``Standard`` for ``f64``: the top 53 bits of a ``u64``, times 2**-53."""
        return (self.u64() >> (_F64_BITS - _F64_PRECISION)) * 2.0 ** -_F64_PRECISION


def error_check_probability() -> Fraction:
    """The exact probability that ``rand::random::<f64>() * 0.1 < 0.01``.

    The draw is ``k * 2**-53`` for ``k`` uniform in ``[0, 2**53)``; the product is
    rounded as IEEE doubles round it, and it grows with ``k``, so the passing draws are
    ``k < k*`` for the least failing ``k*``, found by bisection.

    Returns
    -------
    Fraction
        ``k* / 2**53``: 1/10 plus 4/(5 * 2**53) (the products just under 0.01 round down).

    Examples
    --------
    >>> p = error_check_probability()
    >>> p - Fraction(1, 10)
    Fraction(1, 11258999068426240)

    References
    ----------
    rand 0.8, ``impl Distribution<f64> for Standard`` (``src/distributions/float.rs``).
    """
    size = 1 << _F64_PRECISION
    low, high = 0, size
    while low < high:
        middle = (low + high) // 2
        if middle * 2.0 ** -_F64_PRECISION * 0.1 < ERROR_RATE_LIMIT:
            low = middle + 1
        else:
            high = middle
    return Fraction(low, size)


def latency_check_probability() -> Fraction:
    """The exact probability that ``Duration::from_millis(rand::random::<u64>() % 1000)``
    is under 500 ms.

    Returns
    -------
    Fraction
        The share of the 2**64 values whose remainder is under 500: each of the
        ``2**64 // 1000`` whole cycles gives 500, and the last, partial cycle of
        ``2**64 % 1000 = 616`` values gives 500 more (the modulo bias).

    Examples
    --------
    >>> latency_check_probability() - Fraction(1, 2)
    Fraction(3, 288230376151711744)

    References
    ----------
    rand 0.8, ``impl Distribution<u64> for Standard`` (``rng.next_u64()``).
    """
    cycles, partial = divmod(1 << 64, 1000)
    passing = cycles * RESPONSE_TIME_LIMIT_MS + min(partial, RESPONSE_TIME_LIMIT_MS)
    return Fraction(passing, 1 << 64)


def check_probability() -> Fraction:
    """The exact probability that one ``monitor_canary`` passes with the theory's
    getters: the error-rate draw and the response-time draw are independent.

    >>> float(check_probability())
    0.050000000000000044
    """
    return error_check_probability() * latency_check_probability()


def canary_outcome_probabilities() -> dict[Fraction, Fraction]:
    """The exact probability of each share the canary ends with, whatever the release:
    1/10 when the first check fails, 1/2 when the second does, 1 when both pass.

    Examples
    --------
    >>> {str(share): round(float(p), 6) for share, p in canary_outcome_probabilities().items()}
    {'1/10': 0.95, '1/2': 0.0475, '1': 0.0025}
    """
    p = check_probability()
    first, second, full = CANARY_SHARES
    return {first: 1 - p, second: p * (1 - p), full: p * p}


@dataclass(frozen=True)
class Version:
    """How a version behaves, as the scenario sets it: the share of requests it fails
    (``error_ratio``), its response time in milliseconds, and whether it answers
    ``/health`` with a 2xx.

    >>> Version("v2", error_ratio=1)
    Version(name='v2', error_ratio=1, latency_ms=100, healthy=True)
    """

    name: str
    error_ratio: float | Fraction = 0
    latency_ms: float = 100
    healthy: bool = True

    def __post_init__(self) -> None:
        require_name("Version", "name", self.name)
        require_probability("Version", "error_ratio", self.error_ratio)
        require_number("Version", "latency_ms", self.latency_ms)
        require_instance("Version", "healthy", self.healthy, bool)


@dataclass(frozen=True)
class SketchService:
    """The sketch's undefined ``Service``: one running instance (``id``, the service's
    ``name``, its ``version`` and its ``url``)."""

    id: str
    name: str
    version: str
    url: str


class Fleet:
    """The world the sketch acts on: a service's running instances, the share of traffic
    each takes, what each answers on ``/health``, and a virtual clock.

    The service starts as ``replicas`` instances of ``stable``, sharing the traffic
    evenly; ``releases`` are the versions a deploy may name. ``health`` maps an instance
    id (``"orders-v2-1"``: service, version, and the count of that version's instances
    started) to the answers of its successive ``/health`` probes; an instance not listed,
    or past its list, answers as its version's ``healthy`` says; a deleted one never
    answers. :attr:`log` holds ``(virtual time, event)``.

    >>> fleet = Fleet(releases=[Version("v2")])
    >>> fleet.traffic_by_version()
    {'v1': Fraction(1, 1)}
    >>> fleet
    Fleet(orders at 0 s: v1 100%)
    """

    def __init__(self, service: str = "orders", stable: Version | None = None,
                 replicas: int = 3, *, releases: Iterable[Version] = (),
                 health: Mapping[str, Sequence[bool]] | None = None):
        owner = "Fleet"
        self.service = require_name(owner, "service", service)
        stable = Version("v1") if stable is None else stable
        require_instance(owner, "stable", stable, Version)
        require_count(owner, "replicas", replicas, least=1)
        known = (stable, *require_items(owner, "releases", releases, Version, distinct=True))
        self.versions: dict[str, Version] = {v.name: v for v in known}
        if len(self.versions) != len(known):
            raise TheoryError(f"{owner}: releases must not repeat the stable version "
                              f"{stable.name!r}")
        self.health = {require_name(owner, "health key", k): tuple(v)
                       for k, v in (health or {}).items()}
        self.clock = VirtualClock()
        self.log: list[tuple[float, str]] = []
        self.running: dict[str, SketchService] = {}
        self.weights: dict[str, Fraction] = {}
        self._started: dict[str, int] = {}
        self._probes: dict[str, int] = {}
        for _ in range(replicas):
            self.weights[self.start(stable.name).id] = Fraction(1, replicas)

    def _note(self, event: str) -> None:
        self.log.append((self.clock.now, event))

    def _known(self, owner: str, ident: str) -> None:
        if ident not in self.running:
            raise TheoryError(f"{owner}: instance must be one running "
                              f"({', '.join(self.running)}), not {ident!r}")

    def start(self, version: str) -> SketchService:
        """Start one instance of ``version``; it takes no traffic yet."""
        if version not in self.versions:
            raise TheoryError(f"Fleet.start: version must be one of "
                              f"{', '.join(self.versions)}, not {version!r}")
        count = self._started[version] = self._started.get(version, 0) + 1
        ident = f"{self.service}-{version}-{count}"
        instance = SketchService(ident, self.service, version, f"http://{ident}:8080")
        self.running[ident] = instance
        self.weights[ident] = Fraction(0)
        self._note(f"start {ident}")
        return instance

    def probe(self, instance: SketchService) -> bool:
        """``GET {url}/health``: whether the instance answers with a 2xx."""
        if instance.id not in self.running:
            return False
        attempt = self._probes.get(instance.id, 0)
        self._probes[instance.id] = attempt + 1
        plan = self.health.get(instance.id, ())
        ok = plan[min(attempt, len(plan) - 1)] if plan else \
            self.versions[instance.version].healthy
        self._note(f"probe {instance.id}: {'200' if ok else 'no 2xx'}")
        return ok

    def allocate(self, instance: SketchService, share: Fraction) -> None:
        """Give ``instance`` ``share`` of the traffic; the other instances taking traffic
        keep ``1 - share`` in proportion to what they had."""
        self._known("Fleet.allocate", instance.id)
        share = Fraction(require_probability("Fleet.allocate", "share", share))
        others = {k: w for k, w in self.weights.items() if k != instance.id and w > 0}
        total = sum(others.values(), Fraction(0))
        for ident, weight in others.items():
            self.weights[ident] = (1 - share) * weight / total
        self.weights[instance.id] = share if others else Fraction(1)
        self._note(f"{instance.id} takes {float(self.weights[instance.id]):.0%}")

    def delete(self, ident: str) -> None:
        """Stop and delete one instance."""
        self._known("Fleet.delete", ident)
        del self.running[ident]
        del self.weights[ident]
        self._note(f"delete {ident}")

    def replace(self, old: SketchService, new: SketchService) -> None:
        """``new`` takes ``old``'s share of the traffic; ``old`` is deleted."""
        self._known("Fleet.replace", new.id)
        self._known("Fleet.replace", old.id)
        self.weights[new.id] = self.weights[old.id]
        self.delete(old.id)
        self._note(f"{new.id} replaces {old.id}")

    def serving(self) -> list[SketchService]:
        """The instances taking traffic, in the order they were started."""
        return [self.running[k] for k, w in self.weights.items() if w > 0]

    def idle(self) -> list[str]:
        """The ids of the instances running that take no traffic, in the order they were
        started."""
        return [k for k, w in self.weights.items() if w == 0]

    def traffic_by_version(self) -> dict[str, Fraction]:
        """Each version taking traffic, and its share."""
        shares: dict[str, Fraction] = {}
        for instance in self.serving():
            shares[instance.version] = shares.get(instance.version, Fraction(0)) \
                + self.weights[instance.id]
        return shares

    def versions_running(self) -> tuple[str, ...]:
        """Each version with a running instance, whether or not it takes traffic."""
        return tuple(dict.fromkeys(i.version for i in self.running.values()))

    def shares(self) -> str:
        """Each version taking traffic and its share, ``"v1 90%, v2 10%"``."""
        return ", ".join(f"{v} {float(s):.0%}" for v, s in self.traffic_by_version().items())

    def __repr__(self) -> str:
        return f"Fleet({self.service} at {self.clock.now:g} s: {self.shares()})"


@dataclass(frozen=True)
class SketchMetric:
    """``struct Metric { name, value, timestamp, labels }`` (the timestamp virtual)."""

    name: str
    value: float
    timestamp: float
    labels: tuple[tuple[str, str], ...]


class SketchMetricsCollector:
    """``struct MetricsCollector { metrics: HashMap<String, Metric> }``. The undefined
    ``record_metric(name, value, service_id)`` keeps the latest value of each name and
    service, keyed ``name{service="id"}``."""

    def __init__(self) -> None:
        self.metrics: dict[str, SketchMetric] = {}

    def record_metric(self, name: str, value: float, service_id: str, now: float) -> None:
        """Store ``value`` as the latest ``name`` of ``service_id``."""
        key = f'{name}{{service="{service_id}"}}'
        self.metrics[key] = SketchMetric(name, value, now, (("service", service_id),))


class SketchAlertManager:
    """The section's undefined ``AlertManager``: it holds no rules (Def 7.2.2 names
    none), so ``check_alerts`` fires nothing; the port records each call."""

    def __init__(self) -> None:
        self.checked: list[str] = []

    def check_alerts(self, service_id: str) -> tuple[str, ...]:
        """Check the (absent) rules for ``service_id``; returns the alerts fired: none."""
        self.checked.append(service_id)
        return ()


class SketchLogAggregator:
    """The section's undefined ``LogAggregator``: kept, and never used by the sketch."""


class SketchMonitoringSystem:
    """``MonitoringSystem`` as written: ``metrics``, ``alerts``, ``logs`` and the getters
    marked 简化实现, drawing from ``rand::random`` over a generator seeded by ``seed``.

    >>> monitoring = SketchMonitoringSystem(seed=0)
    >>> 0 <= monitoring.get_error_rate("orders-v2-1") < 0.1
    True
    >>> monitoring.get_response_time("orders-v2-1") < 1000
    True
    """

    def __init__(self, *, seed: int = 0, clock: VirtualClock | None = None):
        self.rand = RustRand(seeded_rng(seed, "SketchMonitoringSystem"))
        self.clock = VirtualClock() if clock is None else clock
        self.metrics = SketchMetricsCollector()
        self.alerts = SketchAlertManager()
        self.logs = SketchLogAggregator()

    def collect_metrics(self, service_id: str) -> None:
        """``collect_metrics``: CPU, memory, response time and error rate, in that order,
        recorded; then ``check_alerts``."""
        cpu = self.get_cpu_usage(service_id)
        memory = self.get_memory_usage(service_id)
        response_time = self.get_response_time(service_id)
        error_rate = self.get_error_rate(service_id)
        now = self.clock.now
        self.metrics.record_metric("cpu_usage", cpu, service_id, now)
        self.metrics.record_metric("memory_usage", memory, service_id, now)
        self.metrics.record_metric("response_time", float(response_time), service_id, now)
        self.metrics.record_metric("error_rate", error_rate, service_id, now)
        self.alerts.check_alerts(service_id)

    def get_cpu_usage(self, service_id: str) -> float:
        """简化实现: ``rand::random::<f64>() * 100.0``; ``service_id`` unread."""
        return self.rand.f64() * 100.0

    def get_memory_usage(self, service_id: str) -> float:
        """简化实现: ``rand::random::<f64>() * 100.0``; ``service_id`` unread."""
        return self.rand.f64() * 100.0

    def get_response_time(self, service_id: str) -> int:
        """简化实现: ``Duration::from_millis(rand::random::<u64>() % 1000)``, in ms."""
        return self.rand.u64() % 1000

    def get_error_rate(self, service_id: str) -> float:
        """简化实现: ``rand::random::<f64>() * 0.1``; ``service_id`` unread."""
        return self.rand.f64() * 0.1


class ReadingMonitoringSystem(SketchMonitoringSystem):
    """A ``MonitoringSystem`` whose two getters ``monitor_canary`` reads return what a
    stand-in for the stub says: ``error_rate(service_id)`` and ``response_time(
    service_id)`` in ms. Errata that must hold whatever the stub does run the sketch
    with this.

    >>> readings = ReadingMonitoringSystem.scripted([(0.0, 20), (0.02, 20)])
    >>> [(readings.get_error_rate("c"), readings.get_response_time("c")) for _ in range(3)]
    [(0.0, 20), (0.02, 20), (0.02, 20)]
    """

    def __init__(self, error_rate: Callable[[str], float],
                 response_time: Callable[[str], int], *, clock: VirtualClock | None = None):
        super().__init__(clock=clock)
        self._error_rate, self._response_time = error_rate, response_time

    @classmethod
    def scripted(cls, readings: Sequence[tuple[float, int]], *,
                 clock: VirtualClock | None = None) -> ReadingMonitoringSystem:
        """Getters that answer ``readings`` (error rate, response time in ms) in turn,
        one pair per check, repeating the last."""
        pairs = list(readings)
        if not pairs:
            raise TheoryError("ReadingMonitoringSystem.scripted: readings must not be "
                              "empty, not []")
        calls = {"error": 0, "time": 0}

        def next_of(kind: str) -> tuple[float, int]:
            index = min(calls[kind], len(pairs) - 1)
            calls[kind] += 1
            return pairs[index]

        return cls(lambda _: next_of("error")[0], lambda _: next_of("time")[1], clock=clock)

    @classmethod
    def truthful(cls, fleet: Fleet) -> ReadingMonitoringSystem:
        """Getters that answer the instance's version's true error ratio and response
        time: the best any stub could do."""
        def version(service_id: str) -> Version:
            return fleet.versions[fleet.running[service_id].version]

        return cls(lambda i: float(version(i).error_ratio),
                   lambda i: int(version(i).latency_ms), clock=fleet.clock)

    def get_error_rate(self, service_id: str) -> float:
        return self._error_rate(service_id)

    def get_response_time(self, service_id: str) -> int:
        return self._response_time(service_id)


class SketchDeploymentManager:
    """``DeploymentManager`` as written: ``deploy``, the three strategies,
    ``health_check`` and ``monitor_canary``, over a :class:`Fleet`.

    ``monitoring`` defaults to the theory's getters seeded by ``seed``. Beyond the Rust
    fields, the port records :attr:`verdicts`: ``(virtual time, canary id, error rate,
    response time in ms, verdict)`` for each ``monitor_canary``.

    Examples
    --------
    >>> fleet = Fleet(releases=[Version("v2")])
    >>> manager = SketchDeploymentManager(fleet, seed=0)
    >>> manager.deploy("orders", "v2", DeploymentStrategy.ROLLING)
    >>> fleet
    Fleet(orders at 90 s: v2 100%)

    References
    ----------
    Strategies 7.1.1-7.1.3 and the Rust sketch of section 7.
    """

    def __init__(self, fleet: Fleet, monitoring: SketchMonitoringSystem | None = None,
                 *, seed: int = 0):
        owner = "SketchDeploymentManager"
        self.fleet = require_instance(owner, "fleet", fleet, Fleet)
        self.monitoring = SketchMonitoringSystem(seed=seed, clock=fleet.clock) \
            if monitoring is None else \
            require_instance(owner, "monitoring", monitoring, SketchMonitoringSystem)
        self.services: dict[str, SketchService] = {}
        self.strategies: dict[str, DeploymentStrategy] = {}
        self.verdicts: list[tuple[float, str, float, int, bool]] = []

    def _service(self, service_name: str) -> None:
        require_name("SketchDeploymentManager", "service_name", service_name)
        if service_name != self.fleet.service:
            raise TheoryError(f"SketchDeploymentManager: service_name must be the fleet's "
                              f"service {self.fleet.service!r}, not {service_name!r}")

    def deploy(self, service_name: str, version: str, strategy: DeploymentStrategy) -> None:
        """``deploy``: ``match strategy`` to the strategy's method."""
        require_instance("SketchDeploymentManager.deploy", "strategy", strategy,
                         DeploymentStrategy)
        {DeploymentStrategy.BLUE_GREEN: self.blue_green_deploy,
         DeploymentStrategy.CANARY: self.canary_deploy,
         DeploymentStrategy.ROLLING: self.rolling_deploy}[strategy](service_name, version)

    def blue_green_deploy(self, service_name: str, version: str) -> None:
        """``blue_green_deploy``: create green, health-check it (``Err(HealthCheckFailed)``
        if it fails), switch the traffic, clean up blue; ``Ok(())``."""
        green = self.create_service_instance(service_name, version)
        if not self.health_check(green):
            raise DeploymentError("HealthCheckFailed")
        self.switch_traffic(service_name, green)
        self.cleanup_blue_environment(service_name)

    def canary_deploy(self, service_name: str, version: str) -> None:
        """``canary_deploy``: create the canary, give it 10%; if ``monitor_canary``
        passes, 50%; if it passes again, 100%. ``Ok(())`` on every path."""
        first, second, full = CANARY_SHARES
        canary = self.create_service_instance(service_name, version)
        self.allocate_traffic(service_name, canary, first)
        if self.monitor_canary(canary):
            self.allocate_traffic(service_name, canary, second)
            if self.monitor_canary(canary):
                self.allocate_traffic(service_name, canary, full)

    def rolling_deploy(self, service_name: str, version: str) -> None:
        """``rolling_deploy``: for each instance listed at the start, create a new one,
        health-check it (``Err(HealthCheckFailed)`` at the first that fails), replace
        the old one with it, sleep 30 s; ``Ok(())``."""
        for instance in self.get_service_instances(service_name):
            new_instance = self.create_service_instance(service_name, version)
            if not self.health_check(new_instance):
                raise DeploymentError("HealthCheckFailed")
            self.replace_instance(instance, new_instance)
            self.fleet.clock.advance(STABILISE_SLEEP)

    def health_check(self, service: SketchService) -> bool:
        """``health_check``: up to 3 ``GET {url}/health``; ``Ok(true)`` at the first 2xx;
        after each failed attempt, the third too, sleep 5 s; then ``Ok(false)``."""
        for _ in range(HEALTH_ATTEMPTS):
            if self.fleet.probe(service):
                return True
            self.fleet.clock.advance(HEALTH_RETRY_SLEEP)
        return False

    def monitor_canary(self, service: SketchService) -> bool:
        """``monitor_canary``: read the error rate, then the response time, of
        ``service.id`` (MonitoringSystem's getters; see the module docstring); true when
        ``error_rate < 0.01 && response_time < 500 ms``."""
        error_rate = self.monitoring.get_error_rate(service.id)
        response_time = self.monitoring.get_response_time(service.id)
        verdict = error_rate < ERROR_RATE_LIMIT and response_time < RESPONSE_TIME_LIMIT_MS
        self.verdicts.append((self.fleet.clock.now, service.id, error_rate, response_time,
                              verdict))
        return verdict

    # -- what the sketch calls and leaves undefined, over the fleet ------------------------

    def create_service_instance(self, service_name: str, version: str) -> SketchService:
        """Start one instance of ``version``."""
        self._service(service_name)
        return self.fleet.start(version)

    def switch_traffic(self, service_name: str, green: SketchService) -> None:
        """Send all the service's traffic to ``green``."""
        self._service(service_name)
        self.fleet.allocate(green, Fraction(1))

    def cleanup_blue_environment(self, service_name: str) -> None:
        """Delete every instance that no longer takes traffic: blue, after the switch."""
        self._service(service_name)
        for ident in self.fleet.idle():
            self.fleet.delete(ident)

    def allocate_traffic(self, service_name: str, canary: SketchService,
                         share: Fraction) -> None:
        """Give ``canary`` ``share`` of the traffic, the rest to the others in proportion."""
        self._service(service_name)
        self.fleet.allocate(canary, share)

    def get_service_instances(self, service_name: str) -> list[SketchService]:
        """The instances taking traffic now (a snapshot, as an owned ``Vec``)."""
        self._service(service_name)
        return self.fleet.serving()

    def replace_instance(self, old: SketchService, new: SketchService) -> None:
        """``new`` takes ``old``'s place and traffic; ``old`` is deleted."""
        self.fleet.replace(old, new)

    def __repr__(self) -> str:
        return f"SketchDeploymentManager({self.fleet!r}, checks={len(self.verdicts)})"
