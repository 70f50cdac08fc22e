"""Chapter 1's errata: the Rust sketch's health check and scaling, shown wrong by running them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hypothesis import find
from hypothesis import strategies as st

from msatheory.basics.sketch import (
    CorrectedMicroservice,
    Platform,
    SketchMicroservice,
)
from msatheory.theory.erratum import SEARCH, Counterexample, Erratum, holds_for_all

__all__ = ["ERRATA", "healthy_in_truth", "run_health_events", "run_scale_calls"]

HEALTH_EVENTS = st.lists(st.sampled_from(["start", "crash", "hang"]), max_size=8)
SCALE_CALLS = st.lists(st.integers(min_value=0, max_value=6), max_size=6)


def run_health_events(kind: type[SketchMicroservice], events: Sequence[str]) -> SketchMicroservice:
    """Deploy a service of ``kind``, then apply each event to its oldest live instance."""
    service = kind("orders-1", "orders", "1.0.0", Platform())
    service.deploy()
    for event in events:
        answering = [
            i for i in service.platform.running("orders")
            if service.platform.probe(i.id, service.health_check.timeout)
        ]
        if event == "start":
            service.start_service()
        elif answering and event == "crash":
            service.platform.crash(answering[0].id)
        elif answering and event == "hang":
            service.platform.slow_down(answering[0].id, 2 * service.health_check.timeout)
    return service


def healthy_in_truth(service: SketchMicroservice) -> bool:
    """Whether some instance of the service answers its health endpoint in time."""
    timeout = service.health_check.timeout
    return any(
        i.response_time is not None and i.response_time <= timeout
        for i in service.platform.instances.values()
        if i.service == service.name
    )


def run_scale_calls(kind: type[SketchMicroservice], calls: Sequence[int]) -> int:
    """Call ``scale(n)`` for each n on a fresh service of ``kind``; return instances running."""
    service = kind("orders-1", "orders", "1.0.0", Platform())
    for replicas in calls:
        service.scale(replicas)
    return len(service.platform.running("orders"))


def _health_lies(kind: type[SketchMicroservice]) -> Callable[[list[str]], bool]:
    def lies(events: list[str]) -> bool:
        service = run_health_events(kind, events)
        return service.is_healthy() != healthy_in_truth(service)

    return lies


def _scale_misses(kind: type[SketchMicroservice]) -> Callable[[list[int]], bool]:
    def misses(calls: list[int]) -> bool:
        return bool(calls) and run_scale_calls(kind, calls) != calls[-1]

    return misses


def _demonstrate_health() -> Counterexample:
    events = find(HEALTH_EVENTS, _health_lies(SketchMicroservice), settings=SEARCH)
    service = run_health_events(SketchMicroservice, events)
    states = ", ".join(
        f"{i.id} {'crashed' if i.crashed else f'answers in {i.response_time:g} s'}"
        for i in service.platform.instances.values()
    )
    return Counterexample(
        f"deploy 'orders', then {events} (instances: {states})",
        f"is_healthy() is {healthy_in_truth(service)}: no instance answers within "
        f"{service.health_check.timeout:g} s",
        f"is_healthy() is {service.is_healthy()}",
    )


def _demonstrate_scale() -> Counterexample:
    calls = find(SCALE_CALLS, _scale_misses(SketchMicroservice), settings=SEARCH)
    steps = ", ".join(f"scale({n})" for n in calls)
    return Counterexample(
        f"a new service, then {steps}",
        f"running instances: {calls[-1]}, as the last call asked",
        f"running instances: {run_scale_calls(SketchMicroservice, calls)}",
    )


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        key="1.is-healthy",
        concerns="Rust sketch Microservice::is_healthy (section 1.2; Feature 1.2.3, "
        "Algorithm 3.2.2)",
        wrong="It always returns true, so a service none of whose instances answers is "
        "reported healthy and no health check can ever act on it.",
        demonstrate=_demonstrate_health,
        verify_corrected=lambda: holds_for_all(
            HEALTH_EVENTS, _health_lies(CorrectedMicroservice)
        ),
        corrected_by="msatheory.basics.sketch.CorrectedMicroservice.is_healthy",
    ),
    Erratum(
        key="1.scale",
        concerns="Rust sketch Microservice::scale (section 1.2; Feature 1.2.4)",
        wrong="Calling scale(n) starts n more instances every time instead of converging to n "
        "replicas, so repeating a call multiplies the fleet and scale(0) never scales down.",
        demonstrate=_demonstrate_scale,
        verify_corrected=lambda: holds_for_all(SCALE_CALLS, _scale_misses(CorrectedMicroservice)),
        corrected_by="msatheory.basics.sketch.CorrectedMicroservice.scale",
    ),
)
