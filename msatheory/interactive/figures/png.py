"""A figure as PNG bytes: once (:func:`figure_png`), or again and again (:class:`Canvas`).

An explorer keeps one figure, changes some of its artists and shows the result after
every click. Re-rendering the whole figure costs tens of milliseconds, mostly in text;
:class:`Canvas` draws everything that does not change once, keeps the pixels, and on
each frame draws only the artists that change onto them. The PNG is encoded with fast
compression at the figure's own pixel size, so a browser shows it pixel for pixel.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

__all__ = ["Canvas", "figure_png", "pixel_size"]


def figure_png(fig: Figure) -> bytes:
    """The whole figure as PNG bytes, with no timestamp or version in the file."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def pixel_size(fig: Figure) -> tuple[int, int]:
    """The figure's width and height in pixels at its own dpi."""
    return round(fig.bbox.width), round(fig.bbox.height)


class Canvas:
    """One figure rendered to PNG on demand, its static part drawn once.

    ``animated`` artists are drawn on every :meth:`png`, over a cached picture of all
    the others. Change an animated artist freely; after changing any other artist
    (limits, ticks, a static line), call :meth:`invalidate` so the next frame redraws
    the background. ``fixed`` artists never change and overlap nothing (a legend beside
    the plot): their pixels are kept from the first frame and pasted into every
    background drawn later, instead of being drawn again.
    """

    def __init__(self, figure: Figure, animated: Iterable[Artist] = (),
                 fixed: Iterable[Artist] = ()):
        self.figure = figure
        self._agg = FigureCanvasAgg(figure)
        self._animated: list[Artist] = []
        self._fixed = list(fixed)
        self._fixed_pixels: list[object] | None = None
        self._background: object = None
        self.animate(animated)

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of the PNG in pixels."""
        return pixel_size(self.figure)

    def animate(self, artists: Iterable[Artist]) -> None:
        """Draw ``artists`` on every frame, over the cached background."""
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)
        self.invalidate()

    def invalidate(self) -> None:
        """Redraw the background on the next frame."""
        self._background = None

    def png(self) -> bytes:
        """The figure as it is now, as PNG bytes (the same bytes for the same picture)."""
        agg = self._agg
        if self._background is None:
            self._draw_background()
        else:
            agg.restore_region(self._background)
        for artist in sorted(self._animated, key=lambda a: a.get_zorder()):
            if artist.get_visible():
                self.figure.draw_artist(artist)
        width, height = self.size
        rgba = Image.frombuffer("RGBA", (width, height), agg.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        rgba.convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def _draw_background(self) -> None:
        agg = self._agg
        if self._fixed_pixels is None:
            agg.draw()
            renderer = agg.get_renderer()
            self._fixed_pixels = [
                agg.copy_from_bbox(artist.get_window_extent(renderer).padded(2))
                for artist in self._fixed]
        else:
            for artist in self._fixed:
                artist.set_visible(False)
            try:
                agg.draw()
            finally:
                for artist in self._fixed:
                    artist.set_visible(True)
            for pixels in self._fixed_pixels:
                agg.restore_region(pixels)
        self._background = agg.copy_from_bbox(self.figure.bbox)
