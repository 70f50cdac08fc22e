"""Feature 1.2.4's figure: every mark comes from the fit it draws."""

from __future__ import annotations

import numpy as np
import pytest

from msatheory import TheoryError
from msatheory.basics.scaling import RAYTRACER, SPECSDM91, USLFit, usl_fit
from msatheory.interactive.figures.scaling import draw_usl

pytest.importorskip("matplotlib")


def _fit(data) -> USLFit:
    return usl_fit(*zip(*data, strict=True))


def test_each_panel_draws_its_fit_points_and_peak_or_ceiling():
    sdm, ray = _fit(SPECSDM91), _fit(RAYTRACER)
    fig = draw_usl([("SPEC SDM91", sdm), ("ray tracer", ray)])
    left, right = fig.axes
    curve, points = left.lines[:2]
    assert np.allclose(points.get_ydata(), sdm.measured)
    xs = curve.get_xdata()
    assert np.allclose(curve.get_ydata(), [sdm.throughput(n) for n in xs])
    assert xs.max() > sdm.peak  # the fall beyond the peak is drawn
    assert left.lines[2].get_xdata()[0] == pytest.approx(sdm.peak)  # N* marked
    assert any("N* = 96.5" in t.get_text() for t in left.texts)
    # β = 0 for the ray tracer: no peak, Amdahl's ceiling instead.
    assert ray.peak is None
    assert right.lines[2].get_ydata()[0] == pytest.approx(ray.limit)
    assert "Amdahl" in right.get_legend().get_texts()[-1].get_text()


def test_linear_scaling_draws_neither_peak_nor_ceiling():
    fit = _fit([(1, 10.0), (2, 20.0), (4, 40.0), (8, 80.0)])
    assert (fit.alpha, fit.beta) == (0, 0)
    (ax,) = draw_usl([("linear", fit)]).axes
    assert len(ax.lines) == 2  # the law and the points: nothing to mark


@pytest.mark.parametrize("bad", [[], [("x", (1, 2))], [("x", None)]])
def test_anything_but_fits_is_refused_by_name(bad):
    with pytest.raises(TheoryError, match="draw_usl: give one or more"):
        draw_usl(bad)
