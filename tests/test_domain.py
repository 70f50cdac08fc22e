"""Def 2.2.1 and Def 2.2.2: domains and bounded contexts (msatheory.design.domain)."""

from __future__ import annotations

import networkx as nx
import pytest

from msatheory import TheoryError
from msatheory.design.domain import BoundedContext, Domain, Relation, Rule, undefined_terms


def domain(name: str = "d", entities=("A", "B"), relations=(), rules=()) -> Domain:
    return Domain(name, entities, relations, rules)

# -- validation -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Relation("", "has", "B"), r"relation: source must be a non-empty string"),
        (lambda: Relation("A", " ", "B"), r"relation from 'A': kind must be a non-empty"),
        (lambda: Relation("A", "has", None), r"relation 'A' -has->: target must be a non-empty"),
        (lambda: Rule("", "text", ["A"]), r"rule: name must be a non-empty string"),
        (lambda: Rule("r", "", ["A"]), r"rule 'r': text must be a non-empty string"),
        (lambda: Rule("r", "t", "A"), r"rule 'r': entities must be a list of names"),
        (lambda: Rule("r", "t", ["A", "A"]), r"rule 'r': entities lists 'A' twice"),
        (lambda: Rule("r", "t", []), r"rule 'r': a business rule must be about at least one"),
        (lambda: Rule("r", "t", [""]), r"rule 'r': entities holds .., which is not a name"),
        (lambda: Domain("", ["A"]), r"domain: name must be a non-empty string"),
        (lambda: Domain("d", "AB"), r"domain 'd': entities must be a list of names"),
        (lambda: Domain("d", ["A", "A"]), r"domain 'd': entities lists 'A' twice"),
        (lambda: Domain("d", []), r"domain 'd': a domain needs at least one entity"),
        (lambda: Domain("d", ["A"], [("A", "has", "A")]),
         r"domain 'd': relations holds \('A', 'has', 'A'\), not a Relation"),
        (lambda: Domain("d", ["A"], 3), r"domain 'd': relations must be a list of Relations"),
        (lambda: domain(relations=[Relation("A", "has", "B")] * 2),
         r"domain 'd': relations lists 'A -has-> B' twice"),
        (lambda: domain(relations=[Relation("A", "has", "C")]),
         r"domain 'd': relation A -has-> C names 'C', which is not an entity of the domain"),
        (lambda: domain(relations=[Relation("Z", "has", "A")]),
         r"domain 'd': relation Z -has-> A names 'Z', which is not an entity"),
        (lambda: domain(rules=["a rule"]), r"domain 'd': rules holds 'a rule', not a Rule"),
        (lambda: domain(rules=[Rule("r", "t", ["A"]), Rule("r", "u", ["B"])]),
         r"domain 'd': rules lists 'r' twice"),
        (lambda: domain(rules=[Rule("r", "t", ["A", "Q"])]),
         r"domain 'd': rule 'r' names 'Q', which is not an entity of the domain"),
        (lambda: domain(relations=[Relation("A", "contains", "B"), Relation("B", "contains", "A")]),
         r"domain 'd': 'A' is contained by both|composition runs in a cycle through"),
        (lambda: domain(entities=("A", "B", "C"),
                        relations=[Relation("A", "contains", "C"), Relation("B", "contains", "C")]),
         r"domain 'd': 'C' is contained by both 'A' and 'B'; a part belongs to one whole"),
        (lambda: domain(relations=[Relation("A", "contains", "A")]),
         r"domain 'd': composition runs in a cycle through 'A'; an aggregate needs a root"),
        (lambda: BoundedContext("", domain(), {}), r"bounded context: name must be a non-empty"),
        (lambda: BoundedContext("c", "d", {}), r"context 'c': model must be a Domain, not 'd'"),
        (lambda: BoundedContext("c", domain(), ["A"]),
         r"context 'c': language must map each term to its meaning, not \['A'\]"),
        (lambda: BoundedContext("c", domain(), {"": "x"}),
         r"context 'c': every term of the language must be a non-empty string"),
        (lambda: BoundedContext("c", domain(), {"A": ""}),
         r"context 'c': the meaning of 'A' must be a non-empty string"),
        (lambda: BoundedContext("c", domain(), {"A": 1}),
         r"context 'c': the meaning of 'A' must be a non-empty string, not 1"),
        (lambda: BoundedContext("c", domain(), {}, inputs="api"),
         r"context 'c': inputs must be a list of names"),
        (lambda: BoundedContext("c", domain(), {}, outputs=["api", "api"]),
         r"context 'c': outputs lists 'api' twice"),
    ],
)
def test_bad_input_raises_a_theory_error_naming_the_culprit(build, message):
    with pytest.raises(TheoryError, match=message):
        build()

# -- Def 2.2.1 ------------------------------------------------------------------------------

def test_a_domain_is_normalised_so_equal_contents_are_equal():
    a = Domain("d", ["B", "A"], [Relation("B", "x", "A"), Relation("A", "x", "B")],
               [Rule("r", "t", ["B", "A"])])
    b = Domain("d", {"A", "B"}, (Relation("A", "x", "B"), Relation("B", "x", "A")),
               (Rule("r", "t", ("A", "B")),))
    assert a == b and hash(a) == hash(b)
    assert a.entities == frozenset({"A", "B"})
    assert a.rules[0].entities == ("A", "B")
    assert [str(r) for r in a.relations] == ["A -x-> B", "B -x-> A"]

def test_domain_graph_keeps_every_relation_and_is_frozen():
    d = Domain(
        "ordering",
        ["Order", "OrderLine", "Product", "Note"],
        [
            Relation("Order", "has", "OrderLine"),
            Relation("Order", "references", "OrderLine"),
            Relation("OrderLine", "references", "Product"),
            Relation("Note", "is-a", "Note"),
        ],
    )
    g = d.graph
    assert isinstance(g, nx.MultiDiGraph) and nx.is_frozen(g)
    assert set(g.nodes) == {"Order", "OrderLine", "Product", "Note"}
    assert sorted(g.edges(keys=True)) == [
        ("Note", "Note", "is-a"),
        ("Order", "OrderLine", "has"),
        ("Order", "OrderLine", "references"),
        ("OrderLine", "Product", "references"),
    ]
    assert g.edges["Order", "OrderLine", "has"]["kind"] == "has"
    with pytest.raises(nx.NetworkXError):
        g.add_edge("Product", "Order")

def test_aggregates_are_joined_by_composition_only_and_have_one_root():
    """Evans (2003, ch. 6): an aggregate is a consistency boundary with one root; an
    association ("has", "references") is a reference between aggregates."""
    d = Domain(
        "ordering",
        ["Order", "OrderLine", "Product", "Customer", "Address", "Cart", "CartItem", "Lonely"],
        [
            Relation("Order", "contains", "OrderLine"),
            Relation("OrderLine", "references", "Product"),
            Relation("Customer", "contains", "Address"),
            Relation("Customer", "has", "Cart"),
            Relation("Cart", "contains", "CartItem"),
            Relation("CartItem", "contains", "Lonely"),
            Relation("Order", "references", "Customer"),
        ],
    )
    assert d.aggregates() == [
        ("Cart", "CartItem", "Lonely"), ("Customer", "Address"), ("Order", "OrderLine"),
        ("Product",),
    ]
    assert Domain("d", ["B", "A"], [Relation("A", "has", "B")]).aggregates() == [("A",), ("B",)]

def test_the_shop_s_aggregates_are_consistency_boundaries():
    from msatheory.design.examples import shop_context_map

    contexts = shop_context_map()
    assert contexts.context("ordering").model.aggregates() == [
        ("Cart", "CartItem"), ("Customer", "Address"), ("Order", "OrderLine"), ("Product",)
    ]
    assert contexts.context("payment").model.aggregates() == [
        ("Customer", "PaymentMethod"), ("Payment", "Refund")
    ]
    assert contexts.context("customer").model.aggregates() == [("Customer", "Address")]
    assert contexts.context("shipping").model.aggregates() == [
        ("Address",), ("Order",), ("Shipment", "Parcel")
    ]

# -- Def 2.2.2 ------------------------------------------------------------------------------

def test_a_bounded_context_holds_its_quadruple():
    c = BoundedContext("c", domain(), {"B": "bee", "A": "ay"}, ["in"], {"out", "feed"})
    assert list(c.language) == ["A", "B"]
    assert c.inputs == frozenset({"in"}) and c.outputs == frozenset({"out", "feed"})
    with pytest.raises(TypeError):
        c.language["C"] = "sea"  # type: ignore[index]
    assert c == BoundedContext("c", domain(), {"A": "ay", "B": "bee"}, {"in"}, ["feed", "out"])
    assert hash(c) == hash(BoundedContext("c", domain(), {"A": "ay", "B": "bee"}, {"in"},
                                          ["feed", "out"]))

def test_undefined_terms_are_the_entities_the_language_leaves_out():
    c = BoundedContext("c", domain(entities=["A", "B", "C"]), {"B": "bee", "Z": "zed"})
    assert undefined_terms(c) == ["A", "C"]
    assert undefined_terms(BoundedContext("c", domain(), {"A": "a", "B": "b"})) == []
