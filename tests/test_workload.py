"""Def 7.3.1 (日志聚合) and Def 7.3.2 (链路追踪): the shop's request paths and their timing."""

from __future__ import annotations

from itertools import pairwise

import pytest

from msatheory.basics.examples import friday_shop, shop
from msatheory.deployment.workload import checkout, request_path, run_requests
from msatheory.errors import TheoryError

# --- the request path, read from the shop ---------------------------------------------------


def test_checkout_follows_the_shops_calls_and_topics() -> None:
    arch = shop()
    path = checkout()
    assert [(h.service, h.via) for h in path.walk()] == [
        ("gateway", "entry"), ("orders", "call"), ("cart", "call"), ("catalogue", "call"),
        ("payments", "call"), ("shipping", "order-placed"), ("email", "order-placed")]
    for hop in path.walk():
        for child in hop.children:
            if child.via == "call":
                assert child.call in arch.services[hop.service].calls
            else:
                assert child.via in arch.services[hop.service].publishes
                assert child.via in arch.services[child.service].subscribes
    orders = path.children[0]
    assert [c.stage for c in orders.children] == [0, 1, 2, 2]
    assert not orders.hard  # the gateway falls back to "try again later"
    assert orders.children[0].hard and not orders.children[0].children[0].hard


def test_parallel_callers_send_their_calls_in_one_stage() -> None:
    orders = checkout(parallel=["orders"]).children[0]
    assert [c.stage for c in orders.children] == [0, 0, 1, 1]


def test_request_path_refuses_cycles_and_unknown_names() -> None:
    with pytest.raises(TheoryError, match="cycle"):
        request_path(friday_shop(), "gateway", ["orders"])
    with pytest.raises(TheoryError, match="does not call"):
        request_path(shop(), "gateway", ["payments"])
    with pytest.raises(TheoryError, match="entry"):
        request_path(shop(), "warehouse")
    with pytest.raises(TheoryError, match="parallel"):
        request_path(shop(), "gateway", parallel=["warehouse"])


# --- timing ---------------------------------------------------------------------------------


def test_a_caller_waits_for_each_sequential_call_and_answers_after_them() -> None:
    for visit in run_requests(checkout(), 50, seed=2):
        for v in visit.walk():
            assert v.sent <= v.start <= v.end
            calls = [c for c in v.children if c.hop.via == "call"]
            for first, second in pairwise(calls):
                assert first.received <= second.sent
            assert all(c.received <= v.end for c in calls)


def test_a_failed_hard_call_fails_the_caller_and_a_soft_one_degrades_it() -> None:
    [visit] = run_requests(checkout(), seed=1, failure={"payments": 1.0})
    gateway, orders = visit, visit.children[0]
    assert orders.status == "error" and gateway.status == "degraded"
    assert [c.hop.service for c in orders.children] == ["cart", "payments"]  # nothing published


def test_a_slow_callee_past_the_timeout_is_abandoned_for_the_fallback() -> None:
    visits = run_requests(checkout(), 20, seed=3, work_ms={
        "gateway": 1, "orders": 1, "cart": 1, "catalogue": 600, "payments": 1,
        "shipping": 1, "email": 1})
    slow = [v for visit in visits for v in visit.walk()
            if v.hop.service == "catalogue" and v.timed_out]
    assert slow
    [call] = shop().services["cart"].calls  # cart waits for catalogue 0.3 s, no more
    assert call.timeout is not None
    for v in slow:
        assert v.received - v.sent == round(call.timeout * 1e6) < v.end - v.sent
    carts = [v for visit in visits for v in visit.walk() if v.hop.service == "cart"
             and any(c.timed_out for c in v.children)]
    assert carts and all(c.status == "degraded" for c in carts)
