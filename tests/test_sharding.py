"""Def 6.2.1 (数据分片) and Strategy 6.2.1 (水平分片): placements, what moves, balance.

Jump consistent hash is compared with the ``jump`` package (Lamping and Veach's reference
algorithm in C), and the hash ring with ``uhashring``'s ketama ring, key for key.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from hashlib import md5

import jump
import pytest
import uhashring  # type: ignore[import-untyped, unused-ignore]
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.data.sharding import (
    HashRing,
    JumpHash,
    ModN,
    Placement,
    RangeSharding,
    Rendezvous,
    expected_imbalance,
    horizontal_shards,
    hot_spot,
    ideal_moved_fraction,
    imbalance,
    imbalance_table,
    jump_hash,
    ketama_points,
    key_hash,
    loads,
    moved_fraction_mod_n,
    movement,
    sample_keys,
    zipf_requests,
)
from msatheory.errors import TheoryError

KEYS = sample_keys(20_000, seed=7)
TEN = tuple(f"node-{i}" for i in range(10))

names = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF), min_size=1, max_size=8)
node_sets = st.lists(names, min_size=1, max_size=8, unique=True)
key_lists = st.lists(st.text(max_size=12), min_size=1, max_size=40)

# --- the hashes ------------------------------------------------------------------------------


def test_key_hash_is_the_first_eight_md5_bytes_little_endian() -> None:
    for key in ("", "user:42", "数据分片"):
        digest = md5(key.encode()).digest()
        assert key_hash(key) == int.from_bytes(digest[:8], "little")
        # its low 32 bits are ketama's key hash
        assert key_hash(key) & 0xFFFFFFFF == uhashring.HashRing(hash_fn="ketama").hashi(key)


@given(st.integers(0, 2**64 - 1), st.integers(1, 2**31 - 1))
@settings(max_examples=200)
def test_jump_hash_is_the_reference_algorithm(key: int, buckets: int) -> None:
    assert jump_hash(key, buckets) == jump.hash(key, buckets)


def test_jump_hash_agrees_with_the_reference_on_a_grid() -> None:
    hashes = [key_hash(k) for k in KEYS[:1000]] + [0, 1, 2**63, 2**64 - 1]
    for buckets in (*range(1, 41), 100, 1000, 65_536, 2**31 - 1):
        assert [jump_hash(h, buckets) for h in hashes] == [jump.hash(h, buckets) for h in hashes]


@given(st.integers(0, 2**64 - 1), st.integers(1, 500))
@settings(max_examples=150)
def test_jump_hash_moves_a_key_only_to_the_new_bucket(key: int, buckets: int) -> None:
    before, after = jump_hash(key, buckets), jump_hash(key, buckets + 1)
    assert after in (before, buckets)


# --- hash mod N ------------------------------------------------------------------------------


@given(st.integers(1, 60), st.integers(1, 60))
@settings(max_examples=120)
def test_moved_fraction_mod_n_is_exact_over_a_full_period(old: int, new: int) -> None:
    period = math.lcm(old, new)
    moved = sum(k % old != k % new for k in range(period))
    assert moved_fraction_mod_n(old, new) == Fraction(moved, period)
    # and over any whole number of periods, from anywhere
    start = 12_345 * period + 17
    again = sum(k % old != k % new for k in range(start, start + 3 * period))
    assert Fraction(again, 3 * period) == moved_fraction_mod_n(old, new)


def test_mod_n_moves_n_over_n_plus_one_of_the_keys() -> None:
    assert moved_fraction_mod_n(10, 11) == Fraction(10, 11)
    assert moved_fraction_mod_n(11, 10) == Fraction(10, 11)
    change = movement(ModN(TEN), ModN(TEN).with_node("node-10"), KEYS)
    sd = math.sqrt(10 / 11 * (1 / 11) / len(KEYS))  # binomial spread of the measured fraction
    assert abs(float(change.fraction) - 10 / 11) < 4 * sd
    assert not change.minimal
    assert ModN(TEN).node("user:1") == TEN[key_hash("user:1") % 10]


def test_ideal_moved_fraction() -> None:
    assert ideal_moved_fraction(10, 1) == Fraction(1, 11)
    assert ideal_moved_fraction(10, -1) == Fraction(1, 10)
    assert ideal_moved_fraction(4, 4) == Fraction(1, 2)
    assert ideal_moved_fraction(4, -3) == Fraction(3, 4)


# --- the ring against uhashring ---------------------------------------------------------------


def _ketama(nodes: list[str], vnodes: int) -> uhashring.HashRing:
    return uhashring.HashRing(nodes, hash_fn="ketama", vnodes=vnodes)


def test_ring_points_are_ketamas() -> None:
    ours = HashRing(TEN, vnodes=160)
    theirs = _ketama(list(TEN), 40)
    assert list(zip(ours._points, ours._holders, strict=True)) == theirs.get_points()
    assert ketama_points("node-0", 160)[:4] == tuple(
        theirs.hashi("node-0-0", replica=i) for i in range(4))


def test_ring_agrees_with_uhashring_key_for_key() -> None:
    for vnodes in (1, 10, 40):
        ours, theirs = HashRing(TEN, vnodes=4 * vnodes), _ketama(list(TEN), vnodes)
        assert [ours.node(k) for k in KEYS] == [theirs.get_node(k) for k in KEYS]


@given(node_sets, st.integers(1, 6), key_lists)
@settings(max_examples=60)
def test_ring_agrees_with_uhashring_on_any_nodes(nodes: list[str], vnodes: int,
                                                 keys: list[str]) -> None:
    ours, theirs = HashRing(nodes, vnodes=4 * vnodes), _ketama(sorted(nodes), vnodes)
    assert [ours.node(k) for k in keys] == [theirs.get_node(k) for k in keys]


def test_ring_agrees_with_uhashring_as_nodes_join_and_leave() -> None:
    ours, theirs = HashRing(TEN, vnodes=160), _ketama(list(TEN), 40)
    ours, _ = ours.with_node("node-10"), theirs.add_node("node-10")
    assert [ours.node(k) for k in KEYS[:5000]] == [theirs.get_node(k) for k in KEYS[:5000]]
    ours, _ = ours.without_node("node-3"), theirs.remove_node("node-3")
    assert [ours.node(k) for k in KEYS[:5000]] == [theirs.get_node(k) for k in KEYS[:5000]]


def test_ring_shares_cover_the_ring_and_match_the_keys() -> None:
    ring = HashRing(TEN, vnodes=100)
    shares = ring.shares()
    assert sum(shares.values()) == 1
    counts = loads(ring, KEYS)
    for name in TEN:  # each node's key count is binomial around its arc
        share = float(shares[name])
        assert abs(counts[name] - share * len(KEYS)) < 4 * math.sqrt(len(KEYS) * share)


def test_a_shared_point_goes_to_the_greater_name() -> None:
    """md5 points of "n14883" and "n17520" collide (a birthday search over "n0", "n1",
    ... finds them first); the greater name holds the point, in either order, as in
    uhashring when the nodes are listed sorted."""
    shared = set(ketama_points("n14883", 4)) & set(ketama_points("n17520", 4))
    assert shared == {2624979995}
    for order in (["n14883", "n17520"], ["n17520", "n14883"]):
        ring = HashRing(order, vnodes=4)
        assert len(ring._points) == 7
        assert ring._holders[ring._points.index(2624979995)] == "n17520"
    assert dict(_ketama(["n14883", "n17520"], 1).get_points())[2624979995] == "n17520"


# --- minimal disruption ----------------------------------------------------------------------

CONSISTENT: dict[str, Callable[[list[str]], Placement]] = {
    "ring": lambda nodes: HashRing(nodes, vnodes=20),
    "jump": JumpHash,
    "rendezvous": Rendezvous,
}


@pytest.mark.parametrize("kind", list(CONSISTENT))
@given(nodes=node_sets, new=names, keys=key_lists)
@settings(max_examples=60)
def test_a_joining_node_only_takes_keys(kind: str, nodes: list[str], new: str,
                                        keys: list[str]) -> None:
    if new in nodes:
        return
    before = CONSISTENT[kind](nodes)
    change = movement(before, before.with_node(new), keys)
    assert change.minimal
    assert all(to == new for _, _, to in change.moved)


@pytest.mark.parametrize("kind", ["ring", "rendezvous"])
@given(nodes=st.lists(names, min_size=2, max_size=8, unique=True), data=st.data(),
       keys=key_lists)
@settings(max_examples=60)
def test_a_leaving_node_only_gives_its_keys(kind: str, nodes: list[str], data: st.DataObject,
                                            keys: list[str]) -> None:
    gone = data.draw(st.sampled_from(nodes))
    before = CONSISTENT[kind](nodes)
    change = movement(before, before.without_node(gone), keys)
    assert change.minimal
    assert all(source == gone for _, source, _ in change.moved)
    assert {k for k, _, _ in change.moved} == {k for k in keys if before.node(k) == gone}


@pytest.mark.parametrize(("kind", "tolerance"), [("ring", 0.03), ("jump", 0.01),
                                                 ("rendezvous", 0.01)])
def test_consistent_placements_move_about_the_ideal_fraction(kind: str,
                                                             tolerance: float) -> None:
    """Jump and rendezvous move 1/(N+1) up to sampling noise (sd 0.002 here); a ring with
    160 points per node moves the new node's arcs, which vary by about 8% of 1/(N+1)."""
    make = CONSISTENT[kind] if kind != "ring" else HashRing
    before = make(list(TEN))
    joined = movement(before, before.with_node("node-10"), KEYS)
    assert joined.minimal and joined.changed == ("node-10",)
    assert abs(float(joined.fraction) - float(ideal_moved_fraction(10, 1))) < tolerance
    left = movement(before, before.without_node("node-9"), KEYS)
    assert left.minimal
    assert abs(float(left.fraction) - float(ideal_moved_fraction(10, -1))) < tolerance


def test_jump_hash_loses_only_its_last_bucket() -> None:
    p = JumpHash(TEN)
    with pytest.raises(TheoryError, match=r"only the last bucket \('node-9'\) can leave; "
                                          r"'node-3' is bucket 3 of 10"):
        p.without_node("node-3")
    swapped = p.without_node("node-3", swap_last=True)
    assert swapped.nodes == ("node-0", "node-1", "node-2", "node-9", *TEN[4:9])
    change = movement(p, swapped, KEYS)
    assert not change.minimal  # the last bucket's keys scatter over nodes that stayed
    # the leaving node's 1/N, and the last bucket's 1/N but for the (1/(N-1)) that lands
    # on its own node's new bucket
    exact = Fraction(1, 10) + Fraction(1, 10) * Fraction(8, 9)
    assert abs(float(change.fraction) - float(exact)) < 0.01
    assert movement(p, p.without_node("node-9"), KEYS).minimal


# --- range sharding --------------------------------------------------------------------------


def test_range_sharding_places_keys_by_order() -> None:
    shards = RangeSharding(["g", "p"], ["west", "mid", "east"])
    assert [shards.node(k) for k in ("", "a", "g", "gz", "p", "zzz")] == [
        "west", "west", "mid", "mid", "east", "east"]
    assert RangeSharding([]).node("anything") == "range-0"


@given(st.lists(st.text(min_size=1, max_size=4), max_size=6, unique=True),
       st.text(min_size=1, max_size=4), key_lists)
@settings(max_examples=100)
def test_splitting_a_range_moves_only_its_upper_part(bounds: list[str], at: str,
                                                     keys: list[str]) -> None:
    if at in bounds or not at.strip() or any(not b.strip() for b in bounds):
        return
    before = RangeSharding(sorted(bounds))
    after = before.split(at, "new")
    change = movement(before, after, keys)
    assert change.minimal
    assert {k for k, _, _ in change.moved} == {
        k for k in keys if k >= at and before.node(k) == before.node(at)}
    merged = movement(after, after.without_node("new"), keys)
    assert merged.minimal and {k for k, _, _ in merged.moved} == {
        k for k, _, _ in change.moved}


def test_range_sharding_merges_the_first_range_into_the_second() -> None:
    shards = RangeSharding(["g", "p"])
    merged = shards.without_node("range-0")
    assert merged.boundaries == ("p",) and merged.nodes == ("range-1", "range-2")
    assert merged.node("a") == "range-1"


# --- Strategy 6.2.1 --------------------------------------------------------------------------


@pytest.mark.parametrize("placement", [ModN(TEN), HashRing(TEN), JumpHash(TEN),
                                       Rendezvous(TEN), RangeSharding(["user:3", "user:6"])])
def test_horizontal_shards_partition_the_rows(placement: Placement) -> None:
    assert isinstance(placement, Placement)
    keys = KEYS[:2000]
    shards = horizontal_shards(keys, placement)
    assert tuple(shards) == placement.nodes
    assert sorted(k for held in shards.values() for k in held) == sorted(keys)
    assert all(placement.node(k) == name for name, held in shards.items() for k in held)
    assert {n: len(held) for n, held in shards.items()} == loads(placement, keys)


# --- balance ---------------------------------------------------------------------------------


def _expected_max_of_normals(n: int) -> float:
    """E[max of n standard normals], by the trapezoid rule on [-10, 10]."""
    step = 1e-3
    total = 0.0
    for i in range(20_001):
        x = -10 + i * step
        cdf = 0.5 * (1 + math.erf(x / math.sqrt(2)))
        pdf = math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
        total += x * n * pdf * cdf ** (n - 1) * step
    return total


def test_imbalance_shrinks_as_one_over_root_vnodes() -> None:
    """Rings of random points: the busiest of N nodes holds E[max Gamma(v)]/v times its
    share, H_N with one point each (Θ(log N)), and 1 + Θ(sqrt(log N / v)) with many:
    about 1 + E[max of N normals]/sqrt(v). The ring's md5 points behave so."""
    rows = imbalance_table(nodes=10, vnodes=(1, 10, 100, 1000), keys=100_000, rings=10)
    assert rows[0].expected == pytest.approx(sum(Fraction(1, k) for k in range(1, 11)))
    for row in rows:  # 10 rings: the mean's spread is about 0.4 / sqrt(v)
        assert abs(row.mean_ring_imbalance - row.expected) < 1.2 / math.sqrt(row.vnodes * 10)
    assert [r.imbalance for r in rows] == sorted((r.imbalance for r in rows), reverse=True)
    m10 = _expected_max_of_normals(10)
    assert m10 == pytest.approx(1.5388, abs=1e-4)
    for row in rows[2:]:  # the normal approximation, to within the gamma's skew
        assert (row.expected - 1) * math.sqrt(row.vnodes) == pytest.approx(m10, rel=0.05)
    # 100,000 keys add about 1% of sampling spread to the arcs
    assert rows[3].imbalance < 1.1


def test_expected_imbalance_of_one_node_or_one_point() -> None:
    assert expected_imbalance(1, 50) == 1.0
    assert expected_imbalance(2, 1) == 1.5
    assert expected_imbalance(4, 1) == pytest.approx(25 / 12)


def test_imbalance_is_busiest_over_mean() -> None:
    assert imbalance({"a": 5, "b": 5}) == 1
    assert imbalance({"a": 0, "b": 0, "c": 9}) == 3


def test_consistent_hashing_balances_keys_not_requests() -> None:
    keys = sample_keys(5_000, seed=3)
    requests = zipf_requests(keys, 1.0, 50_000, seed=3)
    for placement in (HashRing(TEN), JumpHash(TEN), Rendezvous(TEN)):
        assert imbalance(loads(placement, keys)) < Fraction(5, 4)
        spot = hot_spot(placement, keys, requests)
        assert spot.key_share < Fraction(3, 25)
        assert spot.request_share > Fraction(17, 100)  # the hottest key alone is 11%
        assert spot.node == placement.node(keys[0])


def test_zipf_requests_follow_the_law() -> None:
    keys = [f"k{i}" for i in range(100)]
    requests = zipf_requests(keys, 1.0, 200_000, seed=5)
    harmonic = sum(1 / i for i in range(1, 101))
    for rank in (1, 2, 10):
        p = 1 / rank / harmonic
        observed = requests.count(keys[rank - 1]) / len(requests)
        assert abs(observed - p) < 4 * math.sqrt(p * (1 - p) / len(requests))
    assert set(zipf_requests(keys, 0, 1000, seed=1)) > set(keys[:50])
    assert zipf_requests(keys, 1.0, 50, seed=9) == zipf_requests(keys, 1.0, 50, seed=9)


def test_everything_is_deterministic() -> None:
    assert sample_keys(5, seed=2) == sample_keys(5, seed=2) != sample_keys(5, seed=3)
    assert [HashRing(TEN).node(k) for k in KEYS[:50]] == [
        HashRing(list(reversed(TEN))).node(k) for k in KEYS[:50]]
    assert [Rendezvous(TEN).node(k) for k in KEYS[:50]] == [
        Rendezvous(list(reversed(TEN))).node(k) for k in KEYS[:50]]
    assert repr(HashRing(["a"], vnodes=4)) == "HashRing(['a'], vnodes=4)"


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "message"), [
    (lambda: jump_hash(-1, 3), "jump_hash: key must be a whole number, 0 or more, not -1"),
    (lambda: jump_hash(2**64, 3),
     "jump_hash: key must be an unsigned 64-bit integer (below 2**64), not 18446744073709551616"),
    (lambda: jump_hash("7", 3),  # type: ignore[arg-type]
     "jump_hash: key must be a whole number, 0 or more, not '7'"),
    (lambda: jump_hash(7, 0), "jump_hash: buckets must be a positive whole number, not 0"),
    (lambda: jump_hash(7, 2**31), "jump_hash: buckets must be at most 2**31 - 1, not 2147483648"),
    (lambda: moved_fraction_mod_n(0, 3),
     "moved_fraction_mod_n: old must be a positive whole number, not 0"),
    (lambda: ideal_moved_fraction(3, 0), "ideal_moved_fraction: change must be nonzero and "
                                         "leave at least one of the 3 nodes, not 0"),
    (lambda: ideal_moved_fraction(3, -3), "ideal_moved_fraction: change must be nonzero and "
                                          "leave at least one of the 3 nodes, not -3"),
    (lambda: key_hash(42),  # type: ignore[arg-type]
     "key_hash: key must be a string, not 42"),
    (lambda: HashRing([]), "HashRing: nodes must name at least one node, not []"),
    (lambda: HashRing("abc"), "HashRing: nodes must be a list of names, not 'abc'"),
    (lambda: HashRing(["a", "a"]), "HashRing: nodes lists 'a' twice"),
    (lambda: HashRing(["a"], vnodes=0), "HashRing: vnodes must be a positive whole number, not 0"),
    (lambda: HashRing(["a"]).node(b"k"), "HashRing: key must be a string, not b'k'"),  # type: ignore[arg-type]
    (lambda: HashRing(["a"]).with_node("a"), "HashRing: node 'a' is already one of a"),
    (lambda: ModN(["a", "b"]).without_node("c"), "ModN: node 'c' is not one of a, b"),
    (lambda: Rendezvous(["a"]).without_node("a"),
     "Rendezvous: node 'a' is the only node; one must remain"),
    (lambda: JumpHash(["a", "b"]).with_node(""),
     "JumpHash: name must be a non-empty string, not ''"),
    (lambda: RangeSharding(["p", "g"]), "RangeSharding: boundaries must be sorted, not ['p', 'g']"),
    (lambda: RangeSharding(["g"], ["a"]),
     "RangeSharding: 1 boundaries make 2 ranges, so nodes must name 2, not 1"),
    (lambda: RangeSharding(["g"]).split("g", "x"), "RangeSharding: 'g' is already a boundary"),
    (lambda: RangeSharding(["g"]).with_node("x"),
     "RangeSharding: a node joins by splitting a range at a key; use split(at, 'x')"),
    (lambda: movement(ModN(["a"]), ModN(["b"]), []),
     "movement: keys must hold at least one key, not ()"),
    (lambda: loads(ModN(["a"]), ["k", 3]),  # type: ignore[list-item]
     "loads: keys holds 3, not a str"),
    (lambda: imbalance({"a": 0}), "imbalance: counts must hold some load, not {'a': 0}"),
    (lambda: imbalance({"a": -1}),
     "imbalance: load of 'a' must be a whole number, 0 or more, not -1"),
    (lambda: zipf_requests([], 1.0, 5), "zipf_requests: keys must hold at least one key, not ()"),
    (lambda: zipf_requests(["k"], -1, 5),
     "zipf_requests: s must be a non-negative finite number, not -1"),
    (lambda: zipf_requests(["k"], 1, 5, seed=0.5),  # type: ignore[arg-type]
     "zipf_requests: seed must be an integer, not 0.5"),
    (lambda: imbalance_table(vnodes=(10, 0)),
     "imbalance_table: vnodes must be a positive whole number, not 0"),
    (lambda: expected_imbalance(10, 0),
     "expected_imbalance: vnodes must be a positive whole number, not 0"),
    (lambda: sample_keys(-1), "sample_keys: count must be a whole number, 0 or more, not -1"),
])
def test_bad_input_is_a_theory_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(TheoryError) as raised:
        call()
    assert str(raised.value) == message
