"""Def 7.2.2 (告警规则): SLO alerting rules, evaluated as Prometheus does, their closed forms
against their runs, and the checker."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.deployment.alerting import (
    Alert,
    AlertPolicy,
    AlertRule,
    Incident,
    Scenario,
    Window,
    alerts,
    check_alert_rules,
    firing,
    multiwindow_rule,
    recommended_table,
    step_detection,
    threshold_rule,
    window_means,
    workbook_policies,
)
from msatheory.deployment.incidents import incidents
from msatheory.deployment.slo import (
    DAY,
    HOUR,
    SLO,
    detection_time,
    reset_time,
)
from msatheory.errors import TheoryError

EXACT = SLO(Fraction(999, 1000))
POLICIES = workbook_policies(EXACT)
BURNS = st.fractions(min_value=Fraction(1, 100), max_value=1000, max_denominator=1000)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "message"), [
    (lambda: Window(0, 0.001), "Window: minutes must be a positive whole number"),
    (lambda: AlertRule("r", []), "AlertRule: windows must hold at least one Window"),
    (lambda: AlertRule("r", [Window(5, 0.1)], severity="email"),
     "AlertRule: severity must be one of page, ticket"),
    (lambda: AlertPolicy(1, "p", [threshold_rule(EXACT, 5)] * 2),
     "AlertPolicy: rules lists '5m@1' twice"),
    (lambda: firing(threshold_rule(EXACT, 5), [0.0, 1.2]), "firing: ratios[1] must lie"),
    (lambda: firing(threshold_rule(EXACT, 5), []), "firing: ratios must be a non-empty"),
    (lambda: check_alert_rules([Window(5, 0.1)], EXACT),  # type: ignore[list-item]
     "check_alert_rules: rules holds"),
    (lambda: Scenario("s", (0.0,) * 5, Incident(3, 5, 1.0)),
     "Scenario: incident must end within the series of 5 minutes, not at 8"),
    (lambda: Scenario("s", (0.0, -0.1)), "Scenario: ratios[1] must lie in [0, 1]"),
])
def test_bad_input_is_refused_by_name(call: Callable[[], object], message: str) -> None:
    with pytest.raises(TheoryError, match=re.escape(message)):
        call()


# --- the workbook's closed forms, run --------------------------------------------------------


@settings(max_examples=40)
@given(st.sampled_from([1, 5, 10, 30, 60, 360]), BURNS,
       st.fractions(min_value=Fraction(1, 1000), max_value=1, max_denominator=1000))
def test_simulated_detection_is_the_closed_form_within_one_evaluation(
        window: int, burn: Fraction, ratio: Fraction) -> None:
    rule = threshold_rule(EXACT, window, burn=burn)
    closed = detection_time(ratio, EXACT.objective, window, burn)
    run = step_detection(rule, ratio)
    if closed is None:
        assert run is None
    else:
        assert run is not None
        assert closed - Fraction(1, 10**9) <= run <= closed + 1


@pytest.mark.parametrize("rule", POLICIES[5].rules, ids=lambda r: r.name)
@pytest.mark.parametrize("ratio", [1, 0.1, 0.05, 0.02, 0.0101, 0.007, 0.005, 0.002, 0.0015])
def test_recommended_rules_detect_within_one_evaluation_of_the_workbook(
        rule: AlertRule, ratio: float) -> None:
    long = rule.windows[0]
    closed = detection_time(ratio, EXACT.objective, long.minutes, long.burn(EXACT))
    run = step_detection(rule, ratio)
    assert (closed is None) == (run is None)
    if closed is not None and run is not None:
        assert float(closed) - 1e-9 <= run <= float(closed) + 1


@settings(max_examples=40)
@given(st.sampled_from([5, 10, 60, 360]), BURNS,
       st.fractions(min_value=Fraction(1, 1000), max_value=1, max_denominator=1000))
def test_simulated_reset_is_the_closed_form_within_one_evaluation(
        window: int, burn: Fraction, ratio: Fraction) -> None:
    rule = threshold_rule(EXACT, window, burn=burn)
    closed = reset_time(ratio, EXACT.objective, window, burn)
    series = [0.0] * window + [float(ratio)] * (2 * window) + [0.0] * (2 * window)
    fire = firing(rule, series)
    end = 3 * window
    if closed is None:
        assert not any(fire)
        return
    quiet = next(t for t in range(end, len(series) + 1) if not fire[t - 1])
    assert closed - Fraction(1, 10**9) <= quiet - end <= closed + 1


# --- evaluation, against a plain port of Prometheus' state machine -------------------------


def _prometheus(rule: AlertRule, series: list[float]) -> list[bool]:
    """AlertingRule.Eval, one evaluation a minute: inactive -> pending when the expression
    holds, pending -> firing once ``ts - activeAt >= for``, back to inactive when it
    fails. Windows are averaged minute by minute, earlier minutes counted as clean."""
    state, active_at, out = "inactive", 0, []
    for t in range(1, len(series) + 1):
        holds = True
        for w in rule.windows:
            mean = sum(series[max(0, t - w.minutes):t]) / w.minutes
            threshold = float(w.threshold)
            holds &= mean >= threshold if w.inclusive else mean > threshold
        if not holds:
            state = "inactive"
        elif state == "inactive":
            state, active_at = "pending", t
        if state == "pending" and t - active_at >= rule.for_:
            state = "firing"
        out.append(state == "firing")
    return out


RULES = st.builds(
    lambda windows, burn, hold, inclusive: AlertRule(
        "r", [Window(w, EXACT.threshold(burn), inclusive) for w in windows], hold),
    st.lists(st.integers(1, 12), min_size=1, max_size=2),
    st.sampled_from([1, 2, 10, 100]), st.integers(0, 6), st.booleans())
SERIES = st.lists(st.sampled_from([0.0, 0.0005, 0.002, 0.01, 0.05, 0.3, 1.0]),
                  min_size=1, max_size=60)


@settings(max_examples=80)
@given(RULES, SERIES)
def test_firing_is_prometheus_evaluation(rule: AlertRule, series: list[float]) -> None:
    assert list(firing(rule, series)) == _prometheus(rule, series)


@settings(max_examples=60)
@given(RULES, SERIES)
def test_alerts_are_the_runs_of_firing(rule: AlertRule, series: list[float]) -> None:
    fire = firing(rule, series)
    found = alerts(rule, series)
    covered = [False] * len(series)
    for alert in found:
        end = len(series) + 1 if alert.end is None else alert.end
        assert all(fire[t - 1] for t in range(alert.start, end))
        for t in range(alert.start, end):
            covered[t - 1] = True
        if alert.end is not None:
            assert not fire[alert.end - 1]
    assert covered == list(fire)


def test_a_for_clause_delays_by_its_minutes() -> None:
    rule = threshold_rule(EXACT, 1, for_=HOUR)
    assert step_detection(rule, 1) == 61
    # A single clean minute resets the pending alert: 59 minutes on, 1 off, forever.
    flapping = ([1.0] * 59 + [0.0]) * 5
    assert not any(firing(rule, flapping))


@settings(max_examples=60)
@given(st.sampled_from(POLICIES[5].rules), st.lists(
    st.tuples(st.sampled_from([0.0, 0.001, 0.007, 0.02, 0.2, 1.0]), st.integers(1, 400)),
    min_size=1, max_size=8))
def test_multiwindow_fires_only_when_its_long_window_alone_would(
        rule: AlertRule, pieces: list[tuple[float, int]]) -> None:
    series = [ratio for ratio, minutes in pieces for _ in range(minutes)]
    long_alone = AlertRule("long", [rule.windows[0]])
    both, alone = firing(rule, series), firing(long_alone, series)
    assert all(a for b, a in zip(both, alone, strict=True) if b)


@settings(max_examples=40)
@given(st.sampled_from(POLICIES[5].rules[:2]),
       st.fractions(min_value=Fraction(1, 500), max_value=1, max_denominator=1000),
       st.integers(1, 800))
def test_multiwindow_resets_no_later_than_its_long_window(
        rule: AlertRule, ratio: Fraction, minutes: int) -> None:
    long_alone = AlertRule("long", [rule.windows[0]])
    series = [0.0] * rule.longest + [float(ratio)] * minutes + [0.0] * (rule.longest + 1)
    end = rule.longest + minutes

    def reset(r: AlertRule) -> int | None:
        fire = firing(r, series)
        if not any(fire[end - 1:]):
            return None
        return next(t for t in range(end, len(series) + 1) if not fire[t - 1]) - end

    both, alone = reset(rule), reset(long_alone)
    if both is not None:
        assert alone is not None and both <= alone


# --- the six iterations ---------------------------------------------------------------------


def test_the_six_iterations_are_the_workbooks() -> None:
    assert [str(p) for p in POLICIES] == [
        "1. target error rate >= SLO threshold: 10m@1",
        "2. increased alert window: 36h@1",
        "3. incremented alert duration: 1m@1",
        "4. alert on burn rate: 1h@36",
        "5. multiple burn rate alerts: 1h@14.4; 6h@6; 3d@1",
        "6. multiwindow, multi-burn-rate alerts: 1h/5m@14.4; 6h/30m@6; 3d/6h@1",
    ]
    sixth = POLICIES[5].rules
    assert [(r.windows[0].minutes, r.windows[1].minutes, r.burn(EXACT), r.severity)
            for r in sixth] == [(60, 5, Fraction(72, 5), "page"), (360, 30, 6, "page"),
                                (4320, 360, 1, "ticket")]
    assert POLICIES[0].rules[0].windows[0].inclusive
    assert POLICIES[2].rules[0].for_ == HOUR
    # A 28-day period changes the burn rates, not the budget each rule may consume.
    four_weeks = workbook_policies(SLO(Fraction(999, 1000), period=28 * DAY))
    assert four_weeks[5].rules[0].burn(EXACT) == Fraction(2, 100) * 28 * 24


def test_multiwindow_rule_defaults_to_a_twelfth() -> None:
    rule = multiwindow_rule(EXACT, 6 * HOUR, 6)
    assert [w.minutes for w in rule.windows] == [360, 30]
    assert multiwindow_rule(EXACT, 6, 6).windows[1].minutes == 1
    assert str(rule) == "6h/30m@6: ratio[6h] > 0.006 and ratio[30m] > 0.006 (page)"


# --- an incident, and the workbook's recommended rules --------------------------------------


def test_incident_share_of_the_budget() -> None:
    assert Incident(0, 10, Fraction(1, 1000)).share(EXACT) == Fraction(10, 43200)
    assert Incident(0, 60, 0.0144).share(SLO(0.999)) == 0.02


def test_recommended_table_is_table_5_8() -> None:
    lines = recommended_table().splitlines()
    assert lines[2].split() == ["page", "1h", "5m", "14.4", "2%", "1.44%"]
    assert lines[3].split() == ["page", "6h", "30m", "6", "5%", "0.6%"]
    assert lines[4].split() == ["ticket", "3d", "6h", "1", "10%", "0.1%"]


# --- the checker -----------------------------------------------------------------------------


def _kinds(rules: tuple[AlertRule, ...] | list[AlertRule], slo: SLO = EXACT) -> set[str]:
    return {w.what for w in check_alert_rules(rules, slo).witnesses}


def test_checker_passes_the_workbooks_recommendations() -> None:
    assert check_alert_rules(POLICIES[5].rules, EXACT).holds
    assert check_alert_rules(POLICIES[4].rules, EXACT).holds
    assert check_alert_rules(workbook_policies(SLO(0.99))[5].rules, SLO(0.99)).holds


def test_checker_finds_each_iterations_flaw() -> None:
    assert _kinds(POLICIES[0].rules) == {"pages too often"}
    assert _kinds(POLICIES[1].rules) == set()
    assert _kinds(POLICIES[2].rules) == {"pages too often", "detects too late"}
    assert _kinds(POLICIES[3].rules) == {"misses"}
    verdict = check_alert_rules(POLICIES[3].rules, EXACT)
    assert "just under 36 never fires; it spends the whole budget in 20 h" in str(verdict)


def test_checker_finds_short_windows_long_windows_and_impossible_thresholds() -> None:
    short_alone = threshold_rule(EXACT, 5, burn=14.4, name="5m@14.4")
    week = threshold_rule(EXACT, 7 * DAY, name="7d@1")
    impossible = threshold_rule(EXACT, HOUR, burn=2000, name="1h@2000")
    assert "pages too often" in _kinds([short_alone, week])
    late = check_alert_rules([week], EXACT)
    assert [w.what for w in late.witnesses] == ["detects too late"]
    assert "7d@1: a sustained burn of 1000 fires 11 min after it begins, when 25.5%" in str(late)
    assert "never fires" in _kinds([impossible, *POLICIES[5].rules])


def test_checker_witness_is_a_real_firing_event() -> None:
    rule = POLICIES[0].rules[0]
    verdict = check_alert_rules([rule], EXACT)
    detail = verdict.witnesses[0].detail
    assert detail.startswith("10m@1: fires on 0.1% errors for 10 min")
    # The witness fires the rule, and consumes far less than 2% of the budget.
    event = [0.0] * 10 + [0.001 * 1.000001] * 10 + [0.0] * 10
    assert any(firing(rule, event))
    assert math.isclose(Incident(10, 10, 0.001).share(EXACT), 10 / 43200)


def test_alert_records_are_stable() -> None:
    rule = threshold_rule(EXACT, HOUR, burn=36)
    found = alerts(rule, [0.0] * HOUR + [1.0] * 10 + [0.0] * HOUR)
    assert found == (Alert("1h@36", HOUR + 3, HOUR + 10 + 58),)


def test_a_sustained_ratio_barely_above_a_threshold_is_detected_or_not_never_hangs() -> None:
    rule = threshold_rule(EXACT, 7, burn=Fraction(1, 3))
    ratio = float(rule.windows[0].threshold) * (1 + 1e-16)
    assert step_detection(rule, ratio) in (None, 7)
    assert check_alert_rules([rule], EXACT).witnesses


def test_window_means_cross_the_threshold_exactly_where_the_rule_fires():
    scenario = incidents(3, count=2, margin=240)[1]
    for minutes in (5, 60):
        rule = threshold_rule(SLO(0.999), minutes, burn=14.4)
        crossed = window_means(scenario.ratios, minutes) > float(rule.windows[0].threshold)
        assert tuple(crossed.tolist()) == firing(rule, scenario.ratios)
    assert window_means([0.0, 0.3, 0.3], 2).tolist() == [0.0, 0.15, 0.3]
    with pytest.raises(TheoryError, match="minutes must be a positive whole number"):
        window_means([0.1], 0)
    with pytest.raises(TheoryError, match="ratio"):
        window_means([1.5], 1)
