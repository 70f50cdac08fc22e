"""What every chapter's explorer shares: it shows as its widget, prints as its repr, and
lays its controls beside its figure.

An explorer's figure is a PNG drawn at its own pixel size and shown at that size (no
browser scaling, so no blur), to the right of a fixed-width column of controls and
text; where the page is narrower than both, the figure wraps under the column.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

import ipywidgets as widgets

from msatheory.interactive.figures.png import Canvas

__all__ = ["Explorer", "Memo", "beside", "figure_image", "report_html"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Explorer:
    """A model-driven widget: ``widget`` is what a notebook shows, ``repr`` its text form
    (stable across runs, so strict nbval can compare it)."""

    widget: widgets.Widget

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle


def figure_image(canvas: Canvas) -> widgets.Image:
    """An Image widget as wide and high in CSS pixels as the canvas's PNG."""
    width, height = canvas.size
    return widgets.Image(
        format="png", width=str(width), height=str(height),
        layout=widgets.Layout(width=f"{width}px", height="auto", max_width="100%",
                              flex="0 0 auto", margin="0 0 0 12px"),
    )


def beside(controls: Sequence[widgets.Widget], figure: widgets.Image,
           width: int = 340) -> widgets.Box:
    """``controls`` in a column ``width`` pixels wide, left of ``figure``."""
    column = widgets.VBox(list(controls),
                          layout=widgets.Layout(width=f"{width}px", flex="0 0 auto"))
    return widgets.HBox([column, figure],
                        layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"))


def report_html(body: str) -> str:
    """An explorer's report: ``body`` (HTML) at a reading line height, not the 28 px
    line of a widget's row."""
    return f'<div class="msa-report" style="line-height:1.45">{body}</div>'


class Memo(Generic[K, V]):
    """The last ``size`` results of a function, by argument: what a control did not
    change is not computed again."""

    def __init__(self, compute: Callable[[K], V], size: int = 64):
        self._compute, self._size = compute, size
        self._values: OrderedDict[K, V] = OrderedDict()

    def __call__(self, key: K) -> V:
        if key in self._values:
            self._values.move_to_end(key)
            return self._values[key]
        value = self._compute(key)
        self._values[key] = value
        if len(self._values) > self._size:
            self._values.popitem(last=False)
        return value
