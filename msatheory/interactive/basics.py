"""Chapter 1's explorer: choose a failing service and see its blast radius.

Feature 1.2.3 (故障隔离, fault isolation) says one service's failure does not bring
the whole system down; :class:`BlastRadiusExplorer` shows, for each service, which
services fail with it and whether any entry point still serves.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable

import ipywidgets as widgets

from msatheory.basics.features import failure_impact, single_points_of_failure
from msatheory.basics.model import Architecture
from msatheory.interactive.explorer import Explorer, beside, figure_image, report_html
from msatheory.interactive.figures.architecture import ArchitectureDrawing
from msatheory.interactive.figures.png import Canvas

__all__ = ["BlastRadiusExplorer"]


class BlastRadiusExplorer(Explorer):
    """Feature 1.2.3 (故障隔离): a dropdown of services; the drawing and the report follow
    the chosen failing service.

    All it shows comes from :func:`msatheory.basics.features.failure_impact`;
    :meth:`select` does what choosing in the dropdown does, so the logic is testable
    without a browser. The architecture is drawn once; a choice repaints the circles.
    """

    def __init__(self, arch: Architecture, failing: str | None = None):
        self.arch = arch
        names = sorted(arch.services)
        first = failing if failing is not None else (single_points_of_failure(arch) or names)[0]
        arch.service(first)
        self.drawing = ArchitectureDrawing(arch, figsize=(6.0, 4.4), failures=True)
        self.canvas = Canvas(self.drawing.figure, self.drawing.changing)
        # What a control did not change is not drawn again.
        self._png: Callable[[str], bytes] = functools.lru_cache(maxsize=64)(self._draw)
        self.dropdown = widgets.Dropdown(options=names, value=first, description="Failing:",
                                         layout=widgets.Layout(width="280px"))
        self.report = widgets.HTML(layout=widgets.Layout(width="280px"))
        self.image = figure_image(self.canvas)
        self.dropdown.observe(lambda _change: self._show(), names="value")
        self.widget = beside([self.dropdown, self.report], self.image, width=290)
        self._show()

    @property
    def failing(self) -> str:
        """The service chosen as failing."""
        value: str = self.dropdown.value
        return value

    def select(self, service: str) -> None:
        """Choose ``service`` as the failing one (a clear error if there is no such service)."""
        self.dropdown.value = self.arch.service(service).name

    def describe(self) -> str:
        """One sentence on the failure's impact, as the report shows it."""
        impact = failure_impact(self.arch, self.failing)
        others = sorted(impact.failed - {self.failing})
        spread = f"it takes down {', '.join(others)}" if others else "no other service fails"
        if impact.system_down:
            verdict = "every entry point is down: a single point of failure"
        else:
            verdict = f"entry points still serving: {', '.join(sorted(impact.entry_points_up))}"
        return (
            f"{self.failing} fails: {spread} "
            f"({len(impact.failed)} of {len(self.arch.services)} services); {verdict}."
        )

    def _draw(self, failing: str) -> bytes:
        impact = failure_impact(self.arch, failing)
        self.drawing.paint(impact.failed, failing,
                           f"{self.arch.name}: blast radius of {failing}")
        return self.canvas.png()

    def _show(self) -> None:
        self.image.value = self._png(self.failing)
        self.report.value = report_html(f"<p>{html.escape(self.describe())}</p>")

    def __repr__(self) -> str:
        return f"BlastRadiusExplorer({self.arch.name!r}, failing={self.failing!r})"
