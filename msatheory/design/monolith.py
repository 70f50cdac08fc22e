"""A system before it is cut into services: its functions, entities and how they couple.

A :class:`Monolith` holds the elements of Def 2.1.1 and Def 2.3.1 (functions,
interfaces, data models, here called entities) before any service owns them, and
what ties them together: which function reads or writes which entity
(:class:`Access`) and which function calls which, how often (:class:`Call`). It is
the input of Service Cutter's view of decomposition (Gysel et al., ESOCC 2016): the
coupling graph is :mod:`msatheory.design.coupling`, the cuts
:mod:`msatheory.design.decomposition`, their measures :mod:`msatheory.design.quality`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain, pairwise
from types import MappingProxyType
from typing import TypeVar

from msatheory.design.boundary import DataModel, Function, Interface
from msatheory.errors import (
    TheoryError,
    require_items,
    require_name,
    require_number,
)

__all__ = ["MODES", "Access", "Call", "Monolith"]

#: How a function uses an entity.
MODES: tuple[str, ...] = ("read", "write")


@dataclass(frozen=True, order=True)
class Access:
    """Function ``function`` reads or writes (``mode``) entity ``entity``."""

    function: str
    entity: str
    mode: str = "read"

    def __post_init__(self) -> None:
        require_name("access", "function", self.function)
        require_name(f"access of {self.function!r}", "entity", self.entity)
        if self.mode not in MODES:
            raise TheoryError(
                f"access of {self.function!r} to {self.entity!r}: mode must be 'read' or "
                f"'write', not {self.mode!r}"
            )


@dataclass(frozen=True, order=True)
class Call:
    """Function ``caller`` calls function ``callee``, ``frequency`` times per unit of work."""

    caller: str
    callee: str
    frequency: float = 1

    def __post_init__(self) -> None:
        require_name("call", "caller", self.caller)
        require_name(f"call from {self.caller!r}", "callee", self.callee)
        where = f"call {self.caller!r} -> {self.callee!r}"
        if self.caller == self.callee:
            raise TheoryError(f"{where}: a function does not call itself across a cut")
        require_number(where, "frequency", self.frequency, positive=True)


R = TypeVar("R", Access, Call)


def _records(owner: str, what: str, items: object, kind: type[R]) -> tuple[R, ...]:
    """Accesses or calls, given as records or plain tuples; sorted."""
    if isinstance(items, Iterable) and not isinstance(items, str | bytes):
        items = [_record(owner, item, kind) for item in items]
    return tuple(sorted(require_items(owner, what, items, kind)))


def _record(owner: str, item: object, kind: type[R]) -> object:
    """``item`` as a ``kind`` if it is a tuple of its fields; otherwise ``item`` as is."""
    if not isinstance(item, tuple) or isinstance(item, kind):
        return item
    try:
        return kind(*item)
    except TheoryError as error:
        raise TheoryError(f"{owner}: {error}") from None
    except TypeError:
        return item


@dataclass(frozen=True, init=False)
class Monolith:
    """A system before it is cut: functions, entities, interfaces and how they couple.

    ``accesses`` say which function reads or writes which entity, ``calls`` which
    function calls which and how often, ``exposes`` which function each interface
    exposes (the interface goes wherever its function goes). Accesses and calls may
    be given as plain tuples; everything is kept sorted, so equal contents make equal
    monoliths.

    >>> m = Monolith("shop", [Function("pay", "billing"), Function("order", "sales")],
    ...              [DataModel("Order", "sales")], accesses=[("order", "Order", "write")],
    ...              calls=[("order", "pay", 1)])
    >>> m.domains, m.calls
    (('billing', 'sales'), (Call(caller='order', callee='pay', frequency=1),))
    """

    name: str
    functions: tuple[Function, ...]
    entities: tuple[DataModel, ...]
    interfaces: tuple[Interface, ...]
    accesses: tuple[Access, ...]
    calls: tuple[Call, ...]
    exposes: Mapping[str, str] = field(hash=False)

    def __init__(
        self,
        name: str,
        functions: Iterable[Function],
        entities: Iterable[DataModel] = (),
        interfaces: Iterable[Interface] = (),
        accesses: Iterable[Access | tuple[str, ...]] = (),
        calls: Iterable[Call | tuple[str, str] | tuple[str, str, float]] = (),
        exposes: Mapping[str, str] | None = None,
    ) -> None:
        require_name("monolith", "name", name)
        owner = f"monolith {name!r}"
        held_functions = require_items(owner, "functions", functions, Function, distinct=True)
        held_entities = require_items(owner, "entities", entities, DataModel, distinct=True)
        held_interfaces = require_items(owner, "interfaces", interfaces, Interface, distinct=True)
        if not held_functions:
            raise TheoryError(f"{owner}: has no functions, so there is nothing to cut")
        fnames = {f.name for f in held_functions}
        enames = {e.name for e in held_entities}
        held_accesses = _records(owner, "accesses", accesses, Access)
        for access in held_accesses:
            where = f"{owner}: access of {access.function!r} to {access.entity!r}"
            if access.function not in fnames:
                raise TheoryError(f"{where}: there is no function {access.function!r}")
            if access.entity not in enames:
                raise TheoryError(f"{where}: there is no entity {access.entity!r}")
        for a, b in pairwise(held_accesses):
            if a == b:
                raise TheoryError(f"{owner}: access {a} is listed twice")
        held_calls = _records(owner, "calls", calls, Call)
        pairs: set[tuple[str, str]] = set()
        for call in held_calls:
            where = f"{owner}: call {call.caller!r} -> {call.callee!r}"
            for function in (call.caller, call.callee):
                if function not in fnames:
                    raise TheoryError(f"{where}: there is no function {function!r}")
            if (call.caller, call.callee) in pairs:
                raise TheoryError(f"{where} is listed twice; give one call with its frequency")
            pairs.add((call.caller, call.callee))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "functions", tuple(sorted(held_functions)))
        object.__setattr__(self, "entities", tuple(sorted(held_entities)))
        object.__setattr__(self, "interfaces", tuple(sorted(held_interfaces)))
        object.__setattr__(self, "accesses", held_accesses)
        object.__setattr__(self, "calls", held_calls)
        object.__setattr__(
            self, "exposes", _exposes(owner, exposes, held_interfaces, fnames)
        )

    def function(self, name: str) -> Function:
        """The function called ``name``; a clear error if there is none."""
        for f in self.functions:
            if f.name == name:
                return f
        raise TheoryError(f"monolith {self.name!r} has no function {name!r}")

    def entity(self, name: str) -> DataModel:
        """The entity called ``name``; a clear error if there is none."""
        for e in self.entities:
            if e.name == name:
                return e
        raise TheoryError(f"monolith {self.name!r} has no entity {name!r}")

    @property
    def domains(self) -> tuple[str, ...]:
        """Every domain a function, entity or interface is declared in, sorted."""
        elements: Iterable[Function | DataModel | Interface] = chain(
            self.functions, self.entities, self.interfaces
        )
        return tuple(sorted({e.domain for e in elements}))


def _exposes(
    owner: str, exposes: object, interfaces: Iterable[Interface], fnames: set[str]
) -> Mapping[str, str]:
    """``exposes`` checked against the interfaces and functions, read-only and sorted."""
    exposes = {} if exposes is None else exposes
    if not isinstance(exposes, Mapping):
        raise TheoryError(
            f"{owner}: exposes must map interface names to function names, not {exposes!r}"
        )
    inames = {i.name for i in interfaces}
    for interface, function in exposes.items():
        if interface not in inames:
            raise TheoryError(f"{owner}: exposes names {interface!r}, which is no interface")
        if function not in fnames:
            raise TheoryError(
                f"{owner}: interface {interface!r} exposes {function!r}, which is no function"
            )
    missing = sorted(inames - set(exposes))
    if missing:
        raise TheoryError(
            f"{owner}: interface {missing[0]!r} exposes no function; "
            "say which function it exposes in exposes"
        )
    return MappingProxyType(dict(sorted(exposes.items())))
