"""Hypothesis strategies that generate chapter 6 inputs: placements, shard counts, write
acknowledgements and client scripts for the Go ``DataManager`` (:mod:`.sketch`) and its
corrected models, for properties in tests, errata and notebooks."""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = [
    "OPERATIONS",
    "acknowledgements",
    "growths",
    "operations",
    "placements",
    "schedules",
]

#: What a client script does, one step at a time: write the key (the i-th write writes
#: i), read it, let replication make progress (the sketch runs one pending goroutine), or
#: fail the shard's primary.
OPERATIONS = ("write", "read", "replicate", "fail primary")


def placements(most_shards: int = 8, most_reads: int = 8) -> st.SearchStrategy[tuple[int, int]]:
    """``(shards, reads)``: 1 to ``most_shards`` shards and 1 to ``most_reads`` reads of
    a key after it was written."""
    return st.tuples(st.integers(min_value=1, max_value=most_shards),
                     st.integers(min_value=1, max_value=most_reads))


def growths(most_shards: int = 32) -> st.SearchStrategy[int]:
    """``n``: a store of 1 to ``most_shards`` shards about to get one more."""
    return st.integers(min_value=1, max_value=most_shards)


@st.composite
def acknowledgements(draw: st.DrawFn, most_replicas: int = 5) -> tuple[int, int]:
    """``(replicas, quorum)``: 1 to ``most_replicas`` replicas of a shard and a quorum
    from 1 to ``replicas``."""
    replicas = draw(st.integers(min_value=1, max_value=most_replicas))
    return replicas, draw(st.integers(min_value=1, max_value=replicas))


def operations(max_size: int = 8) -> st.SearchStrategy[list[str]]:
    """Client scripts of up to ``max_size`` steps from :data:`OPERATIONS`."""
    return st.lists(st.sampled_from(OPERATIONS), max_size=max_size)


@st.composite
def schedules(draw: st.DrawFn, most_writes: int = 6) -> tuple[int, list[int]]:
    """``(writes, order)``: 1 to ``most_writes`` writes in a row, each starting one
    goroutine (numbered from 1), and the order in which the goroutines then run."""
    writes = draw(st.integers(min_value=1, max_value=most_writes))
    return writes, draw(st.permutations(range(1, writes + 1)))
