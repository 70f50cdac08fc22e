"""Feature 1.2.4's figure in numbers: measured throughput against the Universal Scalability
Law fitted to it.

:func:`draw_usl` draws one panel per fit of :func:`~msatheory.basics.scaling.usl_fit`:
the measured points, the fitted curve ``X(N)``, its peak ``N*`` when coherency
(``β > 0``) makes throughput fall beyond it, and otherwise Amdahl's ceiling ``γ/α``
that throughput approaches without reaching (neither when ``α = 0`` too: linear
scaling). Every mark comes from the fit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from msatheory.basics.scaling import USLFit
from msatheory.errors import TheoryError

__all__ = ["draw_usl"]

_MEASURED = "#0969da"
_FITTED = "#cf222e"
_MARK = "#57606a"


def draw_usl(fits: Sequence[tuple[str, USLFit]]) -> Figure:
    """Feature 1.2.4 (独立扩展): each ``(title, fit)`` of ``fits`` as a panel of throughput
    against load, the fitted law beside the measured points, its peak or ceiling marked."""
    fits = list(fits)
    if not fits or not all(isinstance(fit, USLFit) for _, fit in fits):
        raise TheoryError("draw_usl: give one or more (title, USLFit) pairs, as usl_fit "
                          "returns them")
    fig = Figure(figsize=(4.0 * len(fits), 3.2), dpi=100)
    axes = fig.subplots(1, len(fits), squeeze=False)[0]
    for ax, (title, fit) in zip(axes, fits, strict=True):
        peak = fit.peak
        right = max(max(fit.load), 1.6 * peak if peak else 0) * 1.05
        loads = np.linspace(1, right, 300)
        ax.plot(loads, [fit.throughput(n) for n in loads], color=_FITTED, lw=1.6,
                label=f"USL: α {fit.alpha:.4f}, β {fit.beta:.2g}")
        ax.plot(fit.load, fit.measured, "o", color=_MEASURED, ms=5, label="measured")
        if peak is not None:
            ax.axvline(peak, color=_MARK, ls=":", lw=1)
            ax.annotate(f"N* = {peak:.1f}", (peak, fit.peak_throughput), fontsize=8,
                        xytext=(4, -14), textcoords="offset points", color=_MARK)
        elif fit.limit is not None:
            ax.axhline(fit.limit, color=_MARK, ls="--", lw=1,
                       label=f"γ/α = {fit.limit:.0f} (Amdahl)")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("load N")
        ax.set_ylabel("throughput X(N)")
        ax.set_xlim(0, right)
        ax.set_ylim(0, None)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig
