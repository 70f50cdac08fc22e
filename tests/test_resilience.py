"""Strategies 5.3.1 and 5.3.2 as checkers (msatheory.communication.resilience): retry
amplification against a brute-force search of every path, timeout inversion and unguarded
calls on small systems, and the rows ``msatheory check`` runs."""

from __future__ import annotations

import json
from fractions import Fraction
from itertools import pairwise
from math import prod

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.basics.model import Architecture, Call, Service
from msatheory.check.document import load_architecture
from msatheory.check.report import check_system
from msatheory.check.source import parse
from msatheory.communication.checks import CHECKS
from msatheory.communication.istio import Ejection, Policy, Resilience
from msatheory.communication.resilience import (
    AMPLIFICATION_LIMIT,
    Amplification,
    Guard,
    check_retry_amplification,
    check_timeout_inversion,
    check_unguarded_calls,
    guards,
    retry_amplification,
)
from msatheory.errors import TheoryError


def chain(*calls: Call, names: str = "abcdefgh") -> Architecture:
    """Services a, b, c, ... each calling the next by the given calls."""
    services = [Service(names[i], calls=(call,)) for i, call in enumerate(calls)]
    return Architecture([*services, Service(names[len(calls)])], name="chain")


def texts(verdict) -> list[str]:
    return [str(w) for w in verdict.witnesses]


# -- the guards ---------------------------------------------------------------------------------


def test_a_call_s_guard_is_exact_and_bounds_each_attempt():
    guard = Guard.of_call("a", Call("b", timeout=0.1, retries=2, breaker=True))
    assert guard == Guard("a", "b", 3, Fraction(1, 10), Fraction(3, 10), True,
                          "a's call to b")
    assert guard.total == Fraction(3, 10)  # exact: 3 * 0.1 is 0.3, not 0.30000000000000004
    assert Guard.of_call("a", Call("b")).timed is False


def test_only_synchronous_calls_are_guarded():
    arch = Architecture([Service("a", calls=(Call("b", kind="async"),
                                            Call("c", kind="monitoring"), "d")),
                         Service("b"), Service("c"), Service("d")])
    assert [(g.caller, g.callee) for g in guards(arch)] == [("a", "d")]


def test_istio_routes_replace_a_call_s_own_guard_and_an_ejection_adds_a_breaker():
    arch = chain(Call("b", timeout=5, retries=1), Call("c", timeout=1))
    routes = (Policy(2, None, Fraction(1, 2), "", "VirtualService b http[0]", "k (line 1)"),
              Policy(4, Fraction(1), None, "", "VirtualService b http[1]", "k (line 5)"))
    ejection = Ejection(5, 0, Fraction(10), Fraction(30), 10, "DestinationRule c", "k (line 9)")
    mesh = Resilience({"b": routes}, {"c": ejection})
    assert guards(arch, mesh) == (
        Guard("a", "b", 3, Fraction(1, 2), Fraction(1, 2), False,
              "VirtualService b http[0] at k (line 1)"),
        Guard("a", "b", 5, Fraction(1), Fraction(5), False,
              "VirtualService b http[1] at k (line 5)"),
        Guard("b", "c", 1, Fraction(1), Fraction(1), True,
              "b's call to c, with DestinationRule c at k (line 9)"))
    off = Resilience({}, {"c": Ejection(0, 0, Fraction(10), Fraction(30), 10, "d", "p")})
    assert not any(g.breaker for g in guards(arch, off))  # ejecting nothing guards nothing


def test_routes_with_and_without_timeouts_into_one_service_are_each_a_guard():
    arch = chain(Call("b"))
    routes = (Policy(2, None, None, "", "VirtualService b http[1]", "p"),
              Policy(2, None, Fraction(1), "", "VirtualService b http[0]", "p"),
              Policy(2, None, None, "", "VirtualService b http[1]", "p"))
    found = guards(arch, Resilience({"b": routes}, {}))
    assert [(g.source, g.timed) for g in found] == [
        ("VirtualService b http[0] at p", True), ("VirtualService b http[1] at p", False)]
    assert [w.involves for w in check_unguarded_calls(
        arch, Resilience({"b": routes}, {})).witnesses] == [("a", "b")]


def test_bad_arguments_are_refused():
    arch = chain(Call("b"))
    with pytest.raises(TheoryError, match="guards: architecture must be an Architecture"):
        guards("shop")  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match=r"guards: resilience must be a Resilience, not \{\}"):
        guards(arch, {})  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match="check_retry_amplification: limit must be a "
                                          "positive whole number, not 0"):
        check_retry_amplification(arch, limit=0)
    with pytest.raises(TheoryError, match="breaker must be a bool, not 1"):
        Call("b", breaker=1)  # type: ignore[arg-type]


# -- Strategy 5.3.1: retry amplification ----------------------------------------------------


def test_the_sre_book_s_three_layers_of_four_attempts_make_64():
    layers = chain(*(Call(n, retries=3) for n in "bcd"), names="abcd")
    found, skipped = retry_amplification(layers)
    assert [(a.service, a.attempts) for a in found] == [("a", 1), ("b", 4), ("c", 16),
                                                        ("d", 64)]
    assert found[3] == Amplification("d", 64, ("a", "b", "c", "d"), (4, 4, 4))
    assert skipped == 0
    assert texts(check_retry_amplification(layers)) == [
        "retry amplification: a → b → c: 4 × 4 = 16 attempts reach c for one request at a "
        "when c fails, more than 10",
        "retry amplification: a → b → c → d: 4 × 4 × 4 = 64 attempts reach d for one request "
        "at a when d fails, more than 10"]


def test_the_default_limit_allows_two_layers_of_two_retries_not_three():
    assert AMPLIFICATION_LIMIT == 10
    two = chain(Call("b", retries=2), Call("c", retries=2))
    assert check_retry_amplification(two).holds  # 3 x 3 = 9
    three = chain(Call("b", retries=2), Call("c", retries=2), Call("d", retries=2))
    verdict = check_retry_amplification(three)
    assert [w.involves for w in verdict.witnesses] == [("a", "b", "c", "d")]
    assert verdict.summary == "Most attempts per request: 27 at d (a → b → c → d); the limit is 10."
    assert check_retry_amplification(three, limit=27).holds


def test_the_worst_of_several_paths_is_named():
    arch = Architecture([Service("web", calls=(Call("api", retries=1), Call("cart", retries=4))),
                         Service("api", calls=(Call("db", retries=1),)),
                         Service("cart", calls=(Call("db", retries=2),)), Service("db")])
    found, _ = retry_amplification(arch)
    assert [a.service for a in found] == ["api", "cart", "db", "web"]
    assert found[2] == Amplification("db", 15, ("web", "cart", "db"), (5, 3))


def test_calls_inside_tangles_are_left_out_and_counted():
    arch = Architecture([Service("a", calls=(Call("b", retries=3),)),
                         Service("b", calls=(Call("c", retries=3),)),
                         Service("c", calls=(Call("b", retries=3), Call("d", retries=3))),
                         Service("d")])
    found, skipped = retry_amplification(arch)
    assert skipped == 2  # b -> c and c -> b
    assert {a.service: a.attempts for a in found} == {"a": 1, "b": 4, "c": 1, "d": 4}
    verdict = check_retry_amplification(arch)
    assert verdict.holds
    assert verdict.summary.endswith("2 calls inside tangles left out (see Axiom 1.1.1).")


def _dags() -> st.SearchStrategy:
    names = [f"s{i}" for i in range(6)]
    edge = st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 3))
    return st.lists(edge, max_size=12).map(lambda edges: Architecture(
        [Service(n, calls=tuple(Call(names[j], retries=r) for i2, j, r in
                                {(i, j): (i, j, r) for i, j, r in edges if i < j}.values()
                                if i2 == i)) for i, n in enumerate(names)], name="dag"))


@settings(max_examples=100)
@given(arch=_dags())
def test_amplification_agrees_with_every_path_networkx_lists(arch):
    graph = arch.call_graph
    attempts = {(s.name, c.to): c.retries + 1 for s in arch.services.values() for c in s.calls}
    found, skipped = retry_amplification(arch)
    assert skipped == 0
    for a in found:
        products = [prod(attempts[e] for e in pairwise(p))
                    for source in graph for p in nx.all_simple_paths(graph, source, a.service)]
        assert a.attempts == max([1, *products])
        assert a.attempts == prod(a.factors)
        assert a.factors == tuple(attempts[e] for e in pairwise(a.path))


# -- Strategy 5.3.1: timeout inversion ------------------------------------------------------


def test_a_caller_giving_up_before_the_callee_s_retries_end_is_an_inversion():
    arch = chain(Call("b", timeout=1), Call("c", timeout=0.5, retries=2))
    assert texts(check_timeout_inversion(arch)) == [
        "timeout inversion: a gives up on b after 1 s per attempt, but b may wait 3 × 0.5 s = "
        "1.5 s on c (a's call to b; b's call to c)"]
    assert check_timeout_inversion(chain(Call("b", timeout=1.5),
                                         Call("c", timeout=0.5, retries=2))).holds


def test_waiting_exactly_as_long_as_the_callee_may_is_no_inversion():
    assert check_timeout_inversion(chain(Call("b", timeout=0.3),
                                         Call("c", timeout=0.1, retries=2))).holds


def test_the_longest_of_the_callee_s_calls_is_named_and_untimed_calls_are_not_compared():
    arch = Architecture([Service("a", calls=(Call("b", timeout=2, retries=5),)),
                         Service("b", calls=(Call("c", timeout=1), Call("d", timeout=1,
                                                                        retries=3), "e")),
                         Service("c"), Service("d"), Service("e")])
    verdict = check_timeout_inversion(arch)
    assert [w.involves for w in verdict.witnesses] == [("a", "b", "d")]
    assert verdict.summary == ("Compared 1 timed call with what the callee may spend on its "
                               "own timed calls.")
    assert check_timeout_inversion(chain(Call("b"), Call("c", timeout=9))).holds


def test_an_istio_route_s_overall_timeout_caps_what_the_callee_spends():
    arch = chain(Call("b", timeout=1), Call("c"))
    capped = Resilience({"c": (Policy(3, Fraction(1), Fraction(1), "", "VS c http[0]", "p"),)},
                        {})
    assert check_timeout_inversion(arch, capped).holds  # b waits 1 s on c, not 4 s
    uncapped = Resilience({"c": (Policy(3, Fraction(1), None, "", "VS c http[0]", "p"),)}, {})
    assert texts(check_timeout_inversion(arch, uncapped)) == [
        "timeout inversion: a gives up on b after 1 s per attempt, but b may wait 4 × 1 s = 4 s "
        "on c (a's call to b; VS c http[0] at p)"]


# -- Strategy 5.3.2: unguarded calls -----------------------------------------------------------


def test_a_call_needs_a_timeout_or_a_breaker_retries_are_no_guard():
    arch = Architecture([Service("web", calls=("cart", Call("ads", breaker=True),
                                               Call("pay", retries=3), Call("stock", timeout=1),
                                               Call("mail", kind="async"))),
                         *(Service(n) for n in ("cart", "ads", "pay", "stock", "mail"))])
    verdict = check_unguarded_calls(arch)
    assert texts(verdict) == [
        "unguarded call: web → cart has neither a timeout nor a circuit breaker (web's call to "
        "cart)",
        "unguarded call: web → pay has neither a timeout nor a circuit breaker (web's call to "
        "pay)"]
    assert verdict.summary == "Synchronous calls with a timeout or a circuit breaker: 2 of 4."
    assert verdict.statement.ref == "Strategy 5.3.2"


def test_a_guarded_system_holds():
    arch = chain(Call("b", timeout=2, breaker=True), Call("c", timeout=0.5, retries=1))
    for check in (check_retry_amplification, check_timeout_inversion, check_unguarded_calls):
        assert check(arch).holds


# -- the architecture file and msatheory check ---------------------------------------------

FILE = """\
name: checkout
gateway: web
services:
  web: {calls: [{to: orders, timeout: 0.5, retries: 2}], replicas: 2}
  orders: {calls: [{to: payments, timeout: 1, retries: 3, breaker: true}, stock]}
  payments: {}
  stock: {}
"""


def test_the_file_s_breaker_reaches_the_model_the_json_report_and_the_checks():
    system = load_architecture(parse(FILE, "checkout.yaml"))
    (call, _) = system.architecture.service("orders").calls
    assert (call.breaker, call.timeout, call.retries) == (True, 1.0, 3)
    data = check_system(system).as_dict()
    assert data["services"]["orders"]["calls"][0] == {
        "to": "payments", "kind": "sync", "timeout": 1.0, "retries": 3, "fallback": "",
        "breaker": True, "hard": True}
    verdicts = [check.checker(*arguments) for check in CHECKS
                if (arguments := check.arguments(system)) is not None]
    assert [(v.statement.ref, v.holds) for v in verdicts] == [
        ("Strategy 5.3.1", False), ("Strategy 5.3.1", False), ("Strategy 5.3.2", False)]
    assert [str(w) for v in verdicts for w in v.witnesses] == [
        "retry amplification: web → orders → payments: 3 × 4 = 12 attempts reach payments for "
        "one request at web when payments fails, more than 10",
        "timeout inversion: web gives up on orders after 0.5 s per attempt, but orders may "
        "wait 4 × 1 s = 4 s on payments (web's call to orders; orders's call to payments)",
        "unguarded call: orders → stock has neither a timeout nor a circuit breaker (orders's "
        "call to stock)"]
    json.dumps([v.as_dict() for v in verdicts])


def test_a_breaker_that_is_not_true_or_false_is_refused_by_place():
    with pytest.raises(TheoryError, match=r"checkout\.yaml: services\.orders\.calls\[0\]\."
                                          r"breaker \(line 5\): must be true or false, not "
                                          r"the string 'yes'"):
        load_architecture(parse(FILE.replace("breaker: true", "breaker: 'yes'"),
                                "checkout.yaml"))


def test_each_statement_has_a_row_for_files_and_one_for_meshes():
    refs = [(c.statement.ref, c.checker.__name__, c.needs, c.unless) for c in CHECKS]
    assert refs == [
        ("Strategy 5.3.1", "check_retry_amplification", ("architecture",), ("resilience",)),
        ("Strategy 5.3.1", "check_retry_amplification", ("architecture", "resilience"), ()),
        ("Strategy 5.3.1", "check_timeout_inversion", ("architecture",), ("resilience",)),
        ("Strategy 5.3.1", "check_timeout_inversion", ("architecture", "resilience"), ()),
        ("Strategy 5.3.2", "check_unguarded_calls", ("architecture",), ("resilience",)),
        ("Strategy 5.3.2", "check_unguarded_calls", ("architecture", "resilience"), ())]
