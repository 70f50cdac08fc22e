"""事务处理 (transaction handling): sagas, the theory's transactions across services.

The theory's summary (section 8.3, item 5: 数据管理：一致性策略、分片复制、事务处理) lists
transaction handling among the things data management must do, and gives no model of it.
With a database per service there is no transaction spanning services; the field's answer
is the **saga** (Garcia-Molina & Salem 1987; Richardson, *Microservices Patterns*, ch. 4):
a sequence of local transactions T1..Tn, each committed in one service, each with a
compensating transaction Ci that semantically undoes it. Richardson classifies the steps:
**compensatable** steps (they may be undone) come first, then at most one **pivot** (the
go/no-go step: once it commits the saga runs to completion), then **retriable** steps
(they cannot fail for good, so they are retried until they commit).

This module encodes:

* the saga as data (:class:`Change`, :class:`Step`, :class:`Saga`), so a badly written
  saga (a missing or wrong compensation) is a value one can build and check;
* the orchestrator as an explicit state machine (:func:`machine` draws it as a networkx
  ``DiGraph``) and :func:`run`, which executes saga instances and readers concurrently on a
  :class:`~msatheory.sim.VirtualClock` with seeded failures, recording every write, every
  read (as a :class:`~msatheory.data.history.History`) and every transition;
* :func:`check_semantic_atomicity`: every run ends fully committed, or with every completed
  step compensated, in reverse order (Garcia-Molina & Salem's T1..Tj Cj..C1), with the step
  left uncompensated as the witness;
* :func:`find_dirty_reads`: the isolation a saga lacks (sagas are ACD, not ACID): a reader
  that sees the effect of a step later compensated; and Richardson's **semantic lock**
  countermeasure (``Saga(..., lock=True)``: a compensatable step marks what it writes
  ``<STEP>_PENDING`` until the saga ends, and readers that respect the mark wait).

Conventions: a local transaction is atomic and instantaneous at an integer time; one step
slot (``step_time``) separates consecutive local transactions of one saga instance. An
``add`` change may carry a floor (``least``): the local transaction fails, with no effect,
if it would take the value below it (stock below zero, a balance overdrawn). Compensations
and retriable steps fail only transiently and are retried one slot later.

The module stops at one orchestrator per saga instance; it does not model choreography
(events between services), the other countermeasures of Richardson's list (commutative
updates, pessimistic view, reread value, version file, by value), lost messages or
crashed orchestrators, nor two-phase commit.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import pairwise

import networkx as nx

from msatheory.data.history import History, Operation
from msatheory.errors import (
    TheoryError,
    require_choice,
    require_count,
    require_distinct,
    require_instance,
    require_integer,
    require_items,
    require_name,
    require_probability,
    require_seed,
    require_time,
)
from msatheory.sim import VirtualClock, seeded_rng
from msatheory.theory.verdict import Witness

__all__ = [
    "KINDS",
    "OPS",
    "ORDERS",
    "Atomicity",
    "Change",
    "Execution",
    "Read",
    "Saga",
    "SagaInstance",
    "Step",
    "Transition",
    "Write",
    "check_semantic_atomicity",
    "find_dirty_reads",
    "machine",
    "run",
    "shop_saga",
    "shop_state",
]

#: Richardson's kinds of saga step, in the order a well-formed saga holds them.
KINDS = ("compensatable", "pivot", "retriable")
#: What a change does to a field: add a (signed) integer, or set a status.
OPS = ("add", "set")
#: The orders an orchestrator may run compensations in; only ``"reverse"`` is correct.
ORDERS = ("reverse", "forward")

Time = int | Fraction | float
Value = int | str | None

START, COMMITTED, ABORTED = "started", "committed", "aborted"


@dataclass(frozen=True)
class Change:
    """One change a local transaction makes to a field of its service's database:
    ``op`` ``"add"`` adds the integer ``value`` (failing the transaction if the result would
    fall below ``least``), ``"set"`` sets the field to the status ``value``.

    >>> Change("inventory", "widget.available", "add", -1, least=0).key
    'inventory.widget.available'
    """

    service: str
    field: str
    op: str
    value: int | str
    least: int | None = None

    def __post_init__(self) -> None:
        owner = "Change"
        require_name(owner, "service", self.service)
        require_name(owner, "field", self.field)
        require_choice(owner, "op", self.op, OPS)
        if self.op == "add":
            require_integer(owner, "value", self.value)
            if self.least is not None:
                require_integer(owner, "least", self.least)
        else:
            require_name(owner, "value", self.value)
            if self.least is not None:
                raise TheoryError(f"{owner}: least bounds an add, not a set of {self.value!r}")

    @property
    def key(self) -> str:
        """``service.field``: the key this change writes."""
        return f"{self.service}.{self.field}"

    def allowed(self, current: Value) -> bool:
        """Whether the change may apply to ``current`` (an add stays at or above its floor)."""
        return self.least is None or _as_int(current) + int(self.value) >= self.least

    def applied(self, current: Value) -> Value:
        """The field's value after the change."""
        return _as_int(current) + int(self.value) if self.op == "add" else self.value


def _as_int(value: Value) -> int:
    if isinstance(value, str):
        raise TheoryError(f"Change: cannot add to the status {value!r}")
    return 0 if value is None else value


def _changes(owner: str, what: str, values: Iterable[Change]) -> tuple[Change, ...]:
    return require_items(owner, what, values, Change)


@dataclass(frozen=True)
class Step:
    """One local transaction of a saga, run in ``service``: ``action`` (Ti), its
    ``compensation`` (Ci; ``None``: none written) and its kind, one of :data:`KINDS`.

    >>> Step("reject", "order", [Change("order", "o1", "set", "REJECTED")], None, "pivot").kind
    'pivot'
    """

    name: str
    service: str
    action: tuple[Change, ...]
    compensation: tuple[Change, ...] | None = None
    kind: str = "compensatable"

    def __init__(self, name: str, service: str, action: Iterable[Change],
                 compensation: Iterable[Change] | None = None, kind: str = "compensatable"):
        owner = f"Step {name!r}"
        require_name("Step", "name", name)
        require_name(owner, "service", service)
        require_choice(owner, "kind", kind, KINDS)
        done = _changes(owner, "action", action)
        undo = None if compensation is None else _changes(owner, "compensation", compensation)
        if undo is not None and kind != "compensatable":
            raise TheoryError(f"{owner}: a {kind} step is never compensated, so it has no "
                              f"compensation, not {list(undo)!r}")
        floors = [c.key for c in done if c.least is not None]
        if kind == "retriable" and floors:
            raise TheoryError(f"{owner}: a retriable step cannot fail for good, so it cannot "
                              f"hold a floor (on {', '.join(floors)})")
        for change in done + (undo or ()):
            if change.service != service:
                raise TheoryError(f"{owner}: a local transaction of {service!r} cannot write "
                                  f"{change.key!r} (database per service)")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "service", service)
        object.__setattr__(self, "action", done)
        object.__setattr__(self, "compensation", undo)
        object.__setattr__(self, "kind", kind)

    @property
    def pending(self) -> str:
        """The semantic-lock mark this step leaves on what it writes: ``<NAME>_PENDING``."""
        return f"{self.name.upper()}_PENDING"


@dataclass(frozen=True)
class Saga:
    """A saga (事务处理): local transactions ``steps`` T1..Tn, compensatable steps first, then
    at most one pivot, then retriable steps (Richardson's structure). With ``lock``, each
    compensatable step holds a semantic lock on what it writes until the saga ends.

    >>> saga = shop_saga("o1")
    >>> [step.kind for step in saga.steps]
    ['compensatable', 'compensatable', 'compensatable', 'pivot', 'retriable']
    """

    name: str
    steps: tuple[Step, ...]
    lock: bool = False

    def __init__(self, name: str, steps: Iterable[Step], lock: bool = False):
        owner = f"Saga {name!r}"
        require_name("Saga", "name", name)
        items = require_items(owner, "steps", steps, Step, distinct=True)
        if not items:
            raise TheoryError(f"{owner}: steps must hold at least one step, not []")
        ranks = [KINDS.index(step.kind) for step in items]
        for before, after in pairwise(items):
            if KINDS.index(after.kind) < KINDS.index(before.kind):
                raise TheoryError(f"{owner}: a {after.kind} step ({after.name!r}) cannot follow "
                                  f"a {before.kind} step ({before.name!r})")
        if ranks.count(1) > 1:
            raise TheoryError(f"{owner}: a saga has at most one pivot, not {ranks.count(1)}")
        require_instance(owner, "lock", lock, bool)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "steps", items)
        object.__setattr__(self, "lock", lock)

    def step(self, name: str) -> Step:
        """The step called ``name``."""
        for step in self.steps:
            if step.name == name:
                return step
        raise TheoryError(f"Saga {self.name!r}: no step is called {name!r}; its steps are "
                          f"{', '.join(s.name for s in self.steps)}")

    def index(self, name: str) -> int:
        """The position (from 1) of the step called ``name``."""
        return self.steps.index(self.step(name)) + 1


@dataclass(frozen=True)
class SagaInstance:
    """One execution of ``saga`` called ``name``, started at ``at``; ``fail_at`` names a step
    whose first attempt fails (a declined card), whatever the seeded failures do."""

    saga: Saga
    name: str
    at: int = 0
    fail_at: str | None = None

    def __post_init__(self) -> None:
        owner = "SagaInstance"
        require_instance(owner, "saga", self.saga, Saga)
        require_name(owner, "name", self.name)
        require_count(owner, "at", self.at)
        if self.fail_at is not None:
            self.saga.step(self.fail_at)


@dataclass(frozen=True)
class Read:
    """A reader ``process`` reading ``key`` at ``at``; one that ``respects_locks`` waits while a
    semantic lock marks the key ``*_PENDING``."""

    process: str
    key: str
    at: Time
    respects_locks: bool = True

    def __post_init__(self) -> None:
        require_name("Read", "process", self.process)
        require_name("Read", "key", self.key)
        require_time("Read", "at", self.at)
        require_instance("Read", "respects_locks", self.respects_locks, bool)


@dataclass(frozen=True)
class Write:
    """One applied change: number ``seq`` of the run, at ``time``, by saga ``instance`` in
    ``step``'s ``phase`` (``"action"``, ``"compensation"``, ``"lock"`` or ``"unlock"``);
    ``value`` is what the key holds afterwards."""

    seq: int
    time: int
    instance: str
    step: str
    phase: str
    key: str
    value: Value
    change: Change | None = None


@dataclass(frozen=True)
class Transition:
    """The orchestrator of ``instance`` moving from ``source`` to ``target`` on ``event``."""

    time: int
    instance: str
    source: str
    target: str
    event: str


@dataclass(frozen=True)
class _Observed:
    operation: Operation
    write: Write | None  # the write whose value the read returned; None: the initial value
    after: int  # the number of writes applied when the read was answered


@dataclass
class Execution:
    """What :func:`run` recorded: the initial and final states, every write, every read
    (``history``, a :class:`~msatheory.data.history.History` of reads and writes), every
    transition of every orchestrator, and each instance's outcome (``"committed"``,
    ``"aborted"`` or ``"blocked"``: waiting for good on a semantic lock another blocked
    instance holds, a deadlock)."""

    instances: tuple[SagaInstance, ...]
    initial: dict[str, Value]
    final: dict[str, Value] = field(default_factory=dict)
    writes: list[Write] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    observed: list[_Observed] = field(default_factory=list)

    @property
    def history(self) -> History:
        """Every read and every action or compensation write, as a history of operations."""
        writes = (Operation(w.instance, "write", w.value, w.time, w.time, w.key)
                  for w in self.writes if w.phase in ("action", "compensation"))
        return History([*writes, *(seen.operation for seen in self.observed)])

    def timeline(self, key: str) -> tuple[tuple[int, Value], ...]:
        """The values ``key`` held over time: its initial value at 0, then each write."""
        start: tuple[tuple[int, Value], ...] = ((0, self.initial.get(key)),)
        return start + tuple((w.time, w.value) for w in self.writes if w.key == key)

    def state_at(self, time: Time) -> dict[str, Value]:
        """Every service's data at ``time``: the initial state and each write made by then.

        >>> x = run([SagaInstance(shop_saga("o1"), "o1", fail_at="charge_payment")],
        ...         shop_state())
        >>> x.state_at(2)["inventory.widget.available"], x.state_at(2)["order.o1"]
        (0, 'APPROVAL_PENDING')
        """
        require_time("Execution.state_at", "time", time)
        state = dict(self.initial)
        for w in self.writes:
            if w.time <= time:
                state[w.key] = w.value
        return state

    def instance(self, name: str) -> SagaInstance:
        """The saga instance called ``name``."""
        for item in self.instances:
            if item.name == name:
                return item
        raise TheoryError(f"Execution: no saga instance is called {name!r}")


def _state_name(step: Step, phase: str) -> str:
    return step.name if phase == "action" else f"undo {step.name}"


def machine(saga: Saga, order: str = "reverse") -> nx.DiGraph:
    """事务处理: the orchestrator of ``saga`` as a state machine.

    Parameters
    ----------
    saga : Saga
    order : str
        The order compensations run in, one of :data:`ORDERS` (``"forward"`` is the bug).

    Returns
    -------
    networkx.DiGraph
        States ``"started"``, each step's name (running its action), ``"undo <step>"``
        (running its compensation), ``"committed"`` and ``"aborted"``; each edge's
        ``event`` is ``"start"``, ``"ok"``, ``"failed"`` or ``"retry"``.

    Raises
    ------
    TheoryError
        If ``saga`` is not a :class:`Saga` or ``order`` is not one of :data:`ORDERS`.

    Examples
    --------
    >>> g = machine(shop_saga("o1"))
    >>> g.edges["charge_payment", "undo reserve_stock"]["event"]
    'failed'
    >>> sorted(g.successors("approve_order"))
    ['approve_order', 'committed']

    References
    ----------
    C. Richardson, *Microservices Patterns*, Manning 2018, ch. 4 (orchestration-based
    sagas as state machines; compensatable, pivot and retriable transactions).
    """
    require_instance("machine", "saga", saga, Saga)
    require_choice("machine", "order", order, ORDERS)
    g: nx.DiGraph = nx.DiGraph(name=saga.name)
    steps = saga.steps
    g.add_edge(START, steps[0].name, event="start")
    for i, step in enumerate(steps):
        g.add_edge(step.name, steps[i + 1].name if i + 1 < len(steps) else COMMITTED, event="ok")
        if step.kind == "retriable":
            g.add_edge(step.name, step.name, event="retry")
            continue
        undo = _compensation_order(steps[:i], order)
        g.add_edge(step.name, _state_name(undo[0], "undo") if undo else ABORTED, event="failed")
        for a, b in pairwise(undo):
            g.add_edge(_state_name(a, "undo"), _state_name(b, "undo"), event="ok")
        if undo:
            g.add_edge(_state_name(undo[-1], "undo"), ABORTED, event="ok")
            for s in undo:
                g.add_edge(_state_name(s, "undo"), _state_name(s, "undo"), event="retry")
    return g


def _compensation_order(done: Iterable[Step], order: str) -> list[Step]:
    steps = [s for s in done if s.kind == "compensatable"]
    return steps[::-1] if order == "reverse" else steps


class _Engine:
    """The shared database and the scheduler that interleaves sagas and readers."""

    def __init__(self, execution: Execution, rng: random.Random, p: float | Fraction,
                 step_time: int, order: str):
        self.x = execution
        self.state: dict[str, Value] = dict(execution.initial)
        self.locks: dict[str, str] = {}  # key -> instance holding its semantic lock
        self.rng, self.p, self.step_time, self.order = rng, p, step_time, order
        self.clock = VirtualClock()

    @property
    def now(self) -> int:
        return int(self.clock.now)

    def write(self, instance: str, step: str, phase: str, key: str, value: Value,
              change: Change | None = None) -> None:
        self.state[key] = value
        self.x.writes.append(Write(len(self.x.writes), self.now, instance, step, phase, key,
                                   value, change))

    def read(self, process: str, key: str, invoked: Time, completed: Time) -> Value:
        source = next((w for w in reversed(self.x.writes)
                       if w.key == key and w.phase in ("action", "compensation")), None)
        value = self.state.get(key)
        self.x.observed.append(_Observed(Operation(process, "read", value, invoked, completed,
                                                   key), source, len(self.x.writes)))
        return value

    def move(self, instance: str, source: str, target: str, event: str) -> str:
        self.x.transitions.append(Transition(self.now, instance, source, target, event))
        return target

    def blocked_by(self, instance: str, keys: Iterable[str]) -> str | None:
        return next((k for k in keys if self.locks.get(k, instance) != instance), None)

    def transient(self) -> bool:
        return self.rng.random() < self.p

    # A saga instance: a generator yielding the keys it waits on (a lock) or None (a slot).
    def saga(self, inst: SagaInstance) -> Generator[str | None, None, None]:
        name, saga, state = inst.name, inst.saga, START
        done: list[Step] = []
        failed_once: set[str] = set()
        for step in saga.steps:
            state = self.move(name, state, step.name, "start" if state == START else "ok")
            while True:
                keys = [c.key for c in step.action]
                while (held := self.blocked_by(name, keys)) is not None:
                    yield held
                forced = step.name == inst.fail_at and step.name not in failed_once
                failed_once.add(step.name)
                lost = forced or self.transient()
                fits = True
                for change in step.action:
                    if change.least is not None:
                        current = self.read(name, change.key, self.now, self.now)
                        fits = fits and change.allowed(current)
                if step.kind == "retriable" and (lost or not fits):
                    self.move(name, state, state, "retry")
                    yield None
                    continue
                break
            if lost or not fits:
                self.x.failed[name] = step.name
                yield from self.compensate(inst, done, state)
                return
            for change in step.action:
                self.write(name, step.name, "action", change.key,
                           change.applied(self.state.get(change.key)), change)
                if saga.lock and step.kind == "compensatable" and change.key not in self.locks:
                    self.locks[change.key] = name
                    self.write(name, step.name, "lock", change.key + ":lock", step.pending)
            done.append(step)
            if step is not saga.steps[-1]:
                yield None
        self.move(name, state, COMMITTED, "ok")
        self.release(name)
        self.x.outcomes[name] = COMMITTED

    def compensate(self, inst: SagaInstance, done: list[Step],
                   state: str) -> Generator[str | None, None, None]:
        name = inst.name
        for step in _compensation_order(done, self.order):
            state = self.move(name, state, _state_name(step, "undo"), "failed"
                              if not state.startswith("undo ") else "ok")
            yield None
            while self.transient():  # a compensation is retried until it commits
                self.move(name, state, state, "retry")
                yield None
            for change in step.compensation or ():
                self.write(name, step.name, "compensation", change.key,
                           change.applied(self.state.get(change.key)), change)
        if not done:
            state = self.move(name, state, ABORTED, "failed")
        else:
            state = self.move(name, state, ABORTED, "ok")
        self.release(name)
        self.x.outcomes[name] = ABORTED

    def release(self, instance: str) -> None:
        for key in [k for k, holder in self.locks.items() if holder == instance]:
            del self.locks[key]
            self.write(instance, "", "unlock", key + ":lock", None)

    def reader(self, read: Read) -> Generator[str | None, None, None]:
        completed: Time = read.at
        while read.respects_locks and read.key in self.locks:
            yield read.key
            completed = self.now  # locks are released at integer times
        self.read(read.process, read.key, read.at, completed)


def run(instances: Iterable[SagaInstance], initial: Mapping[str, Value], *,
        reads: Iterable[Read] = (), seed: int = 0, failure_probability: float | Fraction = 0,
        step_time: int = 1, order: str = "reverse") -> Execution:
    """事务处理: run saga instances and readers concurrently, each saga by its orchestrator.

    Each instance runs one local transaction per slot of ``step_time`` from its start; a
    pivot or compensatable step fails with probability ``failure_probability`` (or when
    named by ``fail_at``, or when an add would cross its floor) and the orchestrator then
    runs the compensations of the completed steps, in ``order``; a retriable step or a
    compensation that fails is retried one slot later. With ``saga.lock``, a step that
    must write a key another instance holds waits until it is released.

    Parameters
    ----------
    instances : iterable of SagaInstance
        Distinctly named.
    initial : mapping from str to int, str or None
        Each key's value before the run; a key not given starts at ``None`` (0 for adds).
    reads : iterable of Read
        Readers; at one instant, sagas' local transactions come first.
    seed : int
        Seeds the failures (:func:`~msatheory.sim.seeded_rng`).
    failure_probability : float or Fraction
        The chance that one attempt of a local transaction fails.
    step_time : int
        Time units between consecutive local transactions of one saga.
    order : str
        One of :data:`ORDERS`: the orchestrator's compensation order.

    Returns
    -------
    Execution
        The writes, reads, transitions, outcomes and the final state.

    Raises
    ------
    TheoryError
        On a bad argument, or when ``failure_probability`` is 1 (a retriable step would
        never commit).

    Examples
    --------
    >>> x = run([SagaInstance(shop_saga("o1"), "o1", fail_at="charge_payment")], shop_state())
    >>> x.outcomes, x.timeline("inventory.widget.available")
    ({'o1': 'aborted'}, ((0, 1), (1, 0), (3, 1)))

    References
    ----------
    H. Garcia-Molina and K. Salem, "Sagas", SIGMOD 1987; C. Richardson, *Microservices
    Patterns*, Manning 2018, ch. 4.
    """
    owner = "run"
    items = require_items(owner, "instances", instances, SagaInstance)
    require_distinct(owner, "instances", (i.name for i in items))
    readers = require_items(owner, "reads", reads, Read)
    require_instance(owner, "initial", initial, Mapping)  # type: ignore[type-abstract]
    p = require_probability(owner, "failure_probability", failure_probability)
    if p == 1:
        raise TheoryError(f"{owner}: failure_probability must be below 1 (a retriable step "
                          f"must commit eventually), not {failure_probability!r}")
    step_time = require_count(owner, "step_time", step_time, least=1)
    require_choice(owner, "order", order, ORDERS)
    rng = seeded_rng(require_seed(owner, seed), owner)
    for key, value in initial.items():
        require_name(owner, "a key", key)
        if value is not None and not isinstance(value, str):
            require_integer(owner, f"the initial value of {key!r}", value)
    x = Execution(items, dict(initial))
    engine = _Engine(x, rng, p, step_time, order)
    queue: list[tuple[Time, int, int, Generator[str | None, None, None]]] = []
    for n, inst in enumerate(items):
        queue.append((inst.at, 0, n, engine.saga(inst)))
    for n, read in enumerate(readers):
        queue.append((read.at, 1, len(items) + n, engine.reader(read)))
    heapq.heapify(queue)
    waiting: list[tuple[str, int, int, Generator[str | None, None, None]]] = []
    while queue:
        at, rank, n, process = heapq.heappop(queue)
        engine.clock.advance_to(float(at))
        try:
            held = next(process)
        except StopIteration:
            held = None
            process = None  # type: ignore[assignment]
        if process is not None:
            if held is None:
                heapq.heappush(queue, (_next_slot(at, step_time), rank, n, process))
            else:
                waiting.append((held, rank, n, process))
        # a released lock wakes its waiters at once
        still = []
        for key, r, m, proc in waiting:
            if key in engine.locks:
                still.append((key, r, m, proc))
            else:
                heapq.heappush(queue, (at, r, m, proc))
        waiting = still
    for _, _, m, _ in waiting:
        if m < len(items):
            x.outcomes[items[m].name] = "blocked"
    x.final = dict(engine.state)
    return x


def _next_slot(now: Time, step_time: int) -> int:
    """The first slot boundary strictly after ``now`` for sagas: integer times."""
    return int(now) + step_time if now == int(now) else int(now) + 1


@dataclass(frozen=True)
class Atomicity:
    """The verdict of :func:`check_semantic_atomicity`: ``holds`` when every saga instance
    ended committed or fully compensated; otherwise ``witnesses``, each naming the instance
    and the step left uncompensated (or compensated out of order)."""

    witnesses: tuple[Witness, ...]
    outcomes: tuple[tuple[str, str], ...]

    @property
    def holds(self) -> bool:
        """True when no instance left a partial effect."""
        return not self.witnesses

    def __str__(self) -> str:
        status = "holds" if self.holds else "violated"
        lines = [f"semantic atomicity {status}: " +
                 ", ".join(f"{n} {o}" for n, o in self.outcomes)]
        return "\n".join(lines + [f"  - {w}" for w in self.witnesses])


def check_semantic_atomicity(execution: Execution) -> Atomicity:
    """事务处理: every saga run is fully committed or fully compensated (semantic atomicity).

    Garcia-Molina and Salem's guarantee: a saga executes T1..Tn, or T1..Tj Cj..C1. Read
    on what each instance wrote (so concurrent sagas on the same keys do not confuse it):
    a committed instance ran every action and no compensation; an aborted one left no net
    effect (its adds on each key sum to zero, and the last status it set on each key is
    none of the statuses its actions set) and ran its compensations in reverse order of its
    steps. A ``"blocked"`` instance has not ended and is judged by neither rule.

    Parameters
    ----------
    execution : Execution
        A run recorded by :func:`run`.

    Returns
    -------
    Atomicity
        ``holds``, the outcome of each instance, and the witnesses: ``"uncompensated
        step"`` (involving the instance and the step whose effect on a key remains),
        ``"compensation out of order"`` (the instance and the two steps) and
        ``"partial commit"`` (a committed instance that skipped or undid a step).

    Raises
    ------
    TheoryError
        If ``execution`` is not an :class:`Execution`.

    Examples
    --------
    >>> saga = shop_saga("o1")
    >>> ok = run([SagaInstance(saga, "o1", fail_at="book_delivery")], shop_state())
    >>> check_semantic_atomicity(ok).holds
    True
    >>> steps = [s if s.name != "charge_payment" else
    ...          Step(s.name, s.service, s.action) for s in saga.steps]
    >>> bad = run([SagaInstance(Saga("no refund", steps), "o1", fail_at="book_delivery")],
    ...           shop_state())
    >>> verdict = check_semantic_atomicity(bad)
    >>> verdict.holds, [(w.what, w.involves) for w in verdict.witnesses]
    (False, [('uncompensated step', ('o1', 'charge_payment'))])
    >>> print(verdict.witnesses[0].detail)
    o1 aborted at book_delivery, but charge_payment left payment.alice.balance -30

    References
    ----------
    H. Garcia-Molina and K. Salem, "Sagas", SIGMOD 1987, section 2 (semantic atomicity);
    C. Richardson, *Microservices Patterns*, Manning 2018, section 4.1.
    """
    require_instance("check_semantic_atomicity", "execution", execution, Execution)
    witnesses: list[Witness] = []
    for inst in execution.instances:
        outcome = execution.outcomes.get(inst.name, "blocked")
        mine = [w for w in execution.writes if w.instance == inst.name and w.change is not None]
        if outcome == COMMITTED:
            witnesses += _partial_commit(inst, mine)
        elif outcome == ABORTED:
            witnesses += _residue(inst, mine, execution.failed.get(inst.name, "?"))
            witnesses += _out_of_order(inst, mine)
    outcomes = tuple((i.name, execution.outcomes.get(i.name, "blocked"))
                     for i in execution.instances)
    return Atomicity(tuple(sorted(set(witnesses))), outcomes)


def _partial_commit(inst: SagaInstance, mine: list[Write]) -> list[Witness]:
    ran = {w.step for w in mine if w.phase == "action"}
    undone = {w.step for w in mine if w.phase == "compensation"}
    return [Witness("partial commit", (inst.name, s.name),
                    f"{inst.name} committed but {s.name} "
                    f"{'was compensated' if s.name in undone else 'never ran'}")
            for s in inst.saga.steps if s.action and (s.name not in ran or s.name in undone)]


def _residue(inst: SagaInstance, mine: list[Write], failed: str) -> list[Witness]:
    """The steps whose effect on some key remains after the instance aborted."""
    found: list[Witness] = []
    net: dict[str, int] = {}
    author: dict[str, str] = {}  # key -> the first action step that wrote it
    last: dict[str, Write] = {}
    for w in mine:
        assert w.change is not None
        if w.phase == "action":
            author.setdefault(w.key, w.step)
        if w.change.op == "add":
            net[w.key] = net.get(w.key, 0) + int(w.change.value)
        else:
            last[w.key] = w
    for key, total in net.items():
        if total and key in author:
            found.append(Witness("uncompensated step", (inst.name, author[key]),
                                 f"{inst.name} aborted at {failed}, but {author[key]} left "
                                 f"{key} {total:+d}"))
        elif total:
            found.append(Witness("uncompensated step", (inst.name, _writer(mine, key)),
                                 f"{inst.name} aborted at {failed}, but the compensation of "
                                 f"{_writer(mine, key)} changed {key} by {total:+d}"))
    for key, w in last.items():
        setter = next((a.step for a in mine if a.phase == "action" and a.key == key
                       and a.value == w.value), None)
        if setter is not None:  # the status an action set is still visible
            found.append(Witness("uncompensated step", (inst.name, setter),
                                 f"{inst.name} aborted at {failed}, but {setter} left "
                                 f"{key}={w.value!r}"))
    return found


def _writer(mine: list[Write], key: str) -> str:
    return next(w.step for w in mine if w.key == key)


def _out_of_order(inst: SagaInstance, mine: list[Write]) -> list[Witness]:
    undone = list(dict.fromkeys(w.step for w in mine if w.phase == "compensation"))
    found = []
    for a, b in pairwise(undone):
        if inst.saga.index(a) < inst.saga.index(b):
            found.append(Witness("compensation out of order", (inst.name, a, b),
                                 f"{inst.name} undid {a} (step {inst.saga.index(a)}) before "
                                 f"{b} (step {inst.saga.index(b)})"))
    return found


def find_dirty_reads(execution: Execution) -> tuple[Witness, ...]:
    """事务处理: the isolation a saga lacks: reads of a step's effect that was later undone.

    A saga is ACD without I: once Ti commits in its service, anyone may read its effect,
    though the saga may abort and Ci undo it. A read is **dirty** when the value it
    returned was written by a saga instance's action that a compensation of the same
    instance overwrote after the read (a reader shown the last widget as sold to an order
    later cancelled, or a second saga turned away for want of stock).

    Parameters
    ----------
    execution : Execution
        A run recorded by :func:`run`.

    Returns
    -------
    tuple of Witness
        One ``"dirty read"`` per such read, involving the reader and the instance whose
        undone effect it saw, with the key, the value, the times of the read, of the write
        and of the compensation.

    Raises
    ------
    TheoryError
        If ``execution`` is not an :class:`Execution`.

    Examples
    --------
    >>> one = shop_state()
    >>> x = run([SagaInstance(shop_saga("o1"), "o1", fail_at="charge_payment")], one,
    ...         reads=[Read("shopper", "inventory.widget.available", 2)])
    >>> for w in find_dirty_reads(x): print(w.detail)
    shopper read inventory.widget.available=0 at 2, written by o1's reserve_stock at 1, undone at 3
    >>> locked = SagaInstance(shop_saga("o1", lock=True), "o1", fail_at="charge_payment")
    >>> shopper = Read("shopper", "inventory.widget.available", 2)
    >>> find_dirty_reads(run([locked], one, reads=[shopper]))
    ()

    References
    ----------
    C. Richardson, *Microservices Patterns*, Manning 2018, section 4.3 (lack of isolation:
    dirty reads; the semantic lock countermeasure).
    """
    require_instance("find_dirty_reads", "execution", execution, Execution)
    found = []
    for seen in execution.observed:
        w = seen.write
        if w is None or w.phase != "action" or w.instance == seen.operation.process:
            continue
        undo = next((u for u in execution.writes[seen.after:]
                     if u.instance == w.instance and u.step == w.step
                     and u.key == w.key and u.phase == "compensation"), None)
        if undo is not None:
            op = seen.operation
            found.append(Witness("dirty read", (op.process, w.instance),
                                 f"{op.process} read {op.key}={op.value!r} at {op.completed}, "
                                 f"written by {w.instance}'s {w.step} at {w.time}, undone at "
                                 f"{undo.time}"))
    return tuple(found)


def shop_saga(order: str, *, customer: str = "alice", product: str = "widget",
              quantity: int = 1, price: int = 30, lock: bool = False) -> Saga:
    """The shop's create-order saga (事务处理) for ``order``: create the order
    (``APPROVAL_PENDING``; undone by rejecting it), reserve stock (undone by releasing it),
    charge the customer (undone by a refund), book a courier (the pivot), approve the order
    (retriable).

    >>> [s.name for s in shop_saga("o1").steps]
    ['create_order', 'reserve_stock', 'charge_payment', 'book_delivery', 'approve_order']
    """
    owner = "shop_saga"
    require_name(owner, "order", order)
    require_name(owner, "customer", customer)
    require_name(owner, "product", product)
    require_count(owner, "quantity", quantity, least=1)
    require_count(owner, "price", price)
    stock, held = f"{product}.available", f"{product}.reserved"
    balance = f"{customer}.balance"
    return Saga(f"create order {order}", [
        Step("create_order", "order", [Change("order", order, "set", "APPROVAL_PENDING")],
             [Change("order", order, "set", "REJECTED")]),
        Step("reserve_stock", "inventory",
             [Change("inventory", stock, "add", -quantity, least=0),
              Change("inventory", held, "add", quantity)],
             [Change("inventory", stock, "add", quantity),
              Change("inventory", held, "add", -quantity)]),
        Step("charge_payment", "payment", [Change("payment", balance, "add", -price, least=0)],
             [Change("payment", balance, "add", price)]),
        Step("book_delivery", "delivery", [Change("delivery", "couriers", "add", -1, least=0)],
             kind="pivot"),
        Step("approve_order", "order", [Change("order", order, "set", "APPROVED")],
             kind="retriable"),
    ], lock=lock)


def shop_state(*, stock: int = 1, balances: Mapping[str, int] | None = None,
               couriers: int = 5) -> dict[str, Value]:
    """The shop's databases before any saga: ``stock`` widgets, each customer's balance
    (alice 100 and bob 100 unless given), ``couriers`` free couriers.

    >>> shop_state()["inventory.widget.available"]
    1
    """
    owner = "shop_state"
    state: dict[str, Value] = {
        "inventory.widget.available": require_count(owner, "stock", stock),
        "inventory.widget.reserved": 0,
        "delivery.couriers": require_count(owner, "couriers", couriers),
    }
    for name, amount in (balances or {"alice": 100, "bob": 100}).items():
        state[f"payment.{require_name(owner, 'customer', name)}.balance"] = \
            require_count(owner, f"balance of {name}", amount)
    return state
