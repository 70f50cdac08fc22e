"""Chapter 2, design principles (微服务设计原则): Principle 2.1.1, Def 2.1.1, Theorem 2.1.1,
Def 2.2.1-2.2.2, Def 2.3.1 and Principle 2.3.1.

Designs and their boundary B with checkers for single responsibility and separation;
domains, bounded contexts and context maps; granularity with a corrected optimizer
beside the theory's Go sketch as written; and the decomposition of a monolith by
community detection on its coupling graph.
"""

from msatheory.design.boundary import (
    Boundary,
    DataModel,
    Design,
    Function,
    Interface,
    ServiceSpec,
    check_separation,
    check_single_responsibility,
)
from msatheory.design.errata import ERRATA
from msatheory.design.granularity import (
    GRANULARITY,
    Bounds,
    check_granularity,
    domain_sizes,
    feasible,
    granularity,
    infeasible_sizes,
    optimize,
    service_counts,
)
from msatheory.design.sketch import SketchService, SketchServiceDesign, SketchWithNaiveMerge

__all__ = [
    "ERRATA",
    "GRANULARITY",
    "Boundary",
    "Bounds",
    "DataModel",
    "Design",
    "Function",
    "Interface",
    "ServiceSpec",
    "SketchService",
    "SketchServiceDesign",
    "SketchWithNaiveMerge",
    "check_granularity",
    "check_separation",
    "check_single_responsibility",
    "domain_sizes",
    "feasible",
    "granularity",
    "infeasible_sizes",
    "optimize",
    "service_counts",
]
