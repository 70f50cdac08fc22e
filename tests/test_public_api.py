"""Each package's public surface, pinned: changing one is a decision made here.

A chapter package exports what encodes its numbered statements, its model records, its
checkers, ``ERRATA`` and ``CHECKS`` (CONTRIBUTING.md); simulations, sketches and
constants are imported from their modules.
"""

from __future__ import annotations

import importlib

import pytest

from msatheory import theory

SURFACES = {
    "msatheory": {"TheoryError", "load_ipython_extension", "unload_ipython_extension"},
    "msatheory.errors": {
        "TheoryError", "require_choice", "require_count", "require_distinct", "require_duration",
        "require_fraction", "require_instance", "require_integer", "require_items", "require_name",
        "require_names", "require_probability", "require_number", "require_samples",
        "require_seed", "require_time",
    },
    "msatheory.sim": {"Simulation", "VirtualClock", "exact", "nearest_rank", "poisson",
                      "seeded_rng"},
    "msatheory.theory": {
        "Check", "Counterexample", "Erratum", "Kind", "Statement", "Stub", "Verdict",
        "Witness", "catalogue", "checks", "errata", "get", "parse_kind", "stubs",
    },
    "msatheory.basics": {
        "CHECKS", "ERRATA", "STUBS", "Architecture", "Call", "Channel", "Datastore",
        "FailureImpact",
        "Microservice", "MicroserviceArchitecture", "Service", "Tangle", "blast_radii",
        "blast_radius", "check_autonomy", "check_fault_isolation", "check_independence",
        "check_independent_scaling", "check_technology_diversity", "dependency_tangles",
        "failure_impact", "shared_datastores", "shared_deployment_units",
        "single_points_of_failure",
    },
    "msatheory.design": {
        "CHECKS", "ERRATA", "STUBS", "Access", "Boundary", "BoundedContext", "Bounds", "Call",
        "ContextMap", "ContextRelationship", "DataModel", "Design", "Domain", "Function",
        "Interface", "Monolith", "Pattern", "Relation", "Rule", "ServiceSpec",
        "check_context_map", "check_granularity", "check_separation",
        "check_single_responsibility", "granularity",
    },
    "msatheory.discovery": {
        "CHECKS", "ERRATA", "Balancer", "CheckPolicy", "ClientSideDiscovery", "HealthChecker",
        "Instance", "InstanceExists", "InstanceNotFound", "LeaseEvictor", "LeastOutstanding",
        "NoHealthyInstance", "Outage", "PowerOfTwoChoices", "Random", "Registration",
        "Registry", "RoundRobin", "Scenario", "SelfPreservation", "ServerSideDiscovery",
        "ServiceNotFound", "Status", "WeightedRoundRobin", "check_health",
        "check_health_coverage", "discover", "unchecked_services",
    },
    "msatheory.gateway": {
        "CHECKS", "ERRATA", "GCRA", "Aggregate", "Arrival", "CacheRequest", "CacheResponse",
        "Call", "Decision", "Fate", "FixedWindow", "Gateway", "GatewayPipeline", "Latency",
        "Limiter", "Link", "Permission",
        "Resource", "ResponseCache", "Route", "Routing", "RoutingTable", "Screen", "ScreenCost",
        "SlidingLog", "SlidingWindowCounter", "TokenBucket", "TokenPolicy", "authenticate",
        "authorize", "check_backend_for_frontend", "check_gateway", "check_gateway_entry",
        "check_routes", "check_routing",
        "check_single_entry", "exposed_services", "fan_out", "gateway_bypass", "screen_cost",
        "slow_fraction",
    },
    "msatheory.communication": {
        "CHECKS", "ERRATA", "AdaptiveThrottle", "Backoff", "Breaker", "Broker", "CircuitBreaker",
        "Consumer", "Hop", "OrderService", "RateBreaker", "RetryBudget", "Schema",
        "ServiceClient", "ServiceRequest", "amplification", "check_retry_amplification",
        "check_timeout_inversion", "check_unguarded_calls", "compatibility", "deadline_trace",
        "delivery_probability", "order_flow", "queue_outage", "retry_safe", "synchronous_chain",
    },
    "msatheory.data": {
        "CHECKS", "ERRATA", "STUBS", "GCounter", "HashRing", "History", "JumpHash", "LWWRegister",
        "ModN", "ORSet", "Operation", "PNCounter", "Placement", "PrimaryReplicaGroup",
        "RangeSharding", "Rendezvous", "ReplicatedRegister", "Saga", "VersionVector",
        "VerticalSplit", "best_split", "check_convergence", "check_linearizable",
        "check_monotonic_reads", "check_read_your_writes", "check_replication",
        "check_semantic_atomicity", "check_sequential", "failover_loss", "find_dirty_reads",
        "horizontal_shards", "jump_hash", "moved_fraction_mod_n", "stale_probability",
        "t_visibility",
    },
    "msatheory.deployment": {
        "CHECKS", "ERRATA", "STUBS", "SLO", "AlertRule", "Counter", "Deployment", "Gauge",
        "Histogram", "JudgeCheck", "Judgement", "LogRecord", "ReleaseReport", "Service",
        "ServiceMetrics", "ThresholdCheck", "Version", "argo", "blue_green", "budget_consumed",
        "burn_rate", "check_alert_rules", "check_budgets", "check_rollouts", "collect_logs",
        "critical_path", "export_traces", "flagger", "histogram_quantile", "load_rules",
        "mann_whitney", "read_rollouts", "red", "rollout_bounds", "span_tree",
        "time_to_exhaustion", "use",
    },
    "msatheory.practice": {
        "CHECKS", "ERRATA", "STUBS", "Aggregator", "Chain", "Composed", "CompositionReport",
        "Part", "PartResult", "PracticeReport", "Proxy", "chain_latency", "check_aggregators",
        "check_automated_rollouts", "check_chains", "check_containers", "check_data_management",
        "check_event_driven", "check_monitoring", "check_operations", "check_proxies",
        "check_service_design", "fan_out_latency", "find_aggregators", "find_chains",
        "find_proxies", "practice_report", "proxied",
    },
    "msatheory.exercises": {"Exercise", "Feedback", "check", "exercises", "get", "results"},
    "msatheory.check": {
        "EXAMPLES", "FORMATS", "SCHEMA", "Deployed", "Finding", "Inference", "Report",
        "Source", "System", "build", "check_system", "check_text", "detect", "import_compose",
        "import_compose_files", "import_kubernetes", "load", "load_architecture", "parse",
        "read", "system_from_document", "systems",
    },
}


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_public_surface_is_as_decided(name):
    assert set(importlib.import_module(name).__all__) == SURFACES[name]


@pytest.mark.parametrize("statement", [s for s in theory.catalogue() if s.encoding],
                         ids=lambda s: s.ref)
def test_each_statement_is_encoded_by_a_public_name_of_its_chapter(statement):
    package, _, name = statement.encoding.rpartition(".")
    assert name in importlib.import_module(package).__all__


@pytest.mark.parametrize("package", ("msatheory.theory", *theory.CHAPTER_PACKAGES))
def test_no_submodule_shares_a_name_with_a_public_name(package):
    """Otherwise importing the submodule would shadow the public name on the package."""
    import pkgutil

    module = importlib.import_module(package)
    submodules = {m.name for m in pkgutil.iter_modules(module.__path__)}
    assert submodules & set(module.__all__) == set()
