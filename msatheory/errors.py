"""The one error type a learner meets from msatheory."""

from __future__ import annotations

__all__ = ["TheoryError"]


class TheoryError(ValueError):
    """Bad input to a model, checker or loader.

    The message names what is wrong and where (the service, field or value), so a
    learner can mend the input without reading a traceback. It subclasses
    :class:`ValueError`, so code that already handles bad values keeps working.
    """
