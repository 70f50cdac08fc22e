"""Chapter 7's errata (msatheory.deployment.errata): each erratum's smallest counterexample
and its description, the sketch's properties away from the defects, the corrected models
on chosen cases, and the declared stubs. What every erratum and stub must be (a reproducible
search, a correction that holds, the record's form) tests/test_theory.py holds."""

from __future__ import annotations

import pytest

from msatheory.deployment import errata
from msatheory.deployment.errata import ERRATA, STUBS
from msatheory.deployment.sketch import SketchMonitoringSystem

CHAPTER_7_ERRATA = {
    "7.canary-blind": (("erroring", 10), (
        "a release that is erroring (the theory's getters seeded 10)",
        "error_rate 0.003259, response_time 248 ms: pass; error_rate 0.001483, "
        "response_time 112 ms: pass",
        "the canary ends at v2 100%, 0 s after it started",
        "each check passes with probability 0.050000", "promoted with 0.002500")),
    "7.canary-no-baseline": ((100, 100), (
        "the baseline (v1) fails 1% of requests, the canary (v2) 1%",
        "the canary is not promoted (v1 90%, v2 10%)",
        "a canary at 0.99% against a baseline at 0.1% is promoted")),
    "7.canary-no-rollback": ([(100, 0)], (
        "error_rate 0.01, response_time 0 ms: fail",
        "canary_deploy returns Ok with v1 90%, v2 10% for good")),
    "7.blue-deleted": ((1, 1), (
        "at 0 s: orders-v2-1 takes 100%; delete orders-v1-1",
        "running now is only orders-v2-1")),
    "7.rolling-half-way": ((2, 2), (
        "Err(HealthCheckFailed) at 45 s with v1 50%, v2 50% taking traffic",
        "orders-v2-2 left running unused")),
    "7.one-green-instance": ((2, 1), (
        "2 instances take the traffic after the switch",
        "1 instance (orders-v2-1) takes all of it",
        "orders-v2-1 alone serving, 2 v1 instances left running idle")),
}


def test_chapter_7_has_these_errata_each_on_the_rust_deployment_manager():
    """The rest of each record's form, the search's determinism and the correction are
    held for every chapter's errata by tests/test_theory.py."""
    assert [e.key for e in ERRATA] == list(CHAPTER_7_ERRATA)
    assert all(e.concerns.startswith("Rust DeploymentManager::") for e in ERRATA)


@pytest.mark.parametrize("erratum", ERRATA, ids=lambda e: e.key)
def test_each_erratum_finds_its_smallest_counterexample(erratum):
    example, fragments = CHAPTER_7_ERRATA[erratum.key]
    assert erratum.find() == example
    text = str(erratum.describe(example))
    for fragment in fragments:
        assert fragment in text


def test_the_sketch_is_fine_when_the_defects_are_not_touched():
    """Each property holds on inputs that avoid the defect: the errata are not artefacts
    of the harness."""
    assert not errata.blind_judge_passes(("erroring", 0))
    assert not errata.judged_alone((0, 0)) and not errata.judged_alone((50, 300))
    assert not errata.canary_stays([(0, 0), (0, 0)])
    assert not errata.rolling_half_way((3, 1))
    assert not errata.green_undersized((1, 3))


def test_a_good_release_is_promoted_no_more_often_than_a_broken_one_on_the_same_seeds():
    def ends(kind):
        return [tuple(errata.run_canary(kind, seed)[1].traffic_by_version().values())
                for seed in range(300)]

    assert ends("good") == ends("erroring") == ends("slow")


def test_the_promoted_canary_the_description_shows_is_promoted_on_any_fleet():
    """The seed is searched on three instances; the getters' draws owe nothing to the
    fleet, so a canary on that seed is promoted whatever the fleet's size."""
    assert errata._promoted_seed() == 10
    for replicas in (1, 2, 5):
        fleet = errata.run_canary("good", errata._promoted_seed(), replicas)[1]
        assert fleet.traffic_by_version() == {"v2": 1} and len(fleet.idle()) == replicas


def test_the_corrected_canary_promotes_a_good_release_and_rolls_back_the_bad_ones():
    for seed in range(2):
        assert errata._flagger_promotes(("good", seed))
        assert not errata._flagger_promotes(("erroring", seed))
        assert not errata._flagger_promotes(("slow", seed))
    assert not errata._compared_wrongly((100, 100))
    assert not errata._compared_wrongly((10, 99))


def test_the_corrected_rolling_update_was_part_way_when_it_rolled_back():
    from msatheory.deployment.analysis import ThresholdCheck
    from msatheory.deployment.rolling import rolling

    report = rolling(errata.corrected_release("erroring"), service=errata._service(4),
                     max_surge=1, max_unavailable=0, check=ThresholdCheck(), bake=60)
    assert report.outcome == "rolled back"
    assert 0 < max(step.weight_new for step in report.timeline) < 1


def test_the_four_getters_are_declared_stubs_of_the_metrics_model():
    names = {stub.key for stub in STUBS}
    assert names == {"7.get-cpu-usage", "7.get-memory-usage", "7.get-response-time",
                     "7.get-error-rate"}
    for stub in STUBS:
        assert stub.declared == "简化实现：返回随机值"
        getter = stub.key.removeprefix("7.").replace("-", "_")
        assert hasattr(SketchMonitoringSystem, getter)
        assert "简化实现" in getattr(SketchMonitoringSystem, getter).__doc__
    assert "percentile" in next(s for s in STUBS if "response" in s.key).stands_for
