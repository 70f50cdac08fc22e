"""Principle 2.1.1, Def 2.1.1 and Theorem 2.1.1: what each service is responsible for.

A :class:`Design` lists services with their functions, interfaces and data models
(the Go sketch's ``Service``). Its :class:`Boundary` is the map B: S -> 2^F of
Def 2.1.1 (服务边界). Theorem 2.1.1 (职责分离) asks the images of B to be disjoint;
that is true of a boundary derived from an owner map F -> S
(:meth:`Boundary.from_owners`), and of nothing else, so :func:`check_separation`
checks it of a given design and names every function claimed twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from msatheory.errors import TheoryError, require_distinct, require_items, require_name
from msatheory.theory import Verdict, Witness, get

__all__ = [
    "Boundary",
    "DataModel",
    "Design",
    "Function",
    "Interface",
    "ServiceSpec",
    "check_separation",
    "check_single_responsibility",
]


@dataclass(frozen=True, order=True)
class Function:
    """A business function (the Go sketch's ``Function``) and the domain it belongs to."""

    name: str
    domain: str
    priority: int = 0

    def __post_init__(self) -> None:
        require_name("function", "name", self.name)
        require_name(f"function {self.name!r}", "domain", self.domain)
        if not isinstance(self.priority, int) or isinstance(self.priority, bool):
            raise TheoryError(f"function {self.name!r}: priority must be an integer")


@dataclass(frozen=True, order=True)
class Interface:
    """An interface a service offers (the Go sketch's ``Interface``).

    The sketch's type has no domain; ours has one, because a split cannot place an
    interface without knowing which part of the business it serves.
    """

    name: str
    domain: str
    kind: str = "rest"

    def __post_init__(self) -> None:
        require_name("interface", "name", self.name)
        require_name(f"interface {self.name!r}", "domain", self.domain)


@dataclass(frozen=True, order=True)
class DataModel:
    """A data entity a service owns (the Go sketch's ``DataModel``), with its domain."""

    name: str
    domain: str
    fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require_name("data model", "name", self.name)
        require_name(f"data model {self.name!r}", "domain", self.domain)
        object.__setattr__(self, "fields", tuple(self.fields))


Element = Function | Interface | DataModel
ELEMENT_KINDS = (Function, Interface, DataModel)


@dataclass(frozen=True)
class ServiceSpec:
    """One service of a design: its functions B(s), interfaces I(s) and data models D(s).

    Each collection is kept sorted, so two specs with the same contents are equal.
    """

    name: str
    functions: tuple[Function, ...] = ()
    interfaces: tuple[Interface, ...] = ()
    data_models: tuple[DataModel, ...] = ()

    def __post_init__(self) -> None:
        require_name("service", "name", self.name)
        for attr, kind in zip(("functions", "interfaces", "data_models"), ELEMENT_KINDS,
                              strict=True):
            items = require_items(f"service {self.name!r}", attr, getattr(self, attr), kind)
            require_distinct(f"service {self.name!r}", attr, (item.name for item in items))
            object.__setattr__(self, attr, tuple(sorted(items)))

    @classmethod
    def of(cls, name: str, elements: Iterable[Element]) -> ServiceSpec:
        """The service holding these functions, interfaces and data models."""
        items = list(elements)
        return cls(name, *([e for e in items if isinstance(e, kind)] for kind in ELEMENT_KINDS))

    @property
    def elements(self) -> tuple[Element, ...]:
        """Functions, then interfaces, then data models."""
        return (*self.functions, *self.interfaces, *self.data_models)

    @property
    def domains(self) -> frozenset[str]:
        """The domains of everything the service holds."""
        return frozenset(e.domain for e in self.elements)

    def __str__(self) -> str:
        def names(items: tuple[Element, ...]) -> str:
            return ", ".join(f"{e.name} [{e.domain}]" for e in items) or "-"

        return (f"{self.name}: functions {names(self.functions)}; interfaces "
                f"{names(self.interfaces)}; data models {names(self.data_models)}")


@dataclass(frozen=True)
class Design:
    """Services and what each is responsible for; equal designs list equal services.

    Each name means one thing: a function (interface, data model) that two services
    claim must be declared alike in both, or the design is rejected.
    """

    services: tuple[ServiceSpec, ...]
    name: str = "design"
    _by_name: dict[str, ServiceSpec] = field(init=False, repr=False, compare=False)

    def __init__(self, services: Iterable[ServiceSpec], name: str = "design"):
        specs = tuple(services)
        by_name: dict[str, ServiceSpec] = {}
        for spec in specs:
            if not isinstance(spec, ServiceSpec):
                raise TheoryError(f"design {name!r}: {spec!r} is not a ServiceSpec")
            if spec.name in by_name:
                raise TheoryError(f"design {name!r}: two services are named {spec.name!r}")
            by_name[spec.name] = spec
        declared: dict[tuple[type, str], tuple[Element, str]] = {}
        for spec in specs:
            for element in spec.elements:
                first = declared.setdefault((type(element), element.name), (element, spec.name))
                if first[0] != element:
                    raise TheoryError(
                        f"design {name!r}: {type(element).__name__} {element.name!r} is "
                        f"{first[0]} in service {first[1]!r} but {element} in {spec.name!r}"
                    )
        object.__setattr__(self, "services", tuple(sorted(specs, key=lambda s: s.name)))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_by_name", by_name)

    def __str__(self) -> str:
        return "\n".join(str(s) for s in self.services) or f"{self.name}: no services"

    def service(self, name: str) -> ServiceSpec:
        """The service called ``name``; a clear error if there is none."""
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(sorted(self._by_name)) or "none"
            raise TheoryError(
                f"design {self.name!r} has no service {name!r} (it has: {known})"
            ) from None

    @property
    def boundary(self) -> Boundary:
        """B of Def 2.1.1: each service's set of functions."""
        return Boundary({s.name: frozenset(s.functions) for s in self.services})

    @cached_property
    def elements(self) -> frozenset[Element]:
        """Every function, interface and data model some service holds."""
        return frozenset(e for s in self.services for e in s.elements)

    @property
    def domains(self) -> frozenset[str]:
        """Every domain the design's elements belong to."""
        return frozenset(e.domain for e in self.elements)


class Boundary(Mapping[str, frozenset[Function]]):
    """Def 2.1.1 (服务边界): the service boundary B: S -> 2^F, a read-only mapping.

    >>> b = Boundary.from_owners({Function("pay", "billing"): "payments"})
    >>> sorted(f.name for f in b["payments"])
    ['pay']
    """

    def __init__(self, images: Mapping[str, Iterable[Function]]):
        self._images = {s: frozenset(fs) for s, fs in sorted(images.items())}
        for service, functions in self._images.items():
            require_name("boundary", "service", service)
            for f in functions:
                if not isinstance(f, Function):
                    raise TheoryError(f"boundary: B({service}) holds {f!r}, not a Function")

    @classmethod
    def from_owners(
        cls, owner: Mapping[Function, str], services: Iterable[str] = ()
    ) -> Boundary:
        """The boundary whose images are the fibres of an owner map o: F -> S.

        B(s) = {f | o(f) = s}. Fibres of a map are disjoint, so Theorem 2.1.1 holds
        of every boundary built this way; ``services`` adds services that own nothing.
        """
        images: dict[str, set[Function]] = {s: set() for s in services}
        for function, service in owner.items():
            images.setdefault(service, set()).add(function)
        return cls(images)

    def owners(self) -> dict[Function, tuple[str, ...]]:
        """For each function, the services whose image holds it."""
        claims: dict[Function, list[str]] = defaultdict(list)
        for service, functions in self._images.items():
            for f in functions:
                claims[f].append(service)
        return {f: tuple(s) for f, s in sorted(claims.items())}

    def __getitem__(self, service: str) -> frozenset[Function]:
        try:
            return self._images[service]
        except KeyError:
            raise TheoryError(f"the boundary has no service {service!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._images)

    def __len__(self) -> int:
        return len(self._images)

    def __repr__(self) -> str:
        images = ", ".join(
            f"{s}: {{{', '.join(sorted(f.name for f in fs))}}}" for s, fs in self._images.items()
        )
        return f"Boundary({{{images}}})"


def check_separation(design: Design | Boundary) -> Verdict:
    """Theorem 2.1.1 (职责分离): distinct services have disjoint boundaries.

    One witness per function in two or more images, naming the services that claim it.
    """
    boundary = design.boundary if isinstance(design, Design) else design
    witnesses = [
        Witness(
            "function claimed twice",
            services,
            f"{f.name} is in B({'), B('.join(services)})",
        )
        for f, services in boundary.owners().items()
        if len(services) > 1
    ]
    return Verdict(
        get("theorem", "2.1.1"),
        witnesses,
        f"{len(boundary)} services; functions claimed by more than one: {len(witnesses)}.",
    )


def check_single_responsibility(design: Design) -> Verdict:
    """Principle 2.1.1 (单一职责): every service serves exactly one domain.

    One witness per service whose functions, interfaces and data models span two or
    more domains, listing what it holds of each.
    """
    witnesses = []
    for spec in design.services:
        if len(spec.domains) < 2:
            continue
        held = "; ".join(
            f"{domain} ({', '.join(e.name for e in spec.elements if e.domain == domain)})"
            for domain in sorted(spec.domains)
        )
        witnesses.append(
            Witness(
                "service spans several domains",
                (spec.name, *sorted(spec.domains)),
                f"{spec.name} holds {held}",
            )
        )
    return Verdict(
        get("principle", "2.1.1"),
        witnesses,
        f"{len(design.services)} services; spanning more than one domain: {len(witnesses)}.",
    )
