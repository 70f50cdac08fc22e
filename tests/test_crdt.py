"""Strategy 6.1.1 (最终一致性): state-based CRDTs merge as a join-semilattice and converge."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import reduce
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.data.crdt import GCounter, LWWRegister, ORSet, PNCounter, merge_all
from msatheory.errors import TheoryError

REPLICAS = ("r1", "r2", "r3")
ITEMS = ("milk", "eggs", "tea")

# --- reachable states: replicas that update and exchange states ------------------------
#
# A run is a list of steps (replica index, action). An action is an update of the
# replica's own state, or "receive" the current state of another replica. Every state
# a test uses is one a real group of replicas reaches, so ORSet tags stay unique.

Update = Callable[[Any, str], Any]


def _gcounter_update(n: int) -> Update:
    return lambda s, r: s.increment(r, n)


def _pn_update(n: int) -> Update:
    return lambda s, r: s.increment(r, n) if n > 0 else s.decrement(r, -n)


def _orset_update(kind: str, item: str) -> Update:
    return lambda s, r: s.add(item, r) if kind == "add" else s.remove(item)


def _lww_update(value: str, timestamp: int) -> Update:
    return lambda s, r: s.assign(value, timestamp, r)


UPDATES: dict[str, tuple[Callable[[], Any], st.SearchStrategy[Update]]] = {
    "GCounter": (GCounter, st.integers(1, 3).map(_gcounter_update)),
    "PNCounter": (PNCounter, st.integers(-3, 3).filter(bool).map(_pn_update)),
    "ORSet": (ORSet, st.builds(_orset_update, st.sampled_from(("add", "add", "remove")),
                               st.sampled_from(ITEMS))),
    "LWWRegister": (LWWRegister, st.builds(_lww_update, st.sampled_from(ITEMS),
                                           st.integers(0, 4))),
}

Step = tuple[int, Update | int]


def steps(kind: str) -> st.SearchStrategy[list[Step]]:
    update = UPDATES[kind][1]
    action = st.one_of(update, st.integers(0, len(REPLICAS) - 1))
    return st.lists(st.tuples(st.integers(0, len(REPLICAS) - 1), action), max_size=12)


def run(kind: str, script: list[Step]) -> tuple[list[Any], list[Any]]:
    """The replicas' final states and every state any replica held (its snapshots)."""
    states = [UPDATES[kind][0]() for _ in REPLICAS]
    snapshots = list(states)
    for replica, action in script:
        if isinstance(action, int):
            states[replica] = states[replica].merge(states[action])
        else:
            states[replica] = action(states[replica], REPLICAS[replica])
        snapshots.append(states[replica])
    return states, snapshots


KINDS = tuple(UPDATES)


@st.composite
def three_states(draw: st.DrawFn) -> tuple[Any, Any, Any]:
    kind = draw(st.sampled_from(KINDS))
    states, _ = run(kind, draw(steps(kind)))
    return states[0], states[1], states[2]


# --- the semilattice laws --------------------------------------------------------------


@settings(max_examples=120)
@given(three_states())
def test_merge_is_commutative_associative_and_idempotent(abc: tuple[Any, Any, Any]) -> None:
    a, b, c = abc
    assert a.merge(b) == b.merge(a)
    assert a.merge(b.merge(c)) == a.merge(b).merge(c)
    assert a.merge(a) == a
    assert a.merge(b).value == b.merge(a).value


@settings(max_examples=100)
@given(three_states())
def test_merge_is_the_least_upper_bound(abc: tuple[Any, Any, Any]) -> None:
    a, b, c = abc
    joined = a.merge(b)
    assert a.leq(joined) and b.leq(joined)
    if a.leq(c) and b.leq(c):
        assert joined.leq(c)
    assert a.leq(b) == (a.merge(b) == b)


@settings(max_examples=100)
@given(st.data())
def test_updates_only_move_a_state_up(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(KINDS))
    _, snapshots = run(kind, data.draw(steps(kind)))
    state = snapshots[-1]
    update = data.draw(UPDATES[kind][1])
    assert state.leq(update(state, "r1"))


# --- convergence whatever the delivery --------------------------------------------------


@settings(max_examples=100)
@given(st.data())
def test_any_order_and_duplication_of_the_same_states_converges(data: st.DataObject) -> None:
    """Two receivers get every state any replica ever sent, each in its own order with
    its own duplicates: they end equal, and equal to the join of the final states."""
    kind = data.draw(st.sampled_from(KINDS))
    finals, snapshots = run(kind, data.draw(steps(kind)))
    target = merge_all(finals)
    for _ in range(2):
        order = data.draw(st.permutations(snapshots))
        extra = data.draw(st.lists(st.sampled_from(snapshots), max_size=4))
        positions = data.draw(st.lists(st.integers(0, len(order)), min_size=len(extra),
                                       max_size=len(extra)))
        delivered = list(order)
        for state, where in zip(extra, positions, strict=True):
            delivered.insert(where, state)
        receiver = reduce(lambda s, m: s.merge(m), delivered, UPDATES[kind][0]())
        assert receiver == target
        assert receiver.value == target.value


def test_a_counter_counts_each_increment_once_however_often_it_is_delivered() -> None:
    a = GCounter().increment("r1", 2)
    b = GCounter().increment("r2")
    assert merge_all([a, b, a, a, b]).value == 3
    assert repr(a.merge(b)) == "GCounter({'r1': 2, 'r2': 1})"


# --- what each type keeps ---------------------------------------------------------------


def test_or_set_add_wins_over_a_concurrent_remove() -> None:
    base = ORSet().add("milk", "r1")
    removed = base.remove("milk")                 # r1 removes the milk it observed
    re_added = base.add("milk", "r2")             # r2, concurrently, adds milk again
    assert removed.value == frozenset()
    assert removed.merge(re_added).value == {"milk"}
    assert re_added.merge(removed).value == {"milk"}
    assert re_added.tags("milk") == {("r1", 1), ("r2", 1)}
    # A remove that has observed both adds wins over both.
    assert removed.merge(re_added).remove("milk").merge(re_added).value == frozenset()


def test_or_set_tags_are_the_replica_and_its_count_of_adds() -> None:
    s = ORSet().add("milk", "r1").add("eggs", "r1").add("milk", "r2")
    assert sorted(tag for _, tag in s.added) == [("r1", 1), ("r1", 2), ("r2", 1)]
    assert s.issued == GCounter({"r1": 2, "r2": 1})
    assert repr(s) == "ORSet({'eggs'@r1.2, 'milk'@r1.1, 'milk'@r2.1}, tombstones=0)"
    assert "milk" in s and "tea" not in s
    assert repr(s.remove("milk")) == "ORSet({'eggs'@r1.2}, tombstones=2)"


@settings(max_examples=100)
@given(st.data())
def test_or_set_matches_a_sequential_set_on_one_replica(data: st.DataObject) -> None:
    """Updated by one replica alone, the OR-Set is an ordinary set."""
    ops = data.draw(st.lists(st.tuples(st.sampled_from(("add", "remove")),
                                       st.sampled_from(ITEMS)), max_size=15))
    orset, plain = ORSet(), set[str]()
    for kind, item in ops:
        orset = orset.add(item, "r1") if kind == "add" else orset.remove(item)
        plain = plain | {item} if kind == "add" else plain - {item}
    assert orset.value == plain


def test_lww_loses_a_concurrent_update_that_the_crdts_keep() -> None:
    """Two replicas, each starting from 0 items and an empty cart, each add one: the
    last-writer-wins register keeps one write, the PN-Counter and the OR-Set keep both."""
    count_a = LWWRegister().assign(1, timestamp=1, replica="r1")
    count_b = LWWRegister().assign(1, timestamp=2, replica="r2")
    assert count_a.merge(count_b).value == 1                    # one increment lost
    pn = PNCounter().increment("r1").merge(PNCounter().increment("r2"))
    assert pn.value == 2

    cart_a = LWWRegister().assign(frozenset({"milk"}), timestamp=1, replica="r1")
    cart_b = LWWRegister().assign(frozenset({"eggs"}), timestamp=2, replica="r2")
    assert cart_a.merge(cart_b).value == {"eggs"}               # the milk is lost
    orset = ORSet().add("milk", "r1").merge(ORSet().add("eggs", "r2"))
    assert orset.value == {"milk", "eggs"}


def test_lww_drops_a_write_stamped_below_the_one_it_holds() -> None:
    held = LWWRegister("red", 10, "a")
    assert held.assign("blue", 9, "b") is held                  # later in fact, earlier stamp
    assert held.assign("blue", 10, "b").value == "blue"         # tie: replica "b" > "a"
    assert LWWRegister("x", 3, "a").merge(LWWRegister("y", 3, "a")).value == "y"
    assert repr(held) == "LWWRegister('red', timestamp=10, replica='a')"
    assert LWWRegister().value is None and LWWRegister().leq(held)


def test_pn_counter_goes_down_as_well_as_up() -> None:
    stock = PNCounter().increment("r1", 5)
    a, b = stock.decrement("r1", 2), stock.decrement("r2")
    assert a.merge(b).value == 2
    assert repr(a) == "PNCounter(+{'r1': 5}, -{'r1': 2})"


# --- bad inputs -------------------------------------------------------------------------


@pytest.mark.parametrize("make, message", [
    (lambda: GCounter({"a": -1}), "GCounter: count of 'a' must be a whole number"),
    (lambda: GCounter({"": 1}), "GCounter: replica must be a non-empty string"),
    (lambda: GCounter([1]), "GCounter: counts must be a mapping"),  # type: ignore[arg-type]
    (lambda: GCounter().increment("a", 0), "GCounter.increment: by must be a positive"),
    (lambda: GCounter().merge(PNCounter()), "GCounter.merge: other must be a GCounter"),  # type: ignore[arg-type]
    (lambda: PNCounter(increments=3), "PNCounter: increments must be a GCounter"),  # type: ignore[arg-type]
    (lambda: PNCounter().decrement("", 1), "GCounter.increment: replica must be"),
    (lambda: ORSet().add("", "r1"), "ORSet.add: element must be a non-empty string"),
    (lambda: ORSet().add("milk", 3), "ORSet.add: replica must be a non-empty string"),  # type: ignore[arg-type]
    (lambda: ORSet(removed=[("r1", 1)]), "ORSet: removed tag ('r1', 1) tags no added"),
    (lambda: ORSet(added=[("milk", ("r1", 0))]), "ORSet: tag count must be a positive"),
    (lambda: ORSet(added=["milk"]), "ORSet: added must hold (element, tag) pairs"),  # type: ignore[list-item]
    (lambda: ORSet(added=[("milk", "r1")]), "ORSet: a tag must be a (replica, count)"),  # type: ignore[list-item]
    (lambda: ORSet().merge(GCounter()), "ORSet.merge: other must be an ORSet"),  # type: ignore[arg-type]
    (lambda: LWWRegister("v", -1, "a"), "LWWRegister: timestamp must be a non-negative"),
    (lambda: LWWRegister(None, 3, "a"), "LWWRegister: a write must write a value"),
    (lambda: LWWRegister("v", 3, ""), "LWWRegister: replica must be a non-empty string"),
    (lambda: LWWRegister().merge("v"), "LWWRegister.merge: other must be an LWWRegister"),  # type: ignore[arg-type]
    (lambda: merge_all([]), "merge_all: states must hold at least one state"),
])
def test_bad_inputs_raise_theory_errors(make: Callable[[], object], message: str) -> None:
    with pytest.raises(TheoryError, match=re.escape(message)):
        make()
