"""Def 2.3.1 and Principle 2.3.1: service granularity, its bounds, and an optimizer that keeps them.

``G(s) = |B(s)| + |I(s)| + |D(s)|`` (服务粒度). Principle 2.3.1 (适当粒度) is read with the
Go sketch's thresholds as parameters: split above 20, merge below 3. Whether a domain
of W elements can be cut into services that all lie within [lo, hi] is arithmetic:
it can exactly when some k has k*lo <= W <= k*hi (:func:`feasible`).
:func:`optimize` is the corrected ``OptimizeGranularity``: one pass, no loop over
its own output, so it terminates; it keeps Principle 2.1.1 and Theorem 2.1.1 and
lands every service within bounds whenever its domain allows it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from math import ceil

from msatheory.design.boundary import ELEMENT_KINDS, Design, Element, ServiceSpec
from msatheory.errors import TheoryError
from msatheory.theory import Verdict, Witness, get

__all__ = [
    "GRANULARITY",
    "Bounds",
    "check_granularity",
    "domain_sizes",
    "feasible",
    "granularity",
    "infeasible_sizes",
    "optimize",
    "service_counts",
]


def __getattr__(name: str) -> object:
    """``GRANULARITY``, Def 2.3.1 as a sympy expression, built on first use: sympy takes a
    third of a second to import and the checkers, :func:`granularity` included, never need it."""
    if name != "GRANULARITY":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import sympy as sp

    global GRANULARITY
    GRANULARITY = sp.Add(*sp.symbols("|B(s)| |I(s)| |D(s)|", integer=True, nonnegative=True))
    return GRANULARITY


def granularity(service: ServiceSpec) -> int:
    """Def 2.3.1 (服务粒度): ``G(s) = |B(s)| + |I(s)| + |D(s)|``, the value of the sympy sum
    ``GRANULARITY`` at the service's counts."""
    return len(service.functions) + len(service.interfaces) + len(service.data_models)


@dataclass(frozen=True)
class Bounds:
    """Principle 2.3.1's thresholds: merge a service below ``merge_below``, split it above
    ``split_above``. The Go sketch uses 3 and 20; a service is within bounds when
    ``merge_below <= G(s) <= split_above``."""

    merge_below: int = 3
    split_above: int = 20

    def __post_init__(self) -> None:
        for name in ("merge_below", "split_above"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise TheoryError(f"Bounds: {name} must be a positive integer, not {value!r}")
        if self.merge_below > self.split_above:
            raise TheoryError(
                f"Bounds: merge_below ({self.merge_below}) exceeds split_above "
                f"({self.split_above}); no service could be within bounds"
            )

    def within(self, size: int) -> bool:
        """Whether a service of granularity ``size`` is within bounds."""
        return self.merge_below <= size <= self.split_above


def service_counts(size: int, bounds: Bounds = Bounds()) -> range:
    """The numbers k of services, each within bounds, that ``size`` elements fill exactly.

    k is possible exactly when k*lo <= size <= k*hi, i.e. ceil(size/hi) <= k <= floor(size/lo).
    """
    return range(ceil(size / bounds.split_above), size // bounds.merge_below + 1)


def feasible(size: int, bounds: Bounds = Bounds()) -> bool:
    """Whether ``size`` elements can be cut into services that are all within bounds."""
    return size > 0 and len(service_counts(size, bounds)) > 0


def infeasible_sizes(bounds: Bounds = Bounds()) -> list[int]:
    """Every positive size that no cut brings within bounds.

    Sizes k*lo..k*hi are feasible with k services; the next interval starts at
    (k+1)*lo, so a gap follows k exactly when k*hi < (k+1)*lo - 1, that is when
    k < (lo - 1)/(hi - lo). Every size from ceil((lo - 1)/(hi - lo))*lo on is
    feasible, so the list is finite, unless lo = hi > 1 (then only multiples of lo are).
    """
    lo, hi = bounds.merge_below, bounds.split_above
    if lo == hi > 1:
        raise TheoryError(
            f"with merge_below = split_above = {lo}, every size that is not a multiple of "
            f"{lo} is infeasible: there are infinitely many"
        )
    last_gap = -(-(lo - 1) // (hi - lo)) if hi > lo else 0
    return [w for w in range(1, last_gap * lo) if not feasible(w, bounds)]


def domain_sizes(design: Design) -> dict[str, int]:
    """For each domain, how many distinct elements of it the design holds."""
    sizes: dict[str, int] = defaultdict(int)
    for element in design.elements:
        sizes[element.domain] += 1
    return dict(sorted(sizes.items()))


def check_granularity(design: Design, bounds: Bounds = Bounds()) -> Verdict:
    """Principle 2.3.1 (适当粒度): every service's G(s) lies within the bounds.

    One witness per service outside them; its detail says whether the service's
    domain could be cut within bounds at all.
    """
    sizes = domain_sizes(design)
    witnesses = []
    for spec in design.services:
        g = granularity(spec)
        if bounds.within(g):
            continue
        side = "too coarse" if g > bounds.split_above else "too fine"
        limit = (f"> {bounds.split_above}" if g > bounds.split_above
                 else f"< {bounds.merge_below}")
        domains = sorted(spec.domains)
        reachable = [d for d in domains if feasible(sizes[d], bounds)]
        note = (
            "" if reachable == domains else
            "; no cut can bring "
            + ", ".join(f"{d} ({sizes[d]} elements)" for d in domains if d not in reachable)
            + " within bounds"
        )
        witnesses.append(
            Witness(f"service {side}", (spec.name,), f"G({spec.name}) = {g} {limit}{note}")
        )
    return Verdict(
        get("principle", "2.3.1"),
        witnesses,
        f"{len(design.services)} services; within [{bounds.merge_below}, "
        f"{bounds.split_above}]: {len(design.services) - len(witnesses)}.",
    )


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


def optimize(design: Design, bounds: Bounds = Bounds()) -> Design:
    """The corrected ``OptimizeGranularity`` (Principle 2.3.1, 适当粒度).

    1. Split every service by domain, and give each element a single owner.
    2. For each domain on its own, keep it if all its services are within bounds;
       otherwise re-cut only what is needed (:func:`_settle`).
    3. Name the new services after their domain (``payment``, ``payment-2``...).

    No step loops over its own output, so it terminates; each step moves elements
    without creating or dropping any, so nothing is lost or duplicated; no service
    ever mixes domains (Principle 2.1.1) and no element has two owners (Theorem
    2.1.1); a domain whose size is feasible ends within bounds; and a design it
    returns is returned unchanged by a second call (idempotence).
    """
    kept: list[tuple[str, list[Element]]] = []
    fresh: list[tuple[str, list[Element]]] = []
    for domain, parts in sorted(_single_domain_parts(design).items()):
        keep, groups = _settle(parts, bounds)
        kept += keep
        fresh += [(domain, group) for group in groups]
    taken: set[str] = set()

    def unique(base: str) -> str:
        n, name = 1, base
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name)
        return name

    specs = [ServiceSpec.of(unique(name), elements) for name, elements in kept]
    return Design([*specs, *(ServiceSpec.of(unique(domain), group) for domain, group in fresh)],
                  design.name)
