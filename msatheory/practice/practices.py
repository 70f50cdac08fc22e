"""Practices 8.2.1-8.2.3 (服务设计, 数据管理, 部署运维) as a report over one system.

Each practice lists three things to do. Each of those is a :class:`Part` that names the
checkers, from every chapter, that decide it on a system, and what to do when one fails:

* Practice 8.2.1 (service design): small and focused services (Principle 2.1.1 and
  Principle 2.3.1 on the file's functions), domain-driven design (Theorem 2.1.1), and
  autonomous services (Feature 1.2.1, 服务自治 itself, with Axiom 1.1.1, Feature 1.2.3 and
  Feature 1.2.4);
* Practice 8.2.2 (data management): each service owns its data (Feature 1.2.1), an
  event-driven architecture (:func:`check_event_driven`), and eventual consistency, as far
  as files show it: the data stores' replication (Def 6.3.1);
* Practice 8.2.3 (deployment and operations): containers pinned to a version, automated
  rollouts (Strategy 7.1.3 and :mod:`msatheory.practice.operations`), and monitoring:
  health checks (Algorithm 3.2.2) with metrics, traces and alerts.

:func:`practice_report` runs them over a :class:`~msatheory.check.System` (what
``msatheory check`` builds from a file); a check the system lacks the input for is listed
as not checked, with the input it needs. :func:`check_service_design`,
:func:`check_data_management` and :func:`check_operations` give each practice one verdict.

The report stops at what files show: a context map (Def 2.2.2's relationships) or an
outbox in a service's code is invisible in a compose file, so those parts are checked only
as far as the system's inputs reach, and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from msatheory.basics.model import Architecture
from msatheory.check.report import Report, check_system
from msatheory.check.system import System
from msatheory.errors import require_instance
from msatheory.theory import Kind, checks, get
from msatheory.theory.check import MISSING, Check
from msatheory.theory.render import counted
from msatheory.theory.statement import Statement
from msatheory.theory.verdict import Verdict, Witness

__all__ = [
    "PARTS",
    "Part",
    "PartResult",
    "PracticeReport",
    "check_data_management",
    "check_event_driven",
    "check_operations",
    "check_service_design",
    "practice_report",
]

@dataclass(frozen=True)
class Part:
    """One of a practice's three points: ``text`` (``text_zh`` as the theory words it) and
    the checkers that decide it (``checkers``, as ``module.function``: rows of ``msatheory
    check``, whose ``advice`` says what to do about their witnesses)."""

    practice: str
    number: int
    text: str
    text_zh: str
    checkers: tuple[str, ...]

    @property
    def statement(self) -> Statement:
        """The practice this is part of."""
        return get(Kind.PRACTICE, self.practice)

    @property
    def label(self) -> str:
        """``"Practice 8.2.1 (2)"``."""
        return f"{self.statement.ref} ({self.number})"


_BASICS, _DESIGN = "msatheory.basics.features", "msatheory.design"
_OPERATIONS = "msatheory.practice.operations"

#: The nine parts of Practices 8.2.1-8.2.3, in the theory's order.
PARTS: tuple[Part, ...] = (
    Part("8.2.1", 1, "Keep services small and focused.", "保持服务小而专注",
         (f"{_DESIGN}.boundary.check_single_responsibility",
          f"{_DESIGN}.sizing.check_granularity")),
    Part("8.2.1", 2, "Use domain-driven design.", "使用领域驱动设计",
         (f"{_DESIGN}.boundary.check_separation",)),
    Part("8.2.1", 3, "Make services autonomous.", "实现服务自治",
         (f"{_BASICS}.check_autonomy", f"{_BASICS}.check_independence",
          f"{_BASICS}.check_fault_isolation", f"{_BASICS}.check_independent_scaling")),
    Part("8.2.2", 1, "Every service owns its data.", "每个服务拥有自己的数据",
         (f"{_BASICS}.check_autonomy",)),
    Part("8.2.2", 2, "Use an event-driven architecture.", "使用事件驱动架构",
         ("msatheory.practice.practices.check_event_driven",)),
    Part("8.2.2", 3, "Achieve eventual consistency.", "实现最终一致性",
         ("msatheory.data.storage.check_replication",)),
    Part("8.2.3", 1, "Deploy in containers.", "使用容器化部署",
         (f"{_OPERATIONS}.check_containers",)),
    Part("8.2.3", 2, "Automate deployment.", "实现自动化部署",
         (f"{_OPERATIONS}.check_automated_rollouts",
          "msatheory.deployment.manifests.check_rollouts")),
    Part("8.2.3", 3, "Build thorough monitoring.", "建立完善的监控",
         ("msatheory.discovery.coverage.check_health_coverage",
          f"{_OPERATIONS}.check_monitoring")),
)


def check_event_driven(arch: Architecture) -> Verdict:
    """Practice 8.2.2 (数据管理), part 2: services that own data tell others of changes by
    events.

    An event-driven architecture needs events: at least one publish/subscribe channel
    once two services own data, so that one can learn of the other's changes without
    calling it. The summary gives the share of channels that are asynchronous.

    Parameters
    ----------
    arch : Architecture
        The architecture to check.

    Returns
    -------
    Verdict
        On Practice 8.2.2, with a ``"no events"`` witness naming the services that own
        data when two or more do and no channel is asynchronous.

    Examples
    --------
    >>> from msatheory.basics.examples import tangled_shop
    >>> print(check_event_driven(tangled_shop()))
    Practice 8.2.2 Data management (数据管理): violated. 0 of 3 channels are asynchronous \
(events or messages).
      - no events: 2 services own data and none publishes an event: each learns of \
another's changes only by calling it

    References
    ----------
    .. [1] Practice 8.2.2 of the theory (数据管理); Pattern 5.1.3 (事件驱动).
    .. [2] C. Richardson, *Microservices Patterns*, Manning 2018, chapter 3 (events keep
       the services that own data loosely coupled).
    """
    require_instance("check_event_driven", "arch", arch, Architecture)
    channels = arch.channels
    events = sum(c.mode == "async" for c in channels)
    owners = sorted(name for name, s in arch.services.items()
                    if any(arch.datastores[d].kind != "broker" for d in s.datastores))
    witnesses = []
    if len(owners) >= 2 and not events:
        witnesses.append(Witness("no events", tuple(owners),
                                 f"{len(owners)} services own data and none publishes an "
                                 "event: each learns of another's changes only by calling "
                                 "it"))
    return Verdict(get(Kind.PRACTICE, "8.2.2"), witnesses,
                   f"{events} of {counted(len(channels), 'channel')} "
                   f"{'is' if events == 1 else 'are'} asynchronous (events or messages).")


@dataclass(frozen=True)
class PartResult:
    """What the checks of one :class:`Part` found on a system: their ``verdicts``; the
    ``advice`` of those with witnesses; and for each check not run, ``unchecked``: the
    checker's name and why it did not run."""

    part: Part
    verdicts: tuple[Verdict, ...]
    advice: tuple[str, ...]
    unchecked: tuple[tuple[str, str], ...]

    @property
    def status(self) -> str:
        """``"violated"`` when a verdict has witnesses, else ``"holds"`` when every check
        ran, ``"partly checked"`` when some did and ``"not checked"`` when none did."""
        if any(not v.holds for v in self.verdicts):
            return "violated"
        if not self.unchecked:
            return "holds"
        return "partly checked" if self.verdicts else "not checked"

    @property
    def witnesses(self) -> tuple[Witness, ...]:
        """Every witness of the part's verdicts."""
        return tuple(w for v in self.verdicts for w in v.witnesses)


@dataclass(frozen=True)
class PracticeReport:
    """Practices 8.2.1-8.2.3 on one system: a :class:`PartResult` per part of
    :data:`PARTS`."""

    system: System
    parts: tuple[PartResult, ...]

    def verdict(self, practice: str) -> Verdict:
        """One verdict on Practice ``practice`` (``"8.2.1"``): the witnesses of its parts,
        each prefixed by its part; the summary gives each part's status."""
        results = [r for r in self.parts if r.part.practice == practice]
        witnesses = [Witness(f"({r.part.number}) {w.what}", w.involves, w.detail)
                     for r in results for w in r.witnesses]
        summary = "; ".join(f"({r.part.number}) {r.status}" for r in results)
        return Verdict(get(Kind.PRACTICE, practice), witnesses, f"{summary}.")

    @cached_property
    def counts(self) -> dict[str, int]:
        """How many parts hold, are violated, partly checked or not checked."""
        statuses = [r.status for r in self.parts]
        return {s: statuses.count(s)
                for s in ("holds", "violated", "partly checked", "not checked")}

    def __str__(self) -> str:
        lines = [f"Practices 8.2.1-8.2.3 on {self.system.architecture.name} "
                 f"({self.system.file}):"]
        for result in self.parts:
            part = result.part
            lines.append(f"  {part.label} {part.text} ({part.text_zh}): {result.status}")
            lines += [f"      - {w}" for w in result.witnesses]
            lines += [f"      not checked: {name.rpartition('.')[2]}: {why}"
                      for name, why in result.unchecked]
            lines += [f"      what to do: {advice}" for advice in result.advice]
        said = {"holds": "hold"}
        lines.append(f"Of {counted(len(self.parts), 'part')}: " + ", ".join(
            f"{n} {said.get(s, s)}" for s, n in self.counts.items() if n) + ".")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {"file": self.system.file, "parts": [
            {"practice": r.part.practice, "part": r.part.number, "text": r.part.text,
             "text_zh": r.part.text_zh, "status": r.status,
             "verdicts": [v.as_dict() for v in r.verdicts],
             "unchecked": [{"checker": name, "why": why} for name, why in r.unchecked],
             "advice": list(r.advice)}
            for r in self.parts]}


def practice_report(system: System) -> PracticeReport:
    """Practices 8.2.1-8.2.3 (服务设计, 数据管理, 部署运维) on ``system``: each part's checks.

    Parameters
    ----------
    system : System
        A system as :func:`msatheory.check.load` builds it from a file.

    Returns
    -------
    PracticeReport
        One :class:`PartResult` per part of :data:`PARTS`: the verdicts of the checks the
        system has the inputs for, and the others with the input each lacks.

    Raises
    ------
    TheoryError
        When ``system`` is not a :class:`~msatheory.check.System`.

    Examples
    --------
    >>> from msatheory.check import EXAMPLES, load
    >>> report = practice_report(load(EXAMPLES / "shop.yaml"))
    >>> report.parts[6].status, report.parts[6].unchecked[0][1][:36]
    ('not checked', 'an architecture file says nothing of')

    References
    ----------
    .. [1] Practices 8.2.1, 8.2.2 and 8.2.3 of the theory.
    """
    require_instance("practice_report", "system", system, System)
    return read_practices(check_system(system))


def read_practices(report: Report) -> PracticeReport:
    """Practices 8.2.1-8.2.3 read off a report ``msatheory check`` already made: each part
    gets the verdicts of its checkers among the report's, and each of its checkers the
    report did not run is named with the input the system lacks.

    >>> from msatheory.check import EXAMPLES, check_system, load
    >>> read_practices(check_system(load(EXAMPLES / "shop.yaml"))).counts["holds"]
    5
    """
    require_instance("read_practices", "report", report, Report)
    known = {_name(check): check for check in checks()}
    results = []
    for part in PARTS:
        ran = [(check, Verdict(verdict.statement, report.open(i), verdict.summary))
               for i, (check, verdict) in enumerate(zip(report.checks, report.verdicts,
                                                        strict=True))
               if _name(check) in part.checkers]
        advice = dict.fromkeys(check.advice for check, verdict in ran if not verdict.holds)
        done = {_name(check) for check, _ in ran}
        unchecked = [(name, _why_not(known[name], report.system))
                     for name in part.checkers if name not in done]
        results.append(PartResult(part, tuple(v for _, v in ran), tuple(advice),
                                  tuple(unchecked)))
    return PracticeReport(report.system, tuple(results))


def _why_not(check: Check, system: System) -> str:
    """Why a report holds no verdict of ``check``: an input the system lacks, a
    better-informed check that ran instead, or a selection that left it out."""
    missing = [name for name in check.needs if getattr(system, name) is None]
    if missing:
        return MISSING[missing[0]]
    if any(getattr(system, name) is not None for name in check.unless):
        return "a better-informed check of the same statement ran instead"
    return "not selected (--select, --ignore or the settings)"


def _name(check: Check) -> str:
    """``module.function`` of a check's checker, as :attr:`Part.checkers` names it."""
    return f"{check.checker.__module__}.{check.checker.__name__}"


def check_service_design(system: System) -> Verdict:
    """Practice 8.2.1 (服务设计): small, focused, domain-driven, autonomous services.

    The verdict of :func:`practice_report`'s three parts of the practice (see :data:`PARTS`).

    >>> from msatheory.check import EXAMPLES, load
    >>> check_service_design(load(EXAMPLES / "tangled-shop.yaml")).holds
    False
    """
    return practice_report(system).verdict("8.2.1")


def check_data_management(system: System) -> Verdict:
    """Practice 8.2.2 (数据管理): services own their data, talk by events, and converge.

    The verdict of :func:`practice_report`'s three parts of the practice (see :data:`PARTS`).

    >>> from msatheory.check import EXAMPLES, load
    >>> check_data_management(load(EXAMPLES / "shop.yaml")).holds
    True
    """
    return practice_report(system).verdict("8.2.2")


def check_operations(system: System) -> Verdict:
    """Practice 8.2.3 (部署运维): containers, automated deployment, thorough monitoring.

    The verdict of :func:`practice_report`'s three parts of the practice (see :data:`PARTS`).

    >>> from msatheory.check import EXAMPLES, load
    >>> print(check_operations(load(EXAMPLES / "shop-compose.yaml")).witnesses[0])
    (3) no alerts: nothing in the files collects alerts (Def 7.2.2): no container runs \
Alertmanager or Grafana
    """
    return practice_report(system).verdict("8.2.3")
