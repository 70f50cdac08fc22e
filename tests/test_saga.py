"""事务处理 (transaction handling): sagas, their semantic atomicity, and the isolation they lack."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.data.history import History
from msatheory.data.saga import (
    Change,
    Execution,
    Read,
    Saga,
    SagaInstance,
    Step,
    check_semantic_atomicity,
    find_dirty_reads,
    machine,
    run,
    shop_saga,
    shop_state,
)
from msatheory.errors import TheoryError

SHOP = shop_saga("o1")
NAMES = [step.name for step in SHOP.steps]
FAILING = NAMES[:4]  # create, reserve, charge (compensatable) and book (pivot) can fail
STOCK = "inventory.widget.available"


def once(saga: Saga = SHOP, fail_at: str | None = None, **kw: object) -> Execution:
    return run([SagaInstance(saga, "o1", fail_at=fail_at)], shop_state(), **kw)  # type: ignore[arg-type]


def without_compensation(saga: Saga, name: str) -> Saga:
    """``saga`` with the compensation of step ``name`` forgotten."""
    return Saga(saga.name, [Step(s.name, s.service, s.action, None, s.kind)
                            if s.name == name else s for s in saga.steps])


def with_compensation(saga: Saga, name: str, undo: list[Change]) -> Saga:
    return Saga(saga.name, [Step(s.name, s.service, s.action, undo, s.kind)
                            if s.name == name else s for s in saga.steps])


# --- the saga and its orchestrator --------------------------------------------------

def test_shop_saga_follows_richardsons_structure() -> None:
    assert [(s.name, s.kind, s.compensation is not None) for s in SHOP.steps] == [
        ("create_order", "compensatable", True),
        ("reserve_stock", "compensatable", True),
        ("charge_payment", "compensatable", True),
        ("book_delivery", "pivot", False),
        ("approve_order", "retriable", False),
    ]


def test_a_committed_run_leaves_every_service_in_its_committed_state() -> None:
    x = once()
    assert x.outcomes == {"o1": "committed"}
    assert x.final == {STOCK: 0, "inventory.widget.reserved": 1, "delivery.couriers": 4,
                       "payment.alice.balance": 70, "payment.bob.balance": 100,
                       "order.o1": "APPROVED"}
    assert x.timeline("order.o1") == ((0, None), (0, "APPROVAL_PENDING"), (4, "APPROVED"))
    assert check_semantic_atomicity(x).holds


@pytest.mark.parametrize("fail_at", FAILING)
def test_failure_of_step_k_compensates_k_minus_1_down_to_1(fail_at: str) -> None:
    x = once(fail_at=fail_at)
    k = SHOP.index(fail_at)
    undone = [w.step for w in x.writes if w.phase == "compensation"]
    expected = [s.name for s in SHOP.steps[: min(k - 1, 3)]][::-1]
    assert list(dict.fromkeys(undone)) == expected
    assert x.outcomes == {"o1": "aborted"} and x.failed == {"o1": fail_at}
    numbers = {k: v for k, v in x.final.items() if k != "order.o1"}
    assert numbers == shop_state()  # every quantity is back where it was
    assert x.final.get("order.o1") == (None if k == 1 else "REJECTED")
    assert check_semantic_atomicity(x).holds


def test_a_retriable_step_is_retried_not_compensated() -> None:
    x = once(fail_at="approve_order")
    assert x.outcomes == {"o1": "committed"}
    assert [t.event for t in x.transitions if t.source == "approve_order"] == ["retry", "ok"]
    assert x.timeline("order.o1")[-1] == (5, "APPROVED")  # one slot later than without it


def test_a_floor_fails_the_local_transaction_without_effect() -> None:
    x = run([SagaInstance(shop_saga("o1", price=150), "o1")], shop_state())
    assert x.failed == {"o1": "charge_payment"}
    assert x.timeline("payment.alice.balance") == ((0, 100),)  # never written
    assert check_semantic_atomicity(x).holds


def test_the_machine_has_explicit_states_and_transitions() -> None:
    g = machine(SHOP)
    assert set(g.nodes) == {"started", *NAMES, "undo create_order", "undo reserve_stock",
                            "undo charge_payment", "committed", "aborted"}
    assert g.edges["book_delivery", "undo charge_payment"]["event"] == "failed"
    assert g.edges["undo charge_payment", "undo reserve_stock"]["event"] == "ok"
    assert g.edges["create_order", "aborted"]["event"] == "failed"
    assert not g.has_edge("approve_order", "undo charge_payment")  # past the pivot: no way back


@settings(max_examples=40)
@given(seed=st.integers(0, 10**6), p=st.sampled_from([Fraction(1, 10), Fraction(1, 3), 0.5]),
       n=st.integers(1, 3))
def test_every_transition_taken_is_an_edge_of_the_machine(seed: int, p: object, n: int) -> None:
    sagas = [SagaInstance(shop_saga(f"o{i}"), f"o{i}", at=i) for i in range(n)]
    x = run(sagas, shop_state(stock=2), seed=seed, failure_probability=p)  # type: ignore[arg-type]
    g = machine(SHOP)
    for t in x.transitions:
        assert g.has_edge(t.source, t.target) and g.edges[t.source, t.target]["event"] == t.event
    ends = {t.instance: t.target for t in x.transitions if t.target in ("committed", "aborted")}
    assert ends == x.outcomes


def test_runs_repeat_for_a_seed_and_differ_across_seeds() -> None:
    def writes(seed: int) -> list[object]:
        return once(seed=seed, failure_probability=Fraction(1, 4)).writes  # type: ignore[return-value]

    assert writes(7) == writes(7)
    assert len({tuple(writes(s)) for s in range(12)}) > 1


def test_the_abort_rate_matches_the_chance_that_one_of_four_steps_fails() -> None:
    """Four steps can fail for good, each with probability 1/10: 1 - 0.9^4 = 0.3439 abort;
    the standard error over 2,000 runs is 0.0106, and the tolerance is four of them."""
    runs = [once(seed=s, failure_probability=Fraction(1, 10)) for s in range(2000)]
    aborted = sum(x.outcomes["o1"] == "aborted" for x in runs) / len(runs)
    assert abs(aborted - (1 - 0.9 ** 4)) < 4 * 0.0106
    assert all(check_semantic_atomicity(x).holds for x in runs)


# --- semantic atomicity --------------------------------------------------------------

@settings(max_examples=60)
@given(fail_at=st.sampled_from([None, *NAMES]), seed=st.integers(0, 10**6),
       p=st.sampled_from([0, Fraction(1, 5), Fraction(1, 2)]), n=st.integers(1, 3),
       stock=st.integers(0, 3))
def test_a_saga_with_correct_compensations_is_semantically_atomic(
        fail_at: str | None, seed: int, p: object, n: int, stock: int) -> None:
    sagas = [SagaInstance(shop_saga(f"o{i}", customer="bob" if i % 2 else "alice"), f"o{i}",
                          at=i, fail_at=fail_at) for i in range(n)]
    x = run(sagas, shop_state(stock=stock), seed=seed, failure_probability=p)  # type: ignore[arg-type]
    verdict = check_semantic_atomicity(x)
    assert verdict.holds, str(verdict)
    committed = sum(o == "committed" for o in x.outcomes.values())
    assert x.final[STOCK] == stock - committed  # stock is conserved across the sagas
    assert x.final["inventory.widget.reserved"] == committed


@settings(max_examples=40)
@given(data=st.data())
def test_a_missing_compensation_is_caught_with_the_step_as_witness(data: st.DataObject) -> None:
    forgotten = data.draw(st.sampled_from(NAMES[:3]))
    fail_at = data.draw(st.sampled_from(FAILING[SHOP.index(forgotten):]))
    x = once(without_compensation(SHOP, forgotten), fail_at=fail_at)
    verdict = check_semantic_atomicity(x)
    assert not verdict.holds
    assert {(w.what, w.involves) for w in verdict.witnesses} == \
        {("uncompensated step", ("o1", forgotten))}


@settings(max_examples=20)
@given(forgotten=st.sampled_from(NAMES[:3]))
def test_a_missing_compensation_that_never_runs_breaks_nothing(forgotten: str) -> None:
    """Semantic atomicity is a property of runs: a committed run never needs Ci, and a
    failure before the step leaves it nothing to undo."""
    saga = without_compensation(SHOP, forgotten)
    assert check_semantic_atomicity(once(saga)).holds
    assert check_semantic_atomicity(once(saga, fail_at=forgotten)).holds


def test_a_wrong_compensation_is_caught() -> None:
    half_refund = [Change("payment", "alice.balance", "add", 15)]
    x = once(with_compensation(SHOP, "charge_payment", half_refund), fail_at="book_delivery")
    (w,) = check_semantic_atomicity(x).witnesses
    assert (w.what, w.involves) == ("uncompensated step", ("o1", "charge_payment"))
    assert w.detail.endswith("left payment.alice.balance -15")
    releases_only = [Change("inventory", "widget.available", "add", 1)]
    x = once(with_compensation(SHOP, "reserve_stock", releases_only), fail_at="charge_payment")
    (w,) = check_semantic_atomicity(x).witnesses
    assert w.involves == ("o1", "reserve_stock") and "inventory.widget.reserved +1" in w.detail


def test_a_compensation_that_leaves_the_order_pending_is_caught() -> None:
    still_pending = [Change("order", "o1", "set", "APPROVAL_PENDING")]
    x = once(with_compensation(SHOP, "create_order", still_pending), fail_at="reserve_stock")
    assert x.final["order.o1"] == "APPROVAL_PENDING"
    (w,) = check_semantic_atomicity(x).witnesses
    assert w.involves == ("o1", "create_order")


def test_compensations_in_the_wrong_order_are_caught() -> None:
    x = once(fail_at="book_delivery", order="forward")
    assert x.final == once(fail_at="book_delivery").final  # the same end state ...
    verdict = check_semantic_atomicity(x)
    assert [(w.what, w.involves) for w in verdict.witnesses] == [
        ("compensation out of order", ("o1", "create_order", "reserve_stock")),
        ("compensation out of order", ("o1", "reserve_stock", "charge_payment")),
    ]
    # ... but on the way a reader saw the order rejected while the card was still charged
    rejected = next(t for t, v in x.timeline("order.o1") if v == "REJECTED")
    refunded = x.timeline("payment.alice.balance")[-1][0]
    assert rejected < refunded


# --- the isolation a saga lacks, and the semantic lock --------------------------------

def two_buyers(lock: bool, respects_locks: bool = True) -> Execution:
    """One widget; alice's card is declined, bob starts one slot later."""
    alice = SagaInstance(shop_saga("o1", lock=lock), "o1", fail_at="charge_payment")
    bob = SagaInstance(shop_saga("o2", customer="bob", lock=lock), "o2", at=1)
    page = Read("shopper", STOCK, Fraction(5, 2), respects_locks)
    return run([alice, bob], shop_state(stock=1), reads=[page])


def test_without_isolation_a_saga_reads_another_sagas_undone_effect() -> None:
    x = two_buyers(lock=False)
    assert x.outcomes == {"o1": "aborted", "o2": "aborted"}  # the widget is not sold at all
    assert x.failed["o2"] == "reserve_stock"
    assert [(w.what, w.involves) for w in find_dirty_reads(x)] == [
        ("dirty read", ("o2", "o1")), ("dirty read", ("shopper", "o1"))]
    assert check_semantic_atomicity(x).holds  # atomic, and still anomalous: ACD without I
    assert x.final[STOCK] == 1


def test_the_semantic_lock_removes_the_dirty_reads() -> None:
    x = two_buyers(lock=True)
    assert find_dirty_reads(x) == ()
    assert x.outcomes == {"o1": "aborted", "o2": "committed"}
    assert x.final["order.o2"] == "APPROVED"
    assert x.timeline(STOCK + ":lock") == ((0, None), (1, "RESERVE_STOCK_PENDING"), (4, None),
                                           (4, "RESERVE_STOCK_PENDING"), (7, None))
    (page,) = [op for op in x.history if op.process == "shopper"]
    assert (page.invoked, page.completed, page.value) == (Fraction(5, 2), 7, 0)  # waited
    assert check_semantic_atomicity(x).holds


def test_a_reader_that_ignores_the_lock_still_reads_dirty() -> None:
    x = two_buyers(lock=True, respects_locks=False)
    assert [w.involves for w in find_dirty_reads(x)] == [("shopper", "o1")]


def test_semantic_locks_taken_in_opposite_orders_deadlock() -> None:
    """Richardson's caveat: a semantic lock is a lock; two sagas that take two of them in
    opposite orders wait for each other for good."""
    def saga(first: str, second: str) -> Saga:
        return Saga(f"{first} then {second}", [
            Step("one", "s", [Change("s", first, "add", 1)], [Change("s", first, "add", -1)]),
            Step("two", "s", [Change("s", second, "add", 1)], [Change("s", second, "add", -1)]),
        ], lock=True)

    x = run([SagaInstance(saga("a", "b"), "ab"), SagaInstance(saga("b", "a"), "ba")], {})
    assert x.outcomes == {"ab": "blocked", "ba": "blocked"}
    assert x.final == {"s.a": 1, "s.b": 1, "s.a:lock": "ONE_PENDING", "s.b:lock": "ONE_PENDING"}
    assert check_semantic_atomicity(x).holds  # neither has ended
    ordered = run([SagaInstance(saga("a", "b"), "ab"), SagaInstance(saga("a", "b"), "ab2")], {})
    assert ordered.outcomes == {"ab": "committed", "ab2": "committed"}


def test_every_services_state_is_recorded_over_time() -> None:
    x = once(fail_at="book_delivery")
    seen = [(x.state_at(t)[STOCK], x.state_at(t)["payment.alice.balance"],
             x.state_at(t).get("order.o1")) for t in range(7)]
    assert seen == [(1, 100, "APPROVAL_PENDING"), (0, 100, "APPROVAL_PENDING"),
                    (0, 70, "APPROVAL_PENDING"), (0, 70, "APPROVAL_PENDING"),
                    (0, 100, "APPROVAL_PENDING"), (1, 100, "APPROVAL_PENDING"),
                    (1, 100, "REJECTED")]
    assert x.state_at(6) == x.final


def test_the_history_holds_every_read_and_write() -> None:
    x = two_buyers(lock=False)
    h = x.history
    assert isinstance(h, History) and set(h.processes) == {"o1", "o2", "shopper"}
    assert [op.value for op in h.on(STOCK) if op.kind == "write"] == [0, 1]


# --- bad inputs ----------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: Change("inventory", "widget", "multiply", 2),
    lambda: Change("inventory", "widget", "add", "one"),
    lambda: Change("order", "o1", "set", "APPROVED", least=0),
    lambda: Change("", "o1", "set", "APPROVED"),
    lambda: Step("book", "delivery", [], [Change("delivery", "c", "add", 1)], kind="pivot"),
    lambda: Step("charge", "payment", [Change("order", "o1", "set", "PAID")]),
    lambda: Step("charge", "payment", [], kind="maybe"),
    lambda: Step("approve", "s", [Change("s", "n", "add", -1, least=0)], kind="retriable"),
    lambda: Saga("s", []),
    lambda: Saga("s", [Step("a", "x", [], kind="retriable"), Step("b", "x", [])]),
    lambda: Saga("s", [Step("a", "x", [], kind="pivot"), Step("b", "x", [], kind="pivot")]),
    lambda: Saga("s", [Step("a", "x", []), Step("a", "x", [])]),
    lambda: Saga("s", [Step("a", "x", [])], lock=1),  # type: ignore[arg-type]
    lambda: SagaInstance(SHOP, "o1", fail_at="teleport"),
    lambda: SagaInstance(SHOP, "o1", at=-1),
    lambda: Read("shopper", STOCK, -1),
    lambda: run([SagaInstance(SHOP, "o1")] * 2, shop_state()),
    lambda: once(failure_probability=1),
    lambda: once(failure_probability=1.5),
    lambda: once(seed=1.5),
    lambda: once(order="sideways"),
    lambda: once(step_time=0),
    lambda: run([SagaInstance(SHOP, "o1")], {STOCK: 1.5}),  # type: ignore[dict-item]
    lambda: run([SagaInstance(SHOP, "o1")], {"": 1}),
    lambda: run([SagaInstance(SHOP, "o1")], [("x", 1)]),  # type: ignore[arg-type]
    lambda: machine("saga"),  # type: ignore[arg-type]
    lambda: check_semantic_atomicity("run"),  # type: ignore[arg-type]
    lambda: find_dirty_reads(None),  # type: ignore[arg-type]
    lambda: shop_saga("o1", quantity=0),
])
def test_bad_inputs_raise_theory_error(make: object) -> None:
    with pytest.raises(TheoryError):
        make()  # type: ignore[operator]
