"""Practice 8.2.3 (部署运维) on files: images pinned to a version, rollouts declared and run by
their controllers, and metrics, traces and alerts collected."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from msatheory.check import EXAMPLES, load
from msatheory.check.compose import import_compose
from msatheory.check.kubernetes import import_kubernetes
from msatheory.check.source import parse
from msatheory.check.system import Deployed
from msatheory.check.technologies import MONITORING_REPOSITORIES
from msatheory.errors import TheoryError
from msatheory.practice.operations import (
    INCOMPLETE,
    MANUAL,
    NO_IMAGE,
    SIGNALS,
    UNDECLARED,
    UNPINNED,
    check_automated_rollouts,
    check_containers,
    check_monitoring,
    image_version,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "examples"
needs_shared = pytest.mark.skipif(not SHARED.exists(),
                                  reason=f"the third-party examples are not at {SHARED}")


def running(*images: str) -> dict[str, tuple[Deployed, ...]]:
    """Services s0, s1, ... each running one container of the image given."""
    return {f"s{i}": (Deployed("container", f"s{i}", image, False, 1, f"services.s{i}"),)
            for i, image in enumerate(images)}


def whats(verdict) -> list[str]:
    return [w.what for w in verdict.witnesses]


def compose(services: dict) -> dict[str, tuple[Deployed, ...]]:
    system = import_compose(parse(yaml.safe_dump({"services": services}), "compose.yaml"))
    assert system.containers is not None
    return system.containers


def rollouts_of(kind: str, strategy: dict | None):
    key = "strategy" if kind == "Deployment" else "updateStrategy"
    labels = {"app": "web"}
    spec: dict = {"replicas": 2, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels},
                               "spec": {"containers": [{"name": "web", "image": "acme/web:1"}]}}}
    if strategy is not None:
        spec[key] = strategy
    text = yaml.safe_dump({"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "web"},
                           "spec": spec}, sort_keys=False)
    found = import_kubernetes(parse(text, "k8s.yaml")).rollouts
    assert found is not None
    return found


# -- part 1: containers -----------------------------------------------------------------------


@given(registry=st.sampled_from(["", "registry.example:5000/", "ghcr.io/"]),
       path=st.from_regex(r"[a-z][a-z0-9]{0,6}(/[a-z][a-z0-9]{0,6}){0,2}", fullmatch=True),
       tag=st.from_regex(r"([A-Za-z0-9_][A-Za-z0-9_.-]{0,8})?", fullmatch=True),
       digest=st.from_regex(r"(sha256:[0-9a-f]{8})?", fullmatch=True))
def test_image_version_reads_back_what_a_reference_is_built_from(registry, path, tag, digest):
    image = f"{registry}{path}" + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
    assert image_version(image) == (f"{registry}{path}", tag, digest)


@pytest.mark.parametrize(("image", "what"), [
    ("acme/web:latest", UNPINNED),
    ("acme/web", UNPINNED),
    ("registry:5000/acme/web", UNPINNED),
    ("", NO_IMAGE),
    ("/rs-web:", INCOMPLETE),
    ("acme/web:", INCOMPLETE),
])
def test_an_image_that_names_no_version_is_a_witness(image, what):
    verdict = check_containers(running("postgres:16.4", image))
    assert whats(verdict) == [what]
    assert verdict.witnesses[0].involves == ("s1",)
    assert "services.s1" in verdict.witnesses[0].detail


def test_a_tag_or_a_digest_pins_and_the_summary_counts_both():
    verdict = check_containers(running("acme/web:1.4.0", "redis@sha256:0123abcd",
                                       "registry:5000/acme/api:2", "acme/db:latest"))
    assert whats(verdict) == [UNPINNED]
    assert verdict.summary == "3 of 4 images are pinned (2 by tag, 1 by digest)."


def test_compose_services_built_from_source_and_unset_variables_are_witnesses():
    containers = compose({
        "web": {"build": "./web"},
        "api": {"image": "acme/api:${TAG}"},
        "db": {"image": "postgres:${PG:-16.4}"},
    })
    verdict = check_containers(containers)
    assert {(w.involves, w.what) for w in verdict.witnesses} == {
        (("web",), NO_IMAGE), (("api",), INCOMPLETE)}


def test_every_example_of_the_project_pins_its_images():
    for name in ("shop-compose.yaml", "shop-k8s.yaml"):
        containers = load(EXAMPLES / name).containers
        assert containers is not None
        assert check_containers(containers).holds, name


def test_an_architecture_file_says_nothing_of_containers():
    assert load(EXAMPLES / "shop.yaml").containers is None


@needs_shared
def test_sock_shops_two_mongo_databases_run_latest():
    containers = load(SHARED / "sock-shop" / "complete-demo.yaml").containers
    assert containers is not None
    verdict = check_containers(containers)
    assert sorted(w.involves[0] for w in verdict.witnesses) == ["carts-db", "orders-db"]
    assert set(whats(verdict)) == {UNPINNED}


# -- part 2: automated rollouts ---------------------------------------------------------------


def test_a_written_strategy_declares_the_rollout_and_says_where():
    declared = rollouts_of("Deployment", {"type": "RollingUpdate",
                                          "rollingUpdate": {"maxSurge": 1}})
    assert declared.rollouts[0].declared.startswith("spec.strategy.type (line ")
    assert check_automated_rollouts(declared).holds
    only_surge = rollouts_of("Deployment", {"rollingUpdate": {"maxUnavailable": 0}})
    assert only_surge.rollouts[0].declared.startswith("spec.strategy.rollingUpdate")
    assert check_automated_rollouts(only_surge).holds


def test_a_workload_that_writes_no_strategy_takes_the_defaults_and_is_a_witness():
    verdict = check_automated_rollouts(rollouts_of("Deployment", None))
    assert whats(verdict) == [UNDECLARED]
    assert "RollingUpdate of 2 replicas" in verdict.witnesses[0].detail
    assert verdict.summary == "0 of 1 workload declare their rollout strategy."


@pytest.mark.parametrize("kind", ["StatefulSet", "DaemonSet"])
def test_on_delete_is_a_manual_rollout(kind):
    verdict = check_automated_rollouts(rollouts_of(kind, {"type": "OnDelete"}))
    assert whats(verdict) == [MANUAL]
    assert "spec.updateStrategy.type (line" in verdict.witnesses[0].detail


def test_a_refused_rollout_is_left_to_strategy_7_1_3():
    verdict = check_automated_rollouts(rollouts_of("Deployment", {"type": "Blue"}))
    assert verdict.holds


# -- part 3: monitoring -----------------------------------------------------------------------


def test_every_recognised_monitoring_tool_says_what_it_collects():
    assert set(SIGNALS) == set(MONITORING_REPOSITORIES.values())


def test_metrics_traces_and_alerts_each_need_a_tool():
    whole = running("prom/prometheus:v2.53.0", "prom/alertmanager:v0.27.0",
                    "jaegertracing/all-in-one:1.60")
    verdict = check_monitoring(whole)
    assert verdict.holds
    assert verdict.summary == ("metrics from Prometheus (s0); traces from Jaeger (s2); "
                               "alerts from Alertmanager (s1).")
    assert whats(check_monitoring(running("prom/prometheus:v2.53.0"))) == [
        "no alerts", "no traces"]
    assert whats(check_monitoring(running("oliver006/redis_exporter:v1.62.0",
                                          "grafana/grafana:11.2.0",
                                          "otel/opentelemetry-collector:0.108.0"))) == []
    nothing = check_monitoring(running("acme/web:1"))
    assert whats(nothing) == ["no alerts", "no metrics", "no traces"]
    assert nothing.summary == "No monitoring tool runs in the files."


def test_the_projects_examples_run_no_monitoring():
    containers = load(EXAMPLES / "shop-compose.yaml").containers
    assert containers is not None
    assert len(check_monitoring(containers).witnesses) == 3


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [None, [("web", ())], {"web": [object()]},
                                 {"web": (object(),)}, {3: ()}])
def test_containers_are_validated(bad):
    for checker in (check_containers, check_monitoring):
        with pytest.raises(TheoryError, match=checker.__name__):
            checker(bad)


def test_rollouts_are_validated():
    with pytest.raises(TheoryError, match="check_automated_rollouts: rollouts must be"):
        check_automated_rollouts({})
