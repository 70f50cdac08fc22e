"""Protocol 5.2.3 (消息队列): at most once, at least once and effectively once."""

from __future__ import annotations

from collections.abc import Callable
from itertools import product

import pytest
from hypothesis import settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from msatheory.communication.delivery import (
    FAILURES,
    FAULTS,
    MODES,
    STEPS,
    Broker,
    Consumer,
    Handling,
    Shortest,
    run_script,
    shortest_failures,
    shortest_script,
)
from msatheory.errors import TheoryError

# --- the broker and the consumer ------------------------------------------------------


def test_broker_keeps_a_message_until_it_is_acked() -> None:
    broker = Broker()
    broker.publish("a")
    broker.publish("b")
    broker.publish("a")  # no deduplication: a second copy
    assert broker.published == ("a", "b")
    assert broker.deliver() == "a" and broker.deliver() == "b"
    assert (broker.ready, broker.in_flight) == (("a",), ("a", "b"))
    broker.ack("b")
    assert not broker.holds("b") and broker.holds("a")
    assert broker.redeliver() == ("a",)
    assert (broker.ready, broker.in_flight) == (("a", "a"), ())
    assert broker.redeliver() == ()
    assert [broker.deliver(), broker.deliver(), broker.deliver()] == ["a", "a", None]
    assert repr(broker) == "Broker(ready=(), in_flight=('a', 'a'))"


def test_redelivered_messages_go_ahead_of_the_ready_ones_in_delivery_order() -> None:
    broker = Broker()
    for message in ("a", "b", "c"):
        broker.publish(message)
    broker.deliver()
    broker.deliver()
    broker.redeliver()
    assert broker.ready == ("a", "b", "c")


@pytest.mark.parametrize(("mode", "order"), [("at-most-once", ("ack", "process")),
                                             ("at-least-once", ("process", "ack")),
                                             ("effectively-once", ("process", "ack"))])
def test_each_mode_orders_ack_and_process(mode: str, order: tuple[str, str]) -> None:
    assert Consumer(mode).order == order
    assert repr(Consumer(mode)) == f"Consumer({mode!r})"


@pytest.mark.parametrize(("mode", "fault", "done", "applied", "in_flight"), [
    ("at-most-once", None, ("acked", "applied"), 1, ()),
    ("at-most-once", "crash-before-process", ("acked", "crashed"), 0, ()),
    ("at-most-once", "crash-after-process", ("acked", "applied", "crashed"), 1, ()),
    ("at-most-once", "ack-lost", ("ack lost",), 0, ("m",)),
    ("at-least-once", None, ("applied", "acked"), 1, ()),
    ("at-least-once", "crash-before-process", ("crashed",), 0, ("m",)),
    ("at-least-once", "crash-after-process", ("applied", "crashed"), 1, ("m",)),
    ("at-least-once", "ack-lost", ("applied", "ack lost"), 1, ("m",)),
    ("effectively-once", "crash-after-process", ("applied", "crashed"), 1, ("m",)),
])
def test_a_fault_stops_the_handling_where_it_strikes(
        mode: str, fault: str | None, done: tuple[str, ...], applied: int,
        in_flight: tuple[str, ...]) -> None:
    broker, consumer = Broker(), Consumer(mode)
    broker.publish("m")
    assert consumer.poll(broker, fault) == Handling("m", done)
    assert consumer.applied("m") == applied
    assert broker.in_flight == in_flight


def test_the_idempotent_consumer_skips_a_recorded_id() -> None:
    broker, consumer = Broker(), Consumer("effectively-once")
    broker.publish("m")
    consumer.poll(broker, "ack-lost")
    broker.redeliver()
    handling = consumer.poll(broker)
    assert str(handling) == "m skipped: already applied, acked"
    assert consumer.applied("m") == 1 and broker.in_flight == ()


def test_poll_with_nothing_ready_does_nothing() -> None:
    assert Consumer("at-least-once").poll(Broker(), "ack-lost") is None


# --- scripts --------------------------------------------------------------------------


def test_run_script_traces_each_step() -> None:
    outcome = run_script("at-least-once", ["publish", "publish", "ack-lost", "deliver",
                                           "redeliver", "deliver", "redeliver", "deliver"])
    assert outcome.trace == (
        "publish: m1 queued",
        "publish: m2 queued",
        "ack-lost: m1 applied, ack lost",
        "deliver: m2 applied, acked",
        "redeliver: m1",
        "deliver: m1 applied, acked",
        "redeliver: nothing in flight",
        "deliver: nothing ready",
    )
    assert outcome.effects == (("m1", 2), ("m2", 1))
    assert (outcome.lost, outcome.duplicated, outcome.pending) == ((), ("m1",), ())
    assert outcome.has("duplicated") and not outcome.has("lost")


def test_a_message_still_held_is_pending_not_lost() -> None:
    outcome = run_script("at-least-once", ["publish", "publish", "crash-before-process"])
    assert outcome.effects == (("m1", 0), ("m2", 0))
    assert (outcome.lost, outcome.pending) == ((), ("m1", "m2"))


def test_at_most_once_loses_the_message_acked_before_a_crash() -> None:
    outcome = run_script("at-most-once", ["publish", "crash-before-process", "redeliver",
                                          "deliver"])
    assert outcome.lost == ("m1",) and outcome.effects == (("m1", 0),)


def test_effectively_once_applies_once_through_every_fault() -> None:
    script = ["publish", "crash-after-process", "redeliver", "ack-lost", "redeliver",
              "crash-before-process", "redeliver", "deliver"]
    assert run_script("at-least-once", script).effects == (("m1", 3),)
    outcome = run_script("effectively-once", script)
    assert outcome.effects == (("m1", 1),) and outcome.pending == ()


def drained(mode: str, script: tuple[str, ...]) -> dict[str, int]:
    """The effects once ``script`` is followed by a redelivery and fault-free deliveries
    of every message (a consumer that recovers and catches up)."""
    catch_up = ("redeliver",) + ("deliver",) * (script.count("publish") + len(script))
    return dict(run_script(mode, script + catch_up).effects)


def test_every_script_of_four_steps_keeps_each_mode_s_promise() -> None:
    """Exhaustively, over all 6**4 scripts: at most once never applies a message twice,
    at least once never loses one, effectively once does neither, and after catching up
    at least once applies each at least once and effectively once exactly once."""
    for script in product(STEPS, repeat=4):
        most, least, once = (run_script(mode, script) for mode in MODES)
        assert not most.duplicated and not least.lost
        assert not once.lost and not once.duplicated
        assert all(n >= 1 for n in drained("at-least-once", script).values())
        assert all(n == 1 for n in drained("effectively-once", script).values())
        assert all(n <= 1 for n in drained("at-most-once", script).values())


# --- the shortest failures ------------------------------------------------------------


def test_shortest_failures_per_mode() -> None:
    rows = shortest_failures(max_steps=6)
    assert [str(row) for row in rows] == [
        "at-most-once lost: publish -> crash-before-process",
        "at-most-once duplicated: none in 6 steps",
        "at-least-once lost: none in 6 steps",
        "at-least-once duplicated: publish -> crash-after-process -> redeliver -> deliver",
        "effectively-once lost: none in 6 steps",
        "effectively-once duplicated: none in 6 steps",
    ]
    assert rows[0] == Shortest("at-most-once", "lost", ("publish", "crash-before-process"), 6)


def test_shortest_script_is_no_longer_than_any_failing_script() -> None:
    """Brute force over every script up to the BFS's length: none shorter fails."""
    for mode, failure in product(MODES, FAILURES):
        found = shortest_script(mode, failure, max_steps=4)
        if found is None:
            continue
        assert found.has(failure)
        for length in range(len(found.steps)):
            assert not any(run_script(mode, script).has(failure)
                           for script in product(STEPS, repeat=length))


def test_ack_lost_is_another_shortest_duplicate() -> None:
    outcome = run_script("at-least-once", ["publish", "ack-lost", "redeliver", "deliver"])
    assert outcome.duplicated == ("m1",)


# --- the state machine ----------------------------------------------------------------


class Violation(AssertionError):
    """An invariant broken by the steps run so far."""

    def __init__(self, invariant: str, steps: tuple[str, ...]) -> None:
        super().__init__(f"{invariant} after {' -> '.join(steps)}")
        self.invariant = invariant
        self.steps = steps


class Delivery(RuleBasedStateMachine):
    """One broker and one consumer of ``mode``, driven by the steps of the script."""

    mode = "at-least-once"

    def __init__(self) -> None:
        super().__init__()
        self.broker = Broker()
        self.consumer = Consumer(self.mode)
        self.steps: list[str] = []

    def poll(self, step: str, fault: str | None) -> None:
        self.steps.append(step)
        self.consumer.poll(self.broker, fault)

    @rule()
    def publish(self) -> None:
        self.steps.append("publish")
        self.broker.publish(f"m{len(self.broker.published) + 1}")

    @rule()
    def deliver(self) -> None:
        self.poll("deliver", None)

    @rule()
    def crash_before_process(self) -> None:
        self.poll("crash-before-process", "crash-before-process")

    @rule()
    def crash_after_process_before_ack(self) -> None:
        self.poll("crash-after-process", "crash-after-process")

    @rule()
    def ack_lost(self) -> None:
        self.poll("ack-lost", "ack-lost")

    @rule()
    def redeliver(self) -> None:
        self.steps.append("redeliver")
        self.broker.redeliver()

    @invariant()
    def no_message_lost(self) -> None:
        for message in self.broker.published:
            if self.consumer.applied(message) == 0 and not self.broker.holds(message):
                raise Violation("lost", tuple(self.steps))

    @invariant()
    def no_message_applied_twice(self) -> None:
        for message in self.broker.published:
            if self.consumer.applied(message) > 1:
                raise Violation("duplicated", tuple(self.steps))


def machine(mode: str) -> type[Delivery]:
    return type(f"Delivery_{mode.replace('-', '_')}", (Delivery,), {"mode": mode})


@pytest.mark.parametrize(("mode", "failure"), [("at-most-once", "lost"),
                                               ("at-least-once", "duplicated")])
def test_the_state_machine_finds_the_shortest_failure(mode: str, failure: str) -> None:
    with pytest.raises(Violation) as raised:
        run_state_machine_as_test(machine(mode), settings=settings(max_examples=100))
    assert raised.value.invariant == failure
    assert run_script(mode, raised.value.steps).has(failure)
    shortest = shortest_script(mode, failure)
    assert shortest is not None and len(raised.value.steps) == len(shortest.steps)


def test_the_state_machine_holds_both_invariants_effectively_once() -> None:
    run_state_machine_as_test(machine("effectively-once"), settings=settings(max_examples=100))


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "message"), [
    (lambda: Consumer("exactly-once"),
     "Consumer: mode must be one of at-most-once, at-least-once, effectively-once, "
     "not 'exactly-once'"),
    (lambda: Consumer("at-most-once").poll(Broker(), "timeout"),
     "Consumer.poll: fault must be one of crash-before-process, crash-after-process, "
     "ack-lost, not 'timeout'"),
    (lambda: Broker().publish(""), "Broker: message_id must be a non-empty string, not ''"),
    (lambda: Broker().ack("m1"), "Broker: cannot ack 'm1': it is not in flight"),
    (lambda: run_script("at-least-once", "publish"),
     "run_script: steps must be a list of steps, not 'publish'"),
    (lambda: run_script("at-least-once", ["publish", "crash"]),
     "run_script: each step must be one of publish, deliver, crash-before-process, "
     "crash-after-process, ack-lost, redeliver, not 'crash'"),
    (lambda: run_script(1, []), "run_script: mode must be one of at-most-once, "
     "at-least-once, effectively-once, not 1"),
    (lambda: shortest_script("at-most-once", "late"),
     "shortest_script: failure must be one of lost, duplicated, not 'late'"),
    (lambda: shortest_script("at-most-once", "lost", max_steps=0),
     "shortest_script: max_steps must be a positive whole number, not 0"),
    (lambda: shortest_failures(max_steps=2.5),
     "shortest_failures: max_steps must be a positive whole number, not 2.5"),
    (lambda: run_script("at-most-once", []).has("gone"),
     "Outcome.has: failure must be one of lost, duplicated, not 'gone'"),
])
def test_bad_input_is_a_theory_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(TheoryError) as raised:
        call()
    assert str(raised.value) == message


def test_faults_and_steps_are_the_scripts_vocabulary() -> None:
    assert FAULTS == ("crash-before-process", "crash-after-process", "ack-lost")
    assert STEPS[:2] == ("publish", "deliver") and STEPS[2:5] == FAULTS
    assert MODES == ("at-most-once", "at-least-once", "effectively-once")
