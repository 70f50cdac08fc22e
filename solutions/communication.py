"""Chapter 5 (lessons 5a and 5b)."""

from __future__ import annotations

import random

import sympy as sp

from msatheory.basics.model import Architecture, Call, Service
from msatheory.communication.encoding import Field, Schema

p, k = sp.symbols("p k", nonnegative=True)

# -- 5.idempotency-key -------------------------------------------------------------------------


def post_order(keys, body, key, create):
    """Right: the key decides before anything is created; the first request's body and
    response are stored under it and the response replayed for the same body."""
    if key is None:
        return 201, create(body)
    if key in keys:
        stored_body, response = keys[key]
        return response if stored_body == body else (422, None)
    response = (201, create(body))
    keys[key] = (body, response)
    return response


def post_order_every_time(keys, body, key, create):
    """Wrong: the lesson's starter: every POST creates an order, the key unread."""
    return 201, create(body)


def post_order_key_only(keys, body, key, create):
    """Wrong: the key is remembered, the body is not: another body gets the first order."""
    if key is None:
        return 201, create(body)
    if key not in keys:
        keys[key] = (201, create(body))
    return keys[key]


def post_order_new_id(keys, body, key, create):
    """Wrong: a repeated key is recognised, but the replay makes up a fresh order id
    instead of the stored one."""
    if key is None or key not in keys:
        order_id = create(body)
        if key is not None:
            keys[key] = body
        return 201, order_id
    if keys[key] != body:
        return 422, None
    return 201, f"order-{len(keys) + 1}"


def post_order_none_key(keys, body, key, create):
    """Wrong: a request without a key is stored under None, so a second keyless order
    is answered with the first one."""
    if key in keys:
        stored_body, response = keys[key]
        return response if stored_body == body else (422, None)
    response = (201, create(body))
    keys[key] = (body, response)
    return response


def post_order_body_taken(keys, body, key, create):
    """Wrong: a body seen with another key is refused, as if the key were the body's."""
    if key is None:
        return 201, create(body)
    for stored_key, (stored_body, _) in keys.items():
        if stored_body == body and stored_key != key:
            return 422, None
    if key in keys:
        stored_body, response = keys[key]
        return response if stored_body == body else (422, None)
    response = (201, create(body))
    keys[key] = (body, response)
    return response


# -- 5.idempotent-consumer -----------------------------------------------------------------


class Consumer:
    """Right: the processed id is kept in the database, beside the effect, and checked
    first."""

    def __init__(self, db):
        self.db = db

    def handle(self, message_id):
        if message_id in self.db.processed:
            return
        self.db.apply(message_id)
        self.db.processed.add(message_id)


class AtLeastOnce:
    """Wrong: the lesson's starter: apply whatever is delivered."""

    def __init__(self, db):
        self.db = db

    def handle(self, message_id):
        self.db.apply(message_id)


class InMemory:
    """Wrong: the processed ids are kept in the consumer's memory, lost when it restarts."""

    def __init__(self, db):
        self.db = db
        self.seen = set()

    def handle(self, message_id):
        if message_id not in self.seen:
            self.db.apply(message_id)
            self.seen.add(message_id)


class LastOnly:
    """Wrong: only the last message is remembered, as if redeliveries came at once."""

    def __init__(self, db):
        self.db = db

    def handle(self, message_id):
        if self.db.processed == {message_id}:
            return
        self.db.apply(message_id)
        self.db.processed = {message_id}


class MarkedFirst:
    """Wrong: the id is recorded before the check, so nothing is ever applied."""

    def __init__(self, db):
        self.db = db

    def handle(self, message_id):
        self.db.processed.add(message_id)
        if message_id in self.db.processed:
            return
        self.db.apply(message_id)


# -- 5.schema-evolution ----------------------------------------------------------------------

#: The fields of version 1 that version 2 keeps as they are.
KEPT = (Field("order_id", 1, "string"), Field("customer_id", 2, "int64"),
        Field("total_cents", 3, "int64"), Field("items", 5, "string", repeated=True))


def order_v2(*added: Field, kept: tuple[Field, ...] = KEPT, reserved=(4,),
             reserved_names=("coupon_code",)) -> Schema:
    """Version 2 of OrderPlaced: the ``kept`` fields, then ``added``."""
    return Schema("OrderPlaced", [*kept, *added], reserved=reserved,
                  reserved_names=reserved_names)


ORDER_V2 = order_v2(Field("currency", 6, "string"), Field("placed_at", 7, "int64"))

# -- 5.full-jitter -------------------------------------------------------------------------------


def sleep(n, base, cap, rng):
    """Right: uniform on [0, min(cap, base * 2**n)], drawn from rng."""
    return rng.uniform(0, min(cap, base * 2 ** n))


# -- 5.breaker -----------------------------------------------------------------------------------


class Breaker:
    """Right: consecutive failures open it; one trial call after the timeout; an outcome
    recorded while open is ignored."""

    def __init__(self, fail_max, reset_timeout):
        self.fail_max, self.reset_timeout = fail_max, reset_timeout
        self.state, self.failures, self.opened_at = "closed", 0, None

    def allow(self, now):
        if self.state == "open":
            if now - self.opened_at < self.reset_timeout:
                return False
            self.state = "half-open"
            return True
        return self.state == "closed"

    def record(self, success, now):
        if self.state == "open":
            return
        if success:
            self.state, self.failures = "closed", 0
        elif self.state == "half-open":
            self.state, self.opened_at = "open", now
        else:
            self.failures += 1
            if self.failures >= self.fail_max:
                self.state, self.opened_at = "open", now


class SketchBreaker:
    """Wrong: the lesson's starter, the theory's CircuitBreaker as written: half-open lets
    every call through until an outcome is in, and any failure restamps the timer."""

    def __init__(self, fail_max, reset_timeout):
        self.failure_threshold, self.recovery_timeout = fail_max, reset_timeout
        self.state, self.failure_count, self.last_failure_time = "closed", 0, None

    def allow(self, now):
        if self.state == "open":
            if now - self.last_failure_time > self.recovery_timeout:
                self.state = "half-open"
                return True
            return False
        return True

    def record(self, success, now):
        if success:
            if self.state == "closed":
                self.failure_count = 0
            elif self.state == "half-open":
                self.state, self.failure_count = "closed", 0
        else:
            self.failure_count += 1
            self.last_failure_time = now
            if self.failure_count >= self.failure_threshold:
                self.state = "open"


class HalfOpenFlood(SketchBreaker):
    """Wrong: the sketch with pybreaker's instant, so its half-open state still lets every
    call through until the trial's outcome is in."""

    def allow(self, now):
        if self.state == "open":
            if now - self.last_failure_time < self.recovery_timeout:
                return False
            self.state = "half-open"
        return True


class TotalFailures(Breaker):
    """Wrong: failures are counted in all, not in a row: a success does not reset them."""

    def record(self, success, now):
        if self.state == "open":
            return
        if success and self.state == "half-open":
            self.state, self.failures = "closed", 0
        elif not success and self.state == "half-open":
            self.state, self.opened_at = "open", now
        elif not success:
            self.failures += 1
            if self.failures >= self.fail_max:
                self.state, self.opened_at = "open", now


class StaysOpen(Breaker):
    """Wrong: no half-open state: after the timeout it closes at once, admitting all."""

    def allow(self, now):
        if self.state == "open":
            if now - self.opened_at < self.reset_timeout:
                return False
            self.state, self.failures = "closed", 0
        return True


class LateOutcomeCounts(Breaker):
    """Wrong: an outcome that arrives while open is judged as if half-open."""

    def record(self, success, now):
        if self.state == "open":
            if not success:
                self.opened_at = now
            return
        super().record(success, now)


# -- 5.timeouts ----------------------------------------------------------------------------------


def chain(web_api: Call, api_orders: Call, orders_db: Call, api_ads: Call | str
          ) -> Architecture:
    """The lesson's chain with the given calls."""
    return Architecture([Service("web", calls=(web_api,)),
                         Service("api", calls=(api_orders, api_ads)),
                         Service("orders", calls=(orders_db,)), Service("ads"),
                         Service("db")], name="inverted chain")


#: Right: retries at two layers (2 × 2 = 4 attempts at db), each caller's attempt long
#: enough for its callee's retries (orders may spend 2 × 0.5 s = 1 s on db, api 2 × 1.5 s
#: = 3 s on orders), and ads guarded by a short timeout.
NESTED = chain(Call("api", timeout=3), Call("orders", timeout=1.5, retries=1),
               Call("db", timeout=0.5, retries=1), Call("ads", timeout=0.2))


SOLUTIONS: dict[str, object] = {
    "5.idempotency-key": post_order,
    "5.idempotent-consumer": Consumer,
    "5.schema-evolution": ORDER_V2,
    "5.delivery": 1 - (1 - p) ** k,
    "5.full-jitter": sleep,
    "5.breaker": Breaker,
    "5.timeouts": NESTED,
}

MUTANTS: dict[str, list[object]] = {
    "5.idempotency-key": [post_order_every_time, post_order_key_only, post_order_new_id,
                          post_order_none_key, post_order_body_taken,
                          lambda keys, body, key, create: create(body)],   # not a pair
    "5.idempotent-consumer": [AtLeastOnce, InMemory, LastOnly, MarkedFirst,
                              Consumer(None)],                 # an object, not the class
    "5.schema-evolution": [
        # the lesson's starter: currency takes coupon_code's number 4
        Schema("OrderPlaced", [*KEPT, Field("currency", 4, "string"),
                               Field("placed_at", 6, "int64")]),
        order_v2(Field("currency", 6, "string"), Field("placed_at", 7, "int64"),
                 reserved=(), reserved_names=()),       # deleted, nothing reserved
        order_v2(Field("currency", 6, "string"), Field("placed_at", 7, "int64"),
                 reserved_names=()),                    # the number reserved, not the name
        order_v2(Field("currency", 6, "string"), Field("placed_at", 7, "int64"),
                 kept=(*KEPT[:2], Field("total_cents", 3, "int32"), KEPT[3])),
        order_v2(Field("currency", 6, "string"), Field("placed_at", 7, "string")),
        order_v2(Field("currency", 6, "string"), Field("placed_at", 7, "int64"),
                 kept=(KEPT[0], Field("customer_id", 8, "int64"), *KEPT[2:]),
                 reserved=(2, 4)),                      # a field moved to a new number
        "message OrderPlaced { string currency = 6; }",  # a string, not a Schema
    ],
    "5.delivery": [
        k * p,                   # the lesson's starter: each attempt adds its chance
        p ** k,                  # every attempt must succeed
        1 - (1 - p) ** (k - 1),  # counts the retries, not the attempts
        (1 - p) ** k,            # the probability that every attempt is lost
        1 - p ** k,
        sp.Integer(1),
    ],
    "5.full-jitter": [
        lambda n, base, cap, rng: min(cap, base * 2 ** n),          # the starter: no jitter
        lambda n, base, cap, rng: rng.uniform(0, base * 2 ** n),    # no cap
        lambda n, base, cap, rng: (t := min(cap, base * 2 ** n)) / 2 + rng.uniform(0, t / 2),
        lambda n, base, cap, rng: random.uniform(0, min(cap, base * 2 ** n)),  # not rng
        lambda n, base, cap, rng: rng.uniform(0, min(cap, base * 2 ** (n - 1))),
        lambda n, base, cap, rng: min(cap, base * 2 ** n) * rng.random() ** 2,
        lambda n, base, cap: 0.0,
    ],
    "5.breaker": [SketchBreaker, HalfOpenFlood, TotalFailures, StaysOpen, LateOutcomeCounts,
                  Breaker(2, 10)],                      # an object, not the class
    "5.timeouts": [
        chain(Call("api", timeout=1, retries=3),        # the lesson's starter, unchanged
              Call("orders", timeout=2, retries=3),
              Call("db", timeout=1, retries=3), "ads"),
        chain(Call("api", timeout=1), Call("orders", timeout=2),     # no retries, but
              Call("db", timeout=0.5), Call("ads", timeout=0.2)),    # still inverted
        chain(Call("api", timeout=3), Call("orders", timeout=1.5, retries=1),
              Call("db", timeout=0.5, retries=1), "ads"),            # ads still unguarded
        chain(Call("api", timeout=3, retries=1), Call("orders", timeout=1.5, retries=1),
              Call("db", timeout=0.5, retries=2), Call("ads", timeout=0.2)),  # 2 × 2 × 3
        Architecture([Service("web", calls=(Call("api", timeout=3),)),   # ads dropped
                      Service("api", calls=(Call("orders", timeout=1.5, retries=1),)),
                      Service("orders", calls=(Call("db", timeout=0.5, retries=1),)),
                      Service("db")]),
    ],
}
