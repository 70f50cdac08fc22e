"""The exercises of every lesson, in chapter order."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from msatheory.exercises.exercise import Exercise
from msatheory.theory.entries import STATEMENTS

__all__ = ["exercises", "label", "myst_page"]

#: The modules that hold each chapter's ``EXERCISES``, in chapter order.
CHAPTER_MODULES = ("basics", "design", "discovery", "gateway", "communication", "data",
                   "deployment", "patterns", "practice", "capstone")


@cache
def exercises() -> tuple[Exercise, ...]:
    """Every exercise, in chapter order and, within a chapter, in lesson order."""
    found: list[Exercise] = []
    for name in CHAPTER_MODULES:
        found.extend(import_module(f"msatheory.exercises.{name}").EXERCISES)
    return tuple(found)


def label(exercise: Exercise) -> str:
    """The MyST label the lesson puts above the exercise: ``exercise-3-round-robin``."""
    return "exercise-" + exercise.id.replace(".", "-")


def myst_page(posed: tuple[Exercise, ...]) -> str:
    """The book's exercises index: each exercise with its chapter, the statement it
    exercises (linked where a lesson teaches it), its kind, its difficulty and its lesson."""
    taught = {s.ref: s.label for s in STATEMENTS if s.notebook}
    out = [
        "# Exercises",
        "",
        "Every lesson ends with exercises. Answer one in JupyterLab and call "
        "`check(\"<exercise>\", answer)` from `msatheory.exercises`: the feedback says "
        "whether the answer passed and, if not, at which step (type, shape, behaviour) and "
        "on which smallest input it failed, with a hint. "
        "`python -m msatheory exercises` lists them in a terminal.",
        "",
        "| Exercise | Chapter | Statement | Kind | Difficulty | Title |",
        "|---|---|---|---|---|---|",
    ]
    for exercise in posed:
        statement = (f"{{ref}}`{exercise.statement} <{taught[exercise.statement]}>`"
                     if exercise.statement in taught else exercise.statement)
        chapter = "practice" if exercise.chapter == 90 else str(exercise.chapter)
        stars = "★" * exercise.difficulty + "☆" * (3 - exercise.difficulty)
        out.append(f"| {{ref}}`{exercise.id} <{label(exercise)}>` | {chapter} | {statement} "
                   f"| {exercise.kind} | {stars} | {exercise.title} |")
    return "\n".join(out) + "\n"
