"""Every applicable checker of the catalogue, run on one system, as a report.

:func:`check_system` runs each chapter's ``CHECKS`` table (:func:`msatheory.theory.checks`)
whose inputs the system has: Axiom 1.1.1 and Features 1.2.1-1.2.4 on the model,
Principle 2.1.1, Theorem 2.1.1 and Principle 2.3.1 when the file gives functions,
Algorithm 3.2.2's precondition (every service is health-checked) and Pattern 4.3.1
(every client enters by a gateway). A :class:`Report` holds the verdicts and the
facts behind them, and prints as a terminal report or as JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from msatheory.basics.features import (
    CYCLE_LIMIT,
    Tangle,
    blast_radii,
    dependency_tangles,
    shared_datastores,
    single_points_of_failure,
)
from msatheory.basics.model import Call
from msatheory.check.config import Accepted, Config
from msatheory.check.source import Position
from msatheory.check.system import System
from msatheory.discovery.coverage import unchecked_services
from msatheory.gateway.entry import gateway_bypass
from msatheory.theory import checks
from msatheory.theory.check import Check
from msatheory.theory.render import counted
from msatheory.theory.verdict import Verdict, Witness

__all__ = ["COLOURS", "Report", "accept_hint", "check_system", "concise"]

#: Witnesses, inferred edges and findings shown per section of the text report.
SHOWN = 12


def check_system(system: System, config: Config | None = None) -> Report:
    """Run every check whose inputs ``system`` has (a file without functions has no design)
    and whose statement ``config`` selects; the witnesses it accepts are set apart."""
    config = config or Config()
    ran = [(check, check.checker(*arguments)) for check in checks()
           if config.selects(check.statement)
           and (arguments := check.arguments(system)) is not None]
    accepted: list[tuple[int, Witness, Accepted]] = []
    matched: dict[int, Accepted] = {}
    for i, (_, verdict) in enumerate(ran):
        for witness in verdict.witnesses:
            found = config.acceptances(system.sources, verdict.statement, witness)
            if found:
                accepted.append((i, witness, found[0]))
                matched.update((id(a), a) for a in found)
    return Report(system, tuple(v for _, v in ran), tuple(c for c, _ in ran),
                  tuple(accepted), tuple(matched.values()))


@dataclass(frozen=True)
class Report:
    """The verdicts on one system and the facts they rest on; ``checks[i]`` is the check
    that gave ``verdicts[i]``. ``accepted`` holds ``(i, witness, acceptance)`` for each
    witness of ``verdicts[i]`` the configuration accepts: such a witness no longer makes
    its statement fail."""

    system: System
    verdicts: tuple[Verdict, ...]
    checks: tuple[Check, ...] = ()
    accepted: tuple[tuple[int, Witness, Accepted], ...] = ()
    matched: tuple[Accepted, ...] = ()

    @property
    def advice(self) -> tuple[str, ...]:
        """What to do about each verdict's witnesses (its check's advice), in order; empty
        for a verdict no check gave."""
        given = tuple(check.advice for check in self.checks)
        return given + ("",) * (len(self.verdicts) - len(given))

    @cached_property
    def _excused(self) -> dict[tuple[int, Witness], Accepted]:
        return {(i, w): a for i, w, a in self.accepted}

    def acceptance(self, i: int, witness: Witness) -> Accepted | None:
        """The acceptance that excuses ``witness`` of ``verdicts[i]``, if any."""
        return self._excused.get((i, witness))

    def open(self, i: int) -> tuple[Witness, ...]:
        """The witnesses of ``verdicts[i]`` that no acceptance excuses."""
        return tuple(w for w in self.verdicts[i].witnesses if (i, w) not in self._excused)

    def passes(self, i: int) -> bool:
        """True when ``verdicts[i]`` holds, or every witness against it is accepted."""
        return not self.open(i)

    @property
    def holds(self) -> bool:
        """True when every statement checked holds or has only accepted witnesses."""
        return all(self.passes(i) for i in range(len(self.verdicts)))

    def position(self, witness: Witness) -> Position | None:
        """Where the file declares the first service or data store ``witness`` involves
        that it places."""
        return next((p for name in witness.involves
                     if (p := self.system.position(name)) is not None), None)

    def place(self, witness: Witness) -> Position:
        """:meth:`position`, or else line 1, column 1 of the first file read (where an
        editor or code scanning shows a finding about the file as a whole)."""
        return self.position(witness) or Position(self.system.sources[0], 1, 1)

    @cached_property
    def cycles(self) -> list[Tangle]:
        """The tangles of synchronous calls, with their elementary cycles (Axiom 1.1.1)."""
        return dependency_tangles(self.system.architecture)

    @cached_property
    def cycles_including_async(self) -> list[Tangle]:
        """The same, once publish/subscribe edges count too."""
        return dependency_tangles(self.system.architecture, include_async=True)

    @cached_property
    def blast_radius(self) -> dict[str, int]:
        """For each service, how many fail with it by hard calls (Feature 1.2.3)."""
        return blast_radii(self.system.architecture)

    def as_dict(self) -> dict[str, object]:
        """The JSON report: the model as understood, the facts, the verdicts."""
        arch = self.system.architecture
        return {
            "file": self.system.file,
            "origin": self.system.origin,
            "name": arch.name,
            "holds": self.holds,
            "services": {
                name: {"calls": [_call(c) for c in s.calls], "publishes": list(s.publishes),
                       "subscribes": list(s.subscribes), "datastores": list(s.datastores),
                       "monitors": list(s.monitors), "healthcheck": s.healthcheck,
                       "exposed": s.exposed, "replicas": s.replicas,
                       **self._deployed(name), **self._rollouts(name)}
                for name, s in sorted(arch.services.items())
            },
            "datastores": {
                name: {"technology": d.technology, "kind": d.kind,
                       "users": sorted(arch.data_layer[name]), **self._deployed(name),
                       **self._replication(name), **self._rollouts(name)}
                for name, d in sorted(arch.datastores.items())
            },
            "gateways": list(self.system.gateways),
            "cycles": [_tangle(t) for t in self.cycles],
            "cycles_including_async": [_tangle(t) for t in self.cycles_including_async],
            "cycle_limit": CYCLE_LIMIT,
            "monitoring": [list(pair) for pair in arch.monitoring],
            "shared_datastores": shared_datastores(arch),
            "blast_radius": self.blast_radius,
            "single_points_of_failure": single_points_of_failure(arch),
            "missing_healthchecks": unchecked_services(arch),
            "gateway_bypass": gateway_bypass(arch, self.system.gateways),
            **self._budgets(),
            "verdicts": [self._verdict(i) for i in range(len(self.verdicts))],
            "inferred": [i.as_dict() for i in self.system.inferred],
            "findings": [f.as_dict() for f in self.system.findings],
        }

    def _verdict(self, i: int) -> dict[str, object]:
        """A verdict in the JSON report: ``holds`` counts accepted witnesses as excused;
        each witness has its ``file``, ``line`` and ``column`` when the file places it,
        and its ``accepted`` reason when the configuration accepts it."""
        verdict = self.verdicts[i]
        witnesses = []
        for witness in verdict.witnesses:
            entry = witness.as_dict()
            position = self.position(witness)
            if position is not None:
                entry.update(file=position.file, line=position.line, column=position.column)
            accepted = self.acceptance(i, witness)
            if accepted is not None:
                entry["accepted"] = {"reason": accepted.reason, "place": accepted.place}
            witnesses.append(entry)
        return {**verdict.as_dict(), "holds": self.passes(i), "witnesses": witnesses}

    def _deployed(self, name: str) -> dict[str, object]:
        deployed = self.system.deployed.get(name)
        return {"deployed": [d.as_dict() for d in deployed]} if deployed else {}

    def _replication(self, name: str) -> dict[str, object]:
        storage = self.system.storage
        store = storage.stores.get(name) if storage is not None else None
        return {"replication": store.as_dict()} if store is not None else {}

    def _rollouts(self, name: str) -> dict[str, object]:
        """The rollouts (Strategy 7.1.3) of the workloads that run ``name``."""
        rollouts = self.system.rollouts
        places = {d.place for d in self.system.deployed.get(name, ())}
        found = [r.as_dict() for r in rollouts.rollouts if r.place in places] \
            if rollouts is not None else []
        return {"rollouts": found} if found else {}

    def _budgets(self) -> dict[str, object]:
        """The PodDisruptionBudgets (Strategy 7.1.3), when manifests were read."""
        rollouts = self.system.rollouts
        if rollouts is None:
            return {}
        return {"disruption_budgets": [b.as_dict() for b in rollouts.budgets]}

    def __str__(self) -> str:
        return "\n".join(self._lines())

    def _lines(self, paint: Callable[[str, str], str] = lambda text, _: text) -> list[str]:
        system, arch = self.system, self.system.architecture
        calls = sum(len(s.calls) for s in arch.services.values())
        soft = sum(not c.hard for s in arch.services.values() for c in s.calls)
        topics = len({c.via for c in arch.channels if c.mode == "async"})
        gateways = ", ".join(system.gateways) or "none named"
        counts = ", ".join(counted(n, what) for n, what in (
            (len(arch.services), "service"), (calls, "call"), (topics, "topic"),
            (len(arch.datastores), "data store"))
            + ((len(arch.monitoring), "monitoring link"),) * bool(arch.monitoring))
        if soft:
            counts = counts.replace(counted(calls, "call"),
                                    f"{counted(calls, 'call')} ({soft} soft)", 1)
        lines = [f"{arch.name}: {system.file} ({system.origin})",
                 f"  {counts}; gateway: {gateways}", ""]
        for i, verdict in enumerate(self.verdicts):
            mark = paint("ok  ", "ok") if self.passes(i) else paint("FAIL", "fail")
            lines.append(f"{mark} {verdict.statement}: {verdict.summary}")
            lines += _capped([f"       - {w}" for w in self.open(i)], "witnesses")
            lines += [f"       - {paint('accepted', 'accepted')}: {w} ({a.reason})"
                      for j, w, a in self.accepted if j == i]
            if self.open(i) and self.advice[i]:
                lines.append(f"       fix: {self.advice[i]}")
        lines += ["", "Blast radius (services that fail with each by hard calls), largest first:"]
        ranked = sorted(self.blast_radius.items(), key=lambda kv: (-kv[1], kv[0]))
        width = max(len(name) for name, _ in ranked[:SHOWN])
        lines += _capped([f"  {name:<{width}}  {count}" for name, count in ranked], "services")
        extra = [t for t in self.cycles_including_async if t not in self.cycles]
        if extra:
            lines += ["", "Cycles once publish/subscribe edges count (not a violation):"]
            lines += _capped([f"  {' → '.join(t.cycles[0])}"
                              + (f" (1 of {_cycle_count(t)} cycles through "
                                 f"{', '.join(t.members)})" if len(t.cycles) > 1 else "")
                              for t in extra], "cycles")
        if arch.monitoring:
            lines += ["", f"Monitoring links ({len(arch.monitoring)}, not dependencies):"]
            lines += _capped([f"  {a} monitors {b}" for a, b in arch.monitoring],
                             "monitoring links")
        if system.rollouts is not None and system.rollouts.rollouts:
            lines += ["", "Rollouts (Strategy 7.1.3: the most pods and the fewest available "
                          "during an update):"]
            lines += _capped([f"  {r.reading}" for r in system.rollouts.rollouts], "rollouts")
        if system.inferred:
            lines += ["", f"Edges inferred from the file ({len(system.inferred)}):"]
            lines += _capped([f"  {i}" for i in system.inferred], "inferred edges")
        if system.findings:
            lines += ["", f"Findings ({len(system.findings)}):"]
            lines += _capped([f"  {f}" for f in system.findings], "findings")
        hint = accept_hint(self)
        if hint:
            lines += ["", *hint.splitlines()]
        failed = sum(not self.passes(i) for i in range(len(self.verdicts)))
        accepted = (f"; {counted(len(self.accepted), 'finding')} accepted"
                    if self.accepted else "")
        lines += ["", f"{len(self.verdicts)} statements checked: "
                      f"{len(self.verdicts) - failed} hold, {failed} violated{accepted}."]
        return lines

    def __format__(self, spec: str) -> str:
        """``f"{report:colour}"`` is the text report with its marks coloured."""
        if spec != "colour":
            return format(str(self), spec)
        return "\n".join(self._lines(_colour))


#: ANSI colours of the text report's marks on a terminal.
COLOURS = {"ok": "32", "fail": "1;31", "accepted": "33"}


def _colour(text: str, mark: str) -> str:
    return f"\x1b[{COLOURS[mark]}m{text}\x1b[0m"


def _call(call: Call) -> dict[str, object]:
    """A call in the JSON report: the file's mapping form, every key given, and ``hard``."""
    return {"to": call.to, "kind": call.kind, "timeout": call.timeout,
            "retries": call.retries, "fallback": call.fallback, "breaker": call.breaker,
            "hard": call.hard}


def _tangle(tangle: Tangle) -> dict[str, object]:
    return {"services": list(tangle.members), "cycles": [list(c) for c in tangle.cycles],
            "complete": tangle.complete}


def _cycle_count(tangle: Tangle) -> str:
    return str(len(tangle.cycles)) if tangle.complete else f"more than {CYCLE_LIMIT}"



def _capped(lines: list[str], what: str) -> list[str]:
    """The first :data:`SHOWN` lines, then how many more the JSON report lists."""
    if len(lines) <= SHOWN:
        return lines
    return [*lines[:SHOWN], f"       ... and {len(lines) - SHOWN} more {what} "
                            "(--format json lists them all)"]


def concise(report: Report) -> list[str]:
    """One line per witness not accepted, as editors read them:
    ``shop.yaml:12:3: Axiom 1.1.1: dependency cycle: orders → payments → orders``
    (line 1, column 1 of the first file when nothing places the witness)."""
    return [f"{report.place(w)}: {v.statement.ref}: {w}"
            for i, v in enumerate(report.verdicts) for w in report.open(i)]


def accept_hint(report: Report) -> str:
    """How to accept the first witness not accepted, as a configuration entry; empty when
    every witness is accepted or none was found."""
    first = next(((v.statement, w) for i, v in enumerate(report.verdicts)
                  for w in report.open(i)), None)
    if first is None:
        return ""
    statement, witness = first
    involves = f"      involves: [{', '.join(witness.involves)}]\n" if witness.involves else ""
    return ("To accept a finding rather than fix it, list it with the team's reason in "
            ".msatheory.yaml\n(or in pyproject.toml under [tool.msatheory]), for example:\n"
            f"  accept:\n    - statement: {statement.ref}\n{involves}"
            f"      what: {witness.what}\n"
            "      reason: why the team accepts it, and until when")
