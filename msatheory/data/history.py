"""Def 6.1.1 (数据一致性): what clients saw, as a history of reads and writes.

A consistency model is a property of histories: which orders of what clients did, and
what they were answered, a store may produce. This module holds the record every chapter 6
model writes and every consistency checker (:mod:`.consistency`) reads: each
:class:`Operation` on one key of a key-value store, invoked at one time and completed at a
later one (or never, if the client got no answer). Registers start at ``None``, so a read
that returns ``None`` read the initial value.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from msatheory.errors import TheoryError, require_choice, require_name, require_time

__all__ = ["KINDS", "History", "Operation"]

#: What an operation does to its key.
KINDS = ("read", "write")

Time = int | float | Fraction


@dataclass(frozen=True)
class Operation:
    """One client operation: ``process`` asked to ``kind`` (``"read"`` or ``"write"``)
    ``key`` at ``invoked`` and was answered at ``completed`` (``None``: never answered,
    so a write may or may not have taken effect). ``value`` is what a write wrote or
    what a read returned (``None``: the initial value).

    >>> Operation("alice", "write", 1, 0, 2)
    Operation(process='alice', kind='write', value=1, invoked=0, completed=2, key='x')
    """

    process: str
    kind: str
    value: Hashable | None
    invoked: Time
    completed: Time | None
    key: str = "x"

    def __post_init__(self) -> None:
        owner = "Operation"
        require_name(owner, "process", self.process)
        require_choice(owner, "kind", self.kind, KINDS)
        require_name(owner, "key", self.key)
        require_time(owner, "invoked", self.invoked)
        if self.completed is not None:
            require_time(owner, "completed", self.completed)
            if self.completed < self.invoked:
                raise TheoryError(f"{owner} of {self.process!r} on {self.key!r}: completed "
                                  f"({self.completed!r}) must not come before invoked "
                                  f"({self.invoked!r})")
        if self.kind == "read" and self.completed is None and self.value is not None:
            raise TheoryError(f"{owner} of {self.process!r} on {self.key!r}: a read that "
                              f"was never answered returned nothing, not {self.value!r}")

    @property
    def answered(self) -> bool:
        """Whether the client got an answer."""
        return self.completed is not None

    def precedes(self, other: Operation) -> bool:
        """Real-time order: this operation completed before ``other`` was invoked."""
        return self.completed is not None and self.completed < other.invoked

    def __str__(self) -> str:
        end = "..." if self.completed is None else f"{self.completed}"
        shown = "initial" if self.value is None else repr(self.value)
        return f"{self.process}: {self.kind} {self.key}={shown} [{self.invoked}, {end}]"


class History:
    """Def 6.1.1 (数据一致性): the operations clients invoked on a store, ordered by
    invocation time (ties keep the given order); the consistency checkers judge it.

    >>> h = History([Operation("a", "write", 1, 0, 1), Operation("b", "read", 1, 2, 3)])
    >>> len(h), h.keys, h.processes
    (2, ('x',), ('a', 'b'))
    """

    operations: tuple[Operation, ...]

    def __init__(self, operations: Iterable[Operation]):
        items = tuple(operations)
        for index, item in enumerate(items):
            if not isinstance(item, Operation):
                raise TheoryError(f"History: operation {index} must be an Operation, "
                                  f"not {item!r}")
        self.operations = tuple(sorted(items, key=lambda op: op.invoked))

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys operated on, in order of first use."""
        return tuple(dict.fromkeys(op.key for op in self.operations))

    @property
    def processes(self) -> tuple[str, ...]:
        """The clients, in order of first operation."""
        return tuple(dict.fromkeys(op.process for op in self.operations))

    def on(self, key: str) -> History:
        """The sub-history of one key."""
        return History(op for op in self.operations if op.key == key)

    def of(self, process: str) -> tuple[Operation, ...]:
        """One client's operations, in the order it invoked them."""
        return tuple(op for op in self.operations if op.process == process)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)

    def __len__(self) -> int:
        return len(self.operations)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, History) and self.operations == other.operations

    def __hash__(self) -> int:
        return hash(self.operations)

    def __repr__(self) -> str:
        return f"History({list(self.operations)!r})"

    def __str__(self) -> str:
        return "\n".join(str(op) for op in self.operations)
