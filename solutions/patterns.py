"""Chapter 8 (lesson 8)."""

from __future__ import annotations

import math

import sympy as sp

from msatheory.practice.operations import image_version

# -- 8.fan-out-quantile ----------------------------------------------------------------------

n, q, m = sp.symbols("n q m")

#: Right: the maximum of n calls is below t when all are, F(t)^n = q, F = 1 - exp(-t/m).
FAN_OUT_QUANTILE = -m * sp.log(1 - q ** (1 / n))
#: Wrong: the lesson's starter, one call's quantile: a fan-out taken to be as fast as a call.
ONE_CALL = -m * sp.log(1 - q)

# -- 8.longest-chain -------------------------------------------------------------------------


def longest_chain(availability, target):
    """Right: the last n whose product availability**n still reaches the target."""
    count, product = 0, 1.0
    while product * availability >= target:
        product *= availability
        count += 1
    return count


def chain_by_logarithms(availability, target):
    """Right, too: the largest n with n * log(availability) >= log(target)."""
    return math.floor(math.log(target) / math.log(availability))


def chain_by_budget(availability, target):
    """Wrong: the lesson's starter: the error budget 1 - target shared out linearly, each
    service spending 1 - availability of it (the first-order term of the product)."""
    return int((1 - target) / (1 - availability))


def chain_ceiling(availability, target):
    """Wrong: rounded up, so the chain holds one service past the target."""
    return math.ceil(math.log(target) / math.log(availability))


def chain_counts_the_miss(availability, target):
    """Wrong: counts the service whose product first misses the target."""
    count, product = 0, 1.0
    while product >= target:
        product *= availability
        count += 1
    return count


def chain_rounded(availability, target):
    """Wrong: rounded to the nearest count."""
    return round(math.log(target) / math.log(availability))


# -- 8.compose-request -----------------------------------------------------------------------


def _compose(part, fan_out_mean, fan_out_share, chain_mean, proxy_mean):
    """A composer whose rules for a fan-out, a chain and a proxy are given."""
    kind = part[0]
    if kind == "call":
        return part[1], part[2]
    if kind == "fan-out":
        _, n, m, a = part
        return fan_out_mean(n, m), fan_out_share(n, a)
    if kind == "chain":
        parts = [_compose(p, fan_out_mean, fan_out_share, chain_mean, proxy_mean)
                 for p in part[1]]
        return chain_mean([p[0] for p in parts]), math.prod(p[1] for p in parts)
    _, m, a, inner = part
    latency, share = _compose(inner, fan_out_mean, fan_out_share, chain_mean, proxy_mean)
    return proxy_mean(m, latency), a * share


def compose(part):
    """Right: a fan-out's mean is m H_n (the slowest of n exponentials), means add up
    along a chain and through a proxy, availabilities multiply."""
    return _compose(part, lambda n, m: m * sum(1 / k for k in range(1, n + 1)),
                    lambda n, a: a**n, sum, lambda m, latency: m + latency)


def compose_one_call(part):
    """Wrong: the lesson's starter: a fan-out as slow as one of its calls."""
    return _compose(part, lambda n, m: m, lambda n, a: a**n, sum,
                    lambda m, latency: m + latency)


def compose_share_once(part):
    """Wrong: a fan-out's availability taken as one call's."""
    return _compose(part, lambda n, m: m * sum(1 / k for k in range(1, n + 1)),
                    lambda n, a: a, sum, lambda m, latency: m + latency)


def compose_free_proxy(part):
    """Wrong: the proxy's latency forgotten (only its availability counted)."""
    return _compose(part, lambda n, m: m * sum(1 / k for k in range(1, n + 1)),
                    lambda n, a: a**n, sum, lambda m, latency: latency)


def compose_chain_as_slowest(part):
    """Wrong: a chain takes its slowest part, as a fan-out does."""
    return _compose(part, lambda n, m: m * sum(1 / k for k in range(1, n + 1)),
                    lambda n, a: a**n, max, lambda m, latency: m + latency)


def compose_fan_out_as_chain(part):
    """Wrong: a fan-out's calls added up, as a chain's are."""
    return _compose(part, lambda n, m: n * m, lambda n, a: a**n, sum,
                    lambda m, latency: m + latency)


# -- 8.order-flow ----------------------------------------------------------------------------

_STORES = """\
datastores:
  orders-db: {technology: postgres}
  payments-db: {technology: postgres}
  stock-db: {technology: postgres}
"""


def order_flow(gateway="calls: [orders]", orders="calls: [payments, stock]",
               payments="", stock="", stores=_STORES):
    """An architecture file of the order flow; each argument is the YAML of a service's
    calls and topics (its own data store is added)."""
    def service(name, body, store=True):
        lines = [f"  {name}:"] + [f"    {line}" for line in body.splitlines() if line]
        if store:
            lines.append(f"    datastores: [{name}-db]")
        return "\n".join(lines)

    return "\n".join(["name: order-flow", "gateway: gateway", "services:",
                      service("gateway", gateway, store=False), service("orders", orders),
                      service("payments", payments), service("stock", stock), stores])


#: Right: the client waits for orders alone; payments and stock follow the event.
EVENTS = order_flow(orders="publishes: [order-placed]", payments="subscribes: [order-placed]",
                    stock="subscribes: [order-placed]")
#: Right, too: payments called softly (an order waits for payment if it can, and is
#: settled later if not), stock told by an event.
SOFT_PAYMENT = order_flow(
    orders="calls: [{to: payments, timeout: 0.5, fallback: settle-later}]\n"
           "publishes: [order-placed]",
    stock="subscribes: [order-placed]")
#: Wrong: the lesson's starter: every step a hard call, gateway → orders → payments.
HARD_CHAIN = order_flow()
#: Wrong: the gateway aggregates all three; orders still tells payments and stock.
GATEWAY_FAN_OUT = order_flow(gateway="calls: [orders, payments, stock]",
                             orders="publishes: [order-placed]",
                             payments="subscribes: [order-placed]",
                             stock="subscribes: [order-placed]")
#: Wrong: soft calls everywhere: available, but no event between the owners of data.
ALL_SOFT = order_flow(orders="calls:\n  - {to: payments, timeout: 0.5, fallback: later}\n"
                             "  - {to: stock, timeout: 0.5, fallback: later}")
#: Wrong: payments reserves the stock it charged for by a call, so the chain is four
#: services deep, over the latency budget, though every call past orders is soft.
DEEP = order_flow(orders="calls: [{to: payments, timeout: 0.5, fallback: later}]\n"
                         "publishes: [order-placed]",
                  payments="calls: [{to: stock, timeout: 0.5, fallback: later}]",
                  stock="subscribes: [order-placed]")
#: Wrong: stock calls the public API (to look up orders through the gateway), so the
#: gateway, which only forwards, becomes a hop inside the system.
THROUGH_GATEWAY = order_flow(orders="publishes: [order-placed]",
                             payments="subscribes: [order-placed]",
                             stock="subscribes: [order-placed]\n"
                                   "calls: [{to: gateway, timeout: 0.5, fallback: later}]")
#: Wrong: one database shared by all three.
SHARED_DB = EVENTS.replace("[payments-db]", "[orders-db]").replace("[stock-db]", "[orders-db]")

# -- 8.pinned-image --------------------------------------------------------------------------


def pinned(image):
    """Right: the tag after the last ':' of the last path component, or a digest."""
    name, _, digest = image.partition("@")
    last = name.rpartition("/")[2]
    _, colon, tag = last.partition(":")
    return bool(digest) or (bool(colon) and tag != "latest")


def pinned_first_colon(image):
    """Wrong: the lesson's starter: the tag read after the first ':', so a registry's
    port is taken for a tag."""
    _, _, tag = image.partition(":")
    return tag not in ("", "latest")


def pinned_any_tag(image):
    """Wrong: any tag pins, latest too."""
    return ":" in image.rpartition("/")[2] or "@" in image


def pinned_ignores_digest(image):
    """Wrong: only the tag read; a digest without a good tag does not pin."""
    last = image.partition("@")[0].rpartition("/")[2]
    return last.partition(":")[2] not in ("", "latest")


def pinned_not_latest(image):
    """Wrong: whatever does not end in ':latest' pins, a reference without a tag too."""
    return not image.endswith(":latest")


# -- 8.usl-peak ------------------------------------------------------------------------------

alpha, beta = sp.symbols("alpha beta")

SOLUTIONS: dict[str, object] = {
    "8.fan-out-quantile": FAN_OUT_QUANTILE,
    "8.longest-chain": longest_chain,
    "8.compose-request": compose,
    "8.order-flow": EVENTS,
    "8.pinned-image": pinned,
    "8.usl-peak": sp.sqrt((1 - alpha) / beta),
}

MUTANTS: dict[str, list[object]] = {
    "8.fan-out-quantile": [
        ONE_CALL,
        -n * m * sp.log(1 - q),                        # a chain's n calls, each at q
        n * m,                                         # the chain's mean
        -m * sp.log(1 - q ** n),                       # q**n, not q**(1/n)
        m * sp.harmonic(n),                            # the fan-out's mean
        FAN_OUT_QUANTILE + sp.sin(sp.pi * n),          # right at whole n only
        -m * sp.log(1 - q ** (1 / n)) * sp.Symbol("k"),  # another symbol
        0.062,                                         # a number
    ],
    "8.longest-chain": [chain_by_budget, chain_ceiling, chain_counts_the_miss,
                        chain_rounded,
                        lambda availability, target: availability ** 10 >= target,  # a bool
                        lambda availability: 10],                                    # arity
    "8.compose-request": [compose_one_call, compose_share_once, compose_free_proxy,
                          compose_chain_as_slowest, compose_fan_out_as_chain,
                          lambda part: {"latency": 0.01, "availability": 0.999},  # a dict
                          lambda part, depth: (0.01, 0.999)],                        # arity
    "8.order-flow": [HARD_CHAIN, GATEWAY_FAN_OUT, ALL_SOFT, DEEP, THROUGH_GATEWAY,
                     SHARED_DB,
                     EVENTS.replace("gateway: gateway\n", ""),      # no gateway named
                     order_flow(orders="publishes: [order-placed]",  # stock never told
                                payments="subscribes: [order-placed]"),
                     "services: [gateway",                           # not YAML
                     "order-flow"],                                  # one line
    "8.pinned-image": [pinned_first_colon, pinned_any_tag, pinned_ignores_digest,
                       pinned_not_latest,
                       lambda image: image_version(image)[1],       # the tag, not a bool
                       lambda: True],                               # arity
    "8.usl-peak": [
        (1 - alpha) / beta,                            # the root forgotten
        sp.sqrt(alpha / beta),                         # contention where 1 - alpha belongs
        sp.sqrt(1 / beta),                             # contention forgotten
        1 / alpha,                                     # Amdahl's optimal load
        sp.sqrt((1 - alpha) / beta) + sp.sin(10_000 * sp.pi * beta),  # right on the grid
        sp.sqrt((1 - alpha) / beta) * sp.Symbol("gamma"),             # gamma does cancel
        7,                                             # the peak of one law
    ],
}
