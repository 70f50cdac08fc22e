"""Chapter 3 registry: leases on a virtual clock, checked against a reference model."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from msatheory.discovery import (
    Instance,
    InstanceExists,
    InstanceNotFound,
    NoHealthyInstance,
    Registry,
    ServiceNotFound,
    Status,
)
from msatheory.errors import TheoryError
from msatheory.sim import VirtualClock


def _instance(i: str, service: str = "orders") -> Instance:
    return Instance(i, service, f"http://{i}:8080", {"zone": "a"})


def test_lease_expires_without_heartbeat_and_heartbeat_renews_it():
    clock = VirtualClock()
    registry = Registry(clock, ttl=90)
    registry.register(_instance("o1"))
    registry.register(_instance("o2"))
    clock.advance(60)
    registry.heartbeat("orders", "o2")
    clock.advance(30)  # o1's lease (0 + 90) has run out; o2's runs to 150
    assert [i.id for i in registry.lookup("orders")] == ["o2"]
    assert [r.instance.id for r in registry.expired()] == ["o1"]
    clock.advance(60)
    with pytest.raises(NoHealthyInstance, match="'orders' has 2 registered instance\\(s\\), none"):
        registry.lookup("orders")


def test_errors_are_distinct_and_named():
    registry = Registry()
    registry.register(_instance("o1"))
    with pytest.raises(InstanceExists, match="'o1' of 'orders' is already registered"):
        registry.register(_instance("o1"))
    with pytest.raises(ServiceNotFound, match=r"no service 'cart' is registered .*orders"):
        registry.lookup("cart")
    with pytest.raises(InstanceNotFound, match="'orders' has no instance 'o9'"):
        registry.heartbeat("orders", "o9")
    registry.set_status("orders", "o1", Status.CRITICAL)
    with pytest.raises(NoHealthyInstance):
        registry.lookup("orders")
    registry.deregister("orders", "o1")
    with pytest.raises(ServiceNotFound, match="registered: none"):
        registry.lookup("orders")
    assert issubclass(NoHealthyInstance, TheoryError) and issubclass(ServiceNotFound, TheoryError)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Instance("", "orders", "http://x"),
         "^instance: id must be a non-empty string, not ''$"),
        (lambda: Instance("o1", "orders", None), "^instance 'o1': url must be .*, not None$"),
        (lambda: Instance("o1", "orders", "http://x", {"zone": 1}),
         r"^instance 'o1': metadata must map strings to strings, not \{'zone': 1\}$"),
        (lambda: Registry(ttl=0),
         "^Registry: ttl must be a positive finite number of seconds, not 0$"),
        (lambda: Registry(ttl=True), "^Registry: ttl must be .*, not True$"),
        (lambda: Registry().register("o1"),
         "^Registry.register: instance must be an? Instance, not 'o1'$"),
        (lambda: Registry().register(_instance("o1"), "dead"),
         "^Registry.register: status must be one of passing, warning, critical, not 'dead'$"),
    ],
)
def test_bad_input_is_named(build, message):
    with pytest.raises(TheoryError, match=message):
        build()


class RegistryAgainstReference(RuleBasedStateMachine):
    """The registry against a plain dictionary of lease expiry times."""

    TTL = 30.0

    def __init__(self):
        super().__init__()
        self.clock = VirtualClock()
        self.registry = Registry(self.clock, ttl=self.TTL)
        self.expiry: dict[tuple[str, str], float] = {}
        self.critical: set[tuple[str, str]] = set()

    ids = st.sampled_from(["a", "b", "c"])
    services = st.sampled_from(["orders", "cart"])

    @rule(service=services, i=ids)
    def register(self, service, i):
        if (service, i) in self.expiry:
            with pytest.raises(InstanceExists):
                self.registry.register(_instance(i, service))
        else:
            self.registry.register(_instance(i, service))
            self.expiry[(service, i)] = self.clock.now + self.TTL
            self.critical.discard((service, i))

    @rule(service=services, i=ids)
    def heartbeat(self, service, i):
        if (service, i) in self.expiry:
            self.registry.heartbeat(service, i)
            self.expiry[(service, i)] = self.clock.now + self.TTL
        else:
            with pytest.raises(TheoryError):
                self.registry.heartbeat(service, i)

    @rule(service=services, i=ids)
    def deregister(self, service, i):
        if (service, i) in self.expiry:
            self.registry.deregister(service, i)
            del self.expiry[(service, i)]
        else:
            with pytest.raises(TheoryError):
                self.registry.deregister(service, i)

    @rule(service=services, i=ids, status=st.sampled_from(list(Status)))
    def set_status(self, service, i, status):
        if (service, i) in self.expiry:
            self.registry.set_status(service, i, status)
            if status is Status.CRITICAL:
                self.critical.add((service, i))
            else:
                self.critical.discard((service, i))
        else:
            with pytest.raises(TheoryError):
                self.registry.set_status(service, i, status)

    @rule(seconds=st.sampled_from([0.0, 5.0, 29.0, 30.0, 31.0]))
    def advance(self, seconds):
        self.clock.advance(seconds)

    @invariant()
    def lookup_matches_reference(self):
        for service in ("orders", "cart"):
            held = {i for (s, i) in self.expiry if s == service}
            live = sorted(i for i in held if self.clock.now < self.expiry[(service, i)]
                          and (service, i) not in self.critical)
            if not held:
                with pytest.raises(ServiceNotFound):
                    self.registry.lookup(service)
            elif not live:
                with pytest.raises(NoHealthyInstance):
                    self.registry.lookup(service)
            else:
                found = [inst.id for inst in self.registry.lookup(service)]
                assert found == live  # distinct, in id order, exactly the live, uncritical leases


RegistryAgainstReference.TestCase.settings = settings(max_examples=150, stateful_step_count=30)
TestRegistryAgainstReference = RegistryAgainstReference.TestCase
