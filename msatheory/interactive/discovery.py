"""Chapter 3's drawings and the registry explorer; every mark comes from the discovery model."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure

from msatheory.discovery.balancing import BALANCERS, Spread
from msatheory.discovery.lab import RegistryLab
from msatheory.discovery.patterns import DiscoveryResult
from msatheory.discovery.scenario import Scenario
from msatheory.discovery.tradeoff import DETECTORS, Outcome
from msatheory.errors import TheoryError
from msatheory.interactive.draw import figure_png
from msatheory.interactive.explorer import Explorer

__all__ = [
    "STATUS_COLOURS",
    "RegistryExplorer",
    "draw_lab",
    "draw_patterns",
    "draw_spread",
    "draw_tradeoff",
]

STATUS_COLOURS = {
    "passing": "#2da44e", "healthy": "#2da44e", "warning": "#d4a72c",
    "critical": "#cf222e", "unhealthy": "#cf222e", "unknown": "#8c959f",
    "expired": "#8c959f", "absent": "#d0d7de",
}
_UP, _LISTED, _DEAD = "#57606a", "#0969da", "#cf222e"


def _shade_down(ax, up: Sequence[int], listed: Sequence[int]) -> None:
    ts = range(len(up))
    ax.step(ts, up, where="post", color=_UP, lw=1.2, label="instances up (truth)")
    ax.step(ts, listed, where="post", color=_LISTED, lw=1.8, label="instances served (lookup)")


def draw_tradeoff(outcomes: Sequence[Outcome], scenario: Scenario | None = None) -> Figure:
    """For one scenario, each detector's served count against the up count over time;
    the scenario's partitions shaded grey when it is given."""
    outcomes = list(outcomes)
    if not outcomes or len({o.scenario for o in outcomes}) != 1:
        raise TheoryError("draw_tradeoff: give the outcomes of one scenario")
    if scenario is not None and scenario.name != outcomes[0].scenario:
        raise TheoryError(f"draw_tradeoff: the outcomes are of {outcomes[0].scenario!r}, "
                          f"not of {scenario.name!r}")
    fig = Figure(figsize=(9, 1.45 * len(outcomes) + 0.5), dpi=100)
    axes = fig.subplots(len(outcomes), 1, sharex=True, squeeze=False)[:, 0]
    top = max(max(o.up) for o in outcomes) + 1
    for ax, o in zip(axes, outcomes, strict=True):
        for p in scenario.partitions if scenario is not None else ():
            ax.axvspan(p.start, min(p.end, len(o.up)), color="#d0d7de", lw=0)
        _shade_down(ax, o.up, o.listed)
        ax.set_ylim(-0.3, top)
        ax.set_title(f"{o.detector}: dead served {o.dead_served} instance-s, healthy lost "
                     f"{o.healthy_lost} instance-s", loc="left", fontsize=9)
    fig.suptitle(f"scenario: {outcomes[0].scenario}", fontsize=10)
    axes[-1].legend(loc="lower right", fontsize=7, ncols=2)
    axes[-1].set_xlabel("time (s)")
    fig.tight_layout()
    return fig


def draw_spread(spreads: Sequence[Spread]) -> Figure:
    """Requests per instance (bars) and p99 latency (log scale) for each balancer."""
    spreads = list(spreads)
    if not spreads:
        raise TheoryError("draw_spread: give at least one Spread")
    fig = Figure(figsize=(9, 3.2), dpi=100)
    counts_ax, latency_ax = fig.subplots(1, 2, width_ratios=(3, 2))
    ids = list(spreads[0].counts)
    width = 0.8 / len(spreads)
    for k, s in enumerate(spreads):
        counts_ax.bar([i + k * width for i in range(len(ids))], list(s.counts.values()),
                      width, label=s.balancer)
    counts_ax.set_xticks([i + 0.4 - width / 2 for i in range(len(ids))], ids, fontsize=8)
    counts_ax.set_ylabel("requests")
    counts_ax.set_title("requests per instance", fontsize=10)
    counts_ax.set_ylim(0, 1.45 * max(max(s.counts.values()) for s in spreads))
    counts_ax.legend(fontsize=7, loc="upper center", ncols=3)
    latency_ax.barh([s.balancer for s in spreads], [s.p99_latency for s in spreads],
                    color="#fb8500")
    latency_ax.set_xscale("log")
    latency_ax.set_xlabel("p99 latency (s, log scale)")
    latency_ax.tick_params(labelsize=8)
    fig.tight_layout()
    return fig


def draw_patterns(results: Sequence[DiscoveryResult]) -> Figure:
    """Client- against server-side discovery: hops, added latency, registry load, failures."""
    results = list(results)
    measures = [
        ("mean hops per request", [r.mean_hops for r in results]),
        ("added latency (ms)", [r.added_latency_ms for r in results]),
        ("registry lookups per second", [r.lookups_per_second for r in results]),
        ("failed requests (%)", [100 * r.failure_fraction for r in results]),
    ]
    fig = Figure(figsize=(9, 2.4), dpi=100)
    for ax, (title, values) in zip(fig.subplots(1, 4), measures, strict=True):
        ax.bar([r.pattern for r in results], values, color=["#0969da", "#8250df"])
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
    fig.tight_layout()
    return fig


def draw_lab(lab: RegistryLab) -> Figure:
    """The lab's history: served against up instances, and every routed request."""
    fig = Figure(figsize=(8, 4), dpi=100)
    counts_ax, picks_ax = fig.subplots(2, 1, sharex=True, height_ratios=(1, 1.4))
    ts = [t for t, _, _ in lab.trace]
    counts_ax.step(ts, [u for _, _, u in lab.trace], where="post", color=_UP, lw=1.2,
                   label="up (truth)")
    counts_ax.step(ts, [n for _, n, _ in lab.trace], where="post", color=_LISTED, lw=1.8,
                   label="served (lookup)")
    counts_ax.set_ylim(-0.3, len(lab.fleet.instances) + 0.8)
    counts_ax.set_ylabel("instances")
    counts_ax.legend(loc="lower left", fontsize=7, ncols=2)
    counts_ax.set_title(f"{lab.detector_name} detector, {lab.balancer_name}", fontsize=10)
    row = {i: k for k, i in enumerate(lab.fleet.ids())}
    good = [(p.t, row[p.instance]) for p in lab.picks if p.instance is not None and p.up]
    dead = [(p.t, row[p.instance]) for p in lab.picks if p.instance is not None and not p.up]
    failed = [p.t for p in lab.picks if p.instance is None]
    if good:
        picks_ax.plot(*zip(*good, strict=True), "|", color=_LISTED, ms=6, label="served")
    if dead:
        picks_ax.plot(*zip(*dead, strict=True), "x", color=_DEAD, ms=5,
                      label="sent to a dead instance")
    if failed:
        picks_ax.plot(failed, [-1] * len(failed), "v", color="#8c959f", ms=4,
                      label="lookup failed")
    picks_ax.set_yticks([-1, *row.values()], ["(none)", *row], fontsize=8)
    picks_ax.set_ylim(-1.6, len(row) - 0.4)
    picks_ax.set_xlabel("time (s)")
    picks_ax.set_xlim(min(ts) - 1, max(ts) + 1)
    if good or dead or failed:
        picks_ax.legend(loc="upper left", fontsize=7, ncols=3)
    fig.tight_layout()
    return fig


def _tile(t) -> str:
    colour = STATUS_COLOURS.get(t.status, "#d0d7de")
    border = "3px solid #cf222e" if t.listed and not t.up else "1px solid #57606a"
    served = "served" if t.listed else "not served"
    return (f'<div class="msa-tile" data-instance="{html.escape(t.id)}" '
            f'style="background:{colour};border:{border};border-radius:6px;padding:4px 8px;'
            f'margin:2px;min-width:96px;color:#fff">'
            f'<b>{html.escape(t.id)}</b><br>{"up" if t.up else "DOWN"} · '
            f'{html.escape(t.status)}<br><small>{served}</small></div>')


class RegistryExplorer(Explorer):
    """Operate a registry: add, crash, restart, partition, heal and advance the clock, and
    watch the detector's record and the balancer's picks.

    The methods named after the buttons do what the buttons do, so it is testable
    without a browser.
    """

    def __init__(self, detector: str = "corrected", balancer: str = "round robin",
                 instances: int = 4, seed: int = 0):
        self.seed, self.instances = seed, instances
        RegistryLab(detector, balancer, instances, seed=seed)  # names a bad choice first
        self.detector = widgets.Dropdown(options=list(DETECTORS), value=detector,
                                         description="detector")
        self.balancer = widgets.Dropdown(options=list(BALANCERS), value=balancer,
                                         description="balancer")
        self.target = widgets.Dropdown(description="instance")
        buttons = {
            "crash": ("crash", "danger"), "restart": ("restart", ""),
            "add": ("add instance", ""), "partition": ("partition", "warning"),
            "heal": ("heal", "success"), "advance_10": ("+10 s", "info"),
            "advance_30": ("+30 s", "info"),
        }
        self.buttons = {name: widgets.Button(description=label, button_style=style,
                                             layout=widgets.Layout(width="auto"))
                        for name, (label, style) in buttons.items()}
        actions = {
            "crash": lambda: self.crash(self.target.value),
            "restart": lambda: self.restart(self.target.value),
            "add": self.add, "partition": self.partition, "heal": self.heal,
            "advance_10": lambda: self.advance(10), "advance_30": lambda: self.advance(30),
        }
        for name, button in self.buttons.items():
            button.on_click(lambda _b, act=actions[name]: self._do(act))
        self.detector.observe(lambda _c: self.reset(), names="value")
        self.balancer.observe(lambda _c: self.reset(), names="value")
        self.tiles = widgets.HTML()
        self.report = widgets.HTML()
        self.image = widgets.Image(format="png")
        b = self.buttons
        self.widget = widgets.VBox([
            widgets.HBox([self.detector, self.balancer]),
            widgets.HBox([self.target, b["crash"], b["restart"], b["add"]]),
            widgets.HBox([b["partition"], b["heal"], b["advance_10"], b["advance_30"]]),
            self.tiles, self.report, self.image,
        ])
        self.reset()

    def reset(self) -> None:
        """Start over with the chosen detector and balancer at t = 0."""
        self.lab = RegistryLab(self.detector.value, self.balancer.value, self.instances,
                               seed=self.seed)
        self._message = ""
        self._show()

    def _do(self, action) -> None:
        try:
            action()
        except TheoryError as error:
            self._message = str(error)
            self._show()

    def add(self) -> None:
        """Boot a new instance."""
        self.target.value = None
        self._then(self.lab.add())

    def crash(self, instance_id: str) -> None:
        """Kill an instance."""
        self.lab.crash(instance_id)
        self._then()

    def restart(self, instance_id: str) -> None:
        """Reboot a crashed instance."""
        self.lab.restart(instance_id)
        self._then()

    def partition(self) -> None:
        """Cut the registry off from the fleet."""
        self.lab.partition()
        self._then()

    def heal(self) -> None:
        """End the partition."""
        self.lab.heal()
        self._then()

    def advance(self, seconds: int) -> None:
        """Run the clock forward."""
        self.lab.advance(seconds)
        self._then()

    def _then(self, select: str | None = None) -> None:
        self._message = ""
        self._show(select)

    def _show(self, select: str | None = None) -> None:
        lab = self.lab
        current = select or self.target.value
        self.target.options = lab.fleet.ids()
        self.target.value = current if current in lab.fleet.ids() else lab.fleet.ids()[0]
        partition = " · registry partitioned from the fleet" if lab.fleet.partitioned(
            lab.now) else ""
        self.tiles.value = ('<div class="msa-tiles" style="display:flex;flex-wrap:wrap">'
                            + "".join(_tile(t) for t in lab.tiles()) + "</div>")
        message = (f"<p class='msa-error' style='color:#cf222e'>{html.escape(self._message)}</p>"
                   if self._message else "")
        self.report.value = (f"<p class='msa-lookup'>t = {lab.now:g} s{partition}: "
                             f"{html.escape(lab.lookup())}<br>{html.escape(lab.summary())}</p>"
                             + message)
        self.image.value = figure_png(draw_lab(lab))

    def describe(self) -> str:
        """The explorer's state in two lines."""
        return f"{self.lab.lookup()}\n{self.lab.summary()}"

    def __repr__(self) -> str:
        return f"RegistryExplorer({self.lab!r})"
