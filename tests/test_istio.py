"""Istio's VirtualService and DestinationRule objects (msatheory.communication.istio), read
by the Kubernetes importer into a cluster's retry, timeout and ejection policies, on
manifests modelled on Istio's bookinfo samples."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msatheory.check.kubernetes import _import
from msatheory.check.report import check_system
from msatheory.check.source import parse
from msatheory.communication.checks import CHECKS
from msatheory.communication.istio import (
    DEFAULT_ATTEMPTS,
    DEFAULT_RETRY_ON,
    Ejection,
    Policy,
    Resilience,
    parse_duration,
    service_of_host,
)
from msatheory.errors import TheoryError


def app(name: str, calls: tuple[str, ...] = (), namespace: str = "") -> str:
    """A bookinfo-like Deployment, addressing ``calls`` by environment, and its Service."""
    env = "".join(f"\n        - {{name: {c.upper()}_HOSTNAME, value: '{c}'}}"
                  for c in calls) or " []"
    ns = f", namespace: {namespace}" if namespace else ""
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}-v1{ns}}}
spec:
  template:
    metadata: {{labels: {{app: {name}, version: v1}}}}
    spec:
      containers:
      - name: {name}
        image: docker.io/istio/examples-bookinfo-{name}-v1:1.20.2
        env:{env}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}{ns}}}
spec: {{selector: {{app: {name}}}, ports: [{{port: 9080, name: http}}]}}
"""


BOOKINFO = [app("productpage", ("reviews", "details")), app("reviews", ("ratings",)),
            app("ratings"), app("details")]


def virtualservice(name: str, http: str, hosts: str = "", extra: str = "",
                   version: str = "networking.istio.io/v1") -> str:
    return f"""apiVersion: {version}
kind: VirtualService
metadata: {{name: {name}}}
spec:
  hosts: [{hosts or name}]{extra}
  http:
{http}"""


def destinationrule(name: str, policy: str, host: str = "") -> str:
    return f"""apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: {name}}}
spec:
  host: {host or name}
{policy}"""


def load(*documents: str, name: str = "bookinfo.yaml"):
    system, _ = _import(parse("---\n".join([*BOOKINFO, *documents]), name))
    return system


def findings(system) -> list[str]:
    return [str(f) for f in system.findings if f.what != "mesh default retries"]


# -- durations and hosts -------------------------------------------------------------------


@pytest.mark.parametrize(("text", "seconds"), [
    ("2s", 2), ("100ms", Fraction(1, 10)), ("0.5s", Fraction(1, 2)), ("1m30s", 90),
    ("1.5h", 5400), ("300us", Fraction(3, 10000)), ("1µs", Fraction(1, 10**6)),
    ("7ns", Fraction(7, 10**9)), (".5s", Fraction(1, 2)), ("1.s", 1), ("3m", 180),
])
def test_durations_read_as_go_reads_them_exactly(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "2", "-1s", "s", "1 s", "1d", "1S", "+1s", "1s2", ".s"])
def test_anything_else_is_no_duration(text):
    assert parse_duration(text) is None


def test_hosts_resolve_as_istio_resolves_short_names():
    assert service_of_host("reviews", "prod") == ("prod", "reviews")
    assert service_of_host("reviews.prod.svc.cluster.local", "x") == ("prod", "reviews")
    for literal in ("reviews.prod", "reviews.prod.svc", "api.example.com", "*", "*.example",
                    "a.b.c.svc.cluster.local"):
        assert service_of_host(literal, "prod") is None


# -- VirtualService ---------------------------------------------------------------------------


def test_a_route_s_retries_and_timeouts_reach_the_destination_s_service():
    system = load(virtualservice("ratings", """\
  - route:
    - destination: {host: ratings.default.svc.cluster.local, subset: v1}
    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,connect-failure"}
    timeout: 10s
"""))
    assert system.resilience == Resilience({"ratings": (Policy(
        3, Fraction(2), Fraction(10), "5xx,connect-failure", "VirtualService ratings http[0]",
        "document 9, spec.http[0] (line 78)"),)}, {})
    (policy,) = system.resilience.policies["ratings"]
    assert (policy.per_try, policy.total) == (2, 8)  # 4 attempts of 2 s, within 10 s


def test_the_route_timeout_caps_the_attempts_and_is_the_default_per_try_timeout():
    capped = Policy(3, Fraction(1), Fraction(1), "", "vs", "here")
    assert (capped.per_try, capped.total) == (1, 1)  # 4 attempts of 1 s, but 1 s in all
    only_route = Policy(2, None, Fraction(1, 2), "", "vs", "here")
    assert (only_route.per_try, only_route.total) == (Fraction(1, 2), Fraction(1, 2))
    neither = Policy(2, None, None, "", "vs", "here")
    assert (neither.per_try, neither.total) == (None, None)


def test_a_route_without_retries_gets_istio_s_default_policy():
    system = load(virtualservice("reviews", """\
  - route:
    - {destination: {host: reviews, subset: v2}, weight: 50}
    - {destination: {host: reviews, subset: v3}, weight: 50}
    timeout: 0.5s
"""))
    assert system.resilience is not None
    (policy,) = system.resilience.policies["reviews"]  # both destinations: one policy
    assert policy == Policy(DEFAULT_ATTEMPTS, None, Fraction(1, 2), DEFAULT_RETRY_ON,
                                 "VirtualService reviews http[0]",
                                 "document 9, spec.http[0] (line 78)", default=True)
    assert (DEFAULT_ATTEMPTS, DEFAULT_RETRY_ON) == (
        2, "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes")


def test_zero_attempts_drop_the_retry_policy_with_its_per_try_timeout():
    for retries in ("{attempts: 0, perTryTimeout: 1s}", "{perTryTimeout: 1s}"):
        system = load(virtualservice("details", f"""\
  - route: [{{destination: {{host: details}}}}]
    retries: {retries}
"""))
        (policy,) = system.resilience.policies["details"]
        assert (policy.attempts, policy.per_try_timeout, policy.total) == (0, None, None)


def test_every_http_route_is_a_policy_of_its_own():
    system = load(virtualservice("reviews", """\
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
    retries: {attempts: 5, perTryTimeout: 100ms}
  - route: [{destination: {host: reviews, subset: v1}}]
    retries: {attempts: 1}
"""))
    assert [(p.source, p.attempts) for p in system.resilience.policies["reviews"]] == [
        ("VirtualService reviews http[0]", 5), ("VirtualService reviews http[1]", 1)]


def test_hosts_of_other_namespaces_and_literal_names():
    system = load(app("ratings", namespace="prod"), virtualservice("ratings", """\
  - route: [{destination: {host: ratings.prod.svc.cluster.local}}]
    retries: {attempts: 1}
  - route: [{destination: {host: ratings.prod}}]
  - route: [{destination: {host: api.example.com}}]
  - route: [{destination: {host: nowhere}}]
"""))
    assert {u: [p.attempts for p in ps] for u, ps in system.resilience.policies.items()} == {
        "ratings.prod": [1]}  # two namespaces share the name: the units are name.namespace
    assert findings(system) == [
        "host not resolved at document 11, spec.http[1].route[0].destination.host (line 97): "
        "VirtualService ratings names host ratings.prod, which Istio takes as written: it "
        "names no Service of these files (did you mean ratings.prod.svc.cluster.local?)",
        "host not resolved at document 11, spec.http[2].route[0].destination.host (line 98): "
        "VirtualService ratings names host api.example.com, which Istio takes as written: it "
        "names no Service of these files",
        "host not resolved at document 11, spec.http[3] (line 99): VirtualService ratings "
        "http[3] names Service nowhere of namespace default, which is not in these files"]


def test_a_virtualservice_bound_only_to_ingress_gateways_shapes_no_call():
    system = load(virtualservice("bookinfo", """\
  - route: [{destination: {host: productpage, port: {number: 9080}}}]
    retries: {attempts: 9}
""", hosts='"*"', extra="\n  gateways: [bookinfo-gateway]"))
    assert system.resilience is not None and system.resilience.policies == {}
    assert findings(system) == [
        "policy not applied at document 9, spec.gateways (line 77): VirtualService bookinfo "
        "is bound to ingress gateways, not to mesh: its retries and timeouts shape requests "
        "entering the cluster, not calls between services"]
    both = load(virtualservice("bookinfo", """\
  - route: [{destination: {host: productpage}}]
    retries: {attempts: 9}
""", hosts='"*"', extra="\n  gateways: [bookinfo-gateway, mesh]"))
    assert [p.attempts for p in both.resilience.policies["productpage"]] == [9]


def test_objects_of_another_api_group_are_not_read():
    system = load(virtualservice("ratings", "  - route: [{destination: {host: ratings}}]\n",
                                 version="example.com/v1"))
    assert system.resilience.policies == {}
    assert findings(system) == [
        "not imported at document 9, apiVersion (line 72): VirtualService ratings is of "
        "example.com/v1, not Istio's networking.istio.io: it is not read"]


def test_called_services_no_virtualservice_routes_are_named():
    system = load(virtualservice("ratings", "  - route: [{destination: {host: ratings}}]\n"))
    (finding,) = [f for f in system.findings if f.what == "mesh default retries"]
    assert finding.detail == (
        "no VirtualService routes calls into details, reviews: they are read without retries "
        "or timeouts, but Istio retries each 2 times (connect-failure,refused-stream,"
        "unavailable,cancelled,retriable-status-codes) where the caller runs a sidecar")
    assert load().resilience is None  # no Istio object: nothing is assumed


# -- DestinationRule --------------------------------------------------------------------------


def test_outlier_detection_with_istio_s_defaults():
    system = load(destinationrule("reviews", """\
  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 7}
  subsets: [{name: v1, labels: {version: v1}}]
"""))
    assert system.resilience.ejections == {"reviews": Ejection(
        7, 0, Fraction(10), Fraction(30), 10, "DestinationRule reviews",
        "document 9, spec.trafficPolicy.outlierDetection (line 78)")}
    assert system.resilience.ejections["reviews"].enabled
    empty = load(destinationrule("reviews", "  trafficPolicy: {outlierDetection: {}}\n"))
    assert empty.resilience.ejections["reviews"].consecutive_5xx == 5


def test_the_deprecated_consecutive_errors_count_gateway_errors():
    system = load(destinationrule("ratings", """\
  trafficPolicy:
    outlierDetection: {consecutiveErrors: 3, consecutive5xxErrors: 0, interval: 1s,
                       baseEjectionTime: 3m, maxEjectionPercent: 100}
"""))
    ejection = system.resilience.ejections["ratings"]
    assert (ejection.consecutive_5xx, ejection.consecutive_gateway, ejection.interval,
            ejection.base_ejection_time, ejection.max_ejection_percent) == (0, 3, 1, 180, 100)
    assert ejection.enabled


def test_detection_that_ejects_nothing_or_only_a_subset_is_a_finding():
    off = load(destinationrule("ratings", """\
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 0}}
"""))
    assert not off.resilience.ejections["ratings"].enabled
    assert findings(off) == [
        "policy not applied at document 9, spec.trafficPolicy.outlierDetection (line 77): "
        "DestinationRule ratings sets consecutive5xxErrors and consecutiveGatewayErrors to 0: "
        "its outlier detection ejects nothing"]
    subset = load(destinationrule("reviews", """\
  subsets:
  - name: v2
    labels: {version: v2}
    trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1}}
  trafficPolicy:
    portLevelSettings: [{port: {number: 9080}, outlierDetection: {consecutive5xxErrors: 1}}]
"""))
    assert subset.resilience.ejections == {}
    assert findings(subset) == [
        "policy not applied at document 9, spec.subsets[0].trafficPolicy (line 80): "
        "DestinationRule reviews sets outlierDetection for subset 0 only: calls are read per "
        "service, so it is left out",
        "policy not applied at document 9, spec.trafficPolicy.portLevelSettings (line 82): "
        "DestinationRule reviews sets outlierDetection for single ports: calls are read per "
        "service, so it is left out"]


def test_two_rules_for_one_host_read_the_first_by_name():
    system = load(destinationrule("b-ratings", "  trafficPolicy: {outlierDetection: {}}\n",
                                  host="ratings"),
                  destinationrule("a-ratings", """\
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 2}}
""", host="ratings.default.svc.cluster.local"))
    assert system.resilience.ejections["ratings"].source == "DestinationRule a-ratings"
    assert findings(system) == [
        "several DestinationRules at document 9, spec.trafficPolicy.outlierDetection "
        "(line 77): DestinationRule a-ratings, DestinationRule b-ratings are all for ratings: "
        "Istio uses the oldest, which the manifests do not say; the first by name, "
        "DestinationRule a-ratings, is read"]


# -- bad values name the object, the field and the place --------------------------------------


@pytest.mark.parametrize(("http", "message"), [
    ("  - route: [{destination: {host: ratings}}]\n    retries: {attempts: -1}\n",
     r"bookinfo\.yaml: document 9, spec\.http\[0\]\.retries\.attempts \(line 79\): "
     r"VirtualService ratings: must be a whole number from 0 to 2147483647, not the number -1"),
    ("  - route: [{destination: {host: ratings}}]\n    retries: {attempts: '3'}\n",
     r"retries\.attempts \(line 79\): VirtualService ratings: must be a whole number from 0 "
     r"to 2147483647, not the string '3'"),
    ("  - route: [{destination: {host: ratings}}]\n    retries: {attempts: true}\n",
     r"not true"),
    ("  - route: [{destination: {host: ratings}}]\n    retries: {attempts: 1, "
     "perTryTimeout: 2}\n",
     r"retries\.perTryTimeout \(line 79\): VirtualService ratings: must be a duration of at "
     r"least 1ms, such as '2s', '100ms' or '1m30s', not the number 2"),
    ("  - route: [{destination: {host: ratings}}]\n    timeout: 500us\n",
     r"spec\.http\[0\]\.timeout \(line 79\): VirtualService ratings: must be a duration of at "
     r"least 1ms, .* not the string '500us'"),
    ("  - route: [{destination: {host: ratings}}]\n    timeout: 1 s\n", r"not the string '1 s'"),
    ("  - route: [{destination: {host: ratings}}]\n    retries: [3]\n",
     r"spec\.http\[0\]\.retries \(line 79\): must be a mapping, not a list"),
    ("  - route: [{destination: {port: 9080}}]\n",
     r"spec\.http\[0\]\.route\[0\]\.destination\.host \(line 78\): must be a non-empty name, "
     r"not empty"),
])
def test_bad_virtualservice_values_are_refused_by_place(http, message):
    with pytest.raises(TheoryError, match=message):
        load(virtualservice("ratings", http))


@pytest.mark.parametrize(("policy", "message"), [
    ("  trafficPolicy: {outlierDetection: {maxEjectionPercent: 150}}\n",
     r"document 9, spec\.trafficPolicy\.outlierDetection\.maxEjectionPercent \(line 77\): "
     r"DestinationRule ratings: must be a whole number from 0 to 100, not the number 150"),
    ("  trafficPolicy: {outlierDetection: {consecutive5xxErrors: -1}}\n",
     r"consecutive5xxErrors \(line 77\): DestinationRule ratings: must be a whole number from "
     r"0 to 4294967295, not the number -1"),
    ("  trafficPolicy: {outlierDetection: {baseEjectionTime: 30}}\n",
     r"baseEjectionTime \(line 77\): DestinationRule ratings: must be a duration"),
    ("  trafficPolicy: {outlierDetection: [1]}\n",
     r"spec\.trafficPolicy\.outlierDetection \(line 77\): must be a mapping, not a list"),
])
def test_bad_destinationrule_values_are_refused_by_place(policy, message):
    with pytest.raises(TheoryError, match=message):
        load(destinationrule("ratings", policy))


# -- the checks on bookinfo ---------------------------------------------------------------------


def run_checks(system) -> list[str]:
    """The verdicts of chapter 5's rows that apply to ``system``, as text."""
    return [str(check.checker(*arguments)) for check in CHECKS
            if (arguments := check.arguments(system)) is not None]


def test_bookinfo_s_timeout_task_is_a_timeout_inversion():
    system = load(
        virtualservice("reviews", "  - route: [{destination: {host: reviews, subset: v2}}]\n"
                                  "    timeout: 0.5s\n"),
        virtualservice("ratings", "  - route: [{destination: {host: ratings, subset: v1}}]\n"
                                  "    retries: {attempts: 3, perTryTimeout: 2s}\n"),
        destinationrule("ratings", "  trafficPolicy: {outlierDetection: {consecutive5xxErrors: "
                                   "1, interval: 1s, baseEjectionTime: 3m}}\n"),
        destinationrule("details", "  trafficPolicy: {outlierDetection: {}}\n"))
    verdicts = run_checks(system)
    assert len(verdicts) == 3  # the mesh's rows, instead of the calls' own
    assert verdicts[0] == (
        "Strategy 5.3.1 Retry (重试机制): violated. Most attempts per request: 12 at ratings "
        "(productpage → reviews → ratings); the limit is 10.\n"
        "  - retry amplification: productpage → reviews → ratings: 3 × 4 = 12 attempts reach "
        "ratings for one request at productpage when ratings fails, more than 10")
    assert verdicts[1].endswith(
        "  - timeout inversion: productpage gives up on reviews after 0.5 s per attempt, but "
        "reviews may wait 4 × 2 s = 8 s on ratings (VirtualService reviews http[0] at "
        "document 9, spec.http[0] (line 78); VirtualService ratings http[0] at document 10, "
        "spec.http[0] (line 87))")
    assert verdicts[2] == (
        "Strategy 5.3.2 Circuit breaker (熔断器模式): holds. Synchronous calls with a timeout "
        "or a circuit breaker: 3 of 3.")


def test_without_istio_objects_the_calls_own_view_runs():
    system = load()
    assert [c.checker.__name__ for c in CHECKS if c.arguments(system) is not None] == [
        "check_retry_amplification", "check_timeout_inversion", "check_unguarded_calls"]
    assert run_checks(system)[2].startswith(
        "Strategy 5.3.2 Circuit breaker (熔断器模式): violated. Synchronous calls with a "
        "timeout or a circuit breaker: 0 of 3.")


# -- malformed Istio objects never escape as anything but TheoryError --------------------------

anything = st.one_of(st.none(), st.booleans(), st.integers(-2, 5), st.floats(-1, 3),
                     st.text(max_size=4), st.sampled_from(
                         ["2s", "100ms", "0s", "1m30s", "-1s", "reviews", "mesh", "*",
                          "ratings.default.svc.cluster.local", "reviews.prod", ""]),
                     st.lists(st.none(), max_size=1),
                     st.dictionaries(st.just("x"), st.none(), max_size=1))


def maybe(good: st.SearchStrategy) -> st.SearchStrategy:
    """A leaf: four times in five well-formed, else anything at all."""
    return st.integers(0, 4).flatmap(lambda k: anything if k == 0 else good)


def rarely(good: st.SearchStrategy) -> st.SearchStrategy:
    """A structure: nine times in ten well-formed, else anything at all."""
    return st.integers(0, 9).flatmap(lambda k: anything if k == 0 else good)


durations = maybe(st.sampled_from(["2s", "100ms", "0.5s", "1m", "10s"]))
hosts = maybe(st.sampled_from(["reviews", "ratings", "details.default.svc.cluster.local",
                               "productpage", "x.example"]))
http_route = st.fixed_dictionaries({
    "route": rarely(st.lists(st.fixed_dictionaries({"destination": rarely(
        st.fixed_dictionaries({"host": hosts}, optional={"subset": maybe(st.just("v1"))}))},
        optional={"weight": maybe(st.integers(0, 100))}), min_size=1, max_size=2))},
    optional={"retries": rarely(st.fixed_dictionaries({}, optional={
        "attempts": maybe(st.integers(0, 5)), "perTryTimeout": durations,
        "retryOn": maybe(st.just("5xx"))})), "timeout": durations})
vs_doc = st.fixed_dictionaries({
    "apiVersion": rarely(st.just("networking.istio.io/v1beta1")),
    "kind": st.just("VirtualService"),
    "metadata": st.fixed_dictionaries({"name": st.sampled_from(["v", "w"])}),
    "spec": rarely(st.fixed_dictionaries({"http": rarely(st.lists(rarely(http_route),
                                                                  max_size=3))}, optional={
        "hosts": rarely(st.lists(hosts, max_size=2)),
        "gateways": rarely(st.lists(st.sampled_from(["mesh", "bookinfo-gateway"]),
                                    max_size=2))})),
})
dr_doc = st.fixed_dictionaries({
    "apiVersion": rarely(st.just("networking.istio.io/v1")),
    "kind": st.just("DestinationRule"),
    "metadata": st.fixed_dictionaries({"name": st.sampled_from(["d", "e"])}),
    "spec": rarely(st.fixed_dictionaries({"host": hosts}, optional={
        "trafficPolicy": rarely(st.fixed_dictionaries({}, optional={
            "outlierDetection": rarely(st.fixed_dictionaries({}, optional={
                "consecutive5xxErrors": maybe(st.integers(0, 9)),
                "consecutiveGatewayErrors": maybe(st.integers(0, 9)),
                "consecutiveErrors": maybe(st.integers(0, 9)),
                "interval": durations, "baseEjectionTime": durations,
                "maxEjectionPercent": maybe(st.integers(0, 100))})),
            "portLevelSettings": rarely(st.lists(st.just({"outlierDetection": {}}),
                                                 max_size=1))})),
        "subsets": rarely(st.lists(st.fixed_dictionaries({"name": st.just("v1")}, optional={
            "trafficPolicy": rarely(st.just({"outlierDetection": {}}))}), max_size=1))})),
})


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
@given(documents=st.lists(st.one_of(vs_doc, dr_doc), min_size=1, max_size=3))
def test_generated_istio_objects_are_read_checked_or_refused_by_place(documents):
    text = "---\n".join([*BOOKINFO, yaml.safe_dump_all(documents)])
    try:
        system, _ = _import(parse(text, "fuzz.yaml"))
    except TheoryError as error:
        assert str(error).startswith("fuzz.yaml: document ") and "\n" not in str(error)
        return
    assert system.resilience is not None
    for text_ in run_checks(system):
        assert text_.startswith("Strategy 5.3.")
    json.dumps(check_system(system).as_dict())
