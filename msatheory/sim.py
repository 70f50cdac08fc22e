"""The simulation core: a virtual clock and seeded randomness.

Nothing in msatheory reads wall-clock time or unseeded randomness, so every run of
every simulation is reproducible. Simulations report their percentiles by
:func:`nearest_rank`. Step-driven models (a registry you poke from a
widget) use :class:`VirtualClock`; event-driven ones (failures and repairs over a
year) use :class:`Simulation`, a SimPy environment paired with a seeded generator.
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from msatheory.errors import TheoryError, require_count, require_seed

if TYPE_CHECKING:
    import simpy

__all__ = ["Simulation", "VirtualClock", "exact", "nearest_rank", "poisson", "seeded_rng"]


def seeded_rng(seed: int, owner: str = "simulation") -> random.Random:
    """A random generator fixed by ``seed``; ``owner`` names who asked, should the seed
    not be an integer (the only seeds that repeat across Python versions)."""
    return random.Random(require_seed(owner, seed))


class VirtualClock:
    """Time that moves only when the model says so; starts at ``start`` (seconds)."""

    def __init__(self, start: float = 0.0):
        self._now = float(start)

    @property
    def now(self) -> float:
        """The current virtual time."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (not negative); return the new time."""
        if not seconds >= 0:
            raise TheoryError(f"the clock cannot move by {seconds!r} seconds: time only advances")
        self._now += seconds
        return self._now

    def advance_to(self, time: float) -> float:
        """Move forward to exactly ``time`` (not before now); return it. Unlike
        ``advance(time - now)``, no rounding leaves the clock a hair past ``time``.

        >>> VirtualClock(0.35).advance(1.7 - 0.35)
        1.7000000000000002
        >>> VirtualClock(0.35).advance_to(1.7)
        1.7
        """
        if not time >= self._now:
            raise TheoryError(f"the clock cannot move back from {self._now!r} to {time!r}: "
                              f"time only advances")
        self._now = float(time)
        return self._now

    def __repr__(self) -> str:
        return f"VirtualClock(now={self._now:g})"


class Simulation:
    """A discrete-event simulation: SimPy's virtual clock plus a seeded generator ``rng``."""

    def __init__(self, seed: int):
        import simpy  # here: the clock and the seeded generator serve checkers that need no SimPy

        self.seed = seed
        self.rng = seeded_rng(seed)
        self.env = simpy.Environment()

    @property
    def now(self) -> float:
        """The current virtual time."""
        return self.env.now

    def process(self, generator: Generator[simpy.Event, Any, Any]) -> simpy.Process:
        """Start a SimPy process (a generator that yields events such as timeouts)."""
        return self.env.process(generator)

    def timeout(self, delay: float) -> simpy.Timeout:
        """An event that fires ``delay`` time units from now."""
        return self.env.timeout(delay)

    def run(self, until: float) -> None:
        """Run every event scheduled before ``until``."""
        if not until > self.env.now:
            raise TheoryError(f"cannot run until {until!r}: the clock is already at {self.now!r}")
        self.env.run(until=until)

    def __repr__(self) -> str:
        return f"Simulation(seed={self.seed}, now={self.now:g})"


def nearest_rank(values: Sequence[float], percent: int) -> float:
    """The nearest-rank ``percent``-th percentile: the ceil(p/100 * N)-th smallest value.

    >>> nearest_rank([3.0, 1.0, 2.0], 50)
    2.0
    """
    require_count("nearest_rank", "percent", percent, least=1)
    if percent > 100:
        raise TheoryError(f"nearest_rank: percent must be at most 100, not {percent!r}")
    if not values:
        raise TheoryError(f"nearest_rank: values must hold at least one value, not {values!r}")
    return sorted(values)[-(-percent * len(values) // 100) - 1]


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count of mean ``mean`` drawn from ``rng``: Knuth's product of uniforms
    below 30, a rounded normal (at least 0) from 30 on, and 0 without a draw for a mean
    of 0 or less.

    >>> poisson(seeded_rng(1), 4.0), poisson(seeded_rng(1), 0.0)
    (4, 0)
    """
    if mean <= 0:
        return 0
    if mean >= 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


@lru_cache(maxsize=4096)
def exact(value: float | Fraction) -> Fraction:
    """``value`` as a Fraction; a float as the decimal it prints as, which is the decimal
    it was written as (0.1 is 1/10, not the binary float's 3602879701896397/36028797018963968).

    Budgets, timeouts and shares are compared and summed exactly this way, so 0.1 + 0.2
    is 3/10 and a timeout of 0.3 s covers three 0.1 s attempts.

    >>> exact(0.999), exact(Fraction(1, 3)), exact(2)
    (Fraction(999, 1000), Fraction(1, 3), Fraction(2, 1))
    """
    return value if isinstance(value, Fraction) else Fraction(repr(value))
