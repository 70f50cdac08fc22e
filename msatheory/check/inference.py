"""From the addresses in a file to the edges of an architecture: one set of rules for every
importer.

An importer lists what its file deploys as :class:`Unit` records (a compose service, the
workloads behind a Kubernetes Service) with the settings that may hold addresses, and
says how a host resolves from each unit. :func:`infer` then:

1. finds every address in every setting (:func:`~msatheory.check.addresses.addresses`);
2. takes a unit for a data store when its image, variables or name say so
   (:func:`~msatheory.check.technologies.identify`), or when another unit addresses it as
   one (``mongodb://user-db``, ``user-db:27017``), and says why in a finding;
3. makes each resolved address an edge: ``monitoring`` when the caller is a monitoring
   tool, the callee a telemetry sink, or the variable or path says so
   (:func:`~msatheory.check.addresses.monitoring`); else ``datastore`` to a data store
   and ``call`` to a service. A data store has no edges out; an address a unit gives of
   itself is a self-call, not a dependency between services, and a finding says so;
   an address naming nothing in the file is a ``dangling address`` finding.

:func:`storage_of` then reads each data store's instances, variables and command lines for
how it copies its data (Def 6.3.1, :mod:`msatheory.data.storage`).

Host names are compared without case (RFC 4343), as DNS compares them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from msatheory.check.addresses import Address, Setting, addresses, monitoring
from msatheory.check.system import Deployed, Finding, Inference
from msatheory.check.technologies import by_protocol
from msatheory.data.storage import Configured, Storage, read_storage
from msatheory.errors import TheoryError

__all__ = ["Inferred", "Resolve", "Unit", "architecture_document", "infer", "storage_of"]

Resolve = Callable[[str, str], Collection[str] | None]
"""``resolve(owner, host)``: the units ``host`` (in lower case) reaches from unit ``owner``:
``None`` when it names nothing in the file, an empty collection when it names something
that runs nothing (a Kubernetes Service that selects no pod)."""


@dataclass
class Unit:
    """One deployed thing, as the rules of :func:`infer` need it.

    ``settings`` pair each setting with the place to cite; ``store`` is its
    ``(technology, kind)`` once it is known to run a data store, ``why`` says how that
    is known and ``where`` where it shows; ``tool`` names the monitoring tool it runs.
    """

    name: str
    settings: list[tuple[Setting, str]] = field(default_factory=list)
    store: tuple[str, str] | None = None
    why: str = ""
    where: str = ""
    tool: str | None = None
    healthcheck: bool = False
    exposed: bool = False
    replicas: int = 1
    deployed: tuple[Deployed, ...] = ()


class _Hit(NamedTuple):
    owner: Unit
    setting: Setting
    place: str
    address: Address
    targets: Collection[str] | None


class Inferred(NamedTuple):
    """The edges :func:`infer` found and the findings it made."""

    inferred: frozenset[Inference]
    findings: frozenset[Finding]


def infer(units: Sequence[Unit], resolve: Resolve, known: Collection[str] = ()) -> Inferred:
    """The edges and findings of ``units`` (see the module's rules); ``known`` are the host
    names a bare word of a command line may equal. Marks the units found to be data stores."""
    by_name = {u.name: u for u in units}
    hits = [
        _Hit(unit, setting, place, address, resolve(unit.name, address.host.lower().rstrip(".")))
        for unit in units for setting, place in unit.settings
        for address in addresses(setting.value, known if setting.command else (),
                                 bare=setting.bare)
    ]
    _stores_by_protocol(hits, by_name)
    inferred: set[Inference] = set()
    findings = {_store_finding(u) for u in units if u.store}
    findings |= {Finding("monitoring tool", u.where or u.name,
                         f"{u.name} runs {u.tool}: what it reaches it watches, and what "
                         "reaches it sends telemetry; neither is a dependency")
                 for u in units if u.tool and not u.store}
    for hit in hits:
        owner, setting = hit.owner, hit.setting
        if owner.store:
            continue  # the model has no edges out of a data store
        if hit.targets is None:
            if setting.bare or hit.address.text != hit.address.host:  # not a command word
                findings.add(Finding(
                    "dangling address", hit.place,
                    f"{owner.name}'s {setting.label} names {hit.address.host}, which nothing "
                    "in this file deploys"))
            continue
        for target in sorted(hit.targets):
            if target == owner.name:
                findings.add(Finding(
                    "self-call", hit.place,
                    f"{owner.name}'s {setting.label} addresses {owner.name} itself: a self-call "
                    "is not a dependency between services, so it makes no edge"))
                continue
            inferred.add(_edge(hit, by_name[target]))
    return Inferred(frozenset(inferred), frozenset(findings))


def _stores_by_protocol(hits: list[_Hit], by_name: dict[str, Unit]) -> None:
    """Mark the units that others address as data stores: by scheme, connection string or
    a store's port. Only services' addresses count, and the first in file order wins."""
    for hit in hits:
        if hit.owner.store or hit.owner.tool or not hit.targets:
            continue
        found = by_protocol(hit.address)
        if found is None:
            continue
        store, how = found
        for name in sorted(hit.targets):
            target = by_name[name]
            if target is hit.owner or target.store or target.tool:
                continue
            target.store, target.where = store, hit.place
            target.why = (f"{hit.owner.name}'s {hit.setting.label} addresses it {how} "
                          f"({hit.setting.shown(hit.address.text)})")


def _edge(hit: _Hit, target: Unit) -> Inference:
    owner, setting, address = hit.owner, hit.setting, hit.address
    evidence = f"{setting.label} = {setting.shown(address.text)}"
    watched = (f"{owner.name} runs {owner.tool}" if owner.tool
               else f"{target.name} runs {target.tool}" if target.tool
               else monitoring(setting.variable, address))
    if watched:
        return Inference(owner.name, target.name, "monitoring", f"{evidence}; {watched}",
                         hit.place)
    kind = "datastore" if target.store else "call"
    return Inference(owner.name, target.name, kind, evidence, hit.place)


def _store_finding(unit: Unit) -> Finding:
    assert unit.store is not None
    technology, kind = unit.store
    return Finding("data store", unit.where or unit.name,
                   f"{unit.name} is a data store ({technology}, {kind}), not a service: "
                   f"{unit.why}")


def architecture_document(units: Sequence[Unit], inferred: Collection[Inference],
                          fail: Callable[[str], TheoryError]) -> dict[str, object]:
    """The architecture document of these units and the edges inferred between them.

    A file that deploys only data stores describes no architecture: ``fail`` makes the
    error, naming the file and the place.
    """
    reached: dict[tuple[str, str], set[str]] = {}
    for i in inferred:
        reached.setdefault((i.source, i.kind), set()).add(i.target)
    ordered = sorted(units, key=lambda u: u.name)
    stores = {u.name: {"technology": u.store[0], "kind": u.store[1]}
              for u in ordered if u.store}
    services = {
        u.name: {"calls": sorted(reached.get((u.name, "call"), ())),
                 "datastores": sorted(reached.get((u.name, "datastore"), ())),
                 "monitors": sorted(reached.get((u.name, "monitoring"), ())),
                 "healthcheck": u.healthcheck, "exposed": u.exposed, "replicas": u.replicas}
        for u in ordered if not u.store
    }
    if not services:
        raise fail(f"deploys only data stores ({', '.join(sorted(stores))}) and no service: "
                   "there is no architecture to check")
    return {"services": services, "datastores": stores}


def storage_of(units: Sequence[Unit], resolve: Resolve) -> Storage | None:
    """The replication of the units :func:`infer` found to be data stores (Def 6.3.1):
    their instances, environment variables and command lines, read by
    :func:`~msatheory.data.storage.read_storage`; None when no unit is a data store."""
    configured = []
    for unit in units:
        if unit.store is None:
            continue
        variables = {setting.variable: (setting.value, place)
                     for setting, place in unit.settings if setting.variable}
        commands = tuple((setting.value, place) for setting, place in unit.settings
                         if setting.command)
        runs = " + ".join(f"{d.what} {d.name}: {d.replicas} "
                          f"{'replica' if d.replicas == 1 else 'replicas'}"
                          for d in unit.deployed) or f"{unit.name}: {unit.replicas}"
        place = unit.deployed[0].place if unit.deployed else unit.where or unit.name
        configured.append(Configured(unit.name, unit.store[0], unit.store[1], unit.replicas,
                                     runs, place, variables, commands))
    return read_storage(configured, resolve) if configured else None
