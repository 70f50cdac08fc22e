"""Def 4.1.2 and Pattern 4.3.1 on Kubernetes (msatheory.gateway.ingress): Ingress and
HTTPRoute rules read into routing tables, checked against brute-force readings of both
specifications, and the findings and witnesses ``msatheory check`` prints."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import product
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msatheory.check.formats import build
from msatheory.check.formats import load as load_system
from msatheory.check.kubernetes import _import
from msatheory.check.report import check_system
from msatheory.check.source import parse, read
from msatheory.errors import TheoryError
from msatheory.gateway.ingress import (
    Exposure,
    Routing,
    Rule,
    Table,
    check_gateway_entry,
    check_routing,
    gateway_image,
    routing_of,
)
from msatheory.gateway.routing import Route, RoutingTable, check_routes
from tests.test_routing import UNIVERSE, tables

EXAMPLES = Path(__file__).resolve().parents[1] / "msatheory" / "check" / "examples"


def app(name: str, image: str = "shop/app", kind: str = "ClusterIP", ports: str = "") -> str:
    """A Deployment and the Service that selects it."""
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec: {{containers: [{{name: main, image: {image}{ports}}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec: {{type: {kind}, selector: {{app: {name}}}}}
"""


def load(*documents: str, name: str = "k.yaml") -> tuple[list[str], Routing | None]:
    """The findings of the manifests, as text, and their routing."""
    system, routing = _import(parse("---\n".join(documents), name))
    return [str(f) for f in system.findings], routing


def witnesses(verdict) -> list[str]:
    return [str(w) for w in verdict.witnesses]


def ingress(paths: str, extra: str = "", name: str = "shop", host: str = "") -> str:
    host_line = f"\n    - host: {host}\n      http:" if host else "\n    - http:"
    return f"""apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: {name}}}
spec:{extra}
  rules:{host_line}
        paths:
{paths}"""


def path(value: str, backend: str, kind: str = "Prefix") -> str:
    return (f"          - {{path: '{value}', pathType: {kind}, backend: {{service: "
            f"{{name: {backend}, port: {{number: 80}}}}}}}}\n")


# -- Ingress: matching and precedence --------------------------------------------------------


def test_prefix_matches_path_elements_and_exact_the_whole_path():
    _, routing = load(app("web"), app("orders"), app("order-items"), ingress(
        path("/orders", "orders") + path("/orders/items", "order-items", "Exact")
        + path("/", "web")))
    assert routing is not None
    (table,) = routing.tables
    routes = table.routes
    seen = {p: routes.first_match("GET", p).service for p in (
        "/orders", "/orders/", "/orders/42", "/ordersx", "/orders/items", "/orders/items/",
        "/")}
    assert seen == {"/orders": "orders", "/orders/": "orders", "/orders/42": "orders",
                    "/ordersx": "web", "/orders/items": "order-items",
                    "/orders/items/": "orders", "/": "web"}
    assert [r.match for r in table.rules] == ["Exact /orders/items", "Prefix /orders",
                                              "Prefix /"]  # the longest path first
    assert check_routing(routing).holds


def test_equal_lengths_put_exact_before_prefix_and_a_trailing_slash_is_ignored():
    _, routing = load(app("a"), app("b"), app("c"), ingress(
        path("/foo", "a") + path("/foo", "b", "Exact") + path("/bar/", "c")))
    assert routing is not None
    routes = routing.tables[0].routes
    assert routes.first_match("GET", "/foo").service == "b"
    assert routes.first_match("GET", "/foo/x").service == "a"
    assert routes.first_match("GET", "/bar").service == "c"  # /bar/ matches /bar
    assert routes.first_match("GET", "/barx") is None


def test_a_shadowed_rule_names_both_places():
    findings, routing = load(app("web"), app("orders"), ingress(
        path("/orders/", "web") + path("/orders", "orders")), name="shop.yaml")
    assert routing is not None
    assert witnesses(check_routing(routing)) == [
        "shadowed rule: Ingress shop: Prefix /orders -> orders at document 5, "
        "spec.rules[0].http.paths[1] (line 35) is never chosen: its requests go to Ingress "
        "shop: Prefix /orders/ -> web at document 5, spec.rules[0].http.paths[0] (line 34)"]
    assert not [f for f in findings if "routing" in f]


def test_backends_naming_no_service_are_witnesses_with_a_suggestion():
    _, routing = load(app("orders"), ingress(path("/", "order")))
    assert routing is not None
    assert witnesses(check_routing(routing)) == [
        "unknown service: Ingress shop: Prefix / -> order routes to Service order at "
        "document 3, spec.rules[0].http.paths[0].backend.service.name (line 21), which is "
        "not in namespace default in these files (did you mean 'orders'?)"]


def test_the_default_backend_serves_every_host_and_is_shadowed_only_by_all():
    default = "\n  defaultBackend: {service: {name: fallback, port: {number: 80}}}"
    catch_all = ingress(path("/", "web"), default, host="a.example")
    _, routing = load(app("web"), app("fallback"), catch_all)
    assert routing is not None
    assert [(t.host, [r.match for r in t.rules]) for t in routing.tables] == [
        ("*", ["defaultBackend"]), ("a.example", ["a.example Prefix /", "defaultBackend"])]
    assert check_routing(routing).holds  # other hosts still reach it
    shadowing = ingress(path("/", "web"), default)
    _, routing = load(app("web"), app("fallback"), shadowing)
    assert routing is not None
    assert [w.what for w in check_routing(routing).witnesses] == ["shadowed rule"]
    assert "defaultBackend -> fallback" in check_routing(routing).witnesses[0].detail


def test_two_default_backends_of_one_class_are_tied():
    first = ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: one}\n"
             "spec: {defaultBackend: {service: {name: a, port: {number: 80}}}}\n")
    second = ("apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: {name: two}\n"
              "spec: {backend: {serviceName: b, servicePort: 80}}\n")
    _, routing = load(app("a"), app("b"), first, second)
    assert routing is not None
    assert witnesses(check_routing(routing)) == [
        "tied rules: Ingress two: defaultBackend -> b at document 6, spec.backend (line 35) "
        "and Ingress one: defaultBackend -> a at document 5, spec.defaultBackend (line 30) "
        "match the same requests with equal precedence: the older object serves them, and "
        "the manifests do not say which is older"]


def test_ingress_classes_are_separate_gateways():
    nginx = ingress(path("/", "a"), "\n  ingressClassName: nginx", name="one")
    traefik = ingress(path("/", "b"), "\n  ingressClassName: traefik", name="two")
    _, routing = load(app("a"), app("b"), nginx, traefik)
    assert routing is not None
    assert routing.gateways == ("Ingress class nginx", "Ingress class traefik")
    assert check_routing(routing).holds


# -- HTTPRoute: matching and precedence ------------------------------------------------------


def httproute(rules: str, name: str = "api", hostnames: str = "", namespace: str = "") -> str:
    meta = f"{{name: {name}{', namespace: ' + namespace if namespace else ''}}}"
    hosts = f"\n  hostnames: [{hostnames}]" if hostnames else ""
    return f"""apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {meta}
spec:
  parentRefs: [{{name: public}}]{hosts}
  rules:
{rules}"""


def rule(backend: str, *matches: str) -> str:
    listed = ", ".join(matches)
    return f"    - matches: [{listed}]\n      backendRefs: [{{name: {backend}, port: 80}}]\n"


def test_gateway_api_ranks_exact_then_the_longest_prefix_then_method():
    _, routing = load(app("a"), app("b"), app("c"), app("d"), httproute(
        rule("a", "{method: GET, path: {type: PathPrefix, value: /}}")
        + rule("b", "{path: {type: PathPrefix, value: /api}}")
        + rule("c", "{path: {type: Exact, value: /api}}")
        + rule("d", "{path: {type: PathPrefix, value: /}}")))
    assert routing is not None
    (table,) = routing.tables
    assert table.gateway == "Gateway default/public"
    routes = table.routes
    assert routes.first_match("GET", "/api/x").service == "b"  # the longer prefix beats GET
    assert routes.first_match("GET", "/api").service == "c"
    assert routes.first_match("GET", "/x").service == "a"
    assert routes.first_match("POST", "/x").service == "d"
    assert check_routing(routing).holds
    # the most-specific rule of routing.py finds the first two ambiguous: the Gateway API
    # precedence settles what containment alone does not
    assert {w.what for w in check_routes(routes).witnesses} == {"ambiguous routes"}


def test_within_one_route_the_first_rule_wins_across_routes_it_is_a_tie():
    same = "{path: {type: PathPrefix, value: /orders}}"
    _, routing = load(app("a"), app("b"), httproute(rule("a", same) + rule("b", same)))
    assert routing is not None
    assert [w.what for w in check_routing(routing).witnesses] == ["shadowed rule"]
    _, routing = load(app("a"), app("b"), httproute(rule("b", same), name="two"),
                      httproute(rule("a", same), name="one"))
    assert routing is not None
    assert witnesses(check_routing(routing)) == [
        "tied rules: HTTPRoute two: PathPrefix /orders -> b at document 5, "
        "spec.rules[0].matches[0] (line 33) and HTTPRoute one: PathPrefix /orders -> a at "
        "document 6, spec.rules[0].matches[0] (line 42) match the same requests with equal "
        "precedence: the older object serves them, and the manifests do not say which is "
        "older"]
    # a Gateway of another namespace is another table: nothing is tied
    _, routing = load(app("a"), app("b"), httproute(rule("a", same), name="one"),
                      httproute(rule("b", same), name="two", namespace="team"))
    assert routing is not None
    assert routing.gateways == ("Gateway default/public", "Gateway team/public")
    assert witnesses(check_routing(routing)) == [
        "unknown service: HTTPRoute team/two: PathPrefix /orders -> b routes to Service b at "
        "document 6, spec.rules[0].backendRefs[0].name (line 43), which is not in namespace "
        "team in these files"]


def test_a_rule_shadowed_for_one_hostname_but_not_another_is_used():
    catch_all = rule("a", "{path: {type: PathPrefix, value: /}}")
    shadowed = rule("b", "{path: {type: PathPrefix, value: /}}")
    _, routing = load(app("a"), app("b"),
                      httproute(catch_all, name="one", hostnames="a.example"),
                      httproute(shadowed, name="two", hostnames="a.example, b.example"))
    assert routing is not None
    assert [t.host for t in routing.tables] == ["a.example", "b.example"]
    assert check_routing(routing).holds


def test_a_match_without_a_path_is_a_prefix_of_slash_and_weights_choose_the_target():
    split = """    - backendRefs: [{name: a, port: 80, weight: 0}, {name: b, port: 80, weight: 3}]
"""
    findings, routing = load(app("a"), app("b"), httproute(split))
    assert routing is not None
    (only,) = routing.tables[0].rules
    assert (only.route, only.match, only.place) == (
        Route("*", "/*", "b"), "PathPrefix /", "document 5, spec.rules[0] (line 33)")
    assert findings == ["split backends at document 5, spec.rules[0].backendRefs (line 33): "
                        "HTTPRoute api rules[0] splits requests over Services a, b by weight; "
                        "the routing table sends them to b, and each is checked"]


# -- what a route cannot express: findings, never guesses ------------------------------------


def test_what_a_route_cannot_express_is_a_finding_at_its_place():
    paths = (path("/api/.*", "web", "ImplementationSpecific") + path("/a/", "web", "Exact")
             + path("/{x}", "web") + path("/p", "web", "prefix") + path("p", "web"))
    findings, routing = load(app("web"), ingress(paths))
    assert routing is not None and routing.tables == ()
    assert findings == [
        "invalid routing rule at document 3, spec.rules[0].http.paths[3] (line 24): Ingress "
        "shop prefix /p: pathType must be Exact, Prefix or ImplementationSpecific, not "
        "'prefix'; the rule is left out of the routing table",
        "invalid routing rule at document 3, spec.rules[0].http.paths[4].path (line 25): "
        "Ingress shop Prefix p: the path 'p' must begin with '/'",
        "routing not modelled at document 3, spec.rules[0].http.paths[0] (line 21): Ingress "
        "shop ImplementationSpecific /api/.*: pathType ImplementationSpecific leaves "
        "matching and precedence to the controller; the rule is left out of the routing "
        "table",
        "routing not modelled at document 3, spec.rules[0].http.paths[1].path (line 22): "
        "Ingress shop Exact /a/: a route cannot express the path '/a/' (an empty segment, a "
        "'/' ending an Exact path, or a literal {, }, *, ? or #); the rule is left out of "
        "the routing table",
        "routing not modelled at document 3, spec.rules[0].http.paths[2].path (line 23): "
        "Ingress shop Prefix /{x}: a route cannot express the path '/{x}' (an empty "
        "segment, a '/' ending an Exact path, or a literal {, }, *, ? or #); the rule is "
        "left out of the routing table"]


def test_httproute_matches_a_route_cannot_express_are_findings():
    matches = rule("web", "{path: {type: RegularExpression, value: '/v[0-9]+'}}",
                   "{path: {value: /x}, headers: [{name: v, value: '2'}]}",
                   "{method: get, path: {value: /y}}", "{path: {type: Glob, value: /z}}")
    redirect = "    - filters: [{type: RequestRedirect, requestRedirect: {port: 443}}]\n"
    unattached = ("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                  "metadata: {name: loose}\nspec: {rules: [{backendRefs: [{name: web}]}]}\n")
    alpha = ("apiVersion: networking.x-k8s.io/v1alpha1\nkind: HTTPRoute\n"
             "metadata: {name: old}\nspec: {}\n")
    findings, routing = load(app("web"), httproute(matches + redirect), unattached, alpha)
    assert routing is not None and routing.tables == ()
    assert [f.split(":")[0] for f in findings] == [
        "invalid routing rule at document 3, spec.rules[0].matches[2].method (line 20)",
        "invalid routing rule at document 3, spec.rules[0].matches[3] (line 20)",
        "routing not modelled at document 3, spec.rules[0].matches[0] (line 20)",
        "routing not modelled at document 3, spec.rules[0].matches[1] (line 20)",
        "routing not modelled at document 3, spec.rules[1] (line 22)",
        "routing not modelled at document 4, metadata.name (line 26)",
        "routing not modelled at document 5, apiVersion (line 29)"]
    assert "a route cannot express headers matches" in findings[3]
    assert "HTTPRoute loose has no parentRefs: it attaches to no Gateway" in findings[5]


@pytest.mark.parametrize(("document", "message"), [
    (httproute(rule("web", "{path: {value: 3}}")),
     "k.yaml: document 3, spec.rules[0].matches[0].path.value (line 20): must be a string"),
    (httproute("    - backendRefs: [{name: web, weight: -1}]\n"),
     "k.yaml: document 3, spec.rules[0].backendRefs[0].weight (line 20): must be a whole"),
    (httproute(rule("web", "/x")),
     "k.yaml: document 3, spec.rules[0].matches[0] (line 20): must be a mapping"),
    ("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\n"
     "spec: {parentRefs: [{name: g}], hostnames: a.example}\n",
     "k.yaml: document 3, spec.hostnames (line 17): must be a list"),
    (ingress(path("/x", "web").replace("'/x'", "[/x]")),
     "k.yaml: document 3, spec.rules[0].http.paths[0].path (line 21): must be a string"),
])
def test_malformed_routing_objects_are_errors_naming_the_place(document, message):
    with pytest.raises(TheoryError) as error:
        load(app("web"), document)
    assert str(error.value).startswith(message)


# -- Pattern 4.3.1: what clients reach beside the gateway ------------------------------------


def test_services_exposed_beside_the_gateway_bypass_it():
    host_port = ", ports: [{containerPort: 80, hostPort: 8080}]"
    _, routing = load(app("ingress-nginx", "registry.k8s.io/ingress-nginx/controller:v1.10",
                          "LoadBalancer"), app("web"), app("orders", kind="NodePort"),
                      app("metrics", ports=host_port), ingress(path("/", "web")))
    assert routing is not None
    assert [(e.service, e.entry) for e in routing.exposures] == [
        ("ingress-nginx", True), ("orders", False), ("metrics", False)]
    verdict = check_gateway_entry(routing)
    assert verdict.summary == ("Gateway: the default Ingress class, ingress-nginx; "
                               "2 exposures beside it.")
    assert witnesses(verdict) == [
        "bypasses the gateway: clients reach metrics directly: Deployment metrics's "
        "container main binds hostPort 8080 at document 7, "
        "spec.template.spec.containers[0].ports[0].hostPort (line 46)",
        "bypasses the gateway: clients reach orders directly: Service orders is of type "
        "NodePort at document 6, spec.type (line 38)"]


def test_gateway_images_are_recognised_by_repository():
    assert gateway_image("ingress-nginx/controller") and gateway_image("traefik")
    assert gateway_image("mirror/envoyproxy/envoy")
    assert not gateway_image("shop/traefik-dashboard") and not gateway_image("kongo")


def test_checkers_refuse_what_is_not_routing():
    with pytest.raises(TheoryError, match="check_routing: routing must be a Routing"):
        check_routing([])  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match="check_gateway_entry: routing must be a Routing"):
        check_gateway_entry(None)  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match=r"Table\('g', '\*'\): rules must be a list"):
        Table("g", "*", "rules")  # type: ignore[arg-type]


# -- systems without routing objects gain nothing --------------------------------------------


@pytest.mark.parametrize("example", ["shop-k8s.yaml"])
def test_manifests_without_routing_objects_have_no_routing(example):
    system, routing = _import(read(EXAMPLES / example))
    assert routing is None
    assert not [f for f in system.findings if "routing" in f.what or "split" in f.what]


def test_the_command_line_prints_the_routing_findings(tmp_path):
    manifest = tmp_path / "shop.yaml"
    manifest.write_text("---\n".join([app("web"), ingress(
        path("/api/.*", "web", "ImplementationSpecific") + path("/", "web"))]))
    result = subprocess.run([sys.executable, "-m", "msatheory", "check", str(manifest)],
                            capture_output=True, text=True, check=False)
    assert result.stderr == ""
    assert ("  routing not modelled at document 3, spec.rules[0].http.paths[0] (line 21): "
            "Ingress shop ImplementationSpecific /api/.*: pathType ImplementationSpecific "
            "leaves matching and precedence to the controller; the rule is left out of the "
            "routing table") in result.stdout.splitlines()


# -- the readings against brute force -------------------------------------------------------

SEGMENT_VALUES = ["a", "b", "ab", ""]
REQUESTS = ["/" + "/".join(p) for n in range(4) for p in product(SEGMENT_VALUES, repeat=n)]
INGRESS_PATHS = st.sampled_from(["/", "/a", "/a/", "/ab", "/a/b", "/a/b/", "/b"])


def _prefix_matches(prefix: str, request: str) -> bool:
    """Kubernetes' Prefix: the path elements of ``prefix`` begin those of ``request``."""
    elements = prefix.rstrip("/").split("/")[1:] if prefix.rstrip("/") else []
    return request.split("/")[1:][:len(elements)] == elements


def _ingress_choice(paths: list[tuple[str, str]], request: str) -> int | None:
    """The spec's choice: the longest matching path, then Exact before Prefix, then the
    first listed."""
    found = [(-len(p), kind != "Exact", k) for k, (kind, p) in enumerate(paths)
             if (request == p if kind == "Exact" else _prefix_matches(p, request))]
    return min(found)[2] if found else None


@settings(max_examples=300)
@given(paths=st.lists(st.tuples(st.sampled_from(["Exact", "Prefix"]), INGRESS_PATHS),
                      min_size=1, max_size=5))
def test_ingress_tables_route_as_the_specification_says(paths):
    paths = [(k, p) for k, p in paths if not (k == "Exact" and p.endswith("/") and p != "/")]
    if not paths:
        return
    text = "".join(path(p, f"s{k}", kind) for k, (kind, p) in enumerate(paths))
    _, routing = load(*(app(f"s{k}") for k in range(len(paths))), ingress(text))
    assert routing is not None
    (table,) = routing.tables
    routes = table.routes
    chosen = set()
    for request in REQUESTS:
        expected = _ingress_choice(paths, request)
        found = routes.first_match("GET", request)
        assert (found and found.service) == (None if expected is None else f"s{expected}")
        chosen.add(expected)
    shadowed = {w.involves[0] for w in check_routing(routing).witnesses}
    assert shadowed == {str(r) for r in table.rules
                        if int(r.route.service[1:]) not in chosen}


GATEWAY_MATCHES = st.tuples(st.sampled_from(["Exact", "PathPrefix"]),
                            st.sampled_from(["/", "/a", "/a/", "/ab", "/a/b"]),
                            st.sampled_from([None, "GET", "POST"]))


def _gateway_choice(matches: list[tuple[str, str, str | None]], method: str,
                    request: str) -> int | None:
    """The Gateway API's choice: Exact, the most characters of prefix, a method, the
    first listed."""
    found = [(kind != "Exact", -len(p), m is None, k) for k, (kind, p, m) in enumerate(matches)
             if m in (None, method)
             and (request == p if kind == "Exact" else _prefix_matches(p, request))]
    return min(found)[3] if found else None


@settings(max_examples=300)
@given(matches=st.lists(GATEWAY_MATCHES, min_size=1, max_size=5))
def test_httproute_tables_route_as_the_specification_says(matches):
    matches = [(k, p, m) for k, p, m in matches if not (k == "Exact" and p.endswith("/")
                                                         and p != "/")]
    if not matches:
        return
    rules = "".join(rule(f"s{k}", f"{{path: {{type: {kind}, value: '{p}'}}"
                         + (f", method: {m}}}" if m else "}"))
                    for k, (kind, p, m) in enumerate(matches))
    _, routing = load(*(app(f"s{k}") for k in range(len(matches))), httproute(rules))
    assert routing is not None
    routes = routing.tables[0].routes
    chosen = set()
    for method, request in product(["GET", "POST", "PUT"], REQUESTS):
        expected = _gateway_choice(matches, method, request)
        found = routes.first_match(method, request)
        assert (found and found.service) == (None if expected is None else f"s{expected}")
        chosen.add(expected)
    assert {w.involves[0] for w in check_routing(routing).witnesses} == {
        str(r) for r in routing.tables[0].rules if int(r.route.service[1:]) not in chosen}


# -- routing.py's first-match search ---------------------------------------------------------


@settings(max_examples=300)
@given(table=tables)
def test_unreachable_agrees_with_brute_force_under_both_rules(table):
    for first in (False, True):
        choose = table.first_match if first else table.match
        reached = {id(choose(m, p)) for m, p in UNIVERSE}
        found = {id(r) for r, _ in table.unreachable(first_match=first)}
        assert found == {id(r) for r in table.routes if id(r) not in reached}


def test_check_routes_by_first_match_reports_only_shadowing_and_unknown_services():
    table = RoutingTable([Route("*", "/orders/*", "orders"), Route("GET", "/orders/{id}", "x"),
                          Route("GET", "/{kind}/42", "legacy")])
    verdict = check_routes(table, ["orders", "legacy"], first_match=True)
    assert [str(w) for w in verdict.witnesses] == [
        "shadowed route: GET /orders/{id} -> x is never chosen: its requests go to "
        "* /orders/* -> orders",
        "unknown service: GET /orders/{id} -> x routes to 'x', not a known service"]
    assert verdict.summary.endswith("the first matching route in list order wins.")
    assert [w.what for w in check_routes(table, ["orders", "legacy", "x"]).witnesses] == [
        "ambiguous routes", "shadowed under first match"]  # by default, as before


# -- malformed routing objects never escape as anything but TheoryError ----------------------

names = st.sampled_from(["web", "api", "x"])
anything = st.one_of(st.none(), st.integers(-2, 3), st.text(max_size=4), st.sampled_from(
    ["/", "/a", "a", "/a/", "//", "/{x}", "GET", "get", "Exact", "Prefix", "PathPrefix",
     "RegularExpression", "ImplementationSpecific", "Service", "web"]),
    st.lists(st.none(), max_size=1), st.dictionaries(st.just("x"), st.none(), max_size=1))


def maybe(good: st.SearchStrategy) -> st.SearchStrategy:
    """A leaf: four times in five well-formed, else anything at all."""
    return st.integers(0, 4).flatmap(lambda k: anything if k == 0 else good)


def rarely(good: st.SearchStrategy) -> st.SearchStrategy:
    """A structure: nine times in ten well-formed, else anything at all."""
    return st.integers(0, 9).flatmap(lambda k: anything if k == 0 else good)


service_ref = st.fixed_dictionaries({"name": maybe(names)})
ingress_path = st.fixed_dictionaries({
    "path": maybe(st.sampled_from(["/", "/a", "/a/", "a", "/a/b", "/{x}"])),
    "pathType": maybe(st.sampled_from(["Exact", "Prefix", "ImplementationSpecific"])),
    "backend": rarely(st.one_of(st.fixed_dictionaries({"service": service_ref}),
                                st.fixed_dictionaries({"serviceName": maybe(names)}),
                                st.just({"resource": {"kind": "Bucket", "name": "b"}}))),
})
ingress_doc = st.fixed_dictionaries({
    "apiVersion": st.just("networking.k8s.io/v1"), "kind": st.just("Ingress"),
    "metadata": st.fixed_dictionaries({"name": st.sampled_from(["i", "j"])}, optional={
        "annotations": st.fixed_dictionaries({"kubernetes.io/ingress.class": maybe(names)})}),
    "spec": rarely(st.fixed_dictionaries({"rules": rarely(st.lists(st.fixed_dictionaries(
        {"http": rarely(st.fixed_dictionaries({"paths": rarely(st.lists(
            ingress_path, min_size=1, max_size=3))}))},
        optional={"host": maybe(st.sampled_from(["a.example", "*.example", ""]))}),
        min_size=1, max_size=2))}, optional={
            "ingressClassName": maybe(names),
            "defaultBackend": rarely(st.fixed_dictionaries({"service": service_ref}))})),
})
route_match = st.fixed_dictionaries({}, optional={
    "path": rarely(st.fixed_dictionaries({}, optional={
        "type": maybe(st.sampled_from(["Exact", "PathPrefix", "RegularExpression"])),
        "value": maybe(st.sampled_from(["/", "/a", "/a/", "/a/b", "/{x}"]))})),
    "method": maybe(st.sampled_from(["GET", "POST", "get"])),
    "headers": rarely(st.lists(st.just({"name": "v", "value": "1"}), max_size=1))})
backend_ref = st.fixed_dictionaries({"name": maybe(names)}, optional={
    "kind": maybe(st.sampled_from(["Service", "Bucket"])),
    "weight": maybe(st.integers(-1, 2)), "namespace": maybe(names)})
route_doc = st.fixed_dictionaries({
    "apiVersion": st.just("gateway.networking.k8s.io/v1"), "kind": st.just("HTTPRoute"),
    "metadata": st.fixed_dictionaries({"name": st.sampled_from(["r", "s"])}),
    "spec": rarely(st.fixed_dictionaries({
        "parentRefs": rarely(st.lists(st.fixed_dictionaries(
            {"name": rarely(names)}, optional={"sectionName": maybe(names),
                                               "namespace": maybe(names)}), max_size=2)),
        "rules": rarely(st.lists(st.fixed_dictionaries({
            "backendRefs": rarely(st.lists(backend_ref, max_size=2))}, optional={
            "matches": rarely(st.lists(rarely(route_match), max_size=3))}),
            min_size=1, max_size=3)),
    }, optional={"hostnames": rarely(st.lists(maybe(st.sampled_from(["a.example", "*.b"])),
                                              max_size=2))})),
})


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
@given(documents=st.lists(st.one_of(ingress_doc, route_doc), min_size=1, max_size=3),
       exposed=st.sampled_from(["ClusterIP", "NodePort", "LoadBalancer"]))
def test_generated_routing_objects_are_read_checked_or_refused_by_place(documents, exposed):
    text = "---\n".join([app("web", kind=exposed), app("api"),
                         yaml.safe_dump_all(documents)])
    try:
        system, routing = _import(parse(text, "fuzz.yaml"))
    except TheoryError as error:
        assert str(error).startswith("fuzz.yaml: document ") and "\n" not in str(error)
        return
    assert routing is not None
    for verdict in (check_routing(routing), check_gateway_entry(routing)):
        for witness in verdict.witnesses:
            assert " at document " in witness.detail
    assert all(f.place.startswith("document ") for f in system.findings
               if f.what.startswith(("routing", "invalid", "split")))
    json.dumps(check_system(system).as_dict())


def test_the_records_hold_what_they_are_given():
    rule_ = Rule(Route("*", "/*", "web"), "Ingress i", "Prefix /", "k.yaml (line 3)",
                 (0, -1, 1), (0,), (("default", "web", "k.yaml (line 4)"),))
    routing = routing_of([("g", ("*",), rule_)], [("default", "web")],
                         [Exposure("web", "Service web is of type NodePort", "k (line 1)",
                                   entry=False)])
    assert routing.tables == (Table("g", "*", (rule_,)),)
    assert str(rule_) == "Ingress i: Prefix / -> web"
    assert check_routing(routing).summary == (
        "1 routing rule in 1 table (g); the first rule in precedence order wins.")


# -- the rows of msatheory check -------------------------------------------------------------


@pytest.mark.parametrize("example", ["shop.yaml", "shop-compose.yaml", "shop-k8s.yaml",
                                     "bff.yaml"])
def test_systems_without_routing_objects_get_no_new_verdicts(example):
    report = check_system(load_system(EXAMPLES / example))
    assert report.system.routing is None
    refs = [v.statement.ref for v in report.verdicts]
    assert "Def 4.1.2" not in refs and refs.count("Pattern 4.3.1") == 1


def test_the_checker_table_checks_the_routing_of_a_cluster():
    report = check_system(build(parse("---\n".join([
        app("ingress-nginx", "ingress-nginx/controller", "LoadBalancer"), app("web"),
        app("orders", kind="NodePort"),
        ingress(path("/orders/", "web") + path("/orders", "orders") + path("/", "shop"))]),
        "k.yaml")))
    routing = [v for v in report.verdicts if v.statement.ref == "Def 4.1.2"]
    # the routing's view of Pattern 4.3.1 replaces the architecture's: one verdict
    (entry,) = [v for v in report.verdicts if v.statement.ref == "Pattern 4.3.1"]
    assert [w.what for w in routing[0].witnesses] == ["shadowed rule", "unknown service"]
    assert witnesses(entry) == [
        "bypasses the gateway: clients reach orders directly: Service orders is of type "
        "NodePort at document 6, spec.type (line 38)"]
    data = report.as_dict()["verdicts"]
    assert [v["statement"] for v in data if v["statement"].split()[1] < "5"][-2:] == [
        "Def 4.1.2", "Pattern 4.3.1"]
    assert "exposed without a gateway" not in str(report.as_dict())


def test_the_command_line_prints_the_routing_verdicts(tmp_path):
    manifest = tmp_path / "shop.yaml"
    manifest.write_text("---\n".join([app("web"), app("orders"), ingress(
        path("/orders/", "web") + path("/orders", "orders"))]))
    result = subprocess.run([sys.executable, "-m", "msatheory", "check", str(manifest)],
                            capture_output=True, text=True, check=False)
    lines = result.stdout.splitlines()
    assert result.returncode == 1 and result.stderr == ""
    assert ("FAIL Def 4.1.2 Routing rule (路由规则): 2 routing rules in 1 table (the "
            "default Ingress class); the first rule in precedence order wins.") in lines
    assert ("       - shadowed rule: Ingress shop: Prefix /orders -> orders at document 5, "
            "spec.rules[0].http.paths[1] (line 35) is never chosen: its requests go to "
            "Ingress shop: Prefix /orders/ -> web at document 5, spec.rules[0].http.paths[0] "
            "(line 34)") in lines
    assert ("ok   Pattern 4.3.1 Single entry point (单点入口): Gateway: the default Ingress "
            "class; 0 exposures beside it.") in lines
