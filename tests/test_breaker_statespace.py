"""Strategy 5.3.2 (熔断器模式): the breakers' state graphs and the trial-call property."""

from __future__ import annotations

from enum import Enum

import networkx as nx
import pytest

from msatheory.communication.breaker import CircuitBreaker, RateBreaker, Time
from msatheory.communication.statespace import (
    STEPS,
    Exploration,
    excess_trials,
    explore,
    fingerprint,
    state_graph,
)
from msatheory.errors import TheoryError

ALL = ("ok", "fail", "slow", "start", "end-ok", "end-fail", "wait")


def circuit() -> CircuitBreaker:
    return CircuitBreaker(fail_max=2, reset_timeout=5)


def rate() -> RateBreaker:
    return RateBreaker(minimum_calls=2, window=2, wait_in_open=5, permitted_in_half_open=2)


class EagerHalfOpen(CircuitBreaker):
    """Wrong on purpose: half-open lets every call through until an outcome is recorded,
    as the theory's sketch does (``HalfOpen => true`` in ``is_closed``)."""

    def allow(self, now: Time) -> bool:
        if self.state == "half-open":
            self._tick(now)
            self._in_flight += 1
            return True
        return super().allow(now)


def test_circuit_breaker_graph() -> None:
    """fail_max 2: closed with 0 or 1 failures, open with its timer running or run out,
    half-open; each with 0, 1 or 2 calls in flight where reachable. Six steps reach every
    node: the seventh finds none new."""
    graph = state_graph(circuit, 6, wait=10)
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (14, 54)
    assert graph.graph["complete"]
    assert not state_graph(circuit, 5, wait=10).graph["complete"]
    assert list(graph.nodes)[:4] == ["closed", "closed failures=1", "closed | 1 in flight",
                                     "open failures=2 opened_at=now"]
    assert sorted(n for n, s in graph.nodes(data="state") if s == "half-open") == [
        "half-open failures=2 | 1 in flight, 1 trial",
        "half-open failures=2 | 2 in flight, 1 trial"]
    assert graph.edges["open failures=2 opened_at=earlier",
                       "half-open failures=2 | 1 in flight, 1 trial"]["steps"] \
        == (("start", True),)
    # a refused call leaves a half-open breaker where it was
    assert ("start", False) in graph.edges["half-open failures=2 | 1 in flight, 1 trial",
                                           "half-open failures=2 | 1 in flight, 1 trial"]["steps"]


def test_rate_breaker_graph() -> None:
    graph = state_graph(rate, 7, wait=10)
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (31, 122)
    assert graph.graph["complete"]
    slow = state_graph(rate, 7, wait=10, steps=ALL, slow=61)
    assert (slow.number_of_nodes(), slow.number_of_edges()) == (45, 205)
    assert "closed outcomes=[slow ok]" in slow
    assert "half-open | 2 in flight, 2 trials" in slow  # no permits left


def test_every_node_is_reachable_within_its_depth() -> None:
    graph = state_graph(rate, 7, wait=10)
    lengths = nx.single_source_shortest_path_length(graph, graph.graph["root"])
    assert all(lengths[node] == depth for node, depth in graph.nodes(data="depth"))


def test_corrected_breakers_never_admit_too_many_trials() -> None:
    assert excess_trials(circuit, 8, 1, wait=10) is None
    assert excess_trials(rate, 8, 2, wait=10, steps=ALL, slow=61) is None
    assert excess_trials(lambda: RateBreaker(minimum_calls=1, window=1, wait_in_open=5,
                                             permitted_in_half_open=1), 8, 1,
                         wait=10) is None


def test_a_half_open_that_admits_everything_is_caught() -> None:
    """The shortest counterexample: open the breaker, wait, and start two calls."""
    assert excess_trials(lambda: EagerHalfOpen(fail_max=1, reset_timeout=5), 6, 1,
                         wait=10) == ("fail", "wait", "start", "start")
    assert excess_trials(lambda: EagerHalfOpen(fail_max=2, reset_timeout=5), 6, 1,
                         wait=10) == ("fail", "fail", "wait", "start", "start")
    # with synchronous calls only, nothing is ever in flight: the defect cannot show
    assert excess_trials(lambda: EagerHalfOpen(fail_max=1, reset_timeout=5), 8, 1,
                         wait=10, steps=("ok", "fail", "wait")) is None


def test_explore_record() -> None:
    found = explore(lambda: EagerHalfOpen(fail_max=1, reset_timeout=5), 5, 1, wait=10)
    assert found == Exploration(
        breaker="EagerHalfOpen(fail_max=1, reset_timeout=5, state='closed', failures=0)",
        length=5, nodes=12, edges=49, by_state=(("closed", 3), ("half-open", 3), ("open", 6)),
        most_trials=2, permitted=1, counterexample=("fail", "wait", "start", "start"),
        complete=True)
    ours = explore(circuit, 6, 1, wait=10)
    assert (ours.nodes, ours.edges, ours.by_state, ours.most_trials, ours.complete) \
        == (14, 54, (("closed", 6), ("half-open", 2), ("open", 6)), 1, True)


def test_length_zero_is_the_fresh_breaker() -> None:
    graph = state_graph(circuit, 0, wait=10)
    assert list(graph.nodes) == ["closed"] and graph.number_of_edges() == 0


class Colour(Enum):
    RED = "red"


class Holder:
    def __init__(self) -> None:
        self.at = 7.0
        self.colour = Colour.RED
        self.log = [7, 3]


def test_fingerprint_reads_times_by_value() -> None:
    """A kept time is recognised by its value, whatever its type (the sketch's clock
    keeps floats); an Enum, a nested object and a list are read."""
    holder = Holder()
    assert fingerprint(holder, [3, 7], 7) == (
        ("at", "now"), ("colour", Colour.RED), ("log", ("now", "earlier")))
    assert fingerprint(holder, [3], 7, ignore=("log",)) == (
        ("at", 7.0), ("colour", Colour.RED))


@pytest.mark.parametrize(("call", "message"), [
    (lambda: state_graph(circuit, -1, wait=10),
     "state_graph: length must be a whole number, 0 or more, not -1"),
    (lambda: state_graph(circuit, 2, wait=0),
     "state_graph: wait must be a positive finite number of seconds, not 0"),
    (lambda: state_graph(circuit, 2, wait=10, steps=("ok", "retry")),
     "state_graph: steps must be among ok, fail, slow, start, end-ok, end-fail, wait, "
     "not 'retry'"),
    (lambda: excess_trials(circuit, 2, 0, wait=10),
     "excess_trials: permitted must be a positive whole number, not 0"),
])
def test_bad_input_is_a_theory_error(call: object, message: str) -> None:
    with pytest.raises(TheoryError) as raised:
        call()  # type: ignore[operator]
    assert str(raised.value) == message


def test_default_alphabet() -> None:
    assert STEPS == ("ok", "fail", "start", "end-ok", "end-fail", "wait")
