"""The Rust ServiceCommunication and CircuitBreaker as written
(msatheory.communication.sketch), and chapter 5's errata found by running them."""

from __future__ import annotations

import re

import pytest

from msatheory.communication import errata
from msatheory.communication.errata import ERRATA, sketch_communication
from msatheory.communication.sketch import (
    NEVER,
    CircuitState,
    CommunicationError,
    Message,
    NetworkFailure,
    Request,
    Response,
    RustPanic,
    SketchCircuitBreaker,
    SystemClock,
)
from msatheory.errors import TheoryError


def opened(clock: SystemClock) -> SketchCircuitBreaker:
    breaker = SketchCircuitBreaker(5, 60, clock)
    for _ in range(5):
        breaker.on_failure()
    return breaker


def test_the_breaker_opens_at_the_threshold_and_a_success_resets_the_count():
    breaker = SketchCircuitBreaker(3, 60, SystemClock())
    breaker.on_failure()
    breaker.on_failure()
    breaker.on_success()
    assert (breaker.state, breaker.failure_count) == (CircuitState.CLOSED, 0)
    for _ in range(3):
        breaker.on_failure()
    assert breaker.state is CircuitState.OPEN
    assert not breaker.is_closed()


def test_open_turns_half_open_only_strictly_after_the_timeout_and_then_admits_everything():
    clock = SystemClock()
    breaker = opened(clock)
    clock.advance(60)
    assert not breaker.is_closed()  # duration > recovery_timeout: 60 s is not enough
    clock.advance(0.5)
    assert [breaker.is_closed() for _ in range(4)] == [True] * 4
    assert breaker.state is CircuitState.HALF_OPEN


def test_half_open_closes_on_a_success_and_reopens_on_a_failure():
    clock = SystemClock()
    breaker = opened(clock)
    clock.advance(61)
    breaker.is_closed()
    breaker.on_failure()  # failure_count was never reset: 6 >= 5
    assert breaker.state is CircuitState.OPEN and breaker.last_failure_time == 61
    clock.advance(61)
    breaker.is_closed()
    breaker.on_success()
    assert (breaker.state, breaker.failure_count) == (CircuitState.CLOSED, 0)


def test_a_wall_clock_stepped_back_makes_an_open_breaker_panic():
    clock = SystemClock(1000)
    breaker = opened(clock)
    clock.set(999)
    with pytest.raises(RustPanic, match=re.escape("called `Result::unwrap()` on an `Err` value")):
        breaker.is_closed()


def test_sync_call_posts_to_the_first_instance_and_counts_every_non_2xx():
    comm, sent = sketch_communication(lambda i, m, p: Response(404))
    with pytest.raises(CommunicationError, match=r"ServiceError\(404\)"):
        comm.sync_call("orders", Request("/orders/7"))
    assert sent == [("orders-1", "POST", "/orders/7")]
    assert comm.circuit_breaker.failure_count == 1


def test_a_network_failure_is_a_network_error_and_counts():
    def fail(instance, method, path):
        raise NetworkFailure("connection refused")

    comm, _ = sketch_communication(fail)
    with pytest.raises(CommunicationError, match="NetworkError"):
        comm.sync_call("orders", Request("/orders/7"))
    assert comm.circuit_breaker.failure_count == 1


def test_a_call_nobody_answers_never_returns_and_records_nothing():
    comm, _ = sketch_communication(lambda i, m, p: NEVER)
    assert comm.sync_call("orders", Request("/orders/7")) is NEVER
    assert comm.circuit_breaker.failure_count == 0


def test_an_open_breaker_refuses_every_service():
    comm, sent = sketch_communication(lambda i, m, p: Response(500))
    for _ in range(5):
        with pytest.raises(CommunicationError):
            comm.sync_call("payments", Request("/payments"))
    with pytest.raises(CommunicationError, match="CircuitOpen"):
        comm.sync_call("orders", Request("/orders/7"))
    assert len(sent) == 5


def test_async_and_event_calls_publish_to_the_queue():
    comm, _ = sketch_communication(lambda i, m, p: Response(200))
    message = Message("m1", "orders", "mail", b"hi", 0.0)
    comm.async_call("mail", message)
    comm.event_driven_call({"type": "OrderPlaced"})
    assert comm.message_queue.published == [("mail", message)]
    assert comm.message_queue.events == [{"type": "OrderPlaced"}]


def test_bad_arguments_are_named():
    with pytest.raises(TheoryError, match="SketchCircuitBreaker: failure_threshold"):
        SketchCircuitBreaker(-1, 60, SystemClock())
    with pytest.raises(TheoryError, match="CommunicationError: variant must be one of"):
        CommunicationError("Teapot")
    comm, _ = sketch_communication(lambda i, m, p: Response(200))
    with pytest.raises(TheoryError, match="sync_call: service_name"):
        comm.sync_call("", Request("/"))


CHAPTER_5_ERRATA = {
    "5.half-open-floods": (2, ("2 of 2 calls sent", "whole load at once")),
    "5.one-breaker": (5, ("5 calls to payments", "CircuitOpen")),
    "5.client-errors-open": ([400] * 5, ("5 malformed requests", "CircuitOpen")),
    "5.no-timeout": (1, ("never answers; 1 call\n", "1 of 1 never return",
                         "failure_count 0, state Closed")),
    "5.wall-clock": ([0, 0, 0, 0, 0, -1], ("0, 0, 0, 0, 0, -1 s", "panic: called")),
    "5.first-instance": ((2, 2), ("orders-1 2, orders-2 0",)),
    "5.always-post": (("GET", 0), ("sent as POST, answered ServiceError(405)",)),
    "5.no-retry": ([False, True], ("503, 200", "after one attempt")),
}


def test_chapter_5_has_these_errata():
    assert [e.key for e in ERRATA] == list(CHAPTER_5_ERRATA)


@pytest.mark.parametrize("erratum", ERRATA, ids=lambda e: e.key)
def test_each_erratum_finds_its_smallest_counterexample(erratum):
    example, fragments = CHAPTER_5_ERRATA[erratum.key]
    assert erratum.find() == example
    text = str(erratum.describe(example))
    for fragment in fragments:
        assert fragment in text


@pytest.mark.parametrize("erratum", ERRATA, ids=lambda e: e.key)
def test_the_corrected_model_keeps_the_property(erratum):
    assert erratum.verify_corrected()


def test_the_sketch_is_fine_when_the_defects_are_not_touched():
    """Each property holds on inputs that avoid the defect: the errata are not artefacts
    of the harness."""
    assert not errata.half_open_floods(1)
    assert not errata.one_breaker_for_all(errata.FAIL_MAX - 1)
    assert not errata.bad_requests_open([400] * (errata.FAIL_MAX - 1))
    assert not errata.clock_step_panics([0] * 5 + [61])
    assert not errata.every_call_posts(("POST", 0))
    assert not errata.never_retried([True])
    assert not errata.first_instance_only((2, 1))
