"""Chapter 1's exercises on answers a learner really writes: one that raises, one that
loops forever, one of the wrong type or shape, and one that returns the right names in
the wrong container."""

from __future__ import annotations

import sympy as sp

from msatheory.exercises import check
from msatheory.exercises.exercise import STEP_BUDGET


def test_a_function_is_asked_for_by_its_signature():
    feedback = check("1.blast-radius", {"s0": set()})
    assert not feedback.passed and feedback.step == ("type", 1)
    assert feedback.lines[0].endswith("expected a function blast_radius(arch, service), got dict")


def test_a_function_with_the_wrong_arguments_fails_the_shape_step():
    feedback = check("1.scale", lambda platform, n: None)
    assert feedback.step == ("shape", 2)
    assert "must take 3 arguments, (platform, service, n)" in feedback.lines[0]


def test_an_answer_that_raises_gets_its_error_not_a_traceback():
    def scale(platform, service, n):
        raise ValueError("not today")

    feedback = check("1.scale", scale)
    assert feedback.step == ("behaviour", 3)
    assert "your scale raised ValueError: not today" in feedback.lines[0]
    assert "scale(platform, 'orders', 0)" in str(feedback)


def test_an_answer_that_loops_forever_is_stopped_by_its_budget():
    def blast_radius(arch, service):
        while True:
            pass

    feedback = check("1.blast-radius", blast_radius)
    assert not feedback.passed
    assert f"ran more than {STEP_BUDGET:,} operations" in str(feedback)


def test_the_right_names_in_a_list_are_told_to_be_a_set():
    def blast_radius(arch, service):
        return []

    feedback = check("1.blast-radius", blast_radius)
    assert "list [], not a set of names" in str(feedback)


def test_a_repair_outside_the_architecture_is_named_as_such():
    feedback = check("1.best-repair", lambda arch, service, reliability: "payments")
    assert "'payments', not a service of the architecture" in str(feedback)


def test_a_derivation_with_a_stray_symbol_fails_the_shape_step():
    d, n = sp.symbols("d n")
    feedback = check("1.extra-nine", d / 10 + n)
    assert feedback.step == ("shape", 2)
    assert "found the symbols d, n" in feedback.lines[0]


def test_a_share_in_floats_is_accepted_when_it_is_right():
    k, d = sp.symbols("k d", positive=True, integer=True)
    assert check("1.extra-nine", (1 - (1 - sp.Float(0.1) ** (k + 1)) ** d) * 10**k).passed
