"""Chapter 8's exercises, checked through their own records: every solution passes, every
mutant fails at the step that catches its mistake with the same feedback every time, other
right answers pass, and the oracles behind the checks agree with the chapter's models."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings

from msatheory.basics.model import Architecture, Service
from msatheory.basics.scaling import SPECSDM91, USL, usl_fit
from msatheory.errors import TheoryError
from msatheory.exercises.exercise import KINDS, Feedback
from msatheory.exercises.patterns import (
    CHAIN_CASES,
    EXERCISES,
    FLOW_AVAILABILITY,
    FLOW_LATENCY_BUDGET,
    FLOW_SLOW_SHARE,
    FLOW_TARGET,
    IMAGES,
    LESSON,
    PARTS,
    composed,
    longest_chain,
    pinned_by_model,
)
from msatheory.gateway.aggregation import slow_fraction
from msatheory.practice.composition import chain_latency, fan_out_latency, simulate_composition
from msatheory.practice.detection import SERVICE_MEAN, TAIL_QUANTILE, check_chains
from msatheory.practice.operations import image_version
from solutions.patterns import (
    DEEP,
    EVENTS,
    GATEWAY_FAN_OUT,
    HARD_CHAIN,
    MUTANTS,
    ONE_CALL,
    SOFT_PAYMENT,
    SOLUTIONS,
    THROUGH_GATEWAY,
    chain_by_budget,
    chain_by_logarithms,
    compose,
    compose_free_proxy,
    compose_one_call,
    order_flow,
    pinned,
    pinned_first_colon,
)

ROOT = Path(__file__).resolve().parents[1]
BY_ID = {exercise.id: exercise for exercise in EXERCISES}
n, q, m = sp.symbols("n q m")
alpha, beta = sp.symbols("alpha beta")
_CHECKED: dict[tuple[str, int], tuple[object, Feedback]] = {}


def run(exercise_id: str, answer: object) -> Feedback:
    """The exercise's own steps on ``answer``, as ``msatheory.exercises.check`` runs them,
    without the registry."""
    return BY_ID[exercise_id].check(answer)


def checked(exercise_id: str, answer: object) -> Feedback:
    """:func:`run`, once per answer object in this module: several tests read a mutant's
    feedback."""
    key = (exercise_id, id(answer))
    if key not in _CHECKED:
        _CHECKED[key] = (answer, run(exercise_id, answer))
    return _CHECKED[key][1]


def test_chapter_8_has_its_share_written_the_same_way():
    assert len(EXERCISES) >= 5 and len({e.kind for e in EXERCISES}) >= 3
    assert len(BY_ID) == len(EXERCISES)
    for exercise in EXERCISES:
        assert re.fullmatch(r"8\.[a-z][a-z0-9-]*", exercise.id) and exercise.chapter == 8
        assert exercise.kind in KINDS and exercise.difficulty in (1, 2, 3)
        assert exercise.steps[0].name == "type" and len(exercise.steps) >= 2
        assert exercise.title[0].isupper() and exercise.hint and exercise.task.endswith(".")
        assert exercise.lesson == LESSON
    assert {e.difficulty for e in EXERCISES} == {1, 2, 3}
    assert set(SOLUTIONS) == set(BY_ID) == set(MUTANTS)
    assert all(len(MUTANTS[k]) >= 2 for k in BY_ID)


@pytest.mark.parametrize("exercise_id", sorted(BY_ID))
def test_the_reference_solution_passes(exercise_id):
    feedback = run(exercise_id, SOLUTIONS[exercise_id])
    assert feedback.passed, str(feedback)


def test_each_mutant_fails_at_the_step_that_catches_its_mistake_the_same_way_twice():
    expected = {
        "8.fan-out-quantile": ["at points"] * 5 + ["every value", "shape", "type"],
        "8.longest-chain": ["behaviour"] * 4 + ["a count", "shape"],
        "8.compose-request": ["behaviour"] * 5 + ["a pair", "shape"],
        "8.order-flow": ["chain", "aggregator", "events", "chain", "proxy", "shape", "shape",
                         "shape", "type", "type"],
        "8.pinned-image": ["behaviour"] * 4 + ["a bool", "shape"],
        "8.usl-peak": ["at points"] * 4 + ["every value", "shape", "type"],
    }
    assert set(expected) == set(MUTANTS)
    for exercise_id, answers in MUTANTS.items():
        feedback = [checked(exercise_id, a) for a in answers]
        assert [f.step[0] for f in feedback] == expected[exercise_id], exercise_id
        for answer, first in zip(answers, feedback, strict=True):
            assert not first.passed
            assert str(run(exercise_id, answer)) == str(first)
            assert len(first.lines[0]) > len(f"{exercise_id}: not yet.")
            assert "0x" not in str(first) and len(str(first).splitlines()) <= 15


def test_feedback_names_the_smallest_counterexample():
    one = checked("8.fan-out-quantile", ONE_CALL)
    assert one.failure is not None
    assert one.failure.counterexample == "n = 2, q = 99/100, m = 1/100"
    assert one.failure.expected == ("about 0.0529581, as fan_out_latency(n, m, q=q) gives")
    assert one.failure.observed == "about 0.0460517"
    budget = checked("8.longest-chain", chain_by_budget)
    assert budget.failure is not None
    assert (budget.failure.counterexample, budget.failure.observed) == (
        "availability = 0.9, target = 0.5", "5")
    assert budget.failure.expected == ("6: 0.9^6 = 0.531441 meets it, 0.9^7 = 0.478297 does "
                                       "not")
    slow = checked("8.compose-request", compose_one_call)
    assert slow.failure is not None
    assert (slow.failure.counterexample, slow.failure.expected, slow.failure.observed) == (
        "part = ('fan-out', 2, 0.01, 0.999)", "(0.015, 0.998001), as composed(part) gives",
        "(0.01, 0.998001)")
    free = checked("8.compose-request", compose_free_proxy)
    assert free.failure is not None
    assert free.failure.counterexample == "part = ('proxy', 0.01, 0.999, ('call', 0.01, 0.999))"
    hard = checked("8.order-flow", HARD_CHAIN)
    assert hard.failure is not None and hard.failure.observed == (
        "2 witnesses, the first: chain below target: gateway → orders → payments: "
        "availability 0.999^3 = 0.997003, below the target 0.998")
    deep = checked("8.order-flow", DEEP)
    assert deep.failure is not None and deep.failure.observed.endswith(
        "gateway → orders → payments → stock: mean latency 0.04 s, over the budget 0.03 s")
    wide = checked("8.order-flow", GATEWAY_FAN_OUT)
    assert wide.failure is not None and wide.failure.observed == (
        "1 witness, the first: slow tail (gateway, orders, payments, stock)")
    inside = checked("8.order-flow", THROUGH_GATEWAY)
    assert inside.failure is not None and "pass-through" in inside.failure.observed
    port = checked("8.pinned-image", pinned_first_colon)
    assert port.failure is not None
    assert (port.failure.counterexample, port.failure.observed) == (
        "image = 'registry:5000/orders'", "True")
    assert port.failure.expected.startswith("False (image not pinned)")
    square = checked("8.usl-peak", MUTANTS["8.usl-peak"][0])
    assert square.failure is not None
    assert (square.failure.counterexample, square.failure.expected, square.failure.observed) == (
        "alpha = 1/50, beta = 1/50", "7, as usl_peak_derivation().peak gives", "49")


def test_other_right_answers_pass(tmp_path):
    positive = sp.symbols("n q m t", positive=True)
    pn, pq, pm, t = positive
    for answer in (sp.solve(sp.Eq(1 - sp.exp(-t / pm), pq ** (1 / pn)), t)[0],
                   -m * sp.log(1 - q ** (1.0 / n))):
        assert run("8.fan-out-quantile", answer).passed, answer
    a, b, g, load = sp.symbols("alpha beta gamma N", positive=True)
    x_of_n = g * load / (1 + a * (load - 1) + b * load * (load - 1))
    solved = sp.solve(sp.numer(sp.together(sp.diff(x_of_n, load))), load)
    for answer in (*solved, 1 / sp.sqrt(beta / (1 - alpha)) ** 1.0):
        assert run("8.usl-peak", answer).passed, answer
    assert run("8.longest-chain", chain_by_logarithms).passed
    assert run("8.order-flow", SOFT_PAYMENT).passed
    path = tmp_path / "order-flow.yaml"
    path.write_text(EVENTS, encoding="utf-8")
    assert run("8.order-flow", path).passed and run("8.order-flow", str(path)).passed


def test_answers_that_loop_raise_or_mistype_get_a_message():
    def loops(availability, target):
        while True:
            availability *= availability

    looped = run("8.longest-chain", loops)
    assert looped.step == ("a count", 3) and looped.failure is not None
    assert looped.failure.observed.startswith("ran more than")
    raised = run("8.pinned-image", lambda image: image.split("/")[3] == "x")
    assert raised.step == ("a bool", 3) and raised.failure is not None
    assert raised.failure.observed == "raised IndexError: list index out of range"
    later = run("8.pinned-image", lambda image: image.split(":")[1] != "latest")
    assert later.step == ("behaviour", 4) and later.failure is not None
    assert later.failure.counterexample == "image = 'orders'"
    assert later.failure.observed.startswith("raised IndexError")
    assert run("8.longest-chain", lambda availability, target: 2.0).step == ("a count", 3)
    unreadable = run("8.order-flow", "services:\n  gateway: [")
    assert unreadable.step == ("load", 2) and unreadable.failure is not None
    assert unreadable.failure.message.startswith("the file does not load")
    compose = run("8.order-flow", "services:\n  gateway: {image: acme/gateway:1}\n")
    assert compose.step == ("load", 2)
    missing = run("8.order-flow", ROOT / "no-such-file.yaml")
    assert missing.step == ("load", 2)
    assert run("8.usl-peak", 1 / (alpha - sp.Rational(1, 50))).step == ("at points", 3)
    assert run("8.fan-out-quantile", "-m*log(1 - q**(1/n))").step == ("type", 1)


def test_the_design_constraints_each_rule_out_a_design():
    shapes = {
        "write exactly the services": EVENTS.replace("  stock:", "  inventory:"),
        "must call orders synchronously": order_flow(gateway="subscribes: [order-placed]"),
        "an order must reach payments": order_flow(orders="calls: [stock]"),
    }
    for message, answer in shapes.items():
        feedback = run("8.order-flow", answer)
        assert feedback.step == ("shape", 3) and feedback.failure is not None
        assert message in feedback.failure.message, str(feedback)


# -- the oracles behind the checks ----------------------------------------------------------

def line(k: int) -> Architecture:
    names = [f"s{i}" for i in range(k)]
    return Architecture([*(Service(a, calls=(b,)) for a, b in pairwise(names)),
                         Service(names[-1])])


@pytest.mark.parametrize(("availability", "target"), [
    (0.999, 0.998), (0.9999, 0.999), (0.99, 0.95), (0.9, 0.5), (0.95, 0.9), (0.999, 0.99)])
def test_the_longest_chain_is_the_longest_line_check_chains_passes(availability, target):
    k = longest_chain(availability, target)
    assert check_chains(line(k), availability=availability, target=target).holds
    assert not check_chains(line(k + 1), availability=availability, target=target).holds


@settings(max_examples=60)
@given(CHAIN_CASES)
def test_the_searched_chains_are_counted_exactly(case):
    availability, target = case
    exact_a, exact_t = Fraction(str(availability)), Fraction(str(target))
    k = longest_chain(*case)
    assert exact_a**k >= exact_t > exact_a ** (k + 1)


def test_longest_chain_refuses_what_has_no_answer():
    assert longest_chain(0.9, 0.95) == 0
    for availability, target in ((1, 0.9), (0.9, 0), (1.2, 0.5), ("0.9", 0.5)):
        with pytest.raises(TheoryError, match="longest_chain"):
            longest_chain(availability, target)  # type: ignore[arg-type]


@settings(max_examples=60)
@given(IMAGES)
def test_pinned_by_model_reads_the_reference_as_image_version_does(image):
    _, tag, digest = image_version(image)
    assert pinned_by_model(image) is (bool(digest) or tag not in ("", "latest"))
    assert pinned(image) is pinned_by_model(image)


def test_composed_is_the_chapters_closed_forms():
    wide = simulate_composition("fan-out", 5, 0.01, 0.999, requests=1)
    assert composed(("fan-out", 5, 0.01, 0.999)) == pytest.approx(
        (wide.expected_mean, wide.expected_availability))
    long = simulate_composition("chain", 5, 0.01, 0.999, requests=1)
    assert composed(("chain", [("call", 0.01, 0.999)] * 5)) == pytest.approx(
        (long.expected_mean, long.expected_availability))
    assert composed(("chain", [("call", 0.01, 0.999)] * 5))[0] == pytest.approx(
        chain_latency(5, 0.01))
    assert composed(("proxy", 0.001, 0.9999, ("call", 0.01, 0.999))) == pytest.approx(
        (0.011, 0.9989001))
    bad: object
    for bad in (("call",), ("fan-out", 0, 0.01, 0.9), ("chain", []), "call",
                ("proxy", 0.01, 1.5, ("call", 0.01, 0.9))):
        with pytest.raises(TheoryError, match="composed"):
            composed(bad)  # type: ignore[arg-type]


@settings(max_examples=40)
@given(PARTS)
def test_the_reference_composer_is_the_model(part):
    assert compose(part) == pytest.approx(tuple(composed(part)), rel=1e-12)


def test_pinned_by_model_refuses_what_is_no_reference():
    for image in ("", "  ", None):
        with pytest.raises(TheoryError, match="pinned_by_model"):
            pinned_by_model(image)  # type: ignore[arg-type]


def test_the_models_behind_the_derivations():
    assert fan_out_latency(2, 0.01, q=0.99) == pytest.approx(-0.01 * math.log(1 - 0.99**0.5))
    assert fan_out_latency(1, 0.01, q=0.99) == pytest.approx(-0.01 * math.log(0.01))
    assert USL(1, 0.02, 0.02).peak == 7.0
    assert usl_fit(*zip(*SPECSDM91, strict=True)).peak == pytest.approx(96.52, abs=0.01)


def test_the_flows_budgets_are_as_stated():
    # Pattern 8.1.1: two calls keep p95 fast, three do not
    assert float(slow_fraction(2, FLOW_SLOW_SHARE)) <= 1 - TAIL_QUANTILE
    assert float(slow_fraction(3, FLOW_SLOW_SHARE)) > 1 - TAIL_QUANTILE
    # Pattern 8.1.3: two services reached by hard calls keep the target, three do not
    assert longest_chain(FLOW_AVAILABILITY, FLOW_TARGET) == 2
    assert math.isclose(FLOW_LATENCY_BUDGET, 3 * SERVICE_MEAN)


#: The mutants compared across processes: each exercise's first two, and every design
#: (its witnesses are the feedback most likely to follow a set's order).
ACROSS = {k: range(len(a)) if k == "8.order-flow" else range(2) for k, a in MUTANTS.items()}


def test_feedback_is_byte_identical_in_another_process_with_another_hash_seed():
    """Set and dict order of strings differ between hash seeds; feedback must not."""
    script = (
        "from msatheory.exercises.patterns import EXERCISES\n"
        "from solutions.patterns import MUTANTS\n"
        "by = {e.id: e for e in EXERCISES}\n"
        f"for k, numbers in {ACROSS!r}.items():\n"
        "    for i in numbers:\n"
        "        print(by[k].check(MUTANTS[k][i]))\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="123")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    here = "".join(f"{checked(k, MUTANTS[k][i])}\n" for k, numbers in ACROSS.items()
                   for i in numbers)
    assert done.stdout == here
