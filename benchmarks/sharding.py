"""Benchmark: lookups per second of each placement of Def 6.2.1 (数据分片), beside
``uhashring``'s ketama ring and the ``jump`` package's C jump consistent hash.

One seeded set of keys (:func:`msatheory.data.sharding.sample_keys`) is looked up on 10
nodes by ``uhashring.HashRing(hash_fn="ketama", vnodes=40)`` and ``HashRing(vnodes=160)``
(the same ring: the node column shows they agree key for key), by ``jump.hash`` and
``jump_hash`` on the keys' precomputed 64-bit hashes (the algorithm alone), by ``JumpHash``
(hash and algorithm), and by ``Rendezvous``, ``ModN`` and ``RangeSharding`` (the keys'
deciles as split points) for scale. One run, no repetitions: the last column is each
row's speed over its peer's (``uhashring`` for lookups of string keys, ``jump.hash`` for
lookups of hashes).

    python benchmarks/sharding.py            # 100000 keys
    python benchmarks/sharding.py 20000      # fewer
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import jump
import uhashring  # type: ignore[import-untyped, unused-ignore]
from timing import rate

from msatheory.data.sharding import (
    HashRing,
    JumpHash,
    ModN,
    RangeSharding,
    Rendezvous,
    jump_hash,
    key_hash,
    sample_keys,
)

KEYS = 100_000
NODES = tuple(f"node-{i}" for i in range(10))


def looked_up(lookup: Callable[[str], str], keys: Sequence[str]) -> Callable[[], int]:
    """Look every key up; the count of keys on ``node-0`` shows which rows agree."""
    def run() -> int:
        return sum(lookup(key) == "node-0" for key in keys)
    return run


def bucketed(bucket: Callable[[int, int], int], hashes: Sequence[int]) -> Callable[[], int]:
    """Jump every hash to one of the nodes' buckets; the count in bucket 0, as above."""
    def run() -> int:
        n = len(NODES)
        return sum(bucket(h, n) == 0 for h in hashes)
    return run


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else KEYS
    keys = sample_keys(n, seed=0)
    hashes = [key_hash(k) for k in keys]
    deciles = sorted(keys)[n // 10::n // 10][:9]
    ranges = RangeSharding(deciles, NODES)
    theirs = uhashring.HashRing(list(NODES), hash_fn="ketama", vnodes=40)
    rows: list[tuple[str, str, Callable[[], int]]] = [
        ("uhashring ketama get_node", "ring", looked_up(theirs.get_node, keys)),
        ("HashRing(vnodes=160).node", "ring", looked_up(HashRing(NODES, 160).node, keys)),
        ("jump.hash (C) on key hashes", "jump", bucketed(jump.hash, hashes)),
        ("jump_hash on key hashes", "jump", bucketed(jump_hash, hashes)),
        ("JumpHash.node (md5 + jump_hash)", "ring", looked_up(JumpHash(NODES).node, keys)),
        ("Rendezvous.node", "ring", looked_up(Rendezvous(NODES).node, keys)),
        ("ModN.node", "ring", looked_up(ModN(NODES).node, keys)),
        ("RangeSharding.node (deciles)", "ring", looked_up(ranges.node, keys)),
    ]
    print(f"{n} keys on {len(NODES)} nodes; ratio is over uhashring (string keys) "
          f"or jump.hash (hashes)")
    print(f"{'placement':<34} {'on node-0':>9} {'lookups/s':>12} {'ratio':>6}")
    peers: dict[str, float] = {}
    for label, peer, run in rows:
        count, speed = rate(run, n)
        peers.setdefault(peer, speed)
        print(f"{label:<34} {count:>9} {speed:>12,.0f} {speed / peers[peer]:>6.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
