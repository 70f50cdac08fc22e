"""Protocol 5.2.3 (消息队列): the dual write and the transactional outbox.

A service that places an order must do two things: save the order in its database and
publish an ``OrderPlaced`` event to a message queue. The database and the queue do not
share a transaction, so a **dual write**, one after the other, leaves them disagreeing if
the service crashes between the two: save then publish loses the event, publish then save
(or publish inside the open transaction) announces an order that was never saved.

The **transactional outbox** writes the event to an outbox table of the same database,
in the same transaction as the order; a **relay** then publishes each outbox row and
marks it sent. A crash between publishing and marking has the relay publish the row again
after it restarts: delivery is at least once, and the consumer must be idempotent
(:class:`~msatheory.communication.delivery.Consumer` in ``effectively-once`` mode).

* :class:`Design` is a service's steps, from :data:`ACTIONS`, and its relay's;
  :data:`DESIGNS` holds the four above by name.
* :func:`run` runs a design with a crash before one of its steps; the relay then runs to
  completion, the consumer takes every published copy, and the :class:`CrashOutcome`
  says whether the order is saved, how many copies of the event were published and
  applied, and whether the two agree.
* :func:`crash_table` runs every crash point of a design; :func:`compare_designs`
  counts each design's inconsistent crash points.

Conventions: one request places one order, ``order-1``, whose event is
``OrderPlaced:order-1``. A crash aborts the open transaction (the database rolls it
back) and wipes the relay's memory; the request is not retried. The outcome is
**consistent** when the consumer applied the event exactly once if the order is saved,
and never if it is not.

The module stops at one order and one crash. It does not model a client retrying the
request, several relays racing for the outbox, or the order in which events of several
orders are published.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType

from msatheory.communication.delivery import MODES, Broker, Consumer
from msatheory.errors import (
    TheoryError,
    require_choice,
    require_instance,
    require_name,
    require_names,
)

__all__ = [
    "ACTIONS",
    "DESIGNS",
    "EVENT",
    "NO_CRASH",
    "ORDER",
    "RELAY_ACTIONS",
    "CrashOutcome",
    "Design",
    "DesignSummary",
    "compare_designs",
    "crash_table",
    "run",
]

ORDER = "order-1"
"""The order the request saves."""

EVENT = f"OrderPlaced:{ORDER}"
"""The id of the event that announces it."""

RELAY_ACTIONS = ("relay: publish event", "relay: mark sent")
"""The relay's steps: publish every unsent outbox row; mark what it published as sent."""

ACTIONS = ("insert order", "insert outbox row", "commit", "publish event", *RELAY_ACTIONS)
"""The steps a design is made of. ``insert order`` and ``insert outbox row`` write in the
open transaction, ``commit`` makes its writes durable, ``publish event`` sends the event
to the broker directly."""

NO_CRASH = "no crash"
"""The last crash point of every design: the request runs to its end."""


@dataclass(frozen=True)
class Design:
    """Protocol 5.2.3 (消息队列): how a service saves an order and publishes its event.

    ``steps`` are the request's steps in order, distinct, each one of :data:`ACTIONS`;
    ``relay`` the steps of a background relay (from :data:`RELAY_ACTIONS`) that runs
    again once the request is over, crashed or not, as a relay polling the outbox does.

    Examples
    --------
    >>> Design("db-then-publish", ["insert order", "commit", "publish event"]).crash_points
    ('before insert order', 'before commit', 'before publish event', 'no crash')
    >>> Design("sloppy", ["commit", "send"])
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: Design 'sloppy': each step must be one of insert order, ...,
    relay: mark sent, not 'send'
    """

    name: str
    steps: tuple[str, ...]
    relay: tuple[str, ...] = ()

    def __init__(self, name: str, steps: Iterable[str], relay: Iterable[str] = ()) -> None:
        require_name("Design", "name", name)
        owner = f"Design {name!r}"
        ordered = require_names(owner, "steps", steps)
        if not ordered:
            raise TheoryError(f"{owner}: steps must hold at least one step, not ()")
        for step in ordered:
            require_choice(owner, "each step", step, ACTIONS)
        background = require_names(owner, "relay", relay)
        for step in background:
            require_choice(owner, "each relay step", step, RELAY_ACTIONS)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "steps", ordered)
        object.__setattr__(self, "relay", background)

    @property
    def crash_points(self) -> tuple[str, ...]:
        """``before <step>`` for each step, then ``no crash``."""
        return (*(f"before {step}" for step in self.steps), NO_CRASH)


DESIGNS = MappingProxyType({design.name: design for design in (
    Design("db-then-publish", ["insert order", "commit", "publish event"]),
    Design("publish-then-db", ["publish event", "insert order", "commit"]),
    Design("publish-in-transaction", ["insert order", "publish event", "commit"]),
    Design("transactional-outbox",
           ["insert order", "insert outbox row", "commit", *RELAY_ACTIONS],
           relay=RELAY_ACTIONS),
)})
"""Three dual writes and the transactional outbox, by name."""


@dataclass(frozen=True)
class CrashOutcome:
    """What one crash left behind: whether the order is saved, how many copies of its
    event the broker received (``published``) and the consumer applied (``applied``),
    and the ``verdict``: ``consistent``, ``event lost`` (a saved order never announced),
    ``event invented`` (an event for an order never saved) or ``event applied twice``."""

    design: str
    crash: str
    order_saved: bool
    published: int
    applied: int
    verdict: str

    @property
    def consistent(self) -> bool:
        """True when the consumer applied the event once if the order is saved, never if
        it is not."""
        return self.verdict == "consistent"

    def __str__(self) -> str:
        saved = "order saved" if self.order_saved else "no order"
        return (f"{self.design}, {self.crash}: {saved}, published {self.published}, "
                f"applied {self.applied}: {self.verdict}")


def _verdict(order_saved: bool, applied: int) -> str:
    if applied > 1:
        return "event applied twice"
    if order_saved and applied == 0:
        return "event lost"
    if not order_saved and applied:
        return "event invented"
    return "consistent"


class _Service:
    """The database (committed orders and outbox rows, and the open transaction), the
    relay's memory of what it published, and the broker."""

    def __init__(self) -> None:
        self.orders: set[str] = set()
        self.outbox: dict[str, bool] = {}  # event id -> sent
        self.transaction: list[tuple[str, str]] = []  # (table, key) written, uncommitted
        self.relayed: list[str] = []
        self.broker = Broker()
        self.published = 0

    def publish(self, event: str) -> None:
        self.broker.publish(event)
        self.published += 1

    def do(self, step: str) -> None:
        if step == "insert order":
            self.transaction.append(("orders", ORDER))
        elif step == "insert outbox row":
            self.transaction.append(("outbox", EVENT))
        elif step == "commit":
            for table, key in self.transaction:
                if table == "orders":
                    self.orders.add(key)
                else:
                    self.outbox.setdefault(key, False)
            self.transaction.clear()
        elif step == "publish event":
            self.publish(EVENT)
        elif step == "relay: publish event":
            for event, sent in self.outbox.items():
                if not sent:
                    self.publish(event)
                    self.relayed.append(event)
        else:  # relay: mark sent
            for event in self.relayed:
                self.outbox[event] = True
            self.relayed.clear()

    def crash(self) -> None:
        self.transaction.clear()
        self.relayed.clear()


def _design(owner: str, design: object) -> Design:
    if isinstance(design, str):
        return DESIGNS[require_choice(owner, "design", design, DESIGNS)]
    return require_instance(owner, "design", design, Design)


def run(design: str | Design, crash: str = NO_CRASH, *,
        consumer: str = "effectively-once") -> CrashOutcome:
    """Protocol 5.2.3 (消息队列): place one order by ``design``, crashing at ``crash``.

    The request runs its steps up to the crash point; the crash rolls back the open
    transaction and wipes the relay's memory; the relay's steps run once more; then a
    consumer of mode ``consumer`` takes every published copy of the event, without faults.

    Parameters
    ----------
    design : str or Design
        A name in :data:`DESIGNS`, or a design.
    crash : str, optional
        One of the design's :attr:`~Design.crash_points` (default ``no crash``).
    consumer : str, optional
        The consumer's mode, one of :data:`~msatheory.communication.delivery.MODES`
        (default ``effectively-once``, an idempotent consumer).

    Returns
    -------
    CrashOutcome
        Whether the order is saved, the copies published and applied, and the verdict.

    Raises
    ------
    TheoryError
        If the design, the crash point or the consumer's mode is not one of those listed.

    Examples
    --------
    >>> print(run("db-then-publish", "before publish event"))
    db-then-publish, before publish event: order saved, published 0, applied 0: event lost
    >>> print(run("transactional-outbox", "before relay: mark sent"))
    transactional-outbox, before relay: mark sent: order saved, published 2, applied 1:
    consistent

    References
    ----------
    .. [1] C. Richardson, microservices.io, "Pattern: Transactional outbox" and
       "Pattern: Idempotent Consumer".
    .. [2] Debezium, "Outbox Event Router": the relay as change data capture of the
       outbox table, which also delivers at least once.
    """
    chosen = _design("run", design)
    point = require_choice(f"run {chosen.name!r}", "crash", crash, chosen.crash_points)
    mode = require_choice("run", "consumer", consumer, MODES)
    service = _Service()
    for step in chosen.steps:
        if point == f"before {step}":
            service.crash()
            break
        service.do(step)
    for step in chosen.relay:
        service.do(step)
    reader = Consumer(mode)
    while reader.poll(service.broker) is not None:
        pass
    saved = ORDER in service.orders
    applied = reader.applied(EVENT)
    return CrashOutcome(design=chosen.name, crash=point, order_saved=saved,
                        published=service.published, applied=applied,
                        verdict=_verdict(saved, applied))


def crash_table(design: str | Design, *,
                consumer: str = "effectively-once") -> tuple[CrashOutcome, ...]:
    """Protocol 5.2.3 (消息队列): the outcome of every crash point of ``design``.

    Parameters
    ----------
    design : str or Design
        A name in :data:`DESIGNS`, or a design.
    consumer : str, optional
        The consumer's mode (default ``effectively-once``).

    Returns
    -------
    tuple of CrashOutcome
        One per crash point, in the order of :attr:`Design.crash_points` (``no crash``
        last).

    Raises
    ------
    TheoryError
        If the design or the consumer's mode is not one of those listed.

    Examples
    --------
    >>> for outcome in crash_table("publish-then-db"):
    ...     print(outcome)
    publish-then-db, before publish event: no order, published 0, applied 0: consistent
    publish-then-db, before insert order: no order, published 1, applied 1: event invented
    publish-then-db, before commit: no order, published 1, applied 1: event invented
    publish-then-db, no crash: order saved, published 1, applied 1: consistent

    References
    ----------
    .. [1] C. Richardson, microservices.io, "Pattern: Transactional outbox".
    """
    chosen = _design("crash_table", design)
    mode = require_choice("crash_table", "consumer", consumer, MODES)
    return tuple(run(chosen, point, consumer=mode) for point in chosen.crash_points)


@dataclass(frozen=True)
class DesignSummary:
    """A design's crash points (``no crash`` not counted), the ones whose outcome is
    inconsistent, and the distinct verdicts they reached."""

    design: str
    crash_points: int
    inconsistent: tuple[str, ...]
    failures: tuple[str, ...]

    def __str__(self) -> str:
        worst = ", ".join(self.failures) or "none"
        return (f"{self.design}: {len(self.inconsistent)} of {self.crash_points} crash "
                f"points inconsistent ({worst})")


def compare_designs(consumer: str = "effectively-once") -> tuple[DesignSummary, ...]:
    """Protocol 5.2.3 (消息队列): each design of :data:`DESIGNS`, its crash points counted.

    Parameters
    ----------
    consumer : str, optional
        The consumer's mode (default ``effectively-once``).

    Returns
    -------
    tuple of DesignSummary
        One per design, in the order of :data:`DESIGNS`.

    Raises
    ------
    TheoryError
        If ``consumer`` is not one of :data:`~msatheory.communication.delivery.MODES`.

    Examples
    --------
    >>> for row in compare_designs(consumer="at-least-once"):
    ...     print(row)
    db-then-publish: 1 of 3 crash points inconsistent (event lost)
    publish-then-db: 2 of 3 crash points inconsistent (event invented)
    publish-in-transaction: 1 of 3 crash points inconsistent (event invented)
    transactional-outbox: 1 of 5 crash points inconsistent (event applied twice)

    References
    ----------
    .. [1] C. Richardson, microservices.io, "Pattern: Transactional outbox".
    .. [2] Debezium, "Outbox Event Router".
    """
    mode = require_choice("compare_designs", "consumer", consumer, MODES)
    rows = []
    for design in DESIGNS.values():
        bad = [outcome for outcome in crash_table(design, consumer=mode)
               if not outcome.consistent]
        rows.append(DesignSummary(
            design=design.name, crash_points=len(design.steps),
            inconsistent=tuple(outcome.crash for outcome in bad),
            failures=tuple(dict.fromkeys(outcome.verdict for outcome in bad))))
    return tuple(rows)
