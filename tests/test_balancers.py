"""Chapter 3, Algorithm 3.2.1 (msatheory.discovery.balancers): discovery through a load
balancer, the corrected round robin and the field balancers."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from msatheory.discovery.balancers import (
    BALANCERS,
    Balancer,
    LeastOutstanding,
    PowerOfTwoChoices,
    Random,
    RoundRobin,
    WeightedRoundRobin,
    discover,
)
from msatheory.discovery.registry import (
    Instance,
    NoHealthyInstance,
    Registry,
    ServiceNotFound,
    Status,
)
from msatheory.errors import TheoryError
from msatheory.sim import VirtualClock

IDS = [f"i{k}" for k in range(8)]


def _instance(i: str, service: str = "orders", weight: str | None = None) -> Instance:
    return Instance(i, service, f"http://{i}:8080", {} if weight is None else {"weight": weight})


def _fleet(ids, service: str = "orders") -> list[Instance]:
    return [_instance(i, service) for i in ids]


id_sets = st.lists(st.sampled_from(IDS), min_size=1, max_size=len(IDS), unique=True)


# --------------------------------------------------------------------------- Algorithm 3.2.1


def test_discover_is_lookup_then_select():
    registry = Registry(VirtualClock(), ttl=None)
    for i in ("o2", "o1", "o3"):
        registry.register(_instance(i))
    rr = RoundRobin()
    assert [discover(registry, "orders", rr).id for _ in range(4)] == ["o1", "o2", "o3", "o1"]
    registry.set_status("orders", "o2", Status.CRITICAL)
    assert [discover(registry, "orders", rr).id for _ in range(2)] == ["o3", "o1"]


def test_discover_lets_registry_errors_through():
    registry = Registry(VirtualClock(), ttl=30)
    with pytest.raises(ServiceNotFound, match="no service 'orders' is registered"):
        discover(registry, "orders", RoundRobin())
    registry.register(_instance("o1"))
    registry.clock.advance(30)
    with pytest.raises(NoHealthyInstance, match=r"'orders' has 1 registered instance.*none"):
        discover(registry, "orders", RoundRobin())
    with pytest.raises(TheoryError, match=r"^discover: balancer must be a load balancer"):
        discover(registry, "orders", object())
    with pytest.raises(TheoryError, match=r"^discover: registry must be a Registry, not {"):
        discover({"orders": []}, "orders", RoundRobin())


class DiscoveryMachine(RuleBasedStateMachine):
    """Every balancer, through Algorithm 3.2.1, against a reference of who may get traffic."""

    TTL = 30.0
    services = st.sampled_from(["orders", "cart"])
    ids = st.sampled_from(["a", "b", "c", "d"])

    def __init__(self):
        super().__init__()
        self.clock = VirtualClock()
        self.registry = Registry(self.clock, ttl=self.TTL)
        self.expiry: dict[tuple[str, str], float] = {}
        self.crashed: set[tuple[str, str]] = set()
        self.balancers = [factory() for factory in BALANCERS.values()]
        self.in_flight: list[tuple[Balancer, Instance]] = []

    def healthy(self, service: str) -> set[str]:
        return {i for (s, i), t in self.expiry.items()
                if s == service and self.clock.now < t and (s, i) not in self.crashed}

    @rule(service=services, i=ids)
    def register(self, service, i):
        if (service, i) not in self.expiry:
            self.registry.register(_instance(i, service))
            self.expiry[(service, i)] = self.clock.now + self.TTL
            self.crashed.discard((service, i))

    @rule(service=services, i=ids)
    def deregister(self, service, i):
        if (service, i) in self.expiry:
            self.registry.deregister(service, i)
            del self.expiry[(service, i)]

    @rule(service=services, i=ids, passing=st.booleans())
    def set_status(self, service, i, passing):
        if (service, i) in self.expiry:
            self.registry.set_status(service, i, Status.PASSING if passing else Status.CRITICAL)
            (self.crashed.discard if passing else self.crashed.add)((service, i))

    @rule(service=services, i=ids)
    def heartbeat(self, service, i):
        if (service, i) in self.expiry:
            self.registry.heartbeat(service, i)
            self.expiry[(service, i)] = self.clock.now + self.TTL

    @rule(seconds=st.sampled_from([1.0, 10.0, 29.0, 31.0]))
    def advance(self, seconds):
        self.clock.advance(seconds)

    @rule()
    def finish_a_request(self):
        if self.in_flight:
            balancer, instance = self.in_flight.pop(0)
            balancer.release(instance)

    @invariant()
    def never_an_unhealthy_or_removed_instance(self):
        for service in ("orders", "cart"):
            healthy = self.healthy(service)
            for balancer in self.balancers:
                if not any(s == service for s, _ in self.expiry):
                    with pytest.raises(ServiceNotFound, match=repr(service)):
                        discover(self.registry, service, balancer)
                elif not healthy:
                    with pytest.raises(NoHealthyInstance, match="none healthy"):
                        discover(self.registry, service, balancer)
                else:
                    chosen = discover(self.registry, service, balancer)
                    assert chosen.service == service and chosen.id in healthy, balancer.name
                    assert chosen in self.registry.lookup(service)
                    self.in_flight.append((balancer, chosen))


DiscoveryMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25)
TestDiscoveryMachine = DiscoveryMachine.TestCase


# --------------------------------------------------------------------------- round robin
@given(ids=id_sets, history=st.lists(id_sets, max_size=6))
def test_round_robin_gives_each_instance_once_in_any_window_of_n(ids, history):
    rr = RoundRobin()
    for earlier in history:  # any starting state
        rr.select(_fleet(earlier))
    fleet = _fleet(ids)
    picks = [rr.select(fleet).id for _ in range(len(ids))]
    assert sorted(picks) == sorted(ids)
    assert Counter(rr.select(fleet).id for _ in range(3 * len(ids))) == {i: 3 for i in ids}
@given(lists=st.lists(id_sets, min_size=1, max_size=20))
def test_round_robin_survives_any_shrinking_or_growing_list(lists):
    rr, previous = RoundRobin(), None
    for ids in lists:
        chosen = rr.select(_fleet(ids)).id
        assert chosen in ids
        if previous is not None:  # the next id after the last one chosen, cyclically
            later = sorted(i for i in ids if i > previous)
            assert chosen == (later[0] if later else min(ids))
        previous = chosen


def test_round_robin_keeps_one_position_per_service():
    rr = RoundRobin()
    orders, cart = _fleet(["a", "b"], "orders"), _fleet(["a", "b"], "cart")
    picks = [(rr.select(orders).id, rr.select(cart).id) for _ in range(4)]
    assert picks == [("a", "a"), ("b", "b"), ("a", "a"), ("b", "b")]


def test_every_balancer_refuses_an_empty_list():
    for factory in BALANCERS.values():
        with pytest.raises(NoHealthyInstance, match="no instance to choose from"):
            factory().select([])


# --------------------------------------------------------------------------- weighted


def test_weighted_round_robin_is_smooth_as_in_nginx():
    wrr = WeightedRoundRobin()
    fleet = [_instance("a", weight="5"), _instance("b", weight="1"), _instance("c", weight="1")]
    assert "".join(wrr.select(fleet).id for _ in range(14)) == "aabacaa" * 2


def test_weighted_round_robin_breaks_ties_in_the_given_order_as_nginx():
    """nginx walks its peers in configuration order with a strict `>`: configured
    c (weight 5), b, a, the third pick is b (3 = 3 with a, b first), not a."""
    fleet = [_instance("c", weight="5"), _instance("b", weight="1"), _instance("a", weight="1")]
    wrr = WeightedRoundRobin()
    assert "".join(wrr.select(fleet).id for _ in range(14)) == "ccbcacc" * 2
    wrr = WeightedRoundRobin()
    assert "".join(wrr.select(fleet[::-1]).id for _ in range(7)) == "ccacbcc"
@given(weights=st.lists(st.integers(1, 6), min_size=1, max_size=5), cycles=st.integers(1, 3))
def test_weighted_round_robin_gives_each_its_weight_per_cycle(weights, cycles):
    fleet = [_instance(IDS[k], weight=str(w)) for k, w in enumerate(weights)]
    wrr = WeightedRoundRobin()
    for _ in range(cycles):
        picks = Counter(wrr.select(fleet).id for _ in range(sum(weights)))
        assert picks == {IDS[k]: w for k, w in enumerate(weights)}


def test_weighted_round_robin_forgets_removed_instances_and_defaults_to_one():
    wrr = WeightedRoundRobin()
    wrr.select([_instance("a", weight="4"), _instance("b")])
    assert set(wrr.current["orders"]) == {"a", "b"}
    wrr.select([_instance("b"), _instance("c")])
    assert set(wrr.current["orders"]) == {"b", "c"}


@pytest.mark.parametrize("bad", ["0", "-1", "1.5", "x", "", " 2"])
def test_bad_weight_is_named(bad):
    with pytest.raises(TheoryError, match=f"instance 'a': weight .* not {bad!r}"):
        WeightedRoundRobin().select([_instance("a", weight=bad)])


# --------------------------------------------------------------------------- outstanding
@given(ops=st.lists(st.one_of(st.just("select"), st.integers(0, 4)), max_size=40),
       seed=st.integers(0, 3), which=st.sampled_from([LeastOutstanding, PowerOfTwoChoices]))
def test_outstanding_counts_follow_select_and_release(ops, seed, which):
    fleet = _fleet(IDS[:5])
    balancer, reference = which(seed), Counter()
    for op in ops:
        if op == "select":
            before = {i.id: balancer.outstanding(i) for i in fleet}
            chosen = balancer.select(fleet)
            if which is LeastOutstanding:
                assert before[chosen.id] == min(before.values())
            else:  # the less loaded of two: never the unique most loaded
                assert sum(v >= before[chosen.id] for v in before.values()) >= 2
            reference[chosen.id] += 1
        elif reference[IDS[op]] > 0:
            balancer.release(fleet[op])
            reference[IDS[op]] -= 1
        else:
            with pytest.raises(TheoryError, match=f"'{IDS[op]}' of 'orders' has no outstanding"):
                balancer.release(fleet[op])
        assert {i.id: balancer.outstanding(i) for i in fleet} == {i: reference[i] for i in IDS[:5]}


def test_random_is_roughly_uniform_and_follows_its_seed():
    fleet = _fleet(["a", "b", "c", "d"])
    balancer = Random(0)
    counts = Counter(balancer.select(fleet).id for _ in range(4000))
    assert set(counts) == {"a", "b", "c", "d"} and all(900 <= c <= 1100 for c in counts.values())
    one, two = Random(0), Random(1)
    assert [one.select(fleet).id for _ in range(20)] != [two.select(fleet).id for _ in range(20)]
    assert Random(3).select(fleet) == Random(3).select(list(reversed(fleet)))  # order-free


def test_least_outstanding_spreads_evenly_when_nothing_finishes():
    lo = LeastOutstanding(0)
    fleet = _fleet(["a", "b", "c"])
    assert Counter(lo.select(fleet).id for _ in range(30)) == {"a": 10, "b": 10, "c": 10}
    assert PowerOfTwoChoices(0).select(fleet[:1]).id == "a"


@pytest.mark.parametrize("factory", list(BALANCERS.values()), ids=list(BALANCERS))
def test_balancers_are_deterministic(factory):
    fleet = _fleet(["a", "b", "c", "d"])
    assert [factory().select(fleet).id for _ in range(3)] == [factory().select(fleet).id] * 3
    one, two = factory(), factory()
    assert [one.select(fleet).id for _ in range(20)] == [two.select(fleet).id for _ in range(20)]


@pytest.mark.parametrize("factory", list(BALANCERS.values()), ids=list(BALANCERS))
def test_bad_instances_are_named(factory):
    balancer = factory()
    owner = type(balancer).__name__
    with pytest.raises(TheoryError, match=f"^{owner}: instances holds 'o9', not an? Instance$"):
        balancer.select([_instance("a"), "o9"])
    with pytest.raises(TheoryError, match=f"^{owner}: instances must be a list of Instances"):
        balancer.select("o9")


def test_mixed_and_repeated_instances_are_named():
    with pytest.raises(TheoryError, match=r"^RoundRobin: instances must be of one service, "
                                          r"not of 'cart', 'orders'$"):
        RoundRobin().select([_instance("a"), _instance("b", "cart")])
    with pytest.raises(TheoryError, match=r"^Random: instances lists 'a' twice$"):
        Random(0).select([_instance("a"), _instance("a")])
    with pytest.raises(TheoryError, match=r"^RoundRobin: instance must be an? Instance, not 'a'$"):
        RoundRobin().release("a")
    with pytest.raises(TheoryError, match=r"^Random: seed must be an integer, not '0'$"):
        Random("0")
    with pytest.raises(TheoryError, match=r"^LeastOutstanding: seed must be an integer"):
        LeastOutstanding(0.5)
