"""Hypothesis strategies that generate chapter 8 inputs: the dual writes Practice 8.2.2
leaves open and the crash points of each, and the fan-outs of Pattern 8.1.1 with their
share of slow calls, for the errata (:mod:`.errata`), tests and notebooks."""

from __future__ import annotations

from hypothesis import strategies as st

from msatheory.communication.outbox import DESIGNS
from msatheory.errors import TheoryError, require_count

__all__ = [
    "DUAL_WRITES",
    "dual_writes",
    "fan_outs",
]

#: The designs of chapter 5's :data:`~msatheory.communication.outbox.DESIGNS` that write
#: the database and publish the event as two separate steps, with no relay: save then
#: publish, publish then save, and publish inside the open transaction.
DUAL_WRITES: tuple[str, ...] = tuple(name for name, design in DESIGNS.items()
                                     if not design.relay)


def dual_writes() -> st.SearchStrategy[tuple[str, str]]:
    """``(design, crash)``: a dual write of :data:`DUAL_WRITES` and one of its crash points
    (:attr:`~msatheory.communication.outbox.Design.crash_points`, ``no crash`` last).

    Examples
    --------
    >>> from msatheory.communication.outbox import DESIGNS
    >>> DUAL_WRITES, DESIGNS["publish-then-db"].crash_points
    (('db-then-publish', 'publish-then-db', 'publish-in-transaction'),
     ('before publish event', 'before insert order', 'before commit', 'no crash'))
    """
    return st.sampled_from(DUAL_WRITES).flatmap(
        lambda name: st.tuples(st.just(name), st.sampled_from(DESIGNS[name].crash_points)))


def fan_outs(most_calls: int = 100,
             most_per_mille: int = 20) -> st.SearchStrategy[tuple[int, int]]:
    """``(n, per_mille)``: a fan-out of 1 to ``most_calls`` calls, and the share of slow
    calls in thousandths, 0 to ``most_per_mille``.

    The defaults reach Dean and Barroso's fan-out of 100 calls and twice their share of
    slow calls, 1%.

    A share is drawn as a whole number of thousandths so that a counterexample reads as
    the share it is (6 is 0.6%), not as a float the shrinker stopped at.

    Raises
    ------
    TheoryError
        If ``most_calls`` is under 1 or ``most_per_mille`` is not between 0 and 1000.

    Examples
    --------
    >>> fan_outs(10, 20)
    tuples(integers(min_value=1, max_value=10), integers(min_value=0, max_value=20))
    >>> fan_outs(10, 1001)
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: fan_outs: most_per_mille must be at most 1000, not 1001
    """
    require_count("fan_outs", "most_calls", most_calls, least=1)
    require_count("fan_outs", "most_per_mille", most_per_mille)
    if most_per_mille > 1000:
        raise TheoryError(f"fan_outs: most_per_mille must be at most 1000, "
                          f"not {most_per_mille!r}")
    return st.tuples(st.integers(min_value=1, max_value=most_calls),
                     st.integers(min_value=0, max_value=most_per_mille))
