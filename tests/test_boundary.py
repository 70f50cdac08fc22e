"""Principle 2.1.1, Def 2.1.1 and Theorem 2.1.1: designs, boundaries, separation and
single responsibility (msatheory.design.boundary)."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.design.boundary import (
    Boundary,
    DataModel,
    Design,
    Function,
    Interface,
    ServiceSpec,
    check_separation,
    check_single_responsibility,
)
from msatheory.design.strategies import designs
from msatheory.errors import TheoryError

GENERATED = settings(max_examples=300)

PAY = Function("pay", "billing")

REFUND = Function("refund", "billing")

ORDER = Function("order", "sales")

def test_boundary_maps_each_service_to_its_functions():
    design = Design([ServiceSpec("billing", [PAY, REFUND]), ServiceSpec("orders", [ORDER])])
    assert dict(design.boundary) == {"billing": {PAY, REFUND}, "orders": {ORDER}}
    assert repr(design.boundary) == "Boundary({billing: {pay, refund}, orders: {order}})"
    with pytest.raises(TheoryError, match="no service 'cart'"):
        design.boundary["cart"]

def test_from_owners_builds_the_fibres_of_the_owner_map():
    b = Boundary.from_owners({PAY: "billing", REFUND: "billing", ORDER: "orders"}, ["idle"])
    assert dict(b) == {"billing": {PAY, REFUND}, "idle": frozenset(), "orders": {ORDER}}

@GENERATED
@given(st.dictionaries(st.builds(Function, st.sampled_from("abcdefgh"), st.just("d")),
                       st.sampled_from(["s1", "s2", "s3"])))
def test_from_owners_builds_fibres_so_the_checker_finds_no_claim_twice(owner):
    """A test of the code: that fibres are disjoint is the definition of a function, so
    what can fail here is from_owners or check_separation, not Theorem 2.1.1."""
    b = Boundary.from_owners(owner)
    assert b.owners() == {f: (s,) for f, s in sorted(owner.items())}
    assert check_separation(b).holds

@GENERATED
@given(designs())
def test_separation_witnesses_are_exactly_the_functions_claimed_twice(design):
    claims = Counter(f for s in design.services for f in s.functions)
    twice = {f.name for f, n in claims.items() if n > 1}
    verdict = check_separation(design)
    assert {w.detail.split(" is in ")[0] for w in verdict.witnesses} == twice
    for w in verdict.witnesses:
        name = w.detail.split(" is in ")[0]
        assert set(w.involves) == {s.name for s in design.services
                                   if name in {f.name for f in s.functions}}
    assert verdict.holds is (not twice)

@GENERATED
@given(designs())
def test_single_responsibility_witnesses_are_exactly_the_multi_domain_services(design):
    verdict = check_single_responsibility(design)
    assert {w.involves[0] for w in verdict.witnesses} == {
        s.name for s in design.services if len({e.domain for e in s.elements}) > 1
    }
    for w in verdict.witnesses:
        assert w.involves[1:] == tuple(sorted(design.service(w.involves[0]).domains))

def test_verdict_texts():
    design = Design([ServiceSpec("shop", [PAY, ORDER]), ServiceSpec("billing", [PAY])])
    assert str(check_separation(design)).splitlines() == [
        "Theorem 2.1.1 Separation of responsibilities (职责分离): violated. 2 services; "
        "functions claimed by more than one: 1.",
        "  - function claimed twice: pay is in B(billing), B(shop)",
    ]
    assert str(check_single_responsibility(design)).splitlines()[1] == (
        "  - service spans several domains: shop holds billing (pay); sales (order)"
    )

@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Function("", "d"), "function: name must be a non-empty string"),
        (lambda: Function("f", None), "function 'f': domain must be a non-empty string"),
        (lambda: Function("f", "d", priority="high"),
         "function 'f': priority must be an integer, not 'high'"),
        (lambda: Function("f", "d", priority=True),
         "function 'f': priority must be an integer, not True"),
        (lambda: Interface("i", " "), "interface 'i': domain"),
        (lambda: DataModel(3, "d"), "data model: name"),
        (lambda: ServiceSpec("s", [PAY, PAY]), "service 's': functions lists 'pay' twice"),
        (lambda: ServiceSpec("s", "pay"), "service 's': functions must be a list"),
        (lambda: ServiceSpec("s", [ORDER], [PAY]), "interfaces holds .*not an Interface"),
        (lambda: Design([ServiceSpec("s"), ServiceSpec("s")]),
         "design 'design': services lists 's' twice"),
        (lambda: Design(["s"]), "design 'design': services holds 's', not a ServiceSpec"),
        (lambda: check_separation("s"), "check_separation: design must be a Boundary, not 's'"),
        (lambda: check_single_responsibility(None),
         "check_single_responsibility: design must be a Design, not None"),
        (lambda: Design([ServiceSpec("a", [PAY]), ServiceSpec("b", [Function("pay", "sales")])]),
         "Function 'pay' is .* in service 'a' but .* in 'b'"),
        (lambda: Design([]).service("x"), "has no service 'x' \\(it has: none\\)"),
        (lambda: Boundary({"s": ["pay"]}), "B\\(s\\) holds 'pay', not a Function"),
    ],
)
def test_bad_input_is_named(build, message):
    with pytest.raises(TheoryError, match=message):
        build()


def test_a_priority_is_any_integer_as_in_the_sketch():
    assert Function("f", "d", -1).priority == -1
    assert Function("f", "d") < Function("f", "d", 1)
