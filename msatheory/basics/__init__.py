"""Chapter 1, basics (微服务基础理论): Def 1.1.1-1.1.2, Axiom 1.1.1, Features 1.2.1-1.2.4.

The model (:class:`Architecture` of :class:`Service` and :class:`Datastore`), its
checkers, availability in closed form and by simulation, and the theory's Rust
sketch ported as written beside its correction.
"""

from msatheory._lazy import lazy

__all__ = [
    "CHECKS",
    "CYCLE_LIMIT",
    "ERRATA",
    "MTTF",
    "MTTR",
    "YEAR_MINUTES",
    "Architecture",
    "Channel",
    "CorrectedMicroservice",
    "Datastore",
    "DowntimeBudget",
    "FailureImpact",
    "Microservice",
    "MicroserviceArchitecture",
    "Platform",
    "Reliability",
    "Service",
    "SketchMicroservice",
    "Tangle",
    "availability_bound",
    "blast_radii",
    "blast_radius",
    "check_autonomy",
    "check_fault_isolation",
    "check_independence",
    "check_independent_scaling",
    "check_technology_diversity",
    "dependency_budget_share",
    "dependency_tangles",
    "downtime_budget",
    "failure_impact",
    "replicated",
    "serial",
    "shared_datastores",
    "shared_deployment_units",
    "simulate_availability",
    "simulate_service_availability",
    "single_points_of_failure",
    "steady_state_availability",
]

# Each name's submodule is imported on first use (msatheory._lazy): `msatheory check`
# needs the model and the feature checkers, not sympy (availability) or hypothesis (errata).
__getattr__, __dir__ = lazy(__name__, {
    "checks": ("CHECKS",),
    "availability": (
        "MTTF", "MTTR", "YEAR_MINUTES", "DowntimeBudget", "Reliability", "availability_bound",
        "dependency_budget_share", "downtime_budget", "replicated", "serial",
        "simulate_availability", "simulate_service_availability", "steady_state_availability",
    ),
    "errata": ("ERRATA",),
    "features": (
        "CYCLE_LIMIT", "FailureImpact", "Tangle", "blast_radii", "blast_radius",
        "check_autonomy", "check_fault_isolation", "check_independence",
        "check_independent_scaling", "check_technology_diversity", "dependency_tangles",
        "failure_impact", "shared_datastores", "shared_deployment_units",
        "single_points_of_failure",
    ),
    "model": (
        "Architecture", "Channel", "Datastore", "Microservice", "MicroserviceArchitecture",
        "Service",
    ),
    "sketch": ("CorrectedMicroservice", "Platform", "SketchMicroservice"),
})
