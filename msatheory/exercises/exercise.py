"""Exercises: a task, the steps that check an answer, and the feedback a learner reads.

An :class:`Exercise` checks an answer step by step, as nbgrader does: first that it has the
right type, then the right shape, then the right behaviour. The first step that fails
gives the feedback: what was run (the *smallest* input a reproducible hypothesis search
finds), what was expected, what the answer did, and the exercise's hint, never the
solution. An answer that raises, or runs past its step budget, is a failing answer with a
message of its own, never a traceback.
"""

from __future__ import annotations

import html
import inspect
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from msatheory.theory.erratum import reproducible
from msatheory.theory.render import counted
from msatheory.theory.verdict import Verdict

if TYPE_CHECKING:
    from _typeshed import TraceFunction

__all__ = [
    "KINDS",
    "STEP_BUDGET",
    "Exercise",
    "Failure",
    "Feedback",
    "OutOfSteps",
    "Step",
    "a_function",
    "answer_call",
    "first_counterexample",
    "observe",
    "one_of",
    "shown",
    "steps",
    "takes",
    "violated",
]

T = TypeVar("T")

#: What an exercise asks for: a derivation checked with sympy, a model to build, code to
#: write, or a design to choose and defend with the checkers.
KINDS = ("derivation", "model", "code", "design")

#: Operations (bytecode instructions) of the learner's own code one call of the answer may
#: run. Counted, not timed, so the same answer gets the same feedback on any machine.
STEP_BUDGET = 300_000

#: The search for a counterexample: reproducible, nothing remembered between runs.
SEARCH = settings(database=None, derandomize=True, max_examples=200, deadline=None,
                  suppress_health_check=list(HealthCheck),
                  phases=(Phase.explicit, Phase.generate, Phase.shrink))

_OURS = (Path(__file__).resolve().parents[1], Path(sys.prefix).resolve(),
         Path(sys.base_prefix).resolve())


class OutOfSteps(Exception):
    """The answer ran more lines than :data:`STEP_BUDGET` allows in one call."""


@dataclass(frozen=True)
class Failure:
    """Why a step failed: a one-sentence ``message`` and, for behaviour, the smallest
    ``counterexample`` (what was run), what was ``expected`` and what was ``observed``."""

    message: str
    counterexample: str = ""
    expected: str = ""
    observed: str = ""


@dataclass(frozen=True)
class Step:
    """One check of an answer: ``name`` is "type", "shape" or "behaviour" (or a more
    precise word), ``check`` returns a :class:`Failure`, or None when the answer passes."""

    name: str
    check: Callable[[Any], Failure | None]


@dataclass(frozen=True)
class Exercise:
    """One exercise of a lesson.

    ``id`` is ``"<chapter>.<slug>"`` (``"3.round-robin"``); ``statement`` the statement it
    exercises (``"Algorithm 3.2.1"``); ``task`` what to write, ``answer`` the form the
    answer takes (a function's signature, a sympy expression, an architecture), ``kind``
    one of :data:`KINDS`, ``difficulty`` 1 (apply) to 3 (design); ``steps`` check an
    answer in order; ``hint`` helps without giving the answer away; ``lesson`` is the
    notebook that poses it.
    """

    id: str
    statement: str
    title: str
    task: str
    answer: str
    kind: str
    difficulty: int
    steps: tuple[Step, ...]
    hint: str
    lesson: str

    @property
    def chapter(self) -> int:
        """The chapter, read off the id: ``"3.round-robin"`` is in chapter 3."""
        return int(self.id.partition(".")[0])

    def check(self, answer: object) -> Feedback:
        """Run the steps on ``answer`` in order; the first that fails is the feedback."""
        for number, step in enumerate(self.steps, start=1):
            try:
                failure = step.check(answer)
            except OutOfSteps:
                failure = Failure(f"your answer ran more than {STEP_BUDGET:,} operations in "
                                  "one call: does it loop forever?")
            except Exception as error:  # the answer's own error, never a traceback
                failure = Failure(f"your answer raised {_error(error)}")
            if failure is not None:
                return Feedback(self, False, (step.name, number), failure)
        return Feedback(self, True, ("", len(self.steps)), None)


@dataclass(frozen=True)
class Feedback:
    """What :func:`msatheory.exercises.check` tells a learner: whether the answer passed,
    and if not, at which step and why, with the exercise's hint."""

    exercise: Exercise
    passed: bool
    step: tuple[str, int]
    failure: Failure | None = field(default=None)

    @property
    def lines(self) -> list[str]:
        """The feedback, one line per fact; the first line says passed or not."""
        exercise = self.exercise
        if self.passed:
            steps = ", ".join(step.name for step in exercise.steps)
            return [f"{exercise.id}: passed ({steps})."]
        assert self.failure is not None
        name, number = self.step
        lines = [f"{exercise.id}: not yet. Step {number} of {len(exercise.steps)} ({name}): "
                 f"{self.failure.message}"]
        for label, value in (("on", self.failure.counterexample),
                             ("expected", self.failure.expected),
                             ("observed", self.failure.observed),
                             ("hint", exercise.hint)):
            if value:
                lines.append(f"  {label}: {value}")
        return lines

    def as_dict(self) -> dict[str, object]:
        """The feedback as plain data, for grading."""
        return {"exercise": self.exercise.id, "passed": self.passed,
                "step": self.step[0], "feedback": self.lines[0]}

    def __str__(self) -> str:
        return "\n".join(textwrap.fill(line, 96, subsequent_indent="      ")
                         for line in self.lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#9a3412"
        body = "<br>".join(html.escape(line) for line in self.lines)
        return (f'<div class="msa-feedback" style="border-left:4px solid {colour};'
                f'padding:4px 8px;font-family:monospace;white-space:pre-wrap">{body}</div>')


def _error(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@cache
def _learners(filename: str) -> bool:
    """Whether code from ``filename`` is the learner's (a notebook cell or their own file),
    not the package's, the standard library's or an installed library's."""
    try:
        path = Path(filename).resolve()
    except (OSError, ValueError):
        return True
    return not any(path.is_relative_to(ours) for ours in _OURS)


def answer_call(function: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Call the learner's ``function`` with a budget of :data:`STEP_BUDGET` operations
    (bytecode instructions) of their own code; :class:`OutOfSteps` when it runs past it.
    Deterministic: operations are counted, not timed, and even ``while True: pass`` counts."""
    count = 0

    def operation(frame: FrameType, event: str, arg: object) -> TraceFunction | None:
        nonlocal count
        if event == "opcode":
            count += 1
            if count > STEP_BUDGET:
                raise OutOfSteps
        return operation

    def call(frame: FrameType, event: str, arg: object) -> TraceFunction | None:
        if event == "call" and _learners(frame.f_code.co_filename):
            frame.f_trace_lines = False
            frame.f_trace_opcodes = True
            return operation
        return None

    previous = sys.gettrace()
    sys.settrace(call)
    try:
        return function(*args, **kwargs)
    finally:
        sys.settrace(previous)


def first_counterexample(strategy: st.SearchStrategy[T], breaks: Callable[[T], bool],
                         max_examples: int = 200) -> T | None:
    """The smallest example of ``strategy`` on which ``breaks`` holds, or None.

    ``breaks`` may call the answer; an error or an exhausted budget counts as breaking, so
    the search shrinks to the smallest input that makes the answer fail.
    """

    def broken(example: T) -> bool:
        try:
            return bool(breaks(example))
        except Exception:
            return True

    try:
        with reproducible():
            return find(strategy, broken, settings=settings(SEARCH, max_examples=max_examples))
    except NoSuchExample:
        return None


def observe(call: Callable[[], object], show: Callable[[object], str] = repr) -> str:
    """What the answer did: its result, shown by ``show``, or the error it raised."""
    try:
        return show(call())
    except OutOfSteps:
        return f"ran more than {STEP_BUDGET:,} operations"
    except Exception as error:
        return f"raised {_error(error)}"


def one_of(answer: object, types: type | tuple[type, ...], what: str) -> Failure | None:
    """The type step: a failure naming what was expected and what was given."""
    if isinstance(answer, types):
        return None
    return Failure(f"expected {what}, got {type(answer).__name__} {shown(answer)}".rstrip())


def shown(value: object, width: int = 60) -> str:
    """``value``'s repr, cut to ``width``; nothing for an object whose repr is the default
    one, which holds a memory address and would make feedback differ between runs."""
    if type(value).__repr__ is object.__repr__:
        return ""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def steps(*pairs: tuple[str, Callable[[Any], Failure | None]]) -> tuple[Step, ...]:
    """``steps(("type", f), ("behaviour", g))``: the steps of an exercise, in order."""
    return tuple(Step(name, check) for name, check in pairs)


def a_function(what: str) -> Callable[[object], Failure | None]:
    """The type step of a code exercise: a function, not a class; ``what`` names it
    (``"a function blast_radius(arch, service)"``)."""

    def check(answer: object) -> Failure | None:
        if callable(answer) and not isinstance(answer, type):
            return None
        return Failure(f"expected {what}, got {type(answer).__name__}")

    return check


def takes(*parameters: str) -> Callable[[object], Failure | None]:
    """The shape step of a code exercise: the function can be called with ``parameters``,
    by position. A callable without a signature is left to the behaviour step."""

    def check(answer: object) -> Failure | None:
        try:
            inspect.signature(answer).bind(*parameters)  # type: ignore[arg-type]
        except TypeError:
            return Failure(f"your function must take {counted(len(parameters), 'argument')}, "
                           f"({', '.join(parameters)})")
        except ValueError:
            return None
        return None

    return check


def violated(*verdicts: Verdict) -> Failure | None:
    """The behaviour step of a design exercise: None when every verdict holds, else the
    first that does not, with its first witness (what it is and whom it involves, when
    it is long)."""
    for verdict in verdicts:
        if verdict.holds:
            continue
        witness = verdict.witnesses[0]
        text = str(witness)
        if len(text) > 160:
            text = f"{witness.what} ({', '.join(witness.involves)})"
        return Failure(f"{verdict.statement.ref} does not hold", expected="no witness",
                       observed=f"{counted(len(verdict.witnesses), 'witness')}, the first: "
                                f"{text}")
    return None
