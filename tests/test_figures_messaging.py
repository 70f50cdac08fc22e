"""Lesson 5a's figures, drawn from small models: what each axis shows, and that its marks
are the model's numbers."""

from __future__ import annotations

import matplotlib
import pytest
from matplotlib.figure import Figure

from msatheory.communication.deadlines import Hop, deadline_trace
from msatheory.communication.encoding import Field, Schema, compare
from msatheory.communication.patterns import accept_needs, coupling, queue_outage
from msatheory.errors import TheoryError
from msatheory.interactive.figures.messaging import (
    draw_backlog,
    draw_coupling,
    draw_deadlines,
    draw_sizes,
    fluid_backlog,
)

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def outage():
    return queue_outage(10.0, 15.0, outage_start=10.0, outage=20.0, horizon=80.0, seed=3)


def _tree() -> Hop:
    return Hop("checkout", 0.1, timeout=1.0, calls=[
        Hop("payment", 0.3, timeout=0.8, retries=1, calls=[Hop("fraud", 0.6, timeout=0.6)]),
        Hop("stock", 0.2, timeout=0.5)])


# -- the backlog ------------------------------------------------------------------------------

def test_fluid_backlog_rises_at_lambda_and_falls_at_mu_minus_lambda(outage) -> None:
    assert fluid_backlog(outage, 5.0) == 0.0
    assert fluid_backlog(outage, 20.0) == 100.0
    assert fluid_backlog(outage, 30.0) == 200.0 == outage.fluid_backlog
    assert fluid_backlog(outage, 50.0) == 100.0
    assert outage.fluid_drain == 40.0
    assert fluid_backlog(outage, 70.0) == 0.0
    assert fluid_backlog(outage, 80.0) == 0.0


def test_draw_backlog_plots_the_measured_series_and_the_fluid_line(outage) -> None:
    fig = draw_backlog(outage)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.get_xlabel() == "time (s)"
    assert ax.get_ylabel() == "messages waiting"
    assert "consumer down for 20 s" in ax.get_title(loc="left")
    measured, fluid = (line for line in ax.get_lines() if line.get_label() in (
        "measured backlog", "fluid: λ in, μ - λ out"))
    assert list(measured.get_ydata()) == [n for _, n in outage.backlog]
    assert list(fluid.get_xdata()) == [0.0, 10.0, 30.0, 70.0, outage.backlog[-1][0]]
    assert list(fluid.get_ydata()) == [0.0, 0.0, 200.0, 0.0, 0.0]
    markers = [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert markers == [70.0, 30.0 + outage.drain_time]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "consumer down", "measured backlog", "fluid: λ in, μ - λ out",
        "fluid estimate drained", "backlog first empty"]


# -- who must be up ---------------------------------------------------------------------------

def test_draw_coupling_titles_each_style_with_the_services_it_needs() -> None:
    graphs = [coupling("orchestration"), coupling("choreography")]
    fig = draw_coupling(graphs, "order")
    assert [ax.get_title() for ax in fig.axes] == [
        "orchestration: 5 of 5 must be up to accept",
        "choreography: 2 of 6 must be up to accept"]
    assert len(accept_needs(graphs[1], "order")) == 2
    labels = {text.get_text() for text in fig.axes[1].texts}
    assert labels == {"order", "broker", "payment", "inventory", "shipping", "notification"}
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "must be up to accept an order", "sender waits (call, publish)",
        "delivered later (deliver)"]


def test_draw_coupling_draws_one_arrow_per_edge() -> None:
    graph = coupling("choreography")
    fig = draw_coupling([graph], "order")
    (ax,) = fig.axes
    assert len(ax.patches) == graph.number_of_edges() == 8
    dashed = [p for p in ax.patches if p.get_linestyle() not in ("solid", "-")]
    assert len(dashed) == 4  # the broker's deliveries


def test_draw_coupling_refuses_an_entry_outside_the_graph() -> None:
    with pytest.raises(TheoryError, match="entry must be a node"):
        draw_coupling([coupling("orchestration")], "checkout")
    with pytest.raises(TheoryError, match="at least one graph"):
        draw_coupling([], "order")


# -- deadlines --------------------------------------------------------------------------------

def test_draw_deadlines_shows_the_work_and_the_waste_of_each_trace() -> None:
    traces = [deadline_trace(_tree()), deadline_trace(_tree(), propagate=False)]
    fig = draw_deadlines(traces)
    first, second = fig.axes
    assert first.get_title(loc="left") == "propagated: 1 s of work, 0 s wasted"
    assert second.get_title(loc="left") == "fixed: 1.9 s of work, 0.9 s wasted"
    assert second.get_xlabel() == "time since the client sent its request (s)"
    assert [t.get_text() for t in second.get_yticklabels()] == [
        "checkout", "payment #1", "fraud #1", "payment #2", "fraud #2", "stock"]
    red = [bar for bar in second.patches if bar.get_facecolor()[:3] == pytest.approx(
        matplotlib.colors.to_rgb("#cf222e"))]
    assert sum(bar.get_width() for bar in red) == pytest.approx(0.9)
    assert sum(bar.get_width() for bar in first.patches) == pytest.approx(1.0)
    assert [t.get_text() for t in first.texts] == ["  not called", "  not called"]


# -- sizes ------------------------------------------------------------------------------------

def test_draw_sizes_pairs_json_and_protobuf_bars() -> None:
    ping = Schema("Ping", [Field("seq", 1, "uint32"), Field("note", 2, "string")])
    sizes = [compare(ping, {"seq": 150, "note": "hi"}), compare(ping, {"seq": 1, "note": ""},
                                                                 label="Ping, defaults")]
    fig = draw_sizes(sizes)
    (ax,) = fig.axes
    assert ax.get_xlabel() == "bytes on the wire (one message)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Ping", "Ping, defaults"]
    assert [bar.get_width() for bar in ax.patches] == [23, 19, 7, 2]
    assert [t.get_text() for t in ax.texts] == [" 23 B, 3.29x", " 7 B", " 19 B, 9.50x",
                                                " 2 B"]
    with pytest.raises(TheoryError, match="at least one Sizes"):
        draw_sizes([])
