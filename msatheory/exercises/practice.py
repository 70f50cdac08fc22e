"""The practice lesson's exercises (lesson 90): checking real systems with ``msatheory check``.

Each exercise reads the learner's answer with the package's own loaders and importers
(:mod:`msatheory.check`) and judges it with the report :func:`~msatheory.check.check_system`
gives, so a learner meets exactly what ``msatheory check`` would say of the same file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

from msatheory.check import EXAMPLES
from msatheory.check.formats import build, load
from msatheory.check.report import Report, check_system
from msatheory.check.source import parse
from msatheory.check.system import System
from msatheory.errors import TheoryError
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
)
from msatheory.theory.render import counted

__all__ = ["EXERCISES", "TANGLED_SHOP", "inferred_calls", "read_answer"]

LESSON = "notebooks/90_check_a_system.ipynb"

#: The shipped tangled shop, the file 90.mend-the-shop starts from.
TANGLED_SHOP = EXAMPLES / "tangled-shop.yaml"

_SUFFIXES = (".yaml", ".yml", ".json")


# -- reading an answer as msatheory check reads a file --------------------------------------

def read_answer(answer: str | Path, name: str) -> System:
    """The system an answer describes: a :class:`~pathlib.Path`, or a one-line string ending
    in .yaml, .yml or .json, is a file read with :func:`~msatheory.check.load`; any other
    string is the file's text, read as :func:`~msatheory.check.check_text` reads it (as
    ``name``). A file that cannot be read raises the loader's own :class:`TheoryError`."""
    text = str(answer)
    if isinstance(answer, Path) or ("\n" not in text and text.strip().lower().endswith(_SUFFIXES)):
        return load(text.strip())
    return build(parse(text, name, as_json=name.endswith(".json")))


def _loads(answer: str | Path, name: str) -> Failure | None:
    """The step that reads the file: the loader's own message (place, line, problem)."""
    try:
        read_answer(answer, name)
    except TheoryError as error:
        first, *more = str(error).splitlines()
        also = f" (and {counted(len(more), 'more mistake')})" if more else ""
        return Failure(f"the file does not load: {first}{also}")
    return None


def _architecture_file(system: System) -> Failure | None:
    if system.origin != "architecture":
        return Failure(f"the file reads as a {system.origin} file; write an architecture "
                       "file (services with calls, data stores, health checks)")
    return None


def _first_violation(report: Report) -> Failure | None:
    """The first statement the report finds violated, with its first witness."""
    for verdict in report.verdicts:
        if not verdict.holds:
            return Failure(f"{verdict.statement.ref} does not hold",
                           expected="no witness",
                           observed=f"{counted(len(verdict.witnesses), 'witness')}, the "
                                    f"first: {verdict.witnesses[0]}")
    return None


# -- 90.mend-the-shop: the tangled shop, mended until the report holds ---------------------

#: The calls of the tangled shop that carry a request the shop cannot serve without: the
#: gateway's routes and orders' prices. They may become soft, never disappear.
KEPT_CALLS = (("api-gateway", "catalog"), ("api-gateway", "orders"),
              ("api-gateway", "customers"), ("orders", "catalog"))


def _functions(system: System) -> set[str]:
    """The functions the file's services claim (chapter 2's B(s)), none without a design."""
    return {f.name for s in (system.design.services if system.design else ())
            for f in s.functions}


def _mend_shape(answer: str | Path) -> Failure | None:
    system = read_answer(answer, "mended.yaml")
    tangled = load(TANGLED_SHOP)
    if failure := _architecture_file(system):
        return failure
    arch = system.architecture
    missing = sorted(set(tangled.architecture.services) - set(arch.services))
    if missing:
        return Failure(f"keep every service of the tangled shop; missing: {', '.join(missing)}")
    added = sorted(set(arch.services) - set(tangled.architecture.services))
    if added:
        return Failure(f"mend the tangled shop's five services rather than add others; "
                       f"added: {', '.join(added)}")
    if "api-gateway" not in system.gateways:
        return Failure("keep api-gateway as the shop's gateway (the file's `gateway` key)")
    lost = sorted(_functions(tangled) - _functions(system))
    if lost:
        more = f" and {len(lost) - 3} more" if len(lost) > 3 else ""
        return Failure(f"keep every function of the tangled shop in some service; missing: "
                       f"{', '.join(lost[:3])}{more}")
    calls = set(arch.call_graph.edges)
    dropped = [f"{a} → {b}" for a, b in KEPT_CALLS if (a, b) not in calls]
    if dropped:
        return Failure(f"the shop cannot serve without the call {dropped[0]}: soften it, "
                       "do not delete it")
    if not any((c.source, c.target) == ("orders", "payments") for c in arch.channels):
        return Failure("an order no longer reaches payments: keep a call or a topic from "
                       "orders to payments")
    return None


def _mend_behaviour(answer: str | Path) -> Failure | None:
    report = check_system(read_answer(answer, "mended.yaml"))
    if failure := _first_violation(report):
        return failure
    if report.system.findings:
        return Failure(f"every statement holds, but the report has "
                       f"{counted(len(report.system.findings), 'finding')}: mend them too",
                       observed=f"the first: {report.system.findings[0]}")
    return None


# -- 90.one-statement: the smallest file that fails Axiom 1.1.1 alone ----------------------

#: The statement the smallest file must fail, alone.
ONE_STATEMENT = "Axiom 1.1.1"
#: The fewest elements (services, calls, topics, data stores) a file needs to fail it alone.
FEWEST_ELEMENTS = 4


def _elements(system: System) -> dict[str, int]:
    arch = system.architecture
    return {"service": len(arch.services),
            "call": sum(len(s.calls) for s in arch.services.values()),
            "topic": len({t for s in arch.services.values()
                          for t in (*s.publishes, *s.subscribes)}),
            "data store": len(arch.datastores)}


def _one_type(answer: object) -> Failure | None:
    if isinstance(answer, str) and "\n" not in answer.strip():
        return Failure("expected the YAML text of an architecture file (several lines), got "
                       f"the one line {answer.strip()[:40]!r}")
    return one_of(answer, str, "the YAML text of an architecture file")


def _one_shape(answer: str) -> Failure | None:
    return _architecture_file(read_answer(answer, "smallest.yaml"))


def _one_behaviour(answer: str) -> Failure | None:
    report = check_system(read_answer(answer, "smallest.yaml"))
    violated = [v for v in report.verdicts if not v.holds]
    if not any(v.statement.ref == ONE_STATEMENT for v in violated):
        return Failure(f"{ONE_STATEMENT} holds: the file must violate it",
                       expected=f"{ONE_STATEMENT} violated", observed="every statement holds"
                       if not violated else "violated: " + ", ".join(
                           v.statement.ref for v in violated))
    others = [v for v in violated if v.statement.ref != ONE_STATEMENT]
    if others:
        return Failure(f"the file violates {others[0].statement.ref} too",
                       expected=f"only {ONE_STATEMENT} violated",
                       observed=f"{others[0].statement.ref}: {others[0].witnesses[0]}")
    return None


def _one_size(answer: str) -> Failure | None:
    elements = _elements(read_answer(answer, "smallest.yaml"))
    if sum(elements.values()) > FEWEST_ELEMENTS:
        return Failure(f"the file fails {ONE_STATEMENT} alone, but a file with fewer "
                       "services, calls, topics and data stores does too",
                       observed=", ".join(counted(n, what) for what, n in elements.items()))
    return None


# -- 90.infer-calls: the importer's rule for URLs in a compose file ------------------------

#: The compose file's services, the hosts, paths and variables the search draws from.
SERVICES = ("web", "orders", "cart")
HOSTS = ("orders", "web", "cart", "pay.example.com", "localhost")
PATHS = ("", "/api", "/hc", "/metrics", "/actuator/health")
VARIABLES = ("ORDERS_URL", "BACKEND", "ORDERS_HC", "METRICS_ENDPOINT",
             "HealthChecks__0__Uri", "CART_ADDR")

URLS = st.builds(lambda host, port, path: f"http://{host}{port}{path}",
                 st.sampled_from(HOSTS), st.sampled_from(("", ":8080")),
                 st.sampled_from(PATHS))
#: One service of the file and its environment: variables whose values are URLs.
CASES = st.tuples(st.sampled_from(SERVICES),
                  st.dictionaries(st.sampled_from(VARIABLES), URLS, max_size=3))


@cache
def _imported(service: str, environment: tuple[tuple[str, str], ...]) -> frozenset[str]:
    lines = ["services:"] + [
        f"  {name}: {{image: shop/{name}"
        + (f", environment: {json.dumps(dict(environment))}}}" if name == service else "}")
        for name in SERVICES]
    system = build(parse("\n".join(lines) + "\n", "docker-compose.yml"))
    return frozenset(b for a, b in system.architecture.call_graph.edges if a == service)


def inferred_calls(service: str, environment: Mapping[str, str]) -> frozenset[str]:
    """The services ``service`` calls, as the compose importer infers them from its
    ``environment`` in a file deploying :data:`SERVICES` (images ``shop/<name>``)."""
    return _imported(service, tuple(environment.items()))


def _names(found: object) -> str:
    """A result shown the same way on every machine: a collection sorted, never an address."""
    plain = (str, int, float, bool, type(None))
    if isinstance(found, plain):
        return repr(found)
    if isinstance(found, Collection) and all(isinstance(item, plain) for item in found):
        shown = ", ".join(sorted(repr(item) for item in found))
        return f"{{{shown}}}" if isinstance(found, (set, frozenset)) and found else (
            "set()" if isinstance(found, (set, frozenset)) else f"{type(found).__name__} "
            f"[{shown}]")
    return f"a value of type {type(found).__name__}"


def _infer_behaviour(answer: Callable[..., object]) -> Failure | None:
    def gives(case: tuple[str, dict[str, str]]) -> object:
        service, environment = case
        return answer_call(answer, service, dict(environment), frozenset(SERVICES))

    def breaks(case: tuple[str, dict[str, str]]) -> bool:
        found = gives(case)
        return not (isinstance(found, Collection) and not isinstance(found, str)
                    and set(found) == inferred_calls(*case))

    case = first_counterexample(CASES, breaks)
    if case is None:
        return None
    service, environment = case
    observed = observe(lambda: gives(case), _names)
    settings = ", ".join(f"{k}={v}" for k, v in environment.items()) or "no variables"
    return Failure(f"the services {service} calls differ from those the importer infers",
                   f"{service} with environment {settings}",
                   _names(inferred_calls(service, environment)), observed)


EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        id="90.mend-the-shop",
        statement="Feature 1.2.3",
        title="Mend the tangled shop",
        task="Mend tangled-shop.yaml, keeping its five services (no more, no fewer), its "
        "functions and the calls it cannot serve without, until msatheory check finds "
        "every statement holding and reports no finding.",
        answer="the YAML text of the mended architecture file, or its path",
        kind="design",
        difficulty=3,
        steps=steps(("type", lambda x: one_of(x, (str, Path), "the YAML text of an "
                                              "architecture file, or its path")),
                    ("load", lambda x: _loads(x, "mended.yaml")),
                    ("shape", _mend_shape), ("behaviour", _mend_behaviour)),
        hint="each witness names what to change: a soft call is still a call, so a cycle "
        "breaks only when one direction becomes a topic; give each service its own data "
        "store; move functions to the service of their domain; give customers more to do "
        "rather than deleting it.",
        lesson=LESSON,
    ),
    Exercise(
        id="90.one-statement",
        statement="Axiom 1.1.1",
        title="The smallest file that fails one statement",
        task="Write the smallest architecture file (fewest services, calls, topics and data "
        "stores) that violates Axiom 1.1.1 and no other statement msatheory check checks.",
        answer="the YAML text of an architecture file",
        kind="model",
        difficulty=2,
        steps=steps(("type", _one_type),
                    ("load", lambda x: _loads(x, "smallest.yaml")),
                    ("shape", _one_shape), ("behaviour", _one_behaviour),
                    ("size", _one_size)),
        hint="a health check on every service keeps Algorithm 3.2.2 out of it; the witness "
        "of any other statement violated names what to change; then count what a cycle "
        "needs at the least.",
        lesson=LESSON,
    ),
    Exercise(
        id="90.infer-calls",
        statement="Feature 1.2.3",
        title="Which URLs are calls?",
        task="Write calls(service, environment, services), the set of services that "
        "service calls as the compose importer infers them from the URLs in its environment "
        "(a dict of variable to URL), given the names of the file's services.",
        answer="a function calls(service: str, environment: dict[str, str], services: "
        "frozenset[str]) -> set[str]",
        kind="code",
        difficulty=2,
        steps=steps(("type", a_function("a function calls(service, environment, services)")),
                    ("shape", takes("service", "environment", "services")),
                    ("behaviour", _infer_behaviour)),
        hint="an address is a call only when its host is another service of the file and "
        "nothing says it is watched: neither the variable's name (HC, METRICS, health "
        "checks) nor a health or metrics path.",
        lesson=LESSON,
    ),
)
