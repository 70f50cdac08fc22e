"""Strategy 6.3.2 (对等复制): peer-to-peer replication, where every peer accepts writes.

"All nodes have equal standing": there is no primary to order the writes, so two peers
can accept conflicting writes to the same data at the same time, and each peer learns of
the other's only later, by **anti-entropy** (every ``interval`` seconds each peer sends
its whole state to one other peer chosen at random). Messages take a random delay, so
they arrive out of order; some are sent twice, some lost. What the group ends with
depends on how a peer reconciles a state it receives with its own, the choice
:data:`MODES` names:

* ``"lww"``, last writer wins (Cassandra's default): each write is stamped with the
  writing peer's own clock, and the greater stamp wins (:class:`~msatheory.data.crdt.LWWRegister`).
  Peers' clocks are offset by up to ``skew`` seconds, so a write that really came later
  can carry an earlier stamp and vanish: a **lost update**.
* ``"version-vectors"`` (Dynamo, Riak): each version carries a :class:`VersionVector`;
  a version that another one descends from is dropped, and versions that are
  concurrent are all kept as **siblings**, which the next reader merges (here, as in
  Dynamo's shopping cart, by taking the union) and writes back.
* ``"crdt"``: the state is an :class:`~msatheory.data.crdt.ORSet`, which merges
  without losing an add.

The data is one shopping cart, the example of the Dynamo paper. :func:`workload` draws
:class:`CartOp` s, each adding a fresh item or removing one added earlier, at random
peers and times; :func:`simulate` replays them on a group of peers (SimPy on a virtual
clock, one seeded generator) and returns an :class:`Outcome`: every peer's final cart,
whether and when the peers converged (Strategy 6.1.1, 最终一致性), the items lost
(added, never removed, absent at the end), the items **resurrected** (removed, yet back
at the end), and the most siblings a peer held. :func:`lost_by_skew` tabulates lost
updates against clock skew.

The module stops at one key and state-based anti-entropy. It does not model quorums,
hinted handoff, Merkle-tree comparison of large key spaces, failures of peers, or
clients that read from one peer and write to another (each write here is made by a
client that has just read the same peer).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from statistics import fmean
from typing import Any

from msatheory.data.consistency import Judgement, check_convergence
from msatheory.data.crdt import GCounter, LWWRegister, ORSet, replica_counts
from msatheory.data.history import History, Operation
from msatheory.errors import (
    TheoryError,
    require_choice,
    require_count,
    require_instance,
    require_items,
    require_name,
    require_names,
    require_number,
    require_probability,
    require_seed,
    require_time,
)
from msatheory.sim import Simulation, seeded_rng

__all__ = [
    "KINDS",
    "MODES",
    "ORDERS",
    "CartOp",
    "Outcome",
    "Version",
    "VersionVector",
    "lost_by_skew",
    "reconcile",
    "simulate",
    "workload",
]

MODES = ("lww", "version-vectors", "crdt")
"""How a peer reconciles concurrent writes: last writer wins, siblings under version
vectors, or a CRDT (an observed-remove set)."""

ORDERS = ("before", "after", "equal", "concurrent")
"""How one version vector stands to another."""

KINDS = ("add", "remove")
"""What a cart operation does."""

Time = int | float | Fraction
Cart = frozenset[str]


@dataclass(frozen=True, init=False)
class VersionVector:
    """Strategy 6.3.2 (对等复制): a version vector, each peer's count of the writes it
    coordinated that a version has seen.

    ``a.compare(b)`` is ``"before"`` when ``b`` has seen everything ``a`` has and more
    (``b`` supersedes ``a``), ``"after"`` the other way round, ``"equal"``, or
    ``"concurrent"`` when each has seen a write the other has not: a conflict that no
    order of the two resolves.

    Parameters
    ----------
    counts : mapping of str to int, optional
        Each peer's count (0 or more); the empty vector by default.

    Examples
    --------
    >>> base = VersionVector().increment("a")
    >>> x, y = base.increment("a"), base.increment("b")
    >>> base.compare(x), x.compare(base), x.compare(y)
    ('before', 'after', 'concurrent')
    >>> x.merge(y)
    VersionVector({'a': 2, 'b': 1})

    References
    ----------
    .. [1] Strategy 6.3.2 of the theory (对等复制).
    .. [2] G. DeCandia et al., "Dynamo: Amazon's Highly Available Key-value Store",
       SOSP 2007, section 4.4 (data versioning with vector clocks).
    .. [3] M. Kleppmann, *Designing Data-Intensive Applications*, ch. 5, "Detecting
       Concurrent Writes" (version vectors).
    """

    clock: GCounter

    def __init__(self, counts: Mapping[str, int] | None = None) -> None:
        clock = GCounter(dict(replica_counts("VersionVector", counts or {})))
        object.__setattr__(self, "clock", clock)

    @property
    def counts(self) -> dict[str, int]:
        """Each peer's count, peers in name order, zero counts left out."""
        return dict(self.clock.counts)

    def increment(self, peer: str) -> VersionVector:
        """This vector with one more write coordinated by ``peer``."""
        require_name("VersionVector.increment", "peer", peer)
        return VersionVector(dict(self.clock.increment(peer).counts))

    def merge(self, other: VersionVector) -> VersionVector:
        """The least vector that descends from both (each peer's larger count)."""
        require_instance("VersionVector.merge", "other", other, VersionVector)
        return VersionVector(dict(self.clock.merge(other.clock).counts))

    def descends(self, other: VersionVector) -> bool:
        """Whether this vector has seen every write ``other`` has (``other <= self``)."""
        require_instance("VersionVector.descends", "other", other, VersionVector)
        return other.clock.leq(self.clock)

    def compare(self, other: VersionVector) -> str:
        """One of :data:`ORDERS`: how this vector stands to ``other``."""
        mine, theirs = self.descends(other), other.descends(self)
        if mine and theirs:
            return "equal"
        if theirs:
            return "before"
        return "after" if mine else "concurrent"

    def __repr__(self) -> str:
        return f"VersionVector({self.counts!r})"


@dataclass(frozen=True)
class Version:
    """Strategy 6.3.2 (对等复制): one version of the cart, its items and the
    :class:`VersionVector` of the write that made it (a sibling, when several are kept).

    >>> Version(frozenset({"milk"}), VersionVector({"a": 1}))
    Version(['milk'], {'a': 1})
    """

    items: Cart
    clock: VersionVector

    def __post_init__(self) -> None:
        require_instance("Version", "clock", self.clock, VersionVector)
        require_instance("Version", "items", self.items, frozenset)
        require_names("Version", "items", sorted(self.items, key=repr))

    def __repr__(self) -> str:
        return f"Version({sorted(self.items)!r}, {self.clock.counts!r})"


def reconcile(versions: Iterable[Version]) -> frozenset[Version]:
    """Strategy 6.3.2 (对等复制): the siblings to keep of ``versions``, dropping each
    version that another one descends from.

    What is left are pairwise concurrent (or the same) versions, as Dynamo and Riak keep
    them: the reader sees every sibling and writes back their merge.

    Parameters
    ----------
    versions : iterable of Version
        The versions a peer holds and the ones it received.

    Returns
    -------
    frozenset of Version
        The versions no other version supersedes.

    Raises
    ------
    TheoryError
        If an item is not a :class:`Version`.

    Examples
    --------
    >>> old = Version(frozenset({"milk"}), VersionVector({"a": 1}))
    >>> new = Version(frozenset({"milk", "eggs"}), VersionVector({"a": 2}))
    >>> other = Version(frozenset({"milk", "tea"}), VersionVector({"a": 1, "b": 1}))
    >>> sorted(reconcile([old, new, other]), key=repr)
    [Version(['eggs', 'milk'], {'a': 2}), Version(['milk', 'tea'], {'a': 1, 'b': 1})]

    References
    ----------
    .. [1] DeCandia et al., Dynamo, SOSP 2007, section 4.4.
    .. [2] Riak KV documentation, "Causal Context" and "Conflict Resolution": siblings.
    """
    kept = frozenset(require_items("reconcile", "versions", versions, Version))
    return frozenset(v for v in kept
                     if not any(w.clock.compare(v.clock) == "after" for w in kept))


@dataclass(frozen=True)
class CartOp:
    """A client's operation on the cart: at true time ``time`` it asks ``peer`` to
    ``kind`` (``"add"`` or ``"remove"``) ``item``.

    >>> CartOp(1.5, "a", "add", "milk")
    CartOp(time=1.5, peer='a', kind='add', item='milk')
    """

    time: Time
    peer: str
    kind: str
    item: str

    def __post_init__(self) -> None:
        require_time("CartOp", "time", self.time)
        require_name("CartOp", "peer", self.peer)
        require_choice("CartOp", "kind", self.kind, KINDS)
        require_name("CartOp", "item", self.item)


def workload(peers: Iterable[str], writes: int, *, seed: int, span: Time = 10,
             remove: float = 0.25) -> tuple[CartOp, ...]:
    """``writes`` cart operations at times uniform on ``[0, span]`` and random ``peers``:
    each adds a fresh item (``item1``, ``item2``, ...) or, with probability
    ``remove``, removes an item added earlier that is not yet removed.

    >>> [op.kind for op in workload(["a", "b"], 4, seed=2, remove=0.5)]
    ['add', 'remove', 'add', 'add']
    """
    owner = "workload"
    names = require_names(owner, "peers", peers)
    if not names:
        raise TheoryError(f"{owner}: peers must name at least one peer, not none")
    require_count(owner, "writes", writes)
    require_time(owner, "span", span)
    p_remove = require_probability(owner, "remove", remove)
    rng = seeded_rng(seed, owner)
    times = sorted(rng.uniform(0, float(span)) for _ in range(writes))
    ops: list[CartOp] = []
    live: list[str] = []
    for time in times:
        peer = rng.choice(names)
        if live and rng.random() < p_remove:
            ops.append(CartOp(time, peer, "remove", live.pop(rng.randrange(len(live)))))
        else:
            item = f"item{sum(op.kind == 'add' for op in ops) + 1}"
            live.append(item)
            ops.append(CartOp(time, peer, "add", item))
    return tuple(ops)


State = LWWRegister | frozenset[Version] | ORSet


def _empty(mode: str) -> State:
    if mode == "lww":
        return LWWRegister()
    return frozenset() if mode == "version-vectors" else ORSet()


def _cart(state: State) -> Cart:
    """What a reader of the peer sees: the register's cart, the union of the siblings,
    or the set's value."""
    if isinstance(state, LWWRegister):
        return frozenset() if state.value is None else state.value  # type: ignore[return-value]
    if isinstance(state, ORSet):
        return state.value
    return frozenset().union(*(version.items for version in state))


def _merge(mine: State, theirs: State) -> State:
    if isinstance(mine, LWWRegister) and isinstance(theirs, LWWRegister):
        return mine.merge(theirs)
    if isinstance(mine, ORSet) and isinstance(theirs, ORSet):
        return mine.merge(theirs)
    assert isinstance(mine, frozenset) and isinstance(theirs, frozenset)
    return reconcile(mine | theirs)


def _write(state: State, op: CartOp, stamp: Time) -> State:
    """The peer's state after ``op``, made by a client that read the peer, changed the
    cart and wrote it back (stamped ``stamp`` under last writer wins)."""
    if isinstance(state, ORSet):
        return state.add(op.item, op.peer) if op.kind == "add" else state.remove(op.item)
    cart = _cart(state)
    new = cart | {op.item} if op.kind == "add" else cart - {op.item}
    if isinstance(state, LWWRegister):
        return state.assign(new, stamp, op.peer)
    seen = VersionVector()
    for version in state:
        seen = seen.merge(version.clock)
    return frozenset({Version(new, seen.increment(op.peer))})


def _listed(cart: Cart) -> tuple[str, ...]:
    """A cart's items in name order: how histories and replicas show a cart."""
    return tuple(sorted(cart))


def _siblings(state: State) -> int:
    return len(state) if isinstance(state, frozenset) else 1


@dataclass(frozen=True)
class Outcome:
    """What a run of :func:`simulate` ended with.

    ``carts`` holds each peer's final cart (what a reader of it sees); ``converged_at``
    the first time after the last write at which every peer held the same state (None:
    not by ``until``); ``lost`` the items added and never removed that no final cart
    holds; ``removed`` the items a remove took out of its peer's cart (a remove of an
    item its peer had not yet heard of takes out nothing); ``resurrected`` the removed
    items that a final cart holds again; ``siblings`` the most versions a peer held at
    once (1 outside ``"version-vectors"``); ``messages`` the states sent, ``duplicated``
    and ``dropped`` how many of them were sent twice or never arrived; ``history``
    every write and the final read at each peer, as
    :class:`~msatheory.data.history.Operation` s on key ``"cart"`` whose values are the
    cart's items in name order. ``replicas`` is the
    final carts as :func:`~msatheory.data.consistency.check_convergence` reads them, and
    ``judgement`` its verdict.
    """

    mode: str
    seed: int
    offsets: tuple[tuple[str, float], ...]
    carts: tuple[tuple[str, Cart], ...]
    last_write: Time
    converged_at: float | None
    lost: tuple[str, ...]
    removed: tuple[str, ...]
    resurrected: tuple[str, ...]
    siblings: int
    messages: int
    duplicated: int
    dropped: int
    history: History

    def cart(self, peer: str) -> Cart:
        """The final cart of ``peer``, as a reader of it sees it."""
        carts = dict(self.carts)
        if peer not in carts:
            raise TheoryError(f"Outcome: peer must be one of {tuple(carts)!r}, not {peer!r}")
        return carts[peer]

    @property
    def replicas(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """Each peer's final state, peer to (key to value): the cart's items in name
        order under ``"cart"``."""
        return {peer: {"cart": _listed(cart)} for peer, cart in self.carts}

    @property
    def judgement(self) -> Judgement:
        """Strategy 6.1.1 (最终一致性): whether the final carts agree, by
        :func:`~msatheory.data.consistency.check_convergence`."""
        return check_convergence(self.replicas)

    @property
    def converged(self) -> bool:
        """Whether every peer ended with the same state (Strategy 6.1.1, 最终一致性): not
        only the same cart, the same stamps, clocks or tombstones too."""
        return self.converged_at is not None

    @property
    def convergence_time(self) -> float | None:
        """How long after the last write the peers converged (None: they did not)."""
        return None if self.converged_at is None else self.converged_at - float(self.last_write)

    def __str__(self) -> str:
        took = ("not converged" if self.convergence_time is None
                else f"converged {self.convergence_time:.2f} s after the last write")
        return (f"{self.mode}: {took}; lost {len(self.lost)}, "
                f"resurrected {len(self.resurrected)}, siblings {self.siblings}")


def simulate(ops: Iterable[CartOp], peers: Iterable[str], mode: str, *, seed: int,
             skew: float = 0.0, offsets: Mapping[str, float] | None = None,
             interval: float = 1.0, delay: tuple[float, float] = (0.05, 2.0),
             duplicate: float = 0.1, loss: float = 0.1,
             until: float | None = None) -> Outcome:
    """Strategy 6.3.2 (对等复制): replay cart operations on a group of equal peers that
    reconcile by anti-entropy, and measure what survives.

    Each :class:`CartOp` runs at its peer at its time: the client reads the peer's cart,
    changes it and writes it back (under ``"crdt"`` it adds or removes on the peer's
    :class:`~msatheory.data.crdt.ORSet`). Every ``interval`` seconds, from a seeded
    phase, each peer sends its state to another peer drawn at random; the message is
    lost with probability ``loss``, otherwise it arrives after a delay uniform on
    ``delay`` and, with probability ``duplicate``, a second copy arrives after another
    such delay. The receiver merges it into its own state by ``mode``.

    Parameters
    ----------
    ops : iterable of CartOp
        The clients' operations; each names one of ``peers``.
    peers : iterable of str
        The peers, two or more.
    mode : str
        One of :data:`MODES`.
    seed : int
        Seeds every draw: phases, partners, delays, duplicates, losses, offsets.
    skew : float, optional
        Each peer's clock runs ahead of true time by an offset drawn uniformly from
        ``[0, skew]`` seconds (read only under ``"lww"``).
    offsets : mapping of str to float, optional
        Each peer's clock offset, given instead of drawn (peers left out: 0).
    interval : float, optional
        Seconds between a peer's anti-entropy rounds.
    delay : (float, float), optional
        The least and the most delay of a message, in seconds.
    duplicate, loss : float, optional
        The chance that a message is sent twice, or lost.
    until : float, optional
        When the run stops (default: 60 rounds after the last operation).

    Returns
    -------
    Outcome
        The final carts, convergence, the lost and resurrected items and the siblings.

    Raises
    ------
    TheoryError
        On an unknown mode or peer, fewer than two peers, or a bad number.

    Examples
    --------
    Two clients add to the cart at two peers at nearly the same time. The peer whose
    clock runs 5 s ahead stamps its write later; the other write is lost under last
    writer wins, and kept under the CRDT:

    >>> ops = [CartOp(0, "a", "add", "milk"), CartOp(1, "b", "add", "eggs")]
    >>> for mode in MODES:
    ...     print(simulate(ops, ["a", "b"], mode, seed=1, offsets={"a": 5}))
    lww: converged 2.38 s after the last write; lost 1, resurrected 0, siblings 1
    version-vectors: converged 2.38 s after the last write; lost 0, resurrected 0, siblings 2
    crdt: converged 2.38 s after the last write; lost 0, resurrected 0, siblings 1

    References
    ----------
    .. [1] Strategies 6.3.2 (对等复制) and 6.1.1 (最终一致性) of the theory.
    .. [2] DeCandia et al., Dynamo, SOSP 2007, sections 4.4 and 4.7 (anti-entropy).
    .. [3] Shapiro et al., "Conflict-free Replicated Data Types", SSS 2011.
    .. [4] M. Kleppmann, *Designing Data-Intensive Applications*, ch. 5, "Leaderless
       Replication" and "Detecting Concurrent Writes".
    .. [5] Riak KV documentation, "Conflict Resolution" (siblings, ``allow_mult``),
       https://docs.riak.com/riak/kv/latest/developing/usage/conflict-resolution/.
    """
    owner = "simulate"
    names = require_names(owner, "peers", peers)
    if len(names) < 2:
        raise TheoryError(f"{owner}: peers must name at least two peers, not {names!r}")
    require_choice(owner, "mode", mode, MODES)
    require_seed(owner, seed)
    steps = sorted(require_items(owner, "ops", ops, CartOp), key=lambda op: op.time)
    for op in steps:
        if op.peer not in names:
            raise TheoryError(f"{owner}: {op} names peer {op.peer!r}, not one of {names!r}")
    require_number(owner, "skew", skew, unit="seconds")
    require_number(owner, "interval", interval, positive=True, unit="seconds")
    if not (isinstance(delay, tuple) and len(delay) == 2):
        raise TheoryError(f"{owner}: delay must be a (least, most) pair, not {delay!r}")
    low = require_number(owner, "least delay", delay[0], unit="seconds")
    high = require_number(owner, "most delay", delay[1], unit="seconds")
    if high < low:
        raise TheoryError(f"{owner}: delay must not have most ({high!r}) below least "
                          f"({low!r})")
    p_duplicate = float(require_probability(owner, "duplicate", duplicate))
    p_loss = float(require_probability(owner, "loss", loss))
    last = steps[-1].time if steps else 0
    end = 60 * interval + float(last) if until is None else require_number(
        owner, "until", until, positive=True, unit="seconds")

    sim = Simulation(seed)
    rng = sim.rng
    drawn = {peer: rng.uniform(0, skew) for peer in names}
    if offsets is not None:
        for peer, offset in offsets.items():
            if peer not in names:
                raise TheoryError(f"{owner}: offsets names {peer!r}, not one of {names!r}")
            drawn[peer] = require_number(owner, f"offset of {peer!r}", offset,
                                         unit="seconds")
    states: dict[str, State] = {peer: _empty(mode) for peer in names}
    record: list[Operation] = []
    removed: list[str] = []
    counts = {"messages": 0, "duplicated": 0, "dropped": 0, "siblings": 1}
    converged: list[float | None] = [None if steps else 0.0]

    def settle() -> None:
        """Note the time if every peer now holds the same state after the last write."""
        if converged[0] is None and sim.now >= last and len(set(states.values())) == 1:
            converged[0] = sim.now
        elif len(set(states.values())) > 1:
            converged[0] = None
        counts["siblings"] = max(counts["siblings"], *map(_siblings, states.values()))

    def client(op: CartOp) -> Generator[Any, Any, None]:
        yield sim.timeout(float(op.time) - sim.now)
        before = _cart(states[op.peer])
        if op.kind == "remove" and op.item in before:
            removed.append(op.item)
        states[op.peer] = _write(states[op.peer], op, op.time + drawn[op.peer])
        record.append(Operation(op.peer, "write", _listed(_cart(states[op.peer])), op.time,
                                op.time, key="cart"))
        settle()

    def deliver(to: str, state: State, after: float) -> Generator[Any, Any, None]:
        yield sim.timeout(after)
        states[to] = _merge(states[to], state)
        settle()

    def gossip(peer: str) -> Generator[Any, Any, None]:
        yield sim.timeout(rng.uniform(0, interval))
        while True:
            partner = rng.choice([other for other in names if other != peer])
            counts["messages"] += 1
            if rng.random() < p_loss:
                counts["dropped"] += 1
            else:
                copies = 2 if rng.random() < p_duplicate else 1
                counts["duplicated"] += copies - 1
                for _ in range(copies):
                    sim.process(deliver(partner, states[peer], rng.uniform(low, high)))
            yield sim.timeout(interval)

    for op in steps:
        sim.process(client(op))
    for peer in names:
        sim.process(gossip(peer))
    sim.run(until=end)

    carts = tuple((peer, _cart(states[peer])) for peer in names)
    for peer, cart in carts:
        record.append(Operation(peer, "read", _listed(cart), sim.now, sim.now, key="cart"))
    final = frozenset().union(*(cart for _, cart in carts))
    targeted = {op.item for op in steps if op.kind == "remove"}
    added = dict.fromkeys(op.item for op in steps if op.kind == "add")
    return Outcome(
        mode=mode, seed=seed, offsets=tuple(drawn.items()), carts=carts,
        last_write=last, converged_at=converged[0],
        lost=tuple(item for item in added if item not in targeted and item not in final),
        removed=tuple(dict.fromkeys(removed)),
        resurrected=tuple(item for item in dict.fromkeys(removed) if item in final),
        siblings=counts["siblings"], messages=counts["messages"],
        duplicated=counts["duplicated"], dropped=counts["dropped"],
        history=History(record))


def lost_by_skew(skews: Iterable[float], mode: str = "lww", *, peers: int = 3,
                 writes: int = 30, span: float = 100.0, runs: int = 10,
                 seed: int = 0) -> tuple[tuple[float, float], ...]:
    """Strategy 6.3.2 (对等复制): the mean number of lost updates per run, for each clock
    ``skew``, over ``runs`` seeded workloads of ``writes`` operations in ``span``
    seconds on ``peers`` peers (run ``i`` uses seed ``seed + i`` for both the workload
    and the simulation).

    >>> lost_by_skew([0.0, 30.0], runs=4)
    ((0.0, 4.25), (30.0, 8.75))
    """
    owner = "lost_by_skew"
    levels = tuple(require_number(owner, "skew", s, unit="seconds") for s in skews)
    require_count(owner, "peers", peers, least=2)
    require_count(owner, "runs", runs, least=1)
    require_seed(owner, seed)
    names = [f"p{i + 1}" for i in range(peers)]
    table = []
    for level in levels:
        lost = [len(simulate(workload(names, writes, seed=seed + i, span=span), names, mode,
                             seed=seed + i, skew=level).lost) for i in range(runs)]
        table.append((level, fmean(lost)))
    return tuple(table)
