"""The theory's Rust ``ServiceCommunication`` and ``CircuitBreaker`` (section 5.3), ported
as written.

Method for method, with the sketch's behaviour kept so that running it shows what it does.
Rust rejects the sketch as printed, and the port fills each gap with the least it can,
named here:

* ``is_closed(&self)`` assigns ``self.state`` (error E0594: cannot assign through a ``&``
  reference), and ``sync_call(&self)`` calls ``on_success`` and ``on_failure``, which take
  ``&mut self`` (E0596). The port lets both methods change the breaker, as a ``&mut self``
  or a ``Mutex`` around it would;
* ``ServiceRegistry``, ``ServiceInstance``, ``MessageQueue``, ``Event``, ``Request`` and
  ``Response`` are not defined in the section. The port takes chapter 3's registry
  (``lookup(service)`` raising when a service has no instance), a :class:`Request` with the
  two fields the sketch reads (``path`` and ``body``), and a :class:`MessageQueue` that
  keeps what is published.

What the sketch does, as ported:

* one :class:`SketchCircuitBreaker` guards every call, whatever service it goes to;
* ``is_closed`` lets every call through in ``HalfOpen`` until one outcome is recorded;
* ``send_request`` always sends ``POST`` to ``instances[0]``, and every status that is
  not 2xx is an error the breaker counts; the ``reqwest`` client has no timeout, so a call
  to a service that never answers never returns, and neither branch of the ``match`` runs;
* the open state's timer reads ``SystemTime::now()``, the wall clock, and
  ``duration_since(..).unwrap()`` panics when the clock has stepped back;
* Strategy 5.3.1 (retry with exponential backoff) is stated, and no call is retried;
* ``CommunicationError::Timeout`` is declared and never constructed.

``SystemTime`` becomes a :class:`SystemClock` that can be set anywhere, backwards too, as
NTP or an operator sets a real one; the HTTP call becomes a :data:`Network` function the
environment supplies, which returns a :class:`Response`, :data:`NEVER` (no answer, ever) or
raises :class:`NetworkFailure`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from typing import ClassVar, Final, Protocol

from msatheory.discovery.registry import Instance
from msatheory.errors import (
    require_choice,
    require_count,
    require_duration,
    require_name,
    require_time,
)

__all__ = [
    "NEVER",
    "CircuitState",
    "CommunicationError",
    "Message",
    "MessageQueue",
    "Network",
    "NetworkFailure",
    "Pending",
    "Request",
    "Response",
    "RustPanic",
    "SketchBreaker",
    "SketchCircuitBreaker",
    "SketchServiceCommunication",
    "SystemClock",
]


#: A time in seconds, kept exact when it is a Fraction.
Time = int | float | Fraction


class RustPanic(Exception):
    """The thread panicked: what ``unwrap()`` does on an ``Err``."""


class SystemClock:
    """``SystemTime::now()``: seconds on the wall clock, which may be set anywhere.

    >>> clock = SystemClock(100)
    >>> clock.set(99.5)
    >>> clock.now
    99.5
    """

    def __init__(self, now: Time = 0):
        self.now: Time = require_time("SystemClock", "now", now)

    def set(self, now: Time) -> None:
        """Set the clock, forwards or backwards (an NTP step, an operator's ``date -s``)."""
        self.now = require_time("SystemClock.set", "now", now)

    def advance(self, seconds: Time) -> None:
        """Let ``seconds`` pass."""
        self.now += require_time("SystemClock.advance", "seconds", seconds)

    def __repr__(self) -> str:
        return f"SystemClock(now={self.now:g})"


class CircuitState(Enum):
    """``enum CircuitState { Closed, Open, HalfOpen }``."""

    CLOSED = "Closed"
    OPEN = "Open"
    HALF_OPEN = "HalfOpen"


class SketchCircuitBreaker:
    """``CircuitBreaker`` as written: ``new``, ``is_closed``, ``on_success``, ``on_failure``.

    >>> clock = SystemClock()
    >>> breaker = SketchCircuitBreaker(2, 60, clock)
    >>> breaker.on_failure(); breaker.on_failure(); breaker.state
    <CircuitState.OPEN: 'Open'>
    >>> clock.advance(61); breaker.is_closed(), breaker.is_closed(), breaker.state
    (True, True, <CircuitState.HALF_OPEN: 'HalfOpen'>)
    """

    def __init__(self, failure_threshold: int, recovery_timeout: float, clock: SystemClock):
        owner = "SketchCircuitBreaker"
        self.failure_threshold = require_count(owner, "failure_threshold", failure_threshold)
        self.recovery_timeout = require_duration(owner, "recovery_timeout", recovery_timeout)
        self.clock = clock
        self.state = CircuitState.CLOSED
        self.failure_count = 0
        self.last_failure_time: Time | None = None

    def is_closed(self) -> bool:
        """``Closed`` and ``HalfOpen`` answer true; ``Open`` turns ``HalfOpen`` once
        ``SystemTime::now().duration_since(last_failure).unwrap()`` exceeds the timeout."""
        if self.state is CircuitState.CLOSED:
            return True
        if self.state is CircuitState.OPEN:
            if self.last_failure_time is None:
                return False
            if self.clock.now < self.last_failure_time:
                raise RustPanic(
                    "called `Result::unwrap()` on an `Err` value: SystemTimeError("
                    f"{self.last_failure_time - self.clock.now:g}s)")
            if self.clock.now - self.last_failure_time > self.recovery_timeout:
                self.state = CircuitState.HALF_OPEN
                return True
            return False
        return True

    def on_success(self) -> None:
        """``Closed``: the count goes back to 0; ``HalfOpen``: close; ``Open``: nothing."""
        if self.state is CircuitState.CLOSED:
            self.failure_count = 0
        elif self.state is CircuitState.HALF_OPEN:
            self.state = CircuitState.CLOSED
            self.failure_count = 0

    def on_failure(self) -> None:
        """Count the failure, stamp the wall clock, open at the threshold."""
        self.failure_count += 1
        self.last_failure_time = self.clock.now
        if self.failure_count >= self.failure_threshold:
            self.state = CircuitState.OPEN

    def __repr__(self) -> str:
        return (f"SketchCircuitBreaker(state={self.state.value}, "
                f"failure_count={self.failure_count})")


@dataclass(frozen=True)
class Request:
    """The two fields of the sketch's undefined ``Request`` that its code reads."""

    path: str
    body: object = None


@dataclass(frozen=True)
class Response:
    """``Response { status_code, body }``."""

    status_code: int
    body: bytes = b""


class Pending(Enum):
    """A future that never completes: what ``.send().await`` is when nothing answers and
    the client has no timeout."""

    NEVER = "never"

    def __repr__(self) -> str:
        return "NEVER"


#: The answer of a service that never answers.
NEVER: Final = Pending.NEVER


class NetworkFailure(Exception):
    """The request could not be sent or its answer read: ``reqwest`` returned an error."""


#: ``client.post(url).json(body).send().await``: the network answers a method, a URL and
#: a body with a :class:`Response`, :data:`NEVER`, or raises :class:`NetworkFailure`.
Network = Callable[[str, str, object], "Response | Pending"]


class CommunicationError(Exception):
    """``enum CommunicationError``: ``ServiceUnavailable``, ``NetworkError``,
    ``ServiceError(u16)``, ``CircuitOpen`` or ``Timeout`` (``variant``), with the status of
    a ``ServiceError``."""

    VARIANTS = ("ServiceUnavailable", "NetworkError", "ServiceError", "CircuitOpen", "Timeout")

    def __init__(self, variant: str, status: int | None = None):
        self.variant = require_choice("CommunicationError", "variant", variant, self.VARIANTS)
        self.status = status
        super().__init__(f"{variant}({status})" if status is not None else variant)


@dataclass(frozen=True)
class Message:
    """``struct Message { id, source, target, payload, timestamp }``."""

    id: str
    source: str
    target: str
    payload: bytes
    timestamp: float


@dataclass
class MessageQueue:
    """The section's undefined ``MessageQueue``: ``publish`` and ``publish_event`` keep
    what they are given, in order."""

    published: list[tuple[str, Message]] = field(default_factory=list)
    events: list[object] = field(default_factory=list)

    def publish(self, service_name: str, message: Message) -> None:
        self.published.append((service_name, message))

    def publish_event(self, event: object) -> None:
        self.events.append(event)


class Registry(Protocol):
    """What ``self.registry.lookup(service_name)?`` needs: chapter 3's ``lookup``."""

    def lookup(self, service: str) -> list[Instance]: ...


class SketchServiceCommunication:
    """``ServiceCommunication`` as written: ``sync_call``, ``async_call``,
    ``event_driven_call``; ``new()`` builds ``CircuitBreaker::new(5, 60 s)``."""

    def __init__(self, registry: Registry, network: Network, clock: SystemClock,
                 message_queue: MessageQueue | None = None):
        self.registry = registry
        self.network = network
        self.clock = clock
        self.message_queue = message_queue if message_queue is not None else MessageQueue()
        self.circuit_breaker = SketchCircuitBreaker(5, 60, clock)

    def sync_call(self, service_name: str, request: Request) -> Response | Pending:
        """Refuse unless the breaker ``is_closed``; look the service up; send to
        ``instances[0]``; record the outcome. Returns :data:`NEVER` when the call never
        returns (and then records nothing)."""
        require_name("sync_call", "service_name", service_name)
        if not self.circuit_breaker.is_closed():
            raise CommunicationError("CircuitOpen")
        instances: Sequence[Instance] = self.registry.lookup(service_name)
        if not instances:
            raise CommunicationError("ServiceUnavailable")
        try:
            response = self.send_request(instances[0], request)
        except CommunicationError:
            self.circuit_breaker.on_failure()
            raise
        if isinstance(response, Pending):
            return response
        self.circuit_breaker.on_success()
        return response

    def async_call(self, service_name: str, message: Message) -> None:
        """``self.message_queue.publish(service_name, message).await``."""
        self.message_queue.publish(service_name, message)

    def event_driven_call(self, event: object) -> None:
        """``self.message_queue.publish_event(event).await``."""
        self.message_queue.publish_event(event)

    def send_request(self, instance: Instance, request: Request) -> Response | Pending:
        """``client.post(url + path).json(body).send().await``: a 2xx is the response,
        any other status a ``ServiceError``."""
        try:
            response = self.network("POST", f"{instance.url}{request.path}", request.body)
        except NetworkFailure:
            raise CommunicationError("NetworkError") from None
        if isinstance(response, Pending):
            return response
        if 200 <= response.status_code < 300:
            return response
        raise CommunicationError("ServiceError", response.status_code)


class SketchBreaker:
    """The port's :class:`SketchCircuitBreaker` behind the chapter's
    :class:`~msatheory.communication.breaker.Breaker` protocol, so the same explorer and
    replays run it: ``allow(now)`` sets its wall clock to ``now`` and asks ``is_closed``;
    ``record`` calls ``on_success`` or ``on_failure``; ``state`` reads ``Closed``,
    ``Open`` and ``HalfOpen`` as ``"closed"``, ``"open"`` and ``"half-open"``.

    >>> breaker = SketchBreaker(failure_threshold=1, recovery_timeout=60)
    >>> breaker.allow(0); breaker.record(False, 0)
    True
    >>> [breaker.allow(61) for _ in range(3)], breaker.state
    ([True, True, True], 'half-open')
    """

    _STATES: ClassVar[dict[CircuitState, str]] = {
        CircuitState.CLOSED: "closed", CircuitState.OPEN: "open",
        CircuitState.HALF_OPEN: "half-open"}

    def __init__(self, failure_threshold: int = 5, recovery_timeout: float = 60):
        self.sketch = SketchCircuitBreaker(failure_threshold, recovery_timeout, SystemClock())

    @property
    def state(self) -> str:
        return self._STATES[self.sketch.state]

    def allow(self, now: Time) -> bool:
        self.sketch.clock.set(now)
        return self.sketch.is_closed()

    def record(self, success: bool, now: Time, duration: Time = 0) -> None:
        self.sketch.clock.set(now)
        if success:
            self.sketch.on_success()
        else:
            self.sketch.on_failure()

    def __repr__(self) -> str:
        return f"SketchBreaker({self.sketch!r})"
