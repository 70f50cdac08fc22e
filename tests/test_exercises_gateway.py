"""Chapter 4's exercises on answers the generic tests do not try: other right answers (the
package's own models among them), answers that raise or loop, the feedback each starter
gives, and the oracles behind the checks."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import sympy as sp
from hypothesis import given, settings

from msatheory.exercises import check, exercises
from msatheory.exercises.gateway import (
    HEADERS,
    LESSON_4A,
    LESSON_4B,
    POLICY,
    _expected_token,
    front_door,
    most_calls,
    shop_backend,
    token,
)
from msatheory.gateway.aggregation import slow_fraction
from msatheory.gateway.auth import _bearer_token
from msatheory.gateway.cache import CacheRequest
from msatheory.gateway.ratelimit import FixedWindow, formula
from msatheory.gateway.routing import Route, RoutingTable
from solutions.gateway import (
    SHOP_ROUTES,
    SketchReset,
    bearer_split,
    shop_gateway,
)

capacity, rate, t = sp.symbols("capacity rate t", positive=True)


def test_chapter_4_has_its_share_over_both_lessons():
    posed = [e for e in exercises() if e.chapter == 4]
    assert len(posed) >= 6 and len({e.kind for e in posed}) >= 3
    assert {e.difficulty for e in posed} == {1, 2, 3}
    for lesson in (LESSON_4A, LESSON_4B):
        assert sum(e.lesson == lesson for e in posed) >= 2
    assert [e.lesson for e in posed] == sorted(e.lesson for e in posed)  # in lesson order


def test_other_right_answers_pass():
    assert check("4.routing-table", RoutingTable(SHOP_ROUTES)).passed
    assert check("4.routing-table", [Route("GET", "/orders/export", "reports"),
                                     Route("*", "/orders", "orders"),
                                     Route("*", "/orders/*", "orders"),
                                     Route("GET", "/users/{uid}", "users"),
                                     Route("GET", "/static/*", "static")]).passed
    assert check("4.gateway-record", shop_gateway(
        ["authenticate", "authorize", "rate-limit", "cache"],
        ["cache", "rate-limit-by-ip"])).passed   # a public page may be cached before the quota

    def bearer_token(header):
        found = re.fullmatch(r"(?i:bearer) ([A-Za-z0-9\-._~+/]+=*)", header or "")
        return found.group(1) if found else None

    assert check("4.bearer", bearer_token).passed
    assert check("4.fixed-window", FixedWindow).passed       # the model passes its exercise
    assert check("4.token-bucket", formula("token-bucket")).passed
    assert check("4.token-bucket", capacity - sp.ceiling(-rate * t)).passed

    def cache_key(request):
        public = request.path.split("/")[1] == "catalog"
        return (request.method, request.path) if public else (
            request.method, request.path, "caller", request.caller)

    assert check("4.cache-key", cache_key).passed

    def largest_fan_out(p, target):
        n = 1
        while slow_fraction(n + 1, p) <= target:
            n += 1
        return n

    assert check("4.fan-out", largest_fan_out).passed


def test_the_starters_fail_where_the_lesson_says():
    starters = {
        "4.routing-table": ([Route("*", "/orders/*", "orders"),
                             Route("GET", "/orders/export", "reports"),
                             Route("GET", "/users/{id}", "user"),
                             Route("GET", "/static/*", "static")], "a function"),
        "4.gateway-record": (shop_gateway(["rate-limit", "authenticate", "cache", "authorize"],
                                          ["rate-limit-by-ip", "cache"]), "check_gateway"),
        "4.bearer": (bearer_split, "behaviour"),
        "4.fixed-window": (SketchReset, "one client"),
        "4.token-bucket": (rate * t, "attained"),
        "4.cache-key": (lambda request: f"{request.method}:{request.path}", "private_leak"),
        "4.fan-out": (lambda p, target: math.floor(target / p), "behaviour"),
    }
    assert set(starters) == {e.id for e in exercises() if e.chapter == 4}
    for exercise_id, (answer, step) in starters.items():
        feedback = check(exercise_id, answer)
        assert not feedback.passed and feedback.step[0] == step, str(feedback)


def test_feedback_names_the_smallest_counterexample():
    routes = check("4.routing-table", SHOP_ROUTES[1:])  # the export route forgotten
    assert routes.failure is not None
    assert routes.failure.counterexample == "GET /orders/export"
    assert routes.failure.observed == "orders, by * /orders/* -> orders"
    window = check("4.fixed-window", SketchReset)
    assert window.failure is not None
    assert window.failure.counterexample == "limit=1, window=2; requests a at 0, a at 2"
    assert window.failure.expected == "admitted (window [2, 4) of a)"
    assert window.failure.observed == "admitted, rejected"
    bucket = check("4.token-bucket", capacity + rate * t)
    assert bucket.failure is not None and bucket.step[0] == "exact"
    assert bucket.failure.counterexample == "capacity = 1, rate = 1/4 tokens/s, t = 1/4 s"
    assert bucket.failure.expected.startswith("1: ") and bucket.failure.observed == "17/16"


def test_a_window_that_forgets_other_clients_fails_only_with_two():
    class SharedCounter:
        def __init__(self, limit, window):
            self.limit, self.window, self.seen = limit, window, {}

        def allow(self, key, now):
            index = math.floor(now / self.window)
            self.seen = {index: self.seen.get(index, 0) + 1}
            return self.seen[index] <= self.limit

    feedback = check("4.fixed-window", SharedCounter)
    assert feedback.step == ("several clients", 4), str(feedback)
    assert "b at 0" in feedback.lines[1]


def test_answers_that_loop_raise_or_mistype_get_a_message():
    class Loops:
        def __init__(self, limit, window):
            pass

        def allow(self, key, now):
            while True:
                pass

    class NeedsThree:
        def __init__(self, limit, window, clock):
            pass

    looped = check("4.fixed-window", Loops)
    assert looped.step == ("one client", 3)
    assert looped.failure is not None and looped.failure.observed == (
        "ran more than the step budget")
    shaped = check("4.fixed-window", NeedsThree)
    assert shaped.step == ("shape", 2) and "raised TypeError" in shaped.lines[0]
    ints = check("4.fixed-window", type("Ints", (FixedWindow,), {
        "allow": lambda self, key, now: int(FixedWindow.allow(self, key, now))}))
    assert ints.failure is not None and "int 1, not a bool" in ints.failure.observed

    def raises(request):
        raise KeyError(request.path)

    assert "raised KeyError" in check("4.cache-key", raises).lines[0]
    assert check("4.fan-out", lambda p: 3).step == ("shape", 2)
    assert "0x" not in str(check("4.gateway-record", object()))
    assert "0x" not in str(check("4.bearer", lambda header: object()))


def test_the_token_never_appears_in_feedback():
    for answer in (bearer_split, lambda header: token() + "x"):
        shown = str(check("4.bearer", answer))
        assert token() not in shown and "<token>" in shown


@settings(max_examples=300)
@given(HEADERS)
def test_the_bearer_oracle_is_the_gateways_header_reading(drawn):
    """The exercise's expected token (what authenticate accepts, the token being genuine)
    is exactly what the gateway's header reader extracts."""
    header = drawn[0]
    read = _bearer_token(header) if header else None
    expected = read if isinstance(read, str) else None
    assert _expected_token(header) == expected
    assert POLICY.audience == ("shop",)


def test_the_models_behind_the_checks():
    assert front_door("GET", "/orders/export") == "reports"
    assert front_door("POST", "/orders/export") == "orders"
    assert front_door("DELETE", "/orders/") == "orders"
    assert front_door("GET", "/users/") is None and front_door("GET", "/users/7") == "users"
    assert front_door("GET", "/static") == "static" and front_door("PUT", "/static") is None
    assert front_door("GET", "/") is None
    # 1 - 0.99^100 = 0.634: a hundred calls at 1% each just pass a 63.4% budget
    assert most_calls(Fraction(1, 100), Fraction(634, 1000)) == 100
    assert most_calls(Fraction(1, 100), Fraction(63, 100)) == 98
    assert slow_fraction(99, 0.01) > 0.63 >= slow_fraction(98, 0.01)
    assert shop_backend(CacheRequest("GET", "/catalog-drafts/x", "ann")).cache_control == (
        "private")
    assert shop_backend(CacheRequest("GET", "/account")).status == 401
