"""Def 4.1.2 and Function 4.2.1 (msatheory.gateway.routing): routes, the routing table
and its checker, against a brute-force search over every request of a small universe."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from msatheory.errors import TheoryError
from msatheory.gateway.routing import Route, RoutingTable, _overlap, check_routes

# ----------------------------------------------------------------------------- strategies

SEGMENTS = st.sampled_from(["a", "b", "{x}"])
METHODS = st.sampled_from(["GET", "POST", "*"])


@st.composite
def routes(draw) -> Route:
    segments = draw(st.lists(SEGMENTS, max_size=2))
    names = iter(["x", "y"])
    segments = [f"{{{next(names)}}}" if s == "{x}" else s for s in segments]
    if draw(st.booleans()):
        segments.append("*")
    return Route(draw(METHODS), "/" + "/".join(segments), draw(st.sampled_from(["s", "t"])))


tables = st.lists(routes(), max_size=4).map(RoutingTable)

# Every request over literals a, b, a fresh c and the empty segment, up to one segment
# longer than any route: a brute-force universe that holds every class of request.
UNIVERSE = [
    (method, "/" + "/".join(path))
    for method in ("GET", "POST", "PUT")
    for n in range(5)
    for path in product(["a", "b", "c", ""], repeat=n)
]


def _index(table: RoutingTable, route: Route | None) -> int | None:
    return None if route is None else next(k for k, r in enumerate(table.routes) if r is route)


def _reached(table: RoutingTable) -> set[int | None]:
    return {_index(table, table.match(m, p)) for m, p in UNIVERSE}


def _witnessed(table: RoutingTable, what: str) -> list[tuple[str, ...]]:
    return [w.involves for w in check_routes(table).witnesses if w.what == what]


# --------------------------------------------------------------------------- Route parsing


@pytest.mark.parametrize(("pattern", "path", "matched"), [
    ("/orders/{id}", "/orders/42", True),
    ("/orders/{id}", "/orders", False),
    ("/orders/{id}", "/orders/", False),  # a parameter is one non-empty segment
    ("/orders/{id}", "/orders/42/items", False),
    ("/static/*", "/static", True),
    ("/static/*", "/static/", True),
    ("/static/*", "/static/css/site.css", True),
    ("/static/*", "/staticfoo", False),  # prefixes by segment, not by character
    ("/", "/", True),
    ("/", "/a", False),
    ("/*", "/", True),
    ("/*", "/any/thing", True),
    ("/orders", "/Orders", False),  # no case folding
])
def test_patterns_match_by_segment(pattern, path, matched):
    assert Route("GET", pattern, "s").matches("GET", path) is matched


def test_methods_are_exact_or_any():
    assert Route("GET", "/a", "s").matches("GET", "/a")
    assert not Route("GET", "/a", "s").matches("HEAD", "/a")
    assert Route("*", "/a", "s").matches("PURGE", "/a")


@pytest.mark.parametrize(("args", "message"), [
    (("get", "/a", "s"), r"Route\('get', '/a', 's'\): method must be an upper-case HTTP "
                         r"method such as 'GET', or '\*' for any method, not 'get'"),
    (("GET", "a", "s"), r"Route\('GET', 'a', 's'\): path must begin with '/', not 'a'"),
    (("GET", "/a//b", "s"), r"path must have no empty segment .* not '/a//b'"),
    (("GET", "/a/", "s"), r"path must have no empty segment"),
    (("GET", "/*/a", "s"), r"path segment '\*' must be .* part of '/\*/a'"),
    (("GET", "/a{id}", "s"), r"path segment 'a\{id\}' must be"),
    (("GET", "/{1d}", "s"), r"path segment '\{1d\}' must be"),
    (("GET", "/a?b=1", "s"), r"path segment 'a\?b=1' must be"),
    (("GET", "/{id}/{id}", "s"), r"names the parameter 'id' twice in '/\{id\}/\{id\}'"),
    (("GET", "/a", ""), r"Route\('GET', '/a', ''\): service must be a non-empty string"),
    (("GET", 7, "s"), r"Route\('GET', 7, 's'\): path must be a string, not 7"),
])
def test_bad_routes_are_refused_naming_the_route(args, message):
    with pytest.raises(TheoryError, match=message):
        Route(*args)


@pytest.mark.parametrize(("method", "path", "message"), [
    ("*", "/a", r"the request '\*' '/a': method must be an upper-case HTTP method such as "
                r"'GET', not '\*'"),
    ("GET", "a", r"path must be a string beginning with '/', without a query or fragment, "
                 r"not 'a'"),
    ("GET", "/a?x=1", r"without a query or fragment, not '/a\?x=1'"),
])
def test_bad_requests_are_refused(method, path, message):
    with pytest.raises(TheoryError, match=message):
        RoutingTable([Route("GET", "/a", "s")]).match(method, path)


def test_table_takes_only_routes():
    with pytest.raises(TheoryError, match=r"RoutingTable: routes holds 'GET /a', not a Route"):
        RoutingTable(["GET /a"])
    with pytest.raises(TheoryError, match=r"check_routes: table must be a RoutingTable"):
        check_routes([Route("GET", "/a", "s")])


# ------------------------------------------------------------------------------ precedence


def test_most_specific_wins_whatever_the_order():
    routes_ = [Route("*", "/orders/*", "orders"), Route("GET", "/orders/*", "reads"),
               Route("GET", "/orders/{id}", "one"), Route("GET", "/orders/export", "export")]
    for table in (RoutingTable(routes_), RoutingTable(routes_[::-1])):
        assert table.service("GET", "/orders/export") == "export"
        assert table.service("GET", "/orders/42") == "one"
        assert table.service("GET", "/orders/42/items") == "reads"
        assert table.service("DELETE", "/orders/42") == "orders"
        assert table.service("GET", "/carts") is None


def test_first_match_is_envoys_rule():
    table = RoutingTable([Route("GET", "/orders/*", "all"), Route("GET", "/orders/{id}", "one")])
    assert table.first_match("GET", "/orders/1").service == "all"
    assert table.match("GET", "/orders/1").service == "one"


# ------------------------------------------------------------------------------- checker


def test_a_clean_table_holds():
    table = RoutingTable([Route("GET", "/orders/{id}", "orders"),
                          Route("*", "/orders/*", "orders"), Route("GET", "/", "web")])
    verdict = check_routes(table, services=["orders", "web"])
    assert verdict.holds, verdict


def test_duplicate_up_to_parameter_names_is_shadowed():
    first, second = Route("GET", "/o/{id}", "a"), Route("GET", "/o/{key}", "b")
    verdict = check_routes(RoutingTable([first, second]))
    assert [(w.what, w.involves) for w in verdict.witnesses] == [
        ("shadowed route", (str(second), str(first)))]


@settings(max_examples=300)
@given(tables)
def test_shadowed_exactly_when_an_equal_route_is_listed_before(table):
    """A parameter matches segments no route names and a wildcard the empty segment, so
    no union of other routes covers a route: only a duplicate listed before it does."""
    expected = {
        str(r) for k, r in enumerate(table.routes)
        if any(e.within(r) and r.within(e) for e in table.routes[:k])}
    assert {inv[0] for inv in _witnessed(table, "shadowed route")} == expected


def test_no_union_of_narrower_routes_shadows_a_prefix():
    table = RoutingTable([Route("GET", "/a/*", "broad"), Route("GET", "/a", "x"),
                          Route("GET", "/a/{y}/*", "y")])
    assert table.service("GET", "/a/") == "broad"  # {y} needs a non-empty segment
    assert not _witnessed(table, "shadowed route")


def test_unknown_services_with_a_hint():
    table = RoutingTable([Route("GET", "/a", "order")])
    (witness,) = check_routes(table, services=["orders"]).witnesses
    assert witness.detail == ("GET /a -> order routes to 'order', not a known service "
                              "(did you mean 'orders'?)")
    assert check_routes(table).holds  # without services, nothing to compare against


# -------------------------------------------------------------------- properties (brute force)


@settings(max_examples=500)
@given(routes(), routes())
def test_containment_is_inclusion_of_matched_requests(a, b):
    matched = [(a.matches(m, p), b.matches(m, p)) for m, p in UNIVERSE]
    assert a.within(b) == all(y for x, y in matched if x)
    assert a.more_specific_than(b) == (a.within(b) and not b.within(a))
    # the checker skips pairs that share no request: it must skip no other
    assert _overlap(a, b) == any(x and y for x, y in matched)



@settings(max_examples=300)
@given(tables)
def test_match_returns_a_most_specific_matching_route(table):
    for method, path in UNIVERSE:
        found = table.matching(method, path)
        chosen = table.match(method, path)
        assert (chosen is None) == (not found)
        if chosen is not None:
            assert chosen.matches(method, path)
            assert not any(r.more_specific_than(chosen) for r in found)
            # at most one route: the first listed of the most specific
            best = [r for r in found if not any(o.more_specific_than(r) for o in found)]
            assert chosen is best[0]


@settings(max_examples=300)
@given(tables, routes(), st.data())
def test_adding_a_route_never_moves_an_unrelated_request(table, new, data):
    at = data.draw(st.integers(0, len(table)))
    grown = RoutingTable([*table.routes[:at], new, *table.routes[at:]])
    for method, path in UNIVERSE:
        if not new.matches(method, path):
            assert grown.match(method, path) is table.match(method, path)


@settings(max_examples=300)
@given(tables)
def test_shadowed_routes_are_exactly_those_never_chosen(table):
    shadowed = {k for k, r in enumerate(table.routes)
                if any(inv[0] == str(r) for inv in _witnessed(table, "shadowed route"))}
    reached = _reached(table)
    never = {k for k in range(len(table)) if k not in reached}
    # str(route) may repeat in a table; compare by the strings the witnesses name
    assert {str(table.routes[k]) for k in never} == {
        str(table.routes[k]) for k in shadowed}


@settings(max_examples=300)
@given(tables)
def test_ambiguous_pairs_are_exactly_the_ties(table):
    expected = set()
    for method, path in UNIVERSE:
        found = table.matching(method, path)
        best = [r for r in found if not any(o.more_specific_than(r) for o in found)]
        for i, a in enumerate(best):
            for b in best[i + 1:]:
                if not (a.within(b) and b.within(a)):
                    expected.add((str(a), str(b)))
    assert set(_witnessed(table, "ambiguous routes")) == expected


@settings(max_examples=300)
@given(tables)
def test_without_order_witnesses_both_conventions_agree(table):
    if not _witnessed(table, "shadowed under first match"):
        for method, path in UNIVERSE:
            assert table.match(method, path) is table.first_match(method, path)


def test_minimal_table_where_the_conventions_disagree():
    def disagree(table: RoutingTable) -> bool:
        return any(table.match(m, p) is not table.first_match(m, p) for m, p in UNIVERSE)

    table = find(tables, disagree)
    assert table.routes == (Route("GET", "/*", "s"), Route("GET", "/", "s"))
    assert _witnessed(table, "shadowed under first match") == [
        ("GET /* -> s", "GET / -> s")]


def test_minimal_ambiguous_table():
    """One route is narrower in its path, the other in its method: the Gateway API ranks
    the path first, Kong counts the constraints; containment says neither, and the
    checker reports the pair."""
    table = find(tables, lambda t: bool(_witnessed(t, "ambiguous routes")))
    assert table.routes == (Route("*", "/", "s"), Route("GET", "/*", "s"))
    (witness,) = check_routes(table).witnesses
    assert witness.detail == ("GET / matches * / -> s and GET /* -> s, neither more "
                              "specific; the first listed wins")
