"""Protocol 5.2.2 (gRPC): deadlines, how they propagate along a call tree, and what a
fixed timeout per hop wastes.

A gRPC client sends its deadline with the call (the ``grpc-timeout`` header holds the
time left). A server that calls further services passes the same deadline on (Java and
Go do so by default), so each callee receives what is left of its caller's deadline,
minus the time already spent; where a caller also sets a timeout on one call, the callee
gets the earlier of the two. A call made when no time is left fails at once with
``DEADLINE_EXCEEDED``, and a server should check the deadline and stop processing once
its client has stopped waiting (it answers ``CANCELLED``; the caller has already
recorded ``DEADLINE_EXCEEDED``, and spans here take the caller's view). A client giving
up does not by itself stop the server: that is the second setting below.

A :class:`Hop` is one service in a call tree: it works for ``work`` seconds, then calls
its ``calls`` one after another (or all at once, ``parallel``), each with the
``timeout`` its caller sets on it and up to ``retries`` further attempts after a
failure. :func:`deadline_trace` runs the tree on a virtual clock from time 0 and returns one
:class:`Span` per attempt: the deadline it received, the time already spent when it was
sent, the time it had left, the work it did, the work wasted and its outcome. It runs in
one of two settings:

* ``propagate=True``, gRPC's deadline propagation: a callee's deadline is the earlier of
  its caller's deadline and its own call's timeout, and work stops at the deadline;
* ``propagate=False``, a fixed timeout per hop: each caller waits ``timeout`` for each
  call and then gives up, but the callee knows nothing of it and works on, and so do the
  services it calls. Work done after any caller above it has stopped waiting is
  **wasted**: nobody will read its result. With propagation nothing is ever wasted.

:func:`timeout_inversions` finds the calls whose caller gives up before the callee's
retries can finish: a caller's timeout shorter than the callee's timeout times
``retries + 1``.

Conventions: times in seconds, from the moment the client sends its request; a deadline
is reached when the clock shows it, as gRPC's is: a call answered exactly at its deadline
is late, and a call due with no time left is not sent.
Ints and Fractions stay exact; floats are read as the decimals they print as (``0.1`` is
one tenth), computed exactly and given back as floats. Work times are fixed, so a retry
of a call that ran out of time runs out again: the model shows what retries cost, not
what they buy (that is Strategy 5.3.1, 重试机制). Networks are instantaneous, a parallel
fan-out waits for all its calls (a failed one does not cancel the others), and a failed
call fails its caller at once.

References: gRPC, "Deadlines" (https://grpc.io/docs/guides/deadlines/); the
``grpc-timeout`` header of "gRPC over HTTP2" (PROTOCOL-HTTP2.md); Microsoft, "Reliable
gRPC services with deadlines and cancellation" (a deadline already past fails the call at
once); userver, "Deadline propagation" (the work fixed timeouts waste).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from msatheory.errors import (
    TheoryError,
    require_count,
    require_distinct,
    require_instance,
    require_items,
    require_name,
    require_time,
)
from msatheory.sim import exact

__all__ = [
    "DEADLINE_EXCEEDED",
    "FAILED",
    "NOT_CALLED",
    "NOT_SENT",
    "OK",
    "OUTCOMES",
    "Hop",
    "Inversion",
    "Span",
    "Trace",
    "deadline_trace",
    "timeout_inversions",
]

Time = int | Fraction | float
"""Seconds: exact as an int or a Fraction, approximate as a float."""

#: The call answered in time, successfully.
OK = "OK"
#: The call's deadline passed before it answered (its caller stopped waiting).
DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
#: The call answered before its deadline, with the error of a call it made.
FAILED = "FAILED"
#: No time was left when it was due: the caller's library failed it without sending it.
NOT_SENT = "NOT_SENT"
#: Its caller failed (or ran out of time) before reaching it.
NOT_CALLED = "NOT_CALLED"
#: Every outcome a :class:`Span` can have.
OUTCOMES = (OK, DEADLINE_EXCEEDED, FAILED, NOT_SENT, NOT_CALLED)

_NEVER = math.inf


@dataclass(frozen=True)
class Hop:
    """Protocol 5.2.2 (gRPC): one service of a call tree and how it is called.

    Parameters
    ----------
    name : str
        The service's name, distinct in the tree.
    work : Time
        Seconds of its own work, done before it makes its calls (>= 0).
    timeout : Time, optional
        The timeout its caller sets on each attempt to call it (> 0); for the root, the
        client's. None: no timeout of its own (it inherits its caller's deadline, if
        any, when deadlines propagate).
    calls : iterable of Hop
        The services it calls, in order.
    parallel : bool
        Whether it calls them all at once (a fan-out) rather than one after another.
    retries : int
        How many more times its caller calls it after a failed attempt (>= 0).

    Examples
    --------
    >>> Hop("orders", 0.2, timeout=0.8, calls=[Hop("stock", 0.5)])
    Hop('orders', 0.2, timeout=0.8, calls=[Hop('stock', 0.5)])
    """

    name: str
    work: Time
    timeout: Time | None
    calls: tuple[Hop, ...]
    parallel: bool
    retries: int

    def __init__(self, name: str, work: Time = 0, *, timeout: Time | None = None,
                 calls: Iterable[Hop] = (), parallel: bool = False, retries: int = 0) -> None:
        owner = f"Hop {require_name('Hop', 'name', name)!r}"
        fields = {
            "name": name,
            "work": require_time(owner, "work", work),
            "timeout": None if timeout is None else require_time(
                owner, "timeout", timeout, positive=True),
            "calls": require_items(owner, "calls", calls, Hop),
            "parallel": require_instance(owner, "parallel", parallel, bool),
            "retries": require_count(owner, "retries", retries),
        }
        for field, value in fields.items():
            object.__setattr__(self, field, value)
        require_distinct(owner, "its call tree", (hop.name for hop in self.walk()))

    def walk(self) -> Iterator[Hop]:
        """This hop, then every hop below it, depth first in call order."""
        yield self
        for call in self.calls:
            yield from call.walk()

    def __repr__(self) -> str:
        parts = [repr(self.name)]
        if self.work:
            parts.append(repr(self.work))
        if self.timeout is not None:
            parts.append(f"timeout={self.timeout!r}")
        if self.calls:
            parts.append(f"calls=[{', '.join(map(repr, self.calls))}]")
        if self.parallel:
            parts.append("parallel=True")
        if self.retries:
            parts.append(f"retries={self.retries}")
        return f"Hop({', '.join(parts)})"


@dataclass(frozen=True)
class Span:
    """Protocol 5.2.2 (gRPC): one attempt to call one hop.

    ``sent`` is the time already spent on the client's request when the call was sent
    (None if it was never reached); ``deadline`` is the deadline the call carried, on the
    same clock (None if none): with propagation the one the callee received, with fixed
    timeouts the time its caller gave up, which the callee never learns; ``remaining`` is
    ``deadline - sent``, the time it had left (the ``grpc-timeout`` sent); ``worked`` is
    the seconds of its own work done, ``wasted`` the part of it done after a caller above
    had stopped waiting; ``answered`` is when its caller had the answer or gave up;
    ``outcome`` is one of :data:`OUTCOMES`.
    """

    name: str
    attempt: int
    sent: Time | None
    deadline: Time | None
    remaining: Time | None
    worked: Time
    wasted: Time
    answered: Time | None
    outcome: str


@dataclass(frozen=True)
class Trace:
    """Protocol 5.2.2 (gRPC): one run of a call tree.

    ``mode`` is ``"propagated"`` or ``"fixed"``; ``spans`` holds one :class:`Span` per
    attempt in the order the calls were made (a hop never reached has one, NOT_CALLED);
    ``work`` is the seconds of work every hop did and ``wasted`` the part of it done
    after a caller above had stopped waiting.
    """

    mode: str
    spans: tuple[Span, ...]
    work: Time
    wasted: Time

    @property
    def outcome(self) -> str:
        """The client's outcome: the last attempt at the root."""
        return self.attempts(self.spans[0].name)[-1].outcome

    @property
    def answered(self) -> Time | None:
        """When the client had its answer or gave up."""
        return self.attempts(self.spans[0].name)[-1].answered

    def attempts(self, name: str) -> tuple[Span, ...]:
        """The spans of hop ``name``, one per attempt."""
        found = tuple(span for span in self.spans if span.name == name)
        if not found:
            raise TheoryError(f"Trace.attempts: name must be a hop of the tree, not {name!r}")
        return found


def _exact(value: Time) -> int | Fraction:
    """``value`` exactly (:func:`~msatheory.sim.exact`); a whole number stays one."""
    return exact(value) if isinstance(value, float) else value


class _Run:
    """The virtual clock's bookkeeping for one :func:`deadline_trace`."""

    def __init__(self, root: Hop, propagate: bool) -> None:
        self.propagate = propagate
        self.floats = any(isinstance(value, float) for hop in root.walk()
                          for value in (hop.work, hop.timeout))
        self.spans: list[Span] = []
        self.work: int | Fraction = 0
        self.wasted: int | Fraction = 0

    def out(self, value: int | Fraction | float) -> Time:
        """A time as the caller gave times: a float if any input was, else exact."""
        if self.floats or isinstance(value, float):
            return float(value)
        return value.numerator if isinstance(value, Fraction) and value.denominator == 1 \
            else value

    def skip(self, hop: Hop) -> None:
        """Record ``hop`` and everything below it as never called."""
        for below in hop.walk():
            self.spans.append(Span(below.name, 1, None, None, None, self.out(0), self.out(0),
                                   None, NOT_CALLED))

    def attempts(self, hop: Hop, now: int | Fraction, limit: float | int | Fraction,
                 abandon: float | int | Fraction) -> tuple[int | Fraction, bool]:
        """Call ``hop`` at ``now``, retrying after failures; its caller's deadline is
        ``limit`` and ``abandon`` is when a caller above stops waiting. Returns when the
        caller has the last answer, and whether it succeeded."""
        for attempt in range(1, hop.retries + 2):
            mine = _NEVER if hop.timeout is None else now + _exact(hop.timeout)
            if self.propagate:
                mine = min(mine, limit)
            now, ok, sent = self.call(hop, now, mine, min(abandon, mine), attempt)
            if ok or not sent:
                return now, ok
        return now, False

    def call(self, hop: Hop, sent: int | Fraction, limit: float | int | Fraction,
             abandon: float | int | Fraction, attempt: int
             ) -> tuple[int | Fraction, bool, bool]:
        """One attempt at ``hop``, sent at ``sent`` with deadline ``limit``: when its
        caller has the answer, whether it succeeded, and whether it was sent."""
        index = len(self.spans)
        deadline = None if limit == _NEVER else self.out(limit)
        remaining = None if limit == _NEVER else self.out(limit - sent)
        if self.propagate and limit - sent <= 0:
            self.spans.append(Span(hop.name, attempt, self.out(sent), deadline, remaining,
                                   self.out(0), self.out(0), self.out(sent), NOT_SENT))
            for call in hop.calls:
                self.skip(call)
            return sent, False, False
        self.spans.append(Span(hop.name, attempt, None, None, None, 0, 0, None, NOT_CALLED))
        stop = limit if self.propagate else _NEVER
        done = sent + _exact(hop.work)
        if done > stop:  # the deadline passes during its own work: it stops there
            assert not isinstance(stop, float)
            finish, ok, worked = stop, False, stop - sent
            for call in hop.calls:
                self.skip(call)
        else:
            finish, ok = self.fan_out(hop, done, limit, abandon)
            worked = _exact(hop.work)
        wasted = max(0, sent + worked - max(sent, abandon))
        assert not isinstance(wasted, float)
        self.work += worked
        self.wasted += wasted
        late = finish >= limit
        outcome = DEADLINE_EXCEEDED if late else OK if ok else FAILED
        answered = finish if finish <= limit else limit
        assert not isinstance(answered, float)
        self.spans[index] = Span(hop.name, attempt, self.out(sent), deadline, remaining,
                                 self.out(worked), self.out(wasted), self.out(answered),
                                 outcome)
        return answered, outcome == OK, True

    def fan_out(self, hop: Hop, now: int | Fraction, limit: float | int | Fraction,
                abandon: float | int | Fraction) -> tuple[int | Fraction, bool]:
        """Make ``hop``'s calls from ``now``: when they are done, and whether all succeeded."""
        if hop.parallel:
            results = [self.attempts(call, now, limit, abandon) for call in hop.calls]
            return max((at for at, _ in results), default=now), all(ok for _, ok in results)
        for position, call in enumerate(hop.calls):
            now, ok = self.attempts(call, now, limit, abandon)
            if not ok:
                for rest in hop.calls[position + 1:]:
                    self.skip(rest)
                return now, False
        return now, True


def deadline_trace(root: Hop, *, propagate: bool = True) -> Trace:
    """Protocol 5.2.2 (gRPC): run the call tree ``root`` once, from time 0.

    The client calls ``root`` with ``root.timeout``. Each hop works, then makes its calls
    (one after another, or all at once), retrying a failed call up to the callee's
    ``retries`` times. With ``propagate`` each call carries the earlier of its caller's
    deadline and its own timeout, a call with no time left is not sent, and a hop stops
    working at its deadline; without, each caller gives up on a call after its timeout
    while the callee works on.

    Parameters
    ----------
    root : Hop
        The service the client calls.
    propagate : bool
        Deadline propagation (gRPC) if True; a fixed timeout per hop if False.

    Returns
    -------
    Trace
        One :class:`Span` per attempt, in call order: the deadline received, the time
        spent and left, the work done and wasted, and the outcome.

    Raises
    ------
    TheoryError
        If ``root`` is not a :class:`Hop` or ``propagate`` not a bool.

    Examples
    --------
    >>> root = Hop("gateway", 0.1, timeout=1.0, calls=[
    ...     Hop("orders", 0.2, timeout=0.8, calls=[Hop("stock", 0.5, timeout=0.6)]),
    ...     Hop("payment", 0.3, timeout=0.5)])
    >>> run = deadline_trace(root)
    >>> [(s.name, s.sent, s.remaining, s.outcome) for s in run.spans]
    [('gateway', 0.0, 1.0, 'DEADLINE_EXCEEDED'), ('orders', 0.1, 0.8, 'OK'),
     ('stock', 0.3, 0.6, 'OK'), ('payment', 0.8, 0.2, 'DEADLINE_EXCEEDED')]
    >>> run.wasted, deadline_trace(root, propagate=False).wasted
    (0.0, 0.1)

    References
    ----------
    .. [1] Protocol 5.2.2 of the theory (gRPC): an RPC framework over HTTP/2.
    .. [2] gRPC, "Deadlines": deadlines on the client and the server, and their
       propagation, converted to a timeout minus the time already spent.
    .. [3] userver, "Deadline propagation": the work a fixed timeout per service wastes.
    """
    require_instance("deadline_trace", "root", root, Hop)
    propagate = require_instance("deadline_trace", "propagate", propagate, bool)
    run = _Run(root, propagate)
    run.attempts(root, 0, _NEVER, _NEVER)
    return Trace("propagated" if propagate else "fixed", tuple(run.spans),
                 run.out(run.work), run.out(run.wasted))


@dataclass(frozen=True)
class Inversion:
    """Protocol 5.2.2 (gRPC): a call whose caller gives up before the callee's retries
    can finish: ``caller_timeout < needed``, where ``needed`` is
    ``callee_timeout * (retries + 1)``."""

    caller: str
    callee: str
    caller_timeout: Time
    callee_timeout: Time
    retries: int
    needed: Time


def timeout_inversions(root: Hop) -> tuple[Inversion, ...]:
    """Protocol 5.2.2 (gRPC): the calls of ``root``'s tree whose timeouts are inverted.

    A call from a hop with timeout ``T`` to a callee with timeout ``t`` and ``r`` retries
    is inverted when ``T < t * (r + 1)``: the caller's own caller gives up before the
    callee's attempts can all run, so the last retries only add load. A caller or callee
    with no timeout of its own is not compared.

    Parameters
    ----------
    root : Hop
        The root of the call tree.

    Returns
    -------
    tuple of Inversion
        One per inverted call, in the tree's depth-first order.

    Raises
    ------
    TheoryError
        If ``root`` is not a :class:`Hop`.

    Examples
    --------
    >>> root = Hop("orders", timeout=1, calls=[Hop("stock", timeout=Fraction(1, 2),
    ...                                                retries=2)])
    >>> timeout_inversions(root)
    (Inversion(caller='orders', callee='stock', caller_timeout=1,
               callee_timeout=Fraction(1, 2), retries=2, needed=Fraction(3, 2)),)

    References
    ----------
    .. [1] gRPC, "Deadlines"; Google SRE book, "Addressing Cascading Failures"
       (retries and deadlines across layers).
    """
    require_instance("timeout_inversions", "root", root, Hop)
    found = []
    for hop in root.walk():
        if hop.timeout is None:
            continue
        for call in hop.calls:
            if call.timeout is None:
                continue
            needed = _exact(call.timeout) * (call.retries + 1)
            if _exact(hop.timeout) < needed:
                found.append(Inversion(hop.name, call.name, hop.timeout, call.timeout,
                                       call.retries, float(needed)
                                       if isinstance(call.timeout, float) else needed))
    return tuple(found)
