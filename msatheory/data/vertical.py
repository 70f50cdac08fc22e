"""Strategy 6.2.2 (垂直分片): split an entity by columns, and what each split costs.

The theory: "按列分割数据，不同列存储在不同节点" (split the data by columns; different
columns are stored on different nodes). Which columns belong together is a property of
the queries: a query that reads columns held on two shards must visit both and join the
fragments on the key (a write across two shards is a distributed transaction, a saga in
:mod:`msatheory.data.saga`). This module encodes:

* :class:`Entity` (its key and its other columns, with their sizes), :class:`Query` (the
  columns it reads or writes, with its frequency) and :class:`VerticalSplit` (each non-key
  column on one shard; the key column replicated on every shard, so each fragment can be
  joined back);
* what a split costs: :func:`cross_shard_weight` (the weight of the queries that touch
  more than one shard) and :func:`bytes_read` (the bytes a query mix reads, each touched
  fragment read whole: what a split saves); :func:`navathe_z`, Navathe et al.'s
  objective for a split in two;
* the **co-access graph** (:func:`co_access_graph`: Navathe's attribute affinity, the
  weight of the queries that use both columns) and :func:`best_split` into ``k`` shards,
  by exhaustive search (the ground truth, for small entities) or by Stoer–Wagner minimum
  cuts of the co-access graph.

Stoer–Wagner against the true cost. A query touching ``a`` columns on one side of a cut
and ``b`` on the other adds ``w·a·b`` to the cut weight but ``w`` (once) to the
cross-shard weight. So, for every split in two, cut ≥ cross-shard weight ≥ cut / m, with
``m`` the largest ``⌊c²/4⌋`` over the queries' column counts ``c`` (key excluded); the
cut weight equals the cross-shard weight exactly when no query touches more than two
non-key columns (then ``a·b`` is 1 whenever the query crosses). Hence Stoer–Wagner's split
is optimal in that case, and in general costs at most ``m`` times the optimum
(:func:`cut_bound`). Neither objective alone wants balance: the cheapest split in two may
set apart one rarely co-read column, which is why :func:`bytes_read` and
:func:`navathe_z` are beside it.

The module stops at one entity and a static query mix; it does not place the shards on
nodes (Def 6.2.1, :mod:`msatheory.data.sharding`), replicate them (Def 6.3.1) or
re-split as the mix changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

import networkx as nx

from msatheory.errors import (
    TheoryError,
    require_choice,
    require_count,
    require_distinct,
    require_instance,
    require_items,
    require_name,
    require_names,
    require_time,
)

__all__ = [
    "KINDS",
    "METHODS",
    "OBJECTIVES",
    "Entity",
    "Query",
    "VerticalSplit",
    "access_cost",
    "best_split",
    "bytes_read",
    "co_access_graph",
    "cross_shard_weight",
    "cut_bound",
    "cut_weight",
    "navathe_z",
    "shop_product",
    "shop_product_queries",
    "splits",
]

#: What a query does to the columns it names.
KINDS = ("read", "write")
#: How :func:`best_split` searches.
METHODS = ("exhaustive", "stoer-wagner")
#: What :func:`best_split` optimises.
OBJECTIVES = ("cross-shard", "cost", "navathe")

Weight = int | float | Fraction


@dataclass(frozen=True)
class Entity:
    """An entity's table: its ``key`` column (``key_bytes`` wide) and its other
    ``columns``, each with its average size in bytes, in the order given.

    >>> Entity("product", "id", {"name": 60, "price": 8}).attributes
    ('name', 'price')
    """

    name: str
    key: str
    columns: Mapping[str, int]
    key_bytes: int = 8

    def __init__(self, name: str, key: str, columns: Mapping[str, int], key_bytes: int = 8):
        owner = f"Entity {name!r}"
        require_name("Entity", "name", name)
        require_name(owner, "key", key)
        require_instance(owner, "columns", columns, Mapping)  # type: ignore[type-abstract]
        names = require_names(owner, "columns", list(columns))
        if key in names:
            raise TheoryError(f"{owner}: columns lists the key {key!r}; it is on every shard")
        if not names:
            raise TheoryError(f"{owner}: columns must hold at least one column, not {{}}")
        sizes = {c: require_count(owner, f"size of {c}", columns[c], least=1) for c in names}
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "columns", MappingProxyType(sizes))
        object.__setattr__(self, "key_bytes", require_count(owner, "key_bytes", key_bytes,
                                                            least=1))

    @property
    def attributes(self) -> tuple[str, ...]:
        """The non-key columns, in order."""
        return tuple(self.columns)

    @property
    def row_bytes(self) -> int:
        """The bytes of a whole row, key included."""
        return self.key_bytes + sum(self.columns.values())

    def __repr__(self) -> str:
        return f"Entity({self.name!r}, {self.key!r}, {dict(self.columns)!r})"

    def __hash__(self) -> int:
        return hash((self.name, self.key, tuple(self.columns.items()), self.key_bytes))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entity) and (self.name, self.key, dict(self.columns),
                                              self.key_bytes) == (
            other.name, other.key, dict(other.columns), other.key_bytes)


@dataclass(frozen=True)
class Query:
    """A query ``name`` that ``kind`` (``"read"`` or ``"write"``) the ``columns`` it names,
    ``weight`` times per unit of time (an int or Fraction kept exact).

    >>> Query("listing", ["name", "price"], 500)
    Query(name='listing', columns=('name', 'price'), weight=500, kind='read')
    """

    name: str
    columns: tuple[str, ...]
    weight: Weight
    kind: str = "read"

    def __init__(self, name: str, columns: Iterable[str], weight: Weight, kind: str = "read"):
        require_name("Query", "name", name)
        owner = f"Query {name!r}"
        object.__setattr__(self, "name", name)
        names = require_names(owner, "columns", columns)
        if not names:
            raise TheoryError(f"{owner}: columns must name at least one column, not []")
        object.__setattr__(self, "columns", names)
        object.__setattr__(self, "weight", require_time(owner, "weight", weight,
                                                        positive=True, unit="queries"))
        object.__setattr__(self, "kind", require_choice(owner, "kind", kind, KINDS))


@dataclass(frozen=True)
class VerticalSplit:
    """Strategy 6.2.2 (垂直分片): each non-key column of ``entity`` on one shard, the key on
    all. ``fragments`` are kept canonical: columns in the entity's order, fragments by
    their first column, so equal splits compare equal.

    >>> e = Entity("product", "id", {"name": 60, "price": 8, "description": 2000})
    >>> VerticalSplit(e, [["description"], ["price", "name"]]).fragments
    (('name', 'price'), ('description',))
    """

    entity: Entity
    fragments: tuple[tuple[str, ...], ...]

    def __init__(self, entity: Entity, fragments: Iterable[Iterable[str]]):
        owner = "VerticalSplit"
        require_instance(owner, "entity", entity, Entity)
        if isinstance(fragments, str) or not isinstance(fragments, Iterable):
            raise TheoryError(f"{owner}: fragments must be a list of lists of columns, "
                              f"not {fragments!r}")
        groups = [require_names(owner, "a fragment", f) for f in fragments]
        order = {c: i for i, c in enumerate(entity.attributes)}
        placed = [c for g in groups for c in g]
        require_distinct(owner, "fragments", placed)
        for column in placed:
            if column not in order:
                raise TheoryError(f"{owner}: {column!r} is not a non-key column of "
                                  f"{entity.name!r}; its columns are "
                                  f"{', '.join(entity.attributes)}")
        missing = [c for c in entity.attributes if c not in placed]
        if missing:
            raise TheoryError(f"{owner}: fragments must place every column; "
                              f"{', '.join(missing)} has no shard")
        if any(not g for g in groups):
            raise TheoryError(f"{owner}: a fragment must hold at least one column")
        canon = sorted((tuple(sorted(g, key=order.__getitem__)) for g in groups),
                       key=lambda g: order[g[0]])
        object.__setattr__(self, "entity", entity)
        object.__setattr__(self, "fragments", tuple(canon))

    @property
    def k(self) -> int:
        """The number of shards."""
        return len(self.fragments)

    def shard_of(self, column: str) -> int:
        """The shard (from 0) holding ``column``; the key is on shard 0 and all others."""
        for index, fragment in enumerate(self.fragments):
            if column in fragment:
                return index
        if column == self.entity.key:
            return 0
        raise TheoryError(f"VerticalSplit: {self.entity.name!r} has no column {column!r}")

    def shards(self, query: Query) -> tuple[int, ...]:
        """The shards ``query`` must visit: those holding its non-key columns (one, any,
        if it names only the key)."""
        touched = {self.shard_of(c) for c in query.columns if c != self.entity.key}
        return tuple(sorted(touched)) or (0,)

    def fragment_bytes(self, index: int) -> int:
        """The bytes of one row of fragment ``index``, the key included."""
        return self.entity.key_bytes + sum(self.entity.columns[c]
                                           for c in self.fragments[index])

    def __str__(self) -> str:
        return " | ".join("{" + ", ".join(f) + "}" for f in self.fragments)


def _queries(owner: str, entity: Entity, queries: object) -> tuple[Query, ...]:
    items = require_items(owner, "queries", queries, Query)
    known = {entity.key, *entity.attributes}
    for q in items:
        unknown = [c for c in q.columns if c not in known]
        if unknown:
            raise TheoryError(f"{owner}: query {q.name!r} names {', '.join(unknown)}, not a "
                              f"column of {entity.name!r}")
    return items


def cross_shard_weight(split: VerticalSplit, queries: Iterable[Query]) -> Weight:
    """Strategy 6.2.2 (垂直分片): the weight of the queries a split makes visit more than one
    shard.

    Parameters
    ----------
    split : VerticalSplit
    queries : iterable of Query
        Each naming columns of the split's entity.

    Returns
    -------
    int, float or Fraction
        The sum of the weights of the queries touching two shards or more (exact for int
        and Fraction weights).

    Raises
    ------
    TheoryError
        If a query names a column the entity lacks.

    Examples
    --------
    >>> e = Entity("product", "id", {"name": 60, "price": 8, "description": 2000})
    >>> qs = [Query("listing", ["name", "price"], 500), Query("page", ["name", "description"], 40)]
    >>> cross_shard_weight(VerticalSplit(e, [["name", "price"], ["description"]]), qs)
    40

    References
    ----------
    S. Navathe, S. Ceri, G. Wiederhold, J. Dou, "Vertical Partitioning Algorithms for
    Database Design", ACM TODS 9(4), 1984.
    """
    require_instance("cross_shard_weight", "split", split, VerticalSplit)
    items = _queries("cross_shard_weight", split.entity, queries)
    return sum((q.weight for q in items if len(split.shards(q)) > 1), start=0)


def bytes_read(split: VerticalSplit, queries: Iterable[Query]) -> Weight:
    """Strategy 6.2.2 (垂直分片): the bytes a query mix reads per unit of time, each query
    reading one row of every fragment it touches, whole (a row store's unit of I/O).

    With one fragment (no split), every query reads the whole row; a split that keeps
    small hot columns apart from large cold ones saves the difference.

    >>> e = Entity("product", "id", {"name": 60, "price": 8, "description": 2000})
    >>> qs = [Query("listing", ["name", "price"], 500)]
    >>> bytes_read(VerticalSplit(e, [e.attributes]), qs), bytes_read(
    ...     VerticalSplit(e, [["name", "price"], ["description"]]), qs)
    (1038000, 38000)
    """
    require_instance("bytes_read", "split", split, VerticalSplit)
    items = _queries("bytes_read", split.entity, queries)
    return sum((q.weight * sum(split.fragment_bytes(i) for i in split.shards(q))
                for q in items), start=0)


def access_cost(split: VerticalSplit, queries: Iterable[Query], join_bytes: Weight) -> Weight:
    """Strategy 6.2.2 (垂直分片): both sides of a split in one number: the bytes read
    (:func:`bytes_read`) plus ``join_bytes`` for every extra shard a query visits (a round
    trip and a join on the key, priced in bytes).

    >>> e = Entity("product", "id", {"name": 60, "price": 8, "description": 2000})
    >>> qs = [Query("listing", ["name", "price"], 500), Query("page", ["name", "description"], 40)]
    >>> access_cost(VerticalSplit(e, [["name", "price"], ["description"]]), qs, 1000)
    161360
    """
    require_instance("access_cost", "split", split, VerticalSplit)
    items = _queries("access_cost", split.entity, queries)
    join = require_time("access_cost", "join_bytes", join_bytes, unit="bytes")
    extra = sum((q.weight * (len(split.shards(q)) - 1) for q in items), start=0)
    return bytes_read(split, items) + join * extra


def navathe_z(split: VerticalSplit, queries: Iterable[Query]) -> Weight:
    """Strategy 6.2.2 (垂直分片): Navathe et al.'s objective for a split in two,
    ``z = CTQ·CBQ − COQ²``: the weight of the queries that use only the first fragment,
    times that of those using only the second, less the square of the weight of those
    using both. Larger is better; unlike the cross-shard weight it rewards balance.

    >>> e = Entity("product", "id", {"name": 60, "price": 8, "description": 2000})
    >>> qs = [Query("listing", ["name", "price"], 500), Query("page", ["description"], 40)]
    >>> navathe_z(VerticalSplit(e, [["name", "price"], ["description"]]), qs)
    20000

    References
    ----------
    S. Navathe et al., ACM TODS 9(4), 1984, section 4 (the binary partitioning objective).
    """
    require_instance("navathe_z", "split", split, VerticalSplit)
    if split.k != 2:
        raise TheoryError(f"navathe_z: the objective is for a split in two, not {split.k}")
    items = _queries("navathe_z", split.entity, queries)
    sides = [split.shards(q) for q in items]
    only = [sum((q.weight for q, s in zip(items, sides, strict=True) if s == (i,)), start=0)
            for i in (0, 1)]
    both = sum((q.weight for q, s in zip(items, sides, strict=True) if len(s) == 2), start=0)
    return only[0] * only[1] - both * both


def co_access_graph(entity: Entity, queries: Iterable[Query]) -> nx.Graph:
    """Strategy 6.2.2 (垂直分片): the co-access graph, Navathe's attribute affinity.

    Parameters
    ----------
    entity : Entity
    queries : iterable of Query

    Returns
    -------
    networkx.Graph
        A node per non-key column (``bytes``: its size; ``weight``: the weight of the
        queries using it) and an edge between two columns some query uses together,
        ``weight`` the sum of those queries' weights. The key is left out: it is on every
        shard.

    Raises
    ------
    TheoryError
        If a query names a column the entity lacks.

    Examples
    --------
    >>> e = Entity("product", "id", {"name": 60, "price": 8, "description": 2000})
    >>> qs = [Query("listing", ["id", "name", "price"], 500),
    ...       Query("page", ["name", "description"], 40)]
    >>> sorted(co_access_graph(e, qs).edges(data="weight"))
    [('name', 'description', 40), ('name', 'price', 500)]

    References
    ----------
    S. Navathe et al., ACM TODS 9(4), 1984 (the attribute affinity matrix).
    """
    require_instance("co_access_graph", "entity", entity, Entity)
    items = _queries("co_access_graph", entity, queries)
    g: nx.Graph = nx.Graph(name=entity.name)
    for column, size in entity.columns.items():
        g.add_node(column, bytes=size, weight=0)
    for q in items:
        used = [c for c in entity.attributes if c in q.columns]
        for i, a in enumerate(used):
            g.nodes[a]["weight"] += q.weight
            for b in used[i + 1:]:
                if g.has_edge(a, b):
                    g.edges[a, b]["weight"] += q.weight
                else:
                    g.add_edge(a, b, weight=q.weight)
    return g


def cut_weight(split: VerticalSplit, queries: Iterable[Query]) -> Weight:
    """The weight of the co-access graph's edges between different shards: each query
    adds its weight once per pair of its columns on different shards.

    >>> e = Entity("product", "id", {"a": 1, "b": 1, "c": 1})
    >>> cut_weight(VerticalSplit(e, [["a"], ["b", "c"]]), [Query("q", ["a", "b", "c"], 5)])
    10
    """
    require_instance("cut_weight", "split", split, VerticalSplit)
    g = co_access_graph(split.entity, queries)
    crossing: list[Weight] = [g.edges[a, b]["weight"] for a, b in g.edges
                              if split.shard_of(a) != split.shard_of(b)]
    return sum(crossing, start=0)


def cut_bound(entity: Entity, queries: Iterable[Query]) -> int:
    """The factor ``m`` with cut ≥ cross-shard weight ≥ cut / m for every split in two:
    the largest ``⌊c²/4⌋`` over the queries' non-key column counts ``c`` (at least 1).
    ``m`` is 1, and Stoer–Wagner exact, when no query uses more than two non-key columns.

    >>> e = Entity("product", "id", {"a": 1, "b": 1, "c": 1})
    >>> cut_bound(e, [Query("q", ["a", "b"], 1)]), cut_bound(e, [Query("q", ["a", "b", "c"], 1)])
    (1, 2)
    """
    require_instance("cut_bound", "entity", entity, Entity)
    items = _queries("cut_bound", entity, queries)
    counts = [sum(c in q.columns for c in entity.attributes) for q in items]
    return max([1, *(c * c // 4 for c in counts)])


def splits(entity: Entity, k: int) -> Iterator[VerticalSplit]:
    """Every split of ``entity``'s non-key columns into exactly ``k`` shards (a Stirling
    number of the second kind of them), in a fixed order.

    >>> e = Entity("product", "id", {"a": 1, "b": 1, "c": 1})
    >>> [str(s) for s in splits(e, 2)]
    ['{a, b} | {c}', '{a, c} | {b}', '{a} | {b, c}']
    """
    require_instance("splits", "entity", entity, Entity)
    columns = entity.attributes
    k = require_count("splits", "k", k, least=1)
    if k > len(columns):
        raise TheoryError(f"splits: k must be at most the {len(columns)} non-key columns of "
                          f"{entity.name!r}, not {k}")

    def grow(i: int, blocks: list[list[str]]) -> Iterator[list[list[str]]]:
        if len(blocks) + len(columns) - i < k:
            return
        if i == len(columns):
            yield blocks
            return
        for block in blocks:
            block.append(columns[i])
            yield from grow(i + 1, blocks)
            block.pop()
        if len(blocks) < k:
            blocks.append([columns[i]])
            yield from grow(i + 1, blocks)
            blocks.pop()

    for blocks in grow(0, []):
        yield VerticalSplit(entity, blocks)


def best_split(entity: Entity, queries: Iterable[Query], k: int = 2, *,
               method: str = "exhaustive", objective: str = "cross-shard",
               join_bytes: Weight = 0) -> VerticalSplit:
    """Strategy 6.2.2 (垂直分片): the split of ``entity`` into ``k`` shards that a query mix
    suits best.

    Parameters
    ----------
    entity : Entity
    queries : iterable of Query
    k : int
        The number of shards, from 1 to the number of non-key columns.
    method : str
        ``"exhaustive"`` tries every split (exact; the number of splits is a Stirling
        number of the second kind, 511 for ten columns in two). ``"stoer-wagner"`` takes
        the minimum cut of the co-access graph (``k = 2``: exact when no query uses more
        than two non-key columns, within :func:`cut_bound` of the optimum otherwise), and
        for ``k > 2`` cuts again, each time the fragment whose minimum cut adds the least
        cross-shard weight (a heuristic).
    objective : str
        ``"cross-shard"`` minimises :func:`cross_shard_weight` (ties: fewer
        :func:`bytes_read`, then the first split found); ``"cost"`` minimises
        :func:`access_cost` with ``join_bytes`` (exhaustive only); ``"navathe"`` maximises
        :func:`navathe_z` (``k = 2``, exhaustive only).
    join_bytes : int, float or Fraction
        The price of one extra shard visit, for the ``"cost"`` objective.

    Returns
    -------
    VerticalSplit

    Raises
    ------
    TheoryError
        On a bad argument, ``k`` out of range, or a method the objective does not allow.

    Examples
    --------
    >>> e = Entity("product", "id", {"name": 60, "price": 8, "description": 2000})
    >>> qs = [Query("listing", ["name", "price"], 500), Query("page", ["name", "description"], 40)]
    >>> str(best_split(e, qs)), str(best_split(e, qs, method="stoer-wagner"))
    ('{name, price} | {description}', '{name, price} | {description}')

    References
    ----------
    S. Navathe, S. Ceri, G. Wiederhold, J. Dou, "Vertical Partitioning Algorithms for
    Database Design", ACM TODS 9(4), 1984; M. Stoer and F. Wagner, "A Simple Min-Cut
    Algorithm", JACM 44(4), 1997.
    """
    owner = "best_split"
    require_instance(owner, "entity", entity, Entity)
    items = _queries(owner, entity, queries)
    k = require_count(owner, "k", k, least=1)
    if k > len(entity.attributes):
        raise TheoryError(f"{owner}: k must be at most the {len(entity.attributes)} non-key "
                          f"columns of {entity.name!r}, not {k}")
    require_choice(owner, "method", method, METHODS)
    require_choice(owner, "objective", objective, OBJECTIVES)
    join = require_time(owner, "join_bytes", join_bytes, unit="bytes")
    if objective == "cost":
        if method != "exhaustive":
            raise TheoryError(f"{owner}: the cost objective is searched exhaustively, "
                              f"not by {method}")
        return min(splits(entity, k), key=lambda s: access_cost(s, items, join))
    if objective == "navathe":
        if k != 2 or method != "exhaustive":
            raise TheoryError(f"{owner}: the navathe objective splits in two, exhaustively; "
                              f"not k={k} by {method}")
        return max(splits(entity, 2), key=lambda s: navathe_z(s, items))
    if method == "exhaustive":
        return min(splits(entity, k), key=lambda s: (cross_shard_weight(s, items),
                                                      bytes_read(s, items)))
    split = VerticalSplit(entity, [entity.attributes])
    graph = co_access_graph(entity, items)
    while split.k < k:
        options = []
        for index, fragment in enumerate(split.fragments):
            if len(fragment) > 1:
                part = _min_cut(graph.subgraph(fragment))
                rest = [f for i, f in enumerate(split.fragments) if i != index]
                candidate = VerticalSplit(entity, [*rest, *part])
                options.append(((cross_shard_weight(candidate, items), index), candidate))
        split = min(options, key=lambda o: o[0])[1]
    return split


def _min_cut(graph: nx.Graph) -> list[list[str]]:
    """A minimum cut of ``graph`` (two non-empty sides): Stoer–Wagner on a connected
    graph; a component against the rest, at weight 0, on a disconnected one."""
    if not nx.is_connected(graph):
        first = min(nx.connected_components(graph), key=lambda c: min(map(str, c)))
        order = list(graph.nodes)
        side = [n for n in order if n in first]
        return [side, [n for n in order if n not in first]]
    _, (a, b) = nx.stoer_wagner(graph)
    return [list(a), list(b)]


def shop_product() -> Entity:
    """The shop's product entity: small hot columns (name, price, stock, rating) and large
    cold ones (description, images, specifications), sizes in bytes.

    >>> shop_product().row_bytes
    4200
    """
    return Entity("product", "id", {
        "name": 60, "price": 8, "stock": 4, "rating": 4, "category": 16,
        "description": 2000, "images": 600, "specs": 1500,
    })


def shop_product_queries() -> tuple[Query, ...]:
    """The shop's query mix on products, per minute: the listing page, the cart, stock
    updates, the product page, its specifications tab, the search indexer, catalogue edits.

    >>> sum(q.weight for q in shop_product_queries())
    54666
    """
    return (
        Query("listing", ["id", "name", "price", "rating"], 30000),
        Query("cart", ["id", "price", "stock"], 18000),
        Query("stock update", ["id", "stock"], 3000, "write"),
        Query("product page", ["id", "name", "price", "rating", "description", "images"], 2400),
        Query("specs tab", ["id", "specs"], 1200),
        Query("search index", ["id", "name", "category", "description"], 60),
        Query("catalogue edit", ["id", "description", "images", "specs"], 6, "write"),
    )
