"""Chapter 1, basics (微服务基础理论): Def 1.1.1-1.1.2, Axiom 1.1.1, Features 1.2.1-1.2.4.

The package exports the model (:class:`Architecture` of :class:`Service` and
:class:`Datastore`, each service's calls a :class:`Call`, hard or soft, with its
Def 1.1.1 and Def 1.1.2 views), the checkers and the analyses their witnesses come
from, ``ERRATA``, ``STUBS`` (the sketch code the theory marks 简化实现) and ``CHECKS``.
Availability in closed form and by simulation lives in
:mod:`msatheory.basics.availability`; the theory's Rust sketch, ported as written beside
its correction, in :mod:`msatheory.basics.sketch`.
"""

from msatheory._lazy import lazy

__all__ = [
    "CHECKS",
    "ERRATA",
    "STUBS",
    "Architecture",
    "Call",
    "Channel",
    "Datastore",
    "FailureImpact",
    "Microservice",
    "MicroserviceArchitecture",
    "Service",
    "Tangle",
    "blast_radii",
    "blast_radius",
    "check_autonomy",
    "check_fault_isolation",
    "check_independence",
    "check_independent_scaling",
    "check_technology_diversity",
    "dependency_tangles",
    "failure_impact",
    "shared_datastores",
    "shared_deployment_units",
    "single_points_of_failure",
]

# Each name's submodule is imported on first use (msatheory._lazy): `msatheory check`
# needs the model and the feature checkers, not hypothesis (errata).
__getattr__, __dir__ = lazy(__name__, {
    "checks": ("CHECKS",),
    "errata": ("ERRATA", "STUBS"),
    "features": (
        "FailureImpact", "Tangle", "blast_radii", "blast_radius", "check_autonomy",
        "check_fault_isolation", "check_independence", "check_independent_scaling",
        "check_technology_diversity", "dependency_tangles", "failure_impact",
        "shared_datastores", "shared_deployment_units", "single_points_of_failure",
    ),
    "model": (
        "Architecture", "Call", "Channel", "Datastore", "Microservice", "MicroserviceArchitecture",
        "Service",
    ),
})
