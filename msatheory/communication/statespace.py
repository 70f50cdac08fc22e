"""Strategy 5.3.2 (熔断器模式): every state a circuit breaker reaches in a few steps.

A breaker's trouble hides in orderings: a call admitted while another is still out, an
outcome that arrives after the breaker changed its mind. This module walks every sequence
of steps up to a length and draws the states reached as a networkx ``DiGraph``, so a
property can be checked on all of them at once (small-scope exhaustive exploration: if a
design is wrong, a short sequence usually shows it).

A step is one of :data:`STEPS`:

* ``"ok"``, ``"fail"``, ``"slow"``: a synchronous call at the current time; if the breaker
  admits it, its outcome (a success, a failure, a success that took ``slow`` seconds) is
  recorded at once;
* ``"start"``: a call the breaker admits goes out and stays in flight (at most
  ``max_in_flight`` at once);
* ``"end-ok"``, ``"end-fail"``: the oldest call in flight returns, successful or not;
* ``"wait"``: ``wait`` seconds pass, longer than any timeout of the breaker.

Only ``"wait"`` moves the clock, so a time the breaker keeps is either the current time
or at least ``wait`` seconds old, and only which of the two it is matters. A node is the
breaker's :func:`fingerprint` (its attributes, each time replaced by ``"now"`` or
``"earlier"``) with the number of calls in flight and the number of trial calls admitted
since the breaker last left ``"open"``: two sequences that reach the same node behave the
same from then on.

:func:`excess_trials` asks the graph for the shortest sequence after which a half-open
breaker has admitted more trial calls than it permits. :func:`explore` is the record a
lesson prints.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from itertools import pairwise

import networkx as nx

from msatheory.communication.breaker import Breaker, Time
from msatheory.errors import TheoryError, require_count, require_time

__all__ = [
    "IGNORED",
    "STEPS",
    "Exploration",
    "excess_trials",
    "explore",
    "fingerprint",
    "state_graph",
]

STEPS = ("ok", "fail", "start", "end-ok", "end-fail", "wait")
"""The default step alphabet; ``"slow"`` may be added for breakers that time calls."""

IGNORED = ("_last", "_in_flight", "_failed", "_slowed")
"""Attributes left out of a fingerprint by default, each determined by the rest or unused
by the decisions: this chapter's breakers keep the time of the last call only to refuse a
clock that goes backwards, count the calls in flight as the explorer does, and keep
:class:`~msatheory.communication.breaker.RateBreaker`'s totals of failed and slow calls
from the outcomes in its window."""

_KNOWN = ("ok", "fail", "slow", "start", "end-ok", "end-fail", "wait")

START: Fraction = Fraction(2**20 + 1, 2**10)
"""The explorer's first instant, 1024 s and 1/1024 s: a number no count or parameter of a
breaker is likely to equal, exact as a float, so a kept time is recognised by its value."""


def fingerprint(breaker: object, instants: Iterable[Time], now: Time, *,
                ignore: Sequence[str] = IGNORED) -> tuple[tuple[str, Hashable], ...]:
    """The breaker's attributes, by name, each time of ``instants`` replaced by ``"now"``
    (equal to ``now``) or ``"earlier"``; attributes named in ``ignore`` (by default
    :data:`IGNORED`) are left out.

    Examples
    --------
    >>> from msatheory.communication.breaker import CircuitBreaker
    >>> breaker = CircuitBreaker(fail_max=1, reset_timeout=10)
    >>> breaker.allow(7), breaker.record(False, 7)
    (True, None)
    >>> dict(fingerprint(breaker, [7], 7))["_opened_at"]
    'now'
    """
    seen = frozenset(instants)
    names = sorted(vars(breaker))
    return tuple((name, _canonical(vars(breaker)[name], seen, now))
                 for name in names if name not in ignore)


def _canonical(value: object, instants: frozenset[Time], now: Time) -> Hashable:
    """``value`` as a hashable, time-free structure (see :func:`fingerprint`)."""
    if isinstance(value, bool | Enum | str | type(None)):
        return value
    if isinstance(value, int | float | Fraction):
        if value in instants:
            return "now" if value == now else "earlier"
        return value
    if isinstance(value, dict):
        return tuple(sorted((str(k), _canonical(v, instants, now)) for k, v in value.items()))
    if isinstance(value, list | tuple | deque):
        return tuple(_canonical(v, instants, now) for v in value)
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return _Object(type(value).__name__, tuple(
            (k, _canonical(v, instants, now)) for k, v in sorted(vars(value).items())))
    if isinstance(value, Hashable):
        return value
    raise TheoryError(f"fingerprint: cannot read a breaker attribute holding {value!r}")


@dataclass(frozen=True)
class _Object:
    """An object held by a breaker, in a fingerprint: its type's name and its attributes."""

    kind: str
    fields: tuple[tuple[str, Hashable], ...]


def _leaves(name: str, value: Hashable) -> Iterable[tuple[str, Hashable]]:
    """``(dotted name, value)`` for each attribute of ``value`` that holds no object."""
    if isinstance(value, _Object):
        for field, inner in value.fields:
            yield from _leaves(f"{name}.{field.lstrip('_')}", inner)
    else:
        yield name, value


@dataclass
class _Node:
    """A representative of a node: a breaker, the explorer's clock, the calls in flight
    and the trial calls admitted since the breaker last left open."""

    breaker: Breaker
    now: Fraction
    instants: tuple[Fraction, ...]
    in_flight: int
    trials: int


def _apply(node: _Node, step: str, *, wait: Time, slow: Time,
           max_in_flight: int) -> tuple[_Node, bool] | None:
    """The node after ``step`` and whether it admitted a call, or None where the step
    does not apply (nothing in flight to end, or ``max_in_flight`` out already)."""
    if step in ("end-ok", "end-fail") and node.in_flight == 0:
        return None
    if step == "start" and node.in_flight >= max_in_flight:
        return None
    after = copy.deepcopy(node)
    breaker, now = after.breaker, after.now
    if step == "wait":
        after.now = now + Fraction(wait)
        after.instants = (*after.instants, after.now)
        return after, False
    before = breaker.state
    admitted = False
    if step in ("end-ok", "end-fail"):
        breaker.record(step == "end-ok", now)
        after.in_flight -= 1
    else:
        admitted = breaker.allow(now)
        if admitted and step == "start":
            after.in_flight += 1
        elif admitted:
            breaker.record(step != "fail", now, slow if step == "slow" else 0)
    if breaker.state != "half-open":
        after.trials = 0
    elif admitted and before in ("open", "half-open"):
        after.trials += 1
    return after, admitted


def _key(node: _Node, ignore: Sequence[str]) -> Hashable:
    return (fingerprint(node.breaker, node.instants, node.now, ignore=ignore),
            node.in_flight, node.trials)


def state_graph(make: Callable[[], Breaker], length: int, *, wait: Time,
                steps: Sequence[str] = STEPS, slow: Time = 0, max_in_flight: int = 2,
                ignore: Sequence[str] = IGNORED) -> nx.DiGraph:
    """Strategy 5.3.2 (熔断器模式): the states a breaker reaches in at most ``length``
    steps, as a directed graph.

    Parameters
    ----------
    make : callable
        Makes a fresh breaker (a :class:`~msatheory.communication.breaker.Breaker`).
    length : int
        The most steps in a sequence (>= 0).
    wait : int, Fraction or float
        Seconds one ``"wait"`` step lets pass: longer than every timeout of the breaker.
    steps : sequence of str
        The step alphabet, a selection of ``"ok"``, ``"fail"``, ``"slow"``, ``"start"``,
        ``"end-ok"``, ``"end-fail"``, ``"wait"``.
    slow : int, Fraction or float
        The duration of a ``"slow"`` call, seconds.
    max_in_flight : int
        The most calls in flight at once (>= 0).
    ignore : sequence of str
        Attributes of the breaker left out of its fingerprint.

    Returns
    -------
    networkx.DiGraph
        Nodes are readable labels (the state, the attributes that differ from a fresh
        breaker's, the calls in flight and the trial calls); each has attributes ``state``,
        ``in_flight``, ``trials`` and ``depth`` (the fewest steps that reach it). The graph
        attribute ``root`` names the fresh breaker's node, and ``complete`` is True when
        the last step reached no new node: then no sequence of any length reaches a node
        outside the graph. An edge ``u -> v`` has ``steps``, the steps that lead from
        ``u`` to ``v`` in alphabet order, each with whether the breaker admitted its call,
        and ``step``, the first of them.

    Raises
    ------
    TheoryError
        On a bad length, wait, step or bound.

    Examples
    --------
    >>> from msatheory.communication.breaker import CircuitBreaker
    >>> graph = state_graph(lambda: CircuitBreaker(fail_max=1, reset_timeout=5), 2,
    ...                     wait=10, steps=("fail", "wait"))
    >>> list(graph.nodes)
    ['closed', 'open failures=1 opened_at=now', 'open failures=1 opened_at=earlier']
    >>> graph.edges["closed", "open failures=1 opened_at=now"]["steps"]
    (('fail', True),)
    >>> graph.graph["complete"]
    False

    References
    ----------
    .. [1] Strategy 5.3.2 of the theory (熔断器模式).
    .. [2] D. Jackson, *Software Abstractions*, MIT Press, 2006: the small scope hypothesis.
    """
    depth = require_count("state_graph", "length", length)
    pause = require_time("state_graph", "wait", wait, positive=True)
    took = require_time("state_graph", "slow", slow)
    most = require_count("state_graph", "max_in_flight", max_in_flight)
    for step in steps:
        if step not in _KNOWN:
            raise TheoryError(f"state_graph: steps must be among {', '.join(_KNOWN)}, "
                              f"not {step!r}")
    fresh = make()
    root = _Node(fresh, START, (START,), 0, 0)
    base = dict(leaf for name, value in fingerprint(fresh, root.instants, root.now,
                                                    ignore=ignore)
                for leaf in _leaves(name.lstrip("_"), value))
    labels: dict[Hashable, str] = {}

    def label(node: _Node) -> str:
        key = _key(node, ignore)
        if key not in labels:
            fields = [leaf for name, value in fingerprint(node.breaker, node.instants,
                                                          node.now, ignore=ignore)
                      for leaf in _leaves(name.lstrip("_"), value)]
            text = " ".join([node.breaker.state] + [
                f"{name}={_show(value)}" for name, value in fields
                if base.get(name, object()) != value and name != "state"])
            extra = [f"{node.in_flight} in flight"] if node.in_flight else []
            extra += [f"{node.trials} trial{'s' if node.trials > 1 else ''}"] \
                if node.trials else []
            text += f" | {', '.join(extra)}" if extra else ""
            taken = set(labels.values())
            labels[key] = next(name for name in (text, *(f"{text} #{k}" for k in range(2, 99)))
                               if name not in taken)
        return labels[key]

    graph: nx.DiGraph = nx.DiGraph(root=label(root))
    graph.add_node(label(root), state=fresh.state, in_flight=0, trials=0, depth=0)
    frontier = [root]
    for level in range(1, depth + 1):
        following = []
        for node in frontier:
            here = label(node)
            for step in steps:
                moved = _apply(node, step, wait=pause, slow=took, max_in_flight=most)
                if moved is None:
                    continue
                after, admitted = moved
                there = label(after)
                if there not in graph:
                    graph.add_node(there, state=after.breaker.state, in_flight=after.in_flight,
                                   trials=after.trials, depth=level)
                    following.append(after)
                if graph.has_edge(here, there):
                    graph.edges[here, there]["steps"].append((step, admitted))
                else:
                    graph.add_edge(here, there, step=step, steps=[(step, admitted)])
        frontier = following
    for _, _, data in graph.edges(data=True):
        data["steps"] = tuple(data["steps"])
    graph.graph["complete"] = not frontier
    return graph


def _show(value: Hashable) -> str:
    """A fingerprint value as a label shows it."""
    if isinstance(value, tuple):
        return "[" + ",".join(_show(v) for v in value) + "]"
    return str(value)


def excess_trials(make: Callable[[], Breaker], length: int, permitted: int, *, wait: Time,
                  steps: Sequence[str] = STEPS, slow: Time = 0,
                  max_in_flight: int = 2) -> tuple[str, ...] | None:
    """Strategy 5.3.2 (熔断器模式): the shortest step sequence after which the breaker
    has admitted more than ``permitted`` trial calls since it last left open, or None.

    Trial calls are the calls admitted while the breaker is half-open, the one that moved
    it there included; an outcome that moves it out of half-open ends the count.

    Parameters
    ----------
    make, length, wait, steps, slow, max_in_flight
        As for :func:`state_graph`.
    permitted : int
        The trial calls half-open may admit (>= 1): 1 for pybreaker, 10 by default for
        Resilience4j.

    Returns
    -------
    tuple of str or None
        The steps, shortest first and then first in alphabet order, or None when no
        sequence of at most ``length`` steps admits too many.

    Examples
    --------
    >>> from msatheory.communication.breaker import CircuitBreaker
    >>> print(excess_trials(lambda: CircuitBreaker(fail_max=1, reset_timeout=5), 5, 1,
    ...                     wait=10))
    None

    References
    ----------
    .. [1] Strategy 5.3.2 of the theory (熔断器模式).
    .. [2] Resilience4j, ``permittedNumberOfCallsInHalfOpenState``; ``pybreaker``'s
       half-open state, which lets one call through.
    """
    bound = require_count("excess_trials", "permitted", permitted, least=1)
    graph = state_graph(make, length, wait=wait, steps=steps, slow=slow,
                        max_in_flight=max_in_flight)
    return _shortest(graph, bound)


def _shortest(graph: nx.DiGraph, permitted: int) -> tuple[str, ...] | None:
    """The steps of a shortest path from the root to a node with more than ``permitted``
    trial calls."""
    targets = [node for node in graph if graph.nodes[node]["trials"] > permitted]
    if not targets:
        return None
    paths = nx.shortest_path(graph, graph.graph["root"])
    order = {node: i for i, node in enumerate(graph.nodes)}
    target = min(targets, key=lambda node: (len(paths[node]), order[node]))
    return tuple(graph.edges[u, v]["step"] for u, v in pairwise(paths[target]))


@dataclass(frozen=True)
class Exploration:
    """What :func:`explore` found: the graph's size, how many nodes each state has, the
    most trial calls any node admits, the shortest sequence that admits more than
    ``permitted`` (None if there is none), and whether the graph is ``complete`` (no
    longer sequence reaches a new node)."""

    breaker: str
    length: int
    nodes: int
    edges: int
    by_state: tuple[tuple[str, int], ...]
    most_trials: int
    permitted: int
    counterexample: tuple[str, ...] | None
    complete: bool


def explore(make: Callable[[], Breaker], length: int, permitted: int, *, wait: Time,
            steps: Sequence[str] = STEPS, slow: Time = 0,
            max_in_flight: int = 2) -> Exploration:
    """Strategy 5.3.2 (熔断器模式): the state graph of a breaker and its trial-call check,
    as one record.

    Parameters are those of :func:`excess_trials`.

    Returns
    -------
    Exploration
        ``breaker`` is the fresh breaker's repr; ``nodes`` and ``edges`` the graph's size;
        ``by_state`` the nodes per state; ``most_trials`` the most trial calls admitted at
        any node; ``counterexample`` the shortest sequence admitting more than
        ``permitted``, or None; ``complete`` whether the graph holds every reachable node.

    Examples
    --------
    >>> from msatheory.communication.breaker import CircuitBreaker
    >>> found = explore(lambda: CircuitBreaker(fail_max=2, reset_timeout=5), 6, 1, wait=10)
    >>> found.nodes, found.edges, found.most_trials, found.counterexample, found.complete
    (14, 54, 1, None, True)

    References
    ----------
    .. [1] Strategy 5.3.2 of the theory (熔断器模式).
    """
    bound = require_count("explore", "permitted", permitted, least=1)
    graph = state_graph(make, length, wait=wait, steps=steps, slow=slow,
                        max_in_flight=max_in_flight)
    counts: dict[str, int] = {}
    for _, data in graph.nodes(data=True):
        counts[data["state"]] = counts.get(data["state"], 0) + 1
    return Exploration(
        breaker=repr(make()), length=length, nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(), by_state=tuple(sorted(counts.items())),
        most_trials=max(data["trials"] for _, data in graph.nodes(data=True)),
        permitted=bound,
        counterexample=_shortest(graph, bound),
        complete=graph.graph["complete"])
