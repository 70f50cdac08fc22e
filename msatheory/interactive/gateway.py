"""Chapter 4's explorer: send a request stream through the gateway and watch each fate.

Def 4.1.1 (API网关) runs each request through route (Function 4.2.1, 路由), the route's
policies (authentication, Function 4.2.3, 认证; rate limiting, Function 4.2.4, 限流; the
cache), the balancer and the service. :class:`GatewayExplorer` runs
:class:`~msatheory.gateway.pipeline.GatewayPipeline` on a seeded stream
(:func:`~msatheory.gateway.pipeline.traffic`), tables what became of each request, and
draws it with the five limiters side by side on the same stream
(:class:`~msatheory.interactive.figures.gateway.GatewayDrawing`).
"""

from __future__ import annotations

import functools
import html
from collections import Counter
from collections.abc import Callable, Sequence

import ipywidgets as widgets

from msatheory.errors import TheoryError, require_fraction
from msatheory.gateway.gateway import check_gateway
from msatheory.gateway.pipeline import (
    INSTANCES,
    ORDERINGS,
    PERMISSIONS,
    Arrival,
    Comparison,
    Fate,
    GatewayPipeline,
    compare_limiters,
    shop_gateway,
    side_by_side,
    traffic,
)
from msatheory.gateway.ratelimit import LIMITERS
from msatheory.interactive.explorer import Explorer, choice, report_html, row, whole
from msatheory.interactive.figures.gateway import (
    LIMITER_LABELS,
    OUTCOME_COLOURS,
    GatewayDrawing,
)

__all__ = ["GatewayExplorer", "fate_table"]

#: How long the stream lasts, in seconds, and how many requests it holds besides a burst.
SPAN, REQUESTS = 60, 40
#: The sliders' ranges.
_LIMITS, _WINDOWS = (1, 10), (2, 30)
_OWNER = "GatewayExplorer"

#: What determines a run: seed, limit, window, burst, order, NAT share, limiter.
_Key = tuple[int, int, int, bool, str, float, str]


def _status_cell(fate: Fate) -> str:
    colour = OUTCOME_COLOURS[fate.outcome]
    return (f'<td class="msa-status" data-outcome="{html.escape(fate.outcome)}" '
            f'style="background:{colour};color:#ffffff;padding:0 4px">{fate.status}</td>')


def fate_table(fates: Sequence[Fate]) -> str:
    """Each request's fate as an HTML table: time, request, the stage reached and the
    status (coloured by outcome, white text at AA contrast), and under the request who
    sent it (the caller, else the address) and why it ended there."""
    rows = "".join(
        f'<tr style="border-top:1px solid #d0d7de"><td>{html.escape(str(f.arrival.at))}</td>'
        f'<td><span style="white-space:nowrap">{html.escape(f.arrival.method)} '
        f"{html.escape(f.arrival.path)}</span><br><small style='color:#57606a'>"
        f"{html.escape(_who(f))}: {html.escape(_short(f.reason))}</small></td>"
        f"<td>{html.escape(f.stage)}</td>{_status_cell(f)}</tr>"
        for f in fates)
    return ('<div class="msa-fates" style="max-height:210px;overflow:auto;font-size:12px">'
            '<table style="border-collapse:collapse;line-height:1.25"><thead><tr>'
            "<th>t</th><th>request, who: why</th><th>stage</th><th>status</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>")


def _who(fate: Fate) -> str:
    return f"{fate.caller} at {fate.arrival.client}" if fate.caller else fate.arrival.client


def _short(reason: str) -> str:
    """A reason cut to a table cell: a bearer challenge's description alone."""
    if 'error_description="' in reason:
        reason = reason.split('error_description="', 1)[1].split('"', 1)[0]
    return reason if len(reason) <= 40 else reason[:37] + "..."


class GatewayExplorer(Explorer):
    """Def 4.1.1 (API网关) by hand: a seeded stream of requests through the shop's
    gateway, each request's fate, and Function 4.2.4 (限流)'s five limiters side by side
    on the same stream.

    Controls: the stream's ``seed``; the quota's ``limit`` and ``window`` (seconds);
    ``burst``, ``limit`` requests just before a window boundary and ``limit`` at it;
    the policy ``order`` of the authenticated routes (``"safe"``, or ``"rate-limit
    first"``, which :func:`~msatheory.gateway.gateway.check_gateway` flags); the share
    of users behind one NAT address (``nat_share``); and the gateway's ``limiter``.
    :meth:`set` moves controls by name, checked before anything moves, so the explorer
    is testable without a browser. Runs and pictures are memoised by the controls.
    """

    #: The names :meth:`set` accepts.
    CONTROLS = ("seed", "limit", "window", "burst", "order", "nat_share", "limiter")

    def __init__(self, seed: int = 0, *, limit: int = 3, window: int = 10, burst: bool = True,
                 order: str = "safe", nat_share: float = 0.4, limiter: str = "fixed-window"):
        self.seed = widgets.BoundedIntText(0, min=0, max=10**6, description="seed",
                                           **row(200, label=80))
        self.limit = widgets.IntSlider(3, min=_LIMITS[0], max=_LIMITS[1], description="limit",
                                       continuous_update=True, **row(label=80))
        self.window = widgets.IntSlider(10, min=_WINDOWS[0], max=_WINDOWS[1],
                                        description="window (s)", continuous_update=True,
                                        **row(label=80))
        self.burst = widgets.Checkbox(True, description="burst at a window boundary",
                                      indent=False, layout=widgets.Layout(width="330px"))
        self.order = widgets.Dropdown(options=list(ORDERINGS), value="safe",
                                      description="policy order", **row(label=80))
        self.nat_share = widgets.FloatSlider(0.4, min=0, max=1, step=0.2,
                                             description="behind NAT", readout_format=".0%",
                                             continuous_update=True, **row(label=80))
        self.limiter = widgets.Dropdown(options=list(LIMITERS), value="fixed-window",
                                        description="limiter", **row(label=80))
        self.report = widgets.HTML(layout=widgets.Layout(width="330px"))
        self.table = widgets.HTML(layout=widgets.Layout(width="330px"))
        self.drawing = GatewayDrawing(SPAN)
        memo = functools.lru_cache(maxsize=64)
        self._stream: Callable[[int, float, int | None, int], tuple[Arrival, ...]] = memo(
            self._traffic)
        self._compared: Callable[[int, float, int | None, int, int], Comparison] = memo(
            self._compare)
        self._run: Callable[[_Key], tuple[tuple[Fate, ...], Comparison]] = memo(self._handle)
        self._shown: Callable[[_Key], tuple[bytes, str, str]] = memo(self._render)
        self._mount(self.drawing, (self.seed, self.limit, self.window, self.burst, self.order,
                                   self.nat_share, self.limiter), self.report, self.table)
        self.set(seed=seed, limit=limit, window=window, burst=burst, order=order,
                 nat_share=nat_share, limiter=limiter)

    def _key(self) -> _Key:
        return (self.seed.value, self.limit.value, self.window.value, bool(self.burst.value),
                self.order.value, round(float(self.nat_share.value), 6), self.limiter.value)

    def set(self, **values: object) -> None:
        """Move controls by name, all at once: ``set(order="rate-limit first", limit=2)``.

        Names are :attr:`CONTROLS`. A value outside a control's range or choices raises
        a :class:`TheoryError` naming what is allowed, and nothing moves.
        """
        state = self.controls_after(values)
        seed = whole(_OWNER, "seed", state["seed"], 0, self.seed.max)
        limit = whole(_OWNER, "limit", state["limit"], *_LIMITS)
        window = whole(_OWNER, "window", state["window"], *_WINDOWS)
        if not isinstance(state["burst"], bool):
            raise TheoryError(f"GatewayExplorer: burst must be True or False, "
                              f"not {state['burst']!r}")
        order = choice(_OWNER, "order", state["order"], ORDERINGS)
        share = require_fraction("GatewayExplorer", "nat_share", state["nat_share"])
        if abs(share * 5 - round(share * 5)) > 1e-9:
            raise TheoryError(f"GatewayExplorer: nat_share must be one of 0, 0.2, 0.4, 0.6, "
                              f"0.8 or 1 (a share of the five users), not {share!r}")
        limiter = choice(_OWNER, "limiter", state["limiter"], tuple(LIMITERS))
        with self._moving():
            self.seed.value, self.limit.value, self.window.value = seed, limit, window
            self.burst.value, self.order.value, self.limiter.value = (
                state["burst"], order, limiter)
            self.nat_share.value = round(share * 5) / 5
        self._show()

    def boundary(self) -> int:
        """Where the burst straddles: the window boundary nearest the stream's middle."""
        return _boundary(self.window.value)

    def stream(self) -> tuple[Arrival, ...]:
        """The requests the controls generate."""
        seed, limit, window, burst, _, share, _ = self._key()
        return self._stream(seed, share, _boundary(window) if burst else None, limit)

    def fates(self) -> tuple[Fate, ...]:
        """What became of each request of :meth:`stream`."""
        return self._run(self._key())[0]

    def comparison(self) -> Comparison:
        """The five limiters on :meth:`stream`, at the controls' limit and window."""
        return self._run(self._key())[1]

    def describe(self) -> str:
        """The run in a few lines: outcomes, quota spent on refused requests, the
        gateway's verdict, and the busiest window of each limiter."""
        return self._describe(self._key())

    def _describe(self, key: _Key) -> str:
        fates, comparison = self._run(key)
        seed, limit, window, burst, order, _, limiter = key
        counts = Counter(f.outcome for f in fates)
        outcomes = ", ".join(f"{counts[o]} {o}" for o in OUTCOME_COLOURS if counts[o])
        wasted = sum(1 for f in fates if f.status == 401 and f.charged)
        verdict = check_gateway(shop_gateway(order))
        check = ("check_gateway holds" if verdict.holds else
                 f"check_gateway finds {len(verdict.witnesses)} unsafe policy orders")
        busiest = ", ".join(f"{LIMITER_LABELS[r.name]} {r.busiest}" for r in comparison.runs)
        spike = f" (a burst at t={_boundary(window)})" if burst else ""
        return (f"seed {seed}: {len(fates)} requests{spike}; {order} order, {limiter} "
                f"{limit} per {window} s\n{outcomes}\n"
                f"refused at authenticate yet charged quota: {wasted}; {check}\n"
                f"busiest window (limit {limit}): {busiest}")

    def _traffic(self, seed: int, share: float, boundary: int | None,
                 limit: int) -> tuple[Arrival, ...]:
        return traffic(seed, requests=REQUESTS, span=SPAN, nat_share=share,
                       burst=None if boundary is None else (boundary, limit))

    def _compare(self, seed: int, share: float, boundary: int | None, limit: int,
                 window: int) -> Comparison:
        return compare_limiters(self._stream(seed, share, boundary, limit), limit, window)

    def _handle(self, key: _Key) -> tuple[tuple[Fate, ...], Comparison]:
        seed, limit, window, burst, order, share, limiter = key
        boundary = _boundary(window) if burst else None
        chosen = side_by_side(limit, window)[list(LIMITERS).index(limiter)]
        pipeline = GatewayPipeline(shop_gateway(order), chosen, instances=INSTANCES,
                                   permissions=PERMISSIONS)
        return (pipeline.run(self._stream(seed, share, boundary, limit)),
                self._compared(seed, share, boundary, limit, window))

    def _render(self, key: _Key) -> tuple[bytes, str, str]:
        fates, comparison = self._run(key)
        self.drawing.show(fates, comparison)
        lines = [html.escape(line) for line in self._describe(key).splitlines()]
        report = report_html(f"<p class='msa-summary'>{'<br>'.join(lines)}</p>")
        return self.canvas.png(), report, fate_table(fates)

    def _changed(self, _change: object) -> None:
        if not self._holding:
            self._show()

    def _show(self) -> None:
        self.image.value, self.report.value, self.table.value = self._shown(self._key())

    def __repr__(self) -> str:
        seed, limit, window, burst, order, share, limiter = self._key()
        return (f"GatewayExplorer(seed={seed}, limit={limit}, window={window}, burst={burst}, "
                f"order={order!r}, nat_share={share:g}, limiter={limiter!r})")


def _boundary(window: int) -> int:
    """The multiple of ``window`` nearest the stream's middle (at least ``window``)."""
    return window * max(1, round(SPAN / 2 / window))
