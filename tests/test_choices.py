"""Chapter 3 (msatheory.discovery.choices): balls into bins, one random choice against two."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msatheory.discovery.choices import gonnet_max_load, max_load, max_load_estimate
from msatheory.errors import TheoryError


def test_two_choices_lower_the_max_load():
    one, two = max_load(10_000, 10_000, 1, seed=0), max_load(10_000, 10_000, 2, seed=0)
    assert two < one
    assert two <= max_load(10_000, 10_000, 1, seed=1)
    assert max_load(10_000, 10_000, 2, seed=0) == two  # deterministic
    assert max_load(0, 3, 2, seed=0) == 0 and max_load(7, 1, 3, seed=0) == 7
@given(balls=st.integers(0, 60), bins=st.integers(1, 10), choices=st.integers(1, 3),
       seed=st.integers(0, 5))
def test_max_load_lies_between_the_average_and_all(balls, bins, choices, seed):
    assert -(-balls // bins) <= max_load(balls, bins, choices, seed) <= balls


def test_max_load_estimate_is_the_leading_term():
    assert max_load_estimate(10_000, 1) == pytest.approx(math.log(1e4) / math.log(math.log(1e4)))
    assert max_load_estimate(10_000, 2) == pytest.approx(math.log(math.log(1e4)) / math.log(2))
    assert max_load_estimate(10_000, 3) < max_load_estimate(10_000, 2) < max_load_estimate(
        10_000, 1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: max_load(10, 0, 2, 0),
         "^max_load: n_bins must be a positive whole number, not 0$"),
        (lambda: max_load(10, 5, 0, 0),
         "^max_load: choices must be a positive whole number, not 0$"),
        (lambda: max_load(-1, 5, 1, 0),
         "^max_load: n_balls must be a whole number, 0 or more, not -1$"),
        (lambda: max_load(10, 5, 1, None), "^max_load: seed must be an integer, not None$"),
        (lambda: max_load_estimate(2, 2),
         "^max_load_estimate: n must be a whole number of at least 3, not 2$"),
        (lambda: max_load_estimate(100, True),
         "^max_load_estimate: choices must be a positive whole number, not True$"),
    ],
)
def test_balls_into_bins_bad_input_is_named(call, message):
    with pytest.raises(TheoryError, match=message):
        call()


@pytest.mark.parametrize("n", [3, 10, 1_000, 100_000, 10**9])
def test_gonnet_inverts_the_gamma_function(n):
    assert math.gamma(gonnet_max_load(n) + 1.5) == pytest.approx(n, rel=1e-9)


def test_gonnet_is_within_a_ball_of_the_mean_of_runs_where_the_leading_term_is_not():
    runs = [max_load(10_000, 10_000, 1, seed) for seed in range(8)]
    mean = sum(runs) / len(runs)
    assert abs(mean - gonnet_max_load(10_000)) < 1
    assert mean - max_load_estimate(10_000, 1) > 2
