"""The exercise system: every exercise is posed in its lesson, its reference solution passes,
every wrong answer the solutions list is caught, and feedback is the same on every run."""

from __future__ import annotations

import re
from importlib import import_module
from pathlib import Path

import nbformat
import pytest

from msatheory import TheoryError
from msatheory.exercises import check, exercises, get, results
from msatheory.exercises.catalogue import CHAPTER_MODULES
from msatheory.exercises.exercise import KINDS, STEP_BUDGET, OutOfSteps, answer_call

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = {k: v for m in CHAPTER_MODULES
             for k, v in import_module(f"solutions.{m}").SOLUTIONS.items()}
MUTANTS = [(k, i, answer) for m in CHAPTER_MODULES
           for k, answers in import_module(f"solutions.{m}").MUTANTS.items()
           for i, answer in enumerate(answers)]
EXERCISES = exercises()


#: Each mutant's feedback in this process, as the mutant test first met it; the test in
#: another process compares against it instead of checking every mutant once more.
FEEDBACK: dict[tuple[str, int], str] = {}


def label(exercise_id: str) -> str:
    """The MyST label of an exercise: ``1.replicas`` is ``exercise-1-replicas``."""
    return "exercise-" + exercise_id.replace(".", "-")


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_each_exercise_is_written_the_same_way(exercise):
    assert re.fullmatch(r"([1-8]|90)\.[a-z][a-z0-9-]*", exercise.id)
    assert exercise.kind in KINDS and exercise.difficulty in (1, 2, 3)
    assert exercise.steps[0].name == "type" and len(exercise.steps) >= 2
    assert exercise.title[0].isupper() and exercise.hint and exercise.task.endswith(".")


def test_ids_are_unique_and_every_chapter_has_its_share():
    ids = [e.id for e in EXERCISES]
    assert len(ids) == len(set(ids))
    by_chapter = {c: [e for e in EXERCISES if e.chapter == c] for c in (1, 2, 3, 90)}
    for chapter, posed in by_chapter.items():
        assert len(posed) >= (3 if chapter == 90 else 5), chapter
        assert len({e.kind for e in posed}) >= (2 if chapter == 90 else 3), chapter


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_each_exercise_is_posed_in_its_lesson_under_its_label(exercise):
    cells = nbformat.read(ROOT / exercise.lesson, as_version=4).cells
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    assert f"({label(exercise.id)})=" in text
    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    assert re.search(rf"""check\(\s*["']{re.escape(exercise.id)}["']""", code)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_the_reference_solution_passes(exercise):
    feedback = check(exercise.id, SOLUTIONS[exercise.id])
    assert feedback.passed, str(feedback)


@pytest.mark.parametrize(("exercise_id", "number", "answer"), MUTANTS,
                         ids=[f"{k}-{i}" for k, i, _ in MUTANTS])
def test_every_mutant_is_caught_with_the_same_feedback_every_time(exercise_id, number, answer):
    first = check(exercise_id, answer)
    assert not first.passed, f"mutant {number} of {exercise_id} passes"
    assert str(check(exercise_id, answer)) == str(first)
    assert len(first.lines[0]) > len(f"{exercise_id}: not yet.")
    FEEDBACK[exercise_id, number] = str(first)


def test_every_exercise_has_a_solution_and_two_mutants():
    assert set(SOLUTIONS) == {e.id for e in EXERCISES}
    for exercise in EXERCISES:
        assert sum(k == exercise.id for k, _, _ in MUTANTS) >= 2, exercise.id


def test_an_unknown_id_is_refused_with_the_closest():
    with pytest.raises(TheoryError, match=r"did you mean '1\.replicas'"):
        get("1.replica")
    with pytest.raises(TheoryError, match="lists them"):
        check(3, None)


def test_results_record_each_check_as_plain_data():
    before = len(results())
    check("1.replicas", "two")
    (last,) = results()[before:]
    assert last == {"exercise": "1.replicas", "passed": False, "step": "type",
                    "feedback": "1.replicas: not yet. Step 1 of 3 (type): expected a sympy "
                                "expression, got str 'two'"}


def test_the_budget_counts_operations_of_the_answer_not_time():
    def forever(n):
        while True:
            n += 1

    def fine(n):
        return sum(range(n))

    def idle():
        while True:
            pass

    for answer, argument in ((forever, (0,)), (idle, ())):
        with pytest.raises(OutOfSteps):
            answer_call(answer, *argument)
    assert answer_call(fine, STEP_BUDGET // 10) == sum(range(STEP_BUDGET // 10))


def test_feedback_reads_the_same_as_text_and_as_html():
    feedback = check("1.replicas", "<b>two</b>")
    assert str(feedback) == repr(feedback) and str(feedback).startswith("1.replicas: not yet.")
    shown = feedback._repr_html_()
    assert "&lt;b&gt;two&lt;/b&gt;" in shown and "<b>two</b>" not in shown
    assert 'class="msa-feedback"' in shown


def test_the_book_pages_link_every_exercise(capsys):
    from msatheory.__main__ import main

    assert main(["exercises", "--format", "myst"]) == 0
    index = capsys.readouterr().out
    assert main(["theory", "--format", "myst"]) == 0
    catalogue = capsys.readouterr().out
    for exercise in EXERCISES:
        assert f"{{ref}}`{exercise.id} <{label(exercise.id)}>`" in index
        assert f"{{ref}}`{exercise.id} <{label(exercise.id)}>`" in catalogue
    assert index.count("\n| {ref}") == len(EXERCISES)


def test_the_command_lists_the_exercises_of_a_chapter(capsys):
    from msatheory.__main__ import main

    assert main(["exercises", "--chapter", "1"]) == 0
    listed = capsys.readouterr().out.splitlines()[2:]
    assert [line.split()[0] for line in listed] == [e.id for e in EXERCISES if e.chapter == 1]


def test_feedback_is_byte_identical_in_another_process_with_another_hash_seed():
    """Set and dict order of strings differ between hash seeds; feedback must not. Each
    exercise's first mutant is checked again in a process with another seed: every
    checker runs there, at a sixth of the cost of checking every mutant again."""
    import os
    import subprocess
    import sys

    script = (
        "from importlib import import_module\n"
        "from msatheory.exercises import check\n"
        f"for m in {CHAPTER_MODULES!r}:\n"
        "    for k, answers in import_module(f'solutions.{m}').MUTANTS.items():\n"
        "        print(check(k, answers[0]))\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="123")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    here = "".join(f"{FEEDBACK[k, i] if (k, i) in FEEDBACK else check(k, answer)}\n"
                   for k, i, answer in MUTANTS if i == 0)
    assert done.stdout == here
