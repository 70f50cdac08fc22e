"""Chapter 1 widget: choose a failing service and see its blast radius (Feature 1.2.3)."""

from __future__ import annotations

import html

import ipywidgets as widgets

from msatheory.basics.features import failure_impact, single_points_of_failure
from msatheory.basics.model import Architecture
from msatheory.interactive.draw import draw_architecture, figure_png
from msatheory.interactive.explorer import Explorer

__all__ = ["BlastRadiusExplorer"]


class BlastRadiusExplorer(Explorer):
    """A dropdown of services; the drawing and report follow the chosen failing service.

    All it shows comes from :func:`msatheory.basics.failure_impact`; :meth:`select`
    does what a click does, so the logic is testable without a browser.
    """

    def __init__(self, arch: Architecture, failing: str | None = None):
        self.arch = arch
        names = sorted(arch.services)
        first = failing if failing is not None else (single_points_of_failure(arch) or names)[0]
        arch.service(first)
        self.dropdown = widgets.Dropdown(options=names, value=first, description="Failing:")
        self.report = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.dropdown.observe(lambda _change: self._show(), names="value")
        self.widget = widgets.VBox([self.dropdown, self.report, self.image])
        self._show()

    @property
    def failing(self) -> str:
        """The service chosen as failing."""
        return self.dropdown.value

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

    def _show(self) -> None:
        impact = failure_impact(self.arch, self.failing)
        self.report.value = f"<p>{html.escape(self.describe())}</p>"
        self.image.value = figure_png(
            draw_architecture(
                self.arch,
                failed=impact.failed,
                failing=self.failing,
                title=f"{self.arch.name}: blast radius of {self.failing}",
            )
        )

    def __repr__(self) -> str:
        return f"BlastRadiusExplorer({self.arch.name!r}, failing={self.failing!r})"
