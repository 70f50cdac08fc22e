"""The shop, mended chapter by chapter: from a monolith to a system every check passes.

The capstone of the course takes chapter 2's shop monolith
(:func:`~msatheory.design.examples.shop_monolith`) and changes it one chapter at a time.
Each step is a function from one :class:`Shop` to the next, and names the statements it
answers:

0. :func:`monolith`: one service, one database, deployed as it was built;
1. :func:`cut` (chapter 2): Service Cutter's clustering cut
   (:func:`~msatheory.design.decomposition.decompose`) with each function moved back to the
   service of its domain, so Principle 2.1.1 and Principle 2.3.1 hold; the cut services call
   each other where the monolith's functions did, and still share the monolith's database;
2. :func:`discover` (chapter 3): a health check for every service, Algorithm 3.2.2;
3. :func:`enter` (chapter 4): clients enter through gateways only, one per client type
   (Patterns 4.3.1 and 4.3.2), each fanning out within its tail budget (Pattern 8.1.1);
4. :func:`communicate` (chapter 5): a timeout, a fallback and a circuit breaker on every
   synchronous call, retries on the queries alone, timeouts that do not invert
   (Strategies 5.3.1 and 5.3.2), and events through a broker for every call that asks
   another service to change its data (Practice 8.2.2, published through an outbox);
5. :func:`own_data` (chapter 6): one database per service (Axiom 1.1.1, Feature 1.2.1);
6. :func:`deploy` (chapter 7): pinned images, declared rolling updates, two replicas and a
   PodDisruptionBudget per service, each database a three-member replica set and the
   broker three Kafka brokers replicating each partition three times (Def 6.3.1), and
   Prometheus, Alertmanager and an OpenTelemetry
   Collector (Strategy 7.1.3, Def 6.3.1, Practice 8.2.3).

A :class:`Shop` is the two files a team keeps: an architecture file (:attr:`Shop.document`,
what the services are and how they talk) and the Kubernetes manifests that run it
(:func:`manifests`, rendered from the document and the team's :class:`Operations`). The
manifests' importer infers no timeout, fallback or topic (an address in an environment
variable is a hard call, a broker a data store), so neither file alone carries every
statement: :func:`system` joins them, the architecture from the document and the storage,
rollouts and containers from the manifests, after :func:`deployed_as_designed` has shown
that the manifests deploy exactly the services, calls and data stores the document names.
:func:`mend` runs every step and checks the system after each
(:func:`~msatheory.check.check_system`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache, partial
from types import MappingProxyType
from typing import Any

import yaml

from msatheory.check.document import load_architecture
from msatheory.check.kubernetes import import_kubernetes
from msatheory.check.report import Report
from msatheory.check.source import Source, parse
from msatheory.check.system import System
from msatheory.design.boundary import Design, ServiceSpec
from msatheory.design.decomposition import decompose, domain_cut
from msatheory.design.examples import shop_monolith
from msatheory.design.monolith import Monolith
from msatheory.errors import TheoryError, require_instance
from msatheory.theory import checks
from msatheory.theory.check import Check

__all__ = [
    "STEPS",
    "Operations",
    "Shop",
    "Step",
    "communicate",
    "cut",
    "deploy",
    "deployed_as_designed",
    "discover",
    "enter",
    "files",
    "flipped",
    "manifests",
    "mend",
    "monolith",
    "own_data",
    "rows",
    "system",
]

#: The namespace the manifests deploy into.
NAMESPACE = "shop"
#: The port every service listens on.
PORT = 8080
#: What a slow leaf query may take before its caller gives up on one attempt (seconds).
QUERY_TIMEOUT = Fraction(3, 10)
#: What a caller adds to what its callee may spend on its own calls (seconds).
MARGIN = Fraction(2, 10)
#: The broker that carries the events, and its image.
BROKER = "events"
#: Each data store technology's image repository, the version :func:`deploy` pins and
#: the port it serves.
STORES: dict[str, tuple[str, str, int]] = {
    "mongo": ("mongo", "7.0.12", 27017),
    "kafka": ("bitnami/kafka", "3.7.0", 9092),
}
#: The members of a replicated store: a majority survives one member's loss.
MEMBERS = 3
#: Kafka's replication once :func:`deploy` replicates the broker: every partition on
#: every broker, and a write acknowledged by two of them.
KAFKA_REPLICATION: tuple[tuple[str, str], ...] = (
    ("KAFKA_CFG_DEFAULT_REPLICATION_FACTOR", str(MEMBERS)),
    ("KAFKA_CFG_OFFSETS_TOPIC_REPLICATION_FACTOR", str(MEMBERS)),
    ("KAFKA_CFG_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", str(MEMBERS)),
    ("KAFKA_CFG_MIN_INSYNC_REPLICAS", str(MEMBERS - 1)),
    ("KAFKA_CFG_TRANSACTION_STATE_LOG_MIN_ISR", str(MEMBERS - 1)),
)
#: The monitoring stack of :func:`deploy`: name and pinned image.
MONITORING: tuple[tuple[str, str], ...] = (
    ("prometheus", "prom/prometheus:v2.53.0"),
    ("alertmanager", "prom/alertmanager:v0.27.0"),
    ("otel-collector", "otel/opentelemetry-collector-contrib:0.104.0"),
)
#: The version :func:`deploy` pins the shop's own images to.
VERSION = "1.0.0"
#: What each gateway of :func:`enter` does: one gateway per kind of client (Pattern 4.3.2),
#: each function its own (Theorem 2.1.1).
GATEWAY_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "api-gateway": ("route-request", "authenticate-client", "limit-rate"),
    "webhook-gateway": ("route-webhook", "verify-signature", "drop-replayed-webhook"),
}
#: The database of the monolith, which the first cut keeps.
SHARED_DATABASE = "shop-db"


def _slug(name: str) -> str:
    """``place order`` as a name a file and a topic can carry: ``place-order``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _env_name(service: str) -> str:
    return service.upper().replace("-", "_")


@dataclass(frozen=True)
class Operations:
    """How the shop is deployed and run (chapter 7, Practice 8.2.3).

    ``pinned``: images name a version, not ``latest``; ``declared``: each workload writes
    its rollout strategy (a Deployment a surge of one pod and none unavailable, a
    StatefulSet one pod at a time) and each data store gets a readiness probe for the
    rollout to wait on; ``budgets``: a PodDisruptionBudget keeps a pod of every
    replicated service, and a majority of every replicated store, through a node drain;
    ``replicated``: each database is a MongoDB replica set of :data:`MEMBERS` members and
    the broker as many Kafka brokers, each partition on every one (Def 6.3.1);
    ``monitoring``: Prometheus, Alertmanager and an OpenTelemetry Collector run beside
    the shop, and every service sends its telemetry to the collector.
    """

    pinned: bool = False
    declared: bool = False
    budgets: bool = False
    replicated: bool = False
    monitoring: bool = False


@dataclass(frozen=True)
class Shop:
    """The shop at one step: its architecture file as a mapping (``document``, the schema
    of :data:`msatheory.check.SCHEMA`) and how it is deployed (``operations``).

    ``document`` is kept read-only; a step builds a new one.
    """

    document: Mapping[str, Any] = field(hash=False)
    operations: Operations = Operations()

    def __post_init__(self) -> None:
        if not isinstance(self.document, Mapping):
            raise TheoryError(f"shop: document must be a mapping, not {self.document!r}")
        require_instance("shop", "operations", self.operations, Operations)
        if "services" not in self.document:
            raise TheoryError("shop: document must be an architecture file with services, "
                              f"not one with the keys {sorted(self.document)!r}")
        object.__setattr__(self, "document", _frozen(self.document))

    def text(self) -> str:
        """The architecture file, as YAML."""
        return yaml.safe_dump(_plain(self.document), sort_keys=False, width=96)


def _plain(value: object) -> object:
    """A mapping proxy or tuple tree as plain dicts and lists, for YAML."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _frozen(value: object) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def _shop(document: Mapping[str, Any], operations: Operations) -> Shop:
    return Shop(document, operations)


def _services(shop: Shop) -> dict[str, dict[str, Any]]:
    """A writable copy of the document's services."""
    plain = _plain(shop.document)
    assert isinstance(plain, dict)
    return plain["services"]


@dataclass(frozen=True)
class Step:
    """One step of :func:`mend`: its ``name``, the ``chapter`` it applies, the
    ``statements`` it answers (references such as ``"Algorithm 3.2.2"``), the ``shop`` it
    leaves and what it ``changed``, one sentence an item."""

    name: str
    chapter: int
    statements: tuple[str, ...]
    shop: Shop
    changed: tuple[str, ...]


def _document(name: str, design: Design, monolith: Monolith,
              datastores: Mapping[str, Mapping[str, str]], shared: str) -> dict[str, Any]:
    """The architecture file of a cut: each service with its elements, its calls where the
    monolith's functions called across the cut, the ``shared`` database, and exposed when
    it holds an interface clients call."""
    owner = {f.name: spec.name for spec in design.services for f in spec.functions}
    calls: dict[str, set[str]] = defaultdict(set)
    for call in monolith.calls:
        if owner[call.caller] != owner[call.callee]:
            calls[owner[call.caller]].add(owner[call.callee])
    services: dict[str, Any] = {}
    for spec in design.services:
        body: dict[str, Any] = {}
        if calls[spec.name]:
            body["calls"] = sorted(calls[spec.name])
        body["datastores"] = [shared]
        if spec.interfaces:
            body["exposed"] = True
        if len(spec.domains) == 1:
            body["domain"] = next(iter(spec.domains))
        body["functions"] = [{"name": _slug(f.name), "domain": f.domain}
                             for f in spec.functions]
        body["interfaces"] = [{"name": i.name, "domain": i.domain, "kind": i.kind}
                              for i in spec.interfaces]
        body["entities"] = [{"name": e.name, "domain": e.domain} for e in spec.data_models]
        services[_slug(spec.name)] = body
    return {"name": name, "services": services, "datastores": dict(datastores)}


def monolith(source: Monolith | None = None) -> Step:
    """Step 0: the shop as it was built, one service ``shop`` on one database.

    Parameters
    ----------
    source : Monolith, optional
        The monolith; chapter 2's :func:`~msatheory.design.examples.shop_monolith` by
        default.

    Returns
    -------
    Step
        The shop as one service holding every function, interface and entity (Principle
        2.1.1 and Principle 2.3.1 fail on it), deployed with no operations practice; it
        answers no statement.

    Examples
    --------
    >>> step = monolith()
    >>> list(step.shop.document["services"])
    ['shop']
    """
    source = shop_monolith() if source is None else require_instance(
        "monolith", "source", source, Monolith)
    design = Design([ServiceSpec(source.name, source.functions, source.interfaces,
                                 source.entities)], name=f"{source.name} monolith")
    document = _document(source.name, design, source,
                         {SHARED_DATABASE: {"technology": "mongo"}}, SHARED_DATABASE)
    return Step("monolith", 2, (),
                _shop(document, Operations()),
                (f"one service, {source.name}, holds {len(source.functions)} functions, "
                 f"{len(source.interfaces)} interfaces and {len(source.entities)} entities "
                 f"on one database, {SHARED_DATABASE}",))


def cut(shop: Shop, source: Monolith | None = None) -> Step:
    """Chapter 2: cut the monolith into services, one domain each (Principles 2.1.1 and
    2.3.1, Theorem 2.1.1).

    The cut starts from Service Cutter's clustering
    (:func:`~msatheory.design.decomposition.decompose`, greedy modularity) and moves each
    function, interface and entity the clustering placed outside its domain back to the
    service of its domain, which is the domain cut
    (:func:`~msatheory.design.decomposition.domain_cut`). The services call each other
    where the monolith's functions called across the cut, by hard calls, and still share
    the monolith's database; every service that holds an interface is exposed.

    Parameters
    ----------
    shop : Shop
        The monolith (:func:`monolith`).
    source : Monolith, optional
        The monolith the shop was built from; chapter 2's shop by default.

    Returns
    -------
    Step
        The cut shop, and one sentence per element the clustering misplaced.

    Raises
    ------
    TheoryError
        If ``shop`` is not a Shop.

    Examples
    --------
    >>> step = cut(monolith().shop)
    >>> sorted(step.shop.document["services"])
    ['catalog', 'customer', 'inventory', 'ordering', 'payment', 'shipping']
    >>> step.changed[1]
    'moved check availability from catalog to inventory, its domain'
    """
    require_instance("cut", "shop", shop, Shop)
    source = shop_monolith() if source is None else require_instance(
        "cut", "source", source, Monolith)
    clustered = decompose(source)
    by_domain = domain_cut(source)
    home = {e.name: spec.name for spec in by_domain.services for e in spec.elements}
    moved = [f"moved {e.name} from {spec.name} to {home[e.name]}, its domain"
             for spec in clustered.design.services for e in spec.elements
             if home[e.name] != spec.name]
    document = _document(source.name, by_domain, source,
                         shop.document["datastores"], SHARED_DATABASE)
    return Step("cut", 2, ("Principle 2.1.1", "Theorem 2.1.1", "Principle 2.3.1"),
                _shop(document, shop.operations),
                (f"{len(clustered.design.services)} services by {clustered.method} "
                 f"(modularity {clustered.quality().modularity:.3f})", *moved))


def discover(shop: Shop) -> Step:
    """Chapter 3: give every service a health check (Algorithm 3.2.2, 健康检查算法).

    In the architecture file each service says ``healthcheck: true``; in the manifests
    each container gets a readiness and a liveness probe on ``/health``.

    Parameters
    ----------
    shop : Shop
        Any step's shop.

    Returns
    -------
    Step
        The shop with every service health-checked, and the services that were not.

    Examples
    --------
    >>> step = discover(cut(monolith().shop).shop)
    >>> all(s["healthcheck"] for s in step.shop.document["services"].values())
    True
    """
    require_instance("discover", "shop", shop, Shop)
    services = _services(shop)
    missing = sorted(name for name, body in services.items() if not body.get("healthcheck"))
    for body in services.values():
        body["healthcheck"] = True
    document = {**_plain(shop.document), "services": services}  # type: ignore[dict-item]
    return Step("discover", 3, ("Algorithm 3.2.2",), _shop(document, shop.operations),
                tuple(f"{name}: a readiness and a liveness probe on /health"
                      for name in missing))


def enter(shop: Shop) -> Step:
    """Chapter 4: clients enter through gateways only, one per kind of client (Pattern
    4.3.1, 单点入口, and Pattern 4.3.2), each fanning out within its tail (Pattern 8.1.1).

    Each kind of interface is a kind of client: the storefront's REST calls enter through
    ``api-gateway``, the payment provider's webhooks through ``webhook-gateway``. A gateway
    calls each service that holds an interface of its kind; those services are no longer
    exposed. Gateways run two replicas, so an instance failure stops no client.

    Parameters
    ----------
    shop : Shop
        A cut shop (:func:`cut`).

    Returns
    -------
    Step
        The shop behind its gateways, and one sentence per gateway.

    Raises
    ------
    TheoryError
        If the shop has no service with an interface.

    Examples
    --------
    >>> step = enter(cut(monolith().shop).shop)
    >>> step.shop.document["gateway"]
    ('api-gateway', 'webhook-gateway')
    >>> step.shop.document["services"]["webhook-gateway"]["calls"]
    ('payment',)
    """
    require_instance("enter", "shop", shop, Shop)
    services = _services(shop)
    routes: dict[str, set[str]] = defaultdict(set)
    for name, body in services.items():
        for interface in body.get("interfaces", ()):
            routes[interface["kind"]].add(name)
        body.pop("exposed", None)
    if not routes:
        raise TheoryError("enter: no service holds an interface, so no client needs a gateway")
    gateways = {("api-gateway" if kind == "rest" else f"{_slug(kind)}-gateway"): sorted(to)
                for kind, to in sorted(routes.items())}
    unknown = sorted(set(gateways) - set(GATEWAY_FUNCTIONS))
    if unknown:
        raise TheoryError(f"enter: no gateway's functions are known for {unknown[0]}")
    health = all(body.get("healthcheck") for body in services.values())
    for gateway, to in gateways.items():
        services[gateway] = {"calls": to, "healthcheck": health, "replicas": 2,
                             "domain": "edge", "functions": [{"name": f, "domain": "edge"}
                                           for f in GATEWAY_FUNCTIONS[gateway]]}
    document = {**_plain(shop.document), "gateway": sorted(gateways),  # type: ignore[dict-item]
                "services": services}
    return Step("enter", 4, ("Pattern 4.3.1", "Pattern 8.1.1"), _shop(document, shop.operations),
                tuple(f"{gateway} (2 replicas) routes to {', '.join(to)}"
                      for gateway, to in gateways.items()))


def _across(source: Monolith, document: Mapping[str, Any]
            ) -> tuple[dict[tuple[str, str], set[str]], set[tuple[str, str]]]:
    """The monolith's calls that cross the document's services: the commands, for each
    pair ``(caller service, callee service)`` the caller's functions that ask the callee to
    change its data (the callee function writes an entity), and the pairs with a query
    (a callee function that writes nothing)."""
    owner = {f["name"]: name for name, body in document["services"].items()
             for f in body.get("functions", ())}
    writes = {_slug(a.function) for a in source.accesses if a.mode == "write"}
    commands: dict[tuple[str, str], set[str]] = defaultdict(set)
    queries: set[tuple[str, str]] = set()
    for call in source.calls:
        caller, callee = _slug(call.caller), _slug(call.callee)
        pair = (owner[caller], owner[callee])
        if pair[0] == pair[1]:
            continue
        if callee in writes:
            commands[pair].add(caller)
        else:
            queries.add(pair)
    return commands, queries


def communicate(shop: Shop, source: Monolith | None = None) -> Step:
    """Chapter 5: guard every synchronous call, retry only what is safe, and tell by
    events what asks another service to change (Strategies 5.3.1 and 5.3.2, Practice 8.2.2).

    A cross-service call whose callee writes its data is a command: the caller publishes
    an event named after its function (``place-order``) to the broker, through an outbox
    written in the same transaction as its own change (chapter 5's outbox; erratum
    ``8.dual-write``), and the callee subscribes. A service none of whose functions still
    query the callee stops calling it. Every remaining synchronous call, a query, gets a
    timeout, a fallback and a circuit breaker; a call into a service that calls no one is
    retried once, and every other waits for what its callee may spend on its own calls
    (``(retries + 1) * timeout``, Strategy 5.3.1) plus a margin, so no timeout inverts.

    Parameters
    ----------
    shop : Shop
        A shop behind its gateways (:func:`enter`).
    source : Monolith, optional
        The monolith the shop was cut from (which functions write); chapter 2's shop by
        default.

    Returns
    -------
    Step
        The shop, and one sentence per topic and per guarded call.

    Examples
    --------
    >>> step = communicate(enter(cut(monolith().shop).shop).shop)
    >>> step.shop.document["services"]["ordering"]["publishes"]
    ('cancel-order', 'place-order')
    >>> dict(step.shop.document["services"]["ordering"]["calls"][0])
    {'to': 'inventory', 'timeout': 0.3, 'retries': 1, 'fallback': 'inventory-unavailable', \
'breaker': True}

    References
    ----------
    .. [1] Strategies 5.3.1 (重试机制) and 5.3.2 (熔断器模式), Practice 8.2.2 (数据管理) and
       Pattern 5.1.3 (事件驱动) of the theory.
    .. [2] C. Richardson, "Pattern: Transactional outbox", microservices.io; B. Meyer's
       command-query separation, *Object-Oriented Software Construction*, 2nd ed., 1997.
    """
    require_instance("communicate", "shop", shop, Shop)
    source = shop_monolith() if source is None else require_instance(
        "communicate", "source", source, Monolith)
    commands, queried = _across(source, shop.document)
    gateways = set(shop.document.get("gateway", ()))
    services = _services(shop)
    changed: list[str] = []
    topics: dict[str, set[str]] = defaultdict(set)
    for (caller, callee), functions in sorted(commands.items()):
        for function in functions:
            topics[function].add(callee)
            services[caller].setdefault("publishes", [])
            if function not in services[caller]["publishes"]:
                services[caller]["publishes"].append(function)
            services[callee].setdefault("subscribes", [])
            if function not in services[callee]["subscribes"]:
                services[callee]["subscribes"].append(function)
    for topic, subscribers in sorted(topics.items()):
        changed.append(f"event {topic}: subscribed by {', '.join(sorted(subscribers))}")
    for name, body in services.items():
        calls = [c if isinstance(c, str) else c["to"] for c in body.get("calls", ())]
        body["calls"] = [c for c in calls if name in gateways or (name, c) in queried]
        for key in ("publishes", "subscribes"):
            if key in body:
                body[key] = sorted(body[key])
        if "publishes" in body or "subscribes" in body:
            body["datastores"] = sorted({*body.get("datastores", ()), BROKER})
    spend = _spends(services)
    for name, body in sorted(services.items()):
        guarded = []
        for callee in body.get("calls", ()):
            leaf = not services[callee].get("calls")
            timeout = QUERY_TIMEOUT if leaf else spend[callee] + MARGIN
            call: dict[str, Any] = {"to": callee, "timeout": float(timeout)}
            if leaf:
                call["retries"] = 1
            call.update(fallback=f"{callee}-unavailable", breaker=True)
            guarded.append(call)
            changed.append(f"{name} → {callee}: timeout {float(timeout):g} s"
                           + (", 1 retry" if leaf else "") + ", fallback, breaker")
        if guarded:
            body["calls"] = guarded
        elif "calls" in body:
            del body["calls"]
    datastores = dict(_plain(shop.document["datastores"]))  # type: ignore[call-overload]
    if topics:
        datastores[BROKER] = {"technology": "kafka", "kind": "broker"}
    document = {**_plain(shop.document), "services": services,  # type: ignore[dict-item]
                "datastores": datastores}
    return Step("communicate", 5, ("Strategy 5.3.1", "Strategy 5.3.2", "Practice 8.2.2"),
                _shop(document, shop.operations), tuple(changed))


def _spends(services: Mapping[str, Mapping[str, Any]]) -> dict[str, Fraction]:
    """What each service may spend on one of its own calls, retries included, once the
    calls are guarded bottom-up (a leaf query: ``2 * QUERY_TIMEOUT``)."""
    spend: dict[str, Fraction] = {}

    def of(name: str, seen: frozenset[str]) -> Fraction:
        if name in spend:
            return spend[name]
        if name in seen:
            raise TheoryError(f"communicate: {name} is on a cycle of calls; break it first")
        worst = Fraction(0)
        for callee in services[name].get("calls", ()):
            callee = callee if isinstance(callee, str) else callee["to"]
            leaf = not services[callee].get("calls")
            worst = max(worst, 2 * QUERY_TIMEOUT if leaf else of(callee, seen | {name}) + MARGIN)
        spend[name] = worst
        return worst

    for name in services:
        of(name, frozenset())
    return spend


def own_data(shop: Shop) -> Step:
    """Chapter 6: one database per service, owned by it alone (Axiom 1.1.1, Feature 1.2.1;
    Def 6.3.1's copies come with :func:`deploy`).

    Each service that used the shared database gets its own, ``<service>-db``, holding
    the entities it owns; what another service needs of them it asks by a query or learns
    from an event (:func:`communicate`). The shared database is retired.

    Parameters
    ----------
    shop : Shop
        Any step's shop.

    Returns
    -------
    Step
        The shop, and one sentence per new database.

    Examples
    --------
    >>> step = own_data(cut(monolith().shop).shop)
    >>> step.shop.document["services"]["payment"]["datastores"]
    ('payment-db',)
    """
    require_instance("own_data", "shop", shop, Shop)
    services = _services(shop)
    datastores = dict(_plain(shop.document["datastores"]))  # type: ignore[call-overload]
    shared = datastores.pop(SHARED_DATABASE, None)
    changed = []
    for name, body in services.items():
        stores = body.get("datastores", [])
        if SHARED_DATABASE in stores:
            own = f"{name}-db"
            body["datastores"] = sorted({*stores, own} - {SHARED_DATABASE})
            datastores[own] = dict(shared or {"technology": "mongo"})
            entities = ", ".join(e["name"] for e in body.get("entities", ())) or "no entity"
            changed.append(f"{own}: {entities}")
    document = {**_plain(shop.document), "services": services,  # type: ignore[dict-item]
                "datastores": dict(sorted(datastores.items()))}
    return Step("own_data", 6, ("Axiom 1.1.1", "Feature 1.2.1"),
                _shop(document, shop.operations), tuple(changed))


def deploy(shop: Shop) -> Step:
    """Chapter 7 and Practice 8.2.3: deploy the shop as a team runs it.

    Every image names its version; every workload declares a rolling update that adds a
    pod before it removes one (Strategy 7.1.3) behind readiness probes; every service
    runs two replicas, each data store three members that copy each other (a MongoDB
    replica set; Kafka brokers with a replication factor of 3 and two in-sync replicas;
    Def 6.3.1), and a PodDisruptionBudget keeps one pod of each service, and a majority of
    each store, through a node drain; Prometheus,
    Alertmanager and an OpenTelemetry Collector collect metrics, alert and collect traces
    (Defs 7.2.1, 7.2.2, 7.3.2), and every service sends its telemetry to the collector.

    Parameters
    ----------
    shop : Shop
        Any step's shop.

    Returns
    -------
    Step
        The shop with every :class:`Operations` practice on and two replicas a service.

    Examples
    --------
    >>> deploy(monolith().shop).shop.operations.monitoring
    True
    """
    require_instance("deploy", "shop", shop, Shop)
    services = _services(shop)
    for body in services.values():
        body["replicas"] = max(2, body.get("replicas", 1))
    document = {**_plain(shop.document), "services": services}  # type: ignore[dict-item]
    operations = Operations(pinned=True, declared=True, budgets=True, replicated=True,
                            monitoring=True)
    return Step("deploy", 7,
                ("Def 6.3.1", "Strategy 7.1.3", "Feature 1.2.4", "Practice 8.2.3"),
                _shop(document, operations),
                (f"images pinned to {VERSION} and to the tools' versions",
                 "RollingUpdate declared: maxSurge 1, maxUnavailable 0",
                 f"{len(services)} services at 2 replicas, each with a PodDisruptionBudget "
                 "(minAvailable 1)",
                 f"each data store {MEMBERS} members that copy each other, a majority kept "
                 "by its PodDisruptionBudget",
                 "Prometheus, Alertmanager and an OpenTelemetry Collector"))


#: The steps of :func:`mend` after :func:`monolith`, in order.
STEPS: tuple[Callable[[Shop], Step], ...] = (cut, discover, enter, communicate, own_data,
                                             deploy)


def mend(source: Monolith | None = None) -> tuple[Step, ...]:
    """The shop from its monolith to a system every check passes, one step a chapter.

    Parameters
    ----------
    source : Monolith, optional
        The monolith; chapter 2's shop by default.

    Returns
    -------
    tuple of Step
        :func:`monolith`, then each of :data:`STEPS` applied to the one before.

    Examples
    --------
    >>> from msatheory.check import check_system
    >>> [step.name for step in mend()]
    ['monolith', 'cut', 'discover', 'enter', 'communicate', 'own_data', 'deploy']
    >>> all(v.holds for v in check_system(system(mend()[-1].shop)).verdicts)
    True

    References
    ----------
    .. [1] Chapters 2-7 and Practices 8.2.1-8.2.3 of the theory (实践应用).
    .. [2] S. Newman, *Monolith to Microservices*, O'Reilly 2019: the code first, the data
       after, one step at a time.
    """
    if source is not None:
        require_instance("mend", "source", source, Monolith)
    return _mend(source)


@lru_cache(maxsize=4)
def _mend(source: Monolith | None) -> tuple[Step, ...]:
    """:func:`mend`, once per monolith: every step is immutable."""
    from_source = {cut.__name__: partial(cut, source=source),
                   communicate.__name__: partial(communicate, source=source)}
    steps = [monolith(source)]
    for step in STEPS:
        steps.append(from_source.get(step.__name__, step)(steps[-1].shop))
    return tuple(steps)


# --- the manifests -----------------------------------------------------------------------

def _image(name: str, operations: Operations) -> str:
    return f"shop/{name}:{VERSION if operations.pinned else 'latest'}"


def _workload(kind: str, name: str, image: str, replicas: int, env: Sequence[Mapping[str, str]],
              probes: bool, operations: Operations, port: int = PORT) -> dict[str, Any]:
    container: dict[str, Any] = {"name": name, "image": image,
                                 "ports": [{"containerPort": port}]}
    if env:
        container["env"] = [dict(e) for e in env]
    if probes:
        probe = ({"httpGet": {"path": "/health", "port": port}} if port == PORT
                 else {"tcpSocket": {"port": port}})
        container["readinessProbe"] = probe
        container["livenessProbe"] = probe
    spec: dict[str, Any] = {"replicas": replicas, "selector": {"matchLabels": {"app": name}}}
    if kind == "StatefulSet":
        spec["serviceName"] = name
    if operations.declared:
        spec["updateStrategy" if kind == "StatefulSet" else "strategy"] = (
            {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
            if kind == "StatefulSet" else
            {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}})
    spec["template"] = {"metadata": {"labels": {"app": name}},
                        "spec": {"containers": [container]}}
    return {"apiVersion": "apps/v1", "kind": kind,
            "metadata": {"name": name, "namespace": NAMESPACE}, "spec": spec}


def _service(name: str, port: int, exposed: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {"selector": {"app": name},
                            "ports": [{"port": port, "targetPort": port}]}
    if exposed:
        spec["type"] = "LoadBalancer"
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": NAMESPACE}, "spec": spec}


def _budget(name: str, keep: int) -> dict[str, Any]:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"minAvailable": keep, "selector": {"matchLabels": {"app": name}}}}


def manifests(shop: Shop) -> tuple[dict[str, Any], ...]:
    """The Kubernetes manifests that run ``shop``: for each service a Deployment and a
    Service, for each data store a StatefulSet and a Service, as its
    :class:`Operations` say.

    A service reaches each service it calls by ``<CALLEE>_URL``, its database by
    ``DATABASE_URL`` and the broker by ``KAFKA_BOOTSTRAP_SERVERS``, so the importer infers
    exactly the document's calls and data stores (:func:`deployed_as_designed`); gateways
    and, before :func:`enter`, the services clients call are ``LoadBalancer`` Services.

    Parameters
    ----------
    shop : Shop
        The shop to deploy.

    Returns
    -------
    tuple of dict
        The manifests, as PyYAML would load them, in a stable order.

    Examples
    --------
    >>> docs = manifests(mend()[-1].shop)
    >>> sorted({d["kind"] for d in docs})
    ['Deployment', 'PodDisruptionBudget', 'Service', 'StatefulSet']
    """
    require_instance("manifests", "shop", shop, Shop)
    ops = shop.operations
    document = shop.document
    gateways = set(document.get("gateway", ()))
    found: list[dict[str, Any]] = []
    for name, body in document["services"].items():
        env: list[dict[str, str]] = []
        for call in body.get("calls", ()):
            callee = call if isinstance(call, str) else call["to"]
            env.append({"name": f"{_env_name(callee)}_URL", "value": f"http://{callee}:{PORT}"})
        for store in body.get("datastores", ()):
            if store == BROKER:
                env.append({"name": "KAFKA_BOOTSTRAP_SERVERS",
                            "value": f"{BROKER}:{STORES['kafka'][2]}"})
            else:
                env.append({"name": "DATABASE_URL",
                            "value": f"mongodb://{store}:{STORES['mongo'][2]}/{_slug(name)}"})
        if ops.monitoring:
            env.append({"name": "OTEL_EXPORTER_OTLP_ENDPOINT",
                        "value": "http://otel-collector:4317"})
        replicas = body.get("replicas", 1)
        found.append(_workload("Deployment", name, _image(name, ops), replicas, env,
                               bool(body.get("healthcheck")), ops))
        found.append(_service(name, PORT, bool(body.get("exposed")) or name in gateways))
        if ops.budgets and replicas >= 2:
            found.append(_budget(name, 1))
    for store, spec in document["datastores"].items():
        repository, version, port = STORES[spec["technology"]]
        image = f"{repository}:{version}" if ops.pinned else repository
        replicas = MEMBERS if ops.replicated else 1
        workload = _workload("StatefulSet", store, image, replicas,
                             [{"name": n, "value": v} for n, v in KAFKA_REPLICATION]
                             if ops.replicated and spec["technology"] == "kafka" else [],
                             ops.declared, ops, port)
        if ops.replicated and spec["technology"] == "mongo":
            container = workload["spec"]["template"]["spec"]["containers"][0]
            container["args"] = ["--replSet", store, "--bind_ip_all"]
        found.append(workload)
        found.append(_service(store, port, False))
        if ops.budgets and replicas >= 2:
            found.append(_budget(store, replicas // 2 + 1))
    if ops.monitoring:
        for name, image in MONITORING:
            found.append(_workload("Deployment", name, image, 1, [], True, ops))
            found.append(_service(name, PORT, False))
    return tuple(found)


def files(shop: Shop, name: str = "capstone-shop") -> dict[str, str]:
    """The two files of ``shop`` as a team would commit them: ``<name>.yaml``, the
    architecture file, and ``<name>-k8s.yaml``, its manifests, each opening with a comment
    that says what it is.

    Examples
    --------
    >>> sorted(files(mend()[-1].shop))
    ['capstone-shop-k8s.yaml', 'capstone-shop.yaml']
    """
    require_instance("files", "shop", shop, Shop)
    return {
        f"{name}.yaml": _HEADER.format(what="architecture file", other=f"{name}-k8s.yaml")
        + shop.text(),
        f"{name}-k8s.yaml": _HEADER.format(what="Kubernetes manifests", other=f"{name}.yaml")
        + yaml.safe_dump_all(manifests(shop), sort_keys=False, width=96),
    }


_HEADER = """\
# The shop of chapter 2, mended chapter by chapter in notebooks/91_capstone.ipynb: its
# {what}, as msatheory.practice.capstone.files(mend()[-1].shop) writes them.
# msatheory.practice.capstone.system reads them together with {other}.
"""


def _manifest_source(shop: Shop, documents: Sequence[Mapping[str, Any]] | None = None
                     ) -> Source:
    """The manifests of ``shop`` (or ``documents``, when given) as the importer reads them."""
    found = manifests(shop) if documents is None else tuple(documents)
    text = yaml.safe_dump_all([_plain(d) for d in found], sort_keys=False, width=96)
    return parse(text, "capstone-shop-k8s.yaml")


def deployed_as_designed(shop: Shop, documents: Sequence[Mapping[str, Any]] | None = None
                         ) -> tuple[str, ...]:
    """What the manifests deploy that the architecture file does not say, or the other way
    round: each difference in services, calls and data stores as one sentence (none when
    the two agree). Monitoring tools and the edges to them are the manifests' own.

    Parameters
    ----------
    shop : Shop
        The shop whose architecture file is compared.
    documents : sequence of dict, optional
        The manifests to compare, as PyYAML loads them; :func:`manifests` of ``shop`` by
        default (which agree by construction; pass a team's own to compare them).

    Returns
    -------
    tuple of str
        One sentence per service or edge one side has and the other lacks.

    Examples
    --------
    >>> final = mend()[-1].shop
    >>> deployed_as_designed(final)
    ()
    >>> edited = [d for d in manifests(final) if d["metadata"]["name"] != "prometheus"]
    >>> gateway = next(d for d in edited if d["metadata"]["name"] == "webhook-gateway")
    >>> gateway["spec"]["template"]["spec"]["containers"][0]["env"] = []
    >>> deployed_as_designed(final, edited)
    ('the architecture file: webhook-gateway calls payment, which the other does not say',)
    """
    require_instance("deployed_as_designed", "shop", shop, Shop)
    return _differences(*_read(shop, documents))


def _read(shop: Shop, documents: Sequence[Mapping[str, Any]] | None
          ) -> tuple[System, System]:
    """The system of the architecture file and that of the manifests (read once per shop
    when the manifests are the shop's own: both are immutable)."""
    if documents is None:
        return _read_own(shop)
    return (load_architecture(_document_source(shop)),
            import_kubernetes(_manifest_source(shop, documents)))


@lru_cache(maxsize=32)
def _read_own(shop: Shop) -> tuple[System, System]:
    return load_architecture(_document_source(shop)), import_kubernetes(_manifest_source(shop))


def _differences(designed: System, running: System) -> tuple[str, ...]:
    tools = {n for n in running.architecture.services if n in dict(MONITORING)}
    differences = []

    def edges(s: System) -> set[tuple[str, str, str]]:
        arch = s.architecture
        found = {(a, b, "call") for a, b in arch.call_graph.edges if b not in tools}
        found |= {(n, d, "datastore") for n, svc in arch.services.items() for d in svc.datastores}
        return found

    for what, one, other in (("the manifests", running, designed),
                             ("the architecture file", designed, running)):
        extra = sorted(set(one.architecture.services) - set(other.architecture.services)
                       - tools)
        differences += [f"{what}: {n} is a service, which the other does not say"
                        for n in extra]
        differences += [f"{what}: {a} {'calls' if k == 'call' else 'uses'} {b}, which the "
                        "other does not say" for a, b, k in sorted(edges(one) - edges(other))]
    return tuple(differences)


def _document_source(shop: Shop) -> Source:
    return parse(shop.text(), "capstone-shop.yaml")


def system(shop: Shop, documents: Sequence[Mapping[str, Any]] | None = None) -> System:
    """The system ``msatheory check`` judges: the architecture file's services, calls,
    design and gateways, with the storage, rollouts and containers of the manifests that
    run it (``documents``, by default :func:`manifests` of ``shop``), and the findings of
    both.

    Raises
    ------
    TheoryError
        If the manifests do not deploy what the architecture file says
        (:func:`deployed_as_designed`).

    Examples
    --------
    >>> system(mend()[-1].shop).origin
    'architecture'
    """
    require_instance("system", "shop", shop, Shop)
    designed, running = _read(shop, documents)
    differences = _differences(designed, running)
    if differences:
        raise TheoryError(f"system: {differences[0]}")
    return replace(designed, file="capstone-shop.yaml + capstone-shop-k8s.yaml",
                   findings=tuple(sorted({*designed.findings, *running.findings})),
                   storage=running.storage, rollouts=running.rollouts,
                   deployed=running.deployed)


def rows(reports: Sequence[Report]) -> list[tuple[str, tuple[bool | None, ...]]]:
    """Each check of the catalogue that ran on one of ``reports``, in the catalogue's order,
    and its verdict in each report: True when it holds, False when it is violated, None when
    it did not run (what it reads was not there yet).

    A check is named by its statement and its checker (``Strategy 5.3.1 (retry
    amplification)``), since a statement may have several.

    Examples
    --------
    >>> from msatheory.check import check_system
    >>> steps = mend()
    >>> table = rows([check_system(system(step.shop)) for step in steps[:2]])
    >>> table[0]
    ('Axiom 1.1.1 (independence)', (True, False))
    """
    found: dict[Check, list[bool | None]] = {}
    for i, report in enumerate(reports):
        for check, verdict in zip(report.checks, report.verdicts, strict=True):
            found.setdefault(check, [None] * len(reports))[i] = verdict.holds
    return [(_checker_name(check), tuple(found[check])) for check in checks() if check in found]


def _checker_name(check: Check) -> str:
    words = check.checker.__name__.removeprefix("check_").replace("_", " ")
    return f"{check.statement.ref} ({words})"


def flipped(table: Sequence[tuple[str, tuple[bool | None, ...]]], index: int
            ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What step ``index`` of a :func:`rows` table did: the rows it mended (violated or not
    run before, holding after) and the rows it broke (not violated before, violated after).

    Examples
    --------
    >>> from msatheory.check import check_system
    >>> table = rows([check_system(system(step.shop)) for step in mend()[:3]])
    >>> flipped(table, 2)
    (('Algorithm 3.2.2 (health coverage)',), ())
    """
    if not table or not 0 < index < len(table[0][1]):
        raise TheoryError(f"flipped: index must name a step after the first of the table, "
                          f"not {index!r}")
    mended = tuple(name for name, held in table if held[index] and not held[index - 1])
    broken = tuple(name for name, held in table
                   if held[index] is False and held[index - 1] is not False)
    return mended, broken
