"""Chapter 3, service discovery (服务发现理论): Def 3.1.1-3.1.2, Algorithms 3.2.1-3.2.2,
Patterns 3.3.1-3.3.2.

* Def 3.1.1 (服务注册) and Def 3.1.2 (服务实例): :class:`Registration`, :class:`Instance`
  and a :class:`Registry` whose timestamps are leases on a virtual clock;
* Algorithm 3.2.1 (服务发现算法): :func:`discover` with the load balancers of
  :mod:`.balancers`, measured in :mod:`.spread` and :mod:`.choices`;
* Algorithm 3.2.2 (健康检查算法): :class:`HealthChecker` and :class:`LeaseEvictor`
  (:mod:`.health`), driven over a ground truth by the detectors of :mod:`.detectors`,
  scored in :mod:`.tradeoff` (:func:`check_health`) and operated by hand in :mod:`.lab`;
  its precondition on an architecture is :func:`check_health_coverage` (:mod:`.coverage`);
* Pattern 3.3.1 (客户端发现) and Pattern 3.3.2 (服务端发现): :class:`ClientSideDiscovery`
  and :class:`ServerSideDiscovery`, compared in simulation in :mod:`.patterns`;
* the theory's Rust registry and Go round robin as written (:mod:`.sketch`), and their
  :data:`ERRATA`.

The package exports the model and its checkers. Simulations, scenario builders, sketches
and constants are imported from their modules:
``from msatheory.discovery.tradeoff import run, trade_off``.
"""

from msatheory._lazy import lazy

__all__ = [
    "CHECKS",
    "ERRATA",
    "Balancer",
    "CheckPolicy",
    "ClientSideDiscovery",
    "HealthChecker",
    "Instance",
    "InstanceExists",
    "InstanceNotFound",
    "LeaseEvictor",
    "LeastOutstanding",
    "NoHealthyInstance",
    "Outage",
    "PowerOfTwoChoices",
    "Random",
    "Registration",
    "Registry",
    "RoundRobin",
    "Scenario",
    "SelfPreservation",
    "ServerSideDiscovery",
    "ServiceNotFound",
    "Status",
    "WeightedRoundRobin",
    "check_health",
    "check_health_coverage",
    "discover",
    "unchecked_services",
]

# Each name's submodule is imported on first use (msatheory._lazy): `msatheory check` needs
# the health-coverage checker, not SimPy (patterns, tradeoff's scenarios) or hypothesis
# (errata).
__getattr__, __dir__ = lazy(__name__, {
    "balancers": (
        "Balancer", "LeastOutstanding", "PowerOfTwoChoices", "Random", "RoundRobin",
        "WeightedRoundRobin", "discover",
    ),
    "checks": ("CHECKS",),
    "coverage": ("check_health_coverage", "unchecked_services"),
    "errata": ("ERRATA",),
    "health": ("CheckPolicy", "HealthChecker", "LeaseEvictor", "SelfPreservation"),
    "patterns": ("ClientSideDiscovery", "ServerSideDiscovery"),
    "registry": (
        "Instance", "InstanceExists", "InstanceNotFound", "NoHealthyInstance", "Registration",
        "Registry", "ServiceNotFound", "Status",
    ),
    "scenario": ("Outage", "Scenario"),
    "tradeoff": ("check_health",),
})
