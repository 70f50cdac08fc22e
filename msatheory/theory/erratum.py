"""Errata: where the theory's statements or code sketches are wrong, shown by running them."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers

from msatheory.theory.entries import STATEMENTS
from msatheory.theory.statement import Kind, Statement

__all__ = ["SEARCH", "Counterexample", "Erratum", "Stub", "concerned", "found_in", "holds_for_all",
           "reproducible"]

T = TypeVar("T")

#: The search for a counterexample: reproducible (a fixed derandomised seed; run it inside
#: :func:`reproducible`), nothing remembered between runs, no deadline (a busy machine must
#: not turn a slow example into an error), and no explain phase (it annotates a failing
#: test's report; a search for one example would pay for it five times over and gain
#: nothing).
SEARCH = settings(
    database=None, deadline=None, derandomize=True, max_examples=300,
    suppress_health_check=list(HealthCheck),
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
)


@contextmanager
def reproducible() -> Iterator[None]:
    """Run a hypothesis search that depends on nothing but its seed and its strategy.

    Hypothesis (6.13x and later) sometimes draws integers, floats and strings from the
    literals of every *local* module imported so far (those outside site-packages, which
    includes this package when installed for development), and caches them in
    ``.hypothesis/constants``. Its examples, and so the smallest counterexample it shrinks
    to, would then depend on what the process happened to import before: a notebook, a
    test run and a learner's kernel could each see another counterexample. Within this
    block the pool of local literals is empty; Hypothesis' own constants stay.
    """
    empty = providers.Constants()
    saved = providers._get_local_constants
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = saved
        providers.CONSTANTS_CACHE.cache.clear()


#: A reference in ``concerns``: ``Algorithm 3.2.2``, ``Def 4.1.2``, ``Functions 4.2.3-4.2.4``.
_REFERENCE = re.compile(
    r"\b(" + "|".join(k.short for k in Kind) + r")s?\s+(\d+\.\d+\.\d+)(?:-(\d+\.\d+\.\d+))?"
)


def _numbers(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


def concerned(concerns: str) -> tuple[str, tuple[Statement, ...]]:
    """Split a ``concerns`` text into the code it names and the statements it cites.

    The code is what comes before the last parenthesis; the statements are those cited after
    the section, each range (``Functions 4.2.3-4.2.4``) taken whole.

    >>> code, statements = concerned("Go APIGateway.applyPolicy (section 4.3; Def 4.1.1, "
    ...                              "Functions 4.2.3-4.2.4)")
    >>> code, [s.ref for s in statements]
    ('Go APIGateway.applyPolicy', ['Def 4.1.1', 'Function 4.2.3', 'Function 4.2.4'])
    """
    code, _, cited = concerns.rpartition(" (") if " (" in concerns else (concerns, "", "")
    _, _, cited = cited.rstrip(")").rpartition(";")
    found: list[Statement] = []
    for short, first, last in _REFERENCE.findall(cited):
        kind = next(k for k in Kind if k.short == short)
        low, high = _numbers(first), _numbers(last or first)
        found += [s for s in STATEMENTS
                  if s.kind is kind and low <= _numbers(s.number) <= high and s not in found]
    return code, tuple(found)


@dataclass(frozen=True)
class Counterexample:
    """What was run, what the property demands, and what the "as written" port did instead."""

    scenario: str
    expected: str
    observed: str

    def __str__(self) -> str:
        return f"{self.scenario}\n  expected: {self.expected}\n  observed: {self.observed}"


@dataclass(frozen=True)
class Erratum(Generic[T]):
    """One defect of the theory, with an executable counterexample and the corrected model's check.

    ``concerns`` names the statement or code sketch at fault, ``wrong`` says in one
    sentence what is wrong. The defect is found in the open: ``breaks`` is the property
    the faithful "as written" port violates, negated (its docstring states the property;
    it returns True on a counterexample), and ``search`` draws its inputs. :meth:`find`
    runs the reproducible hypothesis search and returns the smallest counterexample it
    shrinks to, ``describe`` turns it into a :class:`Counterexample`, and
    ``verify_corrected()`` returns True when the corrected model keeps the property.
    """

    key: str
    concerns: str
    wrong: str
    search: st.SearchStrategy[T]
    breaks: Callable[[T], bool]
    describe: Callable[[T], Counterexample]
    verify_corrected: Callable[[], bool]
    corrected_by: str
    settings: settings = SEARCH

    def stated(self) -> str:
        """The property the port as written breaks, in the words of the first paragraph
        of ``breaks``' docstring, on one line."""
        return " ".join((inspect.getdoc(self.breaks) or "").split("\n\n")[0].split())

    def find(self) -> T:
        """The smallest input the search finds on which the port as written breaks."""
        with reproducible():
            return find(self.search, self.breaks, settings=self.settings)

    def demonstrate(self) -> Counterexample:
        """:meth:`find`, described."""
        return self.describe(self.find())

    @property
    def code(self) -> str:
        """The sketch code or statement at fault, as ``concerns`` names it before its
        parenthesis: ``'Rust perform_health_check'``."""
        return concerned(self.concerns)[0]

    @property
    def statements(self) -> tuple[Statement, ...]:
        """The numbered statements ``concerns`` cites, in its order (none for a part of a
        sketch no statement covers, such as chapter 4's response cache)."""
        return concerned(self.concerns)[1]

    def __str__(self) -> str:
        return f"[{self.key}] {self.concerns}: {self.wrong}"


@dataclass(frozen=True)
class Stub:
    """Sketch code the theory itself marks 简化实现 ("simplified implementation").

    A declared stub is not a defect: it is not counted among the errata. ``concerns``
    names the code as an :class:`Erratum` does, ``declared`` quotes the theory's comment,
    ``stands_for`` says in one sentence what the real thing must do, and ``modelled_by``
    is the importable dotted path of the workbook's model of it.
    """

    key: str
    concerns: str
    declared: str
    stands_for: str
    modelled_by: str

    @property
    def code(self) -> str:
        """The sketch code the theory declares a stub, as ``concerns`` names it."""
        return concerned(self.concerns)[0]

    @property
    def statements(self) -> tuple[Statement, ...]:
        """The numbered statements ``concerns`` cites."""
        return concerned(self.concerns)[1]

    def __str__(self) -> str:
        return f"[{self.key}] {self.concerns}, declared \"{self.declared}\": {self.stands_for}"


def holds_for_all(strategy: st.SearchStrategy[T], breaks: Callable[[T], bool]) -> bool:
    """Whether a reproducible hypothesis search finds no example that ``breaks``."""

    @SEARCH
    @given(strategy)
    def prop(example: T) -> None:
        assert not breaks(example)

    try:
        with reproducible():
            prop()
    except AssertionError:
        return False
    return True


def _finds(cell: dict, key: str) -> bool:
    """Whether a code cell finds the erratum ``key`` in the open: it prints the property's
    source and runs the search, and names the erratum in its code or its output."""
    code = "".join(cell.get("source", ""))
    if cell.get("cell_type") != "code" or "source(" not in code or ".find()" not in code:
        return False
    shown = "".join("".join(out.get("text", "")) for out in cell.get("outputs", ()))
    return key in code + shown


def found_in(key: str, notebooks: Iterable[Path]) -> Path | None:
    """The first of ``notebooks`` that finds the erratum ``key`` in the open, or None.

    A lesson finds an erratum in a code cell that prints the property it breaks
    (``source(erratum.breaks)``), runs the search (``erratum.find()``) and names the
    erratum in its code or its output, as CONTRIBUTING.md asks of every lesson.
    """
    for notebook in notebooks:
        try:
            cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, LookupError, TypeError):
            continue
        if any(_finds(cell, key) for cell in cells):
            return Path(notebook)
    return None
