"""Def 7.3.2 (链路追踪), distributed tracing: a request's path through the services, as spans.

A **trace** records one request as it travels between services: each unit of work is a
**span** (a name, a service, a start and an end, and the span that caused it), and the spans
of one request form a tree (Sigelman et al., "Dapper", 2010). This module builds that tree
from chapter 1's shop (:func:`msatheory.basics.examples.shop`) with the real OpenTelemetry
SDK, and measures what a trace shows:

* the workload is :mod:`msatheory.deployment.workload`'s: :func:`~.workload.checkout`
  is the shop's checkout path and :func:`~.workload.run_requests` times seeded requests
  on it in virtual microseconds (:class:`~.workload.Visit` trees), shared with the logs
  of Def 7.3.1;
* :func:`export_traces` turns the visits into OpenTelemetry spans, one ``TracerProvider``
  per service (as each service runs its own SDK), a seeded :class:`SeededIdGenerator`, an
  ``InMemorySpanExporter`` behind a ``SimpleSpanProcessor``, explicit start and end times,
  and the W3C ``traceparent`` header injected by each caller and extracted by each callee;
* :func:`span_tree` makes a trace a networkx ``DiGraph``; :func:`critical_path` is Jaeger's
  critical path (the chain of spans that sets the end-to-end latency);
* :func:`sampling_outcome` and :func:`complete_trace_probability` measure head sampling
  that is consistent across services (``ParentBased(TraceIdRatioBased(p))``) against
  sampling that each service decides alone (broken traces).

Times are whole microseconds of virtual time (Jaeger's unit), nanoseconds inside the SDK.
The model stops at one request path per run: no queueing (a service serves requests in
parallel), no retries, no span events, links or baggage.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes

from msatheory.deployment.workload import Visit
from msatheory.errors import (
    TheoryError,
    require_choice,
    require_count,
    require_fraction,
    require_instance,
    require_items,
    require_seed,
)
from msatheory.sim import seeded_rng
from msatheory.theory.render import counted

__all__ = [
    "SAMPLERS",
    "Section",
    "SeededIdGenerator",
    "TraceSampling",
    "Traces",
    "complete_trace_probability",
    "critical_path",
    "critical_time",
    "export_traces",
    "sampling_outcome",
    "span_tree",
    "traces_of",
]

#: Head sampling across services: ``all`` keeps every span; ``parent`` is
#: ``ParentBased(TraceIdRatioBased(p))`` in every service (the root decides, the
#: ``traceparent`` flag carries the decision); ``independent`` lets each service decide
#: anew with probability ``p`` whatever its caller decided.
SAMPLERS = ("all", "parent", "independent")

#: The W3C Trace Context header that carries a span's context from caller to callee.
PROPAGATOR = TraceContextTextMapPropagator()

_MICROS = 1_000
"""Nanoseconds (the SDK's unit) in a microsecond (this module's)."""


# --- spans with the OpenTelemetry SDK -------------------------------------------------------


class SeededIdGenerator(IdGenerator):
    """Trace and span ids drawn from a seeded generator, so a run repeats exactly.

    Every bit is drawn uniformly, as the SDK's ``RandomIdGenerator`` draws them from the
    unseeded ``random`` module; ``TraceIdRatioBased`` reads the low 64 bits.

    >>> ids = SeededIdGenerator(7)
    >>> f"{ids.generate_trace_id():032x}" == f"{SeededIdGenerator(7).generate_trace_id():032x}"
    True
    """

    def __init__(self, seed: int) -> None:
        self._rng = seeded_rng(seed, "SeededIdGenerator")

    def _bits(self, size: int) -> int:
        value = 0
        while value == 0:  # 0 is the invalid id
            value = self._rng.getrandbits(size)
        return value

    def generate_span_id(self) -> int:
        """A 64-bit span id, never 0."""
        return self._bits(64)

    def generate_trace_id(self) -> int:
        """A 128-bit trace id, never 0."""
        return self._bits(128)


class _Coin(Sampler):
    """Keeps a span with probability ``rate``, drawn from a seeded generator whatever the
    trace id: a service deciding alone."""

    def __init__(self, rate: float, rng: random.Random) -> None:
        self._rate, self._rng = rate, rng

    def should_sample(self, parent_context: Context | None, trace_id: int, name: str,
                      kind: SpanKind | None = None, attributes: Attributes = None,
                      links: Sequence[trace.Link] | None = None,
                      trace_state: trace.TraceState | None = None) -> SamplingResult:
        keep = self._rng.random() < self._rate
        parent = trace.get_current_span(parent_context).get_span_context()
        return SamplingResult(Decision.RECORD_AND_SAMPLE if keep else Decision.DROP,
                              attributes if keep else None,
                              parent.trace_state if parent.is_valid else None)

    def get_description(self) -> str:
        return f"Coin{{{self._rate}}}"


def _sampler(mode: str, ratio: float, rng: random.Random) -> Sampler:
    """One service's sampler for ``mode`` (see :data:`SAMPLERS`)."""
    if mode == "all":
        return ParentBased(ALWAYS_ON)
    if mode == "parent":
        return ParentBased(TraceIdRatioBased(ratio))
    coin = _Coin(ratio, rng)
    return ParentBased(coin, remote_parent_sampled=coin, remote_parent_not_sampled=coin)


#: Span limits given in full, so the SDK reads none from the environment.
_LIMITS = dict(max_attributes=128, max_events=128, max_links=128, max_span_attributes=128,
               max_event_attributes=128, max_link_attributes=128,
               max_attribute_length=SpanLimits.UNSET, max_span_attribute_length=SpanLimits.UNSET)


@dataclass(frozen=True, repr=False)
class Traces:
    """Def 7.3.2 (链路追踪): what a run exported, and the headers that crossed the network.

    ``spans`` are the SDK's ``ReadableSpan`` objects in the order they ended; ``headers``
    hold, for each hop in the order it was made, the service that received it and the
    ``traceparent`` header it extracted.
    """

    spans: tuple[ReadableSpan, ...]
    headers: tuple[tuple[str, str], ...]

    def __repr__(self) -> str:
        return (f"Traces({counted(len(self.spans), 'span')} in "
                f"{counted(len(traces_of(self.spans)), 'trace')}, "
                f"{counted(len(self.headers), 'traceparent header')})")


class _Run:
    """One export: a provider per service, sharing one exporter and one id generator."""

    def __init__(self, services: Iterable[str], mode: str, ratio: float, seed: int) -> None:
        self.exporter = InMemorySpanExporter()
        ids = SeededIdGenerator(seed)
        self.tracers: dict[str, trace.Tracer] = {}
        self.providers: list[TracerProvider] = []
        for index, service in enumerate(services):
            provider = TracerProvider(
                sampler=_sampler(mode, ratio, seeded_rng(seed * 1000 + index + 1)),
                resource=Resource({"service.name": service}), shutdown_on_exit=False,
                id_generator=ids, span_limits=SpanLimits(**_LIMITS))
            provider.add_span_processor(SimpleSpanProcessor(self.exporter))
            self.providers.append(provider)
            self.tracers[service] = provider.get_tracer("msatheory.deployment.tracing")
        self.headers: list[tuple[str, str]] = []

    def send(self, service: str, span: trace.Span) -> Context:
        """The context ``service`` extracts from the carrier the caller injected."""
        carrier: dict[str, str] = {}
        PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
        self.headers.append((service, carrier["traceparent"]))
        return PROPAGATOR.extract(carrier)

    def span(self, service: str, name: str, kind: SpanKind, start: int,
             context: Context | None) -> trace.Span:
        """A span started at virtual ``start`` µs under ``context``."""
        return self.tracers[service].start_span(name, context=context or Context(), kind=kind,
                                                start_time=start * _MICROS)

    def visit(self, visit: Visit, context: Context | None, caller: str) -> None:
        """The spans of ``visit``: the caller's client (or producer) span, the server (or
        consumer) span, and those of its children; each ends after its children."""
        hop, outer = visit.hop, None
        if hop.via == "call":
            outer = self.span(caller, hop.name, SpanKind.CLIENT, visit.sent, context)
            context = self.send(hop.service, outer)
        elif hop.via != "entry":
            context = self.send(hop.service, trace.get_current_span(context))
        kind = {"entry": SpanKind.SERVER, "call": SpanKind.SERVER}.get(hop.via, SpanKind.CONSUMER)
        inner = self.span(hop.service, hop.name, kind, visit.start, context)
        inner.set_attribute("msatheory.status", visit.status)
        if visit.status == "error":
            inner.set_status(Status(StatusCode.ERROR, "own work failed" if visit.fault
                                    else "a hard call failed"))
        here = trace.set_span_in_context(inner)
        topics: dict[str, trace.Span] = {}
        for child in visit.children:
            if child.hop.via == "call":
                self.visit(child, here, hop.service)
                continue
            if child.hop.via not in topics:
                topics[child.hop.via] = self.span(hop.service, f"{child.hop.via} publish",
                                                  SpanKind.PRODUCER, child.sent, here)
            self.visit(child, trace.set_span_in_context(topics[child.hop.via]), hop.service)
        for topic, producer in topics.items():
            first = next(c for c in visit.children if c.hop.via == topic)
            producer.end(end_time=first.received * _MICROS)
        inner.end(end_time=visit.end * _MICROS)
        if outer is not None:
            if visit.failed:
                outer.set_status(Status(StatusCode.ERROR, "timed out" if visit.timed_out
                                        else "callee failed"))
            outer.end(end_time=visit.received * _MICROS)


def export_traces(visits: Sequence[Visit], *, seed: int = 0, sampler: str = "all",
                  ratio: float = 1.0) -> Traces:
    """Def 7.3.2 (链路追踪): the visits as OpenTelemetry spans, one trace per request.

    Each service has its own ``TracerProvider`` (its resource's ``service.name``), all
    exporting through ``SimpleSpanProcessor`` to one ``InMemorySpanExporter`` (the
    collector). A caller opens a ``CLIENT`` span and injects it into a carrier as a W3C
    ``traceparent`` header; the callee extracts it and opens its ``SERVER`` span as the
    child. A publisher opens a ``PRODUCER`` span per topic; each subscriber's ``CONSUMER``
    span is its child. Ids come from :class:`SeededIdGenerator`, times from the visits, so
    two runs with one seed export the same spans.

    Parameters
    ----------
    visits : list of Visit
        From :func:`~msatheory.deployment.workload.run_requests`.
    seed : int
        Seeds the ids and the ``independent`` samplers.
    sampler : str
        One of :data:`SAMPLERS`.
    ratio : float
        The share of traces (``parent``) or of each service's spans (``independent``)
        kept.

    Returns
    -------
    Traces
        The exported spans and the ``traceparent`` headers.

    Raises
    ------
    TheoryError
        Visits that are not a list of :class:`~.workload.Visit`, a bad seed, sampler or ratio.

    Examples
    --------
    >>> from msatheory.deployment.workload import checkout, run_requests
    >>> traces = export_traces(run_requests(checkout(), seed=1))
    >>> traces
    Traces(12 spans in 1 trace, 6 traceparent headers)
    >>> traces.headers[0]
    ('orders', '00-e3e70682c2094cac629f6fbed82c07cd-f728b4fa42485e3a-01')

    References
    ----------
    Def 7.3.2. OpenTelemetry Python SDK: ``opentelemetry.sdk.trace.TracerProvider``,
    ``sampling.ParentBased`` and ``TraceIdRatioBased``, ``export.SimpleSpanProcessor``,
    ``in_memory_span_exporter.InMemorySpanExporter``, ``id_generator.IdGenerator``;
    ``opentelemetry.trace.propagation.tracecontext.TraceContextTextMapPropagator``.
    W3C, "Trace Context", Recommendation, section 3.2 (the ``traceparent`` header).
    """
    owner = "export_traces"
    runs = require_items(owner, "visits", visits, Visit)
    require_seed(owner, seed)
    mode = require_choice(owner, "sampler", sampler, SAMPLERS)
    share = require_fraction(owner, "ratio", ratio)
    services = dict.fromkeys(hop.service for visit in runs for hop in visit.hop.walk())
    run = _Run(services, mode, share, seed)
    for visit in runs:
        run.visit(visit, None, visit.hop.service)
    for provider in run.providers:
        provider.shutdown()
    return Traces(tuple(run.exporter.get_finished_spans()), tuple(run.headers))


# --- the span tree and its critical path ----------------------------------------------------


def traces_of(spans: Iterable[ReadableSpan]) -> dict[str, tuple[ReadableSpan, ...]]:
    """Def 7.3.2 (链路追踪): spans grouped into traces by their trace id.

    Parameters
    ----------
    spans : list of ReadableSpan
        Exported spans, of any number of traces (:attr:`Traces.spans`).

    Returns
    -------
    dict of str to tuple of ReadableSpan
        Each trace id (32 hex digits) to its spans, traces in order of first appearance.

    Raises
    ------
    TheoryError
        If an item is not a ``ReadableSpan``.

    Examples
    --------
    >>> from msatheory.deployment.workload import checkout, run_requests
    >>> traces = export_traces(run_requests(checkout(), 2, seed=1)).spans
    >>> [len(group) for group in traces_of(traces).values()]
    [12, 12]

    References
    ----------
    Def 7.3.2. Dapper, section 2 (every span of a trace carries the trace id).
    """
    spans = require_items("traces_of", "spans", spans, ReadableSpan)
    groups: dict[str, list[ReadableSpan]] = {}
    for span in spans:
        context = span.get_span_context()
        assert context is not None
        groups.setdefault(f"{context.trace_id:032x}", []).append(span)
    return {key: tuple(group) for key, group in groups.items()}


def span_tree(spans: Iterable[ReadableSpan]) -> nx.DiGraph:
    """Def 7.3.2 (链路追踪): one trace's spans as a tree, parent to child (Dapper).

    Parameters
    ----------
    spans : list of ReadableSpan
        The spans of one trace, as :func:`traces_of` groups them.

    Returns
    -------
    networkx.DiGraph
        A node per span, keyed by its span id (16 hex digits), with ``name``, ``service``,
        ``kind`` (``"SERVER"``, ``"CLIENT"``, ...), ``start`` and ``end`` (µs) and
        ``status``; an edge from each span to each child. A span whose parent was not
        exported (a broken trace) has no parent edge, so the graph has more than one root.

    Raises
    ------
    TheoryError
        If the spans belong to more than one trace.

    Examples
    --------
    >>> from msatheory.deployment.workload import checkout, run_requests
    >>> spans = export_traces(run_requests(checkout(), seed=1)).spans
    >>> tree = span_tree(spans)
    >>> [tree.nodes[n]["name"] for n in tree if tree.in_degree(n) == 0]
    ['POST /checkout']

    References
    ----------
    Def 7.3.2. Dapper, section 2 (figure 2: a trace as a tree of spans).
    """
    items = tuple(spans)
    if len(traces_of(items)) > 1:
        raise TheoryError("span_tree: spans must belong to one trace, not "
                          f"{len(traces_of(items))}")
    tree: nx.DiGraph = nx.DiGraph()
    for span in items:
        context = span.get_span_context()
        assert context is not None and span.start_time is not None and span.end_time is not None
        tree.add_node(f"{context.span_id:016x}", name=span.name,
                      service=span.resource.attributes.get("service.name", ""),
                      kind=span.kind.name, start=span.start_time // _MICROS,
                      end=span.end_time // _MICROS, status=span.status.status_code.name)
    for span in items:
        context = span.get_span_context()
        assert context is not None
        if span.parent is not None and f"{span.parent.span_id:016x}" in tree:
            tree.add_edge(f"{span.parent.span_id:016x}", f"{context.span_id:016x}")
    return tree


@dataclass(frozen=True)
class Section:
    """One stretch of the critical path: span ``span`` was what the request waited on from
    ``start`` to ``end`` (µs)."""

    span: str
    start: int
    end: int


def _clipped(tree: nx.DiGraph, root: str) -> dict[str, tuple[int, int]]:
    """Each span of ``root``'s subtree clipped to its parent's interval; spans wholly
    outside it are dropped with their subtrees (Jaeger's ``sanitizeOverFlowingChildren``)."""
    kept = {root: (tree.nodes[root]["start"], tree.nodes[root]["end"])}
    for parent, child in nx.bfs_edges(tree, root):
        if parent not in kept:
            continue
        low, high = kept[parent]
        start, end = tree.nodes[child]["start"], tree.nodes[child]["end"]
        if start >= high or end <= low:
            continue
        kept[child] = (max(start, low), min(end, high))
    return kept


def _walk(tree: nx.DiGraph, times: Mapping[str, tuple[int, int]], span: str,
          path: list[Section], returning: int | None = None) -> None:
    """Jaeger's ``computeCriticalPath``: from ``span``'s end (or ``returning``, the start of
    the child just walked) back through the child that finished last before it."""
    while True:
        start, end = times[span]
        until = end if returning is None else returning
        children = [c for c in tree.successors(span) if c in times and (
            returning is None or (times[c][1] <= returning and times[c][0] < returning))]
        last = max(children, key=lambda c: times[c][1], default=None)
        if last is not None:
            if times[last][1] != until:
                path.append(Section(span, times[last][1], until))
            span, returning = last, None
            continue
        if start != until:
            path.append(Section(span, start, until))
        parents = list(tree.predecessors(span))
        if not parents or parents[0] not in times:
            return
        span, returning = parents[0], start


def critical_path(tree: nx.DiGraph) -> tuple[Section, ...]:
    """Def 7.3.2 (链路追踪): the critical path of a trace, as Jaeger computes it.

    Start at the root's end and walk back: the span is on the path from the end of its
    last-finishing child to its own end; then the walk enters that child, and on returning
    from it takes the child that finished last before the returning child started. Before
    walking, a child is clipped to its parent's interval and one wholly outside it is
    dropped (work the parent did not wait for, such as a message consumed after the
    response). Jaeger takes a child that ended strictly before the returning child
    started; on a virtual clock one call often ends exactly when the next starts, so a
    child that ended by then (and started earlier) is taken. The sections tile the root's
    interval, so they sum to the end-to-end latency; a span outside them could be made
    faster without making the request faster.

    Parameters
    ----------
    tree : networkx.DiGraph
        A trace from :func:`span_tree`, or any tree whose nodes have ``start`` and ``end``.

    Returns
    -------
    tuple of Section
        The stretches of the path in time order, each naming the span waited on.

    Raises
    ------
    TheoryError
        If ``tree`` is not a DiGraph of spans with ``start <= end``.

    Examples
    --------
    A parent calls ``a`` and ``b`` at once; ``b`` ends last, so ``a`` is off the path:

    >>> import networkx as nx
    >>> tree = nx.DiGraph([("root", "a"), ("root", "b")])
    >>> nx.set_node_attributes(tree, {"root": 0, "a": 10, "b": 10}, "start")
    >>> nx.set_node_attributes(tree, {"root": 100, "a": 40, "b": 90}, "end")
    >>> [(s.span, s.start, s.end) for s in critical_path(tree)]
    [('root', 0, 10), ('b', 10, 90), ('root', 90, 100)]

    References
    ----------
    Def 7.3.2. Jaeger UI, ``packages/jaeger-ui/src/components/TracePage/CriticalPath/
    index.ts`` (``computeCriticalPath``) with ``utils/findLastFinishingChildSpan.ts`` and
    ``utils/sanitizeOverFlowingChildren.ts``.
    """
    owner = "critical_path"
    require_instance(owner, "tree", tree, nx.DiGraph)
    for node, data in tree.nodes(data=True):
        if not ("start" in data and "end" in data and data["start"] <= data["end"]):
            raise TheoryError(f"{owner}: span {node!r} must have start <= end, not {data!r}")
    roots = sorted((n for n in tree if tree.in_degree(n) == 0),
                   key=lambda n: (tree.nodes[n]["start"], str(n)))
    path: list[Section] = []
    for root in roots:
        _walk(tree, _clipped(tree, root), root, path)
    return tuple(sorted(path, key=lambda s: (s.start, s.end)))


def critical_time(tree: nx.DiGraph) -> dict[str, int]:
    """Def 7.3.2 (链路追踪): the time on the critical path each service accounts for.

    Speeding up a service shortens the request by at most its share here: a service off
    the path (``payments`` when ``orders`` calls it beside a slower ``cart``) gains the
    request nothing.

    Parameters
    ----------
    tree : networkx.DiGraph
        From :func:`span_tree` (a node without ``service`` counts under its own key).

    Returns
    -------
    dict of str to int
        Microseconds per service, largest first; they sum to the end-to-end latency.

    Raises
    ------
    TheoryError
        As :func:`critical_path`.

    Examples
    --------
    >>> from msatheory.deployment.workload import checkout, run_requests
    >>> spans = export_traces(run_requests(checkout(), seed=1)).spans
    >>> critical_time(span_tree(spans))
    {'orders': 9715, 'catalogue': 5272, 'cart': 4420, 'gateway': 1721, 'payments': 493}

    References
    ----------
    Def 7.3.2. Jaeger UI, ``TracePage/CriticalPath`` (the critical path shown per span).
    """
    totals: dict[str, int] = {}
    for section in critical_path(tree):
        service = str(tree.nodes[section.span].get("service", section.span))
        totals[service] = totals.get(service, 0) + section.end - section.start
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


# --- sampling -------------------------------------------------------------------------------


def complete_trace_probability(ratio: float, decisions: int, sampler: str) -> float:
    """Def 7.3.2 (链路追踪): the probability that a trace is kept whole.

    With ``parent`` sampling the root decides and every service follows the ``traceparent``
    flag: a trace is kept whole with probability ``p`` and never in part. With
    ``independent`` sampling each of the ``decisions`` services that receives the request
    keeps its spans with probability ``p``: whole with ``p ** k``, and in part (broken)
    with ``1 - (1 - p) ** k - p ** k``.

    Parameters
    ----------
    ratio : float
        ``p``.
    decisions : int
        ``k``, the visits of the trace (each a remote parent, or the root).
    sampler : str
        ``"parent"`` or ``"independent"``.

    Returns
    -------
    float

    Raises
    ------
    TheoryError
        A ratio outside [0, 1], a negative count, an unknown sampler.

    Examples
    --------
    >>> complete_trace_probability(0.5, 7, "parent"), complete_trace_probability(0.5, 7,
    ...                                                                       "independent")
    (0.5, 0.0078125)

    References
    ----------
    Def 7.3.2. OpenTelemetry specification, "Tracing SDK: Sampling" (``ParentBased``,
    ``TraceIdRatioBased``); Dapper, section 4.4 (uniform sampling decided at the root).
    """
    owner = "complete_trace_probability"
    p = require_fraction(owner, "ratio", ratio)
    k = require_count(owner, "decisions", decisions, least=1)
    mode = require_choice(owner, "sampler", sampler, ("parent", "independent"))
    return p if mode == "parent" else p ** k


@dataclass(frozen=True)
class TraceSampling:
    """What a sampler kept of ``requests`` traces: ``kept`` with at least one span,
    ``complete`` with every span, ``broken`` with some but not all (a span whose parent is
    missing); ``spans`` kept of ``total``."""

    requests: int
    kept: int
    complete: int
    broken: int
    spans: int
    total: int


def sampling_outcome(visits: Sequence[Visit], *, sampler: str, ratio: float,
                     seed: int = 0) -> TraceSampling:
    """Def 7.3.2 (链路追踪): what head sampling keeps of a run's traces, counted.

    Parameters
    ----------
    visits : list of Visit
        From :func:`~msatheory.deployment.workload.run_requests`.
    sampler : str
        ``"parent"`` or ``"independent"`` (:data:`SAMPLERS`).
    ratio : float
        ``p``.
    seed : int
        Seeds the ids and the independent decisions.

    Returns
    -------
    TraceSampling

    Raises
    ------
    TheoryError
        As :func:`export_traces`.

    Examples
    --------
    >>> from msatheory.deployment.workload import checkout, run_requests
    >>> visits = run_requests(checkout(), 400, seed=3)
    >>> sampling_outcome(visits, sampler="parent", ratio=0.5)
    TraceSampling(requests=400, kept=208, complete=208, broken=0, spans=2496, total=4800)

    References
    ----------
    Def 7.3.2. OpenTelemetry Python SDK, ``opentelemetry.sdk.trace.sampling.ParentBased``.
    """
    owner = "sampling_outcome"
    require_choice(owner, "sampler", sampler, ("parent", "independent"))
    full = export_traces(visits, seed=seed)
    sizes = [len(group) for group in traces_of(full.spans).values()]
    sampled = export_traces(visits, seed=seed, sampler=sampler, ratio=ratio)
    kept = traces_of(sampled.spans)
    whole = dict(zip(traces_of(full.spans), sizes, strict=True))
    complete = sum(len(group) == whole[key] for key, group in kept.items())
    return TraceSampling(len(sizes), len(kept), complete, len(kept) - complete,
                         len(sampled.spans), sum(sizes))
