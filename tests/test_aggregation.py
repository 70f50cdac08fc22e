"""Function 4.2.2 (聚合): fan-out, the tail at scale and hedged requests."""

from __future__ import annotations

import math

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.errors import TheoryError
from msatheory.gateway.aggregation import (
    Aggregate,
    Call,
    Latency,
    fan_out,
    hedging,
    simulate_fan_out,
    slow_fraction,
)

Z = 4.0  # a 4-sigma binomial bound: a correct model fails it with probability < 1e-4


def binomial_bound(q: float, trials: int) -> float:
    """Z standard errors of a share of ``trials`` Bernoulli(q) outcomes."""
    return Z * math.sqrt(q * (1 - q) / trials)


# -- the closed form ----------------------------------------------------------------------

def test_slow_fraction_is_the_tail_at_scale_formula() -> None:
    n, p = sympy.symbols("n p", positive=True)
    assert sympy.simplify(slow_fraction(n, p) - (1 - (1 - p) ** n)) == 0
    assert slow_fraction(100, 0.01) == pytest.approx(1 - 0.99**100)
    assert round(slow_fraction(100, 0.01), 3) == 0.634
    assert slow_fraction(1, 0.25) == pytest.approx(0.25)
    assert slow_fraction(5, 0.0) == 0.0
    assert slow_fraction(5, 1.0) == 1.0


def test_slow_fraction_mixes_symbols_and_numbers() -> None:
    p = sympy.Symbol("p")
    assert sympy.expand(slow_fraction(2, p) - (2 * p - p**2)) == 0
    n = sympy.Symbol("n")
    expression = sympy.sympify(slow_fraction(n, sympy.Rational(1, 100)))
    assert expression.subs(n, 100) == 1 - sympy.Rational(99, 100) ** 100


@pytest.mark.parametrize(("n", "p", "requests"), [(100, 0.01, 4000), (10, 0.05, 4000),
                                                  (1, 0.3, 4000)])
def test_simulation_meets_the_closed_form_within_a_binomial_bound(
        n: int, p: float, requests: int) -> None:
    expected = slow_fraction(n, p)
    assert isinstance(expected, float)
    measured = simulate_fan_out(n, p, requests=requests, seed=1).slow_fraction
    assert abs(measured - expected) <= binomial_bound(expected, requests)


def test_slow_draws_have_share_p() -> None:
    report = simulate_fan_out(1, 0.2, requests=5000, seed=2)
    assert abs(report.slow_fraction - 0.2) <= binomial_bound(0.2, 5000)


# -- partial responses --------------------------------------------------------------------

def test_partial_response_names_exactly_the_timed_out_calls() -> None:
    always = Latency(fast=0.01, slow=1.0, p=1.0)
    never = Latency(fast=0.01, slow=1.0, p=0.0)
    calls = [Call("user", never, timeout=0.5), Call("orders", always, timeout=0.5),
             Call("stock", never), Call("reviews", always, timeout=0.25),
             Call("price", always, timeout=2.0)]
    reply = fan_out(calls, seed=4)
    assert reply.partial
    assert reply.timed_out == ("orders", "reviews")
    assert reply.answered == ("user", "stock", "price")
    assert reply.slow == ("orders", "reviews", "price")
    # latency: the latest of the answered calls (price, > 1 s) and the timeouts hit
    assert 1.0 < reply.latency <= 2.0


def test_a_complete_response_takes_its_slowest_call() -> None:
    reply = fan_out([Call(f"c{k}") for k in range(5)], seed=5)
    assert not reply.partial and reply.timed_out == ()
    assert reply.answered == tuple(f"c{k}" for k in range(5))
    one = [fan_out([Call(f"c{k}") for k in range(5)], seed=5) for _ in range(2)]
    assert one[0] == one[1] == reply


def test_an_answer_exactly_at_the_timeout_is_in_time() -> None:
    # with fast mean tiny and p = 1 the latency is slow + ~0; timeout = slow + margin
    latency = Latency(fast=1e-9, slow=1.0, p=1.0)
    assert not fan_out([Call("a", latency, timeout=1.001)], seed=0).partial
    assert fan_out([Call("a", latency, timeout=0.999)], seed=0).timed_out == ("a",)


@settings(max_examples=40)
@given(st.lists(st.tuples(st.floats(0, 1), st.one_of(st.none(), st.floats(0.001, 3))),
                min_size=1, max_size=8),
       st.integers(0, 10**6))
def test_aggregate_partitions_the_calls(specs: list[tuple[float, float | None]],
                                        seed: int) -> None:
    calls = [Call(f"c{k}", Latency(fast=0.05, slow=1.0, p=p), timeout)
             for k, (p, timeout) in enumerate(specs)]
    reply = fan_out(calls, seed=seed)
    names = [c.name for c in calls]
    assert sorted(reply.answered + reply.timed_out) == sorted(names)
    assert reply.partial == bool(reply.timed_out)
    hit = [c.timeout for c in calls if c.name in reply.timed_out and c.timeout is not None]
    assert reply.latency >= max(hit, default=0.0)
    for c in calls:
        if c.name in reply.timed_out:
            assert c.timeout is not None and reply.latency >= c.timeout


# -- hedged requests ----------------------------------------------------------------------

def test_hedging_lowers_the_p99_and_costs_the_tail_beyond_the_quantile() -> None:
    report = hedging(10, 0.01, requests=4000, seed=0)
    assert report.hedge_after == pytest.approx(0.01 * math.log(20))
    assert report.p99_plain > 1.0 > 0.1 > report.p99_hedged
    assert report.gain == report.p99_plain - report.p99_hedged
    assert report.expected_extra == pytest.approx(0.99 * 0.05 + 0.01)
    calls = 10 * 4000
    assert abs(report.extra_calls - report.expected_extra) <= binomial_bound(
        report.expected_extra, calls)


@settings(max_examples=15)
@given(st.integers(1, 12), st.floats(0, 0.2), st.floats(0.5, 0.99), st.integers(0, 10**6))
def test_hedging_never_makes_a_request_slower(n: int, p: float, quantile: float,
                                              seed: int) -> None:
    report = hedging(n, p, quantile=quantile, requests=50, seed=seed)
    assert report.p99_hedged <= report.p99_plain
    assert 0 <= report.extra_calls <= 1


def test_hedging_at_scale_gains_little_when_two_slow_copies_reach_the_p99() -> None:
    # with 100 calls a request has a doubly slow call with chance 1 - (1 - p**2)**100,
    # about 1%: right at the p99, so hedging barely moves it
    assert slow_fraction(100, 0.01**2) == pytest.approx(0.00995, abs=1e-5)
    report = hedging(100, 0.01, requests=1000, seed=0)
    assert report.p99_hedged <= report.p99_plain


# -- determinism --------------------------------------------------------------------------

def test_same_seed_same_result_other_seed_other_result() -> None:
    assert simulate_fan_out(20, 0.05, requests=200, seed=9) == simulate_fan_out(
        20, 0.05, requests=200, seed=9)
    assert simulate_fan_out(20, 0.05, requests=200, seed=9) != simulate_fan_out(
        20, 0.05, requests=200, seed=10)
    assert hedging(5, 0.05, requests=200, seed=9) == hedging(5, 0.05, requests=200, seed=9)
    calls = [Call("a"), Call("b")]
    assert fan_out(calls, seed=3) == fan_out(calls, seed=3)


def test_aggregate_partial_property() -> None:
    assert Aggregate(0.1, ("a",), ()).partial is False
    assert Aggregate(0.1, (), ("a",)).partial is True


# -- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize(("call", "message"), [
    (lambda: slow_fraction(0, 0.1), "slow_fraction: n must be a positive whole number, not 0"),
    (lambda: slow_fraction(3, 1.5), "slow_fraction: p must lie in [0, 1], not 1.5"),
    (lambda: slow_fraction(True, 0.1),
     "slow_fraction: n must be a positive whole number, not True"),
    (lambda: Latency(fast=0), "Latency: fast must be a positive finite number of seconds, not 0"),
    (lambda: Latency(p=-0.1), "Latency: p must lie in [0, 1], not -0.1"),
    (lambda: Latency().fast_quantile(1.0), "Latency.fast_quantile: q must lie in [0, 1), not 1"),
    (lambda: Call(""), "Call: name must be a non-empty string, not ''"),
    (lambda: Call("a", timeout=0),
     "Call 'a': timeout must be a positive finite number of seconds, not 0"),
    (lambda: Call("a", latency=0.5),  # type: ignore[arg-type]
     "Call 'a': latency must be a Latency, not 0.5"),
    (lambda: fan_out([], seed=1), "fan_out: calls must hold at least one Call, not []"),
    (lambda: fan_out(["a"], seed=1),  # type: ignore[list-item]
     "fan_out: each call must be a Call, not 'a'"),
    (lambda: fan_out([Call("a"), Call("a")], seed=1),
     "fan_out: call names must be distinct, not 'a' twice"),
    (lambda: fan_out([Call("a")], seed=1.5),  # type: ignore[arg-type]
     "fan_out: seed must be an integer, not 1.5"),
    (lambda: fan_out([Call("a")], seed=1, hedge_after=-1),
     "fan_out: hedge_after must be a non-negative finite number of seconds, not -1"),
    (lambda: simulate_fan_out(10, 0.1, requests=0),
     "simulate_fan_out: requests must be a positive whole number, not 0"),
    (lambda: simulate_fan_out(10, 0.1, timeout=math.inf),
     "simulate_fan_out: timeout must be a positive finite number of seconds, not inf"),
    (lambda: hedging(10, 0.1, quantile=1.0), "hedging: quantile must lie in [0, 1), not 1.0"),
    (lambda: hedging(10, 2), "hedging: p must lie in [0, 1], not 2"),
])
def test_bad_input_is_named(call: object, message: str) -> None:
    with pytest.raises(TheoryError) as caught:
        call()  # type: ignore[operator]
    assert str(caught.value) == message
