"""The Go APIGateway sketch as written (msatheory.gateway.sketch): what running it does."""

from __future__ import annotations

import re

import pytest

from msatheory.discovery.registry import Registry
from msatheory.discovery.scenario import fleet
from msatheory.discovery.sketch import SketchRoundRobin
from msatheory.errors import TheoryError
from msatheory.gateway import errata
from msatheory.gateway.errata import ERRATA
from msatheory.gateway.sketch import (
    CACHE_TTL,
    GatewayError,
    Request,
    Response,
    SketchAPIGateway,
    SketchAuthenticationPolicy,
    SketchRateLimitPolicy,
)
from msatheory.sim import VirtualClock


def gateway(*policies, clock=None, answer=None):
    """A sketch gateway over two ``orders`` instances, recording each forwarded call."""
    clock = clock or VirtualClock()
    registry = Registry(clock, ttl=10**9)
    for instance in fleet(2, "orders"):
        registry.register(instance)
    calls = []

    def orders(instance, request):
        calls.append((instance.id, request.method, request.path))
        return answer(request) if answer else Response(200, b"ok")

    built = SketchAPIGateway(policies, SketchRoundRobin(), registry, {"orders": orders}, clock)
    return built, clock, calls


def test_routes_match_only_the_exact_method_and_path_string():
    gw, _, calls = gateway()
    gw.add_route("/orders/{id}", "GET", "orders", [])
    with pytest.raises(GatewayError, match="route not found: GET:/orders/42"):
        gw.handle_request(Request("GET", "/orders/42"))
    assert gw.handle_request(Request("GET", "/orders/{id}")).status == 200
    with pytest.raises(GatewayError, match=re.escape("route not found: get:/orders/{id}")):
        gw.handle_request(Request("get", "/orders/{id}"))
    assert calls == [("orders-1", "GET", "/orders/{id}")]


def test_one_reset_for_every_client_lets_another_client_time_the_window():
    clock = VirtualClock()
    gw, _, _ = gateway(SketchRateLimitPolicy(2, 10, clock), clock=clock)
    gw.add_route("/orders", "GET", "orders", ["rate-limit"])
    admitted = []
    for at, ip in [(0, "b"), (9, "a"), (9, "a"), (10.5, "a"), (10.5, "a"), (10.5, "a")]:
        clock.advance(at - clock.now)
        try:
            gw.handle_request(Request("GET", "/orders", client_ip=ip))
            admitted.append((at, ip))
        except GatewayError as error:
            assert str(error) == "rate limit exceeded"
    # client a: four requests within 1.5 s, against a limit of 2 per 10 s
    assert [at for at, ip in admitted if ip == "a"] == [9, 9, 10.5, 10.5]


def test_clients_behind_one_address_share_one_quota():
    clock = VirtualClock()
    gw, _, _ = gateway(SketchRateLimitPolicy(2, 10, clock), clock=clock)
    gw.add_route("/orders", "GET", "orders", ["rate-limit"])
    for user in ("ann", "bob"):
        gw.handle_request(Request("GET", "/orders", "198.51.100.7", {"X-User": user}))
    with pytest.raises(GatewayError, match="rate limit exceeded"):
        gw.handle_request(Request("GET", "/orders", "198.51.100.7", {"X-User": "cy"}))


def test_limiting_before_authenticating_lets_refused_requests_spend_the_quota():
    clock = VirtualClock()
    limit = SketchRateLimitPolicy(2, 10, clock)
    auth = SketchAuthenticationPolicy(lambda token: {"sub": token})
    gw, _, calls = gateway(limit, auth, clock=clock)
    gw.add_route("/orders", "GET", "orders", ["rate-limit", "authenticate"])
    for _ in range(2):
        with pytest.raises(GatewayError, match="missing authorization token"):
            gw.handle_request(Request("GET", "/orders"))
    with pytest.raises(GatewayError, match="rate limit exceeded"):
        gw.handle_request(Request("GET", "/orders", headers={"Authorization": "ann"}))
    assert calls == []


def test_every_response_is_cached_and_none_is_ever_read():
    gw, clock, calls = gateway(answer=lambda r: Response(500 if r.method == "POST" else 200))
    gw.add_route("/orders", "GET", "orders", [])
    gw.add_route("/orders", "POST", "orders", [])
    for method in ("GET", "GET", "POST"):
        gw.handle_request(Request(method, "/orders"))
    assert len(calls) == 3  # the second GET was forwarded again
    assert set(gw.cache.entries) == {"GET:/orders", "POST:/orders"}
    assert gw.cache.entries["POST:/orders"][0].status == 500
    clock.advance(CACHE_TTL)
    assert gw.cache.live() == 0


def test_retries_are_set_and_never_used():
    failures = iter([True])

    def flaky(request):
        if next(failures, False):
            raise GatewayError("connection refused")
        return Response(200)

    gw, _, _ = gateway(answer=flaky)
    gw.add_route("/orders", "GET", "orders", [])
    assert gw.routes["GET:/orders"].retries == 3
    with pytest.raises(GatewayError, match="connection refused"):
        gw.handle_request(Request("GET", "/orders"))
    assert gw.handle_request(Request("GET", "/orders")).status == 200


def test_an_unknown_policy_and_an_unknown_service_are_errors():
    gw, _, _ = gateway()
    gw.add_route("/orders", "GET", "orders", ["cache"])
    with pytest.raises(GatewayError, match="policy not found: cache"):
        gw.handle_request(Request("GET", "/orders"))
    gw.add_route("/carts", "GET", "carts", [])
    with pytest.raises(Exception, match="carts"):
        gw.handle_request(Request("GET", "/carts"))
    with pytest.raises(TheoryError, match="path must be"):
        gw.add_route("", "GET", "orders", [])


# -- the errata --------------------------------------------------------------------------------

GATEWAY_ERRATA = {
    "4.exact-route": (0, ("then GET /orders/0", "route not found: GET:/orders/0")),
    "4.shared-reset": ([(0, "b"), (1, "a"), (1, "a"), (11, "a")],
                       ("a@1 admitted, a@1 admitted, a@11 refused",
                        "a@11 admitted", "a is admitted 3 times within 10 s")),
    "4.ip-quota": (3, ("3 users (ann, bob, cy)", "cy refused: rate limit exceeded")),
    "4.limit-before-auth": (2, ("2 requests without a token", "ann refused (rate limit "
                                "exceeded)")),
    "4.cache-unread": ((2, 1), ("2 GET /orders, 1 s apart", "2 of 2 GETs forwarded",
                                "2 live entries, one of them the POST's 500")),
}


def test_chapter_4_has_these_errata_and_reuses_chapter_3s_round_robin_errata():
    from msatheory import theory

    keys = [e.key for e in ERRATA]
    assert keys == list(GATEWAY_ERRATA)
    assert {"3.rr-shrink", "3.rr-shared"} <= {e.key for e in theory.errata()}


@pytest.mark.parametrize("erratum", ERRATA, ids=lambda e: e.key)
def test_each_erratum_finds_its_smallest_counterexample(erratum):
    example, fragments = GATEWAY_ERRATA[erratum.key]
    assert erratum.find() == example
    text = str(erratum.describe(example))
    for fragment in fragments:
        assert fragment in text


def test_the_corrected_models_keep_what_the_sketch_breaks():
    # one route template reaches every id; clients are isolated; users behind one address
    # each have their quota; anonymous requests spend nothing; a repeated GET is a hit
    assert not errata._template_missed(42)
    assert errata._interfered([(0, "b"), (1, "a"), (1, "a"), (11, "a")],
                              errata._per_client_decisions) is None
    assert errata._corrected_admits(5, 3) == [False] * 5 + [True] * 3
    assert not errata._corrected_forwards((10, 29))


def test_the_sketch_is_fine_when_the_defects_are_not_touched():
    """Each property holds on the inputs that avoid the defect: the errata are not
    artefacts of the harness."""
    assert not errata.neighbours_share_a_quota(errata.LIMIT)
    assert not errata.anonymous_spend_quota(errata.LIMIT - 1)
    assert not errata.clients_share_a_clock([(0, "a"), (1, "a"), (11, "a")])
    assert not errata.cache_never_read((3, 200))  # 400 s: outside the five minutes
