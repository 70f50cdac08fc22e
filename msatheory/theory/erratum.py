"""Errata: where the theory's statements or code sketches are wrong, shown by running them."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers

__all__ = ["SEARCH", "Counterexample", "Erratum", "Stub", "holds_for_all", "reproducible"]

T = TypeVar("T")

#: Reproducible search: no example database, a fixed derandomised seed (run it inside
#: :func:`reproducible`).
#: The search for a counterexample: reproducible, nothing remembered between runs, and no
#: explain phase (it annotates a failing test's report; a search for one example would
#: pay for it five times over and gain nothing).
SEARCH = settings(
    database=None, derandomize=True, max_examples=300, suppress_health_check=list(HealthCheck),
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
