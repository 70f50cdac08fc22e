"""Context maps (msatheory.design.context_map): patterns, relationships, the check of
Def 2.2.2 and the shop's map."""

from __future__ import annotations

from itertools import combinations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory import TheoryError
from msatheory.design.context_map import (
    ContextMap,
    ContextRelationship,
    LanguageConflict,
    Pattern,
    check_context_map,
    language_conflicts,
)
from msatheory.design.domain import BoundedContext, Domain, undefined_terms
from msatheory.design.examples import shop_context_map, shop_context_map_fixed


def domain(name: str = "d", entities=("A", "B"), relations=(), rules=()) -> Domain:
    return Domain(name, entities, relations, rules)

# -- validation -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ContextRelationship("", "b", Pattern.CONFORMIST),
         r"context relationship: upstream must be a non-empty string"),
        (lambda: ContextRelationship("a", "", Pattern.CONFORMIST),
         r"relationship from 'a': downstream must be a non-empty string"),
        (lambda: ContextRelationship("a", "a", Pattern.CONFORMIST),
         r"relationship a -> a: a context cannot be upstream of itself"),
        (lambda: ContextRelationship("a", "b", "friendship"),
         r"relationship a -> b: 'friendship' is not a context-map pattern \(patterns: "
         r"partnership, shared kernel, .*separate ways\)"),
        (lambda: ContextRelationship("a", "b", None),
         r"relationship a -> b: None is not a context-map pattern"),
        (lambda: ContextRelationship("a", "b", Pattern.CONFORMIST, "api"),
         r"relationship a -> b: via must be a list of names"),
        (lambda: ContextRelationship("a", "b", Pattern.SEPARATE_WAYS, {"api", "feed"}),
         r"relationship a -> b: separate ways means no integration, yet it consumes api, feed"),
        (lambda: ContextRelationship("a", "b", "conformist", mapping="anticorruption layer"),
         r"relationship a -> b: conformist already says how the models meet, so it takes no "
         r"mapping, not anticorruption layer"),
        (lambda: ContextRelationship("a", "b", "partnership", mapping="customer-supplier"),
         r"relationship a -> b: mapping must be shared kernel, conformist, anticorruption "
         r"layer or open host service, not customer-supplier"),
        (lambda: ContextRelationship("a", "b", "partnership", mapping="separate ways"),
         r"relationship a -> b: mapping must be .*, not separate ways"),
        (lambda: ContextRelationship("a", "b", "partnership", mapping="friends"),
         r"relationship a -> b: 'friends' is not a context-map pattern"),
        (lambda: ContextMap([context("a")], name=""), r"context map: name must be a non-empty"),
        (lambda: ContextMap([domain()]), r"context map 'context map': contexts holds Domain"),
        (lambda: ContextMap([context("a"), context("a")], name="m"),
         r"context map 'm': contexts lists 'a' twice"),
        (lambda: ContextMap([context("a")], [ContextRelationship("a", "x", "conformist")], "m"),
         r"context map 'm': relationship a -> x \(conformist\) names 'x', which is not a context"),
        (lambda: ContextMap([context("a"), context("b")],
                            [ContextRelationship("a", "b", "conformist"),
                             ContextRelationship("a", "b", "partnership")], "m"),
         r"context map 'm': a -> b has two relationships"),
        (lambda: ContextMap([context("a"), context("b")],
                            [ContextRelationship("a", "b", "separate ways"),
                             ContextRelationship("b", "a", "partnership")], "m"),
         r"context map 'm': (a and b|b and a) go separate ways, so they cannot also be related"),
        (lambda: ContextMap([context("a")], name="m").context("z"),
         r"context map 'm' has no context 'z' \(it has: a\)"),
    ],
)
def test_bad_input_raises_a_theory_error_naming_the_culprit(build, message):
    with pytest.raises(TheoryError, match=message):
        build()

GENERATED = settings(max_examples=150)

NON_TRANSLATING = (Pattern.SHARED_KERNEL, Pattern.CONFORMIST)

TEAMS = (Pattern.PARTNERSHIP, Pattern.CUSTOMER_SUPPLIER)

MODEL_MAPPINGS = (
    Pattern.SHARED_KERNEL, Pattern.CONFORMIST, Pattern.ANTICORRUPTION_LAYER,
    Pattern.OPEN_HOST_SERVICE,
)

def context(name: str, language=None, entities=("A",), inputs=(), outputs=()) -> BoundedContext:
    return BoundedContext(name, domain(name, entities), language or {}, inputs, outputs)

def found(verdict, what: str) -> set[tuple[str, ...]]:
    return {w.involves for w in verdict.witnesses if w.what == what}

@pytest.mark.parametrize(
    "spelling",
    ["anticorruption layer", "Anti-Corruption Layer", "ANTICORRUPTION_LAYER",
     Pattern.ANTICORRUPTION_LAYER],
)
def test_patterns_are_read_from_any_spelling(spelling):
    rel = ContextRelationship("a", "b", spelling, ["api"])
    assert rel.pattern is Pattern.ANTICORRUPTION_LAYER
    assert rel.via == frozenset({"api"})
    assert str(rel) == "a -> b (anticorruption layer)"

def test_which_patterns_translate_and_integrate():
    assert {p for p in Pattern if p.translates} == {
        Pattern.ANTICORRUPTION_LAYER, Pattern.OPEN_HOST_SERVICE
    }
    assert {p for p in Pattern if not p.integrates} == {Pattern.SEPARATE_WAYS}
    assert {p for p in Pattern if p.translates is None} == set(TEAMS)
    assert {p for p in Pattern if p.organizational} == set(TEAMS)
    assert len(Pattern) == 7

def test_team_relationships_say_nothing_about_translation_until_a_mapping_does():
    """Evans (2003, ch. 14), Vernon (2013, ch. 3): partnership and customer-supplier
    relate teams; conformist, shared kernel, ACL and OHS/PL say how models meet."""
    plain = ContextRelationship("a", "b", "customer-supplier")
    assert plain.models is None and plain.mapping is None
    acl = ContextRelationship("a", "b", "customer-supplier", mapping="Anti-Corruption Layer")
    assert acl.models is Pattern.ANTICORRUPTION_LAYER and acl.pattern is Pattern.CUSTOMER_SUPPLIER
    assert str(acl) == "a -> b (customer-supplier, anticorruption layer)"
    assert ContextRelationship("a", "b", "conformist").models is Pattern.CONFORMIST

@pytest.mark.parametrize("team", TEAMS)
@pytest.mark.parametrize("mapping", [None, *MODEL_MAPPINGS])
def test_a_team_relationship_s_conflict_is_judged_by_its_mapping(team, mapping):
    up = context("up", {"Order": "a purchase"}, outputs=["api"])
    down = context("down", {"Order": "a shipment request"}, inputs=["api"])
    rel = ContextRelationship("up", "down", team, ["api"], mapping=mapping)
    verdict = check_context_map(ContextMap([up, down], [rel]))
    expected = {
        None: ["unmapped language conflict"],
        Pattern.SHARED_KERNEL: ["untranslated language conflict"],
        Pattern.CONFORMIST: ["untranslated language conflict"],
    }.get(mapping, [])
    assert [w.what for w in verdict.witnesses] == expected
    if mapping is None:
        assert verdict.witnesses[0].detail.endswith(
            f"and {team} relates the teams without saying whether the models are translated"
        )

def test_context_map_graph_runs_upstream_to_downstream_with_pattern_and_via():
    cmap = ContextMap(
        [context("c"), context("a"), context("b")],
        [
            ContextRelationship("b", "c", "open host service", {"api"}),
            ContextRelationship("a", "b", Pattern.CONFORMIST, {"feed", "api"}),
            ContextRelationship("c", "a", Pattern.SEPARATE_WAYS),
        ],
        name="m",
    )
    assert [c.name for c in cmap.contexts] == ["a", "b", "c"]
    assert [(r.upstream, r.downstream) for r in cmap.relationships] == [
        ("a", "b"), ("b", "c"), ("c", "a")
    ]
    g = cmap.graph
    assert isinstance(g, nx.DiGraph) and not g.is_multigraph() and nx.is_frozen(g)
    assert g.graph["name"] == "m"
    assert dict(g.edges) == {
        ("a", "b"): {"pattern": Pattern.CONFORMIST, "mapping": None,
                     "via": frozenset({"api", "feed"})},
        ("b", "c"): {"pattern": Pattern.OPEN_HOST_SERVICE, "mapping": None,
                     "via": frozenset({"api"})},
        ("c", "a"): {"pattern": Pattern.SEPARATE_WAYS, "mapping": None, "via": frozenset()},
    }
    assert cmap.context("b").name == "b"

def test_two_contexts_may_depend_on_each_other_unless_they_go_separate_ways():
    cmap = ContextMap(
        [context("a"), context("b")],
        [ContextRelationship("a", "b", "partnership"),
         ContextRelationship("b", "a", "partnership")],
    )
    assert set(cmap.graph.edges) == {("a", "b"), ("b", "a")}

def test_language_conflicts_are_exact():
    cmap = ContextMap([
        context("a", {"Order": "a purchase", "Product": "an item", "Cart": "a basket"}),
        context("b", {"Order": "a shipment request", "Product": "An  Item"}),
        context("c", {"Order": "a purchase", "Cart": "a basket", "Note": "a note"}),
    ])
    assert language_conflicts(cmap) == [
        LanguageConflict("Order", (("a", "a purchase"), ("b", "a shipment request"),
                                   ("c", "a purchase")))
    ]
    assert language_conflicts(cmap)[0].contexts == ("a", "b", "c")

def test_language_conflicts_list_every_term_sorted():
    cmap = ContextMap([
        context("b", {"Z": "zed", "A": "one"}),
        context("a", {"Z": "zee", "A": "two", "M": "same"}),
        context("c", {"M": "same"}),
    ])
    assert language_conflicts(cmap) == [
        LanguageConflict("A", (("a", "two"), ("b", "one"))),
        LanguageConflict("Z", (("a", "zee"), ("b", "zed"))),
    ]

def two(pattern: Pattern, up_language=None, down_language=None, via=("api",),
        up_entities=("A",), down_entities=("A",)) -> ContextMap:
    up = context("up", up_language, up_entities, outputs=["api"])
    down = context("down", down_language, down_entities, inputs=["api"])
    return ContextMap([up, down], [ContextRelationship("up", "down", pattern, via)])

@pytest.mark.parametrize("pattern", list(Pattern))
def test_a_conflict_is_a_witness_exactly_under_non_translating_or_team_patterns(pattern):
    cmap = two(
        pattern,
        {"Order": "a purchase", "Product": "an item", "Price": "money"},
        {"Order": "a shipment request", "Product": "AN ITEM", "Parcel": "a box"},
        via=() if pattern is Pattern.SEPARATE_WAYS else ("api",),
    )
    verdict = check_context_map(cmap)
    expected = {("up", "down", "Order")} if pattern in NON_TRANSLATING else set()
    unmapped = {("up", "down", "Order")} if pattern in TEAMS else set()
    assert found(verdict, "untranslated language conflict") == expected
    assert found(verdict, "unmapped language conflict") == unmapped
    assert verdict.holds == (not expected and not unmapped)
    assert verdict.statement.ref == "Def 2.2.2"
    if expected:
        (witness,) = verdict.witnesses
        assert witness.detail == (
            "'Order' means 'a purchase' in up but 'a shipment request' in down, and a "
            f"{pattern} relationship does not translate between the two models"
        )

def test_an_interface_mismatch_names_what_is_missing_where():
    up = context("up", outputs=["api", "feed"])
    down = context("down", inputs=["api", "hook"])
    cmap = ContextMap([up, down], [
        ContextRelationship("up", "down", "customer-supplier", ["api", "feed", "hook", "nope"])
    ])
    verdict = check_context_map(cmap)
    assert {w.involves: w.detail for w in verdict.witnesses} == {
        ("up", "down", "feed"): "down consumes 'feed' from up, but it is not among down's "
                                "inputs I",
        ("up", "down", "hook"): "down consumes 'hook' from up, but it is not among up's "
                                "outputs O",
        ("up", "down", "nope"): "down consumes 'nope' from up, but it is not among up's "
                                "outputs O nor among down's inputs I",
    }
    assert {w.what for w in verdict.witnesses} == {"interface mismatch"}

@pytest.mark.parametrize("pattern", [p for p in Pattern if p.integrates])
def test_interface_mismatches_do_not_depend_on_the_pattern(pattern):
    assert found(check_context_map(two(pattern, via=["api", "gone"])), "interface mismatch") == {
        ("up", "down", "gone")
    }

def test_a_shared_kernel_must_share_an_entity():
    empty = two(Pattern.SHARED_KERNEL, up_entities=["A", "B"], down_entities=["C"])
    verdict = check_context_map(empty)
    assert [(w.what, w.involves) for w in verdict.witnesses] == [
        ("empty shared kernel", ("up", "down"))
    ]
    assert "no entity in common" in verdict.witnesses[0].detail
    shared = two(Pattern.SHARED_KERNEL, up_entities=["A", "B"], down_entities=["B", "C"])
    assert check_context_map(shared).holds
    other = two(Pattern.PARTNERSHIP, up_entities=["A", "B"], down_entities=["C"])
    assert check_context_map(other).holds

def test_terms_defined_on_one_side_only_cannot_clash():
    verdict = check_context_map(two(Pattern.CONFORMIST, {"A": "ay"}, {"B": "bee"}))
    assert verdict.holds
    assert "terms with context-specific meanings: none" in verdict.summary

TERMS = ["t0", "t1", "t2", "t3"]

INTERFACES = ["i0", "i1", "i2"]

@st.composite
def context_maps(draw: st.DrawFn) -> ContextMap:
    """Maps of 2-5 contexts with overlapping languages, entities and interfaces."""
    n = draw(st.integers(min_value=2, max_value=5))
    names = [f"c{i}" for i in range(n)]
    subset = st.lists(st.sampled_from(INTERFACES), unique=True, max_size=3)
    contexts = [
        BoundedContext(
            name,
            Domain(name, draw(st.lists(st.sampled_from(TERMS), min_size=1, unique=True))),
            draw(st.dictionaries(st.sampled_from(TERMS), st.sampled_from(["m0", "m1", "M0"]))),
            draw(subset),
            draw(subset),
        )
        for name in names
    ]
    pairs = draw(st.lists(st.sampled_from(list(combinations(names, 2))), unique=True))
    relationships = []
    for a, b in pairs:
        up, down = (a, b) if draw(st.booleans()) else (b, a)
        pattern = draw(st.sampled_from(list(Pattern)))
        via = draw(subset) if pattern.integrates else []
        mapping = draw(st.sampled_from([None, *MODEL_MAPPINGS])) if pattern.organizational else None
        relationships.append(ContextRelationship(up, down, pattern, via, mapping))
    return ContextMap(contexts, relationships)

def meaning(cmap: ContextMap, name: str, term: str) -> str | None:
    """The term's meaning in the context, if it defines it; "m0" and "M0" mean the same."""
    value = cmap.context(name).language.get(term)
    return None if value is None else value.lower()

def clash(cmap: ContextMap, up: str, down: str, term: str) -> bool:
    a, b = meaning(cmap, up, term), meaning(cmap, down, term)
    return a is not None and b is not None and a != b

@GENERATED
@given(context_maps())
def test_untranslated_conflicts_are_exactly_differing_terms_under_non_translating_patterns(cmap):
    expected = {
        (r.upstream, r.downstream, t)
        for r in cmap.relationships
        if (r.mapping or r.pattern) in NON_TRANSLATING
        for t in TERMS
        if clash(cmap, r.upstream, r.downstream, t)
    }
    unmapped = {
        (r.upstream, r.downstream, t)
        for r in cmap.relationships
        if r.pattern in TEAMS and r.mapping is None
        for t in TERMS
        if clash(cmap, r.upstream, r.downstream, t)
    }
    verdict = check_context_map(cmap)
    assert found(verdict, "untranslated language conflict") == expected
    assert found(verdict, "unmapped language conflict") == unmapped

@GENERATED
@given(context_maps())
def test_the_check_finds_exactly_the_four_kinds_of_fault(cmap):
    verdict = check_context_map(cmap)
    mismatches = {
        (r.upstream, r.downstream, i)
        for r in cmap.relationships
        for i in r.via
        if i not in cmap.context(r.upstream).outputs or i not in cmap.context(r.downstream).inputs
    }
    kernels = {
        (r.upstream, r.downstream)
        for r in cmap.relationships
        if (r.mapping or r.pattern) is Pattern.SHARED_KERNEL
        and not cmap.context(r.upstream).model.entities & cmap.context(r.downstream).model.entities
    }
    assert found(verdict, "interface mismatch") == mismatches
    assert found(verdict, "empty shared kernel") == kernels
    assert {w.what for w in verdict.witnesses} <= {
        "untranslated language conflict", "unmapped language conflict", "interface mismatch",
        "empty shared kernel",
    }
    assert verdict.holds == (not verdict.witnesses)

@GENERATED
@given(context_maps())
def test_anticorruption_layers_everywhere_leave_only_interface_mismatches(cmap):
    translated = ContextMap(
        cmap.contexts,
        [ContextRelationship(r.upstream, r.downstream, Pattern.ANTICORRUPTION_LAYER, r.via)
         for r in cmap.relationships],
    )
    before, after = check_context_map(cmap), check_context_map(translated)
    assert after.witnesses == tuple(w for w in before.witnesses if w.what == "interface mismatch")

@GENERATED
@given(context_maps())
def test_language_conflicts_are_the_terms_with_two_meanings(cmap):
    meanings = {
        t: {meaning(cmap, c.name, t) for c in cmap.contexts} - {None} for t in TERMS
    }
    conflicts = language_conflicts(cmap)
    assert [c.term for c in conflicts] == sorted(t for t, ms in meanings.items() if len(ms) > 1)
    for conflict in conflicts:
        assert conflict.contexts == tuple(
            c.name for c in cmap.contexts if conflict.term in c.language
        )

SHOP = ("catalog", "customer", "inventory", "ordering", "payment", "shipping")

def test_the_shop_has_six_contexts_whose_languages_define_their_models():
    cmap = shop_context_map()
    assert tuple(c.name for c in cmap.contexts) == SHOP
    assert all(undefined_terms(c) == [] for c in cmap.contexts)
    assert all(c.model.rules for c in cmap.contexts)
    assert nx.is_weakly_connected(cmap.graph)

def test_the_shop_verdict_names_three_genuine_faults():
    verdict = check_context_map(shop_context_map())
    assert not verdict.holds
    assert [(w.what, w.involves) for w in verdict.witnesses] == [
        ("interface mismatch", ("inventory", "ordering", "stock-reservations")),
        ("unmapped language conflict", ("customer", "payment", "Customer")),
        ("untranslated language conflict", ("ordering", "shipping", "Order")),
    ]

def test_the_shop_languages_diverge_where_the_story_says():
    conflicts = {c.term: c.contexts for c in language_conflicts(shop_context_map())}
    assert conflicts == {
        "Customer": ("customer", "ordering", "payment"),
        "Order": ("ordering", "shipping"),
        "Product": ("catalog", "inventory", "ordering"),
    }

def test_the_fixed_shop_holds_with_the_same_languages():
    broken, fixed = shop_context_map(), shop_context_map_fixed()
    verdict = check_context_map(fixed)
    assert verdict.holds, verdict
    assert language_conflicts(fixed) == language_conflicts(broken)
    assert fixed.graph.edges["ordering", "shipping"]["pattern"] is Pattern.ANTICORRUPTION_LAYER
    assert fixed.graph.edges["customer", "payment"]["pattern"] is Pattern.CUSTOMER_SUPPLIER
    assert fixed.graph.edges["customer", "payment"]["mapping"] is Pattern.ANTICORRUPTION_LAYER
    assert set(fixed.graph.edges) == set(broken.graph.edges)
