"""Protocol 5.2.2 (gRPC): deadline propagation against fixed timeouts, and inversions."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.communication.deadlines import (
    DEADLINE_EXCEEDED,
    FAILED,
    NOT_CALLED,
    NOT_SENT,
    OK,
    OUTCOMES,
    Hop,
    Inversion,
    Span,
    Trace,
    deadline_trace,
    timeout_inversions,
)
from msatheory.errors import TheoryError


def bad(value: object) -> Any:
    """``value``, typed to pass where a value of another type is expected."""
    return value


def checkout(stock_work: int = 5, retries: int = 0) -> Hop:
    """The gateway calls orders (which calls stock), then payment; seconds as ints."""
    return Hop("gateway", 1, timeout=10, calls=[
        Hop("orders", 2, timeout=8, calls=[
            Hop("stock", stock_work, timeout=6, retries=retries)]),
        Hop("payment", 3, timeout=5)])


def rows(run: Trace) -> list[tuple[object, ...]]:
    return [(s.name, s.attempt, s.sent, s.deadline, s.remaining, s.worked, s.wasted,
             s.answered, s.outcome) for s in run.spans]


# -- hand-computed trees ------------------------------------------------------------------


def test_propagated_deadlines_on_a_small_tree() -> None:
    run = deadline_trace(checkout())
    assert rows(run) == [
        ("gateway", 1, 0, 10, 10, 1, 0, 10, DEADLINE_EXCEEDED),
        ("orders", 1, 1, 9, 8, 2, 0, 8, OK),  # min(10, 1 + 8)
        ("stock", 1, 3, 9, 6, 5, 0, 8, OK),  # min(9, 3 + 6)
        ("payment", 1, 8, 10, 2, 2, 0, 10, DEADLINE_EXCEEDED),  # stops at 10
    ]
    assert (run.mode, run.outcome, run.answered, run.work, run.wasted) == (
        "propagated", DEADLINE_EXCEEDED, 10, 10, 0)


def test_fixed_timeouts_on_the_same_tree_waste_work() -> None:
    run = deadline_trace(checkout(), propagate=False)
    assert rows(run) == [
        ("gateway", 1, 0, 10, 10, 1, 0, 10, DEADLINE_EXCEEDED),
        ("orders", 1, 1, 9, 8, 2, 0, 8, OK),
        ("stock", 1, 3, 9, 6, 5, 0, 8, OK),
        ("payment", 1, 8, 13, 5, 3, 1, 11, OK),  # works 8..11; the client left at 10
    ]
    assert (run.outcome, run.answered, run.work, run.wasted) == (DEADLINE_EXCEEDED, 10, 11, 1)


def test_retries_of_a_slow_callee_are_not_sent_once_the_deadline_is_spent() -> None:
    run = deadline_trace(checkout(stock_work=7, retries=1))
    assert rows(run) == [
        ("gateway", 1, 0, 10, 10, 1, 0, 9, FAILED),
        ("orders", 1, 1, 9, 8, 2, 0, 9, DEADLINE_EXCEEDED),
        ("stock", 1, 3, 9, 6, 6, 0, 9, DEADLINE_EXCEEDED),
        ("stock", 2, 9, 9, 0, 0, 0, 9, NOT_SENT),
        ("payment", 1, None, None, None, 0, 0, None, NOT_CALLED),
    ]
    assert (run.work, run.wasted) == (9, 0)
    assert run.attempts("stock")[1].outcome == NOT_SENT


def test_fixed_timeouts_retry_after_the_caller_has_left() -> None:
    run = deadline_trace(checkout(stock_work=7, retries=1), propagate=False)
    assert rows(run) == [
        ("gateway", 1, 0, 10, 10, 1, 0, 9, FAILED),
        ("orders", 1, 1, 9, 8, 2, 0, 9, DEADLINE_EXCEEDED),
        ("stock", 1, 3, 9, 6, 7, 1, 9, DEADLINE_EXCEEDED),
        ("stock", 2, 9, 15, 6, 7, 7, 15, DEADLINE_EXCEEDED),  # all of it wasted
        ("payment", 1, None, None, None, 0, 0, None, NOT_CALLED),
    ]
    assert (run.work, run.wasted) == (17, 8)


def test_parallel_fan_out_waits_for_all() -> None:
    search = Hop("search", 1, timeout=5, parallel=True,
                 calls=[Hop("a", 2, timeout=3), Hop("b", 5)])
    assert rows(deadline_trace(search)) == [
        ("search", 1, 0, 5, 5, 1, 0, 5, DEADLINE_EXCEEDED),
        ("a", 1, 1, 4, 3, 2, 0, 3, OK),
        ("b", 1, 1, 5, 4, 4, 0, 5, DEADLINE_EXCEEDED),  # inherits 5, stops there
    ]
    fixed = deadline_trace(search, propagate=False)
    assert fixed.spans[2] == Span("b", 1, 1, None, None, 5, 1, 6, OK)
    assert (fixed.work, fixed.wasted) == (8, 1)


def test_a_failed_call_fails_its_caller_before_its_deadline() -> None:
    run = deadline_trace(Hop("a", timeout=10, calls=[Hop("b", 5, timeout=2), Hop("c", 1)]))
    assert [(s.name, s.answered, s.outcome) for s in run.spans] == [
        ("a", 2, FAILED), ("b", 2, DEADLINE_EXCEEDED), ("c", None, NOT_CALLED)]


def test_the_client_retries_the_root() -> None:
    run = deadline_trace(Hop("a", 3, timeout=2, retries=2))
    assert [(s.attempt, s.sent, s.deadline, s.worked) for s in run.spans] == [
        (1, 0, 2, 2), (2, 2, 4, 2), (3, 4, 6, 2)]
    assert (run.outcome, run.answered) == (DEADLINE_EXCEEDED, 6)


def test_no_deadline_anywhere_is_gRPCs_default() -> None:
    run = deadline_trace(Hop("a", 3, calls=[Hop("b", 4)]))
    assert [(s.deadline, s.remaining, s.answered, s.outcome) for s in run.spans] == [
        (None, None, 7, OK), (None, None, 7, OK)]


def test_floats_are_read_as_decimals() -> None:
    root = Hop("gateway", 0.1, timeout=1.0, calls=[
        Hop("orders", 0.2, timeout=0.8, calls=[Hop("stock", 0.5, timeout=0.6)]),
        Hop("payment", 0.3, timeout=0.5)])
    assert [s.remaining for s in deadline_trace(root).spans] == [1.0, 0.8, 0.6, 0.2]
    assert deadline_trace(root, propagate=False).wasted == 0.1
    assert all(isinstance(s.sent, float) for s in deadline_trace(root).spans)


def test_fractions_stay_exact() -> None:
    run = deadline_trace(Hop("a", Fraction(1, 3), timeout=1, calls=[Hop("b", Fraction(1, 3))]))
    assert [s.remaining for s in run.spans] == [1, Fraction(2, 3)]
    assert run.answered == Fraction(2, 3)


# -- properties ---------------------------------------------------------------------------

Shape = tuple[int, int | None, bool, int, tuple["Shape", ...]]
"""A call tree's shape: work, timeout, parallel, retries and the shapes it calls."""


def _trees() -> st.SearchStrategy[Hop]:
    """Call trees of up to about a dozen hops, named h0, h1, ... depth first."""
    times = st.integers(0, 6)
    timeouts = st.none() | st.integers(1, 12)
    leaf: st.SearchStrategy[Shape] = st.tuples(
        times, timeouts, st.booleans(), st.integers(0, 2), st.just(()))
    shapes: st.SearchStrategy[Shape] = st.recursive(leaf, lambda kids: st.tuples(
        times, timeouts, st.booleans(), st.integers(0, 2),
        st.lists(kids, max_size=3).map(tuple)), max_leaves=8)

    def build(shape: Shape) -> Hop:
        counter = iter(range(1000))

        def hop(node: Shape) -> Hop:
            work, timeout, parallel, retries, kids = node
            return Hop(f"h{next(counter)}", work, timeout=timeout, parallel=parallel,
                       retries=retries, calls=[hop(kid) for kid in kids])
        return hop(shape)
    return shapes.map(build)


def _parents(root: Hop) -> dict[str, str]:
    return {call.name: hop.name for hop in root.walk() for call in hop.calls}


@given(_trees())
@settings(max_examples=200)
def test_remaining_never_grows_along_a_path(root: Hop) -> None:
    parents = _parents(root)
    last: dict[str, Span] = {}
    for span in deadline_trace(root).spans:
        if span.sent is not None and span.name in parents:
            above = last[parents[span.name]]
            mine = math.inf if span.remaining is None else span.remaining
            theirs = math.inf if above.remaining is None else above.remaining
            assert mine <= theirs
            assert above.sent is not None and above.sent <= span.sent
        last[span.name] = span


@given(_trees())
@settings(max_examples=200)
def test_a_hop_never_works_past_its_deadline(root: Hop) -> None:
    run = deadline_trace(root)
    for span in run.spans:
        assert span.outcome in OUTCOMES
        if span.worked and span.deadline is not None:
            assert span.sent is not None and span.sent < span.deadline
            assert span.sent + span.worked <= span.deadline
        if span.outcome == NOT_SENT:
            assert span.remaining is not None and span.remaining <= 0 and not span.worked
    assert run.wasted == 0
    assert run.work == sum(span.worked for span in run.spans)


@given(_trees())
@settings(max_examples=200)
def test_fixed_timeouts_never_do_less_work(root: Hop) -> None:
    propagated, fixed = deadline_trace(root), deadline_trace(root, propagate=False)
    assert fixed.work >= propagated.work
    assert 0 <= fixed.wasted <= fixed.work
    assert {s.outcome for s in fixed.spans} <= set(OUTCOMES) - {NOT_SENT}


@given(_trees())
@settings(max_examples=100)
def test_every_hop_has_a_span(root: Hop) -> None:
    assert {s.name for s in deadline_trace(root).spans} == {hop.name for hop in root.walk()}


# -- timeout inversions -------------------------------------------------------------------


def test_timeout_inversion_on_the_checkout() -> None:
    assert timeout_inversions(checkout()) == ()  # 8 >= 6 * 1
    assert timeout_inversions(checkout(retries=1)) == (
        Inversion("orders", "stock", 8, 6, 1, 12),)


def test_inversion_is_strict_and_skips_calls_without_a_timeout() -> None:
    equal = Hop("a", timeout=6, calls=[Hop("b", timeout=3, retries=1), Hop("c")])
    assert timeout_inversions(equal) == ()
    assert timeout_inversions(Hop("a", calls=[Hop("b", timeout=3, retries=4)])) == ()
    floats = Hop("a", timeout=0.25, calls=[Hop("b", timeout=0.1, retries=2)])
    assert timeout_inversions(floats)[0].needed == 0.3  # exact: one tenth times three


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Hop(""), "Hop: name must be a non-empty string"),
    (lambda: Hop("a", -1), "Hop 'a': work must be a non-negative finite number of seconds"),
    (lambda: Hop("a", timeout=0), "Hop 'a': timeout must be a positive finite number"),
    (lambda: Hop("a", timeout=math.inf), "Hop 'a': timeout must be a positive finite"),
    (lambda: Hop("a", calls=[bad("b")]), "Hop 'a': calls holds 'b', not a Hop"),
    (lambda: Hop("a", parallel=bad(1)), "Hop 'a': parallel must be a bool"),
    (lambda: Hop("a", retries=-1), "Hop 'a': retries must be a whole number"),
    (lambda: Hop("a", calls=[Hop("b"), Hop("c", calls=[Hop("b")])]),
     "Hop 'a': its call tree lists 'b' twice"),
    (lambda: deadline_trace(bad("a")), "trace: root must be a Hop, not 'a'"),
    (lambda: deadline_trace(Hop("a"), propagate=bad("yes")), "trace: propagate must be a bool"),
    (lambda: deadline_trace(Hop("a")).attempts("b"), "Trace.attempts: name must be a hop"),
    (lambda: timeout_inversions(bad(None)), "timeout_inversions: root must be a Hop, not None"),
])
def test_bad_input_is_refused(make: Callable[[], object], message: str) -> None:
    with pytest.raises(TheoryError, match=message):
        make()


def test_hop_repr_reads_like_its_call() -> None:
    root = checkout(retries=1)
    assert repr(root) == ("Hop('gateway', 1, timeout=10, calls=[Hop('orders', 2, timeout=8, "
                          "calls=[Hop('stock', 5, timeout=6, retries=1)]), "
                          "Hop('payment', 3, timeout=5)])")
    assert repr(Hop("s", parallel=True)) == "Hop('s', parallel=True)"
