"""Def 2.2.1 and Def 2.2.2: domains, bounded contexts and the context map that joins them.

A :class:`Domain` is the triple (E, R, B) of Def 2.2.1 (领域): entities, relations
between them and business rules over them. A :class:`BoundedContext` is the quadruple
(D, L, I, O) of Def 2.2.2 (限界上下文): a domain model, the ubiquitous language that
gives its terms their meaning, and the interfaces it takes in and offers.

Contexts meet on a :class:`ContextMap` (Evans, *Domain-Driven Design*, ch. 14;
Vernon, *Implementing Domain-Driven Design*, ch. 3): each relationship joins an
upstream to a downstream context by one of the strategic :class:`Pattern` s.
:func:`check_context_map` asks whether every relationship respects the two
contexts' languages and interfaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import NamedTuple

import networkx as nx

from msatheory.errors import TheoryError, require_items, require_name, require_names
from msatheory.theory import Verdict, Witness, get

__all__ = [
    "BoundedContext",
    "ContextMap",
    "ContextRelationship",
    "Domain",
    "LanguageConflict",
    "Pattern",
    "Relation",
    "Rule",
    "check_context_map",
    "language_conflicts",
    "undefined_terms",
]


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _same_meaning(a: str, b: str) -> bool:
    """Two definitions agree when they are equal up to case and spacing."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


# -- Def 2.2.1 ------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Relation:
    """A relation of R (Def 2.2.1, 领域): ``source`` stands in relation ``kind`` to ``target``.

    ``kind`` is a verb such as ``"has"`` (containment), ``"references"`` or ``"is-a"``.
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


@dataclass(frozen=True, order=True)
class Rule:
    """A business rule of B (Def 2.2.1, 领域): a named invariant, stated in words, over entities."""

    name: str
    text: str
    entities: tuple[str, ...]

    def __post_init__(self) -> None:
        require_name("rule", "name", self.name)
        owner = f"rule {self.name!r}"
        require_name(owner, "text", self.text)
        entities = require_names(owner, "entities", self.entities)
        if not entities:
            raise TheoryError(f"{owner}: a business rule must be about at least one entity")
        object.__setattr__(self, "entities", tuple(sorted(entities)))


@dataclass(frozen=True)
class Domain:
    """Def 2.2.1 (领域): a domain D = (E, R, B) of entities, relations and business rules.

    Relations and rules may only name entities of E.

    >>> d = Domain("ordering", ["Order", "OrderLine"], [Relation("Order", "has", "OrderLine")])
    >>> d.aggregates()
    [('Order', 'OrderLine')]
    """

    name: str
    entities: frozenset[str]
    relations: tuple[Relation, ...] = ()
    rules: tuple[Rule, ...] = ()

    def __post_init__(self) -> None:
        require_name("domain", "name", self.name)
        owner = f"domain {self.name!r}"
        entities = frozenset(require_names(owner, "entities", self.entities))
        if not entities:
            raise TheoryError(f"{owner}: a domain needs at least one entity")
        relations = require_items(owner, "relations", self.relations, Relation)
        twice = sorted({str(r) for r in relations if relations.count(r) > 1})
        if twice:
            raise TheoryError(f"{owner}: relation {twice[0]} is listed twice")
        for r in relations:
            for end in (r.source, r.target):
                if end not in entities:
                    raise TheoryError(
                        f"{owner}: relation {r} names {end!r}, which is not an entity of the domain"
                    )
        rules = require_items(owner, "rules", self.rules, Rule)
        names = [rule.name for rule in rules]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise TheoryError(f"{owner}: two rules are named {twice[0]!r}")
        for rule in rules:
            for entity in rule.entities:
                if entity not in entities:
                    raise TheoryError(
                        f"{owner}: rule {rule.name!r} names {entity!r}, "
                        "which is not an entity of the domain"
                    )
        object.__setattr__(self, "entities", entities)
        object.__setattr__(self, "relations", tuple(sorted(relations)))
        object.__setattr__(self, "rules", tuple(sorted(rules)))

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """Entities as nodes, one edge per relation, keyed and marked by its ``kind``; frozen."""
        graph = nx.MultiDiGraph(name=self.name)
        graph.add_nodes_from(sorted(self.entities))
        for r in self.relations:
            graph.add_edge(r.source, r.target, key=r.kind, kind=r.kind)
        return nx.freeze(graph)

    def aggregates(self, kinds: Iterable[str] | None = None) -> list[tuple[str, ...]]:
        """Groups of entities joined by relations, ignoring direction; each sorted, all sorted.

        With ``kinds``, only relations of those kinds join: ``kinds={"has"}`` gives the
        DDD reading, where containment holds an aggregate together and a reference
        from one aggregate to another does not merge them.
        """
        owner = f"domain {self.name!r}"
        chosen = None if kinds is None else frozenset(require_names(owner, "kinds", kinds))
        view = nx.subgraph_view(
            self.graph, filter_edge=lambda u, v, k: chosen is None or k in chosen
        )
        return sorted(tuple(sorted(c)) for c in nx.weakly_connected_components(view))


# -- Def 2.2.2 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoundedContext:
    """Def 2.2.2 (限界上下文): a bounded context BC = (D, L, I, O).

    ``model`` is the domain model D, ``language`` the ubiquitous language L (each
    term with its meaning inside this context), ``inputs`` the interfaces I the
    context consumes and ``outputs`` the interfaces O it offers.
    """

    name: str
    model: Domain
    language: Mapping[str, str] = field(default_factory=dict, hash=False)
    inputs: frozenset[str] = frozenset()
    outputs: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        require_name("bounded context", "name", self.name)
        owner = f"context {self.name!r}"
        if not isinstance(self.model, Domain):
            raise TheoryError(f"{owner}: the model must be a Domain, not {self.model!r}")
        if not isinstance(self.language, Mapping):
            raise TheoryError(
                f"{owner}: the language must map each term to its meaning, not {self.language!r}"
            )
        for term, meaning in self.language.items():
            require_name(owner, "every term of the language", term)
            require_name(owner, f"the meaning of {term!r}", meaning)
        language = MappingProxyType(dict(sorted(self.language.items())))
        object.__setattr__(self, "language", language)
        for attr in ("inputs", "outputs"):
            names = require_names(owner, attr, getattr(self, attr))
            object.__setattr__(self, attr, frozenset(names))


def undefined_terms(context: BoundedContext) -> list[str]:
    """The entities of the context's model that its language L leaves undefined (Def 2.2.2)."""
    return sorted(context.model.entities - context.language.keys())


# -- The context map ------------------------------------------------------------------------


class Pattern(StrEnum):
    """How two bounded contexts relate on a context map (Evans; Vernon).

    Partnership: two teams succeed or fail together and align their models by
    coordination. Shared kernel: the two contexts share a part of the model.
    Customer-supplier: the upstream supplies what the downstream asks for, in its
    own model. Conformist: the downstream adopts the upstream's model as it is.
    Anticorruption layer: the downstream translates the upstream's model into its
    own. Open host service: the upstream offers a protocol in a published language,
    translated from its model. Separate ways: no integration at all.
    """

    PARTNERSHIP = "partnership"
    SHARED_KERNEL = "shared kernel"
    CUSTOMER_SUPPLIER = "customer-supplier"
    CONFORMIST = "conformist"
    ANTICORRUPTION_LAYER = "anticorruption layer"
    OPEN_HOST_SERVICE = "open host service"
    SEPARATE_WAYS = "separate ways"

    @property
    def translates(self) -> bool:
        """True when the relationship translates between the two models (ACL, OHS)."""
        return self in (Pattern.ANTICORRUPTION_LAYER, Pattern.OPEN_HOST_SERVICE)

    @property
    def integrates(self) -> bool:
        """False only for separate ways, which joins nothing."""
        return self is not Pattern.SEPARATE_WAYS

    @classmethod
    def parse(cls, value: Pattern | str) -> Pattern:
        """The pattern named by ``value``, ignoring case, spaces, hyphens and underscores."""
        if isinstance(value, Pattern):
            return value
        for pattern in cls:
            if _letters(str(value)) == _letters(pattern.value):
                return pattern
        known = ", ".join(p.value for p in cls)
        raise TheoryError(f"{value!r} is not a context-map pattern (patterns: {known})")


@dataclass(frozen=True)
class ContextRelationship:
    """One edge of a context map: ``downstream`` depends on ``upstream`` by ``pattern``.

    ``via`` names the interfaces the downstream consumes from the upstream; separate
    ways integrates nothing, so it consumes none.
    """

    upstream: str
    downstream: str
    pattern: Pattern
    via: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        require_name("context relationship", "upstream", self.upstream)
        require_name(f"relationship from {self.upstream!r}", "downstream", self.downstream)
        owner = f"relationship {self.upstream} -> {self.downstream}"
        if self.upstream == self.downstream:
            raise TheoryError(f"{owner}: a context cannot be upstream of itself")
        try:
            pattern = Pattern.parse(self.pattern)
        except TheoryError as error:
            raise TheoryError(f"{owner}: {error}") from None
        via = frozenset(require_names(owner, "via", self.via))
        if via and not pattern.integrates:
            raise TheoryError(
                f"{owner}: separate ways means no integration, yet it consumes "
                f"{', '.join(sorted(via))}"
            )
        object.__setattr__(self, "pattern", pattern)
        object.__setattr__(self, "via", via)

    def __str__(self) -> str:
        return f"{self.upstream} -> {self.downstream} ({self.pattern})"


@dataclass(frozen=True)
class ContextMap:
    """Bounded contexts (Def 2.2.2) and the relationships between them, sorted by name.

    Every relationship joins two contexts of the map, each ordered pair at most
    once, and two contexts that go separate ways have no other relationship.
    """

    contexts: tuple[BoundedContext, ...]
    relationships: tuple[ContextRelationship, ...]
    name: str = "context map"
    _by_name: dict[str, BoundedContext] = field(init=False, repr=False, compare=False)

    def __init__(
        self,
        contexts: Iterable[BoundedContext],
        relationships: Iterable[ContextRelationship] = (),
        name: str = "context map",
    ):
        require_name("context map", "name", name)
        owner = f"context map {name!r}"
        by_name: dict[str, BoundedContext] = {}
        for context in require_items(owner, "contexts", contexts, BoundedContext):
            if context.name in by_name:
                raise TheoryError(f"{owner}: two contexts are named {context.name!r}")
            by_name[context.name] = context
        rels = require_items(owner, "relationships", relationships, ContextRelationship)
        pairs: dict[tuple[str, str], ContextRelationship] = {}
        for rel in rels:
            for end in (rel.upstream, rel.downstream):
                if end not in by_name:
                    raise TheoryError(
                        f"{owner}: relationship {rel} names {end!r}, "
                        "which is not a context of the map"
                    )
            if (rel.upstream, rel.downstream) in pairs:
                raise TheoryError(
                    f"{owner}: {rel.upstream} -> {rel.downstream} has two relationships"
                )
            pairs[rel.upstream, rel.downstream] = rel
        for (up, down), rel in pairs.items():
            back = pairs.get((down, up))
            if back and Pattern.SEPARATE_WAYS in (rel.pattern, back.pattern):
                raise TheoryError(
                    f"{owner}: {up} and {down} go separate ways, "
                    "so they cannot also be related the other way"
                )
        object.__setattr__(self, "contexts", tuple(sorted(by_name.values(), key=lambda c: c.name)))
        object.__setattr__(self, "relationships", tuple(sorted(rels, key=_pair)))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_by_name", by_name)

    def context(self, name: str) -> BoundedContext:
        """The context called ``name``; a clear error when there is none."""
        try:
            return self._by_name[name]
        except (KeyError, TypeError):
            known = ", ".join(sorted(self._by_name)) or "none"
            raise TheoryError(
                f"context map {self.name!r} has no context {name!r} (it has: {known})"
            ) from None

    @cached_property
    def graph(self) -> nx.DiGraph:
        """Contexts as nodes, edges upstream -> downstream with ``pattern`` and ``via``; frozen."""
        graph = nx.DiGraph(name=self.name)
        graph.add_nodes_from(c.name for c in self.contexts)
        for rel in self.relationships:
            graph.add_edge(rel.upstream, rel.downstream, pattern=rel.pattern, via=rel.via)
        return nx.freeze(graph)


def _pair(rel: ContextRelationship) -> tuple[str, str]:
    return rel.upstream, rel.downstream


class LanguageConflict(NamedTuple):
    """A term that means different things in different contexts, with each context's meaning."""

    term: str
    meanings: tuple[tuple[str, str], ...]

    @property
    def contexts(self) -> tuple[str, ...]:
        """The contexts that define the term, sorted."""
        return tuple(context for context, _ in self.meanings)


def language_conflicts(context_map: ContextMap) -> list[LanguageConflict]:
    """Every term two contexts define differently, with its meaning in each context defining it.

    Informational: in DDD, a term meaning different things in different contexts is
    expected; it is why contexts are bounded. Meanings are compared ignoring case
    and spacing. Sorted by term; meanings by context.
    """
    meanings: dict[str, list[tuple[str, str]]] = {}
    for context in context_map.contexts:
        for term, meaning in context.language.items():
            meanings.setdefault(term, []).append((context.name, meaning))
    return [
        LanguageConflict(term, tuple(found))
        for term, found in sorted(meanings.items())
        if any(not _same_meaning(found[0][1], m) for _, m in found[1:])
    ]


# -- The check ------------------------------------------------------------------------------


def _conflict_witnesses(cmap: ContextMap, rel: ContextRelationship) -> list[Witness]:
    if rel.pattern.translates or not rel.pattern.integrates:
        return []
    up, down = cmap.context(rel.upstream).language, cmap.context(rel.downstream).language
    return [
        Witness(
            "untranslated language conflict",
            (rel.upstream, rel.downstream, term),
            f"{term!r} means {up[term]!r} in {rel.upstream} but {down[term]!r} in "
            f"{rel.downstream}, and a {rel.pattern} relationship does not translate between "
            "the two models",
        )
        for term in sorted(up.keys() & down.keys())
        if not _same_meaning(up[term], down[term])
    ]


def _interface_witnesses(cmap: ContextMap, rel: ContextRelationship) -> list[Witness]:
    up, down = cmap.context(rel.upstream), cmap.context(rel.downstream)
    witnesses = []
    for interface in sorted(rel.via):
        missing = [
            f"{where}'s {which}"
            for where, which, present in (
                (up.name, "outputs O", interface in up.outputs),
                (down.name, "inputs I", interface in down.inputs),
            )
            if not present
        ]
        if missing:
            witnesses.append(Witness(
                "interface mismatch",
                (rel.upstream, rel.downstream, interface),
                f"{rel.downstream} consumes {interface!r} from {rel.upstream}, but it is not "
                f"among {' nor among '.join(missing)}",
            ))
    return witnesses


def _kernel_witnesses(cmap: ContextMap, rel: ContextRelationship) -> list[Witness]:
    up, down = cmap.context(rel.upstream), cmap.context(rel.downstream)
    if rel.pattern is not Pattern.SHARED_KERNEL or up.model.entities & down.model.entities:
        return []
    return [Witness(
        "empty shared kernel",
        (rel.upstream, rel.downstream),
        f"{rel.upstream} and {rel.downstream} share a kernel, but their models have no "
        "entity in common",
    )]


def check_context_map(context_map: ContextMap) -> Verdict:
    """Def 2.2.2 (限界上下文): contexts meet through their interfaces, each keeping its language.

    A term meaning different things in two contexts is healthy as long as nothing
    carries one context's model into the other untranslated. Whether a relationship
    does depends on its pattern:

    - partnership, shared kernel, customer-supplier and conformist do not translate:
      partners align their models by coordination, a shared kernel *is* one model, a
      supplier hands its own model to its customer, and a conformist adopts the
      upstream's model as it is. So the downstream reads the upstream's terms with
      its own meanings;
    - an anticorruption layer translates on the downstream side, and an open host
      service translates on the upstream side into a published language; the two
      models never meet, so they may differ freely;
    - separate ways integrates nothing, so nothing can clash.

    Witnesses: (a) an *untranslated language conflict*, one per non-translating
    relationship and term that the upstream's and downstream's languages both
    define, differently (terms that only one side defines cannot clash, see
    :func:`undefined_terms`); (b) an *interface mismatch*, one per relationship and
    interface in ``via`` that is missing from the upstream's outputs O or the
    downstream's inputs I; (c) an *empty shared kernel*, a shared-kernel
    relationship whose two models have no entity in common.
    """
    witnesses = []
    for rel in context_map.relationships:
        witnesses += _conflict_witnesses(context_map, rel)
        witnesses += _interface_witnesses(context_map, rel)
        witnesses += _kernel_witnesses(context_map, rel)
    kinds = [w.what for w in witnesses]
    terms = ", ".join(c.term for c in language_conflicts(context_map)) or "none"
    return Verdict(
        get("definition", "2.2.2"),
        witnesses,
        f"{len(context_map.contexts)} contexts, {len(context_map.relationships)} relationships; "
        f"terms with context-specific meanings: {terms}; untranslated conflicts: "
        f"{kinds.count('untranslated language conflict')}, interface mismatches: "
        f"{kinds.count('interface mismatch')}, empty shared kernels: "
        f"{kinds.count('empty shared kernel')}.",
    )
