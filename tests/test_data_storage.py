"""Def 6.3.1 (数据复制) in ``msatheory check``: each data store's copies, read from compose
files and Kubernetes manifests, and the replication settings that cannot work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.check.compose import import_compose
from msatheory.check.kubernetes import import_kubernetes
from msatheory.check.report import check_system
from msatheory.check.source import parse, read
from msatheory.data.checks import CHECKS
from msatheory.data.storage import (
    Configured,
    Storage,
    check_replication,
    read_storage,
)
from msatheory.errors import TheoryError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "examples"
needs_shared = pytest.mark.skipif(not SHARED.exists(),
                                  reason=f"the third-party examples are not at {SHARED}")


def compose(text: str):
    return import_compose(parse(text, "docker-compose.yaml"))


def kube(text: str):
    return import_kubernetes(parse(text, "k8s.yaml"))


def verdict(system):
    (check,) = CHECKS
    arguments = check.arguments(system)
    assert arguments is not None
    return check.checker(*arguments)


def readings(system) -> dict[str, tuple[int | None, str]]:
    assert system.storage is not None
    return {n: (s.copies, s.reading) for n, s in system.storage.stores.items()}


def witnesses(system) -> list[tuple[str, str]]:
    return [(w.what, w.detail) for w in verdict(system).witnesses]


WEB = """
  web:
    image: acme/web
    environment: {DB: "postgres://db:5432/x", CACHE: "redis:6379"}
"""

# -- compose ----------------------------------------------------------------------------------


def test_a_single_copy_is_reported_and_holds():
    s = compose("services:" + WEB + """
  db: {image: "postgres:16"}
  redis: {image: "redis:7"}
""")
    v = verdict(s)
    assert v.holds
    assert v.summary == "db: 1 copy (no replica); redis: 1 copy (no replica)."
    assert v.statement.ref == "Def 6.3.1"
    (evidence,) = s.storage.stores["db"].evidence
    assert str(evidence) == "instances = container db: 1 replica at services.db (line 6)"


def test_compose_replicas_and_scale_without_replication_state_no_copies():
    s = compose("services:" + WEB + """
  db: {image: "postgres:16", deploy: {replicas: 3}}
  redis: {image: "redis:7", scale: 2}
""")
    assert readings(s) == {
        "db": (None, "3 instances; the file states no replication: each may hold data of "
                     "its own"),
        "redis": (None, "2 instances; the file states no replication: each may hold data of "
                        "its own")}
    assert verdict(s).holds


def test_redis_replicaof_on_the_command_line_counts_the_primary_s_copies():
    s = compose("services:" + WEB + """
  db: {image: "postgres:16"}
  redis: {image: "redis:7"}
  redis-replica:
    image: redis:7
    command: redis-server --replicaof redis 6379
    deploy: {replicas: 2}
""")
    stores = s.storage.stores
    assert readings(s)["redis"] == (3, "3 copies: primary, with replicas redis-replica (2)")
    assert readings(s)["redis-replica"] == (3, "replica of redis (3 copies in all)")
    assert stores["redis-replica"].role == "replica" and stores["redis-replica"].primary == "redis"
    assert str(stores["redis-replica"].evidence[1]) == (
        "command --replicaof = redis 6379 at services.redis-replica.command (line 10)")
    assert verdict(s).holds


def test_bitnami_replication_modes_of_redis_postgres_and_mysql():
    s = compose("services:" + WEB + """
  db: {image: "bitnami/postgresql:16", environment: {POSTGRESQL_REPLICATION_MODE: master}}
  db-standby:
    image: bitnami/postgresql:16
    environment: {POSTGRESQL_REPLICATION_MODE: slave, POSTGRESQL_MASTER_HOST: db}
  redis: {image: bitnami/redis, environment: [REDIS_REPLICATION_MODE=master]}
  redis-slave:
    image: bitnami/redis
    environment: [REDIS_REPLICATION_MODE=slave, REDIS_MASTER_HOST=redis]
  sql: {image: bitnami/mysql, command: "mysqld --server-id=1 --log-bin"}
  sql-replica:
    image: bitnami/mysql
    environment: {MYSQL_REPLICATION_MODE: slave, MYSQL_MASTER_HOST: "sql:3306"}
""")
    r = readings(s)
    assert r["db"] == (2, "2 copies: primary, with replicas db-standby (1)")
    assert r["db-standby"] == (2, "replica of db (2 copies in all)")
    assert r["redis"][0] == r["redis-slave"][0] == 2
    assert r["sql"][0] == 2 and s.storage.stores["sql-replica"].primary == "sql"
    assert [e.what for e in s.storage.stores["sql"].evidence[1:]] == [
        "command --server-id", "command --log-bin"]
    assert verdict(s).holds


def test_a_replica_of_a_host_not_in_the_file_is_a_witness_with_its_place():
    s = compose("services:" + WEB + """
  db: {image: "postgres:16"}
  redis: {image: "redis:7", command: ["redis-server", "--slaveof", "old-redis", "6379"]}
""")
    assert witnesses(s) == [(
        "primary not found",
        "redis replicates from old-redis, which is no data store of this file: it copies "
        "nothing (command --slaveof = old-redis 6379 at services.redis.command (line 7))")]
    assert readings(s)["redis"] == (
        None, "replica of old-redis, which is not a data store of this file")


def test_a_scaled_primary_is_several_primaries():
    s = compose("services:" + WEB + """
  db: {image: "postgres:16"}
  redis: {image: bitnami/redis, deploy: {replicas: 2}}
  redis-replica:
    image: bitnami/redis
    environment: {REDIS_REPLICATION_MODE: replica, REDIS_MASTER_HOST: redis}
""")
    ((what, detail),) = witnesses(s)
    assert what == "several primaries" and detail.startswith(
        "redis runs 2 instances, each a primary of its own; redis-replica follow")


def test_mongo_replica_set_with_members_listed_and_counted_from_instances():
    listed = compose("""services:
  web: {image: acme/web, environment: {DB: "mongodb://mongo1:27017,mongo2:27017/x"}}
  mongo1:
    image: mongo:7
    command: >-
      bash -c "mongod --replSet rs0 --bind_ip_all & mongosh --eval
      \\"rs.initiate({_id: 'rs0', members: [{_id: 0, host: 'mongo1:27017'},
      {_id: 1, host: 'mongo2:27017'}, {_id: 2, host: 'mongo3:27017', arbiterOnly: true},
      {_id: 3, host: 'gone:27017'}]})\\""
  mongo2: {image: "mongo:7", command: ["mongod", "--replSet", "rs0"]}
  mongo3: {image: "mongo:7", command: ["mongod", "--replSet=rs0"]}
""")
    r = readings(listed)
    assert r["mongo1"] == (3, "replica set rs0: 3 copies on the members its rs.initiate lists")
    assert r["mongo2"] == (3, "replica set rs0: 3 copies on the instances that join it "
                              "(mongo1, mongo2, mongo3)")
    assert [w[0] for w in witnesses(listed)] == ["member not found"]
    assert "lists member gone" in witnesses(listed)[0][1]


def test_kafka_factors_from_every_form_and_their_contradictions():
    s = compose("""services:
  app: {image: acme/app, environment: {BROKERS: "kafka1:9092,kafka2:9092"}}
  kafka1:
    image: confluentinc/cp-kafka:7.6.0
    environment:
      KAFKA_ZOOKEEPER_CONNECT: zk:2181
      KAFKA_DEFAULT_REPLICATION_FACTOR: 3
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 2
      KAFKA_MIN_INSYNC_REPLICAS: 4
  kafka2:
    image: confluentinc/cp-kafka:7.6.0
    environment: {KAFKA_ZOOKEEPER_CONNECT: "zk:2181", KAFKA_DEFAULT_REPLICATION_FACTOR: 3}
  zk: {image: confluentinc/cp-zookeeper, environment: {ZOOKEEPER_CLIENT_PORT: 2181}}
  solo:
    image: bitnami/kafka:3.7
    environment: {KAFKA_CFG_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
                  KAFKA_CFG_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1"}
  legacy:
    image: wurstmeister/kafka
    command: ["kafka-server-start.sh", "server.properties", "--override",
              "default.replication.factor=2", "--override", "min.insync.replicas=2"]
""")
    r = readings(s)
    assert r["kafka1"] == (3, "replication factor 3 on 2 brokers")
    assert r["solo"] == (1, "replication factor 1 (Kafka's default) on 1 broker")
    assert r["legacy"] == (2, "replication factor 2 on 1 broker")
    found = witnesses(s)
    assert [w for w, _ in found] == [
        "min.insync.replicas above factor", "replication factor above brokers",
        "replication factor above brokers", "replication factor above brokers"]
    assert found[0][1] == (
        "kafka1: min.insync.replicas is 4, above default.replication.factor 3: every "
        "acks=all write fails with NOT_ENOUGH_REPLICAS (environment variable "
        "KAFKA_MIN_INSYNC_REPLICAS = 4 at services.kafka1.environment."
        "KAFKA_MIN_INSYNC_REPLICAS (line 9))")
    assert sorted(d.split(":")[0] for _, d in found[1:]) == ["kafka1", "kafka2", "legacy"]


def test_kafka_min_isr_above_the_default_factor():
    s = compose("""services:
  app: {image: acme/app, environment: {BROKERS: "kafka:9092"}}
  kafka: {image: apache/kafka, environment: {KAFKA_MIN_INSYNC_REPLICAS: 2}}
""")
    (w,) = verdict(s).witnesses
    assert "above default.replication.factor 1 (Kafka's default)" in w.detail


@pytest.mark.parametrize("value", ['"-1"', "three", '"0"', '"$(X)"'])
def test_a_malformed_factor_is_a_witness_never_a_traceback(value):
    s = compose(f"""services:
  app: {{image: acme/app, environment: {{BROKERS: "kafka:9092"}}}}
  kafka: {{image: apache/kafka, environment: {{KAFKA_DEFAULT_REPLICATION_FACTOR: {value}}}}}
""")
    v = verdict(s)
    assert [w.what for w in v.witnesses] == ["unreadable setting"]
    assert "not a whole number of 1 or more" in v.witnesses[0].detail
    assert "is not a number" in v.summary


def test_malformed_replicas_are_named_errors():
    with pytest.raises(TheoryError, match=r"services\.db\.deploy\.replicas \(line 3\): must be "
                                          r"a whole number of 0 or more, not the string"):
        compose('services:\n  db:\n    deploy: {replicas: three}\n    image: postgres\n'
                '  web: {image: acme/web, environment: {A: "db:5432"}}\n')


def test_elasticsearch_single_node_with_several_instances():
    s = compose("""services:
  app: {image: acme/app, environment: {SEARCH_URL: "http://es:9200"}}
  es:
    image: elasticsearch:8.14.0
    environment: [discovery.type=single-node]
    deploy: {replicas: 2}
""")
    assert readings(s)["es"][1] == "1 copy per instance (environment variable " \
                                   "discovery.type = single-node)"
    assert [w[0] for w in witnesses(s)] == ["single-node cluster with several instances"]


def test_a_file_with_no_data_store_has_no_storage_and_no_new_verdict():
    s = compose("services:\n  web: {image: acme/web, environment: {API: 'http://api:80'}}\n"
                "  api: {image: acme/api}\n")
    assert s.storage is None and CHECKS[0].arguments(s) is None
    assert read_storage([], lambda owner, host: None) is None


# -- Kubernetes -------------------------------------------------------------------------------

K8S = """
apiVersion: v1
kind: Service
metadata: {name: mongo}
spec: {clusterIP: None, selector: {app: mongo}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mongo}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: mongo}}
    spec:
      containers:
        - image: mongo:7
          args: ["--replSet", "rs0", "--bind_ip_all"]
---
apiVersion: v1
kind: Service
metadata: {name: cache}
spec: {selector: {app: cache}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache}
spec:
  replicas: 1
  template:
    metadata: {labels: {app: cache}}
    spec: {containers: [{image: "valkey/valkey:8"}]}
---
apiVersion: v1
kind: Service
metadata: {name: cache-replica}
spec: {selector: {app: cache-replica}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache-replica}
spec:
  replicas: 2
  template:
    metadata: {labels: {app: cache-replica}}
    spec:
      containers:
        - image: bitnami/valkey
          env:
            - {name: VALKEY_REPLICATION_MODE, value: replica}
            - {name: VALKEY_PRIMARY_HOST, value: cache.default.svc.cluster.local}
---
apiVersion: v1
kind: Service
metadata: {name: kafka}
spec: {selector: {app: kafka}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kafka}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: kafka}}
    spec:
      containers:
        - image: bitnami/kafka:3.7
          env:
            - {name: KAFKA_CFG_DEFAULT_REPLICATION_FACTOR, value: "3"}
            - {name: KAFKA_CFG_MIN_INSYNC_REPLICAS, value: "2"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - image: acme/web
          env:
            - {name: DB, value: "mongodb://mongo-0.mongo:27017/x?replicaSet=rs0"}
            - {name: CACHE, value: "cache:6379"}
            - {name: BROKERS, value: "kafka:9092"}
"""


def test_kubernetes_replicas_and_settings_of_the_workload_behind_each_store():
    s = kube(K8S)
    r = readings(s)
    assert r == {
        "cache": (3, "3 copies: primary, with replicas cache-replica (2)"),
        "cache-replica": (3, "replica of cache (3 copies in all)"),
        "kafka": (3, "replication factor 3 on 3 brokers"),
        "mongo": (3, "replica set rs0: 3 copies on the instances that join it (mongo)"),
    }
    evidence = s.storage.stores["kafka"].evidence
    assert str(evidence[0]) == "instances = StatefulSet kafka: 3 replicas at document 8, " \
                               "metadata.name (line 59)"
    assert verdict(s).holds


def test_kubernetes_contradictions_name_their_places():
    s = kube(K8S.replace('value: "3"}', 'value: "5"}').replace(
        "cache.default.svc.cluster.local", "redis-old"))
    found = witnesses(s)
    assert [w for w, _ in found] == ["primary not found", "replication factor above brokers"]
    assert "document 6, spec.template.spec.containers[0].env[1].value (line 50)" in found[0][1]
    assert found[1][1].startswith("kafka: default.replication.factor is 5, but its cluster "
                                  "runs 3 brokers: topics cannot be created")


# -- the report, the command line and the real examples ---------------------------------------


def test_the_report_runs_the_check_and_the_json_carries_each_store():
    report = check_system(kube(K8S))
    refs = [v.statement.ref for v in report.verdicts]
    assert refs.count("Def 6.3.1") == 1
    data = report.as_dict()
    kafka = data["datastores"]["kafka"]  # type: ignore[index]
    assert kafka["replication"]["copies"] == 3
    assert kafka["replication"]["evidence"][1] == {
        "what": "environment variable KAFKA_CFG_DEFAULT_REPLICATION_FACTOR", "value": "3",
        "place": "document 8, spec.template.spec.containers[0].env[0].value (line 68)"}
    json.dumps(data)
    assert "ok   Def 6.3.1 Replication (数据复制): cache: 3 copies" in str(report)


def test_the_checker_refuses_what_is_not_storage():
    with pytest.raises(TheoryError, match="check_replication: storage must be a Storage"):
        check_replication({"db": 1})  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match="read_storage: each store must be a Configured"):
        read_storage(["db"], lambda owner, host: None)  # type: ignore[list-item]
    with pytest.raises(TheoryError, match="Configured: instances must be"):
        Configured("db", "postgres", "database", -1, "x", "y")


REAL = {
    "robot-shop/docker-compose.yaml": {"mongodb": 1, "mysql": 1, "rabbitmq": 1, "redis": 1},
    "sock-shop/docker-compose.yml": {"carts-db": 1, "catalogue-db": 1, "orders-db": 1,
                                     "rabbitmq": 1, "user-db": 1},
    "sock-shop/complete-demo.yaml": {"carts-db": 1, "catalogue-db": 1, "orders-db": 1,
                                     "rabbitmq": 1, "session-db": 1, "user-db": 1},
}


@needs_shared
@pytest.mark.parametrize("file", sorted(REAL))
def test_the_real_examples_keep_one_copy_of_each_store(file):
    source = read(SHARED / file)
    system = (import_kubernetes if file.endswith("demo.yaml") else import_compose)(source)
    assert system.storage is not None
    assert {n: s.copies for n, s in system.storage.stores.items()} == REAL[file]
    v = verdict(system)
    assert v.holds and all(s.reading == "1 copy (no replica)"
                           for s in system.storage.stores.values())


# -- properties -------------------------------------------------------------------------------

counts = st.integers(0, 5)


@settings(max_examples=150)
@given(primary=counts, replicas=st.lists(counts, max_size=3), factor=st.integers(-2, 6),
       brokers=st.integers(1, 4), floor=st.integers(-1, 6))
def test_copies_add_up_and_witnesses_match_the_rules(primary, replicas, factor, brokers, floor):
    """A primary's copies are its instances and its replicas'; a Kafka factor is witnessed
    exactly when it is not a whole number of 1 or more, or more than the brokers."""
    stores = [Configured("p", "redis", "cache", primary, "p", "p")]
    stores += [Configured(f"r{i}", "redis", "cache", n, "r", "r",
                          {"REDIS_REPLICATION_MODE": ("slave", "x"),
                           "REDIS_MASTER_HOST": ("p", "y")}) for i, n in enumerate(replicas)]
    stores += [Configured(f"k{i}", "kafka", "broker", 1, "k", "k",
                          {"KAFKA_ZOOKEEPER_CONNECT": ("zk:2181", "z"),
                           "KAFKA_DEFAULT_REPLICATION_FACTOR": (str(factor), "f"),
                           "KAFKA_MIN_INSYNC_REPLICAS": (str(floor), "m")})
               for i in range(brokers)]
    storage = read_storage(stores, lambda owner, host: {host})
    assert isinstance(storage, Storage)
    if replicas:
        assert storage.stores["p"].copies == primary + sum(replicas)
    kinds = [w.what for w in check_replication(storage).witnesses if w.involves == ("k0",)]
    bad_factor, bad_floor = factor < 1, floor < 1
    expected = (["unreadable setting"] * (bad_factor + bad_floor)
                + ["replication factor above brokers"] * (not bad_factor and factor > brokers)
                + ["min.insync.replicas above factor"] * (
                    not bad_factor and not bad_floor and floor > factor))
    assert sorted(kinds) == sorted(expected)
    several = [w for w in check_replication(storage).witnesses if w.what == "several primaries"]
    assert bool(several) == (primary > 1 and bool(replicas))


def test_bitnami_mongodb_primary_secondary_and_arbiter():
    s = compose("""services:
  web: {image: acme/web, environment: {DB: "mongodb://mongodb-primary:27017/x"}}
  mongodb-primary:
    image: bitnami/mongodb:7.0
    environment: {MONGODB_REPLICA_SET_MODE: primary, MONGODB_REPLICA_SET_NAME: rs0}
  mongodb-secondary:
    image: bitnami/mongodb:7.0
    environment: {MONGODB_REPLICA_SET_MODE: secondary, MONGODB_REPLICA_SET_NAME: rs0,
                  MONGODB_INITIAL_PRIMARY_HOST: mongodb-primary}
    deploy: {replicas: 2}
  mongodb-arbiter:
    image: bitnami/mongodb:7.0
    environment: {MONGODB_REPLICA_SET_MODE: arbiter, MONGODB_REPLICA_SET_NAME: rs0,
                  MONGODB_INITIAL_PRIMARY_HOST: mongodb-primary}
""")
    r = readings(s)
    assert r["mongodb-primary"] == (3, "3 copies: primary, with replicas mongodb-secondary (2)")
    assert r["mongodb-secondary"] == (3, "replica of mongodb-primary (3 copies in all)")
    assert r["mongodb-arbiter"] == (3, "replica set rs0: 3 copies on the instances that join "
                                       "it (mongodb-arbiter, mongodb-primary, "
                                       "mongodb-secondary)")
    assert verdict(s).holds


def test_replicaof_no_one_is_a_primary_and_evidence_is_listed_once():
    s = compose("""services:
  web: {image: acme/web, environment: {CACHE: "redis:6379"}}
  redis: {image: "redis:7", command: "redis-server --replicaof no one"}
  mongo:
    image: bitnami/mongodb
    environment: {MONGODB_REPLICA_SET_MODE: secondary, MONGODB_PRIMARY_HOST: redis}
""")
    assert readings(s)["redis"] == (1, "1 copy (no replica)")
    assert readings(s)["mongo"] == (None, "replica of redis, a redis store")
    assert [w[0] for w in witnesses(s)] == ["primary of another technology"]
    whats = [e.what for e in s.storage.stores["mongo"].evidence]
    assert whats == ["instances", "environment variable MONGODB_REPLICA_SET_MODE",
                     "environment variable MONGODB_PRIMARY_HOST"]
