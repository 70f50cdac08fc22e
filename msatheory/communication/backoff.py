"""Strategy 5.3.1 (重试机制): exponential backoff, with and without jitter, under contention.

The theory's strategy is "on failure retry automatically, with an exponential backoff".
Marc Brooker's "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015) shows that
the exponential part alone is not enough when many clients fail for the same reason: they
back off by the same amounts, retry together and collide again. He compares five ways to
choose the sleep before retry ``n`` (``n = 1`` before the first retry), listed in
:data:`ALGORITHMS`:

* ``"none"``: retry at once, sleep 0;
* ``"exponential"``: ``min(cap, base * 2**n)``, no jitter;
* ``"full"`` (full jitter): uniform on ``[0, min(cap, base * 2**n)]``;
* ``"equal"`` (equal jitter): ``t/2 + `` uniform on ``[0, t/2]``, ``t`` the capped
  exponential;
* ``"decorrelated"``: ``min(cap, `` uniform on ``[base, 3 * previous])``, ``previous``
  the last sleep (``base`` before the first).

:func:`contention` reproduces his simulation of clients that each write one row with
optimistic concurrency, and :func:`contention_table` tabulates it by algorithm and number
of clients. What it follows from his published simulator
(``awslabs/aws-arch-backoff-simulator``, ``src/backoff_simulator.py``):

* one server holds one row with a version number; a client reads the version, then sends
  a write carrying it, and the write commits (and the version moves on) only if the
  version is still the one read, so a write fails if another client's write committed
  since this client's read;
* every message, each way, takes ``|N(10 ms, 2 ms)|``: a round is a read request, its
  answer, a write request and its answer, four delays;
* after a failed write the client increments its attempt ``n`` and sends the next read
  after one network delay plus the algorithm's sleep; it stops at its first successful
  write. All clients start at time 0; base 5 ms, cap 2000 ms;
* work is the number of write calls the server handles (reads are not counted), and the
  time of a run is the time of its last event, the answer to the last successful write;
  both are averaged over ``runs`` runs.

The loop is a direct event loop on a heap (the simulator's own design), ordered by time
and then by scheduling order, drawing every delay and jitter from one generator seeded by
``seed``. Times are in milliseconds.

The module stops at one row and one kind of failure (a lost race). Failures of a callee
that is down, and how many retries a system can afford, are in
:mod:`msatheory.communication.reliability`.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType

from msatheory.errors import TheoryError, require_count, require_name, require_number, require_seed
from msatheory.sim import seeded_rng

__all__ = [
    "ALGORITHMS",
    "BASE",
    "CAP",
    "Backoff",
    "ContentionRow",
    "contention",
    "contention_table",
    "decorrelated_jitter",
    "equal_jitter",
    "exponential",
    "full_jitter",
    "schedule",
]

BASE = 5.0
"""Brooker's base sleep, milliseconds."""

CAP = 2000.0
"""Brooker's cap on any sleep, milliseconds."""

ALGORITHMS = MappingProxyType({
    "none": "retry at once: sleep 0",
    "exponential": "min(cap, base * 2**n)",
    "full": "uniform(0, min(cap, base * 2**n))",
    "equal": "t/2 + uniform(0, t/2), t = min(cap, base * 2**n)",
    "decorrelated": "min(cap, uniform(base, 3 * previous sleep))",
})
"""Each backoff algorithm by name, with its sleep before retry ``n``."""

_NET_MEAN = 10.0  # ms, Brooker's Net(10, 2)
_NET_SD = 2.0


def exponential(n: int, base: float = BASE, cap: float = CAP) -> float:
    """Strategy 5.3.1 (重试机制): the exponential backoff ``min(cap, base * 2**n)``.

    Examples
    --------
    >>> [exponential(n) for n in (1, 2, 3, 9)]
    [10.0, 20.0, 40.0, 2000.0]

    References
    ----------
    .. [1] M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015.
    """
    n, base, cap = _backoff_args("exponential", n, base, cap)
    return min(cap, base * 2.0 ** n) if n < 1024 else cap  # 2.0 ** 1024 overflows


def full_jitter(n: int, rng: random.Random, base: float = BASE, cap: float = CAP) -> float:
    """Strategy 5.3.1 (重试机制) with full jitter: uniform on ``[0, exponential(n)]``.

    Examples
    --------
    >>> from msatheory.sim import seeded_rng
    >>> 0 <= full_jitter(3, seeded_rng(1)) <= 40
    True

    References
    ----------
    .. [1] M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015.
    """
    return rng.uniform(0.0, exponential(n, base, cap))


def equal_jitter(n: int, rng: random.Random, base: float = BASE, cap: float = CAP) -> float:
    """Strategy 5.3.1 (重试机制) with equal jitter: ``t/2 + uniform(0, t/2)``,
    ``t = exponential(n)``: never less than half the exponential sleep.

    Examples
    --------
    >>> from msatheory.sim import seeded_rng
    >>> 20 <= equal_jitter(3, seeded_rng(1)) <= 40
    True

    References
    ----------
    .. [1] M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015.
    """
    t = exponential(n, base, cap)
    return t / 2 + rng.uniform(0.0, t / 2)


def decorrelated_jitter(previous: float, rng: random.Random, base: float = BASE,
                        cap: float = CAP) -> float:
    """Strategy 5.3.1 (重试机制) with decorrelated jitter:
    ``min(cap, uniform(base, 3 * previous))``, ``previous`` the last sleep (``base`` at
    first). It grows by about 1.5 times a retry on average, without using ``n``.

    Examples
    --------
    >>> from msatheory.sim import seeded_rng
    >>> 5 <= decorrelated_jitter(5.0, seeded_rng(1)) <= 15
    True

    References
    ----------
    .. [1] M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015.
    """
    previous = require_number("decorrelated_jitter", "previous", previous)
    _backoff_args("decorrelated_jitter", 1, base, cap)
    return min(cap, rng.uniform(base, 3 * previous))


def _backoff_args(owner: str, n: object, base: object, cap: object) -> tuple[int, float, float]:
    return (require_count(owner, "n", n),
            require_number(owner, "base", base, positive=True),
            require_number(owner, "cap", cap, positive=True))


class Backoff:
    """Strategy 5.3.1 (重试机制): one client's sleeps by one of the :data:`ALGORITHMS`.

    ``sleep(n)`` is the sleep before retry ``n`` (1, 2, ...) in milliseconds, drawn from
    ``rng``; only ``"decorrelated"`` keeps state (its previous sleep), so one client needs
    its own :class:`Backoff`.

    Examples
    --------
    >>> from msatheory.sim import seeded_rng
    >>> backoff = Backoff("exponential", seeded_rng(0))
    >>> [backoff.sleep(n) for n in (1, 2, 3)]
    [10.0, 20.0, 40.0]

    References
    ----------
    .. [1] Strategy 5.3.1 of the theory (重试机制): 失败时自动重试，使用指数退避策略.
    .. [2] M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015.
    """

    def __init__(self, algorithm: str, rng: random.Random, base: float = BASE,
                 cap: float = CAP) -> None:
        self.algorithm = _algorithm("Backoff", algorithm)
        _, self.base, self.cap = _backoff_args("Backoff", 0, base, cap)
        self._rng = rng
        self._previous = self.base

    def sleep(self, n: int) -> float:
        """The sleep before retry ``n``, in milliseconds."""
        n = require_count("Backoff", "n", n, least=1)
        if self.algorithm == "none":
            return 0.0
        if self.algorithm == "exponential":
            return exponential(n, self.base, self.cap)
        if self.algorithm == "full":
            return full_jitter(n, self._rng, self.base, self.cap)
        if self.algorithm == "equal":
            return equal_jitter(n, self._rng, self.base, self.cap)
        self._previous = decorrelated_jitter(self._previous, self._rng, self.base, self.cap)
        return self._previous

    def __repr__(self) -> str:
        return f"Backoff({self.algorithm!r}, base={self.base:g}, cap={self.cap:g})"


def _algorithm(owner: str, algorithm: object) -> str:
    name = require_name(owner, "algorithm", algorithm)
    if name not in ALGORITHMS:
        raise TheoryError(f"{owner}: algorithm must be one of {', '.join(ALGORITHMS)}, "
                          f"not {algorithm!r}")
    return name


def schedule(algorithm: str, retries: int, seed: int = 0, base: float = BASE,
             cap: float = CAP) -> tuple[float, ...]:
    """Strategy 5.3.1 (重试机制): the sleeps before retries 1 to ``retries`` of one client.

    Parameters
    ----------
    algorithm : str
        One of :data:`ALGORITHMS`.
    retries : int
        How many sleeps (0 or more).
    seed : int
        Seed of the jitter.
    base, cap : float
        Base and cap in milliseconds (positive).

    Returns
    -------
    tuple of float
        The sleeps in milliseconds, rounded to 0.1 ms for reading.

    Raises
    ------
    TheoryError
        If the algorithm is unknown or a number is out of range.

    Examples
    --------
    >>> schedule("exponential", 5)
    (10.0, 20.0, 40.0, 80.0, 160.0)
    >>> schedule("exponential", 3, cap=25)
    (10.0, 20.0, 25.0)

    References
    ----------
    .. [1] M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015.
    """
    retries = require_count("schedule", "retries", retries)
    backoff = Backoff(_algorithm("schedule", algorithm), seeded_rng(seed, "schedule"),
                      base, cap)
    return tuple(round(backoff.sleep(n), 1) for n in range(1, retries + 1))


def contention(algorithm: str, clients: int, runs: int = 10,
               seed: int = 0) -> tuple[float, float]:
    """Strategy 5.3.1 (重试机制) under contention: Brooker's optimistic-concurrency race.

    ``clients`` clients start at time 0, each to write one row once: read its version,
    write conditionally on it, and on a failed write sleep by ``algorithm`` and start
    again (the model of the module docstring, as in Brooker's simulator).

    Parameters
    ----------
    algorithm : str
        One of :data:`ALGORITHMS`.
    clients : int
        Number of clients (positive).
    runs : int
        Runs averaged (positive).
    seed : int
        Seed of the whole set of runs.

    Returns
    -------
    tuple of (float, float)
        The mean time until every client has written (ms) and the mean number of write
        calls the server handled (the work), over ``runs`` runs.

    Raises
    ------
    TheoryError
        If the algorithm is unknown or a count is not positive.

    Examples
    --------
    >>> time, calls = contention("full", 10, runs=5, seed=1)
    >>> calls >= 10  # every client writes successfully once
    True
    >>> contention("none", 1, runs=1) == contention("none", 1, runs=1)
    True

    References
    ----------
    .. [1] M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015, and
       its simulator ``awslabs/aws-arch-backoff-simulator`` (``src/backoff_simulator.py``).
    """
    owner = "contention"
    algorithm = _algorithm(owner, algorithm)
    clients = require_count(owner, "clients", clients, least=1)
    runs = require_count(owner, "runs", runs, least=1)
    rng = seeded_rng(require_seed(owner, seed), owner)
    total_time = 0.0
    total_calls = 0
    for _ in range(runs):
        time, calls = _race(algorithm, clients, rng)
        total_time += time
        total_calls += calls
    return total_time / runs, total_calls / runs


_READ, _READ_REPLY, _WRITE, _WRITE_REPLY = range(4)


def _race(algorithm: str, clients: int, rng: random.Random) -> tuple[float, int]:
    """One run of the race: ``(time of the last event, write calls)``."""
    gauss = rng.normalvariate

    def delay() -> float:
        return abs(gauss(_NET_MEAN, _NET_SD))

    backoffs = [Backoff(algorithm, rng) for _ in range(clients)]
    attempts = [0] * clients
    version = 0
    calls = 0
    queue: list[tuple[float, int, int, int, int]] = []
    order = 0
    for client in range(clients):
        queue.append((delay(), order, _READ, client, 0))
        order += 1
    heapq.heapify(queue)
    now = 0.0
    push, pop = heapq.heappush, heapq.heappop
    while queue:
        now, _, kind, client, payload = pop(queue)
        if kind == _READ:  # the server reads the version and answers
            push(queue, (now + delay(), order, _READ_REPLY, client, version))
        elif kind == _READ_REPLY:  # the client writes, conditional on the version read
            push(queue, (now + delay(), order, _WRITE, client, payload))
        elif kind == _WRITE:  # the server commits if no write committed since the read
            calls += 1
            committed = payload == version
            version += committed
            push(queue, (now + delay(), order, _WRITE_REPLY, client, committed))
        elif not payload:  # a failed write: sleep, then read again
            attempts[client] += 1
            at = now + delay() + backoffs[client].sleep(attempts[client])
            push(queue, (at, order, _READ, client, 0))
        order += 1
    return now, calls


@dataclass(frozen=True)
class ContentionRow:
    """One cell of :func:`contention_table`: ``algorithm`` with ``clients`` clients took
    ``time_ms`` milliseconds on average until all had written, and the server handled
    ``calls`` write calls on average, ``calls_per_client`` per client (1 is no wasted
    work)."""

    algorithm: str
    clients: int
    time_ms: float
    calls: float
    calls_per_client: float


def contention_table(clients: Iterable[int] = (10, 25, 50, 100), runs: int = 3,
                     seed: int = 0) -> tuple[ContentionRow, ...]:
    """Strategy 5.3.1 (重试机制): :func:`contention` for every algorithm and client count.

    Each cell is an independent :func:`contention` with the same ``seed``, so a cell does
    not depend on which others are computed. Brooker's conclusions appear from about 25
    clients: no jitter (``"exponential"``) takes the longest of all and makes more calls
    than any jittered algorithm; full jitter makes the fewest calls, equal jitter slightly
    more, decorrelated jitter more again (still about half of no jitter's at 100
    clients); decorrelated jitter finishes a little before full jitter, equal jitter
    well after both. Retrying at once (``"none"``) finishes first, since nobody waits,
    but from about 50 clients makes the most calls of all.

    Parameters
    ----------
    clients : iterable of int
        Client counts (each positive), in the order of the rows.
    runs : int
        Runs averaged per cell (positive).
    seed : int
        Seed of every cell.

    Returns
    -------
    tuple of ContentionRow
        Rows by client count, then by algorithm in the order of :data:`ALGORITHMS`.

    Raises
    ------
    TheoryError
        If a count is not positive.

    Examples
    --------
    >>> rows = contention_table(clients=(5,), runs=2)
    >>> [row.algorithm for row in rows]
    ['none', 'exponential', 'full', 'equal', 'decorrelated']

    References
    ----------
    .. [1] M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015.
    """
    counts = tuple(require_count("contention_table", "clients", n, least=1)
                   for n in _counts(clients))
    rows = []
    for n in counts:
        for algorithm in ALGORITHMS:
            time, calls = contention(algorithm, n, runs, seed)
            rows.append(ContentionRow(algorithm, n, round(time, 1), round(calls, 1),
                                      round(calls / n, 2)))
    return tuple(rows)


def _counts(clients: object) -> tuple[object, ...]:
    if isinstance(clients, str | bytes) or not isinstance(clients, Iterable):
        raise TheoryError(f"contention_table: clients must be a list of client counts, "
                          f"not {clients!r}")
    return tuple(clients)
