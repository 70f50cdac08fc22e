"""Chapter 1's errata and declared stubs of the Rust ``Microservice`` sketch (section 1.2).

``is_healthy`` and ``start_service`` are marked 简化实现 by the theory itself: they are
declared stubs (``STUBS``), not defects. ``scale`` is an erratum whatever ``start_service``
does: it calls it n more times instead of reconciling to n running instances.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from msatheory.basics.sketch import (
    CorrectedMicroservice,
    Platform,
    SketchMicroservice,
)
from msatheory.theory.erratum import Counterexample, Erratum, Stub, holds_for_all

__all__ = ["ERRATA", "STUBS", "healthy_in_truth", "run_health_events", "run_scale_calls"]

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


def scale_misses(calls: list[int], kind: type[SketchMicroservice] = SketchMicroservice) -> bool:
    """Property: after ``scale(n1), ..., scale(nk)`` on a new service, ``nk`` instances run.

    True on a counterexample: the calls leave another number running.
    """
    return bool(calls) and run_scale_calls(kind, calls) != calls[-1]


def _describe_scale(calls: list[int]) -> Counterexample:
    steps = ", ".join(f"scale({n})" for n in calls)
    return Counterexample(
        f"a new service, then {steps}",
        f"running instances: {calls[-1]}, as the last call asked",
        f"running instances: {run_scale_calls(SketchMicroservice, calls)}",
    )


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        key="1.scale",
        concerns="Rust sketch Microservice::scale (section 1.2; Feature 1.2.4)",
        wrong="Whatever the stub start_service does, scale(n) calls it n more times without "
        "looking at what runs, so it adds n instances instead of reconciling to n: repeating "
        "a call multiplies the fleet and scale(0) never scales down.",
        search=SCALE_CALLS,
        breaks=scale_misses,
        describe=_describe_scale,
        verify_corrected=lambda: holds_for_all(
            SCALE_CALLS, lambda calls: scale_misses(calls, CorrectedMicroservice)
        ),
        corrected_by="msatheory.basics.sketch.CorrectedMicroservice.scale",
    ),
)

STUBS: tuple[Stub, ...] = (
    Stub(
        key="1.is-healthy",
        concerns="Rust sketch Microservice::is_healthy (section 1.2; Feature 1.2.3, "
        "Algorithm 3.2.2)",
        declared="简化实现：总是返回true",
        stands_for="It must report whether some instance of the service answers its health "
        "probe within the timeout.",
        modelled_by="msatheory.basics.sketch.CorrectedMicroservice.is_healthy",
    ),
    Stub(
        key="1.start-service",
        concerns="Rust sketch Microservice::start_service (section 1.2; Feature 1.2.4)",
        declared="简化实现",
        stands_for="It must start one more instance of the service on the platform and "
        "report the instance, or the error that stopped it.",
        modelled_by="msatheory.basics.sketch.Platform.start",
    ),
)
