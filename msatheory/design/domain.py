"""Def 2.2.1 and Def 2.2.2: domains and the bounded contexts that hold their models.

A :class:`Domain` is the triple (E, R, B) of Def 2.2.1 (领域): entities, relations
between them (:class:`Relation`) and business rules over them (:class:`Rule`); its
aggregates are the consistency boundaries that composition (:data:`COMPOSITION`)
draws, one root each (Evans 2003, ch. 6). A
:class:`BoundedContext` is the quadruple (D, L, I, O) of Def 2.2.2 (限界上下文): a
domain model, the ubiquitous language that gives its terms their meaning, and the
interfaces it takes in and offers (Evans, *Domain-Driven Design*, 2003, ch. 14). How
contexts relate to one another is :mod:`msatheory.design.context_map`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import networkx as nx

from msatheory.errors import (
    TheoryError,
    require_distinct,
    require_instance,
    require_items,
    require_name,
    require_names,
)

__all__ = ["COMPOSITION", "BoundedContext", "Domain", "Relation", "Rule", "undefined_terms"]

#: The relation kind of composition: the target is part of the source, inside its
#: consistency boundary, and has no life of its own (UML composition; Evans 2003, ch. 6).
COMPOSITION = "contains"


@dataclass(frozen=True, order=True)
class Relation:
    """A relation of R (Def 2.2.1, 领域): ``source`` stands in relation ``kind`` to ``target``.

    ``kind`` is a verb. :data:`COMPOSITION` (``"contains"``) makes the target a part of
    the source, inside the source's aggregate; any other kind (``"has"``,
    ``"references"``, ``"is-a"``, ...) is an association, which joins no aggregates.

    >>> print(Relation("Order", "has", "OrderLine"))
    Order -has-> OrderLine
    """

    source: str
    kind: str
    target: str

    def __post_init__(self) -> None:
        require_name("relation", "source", self.source)
        require_name(f"relation from {self.source!r}", "kind", self.kind)
        require_name(f"relation {self.source!r} -{self.kind}->", "target", self.target)

    def __str__(self) -> str:
        return f"{self.source} -{self.kind}-> {self.target}"


@dataclass(frozen=True, order=True, init=False)
class Rule:
    """A business rule of B (Def 2.2.1, 领域): a named invariant, stated in words, over entities.

    >>> Rule("order-not-empty", "An order has at least one line.", ["OrderLine", "Order"])
    Rule(name='order-not-empty', text='An order has at least one line.',
         entities=('Order', 'OrderLine'))
    """

    name: str
    text: str
    entities: tuple[str, ...]

    def __init__(self, name: str, text: str, entities: Iterable[str]) -> None:
        require_name("rule", "name", name)
        owner = f"rule {name!r}"
        require_name(owner, "text", text)
        names = require_names(owner, "entities", entities)
        if not names:
            raise TheoryError(f"{owner}: a business rule must be about at least one entity")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "entities", tuple(sorted(names)))


@dataclass(frozen=True, init=False)
class Domain:
    """Def 2.2.1 (领域): a domain D = (E, R, B) of entities, relations and business rules.

    Parameters
    ----------
    name : str
        The domain's name.
    entities : iterable of str
        E, the entities' names: at least one, each once.
    relations : iterable of Relation, optional
        R, each naming two entities of E, each listed once. Its :data:`COMPOSITION`
        relations must form a forest: no entity is part of itself or of two wholes.
    rules : iterable of Rule, optional
        B, each about entities of E, no two with the same name.

    Raises
    ------
    TheoryError
        If a name is blank or repeated, a relation or rule names something that is
        not an entity of E, E is empty, or composition gives an entity two wholes or
        runs in a cycle.

    Examples
    --------
    An order contains its lines and refers to a customer, who has (owns, by reference)
    a cart: only composition joins an aggregate, so there are three:

    >>> d = Domain("ordering", ["Order", "OrderLine", "Customer", "Cart"],
    ...            [Relation("Order", "contains", "OrderLine"),
    ...             Relation("Order", "references", "Customer"),
    ...             Relation("Customer", "has", "Cart")])
    >>> d.aggregates()
    [('Cart',), ('Customer',), ('Order', 'OrderLine')]

    References
    ----------
    Def 2.2.1 (领域) of the theory: ``get(Kind.DEFINITION, "2.2.1")``; E. Evans,
    *Domain-Driven Design* (2003), ch. 5-6 (entities, aggregates); V. Vernon,
    *Implementing Domain-Driven Design* (2013), ch. 10 (aggregates).
    """

    name: str
    entities: frozenset[str]
    relations: tuple[Relation, ...]
    rules: tuple[Rule, ...]

    def __init__(
        self,
        name: str,
        entities: Iterable[str],
        relations: Iterable[Relation] = (),
        rules: Iterable[Rule] = (),
    ) -> None:
        require_name("domain", "name", name)
        owner = f"domain {name!r}"
        known = frozenset(require_names(owner, "entities", entities))
        if not known:
            raise TheoryError(f"{owner}: a domain needs at least one entity")
        held_relations = require_items(owner, "relations", relations, Relation)
        require_distinct(owner, "relations", (str(r) for r in held_relations))
        for r in held_relations:
            for end in (r.source, r.target):
                if end not in known:
                    raise TheoryError(
                        f"{owner}: relation {r} names {end!r}, which is not an entity of the domain"
                    )
        whole: dict[str, str] = {}
        for r in held_relations:
            if r.kind != COMPOSITION:
                continue
            if r.target in whole:
                raise TheoryError(
                    f"{owner}: {r.target!r} is contained by both {whole[r.target]!r} and "
                    f"{r.source!r}; a part belongs to one whole"
                )
            whole[r.target] = r.source
        for part in whole:
            seen, at = {part}, part
            while at in whole:
                at = whole[at]
                if at in seen:
                    raise TheoryError(
                        f"{owner}: composition runs in a cycle through {part!r}; "
                        "an aggregate needs a root that is part of nothing"
                    )
                seen.add(at)
        held_rules = require_items(owner, "rules", rules, Rule, distinct=True)
        for rule in held_rules:
            for entity in rule.entities:
                if entity not in known:
                    raise TheoryError(
                        f"{owner}: rule {rule.name!r} names {entity!r}, "
                        "which is not an entity of the domain"
                    )
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "entities", known)
        object.__setattr__(self, "relations", tuple(sorted(held_relations)))
        object.__setattr__(self, "rules", tuple(sorted(held_rules)))

    @cached_property
    def graph(self) -> nx.MultiDiGraph[str]:
        """Entities as nodes, one edge per relation, keyed and marked by its ``kind``; frozen."""
        graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(name=self.name)
        graph.add_nodes_from(sorted(self.entities))
        for r in self.relations:
            graph.add_edge(r.source, r.target, key=r.kind, kind=r.kind)
        return nx.freeze(graph)

    def aggregates(self) -> list[tuple[str, ...]]:
        """The aggregates: each root, an entity that is part of nothing, followed by the
        entities it contains directly or transitively (:data:`COMPOSITION`), sorted;
        the aggregates sorted by root.

        An aggregate is a consistency boundary with one root (Evans 2003, ch. 6): only
        composition puts an entity inside another's boundary. An association (``"has"``,
        ``"references"``) is a reference to another aggregate's root and joins nothing,
        so every entity that is part of nothing is the root of its own aggregate.

        >>> Domain("c", ["Customer", "Address", "Cart"],
        ...        [Relation("Customer", "contains", "Address"),
        ...         Relation("Customer", "has", "Cart")]).aggregates()
        [('Cart',), ('Customer', 'Address')]
        """
        parts: dict[str, list[str]] = {e: [] for e in self.entities}
        for r in self.relations:
            if r.kind == COMPOSITION:
                parts[r.source].append(r.target)
        contained = {p for ps in parts.values() for p in ps}
        result = []
        for root in sorted(self.entities - contained):
            members, stack = [], list(parts[root])
            while stack:
                part = stack.pop()
                members.append(part)
                stack += parts[part]
            result.append((root, *sorted(members)))
        return result


@dataclass(frozen=True, init=False)
class BoundedContext:
    """Def 2.2.2 (限界上下文): a bounded context BC = (D, L, I, O).

    Parameters
    ----------
    name : str
        The context's name.
    model : Domain
        D, the domain model the context holds.
    language : mapping of str to str, optional
        L, the ubiquitous language: each term and its meaning inside this context.
    inputs : iterable of str, optional
        I, the interfaces the context consumes.
    outputs : iterable of str, optional
        O, the interfaces it offers.

    Raises
    ------
    TheoryError
        If ``model`` is not a Domain, ``language`` not a mapping of non-empty terms to
        non-empty meanings, or an interface name is blank or repeated.

    Examples
    --------
    Payment's language says what *Customer* means there, and leaves *Refund* undefined:

    >>> payment = BoundedContext(
    ...     "payment", Domain("payment", ["Payment", "Refund", "Customer"]),
    ...     {"Customer": "a payer with a payment method on file",
    ...      "Payment": "money taken from a customer for an order"},
    ...     inputs=["customer-events"], outputs=["payment-api"])
    >>> payment.language["Customer"], sorted(payment.outputs)
    ('a payer with a payment method on file', ['payment-api'])
    >>> undefined_terms(payment)
    ['Refund']

    References
    ----------
    Def 2.2.2 (限界上下文) of the theory: ``get(Kind.DEFINITION, "2.2.2")``; E. Evans,
    *Domain-Driven Design* (2003), ch. 14 (bounded context, ubiquitous language).
    """

    name: str
    model: Domain
    language: Mapping[str, str] = field(hash=False)
    inputs: frozenset[str]
    outputs: frozenset[str]

    def __init__(
        self,
        name: str,
        model: Domain,
        language: Mapping[str, str] | None = None,
        inputs: Iterable[str] = (),
        outputs: Iterable[str] = (),
    ) -> None:
        require_name("bounded context", "name", name)
        owner = f"context {name!r}"
        require_instance(owner, "model", model, Domain)
        language = {} if language is None else language
        if not isinstance(language, Mapping):
            raise TheoryError(
                f"{owner}: language must map each term to its meaning, not {language!r}"
            )
        for term, meaning in language.items():
            require_name(owner, "every term of the language", term)
            require_name(owner, f"the meaning of {term!r}", meaning)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "language", MappingProxyType(dict(sorted(language.items()))))
        object.__setattr__(self, "inputs", frozenset(require_names(owner, "inputs", inputs)))
        object.__setattr__(self, "outputs", frozenset(require_names(owner, "outputs", outputs)))


def undefined_terms(context: BoundedContext) -> list[str]:
    """The entities of the context's model that its language L leaves undefined (Def 2.2.2).

    >>> undefined_terms(BoundedContext("c", Domain("c", ["A", "B"]), {"A": "a thing"}))
    ['B']
    """
    return sorted(context.model.entities - context.language.keys())
