"""Chapter 6 (lessons 6a and 6b)."""

from __future__ import annotations

import sympy as sp

from msatheory.data.history import History, Operation
from msatheory.data.saga import Change, Saga, Step
from msatheory.data.vertical import VerticalSplit, best_split, shop_product, shop_product_queries

N, R, W = sp.symbols("N R W")

# -- 6.jump-hash -----------------------------------------------------------------------------

MASK = (1 << 64) - 1


def jump(key, buckets):
    """Right: Lamping and Veach's loop, the LCG step masked to 64 bits, the jump computed
    in floating point as the reference does."""
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * 2862933555777941757 + 1) & MASK
        j = int((b + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return b


def jump_unmasked(key, buckets):
    """Wrong: the lesson's starter, the C++ ported as is: Python's int never wraps, so the
    key grows past 64 bits until it no longer fits in a float."""
    b, j = -1, 0
    while j < buckets:
        b = j
        key = key * 2862933555777941757 + 1
        j = int((b + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return b


def jump_integer_division(key, buckets):
    """Wrong: the division made integer, so the ratio is truncated before it is scaled."""
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * 2862933555777941757 + 1) & MASK
        j = (b + 1) * ((1 << 31) // ((key >> 33) + 1))
    return b


def jump_returns_j(key, buckets):
    """Wrong: off by one: returns the jump that left the range, not the last bucket in it."""
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * 2862933555777941757 + 1) & MASK
        j = int((b + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return j


def jump_shift_32(key, buckets):
    """Wrong: the top 31 bits taken as key >> 32, one bit too many."""
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * 2862933555777941757 + 1) & MASK
        j = int((b + 1) * (float(1 << 31) / float((key >> 32) + 1)))
    return b


# -- 6.g-counter-merge ---------------------------------------------------------------------------


def merge(a, b):
    """Right: each replica's larger count."""
    return {r: max(a.get(r, 0), b.get(r, 0)) for r in a | b}


def merge_sum(a, b):
    """Wrong: the lesson's starter: both replicas' increments added, so a state delivered
    twice counts twice."""
    return {r: a.get(r, 0) + b.get(r, 0) for r in a | b}


def merge_larger_total(a, b):
    """Wrong: the state with the larger total wins whole, losing the other's increments."""
    return a if sum(a.values()) >= sum(b.values()) else b


def merge_left_keys(a, b):
    """Wrong: only the replicas the first state knows are kept."""
    return {r: max(c, b.get(r, 0)) for r, c in a.items()}


def merge_min(a, b):
    """Wrong: each replica's smaller count: a lattice, but the meet, not the join."""
    return {r: min(a.get(r, 0), b.get(r, 0)) for r in a | b}


def merge_last(a, b):
    """Wrong: the state that arrives last replaces the local one."""
    return dict(b)


# -- 6.vertical-split ----------------------------------------------------------------------------

PRODUCT = shop_product()
#: Right: the small hot columns apart from the large cold ones, and the specs, read alone by
#: their tab, apart from the rest; category, read only by the search indexer, with the text.
HOT_AND_COLD = VerticalSplit(PRODUCT, [["name", "price", "stock", "rating"],
                                       ["category", "description", "images"], ["specs"]])
#: Wrong: the split in two with the fewest bytes (best_split's, which lesson 6a prints).
IN_TWO = VerticalSplit(PRODUCT, [["name", "price", "stock", "rating"],
                                 ["category", "description", "images", "specs"]])

# -- 6.session-guarantees ------------------------------------------------------------------------

#: Right: bob never writes, reads alice's write from a fresh replica, then the initial value
#: from a stale one.
STALE_SECOND_READ = History([
    Operation("alice", "write", 1, 0, 1),
    Operation("bob", "read", 1, 2, 3),
    Operation("bob", "read", None, 4, 5),
])
#: Wrong: the lesson's starter: alice's second read goes to a stale replica, which breaks
#: read your writes as well.
OWN_WRITE_LOST = History([
    Operation("alice", "write", 1, 0, 1),
    Operation("alice", "read", 1, 2, 3),
    Operation("alice", "read", None, 4, 5),
])

# -- 6.saga-compensations ------------------------------------------------------------------------

CREATE = Step("create_order", "order", [Change("order", "o1", "set", "APPROVAL_PENDING")],
              [Change("order", "o1", "set", "REJECTED")])
RESERVE = Step("reserve_stock", "inventory",
               [Change("inventory", "widget.available", "add", -1, least=0),
                Change("inventory", "widget.reserved", "add", 1)],
               [Change("inventory", "widget.available", "add", 1),
                Change("inventory", "widget.reserved", "add", -1)])
CHARGE = Step("charge_payment", "payment",
              [Change("payment", "alice.balance", "add", -30, least=0)],
              [Change("payment", "alice.balance", "add", 30)])
BOOK = Step("book_delivery", "delivery", [Change("delivery", "couriers", "add", -1, least=0)],
            kind="pivot")
APPROVE = Step("approve_order", "order", [Change("order", "o1", "set", "APPROVED")],
               kind="retriable")


def order_saga(*replaced: Step) -> Saga:
    """The order saga, each step of ``replaced`` in place of the right one of its name."""
    by_name = {step.name: step for step in replaced}
    return Saga("create order o1", [by_name.get(step.name, step)
                                    for step in (CREATE, RESERVE, CHARGE, BOOK, APPROVE)])


#: Right: every compensatable step undoes each of its changes; the courier booking, which
#: nothing undoes, is the pivot, and only a retriable step comes after it.
ORDER_SAGA = order_saga()
#: Wrong: the lesson's starter: the release puts the widget back on the shelf but leaves it
#: reserved, and the charge has no refund.
HALF_UNDONE = order_saga(
    Step("reserve_stock", "inventory", RESERVE.action,
         [Change("inventory", "widget.available", "add", 1)]),
    Step("charge_payment", "payment", CHARGE.action, None))

SOLUTIONS: dict[str, object] = {
    "6.mod-n-moves": N / (N + 1),
    "6.jump-hash": jump,
    "6.vertical-split": HOT_AND_COLD,
    "6.stale-read": sp.binomial(N - W, R) / sp.binomial(N, R),
    "6.g-counter-merge": merge,
    "6.session-guarantees": STALE_SECOND_READ,
    "6.saga-compensations": ORDER_SAGA,
}

MUTANTS: dict[str, list[object]] = {
    "6.mod-n-moves": [
        1 / (N + 1),          # the lesson's starter: only the new node's share moves
        1 / N,
        (N - 1) / N,
        N / (N + 1) + sp.prod([N - j for j in range(1, 25)]),   # right at every point tried
        sp.Symbol("M") / (N + 1),                               # another symbol
    ],
    "6.jump-hash": [jump_unmasked, jump_integer_division, jump_returns_j, jump_shift_32,
                    lambda key, buckets: key % buckets,          # mod N, not jump hash
                    lambda key: 0],
    "6.vertical-split": [
        best_split(PRODUCT, shop_product_queries()),   # the starter: fewest cross-shard reads
        IN_TWO,                                         # the least cost in two: 8.5% of bytes
        VerticalSplit(PRODUCT, [["name", "price", "rating"],            # the cart crosses
                                ["stock", "category", "description", "images", "specs"]]),
        VerticalSplit(PRODUCT, [PRODUCT.attributes]),                   # not split
        HOT_AND_COLD.fragments,                                         # not a VerticalSplit
    ],
    "6.stale-read": [
        (1 - W / N) ** R,     # the starter: replicas drawn with replacement
        1 - R * W / N,        # the union bound
        sp.binomial(N - W, R) / sp.binomial(N, W),
        (N - W) / N,          # one replica read
        sp.binomial(N - W, R) / sp.binomial(N, R) + sp.Symbol("k"),
    ],
    "6.g-counter-merge": [merge_sum, merge_larger_total, merge_left_keys, merge_min,
                          merge_last,
                          lambda a, b: sum(a.values()) + sum(b.values()),   # a number
                          ],
    "6.session-guarantees": [
        OWN_WRITE_LOST,
        History([Operation("alice", "write", 1, 0, 1),         # linearizable: reads move on
                 Operation("bob", "read", None, 0, 1),
                 Operation("bob", "read", 1, 2, 3)]),
        History([Operation("alice", "write", 1, 0, 1),         # one read: nothing to compare
                 Operation("bob", "read", None, 2, 3)]),
        list(STALE_SECOND_READ),                              # operations, not a History
    ],
    "6.saga-compensations": [
        HALF_UNDONE,
        order_saga(Step("charge_payment", "payment", CHARGE.action,      # a partial refund
                        [Change("payment", "alice.balance", "add", 20)])),
        order_saga(Step("create_order", "order", CREATE.action,          # "undone" by
                        [Change("order", "o1", "set", "APPROVAL_PENDING")])),  # restating it
        order_saga(Step("book_delivery", "delivery", BOOK.action),       # the pivot too late:
                   Step("approve_order", "order", APPROVE.action, kind="pivot")),  # no undo
        order_saga(Step("charge_payment", "payment",                     # an action changed
                        [Change("payment", "alice.balance", "add", -20, least=0)],
                        CHARGE.compensation)),
        list(ORDER_SAGA.steps),                                          # steps, not a Saga
    ],
}
