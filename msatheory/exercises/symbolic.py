"""What the exercises that take a sympy expression share: the symbols an answer uses, its
value at a point, and how that value is compared with the model's and shown."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import sympy as sp

__all__ = ["differs", "shown_value", "symbols_of", "value_at"]


def symbols_of(expression: sp.Expr) -> dict[str, sp.Symbol]:
    """The free symbols of ``expression`` by name, whatever assumptions the learner gave
    them (``sp.Symbol("N")`` and ``sp.Symbol("N", positive=True)`` are both ``"N"``)."""
    return {symbol.name: symbol for symbol in sp.sympify(expression).free_symbols}


def value_at(expression: sp.Expr, values: Mapping[str, object]) -> sp.Expr:
    """``expression`` with each symbol named in ``values`` replaced by its value, and any
    sum or product left unevaluated carried out."""
    symbols = symbols_of(expression)
    return sp.sympify(expression).subs({symbols[name]: value for name, value in values.items()
                                        if name in symbols}).doit()


def differs(value: sp.Expr, expected: Fraction | float) -> bool:
    """Whether ``value`` is not ``expected``: exactly when it is rational, to 1e-12
    otherwise; a value that is not a finite number always differs."""
    if value.is_Rational:
        return bool(value != sp.Rational(expected))
    if not value.is_number or value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return True
    return bool(abs(complex(value) - float(expected)) > 1e-12)


def shown_value(value: sp.Expr) -> str:
    """``value`` as feedback shows it: a fraction exactly, another number to six figures."""
    if value.is_Rational:
        return str(value)
    if value.is_number and not value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return f"about {complex(value).real:.6g}"
    return str(value)
