"""Lesson 5b's figures: what retries buy and cost, and what a caller's pool does when a
dependency turns slow.

Every mark comes from the chapter's models: :func:`draw_outage_delivery` plots Def 5.3.1
(通信可靠性) measured against a callee with outages beside the independence formula
(:func:`~msatheory.communication.reliability.outage_table`); :func:`draw_budgets` the load
and the delivery of Strategy 5.3.1 (重试机制) under four retry policies
(:func:`~msatheory.communication.reliability.budget_table`); :func:`draw_contention`
Brooker's race of clients retrying by each backoff algorithm
(:func:`~msatheory.communication.backoff.contention_table`); and :func:`draw_occupancy`
the busy workers of a caller under each protection of Strategy 5.3.2 (熔断器模式)
(:func:`~msatheory.communication.cascade.compare`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from types import MappingProxyType
from typing import TypeVar

import networkx as nx
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from msatheory.communication.backoff import ALGORITHMS, ContentionRow
from msatheory.communication.breaker import STATES
from msatheory.communication.cascade import SCENARIO, CascadeRun, Scenario
from msatheory.communication.reliability import STRATEGIES, BudgetRun, OutageDelivery
from msatheory.errors import TheoryError, require_count, require_instance, require_items

__all__ = [
    "ALGORITHM_COLOURS",
    "STATE_COLOURS",
    "STRATEGY_COLOURS",
    "draw_budgets",
    "draw_contention",
    "draw_occupancy",
    "draw_outage_delivery",
    "draw_state_graphs",
]

#: Each backoff algorithm's colour; every colour reads at 4.5:1 or more against white
#: (WCAG AA), so labels in these colours are readable too.
ALGORITHM_COLOURS = MappingProxyType({
    "none": "#57606a", "exponential": "#cf222e", "full": "#0969da", "equal": "#8250df",
    "decorrelated": "#1a7f37",
})
#: Each retry policy's colour (WCAG AA against white).
STRATEGY_COLOURS = MappingProxyType({
    "no budget": "#cf222e", "per-request limit": "#bc4c00", "retry budget": "#0969da",
    "adaptive throttling": "#1a7f37",
})
T = TypeVar("T")
#: Each breaker state's colour in a state graph (WCAG AA against white).
STATE_COLOURS = MappingProxyType({"closed": "#1a7f37", "half-open": "#9a6700",
                                  "open": "#cf222e"})
_MARKERS = ("o", "s", "^", "D", "v")
MEASURED, EXACT, PROMISED, INCIDENT, POOL = "#0969da", "#1f2328", "#cf222e", "#eaeef2", "#57606a"


def draw_outage_delivery(rows: Sequence[OutageDelivery]) -> Figure:
    """Def 5.3.1 (通信可靠性) under outages: for each row of
    :func:`~msatheory.communication.reliability.outage_table`, the delivery measured (a
    point) and the Markov chain's exact value (the line through them) against the time
    from the first attempt to the last (log scale), with the independence formula's
    promise (dashed) and the mean outage (dotted).

    Raises
    ------
    TheoryError
        If ``rows`` holds no :class:`OutageDelivery`, or rows of different outages.
    """
    shown = sorted(_rows("draw_outage_delivery", rows, OutageDelivery),
                   key=lambda row: row.span)
    if len({(row.mean_outage, row.independent) for row in shown}) > 1:
        raise TheoryError("draw_outage_delivery: the rows must share one callee and one "
                          "number of attempts (as one outage_table gives them)")
    fig = Figure(figsize=(6.4, 3.2), dpi=100)
    ax = fig.subplots()
    spans = [row.span for row in shown]
    ax.plot(spans, [row.exact for row in shown], color=EXACT, lw=1.4,
            label="exact (two-state callee)")
    ax.plot(spans, [row.measured for row in shown], "o", color=MEASURED, ms=6,
            label=f"measured ({shown[0].requests:,} requests a point)")
    ax.axhline(shown[0].independent, color=PROMISED, ls="--", lw=1.2,
               label=f"independence formula, {len(shown[0].gaps) + 1} attempts")
    ax.axvline(shown[0].mean_outage, color=POOL, ls=":", lw=1.2,
               label=f"mean outage, {shown[0].mean_outage:g} s")
    ax.set_xscale("log")
    ax.set_xlabel("time from first to last attempt (s)")
    ax.set_ylabel("requests delivered")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def draw_budgets(rows: Sequence[BudgetRun]) -> Figure:
    """Strategy 5.3.1 (重试机制) under four policies: for each backend failure fraction
    (rows of :func:`~msatheory.communication.reliability.budget_table`), the attempts a
    request costs the backend (left, log scale) and the requests delivered (right), one
    line per policy.

    Raises
    ------
    TheoryError
        If ``rows`` holds no :class:`BudgetRun`.
    """
    shown = _rows("draw_budgets", rows, BudgetRun)
    fig = Figure(figsize=(8, 3.0), dpi=100)
    load, delivered = fig.subplots(1, 2, sharex=True)
    policies = [s for s in STRATEGIES if any(row.strategy == s for row in shown)]
    for policy, marker in zip(policies, _MARKERS, strict=False):
        mine = sorted((row.failure, row) for row in shown if row.strategy == policy)
        failures = [f for f, _ in mine]
        style = {"color": STRATEGY_COLOURS[policy], "marker": marker, "ms": 5, "lw": 1.4}
        load.plot(failures, [max(r.attempts_per_request, 1e-3) for _, r in mine],
                  label=policy, **style)
        delivered.plot(failures, [r.delivered for _, r in mine], **style)
    load.set_yscale("log")
    load.set_ylabel("attempts per request")
    delivered.set_ylabel("requests delivered")
    delivered.set_ylim(-0.03, 1.03)
    for ax in (load, delivered):
        ax.set_xlabel("share of attempts the backend fails")
        ax.grid(alpha=0.3)
    load.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def draw_contention(rows: Sequence[ContentionRow]) -> Figure:
    """Strategy 5.3.1 (重试机制) under contention: for each backoff algorithm (rows of
    :func:`~msatheory.communication.backoff.contention_table`), the write calls per
    client (left) and the time until every client has written (right, log scale) against
    the number of clients.

    Raises
    ------
    TheoryError
        If ``rows`` holds no :class:`ContentionRow`.
    """
    shown = _rows("draw_contention", rows, ContentionRow)
    fig = Figure(figsize=(8, 3.0), dpi=100)
    work, time = fig.subplots(1, 2, sharex=True)
    algorithms = [a for a in ALGORITHMS if any(row.algorithm == a for row in shown)]
    for algorithm, marker in zip(algorithms, _MARKERS, strict=True):
        mine = sorted((row.clients, row) for row in shown if row.algorithm == algorithm)
        clients = [n for n, _ in mine]
        style = {"color": ALGORITHM_COLOURS[algorithm], "marker": marker, "ms": 5, "lw": 1.4}
        work.plot(clients, [r.calls_per_client for _, r in mine], label=algorithm, **style)
        time.plot(clients, [r.time_ms / 1000 for _, r in mine], **style)
    work.set_ylabel("write calls per client")
    time.set_ylabel("time until all have written (s)")
    time.set_yscale("log")
    for ax in (work, time):
        ax.set_xlabel("clients")
        ax.grid(alpha=0.3)
    work.legend(fontsize=8, loc="upper left", title="backoff", title_fontsize=8)
    fig.tight_layout()
    return fig


def draw_occupancy(runs: Sequence[CascadeRun], scenario: Scenario = SCENARIO) -> Figure:
    """Strategy 5.3.2 (熔断器模式), its reason: the busy workers of the caller over time,
    one panel per run of :func:`~msatheory.communication.cascade.compare`, with the
    dependency's slow spell shaded and the pool's size dashed. Each panel's title gives
    the share of the requests that do not need the dependency answered during the spell.

    Raises
    ------
    TheoryError
        If ``runs`` holds no :class:`CascadeRun` or ``scenario`` is not a
        :class:`Scenario`.
    """
    shown = _rows("draw_occupancy", runs, CascadeRun)
    require_instance("draw_occupancy", "scenario", scenario, Scenario)
    fig = Figure(figsize=(7.2, 0.95 * len(shown) + 0.7), dpi=100)
    axes = fig.subplots(len(shown), 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    for ax, run in zip(axes, shown, strict=True):
        ax.axvspan(scenario.slow_from, scenario.slow_until, color=INCIDENT, lw=0)
        ax.axhline(scenario.workers, color=POOL, ls="--", lw=1)
        times = [t for t, _ in run.occupancy]
        ax.step(times, [busy for _, busy in run.occupancy], where="post", color=MEASURED,
                lw=1.3)
        ax.set_title(f"{run.protection}: {run.independent_success:.0%} of the requests "
                     "without the dependency answered", fontsize=8, loc="left")
        ax.set_ylim(0, scenario.workers + 1)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    axes[len(axes) // 2].set_ylabel("busy workers")
    axes[-1].set_xlabel("time (s); shaded: the dependency answers in "
                        f"{scenario.slow_latency:g} s; dashed: the pool")
    fig.tight_layout(h_pad=0.4)
    return fig


def draw_state_graphs(graphs: Mapping[str, nx.DiGraph], permitted: int = 1) -> Figure:
    """Strategy 5.3.2 (熔断器模式), explored: one panel per state graph of
    :func:`~msatheory.communication.statespace.state_graph`, titled by its key. A node is
    drawn at its depth (the fewest steps that reach it) in its state's band (closed above,
    half-open between, open below) and coloured by state; a node where more than
    ``permitted`` trial calls are out is ringed, and the shortest path from the fresh
    breaker to such a node (the one
    :func:`~msatheory.communication.statespace.excess_trials` returns) is drawn thick,
    each edge labelled with its step.

    Raises
    ------
    TheoryError
        If ``graphs`` is empty or holds something that is not a state graph.
    """
    bound = require_count("draw_state_graphs", "permitted", permitted, least=1)
    if not isinstance(graphs, Mapping) or not graphs:
        raise TheoryError("draw_state_graphs: give at least one state graph, by name")
    for name, graph in graphs.items():
        if not isinstance(graph, nx.DiGraph) or "root" not in graph.graph:
            raise TheoryError(f"draw_state_graphs: {name!r} must be a state graph from "
                              f"state_graph, not {type(graph).__name__}")
    fig = Figure(figsize=(8, 2.7 * len(graphs)), dpi=100)
    axes = fig.subplots(len(graphs), 1, squeeze=False)[:, 0]
    depth = max(data["depth"] for graph in graphs.values() for _, data in graph.nodes(data=True))
    for ax, (name, graph) in zip(axes, graphs.items(), strict=True):
        at = _places(graph)
        ax.add_collection(LineCollection([(at[u], at[v]) for u, v in graph.edges],
                                         colors="#d0d7de", linewidths=0.6, zorder=1))
        path = _excess_path(graph, bound)
        for u, v in pairwise(path):
            ax.plot(*zip(at[u], at[v], strict=True), color=MEASURED, lw=2.4, zorder=2)
            (x0, y0), (x1, y1) = at[u], at[v]
            ax.annotate(graph.edges[u, v]["step"], ((x0 + x1) / 2, (y0 + y1) / 2),
                        xytext=(0, 4), textcoords="offset points", ha="center",
                        fontsize=7.5, color=MEASURED)
        for state in STATES:
            mine = [node for node in graph if graph.nodes[node]["state"] == state]
            ax.scatter([at[n][0] for n in mine], [at[n][1] for n in mine], s=36,
                       color=STATE_COLOURS[state], zorder=3,
                       label=f"{state} ({len(mine)})")
        excess = [node for node in graph if graph.nodes[node]["trials"] > bound]
        ax.scatter([at[n][0] for n in excess], [at[n][1] for n in excess], s=150,
                   facecolors="none", edgecolors=PROMISED, linewidths=1.6, zorder=4,
                   label=f"more than {bound} trial call{'s' * (bound > 1)}")
        ax.set_yticks([2.5, 1.5, 0.5], ["closed", "half-open", "open"], fontsize=8)
        ax.set_ylim(0, 3)
        ax.set_xticks(range(depth + 1))
        ax.set_xlim(-0.4, depth + 0.4)
        ax.tick_params(labelsize=8)
        complete = "every state reached" if graph.graph.get("complete") else "still growing"
        ax.set_title(f"{name}: {graph.number_of_nodes()} states, "
                     f"{graph.number_of_edges()} transitions, {complete}",
                     fontsize=9, loc="left")
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    axes[-1].set_xlabel("steps from a fresh breaker")
    fig.tight_layout()
    return fig


def _places(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Each node's place: x its depth, y spread evenly within its state's band."""
    band = {"closed": 2, "half-open": 1, "open": 0}
    groups: dict[tuple[int, str], list[str]] = {}
    for node, data in graph.nodes(data=True):
        groups.setdefault((data["depth"], data["state"]), []).append(node)
    return {node: (depth, band[state] + (k + 1) / (len(nodes) + 1))
            for (depth, state), nodes in groups.items() for k, node in enumerate(nodes)}


def _excess_path(graph: nx.DiGraph, permitted: int) -> list[str]:
    """The nodes of a shortest path from the root to a node with more than ``permitted``
    trial calls, the first such node in graph order among the nearest; [] if none."""
    targets = [node for node in graph if graph.nodes[node]["trials"] > permitted]
    if not targets:
        return []
    paths = nx.shortest_path(graph, graph.graph["root"])
    order = {node: i for i, node in enumerate(graph.nodes)}
    return list(paths[min(targets, key=lambda node: (len(paths[node]), order[node]))])


def _rows(owner: str, rows: object, kind: type[T]) -> list[T]:
    """``rows`` as a list of ``kind``, at least one."""
    items = list(require_items(owner, "rows", rows, kind))
    if not items:
        raise TheoryError(f"{owner}: give at least one {kind.__name__}")
    return items
