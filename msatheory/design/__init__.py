"""Chapter 2, design principles (微服务设计原则): Principle 2.1.1, Def 2.1.1, Theorem 2.1.1,
Def 2.2.1-2.2.2, Def 2.3.1 and Principle 2.3.1.

* Principle 2.1.1, Def 2.1.1 and Theorem 2.1.1: a :class:`Design` of
  :class:`ServiceSpec` s, its :class:`Boundary`, :func:`check_single_responsibility`
  and :func:`check_separation` (:mod:`.boundary`);
* Def 2.2.1 and Def 2.2.2: :class:`Domain` and :class:`BoundedContext` (:mod:`.domain`),
  related on a :class:`ContextMap` checked by :func:`check_context_map`
  (:mod:`.context_map`);
* Def 2.3.1 and Principle 2.3.1: :func:`granularity`, :class:`Bounds` and
  :func:`check_granularity` (:mod:`.sizing`); the corrected optimizer is
  :func:`msatheory.design.optimizer.optimize`;
* a :class:`Monolith` (:mod:`.monolith`) cut into services by community detection on
  its coupling graph (:mod:`.coupling`, :mod:`.decomposition`) and the cut measured
  (:mod:`.quality`);
* the theory's Go ``ServiceDesign`` sketch as written (:mod:`.sketch`) and its
  :data:`ERRATA`, and the one body it declares 简化实现 (``mergeService``) in
  :data:`STUBS`; the workbook's online shop (:mod:`.examples`).
"""

from msatheory._lazy import lazy

__all__ = [
    "CHECKS",
    "ERRATA",
    "STUBS",
    "Access",
    "Boundary",
    "BoundedContext",
    "Bounds",
    "Call",
    "ContextMap",
    "ContextRelationship",
    "DataModel",
    "Design",
    "Domain",
    "Function",
    "Interface",
    "Monolith",
    "Pattern",
    "Relation",
    "Rule",
    "ServiceSpec",
    "check_context_map",
    "check_granularity",
    "check_separation",
    "check_single_responsibility",
    "granularity",
]

# Each name's submodule is imported on first use (msatheory._lazy): `msatheory check`
# needs the boundary and sizing checkers, not hypothesis (errata) or networkx's
# community detection (decomposition).
__getattr__, __dir__ = lazy(__name__, {
    "checks": ("CHECKS",),
    "boundary": (
        "Boundary", "DataModel", "Design", "Function", "Interface", "ServiceSpec",
        "check_separation", "check_single_responsibility",
    ),
    "context_map": ("ContextMap", "ContextRelationship", "Pattern", "check_context_map"),
    "domain": ("BoundedContext", "Domain", "Relation", "Rule"),
    "errata": ("ERRATA", "STUBS"),
    "monolith": ("Access", "Call", "Monolith"),
    "sizing": ("Bounds", "check_granularity", "granularity"),
})
