"""Def 7.3.1 (日志聚合): structured records, correlation ids, time joins, sampling, agents."""

from __future__ import annotations

import math

import pytest

from msatheory.deployment.logs import (
    LEVELS,
    Agent,
    LogRecord,
    collect_logs,
    complete_log_probability,
    complete_share,
    expected_candidates,
    expected_complete,
    request_records,
    time_join,
    where_failed,
)
from msatheory.deployment.workload import checkout
from msatheory.errors import TheoryError

SYNC = ["orders", "cart", "catalogue", "payments"]


def _within(share: float, p: float, n: int, sigmas: float = 4.0) -> bool:
    return abs(share - p) <= sigmas * math.sqrt(p * (1 - p) / n) + 1e-9


# --- the records ----------------------------------------------------------------------------


def test_every_visit_writes_a_received_record_and_an_answer() -> None:
    run = collect_logs(checkout(), 50, seed=1)
    visits = sum(1 for visit in run.requests for _ in visit.walk())
    assert len(run.emitted) == 2 * visits  # no failures: received, answered
    assert [r.time for r in run.emitted] == sorted(r.time for r in run.emitted)
    assert {r.level for r in run.emitted} <= set(LEVELS)
    assert all(r.correlation_id == run.ids[o] for r, o in zip(run.emitted, run.origin,
                                                               strict=True))
    assert len(set(run.ids)) == 50 and all(len(i) == 16 for i in run.ids)


def test_two_runs_with_one_seed_write_the_same_records() -> None:
    def once() -> tuple[LogRecord, ...]:
        return collect_logs(checkout(), 40, seed=3, failure={"cart": 0.2},
                            sampling="service", ratio=0.5, agent=Agent(5, 2, 10)).records

    assert once() == once()


def test_the_correlation_id_gathers_exactly_one_requests_records() -> None:
    run = collect_logs(checkout(), 60, rate=200, seed=2, failure={"payments": 0.2})
    for index, cid in enumerate(run.ids):
        found = request_records(run.records, cid)
        truth = [r for r, o in zip(run.emitted, run.origin, strict=True) if o == index]
        assert sorted(found, key=lambda r: (r.time, r.service, r.message)) == \
            sorted(truth, key=lambda r: (r.time, r.service, r.message))


def test_where_failed_names_the_service_whose_own_work_failed() -> None:
    run = collect_logs(checkout(), 200, seed=7, failure={"cart": 0.05, "payments": 0.1})
    assert run.failed
    for index in run.failed:
        faulty = [v.hop.service for v in run.requests[index].walk() if v.fault]
        found = where_failed(run.records, run.ids[index])
        assert found is not None and found.service == faulty[0]
    fine = next(i for i in range(200) if i not in run.failed)
    assert where_failed(run.records, run.ids[fine]) is None


def test_a_soft_failure_is_a_warning_and_a_hard_one_an_error() -> None:
    run = collect_logs(checkout(), 30, seed=1, failure={"catalogue": 1.0})
    cart = [r for r in run.emitted if r.service == "cart" and r.field("callee") == "catalogue"]
    assert cart and {r.level for r in cart} == {"WARN"}
    assert all("fallback 'cached prices'" in r.message for r in cart)
    run = collect_logs(checkout(), 30, seed=1, failure={"cart": 1.0})
    orders = [r for r in run.emitted if r.service == "orders" and r.field("callee") == "cart"]
    assert orders and {r.level for r in orders} == {"ERROR"}


def test_a_service_that_does_not_propagate_cuts_its_callees_out() -> None:
    run = collect_logs(checkout(), 20, seed=4, propagating=["gateway", "orders"])
    catalogue = [r for r in run.emitted if r.service == "catalogue"]
    assert catalogue and all(r.correlation_id is None for r in catalogue)
    services = {r.service for r in request_records(run.records, run.ids[0])}
    assert services == {"gateway", "orders", "cart", "payments", "shipping", "email"}


# --- joining by time ------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [20, 100, 300])
def test_time_join_candidates_grow_with_concurrency_as_littles_law_says(rate: int) -> None:
    run = collect_logs(checkout(), 800, rate=rate, seed=4)
    join = time_join(run, services=SYNC)
    assert join.missed_share == 0.0
    assert join.mean_candidates == pytest.approx(join.expected, rel=0.05)
    assert join.unique_share == pytest.approx(math.exp(1 - join.expected), abs=0.05)


def test_slack_for_clock_skew_widens_every_window() -> None:
    run = collect_logs(checkout(), 400, rate=100, seed=4)
    tight, loose = time_join(run, services=SYNC), time_join(run, services=SYNC, slack_ms=10)
    assert loose.mean_candidates > tight.mean_candidates
    first, last = run.requests[0].start, run.requests[-1].start
    rate = (len(run.requests) - 1) / ((last - first) / 1e6)  # the rate the run achieved
    assert loose.expected == pytest.approx(tight.expected + rate * 0.020)
    assert loose.mean_candidates == pytest.approx(loose.expected, rel=0.05)


def test_without_ids_most_errors_cannot_be_placed_under_load() -> None:
    run = collect_logs(checkout(), 800, rate=200, seed=4, failure={"payments": 0.1})
    errors = time_join(run, services=SYNC, levels=["ERROR"])
    # payments fails; orders logs the failed call and its own 500
    assert errors.records == 3 * len(run.failed)
    assert errors.unique_share < 0.1 and errors.mean_candidates > 4
    with pytest.raises(TheoryError, match="levels"):
        time_join(run, levels=["FATAL"])


def test_consumers_write_after_the_answer_so_a_time_join_misses_them() -> None:
    run = collect_logs(checkout(), 200, rate=50, seed=4)
    assert time_join(run, services=["shipping", "email"]).missed_share > 0.4


def test_expected_candidates_is_one_plus_rate_times_the_window() -> None:
    assert expected_candidates(0, 30) == 1.0
    assert expected_candidates(100, 20, 5) == pytest.approx(4.0)
    with pytest.raises(TheoryError, match="rate"):
        expected_candidates(-1, 20)


def test_time_join_refuses_a_service_with_no_records() -> None:
    run = collect_logs(checkout(), 5, seed=1)
    with pytest.raises(TheoryError, match="warehouse"):
        time_join(run, services=["warehouse"])


# --- what sampling costs --------------------------------------------------------------------


def test_closed_forms_of_complete_logs() -> None:
    assert complete_log_probability(0.9, 5, "service") == pytest.approx(0.9 ** 5)
    assert complete_log_probability(0.9, 5, "request") == 0.9
    assert complete_log_probability(0.3, 5, "none") == 1.0
    with pytest.raises(TheoryError, match="visits"):
        complete_log_probability(0.5, 0, "service")


@pytest.mark.parametrize(("sampling", "propagating"), [
    ("service", None), ("request", None), ("request", ["gateway", "orders"])])
def test_complete_share_of_failed_requests_matches_the_closed_form(
        sampling: str, propagating: list[str] | None) -> None:
    run = collect_logs(checkout(), 1500, seed=8, failure={"payments": 0.2},
                       sampling=sampling, ratio=0.8, propagating=propagating)
    n = len(run.failed)
    assert n > 200
    assert _within(complete_share(run), expected_complete(run), n)


def test_per_service_sampling_loses_more_failed_requests_than_per_request() -> None:
    common = {"count": 600, "seed": 9, "failure": {"payments": 0.2}, "ratio": 0.7}
    per_service = collect_logs(checkout(), sampling="service", **common)  # type: ignore[arg-type]
    per_request = collect_logs(checkout(), sampling="request", **common)  # type: ignore[arg-type]
    assert complete_share(per_service) < 0.3 < 0.6 < complete_share(per_request)
    shares = [run.fate.count("sampled out") / len(run.fate) for run in (per_service, per_request)]
    assert shares[0] == pytest.approx(0.3, abs=0.03)  # per service: a record-level share of p
    assert shares[1] == pytest.approx(0.3, abs=0.06)


def test_without_sampling_every_failed_request_is_complete() -> None:
    run = collect_logs(checkout(), 100, seed=2, failure={"payments": 0.2})
    assert complete_share(run) == expected_complete(run) == 1.0


# --- agents ---------------------------------------------------------------------------------


def test_an_agent_ships_a_batch_each_flush_and_drops_what_overflows() -> None:
    agent = Agent(buffer=2, batch=1, flush_ms=1)
    # at 0: two fit, the third is dropped; the flush at 1 ms frees one slot
    assert agent.admit([0, 0, 0, 1000, 1000, 5000]) == (True, True, False, True, False, True)


def test_an_agent_with_room_for_a_flush_interval_drops_nothing() -> None:
    run = collect_logs(checkout(), 300, rate=50, seed=6, agent=Agent(200, 200, 1000))
    assert sum(run.lost("dropped").values()) == 0


def test_drops_grow_with_load_and_cost_failed_requests_their_logs() -> None:
    agent = Agent(buffer=50, batch=100, flush_ms=1000)
    shares = []
    for rate in (20, 100, 400):
        run = collect_logs(checkout(), 1000, rate=rate, seed=6, failure={"payments": 0.2},
                           agent=agent)
        dropped = sum(run.lost("dropped").values()) / len(run.emitted)
        shares.append((dropped, complete_share(run)))
        assert len(run.records) + sum(run.lost("dropped").values()) == len(run.emitted)
    assert shares[0][0] < shares[1][0] < shares[2][0]
    assert shares[0][1] > shares[1][1] > shares[2][1]


def test_collect_logs_refuses_bad_arguments() -> None:
    with pytest.raises(TheoryError, match="sampling"):
        collect_logs(checkout(), 2, sampling="tail")
    with pytest.raises(TheoryError, match="propagating"):
        collect_logs(checkout(), 2, propagating=["warehouse"])
    with pytest.raises(TheoryError, match="agent"):
        collect_logs(checkout(), 2, agent=100)  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match="buffer"):
        Agent(buffer=0)
    with pytest.raises(TheoryError, match="records"):
        request_records(["gateway"], "00")  # type: ignore[list-item]
