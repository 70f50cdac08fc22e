"""Lesson 7b's figures: where a histogram puts a p99, when burn-rate alerts fire, where a
trace spends its time, and what a log record can be joined to without an id.

Every mark comes from the chapter's models. :func:`draw_quantile_estimate` observes
durations into a Prometheus :class:`~msatheory.deployment.prometheus.Histogram` and marks
:func:`~msatheory.deployment.prometheus.histogram_quantile`'s estimate against the exact
quantile (:func:`~msatheory.deployment.prometheus.quantile_error`) of Def 7.2.1 (监控指标);
:func:`draw_burn_alerts` draws an error-ratio series, each rule's windows as the rules read
them, and the alerts (:func:`~msatheory.deployment.alerting.alerts`) of Def 7.2.2
(告警规则); :func:`draw_trace` draws a trace's spans
(:func:`~msatheory.deployment.tracing.span_tree`) with its critical path
(:func:`~msatheory.deployment.tracing.critical_path`) of Def 7.3.2 (链路追踪); and
:func:`draw_time_join` the candidates a record has when joined by time
(:func:`~msatheory.deployment.logs.time_join`) against the closed form of Def 7.3.1
(日志聚合).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import networkx as nx
import numpy as np
from matplotlib.figure import Figure

from msatheory.deployment.alerting import AlertRule, alerts, window_means
from msatheory.deployment.logs import TimeJoin
from msatheory.deployment.prometheus import (
    DEFAULT_BUCKETS,
    Histogram,
    quantile_error,
)
from msatheory.deployment.slo import SLO
from msatheory.deployment.tracing import critical_path
from msatheory.errors import (
    TheoryError,
    require_instance,
    require_items,
    require_number,
)

__all__ = [
    "CRITICAL",
    "ESTIMATE",
    "EXACT",
    "RULE_COLOURS",
    "draw_burn_alerts",
    "draw_quantile_estimate",
    "draw_time_join",
    "draw_trace",
]

#: The exact quantile, the histogram's estimate, and a trace's critical path (each reads
#: at 4.5:1 or more against white, WCAG AA).
EXACT, ESTIMATE, CRITICAL = "#1f2328", "#cf222e", "#cf222e"
#: A window's mean, or a rule, in the order the rules name them (WCAG AA against white).
RULE_COLOURS = ("#0969da", "#bc4c00", "#1a7f37", "#8250df", "#57606a")
#: Spans a service works in, and spans a caller waits in (a CLIENT or PRODUCER span).
WORK, CALLER, RATIO = "#0969da", "#8c959f", "#57606a"
#: The most steps :func:`draw_quantile_estimate` draws of the whole distribution (every
#: k-th value beyond that; the bucket's close-up draws every value in it).
STEPS = 500


def draw_quantile_estimate(values: Sequence[float], q: float = 0.99,
                           bounds: Sequence[float] = DEFAULT_BUCKETS) -> Figure:
    """Def 7.2.1 (监控指标): ``values`` observed into a histogram with upper bounds
    ``bounds``, and its ``q``-quantile as PromQL estimates it against the exact one.

    Left, on a log axis: the share of values at or below each duration (a step per
    value, or per k-th value beyond :data:`STEPS` values), the histogram's cumulative
    share at each bucket bound (a dot), the level ``q``, the exact quantile (solid) and
    ``histogram_quantile``'s estimate (dashed). Right, inside the bucket that holds the
    exact quantile: the same steps, and the straight line between the bucket's bounds
    the estimate assumes.

    Raises
    ------
    TheoryError
        As :func:`~msatheory.deployment.prometheus.quantile_error`: no values, a value
        that is negative or not finite, a bad quantile or bad bounds.
    """
    found = quantile_error(q, values, bounds)  # validates
    ordered = np.sort(np.asarray(list(values), dtype=float))
    share = np.arange(1, len(ordered) + 1) / len(ordered)
    histogram = Histogram("request_duration_seconds", bounds=tuple(bounds))
    for value in ordered:
        histogram.observe(float(value))
    finite = [(le, count / len(ordered)) for le, count in histogram.buckets
              if math.isfinite(le)]
    fig = Figure(figsize=(8.0, 3.2), dpi=100)
    whole, inside = fig.subplots(1, 2)
    positive = ordered[ordered > 0]
    floor = min(positive[0] if len(positive) else finite[0][0], finite[0][0]) / 2
    every = max(1, len(ordered) // STEPS)
    whole.step(np.maximum(ordered[::every], floor), share[::every], where="post",
               color=EXACT, lw=1.0, label="measured values")
    whole.plot([le for le, _ in finite], [s for _, s in finite], "o", color=RULE_COLOURS[0],
               ms=4, label="histogram buckets")
    whole.set_xscale("log")
    whole.set_ylim(0, 1.02)
    whole.set_xlabel("duration (s)")
    whole.set_ylabel("share at or below")
    lower, upper = found.lower, found.upper
    below = np.searchsorted(ordered, lower, side="right") / len(ordered)
    if math.isfinite(upper):
        above = np.searchsorted(ordered, upper, side="right") / len(ordered)
        inside.plot([lower, upper], [below, above], color=RULE_COLOURS[0], lw=1.4,
                    label="what the estimate assumes")
        right = upper
    else:
        right = float(ordered[-1])
    held = (ordered > lower) & (ordered <= right)
    inside.step(np.concatenate(([lower], ordered[held], [right])),
                np.concatenate(([below], share[held], [share[held][-1] if held.any()
                                                       else below])),
                where="post", color=EXACT, lw=1.0, label="measured values")
    inside.set_xlim(lower, right)
    inside.set_xlabel(f"duration (s), inside the bucket ({lower:g}, {upper:g}]")
    for ax in (whole, inside):
        ax.axhline(q, color=RATIO, ls=":", lw=1)
        ax.axvline(found.exact, color=EXACT, lw=1.2, label="exact quantile")
        ax.axvline(found.estimate, color=ESTIMATE, ls="--", lw=1.2,
                   label="histogram_quantile")
        ax.grid(alpha=0.3)
    inside.set_title(f"q = {q:g}: exact {found.exact:.3g} s, estimate "
                     f"{found.estimate:.3g} s ({found.relative:+.1%})", fontsize=9, loc="left")
    whole.legend(fontsize=7.5, loc="center right")
    inside.legend(fontsize=7.5, loc="lower right")
    fig.tight_layout()
    return fig


def draw_burn_alerts(ratios: Sequence[float], rules: Sequence[AlertRule], slo: SLO,
                     *, span: tuple[int, int] | None = None) -> Figure:
    """Def 7.2.2 (告警规则): alerting rules on a per-minute error-ratio series.

    Above: the error ratio of each minute, the mean of every window the rules read
    (:func:`~msatheory.deployment.alerting.window_means`, one colour per window
    length), and each threshold (dashed, with its burn rate of ``slo``); ``span``
    (first minute, end), such as an incident's, is shaded. Below: a row per rule, a bar
    where it fires (:func:`~msatheory.deployment.alerting.alerts`).

    Raises
    ------
    TheoryError
        No rules, an item that is not an AlertRule, a bad SLO, or a bad series.
    """
    owner = "draw_burn_alerts"
    chosen = require_items(owner, "rules", rules, AlertRule, distinct=True)
    if not chosen:
        raise TheoryError(f"{owner}: give at least one AlertRule")
    require_instance(owner, "slo", slo, SLO)
    fired = {rule.name: alerts(rule, ratios) for rule in chosen}  # validates the series
    n = len(ratios)
    lengths = sorted({w.minutes for rule in chosen for w in rule.windows})
    thresholds = sorted({float(w.threshold) for rule in chosen for w in rule.windows})
    fig = Figure(figsize=(8.0, 2.6 + 0.35 * len(chosen)), dpi=100)
    top, bottom = fig.subplots(2, 1, sharex=True,
                               gridspec_kw={"height_ratios": [3, 0.35 * len(chosen) + 0.4]})
    minutes = np.arange(1, n + 1)
    top.step(np.arange(n), list(map(float, ratios)), where="post", color=RATIO, lw=0.6,
             alpha=0.7, label="error ratio per minute")
    for index, length in enumerate(lengths):
        top.plot(minutes, window_means(ratios, length),
                 color=RULE_COLOURS[index % len(RULE_COLOURS)], lw=1.4,
                 label=f"mean over {length} min")
    for threshold in thresholds:
        burn = threshold / float(slo.budget)
        top.axhline(threshold, color=EXACT, ls="--", lw=0.9)
        top.annotate(f"burn {burn:g}", (0, threshold), xytext=(2, 2),
                     textcoords="offset points", fontsize=7.5, color=EXACT)
    if span is not None:
        for ax in (top, bottom):
            ax.axvspan(span[0], span[1], color="#d0d7de", alpha=0.5, lw=0)
    top.set_ylabel("error ratio")
    top.grid(alpha=0.3)
    top.legend(fontsize=7.5, loc="upper right")
    for row, rule in enumerate(chosen):
        bars = [(a.start, (a.end if a.end is not None else n) - a.start)
                for a in fired[rule.name]]
        bottom.broken_barh(bars, (row - 0.35, 0.7),
                           color=RULE_COLOURS[row % len(RULE_COLOURS)])
    bottom.set_yticks(range(len(chosen)), [rule.name for rule in chosen], fontsize=8)
    bottom.set_ylim(len(chosen) - 0.5, -0.5)
    bottom.set_xlim(0, n)
    bottom.set_xlabel("minute (bars: the rule fires)")
    fig.tight_layout()
    return fig


def _rows(tree: nx.DiGraph) -> list[str]:
    """The spans depth first from each root, children in order of start."""
    order: list[str] = []

    def visit(node: str) -> None:
        order.append(node)
        for child in sorted(tree.successors(node),
                            key=lambda c: (tree.nodes[c]["start"], tree.nodes[c]["name"])):
            visit(child)

    roots = [n for n in tree.nodes if tree.in_degree(n) == 0]
    for root in sorted(roots, key=lambda n: tree.nodes[n]["start"]):
        visit(root)
    return order


def draw_trace(tree: nx.DiGraph) -> Figure:
    """Def 7.3.2 (链路追踪): a trace as a waterfall, its critical path marked.

    One row per span, depth first, labelled with its service and name: a bar from its
    start to its end (ms), in grey for a caller's span (``CLIENT`` or ``PRODUCER``, waiting
    on the network and the callee) and blue for work; a red bar over each stretch of the
    critical path (:func:`~msatheory.deployment.tracing.critical_path`).

    Raises
    ------
    TheoryError
        As :func:`~msatheory.deployment.tracing.critical_path`.
    """
    sections = critical_path(tree)  # validates
    rows = _rows(tree)
    place = {node: row for row, node in enumerate(rows)}
    fig = Figure(figsize=(8.0, 0.8 + 0.28 * len(rows)), dpi=100)
    ax = fig.subplots()
    for node in rows:
        data = tree.nodes[node]
        caller = data["kind"] in ("CLIENT", "PRODUCER")
        ax.broken_barh([(data["start"] / 1000, (data["end"] - data["start"]) / 1000)],
                       (place[node] - 0.3, 0.6), color=CALLER if caller else WORK)
    for section in sections:
        ax.broken_barh([(section.start / 1000, (section.end - section.start) / 1000)],
                       (place[section.span] - 0.12, 0.24), color=CRITICAL)
    labels = [f"{tree.nodes[n]['service']}: {tree.nodes[n]['name']}" for n in rows]
    ax.set_yticks(range(len(rows)), labels, fontsize=7.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    end = max(tree.nodes[n]["end"] for n in rows)
    start = min(tree.nodes[n]["start"] for n in rows)
    length = sum(s.end - s.start for s in sections)
    ax.set_xlabel("time (ms); grey: a caller waits; red: the critical path")
    ax.set_title(f"{len(rows)} spans over {(end - start) / 1000:.1f} ms; critical path "
                 f"{length / 1000:.1f} ms", fontsize=9, loc="left")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def draw_time_join(rates: Sequence[float], joins: Sequence[TimeJoin]) -> Figure:
    """Def 7.3.1 (日志聚合) without correlation ids: for runs at each request rate, the
    mean number of requests a record could belong to when joined by time (measured,
    dots) against :func:`~msatheory.deployment.logs.expected_candidates` (a line), and
    the share of records placed in exactly one request.

    Raises
    ------
    TheoryError
        No runs, rates that are not positive numbers, items that are not TimeJoin, or
        as many rates as joins not given.
    """
    owner = "draw_time_join"
    items = require_items(owner, "joins", joins, TimeJoin)
    xs = [require_number(owner, "a rate", r, positive=True) for r in rates]
    if not items or len(xs) != len(items):
        raise TheoryError(f"{owner}: give one TimeJoin per rate, and at least one")
    fig = Figure(figsize=(8.0, 3.0), dpi=100)
    left, right = fig.subplots(1, 2)
    left.plot(xs, [j.mean_candidates for j in items], "o", color=RULE_COLOURS[0], ms=5,
              label="measured")
    left.plot(xs, [j.expected for j in items], color=EXACT, lw=1.2,
              label="closed form 1 + rate x W")
    left.set_ylabel("candidate requests per record")
    left.legend(fontsize=8, loc="upper left")
    right.plot(xs, [j.unique_share for j in items], "s-", color=RULE_COLOURS[1], ms=5)
    right.set_ylim(0, 1)
    right.set_ylabel("records placed in one request")
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xlabel("requests per second")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
