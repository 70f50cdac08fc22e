"""Def 2.3.1 and Principle 2.3.1: how big a service is, and when it is the right size.

``G(s) = |B(s)| + |I(s)| + |D(s)|`` (服务粒度, :func:`granularity`). Principle 2.3.1
(适当粒度) is read with the Go sketch's thresholds as parameters (:class:`Bounds`:
split above 20, merge below 3) and checked by :func:`check_granularity`. Whether a
domain of W elements can be cut into services that all lie within [lo, hi] is
arithmetic: it can exactly when some k has k*lo <= W <= k*hi (:func:`feasible`).
Changing a design so it keeps the bounds belongs to :mod:`msatheory.design.optimizer`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from math import ceil
from typing import TYPE_CHECKING

from msatheory.design.boundary import Design, ServiceSpec
from msatheory.errors import TheoryError, require_count, require_instance
from msatheory.theory import get
from msatheory.theory.render import counted
from msatheory.theory.statement import Kind
from msatheory.theory.verdict import Verdict, Witness

if TYPE_CHECKING:
    import sympy as sp

__all__ = [
    "GRANULARITY",
    "SKETCH_BOUNDS",
    "Bounds",
    "check_granularity",
    "domain_sizes",
    "feasible",
    "granularity",
    "infeasible_sizes",
    "service_counts",
]

#: Def 2.3.1 as a sympy sum of three non-negative integer symbols; built on first use
#: (:func:`__getattr__`), since sympy takes a third of a second to import.
GRANULARITY: sp.Expr


def __getattr__(name: str) -> object:
    """``GRANULARITY``, built on first use: the checkers, :func:`granularity` included,
    never need sympy."""
    if name != "GRANULARITY":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import sympy as sp

    global GRANULARITY
    GRANULARITY = sp.Add(*sp.symbols("|B(s)| |I(s)| |D(s)|", integer=True, nonnegative=True))
    return GRANULARITY


def granularity(service: ServiceSpec) -> int:
    """Def 2.3.1 (服务粒度): the granularity ``G(s) = |B(s)| + |I(s)| + |D(s)|`` of a service.

    The value of the sympy sum ``GRANULARITY`` at the service's counts of
    functions B(s), interfaces I(s) and data models D(s).

    Parameters
    ----------
    service : ServiceSpec
        The service to measure.

    Returns
    -------
    int
        Its functions, interfaces and data models, counted together.

    Raises
    ------
    TheoryError
        If ``service`` is not a ServiceSpec.

    Examples
    --------
    >>> from msatheory.design import DataModel, Function, Interface
    >>> billing = ServiceSpec("billing",
    ...                       [Function("pay", "billing"), Function("refund", "billing")],
    ...                       [Interface("POST /payments", "billing")],
    ...                       [DataModel("Payment", "billing")])
    >>> granularity(billing)
    4

    References
    ----------
    Def 2.3.1 (服务粒度) of the theory: ``get(Kind.DEFINITION, "2.3.1")``.
    """
    service = require_instance("granularity", "service", service, ServiceSpec)
    return len(service.functions) + len(service.interfaces) + len(service.data_models)


@dataclass(frozen=True)
class Bounds:
    """Principle 2.3.1's thresholds: merge a service below ``merge_below``, split it above
    ``split_above``. The Go sketch uses 3 and 20; a service is within bounds when
    ``merge_below <= G(s) <= split_above``.

    >>> Bounds().within(3), Bounds().within(21)
    (True, False)
    """

    merge_below: int = 3
    split_above: int = 20

    def __post_init__(self) -> None:
        require_count("Bounds", "merge_below", self.merge_below, least=1)
        require_count("Bounds", "split_above", self.split_above, least=1)
        if self.merge_below > self.split_above:
            raise TheoryError(
                f"Bounds: merge_below ({self.merge_below}) exceeds split_above "
                f"({self.split_above}); no service could be within bounds"
            )

    def within(self, size: int) -> bool:
        """Whether a service of granularity ``size`` (a whole number, 0 or more) is within
        bounds."""
        require_count("Bounds.within", "size", size)
        return self.merge_below <= size <= self.split_above


#: The Go sketch's thresholds, merge below 3 and split above 20: every default here.
SKETCH_BOUNDS = Bounds(3, 20)


def service_counts(size: int, bounds: Bounds = SKETCH_BOUNDS) -> range:
    """The numbers k of services, each within bounds, that ``size`` elements fill exactly.

    k is possible exactly when k*lo <= size <= k*hi, i.e. ceil(size/hi) <= k <= floor(size/lo).

    >>> list(service_counts(40))
    [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    """
    require_count("service_counts", "size", size)
    require_instance("service_counts", "bounds", bounds, Bounds)
    return range(ceil(size / bounds.split_above), size // bounds.merge_below + 1)


def feasible(size: int, bounds: Bounds = SKETCH_BOUNDS) -> bool:
    """Whether ``size`` elements can be cut into services that are all within bounds.

    >>> feasible(2), feasible(21)
    (False, True)
    """
    require_count("feasible", "size", size)
    require_instance("feasible", "bounds", bounds, Bounds)
    return size > 0 and len(service_counts(size, bounds)) > 0


def infeasible_sizes(bounds: Bounds = SKETCH_BOUNDS) -> list[int]:
    """Every positive size that no cut brings within bounds.

    Sizes k*lo..k*hi are feasible with k services; the next interval starts at
    (k+1)*lo, so a gap follows k exactly when k*hi < (k+1)*lo - 1, that is when
    k < (lo - 1)/(hi - lo). Every size from ceil((lo - 1)/(hi - lo))*lo on is
    feasible, so the list is finite, unless lo = hi > 1 (then only multiples of lo are).

    >>> infeasible_sizes(Bounds(3, 4))
    [1, 2, 5]
    """
    bounds = require_instance("infeasible_sizes", "bounds", bounds, Bounds)
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


def check_granularity(design: Design, bounds: Bounds = SKETCH_BOUNDS) -> Verdict:
    """Principle 2.3.1 (适当粒度): every service's granularity G(s) lies within the bounds.

    Too coarse (above ``bounds.split_above``) couples; too fine (below
    ``bounds.merge_below``) makes the system needlessly complex.

    Parameters
    ----------
    design : Design
        The services to check.
    bounds : Bounds, optional
        The thresholds; the Go sketch's 3 and 20 by default.

    Returns
    -------
    Verdict
        On Principle 2.3.1. It holds when every service is within bounds. Otherwise
        one witness per service outside them: ``what`` is ``"service too coarse"`` or
        ``"service too fine"``, ``involves`` the service, ``detail`` its G(s), the
        bound it breaks and, when its domain cannot be cut within bounds at all
        (:func:`feasible`), which domain and how many elements it has.

    Raises
    ------
    TheoryError
        If ``design`` is not a Design or ``bounds`` not Bounds.

    Examples
    --------
    One function is too fine a service, and its domain has nothing to merge with:

    >>> from msatheory.design import Function
    >>> design = Design([ServiceSpec("tiny", [Function("pay", "billing")]),
    ...                  ServiceSpec("orders", [Function(f"f{i}", "sales") for i in range(3)])])
    >>> print(check_granularity(design))
    Principle 2.3.1 Proper granularity (适当粒度): violated. 2 services; within [3, 20]: 1.
      - service too fine: G(tiny) = 1 < 3; no cut can bring billing (1 element) within bounds

    References
    ----------
    Principle 2.3.1 (适当粒度) of the theory: ``get(Kind.PRINCIPLE, "2.3.1")``, with the
    thresholds of its Go sketch ``OptimizeGranularity`` (section 2.3).
    """
    design = require_instance("check_granularity", "design", design, Design)
    bounds = require_instance("check_granularity", "bounds", bounds, Bounds)
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
            + ", ".join(f"{d} ({counted(sizes[d], 'element')})" for d in domains
                        if d not in reachable)
            + " within bounds"
        )
        witnesses.append(
            Witness(f"service {side}", (spec.name,), f"G({spec.name}) = {g} {limit}{note}")
        )
    return Verdict(
        get(Kind.PRINCIPLE, "2.3.1"),
        witnesses,
        f"{len(design.services)} services; within [{bounds.merge_below}, "
        f"{bounds.split_above}]: {len(design.services) - len(witnesses)}.",
    )
