"""Lesson 6b's figures: histories and the models that judge them, staleness over time, what
each primary-replica mode costs, and what peers lose to their clocks.

Every mark comes from the chapter's models: :func:`draw_history` draws a
:class:`~msatheory.data.history.History` (Def 6.1.1, 数据一致性) with the witness of a
checker's :class:`~msatheory.data.consistency.Judgement`; :func:`draw_visibility` PBS
t-visibility curves (:func:`~msatheory.data.quorum.consistency_curve`) beside the exact
chance :func:`~msatheory.data.quorum.stale_probability` gives with no latency;
:func:`draw_modes` the writes a failover loses and the latency each mode of Strategy 6.3.1
(主从复制) costs (:func:`~msatheory.data.replication.failover_loss`,
:func:`~msatheory.data.replication.write_latencies`); and :func:`draw_lost_updates` the
updates each reconciliation of Strategy 6.3.2 (对等复制) loses against clock skew
(:func:`~msatheory.data.peers.lost_by_skew`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from matplotlib.figure import Figure

from msatheory.data.consistency import Judgement
from msatheory.data.history import History, Operation
from msatheory.data.peers import MODES as PEER_MODES
from msatheory.data.quorum import stale_probability
from msatheory.data.replication import MODES, FailoverReport
from msatheory.errors import TheoryError, require_instance, require_items, require_number

__all__ = [
    "MODE_COLOURS",
    "PEER_COLOURS",
    "draw_history",
    "draw_lost_updates",
    "draw_modes",
    "draw_visibility",
]

#: Each primary-replica mode's colour; every colour reads at 4.5:1 or more against white
#: (WCAG AA), so labels in these colours are readable too.
MODE_COLOURS = MappingProxyType({"async": "#cf222e", "semi-sync": "#0969da",
                                 "sync": "#1a7f37"})
#: Each peer reconciliation's colour (WCAG AA against white).
PEER_COLOURS = MappingProxyType({"lww": "#cf222e", "version-vectors": "#8250df",
                                 "crdt": "#1a7f37"})
_CURVE_COLOURS = ("#0969da", "#bc4c00", "#8250df", "#1a7f37", "#57606a", "#cf222e")
_MARKERS = ("o", "s", "^", "D", "v", "P")
WRITE, READ, WITNESS, EXACT = "#0969da", "#1a7f37", "#cf222e", "#1f2328"


def _label(op: Operation) -> str:
    shown = "init" if op.value is None else str(op.value)
    return f"{'w' if op.kind == 'write' else 'r'} {shown}"


def draw_history(history: History, judgement: Judgement | None = None) -> Figure:
    """Def 6.1.1 (数据一致性) as a picture: one row per process, each operation a bar from
    its invocation to its answer (an operation never answered runs to the right edge,
    hatched), labelled ``w v`` (wrote ``v``) or ``r v`` (read ``v``; ``init``: the initial
    value). Writes are blue, reads green; with a failing ``judgement`` the operations of
    its witness are red, and the title gives the model and its verdict.

    Raises
    ------
    TheoryError
        If ``history`` is not a non-empty History or ``judgement`` not a Judgement.
    """
    owner = "draw_history"
    require_instance(owner, "history", history, History)
    if not len(history):
        raise TheoryError(f"{owner}: history must hold at least one operation")
    if judgement is not None:
        require_instance(owner, "judgement", judgement, Judgement)
    flagged = (set() if judgement is None or judgement.holds
               else {op for op in judgement.witness if isinstance(op, Operation)})
    processes = history.processes
    end = max(max(op.invoked, op.completed or op.invoked) for op in history)
    right = float(end) * 1.08 + 0.5
    fig = Figure(figsize=(6.4, 0.55 * len(processes) + 1.0), dpi=100)
    ax = fig.subplots()
    for op in history:
        row = len(processes) - 1 - processes.index(op.process)
        stop = right if op.completed is None else float(op.completed)
        colour = WITNESS if op in flagged else WRITE if op.kind == "write" else READ
        ax.barh(row, stop - float(op.invoked), left=float(op.invoked), height=0.5,
                color=colour, hatch="//" if op.completed is None else None)
        ax.text((float(op.invoked) + stop) / 2, row, _label(op), ha="center",
                va="center", fontsize=8, color="white", fontweight="bold")
    ax.set_yticks(range(len(processes)), list(reversed(processes)), fontsize=8)
    ax.set_xlim(min(float(op.invoked) for op in history) - 0.2, right)
    ax.set_xlabel("time: each bar runs from invocation to answer")
    ax.grid(axis="x", alpha=0.3)
    if judgement is not None:
        verdict = "holds" if judgement.holds else "fails (witness in red)"
        ax.set_title(f"{judgement.model}: {verdict}", fontsize=9, loc="left")
    fig.tight_layout()
    return fig


def draw_visibility(times: Sequence[float], curves: Mapping[str, Sequence[float]],
                    n: int, r: int, w: int) -> Figure:
    """Def 6.3.1 (数据复制), PBS t-visibility: for each latency model (``curves``, name to
    the probabilities :func:`~msatheory.data.quorum.consistency_curve` gives at
    ``times``), the chance that a read ``t`` ms after a write's commit returns it
    (symmetric-log time axis), with the exact ``1 - stale_probability(n, r, w)`` of
    quorums chosen at random, which ignores latency, dashed.

    Raises
    ------
    TheoryError
        If ``curves`` is empty, a curve's length differs from ``times``'s, a time is
        negative, or the quorum sizes are not valid.
    """
    owner = "draw_visibility"
    at = [require_number(owner, "time", t, unit="ms") for t in times]
    if not isinstance(curves, Mapping) or not curves:
        raise TheoryError(f"{owner}: give at least one curve, by name, not {curves!r}")
    for name, curve in curves.items():
        if len(curve) != len(at):
            raise TheoryError(f"{owner}: curve {name!r} has {len(curve)} points for "
                              f"{len(at)} times")
    fresh = 1 - stale_probability(n, r, w)
    fig = Figure(figsize=(7.6, 3.0), dpi=100)
    ax = fig.subplots()
    for (name, curve), colour, marker in zip(curves.items(), _CURVE_COLOURS * 2,
                                             _MARKERS * 2, strict=False):
        ax.plot(at, list(curve), color=colour, marker=marker, ms=4, lw=1.4, label=name)
    ax.axhline(float(fresh), color=EXACT, ls="--", lw=1.2,
               label=f"1 - p_s = {fresh}\n(random quorums,\nno latency)")
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlim(min(at), max(at) * 1.2 if max(at) > 0 else 1.0)
    ax.set_xlabel(f"ms after the write commits (N={n}, R={r}, W={w})")
    ax.set_ylabel("reads that return the write")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def draw_modes(reports: Sequence[FailoverReport],
               latencies: Mapping[str, Sequence[float]]) -> Figure:
    """Strategy 6.3.1 (主从复制), what each mode costs: left, the writes of one failover
    run per mode (:func:`~msatheory.data.replication.failover_loss`) that were
    acknowledged and then lost, and that were accepted but never answered; right, the
    distribution of write latency per mode
    (:func:`~msatheory.data.replication.write_latencies`, in ms, log scale) as the share
    of writes answered within each latency.

    Raises
    ------
    TheoryError
        If ``reports`` holds no FailoverReport, or a mode in ``latencies`` is unknown or
        has no latencies.
    """
    owner = "draw_modes"
    rows = list(require_items(owner, "reports", reports, FailoverReport))
    if not rows:
        raise TheoryError(f"{owner}: give at least one FailoverReport")
    for mode, values in latencies.items():
        if mode not in MODES or not values:
            raise TheoryError(f"{owner}: latencies must map modes of {MODES!r} to "
                              f"latencies, not {mode!r} to {len(values)} of them")
    fig = Figure(figsize=(8, 2.9), dpi=100)
    counts, cdf = fig.subplots(1, 2)
    places = range(len(rows))
    for offset, what, colour, label in ((-0.2, "lost", WITNESS, "acknowledged, then lost"),
                                        (0.2, "unanswered", WRITE, "never answered")):
        values = [getattr(row, what) for row in rows]
        bars = counts.barh([p + offset for p in places], values, height=0.4, color=colour,
                           label=label)
        counts.bar_label(bars, fontsize=8, padding=2)
    counts.set_yticks(list(places), [row.mode for row in rows], fontsize=8)
    counts.invert_yaxis()
    counts.set_xlabel("writes, primary failing once")
    counts.margins(x=0.15)
    counts.legend(fontsize=7, loc="upper right")
    for mode, values in latencies.items():
        ordered = sorted(v * 1000 for v in values)
        shares = [(i + 1) / len(ordered) for i in range(len(ordered))]
        cdf.step(ordered, shares, where="post", color=MODE_COLOURS[mode], lw=1.4,
                 label=mode)
    cdf.set_xscale("log")
    cdf.set_xlabel("write latency (ms)")
    cdf.set_ylabel("writes answered within it")
    cdf.legend(fontsize=8, loc="lower right")
    for ax in (counts, cdf):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def draw_lost_updates(tables: Mapping[str, Sequence[tuple[float, float]]]) -> Figure:
    """Strategy 6.3.2 (对等复制): the mean updates lost per run against the peers' clock
    skew, one line per reconciliation (``tables``: mode to the rows
    :func:`~msatheory.data.peers.lost_by_skew` gives).

    Raises
    ------
    TheoryError
        If ``tables`` is empty or names a mode that is not one of the peers' modes.
    """
    owner = "draw_lost_updates"
    if not isinstance(tables, Mapping) or not tables:
        raise TheoryError(f"{owner}: give at least one table, by mode, not {tables!r}")
    fig = Figure(figsize=(6.4, 2.9), dpi=100)
    ax = fig.subplots()
    for (mode, rows), marker in zip(tables.items(), _MARKERS, strict=False):
        if mode not in PEER_MODES:
            raise TheoryError(f"{owner}: a mode must be one of {PEER_MODES!r}, not {mode!r}")
        ax.plot([skew for skew, _ in rows], [lost for _, lost in rows],
                color=PEER_COLOURS[mode], marker=marker, ms=5, lw=1.4, label=mode)
    ax.set_xlabel("clock skew between peers, at most (s)")
    ax.set_ylabel("updates lost per run")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig
