"""Chapter 2's errata: the Go ``ServiceDesign`` sketch, shown wrong by running it.

Each counterexample is the smallest design a reproducible hypothesis search finds
that breaks a property; each correction is checked by the same search against
:func:`msatheory.design.optimizer.optimize` or :meth:`msatheory.design.Boundary.from_owners`.
``mergeService``, whose body the theory marks 简化实现 ("simplified implementation"),
is a declared stub (:data:`STUBS`), not an erratum.
"""

from __future__ import annotations

from collections.abc import Sequence

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
from msatheory.errors import TheoryError, require_count, require_instance, require_items
from msatheory.theory.erratum import Counterexample, Erratum, Stub, holds_for_all

__all__ = ["ERRATA", "STUBS", "out_of_bounds", "passes", "shop"]

DOMAINS = ("sales", "billing", "stock")

#: Functions per domain of one service, then its interfaces and data models (in sales).
SHOPS = st.tuples(
    st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=3),
    st.integers(min_value=0, max_value=4),
    st.integers(min_value=0, max_value=4),
)
#: add_function(service, function) calls, as (service index, function index) pairs.
ADDITIONS = st.lists(
    st.tuples(st.integers(min_value=0, max_value=1), st.integers(min_value=0, max_value=3)),
    unique=True, max_size=6,
)


def shop(functions: Sequence[int], interfaces: int = 0, data_models: int = 0) -> Design:
    """One service ``shop`` with ``functions[i]`` functions of domain ``DOMAINS[i]``, and
    ``interfaces`` interfaces and ``data_models`` data models of domain sales; at most
    three counts in ``functions``, each a whole number, 0 or more."""
    counts = require_items("shop", "functions", functions, int)
    if len(counts) > len(DOMAINS):
        raise TheoryError(f"shop: functions gives at most {len(DOMAINS)} counts, not {len(counts)}")
    for n in counts:
        require_count("shop", "every count of functions", n)
    require_count("shop", "interfaces", interfaces)
    require_count("shop", "data_models", data_models)
    return Design([ServiceSpec(
        "shop",
        [Function(f"{d}-f{j}", d) for d, n in zip(DOMAINS, counts, strict=False)
         for j in range(n)],
        [Interface(f"api-{j}", "sales") for j in range(interfaces)],
        [DataModel(f"model-{j}", "sales") for j in range(data_models)],
    )])


def out_of_bounds(design: Design, bounds: Bounds = SKETCH_BOUNDS) -> dict[str, int]:
    """G(s) of the services outside bounds whose domains could all be cut within them."""
    sizes = domain_sizes(design)
    return {
        s.name: granularity(s) for s in design.services
        if not bounds.within(granularity(s)) and all(feasible(sizes[d], bounds) for d in s.domains)
    }


def passes(design: Design, count: int = 6, seed: int = 0) -> list[Design]:
    """The sketch's design after each of ``count`` (at least 1) calls of
    ``OptimizeGranularity``, the map order drawn from ``seed``."""
    require_instance("passes", "design", design, Design)
    require_count("passes", "count", count, least=1)
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


def copies_itself(shape: tuple[list[int], int, int]) -> bool:
    """Property: one OptimizeGranularity call brings a shop whose one domain exceeds 20
    within [3, 20], and further calls leave it as it is (a fixed point).

    True on a counterexample: still out of bounds after one call, and still changing
    after six.
    """
    design = shop(*shape)
    runs = passes(design)
    return (granularity(design.services[0]) > 20 and bool(out_of_bounds(runs[0]))
            and runs[-1] != runs[-2])


def _short_name(name: str) -> str:
    """``shop_sales_sales_sales`` as ``shop_sales×3``: the names the sketch grows."""
    head, _, tail = name.partition("_")
    parts = tail.split("_") if tail else []
    if len(parts) > 1 and len(set(parts)) == 1:
        return f"{head}_{parts[0]}×{len(parts)}"
    return name


def _describe_split(shape: tuple[list[int], int, int]) -> Counterexample:
    design = shop(*shape)
    runs = passes(design)
    return Counterexample(
        f"OptimizeGranularity called {len(runs)} times on {_describe(design)}, "
        f"functions per domain {dict(zip(DOMAINS, shape[0], strict=False))}",
        "within [3, 20] after one call (" + ", ".join(
            f"{d} has {n} elements" for d, n in domain_sizes(design).items()
        ) + "), then a fixed point",
        _describe_runs(runs),
    )


def _describe_runs(runs: list[Design]) -> str:
    sizes = {tuple(granularity(s) for s in run.services) for run in runs}
    names = [", ".join(_short_name(s.name) for s in run.services) for run in runs]
    if len(sizes) == 1:
        (g,) = sizes
        return f"G = {', '.join(map(str, g))} after every call; named {'; '.join(names)}"
    return "; ".join(
        ", ".join(f"{_short_name(s.name)} (G={granularity(s)})" for s in run.services)
        for run in runs
    )


def drops(shape: tuple[list[int], int, int]) -> bool:
    """Property: OptimizeGranularity keeps every function, interface and data model of the
    shop it is given.

    True on a counterexample: some element is held by no service afterwards.
    """
    design = shop(*shape)
    return _sketch_optimized(design).elements != design.elements


def _describe_drops(shape: tuple[list[int], int, int]) -> Counterexample:
    design, after = shop(*shape), _sketch_optimized(shop(*shape))
    lost = sorted(e.name for e in design.elements - after.elements)
    return Counterexample(
        f"OptimizeGranularity on {_describe(design)} holding "
        f"{len(design.services[0].interfaces)} interfaces and "
        f"{len(design.services[0].data_models)} data models",
        "every function, interface and data model still held by some service",
        f"{_describe(after)}; lost: {', '.join(lost)}",
    )


def _added(calls: list[tuple[int, int]]) -> SketchServiceDesign:
    sketch = SketchServiceDesign()
    ids = [sketch.create_service(name, "sales").id for name in ("orders", "billing")]
    for service, function in calls:
        sketch.add_function(ids[service], Function(f"f{function}", "sales"))
    return sketch


def claimed_twice(calls: list[tuple[int, int]]) -> bool:
    """Property: whatever AddFunction calls succeed, the design they build satisfies
    Theorem 2.1.1 (no function held by two services).

    True on a counterexample: the calls are accepted and a function has two owners.
    """
    return not check_separation(_added(calls).design()).holds


def _describe_separation(calls: list[tuple[int, int]]) -> Counterexample:
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
        concerns="Go sketch splitService and OptimizeGranularity (section 2.3; Principle 2.3.1)",
        wrong="It splits by domain only, so a one-domain service above 20 is replaced by a "
        "copy of itself under a longer name: it stays above 20, and OptimizeGranularity "
        "has no fixed point on it.",
        search=SHOPS,
        breaks=copies_itself,
        describe=_describe_split,
        verify_corrected=lambda: holds_for_all(
            LARGE_DESIGNS, lambda d: _optimized_out_of_bounds(d) or _not_idempotent(d)
        ),
        corrected_by="msatheory.design.optimizer.optimize",
    ),
    Erratum(
        key="2.split-drops",
        concerns="Go sketch splitService (section 2.3; Def 2.3.1)",
        wrong="The new services receive only the functions: the split service's interfaces "
        "and data models are deleted with it.",
        search=SHOPS,
        breaks=drops,
        describe=_describe_drops,
        verify_corrected=lambda: holds_for_all(LARGE_DESIGNS, _loses),
        corrected_by="msatheory.design.optimizer.optimize",
    ),
    Erratum(
        key="2.separation",
        concerns="Go sketch AddFunction (section 2.3; Theorem 2.1.1)",
        wrong="It adds a function to a service whatever other service already holds it, so "
        "the designs it builds need not satisfy Theorem 2.1.1.",
        search=ADDITIONS,
        breaks=claimed_twice,
        describe=_describe_separation,
        verify_corrected=lambda: holds_for_all(designs(), _separation_fails_corrected),
        corrected_by="msatheory.design.Boundary.from_owners",
    ),
)

STUBS: tuple[Stub, ...] = (
    Stub(
        key="2.merge",
        concerns="Go sketch mergeService (section 2.3; Principle 2.3.1)",
        declared="// 实现服务合并逻辑 // 简化实现",
        stands_for="Merging a service below 3 into others of its own domain until every "
        "service of that domain is within bounds, where the domain's size allows it.",
        modelled_by="msatheory.design.optimizer.optimize",
    ),
)
