"""Chapter 1, basics (微服务基础理论): Def 1.1.1-1.1.2, Axiom 1.1.1, Features 1.2.1-1.2.4.

The model (:class:`Architecture` of :class:`Service` and :class:`Datastore`), its
checkers, availability in closed form and by simulation, and the theory's Rust
sketch ported as written beside its correction.
"""

from msatheory.basics.availability import (
    MTTF,
    MTTR,
    YEAR_MINUTES,
    DowntimeBudget,
    Reliability,
    availability_bound,
    dependency_budget_share,
    downtime_budget,
    replicated,
    serial,
    simulate_availability,
    simulate_service_availability,
    steady_state_availability,
)
from msatheory.basics.errata import ERRATA
from msatheory.basics.features import (
    FailureImpact,
    blast_radii,
    blast_radius,
    check_autonomy,
    check_fault_isolation,
    check_independence,
    check_independent_scaling,
    check_technology_diversity,
    dependency_cycles,
    failure_impact,
    shared_datastores,
    shared_deployment_units,
    single_points_of_failure,
)
from msatheory.basics.model import (
    Architecture,
    Channel,
    Datastore,
    Microservice,
    MicroserviceArchitecture,
    Service,
)
from msatheory.basics.sketch import CorrectedMicroservice, Platform, SketchMicroservice

__all__ = [
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
    "availability_bound",
    "blast_radii",
    "blast_radius",
    "check_autonomy",
    "check_fault_isolation",
    "check_independence",
    "check_independent_scaling",
    "check_technology_diversity",
    "dependency_budget_share",
    "dependency_cycles",
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
