"""Chapter 6's explorers: where the rows go when a node joins or leaves, and what a
quorum setting buys.

:class:`ShardingExplorer` (Def 6.2.1, 数据分片; Strategy 6.2.1, 水平分片) places a fixed,
seeded sample of keys (:func:`~msatheory.data.sharding.sample_keys`) on ``node-0``,
``node-1``, ... by one of four placements of :mod:`msatheory.data.sharding`, adds or
removes a node, and shows which keys moved against the least that must
(:func:`~msatheory.data.sharding.movement`,
:func:`~msatheory.data.sharding.ideal_moved_fraction`), each node's load and the
imbalance (:func:`~msatheory.data.sharding.loads`,
:func:`~msatheory.data.sharding.imbalance`), and the hot node under Zipf-skewed requests
(:func:`~msatheory.data.sharding.hot_spot`).

:class:`QuorumExplorer` (Strategies 6.1.1 and 6.1.2, 最终一致性 / 强一致性) sets the
replicas ``N`` and the quorums ``R`` and ``W`` of a Dynamo-style store on one of PBS's
production latency fits (:data:`~msatheory.data.quorum.PRODUCTION`), and shows the exact
probability that a read misses the latest writes
(:func:`~msatheory.data.quorum.stale_probability`), the probability of a consistent read
against the time since the write committed
(:func:`~msatheory.data.quorum.consistency_curve`) and the latency the setting costs
(:func:`~msatheory.data.quorum.quorum_latency`).

Both draw with :mod:`msatheory.interactive.figures.data` and memoise runs and pictures by
their controls.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Iterable
from fractions import Fraction

import ipywidgets as widgets
import numpy as np

from msatheory.data.quorum import (
    PRODUCTION,
    QuorumLatency,
    consistency_curve,
    quorum_latency,
    stale_probability,
)
from msatheory.data.sharding import (
    HashRing,
    JumpHash,
    ModN,
    Placement,
    Rendezvous,
    hot_spot,
    ideal_moved_fraction,
    imbalance,
    loads,
    movement,
    sample_keys,
    zipf_requests,
)
from msatheory.errors import TheoryError, require_number
from msatheory.interactive.explorer import Explorer, choice, one_of, report_html, row, whole
from msatheory.interactive.figures.data import (
    DEPTHS,
    QuorumDrawing,
    QuorumView,
    ShardingDrawing,
    ShardingView,
)
from msatheory.theory.render import counted

__all__ = [
    "CHANGES",
    "CURVE_TIMES",
    "KEYS",
    "REPORT_TIMES",
    "REQUESTS",
    "SCHEMES",
    "TRIALS",
    "VNODES",
    "QuorumExplorer",
    "ShardingExplorer",
    "nodes_named",
]

#: The placements, by the names the explorer's dropdown shows.
SCHEMES: dict[str, Callable[[list[str], int], Placement]] = {
    "mod N": lambda nodes, _: ModN(nodes),
    "ring": lambda nodes, vnodes: HashRing(nodes, vnodes),
    "jump": lambda nodes, _: JumpHash(nodes),
    "rendezvous": lambda nodes, _: Rendezvous(nodes),
}
#: How many keys are placed (``sample_keys(KEYS, seed=0)``), and requests drawn.
KEYS, REQUESTS = 2_000, 10_000
#: The virtual nodes a ring may have per node.
VNODES = (1, 2, 5, 10, 20, 50, 100, 160, 200, 500, 1000)
#: The range of nodes before the change, and the changes: ``node-N`` joins, or the last
#: node leaves.
_NODES = (2, 10)
CHANGES = ("add", "remove")
#: The Zipf exponent's range; it moves in tenths.
_SKEW = 2.0

#: Write-then-read trials per quorum setting, and the range of N and of k.
TRIALS = 600
_REPLICAS = (1, 5)
#: The times after commit the report reads (ms), and the curve's (log-spaced, ms).
REPORT_TIMES = (1.0, 10.0, 100.0)
CURVE_TIMES = tuple(float(t) for t in np.geomspace(0.01, 10_000, 61))

#: What determines a sharding run: scheme, nodes, vnodes, change, skew.
_ShardKey = tuple[str, int, int, str, float]
#: What determines a quorum run: profile, n, r, w, seed (k changes only the exact part).
_RunKey = tuple[str, int, int, int, int]
_QuorumKey = tuple[str, int, int, int, int, int]


def _lines(text: str) -> str:
    return report_html("<p class='msa-summary'>"
                       + "<br>".join(html.escape(line) for line in text.splitlines()) + "</p>")


class _Placed:
    """A placement with each sample key's node looked up once: the same placement,
    cheaper to ask again (every other key is passed on)."""

    def __init__(self, placement: Placement, keys: Iterable[str]):
        self.placement = placement
        self._held = {key: placement.node(key) for key in keys}

    @property
    def nodes(self) -> tuple[str, ...]:
        return self.placement.nodes

    def node(self, key: str) -> str:
        held = self._held.get(key)
        return self.placement.node(key) if held is None else held

    def with_node(self, name: str) -> Placement:
        return self.placement.with_node(name)

    def without_node(self, name: str) -> Placement:
        return self.placement.without_node(name)


def nodes_named(count: int) -> list[str]:
    """``node-0`` to ``node-{count - 1}``."""
    return [f"node-{i}" for i in range(count)]


class ShardingExplorer(Explorer):
    """Def 6.2.1 (数据分片) and Strategy 6.2.1 (水平分片) by hand: place rows by key on
    nodes, add or remove one node, and see which rows move and how even the load is.

    Controls: the ``scheme`` (:data:`SCHEMES`: ``"mod N"``, ``"ring"``, ``"jump"`` or
    ``"rendezvous"``); the ``nodes`` before the change (2 to 10, named ``node-0``
    up); the ring's virtual nodes per node (``vnodes``, one of :data:`VNODES`; other
    schemes ignore it); the ``change``, ``"add"`` (``node-N`` joins) or ``"remove"``
    (the last node, ``node-{N-1}``, leaves: the only one jump hash can lose); and the
    Zipf exponent of the requests (``skew``, 0 to 2 in tenths; 0 asks for every key
    alike). The keys are :data:`KEYS` of :func:`~msatheory.data.sharding.sample_keys`
    (seed 0), the requests :data:`REQUESTS` of
    :func:`~msatheory.data.sharding.zipf_requests` (seed 0). :meth:`set` moves controls
    by name, checked before anything moves.
    """

    #: The names :meth:`set` accepts.
    CONTROLS = ("scheme", "nodes", "vnodes", "change", "skew")

    def __init__(self, scheme: str = "ring", *, nodes: int = 4, vnodes: int = 160,
                 change: str = "add", skew: float = 1.0):
        self.scheme = widgets.Dropdown(options=list(SCHEMES), value="ring",
                                       description="scheme", **row())
        self.nodes = widgets.IntSlider(4, min=_NODES[0], max=_NODES[1], description="nodes",
                                       continuous_update=True, **row())
        self.vnodes = widgets.SelectionSlider(options=list(VNODES), value=160,
                                              description="virtual nodes",
                                              continuous_update=True, **row())
        self.change = widgets.Dropdown(options=[("add a node", "add"),
                                                ("remove the last node", "remove")],
                                       value="add", description="change", **row())
        self.skew = widgets.FloatSlider(1.0, min=0, max=_SKEW, step=0.1,
                                        description="Zipf s", readout_format=".1f",
                                        continuous_update=True, **row())
        self.report = widgets.HTML(layout=widgets.Layout(width="330px"))
        self.drawing = ShardingDrawing()
        self.keys = sample_keys(KEYS, seed=0)
        memo = functools.lru_cache(maxsize=64)
        self._placed: Callable[[str, int, int], _Placed] = memo(self._place)
        self._requests: Callable[[float], tuple[str, ...]] = memo(self._ask)
        self._run: Callable[[_ShardKey], ShardingView] = memo(self._compute)
        self._shown: Callable[[_ShardKey], tuple[bytes, str]] = memo(self._render)
        self._mount(self.drawing, (self.scheme, self.nodes, self.vnodes, self.change,
                                   self.skew), self.report)
        self.set(scheme=scheme, nodes=nodes, vnodes=vnodes, change=change, skew=skew)

    def _key(self) -> _ShardKey:
        return (self.scheme.value, int(self.nodes.value), int(self.vnodes.value),
                self.change.value, round(float(self.skew.value), 1))

    def set(self, **values: object) -> None:
        """Move controls by name, all at once: ``set(scheme="mod N", change="remove")``.

        Names are :attr:`CONTROLS`. A value outside a control's range or choices raises
        a :class:`TheoryError` naming what is allowed, and nothing moves.
        """
        owner = "ShardingExplorer"
        state = self.controls_after(values)
        scheme = choice(owner, "scheme", state["scheme"], tuple(SCHEMES))
        count = whole(owner, "nodes", state["nodes"], *_NODES)
        vnodes = one_of(owner, "vnodes", state["vnodes"], VNODES)
        change = choice(owner, "change", state["change"], CHANGES)
        skew = require_number(owner, "skew", state["skew"])
        if skew > _SKEW or abs(skew * 10 - round(skew * 10)) > 1e-9:
            raise TheoryError(f"{owner}: skew must be a number from 0 to {_SKEW:g} in "
                              f"steps of 0.1, not {state['skew']!r}")
        with self._moving():
            self.scheme.value, self.nodes.value, self.change.value = scheme, count, change
            self.vnodes.value, self.skew.value = vnodes, round(skew, 1)
            self.vnodes.disabled = scheme != "ring"
        self._show()

    def view(self) -> ShardingView:
        """What the controls describe, as the figure draws it."""
        return self._run(self._key())

    def describe(self) -> str:
        """The change in four lines: the placement and the change, the keys that moved
        against the least possible, the balance after it, and the hot node."""
        return self._describe(self._key())

    def _describe(self, key: _ShardKey) -> str:
        scheme, count, vnodes, change, skew = key
        view = self._run(key)
        moved = view.movement
        (name,) = moved.changed
        stayed = sum(1 for _, old, new in moved.moved
                     if old not in moved.changed and new not in moved.changed)
        verdict = (f"every move is to or from {name} (minimal)" if moved.minimal else
                   f"{stayed} moved between nodes that stayed (not minimal)")
        busiest = max(view.after, key=lambda n: view.loads_after[n])
        mean = Fraction(KEYS, len(view.after))
        label = f"ring of {counted(vnodes, 'virtual node')} each" if scheme == "ring" else scheme
        return (f"{label}: {count} -> {len(view.after)} nodes, {name} "
                f"{'joins' if change == 'add' else 'leaves'}; {KEYS} keys\n"
                f"{len(moved.moved)} keys moved ({float(moved.fraction):.1%}); the least "
                f"possible is {view.ideal} ({float(view.ideal):.1%}); {verdict}\n"
                f"after: {busiest} holds {view.loads_after[busiest]} keys, the mean is "
                f"{float(mean):g}: imbalance (max/mean) "
                f"{float(imbalance(view.loads_after)):.3f}\n"
                f"{REQUESTS} requests, Zipf s = {skew:g}: {view.hot}")

    def _place(self, scheme: str, count: int, vnodes: int) -> _Placed:
        return _Placed(SCHEMES[scheme](nodes_named(count), vnodes), self.keys)

    def _ask(self, skew: float) -> tuple[str, ...]:
        return zipf_requests(self.keys, skew, REQUESTS, seed=0)

    def _compute(self, key: _ShardKey) -> ShardingView:
        scheme, count, vnodes, change, skew = key
        vnodes = vnodes if scheme == "ring" else 0  # only the ring's placement depends on it
        step = 1 if change == "add" else -1
        before = self._placed(scheme, count, vnodes)
        after = self._placed(scheme, count + step, vnodes)
        requests = self._requests(skew)
        return ShardingView(before.nodes, after.nodes, movement(before, after, self.keys),
                            loads(before, self.keys), loads(after, self.keys),
                            loads(after, requests), hot_spot(after, self.keys, requests),
                            ideal_moved_fraction(count, step))

    def _render(self, key: _ShardKey) -> tuple[bytes, str]:
        self.drawing.show(self._run(key))
        return self.canvas.png(), _lines(self._describe(key))

    def _changed(self, change: dict[str, object]) -> None:
        if self._holding:
            return
        if change.get("owner") is self.scheme:
            self.set(scheme=change["new"])  # enables or disables the virtual nodes
        else:
            self._show()

    def _show(self) -> None:
        self.image.value, self.report.value = self._shown(self._key())

    def __repr__(self) -> str:
        scheme, count, vnodes, change, skew = self._key()
        return (f"ShardingExplorer(scheme={scheme!r}, nodes={count}, vnodes={vnodes}, "
                f"change={change!r}, skew={skew:g})")


class QuorumExplorer(Explorer):
    """Strategies 6.1.1 and 6.1.2 (最终一致性, 强一致性) by hand: choose N replicas, a read
    quorum R and a write quorum W on a production latency profile, and see how often a
    read misses the latest write, how soon reads become consistent, and what each
    setting costs in latency. ``R + W > N`` is a strict quorum.

    Controls: the latency ``profile`` (PBS's fits, :data:`~msatheory.data.quorum.PRODUCTION`),
    ``n`` (1 to 5), ``r`` and ``w`` (1 to ``n``), the depth ``k`` of k-staleness (1 to
    5) and the ``seed`` of the :data:`TRIALS` simulated write-then-read trials. Lowering
    ``n`` below ``r`` or ``w`` lowers them to ``n`` too, unless they are given.
    :meth:`set` moves controls by name, checked before anything moves.
    """

    #: The names :meth:`set` accepts.
    CONTROLS = ("profile", "n", "r", "w", "k", "seed")

    def __init__(self, profile: str = "LNKD-DISK", *, n: int = 3, r: int = 1, w: int = 1,
                 k: int = 1, seed: int = 0):
        self.profile = widgets.Dropdown(options=list(PRODUCTION), value="LNKD-DISK",
                                        description="profile", **row())
        self.n = widgets.IntSlider(3, min=_REPLICAS[0], max=_REPLICAS[1],
                                   description="N (replicas)", continuous_update=True, **row())
        self.r = widgets.IntSlider(1, min=1, max=3, description="R (read)",
                                   continuous_update=True, **row())
        self.w = widgets.IntSlider(1, min=1, max=3, description="W (write)",
                                   continuous_update=True, **row())
        self.k = widgets.IntSlider(1, min=DEPTHS[0], max=DEPTHS[-1],
                                   description="k (versions)", continuous_update=True, **row())
        self.seed = widgets.BoundedIntText(0, min=0, max=10**6, description="seed", **row(200))
        self.report = widgets.HTML(layout=widgets.Layout(width="330px"))
        self.drawing = QuorumDrawing()
        memo = functools.lru_cache(maxsize=64)
        self._run: Callable[[_RunKey], tuple[tuple[float, ...], QuorumLatency]] = memo(
            self._simulate)
        self._shown: Callable[[_QuorumKey], tuple[bytes, str]] = memo(self._render)
        self._mount(self.drawing, (self.profile, self.n, self.r, self.w, self.k, self.seed),
                    self.report)
        self.set(profile=profile, n=n, r=r, w=w, k=k, seed=seed)

    def _key(self) -> _QuorumKey:
        return (self.profile.value, int(self.n.value), int(self.r.value), int(self.w.value),
                int(self.k.value), int(self.seed.value))

    def set(self, **values: object) -> None:
        """Move controls by name, all at once: ``set(n=5, r=3, w=3)``.

        Names are :attr:`CONTROLS`. A value outside a control's range or choices raises
        a :class:`TheoryError` naming what is allowed, and nothing moves.
        """
        owner = "QuorumExplorer"
        state = self.controls_after(values)
        profile = choice(owner, "profile", state["profile"], tuple(PRODUCTION))
        n = whole(owner, "n", state["n"], *_REPLICAS)
        for quorum in ("r", "w"):
            size = state[quorum]
            if quorum not in values and isinstance(size, int):
                state[quorum] = min(size, n)  # follows n down
        r = whole(owner, "r", state["r"], 1, n)
        w = whole(owner, "w", state["w"], 1, n)
        k = whole(owner, "k", state["k"], DEPTHS[0], DEPTHS[-1])
        seed = whole(owner, "seed", state["seed"], 0, self.seed.max)
        with self._moving():
            self.r.max = self.w.max = _REPLICAS[1]
            self.profile.value, self.n.value, self.r.value, self.w.value = profile, n, r, w
            self.r.max = self.w.max = n
            self.k.value, self.seed.value = k, seed
        self._show()

    @property
    def strict(self) -> bool:
        """Whether ``R + W > N``: every read quorum meets every write quorum."""
        _, n, r, w, _, _ = self._key()
        return r + w > n

    def view(self) -> QuorumView:
        """What the controls describe, as the figure draws it."""
        return self._view(self._key())

    def describe(self) -> str:
        """The setting in four lines: strict or partial, the exact chance a read misses
        the latest writes, consistent reads after commit, and the latency."""
        return self._describe(self._key())

    def _view(self, key: _QuorumKey) -> QuorumView:
        profile, n, r, w, k, seed = key
        consistent, latency = self._run((profile, n, r, w, seed))
        curve = consistent[1 + len(REPORT_TIMES):]
        return QuorumView(n, r, w, CURVE_TIMES, curve, consistent[0],
                          tuple(stale_probability(n, r, w, depth) for depth in DEPTHS), k,
                          latency)

    def _describe(self, key: _QuorumKey) -> str:
        profile, n, r, w, k, seed = key
        consistent, cost = self._run((profile, n, r, w, seed))
        kind = (f"strict quorum, R + W = {r + w} > N: every read quorum meets every write "
                f"quorum" if r + w > n else
                f"partial quorum, R + W = {r + w} <= N: a read quorum can miss the write quorum")
        one, deep = stale_probability(n, r, w), stale_probability(n, r, w, k)
        depth = "" if k == 1 else f"; the last {k} writes: {deep} ({float(deep):.4f})"
        later = ", ".join(f"{p:.1%} after {t:g} ms"
                          for t, p in zip(REPORT_TIMES, consistent[1:], strict=False))
        return (f"{profile}, N = {n}, R = {r}, W = {w}: {kind}\n"
                f"a read misses the latest write with probability {one} "
                f"({float(one):.3f}){depth}\n"
                f"consistent reads ({TRIALS} trials, seed {seed}): {consistent[0]:.1%} at "
                f"commit, {later}\n"
                f"latency p50 / p99: read {cost.read_p50:.2f} / {cost.read_p99:.2f} ms, "
                f"write {cost.write_p50:.2f} / {cost.write_p99:.2f} ms")

    def _simulate(self, key: _RunKey) -> tuple[tuple[float, ...], QuorumLatency]:
        profile, n, r, w, seed = key
        model = PRODUCTION[profile]()
        times = (0.0, *REPORT_TIMES, *CURVE_TIMES)
        return (consistency_curve(model, n, r, w, times, TRIALS, seed),
                quorum_latency(model, n, r, w, TRIALS, seed))

    def _render(self, key: _QuorumKey) -> tuple[bytes, str]:
        self.drawing.show(self._view(key))
        return self.canvas.png(), _lines(self._describe(key))

    def _changed(self, change: dict[str, object]) -> None:
        if self._holding:
            return
        if change.get("owner") is self.n:
            self.set(n=change["new"])  # r and w follow n down, and their sliders end at n
        else:
            self._show()

    def _show(self) -> None:
        self.image.value, self.report.value = self._shown(self._key())

    def __repr__(self) -> str:
        profile, n, r, w, k, seed = self._key()
        return (f"QuorumExplorer(profile={profile!r}, n={n}, r={r}, w={w}, k={k}, "
                f"seed={seed})")
