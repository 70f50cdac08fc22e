"""The practice lesson (lesson 90): checking real systems with ``msatheory check``."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from msatheory.exercises.practice import TANGLED_SHOP

# -- 90.mend-the-shop ------------------------------------------------------------------------

MENDED_SHOP = """\
# The tangled shop, mended: every shortcut undone, every service kept.
name: mended-shop
gateway: api-gateway
services:
  api-gateway:
    calls:                         # each route times out alone, with its own fallback
      - {to: catalog, timeout: 0.5, fallback: cached-catalog-page}
      - {to: orders, timeout: 1.0, fallback: orders-unavailable-page}
      - {to: customers, timeout: 0.5, fallback: guest-checkout}
      - {to: payments, timeout: 1.0, fallback: webhook-retried-by-provider}
    healthcheck: true
    replicas: 2                    # the one entry point survives an instance failure
    domain: edge
    functions: [route-request, authenticate-client, limit-rate]
    interfaces: [public-api]
  catalog:
    datastores: [catalog-db]
    healthcheck: true
    domain: catalog
    functions: [list-products, search-products, price-product]
    interfaces: [catalog-api]
    entities: [Product]
  orders:
    calls: [{to: catalog, timeout: 0.3, fallback: last-known-prices}]
    publishes: [order-placed]      # payments hears of an order; nobody waits
    subscribes: [payment-settled]
    datastores: [orders-db]
    healthcheck: true
    domain: ordering
    functions: [place-order, cancel-order, track-order]
    interfaces: [orders-api]
    entities: [Order, OrderLine]
  payments:
    subscribes: [order-placed]
    publishes: [payment-settled]
    datastores: [payments-db]
    healthcheck: true
    domain: billing
    functions: [charge-card, refund-payment]
    interfaces: [{name: card-webhook, kind: rest}]
    entities: [Payment]
  customers:
    datastores: [customers-db]
    healthcheck: true
    domain: customer
    functions: [register-customer, update-address]
    interfaces: [customers-api]
    entities: [Customer]
datastores:
  catalog-db: {technology: postgres}
  orders-db: {technology: postgres}
  payments-db: {technology: postgres}
  customers-db: {technology: postgres}
"""
"""The mended shop: the cycle becomes two topics (orders publishes order-placed, payments
publishes payment-settled), each service owns its store, charge-card lives in payments
only, customers does enough to stand alone, the webhook enters by a soft route of the
gateway, every call has a timeout and a fallback, and the gateway runs two replicas."""

TANGLED = TANGLED_SHOP.read_text()


def _softened(text: str) -> str:
    """Every call given a timeout and a fallback: the cycle stays, a soft call is a call."""
    for caller_calls, soft in [
        ("calls: [catalog, orders, customers]",
         "calls: [{to: catalog, timeout: 1, fallback: a}, {to: orders, timeout: 1, "
         "fallback: b}, {to: customers, timeout: 1, fallback: c}]"),
        ("calls: [catalog, payments]",
         "calls: [{to: catalog, timeout: 1, fallback: a}, {to: payments, timeout: 1, "
         "fallback: b}]"),
        ("calls: [orders]", "calls: [{to: orders, timeout: 1, fallback: a}]"),
    ]:
        text = text.replace(caller_calls, soft)
    return text


DELETED = MENDED_SHOP.replace("""  customers:
    datastores: [customers-db]
    healthcheck: true
    domain: customer
    functions: [register-customer, update-address]
    interfaces: [customers-api]
    entities: [Customer]
""", "").replace("      - {to: customers, timeout: 0.5, fallback: guest-checkout}\n", "")
"""Green by deleting: customers, too fine to stand alone, simply removed."""

NO_FUNCTIONS = re.sub(r"\n    (functions|interfaces|entities): .*", "", MENDED_SHOP)
"""Green by deleting the design: without functions chapter 2's statements are not checked,
so charge-card's double claim and customers' granularity go unjudged."""

SOFT_CYCLE = MENDED_SHOP.replace(
    "    publishes: [order-placed]      # payments hears of an order; nobody waits\n", "").replace(
    "fallback: last-known-prices}]",
    "fallback: last-known-prices},\n            {to: payments, timeout: 1.0, fallback: pay-later}]"
).replace("    publishes: [payment-settled]\n",
          "    calls: [{to: orders, timeout: 1.0, fallback: settle-later}]\n")
"""orders and payments call each other with timeouts and fallbacks: a soft cycle is still
a cycle of calls (Axiom 1.1.1)."""

WEBHOOK_DIRECT = MENDED_SHOP.replace(
    "      - {to: payments, timeout: 1.0, fallback: webhook-retried-by-provider}\n", "").replace(
    "    subscribes: [order-placed]\n", "    subscribes: [order-placed]\n    exposed: true\n")
"""The card provider's webhook left pointing at payments: clients bypass the gateway."""

ONE_REPLICA = MENDED_SHOP.replace("    replicas: 2                    # the one entry point "
                                  "survives an instance failure\n", "")
"""Everything mended but the gateway's replicas: one instance failure stops every client."""

UNKNOWN_KEY = MENDED_SHOP.replace("healthcheck: true\n    replicas: 2",
                                  "helthcheck: true\n    replicas: 2")
"""A typo: the loader's own message names the field and its line."""

SHARED_STORE = MENDED_SHOP.replace("datastores: [customers-db]", "datastores: [orders-db]")
"""customers reads the orders database: Axiom 1.1.1 and Feature 1.2.1 fail again."""

GOOD_SHOP = TANGLED_SHOP.with_name("shop.yaml")
"""The workbook's good shop, given by its path: it passes the report, but it is another
shop (it adds shipping), not the tangled one mended."""

# -- 90.one-statement --------------------------------------------------------------------------

SMALLEST = """\
services:
  a: {healthcheck: true, calls: [{to: b, timeout: 1.0, fallback: cached}]}
  b: {healthcheck: true, calls: [{to: a, timeout: 1.0, fallback: cached}]}
"""
"""Two services and two soft calls. One service cannot form a cycle (a self-call is no
edge); a shared data store or deployment unit breaks a feature too; a hard cycle lets a
failure of either reach every entry point (Feature 1.2.3); a missing health check breaks
Algorithm 3.2.2. Soft calls keep every feature and still form a cycle of calls."""

HARD_CYCLE = """\
services:
  a: {healthcheck: true, calls: [b]}
  b: {healthcheck: true, calls: [a]}
"""
"""A cycle of hard calls: Feature 1.2.3 fails with the axiom."""

SHARED = """\
services:
  a: {healthcheck: true, datastores: [db]}
  b: {healthcheck: true, datastores: [db]}
"""
"""A shared data store: Feature 1.2.1 fails with the axiom."""

NO_HEALTH = """\
services:
  a: {calls: [{to: b, timeout: 1.0, fallback: cached}]}
  b: {calls: [{to: a, timeout: 1.0, fallback: cached}]}
"""
"""The soft cycle without health checks: Algorithm 3.2.2 fails too."""

THREE_CYCLE = """\
services:
  a: {healthcheck: true, calls: [{to: b, timeout: 1.0, fallback: cached}]}
  b: {healthcheck: true, calls: [{to: c, timeout: 1.0, fallback: cached}]}
  c: {healthcheck: true, calls: [{to: a, timeout: 1.0, fallback: cached}]}
"""
"""A cycle of three soft calls: right statement, one service and one call too many."""

TOPIC_CYCLE = """\
services:
  a: {healthcheck: true, publishes: [x], subscribes: [y]}
  b: {healthcheck: true, publishes: [y], subscribes: [x]}
"""
"""A loop through topics: a broker buffers, so it is no cycle and every statement holds."""


# -- 90.infer-calls --------------------------------------------------------------------------

#: Words of a variable's name that say the address is watched, not called.
WATCHED = {"HC", "HEALTH", "METRICS"}
#: Paths of health and metrics endpoints.
WATCHED_PATHS = ("/hc", "/health", "/healthz", "/metrics", "/actuator/health")


def _words(variable: str) -> set[str]:
    return {w.upper() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", variable)}


def calls(service, environment, services):
    """A URL is a call when its host is another service of the file (not the service
    itself, not an outside host) and neither the variable's name nor the path says the
    address is only watched (a health check or metrics)."""
    found = set()
    for variable, value in environment.items():
        url = urlsplit(value)
        if _words(variable) & WATCHED or url.path.rstrip("/") in WATCHED_PATHS:
            continue
        if url.hostname in services and url.hostname != service:
            found.add(url.hostname)
    return found


def every_host(service, environment, services):
    """The naive rule: every URL naming a service of the file is a call."""
    return {urlsplit(v).hostname for v in environment.values()} & set(services)


def self_calls_too(service, environment, services):
    """Monitoring left out, but a service's address of itself taken for a call."""
    return {urlsplit(v).hostname for k, v in environment.items()
            if not _words(k) & WATCHED and urlsplit(v).path not in WATCHED_PATHS
            } & set(services)


def names_only(service, environment, services):
    """Only the variable's name read: ORDERS_URL=http://orders/hc is taken for a call."""
    return {urlsplit(v).hostname for k, v in environment.items()
            if not _words(k) & WATCHED} & (set(services) - {service})


def outside_hosts(service, environment, services):
    """Every host but loopback and the service itself, outside providers included."""
    return {urlsplit(v).hostname for k, v in environment.items()
            if not _words(k) & WATCHED and urlsplit(v).path not in WATCHED_PATHS
            } - {service, "localhost"}


SOLUTIONS: dict[str, object] = {
    "90.mend-the-shop": MENDED_SHOP,
    "90.one-statement": SMALLEST,
    "90.infer-calls": calls,
}

MUTANTS: dict[str, list[object]] = {
    "90.mend-the-shop": [TANGLED, _softened(TANGLED), DELETED, NO_FUNCTIONS, SOFT_CYCLE,
                         WEBHOOK_DIRECT, ONE_REPLICA, UNKNOWN_KEY, SHARED_STORE,
                         GOOD_SHOP],
    "90.one-statement": [HARD_CYCLE, SHARED, NO_HEALTH, THREE_CYCLE, TOPIC_CYCLE],
    "90.infer-calls": [every_host, self_calls_too, names_only, outside_hosts],
}
