"""Chapter 2's exercises on answers a learner really writes: one that raises, one that loops
forever, one of the wrong type or arity, and one that mutates what it is given."""

from __future__ import annotations

import sympy as sp

from msatheory.design.boundary import Boundary, Design, ServiceSpec
from msatheory.exercises import check
from msatheory.exercises.design import RETAILER_FUNCTIONS, narrowest
from solutions.design import add_function, hand_cut


def test_the_narrowest_gapless_bounds_are_found_by_counting():
    assert [narrowest(low) for low in range(1, 7)] == [1, 3, 5, 7, 9, 11]


def test_an_answer_that_raises_gets_its_error_not_a_traceback():
    def broken(boundary, service, function):
        raise KeyError(service)

    feedback = check("2.add-function", broken)
    assert not feedback.passed
    assert "raised KeyError: 's0'" in str(feedback)


def test_an_answer_that_loops_forever_is_stopped():
    def forever(service, bounds):
        parts = [service]
        while parts:
            parts.append(service)
        return parts

    feedback = check("2.split-service", forever)
    assert not feedback.passed and "did not return" in feedback.lines[0]
    assert "ran more than" in str(feedback)


def test_wrong_types_and_arities_stop_at_the_first_steps():
    assert check("2.split-service", [ServiceSpec("x")]).step == ("type", 1)
    assert check("2.add-function", lambda boundary: boundary).step == ("shape", 2)
    assert check("2.no-gaps", 9).step == ("type", 1)
    assert check("2.no-gaps", sp.Integer(9)).step == ("shape", 2)
    assert check("2.untangle-orders", list(RETAILER_FUNCTIONS)).step == ("type", 1)


def test_a_rational_answer_is_not_a_whole_number_of_elements():
    g_min = sp.Symbol("g_min")
    feedback = check("2.no-gaps", sp.Rational(3, 2) * g_min)
    assert "whole number" in feedback.lines[0]


def test_a_design_with_foreign_elements_fails_the_shape_step():
    extra = Design([*hand_cut().services, ServiceSpec("audit", [RETAILER_FUNCTIONS[2]])])
    assert check("2.cut-the-shop", extra).step == ("shape", 2)


def test_the_solutions_do_not_change_their_input():
    boundary = Boundary({"s0": [RETAILER_FUNCTIONS[0]], "s1": []})
    after = add_function(boundary, "s1", RETAILER_FUNCTIONS[0])
    assert repr(boundary) == "Boundary({s0: {place order}, s1: {}})"
    assert repr(after) == "Boundary({s0: {}, s1: {place order}})"
