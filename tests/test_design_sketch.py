"""The theory's Go ServiceDesign sketch as written (msatheory.design.sketch)."""

from __future__ import annotations

import pytest

from msatheory.design.boundary import Design, Function, ServiceSpec
from msatheory.design.optimizer import optimize
from msatheory.design.sizing import check_granularity, granularity
from msatheory.design.sketch import SketchServiceDesign, SketchWithNaiveMerge
from msatheory.errors import TheoryError

PAY = Function("pay", "billing")

def _sketch(functions_by_domain: dict[str, int], seed: int = 0, kind=SketchServiceDesign):
    return kind.from_design(Design([ServiceSpec(
        "shop", [Function(f"{d}{i}", d) for d, n in functions_by_domain.items() for i in range(n)]
    )]), seed)

def test_sketch_splits_by_domain_and_drops_the_original():
    sketch = _sketch({"sales": 15, "billing": 6})
    sketch.optimize_granularity()
    assert sorted((s.name, s.granularity) for s in sketch.services.values()) == [
        ("shop_billing", 6), ("shop_sales", 15)
    ]
    assert sketch.validate_single_responsibility() == []

def test_sketch_reports_multi_domain_services_by_name():
    sketch = _sketch({"sales": 2, "billing": 1})
    assert sketch.validate_single_responsibility() == [
        "Service shop violates single responsibility: 2 domains"
    ]
    with pytest.raises(TheoryError, match="service not found: svc-9"):
        sketch.add_function("svc-9", PAY)

def test_sketch_outcome_depends_on_map_order():
    outcomes = set()
    for seed in range(12):
        sketch = _sketch({"sales": 21}, seed)
        sketch.optimize_granularity()
        outcomes.add(tuple(s.name for s in sketch.services.values()))
    assert len(outcomes) > 1
    assert all(len(names) == 1 and names[0].startswith("shop_sales") for names in outcomes)

def test_sketch_is_reproducible_for_a_seed():
    def run(seed):
        sketch = _sketch({"sales": 21, "billing": 2}, seed, SketchWithNaiveMerge)
        for _ in range(4):
            sketch.optimize_granularity()
        return sketch.design()

    assert run(3) == run(3)

def test_naive_merge_oscillates_without_a_fixed_point():
    sketch = SketchWithNaiveMerge.from_design(Design([
        ServiceSpec("a", [Function(f"x{i}", "x") for i in range(2)]),
        ServiceSpec("b", [Function(f"y{i}", "y") for i in range(19)]),
    ]), seed=1)
    shapes = []
    for _ in range(12):
        sketch.optimize_granularity()
        shapes.append(tuple(sorted(s.granularity for s in sketch.services.values())))
    assert set(shapes) == {(21,), (2, 19)}
    assert check_granularity(optimize(sketch.design())).holds is False  # x has 2 elements
    assert [granularity(s) for s in optimize(sketch.design()).services] == [2, 19]

def test_errata_count_the_split_root_cause_once_and_the_declared_stub_not_at_all():
    from msatheory.design import ERRATA, STUBS

    assert [e.key for e in ERRATA] == ["2.split", "2.split-drops", "2.separation"]
    (merge,) = STUBS
    assert merge.key == "2.merge" and "简化实现" in merge.declared
    assert merge.modelled_by == "msatheory.design.optimizer.optimize"
    counterexample = ERRATA[0].demonstrate()
    assert "after one call" in counterexample.expected and "fixed point" in counterexample.expected
    assert counterexample.observed.startswith("G = 21 after every call; named shop_sales;")


def test_the_declared_merge_stub_leaves_small_services_as_they_are():
    sketch = SketchServiceDesign.from_design(Design([
        ServiceSpec("s0", [Function("a", "sales")]),
        ServiceSpec("s1", [Function("b", "sales"), Function("c", "sales")]),
    ]))
    sketch.optimize_granularity()
    assert sorted(s.granularity for s in sketch.services.values()) == [1, 2]
    assert [granularity(s) for s in optimize(sketch.design()).services] == [3]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: _errata().shop([21, -1]), r"shop: every count of functions must be a whole"),
        (lambda: _errata().shop([1, 2, 3, 4]), r"shop: functions gives at most 3 counts, not 4"),
        (lambda: _errata().shop(21), r"shop: functions must be a list of ints, not 21"),
        (lambda: _errata().shop([21], interfaces=1.5), r"shop: interfaces must be a whole number"),
        (lambda: _errata().shop([21], data_models=-1), r"shop: data_models must be a whole number"),
        (lambda: _errata().passes(_errata().shop([3]), count=0),
         r"passes: count must be a positive whole number, not 0"),
        (lambda: _errata().passes(_errata().shop([3]), seed=1.5), r"must be an integer|seed"),
        (lambda: _errata().passes("shop"), r"passes: design must be a Design, not 'shop'"),
        (lambda: _strategies().designs(max_services=0),
         r"designs: max_services must be a positive whole number, not 0"),
        (lambda: _strategies().designs(max_functions=-3),
         r"designs: max_functions must be a whole number, 0 or more, not -3"),
        (lambda: SketchServiceDesign(seed="0"), r"seed"),
    ],
)
def test_every_numeric_parameter_of_the_errata_and_strategies_is_validated(call, message):
    with pytest.raises(TheoryError, match=message):
        call()


def _errata():
    from msatheory.design import errata

    return errata


def _strategies():
    from msatheory.design import strategies

    return strategies
