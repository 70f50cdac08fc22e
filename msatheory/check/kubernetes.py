"""Importing Kubernetes manifests: workloads, the Services that reach them, and their calls.

:func:`import_kubernetes` reads every document of a file (the items of a ``kind: List``
too) by these rules:

* a workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod) is a service named
  by its ``metadata.name``, or ``name.namespace`` when workloads of two namespaces
  share that name; one whose first container's image runs a data store
  (:func:`~msatheory.check.technologies.recognise`) is a data store;
* a Service reaches the workloads of its namespace whose pod template carries every
  label of its selector;
* an edge is an address in a container's ``env`` values (``valueFrom`` is not
  followed), ``command`` or ``args``: ``orders``, ``orders.shop``, ``orders.shop.svc``
  and ``orders.shop.svc.cluster.local``, with or without port or scheme, reach Service
  ``orders`` (of the container's namespace when none is given), hence each workload it
  selects;
* a workload is health-checked when a container has a readiness or liveness probe,
  and exposed when a NodePort or LoadBalancer Service or an Ingress backend reaches it;
  its replicas are ``spec.replicas`` (default 1);
* findings: dangling addresses, Services that select nothing or have no selector,
  workloads no Service selects, Ingress backends naming no Service, ``envFrom`` not
  followed, and the objects of other kinds, which are counted, not imported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from msatheory.check.addresses import (
    Inferrer,
    Setting,
    Unit,
    architecture_document,
    environment_setting,
    store_finding,
)
from msatheory.check.document import system_from_document
from msatheory.check.source import Location, Reader, Source, kind_of
from msatheory.check.system import Finding, System
from msatheory.check.technologies import identify
from msatheory.errors import TheoryError

__all__ = ["WORKLOAD_KINDS", "import_kubernetes"]

#: The kinds that run pods, and whether their ``spec`` holds a pod ``template``.
WORKLOAD_KINDS = {"Deployment": True, "StatefulSet": True, "DaemonSet": True,
                  "ReplicaSet": True, "Pod": False}
_EXPOSING_TYPES = frozenset({"NodePort", "LoadBalancer"})
_DEFAULT = "default"
_CLUSTER_SUFFIXES = (".svc.cluster.local", ".svc")
_CLUSTER_NAME = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+){1,2}\.svc(\.cluster\.local)?\.?")


@dataclass
class _Object:
    """One Kubernetes object: its document, place, kind, name and namespace."""

    read: Reader
    path: Location
    body: dict
    kind: str
    name: str
    namespace: str

    def at(self, *steps: str | int) -> Location:
        return (*self.path, *steps)

    def place(self, *steps: str | int) -> str:
        return self.read.place(self.at(*steps))


@dataclass
class _Workload:
    """What a workload's manifest says, as the importer needs it."""

    object: _Object
    labels: dict[str, str]
    image: tuple[str | None, Location] | None
    variables: list[str]
    settings: list[Setting]
    env_from: list[Location]
    healthcheck: bool
    replicas: int
    key: str = ""
    store: tuple[str, str] | None = None
    exposed: bool = False
    selected: bool = False


@dataclass
class _Service:
    """A Kubernetes Service: what it selects, its type, and the workloads it reaches."""

    object: _Object
    selector: dict[str, str] | None
    type: str
    external: str | None
    selects: list[_Workload] = field(default_factory=list)


def import_kubernetes(source: Source) -> System:
    """The system a file of Kubernetes manifests deploys (origin ``"kubernetes"``)."""
    objects = _objects(source)
    workloads = [_workload(o) for o in objects if o.kind in WORKLOAD_KINDS]
    services = [_service(o) for o in objects if o.kind == "Service"]
    if not workloads:
        raise TheoryError(f"{source.name}: deploys no workload (Deployment, StatefulSet, "
                          "DaemonSet, ReplicaSet or Pod): there is no architecture to check")
    _name_workloads(workloads)
    findings = _other_kinds(objects) | _recognise(workloads)
    findings |= _select(services, workloads)
    findings |= _ingresses([o for o in objects if o.kind == "Ingress"], services)
    findings |= {Finding("not selected", w.object.place("metadata", "name"),
                         f"no Service selects {w.object.kind} {w.key}: nothing can address "
                         "it by a Service name")
                 for w in workloads if not w.selected}
    findings |= {Finding("not followed", w.object.read.place(path),
                         f"{w.key}'s envFrom is not read: the variables it sets are not "
                         "searched for addresses")
                 for w in workloads for path in w.env_from}
    inferrer = _infer(workloads, services)
    findings |= inferrer.findings
    document = _document(source, workloads, inferrer)
    return system_from_document(document, source.name, "kubernetes",
                                inferrer.inferred, findings)


# -- objects ----------------------------------------------------------------------------------


def _objects(source: Source) -> list[_Object]:
    """Every object of every document, the items of a ``List`` in its place."""
    found = []
    for index, document in enumerate(source.documents):
        if document is None:
            continue
        read = Reader(source, index)
        top = _object(read, document, ())
        if top.kind == "List":
            for i, item in enumerate(read.items(document.get("items"), ("items",))):
                found.append(_object(read, item, ("items", i)))
        else:
            found.append(top)
    return found


def _object(read: Reader, body: object, path: Location) -> _Object:
    if not isinstance(body, dict):
        raise read.fail(path, "must be a Kubernetes object (a mapping with a kind), not "
                              f"{kind_of(body)}")
    if "kind" not in body:
        raise read.fail(path, "has no kind: it is not a Kubernetes object")
    kind = read.name(body["kind"], (*path, "kind"))
    metadata = read.mapping(body.get("metadata"), (*path, "metadata"))
    name = namespace = ""
    if kind != "List":
        name = read.name(metadata.get("name"), (*path, "metadata", "name"))
        namespace = read.text(metadata.get("namespace"), (*path, "metadata", "namespace"))
    return _Object(read, path, body, kind, name, namespace or _DEFAULT)


def _other_kinds(objects: list[_Object]) -> set[Finding]:
    """One finding per kind the importer does not read, counting its objects."""
    by_kind: dict[str, list[_Object]] = defaultdict(list)
    for o in objects:
        if o.kind not in WORKLOAD_KINDS and o.kind not in ("Service", "Ingress"):
            by_kind[o.kind].append(o)
    return {Finding("not imported", found[0].place("kind"),
                    f"{len(found)} {kind} object{'s' if len(found) > 1 else ''} "
                    f"({', '.join(sorted(o.name or '(unnamed)' for o in found))}): not a "
                    "workload, Service or Ingress")
            for kind, found in by_kind.items()}


# -- workloads --------------------------------------------------------------------------------


def _workload(o: _Object) -> _Workload:
    read = o.read
    spec = read.mapping(o.body.get("spec"), o.at("spec"))
    if WORKLOAD_KINDS[o.kind]:
        if spec.get("template") is None:
            raise read.fail(o.at("spec"), f"{o.kind} {o.name} has no pod template")
        template_path = o.at("spec", "template")
        template = read.mapping(spec["template"], template_path)
        metadata = read.mapping(template.get("metadata"), (*template_path, "metadata"))
        labels_path: Location = (*template_path, "metadata", "labels")
        pod_path: Location = (*template_path, "spec")
        pod = read.mapping(template.get("spec"), pod_path)
    else:
        metadata = read.mapping(o.body.get("metadata"), o.at("metadata"))
        labels_path, pod_path, pod = o.at("metadata", "labels"), o.at("spec"), spec
    labels = {key: read.scalar(value, (*labels_path, key))
              for key, value in read.mapping(metadata.get("labels"), labels_path).items()}
    containers = _containers(read, pod, pod_path, "containers")
    image = None  # the first container's image and variables decide its technology
    if containers:
        first, spec_of_first = containers[0]
        image = (read.text(spec_of_first.get("image"), (*first, "image")), (*first, "image"))
    settings, variables, env_from = [], [], []
    for p, c in containers + _containers(read, pod, pod_path, "initContainers"):
        found, names = _settings(read, c, p)
        settings += found
        if p == (containers[0][0] if containers else None):
            variables = names
        if c.get("envFrom") is not None:
            env_from.append((*p, "envFrom"))
    probes = any(c.get(probe) is not None for _, c in containers
                 for probe in ("readinessProbe", "livenessProbe"))
    replicas = 1
    if o.kind in ("Deployment", "StatefulSet", "ReplicaSet") and spec.get("replicas") is not None:
        replicas = read.count(spec["replicas"], o.at("spec", "replicas"))
    return _Workload(o, labels, image, variables, settings, env_from, probes, replicas)


def _containers(read: Reader, pod: dict, pod_path: Location,
                key: str) -> list[tuple[Location, dict]]:
    found = []
    for i, container in enumerate(read.items(pod.get(key), (*pod_path, key))):
        path: Location = (*pod_path, key, i)
        if not isinstance(container, dict):
            raise read.fail(path, f"must be a mapping describing a container, not "
                                  f"{kind_of(container)}")
        found.append((path, container))
    return found


def _settings(read: Reader, container: dict, path: Location) -> tuple[list[Setting], list[str]]:
    """A container's env values, command and args; and its variables' names."""
    settings, names = [], []
    for i, variable in enumerate(read.items(container.get("env"), (*path, "env"))):
        where: Location = (*path, "env", i)
        entry = read.mapping(variable, where)
        name = read.name(entry.get("name"), (*where, "name"))
        names.append(name)
        value = read.scalar(entry.get("value"), (*where, "value"))
        setting = environment_setting(name, value, (*where, "value"),
                                      bare=bool(_CLUSTER_NAME.fullmatch(value.strip())))
        if setting:
            settings.append(setting)
    for key in ("command", "args"):
        parts = read.items(container.get(key), (*path, key))
        text = " ".join(read.scalar(part, (*path, key, i)) for i, part in enumerate(parts))
        if text:
            settings.append(Setting(key, text, (*path, key), command=True))
    return settings, names


def _name_workloads(workloads: list[_Workload]) -> None:
    """``name``, or ``name.namespace`` when two namespaces have a workload of that name."""
    namespaces: dict[str, set[str]] = defaultdict(set)
    for w in workloads:
        namespaces[w.object.name].add(w.object.namespace)
    seen: dict[str, _Workload] = {}
    for w in workloads:
        o = w.object
        w.key = o.name if len(namespaces[o.name]) == 1 else f"{o.name}.{o.namespace}"
        if w.key in seen:
            first = seen[w.key].object
            raise o.read.fail(o.at("metadata", "name"),
                              f"a second workload named {w.key} in namespace {o.namespace} "
                              f"(the first is {first.kind} at {first.place('metadata', 'name')})")
        seen[w.key] = w


def _recognise(workloads: list[_Workload]) -> set[Finding]:
    """Mark the workloads whose first container runs a data store; a finding for each."""
    findings = set()
    for w in workloads:
        found = identify(w.image[0], w.variables) if w.image else None
        if found:
            w.store, why = found
            findings.add(store_finding(w.key, why, w.store[1], w.object.read.place(w.image[1])))
    return findings


# -- Services and Ingresses -------------------------------------------------------------------


def _service(o: _Object) -> _Service:
    read = o.read
    spec = read.mapping(o.body.get("spec"), o.at("spec"))
    raw = read.mapping(spec.get("selector"), o.at("spec", "selector"))
    selector = {k: read.scalar(v, o.at("spec", "selector", k)) for k, v in raw.items()}
    kind = read.text(spec.get("type"), o.at("spec", "type")) or "ClusterIP"
    external = read.text(spec.get("externalName"), o.at("spec", "externalName"))
    return _Service(o, selector or None, kind, external)


def _select(services: list[_Service], workloads: list[_Workload]) -> set[Finding]:
    """Match each Service to the workloads it selects; findings for those that select none."""
    by_label: dict[tuple[str, str, str], list[_Workload]] = defaultdict(list)
    for w in workloads:
        for label in w.labels.items():
            by_label[(w.object.namespace, *label)].append(w)
    findings = set()
    for s in services:
        o = s.object
        if s.selector is None:
            reaches = f"the external host {s.external}" if s.external else "endpoints set by hand"
            findings.add(Finding("no selector", o.place("metadata", "name"),
                                 f"Service {o.name} has no selector: it reaches {reaches}, so "
                                 "addresses naming it give no edge"))
            continue
        first = next(iter(s.selector.items()))
        s.selects = [w for w in by_label[(o.namespace, *first)]
                     if all(w.labels.get(k) == v for k, v in s.selector.items())]
        for w in s.selects:
            w.selected = True
            w.exposed = w.exposed or s.type in _EXPOSING_TYPES
        if not s.selects:
            labels = ", ".join(f"{k}={v}" for k, v in sorted(s.selector.items()))
            findings.add(Finding("selects no workload", o.place("spec", "selector"),
                                 f"Service {o.name} selects {labels}, which no pod template "
                                 f"in namespace {o.namespace} carries"))
    return findings


def _backends(o: _Object) -> list[tuple[str, Location]]:
    """The Service names an Ingress routes to (networking.k8s.io/v1, and v1beta1)."""
    read = o.read
    spec = read.mapping(o.body.get("spec"), o.at("spec"))
    found: list[tuple[object, Location]] = []
    for key in ("defaultBackend", "backend"):
        found += _backend(read, spec.get(key), o.at("spec", key))
    for i, rule in enumerate(read.items(spec.get("rules"), o.at("spec", "rules"))):
        http_path = o.at("spec", "rules", i, "http")
        http = read.mapping(read.mapping(rule, o.at("spec", "rules", i)).get("http"), http_path)
        for j, item in enumerate(read.items(http.get("paths"), (*http_path, "paths"))):
            where: Location = (*http_path, "paths", j)
            found += _backend(read, read.mapping(item, where).get("backend"), (*where, "backend"))
    return [(read.name(name, where), where) for name, where in found]


def _backend(read: Reader, value: object, path: Location) -> list[tuple[object, Location]]:
    backend = read.mapping(value, path)
    if backend.get("serviceName") is not None:  # v1beta1
        return [(backend["serviceName"], (*path, "serviceName"))]
    service = read.mapping(backend.get("service"), (*path, "service"))
    return [(service["name"], (*path, "service", "name"))] if "name" in service else []


def _ingresses(ingresses: list[_Object], services: list[_Service]) -> set[Finding]:
    """Expose what each Ingress backend reaches; a finding for a backend naming no Service."""
    by_name = {(s.object.namespace, s.object.name): s for s in services}
    findings = set()
    for o in ingresses:
        for name, where in _backends(o):
            service = by_name.get((o.namespace, name))
            if service is None:
                findings.add(Finding("dangling backend", o.read.place(where),
                                     f"Ingress {o.name} routes to Service {name}, which is not "
                                     f"in namespace {o.namespace} in this file"))
                continue
            for w in service.selects:
                w.exposed = True
    return findings


# -- edges ------------------------------------------------------------------------------------


def _infer(workloads: list[_Workload], services: list[_Service]) -> Inferrer:
    """Every edge the workloads' settings show."""
    by_name = {(s.object.namespace, s.object.name): s for s in services}
    namespace = {w.key: w.object.namespace for w in workloads}

    def resolve(owner: str, host: str) -> list[str] | None:
        for ns, name in _readings(host.lower().rstrip("."), namespace[owner]):
            if (ns, name) in by_name:
                return [w.key for w in by_name[(ns, name)].selects]
        return None

    known = {name for s in services for name in _forms(s.object)}
    stores = {w.key for w in workloads if w.store}
    inferrer = Inferrer(resolve, stores, known)
    for w in workloads:
        for s in w.settings:
            inferrer.scan(w.key, s, w.object.read.place(s.path))
    return inferrer


def _readings(host: str, home: str) -> list[tuple[str, str]]:
    """The ``(namespace, Service)`` pairs ``host`` may name from namespace ``home``:
    ``orders``, ``orders.shop``, ``orders.shop.svc[.cluster.local]``, and a StatefulSet
    pod's ``pod.orders[.shop[.svc...]]``."""
    for suffix in _CLUSTER_SUFFIXES:
        if host.endswith(suffix):
            host = host[: -len(suffix)]
            break
    parts = host.split(".")
    if len(parts) == 1:
        return [(home, parts[0])]
    if len(parts) == 2:
        return [(parts[1], parts[0]), (home, parts[1])]
    if len(parts) == 3:
        return [(parts[2], parts[1])]
    return []


def _forms(o: _Object) -> list[str]:
    """The names a bare word of a command line may use for Service ``o``."""
    base = f"{o.name}.{o.namespace}"
    return [o.name, base, f"{base}.svc", f"{base}.svc.cluster.local"]


# -- the whole file ---------------------------------------------------------------------------


def _document(source: Source, workloads: list[_Workload],
              inferrer: Inferrer) -> dict[str, object]:
    units = [Unit(w.key, w.store, w.healthcheck, w.exposed, w.replicas) for w in workloads]
    document = architecture_document(
        units, inferrer, lambda problem: TheoryError(f"{source.name}: {problem}"))
    namespaces = {w.object.namespace for w in workloads}
    if len(namespaces) == 1 and _DEFAULT not in namespaces:
        document["name"] = namespaces.pop()
    return document
