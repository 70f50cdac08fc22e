"""Protocol 5.2.3 (消息队列): the dual write and the transactional outbox, crash by crash."""

from __future__ import annotations

from collections.abc import Callable
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.communication.delivery import MODES
from msatheory.communication.outbox import (
    ACTIONS,
    DESIGNS,
    EVENT,
    ORDER,
    RELAY_ACTIONS,
    CrashOutcome,
    Design,
    DesignSummary,
    compare_designs,
    crash_table,
    run,
)
from msatheory.errors import TheoryError

DUAL_WRITES = ("db-then-publish", "publish-then-db", "publish-in-transaction")


def rows(design: str, consumer: str = "effectively-once") -> list[tuple[str, bool, int, int]]:
    return [(o.crash, o.order_saved, o.published, o.applied)
            for o in crash_table(design, consumer=consumer)]


def test_the_designs() -> None:
    assert list(DESIGNS) == [*DUAL_WRITES, "transactional-outbox"]
    assert DESIGNS["transactional-outbox"].relay == RELAY_ACTIONS
    assert all(not DESIGNS[name].relay for name in DUAL_WRITES)
    assert (ORDER, EVENT) == ("order-1", "OrderPlaced:order-1")


def test_db_then_publish_loses_the_event_after_the_commit() -> None:
    assert rows("db-then-publish") == [
        ("before insert order", False, 0, 0),
        ("before commit", False, 0, 0),  # rolled back
        ("before publish event", True, 0, 0),  # the lost event
        ("no crash", True, 1, 1),
    ]


def test_publish_then_db_invents_an_event_twice_over() -> None:
    assert rows("publish-then-db") == [
        ("before publish event", False, 0, 0),
        ("before insert order", False, 1, 1),
        ("before commit", False, 1, 1),
        ("no crash", True, 1, 1),
    ]


def test_publishing_inside_the_transaction_does_not_make_it_atomic() -> None:
    outcome = run("publish-in-transaction", "before commit")
    assert outcome == CrashOutcome("publish-in-transaction", "before commit", False, 1, 1,
                                   "event invented")
    assert not outcome.consistent


@pytest.mark.parametrize("design", DUAL_WRITES)
def test_every_dual_write_has_an_inconsistent_crash_point(design: str) -> None:
    for consumer in MODES:
        assert any(not outcome.consistent for outcome in crash_table(design, consumer=consumer))
    assert crash_table(design)[-1].crash == "no crash" and crash_table(design)[-1].consistent


def test_the_outbox_is_consistent_at_every_crash_point_with_an_idempotent_consumer() -> None:
    table = crash_table("transactional-outbox")
    assert all(outcome.consistent for outcome in table)
    assert rows("transactional-outbox") == [
        ("before insert order", False, 0, 0),
        ("before insert outbox row", False, 0, 0),
        ("before commit", False, 0, 0),
        ("before relay: publish event", True, 1, 1),  # the relay publishes on restart
        ("before relay: mark sent", True, 2, 1),  # published again, applied once
        ("no crash", True, 1, 1),
    ]


def test_the_outbox_needs_the_idempotent_consumer() -> None:
    """The relay delivers at least once: a consumer that is not idempotent applies the
    event republished after a crash between publishing and marking it sent twice."""
    for consumer in ("at-most-once", "at-least-once"):
        bad = [o for o in crash_table("transactional-outbox", consumer=consumer)
               if not o.consistent]
        assert [(o.crash, o.published, o.applied, o.verdict) for o in bad] == [
            ("before relay: mark sent", 2, 2, "event applied twice")]


def test_compare_designs() -> None:
    assert [str(row) for row in compare_designs()] == [
        "db-then-publish: 1 of 3 crash points inconsistent (event lost)",
        "publish-then-db: 2 of 3 crash points inconsistent (event invented)",
        "publish-in-transaction: 1 of 3 crash points inconsistent (event invented)",
        "transactional-outbox: 0 of 5 crash points inconsistent (none)",
    ]
    assert compare_designs()[1] == DesignSummary(
        "publish-then-db", 3, ("before insert order", "before commit"), ("event invented",))


def test_outcome_reads_as_a_sentence() -> None:
    assert str(run("db-then-publish", "before publish event")) == (
        "db-then-publish, before publish event: order saved, published 0, applied 0: "
        "event lost")


def test_only_designs_that_commit_order_and_outbox_row_together_survive_every_crash() -> None:
    """Over every ordering of the service's own steps, with the relay behind it: a design
    is consistent at every crash point exactly when it commits the order and its outbox
    row together (both in the one transaction, or neither, which does nothing at all) and
    publishes directly, if at all, only after that commit (the relay then publishes the
    event again, and the idempotent consumer applies it once)."""
    service = ("insert order", "insert outbox row", "commit", "publish event")
    safe_designs = []
    for size in range(1, len(service) + 1):
        for steps in permutations(service, size):
            design = Design("candidate", [*steps, *RELAY_ACTIONS], relay=RELAY_ACTIONS)
            safe = all(outcome.consistent for outcome in crash_table(design))

            def before_commit(step: str, steps: tuple[str, ...] = steps) -> bool:
                return step in steps and "commit" in steps[steps.index(step):]

            publishes_safely = "publish event" not in steps or (
                before_commit("insert order") and not before_commit("publish event"))
            expected = (before_commit("insert order") == before_commit("insert outbox row")
                        and publishes_safely)
            assert safe == expected, steps
            if safe and before_commit("insert order"):
                safe_designs.append(steps)
    assert safe_designs == [
        ("insert order", "insert outbox row", "commit"),
        ("insert outbox row", "insert order", "commit"),
        ("insert order", "insert outbox row", "commit", "publish event"),
        ("insert outbox row", "insert order", "commit", "publish event"),
    ]


@settings(max_examples=100)
@given(st.lists(st.sampled_from(ACTIONS), unique=True, min_size=1),
       st.sampled_from(MODES))
def test_every_design_never_applies_an_event_the_broker_never_got(
        steps: list[str], consumer: str) -> None:
    """Whatever the steps: the consumer applies at most as many copies as were published,
    and an idempotent consumer applies at most one."""
    design = Design("any", steps, relay=RELAY_ACTIONS)
    for outcome in crash_table(design, consumer=consumer):
        assert outcome.applied <= outcome.published
        if consumer == "effectively-once":
            assert outcome.applied <= 1


@pytest.mark.parametrize(("call", "message"), [
    (lambda: run("two-phase-commit"),
     "run: design must be one of db-then-publish, publish-then-db, publish-in-transaction, "
     "transactional-outbox, not 'two-phase-commit'"),
    (lambda: run("db-then-publish", "after commit"),
     "run 'db-then-publish': crash must be one of before insert order, before commit, "
     "before publish event, no crash, not 'after commit'"),
    (lambda: run("db-then-publish", consumer="exactly-once"),
     "run: consumer must be one of at-most-once, at-least-once, effectively-once, "
     "not 'exactly-once'"),
    (lambda: run(3), "run: design must be a Design, not 3"),
    (lambda: crash_table("outbox"),
     "crash_table: design must be one of db-then-publish, publish-then-db, "
     "publish-in-transaction, transactional-outbox, not 'outbox'"),
    (lambda: compare_designs("at-least-twice"),
     "compare_designs: consumer must be one of at-most-once, at-least-once, "
     "effectively-once, not 'at-least-twice'"),
    (lambda: Design("", ["commit"]), "Design: name must be a non-empty string, not ''"),
    (lambda: Design("d", []), "Design 'd': steps must hold at least one step, not ()"),
    (lambda: Design("d", "commit"), "Design 'd': steps must be a list of names, not 'commit'"),
    (lambda: Design("d", ["commit", "commit"]), "Design 'd': steps lists 'commit' twice"),
    (lambda: Design("d", ["commit"], relay=["commit"]),
     "Design 'd': each relay step must be one of relay: publish event, relay: mark sent, "
     "not 'commit'"),
])
def test_bad_input_is_a_theory_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(TheoryError) as raised:
        call()
    assert str(raised.value) == message
