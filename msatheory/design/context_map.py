"""Context maps: how the bounded contexts of Def 2.2.2 meet, and whether they keep their languages.

Contexts meet on a :class:`ContextMap` (Evans, *Domain-Driven Design*, 2003, ch. 14;
Vernon, *Implementing Domain-Driven Design*, 2013, ch. 3): each relationship joins an
upstream to a downstream context by one of the strategic :class:`Pattern` s. Two of
them, partnership and customer-supplier, relate the *teams*; the others say how the
*models* are mapped, and a relationship may name one of each.
:func:`check_context_map` asks whether every relationship respects the two contexts'
languages and interfaces; :func:`language_conflicts` lists the terms whose meaning
depends on the context, which is expected, not a fault.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple

import networkx as nx

from msatheory.design.domain import BoundedContext
from msatheory.errors import (
    TheoryError,
    require_instance,
    require_items,
    require_name,
    require_names,
)
from msatheory.theory import get
from msatheory.theory.statement import Kind
from msatheory.theory.verdict import Verdict, Witness

__all__ = [
    "ContextMap",
    "ContextRelationship",
    "LanguageConflict",
    "Pattern",
    "check_context_map",
    "language_conflicts",
]


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _same_meaning(a: str, b: str) -> bool:
    """Two definitions agree when they are equal up to case and spacing."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


class Pattern(StrEnum):
    """How two bounded contexts relate on a context map (Evans 2003, ch. 14; Vernon 2013, ch. 3).

    Two patterns relate the teams (:attr:`organizational`) and say nothing about how
    the models meet. Partnership: the two teams succeed or fail together and plan
    their work jointly. Customer-supplier: the downstream team's needs enter the
    upstream team's planning. Each is combined with one of the model patterns:
    shared kernel, the two contexts share a part of the model; conformist, the
    downstream adopts the upstream's model as it is; anticorruption layer, the
    downstream translates the upstream's model into its own; open host service,
    the upstream offers a protocol in a published language, translated from its
    model. Separate ways: no integration at all.

    >>> Pattern.parse("Anti-Corruption Layer").translates
    True
    >>> Pattern.CUSTOMER_SUPPLIER.organizational, Pattern.CUSTOMER_SUPPLIER.translates
    (True, None)
    """

    PARTNERSHIP = "partnership"
    SHARED_KERNEL = "shared kernel"
    CUSTOMER_SUPPLIER = "customer-supplier"
    CONFORMIST = "conformist"
    ANTICORRUPTION_LAYER = "anticorruption layer"
    OPEN_HOST_SERVICE = "open host service"
    SEPARATE_WAYS = "separate ways"

    @property
    def organizational(self) -> bool:
        """True for partnership and customer-supplier, which relate the two teams."""
        return self in (Pattern.PARTNERSHIP, Pattern.CUSTOMER_SUPPLIER)

    @property
    def translates(self) -> bool | None:
        """Whether the two models are translated: True for an anticorruption layer or an
        open host service, False for a shared kernel, conformist or separate ways, and
        None for the team relationships, which do not say."""
        if self.organizational:
            return None
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


@dataclass(frozen=True, init=False)
class ContextRelationship:
    """One edge of a context map: ``downstream`` depends on ``upstream`` by ``pattern``.

    ``pattern`` may be given by name (:meth:`Pattern.parse`). ``via`` names the
    interfaces the downstream consumes from the upstream; separate ways integrates
    nothing, so it consumes none. When ``pattern`` relates the teams (partnership,
    customer-supplier), ``mapping`` may name the model pattern they integrate by
    (shared kernel, conformist, anticorruption layer or open host service); when
    ``pattern`` is itself a model pattern, ``mapping`` stays None.
    :attr:`models` is the pattern that says how the models meet, None if unsaid.

    >>> rel = ContextRelationship("catalog", "ordering", "customer-supplier", ["product-api"],
    ...                           mapping="conformist")
    >>> print(rel), rel.models
    catalog -> ordering (customer-supplier, conformist)
    (None, <Pattern.CONFORMIST: 'conformist'>)
    """

    upstream: str
    downstream: str
    pattern: Pattern
    via: frozenset[str]
    mapping: Pattern | None

    def __init__(
        self, upstream: str, downstream: str, pattern: Pattern | str, via: Iterable[str] = (),
        mapping: Pattern | str | None = None,
    ) -> None:
        require_name("context relationship", "upstream", upstream)
        require_name(f"relationship from {upstream!r}", "downstream", downstream)
        owner = f"relationship {upstream} -> {downstream}"
        if upstream == downstream:
            raise TheoryError(f"{owner}: a context cannot be upstream of itself")
        try:
            parsed = Pattern.parse(pattern)
            mapped = None if mapping is None else Pattern.parse(mapping)
        except TheoryError as error:
            raise TheoryError(f"{owner}: {error}") from None
        if mapped is not None and not parsed.organizational:
            raise TheoryError(
                f"{owner}: {parsed} already says how the models meet, so it takes no "
                f"mapping, not {mapped}"
            )
        if mapped is not None and (mapped.organizational or not mapped.integrates):
            raise TheoryError(
                f"{owner}: mapping must be shared kernel, conformist, anticorruption layer "
                f"or open host service, not {mapped}"
            )
        consumed = frozenset(require_names(owner, "via", via))
        if consumed and not parsed.integrates:
            raise TheoryError(
                f"{owner}: separate ways means no integration, yet it consumes "
                f"{', '.join(sorted(consumed))}"
            )
        object.__setattr__(self, "upstream", upstream)
        object.__setattr__(self, "downstream", downstream)
        object.__setattr__(self, "pattern", parsed)
        object.__setattr__(self, "via", consumed)
        object.__setattr__(self, "mapping", mapped)

    @property
    def models(self) -> Pattern | None:
        """The pattern that says how the two models meet: ``mapping``, else ``pattern``
        unless it only relates the teams."""
        if self.mapping is not None:
            return self.mapping
        return None if self.pattern.organizational else self.pattern

    def __str__(self) -> str:
        both = self.pattern if self.mapping is None else f"{self.pattern}, {self.mapping}"
        return f"{self.upstream} -> {self.downstream} ({both})"


@dataclass(frozen=True, init=False)
class ContextMap:
    """Bounded contexts (Def 2.2.2) and the relationships between them, sorted by name.

    Every relationship joins two contexts of the map, each ordered pair at most
    once, and two contexts that go separate ways have no other relationship.

    >>> from msatheory.design import BoundedContext, Domain
    >>> catalog = BoundedContext("catalog", Domain("catalog", ["Product"]), outputs=["api"])
    >>> ordering = BoundedContext("ordering", Domain("ordering", ["Order"]), inputs=["api"])
    >>> cmap = ContextMap([ordering, catalog],
    ...                   [ContextRelationship("catalog", "ordering", "conformist", ["api"])])
    >>> [c.name for c in cmap.contexts], list(cmap.graph.edges)
    (['catalog', 'ordering'], [('catalog', 'ordering')])
    """

    contexts: tuple[BoundedContext, ...]
    relationships: tuple[ContextRelationship, ...]
    name: str
    _by_name: dict[str, BoundedContext] = field(init=False, repr=False, compare=False)

    def __init__(
        self,
        contexts: Iterable[BoundedContext],
        relationships: Iterable[ContextRelationship] = (),
        name: str = "context map",
    ) -> None:
        require_name("context map", "name", name)
        owner = f"context map {name!r}"
        held = require_items(owner, "contexts", contexts, BoundedContext, distinct=True)
        by_name = {context.name: context for context in held}
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
    def graph(self) -> nx.DiGraph[str]:
        """Contexts as nodes, edges upstream -> downstream with ``pattern``, ``mapping`` and
        ``via``; frozen."""
        graph: nx.DiGraph[str] = nx.DiGraph(name=self.name)
        graph.add_nodes_from(c.name for c in self.contexts)
        for rel in self.relationships:
            graph.add_edge(rel.upstream, rel.downstream, pattern=rel.pattern,
                           mapping=rel.mapping, via=rel.via)
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

    >>> from msatheory.design.examples import shop_context_map
    >>> [c.term for c in language_conflicts(shop_context_map())]
    ['Customer', 'Order', 'Product']
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


def _conflict_witnesses(cmap: ContextMap, rel: ContextRelationship) -> list[Witness]:
    models = rel.models
    if models is not None and (models.translates or not models.integrates):
        return []
    if models is None:
        what, why = "unmapped language conflict", (
            f"and {rel.pattern} relates the teams without saying whether the models are "
            "translated")
    else:
        what, why = "untranslated language conflict", (
            f"and a {models} relationship does not translate between the two models")
    up, down = cmap.context(rel.upstream).language, cmap.context(rel.downstream).language
    return [
        Witness(
            what,
            (rel.upstream, rel.downstream, term),
            f"{term!r} means {up[term]!r} in {rel.upstream} but {down[term]!r} in "
            f"{rel.downstream}, {why}",
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
    if rel.models is not Pattern.SHARED_KERNEL or up.model.entities & down.model.entities:
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
    does is said by its model pattern (:attr:`ContextRelationship.models`):

    - shared kernel and conformist do not translate: a shared kernel *is* one model,
      and a conformist adopts the upstream's model as it is, so the downstream reads
      the upstream's terms with its own meanings;
    - an anticorruption layer translates on the downstream side, and an open host
      service translates on the upstream side into a published language; the two
      models never meet, so they may differ freely;
    - separate ways integrates nothing, so nothing can clash;
    - partnership and customer-supplier relate the teams (who plans with whom) and
      say nothing about translation; without a ``mapping`` the map leaves a
      conflicting term's crossing unsaid, and the check reports it as unmapped.

    Parameters
    ----------
    context_map : ContextMap
        The contexts and their relationships.

    Returns
    -------
    Verdict
        On Def 2.2.2. It holds when no relationship has a witness. Witnesses:

        - ``"untranslated language conflict"``, one per relationship whose model
          pattern does not translate and term that both languages define,
          differently; ``involves`` the upstream, the downstream and the term (terms
          only one side defines cannot clash, see
          :func:`~msatheory.design.domain.undefined_terms`);
        - ``"unmapped language conflict"``, the same for a team relationship
          (partnership, customer-supplier) that names no model pattern;
        - ``"interface mismatch"``, one per relationship and interface in ``via``
          missing from the upstream's outputs O or the downstream's inputs I;
          ``involves`` the upstream, the downstream and the interface;
        - ``"empty shared kernel"``, a relationship sharing a kernel whose two models
          have no entity in common; ``involves`` the two contexts.

        The summary also lists the terms with context-specific meanings
        (:func:`language_conflicts`).

    Raises
    ------
    TheoryError
        If ``context_map`` is not a ContextMap.

    Examples
    --------
    Shipping conforms to ordering, so ordering's *Order* (a purchase) arrives where
    shipping means a shipment request:

    >>> from msatheory.design import BoundedContext, Domain
    >>> ordering = BoundedContext("ordering", Domain("ordering", ["Order"]),
    ...                           {"Order": "a purchase"}, outputs=["order-events"])
    >>> shipping = BoundedContext("shipping", Domain("shipping", ["Order"]),
    ...                           {"Order": "a shipment request"}, inputs=["order-events"])
    >>> conform = ContextRelationship("ordering", "shipping", "conformist", ["order-events"])
    >>> verdict = check_context_map(ContextMap([ordering, shipping], [conform]))
    >>> verdict.holds, verdict.witnesses[0].involves
    (False, ('ordering', 'shipping', 'Order'))

    An anticorruption layer translates, and the verdict holds:

    >>> acl = ContextRelationship("ordering", "shipping", "anticorruption layer",
    ...                           ["order-events"])
    >>> check_context_map(ContextMap([ordering, shipping], [acl])).holds
    True

    Customer-supplier says only that shipping's needs enter ordering's planning; the
    map must also say how the models meet:

    >>> cs = ContextRelationship("ordering", "shipping", "customer-supplier", ["order-events"])
    >>> check_context_map(ContextMap([ordering, shipping], [cs])).witnesses[0].what
    'unmapped language conflict'
    >>> cs_acl = ContextRelationship("ordering", "shipping", "customer-supplier",
    ...                              ["order-events"], mapping="anticorruption layer")
    >>> check_context_map(ContextMap([ordering, shipping], [cs_acl])).holds
    True

    References
    ----------
    Def 2.2.2 (限界上下文) of the theory: ``get(Kind.DEFINITION, "2.2.2")``; E. Evans,
    *Domain-Driven Design* (2003), ch. 14 (context maps and their patterns); V. Vernon,
    *Implementing Domain-Driven Design* (2013), ch. 3 (team relationships and
    integration patterns).
    """
    context_map = require_instance("check_context_map", "context_map", context_map, ContextMap)
    witnesses = []
    for rel in context_map.relationships:
        witnesses += _conflict_witnesses(context_map, rel)
        witnesses += _interface_witnesses(context_map, rel)
        witnesses += _kernel_witnesses(context_map, rel)
    kinds = [w.what for w in witnesses]
    terms = ", ".join(c.term for c in language_conflicts(context_map)) or "none"
    return Verdict(
        get(Kind.DEFINITION, "2.2.2"),
        witnesses,
        f"{len(context_map.contexts)} contexts, {len(context_map.relationships)} relationships; "
        f"terms with context-specific meanings: {terms}; untranslated conflicts: "
        f"{kinds.count('untranslated language conflict')}, unmapped conflicts: "
        f"{kinds.count('unmapped language conflict')}, interface mismatches: "
        f"{kinds.count('interface mismatch')}, empty shared kernels: "
        f"{kinds.count('empty shared kernel')}.",
    )
