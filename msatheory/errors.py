"""The one error type a learner meets from msatheory."""

from __future__ import annotations

__all__ = ["TheoryError", "require_name"]


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
