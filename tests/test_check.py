"""The architecture file, its schema and loader, the report and ``msatheory check``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from msatheory.__main__ import main
from msatheory.basics import Architecture, Service
from msatheory.basics.model import DATASTORE_KINDS
from msatheory.check.document import SCHEMA, load_architecture, system_from_document
from msatheory.check.formats import detect, load
from msatheory.check.report import check_system
from msatheory.check.source import parse, read
from msatheory.check.technologies import KINDS
from msatheory.discovery import check_health_coverage, unchecked_services
from msatheory.errors import TheoryError
from msatheory.gateway import check_single_entry, gateway_bypass

EXAMPLES = Path(__file__).resolve().parents[1] / "msatheory" / "check" / "examples"
ISSUE_EXAMPLE = """\
name: shop
gateway: api-gateway            # a service name, or a list of names
services:
  api-gateway: {calls: [orders], exposed: true, healthcheck: true}
  orders:
    calls: [payments]            # synchronous dependencies
    publishes: [order-placed]    # asynchronous topics
    subscribes: []
    datastores: [orders-db]
    healthcheck: false
    exposed: false
    replicas: 2
  payments: {subscribes: [order-placed]}
datastores:
  orders-db: {technology: postgres}
"""


def system(text: str, name: str = "arch.yaml"):
    return load_architecture(parse(text, name))


def test_the_minimal_shape_loads_into_the_chapter_1_model():
    s = system(ISSUE_EXAMPLE)
    arch = s.architecture
    assert arch.name == "shop" and s.gateways == ("api-gateway",) and s.design is None
    assert sorted(arch.call_graph.edges) == [("api-gateway", "orders"), ("orders", "payments")]
    orders = arch.service("orders")
    assert (orders.replicas, orders.healthcheck, orders.datastores) == (2, False, ("orders-db",))
    assert arch.datastores["orders-db"].technology == "postgres"
    assert arch.service("payments").subscribes == ("order-placed",)
    assert ("orders", "payments", "async", "order-placed") in arch.channels


def test_only_services_is_required_and_names_default_to_the_file():
    s = system("services: {a: , b: {calls: [a]}}", "dir/tiny.yaml")
    assert s.architecture.name == "tiny"
    assert s.architecture.service("a") == Service("a")
    assert s.gateways == () and s.bounds.merge_below == 3


def test_gateways_are_exposed_and_may_be_several():
    s = system("gateway: [web, mobile]\nservices: {web: , mobile: , api: }")
    assert s.gateways == ("web", "mobile")
    assert [n for n, v in s.architecture.services.items() if v.exposed] == ["web", "mobile"]


def test_functions_build_the_chapter_2_design_with_default_domains():
    s = system("""
services:
  orders:
    domain: ordering
    functions: [place-order, {name: charge, domain: billing, priority: 2}]
    interfaces: [orders-api, {name: events, kind: async}]
    entities: [{name: Order, fields: [id, total]}]
  payments: {functions: [{name: charge, domain: billing, priority: 2}]}
granularity: {merge_below: 1, split_above: 4}
""")
    spec = s.design.service("orders")
    assert sorted((f.name, f.domain) for f in spec.functions) == [
        ("charge", "billing"), ("place-order", "ordering")]
    assert [(i.name, i.kind) for i in spec.interfaces] == [("events", "async"),
                                                          ("orders-api", "rest")]
    assert spec.data_models[0].fields == ("id", "total")
    assert s.architecture.service("orders").interfaces == ("orders-api", "events")
    assert (s.bounds.merge_below, s.bounds.split_above) == (1, 4)


@pytest.mark.parametrize(("text", "message"), [
    ("services: {a: {calls: [b]}}",
     r"arch\.yaml: services\.a\.calls\[0\] \(line 1\): a calls 'b', which is not a service"),
    ("services:\n  orders: {}\n  web: {calls: [order]}",
     r"line 3\): web calls 'order'.*did you mean 'orders'\?"),
    ("services: {a: {callz: []}}", r"services\.a\.callz \(line 1\): is not a key of this "
                                   r"mapping \(did you mean 'calls'\?\)"),
    ("services: {}", r"services \(line 1\): must not be empty"),
    ("name: x", r"the top level \(line 1\): is missing the required key 'services'"),
    ("- a", r"the top level \(line 1\): must be a mapping, not a list"),
    ("services: {a: {replicas: -1}}", r"replicas \(line 1\): must be at least 0, not -1"),
    ("services: {a: {replicas: true}}", r"must be a whole number, not true"),
    ("services: {a: {calls: b}}", r"calls \(line 1\): must be a list, not the string 'b'"),
    ("services: {a: {monitors: [z]}}", r"monitors\[0\] \(line 1\): a monitors 'z', which is "
                                       r"not a service or data store"),
    ("services: {a: {datastores: [d, d]}}", r"datastores \(line 1\): lists 'd' twice"),
    # true is not 1 to uniqueItems: the repeated value is 1, listed twice
    ("services: {a: {calls: [1, true, 1]}}",
     r"calls\[0\] \(line 1\): must be a name or a mapping with 'to', not the number 1"),
    ("services: {a: {calls: [b, {to: b, kind: async}]}, b: {}}",
     r"calls\[1\] \(line 1\): a calls 'b' twice: give each callee one call"),
    ("services: {a: {calls: [{to: b, timeout: 0}]}, b: {}}",
     r"calls\[0\]\.timeout \(line 1\): must be more than 0, not 0"),
    ("services: {a: {calls: [{to: b, kind: rpc}]}, b: {}}",
     r"calls\[0\]\.kind \(line 1\): must be one of sync, async, monitoring, not the string 'rpc'"),
    ("services: {a: {calls: [{to: b, breaker: 1}]}, b: {}}",
     r"calls\[0\]\.breaker \(line 1\): must be true or false, not the number 1"),
    ("services: {a: {calls: [{timeout: 1}]}}",
     r"calls\[0\] \(line 1\): is missing the required key 'to'"),
    ("services: {a: {calls: [{to: b, fallbak: x}]}, b: {}}",
     r"calls\[0\]\.fallbak \(line 1\): is not a key of this mapping \(did you mean 'fallback'\?\)"),
    ("gateway: x\nservices: {a: }", r"gateway \(line 1\): the gateway 'x' is not a service"),
    ("services: {a: {functions: [f]}}",
     r"functions\[0\] \(line 1\): 'f' needs a domain: give it one, or give service 'a'"),
    ("services: {a: {datastores: [x]}}\ndatastores: {y: }",
     r"datastores\[0\] \(line 1\): 'x' is not listed under datastores"),
    ("services: {a: {datastores: [b]}, b: }", r"'b' is a service, not a data store"),
    ("services: {'  ': {}}", r"services \(line 1\): has a blank name, '  '"),
    ("services: {a: }\ndatastores: {q: {kind: queue}}",
     r"datastores\.q\.kind \(line 2\): must be one of database, cache, search, broker"),
    ("services: {a: }\ngranularity: {merge_below: 9, split_above: 2}",
     r"granularity \(line 2\): Bounds: merge_below \(9\) exceeds split_above \(2\)"),
    ("services: {a: {functions: [{name: f, domain: d}]}, b: {functions: [{name: f, domain: e}]}}",
     r"services \(line 1\): design .*Function 'f' is .* in service 'a' but .* in 'b'"),
    ("services: {a: }\n---\nservices: {b: }", r"holds 2 YAML documents; an architecture file"),
])
def test_bad_architecture_files_name_the_file_the_place_and_the_problem(text, message):
    with pytest.raises(TheoryError, match=message):
        system(text)


def test_json_files_load_with_lines():
    text = json.dumps({"services": {"a": {"calls": ["b"]}}}, indent=2)
    with pytest.raises(TheoryError, match=r"x\.json: services\.a\.calls\[0\] \(line 5\)"):
        load_architecture(parse(text, "x.json", as_json=True))


def test_the_schema_is_valid_and_accepts_every_shipped_example():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    for path in sorted(EXAMPLES.glob("*.yaml")):
        if detect(read(path)) == "architecture":
            jsonschema.validate(yaml.safe_load(path.read_text()), SCHEMA)


def test_the_schema_and_the_importers_know_the_models_data_store_kinds():
    kinds = SCHEMA["$defs"]["datastore"]["properties"]["kind"]["enum"]
    assert tuple(kinds) == DATASTORE_KINDS
    assert set(KINDS.values()) == set(DATASTORE_KINDS)


def test_importer_documents_go_through_the_same_checks():
    with pytest.raises(TheoryError, match=r"compose\.yml: services\.a\.calls\[0\]: a calls 'b'"):
        system_from_document({"services": {"a": {"calls": ["b"]}}}, "compose.yml")


def test_brokers_are_never_shared_data_stores():
    s = system("services: {a: {datastores: [mq, db]}, b: {datastores: [mq, db]}}\n"
               "datastores: {mq: {technology: rabbitmq}, db: {technology: redis}}")
    assert s.architecture.datastores["mq"].kind == "broker"
    assert check_system(s).as_dict()["shared_datastores"] == {"db": ["a", "b"]}


# -- Pattern 4.3.1 and Algorithm 3.2.2 ---------------------------------------------------------


def arch(*services: Service) -> Architecture:
    return Architecture(services, name="t")


def test_single_entry_with_and_without_gateways():
    a = arch(Service("gw", calls=("x",), exposed=True), Service("x", exposed=True), Service("y"))
    assert gateway_bypass(a, ["gw"]) == ["x"]
    verdict = check_single_entry(a, ["gw"])
    assert not verdict.holds and str(verdict.witnesses[0]) == (
        "bypasses the gateway: clients reach x directly")
    assert gateway_bypass(a) == ["gw", "x"]  # nothing named: each exposed service is an entry
    lone = arch(Service("web", exposed=True), Service("api"))
    assert check_single_entry(lone).holds
    assert "web, the only exposed service, is the entry" in check_single_entry(lone).summary
    with pytest.raises(TheoryError, match="the gateway 'nope' is not one of its services"):
        check_single_entry(lone, ["nope"])


def test_health_coverage_names_every_unchecked_service():
    a = arch(Service("a", healthcheck=True), Service("b"), Service("c"))
    assert unchecked_services(a) == ["b", "c"]
    verdict = check_health_coverage(a)
    assert verdict.statement.ref == "Algorithm 3.2.2" and len(verdict.witnesses) == 2
    assert verdict.summary == "1 of 3 services are health-checked."


# -- the report ---------------------------------------------------------------------------------


def test_report_on_the_issue_example_has_every_documented_field():
    report = check_system(system(ISSUE_EXAMPLE))
    data = report.as_dict()
    assert data["services"]["orders"] == {
        "calls": [{"to": "payments", "kind": "sync", "timeout": None, "retries": 0,
                   "fallback": "", "breaker": False, "hard": True}],
        "publishes": ["order-placed"], "subscribes": [],
        "datastores": ["orders-db"], "monitors": [], "healthcheck": False, "exposed": False,
        "replicas": 2}
    assert data["cycles"] == [] and data["cycles_including_async"] == []
    assert data["shared_datastores"] == {}
    assert data["blast_radius"] == {"api-gateway": 0, "orders": 1, "payments": 2}
    assert data["single_points_of_failure"] == ["api-gateway", "orders", "payments"]
    assert data["missing_healthchecks"] == ["orders", "payments"]
    assert data["gateway_bypass"] == []
    refs = [v["statement"] for v in data["verdicts"]]
    assert refs == ["Axiom 1.1.1", "Feature 1.2.1", "Feature 1.2.2", "Feature 1.2.3",
                    "Feature 1.2.4", "Algorithm 3.2.2", "Pattern 4.3.1", "Strategy 5.3.1",
                    "Strategy 5.3.1", "Strategy 5.3.2", "Pattern 8.1.1", "Pattern 8.1.2",
                    "Pattern 8.1.3", "Practice 8.2.2"]
    assert not report.holds
    json.dumps(data)  # JSON-ready


def test_the_shop_example_keeps_every_statement_of_chapter_1():
    shop = load(EXAMPLES / "shop.yaml")
    report = check_system(shop)
    chapter_1 = [v for v in report.verdicts if v.statement.ref.split()[1].startswith("1.")]
    assert [v.statement.ref for v in chapter_1] == [
        "Axiom 1.1.1", "Feature 1.2.1", "Feature 1.2.2", "Feature 1.2.3", "Feature 1.2.4"]
    assert all(v.holds for v in chapter_1)
    gateway = shop.architecture.service("api-gateway")
    assert gateway.replicas >= 2 and not any(c.hard for c in gateway.calls)


def test_the_call_mapping_form_loads_into_the_model():
    s = system("""
services:
  web: {calls: [cart, {to: ads, timeout: 0.2, fallback: no-ads}, {to: mail, kind: async},
                {to: stats, kind: monitoring}, {to: pay, timeout: 1, retries: 2}],
        exposed: true}
  cart: {}
  ads: {}
  mail: {}
  stats: {}
  pay: {}
""")
    web = s.architecture.service("web")
    assert [(c.to, c.kind, c.timeout, c.retries, c.fallback, c.hard) for c in web.calls] == [
        ("cart", "sync", None, 0, "", True), ("ads", "sync", 0.2, 0, "no-ads", False),
        ("mail", "async", None, 0, "", False), ("stats", "monitoring", None, 0, "", False),
        ("pay", "sync", 1.0, 2, "", True)]
    assert sorted(s.architecture.hard_graph.edges) == [("web", "cart"), ("web", "pay")]
    assert s.architecture.monitoring == (("web", "stats"),)
    report = check_system(s)
    assert "5 calls (3 soft)" in str(report)
    assert report.as_dict()["services"]["web"]["calls"][1] == {
        "to": "ads", "kind": "sync", "timeout": 0.2, "retries": 0, "fallback": "no-ads",
        "breaker": False, "hard": False}


def test_softening_the_edge_the_witness_names_makes_fault_isolation_hold():
    text = """
gateway: api
services:
  api: {calls: [{to: orders, timeout: 1, fallback: sorry-page}, catalog], replicas: 2}
  orders: {}
  catalog: {}
"""
    (witness,) = next(v for v in check_system(system(text)).verdicts
                      if v.statement.ref == "Feature 1.2.3").witnesses
    assert witness.involves == ("catalog",) and witness.detail.endswith("soften api → catalog")
    softened = text.replace("catalog]", "{to: catalog, timeout: 0.5, fallback: cached}]")
    assert all(v.holds for v in check_system(system(softened)).verdicts
               if v.statement.ref == "Feature 1.2.3")


def test_the_shipped_examples_say_what_their_comments_promise():
    shop = check_system(load(EXAMPLES / "shop.yaml"))
    assert shop.holds  # soft calls, a replicated gateway: every statement holds
    (isolation,) = [v for v in shop.verdicts if v.statement.ref == "Feature 1.2.3"]
    assert "Trade-off (Pattern 4.3.1): api-gateway, the only entry point" in isolation.summary
    assert shop.cycles == []
    (tangle,) = shop.cycles_including_async  # shipping, on its own cycle, is named too
    assert tangle.members == ("orders", "payments", "shipping") and tangle.complete
    assert tangle.cycles == (("orders", "payments", "orders"),
                             ("orders", "payments", "shipping", "orders"))
    tangled = check_system(load(EXAMPLES / "tangled-shop.yaml"))
    data = tangled.as_dict()
    assert data["cycles"] == [{"services": ["orders", "payments"],
                               "cycles": [["orders", "payments", "orders"]], "complete": True}]
    assert data["shared_datastores"] == {"shop-db": ["catalog", "customers", "orders"]}
    assert data["gateway_bypass"] == ["payments"]
    assert data["missing_healthchecks"] == ["customers", "payments"]
    assert [v.statement.ref for v in tangled.verdicts if v.holds] == [
        "Feature 1.2.2", "Feature 1.2.4", "Strategy 5.3.1", "Strategy 5.3.1", "Pattern 8.1.1",
        "Pattern 8.1.2", "Pattern 8.1.3"]
    bff = check_system(load(EXAMPLES / "bff.yaml"))
    assert bff.holds and bff.cycles == []
    assert [t.cycles for t in bff.cycles_including_async] == [
        (("profiles", "recommendations", "profiles"),)]


def test_text_report_caps_long_sections_and_points_to_json():
    services = {f"s{i:03}": {"calls": [f"s{i + 1:03}"]} for i in range(39)} | {"s039": None}
    report = check_system(system_from_document({"services": services}, "chain"))
    text = str(report)
    assert "... and 28 more services (--format json lists them all)" in text
    assert "... and 28 more witnesses" in text
    assert text.endswith("14 statements checked: 9 hold, 5 violated.")
    assert report.blast_radius["s039"] == 39


# -- the command line ---------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = subprocess.run([sys.executable, "-m", "msatheory", "check", *args],
                            capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout, result.stderr


def test_exit_status_0_when_everything_holds_1_when_violated(tmp_path):
    status, out, err = run(str(EXAMPLES / "bff.yaml"))
    assert (status, err) == (0, "") and out.rstrip().endswith("14 hold, 0 violated.")
    status, out, _ = run(str(EXAMPLES / "tangled-shop.yaml"), "--format", "json")
    assert status == 1
    (system,) = json.loads(out)["systems"]
    assert system["cycles"][0]["cycles"] == [["orders", "payments", "orders"]]


def test_several_files_give_their_reports_errors_and_the_worst_status(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("services: {a: {calls: [zz]}}\n")
    status = main(["check", "--format", "json", str(EXAMPLES / "bff.yaml"), str(broken)])
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert status == data["status"] == 2 and [d["holds"] for d in data["systems"]] == [True]
    assert data["errors"][0]["error"] == err.strip().removeprefix("msatheory: ")
    assert err.count("\n") == 1 and "broken.yaml: services.a.calls[0] (line 1)" in err


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: d / "missing.yaml", "missing.yaml: no such file"),
    (lambda d: d, "holds no .yaml, .yml or .json file"),
    (lambda d: _write(d / "empty.yaml", b""), "empty.yaml: is empty"),
    (lambda d: _write(d / "bin.yaml", bytes(range(256))), "is a binary file"),
    (lambda d: _write(d / "latin.yaml", "services: {café: }".encode("latin-1")),
     "latin.yaml: line 1: is not UTF-8 text"),
    (lambda d: _write(d / "bad.yaml", b"services: {a: [}"), "bad.yaml: line 1, column 16: not "
                                                          "valid YAML"),
    (lambda d: _write(d / "bad.json", b'{"services": }'), "bad.json: line 1, column 14: not "
                                                         "valid JSON"),
    (lambda d: _write(d / "deep.yaml", b"services: " + b"[" * 200 + b"]" * 200),
     "nesting is"),
    (lambda d: _write(d / "bomb.yaml", _bomb()), "values once its aliases are expanded"),
])
def test_unusable_input_exits_2_with_one_line_and_no_traceback(tmp_path, make, message):
    status, out, err = run(str(make(tmp_path)))
    assert status == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _bomb() -> bytes:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    return ("\n".join(lines) + "\nservices: {s: }\n").encode()


def test_check_reads_as_the_kind_asked_for(tmp_path):
    status, _, err = run("--as", "kubernetes", str(EXAMPLES / "shop.yaml"))
    assert status == 2 and "msatheory: " in err and err.count("\n") == 1


# --- the table of checks (msatheory.theory.checks) ----------------------------------------

def test_the_report_runs_every_chapter_s_checks_in_order_on_their_own_statements():
    from msatheory import theory

    with_design, without = load(EXAMPLES / "shop.yaml"), load(EXAMPLES / "shop-compose.yaml")
    assert with_design.design is not None and without.design is None
    for system in (with_design, without):
        ran = [c for c in theory.checks() if c.arguments(system) is not None]
        verdicts = check_system(system).verdicts
        assert [v.statement for v in verdicts] == [c.statement for c in ran]
    on_clusters = [c for c in theory.checks()  # what only clusters and deployments have
                   if {"routing", "resilience", "storage", "rollouts", "containers"}
                   & set(c.needs)]
    assert len(check_system(with_design).verdicts) == len(theory.checks()) - len(on_clusters)
    assert len(check_system(with_design).verdicts) == 17
    on_stores = sum("storage" in c.needs for c in theory.checks())  # its data stores' copies
    assert with_design.storage is None and without.storage is not None
    on_containers = sum("containers" in c.needs for c in theory.checks())
    assert len(check_system(without).verdicts) == 14 + on_stores + on_containers  # no ch. 2


def test_a_check_may_read_only_what_a_system_has():
    from msatheory.theory import Kind, get
    from msatheory.theory.check import Check

    with pytest.raises(TheoryError, match=r"Pattern 4\.3\.1: needs \['traces'\], which a "
                                          r"system does not have; a system has architecture"):
        Check(get(Kind.PATTERN, "4.3.1"), check_single_entry, ("architecture", "traces"))


def test_a_check_gives_way_to_a_better_informed_one():
    from msatheory.theory import Kind, get
    from msatheory.theory.check import Check

    class Cluster:
        architecture, design, bounds, gateways, routing = "arch", None, None, (), "tables"

    entry = Check(get(Kind.PATTERN, "4.3.1"), print, ("architecture", "gateways"),
                  unless=("routing",))
    assert entry.arguments(Cluster()) is None
    Cluster.routing = None
    assert entry.arguments(Cluster()) == ("arch", ())
    with pytest.raises(TheoryError, match=r"needs \['ingress'\], which a system does not have"):
        Check(get(Kind.PATTERN, "4.3.1"), print, unless=("ingress",))
