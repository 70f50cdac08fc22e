"""A monolith before it is cut (msatheory.design.monolith): its records and their checks."""

from __future__ import annotations

import pytest

from msatheory import TheoryError
from msatheory.design.boundary import DataModel, Function, Interface
from msatheory.design.coupling import coupling_graph
from msatheory.design.examples import SHOP_DOMAINS, shop_monolith
from msatheory.design.monolith import Access, Call, Monolith


def test_shop_size():
    shop = shop_monolith()
    assert (len(shop.functions), len(shop.entities), len(shop.interfaces)) == (31, 12, 13)
    assert (len(shop.accesses), len(shop.calls)) == (59, 13)
    assert set(shop.domains) == set(SHOP_DOMAINS)
    graph = coupling_graph(shop)
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (43, 72)
    assert graph.size(weight="weight") == 141

def shop_with(**changes) -> Monolith:
    shop = shop_monolith()
    parts = {
        "name": shop.name,
        "functions": shop.functions,
        "entities": shop.entities,
        "interfaces": shop.interfaces,
        "accesses": shop.accesses,
        "calls": shop.calls,
        "exposes": dict(shop.exposes),
    }
    return Monolith(**{**parts, **changes})

F, E = Function("f", "a"), DataModel("E", "a")

@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Monolith("", [F]), "monolith: name must be a non-empty string"),
        (lambda: Monolith("m", []), "monolith 'm': has no functions"),
        (lambda: Monolith("m", "f"), "monolith 'm': functions must be a list of Functions"),
        (lambda: Monolith("m", [F, E]), r"monolith 'm': functions holds DataModel\(name='E'"),
        (lambda: Monolith("m", [F, F]), "monolith 'm': functions lists 'f' twice"),
        (lambda: Monolith("m", [F], [E, E]), "monolith 'm': entities lists 'E' twice"),
        (
            lambda: Monolith("m", [F], interfaces=[Interface("i", "a")] * 2, exposes={"i": "f"}),
            "monolith 'm': interfaces lists 'i' twice",
        ),
        (
            lambda: Monolith("m", [F], [E], accesses=[("g", "E", "read")]),
            "monolith 'm': access of 'g' to 'E': there is no function 'g'",
        ),
        (
            lambda: Monolith("m", [F], [E], accesses=[("f", "X", "write")]),
            "monolith 'm': access of 'f' to 'X': there is no entity 'X'",
        ),
        (
            lambda: Monolith("m", [F], [E], accesses=[("f", "E", "delete")]),
            "monolith 'm': access of 'f' to 'E': mode must be 'read' or 'write', not 'delete'",
        ),
        (
            lambda: Monolith("m", [F], [E], accesses=[("f", "E")] * 2),
            "monolith 'm': access .*'f'.*'E'.* is listed twice",
        ),
        (
            lambda: Monolith("m", [F], [E], accesses=[("f",)]),
            r"monolith 'm': accesses holds \('f',\), not an? Access",
        ),
        (lambda: Monolith("m", [F], accesses=["f"]), "monolith 'm': accesses holds 'f'"),
        (
            lambda: Monolith("m", [F], calls=[("f", "f")]),
            "monolith 'm': call 'f' -> 'f': a function does not call itself",
        ),
        (
            lambda: Monolith("m", [F], calls=[("f", "g")]),
            "monolith 'm': call 'f' -> 'g': there is no function 'g'",
        ),
        (
            lambda: Monolith("m", [F, Function("g", "a")], calls=[("f", "g", 0)]),
            "monolith 'm': call 'f' -> 'g': frequency must be a positive finite number, not 0",
        ),
        (
            lambda: Monolith("m", [F, Function("g", "a")], calls=[("f", "g", True)]),
            "frequency must be a positive finite number, not True",
        ),
        (
            lambda: Monolith("m", [F, Function("g", "a")], calls=[("f", "g", 1), ("f", "g", 2)]),
            "monolith 'm': call 'f' -> 'g' is listed twice",
        ),
        (lambda: Call("f", "g", -1.5), "call 'f' -> 'g': frequency must be a positive"),
        (lambda: Access("f", "E", "write!"), "access of 'f' to 'E': mode must be"),
        (
            lambda: Monolith("m", [F], interfaces=[Interface("i", "a")]),
            "monolith 'm': interface 'i' exposes no function",
        ),
        (
            lambda: Monolith("m", [F], exposes={"j": "f"}),
            "monolith 'm': exposes names 'j', which is no interface",
        ),
        (
            lambda: Monolith("m", [F], interfaces=[Interface("i", "a")], exposes={"i": "g"}),
            "monolith 'm': interface 'i' exposes 'g', which is no function",
        ),
        (
            lambda: Monolith("m", [F], exposes=[("i", "f")]),
            "monolith 'm': exposes must map interface names to function names",
        ),
        (lambda: shop_with(calls=[("place order", "pay", 1)]), "there is no function 'pay'"),
        (lambda: shop_monolith().function("pay"), "monolith 'shop' has no function 'pay'"),
        (lambda: shop_monolith().entity("Invoice"), "monolith 'shop' has no entity 'Invoice'"),
    ],
)
def test_bad_input_is_named(build, message):
    with pytest.raises(TheoryError, match=message):
        build()
