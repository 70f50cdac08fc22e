"""Def 7.2.2 (告警规则): SLOs, error budgets and burn rates, exactly."""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.deployment.slo import (
    DAY,
    HOUR,
    MONTH,
    SLO,
    budget_consumed,
    burn_rate,
    burn_rate_table,
    detection_time,
    exact,
    minutes_text,
    reset_time,
    time_to_exhaustion,
)
from msatheory.errors import TheoryError

EXACT = SLO(Fraction(999, 1000))
FRACTIONS = st.fractions(min_value=0, max_value=1, max_denominator=10_000)


# --- the algebra of burn rates and budgets --------------------------------------------------


def test_burn_rate_is_the_error_ratio_over_the_budget() -> None:
    assert burn_rate(0.001, 0.999) == 1.0
    assert burn_rate(1, 0.999) == 1000.0
    assert burn_rate(0.0144, 0.999) == 14.4
    assert burn_rate(Fraction(1, 100), Fraction(99, 100)) == Fraction(1)
    assert isinstance(burn_rate(Fraction(1, 1000), 0.999), Fraction)
    assert isinstance(burn_rate(0.001, 0.999), float)


def test_budget_consumed_and_time_to_exhaustion_reproduce_the_workbook() -> None:
    assert budget_consumed(14.4, 1, 720) == 0.02       # Table 5-8: 2% in 1 hour
    assert budget_consumed(6, 6, 720) == 0.05          # 5% in 6 hours
    assert budget_consumed(1, 3 * 24, 720) == 0.1      # 10% in 3 days
    assert budget_consumed(36, 1, 720) == 0.05         # iteration 4: 5% in its hour
    # Table 5-4: burn rate 1, 2, 10, 1000 exhaust 30 days in 30 d, 15 d, 3 d, 43.2 min.
    assert [time_to_exhaustion(b, MONTH) for b in (1, 2, 10, 1000)] == [
        43200.0, 21600.0, 4320.0, 43.2]
    # Iteration 4's con: "a 35x burn rate never alerts, but consumes all of the 30-day
    # error budget in 20.5 hours".
    assert time_to_exhaustion(35, 720) == pytest.approx(20.57, abs=0.01)
    assert time_to_exhaustion(Fraction(144, 10), 720) == Fraction(50)


@settings(max_examples=60)
@given(FRACTIONS, st.fractions(min_value=Fraction(1, 2), max_value=Fraction(9999, 10000)),
       st.integers(1, 10_000), st.integers(1, 100_000))
def test_budget_algebra_is_exact(ratio: Fraction, slo: Fraction, window: int,
                                 period: int) -> None:
    burn = burn_rate(ratio, slo)
    assert isinstance(burn, Fraction)
    assert burn * (1 - slo) == ratio
    assert budget_consumed(burn, window, period) == burn * window / period
    if burn:
        whole = time_to_exhaustion(burn, period)
        assert budget_consumed(burn, whole, period) == 1
    # Consumption adds over consecutive windows.
    assert budget_consumed(burn, window + 1, period) == (
        budget_consumed(burn, window, period) + budget_consumed(burn, 1, period))


@pytest.mark.parametrize(("call", "message"), [
    (lambda: burn_rate(1.5, 0.999), "burn_rate: error_ratio must lie in [0, 1]"),
    (lambda: burn_rate(0.1, 1), "burn_rate: slo must be below 1"),
    (lambda: burn_rate(0.1, 0), "burn_rate: slo must lie in (0, 1]"),
    (lambda: budget_consumed(-1, 1, 1), "budget_consumed: burn_rate must be"),
    (lambda: budget_consumed(1, 1, 0), "budget_consumed: period must be a positive"),
    (lambda: time_to_exhaustion(0, 720), "time_to_exhaustion: burn_rate must be a positive"),
    (lambda: detection_time(0, 0.999, 60, 1), "detection_time: error_ratio must lie in (0"),
    (lambda: SLO(0.999, period=0), "SLO: period must be a positive whole number"),
    (lambda: SLO(1), "SLO: objective must be below 1"),
])
def test_bad_input_is_refused_by_name(call: Callable[[], object], message: str) -> None:
    with pytest.raises(TheoryError, match=re.escape(message)):
        call()


def test_an_slo_knows_its_budget_and_its_burn_rates() -> None:
    assert EXACT.budget == Fraction(1, 1000)
    assert EXACT.downtime == Fraction(216, 5)          # 43.2 minutes a month
    assert SLO(0.999).downtime == 43.2
    assert [SLO(0.999).burn_for(share, window) for share, window in
            ((0.02, HOUR), (0.05, 6 * HOUR), (0.1, 3 * DAY))] == [14.4, 6.0, 1.0]
    assert EXACT.threshold(Fraction(72, 5)) == Fraction(9, 625)


# --- the workbook's closed forms --------------------------------------------------------------


def test_detection_and_reset_times_the_workbook_quotes() -> None:
    assert detection_time(1, 0.999, 10, 1) == 0.01                 # iteration 1: 0.6 s
    assert detection_time(1, EXACT.objective, 36 * HOUR, 1) == Fraction(54, 25)  # 2 min 10 s
    assert detection_time(1, 0.999, HOUR, 36) == 2.16              # 4
    assert reset_time(1, 0.999, HOUR, 36) == 57.84                 # 4: "58 minutes"
    assert reset_time(1, 0.999, 36 * HOUR, 1) == pytest.approx(35.964 * HOUR)  # 2: 36 h
    assert detection_time(0.0144, 0.999, HOUR, 14.4) is None
    assert detection_time(Fraction(1, 10), Fraction(999, 1000), 60, Fraction(72, 5)) == \
        Fraction(216, 25)


def test_the_contract_names_are_the_same_objects_in_alerting() -> None:
    from msatheory.deployment import alerting

    assert alerting.burn_rate is burn_rate
    assert alerting.budget_consumed is budget_consumed
    assert alerting.time_to_exhaustion is time_to_exhaustion


def test_burn_rate_table_is_table_5_4() -> None:
    lines = burn_rate_table().splitlines()
    assert [line.split() for line in lines[2:]] == [
        ["1", "0.1%", "30", "d"], ["2", "0.2%", "15", "d"], ["10", "1%", "3", "d"],
        ["1000", "100%", "43.2", "min"]]
    assert len(burn_rate_table(SLO(0.99), burns=(1, 100)).splitlines()) == 4
    with pytest.raises(TheoryError, match=re.escape("burn * budget must lie in [0, 1]")):
        burn_rate_table(burns=(2000,))


def test_exact_reads_a_float_as_its_decimal_and_minutes_read_as_a_person_reads() -> None:
    assert exact(0.1) == Fraction(1, 10) and exact(3) == 3
    assert [minutes_text(m) for m in (0.01, 1, 119, 120, 2 * DAY)] == [
        "0.6 s", "1 min", "119 min", "2 h", "2 d"]
