"""The Go DataManager as written (msatheory.data.sketch): FNV-1a, Go's map order, the
goroutines Write starts and where Go's runtime could abort."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.data.sketch import (
    ConsistencyManager,
    ConsistencyStrategy,
    GoError,
    GoMap,
    GoPanic,
    ReplicaStatus,
    Scheduler,
    ShardingStrategy,
    SketchDataManager,
    SketchReplica,
    SketchShard,
    build_manager,
    fnv32a,
    fnv64a,
    shard_index,
)
from msatheory.errors import TheoryError
from msatheory.sim import seeded_rng

# The FNV test suite (Landon Curt Noll, "FNV test vectors", isthe.com/chongo/tech/comp/fnv).
FNV1A_32 = {b"": 0x811C9DC5, b"a": 0xE40C292C, b"b": 0xE70C2DE5, b"c": 0xE60C2C52,
            b"foo": 0xA9F37ED7, b"foobar": 0xBF9CF968}
FNV1A_64 = {b"": 0xCBF29CE484222325, b"a": 0xAF63DC4C8601EC8C,
            b"foobar": 0x85944171F73967E8}


@pytest.mark.parametrize(("data", "expected"), FNV1A_32.items())
def test_fnv32a_matches_the_reference_vectors(data, expected):
    assert fnv32a(data) == expected


@pytest.mark.parametrize(("data", "expected"), FNV1A_64.items())
def test_fnv64a_matches_the_reference_vectors(data, expected):
    assert fnv64a(data) == expected


@settings(max_examples=50)
@given(st.text(max_size=20), st.integers(min_value=1, max_value=64))
def test_shard_index_is_the_hash_mod_the_count_and_never_negative(key, count):
    index = shard_index(key, count)
    assert index == fnv32a(key.encode()) % count and 0 <= index < count


def test_shard_index_of_no_shards_is_go_s_divide_by_zero_panic():
    with pytest.raises(GoPanic, match="integer divide by zero"):
        shard_index("x", 0)


class FixedRand(random.Random):
    """A generator whose ``getrandbits`` answers the given values in turn (the map's
    ``hash0`` first, then one ``r`` per range)."""

    def __init__(self, values):
        super().__init__(0)
        self.values = list(values)

    def getrandbits(self, k):
        return self.values.pop(0)


@pytest.mark.parametrize(("offset", "first"), [(0, "a"), (1, "b"), (2, "c"), (3, "a"),
                                               (7, "a")])
def test_a_small_map_ranges_from_the_offset_slot_wrapping(offset, first):
    m = GoMap(FixedRand([0, offset]), [(k, 0) for k in "abc"])
    order = m.range()
    start = "abc".index(first)
    assert order == list("abc"[start:] + "abc"[:start])


def test_the_start_of_a_three_entry_map_is_first_six_times_in_eight():
    m = GoMap(seeded_rng(5), [(k, 0) for k in "abc"])
    firsts = Counter(m.range()[0] for _ in range(8000))
    assert abs(firsts["a"] / 8000 - 6 / 8) < 0.02
    assert abs(firsts["b"] / 8000 - 1 / 8) < 0.02


def test_map_order_changes_with_the_seed_and_repeats_with_it():
    def orders(seed):
        m = GoMap(seeded_rng(seed), [(f"shard-{i}", i) for i in range(1, 5)])
        return [tuple(m.range()) for _ in range(6)]

    assert orders(0) == orders(0)
    assert len({tuple(orders(seed)) for seed in range(5)}) == 5


@pytest.mark.parametrize(("count", "b"), [(1, 0), (8, 0), (9, 1), (13, 1), (14, 2), (26, 2),
                                          (27, 3)])
def test_buckets_grow_past_the_load_factor(count, b):
    assert GoMap(seeded_rng(0), [(str(i), i) for i in range(count)]).b == b


@settings(max_examples=40)
@given(st.lists(st.text(min_size=1, max_size=4).filter(str.strip), unique=True, max_size=30),
       st.integers(min_value=0, max_value=100))
def test_every_range_visits_each_key_once(keys, seed):
    m = GoMap(seeded_rng(seed), [(k, 0) for k in keys])
    assert sorted(m.range()) == sorted(keys)


def test_write_acknowledges_before_the_replicas_hold_it():
    dm = build_manager(1, 3)
    shard = dm.shards["shard-1"]
    dm.write("x", 1)
    assert [r.data for r in shard.replicas] == [{"x": 1}, {}, {}]
    assert len(dm.goroutines.pending) == 2
    assert dm.goroutines.drain() == 2
    assert [r.data for r in shard.replicas] == [{"x": 1}] * 3


def test_two_writes_before_the_goroutines_run_could_abort_go():
    dm = build_manager(1, 2)
    dm.write("x", 1)
    dm.write("x", 2)
    assert [str(race) for race in dm.races] == [
        "fatal error: concurrent map writes (shard-1/r2.Data: goroutine 2 and goroutine 1)"]


def test_an_eventual_read_of_a_replica_with_a_pending_write_could_abort_go():
    dm = build_manager(1, 3, strategy="eventual")
    shard = dm.shards["shard-1"]
    dm.write("x", 1)
    assert dm.read("x") == 1 and dm.races == []  # the primary has no pending goroutine
    shard.replicas[0].status = ReplicaStatus.UNHEALTHY
    with pytest.raises(GoError, match=r"^no healthy replica available$"):
        dm.read("x")
    assert [race.kind for race in dm.races] == ["concurrent map read and map write"] * 2


def test_the_strong_read_is_the_primary_s_whatever_its_status():
    dm = build_manager(1, 2)
    with pytest.raises(GoError, match=r"^key not found: x$"):
        dm.read("x")
    dm.shards["shard-1"].replicas[0].status = ReplicaStatus.UNHEALTHY
    dm.write("x", 1)
    assert dm.read("x") == 1


def test_the_eventual_read_takes_the_first_healthy_replica_holding_the_key():
    dm = build_manager(1, 3, strategy="eventual")
    first, second, third = dm.shards["shard-1"].replicas
    first.status = ReplicaStatus.UNHEALTHY
    first.data["x"], third.data["x"] = "new", "old"
    assert dm.read("x") == "old"
    second.data["x"] = "newer"
    assert dm.read("x") == "newer"


def test_the_scheduler_runs_in_a_seeded_order_and_kill_drops_the_rest():
    def run(seed):
        scheduler = Scheduler(seeded_rng(seed))
        replica = SketchReplica("r")
        for value in range(6):
            scheduler.go(replica, "x", value)
        ran = [scheduler.step() for _ in range(6)]
        return [g.value for g in ran if g is not None]

    assert run(1) == run(1)
    assert len({tuple(run(seed)) for seed in range(4)}) > 1
    scheduler = Scheduler(seeded_rng(0))
    scheduler.go(SketchReplica("r"), "x", 1)
    assert [g.value for g in scheduler.kill()] == [1] and scheduler.step() is None


def test_scheduler_run_takes_a_pending_goroutine_by_number():
    scheduler = Scheduler(seeded_rng(0))
    replica = SketchReplica("r")
    scheduler.go(replica, "x", 1)
    scheduler.go(replica, "x", 2)
    scheduler.run(2)
    scheduler.run(1)
    assert replica.data == {"x": 1}
    with pytest.raises(TheoryError, match=r"Scheduler\.run: number"):
        scheduler.run(1)


def test_determine_shard_depends_on_the_seeded_map_order():
    def placements(seed):
        dm = build_manager(3, 1, seed=seed)
        return [dm.determine_shard("user:42") for _ in range(10)]

    assert placements(0) == placements(0)
    assert len(set(placements(0))) > 1  # one key, several shards
    assert placements(0) != placements(1)


def test_unused_fields_are_kept():
    dm = build_manager(2, 2, quorum=2)
    shard = dm.shards["shard-1"]
    assert set(dm.replicas) == {"shard-1", "shard-2"} and dm.consistency.quorum == 2
    assert shard.data == {} and shard.strategy is ShardingStrategy.HORIZONTAL
    assert [r.is_master for r in shard.replicas] == [True, False]
    dm.write("a", 1)
    assert shard.data == {} and dm.shards["shard-2"].data == {}


def test_go_panics_on_a_shard_without_replicas_and_a_manager_without_shards():
    dm = SketchDataManager([SketchShard("s", [])], ConsistencyManager())
    with pytest.raises(GoPanic, match=r"index out of range \[0\] with length 0"):
        dm.write("x", 1)
    empty = SketchDataManager([], ConsistencyManager(ConsistencyStrategy.EVENTUAL))
    with pytest.raises(GoPanic, match="integer divide by zero"):
        empty.read("x")


def test_bad_arguments_are_named():
    with pytest.raises(TheoryError, match="build_manager: quorum must be at most replicas"):
        build_manager(1, 2, quorum=3)
    with pytest.raises(TheoryError, match="build_manager: strategy must be one of"):
        build_manager(strategy="linearizable")
    with pytest.raises(TheoryError, match="SketchDataManager: shard ids lists 's' twice"):
        SketchDataManager([SketchShard("s", []), SketchShard("s", [])], ConsistencyManager())
    with pytest.raises(TheoryError, match=r"SketchDataManager\.write: key"):
        build_manager().write("", 1)
    with pytest.raises(TheoryError, match="SketchShard: replicas holds"):
        SketchShard("s", ["r1"])  # type: ignore[list-item]
