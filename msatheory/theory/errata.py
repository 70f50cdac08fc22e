"""Errata: where the theory's statements or code sketches are wrong, shown by running them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Counterexample", "Erratum"]


@dataclass(frozen=True)
class Counterexample:
    """What was run, what the property demands, and what the "as written" port did instead."""

    scenario: str
    expected: str
    observed: str

    def __str__(self) -> str:
        return f"{self.scenario}\n  expected: {self.expected}\n  observed: {self.observed}"


@dataclass(frozen=True)
class Erratum:
    """One defect of the theory, with an executable counterexample and the corrected model's check.

    ``concerns`` names the statement or code sketch at fault, ``wrong`` says in one
    sentence what is wrong. ``demonstrate()`` runs the faithful "as written" port and
    returns a :class:`Counterexample`; ``verify_corrected()`` returns True when the
    corrected model keeps the property the port breaks.
    """

    key: str
    concerns: str
    wrong: str
    demonstrate: Callable[[], Counterexample]
    verify_corrected: Callable[[], bool]
    corrected_by: str

    def __str__(self) -> str:
        return f"[{self.key}] {self.concerns}: {self.wrong}"
