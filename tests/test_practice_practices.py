"""Practices 8.2.1-8.2.3 (服务设计, 数据管理, 部署运维) as a report over one system: each part
decided by the checks of the chapters that encode it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings

from msatheory import theory
from msatheory.basics.model import Architecture, Datastore, Service
from msatheory.basics.strategies import architectures
from msatheory.check import EXAMPLES, load
from msatheory.errors import TheoryError
from msatheory.practice.practices import (
    PARTS,
    check_data_management,
    check_event_driven,
    check_operations,
    check_service_design,
    practice_report,
)
from msatheory.theory import Kind
from msatheory.theory.check import INPUTS, MISSING

SHARED = Path(__file__).resolve().parents[2] / "shared" / "examples"
needs_shared = pytest.mark.skipif(not SHARED.exists(),
                                  reason=f"the third-party examples are not at {SHARED}")


def statuses(path: Path) -> list[str]:
    return [r.status for r in practice_report(load(path)).parts]


def test_three_parts_per_practice_each_quoting_the_theory():
    seed = Path(__file__).resolve().parents[2] / "shared" / "seed"
    assert [(p.practice, p.number) for p in PARTS] == [
        (f"8.2.{i}", n) for i in (1, 2, 3) for n in (1, 2, 3)]
    for part in PARTS:
        assert part.statement.kind is Kind.PRACTICE
        assert part.text_zh in part.statement.statement_zh
    if seed.exists():
        text = next(seed.glob("*.txt")).read_text()
        assert all(f". {p.text_zh}" in text for p in PARTS)


def test_every_checker_a_part_names_is_a_row_of_msatheory_check():
    rows = {f"{c.checker.__module__}.{c.checker.__name__}" for c in theory.checks()}
    assert {name for part in PARTS for name in part.checkers} <= rows


def test_every_row_of_msatheory_check_says_what_to_do():
    for check in theory.checks():
        assert check.advice.endswith((".", ")."))
        assert len(check.advice) < 200, check.checker.__name__


def test_every_input_a_check_needs_says_why_a_system_may_lack_it():
    assert set(MISSING) == set(INPUTS) - {"architecture"}


def test_an_architecture_file_checks_design_and_data_but_not_containers():
    assert statuses(EXAMPLES / "shop.yaml") == [
        "holds", "holds", "holds", "holds", "holds", "not checked",
        "not checked", "not checked", "partly checked"]
    report = practice_report(load(EXAMPLES / "shop.yaml"))
    assert report.parts[6].unchecked == (
        ("msatheory.practice.operations.check_containers", MISSING["containers"]),)
    assert str(report).endswith("Of 9 parts: 5 hold, 1 partly checked, 3 not checked.")


def test_the_tangled_shop_fails_design_and_data_with_advice():
    report = practice_report(load(EXAMPLES / "tangled-shop.yaml"))
    assert [r.status for r in report.parts][:5] == ["violated"] * 5
    text = str(report)
    rows = {f"{c.checker.__module__}.{c.checker.__name__}": c for c in theory.checks()}
    for result in report.parts[:5]:
        assert result.advice
        assert set(result.advice) <= {rows[name].advice for name in result.part.checkers}
        assert all(f"what to do: {advice}" in text for advice in result.advice)
    assert not any(r.advice for r in report.parts if r.status != "violated")
    verdict = check_service_design(load(EXAMPLES / "tangled-shop.yaml"))
    assert not verdict.holds
    assert verdict.summary == "(1) violated; (2) violated; (3) violated."
    assert {w.what.partition(" ")[0] for w in verdict.witnesses} == {"(1)", "(2)", "(3)"}


def test_manifests_check_operations():
    assert statuses(EXAMPLES / "shop-k8s.yaml")[6:] == ["holds", "violated", "violated"]
    verdict = check_operations(load(EXAMPLES / "shop-k8s.yaml"))
    whats = {w.what for w in verdict.witnesses}
    assert {"(2) rollout strategy not declared", "(3) no metrics", "(3) no traces",
            "(3) no alerts"} <= whats


def test_the_report_as_json_round_trips():
    report = practice_report(load(EXAMPLES / "shop-compose.yaml"))
    document = json.loads(json.dumps(report.as_dict(), ensure_ascii=False))
    assert [p["status"] for p in document["parts"]] == [r.status for r in report.parts]
    assert document["parts"][8]["verdicts"][0]["statement"] == "Algorithm 3.2.2"


@needs_shared
def test_sock_shop_holds_its_data_practices_and_fails_operations():
    path = SHARED / "sock-shop" / "complete-demo.yaml"
    assert statuses(path)[3:6] == ["holds"] * 3
    assert check_data_management(load(path)).holds
    assert not check_operations(load(path)).holds


def shop(*services: Service, stores: tuple[str, ...] = ("a-db", "b-db")) -> Architecture:
    return Architecture(services, [Datastore(name) for name in stores], name="s")


def test_owners_of_data_with_no_event_between_them_are_a_witness():
    calls_only = shop(Service("a", calls=("b",), datastores=("a-db",)),
                      Service("b", datastores=("b-db",)))
    verdict = check_event_driven(calls_only)
    assert [w.involves for w in verdict.witnesses] == [("a", "b")]
    assert verdict.summary == "0 of 1 channel are asynchronous (events or messages)."
    with_event = shop(Service("a", publishes=("placed",), datastores=("a-db",)),
                      Service("b", subscribes=("placed",), datastores=("b-db",)))
    assert check_event_driven(with_event).holds
    one_owner = shop(Service("a", calls=("b",), datastores=("a-db",)), Service("b"),
                     stores=("a-db",))
    assert check_event_driven(one_owner).holds


@settings(max_examples=60)
@given(architectures())
def test_a_witness_exactly_when_two_services_own_data_and_no_channel_is_async(arch):
    verdict = check_event_driven(arch)
    owners = [s for s in arch.services.values()
              if any(arch.datastores[d].kind != "broker" for d in s.datastores)]
    events = sum(c.mode == "async" for c in arch.channels)
    assert verdict.holds == (len(owners) < 2 or events > 0)
    assert verdict.summary.startswith(f"{events} of {len(arch.channels)} channel")


@pytest.mark.parametrize("checker", [practice_report, check_service_design,
                                     check_data_management, check_operations])
def test_the_system_is_validated(checker):
    with pytest.raises(TheoryError, match="practice_report: system must be a System"):
        checker(EXAMPLES / "shop.yaml")
    with pytest.raises(TheoryError, match="check_event_driven: arch must be an Architecture"):
        check_event_driven(None)
