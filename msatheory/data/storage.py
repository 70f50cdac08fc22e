"""Def 6.3.1 (数据复制): how many copies of its data each data store of a deployment keeps,
read from the deployment's own files.

Data replication is copying data to several nodes. A compose file or a set of Kubernetes
manifests does not say so in one place: it says how many instances run a store
(compose ``deploy.replicas``/``scale``, a StatefulSet's or Deployment's ``spec.replicas``),
and, in the variables and command lines the store's image reads, how those instances
copy their data. :func:`read_storage` reads both into one :class:`Store` per data store,
with each piece of :class:`Evidence` and its place in the file; :func:`check_replication`
reports every store's copies, a single copy included (a fact, not a violation), and
witnesses only the settings that cannot work.

**What is read**, each name as the image's documentation spells it:

* *primary-replica* (Strategy 6.3.1, 主从复制): Redis and Valkey ``--replicaof HOST PORT``
  and ``--slaveof HOST PORT`` on the command line (redis.conf's directives, which
  ``redis-server`` accepts as flags), and Bitnami's ``REDIS_REPLICATION_MODE``
  (``master``/``slave``/``replica``) with ``REDIS_MASTER_HOST`` (``VALKEY_`` and
  ``VALKEY_PRIMARY_HOST`` for Valkey); Bitnami PostgreSQL's
  ``POSTGRESQL_REPLICATION_MODE`` with ``POSTGRESQL_MASTER_HOST``; Bitnami MySQL's and
  MariaDB's ``MYSQL_REPLICATION_MODE``/``MARIADB_REPLICATION_MODE`` with
  ``MYSQL_MASTER_HOST``/``MARIADB_MASTER_HOST``; MySQL's ``--server-id`` and
  ``--log-bin`` (a binary log is what replicas copy from), recorded as evidence;
  Bitnami MongoDB's ``MONGODB_REPLICA_SET_MODE`` (``primary``, ``secondary``, ``arbiter``,
  ``hidden``) with ``MONGODB_PRIMARY_HOST`` or ``MONGODB_INITIAL_PRIMARY_HOST``.
  A replica's copies are its primary's: the primary's instances and those of every
  replica that follows it.
* *replica sets*: MongoDB's ``--replSet NAME`` (and Bitnami's
  ``MONGODB_REPLICA_SET_NAME``); when a command line initiates the set
  (``rs.initiate({... members: [{host: 'mongo1:27017'}, ...]})``) its members are read,
  arbiters (``arbiterOnly: true``) holding no copy; otherwise the instances that run with
  the same set name are its members.
* *replication factors* (Kafka): every ``KAFKA_CFG_NAME`` (Bitnami) or ``KAFKA_NAME``
  (Confluent's ``cp-kafka``, ``wurstmeister/kafka``) variable names the broker property
  ``name`` in lower case with dots for underscores; ``--override name=value`` and
  ``name=value`` words of a command line name it directly. Read are
  ``default.replication.factor`` (Kafka's default is 1),
  ``offsets.topic.replication.factor``, ``transaction.state.log.replication.factor``,
  ``min.insync.replicas`` and ``transaction.state.log.min.isr``. Brokers sharing a
  ``zookeeper.connect``, ``controller.quorum.voters`` or ``CLUSTER_ID`` are one cluster,
  whose brokers are their instances summed.
* *single node*: Elasticsearch's and OpenSearch's ``discovery.type=single-node`` makes an
  instance a cluster of its own.

Anything else (Cassandra keyspaces, RabbitMQ queue types, configuration files mounted from
volumes) is not in the variables and command lines read here: a store with one instance
then keeps one copy, and one with several instances has copies the file does not state.

Sources: Bitnami's container READMEs (``bitnami/containers``: redis, postgresql, mysql,
mongodb, kafka); Redis, "Replication" (``replicaof``); MongoDB, "Deploy a Self-Managed
Replica Set" (``--replSet``, ``rs.initiate``); Apache Kafka, "Broker Configs" and KIP-579
(``min.insync.replicas`` above the replication factor fails every ``acks=all`` write with
``NOT_ENOUGH_REPLICAS``); Confluent, "Docker Image Configuration Reference for Confluent
Platform" (``KAFKA_`` variables become broker properties); Elastic, "Single-node
discovery".

This module reads configuration it is given, as :class:`Configured` records; which
containers run a store, and which host names reach which of them, is the importers'
(:mod:`msatheory.check.inference`).
"""

from __future__ import annotations

import re
import shlex
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

from msatheory.errors import TheoryError, require_count, require_name
from msatheory.theory import Kind, get
from msatheory.theory.verdict import Verdict, Witness

__all__ = [
    "KAFKA_DEFAULT_FACTOR",
    "Configured",
    "Evidence",
    "Storage",
    "Store",
    "check_replication",
    "read_storage",
]

#: Kafka's default ``default.replication.factor``: one copy of each partition.
KAFKA_DEFAULT_FACTOR = 1

Resolve = Callable[[str, str], Collection[str] | None]
"""``resolve(store, host)``: the names ``host`` (lower case) reaches from ``store``; None
when it names nothing in the file."""

_PRIMARY_MODES = {"master", "primary"}
_REPLICA_MODES = {"slave", "replica", "secondary", "hidden"}
_FOLLOWERS = {  # technology: [(mode variable, primary-host variable), ...]
    "redis": [("REDIS_REPLICATION_MODE", "REDIS_MASTER_HOST")],
    "valkey": [("VALKEY_REPLICATION_MODE", "VALKEY_PRIMARY_HOST")],
    "postgres": [("POSTGRESQL_REPLICATION_MODE", "POSTGRESQL_MASTER_HOST")],
    "mysql": [("MYSQL_REPLICATION_MODE", "MYSQL_MASTER_HOST")],
    "mariadb": [("MARIADB_REPLICATION_MODE", "MARIADB_MASTER_HOST"),
                ("MYSQL_REPLICATION_MODE", "MYSQL_MASTER_HOST")],
    "mongo": [("MONGODB_REPLICA_SET_MODE", "MONGODB_PRIMARY_HOST"),
              ("MONGODB_REPLICA_SET_MODE", "MONGODB_INITIAL_PRIMARY_HOST")],
}
_KAFKA_FACTORS = ("default.replication.factor", "offsets.topic.replication.factor",
                  "transaction.state.log.replication.factor", "min.insync.replicas",
                  "transaction.state.log.min.isr")
_KAFKA_CLUSTER = ("zookeeper.connect", "controller.quorum.voters", "cluster.id")
_MEMBER_HOST = re.compile(r"""host\s*:\s*['"]([^'"\s]+)['"]""")
_MEMBER = re.compile(r"\{[^{}]*\}")
_ARBITER = re.compile(r"arbiterOnly\s*:\s*true", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Evidence:
    """One setting that says how a store copies its data: ``what`` names it
    (``environment variable REDIS_MASTER_HOST``, ``command --replSet``), ``value`` is
    what it is set to, and ``place`` where it is written."""

    what: str
    value: str
    place: str

    def __str__(self) -> str:
        return f"{self.what} = {self.value} at {self.place}"

    def as_dict(self) -> dict[str, str]:
        """A JSON-ready form."""
        return {"what": self.what, "value": self.value, "place": self.place}


@dataclass(frozen=True)
class Configured:
    """What a deployment file says about one data store, as :func:`read_storage` reads it.

    ``instances`` is how many instances run it, said by ``runs`` (``StatefulSet mongo: 3
    replicas``) at ``place``; ``variables`` maps each environment variable to its value
    and place; ``commands`` holds each command line (``command``, ``args``,
    ``entrypoint``) with its place.
    """

    name: str
    technology: str
    kind: str
    instances: int
    runs: str
    place: str
    variables: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    commands: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        owner = "Configured"
        require_name(owner, "name", self.name)
        require_name(owner, "technology", self.technology)
        require_count(owner, "instances", self.instances)


@dataclass(frozen=True)
class Store:
    """Def 6.3.1 (数据复制): one data store and the copies of its data the file shows.

    ``instances`` run it; ``copies`` is how many nodes hold each datum (None: the file
    does not say how several instances copy their data); ``reading`` says it in words
    (``1 copy (no replica)``, ``replica of redis-primary``, ``replication factor 3 on 3
    brokers``). ``role`` is ``"primary"``, ``"replica"``, ``"member"`` or ``""``;
    ``follows`` the primary host a replica names, as written, and ``primary`` the store
    it reaches (``""`` when none); ``factors`` the Kafka properties read; ``brokers`` the
    instances of its Kafka cluster; ``members`` the replica set members a command line
    lists, with the stores they reach; ``evidence`` every setting read.
    """

    name: str
    technology: str
    kind: str
    instances: int
    copies: int | None
    reading: str
    role: str = ""
    follows: str = ""
    primary: str = ""
    factors: Mapping[str, tuple[str, Evidence]] = field(default_factory=dict)
    brokers: int = 0
    members: tuple[tuple[str, tuple[str, ...]], ...] = ()
    single_node: Evidence | None = None
    evidence: tuple[Evidence, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {"technology": self.technology, "instances": self.instances,
                "copies": self.copies, "reading": self.reading, "role": self.role,
                "follows": self.follows, "primary": self.primary,
                "evidence": [e.as_dict() for e in self.evidence]}


@dataclass(frozen=True)
class Storage:
    """Every data store of a system with its replication (:class:`Store`), by name."""

    stores: Mapping[str, Store]

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {name: store.as_dict() for name, store in sorted(self.stores.items())}


# -- reading ----------------------------------------------------------------------------------


@dataclass
class _Read:
    """What one store's settings say, before the stores are related to each other."""

    given: Configured
    evidence: list[Evidence] = field(default_factory=list)
    role: str = ""
    follows: str = ""
    follows_at: Evidence | None = None
    replica_set: str = ""
    factors: dict[str, tuple[str, Evidence]] = field(default_factory=dict)
    cluster: str = ""
    members: list[tuple[str, bool]] = field(default_factory=list)
    single_node: Evidence | None = None

    def variable(self, name: str) -> tuple[str, Evidence] | None:
        found = self.given.variables.get(name)
        if found is None or not found[0].strip():
            return None
        value, place = found
        evidence = Evidence(f"environment variable {name}", value.strip(), place)
        self.evidence.append(evidence)
        return value.strip(), evidence


def read_storage(configured: Iterable[Configured], resolve: Resolve) -> Storage | None:
    """Def 6.3.1 (数据复制): each data store's copies, as its settings show them.

    Parameters
    ----------
    configured : iterable of Configured
        Each data store, with its instances, variables and command lines.
    resolve : callable
        ``resolve(store, host)``: the names a host reaches from that store, or None.

    Returns
    -------
    Storage or None
        One :class:`Store` per data store; None when there is none.

    Raises
    ------
    TheoryError
        When an item is not a :class:`Configured` record.

    Examples
    --------
    >>> primary = Configured("cache", "redis", "cache", 1, "container cache: 1", "a")
    >>> replica = Configured("cache-replica", "redis", "cache", 2, "container: 2", "b",
    ...                      commands=(("redis-server --replicaof cache 6379", "c"),))
    >>> storage = read_storage([primary, replica], lambda owner, host: {host})
    >>> storage.stores["cache"].reading
    '3 copies: primary, with replicas cache-replica (2)'

    References
    ----------
    .. [1] Def 6.3.1 of the theory (数据复制); Strategy 6.3.1 (主从复制).
    .. [2] Redis, "Replication"; MongoDB, "Replica Set Members"; Apache Kafka, "Broker
       Configs"; Bitnami's container READMEs.
    """
    reads = []
    for item in configured:
        if not isinstance(item, Configured):
            raise TheoryError(f"read_storage: each store must be a Configured record, not "
                              f"{item!r}")
        reads.append(_read(item))
    if not reads:
        return None
    by_name = {r.given.name: r for r in reads}

    def store_of(owner: str, host: str) -> str:
        reached = resolve(owner, host.lower().rstrip(".")) or ()
        found = sorted(n for n in reached if n in by_name)
        return found[0] if len(found) == 1 else ""

    primaries = {r.given.name: store_of(r.given.name, r.follows) for r in reads if r.follows}
    followers: dict[str, list[_Read]] = defaultdict(list)
    for name, primary in primaries.items():
        if primary and primary != name and _same(by_name[name], by_name[primary]):
            followers[primary].append(by_name[name])
    clusters: dict[str, list[_Read]] = defaultdict(list)
    sets: dict[str, list[_Read]] = defaultdict(list)
    for r in reads:
        if r.given.technology in ("kafka", "redpanda"):
            clusters[r.cluster or f"\0{r.given.name}"].append(r)
        if r.replica_set:
            sets[r.replica_set].append(r)
    stores = {}
    for r in reads:
        name = r.given.name
        brokers = sum(m.given.instances for m in clusters.get(r.cluster or f"\0{name}", []))
        members = tuple((host, tuple(sorted(n for n in (resolve(name, host.lower()) or ())
                                              if n in by_name))) for host, _ in r.members)
        copies, reading = _copies(r, by_name, primaries, followers, sets, brokers)
        stores[name] = Store(
            name, r.given.technology, r.given.kind, r.given.instances, copies, reading,
            r.role, r.follows, primaries.get(name, ""), dict(r.factors), brokers, members,
            r.single_node,
            tuple(dict.fromkeys((Evidence("instances", r.given.runs, r.given.place),
                                 *r.evidence))))
    return Storage(stores)


def _read(given: Configured) -> _Read:
    r = _Read(given)
    technology = given.technology
    words = [(w, place) for text, place in given.commands for w in _words(text)]
    for mode_name, host_name in _FOLLOWERS.get(technology, ()):
        mode = r.variable(mode_name)
        if mode is None:
            continue
        r.role = _role(mode[0])
        host = r.variable(host_name)
        if host is not None and r.role == "replica":
            r.follows, r.follows_at = host[0].partition(":")[0], host[1]
    if technology in ("redis", "valkey", "keydb"):
        for flag in ("--replicaof", "--slaveof"):
            found = _flag(words, flag)
            if found and found[0].lower() != "no one":  # "replicaof no one": a primary
                value, place = found
                r.role, r.follows = "replica", value.split()[0]
                r.follows_at = Evidence(f"command {flag}", value, place)
                r.evidence.append(r.follows_at)
    if technology in ("mysql", "mariadb"):
        for flag in ("--server-id", "--log-bin"):
            found = _flag(words, flag, optional=True)
            if found:
                r.evidence.append(Evidence(f"command {flag}", found[0] or "on", found[1]))
    if technology == "mongo":
        found = _flag(words, "--replSet")
        if found:
            r.replica_set = found[0].partition("/")[0]
            r.evidence.append(Evidence("command --replSet", found[0], found[1]))
        named = r.variable("MONGODB_REPLICA_SET_NAME")
        if r.role or named:
            r.replica_set = r.replica_set or (named[0] if named else "replicaset")
        for text, place in given.commands:
            if "rs.initiate" in text and "members" in text:
                r.members = [(m.group(1).partition(":")[0], bool(_ARBITER.search(block)))
                             for block in _MEMBER.findall(text.partition("members")[2])
                             if (m := _MEMBER_HOST.search(block))]
                r.evidence.append(Evidence("command rs.initiate", ", ".join(
                    host for host, _ in r.members), place))
        if (r.role == "replica" and not r.follows) or (r.replica_set and not r.role):
            r.role = "member"
    if technology in ("kafka", "redpanda"):
        _read_kafka(r, words)
    if technology in ("elasticsearch", "opensearch"):
        discovery = r.variable("discovery.type")
        if discovery and discovery[0] == "single-node":
            r.single_node = discovery[1]
    return r


_FAMILIES = {"mariadb": "mysql", "valkey": "redis", "keydb": "redis"}


def _same_technology(a: Store | Configured, b: Store | Configured) -> bool:
    """Whether ``a`` can replicate from ``b``: MySQL and MariaDB, Redis, Valkey and KeyDB
    speak one replication protocol each."""
    return _FAMILIES.get(a.technology, a.technology) == _FAMILIES.get(b.technology,
                                                                      b.technology)


def _same(a: _Read, b: _Read) -> bool:
    return _same_technology(a.given, b.given)


def _role(mode: str) -> str:
    mode = mode.strip().lower()
    if mode in _PRIMARY_MODES:
        return "primary"
    if mode in _REPLICA_MODES:
        return "replica"
    return "arbiter" if mode == "arbiter" else ""


def _read_kafka(r: _Read, words: list[tuple[str, str]]) -> None:
    """Kafka's broker properties, from ``KAFKA_CFG_``/``KAFKA_`` variables and from
    ``--override name=value`` or ``name=value`` words of a command line."""
    for variable in sorted(r.given.variables):
        for prefix in ("KAFKA_CFG_", "KAFKA_"):
            if variable.startswith(prefix):
                key = variable[len(prefix):].lower().replace("_", ".")
                if key in _KAFKA_FACTORS or key in _KAFKA_CLUSTER:
                    found = r.variable(variable)
                    if found is not None:
                        _kafka_property(r, key, *found)
                break
    cluster_id = r.variable("CLUSTER_ID")
    if cluster_id is not None and not r.cluster:
        r.cluster = f"cluster.id={cluster_id[0]}"
    for word, place in words:
        key, equals, value = word.partition("=")
        if equals and (key in _KAFKA_FACTORS or key in _KAFKA_CLUSTER) and value:
            evidence = Evidence(f"command {key}", value, place)
            r.evidence.append(evidence)
            _kafka_property(r, key, value, evidence)


def _kafka_property(r: _Read, key: str, value: str, evidence: Evidence) -> None:
    if key in _KAFKA_FACTORS:
        r.factors[key] = (value, evidence)
    elif not r.cluster:
        r.cluster = f"{key}={value}"


def _words(text: str) -> list[str]:
    """The words of a command line, those of a quoted script (``sh -c "..."``) included."""
    try:
        parts = shlex.split(text)
    except ValueError:  # an unclosed quote: split on white space instead
        parts = text.split()
    return [word for part in parts for word in part.split()]


def _flag(words: list[tuple[str, str]], flag: str,
          optional: bool = False) -> tuple[str, str] | None:
    """The value of ``flag`` (``--flag value`` or ``--flag=value``; for ``--replicaof``,
    the host and port words) and its place; ``("", place)`` for a bare ``optional`` flag."""
    for i, (word, place) in enumerate(words):
        if word.startswith(flag + "="):
            return word[len(flag) + 1:], place
        if word == flag:
            rest = [w for w, _ in words[i + 1: i + 3]]
            if rest and not rest[0].startswith("-"):
                take = 2 if flag in ("--replicaof", "--slaveof") else 1
                return " ".join(rest[:take]), place
            if optional:
                return "", place
    return None


def _copies(r: _Read, by_name: Mapping[str, _Read], primaries: Mapping[str, str],
            followers: Mapping[str, list[_Read]], sets: Mapping[str, list[_Read]],
            brokers: int) -> tuple[int | None, str]:
    """A store's copies and the words that report them."""
    given, name = r.given, r.given.name
    if given.technology in ("kafka", "redpanda"):
        stated = r.factors.get("default.replication.factor")
        factor = _whole(stated[0]) if stated else KAFKA_DEFAULT_FACTOR
        source = "" if stated else " (Kafka's default)"
        if factor is None:
            return None, f"replication factor {stated[0] if stated else '?'} is not a number"
        return factor, (f"replication factor {factor}{source} on "
                        f"{_plural(brokers, 'broker')}")
    if r.follows:
        primary = primaries.get(name, "")
        if not primary or primary == name:
            return None, f"replica of {r.follows}, which is not a data store of this file"
        if not _same(r, by_name[primary]):
            return None, f"replica of {primary}, a {by_name[primary].given.technology} store"
        copies, _ = _copies(by_name[primary], by_name, primaries, followers, sets, 0) \
            if not by_name[primary].follows else (None, "")
        return copies, f"replica of {primary}" + (f" ({_plural(copies, 'copy')} in all)"
                                                  if copies else "")
    if name in followers:
        replicas = followers[name]
        copies = given.instances + sum(f.given.instances for f in replicas)
        shown = ", ".join(f"{f.given.name} ({f.given.instances})" for f in replicas)
        return copies, f"{_plural(copies, 'copy')}: primary, with replicas {shown}"
    if r.replica_set:
        if r.members:
            copies = sum(not arbiter for _, arbiter in r.members)
            return copies, (f"replica set {r.replica_set}: {_plural(copies, 'copy')} on the "
                            "members its rs.initiate lists")
        members = sets[r.replica_set]
        copies = sum(m.given.instances for m in members if m.role != "arbiter")
        names = ", ".join(sorted(m.given.name for m in members))
        return copies, (f"replica set {r.replica_set}: {_plural(copies, 'copy')} on the "
                        f"instances that join it ({names})")
    if r.single_node:
        return 1, f"1 copy per instance ({r.single_node.what} = single-node)"
    if given.instances == 1:
        return 1, "1 copy (no replica)"
    if given.instances == 0:
        return 0, "no instance runs"
    return None, (f"{given.instances} instances; the file states no replication: each may "
                  "hold data of its own")


def _whole(text: str) -> int | None:
    """``text`` as a whole number of 1 or more, or None."""
    text = text.strip()
    if text.isdecimal() and len(text) < 10 and int(text) >= 1:
        return int(text)
    return None


def _plural(n: int, what: str) -> str:
    """``1 copy``, ``3 copies``, ``2 brokers``."""
    if n == 1:
        return f"{n} {what}"
    return f"{n} {what[:-1]}ies" if what.endswith("y") else f"{n} {what}s"


# -- checking ---------------------------------------------------------------------------------


def check_replication(storage: Storage) -> Verdict:
    """Def 6.3.1 (数据复制): each data store's copies, and the settings that cannot copy.

    Ours: data replication is copying a store's data to several nodes. A store with one
    copy holds; a store replicates when its settings make instances copy one primary
    or form one set. What the files show is reported for every store; a witness is a
    setting that cannot work as written.

    Parameters
    ----------
    storage : Storage
        The data stores, as :func:`read_storage` read them.

    Returns
    -------
    Verdict
        On Def 6.3.1; its summary gives each store's copies. Witnesses, each
        ``involves`` naming the store: ``"replication factor above brokers"`` (Kafka
        cannot place more copies than brokers run), ``"min.insync.replicas above
        factor"`` (every ``acks=all`` write fails), ``"unreadable setting"`` (a factor
        that is not a whole number of 1 or more), ``"primary not found"`` (a replica
        follows a host that is no data store of the file, or itself), ``"primary of
        another technology"``, ``"several primaries"`` (a primary with several
        instances, each a primary of its own),
        ``"member not found"`` (a replica set member naming no data store),
        ``"single-node cluster with several instances"``.

    Raises
    ------
    TheoryError
        When ``storage`` is not a :class:`Storage`.

    Examples
    --------
    >>> kafka = Configured("kafka", "kafka", "broker", 1, "container kafka: 1", "x",
    ...                    {"KAFKA_DEFAULT_REPLICATION_FACTOR": ("3", "env (line 4)")})
    >>> verdict = check_replication(read_storage([kafka], lambda owner, host: None))
    >>> verdict.summary
    'kafka: replication factor 3 on 1 broker.'
    >>> for witness in verdict.witnesses:
    ...     print(witness.what, "|", witness.detail[:43])
    replication factor above brokers | kafka: default.replication.factor is 3, but

    References
    ----------
    .. [1] Def 6.3.1 of the theory (数据复制); Strategies 6.3.1 (主从复制) and 6.3.2 (对等复制).
    .. [2] Apache Kafka, "Broker Configs"; KIP-579 (``min.insync.replicas`` above the
       replication factor). Redis, "Replication". MongoDB, "Replica Set Members".
       Elastic, "Single-node discovery". Bitnami's container READMEs.
    """
    if not isinstance(storage, Storage):
        raise TheoryError(f"check_replication: storage must be a Storage, not {storage!r}")
    witnesses = [w for store in storage.stores.values() for w in _witnesses(store, storage)]
    summary = "; ".join(f"{name}: {store.reading}"
                        for name, store in sorted(storage.stores.items())) + "."
    return Verdict(get(Kind.DEFINITION, "6.3.1"), witnesses, summary)


def _witnesses(store: Store, storage: Storage) -> list[Witness]:
    found: list[Witness] = []
    name = store.name
    numbers: dict[str, int] = {}
    for key, (value, evidence) in sorted(store.factors.items()):
        number = _whole(value)
        if number is None:
            found.append(Witness("unreadable setting", (name,),
                                 f"{name}: {key} is {value!r}, not a whole number of 1 or "
                                 f"more ({evidence})"))
        else:
            numbers[key] = number
    for key in _KAFKA_FACTORS[:3]:
        if key in numbers and numbers[key] > store.brokers:
            found.append(Witness("replication factor above brokers", (name,),
                                 f"{name}: {key} is {numbers[key]}, but its cluster runs "
                                 f"{_plural(store.brokers, 'broker')}: "
                                 f"{_FAILS[key]} ({store.factors[key][1]})"))
    for least, factor in (("min.insync.replicas", "default.replication.factor"),
                          ("transaction.state.log.min.isr",
                           "transaction.state.log.replication.factor")):
        if factor in store.factors and factor not in numbers:
            continue  # an unreadable factor is its own witness
        stated = numbers.get(factor, KAFKA_DEFAULT_FACTOR if factor.startswith("default")
                             else None)
        if least in numbers and stated is not None and numbers[least] > stated:
            source = "" if factor in numbers else " (Kafka's default)"
            found.append(Witness("min.insync.replicas above factor", (name,),
                                 f"{name}: {least} is {numbers[least]}, above {factor} "
                                 f"{stated}{source}: every acks=all write fails with "
                                 f"NOT_ENOUGH_REPLICAS ({store.factors[least][1]})"))
    if store.follows and (not store.primary or store.primary == name):
        why = "itself" if store.primary == name else "no data store of this file"
        found.append(Witness("primary not found", (name,),
                             f"{name} replicates from {store.follows}, which is {why}: it "
                             f"copies nothing"
                             + (f" ({_evidence(store, 'MASTER_HOST', 'PRIMARY_HOST', '--')})")))
    primary = storage.stores.get(store.primary)
    if primary is not None and primary.name != name and not _same_technology(store, primary):
        found.append(Witness("primary of another technology", (name,),
                             f"{name} ({store.technology}) replicates from {primary.name}, a "
                             f"{primary.technology} store: it copies nothing "
                             f"({_evidence(store, 'MASTER_HOST', 'PRIMARY_HOST', '--')})"))
    following = [s for s in storage.stores.values() if s.primary == name and s.name != name
                 and _same_technology(s, store)]
    if following and store.instances > 1:
        found.append(Witness("several primaries", (name,),
                             f"{name} runs {store.instances} instances, each a primary of its "
                             f"own; {', '.join(s.name for s in following)} follow whichever "
                             f"its name reaches ({store.evidence[0]})"))
    for host, reached in store.members:
        if not reached:
            found.append(Witness("member not found", (name,),
                                 f"{name}'s replica set lists member {host}, which is no "
                                 f"data store of this file ({_evidence(store, 'rs.initiate')})"))
    if store.single_node is not None and store.instances > 1:
        found.append(Witness("single-node cluster with several instances", (name,),
                             f"{name} runs {store.instances} instances with discovery.type = "
                             "single-node: each is a cluster of its own and no copy is "
                             f"shared ({store.single_node})"))
    return found


_FAILS = {
    "default.replication.factor": "topics cannot be created",
    "offsets.topic.replication.factor": "the consumer offsets topic cannot be created, so "
                                        "consumer groups cannot commit",
    "transaction.state.log.replication.factor": "the transaction log cannot be created, so "
                                                "transactions cannot start",
}


def _evidence(store: Store, *marks: str) -> str:
    """The first evidence whose name holds one of ``marks``."""
    return next((str(e) for e in store.evidence if any(m in e.what for m in marks)),
                str(store.evidence[0]))
