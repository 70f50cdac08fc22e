"""Def 7.2.2 (告警规则): burn-rate alerts read back from Prometheus rules files."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.deployment.alerting import (
    AlertRule,
    Window,
    check_alert_rules,
    range_text,
    workbook_policies,
)
from msatheory.deployment.rulefiles import load_rules
from msatheory.deployment.slo import (
    DAY,
    HOUR,
    SLO,
)
from msatheory.errors import TheoryError

EXACT = SLO(Fraction(999, 1000))
POLICIES = workbook_policies(EXACT)


# --- reading Prometheus rules -----------------------------------------------------------------


def _promql(window: Window, burn: str, slo: str, recorded: bool) -> str:
    ratio = (f'job:slo_errors_per_request:ratio_rate{range_text(window.minutes)}{{job="x"}}'
             if recorded else
             f"sum(rate(slo_errors[{range_text(window.minutes)}])) by (job) / "
             f"sum(rate(slo_requests[{range_text(window.minutes)}])) by (job)")
    return f"{ratio} {'>=' if window.inclusive else '>'} {burn} * (1 - {slo})"


def _rules_file(rules: list[tuple[AlertRule, str]], slo: str, recorded: bool) -> str:
    lines = ["groups:", "- name: slo", "  rules:"]
    for rule, burn in rules:
        expr = " and ".join(_promql(w, burn, slo, recorded) for w in rule.windows)
        lines += [f"  - alert: {rule.name}", f"    expr: '{expr}'",
                  f"    for: {rule.for_}m", f"    labels: {{severity: {rule.severity}}}"]
    return "\n".join(lines) + "\n"


def test_the_workbooks_rules_read_back_exactly() -> None:
    written = []
    for policy in POLICIES:
        for rule in policy.rules:
            burn = str(float(rule.burn(EXACT)))
            written.append((AlertRule(f"i{policy.iteration}-{rule.name}", rule.windows,
                                      rule.for_, rule.severity), burn))
    for recorded in (False, True):
        loaded = load_rules(_rules_file(written, "0.999", recorded))
        assert loaded == tuple(rule for rule, _ in written)


def test_a_prometheus_rule_resource_with_recording_rules_and_or() -> None:
    text = """
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: checkout-slo}
spec:
  groups:
  - name: recordings
    rules:
    - record: checkout:error_ratio:long
      expr: sum by (job) (rate(errors_total[6h])) / sum by (job) (rate(requests_total[6h]))
    - record: checkout:error_ratio:short
      expr: sum(rate(errors_total{code=~"5.."}[30m])) / sum(rate(requests_total[30m]))
  - name: alerts
    rules:
    - alert: CheckoutBurn
      expr: |
        (slo:sli_error:ratio_rate5m > (14.4 * 0.001)
           and ignoring(sloth_window) slo:sli_error:ratio_rate1h > (14.4 * 0.001))
        or ignoring(sloth_window)
        (checkout:error_ratio:short > (6 * 0.001) and checkout:error_ratio:long > (6 * 0.001))
      labels: {severity: critical}
    - alert: CheckoutBurn
      expr: slo:sli_error:ratio_rate3d > 0.001 and slo:sli_error:ratio_rate6h > 0.001
      labels: {severity: warning}
"""
    rules = load_rules(text, "checkout.yaml")
    assert [str(r) for r in rules] == [
        "CheckoutBurn [1]: ratio[5m] > 0.0144 and ratio[1h] > 0.0144 (page)",
        "CheckoutBurn [2]: ratio[30m] > 0.006 and ratio[6h] > 0.006 (page)",
        "CheckoutBurn: ratio[3d] > 0.001 and ratio[6h] > 0.001 (ticket)",
    ]
    assert check_alert_rules(rules, EXACT).holds


@pytest.mark.parametrize(("text", "message"), [
    ("groups: [{name: g, rules: [{alert: A, expr: 'sum(rate(e[1h])) / sum(rate(t[5m])) > 1'}]}]",
     "f.yaml: groups[0].rules[0].expr (line 1): cannot read 'sum(rate(e[1h])) / s' at column "
     "1: expected errors and requests over one window, not 1h and 5m"),
    ("groups: [{name: g, rules: [{alert: A, expr: 'x:ratio_rate1h > 0.1', for: 30s}]}]",
     "groups[0].rules[0].for (line 1): must be a duration of whole minutes such as 1h, "
     "not '30s'"),
    ("groups: [{name: g, rules: [{alert: A, expr: 'x:ratio_rate1h < 0.1'}]}]",
     "at column 16: expected '>' or '>=' (an alert on an error ratio rising above"),
    ("groups: [{name: g, rules: [{alert: A, expr: 'up > 0'}]}]",
     "no recording rule defines 'up' and its name does not end in rate<window>"),
    ("groups: [{name: g, rules: [{alert: A, expr: 'x:ratio_rate1h > 1', "
     "labels: {severity: loud}}]}]",
     "groups[0].rules[0].labels.severity (line 1): must be one of page, critical, ticket"),
    ("groups:\n- name: g\n  rules:\n  - expr: x\n", "groups[0].rules[0] (line 4): must be an "
     "alerting rule (alert:) or a recording rule (record:)"),
    ("kind: PrometheusRule\nspec: {}\n", "spec (line 2): must hold groups:"),
    ("groups: [{name: g, rules: [{alert: A, expr: 'x:ratio_rate1h > 1/0'}]}]",
     "expected a divisor other than 0"),
    ("groups: [{name: g, rules: [{alert: A, expr: 'x:ratio_rate1h > 0.1 @ 5'}]}]",
     "cannot read '@ 5' at column 22: not PromQL this reader understands"),
    ("groups: [{name: g, rules: [{alert: A, expr: 'x:ratio_rate1h > 1e999999'}]}]",
     "expected a number of ordinary size"),
    ("groups: [", "f.yaml: line 2, column 1: not valid YAML"),
])
def test_rules_it_cannot_read_are_refused_by_place(text: str, message: str) -> None:
    with pytest.raises(TheoryError, match=re.escape(message)):
        load_rules(text, "f.yaml")


WRITTEN = st.lists(st.tuples(
    st.lists(st.sampled_from([1, 5, 10, 30, 60, 360, 36 * HOUR, 3 * DAY]), min_size=1,
             max_size=3),
    st.sampled_from(["1", "2", "6", "14.4", "36", "1000"]), st.integers(0, 120),
    st.booleans(), st.sampled_from(["page", "ticket"])), min_size=1, max_size=4)


@settings(max_examples=60)
@given(WRITTEN, st.sampled_from(["0.999", "0.99", "0.9995"]), st.booleans())
def test_any_written_burn_rate_rule_reads_back(
        written: list[tuple[list[int], str, int, bool, str]], slo: str, recorded: bool) -> None:
    budget = 1 - Fraction(slo)
    rules = [(AlertRule(f"A{i}", [Window(m, Fraction(burn) * budget, inclusive)
                                  for m in minutes], hold, severity), burn)
             for i, (minutes, burn, hold, inclusive, severity) in enumerate(written)]
    assert load_rules(_rules_file(rules, slo, recorded)) == tuple(r for r, _ in rules)


VALID = _rules_file([(r, str(float(r.burn(EXACT)))) for r in POLICIES[5].rules],
                    "0.999", False)


@settings(max_examples=150)
@given(st.lists(st.tuples(st.integers(0, len(VALID)), st.integers(0, 3),
                          st.sampled_from(list("()[]{}><=*/-+.,:'\"\n #&|0145hm"))),
                min_size=1, max_size=6))
def test_the_loader_refuses_a_broken_file_with_a_theory_error(
        edits: list[tuple[int, int, str]]) -> None:
    text = VALID
    for at, cut, insert in edits:
        text = text[:at] + insert + text[at + cut:]
    try:
        rules = load_rules(text)
    except TheoryError as error:
        assert str(error).startswith("<rules>: ")
    else:
        assert all(isinstance(r, AlertRule) for r in rules)


@settings(max_examples=100)
@given(st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80))
def test_the_expression_reader_refuses_any_other_text_at_its_place(expr: str) -> None:
    text = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: " + json.dumps(expr) + "\n"
    try:
        rules = load_rules(text)
    except TheoryError as error:
        assert str(error).startswith("<rules>: groups[0].rules[0].expr (line 5): ")
    else:
        assert rules and all(r.name.startswith("A") for r in rules)


def test_parenthesised_ratios_and_conditions_read_alike() -> None:
    forms = [
        "(sum(rate(e[1h])) / sum(rate(r[1h]))) > 0.0144",
        "((sum(rate(e[1h])) / sum(rate(r[1h]))) > 0.0144)",
        "sum without (pod) (rate(e{code=~\"5..\"}[60m])) / sum(rate(r[1h])) by (job) > 0.0144",
        "rate(e[1h]) / rate(r[1h]) > 0.0144",
    ]
    for expr in forms:
        text = f"groups: [{{name: g, rules: [{{alert: A, expr: {json.dumps(expr)}}}]}}]"
        (rule,) = load_rules(text)
        assert rule.windows == (Window(60, Fraction(144, 10000)),)
