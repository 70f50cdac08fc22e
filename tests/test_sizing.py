"""Def 2.3.1 and Principle 2.3.1: granularity, bounds and their arithmetic
(msatheory.design.sizing)."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.design.boundary import DataModel, Design, Function, Interface, ServiceSpec
from msatheory.design.sizing import (
    GRANULARITY,
    Bounds,
    check_granularity,
    feasible,
    granularity,
    infeasible_sizes,
    service_counts,
)
from msatheory.design.strategies import bounds
from msatheory.errors import TheoryError

GENERATED = settings(max_examples=300)

PAY = Function("pay", "billing")

REFUND = Function("refund", "billing")

def test_granularity_is_the_sympy_sum():
    spec = ServiceSpec("s", [PAY, REFUND], [Interface("api", "billing")],
                       [DataModel("Payment", "billing")])
    symbols = [sp.Symbol(n, integer=True, nonnegative=True)
               for n in ("|B(s)|", "|I(s)|", "|D(s)|")]
    assert granularity(spec) == 4 == GRANULARITY.subs(dict(zip(symbols, (2, 1, 1), strict=True)))
    assert GRANULARITY.free_symbols == set(symbols)

@given(st.integers(min_value=1, max_value=200), bounds)
@GENERATED
def test_service_counts_are_the_exact_covers(size, bounds):
    counts = service_counts(size, bounds)
    brute = [k for k in range(1, size + 1)
             if k * bounds.merge_below <= size <= k * bounds.split_above]
    assert list(counts) == brute
    assert feasible(size, bounds) is bool(brute)

@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [(3, 20, [1, 2]), (3, 4, [1, 2, 5]), (5, 6, [1, 2, 3, 4, 7, 8, 9, 13, 14, 19]),
     (1, 1, []), (1, 9, [])],
)
def test_infeasible_sizes(lo, hi, expected):
    bounds = Bounds(lo, hi)
    assert infeasible_sizes(bounds) == expected
    assert all(feasible(w, bounds) for w in range(max(expected, default=0) + 1, 400))

def test_bounds_are_validated():
    with pytest.raises(TheoryError, match="merge_below \\(5\\) exceeds split_above \\(4\\)"):
        Bounds(5, 4)
    with pytest.raises(TheoryError,
                       match=r"Bounds: split_above must be a positive whole number, not 2\.5"):
        Bounds(3, 2.5)
    with pytest.raises(TheoryError, match="infinitely many"):
        infeasible_sizes(Bounds(4, 4))

@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: service_counts(-1),
         r"service_counts: size must be a whole number, 0 or more, not -1"),
        (lambda: service_counts(2.5), r"service_counts: size must be .*, not 2\.5"),
        (lambda: service_counts(5, (3, 20)),
         r"service_counts: bounds must be a Bounds, not \(3, 20\)"),
        (lambda: feasible(True), r"feasible: size must be a whole number, 0 or more, not True"),
        (lambda: feasible(5, None), r"feasible: bounds must be a Bounds, not None"),
        (lambda: infeasible_sizes("3-20"),
         r"infeasible_sizes: bounds must be a Bounds, not '3-20'"),
        (lambda: Bounds().within(-2), r"Bounds.within: size must be a whole number, 0 or more"),
        (lambda: Bounds().within(3.0), r"Bounds.within: size must be .*, not 3\.0"),
        (lambda: Bounds(0, 20), r"Bounds: merge_below must be a positive whole number, not 0"),
    ],
)
def test_every_numeric_parameter_is_validated(call, message):
    with pytest.raises(TheoryError, match=message):
        call()

def test_check_granularity_names_services_outside_bounds():
    design = Design([
        ServiceSpec("tiny", [PAY]),
        ServiceSpec("big", [Function(f"f{i}", "sales") for i in range(21)]),
        ServiceSpec("fine", [Function(f"g{i}", "stock") for i in range(3)]),
    ])
    verdict = check_granularity(design)
    assert [str(w) for w in verdict.witnesses] == [
        "service too coarse: G(big) = 21 > 20",
        "service too fine: G(tiny) = 1 < 3; no cut can bring billing (1 element) within bounds",
    ]
    assert check_granularity(design, Bounds(1, 21)).holds
