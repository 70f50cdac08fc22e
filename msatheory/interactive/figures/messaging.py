"""Lesson 5a's figures: a queue's backlog through an outage, who must be up in an order
flow, a call tree's deadlines, and one message as JSON and as protobuf.

Every mark comes from a chapter-5 model. :func:`draw_backlog` plots the backlog of
:func:`~msatheory.communication.patterns.queue_outage` (Pattern 5.1.2, 异步通信) over
time, with its fluid estimate: ``λ`` a second during the outage, ``μ - λ`` a second after.
:func:`draw_coupling` draws the graphs of
:func:`~msatheory.communication.patterns.coupling` (Pattern 5.1.3, 事件驱动) side by side,
the services an order needs up (:func:`~msatheory.communication.patterns.accept_needs`)
filled. :func:`draw_deadlines` draws the spans of
:func:`~msatheory.communication.deadlines.deadline_trace` (Protocol 5.2.2, gRPC), the work
nobody waited for in red. :func:`draw_sizes` sets JSON against protobuf sizes
(:func:`~msatheory.communication.encoding.compare`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import MappingProxyType

import networkx as nx
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from msatheory.communication.deadlines import Span, Trace
from msatheory.communication.encoding import Sizes
from msatheory.communication.patterns import SYNCHRONOUS, QueueOutage, accept_needs
from msatheory.errors import TheoryError, require_instance, require_items, require_name

__all__ = [
    "EDGE_STYLES",
    "draw_backlog",
    "draw_coupling",
    "draw_deadlines",
    "draw_sizes",
    "fluid_backlog",
]

#: Text and marks in these colours read at 4.5:1 or more against white (WCAG AA).
BLUE, ORANGE, GREEN, RED, GREY, INK = ("#0969da", "#bc4c00", "#1a7f37", "#cf222e",
                                       "#57606a", "#1f2328")
OUTAGE = "#eaeef2"
#: How :func:`draw_coupling` draws each edge kind of
#: :func:`~msatheory.communication.patterns.coupling`: a solid line where the sender waits
#: for the answer, dashed where nobody waits.
EDGE_STYLES = MappingProxyType({"call": "solid", "publish": "solid", "deliver": "dashed"})


def fluid_backlog(run: QueueOutage, t: float) -> float:
    """Pattern 5.1.2 (异步通信): the fluid estimate of ``run``'s backlog at time ``t``.

    Zero before the outage, ``λ (t - start)`` during it, then falling at ``μ - λ`` a
    second until it reaches zero, ``λD / (μ - λ)`` seconds after recovery.

    Examples
    --------
    >>> from msatheory.communication.patterns import queue_outage
    >>> run = queue_outage(seed=1)
    >>> fluid_backlog(run, 90.0), fluid_backlog(run, 150.0), fluid_backlog(run, 300.0)
    (600.0, 300.0, 0.0)
    """
    require_instance("fluid_backlog", "run", run, QueueOutage)
    start, recovery = run.outage_start, run.outage_start + run.outage
    if t <= start:
        return 0.0
    if t <= recovery:
        return run.arrival_rate * (t - start)
    drained = (run.service_rate - run.arrival_rate) * (t - recovery)
    return max(0.0, run.fluid_backlog - drained)


def draw_backlog(run: QueueOutage) -> Figure:
    """Pattern 5.1.2 (异步通信): the messages waiting in the queue over time, measured
    (a step line) and fluid (dashed), with the consumer's outage shaded and the measured
    and fluid drain times marked after recovery."""
    require_instance("draw_backlog", "run", run, QueueOutage)
    if not run.backlog:
        raise TheoryError("draw_backlog: the run has no backlog samples")
    times = [t for t, _ in run.backlog]
    fig = Figure(figsize=(7.2, 3.2), dpi=100)
    ax = fig.subplots()
    start, recovery = run.outage_start, run.outage_start + run.outage
    ax.axvspan(start, recovery, color=OUTAGE, zorder=0, label="consumer down")
    ax.step(times, [n for _, n in run.backlog], where="post", color=BLUE, lw=1.4,
            label="measured backlog")
    corners = sorted({times[0], start, recovery, recovery + run.fluid_drain, times[-1]})
    ax.plot(corners, [fluid_backlog(run, t) for t in corners], color=ORANGE, lw=1.4,
            ls="--", label="fluid: λ in, μ - λ out")
    ax.axvline(recovery + run.fluid_drain, color=ORANGE, lw=0.8, ls=":",
               label="fluid estimate drained")
    if run.drain_time is not None:
        ax.axvline(recovery + run.drain_time, color=BLUE, lw=0.8, ls=":",
                   label="backlog first empty")
    ax.set_xlim(times[0], times[-1])
    ax.set_ylim(0, max(max(n for _, n in run.backlog), run.fluid_backlog) * 1.08)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("messages waiting")
    ax.set_title(f"λ = {run.arrival_rate:g}/s, μ = {run.service_rate:g}/s, "
                 f"consumer down for {run.outage:g} s", fontsize=9, loc="left")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


#: The area of a node in :func:`draw_coupling`, in points squared.
_NODE = 1900


def _layout(graph: nx.DiGraph, centre: str) -> dict[str, tuple[float, float]]:
    """``centre`` in the middle, every other node on a circle in the graph's order."""
    others = [node for node in graph if node != centre]
    placed = {node: (math.cos(2 * math.pi * k / len(others)),
                     math.sin(2 * math.pi * k / len(others))) for k, node in enumerate(others)}
    placed[centre] = (0.0, 0.0)
    return placed


def draw_coupling(graphs: Sequence[nx.DiGraph], entry: str) -> Figure:
    """Pattern 5.1.3 (事件驱动): each order flow's graph of who sends what to whom.

    One panel per graph of :func:`~msatheory.communication.patterns.coupling`, titled by
    its ``style`` and the number of services that must be up for ``entry`` to accept an
    order (filled red; the others white). Solid edges are those whose sender waits for
    an answer, dashed ones deliveries nobody waits for. The hub, the entry of an
    orchestration or the broker of a choreography, is drawn in the middle.
    """
    owner = "draw_coupling"
    panels = require_items(owner, "graphs", graphs, nx.DiGraph)
    require_name(owner, "entry", entry)
    if not panels:
        raise TheoryError(f"{owner}: give at least one graph of coupling()")
    fig = Figure(figsize=(4.0 * len(panels), 3.8), dpi=100)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, graph in zip(axes, panels, strict=True):
        needs = accept_needs(graph, entry)
        hub = max(graph, key=lambda node: (graph.degree(node), node == entry))
        where = _layout(graph, hub)
        for kind, style in EDGE_STYLES.items():
            edges = [(u, v) for u, v in graph.edges if graph.edges[u, v].get("kind") == kind]
            nx.draw_networkx_edges(graph, where, edgelist=edges, ax=ax, style=style,
                                   edge_color=RED if kind in SYNCHRONOUS else GREY,
                                   arrowsize=12, node_size=_NODE, width=1.4,
                                   connectionstyle="arc3,rad=0.18")
        for needed, fill in ((True, RED), (False, "white")):
            nodes = [node for node in graph if (node in needs) is needed]
            nx.draw_networkx_nodes(graph, where, nodelist=nodes, ax=ax, node_size=_NODE,
                                   node_color=fill, edgecolors=RED if needed else GREY,
                                   linewidths=1.4)
            nx.draw_networkx_labels(graph, where, labels={n: n for n in nodes}, ax=ax,
                                    font_size=6.5, font_color="white" if needed else INK)
        ax.set_title(f"{graph.graph.get('style', 'flow')}: {len(needs)} of "
                     f"{graph.number_of_nodes()} must be up to accept", fontsize=9)
        ax.set_xlim(-1.35, 1.35)
        ax.set_ylim(-1.3, 1.3)
        ax.set_axis_off()
    fig.legend(handles=[
        Patch(facecolor=RED, edgecolor=RED, label="must be up to accept an order"),
        Line2D([], [], color=RED, lw=1.4, label="sender waits (call, publish)"),
        Line2D([], [], color=GREY, lw=1.4, ls="--", label="delivered later (deliver)"),
    ], loc="lower center", ncols=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def _labels(spans: Sequence[Span]) -> list[str]:
    """Each span's hop name, numbered by its call (``fraud #2``) where a hop has several."""
    calls = {span.name: sum(other.name == span.name for other in spans) for span in spans}
    seen: dict[str, int] = {}
    labels = []
    for span in spans:
        seen[span.name] = seen.get(span.name, 0) + 1
        labels.append(f"{span.name} #{seen[span.name]}" if calls[span.name] > 1 else span.name)
    return labels


def draw_deadlines(traces: Sequence[Trace]) -> Figure:
    """Protocol 5.2.2 (gRPC): each attempt of each trace as a bar of the work it did.

    One panel per :class:`~msatheory.communication.deadlines.Trace` (a call tree run with
    deadlines propagated, or with a fixed timeout per hop), one row per span: the work
    done while someone still waited (blue), the work done after a caller above had given
    up (red, wasted), and the deadline the call carried (a black tick). The dotted line
    is when the client had its answer or gave up. Panels share the time axis.
    """
    runs = require_items("draw_deadlines", "traces", traces, Trace)
    if not runs:
        raise TheoryError("draw_deadlines: give at least one Trace")
    rows = max(len(run.spans) for run in runs)
    fig = Figure(figsize=(7.2, 0.32 * rows * len(runs) + 1.3), dpi=100)
    axes = fig.subplots(len(runs), 1, squeeze=False, sharex=True)[:, 0]
    for ax, run in zip(axes, runs, strict=True):
        for row, span in enumerate(run.spans):
            if span.sent is None:
                ax.text(0, row, "  not called", va="center", fontsize=7, color=GREY)
                continue
            sent, worked, wasted = float(span.sent), float(span.worked), float(span.wasted)
            ax.barh(row, worked - wasted, left=sent, height=0.6, color=BLUE)
            ax.barh(row, wasted, left=sent + worked - wasted, height=0.6, color=RED)
            if span.deadline is not None:
                ax.plot([float(span.deadline)] * 2, [row - 0.4, row + 0.4], color=INK, lw=1.6)
        if run.answered is not None:
            ax.axvline(float(run.answered), color=INK, lw=0.8, ls=":")
        ax.set_yticks(range(len(run.spans)), _labels(run.spans), fontsize=8)
        ax.set_ylim(rows - 0.5, -0.5)
        ax.set_title(f"{run.mode}: {float(run.work):g} s of work, {float(run.wasted):g} s "
                     "wasted", fontsize=9, loc="left")
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel("time since the client sent its request (s)")
    fig.legend(handles=[
        Patch(color=BLUE, label="work someone waited for"),
        Patch(color=RED, label="work after a caller gave up"),
        Line2D([], [], color=INK, lw=1.6, label="deadline carried"),
    ], loc="lower center", ncols=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def draw_sizes(sizes: Sequence[Sizes]) -> Figure:
    """Protocols 5.2.1 and 5.2.2: each message's size as JSON and as protobuf, in bytes,
    as paired horizontal bars, each pair labelled with ``json / protobuf``."""
    measured = require_items("draw_sizes", "sizes", sizes, Sizes)
    if not measured:
        raise TheoryError("draw_sizes: give at least one Sizes record")
    fig = Figure(figsize=(7.2, 0.55 * len(measured) + 1.2), dpi=100)
    ax = fig.subplots()
    rows = range(len(measured))
    ax.barh([r - 0.19 for r in rows], [s.json_bytes for s in measured], height=0.36,
            color=ORANGE, label="JSON (REST)")
    ax.barh([r + 0.19 for r in rows], [s.protobuf_bytes for s in measured], height=0.36,
            color=BLUE, label="protobuf (gRPC)")
    for row, s in zip(rows, measured, strict=True):
        ax.text(s.json_bytes, row - 0.19, f" {s.json_bytes} B, {s.ratio:.2f}x", va="center",
                fontsize=7.5, color=INK)
        ax.text(s.protobuf_bytes, row + 0.19, f" {s.protobuf_bytes} B", va="center",
                fontsize=7.5, color=INK)
    ax.set_yticks(list(rows), [s.message for s in measured], fontsize=8)
    ax.set_ylim(len(measured) - 0.5, -0.5)
    ax.set_xlim(0, max(s.json_bytes for s in measured) * 1.25)
    ax.set_xlabel("bytes on the wire (one message)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
