"""Strategy 6.3.2 (对等复制): version vectors, siblings, last writer wins and CRDTs among
equal peers that reconcile by anti-entropy."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.data.history import History
from msatheory.data.peers import (
    MODES,
    ORDERS,
    CartOp,
    Version,
    VersionVector,
    lost_by_skew,
    reconcile,
    simulate,
    workload,
)
from msatheory.errors import TheoryError

PEERS = ("a", "b", "c")
MIRROR = {"before": "after", "after": "before", "equal": "equal", "concurrent": "concurrent"}

vectors = st.dictionaries(st.sampled_from(PEERS), st.integers(0, 3)).map(VersionVector)


# --- version vectors --------------------------------------------------------------------


@settings(max_examples=100)
@given(vectors, vectors, vectors)
def test_version_vectors_are_partially_ordered(x: VersionVector, y: VersionVector,
                                               z: VersionVector) -> None:
    assert x.compare(x) == "equal"                                  # reflexive
    assert y.compare(x) == MIRROR[x.compare(y)]                     # antisymmetric
    assert (x.compare(y) == "equal") == (x == y)
    if x.compare(y) == "before" and y.compare(z) in ("before", "equal"):
        assert x.compare(z) == "before"                             # transitive
    assert x.compare(y) in ORDERS


@settings(max_examples=100)
@given(vectors, vectors, st.sampled_from(PEERS))
def test_merge_is_the_least_vector_that_descends_from_both(x: VersionVector, y: VersionVector,
                                                           peer: str) -> None:
    joined = x.merge(y)
    assert joined.descends(x) and joined.descends(y)
    assert joined == y.merge(x)
    assert x.merge(x) == x
    assert x.increment(peer).compare(x) == "after"
    # Any vector that descends from both descends from the merge.
    assert joined.increment(peer).descends(joined)
    assert x.compare(y) == "concurrent" or joined in (x, y)


def test_two_writes_from_one_ancestor_at_two_peers_are_concurrent() -> None:
    base = VersionVector({"a": 1})
    left, right = base.increment("a"), base.increment("b")
    assert (base.compare(left), left.compare(right), right.compare(left)) == (
        "before", "concurrent", "concurrent")
    assert left.merge(right).increment("a").compare(left) == "after"
    assert repr(VersionVector({"b": 2, "a": 0, "c": 1})) == "VersionVector({'b': 2, 'c': 1})"


versions = st.builds(Version, st.frozensets(st.sampled_from(("milk", "eggs", "tea"))),
                     vectors)


@settings(max_examples=100)
@given(st.lists(versions, max_size=6))
def test_reconcile_keeps_exactly_the_versions_nothing_supersedes(vs: list[Version]) -> None:
    kept = reconcile(vs)
    assert kept <= set(vs)
    for v, w in combinations(kept, 2):
        assert v.clock.compare(w.clock) in ("concurrent", "equal")
    for v in set(vs) - kept:
        assert any(w.clock.compare(v.clock) == "after" for w in kept)
    assert reconcile(kept) == kept
    assert bool(kept) == bool(vs)


# --- the peer group ---------------------------------------------------------------------


def test_last_writer_wins_loses_a_later_write_to_a_skewed_clock() -> None:
    """The concrete lost update: b adds eggs one second after a added milk, but a's clock
    runs 5 s ahead, so a's stamp (5) beats b's (1) and the eggs vanish everywhere."""
    ops = [CartOp(0, "a", "add", "milk"), CartOp(1, "b", "add", "eggs")]
    outcomes = {mode: simulate(ops, ["a", "b"], mode, seed=1, offsets={"a": 5})
                for mode in MODES}
    lww = outcomes["lww"]
    assert lww.converged and lww.lost == ("eggs",)
    assert (lww.cart("a"), lww.cart("b")) == ({"milk"}, {"milk"})
    for mode in ("version-vectors", "crdt"):
        assert outcomes[mode].lost == ()
        assert outcomes[mode].replicas == {"a": {"cart": ("eggs", "milk")},
                                           "b": {"cart": ("eggs", "milk")}}
    assert outcomes["version-vectors"].siblings == 2
    # With true clocks one concurrent write is lost still, but the later one wins.
    assert simulate(ops, ["a", "b"], "lww", seed=1).lost == ("milk",)


def test_sequential_writes_lose_nothing_without_skew_and_lose_some_with_it() -> None:
    """Writes 10 s apart, round robin over three peers: each peer has heard of the last
    write before it writes, so with true clocks nothing is lost. With c's clock 30 s
    ahead, a and b stamp their next writes below the cart they read, and each such
    write is dropped at once, at its own peer."""
    ops = [CartOp(10 * i, PEERS[i % 3], "add", f"item{i}") for i in range(12)]
    exact = simulate(ops, PEERS, "lww", seed=4, loss=0.0)
    skewed = simulate(ops, PEERS, "lww", seed=4, loss=0.0, offsets={"c": 30})
    assert exact.lost == () and exact.converged
    assert skewed.lost == ("item3", "item4", "item6", "item7", "item9", "item10")
    assert skewed.converged
    assert simulate(ops, PEERS, "crdt", seed=4, loss=0.0, offsets={"c": 30}).lost == ()


@settings(max_examples=25)
@given(st.integers(0, 10_000), st.integers(1, 25), st.sampled_from(MODES),
       st.sampled_from((0.0, 0.3)), st.sampled_from((0.0, 0.5)))
def test_every_mode_converges_and_crdts_keep_every_update(seed: int, writes: int, mode: str,
                                                          loss: float,
                                                          duplicate: float) -> None:
    """Strategy 6.1.1 (最终一致性): whatever the delays, losses and duplicates, the peers
    end with one state; the OR-Set loses and resurrects nothing, siblings lose nothing."""
    ops = workload(PEERS, writes, seed=seed, span=20)
    outcome = simulate(ops, PEERS, mode, seed=seed, skew=3.0, loss=loss, duplicate=duplicate)
    assert outcome.converged
    assert outcome.convergence_time is not None and outcome.convergence_time >= 0
    assert outcome.judgement.holds
    if mode == "crdt":
        assert outcome.lost == () and outcome.resurrected == ()
        added = {op.item for op in ops if op.kind == "add"}
        assert outcome.cart("a") == added - set(outcome.removed)
    if mode == "version-vectors":
        assert outcome.lost == ()
    else:
        assert outcome.siblings == 1


def test_siblings_let_a_removed_item_come_back() -> None:
    """Dynamo's cart: a remove on one sibling is undone when the reader takes the union
    with a concurrent sibling that still holds the item; the OR-Set keeps it removed."""
    ops = [CartOp(0, "a", "add", "milk"), CartOp(5, "a", "remove", "milk"),
           CartOp(5, "b", "add", "eggs")]
    vv = simulate(ops, ["a", "b"], "version-vectors", seed=2)
    crdt = simulate(ops, ["a", "b"], "crdt", seed=2)
    assert vv.resurrected == ("milk",) and vv.cart("a") == {"milk", "eggs"}
    assert crdt.resurrected == () and crdt.cart("a") == {"eggs"}


def test_peers_stopped_before_anti_entropy_settles_have_not_converged() -> None:
    """Stopped 0.1 s after the second write, the peers still disagree, and
    check_convergence says on which key and what each holds."""
    ops = [CartOp(0, "a", "add", "milk"), CartOp(1, "b", "add", "eggs")]
    early = simulate(ops, ["a", "b"], "crdt", seed=1, until=1.1)
    assert not early.converged and early.convergence_time is None
    assert not early.judgement.holds
    assert str(early.judgement.witness[0]) == "cart: a holds ('milk',); b holds ('eggs',)"
    assert str(early).startswith("crdt: not converged; lost 0")


def test_a_run_repeats_from_its_seed_and_differs_by_seed() -> None:
    ops = workload(PEERS, 20, seed=7, span=10)
    first = simulate(ops, PEERS, "version-vectors", seed=7, skew=2.0)
    assert simulate(ops, PEERS, "version-vectors", seed=7, skew=2.0) == first
    other = simulate(ops, PEERS, "version-vectors", seed=8, skew=2.0)
    assert (other.converged_at, other.offsets) != (first.converged_at, first.offsets)
    assert workload(PEERS, 20, seed=7, span=10) == ops


def test_the_outcome_records_a_history_of_writes_and_final_reads() -> None:
    ops = [CartOp(0, "a", "add", "milk"), CartOp(1, "b", "add", "eggs")]
    outcome = simulate(ops, ["a", "b"], "crdt", seed=1)
    assert isinstance(outcome.history, History)
    assert [(op.process, op.kind) for op in outcome.history] == [
        ("a", "write"), ("b", "write"), ("a", "read"), ("b", "read")]
    assert outcome.history.keys == ("cart",)
    assert [op.value for op in outcome.history] == [
        ("milk",), ("eggs",), ("eggs", "milk"), ("eggs", "milk")]
    assert 0 < outcome.dropped < outcome.messages and outcome.duplicated > 0
    assert str(outcome) == ("crdt: converged 2.38 s after the last write; lost 0, "
                            "resurrected 0, siblings 1")


def test_lost_updates_grow_with_clock_skew() -> None:
    table = lost_by_skew([0.0, 10.0, 30.0], runs=6)
    lost = [mean for _, mean in table]
    assert lost[0] < lost[1] < lost[2]
    assert lost_by_skew([30.0], "crdt", runs=3) == ((30.0, 0.0),)


def test_workload_removes_only_items_added_before() -> None:
    ops = workload(PEERS, 40, seed=3, remove=0.4)
    added: set[str] = set()
    for op in ops:
        if op.kind == "remove":
            assert op.item in added
            added.discard(op.item)
        else:
            assert op.item not in added
            added.add(op.item)
    assert [op.time for op in ops] == sorted(op.time for op in ops)
    assert workload(PEERS, 0, seed=3) == ()


# --- bad inputs -------------------------------------------------------------------------

OPS = [CartOp(0, "a", "add", "milk")]


@pytest.mark.parametrize("make, message", [
    (lambda: VersionVector({"a": -1}), "VersionVector: count of 'a' must be a whole number"),
    (lambda: VersionVector().increment(""), "VersionVector.increment: peer must be"),
    (lambda: VersionVector().compare({"a": 1}), "VersionVector.descends: other must be a"),  # type: ignore[arg-type]
    (lambda: Version({"milk"}, VersionVector()), "Version: items must be a frozenset"),  # type: ignore[arg-type]
    (lambda: Version(frozenset({""}), VersionVector()), "Version: items holds ''"),
    (lambda: reconcile([VersionVector()]), "reconcile: versions holds VersionVector({})"),  # type: ignore[list-item]
    (lambda: CartOp(-1, "a", "add", "milk"), "CartOp: time must be a non-negative"),
    (lambda: CartOp(0, "a", "buy", "milk"), "CartOp: kind must be one of add, remove"),
    (lambda: simulate(OPS, ["a"], "lww", seed=1), "simulate: peers must name at least two"),
    (lambda: simulate(OPS, ["a", "b"], "paxos", seed=1), "simulate: mode must be one of"),
    (lambda: simulate(OPS, ["b", "c"], "lww", seed=1), "names peer 'a', not one of"),
    (lambda: simulate(OPS, ["a", "b"], "lww", seed=1.5), "simulate: seed must be an integer"),  # type: ignore[arg-type]
    (lambda: simulate(OPS, ["a", "b"], "lww", seed=1, skew=-1), "simulate: skew must be"),
    (lambda: simulate(OPS, ["a", "b"], "lww", seed=1, interval=0), "interval must be a pos"),
    (lambda: simulate(OPS, ["a", "b"], "lww", seed=1, delay=(2, 1)), "most (1.0) below"),
    (lambda: simulate(OPS, ["a", "b"], "lww", seed=1, loss=1.5), "simulate: loss must lie"),
    (lambda: simulate(OPS, ["a", "b"], "lww", seed=1, offsets={"z": 1}), "offsets names 'z'"),
    (lambda: simulate(["x"], ["a", "b"], "lww", seed=1), "simulate: ops holds 'x'"),  # type: ignore[list-item]
    (lambda: workload([], 3, seed=1), "workload: peers must name at least one peer"),
    (lambda: workload(["a"], -1, seed=1), "workload: writes must be a whole number"),
    (lambda: lost_by_skew([0.0], peers=1), "lost_by_skew: peers must be a whole number of"),
])
def test_bad_inputs_raise_theory_errors(make: Callable[[], object], message: str) -> None:
    with pytest.raises(TheoryError, match=re.escape(message)):
        make()
