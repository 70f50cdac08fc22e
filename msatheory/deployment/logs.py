"""Def 7.3.1 (日志聚合), log aggregation: every service's logs, collected in one place.

Each service writes **structured log records** (a time, the service, a level, a message and
named fields) and, when a request brings one, the request's **correlation id**: the id the
entry service gives a request and every service passes on to its callees (the
``X-Request-ID`` header). A per-service agent ships the records to an aggregator, where an
investigation queries them. This module runs that on chapter 1's shop:

* :func:`collect_logs` runs a seeded workload of concurrent requests along a request path
  (:func:`msatheory.deployment.workload.run_requests`; some fail), writes every service's
  records, samples them (per service, or per request by the correlation id) and passes
  them through agents with bounded buffers that drop records when full;
* :func:`request_records` and :func:`where_failed` are an investigation's queries: all
  records of one request, and the first error on its path;
* :func:`time_join` measures what an investigation can do without correlation ids, joining a
  record to the requests in flight at the entry when it was written, against the closed form
  :func:`expected_candidates`;
* :func:`complete_share` and :func:`complete_log_probability` measure what sampling costs:
  the chance that a failed request's logs are complete, ``p ** k`` when each of its ``k``
  service visits samples alone, ``p`` when the request is sampled as one.

Times are whole microseconds of virtual time, as in :mod:`msatheory.deployment.workload`.
The model stops at one log stream per service: no retention, no indexing, no clock skew
between hosts (``slack`` in :func:`time_join` stands for it).
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from msatheory.deployment.workload import Hop, Visit, run_requests
from msatheory.errors import (
    TheoryError,
    require_choice,
    require_count,
    require_fraction,
    require_instance,
    require_items,
    require_name,
    require_names,
    require_number,
    require_seed,
)
from msatheory.sim import seeded_rng
from msatheory.theory.render import counted

__all__ = [
    "FATES",
    "LEVELS",
    "SAMPLING",
    "Agent",
    "LogRecord",
    "LogRun",
    "TimeJoin",
    "collect_logs",
    "complete_log_probability",
    "complete_share",
    "expected_candidates",
    "expected_complete",
    "request_records",
    "time_join",
    "where_failed",
]

#: Log levels, least severe first.
LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")

#: How records are sampled before they are shipped: ``none`` keeps all; ``service`` lets
#: each service keep a request's records with probability ``p`` on its own; ``request``
#: keeps every record of a request or none, decided from its correlation id.
SAMPLING = ("none", "service", "request")

#: What became of a record: it reached the aggregator, was sampled out, or was dropped by a
#: full agent buffer.
FATES = ("collected", "sampled out", "dropped")

_SPACE = 1 << 64
"""Correlation ids are 64-bit numbers written in 16 hex digits."""

Field = tuple[str, str | int]


@dataclass(frozen=True)
class LogRecord:
    """Def 7.3.1 (日志聚合): one structured log record.

    ``time`` is in virtual microseconds; ``fields`` are named values (``("status", 500)``);
    ``correlation_id`` is the request's id if the service received one, else None.
    """

    time: int
    service: str
    level: str
    message: str
    fields: tuple[Field, ...] = ()
    correlation_id: str | None = None

    def __post_init__(self) -> None:
        owner = "LogRecord"
        require_count(owner, "time", self.time)
        require_name(owner, "service", self.service)
        require_choice(owner, "level", self.level, LEVELS)
        require_name(owner, "message", self.message)
        if self.correlation_id is not None:
            require_name(owner, "correlation_id", self.correlation_id)

    def field(self, name: str) -> str | int | None:
        """The value of field ``name``, or None if the record has none."""
        return dict(self.fields).get(name)

    def __str__(self) -> str:
        """One line: milliseconds, service, level, the id's first 8 digits, message, fields."""
        fields = " ".join(f"{key}={value}" for key, value in self.fields)
        return (f"{self.time / 1000:8.3f} {self.service:<9} {self.level:<5} "
                f"{(self.correlation_id or '-')[:8]:<8} {self.message} {fields}").rstrip()


@dataclass(frozen=True)
class Agent:
    """A per-service log shipper: it holds at most ``buffer`` records, and every
    ``flush_ms`` milliseconds sends up to ``batch`` of them to the aggregator, oldest first.
    A record written while the buffer is full is dropped: Vector's memory buffer with
    ``max_events`` and ``when_full = "drop_newest"`` (its other choice, ``block``, slows
    the service instead). Fluent Bit pauses an input that reaches ``Mem_Buf_Limit``, which
    loses records only from a source that cannot wait, such as a socket."""

    buffer: int = 1000
    batch: int = 100
    flush_ms: float = 1000.0

    def __post_init__(self) -> None:
        require_count("Agent", "buffer", self.buffer, least=1)
        require_count("Agent", "batch", self.batch, least=1)
        require_number("Agent", "flush_ms", self.flush_ms, positive=True)

    def admit(self, times: Sequence[int]) -> tuple[bool, ...]:
        """Which of the records written at ``times`` (in order) find room in the buffer."""
        flush = round(self.flush_ms * 1000)
        held, ticks, kept = 0, 0, []
        for time in times:
            due = time // flush
            held, ticks = max(0, held - (due - ticks) * self.batch), due
            kept.append(held < self.buffer)
            held += kept[-1]
        return tuple(kept)


@dataclass(frozen=True, repr=False)
class LogRun:
    """Def 7.3.1 (日志聚合): a workload's logs, and what reached the aggregator.

    ``requests`` are the timed visits (ground truth) and ``ids`` each request's
    correlation id; ``propagating`` the services that pass the id on. ``emitted`` holds
    every record written, in time order; ``origin`` the request each belongs to (known to
    the model, not to an investigator) and ``fate`` what became of it (one of
    :data:`FATES`). ``sampling`` and ``ratio`` are the run's sampling.
    """

    requests: tuple[Visit, ...]
    ids: tuple[str, ...]
    emitted: tuple[LogRecord, ...]
    origin: tuple[int, ...]
    fate: tuple[str, ...]
    sampling: str
    ratio: float
    propagating: tuple[str, ...]

    def __repr__(self) -> str:
        fates = ", ".join(f"{self.fate.count(f)} {f}" for f in FATES)
        return (f"LogRun({counted(len(self.requests), 'request')}, {len(self.failed)} failed; "
                f"{counted(len(self.emitted), 'record')}: {fates}; sampling {self.sampling} "
                f"at {self.ratio:g})")

    @property
    def records(self) -> tuple[LogRecord, ...]:
        """What the aggregator holds, in time order."""
        return tuple(r for r, f in zip(self.emitted, self.fate, strict=True) if f == "collected")

    @property
    def failed(self) -> tuple[int, ...]:
        """The requests on whose path some service's own work failed."""
        return tuple(i for i, visit in enumerate(self.requests)
                     if any(v.fault for v in visit.walk()))

    def lost(self, fate: str = "dropped") -> dict[str, int]:
        """Records per service that met ``fate``, services in the order they appear."""
        require_choice("LogRun.lost", "fate", fate, FATES)
        counts: dict[str, int] = {}
        for record, met in zip(self.emitted, self.fate, strict=True):
            counts.setdefault(record.service, 0)
            counts[record.service] += met == fate
        return counts


# --- writing the records --------------------------------------------------------------------


def _status_code(visit: Visit) -> int:
    """The HTTP status a visit answers with (a message consumer acknowledges with 200)."""
    return 500 if visit.status == "error" else 200


def _records(visit: Visit, cid: str | None, propagating: tuple[str, ...],
             out: list[list[LogRecord]]) -> None:
    """The records of ``visit`` (received, each failed call, the answer), then those of
    its children, one list per visit in ``out``."""
    hop = visit.hop
    write = [LogRecord(visit.start, hop.service, "INFO", f"received {hop.name}", (), cid)]
    for child in visit.children:
        if not child.failed:
            continue
        call = child.hop.call
        assert call is not None
        why = "timed out" if child.timed_out else _status_code(child)
        level, then = (("ERROR", "failing") if child.hop.hard
                       else ("WARN", f"fallback {call.fallback!r}"))
        write.append(LogRecord(child.received, hop.service, level,
                               f"call failed ({why}); {then}",
                               (("callee", child.hop.service),), cid))
    took = ("duration_us", visit.end - visit.start)
    if visit.fault:
        write.append(LogRecord(visit.end, hop.service, "ERROR", f"{hop.name} failed",
                               (("status", 500), took), cid))
    else:
        level = {"ok": "INFO", "degraded": "WARN", "error": "ERROR"}[visit.status]
        write.append(LogRecord(visit.end, hop.service, level,
                               f"answered {_status_code(visit)} ({visit.status})",
                               (("status", _status_code(visit)), took), cid))
    out.append(write)
    passed = cid if hop.service in propagating else None
    for child in visit.children:
        _records(child, passed, propagating, out)


def collect_logs(path: Hop, count: int = 200, *, rate: float = 50.0, seed: int = 0,
                 work_ms: float | Mapping[str, float] = 5.0, hop_ms: float = 0.5,
                 failure: Mapping[str, float] | None = None,
                 propagating: Iterable[str] | None = None, sampling: str = "none",
                 ratio: float = 1.0, agent: Agent | None = None) -> LogRun:
    """Def 7.3.1 (日志聚合): run ``count`` requests along ``path`` and aggregate their logs.

    Each visit writes ``received <operation>`` when it starts, a record for each call that
    failed (``ERROR`` for a hard call, ``WARN`` when a fallback answers), and its answer
    (``ERROR ... failed`` when its own work failed). The entry gives each request a
    correlation id of 16 hex digits; a service logs the id it received and passes it on to
    its callees if it is in ``propagating``. Records are then sampled (``sampling``,
    ``ratio``) and pass through each service's :class:`Agent`.

    Parameters
    ----------
    path : Hop
        The request path (:func:`msatheory.deployment.workload.checkout`).
    count, rate, seed, work_ms, hop_ms, failure
        The workload, as :func:`msatheory.deployment.workload.run_requests` takes it.
    propagating : list of str, optional
        The services that pass the correlation id on; all by default.
    sampling : str
        One of :data:`SAMPLING`.
    ratio : float
        ``p``, the share sampling keeps.
    agent : Agent, optional
        Every service's shipper; None ships everything.

    Returns
    -------
    LogRun
        The records written, and what became of each.

    Raises
    ------
    TheoryError
        A bad workload, an unknown service in ``propagating``, an unknown sampling, a
        ratio outside [0, 1], or an agent that is not an :class:`Agent`.

    Examples
    --------
    >>> from msatheory.deployment.workload import checkout
    >>> run = collect_logs(checkout(), 100, seed=2, failure={"payments": 0.1})
    >>> run
    LogRun(100 requests, 4 failed; 1392 records: 1392 collected, 0 sampled out, 0 dropped; \
sampling none at 1)
    >>> for record in request_records(run.records, run.ids[run.failed[0]])[-5:]:
    ...     print(record)
     268.687 payments  ERROR 617959ce POST /payments failed status=500 duration_us=2328
     269.187 orders    ERROR 617959ce call failed (500); failing callee=payments
     269.187 orders    ERROR 617959ce answered 500 (error) status=500 duration_us=22038
     269.687 gateway   WARN  617959ce call failed (500); fallback 'try again later' callee=orders
     269.687 gateway   WARN  617959ce answered 200 (degraded) status=200 duration_us=23530

    References
    ----------
    Def 7.3.1. Vector, sink ``buffer`` options (``max_events``, ``when_full``); Fluent Bit,
    "Buffering & Storage" (``Mem_Buf_Limit``); the ``X-Request-ID`` correlation header.
    """
    owner = "collect_logs"
    require_instance(owner, "path", path, Hop)
    visits = run_requests(path, count, rate=rate, seed=seed, work_ms=work_ms, hop_ms=hop_ms,
                          failure=failure)
    services = tuple(dict.fromkeys(hop.service for hop in path.walk()))
    named = services if propagating is None else require_names(owner, "propagating",
                                                                propagating)
    for service in named:
        if service not in services:
            raise TheoryError(f"{owner}: propagating names {service!r}, not a service on "
                              f"the path")
    passing = tuple(s for s in services if s in named)
    mode = require_choice(owner, "sampling", sampling, SAMPLING)
    share = require_fraction(owner, "ratio", ratio)
    if agent is not None:
        require_instance(owner, "agent", agent, Agent)
    rng = seeded_rng(require_seed(owner, seed) * 2 + 1, owner)
    ids = tuple(f"{rng.getrandbits(64):016x}" for _ in visits)
    written: list[tuple[int, int, int, LogRecord]] = []  # (time, order, request, record)
    keep: list[bool] = []
    for index, visit in enumerate(visits):
        per_visit: list[list[LogRecord]] = []
        _records(visit, ids[index], passing, per_visit)
        for records in per_visit:
            decision = _keep(mode, share, records[0].correlation_id, rng)
            for record in records:
                written.append((record.time, len(written), index, record))
                keep.append(decision)
    order = sorted(range(len(written)), key=lambda i: written[i][:2])
    fate = _ship([written[i][3] for i in order], [keep[i] for i in order], agent)
    return LogRun(visits, ids, tuple(written[i][3] for i in order),
                  tuple(written[i][2] for i in order), fate, mode, share, passing)


def _keep(mode: str, ratio: float, cid: str | None, rng: random.Random) -> bool:
    """One visit's sampling decision: always, a coin, or read from the correlation id."""
    if mode == "none":
        return True
    if mode == "request" and cid is not None:
        return int(cid, 16) < round(ratio * _SPACE)
    return rng.random() < ratio


def _ship(records: Sequence[LogRecord], sampled: Sequence[bool],
          agent: Agent | None) -> tuple[str, ...]:
    """Each record's fate: sampled out, else admitted by its service's agent or dropped."""
    fate = ["collected" if keep else "sampled out" for keep in sampled]
    if agent is None:
        return tuple(fate)
    by_service: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        if sampled[index]:
            by_service.setdefault(record.service, []).append(index)
    for indices in by_service.values():
        admitted = agent.admit([records[i].time for i in indices])
        for index, ok in zip(indices, admitted, strict=True):
            fate[index] = "collected" if ok else "dropped"
    return tuple(fate)


# --- an investigation's queries -------------------------------------------------------------


def request_records(records: Iterable[LogRecord], correlation_id: str) -> tuple[LogRecord, ...]:
    """Def 7.3.1 (日志聚合): every record of one request, in time order.

    Parameters
    ----------
    records : list of LogRecord
        What the aggregator holds (:attr:`LogRun.records`).
    correlation_id : str
        The request's id.

    Returns
    -------
    tuple of LogRecord
        The records that carry ``correlation_id``; a service that did not receive the id
        logged its part of the request without it, so its records are not among them.

    Raises
    ------
    TheoryError
        Records that are not :class:`LogRecord`, or an empty id.

    Examples
    --------
    >>> from msatheory.deployment.workload import checkout
    >>> run = collect_logs(checkout(), 20, seed=2)
    >>> [r.service for r in request_records(run.records, run.ids[0])][:5]
    ['gateway', 'orders', 'cart', 'catalogue', 'catalogue']

    References
    ----------
    Def 7.3.1. Elastic Common Schema, ``trace.id`` and ``transaction.id`` (fields that join
    one request's records across services).
    """
    owner = "request_records"
    items = require_items(owner, "records", records, LogRecord)
    require_name(owner, "correlation_id", correlation_id)
    return tuple(sorted((r for r in items if r.correlation_id == correlation_id),
                        key=lambda r: r.time))


def where_failed(records: Iterable[LogRecord], correlation_id: str) -> LogRecord | None:
    """Def 7.3.1 (日志聚合): the first error of one request, where its failure began.

    A fault is logged where it happens, then by each caller it fails on its way back, so
    the earliest ``ERROR`` record of the request names the service where the failure
    began. Without the correlation id the question has no answer: the errors of
    concurrent requests interleave (:func:`time_join`).

    Parameters
    ----------
    records : list of LogRecord
        What the aggregator holds.
    correlation_id : str
        The request's id.

    Returns
    -------
    LogRecord or None
        The earliest ``ERROR`` record carrying ``correlation_id``, or None if it has none
        (the request did not fail, or its error records were sampled out or dropped).

    Raises
    ------
    TheoryError
        As :func:`request_records`.

    Examples
    --------
    >>> from msatheory.deployment.workload import checkout
    >>> run = collect_logs(checkout(), 100, seed=2, failure={"cart": 0.1})
    >>> where_failed(run.records, run.ids[run.failed[0]]).service
    'cart'

    References
    ----------
    Def 7.3.1. Sigelman et al., "Dapper" (2010), section 1 (why a request's path cannot be
    recovered from each service's logs alone).
    """
    errors = [r for r in request_records(records, correlation_id) if r.level == "ERROR"]
    return errors[0] if errors else None


@dataclass(frozen=True)
class TimeJoin:
    """What joining by time alone achieves for ``records`` records: the mean number of
    requests each could belong to, the share it places in exactly one, and the share
    whose own request is not among the candidates at all (written after the request was
    answered: a message consumer, or a callee still working after its caller's timeout).
    ``expected`` is :func:`expected_candidates` for the run."""

    records: int
    mean_candidates: float
    unique_share: float
    missed_share: float
    expected: float


def time_join(run: LogRun, *, services: Iterable[str] | None = None,
              levels: Iterable[str] | None = None, slack_ms: float = 0.0) -> TimeJoin:
    """Def 7.3.1 (日志聚合): placing records in requests by time, without correlation ids.

    The entry's access log gives each request's window, from its arrival to its answer.
    A record written at ``t`` by another service could belong to any request whose window,
    widened by ``slack_ms`` on each side for clocks that disagree, holds ``t``. The
    investigator ignores the ids, as one must when services do not log them.

    Parameters
    ----------
    run : LogRun
        From :func:`collect_logs`.
    services : list of str, optional
        The services whose collected records are placed; every service but the entry by
        default.
    levels : list of str, optional
        The levels of the records placed, all by default; ``["ERROR"]`` asks which request
        each error belongs to.
    slack_ms : float
        How far apart two hosts' clocks may be, in milliseconds.

    Returns
    -------
    TimeJoin

    Raises
    ------
    TheoryError
        A run that is not a :class:`LogRun`, an unknown service or level, a negative slack.

    Examples
    --------
    >>> from msatheory.deployment.workload import checkout
    >>> run = collect_logs(checkout(), 400, rate=100, seed=4)
    >>> join = time_join(run, services=["orders", "cart", "catalogue", "payments"])
    >>> round(join.mean_candidates, 2), round(join.expected, 2), join.missed_share
    (3.97, 4.06, 0.0)

    References
    ----------
    Def 7.3.1. Little's law: requests in flight = arrival rate x time in the system
    (Little, Operations Research 9(3), 1961); Dapper, section 1 ("black-box" schemes that
    infer paths from timing need more data and statistical inference).
    """
    owner = "time_join"
    require_instance(owner, "run", run, LogRun)
    entry = run.requests[0].hop.service if run.requests else ""
    known = {r.service for r in run.emitted}
    chosen = (known - {entry} if services is None
              else set(require_names(owner, "services", services)))
    for service in sorted(chosen - known):
        raise TheoryError(f"{owner}: services names {service!r}, which wrote no records")
    wanted = set(LEVELS if levels is None else require_names(owner, "levels", levels))
    for level in sorted(wanted - set(LEVELS)):
        raise TheoryError(f"{owner}: levels must be among {', '.join(LEVELS)}, not {level!r}")
    slack = round(require_number(owner, "slack_ms", slack_ms) * 1000)
    starts = sorted(v.start - slack for v in run.requests)
    ends = sorted(v.end + slack for v in run.requests)
    counts, missed = [], 0
    for record, request, fate in zip(run.emitted, run.origin, run.fate, strict=True):
        if fate != "collected" or record.service not in chosen or record.level not in wanted:
            continue
        counts.append(bisect_right(starts, record.time) - bisect_left(ends, record.time))
        own = run.requests[request]
        missed += not own.start - slack <= record.time <= own.end + slack
    size = len(counts)
    return TimeJoin(size, sum(counts) / size if size else 0.0,
                    sum(c == 1 for c in counts) / size if size else 0.0,
                    missed / size if size else 0.0,
                    expected_candidates(_rate(run), _mean_latency_ms(run), slack_ms))


def _rate(run: LogRun) -> float:
    """The run's arrival rate per second, from its first and last arrivals."""
    arrivals = [v.start for v in run.requests]
    if len(arrivals) < 2 or arrivals[-1] == arrivals[0]:
        return 0.0
    return (len(arrivals) - 1) / ((arrivals[-1] - arrivals[0]) / 1e6)


def _mean_latency_ms(run: LogRun) -> float:
    """The mean time from a request's arrival to its answer, in milliseconds."""
    if not run.requests:
        return 0.0
    return sum(v.end - v.start for v in run.requests) / len(run.requests) / 1000


def expected_candidates(rate: float, latency_ms: float, slack_ms: float = 0.0) -> float:
    """Def 7.3.1 (日志聚合): how many requests a record could belong to, joined by time.

    With Poisson arrivals at ``rate`` per second, the other requests in flight at any
    moment are Poisson with mean ``rate * W`` (Little's law, here exact: requests do not
    wait for each other), where ``W`` is the mean window, the latency plus twice the slack.
    A record's candidates are its own request and those: ``1 + rate * W`` on average, and
    exactly one (the record placed) with probability ``exp(-rate * W)``.

    Parameters
    ----------
    rate : float
        Requests per second.
    latency_ms : float
        Mean time from arrival to answer, in milliseconds.
    slack_ms : float
        How far apart clocks may be, in milliseconds.

    Returns
    -------
    float
        ``1 + rate * (latency_ms + 2 * slack_ms) / 1000``.

    Raises
    ------
    TheoryError
        A negative or infinite argument.

    Examples
    --------
    >>> expected_candidates(100, 20), expected_candidates(1000, 20)
    (3.0, 21.0)

    References
    ----------
    Def 7.3.1. Little, "A Proof for the Queuing Formula: L = lambda W", Operations
    Research 9(3), 1961; the M/G/infinity queue (in flight: Poisson with mean rate x W).
    """
    owner = "expected_candidates"
    window = (require_number(owner, "latency_ms", latency_ms)
              + 2 * require_number(owner, "slack_ms", slack_ms)) / 1000
    return 1 + require_number(owner, "rate", rate) * window


# --- what sampling and dropping cost --------------------------------------------------------


def complete_log_probability(ratio: float, visits: int, sampling: str) -> float:
    """Def 7.3.1 (日志聚合): the probability that a request's logs are all kept.

    A request that visits ``k`` services is kept whole with probability ``p ** k`` when
    each service samples on its own, and ``p`` when every service reads one decision from
    the correlation id (as ``TraceIdRatioBased`` reads a trace id).

    Parameters
    ----------
    ratio : float
        ``p``.
    visits : int
        ``k``, the request's service visits (at least 1).
    sampling : str
        One of :data:`SAMPLING`.

    Returns
    -------
    float

    Raises
    ------
    TheoryError
        A ratio outside [0, 1], a count under 1, an unknown sampling.

    Examples
    --------
    >>> complete_log_probability(0.5, 7, "service"), complete_log_probability(0.5, 7,
    ...                                                                       "request")
    (0.0078125, 0.5)

    References
    ----------
    Def 7.3.1. OpenTelemetry specification, "Tracing SDK: TraceIdRatioBased" (a decision
    every participant computes alike from the id).
    """
    owner = "complete_log_probability"
    p = require_fraction(owner, "ratio", ratio)
    k = require_count(owner, "visits", visits, least=1)
    mode = require_choice(owner, "sampling", sampling, SAMPLING)
    return {"none": 1.0, "service": p ** k, "request": p}[mode]


def _whole(run: LogRun) -> list[bool]:
    """For each request, whether every record it wrote reached the aggregator."""
    whole = [True] * len(run.requests)
    for request, fate in zip(run.origin, run.fate, strict=True):
        whole[request] = whole[request] and fate == "collected"
    return whole


def complete_share(run: LogRun) -> float:
    """Def 7.3.1 (日志聚合): the share of failed requests whose logs reached the aggregator
    whole, every record of every service they visited.

    Parameters
    ----------
    run : LogRun
        From :func:`collect_logs`.

    Returns
    -------
    float
        The share, 0.0 when no request failed.

    Raises
    ------
    TheoryError
        If ``run`` is not a :class:`LogRun`.

    Examples
    --------
    >>> from msatheory.deployment.workload import checkout
    >>> run = collect_logs(checkout(), 300, seed=5, failure={"payments": 0.2},
    ...                    sampling="service", ratio=0.8)
    >>> round(complete_share(run), 3), round(expected_complete(run), 3)
    (0.358, 0.328)

    References
    ----------
    Def 7.3.1; :func:`complete_log_probability` for the closed form.
    """
    require_instance("complete_share", "run", run, LogRun)
    whole = _whole(run)
    return sum(whole[i] for i in run.failed) / len(run.failed) if run.failed else 0.0


def expected_complete(run: LogRun) -> float:
    """Def 7.3.1 (日志聚合): :func:`complete_share` in closed form, for the run's sampling.

    Each failed request counts ``p`` raised to the number of independent decisions over its
    records: one per visit under ``service`` sampling; under ``request`` sampling one for
    all the visits that received its correlation id, and one for each visit that did not
    (it cannot read the id, so it samples alone). Dropping by agents is not in the closed
    form: :func:`complete_share` minus this is what the buffers lost.

    Parameters
    ----------
    run : LogRun
        From :func:`collect_logs`.

    Returns
    -------
    float
        The mean over failed requests, 0.0 when none failed.

    Raises
    ------
    TheoryError
        If ``run`` is not a :class:`LogRun`.

    Examples
    --------
    >>> from msatheory.deployment.workload import checkout
    >>> run = collect_logs(checkout(), 300, seed=5, failure={"payments": 0.2},
    ...                    sampling="request", ratio=0.8)
    >>> round(complete_share(run), 3), round(expected_complete(run), 3)
    (0.836, 0.8)

    References
    ----------
    Def 7.3.1; :func:`complete_log_probability`.
    """
    require_instance("expected_complete", "run", run, LogRun)
    if not run.failed:
        return 0.0
    total = 0.0
    for index in run.failed:
        firsts = _received_ids(run.requests[index], run.ids[index], run.propagating)
        if run.sampling == "service":
            decisions = len(firsts)
        elif run.sampling == "request":
            decisions = sum(cid is None for cid in firsts) + any(c is not None for c in firsts)
        else:
            decisions = 0
        total += run.ratio ** decisions
    return total / len(run.failed)


def _received_ids(visit: Visit, cid: str | None,
                  propagating: tuple[str, ...]) -> list[str | None]:
    """The correlation id each visit at and below ``visit`` received, depth first."""
    passed = cid if visit.hop.service in propagating else None
    ids = [cid]
    for child in visit.children:
        ids += _received_ids(child, passed, propagating)
    return ids
