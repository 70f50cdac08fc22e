"""Def 6.3.1 (数据复制): quorums, PBS k-staleness and t-visibility, a replicated register."""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations, pairwise, product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.data.consistency import check_linearizable, check_read_your_writes
from msatheory.data.history import History, Operation
from msatheory.data.quorum import (
    PRODUCTION,
    WARS,
    QuorumLatency,
    ReplicatedRegister,
    consistency_curve,
    constant,
    exponential,
    lnkd_disk,
    lnkd_ssd,
    mixture,
    overlapping_reads,
    pareto,
    quorum_latency,
    stale_probability,
    t_visibility,
    visibility_time,
    wan,
    ymmr,
)
from msatheory.errors import TheoryError
from msatheory.sim import seeded_rng

QUORUMS = [(n, r, w) for n in range(1, 7) for r in range(1, n + 1) for w in range(1, n + 1)]


def _within(estimate: float, p: float, trials: int, sigmas: float = 4.0) -> bool:
    """Whether a Monte Carlo estimate lies within ``sigmas`` standard errors of ``p``."""
    return abs(estimate - p) <= sigmas * math.sqrt(p * (1 - p) / trials) + 1e-12


# --- k-staleness: the closed form against enumeration ------------------------------------


@pytest.mark.parametrize(("n", "r", "w"), QUORUMS)
def test_stale_probability_is_the_share_of_disjoint_quorum_pairs(n: int, r: int, w: int) -> None:
    replicas = range(n)
    pairs = [(set(ws), set(rs)) for ws in combinations(replicas, w)
             for rs in combinations(replicas, r)]
    missed = sum(not (ws & rs) for ws, rs in pairs)
    assert stale_probability(n, r, w) == Fraction(missed, len(pairs))


@pytest.mark.parametrize(("n", "r", "w"), [q for q in QUORUMS if q[0] <= 4])
def test_k_staleness_is_missing_every_one_of_k_independent_write_quorums(
        n: int, r: int, w: int) -> None:
    replicas = range(n)
    quorums = [set(q) for q in combinations(replicas, w)]
    reads = [set(q) for q in combinations(replicas, r)]
    cases = [(rs, ws) for rs in reads for ws in product(quorums, repeat=2)]
    missed = sum(all(not (rs & q) for q in ws) for rs, ws in cases)
    assert stale_probability(n, r, w, k=2) == Fraction(missed, len(cases))


def test_n3_table_and_strict_quorums() -> None:
    table = {(r, w): stale_probability(3, r, w) for r in (1, 2, 3) for w in (1, 2, 3)}
    assert table[1, 1] == Fraction(2, 3)
    assert table[1, 2] == table[2, 1] == Fraction(1, 3)
    assert all(p == 0 for (r, w), p in table.items() if r + w > 3)
    assert stale_probability(3, 1, 1, k=3) == Fraction(8, 27)
    assert stale_probability(10, 1, 1, k=1) == Fraction(9, 10)


@pytest.mark.parametrize(("args", "message"), [
    ((0, 1, 1), "n must be a positive whole number"),
    ((3, 0, 1), "r must be a positive whole number"),
    ((3, 1, 4), "w must be at most n = 3, not 4"),
    ((3, 4, 1), "r must be at most n = 3, not 4"),
    ((3, 1, 1, 0), "k must be a positive whole number"),
    ((3.0, 1, 1), "n must be"),
    ((True, 1, 1), "n must be"),
])
def test_stale_probability_refuses_bad_sizes(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(TheoryError, match=message) as error:
        stale_probability(*args)  # type: ignore[arg-type]
    assert str(error.value).startswith("stale_probability: ")


# --- latency distributions ---------------------------------------------------------------


def test_distributions_draw_what_they_say() -> None:
    rng = seeded_rng(7)
    draws = [exponential(2.0)(rng) for _ in range(20000)]
    assert abs(sum(draws) / len(draws) - 0.5) < 0.02
    paretos = [pareto(0.235, 10.0)(rng) for _ in range(20000)]
    assert min(paretos) >= 0.235
    assert abs(sum(paretos) / len(paretos) - 0.235 * 10 / 9) < 0.005  # mean xm*a/(a-1)
    picks = [mixture(0.25, constant(1.0), constant(2.0))(rng) for _ in range(20000)]
    assert _within(picks.count(1.0) / len(picks), 0.25, len(picks))


def test_distributions_refuse_bad_parameters() -> None:
    with pytest.raises(TheoryError, match="exponential: rate must be a positive"):
        exponential(0)
    with pytest.raises(TheoryError, match="pareto: alpha must be a positive"):
        pareto(1, -1)
    with pytest.raises(TheoryError, match=r"mixture: weight must lie in \[0, 1\]"):
        mixture(1.5, constant(1), constant(2))
    with pytest.raises(TheoryError, match="mixture: second must be a latency"):
        mixture(0.5, constant(1), 2.0)  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match="WARS: ack must be a latency"):
        WARS("bad", constant(1), 1.0, constant(1), constant(1))  # type: ignore[arg-type]


def test_production_settings_are_the_papers_four() -> None:
    assert list(PRODUCTION) == ["LNKD-SSD", "LNKD-DISK", "YMMR", "WAN"]
    assert [make().name for make in PRODUCTION.values()] == list(PRODUCTION)
    assert wan().remote == 75.0 and lnkd_ssd().remote == 0.0
    assert repr(ymmr()) == "WARS(name='YMMR', remote=0.0)"


# --- t-visibility --------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "r", "w"), [(3, 1, 1), (3, 1, 2), (5, 2, 2), (4, 1, 3)])
def test_t_visibility_at_commit_meets_the_closed_form(n: int, r: int, w: int) -> None:
    """With A = R = 0 the write is on exactly the w replicas that acked it when the read
    asks, and the read's r fastest are a uniform choice: fresh with probability 1 - ps."""
    now, spread = constant(0.0), exponential(1.0)
    trials = 10000
    fresh = t_visibility(n, r, w, 0, spread, now, now, spread, trials, seed=11)
    assert _within(fresh, float(1 - stale_probability(n, r, w)), trials)


def test_equal_constant_latencies_make_every_read_fresh() -> None:
    """Every replica holds the write at W = 1 ms; the read asks them at commit + R = 3 ms."""
    one = constant(1.0)
    assert t_visibility(5, 1, 1, 0, one, one, one, one, trials=50, seed=0) == 1.0
    slow = constant(10.0)  # W_i = 10 = commit - A for every replica, whatever A is
    assert t_visibility(3, 1, 1, 0, slow, constant(0), constant(0), one, 50, 0) == 1.0


@given(st.sampled_from(list(PRODUCTION)), st.integers(1, 5), st.data())
@settings(max_examples=25)
def test_strict_quorums_are_always_fresh(name: str, n: int, data: st.DataObject) -> None:
    r = data.draw(st.integers(1, n))
    w = data.draw(st.integers(n - r + 1, n))
    model = PRODUCTION[name]()
    assert consistency_curve(model, n, r, w, [0], trials=200,
                             seed=data.draw(st.integers(0, 2**31))) == (1.0,)


def test_t_visibility_grows_with_t_and_reaches_one() -> None:
    model = lnkd_disk()
    times = [0, 1, 5, 20, 100, 1000]
    curve = consistency_curve(model, 3, 1, 1, times, trials=2000, seed=5)
    assert list(curve) == sorted(curve)
    assert curve[0] < 0.5 and curve[-1] == 1.0
    singles = [t_visibility(3, 1, 1, t, model.write, model.ack, model.read, model.response,
                            2000, 5) for t in times]
    assert tuple(singles) == curve


def test_t_visibility_is_seeded() -> None:
    m = lnkd_disk()
    args = (3, 1, 1, 2.0, m.write, m.ack, m.read, m.response, 3000)
    assert t_visibility(*args, seed=4) == t_visibility(*args, seed=4)
    assert t_visibility(*args, seed=4) != t_visibility(*args, seed=5)


@pytest.mark.parametrize(("name", "published"), [
    ("LNKD-SSD", 0.974), ("LNKD-DISK", 0.439), ("YMMR", 0.893), ("WAN", 0.336)])
def test_probability_of_a_fresh_read_at_commit_matches_pbs(name: str, published: float) -> None:
    """PBS (PVLDB 5(8), 2012), section 5: N = 3, R = W = 1, the share of reads that return
    the last write immediately after it commits, under each production fit."""
    trials = 20000
    fresh = consistency_curve(PRODUCTION[name](), 3, 1, 1, [0], trials, seed=2012)[0]
    assert _within(fresh, published, trials)


def test_visibility_time_is_the_quantile_of_the_curve() -> None:
    model = lnkd_ssd()
    t = visibility_time(model, 3, 1, 1, 0.99, trials=5000, seed=9)
    at, just_before = consistency_curve(model, 3, 1, 1, [t, t * 0.999], 5000, seed=9)
    assert at >= 0.99 > just_before
    assert visibility_time(model, 3, 2, 2, 0.999, trials=500, seed=9) == 0.0


ONE = constant(1.0)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: t_visibility(3, 1, 1, -1, ONE, ONE, ONE, ONE, 10, 0), "t must be a non-negative"),
    (lambda: t_visibility(3, 1, 1, 0, ONE, ONE, ONE, ONE, 0, 0), "trials must be a positive"),
    (lambda: t_visibility(3, 1, 1, 0, ONE, ONE, ONE, ONE, 10, 0.5), "seed must be"),  # type: ignore
    (lambda: t_visibility(3, 2, 4, 0, ONE, ONE, ONE, ONE, 10, 0), "w must be at most n"),
    (lambda: t_visibility(3, 1, 1, 0, None, ONE, ONE, ONE, 10, 0), "write must be a lat"),  # type: ignore
    (lambda: visibility_time(lnkd_ssd(), 3, 1, 1, 0, 10, 0), r"p must lie in \(0, 1\]"),
    (lambda: quorum_latency("ssd", 3, 1, 1, 10, 0), "model must be a WARS"),  # type: ignore
])
def test_bad_inputs_raise_theory_errors(call: object, message: str) -> None:
    with pytest.raises(TheoryError, match=message):
        call()  # type: ignore[operator]


# --- what each setting costs ---------------------------------------------------------------


def test_latency_grows_with_the_quorum_it_waits_for() -> None:
    model = lnkd_disk()
    costs = {(r, w): quorum_latency(model, 3, r, w, trials=2000, seed=3)
             for r in (1, 2, 3) for w in (1, 2, 3)}
    for w in (1, 2, 3):
        reads = [costs[r, w] for r in (1, 2, 3)]
        assert all(a.read_p999 <= b.read_p999 and a.read_p50 <= b.read_p50
                   for a, b in pairwise(reads))
        assert len({(c.write_p50, c.write_p999) for c in reads}) == 1  # same draws
    cost = costs[1, 1]
    assert isinstance(cost, QuorumLatency)
    assert cost.read_p50 <= cost.read_p99 <= cost.read_p999
    assert cost.write_p50 <= cost.write_p99 <= cost.write_p999


def test_wan_pays_the_crossing_for_every_remote_ack() -> None:
    one = constant(1.0)
    model = WARS("two sites", one, one, one, one, remote=75.0)
    local = quorum_latency(model, 3, 1, 1, trials=20, seed=0)
    assert local.write_p999 == local.read_p999 == 2.0
    remote = quorum_latency(model, 3, 2, 2, trials=20, seed=0)
    assert remote.write_p50 == remote.read_p50 == 152.0


# --- the replicated register ---------------------------------------------------------------


def _run(register: ReplicatedRegister, plan: list[tuple[int, bool, float]]) -> History:
    """Run ``plan`` (client, is a write, ms to wait first) with values 1, 2, ... in order."""
    busy = {name: 0.0 for name in ("a", "b", "c")}
    value = 0
    for client, writes, gap in plan:
        name = "abc"[client]
        register.advance(gap + max(0.0, busy[name] - register.clock.now))
        if writes:
            value += 1
            busy[name] = register.write(name, value)
        else:
            busy[name] = register.read(name)
    return register.history


def _stale_reads(history: History) -> list[tuple[Operation, Operation]]:
    """Pairs (write, read): the read began after the write completed yet returned an older
    value (values grow with invocation, None is the initial value)."""
    return [(write, read) for write in history if write.kind == "write"
            for read in history if read.kind == "read" and write.precedes(read)
            and (read.value or 0) < write.value]  # type: ignore[operator]


PLANS = st.lists(st.tuples(st.integers(0, 2), st.booleans(),
                           st.sampled_from([0.0, 0.1, 0.5, 1.0, 5.0])),
                 min_size=1, max_size=12)


@given(st.integers(1, 5), st.data(), PLANS, st.integers(0, 2**31))
@settings(max_examples=80)
def test_strict_quorum_reads_after_a_write_see_it_or_newer(
        n: int, data: st.DataObject, plan: list[tuple[int, bool, float]], seed: int) -> None:
    r = data.draw(st.integers(1, n))
    w = data.draw(st.integers(n - r + 1, n))
    register = ReplicatedRegister(n, r, w, lnkd_disk(), seed=seed)
    assert register.strict
    assert _stale_reads(_run(register, plan)) == []


def test_partial_quorum_reads_after_a_completed_write_can_miss_it() -> None:
    """N = 3, R = W = 1: alice reads right after her write completed, and reads None."""
    found = []
    for seed in range(40):
        register = ReplicatedRegister(3, 1, 1, lnkd_disk(), seed=seed)
        assert not register.strict
        done = register.write("alice", 1)
        register.advance(done + 0.01)
        register.read("alice")
        found += [register.history] if _stale_reads(register.history) else []
    assert 5 <= len(found) <= 35  # PBS: about 56% of such reads are stale
    history = found[0]
    write, read = history.of("alice")
    assert write.precedes(read) and read.value is None
    assert not check_read_your_writes(history).holds
    assert not check_linearizable(history).holds


@given(st.integers(1, 5), st.data(), PLANS, st.integers(0, 2**31))
@settings(max_examples=60)
def test_strict_quorums_one_operation_at_a_time_are_linearizable(
        n: int, data: st.DataObject, plan: list[tuple[int, bool, float]], seed: int) -> None:
    r = data.draw(st.integers(1, n))
    w = data.draw(st.integers(n - r + 1, n))
    register = ReplicatedRegister(n, r, w, lnkd_disk(), seed=seed)
    value = 0
    for client, writes, gap in plan:
        name = "abc"[client]
        if writes:
            value += 1
            done = register.write(name, value)
        else:
            done = register.read(name)
        register.advance(done - register.clock.now + gap + 0.001)
    assert check_linearizable(register.history).holds


def _new_old_inversion(seed: int) -> History | None:
    """Bob reads alice's 1 while her write is pending; carol, after him, the initial value."""
    history = overlapping_reads(seed)
    bob, carol = history.of("bob")[0], history.of("carol")[0]
    alice = history.of("alice")[0]
    inverted = bob.value == 1 and carol.value is None and bob.precedes(carol)
    return history if inverted and not alice.precedes(bob) else None


def test_strict_quorums_without_read_repair_are_not_linearizable() -> None:
    """ABD (Attiya, Bar-Noy, Dolev 1995) add a write-back phase to reads for this reason."""
    examples = [h for h in map(_new_old_inversion, range(60)) if h is not None]
    assert examples
    history = examples[0]
    # Any linearization puts bob's read after alice's write (bob saw 1) and carol's after
    # bob's (real time), so carol must read 1 too; she read the initial value.
    bob, carol = history.of("bob")[0], history.of("carol")[0]
    assert (bob.value, carol.value) == (1, None) and bob.precedes(carol)
    judgement = check_linearizable(history)
    assert not judgement.holds
    assert [op.process for op in judgement.witness if isinstance(op, Operation)] == [
        "alice", "bob", "carol"]


def test_register_refuses_bad_use() -> None:
    register = ReplicatedRegister(3, 2, 2, seed=0)
    register.write("alice", 1)
    with pytest.raises(TheoryError, match="process 'alice' is still waiting"):
        register.read("alice")
    with pytest.raises(TheoryError, match="a write must carry a value"):
        register.write("bob", None)
    with pytest.raises(TheoryError, match="ReplicatedRegister: r must be at most n"):
        ReplicatedRegister(2, 3, 1)
    with pytest.raises(TheoryError, match="ReplicatedRegister: model must be a WARS"):
        ReplicatedRegister(3, 1, 1, "fast")  # type: ignore[arg-type]


def test_register_is_seeded_and_prints_no_addresses() -> None:
    plan = [(0, True, 0.0), (1, False, 0.1), (2, True, 0.5), (0, False, 1.0)]
    first = _run(ReplicatedRegister(3, 1, 1, lnkd_disk(), seed=8), plan)
    again = _run(ReplicatedRegister(3, 1, 1, lnkd_disk(), seed=8), plan)
    assert first == again and len(first) == 4
    register = ReplicatedRegister(3, 1, 2, seed=8)
    assert repr(register) == ("ReplicatedRegister(n=3, r=1, w=2, model='LNKD-SSD', seed=8, "
                              "now=0)")
