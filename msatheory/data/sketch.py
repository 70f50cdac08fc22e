"""The theory's Go ``DataManager`` (section 6.3, for Defs 6.1.1, 6.2.1 and 6.3.1), ported
as written.

Method for method, with the sketch's behaviour kept so that chapter 6's errata
(:mod:`.errata`) can run it. Each method's docstring names the Go lines it ports. The
sketch leaves some names undefined, and the port fills each with the least it can:
``ReplicaStatus`` is :class:`ReplicaStatus` (``Healthy``, the one value the sketch names,
and ``Unhealthy``), ``ShardingStrategy`` is :class:`ShardingStrategy` (Strategies 6.2.1
and 6.2.2), ``ConsistencyStrategy`` is :class:`ConsistencyStrategy` (Strategies 6.1.1 and
6.1.2); a returned ``error`` is a raised :class:`GoError` (its text as ``fmt.Errorf``
formats it), a runtime panic a :class:`GoPanic`.

What the sketch does, as ported:

* ``determineShard`` hashes the key with FNV-1a 32-bit (``hash/fnv``'s ``New32a``,
  :func:`fnv32a`), takes ``int(hashValue) % shardCount`` (non-negative: on 64-bit Go,
  ``int`` of a ``uint32`` is; on 32-bit Go half the keys get a negative index and the
  program panics, and the port is 64-bit Go) and indexes a slice it builds by ``for
  shardID := range dm.shards``, afresh on every call. Go randomises map iteration, so
  the same key can land on another shard from one call to the next; and the comment
  says consistent hashing while ``hash % n`` remaps almost every key when a shard is
  added;
* ``Write`` writes ``Replicas[0]`` and acknowledges; the other replicas are written by
  goroutines started with ``go`` and never waited for. ``consistency.quorum`` is never
  read;
* ``IsMaster`` is never read and ``Status`` only by the eventual read: writes and strong
  reads go to ``Replicas[0]`` whatever its status, and nothing promotes another replica;
* the eventual read returns the first ``Healthy`` replica that holds the key, in slice
  order, and reports ``"no healthy replica available"`` also when healthy replicas exist
  and none holds the key;
* ``dm.replicas``, ``DataShard.Data`` and ``DataShard.Strategy`` are kept and never used.

**Go's map order, as modelled.** :class:`GoMap` iterates as the runtime of Go 1.23 and
earlier does (``runtime/map.go``, ``mapiterinit``/``mapiternext``): one random ``r`` per
``range``, starting bucket ``r & (2**B - 1)`` and slot offset ``(r >> B) & 7``; each
bucket (and its overflow chain) is visited from slot ``offset``, wrapping round its 8
slots, and the buckets from the starting one, wrapping. A map of at most 8 entries
(every shard map the errata build) is one bucket whose slots fill in insertion order, so
a ``range`` is the insertion order rotated to the first occupied slot at or after the
offset: with 3 shards, the order starts at the first shard with probability 6/8. Go
1.24's swiss tables iterate a small map (one group of 8 slots, filled in insertion
order) the same way, from ``entryOffset = rand()``, so for up to 8 entries the model
holds for both. For more entries the model stops short of Go: it places keys in
``2**B`` buckets (``B`` the least with ``count <= 6.5 * 2**B``, Go's load factor) by a
stand-in for the runtime's seeded ``memhash``, FNV-1a 64 of the map's 32-bit ``hash0``
and the key, as if no growth were in progress. ``rand()`` is the manager's seeded
generator (:func:`msatheory.sim.seeded_rng`), so a seed fixes every order.

**Goroutines, as modelled.** ``go shard.Replicas[i].Write(key, value)`` queues a
:class:`Goroutine` on the manager's :class:`Scheduler`; the call returns at once. The
scenario runs them later: :meth:`Scheduler.step` runs one pending goroutine, picked by a
seeded generator (Go promises no order among runnable goroutines), :meth:`Scheduler.drain`
runs them all, :meth:`Scheduler.kill` drops them (the process died). A goroutine's write
is one map assignment, done at once.

**Where the real program could crash** (a note, not an erratum). Go maps are not safe for
concurrent use; the runtime aborts the process with ``fatal error: concurrent map writes``
or ``fatal error: concurrent map read and map write`` when it catches two goroutines
overlapping on one map. The port records each place this could happen as a
:class:`DataRace` in :attr:`SketchDataManager.races`: a goroutine started while another
that writes the same replica's map is still pending, and a read of a replica's map while
a goroutine that writes it is pending. Whether the real process aborts there depends on
timing; the race detector (``go test -race``) reports it either way.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

from msatheory.errors import (
    TheoryError,
    require_choice,
    require_count,
    require_instance,
    require_items,
    require_name,
    require_names,
)
from msatheory.sim import seeded_rng

__all__ = [
    "BUCKET_SLOTS",
    "FNV32_OFFSET",
    "FNV32_PRIME",
    "ConsistencyManager",
    "ConsistencyStrategy",
    "DataRace",
    "GoError",
    "GoMap",
    "GoPanic",
    "Goroutine",
    "ReplicaStatus",
    "Scheduler",
    "ShardingStrategy",
    "SketchDataManager",
    "SketchReplica",
    "SketchShard",
    "build_manager",
    "fnv32a",
    "fnv64a",
    "shard_index",
]

V = TypeVar("V")

#: FNV-1a 32-bit offset basis and prime (``hash/fnv``: ``offset32``, ``prime32``).
FNV32_OFFSET, FNV32_PRIME = 0x811C9DC5, 0x01000193
#: FNV-1a 64-bit offset basis and prime (``offset64``, ``prime64``).
FNV64_OFFSET, FNV64_PRIME = 0xCBF29CE484222325, 0x100000001B3
#: Slots in one bucket of a Go map (``abi.MapBucketCount``; a swiss-table group too).
BUCKET_SLOTS = 8
#: Go's map load factor: a map grows past ``6.5 * 2**B`` entries (``loadFactorNum/Den``).
LOAD_FACTOR = 6.5


def fnv32a(data: bytes) -> int:
    """``fnv.New32a()``, ``Write(data)``, ``Sum32()``: FNV-1a 32-bit.

    >>> hex(fnv32a(b"")), hex(fnv32a(b"a"))
    ('0x811c9dc5', '0xe40c292c')
    """
    h = FNV32_OFFSET
    for byte in data:
        h = ((h ^ byte) * FNV32_PRIME) & 0xFFFFFFFF
    return h


def fnv64a(data: bytes) -> int:
    """FNV-1a 64-bit (``fnv.New64a``).

    >>> hex(fnv64a(b"a"))
    '0xaf63dc4c8601ec8c'
    """
    h = FNV64_OFFSET
    for byte in data:
        h = ((h ^ byte) * FNV64_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def shard_index(key: str, shard_count: int) -> int:
    """``int(hashValue) % shardCount`` with ``hashValue`` the key's FNV-1a 32: the index
    ``determineShard`` takes into its slice of shard ids. Go panics on ``shardCount == 0``.

    >>> shard_index("user:1", 3), shard_index("user:1", 4)
    (1, 3)
    """
    require_count("shard_index", "shard_count", shard_count)
    if shard_count == 0:
        raise GoPanic("runtime error: integer divide by zero")
    return fnv32a(key.encode()) % shard_count


class GoError(Exception):
    """An ``error`` a Go function returned (its text as ``fmt.Errorf`` formats it)."""


class GoPanic(Exception):
    """A Go runtime panic (``panic: runtime error: ...``)."""


class GoMap(Generic[V]):
    """A Go ``map[string]V``: lookups by key, and ``range`` in the order Go 1.23's runtime
    iterates (see the module docstring), drawn from ``rng``.

    >>> shards = GoMap(seeded_rng(1), [("a", 1), ("b", 2), ("c", 3)])
    >>> [shards.range() for _ in range(4)]
    [['c', 'a', 'b'], ['a', 'b', 'c'], ['b', 'c', 'a'], ['b', 'c', 'a']]
    """

    def __init__(self, rng: random.Random, items: Iterable[tuple[str, V]] = ()):
        self._rng = require_instance("GoMap", "rng", rng, random.Random)
        self.hash0 = self._rng.getrandbits(32)  # h.hash0 = uint32(rand()), in makemap
        self._entries: dict[str, V] = {}
        for key, value in items:
            self[key] = value

    @property
    def b(self) -> int:
        """``h.B``: log2 of the bucket count, the least with ``count <= 8`` or
        ``count <= 6.5 * 2**B`` (``overLoadFactor``)."""
        b = 0
        while len(self) > BUCKET_SLOTS and len(self) > LOAD_FACTOR * 2 ** b:
            b += 1
        return b

    def _buckets(self) -> list[list[str]]:
        """Each bucket's chain of slots, in insertion order (slot ``i`` of overflow bucket
        ``j`` is chain position ``8 * j + i``)."""
        mask = (1 << self.b) - 1
        buckets: list[list[str]] = [[] for _ in range(mask + 1)]
        for key in self._entries:
            home = 0 if mask == 0 else fnv64a(self.hash0.to_bytes(4, "little") + key.encode())
            buckets[home & mask].append(key)
        return buckets

    def range(self) -> list[str]:
        """The keys in the order of one ``for key := range m``."""
        b = self.b
        r = self._rng.getrandbits(64)                      # r := uintptr(rand())
        start = r & ((1 << b) - 1)                         # it.startBucket = r & bucketMask(h.B)
        offset = (r >> b) & (BUCKET_SLOTS - 1)             # it.offset = uint8(r >> h.B & 7)
        buckets = self._buckets()
        order: list[str] = []
        for step in range(len(buckets)):                   # wrap round the buckets
            chain = buckets[(start + step) % len(buckets)]
            for base in range(0, len(chain), BUCKET_SLOTS):  # b = b.overflow(t)
                group = chain[base:base + BUCKET_SLOTS]
                for i in range(BUCKET_SLOTS):
                    slot = (i + offset) & (BUCKET_SLOTS - 1)  # offi := (i + it.offset) & 7
                    if slot < len(group):                      # isEmpty(b.tophash[offi])
                        order.append(group[slot])
        return order

    def __getitem__(self, key: str) -> V:
        return self._entries[key]

    def get(self, key: str) -> V | None:
        """``m[key]``: the zero value (``nil``) when absent."""
        return self._entries.get(key)

    def __setitem__(self, key: str, value: V) -> None:
        self._entries[require_name("GoMap", "key", key)] = value

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        """Insertion order (not Go's: use :meth:`range` for that)."""
        return iter(self._entries)

    def __repr__(self) -> str:
        return f"GoMap({sorted(self._entries)!r})"


class ReplicaStatus(Enum):
    """``ReplicaStatus``: the sketch names ``Healthy``; the port adds ``Unhealthy``."""

    HEALTHY = "Healthy"
    UNHEALTHY = "Unhealthy"


class ShardingStrategy(Enum):
    """``ShardingStrategy``: Strategy 6.2.1 (水平分片) or 6.2.2 (垂直分片)."""

    HORIZONTAL = "Horizontal"
    VERTICAL = "Vertical"


class ConsistencyStrategy(Enum):
    """``ConsistencyStrategy``: Strategy 6.1.2 (强一致性) or 6.1.1 (最终一致性)."""

    STRONG = "StrongConsistency"
    EVENTUAL = "EventualConsistency"


@dataclass(eq=False)
class SketchReplica:
    """``type DataReplica struct { ID, Data, IsMaster, Status }`` with ``Write`` and
    ``Read``. ``IsMaster`` is kept and never read.

    >>> replica = SketchReplica("r1")
    >>> replica.write("x", 1); replica.read("x")
    1
    """

    id: str
    data: dict[str, Hashable] = field(default_factory=dict)
    is_master: bool = False
    status: ReplicaStatus = ReplicaStatus.HEALTHY

    def write(self, key: str, value: Hashable) -> None:
        """``dr.Data[key] = value; return nil``."""
        self.data[key] = value

    def read(self, key: str) -> Hashable:
        """``if value, exists := dr.Data[key]; exists { return value, nil }``, else
        ``fmt.Errorf("key not found: %s", key)``."""
        if key in self.data:
            return self.data[key]
        raise GoError(f"key not found: {key}")

    def __repr__(self) -> str:
        master = ", master" if self.is_master else ""
        return f"SketchReplica({self.id!r}, {self.status.value}{master}, {self.data!r})"


@dataclass(eq=False)
class SketchShard:
    """``type DataShard struct { ID, Data, Replicas, Strategy }``; ``Data`` and
    ``Strategy`` are kept and never read."""

    id: str
    replicas: list[SketchReplica]
    data: dict[str, Hashable] = field(default_factory=dict)
    strategy: ShardingStrategy = ShardingStrategy.HORIZONTAL

    def __post_init__(self) -> None:
        require_name("SketchShard", "id", self.id)
        self.replicas = list(require_items("SketchShard", "replicas", self.replicas,
                                           SketchReplica))

    @property
    def primary(self) -> SketchReplica:
        """``Replicas[0]``, which ``Write`` and the strong read use."""
        if not self.replicas:
            raise GoPanic("runtime error: index out of range [0] with length 0")
        return self.replicas[0]

    def __repr__(self) -> str:
        return f"SketchShard({self.id!r}, replicas={[r.id for r in self.replicas]!r})"


@dataclass(frozen=True)
class ConsistencyManager:
    """``type ConsistencyManager struct { strategy; quorum int }``; ``quorum`` is kept and
    never read."""

    strategy: ConsistencyStrategy = ConsistencyStrategy.STRONG
    quorum: int = 1


@dataclass(frozen=True)
class Goroutine:
    """``go shard.Replicas[i].Write(key, value)``, started as the ``number``-th goroutine."""

    number: int
    replica: SketchReplica
    key: str
    value: Hashable

    def __repr__(self) -> str:
        return f"Goroutine({self.number}: {self.replica.id}.Write({self.key!r}, {self.value!r}))"


@dataclass(frozen=True)
class DataRace:
    """A place where Go's runtime could abort the process: ``kind`` is ``"concurrent map
    writes"`` or ``"concurrent map read and map write"`` on ``replica``'s map, between
    goroutine ``goroutine`` and ``other`` (a goroutine's number, or ``"Read"``)."""

    kind: str
    replica: str
    goroutine: int
    other: int | str

    def __str__(self) -> str:
        return (f"fatal error: {self.kind} ({self.replica}.Data: goroutine {self.goroutine} "
                f"and {self.other if isinstance(self.other, str) else f'goroutine {self.other}'})")


class Scheduler:
    """The goroutines ``Write`` starts, pending until the scenario runs them: ``step``
    runs one chosen by the seeded ``rng``, ``drain`` all, ``kill`` none (the process
    died)."""

    def __init__(self, rng: random.Random):
        self._rng = require_instance("Scheduler", "rng", rng, random.Random)
        self.pending: list[Goroutine] = []
        self.started = 0
        self.on_start: Callable[[Goroutine], None] | None = None

    def go(self, replica: SketchReplica, key: str, value: Hashable) -> Goroutine:
        """Start a goroutine; it runs later."""
        self.started += 1
        goroutine = Goroutine(self.started, replica, key, value)
        if self.on_start is not None:
            self.on_start(goroutine)
        self.pending.append(goroutine)
        return goroutine

    def pending_on(self, replica: SketchReplica) -> list[Goroutine]:
        """The pending goroutines that write ``replica``'s map."""
        return [g for g in self.pending if g.replica is replica]

    def step(self) -> Goroutine | None:
        """Run one pending goroutine (None if there is none)."""
        if not self.pending:
            return None
        goroutine = self.pending.pop(self._rng.randrange(len(self.pending)))
        goroutine.replica.write(goroutine.key, goroutine.value)
        return goroutine

    def run(self, number: int) -> Goroutine:
        """Run the pending goroutine started ``number``-th: a schedule chosen by the
        scenario rather than by the seeded generator."""
        for index, goroutine in enumerate(self.pending):
            if goroutine.number == number:
                del self.pending[index]
                goroutine.replica.write(goroutine.key, goroutine.value)
                return goroutine
        raise TheoryError(f"Scheduler.run: number must be a pending goroutine's "
                          f"({[g.number for g in self.pending]}), not {number!r}")

    def drain(self) -> int:
        """Run every pending goroutine; return how many ran."""
        ran = 0
        while self.step() is not None:
            ran += 1
        return ran

    def kill(self) -> tuple[Goroutine, ...]:
        """The process exits: pending goroutines never run. Returns them."""
        dropped, self.pending = tuple(self.pending), []
        return dropped

    def __repr__(self) -> str:
        return f"Scheduler(pending={len(self.pending)}, started={self.started})"


class SketchDataManager:
    """``type DataManager struct { shards; replicas; consistency }`` with ``Write``,
    ``Read``, ``readStrongConsistency``, ``readEventualConsistency`` and
    ``determineShard``, as written.

    ``seed`` fixes Go's map order and the goroutine scheduler. ``replicas`` is the
    sketch's ``dm.replicas``, kept and never read. Beyond the Go fields, the port records
    :attr:`races` (where the runtime could abort) and :attr:`placements` (each key and
    the shard ``determineShard`` returned for it, in call order).

    >>> dm = build_manager(shards=2, replicas=2, seed=0)
    >>> dm.write("x", 1)
    >>> dm.goroutines
    Scheduler(pending=1, started=1)
    >>> dm.read("x")
    1
    """

    def __init__(self, shards: Iterable[SketchShard], consistency: ConsistencyManager,
                 *, seed: int = 0, replicas: Mapping[str, list[SketchReplica]] | None = None):
        owner = "SketchDataManager"
        items = require_items(owner, "shards", shards, SketchShard)
        require_names(owner, "shard ids", [s.id for s in items])
        self.consistency = require_instance(owner, "consistency", consistency,
                                            ConsistencyManager)
        rng = seeded_rng(seed, owner)
        self.seed = seed
        self.shards: GoMap[SketchShard] = GoMap(rng, ((s.id, s) for s in items))
        self.replicas: dict[str, list[SketchReplica]] = dict(replicas or {})
        self.goroutines = Scheduler(seeded_rng(rng.getrandbits(32), owner))
        self.goroutines.on_start = self._race_on_start
        self.races: list[DataRace] = []
        self.placements: list[tuple[str, str]] = []

    def _race_on_start(self, goroutine: Goroutine) -> None:
        for other in self.goroutines.pending_on(goroutine.replica):
            self.races.append(DataRace("concurrent map writes", goroutine.replica.id,
                                       goroutine.number, other.number))

    def _race_on_read(self, replica: SketchReplica) -> None:
        for other in self.goroutines.pending_on(replica):
            self.races.append(DataRace("concurrent map read and map write", replica.id,
                                       other.number, "Read"))

    def write(self, key: str, value: Hashable) -> None:
        """``Write``: determine the shard, write ``Replicas[0]`` (return its error), then
        ``go shard.Replicas[i].Write(key, value)`` for ``i >= 1``; return ``nil``."""
        require_name("SketchDataManager.write", "key", key)
        shard = self.shards[self.determine_shard(key)]  # shard := dm.shards[shardID]
        shard.primary.write(key, value)                 # shard.Replicas[0].Write(key, value)
        for replica in shard.replicas[1:]:              # for i := 1; i < len(...); i++
            self.goroutines.go(replica, key, value)     # go shard.Replicas[i].Write(...)

    def read(self, key: str) -> Hashable:
        """``Read``: determine the shard; ``switch dm.consistency.strategy``."""
        require_name("SketchDataManager.read", "key", key)
        shard = self.shards[self.determine_shard(key)]
        if self.consistency.strategy is ConsistencyStrategy.STRONG:
            return self.read_strong_consistency(shard, key)
        return self.read_eventual_consistency(shard, key)  # EventualConsistency, default

    def read_strong_consistency(self, shard: SketchShard, key: str) -> Hashable:
        """``return shard.Replicas[0].Read(key)``."""
        self._race_on_read(shard.primary)
        return shard.primary.read(key)

    def read_eventual_consistency(self, shard: SketchShard, key: str) -> Hashable:
        """The first ``Healthy`` replica, in slice order, whose ``Read`` returns no error;
        else ``fmt.Errorf("no healthy replica available")``."""
        for replica in shard.replicas:                  # for _, replica := range shard.Replicas
            if replica.status is ReplicaStatus.HEALTHY:
                self._race_on_read(replica)
                try:
                    return replica.read(key)            # if err == nil { return value, nil }
                except GoError:
                    continue
        raise GoError("no healthy replica available")

    def determine_shard(self, key: str) -> str:
        """FNV-1a 32 of the key, ``% len(dm.shards)``, indexing the ids in this call's
        ``range`` order."""
        shard_count = len(self.shards)                  # shardCount := len(dm.shards)
        index = shard_index(key, shard_count)           # int(hashValue) % shardCount
        shard_ids = self.shards.range()                 # for shardID := range dm.shards
        self.placements.append((key, shard_ids[index]))
        return shard_ids[index]                         # return shardIDs[shardIndex]

    def __repr__(self) -> str:
        return (f"SketchDataManager(shards={len(self.shards)}, "
                f"consistency={self.consistency.strategy.value}, "
                f"quorum={self.consistency.quorum}, seed={self.seed})")


def build_manager(shards: int = 3, replicas: int = 3, *, strategy: str = "strong",
                  quorum: int = 1, seed: int = 0) -> SketchDataManager:
    """A manager of ``shards`` shards (``shard-1``, ...), each of ``replicas`` healthy
    replicas (``shard-1/r1`` is the master, ``IsMaster`` true), inserted in that order.

    >>> build_manager(2, 3, strategy="eventual", quorum=2)
    SketchDataManager(shards=2, consistency=EventualConsistency, quorum=2, seed=0)
    """
    owner = "build_manager"
    require_count(owner, "shards", shards, least=1)
    require_count(owner, "replicas", replicas, least=1)
    require_count(owner, "quorum", quorum, least=1)
    chosen = require_choice(owner, "strategy", strategy, ("strong", "eventual"))
    if quorum > replicas:
        raise TheoryError(f"{owner}: quorum must be at most replicas ({replicas}), "
                          f"not {quorum!r}")
    built = [SketchShard(f"shard-{s}", [SketchReplica(f"shard-{s}/r{r}", is_master=r == 1)
                                        for r in range(1, replicas + 1)])
             for s in range(1, shards + 1)]
    consistency = ConsistencyManager(
        ConsistencyStrategy.STRONG if chosen == "strong" else ConsistencyStrategy.EVENTUAL,
        quorum)
    return SketchDataManager(built, consistency, seed=seed,
                             replicas={s.id: list(s.replicas) for s in built})
