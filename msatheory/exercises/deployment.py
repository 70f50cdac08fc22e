"""Chapter 7's exercises (lessons 7a and 7b): releases, and metrics, alerts, logs and traces.

Each exercise judges the answer with the chapter's own models: Kubernetes' capacity bounds
of a rolling update (Strategy 7.1.3, 滚动部署) against
:func:`~msatheory.deployment.bounds.rollout_bounds` on searched counts and percentages; a
Flagger analysis (Strategy 7.1.2, 金丝雀部署) run by :func:`~msatheory.deployment.canary.flagger`
on a good and an erroring release; the manifests of a Deployment and its
PodDisruptionBudget (Strategy 7.1.3) read by ``msatheory check``'s Kubernetes importer
and judged by :func:`~msatheory.deployment.manifests.check_rollouts` and
:func:`~msatheory.deployment.manifests.check_budgets`; PromQL's ``histogram_quantile``
(Def 7.2.1, 监控指标) against :func:`~msatheory.deployment.prometheus.histogram_quantile` on
Prometheus' cases and searched histograms; the detection time of a burn-rate alert (Def
7.2.2, 告警规则) against :func:`~msatheory.deployment.slo.detection_time`; and alert rules
for a 99.95% SLO, run on a full outage and judged by
:func:`~msatheory.deployment.alerting.check_alert_rules`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction

import sympy as sp
from hypothesis import strategies as st

from msatheory.check.kubernetes import import_kubernetes
from msatheory.check.source import parse
from msatheory.deployment.alerting import AlertRule, alerts, check_alert_rules, step_detection
from msatheory.deployment.bounds import rollout_bounds
from msatheory.deployment.canary import flagger, promotion_time, rollback_time
from msatheory.deployment.manifests import Rollouts, check_budgets, check_rollouts
from msatheory.deployment.prometheus import histogram_quantile
from msatheory.deployment.release import ReleaseReport, erroring, good
from msatheory.deployment.slo import SLO, detection_time
from msatheory.errors import TheoryError
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
from msatheory.exercises.symbolic import differs, shown_value, symbols_of, value_at

__all__ = ["ALERT_SLO", "EXERCISES", "MOST_BAD", "OUTAGE_PAGE", "PAGE_RESET", "PROMOTED_BY"]

LESSON_7A = "notebooks/07a_releases.ipynb"
LESSON_7B = "notebooks/07b_observability.ipynb"


# -- 7.rollout-bounds: maxSurge and maxUnavailable resolved as the controller does -----------

#: A value of maxSurge or maxUnavailable: a count, or a percentage written "25%".
SURGES = st.one_of(st.integers(0, 12), st.integers(0, 200).map(lambda p: f"{p}%"))
UNAVAILABLES = st.one_of(st.integers(0, 12), st.integers(0, 100).map(lambda p: f"{p}%"))

Case = tuple[int, int | str, int | str]


def _show(value: object) -> str:
    """What an answer returned, never with a memory address."""
    return shown(value) or f"a {type(value).__name__}"


def _holds(test: Callable[..., bool], *args: object) -> bool:
    """Whether ``test(*args)`` holds; an answer that raises or runs out of steps fails it,
    and the step's feedback then shows what it did."""
    try:
        return test(*args)
    except Exception:
        return False


def _accepted(case: Case) -> bool:
    """Whether the API server accepts the rollout, as :func:`rollout_bounds` does: not
    both values written as zero."""
    try:
        rollout_bounds(*case)
    except TheoryError:
        return False
    return True


def _cases(surges: st.SearchStrategy[int | str],
           unavailables: st.SearchStrategy[int | str]) -> st.SearchStrategy[Case]:
    """Rollouts the API server accepts."""
    return st.tuples(st.integers(1, 20), surges, unavailables).filter(_accepted)


def _bounds_case(case: Case) -> str:
    replicas, surge, unavailable = case
    return f"replicas = {replicas}, max_surge = {surge!r}, max_unavailable = {unavailable!r}"


def _bounds_pair(answer: Callable[..., object]) -> Failure | None:
    case: Case = (10, "25%", "25%")

    def pair() -> bool:
        got = answer_call(answer, *case)
        return isinstance(got, tuple) and len(got) == 2 and all(type(v) is int for v in got)

    if _holds(pair):
        return None
    return Failure("your function must return a pair of ints (max_pods, min_available)",
                   _bounds_case(case), repr(rollout_bounds(*case)),
                   observe(lambda: answer_call(answer, *case), _show))


def _bounds_step(cases: st.SearchStrategy[Case], what: str
                 ) -> Callable[[Callable[..., object]], Failure | None]:
    def check(answer: Callable[..., object]) -> Failure | None:
        found = first_counterexample(cases, lambda c: answer_call(answer, *c)
                                     != rollout_bounds(*c))
        if found is None:
            return None
        return Failure(f"your bounds differ from the Deployment controller's for {what}",
                       _bounds_case(found),
                   f"{rollout_bounds(*found)}, as rollout_bounds({', '.join(map(repr, found))}) "
                   "gives",
                       observe(lambda: answer_call(answer, *found), _show))

    return check


# -- 7.flagger-analysis: an analysis that promotes fast and rolls back cheaply ----------------

#: The settings a Flagger analysis is given, as ``flagger``'s keyword arguments.
ANALYSIS = ("interval", "threshold", "max_weight", "step_weight")
#: A good release must be fully promoted this many seconds after it starts.
PROMOTED_BY = 300
#: An erroring release must be rolled back having served at most this many failed requests.
MOST_BAD = 100


def _analysis_shape(answer: dict[str, object]) -> Failure | None:
    if set(answer) != set(ANALYSIS):
        return Failure("give exactly the four settings of a Flagger analysis",
                       expected=", ".join(ANALYSIS),
                       observed=", ".join(map(str, answer)) or "no setting")
    try:
        flagger(good(), horizon=10, **answer)  # type: ignore[arg-type]
    except TheoryError as error:
        return Failure(f"Flagger refuses the analysis: {error}",
                       expected="interval a multiple of 10 seconds, threshold at least 1, "
                       "weights from 1 to 100", observed=repr(answer))
    return None


def _analysis_rules(answer: dict[str, int]) -> Failure | None:
    for key, least, why in (
            ("interval", 30, "a check needs 30 seconds of traffic or more to judge"),
            ("threshold", 2, "one noisy check must not roll a release back"),
            ("max_weight", 50, "the canary must carry half the traffic before promotion")):
        if answer[key] < least:
            return Failure(f"{key} {answer[key]} is too small: {why}",
                           expected=f"{key} at least {least}", observed=f"{key} {answer[key]}")
    return None


def _run(answer: dict[str, int], release: str) -> ReleaseReport:
    return flagger(good() if release == "good" else erroring(),
                   interval=answer["interval"], threshold=answer["threshold"],
                   max_weight=answer["max_weight"], step_weight=answer["step_weight"])


def _call(answer: dict[str, int], release: str) -> str:
    settings = ", ".join(f"{k}={answer[k]}" for k in ANALYSIS)
    return f"flagger({release}(), {settings})"


def _analysis_promotes(answer: dict[str, int]) -> Failure | None:
    report = _run(answer, "good")
    if report.outcome == "promoted" and (report.time_to_full or 0) <= PROMOTED_BY:
        return None
    closed = promotion_time(answer["interval"], answer["max_weight"], answer["step_weight"])
    observed = (f"{report.outcome}, all traffic on the new version after "
                f"{report.time_to_full} s" if report.outcome == "promoted"
                else report.outcome)
    return Failure("your analysis promotes a good release too slowly",
                   _call(answer, "good"),
                   f"promoted within {PROMOTED_BY} s (the analysis alone takes "
                   f"promotion_time = {closed:g} s; the canary's start and the primary's "
                   "update come on top)", observed)


def _analysis_rolls_back(answer: dict[str, int]) -> Failure | None:
    report = _run(answer, "erroring")
    if report.outcome == "rolled back" and report.bad_requests <= MOST_BAD:
        return None
    closed = rollback_time(answer["interval"], answer["threshold"])
    return Failure("your analysis lets an erroring release fail too many requests",
                   _call(answer, "erroring"),
                   f"rolled back after at most {MOST_BAD} failed requests (rollback_time = "
                   f"{closed:g} s after the first failed check)",
                   f"{report.outcome} at {report.decided_at} s, after "
                   f"{report.bad_requests} failed requests")


# -- 7.orders-manifests: a Deployment and its PodDisruptionBudget ----------------------------

def _read(answer: str) -> Rollouts | Failure:
    """The rollouts ``msatheory check`` reads from the manifests, or why it cannot."""
    try:
        rollouts = import_kubernetes(parse(answer, "orders.yaml")).rollouts
    except TheoryError as error:
        return Failure(f"msatheory check cannot read your manifests: {error}")
    return rollouts if rollouts is not None else Failure(
        "your manifests hold no Deployment", expected="a Deployment orders",
        observed="no workload")


def _manifests_shape(answer: str) -> Failure | None:
    rollouts = _read(answer)
    if isinstance(rollouts, Failure):
        return rollouts
    names = [f"{r.kind} {r.name}" for r in rollouts.rollouts]
    if "Deployment orders" not in names:
        return Failure("write a Deployment named orders", expected="Deployment orders",
                       observed=", ".join(names) or "no workload")
    if not any("Deployment orders" in b.selects for b in rollouts.budgets):
        budgets = [f"{b.name} over {', '.join(b.selects) or 'nothing'}"
                   for b in rollouts.budgets]
        return Failure("write a PodDisruptionBudget whose selector matches the orders pods",
                       expected="a PodDisruptionBudget over Deployment orders",
                       observed="; ".join(budgets) or "no PodDisruptionBudget")
    return None


def _manifests_check(check: Callable[[Rollouts], object]) -> Callable[[str], Failure | None]:
    def step(answer: str) -> Failure | None:
        rollouts = _read(answer)
        if isinstance(rollouts, Failure):
            return rollouts
        return violated(check(rollouts))  # type: ignore[arg-type]

    return step


# -- 7.histogram-quantile: PromQL's estimate of a quantile from cumulative buckets ----------

Buckets = list[tuple[float, float]]

#: Prometheus' own cases (promql/promqltest/testdata/histograms.test, at 50m) and a rank in
#: the +Inf bucket: ``(q, buckets)``.
PROMETHEUS_CASES: tuple[tuple[float, Buckets], ...] = tuple(
    (q, [(0.1, 50.0), (0.2, 70.0), (1.0, 110.0), (math.inf, 120.0)])
    for q in (0.2, 0.5, 0.8, 0.99, 1.0, 0.0))


def _histograms() -> st.SearchStrategy[tuple[float, Buckets]]:
    """A quantile above 0 (at 0, an empty lowest bucket makes Prometheus divide 0 by 0) in
    tenths and a histogram: finite positive bounds in tenths, cumulative counts growing by
    0 to 3 (so that ranks fall on bucket boundaries and buckets are empty), the +Inf
    bucket last, at least one observation."""
    bounds = st.lists(st.integers(1, 30), min_size=1, max_size=5, unique=True).map(sorted)
    counts = st.lists(st.integers(0, 3), min_size=6, max_size=6)

    def histogram(pair: tuple[list[int], list[int]]) -> Buckets:
        tenths, added = pair
        total, out = 0, []
        for le, n in zip([*(t / 10 for t in tenths), math.inf], added, strict=False):
            total += n
            out.append((le, float(total)))
        return out

    shapes = st.tuples(bounds, counts).map(histogram).filter(lambda b: b[-1][1] > 0)
    return st.tuples(st.integers(1, 10).map(lambda k: k / 10), shapes)


def _same(got: object, wanted: float) -> bool:
    if not isinstance(got, int | float) or isinstance(got, bool):
        return False
    if math.isnan(wanted) or math.isinf(wanted):
        return math.isnan(got) if math.isnan(wanted) else got == wanted
    return math.isfinite(got) and abs(got - wanted) <= 1e-9 * max(1.0, abs(wanted))


def _quantile_failure(answer: Callable[..., object], q: float, buckets: Buckets,
                      message: str) -> Failure:
    wanted = histogram_quantile(q, buckets)
    return Failure(message, f"q = {q:g}, buckets = {buckets}",
                   f"{wanted:.6g}, as histogram_quantile gives",
                   observe(lambda: answer_call(answer, q, list(buckets)), _show))


def _estimates(answer: Callable[..., object], q: float, buckets: Buckets) -> bool:
    return _same(answer_call(answer, q, list(buckets)), histogram_quantile(q, buckets))


def _quantile_cases(answer: Callable[..., object]) -> Failure | None:
    for q, buckets in PROMETHEUS_CASES:
        if not _holds(_estimates, answer, q, buckets):
            return _quantile_failure(answer, q, buckets, "your estimate differs from "
                                     "Prometheus' on one of its own test cases")
    return None


def _quantile_search(answer: Callable[..., object]) -> Failure | None:
    found = first_counterexample(_histograms(), lambda c: not _estimates(answer, *c))
    if found is None:
        return None
    return _quantile_failure(answer, *found, "your estimate differs from Prometheus' on a "
                             "histogram the search found")


# -- 7.detection-time: how long a burn-rate alert takes to fire ------------------------------

#: The symbols of the answer: the event's error ratio, the objective, the window and the
#: burn rate.
DETECTION = ("e", "S", "w", "b")
#: SLOs ``S`` the points step tries; a burn rate ``b`` below ``1 / (1 - S)``, the error ratio
#: ``e`` above ``b * (1 - S)`` (the alert fires), down from a full outage.
SLOS = (Fraction(9, 10), Fraction(99, 100), Fraction(999, 1000), Fraction(9995, 10000))
#: Points the search tries: each is a sympy substitution, the slowest part of the check.
POINTS = 100


def _detection_points() -> st.SearchStrategy[dict[str, Fraction]]:
    def point(slo: Fraction) -> st.SearchStrategy[dict[str, Fraction]]:
        budget = 1 - slo
        most = math.ceil(1 / budget) - 1
        return st.tuples(st.integers(1, 24 * 60), st.integers(1, min(most, 100)),
                         st.integers(0, 9)).map(lambda t: {
                             "e": 1 - (1 - t[1] * budget) * Fraction(t[2], 10),
                             "S": slo, "w": Fraction(t[0]), "b": Fraction(t[1])})

    return st.sampled_from(SLOS).flatmap(point)


def _detected(point: dict[str, Fraction]) -> Fraction:
    value = detection_time(point["e"], point["S"], point["w"], point["b"])
    assert isinstance(value, Fraction)
    return value


def _detection_shape(answer: sp.Expr) -> Failure | None:
    found = set(symbols_of(answer))
    if found <= set(DETECTION):
        return None
    return Failure(f"expected an expression in {', '.join(DETECTION)}, found the symbols "
                   f"{', '.join(sorted(found))}")


def _detection_at_points(answer: sp.Expr) -> Failure | None:
    point = first_counterexample(_detection_points(),
                                 lambda p: differs(value_at(answer, p), _detected(p)),
                                 max_examples=POINTS)
    if point is None:
        return None
    where = ", ".join(f"{name} = {value}" for name, value in point.items())
    return Failure("your expression is not the time the window's error ratio takes to "
                   "cross the alert's threshold", where,
                   f"{_detected(point)}, as detection_time(e, S, w, b) gives",
                   shown_value(value_at(answer, point)))


def _detection_symbolic(answer: sp.Expr) -> Failure | None:
    positive = {name: sp.Symbol(name, positive=True) for name in DETECTION}
    found = symbols_of(answer)
    given = sp.sympify(answer).subs({found[n]: positive[n] for n in found})
    e, objective, w, b = (positive[n] for n in DETECTION)
    wanted = (1 - objective) / e * w * b
    if sp.simplify(sp.cancel(sp.together(given - wanted))) == 0:
        return None
    return Failure("your expression agrees at every point tried, but not for every value",
                   "e, S, w and b positive symbols", "(1 - S)/e*w*b", shown(given, 80))


# -- 7.slo-alerts: pages for a 99.95% SLO ----------------------------------------------------

#: The SLO the alert rules protect: 99.95% of requests over 30 days.
ALERT_SLO = SLO(Fraction(9995, 10000))
#: A full outage must page within this many minutes.
OUTAGE_PAGE = 5
#: After a full outage of ``OUTAGE`` minutes ends, every page stops within this many minutes.
PAGE_RESET = 45
OUTAGE = 10


def _rules_type(answer: object) -> Failure | None:
    if isinstance(answer, list | tuple) and answer and all(
            isinstance(r, AlertRule) for r in answer):
        return None
    return Failure("expected a non-empty list of AlertRule, got "
                   f"{type(answer).__name__} {shown(answer)}".rstrip())


def _pages(answer: Sequence[AlertRule]) -> list[AlertRule]:
    return [r for r in answer if r.severity == "page"]


def _rules_shape(answer: Sequence[AlertRule]) -> Failure | None:
    names = [r.name for r in answer]
    if len(set(names)) < len(names):
        return Failure("give each rule its own name", observed=", ".join(names))
    if _pages(answer):
        return None
    return Failure("an outage must wake someone: give at least one rule severity 'page'",
                   expected="a rule with severity 'page'",
                   observed=", ".join(f"{r.name} ({r.severity})" for r in answer))


def _outage_page(answer: Sequence[AlertRule]) -> Failure | None:
    times = {r.name: step_detection(r, 1) for r in _pages(answer)}
    fired = [t for t in times.values() if t is not None]
    if fired and min(fired) <= OUTAGE_PAGE:
        return None
    return Failure("a full outage is not paged soon enough",
                   "step_detection(rule, 1) for each page rule (every request failing)",
                   f"a page within {OUTAGE_PAGE} min",
                   "; ".join(f"{name}: {'never' if t is None else f'{t} min'}"
                             for name, t in times.items()))


def _alerts_checked(answer: Sequence[AlertRule]) -> Failure | None:
    return violated(check_alert_rules(answer, ALERT_SLO))


def _reset(answer: Sequence[AlertRule]) -> Failure | None:
    longest = max(r.longest + r.for_ for r in answer)
    series = [0.0] * longest + [1.0] * OUTAGE + [0.0] * (longest + 1)
    end = longest + OUTAGE
    late = []
    for rule in _pages(answer):
        for alert in alerts(rule, series):
            stop = len(series) if alert.end is None else alert.end - 1
            if stop - end > PAGE_RESET:
                late.append(f"{rule.name} pages until {stop - end} min after")
    if not late:
        return None
    return Failure("a page keeps firing long after the outage is over",
                   f"a {OUTAGE}-minute outage (every request failing) on a clean background",
                   f"every page resolved within {PAGE_RESET} min of the outage's end",
                   "; ".join(late))


# -- the exercises ---------------------------------------------------------------------------

EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        id="7.rollout-bounds",
        statement="Strategy 7.1.3",
        title="The capacity bounds of a rolling update",
        task="Write rollout_bounds(replicas, max_surge, max_unavailable), the most pods and "
        "the fewest available pods of a Deployment's rolling update, each of max_surge and "
        "max_unavailable a count or a percentage written '25%', resolved as the Deployment "
        "controller resolves them.",
        answer="a function rollout_bounds(replicas, max_surge, max_unavailable) returning "
        "(max_pods, min_available)",
        kind="code",
        difficulty=2,
        steps=steps(("type", a_function("a function rollout_bounds(replicas, max_surge, "
                                         "max_unavailable)")),
                    ("shape", takes("replicas", "max_surge", "max_unavailable")),
                    ("a pair", _bounds_pair),
                    ("counts", _bounds_step(_cases(st.integers(0, 12), st.integers(0, 12)),
                                            "counts")),
                    ("percentages", _bounds_step(_cases(SURGES, UNAVAILABLES),
                                                 "counts and percentages"))),
        hint="the controller rounds so as to keep capacity: a surge percentage up, an "
        "unavailability percentage down. A rollout that may neither add a pod nor lose one "
        "could never replace one, and no rollout can make more pods unavailable than exist.",
        lesson=LESSON_7A,
    ),
    Exercise(
        id="7.flagger-analysis",
        statement="Strategy 7.1.2",
        title="A canary analysis that is quick and cheap",
        task="Choose a Flagger analysis, a dict of interval (seconds), threshold, "
        "max_weight and step_weight, with an interval of at least 30 s, a threshold of at "
        "least 2 and a max_weight of at least 50, that promotes good() with all traffic on "
        f"it within {PROMOTED_BY} s, yet rolls erroring() back having failed at most "
        f"{MOST_BAD} requests.",
        answer="a dict with the keys interval, threshold, max_weight and step_weight",
        kind="design",
        difficulty=2,
        steps=steps(("type", lambda x: one_of(x, dict, "a dict of Flagger's settings")),
                    ("shape", _analysis_shape), ("rules", _analysis_rules),
                    ("promotion", _analysis_promotes), ("rollback", _analysis_rolls_back)),
        hint="promotion takes about interval × max_weight / step_weight, and a bad canary "
        "fails requests at its current weight on every tick until threshold checks have "
        "failed. Which setting shortens both, and which step makes the canary's weight, "
        "and so its failures, grow too fast?",
        lesson=LESSON_7A,
    ),
    Exercise(
        id="7.orders-manifests",
        statement="Strategy 7.1.3",
        title="Manifests that keep the orders service available",
        task="Write, as YAML text, a Deployment named orders and a PodDisruptionBudget over "
        "its pods such that msatheory check finds nothing: every rolling update keeps a pod "
        "available and sends traffic only to ready pods, and the budget neither blocks "
        "every eviction nor protects nothing.",
        answer="a str of Kubernetes YAML: a Deployment orders and a PodDisruptionBudget",
        kind="design",
        difficulty=3,
        steps=steps(("type", lambda x: one_of(x, str, "the manifests as a str of YAML")),
                    ("shape", _manifests_shape), ("rollout", _manifests_check(check_rollouts)),
                    ("budget", _manifests_check(check_budgets))),
        hint="a rollout keeps capacity when a new pod comes up before an old one goes, and "
        "a pod is available only when a probe says it can serve. With a single replica, "
        "what can a disruption budget allow a node drain to do?",
        lesson=LESSON_7A,
    ),
    Exercise(
        id="7.histogram-quantile",
        statement="Def 7.2.1",
        title="A quantile from histogram buckets",
        task="Write histogram_quantile(q, buckets), PromQL's estimate of the q-quantile "
        "from a histogram's buckets, a list of (le, cumulative count) pairs sorted by their "
        "positive upper bounds le and ending with le = math.inf, as Prometheus computes it.",
        answer="a function histogram_quantile(q, buckets) returning a float",
        kind="code",
        difficulty=2,
        steps=steps(("type", a_function("a function histogram_quantile(q, buckets)")),
                    ("shape", takes("q", "buckets")),
                    ("Prometheus' cases", _quantile_cases), ("search", _quantile_search)),
        hint="find the first bucket whose cumulative count reaches the rank q × total, and "
        "spread that bucket's own observations evenly between its lower and upper bounds. "
        "Where does the lowest bucket start, and what can be said of a rank in the +Inf "
        "bucket?",
        lesson=LESSON_7B,
    ),
    Exercise(
        id="7.detection-time",
        statement="Def 7.2.2",
        title="How long a burn-rate alert takes to fire",
        task="Derive, as a sympy expression in e, S, w and b, the time an alert on the mean "
        "error ratio of a window of w minutes above b × (1 - S) takes to fire once an event "
        "making a share e of requests fail begins on a clean background (e above the "
        "threshold).",
        answer="a sympy expression in the symbols e, S, w and b",
        kind="derivation",
        difficulty=1,
        steps=steps(("type", lambda x: one_of(x, sp.Expr, "a sympy expression")),
                    ("shape", _detection_shape), ("at points", _detection_at_points),
                    ("every value", _detection_symbolic)),
        hint="t minutes into the event, the window holds t minutes of errors at e and w - t "
        "clean ones. When does its mean reach the threshold?",
        lesson=LESSON_7B,
    ),
    Exercise(
        id="7.slo-alerts",
        statement="Def 7.2.2",
        title="Pages for a 99.95% SLO",
        task="Write alert rules (a list of AlertRule) for ALERT_SLO, 99.95% over 30 days, "
        f"that page on a full outage within {OUTAGE_PAGE} minutes, that check_alert_rules "
        f"passes, and whose pages all stop within {PAGE_RESET} minutes of the end of a "
        f"{OUTAGE}-minute outage.",
        answer="a list of AlertRule",
        kind="design",
        difficulty=3,
        steps=steps(("type", _rules_type), ("shape", _rules_shape),
                    ("outage", _outage_page), ("checker", _alerts_checked),
                    ("reset", _reset)),
        hint="a long window catches slow burns but remembers an outage for as long as it "
        "lasts. What does a second, short window above the same burn rate add to a rule?",
        lesson=LESSON_7B,
    ),
)
