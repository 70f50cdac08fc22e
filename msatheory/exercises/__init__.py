"""Exercises that import the checkers: precise feedback for learners, grading for lecturers.

A learner answers an exercise of a lesson and calls :func:`check`::

    from msatheory.exercises import check
    check("3.round-robin", MyRoundRobin)

The :class:`~msatheory.exercises.exercise.Feedback` says whether the answer passed and, if
not, at which step (type, shape, behaviour) and on which smallest input it failed, with the
exercise's hint; the same answer always gets the same feedback. ``python -m msatheory
exercises`` lists the exercises; ``python -m msatheory grade`` grades submitted notebooks.
"""

from __future__ import annotations

import difflib

from msatheory.errors import TheoryError
from msatheory.exercises.catalogue import exercises
from msatheory.exercises.exercise import Exercise, Feedback

__all__ = ["Exercise", "Feedback", "check", "exercises", "get", "results"]

_RESULTS: list[Feedback] = []


def get(exercise_id: str) -> Exercise:
    """The exercise called ``exercise_id``; a clear error, with the closest ids, if none."""
    known = {exercise.id: exercise for exercise in exercises()}
    if isinstance(exercise_id, str) and exercise_id in known:
        return known[exercise_id]
    close = difflib.get_close_matches(str(exercise_id), known, n=3)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else (
        "; `python -m msatheory exercises` lists them")
    raise TheoryError(f"no exercise {exercise_id!r}{hint}")


def check(exercise_id: str, answer: object) -> Feedback:
    """Check ``answer`` to the exercise ``exercise_id`` and return the feedback.

    The feedback is recorded for :func:`results`, which grading reads.
    """
    feedback = get(exercise_id).check(answer)
    _RESULTS.append(feedback)
    return feedback


def results() -> list[dict[str, object]]:
    """Every feedback :func:`check` gave in this process, oldest first, as plain data."""
    return [feedback.as_dict() for feedback in _RESULTS]
