"""Strategy 7.1.3 (滚动部署) in ``msatheory check``: rollouts and PodDisruptionBudgets read
from Kubernetes manifests, their bounds with Kubernetes' rounding, and the peers' checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory import theory
from msatheory.check import EXAMPLES, load
from msatheory.check.kubernetes import import_kubernetes
from msatheory.check.report import Report, check_system
from msatheory.check.source import parse, read
from msatheory.deployment.bounds import rollout_bounds
from msatheory.deployment.manifests import (
    BLOCKS,
    DOWN,
    NOTHING,
    PEERS,
    REFUSED,
    UNCOVERED,
    UNREADY,
    DisruptionBudget,
    Rollouts,
    Selector,
    Workload,
    Written,
    check_budgets,
    check_rollouts,
    read_rollouts,
)
from msatheory.errors import TheoryError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "examples"
needs_shared = pytest.mark.skipif(not SHARED.exists(),
                                  reason=f"the third-party examples are not at {SHARED}")


def kube(text: str):
    return import_kubernetes(parse(text, "k8s.yaml"))


def workload(kind: str = "Deployment", name: str = "web", *, replicas: object = 3,
             strategy: dict | None = None, probe: bool = True, labels: dict | None = None,
             containers: int = 1) -> str:
    """One workload's manifest, as YAML."""
    key = "strategy" if kind == "Deployment" else "updateStrategy"
    pod = [{"name": f"c{i}", "image": "acme/web:1",
            **({"readinessProbe": {"httpGet": {"path": "/", "port": 80}}}
               if probe and i == 0 else {})} for i in range(containers)]
    spec: dict = {"selector": {"matchLabels": labels or {"app": name}},
                  "template": {"metadata": {"labels": labels or {"app": name}},
                               "spec": {"containers": pod}}}
    if replicas is not None and kind != "DaemonSet":
        spec["replicas"] = replicas
    if strategy is not None:
        spec[key] = strategy
    return yaml.safe_dump({"apiVersion": "apps/v1", "kind": kind,
                           "metadata": {"name": name}, "spec": spec}, sort_keys=False)


def budget(name: str = "web", selector: dict | None = None, **policy: object) -> str:
    spec: dict = dict(policy)
    if selector is not None:
        spec["selector"] = selector
    return yaml.safe_dump({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                           "metadata": {"name": name}, "spec": spec}, sort_keys=False)


def rollouts(*documents: str) -> Rollouts:
    found = kube("---\n".join(documents)).rollouts
    assert found is not None
    return found


def whats(verdict) -> list[str]:
    return [w.what for w in verdict.witnesses]


# -- rollouts ---------------------------------------------------------------------------------


def test_defaults_resolve_as_the_deployment_controller_does():
    (r,) = rollouts(workload(replicas=10)).rollouts
    assert (r.strategy, r.max_surge, r.max_unavailable) == (
        "RollingUpdate", "25% (default)", "25% (default)")
    assert (r.max_pods, r.min_available) == rollout_bounds(10) == (13, 8)
    assert r.reading.endswith("at most 13 pods, at least 8 available")
    assert whats(check_rollouts(rollouts(workload(replicas=10)))) == []


def test_an_empty_strategy_type_is_defaulted_like_an_omitted_one():
    for kind in ("Deployment", "StatefulSet", "DaemonSet"):
        (r,) = rollouts(workload(kind, strategy={"type": ""})).rollouts
        assert (r.strategy, r.refused) == ("RollingUpdate", "")


def test_omitted_replicas_mean_one_and_the_default_surge_keeps_it_serving():
    (r,) = rollouts(workload(replicas=None)).rollouts
    assert (r.replicas, r.max_pods, r.min_available) == (1, 2, 1)
    assert "default of 1" in r.replicas_from and "1 replica (default)" in r.reading
    assert DOWN not in whats(check_rollouts(rollouts(workload(replicas=None))))


@pytest.mark.parametrize(("replicas", "surge", "unavailable", "bounds"), [
    (1, 0, 1, (1, 0)),
    (1, 0, "10%", (1, 0)),          # both round to 0: maxUnavailable becomes 1
    (3, "10%", "10%", (4, 3)),      # surge rounds up, unavailability down
    (10, 0, "100%", (10, 0)),
    (4, "50%", "50%", (6, 2)),
])
def test_bounds_follow_rollout_bounds_and_zero_available_is_a_witness(
        replicas, surge, unavailable, bounds):
    found = rollouts(workload(replicas=replicas, strategy={
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}))
    (r,) = found.rollouts
    assert (r.max_pods, r.min_available) == bounds == rollout_bounds(replicas, surge,
                                                                     unavailable)
    verdict = check_rollouts(found)
    assert (DOWN in whats(verdict)) == (bounds[1] == 0)
    if bounds[1] == 0:
        detail = next(w.detail for w in verdict.witnesses if w.what == DOWN)
        assert "rollingUpdate.maxUnavailable (line" in detail


def test_recreate_takes_the_service_down_at_its_strategy():
    found = rollouts(workload(strategy={"type": "Recreate"}))
    (r,) = found.rollouts
    assert (r.max_pods, r.min_available, r.max_surge) == (3, 0, "-")
    verdict = check_rollouts(found)
    assert whats(verdict) == [DOWN]
    assert "spec.strategy.type (line" in verdict.witnesses[0].detail


@pytest.mark.parametrize(("strategy", "words"), [
    ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}},
     "may not be 0 when maxSurge is 0"),
    ({"rollingUpdate": {"maxUnavailable": "150%"}}, "not be greater than 100%"),
    ({"rollingUpdate": {"maxSurge": "25"}}, "a count or a percentage"),
    ({"rollingUpdate": {"maxSurge": -1}}, "whole number"),
    ({"type": "BlueGreen"}, "not RollingUpdate or Recreate"),
    ({"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}, "may not be given"),
])
def test_what_the_api_server_refuses_is_a_witness_naming_the_place(strategy, words):
    verdict = check_rollouts(rollouts(workload(strategy=strategy)))
    assert whats(verdict) == [REFUSED]
    assert words in verdict.witnesses[0].detail
    assert "(line" in verdict.witnesses[0].detail


def test_a_rolling_update_needs_a_readiness_probe_on_some_container():
    unready = check_rollouts(rollouts(workload(probe=False)))
    assert whats(unready) == [UNREADY]
    assert "spec.template.spec.containers (line" in unready.witnesses[0].detail
    assert whats(check_rollouts(rollouts(workload(containers=2)))) == []
    assert whats(check_rollouts(rollouts(workload(probe=False, strategy={
        "type": "Recreate"})))) == [DOWN]
    assert whats(check_rollouts(rollouts(workload(probe=False, replicas=0)))) == []


def test_statefulsets_replace_without_surge_and_round_down_to_at_least_one():
    cases = {None: (3, 2), "50%": (3, 2), "10%": (3, 2), "100%": (3, 0), 2: (3, 1)}
    for unavailable, bounds in cases.items():
        strategy = None if unavailable is None else {
            "rollingUpdate": {"maxUnavailable": unavailable}}
        (r,) = rollouts(workload("StatefulSet", replicas=3, strategy=strategy)).rollouts
        assert (r.max_pods, r.min_available) == bounds, unavailable
    single = check_rollouts(rollouts(workload("StatefulSet", replicas=1)))
    assert whats(single) == [DOWN]
    refused = check_rollouts(rollouts(workload("StatefulSet", strategy={
        "rollingUpdate": {"maxUnavailable": 0}})))
    assert whats(refused) == [REFUSED]
    (on_delete,) = rollouts(workload("StatefulSet", strategy={"type": "OnDelete"})).rollouts
    assert "only when deleted by hand" in on_delete.reading


def test_daemonsets_have_no_count_but_still_need_readiness():
    found = rollouts(workload("DaemonSet", probe=False))
    (r,) = found.rollouts
    assert (r.replicas, r.max_pods, r.max_surge, r.max_unavailable) == (
        None, None, "0 (default)", "1 (default)")
    assert "per node" in r.reading
    assert whats(check_rollouts(found)) == [UNREADY]
    refused = rollouts(workload("DaemonSet", strategy={
        "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}))
    assert whats(check_rollouts(refused)) == [REFUSED]


def test_an_autoscaler_sets_the_pods_a_rollout_keeps():
    hpa = yaml.safe_dump({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                          "metadata": {"name": "web"},
                          "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"},
                                   "minReplicas": 4, "maxReplicas": 9}})
    (r,) = rollouts(workload(replicas=None), hpa).rollouts
    assert (r.replicas, r.max_pods, r.min_available) == (4, 5, 3)
    assert "HorizontalPodAutoscaler web's minReplicas" in r.replicas_from
    system = kube(workload(replicas=None) + "---\n" + hpa)
    assert not any(f.what == "not imported" for f in system.findings)


def test_summaries_count_when_there_are_many_rollouts():
    many = rollouts(*(workload(name=f"w{i}", probe=i % 2 == 0) for i in range(5)))
    summary = check_rollouts(many).summary
    assert summary == ("5 rollouts; 5 of the 5 with known bounds keep a pod available "
                       "throughout; 3 of 5 rolling updates wait for a readiness probe.")


# -- disruption budgets -----------------------------------------------------------------------


@pytest.mark.parametrize(("policy", "healthy", "allowed", "what"), [
    ({"minAvailable": 2}, 2, 2, None),
    ({"minAvailable": "50%"}, 2, 2, None),       # ceil(0.5 × 4) = 2
    ({"minAvailable": "60%"}, 3, 1, None),       # ceil(2.4) = 3
    ({"maxUnavailable": "30%"}, 2, 2, None),     # ceil(1.2) = 2 unavailable
    ({"maxUnavailable": 1}, 3, 1, None),
    ({"minAvailable": 4}, 4, 0, BLOCKS),
    ({"minAvailable": "100%"}, 4, 0, BLOCKS),
    ({"maxUnavailable": 0}, 4, 0, BLOCKS),
    ({}, 0, 0, BLOCKS),                         # the controller expects 0 pods
    ({"minAvailable": 0}, 0, 4, NOTHING),
    ({"maxUnavailable": 5}, 0, 4, NOTHING),
    ({"maxUnavailable": "100%"}, 0, 4, NOTHING),
])
def test_budgets_round_percentages_up_as_the_disruption_controller_does(
        policy, healthy, allowed, what):
    found = rollouts(workload(replicas=4), budget(selector={"matchLabels": {"app": "web"}},
                                                  **policy))
    (b,) = found.budgets
    assert (b.pods, b.selects) == (4, ("Deployment web",))
    assert (b.healthy, b.allowed) == (healthy, allowed)
    verdict = check_budgets(found)
    assert whats(verdict) == ([what] if what else [])
    if what:
        field = next(iter(policy), "metadata.name")
        assert f"{field} (line" in verdict.witnesses[0].detail


def test_a_budget_counts_the_pods_of_every_workload_it_selects():
    found = rollouts(workload(name="stable", replicas=3, labels={"app": "web", "v": "1"}),
                     workload(name="canary", replicas=1, labels={"app": "web", "v": "2"}),
                     budget(selector={"matchLabels": {"app": "web"}}, minAvailable=3))
    (b,) = found.budgets
    assert (b.pods, b.healthy, b.allowed) == (4, 3, 1)
    assert set(b.selects) == {"Deployment stable", "Deployment canary"}
    assert whats(check_budgets(found)) == []


def test_budgets_selecting_nothing_protect_nothing():
    for selector, field in ((None, "metadata.name"),
                            ({"matchLabels": {"app": "other"}}, "spec.selector")):
        found = rollouts(workload(), budget(selector=selector, minAvailable=1))
        verdict = check_budgets(found)
        assert whats(verdict) == [NOTHING]
        assert "selects no workload" in found.budgets[0].reading
        assert f"{field} (line" in verdict.witnesses[0].detail
    everything = rollouts(workload(), budget(selector={}, minAvailable=1))
    assert everything.budgets[0].selects == ("Deployment web",)


@pytest.mark.parametrize("policy", [{"minAvailable": 1, "maxUnavailable": 1},
                                    {"minAvailable": "150%"}, {"maxUnavailable": -1},
                                    {"minAvailable": "1"}, {"maxUnavailable": 1.5}])
def test_budgets_the_api_server_refuses_are_witnesses(policy):
    found = rollouts(workload(), budget(selector={"matchLabels": {"app": "web"}}, **policy))
    verdict = check_budgets(found)
    assert whats(verdict) == [REFUSED]
    assert "(line" in verdict.witnesses[0].detail


def test_budgets_over_daemonsets_judge_only_what_holds_for_any_node_count():
    ds = workload("DaemonSet", name="agent")
    selector = {"matchLabels": {"app": "agent"}}
    assert whats(check_budgets(rollouts(ds, budget(selector=selector,
                                                       maxUnavailable=0)))) == [BLOCKS]
    assert whats(check_budgets(rollouts(ds, budget(selector=selector,
                                                       minAvailable=1)))) == []
    assert rollouts(ds, budget(selector=selector, minAvailable=1)).budgets[0].pods is None


def test_match_expressions_select_as_kubernetes_does():
    labels = {"app": "web", "tier": "front"}
    assert Selector({}, (("app", "In", ("web", "api")),)).matches(labels)
    assert not Selector({}, (("tier", "NotIn", ("front",)),)).matches(labels)
    assert Selector({"app": "web"}, (("tier", "Exists", ()),)).matches(labels)
    assert not Selector({}, (("tier", "DoesNotExist", ()),)).matches(labels)
    assert not Selector({}, (("tier", "Sometimes", ()),)).matches(labels)
    found = rollouts(workload(labels=labels), budget(selector={"matchExpressions": [
        {"key": "app", "operator": "In", "values": ["web"]}]}, maxUnavailable=1))
    assert found.budgets[0].selects == ("Deployment web",)


def test_no_budget_is_a_fact_not_a_witness():
    verdict = check_budgets(rollouts(workload()))
    assert verdict.holds and verdict.summary.startswith("no PodDisruptionBudget")


# -- the records and the checkers' arguments --------------------------------------------------


def test_arguments_are_validated():
    with pytest.raises(TheoryError, match="read_rollouts: workloads holds"):
        read_rollouts(["web"])  # type: ignore[list-item]
    with pytest.raises(TheoryError, match="check_rollouts: rollouts must be a Rollouts"):
        check_rollouts(None)  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match="check_budgets: rollouts must be a Rollouts"):
        check_budgets([])  # type: ignore[arg-type]
    assert read_rollouts([]) is None


def test_records_can_be_built_without_manifests():
    web = Workload("Deployment", "web", "shop", "x", {"app": "web"},
                   replicas=Written(2, "r"), readiness=("web",))
    pdb = DisruptionBudget("web", "shop", "y", min_available=Written(2, "m"),
                           selector=Selector({"app": "web"}))
    found = read_rollouts([web], budgets=[pdb])
    assert found is not None
    assert (found.rollouts[0].max_pods, found.rollouts[0].min_available) == (3, 2)
    assert whats(check_budgets(found)) == [BLOCKS]
    assert json.loads(json.dumps(found.as_dict()))["budgets"][0]["disruptions_allowed"] == 0


# -- the report -------------------------------------------------------------------------------


def test_the_report_shows_rollouts_and_budgets():
    system = kube(workload(replicas=2) + "---\n"
                  + budget(selector={"matchLabels": {"app": "web"}}, minAvailable=1))
    report = Report(system, (check_rollouts(system.rollouts), check_budgets(system.rollouts)))
    data = json.loads(json.dumps(report.as_dict()))
    assert data["services"]["web"]["rollouts"][0]["min_available"] == 2  # 2 - floor(0.5)
    assert data["disruption_budgets"][0]["disruptions_allowed"] == 1
    text = str(report)
    assert "Rollouts (Strategy 7.1.3" in text
    assert "Deployment web: RollingUpdate of 2 replicas" in text


def test_msatheory_check_runs_the_rows():
    checks = [c for c in theory.checks() if "rollouts" in c.needs and c.statement.chapter == 7]
    assert [c.checker for c in checks] == [check_rollouts, check_budgets]
    assert all(c.needs == ("rollouts",) for c in checks)
    report = check_system(kube(workload(probe=False, strategy={"type": "Recreate"})))
    rows = [v for v in report.verdicts if v.statement.ref == "Strategy 7.1.3"]
    assert [whats(v) for v in rows] == [[DOWN], []]
    shown = json.loads(json.dumps(report.as_dict()))["verdicts"]
    assert [v["holds"] for v in shown if v["statement"] == "Strategy 7.1.3"] == [False, True]


def test_an_architecture_file_has_no_rollouts_and_skips_the_rows():
    system = load(EXAMPLES / "shop.yaml")
    assert system.rollouts is None
    assert "Strategy 7.1.3" not in [v.statement.ref for v in check_system(system).verdicts]


@needs_shared
def test_sock_shop_rollouts_are_sensible():
    system = import_kubernetes(read(SHARED / "sock-shop" / "complete-demo.yaml"))
    assert system.rollouts is not None
    found = system.rollouts.rollouts
    assert len(found) == 14 and not system.rollouts.budgets
    assert {(r.replicas, r.max_pods, r.min_available) for r in found} == {(1, 2, 1)}
    verdict = check_rollouts(system.rollouts)
    assert set(whats(verdict)) == {UNREADY}
    unprobed = {w.involves[0] for w in verdict.witnesses}
    assert len(unprobed) == sum(not r.probed for r in found) == 10
    assert "front-end" not in unprobed
    report = check_system(system)
    rows = [v for v in report.verdicts if v.statement.ref == "Strategy 7.1.3"]
    assert [v.holds for v in rows] == [False, True]
    assert rows[0].summary.startswith("14 rollouts; 14 of the 14 with known bounds")
    data = json.loads(json.dumps(report.as_dict()))
    assert data["services"]["carts"]["rollouts"][0]["max_pods"] == 2
    assert data["datastores"]["carts-db"]["rollouts"][0]["min_available"] == 1
    assert data["disruption_budgets"] == []


def test_the_check_path_loads_only_the_bounds_of_the_rolling_update() -> None:
    """The Kubernetes importer needs ``rollout_bounds`` alone: no release simulation, no
    judge, no workload."""
    code = ("import sys, msatheory.check.kubernetes; print(sorted(m for m in sys.modules "
            "if m.startswith('msatheory.deployment')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(["msatheory.deployment", "msatheory.deployment.bounds",
                                       "msatheory.deployment.manifests"])


# -- fuzzing ----------------------------------------------------------------------------------

VALUES = st.one_of(st.none(), st.integers(-3, 300), st.booleans(), st.floats(-2, 2),
                   st.from_regex(r"-?[0-9]{1,3}%?", fullmatch=True), st.text(max_size=6),
                   st.lists(st.integers(0, 3), max_size=2),
                   st.dictionaries(st.sampled_from("ab"), st.integers(0, 3), max_size=1))


SELECTORS = st.one_of(
    st.none(), VALUES,
    st.fixed_dictionaries({"matchLabels": st.one_of(VALUES, st.dictionaries(
        st.sampled_from(["app", "tier"]), VALUES, max_size=2))}),
    st.fixed_dictionaries({"matchExpressions": st.one_of(VALUES, st.lists(
        st.fixed_dictionaries({"key": st.one_of(st.just("app"), VALUES),
                               "operator": st.one_of(st.sampled_from(
                                   ["In", "NotIn", "Exists", "DoesNotExist", "Near"]), VALUES),
                               "values": st.one_of(st.lists(VALUES, max_size=2), VALUES)}),
        max_size=2))}))


@settings(max_examples=80, deadline=None)
@given(kind=st.sampled_from(["Deployment", "StatefulSet", "DaemonSet"]),
       kind_of_strategy=st.one_of(st.none(), st.sampled_from(
           ["RollingUpdate", "Recreate", "OnDelete", "Canary", ""])),
       surge=VALUES, unavailable=VALUES, least=VALUES, most=VALUES, selector=SELECTORS)
def test_bad_values_give_a_finding_or_an_error_naming_the_place(
        kind, kind_of_strategy, surge, unavailable, least, most, selector):
    rolling = {k: v for k, v in (("maxSurge", surge), ("maxUnavailable", unavailable))
               if v is not None}
    strategy = {k: v for k, v in (("type", kind_of_strategy), ("rollingUpdate", rolling))
                if v is not None}
    policy = {k: v for k, v in (("minAvailable", least), ("maxUnavailable", most))
              if v is not None}
    text = workload(kind, strategy=strategy) + "---\n" + budget(selector=selector, **policy)
    try:
        found = rollouts(text)
    except TheoryError as error:
        assert str(error).startswith("k8s.yaml") and "(line" in str(error), str(error)
        assert "must be" in str(error)
        return
    (r,) = found.rollouts
    assert r.refused or r.strategy in ("RollingUpdate", "Recreate", "OnDelete")
    for verdict in (check_rollouts(found), check_budgets(found)):
        for w in verdict.witnesses:
            assert "(" in w.detail and "line" in w.detail
    if r.refused:
        assert REFUSED in whats(check_rollouts(found))
    (b,) = found.budgets
    assert b.refused or b.pods is None or b.allowed is not None
    if not b.policy:
        assert b.allowed == 0
        assert whats(check_budgets(found)) == [BLOCKS if b.selects else NOTHING]


# -- the peers --------------------------------------------------------------------------------

#: The check IDs kube-score (README_CHECKS.md and the Register calls under score/) and
#: kube-linter (docs/generated/checks.md) document, for the checks the table names.
KUBE_SCORE = {"deployment-strategy", "deployment-replicas", "pod-probes",
              "pod-probes-identical", "poddisruptionbudget-has-policy",
              "deployment-has-poddisruptionbudget", "statefulset-has-poddisruptionbudget",
              "deployment-has-host-podantiaffinity",
              "deployment-targeted-by-hpa-does-not-have-replicas-configured",
              "horizontalpodautoscaler-replicas"}
KUBE_LINTER = {"no-rolling-update-strategy", "minimum-three-replicas", "no-readiness-probe",
               "pdb-max-unavailable", "pdb-min-available", "no-anti-affinity",
               "hpa-minimum-three-replicas", "pdb-unhealthy-pod-eviction-policy"}


def test_every_peer_entry_names_a_check_of_ours_and_every_check_has_one():
    ours = {p.ours for p in PEERS}
    assert ours == {"capacity bounds", DOWN, UNREADY, REFUSED, BLOCKS, NOTHING}
    assert len(ours) == len(PEERS)
    for peer in PEERS:
        assert set(peer.kube_score) <= KUBE_SCORE and set(peer.kube_linter) <= KUBE_LINTER
        assert peer.own == (peer.ours in ("capacity bounds", DOWN, NOTHING))
        assert peer.difference.endswith(".")
    for tool, name, why in UNCOVERED:
        assert name in (KUBE_SCORE if tool == "kube-score" else KUBE_LINTER) and why


def test_every_witness_the_checkers_give_has_a_row_in_the_peer_table():
    selector = {"matchLabels": {"app": "web"}}
    zoo = [rollouts(workload(strategy={"type": "Recreate"})),
           rollouts(workload(probe=False)),
           rollouts(workload(strategy={"type": "Canary"})),
           rollouts(workload(), budget(selector=selector, maxUnavailable=0)),
           rollouts(workload(), budget(selector=selector, minAvailable=0)),
           rollouts(workload(), budget(selector=selector, minAvailable="1"))]
    given = {w.what for found in zoo for check in (check_rollouts, check_budgets)
             for w in check(found).witnesses}
    assert given == {p.ours for p in PEERS} - {"capacity bounds"}
