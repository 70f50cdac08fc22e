"""Protocol 5.2.1 (REST): methods, retries and the Idempotency-Key."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.communication.rest import (
    METHODS,
    Order,
    OrderService,
    Pending,
    Response,
    fingerprint,
    repeated_put,
    retried_post,
    retry_safe,
)
from msatheory.errors import TheoryError

BOOK = {"sku": "book", "quantity": 1}


def bad(value: object) -> Any:
    """``value``, typed to pass where a value of another type is expected."""
    return value

# -- the method table ---------------------------------------------------------------------


def test_method_table_follows_rfc_9110() -> None:
    assert list(METHODS) == ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
                             "TRACE", "PATCH"]
    assert {m for m, e in METHODS.items() if e.safe} == {"GET", "HEAD", "OPTIONS", "TRACE"}
    assert {m for m, e in METHODS.items() if e.idempotent} == {
        "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}
    assert {m for m, e in METHODS.items() if e.cacheable} == {"GET", "HEAD", "POST", "PATCH"}
    assert {m for m, e in METHODS.items() if e.request_body} == {"POST", "PUT", "PATCH"}
    # every safe method is idempotent (RFC 9110, section 9.2.2)
    assert all(e.idempotent for e in METHODS.values() if e.safe)


def test_retry_safe() -> None:
    assert [m for m in METHODS if retry_safe(m)] == [
        "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"]
    assert [m for m in METHODS if retry_safe(m, "k")] == [
        "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"]
    assert not retry_safe("CONNECT", "k")


@pytest.mark.parametrize(("args", "message"), [
    (("get",), "retry_safe: method must be one of GET, HEAD"),
    (("FETCH",), "not 'FETCH'"),
    (("POST", ""), "retry_safe: idempotency_key must be a non-empty string, not ''"),
    (("POST", 7), "not 7"),
])
def test_retry_safe_refuses_bad_input(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(TheoryError, match=message):
        retry_safe(*args)


# -- a retried POST -----------------------------------------------------------------------


def test_retried_post_without_key_duplicates() -> None:
    outcome = retried_post(2)
    assert outcome.attempts == 3 and outcome.lost == 2 and outcome.created == 3
    assert [o.order_id for o in outcome.orders] == ["order-1", "order-2", "order-3"]
    assert outcome.seen == Response(201, "order-3", False, "Created")


def test_retried_post_with_key_replays_the_first_response() -> None:
    outcome = retried_post(2, key="k-1")
    assert outcome.created == 1
    assert outcome.orders == (Order("order-1", '{"quantity":1,"sku":"book"}'),)
    assert outcome.responses[0] == Response(201, "order-1", False, "Created")
    assert outcome.responses[1:] == (Response(201, "order-1", True, "Created"),) * 2
    assert outcome.seen.replayed


def test_no_loss_is_one_order_either_way() -> None:
    assert retried_post(0).created == retried_post(0, key="k").created == 1


@given(st.integers(0, 30))
@settings(max_examples=50)
def test_key_makes_exactly_one_order_and_no_key_one_per_attempt(lost: int) -> None:
    assert retried_post(lost, key="k").created == 1
    assert retried_post(lost).created == 1 + lost


@given(st.lists(st.sampled_from(["begin", "complete", "post"]), min_size=1, max_size=30))
@settings(max_examples=200)
def test_any_interleaving_of_retries_with_a_key_makes_at_most_one_order(
        steps: list[str]) -> None:
    """Attempts with one key, started, completed and retried in any order."""
    service = OrderService()
    pending: list[Pending] = []
    ids: set[str] = set()
    for step in steps:
        in_flight = bool(pending)
        if step == "complete":
            if not pending:
                continue
            response = service.complete(pending.pop())
        else:
            started = service.begin(BOOK, "k") if step == "begin" else service.post(BOOK, "k")
            if isinstance(started, Pending):
                pending.append(started)
                continue
            response = started
        assert len(pending) <= 1  # the key lets one request in, never two
        if response.status == 409:
            assert in_flight
        else:
            assert response.status == 201
            ids.add(str(response.order_id))
    assert len(service.orders) == (1 if ids else 0)
    assert ids <= {"order-1"}


@given(st.integers(1, 20))
@settings(max_examples=50)
def test_repeated_put_leaves_one_state(times: int) -> None:
    outcome = repeated_put(times)
    assert outcome.orders == repeated_put(1).orders
    assert [r.status for r in outcome.responses] == [201] + [200] * (times - 1)


# -- the draft's errors -------------------------------------------------------------------


def test_different_body_with_the_same_key_is_422() -> None:
    service = OrderService()
    service.post(BOOK, key="k")
    refused = service.post({"sku": "book", "quantity": 2}, key="k")
    assert refused.status == 422 and refused.order_id is None
    assert len(service.orders) == 1


def test_same_body_in_another_key_order_is_the_same_fingerprint() -> None:
    service = OrderService()
    service.post({"sku": "book", "quantity": 1}, key="k")
    assert service.post({"quantity": 1, "sku": "book"}, key="k").replayed


def test_retry_while_in_flight_is_409_then_replayed() -> None:
    service = OrderService()
    first = service.begin(BOOK, key="k")
    assert isinstance(first, Pending)
    assert service.post(BOOK, key="k").status == 409
    assert service.post({"sku": "pen"}, key="k").status == 422  # the body is checked first
    assert service.complete(first) == Response(201, "order-1", False, "Created")
    assert service.post(BOOK, key="k") == Response(201, "order-1", True, "Created")


def test_missing_key_is_400_where_required() -> None:
    service = OrderService(require_key=True)
    assert service.post(BOOK).status == 400
    assert service.orders == ()
    assert service.post(BOOK, key="k").status == 201


def test_fingerprint_is_sha256_of_canonical_json() -> None:
    body = '{"quantity":1,"sku":"book"}'
    assert fingerprint(body) == hashlib.sha256(body.encode()).hexdigest()


def test_put_then_post_skips_a_taken_id() -> None:
    service = OrderService()
    assert service.put("order-1", BOOK).status == 201
    assert service.post(BOOK).order_id == "order-2"
    assert repr(service) == "OrderService(orders=2, keys=0)"


def test_completing_twice_is_refused() -> None:
    service = OrderService()
    pending = service.begin(BOOK)
    assert isinstance(pending, Pending)
    service.complete(pending)
    with pytest.raises(TheoryError, match="has not completed"):
        service.complete(pending)


@pytest.mark.parametrize(("call", "message"), [
    (lambda s: s.post(["book"]), "OrderService.begin: body must be a mapping"),
    (lambda s: s.post({"sku": {1, 2}}), "body must hold only JSON values"),
    (lambda s: s.post({"n": float("nan")}), "body must hold only JSON values"),
    (lambda s: s.post(BOOK, key=""), "OrderService.begin: key must be a non-empty string"),
    (lambda s: s.put("", BOOK), "OrderService.put: order_id must be a non-empty string"),
    (lambda s: s.complete("p"), "OrderService.complete: pending must be a Pending"),
])
def test_service_refuses_bad_input(call: Callable[[Any], object], message: str) -> None:
    with pytest.raises(TheoryError, match=message):
        call(OrderService())


@pytest.mark.parametrize(("call", "message"), [
    (lambda: retried_post(-1), "retried_post: lost_responses must be a whole number"),
    (lambda: retried_post(1, key=""), "retried_post: key must be a non-empty string"),
    (lambda: repeated_put(0), "repeated_put: times must be a positive whole number"),
    (lambda: OrderService(require_key=bad(1)), "OrderService: require_key must be a bool"),
])
def test_functions_refuse_bad_input(call: Callable[[], object], message: str) -> None:
    with pytest.raises(TheoryError, match=message):
        call()
