"""Chapter 8's errata: statements of section 8 that, done as they are stated, cannot
deliver what they promise.

Section 8 has no code sketch, so its errata are defects of its statements. Each is shown
the same way as a sketch's: a reproducible hypothesis search (strategies in
:mod:`.strategies`) finds the smallest case on which the statement, done as written,
breaks the property it is there to give, and the corrected model keeps that property on
the same kind of case. Both are built on the models of earlier chapters, not new ones.

* **The dual write** (``8.dual-write``, Practice 8.2.2; C. Richardson, microservices.io,
  "Pattern: Transactional outbox"). The practice asks each service to own its data, to
  use events, and to reach eventual consistency, and says nothing of how a change to the
  data and the event that announces it are written together. Done in either order, or
  with the event published inside the open transaction, they are two writes to two
  systems, and a crash between them leaves the database and the events disagreeing for
  good: no step is left that would repair it, and no consumer can apply an event that
  was never published or tell that an announced order was never saved.
  Chapter 5's :mod:`~msatheory.communication.outbox` runs every crash point; the
  transactional outbox with an idempotent consumer is the correction.
* **The aggregator's tail** (``8.aggregator-tail``, Pattern 8.1.1; J. Dean and L. A.
  Barroso, "The Tail at Scale", Communications of the ACM 56(2), 2013). The gateway
  aggregates the responses of several services, so it answers when the slowest has
  answered, and a request of ``n`` calls waits on a slow one with probability
  ``1 - (1 - p)^n`` (chapter 4's :func:`~msatheory.gateway.aggregation.slow_fraction`).
  Two services, each slow on 0.6% of calls and fast at its p99, already make an
  aggregator slow at its p99. Hedged requests (chapter 4's
  :func:`~msatheory.gateway.aggregation.hedging`: a second copy of a call not answered
  by the fast calls' p95) are the correction, for about 6% more calls.

Considered and left out: a chain (Pattern 8.1.3) of services each at a target
availability misses the target end to end, since availabilities multiply. That is chapter
1's serial availability (:func:`~msatheory.basics.availability.serial`) restated, and its
smallest counterexample is any chain of two: a search would find nothing the product does
not already say. :func:`~msatheory.practice.detection.check_chains` applies it with
Treynor et al.'s extra nine. Section 8 marks nothing 简化实现, so ``STUBS`` is empty.
"""

from __future__ import annotations

from hypothesis import strategies as st

from msatheory.communication.delivery import MODES
from msatheory.communication.outbox import DESIGNS, run
from msatheory.gateway.aggregation import Latency, hedging, simulate_fan_out, slow_fraction
from msatheory.practice.composition import fan_out_latency
from msatheory.practice.strategies import dual_writes, fan_outs
from msatheory.theory.erratum import Counterexample, Erratum, Stub, holds_for_all

__all__ = [
    "ERRATA",
    "FAST",
    "HEDGED_FAN_OUTS",
    "QUANTILE",
    "SLOW",
    "STUBS",
    "aggregator_tail_slow",
    "dual_write_diverges",
]

#: A fast call's mean latency and a slow call's extra delay, in seconds: chapter 4's
#: :class:`~msatheory.gateway.aggregation.Latency` defaults, Dean and Barroso's example.
FAST, SLOW = 0.010, 1.0
#: The quantile of the requests' latency an objective holds: the p99.
QUANTILE = 0.99
#: The fan-outs ``(n, per_mille)`` the corrected aggregator is measured on: from the
#: smallest counterexample to the search's widest fan-out, at its share of slow calls and
#: at 0.9%, just under the 1% of calls a service's p99 leaves out.
HEDGED_FAN_OUTS: tuple[tuple[int, int], ...] = ((2, 6), (5, 6), (10, 9), (20, 9), (100, 9))
#: Seeded requests a counterexample's aggregator is measured over: enough that the share
#: of requests waiting on a slow call is known to about 0.05%.
MEASURED_REQUESTS = 40_000
#: Requests each hedged fan-out is measured over (a p99 is their 990th fastest).
HEDGED_REQUESTS = 1000

DUAL_WRITE_CASES = dual_writes()
FAN_OUTS = fan_outs()
OUTBOX = "transactional-outbox"
OUTBOX_CRASHES = st.sampled_from(DESIGNS[OUTBOX].crash_points)


# -- 8.dual-write ------------------------------------------------------------------------------

def dual_write_diverges(case: tuple[str, str]) -> bool:
    """Property: once a crash is over and every event delivered, the order is saved exactly
    when its event has been applied, once. True on a counterexample: the dual write
    ``design``, crashing at ``crash``, leaves database and events disagreeing for good."""
    design, crash = case
    return not run(design, crash).consistent


def _describe_dual_write(case: tuple[str, str]) -> Counterexample:
    design, crash = case
    outcome = run(design, crash)
    alike = all(run(design, crash, consumer=mode).verdict == outcome.verdict
                for mode in MODES)
    saved = "order saved" if outcome.order_saved else "no order"
    why = ("its event was never published" if outcome.verdict == "event lost"
           else "its event was published and applied all the same")
    return Counterexample(
        f"the orders service saves order-1 and publishes OrderPlaced:order-1 by "
        f"{design} ({', '.join(DESIGNS[design].steps)}), and crashes {crash}",
        "eventually consistent: the order saved and its event applied once, or neither",
        f"{saved}, published {outcome.published}, applied {outcome.applied}: "
        f"{outcome.verdict}, {why}; the design has no step left to run after the crash, "
        "so the disagreement is for good"
        + (f", whatever the consumer ({', '.join(MODES)})" if alike else ""),
    )


def _outbox_diverges(crash: str) -> bool:
    """The transactional outbox, crashing at ``crash``, with an idempotent consumer."""
    return not run(OUTBOX, crash, consumer="effectively-once").consistent


# -- 8.aggregator-tail -------------------------------------------------------------------------

def aggregator_tail_slow(case: tuple[int, int]) -> bool:
    """Property: an aggregator of ``n`` services whose p99 is fast (below ``SLOW``) has a
    fast p99 too. True on a counterexample (``per_mille`` thousandths of calls slow)."""
    n, per_mille = case
    call = Latency(FAST, SLOW, per_mille / 1000)
    each = fan_out_latency(1, call, q=QUANTILE)
    aggregated = fan_out_latency(n, call, q=QUANTILE)
    return each < SLOW <= aggregated


def _describe_tail(case: tuple[int, int]) -> Counterexample:
    n, per_mille = case
    p = per_mille / 1000
    call = Latency(FAST, SLOW, p)
    each = float(fan_out_latency(1, call, q=QUANTILE))
    aggregated = float(fan_out_latency(n, call, q=QUANTILE))
    waiting = float(slow_fraction(n, p))
    measured = simulate_fan_out(n, p, fast=FAST, slow=SLOW, requests=MEASURED_REQUESTS,
                                seed=0)
    return Counterexample(
        f"the gateway aggregates {n} services; each call takes {FAST * 1000:g} ms on "
        f"average and {p:.1%} of calls are held up {SLOW:g} s more",
        f"each service's p99 is fast ({each * 1000:.1f} ms), so the aggregator's is fast too",
        f"the aggregator's p99 is {aggregated:.4f} s ({measured.p99:.4f} s measured over "
        f"{MEASURED_REQUESTS:,} seeded requests): {waiting:.2%} of its requests wait on a "
        f"slow call, 1 - (1 - p)^n, more than the {1 - QUANTILE:.0%} a p99 leaves out "
        f"({measured.slow_fraction:.2%} measured)",
    )


def _hedged_slow(case: tuple[int, int]) -> bool:
    """The aggregator hedging each call at the fast calls' p95 (Dean and Barroso): its
    measured p99 is slow."""
    n, per_mille = case
    report = hedging(n, per_mille / 1000, fast=FAST, slow=SLOW,
                     requests=HEDGED_REQUESTS, seed=0)
    return report.p99_hedged >= SLOW


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        key="8.dual-write",
        concerns="Practice 8.2.2 (section 8.2; Practice 8.2.2)",
        wrong="A service that owns its data and publishes events, as the practice asks, "
        "writes its database and the message broker in two steps it cannot make atomic, "
        "so a crash between them leaves the two disagreeing for good and eventual "
        "consistency is never reached.",
        search=DUAL_WRITE_CASES,
        breaks=dual_write_diverges,
        describe=_describe_dual_write,
        verify_corrected=lambda: holds_for_all(OUTBOX_CRASHES, _outbox_diverges),
        corrected_by="msatheory.communication.outbox.run (the transactional-outbox design "
        "with an effectively-once consumer)",
    ),
    Erratum(
        key="8.aggregator-tail",
        concerns="Pattern 8.1.1 (section 8.1; Pattern 8.1.1)",
        wrong="An aggregator answers when the slowest of its services has answered, so "
        "with two services each slow on 0.6% of calls its p99 is a slow call's latency "
        "while each service's p99 is fast.",
        search=FAN_OUTS,
        breaks=aggregator_tail_slow,
        describe=_describe_tail,
        verify_corrected=lambda: not any(map(_hedged_slow, HEDGED_FAN_OUTS)),
        corrected_by="msatheory.gateway.aggregation.hedging",
    ),
)

#: Section 8 has no code sketch and marks nothing 简化实现: chapter 8 declares no stubs.
STUBS: tuple[Stub, ...] = ()
