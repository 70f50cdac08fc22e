"""Chapter 5's errata: the Rust ``ServiceCommunication`` and ``CircuitBreaker`` of section
5.3, shown wrong by running them.

Each counterexample is the smallest input a reproducible hypothesis search finds that
breaks a property of the sketch ported as written (:mod:`.sketch`); each correction is
checked by the same search against the corrected models: the breakers of
:mod:`.breaker` (Strategy 5.3.2) and the :class:`~msatheory.communication.client.ServiceClient`
that puts a breaker per service, timeouts and retries with backoff together
(Strategies 5.3.1-5.3.2).

Rust's two compile errors (``is_closed(&self)`` assigns the state, ``sync_call(&self)``
calls ``&mut self`` methods) are the port's to fill, not errata; the section marks nothing
简化实现.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from hypothesis import strategies as st

from msatheory.communication.breaker import CircuitBreaker
from msatheory.communication.client import Answer, Outcome, ServiceClient, ServiceRequest
from msatheory.communication.sketch import (
    NEVER,
    CommunicationError,
    Pending,
    Request,
    Response,
    RustPanic,
    SketchCircuitBreaker,
    SketchServiceCommunication,
    SystemClock,
)
from msatheory.discovery.registry import Instance, Registry
from msatheory.discovery.scenario import fleet
from msatheory.gateway.routing import Route, RoutingTable
from msatheory.sim import VirtualClock
from msatheory.theory.erratum import Counterexample, Erratum, holds_for_all

__all__ = [
    "ERRATA",
    "FAIL_MAX",
    "ORDERS_API",
    "RESET",
    "bad_requests_open",
    "clock_step_panics",
    "every_call_posts",
    "first_instance_only",
    "half_open_floods",
    "hang_never_fails",
    "never_retried",
    "one_breaker_for_all",
    "sketch_communication",
]

#: ``CircuitBreaker::new(5, Duration::from_secs(60))``, as ``ServiceCommunication::new``
#: builds it; the corrected breakers run with the same numbers.
FAIL_MAX, RESET = 5, 60
#: The orders service's API, routed as chapter 4 routes (most specific wins).
ORDERS_API = RoutingTable([Route("GET", "/orders/{id}", "orders"),
                           Route("PUT", "/orders/{id}", "orders"),
                           Route("DELETE", "/orders/{id}", "orders"),
                           Route("POST", "/orders", "orders")])
#: The wall clock's reading when a scenario starts (Unix seconds, 2023-11-14).
EPOCH = 1_700_000_000
#: Attempts per call in Strategy 5.3.1's corrected client.
ATTEMPTS = 3

CALLERS = st.integers(min_value=1, max_value=50)
FAILURES = st.integers(min_value=0, max_value=20)
CLIENT_ERRORS = st.lists(st.sampled_from([400, 404, 409, 422]), max_size=12)
HANGING_CALLS = st.integers(min_value=1, max_value=20)
#: Wall-clock steps (seconds, negative for a step back) before each call to a failing service.
STEPS = st.lists(st.integers(min_value=-3, max_value=70), max_size=12)
#: (instances, calls) of a healthy service.
SPREADS = st.tuples(st.integers(min_value=2, max_value=6), st.integers(min_value=2, max_value=20))
OPERATIONS = st.tuples(st.sampled_from(["GET", "PUT", "DELETE", "POST"]),
                       st.integers(min_value=0, max_value=10**6))
#: Each attempt's fate (True: the service answers 200, False: 503), in order.
FATES = st.lists(st.booleans(), min_size=1, max_size=6)


def _steady(seconds: float) -> Callable[[int, object], float]:
    return lambda n, rng: seconds


def _registry(services: Sequence[str], instances: int = 2) -> Registry:
    registry = Registry(VirtualClock(), ttl=None)
    for service in services:
        for instance in fleet(instances, service):
            registry.register(instance)
    return registry


def sketch_communication(answer: Callable[[str, str, str], Response | Pending], *,
                         services: Sequence[str] = ("orders", "payments"), instances: int = 2,
                         clock: SystemClock | None = None
                         ) -> tuple[SketchServiceCommunication, list[tuple[str, str, str]]]:
    """The sketch over ``instances`` instances of each service; returns it and the list of
    (instance, method, path) it sends. ``answer(instance, method, path)`` is the network."""
    sent: list[tuple[str, str, str]] = []

    def network(method: str, url: str, body: object) -> Response | Pending:
        host, _, rest = url.removeprefix("http://").partition("/")
        instance, path = host.split(":")[0], "/" + rest
        sent.append((instance, method, path))
        return answer(instance, method, path)

    built = SketchServiceCommunication(_registry(services, instances), network,
                                       clock or SystemClock())
    return built, sent


def _service(instance: str) -> str:
    return instance.rsplit("-", 1)[0]


def _outcome(comm: SketchServiceCommunication, service: str, path: str = "/orders/7") -> str:
    """``"200"``, ``"never returns"`` or the sketch's error."""
    try:
        response = comm.sync_call(service, Request(path))
    except CommunicationError as error:
        return str(error)
    return "never returns" if response is NEVER else str(response.status_code)


def _client(answer: Callable[[Instance, ServiceRequest], Answer], *, attempts: int = 1,
            services: Sequence[str] = ("orders", "payments"), instances: int = 2
            ) -> ServiceClient:
    return ServiceClient(_registry(services, instances), answer, VirtualClock(),
                         attempts=attempts, backoff=_steady(0.1),
                         breaker=lambda: CircuitBreaker(FAIL_MAX, RESET))


# -- half-open lets every call through ---------------------------------------------------------

def _trials_admitted(callers: int) -> int:
    clock = SystemClock()
    breaker = SketchCircuitBreaker(FAIL_MAX, RESET, clock)
    for _ in range(FAIL_MAX):
        breaker.on_failure()
    clock.advance(RESET + 1)
    return sum(breaker.is_closed() for _ in range(callers))


def half_open_floods(callers: int) -> bool:
    """Property: once the open state's timeout has passed, the breaker lets one trial call
    through and holds the others until that call's outcome is known.

    True on a counterexample: ``callers`` calls arriving together after the timeout, before
    any outcome, are all let through.
    """
    return _trials_admitted(callers) > 1


def _describe_half_open(callers: int) -> Counterexample:
    return Counterexample(
        f"{FAIL_MAX} failures open the breaker; {RESET + 1} s later {callers} calls arrive "
        "before the first one's outcome is known",
        "one trial call is sent and the others fail fast until it succeeds or fails",
        f"{_trials_admitted(callers)} of {callers} calls sent: in HalfOpen is_closed answers "
        "true to every call until an outcome is recorded, so a recovering service gets the "
        "whole load at once",
    )


def _corrected_trials(callers: int) -> bool:
    breaker = CircuitBreaker(FAIL_MAX, RESET)
    for _ in range(FAIL_MAX):
        breaker.allow(0)
        breaker.record(False, 0)
    return sum(breaker.allow(RESET + 1) for _ in range(callers)) > 1


# -- one breaker guards every service ----------------------------------------------------------

def _payments_down(instance: str, method: str, path: str) -> Response:
    return Response(503 if _service(instance) == "payments" else 200)


def _orders_after(failures: int) -> str:
    comm, _ = sketch_communication(_payments_down)
    for _ in range(failures):
        _outcome(comm, "payments", "/payments")
    return _outcome(comm, "orders")


def one_breaker_for_all(failures: int) -> bool:
    """Property: a call to a healthy service is sent, whatever happens to calls to others.

    True on a counterexample: after ``failures`` failed calls to payments, a call to the
    healthy orders service is refused.
    """
    return _orders_after(failures) != "200"


def _describe_one_breaker(failures: int) -> Counterexample:
    return Counterexample(
        f"payments answers 503, orders 200; {failures} calls to payments, then one to orders",
        "the call to orders is sent and answered 200",
        f"{_orders_after(failures)}: ServiceCommunication has one circuit_breaker, so "
        "payments' failures open it for every service",
    )


def _corrected_orders_after(failures: int) -> bool:
    client = _client(lambda i, r: Answer(503 if i.service == "payments" else 200))
    for _ in range(failures):
        client.call("payments", ServiceRequest("GET", "/payments"))
    return not client.call("orders", ServiceRequest("GET", "/orders/7")).ok


# -- a client's bad requests count against the service ----------------------------------------

def _after_bad_requests(statuses: Sequence[int]) -> str:
    answers = iter(statuses)
    comm, _ = sketch_communication(lambda i, m, p: Response(next(answers, 200)))
    for _ in statuses:
        _outcome(comm, "orders")
    return _outcome(comm, "orders")


def bad_requests_open(statuses: list[int]) -> bool:
    """Property: a client's own mistakes (4xx answers from a healthy service) never stop
    its valid requests from being sent.

    True on a counterexample: after requests answered with ``statuses``, a valid request to
    the same, healthy service is refused.
    """
    return _after_bad_requests(statuses) != "200"


def _describe_bad_requests(statuses: list[int]) -> Counterexample:
    return Counterexample(
        f"orders answers {len(statuses)} malformed requests with "
        f"{', '.join(map(str, statuses))}, then a valid one",
        "the valid request is sent and answered 200: orders is healthy",
        f"{_after_bad_requests(statuses)}: send_request turns every status that is not 2xx "
        "into a ServiceError and on_failure counts it",
    )


def _corrected_after_bad_requests(statuses: list[int]) -> bool:
    answers = iter(statuses)
    client = _client(lambda i, r: Answer(next(answers, 200)))
    for _ in statuses:
        client.call("orders", ServiceRequest("GET", "/orders/7"))
    return not client.call("orders", ServiceRequest("GET", "/orders/7")).ok


# -- no timeout ---------------------------------------------------------------------------------

def _hanging(calls: int) -> tuple[list[str], SketchServiceCommunication]:
    comm, _ = sketch_communication(lambda i, m, p: NEVER)
    return [_outcome(comm, "orders") for _ in range(calls)], comm


def hang_never_fails(calls: int) -> bool:
    """Property: a caller is never left waiting on a service that never answers: each
    call ends, with an error if need be, and counts as a failure.

    True on a counterexample: one of ``calls`` calls to a service that never answers
    never returns.
    """
    return "never returns" in _hanging(calls)[0]


def _describe_hang(calls: int) -> Counterexample:
    outcomes, comm = _hanging(calls)
    breaker = comm.circuit_breaker
    return Counterexample(
        f"orders accepts connections and never answers; {calls} call{'s' * (calls != 1)}",
        "each call ends with Timeout and counts as a failure, so the breaker opens after "
        f"{FAIL_MAX}",
        f"{outcomes.count('never returns')} of {calls} never return; failure_count "
        f"{breaker.failure_count}, state {breaker.state.value}: reqwest's client has no "
        "timeout, neither branch of the match runs, and Timeout is never constructed",
    )


def _corrected_hang(calls: int) -> bool:
    client = _client(lambda i, r: Answer.never(), attempts=ATTEMPTS)
    outcomes = [client.call("orders", ServiceRequest("GET", "/orders/7")) for _ in range(calls)]
    return any(o.error not in ("timeout", "circuit open") for o in outcomes)


# -- the open state's timer reads the wall clock ------------------------------------------------

def _stepped(steps: Sequence[int]) -> str:
    """Calls to a failing orders service, the wall clock stepped by ``steps`` before each;
    ``"ok"`` or the panic."""
    clock = SystemClock(EPOCH)
    comm, _ = sketch_communication(lambda i, m, p: Response(503), clock=clock)
    for step in steps:
        clock.advance(step) if step >= 0 else clock.set(clock.now + step)
        try:
            _outcome(comm, "orders")
        except RustPanic as panic:
            return f"panic: {panic}"
    return "ok"


def clock_step_panics(steps: list[int]) -> bool:
    """Property: a breaker's timer is unmoved by the wall clock being set, and never panics.

    True on a counterexample: calls to a failing service, with the wall clock stepped by
    ``steps`` seconds before each, make ``is_closed`` panic.
    """
    return _stepped(steps) != "ok"


def _describe_clock(steps: list[int]) -> Counterexample:
    return Counterexample(
        f"orders answers 503; the wall clock is stepped by {', '.join(map(str, steps))} s "
        "before each call (an NTP correction steps it back)",
        "every call ends with an error, and the open timer measures time that passed",
        f"{_stepped(steps)}: the breaker opened at the last failure, the clock then read "
        "earlier, and duration_since(..).unwrap() panics",
    )


def _corrected_steps(steps: list[int]) -> bool:
    """The corrected client reads a monotonic clock, which a wall-clock step cannot move
    back: it moves by ``max(step, 0)``."""
    client = _client(lambda i, r: Answer(503))
    for step in steps:
        client.clock.advance(max(step, 0))
        outcome = client.call("orders", ServiceRequest("GET", "/orders/7"))
        if outcome.error not in ("server error", "circuit open"):
            return True
    return False


# -- every call goes to instances[0] ------------------------------------------------------------

def _spread(spread: tuple[int, int]) -> dict[str, int]:
    instances, calls = spread
    comm, sent = sketch_communication(lambda i, m, p: Response(200), services=("orders",),
                                      instances=instances)
    for _ in range(calls):
        _outcome(comm, "orders")
    return {i.id: sum(s[0] == i.id for s in sent) for i in fleet(instances, "orders")}


def first_instance_only(spread: tuple[int, int]) -> bool:
    """Property: ``calls`` calls to a service with ``instances`` healthy instances give
    no instance more than its fair share, ``ceil(calls / instances)``.

    True on a counterexample: some instance receives more.
    """
    instances, calls = spread
    return max(_spread(spread).values()) > math.ceil(calls / instances)


def _describe_spread(spread: tuple[int, int]) -> Counterexample:
    instances, calls = spread
    counts = _spread(spread)
    return Counterexample(
        f"{calls} calls to orders, whose {instances} instances are all healthy",
        f"each instance receives at most {math.ceil(calls / instances)}",
        f"{', '.join(f'{k} {v}' for k, v in counts.items())}: sync_call sends every call to "
        "instances[0]; were it down, every call would fail with the others idle",
    )


def _corrected_spread(spread: tuple[int, int]) -> bool:
    instances, calls = spread
    seen: list[str] = []

    def record(instance: Instance, request: ServiceRequest) -> Answer:
        seen.append(instance.id)
        return Answer(200)

    client = _client(record, services=("orders",), instances=instances)
    for _ in range(calls):
        client.call("orders", ServiceRequest("GET", "/orders/7"))
    return max(seen.count(i) for i in set(seen)) > math.ceil(calls / instances)


# -- every call is a POST -----------------------------------------------------------------------

def _path(operation: tuple[str, int]) -> str:
    method, order = operation
    return "/orders" if method == "POST" else f"/orders/{order}"


def _served(method: str, path: str) -> Response:
    """The orders service: 200 for a routed operation, 405 for a path it routes under
    another method."""
    return Response(200 if ORDERS_API.match(method, path) is not None else 405)


def _sketch_sends(operation: tuple[str, int]) -> tuple[str, str]:
    comm, sent = sketch_communication(lambda i, m, p: _served(m, p), services=("orders",))
    return _outcome(comm, "orders", _path(operation)), sent[0][1]


def every_call_posts(operation: tuple[str, int]) -> bool:
    """Property: each operation of the orders API (``ORDERS_API``) reaches its handler:
    it is sent with its own method.

    True on a counterexample: the operation ``(method, order id)`` is sent otherwise and
    not served.
    """
    return _sketch_sends(operation)[0] != "200"


def _describe_post(operation: tuple[str, int]) -> Counterexample:
    method, _ = operation
    outcome, sent = _sketch_sends(operation)
    return Counterexample(
        f"{method} {_path(operation)} through sync_call (the orders API routes GET, PUT and "
        "DELETE /orders/{id} and POST /orders)",
        f"the request is sent as {method} and answered 200",
        f"sent as {sent}, answered {outcome}: send_request always calls client.post, so a "
        "read is neither safe to retry nor cacheable, and here it is not served at all",
    )


def _corrected_methods(operation: tuple[str, int]) -> bool:
    client = _client(lambda i, r: Answer(_served(r.method, r.path).status_code),
                     services=("orders",))
    return not client.call("orders", ServiceRequest(operation[0], _path(operation))).ok


# -- Strategy 5.3.1 stated, never applied -------------------------------------------------------

def _delivered_within(fates: Sequence[bool]) -> bool:
    return any(fates[:ATTEMPTS])


def _sketch_delivers(fates: Sequence[bool]) -> bool:
    answers = iter(fates)
    comm, _ = sketch_communication(lambda i, m, p: Response(200 if next(answers, True) else 503))
    return _outcome(comm, "orders") == "200"


def never_retried(fates: list[bool]) -> bool:
    """Property: a read that would succeed within three attempts is delivered: a
    transient failure is retried (Strategy 5.3.1).

    True on a counterexample: the attempts' fates (True: 200, False: 503) let one of the
    first three succeed, and the call fails.
    """
    return _delivered_within(fates) and not _sketch_delivers(fates)


def _describe_retry(fates: list[bool]) -> Counterexample:
    shown = ", ".join("200" if ok else "503" for ok in fates)
    return Counterexample(
        f"GET /orders/7; orders answers successive attempts with {shown}",
        f"the call is retried with backoff and delivered within {ATTEMPTS} attempts",
        "the call fails with ServiceError(503) after one attempt: sync_call never retries, "
        "so its reliability is one attempt's",
    )


def _corrected_retry(fates: list[bool]) -> bool:
    answers = iter(fates)
    client = _client(lambda i, r: Answer(200 if next(answers, True) else 503),
                     attempts=ATTEMPTS)
    outcome: Outcome = client.call("orders", ServiceRequest("GET", "/orders/7"))
    return _delivered_within(fates) and not outcome.ok


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        key="5.half-open-floods",
        concerns="Rust CircuitBreaker.is_closed (section 5.3; Strategy 5.3.2)",
        wrong="In HalfOpen every call is let through until one outcome is recorded, so a "
        "recovering service receives the whole load at once.",
        search=CALLERS,
        breaks=half_open_floods,
        describe=_describe_half_open,
        verify_corrected=lambda: holds_for_all(CALLERS, _corrected_trials),
        corrected_by="msatheory.communication.breaker.CircuitBreaker",
    ),
    Erratum(
        key="5.one-breaker",
        concerns="Rust ServiceCommunication (section 5.3; Strategy 5.3.2)",
        wrong="One circuit breaker guards the calls to every service, so one failing "
        "service cuts its callers off from all the others.",
        search=FAILURES,
        breaks=one_breaker_for_all,
        describe=_describe_one_breaker,
        verify_corrected=lambda: holds_for_all(FAILURES, _corrected_orders_after),
        corrected_by="msatheory.communication.client.ServiceClient (a breaker per service)",
    ),
    Erratum(
        key="5.client-errors-open",
        concerns="Rust ServiceCommunication.send_request (section 5.3; Strategy 5.3.2)",
        wrong="Every status that is not 2xx counts as a failure, so a client's own bad "
        "requests open the breaker on a healthy service.",
        search=CLIENT_ERRORS,
        breaks=bad_requests_open,
        describe=_describe_bad_requests,
        verify_corrected=lambda: holds_for_all(CLIENT_ERRORS, _corrected_after_bad_requests),
        corrected_by="msatheory.communication.client.ServiceClient (4xx is not a failure)",
    ),
    Erratum(
        key="5.no-timeout",
        concerns="Rust ServiceCommunication.send_request (section 5.3; Strategy 5.3.2)",
        wrong="Calls have no timeout, so a service that never answers holds every caller "
        "forever and never counts as failing.",
        search=HANGING_CALLS,
        breaks=hang_never_fails,
        describe=_describe_hang,
        verify_corrected=lambda: holds_for_all(HANGING_CALLS, _corrected_hang),
        corrected_by="msatheory.communication.client.ServiceClient (a timeout per attempt)",
    ),
    Erratum(
        key="5.wall-clock",
        concerns="Rust CircuitBreaker.is_closed (section 5.3; Strategy 5.3.2)",
        wrong="The open state's timer reads the wall clock, so a clock stepped back makes "
        "duration_since(..).unwrap() panic.",
        search=STEPS,
        breaks=clock_step_panics,
        describe=_describe_clock,
        verify_corrected=lambda: holds_for_all(STEPS, _corrected_steps),
        corrected_by="msatheory.communication.client.ServiceClient (a monotonic clock)",
    ),
    Erratum(
        key="5.first-instance",
        concerns="Rust ServiceCommunication.sync_call (section 5.3; Pattern 5.1.1)",
        wrong="Every call goes to instances[0], so one instance takes all the load and the "
        "others take none.",
        search=SPREADS,
        breaks=first_instance_only,
        describe=_describe_spread,
        verify_corrected=lambda: holds_for_all(SPREADS, _corrected_spread),
        corrected_by="msatheory.communication.client.ServiceClient (round robin)",
    ),
    Erratum(
        key="5.always-post",
        concerns="Rust ServiceCommunication.send_request (section 5.3; Protocol 5.2.1)",
        wrong="Every call is sent as a POST, whatever it does, so reads lose their "
        "meaning (safe, idempotent, cacheable) and routes by method are not reached.",
        search=OPERATIONS,
        breaks=every_call_posts,
        describe=_describe_post,
        verify_corrected=lambda: holds_for_all(OPERATIONS, _corrected_methods),
        corrected_by="msatheory.communication.client.ServiceClient (the request's method)",
    ),
    Erratum(
        key="5.no-retry",
        concerns="Rust ServiceCommunication.sync_call (section 5.3; Strategy 5.3.1)",
        wrong="Strategy 5.3.1 is stated and no call is ever retried, so one transient "
        "failure fails the call.",
        search=FATES,
        breaks=never_retried,
        describe=_describe_retry,
        verify_corrected=lambda: holds_for_all(FATES, _corrected_retry),
        corrected_by="msatheory.communication.client.ServiceClient (retries with backoff)",
    ),
)
