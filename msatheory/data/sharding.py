"""Def 6.2.1 (数据分片) and Strategy 6.2.1 (水平分片): which node holds which row, and
what moves when the nodes change.

The theory defines sharding as "distributing data over several storage nodes" and
horizontal sharding as "splitting data by rows, different rows stored on different
nodes". Both are a function from a row's key to a node: a :class:`Placement`, and
:func:`horizontal_shards` applies one to a set of keys. What separates placements is what
happens when a node joins or leaves:

* :class:`ModN`: ``key_hash(key) mod N``, what the theory's Go ``determineShard`` does.
  Going from ``N`` to ``M`` nodes moves exactly ``1 - min(N, M) / lcm(N, M)`` of the hash
  values (:func:`moved_fraction_mod_n`): ``N/(N+1)`` when one node joins.
* :class:`HashRing`: consistent hashing (Karger et al. 1997) with virtual nodes
  (Dynamo), as the ketama scheme lays them out (md5 points, four to a digest), so
  lookups agree with ``uhashring``'s ketama ring key for key.
* :class:`JumpHash`: Lamping and Veach's jump consistent hash (:func:`jump_hash`, their
  reference algorithm) over numbered buckets: only the last bucket can leave.
* :class:`Rendezvous`: highest random weight (Thaler and Ravishankar 1998).
* :class:`RangeSharding`: sorted split points, as Bigtable, HBase and CockroachDB split
  their key space; :meth:`RangeSharding.split` moves only the split range's keys.

:func:`movement` measures what moves between two placements and whether every moved key
moved to or from a node that joined or left (**minimal disruption**), against
:func:`ideal_moved_fraction`. :func:`loads` and :func:`imbalance` measure balance;
:func:`imbalance_table` tabulates a ring's imbalance against its virtual nodes beside the
expectation for a ring of uniformly random points (:func:`expected_imbalance`);
:func:`zipf_requests` and :func:`hot_spot` show that consistent hashing balances keys,
not requests.

Hashes: every placement hashes a key with :func:`key_hash`, the first 8 bytes of the
key's md5 digest (UTF-8) read little-endian, never Python's salted ``hash``. The ring's
positions are its low 32 bits: the first 4 digest bytes, which is ketama's key hash.

The module stops at placement. It does not move data, weigh nodes, replicate shards
(Def 6.3.1), bound a node's load (consistent hashing with bounded loads) or split ranges
by size on its own; vertical sharding (Strategy 6.2.2) is another module's subject.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from hashlib import md5
from itertools import accumulate
from typing import Protocol, runtime_checkable

from msatheory.errors import (
    TheoryError,
    require_count,
    require_integer,
    require_items,
    require_name,
    require_names,
    require_number,
    require_seed,
)
from msatheory.sim import seeded_rng

__all__ = [
    "HashRing",
    "HotSpot",
    "ImbalanceRow",
    "JumpHash",
    "ModN",
    "Movement",
    "Placement",
    "RangeSharding",
    "Rendezvous",
    "expected_imbalance",
    "horizontal_shards",
    "hot_spot",
    "ideal_moved_fraction",
    "imbalance",
    "imbalance_table",
    "jump_hash",
    "ketama_points",
    "key_hash",
    "loads",
    "moved_fraction_mod_n",
    "movement",
    "sample_keys",
    "zipf_requests",
]

MASK64 = (1 << 64) - 1
"""Unsigned 64-bit arithmetic: results are taken modulo 2**64."""

RING = 1 << 32
"""The size of the ketama ring: positions are 32-bit."""

MAX_BUCKETS = (1 << 31) - 1
"""The most buckets :func:`jump_hash` takes (its reference takes an ``int32_t``)."""

_JUMP_MULTIPLIER = 2862933555777941757  # Lamping and Veach's 64-bit LCG


# --- hashes ----------------------------------------------------------------------------------


def key_hash(key: str) -> int:
    """The 64-bit hash every placement here puts a key through: the first 8 bytes of the
    md5 digest of ``key`` (UTF-8), read little-endian. Its low 32 bits are ketama's ring
    position of the key.

    >>> key_hash("user:42")
    3799564087501773398
    >>> key_hash("user:42") & 0xFFFFFFFF == int.from_bytes(md5(b"user:42").digest()[:4], "little")
    True
    """
    key = _key("key_hash", key)
    return int.from_bytes(md5(key.encode()).digest()[:8], "little")


def jump_hash(key: int, buckets: int) -> int:
    """Strategy 6.2.1 (水平分片): Lamping and Veach's jump consistent hash of ``key``.

    Their reference algorithm, in unsigned 64-bit arithmetic: a linear congruential
    generator seeded by the key decides where the key jumps as buckets are added, so a
    key moves only when the bucket added is the one it jumps to.

    Parameters
    ----------
    key : int
        An unsigned 64-bit integer (0 to 2**64 - 1), such as :func:`key_hash` of a key.
    buckets : int
        The number of buckets, 1 to 2**31 - 1.

    Returns
    -------
    int
        The bucket, from 0 to ``buckets - 1``. Going from ``n`` to ``n + 1`` buckets a
        key either stays or moves to bucket ``n``, with probability ``1/(n + 1)``.

    Raises
    ------
    TheoryError
        If ``key`` is not an unsigned 64-bit integer or ``buckets`` is out of range.

    Examples
    --------
    >>> [jump_hash(1, n) for n in range(1, 8)]
    [0, 0, 0, 0, 0, 0, 6]
    >>> jump_hash(2**64 - 1, 1000)
    313

    References
    ----------
    .. [1] J. Lamping and E. Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm",
       2014, arXiv:1406.2294, Figure 1 (the reference implementation).
    """
    key = require_count("jump_hash", "key", key)
    if key > MASK64:
        raise TheoryError(f"jump_hash: key must be an unsigned 64-bit integer "
                          f"(below 2**64), not {key!r}")
    buckets = require_count("jump_hash", "buckets", buckets, least=1)
    if buckets > MAX_BUCKETS:
        raise TheoryError(f"jump_hash: buckets must be at most 2**31 - 1, not {buckets!r}")
    return _jump(key, buckets)


def _jump(key: int, buckets: int) -> int:
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * _JUMP_MULTIPLIER + 1) & MASK64
        j = int((b + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return b


def _mix64(x: int) -> int:
    """MurmurHash3's 64-bit finaliser (fmix64): a bijection of 64-bit integers."""
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & MASK64
    x ^= x >> 33
    x = (x * 0xC4CEB9FE1A85EC53) & MASK64
    return x ^ (x >> 33)


def moved_fraction_mod_n(old: int, new: int) -> Fraction:
    """Def 6.2.1 (数据分片) under ``hash mod N``: the fraction of hash values whose node
    changes when ``old`` nodes become ``new``, exactly ``1 - min(N, M) / lcm(N, M)``.

    Derivation. A key of hash ``k`` stays on its node iff ``k mod N == k mod M``, and
    whether it does depends only on ``k mod L``, ``L = lcm(N, M)``. If
    ``k mod N == k mod M == r`` then ``r < min(N, M)`` and ``k - r`` is a multiple of
    both ``N`` and ``M``, hence of ``L``: ``k ≡ r (mod L)``. Conversely every
    ``k ≡ r (mod L)`` with ``r < min(N, M)`` has ``k mod N == r == k mod M``. So exactly
    ``min(N, M)`` of every ``L`` consecutive hash values stay, and
    ``1 - min(N, M) / L`` move. One node joining ``N`` gives ``L = N(N + 1)`` and moves
    ``N/(N + 1)`` of the keys, where a consistent placement moves ``1/(N + 1)``.

    Parameters
    ----------
    old, new : int
        Node counts before and after (positive).

    Returns
    -------
    Fraction
        The fraction of hash values, over any whole period ``lcm(old, new)``, that move.

    Raises
    ------
    TheoryError
        If a count is not a positive whole number.

    Examples
    --------
    >>> moved_fraction_mod_n(10, 11)
    Fraction(10, 11)
    >>> moved_fraction_mod_n(4, 8), moved_fraction_mod_n(5, 5)
    (Fraction(1, 2), Fraction(0, 1))

    References
    ----------
    .. [1] D. Karger et al., "Consistent Hashing and Random Trees", STOC 1997 (the
       problem with ``mod N`` that consistent hashing answers).
    """
    n = require_count("moved_fraction_mod_n", "old", old, least=1)
    m = require_count("moved_fraction_mod_n", "new", new, least=1)
    return 1 - Fraction(min(n, m), math.lcm(n, m))


def ideal_moved_fraction(n: int, change: int) -> Fraction:
    """Def 6.2.1 (数据分片): the least fraction of keys that must move when ``change``
    nodes join (``change > 0``) or leave (``change < 0``) ``n`` balanced nodes:
    ``|change| / max(n, n + change)``, so ``1/(N + 1)`` when one joins ``N`` and ``1/N``
    when one of ``N`` leaves.

    The joining nodes must end up with their share of the keys, and the leaving nodes'
    keys must go somewhere; a placement that moves only these is minimally disruptive.

    Examples
    --------
    >>> ideal_moved_fraction(10, 1), ideal_moved_fraction(10, -1)
    (Fraction(1, 11), Fraction(1, 10))

    Raises
    ------
    TheoryError
        If ``n`` is not positive, ``change`` is 0, or fewer than one node would remain.

    References
    ----------
    .. [1] D. Karger et al., "Consistent Hashing and Random Trees", STOC 1997.
    """
    n = require_count("ideal_moved_fraction", "n", n, least=1)
    change = require_integer("ideal_moved_fraction", "change", change)
    if change == 0 or n + change < 1:
        raise TheoryError(f"ideal_moved_fraction: change must be nonzero and leave at least "
                          f"one of the {n} nodes, not {change!r}")
    return Fraction(abs(change), max(n, n + change))


# --- placements ------------------------------------------------------------------------------


@runtime_checkable
class Placement(Protocol):
    """Def 6.2.1 (数据分片): data distributed over several storage nodes, as the function
    from a row's key to the node that stores it.

    ``nodes`` are the storage nodes, ``node(key)`` the one that holds ``key``;
    ``with_node(name)`` and ``without_node(name)`` are the placement after a node joins
    or leaves (a new placement: placements are values). A placement may refuse a change
    it cannot make, with a :class:`~msatheory.errors.TheoryError` saying what it needs
    instead (:class:`JumpHash` loses only its last bucket; :class:`RangeSharding` grows
    by :meth:`~RangeSharding.split`).
    """

    @property
    def nodes(self) -> tuple[str, ...]:
        """The storage nodes."""
        ...

    def node(self, key: str) -> str:
        """The node that stores ``key``."""
        ...

    def with_node(self, name: str) -> Placement:
        """The placement once node ``name`` has joined."""
        ...

    def without_node(self, name: str) -> Placement:
        """The placement once node ``name`` has left."""
        ...


def _key(owner: str, key: object) -> str:
    if not isinstance(key, str):
        raise TheoryError(f"{owner}: key must be a string, not {key!r}")
    return key


def _nodes(owner: str, nodes: object) -> tuple[str, ...]:
    names = require_names(owner, "nodes", nodes)
    if not names:
        raise TheoryError(f"{owner}: nodes must name at least one node, not {nodes!r}")
    return names


def _joined(owner: str, nodes: tuple[str, ...], name: object) -> tuple[str, ...]:
    name = require_name(owner, "name", name)
    if name in nodes:
        raise TheoryError(f"{owner}: node {name!r} is already one of {', '.join(nodes)}")
    return (*nodes, name)


def _left(owner: str, nodes: tuple[str, ...], name: object) -> tuple[str, ...]:
    name = require_name(owner, "name", name)
    if name not in nodes:
        raise TheoryError(f"{owner}: node {name!r} is not one of {', '.join(nodes)}")
    if len(nodes) == 1:
        raise TheoryError(f"{owner}: node {name!r} is the only node; one must remain")
    return tuple(n for n in nodes if n != name)


class ModN:
    """Def 6.2.1 (数据分片) by ``key_hash(key) mod N``: the i-th of ``nodes`` holds the
    keys whose hash is ``i`` modulo their number.

    This is the theory's Go ``determineShard`` (which hashes with FNV-1a 32 and indexes
    a list built from a Go map, whose order Go randomises; here the order is the one
    given). Balanced, but a change of ``N`` moves almost every key
    (:func:`moved_fraction_mod_n`).

    Examples
    --------
    >>> p = ModN(["a", "b", "c"])
    >>> p.node("user:2"), p.with_node("d").node("user:2")
    ('a', 'd')

    References
    ----------
    .. [1] D. Karger et al., "Consistent Hashing and Random Trees", STOC 1997.
    """

    def __init__(self, nodes: Iterable[str]) -> None:
        self._nodes = _nodes("ModN", nodes)

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes, in the order of their residues."""
        return self._nodes

    def node(self, key: str) -> str:
        """The node of residue ``key_hash(key) mod N``."""
        return self._nodes[key_hash(key) % len(self._nodes)]

    def with_node(self, name: str) -> ModN:
        """``N + 1`` nodes, ``name`` last."""
        return ModN(_joined("ModN", self._nodes, name))

    def without_node(self, name: str) -> ModN:
        """``N - 1`` nodes, the others in their order."""
        return ModN(_left("ModN", self._nodes, name))

    def __repr__(self) -> str:
        return f"ModN({list(self._nodes)!r})"


def ketama_points(name: str, vnodes: int) -> tuple[int, ...]:
    """The ring positions of node ``name``: the 4-byte little-endian words of
    ``md5(f"{name}-{w}")`` for ``w = 0, 1, ...``, four to a digest, the first ``vnodes``
    of them (ketama's layout: 40 digests, 160 points, per server).

    >>> ketama_points("a", 5)[:2] == ketama_points("a", 2)
    True
    """
    points: list[int] = []
    for w in range((vnodes + 3) // 4):
        digest = md5(f"{name}-{w}".encode()).digest()
        points.extend(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))
    return tuple(points[:vnodes])


class HashRing:
    """Def 6.2.1 (数据分片) by consistent hashing: Karger's ring with ``vnodes`` virtual
    nodes per node, laid out as ketama lays them.

    Each node has ``vnodes`` points on a ring of 2**32 positions (:func:`ketama_points`);
    a key belongs to the node of the first point after the key's position
    (``key_hash(key) mod 2**32``), wrapping at the top. A joining node takes only the arcs
    before its points, a leaving node gives its arcs to the next points: only the
    changed node's keys move. If two nodes share a point, the greater name holds it.

    With ``vnodes`` a multiple of 4 this is ``uhashring.HashRing(sorted(nodes),
    hash_fn="ketama", vnodes=vnodes // 4)``, key for key.

    Parameters
    ----------
    nodes : iterable of str
        Distinct node names, at least one.
    vnodes : int
        Points per node (positive); 160 is ketama's default (40 digests of 4).

    Examples
    --------
    >>> ring = HashRing(["a", "b", "c"])
    >>> ring.node("user:42")
    'b'
    >>> ring.with_node("d").node("user:42") in ("b", "d")
    True

    References
    ----------
    .. [1] D. Karger, E. Lehman, T. Leighton, R. Panigrahy, M. Levine and D. Lewin,
       "Consistent Hashing and Random Trees", STOC 1997.
    .. [2] G. DeCandia et al., "Dynamo: Amazon's Highly Available Key-value Store",
       SOSP 2007, section 4.2 (virtual nodes).
    .. [3] R. Jones, libketama (last.fm, 2007), the layout memcached clients share.
    """

    def __init__(self, nodes: Iterable[str], vnodes: int = 160) -> None:
        self._nodes = _nodes("HashRing", nodes)
        self.vnodes = require_count("HashRing", "vnodes", vnodes, least=1)
        holder: dict[int, str] = {}
        for name in sorted(self._nodes):  # the greater name is written last and holds
            for point in ketama_points(name, self.vnodes):
                holder[point] = name
        self._points = sorted(holder)
        self._holders = [holder[p] for p in self._points]

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes, as given."""
        return self._nodes

    def node(self, key: str) -> str:
        """The holder of the first point after ``key``'s position, wrapping."""
        position = int.from_bytes(md5(_key("HashRing", key).encode()).digest()[:4], "little")
        i = bisect_right(self._points, position)
        return self._holders[i if i < len(self._points) else 0]

    def shares(self) -> dict[str, Fraction]:
        """The exact fraction of the ring's 2**32 positions each node holds.

        >>> sum(HashRing(["a", "b"], vnodes=4).shares().values())
        Fraction(1, 1)
        """
        share = dict.fromkeys(self._nodes, 0)
        previous = self._points[-1] - RING  # the arc into the first point wraps
        for point, name in zip(self._points, self._holders, strict=True):
            share[name] += point - previous
            previous = point
        return {name: Fraction(arc, RING) for name, arc in share.items()}

    def with_node(self, name: str) -> HashRing:
        """The ring with ``name``'s points added."""
        return HashRing(_joined("HashRing", self._nodes, name), self.vnodes)

    def without_node(self, name: str) -> HashRing:
        """The ring with ``name``'s points removed."""
        return HashRing(_left("HashRing", self._nodes, name), self.vnodes)

    def __repr__(self) -> str:
        return f"HashRing({list(self._nodes)!r}, vnodes={self.vnodes})"


class JumpHash:
    """Def 6.2.1 (数据分片) by jump consistent hash: the i-th of ``nodes`` is bucket
    ``i``, and a key belongs to bucket ``jump_hash(key_hash(key), N)``.

    No ring and no memory beyond the list of nodes, and the buckets are balanced
    exactly in expectation. But buckets are numbered: a node joins as bucket ``N`` and
    only the last bucket can leave. ``without_node`` of another node refuses, unless
    ``swap_last=True``, which renames: the last node takes the leaving node's bucket and
    the last bucket is dropped, so the leaving node's keys move to the last node and the
    last bucket's keys scatter over the rest: ``1/N + (1/N)(N - 2)/(N - 1)`` of all keys
    move (about ``2/N``), instead of ``1/N``, and most of them between nodes that stayed.
    Lamping and Veach meant it for data storage, where a failed server's shard is
    served by its replicas and the bucket stays.

    Examples
    --------
    >>> p = JumpHash(["a", "b", "c"])
    >>> p.node("user:3"), p.without_node("c").node("user:3")
    ('c', 'b')
    >>> p.without_node("a")
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: JumpHash: only the last bucket ('c') can leave; ...
    >>> p.without_node("a", swap_last=True)
    JumpHash(['c', 'b'])

    References
    ----------
    .. [1] J. Lamping and E. Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm",
       2014, arXiv:1406.2294.
    """

    def __init__(self, nodes: Iterable[str]) -> None:
        self._nodes = _nodes("JumpHash", nodes)
        if len(self._nodes) > MAX_BUCKETS:
            raise TheoryError(f"JumpHash: nodes must be at most 2**31 - 1, "
                              f"not {len(self._nodes)}")

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes, in bucket order."""
        return self._nodes

    def node(self, key: str) -> str:
        """The node of bucket ``jump_hash(key_hash(key), N)``."""
        return self._nodes[_jump(key_hash(key), len(self._nodes))]

    def with_node(self, name: str) -> JumpHash:
        """``name`` joins as the last bucket."""
        return JumpHash(_joined("JumpHash", self._nodes, name))

    def without_node(self, name: str, *, swap_last: bool = False) -> JumpHash:
        """The last bucket leaves; another node leaves only with ``swap_last=True``
        (the last node moves into its bucket)."""
        rest = _left("JumpHash", self._nodes, name)
        last = self._nodes[-1]
        if name == last:
            return JumpHash(rest)
        if not swap_last:
            raise TheoryError(
                f"JumpHash: only the last bucket ({last!r}) can leave; {name!r} is bucket "
                f"{self._nodes.index(name)} of {len(self._nodes)}. Pass swap_last=True to "
                f"move {last!r} into its bucket (about 2/N of the keys move, not 1/N)")
        return JumpHash(tuple(last if n == name else n for n in self._nodes[:-1]))

    def __repr__(self) -> str:
        return f"JumpHash({list(self._nodes)!r})"


class Rendezvous:
    """Def 6.2.1 (数据分片) by rendezvous (highest random weight) hashing: a key belongs
    to the node that weighs most for it.

    The weight of node ``n`` for key ``k`` is ``fmix64(key_hash(k) XOR key_hash(n))``,
    MurmurHash3's 64-bit finaliser: a bijection, so for one key no two nodes (of
    different hashes) tie; a tie would go to the greater name. A node that joins takes
    the keys it now outweighs, and a node that leaves gives each of its keys to that
    key's runner-up: only the changed node's keys move. Lookups cost ``O(N)``.

    Examples
    --------
    >>> p = Rendezvous(["a", "b", "c"])
    >>> p.node("user:1"), p.node("user:2")
    ('c', 'a')
    >>> q = p.without_node("a")
    >>> q.node("user:1"), q.node("user:2")
    ('c', 'b')

    References
    ----------
    .. [1] D. Thaler and C. Ravishankar, "Using Name-Based Mappings to Increase Hit
       Rates", IEEE/ACM Transactions on Networking 6(1), 1998.
    """

    def __init__(self, nodes: Iterable[str]) -> None:
        self._nodes = _nodes("Rendezvous", nodes)
        self._hashed = tuple((key_hash(n), n) for n in self._nodes)

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes, as given."""
        return self._nodes

    def weight(self, name: str, key: str) -> int:
        """The weight of node ``name`` for ``key``."""
        return _mix64(key_hash(key) ^ key_hash(name))

    def node(self, key: str) -> str:
        """The node of highest weight for ``key``."""
        k = key_hash(key)
        best, holder = -1, ""
        for h, name in self._hashed:  # _mix64, inlined: this loop is the lookup's cost
            x = k ^ h
            x ^= x >> 33
            x = (x * 0xFF51AFD7ED558CCD) & MASK64
            x ^= x >> 33
            x = (x * 0xC4CEB9FE1A85EC53) & MASK64
            x ^= x >> 33
            if x > best or (x == best and name > holder):
                best, holder = x, name
        return holder

    def with_node(self, name: str) -> Rendezvous:
        """The nodes and ``name``."""
        return Rendezvous(_joined("Rendezvous", self._nodes, name))

    def without_node(self, name: str) -> Rendezvous:
        """The nodes but ``name``."""
        return Rendezvous(_left("Rendezvous", self._nodes, name))

    def __repr__(self) -> str:
        return f"Rendezvous({list(self._nodes)!r})"


class RangeSharding:
    """Def 6.2.1 (数据分片) by key ranges: sorted split points cut the key space into
    ranges, each held by one node, as Bigtable (tablets), HBase (regions) and CockroachDB
    (ranges) do.

    With boundaries ``b0 < b1 < ...``, range ``i`` holds the keys ``k`` with
    ``b(i-1) <= k < b(i)`` (the first from the smallest key, the last to the greatest),
    comparing keys as strings (code-point order, which is UTF-8 byte order). Keys that
    sort together stay together, so scans are cheap, and a range grows with its keys:
    :meth:`split` cuts one range in two and moves only the upper part's keys.

    Parameters
    ----------
    boundaries : iterable of str
        The split points, strictly increasing (none for one range).
    nodes : iterable of str, optional
        The node of each range, one more than the boundaries; ``range-0``,
        ``range-1``, ... if omitted.

    Examples
    --------
    >>> shards = RangeSharding(["g", "p"])
    >>> [shards.node(k) for k in ("apple", "grape", "zebra")]
    ['range-0', 'range-1', 'range-2']
    >>> shards.split("t", "range-3").node("zebra")
    'range-3'

    References
    ----------
    .. [1] F. Chang et al., "Bigtable: A Distributed Storage System for Structured Data",
       OSDI 2006, section 5 (tablets split as they grow).
    .. [2] CockroachDB documentation, "Distribution layer": ranges and range splits.
    """

    def __init__(self, boundaries: Iterable[str], nodes: Iterable[str] | None = None) -> None:
        owner = "RangeSharding"
        self.boundaries = require_names(owner, "boundaries", boundaries)
        if list(self.boundaries) != sorted(self.boundaries):
            raise TheoryError(f"{owner}: boundaries must be sorted, "
                              f"not {list(self.boundaries)!r}")
        count = len(self.boundaries) + 1
        self._nodes = (tuple(f"range-{i}" for i in range(count)) if nodes is None
                       else _nodes(owner, nodes))
        if len(self._nodes) != count:
            raise TheoryError(f"{owner}: {len(self.boundaries)} boundaries make {count} "
                              f"ranges, so nodes must name {count}, not {len(self._nodes)}")

    @property
    def nodes(self) -> tuple[str, ...]:
        """The node of each range, in key order."""
        return self._nodes

    def node(self, key: str) -> str:
        """The node of the range holding ``key``."""
        return self._nodes[bisect_right(self.boundaries, _key("RangeSharding", key))]

    def split(self, at: str, name: str) -> RangeSharding:
        """The range holding ``at`` split at ``at``: the keys from ``at`` to the range's
        end move to the new node ``name``."""
        at = require_name("RangeSharding", "at", at)
        if at in self.boundaries:
            raise TheoryError(f"RangeSharding: {at!r} is already a boundary")
        nodes = _joined("RangeSharding", self._nodes, name)[:-1]
        i = bisect_right(self.boundaries, at)
        return RangeSharding((*self.boundaries[:i], at, *self.boundaries[i:]),
                             (*nodes[:i + 1], name, *nodes[i + 1:]))

    def with_node(self, name: str) -> RangeSharding:
        """Refused: a new range needs a split point; use :meth:`split`."""
        raise TheoryError(f"RangeSharding: a node joins by splitting a range at a key; "
                          f"use split(at, {name!r})")

    def without_node(self, name: str) -> RangeSharding:
        """The range of ``name`` merged into the range before it (after it, for the
        first): only its keys move."""
        rest = _left("RangeSharding", self._nodes, name)
        i = self._nodes.index(name)
        cut = i - 1 if i > 0 else 0
        return RangeSharding(self.boundaries[:cut] + self.boundaries[cut + 1:], rest)

    def __repr__(self) -> str:
        return f"RangeSharding({list(self.boundaries)!r}, nodes={list(self._nodes)!r})"


# --- Strategy 6.2.1 and what it costs --------------------------------------------------------


def _keys(owner: str, keys: object) -> tuple[str, ...]:
    return require_items(owner, "keys", keys, str)


def horizontal_shards(keys: Iterable[str], placement: Placement) -> dict[str, tuple[str, ...]]:
    """Strategy 6.2.1 (水平分片): split rows by key, each row to its node's shard.

    Parameters
    ----------
    keys : iterable of str
        The rows' keys.
    placement : Placement
        Which node holds which key (Def 6.2.1).

    Returns
    -------
    dict of str to tuple of str
        Each node of ``placement`` (in its order, an empty shard included) and the keys it
        holds, in the order given.

    Raises
    ------
    TheoryError
        If ``keys`` is not a list of strings.

    Examples
    --------
    >>> horizontal_shards(["apple", "grape", "zebra", "kiwi"], RangeSharding(["g", "p"]))
    {'range-0': ('apple',), 'range-1': ('grape', 'kiwi'), 'range-2': ('zebra',)}

    References
    ----------
    .. [1] Strategy 6.2.1 of the theory (水平分片): 按行分割数据，不同行存储在不同节点.
    """
    shards: dict[str, list[str]] = {name: [] for name in placement.nodes}
    for key in _keys("horizontal_shards", keys):
        shards[placement.node(key)].append(key)
    return {name: tuple(held) for name, held in shards.items()}


def loads(placement: Placement, keys: Iterable[str]) -> dict[str, int]:
    """How many of ``keys`` each node of ``placement`` holds (repeated keys count each
    time: pass requests to count requests).

    >>> loads(RangeSharding(["m"]), ["a", "b", "z", "a"])
    {'range-0': 3, 'range-1': 1}
    """
    counts = dict.fromkeys(placement.nodes, 0)
    for key, times in Counter(_keys("loads", keys)).items():  # each distinct key placed once
        counts[placement.node(key)] += times
    return counts


def imbalance(counts: Mapping[str, int]) -> Fraction:
    """The busiest node's load over the mean load: 1 is perfect balance.

    >>> imbalance({"a": 30, "b": 10})
    Fraction(3, 2)
    """
    values = [require_count("imbalance", f"load of {name!r}", c) for name, c in counts.items()]
    if not values or sum(values) == 0:
        raise TheoryError(f"imbalance: counts must hold some load, not {dict(counts)!r}")
    return Fraction(max(values) * len(values), sum(values))


@dataclass(frozen=True)
class Movement:
    """What :func:`movement` found: of ``total`` keys, those that ``moved``, each as
    ``(key, from node, to node)``; ``changed`` the nodes in only one of the two
    placements; ``minimal`` whether every move is to or from a changed node."""

    total: int
    moved: tuple[tuple[str, str, str], ...]
    changed: tuple[str, ...]
    minimal: bool

    @property
    def fraction(self) -> Fraction:
        """The fraction of keys that moved."""
        return Fraction(len(self.moved), self.total)

    def __str__(self) -> str:
        kind = "minimal" if self.minimal else "not minimal"
        return (f"{len(self.moved)} of {self.total} keys moved "
                f"({float(self.fraction):.1%}), {kind}")


def movement(before: Placement, after: Placement, keys: Iterable[str]) -> Movement:
    """Def 6.2.1 (数据分片) under change: which keys move from ``before`` to ``after``.

    Parameters
    ----------
    before, after : Placement
        The placement before and after nodes joined or left.
    keys : iterable of str
        The keys to follow (at least one).

    Returns
    -------
    Movement
        The keys that moved with their nodes before and after, the fraction moved, the
        nodes that joined or left, and whether every moved key moved to or from one of
        them (minimal disruption: no key moves between two nodes that stayed).

    Raises
    ------
    TheoryError
        If ``keys`` is empty or not a list of strings.

    Examples
    --------
    >>> keys = [f"user:{i}" for i in range(1000)]
    >>> ring = HashRing(["a", "b", "c"])
    >>> print(movement(ring, ring.with_node("d"), keys))
    205 of 1000 keys moved (20.5%), minimal
    >>> print(movement(ModN(["a", "b", "c"]), ModN(["a", "b", "c", "d"]), keys))
    777 of 1000 keys moved (77.7%), not minimal

    References
    ----------
    .. [1] D. Karger et al., "Consistent Hashing and Random Trees", STOC 1997
       (monotonicity).
    """
    keys = _keys("movement", keys)
    if not keys:
        raise TheoryError("movement: keys must hold at least one key, not ()")
    changed = set(before.nodes) ^ set(after.nodes)
    moved = []
    for key in keys:
        old, new = before.node(key), after.node(key)
        if old != new:
            moved.append((key, old, new))
    minimal = all(old in changed or new in changed for _, old, new in moved)
    order = (*before.nodes, *after.nodes)
    return Movement(len(keys), tuple(moved),
                    tuple(dict.fromkeys(n for n in order if n in changed)), minimal)


# --- balance against virtual nodes -----------------------------------------------------------


def sample_keys(count: int, seed: int = 0) -> tuple[str, ...]:
    """``count`` distinct keys ``user:NNNNNNNNNNNN`` drawn by a generator seeded by
    ``seed``.

    >>> sample_keys(2, seed=1)
    ('user:623347347957', 'user:884107995871')
    """
    count = require_count("sample_keys", "count", count)
    rng = seeded_rng(require_seed("sample_keys", seed), "sample_keys")
    return tuple(f"user:{n:012d}" for n in rng.sample(range(10 ** 12), count))


@lru_cache(maxsize=64)
def _expected_max_gamma(nodes: int, vnodes: int) -> float:
    import mpmath  # type: ignore[import-untyped]  # sympy's; loaded only here

    with mpmath.workdps(10):
        def tail(x: mpmath.mpf) -> mpmath.mpf:
            return 1 - mpmath.gammainc(vnodes, 0, x, regularized=True) ** nodes

        spread = math.sqrt(vnodes)
        cuts = sorted({0.0, *(max(0.0, vnodes + k * spread) for k in (-8, -3, 0, 3, 8))})
        return float(mpmath.quad(tail, [*cuts, mpmath.inf], maxdegree=3))


def expected_imbalance(nodes: int, vnodes: int) -> float:
    """Def 6.2.1 (数据分片) on a ring: the expected imbalance of the ring's arcs when its
    ``nodes * vnodes`` points fall uniformly at random.

    The arcs between ``nodes * vnodes`` random points on a circle are exchangeable
    spacings, Dirichlet(1, ..., 1); a node's share is the sum of ``vnodes`` of them, so
    the shares are Dirichlet(vnodes, ..., vnodes): ``G_i / sum(G)`` with ``G_i``
    independent Gamma(vnodes, 1), independent of the sum. Hence the expected busiest
    share times ``nodes`` is ``E[max G_i] / vnodes``, computed here as
    ``∫ 1 - P(vnodes, x)**nodes dx`` (``P`` the regularised incomplete gamma function,
    mpmath). With one point per node this is the harmonic number ``H_N``: the busiest
    node holds Θ(log N) times its share. For many points the shares are nearly normal
    with relative spread ``1/sqrt(vnodes)``, so the imbalance is about
    ``1 + E[max of N standard normals] / sqrt(vnodes)``, which is
    ``1 + Θ(sqrt(log N / vnodes))``.

    Examples
    --------
    >>> round(expected_imbalance(10, 1), 4)   # H_10
    2.929
    >>> round(expected_imbalance(10, 100), 3)
    1.159

    Raises
    ------
    TheoryError
        If a count is not positive.

    References
    ----------
    .. [1] D. Karger et al., "Consistent Hashing and Random Trees", STOC 1997 (virtual
       copies of each node balance the load).
    .. [2] G. DeCandia et al., "Dynamo", SOSP 2007, section 4.2.
    """
    nodes = require_count("expected_imbalance", "nodes", nodes, least=1)
    vnodes = require_count("expected_imbalance", "vnodes", vnodes, least=1)
    if nodes == 1:
        return 1.0
    if vnodes == 1:
        return math.fsum(1 / k for k in range(1, nodes + 1))
    return _expected_max_gamma(nodes, vnodes) / vnodes


@dataclass(frozen=True)
class ImbalanceRow:
    """One row of :func:`imbalance_table`: a ring of ``vnodes`` points per node had key
    imbalance ``imbalance`` (busiest over mean, on the seeded keys); over ``rings``
    rings of different node names its arcs' imbalance averaged ``mean_ring_imbalance``,
    against ``expected`` (:func:`expected_imbalance`)."""

    vnodes: int
    imbalance: float
    mean_ring_imbalance: float
    expected: float


def imbalance_table(nodes: int = 10, vnodes: Iterable[int] = (1, 10, 100, 1000),
                    keys: int = 100_000, rings: int = 10,
                    seed: int = 0) -> tuple[ImbalanceRow, ...]:
    """Def 6.2.1 (数据分片): a :class:`HashRing`'s imbalance against its virtual nodes.

    For each count of points per node: the key imbalance of the ring on ``nodes`` nodes
    ``node-0``, ``node-1``, ... over ``keys`` keys from :func:`sample_keys`; the mean,
    over ``rings`` rings whose nodes are named ``ring{r}-node{i}``, of the exact
    imbalance of the arcs (:meth:`HashRing.shares`); and :func:`expected_imbalance`.
    Key counts add sampling noise to the arcs (relative spread about
    ``sqrt(nodes / keys)``, 1% for 10 nodes and 100,000 keys).

    Parameters
    ----------
    nodes : int
        Nodes on each ring (positive).
    vnodes : iterable of int
        Points per node, one row each (each positive).
    keys : int
        Keys placed (positive).
    rings : int
        Rings averaged (positive).
    seed : int
        Seed of the keys.

    Returns
    -------
    tuple of ImbalanceRow
        One row per count of points, in the order given.

    Raises
    ------
    TheoryError
        If a count is not positive.

    Examples
    --------
    >>> for row in imbalance_table(nodes=5, vnodes=(1, 100), keys=2000, rings=3):
    ...     print(row.vnodes, round(row.imbalance, 2), round(row.mean_ring_imbalance, 2),
    ...           round(row.expected, 2))
    1 2.48 1.54 2.28
    100 1.06 1.15 1.12

    References
    ----------
    .. [1] G. DeCandia et al., "Dynamo", SOSP 2007, section 6.2 (load balance).
    """
    owner = "imbalance_table"
    nodes = require_count(owner, "nodes", nodes, least=1)
    counts = require_items(owner, "vnodes", vnodes, int)
    counts = tuple(require_count(owner, "vnodes", v, least=1) for v in counts)
    require_count(owner, "keys", keys, least=1)
    rings = require_count(owner, "rings", rings, least=1)
    sample = sample_keys(keys, seed)
    rows = []
    for v in counts:
        ring = HashRing([f"node-{i}" for i in range(nodes)], v)
        arcs = [max(HashRing([f"ring{r}-node{i}" for i in range(nodes)], v).shares().values())
                * nodes for r in range(rings)]
        rows.append(ImbalanceRow(v, float(imbalance(loads(ring, sample))),
                                 float(sum(arcs) / rings), expected_imbalance(nodes, v)))
    return tuple(rows)


# --- hot keys --------------------------------------------------------------------------------


def zipf_requests(keys: Sequence[str], s: float, requests: int, seed: int = 0) -> tuple[str, ...]:
    """``requests`` requests for ``keys`` under Zipf's law: the key of rank ``i`` (1 for
    the first of ``keys``) is asked for in proportion to ``1 / i**s``.

    Parameters
    ----------
    keys : sequence of str
        The keys, hottest first (at least one).
    s : float
        The exponent (0 or more; 0 is uniform, about 1 is typical of web caches).
    requests : int
        How many requests to draw.
    seed : int
        Seed of the draw.

    Returns
    -------
    tuple of str
        The requested keys, in request order.

    Raises
    ------
    TheoryError
        If ``keys`` is empty or a number is out of range.

    Examples
    --------
    >>> zipf_requests(["hot", "warm", "cold"], 2.0, 8, seed=1)
    ('hot', 'warm', 'warm', 'hot', 'hot', 'hot', 'hot', 'warm')

    References
    ----------
    .. [1] L. Breslau et al., "Web Caching and Zipf-like Distributions", INFOCOM 1999.
    """
    owner = "zipf_requests"
    keys = _keys(owner, keys)
    if not keys:
        raise TheoryError(f"{owner}: keys must hold at least one key, not ()")
    s = require_number(owner, "s", s)
    requests = require_count(owner, "requests", requests)
    rng = seeded_rng(require_seed(owner, seed), owner)
    cumulative = list(accumulate(1 / i ** s for i in range(1, len(keys) + 1)))
    return tuple(rng.choices(keys, cum_weights=cumulative, k=requests))


@dataclass(frozen=True)
class HotSpot:
    """What :func:`hot_spot` found: ``node`` served the largest share of requests,
    ``request_share``, while holding ``key_share`` of the keys (``1/N`` is a fair
    share of either)."""

    node: str
    key_share: Fraction
    request_share: Fraction

    def __str__(self) -> str:
        return (f"{self.node} holds {float(self.key_share):.1%} of the keys and serves "
                f"{float(self.request_share):.1%} of the requests")


def hot_spot(placement: Placement, keys: Iterable[str], requests: Iterable[str]) -> HotSpot:
    """Def 6.2.1 (数据分片) under skew: the node that serves most requests, with its
    share of keys and of requests. A placement balances keys; when a few keys take most
    requests (:func:`zipf_requests`), the node that holds the hottest ones is busy however
    well the keys are spread.

    Parameters
    ----------
    placement : Placement
        Which node holds which key.
    keys : iterable of str
        The keys stored (at least one).
    requests : iterable of str
        The keys requested, one per request (at least one).

    Returns
    -------
    HotSpot
        The busiest node by requests (the first in node order on a tie), its share of
        the keys and its share of the requests.

    Raises
    ------
    TheoryError
        If ``keys`` or ``requests`` is empty.

    Examples
    --------
    >>> keys = sample_keys(1000)
    >>> print(hot_spot(HashRing(["a", "b", "c", "d"]), keys, zipf_requests(keys, 1.2, 5000)))
    b holds 23.2% of the keys and serves 35.2% of the requests

    References
    ----------
    .. [1] D. Karger et al., "Consistent Hashing and Random Trees", STOC 1997 (built to
       relieve hot spots by spreading pages, not by splitting a hot page).
    """
    stored = loads(placement, keys)
    served = loads(placement, requests)
    if not sum(stored.values()) or not sum(served.values()):
        raise TheoryError("hot_spot: keys and requests must each hold at least one key")
    busiest = max(served, key=lambda name: served[name])
    return HotSpot(busiest, Fraction(stored[busiest], sum(stored.values())),
                   Fraction(served[busiest], sum(served.values())))
