"""Hypothesis strategies that generate chapter 6 inputs: placements, shard counts, write
acknowledgements and client scripts for the Go ``DataManager`` (:mod:`.sketch`) and its
corrected models, and histories of reads and writes for the consistency checkers
(:mod:`.consistency`), for properties in tests, errata and notebooks."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from msatheory.data.history import History, Operation

__all__ = [
    "OPERATIONS",
    "acknowledgements",
    "growths",
    "histories",
    "operations",
    "placements",
    "schedules",
    "sessions",
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


#: How long an operation takes (``None``: never answered).
DURATIONS = (None, 0, 1, 2, 3, 4)


def _operation(draw: st.DrawFn, process: str, invoked: int, keys: Sequence[str],
               values: Sequence[int]) -> Operation:
    """One read or write by ``process`` invoked at ``invoked``: a write writes one of
    ``values``; an answered read returns one of them or the initial value."""
    kind = draw(st.sampled_from(("write", "read")))
    key = draw(st.sampled_from(keys))
    duration = draw(st.sampled_from(DURATIONS))
    completed = None if duration is None else invoked + duration
    if kind == "write":
        value: int | None = draw(st.sampled_from(values))
    elif completed is None:
        value = None
    else:
        value = draw(st.sampled_from((None, *values)))
    return Operation(process, kind, value, invoked, completed, key)


@st.composite
def histories(draw: st.DrawFn, max_ops: int = 6, keys: Sequence[str] = ("x",),
              processes: Sequence[str] = ("a", "b", "c"),
              values: Sequence[int] = (1, 2)) -> History:
    """Any history: operations at small integer times, a sixth of them never answered,
    values that repeat; a process's operations may overlap."""
    return History(_operation(draw, draw(st.sampled_from(processes)),
                              draw(st.integers(0, 8)), keys, values)
                   for _ in range(draw(st.integers(0, max_ops))))


@st.composite
def sessions(draw: st.DrawFn, max_ops: int = 6, keys: Sequence[str] = ("x",),
             processes: Sequence[str] = ("a", "b", "c"),
             values: Sequence[int] = (1, 2)) -> History:
    """A history of well-formed clients: each process waits for an answer before its
    next request, and a request never answered is its last."""
    ops = []
    ready: dict[str, int] = dict.fromkeys(processes, 0)
    for _ in range(draw(st.integers(0, max_ops))):
        if not ready:
            break
        process = draw(st.sampled_from(sorted(ready, key=processes.index)))
        invoked = ready.pop(process) + draw(st.integers(0, 3))
        operation = _operation(draw, process, invoked, keys, values)
        ops.append(operation)
        if operation.completed is not None:
            ready[process] = int(operation.completed) + 1
    return History(ops)
