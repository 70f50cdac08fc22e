"""The one error type a learner meets from msatheory, and the checks that raise it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

__all__ = ["TheoryError", "require_distinct", "require_items", "require_name", "require_names"]


class TheoryError(ValueError):
    """Bad input to a model, checker or loader.

    The message names what is wrong and where (the service, field or value), so a
    learner can mend the input without reading a traceback. It subclasses
    :class:`ValueError`, so code that already handles bad values keeps working.
    """


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


def require_items(owner: str, what: str, values: object, kind: type) -> tuple:
    """``values`` as a tuple if it is a list of ``kind`` instances."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TheoryError(f"{owner}: {what} must be a list of {kind.__name__}s, not {values!r}")
    items = tuple(values)
    for item in items:
        if not isinstance(item, kind):
            raise TheoryError(f"{owner}: {what} holds {item!r}, not a {kind.__name__}")
    return items
