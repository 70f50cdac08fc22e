"""Def 7.3.2 (链路追踪): OpenTelemetry spans, traceparent, critical path and sampling."""

from __future__ import annotations

import logging
import math
import re
from itertools import pairwise

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from msatheory.basics.examples import shop
from msatheory.deployment.tracing import (
    Section,
    SeededIdGenerator,
    complete_trace_probability,
    critical_path,
    critical_time,
    export_traces,
    sampling_outcome,
    span_tree,
    traces_of,
)
from msatheory.deployment.workload import checkout, run_requests
from msatheory.errors import TheoryError

TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")


def _tree(start: dict[str, int], end: dict[str, int], edges: list[tuple[str, str]]) -> nx.DiGraph:
    tree: nx.DiGraph = nx.DiGraph(edges)
    tree.add_nodes_from(start)
    nx.set_node_attributes(tree, start, "start")
    nx.set_node_attributes(tree, end, "end")
    return tree


def _path(tree: nx.DiGraph) -> list[tuple[str, int, int]]:
    return [(s.span, s.start, s.end) for s in critical_path(tree)]


# --- spans with the OpenTelemetry SDK -------------------------------------------------------


def _identity(spans: tuple[ReadableSpan, ...]) -> list[tuple[object, ...]]:
    return [(s.context.trace_id, s.context.span_id, s.parent.span_id if s.parent else None,
             s.name, s.kind, s.start_time, s.end_time, dict(s.attributes or {}),
             s.status.status_code, s.resource.attributes["service.name"]) for s in spans]


def test_two_runs_with_one_seed_export_identical_spans_and_ids() -> None:
    visits = run_requests(checkout(), 5, seed=9, failure={"cart": 0.3})
    one, two = export_traces(visits, seed=4), export_traces(visits, seed=4)
    assert _identity(one.spans) == _identity(two.spans)
    assert one.headers == two.headers
    assert _identity(export_traces(visits, seed=5).spans) != _identity(one.spans)


def test_span_times_are_the_virtual_times_of_the_visits() -> None:
    [visit] = run_requests(checkout(), seed=1)
    tree = span_tree(export_traces([visit]).spans)
    root = next(n for n in tree if tree.in_degree(n) == 0)
    assert (tree.nodes[root]["start"], tree.nodes[root]["end"]) == (visit.start, visit.end)
    servers = sorted((d["start"], d["end"]) for _, d in tree.nodes(data=True)
                     if d["kind"] in ("SERVER", "CONSUMER"))
    assert servers == sorted((v.start, v.end) for v in visit.walk())


def test_the_span_tree_has_the_shape_of_the_shops_calls() -> None:
    arch = shop()
    spans = export_traces(run_requests(checkout(), 3, seed=6)).spans
    for group in traces_of(spans).values():
        tree = span_tree(group)
        assert nx.is_arborescence(tree) and len(tree) == 12
        for parent, child in tree.edges:
            up, down = tree.nodes[parent], tree.nodes[child]
            if down["kind"] == "SERVER":  # a callee under its caller's CLIENT span
                assert up["kind"] == "CLIENT" and up["name"] == down["name"]
                caller = tree.nodes[next(tree.predecessors(parent))]["service"]
                assert down["service"] in arch.services[caller].callees
            elif down["kind"] == "CONSUMER":  # a subscriber under the publisher's PRODUCER span
                assert up["kind"] == "PRODUCER" and up["name"] == f"{down['name']} publish"
                assert down["name"] in arch.services[up["service"]].publishes
                assert down["name"] in arch.services[down["service"]].subscribes
            else:  # CLIENT and PRODUCER spans are opened inside their own service's span
                assert up["service"] == down["service"] and up["kind"] in ("SERVER", "CONSUMER")


def test_failures_mark_the_spans_status() -> None:
    spans = export_traces(run_requests(checkout(), seed=1, failure={"payments": 1.0})).spans
    errors = sorted((s.resource.attributes["service.name"], s.kind.name) for s in spans
                    if s.status.status_code.name == "ERROR")
    assert errors == [("gateway", "CLIENT"), ("orders", "CLIENT"), ("orders", "SERVER"),
                      ("payments", "SERVER")]


def test_traceparent_headers_have_the_w3c_format_and_name_the_callers_span() -> None:
    traces = export_traces(run_requests(checkout(), 2, seed=8))
    by_id = {f"{s.context.span_id:016x}": s for s in traces.spans}
    servers = [s for s in traces.spans if s.kind.name in ("SERVER", "CONSUMER") and s.parent]
    assert len(traces.headers) == len(servers) == 12
    for service, header in traces.headers:
        match = TRACEPARENT.fullmatch(header)
        assert match, header
        trace_id, parent_id, flags = match.groups()
        assert flags == "01" and trace_id != "0" * 32 and parent_id != "0" * 16
        sender = by_id[parent_id]
        assert f"{sender.context.trace_id:032x}" == trace_id
        assert sender.kind.name in ("CLIENT", "PRODUCER")
        assert any(s.parent is not None and s.parent.span_id == sender.context.span_id
                   and s.resource.attributes["service.name"] == service for s in servers)


def test_traceparent_round_trip_keeps_the_span_context() -> None:
    propagator = TraceContextTextMapPropagator()
    ids = SeededIdGenerator(3)
    for flags in (trace.TraceFlags(0), trace.TraceFlags(1)):
        context = trace.SpanContext(ids.generate_trace_id(), ids.generate_span_id(),
                                    is_remote=False, trace_flags=flags)
        carrier: dict[str, str] = {}
        propagator.inject(carrier, context=trace.set_span_in_context(
            trace.NonRecordingSpan(context)))
        assert TRACEPARENT.fullmatch(carrier["traceparent"])
        back = trace.get_current_span(propagator.extract(carrier)).get_span_context()
        assert (back.trace_id, back.span_id, back.trace_flags) == (
            context.trace_id, context.span_id, flags)
        assert back.is_remote


def test_export_leaves_the_global_provider_alone_and_logs_nothing(
        caplog: pytest.LogCaptureFixture) -> None:
    before = trace.get_tracer_provider()
    with caplog.at_level(logging.DEBUG, logger="opentelemetry"):
        export_traces(run_requests(checkout(), 3, seed=1), sampler="independent", ratio=0.5)
    assert trace.get_tracer_provider() is before
    assert not caplog.records


def test_export_refuses_bad_arguments() -> None:
    visits = run_requests(checkout(), seed=1)
    with pytest.raises(TheoryError, match="sampler"):
        export_traces(visits, sampler="tail")
    with pytest.raises(TheoryError, match="ratio"):
        export_traces(visits, ratio=1.5)
    with pytest.raises(TheoryError, match="visits"):
        export_traces(["gateway"])  # type: ignore[list-item]


# --- the critical path ----------------------------------------------------------------------


def test_sequential_children_are_all_on_the_path() -> None:
    tree = _tree({"r": 0, "a": 10, "b": 50}, {"r": 100, "a": 50, "b": 90},
                 [("r", "a"), ("r", "b")])
    assert _path(tree) == [("r", 0, 10), ("a", 10, 50), ("b", 50, 90), ("r", 90, 100)]


def test_of_parallel_children_only_the_last_to_finish_is_on_the_path() -> None:
    tree = _tree({"r": 0, "a": 10, "b": 10}, {"r": 100, "a": 40, "b": 90},
                 [("r", "a"), ("r", "b")])
    assert _path(tree) == [("r", 0, 10), ("b", 10, 90), ("r", 90, 100)]


def test_an_earlier_child_that_overlaps_the_last_one_is_skipped() -> None:
    # a ends at 60, after b started at 50: walking back from b's start, a did not end before
    tree = _tree({"r": 0, "a": 10, "b": 50}, {"r": 100, "a": 60, "b": 90},
                 [("r", "a"), ("r", "b")])
    assert _path(tree) == [("r", 0, 50), ("b", 50, 90), ("r", 90, 100)]


def test_nested_spans_are_walked_to_the_leaves() -> None:
    tree = _tree({"r": 0, "a": 10, "c": 20}, {"r": 100, "a": 80, "c": 70},
                 [("r", "a"), ("a", "c")])
    assert _path(tree) == [("r", 0, 10), ("a", 10, 20), ("c", 20, 70), ("a", 70, 80),
                           ("r", 80, 100)]


def test_children_outside_their_parent_are_clipped_or_dropped() -> None:
    # c overflows the root's end (clipped); d starts after it (dropped, as a message consumed
    # after the response)
    tree = _tree({"r": 0, "c": 60, "d": 120}, {"r": 100, "c": 150, "d": 130},
                 [("r", "c"), ("r", "d")])
    assert _path(tree) == [("r", 0, 60), ("c", 60, 100)]


def test_zero_length_children_end_the_walk() -> None:
    tree = _tree({"r": 0, "z": 50, "y": 50}, {"r": 100, "z": 50, "y": 50},
                 [("r", "z"), ("r", "y")])
    assert _path(tree) == [("r", 0, 50), ("r", 50, 100)]


@st.composite
def _trees(draw: st.DrawFn) -> nx.DiGraph:
    size = draw(st.integers(1, 9))
    start, end, edges = {}, {}, []
    for node in map(str, range(size)):
        low = draw(st.integers(0, 50))
        start[node], end[node] = low, low + draw(st.integers(0, 50))
        if node != "0":
            edges.append((str(draw(st.integers(0, int(node) - 1))), node))
    return _tree(start, end, edges)


@settings(max_examples=150)
@given(_trees())
def test_the_sections_tile_the_roots_interval_each_inside_its_span(tree: nx.DiGraph) -> None:
    sections = critical_path(tree)
    root = tree.nodes["0"]
    assert sum(s.end - s.start for s in sections) == root["end"] - root["start"]
    for before, after in pairwise(sections):
        assert before.end == after.start
    for section in sections:
        span = tree.nodes[section.span]
        assert span["start"] <= section.start < section.end <= span["end"]


def test_critical_path_refuses_spans_without_times() -> None:
    with pytest.raises(TheoryError, match="start <= end"):
        critical_path(_tree({"r": 5}, {"r": 1}, []))
    with pytest.raises(TheoryError, match="DiGraph"):
        critical_path("trace")  # type: ignore[arg-type]


def test_on_the_shop_parallel_calls_take_the_shorter_one_off_the_path() -> None:
    def report(parallel: tuple[str, ...]) -> tuple[dict[str, int], int, int]:
        [visit] = run_requests(checkout(parallel), seed=1)
        tree = span_tree(export_traces([visit]).spans)
        durations = sum(d["end"] - d["start"] for _, d in tree.nodes(data=True))
        return critical_time(tree), visit.end - visit.start, durations

    sequential, latency, durations = report(())
    assert sum(sequential.values()) == latency < durations
    assert set(sequential) == {"gateway", "orders", "cart", "catalogue", "payments"}
    parallel, faster, _ = report(("orders",))
    assert sum(parallel.values()) == faster < latency
    assert "payments" not in parallel  # payments answers while cart is still working


def test_a_broken_trace_is_walked_from_each_of_its_roots() -> None:
    tree = _tree({"r": 0, "x": 200}, {"r": 100, "x": 230}, [])
    assert _path(tree) == [("r", 0, 100), ("x", 200, 230)]


# --- sampling -------------------------------------------------------------------------------


#: The service visits of a checkout: each a sampling decision under ``independent``.
VISITS = len(list(checkout().walk()))


def _within(count: int, n: int, p: float) -> bool:
    return abs(count - n * p) <= 4 * math.sqrt(n * p * (1 - p)) + 1


def test_parent_based_sampling_keeps_whole_traces_at_the_ratio() -> None:
    visits = run_requests(checkout(), 300, seed=11)
    for ratio in (0.1, 0.5):
        outcome = sampling_outcome(visits, sampler="parent", ratio=ratio, seed=2)
        assert outcome.broken == 0 and outcome.kept == outcome.complete
        assert _within(outcome.complete, 300, complete_trace_probability(ratio, VISITS, "parent"))


def test_independent_sampling_breaks_traces_as_the_closed_form_says() -> None:
    visits = run_requests(checkout(), 300, seed=11)
    ratio, k = 0.8, VISITS
    outcome = sampling_outcome(visits, sampler="independent", ratio=ratio, seed=2)
    whole = complete_trace_probability(ratio, k, "independent")
    assert whole == pytest.approx(ratio ** k)
    assert _within(outcome.complete, 300, whole)
    assert _within(outcome.broken, 300, 1 - (1 - ratio) ** k - whole)
    assert _within(outcome.spans, outcome.total, ratio)  # the same share of spans is kept


def test_a_dropped_trace_still_propagates_its_decision() -> None:
    traces = export_traces(run_requests(checkout(), seed=1), sampler="parent", ratio=0.0)
    assert not traces.spans
    assert {TRACEPARENT.fullmatch(h).group(3) for _, h in traces.headers} == {"00"}  # type: ignore[union-attr]


def test_visit_and_section_are_frozen_records() -> None:
    [visit] = run_requests(checkout(), seed=1)
    for record in (visit, Section("a", 0, 1)):
        with pytest.raises(AttributeError):
            record.end = 0  # type: ignore[misc]


def test_a_broken_trace_walks_each_root() -> None:
    traces = export_traces(run_requests(checkout(), 40, seed=3), sampler="independent",
                           ratio=0.5, seed=1)
    trees = [span_tree(group) for group in traces_of(traces.spans).values()]
    broken = [t for t in trees if sum(t.in_degree(n) == 0 for n in t) > 1]
    assert broken
    tree = broken[0]
    roots = [n for n in tree if tree.in_degree(n) == 0]
    covered = sum(s.end - s.start for s in critical_path(tree))
    assert covered == sum(tree.nodes[r]["end"] - tree.nodes[r]["start"] for r in roots)
