"""Strategy 6.1.1 (最终一致性) by construction: conflict-free replicated data types (CRDTs).

Strategy 6.1.1 allows replicas to disagree for a while as long as they "eventually
converge to a consistent state". A **state-based CRDT** (Shapiro, Preguiça, Baquero and
Zawirski, 2011) makes that a theorem rather than a hope. Its states form a
**join-semilattice**: a partial order ``leq`` in which any two states ``a`` and ``b``
have a least upper bound ``a.merge(b)``. A join is

* commutative, ``a.merge(b) == b.merge(a)``: the order in which two replicas hear of each
  other does not matter;
* associative, ``a.merge(b.merge(c)) == a.merge(b).merge(c)``: neither does the way the
  exchanges are grouped, so gossip may route states through any replica;
* idempotent, ``a.merge(a) == a``: a duplicated message changes nothing;

and every update moves a state up the order (``s.leq(update(s))``). Hence any two
replicas that have received the same updates, by whatever path, in whatever order, with
whatever duplicates and delays, hold the least upper bound of the same states: the same
value (Shapiro et al., Proposition 2.1, "strong eventual consistency"). A lost message
only delays convergence, as long as anti-entropy sends the state again later.

The types, each an immutable value with ``merge``, ``leq``, ``value`` and its updates:

* :class:`GCounter`: a grow-only counter, one count per replica (Specification 6);
* :class:`PNCounter`: increments and decrements, two grow-only counters (Specification 7);
* :class:`ORSet`: the observed-remove set, add-wins (Specification 15): each add is
  tagged uniquely by its replica and that replica's count of adds, ``("r1", 3)``, and a
  remove retires only the tags it has observed, so an add concurrent with a remove
  survives;
* :class:`LWWRegister`: the last-writer-wins register (Specification 8): the write with
  the greatest ``(timestamp, replica)`` wins, so a concurrent write is silently dropped.
  The register converges, but converging is not keeping every update:
  :mod:`msatheory.data.peers` shows what it loses when clocks are skewed.

The module stops at state-based types merged whole. It does not model operation-based
CRDTs (which need causal delivery), delta-state CRDTs, garbage collection of tombstones,
or sequences and maps.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import reduce
from typing import Protocol, Self, TypeVar

from msatheory.errors import (
    TheoryError,
    require_count,
    require_instance,
    require_name,
    require_time,
)

__all__ = ["GCounter", "LWWRegister", "ORSet", "PNCounter", "merge_all", "replica_counts"]

Time = int | float | Fraction
Tag = tuple[str, int]


class _Lattice(Protocol):
    def merge(self, other: Self) -> Self: ...


L = TypeVar("L", bound=_Lattice)


def merge_all(states: Iterable[L]) -> L:
    """The join of every state in ``states`` (at least one), merged left to right.

    >>> merge_all([GCounter().increment("a"), GCounter().increment("b", 2)]).value
    3
    """
    items = list(states)
    if not items:
        raise TheoryError("merge_all: states must hold at least one state, not none")
    return reduce(lambda left, right: left.merge(right), items)


def replica_counts(owner: str, counts: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    """``counts`` as sorted (replica, count) pairs, zero counts dropped: the state of a
    :class:`GCounter`, or of a version vector (:class:`msatheory.data.peers.VersionVector`).

    >>> replica_counts("GCounter", {"r2": 1, "r1": 0})
    (('r2', 1),)
    """
    if not isinstance(counts, Mapping):
        raise TheoryError(f"{owner}: counts must be a mapping of replica to count, "
                          f"not {counts!r}")
    for replica, count in counts.items():
        require_name(owner, "replica", replica)
        require_count(owner, f"count of {replica!r}", count)
    return tuple(sorted((r, c) for r, c in counts.items() if c))


@dataclass(frozen=True, init=False)
class GCounter:
    """Strategy 6.1.1 (最终一致性): a grow-only counter (G-Counter), one count per replica.

    A replica increments only its own entry; merge takes the entry-wise maximum, so an
    increment is counted once however often its state is delivered.

    Parameters
    ----------
    counts : mapping of str to int, optional
        Each replica's count (0 or more); the empty counter by default.

    Examples
    --------
    >>> a = GCounter().increment("r1")
    >>> b = GCounter().increment("r2", 2)
    >>> a.merge(b)
    GCounter({'r1': 1, 'r2': 2})
    >>> a.merge(b).merge(b).value
    3

    References
    ----------
    .. [1] Strategy 6.1.1 of the theory (最终一致性).
    .. [2] M. Shapiro, N. Preguiça, C. Baquero, M. Zawirski, "Conflict-free Replicated
       Data Types", SSS 2011 (INRIA RR-7687), Specification 6.
    """

    counts: tuple[tuple[str, int], ...]

    def __init__(self, counts: Mapping[str, int] | None = None) -> None:
        object.__setattr__(self, "counts", replica_counts("GCounter", counts or {}))

    def count(self, replica: str) -> int:
        """The increments ``replica`` has made."""
        return dict(self.counts).get(replica, 0)

    @property
    def value(self) -> int:
        """The total of every replica's count."""
        return sum(count for _, count in self.counts)

    def increment(self, replica: str, by: int = 1) -> GCounter:
        """This counter with ``replica``'s count raised by ``by`` (1 or more)."""
        require_name("GCounter.increment", "replica", replica)
        require_count("GCounter.increment", "by", by, least=1)
        counts = dict(self.counts)
        counts[replica] = counts.get(replica, 0) + by
        return GCounter(counts)

    def merge(self, other: GCounter) -> GCounter:
        """The join: each replica's larger count."""
        require_instance("GCounter.merge", "other", other, GCounter)
        mine, theirs = dict(self.counts), dict(other.counts)
        return GCounter({r: max(mine.get(r, 0), theirs.get(r, 0)) for r in mine | theirs})

    def leq(self, other: GCounter) -> bool:
        """The semilattice order: no count here exceeds ``other``'s."""
        require_instance("GCounter.leq", "other", other, GCounter)
        return all(count <= other.count(replica) for replica, count in self.counts)

    def __repr__(self) -> str:
        return f"GCounter({dict(self.counts)!r})"


@dataclass(frozen=True, init=False)
class PNCounter:
    """Strategy 6.1.1 (最终一致性): a counter that goes up and down (PN-Counter).

    Two grow-only counters, ``increments`` and ``decrements``; the value is their
    difference, and merge merges each.

    Parameters
    ----------
    increments, decrements : GCounter, optional
        The increments and decrements made so far; none by default.

    Examples
    --------
    >>> stock = PNCounter().increment("r1", 5)
    >>> a, b = stock.decrement("r1"), stock.decrement("r2")
    >>> a.merge(b).value
    3

    References
    ----------
    .. [1] Strategy 6.1.1 of the theory (最终一致性).
    .. [2] Shapiro et al. 2011 (INRIA RR-7687), Specification 7.
    """

    increments: GCounter
    decrements: GCounter

    def __init__(self, increments: GCounter | None = None,
                 decrements: GCounter | None = None) -> None:
        for what, given in (("increments", increments), ("decrements", decrements)):
            value = GCounter() if given is None else require_instance(
                "PNCounter", what, given, GCounter)
            object.__setattr__(self, what, value)

    @property
    def value(self) -> int:
        """Increments less decrements."""
        return self.increments.value - self.decrements.value

    def increment(self, replica: str, by: int = 1) -> PNCounter:
        """This counter raised by ``by`` at ``replica``."""
        return PNCounter(self.increments.increment(replica, by), self.decrements)

    def decrement(self, replica: str, by: int = 1) -> PNCounter:
        """This counter lowered by ``by`` at ``replica``."""
        return PNCounter(self.increments, self.decrements.increment(replica, by))

    def merge(self, other: PNCounter) -> PNCounter:
        """The join: increments merged with increments, decrements with decrements."""
        require_instance("PNCounter.merge", "other", other, PNCounter)
        return PNCounter(self.increments.merge(other.increments),
                         self.decrements.merge(other.decrements))

    def leq(self, other: PNCounter) -> bool:
        """The semilattice order: both halves are at or below ``other``'s."""
        require_instance("PNCounter.leq", "other", other, PNCounter)
        return self.increments.leq(other.increments) and self.decrements.leq(other.decrements)

    def __repr__(self) -> str:
        return (f"PNCounter(+{dict(self.increments.counts)!r}, "
                f"-{dict(self.decrements.counts)!r})")


def _element(owner: str, element: object) -> str:
    return require_name(owner, "element", element)


@dataclass(frozen=True, init=False)
class ORSet:
    """Strategy 6.1.1 (最终一致性): the observed-remove set (OR-Set), where an add wins
    over a concurrent remove.

    Each add of an element carries a unique **tag**, the adding replica and its count of
    adds: ``("r1", 1)``, ``("r1", 2)``, ... (the count is kept per replica in
    ``issued``, so tags repeat neither within a replica nor across replicas). A remove
    retires the tags of the element that its replica has observed; an element is in the
    set while one of its tags is live. A remove therefore cannot retire an add it has
    not seen: the concurrent add wins.

    Parameters
    ----------
    added : iterable of (str, (str, int)), optional
        Every (element, tag) pair ever added.
    removed : iterable of (str, int), optional
        Every tag retired (a **tombstone**); each must tag an added pair.
    issued : GCounter, optional
        How many tags each replica has issued; at least the largest tag of each replica
        in ``added`` (raised to it if lower).

    Examples
    --------
    >>> cart = ORSet().add("milk", "r1")
    >>> removed = cart.remove("milk")           # replica r1 removes the milk it saw
    >>> added = cart.add("milk", "r2")          # meanwhile r2 adds milk again
    >>> sorted(removed.merge(added).value)      # add wins
    ['milk']
    >>> sorted(cart.merge(removed).value)
    []

    References
    ----------
    .. [1] Strategy 6.1.1 of the theory (最终一致性).
    .. [2] Shapiro et al. 2011 (INRIA RR-7687), Specification 15 (observed-remove set).
    .. [3] Riak documentation, "Data Types: Sets" (an add-wins OR-Set).
    """

    added: frozenset[tuple[str, Tag]]
    removed: frozenset[Tag]
    issued: GCounter

    def __init__(self, added: Iterable[tuple[str, Tag]] = (), removed: Iterable[Tag] = (),
                 issued: GCounter | None = None) -> None:
        owner = "ORSet"
        pairs = frozenset(added)
        for pair in pairs:
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise TheoryError(f"{owner}: added must hold (element, tag) pairs, "
                                  f"not {pair!r}")
            _element(owner, pair[0])
            _tag(owner, pair[1])
        tags = {tag for _, tag in pairs}
        gone = frozenset(removed)
        for tag in gone:
            _tag(owner, tag)
            if tag not in tags:
                raise TheoryError(f"{owner}: removed tag {tag!r} tags no added element")
        if issued is not None:
            require_instance(owner, "issued", issued, GCounter)
        counts = dict((issued if issued is not None else GCounter()).counts)
        for replica, number in tags:
            counts[replica] = max(counts.get(replica, 0), number)
        object.__setattr__(self, "added", pairs)
        object.__setattr__(self, "removed", gone)
        object.__setattr__(self, "issued", GCounter(counts))

    @property
    def value(self) -> frozenset[str]:
        """The elements with a live (added, not removed) tag."""
        return frozenset(element for element, tag in self.added if tag not in self.removed)

    def __contains__(self, element: object) -> bool:
        return element in self.value

    def tags(self, element: str) -> frozenset[Tag]:
        """The live tags of ``element``: the adds a remove here would retire."""
        return frozenset(tag for e, tag in self.added if e == element and tag not in self.removed)

    def add(self, element: str, replica: str) -> ORSet:
        """This set with ``element`` added at ``replica`` under a fresh tag."""
        _element("ORSet.add", element)
        require_name("ORSet.add", "replica", replica)
        tag = (replica, self.issued.count(replica) + 1)
        return ORSet(self.added | {(element, tag)}, self.removed,
                     self.issued.increment(replica))

    def remove(self, element: str) -> ORSet:
        """This set with every observed tag of ``element`` retired (nothing if absent)."""
        _element("ORSet.remove", element)
        return ORSet(self.added, self.removed | self.tags(element), self.issued)

    def merge(self, other: ORSet) -> ORSet:
        """The join: the union of adds, of tombstones and of issued tags."""
        require_instance("ORSet.merge", "other", other, ORSet)
        return ORSet(self.added | other.added, self.removed | other.removed,
                     self.issued.merge(other.issued))

    def leq(self, other: ORSet) -> bool:
        """The semilattice order: ``other`` has seen every add and remove seen here."""
        require_instance("ORSet.leq", "other", other, ORSet)
        return (self.added <= other.added and self.removed <= other.removed
                and self.issued.leq(other.issued))

    def __repr__(self) -> str:
        live = ", ".join(f"{e!r}@{r}.{n}" for e, (r, n) in sorted(self.added)
                         if (r, n) not in self.removed)
        return f"ORSet({{{live}}}, tombstones={len(self.removed)})"


def _tag(owner: str, tag: object) -> Tag:
    if not (isinstance(tag, tuple) and len(tag) == 2):
        raise TheoryError(f"{owner}: a tag must be a (replica, count) pair, not {tag!r}")
    require_name(owner, "tag replica", tag[0])
    require_count(owner, "tag count", tag[1], least=1)
    return (tag[0], tag[1])


@dataclass(frozen=True, init=False)
class LWWRegister:
    """Strategy 6.1.1 (最终一致性): the last-writer-wins register (LWW-Register).

    Each write carries the writer's ``timestamp`` (its own clock's reading) and
    ``replica``; the write with the greatest ``(timestamp, replica)`` wins, both on a
    local write and on merge. A write whose stamp is lower than the one held, however
    much later it really happened, is dropped: with skewed clocks that is a **lost
    update**. The empty register holds ``None`` stamped ``(0, "")``. Should two writes
    carry the same stamp (a replica that writes twice in one clock tick), the greater
    ``repr`` of the value wins, so that merge stays commutative.

    Parameters
    ----------
    value : hashable, optional
        The value held (``None``: never written).
    timestamp : int, float or Fraction, optional
        The winning write's timestamp, 0 or more.
    replica : str, optional
        The replica that wrote it (``""`` only for the empty register).

    Examples
    --------
    >>> r = LWWRegister().assign("red", timestamp=5, replica="a")
    >>> r.assign("blue", timestamp=4, replica="b").value      # earlier stamp: dropped
    'red'
    >>> r.merge(LWWRegister("green", 5, "b")).value            # tie broken by replica
    'green'

    References
    ----------
    .. [1] Strategy 6.1.1 of the theory (最终一致性).
    .. [2] Shapiro et al. 2011 (INRIA RR-7687), Specification 8.
    .. [3] M. Kleppmann, *Designing Data-Intensive Applications*, ch. 5, "Last write
       wins (discarding concurrent writes)" and ch. 8, "Timestamps for ordering events".
    """

    value: Hashable | None
    timestamp: Time
    replica: str

    def __init__(self, value: Hashable | None = None, timestamp: Time = 0,
                 replica: str = "") -> None:
        owner = "LWWRegister"
        require_time(owner, "timestamp", timestamp)
        if value is None and (timestamp, replica) != (0, ""):
            raise TheoryError(f"{owner}: a write must write a value, not None")
        if value is not None:
            require_name(owner, "replica", replica)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "timestamp", timestamp)
        object.__setattr__(self, "replica", replica)

    @property
    def stamp(self) -> tuple[Time, str, str]:
        """What decides a merge: timestamp, then replica, then the value's repr."""
        return (self.timestamp, self.replica, repr(self.value))

    def assign(self, value: Hashable, timestamp: Time, replica: str) -> LWWRegister:
        """A write of ``value`` stamped ``(timestamp, replica)``, kept only if it is the
        last by that stamp."""
        return self.merge(LWWRegister(value, timestamp, replica))

    def merge(self, other: LWWRegister) -> LWWRegister:
        """The join: the register with the greater stamp."""
        require_instance("LWWRegister.merge", "other", other, LWWRegister)
        return other if other.stamp > self.stamp else self

    def leq(self, other: LWWRegister) -> bool:
        """The semilattice order: this stamp is at most ``other``'s."""
        require_instance("LWWRegister.leq", "other", other, LWWRegister)
        return self.stamp <= other.stamp

    def __repr__(self) -> str:
        return (f"LWWRegister({self.value!r}, timestamp={self.timestamp!r}, "
                f"replica={self.replica!r})")
