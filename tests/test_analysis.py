"""Strategy 7.1.2 (金丝雀部署): the release checks, Flagger's thresholds and Kayenta's judge."""

from __future__ import annotations

import pytest

from msatheory.deployment.analysis import BUILTIN, Check, CheckResult, JudgeCheck, ThresholdCheck
from msatheory.deployment.release import (
    STEP,
    PodSample,
    Window,
)
from msatheory.errors import TheoryError

# --- checks ---------------------------------------------------------------------------------


def _samples(group: str, version: str, errors: int, p99: float, mean: float,
             steps: int = 6, pods: int = 2) -> tuple[PodSample, ...]:
    return tuple(PodSample(t * STEP, pod, group, version, 100, errors, errors, p99, mean)
                 for t in range(steps) for pod in range(pods))


def test_threshold_check_reads_success_rate_then_duration() -> None:
    fine = Window(0, 60, _samples("c", "v2", 0, 150.0, 55.0), ())
    assert BUILTIN(fine).passed
    failing = Window(0, 60, _samples("c", "v2", 2, 150.0, 55.0), ())
    assert BUILTIN(failing).detail == "success rate 98.00% < 99%"
    tail = Window(0, 60, _samples("c", "v2", 0, 2000.0, 110.0), ())
    assert not BUILTIN(tail).passed and "p99" in BUILTIN(tail).detail
    assert ThresholdCheck(statistic="mean")(tail).passed
    assert not BUILTIN(Window(0, 60, (), ())).passed
    with pytest.raises(TheoryError, match="statistic"):
        ThresholdCheck(statistic="p50")


def test_judge_check_compares_with_the_control_per_step_or_per_pod() -> None:
    base = _samples("b", "v1", 0, 150.0, 55.0)
    jitter = tuple(PodSample(s.time, s.pod, s.group, s.version, s.requests,
                             s.errors + (s.time // 10 + s.pod) % 2, s.bad, s.p99_ms, s.mean_ms)
                   for s in base)
    worse = _samples("c", "v2", 6, 150.0, 55.0)
    for granularity in ("step", "pod"):
        check = JudgeCheck(granularity=granularity)
        assert check.needs_baseline
        assert check(Window(0, 60, worse, jitter)).label == "Fail"
        assert check(Window(0, 60, jitter, jitter)).passed


def test_checks_satisfy_the_protocol_and_a_new_one_plugs_in() -> None:
    class Always:
        name, needs_baseline = "always", False

        def __call__(self, window: Window) -> CheckResult:
            return CheckResult(True, "Pass", "")

    for check in (BUILTIN, JudgeCheck(), Always()):
        assert isinstance(check, Check)
