"""The corrected ``OptimizeGranularity``: re-cut a design so its services keep Principle 2.3.1.

The theory's Go sketch (:mod:`msatheory.design.sketch`) loops over the map it mutates,
splits by domain only and drops interfaces and data models (its errata), and leaves
merging a declared stub (``mergeService``, 简化实现; :data:`msatheory.design.STUBS`),
which :func:`optimize` models; :func:`optimize` makes one pass
with no loop over its own output, so it terminates. It keeps Principle 2.1.1 and
Theorem 2.1.1 and lands every service within bounds (:mod:`msatheory.design.sizing`)
whenever its domain allows it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from math import ceil

from msatheory.design.boundary import ELEMENT_KINDS, Design, Element, ServiceSpec
from msatheory.design.sizing import SKETCH_BOUNDS, Bounds, feasible, service_counts
from msatheory.errors import require_instance

__all__ = ["optimize"]


def _sort_key(element: Element) -> tuple[int, str]:
    return (ELEMENT_KINDS.index(type(element)), element.name)


def _deal(elements: Iterable[Element], k: int) -> list[list[Element]]:
    """Deal the elements round-robin into k groups: sizes differ by at most one, and
    functions are spread first, so every group gets one whenever there are k of them."""
    groups: list[list[Element]] = [[] for _ in range(k)]
    for i, element in enumerate(sorted(elements, key=_sort_key)):
        groups[i % k].append(element)
    return groups


def _pack(elements: list[Element], bounds: Bounds) -> list[list[Element]]:
    """The canonical cut of one domain's elements: the fewest services none of which is
    above ``split_above``, balanced; within bounds whenever the size is feasible."""
    size = len(elements)
    counts = service_counts(size, bounds)
    k = counts.start if counts else max(1, ceil(size / bounds.split_above))
    return _deal(elements, k)


def _single_domain_parts(design: Design) -> dict[str, list[tuple[str, list[Element]]]]:
    """Step 1: each service's elements by domain (Principle 2.1.1), each element once
    (Theorem 2.1.1: a doubly claimed element stays with the first claimant by name)."""
    parts: dict[str, list[tuple[str, list[Element]]]] = defaultdict(list)
    placed: set[Element] = set()
    for spec in design.services:
        by_domain: dict[str, list[Element]] = defaultdict(list)
        for element in spec.elements:
            if element not in placed:
                placed.add(element)
                by_domain[element.domain].append(element)
        for domain, elements in sorted(by_domain.items()):
            name = spec.name if spec.name == domain or len(spec.domains) == 1 else (
                f"{spec.name}-{domain}"
            )
            parts[domain].append((name, elements))
    return parts


def _settle(
    parts: list[tuple[str, list[Element]]], bounds: Bounds
) -> tuple[list[tuple[str, list[Element]]], list[list[Element]]]:
    """Step 2 for one domain: the parts kept as they are, and the groups cut anew.

    A domain whose parts are all within bounds, or that is infeasible and already in
    its canonical cut, is kept. Otherwise the parts outside bounds are pooled, and
    the smallest kept parts join the pool until it is feasible; the pool is cut
    canonically. If the whole domain is infeasible it is cut canonically as a whole.
    """
    if all(bounds.within(len(e)) for _, e in parts):
        return parts, []
    everything = [e for _, elements in parts for e in elements]
    if not feasible(len(everything), bounds):
        canonical = _pack(everything, bounds)
        if {frozenset(g) for g in canonical} == {frozenset(e) for _, e in parts}:
            return parts, []
        return [], canonical
    kept = sorted(
        (p for p in parts if bounds.within(len(p[1]))), key=lambda p: (len(p[1]), p[0])
    )
    pool = [e for _, elements in parts if not bounds.within(len(elements)) for e in elements]
    while not feasible(len(pool), bounds):
        pool += kept.pop(0)[1]
    return kept, _pack(pool, bounds)


def optimize(design: Design, bounds: Bounds = SKETCH_BOUNDS) -> Design:
    """The corrected ``OptimizeGranularity`` (Principle 2.3.1, 适当粒度): ``design`` re-cut
    so that every service whose domain allows it is within ``bounds``.

    1. Split every service by domain, and give each element a single owner.
    2. For each domain on its own, keep it if all its services are within bounds;
       otherwise re-cut only what is needed: pool the services outside bounds (and
       the smallest others, until the pool can be cut within bounds) and deal the
       pool into the fewest balanced services.
    3. Name the new services after their domain (``payment``, ``payment-2``...): the first
       name not taken, found with one counter per base name, so naming k services
       costs O(k) set look-ups.

    Parameters
    ----------
    design : Design
        The design to re-cut; it is not changed.
    bounds : Bounds, optional
        The thresholds; the Go sketch's 3 and 20 by default.

    Returns
    -------
    Design
        A design with the same name and the same elements, each held once. No step
        loops over its own output, so it terminates; no service mixes domains
        (Principle 2.1.1) and no element has two owners (Theorem 2.1.1); a domain
        whose size is :func:`~msatheory.design.sizing.feasible` ends within bounds;
        and ``optimize(optimize(d)) == optimize(d)``.

    Raises
    ------
    TheoryError
        If ``design`` is not a Design or ``bounds`` not Bounds.

    Examples
    --------
    Twenty-one sales functions are one too many for a service; two audit functions
    too few, with nothing in their domain to merge with:

    >>> from msatheory.design import Function
    >>> from msatheory.design.sizing import granularity
    >>> big = Design([ServiceSpec("shop", [Function(f"sell-{i}", "sales") for i in range(21)]
    ...                                   + [Function(f"audit-{i}", "audit") for i in range(2)])])
    >>> [(s.name, granularity(s)) for s in optimize(big).services]
    [('sales', 11), ('sales-2', 10), ('shop-audit', 2)]

    References
    ----------
    Principle 2.3.1 (适当粒度) and the Go sketch ``OptimizeGranularity`` (section 2.3),
    whose defects :mod:`msatheory.design.errata` demonstrates.
    """
    design = require_instance("optimize", "design", design, Design)
    bounds = require_instance("optimize", "bounds", bounds, Bounds)
    kept: list[tuple[str, list[Element]]] = []
    fresh: list[tuple[str, list[Element]]] = []
    for domain, parts in sorted(_single_domain_parts(design).items()):
        keep, groups = _settle(parts, bounds)
        kept += keep
        fresh += [(domain, group) for group in groups]
    taken: set[str] = set()
    tried: dict[str, int] = {}  # per base name, the last suffix tried: all below it are taken

    def unique(base: str) -> str:
        """``base``, else ``base-2``, ``base-3``, ...: the first name not taken. Taken names
        stay taken, so the search resumes where the last one for ``base`` stopped, and
        naming k services costs O(k) set look-ups rather than O(k²)."""
        n = tried.get(base, 1)
        name = base if n == 1 else f"{base}-{n}"
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        tried[base] = n
        taken.add(name)
        return name

    specs = [ServiceSpec.of(unique(name), elements) for name, elements in kept]
    return Design([*specs, *(ServiceSpec.of(unique(domain), group) for domain, group in fresh)],
                  design.name)
