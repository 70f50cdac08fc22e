"""Chapter 1's exercises (lessons 1a and 1b): fault isolation and availability."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import sympy as sp
from hypothesis import strategies as st

from msatheory.basics.availability import (
    Reliability,
    availability_bound,
    dependency_budget_share,
    replicated,
    serial,
)
from msatheory.basics.examples import friday_shop
from msatheory.basics.features import (
    blast_radius,
    check_fault_isolation,
    check_independence,
)
from msatheory.basics.model import Architecture
from msatheory.basics.sketch import Platform
from msatheory.basics.strategies import architectures
from msatheory.exercises.exercise import (
    Exercise,
    Failure,
    a_function,
    answer_call,
    first_counterexample,
    observe,
    one_of,
    shown,
    steps,
    takes,
    violated,
)
from msatheory.theory.render import counted

__all__ = ["EXERCISES"]

LESSON_1A = "notebooks/01a_microservice_systems.ipynb"
LESSON_1B = "notebooks/01b_availability.ipynb"

a, A = sp.symbols("a A", positive=True)

# -- 1.replicas: how many replicas for a target --------------------------------------------

#: Instance availabilities and targets the search draws, as exact fractions.
TARGETS = st.tuples(st.integers(min_value=500, max_value=999),
                    st.integers(min_value=90_000, max_value=99_999)).map(
    lambda pair: (sp.Rational(pair[0], 1000), sp.Rational(pair[1], 100_000)))


def fewest_replicas(instance: sp.Rational, target: sp.Rational) -> int:
    """The smallest n with 1 - (1 - instance)^n >= target, by counting."""
    n = 1
    while 1 - (1 - instance) ** n < target:
        n += 1
    return n


def _replicas_shape(answer: sp.Expr) -> Failure | None:
    names = {symbol.name for symbol in answer.free_symbols}
    if names != {"a", "A"}:
        return Failure(f"expected an expression in a and A, found the symbols "
                       f"{', '.join(sorted(names)) or 'none'}")
    return None


def _replicas_behaviour(answer: sp.Expr) -> Failure | None:
    symbols = {symbol.name: symbol for symbol in answer.free_symbols}

    def replicas(pair: tuple[sp.Rational, sp.Rational]) -> int:
        value = answer.subs({symbols["a"]: pair[0], symbols["A"]: pair[1]})
        return math.ceil(float(value) - 1e-9)

    pair = first_counterexample(TARGETS, lambda p: replicas(p) != fewest_replicas(*p))
    if pair is None:
        return None
    instance, target = pair
    return Failure(
        "rounded up, your expression gives the wrong number of replicas",
        f"a = {instance}, A = {target}",
        counted(fewest_replicas(instance, target), "replica"),
        counted(replicas(pair), "replica"),
    )


# -- 1.friday-shop: a design that keeps Feature 1.2.3 and Axiom 1.1.1 -----------------------

def _friday_shape(answer: Architecture) -> Failure | None:
    missing = set(friday_shop().services) - set(answer.services)
    if missing:
        return Failure(f"keep every service of the Friday shop; missing: "
                       f"{', '.join(sorted(missing))}")
    kept = {(c, callee) for c, callee in friday_shop().hard_graph.edges
            if (c, callee) in {("orders", "cart"), ("orders", "payments")}}
    if not kept <= set(answer.hard_graph.edges):
        return Failure("orders cannot place an order without a cart and a payment: keep its "
                       "calls to cart and payments hard")
    return None


def _friday_behaviour(answer: Architecture) -> Failure | None:
    return violated(check_independence(answer), check_fault_isolation(answer))


# -- describing answers and inputs the same way on every run -----------------------------

def _names(names: object) -> str:
    """A set of service names, sorted (a set's repr changes from run to run)."""
    if isinstance(names, set | frozenset) and all(isinstance(n, str) for n in names):
        return "{" + ", ".join(sorted(names)) + "}" if names else "the empty set"
    if isinstance(names, list | tuple | str | int | float | type(None)):
        return f"{type(names).__name__} {shown(names)}, not a set of names"
    return f"a {type(names).__name__}, not a set of names"


def _call_kind(call: object) -> str:
    kind, hard, timeout = (getattr(call, name) for name in ("kind", "hard", "timeout"))
    if kind != "sync":
        return str(kind)
    if hard:
        return "hard" if timeout is None else "hard: a timeout but no fallback"
    return "soft"


def _describe(arch: Architecture, replicas: bool = False) -> str:
    """An architecture's services and calls, in words; with ``replicas``, their counts."""
    services = [f"{name} ({arch.services[name].replicas}x)" if replicas else name
                for name in sorted(arch.services)]
    calls = [f"{name} → {call.to} ({_call_kind(call)})"
             for name in sorted(arch.services) for call in arch.services[name].calls]
    return f"services {', '.join(services)}; calls {', '.join(calls) or 'none'}"


def _pruned(arch: Architecture, keep: str, breaks: Callable[[Architecture], bool]) -> Architecture:
    """``arch`` without the services that neither call nor are called (``keep`` stays),
    when the answer still breaks on it: a counterexample without bystanders."""
    linked = {keep} | {name for name, service in arch.services.items() if service.calls}
    linked |= {call.to for service in arch.services.values() for call in service.calls}
    if linked == set(arch.services):
        return arch
    smaller = Architecture([arch.services[name] for name in sorted(linked)], name=arch.name)
    try:
        return smaller if breaks(smaller) else arch
    except Exception:  # the answer's error on the smaller input breaks it too
        return smaller


# -- 1.blast-radius: β(s) from its definition ----------------------------------------------

@st.composite
def _failing_services(draw: st.DrawFn) -> tuple[Architecture, str]:
    """A generated architecture and one of its services, which fails."""
    arch = draw(architectures(max_services=6))
    return arch, draw(st.sampled_from(sorted(arch.services)))


def _radius_behaviour(answer: Callable[..., object]) -> Failure | None:
    def wrong(case: tuple[Architecture, str]) -> bool:
        got = answer_call(answer, *case)
        return not isinstance(got, set | frozenset) or set(got) != blast_radius(*case)

    case = first_counterexample(_failing_services(), wrong)
    if case is None:
        return None
    arch, service = case
    arch = _pruned(arch, service, lambda smaller: wrong((smaller, service)))
    return Failure(f"your blast radius of {service} is not the services that reach it by "
                   "hard calls",
                   f"{_describe(arch)}; {service} fails",
                   _names(blast_radius(arch, service)),
                   observe(lambda: answer_call(answer, arch, service), _names))


# -- 1.scale: reconcile to n running instances ---------------------------------------------

#: The service the learner's ``scale`` scales; ``cart`` runs beside it and must be left alone.
SCALED, BESIDE = "orders", "cart"

#: Sequences of operations on the platform: ``("scale", n)`` calls the answer,
#: ``("crash", k)`` crashes the k-th running instance of ``orders`` (if there is one).
OPERATIONS = st.lists(st.one_of(st.tuples(st.just("scale"), st.integers(0, 4)),
                                st.tuples(st.just("crash"), st.integers(0, 3))),
                      min_size=1, max_size=8)


def _running(platform: Platform, service: str) -> list[str]:
    return [instance.id for instance in platform.running(service)]


def _ids(ids: list[str] | set[str]) -> str:
    ordered = sorted(ids, key=lambda i: int(i.rpartition("-")[2]))
    return ", ".join(ordered) if ordered else "none"


def _replay(answer: Callable[..., object], operations: list[tuple[str, int]],
            done: list[str]) -> tuple[str, str, str] | None:
    """Run ``operations`` on a platform that runs one ``cart``, recording each in ``done``;
    the first promise the answer breaks, as (message, expected, observed), or None."""
    platform = Platform()
    platform.start(BESIDE)
    for operation, value in operations:
        if operation == "crash":
            running = _running(platform, SCALED)
            if value < len(running):
                platform.crash(running[value])
                done.append(f"crash {running[value]}")
            continue
        before = _running(platform, SCALED)
        beside = [(i.id, i.crashed) for i in platform.instances.values()
                  if i.service != SCALED]
        done.append(f"scale(platform, {SCALED!r}, {value})")
        answer_call(answer, platform, SCALED, value)
        after = _running(platform, SCALED)
        if len(after) != value:
            return (f"after scaling to {value}, the wrong number of instances run",
                    counted(value, "running instance"),
                    f"{counted(len(after), 'running instance')}: {_ids(after)}")
        stopped, started = set(before) - set(after), set(after) - set(before)
        if stopped and started:
            return ("your scale stopped running instances and started new ones, where a "
                    "reconciliation changes only the difference",
                    (f"{_ids(before)} kept running" if value >= len(before) else
                     f"{value} of {_ids(before)} kept running, none started"),
                    f"stopped {_ids(stopped)}, started {_ids(started)}")
        if [(i.id, i.crashed) for i in platform.instances.values()
                if i.service != SCALED] != beside:
            return (f"your scale changed the instances of {BESIDE}, which it does not scale",
                    f"{BESIDE}-1 left alone", f"{BESIDE}-1 stopped or crashed")
    return None


def _scale_behaviour(answer: Callable[..., object]) -> Failure | None:
    operations = first_counterexample(OPERATIONS,
                                      lambda ops: _replay(answer, ops, []) is not None)
    if operations is None:
        return None
    done: list[str] = []
    box: list[tuple[str, str, str] | None] = []
    raised = observe(lambda: box.append(_replay(answer, operations, done)))
    run = f"a platform running {BESIDE}-1, then " + "; ".join(done)
    if not box or box[0] is None:
        return Failure(f"your scale {raised}", run)
    message, expected, observed = box[0]
    return Failure(message, run, expected, observed)


# -- 1.extra-nine: the share of the error budget the dependencies use ----------------------

#: (nines of the service, number of critical dependencies), exact.
BUDGETS = st.tuples(st.integers(min_value=1, max_value=4), st.integers(min_value=0,
                                                                        max_value=12))


def _share_shape(answer: sp.Expr) -> Failure | None:
    names = {symbol.name for symbol in answer.free_symbols}
    if not names <= {"k", "d"}:
        return Failure(f"expected an expression in k and d, found the symbols "
                       f"{', '.join(sorted(names))}")
    return None


def _number(value: sp.Expr) -> str:
    exact = str(value)
    about = f"about {float(value):.6g}"
    return f"{exact} ({about})" if len(exact) <= 24 and value.is_Rational else about


def _share_behaviour(answer: sp.Expr) -> Failure | None:
    symbols = {symbol.name: symbol for symbol in answer.free_symbols}

    def value(case: tuple[int, int]) -> sp.Expr:
        given = dict(zip(("k", "d"), case, strict=True))
        return answer.subs({s: given[n] for n, s in symbols.items()})

    def wrong(case: tuple[int, int]) -> bool:
        exact = dependency_budget_share(*case)
        gap = sp.N(value(case) - exact, 40)
        return not gap.is_real or abs(float(gap)) > 1e-9 * max(1.0, abs(float(exact)))

    case = first_counterexample(BUDGETS, wrong)
    if case is None:
        return None
    nines, dependencies = case
    return Failure("your share differs from the exact one",
                   f"k = {nines}, d = {dependencies}",
                   _number(dependency_budget_share(*case)),
                   observe(lambda: value(case), lambda v: _number(sp.sympify(v))))


# -- 1.zones: two replicas in two zones ---------------------------------------------------

#: (instance availability, zone availability), exact, from 1/2 to 999/1000.
PLACEMENTS = st.tuples(st.integers(500, 999), st.integers(500, 999)).map(
    lambda pair: (sp.Rational(pair[0], 1000), sp.Rational(pair[1], 1000)))


def two_zones(instance: sp.Expr, zone: sp.Expr) -> sp.Expr:
    """Two replicas, each in its own zone: a replica serves while it and its zone are up
    (in series), and the service while either replica serves (replicated)."""
    return replicated(serial([instance, zone]), 2)


def _zones_shape(answer: sp.Expr) -> Failure | None:
    names = {symbol.name for symbol in answer.free_symbols}
    if not names <= {"a", "z"}:
        return Failure(f"expected an expression in a and z, found the symbols "
                       f"{', '.join(sorted(names))}")
    return None


def _zones_behaviour(answer: sp.Expr) -> Failure | None:
    symbols = {symbol.name: symbol for symbol in answer.free_symbols}

    def value(pair: tuple[sp.Expr, sp.Expr]) -> sp.Expr:
        given = dict(zip(("a", "z"), pair, strict=True))
        return answer.subs({s: given[n] for n, s in symbols.items()})

    def wrong(pair: tuple[sp.Expr, sp.Expr]) -> bool:
        gap = sp.N(value(pair) - two_zones(*pair), 40)
        return not gap.is_real or abs(float(gap)) > 1e-12

    pair = first_counterexample(PLACEMENTS, wrong)
    if pair is None:
        return None
    return Failure("your availability of the two-zone placement differs from the exact one",
                   f"a = {pair[0]}, z = {pair[1]}", _number(two_zones(*pair)),
                   observe(lambda: value(pair), lambda v: _number(sp.sympify(v))))


# -- 1.best-repair: which halved MTTR raises a request's bound most ------------------------

@st.composite
def _repairs(draw: st.DrawFn) -> tuple[Architecture, str, dict[str, Reliability]]:
    """An architecture with a replica or more per service, a request's service, and a
    reliability (MTTF 10 to 1000, MTTR 1 to 50, whole hours) for every service."""
    drawn = draw(architectures(max_services=5))
    arch = Architecture([replace(s, replicas=max(1, s.replicas))
                         for s in drawn.services.values()], drawn.datastores.values(),
                        drawn.name)
    service = draw(st.sampled_from(sorted(arch.services)))
    reliability = {name: Reliability(draw(st.integers(10, 1000)), draw(st.integers(1, 50)))
                   for name in sorted(arch.services)}
    return arch, service, reliability


def _gains(arch: Architecture, service: str,
           reliability: dict[str, Reliability]) -> tuple[float, dict[str, float]]:
    """The bound of ``service``'s requests, and for every service how much halving its
    MTTR raises the bound."""
    base = availability_bound(arch, service, reliability)
    halved = {name: availability_bound(arch, service, {**reliability, name: Reliability(
        r.mttf, r.mttr / 2)}) - base for name, r in reliability.items()}
    return base, halved


def _repair_behaviour(answer: Callable[..., object]) -> Failure | None:
    def wrong(case: tuple[Architecture, str, dict[str, Reliability]]) -> bool:
        chosen = answer_call(answer, case[0], case[1], dict(case[2]))
        _, gains = _gains(*case)
        return chosen not in gains or gains[chosen] < max(gains.values()) - 1e-12

    case = first_counterexample(_repairs(), wrong, max_examples=100)
    if case is None:
        return None
    arch, service, reliability = case
    arch = _pruned(arch, service, lambda smaller: wrong(
        (smaller, service, {name: reliability[name] for name in smaller.services})))
    reliability = {name: reliability[name] for name in arch.services}
    base, gains = _gains(arch, service, reliability)
    best = min(sorted(gains), key=lambda name: -gains[name])

    def show(chosen: object) -> str:
        if not isinstance(chosen, str) or chosen not in gains:
            return f"{shown(chosen) or type(chosen).__name__}, not a service of the architecture"
        if gains[chosen] <= 0:
            return f"{chosen}: the bound stays at {base:.6f}"
        return f"{chosen}: the bound rises to {base + gains[chosen]:.6f}"

    rates = ", ".join(f"{name} MTTF {r.mttf} MTTR {r.mttr}"
                      for name, r in sorted(reliability.items()))
    return Failure(f"halving the MTTR you chose does not raise the bound of {service} most",
                   f"{_describe(arch, replicas=True)}; {rates}; requests enter at "
                   f"{service} (bound {base:.6f})",
                   f"{best}: the bound rises to {base + gains[best]:.6f}",
                   observe(lambda: answer_call(answer, arch, service, dict(reliability)),
                             show))


EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        id="1.friday-shop",
        statement="Feature 1.2.3",
        title="Make the Friday shop survive",
        task="Change the Friday shop (msatheory.basics.examples.friday_shop) so that "
        "Axiom 1.1.1 and Feature 1.2.3 hold, softening only calls whose caller can answer "
        "without the callee.",
        answer="an Architecture with the Friday shop's services",
        kind="design",
        difficulty=2,
        steps=steps(("type", lambda x: one_of(x, Architecture, "an Architecture")),
                    ("shape", _friday_shape), ("behaviour", _friday_behaviour)),
        hint="a timeout does not remove a cycle: a soft call is still a call. Read each "
        "witness; it names the calls to soften or the coupling to remove.",
        lesson=LESSON_1A,
    ),
    Exercise(
        id="1.blast-radius",
        statement="Feature 1.2.3",
        title="Compute a blast radius",
        task="Write blast_radius(arch, service), the set of the other services that reach "
        "service by hard calls, β(s) of Feature 1.2.3.",
        answer="a function blast_radius(arch, service) returning a set of service names",
        kind="code",
        difficulty=2,
        steps=steps(("type", a_function("a function blast_radius(arch, service)")),
                    ("shape", takes("arch", "service")),
                    ("behaviour", _radius_behaviour)),
        hint="a failure crosses a hard call only (Call.hard, or the edges of "
        "arch.hard_graph), and it keeps travelling up: the callers of a caller fail too. "
        "On a call cycle, is s in its own radius?",
        lesson=LESSON_1A,
    ),
    Exercise(
        id="1.scale",
        statement="Feature 1.2.4",
        title="Scale by reconciling",
        task="Write scale(platform, service, n) that leaves exactly n running instances of "
        "service on the Platform of msatheory.basics.sketch, starting only what is missing "
        "and stopping only what is surplus.",
        answer="a function scale(platform, service, n)",
        kind="model",
        difficulty=2,
        steps=steps(("type", a_function("a function scale(platform, service, n)")),
                    ("shape", takes("platform", "service", "n")),
                    ("behaviour", _scale_behaviour)),
        hint="count what runs now (platform.running(service)) before you act, and compare "
        "it with n: start the difference, or stop the surplus with platform.stop(id). A "
        "crashed instance does not run.",
        lesson=LESSON_1A,
    ),
    Exercise(
        id="1.replicas",
        statement="Feature 1.2.3",
        title="How many replicas for a target?",
        task="Derive, as a sympy expression in the instance availability a and the target "
        "A, the number of independent replicas whose ceiling is the smallest n with "
        "1 - (1 - a)^n >= A.",
        answer="a sympy expression in the symbols a and A",
        kind="derivation",
        difficulty=1,
        steps=steps(("type", lambda x: one_of(x, sp.Expr, "a sympy expression")),
                    ("shape", _replicas_shape), ("behaviour", _replicas_behaviour)),
        hint="take logarithms of (1 - a)^n <= 1 - A; dividing by log(1 - a), which is "
        "negative, turns the inequality around.",
        lesson=LESSON_1B,
    ),
    Exercise(
        id="1.extra-nine",
        statement="Feature 1.2.3",
        title="Spend the error budget on dependencies",
        task="A service targets k nines and each of its d critical dependencies offers k + 1; "
        "derive, as a sympy expression in k and d, the exact share of the service's error "
        "budget the dependencies use up together.",
        answer="a sympy expression in the symbols k and d",
        kind="derivation",
        difficulty=2,
        steps=steps(("type", lambda x: one_of(x, sp.Expr, "a sympy expression")),
                    ("shape", _share_shape), ("behaviour", _share_behaviour)),
        hint="the dependencies are all up with probability (1 - 10^-(k+1))^d; the budget is "
        "the unavailability 10^-k the target allows. d/10 is only the first-order term.",
        lesson=LESSON_1B,
    ),
    Exercise(
        id="1.best-repair",
        statement="Feature 1.2.3",
        title="Which repair pays most?",
        task="Write best_repair(arch, service, reliability), the service whose MTTR, halved, "
        "raises Treynor's bound (availability_bound) for requests to service the most.",
        answer="a function best_repair(arch, service, reliability) returning a service name",
        kind="code",
        difficulty=2,
        steps=steps(("type", a_function("a function best_repair(arch, service, reliability)")),
                    ("shape", takes("arch", "service", "reliability")),
                    ("behaviour", _repair_behaviour)),
        hint="a repair pays by what it adds to the bound, not by how weak the instance is: "
        "a service with replicas is down only while all its replicas are. Compare what "
        "each halving adds to the bound.",
        lesson=LESSON_1B,
    ),
    Exercise(
        id="1.zones",
        statement="Feature 1.2.3",
        title="Spread the replicas over two zones",
        task="Derive, as a sympy expression in the instance availability a and the zone "
        "availability z, the availability of a service with two replicas, each in its own "
        "zone, when instances and zones fail independently.",
        answer="a sympy expression in the symbols a and z",
        kind="derivation",
        difficulty=1,
        steps=steps(("type", lambda x: one_of(x, sp.Expr, "a sympy expression")),
                    ("shape", _zones_shape), ("behaviour", _zones_behaviour)),
        hint="a replica serves only while it and its zone are both up: that pair is in "
        "series. The service serves while either replica does.",
        lesson=LESSON_1B,
    ),
)
