"""The capstone's exercises (lesson 91): which step mends which statement, and a mend of
one's own.

Each exercise judges the answer with the capstone's own model
(:mod:`msatheory.practice.capstone`): which step of :func:`~msatheory.practice.capstone.mend`
makes each statement hold for good, read off the reports
:func:`~msatheory.check.check_system` gives after every step; and an architecture file that
mends the shop behind its gateways so that Feature 1.2.3 (故障隔离) holds, judged by
:func:`~msatheory.basics.features.check_fault_isolation` and by every other check that held
before the mend.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from msatheory.basics.features import check_fault_isolation
from msatheory.check.report import Report, check_system
from msatheory.check.system import System
from msatheory.errors import TheoryError
from msatheory.exercises.exercise import Exercise, Failure, one_of, steps, violated
from msatheory.exercises.practice import read_answer
from msatheory.practice.capstone import Shop, enter, mend, system
from msatheory.theory.render import counted

__all__ = ["EXERCISES", "behind_gateways", "mended_by"]

LESSON = "notebooks/91_capstone.ipynb"


@cache
def _reports() -> tuple[tuple[str, Report], ...]:
    """Each step's name and the report on its system."""
    return tuple((step.name, check_system(system(step.shop))) for step in mend())


@cache
def mended_by() -> dict[str, str]:
    """Each statement ``msatheory check`` judged on the capstone, and the step after which
    it holds at every later step (``"monolith"`` when it holds throughout): the step that
    mends it for good.

    Examples
    --------
    >>> mended_by()["Algorithm 3.2.2"]
    'discover'
    """
    found: dict[str, str] = {}
    reports = _reports()
    refs = dict.fromkeys(v.statement.ref for _, r in reports for v in r.verdicts)
    for ref in refs:
        since = reports[0][0]
        for name, report in reports:
            if any(not v.holds for v in report.verdicts if v.statement.ref == ref):
                since = ""
            elif not since:
                since = name
        found[ref] = since
    return found


# -- 90.which-step ------------------------------------------------------------------------

def _which_type(answer: object) -> Failure | None:
    return one_of(answer, dict, "a dict from each statement (\"Feature 1.2.3\") to a step's "
                                "name (\"communicate\")")


def _which_shape(answer: dict[object, object]) -> Failure | None:
    wanted = mended_by()
    missing = [ref for ref in wanted if ref not in answer]
    if missing:
        return Failure(f"give a step for every statement the check judged: "
                       f"{counted(len(missing), 'statement')} missing, the first "
                       f"{missing[0]}", expected=", ".join(wanted),
                       observed=", ".join(map(str, answer)) or "an empty dict")
    extra = [key for key in answer if key not in wanted]
    if extra:
        return Failure(f"{extra[0]!r} is not a statement the check judged on the shop",
                       expected=", ".join(wanted))
    names = [name for name, _ in _reports()]
    unknown = [value for value in answer.values() if value not in names]
    if unknown:
        return Failure(f"{unknown[0]!r} is not a step of mend()", expected=", ".join(names))
    return None


def _which_steps(answer: dict[str, str]) -> Failure | None:
    for ref, step in mended_by().items():
        if answer[ref] != step:
            return Failure(f"{ref} is not mended for good by {answer[ref]}",
                           counterexample=ref, expected=step, observed=answer[ref])
    return None


# -- 90.isolate-payment -----------------------------------------------------------------

@cache
def behind_gateways() -> Shop:
    """The shop after :func:`~msatheory.practice.capstone.enter`, the exercise's start:
    cut, health-checked and behind its gateways, with hard calls only."""
    steps_ = mend()
    return next(step.shop for step in steps_ if step.name == enter.__name__)


def _start() -> System:
    return read_answer(behind_gateways().text(), "behind-gateways.yaml")


def _isolate_type(answer: object) -> Failure | None:
    if isinstance(answer, str) and "\n" not in answer.strip() and not answer.strip(
            ).lower().endswith((".yaml", ".yml", ".json")):
        return Failure("expected the YAML text of an architecture file (several lines), got "
                       f"the one line {answer.strip()[:40]!r}")
    return one_of(answer, (str, Path), "the YAML text of an architecture file, or its path")


def _loaded(answer: str | Path) -> System:
    return read_answer(answer, "isolated.yaml")


def _isolate_loads(answer: str | Path) -> Failure | None:
    try:
        found = _loaded(answer)
    except TheoryError as error:
        first, *more = str(error).splitlines()
        also = f" (and {counted(len(more), 'more mistake')})" if more else ""
        return Failure(f"the file does not load: {first}{also}")
    if found.origin != "architecture":
        return Failure(f"the file reads as a {found.origin} file; mend the architecture file")
    return None


def _isolate_shape(answer: str | Path) -> Failure | None:
    start, found = _start(), _loaded(answer)
    before, after = start.architecture, found.architecture
    if set(after.services) != set(before.services):
        return Failure("keep the shop's services, no more and no fewer",
                       expected=", ".join(sorted(before.services)),
                       observed=", ".join(sorted(after.services)))
    if found.gateways != start.gateways:
        return Failure("keep the gateways", expected=", ".join(start.gateways),
                       observed=", ".join(found.gateways) or "no gateway")
    if found.design != start.design:
        return Failure("keep every service's functions, interfaces and entities where the "
                       "cut put them")
    calls = {(s, c.to): c.kind for s, svc in after.services.items() for c in svc.calls}
    for name, service in sorted(before.services.items()):
        for call in service.calls:
            if (name, call.to) not in calls:
                return Failure(f"keep every call: {name} → {call.to} is gone",
                               expected=f"{name} calls {call.to}")
            if calls[name, call.to] != "sync":
                return Failure(f"keep every call synchronous: {name} waits for {call.to}'s "
                               "answer", expected="sync", observed=calls[name, call.to])
    return None


def _isolated(answer: str | Path) -> Failure | None:
    return violated(check_fault_isolation(_loaded(answer).architecture))


def _nothing_broken(answer: str | Path) -> Failure | None:
    held = {(check.checker.__name__, v.statement.ref)
            for check, v in zip(check_system(_start()).checks, check_system(_start()).verdicts,
                                strict=True) if v.holds}
    report = check_system(_loaded(answer))
    for check, verdict in zip(report.checks, report.verdicts, strict=True):
        if (check.checker.__name__, verdict.statement.ref) in held and not verdict.holds:
            failure = violated(verdict)
            assert failure is not None
            return Failure(f"{verdict.statement.ref} held before your mend and does not now",
                           expected=failure.expected, observed=failure.observed)
    return None


EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        id="90.which-step",
        statement="Feature 1.2.3",
        title="Which step mends which statement?",
        task="Give a dict from each statement msatheory check judged on the capstone to the "
        "name of the step of mend() after which it holds at every later step (\"monolith\" "
        "for a statement that holds throughout).",
        answer="a dict from a statement's reference to a step's name",
        kind="model",
        difficulty=2,
        steps=steps(("type", _which_type), ("shape", _which_shape),
                    ("behaviour", _which_steps)),
        hint="a step can break what an earlier step mended: a gateway's hard calls reach "
        "every client, and a cut's services share one database. Read every column of the "
        "table of rows by step, not only the statements a step names.",
        lesson=LESSON,
    ),
    Exercise(
        id="90.isolate-payment",
        statement="Feature 1.2.3",
        title="Contain the payment service",
        task="Mend the shop behind its gateways (behind_gateways().text()) so that Feature "
        "1.2.3 holds: keep its services, gateways, functions and every call, each still "
        "synchronous, and break nothing that held before.",
        answer="the YAML text of an architecture file, or its path",
        kind="design",
        difficulty=2,
        steps=steps(("type", _isolate_type), ("load", _isolate_loads),
                    ("shape", _isolate_shape), ("isolation", _isolated),
                    ("nothing broken", _nothing_broken)),
        hint="a failure crosses a hard call only. Which calls carry a failure of payment "
        "to every entry point, and which one is it enough to soften, with a timeout and "
        "what the caller answers instead?",
        lesson=LESSON,
    ),
)
