"""Def 5.3.1 (通信可靠性) and Strategy 5.3.1 (重试机制): delivery, outages, amplification and
retry budgets."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.communication.reliability import (
    STRATEGIES,
    AdaptiveThrottle,
    BudgetRun,
    LayerLoad,
    RetryBudget,
    amplification,
    attempts_for,
    budget_table,
    compare_budgets,
    delivery_formula,
    delivery_probability,
    expected_attempts,
    layer_loads,
    outage_delivery,
    outage_delivery_exact,
    outage_table,
    throttle_probability,
)
from msatheory.errors import TheoryError

F = Fraction
PROBABILITIES = st.fractions(min_value=0, max_value=1, max_denominator=1000)

# --- Def 5.3.1 under independent attempts ---------------------------------------------------


def test_delivery_probability_exact_for_fractions() -> None:
    assert delivery_probability(F(9, 10), 3) == F(999, 1000)
    assert delivery_probability(F(1, 2), 1) == F(1, 2)
    assert delivery_probability(F(1, 3), 2) == F(5, 9)
    assert delivery_probability(F(0), 5) == 0 and delivery_probability(F(1), 5) == 1


def test_delivery_probability_float_is_the_closed_form() -> None:
    assert delivery_probability(0.5, 2) == 0.75
    assert delivery_probability(1.0, 4) == 1.0 and delivery_probability(0, 4) == 0.0
    for p, k in [(0.9, 3), (0.01, 100), (0.999, 2), (0.3, 7)]:
        assert math.isclose(delivery_probability(p, k), 1 - (1 - p) ** k, rel_tol=1e-9)
    # log1p keeps what 1 - (1 - p)**k loses for tiny p
    assert math.isclose(delivery_probability(1e-12, 5), 5e-12, rel_tol=1e-9)


@given(PROBABILITIES, st.integers(1, 12))
@settings(max_examples=50)
def test_sympy_formula_agrees_with_the_function(p: Fraction, k: int) -> None:
    value = delivery_formula().subs({sympy.Symbol("p"): sympy.Rational(p.numerator,
                                                                        p.denominator),
                                     sympy.Symbol("k"): k})
    assert value == sympy.Rational(*delivery_probability(p, k).as_integer_ratio())


@given(PROBABILITIES, st.integers(1, 30))
@settings(max_examples=100)
def test_more_attempts_never_deliver_less(p: Fraction, k: int) -> None:
    assert p <= delivery_probability(p, k) <= delivery_probability(p, k + 1) <= 1


def test_formula_solves_for_attempts() -> None:
    """The lesson's derivation: k >= log(1 - target) / log(1 - p)."""
    p, k, target = sympy.symbols("p k target", positive=True)
    bound = sympy.solve(sympy.Eq(delivery_formula().subs(
        {sympy.Symbol("p"): p, sympy.Symbol("k"): k}), target), k)
    assert bound == [sympy.log(1 - target) / sympy.log(1 - p)]


@given(st.fractions(min_value=F(1, 50), max_value=1, max_denominator=100),
       st.fractions(min_value=0, max_value=F(999999, 1000000), max_denominator=10**6))
@settings(max_examples=100)
def test_attempts_for_is_the_fewest_that_reach_the_target(p: Fraction, target: Fraction
                                                          ) -> None:
    k = attempts_for(p, target)
    assert delivery_probability(p, k) >= target
    assert k == 1 or delivery_probability(p, k - 1) < target


def test_attempts_for_examples() -> None:
    assert attempts_for(F(9, 10), F(999, 1000)) == 3
    assert attempts_for(F(9, 10), F(9991, 10000)) == 4
    assert attempts_for(F(1, 2), F(1, 2)) == 1
    assert attempts_for(1.0, 1.0) == 1
    assert attempts_for(0.99, 0.99999) == 3


def test_expected_attempts_is_the_geometric_sum() -> None:
    assert expected_attempts(F(1, 2), 3) == F(7, 4)
    assert expected_attempts(F(1), 3) == 3 and expected_attempts(F(0), 3) == 1
    assert math.isclose(expected_attempts(0.9, 200), 10.0, rel_tol=1e-8)


# --- correlated outages --------------------------------------------------------------------


def test_outage_exact_limits() -> None:
    """No gap: every retry sees the outage the first attempt saw. Long gaps: independent."""
    assert math.isclose(outage_delivery_exact(0.9, 30, [0, 0, 0]), 0.9)
    assert math.isclose(outage_delivery_exact(0.9, 30, [1e6] * 3), 1 - 0.1 ** 4)
    assert outage_delivery_exact(0.9, 30, []) == pytest.approx(0.9)
    assert outage_delivery_exact(1.0, 30, [1, 2]) == 1.0


def test_outage_exact_is_the_markov_chain() -> None:
    """1/tau = 1/270 + 1/30 = 1/27: P(still or again down after t) = 0.1 + 0.9 e^(-t/27)."""
    held = [0.1 + 0.9 * math.exp(-t / 27) for t in (2, 4, 8)]
    assert math.isclose(outage_delivery_exact(0.9, 30, [2, 4, 8]),
                        1 - 0.1 * math.prod(held))


def test_retries_within_one_outage_do_not_help() -> None:
    rows = outage_table()
    assert [row.base for row in rows] == [0.1, 1.0, 10.0, 100.0]
    assert all(row.independent == 0.9999 for row in rows)
    first = rows[0]
    assert first.gaps == (0.2, 0.4, 0.8) and first.span == 1.4
    assert first.exact < 0.905 and abs(first.measured - 0.9) < 0.02
    assert [row.exact for row in rows] == sorted(row.exact for row in rows)
    for row in rows:  # 2000 requests over 2000 outages: within about 3 standard errors
        assert abs(row.measured - row.exact) < 0.02


def test_outage_simulation_is_fixed_by_its_seed() -> None:
    one = outage_delivery(0.8, 5, 3, 0.5, requests=300, seed=3)
    assert one == outage_delivery(0.8, 5, 3, 0.5, requests=300, seed=3)
    assert one.measured != outage_delivery(0.8, 5, 3, 0.5, requests=300, seed=4).measured


def test_always_up_callee_always_delivers() -> None:
    assert outage_delivery(1.0, 5, 2, 1, requests=50).measured == 1.0


# --- amplification across layers -------------------------------------------------------------


def test_amplification_is_the_product_of_attempts() -> None:
    assert amplification([4, 4, 4]) == 64
    assert amplification([3, 2]) == 6
    assert amplification([]) == 1


def test_failing_bottom_receives_the_amplification() -> None:
    loads = layer_loads([4, 4, 4])
    assert loads == (LayerLoad(1, 4, F(1), F(1)), LayerLoad(2, 4, F(4), F(1)),
                     LayerLoad(3, 4, F(16), F(1)), LayerLoad(4, 0, F(64), F(1)))


def _bottom_calls_by_enumeration(attempts: list[int], f: Fraction) -> Fraction:
    """Expected calls at the bottom by walking every outcome: a distribution over
    (calls made at the bottom, whether the call succeeded)."""
    dist: dict[tuple[int, bool], Fraction] = {(1, True): 1 - f, (1, False): f}
    for n in reversed(attempts):
        done: dict[tuple[int, bool], Fraction] = {}
        open_: dict[int, Fraction] = {0: F(1)}
        for _ in range(n):
            after: dict[int, Fraction] = {}
            for calls, weight in open_.items():
                for (more, ok), q in dist.items():
                    key = calls + more
                    if ok:
                        done[(key, True)] = done.get((key, True), F(0)) + weight * q
                    else:
                        after[key] = after.get(key, F(0)) + weight * q
            open_ = after
        for calls, weight in open_.items():
            done[(calls, False)] = done.get((calls, False), F(0)) + weight
        dist = done
    return sum((calls * w for (calls, _), w in dist.items()), F(0))


@given(st.lists(st.integers(1, 3), max_size=3), PROBABILITIES)
@settings(max_examples=60)
def test_layer_loads_agree_with_enumeration(attempts: list[int], f: Fraction) -> None:
    loads = layer_loads(attempts, f)
    assert loads[-1].calls == _bottom_calls_by_enumeration(attempts, f)
    assert loads[-1].calls <= amplification(attempts)
    assert [load.layer for load in loads] == list(range(1, len(attempts) + 2))


# --- retry budgets and adaptive throttling ---------------------------------------------------


def test_retry_budget_is_a_token_bucket() -> None:
    budget = RetryBudget(F(1, 10))
    for _ in range(9):
        budget.deposit()
    assert budget.balance == F(9, 10) and not budget.withdraw()
    budget.deposit()
    assert budget.withdraw() and not budget.withdraw()
    floats = RetryBudget(0.1)  # 0.1 added ten times is below 1; 0.1 * 10 is not
    for _ in range(10):
        floats.deposit()
    assert floats.withdraw()
    reserved = RetryBudget(F(0), reserve=2)
    assert [reserved.withdraw() for _ in range(3)] == [True, True, False]


@given(st.lists(st.booleans(), max_size=200),
       st.fractions(min_value=0, max_value=1, max_denominator=20), st.integers(0, 3))
@settings(max_examples=60)
def test_retry_budget_bounds_retries(events: list[bool], ratio: Fraction, reserve: int
                                     ) -> None:
    """Whatever the order of requests (True) and retries (False), retries allowed never
    exceed reserve + ratio * requests."""
    budget = RetryBudget(ratio, reserve)
    requests = allowed = 0
    for is_request in events:
        if is_request:
            budget.deposit()
            requests += 1
        else:
            allowed += budget.withdraw()
        assert allowed <= reserve + ratio * requests
        assert budget.balance >= 0


def test_throttle_probability_exact() -> None:
    assert throttle_probability(100, 50) == 0
    assert throttle_probability(100, 10) == F(80, 101)
    assert throttle_probability(0, 0) == 0
    assert throttle_probability(10, 0) == F(10, 11)
    assert throttle_probability(10, 2, F(3, 2)) == F(7, 11)
    assert throttle_probability(10, 2, 1.5) == pytest.approx(7 / 11)


@given(st.lists(st.booleans(), max_size=60), st.integers(1, 20))
@settings(max_examples=100)
def test_throttle_window_counts_the_last_requests(history: list[bool], window: int) -> None:
    throttle = AdaptiveThrottle(window=window)
    for accepted in history:
        throttle.record(accepted)
    last = history[-window:]
    assert (throttle.requests, throttle.accepts) == (len(last), sum(last))
    assert throttle.rejection_probability() == throttle_probability(len(last), sum(last))


def test_compare_budgets_when_the_backend_is_down() -> None:
    runs = compare_budgets(1.0, requests=200)
    assert [run.strategy for run in runs] == list(STRATEGIES)
    assert [run.attempts_per_request for run in runs] == [100.0, 3.0, 1.1, 0.03]
    assert all(run.delivered == 0.0 for run in runs)
    assert runs[2] == BudgetRun("retry budget", 1.0, 1.1, 2, 0.0, 1.1)


def test_compare_budgets_when_the_backend_is_healthy() -> None:
    runs = compare_budgets(0.0, requests=100)
    assert all((r.attempts_per_request, r.delivered, r.most_attempts) == (1.0, 1.0, 1)
               for r in runs)


def test_no_budget_and_limit_meet_their_expectations() -> None:
    runs = compare_budgets(0.5, requests=4000, seed=2)
    assert runs[0].attempts_per_request == pytest.approx(2.0, abs=0.05)
    assert runs[1].attempts_per_request == pytest.approx(float(expected_attempts(F(1, 2), 3)),
                                                         abs=0.05)
    assert runs[1].delivered == pytest.approx(7 / 8, abs=0.02)


def test_throttling_sheds_load_beyond_one_failure_in_k() -> None:
    """With k = 2 the throttle refuses nothing while half the attempts succeed, and
    sends almost nothing when 9 in 10 fail."""
    at_10 = compare_budgets(0.1, requests=1000)[3]
    assert at_10.attempts_per_request == pytest.approx(1 + 0.1 + 0.01, abs=0.03)
    assert compare_budgets(0.9, requests=1000)[3].attempts_per_request < 0.05


@given(st.fractions(min_value=0, max_value=1, max_denominator=20), st.integers(0, 1000),
       st.integers(1, 4))
@settings(max_examples=50)
def test_budgets_bound_attempts(failure: Fraction, seed: int, limit: int) -> None:
    runs = compare_budgets(float(failure), requests=200, limit=limit, ceiling=20, seed=seed)
    none, limited, budgeted, throttled = runs
    assert none.most_attempts <= 20 and none.attempts_per_request <= 20
    assert limited.most_attempts <= limit and throttled.most_attempts <= limit
    assert budgeted.attempts_per_request <= min(limit, 1.1)
    assert all(run.attempts_per_request <= run.bound for run in runs)
    assert budgeted.attempts_per_request <= limited.attempts_per_request


def test_budget_runs_are_fixed_by_the_seed() -> None:
    assert compare_budgets(0.5, requests=300, seed=8) == compare_budgets(0.5, requests=300,
                                                                         seed=8)
    assert compare_budgets(0.5, requests=300, seed=8) != compare_budgets(0.5, requests=300,
                                                                         seed=9)


def test_budget_table_rows() -> None:
    rows = budget_table((0.0, 1.0), requests=50)
    assert [(r.failure, r.strategy) for r in rows] == [
        (f, s) for f in (0.0, 1.0) for s in STRATEGIES]
    assert rows[4:] == compare_budgets(1.0, requests=50)


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "message"), [
    (lambda: delivery_probability(1.5, 2), "delivery_probability: p must lie in [0, 1], not 1.5"),
    (lambda: delivery_probability(F(3, 2), 2),
     "delivery_probability: p must lie in [0, 1], not 1.5"),
    (lambda: delivery_probability(0.5, 0),
     "delivery_probability: attempts must be a positive whole number, not 0"),
    (lambda: attempts_for(0, 0.5), "attempts_for: p must lie in (0, 1], not 0"),
    (lambda: attempts_for(0.5, 1), "attempts_for: target 1 is reached only when p is 1, "
                                   "not 0.5"),
    (lambda: amplification([4, 0]),
     "amplification: each layer's attempts must be a positive whole number, not 0"),
    (lambda: amplification(4),  # type: ignore[arg-type]
     "amplification: attempts_per_layer must be a list of attempt counts, not 4"),
    (lambda: layer_loads([2], 2), "layer_loads: failure must lie in [0, 1], not 2"),
    (lambda: outage_delivery(0, 30, 3, 1), "outage_delivery: availability must lie in (0, 1], "
                                           "not 0"),
    (lambda: outage_delivery(0.9, -1, 3, 1), "outage_delivery: mean_outage must be a positive "
                                             "finite number of seconds, not -1"),
    (lambda: outage_delivery(0.9, 30, 3, 0), "outage_delivery: base must be a positive finite "
                                             "number of seconds, not 0"),
    (lambda: outage_delivery_exact(0.9, 30, [-1]),
     "outage_delivery_exact: each gap must be a non-negative finite number of seconds, not -1"),
    (lambda: outage_table(bases=1.0),  # type: ignore[arg-type]
     "outage_table: bases must be a list of backoff bases, not 1.0"),
    (lambda: RetryBudget(2), "RetryBudget: ratio must lie in [0, 1], not 2"),
    (lambda: RetryBudget(0.1, reserve=-1),
     "RetryBudget: reserve must be a whole number, 0 or more, not -1"),
    (lambda: throttle_probability(5, 6),
     "throttle_probability: accepts must not exceed requests (5), not 6"),
    (lambda: throttle_probability(5, 1, 0), "throttle_probability: k must be a positive "
                                            "finite number of requests per accept, not 0"),
    (lambda: AdaptiveThrottle(window=0),
     "AdaptiveThrottle: window must be a positive whole number, not 0"),
    (lambda: compare_budgets(-0.1), "compare_budgets: failure must lie in [0, 1], not -0.1"),
    (lambda: compare_budgets(0.5, limit=0),
     "compare_budgets: limit must be a positive whole number, not 0"),
    (lambda: compare_budgets(0.5, seed="x"),  # type: ignore[arg-type]
     "compare_budgets: seed must be an integer, not 'x'"),
    (lambda: budget_table(0.5),  # type: ignore[arg-type]
     "budget_table: failures must be a list of failure fractions, not 0.5"),
])
def test_bad_input_is_a_theory_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(TheoryError) as raised:
        call()
    assert str(raised.value) == message
