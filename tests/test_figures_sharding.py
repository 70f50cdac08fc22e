"""Lesson 6a's figures (msatheory.interactive.figures.sharding): every mark is the model's."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from matplotlib.colors import to_hex

from msatheory.data.sharding import (
    HashRing,
    JumpHash,
    ModN,
    Rendezvous,
    imbalance_table,
    loads,
    movement,
    sample_keys,
)
from msatheory.data.vertical import (
    Entity,
    Query,
    VerticalSplit,
    best_split,
    co_access_graph,
    cross_shard_weight,
    cut_weight,
    shop_product,
    shop_product_queries,
)
from msatheory.errors import TheoryError
from msatheory.interactive.figures.png import figure_png
from msatheory.interactive.figures.sharding import (
    SCHEME_COLOURS,
    SHARD_COLOURS,
    draw_co_access,
    draw_imbalance,
    draw_loads,
    draw_moved_fractions,
    schemes,
)
from tests.widget_helpers import contrast

KEYS = sample_keys(300, seed=3)


def test_schemes_build_the_four_placements():
    made = {name: make(["a", "b", "c"]) for name, make in schemes(vnodes=8).items()}
    assert [type(p) for p in made.values()] == [ModN, HashRing, JumpHash, Rendezvous]
    assert made["ring"].node("user:42") == HashRing(["a", "b", "c"], 8).node("user:42")
    with pytest.raises(TheoryError, match="vnodes"):
        schemes(vnodes=0)


def test_moved_fractions_mark_each_measurement_beside_the_exact_and_the_least():
    (ax,) = draw_moved_fractions([4, 2, 3], KEYS, vnodes=16).axes
    *measured, exact, least = ax.lines
    assert [line.get_label() for line in measured] == [f"{name} (measured)"
                                                       for name in SCHEME_COLOURS]
    for line, (name, make) in zip(measured, schemes(16).items(), strict=True):
        assert list(line.get_xdata()) == [2, 3, 4]
        expected = []
        for n in (2, 3, 4):
            before = make([f"node-{i}" for i in range(n)])
            expected.append(float(movement(before, before.with_node(f"node-{n}"),
                                           KEYS).fraction))
        assert list(line.get_ydata()) == expected
        assert to_hex(line.get_color()) == SCHEME_COLOURS[name]
    assert list(exact.get_ydata()) == [2 / 3, 3 / 4, 4 / 5]
    assert list(least.get_ydata()) == [1 / 3, 1 / 4, 1 / 5]
    assert ax.get_ylabel() == "keys moved (of 300)"


def test_moved_fractions_refuse_bad_counts():
    with pytest.raises(TheoryError, match="at least one node count"):
        draw_moved_fractions([], KEYS)
    with pytest.raises(TheoryError, match="a node count"):
        draw_moved_fractions([0, 2], KEYS)
    with pytest.raises(TheoryError, match="keys must hold at least one key"):
        draw_moved_fractions([2], [])


def test_imbalance_draws_each_row_against_its_expectation():
    rows = imbalance_table(nodes=4, vnodes=(10, 1), keys=500, rings=2)
    (ax,) = draw_imbalance(rows).axes
    expected, rings, one, perfect = ax.lines
    ordered = sorted(rows, key=lambda row: row.vnodes)
    assert list(expected.get_xdata()) == [1, 10]
    assert list(expected.get_ydata()) == [row.expected for row in ordered]
    assert list(rings.get_ydata()) == [row.mean_ring_imbalance for row in ordered]
    assert list(one.get_ydata()) == [row.imbalance for row in ordered]
    assert list(perfect.get_ydata()) == [1, 1]
    assert ax.get_xscale() == "log"
    assert figure_png(draw_imbalance(rows)) == figure_png(draw_imbalance(rows))
    with pytest.raises(TheoryError, match="at least one ImbalanceRow"):
        draw_imbalance([])
    with pytest.raises(TheoryError, match=r"rows holds 1\.5"):
        draw_imbalance([1.5])


def test_loads_draw_each_nodes_share_with_the_mean_and_the_imbalance():
    ring = HashRing(["a", "b", "c"], 4)
    counts = loads(ring, KEYS)
    left, right = draw_loads({"keys": counts, "even": {"x": 5, "y": 5}}).axes
    assert [bar.get_height() for bar in left.patches] == [c / 300 for c in counts.values()]
    assert [t.get_text() for t in left.get_xticklabels()] == ["a", "b", "c"]
    (mean,) = left.lines
    assert list(mean.get_ydata()) == [1 / 3, 1 / 3]
    ratio = max(counts.values()) * 3 / 300
    assert left.get_title(loc="left") == f"keys: imbalance {ratio:.2f}"
    assert right.get_title(loc="left") == "even: imbalance 1.00"
    with pytest.raises(TheoryError, match="at least one panel"):
        draw_loads({})
    with pytest.raises(TheoryError, match="panel 'x' must map nodes to loads"):
        draw_loads({"x": [1, 2]})
    with pytest.raises(TheoryError, match="must hold some load"):
        draw_loads({"x": {"a": 0}})


def test_co_access_cuts_exactly_the_edges_between_shards():
    entity, queries = shop_product(), shop_product_queries()
    fewest = best_split(entity, queries)
    cheap = best_split(entity, queries, objective="cost", join_bytes=1000)
    left, right = draw_co_access({"fewest": fewest, "cheap": cheap}, queries).axes
    graph = co_access_graph(entity, queries)
    heaviest = max(w for _, _, w in graph.edges(data="weight"))
    for ax, split in ((left, fewest), (right, cheap)):
        cut = [line for line in ax.lines if line.get_linestyle() == "--"]
        whole = [line for line in ax.lines if line.get_linestyle() == "-"]
        crossing = [w for a, b, w in graph.edges(data="weight")
                    if split.shard_of(a) != split.shard_of(b)]
        assert len(cut) + len(whole) == graph.number_of_edges()
        assert len(cut) == len(crossing)
        assert sorted(line.get_linewidth() for line in cut) == sorted(
            0.6 + 2.4 * math.log1p(w) / math.log1p(heaviest) for w in crossing)
        assert sorted(t.get_text() for t in ax.texts) == sorted(
            f"{c} ({b} B)" for c, b in entity.columns.items())
        title = ax.get_title(loc="left")
        assert title.endswith(f"cut {cut_weight(split, queries):g}, cross-shard "
                              f"{cross_shard_weight(split, queries):g}")
        colours = {to_hex(c.get_facecolor()[0]) for c in ax.collections}
        assert colours == set(SHARD_COLOURS[:split.k])
    assert left.get_title(loc="left") == "fewest\ncut 12, cross-shard 6"


def test_co_access_refuses_mixed_entities_and_bad_splits():
    small = Entity("t", "id", {"a": 1, "b": 2})
    split = VerticalSplit(small, [["a"], ["b"]])
    (ax,) = draw_co_access({"s": split}, [Query("q", ["a", "b"], Fraction(1, 2))]).axes
    assert ax.get_title(loc="left") == "s\ncut 0.5, cross-shard 0.5"
    with pytest.raises(TheoryError, match="one entity"):
        draw_co_access({"s": split, "t": best_split(shop_product(), shop_product_queries())},
                       [])
    with pytest.raises(TheoryError, match="at least one VerticalSplit"):
        draw_co_access({}, [])
    with pytest.raises(TheoryError, match="holds 'x', not a VerticalSplit"):
        draw_co_access({"s": "x"}, [])
    with pytest.raises(TheoryError, match="names c, not a column"):
        draw_co_access({"s": split}, [Query("q", ["c"], 1)])


def test_every_colour_reads_at_aa_contrast_on_white():
    for colour in (*SCHEME_COLOURS.values(), *SHARD_COLOURS):
        assert contrast(colour, "#ffffff") >= 4.5, colour
