"""The Rust sketch as written, its correction, and a stateful test of the correction."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from msatheory import TheoryError
from msatheory.basics import ERRATA, STUBS
from msatheory.basics.errata import healthy_in_truth, run_scale_calls
from msatheory.basics.sketch import (
    CorrectedMicroservice,
    DataStoreType,
    DeploymentStatus,
    Platform,
    SketchMicroservice,
)


def test_is_healthy_and_start_service_are_declared_stubs_and_scale_an_erratum():
    assert [s.key for s in STUBS] == ["1.is-healthy", "1.start-service"]
    assert [e.key for e in ERRATA] == ["1.scale"]
    assert all("简化实现" in s.declared for s in STUBS)
    (scale,) = ERRATA
    assert "Whatever the stub start_service does" in scale.wrong
    example = scale.demonstrate()
    assert example.scenario == "a new service, then scale(1), scale(0)"
    assert example.observed == "running instances: 1"
    assert scale.verify_corrected()


def test_the_port_keeps_the_sketchs_behaviour():
    service = SketchMicroservice("o-1", "orders", "1.0.0", Platform())
    service.add_dependency("payments")
    service.add_dependency("payments")  # as written: duplicates accepted
    service.add_data_store("db", DataStoreType.POSTGRESQL, "postgres://db")
    deployment = service.deploy()
    assert deployment.status is DeploymentStatus.PENDING
    assert service.dependencies == ["payments", "payments"]
    service.platform.crash("orders-1")
    assert service.is_healthy() is True  # the declared stub 1.is-healthy
    service.scale(2)
    service.scale(2)
    assert len(service.platform.running("orders")) == 4  # erratum 1.scale


def test_the_correction_converges_and_probes():
    service = CorrectedMicroservice("o-1", "orders", "1.0.0", Platform())
    assert not service.is_healthy()
    service.scale(3)
    service.scale(3)
    assert [i.id for i in service.platform.running("orders")] == [
        "orders-1", "orders-2", "orders-3"]
    for instance in service.platform.running("orders")[:2]:
        service.platform.crash(instance.id)
    service.platform.slow_down("orders-3", 6.0)
    assert not service.is_healthy()  # 6 s exceeds the sketch's 5 s timeout
    service.scale(2)
    assert [i.id for i in service.platform.running("orders")] == ["orders-3", "orders-4"]
    assert service.is_healthy()  # the crashed two were replaced; orders-4 answers in time
    service.scale(0)
    assert service.platform.running("orders") == []
    with pytest.raises(TheoryError, match="replicas must be a whole number, 0 or more, not -1"):
        service.scale(-1)
    with pytest.raises(TheoryError, match="no instance 'orders-9'"):
        service.platform.crash("orders-9")


def test_the_scale_counterexample_is_minimal():
    assert run_scale_calls(SketchMicroservice, [1, 0]) == 1
    assert run_scale_calls(CorrectedMicroservice, [1, 0]) == 0


class CorrectedServiceMachine(RuleBasedStateMachine):
    """Any interleaving of scaling, crashes and slow-downs keeps the corrected model honest."""

    def __init__(self) -> None:
        super().__init__()
        self.service = CorrectedMicroservice("o-1", "orders", "1.0.0", Platform())
        self.desired: int | None = None

    @rule(replicas=st.integers(min_value=0, max_value=5))
    def scale(self, replicas: int) -> None:
        self.service.scale(replicas)
        self.desired = replicas
        assert len(self.service.platform.running("orders")) == replicas

    @precondition(lambda self: self.service.platform.running("orders"))
    @rule(index=st.integers(min_value=0, max_value=4))
    def crash(self, index: int) -> None:
        running = self.service.platform.running("orders")
        self.service.platform.crash(running[index % len(running)].id)

    @precondition(lambda self: self.service.platform.running("orders"))
    @rule(index=st.integers(min_value=0, max_value=4), seconds=st.floats(0, 10))
    def slow_down(self, index: int, seconds: float) -> None:
        running = self.service.platform.running("orders")
        self.service.platform.slow_down(running[index % len(running)].id, seconds)

    @invariant()
    def health_tells_the_truth(self) -> None:
        assert self.service.is_healthy() == healthy_in_truth(self.service)

    @invariant()
    def never_more_than_asked(self) -> None:
        if self.desired is not None:
            assert len(self.service.platform.running("orders")) <= self.desired


CorrectedServiceMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=20)
TestCorrectedService = CorrectedServiceMachine.TestCase
