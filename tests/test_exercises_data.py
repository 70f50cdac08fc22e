"""Chapter 6's exercises on answers the generic tests do not try: other right answers (the
package's own models among them), answers that raise or loop, the feedback each starter
gives, and the oracles behind the checks."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from msatheory.data.consistency import check_monotonic_reads, check_read_your_writes
from msatheory.data.crdt import GCounter
from msatheory.data.history import History, Operation
from msatheory.data.quorum import stale_probability
from msatheory.data.saga import Change, Step, shop_saga
from msatheory.data.sharding import jump_hash, moved_fraction_mod_n
from msatheory.data.vertical import (
    VerticalSplit,
    best_split,
    bytes_read,
    cross_shard_weight,
    shop_product,
    shop_product_queries,
)
from msatheory.exercises import check, exercises
from msatheory.exercises.data import HOT, LESSON_6A, LESSON_6B, SAVING
from solutions.data import (
    CHARGE,
    CREATE,
    HALF_UNDONE,
    HOT_AND_COLD,
    IN_TWO,
    OWN_WRITE_LOST,
    PRODUCT,
    STALE_SECOND_READ,
    jump,
    jump_unmasked,
    merge_min,
    merge_sum,
    order_saga,
)

N, R, W = sp.symbols("N R W")


def test_chapter_6_has_its_share_over_both_lessons():
    posed = [e for e in exercises() if e.chapter == 6]
    assert len(posed) >= 6 and len({e.kind for e in posed}) >= 3
    for lesson in (LESSON_6A, LESSON_6B):
        assert sum(e.lesson == lesson for e in posed) >= 3
    assert [e.lesson for e in posed] == sorted(e.lesson for e in posed)  # in lesson order
    assert {e.statement for e in posed if e.lesson == LESSON_6A} == {
        "Def 6.2.1", "Strategy 6.2.1", "Strategy 6.2.2"}
    assert {e.difficulty for e in posed} == {1, 2, 3}


def test_other_right_answers_pass():
    assert check("6.mod-n-moves", 1 - sp.Min(N, N + 1) / sp.lcm(N, N + 1)).passed
    assert check("6.jump-hash", jump_hash).passed          # the model passes its exercise
    assert check("6.vertical-split", VerticalSplit(PRODUCT, [
        ["name", "price", "stock", "rating"], ["category"], ["description"], ["images"],
        ["specs"]])).passed
    assert check("6.stale-read", sp.binomial(N - R, W) / sp.binomial(N, W)).passed
    assert check("6.stale-read", sp.factorial(N - W) * sp.factorial(N - R)
                 / (sp.factorial(N) * sp.factorial(N - W - R))).passed
    assert check("6.g-counter-merge",
                 lambda a, b: dict(GCounter(a).merge(GCounter(b)).counts)).passed

    def merge_in_place(a, b):   # keeps zero counts and mutates its argument: still a join
        for replica, count in b.items():
            a[replica] = max(a.get(replica, 0), count)
        a.setdefault("r1", 0)
        return a

    assert check("6.g-counter-merge", merge_in_place).passed
    two_writes = History([Operation("alice", "write", 1, 0, 1),
                          Operation("alice", "write", 2, 2, 3),
                          Operation("alice", "read", 2, 4, 5),
                          Operation("bob", "read", 2, 4, 5),
                          Operation("bob", "read", 1, 6, 7)])
    assert check("6.session-guarantees", two_writes).passed
    assert check("6.saga-compensations", shop_saga("o1")).passed   # the model's own saga
    cancelled = order_saga(Step("create_order", "order", CREATE.action,   # any other status
                                [Change("order", "o1", "set", "CANCELLED")]))
    assert check("6.saga-compensations", cancelled).passed


def test_the_starters_fail_where_the_lesson_says():
    starters = {
        "6.mod-n-moves": (1 / (N + 1), "at points"),
        "6.jump-hash": (jump_unmasked, "range"),
        "6.vertical-split": (best_split(shop_product(), shop_product_queries()), "bytes"),
        "6.stale-read": ((1 - W / N) ** R, "strict quorums"),
        "6.g-counter-merge": (merge_sum, "idempotent"),
        "6.session-guarantees": (OWN_WRITE_LOST, "read your writes"),
        "6.saga-compensations": (HALF_UNDONE, "atomicity"),
    }
    assert set(starters) == {e.id for e in exercises() if e.chapter == 6}
    for exercise_id, (answer, step) in starters.items():
        feedback = check(exercise_id, answer)
        assert not feedback.passed and feedback.step[0] == step, str(feedback)


def test_feedback_names_the_smallest_counterexample():
    unmasked = check("6.jump-hash", jump_unmasked)
    assert unmasked.failure is not None
    assert unmasked.failure.counterexample == "key = 1, buckets = 7"
    assert unmasked.failure.observed == "raised OverflowError: int too large to convert to float"
    share = check("6.mod-n-moves", 1 / (N + 1))
    assert share.failure is not None
    assert (share.failure.counterexample, share.failure.observed) == ("N = 2", "1/3")
    assert share.failure.expected == "2/3, as moved_fraction_mod_n(2, 2 + 1) gives"
    drawn = check("6.stale-read", (1 - W / N) ** R)
    assert drawn.failure is not None
    assert drawn.failure.counterexample == "N = 2, R = 2, W = 1"
    assert (drawn.failure.expected.split(",")[0], drawn.failure.observed) == ("0", "1/4")
    twice = check("6.g-counter-merge", merge_sum)
    assert twice.failure is not None and twice.failure.counterexample == "a = {'r1': 1}"
    assert twice.failure.observed == "merge(a, a) = {'r1': 2}"
    meet = check("6.g-counter-merge", merge_min)
    assert meet.step == ("least upper bound", 7)   # the three laws hold for a meet too
    assert meet.failure is not None and meet.failure.counterexample == "a = {}, b = {'r1': 1}"
    assert meet.failure.message.startswith("your merge loses increments of r1")
    cart = check("6.vertical-split", VerticalSplit(PRODUCT, [
        ["name", "price", "rating"], ["stock", "category", "description", "images", "specs"]]))
    assert cart.failure is not None
    assert cart.failure.message == "the cart query (18,000 a minute) visits 2 shards"
    half = check("6.saga-compensations", HALF_UNDONE)
    assert half.failure is not None
    assert half.failure.counterexample == (
        "run([SagaInstance(saga, 'o1', fail_at='charge_payment')], shop_state())")
    assert half.failure.observed.endswith("reserve_stock left inventory.widget.reserved +1")
    no_refund = check("6.saga-compensations", order_saga(       # found only at the pivot
        Step("charge_payment", "payment", CHARGE.action, None)))
    assert no_refund.failure is not None and no_refund.failure.counterexample == (
        "run([SagaInstance(saga, 'o1', fail_at='book_delivery')], shop_state())")
    lost = check("6.session-guarantees", OWN_WRITE_LOST)
    assert lost.failure is not None and lost.failure.counterexample == (
        "alice: write x=1 [0, 1]; alice: read x=initial [4, 5]")


def test_the_symbolic_step_catches_what_agrees_at_every_point_tried():
    vanishing = sp.prod([N - j for j in range(1, 25)])
    feedback = check("6.mod-n-moves", N / (N + 1) + vanishing)
    assert feedback.step == ("every N", 4), str(feedback)


def test_answers_that_loop_raise_or_mistype_get_a_message():
    def loops(key, buckets):
        while True:
            key += 1

    looped = check("6.jump-hash", loops)
    assert looped.step == ("range", 3)
    assert looped.failure is not None and looped.failure.observed.startswith("ran more than")
    assert check("6.jump-hash", lambda key, buckets: float(jump(key, buckets))).step == (
        "range", 3)
    raised = check("6.g-counter-merge", lambda a, b: {r: max(a[r], b[r]) for r in a | b})
    assert raised.step == ("a state", 3)
    assert raised.failure is not None and raised.failure.observed == "raised KeyError: 'r1'"
    assert "0x" not in str(check("6.g-counter-merge", lambda a, b: object()))
    assert check("6.mod-n-moves", 1 / (N - 1)).step == ("at points", 3)   # zoo at N = 1
    assert check("6.stale-read", 0.5).step == ("type", 1)
    assert check("6.stale-read", sp.Symbol("n") / N).step == ("shape", 2)
    unanswered = History([Operation("alice", "write", 1, 0, 1),
                          Operation("bob", "read", 1, 2, 3), Operation("bob", "read", None, 4,
                                                                        None)])
    assert check("6.session-guarantees", unanswered).step == ("shape", 2)


def test_the_models_behind_the_checks():
    assert [moved_fraction_mod_n(n, n + 1) for n in (1, 2, 9)] == [
        Fraction(1, 2), Fraction(2, 3), Fraction(9, 10)]
    assert stale_probability(3, 2, 1) == Fraction(1, 3)
    assert stale_probability(4, 2, 2) == Fraction(1, 6)
    assert stale_probability(2, 2, 1) == 0                  # a strict quorum
    queries = shop_product_queries()
    whole = bytes_read(VerticalSplit(PRODUCT, [PRODUCT.attributes]), queries)
    assert bytes_read(HOT_AND_COLD, queries) <= SAVING * whole
    assert all(not cross_shard_weight(HOT_AND_COLD, [q]) for q in queries if q.weight >= HOT)
    fewest = best_split(PRODUCT, queries)    # the fewest cross-shard reads, not fewest bytes
    assert cross_shard_weight(fewest, queries) < cross_shard_weight(HOT_AND_COLD, queries)
    assert bytes_read(fewest, queries) > SAVING * whole
    cheapest_in_two = best_split(PRODUCT, queries, objective="cost", join_bytes=1000)
    assert cheapest_in_two.fragments == IN_TWO.fragments    # what lesson 6a prints
    assert bytes_read(cheapest_in_two, queries) > SAVING * whole
    assert check_read_your_writes(STALE_SECOND_READ).holds
    assert not check_monotonic_reads(STALE_SECOND_READ).holds
    assert [jump(1, n) for n in range(1, 8)] == [jump_hash(1, n) for n in range(1, 8)]
