"""Strategy 6.3.1 (主从复制): modes, failover, lost writes, sticky reads, the measures."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.data.consistency import (
    check_linearizable,
    check_monotonic_reads,
    check_read_your_writes,
)
from msatheory.data.history import Operation
from msatheory.data.replication import (
    MODES,
    ROUTES,
    PrimaryReplicaGroup,
    Write,
    failover_loss,
    stale_read_fraction,
    stale_read_probability,
    write_latencies,
)
from msatheory.errors import TheoryError
from msatheory.sim import seeded_rng

LAGS = {"r1": 0.01, "r2": 0.04}


def group(mode: str = "async", lags: dict[str, float] | None = None, seed: int = 0
          ) -> PrimaryReplicaGroup:
    return PrimaryReplicaGroup(LAGS if lags is None else lags, mode, rtt=0.001, seed=seed)


def value(read: Operation | None) -> object:
    """What a served read returned (a refused read fails the test)."""
    assert read is not None
    return read.value


# --- the log and the modes -------------------------------------------------------------


def test_lags_are_the_seeded_exponential_draws_in_replica_order() -> None:
    g = group(seed=7)
    g.write("a", 1, at=0)
    rng = seeded_rng(7)
    expected = {"r1": 0.01 * rng.expovariate(1.0), "r2": 0.04 * rng.expovariate(1.0)}
    assert {name: lags[0] for name, lags in g.lags().items()} == expected


def test_a_replica_applies_the_log_in_order() -> None:
    """Entry n never arrives before entry n - 1, however the draws fall."""
    g = group(seed=3)
    for i in range(200):
        g.write("a", i + 1, at=i * 0.002)
    for lags in g.lags().values():
        arrivals = [i * 0.002 + lag for i, lag in enumerate(lags)]
        assert all(later >= earlier - 1e-12 for earlier, later in itertools.pairwise(arrivals))


@pytest.mark.parametrize("mode", MODES)
def test_each_mode_acknowledges_when_its_replicas_have_the_write(mode: str) -> None:
    g = group(mode, seed=1)
    for i in range(50):
        g.write("a", i + 1, at=i * 0.5)
    lags = g.lags()
    for i, w in enumerate(g.writes()):
        arrivals = [w.invoked + lags[name][i] for name in ("r1", "r2")]
        wait = {"async": w.invoked, "semi-sync": min(arrivals), "sync": max(arrivals)}[mode]
        assert w.acked == wait
        assert w.completed == wait + 0.001
        assert not w.lost


def test_a_replica_serves_a_write_only_once_it_has_arrived() -> None:
    g = group(seed=2)
    g.write("a", "v", at=0)
    arrival = g.lags()["r2"][0]
    assert value(g.read("b", at=arrival * 0.999, route="replica", replica="r2")) is None
    assert value(g.read("b", at=arrival, route="replica", replica="r2")) == "v"
    assert g.position("r2") == 1 and g.position("primary") == 1


def test_writes_on_different_keys_keep_their_own_values() -> None:
    g = group(seed=0)
    g.write("a", 1, at=0, key="x")
    g.write("a", 2, at=0, key="y")
    assert value(g.read("a", at=1, key="x")) == 1
    assert value(g.read("a", at=1, key="y")) == 2
    assert value(g.read("a", at=1, key="z")) is None
    assert set(g.history().keys) == {"x", "y", "z"}


# --- failure and failover --------------------------------------------------------------


def run_with_failure(mode: str, fail_at: float, seed: int, lags: dict[str, float],
                     writes: int = 60, interval: float = 0.003) -> PrimaryReplicaGroup:
    """One client writes while the primary fails at ``fail_at``; the group's
    ``shipped`` (set here) holds each replica's lags as drawn before the failure."""
    g = PrimaryReplicaGroup(lags, mode, rtt=0.001, detection=0.05, seed=seed)
    failed = False
    for i in range(writes):
        t = i * interval
        if not failed and t >= fail_at:
            SHIPPED[id(g)] = (g.writes(), g.lags())
            g.fail("primary", fail_at)
            failed = True
        g.write("c", i + 1, at=t)
    if not failed:
        SHIPPED[id(g)] = (g.writes(), g.lags())
        g.fail("primary", max(fail_at, g.clock.now))
    g.advance(g.clock.now + 1)
    return g


SHIPPED: dict[int, tuple[tuple[Write, ...], dict[str, tuple[float, ...]]]] = {}


def received_by(g: PrimaryReplicaGroup, name: str, at: float) -> int:
    """How many of the first primary's entries ``name`` had received by ``at``, from
    the lags drawn before the failure."""
    writes, lags = SHIPPED[id(g)]
    return sum(1 for w, lag in zip(writes, lags[name], strict=True) if w.invoked + lag <= at)


def test_failover_promotes_the_most_advanced_live_replica() -> None:
    g = run_with_failure("async", 0.1, seed=4, lags={"slow": 0.05, "fast": 0.002})
    (f,) = g.failovers
    assert f.promoted == "fast" == g.primary
    assert f.position == received_by(g, "fast", 0.1) > received_by(g, "slow", 0.1)
    assert f.promoted_at == pytest.approx(0.15)
    assert [n.role for n in g.nodes()] == ["replica", "replica", "primary"]
    assert not g.nodes()[0].up


def test_a_failed_replica_is_never_promoted() -> None:
    g = PrimaryReplicaGroup({"slow": 0.05, "fast": 0.002}, seed=4, detection=0.05)
    for i in range(30):
        g.write("c", i + 1, at=i * 0.003)
    g.fail("fast", at=0.09)
    g.fail("primary", at=0.1)
    g.advance(1)
    assert g.primary == "slow"
    assert g.failovers[0].position == g.position("slow")


def test_ties_go_to_the_first_named_replica() -> None:
    g = PrimaryReplicaGroup({"b": 0.0, "a": 0.0}, detection=0.1)
    g.write("c", 1, at=0)
    g.fail("primary", at=1)
    g.advance(2)
    assert g.primary == "b"


def test_lost_writes_are_exactly_those_acknowledged_and_not_shipped() -> None:
    g = run_with_failure("async", 0.1, seed=4, lags={"slow": 0.05, "fast": 0.02})
    (f,) = g.failovers
    shipped = received_by(g, "fast", 0.1)
    expected = [w for w in g.writes() if w.acknowledged and w.position > shipped
                and w.primary == "primary"]
    assert f.lost == len(expected) == sum(w.lost and w.acknowledged for w in g.writes()) > 0
    assert f.discarded == sum(1 for w in g.writes() if w.lost)


def test_the_group_refuses_writes_without_a_primary_and_serves_replica_reads() -> None:
    g = PrimaryReplicaGroup({"r1": 0.0}, detection=0.5)
    assert g.write("c", 1, at=0) == 1
    g.fail("primary", at=1)
    assert g.primary is None
    assert g.write("c", 2, at=1.2) is None
    assert g.read("c", at=1.2, route="primary") is None
    read = g.read("c", at=1.3, route="replica")
    assert read is not None and read.value == 1
    assert g.refused == 2
    assert g.write("c", 3, at=1.5) == 2
    assert g.primary == "r1"
    assert [op.value for op in g.history() if op.kind == "write"] == [1, 3]


def test_a_primary_failing_before_the_ack_leaves_the_write_unanswered() -> None:
    g = PrimaryReplicaGroup({"r1": 0.01}, "semi-sync", seed=0)
    g.write("c", 1, at=0)
    arrival = g.lags()["r1"][0]
    g.fail("primary", at=arrival / 2)
    (w,) = g.writes()
    assert w.acked is None and w.completed is None and not w.acknowledged


def test_sync_waits_for_the_replicas_still_up() -> None:
    """A replica that fails before it has the write leaves the set a sync write waits
    for; with no replica left to have it, the write is never acknowledged."""
    g = PrimaryReplicaGroup({"a": 0.0, "b": 10.0}, "sync", rtt=0)
    g.write("c", 1, at=0)
    g.fail("b", at=1)
    assert g.writes()[0].acked == 1
    g.fail("a", at=2)
    g.write("c", 2, at=3)
    assert g.writes()[1].acked is None


def test_async_failover_breaks_linearizability_of_primary_reads() -> None:
    g = run_with_failure("async", 0.088, seed=4, lags={"slow": 0.05, "fast": 0.02},
                         writes=30)
    read = g.read("c", at=g.clock.now, route="primary")
    assert read is not None and read.value == g.failovers[0].position < 30
    assert not check_linearizable(g.history()).holds


@pytest.mark.parametrize("mode", MODES)
def test_primary_reads_without_failure_are_linearizable(mode: str) -> None:
    g = group(mode, seed=5)
    for i in range(12):
        g.write(f"c{i % 3}", i + 1, at=i * 0.004)
        g.read(f"c{(i + 1) % 3}", at=i * 0.004 + 0.002, route="primary")
    assert check_linearizable(g.history()).holds


def test_semi_sync_loses_with_two_failures() -> None:
    """One failure is what semi-sync survives: lose the replica that had it, and the
    primary, and the acknowledged write is gone."""
    g = PrimaryReplicaGroup({"fast": 0.001, "slow": 1.0}, "semi-sync", seed=0,
                            detection=0.1)
    g.write("c", 1, at=0)
    (w,) = g.writes()
    assert w.acknowledged
    g.fail("fast", at=0.1)
    g.fail("primary", at=0.2)
    g.advance(1)
    assert g.primary == "slow" and g.failovers[0].lost == 1


failure = st.tuples(st.floats(0, 0.2), st.integers(0, 2**16),
                    st.dictionaries(st.sampled_from(["r1", "r2", "r3"]),
                                    st.floats(0, 0.05), min_size=1))


@given(failure)
@settings(max_examples=60)
def test_sync_and_semi_sync_never_lose_an_acknowledged_write_to_one_failure(
        case: tuple[float, int, dict[str, float]]) -> None:
    fail_at, seed, lags = case
    for mode in ("sync", "semi-sync"):
        g = run_with_failure(mode, fail_at, seed, lags)
        assert not any(w.lost and w.acknowledged for w in g.writes())
        assert g.failovers[0].lost == 0


@given(failure)
@settings(max_examples=60)
def test_async_loses_exactly_what_the_promoted_replica_lacked(
        case: tuple[float, int, dict[str, float]]) -> None:
    fail_at, seed, lags = case
    g = run_with_failure("async", fail_at, seed, lags)
    (f,) = g.failovers
    assert f.position == max(received_by(g, name, fail_at) for name in lags)
    lost = [w for w in g.writes() if w.primary == "primary" and w.position > f.position]
    assert f.lost == len(lost) == f.discarded  # async acknowledges every write it takes


# --- reads: plain replica reads against position (sticky) reads ------------------------


def test_plain_replica_reads_break_read_your_writes_and_monotonic_reads() -> None:
    g = group(lags={"near": 0.001, "far": 1.0}, seed=0)
    g.write("alice", "v1", at=0)
    g.read("alice", at=0.1, route="replica", replica="far")       # misses her own write
    g.read("bob", at=0.1, route="replica", replica="near")        # bob sees v1 ...
    g.read("bob", at=0.2, route="replica", replica="far")         # ... then the older None
    history, order = g.history(), g.version_order()
    assert not check_read_your_writes(history, order).holds
    assert not check_monotonic_reads(history, order).holds


def test_sticky_reads_fall_back_to_the_primary_until_the_replica_catches_up() -> None:
    g = group(lags={"far": 1.0}, seed=0)
    g.write("alice", "v1", at=0)
    arrival = g.lags()["far"][0]
    early = g.read("alice", at=arrival / 2, route="sticky")
    assert early is not None and early.value == "v1" and g.fallbacks == 1
    g.read("alice", at=arrival, route="sticky")
    assert g.fallbacks == 1  # served by the replica now
    assert check_read_your_writes(g.history(), g.version_order()).holds


schedule = st.lists(st.tuples(st.sampled_from(["a", "b", "c"]),
                              st.sampled_from(["write", "replica", "sticky"]),
                              st.floats(0, 0.02), st.sampled_from(["x", "y"])),
                    min_size=1, max_size=40)


def play(steps: list[tuple[str, str, float, str]], seed: int,
         route: Callable[[str], str]) -> PrimaryReplicaGroup:
    g = PrimaryReplicaGroup({"r1": 0.005, "r2": 0.03, "r3": 0.0}, seed=seed)
    t = 0.0
    for i, (session, what, gap, key) in enumerate(steps):
        t += gap
        if what == "write":
            g.write(session, i, at=t, key=key)
        else:
            g.read(session, at=t, route=route(what), key=key)
    return g


@given(schedule, st.integers(0, 2**16))
@settings(max_examples=100)
def test_sticky_reads_always_satisfy_the_session_guarantees(
        steps: list[tuple[str, str, float, str]], seed: int) -> None:
    g = play(steps, seed, lambda what: "sticky")
    history, order = g.history(), g.version_order()
    assert check_read_your_writes(history, order).holds
    assert check_monotonic_reads(history, order).holds


def test_the_same_schedule_with_plain_reads_breaks_them() -> None:
    steps = [("a", "write", 0.0, "x"), ("a", "replica", 0.001, "x")] * 10
    broken = [play(steps, seed, lambda what: "replica") for seed in range(5)]
    assert any(not check_read_your_writes(g.history(), g.version_order()).holds
               for g in broken)


# --- the measures a lesson shows -------------------------------------------------------


def test_failover_loss_by_mode() -> None:
    reports = {mode: failover_loss(mode) for mode in MODES}
    assert [reports[m].lost for m in MODES] == [16, 0, 0]
    assert reports["semi-sync"].unanswered == reports["async"].lost
    assert all(r.refused == 100 and r.promoted == "replica-1" for r in reports.values())
    assert sum(failover_loss("async", seed=s).lost for s in range(5)) > 0


def test_write_latency_means_meet_the_exponential_closed_forms() -> None:
    """Means of 1,000 Exp draws: within four standard errors of min and max of
    Exp(5 ms) and Exp(20 ms) (E min = 4 ms, E max = 21 ms), plus the 1 ms round trip."""
    a, b = 0.005, 0.02
    least, most = 1 / (1 / a + 1 / b), a + b - 1 / (1 / a + 1 / b)
    means = {m: statistics.fmean(write_latencies(m)) for m in MODES}
    assert means["async"] == pytest.approx(0.001)
    assert abs(means["semi-sync"] - 0.001 - least) < 4 * least / math.sqrt(1000)
    assert abs(means["sync"] - 0.001 - most) < 4 * b / math.sqrt(1000)


@pytest.mark.parametrize("delay", [0.0, 0.005, 0.02, 0.05])
def test_stale_read_fraction_meets_its_closed_form(delay: float) -> None:
    expected = stale_read_probability(delay)
    measured = stale_read_fraction(delay)
    assert abs(measured - expected) < 4 * math.sqrt(expected * (1 - expected) / 1000) + 1e-9
    assert stale_read_fraction(delay, route="sticky") == 0.0
    assert stale_read_fraction(delay, route="primary") == 0.0


def test_stale_reads_fall_with_the_delay_and_vanish_under_sync() -> None:
    fractions = [stale_read_fraction(d, trials=300) for d in (0.0, 0.01, 0.03, 0.1)]
    assert fractions == sorted(fractions, reverse=True) and fractions[-1] < 0.02
    assert stale_read_fraction(0.0, mode="sync", trials=300) == 0.0
    assert stale_read_probability(0.0, {"r": 0.0}) == 0.0


def test_runs_repeat_with_their_seed() -> None:
    assert failover_loss("async", seed=9) == failover_loss("async", seed=9)
    steps = [("a", "write", 0.001, "x"), ("b", "replica", 0.002, "x")] * 5
    assert play(steps, 3, lambda w: w).history() == play(steps, 3, lambda w: w).history()
    assert repr(group()) == ("PrimaryReplicaGroup(mode='async', primary='primary', "
                             "replicas=['r1', 'r2'], now=0)")


# --- bad inputs ------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "message"), [
    (lambda: PrimaryReplicaGroup({"r": 0.1}, "quorum"),
     "PrimaryReplicaGroup: mode must be one of async, semi-sync, sync, not 'quorum'"),
    (lambda: PrimaryReplicaGroup({"r": -1}),
     "PrimaryReplicaGroup: lag of 'r' must be a non-negative finite number of seconds"),
    (lambda: PrimaryReplicaGroup({"primary": 0.1}),
     "PrimaryReplicaGroup: the nodes lists 'primary' twice"),
    (lambda: PrimaryReplicaGroup([0.1]),  # type: ignore[arg-type]
     "PrimaryReplicaGroup: replicas must be a mapping"),
    (lambda: PrimaryReplicaGroup(seed=1.5),  # type: ignore[arg-type]
     "PrimaryReplicaGroup: seed must be an integer, not 1.5"),
    (lambda: group().write("", 1, at=0),
     "PrimaryReplicaGroup.write: session must be a non-empty string"),
    (lambda: group().write("a", None, at=0),
     "PrimaryReplicaGroup.write: value must not be None"),
    (lambda: group().read("a", at=0, route="nearest"),
     "PrimaryReplicaGroup.read: route must be one of primary, replica, sticky"),
    (lambda: group().read("a", at=0, replica="r9"),
     "PrimaryReplicaGroup.read: replica must be one of primary, r1, r2, not 'r9'"),
    (lambda: group().fail("r9", at=0), "PrimaryReplicaGroup: node must be one of"),
    (lambda: failover_loss("async", interval=0),
     "failover_loss: interval must be a positive finite number of seconds, not 0"),
    (lambda: stale_read_fraction(-1), "stale_read_fraction: delay must be a non-negative"),
    (lambda: stale_read_fraction(0, trials=0),
     "stale_read_fraction: trials must be a positive whole number, not 0"),
    (lambda: stale_read_probability(0, {}), "stale_read_probability: replicas must name"),
    (lambda: write_latencies("sync", writes=-1),
     "write_latencies: writes must be a whole number, 0 or more, not -1"),
])
def test_bad_inputs_raise_theory_errors(call: Callable[[], object], message: str) -> None:
    with pytest.raises(TheoryError, match="^" + message.replace("(", r"\(").replace(
            ")", r"\)").replace(".", r"\.").replace("[", r"\[")):
        call()


def test_time_only_moves_forward_and_a_node_fails_once() -> None:
    g = group()
    g.write("a", 1, at=1)
    with pytest.raises(TheoryError, match="time must not come before now"):
        g.write("a", 2, at=0.5)
    g.fail("r1", at=2)
    with pytest.raises(TheoryError, match="node 'r1' is already down"):
        g.fail("r1", at=3)


def test_routes_and_modes_are_named() -> None:
    assert MODES == ("async", "semi-sync", "sync")
    assert ROUTES == ("primary", "replica", "sticky")
    assert Operation("a", "read", None, 0, 1).kind == "read"
