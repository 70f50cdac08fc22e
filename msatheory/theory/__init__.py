"""The theory catalogue: the theory's 59 numbered statements, verdicts and errata.

>>> from msatheory import theory
>>> theory.get(theory.Kind.AXIOM, "1.1.1").title
'Independence'
>>> theory.get("公理", "1.1.1").ref
'Axiom 1.1.1'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from msatheory._lazy import lazy
from msatheory.errors import TheoryError
from msatheory.theory.entries import STATEMENTS
from msatheory.theory.statement import Kind, Statement

if TYPE_CHECKING:
    from msatheory.theory.check import Check
    from msatheory.theory.erratum import Counterexample, Erratum, Stub
    from msatheory.theory.verdict import Verdict, Witness

__all__ = [
    "Check",
    "Counterexample",
    "Erratum",
    "Kind",
    "Statement",
    "Stub",
    "Verdict",
    "Witness",
    "catalogue",
    "checks",
    "errata",
    "get",
    "parse_kind",
    "stubs",
]

# Each name's submodule is imported on first use (msatheory._lazy): `msatheory check`
# needs verdicts, not hypothesis (errata).
__getattr__, __dir__ = lazy(__name__, {
    "check": ("Check",),
    "erratum": ("Counterexample", "Erratum", "Stub"),
    "verdict": ("Verdict", "Witness"),
})

#: Chapter packages, in the theory's order: each contributes its errata (``ERRATA``), the
#: sketch code the theory declares a stub (``STUBS``) and the statements ``msatheory check``
#: verifies (``CHECKS``), when it has them.
CHAPTER_PACKAGES: tuple[str, ...] = (
    "msatheory.basics", "msatheory.design", "msatheory.discovery", "msatheory.gateway",
    "msatheory.communication", "msatheory.data", "msatheory.deployment", "msatheory.practice",
)

_BY_KEY = {(s.kind, s.number): s for s in STATEMENTS}


def catalogue() -> tuple[Statement, ...]:
    """All 59 statements, in the theory's order."""
    return STATEMENTS


def parse_kind(kind: Kind | str) -> Kind:
    """Read a kind from its English name, short name (``Def``) or Chinese word (``定义``)."""
    if isinstance(kind, Kind):
        return kind
    text = str(kind).strip()
    for k in Kind:
        if text.lower() in (k.value, k.short.lower()) or text == k.zh:
            return k
    names = ", ".join(k.value for k in Kind)
    raise TheoryError(f"unknown statement kind {kind!r}: expected one of {names}")


def get(kind: Kind | str, number: str) -> Statement:
    """The statement of this kind and number: ``get(Kind.AXIOM, "1.1.1")``.

    ``kind`` may also be written as :func:`parse_kind` reads it (``"axiom"``, ``"公理"``),
    as a learner types it; the package's own code always passes a :class:`Kind`.
    """
    k = parse_kind(kind)
    try:
        return _BY_KEY[(k, str(number))]
    except KeyError:
        numbers = ", ".join(s.number for s in STATEMENTS if s.kind is k)
        raise TheoryError(
            f"the theory has no {k.value} numbered {number!r}; its {k.value}s are {numbers}"
        ) from None


def errata() -> tuple[Erratum, ...]:
    """Every erratum the chapters contribute, in chapter order."""
    return tuple(e for package in CHAPTER_PACKAGES
                 for e in getattr(importlib.import_module(package), "ERRATA", ()))


def stubs() -> tuple[Stub, ...]:
    """Every declared stub (简化实现) of the sketches, in chapter order: not errata."""
    return tuple(s for package in CHAPTER_PACKAGES
                 for s in getattr(importlib.import_module(package), "STUBS", ()))


def checks() -> tuple[Check, ...]:
    """Every check ``msatheory check`` runs, in chapter order."""
    return tuple(c for package in CHAPTER_PACKAGES
                 for c in getattr(importlib.import_module(package), "CHECKS", ()))
