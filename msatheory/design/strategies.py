"""Hypothesis strategies that generate chapter 2 designs, for properties in tests and notebooks."""

from __future__ import annotations

from hypothesis import strategies as st

from msatheory.design.boundary import DataModel, Design, Function, Interface, ServiceSpec

__all__ = ["designs"]

DOMAINS = ("billing", "sales", "stock")


@st.composite
def designs(
    draw: st.DrawFn, max_services: int = 5, max_functions: int = 40, shared: bool = True
) -> Design:
    """Designs of 1 to ``max_services`` services over a pool of functions, interfaces and
    data models in three domains.

    With ``shared``, services draw from the pool independently, so an element may be
    claimed twice (Theorem 2.1.1 broken) or by nobody; without it, each element goes
    to at most one service.
    """
    def pool(kind: type, prefix: str, most: int) -> list:
        size = draw(st.integers(min_value=0, max_value=most))
        return [kind(f"{prefix}{i}", draw(st.sampled_from(DOMAINS))) for i in range(size)]

    elements = [*pool(Function, "f", max_functions), *pool(Interface, "i", 8),
                *pool(DataModel, "d", 8)]
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
