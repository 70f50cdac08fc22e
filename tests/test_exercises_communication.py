"""Chapter 5's exercises on answers the generic tests do not try: other right answers (the
package's own models among them), answers that raise or loop, the feedback each starter
gives, and the oracles behind the checks."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp

from msatheory.basics.model import Call
from msatheory.communication.backoff import full_jitter
from msatheory.communication.breaker import CircuitBreaker
from msatheory.communication.delivery import run_script
from msatheory.communication.encoding import Field, Schema
from msatheory.communication.reliability import delivery_formula
from msatheory.communication.resilience import (
    check_retry_amplification,
    check_timeout_inversion,
    check_unguarded_calls,
)
from msatheory.communication.schema import compatibility
from msatheory.errors import TheoryError
from msatheory.exercises import check, exercises
from msatheory.exercises.communication import (
    LESSON_5A,
    LESSON_5B,
    ORDER_V1,
    Database,
    _consumed,
    _served,
    inverted_chain,
)
from solutions.communication import (
    KEPT,
    AtLeastOnce,
    Breaker,
    HalfOpenFlood,
    InMemory,
    SketchBreaker,
    chain,
    order_v2,
    post_order,
    post_order_every_time,
)

p, k, i = sp.symbols("p k i")


def test_chapter_5_has_its_share_over_both_lessons():
    posed = [e for e in exercises() if e.chapter == 5]
    assert len(posed) >= 6 and len({e.kind for e in posed}) >= 3
    assert {e.difficulty for e in posed} == {1, 2, 3}
    for lesson in (LESSON_5A, LESSON_5B):
        assert sum(e.lesson == lesson for e in posed) >= 2
    assert [e.lesson for e in posed] == sorted(e.lesson for e in posed)  # in lesson order


def test_other_right_answers_pass():
    def post_order_by_fingerprint(keys, body, key, create):
        fingerprint = tuple(sorted(body.items()))
        if key is not None and key in keys:
            seen, status, order_id = keys[key]
            return (status, order_id) if seen == fingerprint else (422, None)
        order_id = create(body)
        if key is not None:
            keys[key] = (fingerprint, 201, order_id)
        return [201, order_id]   # a list is a pair too

    assert check("5.idempotency-key", post_order_by_fingerprint).passed

    class CountingConsumer:
        """Reads the effect itself: what is applied was processed."""

        def __init__(self, db):
            self.db = db

        def handle(self, message_id):
            if not self.db.applied(message_id):
                self.db.apply(message_id)

    assert check("5.idempotent-consumer", CountingConsumer).passed
    later_numbers = Schema("OrderPlaced", [*KEPT, Field("placed_at", 10, "int64"),
                                           Field("currency", 11, "string")],
                           reserved=range(4, 5), reserved_names=["coupon_code"])
    assert check("5.schema-evolution", later_numbers).passed
    assert check("5.delivery", delivery_formula()).passed
    assert check("5.delivery", sp.Sum(p * (1 - p) ** (i - 1), (i, 1, k))).passed
    assert check("5.delivery", 1 - sp.exp(k * sp.log(1 - p))).passed
    assert check("5.full-jitter", lambda n, base, cap, rng: full_jitter(n, rng, base, cap)).passed
    assert check("5.full-jitter",
                 lambda n, base, cap, rng: rng.random() * min(cap, base * 2 ** n)).passed
    assert check("5.breaker", CircuitBreaker).passed      # the model passes its exercise
    assert check("5.timeouts", chain(Call("api", timeout=2, breaker=True),
                                     Call("orders", timeout=1, retries=1),
                                     Call("db", timeout=0.5), Call("ads", breaker=True))).passed


def test_the_starters_fail_where_the_lesson_says():
    starters = {
        "5.idempotency-key": (post_order_every_time, "retries"),
        "5.idempotent-consumer": (AtLeastOnce, "behaviour"),
        "5.schema-evolution": (Schema("OrderPlaced", [*KEPT, Field("currency", 4, "string"),
                                                      Field("placed_at", 6, "int64")]),
                               "FULL"),
        "5.delivery": (k * p, "at points"),
        "5.full-jitter": (lambda n, base, cap, rng: min(cap, base * 2 ** n), "random"),
        "5.breaker": (SketchBreaker, "one call at a time"),
        "5.timeouts": (inverted_chain(), "amplification"),
    }
    assert set(starters) == {e.id for e in exercises() if e.chapter == 5}
    for exercise_id, (answer, step) in starters.items():
        feedback = check(exercise_id, answer)
        assert not feedback.passed and feedback.step[0] == step, str(feedback)


def test_feedback_names_the_smallest_counterexample():
    duplicate = check("5.idempotency-key", post_order_every_time)
    assert duplicate.failure is not None
    assert duplicate.failure.message == "request 2 creates a duplicate order"
    assert duplicate.failure.counterexample == (
        '1. POST /orders {"sku": "book", "quantity": 1}, key k-1; 2. POST /orders '
        '{"sku": "book", "quantity": 1}, key k-1 (a retry of 1: its response was lost)')
    assert duplicate.failure.expected == "201 order-1 (replayed), 1 order in all"
    assert duplicate.failure.observed == "201 order-2, 2 orders in all"
    twice = check("5.idempotent-consumer", InMemory)
    assert twice.failure is not None
    assert twice.failure.counterexample == (
        "publish: m1 queued; crash-after-process: m1 applied, consumer restarted; "
        "redeliver: m1; deliver: m1 applied, acked")
    assert (twice.failure.expected, twice.failure.observed) == ("m1 applied once",
                                                                "m1 applied twice")
    bound = check("5.delivery", k * p)
    assert bound.failure is not None
    assert bound.failure.counterexample == "p = 1/10, k = 2"
    assert bound.failure.expected.startswith("19/100") and bound.failure.observed == "1/5"
    flood = check("5.breaker", HalfOpenFlood)
    assert flood.step == ("overlapping calls", 4)
    assert flood.failure is not None
    assert flood.failure.counterexample == ("fail_max=1, reset_timeout=1; at 0 a call fails; "
                                            "at 1 a call starts; at 1 a call succeeds")
    assert (flood.failure.expected, flood.failure.observed) == (
        "refused, then half-open", "admitted, then half-open")
    sketch = check("5.breaker", SketchBreaker)
    assert sketch.failure is not None
    assert sketch.failure.counterexample == ("fail_max=1, reset_timeout=1; at 0 a call fails; "
                                             "at 1 a call succeeds")
    assert sketch.failure.expected == "admitted, then half-open"


def test_the_symbolic_step_catches_what_agrees_at_every_point_tried():
    """An answer off by a polynomial that vanishes at every tenth passes the points and
    fails for some p in between."""
    vanishing = sp.prod([10 * p - j for j in range(11)])
    feedback = check("5.delivery", 1 - (1 - p) ** k + vanishing)
    assert feedback.step == ("every p", 4), str(feedback)
    assert feedback.failure is not None and feedback.failure.counterexample == (
        "k = 1, p a symbol")


def test_answers_that_loop_raise_or_mistype_get_a_message():
    def loops(keys, body, key, create):
        while True:
            pass

    looped = check("5.idempotency-key", loops)
    assert looped.failure is not None and looped.failure.observed.startswith(
        "ran more than the step budget")

    class Raises:
        def __init__(self, db):
            pass

        def handle(self, message_id):
            raise KeyError(message_id)

    raised = check("5.idempotent-consumer", Raises)
    assert raised.lines[0].endswith("your consumer raised KeyError: 'm1'")
    assert raised.failure is not None
    assert raised.failure.counterexample.endswith("deliver: the consumer raised KeyError: 'm1'")

    class NoState:
        def __init__(self, fail_max, reset_timeout):
            self.state = object()

        def allow(self, now):
            return True

        def record(self, success, now):
            pass

    stateless = check("5.breaker", NoState)
    assert stateless.step == ("shape", 2) and "0x" not in str(stateless)
    assert stateless.failure is not None and stateless.failure.observed == "an object"
    assert check("5.breaker", lambda fail_max, reset_timeout: None).step == ("type", 1)
    assert check("5.full-jitter", lambda n, base, cap, rng: "soon").step == ("bounds", 3)
    assert "not a number" in str(check("5.full-jitter", lambda n, base, cap, rng: "soon"))
    assert check("5.delivery", sp.Symbol("q") ** k).step == ("shape", 2)
    assert check("5.delivery", 1 / (1 - p) - k).step == ("at points", 3)   # zoo at p = 1
    assert "0x" not in str(check("5.idempotency-key", lambda keys, body, key, create: object()))


def test_the_models_behind_the_checks():
    chain_ = inverted_chain()
    assert not check_retry_amplification(chain_).holds
    assert not check_timeout_inversion(chain_).holds
    assert not check_unguarded_calls(chain_).holds
    # 4 x 4 x 4 attempts reach db when it fails
    assert "4 × 4 × 4 = 64" in str(check_retry_amplification(chain_))
    assert compatibility(ORDER_V1, order_v2(Field("currency", 6, "string"),
                                            Field("placed_at", 7, "int64")),
                         "FULL", json=True).holds
    db = Database()
    db.apply("m1")
    assert db.applied("m1") == 1 and db.applied("m2") == 0 and db.processed == set()
    with pytest.raises(TheoryError, match=r"Database\.apply: message_id"):
        db.apply("")


def test_the_harnesses_agree_with_the_models_on_the_reference_answers():
    script = ["publish", "publish", "ack-lost", "crash-after-process", "redeliver",
              "deliver", "deliver"]
    effects, broke, trace = _consumed(InMemory, script)
    assert broke == "" and len(trace) == len(script)
    assert run_script("effectively-once", script).effects == (("m1", 1), ("m2", 1))
    assert effects == (("m1", 2), ("m2", 2))   # the restart forgot both ids
    index, said, counts, responses, orders = _served(
        post_order, [(0, "k-1"), (0, "k-1"), (1, "k-1"), (0, None)])
    assert index == -1
    assert said == [(201, "order-1"), (201, "order-1"), (422, None), (201, "order-2")]
    assert counts == orders == [1, 1, 1, 2]
    assert [r.replayed for r in responses] == [False, True, False, False]


def test_the_reference_breaker_decides_as_the_model_with_exact_times():
    model, answer = CircuitBreaker(3, Fraction(5, 2)), Breaker(3, Fraction(5, 2))
    outcomes = [False, False, True, False, False, False, True, False, True, True] * 3
    now, states = Fraction(0), []
    for step, success in enumerate(outcomes):
        now += Fraction(step % 4, 2)
        admitted = model.allow(now)
        assert answer.allow(now) is admitted and answer.state == model.state
        states.append(model.state)   # half-open only while the trial call is out
        if admitted:
            model.record(success, now)
            answer.record(success, now)
        assert answer.state == model.state
    assert set(states) == {"closed", "open", "half-open"}


def test_the_breaker_starter_is_the_theory_sketch_as_written():
    """The lesson's starter ports SketchCircuitBreaker line for line: behind the same
    allow/record adapter, the sketch itself gets the same feedback."""
    from msatheory.communication.sketch import CircuitState, SketchCircuitBreaker, SystemClock

    names = {CircuitState.CLOSED: "closed", CircuitState.OPEN: "open",
             CircuitState.HALF_OPEN: "half-open"}

    class Adapted:
        def __init__(self, fail_max, reset_timeout):
            self.clock = SystemClock()
            self.sketch = SketchCircuitBreaker(fail_max, reset_timeout, self.clock)

        @property
        def state(self):
            return names[self.sketch.state]

        def allow(self, now):
            self.clock.set(now)
            return self.sketch.is_closed()

        def record(self, success, now):
            self.clock.set(now)
            (self.sketch.on_success if success else self.sketch.on_failure)()

    assert str(check("5.breaker", Adapted)) == str(check("5.breaker", SketchBreaker))
