"""Importing Kubernetes manifests: the Services callers address, the workloads behind them,
and their calls.

:func:`import_kubernetes` reads every document of one or several files (the items of a
``kind: List`` too) by these rules:

* callers address Services, so a Service is a service of the architecture, and the
  workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod) it selects are its
  replicas: stable and canary Deployments behind Service ``orders`` are one service
  ``orders`` whose replicas are summed, each workload kept with its image and probes.
  Workloads that share a Service are one service; a Service whose workloads carry
  different application labels (``app.kubernetes.io/name``, ``app``, ``k8s-app``) spans
  several services instead, and addresses naming it reach each. A workload no Service
  selects is a service of its own name. A name two namespaces share becomes
  ``name.namespace``;
* a service is a data store when every workload behind it runs one
  (:func:`~msatheory.check.technologies.identify` on its first container), or when it is
  addressed as one;
* an edge is an address in a container's ``env`` values, its ``envFrom`` and
  ``valueFrom`` ConfigMaps and Secrets of the same files, ``command`` or ``args``, with
  ``$(VAR)`` references expanded as the kubelet does: ``orders``, ``orders.shop``,
  ``orders.shop.svc`` and ``orders.shop.svc.cluster.local``, with or without port or
  scheme, and a Service's ``clusterIP``, reach Service ``orders`` (of the container's
  namespace when none is given);
* a service is health-checked when every workload behind it has a readiness or liveness
  probe, and exposed when a NodePort or LoadBalancer Service or an Ingress backend
  reaches it;
* findings: dangling addresses, Services that select nothing or have no selector,
  workloads no Service selects, services made of several workloads, Ingress backends
  naming no Service, ConfigMaps and Secrets named but absent, and the objects of other
  kinds, which are counted, not imported;
* Istio's VirtualService and DestinationRule objects (networking.istio.io) become the
  retry, timeout and ejection policies of the services their hosts reach
  (:mod:`msatheory.communication.istio`); hosts naming no Service, policies bound to
  ingress gateways only and outlier detection set per subset or port are findings, and so
  are the called services no VirtualService routes, which the mesh retries by default;
* the routing objects, Ingress (networking.k8s.io/v1 and v1beta1) and HTTPRoute
  (gateway.networking.k8s.io/v1), become routing tables (:mod:`msatheory.gateway.ingress`)
  with what clients reach beside them: NodePort and LoadBalancer Services and
  ``hostPort`` s, each marked when it runs an ingress controller or gateway proxy. What a
  route cannot express (a regular expression, an ``ImplementationSpecific`` path, a header
  match) is a finding;
* each data store's instances (the replicas of the workloads behind it) and replication
  settings become its ``storage`` (Def 6.3.1, :func:`~msatheory.check.inference.storage_of`);
* each Deployment's, StatefulSet's and DaemonSet's update strategy, replicas (a
  HorizontalPodAutoscaler's ``minReplicas`` where one scales it) and readiness probes, and
  each PodDisruptionBudget, become the system's ``rollouts`` (Strategy 7.1.3,
  :func:`~msatheory.deployment.manifests.read_rollouts`).
"""

from __future__ import annotations

import base64
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace

from msatheory.check.addresses import Setting, environment_setting, ip_literal
from msatheory.check.document import system_from_document
from msatheory.check.inference import Resolve, Unit, architecture_document, infer, storage_of
from msatheory.check.source import Location, Reader, Source, kind_of
from msatheory.check.system import Deployed, Finding, System
from msatheory.check.technologies import identify, monitoring_tool, repository
from msatheory.communication.istio import (
    DEFAULT_ATTEMPTS,
    DEFAULT_RETRY_ON,
    GROUP,
    Ejection,
    Policy,
    Resilience,
    read_destinationrule,
    read_virtualservice,
)
from msatheory.deployment.manifests import (
    Autoscaler,
    DisruptionBudget,
    Rollouts,
    Selector,
    Workload,
    Written,
    read_rollouts,
)
from msatheory.errors import TheoryError
from msatheory.gateway.ingress import (
    NOT_MODELLED,
    Exposure,
    Note,
    Placed,
    Routing,
    gateway_image,
    read_httproute,
    read_ingress,
    routing_of,
)

__all__ = ["APP_LABELS", "WORKLOAD_KINDS", "import_kubernetes"]

#: The kinds that run pods, and whether their ``spec`` holds a pod ``template``.
WORKLOAD_KINDS = {"Deployment": True, "StatefulSet": True, "DaemonSet": True,
                  "ReplicaSet": True, "Pod": False}
#: Labels that name the application a pod belongs to, most specific first.
APP_LABELS = ("app.kubernetes.io/name", "app", "k8s-app")
_ISTIO_KINDS = ("VirtualService", "DestinationRule")
_READ_KINDS = frozenset({*WORKLOAD_KINDS, "Service", "Ingress", "HTTPRoute", "ConfigMap",
                         "Secret", *_ISTIO_KINDS, "PodDisruptionBudget",
                         "HorizontalPodAutoscaler"})
_EXPOSING_TYPES = frozenset({"NodePort", "LoadBalancer"})
_DEFAULT = "default"
_CLUSTER_SUFFIXES = (".svc.cluster.local", ".svc")
_CLUSTER_NAME = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+){1,2}\.svc(\.cluster\.local)?\.?")
_REFERENCE = re.compile(r"\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)")


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
    image: str | None
    image_place: str
    variables: list[str]
    settings: list[tuple[Setting, str]]
    healthcheck: bool
    replicas: int
    services: list[_Service] = field(default_factory=list)


@dataclass
class _Service:
    """A Kubernetes Service: what it selects, its type, and the workloads it reaches."""

    object: _Object
    selector: dict[str, str] | None
    type: str
    external: str | None
    cluster_ip: str | None
    selects: list[_Workload] = field(default_factory=list)
    spans: bool = False


class _Values:
    """The ConfigMaps and Secrets of the files: each key's value and where it is."""

    def __init__(self, objects: list[_Object]):
        self.maps: dict[tuple[str, str, str], dict[str, tuple[str, str]]] = {}
        for o in objects:
            if o.kind in ("ConfigMap", "Secret"):
                self.maps[(o.kind, o.namespace, o.name)] = self._values(o)

    @staticmethod
    def _values(o: _Object) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        for key in ("data", "stringData"):
            for name, value in o.read.mapping(o.body.get(key), o.at(key)).items():
                text = o.read.scalar(value, o.at(key, name))
                if o.kind == "Secret" and key == "data":
                    try:
                        text = base64.b64decode(text, validate=True).decode("utf-8")
                    except ValueError:  # not base64, or not UTF-8 text: holds no address
                        continue
                found[name] = (text, f"{o.kind} {o.name}, {o.place(key, name)}")
        return found

    def get(self, kind: str, namespace: str, name: str) -> dict[str, tuple[str, str]] | None:
        return self.maps.get((kind, namespace, name))


def import_kubernetes(source: Source) -> System:
    """The system Kubernetes manifests deploy (origin ``"kubernetes"``); ``source`` may
    hold the documents of several files (:meth:`~msatheory.check.source.Source.combine`)."""
    return _import(source)[0]


def _import(source: Source) -> tuple[System, Routing | None]:
    """The system, with the routing of its Ingress and HTTPRoute objects (None without),
    and that routing."""
    objects = _objects(source)
    values = _Values(objects)
    findings: set[Finding] = set()
    workloads = [_workload(o, values, findings) for o in objects if o.kind in WORKLOAD_KINDS]
    services = [_service(o) for o in objects if o.kind == "Service"]
    if not workloads:
        raise TheoryError(f"{source.name}: deploys no workload (Deployment, StatefulSet, "
                          "DaemonSet, ReplicaSet or Pod): there is no architecture to check")
    _check_names(workloads)
    findings |= _other_kinds(objects) | _select(services, workloads)
    findings |= {Finding("not selected", w.object.place("metadata", "name"),
                         f"no Service selects {w.object.kind} {w.object.name}: nothing can "
                         "address it by a Service name")
                 for w in workloads if not w.services}
    exposed = _ingresses([o for o in objects if o.kind == "Ingress"], services, findings)
    groups = _groups(workloads, services)
    units, unit_of = _units(groups, exposed, findings)
    routing, notes = _routing(objects, services, workloads, unit_of)
    findings |= notes
    resilience, notes = _resilience(objects, services, unit_of)
    findings |= notes
    resolver = _resolver(services, workloads, unit_of)
    found = infer(units, resolver, {name for s in services for name in _forms(s.object)})
    findings |= found.findings
    if resilience is not None:
        findings |= _mesh_defaults(objects, resilience,
                                   {i.target for i in found.inferred if i.kind == "call"})
    document = architecture_document(
        units, found.inferred, lambda problem: TheoryError(f"{source.name}: {problem}"))
    namespaces = {w.object.namespace for w in workloads}
    if len(namespaces) == 1 and _DEFAULT not in namespaces:
        document["name"] = namespaces.pop()
    system = system_from_document(document, source.name, "kubernetes", found.inferred,
                                  findings, {u.name: u.deployed for u in units})
    return replace(system, routing=routing, resilience=resilience,
                   storage=storage_of(units, resolver),
                   rollouts=_rollouts(objects, workloads)), routing


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
            for i, item in enumerate(read.items(top.body.get("items"), ("items",))):
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
        namespace = read.text(metadata.get("namespace"), (*path, "metadata", "namespace")) or ""
    return _Object(read, path, body, kind, name, namespace or _DEFAULT)


def _other_kinds(objects: list[_Object]) -> set[Finding]:
    """One finding per kind the importer does not read, counting its objects."""
    by_kind: dict[str, list[_Object]] = defaultdict(list)
    for o in objects:
        if o.kind not in _READ_KINDS:
            by_kind[o.kind].append(o)
    return {Finding("not imported", found[0].place("kind"),
                    f"{len(found)} {kind} object{'s' if len(found) > 1 else ''} "
                    f"({', '.join(sorted(o.name or '(unnamed)' for o in found))}): not a "
                    "workload, Service, Ingress, ConfigMap or Secret")
            for kind, found in by_kind.items()}


# -- workloads --------------------------------------------------------------------------------


def _workload(o: _Object, values: _Values, findings: set[Finding]) -> _Workload:
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
    image, image_place, variables = None, o.place("metadata", "name"), []
    settings: list[tuple[Setting, str]] = []
    for i, (path, container) in enumerate(
            containers + _containers(read, pod, pod_path, "initContainers")):
        found, names = _settings(o, container, path, values, findings)
        settings += found
        if i == 0 and containers:  # the first container decides the technology
            image = read.text(container.get("image"), (*path, "image"))
            image_place, variables = read.place((*path, "image")), names
    probes = any(c.get(probe) is not None for _, c in containers
                 for probe in ("readinessProbe", "livenessProbe"))
    replicas = 1
    if o.kind in ("Deployment", "StatefulSet", "ReplicaSet") and spec.get("replicas") is not None:
        replicas = read.count(spec["replicas"], o.at("spec", "replicas"))
    return _Workload(o, labels, image, image_place, variables, settings, probes, replicas)


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


def _settings(o: _Object, container: dict, path: Location, values: _Values,
              findings: set[Finding]) -> tuple[list[tuple[Setting, str]], list[str]]:
    """A container's variables (``envFrom``, then ``env`` over them), command and args;
    and its variables' names."""
    read = o.read
    variables: dict[str, tuple[str, Location, str]] = {}
    for i, source in enumerate(read.items(container.get("envFrom"), (*path, "envFrom"))):
        where: Location = (*path, "envFrom", i)
        entry = read.mapping(source, where)
        prefix = read.text(entry.get("prefix"), (*where, "prefix")) or ""
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if entry.get(key) is None:
                continue
            ref = read.mapping(entry[key], (*where, key))
            name = read.name(ref.get("name"), (*where, key, "name"))
            found = _lookup(o, values, kind, name, ref, (*where, key), findings)
            for variable, (text, origin) in (found or {}).items():
                variables[prefix + variable] = (text, where, f"from {origin}")
    for i, item in enumerate(read.items(container.get("env"), (*path, "env"))):
        where = (*path, "env", i)
        entry = read.mapping(item, where)
        name = read.name(entry.get("name"), (*where, "name"))
        if entry.get("valueFrom") is not None:
            resolved = _value_from(o, values, entry["valueFrom"], (*where, "valueFrom"),
                                   findings)
            if resolved is not None:
                variables[name] = (resolved[0], where, f"from {resolved[1]}")
            continue
        raw = read.scalar(entry.get("value"), (*where, "value"))
        expanded = _expand(raw, {k: v[0] for k, v in variables.items()})
        variables[name] = (expanded, (*where, "value"), "")
    settings = []
    known = {k: v[0] for k, v in variables.items()}
    for name, (text, where, note) in variables.items():
        setting = environment_setting(name, text, where, note=note,
                                      bare=bool(_CLUSTER_NAME.fullmatch(text.strip())))
        if setting:
            settings.append((setting, read.place(where)))
    for key in ("command", "args"):
        parts = read.items(container.get(key), (*path, key))
        text = " ".join(_expand(read.scalar(part, (*path, key, i)), known)
                        for i, part in enumerate(parts))
        if text:
            settings.append((Setting(key, text, (*path, key), command=True),
                             read.place((*path, key))))
    return settings, list(variables)


def _lookup(o: _Object, values: _Values, kind: str, name: str, ref: dict, where: Location,
            findings: set[Finding]) -> dict[str, tuple[str, str]] | None:
    """The keys of ConfigMap or Secret ``name`` in ``o``'s namespace; a finding when it is
    not in the files (and not ``optional``)."""
    found = values.get(kind, o.namespace, name)
    if found is None and ref.get("optional") is not True:
        findings.add(Finding("not found", o.read.place(where),
                             f"{o.kind} {o.name} reads {kind} {name}, which is not in "
                             f"namespace {o.namespace} in these files: its variables are "
                             "not searched for addresses"))
    return found


def _value_from(o: _Object, values: _Values, value: object, where: Location,
                findings: set[Finding]) -> tuple[str, str] | None:
    """The value and origin of an ``env`` entry's ``configMapKeyRef`` or ``secretKeyRef``."""
    read = o.read
    source = read.mapping(value, where)
    for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
        if source.get(key) is None:
            continue
        ref = read.mapping(source[key], (*where, key))
        name = read.name(ref.get("name"), (*where, key, "name"))
        wanted = read.name(ref.get("key"), (*where, key, "key"))
        found = _lookup(o, values, kind, name, ref, (*where, key), findings)
        if found is not None and wanted in found:
            return found[wanted]
    return None


def _expand(text: str, variables: dict[str, str]) -> str:
    """``$(VAR)`` replaced by the value of a variable defined before, as the kubelet does;
    ``$$`` is a literal ``$`` and an unknown reference stays as written."""
    def replace(match: re.Match[str]) -> str:
        if match.group() == "$$":
            return "$"
        return variables.get(match.group(1), match.group())
    return _REFERENCE.sub(replace, text) if "$" in text else text


def _check_names(workloads: list[_Workload]) -> None:
    """No two workloads of one namespace share a name."""
    seen: dict[tuple[str, str], _Workload] = {}
    for w in workloads:
        o = w.object
        key = (o.namespace, o.name)
        if key in seen:
            first = seen[key].object
            raise o.read.fail(o.at("metadata", "name"),
                              f"a second workload named {o.name} in namespace {o.namespace} "
                              f"(the first is {first.kind} at {first.place('metadata', 'name')})")
        seen[key] = w


# -- Services, Ingresses and the services they make -------------------------------------------


def _service(o: _Object) -> _Service:
    read = o.read
    spec = read.mapping(o.body.get("spec"), o.at("spec"))
    raw = read.mapping(spec.get("selector"), o.at("spec", "selector"))
    selector = {k: read.scalar(v, o.at("spec", "selector", k)) for k, v in raw.items()}
    kind = read.text(spec.get("type"), o.at("spec", "type")) or "ClusterIP"
    external = read.text(spec.get("externalName"), o.at("spec", "externalName"))
    cluster_ip = read.text(spec.get("clusterIP"), o.at("spec", "clusterIP"))
    return _Service(o, selector or None, kind, external, ip_literal(cluster_ip or ""))


def _application(w: _Workload) -> str | None:
    return next((f"{label}={w.labels[label]}" for label in APP_LABELS if label in w.labels),
                None)


def _select(services: list[_Service], workloads: list[_Workload]) -> set[Finding]:
    """Match each Service to the workloads it selects; findings for those that select none
    and those that span several applications."""
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
            w.services.append(s)
        applications = {_application(w) for w in s.selects}
        if len(applications) > 1 and None not in applications:
            s.spans = True
            findings.add(Finding("spans services", o.place("spec", "selector"),
                                 f"Service {o.name} selects workloads of "
                                 f"{len(applications)} applications "
                                 f"({', '.join(sorted(map(str, applications)))}): it is read "
                                 "as several services, and an address naming it reaches each"))
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


def _ingresses(ingresses: list[_Object], services: list[_Service],
               findings: set[Finding]) -> set[int]:
    """The workloads (by ``id``) an exposing Service or an Ingress backend reaches; a
    finding for a backend naming no Service."""
    by_name = {(s.object.namespace, s.object.name): s for s in services}
    exposed = {id(w) for s in services if s.type in _EXPOSING_TYPES for w in s.selects}
    for o in ingresses:
        for name, where in _backends(o):
            service = by_name.get((o.namespace, name))
            if service is None:
                findings.add(Finding("dangling backend", o.read.place(where),
                                     f"Ingress {o.name} routes to Service {name}, which is not "
                                     f"in namespace {o.namespace} in this file"))
                continue
            exposed |= {id(w) for w in service.selects}
    return exposed


def _groups(workloads: list[_Workload], services: list[_Service]) -> list[list[_Workload]]:
    """The workloads that are one service: those a Service (not spanning) selects together."""
    parent = {id(w): id(w) for w in workloads}

    def root(key: int) -> int:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for s in services:
        if not s.spans:
            for w in s.selects[1:]:
                parent[root(id(w))] = root(id(s.selects[0]))
    groups: dict[int, list[_Workload]] = defaultdict(list)
    for w in workloads:
        groups[root(id(w))].append(w)
    return list(groups.values())


def _group_name(group: list[_Workload]) -> tuple[str, str, _Service | None]:
    """A group's ``(name, namespace, Service)``: the Service selecting most of it (then the
    shortest name, then the first alphabetically), else the lone workload's own name."""
    services = {id(s): s for w in group for s in w.services if not s.spans}
    if not services:
        o = group[0].object
        return o.name, o.namespace, None
    best = min(services.values(),
               key=lambda s: (-len(s.selects), len(s.object.name), s.object.name))
    return best.object.name, best.object.namespace, best


def _units(groups: list[list[_Workload]], exposed: set[int],
           findings: set[Finding]) -> tuple[list[Unit], dict[int, str]]:
    """A unit per group, named ``name`` or ``name.namespace`` when two namespaces share a
    name; and the unit of each workload (by ``id``)."""
    named = sorted(((_group_name(group), group) for group in groups),
                   key=lambda pair: pair[0][2] is None)  # Services name first
    namespaces: dict[str, set[str]] = defaultdict(set)
    for (name, namespace, _), _ in named:
        namespaces[name].add(namespace)
    units: list[Unit] = []
    unit_of: dict[int, str] = {}
    taken: set[str] = set()
    for (name, namespace, service), group in named:
        key = name if len(namespaces[name]) == 1 else f"{name}.{namespace}"
        if key in taken:  # a workload of the same name as a Service in its namespace
            key = f"{key} ({group[0].object.kind})"
        taken.add(key)
        units.append(_unit(key, group, exposed, service, findings))
        unit_of.update((id(w), key) for w in group)
    return units, unit_of


def _unit(key: str, group: list[_Workload], exposed: set[int], service: _Service | None,
          findings: set[Finding]) -> Unit:
    """One service (or data store) made of the workloads of ``group``."""
    first = group[0]
    unit = Unit(key, settings=[s for w in group for s in w.settings],
                healthcheck=all(w.healthcheck for w in group),
                exposed=any(id(w) in exposed for w in group),
                replicas=sum(w.replicas for w in group),
                deployed=tuple(Deployed(w.object.kind, w.object.name, w.image or "",
                                        w.healthcheck, w.replicas,
                                        w.object.place("metadata", "name"),
                                        w.object.read.position(w.object.at("metadata", "name")))
                                for w in group))
    stores = [identify(w.image, w.variables, service.object.name if service else w.object.name)
              for w in group]
    if stores[0] is not None and all(stores):
        (unit.store, unit.why), unit.where = stores[0], first.image_place
    unit.tool = monitoring_tool(first.image)
    if unit.tool:
        unit.where = unit.where or first.image_place
    if len(group) > 1:
        parts = " + ".join(str(w.replicas) for w in group)
        names = ", ".join(f"{w.object.kind} {w.object.name}" for w in group)
        assert service is not None
        findings.add(Finding("several workloads", service.object.place("metadata", "name"),
                             f"Service {service.object.name} selects {names}: one service, "
                             f"{key}, with {unit.replicas} replicas ({parts})"))
    return unit


# -- routing objects --------------------------------------------------------------------------


def _routing(objects: list[_Object], services: list[_Service], workloads: list[_Workload],
             unit_of: dict[int, str]) -> tuple[Routing | None, set[Finding]]:
    """The routing tables of the Ingress and HTTPRoute objects, with what clients reach
    beside them, and the findings of reading them; None when there are none."""
    routers = [o for o in objects if o.kind in ("Ingress", "HTTPRoute")]
    if not routers:
        return None, set()
    placed: list[Placed] = []
    notes: list[Note] = []
    for o in routers:
        version = (o.read.text(o.body.get("apiVersion"), o.at("apiVersion")) or ""
                   if o.kind == "HTTPRoute" else "")
        if o.kind == "HTTPRoute" and not version.startswith("gateway.networking.k8s.io/"):
            notes.append((NOT_MODELLED, o.place("apiVersion"),
                          f"HTTPRoute {o.name} is of {version or 'no apiVersion'}, not the "
                          "Gateway API's gateway.networking.k8s.io: it is not read"))
            continue
        read = read_ingress if o.kind == "Ingress" else read_httproute
        rules, found = read(o.read, o.path, o.body, o.name, o.namespace)
        placed += rules
        notes += found
    names = {(s.object.namespace, s.object.name) for s in services}
    routing = routing_of(placed, names, _exposures(services, workloads, unit_of))
    return routing, {Finding(*note) for note in notes}


def _exposures(services: list[_Service], workloads: list[_Workload],
               unit_of: dict[int, str]) -> list[Exposure]:
    """What clients reach without the routing objects: the services behind NodePort and
    LoadBalancer Services, and workloads binding a ``hostPort``."""
    found = []
    for s in services:
        if s.type in _EXPOSING_TYPES:
            for unit in dict.fromkeys(unit_of[id(w)] for w in s.selects):
                runs = [w for w in s.selects if unit_of[id(w)] == unit]
                found.append(Exposure(unit, f"Service {s.object.name} is of type {s.type}",
                                      s.object.place("spec", "type"), _entry(runs)))
    for w in workloads:
        o = w.object
        pod_at, pod = _pod(o)
        for key in ("containers", "initContainers"):
            for path, container in _containers(o.read, pod, pod_at, key):
                for i, port in enumerate(o.read.items(container.get("ports"),
                                                      (*path, "ports"))):
                    entry = o.read.mapping(port, (*path, "ports", i))
                    if entry.get("hostPort") is None:
                        continue
                    where: Location = (*path, "ports", i, "hostPort")
                    number = o.read.count(entry["hostPort"], where)
                    name = o.read.text(container.get("name"), (*path, "name")) or str(path[-1])
                    found.append(Exposure(unit_of[id(w)], f"{o.kind} {o.name}'s container "
                                          f"{name} binds hostPort {number}", o.read.place(where),
                                          _entry([w])))
    return found


def _pod(o: _Object) -> tuple[Location, dict]:
    """Where a workload's pod spec is, and the spec."""
    spec = o.read.mapping(o.body.get("spec"), o.at("spec"))
    if not WORKLOAD_KINDS[o.kind]:
        return o.at("spec"), spec
    template = o.read.mapping(spec.get("template"), o.at("spec", "template"))
    return o.at("spec", "template", "spec"), o.read.mapping(template.get("spec"),
                                                           o.at("spec", "template", "spec"))


def _entry(workloads: list[_Workload]) -> bool:
    """Whether the workloads run an ingress controller or gateway proxy."""
    return any(gateway_image(repository(w.image)) for w in workloads)


# -- rollouts and disruption budgets ----------------------------------------------------------


def _rollouts(objects: list[_Object], workloads: list[_Workload]) -> Rollouts | None:
    """The rollouts of the workloads and the PodDisruptionBudgets over them (Strategy
    7.1.3); None when there is neither."""
    autoscalers = [a for o in objects if o.kind == "HorizontalPodAutoscaler"
                   if (a := _autoscaler(o)) is not None]
    budgets = [_budget(o) for o in objects if o.kind == "PodDisruptionBudget"]
    return read_rollouts([_rollout(w) for w in workloads], autoscalers, budgets)


def _written(o: _Object, body: dict, key: str, *steps: str) -> Written:
    """Field ``key`` of ``body`` (at ``steps`` under the object) as written: a count stays
    a number and anything else single is its text, so a malformed value is reported,
    not refused here; a mapping or list is an error naming its place."""
    value = body.get(key)
    path = o.at(*steps, key)
    if value is None:
        return Written(None, o.place(*steps, key) if key in body else "")
    if not (isinstance(value, int) and not isinstance(value, bool)):
        value = o.read.scalar(value, path)
    return Written(value, o.read.place(path))


def _rollout(w: _Workload) -> Workload:
    """What a workload's manifest says about its rollout."""
    o = w.object
    spec = o.read.mapping(o.body.get("spec"), o.at("spec"))
    key = "strategy" if o.kind == "Deployment" else "updateStrategy"
    section = o.read.mapping(spec.get(key), o.at("spec", key))
    rolling = o.read.mapping(section.get("rollingUpdate"), o.at("spec", key, "rollingUpdate"))
    at = ("spec", key, "rollingUpdate")
    pod_at, pod = _pod(o)
    containers = _containers(o.read, pod, pod_at, "containers")
    names = [o.read.text(c.get("name"), (*path, "name")) or str(path[-1])
             for path, c in containers]
    probed = tuple(n for n, (_, c) in zip(names, containers, strict=True)
                   if c.get("readinessProbe") is not None)
    replicas = (Written(w.replicas, o.place("spec", "replicas"))
                if spec.get("replicas") is not None else Written())
    return Workload(o.kind, o.name, o.namespace, o.place("metadata", "name"), w.labels,
                    replicas=replicas, strategy=_written(o, section, "type", "spec", key),
                    rolling=(Written(True, o.place(*at)) if section.get("rollingUpdate")
                             is not None else Written()),
                    max_surge=_written(o, rolling, "maxSurge", *at),
                    max_unavailable=_written(o, rolling, "maxUnavailable", *at),
                    containers=tuple(names), readiness=probed,
                    containers_place=o.read.place((*pod_at, "containers")))


def _autoscaler(o: _Object) -> Autoscaler | None:
    """The workload a HorizontalPodAutoscaler scales, and its ``minReplicas`` (default
    1); None when it names no target."""
    read = o.read
    spec = read.mapping(o.body.get("spec"), o.at("spec"))
    target = read.mapping(spec.get("scaleTargetRef"), o.at("spec", "scaleTargetRef"))
    if target.get("kind") is None or target.get("name") is None:
        return None
    least = spec.get("minReplicas")
    return Autoscaler(o.name, o.namespace,
                      read.name(target["kind"], o.at("spec", "scaleTargetRef", "kind")),
                      read.name(target["name"], o.at("spec", "scaleTargetRef", "name")),
                      1 if least is None else read.count(least, o.at("spec", "minReplicas")),
                      o.place("spec", "minReplicas") if least is not None
                      else o.place("metadata", "name"))


def _budget(o: _Object) -> DisruptionBudget:
    """A PodDisruptionBudget as written."""
    read = o.read
    spec = read.mapping(o.body.get("spec"), o.at("spec"))
    selector = None
    if spec.get("selector") is not None:
        at: Location = o.at("spec", "selector")
        raw = read.mapping(spec["selector"], at)
        labels = {k: read.scalar(v, (*at, "matchLabels", k)) for k, v in
                  read.mapping(raw.get("matchLabels"), (*at, "matchLabels")).items()}
        expressions = []
        for i, item in enumerate(read.items(raw.get("matchExpressions"),
                                            (*at, "matchExpressions"))):
            where: Location = (*at, "matchExpressions", i)
            entry = read.mapping(item, where)
            expressions.append((read.name(entry.get("key"), (*where, "key")),
                                read.name(entry.get("operator"), (*where, "operator")),
                                tuple(read.scalar(v, (*where, "values", j)) for j, v in
                                      enumerate(read.items(entry.get("values"),
                                                           (*where, "values"))))))
        selector = Selector(labels, tuple(expressions))
    return DisruptionBudget(o.name, o.namespace, o.place("metadata", "name"),
                            _written(o, spec, "minAvailable", "spec"),
                            _written(o, spec, "maxUnavailable", "spec"), selector,
                            o.place("spec", "selector") if selector is not None else "")


# -- Istio objects ----------------------------------------------------------------------------


def _resilience(objects: list[_Object], services: list[_Service],
                unit_of: dict[int, str]) -> tuple[Resilience | None, set[Finding]]:
    """The policies of the VirtualService and DestinationRule objects, by the service each
    destination reaches, and the findings of reading them; None when there are none."""
    istio = [o for o in objects if o.kind in _ISTIO_KINDS]
    if not istio:
        return None, set()
    units = {(s.object.namespace, s.object.name): sorted({unit_of[id(w)] for w in s.selects})
             for s in services}
    policies: dict[str, list[Policy]] = defaultdict(list)
    ejections: dict[str, list[Ejection]] = defaultdict(list)
    notes: list[tuple[str, str, str]] = []
    for o in istio:
        version = o.read.text(o.body.get("apiVersion"), o.at("apiVersion")) or ""
        if not version.startswith(GROUP):
            notes.append(("not imported", o.place("apiVersion"),
                          f"{o.kind} {o.name} is of {version or 'no apiVersion'}, not Istio's "
                          f"{GROUP.rstrip('/')}: it is not read"))
            continue
        read = read_virtualservice if o.kind == "VirtualService" else read_destinationrule
        placed, found = read(o.read, o.path, o.body, o.name, o.namespace)
        notes += found
        for namespace, name, record in placed:
            if (namespace, name) not in units:
                notes.append(("host not resolved", record.place,
                              f"{record.source} names Service {name} of namespace "
                              f"{namespace}, which is not in these files"))
            for unit in units.get((namespace, name), ()):
                if isinstance(record, Policy):
                    policies[unit].append(record)
                else:
                    ejections[unit].append(record)
    for unit, rules in ejections.items():
        if len(rules) > 1:
            rules.sort(key=lambda e: e.source)
            notes.append(("several DestinationRules", rules[1].place,
                          f"{', '.join(e.source for e in rules)} are all for {unit}: Istio "
                          "uses the oldest, which the manifests do not say; the first by "
                          f"name, {rules[0].source}, is read"))
    resilience = Resilience({u: tuple(sorted(dict.fromkeys(p), key=lambda p: p.source))
                             for u, p in sorted(policies.items())},
                            {u: rules[0] for u, rules in sorted(ejections.items())})
    return resilience, {Finding(*note) for note in notes}


def _mesh_defaults(objects: list[_Object], resilience: Resilience,
                   called: set[str]) -> set[Finding]:
    """A finding naming the called services no VirtualService routes: the manifests give
    their calls no retries, but the mesh retries them by default where callers run a
    sidecar (which the namespace's labels and the mesh configuration decide)."""
    bare = sorted(called - set(resilience.policies))
    if not bare:
        return set()
    first = next(o for o in objects if o.kind in _ISTIO_KINDS)
    return {Finding("mesh default retries", first.place("kind"),
                    f"no VirtualService routes calls into {', '.join(bare)}: they are read "
                    f"without retries or timeouts, but Istio retries each {DEFAULT_ATTEMPTS} "
                    f"times ({DEFAULT_RETRY_ON}) where the caller runs a sidecar")}


# -- addresses --------------------------------------------------------------------------------


def _resolver(services: list[_Service], workloads: list[_Workload],
              unit_of: dict[int, str]) -> Resolve:
    """How a host (lower case) resolves from each unit: through the Service it names."""
    by_name = {(s.object.namespace, s.object.name): s for s in services}
    by_ip = {s.cluster_ip: s for s in services if s.cluster_ip}
    home = {unit_of[id(w)]: w.object.namespace for w in workloads}

    def resolve(owner: str, host: str) -> list[str] | None:
        ip = ip_literal(host)
        candidates = [by_ip[ip]] if ip in by_ip else [
            by_name[pair] for pair in _readings(host, home[owner])
            if pair in by_name][:1]
        if not candidates:
            return None
        return sorted({unit_of[id(w)] for w in candidates[0].selects})

    return resolve


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

