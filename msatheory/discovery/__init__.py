"""Chapter 3, service discovery (服务发现理论).

* Def 3.1.1 and Def 3.1.2: :class:`Instance`, :class:`Registration` and a
  :class:`Registry` whose timestamps are leases on a virtual clock;
* Algorithm 3.2.1: :func:`discover` with the load balancers of :mod:`.balancing`;
* Algorithm 3.2.2: :class:`HealthChecker` and :class:`LeaseEvictor` (:mod:`.health`),
  scored against ground-truth :class:`Scenario` runs in :mod:`.tradeoff`;
* Pattern 3.3.1 and Pattern 3.3.2: client- and server-side discovery in
  :mod:`.patterns`;
* the theory's Rust registry (:mod:`.sketch`) and Go round robin, and their
  :data:`ERRATA`.
"""

from msatheory._lazy import lazy

__all__ = [
    "BALANCERS",
    "CHECKS",
    "CLIENT_SIDE",
    "DETECTORS",
    "ERRATA",
    "SCENARIOS",
    "SERVER_SIDE",
    "Balancer",
    "CheckPolicy",
    "ClientSideDiscovery",
    "DiscoveryResult",
    "DiscoverySetup",
    "GoPanic",
    "HealthChecker",
    "Instance",
    "InstanceExists",
    "InstanceNotFound",
    "InstanceStatus",
    "LeaseEvictor",
    "LeastOutstanding",
    "Network",
    "NoHealthyInstance",
    "Outage",
    "Outcome",
    "PowerOfTwoChoices",
    "Random",
    "Registration",
    "Registry",
    "RoundRobin",
    "Scenario",
    "SelfPreservation",
    "ServerSideDiscovery",
    "ServiceNotFound",
    "SketchInstance",
    "SketchRoundRobin",
    "SketchServiceRegistry",
    "Spread",
    "Status",
    "WeightedRoundRobin",
    "check_health",
    "check_health_coverage",
    "compare",
    "crash",
    "discover",
    "flapping",
    "fleet",
    "mass_restart",
    "max_load",
    "max_load_estimate",
    "partition",
    "run",
    "self_preservation_threshold",
    "simulate",
    "spread",
    "staleness_bound",
    "trade_off",
    "trade_off_table",
    "unchecked_services",
]

# Each name's submodule is imported on first use (msatheory._lazy): `msatheory check` needs
# the health-coverage checker, not SimPy (balancing, patterns) or hypothesis (errata).
__getattr__, __dir__ = lazy(__name__, {
    "checks": ("CHECKS",),
    "balancing": (
        "BALANCERS", "Balancer", "GoPanic", "LeastOutstanding", "PowerOfTwoChoices", "Random",
        "RoundRobin", "SketchRoundRobin", "Spread", "WeightedRoundRobin", "discover",
        "max_load", "max_load_estimate", "spread",
    ),
    "errata": ("ERRATA",),
    "health": (
        "CheckPolicy", "HealthChecker", "LeaseEvictor", "SelfPreservation",
        "check_health_coverage", "self_preservation_threshold", "unchecked_services",
    ),
    "patterns": (
        "CLIENT_SIDE", "SERVER_SIDE", "ClientSideDiscovery", "DiscoveryResult",
        "DiscoverySetup", "Network", "ServerSideDiscovery", "compare", "simulate",
        "staleness_bound",
    ),
    "registry": (
        "Instance", "InstanceExists", "InstanceNotFound", "NoHealthyInstance", "Registration",
        "Registry", "ServiceNotFound", "Status",
    ),
    "scenario": (
        "SCENARIOS", "Outage", "Scenario", "crash", "flapping", "fleet", "mass_restart",
        "partition",
    ),
    "sketch": ("InstanceStatus", "SketchInstance", "SketchServiceRegistry"),
    "tradeoff": ("DETECTORS", "Outcome", "check_health", "run", "trade_off", "trade_off_table"),
})
