"""Chapter 3's explorer: operate a registry and watch its detector and balancer.

Algorithm 3.2.2 (健康检查算法) decides which instances a registry serves, Algorithm 3.2.1
(服务发现算法) routes each request through a lookup and a balancer.
:class:`RegistryExplorer` runs one of the model's detectors and balancers over a fleet
the learner breaks, shows each instance as a tile (the truth against the registry's
record) and draws the history with
:class:`~msatheory.interactive.figures.discovery.LabDrawing`.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

from msatheory.discovery.balancers import BALANCERS
from msatheory.discovery.detectors import DETECTORS
from msatheory.discovery.lab import RegistryLab, Tile
from msatheory.discovery.registry import NoHealthyInstance, ServiceNotFound
from msatheory.errors import TheoryError
from msatheory.interactive.explorer import Explorer, beside, figure_image, report_html, row
from msatheory.interactive.figures.discovery import LabDrawing
from msatheory.interactive.figures.png import Canvas

__all__ = ["TILE_STYLES", "RegistryExplorer", "tile_html"]

#: Each registry status as a tile shows it: background, text colour and border. Every
#: pair reads at a contrast of at least 4.5:1 (WCAG AA); an absent instance is a pale
#: tile with a dashed border.
TILE_STYLES: dict[str, tuple[str, str, str]] = {
    "passing": ("#1a7f37", "#ffffff", "1px solid #1a7f37"),
    "healthy": ("#1a7f37", "#ffffff", "1px solid #1a7f37"),
    "warning": ("#9a6700", "#ffffff", "1px solid #9a6700"),
    "critical": ("#cf222e", "#ffffff", "1px solid #cf222e"),
    "unhealthy": ("#cf222e", "#ffffff", "1px solid #cf222e"),
    "unknown": ("#57606a", "#ffffff", "1px solid #57606a"),
    "expired": ("#57606a", "#ffffff", "1px solid #57606a"),
    "absent": ("#f6f8fa", "#1f2328", "1px dashed #57606a"),
}
#: The border of a tile the registry serves although the instance is down.
DEAD_SERVED = "3px solid #cf222e"


def tile_html(tile: Tile, booting_at: float | None = None) -> str:
    """One instance as a tile: its id, the truth (up, DOWN, or starting and up at
    ``booting_at``), the registry's status and whether a lookup serves it."""
    background, colour, border = TILE_STYLES.get(tile.status, TILE_STYLES["absent"])
    if tile.listed and not tile.up:
        border = DEAD_SERVED
    if tile.up:
        truth = "up"
    elif booting_at is not None:
        truth = f"starting, up at t={booting_at:g}"
    else:
        truth = "DOWN"
    served = ("served while down" if tile.listed and not tile.up
              else "served" if tile.listed else "not served")
    return (f'<div class="msa-tile" data-instance="{html.escape(tile.id)}" '
            f'data-status="{html.escape(tile.status)}" style="background:{background};'
            f'color:{colour};border:{border};border-radius:6px;padding:4px 8px;margin:2px;'
            f'min-width:92px;line-height:1.35"><b>{html.escape(tile.id)}</b><br>'
            f'{html.escape(truth)} · {html.escape(tile.status)}<br>'
            f"<small>{served}</small></div>")


#: One action on the lab, at a time: (t, action, instance or None).
_Action = tuple[float, str, str | None]


class RegistryExplorer(Explorer):
    """Algorithm 3.2.2 (健康检查算法) and Algorithm 3.2.1 (服务发现算法) by hand: operate a
    registry (add, crash, restart, partition, heal, advance the clock) and watch the
    detector's record, each lookup and the balancer's picks.

    The methods named after the buttons do what the buttons do, so it is testable
    without a browser. Every action is kept: choosing another detector or balancer
    replays them on a new lab up to the same time, so two detectors meet the same
    history; :meth:`reset` (the "start over" button) returns to t = 0.
    """

    def __init__(self, detector: str = "corrected", balancer: str = "round robin",
                 instances: int = 4, seed: int = 0):
        self.seed, self.instances = seed, instances
        RegistryLab(detector, balancer, instances, seed=seed)  # names a bad choice first
        self.detector = widgets.Dropdown(options=list(DETECTORS), value=detector,
                                         description="detector", **row(300, label=70))
        self.balancer = widgets.Dropdown(options=list(BALANCERS), value=balancer,
                                         description="balancer", **row(300, label=70))
        self.target = widgets.Dropdown(description="instance", **row(300, label=70))
        buttons = {
            "crash": ("crash", "danger"), "restart": ("restart", ""),
            "add": ("add instance", ""), "partition": ("partition", "warning"),
            "heal": ("heal", "success"), "advance_10": ("+10 s", "info"),
            "advance_30": ("+30 s", "info"), "reset": ("start over", ""),
        }
        self.buttons = {name: widgets.Button(description=label, button_style=style,
                                             layout=widgets.Layout(width="auto"))
                        for name, (label, style) in buttons.items()}
        actions = {
            "crash": lambda: self.crash(self.target.value),
            "restart": lambda: self.restart(self.target.value),
            "add": self.add, "partition": self.partition, "heal": self.heal,
            "advance_10": lambda: self.advance(10), "advance_30": lambda: self.advance(30),
            "reset": self.reset,
        }
        for name, button in self.buttons.items():
            button.on_click(lambda _b, act=actions[name]: self._do(act))
        self.detector.observe(lambda _c: self._replay(), names="value")
        self.balancer.observe(lambda _c: self._replay(), names="value")
        self.tiles = widgets.HTML(layout=widgets.Layout(width="330px"))
        self.report = widgets.HTML(layout=widgets.Layout(width="330px"))
        self.drawing = LabDrawing(figsize=(5.6, 4.2))
        self.canvas = Canvas(self.drawing.figure, self.drawing.changing, self.drawing.fixed)
        self.image = figure_image(self.canvas)
        b = self.buttons
        self.widget = beside([
            self.detector, self.balancer, self.target,
            widgets.HBox([b["crash"], b["restart"], b["add"]],
                         layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([b["partition"], b["heal"], b["advance_10"], b["advance_30"],
                          b["reset"]], layout=widgets.Layout(flex_flow="row wrap")),
            self.tiles, self.report,
        ], self.image, width=340)
        self.history: list[_Action] = []
        self._note = ""
        self.reset()

    def reset(self) -> None:
        """Start over with the chosen detector and balancer at t = 0."""
        self.lab = RegistryLab(self.detector.value, self.balancer.value, self.instances,
                               seed=self.seed)
        self.history = []
        self._then()

    def _replay(self) -> None:
        """A new lab with the chosen detector and balancer, through the same history."""
        now, history = self.lab.now, list(self.history)
        self.lab = RegistryLab(self.detector.value, self.balancer.value, self.instances,
                               seed=self.seed)
        for t, action, instance in history:
            self._run_to(t)
            getattr(self.lab, action)(*(() if instance is None else (instance,)))
        self._run_to(now)
        count = len(history)
        self._then(note=(
            f"{self.lab.detector_name} detector, {self.lab.balancer_name}: replayed "
            f"{count} action{'s' if count != 1 else ''} up to t = {now:g} s"
            if now else ""))

    def _run_to(self, t: float) -> None:
        if t > self.lab.now:
            self.lab.advance(round(t - self.lab.now))

    def _do(self, action: Callable[[], None]) -> None:
        try:
            action()
        except TheoryError as error:
            self._show(error=str(error))

    def _act(self, action: str, instance: str | None = None) -> None:
        getattr(self.lab, action)(*(() if instance is None else (instance,)))
        self.history.append((self.lab.now, action, instance))

    def add(self) -> None:
        """Boot a new instance; it is up from the next second."""
        before = set(self.lab.fleet.ids())
        self._act("add")
        self._then(select=next(i for i in self.lab.fleet.ids() if i not in before))

    def crash(self, instance_id: str) -> None:
        """Kill an instance."""
        self._act("crash", instance_id)
        self._then()

    def restart(self, instance_id: str) -> None:
        """Reboot a crashed instance; it is up from the next second."""
        starting = self._starting()
        if instance_id in starting:
            raise TheoryError(f"{instance_id} is already restarting: it is up at "
                              f"t={starting[instance_id]:g}; advance the clock")
        self._act("restart", instance_id)
        self._then()

    def partition(self) -> None:
        """Cut the registry off from the fleet."""
        self._act("partition")
        self._then()

    def heal(self) -> None:
        """End the partition."""
        self._act("heal")
        self._then()

    def advance(self, seconds: int) -> None:
        """Run the clock forward."""
        self.lab.advance(seconds)
        self._then()

    def _then(self, select: str | None = None, note: str = "") -> None:
        self._note = note
        self._show(select)

    def _starting(self) -> dict[str, float]:
        """The instances down now that are up next second (restarted or just added)."""
        fleet, now = self.lab.fleet, self.lab.now
        return {i: now + 1 for i in fleet.ids()
                if not fleet.up(i, now) and fleet.up(i, now + 1)}

    def lookup(self) -> str:
        """What a lookup returns now, in a sentence."""
        lab = self.lab
        service = lab.fleet.service
        try:
            listed = sorted(lab.detector.lookup())
        except ServiceNotFound:
            return f"lookup fails: the registry holds no instance of {service}"
        except NoHealthyInstance:
            held = len(lab.detector.registered())
            if not held:
                return f"lookup fails: the registry lists no instance of {service} any more"
            return (f"lookup fails: the registry holds {held} instance"
                    f"{'s' if held != 1 else ''} of {service}, none of them healthy")
        return "lookup returns " + ", ".join(listed)

    def _show(self, select: str | None = None, error: str = "") -> None:
        lab = self.lab
        ids = lab.fleet.ids()
        current = select or self.target.value
        if tuple(self.target.options) != tuple(ids):
            self.target.options = ids
        self.target.value = current if current in ids else ids[0]
        if self.drawing.show(lab):
            self.canvas.invalidate()
        self.image.value = self.canvas.png()
        starting = self._starting()
        self.tiles.value = ('<div class="msa-tiles" style="display:flex;flex-wrap:wrap">'
                            + "".join(tile_html(t, starting.get(t.id)) for t in lab.tiles())
                            + "</div>")
        partition = (" · registry partitioned from the fleet"
                     if lab.fleet.partitioned(lab.now) else "")
        note = f"<p class='msa-note'>{html.escape(self._note)}</p>" if self._note else ""
        message = (f"<p class='msa-error' style='color:#cf222e'>{html.escape(error)}</p>"
                   if error else "")
        self.report.value = report_html(
            f"<p class='msa-lookup'>t = {lab.now:g} s{partition}: "
            f"{html.escape(self.lookup())}<br>{html.escape(lab.summary())}</p>" + note + message)

    def describe(self) -> str:
        """The explorer's state in two lines."""
        return f"{self.lookup()}\n{self.lab.summary()}"

    def __repr__(self) -> str:
        return f"RegistryExplorer({self.lab!r})"
