"""Chapter 2's errata: the Go ``ServiceDesign`` sketch, shown wrong by running it.

Each counterexample is the smallest design a reproducible hypothesis search finds
that breaks a property; each correction is checked by the same search against
:func:`msatheory.design.optimizer.optimize` or :meth:`msatheory.design.Boundary.from_owners`.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import find
from hypothesis import strategies as st

from msatheory.design.boundary import (
    Boundary,
    DataModel,
    Design,
    Function,
    Interface,
    ServiceSpec,
    check_separation,
)
from msatheory.design.optimizer import optimize
from msatheory.design.sizing import (
    SKETCH_BOUNDS,
    Bounds,
    domain_sizes,
    feasible,
    granularity,
)
from msatheory.design.sketch import SketchServiceDesign
from msatheory.design.strategies import designs
from msatheory.theory.erratum import SEARCH, Counterexample, Erratum, holds_for_all

__all__ = ["ERRATA", "out_of_bounds", "passes", "shop"]

DOMAINS = ("sales", "billing", "stock")

#: Functions per domain of one service, then its interfaces and data models (in sales).
SHOPS = st.tuples(
    st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=3),
    st.integers(min_value=0, max_value=4),
    st.integers(min_value=0, max_value=4),
)
#: Sizes of several one-domain services.
SMALL_SERVICES = st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=4)
#: add_function(service, function) calls, as (service index, function index) pairs.
ADDITIONS = st.lists(
    st.tuples(st.integers(min_value=0, max_value=1), st.integers(min_value=0, max_value=3)),
    unique=True, max_size=6,
)


def shop(functions: Sequence[int], interfaces: int = 0, data_models: int = 0) -> Design:
    """One service ``shop`` with ``functions[i]`` functions of domain ``DOMAINS[i]``, and
    ``interfaces`` interfaces and ``data_models`` data models of domain sales."""
    return Design([ServiceSpec(
        "shop",
        [Function(f"{d}-f{j}", d) for d, n in zip(DOMAINS, functions, strict=False)
         for j in range(n)],
        [Interface(f"api-{j}", "sales") for j in range(interfaces)],
        [DataModel(f"model-{j}", "sales") for j in range(data_models)],
    )])


def one_domain(sizes: Sequence[int]) -> Design:
    """Services s0, s1, ... of ``sizes[k]`` functions each, all of domain sales."""
    return Design(
        ServiceSpec(f"s{k}", [Function(f"s{k}-f{j}", "sales") for j in range(n)])
        for k, n in enumerate(sizes)
    )


def out_of_bounds(design: Design, bounds: Bounds = SKETCH_BOUNDS) -> dict[str, int]:
    """G(s) of the services outside bounds whose domains could all be cut within them."""
    sizes = domain_sizes(design)
    return {
        s.name: granularity(s) for s in design.services
        if not bounds.within(granularity(s)) and all(feasible(sizes[d], bounds) for d in s.domains)
    }


def passes(design: Design, count: int = 6, seed: int = 0) -> list[Design]:
    """The sketch's design after each of ``count`` calls of ``OptimizeGranularity``."""
    sketch = SketchServiceDesign.from_design(design, seed)
    result = []
    for _ in range(count):
        sketch.optimize_granularity()
        result.append(sketch.design())
    return result


def _sketch_optimized(design: Design) -> Design:
    return passes(design, 1)[0]


def _describe(design: Design) -> str:
    return ", ".join(f"{s.name} (G={granularity(s)})" for s in design.services) or "no service"


def _split_misses(shape: tuple[list[int], int, int]) -> bool:
    design = shop(*shape)
    return granularity(design.services[0]) > 20 and bool(out_of_bounds(_sketch_optimized(design)))


def _demonstrate_split() -> Counterexample:
    shape = find(SHOPS, _split_misses, settings=SEARCH)
    design = shop(*shape)
    return Counterexample(
        f"OptimizeGranularity on {_describe(design)}, functions per domain "
        f"{dict(zip(DOMAINS, shape[0], strict=False))}",
        "every service within [3, 20], which is possible: " + ", ".join(
            f"{d} has {n} elements" for d, n in domain_sizes(design).items()
        ),
        _describe(_sketch_optimized(design)),
    )


def _never_settles(shape: tuple[list[int], int, int]) -> bool:
    runs = passes(shop(*shape))
    return runs[-1] != runs[-2]


def _demonstrate_fixed_point() -> Counterexample:
    shape = find(SHOPS, _never_settles, settings=SEARCH)
    design = shop(*shape)
    return Counterexample(
        f"OptimizeGranularity called 6 times on {_describe(design)}",
        "a fixed point: once the design is optimal, another call changes nothing",
        "; ".join(f"call {i}: {_describe(d)}" for i, d in enumerate(passes(design), 1)),
    )


def _drops(shape: tuple[list[int], int, int]) -> bool:
    design = shop(*shape)
    return _sketch_optimized(design).elements != design.elements


def _demonstrate_drops() -> Counterexample:
    shape = find(SHOPS, _drops, settings=SEARCH)
    design, after = shop(*shape), _sketch_optimized(shop(*shape))
    lost = sorted(e.name for e in design.elements - after.elements)
    return Counterexample(
        f"OptimizeGranularity on {_describe(design)} holding "
        f"{len(design.services[0].interfaces)} interfaces and "
        f"{len(design.services[0].data_models)} data models",
        "every function, interface and data model still held by some service",
        f"{_describe(after)}; lost: {', '.join(lost)}",
    )


def _merge_misses(sizes: list[int]) -> bool:
    return bool(out_of_bounds(_sketch_optimized(one_domain(sizes))))


def _demonstrate_merge() -> Counterexample:
    sizes = find(SMALL_SERVICES, _merge_misses, settings=SEARCH)
    design = one_domain(sizes)
    return Counterexample(
        f"OptimizeGranularity on {_describe(design)}, all of domain sales",
        f"services below 3 merged: sales has {sum(sizes)} functions, enough for one service",
        _describe(_sketch_optimized(design)),
    )


def _added(calls: list[tuple[int, int]]) -> SketchServiceDesign:
    sketch = SketchServiceDesign()
    ids = [sketch.create_service(name, "sales").id for name in ("orders", "billing")]
    for service, function in calls:
        sketch.add_function(ids[service], Function(f"f{function}", "sales"))
    return sketch


def _claimed_twice(calls: list[tuple[int, int]]) -> bool:
    return not check_separation(_added(calls).design()).holds


def _demonstrate_separation() -> Counterexample:
    calls = find(ADDITIONS, _claimed_twice, settings=SEARCH)
    names = ("orders", "billing")
    steps = ", ".join(f"AddFunction({names[s]}, f{f})" for s, f in calls)
    verdict = check_separation(_added(calls).design())
    return Counterexample(
        f"CreateService(orders), CreateService(billing), {steps}",
        "an error, or a design in which Theorem 2.1.1 still holds",
        "accepted: " + "; ".join(str(w) for w in verdict.witnesses),
    )


def _optimized_out_of_bounds(design: Design) -> bool:
    return bool(out_of_bounds(optimize(design, SKETCH_BOUNDS)))


def _not_idempotent(design: Design) -> bool:
    once = optimize(design, SKETCH_BOUNDS)
    return optimize(once, SKETCH_BOUNDS) != once


def _loses(design: Design) -> bool:
    after = optimize(design, SKETCH_BOUNDS)
    held = [e for s in after.services for e in s.elements]
    return len(held) != len(design.elements) or set(held) != design.elements


def _separation_fails_corrected(design: Design) -> bool:
    owner = {f: s.name for s in design.services for f in s.functions}
    return not (check_separation(Boundary.from_owners(owner)).holds
                and check_separation(optimize(design, SKETCH_BOUNDS)).holds)


LARGE_DESIGNS = designs(max_services=4, max_functions=60)

ERRATA: tuple[Erratum, ...] = (
    Erratum(
        key="2.split",
        concerns="Go sketch splitService (section 2.3; Principle 2.3.1)",
        wrong="It splits by domain only, so a one-domain service above 20 stays above 20 and "
        "a domain with one or two functions becomes a service below 3.",
        demonstrate=_demonstrate_split,
        verify_corrected=lambda: holds_for_all(LARGE_DESIGNS, _optimized_out_of_bounds),
        corrected_by="msatheory.design.optimizer.optimize",
    ),
    Erratum(
        key="2.fixed-point",
        concerns="Go sketch OptimizeGranularity (section 2.3; Principle 2.3.1)",
        wrong="It has no fixed point: a one-domain service above 20 is replaced on every call "
        "by a copy of itself under a longer name, and never settles.",
        demonstrate=_demonstrate_fixed_point,
        verify_corrected=lambda: holds_for_all(LARGE_DESIGNS, _not_idempotent),
        corrected_by="msatheory.design.optimizer.optimize",
    ),
    Erratum(
        key="2.split-drops",
        concerns="Go sketch splitService (section 2.3; Def 2.3.1)",
        wrong="The new services receive only the functions: the split service's interfaces "
        "and data models are deleted with it.",
        demonstrate=_demonstrate_drops,
        verify_corrected=lambda: holds_for_all(LARGE_DESIGNS, _loses),
        corrected_by="msatheory.design.optimizer.optimize",
    ),
    Erratum(
        key="2.merge",
        concerns="Go sketch mergeService (section 2.3; Principle 2.3.1)",
        wrong="Its body is empty, so services below 3 stay as they are.",
        demonstrate=_demonstrate_merge,
        verify_corrected=lambda: holds_for_all(
            SMALL_SERVICES, lambda sizes: _optimized_out_of_bounds(one_domain(sizes))
        ),
        corrected_by="msatheory.design.optimizer.optimize",
    ),
    Erratum(
        key="2.separation",
        concerns="Go sketch AddFunction (section 2.3; Theorem 2.1.1)",
        wrong="It adds a function to a service whatever other service already holds it, so "
        "the designs it builds need not satisfy Theorem 2.1.1.",
        demonstrate=_demonstrate_separation,
        verify_corrected=lambda: holds_for_all(designs(), _separation_fails_corrected),
        corrected_by="msatheory.design.Boundary.from_owners",
    ),
)
