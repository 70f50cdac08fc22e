"""Pattern 4.3.2, backends for frontends (msatheory.gateway.bff): what a screen costs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msatheory.basics.model import Architecture, Service
from msatheory.errors import TheoryError
from msatheory.gateway.bff import (
    DESIGNS,
    Link,
    Resource,
    Screen,
    check_backend_for_frontend,
    screen_cost,
)
from msatheory.gateway.examples import INTERNAL, LINKS, SHOP_RESOURCES, SHOP_SCREENS

PRODUCT = Resource("product", "catalogue", {"name": 40, "price": 8, "specs": 4000})
ORDER = Resource("order", "orders", {"status": 20, "items": 800})


CLIENT, INSIDE = Link(0.1, 1000), Link(0.001, 100_000)


def cost(screen, design, client=CLIENT, internal=INSIDE):
    return screen_cost(screen, [PRODUCT, ORDER], design, client, internal)


def test_one_gateway_sends_whole_representations_one_round_per_level():
    page = Screen("mobile", "status", {"order": ["status"], "product": ["name"]},
                  needs={"product": "order"})
    through_gateway = cost(page, "one gateway")
    assert (through_gateway.calls, through_gateway.rounds) == (2, 2)
    assert (through_gateway.needed, through_gateway.received) == (60, 4868)
    assert through_gateway.latency == pytest.approx(2 * 0.1 + 4868 / 1000)
    assert through_gateway.over_fetch == pytest.approx(1 - 60 / 4868)


def test_a_bff_makes_one_call_and_fans_out_inside():
    page = Screen("mobile", "status", {"order": ["status"], "product": ["name"]},
                  needs={"product": "order"})
    bff = cost(page, "backend for frontend")
    assert (bff.calls, bff.rounds, bff.needed, bff.received, bff.over_fetch) == (1, 1, 60, 60, 0)
    assert bff.latency == pytest.approx(0.1 + 60 / 1000 + 2 * 0.001 + 4868 / 100_000)


def test_the_shop_bff_pays_off_on_the_phone_and_not_on_the_desktop():
    costs = {(s.client, s.name, d): screen_cost(s, SHOP_RESOURCES, d, LINKS[s.client], INTERNAL)
             for s in SHOP_SCREENS for d in DESIGNS}
    web_gateway = costs["web", "product page", "one gateway"]
    web_bff = costs["web", "product page", "backend for frontend"]
    assert web_gateway.over_fetch < 0.05 and web_bff.latency > web_gateway.latency
    phone = costs["mobile", "order status", "one gateway"]
    phone_bff = costs["mobile", "order status", "backend for frontend"]
    assert phone.over_fetch > 0.85 and phone.rounds == 2
    assert phone_bff.latency < phone.latency / 2 + 0.01


@given(st.dictionaries(st.sampled_from(["name", "price", "specs"]), st.just(None), min_size=1),
       st.floats(0, 1), st.floats(1, 1e9), st.floats(0, 0.01), st.floats(1e3, 1e10))
def test_a_bff_never_sends_more_bytes_or_makes_more_calls(shown, rtt, bandwidth, irtt, ibw):
    page = Screen("web", "p", {"product": sorted(shown), "order": ["status"]})
    gateway = cost(page, "one gateway", Link(rtt, bandwidth), Link(irtt, ibw))
    bff = cost(page, "backend for frontend", Link(rtt, bandwidth), Link(irtt, ibw))
    assert bff.received <= gateway.received and bff.calls <= gateway.calls
    assert bff.rounds <= gateway.rounds
    # the BFF adds its internal fetch and saves the bytes it does not send
    saved = (gateway.received - bff.received) / bandwidth
    assert math.isclose(bff.latency - gateway.latency,
                        Link(irtt, ibw).time(1, gateway.received) - saved, abs_tol=1e-9)


def test_check_backend_for_frontend_names_shared_unexposed_and_chained_gateways():
    arch = Architecture([
        Service("web-bff", calls=["mobile-bff", "orders"], exposed=True),
        Service("mobile-bff", calls=["orders"]),
        Service("orders"),
    ], name="shop")
    verdict = check_backend_for_frontend(arch, {"web": "web-bff", "ios": "mobile-bff",
                                                "android": "mobile-bff"})
    assert [str(w) for w in verdict.witnesses] == [
        "gateway calls gateway: web-bff calls mobile-bff: a release or failure of "
        "mobile-bff's frontend reaches web clients",
        "not exposed: mobile-bff serves android, ios, but clients cannot reach it",
        "shared gateway: android and ios enter by mobile-bff",
    ]
    assert verdict.summary == ("3 client types, 2 gateways: mobile-bff for android, ios; "
                               "web-bff for web.")


def test_the_shipped_bff_example_holds():
    from msatheory.check import EXAMPLES, load

    arch = load(EXAMPLES / "bff.yaml").architecture
    assert check_backend_for_frontend(arch, {"web": "web-bff", "mobile": "mobile-bff"}).holds
    assert not check_backend_for_frontend(arch, {"web": "web-bff", "mobile": "web-bff"}).holds


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Resource("p", "s", {}), r"Resource\('p'\): fields must map each field"),
    (lambda: Resource("p", "s", {"a": 0}), r"the size of 'a' must be a positive whole"),
    (lambda: Resource("p", "s", {"a": True}), r"the size of 'a' must be a positive whole"),
    (lambda: Screen("web", "p", {"product": "name"}), r"fields shown of 'product' must be"),
    (lambda: Screen("web", "p", {"a": ["x"]}, needs={"b": "a"}), r"needs names 'b'"),
    (lambda: Screen("web", "p", {"a": ["x"], "b": ["y"]}, needs={"a": "b", "b": "a"}),
     r"needs goes round in a cycle"),
    (lambda: Link(-1, 10), r"Link: rtt must be a non-negative"),
    (lambda: Link(0.1, 0), r"Link: bandwidth must be a positive"),
    (lambda: cost(Screen("web", "p", {"cart": ["x"]}), "one gateway"),
     r"shows 'cart', which no resource offers"),
    (lambda: cost(Screen("web", "p", {"product": ["colour"]}), "one gateway"),
     r"'product' has no field 'colour'; its fields are name, price, specs"),
    (lambda: cost(Screen("web", "p", {"product": ["name"]}), "graphql"),
     r"design must be one of 'one gateway', 'backend for frontend', not 'graphql'"),
    (lambda: screen_cost(Screen("web", "p", {"product": ["name"]}), [PRODUCT],
                         "backend for frontend", Link(0.1, 10)), r"needs the internal link"),
    (lambda: check_backend_for_frontend(Architecture([Service("a")], name="x"), {}),
     r"clients must map each client type"),
    (lambda: check_backend_for_frontend(Architecture([Service("a")], name="x"), {"web": "b"}),
     r"client 'web' enters by 'b', which is not a service of x"),
])
def test_bad_input_is_named(make, message):
    with pytest.raises(TheoryError, match=message):
        make()
