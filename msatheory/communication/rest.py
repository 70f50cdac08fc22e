"""Protocol 5.2.1 (REST): HTTP methods, what a retry of each does, and idempotency keys.

A client that sends a request and hears nothing back cannot tell a lost request from a
lost response: the server may already have acted. Whether it may send the request again
depends on the method, as RFC 9110 defines them (:data:`METHODS`):

* a **safe** method (section 9.2.1: ``GET``, ``HEAD``, ``OPTIONS``, ``TRACE``) asks for
  no change of state, and an **idempotent** one (section 9.2.2: the safe ones, ``PUT``
  and ``DELETE``) has the same intended effect sent once or many times, so both may be
  retried (:func:`retry_safe`);
* ``POST`` and ``PATCH`` are neither: a retried ``POST /orders`` whose first response
  was lost creates a second order (:func:`retried_post` without a key).

The IETF draft "The Idempotency-Key HTTP Header Field" (Stripe's practice) makes
``POST`` and ``PATCH`` retryable: the client sends one key per operation and reuses it
on every retry; the server stores the first response under the key and replays it.
:class:`OrderService` is such a server for ``POST /orders``, in memory and deterministic,
with the draft's errors: a retry while the first request is still being processed is
refused with 409 Conflict, a key reused with a different request body with
422 Unprocessable Content, and a missing key (where the server requires one) with
400 Bad Request. A request body's fingerprint is the SHA-256 of its canonical JSON.

The module stops at one server's key store: it does not expire keys (Stripe keeps them
24 hours), scope them per client, or share them between replicas.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from msatheory.errors import TheoryError, require_count, require_instance, require_name

__all__ = [
    "METHODS",
    "Method",
    "Order",
    "OrderService",
    "Outcome",
    "Pending",
    "Response",
    "fingerprint",
    "repeated_put",
    "retried_post",
    "retry_safe",
]


@dataclass(frozen=True)
class Method:
    """Protocol 5.2.1 (REST): one HTTP method and the properties RFC 9110 gives it.

    ``safe``: the client asks for no change of state (RFC 9110, section 9.2.1).
    ``idempotent``: n identical requests have the intended effect of one (section 9.2.2).
    ``cacheable``: a response may be stored by a cache (section 9.2.3; for ``POST`` and
    ``PATCH`` only with explicit freshness and a ``Content-Location`` naming the target).
    ``request_body``: the method defines what content in the request means.
    ``section``: where the method is defined.
    """

    name: str
    safe: bool
    idempotent: bool
    cacheable: bool
    request_body: bool
    section: str


METHODS: Mapping[str, Method] = MappingProxyType({m.name: m for m in (
    Method("GET", True, True, True, False, "RFC 9110, section 9.3.1"),
    Method("HEAD", True, True, True, False, "RFC 9110, section 9.3.2"),
    Method("POST", False, False, True, True, "RFC 9110, section 9.3.3"),
    Method("PUT", False, True, False, True, "RFC 9110, section 9.3.4"),
    Method("DELETE", False, True, False, False, "RFC 9110, section 9.3.5"),
    Method("CONNECT", False, False, False, False, "RFC 9110, section 9.3.6"),
    Method("OPTIONS", True, True, False, False, "RFC 9110, section 9.3.7"),
    Method("TRACE", True, True, False, False, "RFC 9110, section 9.3.8"),
    Method("PATCH", False, False, True, True, "RFC 5789, section 2"),
)})
"""Protocol 5.2.1 (REST): each HTTP method by name, in the order of RFC 9110 (then PATCH)."""

#: The methods an ``Idempotency-Key`` makes retryable (the draft's section 1).
KEYED_METHODS = ("POST", "PATCH")


def _method(owner: str, name: object) -> Method:
    if not isinstance(name, str) or name not in METHODS:
        raise TheoryError(f"{owner}: method must be one of {', '.join(METHODS)}, "
                          f"not {name!r}")
    return METHODS[name]


def retry_safe(method: str, idempotency_key: str | None = None) -> bool:
    """Protocol 5.2.1 (REST): whether a client may resend ``method`` after hearing nothing.

    A safe or idempotent method may always be retried; ``POST`` and ``PATCH`` only with an
    ``Idempotency-Key`` (the same key on every retry); ``CONNECT`` never.

    Parameters
    ----------
    method : str
        An HTTP method, upper case, one of :data:`METHODS`.
    idempotency_key : str, optional
        The value of the request's ``Idempotency-Key`` header, if it has one.

    Returns
    -------
    bool
        True when a retry cannot change the outcome beyond what one request does.

    Raises
    ------
    TheoryError
        If ``method`` is not one of :data:`METHODS` or the key is not a non-empty string.

    Examples
    --------
    >>> retry_safe("PUT"), retry_safe("POST"), retry_safe("POST", "8e03978e")
    (True, False, True)

    References
    ----------
    .. [1] RFC 9110, HTTP Semantics, sections 9.2.1 (safe) and 9.2.2 (idempotent).
    .. [2] J. Jena and S. Dalal, "The Idempotency-Key HTTP Header Field",
       draft-ietf-httpapi-idempotency-key-header; Stripe, "Idempotent requests".
    """
    entry = _method("retry_safe", method)
    if idempotency_key is not None:
        require_name("retry_safe", "idempotency_key", idempotency_key)
    return entry.idempotent or (idempotency_key is not None and entry.name in KEYED_METHODS)


@dataclass(frozen=True)
class Order:
    """An order the service holds: its id and its body as canonical JSON."""

    order_id: str
    body: str


@dataclass(frozen=True)
class Response:
    """What the service answers: an HTTP ``status``, the order it concerns (if any),
    whether it is a stored response replayed for a repeated key, and a ``detail``."""

    status: int
    order_id: str | None
    replayed: bool
    detail: str


@dataclass(frozen=True)
class Pending:
    """A ``POST /orders`` accepted and still being processed: the service's
    ``number``-th request, its ``key`` (or None) and its body as canonical JSON."""

    number: int
    key: str | None
    body: str


def _canonical(owner: str, body: object) -> str:
    """``body`` (a JSON object) as canonical JSON: sorted keys, no spaces."""
    if not isinstance(body, Mapping) or not all(isinstance(k, str) for k in body):
        raise TheoryError(f"{owner}: body must be a mapping with string keys (a JSON "
                          f"object), not {body!r}")
    try:
        return json.dumps(dict(body), sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TheoryError(f"{owner}: body must hold only JSON values, not {body!r}") from error


def fingerprint(body: str) -> str:
    """The draft's idempotency fingerprint of a canonical body: its SHA-256, in hex.

    >>> fingerprint('{"quantity":1,"sku":"book"}')[:12]
    '2d25aa19273f'
    """
    return hashlib.sha256(body.encode()).hexdigest()


class OrderService:
    """Protocol 5.2.1 (REST): an order service with ``POST /orders`` and
    ``PUT /orders/{id}``, honouring ``Idempotency-Key`` on ``POST``.

    ``POST`` creates an order named ``order-1``, ``order-2``, ... and answers 201. With a
    key, the service first looks the key up: unseen, it records the body's fingerprint
    and processes the request, then stores the response under the key; seen with another
    fingerprint, it answers 422; seen and still in process, 409; seen and done, it
    replays the stored response (same status, same order, ``replayed=True``). The body
    is compared before the key's state, so a different body is 422 even while the first
    request is in process. With ``require_key``, a ``POST`` without a key is refused
    with 400.

    ``POST`` is :meth:`begin` (accept) then :meth:`complete` (commit and answer), so a
    lesson can put a retry between the two; :meth:`post` does both at once.

    ``PUT /orders/{id}`` stores the body under the id: 201 if it created the order,
    200 if it replaced it. It is idempotent by construction, with no key.

    Examples
    --------
    >>> service = OrderService()
    >>> service.post({"sku": "book", "quantity": 1}, key="k-1")
    Response(status=201, order_id='order-1', replayed=False, detail='Created')
    >>> service.post({"sku": "book", "quantity": 1}, key="k-1").replayed
    True
    >>> service.post({"sku": "book", "quantity": 2}, key="k-1").status
    422
    >>> len(service.orders)
    1

    References
    ----------
    .. [1] Protocol 5.2.1 of the theory (REST): RESTful APIs over HTTP, with JSON.
    .. [2] draft-ietf-httpapi-idempotency-key-header, "Idempotency Enforcement
       Scenarios" and "Error Scenarios" (400, 409, 422).
    .. [3] Stripe, "Idempotent requests": the first response, success or error, is
       stored under the key and returned on every retry.
    """

    def __init__(self, *, require_key: bool = False) -> None:
        self.require_key = require_instance("OrderService", "require_key", require_key, bool)
        self._orders: dict[str, Order] = {}
        self._keys: dict[str, tuple[str, Response | None]] = {}
        self._requests = 0
        self._open: set[int] = set()
        self._next = 1

    @property
    def orders(self) -> tuple[Order, ...]:
        """The orders held, in the order they were created."""
        return tuple(self._orders.values())

    def begin(self, body: Mapping[str, object], key: str | None = None) -> Response | Pending:
        """Accept ``POST /orders`` with ``body`` and ``key``: a :class:`Pending` request
        to :meth:`complete`, or the answer at once (400, 409, 422 or a replay)."""
        canonical = _canonical("OrderService.begin", body)
        self._requests += 1
        if key is None:
            if self.require_key:
                return Response(400, None, False, "Bad Request: Idempotency-Key is missing")
            self._open.add(self._requests)
            return Pending(self._requests, None, canonical)
        require_name("OrderService.begin", "key", key)
        seen = self._keys.get(key)
        if seen is None:
            self._keys[key] = (fingerprint(canonical), None)
            self._open.add(self._requests)
            return Pending(self._requests, key, canonical)
        known, stored = seen
        if known != fingerprint(canonical):
            return Response(422, None, False,
                            "Unprocessable Content: Idempotency-Key is already used "
                            "with another body")
        if stored is None:
            return Response(409, None, False,
                            "Conflict: a request with this Idempotency-Key is outstanding")
        return Response(stored.status, stored.order_id, True, stored.detail)

    def complete(self, pending: Pending) -> Response:
        """Commit ``pending``: create its order, store the response under its key, answer."""
        require_instance("OrderService.complete", "pending", pending, Pending)
        if pending.number not in self._open:
            raise TheoryError(f"OrderService.complete: pending must be a request this "
                              f"service began and has not completed, not {pending!r}")
        self._open.remove(pending.number)
        while f"order-{self._next}" in self._orders:
            self._next += 1
        order = Order(f"order-{self._next}", pending.body)
        self._orders[order.order_id] = order
        response = Response(201, order.order_id, False, "Created")
        if pending.key is not None:
            self._keys[pending.key] = (fingerprint(pending.body), response)
        return response

    def post(self, body: Mapping[str, object], key: str | None = None) -> Response:
        """``POST /orders``: :meth:`begin` and, if accepted, :meth:`complete` at once."""
        started = self.begin(body, key)
        return self.complete(started) if isinstance(started, Pending) else started

    def put(self, order_id: str, body: Mapping[str, object]) -> Response:
        """``PUT /orders/{order_id}``: store ``body`` as that order; 201 if new, else 200."""
        require_name("OrderService.put", "order_id", order_id)
        canonical = _canonical("OrderService.put", body)
        created = order_id not in self._orders
        self._orders[order_id] = Order(order_id, canonical)
        return Response(201 if created else 200, order_id, False,
                        "Created" if created else "OK")

    def __repr__(self) -> str:
        return f"OrderService(orders={len(self._orders)}, keys={len(self._keys)})"


@dataclass(frozen=True)
class Outcome:
    """What one client operation left behind.

    ``method`` and ``key`` describe the request; ``attempts`` counts how often it was
    sent, of which the first ``lost`` got a response that never reached the client;
    ``responses`` are every response the server sent, in order (the last is the one the
    client saw); ``orders`` are the orders the server holds afterwards.
    """

    method: str
    key: str | None
    attempts: int
    lost: int
    responses: tuple[Response, ...]
    orders: tuple[Order, ...]

    @property
    def created(self) -> int:
        """How many orders the server holds."""
        return len(self.orders)

    @property
    def seen(self) -> Response:
        """The response that reached the client."""
        return self.responses[-1]


#: The body of the lessons' order.
ORDER = MappingProxyType({"sku": "book", "quantity": 1})


def retried_post(lost_responses: int, key: str | None = None) -> Outcome:
    """Protocol 5.2.1 (REST): ``POST /orders`` retried after each lost response.

    The server commits every request it processes; the first ``lost_responses`` of its
    responses are lost on the way back, so the client times out and sends the same
    request again (with the same ``key``), until a response arrives.

    Parameters
    ----------
    lost_responses : int
        How many responses are lost (0 or more).
    key : str, optional
        The ``Idempotency-Key`` sent with every attempt; None sends none.

    Returns
    -------
    Outcome
        ``lost_responses + 1`` attempts; without a key ``lost_responses + 1`` orders,
        with a key one order and every later response a replay of the first.

    Raises
    ------
    TheoryError
        If ``lost_responses`` is not a whole number or ``key`` not a non-empty string.

    Examples
    --------
    >>> retried_post(2).created, retried_post(2, key="k-1").created
    (3, 1)
    >>> [r.order_id for r in retried_post(2, key="k-1").responses]
    ['order-1', 'order-1', 'order-1']

    References
    ----------
    .. [1] draft-ietf-httpapi-idempotency-key-header, section 1 (a lost response and
       the duplicate a retried ``POST`` makes).
    .. [2] Stripe, "Idempotent requests".
    """
    lost = require_count("retried_post", "lost_responses", lost_responses)
    if key is not None:
        require_name("retried_post", "key", key)
    service = OrderService()
    responses = tuple(service.post(ORDER, key) for _ in range(lost + 1))
    return Outcome("POST", key, lost + 1, lost, responses, service.orders)


def repeated_put(times: int) -> Outcome:
    """Protocol 5.2.1 (REST): the same ``PUT /orders/order-1`` sent ``times`` times.

    Returns
    -------
    Outcome
        One order whatever ``times`` is: 201 for the first request, 200 after.

    Raises
    ------
    TheoryError
        If ``times`` is not a positive whole number.

    Examples
    --------
    >>> outcome = repeated_put(3)
    >>> [r.status for r in outcome.responses], outcome.created
    ([201, 200, 200], 1)

    References
    ----------
    .. [1] RFC 9110, section 9.3.4 (PUT) and section 9.2.2 (idempotent methods).
    """
    times = require_count("repeated_put", "times", times, least=1)
    service = OrderService()
    responses = tuple(service.put("order-1", ORDER) for _ in range(times))
    return Outcome("PUT", None, times, 0, responses, service.orders)
