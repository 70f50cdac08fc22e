"""Chapter 5's exercises (lessons 5a and 5b): calls, queues and events, and calls that fail.

Each exercise judges the answer with the chapter's own models: the server side of ``POST
/orders`` with an ``Idempotency-Key`` (Protocol 5.2.1, REST) against
:class:`~msatheory.communication.rest.OrderService` on searched sequences of retries; an
idempotent consumer (Protocol 5.2.3, 消息队列) on a
:class:`~msatheory.communication.delivery.Broker`, against
:func:`~msatheory.communication.delivery.run_script` on searched failure scripts; a second
version of an order message (Protocol 5.2.2, gRPC) with
:func:`~msatheory.communication.schema.compatibility` and
:func:`~msatheory.communication.schema.read_across`; the delivery probability (Def 5.3.1,
通信可靠性) against :func:`~msatheory.communication.reliability.delivery_probability`; full
jitter (Strategy 5.3.1, 重试机制) against the bound
:func:`~msatheory.communication.backoff.exponential`; a consecutive-failure breaker
(Strategy 5.3.2, 熔断器模式) against :class:`~msatheory.communication.breaker.CircuitBreaker`
on searched call sequences; a chain's timeouts and retries with
:func:`~msatheory.communication.resilience.check_retry_amplification`,
:func:`~msatheory.communication.resilience.check_timeout_inversion` and
:func:`~msatheory.communication.resilience.check_unguarded_calls`.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from types import MappingProxyType
from typing import cast

import sympy as sp
from hypothesis import strategies as st

from msatheory.basics.model import Architecture, Call, Service
from msatheory.communication.backoff import exponential
from msatheory.communication.breaker import STATES, CircuitBreaker
from msatheory.communication.delivery import STEPS, Broker, run_script
from msatheory.communication.encoding import Field, Schema
from msatheory.communication.reliability import delivery_probability
from msatheory.communication.resilience import (
    check_retry_amplification,
    check_timeout_inversion,
    check_unguarded_calls,
)
from msatheory.communication.rest import OrderService, Response
from msatheory.communication.schema import Mode, compatibility, read_across
from msatheory.errors import require_name
from msatheory.exercises.exercise import (
    Exercise,
    Failure,
    OutOfSteps,
    a_function,
    answer_call,
    first_counterexample,
    observe,
    one_of,
    shown,
    steps,
    takes,
    violated,
)
from msatheory.exercises.symbolic import differs, shown_value, symbols_of, value_at
from msatheory.sim import seeded_rng
from msatheory.theory.render import counted

__all__ = ["EXERCISES", "ORDER_V1", "Database", "inverted_chain"]

LESSON_5A = "notebooks/05a_calls_queues_events.ipynb"
LESSON_5B = "notebooks/05b_when_calls_fail.ipynb"


def _kind(answer: object) -> str:
    """What an answer is, without a default repr (which would hold a memory address)."""
    text, name = shown(answer), type(answer).__name__
    if text:
        return f"{name} {text}"
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"


class _Broke(str):
    """What went wrong in place of a result: the answer raised or ran out of steps."""


def _broke(error: Exception) -> _Broke:
    if isinstance(error, OutOfSteps):
        return _Broke("ran more than the step budget")
    text = str(error).splitlines()[0] if str(error) else ""
    said = f": {text}" if text and "0x" not in text else ""
    return _Broke(f"raised {type(error).__name__}{said}")


def _class_type(method: str, signature: str) -> Callable[[object], Failure | None]:
    """The type step of a class exercise: a class with ``method``, not an object of it."""

    def check(answer: object) -> Failure | None:
        if isinstance(answer, type):
            return None
        if callable(getattr(answer, method, None)):
            name = type(answer).__name__
            return Failure(f"expected a class, got an object of class {name}: pass the "
                           f"class {name}, not {name}(...)")
        return one_of(answer, type, f"a class with a {signature} method")

    return check


def _class_shape(method: str, signature: str, example: Callable[[], tuple[object, ...]]
                 ) -> Callable[[type], Failure | None]:
    """The shape step of a class exercise: ``answer(*example())`` works and has
    ``method``."""

    def check(answer: type) -> Failure | None:
        arguments = example()
        try:
            made = answer_call(answer, *arguments)
        except OutOfSteps:
            raise
        except Exception as error:
            shape = ", ".join(map(_argument, arguments))
            return Failure(f"{answer.__name__}({shape}) must work; it raised "
                           f"{type(error).__name__}")
        if not callable(getattr(made, method, None)):
            return Failure(f"{answer.__name__} has no {signature} method")
        return None

    return check


def _argument(value: object) -> str:
    return "db" if isinstance(value, Database) else repr(value)


# -- 5.idempotency-key: the server side of POST /orders with an Idempotency-Key --------------

#: The two bodies a client sends: one book, or two.
BODIES = (MappingProxyType({"sku": "book", "quantity": 1}),
          MappingProxyType({"sku": "book", "quantity": 2}))

#: A client's requests: which body (0 or 1) and which key (None: no key).
RETRIES = st.lists(st.tuples(st.just(0), st.sampled_from(("k-1", "k-2", None))),
                   min_size=1, max_size=6)
REUSED_KEYS = st.lists(st.tuples(st.integers(0, 1), st.sampled_from(("k-1", "k-2", None))),
                       min_size=1, max_size=6)

Request = tuple[int, str | None]


def _served(answer: Callable[..., object], requests: Sequence[Request]
            ) -> tuple[int, list[object], list[int], list[Response], list[int]]:
    """Send ``requests`` to the learner's ``post_order`` and to :class:`OrderService`.

    Returns the index of the first request answered differently, or after which the
    orders created differ (-1 if none), and, up to it, the learner's answers, the orders
    it had created after each, the model's responses and its orders after each."""
    model = OrderService()
    keys: dict[object, object] = {}
    created: list[Mapping[str, object]] = []

    def create(body: Mapping[str, object]) -> str:
        created.append(body)
        return f"order-{len(created)}"

    said: list[object] = []
    counts: list[int] = []
    responses: list[Response] = []
    orders: list[int] = []
    for index, (body, key) in enumerate(requests):
        responses.append(model.post(BODIES[body], key))
        orders.append(len(model.orders))
        try:
            said.append(answer_call(answer, keys, dict(BODIES[body]), key, create))
        except Exception as error:
            said.append(_broke(error))
        counts.append(len(created))
        expected = responses[-1]
        if _pair(said[-1]) != (expected.status, expected.order_id) or counts[-1] != orders[-1]:
            return index, said, counts, responses, orders
    return -1, said, counts, responses, orders


def _pair(got: object) -> object:
    """The learner's answer as a (status, order_id) tuple, when it is a pair."""
    return tuple(got) if isinstance(got, tuple | list) and len(got) == 2 else got


def _request(requests: Sequence[Request], index: int) -> str:
    body, key = requests[index]
    text = (f"{index + 1}. POST /orders {json.dumps(dict(BODIES[body]))}, "
            + ("no key" if key is None else f"key {key}"))
    first = next(i for i, r in enumerate(requests) if r == requests[index])
    if key is not None and first < index:
        text += f" (a retry of {first + 1}: its response was lost)"
    return text


def _response(response: Response) -> str:
    if response.status == 422:
        return "422 (the key is already used with another body)"
    return f"{response.status} {response.order_id}" + (" (replayed)" if response.replayed
                                                       else "")


def _answer(got: object) -> str:
    if isinstance(got, _Broke):
        return str(got)
    pair = _pair(got)
    if isinstance(pair, tuple) and isinstance(pair[0], int):
        return f"{pair[0]} {pair[1]}"
    return f"{_kind(got)}, not a (status, order_id) pair"


def _idempotency_step(strategy: st.SearchStrategy[list[Request]]
                      ) -> Callable[[Callable[..., object]], Failure | None]:
    def check(answer: Callable[..., object]) -> Failure | None:
        requests = first_counterexample(strategy, lambda r: _served(answer, r)[0] >= 0)
        if requests is None:
            return None
        index, said, counts, responses, orders = _served(answer, requests)
        if counts[index] > orders[index]:
            message = f"request {index + 1} creates a duplicate order"
        elif counts[index] < orders[index]:
            message = f"request {index + 1} creates no order, where OrderService creates one"
        else:
            message = f"request {index + 1} is answered differently from OrderService"
        return Failure(message,
                       "; ".join(_request(requests, i) for i in range(index + 1)),
                       f"{_response(responses[index])}, {counted(orders[index], 'order')} "
                       "in all",
                       f"{_answer(said[index])}, {counted(counts[index], 'order')} in all")
    return check


# -- 5.idempotent-consumer: effects once under at-least-once delivery -----------------------

class Database:
    """The consumer's database, which survives a crash of the consumer.

    ``apply(message_id)`` performs the effect of a message (ships the order it names);
    ``processed`` is a table the consumer may keep message ids in. The consumer's
    ``handle`` runs as one transaction: its effect and what it writes to ``processed``
    commit together (a crash comes before ``handle`` or after it, never inside).

    >>> db = Database()
    >>> db.apply("m1"); db.applied("m1"), db.processed
    (1, set())
    """

    def __init__(self) -> None:
        self.processed: set[str] = set()
        self._effects: Counter[str] = Counter()

    def apply(self, message_id: str) -> None:
        """Perform the effect of ``message_id``."""
        self._effects[require_name("Database.apply", "message_id", message_id)] += 1

    def applied(self, message_id: str) -> int:
        """How many times the effect of ``message_id`` has been performed."""
        return self._effects[message_id]

    def __repr__(self) -> str:
        return f"Database(processed={sorted(self.processed)!r})"


#: Failure scripts, as :func:`run_script` reads them: one or two messages published, then
#: up to seven steps of the broker and the consumer.
SCRIPTS = st.tuples(st.integers(1, 2), st.lists(
    st.sampled_from(tuple(s for s in STEPS if s != "publish")), max_size=7)).map(
    lambda t: ["publish"] * t[0] + t[1])


def _consumed(answer: type, script: Sequence[str]
              ) -> tuple[tuple[tuple[str, int], ...], str, tuple[str, ...]]:
    """Run ``script`` with the learner's consumer handling what the broker delivers,
    acking after ``handle`` returns (at least once), started again with the same database
    after each crash. The effects per message, what went wrong (empty if nothing), and
    what each step did."""
    broker, db = Broker(), Database()
    trace: list[str] = []
    try:
        consumer = answer_call(answer, db)
        for step in script:
            if step == "publish":
                broker.publish(f"m{len(broker.published) + 1}")
                trace.append(f"publish: {broker.published[-1]} queued")
            elif step == "redeliver":
                trace.append(f"redeliver: {', '.join(broker.redeliver()) or 'nothing'}")
            elif (message := broker.deliver()) is None:
                trace.append(f"{step}: nothing ready")
            elif step == "crash-before-process":
                consumer = answer_call(answer, db)
                trace.append(f"{step}: {message} not handled, consumer restarted")
            else:
                before = db.applied(message)
                answer_call(consumer.handle, message)
                done = "applied" if db.applied(message) > before else "not applied"
                if step == "deliver":
                    broker.ack(message)
                    trace.append(f"{step}: {message} {done}, acked")
                elif step == "ack-lost":
                    trace.append(f"{step}: {message} {done}, ack lost")
                else:
                    consumer = answer_call(answer, db)
                    trace.append(f"{step}: {message} {done}, consumer restarted")
    except Exception as error:
        broke = _broke(error)
        if len(trace) < len(script):
            trace.append(f"{script[len(trace)]}: the consumer {broke}")
        return tuple((m, db.applied(m)) for m in broker.published), broke, tuple(trace)
    return tuple((m, db.applied(m)) for m in broker.published), "", tuple(trace)


def _expected_effects(script: Sequence[str]) -> tuple[tuple[str, int], ...]:
    return run_script("effectively-once", script).effects


def _applied(message: str, count: int) -> str:
    if count == 0:
        return f"{message} never applied"
    return f"{message} applied " + {1: "once", 2: "twice"}.get(count, f"{count} times")


def _effects(effects: Sequence[tuple[str, int]]) -> str:
    return ", ".join(_applied(m, n) for m, n in effects) or "no message"


def _consumer_behaviour(answer: type) -> Failure | None:
    def wrong(script: list[str]) -> bool:
        effects, broke, _ = _consumed(answer, script)
        return bool(broke) or effects != _expected_effects(script)

    script = first_counterexample(SCRIPTS, wrong)
    if script is None:
        return None
    effects, broke, trace = _consumed(answer, script)
    expected = _expected_effects(script)
    twice = [m for (m, n), (_, e) in zip(effects, expected, strict=True) if n > e]
    never = [m for (m, n), (_, e) in zip(effects, expected, strict=True) if n < e]
    if broke:
        message = f"your consumer {broke}"
    elif twice:
        message = f"the effect of {twice[0]} is applied more than once"
    else:
        message = f"the effect of {never[0]} is never applied, though it was delivered"
    return Failure(message, "; ".join(trace),
                   _effects(expected), _effects(effects) + (f" ({broke})" if broke else ""))


# -- 5.schema-evolution: version 2 of an order message, FULL compatible ---------------------

#: Version 1 of the event the order service publishes.
ORDER_V1 = Schema("OrderPlaced", [
    Field("order_id", 1, "string"),
    Field("customer_id", 2, "int64"),
    Field("total_cents", 3, "int64"),
    Field("coupon_code", 4, "string"),
    Field("items", 5, "string", repeated=True),
])
RETIRED = "coupon_code"
ADDED = {"currency": "string", "placed_at": "int64"}

#: What a version-1 writer and a version-2 writer publish, field by field.
V1_VALUES: Mapping[str, object] = MappingProxyType({
    "order_id": "ord-42", "customer_id": 7, "total_cents": 129900, "coupon_code": "SPRING",
    "items": ["book", "lamp"]})
V2_VALUES: Mapping[str, object] = MappingProxyType({
    "order_id": "ord-43", "customer_id": 7, "total_cents": 2500, "items": ["book"],
    "currency": "EUR", "placed_at": 1_700_000_000})


def _schema_shape(answer: Schema) -> Failure | None:
    names = {f.name: f for f in answer.fields}
    if answer.name != ORDER_V1.name:
        return Failure(f"version 2 is still the message {ORDER_V1.name}, not {answer.name}")
    if RETIRED in names:
        return Failure(f"retire {RETIRED}: version 2 has no field of that name")
    missing = [f.name for f in ORDER_V1.fields if f.name != RETIRED and f.name not in names]
    if missing:
        return Failure(f"keep the other fields of version 1; missing: {', '.join(missing)}")
    for name, kind in ADDED.items():
        field = names.get(name)
        if field is None or field.type != kind or field.repeated:
            return Failure(f"add {name}, a single {kind}",
                           expected=f"{kind} {name} = <a number>",
                           observed=str(field) if field is not None else "no such field")
    return None


def _schema_full(answer: Schema) -> Failure | None:
    found = compatibility(ORDER_V1, answer, Mode.FULL, json=True)
    if found.holds:
        return None
    first = found.violations[0]
    return Failure(f"{first.rule}: a reader of one version misreads the other's data",
                   expected="no violation in FULL mode, for protobuf and JSON readers",
                   observed=f"{counted(len(found.violations), 'violation')}, the first: "
                   f"{first}")


def _schema_reserved(answer: Schema) -> Failure | None:
    found = compatibility(ORDER_V1, answer, Mode.FULL, json=True)
    if not found.warnings:
        return None
    first = found.warnings[0]
    return Failure(f"{first.rule}: a later version could reuse what {RETIRED} used",
                   expected="no warning",
                   observed=f"{counted(len(found.warnings), 'warning')}, the first: {first}")


def _schema_read(answer: Schema) -> Failure | None:
    values = {f.name: V2_VALUES[f.name] for f in answer.fields if f.name in V2_VALUES}
    for writer, reader, data, direction in ((ORDER_V1, answer, V1_VALUES, "BACKWARD"),
                                            (answer, ORDER_V1, values, "FORWARD")):
        for format in ("protobuf", "json"):
            seen = read_across(writer, reader, data, format=format)
            if not seen.faithful:
                return Failure(f"{direction}: a reader of one version loses data written "
                               f"with the other ({format})",
                               f"{json.dumps(dict(data))} written with "
                               f"{'version 1' if writer is ORDER_V1 else 'version 2'}",
                               "every field read as written",
                               seen.error or f"lost {', '.join(seen.lost) or 'nothing'}, "
                               f"misread {', '.join(seen.misread) or 'nothing'}")
    return None


# -- 5.delivery: the probability that one of k attempts gets through ------------------------

#: Per-attempt success p in tenths, and 1 to 8 attempts.
POINTS = st.tuples(st.integers(0, 10), st.integers(1, 8)).map(
    lambda t: (Fraction(t[0], 10), t[1]))

#: The attempts for which the symbolic step proves the answer for every p.
SYMBOLIC_ATTEMPTS = range(1, 13)


def _delivery_shape(answer: sp.Expr) -> Failure | None:
    names = set(symbols_of(answer))
    if not names <= {"p", "k"}:
        return Failure(f"expected an expression in p and k, found the symbols "
                       f"{', '.join(sorted(names)) or 'none'}")
    return None


def _at(answer: sp.Expr, p: object, k: int) -> sp.Expr:
    return value_at(answer, {"p": sp.Rational(p), "k": k})


def _delivery_points(answer: sp.Expr) -> Failure | None:
    point = first_counterexample(
        POINTS, lambda pk: differs(_at(answer, *pk), delivery_probability(*pk)))
    if point is None:
        return None
    p, k = point
    expected = delivery_probability(p, k)
    value = _at(answer, p, k)
    above = " (a probability above 1)" if value.is_number and value.is_real and value > 1 \
        else ""
    return Failure("your expression is not the delivery probability",
                   f"p = {p}, k = {k}",
                   f"{expected}, as delivery_probability({p}, {k}) gives",
                   shown_value(value) + above)


def _delivery_symbolic(answer: sp.Expr) -> Failure | None:
    symbols = symbols_of(answer)
    p = symbols.get("p", sp.Symbol("p"))
    for k in SYMBOLIC_ATTEMPTS:
        given = sp.sympify(answer).subs({symbols["k"]: k} if "k" in symbols else {}).doit()
        if sp.expand(given - (1 - (1 - p) ** k)) != 0:
            return Failure("your expression agrees at the points tried, but not for every p",
                           f"k = {k}, p a symbol", f"1 - (1 - p)**{k}",
                           shown(sp.expand(given), 80))
    return None


# -- 5.full-jitter: sleep(n, base, cap, rng), uniform on [0, min(cap, base * 2**n)] ----------

#: Retry numbers, bases and caps, in milliseconds; one seed per draw.
SLEEPS = st.tuples(st.integers(1, 64), st.sampled_from((1.0, 5.0, 100.0)),
                   st.sampled_from((10.0, 2000.0, 60000.0)), st.integers(0, 3))

#: The draws the spread step makes, and how far a quarter's share may stray from 1/4.
DRAWS = 2000
SPREAD = 0.04


def _sleep(answer: Callable[..., object], n: int, base: float, cap: float, seed: int) -> object:
    return answer_call(answer, n, base, cap, seeded_rng(seed, "5.full-jitter"))


def _outside(value: object, bound: float) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return True
    return not 0 <= value <= bound * (1 + 1e-12)


def _jitter_bounds(answer: Callable[..., object]) -> Failure | None:
    case = first_counterexample(
        SLEEPS, lambda c: _outside(_sleep(answer, *c), exponential(*c[:3])))
    if case is None:
        return None
    n, base, cap, seed = case
    bound = exponential(n, base, cap)

    def show(value: object) -> str:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return f"{_kind(value)}, not a number of milliseconds"
        return f"{value:g}"

    return Failure("your sleep falls outside [0, min(cap, base * 2**n)]",
                   f"n = {n}, base = {base:g}, cap = {cap:g}, rng = seeded_rng({seed})",
                   f"a sleep in [0, {bound:g}]",
                   observe(lambda: _sleep(answer, n, base, cap, seed), show))


def _jitter_random(answer: Callable[..., object]) -> Failure | None:
    n, base, cap = 3, 5.0, 2000.0
    again = (_sleep(answer, n, base, cap, 0), _sleep(answer, n, base, cap, 0))
    if again[0] != again[1]:
        return Failure("two generators seeded alike gave two different sleeps: draw from "
                       "rng, not from another source of randomness",
                       f"n = {n}, base = {base:g}, cap = {cap:g}, rng = seeded_rng(0), twice",
                       "the same sleep twice", "two different sleeps")
    drawn = [_sleep(answer, n, base, cap, seed) for seed in range(10)]
    if len(set(drawn)) == 1:
        return Failure("your sleep is the same whatever rng draws: there is no jitter",
                       f"n = {n}, base = {base:g}, cap = {cap:g}, rng = seeded_rng(0) to "
                       "seeded_rng(9)",
                       f"ten sleeps spread over [0, {exponential(n, base, cap):g}]",
                       f"{drawn[0]:g} every time")
    return None


def _jitter_spread(answer: Callable[..., object]) -> Failure | None:
    n, base, cap = 3, 5.0, 2000.0
    bound = exponential(n, base, cap)
    rng = seeded_rng(0, "5.full-jitter")
    drawn = [float(cast(float, answer_call(answer, n, base, cap, rng))) for _ in range(DRAWS)]
    quarters = Counter(min(3, math.floor(4 * d / bound)) for d in drawn)
    shares = [quarters[q] / DRAWS for q in range(4)]
    if all(abs(share - 0.25) <= SPREAD for share in shares):
        return None
    return Failure("your sleeps are not spread evenly over [0, min(cap, base * 2**n)]",
                   f"{DRAWS:,} sleeps from one seeded_rng(0), n = {n}, base = {base:g}, "
                   f"cap = {cap:g}: the share in each quarter of [0, {bound:g}]",
                   f"each share 0.25 ± {SPREAD:g}, the mean near {bound / 2:g}",
                   f"shares {', '.join(f'{s:.3f}' for s in shares)}, the mean "
                   f"{sum(drawn) / DRAWS:.3g}")


# -- 5.breaker: a consecutive-failure breaker, step by step like CircuitBreaker ----------------

#: A call sequence: fail_max, reset_timeout and steps, each a gap (seconds since the step
#: before) and an event: "ok" or "fail" (a call whose outcome comes at once), "start" (a
#: call whose outcome is not in yet) and "end ok" or "end fail" (the outcome of the oldest
#: started call still out).
GAPS = st.sampled_from((0, 1, 2, 3, 5, 11))
ONE_AT_A_TIME = st.tuples(st.integers(1, 3), st.sampled_from((1, 2, 5, 10)), st.lists(
    st.tuples(GAPS, st.sampled_from(("ok", "fail"))), min_size=1, max_size=10))
OVERLAPPING = st.tuples(st.integers(1, 3), st.sampled_from((1, 2, 5, 10)), st.lists(
    st.tuples(GAPS, st.sampled_from(("ok", "fail", "start", "end ok", "end fail"))),
    min_size=1, max_size=10))

Calls = tuple[int, int, list[tuple[int, str]]]


class _Both:
    """The learner's breaker and :class:`CircuitBreaker`, fed the same steps."""

    def __init__(self, answer: type, fail_max: int, reset_timeout: int):
        self.model = CircuitBreaker(fail_max, reset_timeout)
        self.breaker = answer_call(answer, fail_max, reset_timeout)
        self.now = 0
        self.out = 0  # calls admitted by both whose outcome is not in yet

    def step(self, gap: int, event: str) -> tuple[str, str]:
        """One step: what the model did and what the learner's breaker did, in words."""
        self.now += gap
        if event.startswith("end"):
            if not self.out:
                return "nothing to end", "nothing to end"
            self.out -= 1
            success = event == "end ok"
            self.model.record(success, self.now)
            answer_call(self.breaker.record, success, self.now)
            return self._after("recorded"), self._after("recorded", learner=True)
        admitted = self.model.allow(self.now)
        said = answer_call(self.breaker.allow, self.now)
        if said is not admitted:
            return self._after(_admitted(admitted)), self._after(_admitted(said), learner=True)
        if admitted and event != "start":
            self.model.record(event == "ok", self.now)
            answer_call(self.breaker.record, event == "ok", self.now)
        elif admitted:
            self.out += 1
        return self._after(_admitted(admitted)), self._after(_admitted(said), learner=True)

    def _after(self, what: str, learner: bool = False) -> str:
        state = answer_call(lambda: self.breaker.state) if learner else self.model.state
        return f"{what}, then {state if isinstance(state, str) else _kind(state)}"


def _admitted(decision: object) -> str:
    if decision is True:
        return "admitted"
    if decision is False:
        return "refused"
    return f"{_kind(decision)}, not a bool"


def _run_both(answer: type, sequence: Calls) -> tuple[int, list[tuple[str, str]]]:
    """Feed ``sequence`` to both breakers: the index of the first step they answer
    differently (-1 if none) and, up to it, both answers to each step."""
    fail_max, reset_timeout, events = sequence
    said: list[tuple[str, str]] = []
    try:
        both = _Both(answer, fail_max, reset_timeout)
        for index, (gap, event) in enumerate(events):
            said.append(both.step(gap, event))
            if said[-1][0] != said[-1][1]:
                return index, said
    except Exception as error:
        said.append(("", str(_broke(error))))
        return len(said) - 1, said
    return -1, said


def _event(at: int, event: str) -> str:
    return {"ok": f"at {at} a call succeeds", "fail": f"at {at} a call fails",
            "start": f"at {at} a call starts", "end ok": f"at {at} the oldest call out "
            "succeeds", "end fail": f"at {at} the oldest call out fails"}[event]


def _breaker_step(strategy: st.SearchStrategy[Calls]) -> Callable[[type], Failure | None]:
    def check(answer: type) -> Failure | None:
        sequence = first_counterexample(strategy, lambda s: _run_both(answer, s)[0] >= 0)
        if sequence is None:
            return None
        index, said = _run_both(answer, sequence)
        fail_max, reset_timeout, events = sequence
        at, steps_done = 0, []
        for gap, event in events[: index + 1]:
            at += gap
            steps_done.append(_event(at, event))
        if not said[index][0]:
            return Failure(f"your breaker {said[index][1]}",
                           f"fail_max={fail_max}, reset_timeout={reset_timeout}; "
                           + "; ".join(steps_done))
        return Failure(f"step {index + 1} is decided differently from CircuitBreaker",
                       f"fail_max={fail_max}, reset_timeout={reset_timeout}; "
                       + "; ".join(steps_done),
                       said[index][0], said[index][1])
    return check


def _breaker_shape(answer: type) -> Failure | None:
    failure = _class_shape("allow", "allow(now)", lambda: (2, 10))(answer)
    if failure is not None:
        return failure
    made = answer_call(answer, 2, 10)
    if not callable(getattr(made, "record", None)):
        return Failure(f"{answer.__name__} has no record(success, now) method")
    state = observe(lambda: answer_call(lambda: made.state),
                    lambda value: value if isinstance(value, str) else _kind(value))
    if state != "closed":
        return Failure(f"a new breaker's state must be 'closed', one of {', '.join(STATES)}",
                       f"{answer.__name__}(2, 10).state", "closed", state)
    return None


# -- 5.timeouts: a chain whose timeouts and retries protect instead of harm ------------------

def inverted_chain() -> Architecture:
    """The lesson's chain web → api → orders → db, with api → ads beside it: every layer
    tries 4 times (4 × 4 × 4 = 64 attempts reach db when it fails), web and api give up on
    an attempt (after 1 s and 2 s) before their callees' own retries could finish (8 s and
    4 s), and api waits on ads with neither a timeout nor a breaker.

    >>> chain = inverted_chain()
    >>> [check(chain).holds for check in (check_retry_amplification,
    ...                                   check_timeout_inversion, check_unguarded_calls)]
    [False, False, False]
    """
    return Architecture([
        Service("web", calls=(Call("api", timeout=1, retries=3),)),
        Service("api", calls=(Call("orders", timeout=2, retries=3), "ads")),
        Service("orders", calls=(Call("db", timeout=1, retries=3),)),
        Service("ads"),
        Service("db"),
    ], name="inverted chain")


def _pairs(architecture: Architecture) -> set[tuple[str, str]]:
    return {(name, call.to) for name, service in architecture.services.items()
            for call in service.calls if call.kind == "sync"}


def _chain_shape(answer: Architecture) -> Failure | None:
    given, wanted = _pairs(answer), _pairs(inverted_chain())
    if given == wanted and set(answer.services) == set(inverted_chain().services):
        return None
    differences = [f"{word} " + ", ".join(f"{a} → {b}" for a, b in sorted(calls))
                   for word, calls in (("missing", wanted - given), ("added", given - wanted))
                   if calls]
    return Failure("keep the chain's services and its synchronous calls, and add none",
                   expected=", ".join(f"{a} → {b}" for a, b in sorted(wanted)),
                   observed="; ".join(differences)
                   or f"services {', '.join(sorted(answer.services))}")


# -- the exercises ---------------------------------------------------------------------------

EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        id="5.idempotency-key",
        statement="Protocol 5.2.1",
        title="Honour an Idempotency-Key",
        task="Write post_order(keys, body, key, create), the server side of POST /orders: "
        "keys is the server's key store (a dict kept between requests), body the request's "
        "JSON object, key its Idempotency-Key or None, and create(body) creates an order "
        "and returns its id. Return (status, order_id): (201, id) for a new order; for a "
        "key seen before with the same body, the stored response again and no new order; "
        "for a key seen with another body, (422, None); without a key, a new order.",
        answer="a function post_order(keys, body, key, create) returning (status, order_id)",
        kind="code",
        difficulty=2,
        steps=steps(("type", a_function("a function post_order(keys, body, key, create)")),
                    ("shape", takes("keys", "body", "key", "create")),
                    ("retries", _idempotency_step(RETRIES)),
                    ("another body", _idempotency_step(REUSED_KEYS))),
        hint="the server cannot tell a retry from a new request by its body alone: only "
        "the key says it is the same operation. Store what the first request was and what "
        "it was answered, under its key, and decide on the key before creating anything.",
        lesson=LESSON_5A,
    ),
    Exercise(
        id="5.idempotent-consumer",
        statement="Protocol 5.2.3",
        title="Consume once under at-least-once delivery",
        task="Write a class Consumer(db) whose handle(message_id) performs each message's "
        "effect with db.apply(message_id) exactly once, although the broker delivers a "
        "message again whenever the consumer crashed or its ack was lost. The consumer "
        "acks after handle returns; after a crash it is started again as Consumer(db) with "
        "the same db, whose table db.processed commits with the effect.",
        answer="a class Consumer(db) with handle(message_id)",
        kind="code",
        difficulty=2,
        steps=steps(("type", _class_type("handle", "handle(message_id)")),
                    ("shape", _class_shape("handle", "handle(message_id)",
                                                 lambda: (Database(),))),
                    ("behaviour", _consumer_behaviour)),
        hint="a redelivered message looks exactly like a new one; what does the consumer "
        "know after a restart? Only what its database kept, in the same transaction as "
        "the effect.",
        lesson=LESSON_5A,
    ),
    Exercise(
        id="5.schema-evolution",
        statement="Protocol 5.2.2",
        title="Evolve a message without breaking a reader",
        task="Write version 2 of ORDER_V1 (OrderPlaced) that retires coupon_code and adds "
        "a string currency and an int64 placed_at, so that compatibility(ORDER_V1, v2, "
        "\"FULL\", json=True) holds without a warning.",
        answer="a Schema named OrderPlaced",
        kind="design",
        difficulty=2,
        steps=steps(("type", lambda x: one_of(x, Schema, "a Schema")),
                    ("shape", _schema_shape), ("FULL", _schema_full),
                    ("reserved", _schema_reserved), ("read across", _schema_read)),
        hint="a reader knows a field by its number on the wire and by its name in JSON. "
        "A retired field's number and name must mean nothing else, ever again.",
        lesson=LESSON_5A,
    ),
    Exercise(
        id="5.delivery",
        statement="Def 5.3.1",
        title="The chance that one of k attempts gets through",
        task="Derive, as a sympy expression in p and k, the probability that a message is "
        "delivered within k independent attempts, each delivered with probability p.",
        answer="a sympy expression in the symbols p and k",
        kind="derivation",
        difficulty=1,
        steps=steps(("type", lambda x: one_of(x, sp.Expr, "a sympy expression")),
                    ("shape", _delivery_shape), ("at points", _delivery_points),
                    ("every p", _delivery_symbolic)),
        hint="a message is lost only when every attempt is lost; the attempts are "
        "independent.",
        lesson=LESSON_5B,
    ),
    Exercise(
        id="5.full-jitter",
        statement="Strategy 5.3.1",
        title="Full jitter",
        task="Write sleep(n, base, cap, rng), the sleep in milliseconds before retry n by "
        "full jitter: drawn from rng (a random.Random), uniformly on [0, min(cap, base * "
        "2**n)].",
        answer="a function sleep(n, base, cap, rng) returning a float",
        kind="code",
        difficulty=1,
        steps=steps(("type", a_function("a function sleep(n, base, cap, rng)")),
                    ("shape", takes("n", "base", "cap", "rng")),
                    ("bounds", _jitter_bounds), ("random", _jitter_random),
                    ("spread", _jitter_spread)),
        hint="the exponential part only sets the ceiling; the sleep itself is a uniform "
        "draw below it, made with the generator you are given.",
        lesson=LESSON_5B,
    ),
    Exercise(
        id="5.breaker",
        statement="Strategy 5.3.2",
        title="A circuit breaker that counts failures",
        task="Write a class Breaker(fail_max, reset_timeout) with allow(now) -> bool, "
        "record(success, now) and a state of 'closed', 'open' or 'half-open', deciding as "
        "CircuitBreaker does: closed admits every call and opens when fail_max failures in "
        "a row are recorded; open refuses calls until reset_timeout seconds have passed since "
        "it opened, then admits one trial call and is half-open; half-open "
        "refuses every other call until the trial's outcome, success closing it and "
        "failure opening it again; an outcome recorded while open changes nothing.",
        answer="a class Breaker(fail_max, reset_timeout) with allow, record and state",
        kind="model",
        difficulty=3,
        steps=steps(("type", _class_type("allow", "allow(now)")), ("shape", _breaker_shape),
                    ("one call at a time", _breaker_step(ONE_AT_A_TIME)),
                    ("overlapping calls", _breaker_step(OVERLAPPING))),
        hint="calls overlap: an outcome may arrive after the breaker has moved on. Which "
        "calls may a half-open breaker let through before it knows how the trial went, "
        "and what may a late outcome change?",
        lesson=LESSON_5B,
    ),
    Exercise(
        id="5.timeouts",
        statement="Strategy 5.3.1",
        title="Timeouts that nest, retries that add up",
        task="Change the timeouts, retries and breakers of inverted_chain() (keep its "
        "services and calls) so that check_retry_amplification, check_timeout_inversion "
        "and check_unguarded_calls all hold.",
        answer="an Architecture with the chain's services and calls",
        kind="design",
        difficulty=2,
        steps=steps(("type", lambda x: one_of(x, Architecture, "an Architecture")),
                    ("shape", _chain_shape),
                    ("amplification", lambda a: violated(check_retry_amplification(a))),
                    ("inversion", lambda a: violated(check_timeout_inversion(a))),
                    ("guarded", lambda a: violated(check_unguarded_calls(a)))),
        hint="retry at one layer, not at every layer; and work from the bottom up: a "
        "caller's timeout for one attempt must cover everything its callee may spend on "
        "its own retries.",
        lesson=LESSON_5B,
    ),
)
