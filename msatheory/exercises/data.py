"""Chapter 6's exercises (lessons 6a and 6b): sharding, and replicas and consistency.

Each exercise judges the answer with the chapter's own models: the fraction of keys that
move under ``hash mod N`` when a node joins (Def 6.2.1, 数据分片) against
:func:`~msatheory.data.sharding.moved_fraction_mod_n`; jump consistent hash (Strategy
6.2.1, 水平分片) against :func:`~msatheory.data.sharding.jump_hash` on searched keys; a
vertical split of the shop's product (Strategy 6.2.2, 垂直分片) with
:func:`~msatheory.data.vertical.cross_shard_weight` and
:func:`~msatheory.data.vertical.bytes_read`; the probability that a partial-quorum read is
stale (Def 6.3.1, 数据复制) against :func:`~msatheory.data.quorum.stale_probability`; a
G-Counter's merge (Strategy 6.1.1, 最终一致性) by the semilattice laws and against
:meth:`~msatheory.data.crdt.GCounter.merge` on searched states; a history that keeps one
session guarantee and breaks another (Def 6.1.1, 数据一致性) with
:func:`~msatheory.data.consistency.check_read_your_writes` and
:func:`~msatheory.data.consistency.check_monotonic_reads`; the compensations of the shop's
order saga (事务处理, the way across services to Strategy 6.1.1's eventual consistency) with
:func:`~msatheory.data.saga.run` and :func:`~msatheory.data.saga.check_semantic_atomicity`,
the saga failing at each step in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import cast

import sympy as sp
from hypothesis import strategies as st

from msatheory.data.consistency import Judgement, check_monotonic_reads, check_read_your_writes
from msatheory.data.crdt import GCounter
from msatheory.data.history import History
from msatheory.data.quorum import stale_probability
from msatheory.data.saga import (
    Change,
    Saga,
    SagaInstance,
    check_semantic_atomicity,
    run,
    shop_saga,
    shop_state,
)
from msatheory.data.sharding import jump_hash, moved_fraction_mod_n
from msatheory.data.vertical import (
    VerticalSplit,
    bytes_read,
    cross_shard_weight,
    shop_product,
    shop_product_queries,
)
from msatheory.exercises.exercise import (
    Exercise,
    Failure,
    a_function,
    answer_call,
    first_counterexample,
    observe,
    one_of,
    shown,
    steps,
    takes,
)
from msatheory.exercises.symbolic import differs, shown_value, symbols_of, value_at
from msatheory.theory.render import counted

__all__ = ["EXERCISES", "HOT", "SAVING"]

LESSON_6A = "notebooks/06a_sharding.ipynb"
LESSON_6B = "notebooks/06b_replicas_and_consistency.ipynb"


# -- sympy answers: the symbols used, the value at a point -------------------------------------

def _in(*names: str) -> Callable[[sp.Expr], Failure | None]:
    """The shape step of a derivation: no symbol but ``names``."""

    def check(answer: sp.Expr) -> Failure | None:
        found = set(symbols_of(answer))
        if found <= set(names):
            return None
        return Failure(f"expected an expression in {', '.join(names)}, found the symbols "
                       f"{', '.join(sorted(found))}")

    return check


def _points(answer: sp.Expr, points: st.SearchStrategy[dict[str, int]],
            oracle: Callable[[dict[str, int]], Fraction], message: str, call: str
            ) -> Failure | None:
    """The first point of ``points`` where ``answer`` differs from ``oracle``."""
    point = first_counterexample(points, lambda p: differs(value_at(answer, p), oracle(p)))
    if point is None:
        return None
    where = ", ".join(f"{name} = {value}" for name, value in point.items())
    return Failure(message, where, f"{oracle(point)}, as {call.format(**point)} gives",
                   shown_value(value_at(answer, point)))


# -- 6.mod-n-moves: the keys that move when one node joins N under hash mod N ----------------

#: The node counts the points step tries; the symbolic step then proves the rest.
MOST_NODES = 24
NODES = st.integers(1, MOST_NODES).map(lambda n: {"N": n})
SYMBOLIC_NODES = sp.Symbol("N", positive=True, integer=True)


def _one_joins(point: dict[str, int]) -> Fraction:
    return moved_fraction_mod_n(point["N"], point["N"] + 1)


def _mod_n_points(answer: sp.Expr) -> Failure | None:
    return _points(answer, NODES, _one_joins, "your expression is not the fraction of keys "
                   "hash mod N moves", "moved_fraction_mod_n({N}, {N} + 1)")


def _mod_n_symbolic(answer: sp.Expr) -> Failure | None:
    symbols = symbols_of(answer)
    given = sp.sympify(answer).subs({symbols["N"]: SYMBOLIC_NODES} if "N" in symbols else {})
    wanted = SYMBOLIC_NODES / (SYMBOLIC_NODES + 1)
    difference = sp.cancel(sp.together(given - wanted))
    if difference != 0 and not difference.is_rational_function(SYMBOLIC_NODES):
        difference = sp.simplify(difference)
    if difference == 0:
        return None
    return Failure(f"your expression agrees for N = 1 to {MOST_NODES}, but not for every N",
                   "N a positive integer symbol", "N/(N + 1)", shown(given, 80))


# -- 6.jump-hash: Lamping and Veach's jump consistent hash, in 64-bit arithmetic -------------

#: Keys are unsigned 64-bit integers; the bucket counts a search tries.
KEYS = st.tuples(st.integers(0, 2 ** 64 - 1), st.integers(1, 2 ** 16))


def _bucket(answer: Callable[[int, int], object], key: int, buckets: int) -> object:
    return answer_call(answer, key, buckets)


def _out_of_range(value: object, buckets: int) -> bool:
    return type(value) is not int or not 0 <= value < buckets


def _case(key: int, buckets: int) -> str:
    return f"key = {key}, buckets = {buckets}"


def _jump_range(answer: Callable[[int, int], object]) -> Failure | None:
    case = first_counterexample(KEYS, lambda c: _out_of_range(_bucket(answer, *c), c[1]))
    if case is None:
        return None

    def show(value: object) -> str:
        return repr(value) if type(value) is int else f"{_kind(value)}, not an int"

    return Failure("your function does not return a bucket from 0 to buckets - 1",
                   _case(*case), f"an int from 0 to {case[1] - 1}",
                   observe(lambda: _bucket(answer, *case), show))


def _jump_same(answer: Callable[[int, int], object]) -> Failure | None:
    case = first_counterexample(KEYS, lambda c: _bucket(answer, *c) != jump_hash(*c))
    if case is None:
        return None
    return Failure("your function puts a key in another bucket than jump_hash",
                   _case(*case), f"{jump_hash(*case)}, as jump_hash({case[0]}, {case[1]}) "
                   "gives", observe(lambda: _bucket(answer, *case)))


def _kind(answer: object) -> str:
    text, name = shown(answer), type(answer).__name__
    return f"{name} {text}" if text else f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


# -- 6.vertical-split: the shop's product split for what its queries read -------------------

#: Queries at least this frequent (per minute) must each visit one shard.
HOT = 3000
#: The split must read at most this share of the bytes the unsplit table reads.
SAVING = Fraction(1, 15)


def _split_shape(answer: VerticalSplit) -> Failure | None:
    product = shop_product()
    entity = answer.entity
    if (entity.name, entity.key, dict(entity.columns)) != (product.name, product.key,
                                                         dict(product.columns)):
        return Failure("split the shop's product, shop_product(), not another entity",
                       expected=repr(product), observed=shown(entity, 200))
    if answer.k < 2:
        return Failure("a split keeps the columns on at least two shards",
                       expected="2 shards or more", observed="1 shard")
    return None


def _split_hot(answer: VerticalSplit) -> Failure | None:
    for query in shop_product_queries():
        if query.weight >= HOT and cross_shard_weight(answer, [query]):
            shards = sorted({answer.shard_of(c) for c in query.columns if c != "id"})
            return Failure(f"the {query.name} query ({query.weight:,} a minute) visits "
                           f"{counted(len(shards), 'shard')}",
                           f"{query.name} reads {', '.join(query.columns)}",
                           f"every query run {HOT:,} times a minute or more on one shard",
                           "; ".join(f"shard {s}: {', '.join(answer.fragments[s])}"
                                     for s in shards))
    return None


def _split_bytes(answer: VerticalSplit) -> Failure | None:
    product, queries = shop_product(), shop_product_queries()
    whole = bytes_read(VerticalSplit(product, [product.attributes]), queries)
    read = bytes_read(answer, queries)
    if read <= SAVING * whole:
        return None
    return Failure("your split still reads most of each row it touches",
                   "bytes_read(split, shop_product_queries()) against the unsplit table's "
                   f"{whole:,} bytes a minute",
                   f"at most {SAVING} of them, {int(SAVING * whole):,}",
                   f"{read:,}, {float(Fraction(read) / whole):.0%} of them")


# -- 6.stale-read: the chance that a partial-quorum read misses the latest write ------------

#: Quorum settings: N replicas, a read quorum R and a write quorum W, each from 1 to N.
QUORUMS = st.integers(1, 9).flatmap(lambda n: st.tuples(
    st.just(n), st.integers(1, n), st.integers(1, n))).map(
    lambda t: {"N": t[0], "R": t[1], "W": t[2]})


def _stale(point: dict[str, int]) -> Fraction:
    return stale_probability(point["N"], point["R"], point["W"])


def _stale_step(strict: bool) -> Callable[[sp.Expr], Failure | None]:
    kind = "strict (R + W > N)" if strict else "partial (R + W <= N)"

    def check(answer: sp.Expr) -> Failure | None:
        points = QUORUMS.filter(lambda p: (p["R"] + p["W"] > p["N"]) is strict)
        return _points(answer, points, _stale,
                       f"your expression is not the probability of a stale read for a "
                       f"{kind} quorum", "stale_probability({N}, {R}, {W})")

    return check


# -- 6.g-counter-merge: the join of two grow-only counters -----------------------------------

REPLICAS = ("r1", "r2", "r3")
#: A G-Counter's state: each replica's count of increments (absent: 0).
STATES = st.dictionaries(st.sampled_from(REPLICAS), st.integers(0, 3), max_size=3)

State = dict[str, int]


def _merged(answer: Callable[[State, State], object], a: State, b: State) -> object:
    """The learner's merge of copies of ``a`` and ``b``, as a state with zeros dropped
    (or what it returned, when that is no state)."""
    got = answer_call(answer, dict(a), dict(b))
    if not isinstance(got, Mapping) or not all(
            isinstance(r, str) and type(c) is int and c >= 0 for r, c in got.items()):
        return _NotAState(got)
    return _state(got)


class _NotAState:
    """What a merge returned that is not a counter's state."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"{_kind(self.value)}, not a dict of replica to count"


def _state(counts: Mapping[str, int]) -> State:
    return {r: c for r, c in sorted(counts.items()) if c}


def _state_shape(answer: Callable[[State, State], object]) -> Failure | None:
    a, b = {"r1": 1}, {"r2": 2}
    got = observe(lambda: _merged(answer, a, b))
    if got.startswith("{"):
        return None
    return Failure("merge must return a state: a dict of replica to count",
                   f"merge({a}, {b})", "a dict such as {'r1': ..., 'r2': ...}", got)


def _law(name: str, arity: int, left: Callable[..., object], right: Callable[..., object],
         written: tuple[str, str]) -> Callable[[Callable[[State, State], object]],
                                               Failure | None]:
    """A semilattice law as a step: ``left(merge, *states) == right(merge, *states)`` for
    every ``arity`` states the search tries."""
    names = ("a", "b", "c")[:arity]

    def check(answer: Callable[[State, State], object]) -> Failure | None:
        def breaks(states: tuple[State, ...]) -> bool:
            return bool(left(answer, *states) != right(answer, *states))

        found = first_counterexample(st.tuples(*[STATES] * arity), breaks)
        if found is None:
            return None
        where = ", ".join(f"{n} = {_state(s)}" for n, s in zip(names, found, strict=True))
        return Failure(f"your merge is not {name}: {written[0]} != {written[1]}", where,
                       f"{written[0]} = {written[1]} = "
                       f"{observe(lambda: right(answer, *found))}",
                       f"{written[0]} = {observe(lambda: left(answer, *found))}")

    return check


def _nested_left(answer: Callable[[State, State], object], a: State, b: State,
                 c: State) -> object:
    inner = _merged(answer, a, b)
    return inner if isinstance(inner, _NotAState) else _merged(answer, cast(State, inner), c)


def _nested_right(answer: Callable[[State, State], object], a: State, b: State,
                  c: State) -> object:
    inner = _merged(answer, b, c)
    return inner if isinstance(inner, _NotAState) else _merged(answer, a, cast(State, inner))


def _join(answer: Callable[[State, State], object]) -> Failure | None:
    def model(a: State, b: State) -> State:
        return _state(dict(GCounter(a).merge(GCounter(b)).counts))

    pair = first_counterexample(st.tuples(STATES, STATES),
                                lambda p: _merged(answer, *p) != model(*p))
    if pair is None:
        return None
    a, b = pair
    got = _merged(answer, a, b)
    lost = [r for r in sorted(set(a) | set(b))
            if isinstance(got, dict) and got.get(r, 0) < max(a.get(r, 0), b.get(r, 0))]
    message = (f"your merge loses increments of {', '.join(lost)}: it is not an upper bound "
               "of both states" if lost else "your merge is not the least upper bound: it "
               "counts increments no replica made")
    return Failure(message, f"a = {_state(a)}, b = {_state(b)}",
                   f"{model(a, b)}, as GCounter(a).merge(GCounter(b)) holds", repr(got))


# -- 6.session-guarantees: read your writes, but not monotonic reads -------------------------

def _history_shape(answer: History) -> Failure | None:
    for process in answer.processes:
        if sum(op.kind == "read" and op.answered for op in answer.of(process)) >= 2:
            return None
    return Failure("monotonic reads is about one client's successive reads: give a client "
                   "two answered reads", expected="a process with two answered reads",
                   observed=f"{counted(len(answer), 'operation')}, no process with two "
                   "answered reads")


def _judged(judgement: Judgement, wanted: bool, message: str) -> Failure | None:
    if judgement.holds is wanted:
        return None
    witness = "; ".join(str(op) for op in judgement.witness)
    return Failure(message, witness, f"{judgement.model} {'holds' if wanted else 'fails'}",
                   judgement.explanation)


# -- 6.saga-compensations: the shop's order saga, semantically atomic ------------------------

#: The saga's order, whose steps and actions the answer keeps.
ORDER = "o1"


def _saga_shape(answer: Saga) -> Failure | None:
    wanted = shop_saga(ORDER).steps
    names = [step.name for step in answer.steps]
    if names != [step.name for step in wanted]:
        return Failure("keep the steps of shop_saga('o1'), in order; write compensations "
                       "and choose kinds",
                       expected=", ".join(step.name for step in wanted),
                       observed=", ".join(names) or "no step")
    for mine, theirs in zip(answer.steps, wanted, strict=True):
        if mine.action != theirs.action:
            return Failure(f"keep the action of {theirs.name} as shop_saga('o1') has it",
                           expected="; ".join(map(_change, theirs.action)),
                           observed="; ".join(map(_change, mine.action)))
    return None


def _change(change: Change) -> str:
    if change.op == "set":
        return f"set {change.key} to {change.value}"
    floor = "" if change.least is None else f", not below {change.least}"
    return f"add {change.value} to {change.key}{floor}"


def _saga_atomic(answer: Saga) -> Failure | None:
    failing = [step.name for step in answer.steps if step.kind != "retriable"]
    for fail_at in [None, *failing]:
        execution = run([SagaInstance(answer, ORDER, fail_at=fail_at)], shop_state())
        verdict = check_semantic_atomicity(execution)
        if verdict.holds:
            continue
        outcome = execution.outcomes[ORDER]
        return Failure(f"a run that {outcome} leaves a partial effect",
                       "run([SagaInstance(saga, 'o1'" + (f", fail_at={fail_at!r}"
                                                         if fail_at else "")
                       + ")], shop_state())",
                       "every step committed, or every completed step compensated",
                       f"{counted(len(verdict.witnesses), 'witness')}, the first: "
                       f"{verdict.witnesses[0]}")
    return None


# -- the exercises ---------------------------------------------------------------------------

EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        id="6.mod-n-moves",
        statement="Def 6.2.1",
        title="How many keys move when one node joins",
        task="Derive, as a sympy expression in N, the fraction of keys whose node changes "
        "when a store that places each key on node hash(key) mod N grows from N nodes to "
        "N + 1.",
        answer="a sympy expression in the symbol N",
        kind="derivation",
        difficulty=1,
        steps=steps(("type", lambda x: one_of(x, sp.Expr, "a sympy expression")),
                    ("shape", _in("N")), ("at points", _mod_n_points),
                    ("every N", _mod_n_symbolic)),
        hint="a key stays only when hash mod N and hash mod (N + 1) agree. Count, among "
        "N(N + 1) consecutive hash values, those for which they do.",
        lesson=LESSON_6A,
    ),
    Exercise(
        id="6.jump-hash",
        statement="Strategy 6.2.1",
        title="Jump consistent hash in 64-bit arithmetic",
        task="Write jump(key, buckets), Lamping and Veach's jump consistent hash of an "
        "unsigned 64-bit key into buckets 0 to buckets - 1, returning the same bucket as "
        "jump_hash for every key and bucket count.",
        answer="a function jump(key, buckets) returning an int",
        kind="code",
        difficulty=2,
        steps=steps(("type", a_function("a function jump(key, buckets)")),
                    ("shape", takes("key", "buckets")),
                    ("range", _jump_range), ("same bucket", _jump_same)),
        hint="the C++ reference leans on two things of its types: uint64_t arithmetic "
        "wraps around at 2**64, and a division of doubles keeps the fraction. Which of "
        "them does a Python int do on its own?",
        lesson=LESSON_6A,
    ),
    Exercise(
        id="6.vertical-split",
        statement="Strategy 6.2.2",
        title="Split the product by what its queries read",
        task="Split shop_product() by columns into two shards or more (a VerticalSplit) so "
        f"that every query of shop_product_queries() run {HOT:,} times a minute or more "
        f"visits one shard, and the query mix reads at most {SAVING} of the bytes the "
        "unsplit table reads.",
        answer="a VerticalSplit of shop_product()",
        kind="design",
        difficulty=2,
        steps=steps(("type", lambda x: one_of(x, VerticalSplit, "a VerticalSplit")),
                    ("shape", _split_shape), ("hot queries", _split_hot),
                    ("bytes", _split_bytes)),
        hint="a query reads every fragment it touches, whole. Which columns are small and "
        "read all the time, which are large and read rarely, and which are read alone?",
        lesson=LESSON_6A,
    ),
    Exercise(
        id="6.stale-read",
        statement="Def 6.3.1",
        title="The chance that a quorum read is stale",
        task="Derive, as a sympy expression in N, R and W, the probability that a read "
        "answered by R of N replicas, chosen uniformly at random, returns none of the W "
        "replicas that acknowledged the latest write.",
        answer="a sympy expression in the symbols N, R and W",
        kind="derivation",
        difficulty=2,
        steps=steps(("type", lambda x: one_of(x, sp.Expr, "a sympy expression")),
                    ("shape", _in("N", "R", "W")),
                    ("strict quorums", _stale_step(strict=True)),
                    ("partial quorums", _stale_step(strict=False))),
        hint="count read quorums: how many sets of R replicas are there in all, and how "
        "many avoid all W replicas that have the write? sp.binomial counts sets.",
        lesson=LESSON_6B,
    ),
    Exercise(
        id="6.g-counter-merge",
        statement="Strategy 6.1.1",
        title="Merge two grow-only counters",
        task="Write merge(a, b) for a grow-only counter whose state is a dict of replica to "
        "the increments that replica made (a replica not in the dict made none): the state "
        "that holds every increment either state has seen, each counted once, as "
        "GCounter.merge does.",
        answer="a function merge(a, b) returning a dict of replica to count",
        kind="code",
        difficulty=2,
        steps=steps(("type", a_function("a function merge(a, b)")),
                    ("shape", takes("a", "b")), ("a state", _state_shape),
                    ("idempotent", _law("idempotent", 1, lambda m, a: _merged(m, a, a),
                                        lambda m, a: _state(a), ("merge(a, a)", "a"))),
                    ("commutative", _law("commutative", 2, _merged,
                                         lambda m, a, b: _merged(m, b, a),
                                         ("merge(a, b)", "merge(b, a)"))),
                    ("associative", _law("associative", 3, _nested_left, _nested_right,
                                         ("merge(merge(a, b), c)", "merge(a, merge(b, c))"))),
                    ("least upper bound", _join)),
        hint="a state may reach a replica twice, in any order, by any path. Each replica's "
        "entry only grows; what is the smallest entry that has seen both?",
        lesson=LESSON_6B,
    ),
    Exercise(
        id="6.session-guarantees",
        statement="Def 6.1.1",
        title="Read your writes, but not monotonic reads",
        task="Write a History of reads and writes of one key in which every client reads "
        "its own writes (check_read_your_writes holds) but some client reads an older "
        "version after a newer one (check_monotonic_reads fails).",
        answer="a History",
        kind="design",
        difficulty=2,
        steps=steps(("type", lambda x: one_of(x, History, "a History")),
                    ("shape", _history_shape),
                    ("read your writes", lambda h: _judged(
                        check_read_your_writes(h), True,
                        "a client misses its own write: read your writes must hold")),
                    ("not monotonic", lambda h: _judged(
                        check_monotonic_reads(h), False,
                        "every client's reads move forward: monotonic reads must fail"))),
        hint="read your writes only constrains a client's reads after its own writes. A "
        "client that never writes may be sent to a fresh replica, then to a stale one.",
        lesson=LESSON_6B,
    ),
    Exercise(
        id="6.saga-compensations",
        statement="Strategy 6.1.1",
        title="Compensate the order saga",
        task="Write the shop's create-order saga (a Saga) with the steps and actions of "
        "shop_saga('o1'): create the order, reserve stock, charge the customer, book a "
        "courier, approve the order. Choose each step's kind and write the compensations, "
        "so that whichever step fails, the run ends with every completed step compensated "
        "(check_semantic_atomicity holds).",
        answer="a Saga with the steps of shop_saga('o1')",
        kind="design",
        difficulty=3,
        steps=steps(("type", lambda x: one_of(x, Saga, "a Saga")), ("shape", _saga_shape),
                    ("atomicity", _saga_atomic)),
        hint="a compensation must undo every change its action made, on every key. A step "
        "that no compensation can undo must come where nothing after it can fail for good.",
        lesson=LESSON_6B,
    ),
)
