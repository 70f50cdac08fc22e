"""Def 4.1.2 and Pattern 4.3.1 on Kubernetes: the routing tables of Ingress and HTTPRoute.

A cluster's gateway is written as routing objects: ``Ingress`` (networking.k8s.io/v1) and
the Gateway API's ``HTTPRoute`` (gateway.networking.k8s.io/v1). Each path of an Ingress and
each match of an HTTPRoute rule is a :class:`Rule`: a :class:`~.routing.Route` (method,
path pattern, Service) with the place it is written and its rank under the object's own
precedence. :func:`read_ingress` and :func:`read_httproute` read them;
:func:`routing_of` groups the rules into :class:`Table` s, one per gateway and host, each
sorted by precedence, so that the first matching rule of a table is the one the gateway
uses (:meth:`~.routing.RoutingTable.first_match`). :func:`check_routing` checks Def 4.1.2
on them and :func:`check_gateway_entry` checks Pattern 4.3.1.

**Matching**, as both specifications define it. ``Exact`` is the whole path, compared
as written (``/foo`` does not match ``/foo/``). ``Prefix`` (Ingress) and ``PathPrefix``
(HTTPRoute) match path elements: ``/foo`` matches ``/foo``, ``/foo/`` and ``/foo/bar``
but not ``/foobar``, and a trailing ``/`` is ignored (``/foo/`` matches ``/foo``); ``/``
matches every path. These are the route patterns ``/foo`` and ``/foo/*`` of
:mod:`.routing`, so the Route model needs no extension to express them.

**Precedence.** Ingress: the longest path first (counted in characters, as written), then
``Exact`` before ``Prefix``; the ``defaultBackend`` takes what no path matches, in every
host of the Ingress class. HTTPRoute, across every rule attached to one Gateway: an
``Exact`` path, then the ``PathPrefix`` with the most characters, then a match with a
method; ties go to the older route, then to the first by ``namespace/name``, then to the
first rule in list order. Neither creation time nor, for Ingress, the order of two equal
paths is in the manifests: two rules that match the same requests with equal
precedence in different objects are *tied*, and which one serves is decided by which
object is older. The importer orders such ties by name, and reports them.

**Hosts.** A table holds the rules written for one host (``shop.example``,
``*.example.com``, or ``*`` for rules that name none) of one gateway (an Ingress class,
or a Gateway's listener named by ``parentRefs``). Each table is judged on its own, so a
rule reported shadowed is shadowed however a controller ranks hosts: more specific hosts
only take requests away from it. A rule written for several hosts (an HTTPRoute's
``hostnames``, a ``defaultBackend``) is shadowed when it is shadowed in each.

**What the Route model cannot express** is a finding, never a guess, and its rule is left
out of the tables: ``RegularExpression`` and ``ImplementationSpecific`` paths (their
matching and precedence belong to the controller), header and query parameter matches,
``Exact`` paths ending in ``/``, literal ``{``, ``}``, ``*``, ``?`` or ``#`` in a path,
and backends that are not Services. Leaving a rule out can only hide a shadowed rule,
never report one falsely: a rule shadowed by some of a table's rules is shadowed by all.

This module reads what a :class:`~msatheory.check.source.Reader` gives it and stops there:
which Service runs which workload, and what the architecture calls it, is the Kubernetes
importer's (:mod:`msatheory.check.kubernetes`).
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from msatheory.errors import TheoryError, require_items
from msatheory.gateway.routing import ANY, Route, RoutingTable
from msatheory.theory import Kind, get
from msatheory.theory.verdict import Verdict, Witness

if TYPE_CHECKING:
    from msatheory.check.source import Location, Reader

__all__ = [
    "GATEWAY_IMAGES",
    "INVALID",
    "NOT_MODELLED",
    "Exposure",
    "Note",
    "Placed",
    "Routing",
    "Rule",
    "Table",
    "check_gateway_entry",
    "check_routing",
    "gateway_image",
    "read_httproute",
    "read_ingress",
    "routing_of",
]

#: Image repositories (as :func:`msatheory.check.technologies.repository` gives them) of
#: ingress controllers and Gateway API proxies: a workload running one is the gateway.
GATEWAY_IMAGES = frozenset({
    "ingress-nginx/controller", "kubernetes-ingress-controller/nginx-ingress-controller",
    "nginx/nginx-ingress", "nginxinc/nginx-ingress", "traefik", "kong", "kong/kong-gateway",
    "haproxytech/kubernetes-ingress", "jcmoraisjr/haproxy-ingress", "projectcontour/contour",
    "envoyproxy/envoy", "envoyproxy/gateway", "istio/proxyv2", "emissary-ingress/emissary",
    "datawire/emissary", "datawire/ambassador", "apache/apisix", "apache/apisix-ingress-controller",
    "zalando/skipper", "solo-io/gloo-envoy-wrapper", "cilium/cilium-envoy",
})
#: A finding: what kind, where, and the detail (the importer makes it a ``Finding``).
Note = tuple[str, str, str]
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                      "PATCH"})
_LITERAL_FORBIDS = set("{}*?#")
_DEFAULT_RANK = (1, 0, 0)  # an Ingress defaultBackend: after every path
#: The finding made for what a route cannot express, and for a rule the API server refuses.
NOT_MODELLED, INVALID = "routing not modelled", "invalid routing rule"


def gateway_image(path: str) -> bool:
    """Whether an image repository path (``ingress-nginx/controller``) runs a gateway.

    >>> gateway_image("ingress-nginx/controller"), gateway_image("shop/orders")
    (True, False)
    """
    return path in GATEWAY_IMAGES or any(path.endswith("/" + known) for known in GATEWAY_IMAGES)


@dataclass(frozen=True)
class Rule:
    """Def 4.1.2 (路由规则): one path of an Ingress or one match of an HTTPRoute rule.

    ``route`` is what it routes, to its first backend's Service; ``source`` the object
    (``Ingress web``), ``match`` the match as written (``shop.example Prefix /api``),
    ``place`` where it is written; ``rank`` its precedence key (smaller first) and
    ``order`` how equal ranks are ordered (an HTTPRoute's ``namespace/name``, rule and
    match; an Ingress's order of reading); ``backends`` each Service it sends to, as
    ``(namespace, name, place)``.
    """

    route: Route
    source: str
    match: str
    place: str
    rank: tuple[int, ...]
    order: tuple[str | int, ...]
    backends: tuple[tuple[str, str, str], ...]

    def __str__(self) -> str:
        return f"{self.source}: {self.match} -> {self.route.service}"


@dataclass(frozen=True)
class Table:
    """Function 4.2.1 (路由): the rules one gateway applies to the requests of one host,
    sorted by its precedence, so the first rule that matches is the one used."""

    gateway: str
    host: str
    rules: tuple[Rule, ...]

    def __post_init__(self) -> None:
        rules = require_items(f"Table({self.gateway!r}, {self.host!r})", "rules",
                              self.rules, Rule)
        object.__setattr__(self, "rules", tuple(sorted(rules, key=_precedence)))

    @property
    def routes(self) -> RoutingTable:
        """The rules' routes, in precedence order: route them by first match."""
        return RoutingTable(r.route for r in self.rules)


def _precedence(rule: Rule) -> tuple[tuple[int, ...], tuple[str | int, ...]]:
    return rule.rank, rule.order


@dataclass(frozen=True)
class Exposure:
    """Something clients outside the cluster reach without the routing objects: ``how``
    (``Service lb is of type LoadBalancer``) makes ``service`` reachable, written at
    ``place``; ``entry`` when it runs an ingress controller or gateway proxy."""

    service: str
    how: str
    place: str
    entry: bool


@dataclass(frozen=True)
class Routing:
    """What a cluster's routing objects say: its tables, the Services that exist (as
    ``(namespace, name)``), and what clients reach beside them."""

    tables: tuple[Table, ...]
    services: frozenset[tuple[str, str]]
    exposures: tuple[Exposure, ...] = ()

    @property
    def gateways(self) -> tuple[str, ...]:
        """The gateways the tables belong to, in order of first appearance."""
        return tuple(dict.fromkeys(t.gateway for t in self.tables))


# -- reading ----------------------------------------------------------------------------------

#: A rule read, with its gateway and the hosts it is written for (None: every host of
#: its gateway, as a defaultBackend).
Placed = tuple[str, tuple[str, ...] | None, Rule]


def _label(kind: str, name: str, namespace: str) -> str:
    """``Ingress web``, or ``Ingress shop/web`` outside the default namespace."""
    return f"{kind} {name}" if namespace == "default" else f"{kind} {namespace}/{name}"


def _route_path(value: str, prefix: bool) -> str | None:
    """The route pattern of a path (``/foo/*`` for the prefix ``/foo``), or None when a
    route cannot express it (an empty segment, a literal ``{``, ``}``, ``*``, ``?``, ``#``)."""
    text = value.rstrip("/") if prefix else value
    segments = text.split("/")[1:] if text not in ("", "/") else []
    if any(s == "" or _LITERAL_FORBIDS & set(s) for s in segments):
        return None
    return "/" + "/".join([*segments, "*"] if prefix else segments)


def _path_rule(exact: bool, value: str, what: str, place: str) -> tuple[str | None, Note | None]:
    """The route pattern of an Exact or prefix path; else a finding saying why not."""
    if not value.startswith("/"):
        return None, (INVALID, place, f"{what}: the path {value!r} must begin with '/'")
    pattern = _route_path(value, prefix=not exact)
    if pattern is None:
        return None, (NOT_MODELLED, place, f"{what}: a route cannot express the path "
                      f"{value!r} (an empty segment, a '/' ending an Exact path, or a literal "
                      "{, }, *, ? or #); the rule is left out of the routing table")
    return pattern, None


def _service_backend(read: Reader, value: object, at: Location) -> tuple[str, Location] | None:
    """The Service an Ingress backend names (v1 ``service.name``, v1beta1 ``serviceName``)."""
    backend = read.mapping(value, at)
    if backend.get("serviceName") is not None:
        return read.name(backend["serviceName"], (*at, "serviceName")), (*at, "serviceName")
    service = read.mapping(backend.get("service"), (*at, "service"))
    if "name" in service:
        return read.name(service["name"], (*at, "service", "name")), (*at, "service", "name")
    return None


def read_ingress(read: Reader, at: Location, body: dict[str, object], name: str,
                 namespace: str) -> tuple[list[Placed], list[Note]]:
    """The rules of Ingress ``name`` (its document ``body`` at ``at``), and findings.

    Each path with ``pathType`` Exact or Prefix is a rule of the table of its host; the
    ``defaultBackend`` (v1beta1 ``backend``) is a rule of every host of the Ingress class
    that ranks after every path. A value of the wrong type is a ``TheoryError`` naming its
    place; a rule a route cannot express, or one the API server would refuse, is a
    finding and left out.
    """
    source = _label("Ingress", name, namespace)
    spec = read.mapping(body.get("spec"), (*at, "spec"))
    metadata = read.mapping(body.get("metadata"), (*at, "metadata"))
    annotations = read.mapping(metadata.get("annotations"), (*at, "metadata", "annotations"))
    kind = (read.text(spec.get("ingressClassName"), (*at, "spec", "ingressClassName"))
            or read.text(annotations.get("kubernetes.io/ingress.class"),
                         (*at, "metadata", "annotations", "kubernetes.io/ingress.class")))
    gateway = f"Ingress class {kind}" if kind else "the default Ingress class"
    placed: list[Placed] = []
    notes: list[Note] = []

    def backend(value: object, where: Location, what: str) -> tuple[str, str] | None:
        found = _service_backend(read, value, where)
        if found is None:
            notes.append((NOT_MODELLED, read.place(where),
                          f"{source} {what} sends requests to no Service (a resource "
                          "backend); the rule is left out of the routing table"))
            return None
        return found[0], read.place(found[1])

    for key in ("defaultBackend", "backend"):
        if spec.get(key) is None:
            continue
        where: Location = (*at, "spec", key)
        found = backend(spec[key], where, key)
        if found:
            rule = Rule(Route(ANY, "/*", found[0]), source, "defaultBackend", read.place(where),
                        _DEFAULT_RANK, (len(placed),), ((namespace, *found),))
            placed.append((gateway, None, rule))
    for i, item in enumerate(read.items(spec.get("rules"), (*at, "spec", "rules"))):
        rule_at: Location = (*at, "spec", "rules", i)
        entry = read.mapping(item, rule_at)
        host = read.text(entry.get("host"), (*rule_at, "host")) or "*"
        http = read.mapping(entry.get("http"), (*rule_at, "http"))
        for j, path_item in enumerate(read.items(http.get("paths"), (*rule_at, "http", "paths"))):
            where = (*rule_at, "http", "paths", j)
            path_entry = read.mapping(path_item, where)
            kind_of_path = read.text(path_entry.get("pathType"), (*where, "pathType"))
            value = read.text(path_entry.get("path"), (*where, "path")) or ""
            match = f"{'' if host == '*' else host + ' '}{kind_of_path or 'no pathType'} {value}"
            found = backend(path_entry.get("backend"), (*where, "backend"), match)
            if found is None:
                continue
            if kind_of_path not in ("Exact", "Prefix"):
                notes.append(_unmodelled_type(source, match, kind_of_path, read.place(where)))
                continue
            pattern, note = _path_rule(kind_of_path == "Exact", value, f"{source} {match}",
                                       read.place((*where, "path")))
            if note:
                notes.append(note)
                continue
            assert pattern is not None
            rank = (0, -len(value), 0 if kind_of_path == "Exact" else 1)
            rule = Rule(Route(ANY, pattern, found[0]), source, match, read.place(where), rank,
                        (len(placed),), ((namespace, *found),))
            placed.append((gateway, (host,), rule))
    return placed, notes


def _unmodelled_type(source: str, match: str, kind: str | None, place: str) -> Note:
    if kind in (None, "ImplementationSpecific"):
        return (NOT_MODELLED, place, f"{source} {match}: pathType "
                f"{kind or 'absent (v1beta1: ImplementationSpecific)'} leaves matching and "
                "precedence to the controller; the rule is left out of the routing table")
    return (INVALID, place, f"{source} {match}: pathType must be Exact, Prefix or "
            f"ImplementationSpecific, not {kind!r}; the rule is left out of the routing table")


def read_httproute(read: Reader, at: Location, body: dict[str, object], name: str,
                   namespace: str) -> tuple[list[Placed], list[Note]]:
    """The rules of HTTPRoute ``name`` (its document ``body`` at ``at``), and findings.

    Each match of each rule is a rule of the table of every Gateway listener in
    ``parentRefs`` and every host in ``hostnames`` (``*`` when none): its path (``Exact``
    or ``PathPrefix``; ``PathPrefix /`` when absent) and ``method``, routed to the rule's
    ``backendRefs`` (the first with a weight other than 0 in the table). Types are
    checked as :func:`read_ingress` checks them.
    """
    source = _label("HTTPRoute", name, namespace)
    spec = read.mapping(body.get("spec"), (*at, "spec"))
    notes: list[Note] = []
    gateways = []
    for i, item in enumerate(read.items(spec.get("parentRefs"), (*at, "spec", "parentRefs"))):
        where: Location = (*at, "spec", "parentRefs", i)
        ref = read.mapping(item, where)
        kind = read.text(ref.get("kind"), (*where, "kind")) or "Gateway"
        parent = read.name(ref.get("name"), (*where, "name"))
        home = read.text(ref.get("namespace"), (*where, "namespace")) or namespace
        section = read.text(ref.get("sectionName"), (*where, "sectionName"))
        gateways.append(f"{kind} {home}/{parent}" + (f" listener {section}" if section else ""))
    if not gateways:
        notes.append((NOT_MODELLED, read.place((*at, "metadata", "name")),
                      f"{source} has no parentRefs: it attaches to no Gateway, so it routes "
                      "nothing"))
        return [], notes
    hosts = tuple(read.name(h, (*at, "spec", "hostnames", i)) for i, h in enumerate(
        read.items(spec.get("hostnames"), (*at, "spec", "hostnames")))) or ("*",)
    shown = "" if hosts == ("*",) else f"{', '.join(hosts)} "
    placed: list[Placed] = []
    for i, item in enumerate(read.items(spec.get("rules"), (*at, "spec", "rules"))):
        rule_at: Location = (*at, "spec", "rules", i)
        entry = read.mapping(item, rule_at)
        backends = _backend_refs(read, entry, rule_at, namespace)
        matches = read.items(entry.get("matches"), (*rule_at, "matches")) or [None]
        services = [b for b in backends if b[3]]
        if not services:
            notes.append((NOT_MODELLED, read.place(rule_at),
                          f"{source} rules[{i}] has no Service in backendRefs: it answers "
                          "requests itself (a redirect, or an error) or sends them to another "
                          "kind of backend, and is left out of the routing table"))
            continue
        target = next((b for b in services if b[4] != 0), services[0])[1]
        if len(services) > 1:
            notes.append(("split backends", read.place((*rule_at, "backendRefs")),
                          f"{source} rules[{i}] splits requests over Services "
                          f"{', '.join(b[1] for b in services)} by weight; the routing table "
                          f"sends them to {target}, and each is checked"))
        for j, value in enumerate(matches):
            where = rule_at if value is None else (*rule_at, "matches", j)
            rule = _match_rule(read, value, where, f"{source} ", shown, target)
            if isinstance(rule, _Unmodelled):
                notes.append(rule.note)
                continue
            method, pattern, match, rank = rule
            placed += [(gateway, hosts, Rule(
                Route(method, pattern, target), source, match, read.place(where), rank,
                (f"{namespace}/{name}", i, j),
                tuple((b[0], b[1], b[2]) for b in services))) for gateway in gateways]
    return placed, notes


def _backend_refs(read: Reader, entry: dict[str, object], rule_at: Location,
                  namespace: str) -> list[tuple[str, str, str, bool, int]]:
    """Each backendRef as ``(namespace, name, place, is a Service, weight)``."""
    found = []
    for k, item in enumerate(read.items(entry.get("backendRefs"), (*rule_at, "backendRefs"))):
        where: Location = (*rule_at, "backendRefs", k)
        ref = read.mapping(item, where)
        name = read.name(ref.get("name"), (*where, "name"))
        kind = read.text(ref.get("kind"), (*where, "kind")) or "Service"
        group = read.text(ref.get("group"), (*where, "group")) or ""
        home = read.text(ref.get("namespace"), (*where, "namespace")) or namespace
        weight = 1 if ref.get("weight") is None else read.count(ref["weight"], (*where, "weight"))
        found.append((home, name, read.place((*where, "name")), kind == "Service" and not group,
                      weight))
    return found


@dataclass(frozen=True)
class _Unmodelled:
    """Why a route cannot express a match: the finding to make."""

    note: Note


def _match_rule(read: Reader, value: object, where: Location, source: str, hosts: str,
                target: str) -> tuple[str, str, str, tuple[int, ...]] | _Unmodelled:
    """``(method, pattern, match as written, rank)`` of one HTTPRoute match, or the
    finding that says why a route cannot express it."""
    match = read.mapping(value, where)
    path = read.mapping(match.get("path"), (*where, "path"))
    kind = read.text(path.get("type"), (*where, "path", "type")) or "PathPrefix"
    text = read.text(path.get("value"), (*where, "path", "value")) or "/"
    method = read.text(match.get("method"), (*where, "method"))
    shown = f"{hosts}{method + ' ' if method else ''}{kind} {text}"
    what = f"{source}{shown} -> {target}"
    place = read.place(where)
    if method is not None and method not in _METHODS:
        return _Unmodelled((INVALID, read.place((*where, "method")),
                            f"{what}: method must be one of {', '.join(sorted(_METHODS))}, "
                            f"not {method!r}; the match is left out of the routing table"))
    if kind not in ("Exact", "PathPrefix"):
        detail = ("its matching and precedence are the implementation's"
                  if kind == "RegularExpression" else
                  "path type must be Exact, PathPrefix or RegularExpression")
        return _Unmodelled((NOT_MODELLED if kind == "RegularExpression" else INVALID, place,
                            f"{what}: {kind} path: {detail}; the match is left out of the "
                            "routing table"))
    extra = [key for key in ("headers", "queryParams") if read.items(match.get(key),
                                                                     (*where, key))]
    if extra:
        return _Unmodelled((NOT_MODELLED, place, f"{what}: a route cannot express "
                            f"{' or '.join(extra)} matches; the match is left out of the "
                            "routing table"))
    pattern, note = _path_rule(kind == "Exact", text, what, read.place((*where, "path")))
    if note:
        return _Unmodelled(note)
    assert pattern is not None
    rank = (0 if kind == "Exact" else 1, -len(text), 0 if method else 1)
    return method or ANY, pattern, shown, rank


def routing_of(placed: Iterable[Placed], services: Iterable[tuple[str, str]],
               exposures: Iterable[Exposure] = ()) -> Routing:
    """The :class:`Routing` of the rules read: a table per gateway and host.

    A rule placed in every host of its gateway (a ``defaultBackend``) joins each of the
    gateway's tables, and a table ``*`` when the gateway has none.
    """
    hosts: dict[str, dict[str, list[Rule]]] = defaultdict(dict)
    everywhere: dict[str, list[Rule]] = defaultdict(list)
    for gateway, names, rule in placed:
        if names is None:
            everywhere[gateway].append(rule)
            hosts[gateway].setdefault("*", [])
        else:
            for host in names:
                hosts[gateway].setdefault(host, []).append(rule)
    tables = tuple(Table(gateway, host, (*rules, *everywhere[gateway]))
                   for gateway, by_host in hosts.items() for host, rules in by_host.items())
    return Routing(tables, frozenset(services), tuple(exposures))


# -- the checks -------------------------------------------------------------------------------


def _require_routing(owner: str, routing: object) -> Routing:
    if not isinstance(routing, Routing):
        raise TheoryError(f"{owner}: routing must be a Routing, not {routing!r}")
    return routing


def check_routing(routing: Routing) -> Verdict:
    """Def 4.1.2 (路由规则): a cluster's Ingress and HTTPRoute rules define
    f: Request → Service, every rule used and every backend a Service.

    Ours: each table routes by first match in precedence order; a rule is shadowed when
    no request of any of its tables reaches it (the search of
    :meth:`~.routing.RoutingTable.unreachable`, which :func:`~.routing.check_routes`
    makes with ``first_match=True``), and a backend must name a Service of the files.

    Parameters
    ----------
    routing : Routing
        The tables, and the Services that exist.

    Returns
    -------
    Verdict
        On Def 4.1.2, with witnesses (each detail ends with the rule's place):

        * ``"shadowed rule"``: a rule no request reaches; ``involves`` names it and the
          rules that take its requests.
        * ``"tied rules"``: a rule whose requests another object's rule matches with
          equal precedence, so creation time, which the manifests do not give, decides
          which serves them.
        * ``"unknown service"``: a backend naming no Service of its namespace.

    Raises
    ------
    TheoryError
        If ``routing`` is not a :class:`Routing`.

    Examples
    --------
    >>> rules = [Rule(Route("*", path, service), "Ingress web", match, place, rank, (k,),
    ...               (("default", service, place),))
    ...          for k, (path, service, match, place, rank) in enumerate([
    ...              ("/*", "web", "Prefix /", "web.yaml (line 9)", (0, -1, 1)),
    ...              ("/*", "webb", "Prefix /", "web.yaml (line 11)", (0, -1, 1))])]
    >>> routing = routing_of([("the default Ingress class", ("*",), r) for r in rules],
    ...                      [("default", "web")])
    >>> for witness in check_routing(routing).witnesses:
    ...     print(witness)
    shadowed rule: Ingress web: Prefix / -> webb at web.yaml (line 11) is never chosen: its
    requests go to Ingress web: Prefix / -> web at web.yaml (line 9)
    unknown service: Ingress web: Prefix / -> webb routes to Service webb at web.yaml
    (line 11), which is not in namespace default in these files (did you mean 'web'?)

    References
    ----------
    .. [1] Def 4.1.2 of the theory (路由规则) and Function 4.2.1 (路由).
    .. [2] Kubernetes, *Ingress*: path types and "Multiple matches" (the longest path, then
       Exact before Prefix).
    .. [3] Kubernetes Gateway API, ``HTTPRouteRule.matches``: precedence across rules.
    """
    routing = _require_routing("check_routing", routing)
    reached: dict[Rule, bool] = {}
    taken: dict[Rule, list[Rule]] = defaultdict(list)
    for table in routing.tables:
        by_route = {id(r.route): r for r in table.rules}
        lost = dict((id(route), winners) for route, winners in
                    table.routes.unreachable(first_match=True))
        for rule in table.rules:
            if id(rule.route) in lost:
                reached.setdefault(rule, False)
                taken[rule] += [by_route[id(w)] for w in lost[id(rule.route)]
                                if by_route[id(w)] not in taken[rule]]
            else:
                reached[rule] = True
    witnesses = []
    for rule, winners in taken.items():
        if reached[rule]:
            continue
        tied = [w for w in winners if w.rank == rule.rank and w.source != rule.source]
        if tied:
            witnesses.append(Witness("tied rules", (str(rule), *map(str, tied)), (
                f"{_at(rule)} and {', '.join(map(_at, tied))} match the same requests with "
                "equal precedence: the older object serves them, and the manifests do not "
                "say which is older")))
        else:
            witnesses.append(Witness("shadowed rule", (str(rule), *map(str, winners)), (
                f"{_at(rule)} is never chosen: its requests go to "
                f"{', '.join(map(_at, winners))}")))
    known = {(ns, name) for ns, name in routing.services}
    for rule in reached:
        for namespace, name, place in rule.backends:
            if (namespace, name) in known:
                continue
            close = difflib.get_close_matches(
                name, sorted(n for ns, n in known if ns == namespace), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            witnesses.append(Witness("unknown service", (str(rule), name), (
                f"{rule} routes to Service {name} at {place}, which is not in namespace "
                f"{namespace} in these files{hint}")))
    rules, tables = len(reached), len(routing.tables)
    summary = (f"{rules} routing rule{'s' if rules != 1 else ''} in {tables} "
               f"table{'s' if tables != 1 else ''} ({', '.join(routing.gateways) or 'none'}); "
               "the first rule in precedence order wins.")
    return Verdict(get(Kind.DEFINITION, "4.1.2"), witnesses, summary)


def _at(rule: Rule) -> str:
    return f"{rule} at {rule.place}"


def check_gateway_entry(routing: Routing) -> Verdict:
    """Pattern 4.3.1 (单点入口): where a cluster routes by Ingress or HTTPRoute, clients
    reach nothing else directly.

    Ours: the routing objects are the gateway, and so is the workload running their
    controller or proxy (:data:`GATEWAY_IMAGES`); a LoadBalancer or NodePort Service, or
    a ``hostPort``, that exposes anything else bypasses the gateway. This is
    :func:`~.entry.check_single_entry`'s witness, with the gateway read from the routing
    objects rather than named in a file.

    Parameters
    ----------
    routing : Routing
        The routing objects' tables and what clients reach beside them (``exposures``).

    Returns
    -------
    Verdict
        On Pattern 4.3.1, with one ``"bypasses the gateway"`` witness per exposure that
        is not an entry; ``involves`` names the service, the detail how and where.

    Raises
    ------
    TheoryError
        If ``routing`` is not a :class:`Routing`.

    Examples
    --------
    >>> routing = Routing((), frozenset(), (
    ...     Exposure("ingress-nginx", "Service ingress-nginx is of type LoadBalancer",
    ...              "k8s.yaml: spec.type (line 40)", entry=True),
    ...     Exposure("orders", "Service orders is of type NodePort",
    ...              "k8s.yaml: spec.type (line 72)", entry=False)))
    >>> for witness in check_gateway_entry(routing).witnesses:
    ...     print(witness)
    bypasses the gateway: clients reach orders directly: Service orders is of type NodePort
    at k8s.yaml: spec.type (line 72)

    References
    ----------
    .. [1] Pattern 4.3.1 of the theory (单点入口).
    .. [2] Kubernetes, *Service*: types NodePort and LoadBalancer; *Ingress*.
    """
    routing = _require_routing("check_gateway_entry", routing)
    entries = sorted({e.service for e in routing.exposures if e.entry})
    witnesses = [Witness("bypasses the gateway", (e.service,),
                         f"clients reach {e.service} directly: {e.how} at {e.place}")
                 for e in routing.exposures if not e.entry]
    gateways = ", ".join([*routing.gateways, *entries]) or "the routing objects"
    summary = (f"Gateway: {gateways}; {len(witnesses)} exposure"
               f"{'s' if len(witnesses) != 1 else ''} beside it.")
    return Verdict(get(Kind.PATTERN, "4.3.1"), witnesses, summary)
