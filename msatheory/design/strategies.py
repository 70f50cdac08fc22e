"""Hypothesis strategies that generate chapter 2 designs and monoliths, for properties in
tests, errata and notebooks."""

from __future__ import annotations

from hypothesis import strategies as st

from msatheory.design.boundary import (
    DataModel,
    Design,
    Element,
    Function,
    Interface,
    ServiceSpec,
)
from msatheory.design.coupling import CouplingWeights
from msatheory.design.monolith import Access, Call, Monolith
from msatheory.design.sizing import Bounds
from msatheory.errors import require_count

__all__ = ["bounds", "coupling_weights", "designs", "monoliths"]

DOMAINS = ("billing", "sales", "stock")


def designs(
    max_services: int = 5, max_functions: int = 40, shared: bool = True
) -> st.SearchStrategy[Design]:
    """Designs of 1 to ``max_services`` (at least 1) services over a pool of up to
    ``max_functions`` functions, 8 interfaces and 8 data models in three domains.

    With ``shared``, services draw from the pool independently, so an element may be
    claimed twice (Theorem 2.1.1 broken) or by nobody; without it, each element goes
    to at most one service.
    """
    require_count("designs", "max_services", max_services, least=1)
    require_count("designs", "max_functions", max_functions)
    return _designs(max_services, max_functions, bool(shared))


@st.composite
def _designs(draw: st.DrawFn, max_services: int, max_functions: int, shared: bool) -> Design:
    def pool(kind: type[Element], prefix: str, most: int) -> list[Element]:
        size = draw(st.integers(min_value=0, max_value=most))
        return [kind(f"{prefix}{i}", draw(st.sampled_from(DOMAINS))) for i in range(size)]

    elements: list[Element] = [
        *pool(Function, "f", max_functions), *pool(Interface, "i", 8), *pool(DataModel, "d", 8)
    ]
    n = draw(st.integers(min_value=1, max_value=max_services))
    if shared:
        held = [draw(st.sets(st.sampled_from(elements))) if elements else set()
                for _ in range(n)]
    else:
        owner = [draw(st.integers(min_value=-1, max_value=n - 1)) for _ in elements]
        held = [{e for e, o in zip(elements, owner, strict=True) if o == k} for k in range(n)]
    return Design(
        ServiceSpec.of(f"s{k}", items) for k, items in enumerate(held)
    )


@st.composite
def monoliths(draw: st.DrawFn) -> Monolith:
    """Small monoliths: 1-7 functions and 0-4 entities over three domains, random coupling."""
    domains = st.sampled_from(("billing", "sales", "stock"))
    functions = [Function(f"f{i}", draw(domains)) for i in range(draw(st.integers(1, 7)))]
    entities = [DataModel(f"E{i}", draw(domains)) for i in range(draw(st.integers(0, 4)))]
    pairs = [(f.name, e.name) for f in functions for e in entities]
    used = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    accesses = [
        Access(f, e, mode)
        for f, e in used
        for mode in draw(st.sampled_from((("read",), ("write",), ("read", "write"))))
    ]
    ordered = [(a.name, b.name) for a in functions for b in functions if a != b]
    linked = draw(st.lists(st.sampled_from(ordered), unique=True)) if ordered else []
    calls = [Call(a, b, draw(st.integers(1, 4))) for a, b in linked]
    exposed = draw(st.lists(st.sampled_from(functions), max_size=3))
    interfaces = [Interface(f"i{k}", f.domain) for k, f in enumerate(exposed)]
    exposes = {f"i{k}": f.name for k, f in enumerate(exposed)}
    return Monolith("m", functions, entities, interfaces, accesses, calls, exposes)


#: Coupling weights, some of them 0, so that edges drop out of the coupling graph.
coupling_weights = st.builds(
    CouplingWeights,
    write=st.sampled_from((0, 0.5, 3.0)),
    read=st.sampled_from((0, 1.0, 1.5)),
    call=st.sampled_from((0, 2.0, 0.25)),
)

#: Granularity bounds from 1..6 up to 12 wider (Principle 2.3.1).
bounds = st.builds(
    lambda lo, extra: Bounds(lo, lo + extra),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=0, max_value=12),
)
