"""``msatheory check`` on the shapes real repositories have: one regression test per mistake
found by trying the checker on public microservice repositories (each failed before its fix)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pytest

from msatheory.basics.features import check_independence, dependency_tangles
from msatheory.check.compose import import_compose, import_compose_files
from msatheory.check.formats import systems
from msatheory.check.report import check_system
from msatheory.check.source import parse, read
from msatheory.check.system import System
from tests.test_importers import compose, edges, kube

ROOT = Path(__file__).resolve().parents[1]


def findings(system: System, what: str) -> list[str]:
    """The details of ``system``'s findings of kind ``what``, sorted."""
    return sorted(f.detail for f in system.findings if f.what == what)


def verdict(system: System, ref: str):
    (found,) = [v for v in check_system(system).verdicts if v.statement.ref == ref]
    return found


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def check(*args: str, stdin: str | None = None, cwd: Path | None = None):
    result = subprocess.run([sys.executable, "-m", "msatheory", "check", *args], input=stdin,
                            capture_output=True, text=True, timeout=120, cwd=cwd,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    return result.returncode, result.stdout, result.stderr


# -- 1. one Kubernetes Service in front of several workloads ---------------------------------

CANARY = """
apiVersion: v1
kind: Service
metadata: {name: orders}
spec: {selector: {app: orders}, ports: [{port: 8080}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders-v1}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: orders, version: v1}}
    spec:
      containers:
        - image: acme/orders:1.4
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          env:
            - {name: SELF_URL, value: "http://orders:8080"}
            - {name: PAYMENTS_URL, value: "http://payments:8080"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders-v2}
spec:
  replicas: 1
  template:
    metadata: {labels: {app: orders, version: v2}}
    spec:
      containers:
        - image: acme/orders:1.5-rc1
          env: [{name: SELF_URL, value: "http://orders:8080"}]
---
apiVersion: v1
kind: Service
metadata: {name: payments}
spec: {type: LoadBalancer, selector: {app: payments}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: payments}
spec:
  template:
    metadata: {labels: {app: payments}}
    spec: {containers: [{image: acme/payments, env: [{name: ORDERS, value: "orders:8080"}]}]}
"""


def test_the_workloads_behind_one_service_are_its_replicas():
    s = kube(CANARY)
    assert sorted(s.architecture.services) == ["orders", "payments"]
    orders = s.architecture.service("orders")
    assert orders.replicas == 4  # 3 stable + 1 canary
    assert not orders.healthcheck  # the canary has no probe
    assert [(d.name, d.image, d.healthcheck, d.replicas) for d in s.deployed["orders"]] == [
        ("orders-v1", "acme/orders:1.4", True, 3), ("orders-v2", "acme/orders:1.5-rc1", False, 1)]
    assert edges(s) == {("orders", "payments", "call"), ("payments", "orders", "call")}
    assert findings(s, "several workloads") == [
        "Service orders selects Deployment orders-v1, Deployment orders-v2: one service, "
        "orders, with 4 replicas (3 + 1)"]
    assert len(findings(s, "self-call")) == 2  # one per workload's SELF_URL
    cycle = [w.detail for w in verdict(s, "Axiom 1.1.1").witnesses]
    assert cycle == ["orders → payments → orders"]  # a real cycle, not orders-v1 → orders-v2
    spofs = {w.involves for w in verdict(s, "Feature 1.2.3").witnesses}
    assert spofs <= {("orders",), ("payments",)}  # never orders-v1 or orders-v2 alone


def test_a_service_over_several_applications_spans_them_instead_of_merging_them():
    s = kube("""
kind: Service
metadata: {name: backend}
spec: {selector: {tier: backend}}
---
kind: Service
metadata: {name: cart}
spec: {selector: {app: cart}}
---
kind: Deployment
metadata: {name: cart}
spec: {template: {metadata: {labels: {app: cart, tier: backend}}, spec: {containers: [{}]}}}
---
kind: Deployment
metadata: {name: orders}
spec: {template: {metadata: {labels: {app: orders, tier: backend}}, spec: {containers: [{}]}}}
---
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{env: [{name: API_URL, value: "http://backend"}]}]}
""")
    assert sorted(s.architecture.services) == ["cart", "orders", "web"]
    assert edges(s) == {("web", "cart", "call"), ("web", "orders", "call")}
    (spans,) = findings(s, "spans services")
    assert spans.startswith("Service backend selects workloads of 2 applications (app=cart, "
                            "app=orders)")


# -- 2. host names without case --------------------------------------------------------------


def test_compose_compares_host_names_without_case_as_dns_does():
    s = compose("""
services:
  web: {image: acme/web, environment: {CART_URL: "http://CART:8080", DB_HOST: Orders-DB}}
  cart: {image: acme/cart}
  orders-db: {image: postgres}
""")
    assert edges(s) == {("web", "cart", "call"), ("web", "orders-db", "datastore")}
    assert findings(s, "dangling address") == []


# -- 3. data stores by repository, never by a word of a service's own image --------------------


def test_services_whose_images_mention_a_store_stay_services():
    s = compose("""
services:
  consumer: {image: acme/kafka-consumer, ports: ["8081:8080"],
             environment: {GATEWAY_URL: "http://db-gateway"}}
  db-gateway: {image: "acme/db-gateway:2", environment: {MONGO: "http://mongo-gateway:80"}}
  mongo-gateway: {image: acme/mongo-gateway, environment: {DB: "mongodb://mongo:27017/x"}}
  mongo: {image: "mongo:7"}
""")
    assert sorted(s.architecture.services) == ["consumer", "db-gateway", "mongo-gateway"]
    assert s.architecture.service("consumer").exposed
    assert edges(s) == {("consumer", "db-gateway", "call"),
                        ("db-gateway", "mongo-gateway", "call"),
                        ("mongo-gateway", "mongo", "datastore")}
    assert findings(s, "data store") == [
        "mongo is a data store (mongo, database), not a service: its image mongo:7 is a mongo "
        "image"]


def test_a_store_built_from_its_own_image_is_known_by_how_others_address_it():
    s = compose("""
services:
  user: {image: acme/user, environment: {MONGO_HOST: "user-db:27017"}}
  user-db: {image: acme/user-db}
  catalogue: {image: acme/catalogue, environment: {DSN: "postgresql://cat@catalogue-db/cat"}}
  catalogue-db: {build: ./db}
""")
    assert {n: d.technology for n, d in s.architecture.datastores.items()} == {
        "catalogue-db": "postgres", "user-db": "mongo"}
    assert findings(s, "data store") == [
        "catalogue-db is a data store (postgres, database), not a service: catalogue's "
        "environment variable DSN addresses it as a postgresql URL "
        "(postgresql://cat@catalogue-db/cat)",
        "user-db is a data store (mongo, database), not a service: user's environment variable "
        "MONGO_HOST addresses it on port 27017, the mongo port (user-db:27017)"]


# -- 4. self-calls: one rule in every format ------------------------------------------------


def test_a_self_call_is_a_finding_in_every_format(tmp_path):
    path = write(tmp_path, {"arch.yaml": "services: {orders: {calls: [orders, pay]}, pay: }\n"})
    status, out, err = check(str(path / "arch.yaml"), "--format", "json")
    assert status == 1 and err == ""
    (report,) = json.loads(out)["systems"]
    assert report["services"]["orders"]["calls"][0]["to"] == "pay"
    assert [f["what"] for f in report["findings"]] == ["self-call"]
    s = compose("services:\n  orders: {image: a/o, environment: {SELF: 'http://orders'}}\n")
    assert edges(s) == set() and len(findings(s, "self-call")) == 1
    s = kube(CANARY)
    assert len(findings(s, "self-call")) == 2


# -- 5. every service on a cycle is named ----------------------------------------------------


def test_two_cycles_sharing_a_service_name_all_three_services(tmp_path):
    text = "services: {a: {calls: [b]}, b: {calls: [a, c]}, c: {calls: [b]}}\n"
    s = systems([write(tmp_path, {"cycles.yaml": text}) / "cycles.yaml"])[0][1]
    report = check_system(s)
    assert report.as_dict()["cycles"] == [{
        "services": ["a", "b", "c"], "cycles": [["a", "b", "a"], ["b", "c", "b"]],
        "complete": True}]
    (witness,) = verdict(s, "Axiom 1.1.1").witnesses
    assert witness.involves == ("a", "b", "c")
    assert witness.detail == "a → b → a; b → c → b"


def test_the_list_of_cycles_is_cut_at_its_bound_and_says_so():
    from msatheory.basics.model import Architecture, Service
    names = [f"s{i}" for i in range(6)]  # a complete graph: 409 elementary cycles
    arch = Architecture([Service(n, calls=tuple(m for m in names if m != n)) for n in names])
    (tangle,) = dependency_tangles(arch, limit=20)
    assert tangle.members == tuple(names) and not tangle.complete
    assert tangle.cycles == tuple((a, b, a) for a, b in combinations(names, 2))  # shortest
    (full,) = dependency_tangles(arch, limit=1000)
    assert full.complete and len(full.cycles) == 409
    names = [f"s{i}" for i in range(20)]  # a ring with chords: far more than 100 cycles
    ring = Architecture([Service(n, calls=(names[(i + 1) % 20], names[(i + 7) % 20]))
                         for i, n in enumerate(names)])
    (witness,) = check_independence(ring).witnesses
    assert witness.involves == tuple(sorted(names))
    assert "; more than 100 cycles in all" in witness.detail


# -- 6. numbers too long to read -------------------------------------------------------------


def test_a_5000_digit_replica_count_in_json_is_an_unusable_file(tmp_path):
    path = tmp_path / "big.json"
    path.write_text('{"services": {"a": {"replicas": ' + "9" * 5000 + "}}}")
    status, out, err = check(str(path))
    assert status == 2 and out == "" and "Traceback" not in err
    assert err == (f"msatheory: {path}: line 1: a number of 5000 digits is longer than the "
                   "4300 read\n")


# -- 7. address forms ------------------------------------------------------------------------


def test_oracle_ado_net_npgsql_and_ipv6_addresses_are_read():
    s = compose("""
services:
  app:
    image: acme/app
    environment:
      ORA: "jdbc:oracle:thin:@//ora1:1521/XE"
      ORA_OLD: "jdbc:oracle:thin:scott/tiger@ora2:1521:XE"
      SQL: "Server=sqldata;Database=Orders;User Id=sa;Password=Pass@word"
      PG: "Host=pg;Username=app;Password=x;Database=app"
      SEARCH: "http://[fd00::13]:9200"
      GRPC: "[fd00::12]:8443"
  ora1: {image: gvenzl/oracle-free}
  ora2: {image: acme/ora}
  sqldata: {image: acme/sql}
  pg: {image: acme/pg}
  search: {image: acme/search, networks: {back: {ipv6_address: "fd00:0::13"}}}
""")
    assert edges(s) == {("app", "ora1", "datastore"), ("app", "ora2", "datastore"),
                        ("app", "sqldata", "datastore"), ("app", "pg", "datastore"),
                        ("app", "search", "call")}  # a web URL's port says nothing
    stores = {n: d.technology for n, d in s.architecture.datastores.items()}
    assert stores == {"ora1": "oracle", "ora2": "oracle", "pg": "postgres",
                      "sqldata": "unknown"}
    assert findings(s, "dangling address") == [  # one treatment for both IPv6 forms
        "app's environment variable GRPC names fd00::12, which nothing in this file deploys"]


# -- 8. addresses outside the service block --------------------------------------------------

ENV_PROJECT = {
    ".env": "CART_HOST=cart\nCART_ADDR=http://cart:8080\nDB_PASSWORD=s3cret\n",
    "web.env": "PAY_URL=http://${PAY_HOST:-payments}:80\n",
    "docker-compose.yml": """
services:
  web:
    image: acme/web
    env_file: [web.env]
    environment:
      - CATALOG_URL=http://${CATALOG_HOST:-catalog}:80
      - CART_URL=http://${CART_HOST}:8080
      - CART_ADDR
      - ORDERS_URL=${ORDERS_URL:?set the orders address}
  worker:
    image: acme/worker
    environment:
      CART_ADDR:
  cart: {image: acme/cart}
  catalog: {image: acme/catalog}
  payments: {image: acme/payments}
""",
}


def test_compose_resolves_dotenv_interpolation_env_files_and_pass_through(tmp_path):
    write(tmp_path, ENV_PROJECT)
    s = import_compose(read(tmp_path / "docker-compose.yml"))
    assert edges(s) == {("web", t, "call") for t in ("cart", "catalog", "payments")} | {
        ("worker", "cart", "call")}
    evidence = {i.evidence for i in s.inferred}
    assert "environment variable CART_URL = http://cart:8080 (with CART_HOST from .env line 1)" \
        in evidence
    assert "environment variable CART_ADDR = http://cart:8080 (from .env line 2)" in evidence
    assert "environment variable PAY_URL = http://payments:80 (from web.env line 1)" in evidence
    assert findings(s, "unset variable") == [
        "${ORDERS_URL} is required (set the orders address) and set nowhere this check reads: "
        "Compose would refuse the file"]


@pytest.mark.parametrize("entry", ["/etc/shadow", "../../secrets", "../outside.env"])
def test_an_env_file_outside_the_project_is_refused_and_never_read(tmp_path, entry):
    project = tmp_path / "a" / "b" / "project"
    write(project, {"docker-compose.yml": f"services:\n  web: {{image: x, env_file: {entry}}}\n"})
    (tmp_path / "a" / "b" / "outside.env").write_text("URL=http://leak\n")
    s = import_compose(read(project / "docker-compose.yml"))
    (refused,) = findings(s, "refused")
    assert refused == (f"the env_file {entry} leads outside the folder project: a check reads "
                       "nothing beyond it")
    assert "leak" not in json.dumps(check_system(s).as_dict())


def test_a_dotenv_that_links_outside_the_project_is_refused(tmp_path):
    write(tmp_path, {"secret.env": "HOST=leak\n",
                     "p/docker-compose.yml": "services: {web: {image: 'x/${HOST}'}}\n"})
    (tmp_path / "p" / ".env").symlink_to(tmp_path / "secret.env")
    s = import_compose(read(tmp_path / "p" / "docker-compose.yml"))
    assert findings(s, "refused") == [
        "the .env file leads outside the folder p: a check reads nothing beyond it"]


def test_kubernetes_reads_config_maps_and_secrets_of_the_same_files():
    s = kube("""
kind: ConfigMap
metadata: {name: web-config}
data: {CART_URL: "http://cart:8080", LOG_LEVEL: debug}
---
kind: Secret
metadata: {name: db}
data: {DATABASE_URL: cG9zdGdyZXNxbDovL2FwcDpzZWNyZXRAZGI6NTQzMi9hcHA=}
---
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - envFrom: [{configMapRef: {name: web-config}, prefix: APP_}]
          env:
            - name: DB
              valueFrom: {secretKeyRef: {name: db, key: DATABASE_URL}}
            - {name: PAYMENTS_HOST, value: payments}
            - {name: PAYMENTS_URL, value: "http://$(PAYMENTS_HOST):80"}
---
kind: Service
metadata: {name: cart}
spec: {selector: {app: cart}}
---
kind: Deployment
metadata: {name: cart}
spec: {template: {metadata: {labels: {app: cart}}, spec: {containers: [{}]}}}
---
kind: Service
metadata: {name: db}
spec: {selector: {app: db}}
---
kind: StatefulSet
metadata: {name: db}
spec: {template: {metadata: {labels: {app: db}}, spec: {containers: [{image: postgres}]}}}
---
kind: Service
metadata: {name: payments}
spec: {selector: {app: payments}}
---
kind: Deployment
metadata: {name: payments}
spec: {template: {metadata: {labels: {app: payments}}, spec: {containers: [{}]}}}
""")
    assert edges(s) == {("web", "cart", "call"), ("web", "db", "datastore"),
                        ("web", "payments", "call")}
    evidence = sorted(i.evidence for i in s.inferred)
    assert evidence[0].startswith("environment variable APP_CART_URL = http://cart:8080 (from "
                                  "ConfigMap web-config, document 1, data.CART_URL (line 4))")
    assert evidence[1].startswith("environment variable DB = postgresql://app:***@db:5432/app")


# -- 9. several files, one system ------------------------------------------------------------

RESOURCES = {
    "orders-deployment.yaml": CANARY.split("---")[1],
    "orders-service.yaml": CANARY.split("---")[0],
    "payments.yaml": "---".join(CANARY.split("---")[3:]),
}


def test_a_folder_or_a_list_of_manifests_is_one_system(tmp_path):
    folder = write(tmp_path / "k8s", RESOURCES)
    for args in ([str(folder)], sorted(str(p) for p in folder.iterdir())):
        status, out, err = check(*args, "--format", "json")
        (report,) = json.loads(out)["systems"]
        assert (status, err) == (1, "")
        assert report["file"] in (str(folder), " + ".join(args))
        assert sorted(report["services"]) == ["orders", "payments"]
        assert report["services"]["orders"]["calls"][0]["to"] == "payments"
    status, out, _ = check("--each", str(folder), "--format", "json")  # as before: alone
    data = json.loads(out)
    assert status == 2 and len(data["systems"]) == 2
    assert [e["error"] for e in data["errors"]] == [
        f"{folder / 'orders-service.yaml'}: deploys no workload (Deployment, StatefulSet, "
        "DaemonSet, ReplicaSet or Pod): there is no architecture to check"]


def test_standard_input_is_read(tmp_path):
    status, out, err = check("-", "--format", "json", stdin=CANARY)
    assert (status, err) == (1, "") and json.loads(out)["systems"][0]["file"] == "<stdin>"


def test_compose_files_given_together_merge_as_compose_merges_them(tmp_path):
    write(tmp_path, {
        "docker-compose.yml": """
services:
  web: {image: acme/web, ports: ["80:80"], command: ["serve", "--upstream", "http://old:80"]}
  api: {image: acme/api}
  old: {image: acme/old}
""",
        "docker-compose.override.yml": """
services:
  web:
    environment: [API_URL=http://api:8080]
    ports: ["80:80", "443:443"]
    command: ["serve"]
  api:
    environment: {CACHE: "redis://cache:6379"}
  cache: {image: "redis:7"}
  old: {ports: !reset []}
""",
    })
    files = [str(tmp_path / "docker-compose.yml"), str(tmp_path / "docker-compose.override.yml")]
    ((name, s),) = systems(files)
    assert name == " + ".join(files)
    assert edges(s) == {("web", "api", "call"), ("api", "cache", "datastore")}  # command replaced
    assert s.architecture.service("web").exposed and not s.architecture.service("old").exposed
    (api,) = [i for i in s.inferred if i.source == "web"]
    assert api.place == f"{files[1]}: services.web.environment[0] (line 4)"
    base, override = (found for _, found in systems(files, each=True))
    assert edges(base) == {("web", "old", "call")}
    assert edges(override) == {("web", "api", "call"), ("api", "cache", "datastore")}


def test_merged_files_with_the_override_tag_replace_instead_of_appending(tmp_path):
    base = parse("services: {web: {image: a, ports: ['80:80']}, db: {image: postgres}}\n",
                 "base.yml")
    override = parse("services: {web: {ports: !override ['8443:443']}}\n", "over.yml")
    s = import_compose_files([base, override])
    assert s.architecture.service("web").exposed
    reset = parse("services: {web: {ports: !reset []}}\n", "reset.yml")
    assert not import_compose_files([base, reset]).architecture.service("web").exposed


# -- 10. monitoring is not a dependency ------------------------------------------------------


def test_health_check_and_telemetry_addresses_are_monitoring_links():
    s = compose("""
services:
  status:
    image: acme/status
    ports: ["80:80"]
    environment:
      ORDERS_HC: http://orders:8080/hc
      HealthChecksUI__HealthChecks__0__Uri: http://cart/hc
      CART_URL: http://cart/actuator/health
  orders: {image: acme/orders, environment: {ZIPKIN: "http://zipkin:9411/api/v2/spans",
                                              CART: "http://cart"}}
  cart: {image: acme/cart}
  zipkin: {image: openzipkin/zipkin}
  prometheus: {image: prom/prometheus, command: ["--target", "orders"]}
""")
    assert edges(s) == {("status", "orders", "monitoring"), ("status", "cart", "monitoring"),
                        ("orders", "zipkin", "monitoring"), ("orders", "cart", "call"),
                        ("prometheus", "orders", "monitoring")}
    arch = s.architecture
    assert arch.call_graph.number_of_edges() == 1
    assert arch.service("status").monitors == ("cart", "orders")
    assert verdict(s, "Feature 1.2.3").summary.startswith("Largest blast radius: cart (1 of")
    report = check_system(s).as_dict()
    assert ["status", "orders"] in report["monitoring"]


# -- 11. schema errors: each at its own line, all in one run ---------------------------------


def test_every_schema_error_is_reported_at_its_own_line_in_one_run(tmp_path):
    text = ("name: shop\nservices:\n  web:\n    calls: [orders]\n  orders:\n"
            "    replicas: two\n    datastores: [db]\n" + "\n" * 6
            + "    helthcheck:\n      interval: 10\n    exposd: true\n")
    path = write(tmp_path, {"shop.yaml": text}) / "shop.yaml"
    status, out, err = check(str(path))
    assert status == 2 and out == ""
    assert err.splitlines() == [
        f"msatheory: {path}: services.orders.replicas (line 6): must be a whole number, not "
        "the string 'two'",
        f"msatheory: {path}: services.orders.helthcheck (line 14): is not a key of this mapping "
        "(did you mean 'healthcheck'?)",
        f"msatheory: {path}: services.orders.exposd (line 16): is not a key of this mapping "
        "(did you mean 'exposed'?)"]


# -- 12. secrets are never printed -----------------------------------------------------------


def test_credentials_are_masked_in_every_output(tmp_path):
    text = ("services:\n  app:\n    image: acme/app\n    environment:\n"
            "      DATABASE_URL: postgresql://app:secret@db:5432/app\n"
            "      SQL: Server=sqldata;User Id=sa;Password=hunter2\n"
            "      DB_PASSWORD: http://db\n"
            "  db: {image: postgres}\n  sqldata: {image: acme/sql}\n")
    path = write(tmp_path, {"c.yaml": text}) / "c.yaml"
    for form in ("text", "json"):
        _, out, _ = check(str(path), "--format", form)
        assert "secret" not in out and "hunter2" not in out
    assert "DATABASE_URL = postgresql://app:***@db:5432/app" in out
    assert "Password=***" in out


# -- learners: one line, not a traceback -----------------------------------------------------


def test_the_ipython_extension_shows_a_theory_error_as_one_line():
    from IPython.testing.globalipapp import start_ipython
    shell = start_ipython()
    shell.run_line_magic("load_ext", "msatheory")
    from IPython.utils.capture import capture_output
    with capture_output() as captured:
        shell.run_cell("from msatheory.check import check_text\ncheck_text('services: {a: 1}')")
    shown = re.sub(r"\x1b\[[0-9;]*m", "", captured.stdout + captured.stderr)
    assert shown.strip() == ("TheoryError: architecture.yaml: services.a (line 1): must be a "
                             "mapping or empty, not the number 1")
    shell.run_line_magic("unload_ext", "msatheory")


def test_an_override_is_a_compose_file_by_its_name_whatever_it_holds():
    from msatheory.check.formats import detect
    override = parse("services: {web: {labels: {team: shop}}}\n", "docker-compose.override.yml")
    assert detect(override) == "compose"
    assert detect(parse("services: {web: {labels: {}}}\n", "architecture.yaml")) == "architecture"


# -- found by reading the change again -------------------------------------------------------


def test_a_folder_merges_the_files_compose_reads_there_and_names_the_others(tmp_path):
    write(tmp_path / "shop", {
        "docker-compose.yml": "services:\n  web: {image: a, environment: {CART: 'http://cart'}}"
                              "\n  cart: {image: b}\n  cart-v2: {image: c}\n",
        "docker-compose.override.yml": "services:\n  web: {environment: {CART: 'http://cart-v2'}}\n",
        "docker-compose.prod.yml": "services:\n  web: {environment: {CART: 'http://cart'}}\n"})
    ((name, s),) = systems([tmp_path / "shop"])
    assert name == str(tmp_path / "shop") and edges(s) == {("web", "cart-v2", "call")}
    (left,) = findings(s, "not read")
    assert left.startswith(f"docker compose run in {tmp_path / 'shop'} reads docker-compose.yml "
                           "and docker-compose.override.yml only")


@pytest.mark.parametrize(("value", "secret"), [
    ("redis://default:pa:ss@cache:6379", "pa:ss"), ("amqp://guest:gu/est@rabbitmq", "gu/est"),
    ("Server=db;Password='hunter 2'", "hunter 2"), ('Server=db;Password="x y"', "x y"),
    ("https://ghp_0123456789abcdefghij@github.com", "ghp_0123456789abcdefghij"),
    ("app:p@ss@db:5432", "p@ss"), ("run --db-password=hunter2 db:5432", "hunter2"),
    ("redis-server --requirepass hunter2 --port 6379", "hunter2"),
    ("jdbc:sqlserver://db:1433;user=sa;password=Pass@word", "Pass@word"),
])
def test_no_form_of_password_reaches_the_report(value, secret):
    s = compose(f"services:\n  app: {{image: a, command: {json.dumps(value)}}}\n"
                "  db: {image: postgres}\n  cache: {image: redis}\n  rabbitmq: {image: rabbitmq}\n"
                "  github.com: {image: x}\n")
    report = json.dumps(check_system(s).as_dict()) + str(check_system(s))
    assert secret not in report


def test_errors_never_quote_a_secret(tmp_path):
    with pytest.raises(Exception) as error:
        compose("services:\n  web: {image: a, environment: DB_PASSWORD=hunter2}\n")
    assert "hunter2" not in str(error.value)
    write(tmp_path, {".env": "KEY=-----BEGIN\nMIIEowIBAAKCAQEAu1SU1L+fVL\n",
                     "docker-compose.yml": "services: {web: {image: 'a/${KEY}'}}\n"})
    s = import_compose(read(tmp_path / "docker-compose.yml"))
    (unread,) = findings(s, "not read")
    assert "MIIEow" not in unread and "line 2: is not NAME=value" in unread


def test_a_sql_server_jdbc_url_reaches_its_host_and_hides_its_password():
    s = compose("services:\n  app: {image: a, environment: {DB: "
                "'jdbc:sqlserver://sqldata:1433;databaseName=orders;user=sa;password=Pass@word'}}\n"
                "  sqldata: {image: acme/sql}\n")
    (edge,) = s.inferred
    assert (edge.target, edge.kind) == ("sqldata", "datastore")
    assert findings(s, "dangling address") == [] and "Pass@word" not in edge.evidence


def test_a_web_service_on_a_store_port_stays_a_service():
    s = compose("services:\n  web: {image: a, environment: {SEARCH: 'http://search-api:9200'}}\n"
                "  search-api: {image: b, environment: {ES_URL: 'http://es:9200'}}\n"
                "  es: {image: 'elasticsearch:8.14.0'}\n")
    assert edges(s) == {("web", "search-api", "call"), ("search-api", "es", "datastore")}


def test_env_files_resolve_as_compose_go_resolves_them(tmp_path):
    write(tmp_path, {
        ".env": "UP=a\n",
        "common.env": "DB_HOST=db\nUP=b\n",
        "orders.env": "DB_URL=postgres://app@${DB_HOST}:5432/${DB_NAME}\nUP_URL=http://${UP}:8080\n",
        "docker-compose.yml": """
services:
  orders:
    image: x
    env_file: [common.env, orders.env, {path: optional.env, required: false}]
    environment: {DB_NAME: orders}
  db: {image: postgres}
  a: {image: y}
""",
    })
    s = import_compose(read(tmp_path / "docker-compose.yml"))
    evidence = sorted(i.evidence for i in s.inferred)
    assert evidence == [
        "environment variable DB_HOST = db (from common.env line 1)",
        "environment variable DB_URL = postgres://app@db:5432/orders (from orders.env line 1)",
        "environment variable UP_URL = http://a:8080 (from orders.env line 2)"]  # .env first
    assert findings(s, "not read") == []  # optional.env is missing, and may be


def test_an_empty_value_in_an_override_changes_nothing():
    base = parse("services:\n  web: {image: a, environment: {CART: 'http://cart'}}\n"
                 "  cart: {image: b}\n", "base.yml")
    for text in ("services:\n  cart:\n", "services:\n  web:\n    environment:\n"):
        merged = import_compose_files([base, parse(text, "over.yml")])
        assert edges(merged) == {("web", "cart", "call")}


def test_the_documents_of_one_compose_file_merge_in_turn():
    s = compose("services: {web: {image: a}, cart: {image: b}}\n---\n"
                "services: {web: {environment: {CART: 'http://cart'}}}\n")
    assert edges(s) == {("web", "cart", "call")}


@pytest.mark.parametrize("text", [
    "services:\n  a: {replicas: 0x" + "f" * 4000 + "}\n",
    "services:\n  web: {image: x, environment: {A: 0b" + "1" * 20000 + "}}\n",
])
def test_numbers_too_long_in_any_base_are_refused(tmp_path, text):
    status, out, err = check(str(write(tmp_path, {"n.yaml": text}) / "n.yaml"))
    assert out == ""
    assert status == 2 and "is longer than the 4300 read" in err and "Traceback" not in err


def test_a_file_name_too_long_is_a_one_line_error():
    status, _, err = check("x" * 5000 + ".yaml")
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_text_reads_no_env_file_from_the_current_folder(tmp_path, monkeypatch):
    write(tmp_path, {".env": "CART=cart-from-the-folder\n"})
    monkeypatch.chdir(tmp_path)
    s = compose("services: {web: {image: 'a', environment: {U: 'http://${CART:-cart}'}},"
                " cart: {image: b}}\n", "docker-compose.yml")
    assert edges(s) == {("web", "cart", "call")}


def test_unset_variables_of_merged_files_name_their_file():
    base = parse("services: {web: {image: a}}\n", "base.yml")
    over = parse("services: {web: {environment: {U: 'http://${HOST}'}}}\n", "over.yml")
    (unset,) = [f for f in import_compose_files([base, over]).findings
                if f.what == "unset variable"]
    assert unset.place == "over.yml: services.web.environment.U (line 1)"
