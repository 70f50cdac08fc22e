"""Chapter 2, design principles (微服务设计原则): Principle 2.1.1, Def 2.1.1, Theorem 2.1.1,
Def 2.2.1-2.2.2, Def 2.3.1 and Principle 2.3.1.

Designs and their boundary B with checkers for single responsibility and separation;
domains, bounded contexts and context maps; granularity with a corrected optimizer
beside the theory's Go sketch as written; and the decomposition of a monolith by
community detection on its coupling graph.
"""

from msatheory._lazy import lazy

__all__ = [
    "CHECKS",
    "ERRATA",
    "GRANULARITY",
    "METHODS",
    "Access",
    "Boundary",
    "BoundedContext",
    "Bounds",
    "Call",
    "ContextMap",
    "ContextRelationship",
    "CouplingWeights",
    "CutQuality",
    "DataModel",
    "Decomposition",
    "Design",
    "Domain",
    "ForeignAccess",
    "Function",
    "Interface",
    "LanguageConflict",
    "Monolith",
    "Pattern",
    "Relation",
    "Rule",
    "ServiceSpec",
    "SketchService",
    "SketchServiceDesign",
    "SketchWithNaiveMerge",
    "check_context_map",
    "check_granularity",
    "check_separation",
    "check_single_responsibility",
    "coupling_graph",
    "cut_quality",
    "decompose",
    "domain_cut",
    "domain_sizes",
    "feasible",
    "granularity",
    "infeasible_sizes",
    "language_conflicts",
    "optimize",
    "service_counts",
    "undefined_terms",
]

# Each name's submodule is imported on first use (msatheory._lazy): `msatheory check`
# needs the boundary and granularity checkers, not hypothesis (errata) or sympy (GRANULARITY).
__getattr__, __dir__ = lazy(__name__, {
    "checks": ("CHECKS",),
    "boundary": (
        "Boundary", "DataModel", "Design", "Function", "Interface", "ServiceSpec",
        "check_separation", "check_single_responsibility",
    ),
    "decomposition": (
        "METHODS", "Access", "Call", "CouplingWeights", "CutQuality", "Decomposition",
        "ForeignAccess", "Monolith", "coupling_graph", "cut_quality", "decompose", "domain_cut",
    ),
    "domain": (
        "BoundedContext", "ContextMap", "ContextRelationship", "Domain", "LanguageConflict",
        "Pattern", "Relation", "Rule", "check_context_map", "language_conflicts",
        "undefined_terms",
    ),
    "errata": ("ERRATA",),
    "granularity": (
        "GRANULARITY", "Bounds", "check_granularity", "domain_sizes", "feasible", "granularity",
        "infeasible_sizes", "optimize", "service_counts",
    ),
    "sketch": ("SketchService", "SketchServiceDesign", "SketchWithNaiveMerge"),
})
