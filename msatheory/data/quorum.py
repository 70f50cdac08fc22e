"""Def 6.3.1 (数据复制) with Def 6.1.1 (数据一致性): quorums, Probabilistically Bounded Staleness.

A Dynamo-style store keeps ``N`` replicas of each key. A write is sent to all of them and
answered once ``W`` have acknowledged it; a read is sent to all of them and answered from
the first ``R`` responses (the newest version among them wins). With ``R + W > N`` every
read quorum meets every write quorum (a *strict* quorum); with ``R + W <= N`` (a *partial*
quorum) a read may miss the latest write. How often, and for how long after the write, is
what Bailis, Venkataraman, Franklin, Hellerstein and Stoica measure in "Probabilistically
Bounded Staleness for Practical Partial Quorums" (PBS, VLDB 2012). This module encodes:

* :func:`stale_probability`: *k-staleness*, the exact probability that a read quorum chosen
  uniformly misses the write quorums of the last ``k`` writes,
  ``ps = (C(N-W, R) / C(N, R)) ** k`` (PBS section 3);
* :func:`t_visibility`: *t-visibility* in the paper's WARS model (section 4), by Monte Carlo:
  each message latency is drawn independently, W (write to a replica), A (its ack back),
  R (read request to a replica) and S (its response); the write commits when the ``W``-th
  fastest ``W_i + A_i`` returns; the read starts ``t`` ms after the commit and uses the
  first ``R`` responses by ``R_i + S_i``; it is fresh when one of them came from a replica
  the write reached before the read request did, ``W_i <= commit + t + R_i``.
  :func:`consistency_curve` and :func:`visibility_time` read the same trials at many ``t``
  and at a target probability; :func:`quorum_latency` gives what each setting costs;
* the paper's fits of its production latencies (Table 3), as :class:`WARS` records:
  :func:`lnkd_ssd`, :func:`lnkd_disk`, :func:`ymmr`, :func:`wan`;
* :class:`ReplicatedRegister`: Def 6.3.1 as a register of ``N`` replicas with quorums ``R``
  and ``W`` on a virtual clock, recording the :class:`~msatheory.data.history.History` of
  what clients invoked, for the checkers of :mod:`msatheory.data.consistency`.

Where the model follows the paper's own simulator (Bailis et al.'s Java
``ernst.simulator.Simulator``, ``StaleCalc.calc_stale``): the fresh-read test is its
``w_t + R_i + t >= W_i``, replicas are ranked by ``R_i + S_i`` with ties to the lower
index, each trial draws W, A, R, S per replica in that order, a Pareto draw is
``xm / U ** (1 / alpha)``, and WAN is LNKD-DISK with 75 ms added to every message to a
replica outside the coordinator's datacenter (one replica, chosen uniformly, is local to
the writer and one, chosen independently, to the reader). Times are milliseconds.

The module stops at one key, last-writer-wins by version, no read repair, no hinted
handoff, no anti-entropy and no failures; versions are totally ordered (no vector clocks).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from msatheory.data.history import History, Operation
from msatheory.errors import (
    TheoryError,
    require_count,
    require_instance,
    require_name,
    require_number,
    require_probability,
    require_seed,
)
from msatheory.sim import VirtualClock, seeded_rng

__all__ = [
    "PRODUCTION",
    "WARS",
    "QuorumLatency",
    "ReplicatedRegister",
    "consistency_curve",
    "constant",
    "exponential",
    "lnkd_disk",
    "lnkd_ssd",
    "mixture",
    "one_slow_link",
    "overlapping_reads",
    "pareto",
    "quorum_latency",
    "stale_probability",
    "t_visibility",
    "visibility_time",
    "wan",
    "ymmr",
]

Latency = Callable[[random.Random], float]
"""A one-way message latency: a draw, in milliseconds, from a seeded generator."""

WAN_DELAY = 75.0
"""PBS's one-way delay between datacenters in its WAN setting, milliseconds."""


# --- k-staleness (PBS section 3) -----------------------------------------------------------


def _require_quorum(owner: str, n: object, r: object, w: object) -> tuple[int, int, int]:
    replicas = require_count(owner, "n", n, least=1)
    read = require_count(owner, "r", r, least=1)
    write = require_count(owner, "w", w, least=1)
    for what, size in (("r", read), ("w", write)):
        if size > replicas:
            raise TheoryError(f"{owner}: {what} must be at most n = {replicas}, not {size!r}")
    return replicas, read, write


def stale_probability(n: int, r: int, w: int, k: int = 1) -> Fraction:
    """Def 6.3.1 (数据复制), PBS k-staleness: the exact probability that a read misses the
    last ``k`` writes.

    A read quorum of ``r`` of the ``n`` replicas, chosen uniformly, misses a write quorum of
    ``w`` with probability ``C(n - w, r) / C(n, r)``; it returns none of the last ``k``
    versions when it misses all ``k`` independently chosen write quorums.

    Parameters
    ----------
    n, r, w : int
        Replicas, read quorum and write quorum, ``1 <= r, w <= n``.
    k : int
        How many of the latest versions the read may miss (``k >= 1``).

    Returns
    -------
    Fraction
        ``(C(n - w, r) / C(n, r)) ** k``: 0 for a strict quorum (``r + w > n``).

    Raises
    ------
    TheoryError
        If a size is not a positive whole number, or ``r`` or ``w`` exceeds ``n``.

    Examples
    --------
    >>> stale_probability(3, 1, 1)
    Fraction(2, 3)
    >>> stale_probability(3, 1, 1, k=2), stale_probability(3, 2, 2)
    (Fraction(4, 9), Fraction(0, 1))

    References
    ----------
    Bailis et al., "Probabilistically Bounded Staleness for Practical Partial Quorums",
    PVLDB 5(8), 2012, section 3.2 (Equations 1 and 2).
    """
    owner = "stale_probability"
    n, r, w = _require_quorum(owner, n, r, w)
    k = require_count(owner, "k", k, least=1)
    return Fraction(math.comb(n - w, r), math.comb(n, r)) ** k


# --- latency distributions -----------------------------------------------------------------


def constant(ms: float) -> Latency:
    """A latency of exactly ``ms`` milliseconds.

    >>> constant(2.5)(seeded_rng(0))
    2.5
    """
    value = require_number("constant", "ms", ms)

    def draw(rng: random.Random) -> float:
        return value

    return draw


def exponential(rate: float) -> Latency:
    """An exponential latency with ``rate`` per millisecond (mean ``1 / rate`` ms),
    drawn by inversion, ``-ln(1 - U) / rate``, as the PBS simulator draws it.

    >>> round(exponential(1.0)(seeded_rng(0)), 6)
    1.860607
    """
    lam = require_number("exponential", "rate", rate, positive=True)

    def draw(rng: random.Random) -> float:
        return -math.log(1.0 - rng.random()) / lam

    return draw


def pareto(xm: float, alpha: float) -> Latency:
    """A Pareto latency, scale ``xm`` ms and shape ``alpha``: ``xm / U ** (1 / alpha)``.

    >>> round(pareto(1.0, 2.0)(seeded_rng(0)), 6)
    2.535279
    """
    scale = require_number("pareto", "xm", xm, positive=True)
    shape = require_number("pareto", "alpha", alpha, positive=True)

    def draw(rng: random.Random) -> float:
        return scale / (1.0 - rng.random()) ** (1.0 / shape)

    return draw


def mixture(weight: float, first: Latency, second: Latency) -> Latency:
    """``first`` with probability ``weight``, otherwise ``second`` (one uniform draw picks).

    >>> always = mixture(1, constant(1.0), constant(9.0))
    >>> always(seeded_rng(0))
    1.0
    """
    p = float(require_probability("mixture", "weight", weight))
    for what, part in (("first", first), ("second", second)):
        if not callable(part):
            raise TheoryError(f"mixture: {what} must be a latency (a callable), not {part!r}")

    def draw(rng: random.Random) -> float:
        return first(rng) if rng.random() < p else second(rng)

    return draw


@dataclass(frozen=True)
class WARS:
    """PBS's WARS latency model (数据复制的消息延迟): the one-way latencies of a write
    to a replica (``write``, W), its ack (``ack``, A), a read request (``read``, R) and its
    response (``response``, S), each drawn independently per replica and message.
    ``remote`` ms is added to each message to a replica outside the coordinator's
    datacenter (PBS's WAN setting); 0 puts every replica beside the coordinator.

    >>> WARS("fixed", constant(1), constant(1), constant(1), constant(1))
    WARS(name='fixed', remote=0.0)
    """

    name: str
    write: Latency
    ack: Latency
    read: Latency
    response: Latency
    remote: float = 0.0

    def __post_init__(self) -> None:
        owner = "WARS"
        require_name(owner, "name", self.name)
        for what in ("write", "ack", "read", "response"):
            if not callable(getattr(self, what)):
                raise TheoryError(f"{owner}: {what} must be a latency (a callable taking a "
                                  f"random.Random), not {getattr(self, what)!r}")
        object.__setattr__(self, "remote", require_number(owner, "remote", self.remote))

    def __repr__(self) -> str:
        return f"WARS(name={self.name!r}, remote={self.remote!r})"


def lnkd_ssd() -> WARS:
    """PBS Table 3, LinkedIn on SSDs (LNKD-SSD): W, A, R and S all 91.22% Pareto
    (xm = .235 ms, alpha = 10) and 8.78% exponential (lambda = 1.66 per ms).

    >>> lnkd_ssd()
    WARS(name='LNKD-SSD', remote=0.0)
    """
    ssd = mixture(0.0878, exponential(1.66), pareto(0.235, 10.0))
    return WARS("LNKD-SSD", ssd, ssd, ssd, ssd)


def lnkd_disk() -> WARS:
    """PBS Table 3, LinkedIn on spinning disks (LNKD-DISK): W is 38% Pareto (xm = 1.05 ms,
    alpha = 1.51) and 62% exponential (lambda = .183 per ms); A, R and S are LNKD-SSD's.

    >>> lnkd_disk()
    WARS(name='LNKD-DISK', remote=0.0)
    """
    ssd = lnkd_ssd().ack
    disk = mixture(0.62, exponential(0.183), pareto(1.05, 1.51))
    return WARS("LNKD-DISK", disk, ssd, ssd, ssd)


def ymmr() -> WARS:
    """PBS's fit for Yammer (YMMR, Table 3), as its authors' simulator draws it: W is
    93.9% Pareto (xm = 3 ms, alpha = 3.5) and 6.1% exponential (lambda = .0028 per ms);
    A, R and S are 98.2% Pareto (xm = 1.5 ms, alpha = 3.8) and 1.8% exponential
    (lambda = .0217 per ms). W's shape is the simulator's (``YammerDelayModel``), which
    reproduces the paper's YMMR results; a later transcription of the fit reads
    alpha = 3.35, which lowers the probability of a fresh read at commit from about .894
    to .888 (N = 3, R = W = 1).

    >>> ymmr()
    WARS(name='YMMR', remote=0.0)
    """
    slow = mixture(0.061, exponential(0.0028), pareto(3.0, 3.5))
    rest = mixture(0.018, exponential(0.0217), pareto(1.5, 3.8))
    return WARS("YMMR", slow, rest, rest, rest)


def wan() -> WARS:
    """PBS's WAN setting: LNKD-DISK with every replica in its own datacenter and 75 ms
    one-way between datacenters (the simulator's ``WAN`` option).

    >>> wan()
    WARS(name='WAN', remote=75.0)
    """
    disk = lnkd_disk()
    return WARS("WAN", disk.write, disk.ack, disk.read, disk.response, remote=WAN_DELAY)


PRODUCTION: dict[str, Callable[[], WARS]] = {
    "LNKD-SSD": lnkd_ssd, "LNKD-DISK": lnkd_disk, "YMMR": ymmr, "WAN": wan}
"""The paper's four production settings, by the names its figures use."""


# --- one WARS trial ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Trial:
    window: float        # smallest t >= 0 after commit at which the read is fresh
    write_latency: float  # the w-th fastest W_i + A_i
    read_latency: float   # the r-th fastest R_i + S_i


def _trial(model: WARS, n: int, r: int, w: int, rng: random.Random) -> _Trial:
    writer = reader = -1
    if model.remote:
        writer, reader = rng.randrange(n), rng.randrange(n)
    sends, writes, requests, reads = [], [], [], []
    for replica in range(n):
        wi, ai = model.write(rng), model.ack(rng)
        ri, si = model.read(rng), model.response(rng)
        if model.remote and replica != writer:
            wi, ai = wi + model.remote, ai + model.remote
        if model.remote and replica != reader:
            ri, si = ri + model.remote, si + model.remote
        sends.append(wi)
        writes.append(wi + ai)
        requests.append(ri)
        reads.append(ri + si)
    commit = sorted(writes)[w - 1]
    first = sorted(range(n), key=lambda i: (reads[i], i))[:r]
    window = max(0.0, min(sends[i] - commit - requests[i] for i in first))
    return _Trial(window, commit, reads[first[-1]])


def _trials(owner: str, model: WARS, n: int, r: int, w: int, trials: int,
            seed: int) -> Iterator[_Trial]:
    n, r, w = _require_quorum(owner, n, r, w)
    count = require_count(owner, "trials", trials, least=1)
    rng = seeded_rng(require_seed(owner, seed), owner)
    require_instance(owner, "model", model, WARS)
    return (_trial(model, n, r, w, rng) for _ in range(count))


def _nearest_rank(ordered: list[float], p: float) -> float:
    """The ``p``-quantile by nearest rank: the smallest value with at least ``p`` of the
    sample at or below it."""
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


# --- t-visibility (PBS section 4) ----------------------------------------------------------


def t_visibility(n: int, r: int, w: int, t: float, write: Latency, ack: Latency,
                 read: Latency, response: Latency, trials: int, seed: int) -> float:
    """Def 6.3.1 (数据复制), PBS t-visibility: the probability that a read starting ``t``
    ms after a write commits returns it, by Monte Carlo in the WARS model.

    Parameters
    ----------
    n, r, w : int
        Replicas, read quorum and write quorum, ``1 <= r, w <= n``.
    t : float
        Milliseconds from the write's commit to the read's start, ``t >= 0``.
    write, ack, read, response : callable
        The latencies W, A, R and S: each takes a ``random.Random`` and returns ms.
    trials : int
        Independent write-then-read trials (positive).
    seed : int
        Seeds the one generator every draw comes from.

    Returns
    -------
    float
        The fraction of trials whose read was fresh: one of its first ``r`` responses came
        from a replica ``i`` with ``W_i <= commit + t + R_i``. 1.0 when ``r + w > n``.

    Raises
    ------
    TheoryError
        On a bad size, a negative ``t``, a non-positive ``trials``, a non-integer seed or a
        latency that is not callable.

    Examples
    --------
    With instant acks and read requests (A = R = 0) a read at ``t = 0`` finds the write on
    exactly the ``w`` replicas that acknowledged it, and answers from ``r`` replicas that
    are a uniform choice, so it is fresh with probability ``1 - ps = 1/3`` here:

    >>> now, spread = constant(0.0), exponential(1.0)
    >>> t_visibility(3, 1, 1, 0, spread, now, now, spread, trials=3000, seed=1)
    0.3...

    References
    ----------
    Bailis et al., PVLDB 5(8), 2012, section 4.2 (the WARS model) and 5; their simulator,
    ``StaleCalc.calc_stale``.
    """
    owner = "t_visibility"
    after = require_number(owner, "t", t)
    model = WARS("t_visibility", write, ack, read, response)
    runs = list(_trials(owner, model, n, r, w, trials, seed))
    return sum(trial.window <= after for trial in runs) / len(runs)


def consistency_curve(model: WARS, n: int, r: int, w: int, times: Iterable[float],
                      trials: int, seed: int) -> tuple[float, ...]:
    """Def 6.3.1 (数据复制), PBS t-visibility at each of ``times``, from the same trials
    (so the curve never falls as ``t`` grows).

    >>> consistency_curve(lnkd_ssd(), 3, 1, 1, [0, 1, 5], trials=2000, seed=0)
    (0.9715, 0.995, 1.0)
    """
    owner = "consistency_curve"
    after = [require_number(owner, "time", t) for t in times]
    windows = [trial.window for trial in _trials(owner, model, n, r, w, trials, seed)]
    return tuple(sum(window <= t for window in windows) / len(windows) for t in after)


def visibility_time(model: WARS, n: int, r: int, w: int, p: float, trials: int,
                    seed: int) -> float:
    """Def 6.3.1 (数据复制), PBS: how long after a commit reads are fresh with probability
    at least ``p`` (the ``p``-quantile, by nearest rank, of each trial's staleness window).

    >>> round(visibility_time(lnkd_ssd(), 3, 1, 1, 0.99, trials=2000, seed=0), 3)
    0.65
    """
    owner = "visibility_time"
    target = float(require_probability(owner, "p", p, zero=False))
    windows = sorted(trial.window for trial in _trials(owner, model, n, r, w, trials, seed))
    return _nearest_rank(windows, target)


@dataclass(frozen=True)
class QuorumLatency:
    """What a quorum setting costs: percentiles (nearest rank, ms) of the read latency
    (the ``r``-th fastest ``R_i + S_i``) and write latency (``w``-th fastest ``W_i + A_i``)."""

    read_p50: float
    read_p99: float
    read_p999: float
    write_p50: float
    write_p99: float
    write_p999: float


def quorum_latency(model: WARS, n: int, r: int, w: int, trials: int,
                   seed: int) -> QuorumLatency:
    """Def 6.3.1 (数据复制): the read and write latency a quorum setting costs, by the same
    Monte Carlo as :func:`t_visibility`.

    Parameters
    ----------
    model : WARS
        The latency model.
    n, r, w : int
        Replicas, read quorum and write quorum.
    trials, seed : int
        Trials (positive) and the generator's seed.

    Returns
    -------
    QuorumLatency
        p50, p99 and p99.9 of read and write latencies, in ms.

    Raises
    ------
    TheoryError
        On a bad size, trial count, seed or model.

    Examples
    --------
    >>> cost = quorum_latency(lnkd_disk(), 3, 1, 1, trials=2000, seed=0)
    >>> round(cost.read_p50, 2), round(cost.write_p50, 2)
    (0.49, 1.5)

    References
    ----------
    Bailis et al., PVLDB 5(8), 2012, section 5 (Table 4, latencies of each setting).
    """
    runs = list(_trials("quorum_latency", model, n, r, w, trials, seed))
    reads = sorted(trial.read_latency for trial in runs)
    writes = sorted(trial.write_latency for trial in runs)
    return QuorumLatency(*(_nearest_rank(reads, p) for p in (0.5, 0.99, 0.999)),
                         *(_nearest_rank(writes, p) for p in (0.5, 0.99, 0.999)))


# --- a replicated register (Def 6.3.1) -----------------------------------------------------


@dataclass(frozen=True)
class _Write:
    process: str
    value: Hashable
    version: int
    invoked: float
    completed: float
    applied: tuple[float, ...]  # when each replica receives it


@dataclass(frozen=True)
class _Read:
    process: str
    invoked: float
    completed: float
    asked: tuple[float, ...]     # when the request reaches each replica it is answered from


class ReplicatedRegister:
    """Def 6.3.1 (数据复制): one key kept on ``n`` replicas, written to ``w`` and read
    from ``r`` of them, Dynamo-style, on a virtual clock.

    A client's write gets the next version and is sent to every replica; replica ``i``
    applies it ``W_i`` ms later if it is newer than what it holds, and the write completes
    when the ``w``-th ack returns (``W_i + A_i``). A read is sent to every replica; replica
    ``i`` answers with what it holds ``R_i`` ms later, the answer arriving ``S_i`` ms after
    that, and the read completes with the newest of the first ``r`` answers. Latencies are
    drawn from ``model`` with a generator seeded by ``seed``. No read repair, no failures.

    Clients invoke at the clock's time (:meth:`advance` moves it); each client has at most
    one operation pending. :attr:`history` resolves what every read returned, so it counts
    every write invoked so far, including those invoked after a read started.

    Parameters
    ----------
    n, r, w : int
        Replicas, read quorum and write quorum.
    model : WARS, optional
        The message latencies (ms); LNKD-SSD by default.
    seed : int
        Seeds the latencies.

    Examples
    --------
    >>> register = ReplicatedRegister(3, 2, 2, seed=1)
    >>> done = register.write("alice", 1)
    >>> register.advance(10)
    10.0
    >>> done = register.read("bob")
    >>> print(register.history)
    alice: write x=1 [0.0, 0.5239...]
    bob: read x=1 [10.0, 10.5499...]

    References
    ----------
    DeCandia et al., "Dynamo: Amazon's Highly Available Key-value Store", SOSP 2007,
    section 4.5; Bailis et al., PVLDB 5(8), 2012, section 4.
    """

    def __init__(self, n: int, r: int, w: int, model: WARS | None = None, *, seed: int = 0):
        owner = "ReplicatedRegister"
        self.n, self.r, self.w = _require_quorum(owner, n, r, w)
        self.model = lnkd_ssd() if model is None else require_instance(owner, "model", model,
                                                                         WARS)
        self.seed = require_seed(owner, seed)
        self.clock = VirtualClock()
        self._rng = seeded_rng(seed, owner)
        self._writes: list[_Write] = []
        self._reads: list[_Read] = []
        self._busy: dict[str, float] = {}

    @property
    def strict(self) -> bool:
        """Whether every read quorum meets every write quorum (``r + w > n``)."""
        return self.r + self.w > self.n

    def advance(self, ms: float) -> float:
        """Move the clock forward ``ms`` milliseconds; return the new time."""
        return self.clock.advance(require_number("ReplicatedRegister", "ms", ms))

    def _start(self, process: str) -> float:
        require_name("ReplicatedRegister", "process", process)
        now = self.clock.now
        if self._busy.get(process, -math.inf) > now:
            raise TheoryError(f"ReplicatedRegister: process {process!r} is still waiting for "
                              f"an answer until {self._busy[process]!r}; advance the clock")
        return now

    def write(self, process: str, value: Hashable) -> float:
        """``process`` writes ``value`` now; returns when the write completes."""
        if value is None:
            raise TheoryError("ReplicatedRegister: a write must carry a value, not None "
                              "(None is the register's initial value)")
        now = self._start(process)
        applied, acked = [], []
        for _ in range(self.n):
            wi, ai = self.model.write(self._rng), self.model.ack(self._rng)
            applied.append(now + wi)
            acked.append(now + wi + ai)
        completed = sorted(acked)[self.w - 1]
        self._writes.append(_Write(process, value, len(self._writes) + 1, now, completed,
                                   tuple(applied)))
        self._busy[process] = completed
        return completed

    def read(self, process: str) -> float:
        """``process`` reads now; returns when the read completes (its value is in
        :attr:`history`)."""
        now = self._start(process)
        asked, answered = [], []
        for _ in range(self.n):
            ri, si = self.model.read(self._rng), self.model.response(self._rng)
            asked.append(now + ri)
            answered.append(now + ri + si)
        first = sorted(range(self.n), key=lambda i: (answered[i], i))[:self.r]
        completed = answered[first[-1]]
        self._reads.append(_Read(process, now, completed,
                                 tuple(asked[i] if i in first else math.nan
                                       for i in range(self.n))))
        self._busy[process] = completed
        return completed

    def _holds(self, replica: int, at: float) -> _Write | None:
        """The newest write replica ``replica`` has applied by time ``at`` (None: none)."""
        applied = [write for write in self._writes if write.applied[replica] <= at]
        return max(applied, key=lambda write: write.version, default=None)

    def _answer(self, read: _Read) -> _Write | None:
        held = [self._holds(i, at) for i, at in enumerate(read.asked) if not math.isnan(at)]
        return max((h for h in held if h is not None), key=lambda h: h.version, default=None)

    @property
    def history(self) -> History:
        """What clients invoked and were answered, every read resolved."""
        writes = [Operation(op.process, "write", op.value, op.invoked, op.completed)
                  for op in self._writes]
        reads = []
        for op in self._reads:
            seen = self._answer(op)
            reads.append(Operation(op.process, "read", None if seen is None else seen.value,
                                   op.invoked, op.completed))
        return History(sorted(writes + reads, key=lambda op: (op.invoked, op.completed or 0)))

    def __repr__(self) -> str:
        return (f"ReplicatedRegister(n={self.n}, r={self.r}, w={self.w}, "
                f"model={self.model.name!r}, seed={self.seed}, now={self.clock.now:g})")


def one_slow_link() -> WARS:
    """A latency model in which each write message is fast (1 ms) or, one time in two,
    100 ms slow: a write can reach one replica long before another."""
    return WARS("one slow link", mixture(0.5, constant(1.0), constant(100.0)),
                constant(1.0), constant(0.5), exponential(1.0))


def overlapping_reads(seed: int) -> History:
    """Strategy 6.1.2 (强一致性) against strict quorums: N = 3, R = W = 2 under
    :func:`one_slow_link`, with no write-back phase in reads. Alice writes 1; bob reads
    1 ms into her write; carol reads once bob is answered.

    On some seeds bob's quorum holds the replica alice's write reached first and carol's
    does not: bob reads 1, then carol the initial value, a history no single copy can
    produce (``check_linearizable`` rejects it). Attiya, Bar-Noy and Dolev (JACM 42(1),
    1995) add a write-back phase to reads for this reason.

    >>> from msatheory.data.consistency import check_linearizable
    >>> next(s for s in range(100) if not check_linearizable(overlapping_reads(s)).holds)
    21
    """
    register = ReplicatedRegister(3, 2, 2, one_slow_link(), seed=require_seed(
        "overlapping_reads", seed))
    register.write("alice", 1)
    register.advance(1.0)
    register.advance(register.read("bob") - register.clock.now + 0.01)
    register.read("carol")
    return register.history
