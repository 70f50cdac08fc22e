"""What every chapter's explorer shares: it shows as its widget, and prints as its repr."""

from __future__ import annotations

import ipywidgets as widgets

__all__ = ["Explorer"]


class Explorer:
    """A model-driven widget: ``widget`` is what a notebook shows, ``repr`` its text form
    (stable across runs, so strict nbval can compare it)."""

    widget: widgets.Widget

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle
