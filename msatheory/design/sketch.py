"""The theory's Go ``ServiceDesign`` sketch (section 2.3), ported as written.

Every method does what the Go code does, defects included; :mod:`msatheory.design.errata`
runs them into counterexamples, and :func:`msatheory.design.optimizer.optimize` is the
correction.
Two things Go leaves open are fixed here so runs are reproducible:

* ``generateID()`` is not shown; ours returns ``svc-1``, ``svc-2``, ...
* ``for id, s := range sd.services`` visits a map in an unspecified order, and an
  entry created during the loop "may be produced during the iteration or may be
  skipped" (the Go specification). :meth:`SketchServiceDesign._range` draws both
  choices from a seeded RNG, so each seed is one legitimate Go run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from msatheory.design.boundary import DataModel, Design, Function, Interface, ServiceSpec
from msatheory.errors import TheoryError
from msatheory.sim import seeded_rng

__all__ = ["SketchService", "SketchServiceDesign", "SketchWithNaiveMerge"]


@dataclass
class SketchService:
    """The Go ``Service`` struct: mutable, with a cached ``Granularity`` field."""

    id: str
    name: str
    functions: list[Function] = field(default_factory=list)
    interfaces: list[Interface] = field(default_factory=list)
    data_models: list[DataModel] = field(default_factory=list)
    granularity: int = 0


class SketchServiceDesign:
    """``ServiceDesign`` as written: CreateService, AddFunction, ValidateSingleResponsibility,
    OptimizeGranularity (Def 2.3.1, Principle 2.1.1, Principle 2.3.1)."""

    def __init__(self, seed: int = 0):
        self.services: dict[str, SketchService] = {}
        self.rng = seeded_rng(seed, "SketchServiceDesign")
        self._ids = 0
        self._created_in_loop: dict[str, bool] | None = None

    @classmethod
    def from_design(cls, design: Design, seed: int = 0) -> SketchServiceDesign:
        """A sketch holding ``design``'s services, built through the sketch's own API:
        ``CreateService`` and ``AddFunction``; interfaces and data models, for which the
        sketch has no method, are appended to the struct before its granularity is updated."""
        sketch = cls(seed)
        for spec in design.services:
            service = sketch.create_service(spec.name, min(spec.domains, default=""))
            service.interfaces += spec.interfaces
            service.data_models += spec.data_models
            sketch._update_granularity(service.id)
            for function in spec.functions:
                sketch.add_function(service.id, function)
        return sketch

    def create_service(self, name: str, domain: str) -> SketchService:
        """``CreateService``: the ``domain`` argument is accepted and ignored, as in Go."""
        self._ids += 1
        service = SketchService(f"svc-{self._ids}", name)
        self.services[service.id] = service
        if self._created_in_loop is not None:
            self._created_in_loop[service.id] = self.rng.random() < 0.5
        return service

    def add_function(self, service_id: str, function: Function) -> None:
        """``AddFunction``: appends, whatever other service already holds the function."""
        if service_id not in self.services:
            raise TheoryError(f"service not found: {service_id}")
        self.services[service_id].functions.append(function)
        self._update_granularity(service_id)

    def _update_granularity(self, service_id: str) -> None:
        service = self.services[service_id]
        service.granularity = (
            len(service.functions) + len(service.interfaces) + len(service.data_models)
        )

    def validate_single_responsibility(self) -> list[str]:
        """``ValidateSingleResponsibility``: one message per service whose functions span
        several domains, in map order."""
        violations = []
        for _, service in self._range():
            domains = {f.domain for f in service.functions}
            if len(domains) > 1:
                violations.append(
                    f"Service {service.name} violates single responsibility: "
                    f"{len(domains)} domains"
                )
        return violations

    def optimize_granularity(self) -> None:
        """``OptimizeGranularity``: split above 20, merge below 3, while ranging over the
        map it mutates."""
        for service_id, service in self._range():
            if service.granularity > 20:
                self._split_service(service_id)
            elif service.granularity < 3:
                self._merge_service(service_id)

    def _split_service(self, service_id: str) -> None:
        """``splitService``: one new service per domain of the functions; only functions
        are copied; the original is deleted."""
        service = self.services[service_id]
        groups: dict[str, list[Function]] = {}
        for function in service.functions:
            groups.setdefault(function.domain, []).append(function)
        for domain in self._order(groups):
            new = self.create_service(f"{service.name}_{domain}", domain)
            for function in groups[domain]:
                self.add_function(new.id, function)
        del self.services[service_id]

    def _merge_service(self, service_id: str) -> None:
        """``mergeService``: the Go body is a comment, "简化实现" (simplified implementation):
        a declared stub (:data:`msatheory.design.STUBS`), not an erratum."""

    def _order(self, keys: Iterable[str]) -> list[str]:
        """Go's unspecified map order, drawn from the seeded RNG."""
        order = sorted(keys)
        self.rng.shuffle(order)
        return order

    def _range(self) -> Iterator[tuple[str, SketchService]]:
        """``for id, s := range sd.services`` under the Go specification's rules."""
        outer, self._created_in_loop = self._created_in_loop, {}
        seen: set[str] = set()
        try:
            while True:
                pending = [
                    k for k in self.services
                    if k not in seen and self._created_in_loop.get(k, True)
                ]
                if not pending:
                    return
                key = self.rng.choice(sorted(pending))
                seen.add(key)
                yield key, self.services[key]
        finally:
            self._created_in_loop = outer

    def design(self) -> Design:
        """The current services as a :class:`Design` (a repeated name gets its id appended)."""
        names = [s.name for s in self.services.values()]
        return Design(
            ServiceSpec(
                s.name if names.count(s.name) == 1 else f"{s.name} ({s.id})",
                s.functions,
                s.interfaces,
                s.data_models,
            )
            for s in self.services.values()
        )


class SketchWithNaiveMerge(SketchServiceDesign):
    """The sketch with ``mergeService`` filled in the most obvious way: fold the small
    service into the smallest other one. Not in the theory; it shows that completing
    the stub does not give the optimizer a fixed point."""

    def _merge_service(self, service_id: str) -> None:
        others = [s for k, s in self.services.items() if k != service_id]
        if not others:
            return
        small = self.services.pop(service_id)
        target = min(others, key=lambda s: (s.granularity, s.id))
        target.functions += small.functions
        target.interfaces += small.interfaces
        target.data_models += small.data_models
        self._update_granularity(target.id)
