"""Chapter 6's explorers and figures (msatheory.interactive.data,
msatheory.interactive.figures.data), operated without a browser: every number they show
is the data models' own."""

from __future__ import annotations

from fractions import Fraction

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from msatheory.data.quorum import (
    PRODUCTION,
    consistency_curve,
    quorum_latency,
    stale_probability,
)
from msatheory.data.sharding import (
    HashRing,
    JumpHash,
    ModN,
    Rendezvous,
    hot_spot,
    ideal_moved_fraction,
    imbalance,
    loads,
    movement,
    sample_keys,
    zipf_requests,
)
from msatheory.errors import TheoryError
from msatheory.interactive.data import (
    CURVE_TIMES,
    KEYS,
    REPORT_TIMES,
    REQUESTS,
    TRIALS,
    QuorumExplorer,
    ShardingExplorer,
    nodes_named,
)
from msatheory.interactive.figures.data import (
    DEPTHS,
    FAIR,
    HOT,
    KEPT,
    LEFT,
    MOVED_IN,
    READ,
    STALE,
    WRITE,
    QuorumDrawing,
    ShardingDrawing,
)
from msatheory.interactive.figures.png import Canvas
from tests.widget_helpers import contrast, png_size

SAMPLE = sample_keys(KEYS, seed=0)


@pytest.fixture(scope="module")
def sharding() -> ShardingExplorer:
    return ShardingExplorer()


@pytest.fixture(scope="module")
def quorum() -> QuorumExplorer:
    return QuorumExplorer()


def heights(collection) -> list[float]:
    return [float(path.vertices[2][1] - path.vertices[0][1])
            for path in collection.get_paths()]


# -- ShardingExplorer --------------------------------------------------------------------------

def expected_lines(before, after, skew: float) -> tuple[str, str, str]:
    """The report's last three lines, computed here from msatheory.data alone."""
    moved = movement(before, after, SAMPLE)
    (name,) = moved.changed
    step = len(after.nodes) - len(before.nodes)
    ideal = ideal_moved_fraction(len(before.nodes), step)
    held = loads(after, SAMPLE)
    busiest = max(after.nodes, key=lambda n: held[n])
    requests = zipf_requests(SAMPLE, skew, REQUESTS, seed=0)
    stayed = sum(1 for _, a, b in moved.moved if name not in (a, b))
    verdict = (f"every move is to or from {name} (minimal)" if moved.minimal else
               f"{stayed} moved between nodes that stayed (not minimal)")
    return (f"{len(moved.moved)} keys moved ({float(moved.fraction):.1%}); the least possible "
            f"is {ideal} ({float(ideal):.1%}); {verdict}",
            f"after: {busiest} holds {held[busiest]} keys, the mean is "
            f"{KEYS / len(after.nodes):g}: imbalance (max/mean) {float(imbalance(held)):.3f}",
            f"{REQUESTS} requests, Zipf s = {skew:g}: "
            f"{hot_spot(after, SAMPLE, requests)}")


def test_the_sharding_explorer_starts_on_a_ring_gaining_a_fifth_node(sharding):
    sharding.set(scheme="ring", nodes=4, vnodes=160, change="add", skew=1.0)
    assert repr(sharding) == ("ShardingExplorer(scheme='ring', nodes=4, vnodes=160, "
                              "change='add', skew=1)")
    ring = HashRing(nodes_named(4), 160)
    lines = sharding.describe().splitlines()
    assert lines[0] == ("ring of 160 virtual nodes each: 4 -> 5 nodes, node-4 joins; "
                        f"{KEYS} keys")
    assert tuple(lines[1:]) == expected_lines(ring, ring.with_node("node-4"), 1.0)
    assert "(minimal)" in lines[1]
    view = sharding.view()
    assert view.movement == movement(ring, ring.with_node("node-4"), SAMPLE)
    assert dict(view.loads_before) == loads(ring, SAMPLE)
    assert view.ideal == Fraction(1, 5)
    assert html_lines(sharding.report.value) == lines


def html_lines(report: str) -> list[str]:
    body = report.split("<p class='msa-summary'>", 1)[1].split("</p>", 1)[0]
    return [line.replace("&gt;", ">").replace("&#x27;", "'") for line in body.split("<br>")]


@pytest.mark.parametrize(("scheme", "make"), [
    ("mod N", ModN), ("jump", JumpHash), ("rendezvous", Rendezvous)])
@pytest.mark.parametrize("change", ["add", "remove"])
def test_every_scheme_and_change_reports_the_models_numbers(sharding, scheme, make, change):
    sharding.set(scheme=scheme, nodes=6, change=change, skew=0.5)
    before = make(nodes_named(6))
    after = before.with_node("node-6") if change == "add" else before.without_node("node-5")
    assert tuple(sharding.describe().splitlines()[1:]) == expected_lines(before, after, 0.5)
    assert sharding.vnodes.disabled
    assert ("(not minimal)" in sharding.describe()) == (scheme == "mod N")


def test_each_sharding_control_moves_the_picture_and_the_report():
    explorer = ShardingExplorer()
    seen = {bytes(explorer.image.value)}
    for name, value in (("vnodes", 10), ("nodes", 7), ("change", "remove"), ("skew", 1.5),
                        ("scheme", "jump")):
        before = explorer.describe()
        explorer.set(**{name: value})
        assert explorer.describe() != before, name
        seen.add(bytes(explorer.image.value))
    assert len(seen) == 6
    assert repr(explorer) == ("ShardingExplorer(scheme='jump', nodes=7, vnodes=10, "
                              "change='remove', skew=1.5)")
    explorer.scheme.value = "ring"  # the dropdown, as a learner picks it
    assert not explorer.vnodes.disabled
    explorer.vnodes.value = 1  # one point per node: far from balanced
    ring = HashRing(nodes_named(7), 1)
    assert explorer.describe().splitlines()[2] == expected_lines(
        ring, ring.without_node("node-6"), 1.5)[1]
    explorer.change.value = "add"  # the dropdown
    explorer.nodes.value = 2
    assert explorer.describe().startswith("ring of 1 virtual node each: 2 -> 3 nodes")


@pytest.mark.parametrize(("values", "message"), [
    ({"scheme": "range"}, "scheme must be one of mod N, ring, jump, rendezvous, not 'range'"),
    ({"nodes": 1}, "nodes must be a whole number from 2 to 10, not 1"),
    ({"nodes": 11}, "nodes must be a whole number from 2 to 10, not 11"),
    ({"vnodes": 3}, "vnodes must be one of 1, 2, 5, 10, 20, 50, 100, 160, 200, 500, 1000"),
    ({"vnodes": True}, "vnodes must be one of"),
    ({"change": "swap"}, "change must be one of add, remove, not 'swap'"),
    ({"skew": 2.5}, "skew must be a number from 0 to 2 in steps of 0.1, not 2.5"),
    ({"skew": 0.25}, "skew must be a number from 0 to 2 in steps of 0.1, not 0.25"),
    ({"skew": -1}, "skew must be a non-negative finite number, not -1"),
    ({"keys": 5}, "ShardingExplorer has no control 'keys'"),
    ({"scheme": "jump", "nodes": 0}, "nodes must be a whole number from 2 to 10"),
])
def test_a_bad_sharding_value_is_one_sentence_and_nothing_moves(sharding, values, message):
    before = (repr(sharding), sharding.image.value, sharding.report.value)
    with pytest.raises(TheoryError, match=message):
        sharding.set(**values)
    assert (repr(sharding), sharding.image.value, sharding.report.value) == before


def test_the_sharding_figure_is_drawn_from_the_view_and_is_deterministic(sharding):
    sharding.set(scheme="mod N", nodes=5, change="remove", skew=2.0)
    view = sharding.view()
    drawing = sharding.drawing
    mean = KEYS / 4
    arrived = {n: sum(1 for _, _, new in view.movement.moved if new == n) for n in view.after}
    assert heights(drawing.kept) == pytest.approx(
        [(view.loads_after[n] - arrived[n]) / mean for n in view.after])
    assert [k + a for k, a in zip(heights(drawing.kept), heights(drawing.arrived),
                                  strict=True)] == pytest.approx(
        [view.loads_after[n] / mean for n in view.after])
    assert heights(drawing.left) == pytest.approx([view.loads_before["node-4"] / mean])
    requests = loads(ModN(nodes_named(4)), zipf_requests(SAMPLE, 2.0, REQUESTS, seed=0))
    assert heights(drawing.served) == pytest.approx(
        [100 * requests[n] / REQUESTS for n in view.after])
    hot = nodes_named(4).index(view.hot.node)
    assert [c[:3].tolist() for c in drawing.served.get_facecolor()][hot] == pytest.approx(
        [int(HOT[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    assert list(drawing.fair.get_ydata()) == [25.0, 25.0]
    fresh = ShardingDrawing()
    fresh.show(view)
    assert sharding.image.value == Canvas(fresh.figure).png()
    again = ShardingExplorer(scheme="mod N", nodes=5, change="remove", skew=2.0)
    assert (again.image.value, again.report.value) == (sharding.image.value,
                                                       sharding.report.value)
    width, height = png_size(sharding.image.value)
    assert (sharding.image.width, sharding.image.height) == (str(width), str(height))
    assert width <= 600 and height <= 600


def test_a_bar_taller_than_the_axis_is_cut_and_labelled():
    explorer = ShardingExplorer(scheme="ring", vnodes=1, nodes=9, change="add", skew=0)
    held = loads(HashRing(nodes_named(10), 1), SAMPLE)
    tallest = max(held.values()) / (KEYS / 10)
    assert tallest > 3.5  # one point per node: the busiest holds over 3.5 times the mean
    labels = [(t.get_text(), t.get_position()[0]) for t in explorer.drawing.cut
              if t.get_visible()]
    busiest = max(held, key=lambda n: held[n])
    assert labels == [(f"{tallest:.1f}", nodes_named(10).index(busiest))]
    assert max(heights(explorer.drawing.kept)) <= 3.5
    assert explorer.drawing.imbalance.get_text() == f"imbalance (max/mean) {tallest:.3f}"
    explorer.set(vnodes=160)
    assert not [t for t in explorer.drawing.cut if t.get_visible()]


# -- QuorumExplorer ----------------------------------------------------------------------------

def quorum_lines(profile: str, n: int, r: int, w: int, k: int, seed: int) -> list[str]:
    """The report's last three lines, computed here from msatheory.data alone."""
    model = PRODUCTION[profile]()
    at = consistency_curve(model, n, r, w, (0.0, *REPORT_TIMES), TRIALS, seed)
    cost = quorum_latency(model, n, r, w, TRIALS, seed)
    one, deep = stale_probability(n, r, w), stale_probability(n, r, w, k)
    depth = "" if k == 1 else f"; the last {k} writes: {deep} ({float(deep):.4f})"
    later = ", ".join(f"{p:.1%} after {t:g} ms" for t, p in zip(REPORT_TIMES, at[1:],
                                                                 strict=True))
    return [f"a read misses the latest write with probability {one} ({float(one):.3f}){depth}",
            f"consistent reads ({TRIALS} trials, seed {seed}): {at[0]:.1%} at commit, {later}",
            f"latency p50 / p99: read {cost.read_p50:.2f} / {cost.read_p99:.2f} ms, "
            f"write {cost.write_p50:.2f} / {cost.write_p99:.2f} ms"]


def test_the_quorum_explorer_starts_on_a_partial_quorum_over_spinning_disks(quorum):
    quorum.set(profile="LNKD-DISK", n=3, r=1, w=1, k=1, seed=0)
    assert repr(quorum) == "QuorumExplorer(profile='LNKD-DISK', n=3, r=1, w=1, k=1, seed=0)"
    lines = quorum.describe().splitlines()
    assert lines[0] == ("LNKD-DISK, N = 3, R = 1, W = 1: partial quorum, R + W = 2 <= N: "
                        "a read quorum can miss the write quorum")
    assert lines[1:] == quorum_lines("LNKD-DISK", 3, 1, 1, 1, 0)
    assert "probability 2/3 (0.667)" in lines[1]
    assert not quorum.strict
    assert html_lines(quorum.report.value)[1:] == lines[1:]


def test_a_strict_quorum_never_reads_stale_and_costs_latency(quorum):
    quorum.set(profile="WAN", n=3, r=2, w=2, k=3)
    assert quorum.strict
    lines = quorum.describe().splitlines()
    assert lines[0].endswith("strict quorum, R + W = 4 > N: every read quorum meets every "
                             "write quorum")
    assert lines[1:] == quorum_lines("WAN", 3, 2, 2, 3, 0)
    assert "probability 0 (0.000); the last 3 writes: 0 (0.0000)" in lines[1]
    view = quorum.view()
    assert view.at_commit == 1.0 and set(view.consistent) == {1.0}
    assert quorum.drawing.kind.get_text() == "strict quorum: R + W = 4 > N = 3"


def test_each_quorum_control_moves_the_picture_and_the_report():
    explorer = QuorumExplorer()
    seen = {bytes(explorer.image.value)}
    for name, value in (("w", 2), ("n", 5), ("r", 3), ("k", 2), ("seed", 4),
                        ("profile", "YMMR")):
        before = explorer.describe()
        explorer.set(**{name: value})
        assert explorer.describe() != before, name
        seen.add(bytes(explorer.image.value))
    assert len(seen) == 7
    assert repr(explorer) == "QuorumExplorer(profile='YMMR', n=5, r=3, w=2, k=2, seed=4)"
    assert explorer.describe().splitlines()[1:] == quorum_lines("YMMR", 5, 3, 2, 2, 4)
    explorer.n.value = 2  # the slider: R and W follow N down
    assert (explorer.r.value, explorer.w.value) == (2, 2)
    assert (explorer.r.max, explorer.w.max) == (2, 2)
    assert explorer.describe().splitlines()[1:] == quorum_lines("YMMR", 2, 2, 2, 2, 4)
    explorer.n.value = 4
    assert (explorer.r.max, explorer.w.max, explorer.r.value) == (4, 4, 2)
    explorer.r.value = 1  # a slider that is not N
    explorer.profile.value = "LNKD-SSD"
    assert repr(explorer) == "QuorumExplorer(profile='LNKD-SSD', n=4, r=1, w=2, k=2, seed=4)"


@pytest.mark.parametrize(("values", "message"), [
    ({"profile": "S3"}, "profile must be one of LNKD-SSD, LNKD-DISK, YMMR, WAN, not 'S3'"),
    ({"n": 0}, "n must be a whole number from 1 to 5, not 0"),
    ({"n": 6}, "n must be a whole number from 1 to 5, not 6"),
    ({"r": 4}, "r must be a whole number from 1 to 3, not 4"),
    ({"n": 2, "w": 3}, "w must be a whole number from 1 to 2, not 3"),
    ({"w": 1.5}, "w must be a whole number from 1 to 3, not 1.5"),
    ({"k": 6}, "k must be a whole number from 1 to 5, not 6"),
    ({"seed": -2}, "seed must be a whole number from 0 to 1000000, not -2"),
    ({"trials": 10}, "QuorumExplorer has no control 'trials'"),
])
def test_a_bad_quorum_value_is_one_sentence_and_nothing_moves(quorum, values, message):
    quorum.set(profile="LNKD-DISK", n=3, r=1, w=1, k=1, seed=0)
    before = (repr(quorum), quorum.image.value, quorum.report.value)
    with pytest.raises(TheoryError, match=message):
        quorum.set(**values)
    assert (repr(quorum), quorum.image.value, quorum.report.value) == before


def test_a_bad_start_is_refused():
    with pytest.raises(TheoryError, match="r must be a whole number from 1 to 3, not 5"):
        QuorumExplorer(r=5)
    with pytest.raises(TheoryError, match="scheme must be one of"):
        ShardingExplorer("consistent")


def test_the_quorum_figure_is_drawn_from_the_models_and_is_deterministic(quorum):
    quorum.set(profile="LNKD-DISK", n=4, r=1, w=2, k=2, seed=1)
    drawing = quorum.drawing
    model = PRODUCTION["LNKD-DISK"]()
    assert list(drawing.curve.get_xdata()) == list(CURVE_TIMES)
    assert list(drawing.curve.get_ydata()) == list(
        consistency_curve(model, 4, 1, 2, CURVE_TIMES, TRIALS, 1))
    assert list(drawing.commit.get_ydata()) == [
        consistency_curve(model, 4, 1, 2, [0], TRIALS, 1)[0]]
    assert list(drawing.overlap.get_ydata()) == [1 - 1 / 2] * 2  # 1 - C(2,1)/C(4,1)
    assert drawing.kind.get_text() == "partial quorum: R + W = 3 <= N = 4"
    cost = quorum_latency(model, 4, 1, 2, TRIALS, 1)
    assert list(drawing.marks["write"].get_xdata()) == [cost.write_p50, cost.write_p99]
    assert list(drawing.marks["read"].get_xdata()) == [cost.read_p50, cost.read_p99]
    assert heights(drawing.depths) == pytest.approx(
        [float(stale_probability(4, 1, 2, k)) for k in DEPTHS])
    fresh = QuorumDrawing()
    fresh.show(quorum.view())
    assert quorum.image.value == Canvas(fresh.figure).png()
    again = QuorumExplorer(n=4, w=2, k=2, seed=1)
    assert (again.image.value, again.report.value) == (quorum.image.value,
                                                       quorum.report.value)


def test_the_legends_cover_no_plot_and_the_colours_read_at_aa(sharding, quorum):
    for drawing, axes in ((sharding.drawing, ("load_ax", "request_ax", "moved_ax")),
                          (quorum.drawing, ("curve_ax", "latency_ax", "stale_ax"))):
        FigureCanvasAgg(drawing.figure).draw()
        (legend,) = drawing.figure.legends
        box = legend.get_window_extent()
        assert box.y1 <= drawing.figure.bbox.y1 and box.x0 >= 0
        for name in axes:
            ax = getattr(drawing, name)
            assert not box.overlaps(ax.get_window_extent()), name
            assert not box.overlaps(ax.title.get_window_extent()), name
    for colour in (KEPT, MOVED_IN, LEFT, HOT, FAIR, READ, WRITE, STALE):
        assert contrast("#ffffff", colour) >= 4.5, colour


def test_the_drawings_refuse_what_is_not_a_view():
    with pytest.raises(TheoryError, match="view must be a ShardingView"):
        ShardingDrawing().show("ring")  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match="view must be a QuorumView"):
        QuorumDrawing().show(None)  # type: ignore[arg-type]
