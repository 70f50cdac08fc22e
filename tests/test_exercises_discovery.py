"""Chapter 3's exercises on answers the generic tests do not try: other right answers, answers
that raise, loop or have the wrong type, and the feedback each starter gives."""

from __future__ import annotations

import sympy as sp

from msatheory.discovery.balancers import RoundRobin
from msatheory.discovery.health import CheckPolicy
from msatheory.discovery.patterns import DiscoverySetup
from msatheory.discovery.sketch import SketchRoundRobin
from msatheory.exercises import check
from msatheory.exercises.discovery import slow_utilisation
from solutions.discovery import GoSketch, IndexPerService

ell, h, tau = sp.symbols("ell h tau", positive=True)


def test_other_right_answers_pass():
    assert check("3.round-robin", IndexPerService).passed
    assert check("3.round-robin", RoundRobin).passed
    assert check("3.health-policy", CheckPolicy(interval=6, failures_before_critical=3)).passed
    assert check("3.health-policy", CheckPolicy(interval=5, failures_before_critical=4,
                                                self_preservation=False,
                                                deregister_critical_after=None)).passed
    assert check("3.staleness", (2 * ell - h + tau) / 2).passed
    assert check("3.discovery-pattern", DiscoverySetup(
        "server-side", clients=400, cache_ttl=60, balancers=3, heartbeat=10, lease=30)).passed


def test_a_round_robin_that_loops_or_raises_gets_a_message():
    class Loops:
        def select(self, instances):
            while True:
                pass

    class Raises:
        def __init__(self):
            raise RuntimeError("no")

    looped = check("3.round-robin", Loops)
    assert looped.step == ("shrinking list", 3)
    assert "ran past the step budget" in " ".join(looped.lines)
    raised = check("3.round-robin", Raises)
    assert raised.step == ("shape", 2) and "raised RuntimeError" in raised.lines[0]


def test_an_object_instead_of_a_class_is_named_without_its_address():
    sketch = check("3.round-robin", SketchRoundRobin)
    assert sketch.step == ("shrinking list", 3) and "GoPanic" in sketch.lines[3]
    feedback = check("3.round-robin", GoSketch())
    assert feedback.step == ("type", 1)
    assert "pass the class GoSketch, not GoSketch()" in str(feedback)
    assert "0x" not in str(check("3.round-robin", object()))


def test_the_starters_fail_where_the_lesson_says():
    starters = {
        "3.staleness": (ell - h / 2, "behaviour"),
        "3.health-policy": (CheckPolicy(interval=25, failures_before_critical=3,
                                        self_preservation=False), "detection"),
        "3.round-robin": (GoSketch, "shrinking list"),
        "3.spread": ((0.7 * sp.Symbol("s", positive=True), "round robin"), "utilisation"),
        "3.discovery-pattern": (DiscoverySetup("client-side", clients=400, cache_ttl=30,
                                               heartbeat=10, lease=30), "registry load"),
    }
    for exercise_id, (answer, step) in starters.items():
        feedback = check(exercise_id, answer)
        assert not feedback.passed and feedback.step[0] == step, str(feedback)


def test_the_models_behind_the_checks():
    assert abs(slow_utilisation(5, 3.0) - 1.82) < 1e-12
    assert abs(slow_utilisation(5, 1.5) - 0.98) < 1e-12
    assert DiscoverySetup("client-side", clients=400, cache_ttl=80).registry_load == 5
    assert DiscoverySetup("server-side", clients=400, cache_ttl=0).registry_load == 2000
