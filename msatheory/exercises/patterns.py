"""Chapter 8's exercises (lesson 8): patterns in practice, operations and scaling.

Each exercise judges the answer with the chapter's own models: the quantile of an
aggregator's fan-out (Pattern 8.1.1, 聚合器模式) against
:func:`~msatheory.practice.composition.fan_out_latency`, numerically at searched points and
then in symbols; the longest chain that keeps an availability target (Pattern 8.1.3, 链式模式)
against the product :func:`~msatheory.practice.detection.check_chains` forms; a request
composed of calls, fan-outs, chains and proxies (Pattern 8.1.2, 代理模式, with 8.1.1 and
8.1.3) against :func:`composed`, built on
:func:`~msatheory.practice.composition.fan_out_latency` and
:func:`~msatheory.practice.composition.proxied`; an order flow
written as an architecture file, read as ``msatheory check`` reads it and judged by
:func:`~msatheory.practice.detection.check_aggregators`,
:func:`~msatheory.practice.detection.check_proxies`,
:func:`~msatheory.practice.detection.check_chains` and
:func:`~msatheory.practice.practices.check_event_driven` (Practice 8.2.2, 数据管理) under
stated budgets; whether an image reference names a version (Practice 8.2.3, 部署运维)
against :func:`~msatheory.practice.operations.check_containers`; and the load at which the
Universal Scalability Law peaks (Feature 1.2.4, 独立扩展) against
:func:`~msatheory.basics.scaling.usl_peak_derivation`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from pathlib import Path

import sympy as sp
from hypothesis import strategies as st

from msatheory.basics.availability import serial
from msatheory.basics.model import Architecture
from msatheory.basics.scaling import ALPHA, BETA, usl_peak_derivation
from msatheory.check.system import Deployed, System
from msatheory.errors import TheoryError, require_count, require_fraction, require_number
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
from msatheory.exercises.practice import read_answer
from msatheory.exercises.symbolic import differs, shown_value, symbols_of, value_at
from msatheory.practice.composition import Composed, fan_out_latency, proxied
from msatheory.practice.detection import (
    check_aggregators,
    check_chains,
    check_proxies,
    longest_chain,
)
from msatheory.practice.operations import check_containers
from msatheory.practice.practices import check_event_driven
from msatheory.theory.render import counted

__all__ = [
    "EXERCISES",
    "FLOW",
    "FLOW_AVAILABILITY",
    "FLOW_LATENCY_BUDGET",
    "FLOW_SLOW_SHARE",
    "FLOW_TARGET",
    "composed",
    "longest_chain",
    "pinned_by_model",
]

LESSON = "notebooks/08_patterns_and_practices.ipynb"

#: Points a symbolic step tries: each is a sympy substitution, the slowest part of a check.
POINTS = 100


def _show(value: object) -> str:
    """What an answer returned, never with a memory address."""
    return shown(value) or f"a {type(value).__name__}"


# -- what the derivations share ----------------------------------------------------------------

def _in_symbols(names: tuple[str, ...]) -> Callable[[sp.Expr], Failure | None]:
    """The shape step of a derivation: the answer uses no symbol but ``names``."""

    def check(answer: sp.Expr) -> Failure | None:
        found = set(symbols_of(answer))
        if found <= set(names):
            return None
        return Failure(f"expected an expression in {', '.join(names)}, found the symbols "
                       f"{', '.join(sorted(found))}")

    return check


def _exact(value: sp.Expr) -> Fraction | float:
    """A model's value as :func:`differs` compares it: exactly when it is rational."""
    return Fraction(int(value.p), int(value.q)) if value.is_Rational else float(value)


def _point(point: Mapping[str, object]) -> str:
    return ", ".join(f"{name} = {value}" for name, value in point.items())


def _at_points(points: st.SearchStrategy[dict[str, sp.Rational]],
               model: Callable[[dict[str, sp.Rational]], sp.Expr], message: str,
               call: str) -> Callable[[sp.Expr], Failure | None]:
    """The step that compares the answer with ``model`` at the points the search tries;
    ``call`` names the model's call in the feedback."""

    def check(answer: sp.Expr) -> Failure | None:
        point = first_counterexample(
            points, lambda p: differs(value_at(answer, p), _exact(model(p))),
            max_examples=POINTS)
        if point is None:
            return None
        return Failure(message, _point(point),
                       f"{shown_value(model(point))}, as {call} gives",
                       shown_value(value_at(answer, point)))

    return check


def _every_value(symbols: Mapping[str, sp.Symbol], wanted: Callable[[], sp.Expr],
                 form: str, domain: Mapping[sp.Symbol, sp.Expr]
                 ) -> Callable[[sp.Expr], Failure | None]:
    """The step that compares the answer with ``wanted()`` symbolically: the answer's
    symbols are taken as the model's (``symbols``, by name), its floats as fractions, and
    both are rewritten by ``domain``, which writes a symbol confined to an interval in
    positive ones (``q = (1 + v)^-n`` keeps ``q`` in (0, 1)), so that sympy may simplify
    logarithms and roots of what is then known to be positive."""

    def check(answer: sp.Expr) -> Failure | None:
        found = symbols_of(answer)
        given = sp.nsimplify(sp.sympify(answer).subs({found[n]: symbols[n] for n in found}),
                             rational=True)
        gap = sp.expand_log((given - wanted()).subs(domain), force=True)
        if sp.simplify(gap) == 0:
            return None
        return Failure("your expression agrees at every point tried, but not for every value",
                       f"{', '.join(symbols)} as symbols", form, shown(given, 80))

    return check


#: A positive symbol the domains of the symbolic steps are written in.
_V = sp.Symbol("v", positive=True)


# -- 8.fan-out-quantile: the tail of an aggregator's fan-out -------------------------------------

#: The fan-out's symbols: calls ``n``, the quantile ``q`` and a call's mean latency ``m``.
FAN_OUT = ("n", "q", "m")
_POSITIVE = {name: sp.Symbol(name, positive=True) for name in FAN_OUT}

#: Points the search tries: n from 1 to 64 calls; q the p99 first, then others in (0, 1);
#: m 10 ms first, then 1 ms to 1 s.
FAN_OUT_POINTS = st.fixed_dictionaries({
    "n": st.integers(1, 64).map(sp.Integer),
    "q": st.one_of(st.just(sp.Rational(99, 100)),
                   st.integers(1, 999).map(lambda k: sp.Rational(k, 1000))),
    "m": st.one_of(st.just(sp.Rational(1, 100)),
                   st.integers(1, 1000).map(lambda k: sp.Rational(k, 1000))),
})


def _fan_out_model(point: dict[str, sp.Rational]) -> sp.Expr:
    return sp.Float(fan_out_latency(int(point["n"]), float(point["m"]), q=float(point["q"])),
                    17)


def _fan_out_symbolic() -> sp.Expr:
    n, q, m = (_POSITIVE[name] for name in FAN_OUT)
    return sp.sympify(fan_out_latency(n, m, q=q))


# -- 8.longest-chain: how many services in a row keep a target ----------------------------------

def _clear(pair: tuple[float, float]) -> bool:
    """Whether no power of the availability lies within 1e-9 of the target (past one
    service), so rounding cannot decide the count."""
    availability, target = pair
    ratio = math.log(target) / math.log(availability)
    return ratio < 1.5 or abs(ratio - round(ratio)) > 1e-9


#: Availabilities from 0.9 to 0.999 and targets from 0.5 up to the availability, in
#: thousandths: chains of up to 692 services.
def _returning(accepts: Callable[[object], bool], message: str, args: tuple[object, ...],
               case: str, expected: str) -> Callable[[Callable[..., object]], Failure | None]:
    """A step: the answer, called with ``args`` (``case`` in words), returns what
    ``accepts``; otherwise ``message``, with ``expected`` beside what it returned."""
    def step(answer: Callable[..., object]) -> Failure | None:
        try:
            if accepts(answer_call(answer, *args)):
                return None
        except Exception:
            pass
        return Failure(message, case, expected, observe(lambda: answer_call(answer, *args),
                                                        _show))
    return step


def _container(image: str) -> dict[str, tuple[Deployed, ...]]:
    """One service, ``orders``, running ``image``: what :func:`check_containers` reads."""
    return {"orders": (Deployed("container", "orders", image, False, 1, "services.orders"),)}


CHAIN_CASES = st.integers(900, 999).flatmap(
    lambda k: st.tuples(st.just(k / 1000),
                        st.integers(500, k).map(lambda j: j / 1000))).filter(_clear)


def _chain_search(answer: Callable[..., object]) -> Failure | None:
    case = first_counterexample(CHAIN_CASES,
                                lambda c: answer_call(answer, *c) != longest_chain(*c))
    if case is None:
        return None
    availability, target = case
    n = longest_chain(*case)
    return Failure("your count is not the longest chain that keeps the target",
                   f"availability = {availability}, target = {target}",
                   f"{n}: {availability}^{n} = {availability ** n:.6g} meets it, "
                   f"{availability}^{n + 1} = {availability ** (n + 1):.6g} does not",
                   observe(lambda: answer_call(answer, *case), _show))


# -- 8.compose-request: the three patterns composed -------------------------------------------

#: What a part of a request is, as :func:`composed` reads it.
PART_FORMS = ('("call", m, a)', '("fan-out", n, m, a)', '("chain", [part, ...])',
              '("proxy", m, a, part)')


def composed(part: tuple[object, ...]) -> Composed:
    """Patterns 8.1.1-8.1.3 composed: the mean latency and availability of a request
    served by ``part``.

    ``part`` is one of :data:`PART_FORMS`: a ``call`` of exponential latency with mean
    ``m`` seconds that answers with probability ``a``; a ``fan-out`` of ``n`` such calls
    sent at once, the request waiting for all of them (Pattern 8.1.1: mean ``m H_n``, by
    :func:`~msatheory.practice.composition.fan_out_latency`); a ``chain`` of parts one
    after another (Pattern 8.1.3: the means add up); a ``proxy`` of mean ``m`` and
    availability ``a`` in front of a part (Pattern 8.1.2,
    :func:`~msatheory.practice.composition.proxied`). A request succeeds when every call
    it waits for does, so availabilities multiply (chapter 1's
    :func:`~msatheory.basics.availability.serial`).

    Parameters
    ----------
    part : tuple
        The request's composition, nested as deep as wanted.

    Returns
    -------
    Composed
        ``(latency, availability)``: the mean latency in seconds, and the availability.

    Raises
    ------
    TheoryError
        If ``part`` is not one of the forms, or a number is out of range.

    Examples
    --------
    >>> composed(("call", 0.010, 0.999))
    Composed(latency=0.01, availability=0.999)
    >>> page = ("proxy", 0.001, 0.9999, ("chain", [("call", 0.010, 0.999),
    ...                                            ("fan-out", 3, 0.010, 0.999)]))
    >>> [round(v, 6) for v in composed(page)]
    [0.029333, 0.995906]

    References
    ----------
    .. [1] Patterns 8.1.1 (聚合器模式), 8.1.2 (代理模式) and 8.1.3 (链式模式) of the theory.
    .. [2] J. Dean and L. A. Barroso, "The Tail at Scale", Communications of the ACM
       56(2), 2013, pp. 74-80.
    """
    kind = part[0] if isinstance(part, tuple) and part else None
    if kind == "call" and len(part) == 3:
        return Composed(require_number("composed", "m", part[1]),
                        require_fraction("composed", "a", part[2]))
    if kind == "fan-out" and len(part) == 4:
        n = require_count("composed", "n", part[1], least=1)
        mean = fan_out_latency(n, require_number("composed", "m", part[2], positive=True))
        return Composed(mean, serial([require_fraction("composed", "a", part[3])] * n))
    if kind == "chain" and len(part) == 2 and isinstance(part[1], list | tuple) and part[1]:
        parts = [composed(p) for p in part[1]]
        return Composed(math.fsum(float(p.latency) for p in parts),
                        serial([p.availability for p in parts]))
    if kind == "proxy" and len(part) == 4:
        inner = composed(part[3])  # type: ignore[arg-type]  # checked inside
        return proxied(inner.latency, inner.availability,
                       require_number("composed", "m", part[1]),
                       require_fraction("composed", "a", part[2]))
    raise TheoryError(f"composed: part must be one of {', '.join(PART_FORMS)}, not {part!r}")


_MEANS = st.sampled_from((0.01, 0.002, 0.05))
_SHARES = st.sampled_from((0.999, 0.99, 0.9999))
#: Requests the search composes: calls and fan-outs of up to 6, in chains and behind
#: proxies, at most five calls and fan-outs in all.
PARTS = st.recursive(
    st.one_of(st.tuples(st.just("call"), _MEANS, _SHARES),
              st.tuples(st.just("fan-out"), st.integers(2, 6), _MEANS, _SHARES)),
    lambda inner: st.one_of(st.tuples(st.just("chain"), st.lists(inner, min_size=2,
                                                                  max_size=3)),
                            st.tuples(st.just("proxy"), _MEANS, _SHARES, inner)),
    max_leaves=5)


def _pair(value: object) -> tuple[float, float] | None:
    """``value`` as a pair of numbers, or None."""
    if (isinstance(value, tuple | list) and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)):
        return float(value[0]), float(value[1])
    return None


def _agrees(got: object, part: tuple[object, ...]) -> bool:
    pair, wanted = _pair(got), composed(part)
    return pair is not None and all(
        math.isclose(g, float(w), rel_tol=1e-9, abs_tol=1e-12)
        for g, w in zip(pair, wanted, strict=True))


def _rounded(value: object) -> str:
    pair = _pair(value)
    return f"({pair[0]:.6g}, {pair[1]:.6g})" if pair else _show(value)


def _compose_search(answer: Callable[..., object]) -> Failure | None:
    part = first_counterexample(PARTS, lambda p: not _agrees(answer_call(answer, p), p))
    if part is None:
        return None
    return Failure("your latency or availability differs from the composed one",
                   f"part = {part!r}", f"{_rounded(composed(part))}, as composed(part) gives",
                   observe(lambda: answer_call(answer, part), _rounded))


# -- 8.order-flow: an order flow that keeps the patterns' budgets ---------------------------------

#: The services of the order flow: the gateway, then the three that take an order.
FLOW = ("gateway", "orders", "payments", "stock")
#: Share of calls that are slow, for Pattern 8.1.1: a fan-out of 3 makes 5.9% of its
#: requests wait on one, more than the 5% beyond p95; a fan-out of 2, 4.0%.
FLOW_SLOW_SHARE = 0.02
#: Each service's availability, and the target the head of every chain must keep: two
#: services reached by hard calls keep it (0.998001), three do not (0.997003).
FLOW_AVAILABILITY, FLOW_TARGET = 0.999, 0.998
#: The most mean latency a chain of synchronous calls may add up to, seconds: three
#: services of 10 ms each.
FLOW_LATENCY_BUDGET = 0.030


def _flow_type(answer: object) -> Failure | None:
    if isinstance(answer, str) and "\n" not in answer.strip() and not answer.strip(
            ).lower().endswith((".yaml", ".yml", ".json")):
        return Failure("expected the YAML text of an architecture file (several lines), got "
                       f"the one line {answer.strip()[:40]!r}")
    return one_of(answer, (str, Path), "the YAML text of an architecture file, or its path")


def _flow_system(answer: str | Path) -> System:
    return read_answer(answer, "order-flow.yaml")


def _flow_loads(answer: str | Path) -> Failure | None:
    try:
        system = _flow_system(answer)
    except TheoryError as error:
        first, *more = str(error).splitlines()
        also = f" (and {counted(len(more), 'more mistake')})" if more else ""
        return Failure(f"the file does not load: {first}{also}")
    if system.origin != "architecture":
        return Failure(f"the file reads as a {system.origin} file; write an architecture "
                       "file (services with calls, topics and data stores)")
    return None


def _owned(arch: Architecture, service: str) -> bool:
    """Whether ``service`` uses a data store, not a broker, that no other service uses."""
    return any(arch.datastores[d].kind != "broker" and arch.data_layer[d] == {service}
               for d in arch.services[service].datastores)


def _flow_shape(answer: str | Path) -> Failure | None:
    system = _flow_system(answer)
    arch = system.architecture
    if set(arch.services) != set(FLOW):
        return Failure(f"write exactly the services {', '.join(FLOW)}",
                       expected=", ".join(FLOW), observed=", ".join(sorted(arch.services)))
    if system.gateways != ("gateway",):
        return Failure("name gateway as the file's gateway (the `gateway` key)",
                       expected="gateway: gateway",
                       observed=", ".join(system.gateways) or "no gateway")
    if ("gateway", "orders") not in arch.call_graph.edges:
        return Failure("a client waits for its order to be accepted: the gateway must call "
                       "orders synchronously")
    reached = {c.target for c in arch.channels if c.source == "orders"}
    missing = [s for s in ("payments", "stock") if s not in reached]
    if missing:
        return Failure(f"an order must reach {' and '.join(missing)}: give orders a call or "
                       f"a topic to {' and '.join(missing)}")
    shared = [s for s in FLOW[1:] if not _owned(arch, s)]
    if shared:
        whose = "its" if len(shared) == 1 else "their"
        return Failure(f"each of orders, payments and stock owns its data: give "
                       f"{', '.join(shared)} a data store of {whose} own")
    return None


def _flow_check(check: Callable[[Architecture], object]) -> Callable[[str | Path],
                                                                      Failure | None]:
    def step(answer: str | Path) -> Failure | None:
        return violated(check(_flow_system(answer).architecture))  # type: ignore[arg-type]

    return step


def _flow_aggregators(arch: Architecture) -> object:
    return check_aggregators(arch, p=FLOW_SLOW_SHARE)


def _flow_chains(arch: Architecture) -> object:
    return check_chains(arch, availability=FLOW_AVAILABILITY, target=FLOW_TARGET,
                        latency_budget=FLOW_LATENCY_BUDGET)


# -- 8.pinned-image: whether an image reference names a version ----------------------------------

def pinned_by_model(image: str) -> bool:
    """Practice 8.2.3 (部署运维), part 1: whether ``image`` names a version, as
    :func:`~msatheory.practice.operations.check_containers` judges a container running it:
    a digest, or a tag other than ``latest``.

    Parameters
    ----------
    image : str
        An image reference: ``[registry[:port]/]path[:tag][@digest]``.

    Returns
    -------
    bool
        True when a container running ``image`` is no witness of
        :func:`~msatheory.practice.operations.check_containers`.

    Raises
    ------
    TheoryError
        If ``image`` is not a non-empty string.

    Examples
    --------
    >>> pinned_by_model("registry:5000/shop/orders"), pinned_by_model("orders:2.1.3")
    (False, True)
    >>> pinned_by_model("redis:latest@sha256:0123abcd")
    True

    References
    ----------
    .. [1] Practice 8.2.3 of the theory (部署运维).
    .. [2] Kubernetes, "Images": avoid the ``:latest`` tag in production; pull by digest.
    """
    if not isinstance(image, str) or not image.strip():
        raise TheoryError(f"pinned_by_model: image must be a non-empty string, not {image!r}")
    return check_containers(_container(image)).holds


#: The parts of the references the search builds, simplest first: a registry (with a
#: port or not), a path, a tag and a digest (abbreviated: the model reads any).
REGISTRIES = ("", "registry:5000/", "ghcr.io/", "localhost:5000/")
IMAGE_PATHS = ("orders", "shop/orders", "library/redis")
TAGS = ("", "latest", "2.1.3", "v2", "16.4-alpine")
DIGESTS = ("", "sha256:0123abcd")

IMAGES = st.builds(lambda registry, path, tag, digest: registry + path
                   + (f":{tag}" if tag else "") + (f"@{digest}" if digest else ""),
                   st.sampled_from(REGISTRIES), st.sampled_from(IMAGE_PATHS),
                   st.sampled_from(TAGS), st.sampled_from(DIGESTS))


def _verdict(image: str) -> str:
    if pinned_by_model(image):
        return "True: pinned"
    witness = check_containers(_container(image)).witnesses[0]
    return f"False ({witness.what})"


def _pinned_search(answer: Callable[..., object]) -> Failure | None:
    image = first_counterexample(IMAGES, lambda i: answer_call(answer, i)
                                 is not pinned_by_model(i))
    if image is None:
        return None
    return Failure("your answer and check_containers disagree on whether the image names a "
                   "version", f"image = {image!r}",
                   f"{_verdict(image)}, as check_containers judges it",
                   observe(lambda: answer_call(answer, image), _show))


# -- 8.usl-peak: the load at which throughput peaks ---------------------------------------------

#: The USL's coefficients the peak depends on.
PEAK = ("alpha", "beta")

#: Points the search tries: contention alpha in [0, 1) and coherency beta in (0, 0.1], in
#: hundredths and ten thousandths, 2% and 2% first (a peak at 7).
PEAK_POINTS = st.fixed_dictionaries({
    "alpha": st.one_of(st.just(sp.Rational(1, 50)),
                       st.integers(0, 99).map(lambda k: sp.Rational(k, 100))),
    "beta": st.one_of(st.just(sp.Rational(1, 50)),
                      st.integers(1, 1000).map(lambda k: sp.Rational(k, 10_000))),
})


def _peak_model(point: dict[str, sp.Rational]) -> sp.Expr:
    return usl_peak_derivation().peak.subs({ALPHA: point["alpha"], BETA: point["beta"]})


# -- the exercises -------------------------------------------------------------------------------

EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        id="8.fan-out-quantile",
        statement="Pattern 8.1.1",
        title="The tail of an aggregator's fan-out",
        task="An aggregator sends n calls at once and waits for all of them; each call's "
        "latency is exponential with mean m, independently. Derive, as a sympy expression "
        "in n, q and m, the q-quantile of the aggregator's latency.",
        answer="a sympy expression in the symbols n, q and m",
        kind="derivation",
        difficulty=2,
        steps=steps(("type", lambda x: one_of(x, sp.Expr, "a sympy expression")),
                    ("shape", _in_symbols(FAN_OUT)),
                    ("at points", _at_points(FAN_OUT_POINTS, _fan_out_model,
                                             "your expression is not the fan-out's quantile",
                                             "fan_out_latency(n, m, q=q)")),
                    ("every value", _every_value(
                        _POSITIVE, _fan_out_symbolic, "-m*log(1 - q**(1/n))",
                        {_POSITIVE["q"]: (1 + _V) ** -_POSITIVE["n"]}))),
        hint="the slowest of n calls is below t exactly when every call is, so its "
        "distribution is F(t)^n with F(t) = 1 - exp(-t/m). Set that to q and solve for t.",
        lesson=LESSON,
    ),
    Exercise(
        id="8.longest-chain",
        statement="Pattern 8.1.3",
        title="How long may a chain be?",
        task="Write longest_chain(availability, target), the most services, each available "
        "availability independently, that a chain of synchronous calls may hold while the "
        "whole chain still keeps target (0 when one service misses it).",
        answer="a function longest_chain(availability, target) returning an int",
        kind="code",
        difficulty=1,
        steps=steps(("type", a_function("a function longest_chain(availability, target)")),
                    ("shape", takes("availability", "target")),
                    ("a count", _returning(
                        lambda n: type(n) is int, "your function must return a number of "
                        "services, an int", (0.999, 0.99), "availability = 0.999, target = "
                        "0.99", f"{longest_chain(0.999, 0.99)}")),
                    ("behaviour", _chain_search)),
        hint="a chain is up only when every service on it is: its availability is a "
        "product, not 1 minus a sum of unavailabilities. Which n is the last whose "
        "product still reaches the target?",
        lesson=LESSON,
    ),
    Exercise(
        id="8.compose-request",
        statement="Pattern 8.1.2",
        title="A request through all three patterns",
        task="Write compose(part), the mean latency and the availability of a request served "
        "by part, where part is (\"call\", m, a): a call of exponential latency with mean m "
        "that answers with probability a; (\"fan-out\", n, m, a): n such calls sent at once "
        "and all waited for; (\"chain\", [part, ...]): parts one after another; or "
        "(\"proxy\", m, a, part): a proxy, itself such a call, in front of a part.",
        answer="a function compose(part) returning a pair (latency, availability)",
        kind="model",
        difficulty=2,
        steps=steps(("type", a_function("a function compose(part)")),
                    ("shape", takes("part")), ("a pair", _returning(
                        lambda pair: _pair(pair) is not None, "your function must return a "
                        "pair of numbers (latency, availability)", (("call", 0.01, 0.999),),
                        "part = ('call', 0.01, 0.999)", "(0.01, 0.999)")),
                    ("behaviour", _compose_search)),
        hint="means add up along a chain and through a proxy, and a request is up only when "
        "every call it waits for is. A fan-out waits for its slowest call: how much longer "
        "than one call is the slowest of n, on average?",
        lesson=LESSON,
    ),
    Exercise(
        id="8.order-flow",
        statement="Pattern 8.1.3",
        title="An order flow within its budgets",
        task="Write an architecture file of the services gateway, orders, payments and "
        "stock, with gateway as the file's gateway calling orders, orders reaching "
        "payments and stock by a call or a topic, and each of orders, payments and stock "
        "owning a data store, such that Patterns 8.1.1-8.1.3 and Practice 8.2.2 hold with "
        f"{FLOW_SLOW_SHARE:.0%} of calls slow, each service available {FLOW_AVAILABILITY}, "
        f"a target of {FLOW_TARGET} and a latency budget of {FLOW_LATENCY_BUDGET * 1000:g} ms "
        "per chain.",
        answer="the YAML text of an architecture file, or its path",
        kind="design",
        difficulty=3,
        steps=steps(("type", _flow_type), ("load", _flow_loads), ("shape", _flow_shape),
                    ("aggregator", _flow_check(_flow_aggregators)),
                    ("proxy", _flow_check(check_proxies)),
                    ("chain", _flow_check(_flow_chains)),
                    ("events", _flow_check(check_event_driven))),
        hint="every synchronous call adds a service's latency to the chain, and every hard "
        "call its availability to the product. Which step of an order must the client "
        "wait for, and which can follow from an event?",
        lesson=LESSON,
    ),
    Exercise(
        id="8.pinned-image",
        statement="Practice 8.2.3",
        title="Does the image name a version?",
        task="Write pinned(image), whether a container image reference "
        "([registry[:port]/]path[:tag][@digest]) names a version: a digest, or a tag "
        "other than latest.",
        answer="a function pinned(image) returning a bool",
        kind="code",
        difficulty=2,
        steps=steps(("type", a_function("a function pinned(image)")),
                    ("shape", takes("image")), ("a bool", _returning(
                        lambda value: type(value) is bool, "your function must return a bool",
                        ("shop/orders:2.1.3",), "image = 'shop/orders:2.1.3'", "True")),
                    ("behaviour", _pinned_search)),
        hint="a tag follows the last ':' of the last path component: a ':' before the "
        "first '/' is a registry's port. A reference without a tag means latest, and a "
        "digest after '@' pins whatever the tag says.",
        lesson=LESSON,
    ),
    Exercise(
        id="8.usl-peak",
        statement="Feature 1.2.4",
        title="Where throughput peaks",
        task="Derive, as a sympy expression in alpha and beta, the load N* at which the "
        "Universal Scalability Law's throughput X(N) = gamma*N/(1 + alpha*(N - 1) + "
        "beta*N*(N - 1)) is largest, for beta > 0 and alpha < 1.",
        answer="a sympy expression in the symbols alpha and beta",
        kind="derivation",
        difficulty=1,
        steps=steps(("type", lambda x: one_of(x, sp.Expr, "a sympy expression")),
                    ("shape", _in_symbols(PEAK)),
                    ("at points", _at_points(PEAK_POINTS, _peak_model,
                                             "your expression is not the load at which "
                                             "throughput peaks",
                                             "usl_peak_derivation().peak")),
                    ("every value", _every_value(
                        {"alpha": ALPHA, "beta": BETA}, lambda: usl_peak_derivation().peak,
                        "sqrt(1 - alpha)/sqrt(beta)", {ALPHA: _V / (1 + _V)}))),
        hint="set dX/dN to 0: over one denominator, only the numerator can vanish, and "
        "gamma cancels. Keep the root with N > 0.",
        lesson=LESSON,
    ),
)
