"""Fuzzing the readers: whatever the bytes, only TheoryError escapes, and quickly.

Thousands of documents are generated (from the vocabulary the loaders read, so they
reach deep into them) or mutated (subtrees of real files replaced, text damaged), and
each goes through the YAML/JSON reader and all three loaders. A document that loads
must also survive the full report.
"""

from __future__ import annotations

import json
from pathlib import Path

import fastjsonschema
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msatheory.check import document as document_module
from msatheory.check.compose import import_compose_files
from msatheory.check.environment import Variable, interpolate, parse_dotenv
from msatheory.check.formats import FORMATS
from msatheory.check.kubernetes import import_kubernetes
from msatheory.check.report import check_system
from msatheory.check.source import Source, parse
from msatheory.errors import TheoryError

EXAMPLES = Path(__file__).resolve().parents[1] / "msatheory" / "check" / "examples"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "examples"
SEEDS = sorted(EXAMPLES.glob("*.yaml")) + (sorted(
    p for p in SHARED.rglob("*") if p.suffix in (".yaml", ".yml")) if SHARED.exists() else [])

FUZZ = settings(max_examples=1500,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: Every key the architecture loader, the compose importer and the Kubernetes importer read.
VOCABULARY = [
    # architecture files
    "name", "description", "gateway", "services", "datastores", "granularity", "calls",
    "publishes", "subscribes", "healthcheck", "exposed", "replicas", "technology",
    "deployment", "domain", "functions", "interfaces", "entities", "priority", "kind", "fields",
    "merge_below", "split_above", "monitors",
    # docker-compose
    "version", "image", "build", "environment", "command", "entrypoint", "depends_on", "links",
    "ports", "expose", "hostname", "container_name", "networks", "aliases", "deploy", "scale",
    "test", "disable", "env_file", "extends", "published", "target", "condition", "volumes",
    "ipv4_address", "ipv6_address", "required", "path",
    # Kubernetes
    "apiVersion", "metadata", "namespace", "labels", "spec", "selector", "matchLabels",
    "template", "containers", "initContainers", "env", "value", "valueFrom", "args",
    "readinessProbe", "livenessProbe", "type", "items", "rules", "http", "paths", "backend",
    "service", "defaultBackend", "port", "number", "envFrom", "configMapRef", "secretRef",
    "configMapKeyRef", "secretKeyRef", "key", "prefix", "optional", "data", "stringData",
    "clusterIP",
]
WORDS = ["orders", "web", "db", "redis", "postgres:16", "mongo", "rabbitmq",
         "http://orders:8080/x", "orders:5432", "Deployment", "StatefulSet", "Service",
         "Ingress", "List", "LoadBalancer", "NodePort", "apps/v1", "v1", "CMD", "NONE",
         "A_HOST=orders", "-h web", "8080:80", "${TAG}", "", " ", "\x00", "é", "*", "&",
         "³", "9" * 5000, "redis:7", "ConfigMap", "Secret", "Server=db;Database=x",
         "jdbc:oracle:thin:@//ora:1521/XE", "[fd00::1]:80", "${A:-b}", "${A:?}", "$(A)",
         "http://a:b@c/hc", "!reset", "jdbc:sqlserver://db:1433;user=sa;password=p@w",
         "--db-password=x", "redis://u:p:q@c:6379",
         # replication settings (Def 6.3.1), well formed and not
         "--replicaof db 6379", "mongod --replSet rs0", "--override min.insync.replicas=9",
         "rs.initiate({members: [{host: 'db:27017'}, {host: 'x'}]})", "single-node", "slave"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 10**20), st.floats(allow_nan=False),
    st.sampled_from(WORDS), st.text(max_size=12),
)
keys = st.one_of(st.sampled_from(VOCABULARY + WORDS[:6]), st.text(max_size=8))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(keys, inner, max_size=6)),
    max_leaves=40,
)


def sometimes(good: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly (nine times in ten) a well-formed value, sometimes anything at all."""
    return st.sampled_from([good] * 9 + [documents]).flatmap(lambda chosen: chosen)


names = st.sampled_from(["orders", "web", "payments", "catalog", "db", "cache", "gw", "mq"])
hosts = st.one_of(names, st.sampled_from([
    "http://orders:8080/api", "db:5432", "www.example.com", "mongodb://a:1,b:2/x",
    "orders.shop.svc", "gw:80", "localhost:1", "${HOST}", "jdbc:mysql://db:3306/x",
    "http://${WEB:-web}/hc", "Host=db;Password=x", "jdbc:oracle:thin:u/p@db:1521:X",
    "[fd00::2]:9", "http://[fd00::3]/metrics", "$(DB_HOST):80", "${DB:?need}", "ORDERS"]))
images = st.sampled_from(["postgres:16", "redis", "mongo:7", "elasticsearch:8",
                          "shop/orders:1.2", "${REPO}/rs-mongo:${TAG}", "bitnami/kafka@sha256:abc",
                          "registry:5000/team/web", "rabbitmq:3",
                          "shop/payments", "ghcr.io/shop/catalog:2", "shop/gateway:latest"])
architecture = st.fixed_dictionaries(
    {"services": st.dictionaries(names, st.one_of(st.none(), st.fixed_dictionaries({}, optional={
        "calls": sometimes(st.lists(names, max_size=3)),
        "publishes": sometimes(st.lists(names, max_size=2)),
        "subscribes": sometimes(st.lists(names, max_size=2)),
        "datastores": sometimes(st.lists(names, max_size=2)),
        "healthcheck": sometimes(st.booleans()), "exposed": sometimes(st.booleans()),
        "replicas": sometimes(st.integers(0, 5)), "domain": sometimes(names),
        "deployment": sometimes(names),
        "functions": sometimes(st.lists(st.one_of(names, st.fixed_dictionaries(
            {"name": names}, optional={"domain": names, "priority": st.integers()})),
            max_size=4)),
        "interfaces": sometimes(st.lists(names, max_size=2)),
        "entities": sometimes(st.lists(names, max_size=2)),
        "monitors": sometimes(st.lists(names, max_size=2)),
    })), min_size=1, max_size=6)},
    optional={"gateway": sometimes(st.one_of(names, st.lists(names, max_size=2))),
              "datastores": sometimes(st.dictionaries(names, st.one_of(
                  st.none(), st.fixed_dictionaries({}, optional={
                      "technology": sometimes(st.sampled_from(["redis", "kafka", "pg"])),
                      "kind": sometimes(st.sampled_from(["cache", "broker"]))})))),
              "granularity": sometimes(st.fixed_dictionaries(
                  {"merge_below": st.integers(1, 5), "split_above": st.integers(1, 25)}))},
)
environment = st.one_of(
    st.dictionaries(st.sampled_from(["DB_HOST", "ORDERS_URL", "X", "BROKERS",
                                     "KAFKA_DEFAULT_REPLICATION_FACTOR", "REDIS_MASTER_HOST",
                                     "REDIS_REPLICATION_MODE", "discovery.type"]),
                    st.one_of(hosts, st.integers(), st.none())),
    st.lists(st.builds("{}={}".format, st.sampled_from(
        ["DB_HOST", "URL", "A", "KAFKA_CFG_MIN_INSYNC_REPLICAS", "MONGODB_PRIMARY_HOST",
         "MONGODB_REPLICA_SET_MODE"]), st.one_of(hosts, st.sampled_from(
             ["3", "-1", "three", "slave", "secondary", "single-node"])))),
)
compose = st.fixed_dictionaries(
    {"services": st.dictionaries(names, st.fixed_dictionaries({}, optional={
        "image": sometimes(images), "environment": sometimes(environment),
        "command": sometimes(st.one_of(hosts, st.lists(st.one_of(hosts, st.just("-h"))))),
        "entrypoint": sometimes(st.lists(hosts, max_size=2)),
        "depends_on": sometimes(st.one_of(st.lists(names), st.dictionaries(
            names, st.fixed_dictionaries({"condition": st.just("service_healthy")})))),
        "links": sometimes(st.lists(st.one_of(names, st.just("db:database")))),
        "ports": sometimes(st.lists(st.one_of(st.sampled_from(["80", "8080:80", "1-3:1-3"]),
                                              st.integers(), st.fixed_dictionaries(
                                                  {"target": st.integers(),
                                                   "published": st.integers()})))),
        "healthcheck": sometimes(st.fixed_dictionaries({}, optional={
            "test": st.one_of(st.just(["NONE"]), st.just(["CMD", "true"]), st.text()),
            "disable": st.booleans()})),
        "hostname": sometimes(names), "container_name": sometimes(names),
        "networks": sometimes(st.one_of(st.lists(names), st.dictionaries(
            names, st.one_of(st.none(), st.fixed_dictionaries({}, optional={
                "aliases": st.lists(names),
                "ipv6_address": st.sampled_from(["fd00::2", "fd00::3", "x"])}))))),
        "deploy": sometimes(st.fixed_dictionaries({"replicas": st.integers(-1, 4)})),
        "scale": sometimes(st.one_of(st.integers(-1, 4), st.sampled_from(["3", "³", "9" * 40]))),
        "env_file": sometimes(st.one_of(names, st.lists(st.one_of(
            names, st.fixed_dictionaries({"path": names, "required": st.booleans()}))))),
    }), min_size=1, max_size=6)},
    optional={"version": st.just("3"), "name": sometimes(names)},
)
labels = st.dictionaries(st.sampled_from(["app", "tier"]), names, max_size=2)
metadata = st.fixed_dictionaries({"name": sometimes(names)},
                                 optional={"namespace": sometimes(names),
                                           "labels": sometimes(labels)})
container = st.fixed_dictionaries({"name": names}, optional={
    "image": sometimes(images),
    "env": sometimes(st.lists(st.fixed_dictionaries({"name": names}, optional={
        "value": sometimes(hosts), "valueFrom": sometimes(st.fixed_dictionaries({}, optional={
            "configMapKeyRef": st.fixed_dictionaries({"name": names, "key": names}),
            "secretKeyRef": st.fixed_dictionaries({"name": names, "key": names},
                                                  optional={"optional": st.booleans()})}))}),
        max_size=3)),
    "envFrom": sometimes(st.lists(st.fixed_dictionaries({}, optional={
        "configMapRef": st.fixed_dictionaries({"name": names}),
        "secretRef": st.fixed_dictionaries({"name": names}), "prefix": names}), max_size=2)),
    "args": sometimes(st.lists(hosts, max_size=3)),
    "command": sometimes(st.lists(hosts, max_size=2)),
    "readinessProbe": sometimes(st.just({"httpGet": {"path": "/", "port": 80}})),
    "livenessProbe": sometimes(st.just({"tcpSocket": {"port": 80}})),
})
workload = st.fixed_dictionaries({
    "apiVersion": st.just("apps/v1"),
    "kind": st.sampled_from(["Deployment", "StatefulSet", "DaemonSet"]),
    "metadata": sometimes(metadata),
    "spec": sometimes(st.fixed_dictionaries({}, optional={
        "replicas": sometimes(st.integers(0, 3)),
        "selector": sometimes(st.fixed_dictionaries({"matchLabels": labels})),
        "template": sometimes(st.fixed_dictionaries({
            "metadata": sometimes(st.fixed_dictionaries({"labels": labels})),
            "spec": sometimes(st.fixed_dictionaries({}, optional={
                "containers": sometimes(st.lists(container, min_size=1, max_size=2)),
                "initContainers": sometimes(st.lists(container, max_size=2))}))}))})),
})
service = st.fixed_dictionaries({
    "apiVersion": st.just("v1"), "kind": st.just("Service"), "metadata": sometimes(metadata),
    "spec": sometimes(st.fixed_dictionaries({}, optional={
        "selector": sometimes(labels),
        "type": sometimes(st.sampled_from(["ClusterIP", "NodePort", "LoadBalancer"])),
        "ports": sometimes(st.lists(st.fixed_dictionaries({"port": st.integers(0, 70000)})))})),
})
ingress = st.fixed_dictionaries({
    "apiVersion": st.just("networking.k8s.io/v1"), "kind": st.just("Ingress"),
    "metadata": sometimes(metadata),
    "spec": sometimes(st.fixed_dictionaries({}, optional={
        "defaultBackend": sometimes(st.fixed_dictionaries({"service": st.fixed_dictionaries(
            {"name": names})})),
        "rules": sometimes(st.lists(st.fixed_dictionaries({"http": st.fixed_dictionaries(
            {"paths": st.lists(st.fixed_dictionaries({"backend": st.fixed_dictionaries(
                {"service": st.fixed_dictionaries({"name": sometimes(names)})})}))})})))})),
})
config = st.fixed_dictionaries({
    "apiVersion": st.just("v1"), "kind": st.sampled_from(["ConfigMap", "Secret"]),
    "metadata": sometimes(metadata),
}, optional={"data": sometimes(st.dictionaries(names, st.one_of(hosts, st.sampled_from(
    ["aHR0cDovL3dlYjo4MA==", "!!", "//8="])))),
    "stringData": sometimes(st.dictionaries(names, hosts))})
kubernetes = st.lists(st.one_of(workload, workload, service, ingress, config), min_size=1,
                      max_size=6)


def survives(text: str, name: str = "fuzz.yaml", as_json: bool = False) -> None:
    """Read ``text`` and run every loader on it; a loaded system goes through the report."""
    try:
        source = parse(text, name, as_json=as_json)
    except TheoryError as error:
        assert name in str(error) and "\n" not in str(error)
        return
    for loader in FORMATS.values():
        try:
            system = loader(source)
        except TheoryError as error:  # one line per mistake, each naming the file
            assert all(line.startswith(f"{name}: ") for line in str(error).splitlines())
            continue
        report = check_system(system)
        json.dumps(report.as_dict())
        str(report)


def dump(document: object, as_json: bool) -> str:
    return json.dumps(document) if as_json else yaml.safe_dump_all(
        document if isinstance(document, list) else [document])


@FUZZ
@given(document=documents, as_json=st.booleans())
def test_generated_documents(document, as_json):
    survives(dump(document, as_json), "fuzz.json" if as_json else "fuzz.yaml", as_json)


@FUZZ
@given(document=architecture, as_json=st.booleans())
def test_generated_architecture_files(document, as_json):
    survives(dump(document, as_json), "fuzz.json" if as_json else "fuzz.yaml", as_json)


@FUZZ
@given(document=compose)
def test_generated_compose_files(document):
    survives(dump(document, False))


@FUZZ
@given(documents=kubernetes)
def test_generated_kubernetes_manifests(documents):
    survives(yaml.safe_dump_all(documents))


def _paths(value: object, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*path, i))
    return found


def _replace(value: object, path: tuple, new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in value.items()}
    return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(value)]


SEED_DOCUMENTS = [list(yaml.safe_load_all(p.read_text())) for p in SEEDS]
replacements = st.one_of(scalars, documents, st.sampled_from(WORDS))


@FUZZ
@given(data=st.data())
def test_real_files_with_a_subtree_replaced(data):
    docs = data.draw(st.sampled_from(SEED_DOCUMENTS))
    index = data.draw(st.integers(0, len(docs) - 1))
    document = docs[index]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(document)))
        document = _replace(document, path, data.draw(replacements))
    mutated = [*docs[:index], document, *docs[index + 1:]]
    survives(yaml.safe_dump_all(mutated))


@FUZZ
@given(data=st.data())
def test_real_files_with_damaged_text(data):
    text = data.draw(st.sampled_from(SEEDS)).read_text()
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 40))
        insert = data.draw(st.one_of(st.sampled_from(
            ["\n", ":", "- ", "{", "}", "[", "]", "&a ", "*a", "<<: *a\n", "!!binary ", "\t",
             "'", '"', "#", "---\n", "? ", "|\n", "  ", " 0x" + "f" * 4000, " 0b1", " 0o7",
             " !reset ", " !override "]), st.text(max_size=6)))
        text = text[:at] + insert + text[at + cut:]
    survives(text)


@settings(max_examples=200)
@given(depth=st.integers(1, 3000), flow=st.booleans(), as_json=st.booleans())
def test_nesting_of_any_depth_is_read_or_refused(depth, flow, as_json):
    if as_json or flow:
        text = '{"services": ' + "[" * depth + "]" * depth + "}"
    else:
        text = "services:\n" + "".join("  " * i + "- \n" if i < depth - 1 else "  " * i + "- x\n"
                                       for i in range(min(depth, 400)))
    survives(text, "deep.json" if as_json else "deep.yaml", as_json)


@settings(max_examples=50)
@given(levels=st.integers(1, 12), width=st.integers(2, 12))
def test_alias_expansion_is_bounded(levels, width):
    lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    survives("\n".join(lines) + "\nservices: {s: }\n")


# -- what several files, .env files and interpolation add ------------------------------------


FEWER = settings(FUZZ, max_examples=400)


@FEWER
@given(first=compose, second=st.one_of(compose, documents))
def test_merged_compose_files(first, second):
    try:
        system = import_compose_files([parse(dump(first, False), "a.yaml"),
                                       parse(dump(second, False), "b.yaml")])
    except TheoryError as error:
        assert all(line.startswith(("a.yaml: ", "b.yaml: ")) for line in str(error).splitlines())
        return
    json.dumps(check_system(system).as_dict())


@FEWER
@given(documents=kubernetes, cut=st.integers(0, 6))
def test_kubernetes_manifests_split_over_files(documents, cut):
    parts = [documents[:cut], documents[cut:]]
    sources = [parse(yaml.safe_dump_all(part), f"{i}.yaml") for i, part in enumerate(parts)
               if part]
    try:
        system = import_kubernetes(Source.combine("k8s", sources))
    except TheoryError as error:
        assert str(error).startswith(("0.yaml: ", "1.yaml: ", "k8s: "))
        return
    json.dumps(check_system(system).as_dict())


DOTENV = st.text(alphabet="AB_=:#'\"\\$ {}-+?\nx1\t.", max_size=80)


@FUZZ
@given(text=st.one_of(DOTENV, st.text(max_size=40)))
def test_dotenv_files_are_read_or_refused_by_line(text):
    try:
        found = parse_dotenv(text, "x.env")
    except TheoryError as error:
        assert str(error).startswith("x.env: line ") and "\n" not in str(error)
        return
    assert all(v.origin.startswith("x.env line ") for v in found.values())


@FUZZ
@given(text=DOTENV, values=st.dictionaries(st.sampled_from(["A", "B", "A_1"]),
                                            st.text(alphabet="ab$", max_size=3)))
def test_interpolation_substitutes_what_it_can_and_keeps_the_rest(text, values):
    variables = {k: Variable(v, "t") for k, v in values.items()}
    result = interpolate(text, variables)
    if "$" not in text:
        assert result.value == text
    assert all(name not in values and name in text for name in result.unset)
    assert all(used.split(" from ")[0] in values for used in result.used)
    assert interpolate(text.replace("$", "$$"), variables).value == text  # $$ escapes


@FUZZ
@given(document=architecture)
def test_the_fast_validator_agrees_with_jsonschema(document):
    import jsonschema
    fast = True
    try:
        document_module._VALID(document)
    except fastjsonschema.JsonSchemaException:
        fast = False
    full = not any(jsonschema.Draft202012Validator(document_module._INLINED).iter_errors(
        document))
    assert fast == full
