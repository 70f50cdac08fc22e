"""Protocol 5.2.3 (消息队列): delivery semantics, at most once, at least once, effectively once.

A message queue hands each message to a consumer and keeps it until the consumer
acknowledges it (an **ack**; Kafka's offset commit plays the same part). What a crash
does to a message depends on one choice of the consumer: whether it acks before or after
it applies the message's effect. This module models that choice step by step, with no
threads and no clock: failures are steps chosen by the caller.

* :class:`Broker` holds messages: ``publish`` queues one, ``deliver`` hands the next to a
  consumer and keeps it **in flight**, ``ack`` forgets an in-flight message, and
  ``redeliver`` queues every in-flight message again (a visibility timeout expired, or
  the consumer reconnected).
* :class:`Consumer` handles one delivery in the order its mode prescribes (:data:`MODES`):

  - ``at-most-once`` acks, then processes: a crash between the two loses the message;
  - ``at-least-once`` processes, then acks: a crash between the two, or a lost ack, has
    the message redelivered and its effect applied twice;
  - ``effectively-once`` processes, then acks, like at least once, but it applies the
    effect and records the message id in one transaction and skips an id it has
    recorded (an **idempotent consumer**), so no message is lost and none is applied
    twice: once the consumer has caught up, each effect has happened exactly once.

* :func:`run_script` runs a script of :data:`STEPS` and returns an :class:`Outcome`: the
  effects per message, and which messages were lost or applied twice;
  :func:`shortest_script` finds by breadth-first search the shortest script that loses
  or duplicates a message in a mode, and :func:`shortest_failures` tabulates it for every
  mode.

Conventions: the consumer's effects and its record of processed ids live in its database,
which survives a crash; a crash ends the consumer's handling of the message it holds, and
the message stays in flight until a ``redeliver`` step. An ack is confirmed: a consumer
whose ack is lost abandons the message at that point (an at-most-once consumer does not
process it), and the broker delivers it again after ``redeliver``.

The module stops at one queue and one consumer. It does not model ordering across
partitions, several consumers competing for a message, or a broker that loses messages
it has accepted (brokers replicate for that).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass

from msatheory.errors import TheoryError, require_choice, require_count, require_name

__all__ = [
    "FAILURES",
    "FAULTS",
    "MODES",
    "STEPS",
    "Broker",
    "Consumer",
    "Handling",
    "Outcome",
    "Shortest",
    "run_script",
    "shortest_failures",
    "shortest_script",
]

MODES = ("at-most-once", "at-least-once", "effectively-once")
"""The consumer's delivery semantics, by the order of its ack and its processing."""

FAULTS = ("crash-before-process", "crash-after-process", "ack-lost")
"""What can go wrong while a consumer handles one delivery."""

STEPS = ("publish", "deliver", *FAULTS, "redeliver")
"""The steps of a script: publish a new message; deliver the next message and handle it
without a fault; deliver it and handle it with one of :data:`FAULTS`; redeliver every
in-flight message."""

FAILURES = ("lost", "duplicated")
"""What a script can do to a message: lose it, or apply its effect more than once."""

_ORDER = {"at-most-once": ("ack", "process"), "at-least-once": ("process", "ack"),
          "effectively-once": ("process", "ack")}


class Broker:
    """Protocol 5.2.3 (消息队列): a queue that keeps each message until it is acked.

    Messages are named by id. ``ready`` are the copies waiting to be delivered, in order;
    ``in_flight`` the copies delivered and not yet acked. Publishing an id twice queues
    two copies, as a broker without deduplication does.

    Examples
    --------
    >>> broker = Broker()
    >>> broker.publish("m1")
    >>> broker.publish("m2")
    >>> broker.deliver(), broker.ready, broker.in_flight
    ('m1', ('m2',), ('m1',))
    >>> broker.redeliver(), broker.ready
    (('m1',), ('m1', 'm2'))
    >>> broker.ack("m2")
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: Broker: cannot ack 'm2': it is not in flight

    References
    ----------
    .. [1] Protocol 5.2.3 of the theory (消息队列): 使用消息队列进行异步通信.
    .. [2] Amazon SQS, visibility timeout; RabbitMQ, consumer acknowledgements (a
       channel that closes requeues its unacked messages).
    """

    def __init__(self) -> None:
        self._ready: deque[str] = deque()
        self._in_flight: list[str] = []
        self._published: dict[str, None] = {}

    @property
    def ready(self) -> tuple[str, ...]:
        """The copies waiting for delivery, next first."""
        return tuple(self._ready)

    @property
    def in_flight(self) -> tuple[str, ...]:
        """The copies delivered and not acked, in delivery order."""
        return tuple(self._in_flight)

    @property
    def published(self) -> tuple[str, ...]:
        """Every id ever published, once each, in order of first publication."""
        return tuple(self._published)

    def holds(self, message_id: str) -> bool:
        """Whether a copy of ``message_id`` is ready or in flight."""
        return message_id in self._ready or message_id in self._in_flight

    def publish(self, message_id: str) -> None:
        """Queue a copy of ``message_id`` behind the ready ones."""
        self._ready.append(require_name("Broker", "message_id", message_id))
        self._published.setdefault(message_id)

    def deliver(self) -> str | None:
        """Hand the next ready copy to the consumer and keep it in flight; None if none."""
        if not self._ready:
            return None
        message_id = self._ready.popleft()
        self._in_flight.append(message_id)
        return message_id

    def ack(self, message_id: str) -> None:
        """Forget one in-flight copy of ``message_id``: it is never delivered again."""
        if message_id not in self._in_flight:
            raise TheoryError(f"Broker: cannot ack {message_id!r}: it is not in flight")
        self._in_flight.remove(message_id)

    def redeliver(self) -> tuple[str, ...]:
        """Queue every in-flight copy again, ahead of the ready ones and in delivery
        order (their visibility timeout expired); return them."""
        again = tuple(self._in_flight)
        self._in_flight.clear()
        self._ready.extendleft(reversed(again))
        return again

    def __repr__(self) -> str:
        return f"Broker(ready={self.ready!r}, in_flight={self.in_flight!r})"


@dataclass(frozen=True)
class Handling:
    """What a consumer did with one delivery: the ``message`` and, in order, what
    happened (``"acked"``, ``"applied"``, ``"skipped: already applied"``, ``"ack lost"``,
    ``"crashed"``)."""

    message: str
    done: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.message} {', '.join(self.done)}"


class Consumer:
    """Protocol 5.2.3 (消息队列): a consumer that acks before or after it processes.

    ``mode`` is one of :data:`MODES`. Processing a message applies its effect once to the
    consumer's database (``applied``); in ``effectively-once`` the same transaction
    records the message id, and a recorded id is skipped.

    Examples
    --------
    >>> broker, consumer = Broker(), Consumer("at-least-once")
    >>> broker.publish("m1")
    >>> print(consumer.poll(broker, fault="crash-after-process"))
    m1 applied, crashed
    >>> broker.redeliver()
    ('m1',)
    >>> print(consumer.poll(broker))
    m1 applied, acked
    >>> consumer.applied("m1")
    2

    References
    ----------
    .. [1] Protocol 5.2.3 of the theory (消息队列).
    .. [2] Kafka documentation, section 4.6 "Message Delivery Semantics": committing the
       offset before processing gives at most once, after it at least once.
    .. [3] C. Richardson, microservices.io, "Idempotent Consumer".
    """

    def __init__(self, mode: str) -> None:
        self.mode = require_choice("Consumer", "mode", mode, MODES)
        self._effects: Counter[str] = Counter()
        self._processed: set[str] = set()

    @property
    def order(self) -> tuple[str, str]:
        """The consumer's two actions on a delivery, in order: ``ack`` and ``process``."""
        first, second = _ORDER[self.mode]
        return first, second

    def applied(self, message_id: str) -> int:
        """How many times the effect of ``message_id`` has been applied."""
        return self._effects[message_id]

    def poll(self, broker: Broker, fault: str | None = None) -> Handling | None:
        """Take the next message from ``broker`` and handle it, with ``fault`` (one of
        :data:`FAULTS`) or none; None when no message is ready.

        ``crash-before-process`` stops just before processing (an at-most-once consumer
        has acked by then); ``crash-after-process`` stops just after it (an
        at-least-once consumer has not acked yet); ``ack-lost`` stops at the ack, which
        never reaches the broker.
        """
        if fault is not None:
            require_choice("Consumer.poll", "fault", fault, FAULTS)
        message = broker.deliver()
        if message is None:
            return None
        done: list[str] = []
        for action in self.order:
            if action == "ack":
                if fault == "ack-lost":
                    done.append("ack lost")
                    break
                broker.ack(message)
                done.append("acked")
                continue
            if fault == "crash-before-process":
                done.append("crashed")
                break
            done.append(self._process(message))
            if fault == "crash-after-process":
                done.append("crashed")
                break
        return Handling(message, tuple(done))

    def _process(self, message: str) -> str:
        """Apply the effect of ``message`` (once per id in ``effectively-once``)."""
        if self.mode == "effectively-once":
            if message in self._processed:
                return "skipped: already applied"
            self._processed.add(message)
        self._effects[message] += 1
        return "applied"

    def __repr__(self) -> str:
        return f"Consumer({self.mode!r})"


@dataclass(frozen=True)
class Outcome:
    """The end of a script: ``effects`` pairs each published id with the number of times
    its effect was applied; ``lost`` names the messages the broker no longer holds and
    that were never applied; ``duplicated`` those applied more than once; ``pending``
    those the broker still holds (ready or in flight). ``trace`` says what each step did.
    """

    mode: str
    steps: tuple[str, ...]
    trace: tuple[str, ...]
    effects: tuple[tuple[str, int], ...]
    lost: tuple[str, ...]
    duplicated: tuple[str, ...]
    pending: tuple[str, ...]

    def has(self, failure: str) -> bool:
        """Whether the script ended with a message ``lost`` or ``duplicated``."""
        return bool(getattr(self, require_choice("Outcome.has", "failure", failure, FAILURES)))


def _steps(owner: str, steps: object) -> tuple[str, ...]:
    """``steps`` as a tuple if it is a list of :data:`STEPS`."""
    if isinstance(steps, str | bytes) or not isinstance(steps, Iterable):
        raise TheoryError(f"{owner}: steps must be a list of steps, not {steps!r}")
    script = tuple(steps)
    for step in script:
        require_choice(owner, "each step", step, STEPS)
    return script


def _play(mode: str, script: tuple[str, ...]) -> tuple[Outcome, tuple[object, ...]]:
    """Run ``script``; return its outcome and a key of the final state."""
    broker, consumer = Broker(), Consumer(mode)
    trace = []
    for step in script:
        if step == "publish":
            message = f"m{len(broker.published) + 1}"
            broker.publish(message)
            trace.append(f"publish: {message} queued")
        elif step == "redeliver":
            again = broker.redeliver()
            trace.append(f"redeliver: {', '.join(again) or 'nothing in flight'}")
        else:
            handling = consumer.poll(broker, fault=None if step == "deliver" else step)
            trace.append(f"{step}: {handling or 'nothing ready'}")
    published = broker.published
    effects = tuple((message, consumer.applied(message)) for message in published)
    outcome = Outcome(
        mode=mode, steps=script, trace=tuple(trace), effects=effects,
        lost=tuple(m for m, n in effects if n == 0 and not broker.holds(m)),
        duplicated=tuple(m for m, n in effects if n > 1),
        pending=tuple(m for m in published if broker.holds(m)))
    return outcome, (broker.ready, broker.in_flight, effects)


def run_script(mode: str, steps: Iterable[str]) -> Outcome:
    """Protocol 5.2.3 (消息队列): run a script of steps against one broker and one consumer.

    ``publish`` publishes a new message, named ``m1``, ``m2``, ... in order; ``deliver``
    has the consumer handle the next ready message without a fault; each of
    :data:`FAULTS` has it handle the next ready message with that fault; ``redeliver``
    queues every in-flight message again. A consumer step with no message ready does
    nothing.

    Parameters
    ----------
    mode : str
        The consumer's semantics, one of :data:`MODES`.
    steps : iterable of str
        The script, each step one of :data:`STEPS`.

    Returns
    -------
    Outcome
        The effects per message, the messages lost, duplicated and pending, and a trace
        line per step.

    Raises
    ------
    TheoryError
        If ``mode`` or a step is not one of those listed.

    Examples
    --------
    >>> lost = run_script("at-most-once", ["publish", "crash-before-process"])
    >>> lost.trace
    ('publish: m1 queued', 'crash-before-process: m1 acked, crashed')
    >>> lost.effects, lost.lost
    ((('m1', 0),), ('m1',))
    >>> run_script("effectively-once", ["publish", "ack-lost", "redeliver", "deliver"]).effects
    (('m1', 1),)

    References
    ----------
    .. [1] Protocol 5.2.3 of the theory (消息队列).
    .. [2] Kafka documentation, section 4.6 "Message Delivery Semantics".
    """
    mode = require_choice("run_script", "mode", mode, MODES)
    return _play(mode, _steps("run_script", steps))[0]


def shortest_script(mode: str, failure: str, *, max_steps: int = 6) -> Outcome | None:
    """Protocol 5.2.3 (消息队列): the shortest script that ends with a message ``failure``
    (``lost`` or ``duplicated``) in ``mode``, or None if none has at most ``max_steps``.

    Breadth-first search over scripts, in the order of :data:`STEPS`, skipping a script
    that ends in a state a shorter or earlier script reached (its continuations repeat
    that one's), so the first script found is a shortest one.

    Parameters
    ----------
    mode : str
        One of :data:`MODES`.
    failure : str
        One of :data:`FAILURES`.
    max_steps : int, optional
        The longest script searched (at least 1; default 6).

    Returns
    -------
    Outcome or None
        The run of the first shortest script found, or None.

    Raises
    ------
    TheoryError
        If ``mode`` or ``failure`` is not one of those listed, or ``max_steps`` is not a
        positive whole number.

    Examples
    --------
    >>> shortest_script("at-least-once", "duplicated").steps
    ('publish', 'crash-after-process', 'redeliver', 'deliver')
    >>> shortest_script("effectively-once", "duplicated") is None
    True

    References
    ----------
    .. [1] Protocol 5.2.3 of the theory (消息队列).
    .. [2] Kafka documentation, section 4.6 "Message Delivery Semantics".
    """
    mode = require_choice("shortest_script", "mode", mode, MODES)
    failure = require_choice("shortest_script", "failure", failure, FAILURES)
    max_steps = require_count("shortest_script", "max_steps", max_steps, least=1)
    frontier: list[tuple[str, ...]] = [()]
    seen = {_play(mode, ())[1]}
    for _ in range(max_steps):
        following = []
        for script in frontier:
            for step in STEPS:
                outcome, state = _play(mode, (*script, step))
                if outcome.has(failure):
                    return outcome
                if state not in seen:
                    seen.add(state)
                    following.append(outcome.steps)
        frontier = following
    return None


@dataclass(frozen=True)
class Shortest:
    """The shortest script of at most ``max_steps`` steps that makes a message
    ``failure`` in ``mode``; ``steps`` is None when there is none."""

    mode: str
    failure: str
    steps: tuple[str, ...] | None
    max_steps: int

    def __str__(self) -> str:
        found = " -> ".join(self.steps) if self.steps else f"none in {self.max_steps} steps"
        return f"{self.mode} {self.failure}: {found}"


def shortest_failures(max_steps: int = 6) -> tuple[Shortest, ...]:
    """Protocol 5.2.3 (消息队列): for each mode and each failure, its shortest script.

    Parameters
    ----------
    max_steps : int, optional
        The longest script searched (default 6).

    Returns
    -------
    tuple of Shortest
        One record per mode of :data:`MODES` and failure of :data:`FAILURES`, in order.

    Raises
    ------
    TheoryError
        If ``max_steps`` is not a positive whole number.

    Examples
    --------
    >>> for row in shortest_failures(max_steps=4):
    ...     print(row)
    at-most-once lost: publish -> crash-before-process
    at-most-once duplicated: none in 4 steps
    at-least-once lost: none in 4 steps
    at-least-once duplicated: publish -> crash-after-process -> redeliver -> deliver
    effectively-once lost: none in 4 steps
    effectively-once duplicated: none in 4 steps

    References
    ----------
    .. [1] Protocol 5.2.3 of the theory (消息队列).
    .. [2] Kafka documentation, section 4.6 "Message Delivery Semantics".
    """
    max_steps = require_count("shortest_failures", "max_steps", max_steps, least=1)
    rows = []
    for mode in MODES:
        for failure in FAILURES:
            found = shortest_script(mode, failure, max_steps=max_steps)
            rows.append(Shortest(mode, failure, found.steps if found else None, max_steps))
    return tuple(rows)
