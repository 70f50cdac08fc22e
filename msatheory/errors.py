"""The one error type a learner meets from msatheory, and the checks that raise it.

Every model, checker and loader validates its arguments with the ``require_*``
functions below, so the same mistake reads the same way everywhere:
``"{owner}: {what} must be ..., not {value!r}"``, where ``owner`` names the object or
function and ``what`` the argument or field.

>>> require_count("fleet", "n", 3, least=1)
3
>>> require_count("fleet", "n", True, least=1)
Traceback (most recent call last):
    ...
msatheory.errors.TheoryError: fleet: n must be a positive whole number, not True
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import TypeGuard, TypeVar

__all__ = [
    "TheoryError",
    "require_choice",
    "require_count",
    "require_distinct",
    "require_duration",
    "require_fraction",
    "require_instance",
    "require_integer",
    "require_items",
    "require_name",
    "require_names",
    "require_number",
    "require_probability",
    "require_samples",
    "require_seed",
    "require_time",
]

T = TypeVar("T")


class TheoryError(ValueError):
    """Bad input to a model, checker or loader.

    The message names what is wrong and where (the service, field or value), so a
    learner can mend the input without reading a traceback. It subclasses
    :class:`ValueError`, so code that already handles bad values keeps working.
    """


def _a(noun: str) -> str:
    """``noun`` with its indefinite article: "a Service", "an Instance", and, where the
    name opens with letters read one by one, "an LWWRegister", "a GCounter"."""
    spelled = noun[1:2].isupper() and not noun.isupper()
    sounds_vowel = noun[:1].upper() in ("AEFHILMNORSX" if spelled else "AEIOU")
    return f"{'an' if sounds_vowel else 'a'} {noun}"


def _is_real(value: object) -> TypeGuard[int | float]:
    """An int or float, and not a bool (``True`` is an int to Python, not to a learner)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def require_count(owner: str, what: str, value: object, *, least: int = 0) -> int:
    """``value`` if it is a whole number of at least ``least``.

    >>> require_count("registry lab", "rate", 0)
    0
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        bound = {0: "a whole number, 0 or more", 1: "a positive whole number"}.get(
            least, f"a whole number of at least {least}")
        raise TheoryError(f"{owner}: {what} must be {bound}, not {value!r}")
    return value


def require_number(owner: str, what: str, value: object, *, positive: bool = False,
                   finite: bool = True, unit: str = "") -> float:
    """``value`` as a float if it is a real number >= 0 (> 0 with ``positive``), finite
    unless ``finite=False``. ``unit`` ("seconds") names what it counts in the message.

    >>> require_number("Network", "hop", 0.0005)
    0.0005
    >>> require_number("Network", "hop", -1)
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: Network: hop must be a non-negative finite number, not -1
    """
    if not (_is_real(value) and (value > 0 if positive else value >= 0)
            and (not finite or math.isfinite(value))):
        sign = "a positive" if positive else "a non-negative"
        bound = " finite" if finite else ""
        of = f" of {unit}" if unit else ""
        raise TheoryError(f"{owner}: {what} must be {sign}{bound} number{of}, not {value!r}")
    return float(value)


def require_duration(owner: str, what: str, value: object, *, positive: bool = False) -> float:
    """``value`` as a float if it is a finite number of seconds, >= 0 (> 0 with ``positive``)."""
    return require_number(owner, what, value, positive=positive, unit="seconds")


def require_time(owner: str, what: str, value: object, *, positive: bool = False,
                 unit: str = "seconds") -> int | float | Fraction:
    """``value`` unchanged if it is a finite number of seconds >= 0 (> 0 with ``positive``):
    an int, float or :class:`~fractions.Fraction`, so exact times stay exact. ``unit``
    names another measure of time kept exact, such as a rate.

    >>> require_time("FixedWindow", "window", Fraction(1, 10))
    Fraction(1, 10)
    >>> require_time("GCRA", "period", 0, positive=True)
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: GCRA: period must be a positive finite number of seconds, not 0
    """
    if isinstance(value, Fraction):
        if value > 0 or (value == 0 and not positive):
            return value
        sign = "a positive" if positive else "a non-negative"
        raise TheoryError(f"{owner}: {what} must be {sign} finite number of {unit}, "
                          f"not {value!r}")
    require_number(owner, what, value, positive=positive, unit=unit)
    assert _is_real(value)
    return value


def require_fraction(owner: str, what: str, value: object, *, zero: bool = True) -> float:
    """``value`` as a float if it lies in [0, 1] (in (0, 1] when ``zero`` is False):
    a probability, a share or a percentage written as a fraction.

    >>> require_fraction("self-preservation", "percent", 0.85)
    0.85
    """
    if not (_is_real(value) and (value >= 0 if zero else value > 0) and value <= 1):
        interval = "[0, 1]" if zero else "(0, 1]"
        raise TheoryError(f"{owner}: {what} must lie in {interval}, not {value!r}")
    return float(value)


def require_probability(owner: str, what: str, value: object, *,
                        zero: bool = True) -> float | Fraction:
    """``value`` if it lies in [0, 1] (in (0, 1] when ``zero`` is False), a
    :class:`~fractions.Fraction` kept exact and any other number made a float.

    >>> require_probability("delivery", "p", Fraction(9, 10))
    Fraction(9, 10)
    """
    if isinstance(value, Fraction):
        require_fraction(owner, what, float(value), zero=zero)
        return value
    return require_fraction(owner, what, value, zero=zero)


def require_choice(owner: str, what: str, value: object, choices: Iterable[str]) -> str:
    """``value`` if it is one of ``choices``; otherwise an error listing them.

    >>> require_choice("Consumer", "mode", "twice", ("at-most-once", "at-least-once"))
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: Consumer: mode must be one of at-most-once, ...
    """
    names = tuple(choices)
    if not isinstance(value, str) or value not in names:
        raise TheoryError(f"{owner}: {what} must be one of {', '.join(names)}, not {value!r}")
    return value


def require_integer(owner: str, what: str, value: object) -> int:
    """``value`` if it is an integer of either sign (and not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TheoryError(f"{owner}: {what} must be an integer, not {value!r}")
    return value


def require_seed(owner: str, value: object) -> int:
    """``value`` if it is an integer seed (so a run repeats across Python versions)."""
    return require_integer(owner, "seed", value)


def require_instance(owner: str, what: str, value: object, kind: type[T]) -> T:
    """``value`` if it is a ``kind``; otherwise an error naming the type expected."""
    if not isinstance(value, kind):
        raise TheoryError(f"{owner}: {what} must be {_a(kind.__name__)}, not {value!r}")
    return value


def require_name(owner: str, what: str, value: object) -> str:
    """``value`` if it is a non-empty string; otherwise a :class:`TheoryError` naming
    ``owner`` and ``what``."""
    if not isinstance(value, str) or not value.strip():
        raise TheoryError(f"{owner}: {what} must be a non-empty string, not {value!r}")
    return value


def require_distinct(owner: str, what: str, names: Iterable[str]) -> None:
    """An error naming every name that ``what`` lists more than once."""
    twice = sorted(n for n, count in Counter(names).items() if count > 1)
    if twice:
        raise TheoryError(f"{owner}: {what} lists {', '.join(map(repr, twice))} twice")


def require_names(owner: str, what: str, values: object) -> tuple[str, ...]:
    """``values`` as a tuple if it is a list of distinct non-empty names."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TheoryError(f"{owner}: {what} must be a list of names, not {values!r}")
    names = tuple(values)
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise TheoryError(f"{owner}: {what} holds {name!r}, which is not a name")
    require_distinct(owner, what, names)
    return names


def require_items(owner: str, what: str, values: object, kind: type[T], *,
                  distinct: bool = False) -> tuple[T, ...]:
    """``values`` as a tuple if it is a list of ``kind`` instances; with ``distinct``, no
    two of them may share a ``name``."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        plural = kind.__name__ + ("es" if kind.__name__.endswith("s") else "s")
        raise TheoryError(f"{owner}: {what} must be a list of {plural}, not {values!r}")
    items = tuple(values)
    for item in items:
        if not isinstance(item, kind):
            raise TheoryError(f"{owner}: {what} holds {item!r}, not {_a(kind.__name__)}")
    if distinct:
        require_distinct(owner, what, (item.name for item in items))
    return items


def require_samples(owner: str, what: str, values: object, *, empty: bool = False,
                    nan: bool = False) -> tuple[float, ...]:
    """``values`` as a tuple of floats if it is a list of finite numbers (NaN too, a missing
    sample, with ``nan``), non-empty unless ``empty``.

    >>> require_samples("judge", "canary", [1, 2.5])
    (1.0, 2.5)
    """
    if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not (
            empty or values):
        size = "" if empty else "non-empty "
        raise TheoryError(f"{owner}: {what} must be a {size}list of numbers, not {values!r}")
    for v in values:
        if not _is_real(v) or math.isinf(v) or (math.isnan(v) and not nan):
            also = " or NaN" if nan else ""
            raise TheoryError(f"{owner}: {what} holds {v!r}, which is not a finite "
                              f"number{also}")
    return tuple(float(v) for v in values)
