"""The practice lesson's exercises (lesson 90) on answers the generic test does not try: a
path instead of text, a file that is not an architecture file, code that raises, loops or
returns the wrong thing."""

from __future__ import annotations

from pathlib import Path

import pytest

from msatheory.exercises import check
from msatheory.exercises.practice import TANGLED_SHOP, inferred_calls
from solutions.practice import MENDED_SHOP, SMALLEST, calls


@pytest.mark.parametrize("as_path", [Path, str])
def test_a_mended_file_may_be_given_by_its_path(tmp_path, as_path):
    mended = tmp_path / "mended.yaml"
    mended.write_text(MENDED_SHOP)
    assert check("90.mend-the-shop", as_path(mended)).passed
    tangled = check("90.mend-the-shop", as_path(TANGLED_SHOP))
    assert tangled.step == ("behaviour", 4)
    assert "Axiom 1.1.1 does not hold" in tangled.lines[0]


def test_a_file_that_does_not_load_gets_the_loaders_message(tmp_path):
    missing = check("90.mend-the-shop", str(tmp_path / "nowhere.yaml"))
    assert missing.step == ("load", 2) and "nowhere.yaml" in missing.lines[0]
    typo = check("90.mend-the-shop", MENDED_SHOP.replace("replicas: 2", "replicas: two"))
    assert typo.step == ("load", 2)
    assert "services.api-gateway.replicas (line 12)" in typo.lines[0]
    two = check("90.one-statement", "services:\n  a: {exposd: true, replicas: two}\n")
    assert two.step == ("load", 2) and "(and 1 more mistake)" in two.lines[0]


def test_only_an_architecture_file_answers():
    compose = "services:\n  web: {image: shop/web}\n  api: {image: shop/api}\n"
    feedback = check("90.mend-the-shop", compose)
    assert feedback.step == ("shape", 3) and "docker-compose file" in feedback.lines[0]
    assert check("90.one-statement", compose).step == ("shape", 3)
    assert check("90.one-statement", 42).step == ("type", 1)
    assert "one line" in check("90.one-statement", "smallest.yaml").lines[0]
    assert check("90.mend-the-shop", None).step == ("type", 1)


def test_the_mend_keeps_the_calls_the_shop_needs():
    dropped = MENDED_SHOP.replace(
        "    calls: [{to: catalog, timeout: 0.3, fallback: last-known-prices}]\n", "")
    feedback = check("90.mend-the-shop", dropped)
    assert feedback.step == ("shape", 3) and "orders → catalog" in feedback.lines[0]
    silent = MENDED_SHOP.replace("    subscribes: [order-placed]\n", "")
    assert "no longer reaches payments" in check("90.mend-the-shop", silent).lines[0]


def test_the_smallest_file_is_counted_in_elements():
    assert check("90.one-statement", SMALLEST).passed
    stored = SMALLEST + "datastores:\n  unused: {technology: redis}\n"
    assert check("90.one-statement", stored).step == ("size", 5)


def test_code_that_raises_loops_or_returns_nonsense_gets_a_message():
    def raises(service, environment, services):
        raise KeyError(service)

    def loops(service, environment, services):
        while True:
            pass

    raised = check("90.infer-calls", raises)
    assert raised.step == ("behaviour", 3)
    assert "observed: raised KeyError: 'web'" in str(raised)
    assert "on: web with environment no variables" in str(raised)
    assert "ran more than" in str(check("90.infer-calls", loops))
    assert "observed: None" in str(check("90.infer-calls", lambda s, e, n: None))
    assert check("90.infer-calls", lambda service: set()).step == ("shape", 2)
    assert check("90.infer-calls", "calls").step == ("type", 1)
    assert check("90.infer-calls", lambda s, e, n: sorted(calls(s, e, n))).passed


def test_the_importer_is_the_judge():
    assert inferred_calls("web", {"ORDERS_URL": "http://orders:8080/api"}) == {"orders"}
    assert inferred_calls("web", {"ORDERS_HC": "http://orders:8080/api"}) == frozenset()
    assert inferred_calls("orders", {"CART_ADDR": "http://cart/metrics"}) == frozenset()
