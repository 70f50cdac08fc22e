"""Strategy 6.3.1 (主从复制): one primary, several replicas, a shipped log and failover.

The theory's strategy is "one primary node and several replica nodes" (一个主节点，多个从节点).
:class:`PrimaryReplicaGroup` makes it a deterministic simulation that chapter 6's
consistency checkers can judge: every client operation is recorded as a
:class:`~msatheory.data.history.Operation`, and :meth:`PrimaryReplicaGroup.history`
returns them as a :class:`~msatheory.data.history.History`.

What the model holds (Kleppmann, *Designing Data-Intensive Applications*, ch. 5):

* **the log.** Clients write to the current primary, which applies the write at once and
  appends it to its log at the next **log position** (1, 2, ...). Each replica receives the
  log in order: entry ``n`` reaches replica ``r`` at ``max(arrival of n - 1, invoked +
  lag)``, the lag drawn as ``mean_r * Exp(1)`` from one generator seeded by ``seed`` (one
  draw per replica per entry, replicas in the order given). A replica applies what it has
  received, so its position at time ``t`` is the number of entries arrived by ``t``.
  The model does not separate receipt from apply: an entry is readable on a replica as
  soon as it arrives (PostgreSQL's ``remote_apply``; MySQL semi-sync acknowledges on
  relay-log receipt, before apply).
* **the modes** (:data:`MODES`). The primary acknowledges a write, and the client gets
  its answer ``rtt`` later: ``"async"`` as soon as the primary has applied it (the
  default of MySQL and PostgreSQL); ``"semi-sync"`` once at least one replica has it
  (MySQL semi-synchronous replication, ``rpl_semi_sync_master_wait_for_slave_count = 1``;
  PostgreSQL ``synchronous_standby_names = 'ANY 1 (...)'``); ``"sync"`` once every replica
  that was up when it was written has it or has left the group, and at least one has it.
  With no replica to wait for, a semi-sync or sync write waits for ever (PostgreSQL's
  behaviour; MySQL's ``rpl_semi_sync_master_timeout`` fallback to async is not modelled).
* **failures.** :meth:`~PrimaryReplicaGroup.fail` takes a node down at a time. A replica
  that fails receives nothing more. When the primary fails, the log stream stops: entries
  that had not reached a replica by then never will, and a write whose acknowledgement
  was due at or after the failure is never answered. ``detection`` seconds later a
  failover promotes the most up-to-date live replica (the highest log position, ties to
  the first named, as orchestrator and Patroni compare positions); the log is cut back to
  its position, so the writes beyond it are **lost** (:attr:`Write.lost`), and the other
  replicas follow the new primary, which re-ships what they miss. Until then the group
  has no primary and refuses writes and primary reads (refused operations are counted
  in ``refused``, not recorded: the client knows they did not happen). A node that
  failed stays down.
* **reads** (:data:`ROUTES`). ``"primary"`` reads the primary; ``"replica"`` reads a
  replica (the one named, or one chosen by a second generator seeded by ``seed``);
  ``"sticky"`` is a **position read**: each session remembers the highest log position it
  wrote or read, and a replica serves the read only if it has applied that position;
  otherwise the read goes to the primary, as ProxySQL's GTID causal reads and MaxScale's
  ``causal_reads`` with fallback do (MySQL's ``WAIT_FOR_EXECUTED_GTID_SET`` would wait on
  the replica instead). A read returns the node's value at its invocation and is
  answered ``rtt`` later. Sticky reads give each session Terry et al.'s read-your-writes
  and monotonic reads; plain replica reads give neither.

The measures a lesson shows are functions: :func:`failover_loss` (acknowledged writes lost
by mode), :func:`write_latencies`, :meth:`PrimaryReplicaGroup.lags` (the replication lag
distribution; under load it exceeds the per-entry mean, since an entry waits for those
before it), :func:`stale_read_fraction` against the closed form
:func:`stale_read_probability`. :meth:`PrimaryReplicaGroup.version_order` gives the
checkers of :mod:`msatheory.data.consistency` the order the group applied the writes.

The module stops at one group: no rejoining node, no split brain (a failed primary never
comes back to accept writes), no network partition, no fallback from semi-sync to async
on timeout, and no peer-to-peer replication (Strategy 6.3.2).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from msatheory.data.history import History, Operation
from msatheory.errors import (
    TheoryError,
    require_choice,
    require_count,
    require_distinct,
    require_duration,
    require_name,
    require_number,
    require_seed,
)
from msatheory.sim import VirtualClock, seeded_rng

__all__ = [
    "MODES",
    "ROUTES",
    "Failover",
    "FailoverReport",
    "NodeState",
    "PrimaryReplicaGroup",
    "Write",
    "failover_loss",
    "stale_read_fraction",
    "stale_read_probability",
    "write_latencies",
]

#: When the primary acknowledges a write: after it applied it, after one replica, after all.
MODES = ("async", "semi-sync", "sync")

#: Where a read goes: the primary, any replica, or a replica that has the session's position.
ROUTES = ("primary", "replica", "sticky")

#: The default replicas and their mean replication lags, in seconds.
REPLICAS: Mapping[str, float] = {"replica-1": 0.005, "replica-2": 0.02}

#: Salt of the generator that chooses replicas, so that choices do not shift the lags.
_CHOICE_SALT = 0x5EED


@dataclass
class _Entry:
    """One write on the log, as its primary shipped it."""

    session: str
    key: str
    value: Hashable
    invoked: float
    position: int
    primary: str
    arrivals: dict[str, float | None]
    lost: bool = False


@dataclass(frozen=True)
class Write:
    """Strategy 6.3.1 (主从复制): what became of one accepted write.

    ``position`` is its log position on ``primary``; ``acked`` when the primary could
    acknowledge it under the group's mode (``None``: never), ``completed`` when the client
    got the answer (``acked + rtt``); ``lost`` whether a failover cut it from the log.
    """

    session: str
    key: str
    value: Hashable
    invoked: float
    position: int
    primary: str
    acked: float | None
    completed: float | None
    lost: bool

    @property
    def acknowledged(self) -> bool:
        """Whether the client was told the write succeeded."""
        return self.completed is not None


@dataclass(frozen=True)
class Failover:
    """Strategy 6.3.1 (主从复制): one failover. ``failed`` went down at ``at``;
    ``promoted`` (``None``: no live replica) became primary at ``promoted_at`` with log
    position ``position``; ``discarded`` entries were cut from the log, ``lost`` of them
    acknowledged to their clients."""

    failed: str
    at: float
    promoted: str | None
    promoted_at: float
    position: int
    discarded: int
    lost: int


@dataclass(frozen=True)
class NodeState:
    """One node now: its ``role`` (``"primary"`` or ``"replica"``), whether it is ``up``,
    and its applied log ``position``."""

    name: str
    role: str
    up: bool
    position: int


class PrimaryReplicaGroup:
    """Strategy 6.3.1 (主从复制): one primary and its replicas, on a virtual clock.

    Parameters
    ----------
    replicas : mapping of str to float
        Each replica's name and mean replication lag in seconds (each entry's lag is the
        mean times an Exp(1) draw).
    mode : str
        When a write is acknowledged: one of :data:`MODES`.
    primary : str
        The first primary's name.
    rtt : float
        Client round trip in seconds: an answer reaches the client this long after the
        node gave it.
    detection : float
        Seconds from the primary's failure to the promotion of a replica.
    seed : int
        Fixes the lags and the replica choices.

    Raises
    ------
    TheoryError
        On a bad argument, a node named twice, an operation dated before the clock, or a
        failure of a node that is already down.

    Examples
    --------
    An async write is acknowledged at once; the primary dies before the lagging replica
    has it, so the failover loses it.

    >>> g = PrimaryReplicaGroup({"r1": 0.01}, mode="async", rtt=0, detection=1, seed=0)
    >>> g.write("alice", "v1", at=0)
    1
    >>> g.read("bob", at=1, route="replica").value
    'v1'
    >>> g.write("alice", "v2", at=2)
    2
    >>> g.fail("primary", at=2.001)
    >>> g.advance(4)
    >>> g.primary, g.failovers[0].lost
    ('r1', 1)
    >>> g.read("alice", at=4, route="primary").value
    'v1'

    References
    ----------
    .. [1] Strategy 6.3.1 of the theory (主从复制): 一个主节点，多个从节点.
    .. [2] M. Kleppmann, *Designing Data-Intensive Applications*, O'Reilly, 2017, ch. 5
       (leaders and followers, synchronous versus asynchronous replication, handling node
       outages, problems with replication lag).
    .. [3] MySQL 8.0 Reference Manual, 19.4.10 "Semisynchronous Replication".
    .. [4] PostgreSQL documentation, ``synchronous_commit`` and
       ``synchronous_standby_names`` (runtime-config-replication).
    .. [5] D. B. Terry et al., "Session Guarantees for Weakly Consistent Replicated
       Data", PDIS 1994.
    """

    replicas: dict[str, float]
    mode: str
    primary_name: str
    rtt: float
    detection: float
    seed: int

    def __init__(self, replicas: Mapping[str, float] | None = None, mode: str = "async", *,
                 primary: str = "primary", rtt: float = 0.001, detection: float = 1.0,
                 seed: int = 0):
        owner = "PrimaryReplicaGroup"
        given = dict(REPLICAS) if replicas is None else replicas
        if not isinstance(given, Mapping):
            raise TheoryError(f"{owner}: replicas must be a mapping of names to mean lags, "
                              f"not {given!r}")
        self.replicas = {require_name(owner, "replica name", name):
                         require_duration(owner, f"lag of {name!r}", lag)
                         for name, lag in given.items()}
        self.mode = require_choice(owner, "mode", mode, MODES)
        self.primary_name = require_name(owner, "primary", primary)
        require_distinct(owner, "the nodes", (self.primary_name, *self.replicas))
        self.rtt = require_duration(owner, "rtt", rtt)
        self.detection = require_duration(owner, "detection", detection)
        self.seed = require_seed(owner, seed)
        self.clock = VirtualClock()
        self._lag_rng = seeded_rng(seed, owner)
        self._choice_rng = seeded_rng(seed ^ _CHOICE_SALT, owner)
        self._nodes = (self.primary_name, *self.replicas)
        self._primary: str | None = self.primary_name
        self._failed_at: dict[str, float] = {}
        self._stopped: dict[str, int] = {}  # a failed primary's last position
        self._pending: tuple[str, float, float] | None = None  # (failed, at, promote at)
        self._log: list[_Entry] = []
        self._entries: list[_Entry] = []
        self._inbox: dict[str, list[float]] = {name: [] for name in self.replicas}
        self._keys: dict[str, tuple[list[int], list[Hashable]]] = {}
        self._sessions: dict[str, int] = {}
        self._reads: list[Operation] = []
        self._failovers: list[Failover] = []
        self.refused = 0
        self.fallbacks = 0

    # --- the state -------------------------------------------------------------------

    @property
    def primary(self) -> str | None:
        """The current primary's name (``None`` while the group has none)."""
        return self._primary

    @property
    def failovers(self) -> tuple[Failover, ...]:
        """The failovers so far, in order."""
        return tuple(self._failovers)

    def _up(self, name: str) -> bool:
        return name not in self._failed_at

    def _followers(self) -> list[str]:
        """The live nodes that are not the primary and receive its log."""
        return [n for n in self._nodes if n != self._primary and self._up(n)]

    def position(self, node: str) -> int:
        """The log position ``node`` has applied now (a down node: where it stopped)."""
        require_choice("PrimaryReplicaGroup", "node", node, self._nodes)
        if node == self._primary:
            return len(self._log)
        if node in self._stopped:
            return self._stopped[node]
        return bisect_right(self._inbox[node], self.clock.now)

    def nodes(self) -> tuple[NodeState, ...]:
        """Every node's role, status and applied position, the first primary first."""
        return tuple(NodeState(n, "primary" if n == self._primary else "replica",
                               self._up(n), self.position(n)) for n in self._nodes)

    def _value(self, key: str, position: int) -> Hashable | None:
        positions, values = self._keys.get(key, ([], []))
        index = bisect_right(positions, position) - 1
        return values[index] if index >= 0 else None

    # --- time, failure and failover --------------------------------------------------

    def advance(self, to: float) -> None:
        """Move the clock to ``to`` (not before now), promoting a replica on the way if a
        failover falls due."""
        require_duration("PrimaryReplicaGroup", "time", to)
        if to < self.clock.now:
            raise TheoryError(f"PrimaryReplicaGroup: time must not come before now "
                              f"({self.clock.now!r}), not {to!r}")
        if self._pending is not None and self._pending[2] <= to:
            failed, at, when = self._pending
            self._pending = None
            self.clock.advance_to(when)
            self._promote(failed, at)
        self.clock.advance_to(to)

    def fail(self, node: str, at: float) -> None:
        """Take ``node`` down at ``at``: it receives nothing more, and if it is the
        primary its log stream stops and a failover falls due ``detection`` later."""
        owner = "PrimaryReplicaGroup"
        require_choice(owner, "node", node, self._nodes)
        self.advance(at)
        if not self._up(node):
            raise TheoryError(f"{owner}: node {node!r} is already down")
        now = self.clock.now
        current = self._primary
        cut = self._followers() if node == current else [node]
        self._failed_at[node] = now
        for name in cut:
            inbox = self._inbox[name]
            kept = bisect_right(inbox, now)
            for entry in self._log[kept:len(inbox)]:
                if entry.primary == current and name in entry.arrivals:
                    entry.arrivals[name] = None
            del inbox[kept:]
        if node == current:
            self._stopped[node] = len(self._log)
            self._primary = None
            self._pending = (node, now, now + self.detection)

    def _promote(self, failed: str, at: float) -> None:
        candidates = self._followers()
        if not candidates:
            self._failovers.append(Failover(failed, at, None, self.clock.now,
                                            len(self._log), 0, 0))
            return
        chosen = max(candidates, key=lambda n: (len(self._inbox[n]),
                                                -candidates.index(n)))
        kept = len(self._inbox[chosen])
        discarded = self._log[kept:]
        for entry in discarded:
            entry.lost = True
        del self._log[kept:]
        for positions, values in self._keys.values():
            cut = bisect_right(positions, kept)
            del positions[cut:]
            del values[cut:]
        self._primary = chosen
        self._inbox[chosen] = []
        now = self.clock.now
        for name in self._followers():
            inbox = self._inbox[name]
            for _ in range(len(inbox), kept):
                inbox.append(max(inbox[-1] if inbox else now,
                                 now + self._draw(name)))
        lost = sum(1 for entry in discarded if self._acked(entry) is not None)
        self._failovers.append(Failover(failed, at, chosen, now, kept, len(discarded), lost))

    def _draw(self, replica: str) -> float:
        return self.replicas[replica] * self._lag_rng.expovariate(1.0)

    # --- writes ----------------------------------------------------------------------

    def write(self, session: str, value: Hashable, at: float, key: str = "x") -> int | None:
        """Write ``value`` to ``key`` on the primary at ``at``; return its log position,
        or ``None`` if the group has no primary and refuses it."""
        owner = "PrimaryReplicaGroup.write"
        require_name(owner, "session", session)
        require_name(owner, "key", key)
        if value is None:
            raise TheoryError(f"{owner}: value must not be None (None is the initial value)")
        self.advance(at)
        if self._primary is None:
            self.refused += 1
            return None
        now = self.clock.now
        position = len(self._log) + 1
        arrivals: dict[str, float | None] = {}
        for name in self._followers():
            inbox = self._inbox[name]
            arrival = max(inbox[-1] if inbox else now, now + self._draw(name))
            inbox.append(arrival)
            arrivals[name] = arrival
        entry = _Entry(session, key, value, now, position, self._primary, arrivals)
        self._log.append(entry)
        self._entries.append(entry)
        positions, values = self._keys.setdefault(key, ([], []))
        positions.append(position)
        values.append(value)
        self._sessions[session] = max(self._sessions.get(session, 0), position)
        return position

    def _acked(self, entry: _Entry) -> float | None:
        """When the entry's primary could acknowledge it under the mode (None: never)."""
        if self.mode == "async":
            ack: float | None = entry.invoked
        else:
            received = sorted(a for a in entry.arrivals.values() if a is not None)
            if not received:
                ack = None
            elif self.mode == "semi-sync":
                ack = received[0]
            else:  # sync: every replica has it or has left the group
                left = [self._failed_at.get(name, math.inf)
                        for name, a in entry.arrivals.items() if a is None]
                ack = max(received + left)
        failed = self._failed_at.get(entry.primary, math.inf)
        return ack if ack is not None and ack < failed else None

    def writes(self) -> tuple[Write, ...]:
        """Every accepted write, with when it was acknowledged and whether it was lost,
        as things stand (as if nothing more fails)."""
        out = []
        for entry in self._entries:
            acked = self._acked(entry)
            completed = None if acked is None else acked + self.rtt
            out.append(Write(entry.session, entry.key, entry.value, entry.invoked,
                             entry.position, entry.primary, acked, completed, entry.lost))
        return tuple(out)

    def lags(self) -> dict[str, tuple[float, ...]]:
        """Strategy 6.3.1 (主从复制): each replica's lag per entry it received from the
        primary that wrote it (arrival minus invocation, in seconds)."""
        out: dict[str, list[float]] = {name: [] for name in self.replicas}
        for entry in self._entries:
            for name, arrival in entry.arrivals.items():
                if arrival is not None:
                    out[name].append(arrival - entry.invoked)
        return {name: tuple(values) for name, values in out.items()}

    # --- reads -----------------------------------------------------------------------

    def read(self, session: str, at: float, route: str = "replica", key: str = "x",
             replica: str | None = None) -> Operation | None:
        """Read ``key`` at ``at`` by ``route`` (one of :data:`ROUTES`), from ``replica``
        if named; return the recorded read, or ``None`` if no node could serve it."""
        owner = "PrimaryReplicaGroup.read"
        require_name(owner, "session", session)
        require_name(owner, "key", key)
        require_choice(owner, "route", route, ROUTES)
        if replica is not None:
            require_choice(owner, "replica", replica, self._nodes)
        self.advance(at)
        node = self._route(route, session, replica)
        if node is None:
            self.refused += 1
            return None
        position = self.position(node)
        self._sessions[session] = max(self._sessions.get(session, 0), position)
        now = self.clock.now
        op = Operation(session, "read", self._value(key, position), now, now + self.rtt, key)
        self._reads.append(op)
        return op

    def _route(self, route: str, session: str, replica: str | None) -> str | None:
        if route == "primary":
            return self._primary
        followers = self._followers()
        if replica is not None:
            if replica not in followers:
                return None
            chosen: str | None = replica
        elif followers:
            chosen = followers[self._choice_rng.randrange(len(followers))]
        else:
            chosen = None
        if route == "replica":
            return chosen
        if chosen is not None and self.position(chosen) >= self._sessions.get(session, 0):
            return chosen
        self.fallbacks += 1
        return self._primary

    def version_order(self) -> dict[str, tuple[Operation, ...]]:
        """Each key's writes in the order the group applied them (log order, a lost
        write where its primary put it, before the writes of the next primary): the
        ``order`` for chapter 6's session-guarantee checkers."""
        order: dict[str, list[Operation]] = {}
        for w in self.writes():
            order.setdefault(w.key, []).append(
                Operation(w.session, "write", w.value, w.invoked, w.completed, w.key))
        return {key: tuple(ops) for key, ops in order.items()}

    def history(self) -> History:
        """Def 6.1.1 (数据一致性): every accepted write and served read, as operations
        (writes answered as things stand, as if nothing more fails)."""
        writes = [Operation(w.session, "write", w.value, w.invoked, w.completed, w.key)
                  for w in self.writes()]
        return History([*writes, *self._reads])

    def __repr__(self) -> str:
        return (f"PrimaryReplicaGroup(mode={self.mode!r}, primary={self._primary!r}, "
                f"replicas={sorted(self.replicas)!r}, now={self.clock.now:g})")


# --- measures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FailoverReport:
    """Strategy 6.3.1 (主从复制): the writes of one run with a primary failure:
    ``acknowledged`` writes, ``lost`` of them cut by the failover, ``unanswered`` accepted
    but never acknowledged, ``refused`` while there was no primary; ``promoted`` the new
    primary."""

    mode: str
    acknowledged: int
    lost: int
    unanswered: int
    refused: int
    promoted: str | None


def _steady_writes(group: PrimaryReplicaGroup, writes: int, interval: float,
                   fail_at: float | None) -> None:
    for i in range(writes):
        t = i * interval
        if fail_at is not None and group.primary == group.primary_name and t >= fail_at:
            group.fail(group.primary_name, fail_at)
        group.write("client", i + 1, at=t)
    if fail_at is not None and group.primary == group.primary_name:
        group.fail(group.primary_name, max(fail_at, group.clock.now))
    if fail_at is not None:
        group.advance(max(group.clock.now, fail_at + group.detection))


def failover_loss(mode: str, *, fail_at: float = 0.5, writes: int = 1000,
                  interval: float = 0.001, replicas: Mapping[str, float] | None = None,
                  rtt: float = 0.001, detection: float = 0.1, seed: int = 0) -> FailoverReport:
    """Strategy 6.3.1 (主从复制): acknowledged writes lost when the primary fails.

    One client writes ``writes`` values, one every ``interval`` seconds; the primary fails
    at ``fail_at`` and a replica is promoted ``detection`` later.

    Parameters
    ----------
    mode : str
        One of :data:`MODES`.
    fail_at, interval, rtt, detection : float
        Seconds.
    writes : int
        How many writes the client attempts.
    replicas : mapping of str to float, optional
        Replica names and mean lags (default :data:`REPLICAS`).
    seed : int
        Fixes the lags.

    Returns
    -------
    FailoverReport
        The counts of acknowledged, lost, unanswered and refused writes.

    Raises
    ------
    TheoryError
        On a bad argument.

    Examples
    --------
    Async loses the writes the promoted replica had not received; semi-sync leaves
    those same writes unanswered instead (the client knows it does not know).

    >>> [(r.acknowledged, r.lost, r.unanswered) for r in map(failover_loss, MODES)]
    [(900, 16, 0), (884, 0, 16), (842, 0, 58)]

    References
    ----------
    .. [1] Strategy 6.3.1 of the theory (主从复制).
    .. [2] M. Kleppmann, *Designing Data-Intensive Applications*, ch. 5, "Handling Node
       Outages": with asynchronous replication a new leader may not have received all
       writes, and they are discarded.
    .. [3] MySQL 8.0 Reference Manual, "Semisynchronous Replication".
    """
    owner = "failover_loss"
    require_count(owner, "writes", writes)
    require_number(owner, "interval", interval, positive=True, unit="seconds")
    require_duration(owner, "fail_at", fail_at)
    group = PrimaryReplicaGroup(replicas, mode, rtt=rtt, detection=detection, seed=seed)
    _steady_writes(group, writes, interval, fail_at)
    done = group.writes()
    return FailoverReport(mode, sum(w.acknowledged for w in done),
                          sum(w.acknowledged and w.lost for w in done),
                          sum(not w.acknowledged for w in done), group.refused,
                          group.primary)


def write_latencies(mode: str, *, writes: int = 1000, interval: float = 0.1,
                    replicas: Mapping[str, float] | None = None, rtt: float = 0.001,
                    seed: int = 0) -> tuple[float, ...]:
    """Strategy 6.3.1 (主从复制): each acknowledged write's latency (answer minus
    invocation, seconds) with no failure.

    With writes far apart (``interval`` much longer than the lags), async latency is
    ``rtt``, semi-sync ``rtt`` plus the least of the replicas' Exp draws (mean
    ``1 / sum(1 / mean_r)``) and sync ``rtt`` plus the greatest (for two replicas, mean
    ``a + b - 1 / (1/a + 1/b)``): 1, 5 and 22 ms with the default replicas.

    >>> [round(sum(x) / len(x) * 1000, 1) for x in (write_latencies(m) for m in MODES)]
    [1.0, 5.1, 22.5]

    References: Strategy 6.3.1 (主从复制); PostgreSQL ``synchronous_commit``; MySQL
    semi-synchronous replication.
    """
    owner = "write_latencies"
    require_count(owner, "writes", writes)
    require_number(owner, "interval", interval, positive=True, unit="seconds")
    group = PrimaryReplicaGroup(replicas, mode, rtt=rtt, seed=seed)
    _steady_writes(group, writes, interval, None)
    return tuple(w.completed - w.invoked for w in group.writes() if w.completed is not None)


def stale_read_probability(delay: float, replicas: Mapping[str, float] | None = None, *,
                           rtt: float = 0.001) -> float:
    """Strategy 6.3.1 (主从复制): the chance an async replica read misses a write.

    A client reads ``delay`` seconds after its write's answer from a replica chosen
    uniformly; the write reached replica ``r`` after ``mean_r * Exp(1)``, so the read is
    stale with probability ``mean over r of exp(-(rtt + delay) / mean_r)`` (a replica of
    lag 0 is never stale). Writes far apart, so no entry queues behind another.

    >>> round(stale_read_probability(0.01), 3)
    0.344
    """
    owner = "stale_read_probability"
    require_duration(owner, "delay", delay)
    require_duration(owner, "rtt", rtt)
    lags = dict(REPLICAS) if replicas is None else dict(replicas)
    if not lags:
        raise TheoryError(f"{owner}: replicas must name at least one replica, not {lags!r}")
    chances = [0.0 if mean == 0 else math.exp(-(rtt + delay) / mean)
               for mean in (require_duration(owner, f"lag of {n!r}", m)
                            for n, m in lags.items())]
    return sum(chances) / len(chances)


def stale_read_fraction(delay: float, *, route: str = "replica", mode: str = "async",
                        trials: int = 1000, interval: float = 1.0,
                        replicas: Mapping[str, float] | None = None, rtt: float = 0.001,
                        seed: int = 0) -> float:
    """Strategy 6.3.1 (主从复制): the fraction of reads that miss the reader's own write.

    One client writes value ``i`` every ``interval`` seconds and reads it back by
    ``route`` ``delay`` seconds after the write's answer; a read is stale if it does not
    return ``i``. Compare :func:`stale_read_probability` for plain async replica reads;
    sticky reads are never stale.

    >>> stale_read_fraction(0.01), stale_read_fraction(0.01, route="sticky")
    (0.342, 0.0)

    References: Strategy 6.3.1 (主从复制); Terry et al. 1994, read-your-writes; Kleppmann,
    *Designing Data-Intensive Applications*, ch. 5, "Reading Your Own Writes".
    """
    owner = "stale_read_fraction"
    require_duration(owner, "delay", delay)
    require_count(owner, "trials", trials, least=1)
    require_number(owner, "interval", interval, positive=True, unit="seconds")
    require_choice(owner, "route", route, ROUTES)
    group = PrimaryReplicaGroup(replicas, mode, rtt=rtt, seed=seed)
    stale = 0
    for i in range(trials):
        group.write("client", i + 1, at=i * interval)
        acked = group._acked(group._entries[-1])
        if acked is None:
            raise TheoryError(f"{owner}: write {i + 1} was never acknowledged in mode "
                              f"{mode!r}")
        read = group.read("client", at=acked + group.rtt + delay, route=route)
        stale += read is None or read.value != i + 1
    return stale / trials
