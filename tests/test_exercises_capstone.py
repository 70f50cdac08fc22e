"""The capstone's exercises, checked through their own records: every solution passes,
every mutant fails at the step that catches its mistake with the same feedback every time,
other right answers pass, and the oracle behind the checks agrees with the table of rows
by step."""

from __future__ import annotations

import pytest

from msatheory.check import check_system
from msatheory.exercises.capstone import EXERCISES, LESSON, behind_gateways, mended_by
from msatheory.exercises.exercise import KINDS, Feedback
from msatheory.practice.capstone import enter, mend, rows, system
from solutions.capstone import (
    ALSO_RIGHT,
    ASYNC,
    DROPPED,
    MUTANTS,
    ORDERING_ONLY,
    REPLICAS,
    RETRIED,
    SOLUTIONS,
    TIMEOUT_ONLY,
    WHICH_STEP,
    by_statements,
)

BY_ID = {e.id: e for e in EXERCISES}


def test_the_exercises_are_written_the_same_way():
    assert [e.id for e in EXERCISES] == ["90.which-step", "90.isolate-payment"]
    assert {e.kind for e in EXERCISES} == {"model", "design"} <= set(KINDS)
    for exercise in EXERCISES:
        assert exercise.lesson == LESSON and exercise.task.endswith(".")
        assert exercise.steps[0].name == "type"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_the_reference_solution_passes(exercise):
    assert exercise.check(SOLUTIONS[exercise.id]).passed


@pytest.mark.parametrize(("exercise_id", "answer"),
                         [(k, a) for k, answers in ALSO_RIGHT.items() for a in answers])
def test_other_right_answers_pass(exercise_id, answer):
    assert BY_ID[exercise_id].check(answer).passed


@pytest.mark.parametrize(("exercise_id", "number"),
                         [(k, i) for k, answers in MUTANTS.items() for i in range(len(answers))])
def test_every_mutant_is_caught_with_the_same_feedback_twice(exercise_id, number):
    answer = MUTANTS[exercise_id][number]
    first = BY_ID[exercise_id].check(answer)
    assert not first.passed
    assert str(BY_ID[exercise_id].check(answer)) == str(first)
    assert "0x" not in str(first)


def _step(feedback: Feedback) -> str:
    return str(feedback).split("(")[1].split(")")[0]


@pytest.mark.parametrize(("answer", "step"), [
    (by_statements(), "behaviour"), ({**WHICH_STEP, "Feature 1.2.3": "enter"}, "behaviour"),
    ({k: v for k, v in WHICH_STEP.items() if k != "Def 6.3.1"}, "shape"),
    (list(WHICH_STEP.items()), "type")])
def test_which_step_catches_each_mistake_at_its_step(answer, step):
    assert _step(BY_ID["90.which-step"].check(answer)) == step


@pytest.mark.parametrize(("answer", "step"), [
    (REPLICAS, "isolation"), (TIMEOUT_ONLY, "isolation"), (ORDERING_ONLY, "isolation"),
    (ASYNC, "shape"), (DROPPED, "shape"), (RETRIED, "nothing broken"),
    ("services: [a\n  b\n", "load"), ("behind-gateways", "type"), (42, "type")])
def test_isolate_payment_catches_each_mistake_at_its_step(answer, step):
    assert _step(BY_ID["90.isolate-payment"].check(answer)) == step


def test_the_starter_is_told_which_statement_it_misplaced():
    feedback = " ".join(str(BY_ID["90.which-step"].check(by_statements())).split())
    assert "Feature 1.2.3 is not mended for good by monolith" in feedback
    assert "expected: communicate" in feedback


def test_mended_by_agrees_with_the_table_of_rows_by_step():
    steps = mend()
    table = rows([check_system(system(step.shop)) for step in steps])
    names = [step.name for step in steps]
    for ref, step in mended_by().items():
        held = [all(h[i] is not False for name, h in table if name.startswith(ref + " ("))
                for i in range(len(steps))]
        since = names.index(step)
        assert all(held[since:]) and (since == 0 or not held[since - 1]), ref
    assert mended_by() == WHICH_STEP


def test_the_exercise_starts_from_the_shop_after_the_gateway_step():
    assert behind_gateways() == next(s.shop for s in mend() if s.name == enter.__name__)
    verdicts = check_system(system(behind_gateways())).verdicts
    assert not next(v for v in verdicts if v.statement.ref == "Feature 1.2.3").holds
