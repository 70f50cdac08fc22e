"""What the fuzz tests of the readers share (``tests/test_check_fuzz*.py``): the vocabulary
the loaders read, strategies for documents of any shape and for the values they hold, and
:func:`survives`, the property every generated or mutated document must hold.

Thousands of documents are generated (from the vocabulary the loaders read, so they
reach deep into them) or mutated (subtrees of real files replaced, text damaged), and
each goes through the YAML/JSON reader and all three loaders. A document that loads
must also survive the full report. The tests are four files, which pytest-xdist runs on
different workers: the readers and architecture files, real files mutated, compose files,
Kubernetes manifests.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from msatheory.check.formats import FORMATS
from msatheory.check.report import check_system
from msatheory.check.source import parse
from msatheory.errors import TheoryError

EXAMPLES = Path(__file__).resolve().parents[1] / "msatheory" / "check" / "examples"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "examples"
SEEDS = sorted(EXAMPLES.glob("*.yaml")) + (sorted(
    p for p in SHARED.rglob("*") if p.suffix in (".yaml", ".yml")) if SHARED.exists() else [])

FUZZ = settings(max_examples=1500,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEWER = settings(FUZZ, max_examples=400)

#: libyaml's emitter where PyYAML has it (as the reader uses libyaml's parser): the same
#: documents as PyYAML's pure-Python emitter writes, several times faster.
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

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


def dump_all(documents: list) -> str:
    """``documents`` as a YAML stream, one document each."""
    return yaml.dump_all(documents, Dumper=DUMPER)


def dump(document: object, as_json: bool) -> str:
    """``document`` as JSON, or as YAML (a list is a stream of documents)."""
    return json.dumps(document) if as_json else dump_all(
        document if isinstance(document, list) else [document])
