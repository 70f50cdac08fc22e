"""The corrected OptimizeGranularity (msatheory.design.optimizer): properties on generated
designs, and what it does to small ones."""

from __future__ import annotations

from hypothesis import given, settings

from msatheory.design.boundary import (
    DataModel,
    Design,
    Function,
    Interface,
    ServiceSpec,
    check_separation,
    check_single_responsibility,
)
from msatheory.design.optimizer import optimize
from msatheory.design.sizing import (
    Bounds,
    check_granularity,
    domain_sizes,
    feasible,
    granularity,
)
from msatheory.design.strategies import bounds, designs

GENERATED = settings(max_examples=300)

PAY = Function("pay", "billing")

REFUND = Function("refund", "billing")

def _held(design: Design) -> list:
    return [e for s in design.services for e in s.elements]

@GENERATED
@given(designs(max_functions=60), bounds)
def test_optimize_loses_and_duplicates_nothing(design, bounds):
    held = _held(optimize(design, bounds))
    assert len(held) == len(set(held))
    assert set(held) == design.elements

@GENERATED
@given(designs(max_functions=60), bounds)
def test_optimize_keeps_2_1_1_and_lands_within_bounds_when_feasible(design, bounds):
    result = optimize(design, bounds)
    assert check_separation(result).holds
    assert check_single_responsibility(result).holds
    sizes = domain_sizes(result)
    for spec in result.services:
        (domain,) = spec.domains
        assert bounds.within(granularity(spec)) or not feasible(sizes[domain], bounds)
    if all(feasible(n, bounds) for n in sizes.values()):
        assert check_granularity(result, bounds).holds

@GENERATED
@given(designs(max_functions=60), bounds)
def test_optimize_is_idempotent(design, bounds):
    once = optimize(design, bounds)
    assert optimize(once, bounds) == once

@GENERATED
@given(designs(max_functions=60, shared=False), bounds)
def test_optimize_keeps_every_service_that_already_conforms(design, bounds):
    result = optimize(design, bounds)
    for spec in design.services:
        if len(spec.domains) == 1 and bounds.within(granularity(spec)):
            assert spec in result.services

def test_optimize_cuts_a_coarse_service_into_balanced_domain_services():
    shop = Design([ServiceSpec(
        "shop",
        [Function(f"sell{i}", "sales") for i in range(30)] + [PAY, REFUND],
        [Interface("orders-api", "sales")],
        [DataModel("Order", "sales"), DataModel("Payment", "billing")],
    )])
    result = optimize(shop)
    assert [(s.name, granularity(s)) for s in result.services] == [
        ("sales", 16), ("sales-2", 16), ("shop-billing", 3)
    ]
    assert result.service("shop-billing").data_models == (DataModel("Payment", "billing"),)
    assert all(s.functions for s in result.services)

def test_optimize_does_not_reuse_a_taken_name():
    design = Design([
        ServiceSpec("sales", [Function(f"a{i}", "billing") for i in range(3)]),
        ServiceSpec("x", [Function("b", "sales")]),
        ServiceSpec("y", [Function("c", "sales"), Function("d", "sales")]),
    ])
    assert [s.name for s in optimize(design).services] == ["sales", "sales-2"]

def _first_free(bases: list[str]) -> list[str]:
    """The naming rule as specified, searched from 1 every time: ``base``, else the first
    free ``base-n``."""
    names: list[str] = []
    taken: set[str] = set()
    for base in bases:
        n, name = 1, base
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        names.append(name)
        taken.add(name)
    return names

def test_optimize_names_the_shop_as_before():
    from msatheory.design.examples import shop_design

    assert [s.name for s in optimize(shop_design()).services] == [
        "shop-catalog", "shop-customer", "shop-inventory", "shop-ordering", "shop-payment",
        "shop-shipping",
    ]

def test_optimize_names_a_large_design_by_the_first_free_suffix():
    """3,000 one-element sales services around kept services whose names collide with the
    sales-n sequence: the counter per base name gives the names the rule specifies."""
    kept = [ServiceSpec("sales-2", [Function("audit", "audit")]),
            ServiceSpec("sales-7", [Function("ledger", "ledger")]),
            ServiceSpec("sales", [Function("tax", "tax")])]
    sales = ServiceSpec("shop", [Function(f"sell{i:04}", "sales") for i in range(3000)])
    result = optimize(Design([*kept, sales]), Bounds(1, 1))
    names = [s.name for s in result.services]
    assert sorted(names) == sorted(_first_free(["sales-2", "sales-7", "sales", *["sales"] * 3000]))
    assert {"sales-3", "sales-6", "sales-8", "sales-3003"} <= set(names)
    assert len(set(names)) == len(names) == 3003
