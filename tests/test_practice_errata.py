"""Chapter 8's errata (msatheory.practice.errata): each erratum's smallest counterexample,
proved the least of its search by enumeration, and its description; the properties away
from the defects; the closed forms against simulation; the corrected models; the record's
form, held here as tests/test_theory.py holds it for the errata a lesson has registered."""

from __future__ import annotations

import importlib
import re
from fractions import Fraction

import pytest
from hypothesis import given, settings

from msatheory.communication.delivery import MODES
from msatheory.communication.outbox import DESIGNS, run
from msatheory.deployment.errata import within_binomial_bound
from msatheory.errors import TheoryError
from msatheory.gateway.aggregation import Latency, hedging, simulate_fan_out, slow_fraction
from msatheory.practice import errata
from msatheory.practice.composition import fan_out_latency
from msatheory.practice.errata import (
    ERRATA,
    FAST,
    HEDGED_FAN_OUTS,
    QUANTILE,
    SLOW,
    STUBS,
    aggregator_tail_slow,
    dual_write_diverges,
)
from msatheory.practice.strategies import DUAL_WRITES, dual_writes, fan_outs
from msatheory.theory import render

CHAPTER_8_ERRATA = {
    "8.dual-write": (("db-then-publish", "before publish event"), (
        "by db-then-publish (insert order, commit, publish event), and crashes before "
        "publish event",
        "the order saved and its event applied once, or neither",
        "order saved, published 0, applied 0: event lost, its event was never published",
        "for good, whatever the consumer (at-most-once, at-least-once, effectively-once)")),
    "8.aggregator-tail": ((2, 6), (
        "aggregates 2 services; each call takes 10 ms on average and 0.6% of calls are "
        "held up 1 s more",
        "each service's p99 is fast (55.2 ms)",
        "the aggregator's p99 is 1.0018 s (1.0015 s measured over 40,000 seeded requests)",
        "1.20% of its requests wait on a slow call", "(1.12% measured)")),
}


def _resolves(dotted: str) -> object:
    module, _, attribute = dotted.split(" (")[0].partition(".")
    target: object = importlib.import_module(module)
    for part in attribute.split("."):
        target = (getattr(target, part) if hasattr(target, part)
                  else importlib.import_module(f"{target.__name__}.{part}"))  # type: ignore[attr-defined]
    return target


def test_chapter_8_has_these_errata_each_on_a_statement_of_section_8():
    assert [e.key for e in ERRATA] == list(CHAPTER_8_ERRATA)
    assert [e.concerns for e in ERRATA] == ["Practice 8.2.2 (section 8.2; Practice 8.2.2)",
                                           "Pattern 8.1.1 (section 8.1; Pattern 8.1.1)"]
    assert STUBS == ()


@pytest.mark.parametrize("erratum", ERRATA, ids=lambda e: e.key)
def test_each_erratum_finds_its_smallest_counterexample(erratum):
    example, fragments = CHAPTER_8_ERRATA[erratum.key]
    assert erratum.find() == example
    text = str(erratum.describe(example))
    for fragment in fragments:
        assert fragment in text


@pytest.mark.parametrize("erratum", ERRATA, ids=lambda e: e.key)
def test_each_erratum_is_shown_by_the_statement_and_fixed_by_its_correction(erratum):
    example = erratum.find()
    assert erratum.breaks(example) is True
    counterexample = erratum.demonstrate()
    assert counterexample == erratum.describe(example)
    assert counterexample.expected != counterexample.observed
    assert erratum.verify_corrected() is True


@pytest.mark.parametrize("erratum", ERRATA, ids=lambda e: e.key)
def test_each_erratum_is_written_the_same_way(erratum):
    assert re.fullmatch(r"8\.[a-z][a-z0-9-]*", erratum.key)
    assert re.fullmatch(r".+ \(section 8(\.\d)?(; .+)?\)", erratum.concerns)
    assert erratum.wrong[0].isupper() and erratum.wrong.endswith(".")
    assert erratum.wrong.count(". ") == 0
    assert callable(_resolves(erratum.corrected_by))
    shown = render.source(erratum.breaks)
    assert shown.startswith(f"def {erratum.breaks.__name__}(") and '"""Property: ' in shown
    assert erratum.stated().startswith("Property: ") and "\n" not in erratum.stated()


# -- the counterexamples are the least of their searches ---------------------------------

def test_the_dual_write_found_is_the_first_that_breaks_in_the_search_order():
    """The search draws a design of DUAL_WRITES, then one of its crash points: the first
    pair in that order that breaks is the one found."""
    ordered = [(name, crash) for name in DUAL_WRITES for crash in DESIGNS[name].crash_points]
    assert next(case for case in ordered if dual_write_diverges(case)) == ERRATA[0].find()


def test_no_fan_out_narrower_or_share_smaller_breaks_the_aggregator():
    """One service is never a counterexample, and at two services no share of slow calls
    under 0.6% is: (2, 6) is the least pair of the search in its order."""
    assert not any(aggregator_tail_slow((1, k)) for k in range(21))
    assert [k for k in range(21) if aggregator_tail_slow((2, k))] == [6, 7, 8, 9, 10]


# -- the properties away from the defects ------------------------------------------------

def test_a_dual_write_that_does_not_crash_is_consistent():
    assert not any(dual_write_diverges((name, "no crash")) for name in DUAL_WRITES)
    assert not dual_write_diverges(("db-then-publish", "before commit"))


def test_every_dual_write_breaks_somewhere_and_no_consumer_mends_it():
    for name in DUAL_WRITES:
        broken = [crash for crash in DESIGNS[name].crash_points
                  if dual_write_diverges((name, crash))]
        assert broken
        for crash in broken:
            assert len({run(name, crash, consumer=mode).verdict for mode in MODES}) == 1
    invented = str(errata._describe_dual_write(("publish-then-db", "before commit")))
    assert "no order, published 1, applied 1: event invented" in invented


def test_the_aggregator_is_fine_when_its_services_are_slow_or_none_is():
    assert not aggregator_tail_slow((100, 0))  # the fast calls' tail alone: 92 ms
    assert not aggregator_tail_slow((2, 11))  # each service is slow at its p99 already
    assert aggregator_tail_slow((100, 1)) and aggregator_tail_slow((11, 1))
    assert not aggregator_tail_slow((10, 1))


@pytest.mark.parametrize("n", [1, 2, 3, 5, 11, 20, 100])
def test_the_aggregator_is_slow_at_its_p99_exactly_when_over_1pct_wait_on_a_slow_call(n):
    """Below the slow delay the maximum's distribution is (1 - p)^n times a factor within
    e^-100 of 1, so the p99 reaches it exactly when 1 - (1 - p)^n passes 1%."""
    for k in range(21):
        p = k / 1000
        slow = fan_out_latency(n, Latency(FAST, SLOW, p), q=QUANTILE) >= SLOW
        assert slow == (slow_fraction(n, p) > 1 - QUANTILE)


def test_the_measured_share_of_slow_requests_agrees_with_the_tail_at_scale():
    requests = errata.MEASURED_REQUESTS
    measured = simulate_fan_out(2, 0.006, fast=FAST, slow=SLOW, requests=requests, seed=0)
    exact = 1 - Fraction(994, 1000) ** 2
    assert within_binomial_bound(round(measured.slow_fraction * requests), requests, exact)
    assert measured.p99 >= SLOW


# -- the corrected models ----------------------------------------------------------------

def test_the_outbox_needs_its_idempotent_consumer():
    """The relay publishes again after a crash between publishing and marking sent: with
    a consumer that is not idempotent the outbox applies the event twice."""
    crashes = DESIGNS["transactional-outbox"].crash_points
    assert all(run("transactional-outbox", c).consistent for c in crashes)
    twice = run("transactional-outbox", "before relay: mark sent", consumer="at-least-once")
    assert (twice.published, twice.applied, twice.verdict) == (2, 2, "event applied twice")


@pytest.mark.parametrize("case", HEDGED_FAN_OUTS, ids=str)
def test_hedging_takes_the_slow_calls_out_of_the_p99_for_about_6pct_more_calls(case):
    n, per_mille = case
    report = hedging(n, per_mille / 1000, fast=FAST, slow=SLOW,
                     requests=errata.HEDGED_REQUESTS, seed=0)
    assert report.p99_plain >= SLOW > 0.1 > report.p99_hedged
    assert abs(report.extra_calls - report.expected_extra) < 0.01
    assert 0.05 < report.expected_extra < 0.06


# -- strategies ----------------------------------------------------------------------------

def test_the_dual_writes_are_the_designs_without_a_relay():
    assert DUAL_WRITES == ("db-then-publish", "publish-then-db", "publish-in-transaction")


@settings(max_examples=30)
@given(dual_writes())
def test_dual_writes_draws_a_dual_write_and_one_of_its_crash_points(case):
    name, crash = case
    assert name in DUAL_WRITES and crash in DESIGNS[name].crash_points


@settings(max_examples=30)
@given(fan_outs(7, 3))
def test_fan_outs_stays_within_its_bounds(case):
    n, per_mille = case
    assert 1 <= n <= 7 and 0 <= per_mille <= 3


def test_fan_outs_refuses_bounds_it_cannot_draw():
    with pytest.raises(TheoryError, match=r"fan_outs: most_calls must be a positive whole"):
        fan_outs(0)
    with pytest.raises(TheoryError, match=r"fan_outs: most_per_mille must be at most 1000"):
        fan_outs(10, 1001)
