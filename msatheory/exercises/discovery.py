"""Chapter 3's exercises (lessons 3a and 3b): registration, health checks, balancing, patterns.

Each exercise judges the answer with the chapter's own models: the expected staleness a
client sees against :func:`~msatheory.discovery.patterns.staleness_bound` and the lease
model's mean; a :class:`~msatheory.discovery.health.CheckPolicy` with
:func:`~msatheory.discovery.tradeoff.check_health` and the detectors' partitions; a round
robin on the errata's list sizes (``3.rr-shrink``) and shared services (``3.rr-shared``),
with :class:`~msatheory.discovery.balancers.RoundRobin`'s fairness guarantee; a utilisation
and a balancer against :func:`~msatheory.discovery.spread.spread`; a discovery set-up
(:class:`~msatheory.discovery.patterns.DiscoverySetup`) against the patterns' registry
load, hops and staleness bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

import sympy as sp
from hypothesis import strategies as st

from msatheory.discovery.balancers import BALANCERS
from msatheory.discovery.detectors import Checks
from msatheory.discovery.errata import SIZES
from msatheory.discovery.health import CheckPolicy
from msatheory.discovery.patterns import (
    CLIENT_SIDE,
    DiscoverySetup,
    Network,
)
from msatheory.discovery.patterns import staleness_bound as lease_staleness_bound
from msatheory.discovery.registry import Instance
from msatheory.discovery.scenario import fleet, partition
from msatheory.discovery.spread import MEAN_SERVICE_TIME, UTILISATION, spread
from msatheory.discovery.tradeoff import check_health, run
from msatheory.exercises.exercise import (
    Exercise,
    Failure,
    OutOfSteps,
    answer_call,
    first_counterexample,
    one_of,
    steps,
)
from msatheory.theory.render import counted

__all__ = ["EXERCISES", "blip", "expected_staleness", "p99s", "slow_utilisation"]

LESSON_3A = "notebooks/03a_registry_and_health.ipynb"
LESSON_3B = "notebooks/03b_balancing_and_patterns.ipynb"


def _g(value: float) -> str:
    """A number as feedback shows it: up to four significant digits."""
    return f"{value:.4g}"


def _value(expression: sp.Expr, values: Mapping[str, object]) -> float:
    """``expression`` at ``values`` (by symbol name), as a float."""
    symbols = {symbol.name: symbol for symbol in expression.free_symbols}
    return float(expression.subs({symbols[name]: v for name, v in values.items()
                                  if name in symbols}))


def _symbols_shape(answer: object, allowed: Sequence[str], exact: bool) -> Failure | None:
    names = {symbol.name for symbol in sp.sympify(answer).free_symbols}
    wanted = " and ".join(", ".join(allowed).rsplit(", ", 1))
    if (exact and names != set(allowed)) or not names <= set(allowed):
        return Failure(f"expected an expression in {wanted}, found the symbols "
                       f"{', '.join(sorted(names)) or 'none'}")
    return None


# -- 3.staleness: how long a client with a cache keeps calling a crashed instance ------------

#: Heartbeat periods, leases longer than them, and cache TTLs, in whole seconds.
LEASES = st.tuples(st.integers(min_value=1, max_value=300),
                   st.integers(min_value=1, max_value=300),
                   st.integers(min_value=1, max_value=300)).map(
    lambda t: {"ell": t[0] + t[1], "h": t[0], "tau": t[2]})


@cache
def expected_staleness() -> sp.Expr:
    """The model: a crash U ~ U(0, h) after the last heartbeat leaves the instance listed
    ell - U more seconds (Def 3.1.1's lease); the client's cache is then A ~ U(0, tau) old
    and is used tau - A more seconds. The mean of the sum, in ell, h and tau."""
    ell, h, tau, u, a = sp.symbols("ell h tau u a", positive=True)
    return sp.integrate((ell - u + tau - a) / (h * tau), (u, 0, h), (a, 0, tau))


def _at(point: dict[str, int]) -> str:
    return ", ".join(f"{name} = {value} s" for name, value in point.items())


def _staleness_bounds(answer: sp.Expr) -> Failure | None:
    def outside(point: dict[str, int]) -> bool:
        value = _value(answer, point)
        bound = lease_staleness_bound(point["ell"], point["h"], point["tau"])
        return not (point["ell"] - point["h"] - 1e-9 <= value <= bound + 1e-9)

    point = first_counterexample(LEASES, outside)
    if point is None:
        return None
    low = point["ell"] - point["h"]
    high = lease_staleness_bound(point["ell"], point["h"], point["tau"])
    return Failure("your mean lies outside the range in which every single crash's staleness "
                   "falls", _at(point),
                   f"between {low} s (ell - h, the best case) and {high:g} s "
                   "(staleness_bound(ell, h, tau), the worst)",
                   f"{_g(_value(answer, point))} s")


def _staleness_mean(answer: sp.Expr) -> Failure | None:
    model = expected_staleness()

    def wrong(point: dict[str, int]) -> bool:
        return not math.isclose(_value(answer, point), _value(model, point), rel_tol=1e-9)

    point = first_counterexample(LEASES, wrong)
    if point is None:
        return None
    return Failure("your expression is not the mean time a client keeps calling the crashed "
                   "instance", _at(point), f"{_g(_value(model, point))} s",
                   f"{_g(_value(answer, point))} s")


# -- 3.health-policy: thresholds that meet a detection and a false-eviction budget ----------

#: The registry may probe each instance at most once every this many seconds.
PROBE_EVERY = 5.0
#: Every outage longer than this must be detected within it, in check_health's scenarios.
DETECT_WITHIN = 20.0
#: A partition this long (or shorter) must take no live instance out of service.
BLIP = 12
#: The fleet the blips cut off, and the first seconds at which a blip may begin.
BLIP_FLEET = 5
BLIP_STARTS = range(100, 160)


def _probe_budget(policy: CheckPolicy) -> Failure | None:
    if policy.interval < PROBE_EVERY:
        return Failure(f"the registry may probe each instance at most once every "
                       f"{PROBE_EVERY:g} s",
                       expected=f"interval of at least {PROBE_EVERY:g} s",
                       observed=f"interval = {policy.interval:g} s")
    return None


def _detection(policy: CheckPolicy) -> Failure | None:
    verdict = check_health(policy, detect_within=DETECT_WITHIN)
    if verdict.holds:
        return None
    return Failure(f"check_health finds {verdict.statement.ref} violated with "
                   f"detect_within={DETECT_WITHIN:g}",
                   "its four scenarios: crash, flapping, partition and mass restart",
                   "no witness",
                   f"{counted(len(verdict.witnesses), 'witness')}, the first: "
                   f"{verdict.witnesses[0]}")


def blip(policy: CheckPolicy, start: int) -> int:
    """Instance-seconds of healthy capacity ``policy`` takes out of service when the
    registry is cut off from a healthy fleet for :data:`BLIP` s from ``start``."""
    scenario = partition(BLIP_FLEET, start=start, length=BLIP, horizon=start + BLIP + 60)
    return run(lambda truth, seed: Checks(truth, seed, policy=policy), scenario).healthy_lost


def _false_evictions(policy: CheckPolicy) -> Failure | None:
    start = next((s for s in BLIP_STARTS if blip(policy, s)), None)
    if start is None:
        return None
    return Failure(f"a {BLIP} s partition takes live instances out of service",
                   f"{BLIP_FLEET} healthy instances; the registry is cut off from them from "
                   f"t={start} s to t={start + BLIP} s",
                   "0 instance-seconds of healthy capacity lost",
                   f"{blip(policy, start)} instance-seconds lost")


# -- 3.round-robin: a round robin that survives a shrinking list, one position per service ---

#: Two services of 1 to 4 instances each, and the order in which a gateway calls them.
SERVICES = st.tuples(st.integers(min_value=1, max_value=4), st.integers(min_value=1, max_value=4),
                     st.lists(st.sampled_from(("orders", "billing")), min_size=2, max_size=16))
#: A list of n instances, and the list sizes of the calls before it.
HISTORIES = st.tuples(st.integers(min_value=1, max_value=6),
                      st.lists(st.integers(min_value=1, max_value=6), max_size=6))


class _Picks:
    """The learner's balancer called through :func:`answer_call`, with what it chose."""

    def __init__(self, balancer: Any):
        self.balancer = balancer
        self.picks: list[str] = []

    def select(self, instances: list[Instance]) -> str | None:
        """The id of the instance chosen, or None (and recorded) if it chose none of them."""
        chosen = answer_call(self.balancer.select, list(instances))
        if isinstance(chosen, Instance) and chosen in instances:
            self.picks.append(chosen.id)
            return chosen.id
        self.picks.append(_not_listed(chosen))
        return None


def _not_listed(chosen: object) -> str:
    if chosen is None:
        return "None"
    if isinstance(chosen, Instance):
        return f"{chosen.id} (not in the list)"
    return f"a {type(chosen).__name__}, not an Instance"


def _build(answer: type) -> Any:
    return answer_call(answer)


def _rr_type(answer: object) -> Failure | None:
    if isinstance(answer, type):
        return None
    if callable(getattr(answer, "select", None)):
        return Failure(f"expected a class, got an object of class {type(answer).__name__}: "
                       f"pass the class {type(answer).__name__}, not "
                       f"{type(answer).__name__}()")
    return one_of(answer, type, "a class with a select(instances) method")


def _rr_shape(answer: type) -> Failure | None:
    try:
        balancer = _build(answer)
    except OutOfSteps:
        raise
    except Exception as error:
        return Failure(f"{answer.__name__}() must work with no arguments; it raised "
                       f"{type(error).__name__}")
    if not callable(getattr(balancer, "select", None)):
        return Failure(f"{answer.__name__} has no select(instances) method")
    return None


def _observed(picks: _Picks, error: BaseException | None = None) -> str:
    shown = "picks " + ", ".join(picks.picks) if picks.picks else "no pick"
    if error is None:
        return shown
    if isinstance(error, OutOfSteps):
        return f"{shown}, then ran past the step budget"
    text = str(error).splitlines()[0] if str(error) else ""
    said = f": {text}" if text and "0x" not in text else ""
    return f"{shown}, then raised {type(error).__name__}{said}"


def _replay(answer: type, calls: Callable[[_Picks], bool]) -> tuple[bool, str]:
    """Run ``calls`` on a fresh balancer: whether it broke, and what it picked."""
    picks = _Picks(None)
    try:
        picks.balancer = _build(answer)
        broke = calls(picks)
    except Exception as error:
        return True, _observed(picks, error)
    return broke, _observed(picks)


def _shrinking(sizes: list[int]) -> Callable[[_Picks], bool]:
    def calls(picks: _Picks) -> bool:
        return any(picks.select(list(fleet(n))) is None for n in sizes)
    return calls


def _rr_shrink(answer: type) -> Failure | None:
    sizes = first_counterexample(SIZES, lambda s: _replay(answer, _shrinking(s))[0])
    if sizes is None:
        return None
    return Failure("a call does not pick one of the instances it was given",
                   "select over orders with " + ", then ".join(counted(n, "instance")
                                                               for n in sizes)
                   + " (instances deregistered between calls, as in erratum 3.rr-shrink)",
                   "an instance of the current list at every call",
                   _replay(answer, _shrinking(sizes))[1])


def _turns(case: tuple[int, list[int]]) -> Callable[[_Picks], bool]:
    n, history = case

    def calls(picks: _Picks) -> bool:
        for size in history:
            if picks.select(list(fleet(size))) is None:
                return True
        instances = list(fleet(n))
        window = [picks.select(instances) for _ in range(n)]
        return sorted(map(str, window)) != [i.id for i in instances]
    return calls


def _rr_turns(answer: type) -> Failure | None:
    case = first_counterexample(HISTORIES, lambda c: _replay(answer, _turns(c))[0])
    if case is None:
        return None
    n, history = case
    before = ("after calls over " + ", then ".join(counted(k, "instance") for k in history)
              if history else "on a new balancer")
    return Failure(f"{counted(n, 'consecutive call')} on a list of {counted(n, 'instance')} "
                   "do not give each instance one turn",
                   f"{before}: {counted(n, 'call')} over {counted(n, 'instance')}",
                   f"each of {', '.join(i.id for i in fleet(n))} once in the last "
                   f"{counted(n, 'pick')}",
                   _replay(answer, _turns(case))[1])


def _services(case: tuple[int, int, list[str]]) -> Callable[[_Picks], bool]:
    n_orders, n_billing, order = case
    pools = {"orders": list(fleet(n_orders, "orders")),
             "billing": list(fleet(n_billing, "billing"))}

    def calls(picks: _Picks) -> bool:
        chosen: dict[str, list[str | None]] = {"orders": [], "billing": []}
        for service in order:
            chosen[service].append(picks.select(pools[service]))
        for service, got in chosen.items():
            n = len(pools[service])
            if any(len(set(got[k:k + n])) < n or None in got[k:k + n]
                   for k in range(len(got) - n + 1)):
                return True
        return False
    return calls


def _rr_services(answer: type) -> Failure | None:
    case = first_counterexample(SERVICES, lambda c: _replay(answer, _services(c))[0])
    if case is None:
        return None
    n_orders, n_billing, order = case
    return Failure("a service's instances do not take turns when the balancer also serves "
                   "another service",
                   f"one balancer; orders has {counted(n_orders, 'instance')}, billing "
                   f"{n_billing}; calls to {', '.join(order)} (as in erratum 3.rr-shared)",
                   "for each service of n instances, any n consecutive calls to it pick each "
                   "instance once",
                   _replay(answer, _services(case))[1])


# -- 3.spread: predict the slow instance's utilisation and the best balancer ----------------

#: Fleets of 2 to 12 instances whose last instance is s = 1, 1.25, ..., 5 times slower.
FLEETS = st.tuples(st.integers(min_value=2, max_value=12),
                   st.integers(min_value=4, max_value=20)).map(
    lambda t: {"n": t[0], "s": sp.Rational(t[1], 4)})
#: The fleet on which the best balancer is predicted: five instances, the last 1.5x slower.
SPREAD_FLEET, SPREAD_FACTOR = 5, sp.Rational(3, 2)


def slow_utilisation(n: int, s: float) -> float:
    """The model's utilisation of the slow instance under an even split: requests arrive at
    :data:`~msatheory.discovery.spread.UTILISATION` of the fleet's capacity (the sum of the
    instances' service rates, as :func:`~msatheory.discovery.spread.spread` sets its rate);
    the slow one receives 1/n of them and takes s times the mean service time."""
    means = [MEAN_SERVICE_TIME] * (n - 1) + [s * MEAN_SERVICE_TIME]
    rate = UTILISATION * math.fsum(1 / m for m in means)
    return rate / n * means[-1]


@cache
def p99s() -> dict[str, float]:
    """Each balancer's p99 latency (s) on :data:`SPREAD_FLEET` instances, the last
    :data:`SPREAD_FACTOR` times slower, as :func:`spread` measures it."""
    instances = list(fleet(SPREAD_FLEET))
    times = {i.id: MEAN_SERVICE_TIME for i in instances}
    times[instances[-1].id] = float(SPREAD_FACTOR) * MEAN_SERVICE_TIME
    return {name: spread(make(), instances, service_times=times).p99_latency
            for name, make in BALANCERS.items()}


def _spread_type(answer: object) -> Failure | None:
    failure = one_of(answer, tuple, "a pair (rho, best)")
    if failure is None and len(answer) != 2:  # type: ignore[arg-type]
        return Failure(f"expected a pair (rho, best), got a tuple of "
                       f"{counted(len(answer), 'item')}")  # type: ignore[arg-type]
    return failure


def _spread_shape(answer: tuple[object, object]) -> Failure | None:
    rho, best = answer
    if not isinstance(rho, (sp.Expr, int, float)) or isinstance(rho, bool):
        return Failure(f"rho must be a sympy expression in n and s, not a {type(rho).__name__}")
    failure = _symbols_shape(rho, ("n", "s"), exact=False)
    if failure is not None:
        return failure
    if best not in BALANCERS:
        return Failure(f"best must name one of the balancers: {', '.join(BALANCERS)}")
    return None


def _spread_rho(answer: tuple[object, object]) -> Failure | None:
    rho = sp.sympify(answer[0])

    def wrong(point: dict[str, Any]) -> bool:
        model = slow_utilisation(point["n"], float(point["s"]))
        return not math.isclose(_value(rho, point), model, rel_tol=1e-6)

    point = first_counterexample(FLEETS, wrong)
    if point is None:
        return None
    return Failure("rho is not the slow instance's utilisation under an even split",
                   f"n = {point['n']} instances, slow factor s = {float(point['s']):g}",
                   _g(slow_utilisation(point["n"], float(point["s"]))),
                   _g(_value(rho, point)))


def _spread_best(answer: tuple[object, object]) -> Failure | None:
    best = str(answer[1])
    measured = p99s()
    lowest = min(measured.values())
    if measured[best] == lowest:
        return None
    return Failure(f"{best} does not have the lowest p99 in spread's simulation",
                   f"spread(...) over {SPREAD_FLEET} instances, the last "
                   f"{float(SPREAD_FACTOR):g} times slower, for each balancer",
                   f"the balancer whose p99 is {lowest:.3f} s",
                   f"{best}: p99 {measured[best]:.3f} s")


# -- 3.discovery-pattern: client- or server-side discovery for 400 API processes ------------

#: The stated system: 400 API processes, 30 s leases renewed every 10 s.
CLIENTS, LEASE, HEARTBEAT = 400, 30.0, 10.0
#: Its budgets: registry lookups per second, seconds added to a call, seconds a crashed
#: instance may be called.
MAX_LOOKUPS, MAX_ADDED, MAX_STALENESS = 5.0, 0.002, 90.0


def _pattern_shape(setup: DiscoverySetup) -> Failure | None:
    given = {"clients": setup.clients, "lease": setup.lease, "heartbeat": setup.heartbeat}
    stated = {"clients": CLIENTS, "lease": LEASE, "heartbeat": HEARTBEAT}
    wrong = [f"{k}={given[k]:g}" for k in stated if given[k] != stated[k]]
    if wrong:
        return Failure("describe the stated system: clients=400, lease=30, heartbeat=10",
                       expected="clients=400, lease=30, heartbeat=10",
                       observed=", ".join(wrong))
    if setup.network != Network():
        return Failure("keep the default Network(): its delays are the system's, not yours")
    return None


def _holders(setup: DiscoverySetup) -> str:
    if setup.pattern == CLIENT_SIDE:
        return f"{setup.clients} client caches"
    return f"{counted(setup.balancers, 'balancer cache')}"


def _registry_load(setup: DiscoverySetup) -> Failure | None:
    load = setup.registry_load
    if load <= MAX_LOOKUPS:
        return None
    return Failure(f"the registry serves at most {MAX_LOOKUPS:g} lookups a second",
                   f"{setup.pattern}, cache TTL {setup.cache_ttl:g} s",
                   f"at most {MAX_LOOKUPS:g} lookups/s",
                   f"{_holders(setup)} / {setup.cache_ttl:g} s = {load:.2f} lookups/s")


def _added_latency(setup: DiscoverySetup) -> Failure | None:
    added = setup.added_latency
    if added <= MAX_ADDED:
        return None
    return Failure(f"discovery may add at most {1000 * MAX_ADDED:g} ms to a call",
                   f"{setup.pattern}", f"at most {1000 * MAX_ADDED:g} ms",
                   f"{1000 * added:.1f} ms")


def _staleness(setup: DiscoverySetup) -> Failure | None:
    if setup.bound <= MAX_STALENESS:
        return None
    return Failure(f"a crashed instance must stop receiving calls within {MAX_STALENESS:g} s",
                   f"lease {setup.lease:g} s, cache TTL {setup.cache_ttl:g} s",
                   f"staleness_bound at most {MAX_STALENESS:g} s",
                   f"staleness_bound = {setup.bound:g} s")


def _redundancy(setup: DiscoverySetup) -> Failure | None:
    if setup.pattern == CLIENT_SIDE or setup.balancers >= 2:
        return None
    return Failure("one load balancer is a single point of failure",
                   f"server-side with {counted(setup.balancers, 'balancer')}",
                   "at least 2 balancers", counted(setup.balancers, "balancer"))


# -- the exercises ---------------------------------------------------------------------------

def _expression(answer: object) -> Failure | None:
    return one_of(answer, sp.Expr, "a sympy expression")


EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        id="3.staleness",
        statement="Def 3.1.1",
        title="Derive the staleness a client sees",
        task="Derive, as a sympy expression in ell, h and tau, the expected time a client "
        "whose cache lives tau seconds keeps calling a crashed instance of a plain lease "
        "registry (lease ell, heartbeat every h).",
        answer="a sympy expression in the symbols ell, h and tau",
        kind="derivation",
        difficulty=2,
        steps=steps(("type", _expression),
                    ("shape", lambda x: _symbols_shape(x, ("ell", "h", "tau"), exact=False)),
                    ("bounds", _staleness_bounds), ("behaviour", _staleness_mean)),
        hint="the client stops calling at its first fetch after the registry dropped the "
        "instance; the cache's age at that moment is uniform on (0, tau): how long is left?",
        lesson=LESSON_3A,
    ),
    Exercise(
        id="3.health-policy",
        statement="Algorithm 3.2.2",
        title="Tune a health check to three budgets",
        task="Choose a CheckPolicy that probes each instance at most once every 5 s, detects "
        "every outage longer than 20 s within 20 s without forgetting a live instance "
        "(check_health), and takes no live instance out of service during a 12 s partition.",
        answer="a CheckPolicy",
        kind="design",
        difficulty=3,
        steps=steps(("type", lambda x: one_of(x, CheckPolicy, "a CheckPolicy")),
                    ("probe budget", _probe_budget), ("detection", _detection),
                    ("false evictions", _false_evictions)),
        hint="detection takes up to about interval x failures_before_critical seconds, and "
        "a partition of 12 s fails every probe it covers: count the probes in both windows. "
        "A partition longer than the reaping delay needs one of the corrected checker's two "
        "mechanisms.",
        lesson=LESSON_3A,
    ),
    Exercise(
        id="3.round-robin",
        statement="Algorithm 3.2.1",
        title="A round robin that survives a shrinking list",
        task="Write a balancer class whose select(instances) picks the instances of each "
        "service in turn, survives an instance list that shrinks between calls, and keeps "
        "one position per service.",
        answer="a class, constructed with no arguments, with select(instances) -> Instance",
        kind="code",
        difficulty=2,
        steps=steps(("type", _rr_type), ("shape", _rr_shape),
                    ("shrinking list", _rr_shrink), ("fair turns", _rr_turns),
                    ("per service", _rr_services)),
        hint="an index is only meaningful for the list it was computed on: remember, per "
        "service (instances[0].service), where you were in a way that still means "
        "something when the list changes.",
        lesson=LESSON_3B,
    ),
    Exercise(
        id="3.spread",
        statement="Algorithm 3.2.1",
        title="Predict a balancer's spread",
        task="Give the utilisation rho of the slow instance under an even split, as a sympy "
        "expression in the fleet size n and the slow factor s, and name the balancer with "
        "the lowest p99 when the last of 5 instances is 1.5 times slower.",
        answer="a pair (rho, best): a sympy expression in n and s, and a balancer's name",
        kind="model",
        difficulty=2,
        steps=steps(("type", _spread_type), ("shape", _spread_shape),
                    ("utilisation", _spread_rho), ("lowest p99", _spread_best)),
        hint="capacity is a sum of rates, not of times; with rho just under 1, does a blind "
        "balancer's queue at the slow instance stay short?",
        lesson=LESSON_3B,
    ),
    Exercise(
        id="3.discovery-pattern",
        statement="Pattern 3.3.2",
        title="Choose client- or server-side discovery",
        task="Choose the discovery pattern, cache TTL and number of load balancers for 400 "
        "API processes as a DiscoverySetup that meets the registry's, the latency's and "
        "the staleness budget, with no single point of failure.",
        answer="a DiscoverySetup with clients=400, lease=30, heartbeat=10",
        kind="design",
        difficulty=2,
        steps=steps(("type", lambda x: one_of(x, DiscoverySetup, "a DiscoverySetup")),
                    ("shape", _pattern_shape), ("registry load", _registry_load),
                    ("added latency", _added_latency), ("staleness", _staleness),
                    ("redundancy", _redundancy)),
        hint="write each pattern's registry load as a function of the cache TTL, and the "
        "staleness bound too: which pattern can meet both at once?",
        lesson=LESSON_3B,
    ),
)

