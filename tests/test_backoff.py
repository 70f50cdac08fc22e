"""Strategy 5.3.1 (重试机制): Brooker's backoff algorithms and his contention simulation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.communication.backoff import (
    ALGORITHMS,
    Backoff,
    ContentionRow,
    contention,
    contention_table,
    decorrelated_jitter,
    equal_jitter,
    exponential,
    full_jitter,
    schedule,
)
from msatheory.errors import TheoryError
from msatheory.sim import seeded_rng

# --- the algorithms ------------------------------------------------------------------------


def test_algorithms_in_brookers_order() -> None:
    assert list(ALGORITHMS) == ["none", "exponential", "full", "equal", "decorrelated"]


def test_exponential_doubles_from_twice_the_base_up_to_the_cap() -> None:
    assert [exponential(n) for n in range(0, 11)] == [
        5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 640.0, 1280.0, 2000.0, 2000.0]
    assert exponential(5000) == 2000.0  # no overflow far beyond the cap
    assert schedule("exponential", 4, base=1, cap=6) == (2.0, 4.0, 6.0, 6.0)


@given(st.integers(1, 40), st.integers(0, 2**32))
@settings(max_examples=100)
def test_jittered_sleeps_stay_in_their_ranges(n: int, seed: int) -> None:
    rng = seeded_rng(seed)
    t = exponential(n)
    assert 0 <= full_jitter(n, rng) <= t
    assert t / 2 <= equal_jitter(n, rng) <= t
    assert 5 <= decorrelated_jitter(t, rng) <= min(2000, 3 * t)


def test_decorrelated_jitter_draws_from_base_to_three_times_the_last_sleep() -> None:
    """Its sleeps keep a client's own memory: each lies in [base, 3 * previous] capped."""
    sleeps = schedule("decorrelated", 30, seed=3)
    previous = 5.0
    for sleep in sleeps:
        assert 5.0 <= sleep <= round(min(2000.0, 3 * previous), 1)
        previous = sleep
    assert max(sleeps) == 2000.0


def test_sleep_is_drawn_from_the_generator_exactly() -> None:
    """The jitter is one uniform draw, as in Brooker's simulator."""
    full, equal = Backoff("full", seeded_rng(9)), Backoff("equal", seeded_rng(9))
    draw = seeded_rng(9).uniform
    assert full.sleep(3) == draw(0, 40.0)
    expected = seeded_rng(9).uniform(0, 20.0) + 20.0
    assert equal.sleep(3) == expected
    assert Backoff("none", seeded_rng(0)).sleep(7) == 0.0


def test_schedule_is_fixed_by_its_seed() -> None:
    assert schedule("full", 5, seed=4) == schedule("full", 5, seed=4)
    assert schedule("full", 5, seed=4) != schedule("full", 5, seed=5)
    assert schedule("none", 3) == (0.0, 0.0, 0.0)
    assert schedule("equal", 0) == ()


@pytest.mark.parametrize(("call", "message"), [
    (lambda: exponential(-1), "exponential: n must be a whole number, 0 or more, not -1"),
    (lambda: exponential(2, base=0),
     "exponential: base must be a positive finite number, not 0"),
    (lambda: Backoff("linear", seeded_rng(0)),
     "Backoff: algorithm must be one of none, exponential, full, equal, decorrelated, "
     "not 'linear'"),
    (lambda: Backoff("full", seeded_rng(0)).sleep(0),
     "Backoff: n must be a positive whole number, not 0"),
    (lambda: schedule("full", -2), "schedule: retries must be a whole number, 0 or more, not -2"),
    (lambda: contention("full", 0), "contention: clients must be a positive whole number, not 0"),
    (lambda: contention("full", 3, runs=0),
     "contention: runs must be a positive whole number, not 0"),
    (lambda: contention("full", 3, seed=1.5), "contention: seed must be an integer, not 1.5"),
    (lambda: contention(None, 3),  # type: ignore[arg-type]
     "contention: algorithm must be a non-empty string, not None"),
    (lambda: contention_table(clients=10),  # type: ignore[arg-type]
     "contention_table: clients must be a list of client counts, not 10"),
    (lambda: contention_table(clients=(10, -1)),
     "contention_table: clients must be a positive whole number, not -1"),
])
def test_bad_input_is_a_theory_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(TheoryError) as raised:
        call()
    assert str(raised.value) == message


# --- the contention simulation --------------------------------------------------------------


def test_one_client_writes_at_once() -> None:
    """Alone, a client reads and writes once: one call, four network delays."""
    time, calls = contention("exponential", 1, runs=50, seed=2)
    assert calls == 1.0
    assert 30 < time < 50


@pytest.mark.parametrize("algorithm", list(ALGORITHMS))
def test_every_client_writes_exactly_once(algorithm: str) -> None:
    """Every run ends with each client's one successful write: at least one call each,
    and more when writes collide."""
    time, calls = contention(algorithm, 20, runs=2, seed=5)
    assert calls > 20 and time > 0


def test_same_seed_same_result() -> None:
    assert contention("decorrelated", 30, runs=2, seed=11) == \
        contention("decorrelated", 30, runs=2, seed=11)
    assert contention("decorrelated", 30, runs=2, seed=11) != \
        contention("decorrelated", 30, runs=2, seed=12)


def test_exact_values_for_seed_zero() -> None:
    """Pinned, so a change to the model shows."""
    assert contention("full", 10, runs=3, seed=0) == (454.65962448677016, 40.333333333333336)


def test_table_rows_are_the_contention_cells() -> None:
    rows = contention_table(clients=(10, 25), runs=2, seed=4)
    assert [(r.clients, r.algorithm) for r in rows] == [
        (n, a) for n in (10, 25) for a in ALGORITHMS]
    time, calls = contention("equal", 25, runs=2, seed=4)
    assert rows[8] == ContentionRow("equal", 25, round(time, 1), round(calls, 1),
                                    round(calls / 25, 2))


@pytest.mark.parametrize(("clients", "seed"), [(50, 0), (100, 0), (100, 1)])
def test_brookers_conclusions(clients: int, seed: int) -> None:
    """'The no-jitter exponential backoff approach is the clear loser': it takes the
    longest and makes more calls than any jittered approach; full jitter makes the
    fewest calls, equal jitter slightly more and takes much longer; decorrelated jitter
    makes more calls than full jitter but finishes a little sooner. Retrying at once
    makes the most calls of all."""
    cell = {a: contention(a, clients, runs=3, seed=seed) for a in ALGORITHMS}
    time = {a: cell[a][0] for a in ALGORITHMS}
    calls = {a: cell[a][1] for a in ALGORITHMS}
    assert max(time, key=time.__getitem__) == "exponential"
    assert max(calls, key=calls.__getitem__) == "none"
    assert all(calls["exponential"] > calls[a] for a in ("full", "equal", "decorrelated"))
    assert min(calls, key=calls.__getitem__) == "full"
    assert calls["full"] < calls["equal"] < calls["decorrelated"]
    assert calls["full"] < 0.6 * calls["exponential"]
    assert time["decorrelated"] < time["full"] < time["equal"] < time["exponential"]
    assert time["full"] < 1.5 * time["decorrelated"]
    assert time["none"] == min(time.values())
