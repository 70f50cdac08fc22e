"""Benchmark: every explorer's every control, operated as a learner would, in-process.

Each chapter's explorer is built as its notebook builds it, then driven through a
learner's session: sliders dragged a step at a time and back, every dropdown choice,
button clicks, quick repeated clicks. Each handler is timed from the control's change
until its observers return (the new figure and report are set on the widgets); the
browser's share (transfer, decoding, painting) is not included. Building an explorer
is timed too, but it is not a handler.

Prints the median and the maximum per handler per explorer, with the part of the slowest
run spent in the model's own functions (clustering and optimizing in chapter 2; traffic,
the pipeline and the limiters in chapter 4; the breaker lab's run in chapter 5; the
placements, their measures and the quorum simulations in chapter 6; the release
simulations in chapter 7), and exits
with status 1 if any handler took more than the budget (100 ms).

    python benchmarks/widgets.py               # every explorer
    python benchmarks/widgets.py design        # one chapter: basics, design, discovery,
                                               # gateway, communication, data,
                                               # deployment or practice
"""

from __future__ import annotations

import functools
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from msatheory.basics.examples import shop

BUDGET_MS = 100.0
T = TypeVar("T")

#: Lesson 1a's shop.
SHOP = shop()


class Session:
    """The timings of one explorer's handlers, by handler, and the model's share of each."""

    def __init__(self, explorer: str):
        self.explorer = explorer
        self.times: dict[str, list[float]] = {}
        self.model: dict[str, list[float]] = {}
        self.built_ms = 0.0
        self.model_timed = False
        self._in_model = 0.0

    def timed_model(self, function: Callable[..., T]) -> Callable[..., T]:
        """``function``, its time counted as the model's share of the running handler."""
        self.model_timed = True
        def timed(*args: object, **kwargs: object) -> T:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self._in_model += (time.perf_counter() - start) * 1000
        return timed

    @contextmanager
    def build(self) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.built_ms = (time.perf_counter() - start) * 1000

    def time(self, handler: str, action: Callable[[], object]) -> None:
        self._in_model = 0.0
        start = time.perf_counter()
        action()
        self.times.setdefault(handler, []).append((time.perf_counter() - start) * 1000)
        self.model.setdefault(handler, []).append(self._in_model)


def basics() -> Session:
    """Chapter 1: every service chosen as failing, twice over."""
    from msatheory.interactive.basics import BlastRadiusExplorer

    session = Session("BlastRadiusExplorer (chapter 1)")
    with session.build():
        explorer = BlastRadiusExplorer(SHOP, failing="payments")
    for _ in range(2):
        for service in sorted(SHOP.services):
            session.time("failing dropdown", lambda s=service: explorer.select(s))
    return session


def design() -> Session:
    """Chapter 2: both bounds dragged down and up, every weight dragged through its range,
    every method, and a weight moved under the slowest method."""
    import msatheory.interactive.design as explorers
    from msatheory.design.examples import shop_monolith
    from msatheory.interactive.design import GranularityExplorer

    session = Session("GranularityExplorer (chapter 2)")
    explorers.decompose = session.timed_model(explorers.decompose)
    explorers.optimize = session.timed_model(explorers.optimize)
    with session.build():
        explorer = GranularityExplorer(shop_monolith())
    bounds = explorer.bounds_slider
    for split in [*range(19, 2, -1), *range(4, 21)]:
        session.time("bounds: split above", lambda s=split: setattr(bounds, "value", (3, s)))
    for merge in [2, 1, *range(2, 11), *range(9, 2, -1)]:
        session.time("bounds: merge below", lambda m=merge: setattr(bounds, "value", (m, 20)))
    for name, default in (("write", 3.0), ("read", 1.0), ("call", 2.0)):
        slider = getattr(explorer, name)
        up = [default + k / 2 for k in range(1, int(2 * (5 - default)) + 1)]
        down = [5 - k / 2 for k in range(1, 11)]
        back = [k / 2 for k in range(1, int(2 * default) + 1)]
        for value in up + down + back:  # to 5, down to 0, back to where it started
            session.time(f"{name} weight", lambda v=value, s=slider: setattr(s, "value", v))
    for method in [*explorer.method.options[1:], explorer.method.options[0]]:
        session.time("method dropdown", lambda m=method: setattr(explorer.method, "value", m))
    explorer.method.value = "girvan_newman"
    for value in (2.5, 3.0, 2.5, 2.0):
        session.time("call weight under girvan_newman",
                     lambda v=value: setattr(explorer.call, "value", v))
    return session


def discovery() -> Session:
    """Chapter 3: the notebook's start, then every button and dropdown, and six quick
    "+10 s" clicks."""
    from msatheory.interactive.discovery import RegistryExplorer

    session = Session("RegistryExplorer (chapter 3)")
    with session.build():
        explorer = RegistryExplorer()
        explorer.advance(30)
        explorer.crash("orders-2")
        explorer.advance(30)
    b = explorer.buttons
    for _ in range(6):
        session.time("+10 s (quick clicks)", b["advance_10"].click)
    for instance in ("orders-1", "orders-3"):
        session.time("instance dropdown",
                     lambda i=instance: setattr(explorer.target, "value", i))
        session.time("crash", b["crash"].click)
        session.time("+10 s (quick clicks)", b["advance_10"].click)
        session.time("restart", b["restart"].click)
        session.time("restart (again: refused)", b["restart"].click)
    session.time("partition", b["partition"].click)
    for _ in range(3):
        session.time("+30 s", b["advance_30"].click)
    session.time("heal", b["heal"].click)
    for _ in range(2):
        session.time("add instance", b["add"].click)
    session.time("+30 s", b["advance_30"].click)
    for detector in [*explorer.detector.options[1:], explorer.detector.options[0]]:
        session.time("detector dropdown (replays)",
                     lambda d=detector: setattr(explorer.detector, "value", d))
    for balancer in [*explorer.balancer.options[1:], explorer.balancer.options[0]]:
        session.time("balancer dropdown (replays)",
                     lambda d=balancer: setattr(explorer.balancer, "value", d))
    session.time("start over", b["reset"].click)
    return session


def gateway() -> Session:
    """Chapter 4: every slider dragged a step at a time and back, the burst toggled, both
    policy orders, every limiter, the NAT share through its range, and new seeds."""
    import msatheory.interactive.gateway as explorers
    from msatheory.interactive.gateway import GatewayExplorer

    session = Session("GatewayExplorer (chapter 4)")
    explorers.traffic = session.timed_model(explorers.traffic)
    explorers.compare_limiters = session.timed_model(explorers.compare_limiters)
    explorers.GatewayPipeline.run = session.timed_model(explorers.GatewayPipeline.run)
    with session.build():
        explorer = GatewayExplorer()
    for limit in [*range(4, 11), *range(9, 0, -1), 2, 3]:
        session.time("limit slider", lambda v=limit: setattr(explorer.limit, "value", v))
    for window in [*range(11, 31), *range(29, 1, -1), *range(3, 11)]:
        session.time("window slider", lambda v=window: setattr(explorer.window, "value", v))
    for burst in (False, True, False, True):
        session.time("burst checkbox", lambda v=burst: setattr(explorer.burst, "value", v))
    for order in [*explorer.order.options[1:], explorer.order.options[0]] * 2:
        session.time("policy order dropdown",
                     lambda v=order: setattr(explorer.order, "value", v))
    for limiter in [*explorer.limiter.options[1:], explorer.limiter.options[0]]:
        session.time("limiter dropdown", lambda v=limiter: setattr(explorer.limiter, "value", v))
    for share in (0.6, 0.8, 1.0, 0.8, 0.6, 0.4, 0.2, 0.0, 0.2, 0.4):
        session.time("NAT share slider",
                     lambda v=share: setattr(explorer.nat_share, "value", v))
    for seed in [*range(1, 11), 0]:
        session.time("seed", lambda v=seed: setattr(explorer.seed, "value", v))
    explorer.order.value = "rate-limit first"
    for limit in (4, 5, 4, 3):
        session.time("limit slider, rate-limit first",
                     lambda v=limit: setattr(explorer.limit, "value", v))
    return session


def communication() -> Session:
    """Chapter 5: every profile, the failure-rate slider dragged down and up, the latency
    slider dragged past the timeout and back, every breaker, every retry policy, and new
    seeds."""
    import msatheory.interactive.communication as explorers
    from msatheory.interactive.communication import BreakerExplorer

    session = Session("BreakerExplorer (chapter 5)")
    explorers.run = session.timed_model(explorers.run)
    with session.build():
        explorer = BreakerExplorer()
    for name in [*explorer.profile.options[1:], explorer.profile.options[0]]:
        session.time("profile dropdown", lambda v=name: setattr(explorer.profile, "value", v))
    for tenths in [*range(9, -1, -1), *range(1, 11)]:
        session.time("failure rate slider",
                     lambda v=tenths / 10: setattr(explorer.failure_rate, "value", v))
    for latency in [*range(100, 1501, 100), *range(1400, 0, -100), 50]:
        session.time("latency slider",
                     lambda v=latency: setattr(explorer.latency_ms, "value", v))
    for breaker in [*explorer.breaker.options[1:], explorer.breaker.options[0]]:
        session.time("breaker dropdown",
                     lambda v=breaker: setattr(explorer.breaker, "value", v))
    for retry in [*explorer.retry.options[1:], explorer.retry.options[0]]:
        session.time("retry dropdown", lambda v=retry: setattr(explorer.retry, "value", v))
    for seed in [*range(1, 6), 0]:
        session.time("seed", lambda v=seed: setattr(explorer.seed, "value", v))
    explorer.breaker.value = "rate"
    for retry in [*explorer.retry.options[1:], explorer.retry.options[0]]:
        session.time("retry dropdown, rate breaker",
                     lambda v=retry: setattr(explorer.retry, "value", v))
    return session


def data() -> Session:
    """Chapter 6: the sharding explorer's every scheme, the nodes slider dragged up and
    down under each scheme, the ring's virtual nodes through their range, both changes and
    the Zipf slider through its range; the quorum explorer's every profile, N, R and W
    dragged through their ranges, k, and new seeds."""
    import msatheory.interactive.data as explorers
    from msatheory.interactive.data import QuorumExplorer, ShardingExplorer

    session = Session("ShardingExplorer, QuorumExplorer (chapter 6)")
    for name in ("_Placed", "movement", "loads", "hot_spot", "zipf_requests",
                 "consistency_curve", "quorum_latency", "stale_probability"):
        setattr(explorers, name, session.timed_model(getattr(explorers, name)))
    with session.build():
        sharding, quorum = ShardingExplorer(), QuorumExplorer()
    for scheme in [*sharding.scheme.options[1:], sharding.scheme.options[0]]:
        session.time("sharding: scheme dropdown",
                     lambda v=scheme: setattr(sharding.scheme, "value", v))
        for count in [*range(5, 11), *range(9, 1, -1), 3, 4]:
            session.time("sharding: nodes slider",
                         lambda v=count: setattr(sharding.nodes, "value", v))
    vnodes = list(sharding.vnodes.options)
    start = vnodes.index(sharding.vnodes.value)
    for value in [*vnodes[start + 1:], *vnodes[-2::-1], *vnodes[1:start + 1]]:
        session.time("sharding: virtual nodes slider",
                     lambda v=value: setattr(sharding.vnodes, "value", v))
    for change in ("remove", "add", "remove", "add"):
        session.time("sharding: change dropdown",
                     lambda v=change: setattr(sharding.change, "value", v))
    for tenths in [*range(11, 21), *range(19, -1, -1), *range(1, 11)]:
        session.time("sharding: Zipf slider",
                     lambda v=tenths / 10: setattr(sharding.skew, "value", v))
    for profile in [*quorum.profile.options[1:], quorum.profile.options[0]]:
        session.time("quorum: profile dropdown",
                     lambda v=profile: setattr(quorum.profile, "value", v))
    for n in (4, 5, 4, 3, 2, 1, 2, 3, 4, 5):
        session.time("quorum: N slider", lambda v=n: setattr(quorum.n, "value", v))
    for slider in ("r", "w"):
        for size in (2, 3, 4, 5, 4, 3, 2, 1):
            session.time(f"quorum: {slider.upper()} slider",
                         lambda v=size, s=slider: setattr(getattr(quorum, s), "value", v))
    for k in (2, 3, 4, 5, 4, 3, 2, 1):
        session.time("quorum: k slider", lambda v=k: setattr(quorum.k, "value", v))
    for seed in [*range(1, 6), 0]:
        session.time("quorum: seed", lambda v=seed: setattr(quorum.seed, "value", v))
    return session


def deployment() -> Session:
    """Chapter 7: every release under every strategy and check (a dropdown at a time),
    the bake slider dragged through its range and back under a rolling update and under
    blue-green, Flagger's step weight through its choices, and new seeds."""
    import msatheory.interactive.deployment as explorers
    from msatheory.interactive.deployment import DeploymentExplorer

    session = Session("DeploymentExplorer (chapter 7)")
    for name in ("rolling", "blue_green", "flagger", "argo"):
        setattr(explorers, name, session.timed_model(getattr(explorers, name)))
    with session.build():
        explorer = DeploymentExplorer()

    def move(handler: str, control: object, value: object) -> None:
        session.time(handler, functools.partial(setattr, control, "value", value))

    checks = [value for _, value in explorer.check.options]
    strategies = [value for _, value in explorer.strategy.options]
    for strategy in [*strategies[1:], strategies[0]]:
        move("strategy dropdown", explorer.strategy, strategy)
        for check in [*checks[1:], checks[0]]:
            move("check dropdown", explorer.check, check)
            for release in [*explorer.release.options[1:], explorer.release.options[0]]:
                move("release dropdown", explorer.release, release)
    bakes = list(explorer.bake.options)
    start = bakes.index(explorer.bake.value)
    for strategy in ("rolling", "blue-green"):
        explorer.strategy.value = strategy
        for bake in [*bakes[start + 1:], *bakes[-2::-1], *bakes[1:start + 1]]:
            move("bake slider", explorer.bake, bake)
    explorer.strategy.value = "flagger"
    weights = list(explorer.step_weight.options)
    for weight in [*weights, *weights[-2::-1], 10]:
        move("step weight slider", explorer.step_weight, weight)
    for strategy in strategies:
        explorer.strategy.value = strategy
        for seed in [*range(1, 4), 0]:
            move("seed", explorer.seed, seed)
    return session


def practice() -> Session:
    """Chapter 8: every pattern, the calls slider dragged up and down under each pattern,
    every fast mean, every slow share and slow delay, every availability, and new seeds."""
    import msatheory.interactive.practice as explorers
    from msatheory.interactive.practice import PatternExplorer

    session = Session("PatternExplorer (chapter 8)")
    for name in ("expected_latency", "latency_curve", "measure"):
        setattr(explorers, name, session.timed_model(getattr(explorers, name)))
    with session.build():
        explorer = PatternExplorer()

    def move(handler: str, control: object, value: object) -> None:
        session.time(handler, functools.partial(setattr, control, "value", value))

    patterns = [value for _, value in explorer.pattern.options]
    for pattern in [*patterns[1:], patterns[0]]:
        move("pattern dropdown", explorer.pattern, pattern)
        for n in [*range(6, 21), *range(19, 0, -1), *range(2, 6)]:
            move("n slider", explorer.n, n)
    for name in ("mean_ms", "slow_share", "slow_ms", "availability"):
        slider = getattr(explorer, name)
        options = list(slider.options)
        start = options.index(slider.value)
        for value in [*options[start + 1:], *options[-2::-1], *options[1:start + 1]]:
            move(f"{name} slider", slider, value)
    for pattern in patterns:
        explorer.pattern.value = pattern
        for seed in [*range(1, 4), 0]:
            move("seed", explorer.seed, seed)
    return session


CHAPTERS = {"basics": basics, "design": design, "discovery": discovery, "gateway": gateway,
            "communication": communication, "data": data, "deployment": deployment,
            "practice": practice}


def main(argv: list[str]) -> int:
    unknown = [a for a in argv if a not in CHAPTERS]
    if unknown:
        print(f"unknown chapter {unknown[0]!r}: expected one of {', '.join(CHAPTERS)}",
              file=sys.stderr)
        return 2
    over: list[str] = []
    for name in argv or list(CHAPTERS):
        session = CHAPTERS[name]()
        print(f"{session.explorer}: built in {session.built_ms:.0f} ms")
        print(f"  {'handler':<34} {'runs':>4} {'median ms':>10} {'max ms':>8} "
              f"{'model ms':>9}")
        for handler, times in session.times.items():
            worst = max(times)
            in_model = (f"{session.model[handler][times.index(worst)]:.1f}"
                        if session.model_timed else "-")
            flag = "  > budget" if worst > BUDGET_MS else ""
            print(f"  {handler:<34} {len(times):>4} {statistics.median(times):>10.1f} "
                  f"{worst:>8.1f} {in_model:>9}{flag}")
            if worst > BUDGET_MS:
                over.append(f"{session.explorer}: {handler} ({worst:.0f} ms)")
    if over:
        print(f"\nover the {BUDGET_MS:.0f} ms budget:\n  " + "\n  ".join(over))
        return 1
    print(f"\nevery handler within {BUDGET_MS:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
