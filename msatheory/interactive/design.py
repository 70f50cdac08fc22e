"""Chapter 2's explorer: cut a monolith into services, then bring them within bounds.

Principle 2.3.1 (适当粒度) asks every service's granularity G(s) to lie within
[merge below, split above]; Theorem 2.1.1 (职责分离) and Principle 2.1.1 (单一职责) ask a
cut to give each element one owner and each service one domain.
:class:`GranularityExplorer` runs the model's pipeline on a monolith (community
detection, then the corrected optimizer) and shows the cut, its measures and the three
verdicts; the figure is :class:`~msatheory.interactive.figures.design.CutDrawing`.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Iterable

import ipywidgets as widgets

from msatheory.design.boundary import Design, check_separation, check_single_responsibility
from msatheory.design.coupling import DEFAULT_WEIGHTS, CouplingWeights
from msatheory.design.decomposition import METHODS, decompose
from msatheory.design.monolith import Monolith
from msatheory.design.optimizer import optimize
from msatheory.design.quality import cut_quality
from msatheory.design.sizing import SKETCH_BOUNDS, Bounds, check_granularity, granularity
from msatheory.errors import TheoryError, require_number
from msatheory.interactive.explorer import (
    Explorer,
    choice,
    report_html,
    row,
    whole,
)
from msatheory.interactive.figures.design import CutDrawing
from msatheory.theory.verdict import Verdict

__all__ = ["GranularityExplorer"]

#: The sliders' ranges, widened when the explorer starts outside them.
_LARGEST_BOUND, _HEAVIEST_WEIGHT = 40, 5.0


def _verdict_html(verdicts: Iterable[Verdict]) -> str:
    return "".join(v._repr_html_() for v in verdicts)


class GranularityExplorer(Explorer):
    """Principle 2.3.1 (适当粒度) on a cut that Theorem 2.1.1 (职责分离) guarantees: decompose
    a monolith by community detection, then optimize its granularity within bounds; the
    drawing, the measures and the verdicts follow the controls.

    The bounds are one slider with two handles, merge below and split above, so they
    cannot cross. :meth:`set` moves controls by name, checked before anything moves, so
    the explorer is testable without a browser. Cuts, optimized designs and pictures
    are memoised by the controls that determine them: moving a bound never clusters
    again, and returning to a setting redraws nothing.
    """

    #: The names :meth:`set` accepts.
    CONTROLS = ("merge_below", "split_above", "write", "read", "call", "method")

    def __init__(self, monolith: Monolith, bounds: Bounds = SKETCH_BOUNDS,
                 weights: CouplingWeights = DEFAULT_WEIGHTS, method: str = "greedy_modularity"):
        self.monolith = monolith
        choice("GranularityExplorer", "method", method, METHODS)
        self.bounds_slider = widgets.IntRangeSlider(
            value=(bounds.merge_below, bounds.split_above), min=1,
            max=max(_LARGEST_BOUND, bounds.split_above), description="bounds",
            tooltip="merge a service below the left handle, split it above the right one",
            continuous_update=True, **row())
        self.write, self.read, self.call = (
            widgets.FloatSlider(getattr(weights, name), min=0,
                                max=max(_HEAVIEST_WEIGHT, getattr(weights, name)), step=0.5,
                                description=f"{name} weight", continuous_update=True, **row())
            for name in ("write", "read", "call"))
        self.method = widgets.Dropdown(options=list(METHODS), value=method,
                                       description="method", **row())
        self.report = widgets.HTML(layout=widgets.Layout(width="330px"))
        self.drawing = CutDrawing(monolith, figsize=(5.6, 5.6))
        # What a control did not change is not computed again.
        memo = functools.lru_cache(maxsize=64)
        self._cut: Callable[[tuple[float, float, float, str]], Design] = memo(self._decompose)
        self._optimized: Callable[[_Key], Design] = memo(self._optimize)
        self._shown: Callable[[_Key], tuple[bytes, str]] = memo(self._render)
        self._mount(self.drawing, (self.bounds_slider, self.write, self.read, self.call,
                                   self.method), self.report)
        self._show()

    @property
    def bounds(self) -> Bounds:
        """The thresholds the two handles set."""
        return Bounds(*self.bounds_slider.value)

    @property
    def weights(self) -> CouplingWeights:
        """The coupling weights the sliders set."""
        return CouplingWeights(write=self.write.value, read=self.read.value, call=self.call.value)

    def _key(self) -> _Key:
        merge_below, split_above = self.bounds_slider.value
        return (merge_below, split_above, float(self.write.value), float(self.read.value),
                float(self.call.value), self.method.value)

    def set(self, **values: object) -> None:
        """Move controls by name, all at once: ``set(split_above=8, method="louvain")``.

        Names are :attr:`CONTROLS`. A value outside a control's range, bounds that
        cross, or an unknown method raises a :class:`TheoryError` naming what is allowed,
        and nothing moves.
        """
        unknown = sorted(set(values) - set(self.CONTROLS))
        if unknown:
            raise TheoryError(f"GranularityExplorer has no control {unknown[0]!r} (its "
                              f"controls: {', '.join(self.CONTROLS)})")
        merge_below, split_above, write, read, call, method = self._key()
        state: dict[str, object] = {
            "merge_below": merge_below, "split_above": split_above, "write": write,
            "read": read, "call": call, "method": method, **values}
        top = self.bounds_slider.max
        merge_below = whole("GranularityExplorer", "merge_below", state["merge_below"], 1, top)
        split_above = whole("GranularityExplorer", "split_above", state["split_above"], 1, top)
        if merge_below > split_above:
            raise TheoryError(
                f"GranularityExplorer: merge_below ({merge_below}) must not exceed "
                f"split_above ({split_above}): no service could be within bounds")
        weights = {name: _weight(name, state[name], getattr(self, name).max)
                   for name in ("write", "read", "call")}
        method = choice("GranularityExplorer", "method", state["method"], METHODS)
        with self._moving():
            self.bounds_slider.value = (merge_below, split_above)
            for name, value in weights.items():
                getattr(self, name).value = value
            self.method.value = method
        self._show()

    def design(self) -> Design:
        """The cut shown: the community cut, then
        :func:`~msatheory.design.optimizer.optimize` within the bounds."""
        return self._optimized(self._key())

    def verdicts(self, design: Design) -> list[Verdict]:
        """Theorem 2.1.1, Principle 2.1.1 and Principle 2.3.1 on ``design``."""
        return [check_separation(design), check_single_responsibility(design),
                check_granularity(design, self.bounds)]

    def describe(self) -> str:
        """The shown cut in one line: services, granularities and quality."""
        return self._describe(self.design(), self.weights)

    def _describe(self, design: Design, weights: CouplingWeights) -> str:
        quality = cut_quality(self.monolith, design, weights)
        sizes = ", ".join(f"{s.name} {granularity(s)}" for s in design.services)
        return (f"{len(design.services)} services (G: {sizes}); modularity "
                f"{quality.modularity:.3f}, cohesion {quality.cohesion:.2f}, "
                f"coupling {quality.coupling:g}")

    def _decompose(self, key: tuple[float, float, float, str]) -> Design:
        write, read, call, method = key
        return decompose(self.monolith, CouplingWeights(write, read, call), method).design

    def _optimize(self, key: _Key) -> Design:
        merge_below, split_above, write, read, call, method = key
        return optimize(self._cut((write, read, call, method)), Bounds(merge_below, split_above))

    def _render(self, key: _Key) -> tuple[bytes, str]:
        merge_below, split_above, write, read, call, method = key
        design, weights = self._optimized(key), CouplingWeights(write, read, call)
        self.drawing.show(design, weights, title=(
            f"{self.monolith.name} cut by {method}, bounds [{merge_below}, {split_above}]: "
            f"{len(design.services)} services"))
        report = report_html(f"<p>{html.escape(self._describe(design, weights))}</p>"
                             + _verdict_html(self.verdicts(design)))
        return self.canvas.png(), report

    def _changed(self, _change: object) -> None:
        if not self._holding:
            self._show()

    def _show(self) -> None:
        self.image.value, self.report.value = self._shown(self._key())

    def __repr__(self) -> str:
        merge_below, split_above, write, read, call, method = self._key()
        return (f"GranularityExplorer({self.monolith.name!r}, bounds=[{merge_below}, "
                f"{split_above}], weights=(write={write:g}, read={read:g}, call={call:g}), "
                f"method={method!r})")


#: What determines a shown cut: merge below, split above, the three weights, the method.
_Key = tuple[int, int, float, float, float, str]


def _weight(name: str, value: object, most: float) -> float:
    """A weight slider's value, from 0 to ``most``."""
    try:
        number = require_number("GranularityExplorer", name, value)
        if number > most:
            raise TheoryError(name)
    except TheoryError:
        raise TheoryError(f"GranularityExplorer: {name} must be a number from 0 to {most:g}, "
                          f"not {value!r}") from None
    return number
