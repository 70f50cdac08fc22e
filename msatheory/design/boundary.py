"""Principle 2.1.1, Def 2.1.1 and Theorem 2.1.1: what each service is responsible for.

A :class:`Design` lists services with their functions, interfaces and data models
(the Go sketch's ``Service``). Its :class:`Boundary` is the map B: S -> 2^F of
Def 2.1.1 (服务边界). Theorem 2.1.1 (职责分离) asks the images of B to be disjoint;
that is true of a boundary derived from an owner map F -> S
(:meth:`Boundary.from_owners`), and of nothing else, so :func:`check_separation`
checks it of a given design and names every function claimed twice.
:func:`check_single_responsibility` checks Principle 2.1.1 (单一职责): one domain per
service. How big a service is belongs to :mod:`msatheory.design.sizing`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from msatheory.errors import (
    TheoryError,
    require_instance,
    require_integer,
    require_items,
    require_name,
)
from msatheory.theory import get
from msatheory.theory.statement import Kind
from msatheory.theory.verdict import Verdict, Witness

__all__ = [
    "ELEMENT_KINDS",
    "Boundary",
    "DataModel",
    "Design",
    "Element",
    "Function",
    "Interface",
    "ServiceSpec",
    "check_separation",
    "check_single_responsibility",
]


@dataclass(frozen=True, order=True)
class Function:
    """A business function (the Go sketch's ``Function``), its domain and its priority
    (an integer, as the sketch's ``Priority int``)."""

    name: str
    domain: str
    priority: int = 0

    def __post_init__(self) -> None:
        require_name("function", "name", self.name)
        require_name(f"function {self.name!r}", "domain", self.domain)
        require_integer(f"function {self.name!r}", "priority", self.priority)


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


@dataclass(frozen=True, order=True, init=False)
class DataModel:
    """A data entity a service owns (the Go sketch's ``DataModel``), with its domain."""

    name: str
    domain: str
    fields: tuple[str, ...]

    def __init__(self, name: str, domain: str, fields: Iterable[str] = ()) -> None:
        require_name("data model", "name", name)
        require_name(f"data model {name!r}", "domain", domain)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "domain", domain)
        object.__setattr__(self, "fields", tuple(fields))


#: Whatever a service holds: a function, an interface or a data model.
Element = Function | Interface | DataModel
#: The three kinds of element, in the order a service lists them.
ELEMENT_KINDS: tuple[type[Function], type[Interface], type[DataModel]] = (
    Function, Interface, DataModel
)


@dataclass(frozen=True, init=False)
class ServiceSpec:
    """One service of a design: its functions B(s), interfaces I(s) and data models D(s).

    Each collection is kept sorted, so two specs with the same contents are equal.

    >>> spec = ServiceSpec("billing", [Function("refund", "billing"), Function("pay", "billing")])
    >>> [f.name for f in spec.functions], spec.domains
    (['pay', 'refund'], frozenset({'billing'}))
    """

    name: str
    functions: tuple[Function, ...]
    interfaces: tuple[Interface, ...]
    data_models: tuple[DataModel, ...]

    def __init__(
        self,
        name: str,
        functions: Iterable[Function] = (),
        interfaces: Iterable[Interface] = (),
        data_models: Iterable[DataModel] = (),
    ) -> None:
        require_name("service", "name", name)
        owner = f"service {name!r}"
        held_functions = require_items(owner, "functions", functions, Function, distinct=True)
        held_interfaces = require_items(owner, "interfaces", interfaces, Interface, distinct=True)
        held_models = require_items(owner, "data_models", data_models, DataModel, distinct=True)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "functions", tuple(sorted(held_functions)))
        object.__setattr__(self, "interfaces", tuple(sorted(held_interfaces)))
        object.__setattr__(self, "data_models", tuple(sorted(held_models)))

    @classmethod
    def of(cls, name: str, elements: Iterable[Element]) -> ServiceSpec:
        """The service holding these functions, interfaces and data models."""
        items = list(elements)
        return cls(
            name,
            [e for e in items if isinstance(e, Function)],
            [e for e in items if isinstance(e, Interface)],
            [e for e in items if isinstance(e, DataModel)],
        )

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


@dataclass(frozen=True, init=False)
class Design:
    """Services and what each is responsible for; equal designs list equal services.

    Each name means one thing: a function (interface, data model) that two services
    claim must be declared alike in both, or the design is rejected. Services are
    kept sorted by name.

    >>> design = Design([ServiceSpec("orders", [Function("order", "sales")])], name="shop")
    >>> print(design)
    orders: functions order [sales]; interfaces -; data models -
    """

    services: tuple[ServiceSpec, ...]
    name: str
    _by_name: dict[str, ServiceSpec] = field(init=False, repr=False, compare=False)

    def __init__(self, services: Iterable[ServiceSpec], name: str = "design") -> None:
        owner = f"design {name!r}"
        specs = require_items(owner, "services", services, ServiceSpec, distinct=True)
        declared: dict[tuple[type, str], tuple[Element, str]] = {}
        for spec in specs:
            for element in spec.elements:
                first = declared.setdefault((type(element), element.name), (element, spec.name))
                if first[0] != element:
                    raise TheoryError(
                        f"{owner}: {type(element).__name__} {element.name!r} is "
                        f"{first[0]} in service {first[1]!r} but {element} in {spec.name!r}"
                    )
        object.__setattr__(self, "services", tuple(sorted(specs, key=lambda s: s.name)))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_by_name", {spec.name: spec for spec in specs})

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

    ``B[s]`` is the set of functions service ``s`` is responsible for. A design's
    boundary is :attr:`Design.boundary`; a boundary built from an owner map
    (:meth:`from_owners`) separates responsibilities by construction.

    Parameters
    ----------
    images : mapping of str to iterable of Function
        Each service's name and the functions in its image B(s).

    Raises
    ------
    TheoryError
        If a service name is blank or an image holds something other than a
        :class:`Function`.

    Examples
    --------
    Two services, one function each; B is a mapping from service to functions:

    >>> b = Boundary.from_owners({Function("pay", "billing"): "payments",
    ...                           Function("order", "sales"): "orders"})
    >>> b
    Boundary({orders: {order}, payments: {pay}})
    >>> sorted(f.name for f in b["payments"])
    ['pay']

    References
    ----------
    Def 2.1.1 (服务边界) of the theory: ``get(Kind.DEFINITION, "2.1.1")``.
    """

    def __init__(self, images: Mapping[str, Iterable[Function]]):
        self._images: dict[str, frozenset[Function]] = {}
        for service, functions in sorted(images.items()):
            require_name("boundary", "service", service)
            held = require_items("boundary", f"B({service})", functions, Function)
            self._images[service] = frozenset(held)

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

    For any two services s1 != s2, B(s1) and B(s2) share no function.

    Parameters
    ----------
    design : Design or Boundary
        The design whose boundary :attr:`Design.boundary` is checked, or a boundary.

    Returns
    -------
    Verdict
        On Theorem 2.1.1. It holds when no function is in two images. Otherwise one
        witness per function claimed twice: ``what`` is ``"function claimed twice"``,
        ``involves`` the services that claim it (sorted), ``detail`` the function and
        the images it is in.

    Raises
    ------
    TheoryError
        If ``design`` is neither a Design nor a Boundary.

    Examples
    --------
    Billing and the shop both claim ``pay``:

    >>> pay, order = Function("pay", "billing"), Function("order", "sales")
    >>> design = Design([ServiceSpec("billing", [pay]), ServiceSpec("shop", [pay, order])])
    >>> print(check_separation(design))
    Theorem 2.1.1 Separation of responsibilities (职责分离): violated. 2 services;
    functions claimed by more than one: 1.
      - function claimed twice: pay is in B(billing), B(shop)

    A boundary built from an owner map always separates:

    >>> check_separation(Boundary.from_owners({pay: "billing", order: "shop"})).holds
    True

    References
    ----------
    Theorem 2.1.1 (职责分离) of the theory: ``get(Kind.THEOREM, "2.1.1")``.
    """
    boundary = (design.boundary if isinstance(design, Design)
                else require_instance("check_separation", "design", design, Boundary))
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
        get(Kind.THEOREM, "2.1.1"),
        witnesses,
        f"{len(boundary)} services; functions claimed by more than one: {len(witnesses)}.",
    )


def check_single_responsibility(design: Design) -> Verdict:
    """Principle 2.1.1 (单一职责): every service serves exactly one domain.

    A service's domains are those of its functions, interfaces and data models.

    Parameters
    ----------
    design : Design
        The services to check.

    Returns
    -------
    Verdict
        On Principle 2.1.1. It holds when no service spans two domains. Otherwise one
        witness per such service: ``what`` is ``"service spans several domains"``,
        ``involves`` the service and then its domains (sorted), ``detail`` what the
        service holds of each domain.

    Raises
    ------
    TheoryError
        If ``design`` is not a Design.

    Examples
    --------
    >>> shop = Design([ServiceSpec("shop", [Function("pay", "billing"),
    ...                                     Function("order", "sales")])])
    >>> verdict = check_single_responsibility(shop)
    >>> verdict.holds, verdict.witnesses[0].involves
    (False, ('shop', 'billing', 'sales'))
    >>> print(verdict.witnesses[0])
    service spans several domains: shop holds billing (pay); sales (order)

    References
    ----------
    Principle 2.1.1 (单一职责) of the theory: ``get(Kind.PRINCIPLE, "2.1.1")``; Newman,
    *Building Microservices* (2nd ed., 2021), ch. 2, on services modelled around a
    business domain.
    """
    design = require_instance("check_single_responsibility", "design", design, Design)
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
        get(Kind.PRINCIPLE, "2.1.1"),
        witnesses,
        f"{len(design.services)} services; spanning more than one domain: {len(witnesses)}.",
    )
