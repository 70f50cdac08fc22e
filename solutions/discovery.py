"""Chapter 3 (lessons 3a and 3b)."""

from __future__ import annotations

import random

import sympy as sp

from msatheory.discovery.health import CheckPolicy
from msatheory.discovery.patterns import DiscoverySetup
from msatheory.discovery.spread import UTILISATION

ell, h, tau = sp.symbols("ell h tau", positive=True)
n, s = sp.symbols("n s", positive=True)

# -- 3.round-robin -----------------------------------------------------------------------------


class NextAfterLast:
    """Right: per service, the id chosen last; the next pick is the first id after it in
    id order, wrapping around. An id means the same thing whatever the list's length, so a
    shrinking list cannot push it out of range, and two services never share a position
    (msatheory.discovery.RoundRobin does the same)."""

    def __init__(self):
        self.last = {}

    def select(self, instances):
        ordered = sorted(instances, key=lambda i: i.id)
        service = ordered[0].service
        last = self.last.get(service)
        chosen = next((i for i in ordered if last is not None and i.id > last), ordered[0])
        self.last[service] = chosen.id
        return chosen


class IndexPerService:
    """Right too: one index per service, taken modulo the current length on every call, so
    it is always in range; on a fixed list it cycles through every instance."""

    def __init__(self):
        self.index = {}

    def select(self, instances):
        service = instances[0].service
        k = self.index.get(service, 0) % len(instances)
        self.index[service] = k + 1
        return instances[k]


class GoSketch:
    """Wrong: the gateway's Go RoundRobinBalancer as written (the lesson's starter). When
    the list shrinks below `current`, the index is out of range (3.rr-shrink)."""

    def __init__(self):
        self.current = 0

    def select(self, instances):
        if len(instances) == 0:
            return None
        selected = instances[self.current]
        self.current = (self.current + 1) % len(instances)
        return selected


class SharedModulo:
    """Wrong: the index is taken modulo the length, so it survives a shrinking list, but
    one counter still serves every service and starves instances (3.rr-shared)."""

    def __init__(self):
        self.current = 0

    def select(self, instances):
        selected = instances[self.current % len(instances)]
        self.current = (self.current + 1) % len(instances)
        return selected


class PerServiceUnchecked:
    """Wrong: one index per service, but read before it is brought back in range, so a
    shrinking list still indexes past the end."""

    def __init__(self):
        self.index = {}

    def select(self, instances):
        service = instances[0].service
        selected = instances[self.index.get(service, 0)]
        self.index[service] = (self.index.get(service, 0) + 1) % len(instances)
        return selected


class PerListLength:
    """Wrong: one index per list length instead of per service: two services with as many
    instances share a position again."""

    def __init__(self):
        self.index = {}

    def select(self, instances):
        k = self.index.get(len(instances), 0) % len(instances)
        self.index[len(instances)] = k + 1
        return instances[k]


class RandomPick:
    """Wrong: a seeded random choice never fails and spreads evenly on average, but does
    not give each instance its turn."""

    def __init__(self):
        self.rng = random.Random(0)

    def select(self, instances):
        return self.rng.choice(instances)


# -- 3.health-policy ---------------------------------------------------------------------------

#: Right: a probe every 5 s (the budget's limit) and critical after 4 failures: an outage
#: is detected within 4 + 3 x 5 = 19 s, while a 12 s partition covers at most 3 probes.
#: Self-preservation (kept from the defaults) stops the reaper in the 120 s partition.
TUNED = CheckPolicy(interval=5, failures_before_critical=4)

SOLUTIONS: dict[str, object] = {
    "3.staleness": ell - h / 2 + tau / 2,
    "3.health-policy": TUNED,
    "3.round-robin": NextAfterLast,
    "3.spread": (UTILISATION * (s * (n - 1) + 1) / n, "least outstanding"),
    "3.discovery-pattern": DiscoverySetup("server-side", clients=400, cache_ttl=30,
                                          balancers=2, heartbeat=10, lease=30),
}

MUTANTS: dict[str, list[object]] = {
    "3.staleness": [
        ell - h / 2,                      # the registry's delay alone: forgets the cache
        ell - h / 2 + tau,                # a whole TTL, not its mean
        ell + tau,                        # the worst case (staleness_bound), not the mean
        ell - h / 2 - tau / 2,            # the cache's share with the wrong sign
        (ell - h + tau) / 2,              # halves everything
    ],
    "3.health-policy": [
        CheckPolicy(interval=25, failures_before_critical=3, self_preservation=False),
        CheckPolicy(),                    # the defaults printed in the lesson: 30 s, not 20
        CheckPolicy(interval=5),          # fast enough, but a 12 s blip fails 3 probes
        CheckPolicy(interval=5, failures_before_critical=4, self_preservation=False),
        CheckPolicy(interval=2, failures_before_critical=8),   # over the probe budget
    ],
    "3.round-robin": [GoSketch, SharedModulo, PerServiceUnchecked, PerListLength, RandomPick,
                      IndexPerService()],   # an object, not the class
    "3.spread": [
        (UTILISATION * s, "round robin"),  # the lesson's starter
        (UTILISATION * s / (n - 1 + s), "least outstanding"),  # capacity as a sum of times
        (UTILISATION * (s * (n - 1) + 1) / n, "round robin"),  # right rho, blind balancer
        (UTILISATION * (s * (n - 1) + 1) / n, "power of two choices"),
        (sp.Float(0.98), "least outstanding"),  # the number for n = 5, s = 1.5 only
    ],
    "3.discovery-pattern": [
        DiscoverySetup("client-side", clients=400, cache_ttl=30, heartbeat=10, lease=30),
        DiscoverySetup("client-side", clients=400, cache_ttl=80, heartbeat=10, lease=30),
        DiscoverySetup("server-side", clients=400, cache_ttl=30, balancers=1, heartbeat=10,
                       lease=30),
        DiscoverySetup("server-side", clients=400, cache_ttl=90, balancers=2, heartbeat=10,
                       lease=30),
        DiscoverySetup("server-side", cache_ttl=30, balancers=2),  # forgets the 400 clients
    ],
}
