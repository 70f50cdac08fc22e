"""Chapter 6's errata: the Go ``DataManager`` of section 6.3, shown wrong by running it.

Each counterexample is the smallest input a reproducible hypothesis search
(strategies in :mod:`.strategies`) finds that breaks a property of the sketch ported as
written (:mod:`.sketch`); each correction is checked by the same search against the
corrected models: :mod:`.sharding` for placement (Def 6.2.1), :mod:`.replication`'s
:class:`~msatheory.data.replication.PrimaryReplicaGroup` for Strategy 6.3.1 (modes,
failover, position reads), judged where it applies by the checkers of :mod:`.consistency`
(Def 6.1.1, Strategy 6.1.1).

One root cause is one erratum. Two questions the sketch raises are settled here:

* ``consistency.quorum`` is never read. That is not a root cause of its own: ``Write``
  acknowledges before any copy but the primary's exists, and waiting for ``quorum``
  copies *is* the missing wait; one fix (acknowledge after ``quorum`` copies) mends both
  symptoms, so both belong to ``6.fire-and-forget``.
* An eventual read that skips a healthy replica lacking the key, and then returns an
  older value from another replica (or, when none holds it, the error ``"no healthy
  replica available"``, which a client of a key-value store can only take as "not
  found"), goes back for the same reason as one that reads an older value outright: the
  read takes the first healthy replica that answers, with nothing tying it to what the
  session has already seen. Both are ``6.eventual-goes-back``. That the error says "no
  healthy replica" when healthy replicas exist is a misleading message, noted in
  :mod:`.sketch`, not an erratum.

Not errata: where Go's runtime could abort the process on concurrent map access is
recorded by the port (:attr:`~.sketch.SketchDataManager.races`) and named in the
descriptions. The section marks nothing 简化实现, so ``STUBS`` is empty.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from msatheory.data.consistency import check_convergence, check_monotonic_reads
from msatheory.data.history import History, Operation
from msatheory.data.replication import PrimaryReplicaGroup
from msatheory.data.sharding import HashRing, JumpHash, moved_fraction_mod_n, movement
from msatheory.data.sketch import (
    ConsistencyStrategy,
    GoError,
    GoMap,
    ReplicaStatus,
    SketchDataManager,
    SketchReplica,
    SketchShard,
    build_manager,
    shard_index,
)
from msatheory.data.strategies import (
    acknowledgements,
    growths,
    operations,
    placements,
    schedules,
)
from msatheory.sim import VirtualClock, seeded_rng
from msatheory.theory.erratum import Counterexample, Erratum, Stub, holds_for_all

__all__ = [
    "ERRATA",
    "KEY",
    "STUBS",
    "Step",
    "acknowledged_short",
    "corrected_script",
    "goes_back_in",
    "map_order_misses",
    "mod_n_moves",
    "moved_mod_n",
    "primary_serves_unhealthy",
    "reads_go_back",
    "replicas_diverge",
    "run_script",
]

#: The key every scenario writes and reads.
KEY = "user:42"
#: The keys whose movement is counted when a shard is added.
KEYS = tuple(f"user:{i}" for i in range(1000))
#: Replicas per shard in the client scripts (``shard-1/r1`` the master).
SCRIPT_REPLICAS = 3
#: Seconds between steps of a script in the corrected model; a failover takes
#: ``DETECTION`` and each replica's lag has mean ``LAG``, so replicas are often behind.
STEP, DETECTION, LAG = 1.0, 0.5, 2.0

PLACEMENTS = placements()
GROWTHS = growths()
ACKNOWLEDGEMENTS = acknowledgements()
SCRIPTS = operations()
SCHEDULES = schedules()
#: A script and a seed for the corrected model's lags and replica choices.
SEEDED_SCRIPTS = st.tuples(SCRIPTS, st.integers(min_value=0, max_value=2 ** 16 - 1))


def _one_shard(manager: SketchDataManager) -> SketchShard:
    return manager.shards[next(iter(manager.shards))]


def _read(manager: SketchDataManager, key: str) -> Hashable | GoError:
    try:
        return manager.read(key)
    except GoError as error:
        return error


# -- a client script on one shard ---------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """What one step of a client script did: the ``operation``, what the client got
    (``outcome``), and the replica that served it with that replica's status (``None``
    when none did)."""

    operation: str
    outcome: str
    served_by: str | None = None
    status: ReplicaStatus | None = None

    def __str__(self) -> str:
        served = "" if self.served_by is None else \
            f" [{self.served_by}, {self.status.value if self.status else '?'}]"
        return f"{self.operation}: {self.outcome}{served}"


def run_script(script: Sequence[str], *, strategy: str,
               replicas: int = SCRIPT_REPLICAS, seed: int = 0
               ) -> tuple[SketchDataManager, list[Step], History]:
    """Run a client script (steps from :data:`~.strategies.OPERATIONS`) on a one-shard
    sketch; return the manager, each step and the client's history.

    Each step takes one second of virtual time. The i-th ``"write"`` writes ``i``;
    ``"replicate"`` runs one pending goroutine; ``"fail primary"`` marks ``Replicas[0]``
    Unhealthy, the only failure the sketch can see. A read answered ``key not found``
    read the initial value; so did one answered ``no healthy replica available`` while a
    healthy replica (lacking the key) existed; with no healthy replica it was not answered.
    """
    manager = build_manager(1, replicas, strategy=strategy, seed=seed)
    shard = _one_shard(manager)
    clock, steps, ops, written = VirtualClock(), [], [], 0
    for operation in script:
        now = clock.now
        if operation == "write":
            written += 1
            primary = shard.primary
            manager.write(KEY, written)
            ops.append(Operation("client", "write", written, now, now, KEY))
            steps.append(Step(operation, f"{KEY}={written} acknowledged", primary.id,
                              primary.status))
        elif operation == "read":
            steps.append(_script_read(manager, shard, now, ops))
        elif operation == "replicate":
            ran = manager.goroutines.step()
            steps.append(Step(operation, "nothing pending" if ran is None else
                              f"{ran.replica.id} gets {ran.key}={ran.value}"))
        else:
            shard.primary.status = ReplicaStatus.UNHEALTHY
            steps.append(Step(operation, f"{shard.primary.id} marked Unhealthy"))
        clock.advance(1)
    return manager, steps, History(ops)


def _script_read(manager: SketchDataManager, shard: SketchShard, now: float,
                 ops: list[Operation]) -> Step:
    server: SketchReplica | None
    if manager.consistency.strategy is ConsistencyStrategy.STRONG:
        server = shard.primary
    else:
        server = next((r for r in shard.replicas
                       if r.status is ReplicaStatus.HEALTHY and KEY in r.data), None)
    got = _read(manager, KEY)
    healthy = any(r.status is ReplicaStatus.HEALTHY for r in shard.replicas)
    if not isinstance(got, GoError):
        ops.append(Operation("client", "read", got, now, now, KEY))
        return Step("read", f"{KEY}={got}", server.id if server else None,
                    server.status if server else None)
    answered = str(got).startswith("key not found") or healthy
    ops.append(Operation("client", "read", None, now, now if answered else None, KEY))
    return Step("read", f'error "{got}"', server.id if server else None,
                server.status if server else None)


def _shown(steps: Sequence[Step]) -> str:
    return "; ".join(str(step) for step in steps)


def _races(manager: SketchDataManager) -> str:
    count = len(manager.races)
    if not count:
        return ""
    return (f" (and {count} place{'s' * (count != 1)} where Go could abort: "
            f"{manager.races[0]})")


def corrected_script(script: Sequence[str], *, mode: str, route: str, seed: int = 0
                     ) -> tuple[PrimaryReplicaGroup, list[tuple[str, str | None, bool, bool]]]:
    """The same script on Strategy 6.3.1's corrected model: a
    :class:`~msatheory.data.replication.PrimaryReplicaGroup` of ``shard-1/r1`` and
    :data:`SCRIPT_REPLICAS` - 1 replicas (mean lag :data:`LAG` s) in ``mode``, reads by
    ``route``, failover after :data:`DETECTION` s. A step starts :data:`STEP` s after the
    last, or when the client's write is answered if later; a write never answered ends
    the script (the client waits for ever). Returns the group and, per write or read,
    (operation, the node that served it or ``None`` if refused, whether that node was up,
    whether any node was up).
    """
    replicas = {f"shard-1/r{i}": LAG for i in range(2, SCRIPT_REPLICAS + 1)}
    group = PrimaryReplicaGroup(replicas, mode, primary="shard-1/r1", rtt=0,
                                detection=DETECTION, seed=seed)
    served: list[tuple[str, str | None, bool, bool]] = []
    at, written = 0.0, 0
    for operation in script:
        group.advance(at)
        up = {node.name: node.up for node in group.nodes()}
        alive = any(up.values())
        if operation == "write":
            written += 1
            node = group.primary
            position = group.write("client", written, at=at, key=KEY)
            served.append((operation, None if position is None else node,
                           position is not None and node is not None and up[node], alive))
            if position is not None:
                done = group.writes()[-1].completed
                if done is None:
                    break
                at = max(at, done)
        elif operation == "read":
            node = group.primary if route == "primary" else None
            read = group.read("client", at=at, route=route, key=KEY)
            served.append((operation, None if read is None else node or "a replica",
                           read is not None and (node is None or up[node]), alive))
        elif operation == "fail primary" and group.primary is not None:
            group.fail(group.primary, at=at)
        at += STEP
    return group, served


# -- 6.map-order-shard ----------------------------------------------------------------------

def _write_then_reads(placement: tuple[int, int]
                      ) -> tuple[SketchDataManager, list[Hashable | GoError]]:
    shards, reads = placement
    manager = build_manager(shards, 1)
    manager.write(KEY, 1)
    return manager, [_read(manager, KEY) for _ in range(reads)]


def map_order_misses(placement: tuple[int, int]) -> bool:
    """Property: a key is placed on one shard, so every read after a write of the key,
    with nothing failing in between, returns the value written.

    True on a counterexample: on a store of ``shards`` shards, ``Write(key, 1)`` then
    ``reads`` calls of ``Read(key)``, and one does not return 1.
    """
    return any(got != 1 for got in _write_then_reads(placement)[1])


def _describe_map_order(placement: tuple[int, int]) -> Counterexample:
    shards, reads = placement
    manager, got = _write_then_reads(placement)
    (_, wrote), *read_on = manager.placements
    answers = ", ".join(str(g) if isinstance(g, GoError) else repr(g) for g in got)
    return Counterexample(
        f"{shards} shard{'s' * (shards != 1)} (map order seeded 0); Write({KEY!r}, 1), then "
        f"Read({KEY!r}) {reads} time{'s' * (reads != 1)}, nothing failing",
        "every read goes to the shard written and returns 1",
        f"the write went to {wrote}, the reads to {', '.join(s for _, s in read_on)}, "
        f"answering {answers}: determineShard indexes fnv32a % {shards} into the shard ids "
        "in `range dm.shards` order, which Go randomises on every range",
    )


def _corrected_map_order(placement: tuple[int, int]) -> bool:
    """The same store placing by a consistent-hash ring built, on every call, from the
    ids in that call's Go map order: the ring does not depend on the order."""
    shards, reads = placement
    ids = GoMap(seeded_rng(0), ((f"shard-{s}", s) for s in range(1, shards + 1)))
    stored: dict[str, dict[str, int]] = {shard: {} for shard in ids}
    rings: dict[tuple[str, ...], HashRing] = {}

    def place(order: list[str]) -> str:
        if tuple(order) not in rings:
            rings[tuple(order)] = HashRing(order)
        return rings[tuple(order)].node(KEY)

    stored[place(ids.range())][KEY] = 1
    return any(stored[place(ids.range())].get(KEY) != 1 for _ in range(reads))


# -- 6.mod-n-moves ------------------------------------------------------------------------

def moved_mod_n(n: int, keys: Sequence[str] = KEYS) -> float:
    """The fraction of ``keys`` that change shard when a shard is added to ``n``, by the
    sketch's ``fnv32a % shardCount`` over a stable order (ids in insertion order, the new
    one last)."""
    return sum(shard_index(k, n) != shard_index(k, n + 1) for k in keys) / len(keys)


def _allowed(n: int, keys: int = len(KEYS)) -> float:
    """The new shard's fair share, ``1 / (n + 1)``, plus three standard deviations of a
    binomial sample of ``keys`` keys."""
    p = 1 / (n + 1)
    return p + 3 * (p * (1 - p) / keys) ** 0.5


def mod_n_moves(n: int) -> bool:
    """Property: consistent hashing, as the sketch's comment promises: adding a shard
    to ``n`` moves only the keys the new shard takes, about ``1 / (n + 1)`` of them (up
    to three standard deviations of the sample of 1000 keys).

    True on a counterexample: with the shard order held stable, ``hash % n`` moves more.
    """
    return moved_mod_n(n) > _allowed(n)


def _corrected_mod_n(n: int) -> bool:
    """Jump consistent hash: the keys that move all move to the new shard (minimal
    disruption), and about ``1 / (n + 1)`` of them."""
    before = JumpHash(f"shard-{s}" for s in range(1, n + 1))
    moved = movement(before, before.with_node(f"shard-{n + 1}"), KEYS)
    return not moved.minimal or moved.fraction > _allowed(n)


def _describe_mod_n(n: int) -> Counterexample:
    exact = moved_fraction_mod_n(n, n + 1)
    return Counterexample(
        f"{len(KEYS)} keys on {n} shard{'s' * (n != 1)}, ids in a stable order (map order "
        f"ruled out); shard-{n + 1} is added",
        f"about 1/{n + 1} = {1 / (n + 1):.3f} of the keys move (at most {_allowed(n):.3f})",
        f"{moved_mod_n(n):.3f} move ({exact} of all hash values): a key stays only if "
        f"fnv32a % {n} "
        f"equals fnv32a % {n + 1}; the comment says consistent hashing, the code is "
        "hash mod N",
    )


# -- 6.fire-and-forget ----------------------------------------------------------------------

def _acknowledged(ack: tuple[int, int]) -> tuple[SketchDataManager, int, list[str]]:
    replicas, quorum = ack
    manager = build_manager(1, replicas, quorum=quorum)
    shard = _one_shard(manager)
    manager.write(KEY, 1)
    copies = sum(KEY in r.data for r in shard.replicas)
    manager.goroutines.kill()          # the primary's node, running the manager, fails
    shard.primary.data.clear()
    shard.primary.status = ReplicaStatus.UNHEALTHY
    survivors = [r.id for r in shard.replicas[1:] if KEY in r.data]
    return manager, copies, survivors


def acknowledged_short(ack: tuple[int, int]) -> bool:
    """Property: a write is acknowledged only once ``quorum`` replicas hold it, so an
    acknowledged write survives the failure of any ``quorum - 1`` of them, the primary
    among them.

    True on a counterexample: a shard of ``replicas`` replicas with quorum ``quorum``
    acknowledges a write that fewer than ``quorum`` replicas hold.
    """
    return _acknowledged(ack)[1] < ack[1]


def _describe_fire_and_forget(ack: tuple[int, int]) -> Counterexample:
    replicas, quorum = ack
    manager, copies, survivors = _acknowledged(ack)
    others = [r.id for r in _one_shard(manager).replicas[1:]]
    got = _read(manager, KEY)
    return Counterexample(
        f"one shard of {replicas} replicas, quorum {quorum}; Write({KEY!r}, 1) is "
        "acknowledged, then the primary's node (running the DataManager) fails",
        f"the write is acknowledged once {quorum} replicas hold it, and survives",
        f"acknowledged with {copies} cop{'y' if copies == 1 else 'ies'} (quorum is never "
        f"read); the goroutine{'s' * (replicas > 2)} to {', '.join(others)} died unrun, "
        f"{len(survivors)} survivor{'s' * (len(survivors) != 1)} hold it, and Read "
        f"answers {got if isinstance(got, GoError) else repr(got)}",
    )


def _corrected_short(ack: tuple[int, int]) -> bool:
    """Strategy 6.3.1's group, in the mode that waits for ``quorum`` copies (1: async,
    2: semi-sync, more: sync), its primary failing the moment the write is answered."""
    replicas, quorum = ack
    mode = "async" if quorum == 1 else "semi-sync" if quorum == 2 else "sync"
    group = PrimaryReplicaGroup({f"shard-1/r{i}": LAG for i in range(2, replicas + 1)},
                                mode, primary="shard-1/r1", rtt=0, detection=DETECTION)
    group.write("client", 1, at=0, key=KEY)
    acked = group.writes()[0].acked
    if acked is None:
        return True
    group.advance(acked)
    copies = sum(node.position >= 1 for node in group.nodes())
    if copies < quorum:
        return True
    if quorum == 1:
        return False
    group.fail("shard-1/r1", at=acked)
    group.advance(acked + DETECTION)
    read = group.read("client", at=acked + DETECTION, route="primary", key=KEY)
    return group.writes()[0].lost or read is None or read.value != 1


# -- 6.primary-unchecked --------------------------------------------------------------------

def primary_serves_unhealthy(script: list[str]) -> bool:
    """Property: writes and strong reads are served by a healthy replica: once the
    primary fails, a healthy replica is promoted and serves them.

    True on a counterexample: in the client ``script`` (strong consistency, one shard of
    3 replicas), a write or a read is served by an Unhealthy replica.
    """
    _, steps, _ = run_script(script, strategy="strong")
    return any(step.status is ReplicaStatus.UNHEALTHY for step in steps)


def _describe_primary(script: list[str]) -> Counterexample:
    manager, steps, _ = run_script(script, strategy="strong")
    shard = _one_shard(manager)
    masters = [r.id for r in shard.replicas if r.is_master]
    return Counterexample(
        f"one shard of {SCRIPT_REPLICAS} replicas, strong consistency; the client does: "
        f"{', '.join(script)}",
        "writes and strong reads go to a healthy replica promoted in the failed "
        "primary's place",
        f"{_shown(steps)}: Write and readStrongConsistency use Replicas[0] whatever its "
        f"Status; IsMaster ({', '.join(masters)}) is never read and nothing promotes",
    )


def _corrected_primary(seeded: tuple[list[str], int]) -> bool:
    script, seed = seeded
    _, served = corrected_script(script, mode="async", route="primary", seed=seed)
    return any(node is not None and not up for _, node, up, _ in served) or any(
        node is None and alive for _, node, _, alive in served)


# -- 6.eventual-goes-back --------------------------------------------------------------------

def reads_go_back(script: list[str]) -> bool:
    """Property: monotonic reads: a client that has read a value of a key never reads an
    older one afterwards (Terry et al. 1994), judged by ``check_monotonic_reads``.

    True on a counterexample: the client ``script`` (eventual consistency, one shard of 3
    replicas) reads a value and later an older one.
    """
    _, _, history = run_script(script, strategy="eventual")
    return not check_monotonic_reads(history).holds


def _describe_goes_back(script: list[str]) -> Counterexample:
    manager, steps, history = run_script(script, strategy="eventual")
    return Counterexample(
        f"one shard of {SCRIPT_REPLICAS} replicas, eventual consistency; the client does: "
        f"{', '.join(script)}",
        "each read returns the value read before or a newer one (monotonic reads)",
        f"{_shown(steps)}. {check_monotonic_reads(history).explanation} "
        "readEventualConsistency takes the first healthy replica holding the key, with "
        "nothing tying the read to what the client has seen" + _races(manager),
    )


def goes_back_in(seeded: tuple[list[str], int], mode: str, route: str) -> bool:
    """Whether the script, on the corrected model in ``mode`` with reads by ``route``
    (lags and replica choices seeded), breaks monotonic reads."""
    script, seed = seeded
    group, _ = corrected_script(script, mode=mode, route=route, seed=seed)
    return not check_monotonic_reads(group.history()).holds


def _corrected_goes_back(seeded: tuple[list[str], int]) -> bool:
    """Position ("sticky") reads on a semi-synchronous group. Sticky reads on an async
    group still go back when a failover loses a write the client read
    (``6.fire-and-forget``'s root cause), and plain replica reads on a semi-synchronous
    group go back from one replica to another: both are needed."""
    return goes_back_in(seeded, "semi-sync", "sticky")


# -- 6.unordered-replication ----------------------------------------------------------------

def _final_states(run: tuple[int, list[int]]
                  ) -> tuple[SketchDataManager, dict[str, dict[str, Hashable]]]:
    writes, order = run
    manager = build_manager(1, 2)
    for value in range(1, writes + 1):
        manager.write(KEY, value)
    for number in order:
        manager.goroutines.run(number)
    shard = _one_shard(manager)
    return manager, {r.id: dict(r.data) for r in shard.replicas}


def replicas_diverge(run: tuple[int, list[int]]) -> bool:
    """Property: Strategy 6.1.1, convergence: once writes stop and replication has
    settled, every replica holds the same value (``check_convergence``).

    True on a counterexample: ``writes`` writes in a row to a shard of 2 replicas, whose
    goroutines then run in ``order``, leave the replicas apart for good.
    """
    return not check_convergence(_final_states(run)[1]).holds


def _describe_diverge(run: tuple[int, list[int]]) -> Counterexample:
    writes, order = run
    manager, states = _final_states(run)
    judgement = check_convergence(states)
    return Counterexample(
        f"one shard of 2 replicas; Write({KEY!r}, 1) ... Write({KEY!r}, {writes}) in a "
        f"row, each starting goroutine i to copy i to shard-1/r2; they run in the order "
        f"{', '.join(map(str, order))}",
        f"every replica ends holding {writes}",
        f"{judgement.witness[0]}: each write is its own goroutine, and goroutines run in no "
        "promised order, so an older value can land last; nothing ever repairs it"
        + _races(manager),
    )


def _corrected_diverge(run: tuple[int, list[int]]) -> bool:
    """Strategy 6.3.1's shipped log: each replica applies the entries in log order,
    whatever the lags (seeded here by the schedule, so each schedule meets other lags)."""
    writes, order = run
    seed = sum(number * 7 ** i for i, number in enumerate(order))
    group = PrimaryReplicaGroup({"shard-1/r2": LAG}, "async", primary="shard-1/r1",
                                rtt=0, seed=seed)
    for value in range(1, writes + 1):
        group.write("client", value, at=(value - 1) * STEP, key=KEY)
    settled = writes * STEP + 100 * LAG
    primary = group.read("check", at=settled, route="primary", key=KEY)
    replica = group.read("check", at=settled, route="replica", key=KEY,
                         replica="shard-1/r2")
    states: dict[str, dict[str, Hashable]] = {
        name: {} if read is None or read.value is None else {KEY: read.value}
        for name, read in (("shard-1/r1", primary), ("shard-1/r2", replica))}
    return not check_convergence(states).holds


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        key="6.map-order-shard",
        concerns="Go DataManager.determineShard (section 6.2; Def 6.2.1)",
        wrong="The shard index is taken into shard ids listed in Go's randomised map "
        "order, so one key lands on different shards from call to call and a read misses "
        "what was just written.",
        search=PLACEMENTS,
        breaks=map_order_misses,
        describe=_describe_map_order,
        verify_corrected=lambda: holds_for_all(PLACEMENTS, _corrected_map_order),
        corrected_by="msatheory.data.sharding.HashRing",
    ),
    Erratum(
        key="6.mod-n-moves",
        concerns="Go DataManager.determineShard (section 6.2; Def 6.2.1)",
        wrong="The comment promises consistent hashing, but hash mod N moves about "
        "N/(N+1) of the keys when a shard is added, where consistent hashing moves "
        "1/(N+1).",
        search=GROWTHS,
        breaks=mod_n_moves,
        describe=_describe_mod_n,
        verify_corrected=lambda: holds_for_all(GROWTHS, _corrected_mod_n),
        corrected_by="msatheory.data.sharding.JumpHash",
    ),
    Erratum(
        key="6.fire-and-forget",
        concerns="Go DataManager.Write (section 6.3; Def 6.3.1)",
        wrong="A write is acknowledged once the primary holds it, its copies left to "
        "goroutines nobody waits for and the quorum never read, so an acknowledged write "
        "is lost when the primary fails before they run.",
        search=ACKNOWLEDGEMENTS,
        breaks=acknowledged_short,
        describe=_describe_fire_and_forget,
        verify_corrected=lambda: holds_for_all(ACKNOWLEDGEMENTS, _corrected_short),
        corrected_by="msatheory.data.replication.PrimaryReplicaGroup (semi-sync and sync "
        "modes)",
    ),
    Erratum(
        key="6.primary-unchecked",
        concerns="Go DataManager.Write and readStrongConsistency (section 6.3; Strategy "
        "6.3.1)",
        wrong="Writes and strong reads always go to Replicas[0], whatever its Status, and "
        "nothing promotes another replica when it fails.",
        search=SCRIPTS,
        breaks=primary_serves_unhealthy,
        describe=_describe_primary,
        verify_corrected=lambda: holds_for_all(SEEDED_SCRIPTS, _corrected_primary),
        corrected_by="msatheory.data.replication.PrimaryReplicaGroup (failover)",
    ),
    Erratum(
        key="6.eventual-goes-back",
        concerns="Go DataManager.readEventualConsistency (section 6.3; Strategy 6.1.1)",
        wrong="An eventual read returns the first healthy replica holding the key, so "
        "once the primary is marked unhealthy a client reads a value and then an older "
        "one.",
        search=SCRIPTS,
        breaks=reads_go_back,
        describe=_describe_goes_back,
        verify_corrected=lambda: holds_for_all(SEEDED_SCRIPTS, _corrected_goes_back),
        corrected_by="msatheory.data.replication.PrimaryReplicaGroup (sticky reads)",
    ),
    Erratum(
        key="6.unordered-replication",
        concerns="Go DataManager.Write (section 6.3; Strategy 6.1.1)",
        wrong="Each write reaches the other replicas in a goroutine of its own, in no "
        "order, so a replica can keep an older value for good and the replicas never "
        "converge.",
        search=SCHEDULES,
        breaks=replicas_diverge,
        describe=_describe_diverge,
        verify_corrected=lambda: holds_for_all(SCHEDULES, _corrected_diverge),
        corrected_by="msatheory.data.replication.PrimaryReplicaGroup (a log shipped in "
        "order)",
    ),
)

#: The section marks nothing 简化实现: chapter 6 declares no stubs.
STUBS: tuple[Stub, ...] = ()
