"""Def 6.1.1 (数据一致性), Strategies 6.1.1 (最终一致性) and 6.1.2 (强一致性): consistency
models as checkers of histories.

Def 6.1.1 calls data consistency "the consistency of data state in a distributed system".
The workbook reads "data state" as what clients saw: a :class:`~msatheory.data.history.History`
of reads and writes, each invoked at one time and answered at a later one (or never). A
**consistency model** is a set of histories a store may produce; "consistent" means the
history is in the set. Each checker here takes a history and returns one
:class:`Judgement`: whether the model holds, a witness a student can read, and a sentence.

* :func:`check_linearizable`: Strategy 6.1.2 ("all nodes see the same data state") read as
  **linearizability** (Herlihy and Wing 1990): the operations can be put in one order that
  respects real time (an operation answered before another was invoked comes first) and in
  which every read returns the latest write before it. Searched exhaustively with the
  Wing-Gong-Lowe algorithm, as Knossos and Porcupine do.
* :func:`check_sequential`: **sequential consistency** (Lamport 1979): one legal order that
  respects each process's own order (its **program order**), not real time.
* :func:`check_read_your_writes` and :func:`check_monotonic_reads`: two **session
  guarantees** (Terry et al. 1994), judged against a **version order** of each key's writes
  (by default the order in which the writes completed; :func:`version_order` takes it from
  a linearization or any order the store reports).
* :func:`check_convergence`: Strategy 6.1.1 ("temporary inconsistency is allowed, but the
  state converges") read as **convergence**: once writes stop, every replica holds the same
  value for every key.

The hierarchy. Linearizable implies sequential (a real-time order that respects real time
respects each process's order, for processes that wait for one answer before the next
request). Sequential implies read your writes and monotonic reads *judged against the
order of writes in the sequential order found* (pass ``order=version_order(judgement.witness)``);
against the default completion order it need not, because two overlapping writes may take
effect in the opposite order to their answers. Read your writes and monotonic reads imply
neither each other nor convergence, which is about replicas' final states, not about reads.

Per key or whole history. Linearizability is **local** (Herlihy and Wing 1990, Theorem 1):
a history is linearizable if and only if each key's sub-history is, so it is checked key by
key and the orders are merged at linearization points. Sequential consistency is not
local (two keys each sequentially consistent may not be jointly, as Dekker's example in
the tests shows), so it is checked on the whole history at once. The session guarantees
are judged key by key: a single-key read depends only on writes of its key, which is how
Terry's "relevant writes" read for a key-value register. Convergence compares replicas key
by key; a key a replica lacks holds ``None``, the initial value.

Conventions. Registers start at ``None``. A read never answered imposes nothing and is
ignored. A write never answered may take effect at any time after it was invoked, or
never; in the sequential check it comes after its process's earlier operations and is not
ordered before its later ones. Values may repeat.

Witnesses. A failing history is shrunk deterministically to a sub-history that still
fails, removing only operations whose removal cannot make a passing history fail: a read;
a write whose value no remaining read returns; or a write of a value that reads return
when another write of that value remains and, for each such read, the read came first or
a write of another value came between them (the model's order: real time, or program
order), so the write could be the value of none of them. The witness is then minimal:
removing any operation these rules allow makes it pass. It is not always the smallest
failing subset: dropping the only write of a value a read returns leaves a smaller
failing set ("read a value no one wrote") that would misstate the cause. Since every step
keeps a passing history passing, a failing witness certifies that the whole history fails,
and the sentence, which is checked against the whole history, says why.

The module stops at checking recorded histories. It does not produce histories (the
replication and quorum models do), model transactions over several keys, or check causal
consistency, whose write order needs the causal dependencies a register history lacks.
Deciding sequential consistency is NP-complete (Gibbons and Korach 1997), and so is
linearizability in general. The linearizability search is exhaustive and fast on histories
of modest concurrency (its states are bounded by the operations in flight at once). The
sequential search first tries a linearization, which keeps each process's order when
clients wait for each answer, so it is fast on linearizable histories; on others it
searches the product of the processes' positions, which grows exponentially with their
number and length.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from msatheory.data.history import History, Operation
from msatheory.errors import TheoryError, require_instance, require_items, require_name

__all__ = [
    "MODELS",
    "Divergence",
    "Judgement",
    "check_convergence",
    "check_linearizable",
    "check_monotonic_reads",
    "check_read_your_writes",
    "check_sequential",
    "strongest",
    "version_order",
]

MODELS = ("linearizable", "sequential", "read-your-writes", "monotonic-reads", "convergent")
"""The models the checkers judge, by the names a :class:`Judgement` carries."""

Time = int | float | Fraction
Value = Hashable | None
_NEVER = float("inf")


@dataclass(frozen=True)
class Divergence:
    """One key on which replicas disagree: each replica and the value it holds
    (``None``: the initial value, or the key is absent)."""

    key: str
    values: tuple[tuple[str, Value], ...]

    def __str__(self) -> str:
        groups: dict[Value, list[str]] = {}
        for replica, value in self.values:
            groups.setdefault(value, []).append(replica)
        parts = [f"{', '.join(names)} {'hold' if len(names) > 1 else 'holds'} "
                 f"{_shown(value)}" for value, names in groups.items()]
        return f"{self.key}: {'; '.join(parts)}"


@dataclass(frozen=True)
class Judgement:
    """A checker's verdict on one consistency model.

    ``model`` is one of :data:`MODELS`; ``holds`` whether the history (or the replicas)
    satisfy it. ``witness`` is what a student reads: when the model holds, the order found
    (a linearization, a sequential order, or the version order judged against; empty for
    convergence); when it fails, the operations that cannot be ordered (shrunk, see the
    module's Witnesses), the violating pair, or the :class:`Divergence` of each key.
    ``explanation`` says why in a sentence that holds of the whole history.
    """

    model: str
    holds: bool
    witness: tuple[Operation, ...] | tuple[Divergence, ...]
    explanation: str

    def __str__(self) -> str:
        head = f"{self.model}: {'holds' if self.holds else 'fails'}. {self.explanation}"
        return "\n".join([head, *(f"  {item}" for item in self.witness)])


# --- how values and operations read in a sentence ----------------------------------

def _shown(value: Value) -> str:
    return "the initial value" if value is None else repr(value)


def _kv(key: str, value: Value) -> str:
    return f"{key}'s initial value" if value is None else f"{key}={value!r}"


def _history(owner: str, history: object) -> History:
    return require_instance(owner, "history", history, History)


# --- shrinking a failing history --------------------------------------------------

Before = Callable[[Operation, Operation], bool]
"""The order a model keeps: real time (:meth:`Operation.precedes`) or program order."""


def _dominators(ops: Sequence[Operation], index: int, before: Before) -> list[int] | None:
    """Whether dropping ``ops[index]`` cannot turn a passing history into a failing one,
    and the writes that make it so: None if it may not be dropped.

    A read may always go, and so may a write whose value no read of its key returns. A
    write ``w`` of a value that reads return may go when another write of that value
    stays and, for each such read ``r``, ``r`` comes before ``w`` or a write of another
    value comes between them (``w`` before it, it before ``r``): then ``w`` is the value
    of no read in any legal order, and removing it keeps every order legal. The writes
    between are returned, to be kept.
    """
    w = ops[index]
    if w.kind == "read":
        return []
    same = [o for o in ops if o.key == w.key]
    readers = [r for r in same if r.kind == "read" and r.value == w.value]
    if not readers:
        return []
    if not any(o.kind == "write" and o.value == w.value and o is not w for o in same):
        return None
    kept: list[int] = []
    for r in readers:
        if before(r, w):
            continue
        between = [i for i, o in enumerate(ops) if o.key == w.key and o.kind == "write"
                   and o.value != w.value and before(w, o) and before(o, r)]
        if not between:
            return None
        kept.extend(between[:1])
    return kept


def _drop(kept: Sequence[Operation], block: range,
          before: Before) -> list[Operation] | None:
    """``kept`` without the operations of ``block``, each allowed to go by
    :func:`_dominators` once the ones after it are gone (and the writes it needs kept);
    None if one of them may not go."""
    rest = list(kept)
    gone = {id(kept[i]) for i in block}
    for i in reversed(block):
        between = _dominators(rest, i, before)
        if between is None or any(id(rest[j]) in gone for j in between):
            return None
        del rest[i]
    return rest


def _shrink(ops: Sequence[Operation], fails: Callable[[Sequence[Operation]], bool],
            before: Before) -> tuple[Operation, ...]:
    """Drop operations that :func:`_dominators` allows while the rest still fails:
    blocks of halving size, then single operations until none can go, latest first
    (deterministic, as delta debugging; a later write of a value goes before an earlier
    one, so the witness keeps the write a stale read returned and what overwrote it).
    Each drop keeps a passing history passing, so the witness fails
    only if ``ops`` does."""
    kept = list(ops)
    size = max(len(kept) // 2, 1)
    while True:
        changed, end = False, len(kept)
        while end > 0:
            start = max(end - size, 0)
            dropped = _drop(kept, range(start, end), before)
            if dropped and fails(dropped):
                kept, changed = dropped, True
            end = start
        if size == 1 and not changed:
            return tuple(kept)
        size = max(size // 2, 1)


# --- why a shrunk witness cannot be ordered ----------------------------------------

def _why(ops: Sequence[Operation], everything: Sequence[Operation], before: Before,
         sequential: bool) -> str:
    """One sentence on why the witness ``ops`` cannot be ordered, true of the whole
    history ``everything`` too, where ``before(a, b)`` is the order the model keeps
    (real time, or program order); a general sentence when no pattern fits."""
    def writes(key: str, value: Value) -> list[Operation]:
        return [w for w in everything if w.kind == "write" and w.key == key
                and w.value == value]

    for r in (op for op in ops if op.kind == "read"):
        key, v = r.key, r.value
        sources = writes(key, v)
        if v is not None and not sources:
            return f"{r.process} read {_kv(key, v)}, but no operation wrote it."
        for w in ops:
            if (w.kind == "write" and w.key == key and w.value != v and before(w, r)
                    and all(before(s, w) or before(r, s) for s in sources)):
                back = ("nothing wrote it back in between" if v is None
                        else "no write of it came in between")
                if sequential:
                    return (f"{r.process} read {_kv(key, v)} after its own write of "
                            f"{_kv(key, w.value)}, and {back}.")
                return (f"{r.process} read {_kv(key, v)} after {w.process}'s write of "
                        f"{_kv(key, w.value)} completed, and {back}.")
        if v is not None and all(before(r, w) for w in sources):
            if sequential:
                return (f"{r.process} read {_kv(key, v)} before its own write of it, and "
                        f"no other process wrote it.")
            return f"{r.process} read {_kv(key, v)} before any write of it was invoked."
    reads = [op for op in ops if op.kind == "read"]
    for r1 in reads:
        for r2 in reads:
            if r1.key != r2.key or r1.value == r2.value or not before(r1, r2):
                continue
            key, u, v = r1.key, r1.value, r2.value
            newer, older = writes(key, u), writes(key, v)
            if newer and all(before(o, n) for o in older for n in newer):
                earlier = ("the initial value" if v is None and not older
                           else f"every write of {_kv(key, v)}")
                who = (f"{r2.process} read {_kv(key, u)} and then {_kv(key, v)}"
                       if sequential else
                       f"{r2.process} read {_kv(key, v)} after {r1.process} had read "
                       f"{_kv(key, u)}")
                return f"{who}, but every write of {_kv(key, u)} came after {earlier}."
    order = "keeps each process's own order" if sequential else "respects real time"
    return (f"These {len(ops)} operations cannot be put in one order that {order} and in "
            f"which every read returns the latest write before it; without any one of "
            f"the reads, they can.")


def _program_before(history: Sequence[Operation]) -> Callable[[Operation, Operation], bool]:
    position = {id(op): i for i, op in enumerate(history)}

    def before(a: Operation, b: Operation) -> bool:
        return a.process == b.process and position[id(a)] < position[id(b)]
    return before


# --- linearizability: Wing-Gong-Lowe search ----------------------------------------

def _linearize(ops: Sequence[Operation]) -> list[int] | None:
    """An order of ``ops`` (one key, sorted by invocation) that respects real time and
    in which every read returns the latest write before it, as indices; None if there
    is none. Unanswered writes are optional; unanswered reads must have been removed.

    WGL: linearize, one at a time, an operation no pending operation precedes; remember
    every (set linearized, register value) from which the search failed.
    """
    written = {op.value for op in ops if op.kind == "write"} | {None}
    if any(op.kind == "read" and op.value not in written for op in ops):
        return None
    ends = [_NEVER if op.completed is None else op.completed for op in ops]
    required = sum(1 << i for i, op in enumerate(ops) if op.completed is not None)
    seen: set[tuple[int, Value]] = {(0, None)}

    def children(mask: int, value: Value) -> Iterator[tuple[int, int, Value]]:
        limit: Time = _NEVER
        for i, end in enumerate(ends):
            if not mask >> i & 1 and end < limit:
                limit = end
        for i, op in enumerate(ops):
            if mask >> i & 1:
                continue
            if op.invoked > limit:
                break
            if op.kind == "write":
                yield i, mask | 1 << i, op.value
            elif op.value == value:
                yield i, mask | 1 << i, value

    if required == 0:
        return []
    stack = [children(0, None)]
    path: list[int] = []
    while stack:
        for i, mask, value in stack[-1]:
            if (mask, value) in seen:
                continue
            seen.add((mask, value))
            path.append(i)
            if mask & required == required:
                return path
            stack.append(children(mask, value))
            break
        else:
            stack.pop()
            if path:
                path.pop()
    return None


def _key_linearization(ops: Sequence[Operation]) -> list[Operation] | None:
    kept = [op for op in ops if op.kind == "write" or op.completed is not None]
    order = _linearize(kept)
    return None if order is None else [kept[i] for i in order]


def _linearization(ops: Sequence[Operation]) -> list[Operation] | None:
    """A linearization of ``ops`` (any keys, by invocation), or None: each key's
    linearization, merged at the earliest linearization points it allows (an operation
    takes effect at its invocation or at the point of the one before it, whichever is
    later; real time orders these points)."""
    keys = list(dict.fromkeys(op.key for op in ops))
    merged: list[tuple[Time, int, int, Operation]] = []
    for k, key in enumerate(keys):
        order = _key_linearization([op for op in ops if op.key == key])
        if order is None:
            return None
        point: Time | None = None
        for position, op in enumerate(order):
            point = op.invoked if point is None or op.invoked > point else point
            merged.append((point, k, position, op))
    merged.sort(key=lambda item: item[:3])
    return [op for *_, op in merged]


def check_linearizable(history: History) -> Judgement:
    """Strategy 6.1.2 (强一致性): whether ``history`` is linearizable.

    A history is linearizable if its operations can be put in one order that respects
    real time (an operation answered before another was invoked comes first) and in which
    every read returns the value of the latest write before it (``None`` if none). A
    write never answered may take effect at any point after its invocation, or never; a
    read never answered imposes nothing. Keys are checked one at a time: linearizability
    is local.

    Parameters
    ----------
    history : History
        Reads and writes of one or more keys.

    Returns
    -------
    Judgement
        ``model="linearizable"``. When it holds, ``witness`` is a linearization of the
        whole history (each key's order merged at its operations' earliest linearization
        points; unanswered writes that never took effect are left out). When it fails,
        a minimal sub-history of one key that still fails (shrunk as the module's
        Witnesses say), in invocation order.

    Raises
    ------
    TheoryError
        If ``history`` is not a :class:`~msatheory.data.history.History`.

    Examples
    --------
    A stale read: b reads 1 after a's write of 2 was answered.

    >>> from msatheory.data.history import History, Operation
    >>> h = History([Operation("a", "write", 1, 0, 1), Operation("a", "write", 2, 2, 3),
    ...              Operation("b", "read", 1, 4, 5)])
    >>> print(check_linearizable(h).explanation)
    b read x=1 after a's write of x=2 completed, and no write of it came in between.
    >>> check_linearizable(History(h.operations[:2])).holds
    True

    References
    ----------
    .. [1] Strategy 6.1.2 of the theory (强一致性): 要求所有节点看到相同的数据状态.
    .. [2] M. Herlihy and J. Wing, "Linearizability: a correctness condition for concurrent
       objects", ACM TOPLAS 12(3), 1990 (Theorem 1: locality).
    .. [3] J. Wing and C. Gong, "Testing and verifying concurrent objects", JPDC 17, 1993;
       G. Lowe, "Testing for linearizability", CCPE 29(4), 2017 (memoised search).
    .. [4] Knossos (Jepsen) and Porcupine (A. Athalye): the same search, in production use.
    """
    h = _history("check_linearizable", history)
    for key in h.keys:
        ops = h.on(key).operations
        if _key_linearization(ops) is None:
            witness = _shrink(ops, lambda sub: _key_linearization(sub) is None,
                              Operation.precedes)
            return Judgement("linearizable", False, witness,
                             _why(witness, ops, Operation.precedes, sequential=False))
    witness = tuple(_linearization(h.operations) or ())
    dropped = sum(1 for op in h if op.kind == "write") - sum(
        1 for op in witness if op.kind == "write")
    note = (f"; {dropped} unanswered write{'s' if dropped != 1 else ''} never took effect"
            if dropped else "")
    return Judgement("linearizable", True, witness,
                     f"These {len(witness)} operations take effect in this order, each "
                     f"between its invocation and its answer{note}.")


# --- sequential consistency -------------------------------------------------------

_State = tuple[tuple[int, ...], int, tuple[Value, ...]]
"""Where each process is in its own order, which unanswered writes took effect, and
each key's value."""

def _sequentialize(ops: Sequence[Operation]) -> list[Operation] | None:
    """A legal order of ``ops`` (any keys) that keeps each process's order, or None."""
    processes = list(dict.fromkeys(op.process for op in ops))
    runs = [[op for op in ops if op.process == p and op.completed is not None]
            for p in processes]
    pending = []  # an unanswered write, its process, and how many of its answered ops precede it
    for index, op in enumerate(ops):
        if op.kind == "write" and op.completed is None:
            p = processes.index(op.process)
            earlier = sum(1 for o in ops[:index]
                          if o.process == op.process and o.completed is not None)
            pending.append((op, p, earlier))
    keys = list(dict.fromkeys(op.key for op in ops))
    position = {id(op): i for i, op in enumerate(ops)}
    lengths = tuple(len(run) for run in runs)
    start: _State = (tuple(0 for _ in runs), 0, tuple(None for _ in keys))
    seen = {start}

    def children(state: _State) -> Iterator[tuple[Operation, _State]]:
        """The next step of each process, and each unanswered write that may take effect,
        earliest invoked first (so a history that is also linearizable is found at once)."""
        at, applied, values = state
        steps: list[tuple[Time, int, Operation, _State]] = []
        for p, run in enumerate(runs):
            if at[p] == len(run):
                continue
            op = run[at[p]]
            k = keys.index(op.key)
            if op.kind == "read" and op.value != values[k]:
                continue
            moved = (*at[:p], at[p] + 1, *at[p + 1:])
            new = values if op.kind == "read" else (*values[:k], op.value, *values[k + 1:])
            steps.append((op.invoked, position[id(op)], op, (moved, applied, new)))
        for j, (op, p, earlier) in enumerate(pending):
            if applied >> j & 1 or at[p] < earlier:
                continue
            k = keys.index(op.key)
            steps.append((op.invoked, position[id(op)], op,
                          (at, applied | 1 << j, (*values[:k], op.value, *values[k + 1:]))))
        steps.sort(key=lambda step: step[:2])
        for *_, op, child in steps:
            yield op, child

    if start[0] == lengths:
        return []
    stack = [children(start)]
    path: list[Operation] = []
    while stack:
        for op, state in stack[-1]:
            if state in seen:
                continue
            seen.add(state)
            path.append(op)
            if state[0] == lengths:
                return path
            stack.append(children(state))
            break
        else:
            stack.pop()
            if path:
                path.pop()
    return None


def _keeps_program_order(order: Sequence[Operation], ops: Sequence[Operation]) -> bool:
    """Whether ``order`` takes each process's answered operations in its order, and each
    unanswered write after the answered operations its process invoked before it."""
    place = {id(op): n for n, op in enumerate(order)}
    last: dict[str, int] = {}  # process: place of its latest answered operation so far
    for op in ops:
        if id(op) not in place:
            continue
        if place[id(op)] < last.get(op.process, -1):
            return False
        if op.completed is not None:
            last[op.process] = place[id(op)]
    return True


def _sequential_order(ops: Sequence[Operation]) -> list[Operation] | None:
    """A sequential order of ``ops``: a linearization if it keeps every process's order
    (as it does for clients that wait for each answer), else one searched for."""
    kept = [op for op in ops if op.kind == "write" or op.completed is not None]
    order = _linearization(kept)
    if order is not None and _keeps_program_order(order, kept):
        return order
    return _sequentialize(kept)


def check_sequential(history: History) -> Judgement:
    """Sequential consistency (顺序一致性, between Strategies 6.1.2 and 6.1.1): whether
    ``history`` has a legal order that keeps each process's own order.

    The order need not respect real time: a read may return a value another client
    overwrote long before, so long as every process sees one order of writes. Checked on
    the whole history at once, since sequential consistency is not local.

    Parameters
    ----------
    history : History
        Reads and writes of one or more keys; each process's order is the order it
        invoked its operations.

    Returns
    -------
    Judgement
        ``model="sequential"``. When it holds, ``witness`` is a sequential order (every
        answered operation, and the unanswered writes that took effect). When it fails,
        a minimal sub-history that still fails (shrunk as the module's Witnesses say), in
        invocation order.

    Raises
    ------
    TheoryError
        If ``history`` is not a :class:`~msatheory.data.history.History`.

    Examples
    --------
    The stale read that breaks linearizability is sequential: b's read goes first.

    >>> from msatheory.data.history import History, Operation
    >>> h = History([Operation("a", "write", 1, 0, 1), Operation("b", "read", None, 2, 3)])
    >>> check_linearizable(h).holds, check_sequential(h).holds
    (False, True)
    >>> [str(op) for op in check_sequential(h).witness]
    ['b: read x=initial [2, 3]', 'a: write x=1 [0, 1]']

    References
    ----------
    .. [1] L. Lamport, "How to make a multiprocessor computer that correctly executes
       multiprocess programs", IEEE Trans. Computers C-28(9), 1979.
    .. [2] M. Herlihy and J. Wing, 1990, section 3.2: sequential consistency is not local.
    .. [3] P. Gibbons and E. Korach, "Testing shared memories", SIAM J. Computing 26(4),
       1997: deciding it is NP-complete.
    """
    h = _history("check_sequential", history)
    order = _sequential_order(h.operations)
    if order is not None:
        return Judgement("sequential", True, tuple(order),
                         f"These {len(order)} operations take effect in this order, which "
                         f"keeps each process's own order.")
    witness = _shrink(h.operations, lambda sub: _sequential_order(sub) is None,
                      _program_before(h.operations))
    return Judgement("sequential", False, witness,
                     _why(witness, h.operations, _program_before(h.operations),
                          sequential=True))


# --- session guarantees -----------------------------------------------------------

def version_order(operations: Iterable[Operation]) -> dict[str, tuple[Operation, ...]]:
    """The writes of ``operations``, key by key, in the order given: a version order for
    :func:`check_read_your_writes` and :func:`check_monotonic_reads`.

    Pass it the witness of a linearizable or sequential :class:`Judgement` to judge the
    session guarantees against the order that model found.

    >>> from msatheory.data.history import Operation
    >>> w1, w2 = Operation("a", "write", 1, 0, 5), Operation("b", "write", 2, 1, 2)
    >>> [str(w) for w in version_order([w1, w2])["x"]]
    ['a: write x=1 [0, 5]', 'b: write x=2 [1, 2]']
    """
    ops = require_items("version_order", "operations", operations, Operation)
    order: dict[str, list[Operation]] = {}
    for op in ops:
        if op.kind == "write":
            order.setdefault(op.key, []).append(op)
    return {key: tuple(writes) for key, writes in order.items()}


def _completion_order(history: History) -> dict[str, tuple[Operation, ...]]:
    """Each key's writes in the order they completed (ties by invocation, then history
    order), then the unanswered ones in invocation order."""
    indexed = list(enumerate(history.operations))
    answered = sorted(((op.completed, op.invoked, i, op) for i, op in indexed
                       if op.kind == "write" and op.completed is not None),
                      key=lambda item: item[:3])
    unanswered = [op for op in history if op.kind == "write" and op.completed is None]
    return version_order([op for *_, op in answered] + unanswered)


def _versions(owner: str, history: History,
              order: Mapping[str, Sequence[Operation]] | None) -> dict[str, tuple[Operation, ...]]:
    if order is None:
        return _completion_order(history)
    if not isinstance(order, Mapping):
        raise TheoryError(f"{owner}: order must be a mapping of key to writes, not {order!r}")
    versions: dict[str, tuple[Operation, ...]] = {}
    for key, writes in order.items():
        require_name(owner, "order key", key)
        listed = require_items(owner, f"order[{key!r}]", writes, Operation)
        present = Counter(op for op in history.on(key) if op.kind == "write")
        extra = Counter(listed) - present
        if extra:
            raise TheoryError(f"{owner}: order[{key!r}] lists {next(iter(extra))} "
                              f"more often than the history holds it as a write of {key!r}")
        versions[key] = listed
    for key in history.keys:
        missing = Counter(op for op in history.on(key)
                          if op.kind == "write" and op.completed is not None)
        missing -= Counter(versions.get(key, ()))
        if missing:
            raise TheoryError(f"{owner}: order must list every answered write, and "
                              f"lacks {next(iter(missing))}")
    return versions


def _sources(versions: Mapping[str, Sequence[Operation]], key: str,
             value: Value) -> list[int]:
    """Positions in the version order of the writes a read of ``value`` may have seen
    (-1 is the initial value)."""
    found = [i for i, w in enumerate(versions.get(key, ())) if w.value == value]
    return ([-1] if value is None else []) + found


def _position(versions: Mapping[str, Sequence[Operation]], write: Operation) -> int:
    return max(i for i, w in enumerate(versions[write.key]) if w == write)


def _order_witness(versions: Mapping[str, Sequence[Operation]]) -> tuple[Operation, ...]:
    return tuple(op for writes in versions.values() for op in writes)


def _order_named(order: object) -> str:
    return ("the order in which the writes completed" if order is None
            else "the version order given")


def check_read_your_writes(history: History,
                           order: Mapping[str, Sequence[Operation]] | None = None
                           ) -> Judgement:
    """Read your writes (读己之写, Terry et al. 1994): whether each read sees its own
    process's earlier writes of the key, or writes after them in the version order.

    A read R of a key by process p and a write W of that key by p, answered before R was
    invoked, violate the guarantee when R's value is written by no write at or after W in
    the version order (``None`` is the initial value, before every write). A read whose
    value no write wrote is not judged here (:func:`check_linearizable` catches it).

    Parameters
    ----------
    history : History
        Reads and writes of one or more keys, judged key by key.
    order : mapping of key to sequence of Operation, optional
        Each key's writes, oldest first: every answered write of the key once, and the
        unanswered writes that took effect. Default: the order in which the writes
        completed (ties by invocation), then the unanswered writes by invocation.

    Returns
    -------
    Judgement
        ``model="read-your-writes"``. When it holds, ``witness`` is the version order
        judged against (key by key); when it fails, the violating pair (W, R), the first
        R in invocation order and its latest write that it missed.

    Raises
    ------
    TheoryError
        If ``history`` is not a History, or ``order`` is not a mapping of keys to writes of
        the history that lists every answered write.

    Examples
    --------
    >>> from msatheory.data.history import History, Operation
    >>> h = History([Operation("b", "write", 1, 0, 1), Operation("a", "write", 2, 2, 3),
    ...              Operation("a", "read", 1, 4, 5)])
    >>> print(check_read_your_writes(h).explanation)
    a read x=1 after its own write of x=2, and x=1 is older than x=2 in the order in \
which the writes completed.

    References
    ----------
    .. [1] D. Terry, A. Demers, K. Petersen, M. Spreitzer, M. Theimer and B. Welch,
       "Session guarantees for weakly consistent replicated data", PDIS 1994.
    """
    owner = "check_read_your_writes"
    h = _history(owner, history)
    versions = _versions(owner, h, order)
    for r in h:
        if r.kind != "read" or r.completed is None:
            continue
        sources = _sources(versions, r.key, r.value)
        if not sources:
            continue
        own = [w for w in h.of(r.process)
               if w.kind == "write" and w.key == r.key and w.precedes(r)]
        for w in reversed(own):
            if max(sources) < _position(versions, w):
                return Judgement("read-your-writes", False, (w, r),
                                 f"{r.process} read {_kv(r.key, r.value)} after its own "
                                 f"write of {_kv(r.key, w.value)}, and "
                                 f"{_kv(r.key, r.value)}"
                                 f" is older than {_kv(r.key, w.value)} in "
                                 f"{_order_named(order)}.")
    return Judgement("read-your-writes", True, _order_witness(versions),
                     f"Every read saw its process's earlier writes, judged against "
                     f"{_order_named(order)}.")


def check_monotonic_reads(history: History,
                          order: Mapping[str, Sequence[Operation]] | None = None
                          ) -> Judgement:
    """Monotonic reads (单调读, Terry et al. 1994): whether no process reads a key and
    later reads an older version of it.

    Two reads R1 and R2 of a key by one process, R1 answered before R2 was invoked,
    violate the guarantee when every write R2 may have seen is older, in the version
    order, than every write R1 may have seen (``None`` is the initial value, before every
    write). A read whose value no write wrote is not judged here.

    Parameters
    ----------
    history : History
        Reads and writes of one or more keys, judged key by key.
    order : mapping of key to sequence of Operation, optional
        Each key's writes, oldest first, as for :func:`check_read_your_writes`. Default:
        the order in which the writes completed.

    Returns
    -------
    Judgement
        ``model="monotonic-reads"``. When it holds, ``witness`` is the version order
        judged against; when it fails, the violating pair (R1, R2), the first R2 in
        invocation order and the latest R1 before it that it contradicts.

    Raises
    ------
    TheoryError
        If ``history`` is not a History, or ``order`` is not a valid version order.

    Examples
    --------
    >>> from msatheory.data.history import History, Operation
    >>> h = History([Operation("a", "write", 1, 0, 1), Operation("a", "write", 2, 2, 3),
    ...              Operation("b", "read", 2, 4, 5), Operation("b", "read", 1, 6, 7)])
    >>> print(check_monotonic_reads(h).explanation)
    b read x=2 and then x=1, and x=1 is older than x=2 in the order in which the writes \
completed.

    References
    ----------
    .. [1] D. Terry et al., "Session guarantees for weakly consistent replicated data",
       PDIS 1994.
    """
    owner = "check_monotonic_reads"
    h = _history(owner, history)
    versions = _versions(owner, h, order)
    for r2 in h:
        if r2.kind != "read" or r2.completed is None:
            continue
        later = _sources(versions, r2.key, r2.value)
        if not later:
            continue
        earlier_reads = [r1 for r1 in h.of(r2.process)
                         if r1.kind == "read" and r1.key == r2.key and r1.precedes(r2)]
        for r1 in reversed(earlier_reads):
            earlier = _sources(versions, r1.key, r1.value)
            if earlier and max(later) < min(earlier):
                return Judgement("monotonic-reads", False, (r1, r2),
                                 f"{r2.process} read {_kv(r2.key, r1.value)} and then "
                                 f"{_kv(r2.key, r2.value)}, and "
                                 f"{_kv(r2.key, r2.value)}"
                                 f" is older than {_kv(r2.key, r1.value)} in "
                                 f"{_order_named(order)}.")
    return Judgement("monotonic-reads", True, _order_witness(versions),
                     f"No process read an older version after a newer one, judged against "
                     f"{_order_named(order)}.")


# --- convergence ------------------------------------------------------------------

def check_convergence(replicas: Mapping[str, Mapping[str, Value]]) -> Judgement:
    """Strategy 6.1.1 (最终一致性): whether replicas, after writes stop, have converged.

    Eventual consistency allows replicas to disagree for a while; read as convergence, it
    holds when, once writes have stopped and replication has settled, every replica holds
    the same value for every key. A key a replica lacks holds ``None``, the initial value.

    Parameters
    ----------
    replicas : mapping of str to mapping of str to value
        Each replica's final state: replica name to (key to value).

    Returns
    -------
    Judgement
        ``model="convergent"``. ``witness`` is empty when it holds; when it fails, one
        :class:`Divergence` per key on which the replicas differ (keys in order of first
        appearance), each listing every replica's value.

    Raises
    ------
    TheoryError
        If ``replicas`` is not a non-empty mapping of names to mappings of keys.

    Examples
    --------
    >>> j = check_convergence({"r1": {"x": 1, "y": 2}, "r2": {"x": 1, "y": 3}, "r3": {"x": 1}})
    >>> j.holds, j.explanation
    (False, 'The 3 replicas differ on 1 of 2 keys.')
    >>> print(j.witness[0])
    y: r1 holds 2; r2 holds 3; r3 holds the initial value

    References
    ----------
    .. [1] Strategy 6.1.1 of the theory (最终一致性): 允许临时不一致，但最终会收敛到一致状态.
    .. [2] W. Vogels, "Eventually consistent", CACM 52(1), 2009.
    .. [3] G. DeCandia et al., "Dynamo: Amazon's highly available key-value store",
       SOSP 2007 (anti-entropy brings replicas to the same state).
    """
    owner = "check_convergence"
    if not isinstance(replicas, Mapping) or not replicas:
        raise TheoryError(f"{owner}: replicas must be a non-empty mapping of replica to "
                          f"state, not {replicas!r}")
    for name, state in replicas.items():
        require_name(owner, "replica", name)
        if not isinstance(state, Mapping):
            raise TheoryError(f"{owner}: the state of replica {name!r} must be a mapping "
                              f"of key to value, not {state!r}")
        for key in state:
            require_name(owner, f"a key of replica {name!r}", key)
    keys = list(dict.fromkeys(key for state in replicas.values() for key in state))
    first = next(iter(replicas.values()))
    diverged = tuple(
        Divergence(key, tuple((name, state.get(key)) for name, state in replicas.items()))
        for key in keys
        if any(state.get(key) != first.get(key) for state in replicas.values()))
    n = len(replicas)
    if diverged:
        return Judgement("convergent", False, diverged,
                         f"The {n} replicas differ on {len(diverged)} of {len(keys)} key"
                         f"{'s' if len(keys) != 1 else ''}.")
    return Judgement("convergent", True, (),
                     f"The {n} replica{'s' if n != 1 else ''} hold the same value for "
                     f"each of {len(keys)} key{'s' if len(keys) != 1 else ''}.")


def strongest(history: History) -> str:
    """The strongest of the models that ``history`` satisfies: ``"linearizable"``, else
    ``"sequential"``, else the session guarantees that hold against the completion order
    (``"read-your-writes and monotonic-reads"``, one of them, or ``"none"``).

    >>> from msatheory.data.history import History, Operation
    >>> strongest(History([Operation("a", "write", 1, 0, 1),
    ...                    Operation("b", "read", None, 2, 3)]))
    'sequential'
    """
    h = _history("strongest", history)
    if check_linearizable(h).holds:
        return "linearizable"
    if check_sequential(h).holds:
        return "sequential"
    held = [name for name, check in (("read-your-writes", check_read_your_writes),
                                      ("monotonic-reads", check_monotonic_reads))
            if check(h).holds]
    return " and ".join(held) or "none"
