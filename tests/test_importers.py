"""Importers: data stores by image, addresses in configuration, compose files, manifests."""

from __future__ import annotations

import copy
import datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from msatheory.check.addresses import Address, addresses, names_address
from msatheory.check.compose import import_compose
from msatheory.check.kubernetes import import_kubernetes
from msatheory.check.source import Source, parse, read
from msatheory.check.system import System
from msatheory.check.technologies import identify, recognise
from msatheory.errors import TheoryError

EXAMPLES = Path(__file__).resolve().parents[1] / "msatheory" / "check" / "examples"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "examples"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(),
                                  reason=f"the third-party examples are not at {SHARED}")


def compose(text: str, name: str = "c.yaml") -> System:
    return import_compose(parse(text, name))


def kube(text: str, name: str = "k.yaml") -> System:
    return import_kubernetes(parse(text, name))


def edges(system: System) -> set[tuple[str, str, str]]:
    return {(i.source, i.target, i.kind) for i in system.inferred}


def findings(system: System, what: str) -> list[str]:
    return [f.detail for f in system.findings if f.what == what]


# -- technologies -----------------------------------------------------------------------------


@pytest.mark.parametrize(("image", "expected"), [
    ("postgres", ("postgres", "database")),
    ("postgres:16-alpine", ("postgres", "database")),
    ("docker.io/library/postgres:16@sha256:0123abcd", ("postgres", "database")),
    ("registry.example.com:5000/team/mysql:8", ("mysql", "database")),
    ("localhost:5000/mariadb", ("mariadb", "database")),
    ("bitnami/postgresql:15", ("postgres", "database")),
    ("postgis/postgis:16-3.4", ("postgres", "database")),
    ("registry.acme.example/mirror/mongo:7", ("mongo", "database")),
    ("${REGISTRY:-localhost:5000}/redis:${TAG:-7}", ("redis", "cache")),
    ("mongo:3.4", ("mongo", "database")),
    ("valkey/valkey:8", ("valkey", "cache")),
    ("memcached:1.6", ("memcached", "cache")),
    ("scylladb/scylla", ("scylla", "database")),
    ("confluentinc/cp-kafka:7.5.0", ("kafka", "broker")),
    ("redpandadata/redpanda", ("redpanda", "broker")),
    ("rabbitmq:3.8-management-alpine", ("rabbitmq", "broker")),
    ("nats:2", ("nats", "broker")),
    ("docker.elastic.co/elasticsearch/elasticsearch:8.11.0", ("elasticsearch", "search")),
    ("opensearchproject/opensearch", ("opensearch", "search")),
    ("cockroachdb/cockroach:v23.1.0", ("cockroachdb", "database")),
    ("mcr.microsoft.com/mssql/server:2022-latest", ("sqlserver", "database")),
    ("minio/minio", ("minio", "database")),
    ("quay.io/bitnami/redis:7", ("redis", "cache")),
])
def test_recognise_finds_data_stores_by_image(image, expected):
    assert recognise(image) == expected


@pytest.mark.parametrize("image", [
    "weaveworksdemos/front-end:0.3.12", "${REPO}/rs-web:${TAG}", "oliver006/redis_exporter",
    "mongo-express", "kbudde/rabbitmq-exporter", "example/db-migrate", "provectuslabs/kafka-ui",
    "nginx:1.25", "", "${IMAGE}", 42, None, ["postgres"],
    "postgres-team/orders",  # the store's name in the namespace, not in the image's own name
    # a word inside a service's own image never makes it a store
    "acme/kafka-consumer", "acme/db-gateway", "acme/mongo-gateway", "${REPO}/rs-mongodb:${TAG}",
    "weaveworksdemos/catalogue-db:0.3.0", "acme/redis-cache-warmer",
])
def test_recognise_leaves_services_and_tools_alone(image):
    assert recognise(image) is None


def test_a_store_is_known_by_its_image_its_server_variables_or_its_name_and_says_why():
    store, why = identify("weaveworksdemos/catalogue-db", ["MYSQL_ROOT_PASSWORD"])
    assert store == ("mysql", "database")
    assert why == "it sets MYSQL_ROOT_PASSWORD, which only the mysql server image reads"
    assert identify("x/db", ["POSTGRES_PASSWORD"]) is None  # a client's variable too
    assert identify("x/db", ["JAVA_OPTS", 3, None]) is None
    assert identify("redis:7", ["MYSQL_ROOT_PASSWORD"]) == (
        ("redis", "cache"), "its image redis:7 is a redis image")
    assert identify("${REPO}/rs-mongodb:${TAG}", [], "mongodb") == (
        ("mongo", "database"), "it is named mongodb, as the mongo server is")
    assert identify("weaveworksdemos/user-db", [], "user-db") is None
    assert identify("nginx", ["MYSQL_HOST"], "web") is None


# -- addresses --------------------------------------------------------------------------------


def hosts(value: str, **options) -> list[tuple[str, int | None]]:
    return [(a.host, a.port) for a in addresses(value, **options)]


@pytest.mark.parametrize(("value", "expected"), [
    ("http://cart:8080/x", [("cart", 8080)]),
    ("https://api.payments.example/v2?k=1", [("api.payments.example", None)]),
    ("jdbc:mysql://db:3306/cities", [("db", 3306)]),
    ("mongodb://u:p@a:1,b:2/db?replicaSet=rs0", [("a", 1), ("b", 2)]),
    ("amqp://guest@rabbitmq", [("rabbitmq", None)]),
    ("postgres://orders:secret@orders-db/orders?sslmode=disable", [("orders-db", None)]),
    ("redis://[fe80::1]:6379/0", [("fe80::1", 6379)]),
    ("user-db:27017", [("user-db", 27017)]),
    ("kafka-1:9092,kafka-2:9092", [("kafka-1", 9092), ("kafka-2", 9092)]),
    ("guest:guest@rabbitmq:5672", [("rabbitmq", 5672)]),
    ("cart:8080/api", [("cart", 8080)]),
    ("10.0.0.5:80", [("10.0.0.5", 80)]),
    ("-Dspring.data.mongodb.uri=mongodb://orders-db:27017/data -Xmx128m",
     [("orders-db", 27017)]),
    ("--cache cache:6379 --ttl 300", [("cache", 6379)]),
])
def test_addresses_in_urls_and_host_port_pairs(value, expected):
    assert hosts(value) == expected


@pytest.mark.parametrize("value", [
    "http://localhost:8080/health", "127.0.0.1:80", "0.0.0.0:8080", "http://[::1]:80",
    "http://${HOST}:8080", "$HOST:80", "${VAR:-cart:8080}", "file:///var/run/docker.sock",
    "sqlite:///tmp/db", "10:30", "redis:6.2-alpine", "cart:99999", "user:1234@",
    "-Xms64m -Xmx128m -XX:+UseG1GC -Djava.security.egd=file:/dev/urandom", "prod", "",
])
def test_no_address_in_loopback_interpolated_or_ordinary_values(value):
    assert addresses(value) == []


def test_bare_hosts_count_in_address_named_variables_and_known_command_words():
    assert hosts("user-db", bare=True) == [("user-db", None)]
    assert hosts("kafka-1,kafka-2", bare=True) == [("kafka-1", None), ("kafka-2", None)]
    assert hosts("true", bare=True) == hosts("localhost", bare=True) == []
    assert hosts("user-db") == []
    assert addresses("-d 60 -r 200 -c 2 -h edge-router", known={"edge-router"}) == [
        Address("edge-router", None, "edge-router")]
    assert hosts("-d 60 -h edge-router") == []
    assert hosts("--host=orders", known={"orders"}) == [("orders", None)]


@pytest.mark.parametrize(("variable", "expected"), [
    ("MONGO_HOST", True), ("DB_HOSTNAME", True), ("KAFKA_BOOTSTRAP_SERVERS", True),
    ("spring.kafka.bootstrap-servers", True), ("CART_URL", True), ("REDIS_ADDR", True),
    ("DATABASE_URI", True), ("SENTRY_DSN", True), ("ZIPKIN_ENDPOINT", True), ("HOST", True),
    ("CATALOGUE_SERVICE", True), ("SESSION_REDIS", False), ("APP_ENV", False),
    ("MONGO_HOST_PORT", False), ("", False), (None, False),
])
def test_address_named_variables(variable, expected):
    assert names_address(variable) is expected


HOSTISH = st.text(alphabet="abcdefgh-.:/@,=$ {}[]0123456789xyz\n\t", max_size=60)
@given(st.one_of(st.text(max_size=200), HOSTISH), st.booleans())
def test_addresses_never_raise_and_name_only_hosts_in_the_text(value, bare):
    for address in addresses(value, known={"a", "b-c"}, bare=bare):
        assert address.host and address.host in value
        assert address.text in value
        assert "$" not in address.host
        assert address.port is None or 0 < address.port < 65536


# -- compose: services, data stores, host names -----------------------------------------------


def test_compose_services_and_data_stores_by_image():
    s = compose("""
services:
  web:
    image: example/web
    environment: {DB_URL: "postgres://db:5432/app", CACHE: "cache:6379"}
  db: {image: "postgres:16"}
  cache: {image: redis}
""")
    assert sorted(s.architecture.services) == ["web"]
    assert {n: (d.technology, d.kind) for n, d in s.architecture.datastores.items()} == {
        "db": ("postgres", "database"), "cache": ("redis", "cache")}
    assert s.origin == "docker-compose"
    assert edges(s) == {("web", "db", "datastore"), ("web", "cache", "datastore")}
    (finding,) = [f for f in s.findings if f.what == "data store"
                  and f.detail.startswith("db ")]
    assert finding.place == "services.db.image (line 6)"
    assert finding.detail == ("db is a data store (postgres, database), not a service: its "
                              "image postgres:16 is a postgres image")


def test_compose_store_named_db_takes_its_technology_from_its_environment():
    s = compose("""
services:
  app: {image: example/app, environment: [DB_HOST=catalogue-db]}
  catalogue-db:
    image: weaveworksdemos/catalogue-db
    environment: [MYSQL_ROOT_PASSWORD=x]
""")
    assert s.architecture.datastores["catalogue-db"].technology == "mysql"


def test_compose_host_names_reach_a_service():
    s = compose("""
services:
  web:
    image: example/web
    links: ["legacy:old-name"]
    environment:
      A_URL: http://a-host:80
      B_URL: http://b-box:80
      C_URL: http://c-alias:80
      D_URL: http://old-name:80
  a: {image: example/a, hostname: a-host}
  b: {image: example/b, container_name: b-box}
  c:
    image: example/c
    networks: {backend: {aliases: [c-alias]}, frontend: null}
  legacy: {image: example/legacy, networks: [backend]}
  other: {image: example/other, environment: {LEGACY_URL: "http://old-name:80"}}
""")
    assert edges(s) == {("web", t, "call") for t in ("a", "b", "c", "legacy")}
    assert findings(s, "dangling address") == [
        "other's environment variable LEGACY_URL names old-name, which nothing in this file "
        "deploys"]  # a link alias reaches its target from the linking service only


# -- compose: edges from environment, command and entrypoint ----------------------------------


def test_compose_environment_in_both_forms_with_any_scalar_values():
    s = compose("""
services:
  web:
    image: example/web
    environment:
      ORDERS_URL: http://orders:8080
      RETRIES: 3
      DEBUG: true
      RATIO: 0.5
      SINCE: 2024-01-01
      EMPTY:
  orders:
    image: example/orders
    environment: ["PAYMENTS_HOST=payments", "FLAG", "X=", "WEB=http://orders:80"]
  payments: {image: example/payments}
""")
    assert edges(s) == {("web", "orders", "call"), ("orders", "payments", "call")}
    evidence = {(i.source, i.evidence, i.place) for i in s.inferred}
    assert ("web", "environment variable ORDERS_URL = http://orders:8080",
            "services.web.environment.ORDERS_URL (line 6)") in evidence
    assert ("orders", "environment variable PAYMENTS_HOST = payments",
            "services.orders.environment[0] (line 14)") in evidence


def test_compose_command_and_entrypoint_as_string_or_list():
    s = compose("""
services:
  loadgen: {image: example/load, command: "-d 60 -r 200 -c 2 -h edge-router"}
  worker: {image: example/worker, entrypoint: ["run", "--upstream", "http://api:80", 8]}
  edge-router: {image: example/router, command: ["serve", "--port", 80]}
  api: {image: example/api, command: serve api}
""")
    assert edges(s) == {("loadgen", "edge-router", "call"), ("worker", "api", "call")}
    (loadgen,) = [i for i in s.inferred if i.source == "loadgen"]
    assert loadgen.evidence == "command = -d 60 -r 200 -c 2 -h edge-router"


def test_compose_self_addresses_give_nothing_and_long_values_are_shortened():
    s = compose(f"""
services:
  api:
    image: example/api
    environment:
      SELF_URL: http://api:8080
      JAVA_OPTS: "{'-Xmx1g ' * 20}-Dcatalogue.url=http://catalogue:80"
  catalogue: {{image: example/catalogue}}
""")
    (inference,) = s.inferred
    assert (inference.source, inference.target) == ("api", "catalogue")
    assert inference.evidence == "environment variable JAVA_OPTS = ...http://catalogue:80..."


def test_compose_dangling_addresses_are_findings_never_edges():
    s = compose("""
services:
  pay:
    image: example/pay
    environment:
      PROVIDER_URL: https://api.provider.example/v2
      CACHE: "redis-cluster:6379"
      MAIL_HOST: smtp
      NOTE: "see mongo for details"
      HEALTH: http://localhost:8080/health
""")
    assert s.inferred == ()
    assert sorted(f.detail.split(" names ")[1].split(",")[0]
                  for f in s.findings if f.what == "dangling address") == [
        "api.provider.example", "redis-cluster", "smtp"]


def test_compose_extends_is_not_followed_and_text_has_no_folder_to_read_env_files_from():
    s = compose("""
services:
  web: {image: example/web, env_file: web.env, extends: {file: base.yml, service: web}}
""")
    assert [f.place for f in s.findings if f.what == "not followed"] == [
        "services.web.extends (line 3)"]
    assert findings(s, "not read") == [
        "the env_file web.env is not read: a file given as text or on standard input has no "
        "folder"]


# -- compose: start-up order ------------------------------------------------------------------


def test_compose_depends_on_and_links_are_start_up_order_only():
    s = compose("""
services:
  web:
    image: example/web
    depends_on: [catalogue, user]
    environment: {USER_URL: "http://user:80"}
  catalogue: {image: example/catalogue}
  user:
    image: example/user
    depends_on:
      db: {condition: service_healthy}
    links: [catalogue]
  db: {image: mongo}
""")
    assert edges(s) == {("web", "user", "call")}
    assert sorted(findings(s, "start-up order only")) == [
        "user depends on db, but nothing in user's configuration addresses it",
        "user links to catalogue, but nothing in user's configuration addresses it",
        "web depends on catalogue, but nothing in web's configuration addresses it",
    ]
    assert s.architecture.service("web").callees == ("user",)


# -- compose: health checks, exposure, replicas, name -----------------------------------------


def test_compose_healthcheck_exposure_and_replicas():
    s = compose("""
services:
  checked: {image: a, healthcheck: {test: ["CMD", "true"]}, deploy: {replicas: 3}}
  disabled: {image: a, healthcheck: {disable: true}, scale: 2}
  none: {image: a, healthcheck: {test: ["NONE"]}, deploy: {replicas: 0}, scale: 5}
  absent: {image: a, expose: ["8080"]}
  short: {image: a, ports: ["8080:8080"]}
  container-only: {image: a, ports: ["80"]}
  loopback: {image: a, ports: ["127.0.0.1:80:80"]}
  ranged: {image: a, ports: ["8000-8010:8000-8010"]}
  number: {image: a, ports: [80]}
  long: {image: a, ports: [{target: 80, published: "8080"}]}
""")
    services = s.architecture.services
    assert [n for n, x in sorted(services.items()) if x.healthcheck] == ["checked"]
    assert sorted(n for n, x in services.items() if x.exposed) == [
        "container-only", "long", "loopback", "number", "ranged", "short"]
    assert (services["checked"].replicas, services["disabled"].replicas,
            services["none"].replicas, services["absent"].replicas) == (3, 2, 0, 1)


def test_compose_name_from_file_folder_or_stem(tmp_path):
    text = "services: {web: {image: example/web}}\n"
    assert compose("name: shop\n" + text).architecture.name == "shop"
    assert compose(text, "shop-dev.yaml").architecture.name == "shop-dev"
    folder = tmp_path / "robot-shop"
    folder.mkdir()
    for file in ("docker-compose.yaml", "compose.yml", "docker-compose.override.yml"):
        (folder / file).write_text(text)
        assert import_compose(read(folder / file)).architecture.name == "robot-shop"


# -- compose: errors --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ("services: [web, db]", "c.yaml: services (line 1): must be a mapping, not a list"),
    ("version: '3'", "c.yaml: the top level (line 1): has no services"),
    ("services: {}", "c.yaml: services (line 1): lists no service"),
    ("- web", "c.yaml: the top level (line 1): must be a mapping with services, not a list"),
    ("services:\n  web: [image, x]",
     "c.yaml: services.web (line 2): must be a mapping of the service's settings, not a list"),
    ("services:\n  web: example/web",
     "c.yaml: services.web (line 2): must be a mapping of the service's settings"),
    ("services:\n  web:\n    image: [a]", "c.yaml: services.web.image (line 3): must be a string"),
    ("services:\n  web:\n    environment: A=1",
     "c.yaml: services.web.environment (line 3): must be a mapping or a list of NAME=value, "
     "not the string 'A=1'"),
    ("services:\n  web:\n    environment: [{A: 1}]",
     "c.yaml: services.web.environment[0] (line 3): must be NAME=value, not a mapping"),
    ("services:\n  web:\n    environment:\n      A: [1, 2]",
     "c.yaml: services.web.environment.A (line 4): must be a single value, not a list"),
    ("services:\n  web:\n    command: {run: x}",
     "c.yaml: services.web.command (line 3): must be a single value, not a mapping"),
    ("services:\n  web:\n    depends_on: [db]",
     "c.yaml: services.web.depends_on[0] (line 3): web depends on 'db', which is not a service"),
    ("services:\n  web:\n    depends_on: db",
     "c.yaml: services.web.depends_on (line 3): must be a list, not the string 'db'"),
    ("services:\n  web:\n    links: [3]",
     "c.yaml: services.web.links[0] (line 3): must be a non-empty name, not the number 3"),
    ("services:\n  web:\n    ports: [[80]]",
     "c.yaml: services.web.ports[0] (line 3): must be a port"),
    ("services:\n  web:\n    healthcheck: yes",
     "c.yaml: services.web.healthcheck (line 3): must be a mapping, not true"),
    ("services:\n  web:\n    deploy: {replicas: -1}",
     "c.yaml: services.web.deploy.replicas (line 3): must be a whole number of 0 or more"),
    ("services:\n  web:\n    scale: two",
     "c.yaml: services.web.scale (line 3): must be a whole number"),
    ("services:\n  web:\n    networks: {back: {aliases: web2}}",
     "c.yaml: services.web.networks.back.aliases (line 3): must be a list"),
    ("services:\n  db: {image: postgres}",
     "c.yaml: services (line 1): deploys only data stores (db) and no service"),
    ("services:\n  '  ': {image: x}",
         "c.yaml: services.\"  \" (line 2): must be a non-empty name, not the string '  '"),
    ("name: 3\nservices: {web: {}}", "c.yaml: name (line 1): must be a string, not the number 3"),
])
def test_compose_errors_name_file_and_place(text, message):
    with pytest.raises(TheoryError) as error:
        compose(text)
    assert str(error.value).startswith(message)


# -- kubernetes -------------------------------------------------------------------------------


def deployment(name: str, namespace: str | None = None, labels: str = "", image: str = "a",
               extra: str = "", kind: str = "Deployment", replicas: str = "") -> str:
    ns = f"\n  namespace: {namespace}" if namespace else ""
    return f"""---
apiVersion: apps/v1
kind: {kind}
metadata:
  name: {name}{ns}
spec:{replicas}
  template:
    metadata:
      labels: {{app: {name}{labels}}}
    spec:
      containers:
        - name: main
          image: {image}{extra}
"""


def service(name: str, namespace: str | None = None, selector: str | None = None,
            kind: str = "ClusterIP") -> str:
    ns = f"\n  namespace: {namespace}" if namespace else ""
    chosen = f"{{app: {name}}}" if selector is None else selector
    return f"""---
apiVersion: v1
kind: Service
metadata:
  name: {name}{ns}
spec:
  type: {kind}
  selector: {chosen}
"""


def env(**values: str) -> str:
    lines = "".join(f"\n            - name: {k}\n              value: \"{v}\""
                    for k, v in values.items())
    return f"\n          env:{lines}"


def test_kubernetes_workloads_services_and_data_stores():
    s = kube(deployment("web", extra=env(ORDERS_URL="http://orders:8080/x",
                                         DB_HOST="db.default.svc.cluster.local"))
             + deployment("orders", kind="StatefulSet", replicas="\n  replicas: 3")
             + deployment("db", image="postgres:16", kind="StatefulSet")
             + deployment("agent", kind="DaemonSet") + deployment("batch", kind="ReplicaSet")
             + service("orders") + service("db") + service("web")
             + "---\nkind: Pod\nmetadata: {name: solo, labels: {app: solo}}\n"
               "spec: {containers: [{name: c, image: b}]}\n")
    assert sorted(s.architecture.services) == ["agent", "batch", "orders", "solo", "web"]
    assert list(s.architecture.datastores) == ["db"]
    assert s.origin == "kubernetes"
    assert edges(s) == {("web", "orders", "call"), ("web", "db", "datastore")}
    assert s.architecture.service("orders").replicas == 3
    assert s.architecture.service("web").replicas == 1


@pytest.mark.parametrize("host", [
    "orders", "orders:8080", "http://orders/x", "orders.shop", "orders.shop:80",
    "orders.shop.svc", "grpc://orders.shop.svc:9090", "orders.shop.svc.cluster.local",
    "http://orders.shop.svc.cluster.local.:8080/",
])
def test_kubernetes_host_forms_resolve_to_the_service_and_its_workloads(host):
    s = kube(deployment("web", "shop", extra=env(ORDERS_HOST=host))
             + deployment("orders", "shop") + deployment("orders-canary", "shop", ", tier: o")
             + service("orders", "shop", "{tier: o}") + "\n"
             + deployment("orders", "other") + service("orders", "other"))
    assert edges(s) == {("web", "orders.shop", "call")}  # the Service, whatever it selects
    assert "orders.other" in s.architecture.services  # two namespaces share the name
    assert "orders.shop (Deployment)" in s.architecture.services  # selected by no Service


def test_kubernetes_bare_name_resolves_in_the_callers_namespace_only():
    s = kube(deployment("web", "a", extra=env(ORDERS_HOST="orders"))
             + deployment("orders", "b") + service("orders", "b"))
    assert s.inferred == ()
    assert findings(s, "dangling address") == [
        "web's environment variable ORDERS_HOST names orders, which nothing in this file "
        "deploys"]


def test_kubernetes_edges_from_command_and_args_and_absent_config_maps_and_secrets():
    s = kube(deployment("web", extra="""
          command: [run, --target, cart]
          args: ["--db", "mongodb://user-db:27017/users", 8080]
          env:
            - name: SECRET_URL
              valueFrom: {secretKeyRef: {name: s, key: url}}
          envFrom: [{configMapRef: {name: web-config}}]""")
             + deployment("cart") + deployment("user-db", image="mongo")
             + service("cart") + service("user-db"))
    assert edges(s) == {("web", "cart", "call"), ("web", "user-db", "datastore")}
    assert sorted(findings(s, "not found")) == [
        "Deployment web reads ConfigMap web-config, which is not in namespace default in these "
        "files: its variables are not searched for addresses",
        "Deployment web reads Secret s, which is not in namespace default in these files: its "
        "variables are not searched for addresses"]


def test_a_command_word_is_a_host_only_after_a_host_flag():
    s = compose("""
services:
  worker: {image: example/worker, command: "celery -A api worker --host cache"}
  api: {image: example/api}
  cache: {image: example/cache}
""")
    assert edges(s) == {("worker", "cache", "call")}


def test_image_tag_and_version_variables_hold_no_address():
    s = compose("""
services:
  runner: {image: example/runner, environment: {JOB_IMAGE: "redis:7", NODE_VERSION: "node:18"}}
  redis: {image: redis}
""")
    assert s.inferred == () and findings(s, "dangling address") == []


def test_a_pod_with_only_init_containers_is_a_service():
    s = kube("""
kind: Pod
metadata: {name: x}
spec: {initContainers: [{image: postgres, args: ["-h", "y"]}]}
""" + deployment("y") + service("y"))
    assert sorted(s.architecture.services) == ["x", "y"]
    assert edges(s) == {("x", "y", "call")}


@pytest.mark.parametrize("scale", ['"³"', '"' + "9" * 5000 + '"', "-1", "1.5"])
def test_odd_replica_counts_are_named_errors(scale):
    with pytest.raises(TheoryError, match=r"services\.web\.scale \(line 3\): must be a whole"):
        compose(f"services:\n  web:\n    scale: {scale}\n")


def test_kubernetes_health_checks_exposure_and_ingress():
    probe = "\n          readinessProbe: {httpGet: {path: /, port: 80}}"
    live = "\n          livenessProbe: {tcpSocket: {port: 80}}"
    s = kube(deployment("lb", extra=probe) + service("lb", kind="LoadBalancer")
             + deployment("np", extra=live) + service("np", kind="NodePort")
             + deployment("routed") + service("routed") + deployment("default-route")
             + service("default-route") + deployment("legacy") + service("legacy")
             + deployment("inner") + service("inner") + """---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend: {service: {name: default-route, port: {number: 80}}}
  rules:
    - host: shop.example
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: routed, port: {number: 80}}}}
          - {path: /x, pathType: Prefix, backend: {service: {name: gone, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1beta1
kind: Ingress
metadata: {name: old}
spec: {backend: {serviceName: legacy, servicePort: 80}}
""")
    services = s.architecture.services
    assert sorted(n for n, x in services.items() if x.healthcheck) == ["lb", "np"]
    assert sorted(n for n, x in services.items() if x.exposed) == [
        "default-route", "lb", "legacy", "np", "routed"]
    assert findings(s, "dangling backend") == [
        "Ingress web routes to Service gone, which is not in namespace default in this file"]


def test_kubernetes_findings_about_services_and_workloads():
    s = kube(deployment("web", extra=env(PAY_URL="https://pay.example/v1"))
             + service("web") + service("ghost", selector="{app: nobody}")
             + service("external", selector="null")
             + deployment("lonely") + deployment("other", "elsewhere")
             + service("web", "elsewhere")  # same labels, other namespace: no match
             + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1}\n"
               "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c2}\n")
    assert findings(s, "dangling address") == [
        "web's environment variable PAY_URL names pay.example, which nothing in this file "
        "deploys"]
    assert findings(s, "selects no workload") == [
        "Service ghost selects app=nobody, which no pod template in namespace default carries",
        "Service web selects app=web, which no pod template in namespace elsewhere carries"]
    assert [d.split(":")[0] for d in findings(s, "no selector")] == [
        "Service external has no selector"]
    assert sorted(findings(s, "not selected")) == [
        "no Service selects Deployment lonely: nothing can address it by a Service name",
        "no Service selects Deployment other: nothing can address it by a Service name"]
    assert findings(s, "not imported") == []  # ConfigMaps are read for variables


def test_kubernetes_list_items_are_flattened_and_the_namespace_names_the_system():
    s = kube("""
apiVersion: v1
kind: List
items:
  - {apiVersion: apps/v1, kind: Deployment, metadata: {name: web, namespace: shop},
     spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{image: a}]}}}}
  - {apiVersion: v1, kind: Service, metadata: {name: web, namespace: shop},
     spec: {type: NodePort, selector: {app: web}}}
""")
    assert s.architecture.name == "shop"
    assert s.architecture.service("web").exposed


@pytest.mark.parametrize(("text", "message"), [
    ("kind: Deployment\nmetadata: {}",
     "k.yaml: metadata.name (line 2): must be a non-empty name, not empty"),
    ("metadata: {name: x}", "k.yaml: the top level (line 1): has no kind"),
    ("kind: [Deployment]", "k.yaml: kind (line 1): must be a non-empty name, not a list"),
    ("[1, 2]", "k.yaml: the top level (line 1): must be a Kubernetes object"),
    ("kind: Deployment\nmetadata: {name: x}\nspec: {replicas: 1}",
     "k.yaml: spec (line 3): Deployment x has no pod template"),
    ("kind: Deployment\nmetadata: {name: x}\nspec: {template: {spec: {containers: {a: 1}}}}",
     "k.yaml: spec.template.spec.containers (line 3): must be a list, not a mapping"),
    ("kind: Pod\nmetadata: {name: x}\nspec: {containers: [{env: [A=1]}]}",
     "k.yaml: spec.containers[0].env[0] (line 3): must be a mapping, not the string 'A=1'"),
    ("kind: Pod\nmetadata: {name: x}\nspec: {containers: [{command: run}]}",
     "k.yaml: spec.containers[0].command (line 3): must be a list"),
    ("kind: Pod\nmetadata: {name: x, namespace: 3}",
     "k.yaml: metadata.namespace (line 2): must be a string, not the number 3"),
    ("kind: Service\nmetadata: {name: x}\nspec: {selector: [a]}",
     "k.yaml: spec.selector (line 3): must be a mapping, not a list"),
    ("kind: List\nitems: {a: 1}", "k.yaml: items (line 2): must be a list"),
    ("kind: ConfigMap\nmetadata: {name: x}", "k.yaml: deploys no workload"),
    ("kind: Pod\nmetadata: {name: x}\nspec: {containers: [{image: redis}]}",
     "k.yaml: deploys only data stores (x)"),
    ("kind: Pod\nmetadata: {name: x}\n---\nkind: Pod\nmetadata: {name: x}",
     "k.yaml: document 2, metadata.name (line 5): a second workload named x in namespace "
     "default (the first is Pod at document 1, metadata.name (line 2))"),
    ("kind: Ingress\nmetadata: {name: i}\nspec: {rules: [{http: {paths: [{backend: "
     "{service: {name: 3}}}]}}]}\n---\nkind: Pod\nmetadata: {name: x}",
     "k.yaml: document 1, spec.rules[0].http.paths[0].backend.service.name (line 3): must be"),
])
def test_kubernetes_errors_name_file_and_place(text, message):
    with pytest.raises(TheoryError) as error:
        kube(text)
    assert str(error.value).startswith(message)


# -- the workbook's examples ------------------------------------------------------------------


def test_shop_compose_example():
    s = import_compose(read(EXAMPLES / "shop-compose.yaml"))
    a = s.architecture
    assert a.name == "shop"
    assert sorted(a.services) == ["catalogue", "gateway", "notifications", "orders", "payments"]
    assert {n: d.kind for n, d in a.datastores.items()} == {
        "cache": "cache", "orders-db": "database", "rabbitmq": "broker"}
    assert a.service("gateway").callees == ("catalogue", "orders")
    assert a.service("orders").callees == ("catalogue", "payments")
    assert a.service("orders").datastores == ("orders-db", "rabbitmq")
    assert a.service("payments").datastores == ("cache",)  # by its network alias, redis
    assert [n for n, x in a.services.items() if x.exposed] == ["gateway"]
    assert [n for n, x in a.services.items() if not x.healthcheck] == ["notifications"]
    assert (a.service("gateway").replicas, a.service("orders").replicas) == (2, 3)
    assert [f.place for f in s.findings if f.what == "dangling address"] == [
        "services.payments.environment.PROVIDER_URL (line 48)"]
    assert findings(s, "start-up order only") == [
        "notifications depends on orders, but nothing in notifications's configuration "
        "addresses it"]


def test_shop_kubernetes_example():
    s = import_kubernetes(read(EXAMPLES / "shop-k8s.yaml"))
    a = s.architecture
    assert a.name == "shop"
    assert sorted(a.services) == ["catalogue", "gateway", "notifications", "orders", "payments"]
    assert {n: d.technology for n, d in a.datastores.items()} == {
        "cache": "redis", "orders-db": "postgres", "rabbitmq": "rabbitmq"}
    assert a.service("gateway").callees == ("catalogue", "orders")
    assert a.service("orders").callees == ("catalogue", "payments")
    assert a.service("orders").datastores == ("orders-db", "rabbitmq")
    assert [n for n, x in a.services.items() if x.exposed] == ["gateway"]
    assert [n for n, x in a.services.items() if not x.healthcheck] == ["notifications"]
    assert findings(s, "dangling address") == [
        "payments's environment variable PROVIDER_URL names api.payments-provider.example, "
        "which nothing in this file deploys"]
    assert findings(s, "not imported") == [
        "1 Namespace object (shop): not a workload, Service, Ingress, ConfigMap or Secret"]


ODD_VALUES = [None, [], {}, 0, -1, 2.5, True, "", "$X", [None], {"a": [1]},
              datetime.date(2024, 1, 1), "http://web:80"]


def _paths(value: object, path: tuple = ()):
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _paths(child, (*path, i))


def _replace(document: object, path: tuple, new: object) -> object:
    if not path:
        return new
    document = copy.deepcopy(document)
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return document


@pytest.mark.parametrize(("file", "importer"), [
    ("shop-compose.yaml", import_compose), ("shop-k8s.yaml", import_kubernetes)])
def test_importers_raise_only_theory_errors_whatever_value_is_wrong(file, importer):
    """Every value of the example, replaced in turn by each odd value."""
    source = read(EXAMPLES / file)
    for d, document in enumerate(source.documents):
        for path in _paths(document):
            for new in ODD_VALUES:
                documents = list(source.documents)
                documents[d] = _replace(document, path, new)
                try:
                    importer(Source(source.name, tuple(documents), source.lines))
                except TheoryError as error:
                    assert str(error).startswith(f"{source.name}: ")


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=12), st.dates(),
                    st.sampled_from(["postgres", "web", "db:5432", "http://web/", "NONE",
                                     "³", "9" * 5000, "-h", "redis:7"]))
DATA = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(["image", "environment", "command", "ports", "links",
                                     "depends_on", "healthcheck", "deploy", "replicas",
                                     "networks", "aliases", "test", "web", "db", "spec",
                                     "template", "containers", "env", "selector", "kind",
                                     "initContainers", "scale", "args"]),
                    inner, max_size=4)), max_leaves=20)
@given(st.dictionaries(st.sampled_from(["web", "db", "api"]), DATA, min_size=1, max_size=3))
def test_compose_import_of_arbitrary_services_raises_only_theory_errors(services):
    try:
        import_compose(Source("c.yaml", ({"services": services},)))
    except TheoryError as error:
        assert str(error).startswith("c.yaml: ")
@given(st.lists(st.fixed_dictionaries(
    {"kind": st.sampled_from(["Deployment", "Service", "Ingress", "Pod", "List", "Secret"]),
     "metadata": st.fixed_dictionaries({"name": st.sampled_from(["web", "db"])},
                                       optional={"namespace": st.sampled_from(["a", "b"])}),
     "spec": DATA}), min_size=1, max_size=4))
def test_kubernetes_import_of_arbitrary_objects_raises_only_theory_errors(objects):
    try:
        import_kubernetes(Source("k.yaml", tuple(objects)))
    except TheoryError as error:
        assert str(error).startswith("k.yaml: ")


# -- real third-party files (read in place, never copied) -------------------------------------


@needs_shared
def test_robot_shop_compose():
    s = import_compose(read(SHARED / "robot-shop" / "docker-compose.yaml"))
    a = s.architecture
    assert a.name == "robot-shop"
    assert {n: (d.technology, d.kind) for n, d in a.datastores.items()} == {
        "mongodb": ("mongo", "database"), "redis": ("redis", "cache"),
        "mysql": ("mysql", "database"), "rabbitmq": ("rabbitmq", "broker")}
    assert sorted(a.services) == ["cart", "catalogue", "dispatch", "payment", "ratings",
                                  "shipping", "user", "web"]
    assert [n for n, x in a.services.items() if x.exposed] == ["web"]
    assert [n for n, x in a.services.items() if not x.healthcheck] == ["dispatch"]
    assert s.inferred == ()  # the services find each other by names in their code
    order_only = findings(s, "start-up order only")
    raw = yaml.safe_load((SHARED / "robot-shop" / "docker-compose.yaml").read_text())
    ordered = sum(len(body.get("depends_on", [])) + len(body.get("links", []))
                  for name, body in raw["services"].items() if name in a.services)
    assert len(order_only) == ordered  # nothing addresses anything: every pair is order only
    assert "web depends on catalogue, but nothing in web's configuration addresses it" in (
        order_only)
    assert sorted(findings(s, "data store")) == [
        "mongodb is a data store (mongo, database), not a service: it is named mongodb, as the "
        "mongo server is",  # its image is robot-shop's own: its name says what it runs
        "mysql is a data store (mysql, database), not a service: it is named mysql, as the "
        "mysql server is",
        "rabbitmq is a data store (rabbitmq, broker), not a service: its image "
        "rabbitmq:3.8-management-alpine is a rabbitmq image",
        "redis is a data store (redis, cache), not a service: its image redis:6.2-alpine is a "
        "redis image"]


@needs_shared
def test_sock_shop_compose():
    s = import_compose(read(SHARED / "sock-shop" / "docker-compose.yml"))
    a = s.architecture
    assert a.name == "sock-shop"
    assert sorted(a.datastores) == ["carts-db", "catalogue-db", "orders-db", "rabbitmq",
                                    "user-db"]
    assert a.datastores["catalogue-db"].technology == "mysql"  # by MYSQL_ROOT_PASSWORD
    assert edges(s) == {("user", "user-db", "datastore"), ("user-sim", "edge-router", "call")}
    by_source = {i.source: i for i in s.inferred}
    assert by_source["user"].evidence == "environment variable MONGO_HOST = user-db:27017"
    assert by_source["user-sim"].evidence == "command = -d 60 -r 200 -c 2 -h edge-router"
    assert [n for n, x in a.services.items() if x.exposed] == ["edge-router"]
    assert not any(x.healthcheck for x in a.services.values())


@needs_shared
def test_sock_shop_kubernetes():
    s = import_kubernetes(read(SHARED / "sock-shop" / "complete-demo.yaml"))
    a = s.architecture
    assert a.name == "sock-shop"
    assert sorted(a.services) == ["carts", "catalogue", "front-end", "orders", "payment",
                                  "queue-master", "shipping", "user"]
    assert {n: d.kind for n, d in a.datastores.items()} == {
        "carts-db": "database", "catalogue-db": "database", "orders-db": "database",
        "rabbitmq": "broker", "session-db": "cache", "user-db": "database"}
    assert [n for n, x in a.services.items() if x.exposed] == ["front-end"]
    assert sorted(n for n, x in a.services.items() if x.healthcheck) == [
        "catalogue", "front-end", "payment", "user"]
    assert edges(s) == {("user", "user-db", "datastore")}
    assert [f.detail for f in s.findings if f.what == "dangling address"] == [
        "shipping's environment variable ZIPKIN names zipkin.jaeger.svc.cluster.local, "
        "which nothing in this file deploys"]
    assert findings(s, "not imported") == [
        "1 Namespace object (sock-shop): not a workload, Service, Ingress, ConfigMap or Secret"]
