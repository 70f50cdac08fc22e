"""What every chapter's explorer shares: it shows as its widget, prints as its repr, and
lays its controls beside its figure.

An explorer's figure is a PNG drawn at its own pixel size and shown at that size (no
browser scaling, so no blur), to the right of a fixed-width column of controls and
text; where the page is narrower than both, the figure wraps under the column.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import ipywidgets as widgets
from matplotlib.artist import Artist
from matplotlib.figure import Figure

from msatheory.errors import TheoryError, require_choice, require_count
from msatheory.interactive.figures.png import Canvas

__all__ = ["Drawing", "Explorer", "beside", "choice", "figure_image", "one_of", "report_html",
           "row", "whole"]


class Drawing(Protocol):
    """What an explorer draws on: one figure, the artists it changes on every frame and
    those that never change (legends beside the plots)."""

    @property
    def figure(self) -> Figure: ...

    @property
    def changing(self) -> Iterable[Artist]: ...

    @property
    def fixed(self) -> Iterable[Artist]: ...


class Explorer:
    """A model-driven widget: ``widget`` is what a notebook shows, ``repr`` its text form
    (stable across runs, so strict nbval can compare it)."""

    widget: widgets.Widget
    #: The names :meth:`set` accepts, in the order of the explorer's ``_key()``.
    CONTROLS: tuple[str, ...] = ()

    #: True while :meth:`_moving` sets controls, so their observers do not redraw.
    _holding = False

    def _key(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def _changed(self, change: dict[str, object]) -> None:
        """A control's value changed (unless :attr:`_holding`)."""
        raise NotImplementedError

    def _mount(self, drawing: Drawing, controls: Sequence[widgets.ValueWidget],
               *report: widgets.Widget, width: int = 340) -> None:
        """Set up what every explorer has: ``canvas``, a :class:`Canvas` of ``drawing``;
        ``image``, its PNG at its own size; ``controls``, each observed by
        :meth:`_changed`; and ``widget``, the controls and then ``report`` (one widget
        or more) in a column ``width`` pixels wide left of the image."""
        self.canvas = Canvas(drawing.figure, drawing.changing, drawing.fixed)
        self.image = figure_image(self.canvas)
        self.controls = tuple(controls)
        for control in self.controls:
            control.observe(self._changed, names="value")
        self.widget = beside([*self.controls, *report], self.image, width=width)

    @contextmanager
    def _moving(self) -> Iterator[None]:
        """Move several controls as one change: :attr:`_holding` is True inside, so
        :meth:`_changed` ignores each move."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False

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


def row(width: int = 330, label: int = 90) -> dict[str, object]:
    """The keyword arguments of a control in an explorer's column: ``width`` pixels wide,
    its description ``label`` pixels of that."""
    return {"style": {"description_width": f"{label}px"},
            "layout": widgets.Layout(width=f"{width}px")}


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


def one_of(owner: str, name: str, value: object, allowed: Sequence[int]) -> int:
    """Control ``name`` of explorer ``owner`` (a selection slider) as one of the whole
    numbers ``allowed``."""
    if isinstance(value, bool) or value not in allowed:
        raise TheoryError(f"{owner}: {name} must be one of "
                          f"{', '.join(map(str, allowed))}, not {value!r}")
    return allowed[allowed.index(value)]
