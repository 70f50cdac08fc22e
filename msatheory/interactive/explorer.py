"""What every chapter's explorer shares: it shows as its widget, prints as its repr, and
lays its controls beside its figure.

An explorer's figure is a PNG drawn at its own pixel size and shown at that size (no
browser scaling, so no blur), to the right of a fixed-width column of controls and
text; where the page is narrower than both, the figure wraps under the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets

from msatheory.errors import TheoryError, require_choice, require_count
from msatheory.interactive.figures.png import Canvas

__all__ = ["Explorer", "beside", "choice", "figure_image", "report_html", "whole"]

class Explorer:
    """A model-driven widget: ``widget`` is what a notebook shows, ``repr`` its text form
    (stable across runs, so strict nbval can compare it)."""

    widget: widgets.Widget
    #: The names :meth:`set` accepts, in the order of the explorer's ``_key()``.
    CONTROLS: tuple[str, ...] = ()

    def _key(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def controls_after(self, values: dict[str, object]) -> dict[str, object]:
        """Every control's value once ``values`` are applied; a name that is not a control
        raises a :class:`TheoryError` listing the controls."""
        unknown = sorted(set(values) - set(self.CONTROLS))
        if unknown:
            raise TheoryError(f"{type(self).__name__} has no control {unknown[0]!r} (its "
                              f"controls: {', '.join(self.CONTROLS)})")
        return dict(zip(self.CONTROLS, self._key(), strict=True)) | values

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




def whole(owner: str, name: str, value: object, least: int, most: int) -> int:
    """Control ``name`` of explorer ``owner`` as a whole number from ``least`` to ``most``."""
    try:
        number = require_count(owner, name, value, least=least)
        if number > most:
            raise TheoryError(name)
    except TheoryError:
        raise TheoryError(f"{owner}: {name} must be a whole number from {least} to {most}, "
                          f"not {value!r}") from None
    return number


def choice(owner: str, name: str, value: object, choices: Sequence[str]) -> str:
    """Control ``name`` of explorer ``owner`` as one of ``choices``."""
    return require_choice(owner, name, value, choices)
