"""Def 6.1.1, Strategies 6.1.1-6.1.2: the consistency checkers against brute force, the
classic histories, the hierarchy, minimal witnesses and bad inputs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from itertools import chain, combinations, permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.data.consistency import (
    MODELS,
    Divergence,
    Judgement,
    check_convergence,
    check_linearizable,
    check_monotonic_reads,
    check_read_your_writes,
    check_sequential,
    strongest,
    version_order,
)
from msatheory.data.history import History, Operation
from msatheory.data.strategies import histories, sessions
from msatheory.errors import TheoryError
from msatheory.sim import seeded_rng

W, R = "write", "read"


def op(process: str, kind: str, value: int | None, invoked: int, completed: int | None,
       key: str = "x") -> Operation:
    return Operation(process, kind, value, invoked, completed, key)


# --- brute force: every subset of unanswered writes, every permutation --------------

def _legal(order: Sequence[Operation]) -> bool:
    state: dict[str, object] = {}
    for o in order:
        if o.kind == W:
            state[o.key] = o.value
        elif state.get(o.key) != o.value:
            return False
    return True


def _orders(history: History) -> list[tuple[list[int], list[Operation]]]:
    """(indices, operations) for every choice of unanswered writes to take effect."""
    ops = [o for o in history if o.kind == W or o.answered]
    answered = [i for i, o in enumerate(ops) if o.answered]
    pending = [i for i, o in enumerate(ops) if not o.answered]
    subsets = chain.from_iterable(combinations(pending, k) for k in range(len(pending) + 1))
    return [(sorted(answered + list(s)), ops) for s in subsets]


def brute_linearizable(history: History) -> bool:
    for chosen, ops in _orders(history):
        for perm in permutations(chosen):
            seq = [ops[i] for i in perm]
            if _legal(seq) and not any(seq[j].precedes(seq[i]) for i in range(len(seq))
                                       for j in range(i + 1, len(seq))):
                return True
    return False


def brute_sequential(history: History) -> bool:
    for chosen, ops in _orders(history):
        # a must come before b: same process, a earlier, a answered (an unanswered write
        # is not ordered before its process's later operations)
        pairs = [(a, b) for a in chosen for b in chosen
                 if ops[a].process == ops[b].process and a < b and ops[a].answered]
        for perm in permutations(chosen):
            place = {i: n for n, i in enumerate(perm)}
            if _legal([ops[i] for i in perm]) and all(place[a] < place[b] for a, b in pairs):
                return True
    return False


def needed(witness: Sequence[Operation], i: int, before: object) -> bool:
    """Whether the shrink may not drop ``witness[i]``: a write whose value a read returns
    and which no other write of that value could stand in for, or which could be the
    value of one of those reads (no write of another value comes between)."""
    w = witness[i]
    precedes = before  # real time or program order
    readers = [r for r in witness if r.kind == R and r.key == w.key and r.value == w.value]
    if w.kind == R or not readers:
        return False
    if not any(o.kind == W and o.key == w.key and o.value == w.value
               for j, o in enumerate(witness) if j != i):
        return True
    return not all(precedes(r, w) or any(  # type: ignore[operator]
        o.kind == W and o.key == w.key and o.value != w.value and precedes(w, o)  # type: ignore[operator]
        and precedes(o, r) for o in witness) for r in readers)  # type: ignore[operator]


def program_order(ops: Sequence[Operation]) -> object:
    def before(a: Operation, b: Operation) -> bool:
        return a.process == b.process and ops.index(a) < ops.index(b)
    return before


def is_linearization(order: Sequence[Operation], history: History) -> bool:
    answered = Counter(o for o in history if o.answered)
    listed = Counter(order)
    return (_legal(order) and not listed - Counter(o for o in history if o.answered
                                                 or o.kind == W)
            and not answered - listed
            and not any(order[j].precedes(order[i]) for i in range(len(order))
                        for j in range(i + 1, len(order))))


def keeps_program_order(order: Sequence[Operation], history: History) -> bool:
    for process in history.processes:
        mine = [o for o in history.of(process) if o.answered]
        if [o for o in order if o.process == process and o.answered] != mine:
            return False
    return _legal(order)


# --- agreement with brute force -----------------------------------------------------

@settings(max_examples=400)
@given(histories())
def test_linearizable_agrees_with_brute_force(history: History) -> None:
    judgement = check_linearizable(history)
    assert judgement.holds == brute_linearizable(history)
    if judgement.holds:
        assert is_linearization(list(judgement.witness), history)  # type: ignore[arg-type]


@settings(max_examples=200)
@given(histories(keys=("x", "y")))
def test_linearizable_is_local_and_the_merged_order_is_a_linearization(
        history: History) -> None:
    judgement = check_linearizable(history)
    assert judgement.holds == brute_linearizable(history)
    assert judgement.holds == all(check_linearizable(history.on(k)).holds
                                  for k in history.keys)
    if judgement.holds:
        assert is_linearization(list(judgement.witness), history)  # type: ignore[arg-type]


@settings(max_examples=300)
@given(histories(keys=("x", "y")))
def test_sequential_agrees_with_brute_force(history: History) -> None:
    judgement = check_sequential(history)
    assert judgement.holds == brute_sequential(history)
    if judgement.holds:
        assert keeps_program_order(list(judgement.witness), history)  # type: ignore[arg-type]


@settings(max_examples=300)
@given(histories(max_ops=7), st.booleans())
def test_a_failing_witness_is_a_minimal_failing_sub_history(history: History,
                                                             linear: bool) -> None:
    check = check_linearizable if linear else check_sequential
    judgement = check(history)
    if judgement.holds:
        return
    witness: list[Operation] = list(judgement.witness)  # type: ignore[arg-type]
    assert not Counter(witness) - Counter(history)
    assert not check(History(witness)).holds
    before = Operation.precedes if linear else program_order(list(history))
    for i in range(len(witness)):
        if not needed(witness, i, before):
            assert check(History(witness[:i] + witness[i + 1:])).holds
    assert judgement == check(history)


# --- the hierarchy ------------------------------------------------------------------

@settings(max_examples=300)
@given(sessions(keys=("x", "y")))
def test_linearizable_implies_sequential_for_well_formed_clients(history: History) -> None:
    if check_linearizable(history).holds:
        assert check_sequential(history).holds


@settings(max_examples=300)
@given(sessions(max_ops=7))
def test_sequential_implies_the_session_guarantees_in_its_own_write_order(
        history: History) -> None:
    for check in (check_sequential, check_linearizable):
        judgement = check(history)
        if judgement.holds:
            order = version_order(judgement.witness)  # type: ignore[arg-type]
            assert check_read_your_writes(history, order).holds
            assert check_monotonic_reads(history, order).holds


def test_linearizable_need_not_read_your_writes_in_completion_order() -> None:
    """Overlapping writes may take effect in the opposite order to their answers."""
    h = History([op("a", W, 1, 0, 10), op("b", W, 2, 1, 5), op("a", R, 2, 11, 12)])
    lin = check_linearizable(h)
    assert lin.holds
    assert not check_read_your_writes(h).holds
    assert check_read_your_writes(h, version_order(lin.witness)).holds  # type: ignore[arg-type]


# --- classic histories --------------------------------------------------------------

def test_stale_read_after_a_completed_write() -> None:
    h = History([op("a", W, 1, 0, 1), op("a", W, 2, 2, 3), op("b", R, 1, 4, 5)])
    lin = check_linearizable(h)
    assert not lin.holds
    assert lin.witness == h.operations
    assert lin.explanation == ("b read x=1 after a's write of x=2 completed, and no write "
                               "of it came in between.")
    assert check_sequential(h).holds
    assert strongest(h) == "sequential"


def test_sequential_but_not_linearizable_initial_value() -> None:
    h = History([op("a", W, 1, 0, 1), op("b", R, None, 2, 3)])
    lin, sc = check_linearizable(h), check_sequential(h)
    assert (lin.holds, sc.holds) == (False, True)
    assert lin.explanation == ("b read x's initial value after a's write of x=1 "
                               "completed, and nothing wrote it back in between.")
    assert sc.witness == (h.operations[1], h.operations[0])


def test_concurrent_read_may_see_either_value() -> None:
    for seen in (None, 1):
        h = History([op("a", W, 1, 0, 4), op("b", R, seen, 1, 2)])
        assert check_linearizable(h).holds


def test_read_from_the_future_and_from_nowhere() -> None:
    future = History([op("b", R, 1, 0, 1), op("a", W, 1, 2, 3)])
    j = check_linearizable(future)
    assert not j.holds and j.witness == future.operations
    assert j.explanation == "b read x=1 before any write of it was invoked."
    assert check_sequential(future).holds
    nowhere = History([op("a", W, 1, 0, 1), op("b", R, 3, 2, 3)])
    for check in (check_linearizable, check_sequential):
        j = check(nowhere)
        assert j.witness == (nowhere.operations[1],)
        assert j.explanation == "b read x=3, but no operation wrote it."


def test_new_then_old_reads() -> None:
    h = History([op("a", W, 1, 0, 1), op("a", W, 2, 2, 3), op("c", R, 2, 4, 5),
                 op("b", R, 1, 6, 7)])
    j = check_linearizable(h)
    assert not j.holds
    assert len(j.witness) == 3 and h.operations[2] not in j.witness  # c's read is not needed
    # concurrent writes may take effect in either order, but only once each
    h = History([op("a", W, 1, 0, 10), op("d", W, 2, 0, 10), op("c", R, 2, 1, 2),
                 op("b", R, 1, 3, 4)])
    assert check_linearizable(h).holds  # d's write, c's read, a's write, b's read
    h = History([*h.operations, op("e", R, 2, 5, 6)])
    j = check_linearizable(h)
    assert not j.holds and j.witness == h.operations
    assert j.explanation.startswith("These 5 operations cannot be put in one order that "
                                    "respects real time")
    assert check_sequential(h).holds


def test_sequential_fails_when_one_process_reads_writes_in_the_wrong_order() -> None:
    h = History([op("a", W, 1, 0, 1), op("a", W, 2, 2, 3), op("b", R, 2, 0, 1),
                 op("b", R, 1, 2, 3)])
    sc = check_sequential(h)
    assert not sc.holds and len(sc.witness) == 4
    assert sc.explanation == ("b read x=2 and then x=1, but every write of x=2 came after "
                              "every write of x=1.")


def test_own_stale_read_is_not_sequential() -> None:
    h = History([op("a", W, 1, 0, 1), op("a", R, None, 5, 6)])
    sc = check_sequential(h)
    assert not sc.holds
    assert sc.explanation == ("a read x's initial value after its own write of x=1, and "
                              "nothing wrote it back in between.")


def test_dekker_sequential_consistency_is_not_local() -> None:
    """Each key alone is sequential; together no order lets both reads see nothing."""
    h = History([op("p", W, 1, 0, 1, "x"), op("p", R, None, 2, 3, "y"),
                 op("q", W, 1, 0, 1, "y"), op("q", R, None, 2, 3, "x")])
    assert all(check_sequential(h.on(k)).holds for k in h.keys)
    sc = check_sequential(h)
    assert not sc.holds and len(sc.witness) == 4
    assert sc.explanation.startswith("These 4 operations cannot be put in one order that "
                                     "keeps each process's own order")
    assert strongest(h) == "read-your-writes and monotonic-reads"


def test_unanswered_writes_may_take_effect_late_or_never() -> None:
    late = History([op("a", W, 1, 0, None), op("b", R, None, 1, 2), op("b", R, 1, 50, 51),
                    op("c", R, None, 60, 61)])
    assert not check_linearizable(late).holds  # seen at 50, so in effect by 61
    assert check_linearizable(History(late.operations[:3])).holds
    never = History([op("a", W, 1, 0, None), op("b", R, None, 100, 101)])
    j = check_linearizable(never)
    assert j.holds and j.witness == (never.operations[1],)
    assert "1 unanswered write never took effect" in j.explanation
    ignored = History([op("a", W, 1, 0, 1), op("b", R, None, 5, None)])
    assert check_linearizable(ignored).holds and check_sequential(ignored).holds


def test_a_stale_read_keeps_the_write_it_returned_and_what_overwrote_it() -> None:
    """c's later write of 1 could stand in as the value b read, but it came after the
    read; the witness keeps a's, and the sentence holds of the whole history."""
    h = History([op("a", W, 1, 0, 1), op("a", W, 2, 2, 3), op("b", R, 1, 4, 5),
                 op("c", W, 1, 6, 7)])
    j = check_linearizable(h)
    assert j.witness == h.operations[:3]
    assert j.explanation == ("b read x=1 after a's write of x=2 completed, and no write of "
                             "it came in between.")


def test_repeated_values() -> None:
    h = History([op("a", W, 1, 0, 1), op("a", W, 2, 2, 3), op("a", W, 1, 4, 5),
                 op("b", R, 1, 6, 7)])
    assert check_linearizable(h).holds
    assert check_read_your_writes(h).holds and check_monotonic_reads(h).holds
    h = History([op("a", W, 1, 0, 1), op("a", W, 2, 2, 3), op("b", W, 1, 2, 8),
                 op("b", R, 1, 9, 10), op("c", R, 2, 11, 12)])
    assert not check_linearizable(h).holds


# --- session guarantees -------------------------------------------------------------

def test_read_your_writes_broken_by_an_older_value() -> None:
    h = History([op("b", W, 1, 0, 1), op("a", W, 2, 2, 3), op("a", R, 1, 4, 5)])
    j = check_read_your_writes(h)
    assert not j.holds and j.witness == (h.operations[1], h.operations[2])
    assert j.explanation == ("a read x=1 after its own write of x=2, and x=1 is older than "
                             "x=2 in the order in which the writes completed.")
    assert check_monotonic_reads(h).holds
    other = History([op("b", W, 1, 0, 1), op("a", W, 2, 2, 3), op("c", R, 1, 4, 5)])
    assert check_read_your_writes(other).holds  # someone else's write binds no one


def test_read_your_writes_against_an_explicit_order() -> None:
    h = History([op("b", W, 1, 0, 1), op("a", W, 2, 2, 3), op("a", R, 1, 4, 5)])
    order = {"x": (h.operations[1], h.operations[0])}  # the store put 1 after 2
    j = check_read_your_writes(h, order)
    assert j.holds and j.witness == order["x"]
    assert j.explanation.endswith("judged against the version order given.")


def test_monotonic_reads_broken_by_new_then_old() -> None:
    h = History([op("a", W, 1, 0, 1), op("a", W, 2, 2, 3), op("b", R, 2, 4, 5),
                 op("b", R, 1, 6, 7)])
    j = check_monotonic_reads(h)
    assert not j.holds and j.witness == (h.operations[2], h.operations[3])
    assert check_read_your_writes(h).holds
    h = History([op("a", W, 1, 0, 1), op("b", R, 1, 4, 5), op("b", R, None, 6, 7)])
    j = check_monotonic_reads(h)
    assert not j.holds
    assert j.explanation == ("b read x=1 and then x's initial value, and x's initial value "
                             "is older than x=1 in the order in which the writes completed.")
    two_readers = History([op("a", W, 1, 0, 1), op("b", R, 1, 4, 5),
                           op("c", R, None, 6, 7)])
    assert check_monotonic_reads(two_readers).holds  # different sessions


def test_session_checks_are_per_key_and_skip_reads_from_nowhere() -> None:
    h = History([op("a", W, 1, 0, 1, "x"), op("a", R, None, 2, 3, "y"),
                 op("a", R, 7, 4, 5, "x"), op("b", R, 1, 0, 1, "y")])
    assert check_read_your_writes(h).holds and check_monotonic_reads(h).holds


# --- convergence --------------------------------------------------------------------

def test_convergence() -> None:
    same = check_convergence({"r1": {"x": 1}, "r2": {"x": 1}})
    assert same == Judgement("convergent", True, (),
                             "The 2 replicas hold the same value for each of 1 key.")
    absent = check_convergence({"r1": {"x": None}, "r2": {}})
    assert absent.holds
    j = check_convergence({"r1": {"x": 1, "y": 2}, "r2": {"x": 2, "y": 2}, "r3": {"y": 2}})
    assert not j.holds
    assert j.witness == (Divergence("x", (("r1", 1), ("r2", 2), ("r3", None))),)
    assert str(j.witness[0]) == "x: r1 holds 1; r2 holds 2; r3 holds the initial value"


@settings(max_examples=100)
@given(st.dictionaries(st.sampled_from(("r1", "r2", "r3")),
                       st.dictionaries(st.sampled_from(("x", "y")), st.integers(0, 2)),
                       min_size=1))
def test_convergence_holds_iff_every_replica_reads_alike(
        replicas: dict[str, dict[str, int]]) -> None:
    keys = {k for state in replicas.values() for k in state}
    alike = len({tuple(state.get(k) for k in sorted(keys)) for state in replicas.values()}) == 1
    j = check_convergence(replicas)
    assert j.holds == alike
    assert {d.key for d in j.witness} == {
        k for k in keys if len({state.get(k) for state in replicas.values()}) > 1}


# --- at scale: a simulated linearizable register ------------------------------------

def register_run(seed: int, processes: int = 5, operations: int = 200) -> History:
    """Clients of one atomic register: each operation takes effect at a random instant
    of its interval, reads return the value then; clients overlap modestly."""
    rng = seeded_rng(seed, "register_run")
    clock = {f"p{i}": Fraction(rng.randrange(5)) for i in range(processes)}
    planned = []
    for n in range(operations):
        process = f"p{n % processes}"
        invoked = clock[process] + rng.randrange(1, 20)
        completed = invoked + rng.randrange(1, 6)
        point = invoked + Fraction(rng.randrange(1, 100), 100) * (completed - invoked)
        clock[process] = completed
        kind = W if rng.random() < 0.4 else R
        planned.append((point, process, kind, rng.randrange(1, 4), invoked, completed))
    value: int | None = None
    ops = []
    for _point, process, kind, written, invoked, completed in sorted(planned):
        if kind == W:
            value = written
        ops.append(Operation(process, kind, written if kind == W else value, invoked,
                             completed))
    return History(ops)


def test_a_simulated_register_is_linearizable_and_a_stale_read_is_found() -> None:
    h = register_run(7)
    assert len(h) == 200 and len(h.processes) == 5
    lin = check_linearizable(h)
    assert lin.holds and len(lin.witness) == 200
    assert is_linearization(list(lin.witness), h)  # type: ignore[arg-type]
    reads = [i for i, o in enumerate(h) if o.kind == R and o.value is not None]
    ops = list(h)
    victim = ops[reads[len(reads) // 2]]
    ops[reads[len(reads) // 2]] = Operation(victim.process, R, 99, victim.invoked,
                                            victim.completed)
    broken = check_linearizable(History(ops))
    assert not broken.holds and len(broken.witness) == 1
    assert broken.explanation == f"{victim.process} read x=99, but no operation wrote it."


def test_a_stale_read_among_200_operations_shrinks_to_five() -> None:
    """p1's read of 1 and p0's read of 2 both follow all three writes (p0's read ends
    at 256, as p1's begins at 259), and no write comes between; p0's write of 1 stays, as
    it could be the value p1 read."""
    ops = list(register_run(7))
    stale = ops[101]
    assert (stale.kind, stale.value) == (R, 2)
    ops[101] = Operation(stale.process, R, 1, stale.invoked, stale.completed)
    j = check_linearizable(History(ops))
    assert not j.holds
    assert [str(o) for o in j.witness] == [
        "p0: write x=1 [242, 245]", "p3: write x=2 [245, 249]", "p1: write x=1 [246, 248]",
        "p0: read x=2 [253, 256]", "p1: read x=1 [259, 261]"]
    assert check_sequential(History(j.witness)).holds  # type: ignore[arg-type]


# --- bad inputs ---------------------------------------------------------------------

@pytest.mark.parametrize("check", [check_linearizable, check_sequential,
                                   check_read_your_writes, check_monotonic_reads, strongest])
def test_a_history_is_required(check: object) -> None:
    with pytest.raises(TheoryError, match="history must be a History, not"):
        check([op("a", W, 1, 0, 1)])  # type: ignore[operator]


def test_bad_version_orders() -> None:
    h = History([op("a", W, 1, 0, 1), op("a", W, 2, 2, 3), op("a", R, 1, 4, 5)])
    w1, w2, r = h.operations
    with pytest.raises(TheoryError, match="order must be a mapping"):
        check_read_your_writes(h, [w1, w2])  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match="lacks a: write x=2"):
        check_monotonic_reads(h, {"x": [w1]})
    with pytest.raises(TheoryError, match="more often than the history holds it"):
        check_read_your_writes(h, {"x": [w1, w2, r]})
    with pytest.raises(TheoryError, match="more often"):
        check_read_your_writes(h, {"x": [w1, w2, w2]})
    with pytest.raises(TheoryError, match=r"order\['x'\] must be a list of Operations"):
        check_read_your_writes(h, {"x": "w"})  # type: ignore[dict-item]
    with pytest.raises(TheoryError, match="operations must be a list of Operations"):
        version_order(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("replicas, message", [
    ({}, "replicas must be a non-empty mapping"),
    ([("r1", {})], "replicas must be a non-empty mapping"),
    ({"": {"x": 1}}, "replica must be a non-empty string"),
    ({"r1": [1]}, "the state of replica 'r1' must be a mapping"),
    ({"r1": {3: 1}}, "a key of replica 'r1' must be a non-empty string"),
])
def test_bad_replicas(replicas: object, message: str) -> None:
    with pytest.raises(TheoryError, match=message):
        check_convergence(replicas)  # type: ignore[arg-type]


def test_judgements_print_for_a_student_and_repeat() -> None:
    h = History([op("a", W, 1, 0, 1), op("a", W, 2, 2, 3), op("b", R, 1, 4, 5)])
    assert str(check_linearizable(h)).splitlines() == [
        "linearizable: fails. b read x=1 after a's write of x=2 completed, and no write "
        "of it came in between.",
        "  a: write x=1 [0, 1]", "  a: write x=2 [2, 3]", "  b: read x=1 [4, 5]"]
    assert "0x" not in repr(check_sequential(h))
    assert {j.model for j in (check_linearizable(h), check_sequential(h),
                              check_read_your_writes(h), check_monotonic_reads(h),
                              check_convergence({"r": {}}))} == set(MODELS)
    assert check_linearizable(History([])) == Judgement(
        "linearizable", True, (), "These 0 operations take effect in this order, each "
        "between its invocation and its answer.")
