"""Recognising data stores by container image, and by the variables their images read.

A deployment descriptor does not say which of its containers are data stores; their
images do. :func:`recognise` reads an image reference (``registry:5000/team/orders-db:1.2``,
``postgres:16-alpine@sha256:...``, ``${REPO}/rs-mongodb:${TAG}``) down to the last
component of its repository path, splits that on ``-``, ``_`` and ``.``, and looks the
tokens up in :data:`STORES`. A token of :data:`TOOLS` (``exporter``, ``express``,
``admin``...) marks a tool built around a store, not the store itself: ``redis-exporter``
and ``mongo-express`` are services. A bare ``db`` or ``database`` token
(``weaveworksdemos/catalogue-db``) is a data store of unknown technology;
:func:`identify` may then name it from the variables the container is given
(``MYSQL_ROOT_PASSWORD`` is read by the MySQL image).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "ENVIRONMENT_PREFIXES",
    "GENERIC",
    "REPOSITORIES",
    "STORES",
    "TOOLS",
    "identify",
    "recognise",
]

_DATABASE, _CACHE, _BROKER, _SEARCH = "database", "cache", "broker", "search"

#: Image-name token -> (technology, kind).
STORES: dict[str, tuple[str, str]] = {
    # relational
    "postgres": ("postgres", _DATABASE),
    "postgresql": ("postgres", _DATABASE),
    "postgis": ("postgres", _DATABASE),
    "timescaledb": ("postgres", _DATABASE),
    "mysql": ("mysql", _DATABASE),
    "percona": ("mysql", _DATABASE),
    "mariadb": ("mariadb", _DATABASE),
    "cockroach": ("cockroachdb", _DATABASE),
    "cockroachdb": ("cockroachdb", _DATABASE),
    "mssql": ("sqlserver", _DATABASE),
    "oracle": ("oracle", _DATABASE),
    "db2": ("db2", _DATABASE),
    "clickhouse": ("clickhouse", _DATABASE),
    "questdb": ("questdb", _DATABASE),
    # document, wide-column, graph, time series, object
    "mongo": ("mongo", _DATABASE),
    "mongodb": ("mongo", _DATABASE),
    "couchdb": ("couchdb", _DATABASE),
    "couchbase": ("couchbase", _DATABASE),
    "arangodb": ("arangodb", _DATABASE),
    "rethinkdb": ("rethinkdb", _DATABASE),
    "cassandra": ("cassandra", _DATABASE),
    "scylla": ("scylla", _DATABASE),
    "scylladb": ("scylla", _DATABASE),
    "dynamodb": ("dynamodb", _DATABASE),
    "neo4j": ("neo4j", _DATABASE),
    "influxdb": ("influxdb", _DATABASE),
    "minio": ("minio", _DATABASE),
    # caches
    "redis": ("redis", _CACHE),
    "valkey": ("valkey", _CACHE),
    "keydb": ("keydb", _CACHE),
    "memcached": ("memcached", _CACHE),
    "hazelcast": ("hazelcast", _CACHE),
    # brokers
    "kafka": ("kafka", _BROKER),
    "redpanda": ("redpanda", _BROKER),
    "rabbitmq": ("rabbitmq", _BROKER),
    "nats": ("nats", _BROKER),
    "activemq": ("activemq", _BROKER),
    "pulsar": ("pulsar", _BROKER),
    "mosquitto": ("mosquitto", _BROKER),
    "emqx": ("emqx", _BROKER),
    # search
    "elasticsearch": ("elasticsearch", _SEARCH),
    "opensearch": ("opensearch", _SEARCH),
    "solr": ("solr", _SEARCH),
    "meilisearch": ("meilisearch", _SEARCH),
    "typesense": ("typesense", _SEARCH),
}

#: Whole repository paths whose last component says nothing (``mssql/server``).
REPOSITORIES: dict[str, tuple[str, str]] = {
    "mssql/server": ("sqlserver", _DATABASE),
    "mssql/rhel/server": ("sqlserver", _DATABASE),
}

#: Tokens that name a data store of unknown technology.
GENERIC: dict[str, tuple[str, str]] = {
    "db": ("unknown", _DATABASE),
    "database": ("unknown", _DATABASE),
}

#: Tokens of tools built around a store (``redis-exporter``, ``mongo-express``,
#: ``db-migrate``): such an image is a service, whatever store it names.
TOOLS = frozenset({
    "admin", "adminer", "backup", "cli", "client", "commander", "connect", "console",
    "dashboard", "exporter", "express", "gui", "init", "loader", "migrate", "migration",
    "migrations", "migrator", "monitor", "operator", "proxy", "rest", "seed", "seeder",
    "setup", "sync", "ui", "web", "webui",
})

#: Variable-name prefix -> (technology, kind): variables a store's official image reads.
ENVIRONMENT_PREFIXES: tuple[tuple[str, tuple[str, str]], ...] = (
    ("MYSQL_", ("mysql", _DATABASE)),
    ("MARIADB_", ("mariadb", _DATABASE)),
    ("POSTGRES_", ("postgres", _DATABASE)),
    ("PGDATA", ("postgres", _DATABASE)),
    ("MONGO_INITDB_", ("mongo", _DATABASE)),
    ("CASSANDRA_", ("cassandra", _DATABASE)),
    ("COUCHDB_", ("couchdb", _DATABASE)),
    ("NEO4J_", ("neo4j", _DATABASE)),
    ("INFLUXDB_", ("influxdb", _DATABASE)),
    ("CLICKHOUSE_", ("clickhouse", _DATABASE)),
    ("MSSQL_", ("sqlserver", _DATABASE)),
    ("ES_JAVA_OPTS", ("elasticsearch", _SEARCH)),
    ("RABBITMQ_", ("rabbitmq", _BROKER)),
)

_INTERPOLATION = re.compile(r"\$\{[^}]*\}?|\$\w*")
_SEPARATORS = re.compile(r"[-_.]+")


def _repository(image: str) -> str:
    """The repository path of ``image``: no interpolation, registry host, tag or digest."""
    text = _INTERPOLATION.sub("", image.strip().lower())
    text = text.partition("@")[0]
    parts = text.split("/")
    if len(parts) > 1 and (":" in parts[0] or "." in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]  # a registry host, perhaps with a port
    last = parts[-1].partition(":")[0]
    return "/".join([*parts[:-1], last]).strip("/")


def _lookup(token: str, table: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """``token`` in ``table``, also with trailing version digits dropped (``mongo4``)."""
    return table.get(token) or table.get(token.rstrip("0123456789"))


def recognise(image: object) -> tuple[str, str] | None:
    """``(technology, kind)`` when ``image`` runs a data store, else ``None``.

    >>> recognise("postgres:16-alpine")
    ('postgres', 'database')
    >>> recognise("${REPO}/rs-mongodb:${TAG}")
    ('mongo', 'database')
    >>> recognise("weaveworksdemos/catalogue-db:0.3.0")
    ('unknown', 'database')
    >>> recognise("oliver006/redis_exporter") is None
    True
    """
    if not isinstance(image, str):
        return None
    repository = _repository(image)
    if repository in REPOSITORIES:
        return REPOSITORIES[repository]
    tokens = [t for t in _SEPARATORS.split(repository.rpartition("/")[2]) if t]
    if not tokens or any(t in TOOLS for t in tokens):
        return None
    for table in (STORES, GENERIC):
        for token in tokens:
            found = _lookup(token, table)
            if found:
                return found
    return None


def _by_environment(names: Iterable[object]) -> tuple[str, tuple[str, str]] | None:
    upper = [n.upper() for n in names if isinstance(n, str)]
    for prefix, found in ENVIRONMENT_PREFIXES:
        if any(name.startswith(prefix) for name in upper):
            return prefix, found
    return None


def identify(image: object, variables: Iterable[object] = ()) -> tuple[tuple[str, str], str] | None:
    """``((technology, kind), why)`` when ``image``, given environment ``variables``,
    runs a data store; else ``None``.

    >>> identify("weaveworksdemos/catalogue-db", ["MYSQL_ROOT_PASSWORD"])
    (('mysql', 'database'), "weaveworksdemos/catalogue-db is named as a data store and its \
variables MYSQL_... are mysql's")
    """
    store = recognise(image)
    if store is None:
        return None
    if store != GENERIC["db"]:
        return store, f"{image} is a {store[0]} image"
    named = _by_environment(variables)
    if named:
        prefix, store = named
        return store, (f"{image} is named as a data store and its variables "
                       f"{prefix}... are {store[0]}'s")
    return store, f"{image} is named as a data store of unknown technology"
