"""Chapter 2's exercises (lessons 2a and 2b): boundaries, single responsibility and granularity.

Each exercise is checked with chapter 2's own checkers: :func:`check_separation`
(Theorem 2.1.1), :func:`check_single_responsibility` (Principle 2.1.1),
:func:`check_granularity`, :func:`feasible` and :func:`infeasible_sizes` (Def 2.3.1,
Principle 2.3.1) and :func:`cut_quality` (the coupling a cut leaves between services).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sympy as sp
from hypothesis import strategies as st

from msatheory.design.boundary import (
    Boundary,
    DataModel,
    Design,
    Element,
    Function,
    Interface,
    ServiceSpec,
    check_separation,
    check_single_responsibility,
)
from msatheory.design.examples import shop_monolith
from msatheory.design.quality import cut_quality
from msatheory.design.sizing import (
    Bounds,
    check_granularity,
    granularity,
    infeasible_sizes,
)
from msatheory.design.strategies import bounds as bounds_strategy
from msatheory.design.strategies import designs
from msatheory.exercises.exercise import (
    Exercise,
    Failure,
    a_function,
    answer_call,
    first_counterexample,
    observe,
    one_of,
    steps,
    takes,
    violated,
)
from msatheory.theory.render import counted

__all__ = ["CUT_BOUNDS", "CUT_COUPLING", "EXERCISES", "RETAILER_FUNCTIONS"]

LESSON_2A = "notebooks/02a_design_principles.ipynb"
LESSON_2B = "notebooks/02b_decomposing_a_monolith.ipynb"


# -- helpers shared by the exercises -------------------------------------------------------

def _names(elements: Iterable[Element]) -> str:
    return ", ".join(sorted(e.name for e in elements)) or "none"


# -- 2.untangle-orders: Principle 2.1.1 and Theorem 2.1.1 on the retailer's orders ---------

#: The retailer's six functions of lesson 2a's incident: two domains too many for orders.
RETAILER_FUNCTIONS: tuple[Function, ...] = (
    Function("place order", "ordering"), Function("cancel order", "ordering"),
    Function("issue invoice", "invoicing"), Function("apply VAT rule", "invoicing"),
    Function("reserve stock", "inventory"), Function("release stock", "inventory"),
)


def _untangle_shape(answer: Design) -> Failure | None:
    held = {f for spec in answer.services for f in spec.functions}
    missing, foreign = set(RETAILER_FUNCTIONS) - held, held - set(RETAILER_FUNCTIONS)
    if missing:
        return Failure(f"keep every function of the retailer; no service holds "
                       f"{_names(missing)}")
    if foreign:
        return Failure(f"hold the retailer's six functions and nothing else; not among them: "
                       f"{_names(foreign)}")
    return None


def _untangle_behaviour(answer: Design) -> Failure | None:
    return violated(check_separation(answer), check_single_responsibility(answer))


# -- 2.add-function: an AddFunction that keeps Theorem 2.1.1 ------------------------------

#: A function no generated boundary holds: adding it is adding, not moving.
NEW = Function("new", "sales")


@st.composite
def _additions(draw: st.DrawFn) -> tuple[Boundary, str, Function]:
    """A boundary that keeps Theorem 2.1.1, one of its services, and a function to add
    there: one another service may hold already, or a new one."""
    boundary = draw(designs(max_services=3, max_functions=6, shared=False)).boundary
    held = sorted({f for functions in boundary.values() for f in functions})
    service = draw(st.sampled_from(sorted(boundary)))
    return boundary, service, draw(st.sampled_from([*held, NEW]))


def _call_text(case: tuple[Boundary, str, Function]) -> str:
    boundary, service, function = case
    return f"add_function({boundary!r}, {service!r}, {function.name})"


def _added_wrong(case: tuple[Boundary, str, Function], result: object) -> str | None:
    """What is wrong with ``result`` as the boundary after the call, or None."""
    boundary, service, function = case
    if not isinstance(result, Boundary):
        return f"it returned {type(result).__name__}, not a Boundary"
    if set(result) != set(boundary):
        lost, new = set(boundary) - set(result), set(result) - set(boundary)
        return (f"the services changed: lost {', '.join(sorted(lost)) or 'none'}, "
                f"new {', '.join(sorted(new)) or 'none'}")
    verdict = check_separation(result)
    if not verdict.holds:
        return f"Theorem 2.1.1 does not hold: {verdict.witnesses[0].detail}"
    if function not in result[service]:
        return f"{function.name} is not in B({service})"
    before = {f: s for f, (s,) in boundary.owners().items() if f != function}
    after = {f: s for f, (s,) in result.owners().items() if f != function}
    if before != after:
        changed = sorted(f.name for f in set(before) | set(after) if before.get(f) != after.get(f))
        return f"other functions moved or went missing: {', '.join(changed)}"
    return None


def _add_behaviour(answer: Callable[[Boundary, str, Function], Boundary]) -> Failure | None:
    def breaks(case: tuple[Boundary, str, Function]) -> bool:
        return _added_wrong(case, answer_call(answer, *case)) is not None

    case = first_counterexample(_additions(), breaks)
    if case is None:
        return None
    try:
        wrong = _added_wrong(case, answer_call(answer, *case))
    except Exception:
        wrong = None
    return Failure(
        f"on the smallest call it breaks, {wrong}" if wrong else
        "on the smallest call it breaks, your function did not return",
        _call_text(case),
        f"{case[2].name} in B({case[1]}) alone, every other function where it was, "
        "every service kept",
        observe(lambda: answer_call(answer, *case)),
    )


# -- 2.no-gaps: the narrowest bounds with no gaps ------------------------------------------

#: The symbol of the answer: the merge threshold g_min of Principle 2.3.1.
G_MIN = sp.Symbol("g_min", positive=True)


def _gapless(low: int, high: int) -> bool:
    """Whether every domain of ``low`` or more elements can be cut within [low, high]."""
    if high < low:
        return False
    if high == low:
        return low == 1
    return all(size < low for size in infeasible_sizes(Bounds(low, high)))


def narrowest(low: int) -> int:
    """The smallest g_max with no gap above ``low``, by trying each in turn."""
    high = low
    while not _gapless(low, high):
        high += 1
    return high


def _gaps_text(low: int, high: int) -> str:
    if high < low:
        return f"g_max = {high}, below g_min"
    if high == low:
        return f"g_max = {high}: only multiples of {low} can be cut"
    gaps = [size for size in infeasible_sizes(Bounds(low, high)) if size >= low]
    return (f"g_max = {high}, infeasible_sizes gives " +
            (", ".join(map(str, gaps)) if gaps else "no size") + f" of {low} or more")


def _no_gaps_shape(answer: sp.Expr) -> Failure | None:
    names = {symbol.name for symbol in answer.free_symbols}
    if names != {"g_min"}:
        return Failure(f"expected an expression in g_min alone, found the symbols "
                       f"{', '.join(sorted(names)) or 'none'}")
    return None


def _no_gaps_behaviour(answer: sp.Expr) -> Failure | None:
    (symbol,) = answer.free_symbols

    def value(low: int) -> sp.Expr:
        return sp.nsimplify(answer.subs(symbol, low))

    def breaks(low: int) -> bool:
        got = value(low)
        return not got.is_Integer or int(got) != narrowest(low)

    low = first_counterexample(st.integers(min_value=2, max_value=40), breaks)
    if low is None:
        return None
    got = value(low)
    if not got.is_Integer:
        return Failure("your expression does not give a whole number of elements",
                       f"g_min = {low}", "a whole number", f"g_max = {got}")
    high = int(got)
    wide = _gapless(low, high)
    return Failure(
        "it has no gaps, but a narrower g_max has none either" if wide else
        "with it, some domain of g_min or more elements cannot be cut within bounds",
        f"g_min = {low}",
        f"the narrowest g_max for which infeasible_sizes gives no size of {low} or more",
        _gaps_text(low, high) if not wide else
        f"g_max = {high}; {_gaps_text(low, high - 1).replace('g_max', 'yet with g_max', 1)}",
    )


# -- 2.split-service: split a service within bounds, keeping every element ----------------

SPLIT_DOMAINS = ("billing", "sales", "stock")
#: A kind of element: the class of a function, an interface or a data model.
ElementKind = type[Function] | type[Interface] | type[DataModel]
KINDS: tuple[ElementKind, ...] = (Function, Interface, DataModel)
PREFIX: dict[ElementKind, str] = {Function: "f", Interface: "i", DataModel: "d"}


@st.composite
def _splits(draw: st.DrawFn) -> tuple[ServiceSpec, Bounds]:
    """Bounds, and a service ``shop`` of one to three domains, each of a size some cut
    brings within bounds (k services hold k g_min to k g_max elements, k from 1 to 3)."""
    bounds = draw(bounds_strategy)
    counts: dict[ElementKind, int] = dict.fromkeys(KINDS, 0)
    elements: list[Element] = []
    domains = draw(st.lists(st.sampled_from(SPLIT_DOMAINS), min_size=1, max_size=3,
                            unique=True))
    for domain in sorted(domains):
        parts = draw(st.integers(min_value=1, max_value=3))
        spread = parts * (bounds.split_above - bounds.merge_below)
        size = parts * bounds.merge_below + draw(st.integers(min_value=0, max_value=spread))
        for kind in draw(st.lists(st.sampled_from(KINDS), min_size=size, max_size=size)):
            elements.append(kind(f"{PREFIX[kind]}{counts[kind]}", domain))
            counts[kind] += 1
    return ServiceSpec.of("shop", elements), bounds


def _split_text(case: tuple[ServiceSpec, Bounds]) -> str:
    service, bounds = case
    return f"bounds [{bounds.merge_below}, {bounds.split_above}], {service}"


def _services_text(result: object) -> str:
    if not isinstance(result, list | tuple) or not all(isinstance(s, ServiceSpec)
                                                       for s in result):
        return repr(result)
    return "; ".join(f"{s.name} (G={granularity(s)}: {_names(s.elements)})"
                     for s in result) or "no service"


def _split_wrong(case: tuple[ServiceSpec, Bounds], result: object) -> str | None:
    """What is wrong with ``result`` as a split of the case's service, or None."""
    service, bounds = case
    if not isinstance(result, list | tuple) or not all(isinstance(s, ServiceSpec)
                                                       for s in result):
        return "it did not return a list of ServiceSpec"
    held = [e for spec in result for e in spec.elements]
    lost = set(service.elements) - set(held)
    if lost:
        return f"it loses {_names(lost)}"
    foreign = set(held) - set(service.elements)
    if foreign:
        return f"it holds {_names(foreign)}, which the service did not have"
    twice = {e for e in held if held.count(e) > 1}
    if twice:
        return f"it puts {_names(twice)} in two services"
    names = [spec.name for spec in result]
    if len(set(names)) < len(names):
        return "two of its services have the same name"
    for spec in result:
        if len(spec.domains) > 1:
            return f"{spec.name} spans {', '.join(sorted(spec.domains))}"
        if not bounds.within(granularity(spec)):
            side = "above" if granularity(spec) > bounds.split_above else "below"
            return f"{spec.name} has G = {granularity(spec)}, {side} the bounds"
    return None


def _split_behaviour(answer: Callable[[ServiceSpec, Bounds], list[ServiceSpec]]
                     ) -> Failure | None:
    def breaks(case: tuple[ServiceSpec, Bounds]) -> bool:
        return _split_wrong(case, answer_call(answer, *case)) is not None

    case = first_counterexample(_splits(), breaks)
    if case is None:
        return None
    try:
        wrong = _split_wrong(case, answer_call(answer, *case))
    except Exception:
        wrong = None
    return Failure(
        f"on the smallest service it breaks, {wrong}" if wrong else
        "on the smallest service it breaks, your function did not return",
        _split_text(case),
        "services that hold every element once, one domain each, all within bounds",
        observe(lambda: answer_call(answer, *case), _services_text),
    )


# -- 2.cut-the-shop: a cut within tighter bounds that keeps the coupling low ---------------

#: The bounds of the exercise: the shop's catalog (10) and ordering (14) are too coarse.
CUT_BOUNDS = Bounds(3, 9)
#: The most coupling (cut_quality's crossing weight) a good cut leaves: the domain cut
#: leaves 47, optimize's balanced cut within CUT_BOUNDS 65, the best cut 54.
CUT_COUPLING = 56


def _cut_shape(answer: Design) -> Failure | None:
    shop = shop_monolith()
    wanted: set[Element] = {*shop.functions, *shop.interfaces, *shop.entities}
    missing, foreign = wanted - answer.elements, answer.elements - wanted
    if missing:
        return Failure(f"keep every function, interface and entity of the shop; no service "
                       f"holds {counted(len(missing), 'element')}, the first: "
                       f"{min(e.name for e in missing)}")
    if foreign:
        return Failure(f"hold the shop's elements and nothing else; not the shop's: "
                       f"{_names(foreign)}")
    return None


def _cut_principles(answer: Design) -> Failure | None:
    failure = violated(check_separation(answer), check_single_responsibility(answer),
                       check_granularity(answer, CUT_BOUNDS))
    if failure is not None:
        return failure
    claims: dict[Element, list[str]] = {}
    for spec in answer.services:
        owned: tuple[Element, ...] = (*spec.interfaces, *spec.data_models)
        for element in owned:
            claims.setdefault(element, []).append(spec.name)
    twice = sorted((e.name, names) for e, names in claims.items() if len(names) > 1)
    if twice:
        name, names = twice[0]
        return Failure(f"a cut gives each entity and interface one owner; {name} is in "
                       f"{', '.join(names)}")
    shop = shop_monolith()
    home = {e: spec.name for spec in answer.services for e in spec.elements}
    for interface in shop.interfaces:
        function = shop.function(shop.exposes[interface.name])
        if home[interface] != home[function]:
            return Failure(f"an interface goes where the function it exposes goes; "
                           f"{interface.name} is in {home[interface]}, {function.name} in "
                           f"{home[function]}")
    return None


def _cut_coupling(answer: Design) -> Failure | None:
    quality = cut_quality(shop_monolith(), answer)
    if quality.coupling <= CUT_COUPLING:
        return None
    return Failure(
        "the principles hold, but your cut leaves too much coupling between services",
        f"the shop within [{CUT_BOUNDS.merge_below}, {CUT_BOUNDS.split_above}], weights "
        "write 3, read 1, call 2",
        f"coupling at most {CUT_COUPLING} (the domain cut leaves 47)",
        f"coupling {quality.coupling:g} over {counted(quality.services, 'service')}, "
        f"{counted(quality.cross_calls, 'crossing call')}",
    )


EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        id="2.untangle-orders",
        statement="Principle 2.1.1",
        title="Untangle the retailer's orders",
        task="Redesign the retailer's orders and billing services so that Theorem 2.1.1 "
        "and Principle 2.1.1 hold, keeping the six functions and adding none.",
        answer="a Design whose services hold the six functions of RETAILER_FUNCTIONS",
        kind="design",
        difficulty=1,
        steps=steps(("type", lambda x: one_of(x, Design, "a Design")),
                    ("shape", _untangle_shape), ("behaviour", _untangle_behaviour)),
        hint="write the owner map first (which one service should hold each function?), "
        "then read the services off its fibres, as Boundary.from_owners does.",
        lesson=LESSON_2A,
    ),
    Exercise(
        id="2.add-function",
        statement="Theorem 2.1.1",
        title="An AddFunction that keeps separation",
        task="Write add_function(boundary, service, function), the boundary after "
        "function is given to service, so that Theorem 2.1.1 still holds, every other "
        "function keeps its service and no service is lost.",
        answer="a function (Boundary, str, Function) -> Boundary",
        kind="code",
        difficulty=2,
        steps=steps(("type", a_function("a function add_function(boundary, service, "
                                        "function)")),
                    ("shape", takes("boundary", "service", "function")),
                    ("behaviour", _add_behaviour)),
        hint="see the boundary as the fibres of an owner map (Boundary.owners reads the "
        "map off, Boundary.from_owners builds the fibres back): what does giving a function "
        "to a service change in the map? A service left owning nothing is still a service.",
        lesson=LESSON_2A,
    ),
    Exercise(
        id="2.no-gaps",
        statement="Principle 2.3.1",
        title="The narrowest bounds with no gaps",
        task="Derive, as a sympy expression in g_min, the smallest g_max for which every "
        "domain of g_min or more elements can be cut into services within [g_min, g_max].",
        answer="a sympy expression in the symbol g_min",
        kind="derivation",
        difficulty=2,
        steps=steps(("type", lambda x: one_of(x, sp.Expr, "a sympy expression")),
                    ("shape", _no_gaps_shape), ("behaviour", _no_gaps_behaviour)),
        hint="a gap follows k services when (k + 1) g_min - k g_max > 1, not when it is "
        "> 0: sizes are whole numbers, so intervals that touch leave no gap. The gaps are "
        "at the smallest k, so the one after k = 1 is the last to close.",
        lesson=LESSON_2A,
    ),
    Exercise(
        id="2.split-service",
        statement="Principle 2.3.1",
        title="Split a service without losing anything",
        task="Write split(service, bounds), the services a service is cut into: each "
        "element of it in exactly one of them, each of one domain and within bounds, "
        "wherever each domain's size allows it.",
        answer="a function (ServiceSpec, Bounds) -> list of ServiceSpec",
        kind="model",
        difficulty=2,
        steps=steps(("type", a_function("a function split(service, bounds)")),
                    ("shape", takes("service", "bounds")),
                    ("behaviour", _split_behaviour)),
        hint="a service holds functions, interfaces and data models (service.elements). "
        "Group them by domain; a domain of W elements needs the fewest k with "
        "k g_min <= W <= k g_max (service_counts), dealt so sizes differ by at most one.",
        lesson=LESSON_2B,
    ),
    Exercise(
        id="2.cut-the-shop",
        statement="Principle 2.3.1",
        title="Cut the shop yourself",
        task=f"Cut the shop (shop_monolith) into services that keep Theorem 2.1.1, "
        f"Principle 2.1.1 and Principle 2.3.1 within [{CUT_BOUNDS.merge_below}, "
        f"{CUT_BOUNDS.split_above}], each interface with its function, leaving a coupling "
        f"of at most {CUT_COUPLING}.",
        answer="a Design holding every function, interface and entity of shop_monolith() once",
        kind="design",
        difficulty=3,
        steps=steps(("type", lambda x: one_of(x, Design, "a Design")),
                    ("shape", _cut_shape), ("principles", _cut_principles),
                    ("coupling", _cut_coupling)),
        hint="start from domain_cut(shop): only the domains above the bounds need a cut. "
        "Cut each where few accesses and calls cross (coupling_graph shows them): which "
        "functions of ordering never touch an Order?",
        lesson=LESSON_2B,
    ),
)

