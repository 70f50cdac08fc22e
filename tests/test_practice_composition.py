"""Patterns 8.1.1-8.1.3 as compositions: the chain's sum, the fan-out's maximum, the proxy's
extra hop, against scipy's distributions and against the simulations they are built on; and
the fast replay against the simulation it replays."""

from __future__ import annotations

import math

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats  # type: ignore[import-untyped, unused-ignore]

from msatheory.basics.availability import serial
from msatheory.communication.patterns import SERVICE_LATENCY, Hop, synchronous_chain
from msatheory.errors import TheoryError
from msatheory.gateway.aggregation import Latency
from msatheory.practice.composition import (
    PATTERNS,
    CompositionReport,
    Measured,
    chain_latency,
    expected_availability,
    expected_latency,
    fan_out_latency,
    hops,
    measure,
    proxied,
    simulate_composition,
)
from msatheory.sim import nearest_rank

Z = 4.0  # a 4-sigma bound: a correct model fails it with probability < 1e-4
SLOW = Latency(fast=0.01, slow=1.0, p=0.01)  # Dean and Barroso's 1% of calls a second late
QUANTILES = (0.5, 0.9, 0.99, 0.999)


def mixture_cdf(call: Latency, t: float) -> float:
    """One call's distribution, written out again for the tests."""
    fast = 1 - math.exp(-t / call.fast) if t > 0 else 0.0
    late = 1 - math.exp(-(t - call.slow) / call.fast) if t > call.slow else 0.0
    return (1 - call.p) * fast + call.p * late


# -- closed forms against scipy --------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 5, 10, 20, 100])
@pytest.mark.parametrize("q", QUANTILES)
def test_the_chain_quantile_is_erlangs(n: int, q: float) -> None:
    assert chain_latency(n, 0.01, q=q) == pytest.approx(
        stats.gamma(n, scale=0.01).ppf(q), rel=1e-9)


@pytest.mark.parametrize("n", [1, 2, 5, 10, 20, 100])
@pytest.mark.parametrize("q", QUANTILES)
def test_the_fan_out_quantile_is_the_maximums(n: int, q: float) -> None:
    expected = stats.expon(scale=0.01).ppf(q ** (1 / n))
    assert fan_out_latency(n, 0.01, q=q) == pytest.approx(expected, rel=1e-12)
    assert fan_out_latency(n, 0.01, q=q) == pytest.approx(-0.01 * math.log(1 - q ** (1 / n)))


@pytest.mark.parametrize("n", [1, 2, 5, 10, 20])
def test_the_means_are_n_m_and_the_harmonic_number(n: int) -> None:
    assert chain_latency(n, 0.01) == pytest.approx(n * 0.01)
    assert fan_out_latency(n, 0.01) == pytest.approx(
        0.01 * float(sympy.harmonic(n)), rel=1e-14)
    maximum = integrate.quad(lambda t: 1 - (1 - math.exp(-t / 0.01)) ** n, 0, 2)[0]
    assert fan_out_latency(n, 0.01) == pytest.approx(maximum, rel=1e-9)


@pytest.mark.parametrize("call", [SLOW, Latency(0.01, 0.005, 0.3), Latency(0.02, 0.5, 0.5),
                                  Latency(0.01, 1.0, 1.0)])
@pytest.mark.parametrize("n", [1, 2, 5, 20])
def test_with_a_slow_share_the_fan_out_mean_is_the_integral_of_its_tail(
        call: Latency, n: int) -> None:
    tail = integrate.quad(lambda t: 1 - mixture_cdf(call, t) ** n, 0, call.slow)[0]
    tail += integrate.quad(lambda t: 1 - mixture_cdf(call, t) ** n, call.slow, 50,
                           limit=200)[0]
    assert fan_out_latency(n, call) == pytest.approx(tail, rel=1e-9)
    assert chain_latency(n, call) == pytest.approx(n * (call.fast + call.p * call.slow))


@pytest.mark.parametrize("n", [1, 2, 5, 20])
@pytest.mark.parametrize("q", QUANTILES)
def test_with_a_slow_share_the_fan_out_quantile_inverts_f_to_the_n(n: int, q: float) -> None:
    t = fan_out_latency(n, SLOW, q=q)
    assert isinstance(t, float)
    assert mixture_cdf(SLOW, t) ** n == pytest.approx(q, abs=1e-9)


@pytest.mark.parametrize("n", [1, 3, 10])
@pytest.mark.parametrize("q", QUANTILES)
def test_the_chain_quantile_with_a_slow_share_is_a_binomial_mixture_of_erlangs(
        n: int, q: float) -> None:
    call = Latency(0.01, 0.05, 0.2)
    t = chain_latency(n, call, q=q)
    mixture = sum(stats.binom(n, call.p).pmf(k) * stats.gamma(n, loc=k * call.slow,
                                                            scale=call.fast).cdf(t)
                  for k in range(n + 1))
    assert mixture == pytest.approx(q, abs=1e-9)
    every_call_slow = Latency(0.01, 0.05, 1.0)
    assert chain_latency(n, every_call_slow, q=q) == pytest.approx(
        n * 0.05 + stats.gamma(n, scale=0.01).ppf(q), rel=1e-9)


def test_the_tail_at_scale_in_the_fan_out_p99() -> None:
    # one call in 100 slow: a single call's p98 is fast, two calls' p99 are slow
    assert fan_out_latency(1, SLOW, q=0.98) < 0.1 < 1.0 < fan_out_latency(2, SLOW, q=0.99)


# -- symbols ---------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern", [chain_latency, fan_out_latency])
def test_a_slow_share_equal_to_the_tail_sets_the_quantile_at_the_slow_delay(pattern) -> None:
    # One call, 1% of calls slow: P(T > t) = 0.99 e^(-t/m) + 0.01 > 0.01 before the delay,
    # so the p99 lies at it. In binary 1 - 0.99 exceeds 0.01 by 9e-18, which used to put
    # the p99 at 393 ms, in the fast calls' tail.
    assert pattern(1, Latency(0.01, 1.0, 0.01), q=0.99) == pytest.approx(1.0, abs=1e-12)
    assert pattern(1, Latency(0.01, 1.0, 0.02), q=0.98) == pytest.approx(1.0, abs=1e-12)
    # Just off the tie, the quantile leaves the delay on the side the shares say.
    assert pattern(1, Latency(0.01, 1.0, 0.0099), q=0.99) < 0.1
    assert pattern(1, Latency(0.01, 1.0, 0.0101), q=0.99) > 1.0


def test_symbols_give_the_formulas() -> None:
    n, m = sympy.symbols("n m", positive=True)
    q = sympy.Rational(99, 100)
    assert chain_latency(n, m) == n * m
    assert fan_out_latency(n, m) == m * sympy.harmonic(n)
    quantile = sympy.sympify(fan_out_latency(n, m, q=q))
    assert sympy.simplify(quantile + m * sympy.log(1 - q ** (1 / n))) == 0
    assert float(quantile.subs({n: 5, m: sympy.Rational(1, 100)})) == pytest.approx(
        fan_out_latency(5, 0.01, q=0.99))
    assert chain_latency(3, m) == 3 * m
    assert chain_latency(n, SLOW) == n * sympy.Rational(1, 50)


def test_symbols_without_a_closed_form_are_refused() -> None:
    n = sympy.Symbol("n", positive=True)
    with pytest.raises(TheoryError, match="chain_latency: a chain's quantile has no closed"):
        chain_latency(n, 0.01, q=0.99)
    with pytest.raises(TheoryError, match="fan_out_latency: with a slow share"):
        fan_out_latency(n, SLOW)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: chain_latency(0), "chain_latency: n must be a positive whole number, not 0"),
    (lambda: fan_out_latency(2, -0.01), "fan_out_latency: latency must be a positive"),
    (lambda: fan_out_latency(2, 0.01, q=1), r"fan_out_latency: q must lie in \[0, 1\), not 1"),
    (lambda: chain_latency(2, q=1.5), r"chain_latency: q must lie in \[0, 1\], not 1.5"),
    (lambda: simulate_composition("ring", 2), "simulate_composition: pattern must be one of"),
    (lambda: simulate_composition("chain", 2, availability=2),
     r"simulate_composition: availability must lie in \[0, 1\], not 2"),
    (lambda: measure("ring", 2, SLOW, 0.9), "measure: pattern must be one of chain, fan-out"),
    (lambda: measure("chain", 2, 0.01, 0.9),  # type: ignore[arg-type]
     "measure: call must be a Latency"),
    (lambda: hops("proxy", 0), "hops: n must be a positive whole number"),
    (lambda: proxied(-1, 0.9, 0.001, 0.99), "proxied: latency must be a non-negative"),
    (lambda: proxied(0.01, 1.5, 0.001, 0.99), "serial: each availability must lie in"),
])
def test_bad_arguments_are_named(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(TheoryError, match=message):
        call()


# -- properties ------------------------------------------------------------------------------

calls = st.builds(Latency, fast=st.floats(0.001, 0.1), slow=st.floats(0, 2),
                  p=st.floats(0, 1))


@settings(max_examples=40)
@given(call=calls, n=st.integers(1, 12), q=st.sampled_from(QUANTILES))
def test_one_call_is_both_patterns_and_more_calls_wait_longer(
        call: Latency, n: int, q: float) -> None:
    assert chain_latency(1, call) == pytest.approx(fan_out_latency(1, call), rel=1e-9)
    assert chain_latency(1, call, q=q) == pytest.approx(fan_out_latency(1, call, q=q),
                                                        rel=1e-7, abs=1e-12)
    # the maximum of n latencies is at most their sum, and each grows with n
    assert fan_out_latency(n, call) <= chain_latency(n, call) * (1 + 1e-9)
    assert fan_out_latency(n, call, q=q) <= chain_latency(n, call, q=q) * (1 + 1e-7)
    assert fan_out_latency(n + 1, call, q=q) >= fan_out_latency(n, call, q=q)
    assert chain_latency(n + 1, call, q=q) >= chain_latency(n, call, q=q)


# -- the proxy -------------------------------------------------------------------------------

def test_a_proxy_adds_its_latency_and_multiplies_in_its_availability() -> None:
    assert proxied(0.010, 0.999, 0.001, 0.9999) == (pytest.approx(0.011),
                                                    pytest.approx(0.999 * 0.9999))
    m, a, mp, ap = sympy.symbols("m a m_p a_p")
    assert tuple(proxied(m, a, mp, ap)) == (m + mp, a * ap)
    measured = synchronous_chain([Hop("proxy", 0.9999), Hop("orders", 0.999)],
                                 requests=200, seed=0)
    composed = proxied(0.010, 0.999, 0.010, 0.9999)
    assert measured.expected_availability == pytest.approx(composed.availability)
    assert measured.expected_latency == pytest.approx(composed.latency)


# -- measured beside the closed forms --------------------------------------------------------

@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize(("n", "latency"), [(1, 0.01), (5, 0.01), (20, 0.01), (5, SLOW)])
def test_the_simulation_meets_the_closed_forms(pattern: str, n: int,
                                               latency: float | Latency) -> None:
    report = simulate_composition(pattern, n, latency, 0.99, requests=3000, seed=2)
    count = n + 1 if pattern == "proxy" else n
    assert (report.pattern, report.calls, report.hops, report.requests) == (
        pattern, n, count, 3000)
    assert report.expected_availability == pytest.approx(serial([0.99] * count))
    assert abs(report.availability - report.expected_availability) <= (
        Z * report.availability_error)
    assert abs(report.mean - report.expected_mean) <= Z * report.mean_error
    closed = fan_out_latency if pattern == "fan-out" else chain_latency
    assert report.expected_p99 == closed(count, latency, q=0.99)
    assert report.p99 == pytest.approx(report.expected_p99, rel=0.12)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_the_report_keeps_every_answered_latency(pattern: str) -> None:
    report = simulate_composition(pattern, 4, SLOW, 0.99, requests=500, seed=3)
    assert isinstance(report, Measured)
    assert list(report.latencies) == sorted(report.latencies)
    assert report.answered == len(report.latencies) and report.availability == (
        report.answered / 500)
    assert report.mean == math.fsum(report.latencies) / report.answered
    assert (report.p50, report.p99) == (nearest_rank(report.latencies, 50),
                                        nearest_rank(report.latencies, 99))


@pytest.mark.parametrize(("n", "availability", "seed"), [(2, 0.999, 0), (6, 0.99, 4),
                                                          (15, 0.9, 7)])
def test_a_simulated_chain_is_synchronous_chains_run(n: int, availability: float,
                                                      seed: int) -> None:
    """Chapter 5's synchronous_chain over the same hops measures the same numbers, to the
    last bit; a proxy in front of one call fewer runs the same chain."""
    report = simulate_composition("chain", n, SLOW, availability, requests=400, seed=seed)
    chain = synchronous_chain([Hop(f"service-{k}", availability, SLOW) for k in range(n)],
                              requests=400, seed=seed)
    assert (report.mean, report.p99, report.availability) == (
        chain.mean_latency, chain.p99_latency, chain.availability)
    proxy = simulate_composition("proxy", n - 1, SLOW, availability, requests=400, seed=seed)
    assert proxy.latencies == report.latencies


def test_a_proxys_closed_forms_are_a_chain_one_hop_longer() -> None:
    report = simulate_composition("proxy", 5, SLOW, 0.999, requests=1, seed=0)
    composed = proxied(chain_latency(5, SLOW), serial([0.999] * 5),
                       SLOW.fast + SLOW.p * SLOW.slow, 0.999)
    assert report.expected_mean == pytest.approx(composed.latency, rel=1e-12)
    assert report.expected_availability == pytest.approx(composed.availability, rel=1e-12)
    assert report.expected_p99 == chain_latency(6, SLOW, q=0.99)
    expected = expected_latency("proxy", 5, SLOW)
    assert (expected.mean, expected.p99) == (report.expected_mean, report.expected_p99)
    assert expected_availability("proxy", 5, 0.999) == report.expected_availability
    assert [hops(pattern, 5) for pattern in PATTERNS] == [5, 5, 6]


# -- the replay ------------------------------------------------------------------------------

def same(measured: float, simulated: float) -> bool:
    """Equal to the last bit, NaN (no request answered) equal to NaN."""
    return measured == simulated or (math.isnan(measured) and math.isnan(simulated))


@settings(max_examples=40, deadline=None)
@given(pattern=st.sampled_from(PATTERNS), n=st.integers(1, 10),
       call=st.builds(Latency, fast=st.floats(0.001, 0.1), slow=st.floats(0, 2),
                      p=st.sampled_from((0.0, 0.001, 0.01, 0.05, 0.5))),
       availability=st.sampled_from((0.0, 0.5, 0.9, 0.99, 0.999, 1.0)),
       requests=st.integers(1, 300), seed=st.integers(0, 2**32 - 1))
def test_measure_replays_simulate_composition_to_the_last_bit(
        pattern: str, n: int, call: Latency, availability: float, requests: int,
        seed: int) -> None:
    """measure is simulate_composition's run without SimPy: should either change its
    draws, their order or its clock, some latency differs and this fails."""
    run = measure(pattern, n, call, availability, requests=requests, seed=seed)
    report = simulate_composition(pattern, n, call, availability, requests=requests,
                                  seed=seed)
    assert run.latencies == report.latencies
    assert (run.requests, run.hops, run.answered) == (report.requests, report.hops,
                                                      report.answered)
    assert all(same(getattr(run, name), getattr(report, name))
               for name in ("mean", "p50", "p99", "availability"))


def test_the_standard_error_uses_the_exact_spread() -> None:
    chain = simulate_composition("chain", 4, 0.01, 1.0, requests=400, seed=0)
    assert chain.answered == 400
    assert chain.mean_error == pytest.approx(math.sqrt(4) * 0.01 / math.sqrt(400))
    wide = simulate_composition("fan-out", 4, 0.01, 1.0, requests=400, seed=0)
    spread = 0.01 * math.sqrt(sum(1 / k**2 for k in range(1, 5)))  # Rényi
    assert wide.mean_error == pytest.approx(spread / math.sqrt(400))


def test_a_seed_fixes_the_run_and_another_changes_it() -> None:
    one = simulate_composition("fan-out", 3, SLOW, requests=300, seed=5)
    assert one == simulate_composition("fan-out", 3, SLOW, requests=300, seed=5)
    assert one != simulate_composition("fan-out", 3, SLOW, requests=300, seed=6)
    assert isinstance(one, CompositionReport)


def test_nothing_answers_when_no_call_does() -> None:
    for pattern in PATTERNS:
        report = simulate_composition(pattern, 2, availability=0.0, requests=50, seed=0)
        assert report.answered == 0 and report.availability == 0.0
        assert math.isnan(report.mean) and math.isnan(report.p99)


def test_chain_against_fan_out_as_n_grows() -> None:
    """The lesson's table: the same n services, the same 10 ms exponential call."""
    mean = SERVICE_LATENCY.fast
    rows = {n: (chain_latency(n, mean), fan_out_latency(n, mean),
                chain_latency(n, mean, q=0.99), fan_out_latency(n, mean, q=0.99))
            for n in (1, 5, 10, 20)}
    assert rows[1][0] == rows[1][1] and rows[1][2] == pytest.approx(rows[1][3])
    for n in (5, 10, 20):
        chain_mean, wide_mean, chain_p99, wide_p99 = rows[n]
        assert chain_mean == pytest.approx(n * mean)
        assert wide_mean < math.log(n) * mean + mean  # H_n <= ln n + 1
        assert wide_p99 < chain_p99
    # the chain's p99 grows about linearly; the fan-out's by about ln n
    assert rows[20][2] / rows[10][2] > 1.6 and rows[20][3] - rows[10][3] == pytest.approx(
        mean * math.log(2), rel=0.01)
