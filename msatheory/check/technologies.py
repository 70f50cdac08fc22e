"""Recognising data stores and monitoring tools, and saying why.

A deployment descriptor does not say which of its containers are data stores. Four
things do, each with its reason, and never a word inside a service's own image name
(``acme/kafka-consumer`` is a consumer, ``acme/db-gateway`` a gateway):

1. the image (:func:`recognise`): an official or well-known image of a store
   (:data:`REPOSITORIES`: ``postgres``, ``bitnami/redis``, ``confluentinc/cp-kafka``,
   ``mcr.microsoft.com/mssql/server``), or a mirror of an official one, whose
   repository's last component is exactly that name (``registry.acme/mirror/postgres``);
2. the variables it is given that only a store's server image reads
   (:data:`SERVER_VARIABLES`: ``MYSQL_ROOT_PASSWORD``, ``MONGO_INITDB_ROOT_USERNAME``);
3. its own name, when it is exactly a store's (:data:`NAMES`: a service called
   ``mongodb`` built from its own Dockerfile);
4. how the others address it (:func:`by_protocol`): as ``mongodb://...``, with a
   connection string, or by ``host:port`` on a store's registered port
   (``user-db:27017``; a web URL's port says nothing: ``http://search-api:9200``).

:func:`identify` applies the first three to one container; the importers apply the
fourth across the file. A monitoring tool (:func:`monitoring_tool`: Prometheus, an
exporter, Zipkin, an OpenTelemetry collector) is a service whose links watch rather
than depend.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from msatheory.check.addresses import Address

__all__ = [
    "KINDS",
    "MONITORING_REPOSITORIES",
    "NAMES",
    "OFFICIAL",
    "PORTS",
    "PROTOCOLS",
    "REPOSITORIES",
    "SERVER_VARIABLES",
    "by_protocol",
    "identify",
    "monitoring_tool",
    "recognise",
    "repository",
]

_DATABASE, _CACHE, _BROKER, _SEARCH = "database", "cache", "broker", "search"

#: Each store technology and its kind of data store.
KINDS: dict[str, str] = {
    "postgres": _DATABASE, "mysql": _DATABASE, "mariadb": _DATABASE,
    "cockroachdb": _DATABASE, "sqlserver": _DATABASE, "oracle": _DATABASE,
    "db2": _DATABASE, "clickhouse": _DATABASE, "questdb": _DATABASE, "mongo": _DATABASE,
    "couchdb": _DATABASE, "couchbase": _DATABASE, "arangodb": _DATABASE,
    "rethinkdb": _DATABASE, "cassandra": _DATABASE, "scylla": _DATABASE,
    "dynamodb": _DATABASE, "neo4j": _DATABASE, "influxdb": _DATABASE, "minio": _DATABASE,
    "unknown": _DATABASE,
    "redis": _CACHE, "valkey": _CACHE, "keydb": _CACHE, "memcached": _CACHE,
    "hazelcast": _CACHE,
    "kafka": _BROKER, "redpanda": _BROKER, "rabbitmq": _BROKER, "nats": _BROKER,
    "activemq": _BROKER, "pulsar": _BROKER, "mosquitto": _BROKER, "emqx": _BROKER,
    "elasticsearch": _SEARCH, "opensearch": _SEARCH, "solr": _SEARCH,
    "meilisearch": _SEARCH, "typesense": _SEARCH,
}

#: Official images (Docker Hub's library), by name: also a mirror's last component.
OFFICIAL: dict[str, str] = {
    "postgres": "postgres", "mysql": "mysql", "mariadb": "mariadb", "percona": "mysql",
    "mongo": "mongo", "couchdb": "couchdb", "couchbase": "couchbase",
    "arangodb": "arangodb", "rethinkdb": "rethinkdb", "cassandra": "cassandra",
    "neo4j": "neo4j", "influxdb": "influxdb", "redis": "redis", "memcached": "memcached",
    "rabbitmq": "rabbitmq", "nats": "nats", "eclipse-mosquitto": "mosquitto",
    "elasticsearch": "elasticsearch", "solr": "solr", "clickhouse": "clickhouse",
    "valkey": "valkey", "emqx": "emqx",
}

#: Well-known images of stores beyond the official ones, by repository path.
REPOSITORIES: dict[str, str] = {
    "bitnami/postgresql": "postgres", "bitnami/postgresql-repmgr": "postgres",
    "postgis/postgis": "postgres", "timescale/timescaledb": "postgres",
    "timescale/timescaledb-ha": "postgres", "pgvector/pgvector": "postgres",
    "ankane/pgvector": "postgres", "supabase/postgres": "postgres",
    "bitnami/mysql": "mysql", "mysql/mysql-server": "mysql", "percona/percona-server": "mysql",
    "bitnami/mariadb": "mariadb", "bitnami/mariadb-galera": "mariadb",
    "cockroachdb/cockroach": "cockroachdb",
    "mssql/server": "sqlserver", "mssql/rhel/server": "sqlserver",
    "azure-sql-edge": "sqlserver", "gvenzl/oracle-xe": "oracle",
    "gvenzl/oracle-free": "oracle", "database/express": "oracle",
    "database/enterprise": "oracle", "database/free": "oracle", "ibmcom/db2": "db2",
    "icr.io/db2_community/db2": "db2",
    "clickhouse/clickhouse-server": "clickhouse", "yandex/clickhouse-server": "clickhouse",
    "questdb/questdb": "questdb", "bitnami/mongodb": "mongo", "mongodb/mongodb-community-server":
    "mongo", "bitnami/couchdb": "couchdb", "bitnami/cassandra": "cassandra",
    "scylladb/scylla": "scylla", "amazon/dynamodb-local": "dynamodb",
    "bitnami/influxdb": "influxdb", "minio/minio": "minio", "bitnami/minio": "minio",
    "bitnami/redis": "redis", "bitnami/redis-cluster": "redis", "redis/redis-stack":
    "redis", "redis/redis-stack-server": "redis", "valkey/valkey": "valkey",
    "bitnami/valkey": "valkey", "eqalpha/keydb": "keydb", "bitnami/memcached": "memcached",
    "hazelcast/hazelcast": "hazelcast",
    "confluentinc/cp-kafka": "kafka", "confluentinc/cp-server": "kafka",
    "apache/kafka": "kafka", "apache/kafka-native": "kafka", "bitnami/kafka": "kafka",
    "wurstmeister/kafka": "kafka", "redpandadata/redpanda": "redpanda",
    "vectorized/redpanda": "redpanda", "bitnami/rabbitmq": "rabbitmq",
    "bitnami/nats": "nats", "apache/activemq-artemis": "activemq",
    "apache/activemq-classic": "activemq", "rmohr/activemq": "activemq",
    "apachepulsar/pulsar": "pulsar", "apache/pulsar": "pulsar", "emqx/emqx": "emqx",
    "elasticsearch/elasticsearch": "elasticsearch", "bitnami/elasticsearch": "elasticsearch",
    "opensearchproject/opensearch": "opensearch", "bitnami/opensearch": "opensearch",
    "bitnami/solr": "solr", "getmeili/meilisearch": "meilisearch",
    "typesense/typesense": "typesense",
}

#: Variables that only a store's server image reads, by name.
SERVER_VARIABLES: dict[str, str] = {
    **dict.fromkeys(("MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD",
                     "MYSQL_RANDOM_ROOT_PASSWORD", "MYSQL_ROOT_HOST", "MYSQL_ONETIME_PASSWORD",
                     "MYSQL_INITDB_SKIP_TZINFO"), "mysql"),
    **dict.fromkeys(("MARIADB_ROOT_PASSWORD", "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
                     "MARIADB_RANDOM_ROOT_PASSWORD", "MARIADB_ROOT_HOST"), "mariadb"),
    **dict.fromkeys(("POSTGRES_INITDB_ARGS", "POSTGRES_INITDB_WALDIR",
                     "POSTGRES_HOST_AUTH_METHOD", "PGDATA"), "postgres"),
    **dict.fromkeys(("MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD",
                     "MONGO_INITDB_DATABASE"), "mongo"),
    **dict.fromkeys(("MSSQL_SA_PASSWORD", "MSSQL_PID"), "sqlserver"),
    **dict.fromkeys(("RABBITMQ_DEFAULT_USER", "RABBITMQ_DEFAULT_PASS",
                     "RABBITMQ_DEFAULT_VHOST", "RABBITMQ_ERLANG_COOKIE"), "rabbitmq"),
    **dict.fromkeys(("CASSANDRA_CLUSTER_NAME", "CASSANDRA_SEEDS", "CASSANDRA_DC",
                     "CASSANDRA_ENDPOINT_SNITCH", "CASSANDRA_NUM_TOKENS"), "cassandra"),
    **dict.fromkeys(("KAFKA_BROKER_ID", "KAFKA_NODE_ID", "KAFKA_ADVERTISED_LISTENERS",
                     "KAFKA_ZOOKEEPER_CONNECT", "KAFKA_PROCESS_ROLES",
                     "KAFKA_CONTROLLER_QUORUM_VOTERS", "KAFKA_CFG_NODE_ID",
                     "KAFKA_CFG_PROCESS_ROLES"), "kafka"),
    **dict.fromkeys(("ES_JAVA_OPTS", "discovery.type"), "elasticsearch"),
    **dict.fromkeys(("OPENSEARCH_JAVA_OPTS", "OPENSEARCH_INITIAL_ADMIN_PASSWORD"),
                    "opensearch"),
    **dict.fromkeys(("NEO4J_AUTH",), "neo4j"),
    **dict.fromkeys(("DOCKER_INFLUXDB_INIT_MODE", "INFLUXDB_ADMIN_USER"), "influxdb"),
    **dict.fromkeys(("CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT",), "clickhouse"),
}

#: Names that only a store goes by: a technology's own name, or its common alias.
NAMES: dict[str, str] = {
    **{t: t for t in KINDS if t not in ("unknown", "oracle")},
    "postgresql": "postgres", "mongodb": "mongo", "mssql": "sqlserver",
    "elasticsearch": "elasticsearch", "memcache": "memcached",
}

#: URL schemes and connection-string kinds that address a store (``jdbc:`` and a
#: ``+driver`` suffix, as in ``postgresql+asyncpg``, are dropped first).
PROTOCOLS: dict[str, str] = {
    "postgres": "postgres", "postgresql": "postgres", "pgsql": "postgres",
    "mysql": "mysql", "mysqlx": "mysql", "mariadb": "mariadb", "sqlserver": "sqlserver",
    "mssql": "sqlserver", "oracle": "oracle", "db2": "db2", "cockroachdb": "cockroachdb",
    "clickhouse": "clickhouse", "mongodb": "mongo", "couchbase": "couchbase",
    "cassandra": "cassandra", "neo4j": "neo4j", "bolt": "neo4j", "redis": "redis",
    "rediss": "redis", "valkey": "valkey", "memcached": "memcached", "memcache": "memcached",
    "amqp": "rabbitmq", "amqps": "rabbitmq", "kafka": "kafka", "nats": "nats",
    "mqtt": "mosquitto", "mqtts": "mosquitto", "pulsar": "pulsar", "database": "unknown",
}

#: Registered (IANA) or de facto ports of stores.
PORTS: dict[int, str] = {
    5432: "postgres", 3306: "mysql", 1433: "sqlserver", 1521: "oracle", 50000: "db2",
    26257: "cockroachdb", 27017: "mongo", 5984: "couchdb", 8529: "arangodb",
    28015: "rethinkdb", 9042: "cassandra", 7687: "neo4j", 8086: "influxdb",
    6379: "redis", 11211: "memcached", 5701: "hazelcast", 9092: "kafka", 5672: "rabbitmq",
    5671: "rabbitmq", 4222: "nats", 1883: "mosquitto", 8883: "mosquitto", 6650: "pulsar",
    61616: "activemq", 9200: "elasticsearch", 8983: "solr", 7700: "meilisearch",
    8108: "typesense",
}

#: Images of monitoring tools: their links watch what they reach, and links to them
#: (traces, metrics) are telemetry, not dependencies.
MONITORING_REPOSITORIES: dict[str, str] = {
    "prom/prometheus": "Prometheus", "prometheus": "Prometheus",
    "bitnami/prometheus": "Prometheus", "prom/alertmanager": "Alertmanager",
    "prom/pushgateway": "Prometheus Pushgateway", "prom/blackbox-exporter": "an exporter",
    "grafana/grafana": "Grafana", "grafana/agent": "Grafana Agent",
    "grafana/alloy": "Grafana Alloy", "grafana/tempo": "Grafana Tempo",
    "grafana/loki": "Grafana Loki", "openzipkin/zipkin": "Zipkin",
    "openzipkin/zipkin-slim": "Zipkin", "jaegertracing/all-in-one": "Jaeger",
    "jaegertracing/jaeger-collector": "Jaeger", "jaegertracing/jaeger": "Jaeger",
    "otel/opentelemetry-collector": "the OpenTelemetry Collector",
    "otel/opentelemetry-collector-contrib": "the OpenTelemetry Collector",
    "datadog/agent": "the Datadog Agent", "xabarilcoding/healthchecksui": "HealthChecks UI",
    "datalust/seq": "Seq", "telegraf": "Telegraf", "statsd/statsd": "StatsD",
}

_INTERPOLATION = re.compile(r"\$\{[^}]*\}?|\$\w*")
_SEPARATORS = re.compile(r"[-_.]+")


def repository(image: object) -> str:
    """The repository path of ``image``, lower case: no interpolation, tag or digest, and
    no registry host (``docker.io/library/postgres:16`` gives ``postgres``)."""
    if not isinstance(image, str):
        return ""
    text = _INTERPOLATION.sub("", image.strip().lower()).partition("@")[0]
    parts = [p for p in text.split("/") if p]
    if len(parts) > 1 and (":" in parts[0] or "." in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]  # a registry host, perhaps with a port
    if parts and parts[0] == "library":
        parts = parts[1:]
    if not parts:
        return ""
    parts[-1] = parts[-1].partition(":")[0]
    return "/".join(parts)


def recognise(image: object) -> tuple[str, str] | None:
    """``(technology, kind)`` when ``image`` is an official or well-known store image, or a
    mirror of an official one; else ``None``.

    >>> recognise("postgres:16-alpine")
    ('postgres', 'database')
    >>> recognise("registry.acme.example:5000/mirror/redis:7")
    ('redis', 'cache')
    >>> recognise("acme/kafka-consumer") is None and recognise("${REPO}/rs-mongodb") is None
    True
    """
    path = repository(image)
    technology = REPOSITORIES.get(path) or OFFICIAL.get(path.rpartition("/")[2])
    if technology is None:
        for known, found in REPOSITORIES.items():  # a registry path ending in a known one
            if path.endswith("/" + known):
                technology = found
                break
    return (technology, KINDS[technology]) if technology else None


def by_protocol(address: Address) -> tuple[tuple[str, str], str] | None:
    """``((technology, kind), how)`` when ``address`` addresses a store by its protocol or
    its port; else ``None``.

    >>> by_protocol(Address("user-db", 27017, "user-db:27017"))
    (('mongo', 'database'), 'on port 27017, the mongo port')
    """
    base = address.protocol.removeprefix("jdbc:").split("+")[0].split(":")[0]
    if base in PROTOCOLS:
        technology = PROTOCOLS[base]
        if technology == "unknown" and address.port in PORTS:
            technology = PORTS[address.port]
        if "://" in address.text:
            what = f"as a {address.protocol} URL"
        elif address.protocol == "oracle":
            what = "with an Oracle address"
        else:
            what = "with a connection string"
        return (technology, KINDS[technology]), what
    if address.port in PORTS and base in ("", "tcp"):  # a web URL's port says nothing
        technology = PORTS[address.port]
        return (technology, KINDS[technology]), f"on port {address.port}, the {technology} port"
    return None


def _server_variables(names: Iterable[object]) -> tuple[str, str] | None:
    for name in names:
        if isinstance(name, str) and name in SERVER_VARIABLES:
            return SERVER_VARIABLES[name], name
    return None


def identify(image: object, variables: Iterable[object] = (),
             name: str = "") -> tuple[tuple[str, str], str] | None:
    """``((technology, kind), why)`` when a container of ``image``, given environment
    ``variables`` and called ``name``, runs a data store; else ``None``.

    >>> identify("acme/catalogue-db", ["MYSQL_ROOT_PASSWORD"])[1]
    'it sets MYSQL_ROOT_PASSWORD, which only the mysql server image reads'
    >>> identify("${REPO}/rs-mongodb:${TAG}", [], "mongodb")[1]
    'it is named mongodb, as the mongo server is'
    """
    store = recognise(image)
    if store:
        return store, f"its image {image} is a {store[0]} image"
    found = _server_variables(variables)
    if found:
        technology, variable = found
        return ((technology, KINDS[technology]),
                f"it sets {variable}, which only the {technology} server image reads")
    named = NAMES.get(name.lower())
    if named:
        return (named, KINDS[named]), f"it is named {name}, as the {named} server is"
    return None


def monitoring_tool(image: object) -> str | None:
    """What monitoring tool ``image`` runs (``"Prometheus"``, ``"an exporter"``), or ``None``.

    >>> monitoring_tool("prom/prometheus:v2.53.0"), monitoring_tool("oliver006/redis_exporter")
    ('Prometheus', 'an exporter')
    """
    path = repository(image)
    if path in MONITORING_REPOSITORIES:
        return MONITORING_REPOSITORIES[path]
    tokens = [t for t in _SEPARATORS.split(path.rpartition("/")[2]) if t]
    return "an exporter" if tokens and tokens[-1] == "exporter" else None
